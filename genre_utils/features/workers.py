"""Worker processes for feature extraction that never outlive their parent.

:func:`run_parallel` runs tasks over a process pool, bounded in flight so memory stays flat,
and hands each result to a callback as it arrives. Each worker:

- dies with its parent: on Linux the kernel sends it SIGKILL when the parent dies
  (``prctl(PR_SET_PDEATHSIG)``), and on every system a watchdog thread ends it when its parent
  process is gone (``os.getppid()`` changes), so a killed run (``kill -9``, a crash) leaves no
  workers behind;
- ignores Ctrl-C (SIGINT): the parent owns the interruption. On Ctrl-C, or any error in the
  parent, the queued tasks are cancelled and the workers terminated at once, so the command stops
  promptly; results already handed to the callback stay written.
- runs one BLAS/OpenMP thread: the parallelism is across clips, and single-threaded sums make
  the features identical whatever the number of workers or the engine (:func:`limit_threads`);
- keeps clip-sized buffers for reuse (:func:`keep_large_buffers`), in a Dask worker too.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import threading
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from multiprocessing import get_context

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
WATCHDOG_SECONDS = 0.5  # how often a worker checks that its parent is alive
IN_FLIGHT_PER_WORKER = 2  # tasks submitted ahead per worker
TERMINATE_WAIT_SECONDS = 5.0
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # mallopt parameters, <malloc.h>
MMAP_THRESHOLD_BYTES = 32 << 20  # glibc's own ceiling for its dynamic mmap threshold
TRIM_THRESHOLD_BYTES = 64 << 20  # free memory kept at the heap's top before it is returned
_buffers_kept = False


def run_parallel(function, tasks: dict, workers: int, on_result) -> None:
    """Call ``on_result(key, function(*tasks[key]))`` for every task, over ``workers`` processes.

    Raises:
        Whatever a task or ``on_result`` raises, and KeyboardInterrupt; the workers are
        terminated first.
    """
    pool = ProcessPoolExecutor(
        max_workers=workers, mp_context=process_context(), initializer=init_worker, initargs=(os.getpid(),)
    )
    queue, running = list(tasks), {}
    try:
        while queue or running:
            while queue and len(running) < IN_FLIGHT_PER_WORKER * workers:
                key = queue.pop(0)
                running[pool.submit(function, *tasks[key])] = key
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                on_result(running.pop(future), future.result())
    except BaseException:
        stop_now(pool, running)
        raise
    pool.shutdown(wait=True)


def stop_now(pool: ProcessPoolExecutor, running: dict) -> None:
    """Cancel what is queued and terminate the workers without waiting for their tasks."""
    for future in running:
        future.cancel()
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for process in processes:
        if process.is_alive():
            process.terminate()
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.join(TERMINATE_WAIT_SECONDS)


def init_worker(parent_pid: int) -> None:
    """Worker start: die with the parent, leave Ctrl-C to it, one BLAS thread, buffers kept."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent(parent_pid)
    limit_threads()
    keep_large_buffers()


def keep_large_buffers() -> None:
    """In a worker process, let glibc reuse freed clip-sized buffers instead of unmapping them.

    A Dask nanny starts its workers with ``MALLOC_TRIM_THRESHOLD_=65536``, which freezes glibc's
    mmap threshold at 128 KiB: every clip's multi-megabyte arrays are then mapped, zeroed page by
    page and unmapped again, and extraction took 1.75x as long. Fixed thresholds at glibc's own
    dynamic ceiling restore the speed (a worker keeps up to 64 MiB of freed memory). Does nothing
    in a main process (inline extraction leaves the caller's allocator alone) or without glibc.
    """
    global _buffers_kept
    if _buffers_kept or multiprocessing.parent_process() is None or not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)
        libc.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES)
    except (OSError, AttributeError):  # not glibc (musl): nothing to tune
        pass
    _buffers_kept = True


def die_with_parent(parent_pid: int) -> None:
    """End this process when ``parent_pid`` (its parent) dies, by kernel signal and by watchdog."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass  # the watchdog below still works
    if os.getppid() != parent_pid:  # the parent died before the signal was armed
        os._exit(1)

    def watch():
        while True:
            if os.getppid() != parent_pid:
                os._exit(1)
            threading.Event().wait(WATCHDOG_SECONDS)

    threading.Thread(target=watch, name="parent-watchdog", daemon=True).start()


def process_context():
    """``fork`` (fast, works from plain scripts) unless TensorFlow is loaded, then ``spawn``.

    Forking a process whose TensorFlow runtime holds threads and locks can deadlock the child;
    a spawned worker starts clean (in a script that needs the usual ``if __name__ == "__main__":``).
    """
    if os.name == "posix" and "tensorflow" not in sys.modules:
        return get_context("fork")
    return get_context("spawn")


def limit_threads():
    """One BLAS/OpenMP thread in this process (returns the limiter, usable as a context manager).

    OpenBLAS sums a matrix product in another order with 2 threads than with 1 (the mel
    filterbank product of an MFCC differs by up to 5e-5 dB), so every engine extracts with one.
    ``threadpoolctl`` only limits the libraries already loaded, so the ones extraction uses
    (NumPy's and SciPy's OpenBLAS, through librosa) are imported first: a spawned worker that set
    the limit before importing NumPy ran its products on every core and differed from the rest.
    """
    import librosa  # noqa: F401  (loads NumPy's and SciPy's BLAS before they are limited)
    import scipy.fft  # noqa: F401
    import scipy.linalg  # noqa: F401
    from threadpoolctl import threadpool_limits

    return threadpool_limits(1)


def available_cores() -> int:
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1

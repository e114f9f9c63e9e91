"""Feature extraction's one engine: Dask, on a named scheduler or on a LocalCluster started for the call.

Each local worker belongs to a nanny in this process and exits when this process dies, however it dies
(distributed's parent-alive pipe). A worker that dies mid-task has its task run again elsewhere, so tasks must be
safe to run twice.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import warnings

SCHEDULER_ENV = "GENRE_DASK_SCHEDULER"
CONNECT_SECONDS = 30  # to reach a scheduler
WORKER_WAIT_SECONDS = 120  # for a scheduler without workers to get its first one
CLOSE_SECONDS = 10
DASHBOARD_ADDRESS = ":8787"  # another free port when it is taken
# Long CPU-bound tasks on a small machine: less housekeeping, no profiler (docs/benchmarks.md).
LOCAL_WORKER_CONFIG = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "500ms",
    "distributed.admin.system-monitor.interval": "2s",
    "distributed.worker.memory.monitor-interval": "1s",
    # Dask's MALLOC_TRIM_THRESHOLD_=65536 freezes glibc's mmap threshold at 128 KiB, and a spawned worker
    # then maps and zeroes every clip's buffers afresh; glibc's own dynamic ceilings keep them for reuse.
    "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": 64 << 20,
    "distributed.nanny.pre-spawn-environ.MALLOC_MMAP_THRESHOLD_": 32 << 20,
}


class ClusterError(RuntimeError):
    """The Dask scheduler cannot be reached, or has no workers."""


def scheduler_address(scheduler: str | None = None) -> str | None:
    """``scheduler``, else ``$GENRE_DASK_SCHEDULER``, else None (a LocalCluster)."""
    if scheduler is None:
        return os.environ.get(SCHEDULER_ENV, "").strip() or None
    if not isinstance(scheduler, str) or not scheduler.strip():
        raise ValueError(f"scheduler must be an address like 'tcp://host:8786', got {scheduler!r}")
    return scheduler.strip()


def available_cores() -> int:
    """Cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def limit_threads():
    """One BLAS/OpenMP thread in this process (a context manager too), so every sum runs in one order."""
    # threadpoolctl limits only the libraries already loaded
    import librosa  # noqa: F401  # lazy: librosa, loaded here so that its BLAS is limited
    import scipy.fft  # noqa: F401  # lazy: SciPy's BLAS, as above
    import scipy.linalg  # noqa: F401  # lazy: as above
    from threadpoolctl import threadpool_limits  # lazy: with the libraries above

    return threadpool_limits(1)


def worker_start_method() -> str:
    """``fork`` (inherits this process's imports: fast) unless TensorFlow is loaded (a forked runtime can deadlock)."""
    return "fork" if os.name == "posix" and "tensorflow" not in sys.modules else "spawn"


def local_cluster(workers: int, dashboard_address: str = DASHBOARD_ADDRESS):
    """A ``LocalCluster`` of ``workers`` one-thread processes with :data:`LOCAL_WORKER_CONFIG`; the caller closes it."""
    import dask  # lazy: Dask starts only where features are extracted
    from distributed import LocalCluster  # lazy: as above

    settings = {**LOCAL_WORKER_CONFIG, "distributed.worker.multiprocessing-method": worker_start_method()}
    with warnings.catch_warnings(), dask.config.set(settings):  # the nannies read the settings when created
        warnings.filterwarnings("ignore", message="Port .* is already in use", category=UserWarning)
        try:
            return LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=dashboard_address,
                silence_logs=logging.ERROR,
            )
        except RuntimeError as error:  # most often a script that calls this at its top level
            raise ClusterError(
                f"the LocalCluster's workers did not start ({error}); in a script, "
                f'call this under `if __name__ == "__main__":`'
            ) from error


@contextlib.contextmanager
def dask_client(address: str | None, workers: int, log=print):
    """A ``distributed.Client`` of the scheduler at ``address``, or of a LocalCluster of ``workers`` (closed after);
    ``log`` gets one line with the dashboard's link."""
    from distributed import Client  # lazy: as above

    with contextlib.ExitStack() as stack:
        if address is None:
            cluster = local_cluster(workers)
            stack.callback(cluster.close, timeout=CLOSE_SECONDS)  # nannies give a running task 4 s, then kill it
            client = Client(cluster)
            where = f"a LocalCluster of {workers} single-threaded worker processes"
        else:
            try:
                client = Client(address, timeout=CONNECT_SECONDS)
            except OSError as error:
                raise ClusterError(
                    f"cannot reach the Dask scheduler at {address} ({error}); start it with "
                    f"`dask scheduler`, or unset {SCHEDULER_ENV} to run on this machine"
                ) from error
            where = f"the Dask scheduler at {address}"
        stack.callback(client.close, timeout=CLOSE_SECONDS)
        try:
            client.wait_for_workers(1, timeout=WORKER_WAIT_SECONDS)
        except (TimeoutError, OSError) as error:
            raise ClusterError(
                f"the Dask scheduler at {address} has no workers after {WORKER_WAIT_SECONDS} s: "
                f"start some with `dask worker {address} --nthreads 1`"
            ) from error
        has_dashboard = "dashboard" in client.scheduler_info().get("services", {})
        log(f"extracting on {where}; Dask dashboard: {client.dashboard_link if has_dashboard else 'none'}")
        yield client


def run_on_dask(client, function, tasks: dict, on_result) -> None:
    """Call ``on_result(key, function(*tasks[key]))`` for each task as it completes; on an error or Ctrl-C the other
    tasks are cancelled first."""
    from distributed import as_completed  # lazy: as above

    futures = {client.submit(function, *arguments, pure=False): key for key, arguments in tasks.items()}
    try:
        for future in as_completed(futures):
            on_result(futures[future], future.result())
            future.release()
    except BaseException:
        client.cancel(list(futures), force=True)
        raise

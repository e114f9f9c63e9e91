"""Feature extraction on a Dask cluster: a LocalCluster on this machine, or the workers of a scheduler.

:func:`dask_client` connects to the scheduler at an address (``tcp://host:8786``, from the
caller or the ``GENRE_DASK_SCHEDULER`` environment variable), or starts a ``LocalCluster`` of
single-threaded worker processes for the call and closes it afterwards; either way it prints one
line with the Dask dashboard's link. :func:`run_on_dask` runs tasks there, a bounded number in
flight so that the scheduler and this process stay small whatever the dataset, and hands each
result to a callback as it completes. On Ctrl-C or any error the tasks still queued or running
are cancelled before the error goes on. A worker that dies mid-task (killed, out of memory, its
machine lost) has its task re-run on another worker by the scheduler, so tasks must be safe to
run twice.

Worker processes of a LocalCluster end by themselves when this process dies (distributed watches
its parent from each of them).
"""

from __future__ import annotations

import contextlib
import logging
import os
import warnings

from genre_utils.features.workers import process_context

SCHEDULER_ENV = "GENRE_DASK_SCHEDULER"
IN_FLIGHT_PER_THREAD = 2  # tasks submitted ahead per worker thread
CONNECT_SECONDS = 30  # to reach a scheduler
WORKER_WAIT_SECONDS = 120  # for a scheduler without workers to get its first one
CLOSE_SECONDS = 10
DASHBOARD_ADDRESS = ":8787"  # the LocalCluster's dashboard; another free port when it is taken
# Settings of the LocalCluster's processes, for long CPU-bound tasks on a small machine (each saves
# CPU that extraction would otherwise lose; 1,000 30-s clips on 2 cores took 1.5-3 s less with them):
LOCAL_WORKER_CONFIG = {
    "distributed.worker.profile.enabled": False,  # no stack sampling 100 times a second (empty profile tab)
    "distributed.admin.tick.interval": "500ms",  # event-loop health check, 20 ms by default
    "distributed.admin.system-monitor.interval": "2s",  # the dashboard's CPU/memory graphs, 500 ms by default
    "distributed.worker.memory.monitor-interval": "1s",  # memory-limit checks, 100 ms by default
}


class ClusterError(RuntimeError):
    """The Dask scheduler cannot be reached, or has no workers."""


def scheduler_address(scheduler: str | None = None) -> str | None:
    """The scheduler to use: ``scheduler``, else ``$GENRE_DASK_SCHEDULER``, else None (a LocalCluster).

    Raises:
        ValueError: If ``scheduler`` is given but is not a non-empty string.
    """
    if scheduler is None:
        return os.environ.get(SCHEDULER_ENV, "").strip() or None
    if not isinstance(scheduler, str) or not scheduler.strip():
        raise ValueError(f"scheduler must be an address like 'tcp://host:8786', got {scheduler!r}")
    return scheduler.strip()


@contextlib.contextmanager
def dask_client(address: str | None, workers: int, log=print):
    """A ``distributed.Client`` of the scheduler at ``address``, or of a LocalCluster of ``workers``.

    Args:
        address: Scheduler address; None starts a LocalCluster (``workers`` processes, one thread
            each) that is closed when the block ends.
        workers: LocalCluster size (ignored with an address).
        log: Where the dashboard line goes.

    Raises:
        ClusterError: If the scheduler cannot be reached or gets no worker in time.
    """
    from distributed import Client

    cluster = None
    if address is None:
        cluster = local_cluster(workers)
        try:
            client = Client(cluster)
        except BaseException:
            cluster.close(timeout=CLOSE_SECONDS)
            raise
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
    try:
        if address is not None:
            _wait_for_a_worker(client, address)
        log(f"extracting on {where}; Dask dashboard: {_dashboard(client)}")
        yield client
    finally:  # a LocalCluster's nannies give a running task 4 s to end, then kill its worker
        client.close(timeout=CLOSE_SECONDS)
        if cluster is not None:
            cluster.close(timeout=CLOSE_SECONDS)


def local_cluster(workers: int, dashboard_address: str = DASHBOARD_ADDRESS):
    """A ``LocalCluster`` of ``workers`` single-threaded worker processes, with :data:`LOCAL_WORKER_CONFIG`.

    Its workers start as :func:`worker_start_method` says; the caller closes it.

    Raises:
        ClusterError: If the worker processes do not start.
    """
    import dask
    from distributed import LocalCluster

    settings = {**LOCAL_WORKER_CONFIG, "distributed.worker.multiprocessing-method": worker_start_method()}
    with warnings.catch_warnings():  # "Port 8787 is already in use": another port is taken, and printed
        warnings.filterwarnings("ignore", message="Port .* is already in use", category=UserWarning)
        try:
            with dask.config.set(settings):  # each nanny hands the config to its worker
                return LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=dashboard_address,
                    silence_logs=logging.ERROR,
                )
        except RuntimeError as error:  # most often a script that calls this at its top level
            raise ClusterError(
                f"the Dask LocalCluster's worker processes did not start ({error}); in a script, "
                f'make this call under `if __name__ == "__main__":` (each worker imports the '
                f"script again)"
            ) from error


def worker_start_method() -> str:
    """How a LocalCluster starts its worker processes: the process pool's rule (``workers.process_context``).

    ``fork`` where TensorFlow is not loaded: a forked worker inherits this process's imports and
    starts in a fraction of a second, where a spawned one imports Python, Dask and the package
    again (seconds on a small machine, a third of a GTZAN-sized job). ``spawn`` otherwise.
    """

    return process_context().get_start_method()


def run_on_dask(client, function, tasks: dict, on_result) -> None:
    """Call ``on_result(key, function(*tasks[key]))`` for every task, run on the client's workers.

    Raises:
        Whatever a task or ``on_result`` raises, and KeyboardInterrupt; the unfinished tasks are
        cancelled first.
    """
    from distributed import as_completed

    threads = max(1, sum(client.nthreads().values()))
    queue, running = list(tasks), {}
    completed = as_completed()

    def submit_next():
        key = queue.pop(0)
        future = client.submit(function, *tasks[key], pure=False)
        running[future] = key
        completed.add(future)

    try:
        while queue and len(running) < IN_FLIGHT_PER_THREAD * threads:
            submit_next()
        for future in completed:
            key = running.pop(future)
            on_result(key, future.result())
            future.release()
            if queue:
                submit_next()
    except BaseException:
        if running:
            client.cancel(list(running), force=True)
        raise


def _wait_for_a_worker(client, address: str) -> None:
    if client.nthreads():
        return
    try:
        client.wait_for_workers(1, timeout=WORKER_WAIT_SECONDS)
    except (TimeoutError, OSError) as error:
        raise ClusterError(
            f"the Dask scheduler at {address} has no workers after {WORKER_WAIT_SECONDS} s: start "
            f"some with `dask worker {address} --nthreads 1`"
        ) from error


def _dashboard(client) -> str:
    """The dashboard's link, or why there is none."""
    if "dashboard" not in client.scheduler_info().get("services", {}):
        return "none (the scheduler runs without one; Dask needs bokeh for it)"
    return client.dashboard_link

"""Feature extraction on Dask beside the process pool: clips/s, their ratio, and Dask's 1 -> 2 worker scaling.

On N synthetic clips (default 1000 of 30 s, GTZAN's size) it prints clips/s of

- ``processes`` and ``dask``, whole calls as ``python -m genre_utils.data extract`` makes them:
  the process pool (``engine="processes"``), and the default engine, a LocalCluster started and
  closed by the call. On the clock: starting the workers (forked for both, as TensorFlow is not
  loaded here; plus Dask's scheduler and dashboard), the workers' first import of librosa and its JIT,
  extraction, writing the store, closing. Off the clock: importing ``genre_utils`` and reading the
  track table in the main process;
- ``processes, warm parent``: the same pool call after the main process has imported and warmed
  up librosa, which its forked workers inherit (how ``benchmarks/features.py`` measures): a
  favourable case for the pool (a LocalCluster's workers are forked only after its scheduler starts);
- ``dask on a running cluster``: a LocalCluster of 1, then N, single-threaded workers started
  (with the store's own LocalCluster settings) and warmed (imports, JIT) before the clock,
  reached through ``scheduler=``: extraction alone.

and the ratios dask / processes (goal: at least 0.9 on 2 cores, no regression on one machine)
and the scaling from 1 to N workers. Every measurement runs in a fresh Python process with a
fresh cache. The two whole calls run as ``--repeat`` back-to-back pairs, in alternating order
(pool then Dask, Dask then pool, ...) so that a machine drifting slower or faster over the
minutes favours neither; the headline ratio is the median of the pairs' ratios, printed beside
the best Dask run against the best pool run. Each run also reports the CPU seconds it used, its
worker processes included, which other programs do not change.

    python benchmarks/dask_extraction.py [--clips 1000] [--seconds 30] [--workers 2] [--repeat 4] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

CHILD = textwrap.dedent(
    """
    import json, resource, sys, time
    mode, root, cache, seconds, limit, workers = (sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]),
                                                  int(sys.argv[5]), int(sys.argv[6]))
    if __name__ == "__main__":
        from genre_utils.data.datasets import synthetic
        from genre_utils.features.store import build_feature_store, warm_up
        from genre_utils.features.kinds import FeatureConfig
        tracks = synthetic.DATASET.load_tracks(root).head(limit)
        config = FeatureConfig(clip_seconds=seconds)
        if mode in ("warm", "running"):  # the main process's librosa import and JIT, off the clock
            warm_up(config)
        options = dict(workers=workers, cache_dir=cache, progress=False)
        cluster = None
        if mode == "running":  # the store's own LocalCluster (same settings, forked workers), started off the clock
            from distributed import Client
            from genre_utils.features.cluster import local_cluster
            cluster = local_cluster(workers, dashboard_address=":0")
            with Client(cluster) as client:  # warm every worker up: imports and JIT, off the clock
                client.run(warm_up, config)
            options["scheduler"] = cluster.scheduler_address
        elif mode in ("processes", "warm"):
            options["engine"] = "processes"
        def cpu():
            return sum(resource.getrusage(who).ru_utime + resource.getrusage(who).ru_stime
                       for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
        cpu_start, start = cpu(), time.perf_counter()
        build_feature_store(tracks, "benchmark", config, **options)
        elapsed, cpu_seconds = time.perf_counter() - start, cpu() - cpu_start  # workers count once reaped
        if cluster is not None:
            cluster.close()
        print(json.dumps({"seconds": elapsed, "clips": len(tracks), "cpu_seconds": cpu_seconds}))
    """
)
MODES = {  # mode: what the line says
    "processes": "processes, whole call",
    "dask": "dask LocalCluster, whole call",
    "warm": "processes, warm parent",
    "running": "dask on a running cluster",
}


def measure(mode: str, root: Path, cache: Path, seconds: float, clips: int, workers: int) -> dict:
    """Run one measurement in a fresh interpreter (and a fresh cache) and return its JSON line."""
    shutil.rmtree(cache, ignore_errors=True)
    environment = {key: value for key, value in os.environ.items() if key != "GENRE_DASK_SCHEDULER"}
    output = subprocess.run(
        [sys.executable, "-c", CHILD, mode, str(root), str(cache), str(seconds), str(clips), str(workers)],
        check=True,
        capture_output=True,
        text=True,
        env=environment,
    ).stdout
    shutil.rmtree(cache, ignore_errors=True)
    return json.loads(output.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clips", type=int, default=1000, help="synthetic clips to extract")
    parser.add_argument("--seconds", type=float, default=30.0, help="seconds per clip")
    parser.add_argument("--workers", type=int, default=2, help="worker processes (the 1 -> N scaling uses N)")
    parser.add_argument("--repeat", type=int, default=4, help="pairs of whole calls (pool and Dask, back to back)")
    parser.add_argument("--workdir", type=Path, help="where to generate clips and caches (default: a temp folder)")
    args = parser.parse_args(argv)

    from genre_utils.data.datasets import synthetic

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="genre-dask-bench-"))
    root = workdir / f"synthetic-{args.seconds:g}s"
    per_genre = -(-args.clips // len(synthetic.GENRES))
    print(
        f"generating {per_genre * len(synthetic.GENRES)} synthetic clips of {args.seconds:g} s in {root} ...",
        flush=True,
    )
    synthetic.DATASET.download(root, clips_per_genre=per_genre, seconds=args.seconds, progress=False)
    print(f"cores: {len(os.sched_getaffinity(0))}, load average before: {os.getloadavg()[0]:.2f}", flush=True)

    if args.repeat < 1:
        parser.error(f"--repeat must be >= 1, got {args.repeat}")
    rates = {}  # (mode, workers): best clips/s

    def run_and_print(mode: str, workers: int) -> float:
        run = measure(mode, root, workdir / "cache", args.seconds, args.clips, workers)
        rate = run["clips"] / run["seconds"]
        rates[mode, workers] = max(rate, rates.get((mode, workers), 0.0))
        cpu = f", {run['cpu_seconds'] / run['clips'] * 1000:.0f} ms CPU/clip" if mode != "running" else ""
        print(
            f"{MODES[mode]:<31} {workers} worker(s): {rate:7.2f} clips/s "
            f"({run['clips']} clips in {run['seconds']:.1f} s{cpu}; load {os.getloadavg()[0]:.1f})",
            flush=True,
        )
        return rate

    pairs = []
    for pair in range(args.repeat):  # alternating order: pool and Dask, then Dask and pool, ...
        order = ("processes", "dask") if pair % 2 == 0 else ("dask", "processes")
        pairs.append({mode: run_and_print(mode, args.workers) for mode in order})
    for mode, workers in (("warm", args.workers), ("running", 1), ("running", args.workers)):
        run_and_print(mode, workers)
    ratios = [pair["dask"] / pair["processes"] for pair in pairs]
    print(
        f"dask / processes, whole calls, {args.workers} workers: median of {len(ratios)} pairs "
        f"{statistics.median(ratios):.3f} (goal >= 0.9; pairs: {', '.join(f'{r:.3f}' for r in ratios)}); "
        f"best against best {rates['dask', args.workers] / rates['processes', args.workers]:.3f}; "
        f"against the warm-parent pool: {rates['dask', args.workers] / rates['warm', args.workers]:.3f}"
    )
    print(
        f"dask scaling 1 -> {args.workers} workers (running cluster): "
        f"{rates['running', args.workers] / rates['running', 1]:.2f}x"
    )
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()

"""Feature extraction on Dask: a whole call on its own LocalCluster, and a running cluster's 1 -> N scaling.

On N synthetic clips (default 1000 of 30 s, GTZAN's size) it prints clips/s of

- ``whole call``: ``build_feature_store`` as ``python -m genre_utils.data extract`` calls it, a LocalCluster
  started and closed by the call. On the clock: librosa's warm-up in the caller, starting the scheduler,
  dashboard and forked workers, extraction, writing the store, closing. Off the clock: importing
  ``genre_utils`` and reading the track table;
- ``running cluster``: a LocalCluster of 1, then N, single-threaded workers (the store's own settings)
  started and warmed up before the clock, reached through ``scheduler=``: extraction alone.

Each run is a fresh Python process with a fresh cache, repeated ``--repeat`` times (the best is kept), and
reports the CPU seconds it used, its workers included, which other programs on the machine do not change.

    python benchmarks/dask_extraction.py [--clips 1000] [--seconds 30] [--workers 2] [--repeat 3] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
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
        options = dict(workers=workers, cache_dir=cache, progress=False)
        cluster = None
        if mode == "running":  # the store's own LocalCluster, started and warmed up off the clock
            from distributed import Client
            from genre_utils.features.cluster import local_cluster
            warm_up(config)
            cluster = local_cluster(workers, dashboard_address=":0")
            with Client(cluster) as client:
                client.run(warm_up, config)
            options["scheduler"] = cluster.scheduler_address
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
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measurement (the best is kept)")
    parser.add_argument("--workdir", type=Path, help="where to generate clips and caches (default: a temp folder)")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error(f"--repeat must be >= 1, got {args.repeat}")

    from genre_utils.data.datasets import synthetic

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="genre-dask-bench-"))
    root = workdir / f"synthetic-{args.seconds:g}s"
    per_genre = -(-args.clips // len(synthetic.GENRES))
    print(f"generating {per_genre * len(synthetic.GENRES)} clips of {args.seconds:g} s in {root} ...", flush=True)
    synthetic.DATASET.download(root, clips_per_genre=per_genre, seconds=args.seconds, progress=False)
    print(f"cores: {len(os.sched_getaffinity(0))}, load average before: {os.getloadavg()[0]:.2f}", flush=True)

    best = {}
    for mode, workers in (("whole", args.workers), ("running", 1), ("running", args.workers)):
        for _ in range(args.repeat):
            run = measure(mode, root, workdir / "cache", args.seconds, args.clips, workers)
            rate = run["clips"] / run["seconds"]
            best[mode, workers] = max(rate, best.get((mode, workers), 0.0))
            print(
                f"{'whole call' if mode == 'whole' else 'running cluster':<16} {workers} worker(s): {rate:7.2f} "
                f"clips/s ({run['clips']} clips in {run['seconds']:.1f} s, "
                f"{run['cpu_seconds'] / run['clips'] * 1000:.0f} ms CPU/clip; load {os.getloadavg()[0]:.1f})",
                flush=True,
            )
    scaling = best["running", args.workers] / best["running", 1]
    print(f"running cluster, 1 -> {args.workers} workers: {scaling:.2f}x (best runs)")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()

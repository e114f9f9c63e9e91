"""Feature-store speed and memory, beside a plain one-process librosa loop.

For each size N (default 200 and 2000 synthetic clips) it prints clips/s of

- the plain loop: ``librosa.load`` + ``librosa.feature.mfcc`` per clip, one process;
- the store, cold: a fresh cache, extraction over all cores (a Dask LocalCluster started for the call);
- the store, warm: the same call again, reading the cache;

and the peak resident memory of the store's main process and of its largest worker. Each
measurement runs in a fresh Python process so that peaks do not leak between them.

Goals: cold at least 1.6x the plain loop on 2 cores (issue #22), warm at least 50x, peak memory
flat from 200 to 2000 clips. Library imports and JIT warm-up happen before the clock starts in
every measurement: librosa's for both, and the store's own libraries (zarr, distributed).

    python benchmarks/features.py [--sizes 200 2000] [--seconds 10] [--workdir DIR]
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
    mode, root, cache, seconds, limit = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), int(sys.argv[5])
    from genre_utils.data.datasets import synthetic
    tracks = synthetic.DATASET.load_tracks(root).head(limit)
    # Import and JIT warm-up (about 3 s) is paid once per process by both; keep it out of the rate.
    import numpy, librosa
    librosa.feature.mfcc(y=numpy.zeros(8192, numpy.float32), sr=22050, n_mfcc=20, n_fft=2048, hop_length=512)
    from genre_utils.features.kinds import FeatureConfig, compute_features
    compute_features(numpy.zeros(8192, numpy.float32), FeatureConfig(clip_seconds=seconds))
    if mode != "plain":
        import zarr, distributed  # the store's array and cluster libraries: their import is warm-up too
    start = time.perf_counter()
    if mode == "plain":
        import librosa
        results = []
        for path in tracks["path"]:
            y, sr = librosa.load(path, sr=22050)
            results.append(librosa.feature.mfcc(y=y, sr=sr, n_mfcc=20, n_fft=2048, hop_length=512))
    else:
        from genre_utils.features.store import build_feature_store
        from genre_utils.features.kinds import FeatureConfig
        build_feature_store(tracks, "benchmark", FeatureConfig(clip_seconds=seconds), cache_dir=cache, progress=False)
    elapsed = time.perf_counter() - start
    kib = lambda who: resource.getrusage(who).ru_maxrss
    print(json.dumps({"seconds": elapsed, "clips": len(tracks), "main_mib": kib(resource.RUSAGE_SELF) / 1024,
                      "worker_mib": kib(resource.RUSAGE_CHILDREN) / 1024}))
    """
)


def measure(mode: str, root: Path, cache: Path, seconds: float, clips: int) -> dict:
    """Run one measurement in a fresh interpreter and return its JSON line."""
    output = subprocess.run(
        [sys.executable, "-c", CHILD, mode, str(root), str(cache), str(seconds), str(clips)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[200, 2000], help="clip counts to measure")
    parser.add_argument("--seconds", type=float, default=10.0, help="seconds per synthetic clip")
    parser.add_argument("--workdir", type=Path, help="where to generate clips and caches (default: a temp folder)")
    args = parser.parse_args(argv)

    from genre_utils.data.datasets import synthetic

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="genre-bench-"))
    root = workdir / "synthetic"
    largest = max(args.sizes)
    per_genre = -(-largest // len(synthetic.GENRES))
    print(
        f"generating {per_genre * len(synthetic.GENRES)} synthetic clips of {args.seconds:g} s in {root} ...",
        flush=True,
    )
    synthetic.DATASET.download(root, clips_per_genre=per_genre, seconds=args.seconds, progress=False)

    print(f"cores: {len(os.sched_getaffinity(0))}")
    columns = [
        ("clips", 6),
        ("plain clip/s", 13),
        ("cold clip/s", 12),
        ("warm clip/s", 12),
        ("cold x", 7),
        ("warm x", 8),
        ("main MiB", 9),
        ("worker MiB", 11),
    ]
    header = " ".join(f"{name:>{width}}" for name, width in columns)
    print(header)
    for size in args.sizes:
        cache = workdir / f"cache-{size}"
        shutil.rmtree(cache, ignore_errors=True)  # cold means no cache, even in a reused --workdir
        plain = measure("plain", root, cache, args.seconds, size)
        cold = measure("store", root, cache, args.seconds, size)
        warm = measure("store", root, cache, args.seconds, size)
        rate = {name: run["clips"] / run["seconds"] for name, run in (("plain", plain), ("cold", cold), ("warm", warm))}
        print(
            f"{size:>6} {rate['plain']:>13.1f} {rate['cold']:>12.1f} {rate['warm']:>12.1f} "
            f"{rate['cold'] / rate['plain']:>7.2f} {rate['warm'] / rate['plain']:>8.0f} "
            f"{cold['main_mib']:>9.0f} {cold['worker_mib']:>11.0f}",
            flush=True,
        )


if __name__ == "__main__":
    main()

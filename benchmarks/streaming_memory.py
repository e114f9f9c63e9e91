"""Peak memory of a training run against the number of clips: streamed inputs keep it flat.

For each size N (default 2,000 and 20,000 clips) it

1. builds (or reuses) a real MFCC feature store of N 2 s clips, in a process of its own: a
   few synthetic clips (``--unique``, default 200, 20 per genre, from
   :mod:`genre_utils.data.datasets.synthetic`) are generated once and the N track files are hard
   links to them, so :func:`~genre_utils.features.store.build_feature_store` decodes and
   extracts N files into an N-row store as it would for N distinct recordings. Generating N
   distinct clips instead would cost about 36 ms each on a 2-core machine (12 minutes for
   20,000) and change nothing a memory measurement can see: the model sees the same shapes
   and the same number of items either way, only their content repeats;
2. trains the thesis CNN with the study's own runner (:func:`genre_utils.experiment.runner.run_one`:
   thesis split by track, validation carve-out, 1 s segments -- 2 per clip, cut on the fly --,
   ``--epochs`` epochs without early stopping, then the per-track test evaluation) in a fresh
   process that only opens the finished store, and reports that process's peak memory two ways:

   - **peak RSS**: ``resource.getrusage(RUSAGE_SELF).ru_maxrss``, the kernel's high-water mark
     of resident memory since the process started (after the store existed). Besides what the
     process allocated it counts mapped file pages: the shared libraries, and with a
     memory-mapped store every page of it the reads have touched (page cache the kernel can
     drop at will);
   - **peak anonymous RSS**: ``RssAnon`` of ``/proc/self/status`` (memory the process itself
     allocated: arrays, tensors, the Python heap), sampled every 10 ms by a thread.

3. with ``--in-memory``, trains the same way on inputs loaded whole (a copy of the CNN's
   declaration with ``streams=False``), for contrast.

It prints one line per (N, input) and the ratio of the largest N's peak to the smallest N's
(the goal for streamed inputs: at most 1.2). Stores are kept in ``--work-dir`` and reused.

    python benchmarks/streaming_memory.py [--clips 2000 20000] [--epochs 2] [--in-memory]
        [--unique 200] [--work-dir DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

CLIP_SECONDS = 2.0
SEGMENT_SECONDS = 1.0
DATASET = "synthetic"
MODEL = "cnn"
IN_MEMORY_MODEL = "cnn_in_memory"  # the CNN's declaration with streams=False, registered in the child
GOAL_RATIO = 1.2
SAMPLE_SECONDS = 0.01
KIB = 1024


def build_store(clips: int, unique: int, work_dir: Path) -> str:
    """Generate the unique clips, hard-link ``clips`` track files to them, extract the store; its folder."""
    import pandas as pd

    from genre_utils.data.datasets import synthetic
    from genre_utils.features.kinds import FeatureConfig
    from genre_utils.features.store import build_feature_store

    genres = synthetic.GENRES
    per_genre = max(1, unique // len(genres))
    base = synthetic.DATASET.download(
        work_dir / "base", progress=False, clips_per_genre=per_genre, seconds=CLIP_SECONDS
    )
    rows = []
    for number in range(clips):
        genre = genres[number % len(genres)]
        index = number // len(genres)
        path = work_dir / f"clips{clips}" / genre / f"{genre}.{index:05d}.wav"
        if not path.is_file():
            path.parent.mkdir(parents=True, exist_ok=True)
            os.link(base / "genres" / genre / f"{genre}.{index % per_genre:05d}.wav", path)
        rows.append({"track_id": path.stem, "path": str(path), "genre": genre})
    store = build_feature_store(
        pd.DataFrame(rows),
        DATASET,
        FeatureConfig(clip_seconds=CLIP_SECONDS),
        cache_dir=work_dir / "features",
        progress=False,
    )
    return str(store.directory)


def train_and_measure(store_dir: str, epochs: int, in_memory: bool, results_dir: str) -> dict:
    """One training run on the store; peak memory of this process while it ran."""
    import resource
    import threading
    import time

    peak_anonymous = [0]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak_anonymous[0] = max(peak_anonymous[0], anonymous_kib())
            time.sleep(SAMPLE_SECONDS)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    from dataclasses import replace

    from genre_utils.experiment.runner import RunSpec, run_one
    from genre_utils.features.store import open_feature_store
    from genre_utils.models import get_contender, register
    from genre_utils.models.streaming import STREAMING_ENV

    if in_memory:
        register(replace(get_contender(MODEL), name=IN_MEMORY_MODEL, streams=False), replace=True)
    else:  # these stores are small enough that the study would load them (streaming.should_stream)
        os.environ[STREAMING_ENV] = "always"
    store = open_feature_store(store_dir)
    spec = RunSpec(
        DATASET,
        IN_MEMORY_MODEL if in_memory else MODEL,
        segment_seconds=SEGMENT_SECONDS,
        epochs=epochs,
        patience=0,
        seed=0,
    )
    started = time.perf_counter()
    result = run_one(spec, store, results_dir)
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    return {
        "clips": int(store.features.shape[0]),
        "streamed": result["streamed"],
        "seconds": round(seconds, 1),
        "items": sum(
            row["items"]
            for row in json.loads((Path(results_dir) / DATASET / "runs" / spec.name / "config.json").read_text())[
                "counts"
            ]
        ),
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / KIB,
        "peak_anonymous_mib": peak_anonymous[0] / KIB,
        "accuracy": result["accuracy"],
    }


def anonymous_kib() -> int:
    """``RssAnon`` of this process, KiB (Linux)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("RssAnon:"):
                return int(line.split()[1])
    return 0


def child(argv: list[str]) -> None:
    """Entry point of the measuring subprocesses (``--child build|train ...``); prints one JSON line."""
    task, *rest = argv
    if task == "build":
        clips, unique, work_dir = int(rest[0]), int(rest[1]), Path(rest[2])
        print(json.dumps({"store": build_store(clips, unique, work_dir)}))
    else:
        store_dir, epochs, in_memory, results_dir = rest[0], int(rest[1]), rest[2] == "1", rest[3]
        print(json.dumps(train_and_measure(store_dir, epochs, in_memory, results_dir)))


def run_child(*arguments) -> dict:
    """Run this script's ``--child`` mode in a fresh interpreter and return its JSON line."""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    done = subprocess.run(
        [sys.executable, __file__, "--child", *map(str, arguments)], capture_output=True, text=True, env=env
    )
    if done.returncode != 0:
        sys.stderr.write(done.stderr[-4000:])
        raise SystemExit(f"child {arguments[0]} {arguments[1]} failed with exit status {done.returncode}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        child(argv[1:])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clips", type=int, nargs="+", default=[2000, 20000], help="dataset sizes to measure")
    parser.add_argument("--epochs", type=int, default=2, help="training epochs per run (no early stopping)")
    parser.add_argument("--unique", type=int, default=200, help="distinct synthetic clips the tracks link to")
    parser.add_argument("--in-memory", action="store_true", help="also train on inputs loaded whole, for contrast")
    parser.add_argument(
        "--work-dir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "genre_streaming_memory",
        help="where the clips and stores are kept (reused by later runs)",
    )
    args = parser.parse_args(argv)
    for name in ("epochs", "unique"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be >= 1")
    if min(args.clips) < 100:
        parser.error("--clips must be >= 100 each (the thesis split needs test tracks in every genre)")

    print(
        f"CPUs: {len(os.sched_getaffinity(0))}; {CLIP_SECONDS:g} s clips cut into {SEGMENT_SECONDS:g} s segments, "
        f"thesis CNN, {args.epochs} epochs, batch 32",
        flush=True,
    )
    print(
        f"{'clips':>7} {'items':>7} {'input':>9} {'seconds':>8} {'peak RSS MiB':>13} {'peak anon MiB':>14}", flush=True
    )
    paths = [("streamed", False)] + ([("in memory", True)] if args.in_memory else [])
    measured = {label: [] for label, _ in paths}
    for clips in sorted(args.clips):
        store = run_child("build", clips, args.unique, args.work_dir)["store"]
        for label, in_memory in paths:
            with tempfile.TemporaryDirectory() as results:
                result = run_child("train", store, args.epochs, int(in_memory), results)
            measured[label].append(result)
            print(
                f"{result['clips']:>7} {result['items']:>7} {label:>9} {result['seconds']:>8.0f} "
                f"{result['peak_rss_mib']:>13.0f} {result['peak_anonymous_mib']:>14.0f}",
                flush=True,
            )
    if len(args.clips) > 1:
        for label, results in measured.items():
            small, large = results[0], results[-1]
            rss = large["peak_rss_mib"] / small["peak_rss_mib"]
            anonymous = large["peak_anonymous_mib"] / small["peak_anonymous_mib"]
            met = "met" if rss <= GOAL_RATIO else "missed"
            verdict = f" (goal <= {GOAL_RATIO}: {met})" if label == "streamed" else ""
            print(
                f"{label}: {large['clips']:,} clips / {small['clips']:,}: peak RSS x{rss:.2f}{verdict}, "
                f"peak anonymous x{anonymous:.2f}"
            )


if __name__ == "__main__":
    main()

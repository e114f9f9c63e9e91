"""Command line for training sweeps, for people who work outside notebooks.

    python -m genre_utils.run --dataset gtzan --models cnn lstm --splits thesis fault_filtered \\
        --seeds 0 1 2 3 4 --segment-seconds 3 --results build/results

Runs every combination (see :func:`genre_utils.experiment.sweep`), skips runs that already
finished (so a killed sweep resumes), and prints one line per run and the summary across seeds.
"""

from __future__ import annotations

import argparse
import sys

from genre_utils import data
from genre_utils.experiment import RUN_SPLITS, run_experiment, sweep
from genre_utils.features import FEATURE_KINDS
from genre_utils.models import MODEL_NAMES
from genre_utils.paths import PROJECT_ROOT
from genre_utils.training import DEFAULT_BATCH_SIZE, DEFAULT_EPOCHS, DEFAULT_PATIENCE

DEFAULT_RESULTS = PROJECT_ROOT / "build" / "results"
SUMMARY_COLUMNS = ["model", "features", "split", "segment_seconds"]


def build_parser() -> argparse.ArgumentParser:
    """The command's arguments."""
    parser = argparse.ArgumentParser(prog="python -m genre_utils.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", default="synthetic", help="synthetic (default), gtzan or fma_small")
    parser.add_argument("--root", default=None, help="dataset folder (default $GENRE_DATA_DIR/<dataset>)")
    parser.add_argument("--models", nargs="+", default=list(MODEL_NAMES), choices=MODEL_NAMES)
    parser.add_argument("--splits", nargs="+", default=["thesis"], choices=RUN_SPLITS)
    parser.add_argument("--features", nargs="+", default=["mfcc"], choices=FEATURE_KINDS)
    parser.add_argument("--seeds", nargs="+", type=int, default=[0], help="one run per seed (default 0)")
    parser.add_argument("--segment-seconds", type=float, default=0.0,
                        help="0 trains on whole clips (thesis, default); e.g. 3 for 3 s segments")
    parser.add_argument("--epochs", type=int, default=DEFAULT_EPOCHS)
    parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE)
    parser.add_argument("--patience", type=int, default=DEFAULT_PATIENCE)
    parser.add_argument("--aggregation", default="mean", choices=("mean", "vote"))
    parser.add_argument("--results", default=str(DEFAULT_RESULTS), help="results root (default build/results)")
    parser.add_argument("--workers", type=int, default=None, help="feature extraction processes (default all cores)")
    parser.add_argument("--verbose", action="store_true", help="one Keras line per epoch")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        specs = sweep(args.dataset, models=args.models, splits=args.splits, features=args.features, seeds=args.seeds,
                      segment_seconds=args.segment_seconds, epochs=args.epochs, batch_size=args.batch_size,
                      patience=args.patience, aggregation=args.aggregation)
        if args.dataset == "synthetic":  # generate the default set unless one is there already
            from genre_utils.datasets import synthetic

            root = data.dataset_root("synthetic", args.root)
            try:
                synthetic.parameters(root)
            except FileNotFoundError:
                synthetic.download(root, progress=False)
        stores = {kind: data.prepare_features(args.dataset, args.root, kind=kind, workers=args.workers)
                  for kind in args.features}
        runs = run_experiment(specs, stores, args.results, verbose=2 if args.verbose else 0)
    except (ValueError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    from genre_utils.statistics import summarize_runs

    print(summarize_runs(runs, value="accuracy", by=SUMMARY_COLUMNS).to_string(float_format=lambda v: f"{v:.3f}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())

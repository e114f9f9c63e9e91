"""Command line for training sweeps, for people who work outside notebooks.

    python -m genre_utils.run --dataset gtzan --splits thesis fault_filtered \\
        --seeds 0 1 2 3 4 --segment-seconds 3 --results build/results

Runs every combination of contenders (default: all registered), splits, features and seeds
(see :func:`genre_utils.experiment.runner.sweep`), skips runs that already finished (so a killed sweep
resumes), and prints one line per run and the summary across seeds. Runs that did not learn
(:mod:`genre_utils.experiment.learning_check`) are named as such. With ``--splits file`` and a split file
without test tracks it trains a final model on every listed track: it prints where the model was
saved and the ``predict`` command that classifies files with it.
"""

from __future__ import annotations

if __name__ == "__main__":  # before the imports below load TensorFlow, whose C++ log lines go straight to stderr
    from genre_utils.quiet import quiet_stderr

    quiet_stderr()

import argparse
import sys
from pathlib import Path

import pandas as pd

from genre_utils.analysis.comparison import learned_mask
from genre_utils.analysis.statistics import summarize_runs
from genre_utils.data.datasets import dataset_names, default_dataset
from genre_utils.experiment.inputs import DEFAULT_SEGMENT_SECONDS
from genre_utils.experiment.learning_check import LEARNED_RULE
from genre_utils.experiment.runner import RUN_SPLITS, own_runs, run_experiment, skipped_note
from genre_utils.features.kinds import FEATURE_KINDS
from genre_utils.models import contender_names, contenders
from genre_utils.models.hyperparameters import DEFAULT_BATCH_SIZE, DEFAULT_EPOCHS, DEFAULT_PATIENCE
from genre_utils.paths import PROJECT_ROOT
from genre_utils.study.notebook import open_dataset
from genre_utils.study.settings import DEFAULT_SEEDS, StudySettings

DEFAULT_RESULTS = PROJECT_ROOT / "build" / "results"
SUMMARY_COLUMNS = ["model", "features", "split", "segment_seconds", "augment"]


def _contender_lines() -> str:
    return "\n".join(
        [f"  {c.name:<9} {c.title}: {c.description}" for c in contenders()]
        + ["readings of their open choices (not run by default):"]
        + [f"  {c.name:<17} {c.title}: {c.choice}" for c in contenders(True) if c.reading_of]
    )


def build_parser() -> argparse.ArgumentParser:
    """The command's arguments."""
    parser = argparse.ArgumentParser(
        prog="python -m genre_utils.run",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=f"contenders (genre_utils.models):\n{_contender_lines()}",
    )
    parser.add_argument(
        "--dataset", default=default_dataset(), help=f"{', '.join(dataset_names())} (default {default_dataset()})"
    )
    parser.add_argument("--root", default=None, help="dataset folder (default $GENRE_DATA_DIR/<dataset>)")
    parser.add_argument(
        "--models",
        nargs="+",
        default=list(contender_names()),
        choices=contender_names(include_readings=True),
        help="contenders (or readings) to run (default: all contenders)",
    )
    parser.add_argument("--splits", nargs="+", default=["thesis"], choices=RUN_SPLITS)
    parser.add_argument("--folds", type=int, default=5, help="folds of the kfold split (default 5)")
    parser.add_argument("--split-file", default="", help="CSV of track_id,side for --splits file")
    parser.add_argument(
        "--features",
        nargs="+",
        default=None,
        choices=FEATURE_KINDS,
        help="feature kinds (default: each contender's own)",
    )
    parser.add_argument(
        "--seeds",
        nargs="+",
        type=int,
        default=list(DEFAULT_SEEDS),
        help=f"one run per seed (default {' '.join(map(str, DEFAULT_SEEDS))}, as the notebooks)",
    )
    parser.add_argument(
        "--segment-seconds",
        type=float,
        default=DEFAULT_SEGMENT_SECONDS,
        help=f"segment length (default {DEFAULT_SEGMENT_SECONDS:g} s, as the notebooks and `make report`); "
        "0 trains on whole clips (the thesis's own setting)",
    )
    parser.add_argument("--epochs", type=int, default=DEFAULT_EPOCHS)
    parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE)
    parser.add_argument("--patience", type=int, default=DEFAULT_PATIENCE)
    parser.add_argument("--aggregation", default="mean", choices=("mean", "vote"))
    parser.add_argument(
        "--augment",
        type=int,
        default=0,
        metavar="K",
        help="train with K degraded copies of each training track (band limits, MP3, noise, clipping, "
        "a room; genre_utils.data.degradations); validation and test tracks stay clean (default 0)",
    )
    parser.add_argument("--results", default=str(DEFAULT_RESULTS), help="results root (default build/results)")
    parser.add_argument("--workers", type=int, default=None, help="feature extraction processes (default all cores)")
    parser.add_argument("--verbose", action="store_true", help="one Keras line per epoch")
    return parser


def settings_from_arguments(args: argparse.Namespace) -> StudySettings:
    """The study's settings from the parsed command line."""
    return StudySettings(
        dataset=args.dataset,
        data_root=args.root,
        models=args.models,
        splits=args.splits,
        folds=args.folds,
        split_file=args.split_file or None,
        features=args.features,
        seeds=args.seeds,
        segment_seconds=args.segment_seconds,
        epochs=args.epochs,
        batch_size=args.batch_size,
        patience=args.patience,
        aggregation=args.aggregation,
        augment=args.augment,
        workers=args.workers or 0,
        output_dir=args.results,
    )


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        settings = settings_from_arguments(args)  # every value checked before any feature is extracted
        specs = settings.run_specs()
        stores = {kind: open_dataset(settings, kind) for kind in sorted({spec.features for spec in specs})}
        for store in stores.values():
            print(skipped_note(store, settings.output_dir, settings.dataset))
        runs = run_experiment(specs, stores, settings.output_dir, verbose=2 if args.verbose else 0)
    except (ValueError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(run_summary(runs, specs))
    return 0


def run_summary(runs: pd.DataFrame, specs: list) -> str:
    """The sweep's closing lines: accuracy across seeds of its evaluated runs, the runs that did not learn,
    then each final model (a split file without test tracks) with its folder and how to classify files."""
    ours = own_runs(runs, specs)
    if not len(ours):
        return "no finished runs"
    evaluated, finals = ours[ours["accuracy"].notna()], ours[ours["accuracy"].isna()]
    lines = []
    if len(evaluated):
        table = summarize_runs(evaluated, value="accuracy", by=SUMMARY_COLUMNS)
        lines.append(table.to_string(float_format=lambda v: f"{v:.3f}"))
    flat = ours[~learned_mask(ours)]
    if len(flat):
        lines.append(
            f"{len(flat)} of {len(ours)} run(s) did not learn; their accuracy is no result ({LEARNED_RULE}): "
            f"{', '.join(Path(folder).name for folder in flat['folder'])}"
        )
    for row in finals.itertuples():
        lines.append(
            f"final model ({row.model}: trained on {row.train_tracks} tracks, no test tracks, not evaluated) "
            f"saved in {row.folder}\n  classify your files with it: "
            f"python -m genre_utils.predict FILE [FILE ...] --run {row.folder}"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())

"""Command line for training sweeps, for people who work outside notebooks.

    python -m genre_utils.run --dataset gtzan --splits thesis fault_filtered \\
        --seeds 0 1 2 3 4 --segment-seconds 3 --results build/results

Every combination of contenders, splits, features and seeds; finished runs are skipped, so a killed sweep
resumes. A split file without test tracks trains a final model, for ``python -m genre_utils.predict``.
"""

from __future__ import annotations

if __name__ == "__main__":  # before the imports below load TensorFlow
    from genre_utils.quiet import quiet

    quiet()

import argparse
import sys
from pathlib import Path

import pandas as pd

from genre_utils.analysis.comparison import learned_mask
from genre_utils.analysis.statistics import summarize_runs
from genre_utils.data.datasets import dataset_names
from genre_utils.experiment.learning_check import LEARNED_RULE
from genre_utils.experiment.runner import AGGREGATIONS, RUN_SPLITS, own_runs, run_experiment, skipped_note
from genre_utils.features.kinds import FEATURE_KINDS
from genre_utils.models import contenders
from genre_utils.paths import PROJECT_ROOT
from genre_utils.study.notebook import open_dataset
from genre_utils.study.settings import StudySettings

DEFAULT_RESULTS = PROJECT_ROOT / "build" / "results"
SUMMARY_COLUMNS = ["model", "features", "split", "segment_seconds", "augment"]


def build_parser() -> argparse.ArgumentParser:
    """The command's arguments; their defaults are :class:`StudySettings`' own."""
    default = StudySettings()
    lines = [f"  {c.name:<9} {c.title}: {c.description}" for c in contenders()]
    lines += ["readings of their open choices (not run by default):"]
    lines += [f"  {c.name:<17} {c.title}: {c.choice}" for c in contenders(True) if c.reading_of]
    parser = argparse.ArgumentParser(
        prog="python -m genre_utils.run",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="contenders (genre_utils.models):\n" + "\n".join(lines),
    )
    add = parser.add_argument
    add("--dataset", default=default.dataset, help=f"{', '.join(dataset_names())} (default %(default)s)")
    add("--root", dest="data_root", help="dataset folder (default $GENRE_DATA_DIR/<dataset>)")
    add("--models", nargs="+", default=list(default.models), help="contenders (or readings) to run (default: all)")
    add("--splits", nargs="+", default=list(default.splits), help=f"{', '.join(RUN_SPLITS)} (default %(default)s)")
    add("--folds", type=int, default=default.folds, help="folds of the kfold split (default %(default)s)")
    add("--split-file", help="CSV of track_id,side for --splits file")
    add("--features", nargs="+", help=f"{', '.join(FEATURE_KINDS)} (default: each contender's own)")
    add("--seeds", nargs="+", type=int, default=list(default.seeds), help="one run per seed (default %(default)s)")
    segment = "segment length (default %(default)g s); 0 trains on whole clips (the thesis's own setting)"
    add("--segment-seconds", type=float, default=default.segment_seconds, help=segment)
    add("--epochs", type=int, default=default.epochs)
    add("--batch-size", type=int, default=default.batch_size)
    add("--patience", type=int, default=default.patience)
    add("--aggregation", default=default.aggregation, help=f"{', '.join(AGGREGATIONS)} (default %(default)s)")
    augment = "train with K degraded copies of each training track (genre_utils.data.degradations); validation "
    add(
        "--augment",
        type=int,
        default=default.augment,
        metavar="K",
        help=augment + "and test tracks stay clean (default %(default)s)",
    )
    add("--results", dest="output_dir", default=str(DEFAULT_RESULTS), help="results root (default build/results)")
    add("--workers", type=int, default=default.workers, help="feature extraction processes (default 0: all cores)")
    add("--verbose", action="store_true", help="one Keras line per epoch")
    return parser


def settings_from_arguments(args: argparse.Namespace) -> StudySettings:
    """The study's settings from the parsed command line."""
    return StudySettings(**{name: value for name, value in vars(args).items() if name != "verbose"})


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        settings = settings_from_arguments(args)  # every value checked before any feature is extracted
        specs = settings.run_specs()
        stores = {kind: open_dataset(settings, kind) for kind in sorted({spec.features for spec in specs})}
        for store in stores.values():
            print(skipped_note(store, settings.output_dir, settings.dataset))
        runs = run_experiment(
            specs, stores, settings.output_dir, verbose=2 if args.verbose else 0, workers=settings.workers or None
        )
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

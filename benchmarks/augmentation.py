"""Does training with augmentation make every contender robust? Measured on the real GTZAN excerpts.

The degradation study of notebook 08, without the notebook, on the 100 real GTZAN excerpts in
``../shared`` (``--root``): every contender (``--models``) on stratified k folds (``--folds``,
default 5) and ``--seeds`` (default 0), trained without augmentation and with ``--copies`` degraded
copies of each training track (default 2), each scored on its clean test tracks and on the same
tracks after ``--degradations`` (default the goal's: the 8 kHz band limit and MP3 at 64 kbit/s).
It prints the robustness table (drop with its interval, McNemar), the with/without table, and
whether the goal holds for each contender: with augmentation it keeps at least 80 % of its clean
accuracy under each degradation and loses at most 2 points on clean tracks
(:data:`genre_utils.analysis.robustness.GOAL_RETAINED`, ``GOAL_CLEAN_LOSS``).

The excerpts are 100 clips of 15-30 s, consecutive clips of a genre often by one artist: a sanity
check of real-music behaviour, not a GTZAN accuracy. Runs, features and degraded stores go under
``--work`` (default ``build/benchmarks/augmentation``) and are reused by a second call.

    python benchmarks/augmentation.py [--root ../shared/data/gtzan_excerpts] [--models cnn lstm svm crnn musicnn]
        [--copies 2] [--folds 5] [--seeds 0] [--degradations band_8k mp3_64k] [--work DIR]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
DEFAULT_ROOT = PROJECT.parent / "shared" / "data" / "gtzan_excerpts"
DEFAULT_WORK = PROJECT / "build" / "benchmarks" / "augmentation"
GOAL_DEGRADATIONS = ["band_8k", "mp3_64k"]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT, help="a GTZAN-layout folder (default the excerpts)")
    parser.add_argument("--models", nargs="+", default=None, help="contenders (default: all)")
    parser.add_argument("--copies", type=int, default=2, help="degraded copies per training track (default 2)")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--degradations", nargs="+", default=GOAL_DEGRADATIONS)
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK, help="results and caches (reused)")
    args = parser.parse_args(argv)
    if not (args.root / "genres").is_dir():
        print(
            f"error: {args.root} holds no genres/<genre>/ folders (the GTZAN excerpts live in ../shared)",
            file=sys.stderr,
        )
        return 2
    os.environ["GENRE_CACHE_DIR"] = str(args.work / "cache")  # the excerpts' folder may be read-only
    import pandas as pd

    from genre_utils.analysis import robustness
    from genre_utils.experiment.degradation_scores import robustness_predictions
    from genre_utils.experiment.runner import train_plan
    from genre_utils.study import degradation_study
    from genre_utils.study.notebook import open_dataset
    from genre_utils.study.settings import StudySettings

    settings = StudySettings(
        dataset="gtzan",
        data_root=str(args.root),
        models=args.models or "all",
        splits=("kfold",),
        folds=args.folds,
        seeds=tuple(args.seeds),
        output_dir=str(args.work / "results"),
    )
    degradations = degradation_study.study_degradations(args.degradations)
    specs = degradation_study.study_specs(settings, args.copies)
    started = time.perf_counter()
    stores = {kind: open_dataset(settings, kind) for kind in sorted({spec.features for spec in specs})}
    train_plan(specs, stores, settings.output_dir)
    degraded = degradation_study.degraded_copies(specs, stores, degradations, 0, settings.output_dir)
    predictions = robustness_predictions(specs, degraded, settings.output_dir)
    minutes = (time.perf_counter() - started) / 60
    pd.set_option("display.width", 200)
    pd.set_option("display.max_columns", 30)
    table = robustness.robustness_table(predictions)
    print("\nAccuracy lost to each degradation (per-track, mean over runs):")
    print(
        table[
            [
                "label",
                "augment",
                "degradation",
                "n",
                "excluded_runs",
                "clean_accuracy",
                "degraded_accuracy",
                "drop",
                "drop_ci_low",
                "drop_ci_high",
                "retained",
                "p_holm",
            ]
        ]
        .round(3)
        .to_string(index=False)
    )
    effect = robustness.augmentation_effect(predictions)
    print(
        f"\nWith and without {args.copies} degraded copies (goal: retained >= {robustness.GOAL_RETAINED:.0%} under "
        f"each degradation, clean loss <= {robustness.GOAL_CLEAN_LOSS * 100:g} points):"
    )
    print(
        effect[
            ["label", "degradation", "accuracy_without", "accuracy_with", "difference", "retained_with", "meets_goal"]
        ]
        .round(3)
        .to_string(index=False)
    )
    met = effect.groupby("label", sort=False)["goal_met"].first()
    print("\ngoal met: " + ", ".join(f"{label} {'yes' if ok else 'no'}" for label, ok in met.items()))
    print(robustness.robustness_sentence(table))
    print(f"\n{len(specs)} runs, {args.folds} folds, seeds {args.seeds}, {minutes:.1f} min on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())

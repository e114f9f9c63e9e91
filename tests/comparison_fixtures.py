"""Run folders written by hand for three made-up contenders, for the comparison, significance and plot tests.

Twenty test tracks of two genres (t00-t09 blues, t10-t19 rock); a run is given by the set of tracks
it gets wrong (its prediction there is the other genre). Settings of dataset ``toy``:

- ``thesis`` split, MFCC, 3 s segments, seeds 0-2: ``alpha``, ``beta``, ``gamma``;
- ``kfold`` with 2 folds (fold 0 tests t00-t04 and t10-t14), seeds 0-2: ``alpha`` on MFCC and
  log-mel, ``beta`` and ``gamma`` on MFCC;
- ``file`` split, one seed: ``alpha`` and ``beta`` (one run each: no spread);
- ``random_segments``: ``alpha`` MFCC, seeds 0-2, all right (the leakage demo).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from statsmodels.stats.multitest import multipletests

from genre_utils.analysis.comparison import SETTING
from genre_utils.analysis.significance import pairwise_mcnemar, pairwise_paired_tests
from genre_utils.analysis.statistics import holm
from genre_utils.experiment.evaluation import classification_report, predictions_frame, report_to_files

GENRES = ["blues", "rock"]
TRACKS = [f"t{i:02d}" for i in range(20)]
TRUTH = np.array([0] * 10 + [1] * 10)
FOLD_TRACKS = [list(range(0, 5)) + list(range(10, 15)), list(range(5, 10)) + list(range(15, 20))]
LABELS = {"alpha": "Alpha net", "beta": "Beta forest", "gamma": "Gamma probe"}
SEEDS = (0, 1, 2)

THESIS_WRONG = {  # per model, the tracks each seed gets wrong
    "alpha": [set(), {0}, set()],  # 1.00, 0.95, 1.00
    "beta": [
        {0, 1, 2, 3, 4, 10, 11, 12, 13, 14},
        {1, 2, 3, 4, 10, 11, 12, 13, 14},
        {0, 1, 2, 3, 4, 10, 11, 12, 13, 14},
    ],  # 0.50, 0.55, 0.50
    "gamma": [{5}, {5, 6, 7}, {5}],  # 0.95, 0.85, 0.95
}
KFOLD_WRONG = {  # per (model, features), per seed, the tracks wrong over both folds
    ("alpha", "mfcc"): [{1}, {1, 11}, set()],
    ("alpha", "logmel"): [{1, 2, 3}, {1, 2, 3, 11}, {2}],
    ("beta", "mfcc"): [set(range(0, 8)), set(range(0, 9)), set(range(0, 8))],
    ("gamma", "mfcc"): [{4, 5, 6, 7}, {4, 5, 6}, {4, 5, 6, 7, 8}],
}
TRAIN_SECONDS = {"alpha": 120.0, "beta": 2.5, "gamma": 30.0}
PARAMETERS = {"alpha": 123456, "beta": 80, "gamma": 5130}


def write_run(
    root: Path,
    model: str,
    seed: int,
    wrong: set,
    split: str = "thesis",
    features: str = "mfcc",
    tracks=range(20),
    fold: int = 0,
    folds: int = 0,
    split_file: str = "",
    dataset: str = "toy",
) -> dict:
    """A run folder with the files the experiment runner writes, and its runs-table row."""
    folder = root / f"{model}-{features}-{split}-seed{seed}-fold{fold}"
    folder.mkdir(parents=True)
    index = np.asarray(list(tracks))
    truth = TRUTH[index]
    predicted = np.where([i in wrong for i in index], 1 - truth, truth)
    report_to_files(classification_report(truth, predicted, GENRES), folder)
    probabilities = np.eye(2)[predicted] * 0.8 + 0.1
    predictions_frame([TRACKS[i] for i in index], truth, probabilities, GENRES).to_csv(
        folder / "predictions.csv", index=False
    )
    metrics = json.loads((folder / "metrics.json").read_text())
    return {
        "dataset": dataset,
        "model": model,
        "split": split,
        "features": features,
        "seed": seed,
        "segment_seconds": 3.0,
        "folds": folds,
        "fold": fold,
        "split_file": split_file,
        "accuracy": metrics["accuracy"],
        "balanced_accuracy": metrics["balanced_accuracy"],
        "macro_f1": metrics["macro_f1"],
        "train_seconds": TRAIN_SECONDS[model] + seed,
        "parameters": PARAMETERS[model],
        "folder": str(folder),
    }


def build_runs(root: Path) -> pd.DataFrame:
    """The runs table of every setting described in the module docstring."""
    rows = [write_run(root, model, seed, wrong[seed]) for model, wrong in THESIS_WRONG.items() for seed in SEEDS]
    for (model, features), wrong in KFOLD_WRONG.items():
        for seed in SEEDS:
            for fold, tracks in enumerate(FOLD_TRACKS):
                rows.append(
                    write_run(
                        root,
                        model,
                        seed,
                        wrong[seed],
                        split="kfold",
                        features=features,
                        tracks=tracks,
                        fold=fold,
                        folds=2,
                    )
                )
    rows += [
        write_run(root, "alpha", 0, {0, 1}, split="file", split_file="lists/custom_split.csv"),
        write_run(root, "beta", 0, {0, 1, 2, 3}, split="file", split_file="lists/custom_split.csv"),
    ]
    rows += [write_run(root, "alpha", seed, set(), split="random_segments") for seed in SEEDS]
    return pd.DataFrame(rows)


def corrected_tests(runs: pd.DataFrame, labels: dict | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """McNemar's and the paired tests' tables with Holm's correction applied as notebook 04 applies it."""
    mcnemar_table, paired = pairwise_mcnemar(runs, labels), pairwise_paired_tests(runs, labels)
    families = mcnemar_table.groupby([*SETTING, "seed"])["p_value"]
    mcnemar_table["p_holm"] = families.transform(lambda p: multipletests(p, method="holm")[1])
    for test in ("t", "wilcoxon"):
        paired[f"p_holm_{test}"] = paired.groupby(SETTING)[f"p_value_{test}"].transform(holm)
    return mcnemar_table, paired

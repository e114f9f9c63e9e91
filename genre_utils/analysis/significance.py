"""Pairwise tests between the entries of a setting: McNemar per seed (folds pooled), paired t and Wilcoxon across runs.

The tables hold raw p-values; notebook 04 applies Holm's correction where the reader sees it. Within a pair, ``a``
is the entry with the higher mean accuracy, so differences read ``a - b``.
"""

from __future__ import annotations

from itertools import combinations
from pathlib import Path

import pandas as pd

from genre_utils.analysis.comparison import ENTRY, SETTING, entry_labels, runs_frame
from genre_utils.analysis.statistics import mcnemar, paired_seed_test

PREDICTIONS_FILE, COLUMNS = "predictions.csv", ["track_id", "correct"]
PAIR = ["model_a", "features_a", "label_a", "model_b", "features_b", "label_b"]
COUNTS = ["both", "only_a", "only_b", "neither"]
MCNEMAR_COLUMNS = [*SETTING, "seed", *PAIR, "tracks", "accuracy_a", "accuracy_b", *COUNTS, "statistic", "p_value"]
PAIRED_COLUMNS = [*SETTING, *PAIR, "n", "mean_difference", "t_statistic", "p_value_t", "p_value_wilcoxon"]


def correct_per_track(entry_runs: pd.DataFrame) -> pd.Series:
    """Whether each test track (index) was classified right, from the runs' ``predictions.csv`` (one seed's folds)."""
    folders = [Path(folder) for folder in entry_runs["folder"]]
    read = [pd.read_csv(f / PREDICTIONS_FILE, usecols=COLUMNS, dtype={"track_id": str}) for f in folders]
    pooled = pd.concat(read, ignore_index=True).set_index("track_id")["correct"].astype(bool)
    if pooled.index.has_duplicates:
        raise ValueError(f"runs {', '.join(map(str, folders))} test a track more than once; expected one run per fold")
    return pooled


def pairwise_mcnemar(
    runs: pd.DataFrame, labels: dict[str, str] | None = None, first: str | None = None
) -> pd.DataFrame:
    """McNemar's exact test (:data:`MCNEMAR_COLUMNS`) for every setting, pair of entries and seed both have run;
    ``first``: a model that is ``a`` in each of its pairs."""
    frame = runs_frame(runs, [*SETTING, *ENTRY, "seed", "folder", "accuracy"])
    frame["label"] = entry_labels(frame, labels)
    rows = []
    for setting, group in frame.groupby(SETTING, sort=True, dropna=False):
        order, label = _ranked_entries(group, first)
        for seed, of_seed in group.groupby("seed", sort=True):
            entries = dict(list(of_seed.groupby(ENTRY, sort=False)))
            for a, b in combinations([entry for entry in order if entry in entries], 2):
                correct_a, correct_b = correct_per_track(entries[a]), correct_per_track(entries[b])
                if set(correct_a.index) != set(correct_b.index):
                    folders = [", ".join(entries[e]["folder"].astype(str)) for e in (a, b)]
                    raise ValueError(f"runs {folders[0]} and {folders[1]} have different test tracks, expected one set")
                correct_b = correct_b.loc[correct_a.index]
                where = {**dict(zip(SETTING, setting)), "seed": seed, **_pair(a, b, label)}
                accuracy = {"tracks": len(correct_a), "accuracy_a": correct_a.mean(), "accuracy_b": correct_b.mean()}
                rows.append({**where, **accuracy, **mcnemar(correct_a, correct_b)})
    return pd.DataFrame(rows, columns=MCNEMAR_COLUMNS)


def pairwise_paired_tests(
    runs: pd.DataFrame, labels: dict[str, str] | None = None, first: str | None = None
) -> pd.DataFrame:
    """Paired t and Wilcoxon tests on accuracy (:data:`PAIRED_COLUMNS`), runs paired by (seed, fold); ``first`` as
    in :func:`pairwise_mcnemar`."""
    frame = runs_frame(runs, [*SETTING, *ENTRY, "seed", "accuracy"])
    frame["label"] = entry_labels(frame, labels)
    if not (twice := frame[frame.duplicated([*SETTING, *ENTRY, "seed", "fold"], keep=False)]).empty:
        raise ValueError(
            f"several runs share a setting, entry, seed and fold: {twice.get('folder', twice['model']).tolist()}"
        )
    rows = []
    for setting, group in frame.groupby(SETTING, sort=True, dropna=False):
        order, label = _ranked_entries(group, first)
        wide = group.pivot(index=["seed", "fold"], columns=ENTRY, values="accuracy")
        for a, b in combinations(order, 2):
            both = wide[[a, b]].dropna()
            if not both.empty:
                test = paired_seed_test(both[a].to_numpy(), both[b].to_numpy())
                rows.append({**dict(zip(SETTING, setting)), **_pair(a, b, label), **test})
    return pd.DataFrame(rows, columns=PAIRED_COLUMNS)


def mcnemar_by_seed(runs: pd.DataFrame, model_a: str, model_b: str) -> pd.DataFrame:
    """Two models' rows of :func:`pairwise_mcnemar` (same features), ``a`` being ``model_a``."""
    return _rows_of(pairwise_mcnemar(runs, first=model_a), model_a, model_b)


def paired_tests(runs: pd.DataFrame, model_a: str, model_b: str) -> pd.DataFrame:
    """Two models' rows of :func:`pairwise_paired_tests` (same features), differences ``model_a - model_b``."""
    return _rows_of(pairwise_paired_tests(runs, first=model_a), model_a, model_b)


def _rows_of(table: pd.DataFrame, model_a: str, model_b: str) -> pd.DataFrame:
    mine = (table["model_a"] == model_a) & (table["model_b"] == model_b) & (table["features_a"] == table["features_b"])
    return table[mine].reset_index(drop=True)


def _ranked_entries(group: pd.DataFrame, first: str | None = None) -> tuple[list[tuple], dict[tuple, str]]:
    """A setting's entries, ``first``'s then from the best mean accuracy down (ties by name), and their labels."""
    mean = group.groupby(ENTRY, sort=True)["accuracy"].mean().sort_values(ascending=False, kind="stable")
    order = sorted(mean.index, key=lambda entry: entry[0] != first)
    return order, dict(zip(map(tuple, group[ENTRY].to_numpy()), group["label"]))


def _pair(a: tuple, b: tuple, label: dict) -> dict:
    return dict(zip(PAIR, [*a, label[a], *b, label[b]]))

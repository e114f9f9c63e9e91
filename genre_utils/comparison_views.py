"""What the comparative notebook shows beyond the tables of :mod:`genre_utils.comparison`.

Selecting the runs and the setting examined in detail, the feature study (the thesis CNN on
other features), and readable summaries of the pairwise tests of :mod:`genre_utils.significance`.
"""

from __future__ import annotations

import pandas as pd

from genre_utils.comparison import ALPHA, THESIS_FEATURE_STUDY, runs_frame, setting_label

PAIR_COLUMNS = ["label_a", "features_a", "label_b", "features_b"]


def finished_runs(runs: pd.DataFrame, models: list[str]) -> pd.DataFrame:
    """The finished runs of ``models`` on all their training tracks, the columns older tables lack filled in.

    A learning curve's runs on part of the training tracks (notebook 06) are left out.

    Raises:
        FileNotFoundError: If none of them has a finished run (saying how to train them).
    """
    if "train_fraction" in runs.columns:
        runs = runs[runs["train_fraction"].fillna(1.0) == 1.0]
    if runs.empty or not runs["model"].isin(models).any():
        raise FileNotFoundError(f"no finished runs of {', '.join(models)}: run notebook 03 for each (make report "
                                "does), or python -m genre_utils.run")
    return runs_frame(runs[runs["model"].isin(models)]).reset_index(drop=True)


def select_setting(runs: pd.DataFrame, split: str, segment_seconds: float, folds: int = 5) -> pd.DataFrame:
    """The runs of one setting (split, segment length and, for ``kfold``, fold count).

    Raises:
        ValueError: Listing the finished settings when none matches.
    """
    wanted = (runs["split"] == split) & (runs["segment_seconds"] == float(segment_seconds))
    if split == "kfold":
        wanted &= runs["folds"] == int(folds)
    chosen = runs[wanted].reset_index(drop=True)
    if chosen.empty:
        settings = sorted({setting_label(row) for row in runs.itertuples()})
        raise ValueError(f"no runs with split={split!r}, segment_seconds={segment_seconds!r}; finished settings: "
                         f"{settings}")
    return chosen


def genre_count(runs: pd.DataFrame) -> int:
    """Genres the runs classify (the rows of their first per-genre table)."""
    return len(_per_genre(runs))


def majority_rate(runs: pd.DataFrame) -> float:
    """Accuracy of always answering the test set's most common genre (from the first run's per-genre support).

    On a balanced test set this equals guessing (1 / genres); on an unbalanced one (FMA-medium,
    FMA-large) it is the higher floor a classifier has to beat.
    """
    support = _per_genre(runs)["support"].to_numpy(float)
    return float(support.max() / support.sum())


def _per_genre(runs: pd.DataFrame) -> pd.DataFrame:
    from pathlib import Path

    from genre_utils.evaluation import PER_GENRE_FILE

    return pd.read_csv(Path(runs["folder"].iloc[0]) / PER_GENRE_FILE, index_col=0)


def feature_study(table: pd.DataFrame) -> pd.DataFrame:
    """The thesis CNN's rows of a comparison table, one per feature kind, in the thesis's order."""
    model, kinds = THESIS_FEATURE_STUDY
    rows = table[(table["model"] == model) & table["features"].isin(kinds)].copy()
    if rows["features"].nunique() < 2:
        return pd.DataFrame()
    rows["order"] = rows["features"].map({kind: i for i, kind in enumerate(kinds)})
    shown = rows.sort_values("order")[["features", "n", "mean", "sd", "ci_low", "ci_high", "macro_f1",
                                       "train_seconds"]]
    for column in ("mean", "sd", "ci_low", "ci_high", "macro_f1"):
        shown[column] = (100 * shown[column]).round(1)
    return shown.rename(columns={"mean": "accuracy %", "sd": "sd %", "ci_low": "95% low", "ci_high": "95% high",
                                 "macro_f1": "macro F1 %", "n": "runs", "train_seconds": "train s"}).reset_index(drop=True)


def pair_summary(mcnemar_table: pd.DataFrame) -> pd.DataFrame:
    """Per pair of contenders: seeds tested, seeds with a Holm-significant McNemar test, median p."""
    grouped = mcnemar_table.groupby(PAIR_COLUMNS, sort=False)
    summary = grouped.agg(seeds=("seed", "nunique"), tracks=("tracks", "first"),
                          accuracy_a=("accuracy_a", "mean"), accuracy_b=("accuracy_b", "mean"),
                          significant=("p_holm", lambda p: int((p < ALPHA).sum())),
                          median_p_holm=("p_holm", "median")).reset_index()
    summary["verdict"] = [f"differ in {s} of {n} seed(s)" for s, n in zip(summary["significant"], summary["seeds"])]
    return summary.round(4)


def paired_summary(paired: pd.DataFrame) -> pd.DataFrame:
    """The paired tests across seeds, the Holm-adjusted p-values beside the raw ones."""
    columns = [*PAIR_COLUMNS, "n", "mean_difference", "p_value_t", "p_holm_t", "p_value_wilcoxon", "p_holm_wilcoxon"]
    return paired[columns].round(4)

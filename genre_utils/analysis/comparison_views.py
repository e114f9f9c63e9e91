"""What the comparative notebook shows beyond the tables of :mod:`genre_utils.analysis.comparison`.

Selecting the runs and the setting examined in detail, the feature study (the thesis CNN on
other features), and readable summaries of the pairwise tests of :mod:`genre_utils.analysis.significance`.
"""

from __future__ import annotations

import pandas as pd

from genre_utils.analysis.comparison import ALPHA, runs_frame, setting_label
from genre_utils.analysis.significance import mcnemar_wins
from genre_utils.experiment.evaluation import PER_GENRE_FILE
from genre_utils.models.thesis_results import THESIS_FEATURE_STUDY

PAIR_COLUMNS = ["label_a", "features_a", "label_b", "features_b"]


def finished_runs(runs: pd.DataFrame, models: list[str], augment: int = 0) -> pd.DataFrame:
    """The finished runs of ``models`` on all their training tracks, the columns older tables lack filled in.

    A learning curve's runs on part of the training tracks (notebook 06) are left out, and so are
    runs trained with another number of degraded copies than ``augment`` (the degradation study's,
    notebook 08: by default the runs trained on clean audio only are compared).

    Raises:
        FileNotFoundError: If none of them has a finished run (saying how to train them).
    """
    if "train_fraction" in runs.columns:
        runs = runs[runs["train_fraction"].fillna(1.0) == 1.0]
    if "augment" in runs.columns or augment:
        runs = runs[runs.get("augment", pd.Series(0, index=runs.index)).fillna(0).astype(int) == int(augment)]
    if runs.empty or not runs["model"].isin(models).any():
        raise FileNotFoundError(
            f"no finished runs of {', '.join(models)}: run notebook 03 for each (make report "
            "does), or python -m genre_utils.run"
        )
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
        raise ValueError(
            f"no runs with split={split!r}, segment_seconds={segment_seconds!r}; finished settings: {settings}"
        )
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

    return pd.read_csv(Path(runs["folder"].iloc[0]) / PER_GENRE_FILE, index_col=0)


def feature_study(table: pd.DataFrame) -> pd.DataFrame:
    """The thesis CNN's rows of a comparison table, one per feature kind, in the thesis's order."""
    model, kinds = THESIS_FEATURE_STUDY
    rows = table[(table["model"] == model) & table["features"].isin(kinds)].copy()
    if rows["features"].nunique() < 2:
        return pd.DataFrame()
    rows["order"] = rows["features"].map({kind: i for i, kind in enumerate(kinds)})
    shown = rows.sort_values("order")[["features", "n", "mean", "sd", "ci_low", "ci_high", "macro_f1", "train_seconds"]]
    for column in ("mean", "sd", "ci_low", "ci_high", "macro_f1"):
        shown[column] = (100 * shown[column]).round(1)
    return shown.rename(
        columns={
            "mean": "accuracy %",
            "sd": "sd %",
            "ci_low": "95% low",
            "ci_high": "95% high",
            "macro_f1": "macro F1 %",
            "n": "runs",
            "train_seconds": "train s",
        }
    ).reset_index(drop=True)


def wins_matrix(mcnemar_table: pd.DataFrame, paired: pd.DataFrame) -> pd.DataFrame:
    """Which entry beats which, after Holm's correction, as one table (one setting's tests).

    Rows are the winners, columns the losers, both in the order of the tests (best mean first).
    A cell reads ``2/3`` when McNemar on the same test tracks favours the row in 2 of 3 seeds
    (Holm-adjusted p < :data:`~genre_utils.analysis.comparison.ALPHA`), with ``+`` when the paired t-test
    across seeds does too (``+`` alone: the paired test only); empty where the row never wins,
    ``·`` on the diagonal.
    """
    entries = list(
        dict.fromkeys(
            [
                *mcnemar_table.get("label_a", []),
                *mcnemar_table.get("label_b", []),
                *paired.get("label_a", []),
                *paired.get("label_b", []),
            ]
        )
    )
    matrix = pd.DataFrame("", index=pd.Index(entries, name="wins ↓ over →"), columns=entries)
    for entry in entries:
        matrix.loc[entry, entry] = "·"
    for pair in mcnemar_wins(mcnemar_table).itertuples():
        for winner, loser, count in (
            (pair.label_a, pair.label_b, pair.wins_a),
            (pair.label_b, pair.label_a, pair.wins_b),
        ):
            if count:
                matrix.loc[winner, loser] = f"{count}/{pair.seeds}"
    if not paired.empty:
        for row in paired[(paired["n"] >= 2) & (paired["p_holm_t"] < ALPHA)].itertuples():
            winner, loser = (row.label_a, row.label_b) if row.mean_difference > 0 else (row.label_b, row.label_a)
            matrix.loc[winner, loser] = f"{matrix.loc[winner, loser]}+"
    return matrix

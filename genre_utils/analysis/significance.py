"""Which entries differ beyond chance: pairwise McNemar per seed and paired tests across runs, Holm-corrected.

- :func:`pairwise_mcnemar`: every pair of entries of a setting, per seed, on the same test tracks
  (with k-fold cross-validation a seed's folds are pooled: every track is tested once per seed).
  The pairs of one (setting, seed) form a family, corrected with :func:`genre_utils.analysis.statistics.holm`.
- :func:`pairwise_paired_tests`: every pair of entries of a setting, paired t and Wilcoxon on the
  accuracies of runs paired by (seed, fold); the pairs of a setting form the family.

Settings and entries are those of :mod:`genre_utils.analysis.comparison`. Within a pair, ``a`` is the entry
with the higher mean accuracy over the setting's runs, so differences read ``a - b``.
"""

from __future__ import annotations

from itertools import combinations
from pathlib import Path

import pandas as pd

from genre_utils.analysis.comparison import ALPHA, ENTRY, SETTING, entry_labels, runs_frame
from genre_utils.analysis.statistics import holm, mcnemar, paired_seed_test

PREDICTIONS_FILE = "predictions.csv"
PAIR = ["model_a", "features_a", "label_a", "model_b", "features_b", "label_b"]
MCNEMAR_COLUMNS = [
    *SETTING,
    "seed",
    *PAIR,
    "tracks",
    "accuracy_a",
    "accuracy_b",
    "both",
    "only_a",
    "only_b",
    "neither",
    "statistic",
    "p_value",
    "p_holm",
]
PAIRED_COLUMNS = [
    *SETTING,
    *PAIR,
    "n",
    "mean_difference",
    "t_statistic",
    "p_value_t",
    "p_value_wilcoxon",
    "p_holm_t",
    "p_holm_wilcoxon",
]
SWAPPED = {"accuracy_a": "accuracy_b", "only_a": "only_b"}  # exchanged when a pair is read the other way round


def pairwise_mcnemar(runs: pd.DataFrame, labels: dict[str, str] | None = None) -> pd.DataFrame:
    """McNemar's exact test for every setting, every pair of entries and every seed both have run.

    Args:
        runs: Runs table of :func:`genre_utils.experiment.runner.collect_runs`.
        labels: Display title per model name, as for :func:`genre_utils.analysis.comparison.comparison_table`.

    Returns:
        Columns :data:`MCNEMAR_COLUMNS`: the setting, ``seed``, the pair (``model_a``,
        ``features_a``, ``label_a``, the same for ``b``), ``tracks`` tested, both accuracies on
        them, the counts ``both``, ``only_a`` (tracks only ``a`` gets right), ``only_b``,
        ``neither``, ``statistic``, the exact ``p_value`` and ``p_holm`` (Holm-adjusted over the
        pairs of the same setting and seed).

    Raises:
        ValueError: A pair's runs do not test the same tracks (the message names both runs'
            folders), or one entry's runs of a seed test a track twice.
    """
    frame = runs_frame(runs, [*SETTING, *ENTRY, "seed", "folder", "accuracy"])
    frame["label"] = entry_labels(frame, labels)
    rows = []
    for setting, group in frame.groupby(SETTING, sort=True, dropna=False):
        order, label = _ranked_entries(group)
        for seed, runs_of_seed in group.groupby("seed", sort=True):
            predictions = {
                entry: _pooled_predictions(entry_runs) for entry, entry_runs in runs_of_seed.groupby(ENTRY, sort=False)
            }
            family = []
            for a, b in combinations([entry for entry in order if entry in predictions], 2):
                (correct_a, folders_a), (correct_b, folders_b) = predictions[a], predictions[b]
                if set(correct_a.index) != set(correct_b.index):
                    raise ValueError(
                        f"runs {folders_a} and {folders_b} have different test tracks; McNemar "
                        "compares predictions on the same tracks"
                    )
                correct_b = correct_b.loc[correct_a.index]
                test = mcnemar(correct_a.to_numpy(), correct_b.to_numpy())
                family.append(
                    {
                        **dict(zip(SETTING, setting)),
                        "seed": seed,
                        **_pair(a, b, label),
                        "tracks": len(correct_a),
                        "accuracy_a": correct_a.mean(),
                        "accuracy_b": correct_b.mean(),
                        **{k: test[k] for k in ("both", "only_a", "only_b", "neither", "statistic", "p_value")},
                    }
                )
            for row, adjusted in zip(family, holm([row["p_value"] for row in family])):
                row["p_holm"] = adjusted
            rows.extend(family)
    return pd.DataFrame(rows, columns=MCNEMAR_COLUMNS)


def pairwise_paired_tests(runs: pd.DataFrame, labels: dict[str, str] | None = None) -> pd.DataFrame:
    """Paired t and Wilcoxon tests on accuracy for every setting and pair of entries.

    Runs pair by (seed, fold): the same seed and fold means the same split for both entries.

    Returns:
        Columns :data:`PAIRED_COLUMNS`: the setting, the pair, ``n`` paired runs,
        ``mean_difference`` (a - b), ``t_statistic``, ``p_value_t``, ``p_value_wilcoxon`` (see
        :func:`genre_utils.analysis.statistics.paired_seed_test`; NaN where undefined, e.g. one run) and
        both Holm-adjusted over the pairs of the setting (``p_holm_t``, ``p_holm_wilcoxon``).

    Raises:
        ValueError: An entry has two runs with the same seed and fold.
    """
    frame = runs_frame(runs, [*SETTING, *ENTRY, "seed", "accuracy"])
    frame["label"] = entry_labels(frame, labels)
    twice = frame[frame.duplicated([*SETTING, *ENTRY, "seed", "fold"], keep=False)]
    if not twice.empty:
        raise ValueError(
            f"several runs share a setting, entry, seed and fold: {twice.get('folder', twice[ENTRY]).tolist()}"
        )
    rows = []
    for setting, group in frame.groupby(SETTING, sort=True, dropna=False):
        order, label = _ranked_entries(group)
        wide = group.pivot(index=["seed", "fold"], columns=ENTRY, values="accuracy")
        family = []
        for a, b in combinations(order, 2):
            both = wide[[a, b]].dropna()
            if both.empty:
                continue
            test = paired_seed_test(both[a].to_numpy(), both[b].to_numpy())
            family.append({**dict(zip(SETTING, setting)), **_pair(a, b, label), **test})
        for name in ("t", "wilcoxon"):
            for row, adjusted in zip(family, holm([row[f"p_value_{name}"] for row in family])):
                row[f"p_holm_{name}"] = adjusted
        rows.extend(family)
    return pd.DataFrame(rows, columns=PAIRED_COLUMNS)


def mcnemar_wins(mcnemar_table: pd.DataFrame) -> pd.DataFrame:
    """Per pair of :func:`pairwise_mcnemar`: seeds tested and the seeds in which each side is significantly ahead.

    Returns:
        Columns :data:`PAIR`, ``seeds``, ``wins_a`` and ``wins_b``: seeds whose Holm-adjusted p is below
        :data:`~genre_utils.analysis.comparison.ALPHA` with more tracks right only by ``a`` (``b``), in the table's
        order.
    """
    rows = []
    if not mcnemar_table.empty:
        for _, pair in mcnemar_table.groupby(["model_a", "features_a", "model_b", "features_b"], sort=False):
            significant = pair[pair["p_holm"] < ALPHA]
            rows.append(
                {
                    **pair.iloc[0][PAIR].to_dict(),
                    "seeds": pair["seed"].nunique(),
                    "wins_a": int((significant["only_a"] > significant["only_b"]).sum()),
                    "wins_b": int((significant["only_b"] > significant["only_a"]).sum()),
                }
            )
    return pd.DataFrame(rows, columns=[*PAIR, "seeds", "wins_a", "wins_b"])


def mcnemar_by_seed(runs: pd.DataFrame, model_a: str, model_b: str) -> pd.DataFrame:
    """Two models' rows of :func:`pairwise_mcnemar` (same features), read as ``model_a`` vs ``model_b``.

    Columns as :func:`pairwise_mcnemar`, with ``only_a`` counting the tracks only ``model_a`` gets
    right; ``p_holm`` stays corrected over all the pairs of the setting and seed.
    """
    return _oriented(
        pairwise_mcnemar(runs),
        model_a,
        model_b,
        lambda rows: rows.rename(columns={**SWAPPED, **{v: k for k, v in SWAPPED.items()}}),
    )


def paired_tests(runs: pd.DataFrame, model_a: str, model_b: str) -> pd.DataFrame:
    """Two models' rows of :func:`pairwise_paired_tests` (same features), differences ``model_a - model_b``."""
    return _oriented(
        pairwise_paired_tests(runs),
        model_a,
        model_b,
        lambda rows: rows.assign(mean_difference=-rows["mean_difference"], t_statistic=-rows["t_statistic"]),
    )


def _oriented(table: pd.DataFrame, model_a: str, model_b: str, swap) -> pd.DataFrame:
    """Rows of the pair (model_a, model_b) on one feature kind, turned so that ``a`` is ``model_a``."""
    same_kind = table["features_a"] == table["features_b"]
    forward = table[same_kind & (table["model_a"] == model_a) & (table["model_b"] == model_b)]
    backward = table[same_kind & (table["model_a"] == model_b) & (table["model_b"] == model_a)]
    turned = {
        f"{end}_{side}": f"{end}_{other}"
        for end in ("model", "features", "label")
        for side, other in (("a", "b"), ("b", "a"))
    }
    backward = swap(backward).rename(columns=turned)
    return pd.concat([forward, backward[table.columns]]).sort_index().reset_index(drop=True)


def _ranked_entries(group: pd.DataFrame) -> tuple[list[tuple], dict[tuple, str]]:
    """A setting's entries from the best mean accuracy down (ties by name), and their labels."""
    mean = group.groupby(ENTRY, sort=True)["accuracy"].mean().sort_values(ascending=False, kind="stable")
    labels = dict(zip(map(tuple, group[ENTRY].to_numpy()), group["label"]))
    return list(mean.index), labels


def _pair(a: tuple, b: tuple, label: dict) -> dict:
    return {
        "model_a": a[0],
        "features_a": a[1],
        "label_a": label[a],
        "model_b": b[0],
        "features_b": b[1],
        "label_b": label[b],
    }


def _pooled_predictions(entry_runs: pd.DataFrame) -> tuple[pd.Series, str]:
    """Whether each test track was classified correctly, over the given runs (one seed's folds)."""
    folders = [str(folder) for folder in entry_runs["folder"]]
    frames = [
        pd.read_csv(Path(folder) / PREDICTIONS_FILE, usecols=["track_id", "correct"], dtype={"track_id": str})
        for folder in folders
    ]
    pooled = pd.concat(frames, ignore_index=True)
    repeated = pooled["track_id"][pooled["track_id"].duplicated()]
    if not repeated.empty:
        raise ValueError(
            f"runs {', '.join(folders)} test track(s) {repeated.head(3).tolist()} more than once: "
            "one seed of one entry must test each track once (are two runs of it in the table?)"
        )
    return pooled.set_index("track_id")["correct"].astype(bool), ", ".join(folders)

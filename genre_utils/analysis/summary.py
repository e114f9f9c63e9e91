"""The written summary's sentences, built only from the comparison and significance tables.

Entries are named by the ``label`` column of the comparison table (falling back to the tests'
own labels), never by a name typed here. :func:`written_summary` joins the
lines into Markdown.
"""

from __future__ import annotations

import math

import pandas as pd

from genre_utils.analysis.comparison import ALPHA, ENTRY, LEAKY_SPLIT, SETTING, runs_frame, setting_label
from genre_utils.analysis.significance import mcnemar_wins


def summary_lines(
    table: pd.DataFrame, mcnemar_table: pd.DataFrame, paired: pd.DataFrame, leakage: pd.DataFrame | None = None
) -> list[str]:
    """Markdown list lines: per setting the ranking, then the significant pairs; then leakage."""
    table = runs_frame(table, [*SETTING, *ENTRY, "n", "mean"])
    lines = not_learned_lines(table)
    for key, group in table[table["split"] != LEAKY_SPLIT].groupby(SETTING, sort=True, dropna=False):
        ranked = group.sort_values("mean", ascending=False, kind="stable")
        label = dict(zip(map(tuple, ranked[ENTRY].to_numpy()), _labels(ranked)))
        parts = [
            f"{name} {_pct(r.mean)}"
            + (f" ± {_pct(r.sd)}" if r.n > 1 and _finite(r.sd) else "")
            + (
                f" (did not learn in {int(r.not_learned)} of {int(r.n)} runs)"
                if _finite(getattr(r, "not_learned", math.nan)) and r.not_learned > 0
                else ""
            )
            + (
                f" (thesis {_pct(r.thesis)}, {_signed(r.mean - r.thesis)} points)"
                if _finite(getattr(r, "thesis", math.nan))
                else ""
            )
            for name, r in zip(_labels(ranked), ranked.itertuples())
        ]
        lines.append(f"- **{setting_label(ranked.iloc[0])}** ({_runs_phrase(ranked)}): " + "; ".join(parts) + ".")
        lines.extend(pair_sentence(_rows_of(mcnemar_table, key), _rows_of(paired, key), label))
    if leakage is not None and not leakage.empty:
        for r in leakage.itertuples():
            name = r.label if isinstance(getattr(r, "label", None), str) else r.model
            lines.append(
                f"- Splitting {name} segments at random instead of by track reports "
                f"{_pct(r.random_segment_split)} instead of {_pct(r.track_split)} "
                f"({_signed(r.inflation)} points): accuracy measured on recordings already heard in training."
            )
    return lines


def written_summary(
    table: pd.DataFrame, mcnemar_table: pd.DataFrame, paired: pd.DataFrame, leakage: pd.DataFrame | None = None
) -> str:
    """A short Markdown conclusion built only from the numbers passed in.

    Args:
        table: :func:`genre_utils.analysis.comparison.comparison_table`; its labels name the entries everywhere in the
        summary.
        mcnemar_table: :func:`genre_utils.analysis.significance.pairwise_mcnemar`.
        paired: :func:`genre_utils.analysis.significance.pairwise_paired_tests`.
        leakage: :func:`genre_utils.analysis.comparison.leakage_table`, optional.
    """
    lines = summary_lines(table, mcnemar_table, paired, leakage)
    return "\n".join(lines) if lines else "No finished runs to summarize."


def not_learned_lines(table: pd.DataFrame) -> list[str]:
    """The summary's first line when some runs did not learn (:mod:`genre_utils.experiment.learning_check`): which, in
    how many runs.
    """
    if "not_learned" not in table.columns:
        return []
    flat = table[table["not_learned"].fillna(0) > 0]
    if flat.empty:
        return []
    entries = "; ".join(
        f"{name} ({setting_label(row)}): {int(row.not_learned)} of {int(row.n)} runs"
        for name, row in zip(_labels(flat), flat.itertuples())
    )
    return [
        f"- **Runs that did not learn**, whose accuracy is no result about the model (the rule: "
        f"`genre_utils.experiment.learning_check`): {entries}."
    ]


def pair_sentence(mcnemar_rows: pd.DataFrame, paired_rows: pd.DataFrame, label: dict) -> list[str]:
    """One line per setting for every pairwise test: the significant wins, then "no other pair".

    A win is counted where McNemar on the same test tracks (Holm-adjusted over the pairs of a seed)
    favours one entry in a seed, and where the paired t-test across seeds (Holm-adjusted over the
    setting's pairs) does; the full tables are ``model_tests.csv`` and ``paired_tests.csv``.
    """
    wins: dict[tuple[str, str], list[str]] = {}
    pairs = set()
    for pair in mcnemar_wins(mcnemar_rows).itertuples():
        a, b = _pair_names(pair._asdict(), label)
        pairs.add(frozenset((a, b)))
        for winner, loser, count in ((a, b, pair.wins_a), (b, a, pair.wins_b)):
            if count:
                wins.setdefault((winner, loser), []).append(f"McNemar in {count} of {_plural(pair.seeds, 'seed')}")
    testable = (
        paired_rows[(paired_rows["n"] >= 2) & paired_rows["p_holm_t"].notna()] if not paired_rows.empty else paired_rows
    )
    for r in testable.itertuples() if not testable.empty else []:
        a, b = _pair_names(r._asdict(), label)
        pairs.add(frozenset((a, b)))
        if r.p_holm_t < ALPHA:
            winner, loser = (a, b) if r.mean_difference > 0 else (b, a)
            wins.setdefault((winner, loser), []).append(
                f"by {abs(100 * r.mean_difference):.1f} points, paired t-test p = {r.p_holm_t:.2g}"
            )
    if not pairs:
        return []
    few = "; too few runs for a paired test across seeds" if testable.empty and not paired_rows.empty else ""
    if not wins:
        return [f"  - No pair differs significantly (Holm-adjusted p < {ALPHA}){few}."]
    listed = "; ".join(f"{w} over {lost} ({', '.join(how)})" for (w, lost), how in wins.items())
    rest = len(pairs) - len({frozenset(key) for key in wins})
    other = f"; no other of the {len(pairs)} pairs" if rest else ""
    return [f"  - Significant (Holm-adjusted p < {ALPHA}): {listed}{other}{few}."]


def _rows_of(tests: pd.DataFrame | None, key: tuple) -> pd.DataFrame:
    """The rows of a significance table that belong to one setting."""
    if tests is None or tests.empty:
        return pd.DataFrame()
    tests = runs_frame(tests, SETTING)
    match = pd.Series(True, index=tests.index)
    for column, value in zip(SETTING, key):
        match &= tests[column] == value
    return tests[match]


def _pair_names(row, label: dict) -> tuple[str, str]:
    get = row.get if hasattr(row, "get") else row.__getitem__
    return tuple(label.get((get(f"model_{s}"), get(f"features_{s}")), get(f"label_{s}")) for s in "ab")


def _labels(table: pd.DataFrame) -> list[str]:
    if "label" not in table.columns:
        return table["model"].astype(str).tolist()
    return [lab if isinstance(lab, str) and lab else str(m) for lab, m in zip(table["label"], table["model"])]


def _runs_phrase(group: pd.DataFrame) -> str:
    seeds = int(group["seeds"].max()) if "seeds" in group.columns else int(group["n"].max())
    folds = int(group["folds"].iloc[0])
    return _plural(seeds, "seed") + (f" × {folds} folds" if folds else "")


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _finite(value) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value)


def _pct(value: float) -> str:
    return f"{100 * value:.1f}%"


def _signed(value: float) -> str:
    return f"{100 * value:+.1f}"

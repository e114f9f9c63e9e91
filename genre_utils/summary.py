"""The written summary's sentences, built only from the comparison and significance tables.

Entries are named by the ``label`` column of the comparison table (falling back to the tests'
own labels), never by a name typed here. :func:`genre_utils.comparison.written_summary` joins the
lines into Markdown.
"""

from __future__ import annotations

import math

import pandas as pd

from genre_utils.comparison import ALPHA, ENTRY, LEAKY_SPLIT, SETTING, runs_frame, setting_label


def summary_lines(table: pd.DataFrame, mcnemar_table: pd.DataFrame, paired: pd.DataFrame,
                  leakage: pd.DataFrame | None = None) -> list[str]:
    """Markdown list lines: per setting the ranking, then the significant pairs; then leakage."""
    table = runs_frame(table, [*SETTING, *ENTRY, "n", "mean"])
    lines = []
    for key, group in table[table["split"] != LEAKY_SPLIT].groupby(SETTING, sort=True, dropna=False):
        ranked = group.sort_values("mean", ascending=False, kind="stable")
        label = dict(zip(map(tuple, ranked[ENTRY].to_numpy()), _labels(ranked)))
        parts = [f"{name} {_pct(r.mean)}" + (f" ± {_pct(r.sd)}" if r.n > 1 and _finite(r.sd) else "")
                 + (f" (thesis {_pct(r.thesis)}, {_signed(r.mean - r.thesis)} points)"
                    if _finite(getattr(r, "thesis", math.nan)) else "")
                 for name, r in zip(_labels(ranked), ranked.itertuples())]
        lines.append(f"- **{setting_label(ranked.iloc[0])}** ({_runs_phrase(ranked)}): " + "; ".join(parts) + ".")
        lines.extend(_mcnemar_sentences(_rows_of(mcnemar_table, key), label))
        lines.extend(_paired_sentences(_rows_of(paired, key), label))
    if leakage is not None and not leakage.empty:
        for r in leakage.itertuples():
            name = r.label if isinstance(getattr(r, "label", None), str) else r.model
            lines.append(f"- Splitting {name} segments at random instead of by track reports "
                         f"{_pct(r.random_segment_split)} instead of {_pct(r.track_split)} "
                         f"({_signed(r.inflation)} points): accuracy measured on recordings already heard in training.")
    return lines


def _mcnemar_sentences(rows: pd.DataFrame, label: dict) -> list[str]:
    if rows.empty:
        return []
    sentences, quiet = [], []
    for _, pair in rows.groupby(["model_a", "features_a", "model_b", "features_b"], sort=False):
        a, b = _pair_names(pair.iloc[0], label)
        seeds = pair["seed"].nunique()
        significant = pair[pair["p_holm"] < ALPHA]
        wins = [(winner, loser, int(count)) for winner, loser, count in
                ((a, b, (significant["only_a"] > significant["only_b"]).sum()),
                 (b, a, (significant["only_b"] > significant["only_a"]).sum())) if count]
        if wins:
            clauses = [f"{w} beats {l} in {c} of {_plural(seeds, 'seed')}" for w, l, c in wins]
            sentences.append(f"  - {' and '.join(clauses)} (McNemar on the same test tracks, "
                             f"Holm-adjusted p < {ALPHA}).")
        else:
            quiet.append(f"{a} and {b}")
    if quiet:
        other = " other" if sentences else ""
        sentences.append(f"  - McNemar (Holm-adjusted) finds no{other} difference significant at {ALPHA} in any "
                         f"seed between " + "; ".join(quiet) + ".")
    return sentences


def _paired_sentences(rows: pd.DataFrame, label: dict) -> list[str]:
    if rows.empty:
        return []
    testable = rows[(rows["n"] >= 2) & rows["p_holm_t"].notna()]
    if testable.empty:
        return ["  - Too few runs for a paired test across seeds (run more seeds)."]
    sentences, quiet = [], []
    for r in testable.itertuples():
        a, b = _pair_names(r._asdict(), label)
        if r.p_holm_t < ALPHA:
            winner, loser = (a, b) if r.mean_difference > 0 else (b, a)
            sentences.append(f"  - {winner} beats {loser} by {abs(100 * r.mean_difference):.1f} points over "
                             f"{r.n} paired runs (paired t-test across seeds, Holm-adjusted p = {r.p_holm_t:.3g}).")
        else:
            quiet.append(f"{a} and {b}")
    if quiet:
        other = " other" if sentences else ""
        sentences.append(f"  - The paired t-test across seeds (Holm-adjusted) finds no{other} difference "
                         f"significant at {ALPHA} between " + "; ".join(quiet) + ".")
    return sentences


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

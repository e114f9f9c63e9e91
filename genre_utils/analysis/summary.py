"""The verdict on one setting: a table (contender, accuracy, interval, learned?, beats whom after Holm) and a sentence.

Built only from the comparison table and the Holm-corrected tests of notebook 04 (``p_holm`` on McNemar's
table, ``p_holm_t`` on the paired tests'); entries are named by the comparison table's labels.
"""

from __future__ import annotations

from collections import defaultdict

import pandas as pd

from genre_utils.analysis.comparison import ALPHA, ENTRY, SETTING, runs_frame, setting_label, spread_text
from genre_utils.formatting import MISSING, finite, plural, points

BEATS = f"beats (Holm-adjusted p < {ALPHA})"
VERDICT_COLUMNS = ["contender", "accuracy % (mean ± sd)", "95 % interval or range", "learned?", BEATS]


def verdict_table(table: pd.DataFrame, mcnemar_table: pd.DataFrame, paired: pd.DataFrame) -> pd.DataFrame:
    """One row per entry of one setting (best first): :data:`VERDICT_COLUMNS`, the wins with the tests behind them."""
    table = runs_frame(table, [*SETTING, *ENTRY, "label", "n", "sd", "mean"])
    if len(table[SETTING].drop_duplicates()) > 1:
        raise ValueError("verdict_table expects the comparison table of one setting (notebook 04's detail)")
    label = dict(zip(map(tuple, table[ENTRY].to_numpy()), table["label"]))
    evidence = defaultdict(list)  # (winner, loser) -> the tests that favour the winner
    for keys, pair in mcnemar_table.groupby(["model_a", "features_a", "model_b", "features_b"], sort=False):
        significant = pair[pair["p_holm"] < ALPHA]
        seeds = plural(pair["seed"].nunique(), "seed")
        a, b = keys[:2], keys[2:]
        for winner, loser, ahead, behind in ((a, b, "only_a", "only_b"), (b, a, "only_b", "only_a")):
            if wins := int((significant[ahead] > significant[behind]).sum()):
                evidence[winner, loser].append(f"McNemar in {wins} of {seeds}")
    for row in paired[(paired["n"] >= 2) & (paired["p_holm_t"] < ALPHA)].itertuples():
        a, b = (row.model_a, row.features_a), (row.model_b, row.features_b)
        evidence[(a, b) if row.mean_difference > 0 else (b, a)].append(f"paired t-test p = {row.p_holm_t:.2g}")
    rows = []
    for r in table.sort_values("mean", ascending=False, kind="stable").itertuples():
        failed = int(getattr(r, "not_learned", 0) or 0)
        mine = [(lost, how) for (won, lost), how in evidence.items() if won == (r.model, r.features)]
        beaten = [f"{label[lost]} ({', '.join(how)})" for lost, how in mine]
        rows.append(
            [
                r.label,
                points(r.mean) + (f" ± {points(r.sd)}" if finite(r.sd) else ""),
                spread_text(r),
                f"no, in {failed} of {plural(int(r.n), 'run')}" if failed else "yes",
                "; ".join(beaten) or MISSING,
            ]
        )
    return pd.DataFrame(rows, columns=VERDICT_COLUMNS)


def verdict_sentence(table: pd.DataFrame, verdict: pd.DataFrame) -> str:
    """The one generated sentence: the setting, who ranks first, who beats whom, which runs did not learn."""
    first = verdict.iloc[0]
    seeds, folds = int(table["seeds"].max()), int(runs_frame(table)["folds"].iloc[0])
    over = plural(seeds, "seed") + (f" × {folds} folds" if folds else "")
    wins = [f"{row['contender']} beats {row[BEATS]}" for _, row in verdict.iterrows() if row[BEATS] != MISSING]
    tests = "; ".join(wins) if wins else "no contender beats another"
    failed = verdict.loc[verdict["learned?"] != "yes", "contender"].tolist()
    note = f"; runs of {', '.join(failed)} did not learn: their accuracy is no result about the model" if failed else ""
    return (
        f"On {setting_label(table.iloc[0])} over {over}, {first['contender']} ranks first "
        f"({first['accuracy % (mean ± sd)']} %); after Holm's correction {tests}{note}."
    )


def written_summary(table: pd.DataFrame, verdict: pd.DataFrame) -> str:
    """``summary.md``: the sentence, then the verdict table in Markdown."""
    if verdict.empty:
        return "No finished runs to summarize."
    lines = [VERDICT_COLUMNS, ["---"] * len(VERDICT_COLUMNS), *verdict.to_numpy().tolist()]
    return verdict_sentence(table, verdict) + "\n\n" + "\n".join(f"| {' | '.join(row)} |" for row in lines)

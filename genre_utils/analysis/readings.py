"""Does the thesis's ranking, CNN above LSTM, hold under each reading of its open choices? (notebook 07)

Reads the finished runs of :func:`genre_utils.experiment.plans.plan_readings`: accuracy per model, McNemar per seed
(folds pooled, Holm over the comparisons), the paired t-test beside it, and the verdict rule of docs/methods.md.
"""

from __future__ import annotations

import math

import pandas as pd

from genre_utils.analysis.comparison import ALPHA, SETTING, accuracy_summary, learned_mask, runs_frame
from genre_utils.analysis.significance import MCNEMAR_COLUMNS, mcnemar_by_seed, paired_tests
from genre_utils.analysis.statistics import DEFAULT_CONFIDENCE, holm
from genre_utils.experiment.plans import LEADING, STUDY_READING, TRAILING, Comparison
from genre_utils.experiment.runner import LEAKY_SPLIT
from genre_utils.formatting import plural
from genre_utils.models import contender_names, get_contender

TABLE_FILE = "readings.csv"  # accuracy per model
TESTS_FILE = "reading_tests.csv"  # one row per comparison: the tests and the verdict
ANSWER_FILE = "readings.md"  # the sentences and the rule
FIGURE_FILE = "readings.png"
VERDICTS = ("holds", "reversed", "not significant", "did not learn", "no runs")
TABLE_COLUMNS = "model title reading_of choice n mean sd ci_low ci_high learned parameters train_seconds".split()
TEST_COLUMNS = (
    "comparison title choice cnn lstm cnn_accuracy lstm_accuracy cnn_runs lstm_runs cnn_not_learned lstm_not_learned "
    "seeds cnn_ahead lstm_ahead p_holm paired_n paired_difference paired_p_value paired_p_holm verdict"
).split()


def _frame(runs: pd.DataFrame) -> pd.DataFrame:
    """``runs`` on all their training tracks, split by track, of one setting and one feature kind per model."""
    frame = runs_frame(runs, [*SETTING, "model", "features", "seed", "accuracy", "folder"])
    if "train_fraction" in frame.columns:
        frame = frame[frame["train_fraction"].fillna(1.0) == 1.0]
    frame = frame[frame["split"] != LEAKY_SPLIT]
    if frame.empty:
        raise ValueError("the runs table has no run on all its training tracks: train the readings first (notebook 07)")
    if len(settings := frame[SETTING].drop_duplicates()) > 1:
        raise ValueError(
            f"the runs span {len(settings)} settings ({settings.to_dict(orient='records')}); "
            "readings are compared within one"
        )
    if ((kinds := frame.groupby("model")["features"].nunique()) > 1).any():
        raise ValueError(
            f"models {kinds[kinds > 1].index.tolist()} have runs on several feature kinds; keep one kind per model"
        )
    return frame.reset_index(drop=True)


def readings_table(runs: pd.DataFrame, models=None, confidence: float = DEFAULT_CONFIDENCE) -> pd.DataFrame:
    """Per model (:data:`TABLE_COLUMNS`): its reading, accuracy with its interval (clipped to 0-1), runs, cost."""
    frame = _frame(runs)
    table = accuracy_summary(frame, ["model"], ("parameters", "train_seconds"), confidence)
    table["learned"] = (table["n"] - table["not_learned"]).astype(int)
    columns = [c for c in TABLE_COLUMNS if c != "learned" or "learned" in frame.columns]
    known = {c: get_contender(c) for c in table["model"] if c in contender_names(include_readings=True)}
    table["title"] = [known[m].title if m in known else str(m) for m in table["model"]]
    table["reading_of"] = [known[m].reading_of if m in known else "" for m in table["model"]]
    table["choice"] = [known[m].choice if m in known else "" for m in table["model"]]
    order = list(models) if models is not None else [LEADING, TRAILING, *contender_names(include_readings=True)]
    rank = {name: i for i, name in enumerate(dict.fromkeys(order))}
    table["order"] = table["model"].map(rank).fillna(len(rank))
    return table.sort_values(["order", "model"], kind="stable")[columns].reset_index(drop=True)


def _compared_runs(frame: pd.DataFrame, comparison: Comparison) -> tuple[pd.DataFrame, dict]:
    """The runs of the comparison's seeds in which both models have runs and every run learnt, and counts."""
    learned = learned_mask(frame)
    facts = {}
    for role in ("cnn", "lstm"):
        mine = frame["model"] == getattr(comparison, role)
        facts[f"{role}_accuracy"] = float(frame.loc[mine, "accuracy"].mean()) if mine.any() else math.nan
        facts[f"{role}_runs"] = int(mine.sum())
        facts[f"{role}_not_learned"] = int((mine & ~learned).sum())
    pair = frame[frame["model"].isin([comparison.cnn, comparison.lstm])]
    failed = set(pair.loc[~learned[pair.index], "seed"])
    seeds = set.intersection(*(set(pair.loc[pair["model"] == m, "seed"]) for m in (comparison.cnn, comparison.lstm)))
    return pair[pair["seed"].isin(seeds - failed)], facts


def seed_tests(runs: pd.DataFrame, comparisons) -> pd.DataFrame:
    """McNemar per comparison and seed (``a`` the CNN), Holm over each seed's comparisons; failed seeds left out."""
    frame = _frame(runs)
    tables = []
    for comparison in comparisons:
        kept, _ = _compared_runs(frame, comparison)
        if not kept.empty:
            tables.append(mcnemar_by_seed(kept, comparison.cnn, comparison.lstm).assign(comparison=comparison.name))
    if not tables:
        return pd.DataFrame(columns=list(dict.fromkeys(["comparison", *MCNEMAR_COLUMNS, "p_holm"])))
    table = pd.concat(tables, ignore_index=True)
    table["p_holm"] = table.groupby("seed")["p_value"].transform(lambda p: holm(p.to_numpy()))
    return table[["comparison", *[c for c in table.columns if c != "comparison"]]]


def verdict(seeds: int, cnn_ahead: int, lstm_ahead: int) -> str:
    """The verdict rule (docs/methods.md) on counts: seeds compared, seeds where the CNN (the LSTM) leads."""
    if seeds < 1:
        return "did not learn"
    if cnn_ahead > seeds / 2 and lstm_ahead == 0:
        return "holds"
    if lstm_ahead > seeds / 2 and cnn_ahead == 0:
        return "reversed"
    return "not significant"


def reading_tests(runs: pd.DataFrame, comparisons) -> pd.DataFrame:
    """One row per comparison (:data:`TEST_COLUMNS`): accuracies, seeds ahead, median Holm p, paired test, verdict."""
    frame = _frame(runs)
    by_seed = seed_tests(frame, comparisons)
    rows = []
    for comparison in comparisons:
        kept, facts = _compared_runs(frame, comparison)
        row = {"comparison": comparison.name, **{k: getattr(comparison, k) for k in ("title", "choice", "cnn", "lstm")}}
        row.update(facts, paired_n=0, paired_difference=math.nan, paired_p_value=math.nan)
        if not facts["cnn_runs"] or not facts["lstm_runs"]:
            rows.append({**row, "seeds": 0, "cnn_ahead": 0, "lstm_ahead": 0, "p_holm": math.nan, "verdict": "no runs"})
            continue
        mine = by_seed[by_seed["comparison"] == comparison.name]
        significant = mine["p_holm"] < ALPHA
        row.update(
            seeds=int(mine["seed"].nunique()),
            p_holm=float(mine["p_holm"].median()) if len(mine) else math.nan,
            cnn_ahead=int((significant & (mine["only_a"] > mine["only_b"])).sum()),
            lstm_ahead=int((significant & (mine["only_b"] > mine["only_a"])).sum()),
        )
        if kept["seed"].nunique() >= 2:
            paired = paired_tests(kept, comparison.cnn, comparison.lstm).iloc[0]
            row.update(
                paired_n=int(paired["n"]),
                paired_difference=float(paired["mean_difference"]),
                paired_p_value=float(paired["p_value_t"]),
            )
        failed = facts["cnn_not_learned"] + facts["lstm_not_learned"]
        row["verdict"] = (
            verdict(row["seeds"], row["cnn_ahead"], row["lstm_ahead"]) if row["seeds"] or failed else "no runs"
        )  # both have runs, but on no common seed
        rows.append(row)
    table = pd.DataFrame(rows)
    table["paired_p_holm"] = holm(table["paired_p_value"].to_numpy(dtype=float))
    return table[TEST_COLUMNS]


def verdict_table(tests: pd.DataFrame) -> pd.DataFrame:
    """The answer per comparison: the two models, their accuracies, the evidence and the verdict."""
    columns = "comparison cnn lstm cnn_accuracy lstm_accuracy seeds cnn_ahead lstm_ahead p_holm verdict".split()
    return tests[columns].set_index("comparison")


def verdict_sentence(tests: pd.DataFrame) -> str:
    """One sentence: the verdict as read here, then how many other readings give each verdict."""
    verdicts = tests.set_index("comparison")["verdict"]
    own = verdicts.get(STUDY_READING, "no runs")
    others = verdicts.drop(STUDY_READING, errors="ignore").value_counts()
    counted = ", ".join(f"{verdict} under {count}" for verdict, count in others.items())
    tail = f"; under the {plural(len(verdicts) - 1, 'other comparison')}: {counted}" if counted else ""
    return f"As read here, the thesis's ranking (CNN above LSTM): {own}{tail}."

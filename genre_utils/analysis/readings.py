"""Does the thesis's ranking, CNN above LSTM, hold under each reading of its open choices?

The thesis leaves choices open: which axis of the MFCC matrix its CNN's 3x2 kernel spans, whether
the CNN pools, and the unit both models train on. The study's contenders ``cnn`` and ``lstm`` are
one reading of them; the others are declared beside them as *readings* (``READINGS`` in
:mod:`genre_utils.models.thesis_cnn` and :mod:`~genre_utils.models.thesis_lstm`, listed by
:func:`genre_utils.models.reading_names`). On 100 real GTZAN excerpts (5 folds, two seeds) the
thesis CNN scored 43.1 % as read here, 35.6 % transposed and 23.3 % on whole clips, the thesis
LSTM 62.9 % on 3 s segments: how the two models compare depends on the reading as much as on the
models. Notebook 07 answers for the data at hand:

- :func:`plan_readings`: the readings that apply to the run's segment length, the runs they need
  (the readings and both thesis models as read here, whose notebook-03 runs are reused) and the
  :class:`Comparison` of each: a CNN reading against the LSTM as read here, an LSTM reading
  against the CNN as read here, two readings making the same choice (whole clips) against each other.
- :func:`declarations`: what each model of the plan is, from the registry.
- :func:`reading_specs`, :func:`train_readings`: the runs, trained or reused.
- :func:`readings_table`: each model's accuracy over seeds (and folds) with its 95 % interval,
  and how many of its runs learnt where the runs say (``learned``).
- :func:`seed_tests`, :func:`reading_tests`: McNemar per seed on the same test tracks (the folds
  of a seed pooled, :func:`genre_utils.analysis.significance.mcnemar_by_seed`) and the paired t-test across
  seeds (:func:`genre_utils.analysis.significance.paired_tests`), Holm-adjusted over the comparisons, and
  the verdict of :data:`VERDICT_RULE`.
- :func:`reading_sentence`, :func:`answer`: one generated sentence per comparison, and the rule.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

import numpy as np
import pandas as pd

from genre_utils.analysis.comparison import ALPHA, SETTING, learned_mask, runs_frame
from genre_utils.analysis.significance import MCNEMAR_COLUMNS, mcnemar_by_seed, paired_tests
from genre_utils.analysis.statistics import DEFAULT_CONFIDENCE, holm, summarize_runs
from genre_utils.experiment.runner import LEAKY_SPLIT, RunSpec, own_runs, run_experiment
from genre_utils.models import contender_names, get_contender, reading_names
from genre_utils.models.thesis_results import THESIS_PAIR

TRAILING, LEADING = THESIS_PAIR  # the thesis ranks its CNN (leading) above its LSTM (trailing)
ALL = "all"  # the readings parameter's value meaning every registered reading of the two thesis models
STUDY_READING = "as_read_here"  # the comparison of the contenders themselves
STUDY_CHOICE = (
    "the MFCC matrix as an image of coefficients x frames, the CNN's 3x2 kernel over 3 coefficients x 2 "
    "frames, 2x2 max pooling, both models on the run's segments"
)  # what cnn and lstm read
TABLE_FILE = "readings.csv"  # accuracy per model
TESTS_FILE = "reading_tests.csv"  # one row per comparison: the tests and the verdict
ANSWER_FILE = "readings.md"  # the sentences and the rule
FIGURE_FILE = "readings.png"
VERDICTS = ("holds", "reversed", "not significant", "did not learn", "no runs")
TABLE_COLUMNS = [
    "model",
    "title",
    "reading_of",
    "choice",
    "n",
    "mean",
    "sd",
    "ci_low",
    "ci_high",
    "learned",
    "parameters",
    "train_seconds",
]
TEST_COLUMNS = [
    "comparison",
    "title",
    "choice",
    "cnn",
    "lstm",
    "cnn_accuracy",
    "lstm_accuracy",
    "cnn_runs",
    "lstm_runs",
    "cnn_not_learned",
    "lstm_not_learned",
    "seeds",
    "cnn_ahead",
    "lstm_ahead",
    "p_holm",
    "paired_n",
    "paired_difference",
    "paired_p_value",
    "paired_p_holm",
    "verdict",
]
VERDICT_RULE = (
    "Each comparison sets a thesis CNN against a thesis LSTM, one of them as the reading reads it and the other as "
    "read here (or both as a shared reading reads them), on the same test tracks of each seed: McNemar's exact "
    "test, the folds of a seed pooled, Holm-adjusted over this notebook's comparisons of that seed. The thesis's "
    f"ranking holds when the CNN gets significantly more test tracks right (Holm-adjusted p < {ALPHA}) in more "
    "than half of the seeds compared and the LSTM in none; it is reversed when the LSTM does so and the CNN in "
    "none; otherwise the difference is not significant. A seed in which a run of either model did not learn "
    "(learned = false in its result) is left out; with no seed left there is no verdict, the accuracy being no "
    "evidence either way. The p quoted is the median Holm-adjusted McNemar p over the seeds compared; with two "
    "seeds or more the paired t-test across seeds (Holm-adjusted over the comparisons) is quoted beside it but "
    "does not decide."
)


@dataclass(frozen=True)
class Comparison:
    """A thesis CNN against a thesis LSTM under one reading.

    Attributes:
        name: The reading's name (``cnn_frames_first``), :data:`STUDY_READING`, or
            ``<cnn reading>+<lstm reading>`` for a choice both models' readings make.
        title: How the sentence names the reading.
        choice: The open choice, in words.
        cnn, lstm: The two models compared (registered names).
    """

    name: str
    title: str
    choice: str
    cnn: str
    lstm: str


@dataclass(frozen=True)
class ReadingPlan:
    """What notebook 07 trains and compares.

    Attributes:
        readings: The readings measured (those asked for that apply to the segment length).
        models: Every model to train: the two thesis models as read here, then the readings.
        comparisons: One :class:`Comparison` per question asked, the study's reading first.
        notes: Why a reading asked for is left out (in words), if any is.
    """

    readings: tuple[str, ...]
    models: tuple[str, ...]
    comparisons: tuple[Comparison, ...]
    notes: tuple[str, ...] = ()


def thesis_readings() -> tuple[str, ...]:
    """The registered readings of the two thesis models, the CNN's first."""
    return (*reading_names(LEADING), *reading_names(TRAILING))


def check_readings(readings) -> list[str]:
    """``"all"``: every reading of the thesis models (:func:`thesis_readings`); else a list of reading names.

    Raises:
        ValueError: Naming ``readings`` when it is not ``"all"`` or a list of registered readings of the
            thesis CNN and LSTM.
    """
    allowed = thesis_readings()
    if readings == ALL:
        return list(allowed)
    if not isinstance(readings, (list, tuple)) or isinstance(readings, str):
        raise ValueError(f'readings must be "all" or a list of reading names ({", ".join(allowed)}), got {readings!r}')
    for name in readings:
        if name not in allowed:
            raise ValueError(f"readings: unknown reading {name!r}; expected one of {', '.join(allowed)}")
    return list(dict.fromkeys(readings))


def plan_readings(readings, segment_seconds: float) -> ReadingPlan:
    """The readings that apply, the models to train and the comparisons to make.

    On whole clips (``segment_seconds = 0``) a whole-clip reading is its contender itself and a
    segments-only reading (``cnn_no_pooling``) does not apply: both are left out with a note.

    Raises:
        ValueError: Unknown readings (:func:`check_readings`) or a negative ``segment_seconds``.
    """
    if isinstance(segment_seconds, bool) or not isinstance(segment_seconds, (int, float)) or segment_seconds < 0:
        raise ValueError(f"segment_seconds must be 0 (whole clips) or positive, got {segment_seconds!r}")
    kept, notes = [], []
    for name in check_readings(readings):
        reading = get_contender(name)
        if not segment_seconds and reading.whole_clips:
            notes.append(f"{name} is left out: on whole clips it is {reading.reading_of} itself")
        elif not segment_seconds and getattr(reading, "segments_only", False):
            notes.append(f"{name} is left out: it applies to segments only ({reading.choice})")
        else:
            kept.append(reading)
    found = [Comparison(STUDY_READING, "the study's own reading", STUDY_CHOICE, LEADING, TRAILING)]
    for reading in kept:
        cnn, lstm = (reading.name, TRAILING) if reading.reading_of == LEADING else (LEADING, reading.name)
        found.append(Comparison(reading.name, f"the reading *{reading.title}*", reading.choice, cnn, lstm))
    for cnn in (r for r in kept if r.reading_of == LEADING):
        for lstm in (r for r in kept if r.reading_of == TRAILING and r.choice == cnn.choice):
            found.append(
                Comparison(
                    f"{cnn.name}+{lstm.name}", "the same reading for both models", cnn.choice, cnn.name, lstm.name
                )
            )
    models = (LEADING, TRAILING, *(r.name for r in kept))
    return ReadingPlan(tuple(r.name for r in kept), models, tuple(found), tuple(notes))


def declarations(plan: ReadingPlan) -> pd.DataFrame:
    """What each model of the plan is: its reading (``reading_of``, ``choice``), input and builder options."""
    rows = []
    for name in plan.models:
        summary = get_contender(name).summary()
        rows.append(
            {
                "model": name,
                "title": summary["title"],
                "reading_of": summary["reading_of"] or "(as read here)",
                "choice": summary["choice"] or STUDY_CHOICE,
                "input": summary["input"],
                "whole_clips": summary["whole_clips"],
                "build_options": summary.get("build_options", {}),
            }
        )
    return pd.DataFrame(rows).set_index("model")


def reading_specs(plan: ReadingPlan, settings, seeds=None) -> list[RunSpec]:
    """Every run of the plan: model x seed (x fold); the two thesis models' runs are notebook 03's.

    Args:
        settings: The study's :class:`~genre_utils.study.settings.StudySettings` (dataset, split, features, training).
        seeds: The readings' seeds; None means the settings' seeds.
    """
    return settings.run_specs(models=list(plan.models), seeds=seeds)


def train_readings(specs: list[RunSpec], stores: dict, results_dir: str | os.PathLike, log=print) -> pd.DataFrame:
    """Train (or reuse) every run; the finished runs of ``specs`` only.

    Args:
        stores: Feature store per feature kind, all of the runs' dataset.
    """
    return own_runs(run_experiment(specs, stores, results_dir, log=log), specs)


def _frame(runs: pd.DataFrame) -> pd.DataFrame:
    """``runs`` on all their training tracks, split by track, of one setting and one feature kind per model.

    Raises:
        ValueError: Not a runs table, empty, several settings, or a model on several feature kinds.
    """
    frame = runs_frame(runs, [*SETTING, "model", "features", "seed", "accuracy", "folder"])
    if "train_fraction" in frame.columns:
        frame = frame[frame["train_fraction"].fillna(1.0) == 1.0]
    frame = frame[frame["split"] != LEAKY_SPLIT]
    if frame.empty:
        raise ValueError(
            "the runs table has no run on all its training tracks: train the readings first (readings.train_readings)"
        )
    settings = frame[SETTING].drop_duplicates()
    if len(settings) > 1:
        raise ValueError(
            f"the runs span {len(settings)} settings ({settings.to_dict(orient='records')}); "
            "readings are compared within one"
        )
    kinds = frame.groupby("model")["features"].nunique()
    if (kinds > 1).any():
        raise ValueError(
            f"models {kinds[kinds > 1].index.tolist()} have runs on several feature kinds; keep one kind per model"
        )
    return frame.reset_index(drop=True)


def _title(name: str) -> str:
    return get_contender(name).title if name in contender_names(include_readings=True) else str(name)


def readings_table(runs: pd.DataFrame, models=None, confidence: float = DEFAULT_CONFIDENCE) -> pd.DataFrame:
    """Per model: its reading, the accuracy over runs with its interval, learnt runs, size and cost.

    Args:
        runs: The readings' runs (:func:`train_readings`, or rows of ``runs.csv``), one setting.
        models: Row order (default: the thesis models, then the readings, in registry order).

    Returns:
        Columns :data:`TABLE_COLUMNS`: ``title``, ``reading_of`` (``""`` for a contender itself)
        and ``choice`` from the registry; ``n`` runs and the per-track accuracy ``mean``, ``sd``
        and Student-t interval (clipped to 0-1; NaN for one run); ``learned``, the number of
        runs that learnt, only where the runs table has the column; means of ``parameters`` and
        ``train_seconds``.
    """
    frame = _frame(runs)
    table = summarize_runs(frame, value="accuracy", by="model", confidence=confidence)
    table["ci_low"], table["ci_high"] = table["ci_low"].clip(lower=0.0), table["ci_high"].clip(upper=1.0)
    for column in ("parameters", "train_seconds"):
        means = frame.groupby("model")[column].mean() if column in frame.columns else pd.Series(dtype=float)
        table[column] = table["model"].map(means)
    columns = list(TABLE_COLUMNS)
    if "learned" in frame.columns:
        table["learned"] = table["model"].map(learned_mask(frame).groupby(frame["model"]).sum()).astype(int)
    else:
        columns.remove("learned")
    registered = {c: get_contender(c) for c in table["model"] if c in contender_names(include_readings=True)}
    table["title"] = table["model"].map(_title)
    table["reading_of"] = table["model"].map(lambda m: registered[m].reading_of if m in registered else "")
    table["choice"] = table["model"].map(lambda m: registered[m].choice if m in registered else "")
    order = list(models) if models is not None else [*THESIS_PAIR[::-1], *contender_names(include_readings=True)]
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
    """McNemar per comparison and seed (folds pooled), Holm-adjusted over the comparisons of each seed.

    Seeds in which a run of either model did not learn are left out
    (:func:`genre_utils.analysis.comparison.learned_mask`).

    Returns:
        The columns of :func:`genre_utils.analysis.significance.mcnemar_by_seed` (``a`` the CNN, ``b`` the
        LSTM: ``only_a`` counts the tracks only the CNN gets right) after a ``comparison`` column;
        ``p_holm`` is adjusted over the comparisons tested on the same seed.
    """
    frame = _frame(runs)
    tables = []
    for comparison in comparisons:
        kept, _ = _compared_runs(frame, comparison)
        if not kept.empty:
            tables.append(mcnemar_by_seed(kept, comparison.cnn, comparison.lstm).assign(comparison=comparison.name))
    if not tables:
        return pd.DataFrame(columns=["comparison", *MCNEMAR_COLUMNS])
    table = pd.concat(tables, ignore_index=True)
    table["p_holm"] = table.groupby("seed")["p_value"].transform(lambda p: holm(p.to_numpy()))
    return table[["comparison", *[c for c in table.columns if c != "comparison"]]]


def verdict(seeds: int, cnn_ahead: int, lstm_ahead: int) -> str:
    """:data:`VERDICT_RULE` on counts: seeds compared, seeds where the CNN (the LSTM) is significantly ahead."""
    if seeds < 1:
        return "did not learn"
    if cnn_ahead > seeds / 2 and lstm_ahead == 0:
        return "holds"
    if lstm_ahead > seeds / 2 and cnn_ahead == 0:
        return "reversed"
    return "not significant"


def reading_tests(runs: pd.DataFrame, comparisons) -> pd.DataFrame:
    """One row per comparison: accuracies, runs that did not learn, the tests and the verdict.

    Returns:
        Columns :data:`TEST_COLUMNS`: the comparison (``name`` as ``comparison``, ``title``,
        ``choice``, ``cnn``, ``lstm``); each model's mean accuracy over all its runs, its runs and
        how many did not learn; ``seeds`` compared (every run learnt); ``cnn_ahead`` /
        ``lstm_ahead``, the seeds where McNemar's Holm-adjusted p is below :data:`ALPHA` in that
        model's favour; ``p_holm``, the median Holm-adjusted p over those seeds; the paired t-test
        across them (``paired_n`` runs paired by seed and fold, ``paired_difference`` = CNN - LSTM,
        ``paired_p_value`` and ``paired_p_holm``, Holm-adjusted over the comparisons; NaN under two
        seeds); ``verdict`` (:data:`VERDICTS`; ``no runs`` also when the two share no seed).
    """
    frame = _frame(runs)
    by_seed = seed_tests(frame, comparisons)
    rows = []
    for comparison in comparisons:
        kept, facts = _compared_runs(frame, comparison)
        row = {
            "comparison": comparison.name,
            "title": comparison.title,
            "choice": comparison.choice,
            "cnn": comparison.cnn,
            "lstm": comparison.lstm,
            **facts,
            "paired_n": 0,
            "paired_difference": math.nan,
            "paired_p_value": math.nan,
        }
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


def reading_sentence(row) -> str:
    """The answer for one comparison (a row of :func:`reading_tests`), in one or two sentences.

    E.g. "Under the reading *Thesis CNN, frames x coefficients* (`cnn_frames_first`: orientation ...),
    the thesis CNN scores 35.6 % against the LSTM's 62.9 %: the thesis's ranking is reversed
    (McNemar p_holm = 0.002, median over 5 seeds; the LSTM ahead in 4 of them; ...)."
    """
    get = row.get if hasattr(row, "get") else row.__getitem__
    names = (
        f"`{get('cnn')}` against `{get('lstm')}`" if get("comparison") == STUDY_READING else f"`{get('comparison')}`"
    )
    lead = f"Under {get('title')} ({names}: {get('choice')})"
    if get("verdict") == "no runs":
        absent = " and ".join(f"`{get(role)}`" for role in ("cnn", "lstm") if not get(f"{role}_runs"))
        return f"{lead}, there is nothing to compare: " + (
            f"no runs of {absent}." if absent else "no seed has runs of both."
        )
    scores = (
        f"the thesis CNN scores {_percent(get('cnn_accuracy'))} against the LSTM's {_percent(get('lstm_accuracy'))}"
    )
    failed = _not_learned(get)
    if get("verdict") == "did not learn":
        whose = "their accuracies are" if get("cnn_not_learned") and get("lstm_not_learned") else "its accuracy is"
        return (
            f"{lead}, {scores}, but {failed}: no seed is left in which both learnt, and {whose} no evidence either way."
        )
    seeds = int(get("seeds"))
    where = {"holds": ("the CNN", "cnn_ahead"), "reversed": ("the LSTM", "lstm_ahead")}
    ruling = {
        "holds": "the thesis's ranking holds",
        "reversed": "the thesis's ranking is reversed",
        "not significant": "the difference is not significant",
    }[get("verdict")]
    evidence = f"McNemar p_holm = {_p(get('p_holm'))}" + (f", median over {seeds} seeds" if seeds > 1 else ", one seed")
    if get("verdict") in where:
        model, column = where[get("verdict")]
        evidence += f"; {model} significantly ahead in {int(get(column))} of {_plural(seeds, 'seed')}"
    elif get("cnn_ahead") or get("lstm_ahead"):
        evidence += (
            f"; the CNN significantly ahead in {int(get('cnn_ahead'))}, the LSTM in "
            f"{int(get('lstm_ahead'))} of {_plural(seeds, 'seed')}"
        )
    if get("paired_n") >= 2 and _finite(get("paired_p_holm")):
        evidence += f"; paired t-test over {int(get('paired_n'))} paired runs p_holm = {_p(get('paired_p_holm'))}"
    sentence = f"{lead}, {scores}: {ruling} ({evidence})."
    if failed:
        sentence += f" {failed[0].upper()}{failed[1:]}: the seeds concerned are left out of the verdict."
    return sentence


def answer(tests: pd.DataFrame) -> str:
    """Markdown: one sentence per comparison (:func:`reading_sentence`), then :data:`VERDICT_RULE`."""
    lines = [f"- {reading_sentence(row)}" for _, row in tests.iterrows()]
    return "\n".join(lines) + f"\n\n*Rule:* {VERDICT_RULE}"


def _not_learned(get) -> str:
    """``"the CNN did not learn in 3 of 4 runs"`` (and the LSTM's), or ``""``."""
    parts = [
        f"the {role.upper()} did not learn in {int(get(f'{role}_not_learned'))} of "
        f"{_plural(int(get(f'{role}_runs')), 'run')}"
        for role in ("cnn", "lstm")
        if get(f"{role}_not_learned")
    ]
    return " and ".join(parts)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _finite(value) -> bool:
    return isinstance(value, (int, float, np.floating)) and math.isfinite(value)


def _percent(value) -> str:
    return f"{100 * value:.1f} %" if _finite(value) else "–"


def _p(value) -> str:
    return f"{value:.3g}" if _finite(value) else "–"

"""Contenders across seeds, beside the thesis: which runs to compare, the comparison table, per-genre F1, leakage.

A *setting* (:data:`SETTING`) is one dataset, split protocol and segment length; an *entry* (:data:`ENTRY`) is one
contender on one feature kind. Entries are compared only within a setting.
"""

from __future__ import annotations

import functools
import math
from pathlib import Path

import numpy as np
import pandas as pd

from genre_utils.analysis.statistics import DEFAULT_CONFIDENCE, summarize_runs
from genre_utils.experiment.evaluation import PER_GENRE_FILE, read_confusion
from genre_utils.formatting import MISSING, finite, points
from genre_utils.models import contender_names, get_contender
from genre_utils.models.thesis_results import THESIS_ACCURACY, THESIS_FEATURE_STUDY, THESIS_FEATURES, THESIS_SPLIT

SETTING = ["dataset", "split", "folds", "split_file", "segment_seconds"]
ENTRY = ["model", "features"]
DEFAULTS = {"folds": 0, "fold": 0, "split_file": ""}  # columns that older runs tables lack
KFOLD_SPLIT, FILE_SPLIT, LEAKY_SPLIT = "kfold", "file", "random_segments"
ALPHA = 0.05  # significance level of every verdict
MEAN_COLUMNS = ("balanced_accuracy", "macro_f1", "train_seconds", "parameters")
SUMMARY = "label thesis n seeds mean sd ci_low ci_high min max not_learned".split()
TABLE_COLUMNS = [*SETTING, *ENTRY, *SUMMARY, *MEAN_COLUMNS]
MIN_RUNS_FOR_INTERVAL = 3  # under 3 runs a Student-t interval spans most of 0-100 %: the range is shown instead
DISPLAY_COLUMNS = ["setting", "contender", "thesis %", "accuracy % (mean ± sd)", "95 % interval or range", "runs"]
DISPLAY_COLUMNS += ["did not learn", "balanced accuracy %", "macro F1 %", "training s", "parameters"]


def runs_frame(runs: pd.DataFrame, columns=()) -> pd.DataFrame:
    """A copy of ``runs`` with ``folds``, ``fold`` and ``split_file`` filled in (0, 0, "" where absent)."""
    if not isinstance(runs, pd.DataFrame):
        raise ValueError(f"expected a runs table (pandas DataFrame), got {type(runs).__name__}")
    if missing := [c for c in columns if c not in runs.columns and c not in DEFAULTS]:
        raise ValueError(f"the runs table lacks columns {missing}; read it with experiment.runner.collect_runs")
    frame = runs.copy()
    for column, default in DEFAULTS.items():
        values = frame[column] if column in frame.columns else pd.Series(default, index=frame.index)
        frame[column] = values.astype(object).where(values.notna(), default).astype(type(default))
    return frame


def learned_mask(runs: pd.DataFrame) -> pd.Series:
    """Per run, whether it learnt (see experiment.learning_check); True where a table predates the check."""
    if "learned" not in runs.columns:
        return pd.Series(True, index=runs.index)
    said_false = runs["learned"].astype("string").str.strip().str.lower().eq("false").fillna(False)
    return ~said_false.astype(bool)  # read back from CSV the values may be strings; missing counts as learnt


def contender_titles() -> dict[str, str]:
    """``{name: title}`` of every registered contender and reading."""
    return {name: get_contender(name).title for name in contender_names(include_readings=True)}


def entry_labels(frame: pd.DataFrame, labels: dict[str, str] | None = None, within=SETTING) -> pd.Series:
    """``labels[model]`` (else the name) per row, `` · <features>`` added where the model has several ``within``
    the same setting."""
    frame = runs_frame(frame, [*within, *ENTRY])
    names = frame["model"].astype(str).map(lambda model: (labels or {}).get(model, model))
    kinds = frame.groupby([*within, "model"], dropna=False)["features"].transform("nunique")
    result = names.where(kinds <= 1, names + " · " + frame["features"].astype(str))
    entries = frame.assign(label=result).drop_duplicates([*within, *ENTRY])
    if not (clash := entries[entries.duplicated([*within, "label"], keep=False)]).empty:
        raise ValueError(
            f"labels give several entries the same label {sorted(set(clash['label']))}: "
            f"{clash[ENTRY].to_dict(orient='records')}"
        )
    return result


def comparison_table(runs: pd.DataFrame, labels: dict[str, str] | None = None) -> pd.DataFrame:
    """Per setting and entry (:data:`TABLE_COLUMNS`, best mean first): the thesis's figure, accuracy over runs, cost."""
    frame = runs_frame(runs, [*SETTING, *ENTRY, "accuracy"])
    if frame.empty:
        return pd.DataFrame(columns=TABLE_COLUMNS)
    table = accuracy_summary(frame, [*SETTING, *ENTRY], MEAN_COLUMNS)
    table["seeds"] = table["seeds"].where(table["seeds"] > 0, 1)
    table["parameters"] = table["parameters"].round()
    table["thesis"] = [
        THESIS_ACCURACY.get((d, m), math.nan) if s == THESIS_SPLIT and f == THESIS_FEATURES else math.nan
        for d, s, m, f in zip(table["dataset"], table["split"], table["model"], table["features"])
    ]
    table["label"] = entry_labels(table, labels)
    order = [True] * len(SETTING) + [False]
    table = table.sort_values([*SETTING, "mean"], ascending=order, kind="stable").reset_index(drop=True)
    return table[TABLE_COLUMNS]


def accuracy_summary(frame: pd.DataFrame, keys: list, means=(), confidence: float = DEFAULT_CONFIDENCE) -> pd.DataFrame:
    """:func:`summarize_runs` of accuracy by ``keys`` (interval clipped to 0-1) with seeds, range, runs that did not
    learn and the mean of each of ``means`` (NaN where the runs lack it)."""
    table = summarize_runs(frame, value="accuracy", by=keys, confidence=confidence)
    table["ci_low"], table["ci_high"] = table["ci_low"].clip(lower=0.0), table["ci_high"].clip(upper=1.0)
    frame = frame.assign(not_learned=~learned_mask(frame), **{c: np.nan for c in ("seed", *means) if c not in frame})
    extra = frame.groupby(keys, sort=True, dropna=False).agg(
        seeds=("seed", "nunique"),
        min=("accuracy", "min"),
        max=("accuracy", "max"),
        not_learned=("not_learned", "sum"),
        **{c: (c, "mean") for c in means},
    )
    return table.merge(extra.reset_index(), on=keys, how="left")


def display_table(table: pd.DataFrame) -> pd.DataFrame:
    """:func:`comparison_table` as text for readers (:data:`DISPLAY_COLUMNS`), :data:`MISSING` where no number."""
    table = runs_frame(table, [*SETTING, "model", "mean"])
    rows = []
    for row in table.itertuples(index=False):
        cell = {name: getattr(row, name, math.nan) for name in TABLE_COLUMNS}
        spread = f" ± {points(cell['sd'])}" if finite(cell["sd"]) else ""
        seconds = cell["train_seconds"]
        rows.append(
            [
                setting_label(row),
                cell["label"] if isinstance(cell["label"], str) and cell["label"] else str(row.model),
                points(cell["thesis"]),
                f"{points(row.mean)}{spread}",
                spread_text(cell),
                _count(cell["n"]),
                f"{int(cell['not_learned']) if finite(cell['not_learned']) else 0} of {_count(cell['n'])}",
                points(cell["balanced_accuracy"]),
                points(cell["macro_f1"]),
                (f"{seconds:.1f}" if seconds < 10 else f"{seconds:,.0f}") if finite(seconds) else MISSING,
                _count(cell["parameters"]),
            ]
        )
    return pd.DataFrame(rows, columns=DISPLAY_COLUMNS)


def spread_text(cell) -> str:
    """The 95 % interval ``52.1–60.3`` from :data:`MIN_RUNS_FOR_INTERVAL` runs, ``range 40.0–60.0`` under, else -."""
    get = cell.get if hasattr(cell, "get") else lambda name, default=None: getattr(cell, name, default)
    n = get("n", 0)
    if finite(n) and n >= MIN_RUNS_FOR_INTERVAL and finite(get("ci_low")) and finite(get("ci_high")):
        return f"{points(get('ci_low'))}–{points(get('ci_high'))}"
    if finite(n) and n > 1 and finite(get("min")) and finite(get("max")):
        return f"range {points(get('min'))}–{points(get('max'))}"
    return MISSING


def f1_by_genre(runs: pd.DataFrame, labels: dict[str, str] | None = None) -> pd.DataFrame:
    """Mean per-genre F1 over the runs of one setting: a row per entry (best accuracy first), a column per genre."""
    frame = runs_frame(runs, [*SETTING, *ENTRY, "folder"])
    if (settings := len(frame[SETTING].drop_duplicates())) != 1:
        raise ValueError(f"f1_by_genre expects the runs of one setting, got {settings}")
    frame["label"] = entry_labels(frame, labels)
    parts = []
    for row in frame.itertuples(index=False):
        f1 = pd.read_csv(Path(row.folder) / PER_GENRE_FILE, index_col=0)["f1"]
        parts.append(pd.DataFrame({"label": row.label, "genre": f1.index.astype(str), "f1": f1.to_numpy()}))
    long = pd.concat(parts, ignore_index=True)
    matrix = long.pivot_table(index="label", columns="genre", values="f1", aggfunc="mean")
    rank = (
        frame.groupby("label")["accuracy"].mean().sort_values(ascending=False, kind="stable").index
        if "accuracy" in frame.columns
        else matrix.index
    )
    matrix = matrix.reindex(index=list(rank), columns=list(dict.fromkeys(long["genre"])))
    matrix.index.name, matrix.columns.name = "contender", "genre"
    return matrix


def summed_confusion(runs: pd.DataFrame) -> pd.DataFrame:
    """Confusion counts summed over the given runs (rows = true genre, columns = predicted)."""
    if runs.empty:
        raise ValueError("no runs to sum confusion matrices over")
    matrices = [read_confusion(Path(folder) / "confusion.csv") for folder in runs["folder"]]
    return functools.reduce(lambda total, matrix: total.add(matrix, fill_value=0), matrices).astype(int)


def leakage_table(runs: pd.DataFrame, labels: dict[str, str] | None = None) -> pd.DataFrame:
    """Mean accuracy on the thesis (track) split beside the random-segment split, ``inflation`` their difference."""
    frame = runs_frame(runs, ["dataset", "split", "segment_seconds", *ENTRY, "accuracy"])
    keys = ["dataset", "model", "features", "segment_seconds"]
    mean = {
        split: frame[frame["split"] == split].groupby(keys).agg(value=("accuracy", "mean"), runs=("accuracy", "size"))
        for split in (THESIS_SPLIT, LEAKY_SPLIT)
    }
    both = mean[LEAKY_SPLIT].merge(mean[THESIS_SPLIT], left_index=True, right_index=True, suffixes=("_leaky", ""))
    both = both.reset_index()
    return pd.DataFrame(
        {
            **{k: both[k] for k in keys[:3]},
            "label": entry_labels(both, labels, within=["dataset"]),
            "segment_seconds": both["segment_seconds"],
            "track_split": both["value"],
            "random_segment_split": both["value_leaky"],
            "inflation": both["value_leaky"] - both["value"],
            "seeds": np.minimum(both["runs_leaky"], both["runs"]),
        }
    )


def setting_label(row) -> str:
    """``gtzan · 5-fold cross-validation · whole clips`` for a row, named tuple or dict of a setting."""
    get = row.get if hasattr(row, "get") else lambda name, default=None: getattr(row, name, default)
    seconds, folds, split_file = get("segment_seconds", 0), get("folds", 0), get("split_file", "")
    unit = f"{seconds:g} s segments" if finite(seconds) and seconds else "whole clips"
    protocol = get("split")
    if protocol == KFOLD_SPLIT:
        protocol = f"{int(folds)}-fold cross-validation" if finite(folds) and folds else "cross-validation"
    elif protocol == FILE_SPLIT:
        protocol = f"split file {Path(split_file).name}" if isinstance(split_file, str) and split_file else "split file"
    return f"{get('dataset')} · {protocol} · {unit}"


def _count(value) -> str:
    return f"{int(round(float(value))):,}" if finite(value) else MISSING


def finished_runs(runs: pd.DataFrame, models: list[str], augment: int = 0) -> pd.DataFrame:
    """The runs of ``models`` on all their training tracks, with ``augment`` degraded copies (0: clean audio)."""
    if "train_fraction" in runs.columns:
        runs = runs[runs["train_fraction"].fillna(1.0) == 1.0]
    if "augment" in runs.columns or augment:
        runs = runs[runs.get("augment", pd.Series(0, index=runs.index)).fillna(0).astype(int) == int(augment)]
    if runs.empty or not runs["model"].isin(models).any():
        raise FileNotFoundError(
            f"no finished runs of {', '.join(models)}: run notebook 03 (make report does) or python -m genre_utils.run"
        )
    return runs_frame(runs[runs["model"].isin(models)]).reset_index(drop=True)


def select_setting(runs: pd.DataFrame, split: str, segment_seconds: float, folds: int = 5) -> pd.DataFrame:
    """The runs of one setting: ``split``, ``segment_seconds`` and, for ``kfold``, ``folds``."""
    wanted = (runs["split"] == split) & (runs["segment_seconds"] == float(segment_seconds))
    if split == KFOLD_SPLIT:
        wanted &= runs["folds"] == int(folds)
    if not wanted.any():
        settings = sorted({setting_label(row) for row in runs.itertuples()})
        raise ValueError(f"no runs with split={split!r}, segment_seconds={segment_seconds!r}; finished: {settings}")
    return runs[wanted].reset_index(drop=True)


def genre_count(runs: pd.DataFrame) -> int:
    """Genres the runs classify (the rows of the first run's per-genre table)."""
    return len(pd.read_csv(Path(runs["folder"].iloc[0]) / PER_GENRE_FILE, index_col=0))


def majority_rate(runs: pd.DataFrame) -> float:
    """Accuracy of always answering the test set's most common genre: the floor on an unbalanced test set."""
    support = pd.read_csv(Path(runs["folder"].iloc[0]) / PER_GENRE_FILE, index_col=0)["support"]
    return float(support.max() / support.sum())


def feature_study(table: pd.DataFrame) -> pd.DataFrame:
    """The thesis CNN's rows of a comparison table, one per feature kind in the thesis's order, in percent."""
    model, kinds = THESIS_FEATURE_STUDY
    rows = table[(table["model"] == model) & table["features"].isin(kinds)]
    if rows["features"].nunique() < 2:
        return pd.DataFrame()
    shown = rows.sort_values("features", key=lambda kind: kind.map(kinds.index))
    shown = shown[["features", "n", "mean", "sd", "ci_low", "ci_high", "macro_f1", "train_seconds"]].copy()
    for column in ("mean", "sd", "ci_low", "ci_high", "macro_f1"):
        shown[column] = (100 * shown[column]).round(1)
    names = {"n": "runs", "mean": "accuracy %", "sd": "sd %", "ci_low": "95% low", "ci_high": "95% high"}
    return shown.rename(columns={**names, "macro_f1": "macro F1 %", "train_seconds": "train s"}).reset_index(drop=True)

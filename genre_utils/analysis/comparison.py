"""Contenders across seeds, beside the thesis: the comparison table, per-genre F1, leakage, summary.

Everything here reads the run folders that :mod:`genre_utils.experiment.runner` writes (``runs.csv``
rows with a ``folder`` column pointing at ``predictions.csv``, ``per_genre.csv`` and
``confusion.csv``). A *setting* (:data:`SETTING`) is one dataset, split protocol and segment
length; an *entry* (:data:`ENTRY`) is one contender on one feature kind, so the same network on
MFCC and on log-mel are two entries of one setting. Entries are compared only within a setting;
the significance tests live in :mod:`genre_utils.analysis.significance`. No contender is named here: the
thesis's own results come from :mod:`genre_utils.models.thesis_results`, and readers see the
``labels`` passed in.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from genre_utils.analysis.statistics import summarize_runs
from genre_utils.experiment.evaluation import PER_GENRE_FILE, read_confusion
from genre_utils.models.thesis_results import THESIS_ACCURACY, THESIS_FEATURES, THESIS_SPLIT

SETTING = ["dataset", "split", "folds", "split_file", "segment_seconds"]
ENTRY = ["model", "features"]
DEFAULTS = {"folds": 0, "fold": 0, "split_file": ""}  # columns that older runs tables lack
KFOLD_SPLIT, FILE_SPLIT, LEAKY_SPLIT = "kfold", "file", "random_segments"
ALPHA = 0.05  # significance level used in the written summary
MISSING = "–"  # what readers see where a number does not exist
TABLE_COLUMNS = [
    *SETTING,
    *ENTRY,
    "label",
    "thesis",
    "n",
    "seeds",
    "mean",
    "sd",
    "ci_low",
    "ci_high",
    "min",
    "max",
    "not_learned",
    "balanced_accuracy",
    "macro_f1",
    "train_seconds",
    "parameters",
]
MEAN_COLUMNS = ("balanced_accuracy", "macro_f1", "train_seconds", "parameters")
MIN_RUNS_FOR_INTERVAL = 3  # under 3 runs a Student-t interval spans most of 0-100 %: the range is shown instead
DISPLAY_COLUMNS = [
    "setting",
    "contender",
    "thesis %",
    "accuracy % (mean ± sd)",
    "95 % interval or range",
    "runs",
    "did not learn",
    "balanced accuracy %",
    "macro F1 %",
    "training s",
    "parameters",
]


def runs_frame(runs: pd.DataFrame, columns=()) -> pd.DataFrame:
    """A copy of ``runs`` with ``folds``, ``fold`` and ``split_file`` filled in (0, 0, "" where absent).

    Raises:
        ValueError: ``runs`` is not a DataFrame or lacks one of ``columns``.
    """
    if not isinstance(runs, pd.DataFrame):
        raise ValueError(f"expected a runs table (pandas DataFrame), got {type(runs).__name__}")
    missing = [c for c in columns if c not in runs.columns and c not in DEFAULTS]
    if missing:
        raise ValueError(
            f"the runs table lacks columns {missing}; read it with genre_utils.experiment.runner.collect_runs"
        )
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


def entry_labels(frame: pd.DataFrame, labels: dict[str, str] | None = None) -> pd.Series:
    """Each row's display label: ``labels[model]`` (else the model name), plus `` · <features>``
    where that model appears on several feature kinds within the row's setting.

    Raises:
        ValueError: Two entries of one setting would get the same label.
    """
    frame = runs_frame(frame, [*SETTING, *ENTRY])
    names = frame["model"].astype(str).map(lambda model: (labels or {}).get(model, model))
    kinds = frame.groupby([*SETTING, "model"], dropna=False)["features"].transform("nunique")
    result = names.where(kinds <= 1, names + " · " + frame["features"].astype(str))
    entries = frame.assign(label=result).drop_duplicates([*SETTING, *ENTRY])
    clash = entries[entries.duplicated([*SETTING, "label"], keep=False)]
    if not clash.empty:
        raise ValueError(
            f"labels give several entries the same label {sorted(set(clash['label']))}: "
            f"{clash[ENTRY].to_dict(orient='records')}"
        )
    return result


def comparison_table(runs: pd.DataFrame, labels: dict[str, str] | None = None) -> pd.DataFrame:
    """Per setting and entry: thesis accuracy, ours over runs (seeds x folds), cost.

    Args:
        runs: Runs table of :func:`genre_utils.experiment.runner.collect_runs`.
        labels: Display title per model name (``{name: "Thesis network"}``); the name where absent.

    Returns:
        Columns :data:`TABLE_COLUMNS`: the setting, ``model``, ``features``, ``label``, ``thesis``
        (the thesis's accuracy where :data:`THESIS_ACCURACY` has the dataset and model, on the
        thesis split with MFCC; else NaN), ``n`` runs, ``seeds``, per-track accuracy ``mean``,
        ``sd``, ``ci_low``, ``ci_high`` (Student t 95 % interval over runs, clipped to 0-1; NaN
        for one run), ``min`` and ``max`` over runs, ``not_learned`` (runs that did not learn,
        :func:`learned_mask`), means of ``balanced_accuracy``, ``macro_f1``, ``train_seconds`` and
        ``parameters`` (rounded; NaN where the runs table lacks the column). Settings in sorted
        order, entries by ``mean`` descending within a setting.
    """
    frame = runs_frame(runs, [*SETTING, *ENTRY, "accuracy"])
    if frame.empty:
        return pd.DataFrame(columns=TABLE_COLUMNS)
    keys = [*SETTING, *ENTRY]
    table = summarize_runs(frame, value="accuracy", by=keys)
    table["ci_low"], table["ci_high"] = table["ci_low"].clip(lower=0.0), table["ci_high"].clip(upper=1.0)
    for column in ("seed", *MEAN_COLUMNS):
        if column not in frame.columns:
            frame[column] = np.nan
    frame["not_learned"] = ~learned_mask(frame)
    extra = (
        frame.groupby(keys, sort=True, dropna=False)
        .agg(
            seeds=("seed", "nunique"),
            min=("accuracy", "min"),
            max=("accuracy", "max"),
            not_learned=("not_learned", "sum"),
            **{c: (c, "mean") for c in MEAN_COLUMNS},
        )
        .reset_index()
    )
    extra["seeds"] = extra["seeds"].where(extra["seeds"] > 0, 1)
    extra["parameters"] = extra["parameters"].round()
    table = table.merge(extra, on=keys, how="left")
    table["thesis"] = [
        THESIS_ACCURACY.get((d, m), math.nan) if s == THESIS_SPLIT and f == THESIS_FEATURES else math.nan
        for d, s, m, f in zip(table["dataset"], table["split"], table["model"], table["features"])
    ]
    table["label"] = entry_labels(table, labels)
    order = [True] * len(SETTING) + [False]
    table = table.sort_values([*SETTING, "mean"], ascending=order, kind="stable").reset_index(drop=True)
    return table[TABLE_COLUMNS]


def display_table(table: pd.DataFrame) -> pd.DataFrame:
    """:func:`comparison_table` as strings for readers (:data:`DISPLAY_COLUMNS`).

    Percentages with one decimal, ``mean ± sd``, the interval as ``52.1–60.3`` (:func:`spread_text`:
    the range under :data:`MIN_RUNS_FOR_INTERVAL` runs), the runs that did
    not learn as ``2 of 5`` (``0 of 5`` when every run learnt: no cell is left blank), whole seconds
    (one decimal under 10 s), parameters with thousands separators, :data:`MISSING` wherever a
    number does not exist (one run has no spread, most settings no thesis figure).
    """
    table = runs_frame(table, [*SETTING, "model", "mean"])
    rows = []
    for row in table.itertuples(index=False):
        cell = {name: getattr(row, name, math.nan) for name in TABLE_COLUMNS}
        spread = f" ± {_number(100 * cell['sd'])}" if _finite(cell["sd"]) else ""
        interval = spread_text(cell)
        seconds = cell["train_seconds"]
        flat = cell["not_learned"]
        flag = f"{int(flat) if _finite(flat) else 0} of {_count(cell['n'])}"
        rows.append(
            [
                setting_label(row),
                _label(row),
                _percent(cell["thesis"]),
                f"{_number(100 * row.mean)}{spread}",
                interval,
                _count(cell["n"]),
                flag,
                _percent(cell["balanced_accuracy"]),
                _percent(cell["macro_f1"]),
                (f"{seconds:.1f}" if seconds < 10 else f"{seconds:,.0f}") if _finite(seconds) else MISSING,
                _count(cell["parameters"]),
            ]
        )
    return pd.DataFrame(rows, columns=DISPLAY_COLUMNS)


def spread_text(cell) -> str:
    """``52.1–60.3`` (the 95 % interval, from :data:`MIN_RUNS_FOR_INTERVAL` runs), ``range 40.0–60.0``
    (fewer runs) or :data:`MISSING` (one run); ``cell`` maps ``n``, ``ci_low``, ``ci_high``, ``min``, ``max``."""
    get = cell.get if hasattr(cell, "get") else lambda name, default=None: getattr(cell, name, default)
    n = get("n", 0)
    if _finite(n) and n >= MIN_RUNS_FOR_INTERVAL and _finite(get("ci_low")) and _finite(get("ci_high")):
        return f"{_number(100 * get('ci_low'))}–{_number(100 * get('ci_high'))}"
    if _finite(n) and n > 1 and _finite(get("min")) and _finite(get("max")):
        return f"range {_number(100 * get('min'))}–{_number(100 * get('max'))}"
    return MISSING


def f1_by_genre(runs: pd.DataFrame, labels: dict[str, str] | None = None) -> pd.DataFrame:
    """Mean per-genre F1 over runs of one setting: rows = entry labels, columns = genres.

    Rows run from the best mean accuracy down (by label where the runs table has no accuracy),
    genres in the order of the runs' ``per_genre.csv``.

    Raises:
        ValueError: The runs span several settings, or there are none.
    """
    frame = runs_frame(runs, [*SETTING, *ENTRY, "folder"])
    settings = frame[SETTING].drop_duplicates()
    if len(settings) != 1:
        raise ValueError(
            f"f1_by_genre compares the entries of one setting; got {len(settings)}: "
            f"{[setting_label(s) for s in settings.itertuples(index=False)]}"
        )
    frame["label"] = entry_labels(frame, labels)
    parts = []
    for row in frame.itertuples(index=False):
        scores = pd.read_csv(Path(row.folder) / PER_GENRE_FILE, index_col=0)
        parts.append(
            pd.DataFrame({"label": row.label, "genre": scores.index.astype(str), "f1": scores["f1"].to_numpy()})
        )
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
    total = matrices[0].copy()
    for matrix in matrices[1:]:
        total = total.add(matrix, fill_value=0)
    return total.astype(int)


def leakage_table(runs: pd.DataFrame, labels: dict[str, str] | None = None) -> pd.DataFrame:
    """Per model, features and segment length: thesis (track) split beside random-segment split.

    Returns:
        Columns ``dataset, model, features, label, segment_seconds, track_split,
        random_segment_split`` (mean accuracies), ``inflation`` (their difference) and ``seeds``
        (the fewer runs of the two); only where both splits have runs.
    """
    frame = runs_frame(runs, ["dataset", "split", "segment_seconds", *ENTRY, "accuracy"])
    keys = ["dataset", "model", "features", "segment_seconds"]
    mean = {
        split: frame[frame["split"] == split].groupby(keys).agg(value=("accuracy", "mean"), runs=("accuracy", "size"))
        for split in (THESIS_SPLIT, LEAKY_SPLIT)
    }
    both = (
        mean[LEAKY_SPLIT]
        .merge(mean[THESIS_SPLIT], left_index=True, right_index=True, suffixes=("_leaky", ""))
        .reset_index()
    )
    kinds = both.groupby(["dataset", "model"])["features"].nunique()
    table = pd.DataFrame(
        {
            **{k: both[k] for k in keys[:3]},
            "label": [
                (labels or {}).get(m, m) + (f" · {f}" if kinds[(d, m)] > 1 else "")
                for d, m, f in zip(both["dataset"], both["model"], both["features"])
            ],
            "segment_seconds": both["segment_seconds"],
            "track_split": both["value"],
            "random_segment_split": both["value_leaky"],
            "inflation": both["value_leaky"] - both["value"],
            "seeds": np.minimum(both["runs_leaky"], both["runs"]),
        }
    )
    return table.reset_index(drop=True)


def setting_label(row) -> str:
    """``gtzan · thesis · 3 s segments``, ``gtzan · 5-fold cross-validation · whole clips``,
    ``gtzan · split file lists.csv · 3 s segments`` (a row, named tuple or dict)."""
    get = row.get if hasattr(row, "get") else lambda name, default=None: getattr(row, name, default)
    seconds, folds, split_file = get("segment_seconds", 0), get("folds", 0), get("split_file", "")
    unit = f"{seconds:g} s segments" if _finite(seconds) and seconds else "whole clips"
    protocol = get("split")
    if protocol == KFOLD_SPLIT:
        protocol = f"{int(folds)}-fold cross-validation" if _finite(folds) and folds else "cross-validation"
    elif protocol == FILE_SPLIT:
        protocol = f"split file {Path(split_file).name}" if isinstance(split_file, str) and split_file else "split file"
    return f"{get('dataset')} · {protocol} · {unit}"


def _label(row) -> str:
    label = getattr(row, "label", None)
    return label if isinstance(label, str) and label else str(row.model)


def _finite(value) -> bool:
    try:
        return value is not None and bool(np.isfinite(float(value)))
    except (TypeError, ValueError):
        return False


def _number(value: float) -> str:
    return f"{value:.1f}"


def _percent(value) -> str:
    return _number(100 * float(value)) if _finite(value) else MISSING


def _count(value) -> str:
    return f"{int(round(float(value))):,}" if _finite(value) else MISSING


def finite_or_none(value):
    """JSON-friendly number: NaN becomes None."""
    return None if value is None or (isinstance(value, float) and not np.isfinite(value)) else value

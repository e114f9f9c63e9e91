"""CNN vs LSTM across seeds, beside the thesis: tables, significance tests and a written summary.

Everything here reads the run folders that :mod:`genre_utils.experiment` writes (``runs.csv``
rows with a ``folder`` column pointing at ``predictions.csv``, ``per_genre.csv`` and
``confusion.csv``). A *setting* is one (dataset, split, features, segment_seconds) combination;
models are compared only within a setting, and McNemar only between runs of the same seed,
which share their test tracks.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from genre_utils.evaluation import read_confusion
from genre_utils.statistics import mcnemar, paired_seed_test, summarize_runs

THESIS_ACCURACY = {  # Gessle & Akesson (2019), one run each, per clip
    ("gtzan", "cnn"): 0.560, ("gtzan", "lstm"): 0.420,
    ("fma_small", "cnn"): 0.505, ("fma_small", "lstm"): 0.335,
}
SETTING = ["dataset", "split", "features", "segment_seconds"]
ALPHA = 0.05  # significance level used in the written summary
LEAKY_SPLIT = "random_segments"


def comparison_table(runs: pd.DataFrame) -> pd.DataFrame:
    """Per setting and model: thesis accuracy, ours (mean, sd, 95% interval over seeds), cost.

    Columns: the setting, ``model``, ``thesis`` (NaN where the thesis has no figure, e.g. the
    synthetic set), ``n`` seeds, ``mean``, ``sd``, ``ci_low``, ``ci_high`` (the Student t
    interval, clipped to the possible range 0-1), ``balanced_accuracy``
    and ``macro_f1`` (means), ``train_seconds`` (mean), ``parameters``.
    """
    _require(runs, [*SETTING, "model", "accuracy"])
    table = summarize_runs(runs, value="accuracy", by=(*SETTING, "model"))
    table["ci_low"], table["ci_high"] = table["ci_low"].clip(lower=0.0), table["ci_high"].clip(upper=1.0)
    extra = runs.groupby([*SETTING, "model"], sort=True).agg(
        balanced_accuracy=("balanced_accuracy", "mean"), macro_f1=("macro_f1", "mean"),
        train_seconds=("train_seconds", "mean"), parameters=("parameters", "first")).reset_index()
    table = table.merge(extra, on=[*SETTING, "model"], how="left")
    thesis = [THESIS_ACCURACY.get((d, m), math.nan) if s == "thesis" else math.nan
              for d, s, m in zip(table["dataset"], table["split"], table["model"])]
    table.insert(table.columns.get_loc("model") + 1, "thesis", thesis)
    return table


def mcnemar_by_seed(runs: pd.DataFrame, model_a: str = "cnn", model_b: str = "lstm") -> pd.DataFrame:
    """McNemar's exact test between two models, for every setting and seed both have run.

    Predictions are matched by track id; a seed whose runs do not share the same test tracks
    is refused (it would not be a paired comparison).
    """
    _require(runs, [*SETTING, "model", "seed", "folder"])
    rows = []
    for key, group in runs.groupby([*SETTING, "seed"], sort=True):
        folders = dict(zip(group["model"], group["folder"]))
        if model_a not in folders or model_b not in folders:
            continue
        a, b = (pd.read_csv(Path(folders[m]) / "predictions.csv").set_index("track_id") for m in (model_a, model_b))
        if set(a.index) != set(b.index):
            raise ValueError(f"runs {folders[model_a]} and {folders[model_b]} have different test tracks")
        b = b.loc[a.index]
        test = mcnemar(a["correct"].to_numpy(bool), b["correct"].to_numpy(bool))
        rows.append({**dict(zip([*SETTING, "seed"], key)), "tracks": len(a),
                     f"accuracy_{model_a}": a["correct"].mean(), f"accuracy_{model_b}": b["correct"].mean(),
                     **{k: test[k] for k in ("both", "only_a", "only_b", "neither", "statistic", "p_value")}})
    return pd.DataFrame(rows)


def paired_tests(runs: pd.DataFrame, model_a: str = "cnn", model_b: str = "lstm") -> pd.DataFrame:
    """Paired t and Wilcoxon tests across seeds on accuracy, per setting (``model_a - model_b``)."""
    _require(runs, [*SETTING, "model", "seed", "accuracy"])
    rows = []
    for key, group in runs.groupby(SETTING, sort=True):
        wide = group.pivot_table(index="seed", columns="model", values="accuracy")
        if model_a not in wide.columns or model_b not in wide.columns:
            continue
        both = wide[[model_a, model_b]].dropna()
        test = paired_seed_test(both[model_a].to_numpy(), both[model_b].to_numpy())
        rows.append({**dict(zip(SETTING, key)), **test})
    return pd.DataFrame(rows)


def per_genre_f1(runs: pd.DataFrame) -> pd.DataFrame:
    """Mean per-genre F1 over seeds: rows = genre, columns = (setting label, model)."""
    _require(runs, [*SETTING, "model", "folder"])
    frames = []
    for row in runs.itertuples():
        table = pd.read_csv(Path(row.folder) / "per_genre.csv", index_col=0)
        frames.append(pd.DataFrame({"genre": table.index, "f1": table["f1"].to_numpy(), "model": row.model,
                                    "setting": setting_label(row)}))
    if not frames:
        return pd.DataFrame()
    long = pd.concat(frames, ignore_index=True)
    return long.pivot_table(index="genre", columns=["setting", "model"], values="f1", aggfunc="mean")


def summed_confusion(runs: pd.DataFrame) -> pd.DataFrame:
    """Confusion counts summed over the given runs (rows = true genre, columns = predicted)."""
    if runs.empty:
        raise ValueError("no runs to sum confusion matrices over")
    matrices = [read_confusion(Path(folder) / "confusion.csv") for folder in runs["folder"]]
    total = matrices[0].copy()
    for matrix in matrices[1:]:
        total = total.add(matrix, fill_value=0)
    return total.astype(int)


def leakage_table(runs: pd.DataFrame) -> pd.DataFrame:
    """Per model and features: track-split accuracy beside random-segment-split accuracy."""
    _require(runs, [*SETTING, "model", "accuracy"])
    leaky = runs[runs["split"] == LEAKY_SPLIT]
    rows = []
    for (dataset, features, model), group in leaky.groupby(["dataset", "features", "model"], sort=True):
        honest = runs[(runs["dataset"] == dataset) & (runs["features"] == features) & (runs["model"] == model)
                      & (runs["split"] == "thesis") & (runs["segment_seconds"] == group["segment_seconds"].iloc[0])]
        if honest.empty:
            continue
        rows.append({"dataset": dataset, "features": features, "model": model,
                     "segment_seconds": group["segment_seconds"].iloc[0],
                     "track_split": honest["accuracy"].mean(), "random_segment_split": group["accuracy"].mean(),
                     "inflation": group["accuracy"].mean() - honest["accuracy"].mean(),
                     "seeds": min(len(group), len(honest))})
    return pd.DataFrame(rows)


def setting_label(row) -> str:
    """``gtzan · thesis · mfcc · 3 s segments`` (or ``whole clips``)."""
    unit = f"{row.segment_seconds:g} s segments" if row.segment_seconds else "whole clips"
    return f"{row.dataset} · {row.split} · {row.features} · {unit}"


def written_summary(table: pd.DataFrame, mcnemar_table: pd.DataFrame, paired: pd.DataFrame,
                    leakage: pd.DataFrame | None = None) -> str:
    """A short Markdown conclusion built only from the numbers passed in."""
    lines = []
    for _, group in table[table["split"] != LEAKY_SPLIT].groupby(SETTING, sort=True):
        label = setting_label(group.iloc[0])
        ranked = group.sort_values("mean", ascending=False)
        parts = [f"{r.model.upper()} {_pct(r.mean)}" + (f" ± {_pct(r.sd)}" if r.n > 1 else "") +
                 (f" (thesis {_pct(r.thesis)}, {_signed(r.mean - r.thesis)} points)" if not math.isnan(r.thesis) else "")
                 for r in ranked.itertuples()]
        seeds = int(group["n"].max())
        lines.append(f"- **{label}** ({seeds} seed{'s' if seeds != 1 else ''}): " + "; ".join(parts) + ".")
        key = tuple(group.iloc[0][c] for c in SETTING)
        lines.extend(_test_sentences(key, mcnemar_table, paired))
    if leakage is not None and not leakage.empty:
        for r in leakage.itertuples():
            lines.append(f"- Splitting {r.model.upper()} segments at random instead of by track reports "
                         f"{_pct(r.random_segment_split)} instead of {_pct(r.track_split)} "
                         f"({_signed(r.inflation)} points): accuracy measured on recordings already heard in training.")
    return "\n".join(lines) if lines else "No finished runs to summarize."


def _test_sentences(key, mcnemar_table: pd.DataFrame, paired: pd.DataFrame) -> list[str]:
    sentences = []
    if not mcnemar_table.empty:
        rows = mcnemar_table[(mcnemar_table[SETTING] == pd.Series(key, index=SETTING)).all(axis=1)]
        if len(rows):
            significant = int((rows["p_value"] < ALPHA).sum())
            sentences.append(f"  - McNemar (same test tracks, per seed): the models differ significantly "
                             f"(p < {ALPHA}) in {significant} of {len(rows)} seed(s); "
                             f"median p = {rows['p_value'].median():.3g}.")
    if not paired.empty:
        rows = paired[(paired[SETTING] == pd.Series(key, index=SETTING)).all(axis=1)]
        for r in rows.itertuples():
            if r.n >= 2 and not math.isnan(r.p_value_t):
                verdict = "significant" if r.p_value_t < ALPHA else "not significant"
                sentences.append(f"  - Paired t-test across {r.n} seeds: CNN − LSTM = {_signed(r.mean_difference)} "
                                 f"points, p = {r.p_value_t:.3g} ({verdict} at {ALPHA}).")
            else:
                sentences.append("  - Too few seeds for a paired test across seeds (run more seeds).")
    return sentences


def _pct(value: float) -> str:
    return f"{100 * value:.1f}%"


def _signed(value: float) -> str:
    return f"{100 * value:+.1f}"


def _require(frame: pd.DataFrame, columns) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"the runs table lacks columns {missing}; read it with genre_utils.experiment.collect_runs")


def finite_or_none(value):
    """JSON-friendly number: NaN becomes None."""
    return None if value is None or (isinstance(value, float) and not np.isfinite(value)) else value

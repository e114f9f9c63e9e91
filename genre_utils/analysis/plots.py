"""Every figure of the study, each drawn on a new figure (or the ``ax`` given) and returned: one call per plot."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from genre_utils.analysis.comparison import MIN_RUNS_FOR_INTERVAL, SETTING, learned_mask, runs_frame, setting_label
from genre_utils.analysis.readings import LEADING, TRAILING
from genre_utils.analysis.robustness import ENTRY, _checked, _entry_name
from genre_utils.experiment.evaluation import PROBABILITY_PREFIX
from genre_utils.formatting import plural
from genre_utils.models import get_contender
from genre_utils.models.sklearn_family import SELECTION_FILE, load_selection

CURVES = (("loss", "val_loss", "categorical cross-entropy"), ("accuracy", "val_accuracy", "accuracy"))
ACCURACY_AXIS = "per-track test accuracy"
ACCURACY_LIMITS = (0, 1.03)  # a little room for points at 1
THESIS_STYLE = {"marker": "x", "color": "red", "s": 60, "zorder": 3}
NOT_LEARNED_STYLE = {"marker": "X", "color": "crimson", "s": 30, "zorder": 3}  # a run that did not learn
RANGE_STYLE = {"linestyles": "--", "linewidth": 1}  # the range, drawn where there are too few runs for an interval
MEAN_COLOR = "tab:blue"
RUN_COLOR = "dimgrey"
RUN_OFFSET = 0.22  # runs sit just below their entry's mean
SIDE_COLORS = {LEADING: "tab:blue", TRAILING: "tab:orange"}  # the thesis CNN's readings, the LSTM's
OTHER_COLOR = "tab:gray"  # a reading of another contender
DROP_AXIS = "accuracy drop from clean tracks (points)"
DROP_LIMIT = 105  # points: a drop lies within [-100, 100]; the axis stops a little beyond
ROW_BAND = 0.8  # share of a degradation's row the contenders' points spread over
SHADE = "0.94"  # every other degradation row
HEATMAP = {"annot": True, "vmin": 0, "annot_kws": {"fontsize": 7}}
MAJORITY_MARGIN = 0.005  # the most-common-genre line is drawn when it lies this far above guessing (unbalanced)


def plot_history(history: pd.DataFrame, title: str = "", best_epoch: int | None = None) -> plt.Figure:
    """Loss and accuracy per epoch of a run's ``history.csv``, training vs validation; ``best_epoch`` dashed."""
    if missing := [c for pair in CURVES for c in pair[:2] if c not in history.columns]:
        raise ValueError(f"history lacks columns {missing}")
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.6))
    for ax, (train, valid, label) in zip(axes, CURVES):
        ax.plot(history["epoch"], history[train], marker=".", label="training")
        ax.plot(history["epoch"], history[valid], marker=".", label="validation")
        if best_epoch:
            ax.axvline(best_epoch, color="grey", linestyle="--", linewidth=1, label=f"kept (epoch {best_epoch})")
        ax.set(xlabel="epoch", ylabel=label, title=label.split()[-1])
        ax.legend()
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_confusion(confusion: pd.DataFrame, title: str = "", normalize: bool = True, ax=None) -> plt.Figure:
    """Heat map of a confusion matrix (rows true genre); ``normalize``: each row as shares of that genre's tracks."""
    values = confusion.to_numpy(dtype=float)
    if normalize:
        totals = values.sum(axis=1, keepdims=True)
        values = np.divide(values, totals, out=np.zeros_like(values), where=totals > 0)
    fig, ax = _figure(ax, (6.5, 5.5))
    frame = pd.DataFrame(values, index=confusion.index, columns=confusion.columns)
    label = "share of the true genre's tracks" if normalize else "tracks"
    style = {"fmt": ".0%" if normalize else "g", "vmax": 1 if normalize else None, "cbar_kws": {"label": label}}
    sns.heatmap(frame, ax=ax, cmap="Blues", square=True, **style, **HEATMAP)
    ax.set(xlabel="predicted genre", ylabel="true genre", title=title)
    fig.tight_layout()
    return fig


def plot_contender_accuracy(
    table: pd.DataFrame,
    chance: float | None = None,
    title: str = "",
    ax=None,
    majority: float | None = None,
    runs: pd.DataFrame | None = None,
) -> plt.Figure:
    """Mean accuracy per entry of a comparison table, best on top: 95 % interval (dashed range under
    :data:`MIN_RUNS_FOR_INTERVAL` runs), hollow if runs did not learn, red cross the thesis, dots the ``runs``."""
    table = _ranked(table)
    own = ax is None
    fig, ax = _figure(ax, (8, 1.6 + 0.45 * len(table)), layout="constrained")
    y = np.arange(len(table))
    mean = table["mean"].to_numpy(float)
    ax.plot(mean, y, "o", color=MEAN_COLOR, label="mean over runs", zorder=3)
    if (flat := _not_learned(table)).any():
        hollow = {"facecolors": "white", "edgecolors": MEAN_COLOR, "zorder": 4, "s": 36}
        ax.scatter(mean[flat], y[flat], label="mean, some runs did not learn", **hollow)
    counts = table["n"].to_numpy(float) if "n" in table.columns else np.ones(len(y))
    wide = counts >= MIN_RUNS_FOR_INTERVAL
    if wide.any():
        errors = _errors(mean, table["ci_low"], table["ci_high"])[:, wide]
        ax.errorbar(
            mean[wide], y[wide], xerr=errors, fmt="none", capsize=4, color=MEAN_COLOR, label="95 % interval over runs"
        )
    narrow = (counts > 1) & ~wide & {"min", "max"}.issubset(table.columns)
    if narrow.any():
        low, high = (table[c].to_numpy(float)[narrow] for c in ("min", "max"))
        label = f"range (under {MIN_RUNS_FOR_INTERVAL} runs: no interval)"
        ax.hlines(y[narrow], low, high, colors=MEAN_COLOR, label=label, **RANGE_STYLE)
    if runs is not None and not runs.empty:
        frame = runs_frame(runs, [*SETTING, "model", "features", "accuracy"])
        frame = frame[frame["accuracy"].notna()]
        keys = [*SETTING, "model", "features"]
        position = dict(zip(runs_frame(table)[keys].itertuples(index=False, name=None), y))
        frame = frame.assign(row=[position.get(key) for key in frame[keys].itertuples(index=False, name=None)])
        frame = frame[frame["row"].notna()]
        _draw_runs(ax, frame, frame["row"], RUN_COLOR)
    thesis = table["thesis"].to_numpy(float) if "thesis" in table.columns else np.full(len(table), np.nan)
    if np.isfinite(thesis).any():
        ax.scatter(thesis[np.isfinite(thesis)], y[np.isfinite(thesis)], label="thesis (one run)", **THESIS_STYLE)
    _draw_floors(ax.axvline, chance, majority)
    ax.set_yticks(y, _names(table))
    ax.set(xlabel=ACCURACY_AXIS, ylabel="contender", xlim=ACCURACY_LIMITS, ylim=(len(table) - 0.5, -0.5), title=title)
    if own:  # below the axes, where it hides no point
        fig.legend(loc="outside lower center", ncol=3, fontsize=8, frameon=False)
    else:
        ax.legend(fontsize=8, loc="best")
    return fig


def _draw_runs(ax, runs: pd.DataFrame, rows: pd.Series, colors) -> None:
    """Each run's accuracy as a small point just below its row (``colors``: one, or one per run); a run that did not
    learn as a red cross."""
    learned = learned_mask(runs).to_numpy(bool)
    rows, accuracy = rows.to_numpy(float) + RUN_OFFSET, runs["accuracy"].to_numpy(float)
    colors = np.broadcast_to(np.asarray(colors, dtype=object), learned.shape)
    if learned.any():
        label = "one run (seed or fold)"
        ax.scatter(accuracy[learned], rows[learned], s=12, c=list(colors[learned]), zorder=2, label=label)
    if (~learned).any():
        ax.scatter(accuracy[~learned], rows[~learned], label="a run that did not learn", **NOT_LEARNED_STYLE)


def plot_accuracy_vs_time(table: pd.DataFrame, title: str = "", ax=None) -> plt.Figure:
    """Mean accuracy (95 % interval) per entry against mean training time, log axis (entries without one left out)."""
    table = _ranked(table)
    table = table[np.isfinite(table["train_seconds"].to_numpy(float)) & (table["train_seconds"] > 0)]
    if table.empty:
        raise ValueError("no entry has a positive train_seconds to place on the time axis")
    fig, ax = _figure(ax, (8, 5))
    x, mean = table["train_seconds"].to_numpy(float), table["mean"].to_numpy(float)
    ax.errorbar(x, mean, yerr=_errors(mean, table["ci_low"], table["ci_high"]), fmt="o", capsize=4)
    for name, point in zip(_names(table), zip(x, mean)):
        ax.annotate(name, point, xytext=(6, 4), textcoords="offset points", fontsize=8)
    ax.set_xscale("log")
    ax.margins(x=0.2)
    ax.set(xlabel="mean training time per run (s, log scale)", ylabel=ACCURACY_AXIS, ylim=ACCURACY_LIMITS, title=title)
    fig.tight_layout()
    return fig


def plot_f1_heatmap(matrix: pd.DataFrame, title: str = "", ax=None) -> plt.Figure:
    """Heat map of F1 per entry (rows) and genre (columns): :func:`genre_utils.analysis.comparison.f1_by_genre`."""
    if matrix.empty:
        raise ValueError("the F1 matrix is empty: no runs to draw")
    fig, ax = _figure(ax, (max(6.0, 3 + 0.8 * matrix.shape[1]), 1.5 + 0.5 * matrix.shape[0]))
    bar = {"label": "F1 (mean over runs)"}
    sns.heatmap(matrix.astype(float), ax=ax, cmap="viridis", vmax=1, fmt=".2f", cbar_kws=bar, **HEATMAP)
    ax.set(xlabel="genre", ylabel="contender", title=title)
    ax.tick_params(axis="x", rotation=30)
    fig.tight_layout()
    return fig


def plot_learning_curve(
    table: pd.DataFrame,
    chance: float | None = None,
    title: str = "",
    ax=None,
    majority: float | None = None,
    runs: pd.DataFrame | None = None,
) -> plt.Figure:
    """Accuracy of a learning-curve table against training tracks (log axis), one line per contender: band the 95 %
    interval (hatched range under :data:`MIN_RUNS_FOR_INTERVAL` runs), red cross where a run did not learn."""
    missing = [c for c in ("label", "train_tracks", "mean", "ci_low", "ci_high") if c not in table.columns]
    if missing or table.empty:
        raise ValueError(
            f"expected a non-empty learning-curve table (learning_curve.curve_table); lacks {missing or 'rows'}"
        )
    fig, ax = _figure(ax, (8, 5))
    crossed = False
    for label, rows in table.groupby("label", sort=False):
        rows = rows.sort_values("train_tracks")
        (line,) = ax.plot(rows["train_tracks"], rows["mean"], marker="o", label=label)
        counts = rows["n"].to_numpy(float) if "n" in rows.columns else np.ones(len(rows))
        if (counts >= MIN_RUNS_FOR_INTERVAL).all():
            ax.fill_between(rows["train_tracks"], rows["ci_low"], rows["ci_high"], color=line.get_color(), alpha=0.15)
        elif (counts > 1).all() and {"min", "max"}.issubset(rows.columns):
            hatched = {"alpha": 0.08, "hatch": "//", "edgecolor": line.get_color(), "linewidth": 0}
            ax.fill_between(rows["train_tracks"], rows["min"], rows["max"], color=line.get_color(), **hatched)
        if runs is not None and not runs.empty:  # each seed or fold as a small dot
            share = runs["train_fraction"].fillna(1.0) if "train_fraction" in runs else pd.Series(1.0, runs.index)
            mine = runs["model"].isin(rows["model"]) & runs["features"].isin(rows["features"])
            mine = runs[mine & share.isin(rows["train_fraction"])].assign(train_fraction=share)
            dots = mine.merge(rows[["train_fraction", "train_tracks"]], on="train_fraction", suffixes=("_run", ""))
            ax.scatter(dots["train_tracks"], dots["accuracy"], s=10, color=line.get_color(), alpha=0.6, zorder=2)
        if (flat := _not_learned(rows)).any():
            label = None if crossed else "some runs did not learn (left out of the verdict)"
            ax.scatter(rows["train_tracks"][flat], rows["mean"][flat], label=label, **NOT_LEARNED_STYLE)
            crossed = True
    _draw_floors(ax.axhline, chance, majority)
    ticks = sorted({int(round(x)) for x in table["train_tracks"]})
    ax.set_xscale("log")
    ax.set_xticks(ticks, [str(t) for t in ticks])
    ax.minorticks_off()
    ax.set(xlabel="training tracks (log scale)", ylabel=ACCURACY_AXIS, ylim=ACCURACY_LIMITS, title=title)
    heading = f"mean over runs; band: 95 % interval (hatched: range, under {MIN_RUNS_FOR_INTERVAL} runs)"
    ax.legend(fontsize=8, title=heading, title_fontsize=8)
    fig.tight_layout()
    return fig


def plot_training(run) -> object:
    """How a run was fitted: loss and accuracy per epoch, or validation accuracy per candidate hyper-parameter."""
    from genre_utils.models.training import load_history  # lazy: Keras loads TensorFlow

    folder = Path(run["folder"])
    title = f"{get_contender(run['model']).title} · {run['dataset']} · seed {run['seed']}"
    if (folder / SELECTION_FILE).is_file():
        selection = load_selection(folder)
        candidate = [c for c in selection.columns if c not in ("valid_accuracy", "chosen")][0]
        fig, ax = plt.subplots(figsize=(6, 3.6))
        ax.plot(selection[candidate], selection["valid_accuracy"], marker="o")
        chosen = selection[selection["chosen"]].iloc[0]
        ax.axvline(chosen[candidate], color="grey", linestyle="--", label=f"chosen {candidate} = {chosen[candidate]:g}")
        ax.set(xscale="log", xlabel=candidate, ylabel="per-track validation accuracy", ylim=(0, 1), title=title)
        ax.legend()
        fig.tight_layout()
        return fig
    return plot_history(load_history(folder), title=title, best_epoch=int(run["best_epoch"]))


def plot_readings(
    table: pd.DataFrame, runs: pd.DataFrame | None = None, chance: float | None = None, title: str = ""
) -> plt.Figure:
    """Accuracy per model of a readings table with its interval, each of ``runs``, and the thesis models read here."""
    if table.empty:
        raise ValueError("the readings table is empty: no runs to draw")
    table = table.reset_index(drop=True)
    sides = table["model"].where(table["model"].isin(SIDE_COLORS), table["reading_of"].fillna(""))
    colors = [SIDE_COLORS.get(side, OTHER_COLOR) for side in sides]
    rows = np.arange(len(table), dtype=float)
    fig, ax = plt.subplots(figsize=(8, 1.2 + 0.6 * len(table)))
    mean = table["mean"].to_numpy(float)
    errors = _errors(mean, table["ci_low"], table["ci_high"])
    for row, value, error, color in zip(rows, mean, errors.T, colors):
        ax.errorbar(value, row, xerr=error.reshape(2, 1), fmt="o", color=color, capsize=4, markersize=7, zorder=3)
    for model, label in ((LEADING, "CNN as read here"), (TRAILING, "LSTM as read here")):
        base = table.loc[table["model"] == model, "mean"]
        if not base.empty:
            ax.axvline(float(base.iloc[0]), color=SIDE_COLORS[model], linestyle="--", linewidth=1, label=label)
    if runs is not None and not runs.empty:
        runs = runs[runs["model"].isin(table["model"])]
        position = {model: row for row, model in enumerate(table["model"])}
        _draw_runs(ax, runs, runs["model"].map(position), runs["model"].map(dict(zip(table["model"], colors))))
    if chance is not None:
        ax.axvline(chance, color="black", linestyle=":", linewidth=1, label="guessing")
    ax.set_yticks(rows, [f"{t}\n({m})" for t, m in zip(table["title"], table["model"])], fontsize=8)
    ax.invert_yaxis()
    ax.set(xlabel="per-track test accuracy (mean, 95 % interval across runs)", xlim=ACCURACY_LIMITS, title=title)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    return fig


def plot_timeline(prediction, ax=None) -> plt.Figure:
    """Heat map of each window's genre probabilities over time (circles: predicted genre) of a ``Prediction``."""
    frame = prediction.segments
    columns = [c for c in frame.columns if c.startswith(PROBABILITY_PREFIX)]
    genres = [c[len(PROBABILITY_PREFIX) :] for c in columns]
    fig, ax = _figure(ax, (9, 0.35 * len(genres) + 1.8))
    edges = np.append(frame["start_s"].to_numpy(), frame["end_s"].iloc[-1])  # overlapping windows: up to the next
    values = frame[columns].to_numpy().T
    mesh = ax.pcolormesh(edges, np.arange(len(genres) + 1) - 0.5, values, cmap="viridis", vmin=0, vmax=1)
    rows = [genres.index(g) for g in frame["genre"]]
    ax.scatter((edges[:-1] + edges[1:]) / 2, rows, marker="o", facecolors="none", edgecolors="white", linewidths=1.5)
    ax.set_yticks(range(len(genres)), genres)
    ax.invert_yaxis()  # first genre on top, as in the segment table
    title = f"{prediction.path.name}: {prediction.genre} ({prediction.probabilities.iloc[0]:.0%} mean)"
    ax.set(xlabel="time (s)", ylabel="genre", title=f"{title}; circles = predicted genre per window")
    fig.colorbar(mesh, ax=ax, label="probability")
    return fig


def plot_robustness(robustness: pd.DataFrame, title: str = "", ax=None):
    """Mean accuracy drop (points) per degradation (rows) and contender (colours, hollow squares if augmented)."""
    table = _checked(robustness)
    shown = table[(table["n"] > 0) & np.isfinite(table["drop"].to_numpy(float))]
    if shown.empty:
        raise ValueError("column 'n' is 0 in every row of the robustness table: no learnt runs to draw")
    position = {name: y for y, name in enumerate(dict.fromkeys(shown["degradation"]))}
    entries = shown.drop_duplicates(ENTRY)
    colors = dict(zip(dict.fromkeys(entries["label"]), sns.color_palette("tab10", entries["label"].nunique())))
    own = ax is None
    fig, ax = _figure(ax, (9, 1.6 + len(position) * (0.25 + 0.09 * len(entries))), layout="constrained")
    for y in range(1, len(position), 2):
        ax.axhspan(y - 0.5, y + 0.5, color=SHADE, zorder=0)
    offsets = (np.arange(len(entries)) - (len(entries) - 1) / 2) * ROW_BAND / len(entries)
    for offset, (_, rows) in zip(offsets, shown.groupby(ENTRY, sort=False)):
        entry = rows.iloc[0]
        drop = 100 * rows["drop"].to_numpy(float)
        errors = _errors(drop, 100 * rows["drop_ci_low"], 100 * rows["drop_ci_high"])
        color = colors[entry.label]
        y = rows["degradation"].map(position).to_numpy(float) + offset
        marker = {"fmt": "s" if entry.augment else "o", "mec": color, "mfc": "white" if entry.augment else color}
        ax.errorbar(drop, y, xerr=errors, color=color, capsize=3, markersize=5, label=_entry_name(entry), **marker)
        ranged = (rows["n"].to_numpy() > 1) & ~np.isfinite(rows["drop_ci_low"].to_numpy(float))
        if ranged.any():  # under MIN_RUNS_FOR_INTERVAL runs: the range, dashed
            low, high = (100 * rows[c].to_numpy(float)[ranged] for c in ("drop_min", "drop_max"))
            ax.hlines(y[ranged], low, high, colors=[color], **RANGE_STYLE)
    ax.axvline(0, color="grey", linewidth=1, zorder=1)
    left, right = ax.get_xlim()
    ax.set_xlim(max(left, -DROP_LIMIT), min(right, DROP_LIMIT))  # an interval may reach past what a drop can be
    titles = shown.drop_duplicates("degradation").set_index("degradation")["degradation_title"]
    ax.set_yticks(list(position.values()), [titles[name] for name in position])
    ax.set(xlabel=DROP_AXIS, ylabel="degradation", ylim=(len(position) - 0.5, -0.5), title=title)
    excluded = int(table.drop_duplicates(ENTRY)["excluded_runs"].sum())
    heading = (
        f"contender: mean over learnt runs, bar: 95 % t interval across runs (dashed: the range, under "
        f"{MIN_RUNS_FOR_INTERVAL} runs)"
    ) + (f" ({plural(excluded, 'run')} that did not learn left out)" if excluded else "")
    legend = {"fontsize": 8, "title": heading, "title_fontsize": 8}
    if own:
        fig.legend(loc="outside lower center", ncol=min(3, len(entries)), frameon=False, **legend)
    else:
        ax.legend(loc="best", **legend)
    return fig


def _draw_floors(draw_line, chance: float | None, majority: float | None) -> None:
    """Guessing (dotted) and, when the classes are unbalanced, the most common genre (dashed)."""
    if chance is not None:
        draw_line(chance, color="grey", linestyle=":", label=f"chance ({100 * chance:.0f} %)")
    if majority is not None and (chance is None or majority > chance + MAJORITY_MARGIN):
        draw_line(majority, color="grey", linestyle="--", label=f"most common genre ({100 * majority:.0f} %)")


def _errors(mean: np.ndarray, low, high) -> np.ndarray:
    """Error-bar lengths below and above ``mean``, 0 where the interval is missing."""
    return np.nan_to_num(np.vstack([mean - np.asarray(low, float), np.asarray(high, float) - mean]))


def _not_learned(table: pd.DataFrame) -> np.ndarray:
    """Per row, whether some of its runs did not learn."""
    return table["not_learned"].fillna(0).to_numpy(float) > 0 if "not_learned" in table else np.zeros(len(table), bool)


def _ranked(table: pd.DataFrame) -> pd.DataFrame:
    """Rows best first, setting columns filled in; a table without the comparison table's columns is refused."""
    wanted = ("dataset", "split", "segment_seconds", "model", "mean", "ci_low", "ci_high", "train_seconds")
    if missing := [c for c in wanted if c not in table.columns]:
        raise ValueError(f"expected a comparison table (analysis.comparison.comparison_table); it lacks {missing}")
    if table.empty:
        raise ValueError("the comparison table is empty: no entries to draw")
    return runs_frame(table).sort_values("mean", ascending=False, kind="stable").reset_index(drop=True)


def _names(table: pd.DataFrame) -> list[str]:
    """Entry labels, with the setting added when the table spans several settings."""
    names = table["label"].tolist() if "label" in table.columns else table["model"].astype(str).tolist()
    if len(table[SETTING].drop_duplicates()) > 1:
        names = [f"{name} · {setting_label(row)}" for name, row in zip(names, table.itertuples(index=False))]
    return names


def _figure(ax, size, layout=None):
    return plt.subplots(figsize=size, layout=layout) if ax is None else (ax.figure, ax)

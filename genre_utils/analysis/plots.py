"""The study's figures: training and learning curves, confusion matrices, accuracies across seeds, contenders.

Each function draws on a new figure (or the ``ax`` given) with labelled axes and returns the
figure, so notebooks stay one call per plot. The contender figures read the tables of
:mod:`genre_utils.analysis.comparison` and name entries by their ``label`` column.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from genre_utils.analysis.comparison import MIN_RUNS_FOR_INTERVAL, SETTING, learned_mask, runs_frame, setting_label

CURVES = (("loss", "val_loss", "categorical cross-entropy"), ("accuracy", "val_accuracy", "accuracy"))
CONFUSION_CMAP = "Blues"
F1_CMAP = "viridis"
ACCURACY_AXIS = "per-track test accuracy"
ACCURACY_LIMITS = (0, 1.03)  # a little room for points at 1
THESIS_STYLE = {"marker": "x", "color": "red", "s": 60, "zorder": 3}
NOT_LEARNED_STYLE = {"marker": "X", "color": "crimson", "s": 30, "zorder": 3}  # a run that did not learn
MEAN_COLOR = "tab:blue"
RUN_COLOR = "dimgrey"
RUN_OFFSET = 0.22  # runs sit just below their entry's mean
MAJORITY_MARGIN = 0.005  # the most-common-genre line is drawn when it lies this far above guessing (unbalanced)


def plot_history(history: pd.DataFrame, title: str = "", best_epoch: int | None = None) -> plt.Figure:
    """Loss and accuracy per epoch, training vs validation (as the thesis's figures).

    Args:
        history: ``history.csv`` of a run (``epoch``, ``loss``, ``val_loss``, ``accuracy`` ...).
        title: Figure title.
        best_epoch: Marked with a dashed line (the weights early stopping kept).
    """
    missing = [c for pair in CURVES for c in pair[:2] if c not in history.columns]
    if missing:
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
    """Heat map of a confusion matrix, rows = true genre, columns = predicted (thesis layout).

    With ``normalize`` each row shows the share of that genre's tracks (its recall on the
    diagonal), annotated as a percentage; otherwise raw counts.
    """
    values = confusion.to_numpy(dtype=float)
    if normalize:
        totals = values.sum(axis=1, keepdims=True)
        values = np.divide(values, totals, out=np.zeros_like(values), where=totals > 0)
    fig, ax = _figure(ax, (6.5, 5.5))
    sns.heatmap(
        pd.DataFrame(values, index=confusion.index, columns=confusion.columns),
        ax=ax,
        cmap=CONFUSION_CMAP,
        annot=True,
        fmt=".0%" if normalize else "g",
        vmin=0,
        vmax=1 if normalize else None,
        square=True,
        cbar_kws={"label": "share of the true genre's tracks" if normalize else "tracks"},
        annot_kws={"fontsize": 7},
    )
    ax.set(xlabel="predicted genre", ylabel="true genre", title=title)
    fig.tight_layout()
    return fig


def plot_seed_accuracies(runs: pd.DataFrame, title: str = "", thesis: dict | None = None, ax=None) -> plt.Figure:
    """Per-track test accuracy of every seed (dots) and their mean (bar) per model and setting.

    A run that did not learn (:mod:`genre_utils.experiment.learning_check`) carries a red cross.

    Args:
        runs: Runs table (``model``, ``accuracy`` and a ``setting`` column to group by).
        thesis: ``{model: accuracy}`` drawn as horizontal marks for comparison.
    """
    fig, ax = _figure(ax, (8, 4))
    hue = "setting" if "setting" in runs.columns and runs["setting"].nunique() > 1 else None
    sns.barplot(data=runs, x="model", y="accuracy", hue=hue, errorbar=None, alpha=0.5, ax=ax)
    sns.stripplot(
        data=runs,
        x="model",
        y="accuracy",
        hue=hue,
        dodge=hue is not None,
        color="black" if hue is None else None,
        legend=False,
        ax=ax,
    )
    flat = runs[~learned_mask(runs)]
    if hue is None and not flat.empty:
        order = {model: position for position, model in enumerate(runs["model"].drop_duplicates())}
        ax.scatter(flat["model"].map(order), flat["accuracy"], label="did not learn", **NOT_LEARNED_STYLE)
    for position, model in enumerate(runs["model"].drop_duplicates()):
        if thesis and model in thesis:
            ax.hlines(
                thesis[model],
                position - 0.4,
                position + 0.4,
                colors="red",
                linestyles="--",
                label="thesis" if position == 0 else None,
            )
    ax.set(xlabel="model", ylabel="per-track test accuracy", ylim=(0, 1), title=title)
    if thesis or hue or (hue is None and not flat.empty):
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_per_genre(table: pd.DataFrame, value: str = "f1", title: str = "", ax=None) -> plt.Figure:
    """Grouped bars of a per-genre score: rows = genre, columns = models (or settings)."""
    fig, ax = _figure(ax, (10, 3.8))
    long = table.reset_index().melt(id_vars=table.index.name or "index", var_name="model", value_name=value)
    sns.barplot(data=long, x=table.index.name or "index", y=value, hue="model", ax=ax)
    ax.set(xlabel="genre", ylabel=value, ylim=(0, 1), title=title)
    ax.tick_params(axis="x", rotation=30)
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
    """Mean accuracy per entry, each run beside it, and its spread (horizontal), best at the top.

    Args:
        table: :func:`genre_utils.analysis.comparison.comparison_table` (one setting, or several: then each
            entry's label says its setting).
        chance: Accuracy of guessing (1 / number of genres), drawn as a dotted line when given.
        title: Axes title.
        majority: Accuracy of always answering the most common genre, drawn as a dashed line
            when given and above ``chance`` (an unbalanced test set).
        runs: The runs behind ``table`` (:func:`genre_utils.experiment.runner.collect_runs`): each seed's (or
            fold's) accuracy is drawn as a small point beside the mean, a run that did not learn as a
            red cross (:mod:`genre_utils.experiment.learning_check`).

    The spread is the 95 % interval from :data:`~genre_utils.analysis.comparison.MIN_RUNS_FOR_INTERVAL` runs
    up, the range (dashed) for fewer, nothing for one run. An entry with a run that did not learn
    has a hollow mean. The thesis's own figure is marked with a red cross where the table has one.
    """
    table = _ranked(table, "mean")
    own = ax is None
    fig, ax = _figure(ax, (8, 1.6 + 0.45 * len(table)), layout="constrained")
    y = np.arange(len(table))
    mean = table["mean"].to_numpy(float)
    ax.plot(mean, y, "o", color=MEAN_COLOR, label="mean over runs", zorder=3)
    flat = (
        table["not_learned"].fillna(0).to_numpy(float) > 0 if "not_learned" in table.columns else np.zeros(len(y), bool)
    )
    if flat.any():
        ax.scatter(
            mean[flat],
            y[flat],
            facecolors="white",
            edgecolors=MEAN_COLOR,
            zorder=4,
            s=36,
            label="mean, some runs did not learn",
        )
    counts = table["n"].to_numpy(float) if "n" in table.columns else np.ones(len(y))
    wide = counts >= MIN_RUNS_FOR_INTERVAL
    if wide.any():
        errors = np.nan_to_num(
            np.vstack([mean - table["ci_low"].to_numpy(float), table["ci_high"].to_numpy(float) - mean])
        )[:, wide]
        ax.errorbar(
            mean[wide], y[wide], xerr=errors, fmt="none", capsize=4, color=MEAN_COLOR, label="95 % interval over runs"
        )
    narrow = (counts > 1) & ~wide & {"min", "max"}.issubset(table.columns)
    if narrow.any():
        ax.hlines(
            y[narrow],
            table["min"].to_numpy(float)[narrow],
            table["max"].to_numpy(float)[narrow],
            colors=MEAN_COLOR,
            linestyles="--",
            linewidth=1,
            label=f"range (under {MIN_RUNS_FOR_INTERVAL} runs: no interval)",
        )
    if runs is not None and not runs.empty:
        _draw_runs(ax, table, runs, y)
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


def _draw_runs(ax, table: pd.DataFrame, runs: pd.DataFrame, y: np.ndarray) -> None:
    """Each run's accuracy as a small point below its entry's mean; a run that did not learn as a red cross."""
    frame = runs_frame(runs, [*SETTING, "model", "features", "accuracy"])
    frame = frame[frame["accuracy"].notna()]
    keys = [*SETTING, "model", "features"]
    position = {tuple(row): index for index, row in zip(y, runs_frame(table)[keys].itertuples(index=False, name=None))}
    frame = frame.assign(row=[position.get(key) for key in frame[keys].itertuples(index=False, name=None)])
    frame = frame[frame["row"].notna()]
    learned = learned_mask(frame).to_numpy(bool)
    rows = frame["row"].to_numpy(float) + RUN_OFFSET
    accuracy = frame["accuracy"].to_numpy(float)
    if learned.any():
        ax.scatter(accuracy[learned], rows[learned], s=12, color=RUN_COLOR, zorder=2, label="one run (seed or fold)")
    if (~learned).any():
        ax.scatter(accuracy[~learned], rows[~learned], label="a run that did not learn", **NOT_LEARNED_STYLE)


def plot_accuracy_vs_time(table: pd.DataFrame, title: str = "", ax=None) -> plt.Figure:
    """Mean accuracy (with its 95 % interval) against mean training time per run, log time axis.

    One labelled point per entry of :func:`genre_utils.analysis.comparison.comparison_table`; entries
    without a positive training time cannot sit on a log axis and are left out.

    Raises:
        ValueError: No entry has a positive training time.
    """
    table = _ranked(table, "mean")
    table = table[np.isfinite(table["train_seconds"].to_numpy(float)) & (table["train_seconds"] > 0)]
    if table.empty:
        raise ValueError("no entry has a positive train_seconds to place on the time axis")
    fig, ax = _figure(ax, (8, 5))
    x, mean = table["train_seconds"].to_numpy(float), table["mean"].to_numpy(float)
    errors = np.nan_to_num(np.vstack([mean - table["ci_low"].to_numpy(float), table["ci_high"].to_numpy(float) - mean]))
    ax.errorbar(x, mean, yerr=errors, fmt="o", capsize=4)
    for name, point in zip(_names(table), zip(x, mean)):
        ax.annotate(name, point, xytext=(6, 4), textcoords="offset points", fontsize=8)
    ax.set_xscale("log")
    ax.margins(x=0.2)
    ax.set(xlabel="mean training time per run (s, log scale)", ylabel=ACCURACY_AXIS, ylim=ACCURACY_LIMITS, title=title)
    fig.tight_layout()
    return fig


def plot_f1_heatmap(matrix: pd.DataFrame, title: str = "", ax=None) -> plt.Figure:
    """Heat map of F1 per entry (rows) and genre (columns), e.g. :func:`genre_utils.analysis.comparison.f1_by_genre`."""
    if matrix.empty:
        raise ValueError("the F1 matrix is empty: no runs to draw")
    fig, ax = _figure(ax, (max(6.0, 3 + 0.8 * matrix.shape[1]), 1.5 + 0.5 * matrix.shape[0]))
    sns.heatmap(
        matrix.astype(float),
        ax=ax,
        cmap=F1_CMAP,
        vmin=0,
        vmax=1,
        annot=True,
        fmt=".2f",
        cbar_kws={"label": "F1 (mean over runs)"},
        annot_kws={"fontsize": 7},
    )
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
    """Accuracy against the number of training tracks (log axis), one line per contender with its spread.

    The band is the 95 % interval across runs from :data:`~genre_utils.analysis.comparison.MIN_RUNS_FOR_INTERVAL`
    runs per point, the hatched range for fewer; a point where a run did not learn carries a red cross.
    With ``runs`` (the curve's runs table) each run is a small dot at its point.

    Args:
        table: :func:`genre_utils.analysis.learning_curve.curve_table` (``label``, ``train_tracks``, ``mean``,
            ``ci_low``, ``ci_high``); a point of one run has no band.
        chance: Accuracy of guessing, drawn as a dotted line when given.
        majority: Accuracy of always answering the most common genre, drawn as a dashed line
            when given and above ``chance``.

    Raises:
        ValueError: The table is empty or lacks a column.
    """
    missing = [c for c in ("label", "train_tracks", "mean", "ci_low", "ci_high") if c not in table.columns]
    if missing or table.empty:
        raise ValueError(
            f"expected a non-empty learning-curve table (genre_utils.analysis.learning_curve.curve_table); "
            f"it lacks {missing or 'rows'}"
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
            ax.fill_between(
                rows["train_tracks"],
                rows["min"],
                rows["max"],
                color=line.get_color(),
                alpha=0.08,
                hatch="//",
                edgecolor=line.get_color(),
                linewidth=0,
            )
        if runs is not None and not runs.empty:
            _draw_curve_runs(ax, runs, rows, line.get_color())
        flat = rows["not_learned"].fillna(0).to_numpy(float) > 0 if "not_learned" in rows.columns else None
        if flat is not None and flat.any():
            ax.scatter(
                rows["train_tracks"][flat],
                rows["mean"][flat],
                label=None if crossed else "some runs did not learn (left out of the verdict)",
                **NOT_LEARNED_STYLE,
            )
            crossed = True
    _draw_floors(ax.axhline, chance, majority)
    ticks = sorted({int(round(x)) for x in table["train_tracks"]})
    ax.set_xscale("log")
    ax.set_xticks(ticks, [str(t) for t in ticks])
    ax.minorticks_off()
    ax.set(xlabel="training tracks (log scale)", ylabel=ACCURACY_AXIS, ylim=ACCURACY_LIMITS, title=title)
    ax.legend(
        fontsize=8,
        title=f"mean over runs; band: 95 % interval (hatched: range, under {MIN_RUNS_FOR_INTERVAL} runs)",
        title_fontsize=8,
    )
    fig.tight_layout()
    return fig


def _draw_curve_runs(ax, runs: pd.DataFrame, rows: pd.DataFrame, color) -> None:
    """One contender's runs on the curve as small dots (each seed or fold), at their number of training tracks."""
    share = runs["train_fraction"].fillna(1.0) if "train_fraction" in runs.columns else pd.Series(1.0, runs.index)
    mine = runs[
        runs["model"].isin(rows["model"]) & runs["features"].isin(rows["features"]) & share.isin(rows["train_fraction"])
    ]
    tracks = mine.assign(train_fraction=share[mine.index]).merge(
        rows[["train_fraction", "train_tracks"]], on="train_fraction", suffixes=("_run", "")
    )
    ax.scatter(tracks["train_tracks"], tracks["accuracy"], s=10, color=color, alpha=0.6, zorder=2)


def _draw_floors(draw_line, chance: float | None, majority: float | None) -> None:
    """Guessing (dotted) and, when the classes are unbalanced, the most common genre (dashed)."""
    if chance is not None:
        draw_line(chance, color="grey", linestyle=":", label=f"chance ({100 * chance:.0f} %)")
    if majority is not None and (chance is None or majority > chance + MAJORITY_MARGIN):
        draw_line(majority, color="grey", linestyle="--", label=f"most common genre ({100 * majority:.0f} %)")


def _ranked(table: pd.DataFrame, value: str) -> pd.DataFrame:
    """Rows best first, setting columns filled in; a table without the comparison table's columns is refused."""
    missing = [
        c
        for c in ("dataset", "split", "segment_seconds", "model", "mean", "ci_low", "ci_high", "train_seconds")
        if c not in table.columns
    ]
    if missing:
        raise ValueError(
            f"expected a comparison table (genre_utils.analysis.comparison.comparison_table); it lacks {missing}"
        )
    if table.empty:
        raise ValueError("the comparison table is empty: no entries to draw")
    return runs_frame(table).sort_values(value, ascending=False, kind="stable").reset_index(drop=True)


def _names(table: pd.DataFrame) -> list[str]:
    """Entry labels, with the setting added when the table spans several settings."""
    names = table["label"].tolist() if "label" in table.columns else table["model"].astype(str).tolist()
    if len(table[SETTING].drop_duplicates()) > 1:
        names = [f"{name} · {setting_label(row)}" for name, row in zip(names, table.itertuples(index=False))]
    return names


def _figure(ax, size, layout=None):
    if ax is None:
        fig, ax = plt.subplots(figsize=size, layout=layout)
        return fig, ax
    return ax.figure, ax

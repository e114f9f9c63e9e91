"""The study's figures: training and learning curves, confusion matrices, accuracies across seeds, contenders.

Each function draws on a new figure (or the ``ax`` given) with labelled axes and returns the
figure, so notebooks stay one call per plot. The contender figures read the tables of
:mod:`genre_utils.comparison` and name entries by their ``label`` column.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from genre_utils.comparison import SETTING, runs_frame, setting_label

CURVES = (("loss", "val_loss", "categorical cross-entropy"), ("accuracy", "val_accuracy", "accuracy"))
CONFUSION_CMAP = "Blues"
F1_CMAP = "viridis"
ACCURACY_AXIS = "per-track test accuracy"
ACCURACY_LIMITS = (0, 1.03)  # a little room for points at 1
THESIS_STYLE = {"marker": "x", "color": "red", "s": 60, "zorder": 3}
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
    sns.heatmap(pd.DataFrame(values, index=confusion.index, columns=confusion.columns), ax=ax, cmap=CONFUSION_CMAP,
                annot=True, fmt=".0%" if normalize else "g", vmin=0, vmax=1 if normalize else None, square=True,
                cbar_kws={"label": "share of the true genre's tracks" if normalize else "tracks"},
                annot_kws={"fontsize": 7})
    ax.set(xlabel="predicted genre", ylabel="true genre", title=title)
    fig.tight_layout()
    return fig


def plot_seed_accuracies(runs: pd.DataFrame, title: str = "", thesis: dict | None = None, ax=None) -> plt.Figure:
    """Per-track test accuracy of every seed (dots) and their mean (bar) per model and setting.

    Args:
        runs: Runs table (``model``, ``accuracy`` and a ``setting`` column to group by).
        thesis: ``{model: accuracy}`` drawn as horizontal marks for comparison.
    """
    fig, ax = _figure(ax, (8, 4))
    hue = "setting" if "setting" in runs.columns and runs["setting"].nunique() > 1 else None
    sns.barplot(data=runs, x="model", y="accuracy", hue=hue, errorbar=None, alpha=0.5, ax=ax)
    sns.stripplot(data=runs, x="model", y="accuracy", hue=hue, dodge=hue is not None, color="black" if hue is None
                  else None, legend=False, ax=ax)
    for position, model in enumerate(runs["model"].drop_duplicates()):
        if thesis and model in thesis:
            ax.hlines(thesis[model], position - 0.4, position + 0.4, colors="red", linestyles="--",
                      label="thesis" if position == 0 else None)
    ax.set(xlabel="model", ylabel="per-track test accuracy", ylim=(0, 1), title=title)
    if thesis or hue:
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


def plot_contender_accuracy(table: pd.DataFrame, chance: float | None = None, title: str = "",
                            ax=None, majority: float | None = None) -> plt.Figure:
    """Mean accuracy per entry with its 95 % interval (horizontal bars), best at the top.

    Args:
        table: :func:`genre_utils.comparison.comparison_table` (one setting, or several: then each
            entry's label says its setting).
        chance: Accuracy of guessing (1 / number of genres), drawn as a dotted line when given.
        title: Axes title.
        majority: Accuracy of always answering the most common genre, drawn as a dashed line
            when given and above ``chance`` (an unbalanced test set).

    The thesis's own figure is marked with a red cross where the table has one; an entry with
    one run has no interval.
    """
    table = _ranked(table, "mean")
    own = ax is None
    fig, ax = _figure(ax, (8, 1.6 + 0.45 * len(table)), layout="constrained")
    y = np.arange(len(table))
    mean = table["mean"].to_numpy(float)
    errors = np.nan_to_num(np.vstack([mean - table["ci_low"].to_numpy(float), table["ci_high"].to_numpy(float) - mean]))
    ax.errorbar(mean, y, xerr=errors, fmt="o", capsize=4, label="mean over runs, 95 % interval")
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


def plot_accuracy_vs_time(table: pd.DataFrame, title: str = "", ax=None) -> plt.Figure:
    """Mean accuracy (with its 95 % interval) against mean training time per run, log time axis.

    One labelled point per entry of :func:`genre_utils.comparison.comparison_table`; entries
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
    """Heat map of F1 per entry (rows) and genre (columns), e.g. :func:`genre_utils.comparison.f1_by_genre`."""
    if matrix.empty:
        raise ValueError("the F1 matrix is empty: no runs to draw")
    fig, ax = _figure(ax, (max(6.0, 3 + 0.8 * matrix.shape[1]), 1.5 + 0.5 * matrix.shape[0]))
    sns.heatmap(matrix.astype(float), ax=ax, cmap=F1_CMAP, vmin=0, vmax=1, annot=True, fmt=".2f",
                cbar_kws={"label": "F1 (mean over runs)"}, annot_kws={"fontsize": 7})
    ax.set(xlabel="genre", ylabel="contender", title=title)
    ax.tick_params(axis="x", rotation=30)
    fig.tight_layout()
    return fig


def plot_learning_curve(table: pd.DataFrame, chance: float | None = None, title: str = "", ax=None,
                        majority: float | None = None) -> plt.Figure:
    """Accuracy against the number of training tracks (log axis), one line per contender with its interval band.

    Args:
        table: :func:`genre_utils.learning_curve.curve_table` (``label``, ``train_tracks``, ``mean``,
            ``ci_low``, ``ci_high``); a point of one run has no band.
        chance: Accuracy of guessing, drawn as a dotted line when given.
        majority: Accuracy of always answering the most common genre, drawn as a dashed line
            when given and above ``chance``.

    Raises:
        ValueError: The table is empty or lacks a column.
    """
    missing = [c for c in ("label", "train_tracks", "mean", "ci_low", "ci_high") if c not in table.columns]
    if missing or table.empty:
        raise ValueError(f"expected a non-empty learning-curve table (genre_utils.learning_curve.curve_table); "
                         f"it lacks {missing or 'rows'}")
    fig, ax = _figure(ax, (8, 5))
    for label, rows in table.groupby("label", sort=False):
        rows = rows.sort_values("train_tracks")
        line, = ax.plot(rows["train_tracks"], rows["mean"], marker="o", label=label)
        ax.fill_between(rows["train_tracks"], rows["ci_low"], rows["ci_high"], color=line.get_color(), alpha=0.15)
    _draw_floors(ax.axhline, chance, majority)
    ticks = sorted({int(round(x)) for x in table["train_tracks"]})
    ax.set_xscale("log")
    ax.set_xticks(ticks, [str(t) for t in ticks])
    ax.minorticks_off()
    ax.set(xlabel="training tracks (log scale)", ylabel=ACCURACY_AXIS, ylim=ACCURACY_LIMITS, title=title)
    ax.legend(fontsize=8, title="mean over seeds, 95 % interval", title_fontsize=8)
    fig.tight_layout()
    return fig


def _draw_floors(draw_line, chance: float | None, majority: float | None) -> None:
    """Guessing (dotted) and, when the classes are unbalanced, the most common genre (dashed)."""
    if chance is not None:
        draw_line(chance, color="grey", linestyle=":", label=f"chance ({100 * chance:.0f} %)")
    if majority is not None and (chance is None or majority > chance + MAJORITY_MARGIN):
        draw_line(majority, color="grey", linestyle="--", label=f"most common genre ({100 * majority:.0f} %)")


def _ranked(table: pd.DataFrame, value: str) -> pd.DataFrame:
    """Rows best first, setting columns filled in; a table without the comparison table's columns is refused."""
    missing = [c for c in ("dataset", "split", "segment_seconds", "model", "mean", "ci_low", "ci_high",
                           "train_seconds") if c not in table.columns]
    if missing:
        raise ValueError(f"expected a comparison table (genre_utils.comparison.comparison_table); it lacks {missing}")
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

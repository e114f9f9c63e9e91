"""The study's figures: training curves, confusion matrices, accuracies across seeds.

Each function draws on a new figure (or the ``ax`` given) with labelled axes and returns the
figure, so notebooks stay one call per plot.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

CURVES = (("loss", "val_loss", "categorical cross-entropy"), ("accuracy", "val_accuracy", "accuracy"))
CONFUSION_CMAP = "Blues"


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


def _figure(ax, size):
    if ax is None:
        fig, ax = plt.subplots(figsize=size)
        return fig, ax
    return ax.figure, ax

"""The figure of notebook 07: each thesis model's accuracy under each reading of its open choices.

One row per model of :func:`genre_utils.analysis.readings.readings_table` (the thesis CNN and LSTM as read
here, then the readings), its mean per-track accuracy with the 95 % interval across runs, each run
as a dot (hollow where the run did not learn), coloured by the model it reads; dashed lines carry
the two thesis models' accuracy as read here down the figure, so each reading is read against them.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from genre_utils.analysis.comparison import learned_mask
from genre_utils.analysis.readings import LEADING, TRAILING

SIDE_COLORS = {LEADING: "tab:blue", TRAILING: "tab:orange"}  # the thesis CNN's readings, the LSTM's
OTHER_COLOR = "tab:gray"  # a reading of another contender
RUN_OFFSET = 0.18  # the runs' dots sit under their model's mean
ACCURACY_LIMITS = (0.0, 1.0)


def plot_readings(
    table: pd.DataFrame, runs: pd.DataFrame | None = None, chance: float | None = None, title: str = ""
) -> plt.Figure:
    """Accuracy per model and reading, with intervals, runs and the thesis models' accuracy as read here.

    Args:
        table: :func:`genre_utils.analysis.readings.readings_table` (columns ``model``, ``title``,
            ``reading_of``, ``mean``, ``ci_low``, ``ci_high``).
        runs: The runs behind it (``model``, ``accuracy`` and, where present, ``learned``); None
            draws the means only.
        chance: Accuracy of guessing, drawn as a dotted line.

    Raises:
        ValueError: An empty table.
    """
    if table.empty:
        raise ValueError("the readings table is empty: no runs to draw")
    table = table.reset_index(drop=True)
    sides = [
        model if model in SIDE_COLORS else reading_of
        for model, reading_of in zip(table["model"], table["reading_of"].fillna(""))
    ]
    colors = [SIDE_COLORS.get(side, OTHER_COLOR) for side in sides]
    rows = np.arange(len(table), dtype=float)
    fig, ax = plt.subplots(figsize=(8, 1.2 + 0.6 * len(table)))
    mean = table["mean"].to_numpy(float)
    errors = np.nan_to_num(np.vstack([mean - table["ci_low"].to_numpy(float), table["ci_high"].to_numpy(float) - mean]))
    for row, value, error, color in zip(rows, mean, errors.T, colors):
        ax.errorbar(value, row, xerr=error.reshape(2, 1), fmt="o", color=color, capsize=4, markersize=7, zorder=3)
    for model, label in ((LEADING, "CNN as read here"), (TRAILING, "LSTM as read here")):
        base = table.loc[table["model"] == model, "mean"]
        if not base.empty:
            ax.axvline(float(base.iloc[0]), color=SIDE_COLORS[model], linestyle="--", linewidth=1, label=label)
    if runs is not None and not runs.empty:
        _draw_runs(ax, table, runs, dict(zip(table["model"], colors)))
    if chance is not None:
        ax.axvline(chance, color="black", linestyle=":", linewidth=1, label="guessing")
    ax.set_yticks(rows, [f"{t}\n({m})" for t, m in zip(table["title"], table["model"])], fontsize=8)
    ax.invert_yaxis()
    ax.set(xlabel="per-track test accuracy (mean, 95 % interval across runs)", xlim=ACCURACY_LIMITS, title=title)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    return fig


def _draw_runs(ax, table: pd.DataFrame, runs: pd.DataFrame, colors: dict) -> None:
    """One dot per run under its model's row; hollow where the run did not learn."""
    position = {model: row for row, model in enumerate(table["model"])}
    runs = runs[runs["model"].isin(position)]
    learned = learned_mask(runs).to_numpy(bool)
    rows = runs["model"].map(position).to_numpy(float) + RUN_OFFSET
    accuracy = runs["accuracy"].to_numpy(float)
    color = runs["model"].map(colors).tolist()
    ax.scatter(
        accuracy[learned],
        rows[learned],
        s=14,
        c=[c for c, ok in zip(color, learned) if ok],
        zorder=2,
        label="one run (seed or fold)",
    )
    if (~learned).any():
        ax.scatter(
            accuracy[~learned],
            rows[~learned],
            s=30,
            facecolors="none",
            edgecolors=[c for c, ok in zip(color, learned) if not ok],
            zorder=2,
            label="a run that did not learn",
        )

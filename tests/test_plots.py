"""Every figure draws on the Agg backend, with labelled axes and one mark per entry."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from comparison_fixtures import LABELS, build_runs, write_run  # noqa: E402

from genre_utils.analysis import (
    comparison,  # noqa: E402
    plots,
)

THESIS_ORDER = ["Alpha net", "Gamma probe", "Beta forest"]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture
def runs(tmp_path):
    return build_runs(tmp_path)


@pytest.fixture
def table(runs, monkeypatch):
    monkeypatch.setitem(comparison.THESIS_ACCURACY, ("toy", "alpha"), 0.6)
    return comparison.comparison_table(runs, LABELS)


def _thesis(table):
    return table[table["split"] == "thesis"]


def test_contender_accuracy_one_point_and_interval_per_entry(table):
    fig = plots.plot_contender_accuracy(_thesis(table), chance=0.5, title="toy")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == THESIS_ORDER
    points = ax.lines[0]
    assert points.get_xdata().tolist() == pytest.approx([59 / 60, 55 / 60, 31 / 60])
    thesis_marks = [c for c in ax.collections if c.get_label() == "thesis (one run)"]
    assert len(thesis_marks) == 1 and thesis_marks[0].get_offsets().tolist() == [[0.6, 0.0]]
    assert any(list(line.get_xdata()) == [0.5, 0.5] for line in ax.lines)  # the chance line
    assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title() == "toy"


def test_each_run_beside_its_mean_a_cross_where_it_did_not_learn_and_a_range_under_three_runs(runs):
    flagged = runs[runs["split"] == "thesis"].assign(learned=True)
    flagged.loc[(flagged["model"] == "beta") & (flagged["seed"] == 1), "learned"] = False
    table = comparison.comparison_table(flagged, LABELS)
    ax = plots.plot_contender_accuracy(table, chance=0.5, runs=flagged).axes[0]
    by_label = {c.get_label(): c for c in ax.collections}
    assert len(by_label["one run (seed or fold)"].get_offsets()) == 8
    crosses = by_label["a run that did not learn"].get_offsets()
    assert len(crosses) == 1 and crosses[0][1] == pytest.approx(2 + plots.RUN_OFFSET)  # Beta forest, third row
    assert len(by_label["mean, some runs did not learn"].get_offsets()) == 1
    assert "95 % interval over runs" in [t.get_text() for t in ax.figure.legends[0].get_texts()]
    two = flagged[flagged["seed"] < 2]
    ax = plots.plot_contender_accuracy(comparison.comparison_table(two, LABELS), runs=two).axes[0]
    legend = [t.get_text() for t in ax.figure.legends[0].get_texts()]
    assert "range (under 3 runs: no interval)" in legend and "95 % interval over runs" not in legend


def test_an_unbalanced_test_set_adds_the_most_common_genre_line_a_balanced_one_does_not(table, tmp_path):
    balanced = pd.DataFrame([write_run(tmp_path / "balanced", "alpha", 0, set())])
    unbalanced = pd.DataFrame([write_run(tmp_path / "unbalanced", "alpha", 0, set(), tracks=range(16))])
    assert comparison.genre_count(unbalanced) == 2
    assert comparison.majority_rate(balanced) == 0.5
    assert comparison.majority_rate(unbalanced) == 10 / 16  # 10 blues, 6 rock

    def floors(majority):
        ax = plots.plot_contender_accuracy(_thesis(table), chance=0.5, majority=majority).axes[0]
        return sorted(line.get_xdata()[0] for line in ax.lines[1:] if line.get_linestyle() in (":", "--"))

    assert floors(comparison.majority_rate(balanced)) == [0.5]
    assert floors(comparison.majority_rate(unbalanced)) == [0.5, 0.625]
    labels = [
        t.get_text()
        for t in plots.plot_contender_accuracy(_thesis(table), chance=0.5, majority=0.625).legends[0].get_texts()
    ]
    assert "most common genre (62 %)" in labels


def test_contender_accuracy_names_the_setting_when_there_are_several(table):
    honest = table[table["split"].isin(["thesis", "file"])]
    labels = [t.get_text() for t in plots.plot_contender_accuracy(honest).axes[0].get_yticklabels()]
    assert len(labels) == 5 and "Beta forest · toy · split file custom_split.csv · 3 s segments" in labels
    assert not [
        c
        for c in plots.plot_contender_accuracy(honest[honest["split"] == "file"]).axes[0].collections
        if c.get_label() == "thesis (one run)"
    ]


def test_accuracy_against_training_time(table):
    fig = plots.plot_accuracy_vs_time(_thesis(table))
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and ax.get_xlabel() and ax.get_ylabel()
    assert [t.get_text() for t in ax.texts] == THESIS_ORDER
    assert ax.lines[0].get_xdata().tolist() == pytest.approx([121.0, 31.0, 3.5])
    with pytest.raises(ValueError, match="train_seconds"):
        plots.plot_accuracy_vs_time(_thesis(table).assign(train_seconds=np.nan))


def test_f1_heatmap(runs):
    matrix = comparison.f1_by_genre(runs[runs["split"] == "kfold"], LABELS)
    ax = plots.plot_f1_heatmap(matrix, title="F1").axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == matrix.index.tolist()
    assert [t.get_text() for t in ax.get_xticklabels()] == ["blues", "rock"]
    assert len(ax.texts) == matrix.size and ax.get_xlabel() == "genre" and ax.get_ylabel() == "contender"
    with pytest.raises(ValueError, match="empty"):
        plots.plot_f1_heatmap(pd.DataFrame())


def test_the_earlier_figures_still_draw(runs):
    alpha = runs[(runs["split"] == "thesis") & (runs["model"] == "alpha")]
    ax = plots.plot_confusion(comparison.summed_confusion(alpha), title="alpha").axes[0]
    assert ax.get_xlabel() == "predicted genre" and len(ax.texts) == 4
    history = pd.DataFrame(
        {
            "epoch": [1, 2],
            "loss": [1.0, 0.5],
            "val_loss": [1.1, 0.7],
            "accuracy": [0.5, 0.7],
            "val_accuracy": [0.4, 0.6],
        }
    )
    assert len(plots.plot_history(history, best_epoch=2).axes) == 2


def test_a_table_that_is_not_a_comparison_table_is_refused():
    with pytest.raises(ValueError, match="comparison table"):
        plots.plot_contender_accuracy(pd.DataFrame({"model": ["a"]}))

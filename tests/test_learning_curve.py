"""The learning curve: nested training subsets in the runner, the curve's table, the generated answer."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from genre_utils.analysis import learning_curve
from genre_utils.experiment import plans
from genre_utils.experiment.runner import RunSpec, finished_result, make_inputs, run_folder, run_one, sweep, train_plan
from genre_utils.models import contender_names, get_contender
from genre_utils.models.thesis_results import THESIS_PAIR
from genre_utils.study.settings import StudySettings

TRAILING, LEADING = THESIS_PAIR
SIZES = {0.125: 18, 0.5: 72, 1.0: 144}  # training tracks at each share


def runs_table(accuracy: dict, seeds=(0, 1, 2), spread: float = 0.0) -> pd.DataFrame:
    """A runs table as ``collect_runs`` gives it: ``accuracy[(model, share)]`` per seed, plus ``spread * seed``."""
    rows = []
    for (model, share), value in accuracy.items():
        for seed in seeds:
            score = value + spread * (seed - 1) * (model == LEADING)
            rows.append(
                {
                    "dataset": "synthetic",
                    "split": "thesis",
                    "segment_seconds": 3.0,
                    "model": model,
                    "features": get_contender(model).features,
                    "seed": seed,
                    "train_fraction": share,
                    "train_tracks": SIZES[share],
                    "accuracy": score,
                    "balanced_accuracy": score - 0.01,
                    "macro_f1": score - 0.02,
                    "train_seconds": 10 * share,
                }
            )
    return pd.DataFrame(rows)


def answer(runs: pd.DataFrame, dataset: str = "synthetic") -> str:
    return learning_curve.gap_sentence(learning_curve.gap_table(runs), dataset)


def gaps(small: float, large: float) -> dict:
    """Accuracies where the leading model is ahead by ``small`` at the smallest share and ``large`` at all data."""
    return {
        (LEADING, 0.125): 0.5,
        (TRAILING, 0.125): 0.5 - small,
        (LEADING, 0.5): 0.6,
        (TRAILING, 0.5): 0.55,
        (LEADING, 1.0): 0.8,
        (TRAILING, 1.0): 0.8 - large,
    }


def test_a_run_spec_names_its_share_and_keeps_the_full_data_name():
    full = RunSpec("synthetic", "svm", segment_seconds=3.0)
    assert (
        full.name
        == "svm-mfcc-thesis-seg3s-seed0"
        == RunSpec("synthetic", "svm", segment_seconds=3.0, train_fraction=1).name
    )
    assert RunSpec("synthetic", "svm", segment_seconds=3.0, train_fraction=0.125).name == f"{full.name}-train0.125"
    for bad in (0, 1.5, -1, True):
        with pytest.raises(ValueError, match=r"train_fraction must be a number in \(0, 1\]"):
            RunSpec("synthetic", "cnn", train_fraction=bad)
    with pytest.raises(ValueError, match="train_fraction applies to splits by track"):
        RunSpec("synthetic", "cnn", split="random_segments", segment_seconds=3.0, train_fraction=0.5)


def test_the_curve_specs_end_with_notebook_03s_runs():
    settings = StudySettings(dataset="synthetic", seeds=[0, 1], segment_seconds=3.0, epochs=5, patience=1)
    specs = plans.curve_specs(settings, ["cnn", "svm"], [1.0, 0.25, 0.5])
    assert len(specs) == 2 * 3 * 2 and {s.train_fraction for s in specs} == {0.25, 0.5, 1.0}
    notebook_03 = [
        spec
        for model in ("cnn", "svm")
        for spec in sweep(
            "synthetic",
            models=[model],
            splits=["thesis"],
            features=[get_contender(model).features],
            seeds=[0, 1],
            segment_seconds=3.0,
            epochs=5,
            patience=1,
        )
    ]
    assert {s for s in specs if s.train_fraction == 1} == set(notebook_03)  # the same runs: reused, not retrained
    for bad in ([], [0, 1], [0.5, 0.5], [2], "half"):
        with pytest.raises(ValueError, match="fractions must"):
            plans.check_fractions(bad)
    assert plans.curve_models(["cnn", "lstm", "svm"], ["svm", "cnn"]) == ["cnn", "svm"]
    with pytest.raises(ValueError, match="names none of the study's models"):
        plans.curve_models(["cnn"], ["svm"])


def test_smaller_shares_keep_fewer_training_tracks_and_the_same_test_and_validation_tracks(synthetic_store):
    sides = {}
    for share in (0.25, 0.5, 1.0):
        inputs = make_inputs(synthetic_store, RunSpec("synthetic", "svm", seed=1, train_fraction=share))
        sides[share] = {side: set(getattr(inputs, side).track_ids) for side in ("train", "valid", "test")}
    assert sides[0.25]["test"] == sides[0.5]["test"] == sides[1.0]["test"]
    assert sides[0.25]["valid"] == sides[0.5]["valid"] == sides[1.0]["valid"]
    assert sides[0.25]["train"] < sides[0.5]["train"] < sides[1.0]["train"]  # nested
    genres = synthetic_store.tracks.set_index("track_id")["genre"]
    per_genre = genres[sorted(sides[0.25]["train"])].value_counts()
    assert per_genre.nunique() == 1 and len(per_genre) == genres.nunique()  # the same share of every genre


def test_an_older_finished_run_without_the_share_is_still_reused(synthetic_store, tmp_path):
    spec = RunSpec("synthetic", "svm", seed=0)
    result = run_one(spec, synthetic_store, tmp_path)
    path = run_folder(tmp_path, spec) / "result.json"
    older = json.loads(path.read_text())
    del older["spec"]["train_fraction"]  # as written before the field existed
    path.write_text(json.dumps(older))
    assert finished_result(path.parent, spec)["accuracy"] == result["accuracy"]
    assert finished_result(path.parent, RunSpec("synthetic", "svm", seed=0, train_fraction=0.5)) is None


def test_runs_on_part_of_the_training_tracks_stay_out_of_the_comparison_and_of_predict(tmp_path):
    import os
    import time

    from genre_utils.analysis.comparison import finished_runs
    from genre_utils.predict import latest_run

    runs = runs_table(gaps(0.2, 0.05))
    compared = finished_runs(runs, list(THESIS_PAIR))
    assert set(compared["train_fraction"]) == {1.0} and len(compared) == 2 * 3
    full = RunSpec("synthetic", LEADING, segment_seconds=3.0)
    for offset, spec in enumerate([full, RunSpec("synthetic", LEADING, segment_seconds=3.0, train_fraction=0.5)]):
        result = run_folder(tmp_path, spec) / "result.json"
        result.parent.mkdir(parents=True)
        result.write_text("{}")
        os.utime(result, (time.time() + offset, time.time() + offset))  # the curve's run is the newer
    assert latest_run(tmp_path, dataset="synthetic").name == full.name


def test_the_table_has_one_row_per_contender_and_share_with_intervals_over_seeds():
    runs = runs_table(gaps(0.2, 0.05), spread=0.02)
    table = learning_curve.curve_table(runs)
    assert list(table.columns) == learning_curve.TABLE_COLUMNS
    assert list(zip(table["model"], table["train_fraction"])) == [
        (model, share) for model in sorted(THESIS_PAIR, key=contender_names().index) for share in (0.125, 0.5, 1.0)
    ]
    leading = table[table["model"] == LEADING].set_index("train_fraction")
    assert leading.loc[1.0, "mean"] == pytest.approx(0.8) and leading.loc[1.0, "n"] == 3
    assert leading.loc[1.0, "ci_low"] < 0.8 < leading.loc[1.0, "ci_high"]
    assert leading["train_tracks"].tolist() == [18, 72, 144]
    assert leading.loc[0.5, "macro_f1"] == pytest.approx(0.58)
    assert set(table["label"]) == {get_contender(name).title for name in THESIS_PAIR}
    one_seed = learning_curve.curve_table(runs_table(gaps(0.2, 0.05), seeds=[0]))
    assert one_seed["ci_low"].isna().all()
    older = runs.drop(columns="train_fraction")  # a runs.csv written before the learning curve
    assert set(learning_curve.curve_table(older)["train_fraction"]) == {1.0}
    with pytest.raises(ValueError, match="settings"):
        learning_curve.curve_table(pd.concat([runs, runs.assign(split="kfold", folds=5)]))


@pytest.mark.parametrize(
    "small, large, verdict", [(0.20, 0.05, "shrinks"), (0.05, 0.20, "grows"), (0.10, 0.10, "stays")]
)
def test_the_answer_says_whether_the_gap_shrinks_grows_or_stays(small, large, verdict):
    runs = runs_table(gaps(small, large), spread=0.01)
    found = learning_curve.gap_change(runs)
    assert found["verdict"] == verdict and found["n"] == 3
    assert found["gap_small"] == pytest.approx(small) and found["gap_large"] == pytest.approx(large)
    sentence = answer(runs)
    trailing, leading = (get_contender(name).title for name in THESIS_PAIR)
    assert sentence.startswith(f"On synthetic data, the {trailing}'s gap to the {leading} {verdict}")
    assert f"{100 * small:.1f} to {100 * large:.1f} points between 18 and 144 training tracks" in sentence


def test_a_change_within_the_seed_spread_stays():
    runs = runs_table(gaps(0.20, 0.05))
    noisy = runs["model"].eq(LEADING) & runs["train_fraction"].eq(1.0)
    runs.loc[noisy, "accuracy"] += runs.loc[noisy, "seed"].map({0: -0.3, 1: 0.0, 2: 0.3})  # seeds disagree
    assert learning_curve.gap_change(runs)["verdict"] == "stays"
    assert "holds zero" in answer(runs, "gtzan")


def test_without_both_models_or_two_sizes_or_two_seeds_the_answer_says_so():
    runs = runs_table(gaps(0.2, 0.05))
    assert "no answer, the curve lacks runs" in answer(runs[runs["model"] == LEADING])
    assert "two or more shares" in answer(runs[runs["train_fraction"] == 1.0])
    one_seed = answer(runs_table(gaps(0.2, 0.05), seeds=[4]))
    assert "is undecided" in one_seed and "over 1 run." in one_seed
    two = runs_table(gaps(0.2, 0.05), seeds=[0, 1])  # two seeds: an interval of 12.7 standard errors, no verdict
    assert learning_curve.gap_change(two)["verdict"] == "undecided"


def test_points_that_did_not_learn_are_named_marked_and_left_out_of_the_verdict():
    import matplotlib.pyplot as plt

    from genre_utils.analysis.plots import plot_learning_curve

    runs = runs_table(gaps(0.20, 0.05), spread=0.01).assign(learned=True)
    flat = runs["model"].eq(LEADING) & runs["train_fraction"].eq(0.125) & runs["seed"].eq(0)
    runs.loc[flat, "learned"] = False
    table = learning_curve.curve_table(runs)
    assert table.set_index(["model", "train_fraction"]).loc[(LEADING, 0.125), "not_learned"] == 1
    assert table["not_learned"].sum() == 1
    found = learning_curve.gap_change(runs)
    assert found["left_out"] == 1 and found["n"] == 2 and found["verdict"] == "undecided"  # seed 0 no longer counts
    assert learning_curve.gap_table(runs)["left_out"].iloc[0] == 1
    ax = plot_learning_curve(table, chance=0.1).axes[0]
    crosses = [c for c in ax.collections if c.get_label().startswith("some runs did not learn")]
    assert len(crosses) == 1 and crosses[0].get_offsets().tolist() == [
        [
            18.0,
            pytest.approx(table.loc[(table["model"] == LEADING) & (table["train_fraction"] == 0.125), "mean"].iloc[0]),
        ]
    ]
    ax = plot_learning_curve(table, chance=0.1, runs=runs).axes[0]
    dots = [c for c in ax.collections if len(c.get_offsets()) == 9]  # each contender's 3 shares x 3 seeds
    assert len(dots) == 2 and sorted(np.asarray(dots[0].get_offsets())[:, 0]) == [18] * 3 + [72] * 3 + [144] * 3
    plt.close("all")
    all_flat = runs.assign(learned=runs["train_fraction"].ne(0.125))
    assert "has a run that did not learn" in answer(all_flat)


def test_cross_validation_counts_runs_of_seeds_and_folds_not_seeds():
    runs = runs_table(gaps(0.20, 0.05), spread=0.01, seeds=[0])
    folds = pd.concat(
        [runs.assign(split="kfold", folds=5, fold=fold, accuracy=runs["accuracy"] + 0.01 * fold) for fold in range(5)]
    )
    assert "over 5 runs" in answer(folds, "gtzan")


def test_the_figure_has_a_log_axis_ticked_at_the_training_sizes_and_one_line_per_contender():
    import matplotlib.pyplot as plt

    from genre_utils.analysis.plots import plot_learning_curve

    table = learning_curve.curve_table(runs_table(gaps(0.2, 0.05), spread=0.02))
    figure = plot_learning_curve(table, chance=0.1)
    ax = figure.axes[0]
    assert ax.get_xscale() == "log" and list(ax.get_xticks()) == [18, 72, 144]
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert {get_contender(name).title for name in THESIS_PAIR} <= set(labels) and len(ax.collections) == 2  # bands
    assert "chance (10 %)" in labels and not any(label.startswith("most common") for label in labels)
    plt.close(figure)
    figure = plot_learning_curve(table, chance=0.1, majority=0.3)  # an unbalanced test set
    dashed = [line.get_ydata()[0] for line in figure.axes[0].lines if line.get_linestyle() == "--"]
    assert dashed == [0.3]
    plt.close(figure)
    with pytest.raises(ValueError, match="learning-curve table"):
        plot_learning_curve(table.iloc[:0])


def test_a_tiny_curve_trains_end_to_end_and_reuses_its_runs(synthetic_store, tmp_path):
    specs = plans.curve_specs(
        StudySettings(dataset="synthetic", seeds=[0, 1], segment_seconds=2.0), ["svm"], [0.25, 1.0]
    )
    lines = []
    runs = train_plan(specs, {"mfcc": synthetic_store}, tmp_path, log=lines.append)
    assert len(runs) == 4 and sum("trained in" in line for line in lines) == 4
    table = learning_curve.curve_table(runs)
    assert table["train_tracks"].tolist()[0] < table["train_tracks"].tolist()[1]
    assert (runs.groupby("train_fraction")["test_tracks"].nunique() == 1).all()
    assert set(pd.read_csv(tmp_path / "synthetic" / "runs.csv")["train_fraction"]) == {0.25, 1.0}
    again = []
    train_plan(specs, {"mfcc": synthetic_store}, tmp_path, log=again.append)
    assert all("finished earlier" in line for line in again)
    assert len(train_plan(specs[:1], {"mfcc": synthetic_store}, tmp_path, log=again.append)) == 1  # its own runs only
    assert np.isfinite(table["mean"]).all()
    assert "no answer" in answer(runs)


def test_the_embedded_sets_curve_keeps_to_the_chosen_models():
    from genre_utils.study import report

    known = {"curve_models", "fractions", "seeds"}
    assert report.dataset_defaults({}, known)["curve_models"] == list(THESIS_PAIR)
    assert report.dataset_defaults({"models": [LEADING, "svm"]}, known)["curve_models"] == [LEADING]
    assert report.dataset_defaults({"models": ["svm"]}, known)["curve_models"] is None  # then all chosen models
    assert "curve_models" not in report.dataset_defaults({}, {"seeds"})  # no notebook declares it

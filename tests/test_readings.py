"""The readings of the thesis's open choices: declared beside the models, built as declared, and the verdict rule."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

keras = pytest.importorskip("keras")

from genre_utils.analysis import readings  # noqa: E402
from genre_utils.experiment import plans  # noqa: E402
from genre_utils.experiment.evaluation import classification_report, predictions_frame, report_to_files  # noqa: E402
from genre_utils.experiment.runner import RunSpec, make_inputs  # noqa: E402
from genre_utils.models import contender_names, get_contender, reading, reading_names, register, unregister  # noqa: E402
from genre_utils.models.thesis_cnn import ORIENTATIONS, build_cnn  # noqa: E402
from genre_utils.study.settings import StudySettings, check_models  # noqa: E402

DECLARED = ("cnn_frames_first", "cnn_no_pooling", "cnn_clips", "lstm_clips")
GENRES = ["blues", "rock"]
N_TRACKS = 40
TRUTH = np.array([0, 1] * (N_TRACKS // 2))
SEEDS = (0, 1, 2)


def write_run(root, model: str, seed: int, right: set, learned=None) -> dict:
    """A run folder with ``predictions.csv`` and the metrics files, right on the tracks in ``right``; its row."""
    folder = root / f"{model}-mfcc-thesis-seg3s-seed{seed}"
    folder.mkdir(parents=True)
    predicted = np.where([i in right for i in range(N_TRACKS)], TRUTH, 1 - TRUTH)
    report = classification_report(TRUTH, predicted, GENRES)
    report_to_files(report, folder)
    predictions_frame([f"t{i:02d}" for i in range(N_TRACKS)], TRUTH, np.eye(2)[predicted] * 0.8 + 0.1, GENRES).to_csv(
        folder / "predictions.csv", index=False
    )
    row = {
        "dataset": "toy",
        "model": model,
        "split": "thesis",
        "features": "mfcc",
        "seed": seed,
        "segment_seconds": 3.0,
        "accuracy": report["accuracy"],
        "parameters": 1000,
        "train_seconds": 10.0 + seed,
        "folder": str(folder),
    }
    if learned is not None:
        row["learned"] = learned
    return row


def hand_made_runs(root, with_learned: bool = True) -> pd.DataFrame:
    """Runs made so that each comparison has a known verdict (see the test below)."""
    right = {  # per model, the tracks each seed gets right
        "cnn": lambda s: set(range(4 + s, 40)),  # 36 - s right
        "lstm": lambda s: set(range(24 - s, 40)),  # 16 + s right, all of them also right for cnn
        "cnn_frames_first": lambda s: set(range(36, 40)),  # 4 right, all also right for the LSTM: reversed
        "cnn_clips": lambda s: set(range(20, 36)),  # 16 right, as many as the LSTM but others: no difference
        "lstm_clips": lambda s: set(range(0, 20)),  # never learnt
    }
    rows = []
    for model, tracks in right.items():
        for seed in SEEDS:
            learned = (model != "lstm_clips") and not (model == "cnn_frames_first" and seed == 2)
            rows.append(write_run(root, model, seed, tracks(seed), learned if with_learned else None))
    return pd.DataFrame(rows)


def test_readings_are_declared_beside_their_models_and_stay_out_of_the_default_contenders():
    assert set(DECLARED) <= set(reading_names())
    assert not set(reading_names()) & set(contender_names())
    assert contender_names(include_readings=True) == (*contender_names(), *reading_names())
    assert set(check_models("all")) == set(contender_names())
    for name in DECLARED:
        declared = get_contender(name)
        assert declared.reading_of in ("cnn", "lstm") and declared.choice
        assert check_models([name]) == (name,) and RunSpec("synthetic", name).name.startswith(f"{name}-mfcc-")
    assert get_contender("cnn_clips").whole_clips and get_contender("lstm_clips").whole_clips
    assert not get_contender("cnn").whole_clips and not get_contender("cnn").reading_of
    assert get_contender("cnn_frames_first").build_options == {"orientation": "frames_first"}
    assert get_contender("cnn_no_pooling").segments_only
    assert reading_names("lstm") == ("lstm_clips",)
    assert plans.check_readings("all") == list(plans.thesis_readings())


def test_a_reading_can_be_chosen_everywhere_a_contender_can():
    from genre_utils.run import build_parser

    assert build_parser().parse_args(["--models", "cnn_frames_first", "lstm"]).models == ["cnn_frames_first", "lstm"]
    assert build_parser().parse_args([]).models == list(contender_names())  # readings are not run by default
    with pytest.raises(ValueError, match="unknown reading 'svm'"):
        plans.check_readings(["svm"])  # a contender, not a reading
    with pytest.raises(ValueError, match="readings must be"):
        plans.check_readings("cnn_clips")


def test_frames_first_transposes_the_input_so_the_kernel_spans_three_frames():
    study_cnn = get_contender("cnn").build((20, 130), 10)
    transposed = get_contender("cnn_frames_first").build((20, 130), 10)
    assert study_cnn.get_layer("as_image").output.shape == (None, 20, 130, 1)
    assert transposed.get_layer("as_image").output.shape == (None, 130, 20, 1)  # height: the frames
    assert transposed.get_layer("frames_first").output.shape == (None, 130, 20)
    assert "frames_first" not in [layer.name for layer in study_cnn.layers]
    for model in (study_cnn, transposed):
        assert tuple(model.get_layer("conv1").kernel.shape) == (3, 2, 1, 32)  # 3 along the height, 2 along the width
        assert model.input_shape == (None, 20, 130)  # both take (features, frames), as the runner feeds them
        assert model.predict(np.zeros((2, 20, 130), "float32"), verbose=0).shape == (2, 10)
    with pytest.raises(ValueError, match="unknown orientation 'sideways'; expected one of " + ", ".join(ORIENTATIONS)):
        build_cnn((20, 130), 10, orientation="sideways")


def test_no_pooling_is_the_literal_reading_and_applies_to_segments_only():
    literal = get_contender("cnn_no_pooling").build((20, 130), 10)
    assert not [layer for layer in literal.layers if "pool" in layer.name]
    assert literal.get_layer("flatten").output.shape[-1] == 32 * 20 * 130
    assert get_contender("cnn").build((20, 130), 10).get_layer("flatten").output.shape[-1] == 32 * 1 * 5
    with pytest.raises(ValueError, match="cnn_no_pooling .* applies to segments only"):
        get_contender("cnn_no_pooling").fit(SimpleNamespace(segment_seconds=0.0), None, None, {})
    plan = plans.plan_readings("all", segment_seconds=0)
    assert plan.readings == ("cnn_frames_first",)  # on whole clips the clip readings are their models themselves
    assert len(plan.notes) == 3 and any("segments only" in note for note in plan.notes)


def test_whole_clip_readings_take_one_item_per_track_whatever_the_segment_length(synthetic_store):
    segments = make_inputs(synthetic_store, RunSpec("synthetic", "lstm", segment_seconds=2.0))
    for name in ("cnn_clips", "lstm_clips"):
        clips = make_inputs(synthetic_store, RunSpec("synthetic", name, segment_seconds=2.0))
        assert len(clips.train) == clips.train.n_tracks == segments.train.n_tracks
        assert clips.input_shape == (synthetic_store.config.n_features, synthetic_store.config.n_frames)
        assert any("whole clips" in note for note in clips.notes)
    assert len(segments.train) > segments.train.n_tracks


def test_the_plan_compares_each_reading_with_the_other_thesis_model():
    plan = plans.plan_readings(["cnn_frames_first", "cnn_clips", "lstm_clips"], segment_seconds=3)
    pairs = [(c.name, c.cnn, c.lstm) for c in plan.comparisons]
    assert pairs == [
        (plans.STUDY_READING, "cnn", "lstm"),
        ("cnn_frames_first", "cnn_frames_first", "lstm"),
        ("cnn_clips", "cnn_clips", "lstm"),
        ("lstm_clips", "cnn", "lstm_clips"),
        ("cnn_clips+lstm_clips", "cnn_clips", "lstm_clips"),
    ]  # the same choice on both sides
    assert plan.models == ("cnn", "lstm", "cnn_frames_first", "cnn_clips", "lstm_clips")
    settings = StudySettings(dataset="synthetic", seeds=[0, 1], segment_seconds=3.0, epochs=5)
    specs = settings.run_specs(models=list(plan.models))
    assert len(specs) == 5 * 2 and RunSpec("synthetic", "lstm", seed=1, segment_seconds=3.0, epochs=5) in specs


@pytest.fixture
def average_pooling():
    """A reading declared here only, registered for the test and removed after it."""
    declared = register(
        reading(
            get_contender("cnn"),
            "cnn_average_pooling",
            "Thesis CNN, average pooling",
            "pooling: 2x2 average instead of max",
            build_options={"pooling": "average"},
        )
    )
    yield declared
    unregister(declared.name)


def test_a_reading_registered_at_run_time_is_picked_up_with_no_other_edit(average_pooling):
    from genre_utils.run import build_parser

    assert "cnn_average_pooling" in reading_names("cnn") and "cnn_average_pooling" not in contender_names()
    assert "cnn_average_pooling" in plans.check_readings("all") and check_models(["cnn_average_pooling"])
    assert build_parser().parse_args(["--models", "cnn_average_pooling"]).models == ["cnn_average_pooling"]
    plan = plans.plan_readings("all", segment_seconds=3)
    assert ("cnn_average_pooling", "lstm") in [(c.cnn, c.lstm) for c in plan.comparisons]
    network = average_pooling.build((20, 130), 10)
    assert type(network.get_layer("pool1")).__name__ == "AveragePooling2D"
    assert average_pooling.summary()["build_options"] == {"pooling": "average"}


def test_a_reading_must_name_its_choice_and_real_fields():
    cnn = get_contender("cnn")
    with pytest.raises(ValueError, match="has no field"):
        reading(cnn, "cnn_odd", "Odd", "pooling: odd", kernel=(5, 5))
    with pytest.raises(ValueError, match="choice must say"):
        reading(cnn, "cnn_odd", "Odd", " ")
    with pytest.raises(ValueError, match="is itself a reading"):
        reading(get_contender("cnn_clips"), "cnn_odd", "Odd", "unit: odd")
    with pytest.raises(ValueError, match="already registered"):
        register(reading(cnn, "cnn_clips", "Clash", "unit: clash"))


def test_the_verdict_rule_on_counts():
    assert readings.verdict(3, 2, 0) == "holds" and readings.verdict(1, 1, 0) == "holds"
    assert readings.verdict(5, 0, 3) == "reversed"
    assert readings.verdict(2, 1, 0) == "not significant"  # one seed of two is not a majority
    assert readings.verdict(3, 2, 1) == "not significant"  # significant both ways
    assert readings.verdict(0, 0, 0) == "did not learn"


def test_hand_made_runs_hold_reverse_tie_and_fail_to_learn(tmp_path):
    runs = hand_made_runs(tmp_path)
    plan = plans.plan_readings(["cnn_frames_first", "cnn_clips", "lstm_clips"], segment_seconds=3)
    tests = readings.reading_tests(runs, plan.comparisons).set_index("comparison")
    assert list(tests.reset_index().columns) == readings.TEST_COLUMNS
    assert tests["verdict"].to_dict() == {
        plans.STUDY_READING: "holds",
        "cnn_frames_first": "reversed",
        "cnn_clips": "not significant",
        "lstm_clips": "did not learn",
        "cnn_clips+lstm_clips": "did not learn",
    }
    study_row = tests.loc[plans.STUDY_READING]
    assert study_row["seeds"] == 3 and study_row["cnn_ahead"] == 3 and study_row["paired_n"] == 3
    assert study_row["cnn_accuracy"] == pytest.approx(np.mean([(36 - s) / 40 for s in SEEDS]))
    assert study_row["paired_difference"] == pytest.approx(20 / 40 - 2 / 40 * 1)  # (32 - 2s) / 40 averaged
    transposed = tests.loc["cnn_frames_first"]
    assert transposed["seeds"] == 2 and transposed["cnn_not_learned"] == 1 and transposed["lstm_ahead"] == 2
    by_seed = readings.seed_tests(runs, plan.comparisons)
    assert (by_seed["p_holm"] >= by_seed["p_value"]).all() and set(by_seed["comparison"]) == {
        plans.STUDY_READING,
        "cnn_frames_first",
        "cnn_clips",
    }
    assert (by_seed.groupby("seed")["comparison"].count() == [3, 3, 2]).all()  # seed 2 of the transposed CNN is out
    verdicts = readings.verdict_table(tests.reset_index())
    assert verdicts.loc[plans.STUDY_READING, "cnn_accuracy"] == pytest.approx(0.875)
    assert verdicts["verdict"].to_dict() == tests["verdict"].to_dict()
    assert readings.verdict_sentence(tests.reset_index()) == (
        "As read here, the thesis's ranking (CNN above LSTM): holds; under the 4 other comparisons: "
        "did not learn under 2, reversed under 1, not significant under 1."
    )


def test_runs_without_a_learned_column_all_count(tmp_path):
    runs = hand_made_runs(tmp_path, with_learned=False)
    plan = plans.plan_readings(["cnn_frames_first", "lstm_clips"], segment_seconds=3)
    tests = readings.reading_tests(runs, plan.comparisons).set_index("comparison")
    assert tests.loc["cnn_frames_first", "seeds"] == 3 and tests.loc["lstm_clips", "verdict"] == "holds"
    assert "learned" not in readings.readings_table(runs).columns


def test_missing_partner_runs_give_no_verdict(tmp_path):
    runs = hand_made_runs(tmp_path)
    plan = plans.plan_readings(["cnn_no_pooling"], segment_seconds=3)
    tests = readings.reading_tests(runs, plan.comparisons).set_index("comparison")
    assert tests.loc["cnn_no_pooling", "verdict"] == "no runs"
    nothing_learnt = readings.reading_tests(runs.assign(learned=False), plan.comparisons)
    assert nothing_learnt["verdict"].tolist() == ["did not learn", "no runs"]
    assert readings.seed_tests(runs.assign(learned=False), plan.comparisons).empty


def test_the_table_has_one_row_per_model_with_its_interval_and_learnt_runs(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    from genre_utils.analysis.plots import plot_readings

    runs = hand_made_runs(tmp_path)
    plan = plans.plan_readings(["cnn_frames_first", "cnn_clips", "lstm_clips"], segment_seconds=3)
    table = readings.readings_table(runs, plan.models)
    assert list(table.columns) == readings.TABLE_COLUMNS
    assert table["model"].tolist() == ["cnn", "lstm", "cnn_frames_first", "cnn_clips", "lstm_clips"]
    rows = table.set_index("model")
    assert rows.loc["cnn_frames_first", "learned"] == 2 and rows.loc["lstm_clips", "learned"] == 0
    assert rows.loc["lstm", "n"] == 3
    assert rows.loc["lstm", "ci_low"] < rows.loc["lstm", "mean"] < rows.loc["lstm", "ci_high"]
    assert rows.loc["cnn_clips", "reading_of"] == "cnn" and rows.loc["cnn", "reading_of"] == ""
    figure = plot_readings(table, runs, chance=0.5)
    labels = [t.get_text() for t in figure.axes[0].get_yticklabels()]
    assert any("Thesis CNN, frames x coefficients" in label for label in labels) and len(labels) == 5
    assert "a run that did not learn" in [t.get_text() for t in figure.axes[0].get_legend().get_texts()]
    with pytest.raises(ValueError, match="the runs span 2 settings"):
        readings.readings_table(pd.concat([runs, runs.assign(split="kfold", folds=2)]))

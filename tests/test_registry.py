"""The registry of contenders: discovery, declarations, and a throw-away contender that goes the whole way."""

from __future__ import annotations

import subprocess
import sys

import pytest

keras = pytest.importorskip("keras")

from genre_utils.analysis import comparison  # noqa: E402
from genre_utils.experiment.runner import RunSpec, collect_runs, run_experiment, sweep  # noqa: E402
from genre_utils.models import FAMILIES, contender_names, contenders, get_contender, register, unregister  # noqa: E402
from genre_utils.models.registry import Contender  # noqa: E402
from genre_utils.models.sklearn_family import SklearnContender, frame_statistics  # noqa: E402
from genre_utils.paths import PROJECT_ROOT  # noqa: E402
from genre_utils.predict import load_run, predict_file  # noqa: E402
from genre_utils.study.settings import check_models  # noqa: E402

SEGMENT_SECONDS = 2.0


def test_five_contenders_are_discovered_with_complete_declarations():
    assert len(contender_names()) >= 5
    for contender in contenders():
        assert contender.family in FAMILIES
        assert contender.title and contender.input and contender.features in contender.feature_kinds
        assert any(char.isdigit() for char in contender.description), f"{contender.name}: no year in its citation"
        assert get_contender(contender.name) is contender


def test_an_unknown_contender_names_the_registered_ones():
    with pytest.raises(ValueError, match="unknown model 'transformer'; expected one of " + contender_names()[0]):
        get_contender("transformer")
    with pytest.raises(ValueError, match="unknown model"):
        RunSpec("synthetic", "transformer")


def test_bad_declarations_and_double_registration_are_refused():
    with pytest.raises(ValueError, match="unknown family"):
        Contender("odd", "Odd", "x 2024", "magic", "mfcc", ("mfcc",), "x")
    with pytest.raises(ValueError, match="lowercase"):
        Contender("Odd-One", "Odd", "x 2024", "keras", "mfcc", ("mfcc",), "x")
    existing = get_contender(contender_names()[0])
    clone = Contender(existing.name, "Clone", "x 2024", "keras", "mfcc", ("mfcc",), "x")
    with pytest.raises(ValueError, match="already registered"):
        register(clone)


def test_the_run_command_lists_every_contender_from_the_registry():
    listing = subprocess.run(
        [sys.executable, "-m", "genre_utils.run", "--help"],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        check=True,
    ).stdout
    for contender in contenders():
        assert contender.name in listing and contender.title in listing


def test_readings_are_found_by_name_listed_apart_and_documented_by_their_contenders_module():
    from genre_utils.models import documentation, reading_names

    assert reading_names() and not set(reading_names()) & set(contender_names())
    for name in reading_names():
        declared = get_contender(name)
        base = get_contender(declared.reading_of)
        assert not base.reading_of and declared.family == base.family and declared.description == base.description
        assert declared.choice and declared.title != base.title
        assert documentation(name) == documentation(base.name) and f"``{name}``" in documentation(name)
        assert declared.summary()["reading_of"] == base.name
    listing = subprocess.run(
        [sys.executable, "-m", "genre_utils.run", "--help"],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        check=True,
    ).stdout
    assert "readings of their open choices (not run by default)" in listing
    assert all(name in listing for name in reading_names())
    with pytest.raises(ValueError, match="a reading needs both reading_of and choice"):
        Contender("odd", "Odd", "x 2024", "keras", "mfcc", ("mfcc",), "x", reading_of="cnn")


def _nearest_neighbours(seed: int, neighbours: int = 5):
    from sklearn.neighbors import KNeighborsClassifier

    return KNeighborsClassifier(n_neighbors=neighbours)


@pytest.fixture
def throwaway():
    """A contender declared here only, registered for the test and removed after it."""
    contender = SklearnContender(
        name="neighbours",
        title="Nearest neighbours (test)",
        description="MFCC statistics, k nearest neighbours (test 2026)",
        family="clip_statistics",
        features="mfcc",
        feature_kinds=("mfcc",),
        input="40 MFCC statistics per segment",
        summarize=frame_statistics,
        make_estimator=_nearest_neighbours,
        grid=({"neighbours": 3}, {"neighbours": 7}),
        count_parameters=lambda estimator: estimator.n_samples_fit_,
    )
    register(contender)
    yield contender
    unregister(contender.name)


@pytest.mark.slow
def test_a_throwaway_contender_is_trained_evaluated_compared_plotted_and_predicts(throwaway, synthetic_store, tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    from genre_utils.analysis import plots

    assert "neighbours" in contender_names() and "neighbours" in check_models("all")
    specs = sweep("synthetic", models=["neighbours", "svm"], seeds=[0, 1], segment_seconds=SEGMENT_SECONDS)
    assert {spec.model for spec in specs} == {"neighbours", "svm"}
    runs = run_experiment(specs, {"mfcc": synthetic_store}, tmp_path, log=lambda line: None)
    mine = runs[runs["model"] == "neighbours"]
    assert len(mine) == 2 and (mine["accuracy"] > 0.2).all() and (mine["test_tracks"] == 30).all()
    assert set(collect_runs(tmp_path, "synthetic")["model"]) == {"neighbours", "svm"}
    table = comparison.comparison_table(runs, labels={c.name: c.title for c in contenders()})
    assert "Nearest neighbours (test)" in set(table["label"])
    assert "nan" not in comparison.display_table(table).to_string().lower()
    figure = plots.plot_contender_accuracy(table)
    labels = [t.get_text() for ax in figure.axes for t in ax.get_yticklabels() + ax.get_xticklabels()]
    assert any("Nearest neighbours" in label for label in labels)
    run = load_run(mine["folder"].iloc[0])
    prediction = predict_file(run, synthetic_store.usable["path"].iloc[0])
    assert prediction.genre in run.class_names and len(prediction.segments) >= 1

"""The one registry mechanism (on a throw-away package), and the contenders' registry with a throw-away contender."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

from genre_utils.models import FAMILIES, contender_names, contenders, documentation, get_contender, reading_names
from genre_utils.models import register as register_contender
from genre_utils.models import unregister as unregister_contender
from genre_utils.models.registry import Contender
from genre_utils.paths import PROJECT_ROOT
from genre_utils.registry import Registry

SEGMENT_SECONDS = 2.0
THING = "from throwaway_things import Thing\n"
ENV = "THROWAWAY_THING_MODULES"


@pytest.fixture
def things(tmp_path, monkeypatch):
    """A registry of a throw-away package: ``alpha`` declares two things, ``beta`` one; ``_hidden`` is skipped."""
    package = tmp_path / "throwaway_things"
    package.mkdir()
    (package / "__init__.py").write_text(
        "from dataclasses import dataclass\n\n@dataclass\nclass Thing:\n    name: str\n    rank: int = 0\n"
    )
    (package / "alpha.py").write_text(THING + "THING = (Thing('alpha_two', rank=1), Thing('alpha_one'))\n")
    (package / "beta.py").write_text(THING + "THING = Thing('beta', rank=1)\n")
    (package / "helpers.py").write_text("VALUE = 1\n")
    (package / "_hidden.py").write_text("raise RuntimeError('never imported')\n")
    (tmp_path / "extra_thing.py").write_text(THING + "THING = Thing('extra')\n")
    (tmp_path / "no_thing.py").write_text("")
    (tmp_path / "odd_thing.py").write_text("THING = 'odd'\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delenv(ENV, raising=False)
    thing = importlib.import_module("throwaway_things").Thing
    yield Registry("thing", "throwaway_things", ("THING",), thing, env=ENV, order=lambda entry, module: entry.rank)
    for name in [name for name in sys.modules if name.split(".")[0].endswith(("_things", "_thing"))]:
        del sys.modules[name]


def test_discovery_orders_by_the_key_then_module_then_declaration(things):
    assert things.names() == ("alpha_one", "alpha_two", "beta")
    assert things.module("beta").__name__ == "throwaway_things.beta"


def test_an_unknown_name_is_one_line_with_the_registered_and_the_nearest(things):
    with pytest.raises(
        ValueError, match=r"^unknown thing 'alpha_on'; expected one of alpha_one, .*did you mean alpha_one"
    ):
        things.get("alpha_on")
    with pytest.raises(ValueError, match=r"^unknown thing 'zzz'; expected one of alpha_one, alpha_two, beta$"):
        things.get("zzz")


def test_register_and_unregister(things):
    extra = type(things.get("beta"))("gamma")
    assert things.register(extra) is extra and things.register(extra) is extra  # the same twice is no conflict
    assert things.names()[-1] == "gamma" and things.module("gamma") is None
    with pytest.raises(ValueError, match="'beta' is already registered"):
        things.register(type(extra)("beta"))
    with pytest.raises(ValueError, match="expects a Thing, got str"):
        things.register("gamma")
    with pytest.raises(ValueError, match="lowercase letters, digits or '_', got 'Gamma-2'"):
        things.register(type(extra)("Gamma-2"))
    things.unregister("gamma")
    things.unregister("gamma")  # absent: no error
    assert "gamma" not in things.names()


def test_the_environment_names_more_modules_each_checked(things, monkeypatch):
    monkeypatch.setenv(ENV, " extra_thing ,")
    assert things.names()[-1] == "extra" and things.module("extra").__name__ == "extra_thing"
    monkeypatch.setenv(ENV, "extra_thing,no_such_module")
    with pytest.raises(ValueError, match=f"{ENV} names module 'no_such_module', which cannot be imported"):
        things.names()
    monkeypatch.setenv(ENV, "no_thing")
    with pytest.raises(ValueError, match="'no_thing', which declares no THING"):
        things.names()
    monkeypatch.setenv(ENV, "odd_thing")
    with pytest.raises(ValueError, match="odd_thing.THING must be a Thing"):
        things.names()


def test_a_check_can_refuse_an_entry(things):
    def even_ranks_only(entry, registered):
        if entry.rank % 2:
            raise ValueError(f"{entry.name}: odd rank")

    things.check = even_ranks_only
    with pytest.raises(ValueError, match="alpha_two: odd rank"):
        things.names()


def test_five_contenders_are_discovered_with_complete_declarations():
    assert contender_names()[:2] == ("cnn", "lstm") and len(contender_names()) >= 5  # the thesis's models lead
    for contender in contenders():
        assert contender.family in FAMILIES
        assert contender.title and contender.input and contender.features in contender.feature_kinds
        assert any(char.isdigit() for char in contender.description), f"{contender.name}: no year in its citation"
        assert get_contender(contender.name) is contender
    with pytest.raises(ValueError, match="unknown family"):
        Contender("odd", "Odd", "x 2024", "magic", "mfcc", ("mfcc",), "x")


def test_readings_are_listed_apart_documented_by_their_contenders_module_and_read_a_contender():
    assert reading_names() and not set(reading_names()) & set(contender_names())
    assert contender_names(include_readings=True) == (*contender_names(), *reading_names())
    for name in reading_names():
        declared = get_contender(name)
        base = get_contender(declared.reading_of)
        assert not base.reading_of and declared.family == base.family and declared.description == base.description
        assert declared.choice and declared.title != base.title
        assert documentation(name) == documentation(base.name) != ""
    with pytest.raises(ValueError, match="a reading needs both reading_of and choice"):
        Contender("odd", "Odd", "x 2024", "keras", "mfcc", ("mfcc",), "x", reading_of="cnn")
    orphan = Contender("odd", "Odd", "x 2024", "keras", "mfcc", ("mfcc",), "x", reading_of="rnn", choice="unit")
    with pytest.raises(ValueError, match="reads 'rnn', which is no registered contender"):
        register_contender(orphan)


def test_the_run_command_lists_every_contender_and_reading_from_the_registry():
    listing = subprocess.run(
        [sys.executable, "-m", "genre_utils.run", "--help"],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        check=True,
    ).stdout
    assert all(contender.name in listing and contender.title in listing for contender in contenders())
    assert "readings of their open choices (not run by default)" in listing
    assert all(name in listing for name in reading_names())


def _nearest_neighbours(seed: int, neighbours: int = 5):
    from sklearn.neighbors import KNeighborsClassifier

    return KNeighborsClassifier(n_neighbors=neighbours)


@pytest.fixture
def throwaway():
    """A contender declared here only, registered for the test and removed after it."""
    from genre_utils.models.sklearn_family import SklearnContender, frame_statistics

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
    register_contender(contender)
    yield contender
    unregister_contender(contender.name)


@pytest.mark.slow
def test_a_throwaway_contender_is_trained_evaluated_compared_plotted_and_predicts(throwaway, synthetic_store, tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    from genre_utils.analysis import comparison, plots
    from genre_utils.experiment.runner import collect_runs, run_experiment, sweep
    from genre_utils.predict import load_run, predict_file
    from genre_utils.study.settings import check_models

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

"""The study's settings: built once from a notebook's parameters or a command line, every bad value named."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from genre_utils import run
from genre_utils.data.datasets import default_dataset
from genre_utils.experiment.runner import LEAKY_SPLIT
from genre_utils.models import contender_names, get_contender
from genre_utils.study import notebook as study
from genre_utils.study.settings import DEFAULT_SEEDS, StudySettings, check_seeds

GOOD = dict(
    dataset="synthetic",
    models=["cnn", "svm"],
    split="thesis",
    features="mfcc",
    seeds=[0, 1],
    segment_seconds=3.0,
    epochs=30,
    batch_size=32,
    patience=6,
)


def test_a_notebooks_parameters_make_one_typed_object():
    namespace = {**GOOD, "model": None, "fractions": [0.5, 1.0], "synthetic_clips_per_genre": 4, "plt": object()}
    settings = StudySettings.from_parameters(namespace)
    assert settings.model == contender_names()[0] and settings.models == (settings.model,)
    assert settings.splits == ("thesis",) and settings.split == "thesis" and settings.seeds == (0, 1)
    assert (
        settings.features == ("mfcc",)
        and settings.segment_seconds == 3.0
        and isinstance(settings.segment_seconds, float)
    )
    assert settings.dataset_options == {"clips_per_genre": 4}  # the dataset's own option, by its prefixed name
    assert check_seeds(3) == (3,)


def test_defaults_are_the_notebooks_and_every_contender():
    settings = StudySettings()
    assert settings.dataset == default_dataset() and settings.seeds == DEFAULT_SEEDS
    assert settings.models == tuple(contender_names()) and settings.features is None
    assert settings.features_for("svm") == get_contender("svm").features  # each its own kind


@pytest.mark.parametrize(
    "name, value, message",
    [
        ("dataset", "gtzan2", "dataset 'gtzan2'.*did you mean gtzan"),
        ("split", "official", "official"),  # a split the embedded set does not have
        ("features", "mfccs", "features 'mfccs' .did you mean mfcc"),
        ("seeds", [], "seeds"),
        ("seeds", [1, -1], "seeds.*-1"),
        ("seeds", [2, 2], "distinct"),
        ("segment_seconds", "3", "segment_seconds"),
        ("segment_seconds", float("nan"), "segment_seconds"),
        ("segment_seconds", -1, "segment_seconds"),
        ("batch_size", 2.5, "batch_size"),
        ("leakage_demo", "yes", "leakage_demo"),
        ("model", "resnet", "model 'resnet'"),
        ("synthetic_sample_rate", 8000, None),  # not an option of the set: a notebook's own name, left alone
    ],
)
def test_each_bad_parameter_is_named(name, value, message):
    if message is None:
        StudySettings.from_parameters({**GOOD, name: value})
        return
    with pytest.raises(ValueError, match=message):
        StudySettings.from_parameters({**GOOD, name: value})


def test_checks_across_fields():
    with pytest.raises(ValueError, match="musicnn consumes.*features"):
        StudySettings(models=["musicnn"], features=["mfcc"])
    with pytest.raises(ValueError, match="no option colour"):
        StudySettings(dataset_options={"colour": "blue"})
    with pytest.raises(ValueError, match="epoch' .did you mean epochs"):
        StudySettings(epoch=3)


def test_settings_are_frozen_and_an_error_is_one_line():
    with pytest.raises(ValidationError):
        StudySettings().epochs = 3  # type: ignore[misc]
    with pytest.raises(ValueError) as error:
        StudySettings(epochs=0, patience=-1)
    assert len(str(error.value).splitlines()) == 1


def test_run_specs_carry_every_setting_by_keyword():
    settings = StudySettings(
        models=["cnn", "svm"],
        splits=["kfold"],
        folds=3,
        seeds=[4],
        segment_seconds=2.0,
        epochs=7,
        batch_size=16,
        patience=2,
    )
    specs = settings.run_specs()
    assert len(specs) == 2 * 3 and {s.fold for s in specs} == {0, 1, 2} and {s.seed for s in specs} == {4}
    assert {(s.epochs, s.batch_size, s.patience, s.segment_seconds) for s in specs} == {(7, 16, 2, 2.0)}
    narrowed = settings.run_specs(models=["svm"], train_fraction=0.5, augment=2)
    assert [(s.train_fraction, s.augment) for s in narrowed] == [(0.5, 2)] * 3


def test_the_leakage_demonstration_adds_the_random_split_for_segment_models(tmp_path):
    settings = StudySettings(models=["cnn"], seeds=[0], leakage_demo=True, output_dir=str(tmp_path))
    leaky = settings.leakage_demo and not get_contender("cnn").whole_clips
    assert leaky and LEAKY_SPLIT not in settings.splits  # train_runs adds it (tests/test_experiment.py trains it)


def test_the_command_line_builds_the_same_settings():
    args = run.build_parser().parse_args(["--models", "svm", "--seeds", "1", "2", "--segment-seconds", "2"])
    settings = run.settings_from_arguments(args)
    assert settings.models == ("svm",) and settings.seeds == (1, 2) and settings.segment_seconds == 2.0
    assert run.settings_from_arguments(run.build_parser().parse_args([])) == StudySettings(
        output_dir=str(run.DEFAULT_RESULTS)
    )  # the command line's defaults are the settings'
    with pytest.raises(ValueError, match="fault_filtered"):
        run.settings_from_arguments(run.build_parser().parse_args(["--splits", "fault_filtered"]))


def test_a_real_dataset_that_is_missing_says_how_to_get_it(tmp_path):
    with pytest.raises((FileNotFoundError, ValueError), match="download|not found|no "):
        study.open_dataset(StudySettings(dataset="gtzan", data_root=str(tmp_path / "nothing-here")))

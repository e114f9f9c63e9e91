"""Notebook parameter checks: a bad value is named before any work starts."""

from __future__ import annotations

import pytest

from genre_utils.study import notebook as study

GOOD = dict(dataset="synthetic", split="thesis", features="mfcc", seeds=[0, 1], segment_seconds=3.0, epochs=30,
            batch_size=32, patience=6)


def test_good_parameters_pass():
    study.check_training_parameters(**GOOD)
    assert study.check_seeds(3) == [3]


@pytest.mark.parametrize("name, value, message", [
    ("dataset", "gtzan2", "unknown dataset 'gtzan2'"),
    ("split", "official_2", "unknown split"),
    ("features", "mfccs", "unknown features 'mfccs'.*mfcc, logmel, chroma"),
    ("seeds", [], "seeds must be a non-empty list"),
    ("seeds", [1, -1], "seeds must be a non-empty list"),
    ("seeds", [2, 2], "distinct"),
    ("segment_seconds", "3", "segment_seconds"),
    ("epochs", 0, "epochs must be an integer >= 1"),
    ("batch_size", 2.5, "batch_size"),
    ("patience", -1, "patience must be an integer >= 0"),
])
def test_each_bad_parameter_is_named(name, value, message):
    with pytest.raises(ValueError, match=message):
        study.check_training_parameters(**{**GOOD, name: value})


def test_a_real_dataset_that_is_missing_says_how_to_get_it(tmp_path):
    with pytest.raises((FileNotFoundError, ValueError), match="download|not found|no "):
        study.open_dataset("gtzan", tmp_path / "nothing-here")

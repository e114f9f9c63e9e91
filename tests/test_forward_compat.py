"""Forward compatibility: the project builds and fits without the deprecations its libraries announce."""

from __future__ import annotations

import tomllib
import warnings

import numpy as np
import pytest

from genre_utils.paths import PROJECT_ROOT

pytest.importorskip("sklearn")

from genre_utils.models.mfcc_svm import PLATT_FOLDS, PlattFolds, make_svm, svm_parameters  # noqa: E402
from genre_utils.models.musicnn_probe import make_probe  # noqa: E402

N_CLASSES = 3


def separable_vectors(per_class: int = 20, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Clip-statistics-like vectors of ``N_CLASSES`` classes, the first two dimensions telling them apart."""
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(N_CLASSES), per_class)
    vectors = rng.normal(size=(len(labels), 8))
    vectors[:, 0] += 3 * labels
    vectors[:, 1] -= 2 * labels
    return vectors, labels


def test_fitting_the_svm_and_the_probe_raises_no_library_warning():
    vectors, labels = separable_vectors()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a FutureWarning or DeprecationWarning (or any other) fails the test
        svm = make_svm(seed=0, C=1.0).fit(vectors, labels)
        probabilities = svm.predict_proba(vectors)
        make_probe(seed=0, C=1.0).fit(vectors, labels).predict_proba(vectors)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1)
    assert list(svm.classes_) == list(range(N_CLASSES))
    assert np.mean(probabilities.argmax(axis=1) == labels) > 0.9


def test_the_svm_counts_its_support_vectors_and_its_sigmoids():
    vectors, labels = separable_vectors()
    svm = make_svm(seed=0).fit(vectors, labels)
    (calibrated,) = svm[-1].calibrated_classifiers_  # one SVM fitted on every item, as libsvm's Platt scaling
    machine = calibrated.estimator
    assert 0 < len(machine.support_) <= len(labels)
    expected = machine.support_vectors_.size + machine.dual_coef_.size + machine.intercept_.size + 2 * N_CLASSES
    assert svm_parameters(svm) == expected


def test_the_svm_probabilities_follow_from_the_seed():
    vectors, labels = separable_vectors()
    first, again = (make_svm(seed=3).fit(vectors, labels).predict_proba(vectors) for _ in range(2))
    np.testing.assert_array_equal(first, again)
    other = make_svm(seed=4).fit(vectors, labels).predict_proba(vectors)
    assert not np.array_equal(first, other)  # other held-out folds, other sigmoids


def test_platt_folds_are_five_or_as_many_as_the_rarest_class_allows():
    labels = np.repeat(np.arange(N_CLASSES), [9, 3, 7])
    vectors = np.zeros((len(labels), 2))
    assert PlattFolds(0).get_n_splits(vectors, np.repeat(np.arange(N_CLASSES), 10)) == PLATT_FOLDS
    folds = list(PlattFolds(0).split(vectors, labels))
    assert len(folds) == 3
    held_out = np.sort(np.concatenate([test for _, test in folds]))
    np.testing.assert_array_equal(held_out, np.arange(len(labels)))  # every item held out once
    assert all(set(labels[test]) == set(range(N_CLASSES)) for _, test in folds)  # every class in every fold
    single = np.array([0, 0, 1, 2, 2])  # one track of genre 1: nothing to hold out, so in-sample scaling
    assert PlattFolds(0).get_n_splits(vectors[:5], single) == 1
    ((train, scored),) = PlattFolds(0).split(vectors[:5], single)
    np.testing.assert_array_equal(train, np.arange(5)) and np.testing.assert_array_equal(scored, np.arange(5))
    fitted = make_svm(seed=0).fit(np.random.default_rng(0).normal(size=(5, 2)), single)
    assert fitted.predict_proba(np.zeros((1, 2))).shape == (1, N_CLASSES)
    with pytest.raises(ValueError, match="at least 2 folds"):
        PlattFolds(0, most=1)


def test_the_package_metadata_uses_the_spdx_license_form():
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())
    assert project["project"]["license"] == "MIT"  # not the table form setuptools deprecates
    assert "setuptools>=77" in project["build-system"]["requires"]  # the first release that reads it

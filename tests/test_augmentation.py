"""Training with augmentation: degraded copies of the training tracks only, cached, recorded with the run."""

from __future__ import annotations

import numpy as np
import pytest

from genre_utils.data.degradations import AUGMENTATION_DEGRADATIONS
from genre_utils.experiment.runner import RunSpec, augmentation_stores, make_inputs, run_folder, run_one

SEGMENT_SECONDS = 2.0


@pytest.fixture(scope="module")
def copies(synthetic_store):
    return augmentation_stores(synthetic_store, 2, workers=1)


def test_copies_are_the_store_degraded_by_draws_from_the_pool_and_cached(synthetic_store, copies):
    assert [copy.degradation for copy in copies] == [
        {"names": list(AUGMENTATION_DEGRADATIONS), "seed": c} for c in range(2)
    ]
    assert copies[0].directory != copies[1].directory != synthetic_store.directory
    assert list(copies[0].tracks["degradation"]) != list(copies[1].tracks["degradation"])  # each copy draws anew
    assert [c.directory for c in augmentation_stores(synthetic_store, 2, workers=1)] == [c.directory for c in copies]


def test_only_the_training_side_gets_the_copies(synthetic_store, copies):
    plain = make_inputs(synthetic_store, RunSpec("synthetic", "cnn", seed=0, segment_seconds=SEGMENT_SECONDS))
    augmented = make_inputs(
        synthetic_store, RunSpec("synthetic", "cnn", seed=0, segment_seconds=SEGMENT_SECONDS, augment=2)
    )
    n = len(plain.train)
    assert len(augmented.train) == 3 * n and augmented.train.n_tracks == plain.train.n_tracks
    np.testing.assert_array_equal(augmented.train.y, np.tile(plain.train.y, 3))
    for side in ("valid", "test"):  # never augmented: the same items, only standardized with other statistics
        assert list(getattr(augmented, side).track_ids) == list(getattr(plain, side).track_ids)
    # the statistics are fitted on every training item, clean and degraded
    assert augmented.standardizer.fitted_on == plain.standardizer.fitted_on
    assert not np.allclose(augmented.standardizer.mean, plain.standardizer.mean)
    raw_train = np.concatenate(
        [
            copy.segments(list(dict.fromkeys(plain.train.track_ids)), SEGMENT_SECONDS)[0]
            for copy in (synthetic_store, *copies)
        ]
    )
    np.testing.assert_allclose(augmented.train.x, augmented.standardizer.transform(raw_train), rtol=1e-6)
    assert augmented.clean_train is not None and len(augmented.clean_train) == n
    np.testing.assert_allclose(augmented.clean_train.x, augmented.train.x[:n])
    assert plain.clean_train is None
    assert any(note.startswith("trained with augmentation: 2 degraded copies") for note in augmented.notes)


def test_an_augmented_run_is_its_own_run_and_records_the_copies(synthetic_store, copies, tmp_path):
    spec = RunSpec("synthetic", "svm", seed=0, segment_seconds=SEGMENT_SECONDS, augment=1)
    assert spec.name.endswith("-seed0-aug1")
    assert RunSpec("synthetic", "svm", seed=0, segment_seconds=SEGMENT_SECONDS).name.endswith("-seed0")
    result = run_one(spec, synthetic_store, tmp_path)
    assert result["spec"]["augment"] == 1 and run_folder(tmp_path, spec).is_dir()
    assert any("augmentation" in note for note in result["notes"])
    assert result["learned"] is True


@pytest.mark.parametrize("bad", [-1, 1.5, True, "2"])
def test_augment_must_be_a_whole_number_of_copies(bad):
    with pytest.raises(ValueError, match="augment must be a whole number of degraded copies"):
        RunSpec("synthetic", "svm", augment=bad)


def test_the_leaky_split_is_not_augmented():
    with pytest.raises(ValueError, match="augment applies to splits by track"):
        RunSpec("synthetic", "cnn", split="random_segments", augment=1)

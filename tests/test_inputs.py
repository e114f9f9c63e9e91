"""Model inputs: split by track before segmenting, standardization fitted on training tracks only."""

from __future__ import annotations

import numpy as np
import pytest

from genre_utils.data.splits import carve_validation, make_split
from genre_utils.experiment.inputs import prepare_inputs, random_segment_inputs


@pytest.fixture(scope="module")
def split(synthetic_store):
    tracks = synthetic_store.tracks
    return carve_validation(make_split(tracks, "thesis", dataset="synthetic", seed=3), tracks, seed=3)


@pytest.mark.parametrize("stream", [False, True])
def test_no_test_track_has_a_segment_in_training(synthetic_store, split, stream):
    inputs = prepare_inputs(synthetic_store, split, segment_seconds=1.0, stream=stream)
    assert inputs.streamed == stream
    side_of = dict(zip(synthetic_store.tracks["track_id"], split))
    for side in ("train", "valid", "test"):
        arrays = getattr(inputs, side)
        assert {side_of[t] for t in arrays.track_ids} == {side}
    assert not set(inputs.test.track_ids) & set(inputs.train.track_ids)
    assert len(inputs.train) > inputs.train.n_tracks  # several segments per track
    assert inputs.input_shape == (20, synthetic_store.config.frames_for_seconds(1.0))
    counts = inputs.counts()
    assert counts.loc["test", "tracks"] == (split == "test").sum()


@pytest.mark.parametrize("stream", [False, True])
def test_standardization_statistics_come_from_training_tracks_only(synthetic_store, split, stream):
    inputs = prepare_inputs(synthetic_store, split, stream=stream)
    train_ids = synthetic_store.tracks.loc[split == "train", "track_id"].tolist()
    raw = synthetic_store.clips(train_ids).astype(np.float64)
    np.testing.assert_allclose(inputs.standardizer.mean, raw.mean(axis=(0, 2)), rtol=1e-6)
    np.testing.assert_allclose(inputs.standardizer.std, raw.std(axis=(0, 2)), rtol=1e-6)
    assert inputs.standardizer.fitted_on == sorted(train_ids)
    train_x = inputs.train.x.load() if stream else inputs.train.x
    np.testing.assert_allclose(train_x.mean(axis=(0, 2)), 0.0, atol=1e-4)
    everything = synthetic_store.clips(synthetic_store.usable["track_id"]).astype(np.float64)
    assert not np.allclose(inputs.standardizer.mean, everything.mean(axis=(0, 2)), rtol=1e-6)


def test_labels_follow_sorted_genres(synthetic_store, split):
    inputs = prepare_inputs(synthetic_store, split)
    assert inputs.class_names == sorted(synthetic_store.tracks["genre"].unique())
    genre_of = dict(zip(synthetic_store.tracks["track_id"], synthetic_store.tracks["genre"]))
    assert [inputs.class_names[label] for label in inputs.test.y] == [genre_of[t] for t in inputs.test.track_ids]


def test_the_leaky_setup_puts_segments_of_one_track_on_both_sides(synthetic_store):
    inputs = random_segment_inputs(synthetic_store, segment_seconds=1.0, seed=0)
    assert set(inputs.train.track_ids) & set(inputs.test.track_ids)
    assert inputs.notes and inputs.notes[0].startswith("LEAKY")


def test_a_split_without_validation_or_misaligned_is_refused(synthetic_store):
    tracks = synthetic_store.tracks
    train_test = make_split(tracks, "thesis", dataset="synthetic", seed=0)
    with pytest.raises(ValueError, match="no 'valid' tracks.*carve_validation"):
        prepare_inputs(synthetic_store, train_test)
    with pytest.raises(ValueError, match="aligned"):
        prepare_inputs(synthetic_store, train_test.iloc[1:])

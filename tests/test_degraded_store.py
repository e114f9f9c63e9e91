"""Degraded feature stores: the features of every track after a degradation, cached like any feature set.

A degraded store must hold exactly the features of the degraded audio (checked against computing
them by hand), be keyed by the degradation and its seed (another seed or degradation is another
store; the clean store's key is unchanged), degrade each track the same way whatever the process or
chunking, and turn a degradation that cannot be applied into a skipped row with its reason.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from audio_fixtures import write_gtzan_like

from genre_utils.data.audio import load_audio
from genre_utils.data.datasets import gtzan
from genre_utils.data.degradations import (
    AUGMENTATION_DEGRADATIONS,
    Degradation,
    get_degradation,
    register,
    track_degradations,
    unregister,
)
from genre_utils.features.cluster import limit_threads
from genre_utils.features.kinds import FeatureConfig, features_from_samples
from genre_utils.features.store import build_feature_store, open_feature_store, store_directory

SMALL = FeatureConfig(clip_seconds=4.0)


@pytest.fixture()
def small_tracks(tmp_path) -> pd.DataFrame:
    return gtzan.DATASET.load_tracks(write_gtzan_like(tmp_path / "audio", clips=3, seconds=4.0))


def test_a_degraded_store_holds_the_features_of_the_degraded_audio(small_tracks, tmp_path):
    store = build_feature_store(
        small_tracks,
        "tiny",
        SMALL,
        cache_dir=tmp_path / "cache",
        workers=1,
        progress=False,
        degradation="band_8k",
        degradation_seed=3,
    )
    clean = build_feature_store(small_tracks, "tiny", SMALL, cache_dir=tmp_path / "cache", workers=1, progress=False)
    assert store.degradation == {"names": ["band_8k"], "seed": 3} and clean.degradation is None
    assert "band_8k-seed3" in str(store.directory) and store.directory != clean.directory
    assert (store.tracks["degradation"] == "band_8k").all()
    plan = dict(zip(store.tracks["track_id"], track_degradations(store.tracks["track_id"], ["band_8k"], 3)))
    for row in store.tracks.itertuples():
        samples = load_audio(row.path, sample_rate=SMALL.sample_rate)
        degraded = get_degradation("band_8k").apply(samples, SMALL.sample_rate, plan[row.track_id][1])
        with limit_threads():  # as the store extracts: one BLAS thread, every sum in the same order
            expected, _ = features_from_samples(degraded, SMALL)
        np.testing.assert_array_equal(store.read_rows([row.row])[0], expected)
        assert not np.array_equal(store.read_rows([row.row])[0], clean.read_rows([row.row])[0])
    reopened = open_feature_store(store.directory)
    assert reopened.degradation == store.degradation
    assert list(reopened.tracks["degradation"]) == list(store.tracks["degradation"])


def test_the_key_holds_the_degradation_and_its_seed_and_the_clean_key_is_unchanged(small_tracks, tmp_path):
    folders = {
        store_directory(small_tracks, "tiny", SMALL, tmp_path, degradation=identity)
        for identity in (
            None,
            {"names": ["band_8k"], "seed": 0},
            {"names": ["band_8k"], "seed": 1},
            {"names": ["mp3_64k"], "seed": 0},
            {"names": ["band_8k", "mp3_64k"], "seed": 0},
        )
    }
    assert len(folders) == 5
    # the clean store's folder does not depend on the degradation code: the same as without the argument
    assert store_directory(small_tracks, "tiny", SMALL, tmp_path) in folders


def test_a_pool_gives_each_track_its_own_draw_the_same_in_any_company(small_tracks, tmp_path):
    ids = list(small_tracks["track_id"])
    plan = track_degradations(ids, AUGMENTATION_DEGRADATIONS, seed=7)
    assert track_degradations(ids[::-1], AUGMENTATION_DEGRADATIONS, 7)[::-1] == plan  # order does not matter
    assert track_degradations(ids[:2], AUGMENTATION_DEGRADATIONS, 7) == plan[:2]  # nor the other tracks
    assert track_degradations(ids, AUGMENTATION_DEGRADATIONS, 8) != plan
    many = track_degradations([f"t{i}" for i in range(400)], AUGMENTATION_DEGRADATIONS, 0)
    assert {name for name, _ in many} == set(AUGMENTATION_DEGRADATIONS)  # every member is drawn
    store = build_feature_store(
        small_tracks,
        "tiny",
        SMALL,
        cache_dir=tmp_path,
        workers=1,
        progress=False,
        degradation=AUGMENTATION_DEGRADATIONS,
        degradation_seed=7,
    )
    assert list(store.tracks["degradation"]) == [
        name for name, _ in track_degradations(store.tracks["track_id"], AUGMENTATION_DEGRADATIONS, 7)
    ]
    assert "pool12-seed7" in str(store.directory)


def test_workers_and_chunks_degrade_every_track_the_same(small_tracks, tmp_path):
    noisy = ("white_20db", "pink_20db")  # seeded: a different seed per track would show
    inline = build_feature_store(
        small_tracks,
        "tiny",
        SMALL,
        cache_dir=tmp_path / "a",
        workers=1,
        progress=False,
        degradation=noisy,
        degradation_seed=1,
    )
    on_dask = build_feature_store(
        small_tracks,
        "tiny",
        SMALL,
        cache_dir=tmp_path / "b",
        workers=2,
        chunk_size=2,
        progress=False,
        degradation=noisy,
        degradation_seed=1,
    )
    rows = np.arange(len(inline.tracks))
    np.testing.assert_array_equal(inline.read_rows(rows), on_dask.read_rows(rows))


def test_a_degradation_that_fails_skips_the_clip_with_its_reason(small_tracks, tmp_path):
    def refuse(samples, sample_rate, *, level):
        if samples.size > 0:
            raise ValueError(f"cannot degrade at {sample_rate} Hz")
        return samples

    register(
        Degradation(
            name="test_refusal",
            title="Refuses",
            family="level",
            parameters={"level": 1},
            rationale="a test",
            function=refuse,
        )
    )
    try:
        store = build_feature_store(
            small_tracks, "tiny", SMALL, cache_dir=tmp_path, workers=1, progress=False, degradation="test_refusal"
        )
    finally:
        unregister("test_refusal")
    assert store.usable.empty
    assert store.skipped["reason"].str.contains("degradation failed: degradation 'test_refusal': cannot degrade").all()


@pytest.mark.parametrize(
    "bad, message", [("no_such_thing", "unknown"), ([], "empty"), (["band_8k", "band_8k"], "repeated")]
)
def test_bad_degradations_are_refused_before_any_work(small_tracks, tmp_path, bad, message):
    with pytest.raises(ValueError, match=f"degradation must list registered degradations.*{message}"):
        build_feature_store(small_tracks, "tiny", SMALL, cache_dir=tmp_path, workers=1, progress=False, degradation=bad)
    assert not (tmp_path / "tiny").exists()


def test_a_bad_degradation_seed_is_refused(small_tracks, tmp_path):
    with pytest.raises(ValueError, match="degradation seed must be an integer"):
        build_feature_store(
            small_tracks,
            "tiny",
            SMALL,
            cache_dir=tmp_path,
            workers=1,
            progress=False,
            degradation="band_8k",
            degradation_seed=-1,
        )


def test_a_degraded_copy_shares_the_cache_tracks_and_skipped_clips(small_tracks, tmp_path):
    tracks = small_tracks.copy()
    tracks.loc[0, "status"] = "known fault: a test"
    clean = build_feature_store(tracks, "tiny", SMALL, cache_dir=tmp_path, workers=1, progress=False, chunk_size=2)
    from genre_utils.features.store import degraded_copy

    copy = degraded_copy(clean, "mp3_64k", seed=2, workers=1)
    assert copy.directory.parent == clean.directory.parent
    assert list(copy.tracks["track_id"]) == list(clean.tracks["track_id"])
    assert list(copy.tracks["status"]) == list(clean.tracks["status"])
    assert copy.degradation == {"names": ["mp3_64k"], "seed": 2}
    again = degraded_copy(clean, "mp3_64k", seed=2, workers=1)
    assert again.directory == copy.directory

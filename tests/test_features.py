"""Feature extraction: thesis MFCC settings, the external reference table, shapes and segments."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from audio_fixtures import SAMPLE_RATE, tone, write_wav

from genre_utils.data.audio import AudioError
from genre_utils.features.kinds import (
    FeatureConfig,
    compute_features,
    features_from_samples,
    mfcc_from_file,
    segment_features,
)

REFERENCE_CLIPS = ("blues.00000", "classical.00000", "country.00000", "disco.00000")


def test_thesis_defaults_give_20_by_1292_for_30_seconds():
    config = FeatureConfig()
    assert (config.kind, config.n_mfcc, config.sample_rate, config.n_fft, config.hop_length) == (
        "mfcc",
        20,
        22050,
        2048,
        512,
    )
    assert config.n_features == 20
    assert config.n_frames == 1292
    values, valid = features_from_samples(tone(30.0), config)
    assert values.shape == (20, 1292) and values.dtype == np.float32
    assert valid == 1292


@pytest.mark.parametrize("kind, rows", [("mfcc", 20), ("logmel", 128), ("chroma", 12)])
def test_every_kind_has_its_shape(kind, rows):
    config = FeatureConfig(kind=kind, clip_seconds=5.0)
    values, _ = features_from_samples(tone(5.0), config)
    assert values.shape == (rows, config.n_frames)
    assert np.all(np.isfinite(values))


def test_configs_differ_with_every_setting():
    base = FeatureConfig()
    variants = [
        FeatureConfig(kind="logmel"),
        FeatureConfig(n_mfcc=13),
        FeatureConfig(n_fft=1024),
        FeatureConfig(hop_length=256),
        FeatureConfig(n_mels=64),
        FeatureConfig(clip_seconds=29.0),
        FeatureConfig(sample_rate=16000),
    ]
    assert len({base, *variants}) == len(variants) + 1
    assert FeatureConfig() == base


@pytest.mark.parametrize(
    "settings, words",
    [
        ({"kind": "mel"}, "unknown feature kind 'mel'"),
        ({"n_mfcc": 0}, "n_mfcc"),
        ({"hop_length": 4096}, "hop_length"),
        ({"clip_seconds": -1}, "clip_seconds"),
    ],
)
def test_bad_config_names_the_setting(settings, words):
    with pytest.raises(ValueError, match=words):
        FeatureConfig(**settings)


def test_mfcc_from_file_keeps_the_whole_file_and_rejects_unknown_settings(tmp_path):
    path = write_wav(tmp_path / "a.wav", tone(7.0))
    values = mfcc_from_file(path)
    assert values.shape == (20, 1 + int(7.0 * SAMPLE_RATE) // 512)
    assert mfcc_from_file(path, n_mfcc=13).shape[0] == 13
    with pytest.raises(TypeError, match="n_coefficients"):
        mfcc_from_file(path, n_coefficients=13)
    with pytest.raises(AudioError, match="missing.wav"):
        mfcc_from_file(tmp_path / "missing.wav")


def test_stereo_44k_input_matches_mono_22k(tmp_path):
    left = tone(4.0, sample_rate=44100, noise=0.0)
    write_wav(tmp_path / "stereo.wav", np.stack([left, 0.5 * left], axis=1), sample_rate=44100)
    write_wav(tmp_path / "mono.wav", 0.75 * tone(4.0, noise=0.0), sample_rate=SAMPLE_RATE)
    stereo_mfcc = mfcc_from_file(tmp_path / "stereo.wav")
    mono_mfcc = mfcc_from_file(tmp_path / "mono.wav")
    assert stereo_mfcc.shape == mono_mfcc.shape
    # Same tone, resampled: the timbre coefficients agree closely.
    assert np.abs(stereo_mfcc[1:].mean(axis=1) - mono_mfcc[1:].mean(axis=1)).max() < 2.0


def test_short_clip_is_padded_and_valid_frames_counted():
    config = FeatureConfig(clip_seconds=10.0)
    values, valid = features_from_samples(tone(4.0), config)
    assert values.shape == (20, config.n_frames)
    assert valid == 1 + int(4.0 * SAMPLE_RATE) // 512
    padding = values[:, valid + 2 :]
    np.testing.assert_allclose(padding, np.repeat(padding[:, :1], padding.shape[1], axis=1), atol=1e-3)
    assert values[0, : valid - 2].min() > padding[0, 0] + 10  # audio is far above the padding floor


def test_segments_drop_padding_but_keep_one():
    values = np.arange(2 * 100, dtype=np.float32).reshape(2, 100)
    all_segments = segment_features(values, 30)
    assert all_segments.shape == (3, 2, 30)
    np.testing.assert_array_equal(all_segments[1], values[:, 30:60])
    assert segment_features(values, 30, valid_frames=45).shape[0] == 2  # 15/30 of segment 2 is real
    assert segment_features(values, 30, valid_frames=44).shape[0] == 1
    assert segment_features(values, 30, valid_frames=3).shape[0] == 1  # shorter than a segment: still one
    with pytest.raises(ValueError, match="segment_frames"):
        segment_features(values, 101)


def test_mfcc_means_match_the_published_gtzan_table(shared_data):
    """The widely used features_30_sec.csv was computed with librosa's defaults = thesis settings."""
    reference = pd.read_csv(shared_data / "gtzan_reference" / "features_30_sec_rows.csv").set_index("filename")
    columns = [f"mfcc{k}_mean" for k in range(1, 21)]
    for clip in REFERENCE_CLIPS:
        genre = clip.split(".")[0]
        values = mfcc_from_file(shared_data / "gtzan_excerpts" / "genres" / genre / f"{clip}.wav")
        expected = reference.loc[f"{clip}.wav", columns].to_numpy(float)
        assert np.abs(values.mean(axis=1) - expected).max() < 1.0, clip


@pytest.mark.parametrize("kind", ["mfcc", "logmel"])
def test_fast_path_equals_librosa(kind):
    import librosa

    samples = tone(5.0, noise=0.05)
    config = FeatureConfig(kind=kind, clip_seconds=5.0)
    mel = librosa.feature.melspectrogram(y=samples, sr=22050, n_fft=2048, hop_length=512, n_mels=128)
    expected = (
        librosa.power_to_db(mel)
        if kind == "logmel"
        else librosa.feature.mfcc(y=samples, sr=22050, n_mfcc=20, n_fft=2048, hop_length=512)
    )
    np.testing.assert_allclose(compute_features(samples, config), expected, atol=1e-3)


def test_segments_with_a_hop_overlap_and_drop_windows_mostly_of_padding():
    from genre_utils.features.kinds import segment_features

    values = np.arange(2 * 10, dtype=np.float32).reshape(2, 10)
    cut = segment_features(values, 4, valid_frames=7, hop_frames=2)
    # starts 0, 2, 4, 6: the window at 6 holds 1 real frame of 4 (< half) and is dropped.
    assert cut.shape == (3, 2, 4)
    np.testing.assert_array_equal(cut[1], values[:, 2:6])
    with pytest.raises(ValueError, match="hop_frames"):
        segment_features(values, 4, hop_frames=0)

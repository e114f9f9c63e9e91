"""The contenders beyond the thesis: the CRNN, the MFCC-statistics SVM and the musicnn probe."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

keras = pytest.importorskip("keras")

from genre_utils.experiment.runner import RunSpec, run_folder, run_one  # noqa: E402
from genre_utils.features.kinds import FeatureConfig  # noqa: E402
from genre_utils.models import build_model, get_contender  # noqa: E402
from genre_utils.models.keras_family import parameter_count  # noqa: E402
from genre_utils.models.sklearn_family import frame_statistics, load_selection  # noqa: E402

SEGMENT_SECONDS = 2.0


def _layers(model, kind):
    return [layer for layer in model.layers if type(layer).__name__ == kind]


def test_crnn_is_convolutions_then_two_grus_over_time():
    model = build_model("crnn", (128, 130), 10)
    assert [c.filters for c in _layers(model, "Conv2D")] == [16, 32, 32, 64]
    assert all(tuple(c.kernel_size) == (3, 3) for c in _layers(model, "Conv2D"))
    grus = _layers(model, "GRU")
    assert [g.units for g in grus] == [32, 32] and [g.return_sequences for g in grus] == [True, False]
    assert model.get_layer("sequence").output.shape[1:] == (5, 64)  # 128 bands pooled to 1, 130 frames to 5 steps
    assert all(b.momentum == pytest.approx(0.9) for b in _layers(model, "BatchNormalization"))
    assert parameter_count(model) < 60_000
    probabilities = model.predict(np.zeros((2, 128, 130), np.float32), verbose=0)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1, rtol=1e-5)
    with pytest.raises(ValueError, match="at least 4 frames"):
        build_model("crnn", (128, 3), 10)


def test_clip_models_are_not_keras_networks():
    with pytest.raises(ValueError, match="not a Keras network"):
        build_model("svm", (20, 130), 10)


def test_frame_statistics_ignore_padding():
    x = np.zeros((2, 3, 10))
    x[0, :, :4] = np.arange(4)  # real frames 0..3 then padding zeros
    x[1] = 5.0
    stats = frame_statistics(x, valid_frames=[4, 10])
    np.testing.assert_allclose(stats[0], [1.5] * 3 + [np.std(np.arange(4))] * 3)
    np.testing.assert_allclose(stats[1], [5.0] * 3 + [0.0] * 3)
    assert frame_statistics(x).shape == (2, 6)
    with pytest.raises(ValueError, match="n_items, n_features, n_frames"):
        frame_statistics(np.zeros((3, 4)))


@pytest.mark.slow
def test_svm_chooses_its_regularization_on_validation_tracks_and_classifies_clips(synthetic_store, tmp_path):
    spec = RunSpec("synthetic", "svm", seed=0, segment_seconds=SEGMENT_SECONDS)
    result = run_one(spec, synthetic_store, tmp_path)
    folder = run_folder(tmp_path, spec)
    selection = load_selection(folder)
    assert len(selection) == len(get_contender("svm").grid) and selection["chosen"].sum() == 1
    assert selection.loc[selection["chosen"], "valid_accuracy"].iloc[0] == selection["valid_accuracy"].max()
    assert result["accuracy"] >= 0.5 and result["stopped_by"] == "single fit" and result["parameters"] > 0
    assert result["item_accuracy"] == pytest.approx(result["accuracy"])  # one item per track: whole clips
    assert any("whole clips" in note for note in result["notes"])
    assert not (folder / "history.csv").exists() and (folder / "model.joblib").is_file()


@pytest.mark.slow
def test_musicnn_probe_embeds_each_track_once_and_learns(tmp_path_factory):
    from genre_utils.data.datasets import synthetic
    from genre_utils.features.store import build_feature_store
    from genre_utils.models import musicnn_probe

    root = tmp_path_factory.mktemp("synthetic16k")
    synthetic.DATASET.download(root, clips_per_genre=8, seconds=4.0, progress=False)
    store = build_feature_store(
        synthetic.DATASET.load_tracks(root),
        "synthetic",
        FeatureConfig(kind="musicnn_mel", clip_seconds=4.0),
        cache_dir=root / "features",
        workers=1,
        progress=False,
    )
    assert store.config.sample_rate == 16000 and store.features.shape[1] == 96
    musicnn_probe._CACHE.clear()
    result = run_one(RunSpec("synthetic", "musicnn", seed=0), store, tmp_path_factory.mktemp("results"))
    assert len(musicnn_probe._CACHE) == 80  # every track embedded once
    assert result["accuracy"] >= 0.5 and result["parameters"] == 10 * (753 + 1)
    vectors = musicnn_probe.musicnn_embeddings(store.clips(store.usable["track_id"][:2]))
    assert vectors.shape == (2, 753) and np.isfinite(vectors).all()


def test_feature_kinds_with_a_pretrained_front_end_refuse_other_settings():
    config = FeatureConfig(kind="musicnn_mel")
    assert (config.sample_rate, config.n_fft, config.hop_length, config.n_features) == (16000, 512, 256, 96)
    assert FeatureConfig(kind="mfcc").sample_rate == 22050 and FeatureConfig() == FeatureConfig(kind="mfcc")
    with pytest.raises(ValueError, match="requires sample_rate=16000"):
        FeatureConfig(kind="musicnn_mel", sample_rate=22050)


def test_a_contender_refuses_features_it_cannot_consume():
    with pytest.raises(ValueError, match="features for musicnn"):
        RunSpec("synthetic", "musicnn", features="mfcc")
    with pytest.raises(ValueError, match="whole clips"):
        RunSpec("synthetic", "svm", split="random_segments", segment_seconds=3.0)
    assert RunSpec("synthetic", "crnn").features == "logmel"
    pd.testing.assert_index_equal(
        pd.Index([RunSpec("gtzan", "svm", split="kfold", folds=5, fold=2).name]),
        pd.Index(["svm-mfcc-kfold5-fold2-seg3s-seed0"]),
    )

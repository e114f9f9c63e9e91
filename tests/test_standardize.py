"""Standardization: hand-computed statistics, training rows only, memory maps, persistence."""

from __future__ import annotations

import numpy as np
import pytest

from genre_utils.features.standardize import Standardizer


def test_hand_computed_statistics():
    features = np.array([[[1.0, 3.0], [10.0, 10.0]], [[5.0, 7.0], [10.0, 10.0]]])  # 2 clips, 2 rows, 2 frames
    standardizer = Standardizer().fit(features)
    np.testing.assert_allclose(standardizer.mean, [4.0, 10.0])
    np.testing.assert_allclose(standardizer.std, [np.sqrt(5.0), 1e-8])
    np.testing.assert_allclose(standardizer.transform(features[0])[0], [-3 / np.sqrt(5), -1 / np.sqrt(5)], rtol=1e-6)


def test_training_rows_only(tmp_path):
    rng = np.random.default_rng(0)
    features = np.lib.format.open_memmap(tmp_path / "f.npy", mode="w+", dtype=np.float32, shape=(50, 20, 30))
    features[:] = rng.normal(size=(50, 20, 30)) + np.arange(50)[:, None, None]  # test rows drift upward
    train = np.arange(0, 40)
    standardizer = Standardizer().fit(features, rows=train, batch_size=7, fitted_on=[f"t{i}" for i in train])
    subset = np.asarray(features[train], dtype=np.float64)
    np.testing.assert_allclose(standardizer.mean, subset.mean(axis=(0, 2)), rtol=1e-9)
    np.testing.assert_allclose(standardizer.std, subset.std(axis=(0, 2)), rtol=1e-9)
    everything = Standardizer().fit(features)
    assert not np.allclose(everything.mean, standardizer.mean)
    one_batch = Standardizer().fit(features, rows=train, batch_size=1000)
    np.testing.assert_allclose(one_batch.std, standardizer.std, rtol=1e-6)
    scaled = standardizer.transform(features[train])
    assert scaled.dtype == np.float32 and abs(scaled.mean()) < 1e-5


def test_save_load_roundtrip_and_errors(tmp_path):
    features = np.random.default_rng(1).normal(size=(4, 3, 5))
    standardizer = Standardizer().fit(features, fitted_on=["a", "b", "c", "d"])
    again = Standardizer.load(standardizer.save(tmp_path / "stats" / "standardizer.json"))
    np.testing.assert_array_equal(again.transform(features), standardizer.transform(features))
    assert again.fitted_on == ["a", "b", "c", "d"]
    with pytest.raises(ValueError, match="before fit"):
        Standardizer().transform(features)
    with pytest.raises(ValueError, match="zero rows"):
        Standardizer().fit(features, rows=[])
    with pytest.raises(ValueError, match=r"expected \(\.\.\., 3, n_frames\)"):
        standardizer.transform(np.zeros((2, 4, 5)))

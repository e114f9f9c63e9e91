"""The degradation study's measurements: a finished run scored on degraded copies of its own test tracks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from genre_utils.experiment import degradation_scores
from genre_utils.experiment.degradation_scores import (
    CLEAN,
    COLUMNS,
    DEGRADED_FILE,
    degraded_stores,
    robustness_predictions,
    score_degraded,
)
from genre_utils.experiment.runner import RunSpec, run_folder, run_one
from genre_utils.models import get_contender

SEGMENT_SECONDS = 2.0
DEGRADATIONS = ["band_8k", "white_10db"]


@pytest.fixture(scope="module")
def finished(synthetic_store, tmp_path_factory):
    results = tmp_path_factory.mktemp("results")
    specs = [RunSpec("synthetic", "svm", seed=seed, segment_seconds=SEGMENT_SECONDS) for seed in (0, 1)]
    for spec in specs:
        run_one(spec, synthetic_store, results)
    tested = degradation_scores.test_track_ids(specs, results)  # what a degradation study degrades
    return specs, results, degraded_stores(synthetic_store, DEGRADATIONS, workers=1, track_ids=tested)


def test_clean_rows_are_the_runs_own_test_predictions(finished):
    specs, results, stores = finished
    table = score_degraded(specs[0], stores, results)
    clean = pd.read_csv(run_folder(results, specs[0]) / "predictions.csv", dtype={"track_id": str})
    mine = table[table["degradation"] == CLEAN]
    assert list(mine["track_id"]) == list(clean["track_id"]) and list(mine["predicted"]) == list(clean["predicted"])
    assert list(pd.unique(table["degradation"])) == [CLEAN, *DEGRADATIONS]
    for name in DEGRADATIONS:  # the same tracks under every degradation: pairs for McNemar
        assert sorted(table.loc[table["degradation"] == name, "track_id"]) == sorted(mine["track_id"])


def test_degraded_answers_are_the_saved_model_on_the_degraded_features(finished, synthetic_store):
    specs, results, stores = finished
    spec = specs[1]  # the MFCC-statistics SVM: one item per track, whole clips
    table = score_degraded(spec, stores, results)
    folder = run_folder(results, spec)
    predictor = get_contender("svm").load(folder)
    from genre_utils.features.standardize import Standardizer

    standardizer = Standardizer.load(folder / "standardizer.json")  # the run's own statistics
    test_ids = list(pd.read_csv(folder / "predictions.csv", dtype={"track_id": str})["track_id"])
    degraded = stores["band_8k"]
    frames = degraded.tracks.set_index("track_id").loc[test_ids, "valid_frames"].to_numpy()
    probabilities = predictor.predict_proba(standardizer.transform(degraded.clips(test_ids)), valid_frames=frames)
    clean = predictor.predict_proba(standardizer.transform(synthetic_store.clips(test_ids)), valid_frames=frames)
    assert not np.allclose(probabilities, clean)  # the degradation changed what the model hears
    genres = np.array(sorted(synthetic_store.usable["genre"].unique()))
    mine = table[table["degradation"] == "band_8k"].set_index("track_id")["predicted"]
    assert mine.to_dict() == dict(zip(test_ids, genres[np.asarray(probabilities).argmax(axis=1)]))


def test_answers_are_cached_per_degraded_store(finished, synthetic_store, monkeypatch):
    specs, results, stores = finished
    first = score_degraded(specs[0], stores, results)
    assert (run_folder(results, specs[0]) / DEGRADED_FILE).is_file()

    def refuse(*args, **kwargs):
        raise AssertionError("scored again although cached")

    monkeypatch.setattr(degradation_scores, "_score", refuse)
    pd.testing.assert_frame_equal(score_degraded(specs[0], stores, results), first)
    tested = degradation_scores.test_track_ids(specs, results)
    other_seed = degraded_stores(synthetic_store, ["white_10db"], seed=5, workers=1, track_ids=tested)  # scored anew
    with pytest.raises(AssertionError, match="scored again"):
        score_degraded(specs[0], other_seed, results)


def test_the_long_table_has_one_row_per_run_degradation_and_track(finished):
    specs, results, stores = finished
    lines = []
    table = robustness_predictions(specs, {"mfcc_stats": stores, "mfcc": stores}, results, log=lines.append)
    assert list(table.columns) == COLUMNS
    assert set(table["run"]) == {spec.name for spec in specs}
    counts = table.groupby(["run", "degradation"]).size()
    assert counts.nunique() == 1 and len(counts) == 2 * (1 + len(DEGRADATIONS))
    assert len(lines) == 2 and "band_8k" in lines[0]


def test_an_unfinished_run_is_refused(finished, tmp_path):
    specs, _, stores = finished
    with pytest.raises(ValueError, match="holds no finished run.*train it first"):
        score_degraded(specs[0], stores, tmp_path)

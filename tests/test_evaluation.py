"""Per-track evaluation: aggregation, hand-computed metrics, files, predictions table."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from genre_utils.experiment.evaluation import classification_report, predictions_frame, read_confusion, report_to_files
from genre_utils.models.aggregation import VOTE_TIE_NUDGE, aggregate_tracks, track_labels

# Segments of three tracks, interleaved; t2 appears first, so first-appearance order != sorted.
SEGMENT_IDS = np.array(["t2", "t1", "t1", "t2", "t1", "t3", "t3"])
SEGMENT_PROBS = np.array(
    [
        [0.9, 0.1],  # t2
        [0.55, 0.45],  # t1
        [0.55, 0.45],  # t1
        [0.2, 0.8],  # t2
        [0.0, 1.0],  # t1
        [0.6, 0.4],  # t3
        [0.1, 0.9],  # t3
    ]
)
CLASSES3 = ["blues", "jazz", "rock"]
Y_TRUE3 = np.array([0, 0, 0, 0, 1, 1, 1, 2, 2])
Y_PRED3 = np.array([0, 0, 1, 2, 1, 1, 0, 2, 2])


def test_mean_aggregation_by_hand():
    ids, probs = aggregate_tracks(SEGMENT_PROBS, SEGMENT_IDS, method="mean")
    assert ids.tolist() == ["t2", "t1", "t3"]
    np.testing.assert_allclose(probs, [[0.55, 0.45], [1.1 / 3, 1.9 / 3], [0.35, 0.65]])


def test_vote_differs_from_mean():
    _, mean = aggregate_tracks(SEGMENT_PROBS, SEGMENT_IDS, method="mean")
    _, vote = aggregate_tracks(SEGMENT_PROBS, SEGMENT_IDS, method="vote")
    # t1: two weak votes for class 0 beat one confident segment for class 1 under voting only.
    assert mean[1].argmax() == 1
    assert vote[1].argmax() == 0
    assert vote[1].tolist() == [2 / 3, 1 / 3]  # untied rows are exact fractions
    np.testing.assert_allclose(vote.sum(axis=1), 1.0)


def test_vote_ties_go_to_higher_mean_probability():
    _, vote = aggregate_tracks(SEGMENT_PROBS, SEGMENT_IDS, method="vote")
    # t2: 1-1 tie, mean [0.55, 0.45] -> class 0; t3: 1-1 tie, mean [0.35, 0.65] -> class 1.
    assert vote[0].argmax() == 0
    assert vote[2].argmax() == 1
    np.testing.assert_allclose(vote[0], [0.5, 0.5], atol=10 * VOTE_TIE_NUDGE)
    np.testing.assert_allclose(vote[2], [0.5, 0.5], atol=10 * VOTE_TIE_NUDGE)


def test_three_way_tie_in_vote():
    probs = np.array([[0.5, 0.3, 0.2], [0.1, 0.5, 0.4], [0.05, 0.15, 0.8]])  # one vote each
    _, vote = aggregate_tracks(probs, ["a", "a", "a"], method="vote")
    assert vote[0].argmax() == 2  # mean [0.217, 0.317, 0.467]
    np.testing.assert_allclose(vote.sum(), 1.0)


def test_aggregate_rejects_bad_input():
    with pytest.raises(ValueError, match="method"):
        aggregate_tracks(SEGMENT_PROBS, SEGMENT_IDS, method="median")
    with pytest.raises(ValueError, match="segment_track_ids"):
        aggregate_tracks(SEGMENT_PROBS, SEGMENT_IDS[:-1])
    with pytest.raises(ValueError, match="probabilities"):
        aggregate_tracks(np.zeros((0, 3)), [])
    with pytest.raises(ValueError, match="probabilities"):
        aggregate_tracks(SEGMENT_PROBS[:, 0], SEGMENT_IDS)
    with pytest.raises(ValueError, match="probabilities"):
        aggregate_tracks([[np.nan, 1.0]], ["a"])


def test_track_labels():
    labels = track_labels([0, 1, 1, 0, 1, 1, 1], SEGMENT_IDS)
    assert labels.tolist() == [0, 1, 1]
    with pytest.raises(ValueError, match=r"segment_labels.*t3"):
        track_labels([0, 1, 1, 0, 1, 1, 2], SEGMENT_IDS)
    with pytest.raises(ValueError, match="segment_track_ids"):
        track_labels([0, 1], ["a"])


def test_three_class_report_by_hand():
    report = classification_report(Y_TRUE3, Y_PRED3, CLASSES3)
    expected_confusion = [[2, 1, 1], [1, 2, 0], [0, 0, 2]]
    assert report["confusion"].to_numpy().tolist() == expected_confusion
    assert report["confusion"].index.name == "true"
    assert report["confusion"].columns.name == "predicted"
    assert report["confusion"].index.tolist() == CLASSES3
    assert report["n_tracks"] == 9
    assert report["accuracy"] == pytest.approx(6 / 9)
    assert report["balanced_accuracy"] == pytest.approx((1 / 2 + 2 / 3 + 1) / 3)  # 13/18
    per_class = report["per_class"]
    assert per_class.index.tolist() == CLASSES3
    np.testing.assert_allclose(per_class["precision"], [2 / 3, 2 / 3, 2 / 3])
    np.testing.assert_allclose(per_class["recall"], [1 / 2, 2 / 3, 1.0])
    np.testing.assert_allclose(per_class["f1"], [4 / 7, 2 / 3, 4 / 5])
    assert per_class["support"].tolist() == [4, 3, 2]
    assert report["macro_f1"] == pytest.approx((4 / 7 + 2 / 3 + 4 / 5) / 3)  # 214/315


def test_never_predicted_class_has_zero_precision_and_no_warning():
    names = ["a", "b", "c", "d"]  # "c" is never predicted, "d" appears nowhere
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        report = classification_report([0, 1, 2], [0, 1, 1], names)
    per_class = report["per_class"]
    assert per_class.loc["c", "precision"] == 0.0
    assert not per_class.isna().any().any()
    np.testing.assert_allclose(per_class["precision"], [1.0, 0.5, 0.0, 0.0])
    np.testing.assert_allclose(per_class["recall"], [1.0, 1.0, 0.0, 0.0])
    assert report["confusion"].shape == (4, 4)
    assert report["confusion"].loc["d"].sum() == 0
    assert report["balanced_accuracy"] == pytest.approx(2 / 3)  # classes present in y_true
    assert report["macro_f1"] == pytest.approx((1 + 2 / 3 + 0) / 3)  # classes in y_true or y_pred


def test_report_matches_sklearn_defaults():
    metrics = pytest.importorskip("sklearn.metrics")
    y_true, y_pred = [0, 1, 2, 2, 0], [0, 1, 1, 2, 1]
    report = classification_report(y_true, y_pred, ["a", "b", "c", "d"])
    assert report["balanced_accuracy"] == pytest.approx(metrics.balanced_accuracy_score(y_true, y_pred))
    assert report["macro_f1"] == pytest.approx(metrics.f1_score(y_true, y_pred, average="macro", zero_division=0))


def test_report_rejects_bad_input():
    with pytest.raises(ValueError, match="y_pred"):
        classification_report([0, 1], [0], CLASSES3)
    with pytest.raises(ValueError, match="y_true"):
        classification_report([0, 3], [0, 1], CLASSES3)
    with pytest.raises(ValueError, match="y_pred"):
        classification_report([0, 1], [0.0, 1.0], CLASSES3)
    with pytest.raises(ValueError, match="y_true"):
        classification_report([], [], CLASSES3)
    with pytest.raises(ValueError, match="class_names"):
        classification_report([0], [0], ["a", "a"])


def test_report_files_round_trip(tmp_path):
    report = classification_report(Y_TRUE3, Y_PRED3, CLASSES3)
    folder = tmp_path / "run" / "seed0"
    paths = report_to_files(report, folder)
    assert sorted(path.name for path in folder.iterdir()) == ["confusion.csv", "metrics.json", "per_genre.csv"]
    assert set(paths) == {"metrics", "per_genre", "confusion"}
    metrics = json.loads((folder / "metrics.json").read_text())
    assert metrics["n_tracks"] == 9 and isinstance(metrics["n_tracks"], int)
    assert metrics["accuracy"] == pytest.approx(2 / 3)
    assert set(metrics) == {"accuracy", "balanced_accuracy", "macro_f1", "n_tracks"}
    pd.testing.assert_frame_equal(read_confusion(folder / "confusion.csv"), report["confusion"])
    per_genre = pd.read_csv(folder / "per_genre.csv", index_col="genre")
    np.testing.assert_allclose(per_genre["f1"], [4 / 7, 2 / 3, 4 / 5])
    report_to_files(report, folder)  # overwriting works and leaves no temporary files
    assert len(list(folder.iterdir())) == 3


def test_predictions_frame():
    probs = np.array([[0.7, 0.2, 0.1], [0.3, 0.3, 0.4], [0.1, 0.8, 0.1]])
    frame = predictions_frame(["x", "y", "z"], [0, 1, 1], probs, CLASSES3)
    assert frame.columns.tolist() == [
        "track_id",
        "true",
        "predicted",
        "confidence",
        "correct",
        "p_blues",
        "p_jazz",
        "p_rock",
    ]
    assert frame["true"].tolist() == ["blues", "jazz", "jazz"]
    assert frame["predicted"].tolist() == ["blues", "rock", "jazz"]
    assert frame["correct"].tolist() == [True, False, True]
    np.testing.assert_allclose(frame["confidence"], [0.7, 0.4, 0.8])
    np.testing.assert_allclose(frame["p_rock"], [0.1, 0.4, 0.1])
    with pytest.raises(ValueError, match="track_ids"):
        predictions_frame(["x", "y"], [0, 1, 1], probs, CLASSES3)
    with pytest.raises(ValueError, match="probabilities"):
        predictions_frame(["x", "y", "z"], [0, 1, 1], probs[:, :2], CLASSES3)

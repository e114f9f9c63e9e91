"""Per-track evaluation of a genre classifier: aggregation, metrics and the files they go to.

Models score fixed-length segments; the study reports results per track. Segment outputs are
aggregated to one probability row per track (:func:`aggregate_tracks`), compared with one label
per track (:func:`track_labels`), and summarized by :func:`classification_report`. Metrics are
computed from the confusion matrix with numpy, so no scikit-learn warnings can appear: a class
that is never predicted has precision 0, a class with no test track has recall 0.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd

from genre_utils.atomic import write_csv, write_json

AGGREGATION_METHODS = ("mean", "vote")
VOTE_TIE_NUDGE = 1e-9  # moved onto the tie-break winner; far below one vote's weight (1 / n_segments)
METRICS_FILE = "metrics.json"
PER_GENRE_FILE = "per_genre.csv"
CONFUSION_FILE = "confusion.csv"
METRIC_KEYS = ("accuracy", "balanced_accuracy", "macro_f1", "n_tracks")
PROBABILITY_PREFIX = "p_"


def _track_codes(segment_track_ids, n_segments: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Track ids in first-appearance order, each segment's track index, and each track's first segment."""
    ids = np.asarray(segment_track_ids)
    if ids.ndim != 1 or ids.size == 0:
        raise ValueError(f"segment_track_ids must be non-empty and one-dimensional, got shape {ids.shape}")
    if n_segments is not None and ids.size != n_segments:
        raise ValueError(f"segment_track_ids has {ids.size} entries but there are {n_segments} segments")
    _, first, inverse = np.unique(ids, return_index=True, return_inverse=True)
    order = np.argsort(first)
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    return ids[first[order]], rank[inverse.ravel()], first[order]


def aggregate_tracks(probabilities, segment_track_ids, method: str = "mean") -> tuple[np.ndarray, np.ndarray]:
    """Combine segment probabilities into one probability row per track.

    Args:
        probabilities: ``(n_segments, n_classes)`` softmax outputs.
        segment_track_ids: Owning track id of each segment.
        method: ``"mean"``: mean probability over the track's segments. ``"vote"``: fraction of
            the track's segments whose argmax is each class (rows sum to 1). A tie for the most
            votes goes to the tied class with the higher mean probability (then the lower class
            index): :data:`VOTE_TIE_NUDGE` is moved onto it from the other tied classes, so the
            argmax of the returned row is the tie-broken winner. Rows without a tie are exact.

    Returns:
        ``(track_ids, track_probabilities)``: track ids in order of first appearance and a
        ``(n_tracks, n_classes)`` float64 array in the same order.

    Raises:
        ValueError: Unknown ``method``, empty input, non-finite probabilities or mismatched shapes.
    """
    if method not in AGGREGATION_METHODS:
        raise ValueError(f"method must be one of {AGGREGATION_METHODS}, got {method!r}")
    probabilities = np.asarray(probabilities, dtype=np.float64)
    if probabilities.ndim != 2 or 0 in probabilities.shape:
        raise ValueError(f"probabilities must be a non-empty (n_segments, n_classes) array, got {probabilities.shape}")
    if not np.all(np.isfinite(probabilities)):
        raise ValueError("probabilities contains NaN or infinite values")
    track_ids, codes, _ = _track_codes(segment_track_ids, probabilities.shape[0])
    n_tracks, n_classes = track_ids.size, probabilities.shape[1]
    counts = np.bincount(codes, minlength=n_tracks).astype(np.float64)
    means = np.zeros((n_tracks, n_classes))
    np.add.at(means, codes, probabilities)
    means /= counts[:, None]
    if method == "mean":
        return track_ids, means
    votes = np.zeros((n_tracks, n_classes))
    np.add.at(votes, (codes, probabilities.argmax(axis=1)), 1.0)
    fractions = votes / counts[:, None]
    tied = votes == votes.max(axis=1, keepdims=True)
    for row in np.flatnonzero(tied.sum(axis=1) > 1):
        candidates = np.flatnonzero(tied[row])
        winner = candidates[np.argmax(means[row, candidates])]  # first maximum: lower index on equal means
        losers = candidates[candidates != winner]
        fractions[row, winner] += VOTE_TIE_NUDGE
        fractions[row, losers] -= VOTE_TIE_NUDGE / losers.size
    return track_ids, fractions


def track_labels(segment_labels, segment_track_ids) -> np.ndarray:
    """One label per track, in order of first appearance (the order of :func:`aggregate_tracks`).

    Args:
        segment_labels: Label of each segment.
        segment_track_ids: Owning track id of each segment.

    Returns:
        The tracks' labels.

    Raises:
        ValueError: Mismatched lengths, empty input, or a track whose segments disagree.
    """
    labels = np.asarray(segment_labels)
    if labels.ndim != 1:
        raise ValueError(f"segment_labels must be one-dimensional, got shape {labels.shape}")
    track_ids, codes, first = _track_codes(segment_track_ids, labels.size)
    disagree = labels != labels[first][codes]
    if np.any(disagree):
        bad = list(dict.fromkeys(track_ids[codes[disagree]].tolist()))
        raise ValueError(f"segment_labels disagree within {len(bad)} track(s), e.g. {bad[:5]}")
    return labels[first]


def _check_labels(values, name: str, n_classes: int) -> np.ndarray:
    array = np.asarray(values)
    if array.ndim != 1 or array.size == 0:
        raise ValueError(f"{name} must be a non-empty one-dimensional array, got shape {array.shape}")
    if not np.issubdtype(array.dtype, np.integer):
        raise ValueError(f"{name} must hold integer class indices, got dtype {array.dtype}")
    if array.min() < 0 or array.max() >= n_classes:
        raise ValueError(f"{name} has labels outside 0..{n_classes - 1} (range {array.min()}..{array.max()})")
    return array.astype(np.int64)


def _check_class_names(class_names) -> list[str]:
    names = [str(name) for name in class_names]
    if not names or len(set(names)) != len(names):
        raise ValueError(f"class_names must be non-empty and unique, got {names}")
    return names


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """``numerator / denominator`` with 0 where the denominator is 0."""
    out = np.zeros(numerator.shape, dtype=np.float64)
    np.divide(numerator, denominator, out=out, where=denominator > 0)
    return out


def classification_report(y_true, y_pred, class_names) -> dict:
    """Accuracy, balanced accuracy, macro F1, per-class scores and the confusion matrix.

    Balanced accuracy is the mean recall over the classes present in ``y_true``; macro F1 is
    the mean F1 over the classes present in ``y_true`` or ``y_pred`` (both as scikit-learn's
    defaults). Undefined ratios are 0: precision of a never-predicted class, recall of a class
    with no track, F1 when precision and recall are both 0.

    Args:
        y_true: True class index of each track.
        y_pred: Predicted class index of each track.
        class_names: Name of each class index.

    Returns:
        Dict with ``accuracy``, ``balanced_accuracy``, ``macro_f1`` (floats), ``n_tracks``,
        ``per_class`` (DataFrame indexed by class name, columns precision, recall, f1, support)
        and ``confusion`` (counts, rows = true class, columns = predicted class, every class
        present; index name ``"true"``, columns name ``"predicted"``).

    Raises:
        ValueError: Empty or mismatched inputs, non-integer labels, labels outside the classes.
    """
    names = _check_class_names(class_names)
    y_true = _check_labels(y_true, "y_true", len(names))
    y_pred = _check_labels(y_pred, "y_pred", len(names))
    if y_true.size != y_pred.size:
        raise ValueError(f"y_true has {y_true.size} labels but y_pred has {y_pred.size}")
    counts = np.zeros((len(names), len(names)), dtype=np.int64)
    np.add.at(counts, (y_true, y_pred), 1)
    correct = np.diag(counts).astype(np.float64)
    support, predicted = counts.sum(axis=1), counts.sum(axis=0)
    precision, recall = _ratio(correct, predicted), _ratio(correct, support)
    f1 = _ratio(2 * precision * recall, precision + recall)
    per_class = pd.DataFrame({"precision": precision, "recall": recall, "f1": f1, "support": support},
                             index=pd.Index(names, name="genre"))
    confusion = pd.DataFrame(counts, index=pd.Index(names, name="true"),
                             columns=pd.Index(names, name="predicted"))
    return {"accuracy": float(correct.sum() / y_true.size), "balanced_accuracy": float(recall[support > 0].mean()),
            "macro_f1": float(f1[(support > 0) | (predicted > 0)].mean()), "n_tracks": int(y_true.size),
            "per_class": per_class, "confusion": confusion}


def report_to_files(report: dict, folder: str | os.PathLike) -> dict[str, Path]:
    """Write a :func:`classification_report` as ``metrics.json``, ``per_genre.csv``, ``confusion.csv``.

    Each file goes to a temporary file in ``folder`` first and is moved into place with
    :func:`os.replace`, so readers never see a half-written file.

    Args:
        report: Output of :func:`classification_report`.
        folder: Destination folder, created if missing.

    Returns:
        Paths written, keyed ``"metrics"``, ``"per_genre"``, ``"confusion"``.

    Raises:
        ValueError: ``report`` lacks a metric, ``per_class`` or ``confusion``.
    """
    missing = [key for key in (*METRIC_KEYS, "per_class", "confusion") if key not in report]
    if missing:
        raise ValueError(f"report is missing {missing}; pass the output of classification_report")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    metrics = {key: float(report[key]) for key in METRIC_KEYS}
    metrics["n_tracks"] = int(report["n_tracks"])
    paths = {"metrics": folder / METRICS_FILE, "per_genre": folder / PER_GENRE_FILE,
             "confusion": folder / CONFUSION_FILE}
    write_json(paths["metrics"], metrics)
    write_csv(paths["per_genre"], report["per_class"], index=True, index_label="genre")
    write_csv(paths["confusion"], report["confusion"], index=True, index_label="true")
    return paths


def read_confusion(path: str | os.PathLike) -> pd.DataFrame:
    """Load a ``confusion.csv`` written by :func:`report_to_files` (names as str, counts as int)."""
    frame = pd.read_csv(path, dtype={"true": str}).set_index("true").astype(np.int64)
    frame.columns = pd.Index(frame.columns.astype(str), name="predicted")
    return frame


def read_metrics(folder: str | os.PathLike) -> dict:
    """Load the ``metrics.json`` that :func:`report_to_files` wrote into ``folder``."""
    return json.loads((Path(folder) / METRICS_FILE).read_text(encoding="utf-8"))


def predictions_frame(track_ids, y_true, probabilities, class_names) -> pd.DataFrame:
    """Per-track predictions: the table McNemar tests and error analyses are built from.

    Args:
        track_ids: Id of each track.
        y_true: True class index of each track.
        probabilities: ``(n_tracks, n_classes)`` track probabilities (e.g. from :func:`aggregate_tracks`).
        class_names: Name of each class index.

    Returns:
        DataFrame with ``track_id``, ``true`` and ``predicted`` (class names), ``confidence``
        (the highest probability), ``correct`` (bool) and one ``p_<class>`` column per class.

    Raises:
        ValueError: Mismatched lengths or class counts, empty input, bad labels.
    """
    names = _check_class_names(class_names)
    probabilities = np.asarray(probabilities, dtype=np.float64)
    if probabilities.ndim != 2 or probabilities.shape[1] != len(names):
        raise ValueError(f"probabilities must be (n_tracks, {len(names)}), got shape {probabilities.shape}")
    y_true = _check_labels(y_true, "y_true", len(names))
    ids = np.asarray(track_ids)
    if ids.ndim != 1 or not ids.size == y_true.size == probabilities.shape[0]:
        raise ValueError(f"track_ids ({ids.size}), y_true ({y_true.size}) and probabilities "
                         f"({probabilities.shape[0]} rows) must have the same length")
    y_pred, labels = probabilities.argmax(axis=1), np.asarray(names, dtype=object)
    frame = pd.DataFrame({"track_id": ids, "true": labels[y_true], "predicted": labels[y_pred],
                          "confidence": probabilities.max(axis=1), "correct": y_true == y_pred})
    for index, name in enumerate(names):
        frame[f"{PROBABILITY_PREFIX}{name}"] = probabilities[:, index]
    return frame

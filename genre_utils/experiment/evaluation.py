"""Per-track evaluation of a genre classifier: metrics and the files they go to.

Metrics come from the confusion matrix with numpy, so no scikit-learn warnings can appear: a class that is never
predicted has precision 0, a class with no test track has recall 0.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from genre_utils.paths import write_csv, write_json

METRICS_FILE = "metrics.json"
PER_GENRE_FILE = "per_genre.csv"
CONFUSION_FILE = "confusion.csv"
FILES = (METRICS_FILE, PER_GENRE_FILE, CONFUSION_FILE)
METRIC_KEYS = ("accuracy", "balanced_accuracy", "macro_f1", "n_tracks")
PROBABILITY_PREFIX = "p_"


def check_labels(values, name: str, n_classes: int, like: np.ndarray | None = None) -> np.ndarray:
    """``values`` as int64 class indices in ``[0, n_classes)``, as many as ``like`` has when given."""
    array = np.asarray(values)
    if array.ndim != 1 or array.size == 0:
        raise ValueError(f"{name} must be a non-empty one-dimensional array of class indices, got shape {array.shape}")
    if like is not None and array.size != like.size:
        raise ValueError(f"{name} has {array.size} entries, expected {like.size}")
    if not np.issubdtype(array.dtype, np.integer):
        raise ValueError(f"{name} must hold integer class indices, got dtype {array.dtype}")
    if array.min() < 0 or array.max() >= n_classes:
        raise ValueError(f"{name} must lie in [0, {n_classes}), got {array.min()}..{array.max()}")
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

    Balanced accuracy averages recall over the classes in ``y_true``, macro F1 the F1 over the classes in
    ``y_true`` or ``y_pred`` (as scikit-learn's defaults); an undefined ratio is 0.
    """
    names = _check_class_names(class_names)
    y_true = check_labels(y_true, "y_true", len(names))
    y_pred = check_labels(y_pred, "y_pred", len(names), like=y_true)
    counts = np.zeros((len(names), len(names)), dtype=np.int64)
    np.add.at(counts, (y_true, y_pred), 1)
    correct = np.diag(counts).astype(np.float64)
    support, predicted = counts.sum(axis=1), counts.sum(axis=0)
    precision, recall = _ratio(correct, predicted), _ratio(correct, support)
    f1 = _ratio(2 * precision * recall, precision + recall)
    per_class = pd.DataFrame(
        {"precision": precision, "recall": recall, "f1": f1, "support": support}, index=pd.Index(names, name="genre")
    )
    confusion = pd.DataFrame(counts, index=pd.Index(names, name="true"), columns=pd.Index(names, name="predicted"))
    return {
        "accuracy": float(correct.sum() / y_true.size),
        "balanced_accuracy": float(recall[support > 0].mean()),
        "macro_f1": float(f1[(support > 0) | (predicted > 0)].mean()),
        "n_tracks": int(y_true.size),
        "per_class": per_class,
        "confusion": confusion,
    }


def report_to_files(report: dict, folder: str | os.PathLike) -> dict[str, Path]:
    """Write a :func:`classification_report` as ``metrics.json``, ``per_genre.csv``, ``confusion.csv``, atomically."""
    folder = Path(folder)
    metrics = {key: float(report[key]) for key in METRIC_KEYS} | {"n_tracks": int(report["n_tracks"])}
    paths = {name: folder / file for name, file in zip(("metrics", "per_genre", "confusion"), FILES)}
    write_json(paths["metrics"], metrics)
    write_csv(paths["per_genre"], report["per_class"], index=True, index_label="genre")
    write_csv(paths["confusion"], report["confusion"], index=True, index_label="true")
    return paths


def read_confusion(path: str | os.PathLike) -> pd.DataFrame:
    """Load a ``confusion.csv`` written by :func:`report_to_files` (names as str, counts as int)."""
    frame = pd.read_csv(path, dtype={"true": str}).set_index("true").astype(np.int64)
    frame.columns = pd.Index(frame.columns.astype(str), name="predicted")
    return frame


def predictions_frame(track_ids, y_true, probabilities, class_names) -> pd.DataFrame:
    """Per-track predictions: the table McNemar tests and error analyses are built from."""
    names = _check_class_names(class_names)
    probabilities = np.asarray(probabilities, dtype=np.float64)
    if probabilities.ndim != 2 or probabilities.shape[1] != len(names):
        raise ValueError(f"probabilities must be (n_tracks, {len(names)}), got shape {probabilities.shape}")
    y_true = check_labels(y_true, "y_true", len(names))
    ids = np.asarray(track_ids)
    if ids.ndim != 1 or not ids.size == y_true.size == probabilities.shape[0]:
        raise ValueError(
            f"track_ids ({ids.size}), y_true ({y_true.size}) and probabilities "
            f"({probabilities.shape[0]} rows) must have the same length"
        )
    y_pred, labels = probabilities.argmax(axis=1), np.asarray(names, dtype=object)
    frame = pd.DataFrame(
        {
            "track_id": ids,
            "true": labels[y_true],
            "predicted": labels[y_pred],
            "confidence": probabilities.max(axis=1),
            "correct": y_true == y_pred,
        }
    )
    for index, name in enumerate(names):
        frame[f"{PROBABILITY_PREFIX}{name}"] = probabilities[:, index]
    return frame

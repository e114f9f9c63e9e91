"""Contenders fitted with scikit-learn on one vector per track (clip statistics, pretrained embeddings).

A :class:`SklearnContender` declares ``summarize`` (frame features to one vector), an estimator factory and a grid;
the best per-track accuracy on the *validation* tracks wins (ties to the earlier, simpler candidate).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from genre_utils.models.aggregation import aggregate_tracks, track_labels
from genre_utils.models.hyperparameters import CONFIG_FILE
from genre_utils.models.registry import Contender, Fitted
from genre_utils.paths import write_csv

ESTIMATOR_FILE = "model.joblib"
SELECTION_FILE = "selection.csv"


@dataclass
class SklearnPredictor:
    """A fitted estimator behind the contenders' common ``predict_proba``."""

    summarize: Callable
    estimator: object
    n_classes: int

    def predict_proba(self, x: np.ndarray, valid_frames=None) -> np.ndarray:
        """Class probabilities of ``(n_items, n_features, n_frames)`` items, in label order."""
        vectors = self.summarize(x, valid_frames)
        return full_probabilities(self.estimator, vectors, self.n_classes)


def full_probabilities(estimator, vectors: np.ndarray, n_classes: int) -> np.ndarray:
    """``predict_proba`` widened to every label (a class absent from training gets probability 0)."""
    known = np.asarray(estimator.predict_proba(vectors), dtype=np.float64)
    full = np.zeros((len(vectors), n_classes))
    full[:, np.asarray(estimator.classes_, dtype=int)] = known
    return full


def track_accuracy(probabilities: np.ndarray, labels: np.ndarray, track_ids: np.ndarray) -> float:
    """Accuracy per track of item probabilities averaged over each track's items."""
    _, per_track = aggregate_tracks(probabilities, track_ids, method="mean")
    return float(np.mean(per_track.argmax(axis=1) == track_labels(labels, track_ids)))


@dataclass(frozen=True)
class SklearnContender(Contender):
    """A scikit-learn estimator on one vector per item, its hyper-parameter chosen on validation tracks."""

    summarize: Callable | None = None
    make_estimator: Callable | None = None
    grid: tuple = ()
    count_parameters: Callable | None = None

    def fit(self, inputs, settings, folder: Path, description: dict, verbose: int = 0, **options) -> Fitted:
        import joblib

        from genre_utils.models.training import write_run_config  # lazy: Keras loads TensorFlow

        if not self.grid:
            raise ValueError(f"contender {self.name!r} declares no candidate hyper-parameters")
        grid = [dict(candidate) for candidate in options.pop("grid", self.grid)]
        started = time.perf_counter()
        train_vectors = self.summarize(inputs.train.x, inputs.train.valid_frames)
        valid_vectors = self.summarize(inputs.valid.x, inputs.valid.valid_frames)
        n_classes = len(inputs.class_names)
        rows, fitted = [], []
        for candidate in grid:
            estimator = self.make_estimator(settings.seed, **candidate, **options).fit(train_vectors, inputs.train.y)
            accuracy = track_accuracy(
                full_probabilities(estimator, valid_vectors, n_classes), inputs.valid.y, inputs.valid.track_ids
            )
            rows.append({**candidate, "valid_accuracy": accuracy})
            fitted.append(estimator)
            if verbose:
                print(f"{self.name} {candidate}: validation accuracy {accuracy:.3f}")
        seconds = time.perf_counter() - started
        chosen = int(np.argmax([row["valid_accuracy"] for row in rows]))  # ties to the earlier candidate
        best = fitted[chosen]
        write_csv(Path(folder) / SELECTION_FILE, pd.DataFrame(rows).assign(chosen=np.arange(len(rows)) == chosen))
        joblib.dump(best, Path(folder) / ESTIMATOR_FILE)
        parameters = int(self.count_parameters(best)) if self.count_parameters else 0
        write_run_config(
            folder,
            description,
            model=self.name,
            parameters=parameters,
            chosen=grid[chosen],
            train_items=len(train_vectors),
            valid_items=len(valid_vectors),
            train_seconds=round(seconds, 2),
            training={"seed": settings.seed, "grid": grid},
        )
        return Fitted(SklearnPredictor(self.summarize, best, n_classes), parameters, 1, 1, seconds, "single fit")

    def load(self, folder: Path) -> SklearnPredictor:
        import joblib

        estimator = joblib.load(Path(folder) / ESTIMATOR_FILE)
        config = pd.read_json(Path(folder) / CONFIG_FILE, typ="series")
        return SklearnPredictor(self.summarize, estimator, len(config["class_names"]))


def load_selection(folder) -> pd.DataFrame:
    """``selection.csv`` of a run: validation accuracy per candidate, the chosen one flagged."""
    path = Path(folder) / SELECTION_FILE
    if not path.is_file():
        raise FileNotFoundError(f"no model-selection table {path}; was the run fitted by a scikit-learn contender?")
    return pd.read_csv(path)


def frame_statistics(x: np.ndarray, valid_frames=None) -> np.ndarray:
    """Mean and standard deviation of each feature row over the real (unpadded) frames of each item."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 3:
        raise ValueError(f"x must be (n_items, n_features, n_frames), got shape {x.shape}")
    n_frames = x.shape[2]
    frames = np.full(len(x), n_frames) if valid_frames is None else np.clip(np.asarray(valid_frames), 1, n_frames)
    mask = np.arange(n_frames)[None, :] < frames[:, None]  # (n_items, n_frames)
    weights = mask[:, None, :] / frames[:, None, None]
    mean = (x * weights).sum(axis=2)
    spread = np.sqrt((((x - mean[:, :, None]) ** 2) * weights).sum(axis=2))
    return np.concatenate([mean, spread], axis=1)

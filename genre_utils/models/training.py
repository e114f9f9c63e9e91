"""Seeded Keras training with early stopping; a run folder gets ``history.csv``, ``model.keras``, ``config.json``.

Batches come from :func:`~genre_utils.models.streaming.item_batches`, shuffled per epoch from ``settings.seed``.
The thesis leaves the schedule open; here early stopping on validation loss (best weights kept), the learning rate
halved on a plateau, and neither before :data:`MIN_TRAINING_STEPS` gradient steps. docs/methods.md gives the reasons.
"""

from __future__ import annotations

import os
import platform
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import keras
import numpy as np
import pandas as pd

from genre_utils.features.store import StoreItems
from genre_utils.models.hyperparameters import (
    CONFIG_FILE,
    LR_FACTOR,
    LR_PATIENCE,
    MIN_LEARNING_RATE,
    MIN_TRAINING_STEPS,
    TrainingSettings,
)
from genre_utils.models.streaming import batch_count, item_batches
from genre_utils.paths import write_csv, write_json

MODEL_FILE = "model.keras"
HISTORY_FILE = "history.csv"


@dataclass
class TrainingResult:
    """What :func:`train` returns."""

    model: keras.Model
    history: pd.DataFrame
    best_epoch: int
    seconds: float
    folder: Path


def set_seeds(seed: int, deterministic: bool = True) -> bool:
    """Seed Python, NumPy and the backend; ask TensorFlow for deterministic ops."""
    keras.utils.set_random_seed(int(seed))
    if not deterministic:
        return False
    try:
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()
        return True
    except Exception:  # other backend, or too late to switch
        return False


def train(
    model: keras.Model,
    train_data: tuple,
    valid_data: tuple,
    folder: str | os.PathLike,
    settings: TrainingSettings = TrainingSettings(),
    description: dict | None = None,
    verbose: int = 0,
) -> TrainingResult:
    """Fit ``model`` on integer-labelled data with early stopping; save model, log and config."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    n_classes = int(model.output_shape[-1])
    (x_train, y_train), (x_valid, y_valid) = train_data, valid_data
    for name, x, y in (("train_data", x_train, y_train), ("valid_data", x_valid, y_valid)):
        if tuple(x.shape[1:]) != tuple(model.input_shape[1:]) or len(x) != len(y) or len(x) == 0:
            raise ValueError(
                f"{name}: expected x of shape (n, {model.input_shape[1:]}) with n labels, n > 0; "
                f"got x {x.shape} and {len(y)} labels"
            )
    set_seeds(settings.seed, deterministic=False)
    callbacks = [keras.callbacks.CSVLogger(str(folder / HISTORY_FILE))]
    warm_up = warm_up_epochs(batch_count(len(x_train), settings.batch_size), settings.epochs)
    if settings.patience:
        callbacks.append(
            EarlyStoppingAfterWarmUp(warm_up, monitor="val_loss", patience=settings.patience, restore_best_weights=True)
        )
        callbacks.append(
            ReduceLROnPlateauAfterWarmUp(
                warm_up,
                monitor="val_loss",
                factor=LR_FACTOR,
                patience=min(LR_PATIENCE, settings.patience),
                min_lr=MIN_LEARNING_RATE,
                verbose=0,
            )
        )
    batches = item_batches(
        x_train,
        one_hot(y_train, n_classes),
        batch_size=settings.batch_size,
        shuffle=True,
        seed=settings.seed,
        epochs=settings.epochs,
    )
    valid_batches = item_batches(x_valid, one_hot(y_valid, n_classes), batch_size=settings.batch_size)
    started = time.perf_counter()
    fitted = model.fit(
        batches,
        validation_data=valid_batches,
        epochs=settings.epochs,
        shuffle=False,
        steps_per_epoch=batch_count(len(x_train), settings.batch_size),
        callbacks=callbacks,
        verbose=verbose,
    )
    seconds = time.perf_counter() - started
    history = pd.DataFrame(fitted.history)
    history.insert(0, "epoch", np.arange(1, len(history) + 1))
    best_epoch = int(history["val_loss"].idxmin()) + 1 if settings.patience else len(history)
    write_csv(folder / HISTORY_FILE, history)  # the live log, rewritten with 1-based epochs
    model.save(folder / MODEL_FILE)
    write_run_config(
        folder,
        description,
        model=model.name,
        parameters=int(model.count_params()),
        training=asdict(settings),
        epochs_run=len(history),
        best_epoch=best_epoch,
        train_items=len(x_train),
        valid_items=len(x_valid),
        streamed=isinstance(x_train, StoreItems),
        warm_up_epochs=warm_up if settings.patience else 0,
        train_seconds=round(seconds, 2),
        seconds_per_epoch=round(seconds / max(1, len(history)), 3),
    )
    return TrainingResult(model=model, history=history, best_epoch=best_epoch, seconds=seconds, folder=folder)


def warm_up_epochs(steps_per_epoch: int, epochs: int, min_steps: int = MIN_TRAINING_STEPS) -> int:
    """Epochs that make at least ``min_steps`` gradient steps, at most ``epochs`` (the run's bound)."""
    if int(steps_per_epoch) < 1:
        raise ValueError(f"steps_per_epoch must be >= 1, got {steps_per_epoch!r}")
    return min(int(epochs), -(-int(min_steps) // int(steps_per_epoch)))


class EarlyStoppingAfterWarmUp(keras.callbacks.EarlyStopping):
    """Keras's early stopping, never before ``warm_up`` epochs; the best weights are tracked from the first."""

    def __init__(self, warm_up: int, **kwargs):
        super().__init__(**kwargs)
        self.warm_up = int(warm_up)

    def on_epoch_end(self, epoch, logs=None):
        super().on_epoch_end(epoch, logs)
        if epoch < self.warm_up:  # epochs 1..warm_up (0-based 0..warm_up-1) never count
            self.wait, self.stopped_epoch = 0, 0
            self.model.stop_training = False


class ReduceLROnPlateauAfterWarmUp(keras.callbacks.ReduceLROnPlateau):
    """Keras's learning-rate halving on a plateau, held off for the first ``warm_up`` epochs (as a cooldown)."""

    def __init__(self, warm_up: int, **kwargs):
        super().__init__(**kwargs)
        self.warm_up = int(warm_up)

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        self.cooldown_counter = self.warm_up


def one_hot(labels: np.ndarray, n_classes: int) -> np.ndarray:
    """Integer labels to the one-hot targets categorical cross-entropy expects."""
    labels = np.asarray(labels)
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError(f"labels must lie in [0, {n_classes}), got {labels.min()}..{labels.max()}")
    return np.eye(n_classes, dtype=np.float32)[labels.astype(int)]


def write_run_config(folder: str | os.PathLike, description: dict | None, **facts) -> dict:
    """``config.json`` of a run folder: the caller's description, ``facts`` and the versions a result depends on."""
    import librosa  # lazy: librosa, imported only to name its version
    import tensorflow as tf

    versions = {"python": platform.python_version()}
    versions.update({module.__name__: module.__version__ for module in (tf, keras, librosa, np, pd)})
    versions.update(machine=platform.machine(), system=platform.system())
    config = {**(description or {}), **facts, "versions": versions}
    write_json(Path(folder) / CONFIG_FILE, config)
    return config


def load_history(folder: str | os.PathLike) -> pd.DataFrame:
    """The per-epoch log of a run folder."""
    path = Path(folder) / HISTORY_FILE
    if not path.is_file():
        raise FileNotFoundError(f"no training log {path}; was the run trained?")
    return pd.read_csv(path)

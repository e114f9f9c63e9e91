"""Training hyper-parameters: their defaults and the settings of one run, named without loading TensorFlow."""

from __future__ import annotations

from dataclasses import dataclass

from genre_utils.models.streaming import DEFAULT_BATCH_SIZE

CONFIG_FILE = "config.json"  # a run folder's settings and facts, written by every family
DEFAULT_EPOCHS = 100  # safety bound; early stopping ends training
DEFAULT_PATIENCE = 6  # epochs without a lower validation loss before stopping
LR_PATIENCE = 3  # epochs without a lower validation loss before the learning rate halves
LR_FACTOR = 0.5
MIN_LEARNING_RATE = 1e-5
MIN_TRAINING_STEPS = 250  # gradient steps before early stopping or the learning-rate halving may act (docstring)


@dataclass(frozen=True)
class TrainingSettings:
    """Hyper-parameters of one training run (``patience`` 0: no early stopping; ``seed``: weights, dropout, order)."""

    epochs: int = DEFAULT_EPOCHS
    batch_size: int = DEFAULT_BATCH_SIZE
    patience: int = DEFAULT_PATIENCE
    seed: int = 0

    def __post_init__(self):
        for name in ("epochs", "batch_size"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)!r}")
        if int(self.patience) < 0:
            raise ValueError(f"patience must be >= 0, got {self.patience!r}")
        if int(self.seed) < 0:
            raise ValueError(f"seed must be >= 0, got {self.seed!r}")

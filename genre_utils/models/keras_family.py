"""Contenders that are Keras networks on frame features, fitted by :func:`genre_utils.models.training.train`.

A :class:`KerasContender` declares ``builder(input_shape, n_classes, **build_options)``, a compiled model for
``(batch, n_features, n_frames)`` arrays; a reading is the same builder with other ``build_options``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from genre_utils.models.registry import Contender, Fitted
from genre_utils.models.streaming import predict_items, predict_step

LEARNING_RATE = 0.001  # thesis, Adam
WHOLE_CLIPS_CHOICE = (
    "unit: whole clips, one item per track whatever the run's segment length (the thesis's own "
    "unit), instead of the run's segments"
)  # the readings of both thesis models that share it


def compile_classifier(model, learning_rate: float = LEARNING_RATE) -> None:
    """Adam and categorical cross-entropy with accuracy, as the thesis trains both its models."""
    import keras

    if not learning_rate > 0:
        raise ValueError(f"learning_rate must be > 0, got {learning_rate!r}")
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )


def check_shape(input_shape, n_classes) -> tuple[int, int]:
    """``(n_features, n_frames)`` as two positive ints; ``n_classes`` at least 2."""
    if len(tuple(input_shape)) != 2 or min(input_shape) < 1:
        raise ValueError(f"input_shape must be (n_features, n_frames), got {input_shape!r}")
    if int(n_classes) < 2:
        raise ValueError(f"n_classes must be >= 2, got {n_classes!r}")
    return int(input_shape[0]), int(input_shape[1])


def parameter_count(model) -> int:
    """Trainable parameters, as ``model.summary()`` reports them."""
    return int(sum(np.prod(w.shape) for w in model.trainable_weights))


@dataclass
class KerasPredictor:
    """A trained network behind the contenders' common ``predict_proba``; its inference graph is traced once."""

    model: object  # keras.Model
    step: object = field(default=None, init=False, repr=False, compare=False)  # the traced inference graph

    def predict_proba(self, x, valid_frames=None) -> np.ndarray:
        """Softmax outputs of ``(n_items, n_features, n_frames)`` standardized inputs, batch by batch."""
        if self.step is None and len(x):
            self.step = predict_step(self.model)
        return predict_items(self.model, x, step=self.step)

    @property
    def input_frames(self) -> int:
        """Frames of one input item."""
        return int(self.model.input_shape[-1])


@dataclass(frozen=True)
class KerasContender(Contender):
    """A Keras network; ``builder`` makes it compiled, for one input shape and class count."""

    streams: bool = True
    builder: Callable | None = None
    build_options: dict = field(default_factory=dict, hash=False)
    segments_only: bool = False

    def __post_init__(self):
        super().__post_init__()
        if not isinstance(self.build_options, dict):
            raise ValueError(
                f"contender {self.name!r}: build_options must be a dict of builder options, got {self.build_options!r}"
            )
        if self.segments_only and self.whole_clips:
            raise ValueError(f"contender {self.name!r} cannot be both whole_clips and segments_only")

    def build(self, input_shape: tuple[int, int], n_classes: int, **options):
        """The compiled model (weights drawn from the current seed), with :attr:`build_options` and ``options``."""
        if self.builder is None:
            raise ValueError(f"contender {self.name!r} declares no builder")
        return self.builder(input_shape, n_classes, **{**self.build_options, **options})

    def fit(self, inputs, settings, folder: Path, description: dict, verbose: int = 0, **options) -> Fitted:
        """Train with :func:`genre_utils.models.training.train`."""
        from genre_utils.models.training import set_seeds, train  # lazy: Keras loads TensorFlow

        if self.segments_only and not inputs.segment_seconds:
            raise ValueError(
                f"{self.name} ({self.title}) applies to segments only, not to whole clips "
                "(segment_seconds = 0); see its declaration's choice: " + self.choice
            )
        set_seeds(settings.seed)
        model = self.build(inputs.input_shape, len(inputs.class_names), **options)
        trained = train(
            model,
            (inputs.train.x, inputs.train.y),
            (inputs.valid.x, inputs.valid.y),
            folder,
            settings,
            description=description,
            verbose=verbose,
        )
        epochs_run = len(trained.history)
        stopped_by = "epoch cap" if epochs_run >= settings.epochs else "early stopping"
        return Fitted(
            KerasPredictor(trained.model),
            parameter_count(trained.model),
            epochs_run,
            trained.best_epoch,
            trained.seconds,
            stopped_by,
        )

    def summary(self) -> dict:
        """The declaration as plain literals, with the builder's options and ``segments_only``."""
        return {**super().summary(), "build_options": dict(self.build_options), "segments_only": self.segments_only}

    def load(self, folder: Path) -> KerasPredictor:
        import keras

        from genre_utils.models.training import MODEL_FILE  # lazy: Keras loads TensorFlow

        return KerasPredictor(keras.saving.load_model(Path(folder) / MODEL_FILE, compile=False))

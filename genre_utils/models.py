"""The thesis models: a five-layer CNN and a five-layer LSTM over MFCC frames (Keras).

Both follow Gessle & Akesson (2019) exactly where the thesis is explicit, and make every choice
it leaves open an argument with a documented default:

CNN (thesis): five ``Conv2D`` layers of 32 filters with a 3x2 kernel, dropout 0.25 after each,
``Dense(128)`` with dropout 0.5, softmax, Adam (lr 0.001), categorical cross-entropy.
Open choices made here:

- *Orientation*: the input is the ``(n_features, n_frames)`` matrix as an image of height
  ``n_features`` (20 MFCCs) and width ``n_frames``; the 3x2 kernel spans 3 coefficients and 2
  frames.
- *Pooling*: ``MaxPooling2D((2, 2))`` after every convolution (default ``pooling="max"``). The
  thesis names none; without pooling, a 30 s clip (20 x 1292) flattens to 32 x 20 x 1292 =
  826,880 values and ``Dense(128)`` alone holds 106 million weights, 400 times more than the
  rest of the network and far beyond what 800 clips can fit. Max pooling halves both axes per
  block (20 x 1292 -> 1 x 41), keeping the model at ~0.2 M parameters, and makes the response
  tolerant to small shifts in time and pitch -- the usual choice in the MFCC-CNN tutorials of
  the thesis's time. ``pooling="none"`` reproduces the literal reading, ``"average"`` is offered.
- *Padding* ``"same"`` so five blocks fit the 20 MFCC rows; *activation* ReLU.

LSTM (thesis): five ``LSTM`` layers of 128, 32, 32, 32, 32 units, dropout 0.5 after the first
and 0.3 after the others, softmax. Open choices: the input is time-major ``(n_frames,
n_features)``; every LSTM but the last returns sequences; dropout is a ``Dropout`` layer
between LSTM layers (not the recurrent-state dropout, which would also rule out the fast
fused kernels); the same Adam / cross-entropy as the CNN.
"""

from __future__ import annotations

import numpy as np

import keras
from keras import layers

MODEL_NAMES = ("cnn", "lstm")
LEARNING_RATE = 0.001  # thesis, Adam
CNN_FILTERS = (32, 32, 32, 32, 32)  # thesis
CNN_KERNEL = (3, 2)  # thesis: 3 MFCC coefficients x 2 frames
CNN_DROPOUT = 0.25  # thesis, after each convolution
DENSE_UNITS = 128  # thesis
DENSE_DROPOUT = 0.5  # thesis
POOLINGS = ("max", "average", "none")
POOL_SIZE = (2, 2)  # our choice, see the module docstring
LSTM_UNITS = (128, 32, 32, 32, 32)  # thesis
LSTM_DROPOUT = (0.5, 0.3, 0.3, 0.3, 0.3)  # thesis


def build_cnn(
    input_shape: tuple[int, int],
    n_classes: int,
    *,
    pooling: str = "max",
    pool_size: tuple[int, int] = POOL_SIZE,
    padding: str = "same",
    learning_rate: float = LEARNING_RATE,
) -> keras.Model:
    """The thesis CNN, compiled.

    Args:
        input_shape: ``(n_features, n_frames)``, e.g. ``(20, 1292)`` for a 30 s clip.
        n_classes: Number of genres (softmax units).
        pooling: ``"max"`` (default, see the module docstring), ``"average"`` or ``"none"``.
        pool_size: Pooling window over (coefficients, frames).
        padding: Convolution padding, ``"same"`` (default) or ``"valid"``.
        learning_rate: Adam step size (thesis 0.001).

    Returns:
        A compiled model taking ``(batch, n_features, n_frames)`` arrays.
    """
    n_features, n_frames = _check_shape(input_shape, n_classes)
    if pooling not in POOLINGS:
        raise ValueError(f"unknown pooling {pooling!r}; expected one of {', '.join(POOLINGS)}")
    if padding not in ("same", "valid"):
        raise ValueError(f"padding must be 'same' or 'valid', got {padding!r}")
    inputs = keras.Input(shape=(n_features, n_frames), name="features")
    x = layers.Reshape((n_features, n_frames, 1), name="as_image")(inputs)
    for block, filters in enumerate(CNN_FILTERS, start=1):
        x = layers.Conv2D(filters, CNN_KERNEL, padding=padding, activation="relu", name=f"conv{block}")(x)
        if pooling == "max":
            x = layers.MaxPooling2D(pool_size, padding="same", name=f"pool{block}")(x)
        elif pooling == "average":
            x = layers.AveragePooling2D(pool_size, padding="same", name=f"pool{block}")(x)
        x = layers.Dropout(CNN_DROPOUT, name=f"dropout{block}")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(DENSE_UNITS, activation="relu", name="dense")(x)
    x = layers.Dropout(DENSE_DROPOUT, name="dense_dropout")(x)
    outputs = layers.Dense(n_classes, activation="softmax", name="genre")(x)
    model = keras.Model(inputs, outputs, name="thesis_cnn")
    _compile(model, learning_rate)
    return model


def build_lstm(
    input_shape: tuple[int, int],
    n_classes: int,
    *,
    learning_rate: float = LEARNING_RATE,
) -> keras.Model:
    """The thesis LSTM, compiled.

    Args:
        input_shape: ``(n_features, n_frames)``; the model transposes to time-major itself.
        n_classes: Number of genres (softmax units).
        learning_rate: Adam step size (the thesis gives 0.001 for the CNN; used for both).

    Returns:
        A compiled model taking ``(batch, n_features, n_frames)`` arrays, like :func:`build_cnn`.
    """
    n_features, n_frames = _check_shape(input_shape, n_classes)
    inputs = keras.Input(shape=(n_features, n_frames), name="features")
    x = layers.Permute((2, 1), name="time_major")(inputs)
    last = len(LSTM_UNITS)
    for index, (units, rate) in enumerate(zip(LSTM_UNITS, LSTM_DROPOUT), start=1):
        x = layers.LSTM(units, return_sequences=index < last, name=f"lstm{index}")(x)
        x = layers.Dropout(rate, name=f"dropout{index}")(x)
    outputs = layers.Dense(n_classes, activation="softmax", name="genre")(x)
    model = keras.Model(inputs, outputs, name="thesis_lstm")
    _compile(model, learning_rate)
    return model


def build_model(name: str, input_shape: tuple[int, int], n_classes: int, **options) -> keras.Model:
    """``build_cnn`` or ``build_lstm`` by name (``"cnn"``, ``"lstm"``)."""
    if name == "cnn":
        return build_cnn(input_shape, n_classes, **options)
    if name == "lstm":
        return build_lstm(input_shape, n_classes, **options)
    raise ValueError(f"unknown model {name!r}; expected one of {', '.join(MODEL_NAMES)}")


def parameter_count(model: keras.Model) -> int:
    """Trainable parameters, as ``model.summary()`` reports them."""
    return int(sum(np.prod(w.shape) for w in model.trainable_weights))


def one_hot(labels: np.ndarray, n_classes: int) -> np.ndarray:
    """Integer labels to the one-hot targets categorical cross-entropy expects."""
    labels = np.asarray(labels)
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError(f"labels must lie in [0, {n_classes}), got {labels.min()}..{labels.max()}")
    return np.eye(n_classes, dtype=np.float32)[labels.astype(int)]


def _compile(model: keras.Model, learning_rate: float) -> None:
    if not learning_rate > 0:
        raise ValueError(f"learning_rate must be > 0, got {learning_rate!r}")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
                  loss="categorical_crossentropy", metrics=["accuracy"])


def _check_shape(input_shape, n_classes) -> tuple[int, int]:
    if len(tuple(input_shape)) != 2 or min(input_shape) < 1:
        raise ValueError(f"input_shape must be (n_features, n_frames), got {input_shape!r}")
    if int(n_classes) < 2:
        raise ValueError(f"n_classes must be >= 2, got {n_classes!r}")
    return int(input_shape[0]), int(input_shape[1])

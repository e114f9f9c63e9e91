"""The thesis CNN (Gessle & Akesson 2019): five Conv2D(32, 3x2) blocks over the MFCC matrix.

Built exactly as the thesis states it, with every choice it leaves open an argument with a
documented default. Thesis: five ``Conv2D`` layers of 32 filters with a 3x2 kernel, dropout 0.25 after each,
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
"""

from __future__ import annotations

import keras
from keras import layers

from genre_utils.models.keras_family import LEARNING_RATE, KerasContender, check_shape, compile_classifier

ORDER = 1  # the thesis's models lead every table
CNN_FILTERS = (32, 32, 32, 32, 32)  # thesis
CNN_KERNEL = (3, 2)  # thesis: 3 MFCC coefficients x 2 frames
CNN_DROPOUT = 0.25  # thesis, after each convolution
DENSE_UNITS = 128  # thesis
DENSE_DROPOUT = 0.5  # thesis
POOLINGS = ("max", "average", "none")
POOL_SIZE = (2, 2)  # our choice, see the module docstring


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
    n_features, n_frames = check_shape(input_shape, n_classes)
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
    compile_classifier(model, learning_rate)
    return model


CONTENDER = KerasContender(
    name="cnn", title="Thesis CNN",
    description="Five Conv2D(32, 3x2) blocks, Dense(128), softmax on 20 MFCCs (Gessle & Akesson 2019, KTH thesis)",
    family="keras", features="mfcc", feature_kinds=("mfcc", "logmel", "chroma"),
    input="features x frames of a segment or whole clip (20 x 130 for 3 s of MFCCs)", builder=build_cnn)

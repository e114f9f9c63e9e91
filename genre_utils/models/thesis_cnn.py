"""The thesis CNN (Gessle & Akesson 2019): five Conv2D(32, 3x2) blocks over the MFCC matrix.

As the thesis states it: five ``Conv2D`` of 32 filters (3x2 kernel), dropout 0.25 after each, ``Dense(128)`` with
dropout 0.5, softmax, Adam (lr 0.001), categorical cross-entropy. Its open choices are arguments of
:func:`build_cnn`; the study's reading (contender ``cnn``): the kernel spans 3 coefficients x 2 frames
(``features_first``), ``MaxPooling2D((2, 2))`` after each convolution (without pooling ``Dense(128)`` alone would
hold 106 M weights on a 30 s clip), ``"same"`` padding, ReLU, 3 s segments averaged per track.
:data:`READINGS` declares the other readings (transposed kernel, no pooling, whole clips); docs/methods.md
discusses them and docs/benchmarks.md holds their measured accuracies.
"""

from __future__ import annotations

import keras
from keras import layers

from genre_utils.models.keras_family import (
    LEARNING_RATE,
    WHOLE_CLIPS_CHOICE,
    KerasContender,
    check_shape,
    compile_classifier,
)
from genre_utils.models.registry import reading

ORDER = 1  # the thesis's models lead every table
CNN_FILTERS = (32, 32, 32, 32, 32)  # thesis
CNN_KERNEL = (3, 2)  # thesis: 3 x 2 over (image height, width); which axis is which is open (ORIENTATIONS)
CNN_DROPOUT = 0.25  # thesis, after each convolution
DENSE_UNITS = 128  # thesis
DENSE_DROPOUT = 0.5  # thesis
POOLINGS = ("max", "average", "none")
POOL_SIZE = (2, 2)  # our choice, see the module docstring
ORIENTATIONS = ("features_first", "frames_first")  # image height: the features (MFCC coefficients) or the frames


def build_cnn(
    input_shape: tuple[int, int],
    n_classes: int,
    *,
    pooling: str = "max",
    pool_size: tuple[int, int] = POOL_SIZE,
    padding: str = "same",
    orientation: str = "features_first",
    learning_rate: float = LEARNING_RATE,
) -> keras.Model:
    """The thesis CNN, compiled, for ``(batch, n_features, n_frames)`` inputs whatever the ``orientation``.

    ``orientation="frames_first"`` transposes the input inside the model, so the 3x2 kernel spans 3 frames x 2
    coefficients; ``pooling`` is ``"max"``, ``"average"`` or ``"none"``.
    """
    n_features, n_frames = check_shape(input_shape, n_classes)
    if pooling not in POOLINGS:
        raise ValueError(f"unknown pooling {pooling!r}; expected one of {', '.join(POOLINGS)}")
    if padding not in ("same", "valid"):
        raise ValueError(f"padding must be 'same' or 'valid', got {padding!r}")
    if orientation not in ORIENTATIONS:
        raise ValueError(f"unknown orientation {orientation!r}; expected one of {', '.join(ORIENTATIONS)}")
    inputs = keras.Input(shape=(n_features, n_frames), name="features")
    x, height, width = inputs, n_features, n_frames
    if orientation == "frames_first":
        x, height, width = layers.Permute((2, 1), name="frames_first")(x), n_frames, n_features
    x = layers.Reshape((height, width, 1), name="as_image")(x)
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
    name="cnn",
    title="Thesis CNN",
    description="Five Conv2D(32, 3x2) blocks, Dense(128), softmax on 20 MFCCs (Gessle & Akesson 2019, KTH thesis)",
    family="keras",
    features="mfcc",
    feature_kinds=("mfcc", "logmel", "chroma"),
    input="features x frames of a segment or whole clip (20 x 130 for 3 s of MFCCs)",
    builder=build_cnn,
)

READINGS = (  # the thesis CNN's other readings of its open choices (module docstring)
    reading(
        CONTENDER,
        "cnn_frames_first",
        "Thesis CNN, frames x coefficients",
        "orientation: the MFCC matrix transposed (frames x coefficients), the 3x2 kernel spanning 3 frames "
        "x 2 coefficients",
        build_options={"orientation": "frames_first"},
        input="frames x features of a segment or whole clip (130 x 20 for 3 s of MFCCs), transposed in the model",
    ),
    reading(
        CONTENDER,
        "cnn_no_pooling",
        "Thesis CNN, no pooling",
        "pooling: none, the literal reading (segments only: on a whole 30 s clip Dense(128) would hold 106 M weights)",
        build_options={"pooling": "none"},
        segments_only=True,
        input="features x frames of a segment (20 x 130 for 3 s of MFCCs)",
    ),
    reading(
        CONTENDER,
        "cnn_clips",
        "Thesis CNN, whole clips",
        WHOLE_CLIPS_CHOICE,
        whole_clips=True,
        input="features x frames of a whole clip (20 x 1292 for 30 s of MFCCs)",
    ),
)

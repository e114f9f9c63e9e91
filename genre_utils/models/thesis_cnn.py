"""The thesis CNN (Gessle & Akesson 2019): five Conv2D(32, 3x2) blocks over the MFCC matrix.

Built exactly as the thesis states it, with every choice it leaves open an argument with a
documented default. Thesis: five ``Conv2D`` layers of 32 filters with a 3x2 kernel, dropout 0.25 after each,
``Dense(128)`` with dropout 0.5, softmax, Adam (lr 0.001), categorical cross-entropy.
Open choices made here (the study's reading, the contender ``cnn``):

- *Orientation*: the input is the ``(n_features, n_frames)`` matrix as an image of height
  ``n_features`` (20 MFCCs) and width ``n_frames``; the 3x2 kernel spans 3 coefficients and 2
  frames (``orientation="features_first"``).
- *Pooling*: ``MaxPooling2D((2, 2))`` after every convolution (default ``pooling="max"``). The
  thesis names none; without pooling, a 30 s clip (20 x 1292) flattens to 32 x 20 x 1292 =
  826,880 values and ``Dense(128)`` alone holds 106 million weights, 400 times more than the
  rest of the network and far beyond what 800 clips can fit. Max pooling halves both axes per
  block (20 x 1292 -> 1 x 41), keeping the model at ~0.2 M parameters, and makes the response
  tolerant to small shifts in time and pitch -- the usual choice in the MFCC-CNN tutorials of
  the thesis's time. ``pooling="none"`` reproduces the literal reading, ``"average"`` is offered.
- *Padding* ``"same"`` so five blocks fit the 20 MFCC rows; *activation* ReLU.
- *Unit*: the run's segments (3 s in the notebooks), each test track's segment probabilities
  averaged; the thesis trained on whole 30 s clips.

The other readings of these choices (:data:`READINGS`), each a contender of its own that notebook
07 trains and compares with the thesis LSTM:

- ``cnn_frames_first``: the matrix transposed, an image of height ``n_frames`` and width
  ``n_features``, so the same 3x2 kernel spans 3 frames x 2 coefficients (``orientation=
  "frames_first"``). "3x2" alone does not say which axis is which; on 100 real GTZAN excerpts
  (5 folds, two seeds) this reading scored 35.6 % against 43.1 % for the study's.
- ``cnn_no_pooling``: no pooling at all, the literal reading. It applies to segments only: on 3 s
  segments (20 x 130) ``Dense(128)`` holds 10.6 M weights, on a whole 30 s clip 106 M, which
  neither 800 clips can fit nor a CPU train in the report's time, so the runner refuses it on
  whole clips (``segments_only``).
- ``cnn_clips``: whole clips, one item per track whatever the run's segment length, as the thesis
  trained (23.3 % on the 100 GTZAN excerpts, 3 of 10 runs learnt: 70 training items are too few
  for the network).
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
    """The thesis CNN, compiled.

    Args:
        input_shape: ``(n_features, n_frames)``, e.g. ``(20, 1292)`` for a 30 s clip.
        n_classes: Number of genres (softmax units).
        pooling: ``"max"`` (default, see the module docstring), ``"average"`` or ``"none"``.
        pool_size: Pooling window over (image height, width).
        padding: Convolution padding, ``"same"`` (default) or ``"valid"``.
        orientation: ``"features_first"`` (default: an image of height ``n_features``, the 3x2 kernel
            spanning 3 coefficients x 2 frames) or ``"frames_first"`` (the input transposed inside
            the model, the kernel spanning 3 frames x 2 coefficients).
        learning_rate: Adam step size (thesis 0.001).

    Returns:
        A compiled model taking ``(batch, n_features, n_frames)`` arrays, whatever the orientation.

    Raises:
        ValueError: Naming the option (``pooling``, ``padding``, ``orientation``) and its allowed values.
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

"""A convolutional recurrent network on the log-mel spectrogram (Choi, Fazekas, Sandler & Cho 2017).

Convolution blocks summarize the spectrogram locally and collapse the frequency axis; GRUs read the sequence over
time. Sized for a CPU: the 128-band log-mel averaged over 2 x 2 cells; four 3x3 ``Conv2D`` blocks (16, 32, 32, 64)
with batch normalization (momentum 0.9: Keras's 0.99 lags on a few hundred segments), ELU, max pooling and dropout
0.1; two GRUs of 32 units, dropout 0.3, softmax. Adam 0.001 as the thesis.
"""

from __future__ import annotations

import keras
from keras import layers

from genre_utils.models.keras_family import LEARNING_RATE, KerasContender, check_shape, compile_classifier

ORDER = 4
INPUT_POOL = (2, 2)  # (bands, frames) averaged before the first convolution
CONV_FILTERS = (16, 32, 32, 64)
CONV_KERNEL = (3, 3)
POOL_SIZES = ((2, 2), (2, 2), (4, 2), (4, 2))  # (bands, frames): 64 bands -> 1
NORM_MOMENTUM = 0.9
CONV_DROPOUT = 0.1
GRU_UNITS = (32, 32)
GRU_DROPOUT = 0.3


def build_crnn(input_shape: tuple[int, int], n_classes: int, *, learning_rate: float = LEARNING_RATE) -> keras.Model:
    """The CRNN, compiled; takes ``(batch, n_bands, n_frames)`` arrays (at least 4 frames) like the thesis models."""
    n_bands, n_frames = check_shape(input_shape, n_classes)
    if n_frames < 4:
        raise ValueError(f"the CRNN needs at least 4 frames per item, got {n_frames}")
    inputs = keras.Input(shape=(n_bands, n_frames), name="features")
    x = layers.Reshape((n_bands, n_frames, 1), name="as_image")(inputs)
    x = layers.AveragePooling2D(INPUT_POOL, padding="same", name="downsample")(x)
    for block, (filters, pool) in enumerate(zip(CONV_FILTERS, POOL_SIZES), start=1):
        x = layers.Conv2D(filters, CONV_KERNEL, padding="same", name=f"conv{block}")(x)
        x = layers.BatchNormalization(momentum=NORM_MOMENTUM, name=f"norm{block}")(x)
        x = layers.Activation("elu", name=f"elu{block}")(x)
        x = layers.MaxPooling2D(pool, padding="same", name=f"pool{block}")(x)
        x = layers.Dropout(CONV_DROPOUT, name=f"dropout{block}")(x)
    # (bands, steps, filters) -> (steps, bands * filters): the bands have been pooled to (about) one
    x = layers.Permute((2, 1, 3), name="time_major")(x)
    x = layers.Reshape((x.shape[1], x.shape[2] * x.shape[3]), name="sequence")(x)
    for index, units in enumerate(GRU_UNITS, start=1):
        x = layers.GRU(units, return_sequences=index < len(GRU_UNITS), name=f"gru{index}")(x)
    x = layers.Dropout(GRU_DROPOUT, name="gru_dropout")(x)
    outputs = layers.Dense(n_classes, activation="softmax", name="genre")(x)
    model = keras.Model(inputs, outputs, name="crnn")
    compile_classifier(model, learning_rate)
    return model


CONTENDER = KerasContender(
    name="crnn",
    title="CRNN",
    description="Four conv blocks over the log-mel spectrogram, two GRU layers over time "
    "(Choi, Fazekas, Sandler & Cho 2017, ICASSP)",
    family="keras",
    features="logmel",
    feature_kinds=("logmel", "mfcc"),
    input="128 log-mel bands x frames of a segment or clip (128 x 130 for 3 s)",
    builder=build_crnn,
)

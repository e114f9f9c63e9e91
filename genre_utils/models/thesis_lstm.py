"""The thesis LSTM (Gessle & Akesson 2019): five LSTM layers of 128, 32, 32, 32, 32 units.

As the thesis states it: dropout 0.5 after the first layer and 0.3 after the others, softmax. The study's reading
(contender ``lstm``): time-major input ``(n_frames, n_features)``; every LSTM but the last returns sequences;
dropout as ``Dropout`` layers between LSTMs (recurrent dropout would rule out the fused kernels); Adam 0.001 and
cross-entropy as the CNN; 3 s segments averaged per track. :data:`READINGS` adds ``lstm_clips`` (whole clips, as
the thesis trained); docs/methods.md discusses it.
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

ORDER = 2
LSTM_UNITS = (128, 32, 32, 32, 32)  # thesis
LSTM_DROPOUT = (0.5, 0.3, 0.3, 0.3, 0.3)  # thesis


def build_lstm(input_shape: tuple[int, int], n_classes: int, *, learning_rate: float = LEARNING_RATE) -> keras.Model:
    """The thesis LSTM, compiled; takes ``(batch, n_features, n_frames)`` arrays and reads them time-major."""
    n_features, n_frames = check_shape(input_shape, n_classes)
    inputs = keras.Input(shape=(n_features, n_frames), name="features")
    x = layers.Permute((2, 1), name="time_major")(inputs)
    last = len(LSTM_UNITS)
    for index, (units, rate) in enumerate(zip(LSTM_UNITS, LSTM_DROPOUT), start=1):
        x = layers.LSTM(units, return_sequences=index < last, name=f"lstm{index}")(x)
        x = layers.Dropout(rate, name=f"dropout{index}")(x)
    outputs = layers.Dense(n_classes, activation="softmax", name="genre")(x)
    model = keras.Model(inputs, outputs, name="thesis_lstm")
    compile_classifier(model, learning_rate)
    return model


CONTENDER = KerasContender(
    name="lstm",
    title="Thesis LSTM",
    description="Five LSTM layers (128, 32, 32, 32, 32) over MFCC frames, softmax (Gessle & Akesson 2019, KTH thesis)",
    family="keras",
    features="mfcc",
    feature_kinds=("mfcc", "logmel", "chroma"),
    input="frames x features of a segment or whole clip (the model reads time-major)",
    builder=build_lstm,
)

READINGS = (  # the thesis LSTM's other reading of its open choices (module docstring)
    reading(
        CONTENDER,
        "lstm_clips",
        "Thesis LSTM, whole clips",
        WHOLE_CLIPS_CHOICE,
        whole_clips=True,
        input="frames x features of a whole clip (1292 x 20 for 30 s of MFCCs), read time-major",
    ),
)

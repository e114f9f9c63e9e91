"""The thesis LSTM (Gessle & Akesson 2019): five LSTM layers of 128, 32, 32, 32, 32 units.

LSTM (thesis): five ``LSTM`` layers of 128, 32, 32, 32, 32 units, dropout 0.5 after the first
and 0.3 after the others, softmax. Open choices: the input is time-major ``(n_frames,
n_features)``; every LSTM but the last returns sequences; dropout is a ``Dropout`` layer
between LSTM layers (not the recurrent-state dropout, which would also rule out the fast
fused kernels); the same Adam / cross-entropy as the CNN. *Unit*: the run's segments (3 s in the
notebooks), each test track's segment probabilities averaged.

The other reading of these choices (:data:`READINGS`), a contender of its own that notebook 07
trains and compares with the thesis CNN:

- ``lstm_clips``: whole clips, one item per track whatever the run's segment length, as the thesis
  trained. A 30 s clip is 1292 time steps for five stacked LSTMs, and 800 clips are 800 training
  items instead of 8,000 segments, and several minutes a run on 2 CPU cores. The thesis CNN's ``cnn_clips`` makes the
  same choice, and notebook 07 also
  compares the two on whole clips, the thesis's own setting.
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
    """The thesis LSTM, compiled.

    Args:
        input_shape: ``(n_features, n_frames)``; the model transposes to time-major itself.
        n_classes: Number of genres (softmax units).
        learning_rate: Adam step size (the thesis gives 0.001 for the CNN; used for both).

    Returns:
        A compiled model taking ``(batch, n_features, n_frames)`` arrays, like :func:`build_cnn`.
    """
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

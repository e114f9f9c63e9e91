"""The thesis architectures, checked layer by layer and by hand-computed parameter counts."""

from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from genre_utils.models import build_model  # noqa: E402
from genre_utils.models.keras_family import parameter_count  # noqa: E402
from genre_utils.models.thesis_cnn import build_cnn  # noqa: E402
from genre_utils.models.thesis_lstm import build_lstm  # noqa: E402
from genre_utils.models.training import one_hot  # noqa: E402

GTZAN_SHAPE = (20, 1292)  # 20 MFCCs x 30 s at hop 512


def _layers(model, kind):
    return [layer for layer in model.layers if type(layer).__name__ == kind]


def test_cnn_is_the_thesis_architecture():
    model = build_cnn(GTZAN_SHAPE, 10)
    convolutions = _layers(model, "Conv2D")
    assert [c.filters for c in convolutions] == [32] * 5
    assert all(tuple(c.kernel_size) == (3, 2) for c in convolutions)
    assert [d.rate for d in _layers(model, "Dropout")] == [0.25] * 5 + [0.5]
    dense = _layers(model, "Dense")
    assert [d.units for d in dense] == [128, 10]
    assert dense[-1].activation.__name__ == "softmax"
    assert model.loss == "categorical_crossentropy"
    assert float(model.optimizer.learning_rate) == pytest.approx(0.001)
    assert type(model.optimizer).__name__ == "Adam"


def test_cnn_parameter_count_by_hand():
    # conv1 3*2*1*32+32; conv2..5 (3*2*32*32+32) each; max pooling (2, 2) "same" takes 20 x 1292
    # to 1 x 41, so Dense(128) sees 41*32 inputs; softmax 128*10+10.
    expected = 224 + 4 * 6176 + (41 * 32 * 128 + 128) + 1290
    assert parameter_count(build_cnn(GTZAN_SHAPE, 10)) == expected == 194282


def test_cnn_without_pooling_is_the_literal_reading():
    model = build_cnn((20, 50), 10, pooling="none")
    assert not _layers(model, "MaxPooling2D")
    assert parameter_count(model) == 224 + 4 * 6176 + (20 * 50 * 32 * 128 + 128) + 1290


def test_lstm_is_the_thesis_architecture_with_hand_counted_parameters():
    model = build_lstm(GTZAN_SHAPE, 10)
    recurrent = _layers(model, "LSTM")
    assert [layer.units for layer in recurrent] == [128, 32, 32, 32, 32]
    assert [layer.return_sequences for layer in recurrent] == [True] * 4 + [False]
    assert [d.rate for d in _layers(model, "Dropout")] == [0.5, 0.3, 0.3, 0.3, 0.3]
    # 4 gates * (units * (inputs + units) + units) per layer, then softmax 32*10+10.
    expected = 4 * (128 * 148 + 128) + 4 * (32 * 160 + 32) + 3 * 4 * (32 * 64 + 32) + 330
    assert parameter_count(model) == expected == 122186


@pytest.mark.parametrize("name", ["cnn", "lstm"])
def test_models_take_features_as_stored_and_return_probabilities(name):
    model = build_model(name, (20, 43), 4)
    probabilities = model.predict(np.zeros((3, 20, 43), np.float32), verbose=0)
    assert probabilities.shape == (3, 4)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: build_model("transformer", (20, 10), 10), "unknown model 'transformer'"),
        (lambda: build_cnn((20, 10), 10, pooling="min"), "unknown pooling 'min'"),
        (lambda: build_cnn((20,), 10), "input_shape"),
        (lambda: build_lstm((20, 10), 1), "n_classes"),
        (lambda: build_cnn((20, 10), 10, learning_rate=0), "learning_rate"),
        (lambda: one_hot(np.array([0, 3]), 3), "labels"),
    ],
)
def test_bad_arguments_are_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()

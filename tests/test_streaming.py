"""Streaming inputs: the same items, statistics, batches, model and evaluation as in memory, read a batch at a time.

Every streamed-vs-in-memory comparison here is exact, with no tolerance, and that holds on any
CPU: both sides run in this one process, on float32 values read back unchanged from the same
store, through the same code in the same order (statistics accumulated over the same batches,
networks trained with the same seed by :func:`genre_utils.models.training.set_seeds`, which also asks
for deterministic ops, predictions made in batches of the same size), so the same kernels,
whichever oneDNN or Eigen code this CPU gets, sum the same numbers in the same order. Only where
the items come from differs.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

keras = pytest.importorskip("keras")

from audio_fixtures import tone, write_wav  # noqa: E402

from genre_utils.data.splits import carve_validation, make_split  # noqa: E402
from genre_utils.experiment.inputs import prepare_inputs  # noqa: E402
from genre_utils.experiment.runner import RunSpec, evaluate, make_inputs  # noqa: E402
from genre_utils.features.kinds import FeatureConfig, segment_features  # noqa: E402
from genre_utils.features.standardize import Standardizer  # noqa: E402
from genre_utils.features.store import build_feature_store  # noqa: E402
from genre_utils.models import get_contender  # noqa: E402
from genre_utils.models.hyperparameters import TrainingSettings  # noqa: E402
from genre_utils.models.keras_family import KerasContender, compile_classifier  # noqa: E402
from genre_utils.models.streaming import batch_count, epoch_order, item_batches  # noqa: E402
from genre_utils.models.training import one_hot  # noqa: E402

UNEVEN_SECONDS = (4.0, 3.5, 2.9, 2.3, 2.05, 1.0)  # the last is too short: skipped at extraction
SEGMENT_SECONDS = 2.0
BATCH_SIZE = 16
EPOCHS = 2


class CountingStore:
    """A real feature store that records how many rows each ``read_rows`` call asks for."""

    def __init__(self, store):
        self._store = store
        self.reads: list[int] = []

    def read_rows(self, rows):
        self.reads.append(len(rows))
        return self._store.read_rows(rows)

    def items(self, *arguments):
        return dataclasses.replace(self._store.items(*arguments), store=self)

    def __getattr__(self, name):
        return getattr(self._store, name)


@pytest.fixture(scope="module")
def uneven_store(tmp_path_factory):
    """Clips of several lengths in a 4 s store, so the cutting rule drops mostly-padding segments."""
    root = tmp_path_factory.mktemp("uneven")
    rows = []
    for number, seconds in enumerate(UNEVEN_SECONDS):
        genre = ("blues", "rock")[number % 2]
        path = write_wav(root / f"{genre}.{number:05d}.wav", tone(seconds, 220.0 + 40 * number, seed=number))
        rows.append({"track_id": f"{genre}.{number:05d}", "path": str(path), "genre": genre})
    return build_feature_store(
        pd.DataFrame(rows),
        "uneven",
        FeatureConfig(clip_seconds=4.0),
        cache_dir=root / "features",
        workers=1,
        progress=False,
    )


@pytest.fixture(scope="module")
def split(synthetic_store):
    tracks = synthetic_store.tracks
    return carve_validation(make_split(tracks, "thesis", dataset="synthetic", seed=4), tracks, seed=4)


@pytest.mark.parametrize("segment_seconds", [0.0, 0.5, 1.0, 1.5, 4.0])
def test_store_items_cut_exactly_as_segment_features(uneven_store, segment_seconds):
    usable = uneven_store.usable.set_index("track_id")
    assert len(usable) == len(UNEVEN_SECONDS) - 1 and len(set(usable["valid_frames"])) == len(usable)
    order = usable.index.tolist()[::-1]  # items follow the order asked for
    items = uneven_store.items(order, segment_seconds)
    clips = uneven_store.read_rows(usable.loc[order, "row"])
    if segment_seconds:
        frames = uneven_store.config.frames_for_seconds(segment_seconds)
        cuts = [segment_features(clip, frames, usable.loc[t, "valid_frames"]) for clip, t in zip(clips, order)]
        expected, owners = np.concatenate(cuts), np.repeat(order, [len(cut) for cut in cuts])
    else:
        expected, owners = clips, np.array(order, dtype=object)
    np.testing.assert_array_equal(items.load(batch_size=3), expected)
    assert items.track_ids.tolist() == owners.tolist()
    if segment_seconds == 0.5:  # the short clips really lose their mostly-padding segments
        assert len(set(pd.Series(owners).value_counts())) > 1


def test_store_items_refuse_skipped_and_unknown_tracks(uneven_store):
    skipped = uneven_store.skipped["track_id"].tolist()
    assert skipped
    with pytest.raises(ValueError, match="skipped at extraction"):
        uneven_store.items(skipped, 1.0)
    with pytest.raises(ValueError, match="not in the feature store"):
        uneven_store.items(["jazz.99999"], 1.0)


@pytest.mark.parametrize("segment_seconds", [0.0, SEGMENT_SECONDS])
def test_streamed_sides_and_statistics_equal_the_in_memory_ones_exactly(synthetic_store, split, segment_seconds):
    loaded = prepare_inputs(synthetic_store, split, segment_seconds)
    streamed = prepare_inputs(synthetic_store, split, segment_seconds, stream=True)
    assert streamed.streamed and not loaded.streamed
    np.testing.assert_array_equal(streamed.standardizer.mean, loaded.standardizer.mean)
    np.testing.assert_array_equal(streamed.standardizer.std, loaded.standardizer.std)
    assert streamed.standardizer.fitted_on == loaded.standardizer.fitted_on
    assert streamed.input_shape == loaded.input_shape
    pd.testing.assert_frame_equal(streamed.counts(), loaded.counts())
    for side in ("train", "valid", "test"):
        lazy, held = getattr(streamed, side), getattr(loaded, side)
        assert lazy.x.shape == held.x.shape
        np.testing.assert_array_equal(lazy.x.load(), held.x)
        np.testing.assert_array_equal(lazy.y, held.y)
        assert lazy.track_ids.tolist() == held.track_ids.tolist()
        if segment_seconds:
            assert lazy.valid_frames is None and held.valid_frames is None
        else:
            np.testing.assert_array_equal(lazy.valid_frames, held.valid_frames)


def test_the_streaming_standardizer_fit_equals_the_in_memory_fit(uneven_store):
    lazy = uneven_store.items(uneven_store.usable["track_id"], 0.5)
    for batch_size in (1, 4, 64):
        streamed = Standardizer().fit(lazy, rows=np.arange(1, len(lazy), 2), batch_size=batch_size)
        held = Standardizer().fit(lazy.load(), rows=np.arange(1, len(lazy), 2), batch_size=batch_size)
        np.testing.assert_array_equal(streamed.mean, held.mean)
        np.testing.assert_array_equal(streamed.std, held.std)
    np.testing.assert_array_equal(lazy.standardized(streamed)[[4, 0, 4]], streamed.transform(lazy.load()[[4, 0, 4]]))


def test_batches_are_the_same_from_the_store_and_from_memory_and_reshuffled_every_epoch(synthetic_store, split):
    loaded = prepare_inputs(synthetic_store, split, SEGMENT_SECONDS)
    streamed = prepare_inputs(synthetic_store, split, SEGMENT_SECONDS, stream=True)
    targets = one_hot(loaded.train.y, len(loaded.class_names))
    n_items, steps = len(loaded.train), batch_count(len(loaded.train), BATCH_SIZE)
    from_store = list(item_batches(streamed.train.x, targets, BATCH_SIZE, shuffle=True, seed=7, epochs=EPOCHS))
    from_memory = list(item_batches(loaded.train.x, targets, BATCH_SIZE, shuffle=True, seed=7, epochs=EPOCHS))
    assert len(from_store) == len(from_memory) == EPOCHS * steps
    orders = [epoch_order(n_items, epoch, shuffle=True, seed=7) for epoch in range(EPOCHS)]
    for number, ((x_store, y_store), (x_memory, y_memory)) in enumerate(zip(from_store, from_memory)):
        np.testing.assert_array_equal(x_store.numpy(), x_memory.numpy())
        np.testing.assert_array_equal(y_store.numpy(), y_memory.numpy())
        epoch, step = divmod(number, steps)  # each pass is one epoch's permutation, cut into batches
        chosen = orders[epoch][step * BATCH_SIZE : (step + 1) * BATCH_SIZE]
        np.testing.assert_array_equal(x_memory.numpy(), loaded.train.x[chosen])
        np.testing.assert_array_equal(y_memory.numpy(), targets[chosen])
    assert all(sorted(order) == list(range(n_items)) for order in orders)
    assert not np.array_equal(orders[0], orders[1])  # a new order each epoch
    np.testing.assert_array_equal(epoch_order(n_items, 0, shuffle=True, seed=7), orders[0])  # fixed by the seed
    np.testing.assert_array_equal(epoch_order(n_items, 1), np.arange(n_items))  # unshuffled
    unshuffled = list(item_batches(streamed.test.x, batch_size=BATCH_SIZE))
    assert len(unshuffled) == batch_count(len(loaded.test), BATCH_SIZE) and len(unshuffled[0]) == 1  # inputs only
    np.testing.assert_array_equal(np.concatenate([batch[0].numpy() for batch in unshuffled]), loaded.test.x)


def small_network(input_shape, n_classes):
    """A convolution, pooling, dropout and softmax: the thesis CNN's kinds of layer, quick to trace."""
    model = keras.Sequential(
        [
            keras.Input(input_shape),
            keras.layers.Reshape((*input_shape, 1)),
            keras.layers.Conv2D(4, (3, 2), activation="relu"),
            keras.layers.MaxPooling2D((2, 2)),
            keras.layers.Flatten(),
            keras.layers.Dropout(0.25),
            keras.layers.Dense(n_classes, activation="softmax"),
        ]
    )
    compile_classifier(model)
    return model


SMALL = KerasContender(
    name="small_cnn",
    title="Small CNN",
    description="test network",
    family="keras",
    features="mfcc",
    feature_kinds=("mfcc",),
    input="20 MFCCs x frames",
    builder=small_network,
)


@pytest.fixture(scope="module")
def trained_both_ways(synthetic_store, split, tmp_path_factory):
    """A small network trained on the same 2 s segments from memory and from a read-counting store."""
    counting = CountingStore(synthetic_store)
    settings = TrainingSettings(epochs=EPOCHS, batch_size=BATCH_SIZE, patience=0, seed=3)
    contender = SMALL
    runs = {}
    for name, store, stream in (("memory", synthetic_store, False), ("store", counting, True)):
        inputs = prepare_inputs(store, split, SEGMENT_SECONDS, stream=stream)
        folder = tmp_path_factory.mktemp(name)
        runs[name] = inputs, contender.fit(inputs, settings, folder, {"how": name}), folder
    return runs, counting


def test_streaming_and_in_memory_training_give_the_same_model(trained_both_ways):
    runs, _ = trained_both_ways
    (_, memory, memory_folder), (_, store, store_folder) = runs["memory"], runs["store"]
    histories = [pd.read_csv(folder / "history.csv") for folder in (memory_folder, store_folder)]
    pd.testing.assert_frame_equal(histories[0], histories[1], check_exact=True)
    assert len(histories[0]) == EPOCHS
    for held, streamed in zip(memory.predictor.model.get_weights(), store.predictor.model.get_weights()):
        np.testing.assert_array_equal(held, streamed)
    configs = [pd.read_json(folder / "config.json", typ="series") for folder in (memory_folder, store_folder)]
    assert [bool(config["streamed"]) for config in configs] == [False, True]


def test_no_read_loads_the_store_while_fitting_statistics_and_training(trained_both_ways, synthetic_store):
    runs, counting = trained_both_ways
    inputs = runs["store"][0]
    assert counting.reads and max(counting.reads) <= max(BATCH_SIZE, 64)  # 64: Standardizer's fitting batch
    assert max(counting.reads) < len(inputs.train) and sum(counting.reads) >= EPOCHS * len(inputs.train)


def test_evaluating_a_streamed_test_side_equals_the_in_memory_evaluation(trained_both_ways, tmp_path):
    runs, _ = trained_both_ways
    predictor = runs["memory"][1].predictor
    held = evaluate(predictor, runs["memory"][0], "mean", tmp_path)
    held_predictions = pd.read_csv(tmp_path / "predictions.csv")
    streamed = evaluate(predictor, runs["store"][0], "mean", tmp_path)
    assert streamed == held
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "predictions.csv"), held_predictions, check_exact=True)
    probabilities = predictor.predict_proba(runs["store"][0].test.x)
    np.testing.assert_array_equal(probabilities, predictor.predict_proba(runs["memory"][0].test.x))
    assert probabilities.shape == (len(runs["store"][0].test), len(runs["store"][0].class_names))


def test_networks_stream_and_clip_level_models_and_the_leaky_setup_load(synthetic_store, monkeypatch):
    from genre_utils.models.streaming import STREAMING_ENV

    monkeypatch.setenv(STREAMING_ENV, "always")  # as for data larger than memory
    assert make_inputs(synthetic_store, RunSpec("synthetic", "cnn", segment_seconds=SEGMENT_SECONDS)).streamed
    assert not make_inputs(synthetic_store, RunSpec("synthetic", "svm")).streamed
    assert not make_inputs(
        synthetic_store, RunSpec("synthetic", "lstm", split="random_segments", segment_seconds=SEGMENT_SECONDS)
    ).streamed
    assert get_contender("cnn").streams and not get_contender("svm").streams


@pytest.mark.parametrize(
    "call, message",
    [(lambda x: item_batches(x, np.zeros(len(x) + 1)), "targets"), (lambda x: item_batches(x[:0]), "no items")],
)
def test_bad_batch_settings_are_named(call, message):
    with pytest.raises((ValueError, IndexError), match=message):
        call(np.zeros((5, 2, 3), np.float32))


def test_inputs_stream_when_they_outgrow_memory_unless_told_otherwise(synthetic_store, split, monkeypatch):
    from genre_utils.models import streaming

    monkeypatch.delenv(streaming.STREAMING_ENV, raising=False)
    assert not streaming.should_stream(synthetic_store, split)  # a few MiB: loaded
    assert not streaming.should_stream(synthetic_store, split, streams=False)
    monkeypatch.setattr(streaming, "IN_MEMORY_LIMIT_BYTES", 1024)  # as if the data were larger than memory
    assert streaming.should_stream(synthetic_store, split)
    assert not streaming.should_stream(synthetic_store, split, streams=False)  # a contender that cannot stream
    monkeypatch.setenv(streaming.STREAMING_ENV, "never")
    assert not streaming.should_stream(synthetic_store, split)
    monkeypatch.setattr(streaming, "IN_MEMORY_LIMIT_BYTES", 1 << 40)
    monkeypatch.setenv(streaming.STREAMING_ENV, "always")
    assert streaming.should_stream(synthetic_store, split)
    monkeypatch.setenv(streaming.STREAMING_ENV, "sometimes")
    with pytest.raises(ValueError, match="GENRE_STREAMING must be one of auto, always, never, got 'sometimes'"):
        streaming.should_stream(synthetic_store, split)


def test_predictions_trace_one_graph_per_model_whatever_the_number_of_items():
    """Several models, each predicting a full batch plus a remainder, then a single short batch: the pattern that
    made ``model.predict`` retrace (a graph per batch shape, and a new one per model) until TensorFlow warned."""
    import logging

    import tensorflow as tf

    from genre_utils.models.keras_family import KerasPredictor
    from genre_utils.models.streaming import predict_items

    class Lines(logging.Handler):
        def __init__(self):
            super().__init__()
            self.messages = []

        def emit(self, record):
            self.messages.append(record.getMessage())

    lines = Lines()
    tf.get_logger().addHandler(lines)
    rng = np.random.default_rng(0)
    inputs = [rng.normal(size=(n, 4, 6)).astype(np.float32) for n in (40, 12)]
    predicted = []
    try:
        for seed in range(6):
            keras.utils.set_random_seed(seed)
            model = keras.Sequential(
                [keras.Input((4, 6)), keras.layers.Flatten(), keras.layers.Dense(3, activation="softmax")]
            )
            predictor = KerasPredictor(model)
            predicted.append((model, [predictor.predict_proba(x) for x in inputs]))
        assert predict_items(model, inputs[0][:0]).shape == (0, 3)
    finally:
        tf.get_logger().removeHandler(lines)
    assert not [message for message in lines.messages if "retracing" in message], lines.messages
    for model, outputs in predicted:  # the very numbers model.predict gives, batch by batch
        for x, output in zip(inputs, outputs):
            assert output.dtype == np.float64
            np.testing.assert_array_equal(output, model.predict(x, batch_size=32, verbose=0))

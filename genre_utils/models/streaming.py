"""Batches for a network from in-memory items or from the feature store, the same batches either way.

:func:`item_batches` (``tf.data``) reads each batch's positions from :func:`epoch_order`, seeded by the run's seed
and the epoch, and takes those items from an array or a :class:`~genre_utils.features.store.StoreItems` view, which
reads, cuts and standardizes just them: both paths train on the same batches and give the same model.
"""

from __future__ import annotations

import math
import os

import numpy as np

from genre_utils.features.store import StoreItems

DEFAULT_BATCH_SIZE = 32  # items per batch when the caller does not say (Keras's default)
SHUFFLE_STREAM = 11  # second seed word of the shuffling generator, apart from the split's draws
STREAMING_ENV = "GENRE_STREAMING"  # auto (default), always or never
STREAMING_MODES = ("auto", "always", "never")
IN_MEMORY_LIMIT_BYTES = 2 * 1024**3  # auto: inputs larger than this stream from the store
STORE_READERS = 4  # batches read from the store at once while the network trains (delivered in order)


def should_stream(store, split, streams: bool = True) -> bool:
    """Whether a run's inputs stream from the store: when the split's tracks as whole float32 clips outgrow
    :data:`IN_MEMORY_LIMIT_BYTES` (reading rows from the store is slower), unless ``GENRE_STREAMING`` says."""
    mode = os.environ.get(STREAMING_ENV, "auto").strip().lower() or "auto"
    if mode not in STREAMING_MODES:
        raise ValueError(f"{STREAMING_ENV} must be one of {', '.join(STREAMING_MODES)}, got {mode!r}")
    if not streams or mode == "never":
        return False
    if mode == "always":
        return True
    tracks = int(np.count_nonzero(np.asarray(split) != ""))
    row_bytes = int(np.prod(store.features.shape[1:])) * np.dtype(np.float32).itemsize
    return tracks * row_bytes > IN_MEMORY_LIMIT_BYTES


def batch_count(n_items: int, batch_size: int) -> int:
    """Batches in one pass over ``n_items`` (the last batch holds the remainder)."""
    return math.ceil(int(n_items) / int(batch_size))


def epoch_order(n_items: int, epoch: int, shuffle: bool = False, seed: int = 0) -> np.ndarray:
    """The order in which epoch ``epoch`` (0-based) visits the items: ``0 .. n_items - 1``, or, shuffled, a
    permutation seeded by ``seed``, :data:`SHUFFLE_STREAM` and the epoch alone, however the pipeline is iterated."""
    if not shuffle:
        return np.arange(int(n_items))
    return np.random.default_rng([int(seed), SHUFFLE_STREAM, int(epoch)]).permutation(int(n_items))


def item_batches(
    x, targets=None, batch_size: int = DEFAULT_BATCH_SIZE, shuffle: bool = False, seed: int = 0, epochs: int = 1
):
    """A ``tf.data`` pipeline of ``(inputs, targets)`` batches -- or ``(inputs,)`` -- over ``epochs`` passes.

    An array is indexed with ``tf.gather`` (in the graph); a :class:`StoreItems` view is read :data:`STORE_READERS`
    batches at once, delivered in order. Train with ``model.fit(item_batches(..., epochs=E), epochs=E,
    steps_per_epoch=batch_count(n, batch_size))`` so that each epoch consumes exactly one pass.
    """
    import tensorflow as tf

    if len(x) == 0:
        raise ValueError("x holds no items: there is nothing to batch")
    if targets is not None and len(targets) != len(x):
        raise ValueError(f"targets must have one entry per item of x ({len(x)}), got {len(targets)}")
    n_items, item_shape, batch_size = len(x), tuple(int(size) for size in x.shape[1:]), int(batch_size)

    def order_of(epoch):  # numpy, once per epoch (a tf.data generator source would slow every step)
        order = tf.numpy_function(
            lambda number: epoch_order(n_items, number, shuffle, seed), [epoch], tf.int64, stateful=False
        )
        order.set_shape((n_items,))
        return tf.data.Dataset.from_tensor_slices(order).batch(batch_size)

    positions = tf.data.Dataset.range(int(epochs)).flat_map(order_of)
    streamed = isinstance(x, StoreItems)
    held = None if streamed else tf.constant(np.asarray(x, dtype=np.float32))
    labels = None if targets is None else tf.constant(np.asarray(targets, dtype=np.float32))

    def batch_at(chosen):
        if streamed:
            inputs = tf.numpy_function(lambda rows: x[rows], [chosen], tf.float32, stateful=False)
            inputs.set_shape((None, *item_shape))
        else:
            inputs = tf.gather(held, chosen)
        return (inputs,) if labels is None else (inputs, tf.gather(labels, chosen))

    if streamed:
        batches = positions.map(batch_at, num_parallel_calls=STORE_READERS, deterministic=True)
    else:
        batches = positions.map(batch_at)
    # the count Keras needs to know where passes end (flat_map hides it from tf.data)
    counted = batches.apply(tf.data.experimental.assert_cardinality(int(epochs) * batch_count(n_items, batch_size)))
    return counted.prefetch(tf.data.AUTOTUNE)


def predict_items(model, x, batch_size: int = DEFAULT_BATCH_SIZE, step=None) -> np.ndarray:
    """``model``'s outputs for every item of ``x`` (array or :class:`StoreItems`), in order, as float64.

    Every batch runs through one graph traced for any batch size (:func:`predict_step`; pass ``step`` to reuse it):
    ``model.predict`` traces again for each batch shape and model, until TensorFlow warns of retracing.
    """
    if len(x) == 0:
        return np.empty((0, int(model.output_shape[-1])))
    step = predict_step(model) if step is None else step
    outputs = [step(inputs) for (inputs,) in item_batches(x, batch_size=batch_size)]
    return np.concatenate([np.asarray(output) for output in outputs]).astype(np.float64)


def predict_step(model):
    """``model(batch, training=False)`` as one graph for float32 batches of any size, compiled with XLA where Keras
    would compile the model's own predict step with it, so that the outputs are those of ``model.predict``."""
    import tensorflow as tf

    batch = tf.TensorSpec((None, *model.input_shape[1:]), tf.float32)
    infer = tf.function(
        lambda inputs: model(inputs, training=False),
        autograph=False,
        jit_compile=bool(getattr(model, "jit_compile", False)),
    )
    return infer.get_concrete_function(batch)

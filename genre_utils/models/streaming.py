"""Model inputs streamed from the feature store: items read, cut and standardized batch by batch.

One side of a split is an :class:`ItemIndex` (store row, first frame and track of each item, cut by the same
:func:`~genre_utils.features.kinds.segment_starts` rule as in memory). A :class:`StoreItems` view reads only the
rows a batch needs and behaves like the ``(n_items, n_features, frames)`` array it stands for.
:func:`item_batches` (``tf.data``) feeds a network from such a view or an array alike, in an order seeded by the
run's seed and the epoch (:func:`epoch_order`), so both paths train on the same batches and give the same model.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

import numpy as np

from genre_utils.data.datasets.table import STATUS_OK
from genre_utils.features.kinds import segment_starts

DEFAULT_BATCH_SIZE = 32  # items per batch when the caller does not say (Keras's default)
SHUFFLE_STREAM = 11  # second seed word of the shuffling generator, apart from the split's draws
STREAMING_ENV = "GENRE_STREAMING"  # auto (default), always or never
STREAMING_MODES = ("auto", "always", "never")
IN_MEMORY_LIMIT_BYTES = 2 * 1024**3  # auto: inputs larger than this stream from the store
STORE_READERS = 4  # batches read from the store at once while the network trains (delivered in order)


def should_stream(store, split, streams: bool = True) -> bool:
    """Whether a run's inputs stream from the store: always for big data, never for small.

    Both paths give the same model (see the module docstring), so the choice is one of speed and
    memory: reading random rows from the compressed store costs more than indexing an array, so
    inputs that fit in :data:`IN_MEMORY_LIMIT_BYTES` (every side's tracks as whole float32 clips)
    are loaded, and larger ones stream, keeping memory flat whatever the dataset's size.
    ``GENRE_STREAMING=always`` or ``never`` overrides the rule.
    """
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


@dataclass(frozen=True)
class ItemIndex:
    """Where each item of one side lies in the store."""

    rows: np.ndarray
    starts: np.ndarray
    track_ids: np.ndarray
    frames: int

    def __len__(self) -> int:
        return len(self.rows)


def item_index(store, track_ids, segment_seconds: float = 0.0) -> ItemIndex:
    """The items of ``track_ids``, in the order :meth:`FeatureSet.clips` / :meth:`FeatureSet.segments` return them."""
    track_ids = list(track_ids)
    table = store.tracks.set_index("track_id")
    missing = [t for t in track_ids if t not in table.index]
    if missing:
        raise ValueError(f"track_ids not in the feature store: {missing[:5]}")
    chosen = table.loc[track_ids]
    unusable = chosen.index[chosen["status"] != STATUS_OK].tolist()
    if unusable:
        raise ValueError(f"track_ids skipped at extraction cannot be used: {unusable[:5]} (see .skipped)")
    rows = chosen["row"].to_numpy(dtype=np.int64)
    owners = np.array(track_ids, dtype=object)
    n_frames = int(store.features.shape[2])
    if not segment_seconds:
        return ItemIndex(rows, np.zeros(len(rows), np.int64), owners, n_frames)
    segment_frames = store.config.frames_for_seconds(segment_seconds)
    per_track = [segment_starts(n_frames, segment_frames, valid) for valid in chosen["valid_frames"].to_numpy()]
    counts = [len(starts) for starts in per_track]
    starts = np.concatenate(per_track) if per_track else np.zeros(0, np.int64)
    return ItemIndex(np.repeat(rows, counts), starts, np.repeat(owners, counts), segment_frames)


class StoreItems:
    """The ``(n_items, n_features, frames)`` float32 items of one side, read from the store when indexed.

    Indexing by an integer, a slice or an integer array reads just those items (each store row
    once, however many of its segments are asked for) and returns them in memory, standardized
    when a :class:`~genre_utils.features.standardize.Standardizer` is attached. Nothing else is held:
    the index and the store's open handle.
    """

    def __init__(self, store, index: ItemIndex, standardizer=None):
        self.store = store
        self.index = index
        self.standardizer = standardizer

    @property
    def shape(self) -> tuple[int, int, int]:
        """``(n_items, n_features, frames)``."""
        return len(self.index), int(self.store.features.shape[1]), int(self.index.frames)

    @property
    def ndim(self) -> int:
        """Always 3, as for the array it stands for."""
        return 3

    @property
    def dtype(self) -> np.dtype:
        """float32, the dtype of every batch read."""
        return np.dtype(np.float32)

    def __len__(self) -> int:
        return len(self.index)

    def __getitem__(self, positions) -> np.ndarray:
        if isinstance(positions, slice):
            chosen = np.arange(*positions.indices(len(self)))
        else:
            chosen = np.asarray(positions, dtype=np.int64)
        single = chosen.ndim == 0
        chosen = np.atleast_1d(chosen)
        clips = self.store.read_rows(self.index.rows[chosen])  # IndexError when out of range
        frames = self.index.frames
        if frames == clips.shape[2]:  # whole clips (or segments as long as the clip): nothing to cut
            items = clips
        else:
            items = np.empty((len(chosen), clips.shape[1], frames), np.float32)
            for item, clip, start in zip(items, clips, self.index.starts[chosen]):
                item[:] = clip[:, start : start + frames]
        if self.standardizer is not None:
            items = self.standardizer.transform(items)
        return items[0] if single else items

    def standardized(self, standardizer) -> StoreItems:
        """The same items with ``standardizer`` applied to every batch read."""
        return StoreItems(self.store, self.index, standardizer)

    def load(self, batch_size: int = 256) -> np.ndarray:
        """Every item in memory, read ``batch_size`` at a time (for small sides and checks)."""
        parts = [self[start : start + batch_size] for start in range(0, len(self), batch_size)]
        return np.concatenate(parts) if parts else np.empty(self.shape, np.float32)


def is_streamed(x) -> bool:
    """Whether ``x`` is read from the store on demand (rather than an in-memory array)."""
    return isinstance(x, StoreItems)


def batch_count(n_items: int, batch_size: int) -> int:
    """Batches in one pass over ``n_items`` (the last batch holds the remainder)."""
    return math.ceil(int(n_items) / int(batch_size))


def epoch_order(n_items: int, epoch: int, shuffle: bool = False, seed: int = 0) -> np.ndarray:
    """The order in which epoch ``epoch`` (0-based) visits the items.

    Shuffled: a permutation drawn from a generator seeded by ``seed``, :data:`SHUFFLE_STREAM`
    (apart from the split's draws) and the epoch, so every epoch has its own order and each
    follows from the seed alone, however the pipeline is iterated. Unshuffled: ``0 .. n_items - 1``.
    """
    if not shuffle:
        return np.arange(int(n_items))
    return np.random.default_rng([int(seed), SHUFFLE_STREAM, int(epoch)]).permutation(int(n_items))


def item_batches(
    x, targets=None, batch_size: int = DEFAULT_BATCH_SIZE, shuffle: bool = False, seed: int = 0, epochs: int = 1
):
    """A ``tf.data`` pipeline of ``(inputs, targets)`` batches -- or ``(inputs,)`` -- over ``epochs`` passes.

    One pipeline for both kinds of input: the positions of each batch come from
    :func:`epoch_order`, then an in-memory array is indexed with ``tf.gather`` (fast, in the
    graph) while a :class:`StoreItems` view reads, cuts and standardizes just those items from
    the store (:data:`STORE_READERS` batches read at once, delivered in order). Both give the
    same batches in the same order, hence the same model. Train with
    ``model.fit(item_batches(..., shuffle=True, epochs=E), epochs=E, steps_per_epoch=batch_count(n, batch_size))``
    so that each epoch consumes exactly one pass.
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
    streamed = is_streamed(x)
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

    Every batch of :func:`item_batches` runs through one graph of the model, traced once for batches
    of any size (:func:`predict_step`; pass ``step`` to reuse one across calls). ``model.predict``
    traces its step again for each batch shape it meets (the full batches, then the smaller last
    one), and TensorFlow counts the traces of every model's step together: evaluating several
    models on a few batches each made it warn of frequent retracing.
    """
    if len(x) == 0:
        return np.empty((0, int(model.output_shape[-1])))
    step = predict_step(model) if step is None else step
    outputs = [step(inputs) for (inputs,) in item_batches(x, batch_size=batch_size)]
    return np.concatenate([np.asarray(output) for output in outputs]).astype(np.float64)


def predict_step(model):
    """``model``'s inference (``model(batch, training=False)``) as one graph for float32 batches of any size.

    Traced once here, for the declared batch shape ``(None, *model.input_shape[1:])``, and
    compiled with XLA where Keras would compile the model's own predict step with it
    (``model.jit_compile``), so that the outputs are those of ``model.predict``.
    """
    import tensorflow as tf

    batch = tf.TensorSpec((None, *model.input_shape[1:]), tf.float32)
    infer = tf.function(
        lambda inputs: model(inputs, training=False),
        autograph=False,
        jit_compile=bool(getattr(model, "jit_compile", False)),
    )
    return infer.get_concrete_function(batch)

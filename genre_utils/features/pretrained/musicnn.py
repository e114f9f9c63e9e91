"""The pretrained musicnn taggers (Pons & Serra 2019) as Keras 3 models, with musicnn's own weights.

``MTT_musicnn`` (trained on MagnaTagATune) and ``MSD_musicnn`` (Million Song Dataset) each map a
3 s log-mel patch (187 frames x 96 bands, see :mod:`genre_utils.features.pretrained.musicnn_frontend`) to
50 tag probabilities. The network is ``build_musicnn`` of ``musicnn/models.py`` (musicnn 0.1.0),
rebuilt layer for layer in Keras 3 and loaded from the TF1 checkpoints shipped in the musicnn
wheel (``musicnn/<model>/.index``, ``.data-00000-of-00001``; weights under the ISC license):

- front end: batch norm of the input, then two "timbral" convolutions (7 x 38 and 7 x 67 over
  time x mel, 204 filters each) and three "temporal" ones (128, 64, 32 frames x 1 band, 51
  filters each), each ReLU, batch norm and max-pooled over frequency -> 561 features per frame;
- mid end: three 7-frame convolutions of 64 filters (ReLU, batch norm), the 2nd and 3rd residual;
  front-end and mid-end features concatenated (dense connection) -> 753 per frame;
- back end: max and mean over time, interleaved (max_0, mean_0, max_1, ...) as musicnn's
  ``flatten`` of the ``(753, 2)`` stack, batch norm, ``Dense(200)`` ReLU, batch norm, ``Dense(50)``,
  sigmoid. Dropout is left out: the port is for inference only.

musicnn's time-major convolutions over the whole feature axis are ``Conv1D`` here (same weights,
reshaped); TF1 variable names map to the Keras layers through :data:`_CHECKPOINT_SCOPES`. musicnn's
own modules are never imported (they need numpy < 1.17): the wheel only has to be installed
(``pip install --no-deps -r requirements-nodeps.txt``), and its folder is located with
``importlib.util.find_spec``. The weights are read with TensorFlow's checkpoint reader (the one
``tf.train.load_checkpoint`` returns; that function itself cannot be used, since the wheel's
``checkpoint`` index file points at the author's absolute paths). Built models are cached per
process.

float16: musicnn casts the mel spectrogram to float16 before ``log10(10000 x + 1)`` (in
``batch_data``). The port keeps that quantisation -- it is what the networks were trained on
(float16 spectrograms) and what produced musicnn's published tags -- and computes the log in
float32, as musicnn did under its own numpy (< 1.17). Under numpy 2 the literal code overflows
to ``inf`` on nearly every patch of real music and the original graph then outputs ``nan`` (or, where
TensorFlow runs it through oneDNN's kernels, finite numbers of no meaning: how ``inf`` propagates depends on
the CPU's kernels); see
:mod:`genre_utils.features.pretrained.musicnn_frontend`. The network itself runs in float32 throughout.
Equality with the original TF1 graph (1e-4 on the taggram, on every patch) is tested in
``tests/test_musicnn.py``.

Reference: Pons, J. & Serra, X. (2019) "musicnn: pre-trained convolutional neural networks for
music audio tagging", ISMIR late-breaking demo. https://github.com/jordipons/musicnn
"""

from __future__ import annotations

import ast
import functools
import importlib.util
import os
from pathlib import Path

import numpy as np

from genre_utils.data.audio import load_audio
from genre_utils.features.pretrained.musicnn_frontend import (  # noqa: F401  (re-exported)
    HOP_LENGTH,
    N_FFT,
    N_MELS,
    PATCH_FRAMES,
    SAMPLE_RATE,
    log_mel,
    patches,
)

MODEL_NAMES = ("MTT_musicnn", "MSD_musicnn")
# Intermediate outputs of musicnn's extractor usable as per-patch embeddings, and their sizes:
# "mean_pool" / "max_pool": mean / max over the patch's frames of the 753 front- and mid-end
# features (561 front end + 3 x 64 mid end); "penultimate": the 200 batch-normalised ReLU units
# of the back end's hidden dense layer.
EMBEDDING_LAYERS = {"mean_pool": 753, "max_pool": 753, "penultimate": 200}
N_TAGS = 50
BATCH_SIZE = 64  # patches per forward pass
BN_EPSILON = 1e-3  # tf.compat.v1.layers.batch_normalization's default
_TAG_LISTS = {"MTT_musicnn": "MTT_LABELS", "MSD_musicnn": "MSD_LABELS"}  # configuration.py
# Keras layer -> TF1 variable scope in the checkpoint (TF1 numbers layers in creation order).
_CHECKPOINT_SCOPES = {
    "input_bn": "batch_normalization",
    "timbral_74_conv": "conv2d", "timbral_74_bn": "batch_normalization_1",
    "timbral_77_conv": "conv2d_1", "timbral_77_bn": "batch_normalization_2",
    "temporal_128_conv": "conv2d_2", "temporal_128_bn": "batch_normalization_3",
    "temporal_64_conv": "conv2d_3", "temporal_64_bn": "batch_normalization_4",
    "temporal_32_conv": "conv2d_4", "temporal_32_bn": "batch_normalization_5",
    "midend_1_conv": "conv2d_5", "midend_1_bn": "batch_normalization_6",
    "midend_2_conv": "conv2d_6", "midend_2_bn": "batch_normalization_7",
    "midend_3_conv": "conv2d_7", "midend_3_bn": "batch_normalization_8",
    "pool_bn": "batch_normalization_9",
    "penultimate_dense": "dense", "penultimate": "batch_normalization_10",
    "logits": "dense_1",
}  # fmt: skip


class MusicnnModel:
    """One pretrained musicnn tagger; get it from :func:`load_model`.

    Attributes:
        name: ``"MTT_musicnn"`` or ``"MSD_musicnn"``.
        tags: The 50 tag names in output order (musicnn's ``configuration.py``).
        keras_model: Keras 3 model, ``(batch, frames, 96)`` log-mel patches -> ``(batch, 50)``
            sigmoid tag probabilities (inference only, no dropout). It accepts any number of
            frames; the weights were trained on :data:`PATCH_FRAMES`.
    """

    def __init__(self, name: str, tags: list[str], keras_model, features_model):
        import tensorflow as tf

        self.name = name
        self.tags = tags
        self.keras_model = keras_model
        self._features_model = features_model  # same layers; outputs taggram + embeddings
        # One traced graph for any batch and patch length: about twice as fast as eager calls.
        self._forward = tf.function(
            lambda batch: features_model(batch, training=False),
            input_signature=[tf.TensorSpec([None, None, N_MELS], tf.float32)],
        )

    def __repr__(self) -> str:
        return f"MusicnnModel({self.name!r}, {len(self.tags)} tags)"

    def taggram(self, patches: np.ndarray) -> np.ndarray:
        """Tag probabilities per patch: ``(n_patches, frames, 96)`` -> ``(n_patches, 50)``."""
        return self.outputs(patches)["taggram"]

    def embeddings(self, patches: np.ndarray, layer: str = "max_pool") -> np.ndarray:
        """Per-patch embeddings ``(n_patches, dim)`` from one of :data:`EMBEDDING_LAYERS`."""
        if layer not in EMBEDDING_LAYERS:
            raise ValueError(f"unknown embedding layer {layer!r}; expected one of {', '.join(EMBEDDING_LAYERS)}")
        return self.outputs(patches)[layer]

    def outputs(self, patches: np.ndarray) -> dict[str, np.ndarray]:
        """The taggram and every embedding of :data:`EMBEDDING_LAYERS` from one forward pass.

        Args:
            patches: ``(n_patches, frames, 96)`` log-mel patches (``frames`` is 187 for musicnn).

        Returns:
            ``{"taggram": (n_patches, 50), "mean_pool": (n_patches, 753), ...}``, float32.

        Raises:
            ValueError: If ``patches`` does not have that shape.
        """
        batch = np.asarray(patches, dtype=np.float32)
        if batch.ndim != 3 or batch.shape[2] != N_MELS or batch.shape[1] == 0:
            raise ValueError(f"patches must have shape (n_patches, frames, {N_MELS}), got {batch.shape}")
        sizes = {"taggram": N_TAGS, **EMBEDDING_LAYERS}
        if batch.shape[0] == 0:
            return {key: np.zeros((0, size), dtype=np.float32) for key, size in sizes.items()}
        chunks = [self._forward(batch[start : start + BATCH_SIZE]) for start in range(0, batch.shape[0], BATCH_SIZE)]
        return {key: np.concatenate([np.asarray(chunk[key]) for chunk in chunks]) for key in sizes}


def load_model(name: str = "MTT_musicnn") -> MusicnnModel:
    """Build a pretrained musicnn tagger with the weights of the installed musicnn wheel (cached).

    Args:
        name: One of :data:`MODEL_NAMES`.

    Returns:
        The model; the same object for every call with the same name in a process.

    Raises:
        ValueError: If ``name`` is not one of :data:`MODEL_NAMES`.
        ImportError: If the musicnn wheel (the weights) is not installed.
    """
    if name not in MODEL_NAMES:
        raise ValueError(f"unknown musicnn model {name!r}; expected one of {', '.join(MODEL_NAMES)}")
    return _load_model(name)


@functools.cache
def _load_model(name: str) -> MusicnnModel:
    import keras
    import tensorflow as tf

    folder = musicnn_folder()
    tags = _read_tags(folder / "configuration.py", _TAG_LISTS[name])
    features_model = _build_network(len(tags))
    reader = tf.compat.v1.train.NewCheckpointReader(os.path.join(folder, name, ""))
    for layer_name, scope in _CHECKPOINT_SCOPES.items():
        layer = features_model.get_layer(layer_name)
        if isinstance(layer, keras.layers.BatchNormalization):
            keys = ("gamma", "beta", "moving_mean", "moving_variance")
        else:
            keys = ("kernel", "bias")
        weights = [reader.get_tensor(f"{scope}/{key}") for key in keys]
        if isinstance(layer, keras.layers.Conv1D):  # TF1 conv2d over (time, all features, 1)
            weights[0] = weights[0][:, :, 0, :]
        layer.set_weights(weights)
    features_model.trainable = False
    keras_model = keras.Model(features_model.input, features_model.output["taggram"], name=name)
    return MusicnnModel(name, tags, keras_model, features_model)


def musicnn_folder() -> Path:
    """Folder of the installed ``musicnn`` package (its checkpoints), found without importing it.

    Raises:
        ImportError: If musicnn is not installed.
    """
    spec = importlib.util.find_spec("musicnn")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(
            "the musicnn weights are not installed: run "
            "`pip install --no-deps -r requirements-nodeps.txt` (musicnn==0.1.0)"
        )
    return Path(next(iter(spec.submodule_search_locations)))


def _read_tags(configuration: Path, variable: str) -> list[str]:
    """A tag list from musicnn's configuration.py, read as literals (nothing is executed)."""
    for node in ast.parse(configuration.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == variable for t in node.targets):
            tags = ast.literal_eval(node.value)
            if len(tags) != N_TAGS:
                raise ValueError(f"{configuration}: {variable} has {len(tags)} tags, expected {N_TAGS}")
            return list(tags)
    raise ValueError(f"{configuration} defines no {variable}")


def _build_network(n_tags: int):
    """musicnn's ``build_musicnn`` (num_filt_midend=64, num_units_backend=200) without dropout."""
    import keras
    from keras import layers, ops

    def bn(name):
        return layers.BatchNormalization(epsilon=BN_EPSILON, name=name)

    inputs = keras.Input(shape=(None, N_MELS), name="log_mel")
    x = bn("input_bn")(ops.expand_dims(inputs, -1))  # (batch, time, 96, 1)
    padded = layers.ZeroPadding2D(((3, 3), (0, 0)), name="timbral_pad")(x)
    frontend = []
    for kind, fraction in (("74", 0.4), ("77", 0.7)):  # 7 frames x int(0.4 * 96) = 38 / 67 bands
        conv = layers.Conv2D(204, (7, int(fraction * N_MELS)), activation="relu", name=f"timbral_{kind}_conv")
        frontend.append(ops.max(bn(f"timbral_{kind}_bn")(conv(padded)), axis=2))
    for length in (128, 64, 32):
        conv = layers.Conv2D(51, (length, 1), padding="same", activation="relu", name=f"temporal_{length}_conv")
        frontend.append(ops.max(bn(f"temporal_{length}_bn")(conv(x)), axis=2))
    front = layers.Concatenate(axis=-1, name="frontend")(frontend)  # (batch, time, 561)

    def midend(index, features):
        padded = layers.ZeroPadding1D(3, name=f"midend_{index}_pad")(features)
        conv = layers.Conv1D(64, 7, activation="relu", name=f"midend_{index}_conv")(padded)
        return bn(f"midend_{index}_bn")(conv)

    cnn1 = midend(1, front)
    cnn2 = layers.Add(name="midend_2_res")([midend(2, cnn1), cnn1])
    cnn3 = layers.Add(name="midend_3_res")([midend(3, cnn2), cnn2])
    features = layers.Concatenate(axis=-1, name="midend")([front, cnn1, cnn2, cnn3])  # (batch, time, 753)
    max_pool = ops.max(features, axis=1)
    mean_pool = ops.mean(features, axis=1)
    pooled = layers.Reshape((2 * features.shape[-1],), name="pool_flatten")(ops.stack([max_pool, mean_pool], axis=-1))
    hidden = layers.Dense(200, activation="relu", name="penultimate_dense")(bn("pool_bn")(pooled))
    penultimate = bn("penultimate")(hidden)
    taggram = ops.sigmoid(layers.Dense(n_tags, name="logits")(penultimate))
    outputs = {"taggram": taggram, "mean_pool": mean_pool, "max_pool": max_pool, "penultimate": penultimate}
    return keras.Model(inputs, outputs, name="musicnn_features")


def tag_file(path: str | os.PathLike, model: str = "MTT_musicnn", top: int | None = 3):
    """musicnn's ``top_tags``: the file's tags ranked by their mean probability over its patches.

    Args:
        path: Audio file; decoded with :func:`genre_utils.data.audio.load_audio` at 16 kHz, mono.
        model: One of :data:`MODEL_NAMES`.
        top: How many tags to return (1-50), or ``None`` for all 50.

    Returns:
        ``pandas.Series`` of mean tag probabilities in [0, 1], indexed by tag name, sorted in
        descending order, named after the model.

    Raises:
        ValueError: For an unknown model or a ``top`` that is not ``None`` or 1-50.
        genre_utils.data.audio.AudioError: If the file cannot be decoded.
    """
    import pandas as pd

    if top is not None and (isinstance(top, bool) or not isinstance(top, (int, np.integer)) or not 1 <= top <= N_TAGS):
        raise ValueError(f"top must be an integer from 1 to {N_TAGS} or None (all tags), got {top!r}")
    tagger = load_model(model)
    samples = load_audio(path, sample_rate=SAMPLE_RATE)
    means = tagger.taggram(patches(log_mel(samples))).mean(axis=0)
    order = means.argsort()[::-1]  # as musicnn's top_tags
    ranked = pd.Series(means[order], index=[tagger.tags[i] for i in order], name=model, dtype=float)
    return ranked if top is None else ranked.iloc[:top]


def embed_samples(samples_16k: np.ndarray, model: str = "MSD_musicnn", layer: str = "max_pool") -> np.ndarray:
    """A clip's musicnn embedding: the mean over its 3 s patches of one per-patch embedding.

    Each non-overlapping 3 s patch gives a vector from ``layer`` (see :data:`EMBEDDING_LAYERS`);
    the clip's embedding is their plain mean over patches (mean pooling over time, as musicnn's
    ``top_tags`` pools the taggram). A clip shorter than 3 s is repeat-padded to one patch.

    Args:
        samples_16k: Mono samples at 16 kHz (:data:`SAMPLE_RATE`).
        model: One of :data:`MODEL_NAMES`; ``MSD_musicnn`` (default) saw far more music.
        layer: One of :data:`EMBEDDING_LAYERS`.

    Returns:
        float32 vector ``(EMBEDDING_LAYERS[layer],)``.

    Raises:
        ValueError: For an unknown model or layer, or empty / non-mono samples.
    """
    if layer not in EMBEDDING_LAYERS:
        raise ValueError(f"unknown embedding layer {layer!r}; expected one of {', '.join(EMBEDDING_LAYERS)}")
    return load_model(model).embeddings(patches(log_mel(samples_16k)), layer=layer).mean(axis=0)

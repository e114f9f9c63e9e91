"""The pretrained musicnn taggers (Pons & Serra 2019) as Keras 3 models, with musicnn's own weights and front end.

``MTT_musicnn`` (MagnaTagATune) and ``MSD_musicnn`` (Million Song Dataset) map a 3 s log-mel patch (187 frames x 96
bands) to 50 tag probabilities. ``build_musicnn`` of musicnn 0.1.0's ``models.py`` is rebuilt layer for layer
(no dropout: inference only) and loaded from the TF1 checkpoints in the musicnn wheel (ISC license); musicnn's own
modules are never imported (they need numpy < 1.17). The front end is its ``batch_data``: librosa mel power
(``"reflect"`` padding, as musicnn's librosa 0.7), quantised to float16 as musicnn trained on, then
``log10(10000 x + 1)`` in float32 as under numpy < 1.17 (under numpy 2 the literal code overflows to ``inf``);
audio shorter than a patch is repeat-padded (musicnn's training padding) instead of crashing. docs/methods.md gives
the details; ``tests/test_musicnn.py`` holds the port to the original graph. https://github.com/jordipons/musicnn
"""

from __future__ import annotations

import ast
import functools
import importlib.util
import os
from pathlib import Path

import numpy as np
import pandas as pd

from genre_utils.data.audio import load_audio

SAMPLE_RATE = 16000  # Hz, musicnn configuration.SR
N_FFT = 512  # configuration.FFT_SIZE
HOP_LENGTH = 256  # configuration.FFT_HOP
N_MELS = 96  # configuration.N_MELS
PATCH_FRAMES = 187  # 3 s: librosa.time_to_frames(3, sr=16000, hop_length=256, n_fft=512) + 1
LOG_SCALE = 10000.0  # log10(LOG_SCALE * mel + 1), musicnn's "logC" compression
STFT_PAD_MODE = "reflect"  # librosa < 0.10's default, which musicnn ran with
MODEL_NAMES = ("MTT_musicnn", "MSD_musicnn")
# Per-patch embeddings and their sizes: mean / max over the patch's frames of the 753 front- and mid-end features,
# and the 200 batch-normalised ReLU units of the back end's hidden dense layer.
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


def log_mel(samples: np.ndarray) -> np.ndarray:
    """musicnn's log-compressed mel spectrogram of mono 16 kHz audio, time-major ``(n_frames, 96)``."""
    import librosa

    samples = np.asarray(samples, dtype=np.float32)
    if samples.ndim != 1 or samples.size == 0 or not np.all(np.isfinite(samples)):
        raise ValueError(f"samples must be non-empty, finite and mono (1-D), got an array of shape {samples.shape}")
    mel = librosa.feature.melspectrogram(
        y=samples, sr=SAMPLE_RATE, n_fft=N_FFT, hop_length=HOP_LENGTH, n_mels=N_MELS, pad_mode=STFT_PAD_MODE
    ).T.astype(np.float32)
    with np.errstate(over="ignore"):
        quantised = mel.astype(np.float16).astype(np.float32)  # musicnn's float16 cast
    quantised = np.where(np.isfinite(quantised), quantised, mel)  # beyond float16's range
    return np.log10(np.float32(LOG_SCALE) * quantised + np.float32(1.0))


def patches(mel: np.ndarray, hop_frames: int | None = None) -> np.ndarray:
    """The network's 3 s input patches, every ``hop_frames`` frames from frame 0; a partial last patch is dropped."""
    mel = np.asarray(mel, dtype=np.float32)
    if mel.ndim != 2 or mel.shape[1] != N_MELS or mel.shape[0] == 0:
        raise ValueError(f"mel must have shape (n_frames, {N_MELS}) with n_frames > 0, got {mel.shape}")
    hop_frames = PATCH_FRAMES if hop_frames is None else hop_frames
    if isinstance(hop_frames, bool) or not isinstance(hop_frames, (int, np.integer)) or hop_frames < 1:
        raise ValueError(f"hop_frames must be a positive integer (or None), got {hop_frames!r}")
    if mel.shape[0] < PATCH_FRAMES:
        return np.tile(mel, (-(-PATCH_FRAMES // mel.shape[0]), 1))[np.newaxis, :PATCH_FRAMES]
    starts = range(0, mel.shape[0] - PATCH_FRAMES + 1, int(hop_frames))
    return np.stack([mel[start : start + PATCH_FRAMES] for start in starts])


class MusicnnModel:
    """One pretrained musicnn tagger; get it from :func:`load_model`."""

    def __init__(self, name: str, tags: list[str], features_model):
        import tensorflow as tf

        self.name = name
        self.tags = tags
        # One traced graph for any batch and patch length, faster than eager calls.
        self._forward = tf.function(
            lambda batch: features_model(batch, training=False),
            input_signature=[tf.TensorSpec([None, None, N_MELS], tf.float32)],
        )

    def taggram(self, patches: np.ndarray) -> np.ndarray:
        """Tag probabilities per patch: ``(n_patches, frames, 96)`` -> ``(n_patches, 50)``."""
        return self.outputs(patches)["taggram"]

    def embeddings(self, patches: np.ndarray, layer: str = "max_pool") -> np.ndarray:
        """Per-patch embeddings ``(n_patches, dim)`` from one of :data:`EMBEDDING_LAYERS`."""
        if layer not in EMBEDDING_LAYERS:
            raise ValueError(f"unknown embedding layer {layer!r}; expected one of {', '.join(EMBEDDING_LAYERS)}")
        return self.outputs(patches)[layer]

    def outputs(self, patches: np.ndarray) -> dict[str, np.ndarray]:
        """The taggram and every embedding of :data:`EMBEDDING_LAYERS` from one forward pass."""
        batch = np.asarray(patches, dtype=np.float32)
        if batch.ndim != 3 or batch.shape[2] != N_MELS or batch.shape[1] == 0:
            raise ValueError(f"patches must have shape (n_patches, frames, {N_MELS}), got {batch.shape}")
        sizes = {"taggram": N_TAGS, **EMBEDDING_LAYERS}
        if batch.shape[0] == 0:
            return {key: np.zeros((0, size), dtype=np.float32) for key, size in sizes.items()}
        chunks = [self._forward(batch[start : start + BATCH_SIZE]) for start in range(0, batch.shape[0], BATCH_SIZE)]
        return {key: np.concatenate([np.asarray(chunk[key]) for chunk in chunks]) for key in sizes}


def load_model(name: str = "MTT_musicnn") -> MusicnnModel:
    """A pretrained musicnn tagger with the weights of the installed musicnn wheel, built once per name."""
    if name not in MODEL_NAMES:
        raise ValueError(f"unknown musicnn model {name!r}; expected one of {', '.join(MODEL_NAMES)}")
    return _load_model(name)


@functools.cache
def _load_model(name: str) -> MusicnnModel:
    import keras
    import tensorflow as tf

    spec = importlib.util.find_spec("musicnn")  # its checkpoints, found without importing it
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(
            "the musicnn weights are not installed: run `pip install --no-deps -r requirements-nodeps.txt`"
        )
    folder = Path(next(iter(spec.submodule_search_locations)))
    tags = _read_tags(folder / "configuration.py", _TAG_LISTS[name])
    model = _build_network(len(tags))
    reader = tf.compat.v1.train.NewCheckpointReader(os.path.join(folder, name, ""))
    for layer_name, scope in _CHECKPOINT_SCOPES.items():
        layer = model.get_layer(layer_name)
        batch_norm = isinstance(layer, keras.layers.BatchNormalization)
        keys = ("gamma", "beta", "moving_mean", "moving_variance") if batch_norm else ("kernel", "bias")
        weights = [reader.get_tensor(f"{scope}/{key}") for key in keys]
        if isinstance(layer, keras.layers.Conv1D):  # TF1 conv2d over (time, all features, 1)
            weights[0] = weights[0][:, :, 0, :]
        layer.set_weights(weights)
    model.trainable = False
    return MusicnnModel(name, tags, model)


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
    """musicnn's ``top_tags``: the file's tags ranked by their mean probability over its patches."""
    if top is not None and (isinstance(top, bool) or not isinstance(top, (int, np.integer)) or not 1 <= top <= N_TAGS):
        raise ValueError(f"top must be an integer from 1 to {N_TAGS} or None (all tags), got {top!r}")
    tagger = load_model(model)
    means = tagger.taggram(patches(log_mel(load_audio(path, sample_rate=SAMPLE_RATE)))).mean(axis=0)
    order = means.argsort()[::-1]  # as musicnn's top_tags
    ranked = pd.Series(means[order], index=[tagger.tags[i] for i in order], name=model, dtype=float)
    return ranked if top is None else ranked.iloc[:top]


def embed_samples(samples_16k: np.ndarray, model: str = "MSD_musicnn", layer: str = "max_pool") -> np.ndarray:
    """A clip's musicnn embedding: the mean over its 3 s patches of one of :data:`EMBEDDING_LAYERS`."""
    return load_model(model).embeddings(patches(log_mel(samples_16k)), layer=layer).mean(axis=0)

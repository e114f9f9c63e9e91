"""The Keras 3 port of the pretrained musicnn taggers is musicnn.

Proof in three parts: the port reproduces the tags musicnn's README publishes for its two example
MP3s; it computes what the ORIGINAL TF1 graph (the musicnn wheel's own ``models.define_model``,
run through ``tf.compat.v1`` with tf-keras, restoring the wheel's checkpoint) computes on real
GTZAN clips; and its front end matches musicnn's ``batch_data``. The original runs in a
subprocess, as graph mode and legacy Keras must not meet the project's Keras 3.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from audio_fixtures import tone, write_wav
from genre_utils.audio import load_audio
from genre_utils.pretrained import musicnn
from genre_utils.pretrained.musicnn import (
    EMBEDDING_LAYERS,
    MODEL_NAMES,
    N_MELS,
    PATCH_FRAMES,
    SAMPLE_RATE,
    embed_samples,
    load_model,
    log_mel,
    patches,
    tag_file,
)

needs_weights = pytest.mark.skipif(
    importlib.util.find_spec("musicnn") is None,
    reason="musicnn weights not installed (pip install --no-deps -r requirements-nodeps.txt)",
)
COMPARED_CLIPS = ("classical", "jazz", "rock")  # .00000.wav; musicnn's own front end is finite on
# 8 + 3 + 0 of their 10 patches each under numpy 2 (see musicnn_frontend's docstring)
EMBEDDING_COMPARED = "max_pool"
PORT_PATCHES_COMPARED = 4  # of each clip's 10, to keep the test short


# ---------------------------------------------------------------- unit tests (no shared data)


def test_bad_model_name_names_the_allowed_ones():
    with pytest.raises(ValueError, match="MTT_musicnn, MSD_musicnn"):
        load_model("MTT_vgg")


def test_short_input_is_repeat_padded_to_one_patch():
    mel = log_mel(tone(1.0, sample_rate=SAMPLE_RATE))
    assert mel.shape == (1 + SAMPLE_RATE // 256, N_MELS) and mel.dtype == np.float32
    cut = patches(mel)
    assert cut.shape == (1, PATCH_FRAMES, N_MELS)
    np.testing.assert_array_equal(cut[0, : len(mel)], mel)
    np.testing.assert_array_equal(cut[0, len(mel) : 2 * len(mel)], mel)


def test_long_input_is_cut_like_musicnn():
    mel = log_mel(tone(10.0, sample_rate=SAMPLE_RATE))  # 626 frames
    assert mel.shape == (626, N_MELS)
    assert patches(mel).shape == (3, PATCH_FRAMES, N_MELS)  # the last 65 frames are dropped
    np.testing.assert_array_equal(patches(mel)[2], mel[374:561])
    assert patches(mel, hop_frames=62).shape == (8, PATCH_FRAMES, N_MELS)
    with pytest.raises(ValueError, match="hop_frames"):
        patches(mel, hop_frames=0)
    with pytest.raises(ValueError, match="n_frames, 96"):
        patches(mel.T)


def test_log_mel_stays_finite_where_numpy2_float16_overflows():
    loud = np.clip(3 * tone(3.0, sample_rate=SAMPLE_RATE), -1, 1)  # full scale, clipped
    mel = log_mel(loud)
    assert np.all(np.isfinite(mel)) and mel.max() > np.log10(10000 * 6.56)  # float16 10000x: inf
    # musicnn's float16 cast: mel powers are float16 values
    power = (10.0 ** mel.astype(np.float64) - 1) / 10000
    np.testing.assert_allclose(power.astype(np.float16), power, rtol=2e-6, atol=1e-10)
    with pytest.raises(ValueError, match="mono"):
        log_mel(np.zeros((2, 100)))


@needs_weights
def test_tags_come_from_musicnn_configuration():
    mtt, msd = load_model("MTT_musicnn"), load_model("MSD_musicnn")
    assert len(mtt.tags) == len(msd.tags) == 50
    assert mtt.tags[:3] == ["guitar", "classical", "slow"] and msd.tags[:3] == ["rock", "pop", "alternative"]
    assert load_model("MTT_musicnn") is mtt  # cached


@needs_weights
def test_embeddings_have_the_documented_sizes():
    model = load_model("MSD_musicnn")
    batch = patches(log_mel(tone(3.5, sample_rate=SAMPLE_RATE)))
    for layer, size in EMBEDDING_LAYERS.items():
        assert model.embeddings(batch, layer=layer).shape == (1, size)
    with pytest.raises(ValueError, match="max_pool"):
        model.embeddings(batch, layer="cnn9")
    clip = embed_samples(tone(7.0, sample_rate=SAMPLE_RATE), layer="penultimate")
    assert clip.shape == (200,) and np.all(np.isfinite(clip))


@needs_weights
def test_tag_file_returns_all_50_scores_sorted(tmp_path):
    path = write_wav(tmp_path / "tone.wav", tone(4.0))  # 22050 Hz: load_audio resamples
    scores = tag_file(path, top=None)
    assert len(scores) == 50 and set(scores.index) == set(load_model().tags)
    assert scores.between(0, 1).all() and scores.is_monotonic_decreasing
    assert list(tag_file(path, top=2).index) == list(scores.index[:2])
    for bad in (0, 51, 2.5, True):
        with pytest.raises(ValueError, match="top"):
            tag_file(path, top=bad)


# ------------------------------------------------- musicnn's published tags (shared data)


@needs_weights
@pytest.mark.slow
def test_published_top_tags_of_musicnn_examples(shared_data):
    folder = shared_data / "musicnn_reference"
    reference = json.loads((folder / "expected_tags.json").read_text())
    assert len(reference["expected"]) == 2
    for case in reference["expected"]:
        tags = tag_file(folder / case["file"], model=case["model"], top=case["top"])
        assert list(tags.index) == case["tags"], case["file"]


# ------------------------------------------------------- the original TF1 graph, side by side

ORIGINAL_RUNNER = r"""
import json, os, sys
os.environ["TF_USE_LEGACY_KERAS"] = "1"      # tf.compat.v1.layers need tf-keras
import numpy as np
import tensorflow as tf
tf.compat.v1.disable_eager_execution()
from musicnn import models                    # the wheel's own code, unmodified
from musicnn.extractor import batch_data      # musicnn's own front end (numpy 2 semantics)

request = json.loads(sys.argv[1])
folder = os.path.dirname(models.__file__)
given = dict(np.load(request["inputs"]))
for i, path in enumerate(request["files"]):
    with np.errstate(all="ignore"):
        batch, mel = batch_data(path, 187, 187)
    given[f"original/{i}"] = batch.astype(np.float32)
    given[f"original_mel/{i}"] = mel.astype(np.float32)
results = {key: value for key, value in given.items() if key.startswith("original")}
for model in request["models"]:
    tf.compat.v1.reset_default_graph()
    with tf.name_scope("model"):
        x = tf.compat.v1.placeholder(tf.float32, [None, 187, 96])
        is_training = tf.compat.v1.placeholder(tf.bool)
        y, *features = models.define_model(x, is_training, model, 50)
        outputs = {"taggram": tf.nn.sigmoid(y), "mean_pool": features[5], "max_pool": features[6],
                   "penultimate": features[7]}
    with tf.compat.v1.Session() as sess:
        tf.compat.v1.train.Saver().restore(sess, folder + "/" + model + "/")  # as musicnn's extractor
        for key, batch in given.items():
            if key.startswith("original_mel"):
                continue
            with np.errstate(all="ignore"):
                values = sess.run(outputs, {x: batch, is_training: False})
            for name, value in values.items():
                results[f"{model}/{name}/{key}"] = value
np.savez(request["outputs"], **results)
"""


@pytest.fixture(scope="module")
def side_by_side(gtzan_excerpts, tmp_path_factory):
    """Port and original outputs for three real clips: on the port's patches and on musicnn's own.

    The original runs in a subprocess while this process computes the port's outputs.
    """
    pytest.importorskip("tf_keras", reason="tf-keras (test requirement) runs the original TF1 graph")
    if importlib.util.find_spec("musicnn") is None:
        pytest.skip("musicnn weights not installed (pip install --no-deps -r requirements-nodeps.txt)")
    folder = tmp_path_factory.mktemp("musicnn_original")
    files = [str(gtzan_excerpts / "genres" / g / f"{g}.00000.wav") for g in COMPARED_CLIPS]
    mels = [log_mel(load_audio(f, sample_rate=SAMPLE_RATE)) for f in files]
    inputs = {f"port/{i}": patches(mel)[:PORT_PATCHES_COMPARED] for i, mel in enumerate(mels)}
    np.savez(folder / "inputs.npz", **inputs)
    request = {"inputs": str(folder / "inputs.npz"), "outputs": str(folder / "outputs.npz"),
               "files": files, "models": list(MODEL_NAMES)}
    env = dict(os.environ, TF_USE_LEGACY_KERAS="1", TF_CPP_MIN_LOG_LEVEL="2")
    original_run = subprocess.Popen([sys.executable, "-c", ORIGINAL_RUNNER, json.dumps(request)],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    port = {}

    def run_port(key, batch):
        for name in MODEL_NAMES:
            outputs = load_model(name).outputs(batch)
            port[f"{name}/taggram/{key}"] = outputs["taggram"]
            port[f"{name}/{EMBEDDING_COMPARED}/{key}"] = outputs[EMBEDDING_COMPARED]

    try:
        for key, batch in inputs.items():
            run_port(key, batch)
        _, stderr = original_run.communicate(timeout=600)
    finally:
        if original_run.poll() is None:
            original_run.kill()
    assert original_run.returncode == 0, stderr[-3000:]
    original = dict(np.load(folder / "outputs.npz"))
    for i in range(len(files)):
        batch = original[f"original/{i}"]
        finite = np.isfinite(batch).all(axis=(1, 2))
        run_port(f"original/{i}", batch[finite])  # musicnn's finite patches, as musicnn computed them
        run_port(f"full/{i}", patches(mels[i])[finite])  # the same patches through the port's front end
    return {"mels": mels, "inputs": inputs, "original": original, "port": port}


@pytest.mark.slow
@pytest.mark.parametrize("model", MODEL_NAMES)
@pytest.mark.parametrize("output", ["taggram", EMBEDDING_COMPARED])
def test_port_computes_the_original_graph(side_by_side, model, output):
    """Same patches in, same taggram and embeddings out (1e-4 absolute), on every patch."""
    for i in range(len(COMPARED_CLIPS)):
        original = side_by_side["original"][f"{model}/{output}/port/{i}"]
        finite = np.isfinite(original).all(axis=1)
        assert finite.all(), "the original graph is finite on finite input"
        port = side_by_side["port"][f"{model}/{output}/port/{i}"]
        assert port.shape == original.shape == (PORT_PATCHES_COMPARED, 50 if output == "taggram" else EMBEDDING_LAYERS[output])
        # embeddings reach ~50: allow float32 rounding relative to their size as well
        rtol = 0 if output == "taggram" else 1e-5
        np.testing.assert_allclose(port[finite], original[finite], rtol=rtol, atol=1e-4, err_msg=COMPARED_CLIPS[i])


@pytest.mark.slow
def test_front_end_matches_musicnn_batch_data(side_by_side):
    """Same frames and patches as musicnn's batch_data; values equal up to numpy 2's float16 log."""
    for i, mel in enumerate(side_by_side["mels"]):
        original_mel = side_by_side["original"][f"original_mel/{i}"]
        original_batch = side_by_side["original"][f"original/{i}"]
        assert mel.shape == original_mel.shape
        assert original_batch.shape == patches(mel).shape
        inner = slice(1, -1)  # the first and last frame depend on librosa's STFT pad_mode
        finite = np.isfinite(original_mel[inner])
        # numpy 2 computes 10000 x + 1 and its log10 in float16: half a float16 step at 4-8 is 0.002
        np.testing.assert_allclose(mel[inner][finite], original_mel[inner][finite], rtol=0, atol=3e-3)
        # and overflows to inf on loud bins, where the port is finite
        assert np.all(np.isfinite(mel))


@pytest.mark.slow
@pytest.mark.parametrize("model", MODEL_NAMES)
def test_port_agrees_with_musicnn_end_to_end_where_it_is_finite(side_by_side, model):
    """musicnn's own front end and graph vs the port on the same patches: only finite ones compared."""
    compared = 0
    for i in range(len(COMPARED_CLIPS)):
        original = side_by_side["original"][f"{model}/taggram/original/{i}"]
        finite = np.isfinite(original).all(axis=1)
        # musicnn's own output is nan exactly on the patches its numpy-2 front end made infinite
        input_finite = np.isfinite(side_by_side["original"][f"original/{i}"]).all(axis=(1, 2))
        np.testing.assert_array_equal(finite, input_finite)
        port = side_by_side["port"][f"{model}/taggram/original/{i}"]
        assert len(port) == finite.sum()
        np.testing.assert_allclose(port, original[finite], rtol=0, atol=1e-4, err_msg=COMPARED_CLIPS[i])
        compared += finite.sum()
    assert 5 <= compared < 10 * len(COMPARED_CLIPS)


@pytest.mark.slow
@pytest.mark.parametrize("model", MODEL_NAMES)
def test_whole_pipeline_agrees_with_musicnn_where_it_is_finite(side_by_side, model):
    """Port front end + port network vs musicnn's front end + original graph, finite patches only.

    Not 1e-4: under numpy 2 musicnn's front end rounds 10000 x + 1 and its log to float16 (up to
    0.002 per bin) and pads the STFT with zeros; the port keeps musicnn's numpy-1 arithmetic. On
    these clips that moves single tag probabilities by up to about 0.01, the clip means by 0.002.
    """
    for i in range(len(COMPARED_CLIPS)):
        original = side_by_side["original"][f"{model}/taggram/original/{i}"]
        port = side_by_side["port"][f"{model}/taggram/full/{i}"]
        finite = np.isfinite(original).all(axis=1)
        if not finite.any():
            continue
        np.testing.assert_allclose(port, original[finite], rtol=0, atol=0.02, err_msg=COMPARED_CLIPS[i])
        np.testing.assert_allclose(port.mean(axis=0), original[finite].mean(axis=0), rtol=0, atol=0.005)

"""The Keras 3 port of the pretrained musicnn taggers is musicnn.

Proof in three parts: the port reproduces the tags musicnn's README publishes for its two example
MP3s; it computes what the ORIGINAL TF1 graph (the musicnn wheel's own ``models.define_model``,
run through ``tf.compat.v1`` with tf-keras, restoring the wheel's checkpoint) computes on real
GTZAN clips; and its front end matches musicnn's ``batch_data``. The original runs in a
subprocess, as graph mode and legacy Keras must not meet the project's Keras 3.

Tolerances that hold on any x86-64 CPU. TensorFlow runs both networks through oneDNN's kernels
when ``TF_ENABLE_ONEDNN_OPTS=1`` (its default depends on the CPU; on an AMD EPYC with AVX-512 it
is on) and through Eigen's when it is ``0``, each choosing AVX2 or AVX-512 code at run time: the
float32 sums come in another order, so port and original agree to rounding, never bit for bit.
Measured on an AVX-512 machine over oneDNN off and on, oneDNN held to AVX2
(``ONEDNN_MAX_CPU_ISA=AVX2``) and 1 or 2 threads, every port run against every original run: tag
probabilities differ by at most 3.5e-6, embeddings by 6.4e-5 below 1 and by 7.1e-5 of their size
above (4.7e-4 at most, on values up to about 60). The tests allow :data:`TAGGRAM_ATOL` on
probabilities and :data:`EMBEDDING_RTOL` with :data:`EMBEDDING_ATOL` on embeddings, six times
those differences or more and still a thousand times below what two swapped filters change.

Both ways on every machine, not only on the one whose default it is: the original graph runs
twice, in subprocesses with oneDNN off and on; the port runs in this process with its setting and
in one more subprocess with the other; each port run is compared with each original run. Where
musicnn's own (numpy 2) front end puts ``inf`` into a patch, what the graph outputs is up to the
kernels (``nan`` through Eigen's, finite through oneDNN's), so only patches whose input is finite
and whose outputs are finite on both sides are compared, at least :data:`MIN_COMPARED_PATCHES` of
them, and the port must be finite on every patch. The front ends are compared within what numpy's
float16 ``log10``, whose code numpy also picks by CPU, may round (:data:`FLOAT16_LOG10_MAX_STEPS`).
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

from genre_utils.data.audio import load_audio
from genre_utils.features.pretrained.musicnn import (
    EMBEDDING_LAYERS,
    MODEL_NAMES,
    N_MELS,
    N_TAGS,
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
# 8 + 3 + 0 of their 10 patches each under numpy 2 (see the musicnn module's docstring)
EMBEDDING_COMPARED = "max_pool"
PORT_PATCHES_COMPARED = 4  # of each clip's 10, to keep the test short
ONEDNN_ENV = "TF_ENABLE_ONEDNN_OPTS"  # read once, when TensorFlow starts: one setting per process
ONEDNN_SETTINGS = ("0", "1")  # oneDNN's kernels off and on; both run on every machine
# Port vs original graph, on any CPU and either kernel family (see the module docstring):
TAGGRAM_ATOL = 1e-4  # on tag probabilities; measured differences up to 3.5e-6
EMBEDDING_RTOL = 1e-4  # on embeddings, whose float32 rounding grows with their size (up to ~60):
EMBEDDING_ATOL = 1e-3  # measured up to 4.7e-4, 7.1e-5 of the value
MIN_COMPARED_PATCHES = 5  # per model, of musicnn's 30 patches: its front end is finite on 11
# The port's front end vs musicnn's batch_data under numpy 2, which computes 10000 x + 1 in float16
# (two roundings, each within 2^-11 relative) and its log10 in float16: numpy's float16 log10 is
# within 1.27 steps (ULP) of exact with AVX512-FP16 (its Sapphire Rapids code, numpy PR 23351)
# and within 1 step with its other code paths, so the difference is bounded by both, on any CPU.
FLOAT16_LOG10_MAX_STEPS = 1.5
FLOAT16_ARGUMENT_ROUNDING = 2 * np.log10(1 + 2.0**-11)  # 4.2e-4
# Port front end + port vs musicnn's front end + original: the float16 log moves single tag
# probabilities by up to about 0.01 and clip means by 0.002 (kernel differences add < 1e-5).
PIPELINE_PATCH_ATOL = 0.02
PIPELINE_MEAN_ATOL = 0.005
RUNNER_TIMEOUT_SECONDS = 600


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
    # Exact ranks on any CPU: the closest neighbours (ranks 10 and 11 of the first file) differ by
    # 3e-4 in mean probability, kernels move probabilities by < 4e-6 (see the module docstring).
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

# The port in a fresh process, for the oneDNN setting this one does not have: what port_outputs does.
PORT_RUNNER = r"""
import json, sys
import numpy as np
from genre_utils.features.pretrained.musicnn import MODEL_NAMES, load_model

request = json.loads(sys.argv[1])
results = {}
for key, batch in np.load(request["inputs"]).items():
    for name in MODEL_NAMES:
        outputs = load_model(name).outputs(batch)
        for output in request["kept"]:
            results[f"{name}/{output}/{key}"] = outputs[output]
np.savez(request["outputs"], **results)
"""
PORT_OUTPUTS_KEPT = ("taggram", EMBEDDING_COMPARED)


def port_outputs(batches: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The port's :data:`PORT_OUTPUTS_KEPT` of both models for each batch, in this process (as PORT_RUNNER)."""
    results = {}
    for key, batch in batches.items():
        for name in MODEL_NAMES:
            outputs = load_model(name).outputs(batch)
            for output in PORT_OUTPUTS_KEPT:
                results[f"{name}/{output}/{key}"] = outputs[output]
    return results


def onednn_setting_here() -> str | None:
    """The oneDNN setting TensorFlow applies in this process ("0" or "1"), or None if it cannot tell.

    Without the variable TensorFlow decides from the CPU, so the environment alone does not say.
    """
    try:
        from tensorflow.python.util import _pywrap_util_port  # what TensorFlow's own tests ask
    except ImportError:
        return None
    return "1" if _pywrap_util_port.IsMklEnabled() else "0"


def start_runner(script: str, request: dict, onednn: str, **environment) -> subprocess.Popen:
    """``script`` in a fresh Python with oneDNN set to ``onednn`` ("0" or "1")."""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", **environment)
    env[ONEDNN_ENV] = onednn
    return subprocess.Popen(
        [sys.executable, "-c", script, json.dumps(request)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def finish_runner(process: subprocess.Popen, outputs: Path, what: str) -> dict[str, np.ndarray]:
    """Wait for a runner and read what it saved."""
    _, stderr = process.communicate(timeout=RUNNER_TIMEOUT_SECONDS)
    assert process.returncode == 0, f"{what}:\n{stderr[-3000:]}"
    return dict(np.load(outputs))


def end_runners(processes) -> None:
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.communicate()


@pytest.fixture(scope="module")
def side_by_side(gtzan_excerpts, tmp_path_factory):
    """Port and original outputs for three real clips: on the port's patches and on musicnn's own.

    The original graph runs in two subprocesses, oneDNN off and on, while this process computes
    the port's outputs; the port then runs once more in a subprocess with the oneDNN setting this
    process does not have (both settings there if this process's cannot be told).

    Returns:
        ``mels``: the port's log-mel spectrograms; ``original``: ``{"0" | "1": outputs}`` of the
        original graph per oneDNN setting; ``input_finite``: per clip, which of musicnn's own
        patches are finite; ``ports``: ``{description: outputs}``, the port per oneDNN setting.
    """
    pytest.importorskip("tf_keras", reason="tf-keras (test requirement) runs the original TF1 graph")
    if importlib.util.find_spec("musicnn") is None:
        pytest.skip("musicnn weights not installed (pip install --no-deps -r requirements-nodeps.txt)")
    folder = tmp_path_factory.mktemp("musicnn_original")
    files = [str(gtzan_excerpts / "genres" / g / f"{g}.00000.wav") for g in COMPARED_CLIPS]
    mels = [log_mel(load_audio(f, sample_rate=SAMPLE_RATE)) for f in files]
    inputs = {f"port/{i}": patches(mel)[:PORT_PATCHES_COMPARED] for i, mel in enumerate(mels)}
    np.savez(folder / "inputs.npz", **inputs)
    runners = {}
    for setting in ONEDNN_SETTINGS:
        request = {
            "inputs": str(folder / "inputs.npz"),
            "outputs": str(folder / f"original{setting}.npz"),
            "files": files,
            "models": list(MODEL_NAMES),
        }
        runners[setting] = start_runner(ORIGINAL_RUNNER, request, setting, TF_USE_LEGACY_KERAS="1")
    try:
        here = port_outputs(inputs)
        original = {
            setting: finish_runner(runner, folder / f"original{setting}.npz", f"original graph, oneDNN {setting}")
            for setting, runner in runners.items()
        }
    finally:
        end_runners(runners.values())

    # musicnn's front end is numpy and librosa only: same binary, same machine and thread count in
    # both runs, which differ in a TensorFlow variable alone, so its patches are equal bit for bit.
    for key in original["0"]:
        if key.startswith("original"):
            np.testing.assert_array_equal(original["1"][key], original["0"][key], err_msg=key)
    input_finite = [np.isfinite(original["0"][f"original/{i}"]).all(axis=(1, 2)) for i in range(len(files))]
    musicnn_inputs = {}
    for i, finite in enumerate(input_finite):
        musicnn_inputs[f"original/{i}"] = original["0"][f"original/{i}"][finite]  # musicnn's finite patches
        musicnn_inputs[f"full/{i}"] = patches(mels[i])[finite]  # the same patches through the port's front end
    np.savez(folder / "port_inputs.npz", **inputs, **musicnn_inputs)
    setting_here = onednn_setting_here()
    others = [setting for setting in ONEDNN_SETTINGS if setting != setting_here]
    port_runners = {}
    for setting in others:
        request = {
            "inputs": str(folder / "port_inputs.npz"),
            "outputs": str(folder / f"port{setting}.npz"),
            "kept": list(PORT_OUTPUTS_KEPT),
        }
        port_runners[setting] = start_runner(PORT_RUNNER, request, setting)
    try:
        here.update(port_outputs(musicnn_inputs))
        ports = {f"port, oneDNN {setting_here or 'as TensorFlow chose'} (this process)": here}
        for setting, runner in port_runners.items():
            ports[f"port, oneDNN {setting} (subprocess)"] = finish_runner(
                runner, folder / f"port{setting}.npz", f"port, oneDNN {setting}"
            )
    finally:
        end_runners(port_runners.values())
    return {"mels": mels, "original": original, "input_finite": input_finite, "ports": ports}


def comparable(original: np.ndarray, port: np.ndarray) -> np.ndarray:
    """Rows (patches) where both outputs are finite: the only ones compared (see the module docstring).

    The port must be finite on all of them whatever the CPU: its input always is.
    """
    assert original.shape == port.shape
    assert np.isfinite(port).all(), "the port is not finite on finite input"
    return np.isfinite(original).all(axis=1) & np.isfinite(port).all(axis=1)


def tolerance_for(output: str) -> dict:
    """assert_allclose tolerances of the port against the original graph for one output."""
    if output == "taggram":
        return {"rtol": 0, "atol": TAGGRAM_ATOL}
    return {"rtol": EMBEDDING_RTOL, "atol": EMBEDDING_ATOL}


onednn_of_original = pytest.mark.parametrize("original_onednn", ONEDNN_SETTINGS, ids=lambda s: f"original-onednn{s}")


@pytest.mark.slow
@onednn_of_original
@pytest.mark.parametrize("model", MODEL_NAMES)
@pytest.mark.parametrize("output", ["taggram", EMBEDDING_COMPARED])
def test_port_computes_the_original_graph(side_by_side, model, output, original_onednn):
    """Same patches in, same taggram and embeddings out, on every patch, whichever kernels run."""
    size = N_TAGS if output == "taggram" else EMBEDDING_LAYERS[output]
    for i in range(len(COMPARED_CLIPS)):
        original = side_by_side["original"][original_onednn][f"{model}/{output}/port/{i}"]
        for description, outputs in side_by_side["ports"].items():
            port = outputs[f"{model}/{output}/port/{i}"]
            assert port.shape == (PORT_PATCHES_COMPARED, size)
            both_finite = comparable(original, port)
            # The port's patches are finite and of ordinary size: nothing in either network overflows
            # float32 on them, on any kernels, so every patch is compared.
            assert both_finite.all(), f"{COMPARED_CLIPS[i]}: the original graph is not finite on finite input"
            np.testing.assert_allclose(
                port[both_finite],
                original[both_finite],
                **tolerance_for(output),
                err_msg=f"{COMPARED_CLIPS[i]}, {description}",
            )


@pytest.mark.slow
def test_front_end_matches_musicnn_batch_data(side_by_side):
    """Same frames and patches as musicnn's batch_data; values equal up to numpy 2's float16 log."""
    for i, mel in enumerate(side_by_side["mels"]):
        original_mel = side_by_side["original"]["0"][f"original_mel/{i}"]  # the same in both runs
        original_batch = side_by_side["original"]["0"][f"original/{i}"]
        assert mel.shape == original_mel.shape
        assert original_batch.shape == patches(mel).shape
        inner = slice(1, -1)  # the first and last frame depend on librosa's STFT pad_mode
        finite = np.isfinite(original_mel[inner])
        assert finite.mean() > 0.5, "musicnn's float16 overflows on the loudest bins only"
        expected = original_mel[inner][finite]
        # the float16 step at each of musicnn's values (0.002 at 2-4, 0.004 at 4-8): see FLOAT16_LOG10_MAX_STEPS
        step = np.spacing(np.abs(expected).astype(np.float16)).astype(np.float64)
        tolerance = FLOAT16_LOG10_MAX_STEPS * step + FLOAT16_ARGUMENT_ROUNDING
        difference = np.abs(mel[inner][finite].astype(np.float64) - expected)
        worst = np.argmax(difference - tolerance)
        assert difference[worst] <= tolerance[worst], (
            f"{COMPARED_CLIPS[i]}: log-mel {mel[inner][finite][worst]} vs musicnn's {expected[worst]}, "
            f"more than {tolerance[worst]:.2g} apart"
        )
        # and musicnn overflows to inf on loud bins, where the port is finite
        assert np.all(np.isfinite(mel))


@pytest.mark.slow
@onednn_of_original
@pytest.mark.parametrize("model", MODEL_NAMES)
def test_port_agrees_with_musicnn_end_to_end_where_it_is_finite(side_by_side, model, original_onednn):
    """musicnn's own front end and graph vs the port on the same patches: finite ones only.

    The port ran on musicnn's finite patches only; what the original graph outputs on the others
    (made infinite by its numpy-2 front end) depends on the kernels and is not looked at.
    """
    for description, outputs in side_by_side["ports"].items():
        compared = 0
        for i, input_finite in enumerate(side_by_side["input_finite"]):
            original = side_by_side["original"][original_onednn][f"{model}/taggram/original/{i}"][input_finite]
            port = outputs[f"{model}/taggram/original/{i}"]
            both_finite = comparable(original, port)
            np.testing.assert_allclose(
                port[both_finite],
                original[both_finite],
                rtol=0,
                atol=TAGGRAM_ATOL,
                err_msg=f"{COMPARED_CLIPS[i]}, {description}",
            )
            compared += both_finite.sum()
        assert compared >= MIN_COMPARED_PATCHES, f"only {compared} patches compared ({description})"


@pytest.mark.slow
@onednn_of_original
@pytest.mark.parametrize("model", MODEL_NAMES)
def test_whole_pipeline_agrees_with_musicnn_where_it_is_finite(side_by_side, model, original_onednn):
    """Port front end + port network vs musicnn's front end + original graph, finite patches only.

    Not 1e-4: under numpy 2 musicnn's front end rounds 10000 x + 1 and its log to float16 (up to
    0.002 per bin) and pads the STFT with zeros; the port keeps musicnn's numpy-1 arithmetic. On
    these clips that moves single tag probabilities by up to about 0.01, the clip means by 0.002.
    """
    for description, outputs in side_by_side["ports"].items():
        compared = 0
        for i, input_finite in enumerate(side_by_side["input_finite"]):
            original = side_by_side["original"][original_onednn][f"{model}/taggram/original/{i}"][input_finite]
            port = outputs[f"{model}/taggram/full/{i}"]
            both_finite = comparable(original, port)
            compared += both_finite.sum()
            if not both_finite.any():
                continue
            where = f"{COMPARED_CLIPS[i]}, {description}"
            np.testing.assert_allclose(
                port[both_finite], original[both_finite], rtol=0, atol=PIPELINE_PATCH_ATOL, err_msg=where
            )
            np.testing.assert_allclose(
                port[both_finite].mean(axis=0),
                original[both_finite].mean(axis=0),
                rtol=0,
                atol=PIPELINE_MEAN_ATOL,
                err_msg=where,
            )
        assert compared >= MIN_COMPARED_PATCHES, f"only {compared} patches compared ({description})"

"""Classifying arbitrary audio files with a trained run: windows, equivalence with training, CLI, plot."""

from __future__ import annotations

import re

import numpy as np
import pytest
import soundfile

keras = pytest.importorskip("keras")

from genre_utils.analysis.plots import plot_timeline  # noqa: E402
from genre_utils.data.audio import AudioError  # noqa: E402
from genre_utils.experiment.runner import RunSpec, make_inputs, run_folder, run_one  # noqa: E402
from genre_utils.predict import load_run, main, predict_file  # noqa: E402

SAMPLE_RATE = 22050
CLIP_SECONDS = 4.0  # the synthetic_store fixture's clips
EQUAL_ATOL = 2e-5  # same samples, same features: only the float order of the two predict calls differs
SPEC = RunSpec("synthetic", "cnn", seed=0, segment_seconds=1.0, epochs=2, patience=0)


@pytest.fixture(scope="module")
def trained(synthetic_store, tmp_path_factory):
    """``(results root, run folder, loaded run)`` of one tiny 1 s-segment CNN run."""
    results = tmp_path_factory.mktemp("results")
    run_one(SPEC, synthetic_store, results)
    folder = run_folder(results, SPEC)
    return results, folder, load_run(folder)


@pytest.fixture(scope="module")
def track(synthetic_store):
    """``(track_id, path)`` of one usable clip of the store."""
    row = synthetic_store.usable.iloc[0]
    return row["track_id"], row["path"]


def probability_columns(frame):
    return [c for c in frame.columns if c.startswith("p_")]


def test_a_folder_without_a_run_is_named_with_the_way_to_train_one(tmp_path):
    with pytest.raises(FileNotFoundError, match=f"{tmp_path.name}.*config.json.*genre_utils.run"):
        load_run(tmp_path)
    with pytest.raises(FileNotFoundError, match="nowhere.*does not exist"):
        load_run(tmp_path / "nowhere")


@pytest.mark.slow
def test_the_run_loads_with_its_training_statistics(synthetic_store, trained):
    _, folder, run = trained
    assert run.folder == folder and run.spec["segment_seconds"] == 1.0 and run.spec["model"] == "cnn"
    assert run.class_names == sorted(synthetic_store.usable["genre"].unique())
    assert run.feature_config == synthetic_store.config and run.window_frames == 43
    np.testing.assert_allclose(run.standardizer.mean, make_inputs(synthetic_store, SPEC).standardizer.mean)


@pytest.mark.slow
def test_a_store_clip_gives_one_row_per_second_and_sorted_probabilities(trained, track):
    run = trained[2]
    prediction = predict_file(run, track[1])
    segments = prediction.segments
    assert len(segments) == 4 and prediction.duration == pytest.approx(CLIP_SECONDS)
    assert list(segments.columns[:4]) == ["start_s", "end_s", "genre", "confidence"]
    assert probability_columns(segments) == [f"p_{g}" for g in run.class_names]
    np.testing.assert_allclose(segments["start_s"], np.arange(4) * 43 * 512 / SAMPLE_RATE)
    assert (segments["end_s"] <= prediction.duration + 1e-9).all()
    np.testing.assert_allclose(segments[probability_columns(segments)].sum(axis=1), 1, atol=1e-5)
    assert prediction.probabilities.sum() == pytest.approx(1, abs=1e-5)
    assert list(prediction.probabilities.index) != [] and prediction.probabilities.is_monotonic_decreasing
    top = prediction.top(3)
    assert len(top) == 3 and [p for _, p in top] == sorted([p for _, p in top], reverse=True)
    assert top[0][0] == prediction.genre
    assert (segments["genre"] == segments[probability_columns(segments)].idxmax(axis=1).str[2:]).all()


@pytest.mark.slow
def test_window_probabilities_equal_the_models_on_the_stores_segments(synthetic_store, trained, track):
    run = trained[2]
    x, _ = synthetic_store.segments([track[0]], SPEC.segment_seconds)
    expected = run.predictor.model.predict(run.standardizer.transform(x), verbose=0)
    segments = predict_file(run, track[1]).segments
    got = segments[probability_columns(segments)].to_numpy()
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, atol=EQUAL_ATOL)
    # The check can tell windows apart: a shifted or reordered window would differ by more.
    assert min(np.abs(expected[i] - expected[j]).max() for i in range(4) for j in range(i)) > 5 * EQUAL_ATOL
    assert segments["confidence"].to_numpy() == pytest.approx(expected.max(axis=1), abs=EQUAL_ATOL)


@pytest.mark.slow
def test_stereo_44k_flac_and_ogg_versions_of_a_clip_work(trained, track, tmp_path):
    import librosa

    run = trained[2]
    mono, rate = soundfile.read(track[1], dtype="float32")
    assert rate == SAMPLE_RATE
    stereo = np.stack([librosa.resample(mono, orig_sr=rate, target_sr=44100)] * 2, axis=1)
    soundfile.write(tmp_path / "clip.flac", stereo, 44100)
    soundfile.write(tmp_path / "clip.ogg", stereo, 44100, format="OGG", subtype="VORBIS")
    reference = predict_file(run, track[1]).probabilities
    for name in ("clip.flac", "clip.ogg"):
        prediction = predict_file(run, tmp_path / name)
        assert prediction.duration == pytest.approx(CLIP_SECONDS, abs=1e-3)  # resampled to 22050 Hz
        assert len(prediction.segments) == 4 and prediction.warnings == []
        # A 2-epoch model is nearly flat, so this bound is loose; decoding differences measured < 2e-3.
        np.testing.assert_allclose(prediction.probabilities[reference.index], reference, atol=5e-3)


@pytest.mark.slow
def test_long_short_and_silent_files(trained, track, tmp_path):
    run = trained[2]
    mono, _ = soundfile.read(track[1], dtype="float32")
    soundfile.write(tmp_path / "long.wav", np.tile(mono, 3)[: 10 * SAMPLE_RATE], SAMPLE_RATE)
    assert len(predict_file(run, tmp_path / "long.wav").segments) == 10  # whole seconds; no 1-frame remainder
    overlapping = predict_file(run, tmp_path / "long.wav", hop_seconds=0.5).segments
    assert len(overlapping) == 19 and overlapping["start_s"].diff().iloc[1] == pytest.approx(22 * 512 / SAMPLE_RATE)

    soundfile.write(tmp_path / "short.wav", mono[: SAMPLE_RATE // 3], SAMPLE_RATE)
    short = predict_file(run, tmp_path / "short.wav")
    assert len(short.segments) == 1 and any("shorter than half a window" in w for w in short.warnings)
    assert short.segments["end_s"].iloc[0] == pytest.approx(1 / 3, abs=1e-3)

    soundfile.write(tmp_path / "silent.wav", np.zeros(2 * SAMPLE_RATE, np.float32), SAMPLE_RATE)
    silent = predict_file(run, tmp_path / "silent.wav")
    assert len(silent.segments) == 2 and any("silent" in w for w in silent.warnings)
    assert silent.probabilities.sum() == pytest.approx(1, abs=1e-5)

    with pytest.raises(ValueError, match="hop_seconds"):
        predict_file(run, track[1], hop_seconds=0)


@pytest.mark.slow
def test_a_non_audio_file_is_named(trained, tmp_path):
    bad = tmp_path / "notes.txt"
    bad.write_text("not audio at all\n" * 50)
    with pytest.raises(AudioError, match="notes.txt"):
        predict_file(trained[2], bad)


@pytest.mark.slow
def test_cli_prints_top_genres_and_segments(trained, track, capsys):
    _, folder, run = trained
    assert main([track[1], "--run", str(folder), "--top", "2"]) == 0
    out = capsys.readouterr().out
    top = predict_file(run, track[1]).top(2)
    assert track[1] in out and "4 segments" in out
    ranked = [line.split() for line in out.splitlines() if re.match(r"\s+\d\. ", line)]
    assert [r[:2] for r in ranked] == [["1.", top[0][0]], ["2.", top[1][0]]]
    assert float(ranked[0][2]) == pytest.approx(top[0][1], abs=1e-3)
    assert len(re.findall(r"^\s+0\.0-\s+1\.0 s\s+\w+\s+0\.\d{3}$", out, flags=re.M)) == 1
    assert out.count(" s  ") == 4  # one line per segment
    assert out.index("trained on the synthetic set") < out.index(track[1])  # said first
    assert "Thesis CNN trained on synthetic" in out
    tags = re.search(r"musicnn tags \(MSD_musicnn\): (.*)$", out, flags=re.M)
    assert tags and len(tags.group(1).split(", ")) == 2  # --top 2 tags beside the genres


@pytest.mark.slow
def test_cli_goes_on_after_a_bad_file_and_exits_1(trained, track, tmp_path, capsys):
    bad = tmp_path / "broken.wav"
    bad.write_text("this is an HTML error page\n" * 20)
    assert main([str(bad), track[1], "--run", str(trained[1]), "--no-tags"]) == 1
    captured = capsys.readouterr()
    assert "broken.wav" in captured.err and track[1] in captured.out and "1. " in captured.out


@pytest.mark.slow
def test_cli_finds_the_latest_run_under_results(trained, track, capsys):
    assert main([track[1], "--results", str(trained[0]), "--no-tags"]) == 0
    assert str(trained[1]) in capsys.readouterr().out


def test_cli_without_any_run_exits_2_and_says_how_to_train(tmp_path, capsys):
    assert main([str(tmp_path / "song.wav"), "--results", str(tmp_path)]) == 2
    assert "genre_utils.run" in capsys.readouterr().err


@pytest.mark.slow
def test_timeline_plot_has_labelled_axes(trained, track):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    run = trained[2]
    figure = plot_timeline(predict_file(run, track[1]))
    ax = figure.axes[0]
    assert "time" in ax.get_xlabel() and ax.get_ylabel() == "genre"
    assert [t.get_text() for t in ax.get_yticklabels()] == run.class_names
    assert len(figure.axes) == 2 and "probability" in figure.axes[1].get_ylabel()  # the colour bar
    plt.close(figure)


def test_a_run_that_did_not_learn_says_so_before_any_genre(trained, track, tmp_path, capsys):
    import json
    import shutil

    _, folder, _ = trained
    copy = shutil.copytree(folder, tmp_path / folder.name)
    result = json.loads((copy / "result.json").read_text())
    (copy / "result.json").write_text(json.dumps({**result, "learned": False, "learned_reason": "made up here"}))
    run = load_run(copy)
    assert not run.learned and "made up here" in run.not_learned_warning
    assert main([track[1], "--run", str(copy), "--no-tags"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("warning: this run did not learn (made up here)") and out.index("1. ") > 0
    (copy / "result.json").write_text(json.dumps({**result, "learned": True}))
    assert load_run(copy).learned and load_run(copy).not_learned_warning == ""


@pytest.mark.slow
def test_a_whole_clip_model_pads_a_short_file_as_training_did(synthetic_store, track, tmp_path):
    from genre_utils.features.kinds import features_from_samples

    spec = RunSpec("synthetic", "cnn", seed=0, epochs=1, patience=0, segment_seconds=0)  # whole 4 s clips
    run_one(spec, synthetic_store, tmp_path)
    run = load_run(run_folder(tmp_path, spec))
    assert run.spec["segment_seconds"] == 0 and run.window_frames == synthetic_store.config.n_frames
    whole = predict_file(run, track[1])
    expected = run.predictor.model.predict(run.standardizer.transform(synthetic_store.clips([track[0]])), verbose=0)
    assert len(whole.segments) == 1
    np.testing.assert_allclose(whole.segments[probability_columns(whole.segments)], expected, atol=EQUAL_ATOL)

    mono, _ = soundfile.read(track[1], dtype="float32")
    soundfile.write(tmp_path / "part.wav", mono[: int(2.5 * SAMPLE_RATE)], SAMPLE_RATE)
    part = predict_file(run, tmp_path / "part.wav")
    padded, _ = features_from_samples(soundfile.read(tmp_path / "part.wav", dtype="float32")[0], synthetic_store.config)
    expected = run.predictor.model.predict(run.standardizer.transform(padded[None]), verbose=0)
    assert len(part.segments) == 1 and part.warnings == []
    assert part.segments["end_s"].iloc[0] == pytest.approx(2.5, abs=1e-3)
    np.testing.assert_allclose(part.segments[probability_columns(part.segments)], expected, atol=EQUAL_ATOL)


def test_latest_run_filters_by_dataset_and_model_and_never_picks_a_leaky_run(tmp_path):
    import os
    import time

    from genre_utils.predict import latest_run

    names = ["cnn-mfcc-thesis-seg3s-seed0", "lstm-mfcc-thesis-seg3s-seed0", "cnn-mfcc-random_segments-seg3s-seed0"]
    for offset, name in enumerate(names):
        folder = tmp_path / "gtzan" / "runs" / name
        folder.mkdir(parents=True)
        (folder / "result.json").write_text("{}")
        stamp = time.time() + offset
        os.utime(folder / "result.json", (stamp, stamp))
    assert latest_run(tmp_path).name == names[1]
    assert latest_run(tmp_path, dataset="gtzan", model="cnn").name == names[0]
    assert latest_run(tmp_path, dataset="fma_small") is None


def test_cli_says_when_a_file_is_out_of_its_depth_before_its_genres(synthetic_store, trained, track, tmp_path, capsys):
    import shutil

    from genre_utils.data.conditions import CONDITIONS_FILE, training_conditions, write_training_conditions
    from genre_utils.data.degradations import get_degradation

    _, folder, _ = trained
    copy = shutil.copytree(folder, tmp_path / folder.name)
    write_training_conditions(copy, training_conditions(synthetic_store.usable, synthetic_store.config.sample_rate))
    run = load_run(copy)
    assert run.conditions["sample_rate"] == SAMPLE_RATE and run.conditions["tracks_measured"] == 16
    mono, rate = soundfile.read(track[1], dtype="float32")
    band = tmp_path / "band.wav"
    soundfile.write(band, get_degradation("band_8k").apply(mono, rate, seed=0), rate)
    prediction = predict_file(run, band)
    assert prediction.condition.native_rate == SAMPLE_RATE and prediction.condition.bandwidth_hz < 4250
    assert len(prediction.out_of_depth) == 1 and prediction.warnings == []

    assert main([track[1], str(band), "--run", str(copy), "--no-tags"]) == 0
    out = capsys.readouterr().out
    normal, limited = out[out.index(f"{track[1]} (") : out.index(f"{band} (")], out[out.index(f"{band} (") :]
    assert "out of its depth" not in normal
    assert normal.index("  condition: 22.05 kHz sampling, content up to 11.0 kHz") < normal.index("  1. ")
    depth = f"  out of its depth: {prediction.out_of_depth[0]}\n"
    assert (
        depth.startswith(
            "  out of its depth: this file has no content above 3.9 kHz; the run was trained on full-band audio"
        )
        and "notebook 08" in depth
    )
    assert limited.index("  condition: ") < limited.index(depth) < limited.index("  1. ")

    (copy / CONDITIONS_FILE).unlink()  # a run folder written before conditions were recorded
    old = predict_file(load_run(copy), track[1])
    assert load_run(copy).conditions is None and len(old.out_of_depth) == 1
    assert old.out_of_depth[0].startswith("the run does not record its training conditions")


def test_the_run_line_says_when_the_run_was_trained_with_augmentation(trained):
    import dataclasses

    _, _, run = trained
    assert "degraded" not in run.description
    augmented = dataclasses.replace(run, spec={**run.spec, "augment": 2})
    assert "with 2 degraded copies of each training track" in augmented.description


def test_a_file_is_decoded_once_for_its_measurement_and_its_genres(trained, track, monkeypatch):
    from genre_utils.data import audio

    _, _, run = trained
    calls, real = [], audio._decode
    monkeypatch.setattr(audio, "_decode", lambda path: calls.append(path) or real(path))
    prediction = predict_file(run, track[1])
    assert len(calls) == 1 and prediction.condition.native_rate == 22050

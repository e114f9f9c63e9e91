"""Recording conditions: measuring a file, recording a run's training audio, and the out-of-depth lines."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import soundfile
import soxr

from genre_utils.data import conditions
from genre_utils.data.audio import AudioError
from genre_utils.data.conditions import (
    CLIPPED_MARGIN,
    CONDITIONS_FILE,
    clipped_share,
    differences,
    measure_audio,
    sample_tracks,
    training_conditions,
    write_training_conditions,
)
from genre_utils.data.degradations import degradation_names, get_degradation

RATE = 22050
SECONDS = 3.0
BAND_8K_HZ = 4000.0  # band_8k keeps nothing above 8 kHz's Nyquist; soxr's filter rolls off from 0.91 of it
BAND_TOLERANCE_HZ = 250.0  # measured 3.83-3.90 kHz on GTZAN clips and on noise: within [3.75, 4.25] kHz
NEAR_NYQUIST = 0.95  # full-band noise measures within 5 % of the Nyquist frequency
TRAINING_LEVELS_DB = (-24.0, -21.0, -18.0, -15.0)  # RMS of the generated training clips


def broadband(seconds: float = SECONDS, rate: int = RATE, level_db: float = -18.0, seed: int = 0) -> np.ndarray:
    """Pink-ish noise plus three tones at ``level_db`` RMS dBFS: content from 20 Hz to the Nyquist frequency."""
    rng = np.random.default_rng(seed)
    size = int(seconds * rate)
    spectrum = np.fft.rfft(rng.standard_normal(size))
    frequencies = np.fft.rfftfreq(size, 1 / rate)
    spectrum /= np.sqrt(np.maximum(frequencies, 20.0))  # -3 dB per octave: about 27 dB down at 11 kHz
    signal = np.fft.irfft(spectrum, size)
    t = np.arange(size) / rate
    signal = signal / signal.std() + sum(np.sin(2 * np.pi * f * t) for f in (110.0, 440.0, 1760.0))
    return (signal * 10 ** (level_db / 20) / signal.std()).astype(np.float32)


def write(path, samples, rate=RATE):
    soundfile.write(path, samples, rate)
    return path


@pytest.fixture(scope="module")
def training(tmp_path_factory):
    """The training record of eight generated full-band clips (two genres), without augmentation."""
    folder = tmp_path_factory.mktemp("training")
    rows = []
    for genre_index, genre in enumerate(("alpha", "beta")):
        for i, level in enumerate(TRAINING_LEVELS_DB):
            path = write(folder / f"{genre}.{i:05d}.wav", broadband(level_db=level, seed=10 * genre_index + i))
            rows.append({"track_id": f"{genre}.{i:05d}", "path": str(path), "genre": genre, "status": "ok"})
    return training_conditions(pd.DataFrame(rows), RATE)


@pytest.fixture(scope="module")
def normal(tmp_path_factory):
    """``(path, condition)`` of a generated clip like the training clips."""
    path = write(tmp_path_factory.mktemp("normal") / "normal.wav", broadband(level_db=-19.0, seed=99))
    return path, measure_audio(path)


def test_full_band_noise_measures_near_its_nyquist_at_any_rate(tmp_path):
    for rate in (RATE, 44100, 16000):
        condition = measure_audio(write(tmp_path / f"noise{rate}.wav", broadband(rate=rate), rate))
        assert condition.native_rate == rate and condition.duration_s == pytest.approx(SECONDS, abs=1e-3)
        assert NEAR_NYQUIST * rate / 2 <= condition.bandwidth_hz <= rate / 2
        assert condition.clipped_share == 0 and condition.silent_share == 0
        assert condition.level_dbfs == pytest.approx(-18.0, abs=0.5)  # RMS dBFS of what broadband() made


def test_a_band_limited_file_measures_about_4_khz_and_is_told(tmp_path, training, normal):
    band = get_degradation("band_8k").apply(broadband(seed=5), RATE, seed=0)
    condition = measure_audio(write(tmp_path / "band.wav", band))
    assert condition.native_rate == RATE
    assert abs(condition.bandwidth_hz - BAND_8K_HZ) <= BAND_TOLERANCE_HZ
    lines = differences(condition, training)
    assert len(lines) == 1
    assert lines[0].startswith(f"this file has no content above {condition.bandwidth_hz / 1000:.1f} kHz")
    assert "full-band audio (content up to 11.0 kHz" in lines[0]
    assert "without augmentation" in lines[0] and "notebook 08" in lines[0] and "`augment`" in lines[0]
    assert differences(normal[1], training) == []


def test_an_over_driven_file_is_clipped_and_told(tmp_path, training):
    assert "clip_5pct" in degradation_names("level")
    loud = get_degradation("clip_5pct").apply(broadband(seed=6), RATE, seed=0)
    condition = measure_audio(write(tmp_path / "clipped.wav", loud))
    assert condition.clipped_share > training["clipped_share"]["max"] + CLIPPED_MARGIN
    assert condition.clipped_share == pytest.approx(0.05, abs=0.015)  # flat tops: most of the 5 % at full scale
    lines = differences(condition, training)
    assert any("samples are clipped" in line and "at most 0 % clipped" in line for line in lines)
    hard = np.clip(broadband(level_db=-3.0, seed=7) * 4, -1, 1)  # np.clip of a loud signal clips too
    assert measure_audio(write(tmp_path / "hard.wav", hard)).clipped_share > 0.1


def test_only_flat_tops_count_as_clipped():
    single = np.zeros(1000, np.float32)
    single[[10, 500]] = [1.0, -1.0]  # a peak-normalized file touching full scale once each way
    assert clipped_share(single) == 0
    flat = single.copy()
    flat[100:104], flat[200:203] = 1.0, -0.9995  # two flat tops, 4 and 3 samples
    assert clipped_share(flat) == pytest.approx(7 / 1000)
    alternating = np.tile(np.array([1.0, -1.0], np.float32), 50)  # full scale, but never twice in a row
    assert clipped_share(alternating) == 0
    assert clipped_share(np.stack([flat, np.zeros_like(flat)])) == pytest.approx(7 / 2000)  # channels apart


def test_a_file_recorded_at_8_khz_is_told_its_rate(tmp_path, training):
    low = soxr.resample(broadband(seed=8), RATE, 8000)
    condition = measure_audio(write(tmp_path / "phone.wav", low, 8000))
    assert condition.native_rate == 8000 and condition.bandwidth_hz <= 4000
    lines = differences(condition, training)
    assert len(lines) == 1  # the rate says it all: no separate bandwidth line
    assert lines[0].startswith("this file is sampled at 8 kHz, below the model's 22.05 kHz")
    assert "nothing above 4.0 kHz" in lines[0] and "sampled at 22.05 kHz without augmentation" in lines[0]


def test_silent_files(tmp_path, training):
    frame = round(conditions.FRAME_SECONDS * RATE)
    mostly = np.concatenate([broadband(seconds=1.0)[: 20 * frame], np.zeros(60 * frame, np.float32)])
    condition = measure_audio(write(tmp_path / "mostly.wav", mostly))
    assert condition.silent_share == 0.75
    assert condition.level_dbfs == pytest.approx(-18.0, abs=0.5)  # the level of the non-silent part
    assert [line for line in differences(condition, training) if "silence" in line] == [
        "this file is 75 % silence (50 ms frames below -60 dBFS); the run's training tracks were at most 0 % "
        "silent, so its genres rest on the other 25 %"
    ]
    silent = measure_audio(write(tmp_path / "silent.wav", np.zeros(2 * RATE, np.float32)))
    assert silent.silent_share == 1 and silent.bandwidth_hz == 0 and silent.level_dbfs == conditions.LEVEL_FLOOR_DBFS
    lines = differences(silent, training)
    assert len(lines) == 1 and lines[0].endswith("rest on nothing")  # no bandwidth or level line for nothing


def test_a_file_far_quieter_or_louder_than_training_is_told(tmp_path, training):
    quiet = measure_audio(write(tmp_path / "quiet.wav", broadband(level_db=-45.0, seed=11)))
    assert quiet.level_dbfs == pytest.approx(-45.0, abs=0.5)
    (line,) = differences(quiet, training)
    assert line.startswith("this file's level is -45.0 dBFS RMS, 21 dB below the range of the run's training")
    assert f"between {training['level_dbfs']['p5']:.1f} and {training['level_dbfs']['p95']:.1f} dBFS RMS" in line
    slightly = measure_audio(write(tmp_path / "slightly.wav", broadband(level_db=-30.0, seed=12)))
    assert differences(slightly, training) == []  # 6 dB below the range: within the margin

    record = {**training, "level_dbfs": {"p5": -45.0, "p95": -38.0}}
    loud = measure_audio(write(tmp_path / "loud.wav", broadband(level_db=-15.0, seed=13)))
    (line,) = differences(loud, record)
    assert "23 dB above the range" in line


def test_augmentation_changes_the_wording(tmp_path, training):
    band = measure_audio(write(tmp_path / "band.wav", get_degradation("band_11k").apply(broadband(), RATE, seed=0)))
    covered = {**training, "augmentation": {"copies": 2, "degradations": ["band_8k", "mp3_64k", "white_20db"]}}
    (line,) = differences(band, covered)
    assert "without augmentation" not in line
    assert line.endswith(
        "with 2 degraded copies of each training track (band limits or low-bitrate MP3: band_8k, "
        "mp3_64k), so it has heard such audio"
    )
    other = {**training, "augmentation": {"copies": 1, "degradations": ["white_20db", "reverb_room"]}}
    (line,) = differences(band, other)
    assert "with 1 degraded copy of each training track (white_20db, reverb_room), none of them band limits" in line
    assert "notebook 08" in line


def test_a_run_without_a_record_gets_one_line(normal):
    (line,) = differences(normal[1], None)
    assert line.startswith("the run does not record its training conditions")
    assert "sampled at 22.05 kHz with content up to 11.0 kHz" in line and CONDITIONS_FILE in line
    assert differences(normal[1], {"sample_rate": RATE, "tracks_measured": 0}) == [line]


def test_the_training_record_and_its_file(training, tmp_path):
    assert training["sample_rate"] == RATE and training["tracks_measured"] == 8
    assert training["native_rates"] == [RATE] and training["augmentation"] is None
    assert NEAR_NYQUIST * RATE / 2 <= training["bandwidth_hz"]["min"] <= training["bandwidth_hz"]["p5"]
    assert training["bandwidth_hz"]["p5"] <= training["bandwidth_hz"]["median"] <= RATE / 2
    assert training["clipped_share"] == {"max": 0.0, "median": 0.0} and training["silent_share"] == {"max": 0.0}
    assert training["level_dbfs"]["p5"] == pytest.approx(-24.0, abs=0.5)
    assert training["level_dbfs"]["p95"] == pytest.approx(-15.0, abs=0.5)
    path = write_training_conditions(tmp_path / "run", training)
    assert path == tmp_path / "run" / CONDITIONS_FILE and json.loads(path.read_text()) == training


def test_the_sample_spreads_over_genres_uses_ok_rows_and_is_measured_once(tmp_path, monkeypatch):
    rows = [
        {
            "track_id": f"{genre}.{i:05d}",
            "path": str(tmp_path / f"{genre}.{i:05d}.wav"),
            "genre": genre,
            "status": "ok" if (genre, i) != ("a", 0) else "unreadable",
        }
        for genre in ("c", "a", "b")
        for i in range(6)
    ]
    tracks = pd.DataFrame(rows).sample(frac=1.0, random_state=0)  # any order in, the same sample out
    picked = sample_tracks(tracks, 7)
    assert list(picked["track_id"]) == sorted(picked["track_id"]) and "a.00000" not in set(picked["track_id"])
    assert picked["genre"].value_counts().to_dict() == {"a": 3, "b": 2, "c": 2}
    assert list(picked["track_id"]) == list(sample_tracks(tracks.iloc[::-1], 7)["track_id"])
    assert len(sample_tracks(tracks, 100)) == 17

    for row in rows:
        write(row["path"], broadband(seconds=0.5, seed=len(row["track_id"])))
    calls = []
    original = conditions.measure_audio
    monkeypatch.setattr(conditions, "measure_audio", lambda path: calls.append(path) or original(path))
    first = training_conditions(tracks, RATE, sample=4)
    again = training_conditions(tracks, 16000, augmentation={"copies": 2, "degradations": ["band_8k"]}, sample=4)
    assert len(calls) == 4  # the second run on the same tracks measures nothing again
    assert first["track_ids"] == again["track_ids"] and again["sample_rate"] == 16000
    assert again["augmentation"] == {"copies": 2, "degradations": ["band_8k"]}


def test_bad_input_is_named(tmp_path):
    with pytest.raises(AudioError, match="nowhere.wav: file not found"):
        measure_audio(tmp_path / "nowhere.wav")
    text = tmp_path / "notes.wav"
    text.write_text("not audio\n" * 100)
    with pytest.raises(AudioError, match="notes.wav: cannot decode"):
        measure_audio(text)


def test_condition_summary(normal):
    assert normal[1].summary().startswith("22.05 kHz sampling, content up to 11.0 kHz, 0 % of samples clipped, level")


@pytest.mark.slow
def test_real_music_normal_band_limited_and_mp3(gtzan_excerpts, tmp_path):
    files = sorted((gtzan_excerpts / "genres").glob("*/*.wav"))
    tracks = pd.DataFrame(
        {
            "track_id": [f.stem for f in files],
            "path": [str(f) for f in files],
            "genre": [f.parent.name for f in files],
            "status": "ok",
        }
    )
    record = training_conditions(tracks, RATE)
    assert record["tracks_measured"] == 16 and record["native_rates"] == [RATE]
    assert 9000 <= record["bandwidth_hz"]["p5"] <= record["bandwidth_hz"]["median"] <= RATE / 2
    unmeasured = [f for f in files if f.stem not in record["track_ids"]][::4]
    assert all(differences(measure_audio(f), record) == [] for f in unmeasured)  # real GTZAN clips are in range

    samples, rate = soundfile.read(files[0], dtype="float32")
    band = measure_audio(write(tmp_path / "band.wav", get_degradation("band_8k").apply(samples, rate, seed=0)))
    assert abs(band.bandwidth_hz - BAND_8K_HZ) <= BAND_TOLERANCE_HZ
    assert any("no content above 3.9 kHz" in line for line in differences(band, record))
    mp3 = measure_audio(gtzan_excerpts / "genres" / "country" / "country.00053.mp3")  # 32 kbit/s: LAME's low-pass
    assert mp3.native_rate == RATE and 7000 < mp3.bandwidth_hz < 9000

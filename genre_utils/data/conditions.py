"""Recording conditions: what a file's audio is like, what a run was trained on, and how the two differ.

:func:`measure_channels` measures decoded audio (native rate, bandwidth, clipped share, silent share, RMS level),
:func:`training_conditions` the same over a sample of a run's training tracks (saved as :data:`CONDITIONS_FILE`),
and :func:`differences` says in one line per measure how a file lies outside them, pointing to the degradation
study (notebook 08) or to augmentation. docs/methods.md defines the measures.
"""

from __future__ import annotations

import functools
import math
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.ndimage import label, median_filter
from scipy.signal import welch

from genre_utils.data.audio import AudioError, downmix, load_native
from genre_utils.data.datasets.table import STATUS_OK
from genre_utils.data.degradations import get_degradation
from genre_utils.formatting import small_percent
from genre_utils.paths import write_json

CONDITIONS_FILE = "conditions.json"  # the training conditions, in a run's folder

# --- measuring a file
N_FFT = 2048  # samples per spectrum frame at the native rate (10.8 Hz bins at 22,050 Hz)
SMOOTHING_HZ = 200.0  # running-median width over the spectrum in dB: wider than a hum line, narrower than a band edge
BANDWIDTH_THRESHOLD_DB = 60.0  # content: smoothed level within 60 dB of the peak (16-bit noise sits ~90 dB below)
LOWEST_HZ = 20.0  # the spectrum's peak is looked for from here up (a DC offset is no content)
NO_ENERGY = 1e-20  # peak power (per Hz) below this (-200 dB): the file holds no signal, bandwidth 0
POWER_FLOOR = 1e-30  # power floor before taking dB (digital zeros in a band)
BLOCK_SECONDS = 60.0  # the spectrum is averaged block by block, to bound memory on long files
FULL_SCALE = 0.999  # |x| at or above this is at full scale (allows for 16-bit's 32767/32768 and codec rounding)
MIN_CLIP_RUN = 2  # consecutive full-scale samples of one sign that make a flat top (a clipped sample)
ALONG_ROWS = np.array([[0, 0, 0], [1, 1, 1], [0, 0, 0]])  # runs are counted within a channel
FRAME_SECONDS = 0.05  # frames of the silence and level measures
SILENCE_DBFS = -60.0  # frame RMS below this is silence
LEVEL_FLOOR_DBFS = -120.0  # the level of a digitally silent file (keeps the JSON finite)

# --- training conditions
TRAINING_SAMPLE = 16  # tracks measured per dataset: over every genre of GTZAN or FMA, about 2 s for 30 s clips
FULL_BAND_SHARE = 0.8  # training audio whose 5th-percentile bandwidth reaches this share of the Nyquist is "full-band"

# --- how far outside the training conditions a file must lie to be told
BANDWIDTH_MARGIN = 0.9  # bandwidth below 90 % of the training's 5th percentile (GTZAN: below ~8.4 kHz)
CLIPPED_MARGIN = 0.001  # clipped share above the training's maximum by 0.1 % of the samples (ADT's unit clips 1 %)
MOSTLY_SILENT = 0.5  # at least half of the file's frames silent (and more than any training track's)
LEVEL_MARGIN_DB = 10.0  # level more than 10 dB outside the training's 5th-95th percentile range

STUDY = "see the degradation study (notebook 08)"  # where a line points a run trained without such audio
STUDY_POINTER = f"{STUDY}, or train with `augment`"  # ... and a run trained without any augmentation
FAMILY_WORDS = {"band_limit": "band limits", "lossy": "low-bitrate MP3", "level": "level changes and clipping"}


@dataclass(frozen=True)
class AudioCondition:
    """The measures of one file (docs/methods.md, "Recording conditions")."""

    path: str
    native_rate: int
    duration_s: float
    bandwidth_hz: float
    clipped_share: float
    silent_share: float
    level_dbfs: float

    def summary(self) -> str:
        """One line: rate, bandwidth, clipping, level and silence."""
        return (
            f"{_khz(self.native_rate)} kHz sampling, content up to {_khz(self.bandwidth_hz, 1)} kHz, "
            f"{small_percent(self.clipped_share)} of samples clipped, level {self.level_dbfs:.1f} dBFS RMS, "
            f"{small_percent(self.silent_share)} silent"
        )


def measure_audio(path: str | os.PathLike) -> AudioCondition:
    """Decode a file at its native rate and measure its conditions."""
    channels, rate = load_native(path, mono=False)  # clipping is counted per channel
    return measure_channels(channels, rate, path)


def measure_channels(channels: np.ndarray, rate: int, path: str | os.PathLike = "") -> AudioCondition:
    """The conditions of decoded ``(channels, samples)`` audio at its native ``rate``."""
    samples = downmix(channels)
    length = max(1, int(round(FRAME_SECONDS * rate)))
    frames = samples[: samples.size // length * length].reshape(-1, length) if samples.size >= length else samples[None]
    frame_power = np.mean(np.square(frames, dtype=np.float64), axis=1)
    silent = frame_power < 10 ** (SILENCE_DBFS / 10)
    mean_power = float((frame_power[~silent] if (~silent).any() else frame_power).mean())
    level = 10 * math.log10(max(mean_power, 10 ** (LEVEL_FLOOR_DBFS / 10)))
    return AudioCondition(
        path=str(path),
        native_rate=int(rate),
        duration_s=round(samples.size / rate, 4),
        bandwidth_hz=round(bandwidth(samples, rate), 1),
        clipped_share=round(clipped_share(channels), 6),
        silent_share=round(float(silent.mean()), 4),
        level_dbfs=round(level, 2),
    )


def bandwidth(samples: np.ndarray, sample_rate: int) -> float:
    """Where the spectral energy of mono ``samples`` ends, in Hz; 0 without any signal."""
    samples = np.asarray(samples, dtype=np.float64)
    samples = samples - samples.mean()
    frame = min(N_FFT, samples.size)
    block = max(int(BLOCK_SECONDS * sample_rate), frame)
    pieces = np.split(samples, np.arange(block, samples.size - frame + 1, block))  # a short tail joins its block
    spectra = [welch(piece, fs=sample_rate, nperseg=frame, noverlap=frame // 2) for piece in pieces]
    counts = [1 + (piece.size - frame) // (frame - frame // 2) for piece in pieces]  # Welch frames per block
    frequencies = spectra[0][0]
    power = sum(spectrum * count for (_, spectrum), count in zip(spectra, counts)) / sum(counts)
    hearable = frequencies >= LOWEST_HZ if (frequencies >= LOWEST_HZ).any() else np.ones(frequencies.size, bool)
    if power[hearable].max() < NO_ENERGY:
        return 0.0
    width = max(1, int(round(SMOOTHING_HZ / (frequencies[1] - frequencies[0])))) if frequencies.size > 1 else 1
    level = median_filter(10 * np.log10(np.maximum(power, POWER_FLOOR)), size=width, mode="nearest")
    content = np.nonzero(level >= level[hearable].max() - BANDWIDTH_THRESHOLD_DB)[0]
    return float(min(frequencies[content[-1]], sample_rate / 2))


def clipped_share(samples: np.ndarray) -> float:
    """Share of samples in runs of at least :data:`MIN_CLIP_RUN` full-scale samples of one sign, channel by channel."""
    rows = np.atleast_2d(samples)
    clipped = 0
    for at_scale in (rows >= FULL_SCALE, rows <= -FULL_SCALE):
        runs = np.bincount(label(at_scale, structure=ALONG_ROWS)[0].ravel())[1:]  # the length of each run
        clipped += int(runs[runs >= MIN_CLIP_RUN].sum())
    return clipped / rows.size if rows.size else 0.0


def training_conditions(
    tracks: pd.DataFrame, sample_rate: int, augmentation: dict | None = None, sample: int = TRAINING_SAMPLE
) -> dict:
    """The conditions of a run's training audio, JSON-ready, measured on :func:`sample_tracks` of its tracks."""
    chosen = sample_tracks(tracks, sample)
    measured = _measure_paths(tuple(str(path) for path in chosen["path"]))
    found = [condition for condition in measured if condition is not None]

    def stats(name, **quantiles):
        values = [getattr(condition, name) for condition in found]
        return {key: round(float(np.percentile(values, q)), 6) for key, q in quantiles.items()} if found else None

    return {
        "sample_rate": int(sample_rate),
        "tracks_measured": len(found),
        "track_ids": [str(track) for track, condition in zip(chosen["track_id"], measured) if condition is not None],
        "native_rates": sorted({condition.native_rate for condition in found}),
        "bandwidth_hz": stats("bandwidth_hz", min=0, p5=5, median=50),
        "clipped_share": stats("clipped_share", max=100, median=50),
        "silent_share": stats("silent_share", max=100),
        "level_dbfs": stats("level_dbfs", p5=5, p95=95),
        "augmentation": None if augmentation is None else dict(augmentation),
        "method": {
            "bandwidth_threshold_db": BANDWIDTH_THRESHOLD_DB,
            "smoothing_hz": SMOOTHING_HZ,
            "full_scale": FULL_SCALE,
            "min_clip_run": MIN_CLIP_RUN,
            "frame_seconds": FRAME_SECONDS,
            "silence_dbfs": SILENCE_DBFS,
            "level": "RMS dBFS of the non-silent frames (not LUFS)",
        },
    }


def sample_tracks(tracks: pd.DataFrame, sample: int = TRAINING_SAMPLE) -> pd.DataFrame:
    """At most ``sample`` usable tracks, sorted by track id: genres take turns for a place, and a genre's places
    go to tracks evenly spaced in its track-id order."""
    usable = tracks[tracks["status"] == STATUS_OK] if "status" in tracks.columns else tracks
    groups = {
        genre: group.sort_values("track_id", kind="stable")
        for genre, group in usable.groupby(usable["genre"].astype(str), sort=True)
    }
    turns = sorted((turn, genre) for genre, group in groups.items() for turn in range(len(group)))[:sample]
    places = Counter(genre for _, genre in turns)
    picked = [
        group.iloc[[int((i + 0.5) * len(group) / places[genre]) for i in range(places[genre])]]
        for genre, group in groups.items()
        if places[genre]
    ]
    if not picked:
        return usable.iloc[:0]
    return pd.concat(picked).sort_values("track_id", kind="stable").reset_index(drop=True)


@functools.cache  # a study training many runs on one dataset decodes its sample once
def _measure_paths(paths: tuple[str, ...]) -> tuple[AudioCondition | None, ...]:
    """:func:`measure_audio` of each path; None where it fails."""

    def measured(path):
        try:
            return measure_audio(path)
        except AudioError:
            return None

    return tuple(measured(path) for path in paths)


def write_training_conditions(folder: str | os.PathLike, conditions: dict) -> Path:
    """Write :func:`training_conditions`' record to ``<folder>/conditions.json``, atomically; the path."""
    return write_json(Path(folder) / CONDITIONS_FILE, conditions)


def differences(fc: AudioCondition, training: dict | None) -> list[str]:
    """One plain line per way the file lies outside the run's training conditions; [] when it does not."""
    if not training or not training.get("tracks_measured"):
        return [
            f"the run does not record its training conditions (no {CONDITIONS_FILE} in its folder, "
            f"or none of its tracks could be measured): this file is sampled at {_khz(fc.native_rate)} kHz "
            f"with content up to {_khz(fc.bandwidth_hz, 1)} kHz"
        ]
    model_rate = float(training["sample_rate"])
    nyquist = model_rate / 2
    lines = []
    rates = training.get("native_rates") or [model_rate]
    rate_line = fc.native_rate < model_rate and fc.native_rate < min(rates)
    if rate_line:
        lines.append(
            f"this file is sampled at {_khz(fc.native_rate)} kHz, below the model's {_khz(model_rate)} kHz, "
            f"so it holds nothing above {_khz(fc.native_rate / 2, 1)} kHz; the run was trained on audio "
            f"sampled at {_khz(min(rates))} kHz{_augmentation_words(training, ('band_limit',))}"
        )
    band = training.get("bandwidth_hz")
    if band and fc.bandwidth_hz > 0:
        heard = min(fc.bandwidth_hz, nyquist)
        p5, median = min(band["p5"], nyquist), min(band["median"], nyquist)
        below_own_rate = fc.bandwidth_hz < BANDWIDTH_MARGIN * fc.native_rate / 2  # not the rate line again
        if heard < BANDWIDTH_MARGIN * p5 and heard < nyquist and (not rate_line or below_own_rate):
            content = f"content up to {_khz(median, 1)} kHz"
            trained = (
                f"full-band audio ({content}; {_khz(p5, 1)} kHz or more in 95 % of its tracks)"
                if p5 >= FULL_BAND_SHARE * nyquist
                else f"audio with {content} ({_khz(p5, 1)} kHz or more in 95 % of its tracks)"
            )
            lines.append(
                f"this file has no content above {_khz(fc.bandwidth_hz, 1)} kHz; the run was trained on "
                f"{trained}{_augmentation_words(training, ('band_limit', 'lossy'))}"
            )
    clipping = training.get("clipped_share")
    if clipping and fc.clipped_share > clipping["max"] + CLIPPED_MARGIN:
        lines.append(
            f"{small_percent(fc.clipped_share)} of this file's samples are clipped (flat tops at full scale); "
            f"the run was trained on tracks with at most {small_percent(clipping['max'])} clipped"
            f"{_augmentation_words(training, ('level',))}"
        )
    silence = training.get("silent_share")
    if silence and fc.silent_share >= MOSTLY_SILENT and fc.silent_share > silence["max"]:
        rest = "nothing" if fc.silent_share >= 1 else f"the other {small_percent(1 - fc.silent_share)}"
        lines.append(
            f"this file is {small_percent(fc.silent_share)} silence ({FRAME_SECONDS * 1000:.0f} ms frames "
            f"below {SILENCE_DBFS:.0f} dBFS); the run's training tracks were at most "
            f"{small_percent(silence['max'])} silent, so its genres rest on {rest}"
        )
    level = training.get("level_dbfs")
    if level and fc.level_dbfs > LEVEL_FLOOR_DBFS:
        below, above = level["p5"] - fc.level_dbfs, fc.level_dbfs - level["p95"]
        if max(below, above) > LEVEL_MARGIN_DB:
            side = f"{below:.0f} dB below" if below > LEVEL_MARGIN_DB else f"{above:.0f} dB above"
            lines.append(
                f"this file's level is {fc.level_dbfs:.1f} dBFS RMS, {side} the range of the run's "
                f"training audio; the run was trained on tracks between {level['p5']:.1f} and "
                f"{level['p95']:.1f} dBFS RMS (5th to 95th percentile){_augmentation_words(training, ('level',))}"
            )
    return lines


def _augmentation_words(training: dict, families: tuple[str, ...]) -> str:
    """How a line ends: without augmentation, with augmentation that covered this kind of audio, or not."""
    augmentation = training.get("augmentation")
    if not augmentation or augmentation.get("copies") == 0:
        return f" without augmentation: {STUDY_POINTER}"
    names = [str(name) for name in augmentation.get("degradations") or []]
    count = augmentation.get("copies")
    copies = (
        f"{count} degraded {'copy' if count == 1 else 'copies'} of each training track"
        if count
        else "degraded copies of its training tracks"
    )
    relevant = [name for name in names if _family(name) in families]
    words = " or ".join(FAMILY_WORDS.get(family, family) for family in families)
    if relevant:
        return f" with {copies} ({words}: {', '.join(relevant)}), so it has heard such audio"
    return f" with {copies} ({', '.join(names) or 'degradations not named'}), none of them {words}: {STUDY}"


def _family(name: str) -> str | None:
    """The family of a registered degradation; None for a name the registry no longer knows."""
    try:
        return get_degradation(name).family
    except ValueError:
        return None


def _khz(hertz: float, digits: int | None = None) -> str:
    """``22050`` -> ``"22.05"``; with ``digits``, fixed decimals (``3.9``)."""
    return f"{hertz / 1000:.{digits}f}" if digits is not None else f"{hertz / 1000:g}"

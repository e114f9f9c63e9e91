"""Recording conditions: what a file's audio is like, what a run was trained on, and how the two differ.

A run trained on full-band 22,050 Hz clips has never heard a telephone recording, a low-bitrate MP3
or a clipped master; its genres for such a file are a guess outside its experience. This module
measures what it can about a decoded file (:func:`measure_audio`: native sample rate, effective
bandwidth, clipping, silence, level), summarizes the same measures over a sample of a run's training
tracks (:func:`training_conditions`, saved in the run folder as :data:`CONDITIONS_FILE` by
:func:`write_training_conditions`), and says in one plain line per measure how a file lies outside
them (:func:`differences`), pointing to the degradation study (notebook 08) or to training with
augmentation.

The measures:

- *bandwidth*: where the file's spectral energy ends. The long-term average power spectrum (Welch:
  Hann frames of :data:`N_FFT` samples at the native rate, half overlapping, power averaged over the
  whole file) is smoothed in dB by a running median over :data:`SMOOTHING_HZ` (so a narrow whine or a
  single hum line does not count as content), and the bandwidth is the highest frequency whose smoothed
  level is within :data:`BANDWIDTH_THRESHOLD_DB` of the spectrum's peak level (the peak taken from
  :data:`LOWEST_HZ` up, so a DC offset cannot set it). It is at most the native Nyquist frequency.
  Audio resampled through 8 kHz measures about 3.9 kHz (soxr's filter ends at 4 kHz), full-band noise
  the Nyquist frequency, GTZAN's clips 9.2 to 11.0 kHz. The threshold is relative: in a very quiet
  16-bit file (RMS below about -45 dBFS) the rounding noise, flat up to the Nyquist frequency, can come
  within 60 dB of the peak and read as content.
- *clipped share*: the share of samples in flat tops at full scale: runs of at least
  :data:`MIN_CLIP_RUN` consecutive samples of one sign with ``|x| >= FULL_SCALE``. A peak-normalized
  master touching full scale in single samples is not clipped; an over-driven one is.
- *silent share*: the share of :data:`FRAME_SECONDS` frames whose RMS is below :data:`SILENCE_DBFS`.
- *level*: the RMS level in dBFS (sample value 1 is 0 dBFS, so a full-scale sine reads -3 dBFS) of the
  non-silent frames. It is plain RMS, not LUFS: the ITU-R BS.1770 loudness (pyloudnorm) is not a
  dependency of the project; RMS of the same audio moves with the level all the same.
"""

from __future__ import annotations

import math
import os
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from genre_utils.data.audio import AudioError, downmix, load_native
from genre_utils.data.datasets.table import STATUS_OK
from genre_utils.data.degradations import get_degradation
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
    """What :func:`measure_audio` measured of one file (see the module docstring for the measures).

    Attributes:
        path: The file.
        native_rate: Its sample rate in Hz, as stored.
        duration_s: Seconds of audio.
        bandwidth_hz: Where its spectral energy ends (0 for a file without any signal).
        clipped_share: Share of samples in flat tops at full scale, 0 to 1.
        silent_share: Share of 50 ms frames below -60 dBFS RMS, 0 to 1.
        level_dbfs: RMS level of the non-silent frames in dBFS (of the whole file when all are silent).
    """

    path: str
    native_rate: int
    duration_s: float
    bandwidth_hz: float
    clipped_share: float
    silent_share: float
    level_dbfs: float

    def as_dict(self) -> dict:
        """The measures as a JSON-ready dict."""
        return asdict(self)

    def summary(self) -> str:
        """One line: rate, bandwidth, clipping, level and silence."""
        return (
            f"{_khz(self.native_rate)} kHz sampling, content up to {_khz(self.bandwidth_hz, 1)} kHz, "
            f"{_percent(self.clipped_share)} of samples clipped, level {self.level_dbfs:.1f} dBFS RMS, "
            f"{_percent(self.silent_share)} silent"
        )


def measure_audio(path: str | os.PathLike) -> AudioCondition:
    """Decode a file at its native rate, mono, and measure its conditions.

    Args:
        path: Audio file (wav, flac, ogg, mp3 ...).

    Raises:
        AudioError: If the file is missing, empty, undecodable, holds no samples or decodes to
            non-finite values (the message names the file).
    """
    channels, rate = load_native(path, mono=False)  # clipping is counted per channel
    return measure_channels(channels, rate, path)


def measure_channels(channels: np.ndarray, rate: int, path: str | os.PathLike = "") -> AudioCondition:
    """The conditions of decoded ``(channels, samples)`` audio at its native ``rate`` (see :func:`measure_audio`),
    for a caller that decodes the file itself (``predict``: one decoding for the measurement and the features)."""
    samples = downmix(channels)
    frame_power = _frame_power(samples, rate)
    silent = frame_power < 10 ** (SILENCE_DBFS / 10)
    mean_power = float((frame_power[~silent] if (~silent).any() else frame_power).mean())
    return AudioCondition(
        path=str(path),
        native_rate=int(rate),
        duration_s=round(samples.size / rate, 4),
        bandwidth_hz=round(bandwidth(samples, rate), 1),
        clipped_share=round(clipped_share(channels), 6),
        silent_share=round(float(silent.mean()), 4),
        level_dbfs=round(max(10 * math.log10(mean_power), LEVEL_FLOOR_DBFS) if mean_power > 0 else LEVEL_FLOOR_DBFS, 2),
    )


def bandwidth(samples: np.ndarray, sample_rate: int) -> float:
    """Where the spectral energy of mono ``samples`` ends, in Hz (module docstring); 0 without any signal."""
    from scipy.ndimage import median_filter
    from scipy.signal import welch

    samples = np.asarray(samples, dtype=np.float64)
    samples = samples - samples.mean()
    frame = min(N_FFT, samples.size)
    block = max(int(BLOCK_SECONDS * sample_rate), frame)
    starts = list(range(0, samples.size, block))
    if len(starts) > 1 and samples.size - starts[-1] < frame:
        starts.pop()  # a short tail joins the block before it
    ends = starts[1:] + [samples.size]
    total, frames = 0.0, 0
    for start, end in zip(starts, ends):
        frequencies, power = welch(samples[start:end], fs=sample_rate, nperseg=frame, noverlap=frame // 2)
        count = 1 + (end - start - frame) // (frame - frame // 2)
        total, frames = total + power * count, frames + count
    power = total / frames
    hearable = frequencies >= LOWEST_HZ if (frequencies >= LOWEST_HZ).any() else np.ones(frequencies.size, bool)
    if power[hearable].max() < NO_ENERGY:
        return 0.0
    width = max(1, int(round(SMOOTHING_HZ / (frequencies[1] - frequencies[0])))) if frequencies.size > 1 else 1
    level = median_filter(10 * np.log10(np.maximum(power, POWER_FLOOR)), size=width, mode="nearest")
    content = np.nonzero(level >= level[hearable].max() - BANDWIDTH_THRESHOLD_DB)[0]
    return float(min(frequencies[content[-1]], sample_rate / 2))


def clipped_share(samples: np.ndarray) -> float:
    """Share of samples in runs of at least :data:`MIN_CLIP_RUN` consecutive samples at full scale, one sign.

    Args:
        samples: ``(samples,)`` or ``(channels, samples)``; channels are counted separately, as a
            converter clips each.
    """
    rows = np.atleast_2d(samples)
    clipped = 0
    for row in rows:
        for at_scale in (row >= FULL_SCALE, row <= -FULL_SCALE):
            edges = np.diff(np.concatenate(([0], at_scale.astype(np.int8), [0])))
            runs = np.nonzero(edges == -1)[0] - np.nonzero(edges == 1)[0]
            clipped += int(runs[runs >= MIN_CLIP_RUN].sum())
    return clipped / rows.size if rows.size else 0.0


def training_conditions(
    tracks: pd.DataFrame, sample_rate: int, augmentation: dict | None = None, sample: int = TRAINING_SAMPLE
) -> dict:
    """The conditions of the audio a run was trained on, JSON-ready, measured on a sample of its tracks.

    The sample (:func:`sample_tracks`) is deterministic, so every run on one dataset measures the
    same files, and the measures are kept for the process: a study training many runs decodes them once.

    Args:
        tracks: Track table with ``track_id``, ``path``, ``genre`` and ``status`` (rows other than
            ``"ok"`` are left out).
        sample_rate: The model's sample rate in Hz (its Nyquist bounds what the model hears).
        augmentation: None, or what the run was augmented with, e.g.
            ``{"copies": 2, "degradations": ["band_8k", "mp3_64k"]}``.
        sample: At most this many tracks are measured.

    Returns:
        ``sample_rate``, ``tracks_measured``, ``track_ids``, ``native_rates``, ``bandwidth_hz``
        (``min``, ``p5``, ``median``), ``clipped_share`` (``max``, ``median``), ``silent_share``
        (``max``), ``level_dbfs`` (``p5``, ``p95``), ``augmentation`` and ``method`` (the settings
        of the measures). Tracks that no longer decode are left out of ``tracks_measured``; with none
        measured, the statistics are None.

    Raises:
        ValueError: If ``sample_rate`` or ``sample`` is not positive, or ``augmentation`` is
            neither None nor a dict.
    """
    if not sample_rate > 0 or not sample >= 1:
        raise ValueError(f"sample_rate and sample must be positive, got {sample_rate!r} and {sample!r}")
    if augmentation is not None and not isinstance(augmentation, dict):
        raise ValueError(
            f"augmentation must be None or a dict like {{'copies': 2, 'degradations': [...]}}, got {augmentation!r}"
        )
    chosen = sample_tracks(tracks, sample)
    measured = _measure_paths(tuple(str(path) for path in chosen["path"]))
    ids = [track for track, condition in zip(chosen["track_id"], measured) if condition is not None]
    found = [condition for condition in measured if condition is not None]

    def stats(name, **quantiles):
        if not found:
            return None
        values = np.array([getattr(condition, name) for condition in found], dtype=np.float64)
        return {key: round(float(np.percentile(values, q)), 6) for key, q in quantiles.items()}

    return {
        "sample_rate": int(sample_rate),
        "tracks_measured": len(found),
        "track_ids": [str(track) for track in ids],
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
    """At most ``sample`` usable tracks, spread evenly across genres and within each genre, by track id.

    Genres (sorted) take turns for a place until ``sample`` are given or the tracks run out; a genre's
    places go to tracks evenly spaced in its track-id order. The result is sorted by track id.
    """
    usable = tracks[tracks["status"] == STATUS_OK] if "status" in tracks.columns else tracks
    groups = {
        genre: group.sort_values("track_id", kind="stable")
        for genre, group in usable.groupby(usable["genre"].astype(str), sort=True)
    }
    places = dict.fromkeys(groups, 0)
    while sum(places.values()) < min(sample, len(usable)):
        for genre, group in groups.items():
            if places[genre] < len(group) and sum(places.values()) < sample:
                places[genre] += 1
    picked = [
        group.iloc[[int((i + 0.5) * len(group) / places[genre]) for i in range(places[genre])]]
        for genre, group in groups.items()
        if places[genre]
    ]
    if not picked:
        return usable.iloc[:0]
    return pd.concat(picked).sort_values("track_id", kind="stable").reset_index(drop=True)


_MEASURED: dict[tuple[str, ...], tuple[AudioCondition | None, ...]] = {}


def _measure_paths(paths: tuple[str, ...]) -> tuple[AudioCondition | None, ...]:
    """:func:`measure_audio` of each path (None where it fails), once per process per tuple of paths."""
    if paths not in _MEASURED:
        measured = []
        for path in paths:
            try:
                measured.append(measure_audio(path))
            except AudioError:
                measured.append(None)
        _MEASURED[paths] = tuple(measured)
    return _MEASURED[paths]


def write_training_conditions(folder: str | os.PathLike, conditions: dict) -> Path:
    """Write :func:`training_conditions`' record to ``<folder>/conditions.json``, atomically; the path."""
    return write_json(Path(folder) / CONDITIONS_FILE, conditions)


def differences(file_condition: AudioCondition, training: dict | None) -> list[str]:
    """One plain line per way the file lies outside the run's training conditions; [] when it does not.

    Each line says what the file has and what the run was trained on, and where it helps, whether
    the run's augmentation covered such audio or where to look (the degradation study, notebook 08).

    Args:
        file_condition: From :func:`measure_audio`.
        training: The run's :func:`training_conditions` record, or None for a run folder without one
            (then the one line says so and gives the file's rate and bandwidth).
    """
    fc = file_condition
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
            trained = (
                f"full-band audio (content up to {_khz(median, 1)} kHz; {_khz(p5, 1)} kHz or more in 95 % "
                f"of its tracks)"
                if p5 >= FULL_BAND_SHARE * nyquist
                else f"audio with content up to {_khz(median, 1)} kHz ({_khz(p5, 1)} kHz or more in 95 % of its tracks)"
            )
            lines.append(
                f"this file has no content above {_khz(fc.bandwidth_hz, 1)} kHz; the run was trained on "
                f"{trained}{_augmentation_words(training, ('band_limit', 'lossy'))}"
            )
    clipping = training.get("clipped_share")
    if clipping and fc.clipped_share > clipping["max"] + CLIPPED_MARGIN:
        lines.append(
            f"{_percent(fc.clipped_share)} of this file's samples are clipped (flat tops at full scale); "
            f"the run was trained on tracks with at most {_percent(clipping['max'])} clipped"
            f"{_augmentation_words(training, ('level',))}"
        )
    silence = training.get("silent_share")
    if silence and fc.silent_share >= MOSTLY_SILENT and fc.silent_share > silence["max"]:
        lines.append(
            f"this file is {_percent(fc.silent_share)} silence ({FRAME_SECONDS * 1000:.0f} ms frames "
            f"below {SILENCE_DBFS:.0f} dBFS); the run's training tracks were at most "
            f"{_percent(silence['max'])} silent, so its genres rest on "
            f"{'nothing' if fc.silent_share >= 1 else f'the other {_percent(1 - fc.silent_share)}'}"
        )
    level = training.get("level_dbfs")
    if level and fc.level_dbfs > LEVEL_FLOOR_DBFS:
        outside = (level["p5"] - LEVEL_MARGIN_DB - fc.level_dbfs, fc.level_dbfs - level["p95"] - LEVEL_MARGIN_DB)
        if max(outside) > 0:
            side = (
                f"{level['p5'] - fc.level_dbfs:.0f} dB below"
                if outside[0] > 0
                else f"{fc.level_dbfs - level['p95']:.0f} dB above"
            )
            lines.append(
                f"this file's level is {fc.level_dbfs:.1f} dBFS RMS, {side} the range of the run's "
                f"training audio; the run was trained on tracks between {level['p5']:.1f} and "
                f"{level['p95']:.1f} dBFS RMS (5th to 95th percentile)"
                f"{_augmentation_words(training, ('level',))}"
            )
    return lines


def condition_table(file_condition: AudioCondition, training: dict | None = None) -> pd.DataFrame:
    """The file's measures beside the training's, as text: one row per measure (for notebook 05)."""
    fc = file_condition
    measures = [
        "sample rate",
        "content up to",
        "samples clipped",
        f"silent ({FRAME_SECONDS * 1000:.0f} ms frames below {SILENCE_DBFS:.0f} dBFS)",
        "level (RMS of the non-silent part)",
        "duration",
    ]
    file_values = [
        f"{_khz(fc.native_rate)} kHz",
        f"{_khz(fc.bandwidth_hz, 1)} kHz",
        _percent(fc.clipped_share),
        _percent(fc.silent_share),
        f"{fc.level_dbfs:.1f} dBFS",
        f"{fc.duration_s:.1f} s",
    ]
    title, values = "training audio (not recorded)", [""] * len(measures)
    if training and training.get("tracks_measured"):
        band, clip = training.get("bandwidth_hz") or {}, training.get("clipped_share") or {}
        level, silence = training.get("level_dbfs") or {}, training.get("silent_share") or {}
        rates = ", ".join(_khz(rate) for rate in training.get("native_rates") or [])
        values = [
            f"{rates} kHz (model: {_khz(training['sample_rate'])} kHz)",
            f"{_khz(band['p5'], 1)} (5th percentile) to {_khz(band['median'], 1)} kHz (median)" if band else "",
            f"at most {_percent(clip['max'])}" if clip else "",
            f"at most {_percent(silence['max'])}" if silence else "",
            f"{level['p5']:.1f} to {level['p95']:.1f} dBFS (5th to 95th percentile)" if level else "",
            f"{training['tracks_measured']} tracks measured",
        ]
        augmentation = training.get("augmentation")
        title = "training audio" + (
            f" (+ {augmentation.get('copies', '?')} degraded copies of each track)" if augmentation else ""
        )
    return pd.DataFrame({"this file": file_values, title: values}, index=pd.Index(measures, name="measure"))


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


def _frame_power(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    """Mean square of each whole :data:`FRAME_SECONDS` frame (one frame for a shorter file)."""
    length = max(1, int(round(FRAME_SECONDS * sample_rate)))
    count = max(1, samples.size // length)
    frames = samples[: count * length].reshape(count, -1) if samples.size >= length else samples[None]
    return np.mean(np.square(frames, dtype=np.float64), axis=1)


def _khz(hertz: float, digits: int | None = None) -> str:
    """``22050`` -> ``"22.05"``; with ``digits``, fixed decimals (``3.9``)."""
    return f"{hertz / 1000:.{digits}f}" if digits is not None else f"{hertz / 1000:g}"


def _percent(share: float) -> str:
    """``0.0004`` -> ``"0.04 %"``, ``0.012`` -> ``"1.2 %"``, ``0.12`` -> ``"12 %"``, ``0`` -> ``"0 %"``."""
    if share == 0:
        return "0 %"
    if share < 1e-6:
        return "< 0.0001 %"
    if share >= 0.1:
        return f"{share * 100:.0f} %"
    return f"{share * 100:.2g} %"

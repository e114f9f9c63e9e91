"""Decoding audio files into the study's canonical form: mono float32 at 22050 Hz.

Decoding goes through libsndfile (``soundfile``), which reads WAV, AU, FLAC, OGG and, since
libsndfile 1.1, MP3. Files it cannot open are retried with ``audioread`` (ffmpeg or GStreamer,
where installed). Every failure raises :class:`AudioError`, which names the file and the reason,
so dataset loaders and the feature store can put the file in a skipped-files table instead of
crashing a whole run.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SAMPLE_RATE = 22050  # Hz: GTZAN's native rate and the thesis's
SILENCE_RMS = 1e-5  # RMS below this (about -100 dBFS) counts as a silent clip
RESAMPLE_TYPE = "soxr_hq"  # librosa's default resampler


class AudioError(ValueError):
    """An audio file that cannot be used, with the file and the reason.

    Attributes:
        path: The offending file.
        reason: A short, human-readable reason, as it appears in skipped-files tables.
    """

    def __init__(self, path: str | os.PathLike, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


@dataclass(frozen=True)
class AudioInfo:
    """What a file's header says, read without decoding the audio."""

    duration: float  # seconds
    sample_rate: int  # Hz
    channels: int
    format: str  # container, e.g. "WAV", "MP3"


def _check_file(path: Path) -> None:
    if not path.exists():
        raise AudioError(path, "file not found")
    if not path.is_file():
        raise AudioError(path, "not a regular file")
    if path.stat().st_size == 0:
        raise AudioError(path, "empty file (0 bytes)")


def audio_info(path: str | os.PathLike) -> AudioInfo:
    """Read duration, sample rate and channel count from a file's header.

    Args:
        path: Audio file.

    Returns:
        The header facts.

    Raises:
        AudioError: If the file is missing, empty or not a format libsndfile can open.
    """
    import soundfile

    path = Path(path)
    _check_file(path)
    try:
        info = soundfile.info(str(path))
    except Exception as error:  # libsndfile raises several types for bad headers
        raise AudioError(path, f"unreadable header ({_short(error)})") from error
    if info.samplerate <= 0:
        raise AudioError(path, f"invalid sample rate {info.samplerate}")
    return AudioInfo(
        duration=float(info.frames) / info.samplerate,
        sample_rate=int(info.samplerate),
        channels=int(info.channels),
        format=str(info.format),
    )


def load_audio(path: str | os.PathLike, sample_rate: int = SAMPLE_RATE, mono: bool = True) -> np.ndarray:
    """Decode a file to float32 samples at ``sample_rate``, downmixed to mono.

    Args:
        path: Audio file (wav, au, flac, ogg, mp3, ...).
        sample_rate: Target rate in Hz; the file is resampled when it differs.
        mono: Average the channels (the only mode the study uses).

    Returns:
        A 1-D float32 array (``mono=True``) or ``(channels, samples)``.

    Raises:
        AudioError: If the file is missing, empty, undecodable, holds no samples or
            decodes to non-finite values.
    """
    if sample_rate <= 0:
        raise ValueError(f"sample_rate must be a positive number of Hz, got {sample_rate!r}")
    samples, native_rate = load_native(path, mono=mono)
    return resampled(samples, native_rate, sample_rate)


def resampled(samples: np.ndarray, native_rate: int, sample_rate: int) -> np.ndarray:
    """Decoded ``samples`` at ``sample_rate`` (as :func:`load_audio` resamples), contiguous float32."""
    if native_rate != sample_rate:
        import librosa

        samples = librosa.resample(samples, orig_sr=native_rate, target_sr=sample_rate, res_type=RESAMPLE_TYPE)
    return np.ascontiguousarray(samples, dtype=np.float32)


def downmix(channels: np.ndarray) -> np.ndarray:
    """Mono samples of ``(channels, samples)`` audio: the mean of the channels."""
    return channels[0] if channels.shape[0] == 1 else channels.mean(axis=0)


def load_native(path: str | os.PathLike, mono: bool = True) -> tuple[np.ndarray, int]:
    """Decode a file at its own sample rate: ``(samples, native rate)``, float32, mono (or ``(channels, samples)``).

    Raises:
        AudioError: As :func:`load_audio`.
    """
    path = Path(path)
    _check_file(path)
    samples, native_rate = _decode(path)
    if samples.shape[-1] == 0:
        raise AudioError(path, "no audio samples (truncated or empty data chunk)")
    if not np.all(np.isfinite(samples)):
        raise AudioError(path, "decoded to NaN or infinite sample values")
    return (downmix(samples) if mono else samples), native_rate


def _decode(path: Path) -> tuple[np.ndarray, int]:
    """Return ``(channels, samples)`` float32 and the native rate, soundfile then audioread."""
    import soundfile

    try:
        data, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
        return data.T, int(rate)
    except Exception as soundfile_error:
        try:
            return _decode_with_audioread(path)
        except Exception as audioread_error:
            raise AudioError(
                path,
                f"cannot decode audio (soundfile: {_short(soundfile_error)}; audioread: {_short(audioread_error)})",
            ) from soundfile_error


def _decode_with_audioread(path: Path) -> tuple[np.ndarray, int]:
    import audioread

    with audioread.audio_open(str(path)) as reader:
        channels, rate = reader.channels, reader.samplerate
        blocks = [np.frombuffer(block, dtype="<i2") for block in reader]
    if not blocks:
        return np.zeros((channels, 0), dtype=np.float32), rate
    interleaved = np.concatenate(blocks).astype(np.float32) / 32768.0
    return interleaved.reshape(-1, channels).T, rate


def fix_duration(samples: np.ndarray, seconds: float, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """Zero-pad at the end, or crop, to exactly ``seconds`` of audio.

    GTZAN clips run from 29.9 to 30.6 s; fixing the length gives every clip the same number
    of feature frames (1292 for 30 s at hop 512), which the models need.
    """
    if seconds <= 0:
        raise ValueError(f"seconds must be positive, got {seconds!r}")
    target = int(round(seconds * sample_rate))
    if samples.shape[-1] >= target:
        return samples[..., :target]
    padding = [(0, 0)] * (samples.ndim - 1) + [(0, target - samples.shape[-1])]
    return np.pad(samples, padding)


def is_silent(samples: np.ndarray, threshold: float = SILENCE_RMS) -> bool:
    """True when the root-mean-square level is below ``threshold`` (digital silence)."""
    if samples.size == 0:
        return True
    flat = np.ascontiguousarray(samples, dtype=np.float32).ravel()
    return float(np.sqrt(np.dot(flat, flat) / flat.size)) < threshold


def _short(error: BaseException) -> str:
    if type(error).__name__ == "NoBackendError":
        return "no fallback decoder installed (ffmpeg or GStreamer)"
    if "File does not exist or is not a regular file" in str(error):
        # libsndfile's words for a file it cannot parse at all (e.g. a tiny or junk MP3).
        return "libsndfile cannot parse this file (not audio, or cut too short)"
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return text[:200]

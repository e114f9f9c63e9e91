"""Decoding audio files into the study's canonical form: mono float32 at 22050 Hz.

libsndfile (``soundfile``) reads WAV, AU, FLAC, OGG and MP3; what it cannot open is retried with ``audioread``
(ffmpeg or GStreamer, where installed). Every failure raises :class:`AudioError`, naming the file and the reason,
so that loaders put the file in a skipped-files table instead of crashing a run.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import soundfile

SAMPLE_RATE = 22050  # Hz: GTZAN's native rate and the thesis's
SILENCE_RMS = 1e-5  # RMS below this (about -100 dBFS) counts as a silent clip
RESAMPLE_TYPE = "soxr_hq"  # librosa's default resampler


class AudioError(ValueError):
    """An audio file that cannot be used, with the file and the reason."""

    def __init__(self, path: str | os.PathLike, reason: str):
        self.path, self.reason = str(path), reason
        super().__init__(f"{self.path}: {reason}")


def _check_file(path: Path) -> None:
    if not path.exists():
        raise AudioError(path, "file not found")
    if not path.is_file():
        raise AudioError(path, "not a regular file")
    if path.stat().st_size == 0:
        raise AudioError(path, "empty file (0 bytes)")


def audio_info(path: str | os.PathLike):
    """``soundfile.info`` of a file (``duration``, ``samplerate``, ``channels``), its header read, not its audio."""
    _check_file(Path(path))
    try:
        return soundfile.info(str(path))
    except Exception as error:  # libsndfile raises several types for bad headers
        raise AudioError(path, f"unreadable header ({_short(error)})") from error


def load_audio(path: str | os.PathLike, sample_rate: int = SAMPLE_RATE, mono: bool = True) -> np.ndarray:
    """Decode a file to float32 samples at ``sample_rate``, downmixed to mono."""
    samples, native_rate = load_native(path, mono=mono)
    return resampled(samples, native_rate, sample_rate)


def resampled(samples: np.ndarray, native_rate: int, sample_rate: int) -> np.ndarray:
    """Decoded ``samples`` at ``sample_rate``, contiguous float32."""
    if native_rate != sample_rate:
        import librosa  # lazy: librosa

        samples = librosa.resample(samples, orig_sr=native_rate, target_sr=sample_rate, res_type=RESAMPLE_TYPE)
    return np.ascontiguousarray(samples, dtype=np.float32)


def downmix(channels: np.ndarray) -> np.ndarray:
    """Mono samples of ``(channels, samples)`` audio: the mean of the channels."""
    return channels[0] if channels.shape[0] == 1 else channels.mean(axis=0)


def load_native(path: str | os.PathLike, mono: bool = True) -> tuple[np.ndarray, int]:
    """Decode a file at its own rate: ``(samples, native rate)``, float32, mono (or ``(channels, samples)``)."""
    path = Path(path)
    _check_file(path)
    samples, native_rate = _decode(path)
    if samples.shape[-1] == 0:
        raise AudioError(path, "no audio samples (truncated or empty data chunk)")
    if not np.all(np.isfinite(samples)):
        raise AudioError(path, "decoded to NaN or infinite sample values")
    return (downmix(samples) if mono else samples), native_rate


def _decode(path: Path) -> tuple[np.ndarray, int]:
    """``(channels, samples)`` float32 and the native rate, by soundfile, else audioread."""
    try:
        data, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
        return data.T, int(rate)
    except Exception as soundfile_error:
        try:
            import audioread  # lazy: audioread imports the deprecated aifc and sunau modules

            with audioread.audio_open(str(path)) as reader:
                channels, rate = reader.channels, reader.samplerate
                blocks = [np.frombuffer(block, dtype="<i2") for block in reader]
        except Exception as audioread_error:
            reasons = f"soundfile: {_short(soundfile_error)}; audioread: {_short(audioread_error)}"
            raise AudioError(path, f"cannot decode audio ({reasons})") from soundfile_error
    interleaved = np.concatenate(blocks).astype(np.float32) / 32768.0 if blocks else np.zeros(0, np.float32)
    return interleaved.reshape(-1, channels).T, rate


def fix_duration(samples: np.ndarray, seconds: float, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """Zero-pad at the end, or crop, to exactly ``seconds`` of audio (every clip then has the same frames)."""
    target = int(round(seconds * sample_rate))
    if samples.shape[-1] >= target:
        return samples[..., :target]
    return np.pad(samples, [(0, 0)] * (samples.ndim - 1) + [(0, target - samples.shape[-1])])


def is_silent(samples: np.ndarray, threshold: float = SILENCE_RMS) -> bool:
    """True when the root-mean-square level is below ``threshold`` (digital silence)."""
    if samples.size == 0:
        return True
    flat = np.ascontiguousarray(samples, dtype=np.float32).ravel()
    return float(np.sqrt(np.dot(flat, flat) / flat.size)) < threshold


def _short(error: BaseException) -> str:
    """A decoder's error in a few words, as skipped-files tables show it."""
    if type(error).__name__ == "NoBackendError":
        return "no fallback decoder installed (ffmpeg or GStreamer)"
    if "File does not exist or is not a regular file" in str(error):  # libsndfile's words for a file it cannot parse
        return "libsndfile cannot parse this file (not audio, or cut too short)"
    text = str(error).strip()
    return text.splitlines()[0][:200] if text else type(error).__name__

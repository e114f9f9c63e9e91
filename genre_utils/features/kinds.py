"""Frame-level features ``(n_features, n_frames)``: MFCC as the thesis, plus log-mel, chroma and musicnn's input.

The thesis's 20 MFCCs (librosa, 22050 Hz, n_fft 2048, hop 512) are :class:`FeatureConfig`'s defaults; log-mel and
chroma are the thesis's future work; ``musicnn_mel`` is the pretrained musicnn's front end, with fixed settings.
"""

from __future__ import annotations

import functools
import os
from dataclasses import asdict, dataclass

import numpy as np

from genre_utils.data.audio import SAMPLE_RATE, fix_duration, load_audio
from genre_utils.features.pretrained import musicnn

FEATURE_KINDS = ("mfcc", "logmel", "chroma", "musicnn_mel")
N_MFCC = 20  # thesis
N_FFT = 2048  # thesis (librosa default)
HOP_LENGTH = 512  # thesis (librosa default)
N_MELS = 128  # librosa default mel bands, used for MFCC and log-mel
N_CHROMA = 12
CLIP_SECONDS = 30.0  # GTZAN clip length; FMA clips are 30 s too
AMIN = 1e-10  # power floor before the logarithm (librosa.power_to_db's default)
TOP_DB = 80.0  # dynamic range kept below each clip's peak (librosa.power_to_db's default)
MIN_SEGMENT_FILL = 0.5  # a segment needs at least this fraction of real (unpadded) audio
GENERIC_SETTINGS = dict(sample_rate=SAMPLE_RATE, n_fft=N_FFT, hop_length=HOP_LENGTH, n_mfcc=N_MFCC, n_mels=N_MELS)
MUSICNN_SETTINGS = dict(sample_rate=musicnn.SAMPLE_RATE, n_fft=musicnn.N_FFT, hop_length=musicnn.HOP_LENGTH)
KIND_SETTINGS = {"musicnn_mel": {**MUSICNN_SETTINGS, "n_mels": musicnn.N_MELS}}  # what its pretrained model needs


@dataclass(frozen=True)
class FeatureConfig:
    """Everything that determines a feature array."""

    kind: str = "mfcc"
    sample_rate: int | None = None
    n_fft: int | None = None
    hop_length: int | None = None
    n_mfcc: int | None = None
    n_mels: int | None = None
    clip_seconds: float = CLIP_SECONDS

    def __post_init__(self):
        if self.kind not in FEATURE_KINDS:
            raise ValueError(f"unknown feature kind {self.kind!r}; expected one of {', '.join(FEATURE_KINDS)}")
        required = KIND_SETTINGS.get(self.kind, {})
        for name, generic in GENERIC_SETTINGS.items():  # None: the kind's setting, else the thesis's
            if getattr(self, name) is None:
                object.__setattr__(self, name, required.get(name, generic))
            elif name in required and getattr(self, name) != required[name]:
                raise ValueError(
                    f"feature kind {self.kind!r} requires {name}={required[name]} "
                    f"(its pretrained model's front end), got {getattr(self, name)!r}"
                )
            value = getattr(self, name)
            if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"FeatureConfig.{name} must be a positive integer, got {value!r}")
        if self.hop_length > self.n_fft:
            raise ValueError(f"hop_length ({self.hop_length}) must not exceed n_fft ({self.n_fft})")
        if not 0 < float(self.clip_seconds) <= 600:
            raise ValueError(f"FeatureConfig.clip_seconds must be in (0, 600], got {self.clip_seconds!r}")

    @property
    def n_features(self) -> int:
        """Rows of the feature array."""
        return {"mfcc": self.n_mfcc, "logmel": self.n_mels, "chroma": N_CHROMA, "musicnn_mel": self.n_mels}[self.kind]

    @property
    def n_frames(self) -> int:
        """Frames of a clip of ``clip_seconds`` (librosa's centred framing)."""
        return 1 + int(round(self.clip_seconds * self.sample_rate)) // self.hop_length

    def frames_for_seconds(self, seconds: float) -> int:
        """Frames spanned by ``seconds`` of audio (without the centring extra frame)."""
        if seconds <= 0:
            raise ValueError(f"seconds must be positive, got {seconds!r}")
        return max(1, int(round(seconds * self.sample_rate / self.hop_length)))

    def to_dict(self) -> dict:
        """Plain-literal form, for JSON."""
        return asdict(self)


def compute_features(samples: np.ndarray, config: FeatureConfig = FeatureConfig()) -> np.ndarray:
    """Features of mono samples at ``config.sample_rate``, shaped ``(n_features, n_frames)``.

    MFCC and log-mel are in dB of the mel power with ``ref=1.0`` (absolute, so loudness differences survive).
    """
    import librosa

    samples = np.asarray(samples, dtype=np.float32)
    if samples.ndim != 1:
        raise ValueError(f"samples must be mono (1-D), got shape {samples.shape}")
    if config.kind == "chroma":
        values = librosa.feature.chroma_stft(
            y=samples, sr=config.sample_rate, n_fft=config.n_fft, hop_length=config.hop_length
        )
        return values.astype(np.float32, copy=False)
    if config.kind == "musicnn_mel":
        return np.ascontiguousarray(musicnn.log_mel(samples).T, dtype=np.float32)
    # The same steps as librosa.feature.melspectrogram / power_to_db / mfcc (tested equal),
    # with the mel filterbank computed once per process instead of once per clip.
    spectrum = librosa.stft(samples, n_fft=config.n_fft, hop_length=config.hop_length)
    power = np.square(spectrum.real) + np.square(spectrum.imag)
    mel = _mel_basis(config.sample_rate, config.n_fft, config.n_mels) @ power
    log_mel = 10.0 * np.log10(np.maximum(mel, AMIN))
    log_mel = np.maximum(log_mel, log_mel.max() - TOP_DB)
    if config.kind == "logmel":
        return log_mel.astype(np.float32, copy=False)
    import scipy.fft

    values = scipy.fft.dct(log_mel, axis=0, type=2, norm="ortho")[: config.n_mfcc]
    return values.astype(np.float32, copy=False)


@functools.lru_cache(maxsize=8)
def _mel_basis(sample_rate: int, n_fft: int, n_mels: int) -> np.ndarray:
    import librosa

    return librosa.filters.mel(sr=sample_rate, n_fft=n_fft, n_mels=n_mels)


def mfcc_from_file(path: str | os.PathLike, **settings) -> np.ndarray:
    """Raw MFCC ``(20, frames)`` of a whole audio file, neither padded nor standardized; ``settings`` override."""
    config = FeatureConfig(kind="mfcc", **settings)
    samples = load_audio(path, sample_rate=config.sample_rate)
    return compute_features(samples, config)


def features_from_samples(samples: np.ndarray, config: FeatureConfig) -> tuple[np.ndarray, int]:
    """Pad or crop to ``config.clip_seconds`` and compute features."""
    real_samples = samples.shape[-1]
    fixed = fix_duration(samples, config.clip_seconds, config.sample_rate)
    values = compute_features(fixed, config)
    valid_frames = min(config.n_frames, 1 + real_samples // config.hop_length)
    return values, valid_frames


def segment_features(
    values: np.ndarray,
    segment_frames: int,
    valid_frames: int | None = None,
    min_fill: float = MIN_SEGMENT_FILL,
    hop_frames: int | None = None,
) -> np.ndarray:
    """Cut ``(n_features, n_frames)`` into segments every ``hop_frames`` (default: non-overlapping).

    A trailing remainder shorter than a segment is dropped, and so are segments with less than ``min_fill`` of
    their frames before ``valid_frames`` (padding), but the first segment is always kept.
    """
    if values.ndim != 2:
        raise ValueError(f"values must be (n_features, n_frames), got shape {values.shape}")
    starts = segment_starts(values.shape[1], segment_frames, valid_frames, min_fill, hop_frames)
    return np.stack([values[:, s : s + segment_frames] for s in starts])


def segment_starts(
    n_frames: int,
    segment_frames: int,
    valid_frames: int | None = None,
    min_fill: float = MIN_SEGMENT_FILL,
    hop_frames: int | None = None,
) -> np.ndarray:
    """First frame of each segment :func:`segment_features` (and the streaming input) cuts from ``n_frames``."""
    n_frames = int(n_frames)
    if not 0 < segment_frames <= n_frames:
        raise ValueError(f"segment_frames must be in 1..{n_frames} (the clip's frames), got {segment_frames}")
    hop_frames = segment_frames if hop_frames is None else int(hop_frames)
    if hop_frames < 1:
        raise ValueError(f"hop_frames must be >= 1, got {hop_frames}")
    valid_frames = n_frames if valid_frames is None else int(valid_frames)
    starts = np.arange(0, n_frames - segment_frames + 1, hop_frames, dtype=np.int64)
    filled = np.clip(valid_frames - starts, 0, segment_frames) / segment_frames
    keep = filled >= min_fill
    keep[0] = True
    return starts[keep]

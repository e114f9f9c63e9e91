"""What every degradation declares (:class:`Degradation`); :meth:`Degradation.apply` is the one way to run it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from types import MappingProxyType

import numpy as np

FAMILIES = {
    "band_limit": "resampled to a lower rate and back: no content above its Nyquist frequency",
    "lossy": "encoded with a lossy codec at a low bitrate and decoded",
    "noise": "noise added at a given signal-to-noise ratio",
    "level": "level changed: quieter, or over-driven into clipping",
    "pitch_time": "pitch shifted or tempo changed",
    "room": "played back in a reverberant room",
}
SEED_LIMIT = 2**32  # seeds are 0 <= seed < 2**32 (what numpy's legacy global generator accepts)


def check_seed(seed, what: str = "the degradation seed") -> int:
    """``seed`` as an int when it is an integer in [0, 2**32); a ValueError naming ``what`` otherwise."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed < SEED_LIMIT:
        raise ValueError(f"{what} must be an integer in [0, 2**32), got {seed!r}")
    return int(seed)


@dataclass(frozen=True, eq=False, kw_only=True)
class Degradation:
    """One degradation: ``function(samples, sample_rate, **parameters)`` (and ``seed=`` when ``seeded``)."""

    name: str  # used in tables, folders and notebook parameters
    title: str  # display name ("Band limit: 8 kHz sampling (telephone)")
    family: str  # a key of FAMILIES
    parameters: Mapping[str, object]  # plain literals, read-only, passed to function ({"sample_rate": 8000})
    rationale: str  # a citation, or why it matters for a genre classifier
    function: Callable[..., np.ndarray]
    keeps_length: bool = True  # the output has exactly the input's number of samples (false: a time stretch)
    bounded: bool = False  # the output stays within [-1, 1] whenever the input does
    seeded: bool = False  # the output depends on the seed (random noise); otherwise the seed is checked and unused

    def __post_init__(self):
        if self.family not in FAMILIES:
            raise ValueError(
                f"degradation {self.name!r}: unknown family {self.family!r}; expected one of {', '.join(FAMILIES)}"
            )
        missing = [name for name in ("title", "rationale", "parameters") if not str(getattr(self, name) or "").strip()]
        if missing or not callable(self.function):
            raise ValueError(f"degradation {self.name!r} declares no {', '.join(missing) or 'callable function'}")
        object.__setattr__(self, "parameters", MappingProxyType(dict(self.parameters)))

    def apply(self, samples: np.ndarray, sample_rate: int, seed: int) -> np.ndarray:
        """Mono float32 out, pure in ``(samples, sample_rate, seed)``; a ValueError naming the degradation."""
        samples = np.asarray(samples)
        if samples.ndim != 1:
            raise ValueError(f"degradation {self.name!r} takes mono audio, a 1-D array; got shape {samples.shape}")
        if not np.issubdtype(samples.dtype, np.floating):
            raise ValueError(f"degradation {self.name!r} takes floating-point samples in [-1, 1]; got {samples.dtype}")
        if samples.size == 0:
            raise ValueError(f"degradation {self.name!r} got no samples")
        if not np.all(np.isfinite(samples)):
            raise ValueError(f"degradation {self.name!r} takes finite samples; the input holds NaN or infinity")
        if isinstance(sample_rate, bool) or not isinstance(sample_rate, (int, np.integer)) or sample_rate <= 0:
            raise ValueError(f"degradation {self.name!r}: sample_rate must be a positive integer, got {sample_rate!r}")
        seed = check_seed(seed, f"degradation {self.name!r}: seed")
        seeded = {"seed": seed} if self.seeded else {}
        try:
            degraded = self.function(
                samples.astype(np.float32, copy=True), int(sample_rate), **seeded, **self.parameters
            )
        except ValueError as error:  # the library cannot apply it here (an MP3 at a rate MP3 cannot carry)
            raise ValueError(f"degradation {self.name!r}: {error}") from error
        degraded = np.ascontiguousarray(degraded, dtype=np.float32)
        if degraded.ndim != 1 or (self.keeps_length and degraded.size != samples.size):
            raise ValueError(
                f"degradation {self.name!r} returned shape {degraded.shape} for input shape "
                f"{samples.shape}{' (it declares keeps_length)' if self.keeps_length else ''}"
            )
        if not np.all(np.isfinite(degraded)):
            raise ValueError(f"degradation {self.name!r} returned samples that are not finite")
        return degraded

    def summary(self) -> dict:
        """The declaration as plain literals, ``function`` left out (for tables and a run's description)."""
        described = {field.name: getattr(self, field.name) for field in fields(self) if field.name != "function"}
        return {**described, "parameters": dict(self.parameters)}


def fitted_length(samples: np.ndarray, length: int) -> np.ndarray:
    """``samples`` cut, or padded with trailing zeros, to ``length`` (a resampler's rounding, an MP3's last frame)."""
    return np.pad(samples[:length], (0, max(0, length - samples.size)))

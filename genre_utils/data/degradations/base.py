"""What every degradation declares, on one base: a name, its parameters, why, and how it applies.

A degradation is one way the audio of a track can be worse than the clips a classifier was trained
on (a telephone band, a low-bitrate MP3, background noise, a room ...). It is declared once, in the
module of its family (:data:`FAMILIES`), as an element of that module's ``DEGRADATIONS`` tuple: an
instance of :class:`Degradation` stating its ``name`` (the short id used in tables, folders and
notebook parameters), a ``title``, its ``family``, its ``parameters`` (the settings, as plain
literals), its ``rationale`` (a citation or why it matters), the library ``function`` that applies it,
and what it promises of its output: whether it ``keeps_length``, whether it stays ``bounded`` to
[-1, 1], and whether it is ``seeded`` (random, so the seed matters).

:meth:`Degradation.apply` is the one way to run it: mono float32 samples in, mono float32 samples at
the same sample rate out, a pure function of ``(samples, sample_rate, seed)``: the same seed gives the
same output bit for bit, and the input array is never changed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
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


@dataclass(frozen=True, eq=False, kw_only=True)
class Degradation:
    """One degradation's declaration.

    Attributes:
        name: Short id (lowercase letters, digits, ``_``), unique in the registry.
        title: Display name (``"Band limit: 8 kHz sampling (telephone)"``).
        family: A key of :data:`FAMILIES`.
        parameters: Its settings as plain literals (``{"sample_rate": 8000}``), read-only; passed to
            ``function`` as keyword arguments.
        rationale: A citation, or why this degradation matters for a genre classifier, in words.
        function: ``function(samples, sample_rate, **parameters)`` (and ``seed=`` when ``seeded``)
            returning the degraded samples; it calls the maintained library that does the signal
            processing. Call :meth:`apply`, which checks what goes in and comes out, not this.
        keeps_length: The output has exactly the input's number of samples (false: a time stretch).
        bounded: The output stays within [-1, 1] whenever the input does.
        seeded: The output depends on the seed (random noise); otherwise the seed is checked and unused.
    """

    name: str
    title: str
    family: str
    parameters: Mapping[str, object]
    rationale: str
    function: Callable[..., np.ndarray]
    keeps_length: bool = True
    bounded: bool = False
    seeded: bool = False

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name.replace("_", "").isalnum() or self.name != self.name.lower():
            raise ValueError(f"degradation name must be lowercase letters, digits or '_', got {self.name!r}")
        if self.family not in FAMILIES:
            raise ValueError(
                f"degradation {self.name!r}: unknown family {self.family!r}; expected one of {', '.join(FAMILIES)}"
            )
        if not isinstance(self.title, str) or not self.title.strip():
            raise ValueError(f"degradation {self.name!r} needs a title")
        if not isinstance(self.rationale, str) or not self.rationale.strip():
            raise ValueError(f"degradation {self.name!r} needs a rationale: a citation or why it matters")
        if not isinstance(self.parameters, Mapping) or not self.parameters:
            raise ValueError(
                f"degradation {self.name!r} needs its parameters as a non-empty mapping, got {self.parameters!r}"
            )
        if not callable(self.function):
            raise ValueError(
                f"degradation {self.name!r}: function must be callable, got {type(self.function).__name__}"
            )
        object.__setattr__(self, "parameters", MappingProxyType(dict(self.parameters)))

    def apply(self, samples: np.ndarray, sample_rate: int, seed: int) -> np.ndarray:
        """The degraded copy of ``samples``.

        Args:
            samples: Mono audio, a 1-D floating-point array (decoded audio, nominally in [-1, 1]).
            sample_rate: Samples per second of ``samples``; the output has the same rate.
            seed: 0 <= seed < 2**32; the same seed gives the same output bit for bit.

        Returns:
            A new 1-D float32 array: as long as ``samples`` when :attr:`keeps_length`.

        Raises:
            ValueError: Naming this degradation, when ``samples`` is not 1-D, empty, not floating-point
                or not finite, when ``sample_rate`` or ``seed`` is not a valid integer, or when the
                library cannot apply it at this sample rate.
        """
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
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed < SEED_LIMIT:
            raise ValueError(f"degradation {self.name!r}: seed must be an integer in [0, 2**32), got {seed!r}")
        seeded = {"seed": int(seed)} if self.seeded else {}
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
        """The declaration as plain literals (for tables and a run's description)."""
        return {
            "name": self.name,
            "title": self.title,
            "family": self.family,
            "parameters": dict(self.parameters),
            "rationale": self.rationale,
            "keeps_length": self.keeps_length,
            "bounded": self.bounded,
            "seeded": self.seeded,
        }


def fitted_length(samples: np.ndarray, length: int) -> np.ndarray:
    """``samples`` cut, or padded with trailing zeros, to exactly ``length`` samples.

    For degradations that keep the length but whose library returns a sample or a codec frame more
    (a resampler's rounding, an MP3 decoder's last frame).
    """
    if samples.size >= length:
        return samples[:length]
    return np.concatenate([samples, np.zeros(length - samples.size, dtype=samples.dtype)])

"""The registry of degradations: every way the study makes audio worse, declared once and discovered.

A degradation is declared in the module of its family as an element of a module-level ``DEGRADATIONS``
tuple of :class:`~genre_utils.data.degradations.base.Degradation` (see there for what a declaration
states: name, title, family, parameters, rationale, and what it promises of its output). The families:

- :mod:`.band_limit`: resampled to 8, 11.025 or 16 kHz and back (soxr);
- :mod:`.lossy`: MP3 at 64 and 32 kbit/s and back (lameenc to encode, libsndfile to decode);
- :mod:`.noise`: white or pink noise at 30, 20 or 10 dB SNR (audiomentations);
- :mod:`.level`: 12 dB quieter, or over-driven so that 1 % or 5 % of the samples clip (pedalboard);
- :mod:`.pitch_time`: a semitone up or down, 10 % faster or slower (pedalboard, Rubber Band);
- :mod:`.room`: a room reverb (pedalboard's Freeverb).

Each acts on decoded mono audio (:meth:`Degradation.apply`: float32 in, float32 out, same sample
rate, the same seed gives the same output bit for bit). Nothing outside a degradation's module names
it: a study or a notebook asks this registry (:func:`degradation_names`, :func:`get_degradation`).
Modules are discovered by scanning this package for ``DEGRADATIONS``; a test or a notebook adds its
own with :func:`register`.
"""

from __future__ import annotations

import importlib
import pkgutil
import zlib

import numpy as np

from genre_utils.data.degradations.base import FAMILIES, SEED_LIMIT, Degradation

DEGRADATIONS_ATTRIBUTE = "DEGRADATIONS"
# What training with augmentation draws from (one degradation per degraded copy of a training track): the
# recording chain's usual damage (narrow channels, low-bitrate MP3, background noise, mild clipping, a room).
# Not in it, so that the study also shows how augmentation carries over to damage it never saw: 10 dB noise,
# heavy clipping, pitch shifts and tempo changes.
AUGMENTATION_DEGRADATIONS = (
    "band_8k",
    "band_11k",
    "band_16k",
    "mp3_64k",
    "mp3_32k",
    "white_30db",
    "white_20db",
    "pink_30db",
    "pink_20db",
    "gain_minus_12db",
    "clip_1pct",
    "reverb_room",
)
_REGISTRY: dict[str, Degradation] = {}
_DISCOVERED = False


def register(degradation: Degradation, replace: bool = False) -> Degradation:
    """Add a degradation to the registry (a test's or a notebook's own).

    Raises:
        ValueError: If ``degradation`` is no :class:`Degradation`, or its name is taken by another
            degradation and ``replace`` is false.
    """
    if not isinstance(degradation, Degradation):
        raise ValueError(f"register() expects a Degradation, got {type(degradation).__name__}")
    _discover()
    if degradation.name in _REGISTRY and _REGISTRY[degradation.name] is not degradation and not replace:
        raise ValueError(f"a degradation named {degradation.name!r} is already registered")
    _REGISTRY[degradation.name] = degradation
    return degradation


def unregister(name: str) -> None:
    """Remove a degradation added with :func:`register` (no error if absent)."""
    _REGISTRY.pop(name, None)


def degradations(family: str | None = None) -> tuple[Degradation, ...]:
    """Every registered degradation (of ``family`` only, when given): the package's in the order of
    :data:`FAMILIES`, each module's in declaration order, then those added with :func:`register`.

    Raises:
        ValueError: If ``family`` is not a key of :data:`FAMILIES`.
    """
    if family is not None and family not in FAMILIES:
        raise ValueError(f"unknown degradation family {family!r}; expected one of {', '.join(FAMILIES)}")
    _discover()
    return tuple(d for d in _REGISTRY.values() if family is None or d.family == family)


def degradation_names(family: str | None = None) -> tuple[str, ...]:
    """Every registered degradation's name, in the order of :func:`degradations`."""
    return tuple(degradation.name for degradation in degradations(family))


def get_degradation(name: str) -> Degradation:
    """The declaration of the degradation called ``name``.

    Raises:
        ValueError: Naming the registered degradations when ``name`` is not one.
    """
    _discover()
    if name not in _REGISTRY:
        raise ValueError(f"unknown degradation {name!r}; expected one of {', '.join(_REGISTRY)}")
    return _REGISTRY[name]


def check_degradation_names(names, parameter: str = "degradations") -> tuple[str, ...]:
    """``names`` as a tuple of registered degradation names, in the given order, each once.

    Raises:
        ValueError: Naming ``parameter`` and the registered degradations, when ``names`` is not a
            non-empty list of them (a plain string is refused: it is one name, not a list).
    """
    if isinstance(names, str) or not hasattr(names, "__iter__"):
        raise ValueError(f"{parameter} must be a list of degradation names, got {names!r}")
    names = tuple(names)
    unknown = [name for name in names if not isinstance(name, str) or name not in degradation_names()]
    if not names or unknown or len(set(names)) != len(names):
        what = f"unknown {unknown}" if unknown else "an empty list" if not names else "repeated names"
        raise ValueError(
            f"{parameter} must list registered degradations, each once ({what}); expected some of "
            f"{', '.join(degradation_names())}"
        )
    return names


def check_degradation_seed(seed) -> int:
    """``seed`` as an int when it is an integer in [0, 2**32).

    Raises:
        ValueError: Naming the degradation seed, otherwise.
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed < SEED_LIMIT:
        raise ValueError(f"the degradation seed must be an integer in [0, 2**32), got {seed!r}")
    return int(seed)


def track_degradations(track_ids, names, seed: int) -> list[tuple[str, int]]:
    """The degradation each track gets, and its seed: ``(name, seed)`` per track id.

    With one name every track gets it; with several (an augmentation pool) each track draws one.
    The draw and the degradation's own seed depend only on ``(seed, track id)``, never on the order
    or the company of the tracks, so a track is degraded the same way in any store, chunk or worker.

    Raises:
        ValueError: If a name is not registered or ``seed`` is not in [0, 2**32).
    """
    names = check_degradation_names(names)
    check_degradation_seed(seed)
    plan = []
    for track_id in track_ids:
        draw = np.random.default_rng([int(seed), zlib.crc32(str(track_id).encode())])
        name = names[int(draw.integers(len(names)))] if len(names) > 1 else names[0]
        plan.append((name, int(draw.integers(SEED_LIMIT))))
    return plan


def degradation_table(family: str | None = None):
    """A pandas table of the registered degradations (name, title, family, parameters, rationale ...)."""
    import pandas as pd

    return pd.DataFrame([degradation.summary() for degradation in degradations(family)]).set_index("name")


def _discover() -> None:
    """Register the ``DEGRADATIONS`` of every module of this package (once)."""
    global _DISCOVERED
    if _DISCOVERED:
        return
    _DISCOVERED = True
    found = []
    for module_info in pkgutil.iter_modules(__path__):
        if module_info.name.startswith("_") or module_info.name == "base":
            continue
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        declared = getattr(module, DEGRADATIONS_ATTRIBUTE, None)
        if declared is None:
            continue
        if not isinstance(declared, tuple) or not all(isinstance(each, Degradation) for each in declared):
            raise ValueError(
                f"module {module.__name__} must declare {DEGRADATIONS_ATTRIBUTE} as a tuple of Degradation"
            )
        found.extend(
            ((list(FAMILIES).index(each.family), module_info.name, position), each)
            for position, each in enumerate(declared)
        )
    for _, declared in sorted(found, key=lambda item: item[0]):
        if declared.name in _REGISTRY and _REGISTRY[declared.name] is not declared:
            raise ValueError(f"two degradation declarations have the name {declared.name!r}")
        _REGISTRY[declared.name] = declared

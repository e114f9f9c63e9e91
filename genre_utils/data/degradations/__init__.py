"""The ways the study makes audio worse, declared in ``DEGRADATIONS`` by the module of each family.

The families: band limits (soxr), MP3 (lameenc, libsndfile), noise (audiomentations), level and clipping,
pitch and tempo, and a room (pedalboard); see :data:`FAMILIES` and :mod:`genre_utils.registry`.
"""

from __future__ import annotations

import zlib

import numpy as np

from genre_utils.data.degradations.base import FAMILIES, SEED_LIMIT, Degradation, check_seed
from genre_utils.registry import Registry

# What training with augmentation draws from: the recording chain's usual damage (narrow channels, low-bitrate
# MP3, background noise, mild clipping, a room). Left out, so that the study also shows how augmentation carries
# over to damage it never saw: 10 dB noise, heavy clipping, pitch shifts and tempo changes.
AUGMENTATION_DEGRADATIONS = tuple(
    "band_8k band_11k band_16k mp3_64k mp3_32k white_30db white_20db pink_30db pink_20db gain_minus_12db clip_1pct "
    "reverb_room".split()
)
DEGRADATIONS = Registry(
    "degradation",
    __name__,
    ("DEGRADATIONS",),
    Degradation,
    env="GENRE_DEGRADATION_MODULES",
    order=lambda degradation, module: list(FAMILIES).index(degradation.family),
)
register = DEGRADATIONS.register
unregister = DEGRADATIONS.unregister
get_degradation = DEGRADATIONS.get
check_degradation_seed = check_seed


def degradations(family: str | None = None) -> tuple[Degradation, ...]:
    """Every registered degradation (of ``family`` only, when given), the families in the order of :data:`FAMILIES`."""
    if family is not None and family not in FAMILIES:
        raise ValueError(f"unknown degradation family {family!r}; expected one of {', '.join(FAMILIES)}")
    return tuple(d for d in DEGRADATIONS.entries() if family in (None, d.family))


def degradation_names(family: str | None = None) -> tuple[str, ...]:
    """Every registered degradation's name, in the order of :func:`degradations`."""
    return tuple(degradation.name for degradation in degradations(family))


def check_degradation_names(names, parameter: str = "degradations") -> tuple[str, ...]:
    """``names`` as a tuple of registered degradation names, when it is a non-empty list of them, each once."""
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


def track_degradations(track_ids, names, seed: int) -> list[tuple[str, int]]:
    """``(name, seed)`` per track id, drawn from ``names`` by ``(seed, track id)`` alone: the same in any worker."""
    names = check_degradation_names(names)
    check_seed(seed)
    plan = []
    for track_id in track_ids:
        draw = np.random.default_rng([int(seed), zlib.crc32(str(track_id).encode())])
        name = names[int(draw.integers(len(names)))] if len(names) > 1 else names[0]
        plan.append((name, int(draw.integers(SEED_LIMIT))))
    return plan


def degradation_table(family: str | None = None):
    """A pandas table of the registered degradations (name, title, family, parameters, rationale ...)."""
    import pandas as pd  # lazy: pandas

    return pd.DataFrame([degradation.summary() for degradation in degradations(family)]).set_index("name")

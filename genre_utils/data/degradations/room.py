"""Room: the audio through pedalboard's ``Reverb`` (Freeverb) at its defaults, about 1 s of reverberation.

The output keeps the input's length, the tail past the end cut as a fixed-length excerpt would be.
"""

from __future__ import annotations

import numpy as np
import pedalboard

from genre_utils.data.degradations.base import Degradation

SETTINGS = {"room_size": 0.5, "damping": 0.5, "wet_level": 0.33, "dry_level": 0.4}  # pedalboard.Reverb's defaults
RATIONALE = (
    "Music recorded in or played into a room is smeared by its reverberation; room impulse responses are a "
    "unit of Mauch & Ewert's Audio Degradation Toolbox (ISMIR 2013) and of MUDA's deformations "
    "(McFee et al., ISMIR 2015). Freeverb at pedalboard's defaults: a reverberation time of about 1 s."
)


def reverberated(
    samples: np.ndarray, sample_rate: int, *, room_size: float, damping: float, wet_level: float, dry_level: float
) -> np.ndarray:
    """``samples`` through a Freeverb room (``room_size`` and ``damping`` in [0, 1]), mixed wet and dry."""
    reverb = pedalboard.Reverb(room_size=room_size, damping=damping, wet_level=wet_level, dry_level=dry_level)
    return reverb(samples, sample_rate)


DEGRADATIONS = (
    Degradation(
        name="reverb_room",
        title="Room reverb (Freeverb, about 1 s)",
        family="room",
        parameters=SETTINGS,
        rationale=RATIONALE,
        function=reverberated,
    ),
)

"""Room: the audio as heard in a reverberant room, a reverberation time of about one second.

Music recorded in a room, or played through loudspeakers into one and picked up by a microphone (a
phone at a concert, a smart speaker's query), reaches a classifier smeared by the room's
reverberation: each note rings on after it stops, and onsets blur. Convolution with room impulse
responses is a degradation unit of the Audio Degradation Toolbox (Mauch & Ewert, ISMIR 2013, with
recorded rooms from a classroom to a great hall), and so is MUDA's impulse-response deformation
(McFee, Humphrey & Bello, ISMIR 2015). The genre survives it; a classifier that does not may be
relying on the recording's dryness.

The reverb is pedalboard's ``Reverb``, JUCE's implementation of Freeverb (Jezar at Dreampoint, 2000:
eight parallel comb filters and four all-pass filters), at pedalboard's defaults (:data:`SETTINGS`:
a medium room, half damped, 0.33 wet beside 0.4 dry). Its reverberation time measures about 1 s
(the Schroeder decay of a noise burst, extrapolated from -5 to -25 dB to 60 dB), that of a living
room or a classroom rather than a hall. The output keeps the input's length: the tail that rings past
the end of the clip is cut, as a fixed-length excerpt would be.
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

"""Pitch and time (Rubber Band, through pedalboard): a semitone up or down, or 10 % faster or slower.

``PitchShift`` keeps the length; ``time_stretch`` divides it by the rate, so the time stretches declare
``keeps_length=False``.
"""

from __future__ import annotations

import numpy as np
import pedalboard

from genre_utils.data.degradations.base import Degradation

SEMITONES = {"pitch_up_1": 1.0, "pitch_down_1": -1.0}  # name -> pitch shift in semitones, tempo kept
RATES = {"tempo_up_10pct": 1.1, "tempo_down_10pct": 0.9}  # name -> tempo factor (>1 faster, shorter), pitch kept
RATIONALE = (
    "Transposition and tempo change leave the genre as it is (covers, live takes, DJ tempo matching, speed "
    "errors); pitch shift and time stretch are the standard musical data augmentations (MUDA, McFee et al., "
    "ISMIR 2015; Schlüter & Grill, ISMIR 2015), and a decision that flips under them is one of Sturm's "
    "'horses' (IEEE Trans. Multimedia 2014)."
)


def pitch_shifted(samples: np.ndarray, sample_rate: int, *, semitones: float) -> np.ndarray:
    """``samples`` shifted by ``semitones`` at the same tempo and length."""
    return pedalboard.PitchShift(semitones=semitones)(samples, sample_rate)


def time_stretched(samples: np.ndarray, sample_rate: int, *, rate: float) -> np.ndarray:
    """``samples`` played ``rate`` times as fast at the same pitch: ``len(samples) / rate`` samples long."""
    return pedalboard.time_stretch(samples, sample_rate, stretch_factor=rate).reshape(-1)


DEGRADATIONS = (
    *(
        Degradation(
            name=name,
            title=f"Pitch shift {shift:+g} semitone",
            family="pitch_time",
            parameters={"semitones": shift},
            rationale=RATIONALE,
            function=pitch_shifted,
        )
        for name, shift in SEMITONES.items()
    ),
    *(
        Degradation(
            name=name,
            title=f"Tempo {rate - 1:+.0%} (time stretch, pitch kept)",
            family="pitch_time",
            parameters={"rate": rate},
            rationale=RATIONALE,
            function=time_stretched,
            keeps_length=False,
        )
        for name, rate in RATES.items()
    ),
)

"""Level: the audio 12 dB quieter, or over-driven so that 1 % or 5 % of its samples clip at full scale (pedalboard).

Clipping follows the Audio Degradation Toolbox's ``applyClippingAlternative``: the gain comes from the percentile
of absolute samples, so every clip gets the same share clipped whatever its level; a silent clip stays silent.
"""

from __future__ import annotations

import math

import numpy as np
import pedalboard

from genre_utils.data.degradations.base import Degradation

GAINS_DB = {"gain_minus_12db": -12.0}  # name -> gain in dB
CLIPPED_PERCENTS = {"clip_1pct": 1.0, "clip_5pct": 5.0}  # name -> percent of the samples driven to full scale
FULL_SCALE_DB = 0.0  # where the clipping cuts: 0 dBFS, sample value 1.0
GAIN_RATIONALE = (
    "Recordings differ in level by more than 10 dB (EBU R 128 broadcast normalisation at -23 LUFS "
    "against loudness-war masters near -10 LUFS); level-bearing features (log-mel energies, MFCC 0) "
    "shift with it."
)
CLIP_RATIONALE = (
    "Over-driven masters and recorders clip; the clip is amplified until a set share of its samples "
    "reaches full scale and cut there, as in the clipping unit of Mauch & Ewert's Audio Degradation "
    "Toolbox (ISMIR 2013; 1 % of the samples by default)."
)


def with_gain(samples: np.ndarray, sample_rate: int, *, gain_db: float) -> np.ndarray:
    """``samples`` amplified by ``gain_db`` (negative: quieter)."""
    return pedalboard.Gain(gain_db=gain_db)(samples, sample_rate)


def clipped(samples: np.ndarray, sample_rate: int, *, percent_of_samples: float, threshold_db: float) -> np.ndarray:
    """``samples`` amplified so that ``percent_of_samples`` of them reach ``threshold_db`` (dBFS), and cut there."""
    magnitudes = np.sort(np.abs(samples))
    first_clipped = min(round((1 - percent_of_samples / 100) * magnitudes.size), magnitudes.size - 1)
    divisor = max(float(magnitudes[first_clipped]), float(np.finfo(np.float32).eps))
    gain_db = threshold_db - 20 * math.log10(divisor)
    board = pedalboard.Pedalboard([pedalboard.Gain(gain_db=gain_db), pedalboard.Clipping(threshold_db=threshold_db)])
    return board(samples, sample_rate)


DEGRADATIONS = (
    *(
        Degradation(
            name=name,
            title=f"Gain {gain:+g} dB",
            family="level",
            parameters={"gain_db": gain},
            rationale=GAIN_RATIONALE,
            function=with_gain,
            bounded=gain <= 0,
        )
        for name, gain in GAINS_DB.items()
    ),
    *(
        Degradation(
            name=name,
            title=f"Clipping: {percent:g} % of the samples at full scale",
            family="level",
            parameters={"percent_of_samples": percent, "threshold_db": FULL_SCALE_DB},
            rationale=CLIP_RATIONALE,
            function=clipped,
            bounded=True,
        )
        for name, percent in CLIPPED_PERCENTS.items()
    ),
)

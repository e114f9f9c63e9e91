"""Band limits: the audio resampled to a lower rate and back (soxr's ``"HQ"``), nothing left above its Nyquist.

The round trip keeps the input's rate and length; a clip already at or below the target rate comes back unchanged.
"""

from __future__ import annotations

import numpy as np
import soxr

from genre_utils.data.degradations.base import Degradation, fitted_length

TARGET_RATES = {"band_8k": 8000, "band_11k": 11025, "band_16k": 16000}  # name -> the rate resampled through
TITLES = {8000: "telephone band", 11025: "low-rate multimedia", 16000: "wideband speech"}
QUALITY = "HQ"  # soxr's default: flat to 0.91 of the lower Nyquist, more than 100 dB down above it
RATIONALE = (
    "Narrow channels (telephone 8 kHz, low-rate web audio 11.025 kHz, wideband VoIP 16 kHz) remove the "
    "top of the spectrum; low-pass filtering is a unit of Mauch & Ewert's Audio Degradation Toolbox "
    "(ISMIR 2013), Urbano et al. (ISMIR 2014) measure the sampling rate's effect on MFCCs, and a "
    "classifier that relies on the top octave is one of Sturm's 'horses' (IEEE Trans. Multimedia 2014)."
)


def band_limited(samples: np.ndarray, sample_rate: int, *, sample_rate_through: int) -> np.ndarray:
    """``samples`` resampled to ``sample_rate_through`` and back to ``sample_rate``, at the input's length."""
    if sample_rate_through >= sample_rate:
        return samples
    low = soxr.resample(samples, sample_rate, sample_rate_through, quality=QUALITY)
    back = soxr.resample(low, sample_rate_through, sample_rate, quality=QUALITY)
    return fitted_length(back.astype(np.float32, copy=False), samples.size)


DEGRADATIONS = tuple(
    Degradation(
        name=name,
        title=f"Band limit: {rate / 1000:g} kHz sampling ({TITLES[rate]})",
        family="band_limit",
        parameters={"sample_rate_through": rate},
        rationale=RATIONALE,
        function=band_limited,
    )
    for name, rate in TARGET_RATES.items()
)

"""Band limits: the audio resampled to a lower rate and back, so nothing is left above that rate's Nyquist.

Recordings reach a classifier through channels narrower than a CD: the telephone band (8 kHz
sampling, content below 4 kHz; ITU-T G.711), old multimedia and web audio at 11.025 kHz, and wideband
speech codecs and VoIP at 16 kHz (ITU-T G.722: content below 7-8 kHz). Low-pass filtering is a
degradation unit of the Audio Degradation Toolbox (Mauch & Ewert, "The Audio Degradation Toolbox and
its application to robustness evaluation", ISMIR 2013), and Urbano et al. ("What is the effect of
audio quality on the robustness of MFCCs and chroma features?", ISMIR 2014) measure how the sampling
rate changes MFCCs. A genre classifier that leans on the top octave (cymbals, the brightness of a
mix) rather than on the music is what Sturm calls a "horse" ("A simple method to determine if a music
information retrieval system is a 'horse'", IEEE Trans. Multimedia 16(6), 2014).

The resampling is soxr's (the SoX resampler, the one librosa uses): its ``"HQ"`` filter is flat up
to about 0.91 of the lower rate's Nyquist frequency, rolls off between 0.91 and 1.0 of it, and holds
everything above it more than 100 dB down (about 125 dB measured on a 3 s broadband clip). The round
trip ends at the input's rate and length. A clip whose sample rate is already at or below the target
rate has nothing above the target's Nyquist and comes back unchanged.
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

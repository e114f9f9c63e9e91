"""Additive noise: white or pink noise at 30, 20 or 10 dB SNR against the clip's RMS (audiomentations).

audiomentations draws from the global generators, so :func:`with_noise` seeds them from the degradation's seed
under a lock and restores them: the output depends on (samples, seed) alone. A silent clip gets no noise.
"""

from __future__ import annotations

import math
import random
import threading

import numpy as np
from audiomentations import AddColorNoise

from genre_utils.data.degradations.base import Degradation

SNRS_DB = (30.0, 20.0, 10.0)
DECAYS_DB_PER_OCTAVE = {"white": 0.0, "pink": -10 * math.log10(2)}  # colour -> power spectral density slope
COLOURING_FFT_POINTS = 2048  # AddColorNoise's n_fft (its default, 128, is too coarse for a -3 dB/octave slope)
RATIONALE = (
    "Background noise under music (live and phone recordings, radio); white or pink noise at a given SNR "
    "is a unit of Mauch & Ewert's Audio Degradation Toolbox (ISMIR 2013); MUDA (McFee et al., ISMIR 2015) "
    "mixes background noise into music."
)
_GLOBAL_GENERATORS = threading.Lock()  # audiomentations draws from the process-wide generators


def with_noise(
    samples: np.ndarray, sample_rate: int, *, seed: int, colour: str, snr_db: float, decay_db_per_octave: float
) -> np.ndarray:
    """``samples`` plus noise ``snr_db`` below them, its spectrum falling ``decay_db_per_octave`` (``colour``)."""
    add_noise = AddColorNoise(
        min_snr_db=snr_db,
        max_snr_db=snr_db,
        min_f_decay=decay_db_per_octave,
        max_f_decay=decay_db_per_octave,
        p=1.0,
        n_fft=COLOURING_FFT_POINTS,
    )
    with _GLOBAL_GENERATORS:
        python_state, numpy_state = random.getstate(), np.random.get_state()
        random.seed(seed)
        np.random.seed(seed)
        try:
            return add_noise(samples, sample_rate)
        finally:
            random.setstate(python_state)
            np.random.set_state(numpy_state)


DEGRADATIONS = tuple(
    Degradation(
        name=f"{colour}_{snr:.0f}db",
        title=f"{colour.capitalize()} noise at {snr:.0f} dB SNR",
        family="noise",
        parameters={"colour": colour, "snr_db": snr, "decay_db_per_octave": decay},
        rationale=RATIONALE,
        function=with_noise,
        seeded=True,
    )
    for colour, decay in DECAYS_DB_PER_OCTAVE.items()
    for snr in SNRS_DB
)

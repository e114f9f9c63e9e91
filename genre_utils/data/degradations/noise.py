"""Additive noise: white or pink noise added at 30, 20 or 10 dB signal-to-noise ratio.

Hiss, crowd, fans and traffic are under much real-world music: live recordings, phone captures,
radio. Adding coloured noise at a given SNR is a degradation unit of the Audio Degradation Toolbox
(Mauch & Ewert, ISMIR 2013: white, pink or brown noise, pink at 20 dB SNR by default), and MUDA
mixes recorded background noise into music (McFee, Humphrey & Bello, "A software framework for
musical data augmentation", ISMIR 2015). White noise has the same power in every hertz; pink noise the same in
every octave, its power spectral density falling 3 dB per octave (1/f), as much ambient noise does.
30 dB SNR is barely audible under music, 20 dB a noisy recording, 10 dB a bad one.

The noise is audiomentations' ``AddColorNoise`` (the power spectral density set in dB per octave,
the noise scaled to the exact SNR against the clip's RMS), with :data:`COLOURING_FFT_POINTS` points
for its colouring filter: at the library's default of 128 the filter's resolution (172 Hz at
22050 Hz) bends pink noise to slopes between -2.8 and -4.5 dB per octave, depending on the seed
(measured from 100 Hz to 8 kHz on 3 s); at 2048 they measure -3.0 within 0.1.
audiomentations draws from Python's and numpy's global generators and takes no generator of its
own, so :func:`with_noise` seeds both from the degradation's seed around the call, under a lock,
and puts their previous states back: the output is a function of (samples, seed) alone, and the
caller's random streams are left as they were. A silent clip (RMS 0) gets no noise.
"""

from __future__ import annotations

import math
import random
import threading
from contextlib import contextmanager

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


@contextmanager
def _global_generators_seeded(seed: int):
    """Python's and numpy's global generators seeded with ``seed`` inside, restored on the way out."""
    with _GLOBAL_GENERATORS:
        python_state, numpy_state = random.getstate(), np.random.get_state()
        random.seed(seed)
        np.random.seed(seed)
        try:
            yield
        finally:
            random.setstate(python_state)
            np.random.set_state(numpy_state)


def with_noise(
    samples: np.ndarray, sample_rate: int, *, seed: int, colour: str, snr_db: float, decay_db_per_octave: float
) -> np.ndarray:
    """``samples`` plus noise whose power spectral density falls ``decay_db_per_octave`` (0: white),
    scaled to ``snr_db`` below the samples' power. ``colour`` names the slope for readers."""
    add_noise = AddColorNoise(
        min_snr_db=snr_db,
        max_snr_db=snr_db,
        min_f_decay=decay_db_per_octave,
        max_f_decay=decay_db_per_octave,
        p=1.0,
        n_fft=COLOURING_FFT_POINTS,
    )
    with _global_generators_seeded(seed):
        return add_noise(samples, sample_rate)


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

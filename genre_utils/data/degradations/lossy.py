"""Lossy encoding: the audio as a constant-bitrate MP3 at 64 or 32 kbit/s (lameenc), decoded by libsndfile.

The codec delay (:data:`CODEC_DELAY`) and the last frame's padding are removed: the output lines up with the input
sample for sample, at its exact length.
"""

from __future__ import annotations

import io

import lameenc
import numpy as np
import soundfile

from genre_utils.data.degradations.base import Degradation, fitted_length

BITRATES_KBPS = {"mp3_64k": 64, "mp3_32k": 32}  # name -> constant bitrate in kbit/s
ENCODER_QUALITY = 2  # lameenc/LAME -q: 2 is the highest, 7 the fastest
LAME_ENCODER_DELAY = 576  # samples LAME puts before the audio (its ENCDELAY)
MPG123_DECODER_DELAY = 529  # samples the MP3 synthesis filterbank adds on decoding (528 + 1)
CODEC_DELAY = LAME_ENCODER_DELAY + MPG123_DECODER_DELAY
MP3_SAMPLE_RATES = (8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000)  # MPEG-1, 2 and 2.5 layer III
PCM_SCALE = 32768  # float [-1, 1) <-> 16-bit PCM, libsndfile's convention
RATIONALE = (
    "Low-bitrate MP3 is how much music reaches a classifier (streams, previews, FMA's own clips); MP3 "
    "compression is a unit of Mauch & Ewert's Audio Degradation Toolbox (ISMIR 2013), and Urbano et al. "
    "(ISMIR 2014) measure how codec and bitrate change MFCCs."
)


def mp3_round_trip(samples: np.ndarray, sample_rate: int, *, bitrate_kbps: int) -> np.ndarray:
    """``samples`` encoded as a constant-bitrate MP3 and decoded, aligned and cut to the input's length."""
    if sample_rate not in MP3_SAMPLE_RATES:
        raise ValueError(
            f"an MP3 cannot carry {sample_rate} Hz; MP3 sample rates are {', '.join(map(str, MP3_SAMPLE_RATES))}"
        )
    pcm = np.clip(np.round(samples.astype(np.float64) * PCM_SCALE), -PCM_SCALE, PCM_SCALE - 1).astype("<i2")
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(bitrate_kbps)
    encoder.set_in_sample_rate(sample_rate)
    encoder.set_out_sample_rate(sample_rate)
    encoder.set_channels(1)
    encoder.set_quality(ENCODER_QUALITY)
    encoded = bytes(encoder.encode(pcm.tobytes())) + bytes(encoder.flush())
    decoded, decoded_rate = soundfile.read(io.BytesIO(encoded), dtype="float32", always_2d=True)
    if decoded_rate != sample_rate:
        raise ValueError(f"the MP3 decoded at {decoded_rate} Hz, not the {sample_rate} Hz it was encoded at")
    return fitted_length(decoded[CODEC_DELAY:, 0], samples.size)


DEGRADATIONS = tuple(
    Degradation(
        name=name,
        title=f"MP3 at {bitrate} kbit/s",
        family="lossy",
        parameters={"bitrate_kbps": bitrate},
        rationale=RATIONALE,
        function=mp3_round_trip,
    )
    for name, bitrate in BITRATES_KBPS.items()
)

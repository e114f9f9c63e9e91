"""musicnn's audio front end: the log-compressed mel spectrogram and its 3 s patches.

A port of ``batch_data`` in ``musicnn/extractor.py`` (musicnn 0.1.0, Pons & Serra 2019, ISC
license), which the pretrained taggers in :mod:`genre_utils.features.pretrained.musicnn` expect as input:

1. a mel power spectrogram of mono audio at 16 kHz (librosa, ``n_fft`` 512, hop 256, 96 bands,
   Hann window, Slaney mel scale and area normalisation, power 2), transposed to time-major
   ``(n_frames, 96)``;
2. the mel powers cast to float16 (musicnn's own step, ``audio_rep.astype(np.float16)``; the
   models were also trained on float16 spectrograms, ``mtt_float16`` in their config.json);
3. ``log10(10000 x + 1)``;
4. non-overlapping patches of 187 frames (3 s); a partial patch at the end is dropped.

Choices made here, where reproducing the code literally today would not give what musicnn gave:

- *float16*: under numpy < 1.17, musicnn's declared requirement, ``10000 * float16_array``
  promoted to float32 (value-based casting: 10000 needs uint16, and float16 with uint16 gives
  float32), so the float16 cast only *quantised* the mel powers and the log ran in float32.
  Under numpy 2 (NEP 50) the Python int no longer promotes: the product stays float16 and
  overflows to ``inf`` for every mel power above 6.55 -- on real music almost every 3 s patch
  (all 10 patches of 8 of the 10 GTZAN ``.00000`` clips, and of both musicnn example MP3s),
  so the original code now tags ``nan`` (or garbage, where oneDNN's kernels do not propagate ``inf``).
  This port keeps the float16 *quantisation* (what the
  networks saw in training and in musicnn's published outputs) and does the arithmetic in
  float32, which is numpy-1 musicnn exactly (checked against numpy 1.26), finite everywhere. Mel
  powers above float16's range (65504; only for input far beyond full scale: a full-scale low
  tone gives about 850) are kept unquantised instead of becoming ``inf``.
- *STFT padding*: librosa 0.10 changed the default ``pad_mode`` of the centred STFT from
  ``"reflect"`` to ``"constant"``; musicnn ran on librosa 0.7 (``>=0.7.0``), so ``"reflect"``
  is passed explicitly. Only the first and last frame of a file depend on it.
- *Short input*: musicnn's ``batch_data`` crashes (``UnboundLocalError``) on audio shorter than
  one patch. Here a spectrogram shorter than 187 frames is repeated end to end and cut to 187
  frames ("repeat-pad", how musicnn's training padded short clips: ``"pad_short": "repeat-pad"``
  in the models' config.json), giving one patch.
- *Decoding and resampling* are the caller's (musicnn used ``librosa.load``, in 2019 with
  resampy's ``kaiser_best``); :func:`genre_utils.features.pretrained.musicnn.tag_file` decodes with
  :func:`genre_utils.data.audio.load_audio` (soxr ``soxr_hq``). The difference is far below what
  changes a tag.

Reference: Pons, J. & Serra, X. (2019) "musicnn: pre-trained convolutional neural networks for
music audio tagging", ISMIR late-breaking demo.
"""

from __future__ import annotations

import numpy as np

SAMPLE_RATE = 16000  # Hz, musicnn configuration.SR
N_FFT = 512  # configuration.FFT_SIZE
HOP_LENGTH = 256  # configuration.FFT_HOP
N_MELS = 96  # configuration.N_MELS
PATCH_FRAMES = 187  # 3 s: librosa.time_to_frames(3, sr=16000, hop_length=256, n_fft=512) + 1
LOG_SCALE = 10000.0  # log10(LOG_SCALE * mel + 1), musicnn's "logC" compression
STFT_PAD_MODE = "reflect"  # librosa < 0.10's default, which musicnn ran with


def log_mel(samples: np.ndarray) -> np.ndarray:
    """musicnn's log-compressed mel spectrogram of mono audio at 16 kHz.

    Args:
        samples: 1-D float samples at :data:`SAMPLE_RATE` (16 kHz), nominally in [-1, 1], e.g.
            from ``genre_utils.data.audio.load_audio(path, sample_rate=SAMPLE_RATE)``.

    Returns:
        float32 array of shape ``(n_frames, N_MELS)`` -- time-major, as musicnn -- with
        ``n_frames = 1 + len(samples) // HOP_LENGTH`` (centred frames, 62.5 per second) and
        values ``log10(10000 * float16(mel) + 1)`` (0 for silence, about 2-6 for music).

    Raises:
        ValueError: If ``samples`` is not a non-empty 1-D array of finite values.
    """
    import librosa

    samples = np.asarray(samples, dtype=np.float32)
    if samples.ndim != 1:
        raise ValueError(f"samples must be mono (1-D), got an array of shape {samples.shape}")
    if samples.size == 0:
        raise ValueError("samples is empty: no audio to analyse")
    if not np.all(np.isfinite(samples)):
        raise ValueError("samples contain NaN or infinite values")
    mel = librosa.feature.melspectrogram(
        y=samples, sr=SAMPLE_RATE, n_fft=N_FFT, hop_length=HOP_LENGTH, n_mels=N_MELS, pad_mode=STFT_PAD_MODE
    ).T.astype(np.float32)
    with np.errstate(over="ignore"):
        quantised = mel.astype(np.float16).astype(np.float32)  # musicnn's float16 cast
    quantised = np.where(np.isfinite(quantised), quantised, mel)  # beyond float16's range
    return np.log10(np.float32(LOG_SCALE) * quantised + np.float32(1.0))


def patches(mel: np.ndarray, hop_frames: int | None = None) -> np.ndarray:
    """Cut a musicnn spectrogram into the network's 3 s input patches.

    As musicnn's ``batch_data``: patches of :data:`PATCH_FRAMES` frames start every
    ``hop_frames`` frames from frame 0, and frames after the last complete patch are dropped
    (30 s -> 1876 frames -> 10 patches). A spectrogram shorter than one patch is repeat-padded to
    one patch (musicnn itself crashes there; see the module docstring).

    Args:
        mel: ``(n_frames, N_MELS)`` from :func:`log_mel`.
        hop_frames: Frames between patch starts; ``None`` (default) is :data:`PATCH_FRAMES`,
            i.e. no overlap (musicnn's default). Smaller values overlap the patches.

    Returns:
        float32 array ``(n_patches, PATCH_FRAMES, N_MELS)`` with
        ``n_patches = 1 + (n_frames - PATCH_FRAMES) // hop_frames`` (1 for short input).

    Raises:
        ValueError: If ``mel`` is not a non-empty ``(n_frames, 96)`` array or ``hop_frames`` is
            not a positive integer.
    """
    mel = np.asarray(mel, dtype=np.float32)
    if mel.ndim != 2 or mel.shape[1] != N_MELS:
        raise ValueError(f"mel must have shape (n_frames, {N_MELS}), got {mel.shape}")
    if mel.shape[0] == 0:
        raise ValueError("mel has no frames")
    if hop_frames is None:
        hop_frames = PATCH_FRAMES
    if isinstance(hop_frames, bool) or not isinstance(hop_frames, (int, np.integer)) or hop_frames < 1:
        raise ValueError(f"hop_frames must be a positive integer (or None), got {hop_frames!r}")
    if mel.shape[0] < PATCH_FRAMES:
        repeats = -(-PATCH_FRAMES // mel.shape[0])
        return np.tile(mel, (repeats, 1))[np.newaxis, :PATCH_FRAMES]
    starts = range(0, mel.shape[0] - PATCH_FRAMES + 1, int(hop_frames))
    return np.stack([mel[start : start + PATCH_FRAMES] for start in starts])

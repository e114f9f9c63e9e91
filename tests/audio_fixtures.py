"""Small audio files built by tests: tones, silence and the broken files loaders must survive."""

from __future__ import annotations

import contextlib
from pathlib import Path

import numpy as np
import soundfile

SAMPLE_RATE = 22050


def tone(
    seconds: float, frequency: float = 440.0, sample_rate: int = SAMPLE_RATE, seed: int = 0, noise: float = 0.01
) -> np.ndarray:
    """A harmonic tone with a little noise, float32 mono."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * sample_rate)) / sample_rate
    signal = sum(np.sin(2 * np.pi * frequency * k * t) / k for k in range(1, 6))
    signal = 0.3 * signal / np.max(np.abs(signal)) + noise * rng.standard_normal(t.size)
    return signal.astype(np.float32)


def write_wav(path: Path, samples: np.ndarray, sample_rate: int = SAMPLE_RATE) -> Path:
    """Write 16-bit PCM WAV (``samples`` is (n,) or (n, channels))."""
    path.parent.mkdir(parents=True, exist_ok=True)
    soundfile.write(str(path), samples, sample_rate, subtype="PCM_16")
    return path


def write_gtzan_like(root: Path, genres=("blues", "rock"), clips: int = 3, seconds: float = 4.0) -> Path:
    """A tiny GTZAN-layout tree of tones, one pitch per genre."""
    for g, genre in enumerate(genres):
        for n in range(clips):
            write_wav(root / "genres" / genre / f"{genre}.{n:05d}.wav", tone(seconds, 220.0 * (g + 1) + 10 * n, seed=n))
    return root


def write_broken_files(folder: Path) -> dict[str, str]:
    """Write one file per known failure; returns ``{file name: expected words in the reason}``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "empty.00000.wav").write_bytes(b"")
    good = write_wav(folder / "full.wav", tone(3.0)).read_bytes()
    (folder / "full.wav").unlink()
    (folder / "truncated.00000.wav").write_bytes(good[:30])  # cut inside the RIFF header
    (folder / "headeronly.00000.wav").write_bytes(good[:44])  # header, no samples
    (folder / "notriff.00000.wav").write_text("this is an HTML error page, not audio\n" * 20)
    write_wav(folder / "silent.00000.wav", np.zeros(SAMPLE_RATE * 3, dtype=np.float32))
    write_wav(folder / "tiny.00000.wav", tone(0.5))
    return {
        "empty.00000.wav": "empty",
        "truncated.00000.wav": "No 'data' chunk",
        "headeronly.00000.wav": "",
        "notriff.00000.wav": "Format not recognised",
        "silent.00000.wav": "silent",
        "tiny.00000.wav": "too short",
    }


@contextlib.contextmanager
def counting_extracted_chunks():
    """Count the chunks the feature store extracts while the block runs (yields the list of calls)."""
    from genre_utils.features import store as feature_store

    calls, real = [], feature_store.extract_chunk

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    feature_store.extract_chunk = counting
    try:
        yield calls
    finally:
        feature_store.extract_chunk = real


def interruptible() -> None:
    """``preexec_fn`` for a child that a test stops with Ctrl-C (SIGINT).

    A shell starts background jobs with SIGINT ignored, and an ignored signal stays ignored across
    ``exec``, so Python would never raise KeyboardInterrupt in a child of a test run in the
    background (``make test &``). Restoring the default disposition makes the child behave as
    one started from a terminal.
    """
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)

"""A deterministic generator of genre-like music, the project's embedded default data.

Each of the 10 GTZAN genre names gets musical traits: a tempo range, a drum pattern (or none),
swing, a harmonic timbre built from additive partials, distortion, a bass line style, a chord
progression and how chords are played. Every clip draws its own key, tempo, levels, noise
floor and detuning from a generator seeded by ``(seed, genre, clip index)``, and with some
probability borrows one trait from a related genre (rock/metal, pop/disco, blues/jazz/country,
hiphop/reggae), so the classes overlap and a classifier has to learn rather than look up.

This is not music and says nothing about real recordings; it exists so the notebooks run
anywhere in minutes. Reports built on it say so.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import numpy as np

GENRES = ("blues", "classical", "country", "disco", "hiphop", "jazz", "metal", "pop", "reggae", "rock")
SAMPLE_RATE = 22050
DEFAULT_CLIPS_PER_GENRE = 20
DEFAULT_SECONDS = 10.0
DEFAULT_SEED = 0
GENERATOR_VERSION = 2
MANIFEST_NAME = "synthetic.json"
BORROW_PROBABILITY = 0.4  # chance, per draw, that a clip takes a trait from a related genre
BORROWED_TRAITS = 2  # draws per clip
LOWPASS_HZ = (2500.0, 11000.0)  # range of the per-clip "recording" low-pass cutoff

MAJOR = (0, 2, 4, 5, 7, 9, 11)
MINOR = (0, 2, 3, 5, 7, 8, 10)
# Drum patterns over one bar of 16 steps: kick, snare, hi-hat (x = hit).
DRUMS = {
    "none": ("", "", ""),
    "rock": ("x.......x.x.....", "....x.......x...", "x.x.x.x.x.x.x.x."),
    "metal": ("x.x.x.x.x.x.x.x.", "....x.......x...", "x...x...x...x..."),
    "disco": ("x...x...x...x...", "....x.......x...", "..x...x...x...x."),
    "hiphop": ("x......x..x.....", "....x.......x...", "x.x.x.x.x.x.x.xx"),
    "reggae": ("........x.......", "........x.......", "..x...x...x...x."),
    "shuffle": ("x.......x.......", "....x.......x...", "x..x..x.x..x..x."),
    "ride": ("x...........x...", "......x.......x.", "x...x.x.x...x.x."),
    "train": ("x.......x.......", "....x.......x...", "xxxxxxxxxxxxxxxx"),
}
# Traits: tempo range (BPM), drums, swing, partial roll-off exponent, inharmonicity,
# distortion drive, bass style, comping style, mode, progression (scale degrees), noise level.
TRAITS = {
    "blues": dict(tempo=(70, 110), drums="shuffle", swing=0.30, rolloff=1.4, inharm=0.0, drive=1.5, bass="walking",
                  comp="stabs", mode=MAJOR, prog=(0, 3, 0, 4), noise=0.004),
    "classical": dict(tempo=(60, 100), drums="none", swing=0.0, rolloff=2.2, inharm=0.0, drive=0.0, bass="sustain",
                      comp="arpeggio", mode=MAJOR, prog=(0, 3, 4, 0), noise=0.002),
    "country": dict(tempo=(90, 130), drums="train", swing=0.05, rolloff=1.2, inharm=0.002, drive=0.0, bass="root_fifth",
                    comp="strum", mode=MAJOR, prog=(0, 3, 4, 0), noise=0.004),
    "disco": dict(tempo=(110, 130), drums="disco", swing=0.0, rolloff=0.9, inharm=0.0, drive=0.3, bass="octave",
                  comp="offbeat", mode=MINOR, prog=(0, 5, 3, 4), noise=0.003),
    "hiphop": dict(tempo=(80, 100), drums="hiphop", swing=0.15, rolloff=1.8, inharm=0.0, drive=0.5, bass="sub",
                   comp="sparse", mode=MINOR, prog=(0, 0, 5, 4), noise=0.006),
    "jazz": dict(tempo=(100, 180), drums="ride", swing=0.33, rolloff=1.9, inharm=0.001, drive=0.0, bass="walking",
                 comp="sparse", mode=MAJOR, prog=(1, 4, 0, 5), noise=0.003),
    "metal": dict(tempo=(120, 180), drums="metal", swing=0.0, rolloff=0.7, inharm=0.0, drive=8.0, bass="eighths",
                  comp="power", mode=MINOR, prog=(0, 5, 6, 0), noise=0.008),
    "pop": dict(tempo=(95, 125), drums="disco", swing=0.0, rolloff=1.1, inharm=0.0, drive=0.2, bass="eighths",
                comp="pad", mode=MAJOR, prog=(0, 4, 5, 3), noise=0.003),
    "reggae": dict(tempo=(65, 90), drums="reggae", swing=0.1, rolloff=1.5, inharm=0.0, drive=0.0, bass="offbeat",
                   comp="skank", mode=MAJOR, prog=(0, 3, 0, 4), noise=0.004),
    "rock": dict(tempo=(100, 150), drums="rock", swing=0.0, rolloff=0.9, inharm=0.0, drive=3.0, bass="eighths",
                 comp="power", mode=MAJOR, prog=(0, 4, 5, 3), noise=0.006),
}
RELATED = {"blues": ("jazz", "country", "rock"), "classical": ("jazz",), "country": ("blues", "rock", "pop"),
           "disco": ("pop", "hiphop"), "hiphop": ("reggae", "disco", "pop"), "jazz": ("blues", "classical"),
           "metal": ("rock",), "pop": ("disco", "rock", "country"), "reggae": ("hiphop", "pop"),
           "rock": ("metal", "pop", "blues")}


def clip_seed(seed: int, genre: str, index: int) -> np.random.SeedSequence:
    """The seed of one clip: independent of order, parallelism and the other clips."""
    return np.random.SeedSequence([int(seed), GENRES.index(genre), int(index), GENERATOR_VERSION])


def synthesize_clip(genre: str, seed: int, seconds: float = DEFAULT_SECONDS, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """One clip of ``genre`` as float32 mono samples in [-1, 1], deterministic in its arguments."""
    if genre not in TRAITS:
        raise ValueError(f"unknown genre {genre!r}; expected one of {', '.join(GENRES)}")
    rng = np.random.default_rng(seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(int(seed)))
    traits = dict(TRAITS[genre])
    for _ in range(BORROWED_TRAITS):  # traits taken from a related genre make the classes overlap
        if rng.random() < BORROW_PROBABILITY:
            donor = TRAITS[RELATED[genre][rng.integers(len(RELATED[genre]))]]
            name = ("tempo", "drums", "swing", "rolloff", "drive", "bass", "comp", "prog")[rng.integers(8)]
            traits[name] = donor[name]
    n = int(round(seconds * sample_rate))
    tempo = rng.uniform(*traits["tempo"])
    step = 60.0 / tempo / 4  # seconds per 16th note
    key = 40 + int(rng.integers(12))  # MIDI note of the tonic's bass
    t_step = np.arange(int(seconds / step) + 1) * step
    swing = traits["swing"] * rng.uniform(0.7, 1.3)
    onsets = t_step + np.where(np.arange(t_step.size) % 2 == 1, swing * step, 0.0)
    rolloff = traits["rolloff"] * rng.uniform(0.6, 1.5)
    detune = rng.normal(0, 0.003)
    out = np.zeros(n, dtype=np.float64)
    harmonic = np.zeros(n, dtype=np.float64)

    def note(buffer, start, length, midi, level, partials=8, decay=3.0, roll=rolloff):
        first = int(start * sample_rate)
        count = min(int(length * sample_rate), n - first)
        if count <= 0 or first < 0:
            return
        t = np.arange(count) / sample_rate
        f0 = 440.0 * 2 ** ((midi - 69) / 12) * (1 + detune)
        k = np.arange(1, partials + 1)[:, None]
        freqs = f0 * k * np.sqrt(1 + traits["inharm"] * k**2)
        amps = (k ** -roll) * (freqs < sample_rate / 2)
        tone = (amps * np.sin(2 * np.pi * freqs * t + rng.uniform(0, 2 * np.pi, (partials, 1)))).sum(axis=0)
        envelope = np.minimum(t / 0.005, 1.0) * np.exp(-decay * t)
        buffer[first : first + count] += level * tone * envelope

    scale = np.array(traits["mode"])
    degrees = traits["prog"]
    bar = 16 * step
    levels = {"drums": rng.uniform(0.5, 1.0), "bass": rng.uniform(0.4, 0.8), "comp": rng.uniform(0.2, 0.45),
              "lead": rng.uniform(0.1, 0.3)}
    for b in range(int(seconds / bar) + 1):
        degree = degrees[b % len(degrees)]
        root = key + scale[degree % 7]
        chord = [key + 12 + scale[(degree + i) % 7] + 12 * ((degree + i) // 7) for i in (0, 2, 4)]
        t0 = b * bar
        _bass(note, out, traits["bass"], t0, step, root, scale, key, levels["bass"], rng)
        _comp(note, harmonic, traits["comp"], t0, step, chord, levels["comp"], rng, onsets, b)
        for s in range(0, 16, int(rng.choice([2, 4, 4, 8]))):  # a sparse melody from the scale
            if rng.random() < 0.6 and b * 16 + s < onsets.size:
                note(harmonic, onsets[b * 16 + s], step * 2, key + 24 + scale[rng.integers(7)], levels["lead"], decay=4)
    drive = traits["drive"] * rng.uniform(0.3, 1.7)
    if drive > 0.05:
        harmonic = np.tanh(drive * harmonic) / np.tanh(drive)
    out += harmonic
    _drums(out, DRUMS[traits["drums"]], onsets, levels["drums"], sample_rate, rng)
    out += traits["noise"] * rng.uniform(0.5, 4.0) * rng.standard_normal(n)
    out = _recording_colour(out, rng.uniform(*LOWPASS_HZ), sample_rate)
    peak = np.max(np.abs(out)) or 1.0
    return (out / peak * rng.uniform(0.5, 0.9)).astype(np.float32)


def _recording_colour(samples: np.ndarray, cutoff_hz: float, sample_rate: int) -> np.ndarray:
    """A one-pole low-pass: each clip sounds as if recorded through a different chain."""
    from scipy.signal import lfilter

    alpha = 1.0 - np.exp(-2.0 * np.pi * cutoff_hz / sample_rate)
    return lfilter([alpha], [1.0, alpha - 1.0], samples)


def _bass(note, out, style, t0, step, root, scale, key, level, rng):
    if style == "sustain":
        note(out, t0, 16 * step, root, level * 0.7, partials=4, decay=0.5)
    elif style == "walking":
        for beat in range(4):
            note(out, t0 + 4 * beat * step, 4 * step, key + scale[(beat * 2 + rng.integers(3)) % 7], level, 5, 4.0)
    elif style == "root_fifth":
        for beat in range(4):
            note(out, t0 + 4 * beat * step, 3 * step, root + (7 if beat % 2 else 0), level, 5, 5.0)
    elif style == "octave":
        for eighth in range(8):
            note(out, t0 + 2 * eighth * step, 2 * step, root + (12 if eighth % 2 else 0), level, 6, 8.0)
    elif style == "sub":
        note(out, t0, 10 * step, root - 12, level * 1.3, partials=2, decay=0.8)
    elif style == "offbeat":
        for beat in range(4):
            note(out, t0 + (4 * beat + 2) * step, 2 * step, root, level, 4, 3.0)
    else:  # eighths
        for eighth in range(8):
            note(out, t0 + 2 * eighth * step, 2 * step, root, level, 6, 6.0)


def _comp(note, out, style, t0, step, chord, level, rng, onsets, bar_index):
    if style == "pad":
        for pitch in chord:
            note(out, t0, 16 * step, pitch, level * 0.6, decay=0.3)
    elif style == "arpeggio":
        for s in range(0, 16, 2):
            note(out, t0 + s * step, 3 * step, chord[(s // 2) % 3] + 12 * ((s // 6) % 2), level, decay=1.5)
    elif style == "power":
        for s in range(0, 16, 2):
            for pitch in (chord[0] - 12, chord[0] - 5):
                note(out, t0 + s * step, 2 * step, pitch, level, partials=10, decay=2.0)
    else:  # rhythmic comping: which 16th steps get the chord
        steps = {"skank": (4, 12), "offbeat": (2, 6, 10, 14), "strum": (0, 4, 6, 8, 12, 14),
                 "stabs": (0, 6, 10), "sparse": tuple(sorted(rng.choice(16, 3, replace=False)))}[style]
        for s in steps:
            index = bar_index * 16 + s
            if index < onsets.size:
                for pitch in chord:
                    note(out, onsets[index], 1.5 * step, pitch, level, decay=6.0)


def _drums(out, pattern, onsets, level, sample_rate, rng):
    kick, snare, hat = pattern
    length = int(0.25 * sample_rate)
    t = np.arange(length) / sample_rate
    sounds = {
        0: np.sin(2 * np.pi * (50 * t + 100 * (1 - np.exp(-t * 30)) / 30)) * np.exp(-t * 18),  # kick
        1: (0.6 * rng.standard_normal(length) + 0.5 * np.sin(2 * np.pi * 190 * t)) * np.exp(-t * 25),  # snare
        2: 0.3 * np.diff(rng.standard_normal(length + 1)) * np.exp(-t * 90),  # hi-hat (high-passed noise)
    }
    for voice, line in enumerate((kick, snare, hat)):
        if not line:
            continue
        for index, start in enumerate(onsets):
            if line[index % 16] == "x":
                first = int(start * sample_rate)
                count = min(length, out.size - first)
                if count > 0:
                    out[first : first + count] += level * rng.uniform(0.7, 1.0) * sounds[voice][:count]


def generate(root, clips_per_genre: int = DEFAULT_CLIPS_PER_GENRE, seconds: float = DEFAULT_SECONDS,
             seed: int = DEFAULT_SEED, progress: bool = True) -> Path:
    """Write ``<root>/genres/<genre>/<genre>.000NN.wav`` (22050 Hz mono 16-bit) and ``synthetic.json``.

    Only missing clips are written; with other parameters than the recorded ones, every clip
    is regenerated and clips beyond the new count are removed. Each file is written atomically.

    Returns:
        ``root``.
    """
    import soundfile
    from tqdm.auto import tqdm

    if isinstance(clips_per_genre, bool) or not isinstance(clips_per_genre, (int, np.integer)) or clips_per_genre < 1:
        raise ValueError(f"clips_per_genre must be an integer >= 1, got {clips_per_genre!r}")
    if not 1.0 <= float(seconds) <= 60.0:
        raise ValueError(f"seconds must be between 1 and 60, got {seconds!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be an integer >= 0, got {seed!r}")
    root = Path(root)
    settings = {"clips_per_genre": int(clips_per_genre), "seconds": float(seconds), "seed": int(seed),
                "generator_version": GENERATOR_VERSION, "sample_rate": SAMPLE_RATE}
    manifest = root / MANIFEST_NAME
    previous = json.loads(manifest.read_text()) if manifest.is_file() else None
    same = previous is not None and all(previous.get(k) == v for k, v in settings.items())
    if same and previous.get("complete") and all(
        (root / "genres" / g / f"{g}.{i:05d}.wav").is_file() for g in GENRES for i in range(clips_per_genre)
    ):
        return root
    root.mkdir(parents=True, exist_ok=True)
    _write_manifest(manifest, {**settings, "complete": False})  # a killed run resumes from here
    wanted = [(genre, i) for genre in GENRES for i in range(clips_per_genre)]
    paths = {(g, i): root / "genres" / g / f"{g}.{i:05d}.wav" for g, i in wanted}
    for genre in GENRES:  # clips of an older, larger configuration
        for stale in sorted((root / "genres" / genre).glob(f"{genre}.*.wav")):
            if stale not in paths.values():
                stale.unlink()
    todo = [key for key in wanted if not (same and paths[key].is_file())]
    for genre, index in tqdm(todo, desc="generating synthetic clips", unit="clip", disable=not progress):
        path = paths[(genre, index)]
        path.parent.mkdir(parents=True, exist_ok=True)
        samples = synthesize_clip(genre, clip_seed(seed, genre, index), seconds)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".wav")
        os.close(handle)
        soundfile.write(temporary, samples, SAMPLE_RATE, subtype="PCM_16", format="WAV")
        os.replace(temporary, path)
    _write_manifest(manifest, {**settings, "complete": True})
    return root


def _write_manifest(path: Path, settings: dict) -> None:
    note = "Synthetic genre-like clips generated by genre_utils.datasets.synthetic_audio; not music recordings."
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".synthetic.", suffix=".json")
    with os.fdopen(handle, "w") as stream:
        json.dump({**settings, "note": note}, stream, indent=2)
    os.replace(temporary, path)

"""Musical traits of the synthetic genres: instruments, drum patterns, scales and styles.

The tables that :mod:`genre_utils.data.datasets.synthetic_audio` renders from. Each of the 10 GTZAN
genre names has a :class:`Style`; :data:`RELATED` lists the genres whose traits a clip of a
genre may borrow, so that the classes overlap as real genres do.
"""

from __future__ import annotations

from dataclasses import dataclass

STEPS = 16  # sixteenth notes per 4/4 bar
MAX_PARTIAL_HZ = 9000.0  # partials above this are not rendered (the "recording" removes them)
NOISE_REFERENCE_RMS = 0.3  # Style.noise is the hiss RMS under a mix of this RMS
BASS_LOW, GUITAR_LOW, COMP_LOW, LEAD_LOW = 36, 40, 55, 60  # MIDI: lowest root of each register
HIT_LEVELS = {"x": 1.0, "o": 0.4}  # drum pattern characters: hit, ghost note

# Scales (semitones above the key) and chords (semitones above the root).
MAJOR = (0, 2, 4, 5, 7, 9, 11)
DORIAN = (0, 2, 3, 5, 7, 9, 10)
PHRYGIAN = (0, 1, 3, 5, 7, 8, 10)
PENTATONIC_MAJOR = (0, 2, 4, 7, 9)
PENTATONIC_MINOR = (0, 3, 5, 7, 10)
BLUES_SCALE = (0, 3, 5, 6, 7, 10)
CHORDS = {
    "maj": (0, 4, 7),
    "min": (0, 3, 7),
    "7": (0, 4, 7, 10),
    "m7": (0, 3, 7, 10),
    "maj7": (0, 4, 7, 11),
    "5": (0, 7, 12),
}
# One bar of kick, snare and hi-hat or cymbal, and the cymbal's decay rate in 1/s (below 20 it
# rings like a ride, crash or open hat).
DRUM_PATTERNS = {
    "none": ("", "", "", 0.0),
    "shuffle": ("x.......x.......", "....x.......x...", "x.x.x.x.x.x.x.x.", 45.0),
    "train": ("x.......x.......", "o.o.x.o.o.o.x.o.", "", 60.0),  # brushed country two-step
    "disco": ("x...x...x...x...", "....x.......x...", "..x...x...x...x.", 14.0),  # open off-beat hats
    "boombap": ("x......x..x.....", "....x.......x...", "x.x.x.x.x.x.x.x.", 70.0),
    "ride": ("o...o...o...o...", "......o.......o.", "x...x.x.x...x.x.", 8.0),  # jazz ride, feathered kick
    "metal": ("xxxxxxxxxxxxxxxx", "....x.......x...", "x...x...x...x...", 10.0),  # double kick, crashes
    "pop": ("x.......x.x.....", "....x.......x...", "x.x.x.x.x.x.x.x.", 60.0),
    "onedrop": ("........x.......", "........x.......", "x.x.x.x.x.x.x.x.", 50.0),  # reggae
    "rock": ("x.....x.x.......", "....x.......x...", "x.x.x.x.x.x.x.x.", 40.0),
}


@dataclass(frozen=True)
class Timbre:
    """An additive instrument: partial ``k`` has amplitude ``k ** -rolloff``."""

    rolloff: float
    hollow: float = 0.0
    inharmonicity: float = 0.0
    attack: float = 0.005
    decay: float = 2.0
    vibrato: float = 0.0
    partials: int = 10


PIANO = Timbre(rolloff=1.7, inharmonicity=4e-4, attack=0.003, decay=2.5)
ORGAN = Timbre(rolloff=1.1, hollow=0.4, attack=0.01, decay=0.1, partials=9)
STRINGS = Timbre(rolloff=1.5, attack=0.12, decay=0.25, vibrato=0.005)
SAXOPHONE = Timbre(rolloff=1.3, hollow=0.3, attack=0.03, decay=0.4, vibrato=0.006)
RHODES = Timbre(rolloff=2.3, inharmonicity=2e-4, attack=0.004, decay=1.8, partials=6)
STEEL_GUITAR = Timbre(rolloff=1.0, inharmonicity=8e-4, attack=0.002, decay=3.5, partials=12)
FIDDLE = Timbre(rolloff=1.2, attack=0.05, decay=0.3, vibrato=0.006, partials=12)
SYNTH_PAD = Timbre(rolloff=1.0, attack=0.06, decay=0.2, vibrato=0.002, partials=12)
CLAV = Timbre(rolloff=0.9, hollow=0.2, attack=0.002, decay=6.0, partials=12)
GUITAR = Timbre(rolloff=1.1, inharmonicity=3e-4, attack=0.004, decay=1.5, partials=12)
SKANK_GUITAR = Timbre(rolloff=1.3, attack=0.002, decay=7.0, partials=10)
BASS_TIMBRES = {  # by bass line style
    "sustain": Timbre(rolloff=1.8, attack=0.08, decay=0.3, vibrato=0.004, partials=8),  # cello
    "walking": Timbre(rolloff=2.2, attack=0.004, decay=3.0, partials=6),  # upright bass
    "boogie": Timbre(rolloff=2.0, attack=0.004, decay=3.0, partials=6),
    "root_fifth": Timbre(rolloff=2.0, attack=0.004, decay=4.0, partials=6),
    "octave": Timbre(rolloff=1.4, attack=0.003, decay=5.0, partials=8),  # funky, bright
    "sub": Timbre(rolloff=3.5, attack=0.005, decay=1.0, partials=3),  # 808
    "reggae": Timbre(rolloff=2.8, attack=0.006, decay=1.5, partials=4),  # deep and round
    "eighths": Timbre(rolloff=1.6, attack=0.003, decay=4.0, partials=8),  # picked
}


@dataclass(frozen=True)
class Style:
    """Musical traits of a genre; every clip randomizes around them."""

    tempo: tuple[float, float]
    drums: str
    swing: float
    timing: float
    timbres: tuple[Timbre, ...]
    drive: float
    bass: str
    comp: str
    progression: tuple[tuple[int, str], ...]
    melody: tuple[int, ...]
    lead: float
    drum_level: float
    bandwidth: tuple[float, float]
    noise: float
    bass_level: float = 1.0
    crackle: float = 0.0
    loudness: float = 0.0
    swell: float = 0.0


TWELVE_BAR = (0, 5, 0, 0, 5, 5, 0, 0, 7, 5, 0, 7)  # blues roots, one per bar


def _chords(quality: str, *roots: int) -> tuple[tuple[int, str], ...]:
    return tuple((root, quality) for root in roots)


# fmt: off
STYLES = {
    "blues": Style(
        tempo=(70, 110), drums="shuffle", swing=0.9, timing=0.008, timbres=(GUITAR, PIANO, ORGAN), drive=2.0,
        bass="boogie", comp="boogie", progression=_chords("7", *TWELVE_BAR), melody=BLUES_SCALE, lead=0.45,
        drum_level=0.7, bandwidth=(2500, 7000), noise=0.006, crackle=2.0, loudness=0.6, swell=0.1,
    ),
    "classical": Style(
        tempo=(60, 100), drums="none", swing=0.0, timing=0.012, timbres=(STRINGS, PIANO), drive=0.0, bass="sustain",
        comp="arpeggio",
        progression=_chords("maj", 0, 5) + ((7, "7"), (0, "maj")) + _chords("min", 9, 2) + ((7, "7"), (0, "maj")),
        melody=MAJOR, lead=0.6, drum_level=0.0, bass_level=0.6, bandwidth=(4000, 10000), noise=0.002, swell=0.5,
    ),
    "country": Style(
        tempo=(90, 140), drums="train", swing=0.15, timing=0.005, timbres=(STEEL_GUITAR, FIDDLE), drive=0.0,
        bass="root_fifth", comp="strum", progression=_chords("maj", 0, 5, 0, 7), melody=PENTATONIC_MAJOR, lead=0.5,
        drum_level=0.6, bandwidth=(4500, 10000), noise=0.003, loudness=0.5, swell=0.05,
    ),
    "disco": Style(
        tempo=(110, 130), drums="disco", swing=0.0, timing=0.002, timbres=(SYNTH_PAD, CLAV, STRINGS), drive=0.3,
        bass="octave", comp="offbeat", progression=_chords("m7", 0, 5, 0) + ((10, "7"),), melody=DORIAN, lead=0.35,
        drum_level=0.9, bass_level=1.2, bandwidth=(6000, 10000), noise=0.002, loudness=1.2,
    ),
    "hiphop": Style(
        tempo=(80, 100), drums="boombap", swing=0.35, timing=0.003, timbres=(RHODES, PIANO, STRINGS), drive=0.5,
        bass="sub", comp="loop", progression=((0, "m7"), (8, "maj7"), (0, "m7"), (7, "min")), melody=PENTATONIC_MINOR,
        lead=0.15, drum_level=1.3, bass_level=1.5, bandwidth=(3500, 8000), noise=0.004, crackle=8.0, loudness=1.2,
    ),
    "jazz": Style(
        tempo=(100, 200), drums="ride", swing=0.8, timing=0.01, timbres=(PIANO, ORGAN, SAXOPHONE), drive=0.0,
        bass="walking", comp="sparse", progression=((2, "m7"), (7, "7"), (0, "maj7"), (9, "7")), melody=DORIAN,
        lead=0.55, drum_level=0.45, bass_level=0.9, bandwidth=(3000, 8000), noise=0.004, crackle=2.0, loudness=0.2,
        swell=0.2,
    ),
    "metal": Style(
        tempo=(120, 200), drums="metal", swing=0.0, timing=0.003, timbres=(GUITAR,), drive=10.0, bass="eighths",
        comp="chug", progression=_chords("5", 0, 1, 8, 10), melody=PHRYGIAN, lead=0.3, drum_level=0.9,
        bandwidth=(6000, 10000), noise=0.004, loudness=2.0,
    ),
    "pop": Style(
        tempo=(95, 125), drums="pop", swing=0.05, timing=0.002, timbres=(SYNTH_PAD, PIANO), drive=0.2, bass="eighths",
        comp="pad", progression=((0, "maj"), (7, "maj"), (9, "min"), (5, "maj")), melody=MAJOR, lead=0.6,
        drum_level=0.8, bandwidth=(7000, 11000), noise=0.002, loudness=1.5,
    ),
    "reggae": Style(
        tempo=(65, 90), drums="onedrop", swing=0.25, timing=0.005, timbres=(SKANK_GUITAR, ORGAN), drive=0.0,
        bass="reggae", comp="skank", progression=_chords("maj", 0, 5, 0, 7), melody=PENTATONIC_MAJOR, lead=0.3,
        drum_level=0.7, bass_level=1.5, bandwidth=(4000, 9000), noise=0.003, crackle=1.0, loudness=0.6,
    ),
    "rock": Style(
        tempo=(100, 150), drums="rock", swing=0.0, timing=0.004, timbres=(GUITAR,), drive=3.5, bass="eighths",
        comp="power", progression=_chords("maj", 0, 10, 5, 0), melody=PENTATONIC_MINOR, lead=0.35, drum_level=0.85,
        bandwidth=(5000, 10000), noise=0.003, loudness=1.3,
    ),
}
# fmt: on
RELATED = {
    "blues": ("jazz", "country", "rock"),
    "classical": ("jazz",),
    "country": ("blues", "rock", "pop"),
    "disco": ("pop", "hiphop"),
    "hiphop": ("reggae", "disco", "pop"),
    "jazz": ("blues", "classical"),
    "metal": ("rock",),
    "pop": ("disco", "rock", "country"),
    "reggae": ("hiphop", "pop"),
    "rock": ("metal", "pop", "blues"),
}  # genres whose traits a clip may borrow

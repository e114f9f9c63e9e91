"""The embedded default dataset: synthetic music in the GTZAN layout, generated from a seed.

Nothing is downloaded: :func:`download` generates ``<root>/genres/<genre>/<genre>.000NN.wav``
(22050 Hz mono 16-bit) with :mod:`genre_utils.data.datasets.synthetic_audio`, where each of the 10
GTZAN genre names has musical traits (tempo range, drum pattern, swing, timbre, distortion,
bass line) randomized per clip, so classes overlap and a model has to learn. The same GTZAN
code path then reads it. It exists so that every notebook runs in minutes on a laptop;
results on it say nothing about real music, and reports label it as synthetic.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd

from genre_utils import paths
from genre_utils.data.datasets import gtzan
from genre_utils.data.datasets import synthetic_audio
from genre_utils.data.datasets import table as track_table

NAME = "synthetic"
GENRES = synthetic_audio.GENRES
SPLITS = ("thesis", "kfold", "file")  # the splits of genre_utils.data.splits that apply (thesis: 20 % per genre)
MANIFEST_NAME = "synthetic.json"
DEFAULT_CLIPS_PER_GENRE = synthetic_audio.DEFAULT_CLIPS_PER_GENRE
DEFAULT_SECONDS = synthetic_audio.DEFAULT_SECONDS
DEFAULT_SEED = synthetic_audio.DEFAULT_SEED


def default_root() -> Path:
    """``<data root>/synthetic``."""
    return paths.dataset_dir(NAME)


def download(
    root: str | os.PathLike | None = None,
    progress: bool = True,
    clips_per_genre: int = DEFAULT_CLIPS_PER_GENRE,
    seconds: float = DEFAULT_SECONDS,
    seed: int = DEFAULT_SEED,
) -> Path:
    """Generate the clips into ``root`` (only the missing ones; all if parameters changed)."""
    root = Path(root) if root is not None else default_root()
    return synthetic_audio.generate(root, clips_per_genre=clips_per_genre, seconds=seconds, seed=seed, progress=progress)


def parameters(root: str | os.PathLike | None = None) -> dict:
    """The generator parameters recorded in ``<root>/synthetic.json``.

    Raises:
        FileNotFoundError: If the set was never generated there.
    """
    root = Path(root) if root is not None else default_root()
    manifest = root / MANIFEST_NAME
    if not manifest.is_file():
        raise FileNotFoundError(
            f"no synthetic dataset in {root} (missing {MANIFEST_NAME}): run "
            f"`python -m genre_utils.prepare download --dataset synthetic` or call download()"
        )
    recorded = json.loads(manifest.read_text())
    if not recorded.get("complete", False):
        raise FileNotFoundError(f"the synthetic dataset in {root} is incomplete (generation was interrupted): run download() again")
    return recorded


def clip_seconds(root: str | os.PathLike | None = None) -> float:
    """Length of the generated clips, which features are padded or cropped to."""
    return float(parameters(root)["seconds"])


def load_tracks(root: str | os.PathLike | None = None) -> pd.DataFrame:
    """The track table (same columns as GTZAN's)."""
    root = Path(root) if root is not None else default_root()
    parameters(root)  # a clear error when it was never generated
    return gtzan.load_tracks(root)


def validate(root: str | os.PathLike | None = None, progress: bool = True) -> pd.DataFrame:
    """Decode every clip and return the track table with failures marked in ``status``."""
    return track_table.decode_check(load_tracks(root), progress=progress)

"""Shared pytest fixtures.

``../shared`` (beside the project root) holds real GTZAN excerpts and reference tables for
development; a user's clone does not have it, so the fixtures that need it skip cleanly.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytest_plugins = ["fma_fixtures"]  # the mp3_bytes fixture, for the FMA and README tests

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHARED_DIR = Path(os.environ.get("GENRE_SHARED_DIR", PROJECT_ROOT.parent / "shared"))


def pytest_configure(config):
    """Before pytest-xdist starts its workers: compile librosa's numba functions for every feature kind once.

    Several test processes compiling them at the same moment on a fresh install would write
    librosa's on-disk numba cache together, and one can load a half-written entry and crash
    (:func:`genre_utils.features.store.warm_up` guards a run's own workers the same way).
    """
    if hasattr(config, "workerinput") or not getattr(config.option, "numprocesses", None):
        return  # an xdist worker, or a run without workers
    from genre_utils.features.kinds import FEATURE_KINDS, FeatureConfig
    from genre_utils.features.store import warm_up

    for kind in FEATURE_KINDS:
        warm_up(FeatureConfig(kind=kind))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data``, or skip when this checkout has no shared folder beside it."""
    path = SHARED_DIR / "data"
    if not path.is_dir():
        pytest.skip(f"no shared data folder at {path} (only developers and CI have it)")
    return path


@pytest.fixture(scope="session")
def gtzan_excerpts(shared_data: Path) -> Path:
    """Root of the 100 real GTZAN clips in the original archive layout (``genres/<genre>/``)."""
    path = shared_data / "gtzan_excerpts"
    if not (path / "genres").is_dir():
        pytest.skip(f"no GTZAN excerpts at {path}")
    return path


@pytest.fixture(scope="session")
def gtzan_split_lists(shared_data: Path) -> Path:
    """Folder with the fault-filtered ``{train,valid,test}_filtered.txt`` lists."""
    path = shared_data / "gtzan_splits"
    if not (path / "train_filtered.txt").is_file():
        pytest.skip(f"no GTZAN split lists at {path}")
    return path


SYNTHETIC_CLIPS_PER_GENRE = 16  # enough test tracks (4 per genre) for a learning check
SYNTHETIC_SECONDS = 4.0


@pytest.fixture(scope="session")
def synthetic_store(tmp_path_factory):
    """MFCC feature store of a small generated synthetic set (160 clips of 4 s), built once."""
    from genre_utils.data.datasets import synthetic
    from genre_utils.features.kinds import FeatureConfig
    from genre_utils.features.store import build_feature_store

    root = tmp_path_factory.mktemp("synthetic")
    synthetic.DATASET.download(
        root, clips_per_genre=SYNTHETIC_CLIPS_PER_GENRE, seconds=SYNTHETIC_SECONDS, progress=False
    )
    tracks = synthetic.DATASET.load_tracks(root)
    config = FeatureConfig(kind="mfcc", clip_seconds=SYNTHETIC_SECONDS)
    return build_feature_store(tracks, "synthetic", config, cache_dir=root / "features", workers=1, progress=False)

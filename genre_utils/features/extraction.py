"""A dataset's features in one call: its track table read, its cached feature store built or reused."""

from __future__ import annotations

import os

from genre_utils.data.datasets import get_dataset
from genre_utils.features.kinds import FeatureConfig
from genre_utils.features.store import FeatureSet, build_feature_store


def prepare_features(
    dataset: str,
    root: str | os.PathLike | None = None,
    kind: str = "mfcc",
    cache_dir: str | os.PathLike | None = None,
    workers: int | None = None,
    progress: bool = True,
    scheduler: str | None = None,
    **config_overrides,
) -> FeatureSet:
    """Load a dataset's track table and return its (cached) features.

    Args:
        dataset: A registered dataset (:func:`genre_utils.data.datasets.dataset_names`).
        root: Dataset folder; defaults as in :func:`genre_utils.data.datasets.dataset_root`.
        kind: ``mfcc`` (thesis), ``logmel`` or ``chroma``.
        cache_dir: Feature cache folder; defaults to ``$GENRE_CACHE_DIR/features`` when that is
            set, else ``<data root>/features``.
        workers: Extraction processes on this machine (default: all cores).
        progress: Show progress bars.
        scheduler: Dask scheduler address; defaults to ``$GENRE_DASK_SCHEDULER``, else a LocalCluster.
        **config_overrides: Other :class:`~genre_utils.features.kinds.FeatureConfig` fields.

    Returns:
        The complete feature store; unreadable clips are in its ``skipped`` table.
    """
    declaration = get_dataset(dataset)
    folder = declaration.root(root)
    tracks = declaration.load_tracks(folder)
    config_overrides.setdefault("clip_seconds", declaration.clip_seconds(folder))
    config = FeatureConfig(kind=kind, **config_overrides)
    return build_feature_store(
        tracks, dataset, config, cache_dir=cache_dir, workers=workers, progress=progress, scheduler=scheduler
    )

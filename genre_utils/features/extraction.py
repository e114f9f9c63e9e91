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
    """The (cached) feature store of a registered dataset's tracks; unreadable clips are in its ``skipped`` table.

    ``root`` is the dataset's folder; ``config_overrides`` are other :class:`~genre_utils.features.kinds.FeatureConfig`
    fields; the rest go to :func:`~genre_utils.features.store.build_feature_store`.
    """
    declaration = get_dataset(dataset)
    folder = declaration.root(root)
    tracks = declaration.load_tracks(folder)
    config_overrides.setdefault("clip_seconds", declaration.clip_seconds(folder))
    config = FeatureConfig(kind=kind, **config_overrides)
    return build_feature_store(
        tracks, dataset, config, cache_dir=cache_dir, workers=workers, progress=progress, scheduler=scheduler
    )

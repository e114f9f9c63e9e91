"""Dataset loaders: one small module per dataset, each returning a track table.

Every module exposes the same functions:

- ``download(root=None, progress=True)``: fetch (or, for ``synthetic``, generate) the data
  into ``root`` and return the dataset folder; nothing is fetched when it is already there.
- ``load_tracks(root=None)``: the track table (see :mod:`genre_utils.data.datasets.table`).
- ``validate(root=None)``: decode every file and return the table with unreadable files
  marked in ``status``.
- ``check_files(tracks, root=None)`` (GTZAN, FMA): each file against the published
  checksums, as a report (see :mod:`genre_utils.data.datasets.checksums`); ``REFERENCE_NAME`` names
  the reference.

and the constants ``NAME``, ``GENRES`` and ``SPLITS`` (the splits of :mod:`genre_utils.data.splits`
that apply to it; ``THESIS_TEST_PER_GENRE`` where the thesis fixed one). The FMA subsets share one
base (:mod:`genre_utils.data.datasets.fma`): each of ``fma_small``, ``fma_medium`` and ``fma_large`` is
its constants.

``root`` defaults to ``<data root>/<dataset name>`` (see :mod:`genre_utils.paths`).
"""

from __future__ import annotations

import importlib
from types import ModuleType

DATASET_NAMES = ("synthetic", "gtzan", "fma_small", "fma_medium", "fma_large")


def get_dataset(name: str) -> ModuleType:
    """Return the loader module of a dataset by name.

    Raises:
        ValueError: If ``name`` is not one of :data:`DATASET_NAMES`.
    """
    if name not in DATASET_NAMES:
        raise ValueError(f"unknown dataset {name!r}; expected one of {', '.join(DATASET_NAMES)}")
    return importlib.import_module(f"genre_utils.data.datasets.{name}")

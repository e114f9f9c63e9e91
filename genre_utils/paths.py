"""Where data, caches and reports live.

The data root is, in order of precedence: an explicit argument, the ``GENRE_DATA_DIR``
environment variable, or ``data/`` inside the project checkout. Each dataset gets its own
sub-folder (``<root>/gtzan``, ``<root>/fma_small``, ``<root>/synthetic``) and the feature cache
lives in ``<root>/features``.
"""

from __future__ import annotations

import os
from pathlib import Path

DATA_DIR_ENV = "GENRE_DATA_DIR"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = PROJECT_ROOT / "data"
FEATURE_CACHE_NAME = "features"


def data_root(root: str | os.PathLike | None = None) -> Path:
    """Return the data root folder (not created).

    Args:
        root: Explicit folder; wins over ``GENRE_DATA_DIR`` and the project default.

    Returns:
        The absolute path of the data root.
    """
    if root is not None:
        return Path(root).expanduser().resolve()
    from_env = os.environ.get(DATA_DIR_ENV)
    if from_env:
        return Path(from_env).expanduser().resolve()
    return DEFAULT_DATA_DIR


def dataset_dir(name: str, root: str | os.PathLike | None = None) -> Path:
    """Return ``<data root>/<name>``, the default home of one dataset."""
    return data_root(root) / name


def feature_cache_dir(root: str | os.PathLike | None = None) -> Path:
    """Return the folder that holds the feature store's caches."""
    return data_root(root) / FEATURE_CACHE_NAME

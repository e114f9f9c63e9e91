"""The datasets the study reads, one module each declaring ``DATASET``: see :mod:`genre_utils.registry`.

A dataset's folder defaults to ``<data root>/<dataset name>`` (see :mod:`genre_utils.paths`).
"""

from __future__ import annotations

import os
from pathlib import Path

from genre_utils.data.datasets.base import Dataset
from genre_utils.registry import Registry

MODULES_ENV = "GENRE_DATASET_MODULES"  # more modules declaring DATASET, e.g. "my_project.my_dataset"
DATASETS = Registry(
    "dataset",
    __name__,
    ("DATASET",),
    Dataset,
    env=MODULES_ENV,
    order=lambda dataset, module: (dataset.order, dataset.name),
)
register = DATASETS.register
unregister = DATASETS.unregister
datasets = DATASETS.entries
dataset_names = DATASETS.names
get_dataset = DATASETS.get


def default_dataset() -> str:
    """The name of the generated dataset (the embedded set): what runs when no dataset is chosen."""
    generated = [dataset.name for dataset in datasets() if dataset.generated]
    if not generated:
        raise ValueError("no registered dataset is generated, so there is no default dataset")
    return generated[0]


def dataset_root(dataset: str, root: str | os.PathLike | None = None) -> Path:
    """The folder of ``dataset``: ``root`` if given, else its default under the data root."""
    return get_dataset(dataset).root(root)

"""The registry of datasets: every dataset the study reads, declared once and discovered.

A dataset is declared in its own module of this package as a module-level ``DATASET``, an instance of
:class:`~genre_utils.data.datasets.base.Dataset` (see there for what a declaration states: name,
genres, splits, citation, licence, whether it is generated, its notice, download options ...). The
embedded set (:mod:`synthetic`) is a dataset whose download generates it; GTZAN (:mod:`gtzan`) and
the FMA subsets (:mod:`fma_small`, :mod:`fma_medium`, :mod:`fma_large`, on the shared base
:mod:`fma`) are fetched and verified.

Nothing outside a dataset's module names it: the study, the report, the command lines and the
notebooks ask this registry (:func:`dataset_names`, :func:`get_dataset`, :func:`default_dataset`).
Modules are discovered by scanning this package for ``DATASET``; a test or a notebook adds its own
with :func:`register`, and a process started later (a notebook's kernel) finds the modules listed in
the environment variable :data:`MODULES_ENV` (comma-separated importable module names, each
declaring ``DATASET``).

A dataset's folder defaults to ``<data root>/<dataset name>`` (see :mod:`genre_utils.paths`).
"""

from __future__ import annotations

import importlib
import os
import pkgutil
from pathlib import Path

from genre_utils.data.datasets.base import Dataset

DATASET_ATTRIBUTE = "DATASET"
MODULES_ENV = "GENRE_DATASET_MODULES"  # more modules declaring DATASET, e.g. "my_project.my_dataset"
_REGISTRY: dict[str, Dataset] = {}
_DISCOVERED = False
_EXTRA_MODULES: set[str] = set()  # the modules of MODULES_ENV already registered in this process


def register(dataset: Dataset, replace: bool = False) -> Dataset:
    """Add a dataset to the registry (a test's or a notebook's own).

    Raises:
        ValueError: If ``dataset`` is no :class:`Dataset`, or its name is taken by another dataset
            and ``replace`` is false.
    """
    if not isinstance(dataset, Dataset):
        raise ValueError(f"register() expects a Dataset, got {type(dataset).__name__}")
    _discover()
    if dataset.name in _REGISTRY and _REGISTRY[dataset.name] is not dataset and not replace:
        raise ValueError(f"a dataset named {dataset.name!r} is already registered")
    _REGISTRY[dataset.name] = dataset
    return dataset


def unregister(name: str) -> None:
    """Remove a dataset added with :func:`register` (no error if absent)."""
    _REGISTRY.pop(name, None)


def datasets() -> tuple[Dataset, ...]:
    """Every registered dataset: the package's by their ``order`` (the embedded set first), then the others."""
    _discover()
    return tuple(_REGISTRY.values())


def dataset_names() -> tuple[str, ...]:
    """Every registered dataset's name, in the order of :func:`datasets`."""
    return tuple(dataset.name for dataset in datasets())


def get_dataset(name: str) -> Dataset:
    """The declaration of the dataset called ``name``.

    Raises:
        ValueError: Naming the registered datasets when ``name`` is not one.
    """
    _discover()
    if name not in _REGISTRY:
        raise ValueError(f"unknown dataset {name!r}; expected one of {', '.join(_REGISTRY)}")
    return _REGISTRY[name]


def default_dataset() -> str:
    """The name of the generated dataset (the embedded set): what runs when no dataset is chosen.

    Raises:
        ValueError: If no registered dataset is generated.
    """
    generated = [dataset.name for dataset in datasets() if dataset.generated]
    if not generated:
        raise ValueError("no registered dataset is generated, so there is no default dataset")
    return generated[0]


def dataset_root(dataset: str, root: str | os.PathLike | None = None) -> Path:
    """The folder of ``dataset``: ``root`` if given, else its default under the data root."""
    return get_dataset(dataset).root(root)


def _discover() -> None:
    """Register the ``DATASET`` of every module of this package (once), then of :data:`MODULES_ENV`'s new ones."""
    global _DISCOVERED
    if not _DISCOVERED:
        _DISCOVERED = True
        found = []
        for module_info in pkgutil.iter_modules(__path__):
            if module_info.name.startswith("_"):
                continue
            module = importlib.import_module(f"{__name__}.{module_info.name}")
            declared = getattr(module, DATASET_ATTRIBUTE, None)
            if declared is not None:
                found.append(_checked(declared, module.__name__))
        for declared in sorted(found, key=lambda dataset: (dataset.order, dataset.name)):
            if declared.name in _REGISTRY and _REGISTRY[declared.name] is not declared:
                raise ValueError(f"two dataset modules declare the name {declared.name!r}")
            _REGISTRY[declared.name] = declared
    for module_name in [part.strip() for part in os.environ.get(MODULES_ENV, "").split(",") if part.strip()]:
        if module_name in _EXTRA_MODULES:
            continue
        _EXTRA_MODULES.add(module_name)
        try:
            module = importlib.import_module(module_name)
        except ImportError as error:
            raise ValueError(
                f"{MODULES_ENV} names module {module_name!r}, which cannot be imported: {error}"
            ) from error
        declared = _checked(getattr(module, DATASET_ATTRIBUTE, None), module_name)
        if declared.name in _REGISTRY and _REGISTRY[declared.name] is not declared:
            raise ValueError(
                f"{MODULES_ENV} module {module_name} declares {declared.name!r}, a name already registered"
            )
        _REGISTRY[declared.name] = declared


def _checked(declared, module_name: str) -> Dataset:
    if not isinstance(declared, Dataset):
        raise ValueError(
            f"module {module_name} must declare {DATASET_ATTRIBUTE} as a Dataset, got {type(declared).__name__}"
        )
    return declared

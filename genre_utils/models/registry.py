"""The registry of contenders: every model the study compares, declared once and discovered.

A *contender* is one way of classifying a track's genre, declared in its own module of
:mod:`genre_utils.models` as a module-level ``CONTENDER``. The declaration states what a reader
(and every other part of the study) needs to know: its ``name`` (the short id used in run
folders, ``--models`` and notebook parameters), a ``title``, a one-line ``description`` with
its citation, its ``family`` (:data:`FAMILIES`), the feature kind it consumes and the shape of
one input item, and how it is fitted (:meth:`Contender.fit`) and read back from a run folder
(:meth:`Contender.load`).

Nothing outside the contender modules names a contender: the runner, the notebooks' parameter
checks, the comparison and ``predict`` ask this registry (:func:`contender_names`,
:func:`get_contender`). Modules are discovered by :func:`discover` (every module of the package
that defines ``CONTENDER``); a notebook or test can add one at run time with :func:`register`.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from pathlib import Path

FAMILIES = {
    "keras": "trained Keras network on frame features",
    "clip_statistics": "scikit-learn model on clip statistics",
    "pretrained_probe": "probe on pretrained embeddings",
}
CONTENDER_ATTRIBUTE = "CONTENDER"
_REGISTRY: dict[str, "Contender"] = {}
_DOCUMENTATION: dict[str, str] = {}  # name -> the docstring of the module that declares it
_DISCOVERED = False


@dataclass
class Fitted:
    """What :meth:`Contender.fit` returns.

    Attributes:
        predictor: Object with ``predict_proba(x, valid_frames=None) -> (n_items, n_classes)``.
        parameters: Learned numbers (weights, support-vector coordinates, probe coefficients).
        epochs_run: Epochs trained (1 for models fitted in one go).
        best_epoch: Epoch whose weights were kept (1 for models fitted in one go).
        seconds: Wall-clock fitting time, model selection included.
        stopped_by: ``"early stopping"``, ``"epoch cap"`` or ``"single fit"``.
    """

    predictor: object
    parameters: int
    epochs_run: int
    best_epoch: int
    seconds: float
    stopped_by: str


@dataclass(frozen=True)
class Contender:
    """A contender's declaration; families subclass it with how to fit and load.

    Attributes:
        name: Short id (lowercase letters, digits, ``_``), used in run folders and parameters.
        title: Display name (``"Thesis CNN"``).
        description: One line with the citation.
        family: A key of :data:`FAMILIES`.
        features: The feature kind it consumes by default (see :mod:`genre_utils.features`).
        feature_kinds: Every feature kind it can consume.
        input: What one input item is, in words (``"20 MFCCs x frames of a 3 s segment or clip"``).
        whole_clips: One item per track whatever the setting's segment length (clip-level models).
        standardize: Z-score the features with training statistics before fitting.
        streams: Takes its inputs streamed from the feature store batch by batch
            (:class:`genre_utils.streaming.StoreItems`) instead of loaded arrays.
    """

    name: str
    title: str
    description: str
    family: str
    features: str
    feature_kinds: tuple[str, ...]
    input: str
    whole_clips: bool = False
    standardize: bool = True
    streams: bool = False

    def __post_init__(self):
        if not self.name or not self.name.replace("_", "").isalnum() or self.name != self.name.lower():
            raise ValueError(f"contender name must be lowercase letters, digits or '_', got {self.name!r}")
        if "-" in self.name:
            raise ValueError(f"contender name {self.name!r} must not contain '-' (run folder names use it)")
        if self.family not in FAMILIES:
            raise ValueError(f"contender {self.name!r}: unknown family {self.family!r}; "
                             f"expected one of {', '.join(FAMILIES)}")
        if self.features not in self.feature_kinds:
            raise ValueError(f"contender {self.name!r}: default features {self.features!r} not in {self.feature_kinds}")

    def fit(self, inputs, settings, folder: Path, description: dict, verbose: int = 0) -> Fitted:
        """Fit on ``inputs.train`` (model selection on ``inputs.valid`` only); save into ``folder``.

        Args:
            inputs: :class:`genre_utils.inputs.ModelInputs` of the run.
            settings: :class:`genre_utils.training.TrainingSettings` (seed, epochs ...).
            folder: The run folder; the saved model and ``config.json`` go there.
            description: JSON-ready facts for ``config.json`` (spec, class names, features).
            verbose: 0 silent.
        """
        raise NotImplementedError(f"contender {self.name!r} ({type(self).__name__}) does not define fit()")

    def load(self, folder: Path):
        """The predictor saved in a run folder by :meth:`fit`."""
        raise NotImplementedError(f"contender {self.name!r} ({type(self).__name__}) does not define load()")

    def summary(self) -> dict:
        """The declaration as plain literals (for tables and ``config.json``)."""
        return {"name": self.name, "title": self.title, "family": self.family, "features": self.features,
                "feature_kinds": list(self.feature_kinds), "input": self.input, "description": self.description,
                "whole_clips": self.whole_clips, "standardize": self.standardize, "streams": self.streams}


def register(contender: Contender, replace: bool = False) -> Contender:
    """Add a contender to the registry (a notebook's or test's own model, say).

    Raises:
        ValueError: If the name is taken by another contender and ``replace`` is false.
    """
    if not isinstance(contender, Contender):
        raise ValueError(f"register() expects a Contender, got {type(contender).__name__}")
    _discover()
    if contender.name in _REGISTRY and _REGISTRY[contender.name] is not contender and not replace:
        raise ValueError(f"a contender named {contender.name!r} is already registered")
    _REGISTRY[contender.name] = contender
    return contender


def unregister(name: str) -> None:
    """Remove a contender added with :func:`register` (no error if absent)."""
    _REGISTRY.pop(name, None)


def contender_names() -> tuple[str, ...]:
    """Every registered contender's name, in declaration order (module order, then registrations)."""
    _discover()
    return tuple(_REGISTRY)


def contenders() -> tuple[Contender, ...]:
    """Every registered contender."""
    _discover()
    return tuple(_REGISTRY.values())


def get_contender(name: str) -> Contender:
    """The contender called ``name``.

    Raises:
        ValueError: Naming the registered contenders when ``name`` is not one.
    """
    _discover()
    if name not in _REGISTRY:
        raise ValueError(f"unknown model {name!r}; expected one of {', '.join(_REGISTRY)}")
    return _REGISTRY[name]


def documentation(name: str) -> str:
    """The docstring of the module that declares contender ``name`` (its open choices), or ``""``."""
    get_contender(name)
    return _DOCUMENTATION.get(name, "")


def contender_table():
    """A pandas table of the registered contenders (name, title, family, features, input, description)."""
    import pandas as pd

    return pd.DataFrame([c.summary() for c in contenders()]).set_index("name")


def _discover() -> None:
    """Import every module of :mod:`genre_utils.models` that declares a ``CONTENDER``."""
    global _DISCOVERED
    if _DISCOVERED:
        return
    _DISCOVERED = True
    package = importlib.import_module("genre_utils.models")
    found = []
    for module_info in pkgutil.iter_modules(package.__path__):
        if module_info.name.startswith("_") or module_info.name == "registry":
            continue
        module = importlib.import_module(f"genre_utils.models.{module_info.name}")
        contender = getattr(module, CONTENDER_ATTRIBUTE, None)
        if contender is not None:
            found.append((getattr(module, "ORDER", 100), module_info.name, contender))
            _DOCUMENTATION[contender.name] = (module.__doc__ or "").strip()
    for _, _, contender in sorted(found, key=lambda item: item[:2]):
        if contender.name in _REGISTRY and _REGISTRY[contender.name] is not contender:
            raise ValueError(f"two contender modules declare the name {contender.name!r}")
        _REGISTRY[contender.name] = contender


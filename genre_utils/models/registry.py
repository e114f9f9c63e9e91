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

*Readings.* A source leaves choices open (the thesis CNN's input orientation, its pooling, the unit
its models train on); the study's own reading is the contender itself, and the other readings are
declared once, beside it, as a module-level ``READINGS`` tuple built with :func:`reading`: the
contender with a few fields changed, its own ``name``, ``reading_of`` (the contender's name) and
``choice`` (the open choice, in words). A reading is a contender like any other (its own run
folders and rows; :func:`get_contender`, ``--models`` and the notebooks' ``models`` accept it), but
:func:`contender_names` leaves readings out, so that the report's per-contender training does not
train them all: :func:`reading_names` lists them, ``contender_names(include_readings=True)`` both.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, fields, replace
from pathlib import Path

FAMILIES = {
    "keras": "trained Keras network on frame features",
    "clip_statistics": "scikit-learn model on clip statistics",
    "pretrained_probe": "probe on pretrained embeddings",
}
CONTENDER_ATTRIBUTE = "CONTENDER"
READINGS_ATTRIBUTE = "READINGS"  # a module's tuple of readings of its contender (see reading())
_REGISTRY: dict[str, Contender] = {}
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
        features: The feature kind it consumes by default (see :mod:`genre_utils.features.kinds`).
        feature_kinds: Every feature kind it can consume.
        input: What one input item is, in words (``"20 MFCCs x frames of a 3 s segment or clip"``).
        whole_clips: One item per track whatever the setting's segment length (clip-level models).
        standardize: Z-score the features with training statistics before fitting.
        streams: Takes its inputs streamed from the feature store batch by batch
            (:class:`genre_utils.models.streaming.StoreItems`) instead of loaded arrays.
        reading_of: For a reading (:func:`reading`), the name of the contender it reads; ``""`` otherwise.
        choice: For a reading, the open choice it makes, in words (``"unit: whole clips ..."``).
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
    reading_of: str = ""
    choice: str = ""

    def __post_init__(self):
        if not self.name or not self.name.replace("_", "").isalnum() or self.name != self.name.lower():
            raise ValueError(f"contender name must be lowercase letters, digits or '_', got {self.name!r}")
        if "-" in self.name:
            raise ValueError(f"contender name {self.name!r} must not contain '-' (run folder names use it)")
        if self.family not in FAMILIES:
            raise ValueError(
                f"contender {self.name!r}: unknown family {self.family!r}; expected one of {', '.join(FAMILIES)}"
            )
        if self.features not in self.feature_kinds:
            raise ValueError(f"contender {self.name!r}: default features {self.features!r} not in {self.feature_kinds}")
        if bool(self.reading_of) != bool(self.choice):
            raise ValueError(
                f"contender {self.name!r}: a reading needs both reading_of and choice, got "
                f"reading_of={self.reading_of!r}, choice={self.choice!r}"
            )

    def fit(self, inputs, settings, folder: Path, description: dict, verbose: int = 0) -> Fitted:
        """Fit on ``inputs.train`` (model selection on ``inputs.valid`` only); save into ``folder``.

        Args:
            inputs: :class:`genre_utils.experiment.inputs.ModelInputs` of the run.
            settings: :class:`genre_utils.models.training.TrainingSettings` (seed, epochs ...).
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
        return {
            "name": self.name,
            "title": self.title,
            "family": self.family,
            "features": self.features,
            "feature_kinds": list(self.feature_kinds),
            "input": self.input,
            "description": self.description,
            "whole_clips": self.whole_clips,
            "standardize": self.standardize,
            "streams": self.streams,
            "reading_of": self.reading_of,
            "choice": self.choice,
        }


def reading(base: Contender, name: str, title: str, choice: str, **changes) -> Contender:
    """A named reading of ``base``'s open choices: ``base`` with ``changes`` (``whole_clips=True``,
    ``build_options={...}`` ...), its own ``name`` and ``title``, ``reading_of=base.name`` and ``choice``.

    Raises:
        ValueError: ``base`` is itself a reading, ``choice`` is empty, or ``changes`` names a field
            the declaration does not have.
    """
    if base.reading_of:
        raise ValueError(
            f"reading {name!r}: base {base.name!r} is itself a reading of {base.reading_of!r}; "
            "declare readings of the contender"
        )
    if not isinstance(choice, str) or not choice.strip():
        raise ValueError(f"reading {name!r}: choice must say in words which open choice it makes, got {choice!r}")
    known = {f.name for f in fields(base)}
    unknown = sorted(set(changes) - known)
    if unknown:
        raise ValueError(
            f"reading {name!r}: {type(base).__name__} has no field(s) {unknown}; "
            f"changes may set {', '.join(sorted(known))}"
        )
    return replace(base, name=name, title=title, reading_of=base.name, choice=choice, **changes)


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
    if contender.reading_of and contender.reading_of not in contender_names():
        raise ValueError(
            f"reading {contender.name!r} reads {contender.reading_of!r}, which is not a registered "
            f"contender ({', '.join(contender_names())})"
        )
    _REGISTRY[contender.name] = contender
    return contender


def unregister(name: str) -> None:
    """Remove a contender added with :func:`register` (no error if absent)."""
    _REGISTRY.pop(name, None)


def contender_names(include_readings: bool = False) -> tuple[str, ...]:
    """Every registered contender's name, in declaration order (module order, then registrations).

    Args:
        include_readings: Also the readings (:func:`reading_names`), after the contenders.
    """
    return tuple(contender.name for contender in contenders(include_readings))


def reading_names(of: str | None = None) -> tuple[str, ...]:
    """The registered readings' names (of contender ``of`` only, when given), in declaration order."""
    _discover()
    return tuple(c.name for c in _REGISTRY.values() if c.reading_of and (of is None or c.reading_of == of))


def contenders(include_readings: bool = False) -> tuple[Contender, ...]:
    """Every registered contender (and, with ``include_readings``, every reading after them)."""
    _discover()
    main = [c for c in _REGISTRY.values() if not c.reading_of]
    return tuple(main + [c for c in _REGISTRY.values() if c.reading_of] if include_readings else main)


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


def contender_table(include_readings: bool = False):
    """A pandas table of the registered contenders (name, title, family, features, input, description ...)."""
    import pandas as pd

    return pd.DataFrame([c.summary() for c in contenders(include_readings)]).set_index("name")


def _discover() -> None:
    """Import every module of :mod:`genre_utils.models` that declares a ``CONTENDER`` (and its ``READINGS``)."""
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
            declared = (contender, *getattr(module, READINGS_ATTRIBUTE, ()))
            found.append((getattr(module, "ORDER", 100), module_info.name, declared))
            for each in declared:
                _DOCUMENTATION[each.name] = (module.__doc__ or "").strip()
    ordered = sorted(found, key=lambda item: item[:2])
    for contender in [d[0] for *_, d in ordered] + [r for *_, d in ordered for r in d[1:]]:
        if contender.name in _REGISTRY and _REGISTRY[contender.name] is not contender:
            raise ValueError(f"two contender modules declare the name {contender.name!r}")
        if contender.reading_of and contender.reading_of not in _REGISTRY:
            raise ValueError(f"reading {contender.name!r} reads {contender.reading_of!r}, which no module declares")
        _REGISTRY[contender.name] = contender

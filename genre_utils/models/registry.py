"""What a contender declares (:class:`Contender`, :func:`reading`); the registry is :mod:`genre_utils.registry`."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from pathlib import Path

from genre_utils.registry import Registry

FAMILIES = {
    "keras": "trained Keras network on frame features",
    "clip_statistics": "scikit-learn model on clip statistics",
    "pretrained_probe": "probe on pretrained embeddings",
}
# The fields of Contender.summary(), in the order config.json has them.
SUMMARY = "name title family features feature_kinds input description whole_clips standardize streams reading_of choice"


@dataclass
class Fitted:
    """What :meth:`Contender.fit` returns."""

    predictor: object  # predict_proba(x, valid_frames=None) -> (n_items, n_classes)
    parameters: int  # learned numbers (weights, support-vector coordinates, probe coefficients)
    epochs_run: int  # 1 for models fitted in one go
    best_epoch: int  # the epoch whose weights were kept
    seconds: float  # wall-clock fitting time, model selection included
    stopped_by: str  # "early stopping", "epoch cap" or "single fit"


@dataclass(frozen=True)
class Contender:
    """A contender's declaration; families subclass it with how to fit and load."""

    name: str  # used in run folders, --models and notebook parameters
    title: str  # display name ("Thesis CNN")
    description: str  # one line with the citation
    family: str  # a key of FAMILIES
    features: str  # the feature kind it consumes by default (genre_utils.features.kinds)
    feature_kinds: tuple[str, ...]  # every feature kind it can consume
    input: str  # what one input item is, in words ("20 MFCCs x frames of a 3 s segment or clip")
    whole_clips: bool = False  # one item per track whatever the setting's segment length (clip-level models)
    standardize: bool = True  # z-score the features with training statistics before fitting
    streams: bool = False  # takes its inputs streamed from the feature store (genre_utils.models.streaming)
    reading_of: str = ""  # for a reading (reading()), the name of the contender it reads
    choice: str = ""  # for a reading, the open choice it makes, in words ("unit: whole clips ...")

    def __post_init__(self):
        if self.family not in FAMILIES:
            raise ValueError(
                f"contender {self.name!r}: unknown family {self.family!r}; expected one of {', '.join(FAMILIES)}"
            )
        if self.features not in self.feature_kinds:
            raise ValueError(f"contender {self.name!r}: default features {self.features!r} not in {self.feature_kinds}")
        if bool(self.reading_of) != bool(self.choice):
            raise ValueError(f"contender {self.name!r}: a reading needs both reading_of and choice")

    def fit(self, inputs, settings, folder: Path, description: dict, verbose: int = 0) -> Fitted:
        """Fit on ``inputs.train`` (model selection on ``inputs.valid`` only); save the model and ``config.json``
        (``description``: the run's JSON-ready facts) into ``folder``. ``settings``: the run's TrainingSettings."""
        raise NotImplementedError(f"contender {self.name!r} ({type(self).__name__}) does not define fit()")

    def load(self, folder: Path):
        """The predictor saved in a run folder by :meth:`fit`."""
        raise NotImplementedError(f"contender {self.name!r} ({type(self).__name__}) does not define load()")

    def summary(self) -> dict:
        """The declaration as plain literals (for tables and ``config.json``)."""
        described = {name: getattr(self, name) for name in SUMMARY.split()}
        return {**described, "feature_kinds": list(self.feature_kinds)}


def reading(base: Contender, name: str, title: str, choice: str, **changes) -> Contender:
    """``base`` read another way: ``changes`` (``whole_clips=True``, ``build_options={...}``), its own name."""
    if base.reading_of:
        raise ValueError(f"reading {name!r}: base {base.name!r} is itself a reading; declare readings of the contender")
    if not isinstance(choice, str) or not choice.strip():
        raise ValueError(f"reading {name!r}: choice must say in words which open choice it makes, got {choice!r}")
    unknown = sorted(set(changes) - {f.name for f in fields(base)})
    if unknown:
        raise ValueError(f"reading {name!r}: {type(base).__name__} has no field(s) {unknown}")
    return replace(base, name=name, title=title, reading_of=base.name, choice=choice, **changes)


def _reads_a_contender(contender: Contender, registered) -> None:
    base = registered.get(contender.reading_of)
    if contender.reading_of and (base is None or base.reading_of):
        raise ValueError(f"reading {contender.name!r} reads {contender.reading_of!r}, which is no registered contender")


# A module's ORDER places its contender in every table (the thesis's models first); readings follow them all.
CONTENDERS = Registry(
    "model",
    "genre_utils.models",
    ("CONTENDER", "READINGS"),
    Contender,
    env="GENRE_CONTENDER_MODULES",
    order=lambda contender, module: (bool(contender.reading_of), getattr(module, "ORDER", 100)),
    check=_reads_a_contender,
)
register = CONTENDERS.register
unregister = CONTENDERS.unregister
get_contender = CONTENDERS.get


def contenders(include_readings: bool = False) -> tuple[Contender, ...]:
    """Every registered contender (and, with ``include_readings``, every reading after them)."""
    declared = CONTENDERS.entries()
    main = tuple(c for c in declared if not c.reading_of)
    return main + tuple(c for c in declared if c.reading_of) if include_readings else main


def contender_names(include_readings: bool = False) -> tuple[str, ...]:
    """Every registered contender's name (with ``include_readings``, the readings' after them)."""
    return tuple(contender.name for contender in contenders(include_readings))


def reading_names(of: str | None = None) -> tuple[str, ...]:
    """The registered readings' names (of contender ``of`` only, when given)."""
    return tuple(c.name for c in CONTENDERS.entries() if c.reading_of and of in (None, c.reading_of))


def documentation(name: str) -> str:
    """The docstring of the module that declares contender ``name`` (its open choices), or ``""``."""
    module = CONTENDERS.module(name)
    return (module.__doc__ or "").strip() if module else ""

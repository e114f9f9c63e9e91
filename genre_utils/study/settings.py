"""The study's settings: one validated, typed object, built once and passed down by keyword.

A notebook builds it from its ``parameters`` cell (:meth:`StudySettings.from_parameters`), the
command line from its arguments (:mod:`genre_utils.run`); every value is checked here, in one
place, by the rule of its field (:data:`FIELD_CHECKS`, which the report also applies to its
``--param`` values before any notebook runs) and then across fields (a split the dataset has, a
feature kind every contender can consume, a split file for the ``file`` split, the dataset's own
download options). What trains and evaluates takes the object, never a row of loose arguments.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from genre_utils.data.datasets import dataset_names, default_dataset, get_dataset
from genre_utils.data.splits import DEFAULT_FOLDS, check_split_applies
from genre_utils.experiment.inputs import DEFAULT_SEGMENT_SECONDS
from genre_utils.experiment.runner import AGGREGATIONS, LEAKY_SPLIT, RUN_SPLITS, sweep
from genre_utils.features.kinds import FEATURE_KINDS
from genre_utils.models import contender_names, get_contender
from genre_utils.models.hyperparameters import DEFAULT_BATCH_SIZE, DEFAULT_EPOCHS, DEFAULT_PATIENCE

DEFAULT_SEEDS = (0, 1, 2, 3, 4)  # five complete runs per setting: enough for a spread and a paired test
DEFAULT_OUTPUT_DIR = "build/results"  # relative to where the study runs (the notebooks pass ../build/results)
ALL_MODELS = "all"
FILE_SPLIT = "file"  # a split read from a CSV of track_id,side (the command line's --split-file)


def check_choice(name: str, value, allowed) -> None:
    """Raise ``ValueError`` naming the parameter when ``value`` is not one of ``allowed``."""
    if value not in allowed:
        raise ValueError(f"unknown {name} {value!r}; expected one of {', '.join(map(str, allowed))}")


def _integer(name: str, low: int) -> Callable:
    def check(value):
        if not isinstance(value, int) or isinstance(value, bool) or value < low:
            raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
        return value

    return check


def check_seeds(seeds) -> tuple[int, ...]:
    """A non-empty list of distinct integers >= 0 (one integer is a list of one)."""
    if isinstance(seeds, int) and not isinstance(seeds, bool):
        seeds = [seeds]
    if (
        not isinstance(seeds, (list, tuple))
        or not seeds
        or any(isinstance(s, bool) or not isinstance(s, int) or s < 0 for s in seeds)
    ):
        raise ValueError(f"seeds must be a non-empty list of integers >= 0, got {seeds!r}")
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must be distinct, got {seeds!r}")
    return tuple(seeds)


def check_models(models) -> tuple[str, ...]:
    """``None`` or ``"all"``: every registered contender (readings left out); else a non-empty list of
    registered names, readings of the contenders' open choices included (:func:`genre_utils.models.reading_names`)."""
    if models is None or models == ALL_MODELS:
        return tuple(contender_names())
    if isinstance(models, str):
        models = [models]
    if not isinstance(models, (list, tuple)) or not models:
        raise ValueError(f'models must be a list of contender names or "all", got {models!r}')
    for name in models:
        check_choice("model", name, contender_names(include_readings=True))
    return tuple(dict.fromkeys(models))


def check_segment_seconds(value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise ValueError(f"segment_seconds must be 0 (whole clips) or a positive number, got {value!r}")
    return float(value)


def check_splits(value) -> tuple[str, ...]:
    splits = [value] if isinstance(value, str) else value
    if not isinstance(splits, (list, tuple)) or not splits:
        raise ValueError(f"split must be one of {', '.join(RUN_SPLITS)} (or a list of them), got {value!r}")
    for name in splits:
        check_choice("split", name, RUN_SPLITS)
    return tuple(dict.fromkeys(splits))


def check_features(value) -> tuple[str, ...] | None:
    if value is None:
        return None
    kinds = [value] if isinstance(value, str) else value
    if not isinstance(kinds, (list, tuple)) or not kinds:
        raise ValueError(f"features must be a feature kind, a list of them or null, got {value!r}")
    for kind in kinds:
        check_choice("features", kind, FEATURE_KINDS)
    return tuple(dict.fromkeys(kinds))


def _dataset(value) -> str:
    check_choice("dataset", value, dataset_names())
    return value


def _optional_text(name: str) -> Callable:
    def check(value):
        if value is not None and not isinstance(value, (str, os.PathLike)):
            raise ValueError(f"{name} must be a path or null, got {value!r}")
        return None if value is None else str(value)

    return check


def _flag(name: str) -> Callable:
    def check(value):
        if not isinstance(value, bool):
            raise ValueError(f"{name} must be true or false, got {value!r}")
        return value

    return check


def _aggregation(value) -> str:
    check_choice("aggregation", value, AGGREGATIONS)
    return value


#: field -> rule: returns the value in its stored form or raises ``ValueError`` naming the field.
FIELD_CHECKS: dict[str, Callable] = {
    "dataset": _dataset,
    "data_root": _optional_text("data_root"),
    "models": check_models,
    "splits": check_splits,
    "folds": _integer("folds", 2),
    "split_file": _optional_text("split_file"),
    "features": check_features,
    "seeds": check_seeds,
    "segment_seconds": check_segment_seconds,
    "epochs": _integer("epochs", 1),
    "batch_size": _integer("batch_size", 1),
    "patience": _integer("patience", 0),
    "aggregation": _aggregation,
    "augment": _integer("augment", 0),
    "leakage_demo": _flag("leakage_demo"),
    "workers": _integer("workers", 0),
    "output_dir": _optional_text("output_dir"),
}


@dataclass(frozen=True, kw_only=True)
class StudySettings:
    """What a study run needs to know, checked once.

    Attributes:
        dataset: A registered dataset (:func:`genre_utils.data.datasets.dataset_names`).
        data_root: Its folder; None: ``$GENRE_DATA_DIR/<dataset>`` or ``data/<dataset>``.
        models: Contenders (or readings) to train; ``"all"``/None: every registered contender.
        splits: Track splits, one or several (a sweep); ``random_segments`` is the leakage demonstration.
        folds: Folds of the ``kfold`` split.
        split_file: CSV of ``track_id,side`` for the ``file`` split.
        features: Feature kinds; None gives each contender its own.
        seeds: One complete run per seed (and fold).
        segment_seconds: Segment length; 0 trains on whole clips.
        epochs, batch_size, patience: Training hyper-parameters (networks).
        aggregation: How segment predictions become a track's (``mean`` or ``vote``).
        augment: Degraded copies of each training track added to training (0: none; see
            :class:`~genre_utils.experiment.runner.RunSpec`).
        leakage_demo: Also train with segments split at random, to measure that mistake.
        workers: Feature-extraction processes; 0: every core.
        output_dir: Results root; runs go to ``<output_dir>/<dataset>/runs/``.
        dataset_options: The dataset's own download options (the embedded set: clips per genre, seconds).
    """

    dataset: str = field(default_factory=default_dataset)
    data_root: str | None = None
    models: tuple[str, ...] = ALL_MODELS
    splits: tuple[str, ...] = ("thesis",)
    folds: int = DEFAULT_FOLDS
    split_file: str | None = None
    features: tuple[str, ...] | None = None
    seeds: tuple[int, ...] = DEFAULT_SEEDS
    segment_seconds: float = DEFAULT_SEGMENT_SECONDS
    epochs: int = DEFAULT_EPOCHS
    batch_size: int = DEFAULT_BATCH_SIZE
    patience: int = DEFAULT_PATIENCE
    aggregation: str = "mean"
    augment: int = 0
    leakage_demo: bool = False
    workers: int = 0
    output_dir: str = DEFAULT_OUTPUT_DIR
    dataset_options: Mapping[str, object] = field(default_factory=dict)

    def __post_init__(self):
        for name, check in FIELD_CHECKS.items():
            object.__setattr__(self, name, check(getattr(self, name)))
        for split in self.splits:
            if split != LEAKY_SPLIT:
                check_split_applies(split, self.dataset)
        if FILE_SPLIT in self.splits and not self.split_file:
            raise ValueError("the file split needs split_file (a CSV of track_id,side)")
        for model in self.models:
            self.features_for(model)
        declared = get_dataset(self.dataset).download_options
        unknown = sorted(set(self.dataset_options) - set(declared))
        if unknown:
            raise ValueError(
                f"{self.dataset} has no option {', '.join(unknown)}; its options are {', '.join(declared) or 'none'}"
            )
        object.__setattr__(self, "dataset_options", dict(self.dataset_options))

    @classmethod
    def from_parameters(cls, parameters: Mapping[str, object], **overrides) -> StudySettings:
        """From a notebook's parameters (pass ``globals()``): the names that are fields, ``model`` (one contender;
        None: the first registered) or ``models``, ``split`` (one), ``features`` (one kind or None), and the
        dataset's options as ``<dataset>_<option>`` (``synthetic_clips_per_genre``). Other names are the
        notebook's own and are left alone; ``overrides`` win."""
        given = {**parameters, **overrides}
        values = {name: given[name] for name in (f.name for f in fields(cls)) if name in given}
        if "model" in given:
            values["models"] = check_models("all")[:1] if given["model"] is None else (given["model"],)
        if "split" in given:
            values["splits"] = given["split"]
        dataset = values.get("dataset", default_dataset())
        check_choice("dataset", dataset, dataset_names())
        values.setdefault("dataset_options", get_dataset(dataset).options_from(given))
        return cls(**values)

    @property
    def split(self) -> str:
        """The split, when there is one (a notebook's); the first of a sweep's."""
        return self.splits[0]

    @property
    def model(self) -> str:
        """The first contender (a training notebook trains one)."""
        return self.models[0]

    def features_for(self, model: str) -> str:
        """The feature kind a run of ``model`` uses: the one kind given, or the contender's own when None."""
        contender = get_contender(model)
        if self.features is None:
            return contender.features
        usable = [kind for kind in self.features if kind in contender.feature_kinds]
        if not usable:
            check_choice(f"features for {model}", self.features[0], contender.feature_kinds)
        return usable[0]

    def training_options(self) -> dict:
        """The keyword options every run of this study shares (:class:`genre_utils.experiment.runner.RunSpec`)."""
        options = {
            "segment_seconds": self.segment_seconds,
            "epochs": self.epochs,
            "batch_size": self.batch_size,
            "patience": self.patience,
            "aggregation": self.aggregation,
            "augment": self.augment,
        }
        if self.split_file:
            options["split_file"] = str(Path(self.split_file).resolve())
        return options

    def run_specs(self, models=None, splits=None, seeds=None, **extra) -> list:
        """Every run of the sweep (:func:`genre_utils.experiment.runner.sweep`); each argument narrows it, ``extra``
        adds or overrides :class:`~genre_utils.experiment.runner.RunSpec` fields (``train_fraction``, ``augment``)."""
        return sweep(
            self.dataset,
            models=list(models or self.models),
            splits=list(splits or self.splits),
            features=None if self.features is None else list(self.features),
            seeds=list(seeds or self.seeds),
            folds=self.folds,
            **{**self.training_options(), **extra},
        )

    def results_folder(self) -> Path:
        """``<output_dir>/<dataset>``, created."""
        folder = Path(self.output_dir) / self.dataset
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def as_dict(self) -> dict:
        """Plain values (lists for tuples), e.g. to record with the results."""
        return {name: list(value) if isinstance(value, tuple) else value for name, value in asdict(self).items()}

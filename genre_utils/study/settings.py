"""The study's settings: one frozen pydantic model, validated once where a run starts.

Notebooks build it from their ``parameters`` cell, :mod:`genre_utils.run` from its arguments, the report from its
``--param`` values before any notebook runs. A bad value is one ``ValueError`` line naming the parameter, with a
did-you-mean.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    model_validator,
)

from genre_utils.data.datasets import default_dataset, get_dataset
from genre_utils.data.splits import DEFAULT_FOLDS, check_split_applies
from genre_utils.experiment.inputs import DEFAULT_SEGMENT_SECONDS
from genre_utils.experiment.runner import LEAKY_SPLIT, sweep
from genre_utils.features.kinds import FEATURE_KINDS
from genre_utils.formatting import did_you_mean
from genre_utils.models import contender_names, get_contender
from genre_utils.models.hyperparameters import DEFAULT_BATCH_SIZE, DEFAULT_EPOCHS, DEFAULT_PATIENCE

DEFAULT_SEEDS = (0, 1, 2, 3, 4)  # five complete runs per setting: enough for a spread and a paired test
DEFAULT_OUTPUT_DIR = "build/results"  # relative to where the study runs (the notebooks pass ../build/results)
ALL_MODELS = "all"


def check_choice(name: str, value, allowed) -> None:
    """Raise ``ValueError`` naming the parameter when ``value`` is not one of ``allowed``."""
    if value not in allowed:
        raise ValueError(
            f"unknown {name} {value!r}{did_you_mean(value, allowed)}; expected one of {', '.join(map(str, allowed))}"
        )


def unknown_parameter_message(name: str, known: Iterable[str]) -> str:
    """``unknown parameter 'epoch' (did you mean epochs?)``, or the known names when none is close."""
    hint = did_you_mean(name, sorted(known))
    return f"unknown parameter {name!r}{hint or '; the parameters are ' + ', '.join(sorted(known))}"


def one_line(error: ValidationError, name: str | None = None, known: Iterable[str] = ()) -> str:
    """The first error of ``error`` as one line that names the parameter (``name``, else the field)."""
    first = error.errors()[0]
    name = name or (str(first["loc"][0]) if first["loc"] else "")
    if first["type"] == "extra_forbidden":
        return unknown_parameter_message(name, known)
    if first["type"] == "value_error":
        message = str(first["ctx"]["error"])
    else:
        message = f"{first['msg'][0].lower()}{first['msg'][1:]}, got {first['input']!r}"
    named = re.match(rf"(unknown )?{re.escape(name.rstrip('s'))}", message)  # a message that names it already
    return message if not name or named else f"{name}: {message}"


def _listed(value):
    """One value is a list of one; a list is stored as a tuple."""
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        return (value,)
    return tuple(value) if isinstance(value, list) else value


def one_of(name: str, allowed: Callable[[], Iterable]) -> AfterValidator:
    """Each value one of ``allowed()``, read at check time (a module may register more)."""

    def check(value):
        for item in value if isinstance(value, tuple) else (value,):
            check_choice(name, item, tuple(allowed()))
        return value

    return AfterValidator(check)


def _distinct(values: tuple) -> tuple:
    if len(set(values)) != len(values):
        raise ValueError(f"seeds must be distinct, got {list(values)}")
    return values


def _all_models(value):
    return contender_names() if value is None or value == ALL_MODELS else value


PathText = Annotated[str, BeforeValidator(lambda value: os.fspath(value) if isinstance(value, os.PathLike) else value)]
Names = Annotated[
    tuple[str, ...],
    BeforeValidator(_listed),
    Field(min_length=1),
    AfterValidator(lambda names: tuple(dict.fromkeys(names))),
]
Seeds = Annotated[
    tuple[Annotated[int, Field(ge=0, strict=True)], ...],
    BeforeValidator(_listed),
    Field(min_length=1),
    AfterValidator(_distinct),
]
#: ``"all"``/None: every registered contender (readings left out); else contenders or readings by name.
Models = Annotated[Names, BeforeValidator(_all_models), one_of("model", lambda: contender_names(include_readings=True))]


def checker(kind, default_name: str) -> Callable:
    """``check(value, name=default_name)``: ``value`` validated as ``kind``, or one ``ValueError`` line naming it."""
    adapter = TypeAdapter(kind)

    def check(value, name: str = default_name):
        try:
            return adapter.validate_python(value)
        except ValidationError as error:
            raise ValueError(one_line(error, name)) from None

    return check


check_seeds = checker(Seeds, "seeds")
check_models = checker(Models, "models")


class StudySettings(BaseModel):
    """What a study run needs to know, checked once (each field's description says what it is)."""

    model_config = ConfigDict(frozen=True, strict=True, extra="forbid")

    dataset: str = Field(default_factory=default_dataset)
    data_root: PathText | None = Field(None, description="its folder; None: $GENRE_DATA_DIR/<dataset> or data/")
    models: Models = Field(ALL_MODELS, validate_default=True, description="contenders (or readings) to train")
    splits: Names = ("thesis",)
    folds: int = Field(DEFAULT_FOLDS, description="folds of the kfold split")
    split_file: PathText | None = Field(None, description="CSV of track_id,side for the file split")
    features: Annotated[Names, one_of("features", lambda: FEATURE_KINDS)] | None = Field(
        None, description="feature kinds; None gives each contender its own"
    )
    seeds: Seeds = Field(DEFAULT_SEEDS, description="one complete run per seed (and fold)")
    segment_seconds: float = Field(DEFAULT_SEGMENT_SECONDS, ge=0, allow_inf_nan=False, description="0: whole clips")
    epochs: int = DEFAULT_EPOCHS
    batch_size: int = DEFAULT_BATCH_SIZE
    patience: int = DEFAULT_PATIENCE
    aggregation: str = "mean"
    augment: int = Field(0, description="degraded copies of each training track added to training")
    leakage_demo: bool = Field(False, description="also train with segments split at random, to measure that")
    workers: int = Field(0, ge=0, description="feature-extraction processes; 0: every core")
    output_dir: PathText = Field(DEFAULT_OUTPUT_DIR, description="runs go to <output_dir>/<dataset>/runs/")
    dataset_options: dict[str, Any] = Field(default_factory=dict, description="the dataset's own download options")

    def __init__(self, **values):
        try:
            super().__init__(**values)
        except ValidationError as error:
            raise ValueError(one_line(error, known=type(self).model_fields)) from None

    @model_validator(mode="after")
    def _across_fields(self) -> StudySettings:
        declared = get_dataset(self.dataset).download_options
        self.run_specs()  # each run's own checks (RunSpec, sweep), before any run starts
        for split in self.splits:
            if split != LEAKY_SPLIT:
                check_split_applies(split, self.dataset)
        unknown = sorted(set(self.dataset_options) - set(declared))
        if unknown:
            raise ValueError(
                f"{self.dataset} has no option {', '.join(unknown)}; its options are {', '.join(declared) or 'none'}"
            )
        return self

    @classmethod
    def from_parameters(cls, parameters: Mapping[str, object], **overrides) -> StudySettings:
        """From a notebook's ``globals()``: the fields, ``model`` (None: the first contender), ``split`` and the
        dataset's options as ``<dataset>_<option>``; other names are left alone, ``overrides`` win."""
        given = {**parameters, **overrides}
        values = {name: given[name] for name in cls.model_fields if name in given}
        if "model" in given:
            values["models"] = contender_names()[:1] if given["model"] is None else given["model"]
        if "split" in given:
            values["splits"] = given["split"]
        dataset = get_dataset(values.get("dataset", default_dataset()))
        values.setdefault("dataset_options", dataset.options_from(given))
        return cls(**values)

    @property
    def split(self) -> str:
        """The first split (a notebook has one)."""
        return self.splits[0]

    @property
    def model(self) -> str:
        """The first contender (a training notebook trains one)."""
        return self.models[0]

    def features_for(self, model: str) -> str:
        """The feature kind a run of ``model`` uses: the first given that it takes, or its own when None."""
        contender = get_contender(model)
        if self.features is None:
            return contender.features
        return next(kind for kind in self.features if kind in contender.feature_kinds)

    def run_specs(self, models=None, splits=None, seeds=None, **extra) -> list:
        """Every run of the sweep; each argument narrows it, ``extra`` sets ``RunSpec`` fields (``augment``)."""
        shared = self.model_dump(
            include={"segment_seconds", "epochs", "batch_size", "patience", "aggregation", "augment"}
        )
        if self.split_file:
            shared["split_file"] = str(Path(self.split_file).resolve())
        return sweep(
            self.dataset,
            models=list(models or self.models),
            splits=list(splits or self.splits),
            features=None if self.features is None else list(self.features),
            seeds=list(seeds or self.seeds),
            folds=self.folds,
            **{**shared, **extra},
        )

    def results_folder(self) -> Path:
        """``<output_dir>/<dataset>``, created."""
        folder = Path(self.output_dir) / self.dataset
        folder.mkdir(parents=True, exist_ok=True)
        return folder

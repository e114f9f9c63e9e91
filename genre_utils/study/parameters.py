"""Check the report's parameters before any notebook runs.

A name must be declared by a numbered notebook's ``parameters`` cell (papermill's ``inspect_notebook``) or be
one of :data:`REPORT_PARAMETERS`; values are checked by :class:`~genre_utils.study.settings.StudySettings` and
:data:`NotebookParameters`.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Annotated, Any

import papermill
from pydantic import AfterValidator, ConfigDict, Field
from typing_extensions import TypedDict

from genre_utils.data.degradations import check_degradation_names
from genre_utils.experiment.plans import check_fractions, check_readings
from genre_utils.features.pretrained.musicnn import MODEL_NAMES as TAGGERS
from genre_utils.models import get_contender
from genre_utils.models.thesis_results import THESIS_FEATURE_STUDY
from genre_utils.paths import PROJECT_ROOT
from genre_utils.study.settings import (
    Models,
    Seeds,
    StudySettings,
    check_choice,
    checker,
    one_of,
    unknown_parameter_message,
)

NOTEBOOK_DIR = PROJECT_ROOT / "notebooks"
REPORT_PARAMETERS = ("models", "feature_study", "feature_study_seeds")  # the report's own, not a notebook's
Positive = Annotated[float, Field(gt=0)]


def _feature_study(kinds: list[str]) -> list[str]:
    for kind in kinds:
        check_choice("feature_study kind", kind, get_contender(THESIS_FEATURE_STUDY[0]).feature_kinds)
    return kinds


class NotebookParameters(TypedDict, total=False):
    """The parameters that are not the study's settings, as the report checks them (defaults: the notebooks')."""

    __pydantic_config__ = ConfigDict(strict=True)  # type: ignore[misc]

    curve_models: Models | None
    augment_models: Models
    fractions: Annotated[list[float], AfterValidator(check_fractions)]
    readings: Annotated[Any, AfterValidator(check_readings)]  # "all" or a list: the check says which
    degradations: Annotated[Any, AfterValidator(lambda value: value == "all" or check_degradation_names(value))]
    feature_study: Annotated[list[str], AfterValidator(_feature_study)]
    feature_study_seeds: Seeds | None
    curve_seeds: Seeds | None
    reading_seeds: Seeds | None
    augment_seeds: Seeds | None
    tagger: Annotated[str, one_of("tagger", lambda: TAGGERS)]
    degradation_seed: Annotated[int, Field(ge=0)]
    augment_copies: Annotated[int, Field(ge=0)]
    seed: Annotated[int, Field(ge=0)]
    n_mels: Annotated[int, Field(ge=1)]
    top_k: Annotated[int, Field(ge=1)]
    synthetic_clips_per_genre: Annotated[int, Field(ge=1)]
    summary_clips_per_genre: Annotated[int, Field(ge=1)]
    synthetic_seconds: Positive
    listen_seconds: Positive
    hop_seconds: Positive | None
    audio_path: str | None
    run_folder: str | None


_check_notebook_parameters = checker(NotebookParameters, "")


def notebook_paths(folder: Path = NOTEBOOK_DIR) -> list[Path]:
    """The numbered notebooks (``01_...ipynb``, ``02_...``) in run order."""
    return sorted(p for p in folder.glob("[0-9][0-9]_*.ipynb") if p.is_file())


def declared_parameters(path: Path) -> set[str]:
    """Names assigned in the notebook's cell tagged ``parameters``."""
    return set(papermill.inspect_notebook(str(path)))


def known_parameters(notebooks: list[Path]) -> set[str]:
    """The notebooks' parameters and the report's own (:data:`REPORT_PARAMETERS`)."""
    return set(REPORT_PARAMETERS).union(*(declared_parameters(notebook) for notebook in notebooks))


def notebook_default(notebooks: list[Path], name: str):
    """The value the first notebook declaring ``name`` gives it in its ``parameters`` cell; None if none does."""
    for notebook in notebooks:
        info = papermill.inspect_notebook(str(notebook)).get(name)
        if info is not None:
            try:
                return ast.literal_eval(str(info.get("default")))
            except (ValueError, SyntaxError):
                return None
    return None


def check_report_parameters(parameters: dict, notebooks: list[Path] | None = None) -> None:
    """Raise ``ValueError`` at the first unknown name or bad value; the split defaults to the notebooks' own."""
    notebooks = notebook_paths() if notebooks is None else notebooks
    known = known_parameters(notebooks)
    for name in parameters:
        if name not in known:
            raise ValueError(unknown_parameter_message(name, known))
    _check_notebook_parameters(parameters)
    split = notebook_default(notebooks, "split")
    StudySettings.from_parameters({"split": split} if split is not None else {}, **parameters)

"""Check the report's parameters before any notebook runs.

Every name must be declared by some numbered notebook's ``parameters`` cell (or be one of the
report's own, :data:`REPORT_PARAMETERS`); every value must fit the parameter's type annotation in
that cell (``epochs: int = 100``) and its rule in :data:`CHECKS`, which reuses the notebooks' own
checks (:mod:`genre_utils.study.notebook`) and the registries of datasets, splits, feature kinds, contenders
and taggers. A failure is one ``ValueError`` whose message names the parameter and what it accepts.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from pathlib import Path

import papermill

from genre_utils.analysis.learning_curve import check_fractions
from genre_utils.analysis.readings import check_readings
from genre_utils.data.degradations import check_degradation_names
from genre_utils.experiment.runner import RUN_SPLITS
from genre_utils.features.kinds import FEATURE_KINDS
from genre_utils.features.pretrained.musicnn import MODEL_NAMES as TAGGERS
from genre_utils.models import get_contender
from genre_utils.models.thesis_results import THESIS_FEATURE_STUDY
from genre_utils.paths import PROJECT_ROOT
from genre_utils.study.settings import FIELD_CHECKS, FILE_SPLIT, StudySettings, check_choice, check_models, check_seeds

NOTEBOOK_DIR = PROJECT_ROOT / "notebooks"
#: Parameters of the report itself (not of a notebook) and their types.
REPORT_PARAMETERS = {
    "models": "Union[str, list[str]]",
    "feature_study": "list[str]",
    "feature_study_seeds": "Optional[list[int]]",
}
_TYPE_WORDS = {
    "str": "a string",
    "int": "an integer",
    "float": "a number",
    "bool": "true or false",
    "list": "a list",
    "dict": "a mapping",
    "None": "null",
}


def notebook_paths(folder: Path = NOTEBOOK_DIR) -> list[Path]:
    """The numbered notebooks (``01_...ipynb``, ``02_...``) in run order."""
    return sorted(p for p in folder.glob("[0-9][0-9]_*.ipynb") if p.is_file())


def declared_parameters(path: Path) -> set[str]:
    """Names assigned in the notebook's cell tagged ``parameters``."""
    return set(papermill.inspect_notebook(str(path)).keys())


def notebook_parameters(notebooks: list[Path]) -> dict[str, str]:
    """``{name: type annotation}`` of every parameter the notebooks declare (first notebook wins)."""
    declared: dict[str, str] = {}
    for notebook in notebooks:
        for name, info in papermill.inspect_notebook(str(notebook)).items():
            declared.setdefault(name, str(info.get("inferred_type_name") or "None"))
    return declared


def notebook_default(notebooks: list[Path], name: str):
    """The value the first notebook declaring ``name`` gives it in its ``parameters`` cell; None if none does."""
    import ast

    for notebook in notebooks:
        info = papermill.inspect_notebook(str(notebook)).get(name)
        if info is not None:
            try:
                return ast.literal_eval(str(info.get("default")))
            except (ValueError, SyntaxError):
                return None
    return None


def known_parameters(notebooks: list[Path]) -> dict[str, str]:
    """The notebooks' parameters and the report's own (:data:`REPORT_PARAMETERS`), with their types."""
    return {**REPORT_PARAMETERS, **notebook_parameters(notebooks)}


# ---- types from annotations -------------------------------------------------------------------------------


def _split_arguments(text: str) -> list[str]:
    """``"str, list[int]"`` -> ``["str", "list[int]"]`` (commas inside brackets kept)."""
    parts, depth, start = [], 0, 0
    for i, char in enumerate(text):
        depth += {"[": 1, "]": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(text[start:i].strip())
            start = i + 1
    parts.append(text[start:].strip())
    return [p for p in parts if p]


def _parse(annotation: str) -> tuple[str, list[str]]:
    match = re.fullmatch(r"\s*([\w.]+)\s*(?:\[(.*)\])?\s*", annotation)
    if match is None:
        return "", []
    return match.group(1).split(".")[-1], _split_arguments(match.group(2) or "")


def fits_type(value, annotation: str) -> bool:
    """Whether ``value`` (parsed from JSON) fits a papermill type annotation such as ``Optional[float]``.

    Understands ``str``, ``int``, ``float`` (an integer fits), ``bool``, ``list[...]``, ``dict``,
    ``Optional[...]`` and ``Union[...]``; any other annotation (and ``None``, papermill's "unknown") fits.
    """
    head, arguments = _parse(annotation)
    if head == "Optional":
        return value is None or fits_type(value, arguments[0] if arguments else "None")
    if head == "Union":
        return any(fits_type(value, argument) for argument in arguments)
    if head == "str":
        return isinstance(value, str)
    if head == "bool":
        return isinstance(value, bool)
    if head == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if head == "float":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if head in ("list", "List", "tuple", "Tuple"):
        return isinstance(value, (list, tuple)) and (not arguments or all(fits_type(v, arguments[0]) for v in value))
    if head in ("dict", "Dict"):
        return isinstance(value, dict)
    return True


def describe_type(annotation: str) -> str:
    """``Optional[float]`` -> ``a number or null``, for messages."""
    head, arguments = _parse(annotation)
    if head == "Optional":
        return f"{describe_type(arguments[0])} or null" if arguments else "null"
    if head == "Union":
        return " or ".join(describe_type(argument) for argument in arguments)
    if head in ("list", "List", "tuple", "Tuple") and arguments:
        return f"a list of {describe_type(arguments[0]).split(' ', 1)[-1]}s"
    return _TYPE_WORDS.get(head, annotation)


# ---- the rule of each parameter ---------------------------------------------------------------------------


def _integer(name: str, low: int) -> Callable:
    def check(value):
        if not isinstance(value, int) or isinstance(value, bool) or value < low:
            raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")

    return check


def _number(name: str, positive: bool, optional: bool = False) -> Callable:
    rule = "a positive number" if positive else "0 or a positive number"

    def check(value):
        if optional and value is None:
            return
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0 or (positive and value == 0):
            raise ValueError(f"{name} must be {rule}{' or null' if optional else ''}, got {value!r}")

    return check


def _named(name: str, check: Callable) -> Callable:
    """``check`` with its messages prefixed by the parameter's name (for rules shared by several names)."""

    def named(value):
        try:
            check(value)
        except ValueError as error:
            raise ValueError(f"{name}: {error}") from None

    return named


def _optional(check: Callable) -> Callable:
    def optional(value):
        if value is not None:
            check(value)

    return optional


def _notebook_split(value):
    """One split a notebook can run: every split but ``file`` (a split file is the command line's)."""
    check_choice("split", value, [split for split in RUN_SPLITS if split != FILE_SPLIT])


def _one_feature_kind(value):
    if value is not None:
        check_choice("features", value, FEATURE_KINDS)


def _model(value):
    if value is not None:
        check_models([value])


def _check_feature_study(value):
    if not isinstance(value, (list, tuple)):
        raise ValueError(f"feature_study must be a list of feature kinds ([] skips the study), got {value!r}")
    allowed = get_contender(THESIS_FEATURE_STUDY[0]).feature_kinds
    for kind in value:
        check_choice("feature_study kind", kind, allowed)


def _check_curve_models(value):
    if value is not None and (not isinstance(value, (list, tuple)) or not value):
        raise ValueError(f"expected a non-empty list of contender names or null, got {value!r}")
    if value is not None:
        check_models(value)


#: name -> function that raises ``ValueError`` when the value is not usable: the study's settings are
#: checked by their own rules (:data:`genre_utils.study.settings.FIELD_CHECKS`); the notebooks' other
#: parameters here. A parameter without a rule is checked against its type annotation only.
CHECKS: dict[str, Callable] = {
    **{
        name: FIELD_CHECKS[name]
        for name in (
            "dataset",
            "folds",
            "seeds",
            "segment_seconds",
            "epochs",
            "batch_size",
            "patience",
            "workers",
            "models",
            "augment",
        )
    },
    "split": _notebook_split,
    "features": _one_feature_kind,
    "model": _model,
    "feature_study": _check_feature_study,
    "tagger": lambda value: check_choice("tagger", value, TAGGERS),
    "feature_study_seeds": _optional(check_seeds),
    "curve_seeds": _named("curve_seeds", _optional(check_seeds)),
    "fractions": check_fractions,
    "curve_models": _named("curve_models", _check_curve_models),
    "readings": check_readings,
    "reading_seeds": _named("reading_seeds", _optional(check_seeds)),
    "degradations": lambda value: value == "all" or check_degradation_names(value),
    "degradation_seed": _integer("degradation_seed", 0),
    "augment_copies": _integer("augment_copies", 0),
    "augment_models": _named("augment_models", check_models),
    "augment_seeds": _named("augment_seeds", _optional(check_seeds)),
    "seed": _integer("seed", 0),
    "n_mels": _integer("n_mels", 1),
    "top_k": _integer("top_k", 1),
    "synthetic_clips_per_genre": _integer("synthetic_clips_per_genre", 1),
    "summary_clips_per_genre": _integer("summary_clips_per_genre", 1),
    "synthetic_seconds": _number("synthetic_seconds", positive=True),
    "listen_seconds": _number("listen_seconds", positive=True),
    "hop_seconds": _number("hop_seconds", positive=True, optional=True),
}


def unknown_parameter_message(name: str, known) -> str:
    """``unknown parameter 'epoch' (did you mean epochs?)``, or the list of known names when none is close."""
    close = difflib.get_close_matches(name, sorted(known), n=3)
    if close:
        options = close[0] if len(close) == 1 else f"{', '.join(close[:-1])} or {close[-1]}"
        return f"unknown parameter {name!r} (did you mean {options}?)"
    return f"unknown parameter {name!r}; the notebooks' parameters are {', '.join(sorted(known))}"


def check_report_parameters(parameters: dict, notebooks: list[Path] | None = None) -> None:
    """Raise ``ValueError`` (one line) at the first unknown name or unusable value of ``parameters``.

    Names are those of the notebooks' ``parameters`` cells (default: the numbered notebooks) and
    :data:`REPORT_PARAMETERS`; values must fit each parameter's annotation and :data:`CHECKS`, and
    across parameters they must make one :class:`~genre_utils.study.settings.StudySettings`: a feature kind
    every contender that will train can consume, a split (given, or the notebooks' default) the dataset has.
    """
    if notebooks is None:
        notebooks = notebook_paths()
    known = known_parameters(notebooks)
    for name in parameters:
        if name not in known:
            raise ValueError(unknown_parameter_message(name, known))
    for name, value in parameters.items():
        if name in CHECKS:
            CHECKS[name](value)
        elif not fits_type(value, known[name]):
            raise ValueError(f"{name} must be {describe_type(known[name])}, got {value!r}")
    settings = {name: parameters[name] for name in ("dataset", "split", "features", "models") if name in parameters}
    if "split" not in settings and notebook_default(notebooks, "split") is not None:
        settings["split"] = notebook_default(notebooks, "split")
    StudySettings.from_parameters(settings)  # across parameters: the dataset's splits, a kind every contender takes

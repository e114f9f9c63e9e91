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
from pathlib import Path
from typing import Callable

#: Parameters of the report itself (not of a notebook) and their types.
REPORT_PARAMETERS = {"models": "Union[str, list[str]]", "feature_study": "list[str]",
                     "feature_study_seeds": "Optional[list[int]]"}
_TYPE_WORDS = {"str": "a string", "int": "an integer", "float": "a number", "bool": "true or false",
               "list": "a list", "dict": "a mapping", "None": "null"}


def notebook_parameters(notebooks: list[Path]) -> dict[str, str]:
    """``{name: type annotation}`` of every parameter the notebooks declare (first notebook wins)."""
    import papermill

    declared: dict[str, str] = {}
    for notebook in notebooks:
        for name, info in papermill.inspect_notebook(str(notebook)).items():
            declared.setdefault(name, str(info.get("inferred_type_name") or "None"))
    return declared


def notebook_default(notebooks: list[Path], name: str):
    """The value the first notebook declaring ``name`` gives it in its ``parameters`` cell; None if none does."""
    import ast

    import papermill

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
        if (not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0
                or (positive and value == 0)):
            raise ValueError(f"{name} must be {rule}{' or null' if optional else ''}, got {value!r}")
    return check


def _choice(name: str, allowed: Callable[[], tuple | list], optional: bool = False) -> Callable:
    def check(value):
        from genre_utils.study.notebook import check_choice

        if optional and value is None:
            return
        check_choice(name, value, allowed())
    return check


def _datasets():
    from genre_utils.data.datasets import DATASET_NAMES

    return DATASET_NAMES


def _notebook_splits():
    from genre_utils.experiment.runner import RUN_SPLITS

    return [split for split in RUN_SPLITS if split != "file"]  # "file" needs a split file: the command line's


def _feature_kinds():
    from genre_utils.features.kinds import FEATURE_KINDS

    return FEATURE_KINDS


def _contenders():
    from genre_utils.models import contender_names

    return contender_names(include_readings=True)


def _taggers():
    from genre_utils.models.pretrained.musicnn import MODEL_NAMES

    return MODEL_NAMES


def _check_seeds(value):
    from genre_utils.study.notebook import check_seeds

    check_seeds(value)


def _check_models(value):
    from genre_utils.study.notebook import check_models

    check_models(value)


def _check_feature_study(value):
    from genre_utils.analysis.comparison import THESIS_FEATURE_STUDY
    from genre_utils.models import get_contender
    from genre_utils.study.notebook import check_choice

    if not isinstance(value, (list, tuple)):
        raise ValueError(f"feature_study must be a list of feature kinds ([] skips the study), got {value!r}")
    allowed = get_contender(THESIS_FEATURE_STUDY[0]).feature_kinds
    for kind in value:
        check_choice("feature_study kind", kind, allowed)


def _check_optional_seeds(value):
    if value is not None:
        _check_seeds(value)


def _named(name: str, check: Callable) -> Callable:
    """``check`` with its messages prefixed by the parameter's name (for rules shared by several names)."""
    def named(value):
        try:
            check(value)
        except ValueError as error:
            raise ValueError(f"{name}: {error}") from None
    return named


def _check_fractions(value):
    from genre_utils.analysis.learning_curve import check_fractions

    check_fractions(value)


def _check_readings(value):
    from genre_utils.analysis.readings import check_readings

    check_readings(value)


def _check_curve_models(value):
    from genre_utils.study.notebook import check_models

    if value is not None and (not isinstance(value, (list, tuple)) or not value):
        raise ValueError(f"expected a non-empty list of contender names or null, got {value!r}")
    if value is not None:
        check_models(value)


#: name -> function that raises ``ValueError`` when the value is not usable. A parameter without a rule
#: here is checked against its type annotation only.
CHECKS: dict[str, Callable] = {
    "dataset": _choice("dataset", _datasets),
    "split": _choice("split", _notebook_splits),
    "features": _choice("features", _feature_kinds, optional=True),
    "model": _choice("model", _contenders, optional=True),
    "models": _check_models,
    "feature_study": _check_feature_study,
    "tagger": _choice("tagger", _taggers),
    "seeds": _check_seeds,
    "feature_study_seeds": _check_optional_seeds,
    "curve_seeds": _named("curve_seeds", _check_optional_seeds),
    "fractions": _check_fractions,
    "curve_models": _named("curve_models", _check_curve_models),
    "readings": _check_readings,
    "reading_seeds": _named("reading_seeds", _check_optional_seeds),
    "seed": _integer("seed", 0),
    "epochs": _integer("epochs", 1),
    "batch_size": _integer("batch_size", 1),
    "patience": _integer("patience", 0),
    "folds": _integer("folds", 2),
    "workers": _integer("workers", 0),
    "n_mels": _integer("n_mels", 1),
    "top_k": _integer("top_k", 1),
    "synthetic_clips_per_genre": _integer("synthetic_clips_per_genre", 1),
    "summary_clips_per_genre": _integer("summary_clips_per_genre", 1),
    "segment_seconds": _number("segment_seconds", positive=False),
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
    the feature kind must suit every contender that will train (:func:`genre_utils.study.notebook.model_features`)
    and the split (given, or the notebooks' default) must be one of the dataset's.
    """
    if notebooks is None:
        from genre_utils.study.report import notebook_paths

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
    if "dataset" in parameters:  # a split the dataset lacks would stop the training notebook, hours in
        from genre_utils.data.splits import SPLIT_NAMES, check_split_applies

        split = parameters["split"] if "split" in parameters else notebook_default(notebooks, "split")
        if split in SPLIT_NAMES:
            check_split_applies(split, parameters["dataset"])
    if parameters.get("features") is not None:  # the training notebook runs every contender on it
        from genre_utils.study.notebook import check_models, model_features

        models = check_models(parameters.get("models", "all"))
        for model in models:
            model_features(model, parameters["features"])

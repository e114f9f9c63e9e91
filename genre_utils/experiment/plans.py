"""The plans of notebooks 06 and 07, trained by :func:`~genre_utils.experiment.runner.train_plan`.

A learning curve is every contender trained on shares of the training tracks (``RunSpec.train_fraction``), its
share 1 being notebook 03's run. The readings are the other readings of the thesis's open choices (``READINGS`` of
:mod:`genre_utils.models.thesis_cnn` and :mod:`~genre_utils.models.thesis_lstm`), each against the other model.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from genre_utils.experiment.runner import RunSpec
from genre_utils.models import get_contender, reading_names
from genre_utils.models.thesis_results import THESIS_PAIR

DEFAULT_FRACTIONS = (0.125, 0.25, 0.5, 1.0)  # shares of each genre's training tracks
TRAILING, LEADING = THESIS_PAIR  # the thesis ranks its CNN (leading) above its LSTM (trailing)
ALL = "all"  # the readings parameter's value meaning every registered reading of the two thesis models
STUDY_READING = "as_read_here"  # the comparison of the contenders themselves
STUDY_CHOICE = (
    "the MFCC matrix as an image of coefficients x frames, the CNN's 3x2 kernel over 3 coefficients x 2 "
    "frames, 2x2 max pooling, both models on the run's segments"
)  # what cnn and lstm read


def check_fractions(fractions) -> list[float]:
    """A non-empty list of distinct shares in (0, 1], sorted ascending; a single number is a list of one."""
    if isinstance(fractions, (int, float)) and not isinstance(fractions, bool):
        fractions = [fractions]
    if (
        not isinstance(fractions, (list, tuple))
        or not fractions
        or any(isinstance(f, bool) or not isinstance(f, (int, float)) or not 0 < f <= 1 for f in fractions)
    ):
        raise ValueError(f"fractions must be a non-empty list of numbers in (0, 1], got {fractions!r}")
    if len(set(fractions)) != len(fractions):
        raise ValueError(f"fractions must be distinct, got {fractions!r}")
    return sorted(float(f) for f in fractions)


def curve_models(models: list[str], chosen: list[str] | None = None) -> list[str]:
    """The contenders on the curve: those of ``models`` that ``chosen`` names (None: all of them)."""
    if chosen is None:
        return list(models)
    if not isinstance(chosen, (list, tuple)):
        raise ValueError(f"curve_models must be a list of contender names or null, got {chosen!r}")
    for name in chosen:
        get_contender(name)  # raises, naming the registered contenders
    kept = [name for name in models if name in chosen]
    if not kept:
        raise ValueError(f"curve_models {list(chosen)} names none of the study's models {list(models)}")
    return kept


def curve_specs(settings, models=None, fractions=DEFAULT_FRACTIONS, seeds=None) -> list[RunSpec]:
    """Every run of a learning curve: contender x share x seed (x fold), the full share (notebook 03's runs) first."""
    specs = []
    for fraction in reversed(check_fractions(fractions)):
        specs += settings.run_specs(models=models, seeds=seeds, train_fraction=fraction)
    return specs


@dataclass(frozen=True)
class Comparison:
    """A thesis CNN against a thesis LSTM under one reading (``name``: the reading, or :data:`STUDY_READING`)."""

    name: str
    title: str
    choice: str
    cnn: str
    lstm: str


@dataclass(frozen=True)
class ReadingPlan:
    """What notebook 07 trains (``models``: the thesis pair, then the readings kept) and compares."""

    readings: tuple[str, ...]
    models: tuple[str, ...]
    comparisons: tuple[Comparison, ...]
    notes: tuple[str, ...] = ()  # why a reading asked for is left out


def thesis_readings() -> tuple[str, ...]:
    """The registered readings of the two thesis models, the CNN's first."""
    return (*reading_names(LEADING), *reading_names(TRAILING))


def check_readings(readings) -> list[str]:
    """``"all"`` (every reading of the thesis models) or a list of reading names, checked."""
    allowed = thesis_readings()
    if readings == ALL:
        return list(allowed)
    if not isinstance(readings, (list, tuple)):
        raise ValueError(f'readings must be "all" or a list of reading names ({", ".join(allowed)}), got {readings!r}')
    for name in readings:
        if name not in allowed:
            raise ValueError(f"readings: unknown reading {name!r}; expected one of {', '.join(allowed)}")
    return list(dict.fromkeys(readings))


def plan_readings(readings, segment_seconds: float) -> ReadingPlan:
    """The readings that apply, the models to train and the comparisons to make; on whole clips the whole-clip
    and the segments-only readings are left out with a note."""
    kept, notes = [], []
    for name in check_readings(readings):
        reading = get_contender(name)
        if not segment_seconds and reading.whole_clips:
            notes.append(f"{name} is left out: on whole clips it is {reading.reading_of} itself")
        elif not segment_seconds and getattr(reading, "segments_only", False):
            notes.append(f"{name} is left out: it applies to segments only ({reading.choice})")
        else:
            kept.append(reading)
    found = [Comparison(STUDY_READING, "the study's own reading", STUDY_CHOICE, LEADING, TRAILING)]
    for reading in kept:
        cnn, lstm = (reading.name, TRAILING) if reading.reading_of == LEADING else (LEADING, reading.name)
        found.append(Comparison(reading.name, f"the reading *{reading.title}*", reading.choice, cnn, lstm))
    for cnn in (r for r in kept if r.reading_of == LEADING):
        for lstm in (r for r in kept if r.reading_of == TRAILING and r.choice == cnn.choice):
            name = f"{cnn.name}+{lstm.name}"
            found.append(Comparison(name, "the same reading for both models", cnn.choice, cnn.name, lstm.name))
    models = (LEADING, TRAILING, *(r.name for r in kept))
    return ReadingPlan(tuple(r.name for r in kept), models, tuple(found), tuple(notes))


def declarations(plan: ReadingPlan) -> pd.DataFrame:
    """What each model of the plan is: its reading (``reading_of``, ``choice``), input and builder options."""
    rows = []
    for name in plan.models:
        summary = get_contender(name).summary()
        rows.append(
            {
                "model": name,
                "title": summary["title"],
                "reading_of": summary["reading_of"] or "(as read here)",
                "choice": summary["choice"] or STUDY_CHOICE,
                "input": summary["input"],
                "whole_clips": summary["whole_clips"],
                "build_options": summary.get("build_options", {}),
            }
        )
    return pd.DataFrame(rows).set_index("model")

"""The degradation study's plan (notebook 08): which runs, which degraded copies, which files it writes.

Every contender as notebook 03 trains it (its runs are reused) and, with ``augment_copies`` > 0, also
with degraded copies of each training track; each finished run is then scored on its degraded test
tracks (:mod:`genre_utils.experiment.degradation_scores`), read by :mod:`genre_utils.analysis.robustness`.
"""

from __future__ import annotations

import os

from genre_utils.data.degradations import check_degradation_names, degradation_names
from genre_utils.experiment.degradation_scores import degraded_stores, test_track_ids
from genre_utils.experiment.runner import RunSpec
from genre_utils.features.store import FeatureSet
from genre_utils.study.settings import StudySettings, check_models, check_seeds

ALL = "all"
PREDICTIONS_FILE = "robustness_predictions.csv"  # every run's clean and degraded answers, one row per track
TABLE_FILE = "robustness.csv"  # contender x degradation: drop, interval, McNemar
EFFECT_FILE = "augmentation.csv"  # with and without augmentation, and the goal
FIGURE_FILE = "robustness.png"
ANSWER_FILE = "robustness.md"  # the generated sentences, shown on the report's index page


def study_degradations(degradations) -> tuple[str, ...]:
    """``"all"`` (every registered degradation) or a list of names, checked."""
    return degradation_names() if degradations == ALL else check_degradation_names(degradations)


def study_specs(
    settings: StudySettings, augment_copies: int = 0, augment_models=ALL, augment_seeds=None
) -> list[RunSpec]:
    """The study's runs: notebook 03's, then (``augment_copies`` > 0) ``augment_models`` with that many
    degraded copies of each training track, over ``augment_seeds`` (None: the settings' seeds)."""
    specs = settings.run_specs()
    if augment_copies and augment_copies != settings.augment:
        models = [model for model in check_models(augment_models) if model in settings.models]
        if not models:
            raise ValueError(
                f"augment_models {augment_models!r} names none of the study's contenders {', '.join(settings.models)}"
            )
        seeds = settings.seeds if augment_seeds is None else check_seeds(augment_seeds)
        specs += settings.run_specs(models=models, seeds=seeds, augment=augment_copies)
    return specs


def degraded_copies(
    specs: list[RunSpec],
    stores: dict[str, FeatureSet],
    degradations,
    seed: int,
    results_dir: str | os.PathLike,
    workers: int | None = None,
) -> dict[str, dict[str, FeatureSet]]:
    """``{feature kind: {degradation: store}}`` of every track some run of ``specs`` was tested on, cached."""
    tested = test_track_ids(specs, results_dir)
    return {
        kind: degraded_stores(s, degradations, seed=seed, workers=workers, track_ids=tested)
        for kind, s in stores.items()
    }

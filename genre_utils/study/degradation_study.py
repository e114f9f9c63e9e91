"""The degradation study's plan (notebook 08): which runs, which degraded copies, which files it writes.

Every contender is trained (or reused from notebook 03: the same settings give the same run
folders), and, with ``augment_copies`` > 0, also with that many degraded copies of each training
track (:class:`~genre_utils.experiment.runner.RunSpec` ``augment``). Each finished
run is then scored on its clean test tracks and on the same tracks after every degradation
(:mod:`genre_utils.experiment.degradation_scores`); :mod:`genre_utils.analysis.robustness` turns the
answers into the table, the figure, the tests and the sentence written here.
"""

from __future__ import annotations

import os

import pandas as pd

from genre_utils.data.degradations import check_degradation_names, degradation_names
from genre_utils.experiment.degradation_scores import degraded_stores, test_track_ids
from genre_utils.experiment.runner import RunSpec, own_runs, run_experiment
from genre_utils.features.store import FeatureSet
from genre_utils.study.settings import StudySettings, check_models, check_seeds

ALL = "all"
PREDICTIONS_FILE = "robustness_predictions.csv"  # every run's clean and degraded answers, one row per track
TABLE_FILE = "robustness.csv"  # contender x degradation: drop, interval, McNemar
EFFECT_FILE = "augmentation.csv"  # with and without augmentation, and the goal
FIGURE_FILE = "robustness.png"
ANSWER_FILE = "robustness.md"  # the generated sentences, shown on the report's index page


def study_degradations(degradations) -> tuple[str, ...]:
    """``"all"`` (every registered degradation) or a list of names, checked.

    Raises:
        ValueError: Naming the registered degradations, for an unknown or repeated name.
    """
    return degradation_names() if degradations == ALL else check_degradation_names(degradations)


def study_specs(
    settings: StudySettings, augment_copies: int = 0, augment_models=ALL, augment_seeds=None
) -> list[RunSpec]:
    """The runs of the study: every contender of ``settings`` as the settings train it (notebook 03's
    runs), then (with ``augment_copies`` > 0) ``augment_models`` with that many degraded copies of each
    training track, over ``augment_seeds`` (None: the settings' seeds).

    Raises:
        ValueError: Naming the parameter, for a bad ``augment_copies``, an unknown contender or a bad seed.
    """
    if isinstance(augment_copies, bool) or not isinstance(augment_copies, int) or augment_copies < 0:
        raise ValueError(f"augment_copies must be a whole number >= 0, got {augment_copies!r}")
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


def train_study(
    specs: list[RunSpec], stores: dict[str, FeatureSet], results_dir: str | os.PathLike, log=print
) -> pd.DataFrame:
    """Train (or reuse) every run; the finished runs of ``specs`` only."""
    return own_runs(run_experiment(specs, stores, results_dir, log=log), specs)


def degraded_copies(
    specs: list[RunSpec],
    stores: dict[str, FeatureSet],
    degradations,
    seed: int,
    results_dir: str | os.PathLike,
    workers: int | None = None,
) -> dict[str, dict[str, FeatureSet]]:
    """``{feature kind: {degradation: store}}``: every track some run of ``specs`` was tested on, after
    every degradation, built once and cached (only test tracks are ever degraded for scoring)."""
    tested = test_track_ids(specs, results_dir)
    return {
        kind: degraded_stores(store, degradations, seed=seed, workers=workers, track_ids=tested)
        for kind, store in stores.items()
    }

"""The degradation study's measurements: each finished run scored on degraded copies of its own test tracks.

A run's saved model and training statistics classify its test tracks after each degradation (a cached degraded
store), aggregated per track as it was evaluated. One degradation seed for the study, so that clean and degraded
answers pair track by track for McNemar. Each run keeps its answers in ``degraded_predictions.csv``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd

from genre_utils.data.datasets.table import STATUS_OK
from genre_utils.data.degradations import check_degradation_names
from genre_utils.experiment.inputs import WHOLE_CLIP, side_arrays
from genre_utils.experiment.runner import (
    PREDICTIONS_FILE,
    STANDARDIZER_FILE,
    RunSpec,
    finished_result,
    run_folder,
    side_predictions,
)
from genre_utils.features.standardize import Standardizer
from genre_utils.features.store import FeatureSet, degraded_copy
from genre_utils.models import get_contender
from genre_utils.models.hyperparameters import CONFIG_FILE
from genre_utils.paths import write_csv

CLEAN = "clean"  # the degradation column's value for the clean test tracks
DEGRADED_FILE = "degraded_predictions.csv"  # in a run folder
PREDICTION_COLUMNS = ["degradation", "track_id", "true", "predicted", "correct"]
RUN_COLUMNS = ["dataset", "model", "features", "split", "segment_seconds", "seed", "fold", "augment"]
COLUMNS = [*RUN_COLUMNS, "run", "learned", *PREDICTION_COLUMNS]
DEFAULT_DEGRADATION_SEED = 0  # one seed for the study: every run hears the same degraded audio


def degraded_stores(
    store: FeatureSet,
    names,
    seed: int = DEFAULT_DEGRADATION_SEED,
    workers: int | None = None,
    progress: bool = False,
    track_ids=None,
) -> dict[str, FeatureSet]:
    """``{degradation: store of every track (or of ``track_ids``) after it}``, built once and reopened after."""
    names = check_degradation_names(names)
    return {
        name: degraded_copy(store, name, seed=seed, workers=workers, progress=progress, track_ids=track_ids)
        for name in names
    }


def test_track_ids(specs: list[RunSpec], results_dir: str | os.PathLike) -> list[str]:
    """Every track that some finished run of ``specs`` was tested on (sorted): all a degradation study degrades."""
    tracks = set()
    for spec in specs:
        path = run_folder(results_dir, spec) / PREDICTIONS_FILE
        if path.is_file():
            tracks |= set(pd.read_csv(path, dtype={"track_id": str}, usecols=["track_id"])["track_id"])
    return sorted(tracks)


def score_degraded(spec: RunSpec, degraded: dict[str, FeatureSet], results_dir: str | os.PathLike) -> pd.DataFrame:
    """A finished run's per-track answers on its clean test tracks and each degraded version of them (the tracks
    every degraded store could make); empty for a final model."""
    folder = run_folder(results_dir, spec)
    if finished_result(folder, spec) is None:
        raise ValueError(f"{folder} holds no finished run of {spec.name}: train it first (train_plan)")
    if not (folder / PREDICTIONS_FILE).is_file():  # a final model: no test tracks to degrade
        return pd.DataFrame(columns=PREDICTION_COLUMNS)
    clean = pd.read_csv(folder / PREDICTIONS_FILE, dtype={"track_id": str, "true": str, "predicted": str})
    kept = _cached(folder, degraded)
    missing = [name for name in degraded if name not in set(kept["degradation"])]
    if missing:
        scored = _score(spec, folder, clean["track_id"].tolist(), {name: degraded[name] for name in missing})
        kept = pd.concat([kept, scored], ignore_index=True)
        write_csv(folder / DEGRADED_FILE, kept)
    kept = kept[kept["degradation"].isin(list(degraded))]
    everywhere = set(clean["track_id"])
    for _, group in kept.groupby("degradation"):
        everywhere &= set(group["track_id"])
    clean = clean.assign(degradation=CLEAN)[PREDICTION_COLUMNS]
    table = pd.concat([clean, kept[PREDICTION_COLUMNS]], ignore_index=True)
    table = table[table["track_id"].isin(everywhere)]
    table["correct"] = table["correct"].astype(bool)
    order = {name: position for position, name in enumerate([CLEAN, *degraded])}
    return table.sort_values(
        ["degradation", "track_id"],
        key=lambda column: column.map(order) if column.name == "degradation" else column,
        kind="stable",
    ).reset_index(drop=True)


def robustness_predictions(
    specs: list[RunSpec], stores: dict[str, dict[str, FeatureSet]], results_dir: str | os.PathLike, log=print
) -> pd.DataFrame:
    """One long table (:data:`COLUMNS`) of every run's clean and degraded answers, one log line per run
    (``stores``: ``{feature kind: {degradation: degraded store}}``)."""
    frames = []
    for number, spec in enumerate(specs, start=1):
        if spec.features not in stores:
            raise ValueError(f"no degraded stores for features {spec.features!r}; have {sorted(stores)}")
        answers = score_degraded(spec, stores[spec.features], results_dir)
        if answers.empty:
            continue
        result = finished_result(run_folder(results_dir, spec), spec)
        facts = {column: getattr(spec, column) for column in RUN_COLUMNS}
        frames.append(answers.assign(**facts, run=spec.name, learned=bool(result.get("learned", True)))[COLUMNS])
        accuracy = answers.groupby("degradation", sort=False)["correct"].mean()
        log(
            f"[{number}/{len(specs)}] {spec.name}: clean {accuracy.get(CLEAN, np.nan):.3f}, "
            + ", ".join(f"{name} {value:.3f}" for name, value in accuracy.items() if name != CLEAN)
        )
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COLUMNS)


def _cached(folder: Path, degraded: dict[str, FeatureSet]) -> pd.DataFrame:
    """The run's stored degraded answers that came from exactly these degraded stores."""
    path = folder / DEGRADED_FILE
    if not path.is_file():
        return pd.DataFrame(columns=[*PREDICTION_COLUMNS, "store"])
    stored = pd.read_csv(path, dtype={"track_id": str, "true": str, "predicted": str, "store": str})
    current = {name: Path(str(store.directory)).name for name, store in degraded.items()}
    return stored[stored["degradation"].map(current) == stored["store"]].reset_index(drop=True)


def _score(spec: RunSpec, folder: Path, track_ids: list[str], degraded: dict[str, FeatureSet]) -> pd.DataFrame:
    """Classify the degraded versions of ``track_ids`` with the run's saved model and statistics."""
    contender = get_contender(spec.model)
    config = json.loads((folder / CONFIG_FILE).read_text())
    class_names = list(config["class_names"])
    predictor = contender.load(folder)
    standardizer = Standardizer.load(folder / STANDARDIZER_FILE) if contender.standardize else None
    segment_seconds = WHOLE_CLIP if contender.whole_clips else spec.segment_seconds
    frames = []
    for name, store in degraded.items():
        if store.config.to_dict() != config["feature_config"]:
            raise ValueError(f"the degraded store {store.directory} holds other features than {folder} was trained on")
        table = store.tracks.set_index("track_id").loc[track_ids].reset_index()
        table = table[table["status"] == STATUS_OK]
        side = side_arrays(store, table, segment_seconds, class_names)
        if standardizer is not None:
            side.x = standardizer.transform(side.x)
        _, ids, probabilities, truth = side_predictions(predictor, side, spec.aggregation)
        names = np.asarray(class_names, dtype=object)
        predicted, true = names[probabilities.argmax(axis=1)], names[truth]
        frames.append(
            pd.DataFrame(
                {
                    "degradation": name,
                    "track_id": ids,
                    "true": true,
                    "predicted": predicted,
                    "correct": predicted == true,
                    "store": Path(str(store.directory)).name,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)

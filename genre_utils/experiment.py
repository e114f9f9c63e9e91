"""Run model x dataset x split x features x seeds, one folder per run, resuming a killed sweep.

A run folder (``<results>/<dataset>/runs/<model>-<features>-<split>-<unit>-seed<N>/``) holds
what :func:`genre_utils.training.train` writes (``model.keras``, ``history.csv``,
``config.json``), the standardization statistics (``standardizer.json``), the per-track test
predictions (``predictions.csv``), the metrics (``metrics.json``, ``per_genre.csv``,
``confusion.csv``) and, written last, ``result.json``: a run counts as finished only when that
file exists and describes the same settings, so a killed sweep resumes where it stopped and a
changed setting is retrained, never read stale. :func:`collect_runs` gathers every finished run
into ``runs.csv``, which the comparative notebook reads.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from genre_utils.evaluation import (aggregate_tracks, classification_report, predictions_frame, report_to_files,
                                    track_labels)
from genre_utils.feature_store import FeatureSet
from genre_utils.inputs import ModelInputs, prepare_inputs, random_segment_inputs
from genre_utils.models import MODEL_NAMES, build_model
from genre_utils.splits import SPLIT_NAMES, carve_validation, check_disjoint, make_split
from genre_utils.atomic import write_json
from genre_utils.training import TrainingSettings, set_seeds, train

LEAKY_SPLIT = "random_segments"  # the tutorial mistake, run only to measure it
RUN_SPLITS = (*SPLIT_NAMES, LEAKY_SPLIT)
AGGREGATIONS = ("mean", "vote")
RESULT_FILE = "result.json"
RUNS_FILE = "runs.csv"
PREDICTIONS_FILE = "predictions.csv"
STANDARDIZER_FILE = "standardizer.json"
LEAKY_SEGMENT_SECONDS = 3.0  # segment length when a leaky run is asked for whole clips


@dataclass(frozen=True)
class RunSpec:
    """One training run.

    Attributes:
        dataset: ``synthetic``, ``gtzan`` or ``fma_small``.
        model: ``cnn`` or ``lstm``.
        split: ``thesis``, ``fault_filtered`` (GTZAN), ``official`` (FMA) or ``random_segments``.
        features: ``mfcc`` (thesis), ``logmel`` or ``chroma``.
        seed: Seeds the thesis split's draw, the validation carve-out, weights and dropout.
        segment_seconds: 0 trains on whole clips (thesis); else segment length in seconds.
        epochs, batch_size, patience: See :class:`genre_utils.training.TrainingSettings`.
        aggregation: How segment probabilities become a track's prediction (``mean`` or ``vote``).
    """

    dataset: str
    model: str
    split: str = "thesis"
    features: str = "mfcc"
    seed: int = 0
    segment_seconds: float = 0.0
    epochs: int = TrainingSettings.epochs
    batch_size: int = TrainingSettings.batch_size
    patience: int = TrainingSettings.patience
    aggregation: str = "mean"

    def __post_init__(self):
        for name, value, allowed in (("model", self.model, MODEL_NAMES), ("split", self.split, RUN_SPLITS),
                                     ("aggregation", self.aggregation, AGGREGATIONS)):
            if value not in allowed:
                raise ValueError(f"unknown {name} {value!r}; expected one of {', '.join(allowed)}")
        if self.segment_seconds < 0:
            raise ValueError(f"segment_seconds must be 0 (whole clips) or positive, got {self.segment_seconds!r}")
        self.settings()  # validates epochs, batch size, patience and seed

    @property
    def unit(self) -> str:
        """``clip`` or ``seg3s`` (what one training item is)."""
        return f"seg{self.segment_seconds:g}s" if self.segment_seconds else "clip"

    @property
    def name(self) -> str:
        """The run folder's name."""
        return f"{self.model}-{self.features}-{self.split}-{self.unit}-seed{self.seed}"

    def settings(self) -> TrainingSettings:
        """The training hyper-parameters."""
        return TrainingSettings(epochs=self.epochs, batch_size=self.batch_size, patience=self.patience,
                                seed=self.seed)


def run_folder(results_dir: str | os.PathLike, spec: RunSpec) -> Path:
    """``<results_dir>/<dataset>/runs/<spec.name>``."""
    return Path(results_dir) / spec.dataset / "runs" / spec.name


def finished_result(folder: Path, spec: RunSpec) -> dict | None:
    """The stored result when ``folder`` holds a finished run of exactly ``spec``, else None."""
    path = folder / RESULT_FILE
    if not path.is_file():
        return None
    result = json.loads(path.read_text())
    return result if result.get("spec") == asdict(spec) else None


def make_inputs(store: FeatureSet, spec: RunSpec) -> ModelInputs:
    """The leak-free (or, for ``random_segments``, the deliberately leaky) inputs of a run."""
    if spec.split == LEAKY_SPLIT:
        return random_segment_inputs(store, spec.segment_seconds or LEAKY_SEGMENT_SECONDS, seed=spec.seed)
    split = make_split(store.tracks, spec.split, dataset=spec.dataset, seed=spec.seed)
    notes = []
    if not (split == "valid").any():
        split = carve_validation(split, store.tracks, seed=spec.seed)
        notes.append(f"the {spec.split} split has no validation tracks: {int((split == 'valid').sum())} training "
                     "tracks were set aside for early stopping; test tracks were never seen in training")
    check_disjoint(store.tracks, split)
    if "artist" in store.tracks.columns and spec.split != "thesis":
        check_disjoint(store.tracks, split, group_column="artist")
        notes.append("no artist appears on two sides of the split")
    inputs = prepare_inputs(store, split, spec.segment_seconds)
    inputs.notes.extend(notes)
    return inputs


def run_one(spec: RunSpec, store: FeatureSet, results_dir: str | os.PathLike, verbose: int = 0,
            model_options: dict | None = None) -> dict:
    """Train and evaluate one run unless it already finished; return its result.

    Raises:
        ValueError: If the store's dataset or features do not match ``spec``.
    """
    if store.config.kind != spec.features:
        raise ValueError(f"spec asks for {spec.features!r} features but the store holds {store.config.kind!r}")
    folder = run_folder(results_dir, spec)
    done = finished_result(folder, spec)
    if done is not None:
        return done
    if folder.exists():  # a killed or outdated run: start it again from nothing
        shutil.rmtree(folder)
    inputs = make_inputs(store, spec)
    set_seeds(spec.seed)
    model = build_model(spec.model, inputs.input_shape, len(inputs.class_names), **(model_options or {}))
    description = {"spec": asdict(spec), "class_names": inputs.class_names, "feature_config": store.config.to_dict(),
                   "counts": inputs.counts().reset_index().to_dict(orient="records"), "notes": inputs.notes,
                   "model_options": model_options or {}}
    trained = train(model, (inputs.train.x, inputs.train.y), (inputs.valid.x, inputs.valid.y), folder,
                    spec.settings(), description=description, verbose=verbose)
    inputs.standardizer.save(folder / STANDARDIZER_FILE)
    metrics = evaluate(trained.model, inputs, spec.aggregation, folder)
    result = {"spec": asdict(spec), **metrics, "parameters": int(trained.model.count_params()),
              "epochs_run": len(trained.history), "best_epoch": trained.best_epoch,
              "train_seconds": round(trained.seconds, 2), "notes": inputs.notes,
              "test_tracks": inputs.test.n_tracks, "train_tracks": inputs.train.n_tracks,
              "valid_tracks": inputs.valid.n_tracks}
    write_json(folder / RESULT_FILE, result)
    return result


def evaluate(model, inputs: ModelInputs, aggregation: str, folder: Path) -> dict:
    """Per-track test metrics (files in ``folder``) plus the other aggregation and per-item accuracy."""
    probabilities = model.predict(inputs.test.x, verbose=0)
    y_items = inputs.test.y
    track_ids, track_probabilities = aggregate_tracks(probabilities, inputs.test.track_ids, method=aggregation)
    y_true = track_labels(y_items, inputs.test.track_ids)
    report = classification_report(y_true, track_probabilities.argmax(axis=1), inputs.class_names)
    report_to_files(report, folder)
    predictions_frame(track_ids, y_true, track_probabilities, inputs.class_names).to_csv(
        folder / PREDICTIONS_FILE, index=False)
    other = "vote" if aggregation == "mean" else "mean"
    _, other_probabilities = aggregate_tracks(probabilities, inputs.test.track_ids, method=other)
    return {"accuracy": report["accuracy"], "balanced_accuracy": report["balanced_accuracy"],
            "macro_f1": report["macro_f1"],
            f"accuracy_{other}": float(np.mean(other_probabilities.argmax(axis=1) == y_true)),
            "item_accuracy": float(np.mean(probabilities.argmax(axis=1) == y_items))}


def run_experiment(specs: list[RunSpec], stores: dict[str, FeatureSet], results_dir: str | os.PathLike,
                   verbose: int = 0, log=print) -> pd.DataFrame:
    """Run every spec (skipping finished ones) and return :func:`collect_runs` for their datasets.

    Args:
        specs: The runs, e.g. from :func:`sweep`.
        stores: Feature store per features kind (``{"mfcc": store}``), all of one dataset.
        results_dir: Root of the results.
        log: Called with one line per run.
    """
    for number, spec in enumerate(specs, start=1):
        if spec.features not in stores:
            raise ValueError(f"no feature store for features {spec.features!r}; have {sorted(stores)}")
        already = finished_result(run_folder(results_dir, spec), spec) is not None
        result = run_one(spec, stores[spec.features], results_dir, verbose=verbose)
        state = "finished earlier" if already else f"trained in {result['train_seconds']:.0f} s"
        log(f"[{number}/{len(specs)}] {spec.dataset} {spec.name}: accuracy {result['accuracy']:.3f} ({state})")
    frames = [collect_runs(results_dir, dataset) for dataset in sorted({s.dataset for s in specs})]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def sweep(dataset: str, models=MODEL_NAMES, splits=("thesis",), features=("mfcc",), seeds=(0,), **common) -> list[RunSpec]:
    """Every combination, seeds innermost-last so each seed's models train back to back."""
    return [RunSpec(dataset=dataset, model=model, split=split, features=kind, seed=int(seed), **common)
            for kind in features for split in splits for seed in seeds for model in models]


def collect_runs(results_dir: str | os.PathLike, dataset: str) -> pd.DataFrame:
    """One row per finished run of ``dataset`` (spec, metrics, timings), also written as ``runs.csv``."""
    runs_dir = Path(results_dir) / dataset / "runs"
    rows = []
    for path in sorted(runs_dir.glob(f"*/{RESULT_FILE}")):
        result = json.loads(path.read_text())
        row = {**result["spec"], **{k: v for k, v in result.items() if k not in ("spec", "notes")}}
        row["notes"] = " ".join(f"{note[0].upper()}{note[1:]}." for note in result.get("notes", []))
        row["folder"] = str(path.parent)
        rows.append(row)
    table = pd.DataFrame(rows)
    if rows:
        table.to_csv(Path(results_dir) / dataset / RUNS_FILE, index=False)
    return table

"""Run contender x dataset x split x features x seeds, one folder per run, resuming a killed sweep.

Every contender goes the same way: the same track splits and seeds, leak-free inputs, per-track evaluation and a run
folder ``<results>/<dataset>/runs/<spec.name>/`` whose ``result.json``, written last, marks the run finished for
exactly its settings, so a killed sweep resumes and a changed setting is retrained. :func:`train_plan` trains a plan.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
from dataclasses import MISSING, asdict, dataclass, fields
from pathlib import Path

import numpy as np
import pandas as pd

from genre_utils.data.conditions import training_conditions, write_training_conditions
from genre_utils.data.degradations import AUGMENTATION_DEGRADATIONS
from genre_utils.data.splits import SPLIT_NAMES, carve_validation, check_disjoint, make_split, training_subset
from genre_utils.experiment.evaluation import classification_report, predictions_frame, report_to_files
from genre_utils.experiment.inputs import (
    DEFAULT_SEGMENT_SECONDS,
    WHOLE_CLIP,
    ModelInputs,
    prepare_inputs,
    random_segment_inputs,
)
from genre_utils.experiment.learning_check import judge
from genre_utils.features.store import FeatureSet, degraded_copy
from genre_utils.formatting import did_you_mean
from genre_utils.models import contender_names, get_contender
from genre_utils.models.aggregation import aggregate_tracks, track_labels
from genre_utils.models.hyperparameters import TrainingSettings
from genre_utils.models.streaming import should_stream
from genre_utils.paths import write_csv, write_json

LEAKY_SPLIT = "random_segments"  # the tutorial mistake, run only to measure it
RUN_SPLITS = (*SPLIT_NAMES, LEAKY_SPLIT)
AGGREGATIONS = ("mean", "vote")
RESULT_FILE = "result.json"
RUNS_FILE = "runs.csv"
SKIPPED_FILE = "skipped.csv"
PREDICTIONS_FILE = "predictions.csv"
STANDARDIZER_FILE = "standardizer.json"
LEAKY_SEGMENT_SECONDS = 3.0  # segment length when a leaky run is asked for whole clips


@dataclass(frozen=True)
class RunSpec:
    """One training run; the fields and values are those of ``python -m genre_utils.run --help``.

    ``segment_seconds`` 0 trains on whole clips; ``train_fraction`` keeps that share of each genre's
    training tracks (learning curves); ``augment`` adds that many degraded copies of each training track
    (:func:`augmentation_stores`); ``folds``/``fold`` apply to ``kfold``, ``split_file`` to ``file``.
    """

    dataset: str
    model: str
    split: str = "thesis"
    features: str | None = None
    seed: int = 0
    segment_seconds: float = DEFAULT_SEGMENT_SECONDS
    epochs: int = TrainingSettings.epochs
    batch_size: int = TrainingSettings.batch_size
    patience: int = TrainingSettings.patience
    aggregation: str = "mean"
    folds: int = 0
    fold: int = 0
    split_file: str = ""
    train_fraction: float = 1.0
    augment: int = 0

    def __post_init__(self):
        contender = get_contender(self.model)  # raises, naming the registered contenders
        if self.features is None:
            object.__setattr__(self, "features", contender.features)
        for name, value, allowed in (
            ("split", self.split, RUN_SPLITS),
            ("aggregation", self.aggregation, AGGREGATIONS),
            (f"features for {self.model}", self.features, contender.feature_kinds),
        ):
            if value not in allowed:
                raise ValueError(
                    f"unknown {name} {value!r}{did_you_mean(value, allowed)}; expected one of {', '.join(allowed)}"
                )
        if self.split == "kfold":
            if self.folds < 2 or not 0 <= self.fold < self.folds:
                raise ValueError(
                    f"kfold needs folds >= 2 and fold in 0..folds-1, got folds={self.folds}, fold={self.fold}"
                )
        elif self.folds or self.fold:
            raise ValueError(f"folds and fold apply to the kfold split only, not {self.split!r}")
        if (self.split == "file") != bool(self.split_file):
            raise ValueError(
                "split='file' needs split_file (a CSV of track_id,side), and split_file needs "
                f"split='file'; got split={self.split!r}, split_file={self.split_file!r}"
            )
        if self.split == LEAKY_SPLIT and contender.whole_clips:
            raise ValueError(f"{self.model} classifies whole clips; the random-segment split needs a segment model")
        fraction = self.train_fraction
        if isinstance(fraction, bool) or not isinstance(fraction, (int, float)) or not 0 < fraction <= 1:
            raise ValueError(f"train_fraction must be a number in (0, 1], got {fraction!r}")
        if isinstance(self.augment, bool) or not isinstance(self.augment, (int, np.integer)) or self.augment < 0:
            raise ValueError(f"augment must be a whole number of degraded copies >= 0, got {self.augment!r}")
        for name, plain in (("train_fraction", 1), ("augment", 0)):
            if self.split == LEAKY_SPLIT and getattr(self, name) != plain:
                raise ValueError(f"{name} applies to splits by track, not to the random-segment split")
        self.settings()  # validates epochs, batch size, patience and seed

    @property
    def unit(self) -> str:
        """``clip`` or ``seg3s`` (what one training item is)."""
        return f"seg{self.segment_seconds:g}s" if self.segment_seconds else "clip"

    @property
    def split_label(self) -> str:
        """The split as it appears in folder names: ``thesis``, ``kfold5-fold2``, ``file-final``."""
        if self.split == "kfold":
            return f"kfold{self.folds}-fold{self.fold}"
        if self.split == "file":
            stem = "".join(c if c.isalnum() or c == "_" else "_" for c in Path(self.split_file).stem)
            return f"file-{stem}"
        return self.split

    @property
    def name(self) -> str:
        """The run folder's name."""
        fraction = f"-train{self.train_fraction:g}" if self.train_fraction < 1 else ""
        augmented = f"-aug{self.augment}" if self.augment else ""
        return f"{self.model}-{self.features}-{self.split_label}-{self.unit}-seed{self.seed}{augmented}{fraction}"

    def settings(self) -> TrainingSettings:
        """The training hyper-parameters."""
        return TrainingSettings(epochs=self.epochs, batch_size=self.batch_size, patience=self.patience, seed=self.seed)


def run_folder(results_dir: str | os.PathLike, spec: RunSpec) -> Path:
    """``<results_dir>/<dataset>/runs/<spec.name>``."""
    return Path(results_dir) / spec.dataset / "runs" / spec.name


def finished_result(folder: Path, spec: RunSpec) -> dict | None:
    """The stored result when ``folder`` holds a finished run of exactly ``spec`` (and split file), else None."""
    path = folder / RESULT_FILE
    if not path.is_file():
        return None
    result = json.loads(path.read_text())
    if _full_spec(result) != asdict(spec) or "learned" not in result:  # "learned": judged (learning_check)
        return None
    if spec.split_file and result.get("split_file_sha256") != _file_digest(spec.split_file):
        return None
    return result


def _full_spec(result: dict) -> dict:
    """A stored result's spec with the defaults of the fields older runs lack."""
    return {**{f.name: f.default for f in fields(RunSpec) if f.default is not MISSING}, **result.get("spec", {})}


def augmentation_stores(store: FeatureSet, copies: int, workers: int | None = None) -> list[FeatureSet]:
    """The ``copies`` degraded copies of ``store`` that training with augmentation draws on (built once, cached)."""
    return [degraded_copy(store, AUGMENTATION_DEGRADATIONS, seed=copy, workers=workers) for copy in range(copies)]


def make_inputs(store: FeatureSet, spec: RunSpec, workers: int | None = None) -> ModelInputs:
    """The leak-free (or, for ``random_segments``, the deliberately leaky) inputs of a run; ``workers`` extract
    its augmentation copies where they are not cached."""
    if spec.split == LEAKY_SPLIT:
        return random_segment_inputs(store, spec.segment_seconds or LEAKY_SEGMENT_SECONDS, seed=spec.seed)
    contender = get_contender(spec.model)
    split = make_split(
        store.tracks,
        spec.split,
        dataset=spec.dataset,
        seed=spec.seed,
        folds=spec.folds or 5,
        fold=spec.fold,
        split_file=spec.split_file or None,
    )
    notes = []
    if not (split == "valid").any():
        split = carve_validation(split, store.tracks, seed=spec.seed)
        notes.append(
            f"the {spec.split} split has no validation tracks: {int((split == 'valid').sum())} training "
            "tracks were set aside for early stopping and model selection; test tracks were never seen "
            "in training"
        )
    if spec.train_fraction < 1:
        before = int((split == "train").sum())
        split = training_subset(split, store.tracks, spec.train_fraction, seed=spec.seed)
        notes.append(
            f"learning curve: {int((split == 'train').sum())} of the {before} training tracks kept "
            f"({spec.train_fraction:g} of each genre's); validation and test tracks unchanged"
        )
    check_disjoint(store.tracks, split)
    if "artist" in store.tracks.columns and spec.split != "thesis":
        check_disjoint(store.tracks, split, group_column="artist")
        notes.append("no artist appears on two sides of the split")
    segment_seconds = WHOLE_CLIP if contender.whole_clips else spec.segment_seconds
    if contender.whole_clips and spec.segment_seconds:
        notes.append(f"{contender.title} classifies whole clips: one item per track whatever the segment length")
    inputs = prepare_inputs(
        store,
        split,
        segment_seconds,
        standardize=contender.standardize,
        require_test=spec.split != "file",
        stream=should_stream(store, split, streams=contender.streams),
        augmented=augmentation_stores(store, spec.augment, workers),
    )
    if not len(inputs.test):
        notes.append("the split has no test tracks: a final model trained on all listed tracks, not evaluated")
    inputs.notes.extend(notes)
    return inputs


def run_one(
    spec: RunSpec,
    store: FeatureSet,
    results_dir: str | os.PathLike,
    verbose: int = 0,
    model_options: dict | None = None,
    workers: int | None = None,
) -> dict:
    """Fit and evaluate one run of any contender unless it already finished; return its result (``workers``:
    feature extraction, for augmentation copies not yet cached)."""
    if store.config.kind != spec.features:
        raise ValueError(f"spec asks for {spec.features!r} features but the store holds {store.config.kind!r}")
    folder = run_folder(results_dir, spec)
    done = finished_result(folder, spec)
    if done is not None:
        return done
    if folder.exists():  # a killed or outdated run: start it again from nothing
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    contender = get_contender(spec.model)
    inputs = make_inputs(store, spec, workers)
    description = {
        "spec": asdict(spec),
        "contender": contender.summary(),
        "class_names": inputs.class_names,
        "feature_config": store.config.to_dict(),
        "segment_frames": int(inputs.input_shape[-1]),
        "counts": inputs.counts().reset_index().to_dict(orient="records"),
        "notes": inputs.notes,
        "model_options": model_options or {},
        "streamed": inputs.streamed,
    }
    fitted = contender.fit(inputs, spec.settings(), folder, description, verbose=verbose, **(model_options or {}))
    if inputs.standardizer is not None:
        inputs.standardizer.save(folder / STANDARDIZER_FILE)
    metrics = (
        evaluate(fitted.predictor, inputs, spec.aggregation, folder)
        if len(inputs.test)
        else dict.fromkeys(("accuracy", "balanced_accuracy", "macro_f1", "item_accuracy"))
    )
    verdict = learning_verdict(fitted.predictor, inputs, spec.aggregation, folder)
    result = {
        "spec": asdict(spec),
        **metrics,
        **verdict,
        "parameters": int(fitted.parameters),
        "epochs_run": fitted.epochs_run,
        "best_epoch": fitted.best_epoch,
        "stopped_by": fitted.stopped_by,
        "train_seconds": round(fitted.seconds, 2),
        "notes": inputs.notes,
        "test_tracks": inputs.test.n_tracks if len(inputs.test) else 0,
        "train_tracks": inputs.train.n_tracks,
        "valid_tracks": inputs.valid.n_tracks,
        "streamed": inputs.streamed,
    }
    if spec.split_file:
        result["split_file_sha256"] = _file_digest(spec.split_file)
    augmentation = {"copies": spec.augment, "degradations": list(AUGMENTATION_DEGRADATIONS)} if spec.augment else None
    write_training_conditions(folder, training_conditions(store.usable, store.config.sample_rate, augmentation))
    write_json(folder / RESULT_FILE, result)
    return result


def _file_digest(path: str) -> str | None:
    import pooch  # lazy: pooch only for split files

    return pooch.file_hash(path, alg="sha256") if Path(path).is_file() else None


def learning_verdict(predictor, inputs: ModelInputs, aggregation: str, folder: Path) -> dict:
    """:func:`~genre_utils.experiment.learning_check.judge` on the clean training tracks and the test predictions
    :func:`evaluate` wrote to ``folder``."""
    clean_train = inputs.clean_train if inputs.clean_train is not None else inputs.train  # not its degraded copies
    _, _, train_tracks, train_true = side_predictions(predictor, clean_train, aggregation)
    test_true = test_predicted = None
    if len(inputs.test):
        predictions = pd.read_csv(folder / PREDICTIONS_FILE, dtype={"true": str, "predicted": str})
        names = [str(name) for name in inputs.class_names]
        test_true, test_predicted = (
            pd.Categorical(predictions[column], categories=names).codes for column in ("true", "predicted")
        )
    return judge(
        train_true,
        train_tracks.argmax(axis=1),
        len(inputs.class_names),
        test_true,
        test_predicted,
        class_names=inputs.class_names,
    )


def side_predictions(predictor, side, aggregation: str) -> tuple:
    """``(item probabilities, track ids, track probabilities, true label per track)`` of one side of a run."""
    probabilities = np.asarray(predictor.predict_proba(side.x, valid_frames=side.valid_frames))
    track_ids, track_probabilities = aggregate_tracks(probabilities, side.track_ids, method=aggregation)
    return probabilities, track_ids, track_probabilities, track_labels(side.y, side.track_ids)


def evaluate(predictor, inputs: ModelInputs, aggregation: str, folder: Path) -> dict:
    """Per-track test metrics (files in ``folder``) plus the other aggregation and per-item accuracy."""
    probabilities, track_ids, track_probabilities, y_true = side_predictions(predictor, inputs.test, aggregation)
    y_items = inputs.test.y
    report = classification_report(y_true, track_probabilities.argmax(axis=1), inputs.class_names)
    report_to_files(report, folder)
    predictions_frame(track_ids, y_true, track_probabilities, inputs.class_names).to_csv(
        folder / PREDICTIONS_FILE, index=False
    )
    other = "vote" if aggregation == "mean" else "mean"
    _, other_probabilities = aggregate_tracks(probabilities, inputs.test.track_ids, method=other)
    return {
        "accuracy": report["accuracy"],
        "balanced_accuracy": report["balanced_accuracy"],
        "macro_f1": report["macro_f1"],
        f"accuracy_{other}": float(np.mean(other_probabilities.argmax(axis=1) == y_true)),
        "item_accuracy": float(np.mean(probabilities.argmax(axis=1) == y_items)),
    }


def run_experiment(
    specs: list[RunSpec],
    stores: dict[str, FeatureSet],
    results_dir: str | os.PathLike,
    verbose: int = 0,
    log=print,
    workers: int | None = None,
) -> pd.DataFrame:
    """Run every spec (skipping finished ones) with its kind's store; :func:`collect_runs` of their datasets."""
    for number, spec in enumerate(specs, start=1):
        if spec.features not in stores:
            raise ValueError(f"no feature store for features {spec.features!r}; have {sorted(stores)}")
        already = finished_result(run_folder(results_dir, spec), spec) is not None
        result = run_one(spec, stores[spec.features], results_dir, verbose=verbose, workers=workers)
        log(f"[{number}/{len(specs)}] {spec.dataset} {spec.name}: {result_line(result, already)}")
    frames = [collect_runs(results_dir, dataset) for dataset in sorted({s.dataset for s in specs})]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def own_runs(runs: pd.DataFrame, specs: list[RunSpec]) -> pd.DataFrame:
    """The rows of a runs table (:func:`collect_runs`) that belong to ``specs``, renumbered."""
    if runs.empty:
        return runs
    wanted = {spec.name for spec in specs}
    return runs[runs["folder"].map(lambda folder: Path(folder).name in wanted)].reset_index(drop=True)


def train_plan(
    specs: list[RunSpec],
    stores: dict[str, FeatureSet],
    results_dir: str | os.PathLike,
    log=print,
    verbose: int = 0,
    workers: int | None = None,
) -> pd.DataFrame:
    """Train (or reuse) every run of ``specs``; the finished runs of ``specs`` only (rows of ``runs.csv``)."""
    return own_runs(run_experiment(specs, stores, results_dir, verbose=verbose, log=log, workers=workers), specs)


def result_line(result: dict, finished_earlier: bool = False) -> str:
    """What a run gave, in one line: its test accuracy (or that it has no test side), whether it learnt, its time."""
    state = "finished earlier" if finished_earlier else f"trained in {result['train_seconds']:.0f} s"
    if result.get("accuracy") is None:
        head = f"final model on {result['train_tracks']} training tracks, no test tracks"
    else:
        head = f"accuracy {result['accuracy']:.3f} on {result['test_tracks']} test tracks"
    learned = "" if result.get("learned", True) else f"; DID NOT LEARN: {result.get('learned_reason', '')}"
    return f"{head} ({state}){learned}"


def sweep(
    dataset: str, models=None, splits=("thesis",), features=None, seeds=(0,), folds: int = 5, **common
) -> list[RunSpec]:
    """Every combination, seeds innermost-last so each seed's contenders train back to back.

    ``models`` None: every registered contender; ``features`` None: each contender's own, else the kinds each can
    consume (one with none is an error); ``folds``: of the ``kfold`` split (one run per fold and seed).
    """
    models = list(contender_names() if models is None else models)
    for model in models:
        own = get_contender(model)
        if features is not None and not set(features) & set(own.feature_kinds):
            raise ValueError(f"{model} consumes {', '.join(own.feature_kinds)}, none of features={list(features)}")
    specs = []
    for kind, split, seed in itertools.product(features or [None], splits, seeds):
        for fold, model in itertools.product(range(folds) if split == "kfold" else [None], models):
            if kind is None or kind in get_contender(model).feature_kinds:
                extra = {"folds": folds, "fold": fold} if fold is not None else {}
                specs.append(RunSpec(dataset, model, split, kind, int(seed), **extra, **common))
    return specs


def skipped_note(store: FeatureSet, results_dir: str | os.PathLike, dataset: str) -> str:
    """Write the store's skipped-clips table to ``<results>/<dataset>/skipped.csv``; one line saying so."""
    path = Path(results_dir) / dataset / SKIPPED_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    write_csv(path, store.skipped)
    return (
        f"{dataset} ({store.config.kind}): {len(store.usable)} clips used, {len(store.skipped)} skipped; "
        f"the skipped clips and why: {path}"
    )


def collect_runs(results_dir: str | os.PathLike, dataset: str) -> pd.DataFrame:
    """One row per finished run of ``dataset`` (spec, metrics, timings), also written as ``runs.csv``."""
    runs_dir = Path(results_dir) / dataset / "runs"
    rows = []
    for path in sorted(runs_dir.glob(f"*/{RESULT_FILE}")):
        result = json.loads(path.read_text())
        row = {**_full_spec(result), **{k: v for k, v in result.items() if k not in ("spec", "notes")}}
        row["notes"] = " ".join(f"{note[0].upper()}{note[1:]}." for note in result.get("notes", []))
        row["folder"] = str(path.parent)
        rows.append(row)
    table = pd.DataFrame(rows)
    if rows:
        table.to_csv(Path(results_dir) / dataset / RUNS_FILE, index=False)
    return table

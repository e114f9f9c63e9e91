"""Classify any audio file with a trained run of any contender, window by window; tag it with musicnn.

    python -m genre_utils.predict song.mp3 other.flac [--run build/results/gtzan/runs/<run folder>]

Each file is measured against the run's training conditions (one "out of its depth: ..." line per difference),
cut into the run's windows and classified; its probabilities are the mean over windows.
"""

from __future__ import annotations

if __name__ == "__main__":  # before the imports below load TensorFlow
    from genre_utils.quiet import quiet

    quiet()

import argparse
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from genre_utils.data.audio import AudioError, downmix, is_silent, load_native, resampled
from genre_utils.data.conditions import CONDITIONS_FILE, AudioCondition, differences, measure_channels
from genre_utils.data.datasets import dataset_names, get_dataset
from genre_utils.experiment.evaluation import PROBABILITY_PREFIX
from genre_utils.experiment.runner import LEAKY_SPLIT, RESULT_FILE, STANDARDIZER_FILE
from genre_utils.features.kinds import (
    MIN_SEGMENT_FILL,
    FeatureConfig,
    compute_features,
    segment_features,
    segment_starts,
)
from genre_utils.features.pretrained.musicnn import MODEL_NAMES as TAGGERS
from genre_utils.features.pretrained.musicnn import tag_file
from genre_utils.features.standardize import Standardizer
from genre_utils.models import get_contender
from genre_utils.models.hyperparameters import CONFIG_FILE
from genre_utils.paths import PROJECT_ROOT

DEFAULT_RESULTS = PROJECT_ROOT / "build" / "results"
DEFAULT_TOP = 3
DEFAULT_TAGGER = "MSD_musicnn"  # its 50 tags are mostly genres and styles
TRAIN_HINT = "train one with `python -m genre_utils.run` or the training notebook (03)"
SYNTHETIC_WARNING = (
    "this run was trained on the synthetic set (generated clips, not music): its genres say "
    "which synthetic style the file resembles, not its musical genre; train on GTZAN or FMA "
    "(`make data DATASET=gtzan`, then `make report DATASET=gtzan`) for genres of real music"
)


@dataclass
class TrainedRun:
    """A finished run, ready to classify (see :func:`load_run`)."""

    predictor: object  # predict_proba(x, valid_frames=None), see genre_utils.models.registry.Fitted
    class_names: list[str]
    feature_config: FeatureConfig
    standardizer: Standardizer | None  # None: the contender takes the features as extracted
    spec: dict  # the RunSpec of config.json
    folder: Path
    window_frames: int  # feature frames of one model input
    result: dict = field(default_factory=dict)  # result.json (empty for a folder without one)
    conditions: dict | None = None  # conditions.json: the training audio's conditions (None: an older run folder)

    @property
    def trained_on_synthetic(self) -> bool:
        """Whether the run learnt generated clips rather than music."""
        dataset = self.spec.get("dataset")
        return dataset in dataset_names() and get_dataset(dataset).generated

    @property
    def learned(self) -> bool:
        """Whether the run learnt (``result.json``'s verdict); True when unjudged."""
        return self.result.get("learned", True) is not False

    @property
    def not_learned_warning(self) -> str:
        """What to tell a user of a run that did not learn ("" when it did)."""
        if self.learned:
            return ""
        return (
            f"this run did not learn ({self.result.get('learned_reason', 'see its result.json')}): its genres "
            "are no better than guessing; train it again (more data, another seed or contender) before using it"
        )

    @property
    def description(self) -> str:
        """One line: contender, dataset, split, features and seed of the run, and its augmentation if any."""
        copies = int(self.spec.get("augment", 0) or 0)
        cops = "copy" if copies == 1 else "copies"
        augmented = (
            f", with {copies} degraded {cops} of each training track (band limits, MP3, noise ...)" if copies else ""
        )
        return (
            f"{get_contender(self.spec['model']).title} trained on {self.spec['dataset']} ({self.spec['split']} "
            f"split, {self.spec['features']}, seed {self.spec['seed']}{augmented}), {self.folder}"
        )

    def features(self, samples: np.ndarray) -> np.ndarray:
        """The run's features of mono ``samples`` at its rate, zero-padded by a window as training padded clips."""
        return compute_features(
            np.pad(samples, (0, self.window_frames * self.feature_config.hop_length)), self.feature_config
        )

    def windows(self, values: np.ndarray, n_samples: int, hop_seconds: float | None = None) -> tuple:
        """``(windows, start frames, real frames per window)``; windows mostly of padding dropped, the first kept."""
        if hop_seconds is not None and not hop_seconds > 0:
            raise ValueError(f"hop_seconds must be positive seconds (or None), got {hop_seconds!r}")
        window = self.window_frames
        hop = window if hop_seconds is None else self.feature_config.frames_for_seconds(hop_seconds)
        real_frames = 1 + n_samples // self.feature_config.hop_length
        starts = segment_starts(values.shape[1], window, real_frames, hop_frames=hop)
        cut = segment_features(values, window, valid_frames=real_frames, hop_frames=hop)
        return cut, starts, np.clip(real_frames - starts, 1, window)


@dataclass
class Prediction:
    """The classification of one file."""

    path: Path
    duration: float
    segments: pd.DataFrame  # one row per window: start_s, end_s, genre, confidence, p_<genre> ...
    probabilities: pd.Series  # mean over the windows, most probable first
    warnings: list[str] = field(default_factory=list)
    condition: AudioCondition | None = None
    out_of_depth: list[str] = field(default_factory=list)

    @property
    def genre(self) -> str:
        """The most probable genre of the file."""
        return str(self.probabilities.index[0])

    def top(self, k: int = DEFAULT_TOP) -> list[tuple[str, float]]:
        """The ``k`` most probable genres as ``(genre, probability)``, most probable first."""
        return [(str(genre), float(p)) for genre, p in self.probabilities.head(k).items()]


def load_run(folder: str | os.PathLike) -> TrainedRun:
    """Load a run folder that a contender's ``fit`` wrote (evaluated or not)."""
    folder = Path(folder)
    if not (folder / CONFIG_FILE).is_file():
        what = "does not exist" if not folder.is_dir() else f"lacks {CONFIG_FILE}"
        raise FileNotFoundError(f"{folder} is not a finished run folder ({what}); {TRAIN_HINT}")
    config = _read_json(folder / CONFIG_FILE)
    contender = get_contender(config["spec"]["model"])
    feature_config = FeatureConfig(**config["feature_config"])
    try:
        standardizer = Standardizer.load(folder / STANDARDIZER_FILE) if contender.standardize else None
        predictor = contender.load(folder)
    except OSError as error:
        raise FileNotFoundError(f"{folder}: the run cannot be read ({error}); {TRAIN_HINT}") from error
    window = int(config.get("segment_frames") or getattr(predictor, "input_frames", feature_config.n_frames))
    result, conditions = _read_json(folder / RESULT_FILE) or {}, _read_json(folder / CONDITIONS_FILE)
    classes, spec = list(config["class_names"]), config["spec"]
    return TrainedRun(predictor, classes, feature_config, standardizer, spec, folder, window, result, conditions)


def _read_json(path: Path) -> dict | None:
    """A run file's content; None where the run did not write it."""
    try:
        return json.loads(path.read_text()) if path.is_file() else None
    except json.JSONDecodeError as error:
        raise ValueError(f"{path} is not valid JSON ({error})") from error


def predict_file(run: TrainedRun, path: str | os.PathLike, hop_seconds: float | None = None) -> Prediction:
    """Classify an audio file of any format, rate, channel count and length by windows (notebook 05's steps)."""
    channels, native_rate = load_native(path, mono=False)  # decoded once: measured natively, then resampled
    condition = measure_channels(channels, native_rate, path)
    samples = resampled(downmix(channels), native_rate, run.feature_config.sample_rate)
    cut, starts, valid = run.windows(run.features(samples), samples.size, hop_seconds)
    x = run.standardizer.transform(cut) if run.standardizer is not None else cut
    probabilities = run.predictor.predict_proba(x, valid_frames=valid)
    return summarize(run, path, samples, starts, probabilities, condition)


def summarize(run: TrainedRun, path, samples: np.ndarray, starts, probabilities, condition=None) -> Prediction:
    """The prediction of a file from its windows' probabilities: one row per window, and their mean."""
    config, window = run.feature_config, run.window_frames
    duration = samples.size / config.sample_rate
    notes = ["the file is digitally silent; its prediction means nothing"] if is_silent(samples) else []
    if 1 + samples.size // config.hop_length < MIN_SEGMENT_FILL * window:
        notes.append(
            f"the file ({duration:.2f} s) is shorter than half a window "
            f"({window * config.hop_length / config.sample_rate:.2f} s): its window is mostly padding"
        )
    seconds_per_frame = config.hop_length / config.sample_rate
    table = pd.DataFrame(np.asarray(probabilities, dtype=np.float64), columns=run.class_names)
    segments = pd.DataFrame(
        {
            "start_s": starts * seconds_per_frame,
            "end_s": np.minimum((starts + window) * seconds_per_frame, duration),
            "genre": table.idxmax(axis=1),
            "confidence": table.max(axis=1),
        }
    ).join(table.add_prefix(PROBABILITY_PREFIX))
    mean = table.mean().rename("probability").sort_values(ascending=False, kind="stable")
    out_of_depth = [] if condition is None else differences(condition, run.conditions)
    return Prediction(Path(path), duration, segments, mean, notes, condition, out_of_depth)


def latest_run(results: str | os.PathLike, dataset: str | None = None, model: str | None = None) -> Path | None:
    """The latest finished run under ``<results>/<dataset>/runs/<model>-*`` (None: any), or None; never one of the
    leaky split (its test clips were partly heard in training) nor on part of the training tracks (``-train<f>``)."""
    pattern = f"{dataset or '*'}/runs/{model + '-' if model else ''}*/{RESULT_FILE}"
    finished = [
        p
        for p in Path(results).glob(pattern)
        if f"-{LEAKY_SPLIT}-" not in p.parent.name and not p.parent.name.rsplit("-", 1)[-1].startswith("train")
    ]
    return max(finished, key=lambda p: p.stat().st_mtime_ns).parent if finished else None


def main(argv: list[str] | None = None) -> int:
    """Command line; returns 0, 1 (some file failed) or 2 (no usable run)."""
    parser = argparse.ArgumentParser(prog="python -m genre_utils.predict", description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="+", help="audio files (wav, mp3, flac, ogg ...)")
    parser.add_argument("--run", default=None, help="run folder (default: the latest finished run under --results)")
    parser.add_argument("--results", default=str(DEFAULT_RESULTS), help="where runs are (default build/results)")
    parser.add_argument("--top", type=int, default=DEFAULT_TOP, help="genres to list per file (default 3)")
    parser.add_argument("--hop", type=float, default=None, help="seconds between windows (default: window length)")
    parser.add_argument("--tagger", default=DEFAULT_TAGGER, choices=TAGGERS, help="musicnn tagger (default MSD)")
    parser.add_argument("--no-tags", dest="tags", action="store_false", help="skip the musicnn tags")
    args = parser.parse_args(argv)
    if args.top < 1 or (args.hop is not None and not args.hop > 0):
        parser.error(f"--top must be >= 1 and --hop positive, got --top {args.top} --hop {args.hop}")
    folder = args.run or latest_run(args.results)
    if folder is None:
        print(f"error: no finished run under {args.results}; {TRAIN_HINT}, or pass --run", file=sys.stderr)
        return 2
    try:
        run = load_run(folder)
    except (FileNotFoundError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if not run.learned:
        print(f"warning: {run.not_learned_warning}")
    if run.trained_on_synthetic:
        print(f"note: {SYNTHETIC_WARNING}")
    print(f"{'using the latest run: ' if args.run is None else 'run: '}{run.description}")
    status = 0
    for path in args.files:
        try:
            prediction = predict_file(run, path, hop_seconds=args.hop)
        except (ValueError, FileNotFoundError) as error:
            print(f"error: {error if isinstance(error, AudioError) else f'{path}: {error}'}", file=sys.stderr)
            status = 1
            continue
        print(f"{path} ({prediction.duration:.1f} s, {len(prediction.segments)} segments)")
        print(f"  condition: {prediction.condition.summary()}")
        for line in prediction.out_of_depth:
            print(f"  out of its depth: {line}")
        for rank, (genre, probability) in enumerate(prediction.top(args.top), start=1):
            print(f"  {rank}. {genre:<12} {probability:.3f}")
        if args.tags:
            tags = tag_file(path, model=args.tagger, top=args.top)
            print(f"  musicnn tags ({args.tagger}): " + ", ".join(f"{tag} {score:.2f}" for tag, score in tags.items()))
        for note in prediction.warnings:
            print(f"  note: {note}")
        for row in prediction.segments.itertuples():
            print(f"    {row.start_s:7.1f}-{row.end_s:7.1f} s  {row.genre:<12} {row.confidence:.3f}")
    return status


if __name__ == "__main__":
    sys.exit(main())

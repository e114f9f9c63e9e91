"""Classify any audio file with a trained run of any contender, window by window; tag it with musicnn.

    python -m genre_utils.predict song.mp3 other.flac [--run build/results/gtzan/runs/<run folder>]

The file is decoded at the run's sample rate, mono; features are computed over the actual audio
with the run's :class:`~genre_utils.features.kinds.FeatureConfig`, cut into windows of the run's item
length (a segment, or for whole-clip runs and clip-level contenders the training clip, e.g.
30 s), standardized with the run's training statistics (when the contender standardizes) and
classified; the file's probabilities are the mean over the windows. As in training, a short file
or trailing window is zero-padded (as audio) if at least ``MIN_SEGMENT_FILL`` of it is real audio;
the first window is always kept.

A run that did not learn (``learned: false`` in its ``result.json``, :mod:`genre_utils.experiment.learning_check`)
says so before any genre. A run trained on the synthetic set says so first: its genres are those of generated clips.
Beside
the genres, ``--tags`` (default on) prints the pretrained musicnn tagger's top tags
(:mod:`genre_utils.features.pretrained.musicnn`), the one answer that means something on real music
without training anything.

Before the genres, each file's recording conditions are measured (:mod:`genre_utils.data.conditions`:
native rate, bandwidth, clipping, silence, level) and every way they lie outside the conditions of the
run's training audio (``conditions.json`` in the run folder) is said in one line, "out of its depth: ...".
"""

from __future__ import annotations

if __name__ == "__main__":  # before the imports below load TensorFlow, whose C++ log lines go straight to stderr
    from genre_utils.quiet import quiet_stderr

    quiet_stderr()

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
from genre_utils.features.kinds import MIN_SEGMENT_FILL, FeatureConfig, compute_features, segment_features
from genre_utils.features.pretrained.musicnn import MODEL_NAMES as TAGGERS
from genre_utils.features.pretrained.musicnn import tag_file
from genre_utils.features.standardize import Standardizer
from genre_utils.models import get_contender
from genre_utils.models.training import CONFIG_FILE
from genre_utils.paths import PROJECT_ROOT

DEFAULT_RESULTS = PROJECT_ROOT / "build" / "results"
DEFAULT_TOP = 3
DEFAULT_TAGGER = "MSD_musicnn"  # its 50 tags are mostly genres and styles
CONFIG_KEYS = ("spec", "class_names", "feature_config")
TRAIN_HINT = "train one with `python -m genre_utils.run` or the training notebook (03)"
TIMELINE_CMAP = "viridis"
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
    segment_seconds: float  # 0 for a whole-clip model
    spec: dict
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
        """Whether the run learnt (``result.json``'s verdict, :mod:`genre_utils.experiment.learning_check`); True when
        unjudged.
        """
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
        contender = get_contender(self.spec["model"])
        copies = int(self.spec.get("augment", 0) or 0)
        augmented = (
            f", with {copies} degraded cop{'y' if copies == 1 else 'ies'} of each training track "
            "(band limits, MP3, noise ...)"
            if copies
            else ""
        )
        return (
            f"{contender.title} trained on {self.spec['dataset']} ({self.spec['split']} split, "
            f"{self.spec['features']}, seed {self.spec['seed']}{augmented}), {self.folder}"
        )


@dataclass
class Prediction:
    """The classification of one file.

    Attributes:
        path: The file.
        duration: Seconds of decoded audio.
        segments: One row per window: ``start_s``, ``end_s``, ``genre``, ``confidence`` and one
            ``p_<genre>`` column per class.
        probabilities: Mean probability over the windows per genre, sorted descending.
        warnings: Remarks (silent file, file shorter than one window ...).
        condition: The file's measured recording conditions (native rate, bandwidth, clipping ...).
        out_of_depth: One line per way the file lies outside the run's training conditions
            (:func:`genre_utils.data.conditions.differences`); empty when it does not.
    """

    path: Path
    duration: float
    segments: pd.DataFrame
    probabilities: pd.Series
    warnings: list[str] = field(default_factory=list)
    condition: AudioCondition | None = None
    out_of_depth: list[str] = field(default_factory=list)

    @property
    def genre(self) -> str:
        """The most probable genre of the file."""
        return str(self.probabilities.index[0])

    def top(self, k: int = DEFAULT_TOP) -> list[tuple[str, float]]:
        """The ``k`` most probable genres as ``(genre, probability)``, most probable first."""
        if k < 1:
            raise ValueError(f"k must be >= 1, got {k!r}")
        return [(str(genre), float(p)) for genre, p in self.probabilities.head(k).items()]


def load_run(folder: str | os.PathLike) -> TrainedRun:
    """Load a run folder of any contender: its saved model, ``config.json``, ``standardizer.json`` and,
    where the run recorded them, its training conditions (``conditions.json``).

    Any folder that a contender's ``fit`` wrote works, evaluated or not (a final model trained
    on all tracks with a split file has no test metrics but classifies files all the same).

    Raises:
        FileNotFoundError: If the folder or one of those files is missing.
        ValueError: If ``config.json`` lacks a key, ``conditions.json`` is not JSON, or the files do not
            fit together.
    """
    folder = Path(folder)
    if not (folder / CONFIG_FILE).is_file():
        what = "does not exist" if not folder.is_dir() else f"lacks {CONFIG_FILE}"
        raise FileNotFoundError(f"{folder} is not a finished run folder ({what}); {TRAIN_HINT}")
    config = json.loads((folder / CONFIG_FILE).read_text())
    absent = [key for key in CONFIG_KEYS if key not in config]
    if absent:
        raise ValueError(f"{folder / CONFIG_FILE} lacks {', '.join(absent)}; was it written by run_one?")
    contender = get_contender(config["spec"]["model"])
    feature_config = FeatureConfig(**config["feature_config"])
    standardizer = None
    if contender.standardize:
        if not (folder / STANDARDIZER_FILE).is_file():
            raise FileNotFoundError(f"{folder} lacks {STANDARDIZER_FILE}; {TRAIN_HINT}")
        standardizer = Standardizer.load(folder / STANDARDIZER_FILE)
    try:
        predictor = contender.load(folder)
    except (FileNotFoundError, OSError) as error:
        raise FileNotFoundError(
            f"{folder}: the saved {contender.title} cannot be read ({error}); {TRAIN_HINT}"
        ) from error
    window = int(config.get("segment_frames") or getattr(predictor, "input_frames", feature_config.n_frames))
    result = json.loads((folder / RESULT_FILE).read_text()) if (folder / RESULT_FILE).is_file() else {}
    conditions = None
    if (folder / CONDITIONS_FILE).is_file():
        try:
            conditions = json.loads((folder / CONDITIONS_FILE).read_text())
        except json.JSONDecodeError as error:
            raise ValueError(f"{folder / CONDITIONS_FILE} is not valid JSON ({error})") from error
    run = TrainedRun(
        predictor,
        list(config["class_names"]),
        feature_config,
        standardizer,
        float(config["spec"].get("segment_seconds", 0)),
        config["spec"],
        folder,
        window,
        result,
        conditions,
    )
    model = getattr(predictor, "model", None)
    if model is not None:
        expected = (feature_config.n_features, len(run.class_names))
        found = (int(model.input_shape[-2]), int(model.output_shape[-1]))
        if expected != found:
            raise ValueError(
                f"{folder}: model and config disagree (features, classes expected {expected}, found {found})"
            )
    if standardizer is not None and standardizer.mean.size != feature_config.n_features:
        raise ValueError(
            f"{folder}: standardizer has {standardizer.mean.size} statistics for {feature_config.n_features} features"
        )
    return run


def predict_file(run: TrainedRun, path: str | os.PathLike, hop_seconds: float | None = None) -> Prediction:
    """Classify an audio file of any format, rate, channel count and length by windows.

    The file's recording conditions are measured first (at its native rate) and compared with the
    run's training conditions (:attr:`Prediction.condition`, :attr:`Prediction.out_of_depth`).

    Args:
        run: From :func:`load_run`.
        path: Audio file (wav, mp3, flac, ogg ...).
        hop_seconds: Seconds between window starts; None (default) for non-overlapping windows.

    Raises:
        ValueError: If ``hop_seconds`` is not positive.
        AudioError: If the file cannot be decoded (the message names it).
    """
    if hop_seconds is not None and not hop_seconds > 0:
        raise ValueError(f"hop_seconds must be positive seconds (or None), got {hop_seconds!r}")
    config, window = run.feature_config, run.window_frames
    hop = window if hop_seconds is None else config.frames_for_seconds(hop_seconds)
    channels, native_rate = load_native(path, mono=False)  # decoded once: measured natively, then resampled
    condition = measure_channels(channels, native_rate, path)
    samples = resampled(downmix(channels), native_rate, config.sample_rate)
    duration = samples.size / config.sample_rate
    notes = ["the file is digitally silent; its prediction means nothing"] if is_silent(samples) else []
    real_frames = 1 + samples.size // config.hop_length
    if real_frames < MIN_SEGMENT_FILL * window:
        notes.append(
            f"the file ({duration:.2f} s) is shorter than half a window "
            f"({window * config.hop_length / config.sample_rate:.2f} s): its window is mostly padding"
        )
    # Zero-pad the audio by a window, as training padded short clips, so that every start
    # before the end of the real audio has a whole window; segment_features drops the starts
    # whose window is mostly padding.
    padded = np.pad(samples, (0, window * config.hop_length))
    values = compute_features(padded, config)
    cut = segment_features(values, window, valid_frames=real_frames, hop_frames=hop)
    starts = np.arange(len(cut)) * hop
    windows = run.standardizer.transform(cut) if run.standardizer is not None else cut
    valid = np.clip(real_frames - starts, 1, window)
    probabilities = np.asarray(run.predictor.predict_proba(windows, valid_frames=valid), dtype=np.float64)
    seconds_per_frame = config.hop_length / config.sample_rate
    segments = pd.DataFrame(
        {
            "start_s": starts * seconds_per_frame,
            "end_s": np.minimum((starts + window) * seconds_per_frame, duration),
            "genre": np.array(run.class_names, dtype=object)[probabilities.argmax(axis=1)],
            "confidence": probabilities.max(axis=1),
            **{f"{PROBABILITY_PREFIX}{genre}": probabilities[:, i] for i, genre in enumerate(run.class_names)},
        }
    )
    mean = pd.Series(probabilities.mean(axis=0), index=run.class_names, name="probability")
    return Prediction(
        Path(path),
        duration,
        segments,
        mean.sort_values(ascending=False, kind="stable"),
        notes,
        condition,
        differences(condition, run.conditions),
    )


def plot_timeline(prediction: Prediction, ax=None):
    """Heat map of each window's genre probabilities over time (circles: predicted genre); the figure.

    Args:
        prediction: From :func:`predict_file`.
        ax: Axes to draw on; a new figure when None.
    """
    import matplotlib.pyplot as plt

    columns = [c for c in prediction.segments.columns if c.startswith(PROBABILITY_PREFIX)]
    genres = [c[len(PROBABILITY_PREFIX) :] for c in columns]
    frame = prediction.segments
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 0.35 * len(genres) + 1.8))
    edges = np.append(frame["start_s"].to_numpy(), frame["end_s"].iloc[-1])  # overlapping windows: up to the next
    mesh = ax.pcolormesh(
        edges, np.arange(len(genres) + 1) - 0.5, frame[columns].to_numpy().T, cmap=TIMELINE_CMAP, vmin=0, vmax=1
    )
    centres = (edges[:-1] + edges[1:]) / 2
    ax.scatter(
        centres,
        [genres.index(g) for g in frame["genre"]],
        marker="o",
        facecolors="none",
        edgecolors="white",
        linewidths=1.5,
    )
    ax.set_yticks(range(len(genres)), genres)
    ax.invert_yaxis()  # first genre on top, as in the segment table
    ax.set(
        xlabel="time (s)",
        ylabel="genre",
        title=f"{prediction.path.name}: {prediction.genre} "
        f"({prediction.probabilities.iloc[0]:.0%} mean); circles = predicted genre per window",
    )
    ax.figure.colorbar(mesh, ax=ax, label="probability")
    return ax.figure


def latest_run(results: str | os.PathLike, dataset: str | None = None, model: str | None = None) -> Path | None:
    """The most recently finished run folder under ``<results>/<dataset>/runs/<model>-*``, or None.

    ``dataset`` and ``model`` of None match any. Runs of the deliberately leaky random-segment
    split are never chosen: their test clips were partly heard in training; nor are a learning
    curve's runs on part of the training tracks (folder names ending in ``-train<fraction>``).
    """
    pattern = f"{dataset or '*'}/runs/{model + '-' if model else ''}*/{RESULT_FILE}"
    finished = [
        p
        for p in Path(results).glob(pattern)
        if f"-{LEAKY_SPLIT}-" not in p.parent.name and not p.parent.name.rsplit("-", 1)[-1].startswith("train")
    ]
    return max(finished, key=lambda p: p.stat().st_mtime_ns).parent if finished else None


def file_tags(path: str | os.PathLike, tagger: str = DEFAULT_TAGGER, top: int | None = DEFAULT_TOP) -> pd.Series:
    """The pretrained musicnn tagger's mean tag scores for a file, best first (``top`` of them)."""

    return tag_file(path, model=tagger, top=top)


def main(argv: list[str] | None = None) -> int:
    """Command line; returns 0, 1 (some file failed) or 2 (no usable run)."""
    parser = argparse.ArgumentParser(prog="python -m genre_utils.predict", description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="+", help="audio files (wav, mp3, flac, ogg ...)")
    parser.add_argument("--run", default=None, help="run folder (default: the latest finished run under --results)")
    parser.add_argument(
        "--results", default=str(DEFAULT_RESULTS), help="where to look for runs (default build/results)"
    )
    parser.add_argument("--top", type=int, default=DEFAULT_TOP, help="genres to list per file (default 3)")
    parser.add_argument("--hop", type=float, default=None, help="seconds between windows (default: window length)")
    parser.add_argument(
        "--tagger", default=DEFAULT_TAGGER, choices=TAGGERS, help=f"musicnn model for tags (default {DEFAULT_TAGGER})"
    )
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
            tags = file_tags(path, args.tagger, args.top)
            print(f"  musicnn tags ({args.tagger}): " + ", ".join(f"{tag} {score:.2f}" for tag, score in tags.items()))
        for note in prediction.warnings:
            print(f"  note: {note}")
        for row in prediction.segments.itertuples():
            print(f"    {row.start_s:7.1f}-{row.end_s:7.1f} s  {row.genre:<12} {row.confidence:.3f}")
    return status


if __name__ == "__main__":
    sys.exit(main())

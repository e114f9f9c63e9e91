"""What the numbered notebooks share: checking their parameters, opening the data, training runs.

The notebooks call these so that a parameter typo fails at once with the allowed values, and so
that notebooks 03 and 04 (CNN, LSTM) run the same code with only the model name changed.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from genre_utils import data
from genre_utils.datasets import DATASET_NAMES, get_dataset
from genre_utils.experiment import RUN_SPLITS, run_experiment, sweep
from genre_utils.feature_store import FeatureSet
from genre_utils.features import FEATURE_KINDS

SYNTHETIC_NOTE = ("> **Synthetic data.** These clips are generated (`genre_utils.datasets.synthetic_audio`), "
                  "not music recordings: the numbers below show that the pipeline works, not how the models "
                  "fare on real music. Run `make report DATASET=gtzan` for the study itself.")


def check_choice(name: str, value, allowed) -> None:
    """Raise ``ValueError`` naming the parameter when ``value`` is not one of ``allowed``."""
    if value not in allowed:
        raise ValueError(f"unknown {name} {value!r}; expected one of {', '.join(map(str, allowed))}")


def check_seeds(seeds) -> list[int]:
    """A non-empty list of distinct integers >= 0."""
    if isinstance(seeds, int):
        seeds = [seeds]
    if not isinstance(seeds, (list, tuple)) or not seeds or any(not isinstance(s, int) or s < 0 for s in seeds):
        raise ValueError(f"seeds must be a non-empty list of integers >= 0, got {seeds!r}")
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must be distinct, got {seeds!r}")
    return list(seeds)


def check_training_parameters(dataset: str, split: str, features: str, seeds, segment_seconds: float,
                              epochs: int, batch_size: int, patience: int) -> None:
    """Fail before any work when a training notebook's parameter is not usable."""
    check_choice("dataset", dataset, DATASET_NAMES)
    check_choice("split", split, RUN_SPLITS)
    check_choice("features", features, FEATURE_KINDS)
    check_seeds(seeds)
    if not isinstance(segment_seconds, (int, float)) or segment_seconds < 0:
        raise ValueError(f"segment_seconds must be 0 (whole clips) or a positive number, got {segment_seconds!r}")
    for name, value, low in (("epochs", epochs, 1), ("batch_size", batch_size, 1), ("patience", patience, 0)):
        if not isinstance(value, int) or value < low:
            raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")


def open_dataset(dataset: str, data_root: str | os.PathLike | None = None, features: str = "mfcc",
                 workers: int = 0, synthetic_clips_per_genre: int | None = None,
                 synthetic_seconds: float | None = None, **config_overrides) -> FeatureSet:
    """The dataset's feature store, generating the synthetic set first when that is the dataset.

    Raises:
        ValueError: Unknown dataset or features name.
        FileNotFoundError: A real dataset that has not been downloaded (the message says how).
    """
    check_choice("dataset", dataset, DATASET_NAMES)
    check_choice("features", features, FEATURE_KINDS)
    module = get_dataset(dataset)
    root = data.dataset_root(dataset, data_root)
    if dataset == "synthetic":
        options = {k: v for k, v in (("clips_per_genre", synthetic_clips_per_genre), ("seconds", synthetic_seconds))
                   if v is not None}
        module.download(root, progress=False, **options)
    return data.prepare_features(dataset, root, kind=features, workers=workers or None, progress=False,
                                 **config_overrides)


def results_folder(output_dir: str | os.PathLike, dataset: str) -> Path:
    """``<output_dir>/<dataset>``, created."""
    folder = Path(output_dir) / dataset
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def train_runs(model: str, store: FeatureSet, dataset: str, split: str, features: str, seeds, segment_seconds: float,
               epochs: int, batch_size: int, patience: int, output_dir: str | os.PathLike,
               leakage_demo: bool = False, log=print) -> pd.DataFrame:
    """Train (or reuse) one run per seed of ``model``; returns the finished runs of this setting.

    With ``leakage_demo`` the same seeds also run with segments split at random (the common
    mistake) so that notebook 05 can show the inflation it causes.
    """
    check_choice("split", split, RUN_SPLITS)
    seeds = check_seeds(seeds)
    splits = [split, "random_segments"] if leakage_demo and split != "random_segments" else [split]
    specs = sweep(dataset, models=[model], splits=splits, features=[features], seeds=seeds,
                  segment_seconds=float(segment_seconds), epochs=epochs, batch_size=batch_size, patience=patience)
    runs = run_experiment(specs, {features: store}, output_dir, log=log)
    wanted = {spec.name for spec in specs}
    return runs[runs["folder"].map(lambda folder: Path(folder).name in wanted)].reset_index(drop=True)

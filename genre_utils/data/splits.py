"""Train/validation/test splits by track, and the checks that keep them leak-free.

A split is a Series aligned with a track table: ``"train"``, ``"valid"``, ``"test"`` or ``""`` (not used). Splits
are by track, before any segmenting. ``thesis``: stratified random, seeded (GTZAN 800/200, FMA-small 7200/800);
``fault_filtered`` (GTZAN): the Kereliuk/Sturm artist-filtered lists; ``official`` (FMA): the dataset's own;
``kfold``: stratified k-fold by track, grouped by artist where known, the same folds for every contender;
``file``: sides read from a ``track_id,side`` CSV. Which apply is the dataset declaration's ``splits``.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import pandas as pd

from genre_utils.data.datasets import dataset_names, datasets, get_dataset
from genre_utils.data.datasets.table import STATUS_OK

SPLIT_NAMES = ("thesis", "fault_filtered", "official", "kfold", "file")
DEFAULT_FOLDS = 5
SIDES = ("train", "valid", "test")
THESIS_TEST_FRACTION = 0.2  # datasets that fix no thesis_test_per_genre (the embedded set): GTZAN's proportion
UNREGISTERED_SPLITS = ("thesis", "kfold", "file")  # for a table whose dataset name the registry does not know
FAULT_FILTERED_FILES = {"train": "train_filtered.txt", "valid": "valid_filtered.txt", "test": "test_filtered.txt"}
VALID_FRACTION = 0.1  # share of training tracks carved out for early stopping
SUBSET_STREAM = 7  # second seed word of the training-subset draw, apart from the carve-out's


def _empty(tracks: pd.DataFrame) -> pd.Series:
    return pd.Series("", index=tracks.index, dtype=object, name="split")


def _usable(tracks: pd.DataFrame) -> pd.DataFrame:
    """Usable tracks sorted by id, so that a draw depends on the seed and the ids, not on row order."""
    return tracks[tracks["status"] == STATUS_OK].sort_values("track_id", kind="stable")


def _given(tracks: pd.DataFrame, sides: pd.Series) -> pd.Series:
    """A split from given sides (NaN: not used); unusable tracks take no part."""
    split = sides.fillna("").astype(object).rename("split")
    split[tracks["status"] != STATUS_OK] = ""
    return split


def thesis_split(tracks: pd.DataFrame, test_per_genre: int, seed: int = 0) -> pd.Series:
    """Hold out ``test_per_genre`` random usable tracks of each genre; the rest is training."""
    if int(test_per_genre) < 1:
        raise ValueError(f"test_per_genre must be >= 1, got {test_per_genre!r}")
    split = _empty(tracks)
    rng = np.random.default_rng(seed)
    for genre, group in _usable(tracks).groupby("genre", sort=True):
        if len(group) <= test_per_genre:
            raise ValueError(
                f"genre {genre!r} has {len(group)} usable tracks; the thesis split needs more than "
                f"test_per_genre={test_per_genre}"
            )
        chosen = rng.choice(len(group), size=int(test_per_genre), replace=False)
        split[group.index] = "train"
        split[group.index[chosen]] = "test"
    return split


def fault_filtered_split(tracks: pd.DataFrame, lists_dir: str | os.PathLike) -> pd.Series:
    """Sides from the Kereliuk/Sturm lists (``blues/blues.00029.wav`` lines); tracks in no list get ``""``."""
    side_of: dict[str, str] = {}
    for side, name in FAULT_FILTERED_FILES.items():
        path = Path(lists_dir) / name
        if not path.is_file():
            raise ValueError(f"split list {path} not found: run `python -m genre_utils.data download --dataset gtzan`")
        ids = [Path(line.strip()).stem for line in path.read_text().splitlines() if line.strip()]
        if not ids:
            raise ValueError(f"split list {path} is empty")
        for track_id in ids:
            if track_id in side_of and side_of[track_id] != side:
                raise ValueError(f"track {track_id} is listed in both {side_of[track_id]} and {side} lists")
            side_of[track_id] = side
    return _given(tracks, tracks["track_id"].map(side_of))


def kfold_split(tracks: pd.DataFrame, folds: int = DEFAULT_FOLDS, fold: int = 0, seed: int = 0) -> pd.Series:
    """Fold ``fold`` of a stratified ``folds``-fold cross-validation by usable track: its tracks are the test side.

    Folds depend on the seed and the track ids, not on row order; where the table has an ``artist`` column they
    are grouped by artist (``StratifiedGroupKFold``), so no artist is on both sides.
    """
    from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold  # keeps the data commands light

    if not isinstance(folds, (int, np.integer)) or folds < 2:
        raise ValueError(f"folds must be an integer >= 2, got {folds!r}")
    if not isinstance(fold, (int, np.integer)) or not 0 <= fold < folds:
        raise ValueError(f"fold must be an integer in 0..{folds - 1}, got {fold!r}")
    usable = _usable(tracks)
    smallest = usable.groupby("genre").size().min() if len(usable) else 0
    if smallest < folds:
        raise ValueError(
            f"{folds}-fold cross-validation needs at least {folds} usable tracks per genre, not {smallest}"
        )
    grouped = "artist" in usable.columns and usable["artist"].notna().all()
    splitter = (StratifiedGroupKFold if grouped else StratifiedKFold)(n_splits=folds, shuffle=True, random_state=seed)
    groups = usable["artist"].astype(str).to_numpy() if grouped else None
    if grouped and len(set(groups)) < folds:
        raise ValueError(
            f"{folds}-fold cross-validation by artist needs at least {folds} artists, not {len(set(groups))}"
        )
    _, test_rows = list(splitter.split(np.zeros(len(usable)), usable["genre"].to_numpy(), groups))[fold]
    split = _empty(tracks)
    split[usable.index] = "train"
    split[usable.index[test_rows]] = "test"
    return split


def file_split(tracks: pd.DataFrame, path: str | os.PathLike) -> pd.Series:
    """Sides read from a CSV with columns ``track_id`` and ``side`` (train, valid or test); unlisted tracks: ``""``."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"split file {path} not found (expected a CSV with columns track_id,side)")
    table = pd.read_csv(path, dtype=str)
    if not {"track_id", "side"} <= set(table.columns):
        raise ValueError(f"split file {path} lacks column track_id or side; its columns are {list(table.columns)}")
    table["side"] = table["side"].str.strip().str.lower()
    problems = {
        "unknown side(s), expected train, valid or test": sorted(set(table["side"]) - set(SIDES)),
        "lists track(s) more than once": table["track_id"][table["track_id"].duplicated()].tolist(),
        "names track(s) not in the dataset": sorted(set(table["track_id"]) - set(tracks["track_id"])),
    }
    for problem, found in problems.items():
        if found:
            raise ValueError(f"split file {path} {problem}: {found[:5]}")
    return _given(tracks, tracks["track_id"].map(dict(zip(table["track_id"], table["side"]))))


def dataset_splits(dataset: str) -> tuple[str, ...]:
    """The splits that apply to ``dataset`` (its declaration's); :data:`UNREGISTERED_SPLITS` for an unknown name."""
    return get_dataset(dataset).splits if dataset in dataset_names() else UNREGISTERED_SPLITS


def check_split_applies(name: str, dataset: str) -> None:
    """Raise unless ``name`` is a split that applies to ``dataset`` (see :func:`dataset_splits`)."""
    if name not in SPLIT_NAMES:
        raise ValueError(f"unknown split {name!r}; expected one of {', '.join(SPLIT_NAMES)}")
    own = dataset_splits(dataset)
    if name not in own:
        having = [other.name for other in datasets() if name in other.splits]
        raise ValueError(
            f"split {name!r} applies to {', '.join(having)} only, not {dataset!r} (whose splits are {', '.join(own)})"
        )


def make_split(
    tracks: pd.DataFrame,
    name: str,
    *,
    dataset: str,
    seed: int = 0,
    lists_dir: str | os.PathLike | None = None,
    test_per_genre: int | None = None,
    folds: int = DEFAULT_FOLDS,
    fold: int = 0,
    split_file: str | os.PathLike | None = None,
) -> pd.Series:
    """Dispatch to a named split, checking that it applies to ``dataset`` (:func:`check_split_applies`)."""
    check_split_applies(name, dataset)
    if name == "thesis":
        if test_per_genre is None and dataset in dataset_names():
            test_per_genre = get_dataset(dataset).thesis_test_per_genre
        if test_per_genre is None:
            smallest = int(tracks[tracks["status"] == STATUS_OK].groupby("genre").size().min())
            test_per_genre = max(1, round(THESIS_TEST_FRACTION * smallest))
        return thesis_split(tracks, test_per_genre, seed)
    if name == "fault_filtered":
        if lists_dir is not None:
            return fault_filtered_split(tracks, lists_dir)
        if "split_fault_filtered" not in tracks.columns:
            raise ValueError("the fault-filtered split needs lists_dir (the folder with train_filtered.txt ...)")
        return _given(tracks, tracks["split_fault_filtered"])
    if name == "kfold":
        return kfold_split(tracks, folds, fold, seed)
    if name == "file":
        if not split_file:
            raise ValueError("the file split needs split_file (a CSV with columns track_id,side)")
        return file_split(tracks, split_file)
    if "split_official" not in tracks.columns:
        raise ValueError("the track table has no 'split_official' column: only FMA has an official split")
    return _given(tracks, tracks["split_official"])


def carve_validation(
    split: pd.Series, tracks: pd.DataFrame, fraction: float = VALID_FRACTION, seed: int = 0
) -> pd.Series:
    """Move a stratified share of *training* tracks to ``"valid"`` for early stopping; test tracks stay."""
    if (split == "valid").any():
        raise ValueError("this split already has validation tracks; carve_validation is for train/test splits")
    if not 0 < fraction < 1:
        raise ValueError(f"fraction must be between 0 and 1, got {fraction!r}")
    carved = split.copy()
    train = tracks.loc[split == "train"].sort_values("track_id", kind="stable")
    rng = np.random.default_rng(seed)
    for _, group in train.groupby("genre", sort=True):
        count = max(1, int(round(fraction * len(group)))) if len(group) > 1 else 0
        carved[group.index[rng.choice(len(group), size=count, replace=False)]] = "valid"
    return carved


def training_subset(split: pd.Series, tracks: pd.DataFrame, fraction: float, seed: int = 0) -> pd.Series:
    """Keep ``fraction`` (rounded up, at least one) of each genre's *training* tracks, for learning curves.

    Per genre the training tracks, sorted by id, are put in a seeded order and the first are kept, so for one seed
    the subsets of a smaller and a larger fraction are nested; the others become ``""``.
    """
    if isinstance(fraction, bool) or not isinstance(fraction, (int, float)) or not 0 < fraction <= 1:
        raise ValueError(f"train_fraction must be a number in (0, 1], got {fraction!r}")
    subset = split.copy()
    if fraction == 1:
        return subset
    train = tracks.loc[split == "train"].sort_values("track_id", kind="stable")
    rng = np.random.default_rng([seed, SUBSET_STREAM])
    for _, group in train.groupby("genre", sort=True):
        keep = max(1, math.ceil(round(fraction * len(group), 9)))
        subset[group.index[rng.permutation(len(group))[keep:]]] = ""
    return subset


def check_disjoint(tracks: pd.DataFrame, split: pd.Series, group_column: str = "track_id") -> None:
    """Raise if any track (or artist, with ``group_column="artist"``) is on more than one side."""
    if group_column not in tracks.columns:
        raise ValueError(f"the track table has no {group_column!r} column")
    used = pd.DataFrame({"group": tracks[group_column], "side": split}).query("side != ''")
    sides = used.groupby("group")["side"].nunique()
    shared = sides[sides > 1].index.tolist()
    if shared:
        raise ValueError(f"{len(shared)} {group_column} value(s) on more than one side of the split: {shared[:10]}")


def split_summary(tracks: pd.DataFrame, split: pd.Series) -> pd.DataFrame:
    """Track counts per genre (rows) and side (columns), with totals."""
    frame = pd.DataFrame({"genre": tracks["genre"], "side": split.replace("", "unused")})
    table = pd.crosstab(frame["genre"], frame["side"], margins=True, margins_name="total")
    return table[[c for c in (*SIDES, "unused", "total") if c in table.columns]]


def random_segment_split(n_segments: int, test_fraction: float = 0.2, seed: int = 0) -> np.ndarray:
    """The common tutorial mistake, kept only to measure it: segments split at random, so tracks leak."""
    rng = np.random.default_rng(seed)
    sides = np.full(n_segments, "train", dtype=object)
    sides[rng.choice(n_segments, size=int(round(test_fraction * n_segments)), replace=False)] = "test"
    return sides

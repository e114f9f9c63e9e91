"""Model inputs from a feature store and a track split: leak-free, standardized on training only.

The split is by *track*; then each side's tracks are cut into segments; then standardization is fitted on the
training items alone. With ``stream=True`` each side's ``x`` is read from the store batch by batch
(:class:`~genre_utils.features.store.StoreItems`); ``augmented`` stores add degraded copies of each training track.
:func:`random_segment_inputs` measures the mistake of splitting segments at random (the leakage demonstration).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from genre_utils.data.datasets.table import STATUS_OK
from genre_utils.data.splits import SIDES, random_segment_split
from genre_utils.features.standardize import Standardizer
from genre_utils.features.store import FeatureSet, StoreItems

WHOLE_CLIP = 0.0  # segment_seconds meaning "train on whole clips" (the thesis)
DEFAULT_SEGMENT_SECONDS = 3.0  # the study's unit: 3 s segments (notebooks, `make report`, `run` and RunSpec alike)
LEAKY_VALID_FRACTION = 0.1  # share of training segments held out for early stopping in the leaky setup
ITEM_FIELDS = ("x", "y", "track_ids")  # what each item has on a side
EMPTY_SIDE_HINTS = {
    "train": "every model needs training tracks",
    "valid": "carve validation tracks from training first (genre_utils.data.splits.carve_validation)",
    "test": "pass require_test=False to train a final model on all tracks",
}


@dataclass
class SideArrays:
    """The model inputs of one side of a split."""

    x: np.ndarray | StoreItems
    y: np.ndarray
    track_ids: np.ndarray
    valid_frames: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.y)

    @property
    def n_tracks(self) -> int:
        """Distinct tracks on this side."""
        return len(pd.unique(self.track_ids))


@dataclass
class ModelInputs:
    """Train, validation and test arrays plus what is needed to read them back."""

    train: SideArrays
    valid: SideArrays
    test: SideArrays
    class_names: list[str]
    standardizer: Standardizer | None
    segment_seconds: float
    notes: list[str] = field(default_factory=list)
    clean_train: SideArrays | None = None

    @property
    def input_shape(self) -> tuple[int, int]:
        """``(n_features, n_frames)`` of one item."""
        return tuple(self.train.x.shape[1:])

    @property
    def streamed(self) -> bool:
        """Whether the sides are read from the feature store batch by batch (not held in memory)."""
        return isinstance(self.train.x, StoreItems)

    def counts(self) -> pd.DataFrame:
        """Tracks and items (clips or segments) per side."""
        rows = [
            {"side": side, "tracks": getattr(self, side).n_tracks, "items": len(getattr(self, side))} for side in SIDES
        ]
        return pd.DataFrame(rows).set_index("side")


def prepare_inputs(
    store: FeatureSet,
    split: pd.Series,
    segment_seconds: float = WHOLE_CLIP,
    class_names: list[str] | None = None,
    standardize: bool = True,
    require_test: bool = True,
    stream: bool = False,
    augmented=(),
) -> ModelInputs:
    """Arrays (or streamed views) for training and evaluation from a store and a by-track split."""
    if not split.index.equals(store.tracks.index):
        raise ValueError("split must be aligned with store.tracks (use make_split(store.tracks, ...))")
    class_names = _class_names(store, class_names)
    augmented = list(augmented)
    for copy in augmented:
        if copy.config != store.config or list(copy.tracks["track_id"]) != list(store.tracks["track_id"]):
            raise ValueError(
                f"the augmented store {copy.directory} does not hold the tracks and features of "
                f"{store.directory}; make it with degraded_copy(store, ...)"
            )
    stream = stream and not augmented
    sides = {}
    for side in SIDES:
        chosen = store.tracks.loc[split == side]
        if chosen.empty and (side != "test" or require_test):
            raise ValueError(f"the split has no {side!r} tracks; {EMPTY_SIDE_HINTS[side]}")
        sides[side] = side_arrays(store, chosen, segment_seconds, class_names, stream)
    clean_train, notes = None, []
    if augmented:
        clean_train = sides["train"]
        copies = [_augmented_side(copy, split, segment_seconds, class_names) for copy in augmented]
        parts = [clean_train, *copies]
        sides["train"] = SideArrays(*(np.concatenate([getattr(part, f) for part in parts]) for f in ITEM_FIELDS))
        if clean_train.valid_frames is not None:
            sides["train"].valid_frames = np.concatenate([part.valid_frames for part in parts])
        notes.append(augmentation_note(augmented, clean_train, copies))
    standardizer = None
    if standardize:
        standardizer = Standardizer().fit(sides["train"].x, fitted_on=sorted(pd.unique(sides["train"].track_ids)))
        for arrays in sides.values():
            if isinstance(arrays.x, StoreItems):
                arrays.x = arrays.x.standardized(standardizer)
            elif len(arrays):
                arrays.x = standardizer.transform(arrays.x)
        if clean_train is not None:
            clean_train.x = standardizer.transform(clean_train.x)
    return ModelInputs(
        **sides,
        class_names=class_names,
        standardizer=standardizer,
        segment_seconds=float(segment_seconds),
        notes=notes,
        clean_train=clean_train,
    )


def augmentation_note(augmented, clean_train: SideArrays, copies: list[SideArrays]) -> str:
    """One line for the run's notes: how many degraded copies of how many training tracks, drawn from what."""
    names = sorted({name for copy in augmented for name in copy.degradation["names"]})
    missing = sum(clean_train.n_tracks - copy.n_tracks for copy in copies)
    lost = f"; {missing} degraded cop{'y' if missing == 1 else 'ies'} could not be made (skipped)" if missing else ""
    return (
        f"trained with augmentation: {len(augmented)} degraded cop{'y' if len(augmented) == 1 else 'ies'} of each "
        f"of the {clean_train.n_tracks} training tracks ({len(clean_train)} clean items, "
        f"{sum(len(c) for c in copies)} degraded), each drawn from {', '.join(names)}{lost}; validation and "
        "test tracks are not augmented"
    )


def _augmented_side(copy: FeatureSet, split: pd.Series, segment_seconds: float, class_names) -> SideArrays:
    """A degraded copy's items of the training tracks (those it could degrade)."""
    chosen = copy.tracks.loc[(split == "train").to_numpy() & (copy.tracks["status"] == STATUS_OK).to_numpy()]
    return side_arrays(copy, chosen, segment_seconds, class_names)


def random_segment_inputs(
    store: FeatureSet,
    segment_seconds: float,
    test_fraction: float = 0.2,
    seed: int = 0,
    class_names: list[str] | None = None,
) -> ModelInputs:
    """The leaky setup, kept to measure it: every usable track segmented, segments split at random, so the model is
    tested on recordings it has heard; test accuracy is still aggregated per track, as the leak-free figure."""
    if not segment_seconds > 0:
        raise ValueError(f"the random-segment split needs segment_seconds > 0, got {segment_seconds!r}")
    class_names = _class_names(store, class_names)
    everything = side_arrays(store, store.usable, segment_seconds, class_names)
    sides_of_items = random_segment_split(len(everything), test_fraction=test_fraction, seed=seed)
    rng = np.random.default_rng(seed + 1)
    train_items = np.flatnonzero(sides_of_items == "train")
    sides_of_items[
        rng.choice(train_items, size=max(1, round(LEAKY_VALID_FRACTION * len(train_items))), replace=False)
    ] = "valid"
    sides = {side: SideArrays(*(getattr(everything, f)[sides_of_items == side] for f in ITEM_FIELDS)) for side in SIDES}
    standardizer = Standardizer().fit(sides["train"].x)
    for arrays in sides.values():
        arrays.x = standardizer.transform(arrays.x)
    shared = len(set(sides["train"].track_ids) & set(sides["test"].track_ids))
    notes = [
        f"LEAKY: segments split at random; {shared} of {sides['test'].n_tracks} test tracks also have "
        "segments in training"
    ]
    return ModelInputs(
        **sides, class_names=class_names, standardizer=standardizer, segment_seconds=float(segment_seconds), notes=notes
    )


def side_arrays(
    store: FeatureSet, tracks: pd.DataFrame, segment_seconds: float, class_names, stream: bool = False
) -> SideArrays:
    """The items of ``tracks`` (rows of ``store.tracks``): whole clips (``segment_seconds`` 0) or segments, streamed
    or in memory, with their labels in ``class_names`` order and owning track ids; not standardized."""
    label_of = {genre: index for index, genre in enumerate(class_names)}
    unknown = sorted(set(tracks["genre"]) - set(label_of))
    if unknown:
        raise ValueError(f"genres {unknown} are not in class_names {class_names}")
    items = store.items(tracks["track_id"].tolist(), segment_seconds)
    genre_of = dict(zip(tracks["track_id"], tracks["genre"]))
    y = np.array([label_of[genre_of[t]] for t in items.track_ids], dtype=np.int64)
    valid_frames = None
    if not segment_seconds and "valid_frames" in tracks:
        valid_frames = tracks["valid_frames"].to_numpy(dtype=np.int64)
    return SideArrays(items if stream else items.load(), y, items.track_ids, valid_frames)


def _class_names(store: FeatureSet, class_names) -> list[str]:
    return sorted(store.usable["genre"].unique()) if class_names is None else list(class_names)

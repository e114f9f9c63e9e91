"""A cache of clip features for a whole dataset, extracted on Dask (one machine or a cluster), resumable.

A store is ``<cache>/<dataset>/<kind>-<key>/`` (a local folder, or an fsspec URL such as ``s3://b/p``):
``manifest.json``; ``features.zarr`` (:mod:`.array`; rows of skipped tracks stay 0); ``chunks/NNNNN.json``,
written once a chunk's shard is, so that a killed run resumes; and ``index.csv`` (the track table with
``row``, ``valid_frames`` and ``status``), written last, which marks the store complete. The key hashes the
feature configuration, the minimum duration and the track table's ids, paths, sizes and modification
times. A degraded store (``degradation=``) holds the features after a degradation of each track, seeded
per track; its key and folder name add the degradation and the seed. A complete store opens without
starting anything; ``workers=1`` extracts inline, else on :mod:`.cluster`, one BLAS thread per task, so
inline and Dask write the same bits. A full disk or a read-only folder is a one-line StorageError.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import posixpath
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import zarr
from fsspec.core import url_to_fs
from fsspec.implementations.local import LocalFileSystem
from tqdm import tqdm

from genre_utils import paths
from genre_utils.data.audio import AudioError, load_audio
from genre_utils.data.datasets.table import MIN_SECONDS, STATUS_OK, audio_status
from genre_utils.data.degradations import (
    check_degradation_names,
    check_degradation_seed,
    get_degradation,
    track_degradations,
)
from genre_utils.features import array as feature_array
from genre_utils.features.cluster import available_cores, dask_client, limit_threads, run_on_dask, scheduler_address
from genre_utils.features.kinds import FeatureConfig, compute_features, features_from_samples, segment_features

STORE_VERSION = 2  # 2: a Zarr array (features.zarr) instead of features.npy
DEFAULT_CHUNK_SIZE = 16  # tracks per worker task, and per shard of the array
WARM_UP_SAMPLES = 8192  # a tone computed once before local workers start (see warm_up)
WARM_UP_HZ = 440.0
MANIFEST_NAME = "manifest.json"
ARRAY_NAME = "features.zarr"
INDEX_NAME = "index.csv"
CHUNKS_FOLDER = "chunks"
RECORD_SUFFIX = ".json"
SEGMENT_BATCH_TRACKS = 256  # tracks read at once when cutting segments
SPACE_MARGIN_BYTES = 1 << 20  # beyond the array: manifest, chunk records, index
SPACE_PER_TRACK_BYTES = 512  # chunk record and index line of one track
WHAT = "the feature cache"


@dataclass
class FeatureSet:
    """A complete feature store, opened read-only.

    ``tracks`` is the track table with ``row`` (into ``features``), ``valid_frames`` and ``status``
    (``"ok"`` or why the clip was skipped); ``features`` the float32 Zarr array, read with :meth:`read_rows`.
    """

    directory: Path | str
    config: FeatureConfig
    tracks: pd.DataFrame
    features: zarr.Array
    degradation: dict | None = None  # {"names": [...], "seed": N} for a degraded store, else None

    @property
    def skipped(self) -> pd.DataFrame:
        """The skipped-files table: track, path, genre and reason."""
        bad = self.tracks[self.tracks["status"] != STATUS_OK]
        return bad[["track_id", "path", "genre", "status"]].rename(columns={"status": "reason"}).reset_index(drop=True)

    @property
    def usable(self) -> pd.DataFrame:
        """Rows of tracks whose features were extracted."""
        return self.tracks[self.tracks["status"] == STATUS_OK].reset_index(drop=True)

    def _rows_for(self, track_ids) -> pd.DataFrame:
        table = self.tracks.set_index("track_id")
        missing = [t for t in track_ids if t not in table.index]
        if missing:
            raise ValueError(f"track ids not in the feature store {self.directory}: {missing[:5]}")
        selected = table.loc[list(track_ids)]
        unusable = selected.index[selected["status"] != STATUS_OK].tolist()
        if unusable:
            raise ValueError(f"tracks skipped at extraction cannot be used: {unusable[:5]} (see .skipped)")
        return selected.reset_index()

    def read_rows(self, rows) -> np.ndarray:
        """Rows of :attr:`features` (any order, repeats allowed) in memory; the package's one way to read them."""
        return feature_array.read_rows(self.features, rows)

    def clips(self, track_ids) -> np.ndarray:
        """Whole-clip features of ``track_ids``, in that order, loaded into memory."""
        return self.read_rows(self._rows_for(track_ids)["row"].to_numpy())

    def segments(self, track_ids, segment_seconds: float) -> tuple[np.ndarray, np.ndarray]:
        """``(segments, segment_track_ids)``: fixed-length segments of ``track_ids`` and each one's track."""
        segment_frames = self.config.frames_for_seconds(segment_seconds)
        selected = self._rows_for(track_ids)
        pieces, owners = [], []
        for start in range(0, len(selected), SEGMENT_BATCH_TRACKS):
            batch = selected.iloc[start : start + SEGMENT_BATCH_TRACKS]
            for values, row in zip(self.read_rows(batch["row"].to_numpy()), batch.itertuples()):
                cut = segment_features(values, segment_frames, row.valid_frames)
                pieces.append(cut)
                owners.extend([row.track_id] * len(cut))
        if not pieces:
            return np.empty((0, self.config.n_features, segment_frames), np.float32), np.array([], dtype=object)
        return np.concatenate(pieces), np.array(owners, dtype=object)


def tracks_fingerprint(tracks: pd.DataFrame) -> str:
    """Hash of the track ids, paths, file sizes and modification times."""
    digest = hashlib.sha256()
    for track_id, path in zip(tracks["track_id"], tracks["path"]):
        try:
            stat = os.stat(path)
            facts = f"{stat.st_size}:{stat.st_mtime_ns}"
        except OSError:
            facts = "missing"
        digest.update(f"{track_id}\0{path}\0{facts}\n".encode())
    return digest.hexdigest()


def resolve(location: str | os.PathLike) -> Path | str:
    """An absolute Path for a plain path or ``file://`` URL (atomic renames, space checks); else the fsspec URL."""
    text = os.fspath(location)
    if not text:
        raise ValueError("cache_dir must be a folder or an fsspec URL, got an empty string")
    filesystem, path = url_to_fs(text)
    return Path(path) if isinstance(filesystem, LocalFileSystem) else text.rstrip("/")


def store_directory(
    tracks,
    dataset: str,
    config: FeatureConfig,
    cache_dir=None,
    min_seconds: float = MIN_SECONDS,
    degradation: dict | None = None,
) -> Path | str:
    """The folder of the store for exactly these tracks, settings, files and ``degradation_identity``."""
    tracks = _sorted(tracks)
    identity = {
        "store_version": STORE_VERSION,
        "dataset": dataset,
        "config": config.to_dict(),
        "min_seconds": float(min_seconds),
        "tracks": tracks_fingerprint(tracks),
    }
    label = config.kind
    if degradation is not None:  # absent for clean stores, so their keys stay what they were
        identity["degradation"] = degradation
        names = degradation["names"]
        label = f"{label}-{names[0] if len(names) == 1 else f'pool{len(names)}'}-seed{degradation['seed']}"
    key = hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:16]
    root = resolve(cache_dir) if cache_dir is not None else paths.feature_cache_dir()
    return _join(root, dataset, f"{label}-{key}")


def degradation_identity(degradation, seed: int = 0) -> dict | None:
    """``{"names": [...], "seed": N}`` for a degradation name or a pool of names; None for None."""
    if degradation is None:
        return None
    names = check_degradation_names([degradation] if isinstance(degradation, str) else degradation, "degradation")
    return {"names": list(names), "seed": check_degradation_seed(seed)}


def build_feature_store(
    tracks: pd.DataFrame,
    dataset: str,
    config: FeatureConfig = FeatureConfig(),
    cache_dir: str | os.PathLike | None = None,
    workers: int | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    min_seconds: float = MIN_SECONDS,
    progress: bool = True,
    scheduler: str | None = None,
    degradation: str | tuple[str, ...] | list[str] | None = None,
    degradation_seed: int = 0,
) -> FeatureSet:
    """Extract (or reopen) the features of every track and return the complete, read-only store.

    Args:
        tracks: A track table (``track_id``, ``path``, ``genre``, ``status`` ...).
        dataset: Dataset name, the cache's first folder level.
        config: Feature settings (thesis MFCC by default).
        cache_dir: Cache root, a folder or an fsspec URL; defaults to ``<data root>/features``.
        workers: LocalCluster processes (``None``: every available core; 1 runs inline); ignored with a scheduler.
        chunk_size: Tracks per task, shard and resume checkpoint (a resumed store keeps its own).
        min_seconds: Clips shorter than this are skipped with a reason.
        progress: Show a progress bar.
        scheduler: Dask scheduler address (default ``$GENRE_DASK_SCHEDULER``); its workers must see the
            audio and the cache at the same paths or URLs.
        degradation: None for clean audio; a degradation name, or a pool of names each track draws from.
        degradation_seed: Seeds each track's draw and its degradation (with the track id).
    """
    if not isinstance(dataset, str) or not dataset or os.sep in dataset or "/" in dataset:
        raise ValueError(f"dataset must be a plain name like 'gtzan', got {dataset!r}")
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be >= 1, got {chunk_size}")
    workers = available_cores() if workers is None else int(workers)
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    address = scheduler_address(scheduler)
    for column in ("track_id", "path", "genre"):
        if column not in tracks.columns:
            raise ValueError(f"tracks table needs a {column!r} column; got {list(tracks.columns)}")
    if tracks.empty:
        raise ValueError(f"the {dataset} track table is empty: nothing to extract")
    degraded = degradation_identity(degradation, degradation_seed)
    tracks = _sorted(tracks)
    directory = store_directory(tracks, dataset, config, cache_dir, min_seconds, degraded)
    if _exists(_join(directory, INDEX_NAME)):
        return open_feature_store(directory)
    try:
        _extract_into(directory, tracks, dataset, config, chunk_size, min_seconds, degraded, address, workers, progress)
    except OSError as error:
        clear = feature_array.storage_error(error, directory, WHAT)
        if clear is None:
            raise
        raise clear from error
    return open_feature_store(directory)


def degraded_copy(
    store: FeatureSet,
    degradation,
    seed: int = 0,
    workers: int | None = None,
    progress: bool = False,
    scheduler: str | None = None,
    track_ids=None,
) -> FeatureSet:
    """The store of the same tracks (or ``track_ids`` among them) after ``degradation``, in the same cache.

    A clip skipped in ``store`` stays skipped with its reason; a track is degraded the same way in any company.
    """
    manifest = json.loads(_read_text(_join(store.directory, MANIFEST_NAME)))
    tracks = store.tracks.drop(columns=["row", "valid_frames", "degradation"], errors="ignore")
    if track_ids is not None:
        unknown = sorted(set(track_ids) - set(tracks["track_id"]))
        if unknown:
            raise ValueError(f"track ids not in the feature store {store.directory}: {unknown[:5]}")
        tracks = tracks[tracks["track_id"].isin(set(track_ids))]
    return build_feature_store(
        tracks,
        manifest["dataset"],
        store.config,
        cache_dir=os.fspath(store.directory).rsplit("/", 2)[0],  # <cache>/<dataset>/<store>
        workers=workers,
        chunk_size=int(manifest["chunk_size"]),
        min_seconds=float(manifest["min_seconds"]),
        progress=progress,
        scheduler=scheduler,
        degradation=degradation,
        degradation_seed=seed,
    )


def open_feature_store(directory: str | os.PathLike) -> FeatureSet:
    """Open a complete store read-only (a folder or an fsspec URL); FileNotFoundError if it is not complete."""
    directory = resolve(directory)
    if not _exists(_join(directory, INDEX_NAME)):
        raise FileNotFoundError(f"no complete feature store in {directory} (no {INDEX_NAME})")
    manifest = json.loads(_read_text(_join(directory, MANIFEST_NAME)))
    if manifest.get("store_version") != STORE_VERSION:
        raise FileNotFoundError(
            f"the feature store in {directory} has version {manifest.get('store_version')}, "
            f"this code reads version {STORE_VERSION}: extract the features again"
        )
    index = os.fspath(_join(directory, INDEX_NAME))  # pandas reads fsspec URLs itself
    tracks = pd.read_csv(index, dtype={"track_id": str}, keep_default_na=False, na_values=[""])
    for column in ("status", "genre", "path"):
        tracks[column] = tracks[column].astype(str)
    for column in [c for c in tracks.columns if c.startswith("split_")]:
        tracks[column] = tracks[column].fillna("").astype(str)
    if "degradation" in tracks.columns:
        tracks["degradation"] = tracks["degradation"].astype(str)
    features = feature_array.open_read_only(_join(directory, ARRAY_NAME))
    return FeatureSet(directory, FeatureConfig(**manifest["config"]), tracks, features, manifest.get("degradation"))


def extract_chunk(jobs, config: FeatureConfig, min_seconds: float):
    """``(values, valid_frames, statuses)`` of ``(path, status[, (degradation, seed)])`` jobs; zeros where skipped."""
    values = np.zeros((len(jobs), config.n_features, config.n_frames), dtype=np.float32)
    valid_frames, statuses = [], []
    for position, (path, status, *degraded) in enumerate(jobs):
        frames = 0
        if status == STATUS_OK:
            try:
                samples = load_audio(path, sample_rate=config.sample_rate)
                status = audio_status(samples, min_seconds)
            except AudioError as error:
                status = error.reason
            if status == STATUS_OK and degraded and degraded[0] is not None:
                name, seed = degraded[0]
                try:
                    samples = get_degradation(name).apply(samples, config.sample_rate, seed)
                except ValueError as error:
                    status = f"degradation failed: {error}"
            if status == STATUS_OK:
                values[position], frames = features_from_samples(samples, config)
        valid_frames.append(int(frames))
        statuses.append(status)
    return values, valid_frames, statuses


def extract_shard(array_location: str, start: int, jobs, config: FeatureConfig, min_seconds: float):
    """One task: extract a chunk with one BLAS thread, write its whole shard, return ``(valid_frames, statuses)``."""
    with limit_threads():
        values, valid_frames, statuses = extract_chunk(jobs, config, min_seconds)
    feature_array.write_rows(array_location, start, values)
    return valid_frames, statuses


def warm_up(config: FeatureConfig) -> None:
    """Compute ``config``'s features of a short tone here, before this machine's workers start.

    librosa's numba functions compile on first use into an on-disk cache; local workers compiling them
    together on a fresh install could load a half-written entry and crash. Forked workers inherit them.
    """
    tone = 0.1 * np.sin(2 * np.pi * WARM_UP_HZ * np.arange(WARM_UP_SAMPLES) / config.sample_rate)
    with limit_threads():
        compute_features(tone.astype(np.float32), config)


def _extract_into(
    directory, tracks, dataset, config, chunk_size, min_seconds, degradation, address, workers, progress
) -> None:
    shape = (len(tracks), config.n_features, config.n_frames)
    array = _join(directory, ARRAY_NAME)
    local = isinstance(directory, Path)
    if local:
        paths.require_writable(directory / CHUNKS_FOLDER, WHAT)
    filesystem, records = url_to_fs(os.fspath(_join(directory, CHUNKS_FOLDER)))
    existing = feature_array.shard_length(array, shape)
    chunk_size = existing or chunk_size
    chunks = [range(start, min(start + chunk_size, len(tracks))) for start in range(0, len(tracks), chunk_size)]
    done = filesystem.ls(records, detail=False) if filesystem.exists(records) else []
    done = [name for name in done if name.endswith(RECORD_SUFFIX)]
    if not existing and done:  # records of an older array: start the chunks afresh
        filesystem.rm(done)
    done = {posixpath.basename(name) for name in done} if existing else set()
    pending = [i for i in range(len(chunks)) if _record_name(i) not in done]
    if local:
        rows = sum(len(chunks[i]) for i in pending)
        needed = feature_array.uncompressed_bytes(rows, shape) + SPACE_MARGIN_BYTES + SPACE_PER_TRACK_BYTES * shape[0]
        paths.require_free_space(directory, needed, WHAT)
    _write_manifest(directory, dataset, config, shape, chunk_size, min_seconds, degradation)
    if not existing:
        feature_array.create_array(array, shape, chunk_size)
    plan = (
        track_degradations(tracks["track_id"], degradation["names"], degradation["seed"])
        if degradation is not None
        else [None] * len(tracks)
    )
    jobs = [
        (path, status) if degraded is None else (path, status, degraded)
        for path, status, degraded in zip(tracks["path"], tracks["status"], plan)
    ]
    tasks = {
        i: (os.fspath(array), chunks[i].start, jobs[chunks[i].start : chunks[i].stop], config, min_seconds)
        for i in pending
    }
    bar = tqdm(
        total=len(tracks),
        initial=len(tracks) - sum(len(chunks[i]) for i in pending),
        desc=f"{config.kind} features",
        unit="clip",
        disable=not progress,
    )

    def record(index, result):  # the task wrote its shard before its result arrived: a record means rows on disk
        valid_frames, statuses = result
        content = {"tracks": tracks["track_id"].iloc[list(chunks[index])].tolist(), "status": statuses}
        content["valid_frames"] = valid_frames
        _write_text(_join(directory, CHUNKS_FOLDER, _record_name(index)), json.dumps(content))
        bar.update(len(chunks[index]))

    with bar:
        if address is None and (workers == 1 or len(tasks) <= 1):
            for index, arguments in tasks.items():
                record(index, extract_shard(*arguments))
        elif tasks:
            if address is None:
                warm_up(config)
            with dask_client(address, min(workers, len(tasks))) as client:
                run_on_dask(client, extract_shard, tasks, record)
    feature_array.remove_partial_writes(array)
    if degradation is not None:
        tracks = tracks.assign(degradation=[name for name, _ in plan])
    _write_index(directory, tracks, len(chunks))


def _sorted(tracks: pd.DataFrame) -> pd.DataFrame:
    tracks = tracks.copy()
    if "status" not in tracks.columns:
        tracks["status"] = STATUS_OK
    return tracks.sort_values("track_id", kind="stable").reset_index(drop=True)


def _record_name(index: int) -> str:
    return f"{index:05d}{RECORD_SUFFIX}"


def _join(location: Path | str, *names: str) -> Path | str:
    return location.joinpath(*names) if isinstance(location, Path) else "/".join([location, *names])


def _exists(location: Path | str) -> bool:
    filesystem, path = url_to_fs(os.fspath(location))
    return filesystem.exists(path)


def _read_text(location: Path | str) -> str:
    filesystem, path = url_to_fs(os.fspath(location))
    return filesystem.cat_file(path).decode("utf-8")


def _write_text(location: Path | str, text: str, durable: bool = False) -> None:
    """Atomically: a local file is renamed into place (fsspec's local writes are not), an object is one PUT."""
    if isinstance(location, Path):
        paths.write_text(location, text, durable=durable)
    else:
        filesystem, path = url_to_fs(location)
        filesystem.pipe_file(path, text.encode("utf-8"))


def _write_manifest(directory, dataset, config, shape, chunk_size, min_seconds, degradation) -> None:
    manifest = {
        "store_version": STORE_VERSION,
        "dataset": dataset,
        "config": config.to_dict(),
        "shape": list(shape),
        "chunk_size": int(chunk_size),
        "array": ARRAY_NAME,
        "min_seconds": float(min_seconds),
        "degradation": degradation,
        "librosa_version": importlib.metadata.version("librosa"),
        "numpy_version": np.__version__,
        "zarr_version": zarr.__version__,
    }
    _write_text(_join(directory, MANIFEST_NAME), json.dumps(manifest, indent=2), durable=True)


def _write_index(directory, tracks: pd.DataFrame, n_chunks: int) -> None:
    statuses, frames = {}, {}
    for index in range(n_chunks):
        record = json.loads(_read_text(_join(directory, CHUNKS_FOLDER, _record_name(index))))
        statuses.update(zip(record["tracks"], record["status"]))
        frames.update(zip(record["tracks"], record["valid_frames"]))
    index_table = tracks.copy()
    index_table["row"] = np.arange(len(tracks))
    index_table["status"] = index_table["track_id"].map(statuses)
    index_table["valid_frames"] = index_table["track_id"].map(frames).astype(int)
    _write_text(_join(directory, INDEX_NAME), index_table.to_csv(index=False), durable=True)
    filesystem, records = url_to_fs(os.fspath(_join(directory, CHUNKS_FOLDER)))
    if filesystem.exists(records):
        filesystem.rm(records, recursive=True)

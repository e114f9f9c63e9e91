"""A cache of clip features for a whole dataset: parallel (one machine or a Dask cluster), resumable.

Layout of one store, ``<cache>/<dataset>/<kind>-<key>/`` (a local folder or an fsspec URL such
as ``s3://bucket/prefix``, :mod:`genre_utils.features.location`):

- ``manifest.json``: dataset, feature configuration, array shape, tracks per chunk, versions;
- ``features.zarr``: float32 ``(n_tracks, n_features, n_frames)`` Zarr v3 array, one row per
  track of the (sorted) track table, one shard per chunk of tracks; rows of skipped tracks stay
  0 (:mod:`genre_utils.features.array`);
- ``chunks/NNNNN.json``: written when a chunk's shard has been written, with each track's status
  and number of real (unpadded) frames; a killed run resumes from them;
- ``index.csv``: the track table plus ``row``, ``valid_frames`` and the extraction
  ``status``; written last, its presence marks the store complete.

The key hashes the feature configuration, the minimum duration and a fingerprint of the
track table (ids, paths, file sizes and modification times), so changing any parameter or
any file gives a new store and can never return stale features.

A *degraded* store (``degradation=``, the degradation study and training with augmentation) holds
the features of every track after a degradation of :mod:`genre_utils.data.degradations` (one name;
or a pool, from which each track draws one), applied to the decoded audio at the features' sample
rate, seeded per track from ``degradation_seed`` and the track id
(:func:`~genre_utils.data.degradations.track_degradations`). Its key adds the degradation names and
the seed, its folder reads ``<kind>-<degradation>-seed<N>-<key>``, and its index has a
``degradation`` column (what each track got). A clip the degradation cannot be applied to is skipped
with the reason, like an unreadable one.

Extraction engines (``engine=``), all writing the same store, bit for bit on one machine (the same
binaries, one BLAS thread per task: every sum in the same order; workers on machines with other CPUs
may differ in the last bits of float32):

- ``"auto"`` (default): Dask when a scheduler is named, else the process pool. On one machine a
  ``LocalCluster`` costs 1.5-2.5 s to start and a fixed share of every call, which the process pool
  does not pay (``docs/benchmarks.md``), so a cluster runs only where there is one to use;
- ``"dask"``: on the Dask scheduler at ``scheduler=`` or ``$GENRE_DASK_SCHEDULER``
  (workers on many machines sharing the cache's file system or object store), else on a
  ``LocalCluster`` of ``workers`` processes started for the call (:mod:`genre_utils.features.cluster`);
- ``"processes"``: a process pool on this machine (:mod:`genre_utils.features.workers`).

A complete store is reopened without starting anything, whatever the engine.

With ``workers=1`` (and no scheduler) extraction runs inline. Each task extracts one chunk of
tracks single-threaded and writes its shard itself; the calling process alone writes the chunk
records, each once its shard is written, and the index at the end.

A full disk is a clear :class:`~genre_utils.paths.StorageError` naming the folder and the space
needed before any work starts; a read-only cache folder is one too, and so is a full disk or a
read-only folder met later, also on a worker. Either way the finished chunks stay valid and the
same call resumes once there is room.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

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
from genre_utils.features import location
from genre_utils.features.array import storage_error
from genre_utils.features.cluster import dask_client, run_on_dask, scheduler_address
from genre_utils.features.kinds import FeatureConfig, compute_features, features_from_samples, segment_features
from genre_utils.features.workers import available_cores, keep_large_buffers, limit_threads, run_parallel

if TYPE_CHECKING:
    import zarr

STORE_VERSION = 2  # 2: a Zarr array (features.zarr) instead of features.npy
DEFAULT_CHUNK_SIZE = 16  # tracks per worker task, and per shard of the array
WARM_UP_SAMPLES = 8192  # a tone computed once before local workers start (see warm_up)
WARM_UP_HZ = 440.0
ENGINES = ("auto", "dask", "processes")
DEFAULT_ENGINE = "auto"
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

    Attributes:
        directory: The store's folder (a :class:`Path`, or an fsspec URL string).
        config: The feature configuration it was built with.
        tracks: The track table with ``row`` (into :attr:`features`), ``valid_frames`` and
            ``status`` (``"ok"`` or why the clip was skipped).
        features: The ``(n_tracks, n_features, n_frames)`` float32 Zarr array, opened
            read-only; read it with :meth:`read_rows`.
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
        """Rows of :attr:`features` (any order, repeats allowed) as an in-memory float32 array.

        The one way the rest of the package reads the array: each distinct row is read and
        decoded once, and only the rows asked for.
        """
        return feature_array.read_rows(self.features, rows)

    def clips(self, track_ids) -> np.ndarray:
        """Whole-clip features of ``track_ids``, in that order, loaded into memory."""
        return self.read_rows(self._rows_for(track_ids)["row"].to_numpy())

    def segments(self, track_ids, segment_seconds: float) -> tuple[np.ndarray, np.ndarray]:
        """Fixed-length segments of ``track_ids`` (see :func:`segment_features`).

        Returns:
            ``(segments, segment_track_ids)``: ``(n_segments, n_features, frames)`` and the
            track id of each segment, so predictions can be aggregated per track.
        """
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


def store_directory(
    tracks,
    dataset: str,
    config: FeatureConfig,
    cache_dir=None,
    min_seconds: float = MIN_SECONDS,
    degradation: dict | None = None,
) -> Path | str:
    """The folder of the store for exactly these tracks, settings and files (a Path, or a URL).

    ``degradation`` is :func:`degradation_identity`'s ``{"names": [...], "seed": N}`` for a degraded store.
    """
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
    root = location.resolve(cache_dir) if cache_dir is not None else paths.feature_cache_dir()
    return location.join(root, dataset, f"{label}-{key}")


def degradation_identity(degradation, seed: int = 0) -> dict | None:
    """``{"names": [...], "seed": N}`` for a degradation name or a pool of names; None for None.

    Raises:
        ValueError: If a name is not a registered degradation or the seed is not in [0, 2**32).
    """
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
    engine: str = DEFAULT_ENGINE,
    scheduler: str | None = None,
    degradation: str | tuple[str, ...] | list[str] | None = None,
    degradation_seed: int = 0,
) -> FeatureSet:
    """Extract (or reopen) the features of every track and return the store.

    Args:
        tracks: A track table (``track_id``, ``path``, ``genre``, ``status`` ...).
        dataset: Dataset name, the cache's first folder level.
        config: Feature settings (thesis MFCC by default).
        cache_dir: Cache root, a folder or an fsspec URL (``s3://bucket/prefix``); defaults to
            ``<data root>/features``.
        workers: Worker processes on this machine; ``None`` uses every available core, 1 runs
            inline. Ignored when a Dask scheduler is given.
        chunk_size: Tracks per task, per shard of the array and per resume checkpoint (a
            resumed store keeps the size it was started with).
        min_seconds: Clips shorter than this are skipped with a reason.
        progress: Show a progress bar.
        engine: ``"auto"`` (default: ``"dask"`` when a scheduler is named, else ``"processes"``),
            ``"dask"`` (the scheduler below, else a LocalCluster of ``workers``) or ``"processes"``
            (a process pool of ``workers``).
        scheduler: Dask scheduler address (``tcp://host:8786``); defaults to
            ``$GENRE_DASK_SCHEDULER``. Its workers must see the audio files and the cache at
            the same paths or URLs.
        degradation: None for the clean audio; a degradation name (every track gets it) or a list
            of names (each track draws one: augmentation), applied before the features.
        degradation_seed: Seeds each track's draw and its degradation (with the track id).

    Returns:
        The complete, read-only :class:`FeatureSet`.
    """
    if not isinstance(dataset, str) or not dataset or os.sep in dataset or "/" in dataset:
        raise ValueError(f"dataset must be a plain name like 'gtzan', got {dataset!r}")
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be >= 1, got {chunk_size}")
    workers = available_cores() if workers is None else int(workers)
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}, got {engine!r}")
    if scheduler is not None and engine == "processes":
        raise ValueError(f"scheduler applies to engine='dask' or 'auto' only, got engine={engine!r}")
    address = scheduler_address(scheduler) if engine != "processes" else None
    engine = engine if engine != "auto" else ("dask" if address is not None else "processes")
    for column in ("track_id", "path", "genre"):
        if column not in tracks.columns:
            raise ValueError(f"tracks table needs a {column!r} column; got {list(tracks.columns)}")
    if tracks.empty:
        raise ValueError(f"the {dataset} track table is empty: nothing to extract")
    degraded = degradation_identity(degradation, degradation_seed)
    tracks = _sorted(tracks)
    directory = store_directory(tracks, dataset, config, cache_dir, min_seconds, degraded)
    if location.exists(location.join(directory, INDEX_NAME)):
        return open_feature_store(directory)
    runner = _Runner(engine, address, workers, progress)
    try:
        _extract_into(directory, tracks, dataset, config, chunk_size, min_seconds, runner, degraded)
    except OSError as error:
        clear = storage_error(error, directory, WHAT)
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
    engine: str = DEFAULT_ENGINE,
    scheduler: str | None = None,
    track_ids=None,
) -> FeatureSet:
    """The store of the same tracks (or of ``track_ids`` among them) and features after ``degradation``
    (a name, or a pool of names from which each track draws one), in the same cache, built once and
    reopened after that.

    A clip skipped in ``store`` stays skipped, with the same reason. A track is degraded the same way
    in a store of all tracks and in one of a few (:func:`~genre_utils.data.degradations.track_degradations`).

    Raises:
        ValueError: If ``track_ids`` names a track the store does not hold.
    """
    manifest = json.loads(location.read_text(location.join(location.resolve(store.directory), MANIFEST_NAME)))
    directory = location.resolve(store.directory)
    root = directory.parent.parent if location.is_local(directory) else directory.rsplit("/", 2)[0]
    tracks = store.tracks.drop(columns=["row", "valid_frames", "degradation"], errors="ignore")
    if track_ids is not None:
        wanted = set(track_ids)
        unknown = sorted(wanted - set(tracks["track_id"]))
        if unknown:
            raise ValueError(f"track ids not in the feature store {store.directory}: {unknown[:5]}")
        tracks = tracks[tracks["track_id"].isin(wanted)]
    return build_feature_store(
        tracks,
        manifest["dataset"],
        store.config,
        cache_dir=root,
        workers=workers,
        chunk_size=int(manifest["chunk_size"]),
        min_seconds=float(manifest["min_seconds"]),
        progress=progress,
        engine=engine,
        scheduler=scheduler,
        degradation=degradation,
        degradation_seed=seed,
    )


def open_feature_store(directory: str | os.PathLike) -> FeatureSet:
    """Open a complete store read-only (a folder or an fsspec URL).

    Raises:
        FileNotFoundError: If ``directory`` holds no complete store.
    """
    directory = location.resolve(directory)
    index = location.join(directory, INDEX_NAME)
    if not location.exists(index):
        raise FileNotFoundError(f"no complete feature store in {directory} (no {INDEX_NAME})")
    manifest = json.loads(location.read_text(location.join(directory, MANIFEST_NAME)))
    if manifest.get("store_version") != STORE_VERSION:
        raise FileNotFoundError(
            f"the feature store in {directory} has version {manifest.get('store_version')}, "
            f"this code reads version {STORE_VERSION}: extract the features again"
        )
    tracks = pd.read_csv(
        io.StringIO(location.read_text(index)), dtype={"track_id": str}, keep_default_na=False, na_values=[""]
    )
    for column in ("status", "genre", "path"):
        tracks[column] = tracks[column].astype(str)
    for column in [c for c in tracks.columns if c.startswith("split_")]:
        tracks[column] = tracks[column].fillna("").astype(str)
    if "degradation" in tracks.columns:
        tracks["degradation"] = tracks["degradation"].astype(str)
    features = feature_array.open_read_only(location.join(directory, ARRAY_NAME))
    return FeatureSet(directory, FeatureConfig(**manifest["config"]), tracks, features, manifest.get("degradation"))


def extract_chunk(jobs, config: FeatureConfig, min_seconds: float):
    """Features of a list of ``(path, status)`` or ``(path, status, (degradation, seed))`` jobs;
    failures become statuses, not errors.

    Returns:
        ``(values, valid_frames, statuses)``: a ``(len(jobs), n_features, n_frames)`` array
        (zeros for skipped clips), the count of real frames and ``"ok"`` or a reason each.
    """
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
    """One task, on any engine: extract a chunk single-threaded and write it as its shard.

    Writing the whole shard at once makes the task safe to re-run (a worker that died mid-task
    has its task run again elsewhere, which rewrites the same shard with the same values).

    Returns:
        ``(valid_frames, statuses)`` of the chunk's tracks; the caller records them.
    """
    keep_large_buffers()  # in a worker process (a Dask nanny's settings made extraction 1.75x slower)
    with limit_threads():
        values, valid_frames, statuses = extract_chunk(jobs, config, min_seconds)
    feature_array.write_rows(location.resolve(array_location), start, values)
    return valid_frames, statuses


@dataclass(frozen=True)
class _Runner:
    """How the pending chunks run: engine, scheduler address, local workers, progress bar."""

    engine: str
    address: str | None
    workers: int
    progress: bool

    def run(self, tasks: dict, on_result, config: FeatureConfig) -> None:
        if not tasks:
            return
        if self.address is not None:
            with dask_client(self.address, self.workers) as client:
                run_on_dask(client, extract_shard, tasks, on_result)
        elif self.workers == 1 or len(tasks) <= 1:
            for index, arguments in tasks.items():
                on_result(index, extract_shard(*arguments))
        else:
            warm_up(config)
            if self.engine == "dask":
                with dask_client(None, min(self.workers, len(tasks))) as client:
                    run_on_dask(client, extract_shard, tasks, on_result)
            else:
                run_parallel(extract_shard, tasks, min(self.workers, len(tasks)), on_result)


def warm_up(config: FeatureConfig) -> None:
    """Compute ``config``'s features of a short tone here, before this machine's workers start.

    librosa's numba functions compile on first use and are cached on disk next to librosa. Local
    workers that all compiled them at once on a fresh install would write that cache together, and
    a worker can then load a half-written entry and crash (seen as a segmentation fault). Compiled
    here first, forked workers inherit the functions and spawned ones read a finished cache; the
    cost is the same first-use time, paid once here instead of in every worker at the same moment.
    """
    tone = 0.1 * np.sin(2 * np.pi * WARM_UP_HZ * np.arange(WARM_UP_SAMPLES) / config.sample_rate)
    with limit_threads():
        compute_features(tone.astype(np.float32), config)


def _extract_into(
    directory, tracks, dataset, config, chunk_size, min_seconds, runner: _Runner, degradation: dict | None = None
) -> None:
    shape = (len(tracks), config.n_features, config.n_frames)
    array = location.join(directory, ARRAY_NAME)
    if location.is_local(directory):
        paths.require_writable(directory / CHUNKS_FOLDER, WHAT)
    existing = feature_array.shard_length(array, shape)
    chunk_size = existing or chunk_size
    chunks = [range(start, min(start + chunk_size, len(tracks))) for start in range(0, len(tracks), chunk_size)]
    done = set(location.file_names(location.join(directory, CHUNKS_FOLDER), RECORD_SUFFIX)) if existing else set()
    pending = [i for i in range(len(chunks)) if _record_name(i) not in done]
    if location.is_local(directory):
        rows = sum(len(chunks[i]) for i in pending)
        needed = feature_array.uncompressed_bytes(rows, shape) + SPACE_MARGIN_BYTES + SPACE_PER_TRACK_BYTES * shape[0]
        paths.require_free_space(directory, needed, WHAT)
    _write_manifest(directory, dataset, config, shape, chunk_size, min_seconds, degradation)
    if not existing:  # chunk records left over belong to an older array: start the chunks afresh
        for name in location.file_names(location.join(directory, CHUNKS_FOLDER), RECORD_SUFFIX):
            location.remove(location.join(directory, CHUNKS_FOLDER, name))
        feature_array.create_array(array, shape, chunk_size)
    plan = (
        track_degradations(tracks["track_id"], degradation["names"], degradation["seed"])
        if degradation is not None
        else [None] * len(tracks)
    )
    _run_chunks(tracks, chunks, pending, os.fspath(array), directory, config, min_seconds, runner, plan)
    feature_array.remove_partial_writes(array)
    if degradation is not None:
        tracks = tracks.assign(degradation=[name for name, _ in plan])
    _write_index(directory, tracks, len(chunks))


def _run_chunks(tracks, chunks, pending, array, directory, config, min_seconds, runner: _Runner, plan):
    from tqdm import tqdm

    paths_and_statuses = [
        (path, status) if degradation is None else (path, status, degradation)
        for path, status, degradation in zip(tracks["path"], tracks["status"], plan)
    ]
    tasks = {
        i: (array, chunks[i].start, paths_and_statuses[chunks[i].start : chunks[i].stop], config, min_seconds)
        for i in pending
    }
    bar = tqdm(
        total=len(tracks),
        initial=len(tracks) - sum(len(chunks[i]) for i in pending),
        desc=f"{config.kind} features",
        unit="clip",
        disable=not runner.progress,
    )

    def record(index, result):
        valid_frames, statuses = result
        rows = chunks[index]
        # The task has written its shard (on whichever machine) before its result arrives here,
        # so a record always stands for rows that are on disk.
        content = {
            "tracks": tracks["track_id"].iloc[list(rows)].tolist(),
            "status": statuses,
            "valid_frames": valid_frames,
        }
        location.write_text(location.join(directory, CHUNKS_FOLDER, _record_name(index)), json.dumps(content))
        bar.update(len(rows))

    try:
        runner.run(tasks, record, config)
    finally:
        bar.close()


def _sorted(tracks: pd.DataFrame) -> pd.DataFrame:
    tracks = tracks.copy()
    if "status" not in tracks.columns:
        tracks["status"] = STATUS_OK
    return tracks.sort_values("track_id", kind="stable").reset_index(drop=True)


def _record_name(index: int) -> str:
    return f"{index:05d}{RECORD_SUFFIX}"


def _write_manifest(directory, dataset, config, shape, chunk_size, min_seconds, degradation=None):
    import librosa
    import zarr

    manifest = {
        "store_version": STORE_VERSION,
        "dataset": dataset,
        "config": config.to_dict(),
        "shape": list(shape),
        "chunk_size": int(chunk_size),
        "array": ARRAY_NAME,
        "min_seconds": float(min_seconds),
        "degradation": degradation,
        "librosa_version": librosa.__version__,
        "numpy_version": np.__version__,
        "zarr_version": zarr.__version__,
    }
    location.write_text(location.join(directory, MANIFEST_NAME), json.dumps(manifest, indent=2), durable=True)


def _write_index(directory, tracks: pd.DataFrame, n_chunks: int) -> None:
    statuses, frames = {}, {}
    chunks_folder = location.join(directory, CHUNKS_FOLDER)
    for index in range(n_chunks):
        record = json.loads(location.read_text(location.join(chunks_folder, _record_name(index))))
        statuses.update(zip(record["tracks"], record["status"]))
        frames.update(zip(record["tracks"], record["valid_frames"]))
    index_table = tracks.copy()
    index_table["row"] = np.arange(len(tracks))
    index_table["status"] = index_table["track_id"].map(statuses)
    index_table["valid_frames"] = index_table["track_id"].map(frames).astype(int)
    location.write_text(location.join(directory, INDEX_NAME), index_table.to_csv(index=False), durable=True)
    for name in location.file_names(chunks_folder, RECORD_SUFFIX):
        location.remove(location.join(chunks_folder, name))
    location.remove_empty_folder(chunks_folder)

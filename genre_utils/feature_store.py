"""A disk cache of clip features for a whole dataset: parallel, resumable, memory-flat.

Layout of one store, ``<cache>/<dataset>/<kind>-<key>/``:

- ``manifest.json``: dataset, feature configuration, array shape, versions;
- ``features.npy``: float32 ``(n_tracks, n_features, n_frames)`` array, opened as a
  memory map, one row per track of the (sorted) track table; rows of skipped tracks stay 0;
- ``chunks/NNNNN.json``: written when a chunk of rows has been flushed to the array, with
  each track's status and number of real (unpadded) frames; a killed run resumes from them;
- ``index.csv``: the track table plus ``row``, ``valid_frames`` and the extraction
  ``status``; written last, its presence marks the store complete.

The key hashes the feature configuration, the minimum duration and a fingerprint of the
track table (ids, paths, file sizes and modification times), so changing any parameter or
any file gives a new store and can never return stale features. Every file is written to a
temporary name and renamed into place.

Extraction runs over all cores in worker processes (:mod:`genre_utils.feature_workers`: they
end with their parent, and Ctrl-C stops them at once); each result is written into the memory
map as it arrives, so memory does not grow with the dataset.

The array's disk space is reserved when it is created (``posix_fallocate``, not a sparse file),
so a full disk is a clear :class:`~genre_utils.paths.StorageError` naming the folder and the
space needed before any work starts, never a SIGBUS halfway; a read-only cache folder is one
too. Either way the finished chunks stay valid and the same call resumes once there is room.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from genre_utils import paths
from genre_utils.atomic import write_text
from genre_utils.audio import AudioError, load_audio
from genre_utils.datasets.table import MIN_SECONDS, STATUS_OK, audio_status
from genre_utils.feature_array import array_matches, open_array, storage_error
from genre_utils.feature_workers import available_cores, limit_threads, run_parallel
from genre_utils.features import FeatureConfig, features_from_samples, segment_features

STORE_VERSION = 1
DEFAULT_CHUNK_SIZE = 16  # tracks per worker task
MANIFEST_NAME = "manifest.json"
ARRAY_NAME = "features.npy"
INDEX_NAME = "index.csv"
CHUNKS_FOLDER = "chunks"
SPACE_MARGIN_BYTES = 1 << 20  # beyond the array: manifest, chunk records, index
SPACE_PER_TRACK_BYTES = 512  # chunk record and index line of one track
WHAT = "the feature cache"


@dataclass
class FeatureSet:
    """A complete feature store, opened read-only.

    Attributes:
        directory: The store's folder.
        config: The feature configuration it was built with.
        tracks: The track table with ``row`` (into :attr:`features`), ``valid_frames`` and
            ``status`` (``"ok"`` or why the clip was skipped).
        features: Memory-mapped ``(n_tracks, n_features, n_frames)`` float32 array.
    """

    directory: Path
    config: FeatureConfig
    tracks: pd.DataFrame
    features: np.ndarray

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

    def clips(self, track_ids) -> np.ndarray:
        """Whole-clip features of ``track_ids``, in that order, loaded into memory."""
        rows = self._rows_for(track_ids)["row"].to_numpy()
        return np.asarray(self.features[rows]) if len(rows) else np.empty((0, *self.features.shape[1:]), np.float32)

    def segments(self, track_ids, segment_seconds: float) -> tuple[np.ndarray, np.ndarray]:
        """Fixed-length segments of ``track_ids`` (see :func:`segment_features`).

        Returns:
            ``(segments, segment_track_ids)``: ``(n_segments, n_features, frames)`` and the
            track id of each segment, so predictions can be aggregated per track.
        """
        segment_frames = self.config.frames_for_seconds(segment_seconds)
        pieces, owners = [], []
        for row in self._rows_for(track_ids).itertuples():
            cut = segment_features(np.asarray(self.features[row.row]), segment_frames, row.valid_frames)
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


def store_directory(tracks, dataset: str, config: FeatureConfig, cache_dir=None, min_seconds: float = MIN_SECONDS) -> Path:
    """The folder of the store for exactly these tracks, settings and files."""
    tracks = _sorted(tracks)
    identity = {
        "store_version": STORE_VERSION,
        "dataset": dataset,
        "config": config.to_dict(),
        "min_seconds": float(min_seconds),
        "tracks": tracks_fingerprint(tracks),
    }
    key = hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:16]
    root = Path(cache_dir) if cache_dir is not None else paths.feature_cache_dir()
    return root / dataset / f"{config.kind}-{key}"


def build_feature_store(
    tracks: pd.DataFrame,
    dataset: str,
    config: FeatureConfig = FeatureConfig(),
    cache_dir: str | os.PathLike | None = None,
    workers: int | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    min_seconds: float = MIN_SECONDS,
    progress: bool = True,
) -> FeatureSet:
    """Extract (or reopen) the features of every track and return the store.

    Args:
        tracks: A track table (``track_id``, ``path``, ``genre``, ``status`` ...).
        dataset: Dataset name, the cache's first folder level.
        config: Feature settings (thesis MFCC by default).
        cache_dir: Cache root; defaults to ``<data root>/features``.
        workers: Worker processes; ``None`` uses every available core, 1 runs inline.
        chunk_size: Tracks per task (and per resume checkpoint).
        min_seconds: Clips shorter than this are skipped with a reason.
        progress: Show a progress bar.

    Returns:
        The complete, read-only :class:`FeatureSet`.
    """
    if not isinstance(dataset, str) or not dataset or os.sep in dataset:
        raise ValueError(f"dataset must be a plain name like 'gtzan', got {dataset!r}")
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be >= 1, got {chunk_size}")
    workers = available_cores() if workers is None else int(workers)
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    for column in ("track_id", "path", "genre"):
        if column not in tracks.columns:
            raise ValueError(f"tracks table needs a {column!r} column; got {list(tracks.columns)}")
    if tracks.empty:
        raise ValueError(f"the {dataset} track table is empty: nothing to extract")
    tracks = _sorted(tracks)
    directory = store_directory(tracks, dataset, config, cache_dir, min_seconds)
    if (directory / INDEX_NAME).is_file():
        return open_feature_store(directory)
    try:
        _extract_into(directory, tracks, dataset, config, chunk_size, min_seconds, workers, progress)
    except OSError as error:
        clear = storage_error(error, directory, WHAT)
        if clear is None:
            raise
        raise clear from error
    return open_feature_store(directory)


def _extract_into(directory, tracks, dataset, config, chunk_size, min_seconds, workers, progress) -> None:
    shape = (len(tracks), config.n_features, config.n_frames)
    paths.require_writable(directory / CHUNKS_FOLDER, WHAT)
    _write_manifest(directory, dataset, config, shape, min_seconds)
    stale = not array_matches(directory / ARRAY_NAME, shape)
    extra = SPACE_MARGIN_BYTES + SPACE_PER_TRACK_BYTES * shape[0]
    array = open_array(directory / ARRAY_NAME, shape, WHAT, extra_bytes=extra)
    if stale:  # chunk records left over belong to an older array: start the chunks afresh
        for record in (directory / CHUNKS_FOLDER).glob("*.json"):
            record.unlink()
    chunks = [range(start, min(start + chunk_size, len(tracks))) for start in range(0, len(tracks), chunk_size)]
    pending = [i for i in range(len(chunks)) if not _chunk_path(directory, i).is_file()]
    _run_chunks(tracks, chunks, pending, array, directory, config, min_seconds, workers, progress)
    array.flush()
    del array
    _write_index(directory, tracks, len(chunks))


def open_feature_store(directory: str | os.PathLike) -> FeatureSet:
    """Open a complete store read-only.

    Raises:
        FileNotFoundError: If ``directory`` holds no complete store.
    """
    directory = Path(directory)
    if not (directory / INDEX_NAME).is_file():
        raise FileNotFoundError(f"no complete feature store in {directory} (no {INDEX_NAME})")
    manifest = json.loads((directory / MANIFEST_NAME).read_text())
    tracks = pd.read_csv(directory / INDEX_NAME, dtype={"track_id": str}, keep_default_na=False, na_values=[""])
    for column in ("status", "genre", "path"):
        tracks[column] = tracks[column].astype(str)
    for column in [c for c in tracks.columns if c.startswith("split_")]:
        tracks[column] = tracks[column].fillna("").astype(str)
    features = np.load(directory / ARRAY_NAME, mmap_mode="r")
    return FeatureSet(directory, FeatureConfig(**manifest["config"]), tracks, features)


def _run_chunks(tracks, chunks, pending, array, directory, config, min_seconds, workers, progress):
    from tqdm import tqdm

    jobs = {i: [(p, s) for p, s in zip(tracks["path"].iloc[list(chunks[i])], tracks["status"].iloc[list(chunks[i])])] for i in pending}
    bar = tqdm(total=len(tracks), initial=len(tracks) - sum(len(chunks[i]) for i in pending),
               desc=f"{config.kind} features", unit="clip", disable=not progress)

    def store(index, result):
        values, valid_frames, statuses = result
        rows = chunks[index]
        # Writes to the shared memory map reach the file's page cache at once, so they survive
        # a killed process; the chunk record is renamed into place only after them.
        array[rows.start : rows.stop] = values
        record = {"tracks": tracks["track_id"].iloc[list(rows)].tolist(), "status": statuses, "valid_frames": valid_frames}
        write_text(_chunk_path(directory, index), json.dumps(record))
        bar.update(len(rows))

    try:
        if workers == 1 or len(pending) <= 1:
            with limit_threads():
                for index in pending:
                    store(index, extract_chunk(jobs[index], config, min_seconds))
            return
        run_parallel(extract_chunk, {i: (jobs[i], config, min_seconds) for i in pending}, workers, store)
    finally:
        bar.close()


def extract_chunk(jobs, config: FeatureConfig, min_seconds: float):
    """Features of a list of ``(path, status)`` jobs; failures become statuses, not errors.

    Returns:
        ``(values, valid_frames, statuses)``: a ``(len(jobs), n_features, n_frames)`` array
        (zeros for skipped clips), the count of real frames and ``"ok"`` or a reason each.
    """
    values = np.zeros((len(jobs), config.n_features, config.n_frames), dtype=np.float32)
    valid_frames, statuses = [], []
    for position, (path, status) in enumerate(jobs):
        frames = 0
        if status == STATUS_OK:
            try:
                samples = load_audio(path, sample_rate=config.sample_rate)
                status = audio_status(samples, min_seconds)
            except AudioError as error:
                status = error.reason
            if status == STATUS_OK:
                values[position], frames = features_from_samples(samples, config)
        valid_frames.append(int(frames))
        statuses.append(status)
    return values, valid_frames, statuses


def _sorted(tracks: pd.DataFrame) -> pd.DataFrame:
    tracks = tracks.copy()
    if "status" not in tracks.columns:
        tracks["status"] = STATUS_OK
    return tracks.sort_values("track_id", kind="stable").reset_index(drop=True)


def _chunk_path(directory: Path, index: int) -> Path:
    return directory / CHUNKS_FOLDER / f"{index:05d}.json"


def _write_manifest(directory, dataset, config, shape, min_seconds):
    import librosa

    manifest = {
        "store_version": STORE_VERSION,
        "dataset": dataset,
        "config": config.to_dict(),
        "shape": list(shape),
        "min_seconds": float(min_seconds),
        "librosa_version": librosa.__version__,
        "numpy_version": np.__version__,
    }
    write_text(directory / MANIFEST_NAME, json.dumps(manifest, indent=2), durable=True)


def _write_index(directory: Path, tracks: pd.DataFrame, n_chunks: int) -> None:
    statuses, frames = {}, {}
    for index in range(n_chunks):
        record = json.loads(_chunk_path(directory, index).read_text())
        statuses.update(zip(record["tracks"], record["status"]))
        frames.update(zip(record["tracks"], record["valid_frames"]))
    index_table = tracks.copy()
    index_table["row"] = np.arange(len(tracks))
    index_table["status"] = index_table["track_id"].map(statuses)
    index_table["valid_frames"] = index_table["track_id"].map(frames).astype(int)
    write_text(directory / INDEX_NAME, index_table.to_csv(index=False), durable=True)
    for chunk in (directory / CHUNKS_FOLDER).glob("*.json"):
        chunk.unlink()
    (directory / CHUNKS_FOLDER).rmdir()

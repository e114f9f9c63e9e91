"""The feature store's array: float32 ``(n_tracks, n_features, n_frames)`` in Zarr v3, one shard per task.

One extraction task (``chunk_size`` consecutive tracks) writes exactly one whole shard: a file renamed
into place by zarr's local store, or one object PUT. Writers need no locks, and a task run again after
its worker died rewrites its shard whole. Inside a shard each track is one zstd inner chunk, so reading
a few rows decodes only those rows.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

import numpy as np
import zarr
from zarr.codecs import ZstdCodec

from genre_utils import paths

DTYPE = np.float32
ZSTD_LEVEL = 3
DISK_FULL_ERRNOS = (errno.ENOSPC, errno.EDQUOT)
PARTIAL_SUFFIX = ".partial"  # zarr's local store writes each shard to <key>.<random>.partial first


def shard_length(location: Path | str, shape: tuple) -> int | None:
    """Tracks per shard of the float32 array of exactly ``shape`` at ``location``; None when there is none."""
    try:
        existing = zarr.open_array(os.fspath(location), mode="r")
    except (FileNotFoundError, ValueError, KeyError, TypeError, OSError, zarr.errors.BaseZarrError):
        return None
    if existing.shape != tuple(shape) or existing.dtype != DTYPE or existing.shards is None:
        return None
    if tuple(existing.chunks) != (1, *shape[1:]) or tuple(existing.shards[1:]) != tuple(shape[1:]):
        return None
    return int(existing.shards[0])


def create_array(location: Path | str, shape: tuple, chunk_size: int) -> None:
    """An all-zero array at ``location`` (replacing what is there), ``chunk_size`` tracks a shard."""
    zarr.create_array(
        os.fspath(location),
        shape=tuple(shape),
        dtype=DTYPE,
        chunks=(1, *shape[1:]),
        shards=(max(1, min(int(chunk_size), int(shape[0]))), *shape[1:]),
        fill_value=0.0,
        compressors=ZstdCodec(level=ZSTD_LEVEL),
        overwrite=True,
    )


def write_rows(location: Path | str, start: int, values: np.ndarray) -> None:
    """Write ``values`` into rows ``start:start + len(values)`` (one whole shard when the caller keeps to them)."""
    zarr.open_array(os.fspath(location), mode="r+")[start : start + len(values)] = np.asarray(values, dtype=DTYPE)


def open_read_only(location: Path | str) -> zarr.Array:
    """The array, opened read-only."""
    return zarr.open_array(os.fspath(location), mode="r")


def read_rows(array: zarr.Array, rows) -> np.ndarray:
    """Rows of ``array`` in the order given (repeats allowed) as a float32 array, each row read once."""
    rows = np.asarray(rows, dtype=np.int64).reshape(-1)
    if rows.size == 0:
        return np.empty((0, *array.shape[1:]), DTYPE)
    if rows.min() < 0 or rows.max() >= array.shape[0]:
        raise IndexError(f"rows must be in 0..{array.shape[0] - 1}, got {rows.min()}..{rows.max()}")
    unique, positions = np.unique(rows, return_inverse=True)
    if unique[-1] - unique[0] + 1 == len(unique):  # one contiguous range: a plain slice
        values = array[int(unique[0]) : int(unique[-1]) + 1]
    else:
        values = array.oindex[unique]
    values = np.asarray(values, dtype=DTYPE)
    return values if len(unique) == len(rows) and (positions == np.arange(len(rows))).all() else values[positions]


def uncompressed_bytes(n_rows: int, shape: tuple) -> int:
    """Bytes of ``n_rows`` rows of an array of ``shape`` before compression."""
    return int(n_rows) * int(np.prod(shape[1:])) * np.dtype(DTYPE).itemsize


def remove_partial_writes(location: Path | str) -> None:
    """Delete the temporary shard files a killed local writer left behind (the shard itself is rewritten)."""
    if isinstance(location, Path) and location.is_dir():
        for leftover in location.rglob(f"*{PARTIAL_SUFFIX}"):
            leftover.unlink(missing_ok=True)


def storage_error(error: OSError, folder: Path | str, what: str) -> Exception | None:
    """A full disk or read-only folder as a one-line StorageError; None for other errors."""
    if error.errno in DISK_FULL_ERRNOS:
        return paths.StorageError(paths.disk_full_message(folder, what))
    if paths.is_read_only_error(error):
        where = paths.nearest_existing(folder) if isinstance(folder, Path) else folder
        return paths.StorageError(paths.read_only_message(where, what))
    return None

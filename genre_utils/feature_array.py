"""The feature store's array on disk: a ``.npy`` file whose every block is reserved up front.

A sparse memory map on a full disk fails halfway with SIGBUS ("Bus error"), losing the run.
:func:`open_array` checks the free space and reserves the whole file (``posix_fallocate``; where
that is missing a new file is written with zeros), so a full disk is a clear
:class:`~genre_utils.paths.StorageError` naming the folder and the space needed, before any work.
:func:`storage_error` turns a full disk or read-only folder met later into the same kind of line.
"""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

from genre_utils import paths

DTYPE = np.float32
ZERO_BLOCK_BYTES = 1 << 20  # where the disk space cannot be reserved, zeros are written this many at a time
DISK_FULL_ERRNOS = (errno.ENOSPC, errno.EDQUOT)


def array_matches(path: Path, shape: tuple) -> bool:
    """True when ``path`` is a float32 ``.npy`` of exactly ``shape``."""
    if not path.is_file():
        return False
    try:
        existing = np.load(path, mmap_mode="r")
    except (ValueError, OSError):
        return False
    matches = existing.shape == tuple(shape) and existing.dtype == DTYPE
    del existing
    return matches


def open_array(path: Path, shape: tuple, what: str, extra_bytes: int = 0) -> np.ndarray:
    """Open ``path`` read-write as a memory map, created all zeros if it is not of ``shape``.

    Args:
        path: The ``.npy`` file.
        shape: Its shape (float32).
        what: How error messages name it ("the feature cache").
        extra_bytes: Space the caller will also need beside it (checked, not reserved).

    Raises:
        genre_utils.paths.StorageError: If the folder has not enough free space.
    """
    data_bytes = int(np.prod(shape)) * np.dtype(DTYPE).itemsize
    if array_matches(path, shape):
        _reserve(path, path.stat().st_size - allocated_bytes(path) + extra_bytes, what)
        return np.load(path, mmap_mode="r+")
    paths.require_free_space(path.parent, data_bytes + extra_bytes, what)
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".npy.tmp")
    os.close(handle)
    try:
        created = np.lib.format.open_memmap(temporary, mode="w+", dtype=DTYPE, shape=shape)
        del created
        size = os.path.getsize(temporary)
        _reserve(Path(temporary), 0, what, zero_from=size - data_bytes)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return np.load(path, mmap_mode="r+")


def allocated_bytes(path: Path) -> int:
    """Bytes of ``path`` backed by disk blocks (less than its size when it is sparse)."""
    stat = path.stat()
    blocks = getattr(stat, "st_blocks", None)
    return stat.st_size if blocks is None else min(stat.st_size, blocks * 512)


def storage_error(error: OSError, folder: Path, what: str) -> Exception | None:
    """A full disk or read-only folder as a one-line StorageError; None for other errors."""
    if error.errno in DISK_FULL_ERRNOS:
        return paths.StorageError(paths.disk_full_message(folder, what))
    if paths.is_read_only_error(error):
        return paths.StorageError(paths.read_only_message(paths.nearest_existing(folder), what))
    return None


def _reserve(path: Path, missing: int, what: str, zero_from: int | None = None) -> None:
    """Allocate every block of ``path`` so that writes through a memory map cannot hit a full disk.

    ``missing`` is how many bytes are still needed (checked against the free space first).
    Without ``posix_fallocate`` (macOS), a new file is written with zeros from ``zero_from`` on.
    """
    if missing > 0:
        paths.require_free_space(path.parent, missing, what)
    size = path.stat().st_size
    with open(path, "r+b") as stream:
        if hasattr(os, "posix_fallocate"):
            try:
                os.posix_fallocate(stream.fileno(), 0, size)
                return
            except OSError as error:
                if error.errno in DISK_FULL_ERRNOS:
                    free = shutil.disk_usage(path.parent).free
                    raise paths.StorageError(paths.disk_full_message(path.parent, what, size, free)) from error
                if error.errno not in (errno.EINVAL, errno.EOPNOTSUPP):
                    raise
        if zero_from is None:
            return
        stream.seek(zero_from)
        for offset in range(zero_from, size, ZERO_BLOCK_BYTES):
            stream.write(bytes(min(ZERO_BLOCK_BYTES, size - offset)))
        stream.flush()
        os.fsync(stream.fileno())

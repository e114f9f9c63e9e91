"""Where data, caches and reports live, and how files are written there.

The data root: an argument, else ``GENRE_DATA_DIR``, else ``data/``; ``--cache-dir DIR`` or ``GENRE_CACHE_DIR``
moves what the project writes off a read-only root. A read-only folder or a full disk is one line
(:class:`StorageError`). Files are written atomically: a temporary file beside the target, renamed over it.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import tempfile
import uuid
from pathlib import Path

import numpy as np
import pandas as pd

DATA_DIR_ENV = "GENRE_DATA_DIR"
CACHE_DIR_ENV = "GENRE_CACHE_DIR"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = PROJECT_ROOT / "data"
FEATURE_CACHE_NAME = "features"
TABLES_HINT = f"put the cache and tables elsewhere with --cache-dir DIR or {CACHE_DIR_ENV}=DIR"


class StorageError(RuntimeError):
    """A folder that cannot take what must be written: read-only, or not enough free space."""


def _chosen(path: str | os.PathLike | None, env: str) -> Path | None:
    """``path``, else the folder in environment variable ``env``, resolved; None when neither is given."""
    path = path if path is not None else os.environ.get(env) or None
    return None if path is None else Path(path).expanduser().resolve()


def data_root(root: str | os.PathLike | None = None) -> Path:
    """The data root folder (not created)."""
    return _chosen(root, DATA_DIR_ENV) or DEFAULT_DATA_DIR


def dataset_dir(name: str, root: str | os.PathLike | None = None) -> Path:
    """``<data root>/<name>``, the default home of one dataset."""
    return data_root(root) / name


def feature_cache_dir(cache_dir: str | os.PathLike | None = None) -> Path:
    """The feature cache: ``<cache_dir or GENRE_CACHE_DIR>/features``, else ``<data root>/features``."""
    return (_chosen(cache_dir, CACHE_DIR_ENV) or data_root()) / FEATURE_CACHE_NAME


def tables_dir(dataset: str, dataset_folder: str | os.PathLike, cache_dir: str | os.PathLike | None = None) -> Path:
    """Where ``validate`` writes a dataset's tables: ``<cache_dir or GENRE_CACHE_DIR>/<dataset>``, else its folder."""
    chosen = _chosen(cache_dir, CACHE_DIR_ENV)
    return chosen / dataset if chosen is not None else Path(dataset_folder)


def is_read_only_error(error: OSError) -> bool:
    """True for 'read-only file system' and 'permission denied'."""
    return getattr(error, "errno", None) in (errno.EROFS, errno.EACCES, errno.EPERM)


def read_only_message(folder: str | os.PathLike, what: str) -> str:
    """One line: the folder is read-only, and how to write elsewhere."""
    return f"{folder} is read-only, so {what} cannot be written there: {TABLES_HINT}"


def require_writable(folder: str | os.PathLike, what: str) -> Path:
    """Create ``folder`` if needed and check that a file can be written in it."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        if is_read_only_error(error):
            raise StorageError(read_only_message(nearest_existing(folder), what)) from error
        raise
    return folder


def require_free_space(folder: str | os.PathLike, needed: int, what: str) -> None:
    """Check that ``folder`` has ``needed`` bytes free."""
    free = shutil.disk_usage(folder).free
    if free < needed:
        raise StorageError(disk_full_message(folder, what, needed, free))


def disk_full_message(folder: str | os.PathLike, what: str, needed: int | None = None, free: int | None = None) -> str:
    """One line: not enough space in ``folder``, how much is needed, and what to do."""
    sizes = f": it needs {format_bytes(needed)}, {format_bytes(free)} free" if needed is not None else ""
    return (
        f"not enough disk space in {folder} for {what}{sizes}. Free some space and run the same command "
        f"again (finished work is kept), or {TABLES_HINT}"
    )


def format_bytes(count: int | None) -> str:
    """``1.2 GiB``-style size."""
    if count is None:
        return "?"
    value = float(count)
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if value < 1024:
            return f"{value:.0f} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TiB"


def nearest_existing(folder: Path) -> Path:
    """``folder`` or its closest ancestor that exists."""
    while not folder.exists() and folder.parent != folder:
        folder = folder.parent
    return folder


def write_with(path: str | os.PathLike, write, durable: bool = False) -> Path:
    """Call ``write(binary stream)`` on a temporary file beside ``path``, then rename it to ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.parent / f".{path.name}.{uuid.uuid4().hex[:12]}.part"
    try:
        with open(temporary, "xb") as stream:  # unlike mkstemp, keeps the umask's permissions
            write(stream)
            if durable:
                stream.flush()
                os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return path


def write_text(path: str | os.PathLike, text: str, durable: bool = False) -> Path:
    """Write UTF-8 text atomically."""
    return write_with(path, lambda stream: stream.write(text.encode("utf-8")), durable=durable)


def write_json(path: str | os.PathLike, content, durable: bool = False) -> Path:
    """Write indented JSON atomically; NumPy scalars and paths are converted."""
    return write_text(path, json.dumps(content, indent=2, default=_json_default) + "\n", durable=durable)


def write_csv(path: str | os.PathLike, frame: pd.DataFrame, index: bool = False, **options) -> Path:
    """Write a DataFrame as CSV atomically (options go to :meth:`pandas.DataFrame.to_csv`)."""
    return write_text(path, frame.to_csv(index=index, **options))


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} to JSON")

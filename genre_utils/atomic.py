"""Atomic file writes: a reader sees the old file or the new one, never half of one.

Every writer here writes a temporary file beside the target (a unique hidden name, created with
the umask's permissions) and renames it over the target with :func:`os.replace`; on any error
the temporary file is removed and the target is untouched.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import numpy as np
import pandas as pd


def write_with(path: str | os.PathLike, write, durable: bool = False) -> Path:
    """Call ``write(binary stream)`` on a temporary file beside ``path``, then rename it to ``path``.

    Args:
        path: Target file; its folder is created.
        write: Function that writes the content to the open binary stream.
        durable: Also ``fsync`` before the rename, so the content survives a power cut.
    """
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

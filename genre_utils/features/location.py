"""Where a feature store lives: a local folder, or an fsspec URL such as ``s3://bucket/prefix``.

A plain path and a ``file://`` URL are local folders, returned as :class:`~pathlib.Path`: their
small files are written to a temporary name and renamed into place (:mod:`genre_utils.paths`),
and the feature store checks free space and read-only folders up front. Any other URL
(``s3://``, ``gs://``, ``memory://`` ...) stays a string and is reached through fsspec, where
writing an object is one atomic PUT, so a reader again sees the old file or the new one, never
half of one. Every function here takes either form and does the same on both.
"""

from __future__ import annotations

import os
from pathlib import Path

from genre_utils.paths import write_text as write_local_text

LOCAL_PROTOCOLS = ("file", "local")
SEPARATOR = "/"


def resolve(location: str | os.PathLike) -> Path | str:
    """An absolute :class:`Path` for a plain path or ``file://`` URL, else the URL without a trailing ``/``.

    Raises:
        ValueError: If ``location`` is empty.
    """
    from fsspec.core import split_protocol

    text = os.fspath(location)
    if not text:
        raise ValueError("a store location must be a folder or an fsspec URL, got an empty string")
    protocol, rest = split_protocol(text)
    if protocol is None or protocol in LOCAL_PROTOCOLS:
        return Path(rest).expanduser().absolute()  # absolute: workers elsewhere see the same path
    return text.rstrip(SEPARATOR)


def is_local(location: Path | str) -> bool:
    """True for a folder of this machine's file system (a resolved :class:`Path`)."""
    return isinstance(location, Path)


def join(location: Path | str, *names: str) -> Path | str:
    """``location/name/...`` in the location's own form."""
    if is_local(location):
        return location.joinpath(*names)
    return SEPARATOR.join([location.rstrip(SEPARATOR), *names])


def exists(location: Path | str) -> bool:
    """True when a file (or folder) is there."""
    if is_local(location):
        return location.exists()
    filesystem, path = _filesystem(location)
    return filesystem.exists(path)


def read_text(location: Path | str) -> str:
    """The UTF-8 text of a file."""
    if is_local(location):
        return location.read_text(encoding="utf-8")
    filesystem, path = _filesystem(location)
    return filesystem.cat_file(path).decode("utf-8")


def write_text(location: Path | str, text: str, durable: bool = False) -> None:
    """Write UTF-8 text atomically: rename into place locally, one PUT through fsspec.

    Args:
        location: The file.
        text: Its content.
        durable: Locally, ``fsync`` before the rename (an object store's PUT is durable when it returns).
    """
    if is_local(location):
        write_local_text(location, text, durable=durable)
        return
    filesystem, path = _filesystem(location)
    filesystem.pipe_file(path, text.encode("utf-8"))


def remove(location: Path | str) -> None:
    """Delete a file; nothing happens when it is not there."""
    if is_local(location):
        location.unlink(missing_ok=True)
        return
    filesystem, path = _filesystem(location)
    try:
        filesystem.rm_file(path)
    except FileNotFoundError:
        pass


def file_names(folder: Path | str, suffix: str) -> list[str]:
    """Sorted names of the files in ``folder`` ending with ``suffix``; empty when there is no folder."""
    if is_local(folder):
        return sorted(p.name for p in folder.glob(f"*{suffix}")) if folder.is_dir() else []
    filesystem, path = _filesystem(folder)
    try:
        listed = filesystem.ls(path, detail=False)
    except FileNotFoundError:
        return []
    return sorted(
        name for name in (entry.rstrip(SEPARATOR).rsplit(SEPARATOR, 1)[-1] for entry in listed) if name.endswith(suffix)
    )


def remove_empty_folder(folder: Path | str) -> None:
    """Remove a local folder once its files are gone (object stores have no folders to remove)."""
    if is_local(folder) and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()


def _filesystem(url: str):
    from fsspec.core import url_to_fs

    return url_to_fs(url)

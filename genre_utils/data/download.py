"""Downloads with pooch: each mirror in turn, an interrupted download resumed; archives unpacked by pooch.

pooch drops a failed download, so :func:`_resuming` keeps the bytes in ``<file>.part`` and asks for the rest
(HTTP ``Range``). :func:`unpack` extracts beside the destination and moves the result into place only after a
``check``: a killed extraction leaves no half dataset that looks complete.
"""

from __future__ import annotations

import os
import shutil
import sys
import tarfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import pooch
import requests
from tqdm import tqdm

CHUNK_BYTES = 1 << 16  # an interruption loses less than this
TIMEOUT_SECONDS = 60
PART_SUFFIX = ".part"


@dataclass(frozen=True)
class Remote:
    """A file to download: its name, mirrors and known hash (``sha256:<hex>``, ``sha1:``, ``md5:``; None: unknown)."""

    filename: str
    urls: tuple[str, ...]
    known_hash: str | None
    size: int | None = None
    description: str = ""


class DownloadError(RuntimeError):
    """No mirror delivered the file; the message lists every URL and why it failed."""


def _resuming(part: Path, progress: bool, description: str):
    """A pooch downloader that appends to ``<file>.part`` what the server sends after the bytes already there."""

    def download(url: str, output_file: str, pooch_instance=None) -> None:
        have = part.stat().st_size if part.exists() else 0
        headers = {"Range": f"bytes={have}-"} if have else {}
        with requests.get(url, headers=headers, stream=True, timeout=TIMEOUT_SECONDS) as response:
            if response.status_code != 416:  # 416: nothing left to send, the part is whole
                response.raise_for_status()
                have = have if response.status_code == 206 else 0  # 200: the server ignored Range
                total = int(response.headers.get("Content-Length", 0)) + have
                name = description or part.stem
                bar = tqdm(
                    total=total or None, initial=have, unit="B", unit_scale=True, desc=name, disable=not progress
                )
                with open(part, "ab" if have else "wb") as stream, bar:
                    for block in response.iter_content(CHUNK_BYTES):
                        bar.update(stream.write(block))
        shutil.move(part, output_file)

    return download


def fetch(remote: Remote, dest_dir: str | os.PathLike, progress: bool = True, check=None) -> Path:
    """``dest_dir/remote.filename``, downloaded and verified unless there; ``check(path)`` may refuse it (ValueError).

    A refused file is deleted and the next mirror tried; a DownloadError names each URL and why it failed.
    """
    dest_dir = Path(dest_dir)
    part = dest_dir / (remote.filename + PART_SUFFIX)
    failures = []
    for url in remote.urls:
        downloader = _resuming(part, progress, remote.description)
        try:
            path = Path(pooch.retrieve(url, remote.known_hash, remote.filename, dest_dir, downloader=downloader))
        except ValueError as error:  # pooch: another hash; those bytes cannot be resumed
            part.unlink(missing_ok=True)
            failures.append(f"{url}: {_first_line(error)}")
            continue
        except (requests.RequestException, OSError) as error:
            kept = f" ({part.stat().st_size} bytes kept in {part.name} to resume)" if part.exists() else ""
            failures.append(f"{url}: {_first_line(error)}{kept}")
            continue
        try:
            if check is not None:
                check(path)
            return path
        except ValueError as error:
            path.unlink()
            failures.append(f"{url}: refused, {_first_line(error)}")
    described = f" ({remote.description})" if remote.description else ""
    raise DownloadError(f"could not download {remote.filename}{described}:\n  " + "\n  ".join(failures))


def unpack(archive: str | os.PathLike, dest_dir: str | os.PathLike, check=None) -> Path:
    """Extract ``archive`` (zip or tar) into ``dest_dir``, macOS junk dropped; ``check(folder)`` may refuse it first."""
    archive, dest_dir = Path(archive), Path(dest_dir)
    staging = dest_dir / f".{archive.name}.extracting"
    shutil.rmtree(staging, ignore_errors=True)  # what a killed extraction left
    processor = pooch.Unzip if archive.name.lower().endswith(".zip") else pooch.Untar
    try:
        if processor is pooch.Untar and sys.version_info < (3, 12):
            _refuse_escaping_members(archive)
        processor(extract_dir=str(staging))(str(archive), "download", None)
        for junk in [*staging.rglob("__MACOSX"), *staging.rglob("._*")]:
            shutil.rmtree(junk) if junk.is_dir() else junk.unlink(missing_ok=True)
        if check is not None:
            check(staging)
        for entry in staging.iterdir():
            final = dest_dir / entry.name
            if final.is_dir():
                shutil.rmtree(final)
            os.replace(entry, final)
    except (tarfile.TarError, zipfile.BadZipFile, EOFError, zlib.error) as error:
        raise ValueError(f"{archive} is not a readable archive ({_first_line(error)})") from error
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return dest_dir


def _refuse_escaping_members(archive: Path) -> None:
    """pooch gives tarfile its ``data`` filter from Python 3.12 only; before, refuse ``..`` and absolute names."""
    with tarfile.open(archive) as handle:
        for name in handle.getnames():
            if name.startswith("/") or ".." in Path(name).parts:
                raise ValueError(f"{archive}: member {name!r} would be written outside the destination folder")


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return (text.splitlines()[0] if text else type(error).__name__)[:300]

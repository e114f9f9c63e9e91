"""Verified, resumable downloads with mirrors (pooch), and safe archive extraction.

:func:`fetch` saves one file, checked against a known hash (``sha256:``, ``sha1:`` or ``md5:``),
trying each mirror in turn. Bytes arrive in ``<file>.part``; an interrupted download keeps
them and the next call asks the server for the rest (HTTP ``Range``). pooch verifies the hash
and moves the file into place atomically, so a file under its final name is always complete.
A mirror may serve a repacked copy with another checksum (macOS ``._*`` companions added, say):
given a ``verify`` function that checks the *content*, :func:`fetch` keeps such a file when the
content verifies, and records that in ``.<file>.accepted``.

:func:`extract` unpacks ``.tar.gz``/``.tar``/``.zip`` (bzip2 members included) into a temporary
folder beside the destination, then moves the entries into place and leaves a marker, so a
killed extraction never leaves half a dataset that looks complete.
"""

from __future__ import annotations

import os
import shutil
import tarfile
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from genre_utils.paths import write_text

HASH_ALGORITHMS = ("sha256", "sha1", "md5")
CHUNK_BYTES = 1 << 16  # bytes written per read: an interruption loses less than this
TIMEOUT_SECONDS = 60
PART_SUFFIX = ".part"
JUNK_PREFIXES = ("__MACOSX/", "._")
UNCHECKED_SUFFIX = ".unchecked"  # a download whose checksum is not the known one, being judged
ACCEPTED_SUFFIX = ".accepted"  # records a file accepted by its content


@dataclass(frozen=True)
class Remote:
    """A file to download: its name, mirrors and known hash."""

    filename: str
    urls: tuple[str, ...]
    known_hash: str
    size: int | None = None
    description: str = ""

    def __post_init__(self):
        if not self.urls:
            raise ValueError(f"Remote {self.filename!r} needs at least one URL")
        algorithm, _, digest = self.known_hash.partition(":")
        if algorithm not in HASH_ALGORITHMS or not digest:
            raise ValueError(
                f"known_hash of {self.filename!r} must look like 'sha256:<hex>' "
                f"(algorithms {', '.join(HASH_ALGORITHMS)}), got {self.known_hash!r}"
            )


class DownloadError(RuntimeError):
    """No mirror delivered the file; the message lists every URL and why it failed."""


class ResumableDownloader:
    """A pooch downloader that streams into ``<file>.part`` and resumes it with HTTP Range."""

    def __init__(self, part_path: Path, progress: bool = True, description: str = ""):
        self.part_path = part_path
        self.progress = progress
        self.description = description

    def __call__(self, url: str, output_file, pooch_instance=None, check_only: bool = False):
        import requests
        from tqdm import tqdm

        have = self.part_path.stat().st_size if self.part_path.exists() else 0
        headers = {"Range": f"bytes={have}-"} if have else {}
        with requests.get(url, headers=headers, stream=True, timeout=TIMEOUT_SECONDS) as response:
            if response.status_code == 416:  # nothing left to send: the part is complete (or stale)
                response.close()
                self._finish(output_file)
                return
            response.raise_for_status()
            if have and response.status_code != 206:  # the server ignored Range: start over
                have = 0
            total = response.headers.get("Content-Length")
            total = int(total) + have if total is not None else None
            mode = "ab" if have else "wb"
            with (
                open(self.part_path, mode) as stream,
                tqdm(
                    total=total,
                    initial=have,
                    unit="B",
                    unit_scale=True,
                    disable=not self.progress,
                    desc=self.description or self.part_path.name[: -len(PART_SUFFIX)],
                ) as bar,
            ):
                for block in response.iter_content(CHUNK_BYTES):
                    stream.write(block)
                    bar.update(len(block))
        if total is not None and self.part_path.stat().st_size < total:
            raise OSError(f"connection closed after {self.part_path.stat().st_size} of {total} bytes")
        self._finish(output_file)

    def _finish(self, output_file) -> None:
        shutil.move(str(self.part_path), str(output_file))


def file_hash(path: str | os.PathLike, algorithm: str = "sha256") -> str:
    """Hex digest of a file."""
    import pooch

    return pooch.file_hash(str(path), alg=algorithm)


def fetch(remote: Remote, dest_dir: str | os.PathLike, progress: bool = True, verify=None) -> Path:
    """Return ``dest_dir/remote.filename``, downloading and verifying it if needed.

    Args:
        remote: What to fetch and from where.
        dest_dir: Folder of the file.
        progress: Show a progress bar.
        verify: Optional ``verify(path) -> summary`` that checks a file's *content* and raises
            ``ValueError`` when it is wrong. With it, a mirror whose bytes have another checksum
            (a repacked copy) is accepted when ``verify`` passes; the acceptance is recorded in
            ``.<filename>.accepted`` so a later call does not download it again.

    Raises:
        DownloadError: If every mirror failed (connection, HTTP status, checksum); the message
            names the file and each URL with its reason.
    """
    import pooch
    import requests

    dest_dir = Path(dest_dir)
    dest_dir.mkdir(parents=True, exist_ok=True)
    target = dest_dir / remote.filename
    accepted = dest_dir / f".{remote.filename}{ACCEPTED_SUFFIX}"
    algorithm, _, expected = remote.known_hash.partition(":")
    if target.is_file():
        actual = file_hash(target, algorithm)
        if actual == expected.lower() or (verify is not None and _accepted_hash(accepted) == f"{algorithm}:{actual}"):
            return target
        print(f"{target} does not match its {algorithm} checksum: downloading it again")
        target.unlink()
        accepted.unlink(missing_ok=True)
    part = dest_dir / (remote.filename + PART_SUFFIX)
    failures = []
    for url in remote.urls:
        downloader = ResumableDownloader(part, progress, remote.description)
        try:
            if verify is not None:
                return _fetch_judged(url, remote, dest_dir, downloader, verify, accepted)
            path = pooch.retrieve(
                url,
                known_hash=remote.known_hash,
                fname=remote.filename,
                path=dest_dir,
                downloader=downloader,
                progressbar=False,
            )
            return Path(path)
        except ContentRejected as error:
            failures.append(f"{url}: {error}")
        except ValueError as error:  # pooch: checksum mismatch; the bad bytes cannot be resumed
            part.unlink(missing_ok=True)
            failures.append(f"{url}: checksum mismatch ({_first_line(error)}); expected {remote.known_hash}")
        except (requests.RequestException, OSError) as error:
            failures.append(
                f"{url}: {_first_line(error)}"
                + (f" ({part.stat().st_size} bytes kept in {part.name} to resume)" if part.exists() else "")
            )
    raise DownloadError(
        f"could not download {remote.filename}"
        + (f" ({remote.description})" if remote.description else "")
        + ":\n  "
        + "\n  ".join(failures)
    )


class ContentRejected(ValueError):
    """A downloaded file whose checksum is unknown and whose content did not verify."""


def _fetch_judged(url: str, remote: Remote, dest_dir: Path, downloader, verify, accepted: Path) -> Path:
    """Download ``url`` unchecked, then keep it if its hash is known or ``verify`` accepts it."""
    import pooch

    algorithm, _, expected = remote.known_hash.partition(":")
    unchecked = dest_dir / (remote.filename + UNCHECKED_SUFFIX)
    unchecked.unlink(missing_ok=True)
    logger = pooch.get_logger()
    level = logger.level
    logger.setLevel("WARNING")  # pooch would suggest the unknown hash as the known one
    try:
        pooch.retrieve(
            url, known_hash=None, fname=unchecked.name, path=dest_dir, downloader=downloader, progressbar=False
        )
    finally:
        logger.setLevel(level)
    actual = file_hash(unchecked, algorithm)
    if actual != expected.lower():
        try:
            summary = verify(unchecked)
        except ValueError as error:
            unchecked.unlink(missing_ok=True)
            raise ContentRejected(
                f"checksum mismatch ({algorithm} {actual}, expected {remote.known_hash}) "
                f"and its content does not verify: {_first_line(error)}"
            ) from error
        write_text(accepted, f"{algorithm}:{actual}\n{url}\n{summary}\n")
        print(
            f"{remote.filename} from {url} is not the known file ({algorithm} {actual[:16]}...), "
            f"but its content verifies: {summary}; accepted"
        )
    os.replace(unchecked, dest_dir / remote.filename)
    return dest_dir / remote.filename


def _accepted_hash(marker: Path) -> str:
    try:
        return marker.read_text().splitlines()[0].strip()
    except (OSError, IndexError):
        return ""


def extract(archive: str | os.PathLike, dest_dir: str | os.PathLike, progress: bool = True) -> Path:
    """Unpack ``archive`` into ``dest_dir`` once; later calls return at once.

    Raises:
        ValueError: On an unsupported or corrupt archive, or a member whose path would leave
            ``dest_dir`` (absolute or ``..``); the message names the file or member.
    """
    from tqdm import tqdm

    archive, dest_dir = Path(archive), Path(dest_dir)
    marker = dest_dir / f".{archive.name}.extracted"
    stat = archive.stat()
    stamp = f"{stat.st_size}:{stat.st_mtime_ns}"
    if marker.is_file() and marker.read_text().strip() == stamp:
        return dest_dir
    dest_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=dest_dir, prefix=f".{archive.name}.extracting-"))
    try:
        with _open_archive(archive) as (names, write_member):
            members = [n for n in names if not _is_junk(n)]
            for name in members:
                _check_member(archive, name)
            for name in tqdm(members, desc=f"extracting {archive.name}", unit="file", disable=not progress):
                try:
                    write_member(name, staging)
                except (zipfile.BadZipFile, tarfile.TarError, EOFError, OSError, zlib.error) as error:
                    raise ValueError(f"{archive}: cannot extract {name!r} ({_first_line(error)})") from error
        for entry in staging.iterdir():
            final = dest_dir / entry.name
            if final.exists():
                shutil.rmtree(final) if final.is_dir() else final.unlink()
            os.replace(entry, final)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    marker.write_text(stamp + "\n")
    return dest_dir


class _open_archive:
    """Context manager yielding member names and a function that writes one member."""

    def __init__(self, archive: Path):
        self.archive = archive

    def __enter__(self):
        name = self.archive.name.lower()
        try:
            if name.endswith(".zip"):
                self.handle = zipfile.ZipFile(self.archive)
                names = [n for n in self.handle.namelist() if not n.endswith("/")]
                return names, lambda member, where: self.handle.extract(member, where)
            if name.endswith((".tar.gz", ".tgz", ".tar", ".tar.bz2")):
                self.handle = tarfile.open(self.archive)
                lookup = {m.name: m for m in self.handle.getmembers() if m.isfile()}
                return list(lookup), lambda member, where: self.handle.extract(lookup[member], where, filter="data")
        except (zipfile.BadZipFile, tarfile.TarError, EOFError, OSError) as error:
            raise ValueError(f"{self.archive} is not a readable archive ({_first_line(error)})") from error
        raise ValueError(f"{self.archive}: unsupported archive type (expected .zip, .tar.gz, .tgz or .tar)")

    def __exit__(self, *exc):
        self.handle.close()


def _is_junk(name: str) -> bool:
    return name.startswith("__MACOSX/") or Path(name).name.startswith("._")


def _check_member(archive: Path, name: str) -> None:
    path = Path(name)
    if path.is_absolute() or ".." in path.parts:
        raise ValueError(f"{archive}: member {name!r} would be written outside the destination folder")


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return (text.splitlines()[0] if text else type(error).__name__)[:300]

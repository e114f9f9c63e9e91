"""GTZAN clips checked against the MD5s of the original 1000 WAV files, whatever the copy.

The reference (``gtzan_md5.json``, shipped with the package) holds, for each clip, the MD5 of
``genres/<genre>/<clip>.wav`` as listed in mirdata's GTZAN-Genre 1.0 index
(mir-dataset-loaders/mirdata, commit ba0a9023, BSD-3-Clause). Those WAVs are canonical 16-bit
PCM files: a 44-byte RIFF header, then the samples. So a clip is checked in two steps:

1. the MD5 of the file's bytes (a WAV copy of the original matches at once);
2. otherwise the MD5 of the canonical WAV rebuilt from its decoded 16-bit samples, so an ``.au``
   of the original archive, a lossless FLAC or a WAV with extra chunks verifies when its audio
   is the original's, and a cut, re-encoded (MP3) or corrupted clip differs.

:func:`check_tracks` checks a track table; :func:`check_archive` checks the clips inside a
``.tar.gz``/``.zip`` without extracting it (used to accept an archive from a mirror whose
archive checksum is unknown).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import struct
import tarfile
import zipfile
from functools import lru_cache
from importlib import resources
from pathlib import Path, PurePosixPath

import pandas as pd

from genre_utils.data.datasets import checksums

REFERENCE_PACKAGE = "genre_utils.data.datasets"
REFERENCE_FILE = "gtzan_md5.json"
REFERENCE_NAME = "the original GTZAN clip (mirdata's MD5)"
LOSSY_SUFFIXES = (".mp3", ".ogg", ".oga", ".opus", ".m4a", ".aac", ".wma", ".mp2")
WAV_HEADER_BYTES = 44
ORIGINAL_RATE = 22050  # Hz, mono 16-bit: the original clips
CUT_BELOW_SECONDS = 29.5  # every original clip is at least 29.9 s
_CLIP_FILE = re.compile(r"^(?P<clip>[a-z]+\.\d{5})\.[A-Za-z0-9]+$")


@lru_cache(maxsize=1)
def reference_md5() -> dict[str, str]:
    """``{clip id: MD5 of its original WAV}`` for the 1000 GTZAN clips."""
    text = resources.files(REFERENCE_PACKAGE).joinpath(REFERENCE_FILE).read_text(encoding="utf-8")
    return dict(json.loads(text)["md5"])


def canonical_wav(data: bytes, name: str = "clip") -> bytes:
    """The 16-bit PCM WAV (44-byte header) holding the decoded samples of an audio file's bytes.

    Raises:
        ValueError: If the bytes cannot be decoded; the message names ``name``.
    """
    import soundfile

    try:
        samples, rate = soundfile.read(io.BytesIO(data), dtype="int16", always_2d=True)
    except Exception as error:  # libsndfile raises several types for undecodable data
        raise ValueError(f"{name}: cannot decode ({str(error).strip()[:120] or type(error).__name__})") from error
    channels = samples.shape[1]
    payload = samples.astype("<i2").tobytes()
    header = b"RIFF" + struct.pack("<I", WAV_HEADER_BYTES - 8 + len(payload)) + b"WAVE"
    header += b"fmt " + struct.pack("<IHHIIHH", 16, 1, channels, rate, rate * channels * 2, channels * 2, 16)
    header += b"data" + struct.pack("<I", len(payload))
    return header + payload


def check_bytes(data: bytes, name: str, expected_md5: str) -> tuple[str, str]:
    """``(result, detail)`` of one clip's bytes against its reference MD5 (``name`` is its file name)."""
    if hashlib.md5(data).hexdigest() == expected_md5:
        return checksums.VERIFIED, ""
    if not data:
        return checksums.DIFFERS, "empty file"
    try:
        rebuilt = canonical_wav(data, name)
    except ValueError:
        return checksums.DIFFERS, "not decodable audio"
    if hashlib.md5(rebuilt).hexdigest() == expected_md5:
        return checksums.VERIFIED, ""
    if PurePosixPath(name).suffix.lower() in LOSSY_SUFFIXES:
        return checksums.DIFFERS, f"lossy {PurePosixPath(name).suffix.lower()[1:].upper()} copy"
    seconds = (len(rebuilt) - WAV_HEADER_BYTES) / (2 * ORIGINAL_RATE)
    return (
        checksums.DIFFERS,
        f"other samples, {seconds:.1f} s (cut?)" if seconds < CUT_BELOW_SECONDS else "other samples",
    )


def check_tracks(tracks: pd.DataFrame) -> pd.DataFrame:
    """Check report of the 1000 reference clips against a GTZAN track table.

    Rows whose ``track_id`` is a reference clip are checked (readable or not); reference clips
    with no row are ``missing``. Rows with other ids (skipped misnamed files) are not clips.
    """
    reference = reference_md5()
    by_id = dict(zip(tracks["track_id"], tracks["path"]))
    rows = []
    for clip, expected in reference.items():
        path = by_id.get(clip)
        if path is None:
            rows.append({"clip": clip, "result": checksums.MISSING})
            continue
        try:
            data = Path(path).read_bytes()
        except OSError as error:
            rows.append(
                {
                    "clip": clip,
                    "path": path,
                    "result": checksums.DIFFERS,
                    "detail": f"unreadable ({error.strerror or error})",
                }
            )
            continue
        result, detail = check_bytes(data, Path(path).name, expected)
        rows.append({"clip": clip, "path": path, "result": result, "detail": detail})
    return checksums.make_report(rows)


def check_archive(archive: str | os.PathLike) -> pd.DataFrame:
    """Check report of the clips inside a ``.tar.gz``/``.tar``/``.zip``, read without extracting.

    macOS ``._*`` companions and ``__MACOSX/`` entries are ignored; a clip present in several
    formats counts as verified when one copy verifies.

    Raises:
        ValueError: If the archive cannot be read.
    """
    reference = reference_md5()
    results: dict[str, tuple[str, str, str]] = {}
    for member, data in _clip_members(Path(archive)):
        clip = _CLIP_FILE.match(PurePosixPath(member).name)["clip"]
        if clip not in reference or results.get(clip, ("", ""))[1] == checksums.VERIFIED:
            continue
        result, detail = check_bytes(data, member, reference[clip])
        results[clip] = (member, result, detail)
    rows = [
        {"clip": clip, "path": results[clip][0], "result": results[clip][1], "detail": results[clip][2]}
        if clip in results
        else {"clip": clip, "result": checksums.MISSING}
        for clip in reference
    ]
    return checksums.make_report(rows)


def accept_archive(archive: str | os.PathLike) -> str:
    """Accept an archive whose own checksum is unknown when the clips in it verify.

    Returns:
        The summary line.

    Raises:
        ValueError: If a clip in it differs from the reference or it holds no GTZAN clip; the
            message names the clips.
    """
    report = check_archive(archive)
    summary = checksums.summary_line(report)
    differs = report[report["result"] == checksums.DIFFERS]
    if not differs.empty:
        named = ", ".join(f"{row.clip} ({row.detail})" for row in differs.head(10).itertuples())
        raise ValueError(f"{len(differs)} clip(s) differ from the original GTZAN clips: {named} ({summary})")
    if (report["result"] == checksums.VERIFIED).sum() == 0:
        raise ValueError(f"no GTZAN clip (genres/<genre>/<genre>.000NN.wav or .au) in it ({summary})")
    return summary


def _clip_members(archive: Path):
    """``(member name, bytes)`` of each clip-named file in the archive, junk skipped."""
    name = archive.name.lower()
    try:
        if name.endswith(".zip"):
            with zipfile.ZipFile(archive) as handle:
                for info in handle.infolist():
                    if not info.is_dir() and _is_clip(info.filename):
                        yield info.filename, handle.read(info)
            return
        with tarfile.open(archive) as handle:
            for info in handle:
                if info.isfile() and _is_clip(info.name):
                    yield info.name, handle.extractfile(info).read()
    except (tarfile.TarError, zipfile.BadZipFile, EOFError, OSError) as error:
        raise ValueError(f"{archive} is not a readable archive ({str(error).strip()[:200]})") from error


def _is_clip(member: str) -> bool:
    path = PurePosixPath(member)
    if path.name.startswith(".") or "__MACOSX" in path.parts:
        return False
    return _CLIP_FILE.match(path.name) is not None

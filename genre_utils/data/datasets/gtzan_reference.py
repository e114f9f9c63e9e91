"""GTZAN clips checked against the MD5s of the original 1000 WAV files, whatever the copy.

The reference (``gtzan_md5.json``) is mirdata's GTZAN-Genre 1.0 index (commit ba0a9023, BSD-3-Clause): MD5s
of canonical 16-bit PCM WAVs (a 44-byte header, then the samples). A clip verifies when its bytes match, or
when the canonical WAV of its decoded samples does (an ``.au``, a FLAC, a WAV with extra chunks).
"""

from __future__ import annotations

import hashlib
import io
import json
from functools import lru_cache
from importlib import resources
from pathlib import Path, PurePosixPath

import pandas as pd
import soundfile

from genre_utils.data.datasets import checksums

REFERENCE_PACKAGE = "genre_utils.data.datasets"
REFERENCE_FILE = "gtzan_md5.json"
REFERENCE_NAME = "the original GTZAN clip (mirdata's MD5)"
LOSSY_SUFFIXES = (".mp3", ".ogg", ".oga", ".opus", ".m4a", ".aac", ".wma", ".mp2")
WAV_HEADER_BYTES = 44
ORIGINAL_RATE = 22050  # Hz, mono 16-bit: the original clips
CUT_BELOW_SECONDS = 29.5  # every original clip is at least 29.9 s


@lru_cache(maxsize=1)
def reference_md5() -> dict[str, str]:
    """``{clip id: MD5 of its original WAV}`` for the 1000 GTZAN clips."""
    text = resources.files(REFERENCE_PACKAGE).joinpath(REFERENCE_FILE).read_text(encoding="utf-8")
    return dict(json.loads(text)["md5"])


def canonical_wav(data: bytes, name: str = "clip") -> bytes:
    """The 16-bit PCM WAV (44-byte header) of an audio file's decoded samples; a ValueError naming ``name``."""
    try:
        samples, rate = soundfile.read(io.BytesIO(data), dtype="int16", always_2d=True)
    except Exception as error:  # libsndfile raises several types for undecodable data
        raise ValueError(f"{name}: cannot decode ({str(error).strip()[:120] or type(error).__name__})") from error
    wav = io.BytesIO()
    soundfile.write(wav, samples, rate, format="WAV", subtype="PCM_16")
    return wav.getvalue()


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
    """Check report of the 1000 reference clips against a track table's rows of the same ``track_id``."""
    reference = reference_md5()
    by_id = dict(zip(tracks["track_id"], tracks["path"]))
    rows = []
    for clip, expected in reference.items():
        path = by_id.get(clip)
        if path is None:
            rows.append({"clip": clip, "result": checksums.MISSING})
            continue
        try:
            result, detail = check_bytes(Path(path).read_bytes(), Path(path).name, expected)
        except OSError as error:
            result, detail = checksums.DIFFERS, f"unreadable ({error.strerror or error})"
        rows.append({"clip": clip, "path": path, "result": result, "detail": detail})
    return checksums.make_report(rows)

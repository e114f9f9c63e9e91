"""Builders for FMA tests: MP3 clips, ``tracks.csv`` in FMA's two-row-header format, archives in FMA's layout.

``mp3_bytes`` is a fixture built once per test run (import it into a test module to use it); the rest are plain
functions.
"""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from pathlib import Path

import numpy as np
import pytest
import soundfile
from audio_fixtures import tone

# The columns of the fake tracks.csv: the real file has more, the loaders need these (two header rows).
TRACKS_COLUMNS = (
    ("album", "id"),
    ("album", "title"),
    ("artist", "id"),
    ("artist", "name"),
    ("set", "split"),
    ("set", "subset"),
    ("track", "duration"),
    ("track", "genre_top"),
    ("track", "genres"),
    ("track", "title"),
)


@pytest.fixture(scope="session")
def mp3_bytes(tmp_path_factory):
    """``make(seconds, silent=False) -> bytes``: 22050 Hz mono MP3 written by libsndfile."""
    folder = tmp_path_factory.mktemp("mp3")
    cache: dict[tuple, bytes] = {}

    def make(seconds: float, silent: bool = False) -> bytes:
        if (seconds, silent) not in cache:
            path = folder / f"{seconds}-{silent}.mp3"
            samples = np.zeros(int(seconds * 22050), np.float32) if silent else tone(seconds, 330.0)
            soundfile.write(str(path), samples, 22050, format="MP3")
            cache[seconds, silent] = path.read_bytes()
        return cache[seconds, silent]

    try:
        make(3.0)
    except Exception as error:  # libsndfile < 1.1 has no MP3 encoder
        pytest.skip(f"this libsndfile cannot write MP3 ({error})")
    return make


def tracks_csv(rows: list[dict]) -> str:
    """FMA's ``tracks.csv`` text: two header rows, the ``track_id`` row, then one row per track.

    Each row is ``{"track_id": int, (top, sub): value, ...}`` over :data:`TRACKS_COLUMNS`; a missing
    value is written empty, as FMA writes a missing ``genre_top``.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["", *(top for top, _ in TRACKS_COLUMNS)])
    writer.writerow(["", *(sub for _, sub in TRACKS_COLUMNS)])
    writer.writerow(["track_id", *([""] * len(TRACKS_COLUMNS))])
    for row in rows:
        writer.writerow([row["track_id"], *(row.get(column, "") for column in TRACKS_COLUMNS)])
    return out.getvalue()


def clip_member(folder: str, track_id: str) -> str:
    """``fma_medium/001/001486.mp3``: where a clip lives in an FMA archive and in the extracted folder."""
    return f"{folder}/{track_id[:3]}/{track_id}.mp3"


def build_zip(path: Path, members: dict[str, bytes]) -> dict:
    """Write ``members`` into a bzip2 zip as FMA's archives are; return its ``sha1`` and ``size``."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_BZIP2) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    data = path.read_bytes()
    return {"sha1": hashlib.sha1(data).hexdigest(), "size": len(data)}


def sha1sum_listing(members: dict[str, bytes]) -> bytes:
    """The ``<subset folder>/checksums`` FMA ships: ``sha1sum`` lines, paths relative to that folder."""
    lines = [
        f"{hashlib.sha1(body).hexdigest()}  {name.split('/', 1)[1]}"
        for name, body in sorted(members.items())
        if name.endswith(".mp3")
    ]
    return ("\n".join(lines) + "\n").encode()

"""Per-file checks of a dataset against published checksums, and their one-line summary.

A check report is a table with one row per clip the reference lists:

======= =====================================================================
column  meaning
======= =====================================================================
clip    the clip's id (GTZAN ``jazz.00054``, FMA ``000002``)
path    the file checked ("" when missing)
result  ``verified``, ``differs`` or ``missing``
detail  why a clip differs ("" otherwise)
======= =====================================================================

:func:`summary_line` turns it into ``1000 clips: 999 verified, 1 differs, 0 missing``.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import pandas as pd

VERIFIED = "verified"
DIFFERS = "differs"
MISSING = "missing"
RESULTS = (VERIFIED, DIFFERS, MISSING)
REPORT_COLUMNS = ("clip", "path", "result", "detail")
READ_BYTES = 1 << 20
# One line of `sha1sum`/`md5sum` output: "<hex digest>  <path>" (a '*' before the path marks binary mode).
_CHECKSUM_LINE = re.compile(r"^(?P<digest>[0-9a-fA-F]{32,128}) [ *](?P<path>.+)$")


def file_digest(path: str | os.PathLike, algorithm: str) -> str:
    """Hex digest of a file (``md5``, ``sha1``, ``sha256`` ...), read in 1 MiB blocks."""
    digest = hashlib.new(algorithm)
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(READ_BYTES), b""):
            digest.update(block)
    return digest.hexdigest()


def read_checksums_file(path: str | os.PathLike) -> dict[str, str]:
    """``{relative path: lower-case hex digest}`` from a ``sha1sum``-style file.

    Raises:
        ValueError: If a non-empty line is not ``<hex digest>  <path>``; the message names the
            file and the line number.
    """
    path = Path(path)
    listed = {}
    for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), start=1):
        if not line.strip():
            continue
        match = _CHECKSUM_LINE.match(line.rstrip("\r"))
        if match is None:
            raise ValueError(
                f"{path}, line {number}: expected '<hex digest>  <file>' as sha1sum writes it, got {line[:80]!r}"
            )
        listed[match["path"].strip().lstrip("./")] = match["digest"].lower()
    return listed


def make_report(rows: list[dict]) -> pd.DataFrame:
    """A check report from row dicts (``clip``, ``result``, optional ``path`` and ``detail``), sorted by clip."""
    report = pd.DataFrame(rows, columns=list(REPORT_COLUMNS)).fillna("")
    unknown = sorted(set(report["result"]) - set(RESULTS))
    if unknown:
        raise ValueError(f"check results must be one of {RESULTS}, got {unknown}")
    return report.sort_values("clip", kind="stable").reset_index(drop=True)


def summary_line(report: pd.DataFrame) -> str:
    """``<n> clips: <a> verified, <b> differs, <c> missing``."""
    counts = report["result"].value_counts()
    return (
        f"{len(report)} clips: {int(counts.get(VERIFIED, 0))} verified, "
        f"{int(counts.get(DIFFERS, 0))} differs, {int(counts.get(MISSING, 0))} missing"
    )


def problem_lines(report: pd.DataFrame, reference: str, limit: int = 20) -> list[str]:
    """One line per clip that differs (all of them) or is missing (up to ``limit``)."""
    lines = [
        f"  {row.clip}: differs from {reference}"
        + (f": {row.detail}" if row.detail else "")
        + (f" ({row.path})" if row.path else "")
        for row in report[report["result"] == DIFFERS].itertuples()
    ]
    missing = report.loc[report["result"] == MISSING, "clip"].tolist()
    lines += [f"  {clip}: missing" for clip in missing[:limit]]
    if len(missing) > limit:
        lines.append(f"  ... and {len(missing) - limit} more missing")
    return lines

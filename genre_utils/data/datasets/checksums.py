"""Per-file checks against published checksums: a report of ``clip``, ``path``, ``result`` and ``detail``."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd
import pooch

VERIFIED = "verified"
DIFFERS = "differs"
MISSING = "missing"
REPORT_COLUMNS = ("clip", "path", "result", "detail")
# One line of `sha1sum`/`md5sum` output: "<hex digest>  <path>" (a '*' before the path marks binary mode).
_CHECKSUM_LINE = re.compile(r"^(?P<digest>[0-9a-fA-F]{32,128}) [ *](?P<path>.+)$")


def check_listing(listing: str | os.PathLike, algorithm: str) -> pd.DataFrame | None:
    """Check report of every file a ``sha1sum``-style ``listing`` names; None without (or with an empty) listing."""
    listing = Path(listing)
    lines = listing.read_text(encoding="utf-8", errors="replace").splitlines() if listing.is_file() else []
    listed = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        match = _CHECKSUM_LINE.match(line.rstrip("\r"))
        if match is None:
            raise ValueError(
                f"{listing}, line {number}: expected '<hex digest>  <file>' as sha1sum writes it, got {line[:80]!r}"
            )
        listed[match["path"].strip().lstrip("./")] = match["digest"].lower()
    rows = []
    for relative, expected in listed.items():
        path = listing.parent / relative
        if not path.is_file():
            rows.append({"clip": path.stem, "result": MISSING})
        elif pooch.file_hash(str(path), alg=algorithm) == expected:
            rows.append({"clip": path.stem, "path": str(path), "result": VERIFIED})
        else:
            detail = f"{algorithm.upper()} is not the listed one"
            rows.append({"clip": path.stem, "path": str(path), "result": DIFFERS, "detail": detail})
    return make_report(rows) if rows else None


def make_report(rows: list[dict]) -> pd.DataFrame:
    """A check report from row dicts (``clip``, ``result``, optional ``path`` and ``detail``), sorted by clip."""
    report = pd.DataFrame([{"path": "", "detail": "", **row} for row in rows], columns=list(REPORT_COLUMNS))
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

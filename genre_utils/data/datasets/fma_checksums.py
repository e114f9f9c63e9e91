"""FMA's MP3s checked one by one against the ``checksums`` file their audio archive carries.

Each audio archive (``fma_small.zip``, ``fma_medium.zip``, ``fma_large.zip``) holds
``<subset folder>/checksums``: one ``sha1sum`` line per MP3, with paths relative to that folder
(``<sha1>  000/000002.mp3``). The archive itself is verified by its published SHA-1 when
downloaded; this checks every extracted (or otherwise obtained) MP3.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from genre_utils.data.datasets import checksums

CHECKSUMS_FILE = "checksums"
CHECKSUM_ALGORITHM = "sha1"


def check_folder(audio_folder: Path) -> pd.DataFrame | None:
    """Check report of every MP3 listed in ``<audio_folder>/checksums``; None without (or with an empty) list.

    Raises:
        ValueError: If the checksums file is not in ``sha1sum`` format.
    """
    listing = Path(audio_folder) / CHECKSUMS_FILE
    if not listing.is_file():
        return None
    listed = checksums.read_checksums_file(listing)
    if not listed:
        return None
    rows = []
    for relative, expected in listed.items():
        path = listing.parent / relative
        clip = Path(relative).stem
        if not path.is_file():
            rows.append({"clip": clip, "result": checksums.MISSING})
            continue
        same = checksums.file_digest(path, CHECKSUM_ALGORITHM) == expected
        rows.append(
            {
                "clip": clip,
                "path": str(path),
                "result": checksums.VERIFIED if same else checksums.DIFFERS,
                "detail": "" if same else f"{CHECKSUM_ALGORITHM.upper()} is not the listed one",
            }
        )
    return checksums.make_report(rows)


def require_verified(audio_folder: Path, archive: Path, title: str = "FMA") -> None:
    """After extracting the audio archive: every MP3 its checksums file lists must verify.

    ``title`` names the dataset in the line printed on success (``FMA-small MP3s checked ...``).

    Raises:
        ValueError: If one differs or is missing; the message names them and what to do.
    """
    report = check_folder(audio_folder)
    if report is None:
        return
    summary = checksums.summary_line(report)
    bad = report[report["result"] != checksums.VERIFIED]
    reference = f"{Path(audio_folder).name}/{CHECKSUMS_FILE}"
    if not bad.empty:
        named = ", ".join(f"{row.clip} ({row.result})" for row in bad.head(10).itertuples())
        raise ValueError(
            f"{len(bad)} MP3(s) extracted from {archive} do not match {reference}: {named} "
            f"({summary}); delete {audio_folder} and run the download again"
        )
    print(f"{title} MP3s checked against {reference}: {summary}")

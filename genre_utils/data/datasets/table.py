"""The track table every dataset module returns, and the skipped-files view of it.

One row per audio file found, readable or not: ``track_id``, ``path``, ``genre``, ``duration`` (NaN when
unreadable), ``sample_rate`` and ``channels`` (0 when unreadable), ``status`` (``"ok"`` or the reason the file
cannot be used), one ``split_*`` column per published split (``train``/``valid``/``test`` or ``""``) and, where
the dataset knows it, ``artist``.
"""

from __future__ import annotations

import pandas as pd

from genre_utils.data.audio import SAMPLE_RATE, AudioError, audio_info, is_silent

STATUS_OK = "ok"
TRACK_COLUMNS = ("track_id", "path", "genre", "duration", "sample_rate", "channels", "status")
SPLIT_PREFIX = "split_"
MIN_SECONDS = 2.0  # clips shorter than this hold too little music to classify


def make_track_table(rows: list[dict]) -> pd.DataFrame:
    """A track table from row dicts that have ``track_id``, ``path`` and ``genre``: unknown headers, status ok."""
    table = pd.DataFrame(rows)
    missing = [column for column in ("track_id", "path", "genre") if column not in table.columns]
    if missing and not table.empty:
        raise ValueError(f"track rows need a {missing[0]!r} column; got {list(table.columns)}")
    defaults = {"track_id": "", "path": "", "genre": "", "duration": float("nan"), "sample_rate": 0, "channels": 0}
    for column, value in {**defaults, "status": STATUS_OK}.items():
        if column not in table.columns:
            table[column] = value
    duplicated = table["track_id"][table["track_id"].duplicated()]
    if not duplicated.empty:
        raise ValueError(f"duplicate track ids: {sorted(set(duplicated))[:10]}")
    table = table.astype({"track_id": str, "path": str, "genre": str, "status": str})
    table["duration"] = table["duration"].astype(float)
    table["sample_rate"] = table["sample_rate"].fillna(0).astype(int)
    table["channels"] = table["channels"].fillna(0).astype(int)
    ordered = list(TRACK_COLUMNS) + [c for c in table.columns if c not in TRACK_COLUMNS]
    return table[ordered].sort_values("track_id", kind="stable").reset_index(drop=True)


def probe_headers(table: pd.DataFrame) -> pd.DataFrame:
    """Fill ``duration``, ``sample_rate``, ``channels`` and ``status`` of the ``ok`` rows from each file's header."""
    table = table.copy()
    for index, row in table.iterrows():
        if row["status"] != STATUS_OK:
            continue
        try:
            info = audio_info(row["path"])
        except AudioError as error:
            table.at[index, "status"] = error.reason
            continue
        table.at[index, "duration"] = info.duration
        table.at[index, "sample_rate"] = info.samplerate
        table.at[index, "channels"] = info.channels
        if info.duration == 0:
            table.at[index, "status"] = "no audio samples (header claims 0 frames)"
    return table


def skipped_files(table: pd.DataFrame) -> pd.DataFrame:
    """Rows whose status is not ``"ok"``: ``track_id``, ``path``, ``genre`` and the reason."""
    bad = table[table["status"] != STATUS_OK]
    return bad[["track_id", "path", "genre", "status"]].rename(columns={"status": "reason"})


def readable(table: pd.DataFrame) -> pd.DataFrame:
    """Rows whose status is ``"ok"``."""
    return table[table["status"] == STATUS_OK].reset_index(drop=True)


def audio_status(samples, min_seconds: float = MIN_SECONDS) -> str:
    """``"ok"`` or why decoded 22050 Hz samples cannot be used (too short, silent)."""
    seconds = samples.shape[-1] / SAMPLE_RATE
    if seconds < min_seconds:
        return f"too short ({seconds:.2f} s < {min_seconds:g} s)"
    if is_silent(samples):
        return "silent (RMS below -100 dBFS)"
    return STATUS_OK

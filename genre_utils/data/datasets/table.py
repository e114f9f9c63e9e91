"""The track table every dataset module returns, and the skipped-files view of it.

One row per audio file found, whether or not it can be read:

========== ============================================================================
column     meaning
========== ============================================================================
track_id   unique id within the dataset (GTZAN ``blues.00000``, FMA ``000002``)
path       absolute path of the audio file
genre      genre label (GTZAN genre name, FMA ``genre_top``)
duration   seconds, from the file header (NaN when unreadable)
sample_rate Hz, from the file header (0 when unreadable)
channels   from the file header (0 when unreadable)
status     ``"ok"`` or the reason the file cannot be used
split_*    one column per published split (``split_official``, ``split_fault_filtered``)
           holding ``train``/``valid``/``test`` or ``""`` when the track is not in it
artist     where the dataset knows it (FMA); used by the artist-aware split checks
========== ============================================================================
"""

from __future__ import annotations

import pandas as pd

from genre_utils.data.audio import SAMPLE_RATE, AudioError, audio_info, is_silent, load_audio

STATUS_OK = "ok"
TRACK_COLUMNS = ("track_id", "path", "genre", "duration", "sample_rate", "channels", "status")
SPLIT_PREFIX = "split_"


def make_track_table(rows: list[dict]) -> pd.DataFrame:
    """Build a track table from row dicts, with the standard columns first, sorted by id.

    Rows need ``track_id``, ``path`` and ``genre``; missing header columns are filled with
    "unknown" values and ``status`` defaults to ``"ok"``.

    Raises:
        ValueError: If a required column is missing or a track id repeats.
    """
    table = pd.DataFrame(rows)
    for column in ("track_id", "path", "genre"):
        if column not in table.columns:
            if table.empty:
                table[column] = pd.Series(dtype=object)
            else:
                raise ValueError(f"track rows need a {column!r} column; got {list(table.columns)}")
    defaults = {"duration": float("nan"), "sample_rate": 0, "channels": 0, "status": STATUS_OK}
    for column, value in defaults.items():
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
    """Fill ``duration``, ``sample_rate``, ``channels`` and ``status`` from each file's header.

    Rows whose status is already not ``"ok"`` are left as they are. Files that cannot be
    opened get their reason in ``status``; nothing is dropped.
    """
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
        table.at[index, "sample_rate"] = info.sample_rate
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


MIN_SECONDS = 2.0  # clips shorter than this hold too little music to classify


def decode_check(table: pd.DataFrame, min_seconds: float = MIN_SECONDS, progress: bool = True) -> pd.DataFrame:
    """Decode every ``ok`` file and mark the unusable ones in ``status``.

    A file is unusable when it cannot be decoded, is shorter than ``min_seconds`` or is
    digitally silent. The decoded duration replaces the header's (headers of truncated
    files can claim more than they hold).
    """
    from tqdm import tqdm

    table = table.copy()
    ok_rows = table.index[table["status"] == STATUS_OK]
    for index in tqdm(ok_rows, desc="decoding", unit="clip", disable=not progress):
        path = table.at[index, "path"]
        try:
            samples = load_audio(path, sample_rate=SAMPLE_RATE)
        except AudioError as error:
            table.at[index, "status"] = error.reason
            continue
        seconds = samples.shape[-1] / SAMPLE_RATE
        table.at[index, "duration"] = seconds
        table.at[index, "status"] = audio_status(samples, min_seconds)
    return table


def audio_status(samples, min_seconds: float = MIN_SECONDS) -> str:
    """``"ok"`` or why decoded 22050 Hz samples cannot be used (too short, silent)."""
    seconds = samples.shape[-1] / SAMPLE_RATE
    if seconds < min_seconds:
        return f"too short ({seconds:.2f} s < {min_seconds:g} s)"
    if is_silent(samples):
        return "silent (RMS below -100 dBFS)"
    return STATUS_OK

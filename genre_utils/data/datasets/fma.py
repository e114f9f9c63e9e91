"""The FMA loaders' shared base (Defferrard et al. 2017): one ``tracks.csv``, three nested audio subsets.

Layout: ``<root>/fma_metadata/tracks.csv`` (two header rows, read as mdeff/fma's ``utils.load``) and
``<root>/<audio folder>/000/000002.mp3`` with ``<audio folder>/checksums`` (SHA-1 per MP3). A subset is the rows
whose ``('set', 'subset')`` is ``<=`` its name (small < medium < large), labelled by ``('track', 'genre_top')``.
"""

from __future__ import annotations

import os
import shutil
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from genre_utils import paths
from genre_utils.data.audio import AudioError, load_audio
from genre_utils.data.datasets import checksums
from genre_utils.data.datasets import table as track_table
from genre_utils.data.datasets.base import Dataset, MissingDataError
from genre_utils.data.download import PART_SUFFIX, Remote, fetch, unpack

CLIP_SECONDS = 30.0
METADATA_FOLDER = "fma_metadata"
TRACKS_CSV = "tracks.csv"
CHECKSUMS_FILE = "checksums"  # in each audio folder: one sha1sum line per MP3
SUBSETS = ("small", "medium", "large")  # each subset contains the smaller ones
SPLIT_NAMES = {"training": "train", "validation": "valid", "test": "test"}
SUBSET_COLUMN = ("set", "subset")
SPLIT_COLUMN = ("set", "split")
GENRE_COLUMN = ("track", "genre_top")
ARTIST_COLUMN = ("artist", "id")
REQUIRED_COLUMNS = (SUBSET_COLUMN, SPLIT_COLUMN, GENRE_COLUMN, ARTIST_COLUMN)
NO_GENRE_STATUS = "no top-level genre in tracks.csv"
# The 16 top-level genres (genres.csv rows whose parent is 0); FMA-medium and FMA-large use all of them.
TOP_GENRES = tuple(
    "Blues|Classical|Country|Easy Listening|Electronic|Experimental|Folk|Hip-Hop|Instrumental|International|Jazz|"
    "Old-Time / Historic|Pop|Rock|Soul-RnB|Spoken".split("|")
)
BASE_URL = "https://os.unil.cloud.switch.ch/fma/"  # the FMA project's server (README of mdeff/fma)


METADATA_REMOTE = {
    "filename": "fma_metadata.zip",
    "urls": (BASE_URL + "fma_metadata.zip",),
    "known_hash": "sha1:f0df49ffe5f2a6008d7dc83c6915b31835dfe733",
    "size": 358_412_441,
    "description": "FMA metadata: tracks.csv, genres.csv, features (342 MiB)",
}


def archives(filename: str, sha1: str, size: int, description: str) -> dict:
    """``{"metadata": ..., "audio": ...}``: :class:`~genre_utils.data.download.Remote` arguments on FMA's server."""
    audio = {"filename": filename, "urls": (BASE_URL + filename,), "known_hash": f"sha1:{sha1}", "size": size}
    return {"metadata": dict(METADATA_REMOTE), "audio": {**audio, "description": description}}


# Room reserved for unpacking, times the archive's size: MP3s do not compress; the metadata's CSVs do
# several-fold (its unpacked size is not published). Before each extraction the zip directory gives it exactly.
EXTRACTION_FACTOR = {"metadata": 8.0, "audio": 1.0}
BIBTEX = """@inproceedings{defferrard2017fma,
  title={{FMA}: A Dataset for Music Analysis},
  author={Defferrard, Micha{\\"e}l and Benzi, Kirell and Vandergheynst, Pierre and Bresson, Xavier},
  booktitle={18th International Society for Music Information Retrieval Conference (ISMIR)},
  year={2017},
  eprint={1612.01840}, archivePrefix={arXiv}, url={https://arxiv.org/abs/1612.01840}
}"""
LICENCE = (
    "metadata (tracks.csv): CC BY 4.0; audio: each track under the licence its artist chose on the Free "
    "Music Archive (mostly Creative Commons, see tracks.csv's ('track', 'license')), for research use"
)


def read_tracks_csv(path: str | os.PathLike) -> pd.DataFrame:
    """FMA's ``tracks.csv`` indexed by integer ``track_id``; ``('set', 'subset')`` an ordered categorical."""
    path = Path(path)
    if not path.is_file():
        raise MissingDataError(
            f"FMA tracks.csv not found at {path}: run `python -m genre_utils.data download "
            f"--dataset fma_small` (or fma_medium, fma_large) or point {paths.DATA_DIR_ENV} "
            f"(or root=) at the folder that holds {METADATA_FOLDER}/"
        )
    try:
        tracks = pd.read_csv(path, index_col=0, header=[0, 1], low_memory=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, IndexError) as error:
        raise ValueError(f"{path} is not FMA's tracks.csv (two header rows expected): {error}") from error
    missing = [column for column in REQUIRED_COLUMNS if column not in tracks.columns]
    if missing:
        raise ValueError(
            f"{path} lacks the FMA column(s) {missing}: expected fma_metadata/tracks.csv with two "
            f"header rows (e.g. ('set', 'subset'), ('track', 'genre_top'))"
        )
    ids = pd.to_numeric(pd.Series(tracks.index), errors="coerce")
    if ids.isna().any():
        raise ValueError(f"{path}: track ids must be integers, got {list(tracks.index[ids.isna()][:5])}")
    tracks.index = pd.Index(ids.astype("int64").to_numpy(), name="track_id")
    _refuse_unknown(path, tracks[SUBSET_COLUMN], SUBSETS)
    tracks[SUBSET_COLUMN] = tracks[SUBSET_COLUMN].astype(pd.CategoricalDtype(list(SUBSETS), ordered=True))
    tracks[GENRE_COLUMN] = tracks[GENRE_COLUMN].astype("category")
    return tracks


def _refuse_unknown(path: Path, values: pd.Series, expected, where: str = "") -> None:
    """A ValueError naming the values of a ``tracks.csv`` column outside ``expected``."""
    unknown = sorted({str(value) for value in values.dropna() if value not in expected})
    if unknown:
        raise ValueError(f"{path}: unknown {values.name} value(s) {unknown}{where}; expected {list(expected)}")


def space_needed(remote, root: Path, extraction_factor: float) -> tuple[int, int]:
    """``(bytes still to download, about the bytes its extraction writes)``; a ``.part`` counts as fetched."""
    size = int(remote.size or 0)
    part = root / (remote.filename + PART_SUFFIX)
    have = size if (root / remote.filename).is_file() else part.stat().st_size if part.is_file() else 0
    return max(0, size - have), int(size * extraction_factor)


def require_space(root: Path, what: str, download_bytes: int, extract_bytes: int) -> None:
    """Raise :class:`genre_utils.paths.StorageError` when ``root``'s disk lacks the space to download and extract."""
    needed = download_bytes + extract_bytes
    free = shutil.disk_usage(paths.nearest_existing(root)).free
    if free < needed:
        raise paths.StorageError(
            f"not enough disk space in {root} for {what}: {paths.format_bytes(needed)} needed "
            f"({paths.format_bytes(download_bytes)} to download, about {paths.format_bytes(extract_bytes)} to "
            f"extract), {paths.format_bytes(free)} free. Free some space and run the same command again, or "
            f"download elsewhere with --root DIR or {paths.DATA_DIR_ENV}=DIR"
        )


def extracted_bytes(archive: Path) -> int | None:
    """Bytes a zip archive unpacks to, from its directory; None when it is not a readable zip."""
    try:
        with zipfile.ZipFile(archive) as handle:
            return sum(member.file_size for member in handle.infolist())
    except (zipfile.BadZipFile, OSError):
        return None  # unpack() names the problem


def _id_string(value) -> str:
    """An id as a plain string: ``1`` and ``1.0`` give ``"1"``, missing gives ``""``."""
    if pd.isna(value):
        return ""
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


@dataclass(frozen=True, eq=False, kw_only=True)
class FmaDataset(Dataset):
    """One FMA subset: the common declaration, and what sets the subset apart."""

    subset: str  # "small", "medium" or "large"; its audio folder is its name ("fma_small")
    archives: Mapping[str, Mapping[str, object]]  # {"metadata": ..., "audio": ...}: Remote keyword arguments
    known_broken: Mapping[str, str] = field(default_factory=dict)  # {six-digit id: reason} the FMA project reports
    citation: str = BIBTEX
    licence: str = LICENCE
    clip_length: float | None = CLIP_SECONDS

    def remotes(self) -> tuple[Remote, Remote]:
        """The metadata and audio archives as :class:`genre_utils.data.download.Remote` objects."""
        return tuple(Remote(**self.archives[key]) for key in EXTRACTION_FACTOR)

    def obtain(self, root: Path, progress: bool, **options) -> Path:
        """Fetch and unpack the archives not yet extracted, free space checked first; report the MP3s' SHA-1s."""
        root.mkdir(parents=True, exist_ok=True)
        folders = {"metadata": METADATA_FOLDER, "audio": self.name}
        pending = []
        for key, remote in zip(EXTRACTION_FACTOR, self.remotes()):
            if self._present(root, key):
                print(f"FMA {folders[key]}/ already present in {root}; {remote.filename} not downloaded.")
            else:
                pending.append((key, remote))
        needs = [space_needed(remote, root, EXTRACTION_FACTOR[key]) for key, remote in pending]
        require_space(root, self.title, sum(left for left, _ in needs), sum(unpacked for _, unpacked in needs))
        for key, remote in pending:
            archive = fetch(remote, root, progress=progress)
            require_space(root, f"extracting {archive.name}", 0, extracted_bytes(archive) or 0)
            unpack(archive, root)
            if not self._present(root, key):
                raise ValueError(f"{archive} did not extract to {root / folders[key]}: expected the FMA archive layout")
        if any(key == "audio" for key, _ in pending) and (report := self.check_files(root=root)) is not None:
            for line in checksums.problem_lines(report, self.reference_name):
                print(line)
            print(f"{self.title} MP3s checked against {self.reference_name}: {checksums.summary_line(report)}")
        return root

    def find_folders(self, root: str | os.PathLike | None = None) -> tuple[Path, Path]:
        """``(metadata folder, audio folder)`` under ``root``; a :class:`MissingDataError` naming what is missing."""
        root = self.root(root)
        metadata, audio = root / METADATA_FOLDER, root / self.name
        if not root.is_dir():
            raise self.missing(f"{self.title} folder {root} does not exist")
        if not (metadata / TRACKS_CSV).is_file():
            raise self.missing(f"no FMA metadata at {metadata / TRACKS_CSV} (from fma_metadata.zip)")
        if not audio.is_dir():
            raise self.missing(f"no {self.title} audio folder {audio} (from {self.name}.zip)")
        return metadata.resolve(), audio.resolve()

    def load_tracks(self, root: str | os.PathLike | None = None) -> pd.DataFrame:
        """The subset's track table: headers read, known-broken clips checked, tracks without a genre flagged."""
        metadata, audio = self.find_folders(root)
        csv_path = metadata / TRACKS_CSV
        tracks = read_tracks_csv(csv_path)
        subset = tracks[tracks[SUBSET_COLUMN] <= self.subset]
        splits, genres = subset[SPLIT_COLUMN].astype(object), subset[GENRE_COLUMN].astype(object)
        _refuse_unknown(csv_path, splits, SPLIT_NAMES)
        _refuse_unknown(csv_path, genres, self.genres, f" in the {self.subset} subset: not genres of {self.title}")
        ids = [f"{int(number):06d}" for number in subset.index]
        rows = {
            "track_id": ids,
            "path": [str(audio / track_id[:3] / f"{track_id}.mp3") for track_id in ids],
            "genre": genres.fillna("").astype(str).to_numpy(),
            "split_official": splits.map(SPLIT_NAMES).fillna("").to_numpy(),
            "artist": subset[ARTIST_COLUMN].map(_id_string).to_numpy(),
            # an unlabelled track's header is not read
            "status": np.where(genres.isna(), NO_GENRE_STATUS, track_table.STATUS_OK),
        }
        return self._mark_known_broken(track_table.probe_headers(track_table.make_track_table(pd.DataFrame(rows))))

    def check_files(
        self, tracks: pd.DataFrame | None = None, root: str | os.PathLike | None = None
    ) -> pd.DataFrame | None:
        """Each MP3 listed in ``<audio folder>/checksums`` against its SHA-1; None without that list."""
        return checksums.check_listing(self.root(root) / self.name / CHECKSUMS_FILE, "sha1")

    def _mark_known_broken(self, table: pd.DataFrame) -> pd.DataFrame:
        """Mark the listed clips that are short by header, or undecodable, short or silent when decoded."""
        ok = table["status"] == track_table.STATUS_OK
        for index in table.index[table["track_id"].isin(list(self.known_broken)) & ok]:
            known = f"known broken in {self.title}: {self.known_broken[table.at[index, 'track_id']]}"
            header_seconds = table.at[index, "duration"]
            if header_seconds < self.min_seconds:
                table.at[index, "status"] = f"{known} (header says {header_seconds:.2f} s)"
                continue
            try:  # headers can claim more than the file holds
                samples = load_audio(table.at[index, "path"])
            except AudioError as error:
                table.at[index, "status"] = f"{known} ({error.reason})"
                continue
            decoded = track_table.audio_status(samples, self.min_seconds)
            if decoded != track_table.STATUS_OK:
                table.at[index, "status"] = f"{known} ({decoded}; header says {header_seconds:.2f} s)"
        return table

    def _present(self, root: Path, key: str) -> bool:
        """Whether what the archive ``key`` holds is already extracted under ``root``."""
        if key == "metadata":
            return (root / METADATA_FOLDER / TRACKS_CSV).is_file()
        folder = root / self.name
        return folder.is_dir() and next(folder.glob("[0-9][0-9][0-9]/*.mp3"), None) is not None

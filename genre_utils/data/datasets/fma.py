"""The FMA loaders' shared base (Defferrard et al. 2017): one ``tracks.csv``, three nested audio subsets.

FMA-small, FMA-medium and FMA-large are thin modules of constants (:mod:`fma_small`,
:mod:`fma_medium`, :mod:`fma_large`), each declaring its ``DATASET`` as an :class:`FmaDataset`: the
common declaration plus its ``subset``, ``audio_folder``, ``archives`` (the two archives' plain
specs, read at each download, so a test can point them at a local server) and ``known_broken``.

Layout after ``download`` (both archives extracted into ``root``)::

    <root>/fma_metadata/tracks.csv          # from fma_metadata.zip (bzip2 zip members)
    <root>/<AUDIO_FOLDER>/000/000002.mp3     # from fma_<subset>.zip: <first 3 digits>/<6-digit id>.mp3
    <root>/<AUDIO_FOLDER>/checksums          # SHA-1 of every MP3 (checked by check_files)

``tracks.csv`` has two header rows (a column MultiIndex such as ``('set', 'subset')``) and a third
row holding the index name ``track_id``; :func:`read_tracks_csv` reads it the way the FMA project's
``utils.load`` does. A subset is the rows whose ``('set', 'subset')`` is ``<=`` its name (small <
medium < large: each holds the smaller ones). The label is ``('track', 'genre_top')``, one of 16
top-level genres; a track without one (many in FMA-large: their genres span several roots) stays
in the table with :data:`NO_GENRE_STATUS`. The official, artist-aware split ``('set', 'split')``
becomes ``split_official`` and the artist id ``artist``.

``download`` refuses at once, before any byte is fetched, when the data root cannot hold what is
left to download plus the extracted files (:func:`space_needed`); before each extraction the
archive's own directory gives the exact size. Both archives are verified by their published
SHA-1, and every extracted MP3 against the ``checksums`` file the audio archive carries.

Clips the FMA project reports as broken (:mod:`genre_utils.data.datasets.fma_known_broken`) stay in
the table with the reason in ``status`` when they really are short, silent or undecodable.
"""

from __future__ import annotations

import os
import shutil
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from genre_utils import paths
from genre_utils.data.audio import AudioError, load_audio
from genre_utils.data.datasets import fma_checksums
from genre_utils.data.datasets import table as track_table
from genre_utils.data.datasets.base import Dataset
from genre_utils.data.download import PART_SUFFIX, Remote, extract, fetch

CLIP_SECONDS = 30.0
MIN_SECONDS = 2.0  # clips shorter than this hold too little music to classify
METADATA_FOLDER = "fma_metadata"
TRACKS_CSV = "tracks.csv"
SUBSETS = ("small", "medium", "large")  # each subset contains the smaller ones
SPLIT_NAMES = {"training": "train", "validation": "valid", "test": "test"}
SUBSET_COLUMN = ("set", "subset")
SPLIT_COLUMN = ("set", "split")
GENRE_COLUMN = ("track", "genre_top")
ARTIST_COLUMN = ("artist", "id")
REQUIRED_COLUMNS = (SUBSET_COLUMN, SPLIT_COLUMN, GENRE_COLUMN, ARTIST_COLUMN)
NO_GENRE_STATUS = "no top-level genre in tracks.csv"
# The 16 top-level genres (genres.csv rows whose parent is 0); FMA-medium and FMA-large use all of them.
TOP_GENRES = (
    "Blues",
    "Classical",
    "Country",
    "Easy Listening",
    "Electronic",
    "Experimental",
    "Folk",
    "Hip-Hop",
    "Instrumental",
    "International",
    "Jazz",
    "Old-Time / Historic",
    "Pop",
    "Rock",
    "Soul-RnB",
    "Spoken",
)
BASE_URL = "https://os.unil.cloud.switch.ch/fma/"  # the FMA project's server (README of mdeff/fma)
METADATA_REMOTE = {
    "filename": "fma_metadata.zip",
    "urls": (BASE_URL + "fma_metadata.zip",),
    "known_hash": "sha1:f0df49ffe5f2a6008d7dc83c6915b31835dfe733",
    "size": 358_412_441,
    "description": "FMA metadata: tracks.csv, genres.csv, features (342 MiB)",
}
# Room to reserve for unpacking, as a multiple of the archive's size, before anything is downloaded.
# The audio archives hold MP3s, which do not compress: they unpack to about their own size. The
# metadata's unpacked size is not published; its CSV tables compress several-fold, so 8x is a margin.
# Before each extraction the archive's own directory gives the exact size (extracted_bytes).
EXTRACTION_FACTOR = {"metadata": 8.0, "audio": 1.0}
ARCHIVE_KEYS = ("metadata", "audio")
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


class MissingDataError(FileNotFoundError, ValueError):
    """A dataset file or folder that is not there; both a ``FileNotFoundError`` and a ``ValueError``."""


def audio_remote(filename: str, sha1: str, size: int, description: str) -> dict:
    """The plain spec of an audio archive on the FMA server: :class:`genre_utils.data.download.Remote` keyword"""
    return {
        "filename": filename,
        "urls": (BASE_URL + filename,),
        "known_hash": f"sha1:{sha1}",
        "size": size,
        "description": description,
    }


def read_tracks_csv(path: str | os.PathLike) -> pd.DataFrame:
    """Read FMA's ``tracks.csv``: two header rows, then the ``track_id`` index-name row.

    Returns:
        The full table, indexed by integer ``track_id``, with column MultiIndex; ``('set',
        'subset')`` is an ordered categorical (small < medium < large, so ``<= 'small'`` selects
        FMA-small) and ``('track', 'genre_top')`` a categorical.

    Raises:
        MissingDataError: If the file does not exist.
        ValueError: If it cannot be parsed, lacks a needed column or holds an unknown subset.
    """
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
    if not isinstance(tracks.columns, pd.MultiIndex):
        raise ValueError(f"{path} is not FMA's tracks.csv: expected two header rows such as ('set', 'subset')")
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
    subset = tracks[SUBSET_COLUMN].astype(object).where(tracks[SUBSET_COLUMN].notna(), None)
    unknown = sorted({str(value) for value in subset.dropna() if value not in SUBSETS})
    if unknown:
        raise ValueError(f"{path}: unknown ('set', 'subset') value(s) {unknown}; expected {list(SUBSETS)}")
    tracks[SUBSET_COLUMN] = subset.astype(pd.CategoricalDtype(list(SUBSETS), ordered=True))
    tracks[GENRE_COLUMN] = tracks[GENRE_COLUMN].astype("category")
    return tracks


def select_subset(tracks: pd.DataFrame, subset: str) -> pd.DataFrame:
    """The rows of ``tracks`` (from :func:`read_tracks_csv`) in ``subset``, which includes the smaller ones.

    Raises:
        ValueError: If ``subset`` is not one of :data:`SUBSETS`.
    """
    if subset not in SUBSETS:
        raise ValueError(f"unknown FMA subset {subset!r}; expected one of {', '.join(SUBSETS)}")
    return tracks[tracks[SUBSET_COLUMN] <= subset]


def mark_known_broken(table: pd.DataFrame, known_broken: dict[str, str], prefix: str) -> pd.DataFrame:
    """Put ``"<prefix>: <reason>"`` in ``status`` of known-broken clips that look ok but are not.

    A listed clip whose header claims under :data:`MIN_SECONDS` is marked at once; one whose header
    looks fine is decoded (headers can claim more than the file holds) and marked when it fails,
    is too short or is silent. A listed clip that decodes well stays ``ok``.
    """
    table = table.copy()
    suspects = table.index[table["track_id"].isin(list(known_broken)) & (table["status"] == track_table.STATUS_OK)]
    for index in suspects:
        known = f"{prefix}: {known_broken[table.at[index, 'track_id']]}"
        header_seconds = table.at[index, "duration"]
        if header_seconds < MIN_SECONDS:
            table.at[index, "status"] = f"{known} (header says {header_seconds:.2f} s)"
            continue
        try:
            samples = load_audio(table.at[index, "path"])
        except AudioError as error:
            table.at[index, "status"] = f"{known} ({error.reason})"
            continue
        decoded = track_table.audio_status(samples, MIN_SECONDS)
        if decoded != track_table.STATUS_OK:
            table.at[index, "status"] = f"{known} ({decoded}; header says {header_seconds:.2f} s)"
    return table


def space_needed(remote, root: Path, extraction_factor: float) -> tuple[int, int]:
    """``(bytes still to download, bytes its extraction will write, about)`` for one archive into ``root``.

    A complete download counts nothing to download; a partial one (``<file>.part``) only what is
    left, as ``fetch`` resumes it. The extraction is ``extraction_factor`` times the archive's size.
    """
    size = int(remote.size or 0)
    part = root / (remote.filename + PART_SUFFIX)
    if (root / remote.filename).is_file():
        left = 0
    else:
        left = max(0, size - (part.stat().st_size if part.is_file() else 0))
    return left, int(size * extraction_factor)


def require_space(root: Path, what: str, download_bytes: int, extract_bytes: int) -> None:
    """Refuse, in one line, when ``root``'s disk has less free space than the download and extraction need.

    Raises:
        genre_utils.paths.StorageError: Naming the folder, the space needed (downloading and
            extracting) and the space free, and what to do.
    """
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
        return None  # extract() names the problem


def _id_string(value) -> str:
    """An id as a plain string: ``1`` and ``1.0`` give ``"1"``, missing gives ``""``."""
    if pd.isna(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@dataclass(frozen=True, eq=False, kw_only=True)
class FmaDataset(Dataset):
    """One FMA subset: the common declaration, and what sets the subset apart.

    Attributes:
        subset: ``"small"``, ``"medium"`` or ``"large"`` (:data:`SUBSETS`).
        audio_folder: The folder its audio archive extracts to (``fma_small``).
        archives: ``{"metadata": spec, "audio": spec}``, :class:`genre_utils.data.download.Remote`
            keyword arguments, read at each download.
        known_broken: ``{six-digit id: reason}`` of the clips the FMA project reports as broken.
    """

    subset: str
    audio_folder: str
    archives: Mapping[str, Mapping[str, object]]
    known_broken: Mapping[str, str] = field(default_factory=dict)
    citation: str = BIBTEX
    licence: str = LICENCE
    clip_length: float | None = CLIP_SECONDS
    min_seconds: float = MIN_SECONDS

    def __post_init__(self):
        super().__post_init__()
        if self.subset not in SUBSETS:
            raise ValueError(
                f"FMA dataset {self.name!r}: subset must be one of {', '.join(SUBSETS)}, got {self.subset!r}"
            )
        missing = [key for key in ARCHIVE_KEYS if key not in self.archives]
        if missing:
            raise ValueError(f"FMA dataset {self.name!r}: archives lacks {', '.join(missing)}")

    def remotes(self) -> tuple[Remote, Remote]:
        """The metadata and audio archives as :class:`genre_utils.data.download.Remote` objects."""
        return tuple(Remote(**self.archives[key]) for key in ARCHIVE_KEYS)

    def how_to_get(self) -> str:
        """What to do when the data is missing: the download command, or where to point ``GENRE_DATA_DIR``."""
        return (
            f"run `python -m genre_utils.data download --dataset {self.name}` or point "
            f"{paths.DATA_DIR_ENV} (or root=) at the folder that holds {METADATA_FOLDER}/ and "
            f"{self.audio_folder}/"
        )

    def obtain(self, root: Path, progress: bool, **options) -> Path:
        """Fetch and extract ``fma_metadata.zip`` and the audio archive into ``root`` unless present.

        An archive is skipped when what it holds is already extracted; ``fetch`` itself skips an
        archive already downloaded and verified, and resumes an interrupted one. Before any byte is
        fetched, ``root`` must have room for what is left to download plus the extracted files.

        Raises:
            genre_utils.paths.StorageError: If ``root``'s disk lacks the space (one line: folder,
                space needed, space free).
            genre_utils.data.download.DownloadError: If an archive cannot be fetched or fails its checksum.
            ValueError: If an extracted archive does not hold the expected folder, or an MP3 differs
                from the archive's checksums file.
        """
        root.mkdir(parents=True, exist_ok=True)
        folders = {"metadata": METADATA_FOLDER, "audio": self.audio_folder}
        pending = []
        for key, remote in zip(ARCHIVE_KEYS, self.remotes()):
            if self._present(root, key):
                print(f"FMA {folders[key]}/ already present in {root}; {remote.filename} not downloaded.")
            else:
                pending.append((key, remote))
        needs = [space_needed(remote, root, EXTRACTION_FACTOR[key]) for key, remote in pending]
        require_space(root, self.title, sum(left for left, _ in needs), sum(unpacked for _, unpacked in needs))
        for key, remote in pending:
            archive = fetch(remote, root, progress=progress)
            unpacked = extracted_bytes(archive)
            if unpacked is not None:
                require_space(root, f"extracting {archive.name}", 0, unpacked)
            extract(archive, root, progress=progress)
            if not self._present(root, key):
                raise ValueError(f"{archive} did not extract to {root / folders[key]}: expected the FMA archive layout")
            if key == "audio":
                fma_checksums.require_verified(root / self.audio_folder, archive, self.title)
        return root

    def find_folders(self, root: str | os.PathLike | None = None) -> tuple[Path, Path]:
        """Return ``(metadata folder, audio folder)`` under ``root``.

        Raises:
            MissingDataError: If ``root``, ``fma_metadata/`` or the audio folder is missing; the
                message names the folder and how to get the data.
        """
        root = self.root(root)
        if not root.is_dir():
            raise MissingDataError(f"{self.title} folder {root} does not exist: {self.how_to_get()}")
        metadata, audio = root / METADATA_FOLDER, root / self.audio_folder
        if not (metadata / TRACKS_CSV).is_file():
            raise MissingDataError(
                f"no FMA metadata at {metadata / TRACKS_CSV} (from fma_metadata.zip): {self.how_to_get()}"
            )
        if not audio.is_dir():
            raise MissingDataError(
                f"no {self.title} audio folder {audio} (from {self.audio_folder}.zip): {self.how_to_get()}"
            )
        return metadata.resolve(), audio.resolve()

    def load_tracks(self, root: str | os.PathLike | None = None) -> pd.DataFrame:
        """The subset's track table: header facts filled, unusable files flagged, none dropped.

        Known-broken clips whose header looks fine are decoded here, and marked when they turn
        out short or silent or fail to decode; tracks without a top-level genre get
        :data:`NO_GENRE_STATUS`.

        Raises:
            MissingDataError: If the dataset, its metadata or its audio folder is missing.
            ValueError: If ``tracks.csv`` is malformed or holds an unknown split or genre name.
        """
        metadata, audio = self.find_folders(root)
        csv_path = metadata / TRACKS_CSV
        subset = select_subset(read_tracks_csv(csv_path), self.subset)
        splits = subset[SPLIT_COLUMN].astype(object)
        unknown = sorted({str(value) for value in splits.dropna() if value not in SPLIT_NAMES})
        if unknown:
            raise ValueError(f"{csv_path}: unknown ('set', 'split') value(s) {unknown}; expected {list(SPLIT_NAMES)}")
        genres = subset[GENRE_COLUMN].astype(object)
        unknown = sorted({str(value) for value in genres.dropna() if value not in self.genres})
        if unknown:
            raise ValueError(
                f"{csv_path}: ('track', 'genre_top') value(s) {unknown} in the {self.subset} subset are "
                f"not genres of {self.title}; expected {list(self.genres)}"
            )
        rows = []
        for track_number, genre, split, artist in zip(subset.index, genres, splits, subset[ARTIST_COLUMN]):
            track_id = f"{int(track_number):06d}"
            rows.append(
                {
                    "track_id": track_id,
                    "path": str(audio / track_id[:3] / f"{track_id}.mp3"),
                    "genre": "" if pd.isna(genre) else str(genre),
                    "split_official": SPLIT_NAMES.get(split, "") if not pd.isna(split) else "",
                    "artist": _id_string(artist),
                    "status": NO_GENRE_STATUS
                    if pd.isna(genre)
                    else track_table.STATUS_OK,  # unlabelled: header not read
                }
            )
        table = track_table.probe_headers(track_table.make_track_table(rows))
        return mark_known_broken(table, self.known_broken, f"known broken in {self.title}")

    def check_files(
        self, tracks: pd.DataFrame | None = None, root: str | os.PathLike | None = None
    ) -> pd.DataFrame | None:
        """Each MP3 listed in ``<audio folder>/checksums``: ``verified``, ``differs`` or ``missing`` (SHA-1).

        ``tracks`` is not needed (the list names the files). None when the audio folder carries no
        (or an empty) checksums file.
        """
        return fma_checksums.check_folder(self.root(root) / self.audio_folder)

    def _present(self, root: Path, key: str) -> bool:
        """Whether what the archive ``key`` holds is already extracted under ``root``."""
        if key == "metadata":
            return (root / METADATA_FOLDER / TRACKS_CSV).is_file()
        folder = root / self.audio_folder
        return folder.is_dir() and next(folder.glob("[0-9][0-9][0-9]/*.mp3"), None) is not None

"""FMA-small loader (Defferrard et al. 2017): 8000 30-s MP3 clips, 8 balanced top genres.

Layout after :func:`download` (both archives extracted into ``root``)::

    <root>/fma_metadata/tracks.csv      # from fma_metadata.zip (bzip2 zip members)
    <root>/fma_small/000/000002.mp3     # from fma_small.zip, <first 3 digits>/<6-digit id>.mp3

``tracks.csv`` has two header rows (a column MultiIndex such as ``('set', 'subset')``) and a
third row holding the index name ``track_id``; :func:`read_tracks_csv` reads it the way the
FMA project's ``utils.load`` does. FMA-small is the rows whose ``('set', 'subset')`` is
``<= 'small'``; its official, artist-aware split (``('set', 'split')``) becomes
``split_official`` and the artist id becomes ``artist``.

Each archive is verified by its published SHA-1; ``fma_small.zip`` also carries
``fma_small/checksums`` (SHA-1 of every MP3), against which :func:`check_files` verifies each
MP3, after a download and in ``validate``.

Six clips of FMA-small are known to be broken (:data:`KNOWN_BROKEN`); they stay in the table
with the reason in ``status``, like any other unusable file.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from genre_utils import paths
from genre_utils.audio import AudioError, load_audio
from genre_utils.datasets import fma_checksums
from genre_utils.datasets import table as track_table

NAME = "fma_small"
GENRES = ("Electronic", "Experimental", "Folk", "Hip-Hop", "Instrumental", "International", "Pop", "Rock")
CLIP_SECONDS = 30.0
MIN_SECONDS = 2.0  # clips shorter than this hold too little music to classify
METADATA_FOLDER = "fma_metadata"
AUDIO_FOLDER = "fma_small"
TRACKS_CSV = "tracks.csv"
SUBSETS = ("small", "medium", "large")  # each subset contains the smaller ones
SUBSET = "small"
SPLIT_NAMES = {"training": "train", "validation": "valid", "test": "test"}
SUBSET_COLUMN = ("set", "subset")
SPLIT_COLUMN = ("set", "split")
GENRE_COLUMN = ("track", "genre_top")
ARTIST_COLUMN = ("artist", "id")
REQUIRED_COLUMNS = (SUBSET_COLUMN, SPLIT_COLUMN, GENRE_COLUMN, ARTIST_COLUMN)
# Plain specs, turned into genre_utils.download.Remote objects by remotes().
REMOTES = {
    "metadata": {
        "filename": "fma_metadata.zip",
        "urls": ("https://os.unil.cloud.switch.ch/fma/fma_metadata.zip",),
        "known_hash": "sha1:f0df49ffe5f2a6008d7dc83c6915b31835dfe733",
        "size": 358_412_441,
        "description": "FMA metadata: tracks.csv, genres.csv, features (342 MiB)",
    },
    "audio": {
        "filename": "fma_small.zip",
        "urls": ("https://os.unil.cloud.switch.ch/fma/fma_small.zip",),
        "known_hash": "sha1:ade154f733639d52e35e32f5593efe5be76c6d70",
        "size": 7_679_594_875,
        "description": "FMA-small audio: 8000 30-s MP3 clips (7.2 GiB)",
    },
}
KNOWN_BROKEN = {
    "098565": "audio shorter than 2 s",
    "098567": "audio shorter than 2 s",
    "098569": "audio shorter than 2 s",
    "099134": "no audio",
    "108925": "no audio",
    "133297": "no audio",
}
KNOWN_BROKEN_PREFIX = "known broken in FMA-small"
REFERENCE_NAME = f"{AUDIO_FOLDER}/{fma_checksums.CHECKSUMS_FILE}"
BIBTEX = """@inproceedings{defferrard2017fma,
  title={{FMA}: A Dataset for Music Analysis},
  author={Defferrard, Micha{\\"e}l and Benzi, Kirell and Vandergheynst, Pierre and Bresson, Xavier},
  booktitle={18th International Society for Music Information Retrieval Conference (ISMIR)},
  year={2017},
  eprint={1612.01840}, archivePrefix={arXiv}, url={https://arxiv.org/abs/1612.01840}
}"""

_HOW_TO_GET = (
    f"run `python -m genre_utils.data download --dataset {NAME}` (or fma_small.download()) or point "
    f"{paths.DATA_DIR_ENV} (or root=) at the folder that holds {METADATA_FOLDER}/ and {AUDIO_FOLDER}/"
)


class MissingDataError(FileNotFoundError, ValueError):
    """A dataset file or folder that is not there; both a ``FileNotFoundError`` and a ``ValueError``."""


def default_root() -> Path:
    """``<data root>/fma_small``."""
    return paths.dataset_dir(NAME)


def remotes():
    """The metadata and audio archives as :class:`genre_utils.download.Remote` objects."""
    from genre_utils.download import Remote

    return tuple(Remote(**REMOTES[key]) for key in ("metadata", "audio"))


def download(root: str | os.PathLike | None = None, progress: bool = True) -> Path:
    """Fetch and extract ``fma_metadata.zip`` and ``fma_small.zip`` into ``root`` unless present.

    An archive is skipped when what it holds is already extracted (``fma_metadata/tracks.csv``,
    ``fma_small/<NNN>/*.mp3``); ``fetch`` itself skips an archive already downloaded and verified.

    Returns:
        The dataset folder.

    Raises:
        genre_utils.download.DownloadError: If an archive cannot be fetched or fails its checksum.
        ValueError: If an extracted archive does not hold the expected folder.
    """
    from genre_utils.download import extract, fetch

    root = _root(root)
    root.mkdir(parents=True, exist_ok=True)
    for remote, folder, present in zip(remotes(), (METADATA_FOLDER, AUDIO_FOLDER), (_metadata_present, _audio_present)):
        if present(root):
            print(f"FMA {folder}/ already present in {root}; {remote.filename} not downloaded.")
            continue
        archive = fetch(remote, root, progress=progress)
        extract(archive, root, progress=progress)
        if not present(root):
            raise ValueError(f"{archive} did not extract to {root / folder}: expected the FMA archive layout")
        if folder == AUDIO_FOLDER:
            fma_checksums.require_verified(root / AUDIO_FOLDER, archive)
    return root


def check_files(tracks: pd.DataFrame | None = None, root: str | os.PathLike | None = None) -> pd.DataFrame | None:
    """Each MP3 listed in ``fma_small/checksums``: ``verified``, ``differs`` or ``missing`` (SHA-1).

    ``tracks`` is not needed (the list names the files) and is accepted for the common dataset
    interface. Returns ``None`` when the audio folder carries no (or an empty) checksums file.
    """
    return fma_checksums.check_folder(_root(root) / AUDIO_FOLDER)


def find_folders(root: str | os.PathLike | None = None) -> tuple[Path, Path]:
    """Return ``(metadata folder, audio folder)`` under ``root``.

    Raises:
        MissingDataError: If ``root``, ``fma_metadata/`` or ``fma_small/`` is missing; the
            message names the folder and how to get the data.
    """
    root = _root(root)
    if not root.is_dir():
        raise MissingDataError(f"FMA-small folder {root} does not exist: {_HOW_TO_GET}")
    metadata, audio = root / METADATA_FOLDER, root / AUDIO_FOLDER
    if not (metadata / TRACKS_CSV).is_file():
        raise MissingDataError(
            f"no FMA metadata at {metadata / TRACKS_CSV} (from fma_metadata.zip): {_HOW_TO_GET}"
        )
    if not audio.is_dir():
        raise MissingDataError(f"no FMA-small audio folder {audio} (from fma_small.zip): {_HOW_TO_GET}")
    return metadata.resolve(), audio.resolve()


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
        raise MissingDataError(f"FMA tracks.csv not found at {path}: {_HOW_TO_GET}")
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


def load_tracks(root: str | os.PathLike | None = None) -> pd.DataFrame:
    """The track table of FMA-small: header facts filled, unusable files flagged, none dropped.

    Known-broken clips (:data:`KNOWN_BROKEN`) whose header looks fine are decoded here (there
    are six), and marked when they turn out short or silent or fail to decode.

    Raises:
        MissingDataError: If the dataset, its metadata or its audio folder is missing.
        ValueError: If ``tracks.csv`` is malformed or holds an unknown split name.
    """
    metadata, audio = find_folders(root)
    csv_path = metadata / TRACKS_CSV
    tracks = read_tracks_csv(csv_path)
    small = tracks[tracks[SUBSET_COLUMN] <= SUBSET]
    splits = small[SPLIT_COLUMN].astype(object)
    unknown = sorted({str(value) for value in splits.dropna() if value not in SPLIT_NAMES})
    if unknown:
        raise ValueError(f"{csv_path}: unknown ('set', 'split') value(s) {unknown}; expected {list(SPLIT_NAMES)}")
    genres = small[GENRE_COLUMN].astype(object)
    rows = []
    for track_number, genre, split, artist in zip(small.index, genres, splits, small[ARTIST_COLUMN]):
        track_id = f"{int(track_number):06d}"
        rows.append({
            "track_id": track_id,
            "path": str(audio / track_id[:3] / f"{track_id}.mp3"),
            "genre": "" if pd.isna(genre) else str(genre),
            "split_official": SPLIT_NAMES.get(split, "") if not pd.isna(split) else "",
            "artist": _id_string(artist),
        })
    table = track_table.probe_headers(track_table.make_track_table(rows))
    return _mark_known_broken(table)


def validate(root: str | os.PathLike | None = None, progress: bool = True) -> pd.DataFrame:
    """Decode every ``ok`` clip; failures, clips under :data:`MIN_SECONDS` and silent ones are marked."""
    return track_table.decode_check(load_tracks(root), min_seconds=MIN_SECONDS, progress=progress)


def clip_seconds(root: str | os.PathLike | None = None) -> float:
    """Length every clip is padded or cropped to before feature extraction (30 s)."""
    return CLIP_SECONDS


def _mark_known_broken(table: pd.DataFrame) -> pd.DataFrame:
    """Put the :data:`KNOWN_BROKEN` reason in ``status`` of known-broken clips that look ok."""
    table = table.copy()
    suspects = table.index[table["track_id"].isin(list(KNOWN_BROKEN)) & (table["status"] == track_table.STATUS_OK)]
    for index in suspects:
        known = f"{KNOWN_BROKEN_PREFIX}: {KNOWN_BROKEN[table.at[index, 'track_id']]}"
        header_seconds = table.at[index, "duration"]
        if header_seconds < MIN_SECONDS:
            table.at[index, "status"] = f"{known} (header says {header_seconds:.2f} s)"
            continue
        try:  # the header can claim more than the file holds: decode to be sure
            samples = load_audio(table.at[index, "path"])
        except AudioError as error:
            table.at[index, "status"] = f"{known} ({error.reason})"
            continue
        decoded = track_table.audio_status(samples, MIN_SECONDS)
        if decoded != track_table.STATUS_OK:
            table.at[index, "status"] = f"{known} ({decoded}; header says {header_seconds:.2f} s)"
    return table


def _id_string(value) -> str:
    """An id as a plain string: ``1`` and ``1.0`` give ``"1"``, missing gives ``""``."""
    if pd.isna(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _metadata_present(root: Path) -> bool:
    return (root / METADATA_FOLDER / TRACKS_CSV).is_file()


def _audio_present(root: Path) -> bool:
    folder = root / AUDIO_FOLDER
    return folder.is_dir() and next(folder.glob("[0-9][0-9][0-9]/*.mp3"), None) is not None


def _root(root: str | os.PathLike | None) -> Path:
    return Path(root).expanduser() if root is not None else default_root()

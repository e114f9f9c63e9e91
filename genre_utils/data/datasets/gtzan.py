"""GTZAN genre collection loader (Tzanetakis & Cook 2002): 1000 clips of about 30 s, 10 genres x 100.

Reads ``<root>/genres/<genre>/<genre>.000NN.au`` (or ``.wav``), the Kaggle copy or a folder of genre folders;
every audio-looking file becomes a clip or a skipped row with its reason. The original URL is dead: a mirror's
archive is taken when it has the original's SHA-256, or when none of its clips differs from the originals' MD5s.
The reference (``gtzan_md5.json``) is mirdata's GTZAN-Genre 1.0 index (commit ba0a9023, BSD-3-Clause): MD5s of
canonical 16-bit PCM WAVs (a 44-byte header, then the samples). A clip verifies when its bytes match, or when the
canonical WAV of its decoded samples does (an ``.au``, a FLAC, a WAV with extra chunks).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import pandas as pd
import pooch
import soundfile

from genre_utils.data.datasets import checksums
from genre_utils.data.datasets import table as track_table
from genre_utils.data.datasets.base import Dataset
from genre_utils.data.download import Remote, fetch, unpack
from genre_utils.data.splits import fault_filtered_split

NAME = "gtzan"
TITLE = "GTZAN"
GENRES = ("blues", "classical", "country", "disco", "hiphop", "jazz", "metal", "pop", "reggae", "rock")
SPLITS = ("thesis", "fault_filtered", "kfold", "file")  # the splits of genre_utils.data.splits that apply
THESIS_TEST_PER_GENRE = 20  # the thesis's 800/200 split
CLIP_SECONDS = 30.0
SAMPLE_RATE = 22050
# Extensions that make a file look like audio: each such file becomes a clip or a skipped row.
AUDIO_LOOKING = tuple(".wav .au .snd .aif .aiff .aifc .flac .ogg .oga .opus .mp3 .mp2 .m4a .aac .wma .w64 .caf".split())
PREFERRED_EXTENSIONS = (".wav", ".au", ".flac")  # which copy is used when a clip exists in several formats
LAYOUTS = ("genres", "Data/genres_original", "genres_original", ".")
SPLITS_FOLDER = "splits"
ARCHIVE_SHA256 = "24347e0223d2ba798e0a558c4c172d9d4a19c00bb7963fe055d183dadb4ef2c6"
ARCHIVE_BYTES = 1_225_571_541
ARCHIVE_URLS = (
    # Internet Archive snapshot of the original file ("id_" asks for the raw bytes).
    "https://web.archive.org/web/2020id_/http://opihi.cs.uvic.ca/sound/genres.tar.gz",
    # Hugging Face copy of the same archive.
    "https://huggingface.co/datasets/marsyas/gtzan/resolve/main/data/genres.tar.gz",
)
SPLIT_LIST_BASE_URL = "https://raw.githubusercontent.com/coreyker/dnn-mgr/master/gtzan/"
SPLIT_LIST_SHA256 = {
    "train_filtered.txt": "2b04966cef1486f1a7767b74271533fa23e220388db804a1937835e1fc4fa3fa",
    "valid_filtered.txt": "f8fbee7c52397a0e0f3a91dc54fedecb2e27f5bdc9a9daeab8cb10d077e26956",
    "test_filtered.txt": "09cafa6a89ce0a27f30ed250d56ecb4d03c22fffb5a693f96c7ae655ee02ac72",
}
BIBTEX = """@article{tzanetakis2002musical,
  title={Musical genre classification of audio signals},
  author={Tzanetakis, George and Cook, Perry},
  journal={IEEE Transactions on Speech and Audio Processing},
  volume={10}, number={5}, pages={293--302}, year={2002}
}"""
LICENCE = (
    "no licence published: collected by Tzanetakis from CDs, radio and recordings for research use; "
    "the recordings' copyright stays with their owners"
)

REFERENCE_FILE = "gtzan_md5.json"  # beside this module
REFERENCE_NAME = "the original GTZAN clip (mirdata's MD5)"
LOSSY_SUFFIXES = (".mp3", ".ogg", ".oga", ".opus", ".m4a", ".aac", ".wma", ".mp2")
WAV_HEADER_BYTES = 44
CUT_BELOW_SECONDS = 29.5  # every original clip is at least 29.9 s
_CLIP_NAME = re.compile(r"^(?P<genre>[a-z]+)\.(?P<number>\d{5})$")


def find_audio_folder(root: str | os.PathLike) -> Path:
    """The folder whose sub-folders are the genre folders; a FileNotFoundError naming where it looked."""
    root = Path(root)
    if not root.is_dir():
        raise DATASET.missing(f"GTZAN folder {root} does not exist")
    for layout in LAYOUTS:
        candidate = (root / layout).resolve()
        if candidate.is_dir() and any((candidate / genre).is_dir() for genre in GENRES):
            return candidate
    tried = ", ".join(str(root / layout) for layout in LAYOUTS)
    raise DATASET.missing(f"no GTZAN genre folders (blues/, classical/, ...) under {root}; looked in {tried}")


def scan_tracks(root: str | os.PathLike | None = None) -> pd.DataFrame:
    """Every audio-looking file under ``root``, by name only: ``<genre>/<genre>.<5 digits>.<ext>`` is a clip
    (one copy, by :data:`PREFERRED_EXTENSIONS`); any other is a row whose ``status`` says why it is not used."""
    root = DATASET.root(root)
    audio_folder = find_audio_folder(root)
    copies: dict[str, list[Path]] = {}
    skipped: list[dict] = []
    for path in _audio_files(root):
        folder = path.parent.resolve()
        inside = folder.parent == audio_folder
        genre = folder.name if inside and folder.name in GENRES else ""
        match = _CLIP_NAME.match(path.name[: -len(path.suffix)])
        reason = None
        if not inside:
            reason = f"not in a genre folder of {audio_folder}"
        elif not genre:
            reason = f"folder {folder.name}/ is not a GTZAN genre ({', '.join(GENRES)})"
        elif match is None:
            reason = f"name does not fit <genre>.<5 digits>.<ext> (e.g. {genre}.00001.wav)"
        elif match["genre"] != genre:
            reason = f"named for genre {match['genre']} but in folder {genre}/"
        if reason is None:
            copies.setdefault(match.group(0), []).append(folder / path.name)
        else:
            skipped.append(_skipped_row(root, path, folder / path.name, genre, reason))
    rows = []
    for track_id, found in copies.items():
        chosen, *others = sorted(found, key=_preference)
        genre = track_id.split(".")[0]
        rows.append({"track_id": track_id, "path": str(chosen), "genre": genre, "status": track_table.STATUS_OK})
        for other in others:
            reason = f"another copy of {track_id} is used ({chosen.name})"
            skipped.append(_skipped_row(root, other, other, genre, reason))
    return track_table.make_track_table(rows + skipped)


def _audio_files(root: Path):
    """Audio-looking files under ``root`` (symbolic links followed once), hidden ones left out."""
    seen = set()
    for folder, subfolders, files in os.walk(root, followlinks=True):
        real = os.path.realpath(folder)
        if real in seen:
            subfolders[:] = []
            continue
        seen.add(real)
        subfolders[:] = sorted(d for d in subfolders if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith(".") and Path(name).suffix.lower() in AUDIO_LOOKING:
                yield Path(folder) / name


def _preference(path: Path) -> tuple:
    suffix = path.suffix.lower()
    return (*PREFERRED_EXTENSIONS, suffix).index(suffix), path.name  # an unlisted suffix ranks last


def _skipped_row(root: Path, found: Path, path: Path, genre: str, reason: str) -> dict:
    try:
        track_id = found.relative_to(root).as_posix()
    except ValueError:
        track_id = str(found)
    return {"track_id": track_id, "path": str(path), "genre": genre, "status": reason}


@cache
def reference_md5() -> dict[str, str]:
    """``{clip id: MD5 of its original WAV}`` for the 1000 GTZAN clips."""
    return dict(json.loads(resources.files(__package__).joinpath(REFERENCE_FILE).read_text("utf-8"))["md5"])


def check_bytes(data: bytes, name: str, expected_md5: str) -> tuple[str, str]:
    """``(result, detail)`` of one clip's bytes (``name`` is its file name) against its reference MD5."""
    if hashlib.md5(data).hexdigest() == expected_md5:
        return checksums.VERIFIED, ""
    if not data:
        return checksums.DIFFERS, "empty file"
    try:  # the canonical WAV of the decoded samples
        samples, rate = soundfile.read(io.BytesIO(data), dtype="int16", always_2d=True)
    except Exception:  # libsndfile raises several types for undecodable data
        return checksums.DIFFERS, "not decodable audio"
    wav = io.BytesIO()
    soundfile.write(wav, samples, rate, format="WAV", subtype="PCM_16")
    if hashlib.md5(wav.getvalue()).hexdigest() == expected_md5:
        return checksums.VERIFIED, ""
    if Path(name).suffix.lower() in LOSSY_SUFFIXES:
        return checksums.DIFFERS, f"lossy {Path(name).suffix.lower()[1:].upper()} copy"
    seconds = (len(wav.getvalue()) - WAV_HEADER_BYTES) / (2 * SAMPLE_RATE)
    return (
        checksums.DIFFERS,
        f"other samples, {seconds:.1f} s (cut?)" if seconds < CUT_BELOW_SECONDS else "other samples",
    )


def check_tracks(tracks: pd.DataFrame) -> pd.DataFrame:
    """Check report of the 1000 reference clips against a track table's rows of the same ``track_id``."""
    by_id = dict(zip(tracks["track_id"], tracks["path"]))
    rows = []
    for clip, expected in reference_md5().items():
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


@dataclass(frozen=True, eq=False, kw_only=True)
class GtzanDataset(Dataset):
    """GTZAN: the archive from a mirror (:data:`ARCHIVE_URLS`), verified clip by clip; the fault-filtered lists."""

    def obtain(self, root: Path, progress: bool, **options) -> Path:
        """Fetch the split lists, and the archive from the first mirror whose archive is accepted, into ``root``."""
        for name, digest in SPLIT_LIST_SHA256.items():
            remote = Remote(name, (SPLIT_LIST_BASE_URL + name,), f"sha256:{digest}", description=f"GTZAN list {name}")
            fetch(remote, root / SPLITS_FOLDER, progress=progress)
        try:
            find_audio_folder(root)
            print(f"GTZAN audio already present in {root}; nothing downloaded.")
        except FileNotFoundError:
            # known_hash None: a mirror's repacked copy has another SHA-256, so its clips decide (_accept)
            archive = Remote("genres.tar.gz", ARCHIVE_URLS, None, ARCHIVE_BYTES, "GTZAN genre collection (1.2 GB)")
            fetch(archive, root, progress=progress, check=lambda path: unpack(path, root, check=_accept(path)))
        return root

    def load_tracks(self, root: str | os.PathLike | None = None) -> pd.DataFrame:
        """The track table, headers read; with ``split_fault_filtered`` when the lists are in ``<root>/splits``."""
        root = self.root(root)
        tracks = track_table.probe_headers(scan_tracks(root))
        lists_dir = root / SPLITS_FOLDER
        if all((lists_dir / name).is_file() for name in SPLIT_LIST_SHA256):
            tracks["split_fault_filtered"] = fault_filtered_split(tracks, lists_dir).to_numpy()
        return tracks

    def check_files(self, tracks: pd.DataFrame | None = None, root: str | os.PathLike | None = None) -> pd.DataFrame:
        """Each of the 1000 original clips: ``verified``, ``differs`` (and why) or ``missing``."""
        return check_tracks(self.load_tracks(root) if tracks is None else tracks)


def _accept(archive: Path):
    """The check of the extracted ``archive``: the original (its SHA-256) is taken; another only if no clip differs."""
    original = pooch.file_hash(str(archive)) == ARCHIVE_SHA256

    def check(folder: Path) -> None:
        report = check_tracks(scan_tracks(folder))
        summary = checksums.summary_line(report)
        differs = report[report["result"] == checksums.DIFFERS]
        if not original and (len(differs) or not report["result"].eq(checksums.VERIFIED).any()):
            named = ", ".join(f"{row.clip} ({row.detail})" for row in differs.head(10).itertuples()) or "no clip"
            raise ValueError(f"not the original archive, and its clips differ from the originals: {named} ({summary})")
        print(
            f"GTZAN clips checked against the originals ({'original' if original else 'repacked'} archive): {summary}"
        )

    return check


DATASET = GtzanDataset(
    name=NAME,
    title=TITLE,
    genres=GENRES,
    splits=SPLITS,
    citation=BIBTEX,
    licence=LICENCE,
    thesis_test_per_genre=THESIS_TEST_PER_GENRE,
    reference_name=REFERENCE_NAME,
    clip_length=CLIP_SECONDS,
    order=10,
)

"""FMA-medium and FMA-large beside FMA-small: nested subsets, 16 unbalanced genres, unlabelled tracks,
the official split, known-broken clips, and downloads (SHA-1, resume, free space, per-MP3 checksums).

The fake dataset is a ``tracks.csv`` in FMA's two-row-header format and MP3s written by libsndfile,
in FMA's layout (``fma_<subset>/NNN/NNNNNN.mp3``); the archives are served from 127.0.0.1.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from fma_fixtures import build_zip, clip_member, sha1sum_listing, tracks_csv
from http_server import Behaviour, LocalServer

from genre_utils import paths, prepare
from genre_utils.data.datasets import dataset_names, fma, fma_large, fma_medium, fma_small, get_dataset
from genre_utils.data.datasets.table import readable, skipped_files
from genre_utils.data.download import DownloadError
from genre_utils.data.explore import NO_GENRE_LABEL, class_counts, imbalance_ratio
from genre_utils.data.splits import check_disjoint, make_split

SIDES = ("training", "training", "training", "validation", "test")  # by a track's rank within its genre
MEDIUM_TRACKS = {"Rock": 8, "Electronic": 5, "Experimental": 3, "Hip-Hop": 2}  # every other top genre: 1
LARGE_ONLY = (
    ("Rock", "training"),
    ("Rock", "test"),
    ("Jazz", "validation"),
    ("", "training"),
    ("", "validation"),
    ("", "test"),
)  # "": no top-level genre
SHORT_SMALL = "098569"  # FMA-small's known-broken clip, here 1 s long
CUT_BUT_FINE = "098566"  # listed as cut past the end (mdeff/fma#8), but this copy is a good 3 s clip
UNDECODABLE = "140449"  # listed in mdeff/fma#49; here truncated: the header says 3 s, about 1.2 s decode
SUBSET_SIZES = {"small": 13, "medium": 32, "large": 39}
MODULES = {"small": fma_small, "medium": fma_medium, "large": fma_large}


def fake_rows() -> list[dict]:
    """tracks.csv rows: 30 regular medium tracks (12 of them small), 6 large-only ones and 3 known-broken ids."""
    rows, number = [], 2000
    for genre_index, genre in enumerate(fma.TOP_GENRES):
        for rank in range(MEDIUM_TRACKS.get(genre, 1)):
            subset = "small" if genre in fma_small.DATASET.genres and rank < 2 else "medium"
            rows.append(row(number, genre, SIDES[rank % 5], subset, artist=10 * genre_index + rank % 5))
            number += 1
    for extra, (genre, side) in enumerate(LARGE_ONLY):
        rows.append(row(number + extra, genre, side, "large", artist=500 + extra))
    rows.append(row(int(SHORT_SMALL), "Electronic", "training", "small", artist=900))
    rows.append(row(int(CUT_BUT_FINE), "Rock", "training", "medium", artist=901))
    rows.append(row(int(UNDECODABLE), "Blues", "test", "large", artist=902))
    return rows


def row(number: int, genre: str, side: str, subset: str, artist: int) -> dict:
    return {
        "track_id": number,
        ("album", "id"): artist,
        ("album", "title"): f"Album {artist}",
        ("artist", "id"): artist,
        ("artist", "name"): f"Artist {artist}",
        ("set", "split"): side,
        ("set", "subset"): subset,
        ("track", "duration"): 180,
        ("track", "genre_top"): genre,
        ("track", "genres"): "[]",
        ("track", "title"): f"Track {number}",
    }


def subset_ids(subset: str) -> list[str]:
    order = fma.SUBSETS.index(subset)
    return sorted(f"{r['track_id']:06d}" for r in fake_rows() if fma.SUBSETS.index(r["set", "subset"]) <= order)


def audio_members(subset: str, mp3_bytes) -> dict[str, bytes]:
    """The MP3s of one subset's archive, named as in it (``fma_medium/002/002000.mp3``)."""
    good = mp3_bytes(3.0)
    special = {SHORT_SMALL: mp3_bytes(1.0), UNDECODABLE: good[: len(good) * 4 // 10]}
    folder = MODULES[subset].DATASET.name
    return {clip_member(folder, track_id): special.get(track_id, good) for track_id in subset_ids(subset)}


def write_fake_fma(root: Path, mp3_bytes) -> Path:
    """One root holding the metadata and the three extracted audio folders."""
    (root / "fma_metadata").mkdir(parents=True)
    (root / "fma_metadata" / "tracks.csv").write_text(tracks_csv(fake_rows()))
    for subset in fma.SUBSETS:
        for name, body in audio_members(subset, mp3_bytes).items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_bytes(body)
    return root


@pytest.fixture
def fake_fma(tmp_path, mp3_bytes) -> Path:
    return write_fake_fma(tmp_path / "fma", mp3_bytes)


@pytest.fixture
def server():
    with LocalServer() as running:
        yield running


def serve_medium(server: LocalServer, served: Path, mp3_bytes, monkeypatch, **audio_behaviour) -> dict:
    """Zip FMA-medium as FMA does (with its checksums file), serve both archives, point its archives at them."""
    metadata = build_zip(served / "fma_metadata.zip", {"fma_metadata/tracks.csv": tracks_csv(fake_rows()).encode()})
    members = {"fma_medium/README.txt": b"FMA-medium\n", **audio_members("medium", mp3_bytes)}
    members["fma_medium/checksums"] = sha1sum_listing(members)
    audio = build_zip(served / "fma_medium.zip", members)
    remotes = {}
    for key, facts in (("metadata", metadata), ("audio", audio)):
        spec = dict(fma_medium.DATASET.archives[key])
        path = "/" + spec["filename"]
        server.files[path] = Behaviour(
            (served / spec["filename"]).read_bytes(), **(audio_behaviour if key == "audio" else {})
        )
        spec.update(urls=(server.url(path),), known_hash=f"sha1:{facts['sha1']}", size=facts["size"])
        remotes[key] = spec
    for key, spec in remotes.items():
        monkeypatch.setitem(fma_medium.DATASET.archives, key, spec)
    return audio


def test_subsets_nest_small_within_medium_within_large(fake_fma):
    tables = {subset: MODULES[subset].DATASET.load_tracks(fake_fma) for subset in fma.SUBSETS}
    ids = {subset: set(table.track_id) for subset, table in tables.items()}
    assert {subset: len(table) for subset, table in tables.items()} == SUBSET_SIZES
    assert ids["small"] < ids["medium"] < ids["large"]
    assert sorted(ids["medium"]) == subset_ids("medium")
    medium = tables["medium"].set_index("track_id")
    assert medium.loc["002000", "path"] == str((fake_fma / "fma_medium" / "002" / "002000.mp3").resolve())
    assert set(tables["small"].genre) == set(fma_small.DATASET.genres)  # the small rows of the same tracks.csv


def test_medium_has_16_unbalanced_genres_counted_per_split_side(fake_fma):
    tracks = fma_medium.DATASET.load_tracks(fake_fma)
    assert set(tracks.genre) == set(fma.TOP_GENRES) and len(fma_medium.DATASET.genres) == 16
    counts = class_counts(tracks)
    assert counts.index[0] == "Rock" and counts.index[-1] == "total"
    assert counts.loc["Rock", ["clips", "usable"]].tolist() == [9, 9]
    assert counts.loc["Electronic", ["clips", "usable"]].tolist() == [6, 5]  # the short known-broken clip
    assert counts.loc["Easy Listening", "usable"] == 1 and counts.loc["total", "usable"] == 31
    assert counts.loc["Rock", ["split_official: train", "split_official: valid", "split_official: test"]].tolist() == [
        7,
        1,
        1,
    ]
    assert counts.loc["Rock", "share"] == pytest.approx(100 * 9 / 31, abs=0.05)
    assert counts.loc["total", "share"] == 100.0
    assert imbalance_ratio(counts) == 9.0


def test_large_keeps_tracks_without_a_top_genre_with_the_reason(fake_fma):
    tracks = fma_large.DATASET.load_tracks(fake_fma)
    unlabelled = tracks[tracks.genre == ""]
    assert len(unlabelled) == 3 and unlabelled.status.eq(fma.NO_GENRE_STATUS).all()
    assert unlabelled.duration.isna().all()  # left unread: no label, no use
    assert set(unlabelled.track_id) <= set(skipped_files(tracks).track_id)
    assert (
        skipped_files(tracks)
        .set_index("track_id")
        .loc[unlabelled.track_id, "reason"]
        .eq("no top-level genre in tracks.csv")
        .all()
    )
    assert "" not in set(readable(tracks).genre)
    assert class_counts(tracks).loc[NO_GENRE_LABEL, ["clips", "usable"]].tolist() == [3, 0]
    assert set(tracks.genre) - {""} <= set(fma_large.DATASET.genres)


def test_official_split_is_artist_aware_and_the_thesis_split_is_refused(fake_fma):
    tracks = fma_medium.DATASET.load_tracks(fake_fma)
    by_id = tracks.set_index("track_id")
    electronic = ["002004", "002007", "002008"]  # ranks 0, 3 and 4 of the genre
    assert by_id.loc[electronic, "split_official"].tolist() == ["train", "valid", "test"]
    assert by_id.loc[electronic, "artist"].tolist() == ["40", "43", "44"]
    split = make_split(tracks, "official", dataset="fma_medium")
    assert split[tracks.status != "ok"].eq("").all()
    assert (split == "test").sum() == 2 and (split == "valid").sum() == 2 and (split == "train").sum() == 27
    check_disjoint(tracks, split, group_column="artist")
    with pytest.raises(
        ValueError,
        match=r"split 'thesis' applies to synthetic, gtzan, fma_small only, not "
        r"'fma_medium' \(whose splits are official, kfold, file\)",
    ):
        make_split(tracks, "thesis", dataset="fma_medium")


def test_known_broken_clips_are_marked_only_when_broken_here(fake_fma):
    medium = fma_medium.DATASET.load_tracks(fake_fma).set_index("track_id")
    assert medium.status[SHORT_SMALL] == "known broken in FMA-medium: audio shorter than 2 s (header says 1.00 s)"
    assert medium.status[CUT_BUT_FINE] == "ok"  # listed, but this copy decodes to 3 s
    large = fma_large.DATASET.load_tracks(fake_fma).set_index("track_id")
    assert large.status[UNDECODABLE].startswith(
        "known broken in FMA-large: reported undecodable by ffmpeg/librosa (mdeff/fma#49) (too short"
    )
    assert large.status[SHORT_SMALL].startswith("known broken in FMA-large: audio shorter than 2 s")
    assert len(fma_medium.DATASET.known_broken) == len(fma_large.DATASET.known_broken) == 6 + 15 + 147
    assert fma_small.DATASET.known_broken.items() <= fma_medium.DATASET.known_broken.items()


def test_a_genre_outside_the_top_level_ones_is_refused(tmp_path, fake_fma):
    rows = fake_rows()
    rows[0]["track", "genre_top"] = "Metal"
    (fake_fma / "fma_metadata" / "tracks.csv").write_text(tracks_csv(rows))
    with pytest.raises(
        ValueError,
        match=r"tracks\.csv: unknown \('track', 'genre_top'\) value\(s\) \['Metal'\] in the medium "
        r"subset: not genres of FMA-medium",
    ):
        fma_medium.DATASET.load_tracks(fake_fma)


def test_missing_audio_folder_names_the_subset_and_the_download_command(fake_fma):
    shutil.rmtree(fake_fma / "fma_large")
    with pytest.raises(
        FileNotFoundError, match=r"no FMA-large audio folder .*fma_large .*download --dataset fma_large"
    ):
        fma_large.DATASET.load_tracks(fake_fma)


def test_download_verifies_sha1_resumes_and_checks_every_mp3(tmp_path, mp3_bytes, server, monkeypatch, capsys):
    served = tmp_path / "served"
    served.mkdir()
    audio = serve_medium(server, served, mp3_bytes, monkeypatch, drop_after=200_000)
    root = tmp_path / "data" / "fma_medium"
    with pytest.raises(DownloadError, match=r"(?s)fma_medium\.zip.*bytes kept in fma_medium\.zip\.part to resume"):
        fma_medium.DATASET.download(root, progress=False)  # the connection drops after 200,000 bytes
    assert (root / "fma_metadata" / "tracks.csv").is_file() and not (root / "fma_medium").exists()
    kept = (root / "fma_medium.zip.part").stat().st_size
    assert 0 < kept <= 200_000
    capsys.readouterr()
    server.requests.clear()

    assert fma_medium.DATASET.download(root, progress=False) == root
    assert server.requests == [("/fma_medium.zip", f"bytes={kept}-")]  # the rest only; the metadata is there
    out = capsys.readouterr().out
    assert "FMA fma_metadata/ already present" in out
    assert "FMA-medium MP3s checked against fma_medium/checksums: 32 clips: 32 verified, 0 differs, 0 missing" in out
    assert (root / "fma_medium.zip").stat().st_size == audio["size"]
    assert sorted(fma_medium.DATASET.load_tracks(root).track_id) == subset_ids("medium")
    server.requests.clear()
    fma_medium.DATASET.download(root, progress=False)  # everything present: no request at all
    assert server.requests == []


def test_an_archive_with_other_bytes_is_refused(tmp_path, mp3_bytes, server, monkeypatch):
    served = tmp_path / "served"
    served.mkdir()
    serve_medium(server, served, mp3_bytes, monkeypatch)
    monkeypatch.setitem(
        fma_medium.DATASET.archives, "audio", {**fma_medium.DATASET.archives["audio"], "known_hash": "sha1:" + "0" * 40}
    )
    root = tmp_path / "data"
    with pytest.raises(DownloadError, match=r"fma_medium\.zip.*does not match the known hash: expected sha1:0000"):
        fma_medium.DATASET.download(root, progress=False)
    assert not (root / "fma_medium").exists() and not (root / "fma_medium.zip").exists()


def test_not_enough_space_is_one_line_before_any_byte_is_fetched(tmp_path, mp3_bytes, server, monkeypatch, capsys):
    served = tmp_path / "served"
    served.mkdir()
    serve_medium(server, served, mp3_bytes, monkeypatch)
    huge = 1 << 60  # an archive no disk here can hold: the real free space is what the check reads
    monkeypatch.setitem(fma_medium.DATASET.archives, "audio", {**fma_medium.DATASET.archives["audio"], "size": huge})
    root = tmp_path / "data" / "fma_medium"
    with pytest.raises(paths.StorageError) as refused:
        fma_medium.DATASET.download(root, progress=False)
    message = str(refused.value)
    assert "\n" not in message
    assert message.startswith(f"not enough disk space in {root} for FMA-medium: ")
    assert re.search(
        r": [\d.]+ TiB needed \([\d.]+ TiB to download, about [\d.]+ TiB to extract\), "
        r"[\d.]+ (bytes|KiB|MiB|GiB|TiB) free\. ",
        message,
    ), message
    assert "--root DIR or GENRE_DATA_DIR=DIR" in message
    assert server.requests == []  # refused before any request
    assert not list(root.glob("*.part")) and not (root / "fma_metadata").exists()
    capsys.readouterr()
    assert prepare.main(["download", "--dataset", "fma_medium", "--root", str(root), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: not enough disk space in {root} for FMA-medium: ") and err.count("\n") == 1
    assert server.requests == []


def test_space_needed_counts_what_is_left_of_a_partial_download(tmp_path):
    remote = fma_medium.DATASET.remotes()[1]
    assert fma.space_needed(remote, tmp_path, 1.0) == (remote.size, remote.size)
    (tmp_path / "fma_medium.zip.part").write_bytes(bytes(1000))
    assert fma.space_needed(remote, tmp_path, 1.0) == (remote.size - 1000, remote.size)
    (tmp_path / "fma_medium.zip").write_bytes(b"complete")
    assert fma.space_needed(remote, tmp_path, 0.5) == (0, remote.size // 2)


def test_extracted_bytes_read_from_the_archive_directory(tmp_path):
    build_zip(tmp_path / "a.zip", {"fma_medium/000/000001.mp3": bytes(5000), "fma_medium/checksums": b"x" * 30})
    assert fma.extracted_bytes(tmp_path / "a.zip") == 5030
    (tmp_path / "b.zip").write_text("<html>503</html>")
    assert fma.extracted_bytes(tmp_path / "b.zip") is None


def test_the_registry_lists_the_subsets_with_the_common_interface():
    assert dataset_names() == ("synthetic", "gtzan", "fma_small", "fma_medium", "fma_large")
    for subset, module in MODULES.items():
        declared = module.DATASET
        assert get_dataset(f"fma_{subset}") is declared and isinstance(declared, fma.FmaDataset)
        assert declared.subset == subset and declared.title == f"FMA-{subset}"
        assert declared.reference_name == f"fma_{subset}/checksums" and declared.citation == fma.BIBTEX
        assert declared.clip_seconds() == 30.0 and declared.root().name == declared.name
        assert declared.remotes()[0].filename == "fma_metadata.zip" and not declared.generated
    assert fma_medium.DATASET.archives["audio"] == {
        "filename": "fma_medium.zip",
        "urls": ("https://os.unil.cloud.switch.ch/fma/fma_medium.zip",),
        "known_hash": "sha1:c67b69ea232021025fca9231fc1c7c1a063ab50b",
        "size": 23_825_005_356,
        "description": "FMA-medium audio: 25,000 30-s MP3 clips (22.2 GiB)",
    }
    large = fma_large.DATASET.archives["audio"]
    assert large["known_hash"] == "sha1:497109f4dd721066b5ce5e5f250ec604dc78939e"
    assert large["urls"] == ("https://os.unil.cloud.switch.ch/fma/fma_large.zip",) and large["size"] == 93 * 2**30
    assert fma_medium.DATASET.splits == fma_large.DATASET.splits == ("official", "kfold", "file")
    assert fma_small.DATASET.thesis_test_per_genre == 100 and "official" in fma_small.DATASET.splits

"""FMA-small loader: tracks.csv in the real two-header format, MP3s good and broken, download.

The fake dataset holds 21 tracks.csv rows (18 in the small subset) and MP3s written by
libsndfile (>= 1.1 encodes MP3); the real GTZAN excerpt ``country.00053.mp3`` from the shared
folder is used where present.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fma_fixtures import build_zip, sha1sum_listing
from http_server import Behaviour, LocalServer

from genre_utils import prepare
from genre_utils.data.datasets import fma, fma_small, get_dataset
from genre_utils.data.datasets.table import readable, skipped_files

# The real file's layout: two header rows, then the index-name row, then one row per track.
TRACKS_CSV = """\
,album,album,artist,artist,set,set,track,track,track,track
,id,title,id,name,split,subset,duration,genre_top,genres,title
track_id,,,,,,,,,,
2,1,AWOL - A Way Of Life,1,AWOL,training,small,168,Hip-Hop,[21],Food
3,1,AWOL - A Way Of Life,1,AWOL,training,medium,237,Hip-Hop,[21],Electric Ave
5,1,AWOL - A Way Of Life,1,AWOL,training,small,206,Hip-Hop,[21],This World
10,6,Constant Hitmaker,6,Kurt Vile,training,small,161,Pop,[10],Freeway
140,61,Make Believe,54,Alec K. Redfearn & the Eyesores,validation,small,253,Folk,[17],Queen Of The Wires
141,60,Every Man For Himself,54,Alec K. Redfearn & the Eyesores,test,small,182,Folk,[17],Ohio
148,66,"Title, with a comma",61,"The ""Quoted"" Ensemble",test,small,134,Experimental,"[1, 250]","Miss ""Flower"" Bloom"
182,70,,,,training,large,301,Rock,[12],no artist id
190,71,Untitled,76,Nobody,training,large,95,,[],
666,80,Broken,90,B,training,small,30,Electronic,[15],empty file
667,80,Broken,90,B,training,small,30,Instrumental,[1235],truncated to 300 bytes
668,80,Broken,90,B,validation,small,30,International,[2],HTML error page
669,80,Broken,90,B,test,small,30,Rock,[12],missing file
670,80,Broken,90,B,training,small,30,Rock,[12],one second
671,80,Broken,90,B,training,small,30,Pop,[10],header claims 3 s
98565,90,Known,100,K,training,small,30,Electronic,[15],known short
98567,90,Known,100,K,training,small,30,Electronic,[15],known short (header lies)
98569,90,Known,100,K,training,small,30,Electronic,[15],known short (fixed copy)
99134,90,Known,100,K,training,small,30,Rock,[12],known no audio (0 bytes)
108925,91,Known,101,K2,training,small,30,Instrumental,[1235],known no audio (silent)
133297,92,Known,102,K3,training,small,30,Hip-Hop,[21],known no audio (missing)
"""
SMALL_IDS = [
    "000002",
    "000005",
    "000010",
    "000140",
    "000141",
    "000148",
    "000666",
    "000667",
    "000668",
    "000669",
    "000670",
    "000671",
    "098565",
    "098567",
    "098569",
    "099134",
    "108925",
    "133297",
]
GOOD_IDS = ["000002", "000005", "000010", "000140", "000141", "000148"]
# Expected words in load_tracks' status (header probing) for the files that are not ok.
BROKEN_AFTER_LOAD = {
    "000666": "empty file (0 bytes)",
    "000667": "unreadable header",
    "000668": "unreadable header",
    "000669": "file not found",
    "098565": "known broken in FMA-small: audio shorter than 2 s (header says 1.00 s)",
    "098567": "known broken in FMA-small: audio shorter than 2 s (too short",
    "099134": "empty file (0 bytes)",
    "108925": "known broken in FMA-small: no audio (silent",
    "133297": "file not found",
}
SHORT_AFTER_VALIDATE = ("000670", "000671")


def clip_path(root: Path, track_id: str) -> Path:
    return root / "fma_small" / track_id[:3] / f"{track_id}.mp3"


def put(root: Path, track_id: str, data: bytes | str) -> Path:
    path = clip_path(root, track_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        path.write_text(data)
    else:
        path.write_bytes(data)
    return path


def write_fake_fma(root: Path, mp3_bytes) -> Path:
    """The fake dataset: tracks.csv plus good, short, truncated, text, empty and missing clips."""
    (root / "fma_metadata").mkdir(parents=True)
    (root / "fma_metadata" / "tracks.csv").write_text(TRACKS_CSV)
    good, one_second, silent = mp3_bytes(3.0), mp3_bytes(1.0), mp3_bytes(3.0, silent=True)
    for track_id in GOOD_IDS + ["000003", "098569"]:  # 000003 is medium: present but not listed
        put(root, track_id, good)
    put(root, "000666", b"")
    put(root, "000667", good[:300])
    put(root, "000668", "<html><body>503 Service Unavailable</body></html>\n" * 10)
    put(root, "000670", one_second)
    # Cut at 40 %: the Xing header still says 3 s, the frames left decode to about 1.2 s.
    put(root, "000671", good[: len(good) * 4 // 10])
    put(root, "098565", one_second)
    put(root, "098567", good[: len(good) * 4 // 10])
    put(root, "099134", b"")
    put(root, "108925", silent)
    return root


@pytest.fixture
def fake_fma(tmp_path, mp3_bytes) -> Path:
    return write_fake_fma(tmp_path / "fma_small", mp3_bytes)


def test_read_tracks_csv_parses_the_two_header_rows(tmp_path):
    path = tmp_path / "tracks.csv"
    path.write_text(TRACKS_CSV)
    tracks = fma.read_tracks_csv(path)
    assert isinstance(tracks.columns, pd.MultiIndex)
    assert tracks.index.name == "track_id" and tracks.index.dtype == np.int64
    assert len(tracks) == 21 and tracks.index[:3].tolist() == [2, 3, 5]
    subset = tracks["set", "subset"]
    assert isinstance(subset.dtype, pd.CategoricalDtype) and subset.cat.ordered
    assert subset.cat.categories.tolist() == ["small", "medium", "large"]
    assert (subset <= "small").sum() == 18 and (subset <= "medium").sum() == 19
    assert isinstance(tracks["track", "genre_top"].dtype, pd.CategoricalDtype)
    assert tracks.loc[148, ("track", "title")] == 'Miss "Flower" Bloom'
    assert tracks.loc[148, ("album", "title")] == "Title, with a comma"


def test_load_tracks_keeps_the_small_subset_with_ids_genres_splits_artists(fake_fma):
    tracks = fma_small.DATASET.load_tracks(fake_fma)
    assert tracks.track_id.tolist() == SMALL_IDS  # no medium (000003) or large (000182, 000190) rows
    assert list(tracks.columns[:7]) == ["track_id", "path", "genre", "duration", "sample_rate", "channels", "status"]
    by_id = tracks.set_index("track_id")
    assert by_id.loc["000002", "path"] == str(clip_path(fake_fma.resolve(), "000002"))
    assert by_id.loc["108925", "path"].endswith("fma_small/108/108925.mp3")
    assert by_id.loc[GOOD_IDS, "genre"].tolist() == ["Hip-Hop", "Hip-Hop", "Pop", "Folk", "Folk", "Experimental"]
    assert set(tracks.genre) <= set(fma_small.DATASET.genres)
    assert by_id.loc[GOOD_IDS, "split_official"].tolist() == ["train", "train", "train", "valid", "test", "test"]
    assert set(tracks.split_official) == {"train", "valid", "test"}
    # The artist column holds a NaN in a large row, so pandas reads it as float: ids stay "1", not "1.0".
    assert by_id.loc[GOOD_IDS, "artist"].tolist() == ["1", "1", "6", "54", "54", "61"]
    good = by_id.loc[GOOD_IDS]
    assert good.status.eq("ok").all()
    assert np.allclose(good.duration, 3.0, atol=0.05)
    assert (good.sample_rate == 22050).all() and (good.channels == 1).all()
    assert get_dataset("fma_small") is fma_small.DATASET and fma_small.DATASET.clip_seconds(fake_fma) == 30.0


def test_broken_files_are_reported_with_their_reason_never_dropped(fake_fma):
    tracks = fma_small.DATASET.load_tracks(fake_fma)
    status = tracks.set_index("track_id").status
    for track_id, words in BROKEN_AFTER_LOAD.items():
        assert words in status[track_id], (track_id, status[track_id])
    skipped = skipped_files(tracks)
    assert sorted(skipped.track_id) == sorted(BROKEN_AFTER_LOAD)
    assert list(skipped.columns) == ["track_id", "path", "genre", "reason"]
    # The header of 000671 claims 3 s and 098569 is a good copy of a known-broken clip: both ok here.
    assert status["000671"] == "ok" and status["098569"] == "ok" and status["000670"] == "ok"
    assert tracks.set_index("track_id").duration["000671"] == pytest.approx(3.0, abs=0.05)


def test_validate_decodes_every_ok_clip_and_flags_short_ones(fake_fma):
    tracks = fma_small.DATASET.validate(fake_fma, progress=False).set_index("track_id")
    for track_id in SHORT_AFTER_VALIDATE:
        assert tracks.status[track_id].startswith("too short"), tracks.status[track_id]
        assert tracks.duration[track_id] < fma_small.DATASET.min_seconds
    for track_id, words in BROKEN_AFTER_LOAD.items():  # load_tracks' reasons survive
        assert words in tracks.status[track_id]
    usable = readable(tracks.reset_index())
    assert sorted(usable.track_id) == sorted(GOOD_IDS + ["098569"])
    assert np.allclose(usable.duration, 3.0, atol=0.06)  # decoded length, not the header's


def test_missing_pieces_name_the_folder_and_how_to_get_the_data(tmp_path, fake_fma):
    with pytest.raises(FileNotFoundError, match="does not exist.*download --dataset fma_small"):
        fma_small.DATASET.load_tracks(tmp_path / "nowhere")
    shutil.rmtree(fake_fma / "fma_small")
    with pytest.raises(ValueError, match=r"no FMA-small audio folder .*fma_small.*GENRE_DATA_DIR"):
        fma_small.DATASET.load_tracks(fake_fma)
    (fake_fma / "fma_metadata" / "tracks.csv").unlink()
    with pytest.raises(FileNotFoundError, match=r"no FMA metadata at .*fma_metadata/tracks\.csv.*GENRE_DATA_DIR"):
        fma_small.DATASET.load_tracks(fake_fma)
    with pytest.raises(ValueError, match=r"tracks\.csv not found at .*elsewhere"):
        fma.read_tracks_csv(tmp_path / "elsewhere" / "tracks.csv")


def test_tracks_csv_without_the_needed_columns_is_refused(tmp_path):
    flat = tmp_path / "flat.csv"  # a one-header export of the same data
    flat.write_text("track_id,genre_top,subset,split\n2,Hip-Hop,small,training\n")
    with pytest.raises(ValueError, match=r"flat\.csv lacks the FMA column\(s\).*'set', 'subset'"):
        fma.read_tracks_csv(flat)
    partial_csv = tmp_path / "partial.csv"
    partial_csv.write_text(",set,track\n,subset,genre_top\ntrack_id,,\n2,small,Hip-Hop\n")
    with pytest.raises(ValueError, match=r"partial\.csv lacks .*\('set', 'split'\).*\('artist', 'id'\)"):
        fma.read_tracks_csv(partial_csv)
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(ValueError, match=r"empty\.csv is not FMA's tracks\.csv"):
        fma.read_tracks_csv(empty)


def test_unknown_subset_or_split_names_are_refused(tmp_path, fake_fma):
    path = tmp_path / "tracks.csv"
    path.write_text(TRACKS_CSV.replace("training,medium", "training,Medium"))
    with pytest.raises(ValueError, match=r"tracks\.csv: unknown \('set', 'subset'\) value\(s\) \['Medium'\]"):
        fma.read_tracks_csv(path)
    csv_path = fake_fma / "fma_metadata" / "tracks.csv"
    csv_path.write_text(TRACKS_CSV.replace("validation,small", "val,small"))
    with pytest.raises(ValueError, match=r"unknown \('set', 'split'\) value\(s\) \['val'\]"):
        fma_small.DATASET.load_tracks(fake_fma)


def test_real_mp3_copies_and_a_truncated_known_broken_clip(shared_data, tmp_path):
    real = shared_data / "gtzan_excerpts" / "genres" / "country" / "country.00053.mp3"
    if not real.is_file():
        pytest.skip(f"no real MP3 at {real}")
    root = tmp_path / "fma_small"
    (root / "fma_metadata").mkdir(parents=True)
    (root / "fma_metadata" / "tracks.csv").write_text(TRACKS_CSV)
    for track_id in ("000002", "000010", "000140"):
        put(root, track_id, real.read_bytes())
    put(root, "098565", real.read_bytes()[:700])  # no Xing header: libsndfile estimates from the size
    tracks = fma_small.DATASET.validate(root, progress=False).set_index("track_id")
    copies = tracks.loc[["000002", "000010", "000140"]]
    # No Xing header: the header's 30.21 s is an estimate from the file size; 30.07 s decode.
    assert copies.status.eq("ok").all() and np.allclose(copies.duration, 30.07, atol=0.05)
    assert (copies.sample_rate == 22050).all()
    assert tracks.status["098565"].startswith("known broken in FMA-small: audio shorter than 2 s (header says 0.1")
    assert tracks.status["000005"] == "file not found" and len(tracks) == 18


@pytest.fixture
def served(tmp_path, mp3_bytes, monkeypatch):
    """The fake dataset zipped as FMA does (with its checksums file, 000010 changed after the listing was made)
    and served from 127.0.0.1, FMA-small's archives pointed at it; yields the server."""
    source = write_fake_fma(tmp_path / "source", mp3_bytes)
    members = {"fma_small/README.txt": b"FMA-small\n"}
    members.update((p.relative_to(source).as_posix(), p.read_bytes()) for p in sorted(source.rglob("*.mp3")))
    members["fma_small/checksums"] = sha1sum_listing(members)
    members["fma_small/000/000010.mp3"] = members["fma_small/000/000010.mp3"][:-100] + bytes(100)
    archives = {
        "metadata": {"fma_metadata/tracks.csv": (source / "fma_metadata" / "tracks.csv").read_bytes()},
        "audio": members,
    }
    with LocalServer() as server:
        for key, content in archives.items():
            spec = dict(fma_small.DATASET.archives[key])
            facts = build_zip(tmp_path / spec["filename"], content)
            server.files["/" + spec["filename"]] = Behaviour((tmp_path / spec["filename"]).read_bytes())
            spec.update(
                urls=(server.url("/" + spec["filename"]),), known_hash=f"sha1:{facts['sha1']}", size=facts["size"]
            )
            monkeypatch.setitem(fma_small.DATASET.archives, key, spec)
        yield server


def test_download_reports_every_mp3_then_skips(tmp_path, mp3_bytes, served, capsys):
    root = tmp_path / "data" / "fma_small"
    assert fma_small.DATASET.download(root, progress=False) == root
    out = capsys.readouterr().out
    assert "000010: differs from fma_small/checksums: SHA1 is not the listed one" in out  # reported, kept
    assert "FMA-small MP3s checked against fma_small/checksums: 17 clips: 16 verified, 1 differs, 0 missing" in out
    assert (root / "fma_small" / "000" / "000002.mp3").read_bytes() == mp3_bytes(3.0)
    tracks = fma_small.DATASET.load_tracks(root)
    assert tracks.track_id.tolist() == SMALL_IDS
    assert sorted(skipped_files(tracks).track_id) == sorted(BROKEN_AFTER_LOAD)
    served.requests.clear()
    fma_small.DATASET.download(root, progress=False)  # everything present: no request at all
    assert served.requests == []


def test_validate_checks_every_mp3_against_the_checksums_file(tmp_path, mp3_bytes, served, capsys):
    root = fma_small.DATASET.download(tmp_path / "data" / "fma_small", progress=False)
    (root / "fma_small" / "000" / "000140.mp3").write_bytes(mp3_bytes(1.0))  # replaced after the download
    (root / "fma_small" / "000" / "000141.mp3").unlink()
    capsys.readouterr()
    assert prepare.main(["validate", "--dataset", "fma_small", "--root", str(root), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "000140: differs from fma_small/checksums: SHA1 is not the listed one" in out
    assert "000141: missing" in out
    assert "17 clips: 14 verified, 2 differs, 1 missing" in out
    assert (root / "file_checks.csv").is_file()


def test_remotes_are_the_published_archives():
    archives, known_broken = fma_small.DATASET.archives, fma_small.DATASET.known_broken
    assert archives["metadata"]["known_hash"] == "sha1:f0df49ffe5f2a6008d7dc83c6915b31835dfe733"
    assert archives["audio"]["known_hash"] == "sha1:ade154f733639d52e35e32f5593efe5be76c6d70"
    assert archives["audio"]["urls"] == ("https://os.unil.cloud.switch.ch/fma/fma_small.zip",)
    assert len(fma_small.DATASET.genres) == 8 and len(known_broken) == 6
    assert all(len(track_id) == 6 for track_id in known_broken)

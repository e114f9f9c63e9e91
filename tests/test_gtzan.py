"""GTZAN loader: archive and Kaggle layouts, junk files, unreadable clips, real excerpts."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import tarfile

import numpy as np
import pandas as pd
import pytest
import soundfile
from audio_fixtures import tone, write_gtzan_like, write_wav
from http_server import Behaviour, LocalServer

from genre_utils import prepare
from genre_utils.data.datasets import get_dataset, gtzan
from genre_utils.data.datasets.table import readable, skipped_files
from genre_utils.data.download import DownloadError


def test_original_layout_is_read_and_junk_ignored(tmp_path):
    root = write_gtzan_like(tmp_path, genres=("blues", "jazz"), clips=2)
    (root / "genres" / "blues" / "._blues.00000.wav").write_bytes(b"\x00\x05\x16\x07 AppleDouble")
    (root / "genres" / "blues" / "blues.mf").write_text("blues.00000.wav\tblues\n")
    (root / "genres" / "jazz" / "notes.txt").write_text("not audio")
    tracks = gtzan.DATASET.load_tracks(root)
    assert tracks.track_id.tolist() == ["blues.00000", "blues.00001", "jazz.00000", "jazz.00001"]
    assert tracks.genre.tolist() == ["blues", "blues", "jazz", "jazz"]
    assert tracks.status.eq("ok").all()
    assert np.allclose(tracks.duration, 4.0, atol=1e-3)
    assert (tracks.sample_rate == 22050).all() and (tracks.channels == 1).all()


def test_kaggle_layout_with_its_broken_jazz_clip(tmp_path):
    audio = tmp_path / "Data" / "genres_original"
    write_wav(audio / "jazz" / "jazz.00053.wav", tone(3.0))
    (audio / "jazz" / "jazz.00054.wav").write_bytes(b"\x00" * 4096)  # the Kaggle copy is not RIFF
    tracks = gtzan.DATASET.load_tracks(tmp_path)
    assert len(tracks) == 2
    skipped = skipped_files(tracks)
    assert skipped.track_id.tolist() == ["jazz.00054"]
    assert "unreadable header" in skipped.reason.iloc[0]


def test_au_files_of_the_original_archive(tmp_path):
    folder = tmp_path / "genres" / "rock"
    folder.mkdir(parents=True)
    soundfile.write(str(folder / "rock.00000.au"), tone(2.5), 22050, format="AU", subtype="PCM_16")
    soundfile.write(str(folder / "rock.00001.au"), tone(2.5), 22050, format="AU", subtype="PCM_16")
    write_wav(folder / "rock.00001.wav", tone(2.5))  # converted copy beside the original
    tracks = gtzan.DATASET.load_tracks(tmp_path)
    usable = readable(tracks)
    assert usable.path.map(lambda p: p.rsplit(".", 1)[1]).tolist() == ["au", "wav"]
    # The unused copy is not dropped silently: it is a skipped row that names the copy used.
    assert skipped_files(tracks).set_index("track_id").reason.to_dict() == {
        "genres/rock/rock.00001.au": "another copy of rock.00001 is used (rock.00001.wav)"
    }


def test_every_audio_looking_file_is_a_clip_or_a_skipped_row(tmp_path):
    genres = tmp_path / "genres"
    write_wav(genres / "blues" / "blues.00000.wav", tone(2.5))
    soundfile.write(str(genres / "blues" / "blues.00003.flac"), tone(2.5), 22050, format="FLAC")
    (genres / "rock").mkdir()
    soundfile.write(str(genres / "rock" / "rock.00002.mp3"), tone(2.5), 22050, format="MP3")
    write_wav(genres / "blues" / "Blues.00001.wav", tone(2.5))
    write_wav(genres / "blues" / "blues.0002.wav", tone(2.5))
    write_wav(genres / "blues" / "rock.00001.wav", tone(2.5))
    write_wav(genres / "samples" / "samples.00000.wav", tone(2.5))
    write_wav(tmp_path / "extra" / "loose.wav", tone(2.5))
    (genres / "blues" / "._blues.00000.wav").write_bytes(b"\x00\x05\x16\x07 AppleDouble")
    (genres / "blues" / "cover.jpg").write_bytes(b"\xff\xd8")
    tracks = gtzan.DATASET.load_tracks(tmp_path)
    audio_looking = {
        str(p.resolve())
        for p in tmp_path.rglob("*")
        if p.suffix in (".wav", ".flac", ".mp3") and not p.name.startswith("._")
    }
    assert set(tracks.path) == audio_looking  # nothing vanished
    usable = readable(tracks)
    assert usable.track_id.tolist() == ["blues.00000", "blues.00003", "rock.00002"]  # FLAC and MP3 are clips
    assert np.allclose(usable.duration, 2.5, atol=0.06)
    reasons = skipped_files(tracks).set_index("track_id").reason
    assert "name does not fit <genre>.<5 digits>.<ext>" in reasons["genres/blues/Blues.00001.wav"]
    assert "name does not fit" in reasons["genres/blues/blues.0002.wav"]
    assert reasons["genres/blues/rock.00001.wav"] == "named for genre rock but in folder blues/"
    assert "samples/ is not a GTZAN genre" in reasons["genres/samples/samples.00000.wav"]
    assert reasons["extra/loose.wav"].startswith("not in a genre folder of ")
    assert len(reasons) == 5


def test_a_folder_of_mp3s_is_found_not_zero_clips(tmp_path, capsys):
    for genre in ("pop", "rock"):
        for number in range(2):
            path = tmp_path / "genres" / genre / f"{genre}.{number:05d}.mp3"
            path.parent.mkdir(parents=True, exist_ok=True)
            soundfile.write(str(path), tone(2.5, seed=number), 22050, format="MP3")
    assert prepare.main(["validate", "--dataset", "gtzan", "--root", str(tmp_path), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "found 4 clips" in out and "skipped 0 unusable" in out


def test_missing_folder_says_how_to_get_the_data(tmp_path):
    with pytest.raises(FileNotFoundError, match="download --dataset gtzan"):
        gtzan.DATASET.load_tracks(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="no GTZAN genre folders"):
        gtzan.DATASET.load_tracks(tmp_path / "empty")


def test_unknown_dataset_name_lists_the_known_ones():
    with pytest.raises(ValueError, match="unknown dataset 'gtzann'.*synthetic, gtzan, fma_small"):
        get_dataset("gtzann")


@pytest.mark.slow
def test_real_excerpts_pad_and_fault_filtered_column(gtzan_excerpts, gtzan_split_lists, tmp_path):
    root = tmp_path / "gtzan"
    shutil.copytree(gtzan_excerpts / "genres", root / "genres")
    shutil.copytree(gtzan_split_lists, root / gtzan.SPLITS_FOLDER)
    tracks = gtzan.DATASET.validate(root, progress=False)
    # 100 WAVs and country.00053.mp3, a clip in another format whose name fits: a track too.
    assert len(tracks) == 101 and tracks.status.eq("ok").all()
    assert tracks.groupby("genre").size().to_dict() == {g: 11 if g == "country" else 10 for g in gtzan.GENRES}
    assert tracks.set_index("track_id").loc["country.00053", "path"].endswith(".mp3")
    assert ((tracks.duration > 14) & (tracks.duration < 31)).all()
    assert (tracks.duration < 25).sum() == 90  # .00001-.00009 are cut to 15-20 s
    # Clips 00000-00009 of blues/classical/... sit in the published valid or test lists.
    assert set(tracks["split_fault_filtered"]) <= {"train", "valid", "test", ""}
    assert tracks.set_index("track_id").loc["blues.00000", "split_fault_filtered"] == "valid"


def test_download_from_a_mirror_then_load(tmp_path, monkeypatch):
    source = write_gtzan_like(tmp_path / "source", genres=("blues", "rock"), clips=2, seconds=2.0)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        archive.add(source / "genres", arcname="genres")
    archive_bytes = buffer.getvalue()
    lists = {
        "train_filtered.txt": b"blues/blues.00000.wav\nrock/rock.00000.wav\n",
        "valid_filtered.txt": b"blues/blues.00001.wav\n",
        "test_filtered.txt": b"rock/rock.00001.wav\n",
    }
    with LocalServer() as server:
        server.files["/genres.tar.gz"] = Behaviour(archive_bytes)
        for name, body in lists.items():
            server.files[f"/lists/{name}"] = Behaviour(body)
        monkeypatch.setattr(gtzan, "ARCHIVE_URLS", (server.url("/dead/genres.tar.gz"), server.url("/genres.tar.gz")))
        monkeypatch.setattr(gtzan, "ARCHIVE_SHA256", hashlib.sha256(archive_bytes).hexdigest())
        monkeypatch.setattr(gtzan, "SPLIT_LIST_BASE_URL", server.url("/lists/"))
        monkeypatch.setattr(gtzan, "SPLIT_LIST_SHA256", {n: hashlib.sha256(b).hexdigest() for n, b in lists.items()})
        root = gtzan.DATASET.download(tmp_path / "gtzan", progress=False)
        requests_made = len(server.requests)
        gtzan.DATASET.download(root, progress=False)  # everything present: no request
        assert len(server.requests) == requests_made
    tracks = gtzan.DATASET.load_tracks(root)
    assert len(tracks) == 4 and tracks.status.eq("ok").all()
    assert tracks.set_index("track_id")["split_fault_filtered"].to_dict() == {
        "blues.00000": "train",
        "blues.00001": "valid",
        "rock.00000": "train",
        "rock.00001": "test",
    }


def copy_clip(excerpts, clip, destination_root, suffix=".wav"):
    """Copy a real excerpt into ``destination_root/genres/<genre>/``, converting it to ``suffix``."""
    genre = clip.split(".")[0]
    source = excerpts / "genres" / genre / f"{clip}.wav"
    target = destination_root / "genres" / genre / f"{clip}{suffix}"
    target.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".wav":
        shutil.copyfile(source, target)
    else:
        samples, rate = soundfile.read(str(source), dtype="int16")
        soundfile.write(str(target), samples, rate, format=suffix[1:].upper(), subtype="PCM_16")
    return target


def test_validate_checks_each_clip_against_the_original_md5s(gtzan_excerpts, tmp_path, capsys):
    root = tmp_path / "gtzan"
    copy_clip(gtzan_excerpts, "blues.00000", root)  # complete clip: the original bytes
    copy_clip(gtzan_excerpts, "disco.00000", root, ".au")  # the original archive's format: same samples
    copy_clip(gtzan_excerpts, "blues.00001", root)  # an excerpt cut to 17 s
    (root / "genres" / "country").mkdir(parents=True)
    shutil.copyfile(gtzan_excerpts / "genres/country/country.00053.mp3", root / "genres/country/country.00053.mp3")
    (root / "genres" / "jazz").mkdir()
    (root / "genres" / "jazz" / "jazz.00054.wav").write_bytes(b"\x00" * 4096)  # the Kaggle copy's broken clip
    assert prepare.main(["validate", "--dataset", "gtzan", "--root", str(root), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "1000 clips: 2 verified, 3 differs, 995 missing" in out
    assert "jazz.00054: differs from the original GTZAN clip" in out
    assert "blues.00001: differs from the original GTZAN clip (mirdata's MD5): other samples, 17.1 s (cut?)" in out
    assert "country.00053: differs from the original GTZAN clip (mirdata's MD5): lossy MP3 copy" in out
    assert "blues.00002: missing" in out and "more missing" in out
    checks = pd.read_csv(root / "file_checks.csv", keep_default_na=False).set_index("clip")
    assert checks.result.value_counts().to_dict() == {"missing": 995, "differs": 3, "verified": 2}
    assert checks.loc["disco.00000", "result"] == "verified" and checks.loc["disco.00000", "path"].endswith(".au")
    assert checks.loc["jazz.00054", "result"] == "differs"


def test_the_shipped_reference_is_mirdatas_index(shared_data):
    index = json.loads((shared_data / "gtzan_reference" / "gtzan_genre_index_1.0.json").read_text())["tracks"]
    reference = gtzan.reference_md5()
    assert len(reference) == 1000 and set(reference) == set(index)
    assert all(reference[clip] == entry["audio"][1] for clip, entry in index.items())
    assert all(
        entry["audio"][0] == f"gtzan_genre/genres/{clip.split('.')[0]}/{clip}.wav" for clip, entry in index.items()
    )


def serve_archive(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, body in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(body)
            archive.addfile(info, io.BytesIO(body))
    return buffer.getvalue()


def test_a_repacked_archive_is_taken_by_its_clips_and_one_with_a_cut_clip_refused(
    gtzan_excerpts, tmp_path, monkeypatch, capsys
):
    """The Hugging Face copy is another file than the original: its clips, not its SHA-256, decide."""
    members = {}
    for clip in ("blues.00000", "country.00000", "reggae.00000"):
        genre = clip.split(".")[0]
        members[f"genres/{genre}/{clip}.wav"] = (gtzan_excerpts / "genres" / genre / f"{clip}.wav").read_bytes()
        members[f"genres/{genre}/._{clip}.wav"] = b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X        "
    repacked = serve_archive(members)
    cut = serve_archive(
        {"genres/blues/blues.00001.wav": (gtzan_excerpts / "genres/blues/blues.00001.wav").read_bytes()}
    )
    lists = {name: (gtzan_excerpts.parent / "gtzan_splits" / name).read_bytes() for name in gtzan.SPLIT_LIST_SHA256}
    with LocalServer() as server:
        server.files["/cut/genres.tar.gz"] = Behaviour(cut)
        server.files["/hf/genres.tar.gz"] = Behaviour(repacked)
        for name, body in lists.items():
            server.files[f"/lists/{name}"] = Behaviour(body)
        monkeypatch.setattr(gtzan, "SPLIT_LIST_BASE_URL", server.url("/lists/"))
        monkeypatch.setattr(gtzan, "ARCHIVE_URLS", (server.url("/cut/genres.tar.gz"),))
        with pytest.raises(DownloadError, match=r"refused, .*clips differ .*blues\.00001 \(other samples, 17\.1 s"):
            gtzan.DATASET.download(tmp_path / "gtzan", progress=False)
        assert sorted(p.name for p in (tmp_path / "gtzan").iterdir()) == ["splits"]  # nothing of the archive kept
        # The original's URL is dead; a mirror with a cut clip is refused; the repacked copy is taken.
        urls = [server.url(f"/{where}/genres.tar.gz") for where in ("dead", "cut", "hf")]
        monkeypatch.setattr(gtzan, "ARCHIVE_URLS", tuple(urls))
        capsys.readouterr()
        root = gtzan.DATASET.download(tmp_path / "gtzan", progress=False)
        out = capsys.readouterr().out
        assert "checked against the originals (repacked archive): 1000 clips: 3 verified, 0 differs, 997 missing" in out
        assert not list(root.rglob("._*")) and (root / "genres.tar.gz").read_bytes() == repacked
        requests_made = len(server.requests)
        shutil.rmtree(root / "genres")  # extracted audio gone: the accepted archive is reused, not fetched
        gtzan.DATASET.download(root, progress=False)
        assert len(server.requests) == requests_made
    tracks = gtzan.DATASET.load_tracks(root)
    assert readable(tracks).track_id.tolist() == ["blues.00000", "country.00000", "reggae.00000"]
    assert gtzan.DATASET.check_files(tracks).set_index("clip").loc[["blues.00000"], "result"].eq("verified").all()

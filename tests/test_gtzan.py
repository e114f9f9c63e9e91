"""GTZAN loader: archive and Kaggle layouts, junk files, unreadable clips, real excerpts."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
import soundfile

from audio_fixtures import tone, write_gtzan_like, write_wav
from genre_utils.datasets import get_dataset, gtzan
from genre_utils.datasets.table import skipped_files


def test_original_layout_is_read_and_junk_ignored(tmp_path):
    root = write_gtzan_like(tmp_path, genres=("blues", "jazz"), clips=2)
    (root / "genres" / "blues" / "._blues.00000.wav").write_bytes(b"\x00\x05\x16\x07 AppleDouble")
    (root / "genres" / "blues" / "blues.mf").write_text("blues.00000.wav\tblues\n")
    (root / "genres" / "jazz" / "notes.txt").write_text("not audio")
    tracks = gtzan.load_tracks(root)
    assert tracks.track_id.tolist() == ["blues.00000", "blues.00001", "jazz.00000", "jazz.00001"]
    assert tracks.genre.tolist() == ["blues", "blues", "jazz", "jazz"]
    assert tracks.status.eq("ok").all()
    assert np.allclose(tracks.duration, 4.0, atol=1e-3)
    assert (tracks.sample_rate == 22050).all() and (tracks.channels == 1).all()


def test_kaggle_layout_with_its_broken_jazz_clip(tmp_path):
    audio = tmp_path / "Data" / "genres_original"
    write_wav(audio / "jazz" / "jazz.00053.wav", tone(3.0))
    (audio / "jazz" / "jazz.00054.wav").write_bytes(b"\x00" * 4096)  # the Kaggle copy is not RIFF
    tracks = gtzan.load_tracks(tmp_path)
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
    tracks = gtzan.load_tracks(tmp_path)
    assert tracks.path.map(lambda p: p.rsplit(".", 1)[1]).tolist() == ["au", "wav"]
    assert tracks.status.eq("ok").all()


def test_missing_folder_says_how_to_get_the_data(tmp_path):
    with pytest.raises(FileNotFoundError, match="download --dataset gtzan"):
        gtzan.load_tracks(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="no GTZAN genre folders"):
        gtzan.load_tracks(tmp_path / "empty")


def test_unknown_dataset_name_lists_the_known_ones():
    with pytest.raises(ValueError, match="unknown dataset 'gtzann'.*synthetic, gtzan, fma_small"):
        get_dataset("gtzann")


@pytest.mark.slow
def test_real_excerpts_pad_and_fault_filtered_column(gtzan_excerpts, gtzan_split_lists, tmp_path):
    root = tmp_path / "gtzan"
    shutil.copytree(gtzan_excerpts / "genres", root / "genres")
    shutil.copytree(gtzan_split_lists, root / gtzan.SPLITS_FOLDER)
    tracks = gtzan.validate(root, progress=False)
    assert len(tracks) == 100 and tracks.status.eq("ok").all()
    assert tracks.groupby("genre").size().eq(10).all()
    assert ((tracks.duration > 14) & (tracks.duration < 31)).all()
    assert (tracks.duration < 25).sum() == 90  # .00001-.00009 are cut to 15-20 s
    # Clips 00000-00009 of blues/classical/... sit in the published valid or test lists.
    assert set(tracks["split_fault_filtered"]) <= {"train", "valid", "test", ""}
    assert tracks.set_index("track_id").loc["blues.00000", "split_fault_filtered"] == "valid"


def test_download_from_a_mirror_then_load(tmp_path, monkeypatch):
    import hashlib
    import io
    import tarfile

    from audio_fixtures import write_gtzan_like
    from http_server import Behaviour, LocalServer

    source = write_gtzan_like(tmp_path / "source", genres=("blues", "rock"), clips=2, seconds=2.0)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        archive.add(source / "genres", arcname="genres")
    archive_bytes = buffer.getvalue()
    lists = {"train_filtered.txt": b"blues/blues.00000.wav\nrock/rock.00000.wav\n",
             "valid_filtered.txt": b"blues/blues.00001.wav\n", "test_filtered.txt": b"rock/rock.00001.wav\n"}
    with LocalServer() as server:
        server.files["/genres.tar.gz"] = Behaviour(archive_bytes)
        for name, body in lists.items():
            server.files[f"/lists/{name}"] = Behaviour(body)
        monkeypatch.setattr(gtzan, "ARCHIVE_URLS", (server.url("/dead/genres.tar.gz"), server.url("/genres.tar.gz")))
        monkeypatch.setattr(gtzan, "ARCHIVE_SHA256", hashlib.sha256(archive_bytes).hexdigest())
        monkeypatch.setattr(gtzan, "SPLIT_LIST_BASE_URL", server.url("/lists/"))
        monkeypatch.setattr(gtzan, "SPLIT_LIST_SHA256", {n: hashlib.sha256(b).hexdigest() for n, b in lists.items()})
        root = gtzan.download(tmp_path / "gtzan", progress=False)
        requests_made = len(server.requests)
        gtzan.download(root, progress=False)  # everything present: no request
        assert len(server.requests) == requests_made
    tracks = gtzan.load_tracks(root)
    assert len(tracks) == 4 and tracks.status.eq("ok").all()
    assert tracks.set_index("track_id")["split_fault_filtered"].to_dict() == {
        "blues.00000": "train", "blues.00001": "valid", "rock.00000": "train", "rock.00001": "test"}

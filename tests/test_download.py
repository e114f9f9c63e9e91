"""Downloads against a server on 127.0.0.1: checksums, mirrors, resume, refusal; unpacking with pooch."""

from __future__ import annotations

import hashlib
import io
import tarfile
import zipfile

import pytest
from http_server import Behaviour, LocalServer

from genre_utils.data.download import DownloadError, Remote, fetch, unpack

BODY = bytes(range(256)) * 4096  # 1 MiB


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


@pytest.fixture()
def server():
    with LocalServer() as running:
        yield running


def test_download_is_verified_and_not_repeated(server, tmp_path):
    server.files["/a.bin"] = Behaviour(BODY)
    remote = Remote("a.bin", (server.url("/a.bin"),), sha256(BODY))
    path = fetch(remote, tmp_path, progress=False)
    assert path.read_bytes() == BODY and not (tmp_path / "a.bin.part").exists()
    fetch(remote, tmp_path, progress=False)
    assert server.requests == [("/a.bin", None)]  # present and valid: no second request


def test_checksum_mismatch_names_the_file_and_keeps_nothing(server, tmp_path):
    server.files["/a.bin"] = Behaviour(BODY)
    wrong = "sha256:" + "0" * 64
    with pytest.raises(DownloadError, match=r"a\.bin[\s\S]*does not match the known hash"):
        fetch(Remote("a.bin", (server.url("/a.bin"),), wrong), tmp_path, progress=False)
    assert list(tmp_path.iterdir()) == []


def test_mirrors_are_tried_in_turn_and_each_failure_is_listed(server, tmp_path):
    server.files["/good"] = Behaviour(BODY)
    server.files["/broken"] = Behaviour(status=500)
    mirrors = ("http://127.0.0.1:9/refused", server.url("/missing"), server.url("/good"))
    assert fetch(Remote("a.bin", mirrors, sha256(BODY)), tmp_path, progress=False).read_bytes() == BODY
    failing = Remote("b.bin", ("http://127.0.0.1:9/refused", server.url("/broken")), sha256(BODY), description="data")
    with pytest.raises(DownloadError, match=r"b\.bin \(data\):\n  http://127\.0\.0\.1:9/refused: .*\n  .*500"):
        fetch(failing, tmp_path, progress=False)


def test_interrupted_download_resumes_with_range(server, tmp_path):
    server.files["/a.bin"] = Behaviour(BODY, drop_after=300_000)
    remote = Remote("a.bin", (server.url("/a.bin"),), sha256(BODY))
    with pytest.raises(DownloadError, match="kept in a.bin.part to resume"):
        fetch(remote, tmp_path, progress=False)
    kept = (tmp_path / "a.bin.part").stat().st_size
    assert 200_000 < kept <= 300_000  # whole blocks received before the drop
    assert fetch(remote, tmp_path, progress=False).read_bytes() == BODY
    assert server.requests[-1] == ("/a.bin", f"bytes={kept}-")


def test_server_ignoring_range_still_gives_the_right_file(server, tmp_path):
    server.files["/a.bin"] = Behaviour(BODY, ignore_range=True)
    (tmp_path / "a.bin.part").write_bytes(BODY[:1000])
    assert fetch(Remote("a.bin", (server.url("/a.bin"),), sha256(BODY)), tmp_path, progress=False).read_bytes() == BODY


def test_a_file_its_check_refuses_is_deleted_and_the_next_mirror_tried(server, tmp_path):
    server.files["/other"] = Behaviour(b"something else")
    server.files["/good"] = Behaviour(BODY)

    def check(path):
        if not path.read_bytes().startswith(BODY):
            raise ValueError("not the dataset")

    remote = Remote("a.bin", (server.url("/other"), server.url("/good")), None)
    assert fetch(remote, tmp_path, progress=False, check=check).read_bytes() == BODY
    with pytest.raises(DownloadError, match="/other: refused, not the dataset"):
        fetch(Remote("b.bin", (server.url("/other"),), None), tmp_path, progress=False, check=check)
    assert not (tmp_path / "b.bin").exists()


def make_tar(path, members: dict[str, bytes]):
    with tarfile.open(path, "w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def test_unpack_tar_gz_and_bzip2_zip_without_macos_junk(tmp_path):
    tar = make_tar(
        tmp_path / "genres.tar.gz",
        {"genres/blues/blues.00000.wav": b"RIFF1", "genres/blues/._blues.00000.wav": b"junk"},
    )
    unpack(tar, tmp_path / "out")
    assert (tmp_path / "out/genres/blues/blues.00000.wav").read_bytes() == b"RIFF1"
    assert not (tmp_path / "out/genres/blues/._blues.00000.wav").exists()
    with zipfile.ZipFile(tmp_path / "fma_metadata.zip", "w", compression=zipfile.ZIP_BZIP2) as handle:
        handle.writestr("fma_metadata/tracks.csv", "a,b\n1,2\n")
        handle.writestr("__MACOSX/fma_metadata/._tracks.csv", "junk")
    unpack(tmp_path / "fma_metadata.zip", tmp_path / "out")
    assert (tmp_path / "out/fma_metadata/tracks.csv").read_text() == "a,b\n1,2\n"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["fma_metadata", "genres"]


def test_refused_escaping_corrupt_or_rejected_archives_leave_nothing(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(ValueError, match=r"'\.\./evil\.txt' would be .*outside"):
        unpack(make_tar(tmp_path / "evil.tar.gz", {"../evil.txt": b"x"}), out)
    corrupt = tmp_path / "corrupt.zip"
    corrupt.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ValueError, match="corrupt.zip is not a readable archive"):
        unpack(corrupt, out)

    def refuse(folder):
        raise ValueError(f"refused {sorted(p.name for p in folder.iterdir())}")

    with pytest.raises(ValueError, match=r"refused \['genres'\]"):
        unpack(make_tar(tmp_path / "g.tar.gz", {"genres/a.wav": b"x"}), out, check=refuse)
    assert list(out.iterdir()) == [] and not (tmp_path / "evil.txt").exists()

"""Downloads against a server on 127.0.0.1: checksums, mirrors, resume; and safe extraction."""

from __future__ import annotations

import hashlib
import io
import tarfile
import zipfile

import pytest
from http_server import Behaviour, LocalServer

from genre_utils.data.download import DownloadError, Remote, extract, fetch

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
    assert len(server.requests) == 1  # present and valid: no request


def test_checksum_mismatch_names_the_file_and_keeps_nothing(server, tmp_path):
    server.files["/a.bin"] = Behaviour(BODY)
    wrong = "sha256:" + "0" * 64
    with pytest.raises(DownloadError, match=r"a\.bin[\s\S]*checksum mismatch[\s\S]*" + wrong):
        fetch(Remote("a.bin", (server.url("/a.bin"),), wrong), tmp_path, progress=False)
    assert not (tmp_path / "a.bin").exists() and not (tmp_path / "a.bin.part").exists()


def test_a_corrupted_local_copy_is_downloaded_again(server, tmp_path):
    server.files["/a.bin"] = Behaviour(BODY)
    (tmp_path / "a.bin").write_bytes(b"garbage")
    path = fetch(Remote("a.bin", (server.url("/a.bin"),), sha256(BODY)), tmp_path, progress=False)
    assert path.read_bytes() == BODY


def test_next_mirror_after_404_and_refused_connection(server, tmp_path):
    server.files["/good"] = Behaviour(BODY)
    mirrors = ("http://127.0.0.1:9/refused", server.url("/missing"), server.url("/good"))
    path = fetch(Remote("a.bin", mirrors, sha256(BODY)), tmp_path, progress=False)
    assert path.read_bytes() == BODY


def test_all_mirrors_failing_lists_each(server, tmp_path):
    server.files["/broken"] = Behaviour(status=500)
    mirrors = ("http://127.0.0.1:9/refused", server.url("/broken"))
    with pytest.raises(DownloadError) as error:
        fetch(Remote("a.bin", mirrors, sha256(BODY), description="test data"), tmp_path, progress=False)
    message = str(error.value)
    assert "a.bin (test data)" in message and "127.0.0.1:9/refused" in message and "500" in message


def test_interrupted_download_resumes_with_range(server, tmp_path):
    server.files["/a.bin"] = Behaviour(BODY, drop_after=300_000)
    remote = Remote("a.bin", (server.url("/a.bin"),), sha256(BODY))
    with pytest.raises(DownloadError, match="kept in a.bin.part to resume"):
        fetch(remote, tmp_path, progress=False)
    kept = (tmp_path / "a.bin.part").stat().st_size
    assert 200_000 < kept <= 300_000  # whole blocks received before the drop
    path = fetch(remote, tmp_path, progress=False)
    assert path.read_bytes() == BODY
    assert server.requests[-1] == ("/a.bin", f"bytes={kept}-")


def test_server_ignoring_range_still_gives_the_right_file(server, tmp_path):
    server.files["/a.bin"] = Behaviour(BODY, ignore_range=True)
    (tmp_path / "a.bin.part").write_bytes(BODY[:1000])
    path = fetch(Remote("a.bin", (server.url("/a.bin"),), sha256(BODY)), tmp_path, progress=False)
    assert path.read_bytes() == BODY


def test_bad_remote_definitions_are_refused():
    with pytest.raises(ValueError, match="at least one URL"):
        Remote("a.bin", (), "sha256:00")
    with pytest.raises(ValueError, match="crc32"):
        Remote("a.bin", ("http://127.0.0.1/a",), "crc32:1234")


def make_tar(path, members: dict[str, bytes]):
    with tarfile.open(path, "w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def test_extract_tar_gz_once_and_skip_macos_junk(tmp_path):
    archive = make_tar(
        tmp_path / "genres.tar.gz",
        {"genres/blues/blues.00000.wav": b"RIFF1", "genres/blues/._blues.00000.wav": b"junk"},
    )
    extract(archive, tmp_path / "out", progress=False)
    assert (tmp_path / "out/genres/blues/blues.00000.wav").read_bytes() == b"RIFF1"
    assert not (tmp_path / "out/genres/blues/._blues.00000.wav").exists()
    (tmp_path / "out/genres/blues/blues.00000.wav").write_bytes(b"edited")
    extract(archive, tmp_path / "out", progress=False)  # marker: nothing redone
    assert (tmp_path / "out/genres/blues/blues.00000.wav").read_bytes() == b"edited"


def test_extract_bzip2_zip(tmp_path):
    archive = tmp_path / "fma_metadata.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_BZIP2) as handle:
        handle.writestr("fma_metadata/tracks.csv", "a,b\n1,2\n")
        handle.writestr("__MACOSX/fma_metadata/._tracks.csv", "junk")
    extract(archive, tmp_path / "out", progress=False)
    assert (tmp_path / "out/fma_metadata/tracks.csv").read_text() == "a,b\n1,2\n"
    assert not (tmp_path / "out/__MACOSX").exists()


def test_path_traversal_and_corrupt_archives_are_refused(tmp_path):
    evil = make_tar(tmp_path / "evil.tar.gz", {"../evil.txt": b"x"})
    with pytest.raises(ValueError, match=r"'\.\./evil\.txt' would be written outside"):
        extract(evil, tmp_path / "out", progress=False)
    assert not (tmp_path / "evil.txt").exists()
    corrupt = tmp_path / "corrupt.zip"
    corrupt.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ValueError, match="corrupt.zip is not a readable archive"):
        extract(corrupt, tmp_path / "out", progress=False)
    with pytest.raises(ValueError, match="unsupported archive type"):
        extract(corrupt.rename(tmp_path / "x.rar"), tmp_path / "out", progress=False)
    assert not list((tmp_path / "out").glob(".*extracting*"))


def test_unknown_checksum_is_kept_when_the_content_verifies(server, tmp_path, capsys):
    """A mirror's repacked file: accepted by ``verify``, remembered, and not downloaded again."""
    repacked = BODY + b"one more member"
    server.files["/mirror.bin"] = Behaviour(repacked)
    seen = []

    def verify(path):
        seen.append(path.read_bytes())
        if not path.read_bytes().startswith(BODY):
            raise ValueError("the content is not the dataset")
        return "all members verify"

    remote = Remote("a.bin", (server.url("/missing"), server.url("/mirror.bin")), sha256(BODY))
    path = fetch(remote, tmp_path, progress=False, verify=verify)
    assert path.read_bytes() == repacked and seen == [repacked]
    assert "its content verifies: all members verify; accepted" in capsys.readouterr().out
    assert sorted(p.name for p in tmp_path.iterdir()) == [".a.bin.accepted", "a.bin"]
    requests_made = len(server.requests)
    assert fetch(remote, tmp_path, progress=False, verify=verify) == path
    assert len(server.requests) == requests_made and len(seen) == 1  # the acceptance is remembered
    server.files["/other.bin"] = Behaviour(b"something else entirely")
    other = Remote("b.bin", (server.url("/other.bin"),), sha256(BODY))
    with pytest.raises(
        DownloadError, match=r"other\.bin: checksum mismatch .* content does not verify: the content is not"
    ):
        fetch(other, tmp_path, progress=False, verify=verify)
    assert not (tmp_path / "b.bin").exists() and not (tmp_path / "b.bin.unchecked").exists()

"""The command line: download, validate and extract print what they found, skipped and wrote."""

from __future__ import annotations

import pytest
from audio_fixtures import write_gtzan_like

from genre_utils import paths, prepare
from genre_utils.features.extraction import prepare_features


def test_synthetic_download_validate_extract(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("GENRE_DATA_DIR", str(tmp_path))
    assert (
        prepare.main(["download", "--dataset", "synthetic", "--clips-per-genre", "2", "--seconds", "3", "--quiet"]) == 0
    )
    assert "data ready in" in capsys.readouterr().out
    assert prepare.main(["validate", "--dataset", "synthetic", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "found 20 clips" in out and "skipped 0 unusable" in out
    assert (tmp_path / "synthetic" / "tracks.csv").is_file() and (tmp_path / "synthetic" / "skipped.csv").is_file()
    assert prepare.main(["extract", "--dataset", "synthetic", "--workers", "1", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "20 clips, 20 extracted, 0 skipped" in out
    assert "(20, 20, 130)" in out  # 3 s clips: 1 + 66150 // 512 frames
    store = prepare_features("synthetic", workers=1, progress=False)
    assert store.features.shape == (20, 20, 130)


def test_validate_reports_unreadable_clips(tmp_path, capsys):
    root = write_gtzan_like(tmp_path / "gtzan", genres=("pop",), clips=2)
    (root / "genres" / "pop" / "pop.00002.wav").write_bytes(b"")
    assert prepare.main(["validate", "--dataset", "gtzan", "--root", str(root), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "skipped 1 unusable" in out and "pop.00002" in out and "empty file" in out
    assert "pop.00002" in (root / "skipped.csv").read_text()


def test_errors_are_one_clear_line(tmp_path, capsys):
    assert prepare.main(["extract", "--dataset", "gtzan", "--root", str(tmp_path / "none"), "--quiet"]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert prepare.main(["download", "--dataset", "gtzan", "--seed", "3", "--root", str(tmp_path)]) == 2
    assert "only apply to --dataset synthetic" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        prepare.main(["extract", "--dataset", "gtzann"])
    assert "invalid choice: 'gtzann'" in capsys.readouterr().err


def test_cache_dir_option_and_variable_move_tables_and_features(tmp_path, capsys, monkeypatch):
    root = write_gtzan_like(tmp_path / "data" / "gtzan", genres=("pop",), clips=2, seconds=3.0)
    monkeypatch.setenv("GENRE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("GENRE_CACHE_DIR", raising=False)
    assert prepare.main(["validate", "--dataset", "gtzan", "--cache-dir", str(tmp_path / "mine"), "--quiet"]) == 0
    assert f"wrote {tmp_path / 'mine' / 'gtzan' / 'tracks.csv'}" in capsys.readouterr().out
    assert (tmp_path / "mine" / "gtzan" / "skipped.csv").is_file() and not (root / "tracks.csv").exists()
    assert paths.tables_dir("gtzan", root, cache_dir=tmp_path / "mine") == tmp_path / "mine" / "gtzan"
    monkeypatch.setenv("GENRE_CACHE_DIR", str(tmp_path / "env"))
    assert paths.tables_dir("gtzan", root) == tmp_path / "env" / "gtzan"
    assert prepare.main(["extract", "--dataset", "gtzan", "--workers", "1", "--quiet"]) == 0
    assert f"in {tmp_path / 'env' / 'features' / 'gtzan'}" in capsys.readouterr().out
    assert not (tmp_path / "data" / "features").exists()


def test_ctrl_c_is_one_line_and_status_130(tmp_path, capsys, monkeypatch):
    root = write_gtzan_like(tmp_path / "gtzan", genres=("pop",), clips=1)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(prepare, "prepare_features", interrupted)  # stands for the user's Ctrl-C
    assert prepare.main(["extract", "--dataset", "gtzan", "--root", str(root), "--quiet"]) == 130
    assert capsys.readouterr().err == "interrupted: finished work is kept; run the same command again to resume\n"

"""Full disks and read-only folders, on real file systems: a small tmpfs and a read-only bind mount.

Met before the work, in this process, or on a Dask worker and re-raised here: always one clear line,
the finished chunks kept, and the same call resumes.

Both are mounted in a private mount namespace (``unshare -rm``), so nothing outside the test
sees them; where unprivileged namespaces are not allowed the tests skip with the reason.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from audio_fixtures import write_gtzan_like

from genre_utils.data.datasets import gtzan
from genre_utils.features.kinds import FeatureConfig
from genre_utils.features.store import build_feature_store

TESTS_DIR = Path(__file__).resolve().parent
LONG = FeatureConfig(clip_seconds=60.0)  # 4 s clips padded to 60 s: 8 clips need 1.6 MiB of features


def in_namespace(setup: str, script: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run ``setup`` (mount commands) then ``script`` (Python) in a private mount namespace."""
    if shutil.which("unshare") is None or subprocess.run(["unshare", "-rm", "true"], capture_output=True).returncode:
        pytest.skip("needs unprivileged mount namespaces (unshare -rm) for a real full or read-only file system")
    command = f"{setup} && exec {shlex.quote(sys.executable)} -c {shlex.quote(textwrap.dedent(script))}"
    return subprocess.run(
        ["unshare", "-rm", "sh", "-c", command], capture_output=True, text=True, timeout=timeout, cwd=TESTS_DIR
    )


def results(process: subprocess.CompletedProcess) -> dict:
    lines = [line for line in process.stdout.splitlines() if line.startswith("RESULT ")]
    assert process.returncode == 0 and lines, (process.returncode, process.stdout[-2000:], process.stderr[-3000:])
    return json.loads(lines[-1][len("RESULT ") :])


@pytest.mark.slow
def test_full_disk_is_a_clear_error_before_any_work_and_a_rerun_resumes(tmp_path):
    audio = write_gtzan_like(tmp_path / "audio", genres=("blues", "rock"), clips=4, seconds=4.0)
    disk = tmp_path / "small_disk"
    disk.mkdir()
    cache = disk / "cache"
    script = f"""
        import json, os, subprocess, sys
        sys.path.insert(0, {str(TESTS_DIR)!r})
        from genre_utils import paths
        from genre_utils.features import store as feature_store
        from genre_utils.data.datasets import gtzan
        from genre_utils.features.kinds import FeatureConfig
        tracks = gtzan.DATASET.load_tracks({str(audio)!r})
        out = {{}}
        def build(seconds, **options):
            return feature_store.build_feature_store(tracks, "full", FeatureConfig(clip_seconds=seconds),
                                                     cache_dir={str(cache)!r}, workers=1, chunk_size=1,
                                                     progress=False, **options)
        # 1. The array (1.6 MiB) does not fit on the 1 MiB disk: said before any clip is extracted.
        calls = []
        real = feature_store.extract_chunk
        def counting(*args, **kwargs):
            calls.append(1)
            return real(*args, **kwargs)
        feature_store.extract_chunk = counting
        try:
            build(60.0)
            out["first"] = "no error"
        except paths.StorageError as error:
            out["first"] = str(error)
        out["extracted_before_error"] = len(calls)
        # 2. With room (the disk grown to 8 MiB) the same call completes.
        subprocess.run(["mount", "-o", "remount,size=8m", {str(disk)!r}], check=True)
        out["second_shape"] = list(build(60.0).features.shape)
        # 3. The disk fills up (another program) after 3 of 8 chunks: finished chunks are kept.
        def filling(*args, **kwargs):
            calls.append(1)
            if len(calls) == 4:
                with open({str(disk / "filler")!r}, "wb") as filler:
                    try:
                        while True:
                            filler.write(bytes(1 << 16))
                            filler.flush()
                    except OSError:
                        pass
            return real(*args, **kwargs)
        calls.clear()
        feature_store.extract_chunk = filling
        try:
            build(61.0)
            out["third"] = "no error"
        except paths.StorageError as error:
            out["third"] = str(error)
        store_dir = feature_store.store_directory(tracks, "full", FeatureConfig(clip_seconds=61.0), {str(cache)!r})
        out["chunks_kept"] = len(list((store_dir / "chunks").glob("*.json")))
        os.remove({str(disk / "filler")!r})
        calls.clear()
        feature_store.extract_chunk = counting
        resumed = build(61.0)
        out["resumed_calls"] = len(calls)
        import numpy as np
        np.save({str(tmp_path / "resumed.npy")!r}, resumed.read_rows(np.arange(len(resumed.tracks))))
        print("RESULT " + json.dumps(out))
    """
    out = results(in_namespace(f"mount -t tmpfs -o size=1m tmpfs {shlex.quote(str(disk))}", script))
    assert out["first"].startswith(f"not enough disk space in {cache / 'full'}/mfcc-")
    assert re.search(
        r" for the feature cache: it needs 2\.\d MiB, (10\d\d\.\d KiB|1\.0 MiB) free\. Free some space and run the "
        r"same command again \(finished work is kept\), or put the cache",
        out["first"],
    ), out["first"]
    assert "GENRE_CACHE_DIR" in out["first"] and out["extracted_before_error"] == 0
    assert out["second_shape"] == [8, 20, LONG.n_frames]
    assert (
        out["third"].startswith(f"not enough disk space in {cache / 'full'}/mfcc-")
        and "run the same command again" in out["third"]
    )
    assert out["chunks_kept"] == 3 and out["resumed_calls"] == 5
    fresh = build_feature_store(
        gtzan.DATASET.load_tracks(audio),
        "full",
        FeatureConfig(clip_seconds=61.0),
        cache_dir=tmp_path / "fresh",
        workers=1,
        progress=False,
    )
    # Exact across processes: the same binaries on this machine, one BLAS thread per task, every sum in one order.
    np.testing.assert_array_equal(np.load(tmp_path / "resumed.npy"), fresh.read_rows(np.arange(len(fresh.tracks))))


@pytest.mark.slow
def test_a_folder_turned_read_only_under_dask_workers_is_a_clear_error_and_a_rerun_resumes(tmp_path):
    audio = write_gtzan_like(tmp_path / "audio", genres=("blues", "rock"), clips=4, seconds=4.0)
    cache = tmp_path / "cache"
    script = f"""
        import json, subprocess, threading, time, traceback
        import numpy as np
        from genre_utils import paths
        from genre_utils.features import store as feature_store
        from genre_utils.data.datasets import gtzan
        from genre_utils.features.kinds import FeatureConfig
        if __name__ == "__main__":
            tracks = gtzan.DATASET.load_tracks({str(audio)!r})
            config = FeatureConfig(clip_seconds=60.0)
            store_dir = feature_store.store_directory(tracks, "frozen", config, {str(cache)!r})
            shards, records = store_dir / "features.zarr" / "c", store_dir / "chunks"
            def freeze_the_shards_after_the_first_record():  # another program (or a remount) takes the folder away
                while not list(records.glob("*.json")):
                    time.sleep(0.005)
                subprocess.run(["mount", "--bind", str(shards), str(shards)], check=True)
                subprocess.run(["mount", "-o", "remount,bind,ro", str(shards)], check=True)
            threading.Thread(target=freeze_the_shards_after_the_first_record, daemon=True).start()
            def build():  # a LocalCluster of 2 worker processes: the shards are written there
                return feature_store.build_feature_store(tracks, "frozen", config, cache_dir={str(cache)!r},
                                                         workers=2, chunk_size=1, progress=False)
            out = {{}}
            try:
                build()
                out["first"] = "no error"
            except paths.StorageError as error:
                out["first"] = str(error)
                out["raised_on_a_worker"] = "extract_shard" in "".join(traceback.format_exception(error.__cause__))
            out["chunks_kept"] = len(list(records.glob("*.json")))
            subprocess.run(["umount", str(shards)], check=True)
            resumed = build()
            np.save({str(tmp_path / "resumed.npy")!r}, resumed.read_rows(np.arange(len(resumed.tracks))))
            print("RESULT " + json.dumps(out))
    """
    out = results(in_namespace("true", script))
    assert out["first"].startswith(f"{cache / 'frozen'}/mfcc-") and "is read-only, so the feature cache" in out["first"]
    assert out["raised_on_a_worker"], "the error did not come from a worker's shard write"
    assert 1 <= out["chunks_kept"] < 8
    fresh = build_feature_store(
        gtzan.DATASET.load_tracks(audio),
        "frozen",
        FeatureConfig(clip_seconds=60.0),
        cache_dir=tmp_path / "fresh",
        workers=1,
        progress=False,
    )
    # Exact across processes: the same binaries on this machine, one BLAS thread per task, every sum in one order.
    np.testing.assert_array_equal(np.load(tmp_path / "resumed.npy"), fresh.read_rows(np.arange(len(fresh.tracks))))


@pytest.mark.slow
def test_read_only_data_root_says_so_and_cache_dir_moves_the_writes(tmp_path):
    data_root = tmp_path / "shared_data"
    write_gtzan_like(data_root / "gtzan", genres=("blues", "rock"), clips=2, seconds=3.0)
    writable, from_env = tmp_path / "mine", tmp_path / "from_env"
    script = f"""
        import json, os, subprocess, sys
        base = dict(os.environ, GENRE_DATA_DIR={str(data_root)!r})
        base.pop("GENRE_CACHE_DIR", None)
        def run(*args, **env):
            done = subprocess.run([sys.executable, "-m", "genre_utils.data", *args, "--dataset", "gtzan", "--quiet"],
                                  capture_output=True, text=True, env=dict(base, **env))
            return [done.returncode, done.stdout, done.stderr]
        out = {{
            "validate": run("validate"),
            "extract": run("extract", "--workers", "1"),
            "validate_elsewhere": run("validate", "--cache-dir", {str(writable)!r}),
            "extract_env": run("extract", "--workers", "1", GENRE_CACHE_DIR={str(from_env)!r}),
        }}
        print("RESULT " + json.dumps(out))
    """
    mount = (
        f"mount --bind {shlex.quote(str(data_root))} {shlex.quote(str(data_root))} && "
        f"mount -o remount,bind,ro {shlex.quote(str(data_root))}"
    )
    out = results(in_namespace(mount, script))
    hint = "put the cache and tables elsewhere with --cache-dir DIR or GENRE_CACHE_DIR=DIR"
    code, _, err = out["validate"]
    assert code == 2 and err.strip() == (
        f"error: {data_root / 'gtzan'} is read-only, so the track tables cannot be written there: {hint}"
    )
    code, _, err = out["extract"]
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert err.startswith(f"error: {data_root} is read-only, so the feature cache cannot be written there: {hint}")
    code, stdout, err = out["validate_elsewhere"]
    assert code == 0, err
    assert f"wrote {writable / 'gtzan' / 'tracks.csv'}" in stdout and (writable / "gtzan" / "skipped.csv").is_file()
    code, stdout, err = out["extract_env"]
    assert code == 0, err
    assert "4 clips, 4 extracted, 0 skipped" in stdout and f"in {from_env / 'features' / 'gtzan'}" in stdout
    assert sorted(os.listdir(data_root)) == ["gtzan"]  # nothing written into the read-only root

"""Process-pool workers end with their parent (kill -9) and Ctrl-C stops a run at once, resumably.

The Dask engine's counterparts are in test_dask_store.py.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from audio_fixtures import counting_extracted_chunks, interruptible, write_gtzan_like

from genre_utils.data.datasets import gtzan
from genre_utils.features.kinds import FeatureConfig
from genre_utils.features.store import build_feature_store, store_directory

SMALL = FeatureConfig(clip_seconds=4.0)
SLOW_SECONDS = 120  # a slow chunk: far longer than any wait below


def start_extraction(audio: Path, cache: Path, pids: Path, fast_genre: str) -> subprocess.Popen:
    """A process-pool run of 2 workers: chunks of ``fast_genre`` are real, the others hang (workers log their pid)."""
    script = textwrap.dedent(f"""
        import os, time
        from genre_utils.features import store as feature_store
        from genre_utils.data.datasets import gtzan
        from genre_utils.features.kinds import FeatureConfig
        real = feature_store.extract_chunk
        def maybe_slow(jobs, config, min_seconds):
            open(os.path.join({str(pids)!r}, str(os.getpid())), "w").close()
            if all({fast_genre!r} in path for path, _ in jobs):
                return real(jobs, config, min_seconds)
            time.sleep({SLOW_SECONDS})
            return real(jobs, config, min_seconds)
        feature_store.extract_chunk = maybe_slow
        tracks = gtzan.DATASET.load_tracks({str(audio)!r})
        try:
            feature_store.build_feature_store(tracks, "workers", FeatureConfig(clip_seconds=4.0),
                                              cache_dir={str(cache)!r}, workers=2, chunk_size=1, progress=False,
                                              engine="processes")
        except KeyboardInterrupt:
            raise SystemExit(130)
    """)
    pids.mkdir(exist_ok=True)
    return subprocess.Popen([sys.executable, "-c", script], preexec_fn=interruptible)


def alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie waiting to be reaped counts as ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        return state != "Z"
    except (FileNotFoundError, IndexError):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True


def wait_for(condition, seconds: float) -> bool:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def worker_pids(pids: Path) -> list[int]:
    return [int(p.name) for p in pids.iterdir()]


def end_leftovers(pids: list[int]) -> None:
    for pid in pids:  # only the workers this test started
        if alive(pid):
            os.kill(pid, signal.SIGKILL)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_end_when_the_main_process_is_killed(tmp_path):
    audio = write_gtzan_like(tmp_path / "audio", genres=("blues", "rock"), clips=2, seconds=4.0)
    process = start_extraction(audio, tmp_path / "cache", tmp_path / "pids", fast_genre="none")
    workers = []
    try:
        assert wait_for(lambda: len(list((tmp_path / "pids").iterdir())) >= 2, 60), "workers did not start"
        workers = worker_pids(tmp_path / "pids")
        assert all(alive(pid) for pid in workers)
        process.kill()  # kill -9: no cleanup code runs in the parent
        process.wait()
        assert wait_for(lambda: not any(alive(pid) for pid in workers), 10), (
            f"workers {[pid for pid in workers if alive(pid)]} outlived their parent"
        )
    finally:
        process.kill()
        end_leftovers(workers)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_ctrl_c_stops_at_once_and_the_next_run_resumes(tmp_path):
    audio = write_gtzan_like(tmp_path / "audio", genres=("blues", "rock"), clips=3, seconds=4.0)
    cache = tmp_path / "cache"
    tracks = gtzan.DATASET.load_tracks(audio)
    directory = store_directory(tracks, "workers", SMALL, cache)
    process = start_extraction(audio, cache, tmp_path / "pids", fast_genre="blues")
    workers = []
    try:
        # The 3 blues chunks finish; both workers then hang on rock chunks.
        assert wait_for(
            lambda: (
                len(list((directory / "chunks").glob("*.json"))) >= 3 and len(list((tmp_path / "pids").iterdir())) >= 2
            ),
            60,
        )
        time.sleep(0.5)
        workers = worker_pids(tmp_path / "pids")
        started = time.time()
        process.send_signal(signal.SIGINT)  # Ctrl-C (to the main process only, as Jupyter's interrupt does)
        process.wait(timeout=30)
        assert time.time() - started < 10, "Ctrl-C took too long"
        assert process.returncode == 130
        assert wait_for(lambda: not any(alive(pid) for pid in workers), 10), "workers outlived the interrupted run"
    finally:
        process.kill()
        end_leftovers(workers)
    assert len(list((directory / "chunks").glob("*.json"))) == 3 and not (directory / "index.csv").exists()

    with counting_extracted_chunks() as calls:
        resumed = build_feature_store(
            tracks, "workers", SMALL, cache_dir=cache, workers=1, chunk_size=1, progress=False
        )
    assert len(calls) == 3  # only the rock chunks
    fresh = build_feature_store(tracks, "workers", SMALL, cache_dir=tmp_path / "fresh", workers=1, progress=False)
    everything = np.arange(len(tracks))
    # the pool workers' chunks and this process's vs this process alone: exact on any CPU, as the
    # same binaries run on this same machine with one BLAS thread each (sums in the same order)
    np.testing.assert_array_equal(resumed.read_rows(everything), fresh.read_rows(everything))

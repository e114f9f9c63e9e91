"""The feature store on Dask: a real scheduler and workers on 127.0.0.1 build the same store, bit for bit.

The module's cluster is a ``dask scheduler`` and two ``dask worker`` processes (one thread each)
started here; their workers preload ``dask_slow_preload.py``, which only delays chunks of clips
in a ``slow`` folder so that a worker can be killed while tasks are in flight.
"""

from __future__ import annotations

import ctypes
import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import threading
import time
import urllib.request
from pathlib import Path

import numpy as np
import pandas as pd
import psutil
import pytest
from audio_fixtures import counting_extracted_chunks, interruptible, tone, write_wav

from genre_utils.data.datasets.table import make_track_table
from genre_utils.features.cluster import SCHEDULER_ENV
from genre_utils.features.kinds import FeatureConfig
from genre_utils.features.store import build_feature_store, store_directory
from genre_utils.study import notebook as study
from genre_utils.study.settings import StudySettings

TESTS_DIR = Path(__file__).resolve().parent
PRELOAD = TESTS_DIR / "dask_slow_preload.py"
TINY = FeatureConfig(clip_seconds=2.5)
CLIP_SECONDS = 2.5
START_SECONDS = 120  # for the scheduler and workers to come up on a loaded 2-core machine
PR_SET_PDEATHSIG = 1


def die_with_the_tests() -> None:
    """``preexec_fn``: the kernel ends the child if this test process dies (Linux), so none is left behind."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def stop(processes: list[subprocess.Popen]) -> None:
    """Terminate the processes this module started, all at once, then kill those still running after 5 s."""
    for process in processes:
        if process.poll() is None:
            process.terminate()
    deadline = time.time() + 5
    for process in processes:
        try:
            process.wait(max(0.1, deadline - time.time()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def scheduler(tmp_path_factory):
    """Address of a ``dask scheduler`` with two single-threaded ``dask worker`` processes, all on 127.0.0.1."""
    from distributed import Client

    folder = tmp_path_factory.mktemp("dask")
    scheduler_file = folder / "scheduler.json"
    started = []

    def start(name: str, *arguments) -> subprocess.Popen:
        log = open(folder / f"{name}.log", "wb")
        process = subprocess.Popen(
            [sys.executable, "-m", "dask", *map(str, arguments)],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=folder,
            preexec_fn=die_with_the_tests,
        )
        log.close()
        started.append(process)
        return process

    def logs() -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text()[-3000:]}" for p in sorted(folder.glob("*.log")))

    try:
        start(
            "scheduler",
            "scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            0,
            "--dashboard-address",
            "127.0.0.1:0",
            "--scheduler-file",
            scheduler_file,
        )
        deadline = time.time() + START_SECONDS
        while not scheduler_file.is_file() and time.time() < deadline and started[0].poll() is None:
            time.sleep(0.1)
        assert scheduler_file.is_file(), f"the scheduler did not start:\n{logs()}"
        address = json.loads(scheduler_file.read_text())["address"]
        for n in range(2):
            start(
                f"worker{n}",
                "worker",
                address,
                "--host",
                "127.0.0.1",
                "--nworkers",
                1,
                "--nthreads",
                1,
                "--no-dashboard",
                "--preload",
                PRELOAD,
                "--local-directory",
                folder / f"worker{n}",
                "--death-timeout",
                60,
            )
        with Client(address, timeout=START_SECONDS) as client:
            try:
                client.wait_for_workers(2, timeout=START_SECONDS)
            except TimeoutError:
                pytest.fail(f"the workers did not start:\n{logs()}")
        yield address
    finally:
        stop(started)


def worker_pids(address: str) -> dict[str, int]:
    """``{worker address: process id}`` of the scheduler's workers."""
    from distributed import Client

    with Client(address) as client:
        client.wait_for_workers(2, timeout=START_SECONDS)  # a killed worker's nanny restarts it
        return client.run(os.getpid)


def alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie waiting to be reaped counts as ended)."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def clip_tracks(folder: Path, count: int = 7, garbage: bool = True) -> pd.DataFrame:
    """``count`` tones (and a ``.wav`` of garbage bytes no decoder reads) as a track table."""
    rows = [
        {
            "track_id": f"tone.{n:05d}",
            "genre": "tones",
            "path": str(write_wav(folder / f"tone{n}.wav", tone(CLIP_SECONDS, 200.0 + 30 * n, seed=n))),
        }
        for n in range(count)
    ]
    if garbage:
        folder.mkdir(parents=True, exist_ok=True)
        noise = np.random.default_rng(0).integers(0, 256, 20_000, dtype=np.uint8).tobytes()
        (folder / "garbage.wav").write_bytes(noise)
        rows.append({"track_id": "garbage.00000", "path": str(folder / "garbage.wav"), "genre": "tones"})
    return make_track_table(rows)


def all_rows(store) -> np.ndarray:
    return store.read_rows(np.arange(len(store.tracks)))


def assert_same_store(store, reference) -> None:
    """Equal bit for bit: the workers here run this machine's binaries with one thread each, as inline
    extraction does, so every sum is taken in the same order (workers on another CPU could differ)."""
    np.testing.assert_array_equal(all_rows(store), all_rows(reference))
    pd.testing.assert_frame_equal(store.tracks, reference.tracks)


def test_scheduler_workers_build_the_same_store_as_one_machine(scheduler, tmp_path, capsys):
    tracks = clip_tracks(tmp_path / "audio")
    options = dict(chunk_size=2, progress=False)  # 8 tracks: 4 shards, 4 tasks over 2 workers
    inline = build_feature_store(tracks, "d", TINY, cache_dir=tmp_path / "inline", workers=1, **options)
    capsys.readouterr()
    on_dask = build_feature_store(tracks, "d", TINY, cache_dir=tmp_path / "dask", scheduler=scheduler, **options)
    printed = re.fullmatch(
        f"extracting on the Dask scheduler at {scheduler}; Dask dashboard: "
        r"(http://127\.0\.0\.1:\d+/status)\n",
        capsys.readouterr().out,
    )
    assert printed, "no dashboard line"
    with urllib.request.urlopen(printed.group(1), timeout=30) as page:  # the link works
        assert page.status == 200
    assert_same_store(on_dask, inline)
    assert on_dask.features.shards == (2, 20, TINY.n_frames)
    assert not list((on_dask.directory / "features.zarr").rglob("*.partial"))


def test_a_clip_no_worker_can_decode_is_in_the_skipped_table(scheduler, tmp_path):
    tracks = clip_tracks(tmp_path / "audio", count=2)
    inline = build_feature_store(tracks, "bad", TINY, cache_dir=tmp_path / "inline", workers=1, progress=False)
    on_dask = build_feature_store(
        tracks, "bad", TINY, cache_dir=tmp_path / "dask", scheduler=scheduler, chunk_size=1, progress=False
    )
    skipped = on_dask.skipped.set_index("track_id")["reason"]
    assert list(skipped.index) == ["garbage.00000"] and "cannot decode audio" in skipped["garbage.00000"]
    pd.testing.assert_frame_equal(on_dask.skipped, inline.skipped)
    assert not all_rows(on_dask)[on_dask.tracks.set_index("track_id").loc["garbage.00000", "row"]].any()
    assert_same_store(on_dask, inline)


def test_notebooks_extract_on_the_scheduler_named_by_the_environment(scheduler, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GENRE_CACHE_DIR", str(tmp_path / "local_cache"))
    monkeypatch.delenv(SCHEDULER_ENV, raising=False)
    settings = StudySettings(
        dataset="synthetic",
        data_root=str(tmp_path / "synthetic"),
        workers=1,
        dataset_options={"clips_per_genre": 1, "seconds": CLIP_SECONDS},
    )
    local = study.open_dataset(settings)
    monkeypatch.setenv("GENRE_CACHE_DIR", str(tmp_path / "cluster_cache"))
    monkeypatch.setenv(SCHEDULER_ENV, scheduler)
    capsys.readouterr()
    on_dask = study.open_dataset(settings.model_copy(update={"workers": 0}))
    assert f"extracting on the Dask scheduler at {scheduler}; Dask dashboard: " in capsys.readouterr().out
    assert str(on_dask.directory).startswith(str(tmp_path / "cluster_cache"))
    assert_same_store(on_dask, local)


def test_a_worker_killed_mid_run_loses_nothing(scheduler, tmp_path):
    tracks = clip_tracks(tmp_path / "slow", count=12, garbage=False)  # 0.3 s more per chunk on the workers
    reference = build_feature_store(tracks, "kill", TINY, cache_dir=tmp_path / "one", workers=1, progress=False)
    records = store_directory(tracks, "kill", TINY, tmp_path / "cache") / "chunks"
    victim = next(iter(worker_pids(scheduler).values()))
    killed = {}

    def kill_after_the_first_record():
        deadline = time.time() + START_SECONDS
        while time.time() < deadline and not list(records.glob("*.json")):
            time.sleep(0.01)
        killed["records"] = len(list(records.glob("*.json")))
        os.kill(victim, signal.SIGKILL)

    killer = threading.Thread(target=kill_after_the_first_record, daemon=True)
    killer.start()
    on_dask = build_feature_store(
        tracks, "kill", TINY, cache_dir=tmp_path / "cache", scheduler=scheduler, chunk_size=1, progress=False
    )
    killer.join(10)
    assert 1 <= killed.get("records", 0) < 12, killed  # killed mid-run ...
    assert not alive(victim)
    assert_same_store(on_dask, reference)  # ... and the job completed, every shard whole
    assert not list((on_dask.directory / "features.zarr").rglob("*.partial"))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc through psutil")
@pytest.mark.parametrize("stop", ["ctrl_c", "kill_9"])
def test_a_local_cluster_by_default_leaves_no_worker_when_stopped_and_the_next_run_resumes(tmp_path, stop):
    """Without a scheduler a LocalCluster runs the call. Ctrl-C ends it at once; ``kill -9`` of the calling
    process alone ends its workers too (no cleanup code runs there). Either way the finished shards are kept."""
    fast = clip_tracks(tmp_path / "fast", count=3, garbage=False)
    slow = clip_tracks(tmp_path / "slow", count=2, garbage=False)
    slow["track_id"] = slow["track_id"].str.replace("tone", "waiting")  # sorted after the fast ones
    tracks = pd.concat([fast, slow], ignore_index=True)
    tracks.to_csv(tmp_path / "tracks.csv", index=False)
    cache = tmp_path / "cache"
    script = textwrap.dedent(f"""
        import pandas as pd
        from genre_utils.features.store import build_feature_store
        from genre_utils.features.kinds import FeatureConfig
        if __name__ == "__main__":
            tracks = pd.read_csv({str(tmp_path / "tracks.csv")!r}, dtype={{"track_id": str}})
            try:
                build_feature_store(tracks, "stop", FeatureConfig(clip_seconds={CLIP_SECONDS}),
                                    cache_dir={str(cache)!r}, workers=2, chunk_size=1, progress=False)
            except KeyboardInterrupt:
                raise SystemExit(130)
    """)
    environment = dict(
        os.environ,
        GENRE_TEST_SLOW_SECONDS="120",  # the slow chunks hang
        DASK_DISTRIBUTED__WORKER__PRELOAD=json.dumps([str(PRELOAD)]),
    )
    environment.pop(SCHEDULER_ENV, None)
    (tmp_path / "run.py").write_text(script)
    with open(tmp_path / "out.txt", "wb") as out:
        process = subprocess.Popen(
            [sys.executable, str(tmp_path / "run.py")],
            env=environment,
            cwd=tmp_path,
            stdout=out,
            start_new_session=True,
            preexec_fn=interruptible,
        )
    records = store_directory(tracks, "stop", TINY, cache) / "chunks"
    workers = []
    try:
        deadline = time.time() + START_SECONDS
        while time.time() < deadline and len(list(records.glob("*.json"))) < 3:
            time.sleep(0.05)
        assert len(list(records.glob("*.json"))) == 3, "the fast chunks did not finish"
        time.sleep(0.5)  # both workers now wait in a slow chunk
        workers = psutil.Process(process.pid).children(recursive=True)
        assert len(workers) >= 2
        started = time.time()
        if stop == "ctrl_c":
            os.killpg(process.pid, signal.SIGINT)  # Ctrl-C in a terminal: the whole process group
        else:
            process.kill()  # the calling process only: its workers must notice by themselves
        process.wait(timeout=30)
        assert time.time() - started < 10, "stopping took too long"
        assert process.returncode == (130 if stop == "ctrl_c" else -signal.SIGKILL)
        assert not [w.pid for w in psutil.wait_procs(workers, timeout=10)[1]], "workers outlived the stopped run"
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        for worker in workers:
            if worker.is_running():
                worker.kill()
    assert len(list(records.glob("*.json"))) == 3 and not (records.parent / "index.csv").exists()
    assert re.match(
        r"extracting on a LocalCluster of 2 single-threaded worker processes; "
        r"Dask dashboard: http://127\.0\.0\.1:\d+/status\n",
        (tmp_path / "out.txt").read_text(),
    )

    with counting_extracted_chunks() as calls:
        resumed = build_feature_store(tracks, "stop", TINY, cache_dir=cache, workers=1, chunk_size=1, progress=False)
    assert len(calls) == 2  # only the slow chunks
    fresh = build_feature_store(tracks, "stop", TINY, cache_dir=tmp_path / "fresh", workers=1, progress=False)
    assert_same_store(resumed, fresh)  # the forked LocalCluster's shards equal the inline ones, bit for bit


def test_local_workers_fork_unless_tensorflow_is_loaded(monkeypatch):
    from genre_utils.features.cluster import worker_start_method

    monkeypatch.delitem(sys.modules, "tensorflow", raising=False)
    assert worker_start_method() == "fork"  # inherits the imports: starts in a fraction of a second
    monkeypatch.setitem(sys.modules, "tensorflow", object())
    assert worker_start_method() == "spawn"  # a forked TensorFlow runtime can deadlock

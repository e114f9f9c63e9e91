"""Every command the README shows runs, read from the README itself (:mod:`readme_commands`).

Each command is matched by one rule of :data:`RULES`; a README command no rule knows fails
:func:`test_every_readme_command_has_a_rule` (so a new command needs a way to run here). Each rule
runs its commands for real, on small data where the README's own would take hours:

- ``make ...``: ``make -n`` shows what the Makefile runs; those ``python -m genre_utils.X`` lines run.
  ``make report`` on a real dataset runs with ``--dry-run`` (every parameter checked, every
  notebook planned; the notebooks themselves need the downloaded data, and run on the embedded set in
  ``test_notebooks.py``); ``make data`` downloads from a server on 127.0.0.1 that serves tiny copies of
  the archives in their real layout, then validates and extracts; ``make lab`` starts JupyterLab,
  which must serve the notebooks with the project's kernel and stop cleanly.
- ``python -m genre_utils.run``: as written on a tiny GTZAN (downloaded as above) with one seed and
  two epochs, including a final model from a split file without test tracks, which ``predict`` then uses.
- ``dask scheduler`` / ``dask worker``: started on 127.0.0.1 (ports chosen free), and the extraction
  command run against them.
- ``git clone``: this repository cloned; ``export GENRE_DATA_DIR``: honoured by the data paths;
  ``pip install "tensorflow[and-cuda]..."``: the pinned version is the one installed here (the GPU
  wheels are a user's download); ``python -c``: run as written.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import tarfile
import time
import urllib.request
from pathlib import Path

import pandas as pd
import pytest
from audio_fixtures import tone, write_gtzan_like, write_wav
from fma_fixtures import build_zip, sha1sum_listing, tracks_csv
from http_server import Behaviour, LocalServer
from readme_commands import arguments_after, option_values, readme_commands, replace_option

from genre_utils import paths, predict, prepare, run
from genre_utils.data.datasets import dataset_root, fma_large, fma_medium, fma_small, gtzan
from genre_utils.features.extraction import prepare_features
from genre_utils.study import report

PROJECT = paths.PROJECT_ROOT
COMMANDS = readme_commands()
RULES = {  # rule -> pattern every command it runs matches (exactly one rule per command)
    "make report": r"make report\b.*",
    "report command": r"\.venv/bin/python -m genre_utils\.report .*",
    "make test": r"make test",
    "make lab": r"make lab",
    "make data": r"make data DATASET=\w+",
    "data command": r"\.venv/bin/python -m genre_utils\.data (download|validate|extract) --dataset \w+"
    r"( --features \w+)?",
    "run command": r"\.venv/bin/python -m genre_utils\.run .*",
    "predict command": r"\.venv/bin/python -m genre_utils\.predict .*",
    "dask": r"\.venv/bin/dask (scheduler|worker .*)|.* --scheduler 'tcp://<host>:8786'",
    "clone": r"git clone .*|cd genre-study",
    "data folder": r"export GENRE_DATA_DIR=\S+",
    "gpu": r"\.venv/bin/pip install 'tensorflow\[and-cuda\]==[\d.]+'|\.venv/bin/python -c .*",
}
GENRES = ("blues", "rock")  # the tiny GTZAN the commands run on
CLIPS, SECONDS = 24, 3.0  # the thesis split tests 20 tracks a genre
SMALL = ["--epochs", "2"]  # every training command: two epochs (and one seed), not hours
START_SECONDS = 120  # for servers to come up on a loaded 2-core machine


def rule_of(command: str) -> list[str]:
    return [name for name, pattern in RULES.items() if re.fullmatch(pattern, command)]


def commands_of(rule: str) -> list[str]:
    return [command for command in COMMANDS if rule_of(command) == [rule]]


def test_the_command_line_and_the_notebooks_share_their_defaults():
    import ast

    import papermill

    declared = papermill.inspect_notebook(str(PROJECT / "notebooks" / "03_training.ipynb"))
    parser = run.build_parser()
    assert parser.get_default("splits") == [ast.literal_eval(declared["split"]["default"])]
    for name in ("folds", "segment_seconds", "seeds", "epochs", "batch_size", "patience"):
        notebook = ast.literal_eval(declared[name]["default"])
        assert parser.get_default(name) == notebook, (name, parser.get_default(name), notebook)


def make_commands(command: str) -> list[str]:
    """The ``python -m genre_utils.X`` lines ``make -n`` shows for a README ``make`` command."""
    shown = subprocess.run(
        ["make", "-n", *shlex.split(command)[1:]], cwd=PROJECT, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    return [line for line in shown if " -m genre_utils." in line]


def test_every_readme_command_has_a_rule():
    assert len(COMMANDS) >= 20, COMMANDS
    unknown = [command for command in COMMANDS if len(rule_of(command)) != 1]
    assert not unknown, f"README commands no rule (or several) of test_readme_commands runs: {unknown}"
    unused = [name for name in RULES if not commands_of(name)]
    assert not unused, f"rules no README command uses any more: {unused}"


# ---------------------------------------------------------------- the tiny GTZAN, downloaded from 127.0.0.1


@pytest.fixture(scope="module")
def gtzan_server(tmp_path_factory):
    """A 127.0.0.1 server with a tiny GTZAN archive and fault-filtered lists; gtzan's remotes point at it."""
    folder = tmp_path_factory.mktemp("gtzan_source")
    source = write_gtzan_like(folder, genres=GENRES, clips=CLIPS, seconds=SECONDS)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        archive.add(source / "genres", arcname="genres")
    sides = {
        "train_filtered.txt": range(0, 14),
        "valid_filtered.txt": range(14, 18),
        "test_filtered.txt": range(18, 24),
    }
    lists = {
        name: "".join(f"{g}/{g}.{i:05d}.wav\n" for g in GENRES for i in numbers).encode()
        for name, numbers in sides.items()
    }
    with LocalServer() as server, pytest.MonkeyPatch.context() as patch:
        server.files["/genres.tar.gz"] = Behaviour(buffer.getvalue())
        for name, body in lists.items():
            server.files[f"/lists/{name}"] = Behaviour(body)
        patch.setattr(gtzan, "ARCHIVE_URLS", (server.url("/genres.tar.gz"),))
        patch.setattr(gtzan, "ARCHIVE_SHA256", hashlib.sha256(buffer.getvalue()).hexdigest())
        patch.setattr(gtzan, "SPLIT_LIST_BASE_URL", server.url("/lists/"))
        patch.setattr(gtzan, "SPLIT_LIST_SHA256", {n: hashlib.sha256(b).hexdigest() for n, b in lists.items()})
        yield server


@pytest.fixture(scope="module")
def workspace(tmp_path_factory, gtzan_server):
    """A data root and a working folder for the module; ``make data DATASET=gtzan`` run into it, as written."""
    folder = tmp_path_factory.mktemp("readme")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GENRE_DATA_DIR", str(folder / "data"))
        patch.delenv("GENRE_CACHE_DIR", raising=False)
        patch.chdir(folder)
        printed = [run_data_line(line) for line in make_commands("make data DATASET=gtzan")]
        yield {"root": folder, "data": folder / "data", "results": folder / "build" / "results", "printed": printed}


def run_data_line(line: str) -> int:
    """One ``python -m genre_utils.data ...`` line, in this process (the remotes patched to 127.0.0.1)."""
    status = prepare.main([*arguments_after(line, "genre_utils.data"), "--quiet"])
    assert status == 0, line
    return status


def test_make_data_for_gtzan_downloads_validates_and_extracts(workspace, gtzan_server):
    assert ("/genres.tar.gz", None) in gtzan_server.requests
    tracks = pd.read_csv(workspace["data"] / "gtzan" / "tracks.csv")
    assert len(tracks) == len(GENRES) * CLIPS and (tracks["status"] == "ok").all()
    store = prepare_features("gtzan", workers=1, progress=False)
    assert store.features.shape[0] == len(GENRES) * CLIPS


@pytest.mark.parametrize("command", commands_of("data command"))
def test_data_commands_run_as_written(command, workspace):
    assert prepare.main(arguments_after(command, "genre_utils.data")) == 0


@pytest.fixture
def fma_server(mp3_bytes, tmp_path, monkeypatch):
    """Serve tiny FMA archives of every subset (in FMA's own layout, with its checksums files) on 127.0.0.1."""
    from test_fma_subsets import audio_members, fake_rows

    modules = {"fma_small": fma_small, "fma_medium": fma_medium, "fma_large": fma_large}
    served = tmp_path / "served"
    served.mkdir()
    with LocalServer() as server:
        metadata = build_zip(served / "fma_metadata.zip", {"fma_metadata/tracks.csv": tracks_csv(fake_rows()).encode()})
        for name, module in modules.items():
            members = {f"{module.DATASET.name}/README.txt": b"tiny\n", **audio_members(name.split("_")[1], mp3_bytes)}
            members[f"{module.DATASET.name}/checksums"] = sha1sum_listing(members)
            audio = build_zip(served / f"{name}.zip", members)
            remotes = {}
            for key, facts in (("metadata", metadata), ("audio", audio)):
                spec = dict(module.DATASET.archives[key])
                path = f"/{name}/{spec['filename']}"
                server.files[path] = Behaviour((served / spec["filename"]).read_bytes())
                spec.update(urls=(server.url(path),), known_hash=f"sha1:{facts['sha1']}", size=facts["size"])
                remotes[key] = spec
            for key, spec in remotes.items():
                monkeypatch.setitem(module.DATASET.archives, key, spec)
        monkeypatch.setenv("GENRE_DATA_DIR", str(tmp_path / "data"))
        yield server


@pytest.mark.parametrize("command", sorted(set(commands_of("make data")) - {"make data DATASET=gtzan"}))
def test_make_data_for_fma_downloads_validates_and_extracts(command, fma_server, tmp_path):
    dataset = command.split("DATASET=")[1]
    lines = make_commands(command)
    assert [shlex.split(line)[3] for line in lines] == ["download", "validate", "extract"]
    for line in lines:
        run_data_line(line)
    assert any(path.endswith(f"{dataset}.zip") for path, _ in fma_server.requests)
    assert (tmp_path / "data" / dataset / "tracks.csv").is_file()


# ---------------------------------------------------------------- the report


@pytest.mark.parametrize("command", commands_of("make report") + commands_of("report command"))
def test_report_commands_check_every_parameter_and_plan_the_notebooks(command, capsys):
    lines = make_commands(command) if command.startswith("make") else [command]
    assert len(lines) == 1, lines
    assert report.main([*arguments_after(lines[0], "genre_utils.report"), "--dry-run"]) == 0
    plan = capsys.readouterr().out
    planned = re.findall(r"^would run (\S+) with ", plan, re.M)
    assert {name.split("-")[0] for name in planned} == {p.stem for p in report.notebook_paths()}, plan


def test_make_test_is_what_ci_runs():
    assert (PROJECT / ".ci" / "run").read_text().rstrip().endswith("make test")
    shown = subprocess.run(["make", "-n", "test"], cwd=PROJECT, capture_output=True, text=True, check=True).stdout
    assert "-m pytest" in shown


@pytest.mark.slow
def test_make_lab_serves_the_notebooks_with_the_project_kernel_and_stops_cleanly(tmp_path):
    """``make lab`` as written (also as root); its port and token come from a Jupyter config file."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    token = "readme-test"
    config = tmp_path / "config"
    config.mkdir()
    (config / "jupyter_server_config.json").write_text(
        json.dumps(
            {
                "ServerApp": {"port": port, "ip": "127.0.0.1", "open_browser": False},
                "IdentityProvider": {"token": token},
            }
        )
    )
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(config), "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime")}
    lab = subprocess.Popen(
        ["make", "lab"],
        cwd=PROJECT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.time() + START_SECONDS
        while True:
            try:
                request = urllib.request.Request(
                    f"http://127.0.0.1:{port}/api/kernelspecs", headers={"Authorization": f"token {token}"}
                )
                with urllib.request.urlopen(request, timeout=10) as response:
                    specs = json.loads(response.read())["kernelspecs"]
                break
            except OSError:
                assert lab.poll() is None, f"make lab exited at once:\n{lab.stdout.read()}"
                assert time.time() < deadline, "JupyterLab did not answer"
                time.sleep(0.5)
        assert "genre-study" in specs
        with urllib.request.urlopen(
            urllib.request.Request(
                f"http://127.0.0.1:{port}/api/contents/{report.notebook_paths()[0].name}",
                headers={"Authorization": f"token {token}"},
            ),
            timeout=10,
        ) as response:
            assert json.loads(response.read())["type"] == "notebook"
    finally:
        os.killpg(lab.pid, signal.SIGTERM)
        output, _ = lab.communicate(timeout=60)
    assert "Shutting down" in output and "Traceback" not in output, output[-3000:]


# ---------------------------------------------------------------- training, a final model, predict


def small_run_arguments(command: str, workspace) -> list[str]:
    """The command's arguments with one seed, two epochs and the results in the workspace."""
    arguments = arguments_after(command, "genre_utils.run")
    seeds = option_values(arguments, "--seeds") or ["0"]
    arguments = replace_option(arguments, "--seeds", seeds[:1])
    arguments = replace_option(arguments, "--results", [str(workspace["results"])])
    return [*arguments, *SMALL, "--workers", "1"]


@pytest.mark.slow
@pytest.mark.parametrize("command", [c for c in commands_of("run command") if "--split-file" not in c])
def test_run_commands_train_and_evaluate(command, workspace, capsys, monkeypatch):
    from genre_utils.features import cluster

    def no_cluster(*args, **kwargs):  # --workers 1 extracts inline, the augmentation copies too
        raise AssertionError("a LocalCluster was started despite --workers 1")

    monkeypatch.setattr(cluster, "local_cluster", no_cluster)
    assert run.main(small_run_arguments(command, workspace)) == 0
    out = capsys.readouterr().out
    trained = re.findall(r"^\[\d+/\d+\] gtzan (\S+): accuracy ", out, re.M)
    assert trained, out
    models = option_values(arguments_after(command, "genre_utils.run"), "--models") or None
    if models:
        assert {name.split("-")[0] for name in trained} == set(models)
    copies = option_values(arguments_after(command, "genre_utils.run"), "--augment")
    if copies:  # trained with degraded copies: its own runs, named so
        assert all(name.endswith(f"-aug{copies[0]}") for name in trained), trained
    assert "mean" in out  # the summary across seeds


@pytest.fixture(scope="module")
def final_model(workspace):
    """The README's final-model command, with its split file of training and validation tracks only."""
    command = next(c for c in commands_of("run command") if "--split-file" in c)
    split_file = option_values(arguments_after(command, "genre_utils.run"), "--split-file")[0]
    tracks = pd.read_csv(workspace["data"] / "gtzan" / "tracks.csv")
    sides = ["valid" if int(track[-5:]) < 4 else "train" for track in tracks["track_id"]]
    pd.DataFrame({"track_id": tracks["track_id"], "side": sides}).to_csv(workspace["root"] / split_file, index=False)
    output = io.StringIO()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sys, "stdout", output)
        status = run.main(small_run_arguments(command, workspace))
    return status, output.getvalue()


@pytest.mark.slow
def test_the_final_model_command_says_what_it_made_and_how_to_use_it(final_model):
    status, out = final_model
    assert status == 0, out
    assert re.search(r"final model on 40 training tracks, no test tracks \(trained in \d+ s\)", out), out
    folder = re.search(r"^final model \(cnn: .*\) saved in (\S+)$", out, re.M)
    assert folder and Path(folder.group(1)).is_dir(), out
    assert f"python -m genre_utils.predict FILE [FILE ...] --run {folder.group(1)}" in out
    result = json.loads((Path(folder.group(1)) / "result.json").read_text())
    assert result["accuracy"] is None and result["test_tracks"] == 0 and isinstance(result["learned"], bool)


@pytest.mark.slow
@pytest.mark.parametrize("command", commands_of("predict command"))
def test_predict_classifies_the_readme_files_with_the_final_model(command, final_model, workspace, capsys):
    out = final_model[1]
    folder = re.search(r"saved in (\S+)$", out, re.M).group(1)
    arguments = arguments_after(command, "genre_utils.predict")
    files = [word for word in arguments if not word.startswith("--") and Path(word).suffix]
    for name in files:
        write_wav(workspace["root"] / Path(name).with_suffix(".wav").name, tone(4.0))
        if Path(name).suffix != ".wav":
            import soundfile

            samples, rate = soundfile.read(str(workspace["root"] / Path(name).with_suffix(".wav").name))
            soundfile.write(str(workspace["root"] / name), samples, rate, format=Path(name).suffix[1:].upper())
    run_option = option_values(arguments, "--run")
    assert run_option and Path(run_option[0]).name == Path(folder).name, "the README names the final model's folder"
    arguments = replace_option(arguments, "--run", [folder])
    assert predict.main([*arguments, "--no-tags"]) == 0
    printed = capsys.readouterr().out
    for name in files:
        assert re.search(rf"^{re.escape(name)} \(\d+\.\d s, \d+ segments\)$", printed, re.M), printed
    assert predict.load_run(folder).spec["split"] == "file"


# ---------------------------------------------------------------- Dask, clone, data folder, GPU line


@pytest.mark.slow
def test_dask_scheduler_and_workers_then_extract_on_them(workspace, tmp_path):
    scheduler_command, worker_command = commands_of("dask")[:2]
    extract_command = commands_of("dask")[2]
    scheduler_file = tmp_path / "scheduler.json"
    bin_dir = Path(sys.executable).parent
    started = [
        subprocess.Popen(
            [
                str(bin_dir / "dask"),
                *shlex.split(scheduler_command)[1:],
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--dashboard-address",
                "127.0.0.1:0",
                "--scheduler-file",
                str(scheduler_file),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
    ]
    try:
        deadline = time.time() + START_SECONDS
        while not scheduler_file.is_file() and time.time() < deadline and started[0].poll() is None:
            time.sleep(0.2)
        address = json.loads(scheduler_file.read_text())["address"]
        worker = [word.replace("tcp://<host>:8786", address) for word in shlex.split(worker_command)[1:]]
        started.append(
            subprocess.Popen([str(bin_dir / "dask"), *worker], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        )
        arguments = [
            w.replace("tcp://<host>:8786", address) for w in arguments_after(extract_command, "genre_utils.data")
        ]
        assert prepare.main([*arguments, "--cache-dir", str(tmp_path / "cache"), "--quiet"]) == 0
        assert (tmp_path / "cache" / "features" / "gtzan").is_dir()
    finally:
        for process in reversed(started):
            process.terminate()
        for process in started:
            process.wait(timeout=60)


def test_git_clone_gives_a_working_copy(tmp_path):
    clone, change = commands_of("clone")
    target = shlex.split(clone)[-1]
    assert change == f"cd {target}"
    subprocess.run(["git", "clone", "--quiet", str(PROJECT), str(tmp_path / target)], check=True)
    for name in ("README.md", "Makefile", "requirements.txt", "notebooks", "genre_utils", "tests"):
        assert (tmp_path / target / name).exists(), name


def test_the_data_folder_variable_moves_every_dataset(monkeypatch, tmp_path):
    (command,) = commands_of("data folder")
    monkeypatch.setenv("GENRE_DATA_DIR", str(tmp_path / Path(command.split("=", 1)[1]).name))
    assert dataset_root("gtzan") == tmp_path / "datasets" / "gtzan"
    assert dataset_root("fma_small") == tmp_path / "datasets" / "fma_small"


def test_the_gpu_lines_name_the_installed_tensorflow_and_run():
    install, check = commands_of("gpu")
    pinned = re.search(r"^tensorflow==([\d.]+)$", (PROJECT / "requirements.txt").read_text(), re.M).group(1)
    assert install.endswith(f"=={pinned}'"), (install, pinned)
    import tensorflow as tf

    assert tf.__version__ == pinned
    code = shlex.split(check)[2]
    printed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True)
    assert printed.stdout.strip().startswith("["), printed.stdout

"""`python -m genre_utils.report` (`make report`): mistakes stop it before any work, failures are short,
progress is shown, and the console carries no library noise."""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from genre_utils.study import parameters, report
from genre_utils.study.settings import StudySettings


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["--param", "epoch=1"], "unknown parameter 'epoch' .did you mean epochs"),
        (["--param", "zzz=1"], "unknown parameter 'zzz'; the parameters are audio_path, augment,"),
        (["--param", "split=offical"], "split 'offical' .did you mean official"),
        (["--dataset", "gtzn"], "dataset 'gtzn'.*did you mean gtzan"),
        (["--dataset", "fma_large", "--param", "split=thesis"], "thesis.*fma_large"),
        (["--param", 'models=["transformer"]'], "model 'transformer'"),
        (["--param", 'feature_study=["mfccs"]'], "feature_study kind 'mfccs'"),
        (["--param", 'readings=["cnn_sideways"]'], "reading 'cnn_sideways'"),
        (["--param", "tagger=MSD"], "tagger 'MSD'"),
        (["--param", "n_mels=0"], "n_mels"),
    ],
)
def test_a_wrong_parameter_stops_the_report_at_once_with_one_line(tmp_path, capsys, arguments, message):
    build = tmp_path / "build"
    assert report.main(["--build", str(build), *arguments]) == 2
    captured = capsys.readouterr()
    assert len(captured.err.splitlines()) == 1, captured.err
    assert re.match(f"error: .*{message}", captured.err), captured.err
    assert captured.out == ""  # no notebook started
    assert not build.exists()  # and no build folder left behind


def test_good_parameters_pass_the_check():
    parameters.check_report_parameters(
        {
            "dataset": "fma_small",
            "split": "official",
            "seeds": [0, 1],
            "epochs": 3,
            "segment_seconds": 0,
            "data_root": None,
            "hop_seconds": 0.5,
            "models": ["cnn", "svm"],
            "feature_study": [],
            "features": "mfcc",
            "leakage_demo": False,
            "output_dir": "/tmp/x",
            "tagger": "MTT_musicnn",
        },
        report.notebook_paths(),
    )


def test_a_dataset_without_the_default_split_gets_its_own_unless_one_is_asked_for():
    notebooks = report.notebook_paths()
    assert report.dataset_split({"dataset": "fma_medium"}, notebooks) == "official"  # no thesis split there
    assert report.dataset_split({"dataset": "fma_medium", "split": "kfold"}, notebooks) is None
    assert report.dataset_split({"dataset": "gtzan"}, notebooks) is None  # the thesis split applies


def test_every_notebook_parameter_is_declared_by_the_settings_or_the_notebook_parameters():
    declared = {*StudySettings.model_fields, "model", "split", *parameters.NotebookParameters.__annotations__}
    assert parameters.known_parameters(report.notebook_paths()) <= declared


def test_the_command_line_rejects_an_unknown_parameter_within_seconds(tmp_path):
    build = tmp_path / "build"
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "genre_utils.study.report", "--build", str(build), "--param", "epoch=1"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.splitlines() == ["error: unknown parameter 'epoch' (did you mean epochs?)"]
    assert not build.exists()
    assert time.monotonic() - started < 30


def failing_notebook(folder: Path) -> Path:
    """A numbered notebook whose third code cell fails, after importing TensorFlow and printing a line of its own."""
    notebook = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(
        'dataset: str = "synthetic"  # dataset\noutput_dir: str = "."  # results\nx: int = 1  # a value'
    )
    cell.metadata["tags"] = ["parameters"]
    notebook.cells = [
        nbformat.v4.new_markdown_cell("# A notebook that fails"),
        cell,
        nbformat.v4.new_code_cell("import os\nimport tensorflow\nos.write(2, b'a line of the notebook\\n')"),
        nbformat.v4.new_code_cell('raise ValueError(f"bad value {x}\\nsecond line")'),
    ]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = folder / "01_fails.ipynb"
    nbformat.write(notebook, path)
    return path


def test_a_failing_cell_stops_the_report_with_the_notebook_the_cell_and_the_error(tmp_path, capsys, monkeypatch):
    notebook = failing_notebook(tmp_path)
    monkeypatch.setattr(report, "notebook_paths", lambda folder=None: [notebook])
    assert report.main(["--build", str(tmp_path / "build"), "--param", "x=2"]) == 1
    captured = capsys.readouterr()
    executed = tmp_path / "build" / "synthetic" / "notebooks" / "01_fails.ipynb"
    # cells executed: parameters (1), the injected parameters (2), the printing cell (3), the failing one (4)
    assert captured.err.splitlines() == [
        "error: 01_fails failed in cell 4: ValueError: bad value 2 second line",
        f"the executed notebook with the full traceback: {executed}",
    ]
    assert "bad value 2" in executed.read_text()  # the executed notebook keeps the traceback
    assert "running 01_fails (1/1)" in captured.out
    assert "  01_fails: 100%" in captured.out and "5/5" in captured.out  # papermill's progress: cells done of total


def test_the_report_console_shows_the_notebooks_lines_but_no_library_noise(tmp_path):
    """What `make report` prints: the kernel's own lines pass, TensorFlow's start-up lines do not appear."""
    notebook = failing_notebook(tmp_path)
    code = (
        "from pathlib import Path\nfrom genre_utils.quiet import quiet\nquiet()\n"
        "from genre_utils.study import report\n"
        f"report.run_notebooks({{'dataset': 'synthetic'}}, Path({str(tmp_path)!r}), [Path({str(notebook)!r})])"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("TF_CPP_MIN_LOG_LEVEL", "GENRE_VERBOSE_TF")}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, env=env)
    assert "PapermillExecutionError" in done.stderr
    assert "a line of the notebook" in done.stderr  # printed by the kernel, passed through
    assert report.NOISE.search(done.stderr) is None and "IPKernelApp" not in done.stderr, done.stderr


def test_the_index_shows_paths_inside_the_project_relative_to_its_root():
    from genre_utils.paths import PROJECT_ROOT

    parameters = {
        "dataset": "gtzan",
        "output_dir": str(PROJECT_ROOT / "build" / "results"),
        "data_root": "/mnt/music/gtzan",
        "audio_path": str(PROJECT_ROOT / "data" / "my clip.wav"),
        "seeds": [0, 1],
        "split": "thesis",
    }
    page = report._index_page([Path("03_training-cnn.html")], parameters)
    shown = html.unescape(page.split("<p>Parameters: <code>")[1].split("</code>")[0])
    assert json.loads(shown) == {**parameters, "output_dir": "build/results", "audio_path": "data/my clip.wav"}
    assert str(PROJECT_ROOT) not in page
    assert parameters["output_dir"] == str(PROJECT_ROOT / "build" / "results")  # the caller's dict is unchanged


# Printed by TensorFlow 2.21 / absl into the notebooks' outputs, and third-party warnings with their source line.
LIBRARY_NOISE = [
    "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n",
    "I0000 00:00:1795845008.305752   12152 cudart_stub.cc:31] Could not find cuda drivers on your machine\n",
    "To enable the following instructions: AVX2 FMA, in other operations, rebuild TensorFlow with the appropriate "
    "compiler flags.\n",
    "E0000 00:00:1783190786.420393    3712 node_def_util.cc:682] NodeDef mentions attribute use_unbounded_threadpool\n",
    "2025-11-14 15:38:01.408973: E tensorflow/core/framework/node_def_util.cc:680] NodeDef mentions attribute\n",
    "/w/.venv/lib/python3.11/site-packages/tqdm/auto.py:21: TqdmWarning: IProgress not found. Please update\n",
    "  from .autonotebook import tqdm as notebook_tqdm\n",
    "C:\\Python311\\Lib\\site-packages\\sklearn\\base.py:12: FutureWarning: soon gone\n",
    "  warnings.warn(\n",
]
OWN_LINES = [
    "F0000 00:00:1795845123.609445   12550 check.cc:1] Check failed: a fatal error stays visible\n",
    "/w/genre_utils/models/training.py:40: UserWarning: the project's own warning stays\n",
    "  warnings.warn('the project's own warning stays')\n",
    "/tmp/ipykernel_1/123.py:3: FutureWarning: raised from a notebook cell, so the project can fix it\n",
    "    indented text the project printed\n",
    "extracting on 2 workers\n",
]


def test_the_html_report_drops_library_noise_but_keeps_the_notebooks_own_output(tmp_path):
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import pooch")])
    interleaved = "".join(LIBRARY_NOISE[:2] + OWN_LINES[:3] + LIBRARY_NOISE[2:7] + OWN_LINES[3:4])
    notebook.cells[0].outputs = [
        nbformat.v4.new_output("stream", name="stderr", text="".join(LIBRARY_NOISE)),  # only noise: dropped
        nbformat.v4.new_output("stream", name="stderr", text=interleaved + "".join(LIBRARY_NOISE[7:] + OWN_LINES[4:])),
        nbformat.v4.new_output("stream", name="stdout", text=LIBRARY_NOISE[1]),  # printed by the notebook itself
    ]
    executed = tmp_path / "01_x.ipynb"
    nbformat.write(notebook, executed)
    page = report.export_html(executed, tmp_path).read_text()  # the export applies the preprocessor
    assert "NodeDef" not in page and "IProgress" not in page and "extracting on 2 workers" in page
    cleaned, _ = report.DropLibraryNoise().preprocess(notebook, {})
    assert [(output["name"], output["text"]) for output in cleaned.cells[0].outputs] == [
        ("stderr", "".join(OWN_LINES)),
        ("stdout", LIBRARY_NOISE[1]),
    ]

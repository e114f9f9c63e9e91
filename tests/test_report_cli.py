"""`python -m genre_utils.report` (`make report`): mistakes stop it before any work, failures are short,
progress is shown, and the console carries no library noise."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from genre_utils.study import parameters, report

NOISE_LINE = (
    "E0000 00:00:1783190786.420393    3712 node_def_util.cc:682] NodeDef mentions attribute "
    "use_unbounded_threadpool which is not in the op definition: Op<name=MapDataset>"
)


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["--param", "epoch=1"], "error: unknown parameter 'epoch' (did you mean epochs?)"),
        (["--param", "segment_second=2"], "error: unknown parameter 'segment_second' (did you mean segment_seconds, "),
        (
            ["--param", "zzz=1"],
            "error: unknown parameter 'zzz'; the notebooks' parameters are audio_path, augment, augment_copies,",
        ),
        (
            ["--param", "split=offical"],
            "error: unknown split 'offical'; expected one of thesis, fault_filtered, official,",
        ),
        (["--param", "seeds=abc"], "error: seeds must be a non-empty list of integers >= 0, got 'abc'"),
        (["--param", "seeds=[0,0]"], "error: seeds must be distinct, got [0, 0]"),
        (["--param", "epochs=-1"], "error: epochs must be an integer >= 1, got -1"),
        (["--param", "patience=1.5"], "error: patience must be an integer >= 0, got 1.5"),
        (
            ["--param", "segment_seconds=-1"],
            "error: segment_seconds must be 0 (whole clips) or a positive number, got -1",
        ),
        (["--dataset", "gtzn"], "error: unknown dataset 'gtzn'; expected one of synthetic, gtzan, fma_small"),
        (
            ["--dataset", "fma_large", "--param", "split=thesis"],
            "error: split 'thesis' applies to synthetic, gtzan, fma_small only, not 'fma_large'",
        ),
        (["--param", 'models=["transformer"]'], "error: unknown model 'transformer'; expected one of cnn,"),
        (["--param", 'feature_study=["mfccs"]'], "error: unknown feature_study kind 'mfccs'; expected one of mfcc,"),
        (["--param", "features=chroma"], "error: unknown features for crnn 'chroma'; expected one of logmel, mfcc"),
        (
            ["--param", 'readings=["cnn_sideways"]'],
            "error: readings: unknown reading 'cnn_sideways'; expected one of cnn_frames_first,",
        ),
        (["--param", "tagger=MSD"], "error: unknown tagger 'MSD'; expected one of MTT_musicnn, MSD_musicnn"),
        (["--param", "leakage_demo=yes"], "error: leakage_demo must be true or false, got 'yes'"),
        (["--param", "data_root=3"], "error: data_root must be a string or null, got 3"),
    ],
)
def test_a_wrong_parameter_stops_the_report_at_once_with_one_line(tmp_path, capsys, arguments, message):
    build = tmp_path / "build"
    assert report.main(["--build", str(build), *arguments]) == 2
    captured = capsys.readouterr()
    assert len(captured.err.splitlines()) == 1, captured.err
    assert captured.err.startswith(message), captured.err
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


def test_types_come_from_the_annotations_of_the_parameters_cells():
    assert parameters.fits_type(None, "Optional[float]") and parameters.fits_type(2, "Optional[float]")
    assert not parameters.fits_type("2", "Optional[float]") and not parameters.fits_type(True, "int")
    assert parameters.fits_type([1, 2], "list[int]") and not parameters.fits_type([1, "a"], "list[int]")
    assert parameters.fits_type("all", "Union[str, list[str]]")
    assert parameters.describe_type("Optional[str]") == "a string or null"
    known = parameters.known_parameters(report.notebook_paths())
    assert known["epochs"] == "int" and known["seeds"] == "list[int]" and known["data_root"] == "Optional[str]"
    assert {"models", "feature_study"} <= set(known)


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
    assert done.stderr == "error: unknown parameter 'epoch' (did you mean epochs?)\n"
    assert not build.exists()
    assert time.monotonic() - started < 30


def failing_notebook(folder: Path) -> Path:
    """A numbered notebook whose third code cell fails, after printing a TensorFlow line and a line of its own."""
    notebook = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(
        'dataset: str = "synthetic"  # dataset\noutput_dir: str = "."  # results\nx: int = 1  # a value'
    )
    cell.metadata["tags"] = ["parameters"]
    notebook.cells = [
        nbformat.v4.new_markdown_cell("# A notebook that fails"),
        cell,
        nbformat.v4.new_code_cell(
            f"import os\nos.write(2, b'{NOISE_LINE}\\n')\nos.write(2, b'a line of the notebook\\n')"
        ),
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
    assert "  01_fails: cell 4/4, " in captured.out  # progress: code cells done of total, elapsed time


def test_the_report_console_shows_the_notebooks_lines_but_no_library_noise(tmp_path):
    """What `make report` prints: a kernel's TensorFlow lines reach the report's stderr and are dropped there."""
    notebook = failing_notebook(tmp_path)
    code = (
        "import sys\nfrom pathlib import Path\nfrom genre_utils.quiet import quiet_stderr\nquiet_stderr()\n"
        "from genre_utils.study import report\n"
        f"report.run_notebooks({{'dataset': 'synthetic'}}, Path({str(tmp_path)!r}), [Path({str(notebook)!r})])"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "0"},
    )
    assert "PapermillExecutionError" in done.stderr
    assert "a line of the notebook" in done.stderr  # printed by the kernel, passed through
    assert "NodeDef" not in done.stderr and "IPKernelApp" not in done.stderr, done.stderr


def test_progress_is_one_rewritten_line_on_a_terminal_and_few_lines_in_a_log():
    cells = [nbformat.v4.new_code_cell("1"), nbformat.v4.new_markdown_cell("m"), nbformat.v4.new_code_cell("2")]
    notebook = nbformat.v4.new_notebook(cells=cells)

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    terminal = Terminal()
    progress = report.Progress("03_training-cnn", terminal)
    for cell in cells:
        progress.cell_done(cell, notebook)
    progress.close()
    assert terminal.getvalue().count("\n") == 1
    assert terminal.getvalue().split("\r")[1:] == [
        "  03_training-cnn: cell 1/2, 0 s\x1b[K",
        "  03_training-cnn: cell 2/2, 0 s\x1b[K",
        "  03_training-cnn: cell 2/2, 0 s\x1b[K\n",
    ]
    log = io.StringIO()
    progress = report.Progress("02_features", log, every_s=3600)
    for cell in cells:
        progress.cell_done(cell, notebook)
    progress.close()
    assert log.getvalue() == "  02_features: cell 2/2, 0 s\n"


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
    shown = page.split("<p>Parameters: <code>")[1].split("</code>")[0]
    assert shown == (
        "{&quot;dataset&quot;: &quot;gtzan&quot;, &quot;output_dir&quot;: &quot;build/results&quot;, "
        "&quot;data_root&quot;: &quot;/mnt/music/gtzan&quot;, "
        "&quot;audio_path&quot;: &quot;data/my clip.wav&quot;, &quot;seeds&quot;: [0, 1], "
        "&quot;split&quot;: &quot;thesis&quot;}"
    )
    assert str(PROJECT_ROOT) not in page
    assert parameters["output_dir"] == str(PROJECT_ROOT / "build" / "results")  # the caller's dict is unchanged


def test_the_html_report_drops_library_warnings_and_noise_but_keeps_the_notebooks_own_output():
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import pooch")])
    library_warning = (
        "/w/.venv/lib/python3.11/site-packages/tqdm/auto.py:21: TqdmWarning: IProgress not found. "
        "Please update jupyter and ipywidgets.\n  from .autonotebook import tqdm as notebook_tqdm\n"
    )
    notebook.cells[0].outputs = [
        nbformat.v4.new_output("stream", name="stderr", text=library_warning + NOISE_LINE + "\n"),
        nbformat.v4.new_output(
            "stream", name="stderr", text=f"{NOISE_LINE}\nextracting on 2 workers\n" + library_warning
        ),
        nbformat.v4.new_output("stream", name="stdout", text="accuracy 0.8\n"),
    ]
    cleaned = report.drop_library_noise(notebook)
    assert [(output["name"], output["text"]) for output in cleaned.cells[0].outputs] == [
        ("stderr", "extracting on 2 workers\n"),
        ("stdout", "accuracy 0.8\n"),
    ]

"""The console stays quiet: no TensorFlow start-up lines, no known library warnings; the study's own lines pass."""

from __future__ import annotations

import os
import subprocess
import sys
import warnings

import pytest

from genre_utils.quiet import VERBOSE_ENV, quiet

QUIET_SCRIPT = """
import sys, warnings
from genre_utils.quiet import quiet
quiet()
import keras  # and TensorFlow, its backend
warnings.warn("IProgress not found. Please update jupyter and ipywidgets.")  # tqdm's, a known library warning
warnings.warn("the project's own warning")
print("error: kept", file=sys.stderr)
"""


def test_quiet_silences_tensorflow_and_known_warnings_but_keeps_the_projects_lines():
    env = {k: v for k, v in os.environ.items() if k not in ("TF_CPP_MIN_LOG_LEVEL", VERBOSE_ENV)}
    done = subprocess.run([sys.executable, "-c", QUIET_SCRIPT], capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert [line for line in lines if "the project's own warning" not in line] == ["error: kept"], done.stderr
    assert any("UserWarning: the project's own warning" in line for line in lines)


def test_genre_verbose_tf_leaves_the_libraries_as_they_are(monkeypatch):
    monkeypatch.setenv(VERBOSE_ENV, "1")
    monkeypatch.delenv("TF_CPP_MIN_LOG_LEVEL", raising=False)
    with warnings.catch_warnings():
        quiet()
        assert "TF_CPP_MIN_LOG_LEVEL" not in os.environ
        with pytest.warns(UserWarning, match="IProgress"):
            warnings.warn("IProgress not found", UserWarning, stacklevel=1)


def test_the_commands_print_no_tensorflow_start_up_lines(tmp_path):
    commands = {
        "run --help": [sys.executable, "-m", "genre_utils.run", "--help"],
        "predict without a run": [
            sys.executable,
            "-m",
            "genre_utils.predict",
            str(tmp_path / "clip.wav"),
            "--results",
            str(tmp_path / "results"),
        ],
    }
    started = {
        name: subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for name, command in commands.items()
    }
    finished = {name: (process.communicate(timeout=300), process.returncode) for name, process in started.items()}
    (out, err), status = finished["run --help"]
    assert status == 0 and "usage" in out
    assert err == "", f"run --help printed on stderr:\n{err}"
    (out, err), status = finished["predict without a run"]
    assert status == 2
    assert len(err.splitlines()) == 1 and err.startswith("error: no finished run under"), err

"""TensorFlow's log lines stay off the console of every command; the project's own lines pass."""

from __future__ import annotations

import subprocess
import sys

from genre_utils.quiet import NOISE, NoiseFilter, drop_library_warnings, drop_noise, is_noise

# Printed by TensorFlow 2.21 / absl / a Jupyter kernel in this project's commands and `make report`.
TF_NOISE = [
    "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n",
    "I0000 00:00:1795845008.305752   12152 cudart_stub.cc:31] Could not find cuda drivers on your machine, GPU will "
    "not be used.\n",
    "I0000 00:00:1795845008.450151   12152 cpu_feature_guard.cc:227] This TensorFlow binary is optimized to use "
    "available CPU instructions in performance-critical operations.\n",
    "To enable the following instructions: AVX2 FMA, in other operations, rebuild TensorFlow with the appropriate "
    "compiler flags.\n",
    "E0000 00:00:1795845123.609445   12550 cuda_platform.cc:52] failed call to cuInit: INTERNAL: CUDA error: Failed "
    "call to cuInit: UNKNOWN ERROR (303)\n",
    "E0000 00:00:1783190786.420393    3712 node_def_util.cc:682] NodeDef mentions attribute use_unbounded_threadpool "
    "which is not in the op definition: Op<name=MapDataset; signature=input_dataset:variant, other_arguments: -> "
    "handle:variant; attr=f:func>; NodeDef: {{node ParallelMapDatasetV2/_15}}\n",
    "2025-11-14 15:38:01.408973: E tensorflow/core/framework/node_def_util.cc:680] NodeDef mentions attribute "
    "use_unbounded_threadpool which is not in the op definition: Op<name=MapDataset; attr=f:func>\n",
    "[IPKernelApp] WARNING | Kernel is running over TCP without encryption. All communication (including code and "
    "outputs) is sent in plain text and is susceptible to eavesdropping.\n",
    "[IPKernelApp] ERROR | KeyboardInterrupt caught in kernel.\n",
]
PROJECT_LINES = [
    "error: no finished run under build/results; train one with `python -m genre_utils.run`, or pass --run\n",
    "error: unknown parameter 'epoch' (did you mean epochs?)\n",
    "/x/keras/src/trainers/epoch_iterator.py:74: UserWarning: `shuffle=True` was passed, but will be ignored\n",
    "F0000 00:00:1795845123.609445   12550 check.cc:1] Check failed: a fatal error stays visible\n",
    "extracting mfcc:  50%|#####     | 5/10 [00:01<00:01]\r",
]


def test_the_noise_pattern_knows_the_real_lines_and_spares_the_project_lines():
    assert all(is_noise(line) for line in TF_NOISE)
    assert not any(is_noise(line) for line in PROJECT_LINES)
    assert drop_noise("".join(TF_NOISE[:3] + PROJECT_LINES[:1] + TF_NOISE[3:])) == PROJECT_LINES[0]
    assert NOISE.pattern  # shared with the HTML export (genre_utils.study.report.drop_library_noise)


def test_the_filter_passes_every_other_byte_through_in_order_whatever_the_chunks():
    stream = "".join(line for pair in zip(TF_NOISE, PROJECT_LINES * 2) for line in pair).encode() + b"no newline yet"
    for size in (1, 7, 64, len(stream)):
        written = []
        noise = NoiseFilter(written.append)
        for start in range(0, len(stream), size):
            noise.feed(stream[start : start + size])
        noise.flush()
        assert b"".join(written).decode() == "".join((PROJECT_LINES * 2)[: len(TF_NOISE)]) + "no newline yet"


QUIET_CHILD = """
import os, subprocess, sys
from genre_utils.quiet import quiet_stderr
quiet_stderr()
os.write(2, os.environ["NOISE_LINES"].encode())
child = "import os; os.write(2, os.environ['NOISE_LINES'].encode() + b'child line' + bytes([10]))"
subprocess.run([sys.executable, "-c", child], check=True)
print("error: kept", file=sys.stderr)
raise SystemExit("the last line")
"""


def test_quiet_stderr_filters_the_process_and_its_children_and_keeps_the_last_words():
    import os

    done = subprocess.run(
        [sys.executable, "-c", QUIET_CHILD],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "NOISE_LINES": "".join(TF_NOISE)},
    )
    assert done.returncode == 1
    assert done.stderr == "child line\nerror: kept\nthe last line\n"


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
    assert err.splitlines() == [line for line in err.splitlines() if line.startswith("error: no finished run under")]
    assert len(err.splitlines()) == 1, err


# What a Jupyter kernel prints when jupyter_client terminates it during its shutdown request (seen on the console
# of `make report` after notebooks that started spawned processes), and another library's pending task.
KERNEL_SHUTDOWN_PAIR = [
    "Task was destroyed but it is pending!\n",
    "task: <Task pending name='Task-1188' coro=<Kernel.dispatch_control() running at /v/lib/python3.11/site-packages/"
    "ipykernel/kernelbase.py:372> wait_for=<Future pending cb=[Task.task_wakeup()]> cb=[ZMQStream._run_callback."
    "<locals>._log_error() at /v/lib/python3.11/site-packages/zmq/eventloop/zmqstream.py:583]>\n",
]
OTHER_PENDING_TASK = [
    "Task was destroyed but it is pending!\n",
    "task: <Task pending name='Task-184' coro=<Client._handle_report() running at /v/distributed/client.py:1>>\n",
]


def test_the_kernels_pending_shutdown_task_is_dropped_and_no_other_pending_task():
    text = "".join(PROJECT_LINES[:1] + KERNEL_SHUTDOWN_PAIR + OTHER_PENDING_TASK + PROJECT_LINES[1:2])
    expected = "".join(PROJECT_LINES[:1] + OTHER_PENDING_TASK + PROJECT_LINES[1:2])
    assert drop_noise(text) == expected
    for size in (1, 5, 200, len(text)):  # however the pipe delivers it
        written = []
        noise = NoiseFilter(written.append)
        for start in range(0, len(text), size):
            noise.feed(text[start : start + size].encode())
        noise.flush()
        assert b"".join(written).decode() == expected
    written = []
    noise = NoiseFilter(written.append)
    noise.feed(KERNEL_SHUTDOWN_PAIR[0].encode())
    noise.flush()  # nothing followed: the line is the program's own
    assert written == [KERNEL_SHUTDOWN_PAIR[0].encode()]


def test_library_warnings_and_their_source_lines_leave_the_html_text_but_the_projects_own_lines_stay():
    library = [
        "/w/.venv/lib/python3.11/site-packages/tqdm/auto.py:21: TqdmWarning: IProgress not found. Please "
        "update jupyter and ipywidgets.\n",
        "  from .autonotebook import tqdm as notebook_tqdm\n",
        "C:\\Program Files\\Python311\\Lib\\site-packages\\sklearn\\base.py:12: FutureWarning: soon gone\n",
        "  warnings.warn(\n",
    ]
    own = [
        "/w/genre_utils/models/training.py:40: UserWarning: the project's own warning stays\n",
        "  warnings.warn('the project's own warning stays')\n",
        "/tmp/ipykernel_1/123.py:3: FutureWarning: raised from a notebook cell, so the project can fix it\n",
        "  frame.groupby('genre').mean()\n",
        "    indented text the project printed\n",
        "accuracy 0.8\n",
    ]
    text = "".join(own[:2] + library[:2] + own[2:4] + library[2:] + own[4:])
    assert drop_library_warnings(text) == "".join(own)
    assert not any(is_noise(line) for line in library)  # the console keeps them (only the HTML drops them)

"""Keep libraries' noise off the console (TensorFlow's log lines) and out of the HTML reports (also their warnings).

TensorFlow's C++ runtime writes lines such as ``I0000 00:00:1795845008.305752  12152
cudart_stub.cc:31] Could not find cuda drivers ...`` or ``... NodeDef mentions attribute
use_unbounded_threadpool ...`` straight to file descriptor 2, some of them before Python code can
set anything, and ``TF_CPP_MIN_LOG_LEVEL`` does not silence all of them. :func:`quiet_stderr`
therefore puts a filter on file descriptor 2 itself: a pipe whose reader thread drops the lines
that match :data:`NOISE` and passes every other byte through, in order, to the real stderr. Child
processes (papermill's kernels, extraction workers) inherit the filtered descriptor.

The command lines install it before they import TensorFlow::

    if __name__ == "__main__":
        from genre_utils.quiet import quiet_stderr
        quiet_stderr()

Two messages span two lines and are recognized as pairs: a Jupyter kernel's shutdown task that a
library race leaves pending (:data:`PENDING_TASK`, :data:`KERNEL_SHUTDOWN_TASK`: dropped on the
console), and a Python warning raised inside a third-party library with the source line that
follows it (:data:`LIBRARY_WARNING`: dropped from the HTML reports only, by
:func:`drop_library_warnings`; the console and the executed notebooks keep them).
"""

from __future__ import annotations

import atexit
import os
import re
import select
import sys
import threading

#: A line of library noise: absl/TensorFlow C++ log lines (``I0000 00:00:17.95 123 file.cc:31] ...``,
#: old style ``2024-01-01 12:00:00.000000: W tensorflow/...cc:31] ...``), absl's preamble, the
#: CPU-instructions notice, and two lines every Jupyter kernel prints on start and shutdown
#: (papermill's kernels write to the report's stderr). Fatal (``F``) lines are kept.
NOISE = re.compile(
    r"^(?:[IWE]\d{4} \d\d:\d\d:\d+\.\d+ +\d+ \S+:\d+\]"
    r"|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+: [IWE] \S+:\d+\]"
    r"|WARNING: All log messages before absl::InitializeLog\(\) is called"
    r"|To enable the following instructions: .* rebuild TensorFlow"
    r"|\[IPKernelApp\] (?:WARNING \| Kernel is running over TCP|ERROR \| KeyboardInterrupt caught in kernel))"
)
#: asyncio's report of a task destroyed while still pending; noise only when :data:`KERNEL_SHUTDOWN_TASK` follows.
PENDING_TASK = re.compile(r"^Task was destroyed but it is pending!\r?\n?$")
#: The task a Jupyter kernel leaves pending when it is stopped in the middle of its shutdown request. A kernel
#: that started processes with the spawn method (the notebooks' extraction workers once TensorFlow is loaded)
#: has CPython's multiprocessing resource tracker as a child, which ignores SIGTERM; ipykernel's shutdown
#: sends it SIGTERM for 14 s before SIGKILL (``Kernel._progressively_terminate_all_children``, from
#: https://github.com/ipython/ipykernel/pull/869), but jupyter_client stops waiting after half its
#: ``shutdown_wait_time`` (2.5 s) and terminates the kernel, whose control task (``dispatch_control``)
#: is then destroyed pending at exit. Seen with ipykernel 7.4 and jupyter_client 8.10; nothing of the
#: study is lost (the notebook is complete and saved by then).
KERNEL_SHUTDOWN_TASK = re.compile(r"^task: <Task pending name='[^']*' coro=<Kernel\.dispatch_control\(\) ")
#: A Python warning raised in a third-party library, as :mod:`warnings` prints it
#: (``/.../site-packages/tqdm/auto.py:21: TqdmWarning: IProgress not found. ...``); an indented line
#: showing the library's source line follows it. The project's own warnings (raised from its code or the
#: notebooks' cells) do not match.
LIBRARY_WARNING = re.compile(r"^.+[/\\](?:site|dist)-packages[/\\].+\.py:\d+: \w*Warning: ")

_FLUSH_AFTER_S = 0.2  # a partial line (no newline yet) is passed on after this long
_installed: dict = {}


def is_noise(line: str) -> bool:
    """Whether ``line`` is one of the library's log lines (see :data:`NOISE`)."""
    return NOISE.match(line) is not None


def is_noise_pair(first: str, second: str) -> bool:
    """Whether two consecutive lines are the kernel's pending shutdown task (:data:`KERNEL_SHUTDOWN_TASK`)."""
    return PENDING_TASK.match(first) is not None and KERNEL_SHUTDOWN_TASK.match(second) is not None


def drop_noise(text: str) -> str:
    """``text`` without its noise lines and pairs (line ends kept)."""
    kept = []
    NoiseFilter(kept.append, encoded=False).feed_lines(text.splitlines(keepends=True))
    return "".join(kept)


def drop_library_warnings(text: str) -> str:
    """``text`` without the warnings of third-party libraries (:data:`LIBRARY_WARNING`) and their source lines."""
    kept, after_warning = [], False
    for line in text.splitlines(keepends=True):
        is_source_line = after_warning and line[:1] in (" ", "\t")
        after_warning = LIBRARY_WARNING.match(line) is not None
        if not (after_warning or is_source_line):
            kept.append(line)
    return "".join(kept)


class NoiseFilter:
    """Split a byte stream into lines (``\\n`` or ``\\r`` ends one) and write the ones that are not noise.

    A line that may open a noise pair (:func:`is_noise_pair`) is held until the next line (or
    :meth:`flush`) says whether it is one.
    """

    def __init__(self, write, encoded: bool = True):
        self._write = write
        self._encoded = encoded  # lines are bytes (False: str)
        self._pending = b""
        self._held = None  # a line that may open a noise pair

    def feed(self, data: bytes) -> None:
        """Take more bytes; write every complete line that is not noise."""
        self._pending += data
        while True:
            ends = [i for i in (self._pending.find(b"\n"), self._pending.find(b"\r")) if i >= 0]
            if not ends:
                return
            end = min(ends) + 1
            if self._pending[end - 1 : end] == b"\r" and self._pending[end : end + 1] == b"\n":
                end += 1
            line, self._pending = self._pending[:end], self._pending[end:]
            self._emit(line)

    def feed_lines(self, lines) -> None:
        """Take complete lines (of the type this filter writes); write those that are not noise, then any held one."""
        for line in lines:
            self._emit(line)
        self._release()

    def flush(self) -> None:
        """Write the incomplete last line, if any (a prompt, or output that ends without a newline), and a held line."""
        if self._pending:
            line, self._pending = self._pending, b""
            self._emit(line)
        self._release()

    def _emit(self, line) -> None:
        text = line.decode("utf-8", "replace") if self._encoded else line
        if self._held is not None:
            held, self._held = self._held, None
            if is_noise_pair(held[1], text):
                return
            self._write(held[0])
        if PENDING_TASK.match(text):
            self._held = (line, text)
        elif not is_noise(text):
            self._write(line)

    def _release(self) -> None:
        if self._held is not None:
            held, self._held = self._held, None
            self._write(held[0])


def _write_all(fd: int, data: bytes) -> None:
    while data:
        try:
            data = data[os.write(fd, data) :]
        except OSError:  # the real stderr is gone (closed terminal): drop the output
            return


def _pump(read_fd: int, out_fd: int) -> None:
    noise = NoiseFilter(lambda line: _write_all(out_fd, line))
    while True:
        ready, _, _ = select.select([read_fd], [], [], _FLUSH_AFTER_S)
        if not ready:
            noise.flush()
            continue
        data = os.read(read_fd, 65536)
        if not data:
            break
        noise.feed(data)
    noise.flush()
    os.close(read_fd)


def quiet_stderr(tf_log_level: str = "2") -> bool:
    """Filter this process's file descriptor 2 (and so its children's) through :class:`NoiseFilter`.

    Also sets ``TF_CPP_MIN_LOG_LEVEL`` (unless set already), which silences part of the noise at
    its source. Idempotent; returns False, and changes nothing else, where descriptors cannot be
    filtered (no ``select`` on pipes, as on Windows) or when ``GENRE_VERBOSE_TF=1`` asks for every line.
    """
    if os.environ.get("GENRE_VERBOSE_TF") == "1":
        return False
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", tf_log_level)
    if _installed:
        return True
    if sys.platform == "win32":
        return False
    try:
        sys.stderr.flush()
    except (AttributeError, ValueError, OSError):
        pass
    real = os.dup(2)
    read_fd, write_fd = os.pipe()
    os.set_inheritable(real, False)
    os.dup2(write_fd, 2)
    os.close(write_fd)
    thread = threading.Thread(target=_pump, args=(read_fd, real), name="stderr-noise-filter", daemon=True)
    thread.start()
    _installed.update(real=real, thread=thread)
    atexit.register(restore_stderr)
    return True


def restore_stderr(timeout: float = 2.0) -> None:
    """Put the real stderr back on descriptor 2 and wait until what was written is passed on."""
    if not _installed:
        return
    try:
        sys.stderr.flush()
    except (AttributeError, ValueError, OSError):
        pass
    real, thread = _installed.pop("real"), _installed.pop("thread")
    os.dup2(real, 2)  # closes this process's write end of the pipe; the reader sees its end
    thread.join(timeout)  # (later, if a child process still holds the pipe)
    _installed.clear()

"""Keep TensorFlow's start-up and runtime log lines off the console.

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
#: CPU-instructions notice, Keras's retracing warnings, and two lines every Jupyter kernel prints on start
#: and shutdown (papermill's kernels write to the report's stderr). Fatal (``F``) lines are kept.
NOISE = re.compile(
    r"^(?:[IWE]\d{4} \d\d:\d\d:\d+\.\d+ +\d+ \S+:\d+\]"
    r"|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+: [IWE] \S+:\d+\]"
    r"|WARNING: All log messages before absl::InitializeLog\(\) is called"
    r"|To enable the following instructions: .* rebuild TensorFlow"
    r"|WARNING:tensorflow:.*retracing"
    r"|\[IPKernelApp\] (?:WARNING \| Kernel is running over TCP|ERROR \| KeyboardInterrupt caught in kernel))")

_FLUSH_AFTER_S = 0.2  # a partial line (no newline yet) is passed on after this long
_installed: dict = {}


def is_noise(line: str) -> bool:
    """Whether ``line`` is one of the library's log lines (see :data:`NOISE`)."""
    return NOISE.match(line) is not None


def drop_noise(text: str) -> str:
    """``text`` without its noise lines (line ends kept)."""
    return "".join(line for line in text.splitlines(keepends=True) if not is_noise(line))


class NoiseFilter:
    """Split a byte stream into lines (``\\n`` or ``\\r`` ends one) and write the ones that are not noise."""

    def __init__(self, write):
        self._write = write
        self._pending = b""

    def feed(self, data: bytes) -> None:
        """Take more bytes; write every complete line that is not noise."""
        self._pending += data
        while True:
            ends = [i for i in (self._pending.find(b"\n"), self._pending.find(b"\r")) if i >= 0]
            if not ends:
                return
            end = min(ends) + 1
            if self._pending[end - 1:end] == b"\r" and self._pending[end:end + 1] == b"\n":
                end += 1
            line, self._pending = self._pending[:end], self._pending[end:]
            self._emit(line)

    def flush(self) -> None:
        """Write the incomplete last line, if any (a prompt, or output that ends without a newline)."""
        if self._pending:
            line, self._pending = self._pending, b""
            self._emit(line)

    def _emit(self, line: bytes) -> None:
        if not is_noise(line.decode("utf-8", "replace")):
            self._write(line)


def _write_all(fd: int, data: bytes) -> None:
    while data:
        try:
            data = data[os.write(fd, data):]
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

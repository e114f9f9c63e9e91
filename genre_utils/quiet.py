"""A quiet console: libraries' start-up lines and known warnings off, the study's own lines and progress on.

The command lines call :func:`quiet` before anything imports TensorFlow; the report's notebook kernels call it
on start (:data:`KERNEL_ARGUMENTS`). ``GENRE_VERBOSE_TF=1`` shows TensorFlow's lines and the warnings.
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import logging
import os
import sys
import warnings

from absl import logging as absl_logging

VERBOSE_ENV = "GENRE_VERBOSE_TF"
#: Library warnings that say nothing about the study (message starts), filtered in every process that calls quiet.
KNOWN_WARNINGS = (
    "IProgress not found",  # tqdm.auto in a kernel without ipywidgets (pooch imports it)
    "`shuffle=True` was passed, but will be ignored",  # keras, fitting a tf.data.Dataset
)
#: Kernel arguments (papermill's ``extra_arguments``): the kernel calls :func:`quiet` on start, and its app logs
#: errors only (not its "running over TCP without encryption" warning).
KERNEL_ARGUMENTS = [
    "--IPKernelApp.exec_lines=__import__('genre_utils.quiet').quiet.quiet()",
    "--IPKernelApp.log_level=ERROR",
]


def quiet() -> None:
    """Silence TensorFlow's C++ log (children inherit it), absl's and TensorFlow's loggers and the known warnings.

    TensorFlow itself loads only when something imports it (six seconds a process), with file descriptor 2 on
    /dev/null: its CUDA probe logs through absl before any level applies.
    """
    if os.environ.get(VERBOSE_ENV) == "1":
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # fatal lines only
    for message in KNOWN_WARNINGS:
        warnings.filterwarnings("ignore", message=message)
    absl_logging.set_verbosity(absl_logging.ERROR)
    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    if "tensorflow" not in sys.modules and not any(isinstance(f, _SilentImport) for f in sys.meta_path):
        sys.meta_path.insert(0, _SilentImport())


class _SilentImport(importlib.abc.MetaPathFinder):
    """Finds ``tensorflow`` as usual, then runs its package code with file descriptor 2 on /dev/null."""

    def find_spec(self, name, path=None, target=None):
        if name != "tensorflow":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.loader is not None:
            load = spec.loader.exec_module
            spec.loader.exec_module = lambda module: _without_stderr(load, module)
        return spec


def _without_stderr(function, *arguments):
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), 2)
        return function(*arguments)
    finally:
        os.dup2(saved, 2)
        os.close(saved)

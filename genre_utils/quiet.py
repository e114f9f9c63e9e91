"""A quiet console: libraries' start-up lines and known warnings off, the study's own lines and progress on.

The command lines call :func:`quiet` before anything imports TensorFlow; the report's notebook kernels call it
on start (:data:`KERNEL_ARGUMENTS`). ``GENRE_VERBOSE_TF=1`` shows TensorFlow's lines and the warnings.
"""

from __future__ import annotations

import logging
import os
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


def quiet(import_tensorflow: bool = True) -> None:
    """Silence TensorFlow's C++ log (children inherit it), absl's and TensorFlow's loggers and the known warnings."""
    if os.environ.get(VERBOSE_ENV) == "1":
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # fatal lines only
    for message in KNOWN_WARNINGS:
        warnings.filterwarnings("ignore", message=message)
    absl_logging.set_verbosity(absl_logging.ERROR)
    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    if import_tensorflow:  # on file descriptor 2 = /dev/null: its CUDA probe logs through absl before any level applies
        saved = os.dup(2)
        try:
            with open(os.devnull, "wb") as devnull:
                os.dup2(devnull.fileno(), 2)
            import tensorflow  # noqa: F401  # lazy: tensorflow
        finally:
            os.dup2(saved, 2)
            os.close(saved)

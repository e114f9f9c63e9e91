"""The report command: every notebook run with papermill, HTML reports out.

    python -m genre_utils.report [--dataset synthetic] [--build build] [--param NAME=VALUE ...]

What it runs and writes is described in :mod:`genre_utils.study.report`.
"""

if __name__ == "__main__":  # before anything imports TensorFlow, whose C++ log lines go straight to stderr
    from genre_utils.quiet import quiet_stderr

    quiet_stderr()

import sys  # noqa: E402

from genre_utils.study.report import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())

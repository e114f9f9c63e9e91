"""The report command: every notebook run with papermill, HTML reports out (:mod:`genre_utils.study.report`).

python -m genre_utils.report [--dataset synthetic] [--build build] [--param NAME=VALUE ...] [--dry-run]
"""

if __name__ == "__main__":  # before anything imports TensorFlow
    from genre_utils.quiet import quiet

    quiet()

import sys  # noqa: E402

from genre_utils.study.report import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())

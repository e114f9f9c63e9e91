"""``python -m genre_utils.data download|validate|extract --dataset NAME``: the data command line.

An entry point, not part of the data layer: it sits with the command lines on top and runs
:func:`genre_utils.prepare.main` (which extracts features too).
"""

if __name__ == "__main__":  # the data commands do not use TensorFlow
    from genre_utils.quiet import quiet

    quiet()

import sys  # noqa: E402

from genre_utils.prepare import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())

"""Dask worker preload for test_dask_store.py: chunks of clips in a ``slow`` folder take a moment longer.

Only a delay before the real extraction (``$GENRE_TEST_SLOW_SECONDS``, default 0.3 s), so that a test
can kill a worker or press Ctrl-C while tasks are in flight.
"""

from __future__ import annotations

import os
import time

from genre_utils.features import store as feature_store

SLOW_FOLDER = "/slow/"
DELAY_SECONDS = float(os.environ.get("GENRE_TEST_SLOW_SECONDS", "0.3"))

# Distributed may run a preload twice in one worker: always wrap the real function, once.
_real_extract_chunk = getattr(feature_store.extract_chunk, "__wrapped__", feature_store.extract_chunk)


def _slowed_extract_chunk(jobs, config, min_seconds):
    if any(SLOW_FOLDER in path for path, _ in jobs):
        time.sleep(DELAY_SECONDS)
    return _real_extract_chunk(jobs, config, min_seconds)


_slowed_extract_chunk.__wrapped__ = _real_extract_chunk
feature_store.extract_chunk = _slowed_extract_chunk

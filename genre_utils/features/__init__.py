"""Features: :mod:`.kinds` (MFCC, log-mel, chroma, musicnn's front end), :mod:`.standardize`, the cached
:mod:`.store` extracted on Dask (:mod:`.cluster`), a dataset's store in one call (:mod:`.extraction`) and the
pretrained musicnn port (:mod:`.pretrained`).

May import: :mod:`genre_utils.data` and the base modules.
"""

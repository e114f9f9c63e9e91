"""Features: from a dataset's clips to cached, standardizable frame-level features.

- :mod:`.kinds`: the feature kinds (MFCC as the thesis, log-mel, chroma, musicnn's front end);
  :mod:`.standardize`: standardization fitted on training data.
- :mod:`.store`: the cached feature store (:mod:`.array`), extracted on Dask (:mod:`.cluster`);
  :mod:`.extraction`: a dataset's store in one call.
- :mod:`.pretrained`: the musicnn port, whose front end is a feature kind and whose embeddings
  a contender probes.

May import: :mod:`genre_utils.data` and the base modules.
"""

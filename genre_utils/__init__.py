"""Shared helpers for the CNN vs LSTM music genre classification study.

The notebooks in ``notebooks/`` stay thin and call into this package: dataset loaders
(:mod:`genre_utils.data.datasets`), verified downloads (:mod:`genre_utils.data.download`), splits
(:mod:`genre_utils.data.splits`), features and their on-disk cache (:mod:`genre_utils.features.kinds`,
:mod:`genre_utils.features.store`) and standardization (:mod:`genre_utils.features.standardize`).
"""

__version__ = "0.1.0"

"""Shared helpers for the CNN vs LSTM music genre classification study.

The notebooks in ``notebooks/`` stay thin and call into this package: dataset loaders
(:mod:`genre_utils.datasets`), verified downloads (:mod:`genre_utils.download`), splits
(:mod:`genre_utils.splits`), features and their on-disk cache (:mod:`genre_utils.features`,
:mod:`genre_utils.feature_store`) and standardization (:mod:`genre_utils.standardize`).
"""

__version__ = "0.1.0"

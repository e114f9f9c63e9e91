"""Data in: the datasets and their audio, before any feature exists.

- :mod:`.datasets`: one declaration per dataset (GTZAN, the FMA subsets, the embedded generated set),
  discovered by name; download, validate and the track table.
- :mod:`.audio`: decoding one clip; :mod:`.download`: verified downloads;
  :mod:`.splits`: train/valid/test by track; :mod:`.explore`: what notebook 01 shows of a dataset.

May import: the base modules (:mod:`genre_utils.atomic`, :mod:`genre_utils.paths`) only.
"""

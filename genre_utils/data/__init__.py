"""Data in: the datasets and their audio, before any feature exists.

- :mod:`.datasets`: one declaration per dataset (GTZAN, the FMA subsets, the embedded generated set),
  discovered by name; download, validate and the track table.
- :mod:`.audio`: decoding one clip; :mod:`.download`: verified downloads;
  :mod:`.splits`: train/valid/test by track; :mod:`.explore`: what notebook 01 shows of a dataset;
- :mod:`.degradations`: ways the recording chain makes audio worse (band limits, MP3, noise, clipping,
  pitch and tempo, a room), declared once and discovered, for the degradation study and augmentation;
  :mod:`.conditions`: what a file's audio is like (bandwidth, rate, clipping, level), for ``predict``.

May import: the base modules (:mod:`genre_utils.paths`, :mod:`genre_utils.paths`) only. Its
``__main__`` is the entry point of ``python -m genre_utils.data`` (:mod:`genre_utils.prepare`), a command line.
"""

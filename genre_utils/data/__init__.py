"""Data in: the datasets and their audio, before any feature exists.

:mod:`.datasets` (declared and discovered), :mod:`.audio` (decoding), :mod:`.download` (verified downloads),
:mod:`.splits` (by track), :mod:`.explore` (notebook 01), :mod:`.degradations` (the recording chain's faults) and
:mod:`.conditions` (what a file's audio is like, for ``predict``). ``__main__`` runs ``python -m genre_utils.data``.
May import: the base modules only.
"""

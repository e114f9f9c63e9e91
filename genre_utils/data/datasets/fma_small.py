"""FMA-small loader (Defferrard et al. 2017): 8000 30-s MP3 clips, 8 balanced top genres.

The constants below are the whole of FMA-small; the shared FMA base (:mod:`genre_utils.data.datasets.fma`)
reads them. Layout after :func:`download` (both archives extracted into ``root``)::

    <root>/fma_metadata/tracks.csv      # from fma_metadata.zip (bzip2 zip members)
    <root>/fma_small/000/000002.mp3     # from fma_small.zip, <first 3 digits>/<6-digit id>.mp3

FMA-small is the rows of ``tracks.csv`` whose ``('set', 'subset')`` is ``<= 'small'``, labelled by
``('track', 'genre_top')``; its official, artist-aware split (``('set', 'split')``, 6400/800/800)
becomes ``split_official`` and the artist id becomes ``artist``.

Each archive is verified by its published SHA-1; ``fma_small.zip`` also carries
``fma_small/checksums`` (SHA-1 of every MP3), against which :func:`check_files` verifies each
MP3, after a download and in ``validate``.

Six clips of FMA-small are known to be broken (:data:`KNOWN_BROKEN`); they stay in the table
with the reason in ``status``, like any other unusable file.
"""

from __future__ import annotations

import sys

from genre_utils.data.datasets import fma, fma_checksums, fma_known_broken
from genre_utils.data.datasets.fma import (  # noqa: F401  (the module's public names, as before the shared base)
    ARTIST_COLUMN, BIBTEX, CLIP_SECONDS, GENRE_COLUMN, METADATA_FOLDER, MIN_SECONDS, REQUIRED_COLUMNS,
    SPLIT_COLUMN, SPLIT_NAMES, SUBSET_COLUMN, SUBSETS, TRACKS_CSV, MissingDataError, read_tracks_csv,
)

NAME = "fma_small"
TITLE = "FMA-small"
SUBSET = "small"
AUDIO_FOLDER = "fma_small"
GENRES = ("Electronic", "Experimental", "Folk", "Hip-Hop", "Instrumental", "International", "Pop", "Rock")
SPLITS = ("thesis", "official", "kfold", "file")  # the splits of genre_utils.data.splits that apply
THESIS_TEST_PER_GENRE = 100  # the thesis's 7200/800 split
# Plain specs, turned into genre_utils.data.download.Remote objects by remotes().
REMOTES = {
    "metadata": fma.METADATA_REMOTE,
    "audio": fma.audio_remote("fma_small.zip", sha1="ade154f733639d52e35e32f5593efe5be76c6d70", size=7_679_594_875,
                              description="FMA-small audio: 8000 30-s MP3 clips (7.2 GiB)"),
}
KNOWN_BROKEN = fma_known_broken.SMALL
KNOWN_BROKEN_PREFIX = f"known broken in {TITLE}"
REFERENCE_NAME = f"{AUDIO_FOLDER}/{fma_checksums.CHECKSUMS_FILE}"

(default_root, remotes, download, find_folders, load_tracks, validate, check_files,
 clip_seconds) = fma.loader(sys.modules[__name__])

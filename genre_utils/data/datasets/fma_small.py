"""FMA-small (Defferrard et al. 2017): 8000 30-s MP3 clips, 8 balanced top genres; constants and its DATASET.

The rows of ``tracks.csv`` whose ``('set', 'subset')`` is ``<= 'small'`` (layout and checks: :mod:`fma`);
the official, artist-aware split is 6400/800/800. Six clips are known to be broken (:data:`KNOWN_BROKEN`).
"""

from __future__ import annotations

from genre_utils.data.datasets import fma, fma_known_broken

NAME = "fma_small"
TITLE = "FMA-small"
SUBSET = "small"
AUDIO_FOLDER = "fma_small"
GENRES = ("Electronic", "Experimental", "Folk", "Hip-Hop", "Instrumental", "International", "Pop", "Rock")
SPLITS = ("thesis", "official", "kfold", "file")  # the splits of genre_utils.data.splits that apply
THESIS_TEST_PER_GENRE = 100  # the thesis's 7200/800 split
ARCHIVES = {
    "metadata": fma.METADATA_REMOTE,
    "audio": fma.audio_remote(
        "fma_small.zip",
        sha1="ade154f733639d52e35e32f5593efe5be76c6d70",
        size=7_679_594_875,
        description="FMA-small audio: 8000 30-s MP3 clips (7.2 GiB)",
    ),
}
KNOWN_BROKEN = fma_known_broken.SMALL
REFERENCE_NAME = f"{AUDIO_FOLDER}/{fma.CHECKSUMS_FILE}"

DATASET = fma.FmaDataset(
    name=NAME,
    title=TITLE,
    genres=GENRES,
    splits=SPLITS,
    thesis_test_per_genre=THESIS_TEST_PER_GENRE,
    reference_name=REFERENCE_NAME,
    subset=SUBSET,
    audio_folder=AUDIO_FOLDER,
    archives=ARCHIVES,
    known_broken=KNOWN_BROKEN,
    order=20,
)

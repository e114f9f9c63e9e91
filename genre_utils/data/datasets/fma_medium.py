"""FMA-medium (Defferrard et al. 2017): 25,000 30-s MP3 clips, 16 unbalanced top genres; constants and DATASET.

The rows of ``tracks.csv`` whose ``('set', 'subset')`` is ``<= 'medium'`` (layout and checks: :mod:`fma`).
The genres run from thousands of tracks down to a few tens, so read balanced accuracy and macro F1 beside
accuracy; the thesis's equal count per genre does not fit, so that split is not offered (:data:`SPLITS`).
"""

from __future__ import annotations

from genre_utils.data.datasets import fma, fma_known_broken

NAME = "fma_medium"
TITLE = "FMA-medium"
SUBSET = "medium"
AUDIO_FOLDER = "fma_medium"
GENRES = fma.TOP_GENRES
SPLITS = ("official", "kfold", "file")  # the splits of genre_utils.data.splits that apply
ARCHIVES = {
    "metadata": fma.METADATA_REMOTE,
    "audio": fma.audio_remote(
        "fma_medium.zip",
        sha1="c67b69ea232021025fca9231fc1c7c1a063ab50b",
        size=23_825_005_356,
        description="FMA-medium audio: 25,000 30-s MP3 clips (22.2 GiB)",
    ),
}
KNOWN_BROKEN = fma_known_broken.MEDIUM_AND_LARGE
REFERENCE_NAME = f"{AUDIO_FOLDER}/{fma.CHECKSUMS_FILE}"

DATASET = fma.FmaDataset(
    name=NAME,
    title=TITLE,
    genres=GENRES,
    splits=SPLITS,
    reference_name=REFERENCE_NAME,
    subset=SUBSET,
    audio_folder=AUDIO_FOLDER,
    archives=ARCHIVES,
    known_broken=KNOWN_BROKEN,
    order=30,
)

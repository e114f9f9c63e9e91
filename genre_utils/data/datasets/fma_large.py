"""FMA-large (Defferrard et al. 2017): 106,574 30-s MP3 clips, 16 unbalanced top genres; constants and DATASET.

Every row of ``tracks.csv`` (layout and checks: :mod:`fma`); many tracks have no top-level genre and
stay in the table, unusable. As for FMA-medium, the thesis split is not offered.
"""

from __future__ import annotations

from genre_utils.data.datasets import fma, fma_known_broken

NAME = "fma_large"
TITLE = "FMA-large"
SUBSET = "large"
AUDIO_FOLDER = "fma_large"
GENRES = fma.TOP_GENRES
SPLITS = ("official", "kfold", "file")  # the splits of genre_utils.data.splits that apply
# APPROXIMATE: the FMA README gives "93 GiB"; the exact byte count of fma_large.zip is not published.
# Used only for the free-space check before downloading (the SHA-1 is what verifies the file).
ARCHIVE_BYTES_APPROXIMATE = 93 * 2**30
ARCHIVES = {
    "metadata": fma.METADATA_REMOTE,
    "audio": fma.audio_remote(
        "fma_large.zip",
        sha1="497109f4dd721066b5ce5e5f250ec604dc78939e",
        size=ARCHIVE_BYTES_APPROXIMATE,
        description="FMA-large audio: 106,574 30-s MP3 clips (about 93 GiB)",
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
    order=40,
)

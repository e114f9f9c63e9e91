"""FMA-medium (Defferrard et al. 2017): 25,000 30-s MP3 clips, 16 unbalanced top genres (see :mod:`fma`).

The genres run from thousands of tracks down to a few tens, so read balanced accuracy and macro F1 beside
accuracy; the thesis's equal count per genre does not fit, so that split is not offered.
"""

from __future__ import annotations

from genre_utils.data.datasets import fma, fma_known_broken

DATASET = fma.FmaDataset(
    name="fma_medium",
    title="FMA-medium",
    subset="medium",
    genres=fma.TOP_GENRES,
    splits=("official", "kfold", "file"),
    reference_name="fma_medium/checksums",
    archives=fma.archives(
        "fma_medium.zip",
        "c67b69ea232021025fca9231fc1c7c1a063ab50b",
        23_825_005_356,
        "FMA-medium audio: 25,000 30-s MP3 clips (22.2 GiB)",
    ),
    known_broken=fma_known_broken.MEDIUM_AND_LARGE,
    order=30,
)

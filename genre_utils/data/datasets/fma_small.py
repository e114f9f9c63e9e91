"""FMA-small (Defferrard et al. 2017): 8000 30-s MP3 clips, 8 balanced top genres (layout and checks: :mod:`fma`).

The official, artist-aware split is 6400/800/800; six clips are known to be broken.
"""

from __future__ import annotations

from genre_utils.data.datasets import fma, fma_known_broken

DATASET = fma.FmaDataset(
    name="fma_small",
    title="FMA-small",
    subset="small",
    genres=("Electronic", "Experimental", "Folk", "Hip-Hop", "Instrumental", "International", "Pop", "Rock"),
    splits=("thesis", "official", "kfold", "file"),
    thesis_test_per_genre=100,  # the thesis's 7200/800 split
    reference_name="fma_small/checksums",
    archives=fma.archives(
        "fma_small.zip",
        "ade154f733639d52e35e32f5593efe5be76c6d70",
        7_679_594_875,
        "FMA-small audio: 8000 30-s MP3 clips (7.2 GiB)",
    ),
    known_broken=fma_known_broken.SMALL,
    order=20,
)

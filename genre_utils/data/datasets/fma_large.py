"""FMA-large (Defferrard et al. 2017): 106,574 30-s MP3 clips, 16 unbalanced top genres (see :mod:`fma`).

Many tracks have no top-level genre and stay in the table, unusable. As for FMA-medium, no thesis split.
"""

from __future__ import annotations

from genre_utils.data.datasets import fma, fma_known_broken

DATASET = fma.FmaDataset(
    name="fma_large",
    title="FMA-large",
    subset="large",
    genres=fma.TOP_GENRES,
    splits=("official", "kfold", "file"),
    reference_name="fma_large/checksums",
    archives=fma.archives(
        "fma_large.zip",
        "497109f4dd721066b5ce5e5f250ec604dc78939e",
        93 * 2**30,  # APPROXIMATE ("93 GiB" in FMA's README), only for the free-space check: the SHA-1 verifies
        "FMA-large audio: 106,574 30-s MP3 clips (about 93 GiB)",
    ),
    known_broken=fma_known_broken.MEDIUM_AND_LARGE,
    order=40,
)

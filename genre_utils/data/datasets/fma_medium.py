"""FMA-medium loader (Defferrard et al. 2017): 25,000 30-s MP3 clips, 16 unbalanced top genres.

The constants below are the whole of FMA-medium; they make its declaration, :data:`DATASET`, an
:class:`genre_utils.data.datasets.fma.FmaDataset` of the shared FMA base. Layout after its
download (both archives extracted into ``root``)::

    <root>/fma_metadata/tracks.csv      # from fma_metadata.zip
    <root>/fma_medium/000/000002.mp3    # from fma_medium.zip, <first 3 digits>/<6-digit id>.mp3

FMA-medium is the rows of ``tracks.csv`` whose ``('set', 'subset')`` is ``<= 'medium'`` (FMA-small
included), labelled by ``('track', 'genre_top')``: all 16 top-level genres, far from balanced (from
thousands of Rock and Electronic tracks down to a few tens in the smallest genres), so read
balanced accuracy and macro F1 beside accuracy, and :func:`genre_utils.data.explore.class_counts` for
the counts. The official, artist-aware split becomes ``split_official``; the thesis's equal count
per genre does not fit unbalanced classes, so that split is not offered (:data:`SPLITS`).

``fma_medium.zip`` (22.2 GiB) is verified by its published SHA-1 and its MP3s against
``fma_medium/checksums``; the download needs room for the archive and its extracted copy.
Known-broken clips (:data:`KNOWN_BROKEN`, see :mod:`genre_utils.data.datasets.fma_known_broken`) stay
in the table with the reason in ``status`` when they are short, silent or undecodable.
"""

from __future__ import annotations

from genre_utils.data.datasets import fma, fma_checksums, fma_known_broken

NAME = "fma_medium"
TITLE = "FMA-medium"
SUBSET = "medium"
AUDIO_FOLDER = "fma_medium"
GENRES = fma.TOP_GENRES
SPLITS = ("official", "kfold", "file")  # the splits of genre_utils.data.splits that apply
# Plain specs, turned into genre_utils.data.download.Remote objects by DATASET.remotes().
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
REFERENCE_NAME = f"{AUDIO_FOLDER}/{fma_checksums.CHECKSUMS_FILE}"

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

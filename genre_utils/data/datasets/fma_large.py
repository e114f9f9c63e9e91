"""FMA-large loader (Defferrard et al. 2017): 106,574 30-s MP3 clips, 16 unbalanced top genres.

The constants below are the whole of FMA-large; they make its declaration, :data:`DATASET`, an
:class:`genre_utils.data.datasets.fma.FmaDataset` of the shared FMA base. Layout after its
download (both archives extracted into ``root``)::

    <root>/fma_metadata/tracks.csv      # from fma_metadata.zip
    <root>/fma_large/000/000002.mp3     # from fma_large.zip, <first 3 digits>/<6-digit id>.mp3

FMA-large is every row of ``tracks.csv`` (``('set', 'subset') <= 'large'``), labelled by
``('track', 'genre_top')``. Many tracks have no top-level genre (their genres span several
roots): they stay in the table, unusable, with the status ``no top-level genre in tracks.csv``.
The labelled ones fall in the 16 top-level genres, far from balanced, so read balanced accuracy
and macro F1 beside accuracy. The official, artist-aware split becomes ``split_official``; the
thesis's equal count per genre does not fit unbalanced classes, so that split is not offered.

``fma_large.zip`` (about 93 GiB) is verified by its published SHA-1 and its MP3s against
``fma_large/checksums``; the download needs room for the archive and its extracted copy, about
190 GiB, checked before any byte is fetched.
"""

from __future__ import annotations

from genre_utils.data.datasets import fma, fma_checksums, fma_known_broken

NAME = "fma_large"
TITLE = "FMA-large"
SUBSET = "large"
AUDIO_FOLDER = "fma_large"
GENRES = fma.TOP_GENRES
SPLITS = ("official", "kfold", "file")  # the splits of genre_utils.data.splits that apply
# APPROXIMATE: the FMA README gives "93 GiB"; the exact byte count of fma_large.zip is not published.
# Used only for the free-space check before downloading (the SHA-1 is what verifies the file).
ARCHIVE_BYTES_APPROXIMATE = 93 * 2**30
# Plain specs, turned into genre_utils.data.download.Remote objects by DATASET.remotes().
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
    order=40,
)

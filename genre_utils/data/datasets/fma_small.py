"""FMA-small loader (Defferrard et al. 2017): 8000 30-s MP3 clips, 8 balanced top genres.

The constants below are the whole of FMA-small; they make its declaration, :data:`DATASET`, an
:class:`genre_utils.data.datasets.fma.FmaDataset` of the shared FMA base. Layout after its
download (both archives extracted into ``root``)::

    <root>/fma_metadata/tracks.csv      # from fma_metadata.zip (bzip2 zip members)
    <root>/fma_small/000/000002.mp3     # from fma_small.zip, <first 3 digits>/<6-digit id>.mp3

FMA-small is the rows of ``tracks.csv`` whose ``('set', 'subset')`` is ``<= 'small'``, labelled by
``('track', 'genre_top')``; its official, artist-aware split (``('set', 'split')``, 6400/800/800)
becomes ``split_official`` and the artist id becomes ``artist``.

Each archive is verified by its published SHA-1; ``fma_small.zip`` also carries
``fma_small/checksums`` (SHA-1 of every MP3), against which its ``check_files`` verifies each
MP3, after a download and in ``validate``.

Six clips of FMA-small are known to be broken (:data:`KNOWN_BROKEN`); they stay in the table
with the reason in ``status``, like any other unusable file.
"""

from __future__ import annotations

from genre_utils.data.datasets import fma, fma_checksums, fma_known_broken

NAME = "fma_small"
TITLE = "FMA-small"
SUBSET = "small"
AUDIO_FOLDER = "fma_small"
GENRES = ("Electronic", "Experimental", "Folk", "Hip-Hop", "Instrumental", "International", "Pop", "Rock")
SPLITS = ("thesis", "official", "kfold", "file")  # the splits of genre_utils.data.splits that apply
THESIS_TEST_PER_GENRE = 100  # the thesis's 7200/800 split
# Plain specs, turned into genre_utils.data.download.Remote objects by DATASET.remotes().
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
REFERENCE_NAME = f"{AUDIO_FOLDER}/{fma_checksums.CHECKSUMS_FILE}"

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

"""FMA clips the FMA project's issue tracker reports as broken, with the source of each list.

The subsets nest (small within medium within large) and every archive holds the same 30-s clip
of a track, so a clip broken in FMA-small is broken in FMA-medium and FMA-large too. The loaders
decode the listed clips that look fine and mark only those that really are short, silent or
undecodable here (see :func:`genre_utils.data.datasets.fma.mark_known_broken`); a clip that decodes
well stays usable. Anything not listed is left to the decode check of ``validate``.

The archives were not rebuilt since these reports: the SHA-1s the loaders verify are those of the
2017-05-09 release in the FMA README (https://github.com/mdeff/fma, "History").
"""

from __future__ import annotations

# FMA-small's six clips "much shorter than 30s" (https://github.com/mdeff/fma/issues/8, first post;
# https://github.com/mdeff/fma/issues/44: 099134, 108925 and 133297 hold no audio at all).
SMALL = {
    "098565": "audio shorter than 2 s",
    "098567": "audio shorter than 2 s",
    "098569": "audio shorter than 2 s",
    "099134": "no audio",
    "108925": "no audio",
    "133297": "no audio",
}

# The 21 tracks whose duration in FMA's metadata is wrong, so the "middle 30 s" were cut partly or
# wholly past the end of the track (maintainer's list of 2017-11-18 in
# https://github.com/mdeff/fma/issues/8; the cause is explained in https://github.com/mdeff/fma/issues/4).
# The six of FMA-small above are among them; the maintainer counts 7 such tracks in FMA-medium.
CUT_PAST_THE_END_REASON = "clip cut past the end of the track (wrong duration in FMA's metadata, mdeff/fma#8)"
CUT_PAST_THE_END = {
    track_id: CUT_PAST_THE_END_REASON
    for track_id in (
        "001486",
        "005574",
        "065753",
        "080391",
        "098558",
        "098559",
        "098560",
        "098565",
        "098566",
        "098567",
        "098568",
        "098569",
        "098571",
        "099134",
        "105247",
        "108924",
        "108925",
        "126981",
        "127336",
        "133297",
        "143992",
    )
}

# Clips of fma_large.zip a user could not decode with ffmpeg/librosa (https://github.com/mdeff/fma/issues/49,
# 2020-11-25); the maintainer checked a few and their SHA-1s match the archive's checksums file, so the
# files are as published. Which decoders fail on them varies: listed here so they are decoded at load time.
REPORTED_UNDECODABLE_REASON = "reported undecodable by ffmpeg/librosa (mdeff/fma#49)"
REPORTED_UNDECODABLE = {
    f"{track_number:06d}": REPORTED_UNDECODABLE_REASON
    for track_number in (
        2624,
        3284,
        8669,
        10116,
        11583,
        12838,
        13529,
        14116,
        14180,
        20814,
        22554,
        23429,
        23430,
        23431,
        25173,
        25174,
        25175,
        25176,
        25180,
        29345,
        29346,
        29352,
        29356,
        33411,
        33413,
        33414,
        33417,
        33418,
        33419,
        33425,
        35725,
        39363,
        41745,
        42986,
        43753,
        50594,
        50782,
        53668,
        54569,
        54582,
        61480,
        61822,
        63422,
        63997,
        72656,
        72980,
        73510,
        80553,
        82699,
        84503,
        84504,
        84522,
        84524,
        86656,
        86659,
        86661,
        86664,
        87057,
        90244,
        90245,
        90247,
        90248,
        90250,
        90252,
        90253,
        90442,
        90445,
        91206,
        92479,
        94052,
        94234,
        95253,
        96203,
        96207,
        96210,
        98105,
        98562,
        101265,
        101272,
        101275,
        102241,
        102243,
        102247,
        102249,
        102289,
        106409,
        106412,
        106415,
        106628,
        108920,
        109266,
        110236,
        115610,
        117441,
        127928,
        129207,
        129800,
        130328,
        130748,
        130751,
        131545,
        133641,
        133647,
        134887,
        *range(140449, 140473),
        142614,
        144518,
        144619,
        145056,
        146056,
        147419,
        147424,
        *range(148786, 148796),
        151920,
        155051,
    )
}

# What FMA-medium and FMA-large inherit: every list, FMA-small's own reasons winning for its six clips.
MEDIUM_AND_LARGE = {**REPORTED_UNDECODABLE, **CUT_PAST_THE_END, **SMALL}

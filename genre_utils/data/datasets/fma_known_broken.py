"""FMA clips the FMA project's issue tracker reports as broken, with the source of each list.

The subsets nest and share each track's 30-s clip, so a clip broken in FMA-small is broken in the larger ones.
Listed clips are decoded at load time and marked only when short, silent or undecodable here; the archives'
SHA-1s are those of the 2017-05-09 release (mdeff/fma README, "History"), unchanged since these reports.
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
CUT_PAST_THE_END = dict.fromkeys(
    (
        "001486 005574 065753 080391 098558 098559 098560 098565 098566 098567 098568 098569 098571 099134 "
        "105247 108924 108925 126981 127336 133297 143992"
    ).split(),
    CUT_PAST_THE_END_REASON,
)

# Clips of fma_large.zip a user could not decode with ffmpeg/librosa (https://github.com/mdeff/fma/issues/49,
# 2020-11-25); the maintainer checked a few and their SHA-1s match the archive's checksums file, so the
# files are as published. Which decoders fail on them varies: listed here so they are decoded at load time.
REPORTED_UNDECODABLE_REASON = "reported undecodable by ffmpeg/librosa (mdeff/fma#49)"
REPORTED_UNDECODABLE = dict.fromkeys(
    (
        "002624 003284 008669 010116 011583 012838 013529 014116 014180 020814 022554 023429 023430 023431 "
        "025173 025174 025175 025176 025180 029345 029346 029352 029356 033411 033413 033414 033417 033418 "
        "033419 033425 035725 039363 041745 042986 043753 050594 050782 053668 054569 054582 061480 061822 "
        "063422 063997 072656 072980 073510 080553 082699 084503 084504 084522 084524 086656 086659 086661 "
        "086664 087057 090244 090245 090247 090248 090250 090252 090253 090442 090445 091206 092479 094052 "
        "094234 095253 096203 096207 096210 098105 098562 101265 101272 101275 102241 102243 102247 102249 "
        "102289 106409 106412 106415 106628 108920 109266 110236 115610 117441 127928 129207 129800 130328 "
        "130748 130751 131545 133641 133647 134887 140449 140450 140451 140452 140453 140454 140455 140456 "
        "140457 140458 140459 140460 140461 140462 140463 140464 140465 140466 140467 140468 140469 140470 "
        "140471 140472 142614 144518 144619 145056 146056 147419 147424 148786 148787 148788 148789 148790 "
        "148791 148792 148793 148794 148795 151920 155051"
    ).split(),
    REPORTED_UNDECODABLE_REASON,
)

# What FMA-medium and FMA-large inherit: every list, FMA-small's own reasons winning for its six clips.
MEDIUM_AND_LARGE = {**REPORTED_UNDECODABLE, **CUT_PAST_THE_END, **SMALL}

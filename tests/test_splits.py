"""Splits by track: exact thesis counts, the published lists, carve-outs and leak checks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from genre_utils.data.datasets.table import make_track_table
from genre_utils.data.splits import (
    carve_validation,
    check_disjoint,
    fault_filtered_split,
    make_split,
    random_segment_split,
    split_summary,
    thesis_split,
)

GTZAN_GENRES = ("blues", "classical", "country", "disco", "hiphop", "jazz", "metal", "pop", "reggae", "rock")


def table(genres=GTZAN_GENRES, per_genre=100, artists=False):
    rows = [
        {"track_id": f"{g}.{i:05d}", "path": f"/x/{g}.{i:05d}.wav", "genre": g}
        for g in genres
        for i in range(per_genre)
    ]
    if artists:
        for row in rows:
            row["artist"] = row["track_id"][:-1]  # ten consecutive tracks per artist
    return make_track_table(rows)


def test_thesis_split_gtzan_is_800_200_with_20_per_genre():
    tracks = table()
    split = thesis_split(tracks, 20, seed=1)
    assert (split == "train").sum() == 800 and (split == "test").sum() == 200
    assert tracks[split == "test"].groupby("genre").size().eq(20).all()
    summary = split_summary(tracks, split)
    assert summary.loc["total", "test"] == 200


def test_thesis_split_fma_holds_out_100_per_genre():
    tracks = table(genres=[f"g{k}" for k in range(8)], per_genre=1000)
    split = make_split(tracks, "thesis", dataset="fma_small", seed=0)
    assert (split == "test").sum() == 800 and (split == "train").sum() == 7200


def test_thesis_split_is_seeded_and_order_independent():
    tracks = table()
    first = thesis_split(tracks, 20, seed=5)
    shuffled = tracks.sample(frac=1.0, random_state=3)
    again = thesis_split(shuffled, 20, seed=5).reindex(tracks.index)
    pd.testing.assert_series_equal(first, again)
    assert not thesis_split(tracks, 20, seed=6).equals(first)


def test_unusable_tracks_take_no_part():
    tracks = table(per_genre=30)
    tracks.loc[0, "status"] = "empty file (0 bytes)"
    split = thesis_split(tracks, 5)
    assert split[0] == ""
    with pytest.raises(ValueError, match="genre 'blues' has 29 usable tracks"):
        thesis_split(tracks, 29)


def test_fault_filtered_lists_give_443_197_290(gtzan_split_lists):
    tracks = table()
    split = fault_filtered_split(tracks, gtzan_split_lists)
    assert [(split == side).sum() for side in ("train", "valid", "test")] == [443, 197, 290]
    assert (split == "").sum() == 70
    check_disjoint(tracks, split)
    assert (make_split(tracks, "fault_filtered", dataset="gtzan", lists_dir=gtzan_split_lists) == split).all()


def test_a_track_in_two_lists_is_refused(tmp_path):
    for name, lines in (
        ("train_filtered.txt", "blues/blues.00000.wav\n"),
        ("valid_filtered.txt", "blues/blues.00000.wav\n"),
        ("test_filtered.txt", "blues/blues.00001.wav\n"),
    ):
        (tmp_path / name).write_text(lines)
    with pytest.raises(ValueError, match="blues.00000 is listed in both train and valid"):
        fault_filtered_split(table(per_genre=2), tmp_path)
    with pytest.raises(ValueError, match="not found"):
        fault_filtered_split(table(per_genre=2), tmp_path / "nowhere")


def test_check_disjoint_catches_shared_tracks_and_artists():
    tracks = table(per_genre=20, artists=True)
    split = pd.Series(np.where(np.arange(len(tracks)) % 2, "train", "test"), index=tracks.index)
    check_disjoint(tracks, split)  # every track on one side
    with pytest.raises(ValueError, match="artist value"):
        check_disjoint(tracks, split, group_column="artist")
    doubled = pd.concat([tracks, tracks.iloc[:1]], ignore_index=True)
    with pytest.raises(ValueError, match="blues.00000"):
        check_disjoint(doubled, pd.Series(["train"] * len(tracks) + ["test"]))


def test_carve_validation_is_stratified_and_never_touches_test():
    tracks = table()
    split = thesis_split(tracks, 20, seed=0)
    carved = carve_validation(split, tracks, fraction=0.1, seed=0)
    assert (carved[split == "test"] == "test").all()
    assert tracks[carved == "valid"].groupby("genre").size().eq(8).all()
    with pytest.raises(ValueError, match="already has validation"):
        carve_validation(carved, tracks)


def test_training_subsets_are_nested_stratified_seeded_and_leave_validation_and_test_alone():
    from genre_utils.data.splits import training_subset

    tracks = table(per_genre=30)
    split = carve_validation(thesis_split(tracks, 6, seed=2), tracks, seed=2)  # 22 training tracks per genre
    subsets = {f: training_subset(split, tracks, f, seed=2) for f in (0.125, 0.25, 0.5, 1.0)}
    assert subsets[1.0].equals(split)
    for fraction, subset in subsets.items():
        assert subset[split != "train"].equals(split[split != "train"])  # validation and test tracks unchanged
        assert set(subset[split == "train"]) <= {"train", ""}
        kept = tracks[subset == "train"].groupby("genre").size()
        assert kept.eq(int(np.ceil(fraction * 22))).all() and len(kept) == len(GTZAN_GENRES), fraction
    for small, large in ((0.125, 0.25), (0.25, 0.5), (0.5, 1.0)):
        assert set(tracks.index[subsets[small] == "train"]) <= set(tracks.index[subsets[large] == "train"])
    shuffled = tracks.sample(frac=1.0, random_state=1)
    again = training_subset(split.reindex(shuffled.index), shuffled, 0.25, seed=2).reindex(tracks.index)
    assert again.equals(subsets[0.25])  # depends on the seed and the tracks, not on row order
    assert not training_subset(split, tracks, 0.25, seed=3).equals(subsets[0.25])
    assert (training_subset(split, tracks, 0.01, seed=0)[split == "train"] == "train").sum() == len(GTZAN_GENRES)
    for bad in (0, 1.5, -0.5, True, "half"):
        with pytest.raises(ValueError, match=r"train_fraction must be a number in \(0, 1\]"):
            training_subset(split, tracks, bad)


def test_random_segments_leak():
    tracks = table(per_genre=10)
    owners = np.repeat(tracks.track_id.to_numpy(), 10)
    leaky = pd.DataFrame({"track": owners, "side": random_segment_split(len(owners), 0.2, seed=0)})
    assert (leaky.groupby("track")["side"].nunique() > 1).mean() > 0.5  # most tracks straddle the split


@pytest.mark.parametrize(
    "name, dataset, words",
    [
        ("random", "gtzan", "unknown split 'random'"),
        ("official", "gtzan", "applies to fma_small, fma_medium, fma_large only, not 'gtzan'"),
        ("fault_filtered", "fma_small", "applies to gtzan only"),
    ],
)
def test_bad_split_requests_are_named(name, dataset, words):
    with pytest.raises(ValueError, match=words):
        make_split(table(per_genre=5), name, dataset=dataset)


def _table(per_genre: int = 6, genres=("a", "b", "c")) -> pd.DataFrame:
    ids = [f"{g}.{i:05d}" for g in genres for i in range(per_genre)]
    return pd.DataFrame({"track_id": ids, "genre": [i.split(".")[0] for i in ids], "status": "ok"})


def test_kfold_tests_every_track_exactly_once_stratified_and_seeded():
    from genre_utils.data.splits import kfold_split

    tracks = _table()
    sides = [kfold_split(tracks, folds=3, fold=f, seed=4) for f in range(3)]
    tested = pd.concat([tracks.loc[s == "test", "track_id"] for s in sides])
    assert sorted(tested) == sorted(tracks["track_id"])  # each track in exactly one test fold
    for split in sides:
        assert (tracks.loc[split == "test"].groupby("genre").size() == 2).all()  # stratified
        assert set(split) == {"train", "test"}
    assert kfold_split(tracks.iloc[::-1], folds=3, fold=1, seed=4).sort_index().equals(sides[1])  # order-free
    assert not kfold_split(tracks, folds=3, fold=1, seed=5).equals(sides[1])
    with pytest.raises(ValueError, match="at least 7 usable tracks per genre"):
        kfold_split(tracks, folds=7, fold=0)
    with pytest.raises(ValueError, match="fold must be"):
        kfold_split(tracks, folds=3, fold=3)


def test_kfold_keeps_each_artist_on_one_side():
    from genre_utils.data.splits import check_disjoint, kfold_split

    tracks = _table(per_genre=8)
    tracks["artist"] = tracks["track_id"].str[:-1] + (tracks["track_id"].str[-1].astype(int) // 2).astype(str)
    for fold in range(4):
        check_disjoint(tracks, kfold_split(tracks, folds=4, fold=fold), group_column="artist")  # pairs share one
    with pytest.raises(ValueError, match="needs at least 4 artists"):
        kfold_split(tracks.assign(artist=tracks["genre"]), folds=4, fold=0)


def test_a_split_file_gives_the_sides_and_says_what_is_wrong(tmp_path):
    from genre_utils.data.splits import file_split, make_split

    tracks = _table(per_genre=2)
    path = tmp_path / "final.csv"
    path.write_text("track_id,side\na.00000,train\na.00001,valid\nb.00000,train\nb.00001,valid\n")
    split = make_split(tracks, "file", dataset="any", split_file=path)
    assert list(split) == ["train", "valid", "train", "valid", "", ""]
    for text, message in [
        ("track,side\n", "lacks column"),
        ("track_id,side\na.00000,holdout\n", "unknown side"),
        ("track_id,side\nz.1,train\n", "not in the dataset"),
        ("track_id,side\na.00000,train\na.00000,test\n", "more than once"),
    ]:
        path.write_text(text)
        with pytest.raises(ValueError, match=message):
            file_split(tracks, path)
    with pytest.raises(ValueError, match="not found"):
        file_split(tracks, tmp_path / "absent.csv")

"""Comparison tables, pairwise tests and the verdict over run folders built by hand (no training).

The runs (three made-up contenders, thesis, 2-fold, split-file and leaky settings) are described
in ``comparison_fixtures``; the expected numbers below are worked out from those wrong-track sets.
"""

from __future__ import annotations

import math
from collections import namedtuple

import numpy as np
import pandas as pd
import pytest
from comparison_fixtures import LABELS, build_runs, corrected_tests

from genre_utils.analysis import comparison, significance, summary

T_975_DF2 = 4.302652729749464  # Student t quantile, two degrees of freedom, from tables


@pytest.fixture
def runs(tmp_path):
    return build_runs(tmp_path)


def _setting(frame: pd.DataFrame, split: str) -> pd.DataFrame:
    return frame[frame["split"] == split].reset_index(drop=True)


def test_comparison_table_per_setting_and_entry(runs):
    table = comparison.comparison_table(runs, LABELS)
    assert table.columns.tolist() == comparison.TABLE_COLUMNS
    thesis = _setting(table, "thesis")
    assert thesis["label"].tolist() == ["Alpha net", "Gamma probe", "Beta forest"]  # by mean, descending
    alpha = thesis.iloc[0]
    sd = np.std([1.0, 0.95, 1.0], ddof=1)
    assert (alpha["n"], alpha["seeds"]) == (3, 3) and alpha["mean"] == pytest.approx(59 / 60)
    assert alpha["sd"] == pytest.approx(sd)
    assert alpha["ci_low"] == pytest.approx(59 / 60 - T_975_DF2 * sd / math.sqrt(3))
    assert alpha["ci_high"] == 1.0  # clipped
    assert alpha["train_seconds"] == pytest.approx(121.0) and alpha["parameters"] == 123456
    assert thesis["mean"].tolist() == pytest.approx([59 / 60, 55 / 60, 31 / 60])
    assert thesis["thesis"].isna().all()  # the thesis has no figure for this dataset
    kfold = _setting(table, "kfold")
    assert kfold["label"].tolist() == ["Alpha net · mfcc", "Alpha net · logmel", "Gamma probe", "Beta forest"]
    assert kfold["n"].tolist() == [6] * 4 and kfold["seeds"].tolist() == [3] * 4 and (kfold["folds"] == 2).all()
    assert kfold.loc[0, "mean"] == pytest.approx((0.9 + 1 + 0.8 + 1 + 1 + 1) / 6)  # every fold is a run
    single = _setting(table, "file")
    assert single["n"].tolist() == [1, 1] and single["sd"].isna().all() and single["ci_low"].isna().all()
    assert (single["split_file"] == "lists/custom_split.csv").all()


def test_labels_default_to_model_names_and_must_not_collide(runs):
    table = comparison.comparison_table(runs)
    assert _setting(table, "thesis")["label"].tolist() == ["alpha", "gamma", "beta"]
    assert _setting(table, "kfold")["label"].tolist()[:2] == ["alpha · mfcc", "alpha · logmel"]
    with pytest.raises(ValueError, match="same label"):
        comparison.comparison_table(runs, {"alpha": "Net", "beta": "Net"})


def test_thesis_figure_only_for_its_dataset_split_and_features(runs, monkeypatch):
    monkeypatch.setitem(comparison.THESIS_ACCURACY, ("toy", "alpha"), 0.6)
    chroma = runs[(runs["split"] == "thesis") & (runs["model"] == "alpha")].assign(features="chroma")
    table = comparison.comparison_table(pd.concat([runs, chroma], ignore_index=True), LABELS)
    marked = table[table["thesis"].notna()]
    assert marked[["split", "model", "features"]].values.tolist() == [["thesis", "alpha", "mfcc"]]
    assert marked["thesis"].iloc[0] == 0.6
    assert "Alpha net · chroma" in table["label"].tolist()  # not the thesis's configuration: no thesis figure


def test_older_runs_tables_and_csv_round_trips_give_the_same_table(runs, tmp_path):
    table = comparison.comparison_table(runs, LABELS)
    runs.to_csv(tmp_path / "runs.csv", index=False)
    pd.testing.assert_frame_equal(comparison.comparison_table(pd.read_csv(tmp_path / "runs.csv"), LABELS), table)
    old = _setting(runs, "thesis").drop(columns=["folds", "fold", "split_file"])
    old_table = comparison.comparison_table(old, LABELS)
    assert old_table["folds"].tolist() == [0, 0, 0] and old_table["split_file"].tolist() == ["", "", ""]
    assert old_table["mean"].tolist() == _setting(table, "thesis")["mean"].tolist()


def test_display_table_is_text_without_nan(runs, monkeypatch):
    monkeypatch.setitem(comparison.THESIS_ACCURACY, ("toy", "alpha"), 0.6)
    shown = comparison.display_table(comparison.comparison_table(runs, LABELS))
    assert shown.columns.tolist() == comparison.DISPLAY_COLUMNS
    assert all(isinstance(cell, str) and "nan" not in cell.lower() for cell in shown.to_numpy().ravel())
    assert all(cell.strip() for cell in shown.to_numpy().ravel())  # a reader never meets a blank cell
    rows = {(r.setting, r.contender): r for r in shown.itertuples(index=False)}
    alpha = rows[("toy · thesis · 3 s segments", "Alpha net")]
    assert (alpha[2], alpha[3], alpha[4], alpha[5], alpha[6]) == ("60.0", "98.3 ± 2.9", "91.2–100.0", "3", "0 of 3")
    assert (alpha[9], alpha[10]) == ("121", "123,456")
    beta = rows[("toy · thesis · 3 s segments", "Beta forest")]
    assert (beta[2], beta[9], beta[10]) == ("–", "3.5", "80")
    lone = rows[("toy · split file custom_split.csv · 3 s segments", "Alpha net")]
    assert (lone[3], lone[4], lone[5]) == ("90.0", "–", "1")
    assert ("toy · 2-fold cross-validation · 3 s segments", "Alpha net · logmel") in rows
    two = comparison.display_table(comparison.comparison_table(runs[runs["seed"] < 2], LABELS))
    two = two.set_index(["setting", "contender"])
    assert two.loc[("toy · thesis · 3 s segments", "Alpha net"), "95 % interval or range"] == "range 95.0–100.0"


def test_runs_that_did_not_learn_are_counted_flagged_and_named_first(runs):
    flagged = runs.assign(learned=True)
    flagged.loc[(flagged["model"] == "beta") & (flagged["split"] == "thesis") & (flagged["seed"] == 1), "learned"] = (
        False
    )
    table = comparison.comparison_table(flagged, LABELS)
    thesis = table[table["split"] == "thesis"].set_index("model")
    assert thesis.loc["beta", "not_learned"] == 1 and thesis.loc["alpha", "not_learned"] == 0
    shown = comparison.display_table(table).set_index(["setting", "contender"])
    assert shown.loc[("toy · thesis · 3 s segments", "Beta forest"), "did not learn"] == "1 of 3"
    assert shown.loc[("toy · thesis · 3 s segments", "Alpha net"), "did not learn"] == "0 of 3"
    verdict = summary.verdict_table(_setting(table, "thesis"), *corrected_tests(_setting(flagged, "thesis")))
    assert verdict.set_index("contender").loc["Beta forest", "learned?"] == "no, in 1 of 3 runs"
    written = summary.written_summary(_setting(table, "thesis"), verdict)
    assert "runs of Beta forest did not learn" in written.splitlines()[0]


def test_setting_label_names_folds_and_split_files():
    assert (
        comparison.setting_label(
            {"dataset": "gtzan", "split": "kfold", "folds": 5, "split_file": "", "segment_seconds": 0.0}
        )
        == "gtzan · 5-fold cross-validation · whole clips"
    )
    old = namedtuple("Row", "dataset split features segment_seconds")("gtzan", "thesis", "mfcc", 3.0)
    assert comparison.setting_label(old) == "gtzan · thesis · 3 s segments"
    row = pd.Series(
        {"dataset": "fma_small", "split": "file", "folds": 0, "split_file": "/a/b/mine.csv", "segment_seconds": 3.0}
    )
    assert comparison.setting_label(row) == "fma_small · split file mine.csv · 3 s segments"


def test_pairwise_mcnemar_every_pair_every_seed_with_holm(runs):
    assert significance.pairwise_mcnemar(runs, LABELS).columns.tolist() == significance.MCNEMAR_COLUMNS
    table = corrected_tests(runs, LABELS)[0]
    counts = table.groupby(["split", "seed"]).size()
    assert counts["thesis"].tolist() == [3] * 3  # 3 entries: 3 pairs per seed
    assert counts["kfold"].tolist() == [6] * 3  # 4 entries: 6 pairs per seed
    assert counts["file"].tolist() == [1] and "random_segments" not in counts  # one entry: no pair
    seed0 = _setting(table, "thesis").query("seed == 0").set_index(["label_a", "label_b"])
    row = seed0.loc[("Alpha net", "Beta forest")]
    assert row[["both", "only_a", "only_b", "neither"]].tolist() == [10, 10, 0, 0]
    assert row["p_value"] == pytest.approx(2**-9) and row["p_holm"] == pytest.approx(3 * 2**-9)
    row = seed0.loc[("Gamma probe", "Beta forest")]
    assert (row["only_a"], row["only_b"]) == (10, 1)
    assert row["p_value"] == pytest.approx(24 / 2**11) and row["p_holm"] == pytest.approx(2 * 24 / 2**11)
    assert seed0.loc[("Alpha net", "Gamma probe"), "p_holm"] == 1.0
    seed1 = _setting(table, "thesis").query("seed == 1").set_index(["label_a", "label_b"])
    assert seed1.loc[("Alpha net", "Beta forest"), "p_holm"] == pytest.approx(3 * 22 / 2**10)  # not < 0.05


def test_pairwise_mcnemar_pools_the_folds_of_a_seed(runs):
    kfold = _setting(significance.pairwise_mcnemar(runs, LABELS), "kfold")
    assert (kfold["tracks"] == 20).all()  # both folds' 10 test tracks
    row = kfold.query("seed == 1").set_index(["label_a", "label_b"]).loc[("Alpha net · mfcc", "Beta forest")]
    # alpha wrong on t01 t11, beta on t00-t08 over the two folds
    assert row[["both", "only_a", "only_b", "neither"]].tolist() == [10, 8, 1, 1]
    assert (row["accuracy_a"], row["accuracy_b"]) == pytest.approx((0.9, 0.55))


def test_runs_on_different_test_tracks_are_not_paired(runs):
    beta = runs[(runs["split"] == "thesis") & (runs["model"] == "beta") & (runs["seed"] == 1)]["folder"].iloc[0]
    frame = pd.read_csv(f"{beta}/predictions.csv")
    frame.loc[0, "track_id"] = "other"
    frame.to_csv(f"{beta}/predictions.csv", index=False)
    with pytest.raises(ValueError, match="different test tracks") as error:
        significance.pairwise_mcnemar(runs)
    assert beta in str(error.value) and "alpha-mfcc-thesis-seed1" in str(error.value)


def test_a_missing_fold_or_a_repeated_run_is_refused(runs):
    kfold_gamma = (runs["split"] == "kfold") & (runs["model"] == "gamma") & (runs["seed"] == 0) & (runs["fold"] == 1)
    with pytest.raises(ValueError, match="different test tracks"):
        significance.pairwise_mcnemar(runs[~kfold_gamma])
    twice = pd.concat([runs, runs.iloc[[0]]], ignore_index=True)
    with pytest.raises(ValueError, match="more than once"):
        significance.pairwise_mcnemar(twice)
    with pytest.raises(ValueError, match="several runs"):
        significance.pairwise_paired_tests(twice)


def test_pairwise_paired_tests_across_seeds_with_holm(runs):
    assert significance.pairwise_paired_tests(runs, LABELS).columns.tolist() == significance.PAIRED_COLUMNS
    table = corrected_tests(runs, LABELS)[1]
    assert table.groupby("split").size().to_dict() == {"file": 1, "kfold": 6, "thesis": 3}  # k(k-1)/2
    thesis = _setting(table, "thesis").set_index(["label_a", "label_b"])
    row = thesis.loc[("Alpha net", "Beta forest")]  # differences 0.50, 0.40, 0.50
    assert row["n"] == 3 and row["mean_difference"] == pytest.approx(0.4 + 1 / 15)
    assert row["t_statistic"] == pytest.approx(14.0)
    assert row["p_value_t"] == pytest.approx(1 - 14 / math.sqrt(14**2 + 2))  # two-sided, t with 2 df
    assert row["p_holm_t"] == pytest.approx(3 * row["p_value_t"])  # the smallest of three
    assert (_setting(table, "kfold")["n"] == 6).all()  # paired by (seed, fold)
    lone = _setting(table, "file").iloc[0]
    assert lone["n"] == 1 and math.isnan(lone["p_value_t"]) and math.isnan(lone["p_holm_t"])


def test_two_model_views_read_the_pair_the_way_asked(runs):
    mcnemar = _setting(significance.mcnemar_by_seed(runs, "beta", "alpha"), "thesis").set_index("seed")
    assert mcnemar.loc[0, ["only_a", "only_b"]].tolist() == [0, 10] and mcnemar.loc[0, "accuracy_a"] == 0.5
    assert mcnemar["model_a"].unique().tolist() == ["beta"]
    paired = _setting(significance.paired_tests(runs, "beta", "alpha"), "thesis").iloc[0]
    assert paired["mean_difference"] == pytest.approx(-0.4 - 1 / 15) and paired["t_statistic"] == pytest.approx(-14)
    assert significance.mcnemar_by_seed(runs, "alpha", "nobody").empty


def test_f1_by_genre_one_setting(runs):
    matrix = comparison.f1_by_genre(_setting(runs, "thesis"), LABELS)
    assert matrix.index.tolist() == ["Alpha net", "Gamma probe", "Beta forest"]
    assert matrix.columns.tolist() == ["blues", "rock"]
    # Beta: seeds 0 and 2 get 5 of 10 per genre right (F1 0.5); seed 1 misses t01-t04 and t10-t14.
    assert matrix.loc["Beta forest", "blues"] == pytest.approx((0.5 + 12 / 21 + 0.5) / 3)
    assert matrix.loc["Beta forest", "rock"] == pytest.approx((0.5 + 10 / 19 + 0.5) / 3)
    assert comparison.f1_by_genre(_setting(runs, "kfold"), LABELS).shape == (4, 2)
    with pytest.raises(ValueError, match="one setting"):
        comparison.f1_by_genre(runs)


def test_summed_confusion_and_leakage(runs):
    alpha = runs[(runs["split"] == "thesis") & (runs["model"] == "alpha")]
    assert comparison.summed_confusion(alpha).to_numpy().tolist() == [[29, 1], [0, 30]]
    leakage = comparison.leakage_table(runs, LABELS)
    assert len(leakage) == 1
    row = leakage.iloc[0]
    assert (row["model"], row["features"], row["label"], row["seeds"]) == ("alpha", "mfcc", "Alpha net", 3)
    assert row["track_split"] == pytest.approx(59 / 60) and row["random_segment_split"] == 1.0
    assert row["inflation"] == pytest.approx(1 / 60)
    assert comparison.leakage_table(_setting(runs, "thesis")).empty


def test_the_verdict_names_the_wins_after_holm_and_one_sentence(runs):
    thesis = _setting(runs, "thesis")
    table = comparison.comparison_table(thesis, LABELS)
    verdict = summary.verdict_table(table, *corrected_tests(thesis))  # tests without labels: named by the table's
    assert verdict.columns.tolist() == summary.VERDICT_COLUMNS
    assert verdict["contender"].tolist() == ["Alpha net", "Gamma probe", "Beta forest"]
    alpha = verdict.iloc[0]
    assert alpha.tolist()[1:4] == ["98.3 ± 2.9", "91.2–100.0", "yes"]
    assert alpha[summary.BEATS] == "Beta forest (McNemar in 2 of 3 seeds, paired t-test p = 0.015)"
    assert verdict.iloc[2][summary.BEATS] == "–"
    written = summary.written_summary(table, verdict)
    sentence, markdown = written.split("\n\n")
    assert sentence == (
        "On toy · thesis · 3 s segments over 3 seeds, Alpha net ranks first (98.3 ± 2.9 %); after Holm's correction "
        "Alpha net beats Beta forest (McNemar in 2 of 3 seeds, paired t-test p = 0.015); Gamma probe beats Beta forest "
        "(McNemar in 2 of 3 seeds, paired t-test p = 0.031)."
    )
    assert markdown.splitlines()[2].startswith("| Alpha net | 98.3 ± 2.9 |") and len(markdown.splitlines()) == 5
    lone = _setting(runs, "file")
    lone_table = comparison.comparison_table(lone)
    lone_verdict = summary.verdict_table(lone_table, *corrected_tests(lone))
    assert "no contender beats another" in summary.written_summary(lone_table, lone_verdict)
    with pytest.raises(ValueError, match="one setting"):
        summary.verdict_table(comparison.comparison_table(runs), *corrected_tests(runs))


def test_select_setting_lists_the_finished_ones(runs):
    assert len(comparison.select_setting(runs, "kfold", 3.0, folds=2)) == 24
    with pytest.raises(ValueError, match="finished.*toy · thesis"):
        comparison.select_setting(runs, "kfold", 3.0, folds=5)


def test_a_table_that_is_not_a_runs_table_is_refused():
    with pytest.raises(ValueError, match="collect_runs"):
        comparison.comparison_table(pd.DataFrame({"accuracy": [0.5]}))
    with pytest.raises(ValueError, match="collect_runs"):
        significance.pairwise_mcnemar(pd.DataFrame({"model": ["a"], "accuracy": [0.5]}))
    with pytest.raises(ValueError, match="DataFrame"):
        comparison.comparison_table([{"accuracy": 0.5}])


def test_no_runs_give_empty_tables_and_a_plain_summary(runs):
    none = runs.iloc[0:0]
    table = comparison.comparison_table(none)
    assert table.empty and table.columns.tolist() == comparison.TABLE_COLUMNS
    tests = corrected_tests(none)
    assert all(t.empty for t in tests) and comparison.display_table(table).empty
    assert summary.written_summary(table, summary.verdict_table(table, *tests)) == "No finished runs to summarize."

"""The degradation study's analysis: drops, McNemar clean vs degraded, Holm, exclusions, goal, words, figure.

Every table here is synthetic, with answers known by construction: no training.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from scipy import stats  # noqa: E402

from genre_utils.analysis import robustness  # noqa: E402
from genre_utils.analysis.plots import plot_robustness  # noqa: E402
from genre_utils.data.degradations import get_degradation  # noqa: E402
from genre_utils.models import get_contender  # noqa: E402

TRACKS = 10
BAND, MP3, NOISE = "band_8k", "mp3_64k", "white_20db"
FEATURES = {"cnn": "mfcc", "svm": "mfcc", "crnn": "logmel"}


def wrong_first(count: int):
    """A rule: the first ``count`` tracks are misclassified."""
    return lambda track: track >= count


def runs(model: str, rules: dict, seeds=(0, 1, 2), augment: int = 0, learned: bool = True, tracks: int = TRACKS):
    """Prediction rows of ``model``'s runs: ``rules[degradation](seed)`` gives whether track i is right."""
    rows = []
    for seed in seeds:
        run = f"{model}-aug{augment}-seed{seed}" + ("" if learned else "-flat")
        for degradation, rule in rules.items():
            correct = rule(seed)
            for track in range(tracks):
                true = f"genre{track % 3}"
                right = bool(correct(track))
                rows.append(
                    {
                        "dataset": "synthetic",
                        "model": model,
                        "features": FEATURES[model],
                        "split": "thesis",
                        "segment_seconds": 3.0,
                        "seed": seed,
                        "fold": 0,
                        "augment": augment,
                        "run": run,
                        "learned": learned,
                        "degradation": degradation,
                        "track_id": f"t{track:03d}",
                        "true": true,
                        "predicted": true if right else "other",
                        "correct": right,
                    }
                )
    return rows


def study(*parts) -> pd.DataFrame:
    return pd.DataFrame([row for part in parts for row in part])


# The CNN: right on every clean track; under the 8 kHz band limit seed s gets 4 + s tracks wrong (drops 0.4,
# 0.5, 0.6); MP3 does not hurt it. The SVM: right on 8 of 10 tracks whatever the degradation.
CNN = {"clean": lambda s: wrong_first(0), BAND: lambda s: wrong_first(4 + s), MP3: lambda s: wrong_first(0)}
SVM = {"clean": lambda s: wrong_first(2), BAND: lambda s: wrong_first(2), MP3: lambda s: wrong_first(2)}


def two_contenders(*extra) -> pd.DataFrame:
    return study(runs("cnn", CNN), runs("svm", SVM), *extra)


def row(table: pd.DataFrame, model: str, degradation: str, augment: int = 0) -> pd.Series:
    match = table[(table["model"] == model) & (table["degradation"] == degradation) & (table["augment"] == augment)]
    assert len(match) == 1, match
    return match.iloc[0]


def test_run_accuracies_give_each_runs_drop_and_retained_share():
    table = robustness.run_accuracies(two_contenders())
    assert list(table.columns) == robustness.RUN_COLUMNS
    assert len(table) == 2 * 3 * 3  # runs x (clean + 2 degradations)
    band = table[(table["model"] == "cnn") & (table["degradation"] == BAND)].sort_values("seed")
    assert band["accuracy"].tolist() == pytest.approx([0.6, 0.5, 0.4])
    assert band["clean_accuracy"].tolist() == pytest.approx([1.0, 1.0, 1.0])
    assert band["drop"].tolist() == pytest.approx([0.4, 0.5, 0.6])
    assert band["retained"].tolist() == pytest.approx([0.6, 0.5, 0.4])
    svm = table[table["model"] == "svm"]
    assert svm["drop"].tolist() == pytest.approx([0.0] * 9) and svm["retained"].tolist() == pytest.approx([1.0] * 9)
    clean = table[table["degradation"] == "clean"]
    assert (clean["drop"] == 0).all() and (clean["retained"] == 1).all()


def test_the_robustness_table_has_the_drop_its_interval_and_mcnemar_against_scipy():
    table = robustness.robustness_table(two_contenders())
    assert list(table.columns) == robustness.ROBUSTNESS_COLUMNS
    assert list(zip(table["model"], table["degradation"])) == [("cnn", BAND), ("cnn", MP3), ("svm", BAND), ("svm", MP3)]
    band = row(table, "cnn", BAND)
    assert band["label"] == get_contender("cnn").title and band["degradation_title"] == get_degradation(BAND).title
    assert (band["n"], band["excluded_runs"], band["pairs"]) == (3, 0, 30)
    assert band["clean_accuracy"] == pytest.approx(1.0) and band["degraded_accuracy"] == pytest.approx(0.5)
    assert band["drop"] == pytest.approx(0.5) and band["drop_sd"] == pytest.approx(0.1)
    low, high = stats.t.interval(0.95, 2, loc=0.5, scale=0.1 / np.sqrt(3))
    assert (band["drop_ci_low"], band["drop_ci_high"]) == (pytest.approx(low), pytest.approx(high))
    assert band["retained"] == pytest.approx(0.5)
    # 4 + 5 + 6 = 15 (run, track) pairs right clean and wrong degraded, none the other way
    assert (band["both"], band["only_clean"], band["only_degraded"], band["neither"]) == (15, 15, 0, 0)
    assert band["p_value"] == pytest.approx(stats.binomtest(15, 15, 0.5).pvalue)
    mp3 = row(table, "cnn", MP3)
    assert (mp3["only_clean"], mp3["only_degraded"], mp3["p_value"], mp3["drop"]) == (0, 0, 1.0, 0.0)
    assert band["p_holm"] == pytest.approx(2 * band["p_value"]) and mp3["p_holm"] == 1.0
    svm = row(table, "svm", BAND)
    assert (svm["both"], svm["neither"], svm["only_clean"], svm["p_value"], svm["retained"]) == (24, 6, 0, 1.0, 1.0)


def test_a_narrower_interval_at_lower_confidence_and_order_of_appearance():
    table = robustness.robustness_table(study(runs("svm", SVM), runs("cnn", CNN)), confidence=0.5)
    assert table["model"].tolist() == ["svm", "svm", "cnn", "cnn"]
    band = row(table, "cnn", BAND)
    assert band["drop_ci_high"] - band["drop_ci_low"] == pytest.approx(2 * stats.t.ppf(0.75, 2) * 0.1 / np.sqrt(3))


def test_holm_corrects_over_the_degradations_of_each_contender():
    rules = {
        "clean": lambda s: wrong_first(0),
        BAND: lambda s: wrong_first(10),
        MP3: lambda s: wrong_first(3),
        NOISE: lambda s: wrong_first(6),
    }
    table = robustness.robustness_table(study(runs("cnn", rules, seeds=(0,)), runs("svm", SVM, seeds=(0,))))
    cnn = table[table["model"] == "cnn"].set_index("degradation")
    raw = {name: stats.binomtest(wrong, wrong, 0.5).pvalue for name, wrong in ((BAND, 10), (MP3, 3), (NOISE, 6))}
    assert cnn["p_value"].to_dict() == pytest.approx(raw)
    # sorted ascending: band (x3), noise (x2), mp3 (x1), each at least the one before
    assert cnn.loc[BAND, "p_holm"] == pytest.approx(3 * raw[BAND])
    assert cnn.loc[NOISE, "p_holm"] == pytest.approx(2 * raw[NOISE])
    assert cnn.loc[MP3, "p_holm"] == pytest.approx(min(1.0, raw[MP3]))
    assert np.isnan(cnn.loc[BAND, "drop_sd"])  # one run: no spread, no interval
    svm = table[table["model"] == "svm"]
    assert (svm["p_holm"] == 1.0).all()  # the SVM's own family, not the CNN's


def test_runs_that_did_not_learn_are_left_out_and_counted():
    ruined = {"clean": lambda s: wrong_first(0), BAND: lambda s: wrong_first(10), MP3: lambda s: wrong_first(10)}
    predictions = two_contenders(runs("cnn", ruined, seeds=(7,), learned=False))
    table = robustness.robustness_table(predictions)
    band = row(table, "cnn", BAND)
    assert (band["n"], band["excluded_runs"], band["pairs"]) == (3, 1, 30)
    assert band["drop"] == pytest.approx(0.5) and band["only_clean"] == 15
    assert row(table, "cnn", MP3)["drop"] == pytest.approx(0.0)
    assert (table.loc[table["model"] == "svm", "excluded_runs"] == 0).all()
    accuracies = robustness.run_accuracies(predictions)
    assert (~accuracies["learned"]).sum() == 3  # the run is still listed there, marked
    assert robustness.robustness_verdicts(table).loc[get_contender("cnn").title, "excluded_runs"] == 1


def test_a_contender_whose_runs_all_failed_has_rows_without_numbers():
    table = robustness.robustness_table(study(runs("cnn", CNN), runs("svm", SVM, learned=False)))
    svm = table[table["model"] == "svm"]
    assert (svm["n"] == 0).all() and (svm["excluded_runs"] == 3).all()
    assert svm[["drop", "p_value", "p_holm", "retained"]].isna().all().all()
    verdicts = robustness.robustness_verdicts(table)
    assert verdicts.loc[get_contender("svm").title, "excluded_runs"] == 3 and not verdicts["verdict"].any()
    assert get_degradation(BAND).title in robustness.robustness_sentence(verdicts)


def answer(table: pd.DataFrame, effect=None) -> tuple[pd.DataFrame, str]:
    verdicts = robustness.robustness_verdicts(table, effect)
    return verdicts, robustness.robustness_sentence(verdicts)


def test_the_verdicts_name_the_most_and_least_robust_and_the_worst_degradation():
    verdicts, sentence = answer(robustness.robustness_table(two_contenders()))
    svm, cnn = get_contender("svm").title, get_contender("cnn").title
    assert verdicts["verdict"].to_dict() == {cnn: "least robust", svm: "most robust"}
    assert verdicts.loc[cnn, "retained"] == pytest.approx(0.75) and verdicts.loc[cnn, "significant_drops"] == 1
    assert verdicts.loc[cnn, "worst"] == get_degradation(BAND).title
    assert sentence.startswith(f"Without augmentation, {svm} keeps the most of its clean accuracy (100.0 %")
    assert f"{cnn} the least (75.0 %, a drop of 50.0 points under {get_degradation(BAND).title})" in sentence


def test_one_contender_gives_no_ranking():
    verdicts, sentence = answer(robustness.robustness_table(study(runs("cnn", CNN))))
    assert not verdicts["verdict"].any() and f"{get_contender('cnn').title} keeps 75.0 %" in sentence
    verdicts, sentence = answer(robustness.robustness_table(study(runs("cnn", CNN, learned=False))))
    assert verdicts["excluded_runs"].tolist() == [3] and sentence.startswith("No contender has learnt runs")


def augmented(clean_right: int, band_right: int, augment: int = 2, tracks: int = 50):
    """CNN runs trained with augmentation: ``clean_right`` and ``band_right`` of ``tracks`` right."""
    rules = {
        "clean": lambda s: wrong_first(tracks - clean_right),
        BAND: lambda s: wrong_first(tracks - band_right),
        MP3: lambda s: wrong_first(tracks - clean_right),
    }
    return runs("cnn", rules, augment=augment, tracks=tracks)


def plain_cnn(tracks: int = 50):
    """Un-augmented CNN runs: all right clean, 20 of 50 right under the band limit (retained 0.4)."""
    return runs(
        "cnn",
        {"clean": lambda s: wrong_first(0), BAND: lambda s: wrong_first(30), MP3: lambda s: wrong_first(0)},
        tracks=tracks,
    )


def test_augmentation_meets_the_goal_at_its_bounds():
    # clean 49/50 = 0.98: loses exactly 2 points; band 40/50: keeps 0.8 / 0.98 of it
    effect = robustness.augmentation_effect(study(plain_cnn(), augmented(49, 40)))
    assert list(effect.columns) == robustness.EFFECT_COLUMNS
    assert effect["degradation"].tolist() == ["clean", BAND, MP3]
    clean, band = effect.iloc[0], effect.iloc[1]
    assert (clean["accuracy_without"], clean["accuracy_with"]) == (pytest.approx(1.0), pytest.approx(0.98))
    assert clean["difference"] == pytest.approx(-0.02) and clean["meets_goal"]
    assert band["difference"] == pytest.approx(0.4) and band["retained_with"] == pytest.approx(0.8 / 0.98)
    assert effect["goal_met"].all() and (effect["n_without"] == 3).all() and (effect["n_with"] == 3).all()


@pytest.mark.parametrize("clean_right, band_right, failing", [(48, 45, "clean"), (50, 39, BAND)])
def test_augmentation_misses_the_goal(clean_right, band_right, failing):
    effect = robustness.augmentation_effect(study(plain_cnn(), augmented(clean_right, band_right)))
    assert effect.set_index("degradation")["meets_goal"].to_dict() == {
        "clean": failing != "clean",
        BAND: failing != BAND,
        MP3: True,
    }
    assert not effect["goal_met"].any()


def test_augmentation_effect_is_empty_without_a_pair_and_in_the_verdicts_with_one():
    for predictions in (two_contenders(), study(augmented(49, 40)), study(plain_cnn(), runs("svm", SVM, augment=1))):
        effect = robustness.augmentation_effect(predictions)
        assert effect.empty and list(effect.columns) == robustness.EFFECT_COLUMNS
    flat = robustness.augmentation_effect(study(plain_cnn(), [dict(r, learned=False) for r in augmented(49, 40)]))
    assert flat.empty  # augmented runs that did not learn pair with nothing
    predictions = study(plain_cnn(), augmented(49, 40), runs("svm", SVM, tracks=50))
    table = robustness.robustness_table(predictions)
    verdicts, _ = answer(table, robustness.augmentation_effect(predictions))
    assert verdicts.loc[f"{get_contender('cnn').title} (augmented ×2)", "verdict"] == "goal met"


def test_the_figure_has_one_group_per_contender_and_an_x_label():
    figure = plot_robustness(robustness.robustness_table(two_contenders()), title="robustness")
    ax = figure.axes[0]
    assert len(ax.containers) == 2 and ax.get_xlabel() and ax.get_title() == "robustness"
    assert [t.get_text() for t in ax.get_yticklabels()] == [get_degradation(BAND).title, get_degradation(MP3).title]
    legend = figure.legends[0]
    assert [t.get_text() for t in legend.get_texts()] == [get_contender("cnn").title, get_contender("svm").title]
    cnn_points = ax.containers[0].lines[0]
    assert list(cnn_points.get_xdata()) == pytest.approx([50.0, 0.0])
    assert any(
        list(line.get_xdata()) == [0, 0] and list(line.get_ydata()) == [0, 1]  # the line at no drop
        for line in ax.get_lines()
    )
    plt.close(figure)
    table = robustness.robustness_table(study(plain_cnn(), augmented(49, 40), runs("svm", SVM, tracks=50)))
    figure, ax = plt.subplots()
    assert plot_robustness(table, ax=ax) is figure
    assert len(ax.containers) == 3
    hollow = [c.lines[0].get_markerfacecolor() for c in ax.containers]
    assert hollow.count("white") == 1 and "augmented ×2" in ax.get_legend().get_texts()[1].get_text()
    plt.close(figure)


def test_the_figure_leaves_out_contenders_without_learnt_runs():
    table = robustness.robustness_table(study(runs("cnn", CNN), runs("svm", SVM, learned=False)))
    figure = plot_robustness(table)
    assert len(figure.axes[0].containers) == 1
    assert "3 runs that did not learn left out" in figure.legends[0].get_title().get_text()
    plt.close(figure)
    with pytest.raises(ValueError, match="column 'n' is 0"):
        plot_robustness(table[table["model"] == "svm"])
    with pytest.raises(ValueError, match="robustness lacks column"):
        plot_robustness(table.drop(columns=["drop_ci_low"]))


def test_bad_predictions_are_refused_naming_the_column():
    good = two_contenders()
    cases = [
        (good.drop(columns=["correct", "augment"]), r"lack column\(s\) \['augment', 'correct'\]"),
        (good.iloc[:0], "no rows"),
        (good[good["degradation"] != "clean"], "no 'clean' rows"),
        (good.drop(index=good.index[(good["degradation"] == BAND)][:1]), "column 'track_id'.*does not test its clean"),
        (pd.concat([good, good.iloc[:1]]), "column 'track_id' repeats"),
        (good.assign(correct="maybe"), "column 'correct' must be boolean"),
        (good.assign(dataset=["a", "b"] * (len(good) // 2)), "settings"),
    ]
    for predictions, message in cases:
        with pytest.raises(ValueError, match=message):
            robustness.robustness_table(predictions)
    with pytest.raises(ValueError, match="must be a pandas DataFrame"):
        robustness.run_accuracies([1, 2])
    with pytest.raises(ValueError, match="holds only 'clean'"):
        robustness.robustness_table(good[good["degradation"] == "clean"])


def test_predictions_read_back_from_csv_are_accepted(tmp_path):
    predictions = two_contenders(runs("cnn", CNN, seeds=(7,), learned=False))
    path = tmp_path / "predictions.csv"
    predictions.astype({"correct": str, "learned": str}).to_csv(path, index=False)
    again = robustness.robustness_table(pd.read_csv(path, dtype={"learned": str, "correct": str}))
    pd.testing.assert_frame_equal(again, robustness.robustness_table(predictions))


def test_under_three_runs_the_range_stands_for_the_interval_as_in_the_comparison():
    table = robustness.robustness_table(study(runs("cnn", CNN, seeds=(0, 1)), runs("svm", SVM, seeds=(0, 1))))
    band = row(table, "cnn", BAND)
    assert band["n"] == 2 and np.isnan(band["drop_ci_low"]) and np.isnan(band["drop_ci_high"])
    assert (band["drop_min"], band["drop_max"]) == (pytest.approx(0.4), pytest.approx(0.5))
    figure = plot_robustness(table)
    ax = figure.axes[0]
    dashed = [c for c in ax.collections if c.get_linestyle()[0][1] is not None]  # the ranges, dashed
    assert dashed and [list(segment[:, 0]) for segment in dashed[0].get_segments()][0] == pytest.approx([40.0, 50.0])
    assert -105 <= ax.get_xlim()[0] and ax.get_xlim()[1] <= 105  # a drop lies within +-100 points
    assert "dashed: the range" in figure.legends[0].get_title().get_text()
    plt.close(figure)


def test_with_and_without_are_compared_on_the_same_seeds():
    # un-augmented seeds 0, 1, 2 are right on 10, 9 and 8 of 10 clean tracks; the augmented run has seed 0 only
    plain = runs("cnn", {"clean": lambda s: wrong_first(s), BAND: lambda s: wrong_first(5)})
    extra = runs("cnn", {"clean": lambda s: wrong_first(0), BAND: lambda s: wrong_first(2)}, seeds=(0,), augment=1)
    effect = robustness.augmentation_effect(study(plain, extra))
    clean = effect[effect["degradation"] == "clean"].iloc[0]
    assert (clean["n_without"], clean["n_with"]) == (1, 1)
    assert clean["accuracy_without"] == pytest.approx(1.0)  # seed 0's, not the mean 0.9 of all three seeds
    assert clean["difference"] == pytest.approx(0.0) and bool(clean["meets_goal"])

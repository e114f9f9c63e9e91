"""Statistics across seeds and between models, checked against hand-computed values."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

from genre_utils.analysis.statistics import holm, mcnemar, paired_seed_test, seed_summary, summarize_runs


def _t3_two_sided_p(t: float) -> float:
    """Two-sided p of Student t with 3 degrees of freedom, closed form."""
    x = abs(t) / math.sqrt(3)
    return 1 - (2 / math.pi) * (x / (1 + x * x) + math.atan(x))


def _correct_arrays(both: int, only_a: int, only_b: int, neither: int) -> tuple[np.ndarray, np.ndarray]:
    a = [True] * both + [True] * only_a + [False] * only_b + [False] * neither
    b = [True] * both + [False] * only_a + [True] * only_b + [False] * neither
    return np.array(a), np.array(b)


def test_seed_summary_t_interval():
    summary = seed_summary([0.5, 0.6, 0.7])
    assert summary["n"] == 3
    assert summary["mean"] == pytest.approx(0.6)
    assert summary["sd"] == pytest.approx(0.1)
    half_width = 4.302652729749464 * 0.1 / math.sqrt(3)  # t(0.975, df=2) from tables
    assert half_width == pytest.approx(0.24841, abs=1e-5)
    assert summary["ci_low"] == pytest.approx(0.6 - half_width)
    assert summary["ci_high"] == pytest.approx(0.6 + half_width)
    assert (summary["min"], summary["max"]) == (0.5, 0.7)
    wider = seed_summary([0.5, 0.6, 0.7], confidence=0.99)
    assert wider["ci_high"] - wider["ci_low"] > summary["ci_high"] - summary["ci_low"]


def test_seed_summary_single_seed_is_nan():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        summary = seed_summary([0.8])
    assert summary["n"] == 1 and summary["mean"] == 0.8
    assert math.isnan(summary["sd"]) and math.isnan(summary["ci_low"]) and math.isnan(summary["ci_high"])


def test_seed_summary_rejects_bad_input():
    with pytest.raises(ValueError, match="values"):
        seed_summary([])
    with pytest.raises(ValueError, match="values"):
        seed_summary([0.5, float("nan")])
    with pytest.raises(ValueError, match="confidence"):
        seed_summary([0.5, 0.6], confidence=95)


def test_mcnemar_textbook_table():
    a, b = _correct_arrays(both=5, only_a=10, only_b=2, neither=3)
    result = mcnemar(a, b)
    assert (result["both"], result["only_a"], result["only_b"], result["neither"]) == (5, 10, 2, 3)
    assert result["p_value"] == pytest.approx(2 * (1 + 12 + 66) / 2**12)  # 0.0385742
    assert result["p_value"] == pytest.approx(0.0385742, abs=1e-7)
    assert result["statistic"] == pytest.approx((8 - 1) ** 2 / 12)  # 4.0833
    assert result["p_value_chi2"] == pytest.approx(math.erfc(math.sqrt(result["statistic"] / 2)))
    assert "McNemar" in result["method"]
    swapped = mcnemar(b, a)
    assert swapped["p_value"] == pytest.approx(result["p_value"]) and swapped["only_a"] == 2


def test_mcnemar_without_evidence():
    a, b = _correct_arrays(both=4, only_a=3, only_b=3, neither=1)
    balanced = mcnemar(a, b)
    assert balanced["statistic"] == 0.0 and balanced["p_value"] == 1.0 and balanced["p_value_chi2"] == 1.0
    same = mcnemar([True, False, True], [1, 0, 1])
    assert same["only_a"] == same["only_b"] == 0
    assert same["statistic"] == 0.0 and same["p_value"] == 1.0 and same["p_value_chi2"] == 1.0


def test_mcnemar_rejects_bad_input():
    with pytest.raises(ValueError, match="correct_b"):
        mcnemar([True, False], [True])
    with pytest.raises(ValueError, match="correct_a"):
        mcnemar([0.3, 1.0], [True, False])
    with pytest.raises(ValueError, match="correct_a"):
        mcnemar([], [])


def test_paired_seed_test_by_hand():
    a, b = [0.71, 0.73, 0.75, 0.72], [0.70, 0.71, 0.70, 0.68]  # differences 0.01, 0.02, 0.05, 0.04
    result = paired_seed_test(a, b)
    assert result["n"] == 4
    assert result["mean_difference"] == pytest.approx(0.03)
    t = 0.03 / (math.sqrt(1e-3 / 3) / 2)  # sd of differences sqrt(0.001 / 3), n = 4
    assert result["t_statistic"] == pytest.approx(t)
    assert result["p_value_t"] == pytest.approx(_t3_two_sided_p(t))
    assert result["p_value_wilcoxon"] == pytest.approx(2 / 2**4)  # all four differences positive, exact


def test_paired_seed_test_degenerate_cases_are_nan_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        constant = paired_seed_test([0.5, 0.75, 1.0], [0.25, 0.5, 0.75])  # every difference 0.25
        single = paired_seed_test([0.8], [0.7])
        equal = paired_seed_test([0.8, 0.7, 0.6], [0.8, 0.7, 0.6])
    assert constant["mean_difference"] == 0.25
    assert math.isnan(constant["t_statistic"]) and math.isnan(constant["p_value_t"])
    assert math.isnan(single["t_statistic"]) and math.isnan(single["p_value_t"]) and single["n"] == 1
    assert equal["mean_difference"] == 0.0
    assert math.isnan(equal["p_value_t"]) and math.isnan(equal["p_value_wilcoxon"])


def test_paired_seed_test_rejects_bad_input():
    with pytest.raises(ValueError, match="values_b"):
        paired_seed_test([0.1, 0.2], [0.1])
    with pytest.raises(ValueError, match="values_a"):
        paired_seed_test([], [])


def test_summarize_runs():
    runs = pd.DataFrame(
        {
            "dataset": ["gtzan"] * 4 + ["fma_small"],
            "split": ["thesis"] * 5,
            "features": ["mfcc"] * 5,
            "model": ["lstm", "cnn", "cnn", "cnn", "cnn"],
            "seed": [0, 0, 1, 2, 0],
            "accuracy": [0.8, 0.5, 0.6, 0.7, 0.4],
        }
    )
    table = summarize_runs(runs)
    assert table.columns.tolist() == ["dataset", "split", "features", "model", "n", "mean", "sd", "ci_low", "ci_high"]
    assert list(zip(table["dataset"], table["model"])) == [("fma_small", "cnn"), ("gtzan", "cnn"), ("gtzan", "lstm")]
    assert table["n"].tolist() == [1, 3, 1]
    gtzan_cnn = table.iloc[1]
    assert gtzan_cnn["mean"] == pytest.approx(0.6) and gtzan_cnn["sd"] == pytest.approx(0.1)
    assert gtzan_cnn["ci_high"] == pytest.approx(0.6 + 0.24841, abs=1e-5)
    assert math.isnan(table.iloc[2]["sd"])
    by_model = summarize_runs(runs, by="model")
    assert by_model["model"].tolist() == ["cnn", "lstm"] and by_model["n"].tolist() == [4, 1]


def test_summarize_runs_rejects_bad_input():
    runs = pd.DataFrame({"model": ["cnn"], "accuracy": [0.5]})
    with pytest.raises(ValueError, match="dataset"):
        summarize_runs(runs)
    with pytest.raises(ValueError, match="macro_f1"):
        summarize_runs(runs, value="macro_f1", by="model")
    with pytest.raises(ValueError, match="accuracy"):
        summarize_runs(pd.DataFrame({"model": ["cnn"], "accuracy": [np.nan]}), by="model")
    with pytest.raises(ValueError, match="frame"):
        summarize_runs([{"model": "cnn", "accuracy": 0.5}], by="model")


def test_holm_by_hand():
    # sorted 0.005, 0.01, 0.03, 0.04 times 4, 3, 2, 1 = 0.02, 0.03, 0.06, 0.04 -> running maximum 0.02, 0.03, 0.06, 0.06
    adjusted = holm([0.01, 0.04, 0.03, 0.005])
    assert adjusted.tolist() == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert holm([0.5, 0.6]).tolist() == [1.0, 1.0]  # 2 * 0.5 capped; monotone
    assert holm([0.02]).tolist() == [0.02]  # a family of one needs no correction
    assert holm([]).size == 0


def test_holm_is_monotone_and_never_below_the_raw_p():
    p = np.random.default_rng(0).uniform(0, 0.2, size=12)
    adjusted = holm(p)
    order = np.argsort(p)
    assert np.all(np.diff(adjusted[order]) >= 0) and np.all(adjusted >= p) and np.all(adjusted <= 1)


def test_holm_leaves_untestable_values_out_of_the_family():
    adjusted = holm([0.2, float("nan"), 0.01])
    assert adjusted[[0, 2]].tolist() == pytest.approx([0.2, 0.02]) and math.isnan(adjusted[1])


def test_holm_rejects_bad_input():
    with pytest.raises(ValueError, match="0..1"):
        holm([0.2, 1.5])
    with pytest.raises(ValueError, match="one-dimensional"):
        holm([[0.1, 0.2]])

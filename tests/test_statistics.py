"""Statistics across seeds and between models, checked against hand-computed values."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from genre_utils.analysis.statistics import holm, mcnemar, paired_seed_test, seed_summary, summarize_runs

T_975_DF2 = 4.302652729749464  # Student t quantile, two degrees of freedom, from tables


def _correct_arrays(both: int, only_a: int, only_b: int, neither: int) -> tuple[np.ndarray, np.ndarray]:
    a = [True] * both + [True] * only_a + [False] * only_b + [False] * neither
    b = [True] * both + [False] * only_a + [True] * only_b + [False] * neither
    return np.array(a), np.array(b)


def test_seed_summary_t_interval_and_single_seed():
    summary = seed_summary([0.5, 0.6, 0.7])
    assert (summary["n"], summary["mean"], summary["sd"]) == (3, pytest.approx(0.6), pytest.approx(0.1))
    half_width = T_975_DF2 * 0.1 / math.sqrt(3)
    assert (summary["ci_low"], summary["ci_high"]) == pytest.approx((0.6 - half_width, 0.6 + half_width))
    assert (summary["min"], summary["max"]) == (0.5, 0.7)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        single = seed_summary([0.8])
    assert single["mean"] == 0.8 and math.isnan(single["sd"]) and math.isnan(single["ci_low"])


def test_seed_summary_rejects_bad_input():
    with pytest.raises(ValueError, match="values"):
        seed_summary([0.5, float("nan")])
    with pytest.raises(ValueError, match="confidence"):
        seed_summary([0.5, 0.6], confidence=95)


def test_mcnemar_textbook_table():
    result = mcnemar(*_correct_arrays(both=5, only_a=10, only_b=2, neither=3))
    assert [result[k] for k in ("both", "only_a", "only_b", "neither")] == [5, 10, 2, 3]
    assert result["p_value"] == pytest.approx(2 * (1 + 12 + 66) / 2**12)  # exact two-sided binomial, 0.0385742
    assert result["statistic"] == pytest.approx((8 - 1) ** 2 / 12)  # chi-square with continuity correction
    assert mcnemar(*_correct_arrays(4, 3, 3, 1))["statistic"] == 0.0  # equal discordant counts: no evidence
    same = mcnemar([True, False, True], [1, 0, 1])
    assert (same["only_a"], same["only_b"], same["statistic"], same["p_value"]) == (0, 0, 0.0, 1.0)


def test_mcnemar_p_values_are_those_of_the_exact_binomial_test():
    for only_a in range(0, 25):
        for only_b in range(0, 25):
            if only_a + only_b:
                expected = stats.binomtest(only_a, only_a + only_b, 0.5).pvalue  # the former hand-written test
                assert mcnemar(*_correct_arrays(3, only_a, only_b, 2))["p_value"] == pytest.approx(expected, rel=1e-12)


def test_mcnemar_rejects_bad_input():
    with pytest.raises(ValueError, match="correct_b"):
        mcnemar([True, False], [True])
    with pytest.raises(ValueError, match="correct_a"):
        mcnemar([0.3, 1.0], [True, False])


def test_paired_seed_test_by_hand():
    result = paired_seed_test([0.71, 0.73, 0.75, 0.72], [0.70, 0.71, 0.70, 0.68])  # differences .01 .02 .05 .04
    t = 0.03 / (math.sqrt(1e-3 / 3) / 2)
    x = t / math.sqrt(3)
    assert (result["n"], result["mean_difference"], result["t_statistic"]) == (4, pytest.approx(0.03), pytest.approx(t))
    assert result["p_value_t"] == pytest.approx(1 - (2 / math.pi) * (x / (1 + x * x) + math.atan(x)))  # t, 3 df
    assert result["p_value_wilcoxon"] == pytest.approx(2 / 2**4)  # all four differences positive, exact


def test_paired_seed_test_degenerate_cases_are_nan_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        constant = paired_seed_test([0.5, 0.75, 1.0], [0.25, 0.5, 0.75])
        single = paired_seed_test([0.8], [0.7])
        equal = paired_seed_test([0.8, 0.7], [0.8, 0.7])
    assert constant["mean_difference"] == 0.25 and math.isnan(constant["p_value_t"])
    assert single["n"] == 1 and math.isnan(single["t_statistic"])
    assert math.isnan(equal["p_value_t"]) and math.isnan(equal["p_value_wilcoxon"])
    with pytest.raises(ValueError, match="values_b"):
        paired_seed_test([0.1, 0.2], [0.1])


def test_summarize_runs():
    runs = pd.DataFrame(
        {
            "dataset": ["gtzan"] * 4 + ["fma_small"],
            "split": ["thesis"] * 5,
            "features": ["mfcc"] * 5,
            "model": ["lstm", "cnn", "cnn", "cnn", "cnn"],
            "accuracy": [0.8, 0.5, 0.6, 0.7, 0.4],
        }
    )
    table = summarize_runs(runs)
    assert table.columns.tolist() == ["dataset", "split", "features", "model", "n", "mean", "sd", "ci_low", "ci_high"]
    assert table[["dataset", "model", "n"]].values.tolist() == [
        ["fma_small", "cnn", 1],
        ["gtzan", "cnn", 3],
        ["gtzan", "lstm", 1],
    ]
    assert table.loc[1, "ci_high"] == pytest.approx(0.6 + T_975_DF2 * 0.1 / math.sqrt(3))
    assert summarize_runs(runs, by="model")["n"].tolist() == [4, 1]
    with pytest.raises(ValueError, match="macro_f1"):
        summarize_runs(runs, value="macro_f1", by="model")


def test_holm_by_hand_leaving_untestable_values_out_of_the_family():
    # sorted 0.005, 0.01, 0.03, 0.04 times 4, 3, 2, 1 = 0.02, 0.03, 0.06, 0.04 -> running maximum 0.02, 0.03, 0.06, 0.06
    assert holm([0.01, 0.04, 0.03, 0.005]).tolist() == pytest.approx([0.03, 0.06, 0.06, 0.02])
    adjusted = holm([0.2, float("nan"), 0.01])  # statsmodels alone would count the NaN: 0.4 and 0.03
    assert adjusted[[0, 2]].tolist() == pytest.approx([0.2, 0.02]) and math.isnan(adjusted[1])
    assert holm([]).size == 0

"""Statistics across seeds and between models.

- :func:`seed_summary`: mean, standard deviation and Student t interval of one configuration's
  accuracies over several seeds.
- :func:`mcnemar`: two models on the same test tracks (from the ``correct`` column of
  :func:`genre_utils.experiment.evaluation.predictions_frame`).
- :func:`paired_seed_test`: two configurations over the same seeds (same seed = same split and
  initialization), paired t test and Wilcoxon signed-rank test.
- :func:`summarize_runs`: a runs table, one row per seed, summarized per configuration.
- :func:`holm`: Holm's step-down correction of a family of p values (several pairwise tests).

Undefined results are NaN, never a warning.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats

DEFAULT_CONFIDENCE = 0.95
RUN_GROUPS = ("dataset", "split", "features", "model")
SUMMARY_COLUMNS = ("n", "mean", "sd", "ci_low", "ci_high")
MCNEMAR_METHOD = "McNemar: exact two-sided binomial on discordant pairs; chi-square with continuity correction"


def _check_values(values, name: str) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1 or array.size == 0:
        raise ValueError(f"{name} must be a non-empty one-dimensional sequence, got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return array


def seed_summary(values, confidence: float = DEFAULT_CONFIDENCE) -> dict:
    """Summarize one configuration's scores over seeds.

    The interval is ``mean ± t(1 - (1 - confidence) / 2, n - 1) * sd / sqrt(n)``. With a single
    seed the spread is unknown: ``sd``, ``ci_low`` and ``ci_high`` are NaN.

    Args:
        values: One score (e.g. test accuracy) per seed.
        confidence: Coverage of the Student t interval, strictly between 0 and 1.

    Returns:
        Dict with ``n``, ``mean``, ``sd`` (ddof=1), ``ci_low``, ``ci_high``, ``min``, ``max``.

    Raises:
        ValueError: Empty or non-finite ``values``; ``confidence`` outside (0, 1).
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be strictly between 0 and 1, got {confidence}")
    values = _check_values(values, "values")
    n, mean = values.size, float(values.mean())
    if n > 1:
        sd = float(values.std(ddof=1))
        half_width = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) * sd / np.sqrt(n)
        low, high = mean - half_width, mean + half_width
    else:
        sd = low = high = float("nan")
    return {
        "n": n,
        "mean": mean,
        "sd": sd,
        "ci_low": low,
        "ci_high": high,
        "min": float(values.min()),
        "max": float(values.max()),
    }


def _check_correct(values, name: str) -> np.ndarray:
    array = np.asarray(values)
    if array.ndim != 1 or array.size == 0:
        raise ValueError(f"{name} must be a non-empty one-dimensional boolean array, got shape {array.shape}")
    if array.dtype != np.bool_:
        if not (np.issubdtype(array.dtype, np.number) and np.all((array == 0) | (array == 1))):
            raise ValueError(f"{name} must be boolean (or 0/1), got dtype {array.dtype}")
        array = array.astype(bool)
    return array


def mcnemar(correct_a, correct_b) -> dict:
    """McNemar's test: do two models err on the same test tracks at different rates?

    With ``b`` = tracks only model A gets right and ``c`` = tracks only model B gets right, the
    exact p value is the two-sided binomial test of ``b`` successes in ``b + c`` trials at 0.5;
    the chi-square statistic is ``max(|b - c| - 1, 0)^2 / (b + c)`` with one degree of freedom
    (the clamp only matters when ``b == c``, where it gives 0 and p = 1 like the exact test).
    With no discordant pair the statistic is 0 and both p values are 1.

    Args:
        correct_a: Whether model A classified each test track correctly.
        correct_b: The same for model B, over the same tracks in the same order.

    Returns:
        Dict with counts ``both``, ``only_a``, ``only_b``, ``neither`` (ints), ``statistic``,
        ``p_value`` (exact), ``p_value_chi2`` and ``method``.

    Raises:
        ValueError: Empty, non-boolean, or different-length inputs.
    """
    a, b = _check_correct(correct_a, "correct_a"), _check_correct(correct_b, "correct_b")
    if a.size != b.size:
        raise ValueError(f"correct_a has {a.size} tracks but correct_b has {b.size}; they must be the same tracks")
    only_a, only_b = int(np.sum(a & ~b)), int(np.sum(~a & b))
    discordant = only_a + only_b
    if discordant == 0:
        statistic, p_exact, p_chi2 = 0.0, 1.0, 1.0
    else:
        statistic = max(abs(only_a - only_b) - 1, 0) ** 2 / discordant
        p_exact = float(stats.binomtest(only_a, discordant, 0.5).pvalue)
        p_chi2 = float(stats.chi2.sf(statistic, 1))
    return {
        "both": int(np.sum(a & b)),
        "only_a": only_a,
        "only_b": only_b,
        "neither": int(np.sum(~a & ~b)),
        "statistic": float(statistic),
        "p_value": p_exact,
        "p_value_chi2": p_chi2,
        "method": MCNEMAR_METHOD,
    }


def paired_seed_test(values_a, values_b) -> dict:
    """Compare two configurations run with the same seeds (seed i of A pairs with seed i of B).

    Args:
        values_a: Score of configuration A per seed.
        values_b: Score of configuration B per seed, in the same seed order.

    Returns:
        Dict with ``n``, ``mean_difference`` (A - B), ``t_statistic`` and ``p_value_t``
        (:func:`scipy.stats.ttest_rel`; NaN when n < 2 or all differences are equal) and
        ``p_value_wilcoxon`` (:func:`scipy.stats.wilcoxon`; NaN when it cannot be computed,
        e.g. every difference is 0).

    Raises:
        ValueError: Empty, non-finite or different-length inputs.
    """
    a, b = _check_values(values_a, "values_a"), _check_values(values_b, "values_b")
    if a.size != b.size:
        raise ValueError(f"values_a has {a.size} seeds but values_b has {b.size}; they must be paired")
    differences = a - b
    t_statistic = p_t = p_wilcoxon = float("nan")
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        if a.size >= 2 and np.ptp(differences) > 0:
            result = stats.ttest_rel(a, b)
            t_statistic, p_t = float(result.statistic), float(result.pvalue)
        if np.any(differences != 0):
            try:
                p_wilcoxon = float(stats.wilcoxon(differences).pvalue)
            except ValueError:
                pass
    return {
        "n": int(a.size),
        "mean_difference": float(differences.mean()),
        "t_statistic": t_statistic,
        "p_value_t": p_t,
        "p_value_wilcoxon": p_wilcoxon,
    }


def summarize_runs(
    frame: pd.DataFrame, value: str = "accuracy", by=RUN_GROUPS, confidence: float = DEFAULT_CONFIDENCE
) -> pd.DataFrame:
    """Summarize a runs table (one row per seed) per configuration with :func:`seed_summary`.

    Args:
        frame: Runs table with the ``by`` columns and the ``value`` column.
        value: Column to summarize.
        by: Column name or names that identify a configuration.
        confidence: Coverage of the Student t interval.

    Returns:
        One row per group, sorted by the ``by`` columns: the ``by`` columns then ``n``, ``mean``,
        ``sd``, ``ci_low``, ``ci_high``.

    Raises:
        ValueError: ``frame`` is not a DataFrame, lacks a column, or ``value`` has missing values.
    """
    if not isinstance(frame, pd.DataFrame):
        raise ValueError(f"frame must be a pandas DataFrame, got {type(frame).__name__}")
    by = [by] if isinstance(by, str) else list(by)
    if not by:
        raise ValueError("by must name at least one column")
    missing = [column for column in [*by, value] if column not in frame.columns]
    if missing:
        raise ValueError(f"frame lacks column(s) {missing} (value={value!r}, by={by})")
    if frame[value].isna().any():
        raise ValueError(f"frame column {value!r} has {int(frame[value].isna().sum())} missing value(s)")
    rows = []
    for key, group in frame.groupby(by, sort=True, dropna=False):
        summary = seed_summary(group[value].to_numpy(dtype=np.float64), confidence=confidence)
        rows.append({**dict(zip(by, key)), **{column: summary[column] for column in SUMMARY_COLUMNS}})
    return pd.DataFrame(rows, columns=[*by, *SUMMARY_COLUMNS])


def holm(p_values) -> np.ndarray:
    """Holm's step-down adjustment of a family of p values (Holm 1979).

    Holm, S. (1979). A simple sequentially rejective multiple test procedure. *Scandinavian
    Journal of Statistics* 6(2), 65-70. With the ``m`` p values sorted ascending,
    ``p_(1) <= ... <= p_(m)``, the adjusted value of the ``i``-th is
    ``max_{j <= i} min(1, (m - j + 1) * p_(j))``: rejecting where the adjusted value is below
    ``alpha`` controls the family-wise error rate at ``alpha`` under any dependence between the
    tests. (SciPy's :func:`scipy.stats.false_discovery_control` offers only the Benjamini-Hochberg
    and -Yekutieli false discovery rate procedures, hence these few lines.)

    NaN entries (tests that could not be computed) stay NaN and are not counted in ``m``.

    Args:
        p_values: One p value per test of the family, in any order.

    Returns:
        float64 array of adjusted p values in the input order: never below the raw p value,
        monotone in it, at most 1.

    Raises:
        ValueError: Not one-dimensional, or a p value outside 0..1.
    """
    p = np.asarray(p_values, dtype=np.float64)
    if p.ndim != 1:
        raise ValueError(f"p_values must be one-dimensional, got shape {p.shape}")
    finite = ~np.isnan(p)
    if np.any((p[finite] < 0) | (p[finite] > 1)):
        raise ValueError(f"p_values must lie in 0..1, got {p[finite & ((p < 0) | (p > 1))].tolist()}")
    adjusted = np.full(p.shape, np.nan)
    index = np.flatnonzero(finite)
    order = index[np.argsort(p[index], kind="stable")]
    m = order.size
    scaled = (m - np.arange(m)) * p[order]
    adjusted[order] = np.minimum(1.0, np.maximum.accumulate(scaled))
    return adjusted

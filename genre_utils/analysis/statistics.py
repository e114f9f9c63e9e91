"""Statistics across seeds and between models: statsmodels for McNemar and Holm, scipy for the rest.

Undefined results (one seed, no differences) are NaN, never a warning.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats import contingency_tables
from statsmodels.stats.multitest import multipletests

DEFAULT_CONFIDENCE = 0.95
RUN_GROUPS = ("dataset", "split", "features", "model")
SUMMARY_COLUMNS = ("n", "mean", "sd", "ci_low", "ci_high")


def _values(values, name: str) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1 or array.size == 0 or not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must be a non-empty one-dimensional sequence of finite numbers, got {values!r}")
    return array


def seed_summary(values, confidence: float = DEFAULT_CONFIDENCE) -> dict:
    """``n``, ``mean``, ``sd`` (ddof 1), the Student t interval ``ci_low``-``ci_high`` (NaN for one seed), extremes."""
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be strictly between 0 and 1, got {confidence}")
    values = _values(values, "values")
    n, mean = values.size, float(values.mean())
    sd = low = high = math.nan
    if n > 1:
        sd = float(values.std(ddof=1))
        half_width = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) * sd / np.sqrt(n)
        low, high = mean - half_width, mean + half_width
    return {"n": n, "mean": mean, "sd": sd, "ci_low": low, "ci_high": high, "min": values.min(), "max": values.max()}


def mcnemar(correct_a, correct_b) -> dict:
    """McNemar's test of two models on the same tracks: the 2x2 counts (``only_a``: right by A only), the exact
    ``p_value`` and the corrected chi-square ``statistic``, 0 where the discordant counts are equal (statsmodels
    gives ``1 / (b + c)`` there)."""
    a, b = (pd.Series(np.asarray(values)) for values in (correct_a, correct_b))
    for name, side in (("correct_a", a), ("correct_b", b)):
        if side.empty or not side.isin([0, 1]).all():
            raise ValueError(f"{name} must be a non-empty sequence of booleans (or 0/1), got {side.tolist()!r}")
    if len(a) != len(b):
        raise ValueError(f"correct_b has {len(b)} tracks but correct_a has {len(a)}: they must be the same tracks")
    sides = [True, False]
    table = pd.crosstab(a.astype(bool), b.astype(bool)).reindex(index=sides, columns=sides, fill_value=0)
    (both, only_a), (only_b, neither) = table.to_numpy().tolist()
    exact = contingency_tables.mcnemar(table, exact=True)
    statistic = 0.0
    if only_a != only_b:
        statistic = float(contingency_tables.mcnemar(table, exact=False, correction=True).statistic)
    counts = dict(both=both, only_a=only_a, only_b=only_b, neither=neither)
    return {**counts, "statistic": statistic, "p_value": float(exact.pvalue)}


def paired_seed_test(values_a, values_b) -> dict:
    """Paired t test (``ttest_rel``) and Wilcoxon signed-rank test of two configurations run with the same seeds."""
    a, b = _values(values_a, "values_a"), _values(values_b, "values_b")
    if a.size != b.size:
        raise ValueError(f"values_b has {b.size} seeds but values_a has {a.size}: they must be paired")
    differences = a - b
    t_statistic = p_t = p_wilcoxon = math.nan
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        if a.size >= 2 and np.ptp(differences) > 0:
            t_statistic, p_t = (float(x) for x in stats.ttest_rel(a, b))
        if np.any(differences != 0):
            p_wilcoxon = float(stats.wilcoxon(differences).pvalue)
    result = dict(n=int(a.size), mean_difference=float(differences.mean()), t_statistic=t_statistic, p_value_t=p_t)
    return {**result, "p_value_wilcoxon": p_wilcoxon}


def summarize_runs(
    frame: pd.DataFrame, value: str = "accuracy", by=RUN_GROUPS, confidence: float = DEFAULT_CONFIDENCE
) -> pd.DataFrame:
    """One row per configuration (the ``by`` columns, sorted): :func:`seed_summary` of ``value`` over its runs."""
    by = [by] if isinstance(by, str) else list(by)
    missing = [c for c in [*by, value] if c not in getattr(frame, "columns", [])]
    if missing or frame[value].isna().any():
        raise ValueError(f"frame must be a runs table with columns {[*by, value]} and no missing {value}")
    rows = []
    for key, group in frame.groupby(by, sort=True, dropna=False):
        summary = seed_summary(group[value].to_numpy(dtype=np.float64), confidence=confidence)
        rows.append({**dict(zip(by, key)), **{column: summary[column] for column in SUMMARY_COLUMNS}})
    return pd.DataFrame(rows, columns=[*by, *SUMMARY_COLUMNS])


def holm(p_values) -> np.ndarray:
    """Holm-adjusted ``p_values`` (``multipletests``); NaN stays NaN and out of the family's size."""
    p = np.asarray(p_values, dtype=np.float64)
    adjusted = np.full(p.shape, np.nan)
    tested = ~np.isnan(p)
    if tested.any():
        adjusted[tested] = multipletests(p[tested], method="holm")[1]
    return adjusted

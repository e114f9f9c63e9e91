"""The learning curve the thesis asks for: does more training data close the LSTM's gap to the CNN? (notebook 06)

A point is one contender trained on a share of the split's training tracks (:func:`genre_utils.experiment.plans.
curve_specs`), with the same validation and test tracks throughout; the gap rule (docs/methods.md) answers.
"""

from __future__ import annotations

import math

import pandas as pd

from genre_utils.analysis.comparison import (
    MIN_RUNS_FOR_INTERVAL,
    SETTING,
    accuracy_summary,
    contender_titles,
    entry_labels,
    learned_mask,
    runs_frame,
)
from genre_utils.analysis.statistics import DEFAULT_CONFIDENCE, seed_summary
from genre_utils.formatting import plural, points
from genre_utils.models import contender_names
from genre_utils.models.thesis_results import THESIS_PAIR

FULL = 1.0  # the share of the regular runs
CURVE_FILE = "learning_curve.csv"
CURVE_FIGURE = "learning_curve.png"
ANSWER_FILE = "learning_curve.md"
PAIRING = ("seed", "fold")  # runs with the same seed and fold share their split: they pair across shares
MEAN_COLUMNS = ("train_tracks", "balanced_accuracy", "macro_f1", "train_seconds")
TABLE_COLUMNS = [
    *"model features label train_fraction train_tracks n mean sd ci_low ci_high min max not_learned".split(),
    *"balanced_accuracy macro_f1 train_seconds".split(),
]
VERDICT_WORDS = {
    "shrinks": "shrinks (the 95 % interval of its change lies below zero)",
    "grows": "grows (the 95 % interval of its change lies above zero)",
    "stays": "stays within the spread across runs (the interval of its change holds zero)",
    "undecided": f"is undecided (under {MIN_RUNS_FOR_INTERVAL} runs give no interval; run more seeds)",
}
REASONS = {
    "missing": "the curve lacks runs of one of the two (add it to models / curve_models)",
    "one size": "both need runs at two or more shares of the training tracks (fractions)",
    "did not learn": "every seed with runs of both at both ends has a run that did not learn",
    "no shared seed": "no seed has runs of both at both ends of the curve",
}


def _curve_frame(runs: pd.DataFrame) -> pd.DataFrame:
    """``runs`` of one setting with ``train_fraction`` (1 where older tables lack it) filled in."""
    frame = runs_frame(runs, ["model", "features", "accuracy", "train_tracks"])
    if frame.empty:
        raise ValueError("the runs table is empty: train the curve first (notebook 06)")
    fraction = frame["train_fraction"] if "train_fraction" in frame.columns else pd.Series(FULL, index=frame.index)
    frame["train_fraction"] = fraction.fillna(FULL).astype(float)
    if len(settings := frame[SETTING].drop_duplicates()) > 1:
        raise ValueError(
            f"the runs span {len(settings)} settings ({settings.to_dict(orient='records')}); "
            "a learning curve is drawn within one"
        )
    return frame


def curve_table(runs: pd.DataFrame, confidence: float = DEFAULT_CONFIDENCE) -> pd.DataFrame:
    """Per contender and share (:data:`TABLE_COLUMNS`, registry order): accuracy with its interval (clipped to 0-1)."""
    frame = _curve_frame(runs)
    table = accuracy_summary(frame, ["model", "features", "train_fraction"], MEAN_COLUMNS, confidence)
    table["label"] = entry_labels(table, contender_titles(), within=())
    order = {name: i for i, name in enumerate(contender_names())}
    table["order"] = table["model"].map(order).fillna(len(order))
    table = table.sort_values(["order", "model", "features", "train_fraction"], kind="stable")
    return table[TABLE_COLUMNS].reset_index(drop=True)


def gap_change(runs: pd.DataFrame, pair: tuple[str, str] = THESIS_PAIR, confidence: float = DEFAULT_CONFIDENCE) -> dict:
    """How the gap ``accuracy(leading) - accuracy(trailing)`` per seed and fold changes from the smallest to the
    largest share, by the gap rule (docs/methods.md); without an answer, ``reason`` says why (:data:`REASONS`)."""
    trailing, leading = pair
    frame = _curve_frame(runs)
    result = {"trailing": trailing, "leading": leading}
    if missing := [name for name in pair if name not in set(frame["model"])]:
        return {**result, "missing": missing, "reason": "missing"}
    both = frame[frame["model"].isin(pair)]
    shares = sorted(set.intersection(*(set(both.loc[both["model"] == name, "train_fraction"]) for name in pair)))
    if len(shares) < 2:
        return {**result, "missing": [], "reason": "one size"}
    small, large = shares[0], shares[-1]
    ends = both[both["train_fraction"].isin([small, large])]
    tracks = ends.groupby("train_fraction")["train_tracks"].mean()
    flat_pairs = set(ends.loc[~learned_mask(ends), list(PAIRING)].itertuples(index=False, name=None))
    accuracy = ends.pivot_table(
        index=list(PAIRING), columns=["model", "train_fraction"], values="accuracy", aggfunc="mean"
    ).dropna()
    left_out = [key for key in accuracy.index if key in flat_pairs]
    accuracy = accuracy.drop(index=left_out)
    result["left_out"] = len(left_out)
    if accuracy.empty:
        return {**result, "missing": [], "reason": "did not learn" if left_out else "no shared seed"}
    gap_small = accuracy[(leading, small)] - accuracy[(trailing, small)]
    gap_large = accuracy[(leading, large)] - accuracy[(trailing, large)]
    summary = seed_summary((gap_large - gap_small).to_numpy(), confidence=confidence)
    if summary["n"] < MIN_RUNS_FOR_INTERVAL or not math.isfinite(summary["ci_low"]):
        verdict = "undecided"
    elif summary["ci_high"] < 0:
        verdict = "shrinks"
    elif summary["ci_low"] > 0:
        verdict = "grows"
    else:
        verdict = "stays"
    return {
        **result,
        "missing": [],
        "small_fraction": small,
        "large_fraction": large,
        "small_tracks": float(tracks[small]),
        "large_tracks": float(tracks[large]),
        "gap_small": float(gap_small.mean()),
        "gap_large": float(gap_large.mean()),
        "change": float(summary["mean"]),
        "ci_low": float(summary["ci_low"]),
        "ci_high": float(summary["ci_high"]),
        "n": int(summary["n"]),
        "folds": bool((frame["fold"] != 0).any() or (frame["folds"] != 0).any()),
        "verdict": verdict,
    }


def gap_table(runs: pd.DataFrame, pair: tuple[str, str] = THESIS_PAIR) -> pd.DataFrame:
    """The verdict table: :func:`gap_change` as one row, gaps and interval in points."""
    found = gap_change(runs, pair)
    titles = contender_titles()
    row = {role: titles.get(found[role], found[role]) for role in ("trailing", "leading")}
    if "reason" in found:
        return pd.DataFrame([{**row, "verdict": "no answer", "reason": REASONS[found["reason"]]}])
    row.update({key: found[key] for key in ("small_tracks", "large_tracks", "n", "left_out")})
    row.update({key: 100 * found[key] for key in ("gap_small", "gap_large", "change", "ci_low", "ci_high")})
    return pd.DataFrame([{**row, "verdict": found["verdict"]}])


def gap_sentence(verdicts: pd.DataFrame, dataset: str) -> str:
    """One sentence answering the thesis's question from :func:`gap_table`."""
    row = verdicts.iloc[0]
    lead = f"On {dataset} data, the {row['trailing']}'s gap to the {row['leading']}"
    if row["verdict"] == "no answer":
        return f"{lead}: no answer, {row['reason']}."
    moves = (
        f"from {points(row['gap_small'] / 100)} to {points(row['gap_large'] / 100)} points between "
        f"{row['small_tracks']:.0f} and {row['large_tracks']:.0f} training tracks over {plural(int(row['n']), 'run')}"
    )
    return f"{lead} {VERDICT_WORDS[row['verdict']]}: it moves {moves}."

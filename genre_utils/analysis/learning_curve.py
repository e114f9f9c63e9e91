"""The learning curve the thesis asks for: does more training data close the LSTM's gap to the CNN?

The thesis ends on "more data": its LSTM trails its CNN, and it asks whether more training data
would close the gap. A point of the curve is one contender trained on a share of the split's
training tracks (:attr:`genre_utils.experiment.runner.RunSpec.train_fraction`): a genre-stratified subset,
nested across shares for one seed (:func:`genre_utils.data.splits.training_subset`), with the same
validation and test tracks throughout. The point at share 1 is the regular run of notebook 03,
reused rather than trained again.

- :func:`curve_specs`: the runs of a curve (contenders x shares x seeds), :func:`train_curve` runs them.
- :func:`curve_table`: per contender and share, the number of training tracks and the accuracy
  across seeds with its 95 % interval (:func:`genre_utils.analysis.statistics.summarize_runs`).
- :func:`gap_change` and :func:`gap_sentence`: the thesis's question answered from the runs
  (:data:`GAP_RULE`), for the pair named in :data:`genre_utils.models.thesis_results.THESIS_PAIR`.
"""

from __future__ import annotations

import math
import os

import numpy as np
import pandas as pd

from genre_utils.analysis.comparison import MIN_RUNS_FOR_INTERVAL, SETTING, learned_mask, runs_frame
from genre_utils.analysis.statistics import DEFAULT_CONFIDENCE, seed_summary, summarize_runs
from genre_utils.experiment.runner import RunSpec, own_runs, run_experiment
from genre_utils.models import contender_names, get_contender
from genre_utils.models.thesis_results import THESIS_PAIR

DEFAULT_FRACTIONS = (0.125, 0.25, 0.5, 1.0)  # shares of each genre's training tracks
FULL = 1.0  # the share of the regular runs
CURVE_FILE = "learning_curve.csv"
CURVE_FIGURE = "learning_curve.png"
ANSWER_FILE = "learning_curve.md"
PAIRING = ("seed", "fold")  # runs with the same seed and fold share their split: they pair across shares
MEAN_COLUMNS = ("train_tracks", "balanced_accuracy", "macro_f1", "train_seconds")
TABLE_COLUMNS = [
    "model",
    "features",
    "label",
    "train_fraction",
    "train_tracks",
    "n",
    "mean",
    "sd",
    "ci_low",
    "ci_high",
    "min",
    "max",
    "not_learned",
    "balanced_accuracy",
    "macro_f1",
    "train_seconds",
]
VERDICTS = ("shrinks", "grows", "stays", "undecided")
GAP_RULE = (
    "The gap is the CNN's per-track accuracy minus the LSTM's, taken per seed on that seed's split; "
    "its change from the smallest to the largest training size is averaged over seeds with a 95 % "
    "Student-t interval. The gap shrinks (or grows) when that interval lies wholly below (or above) "
    "zero; otherwise it stays, within the spread across seeds. Fewer than three seeds give no interval "
    "worth the name (one has none, two one of 12.7 standard errors): no verdict. "
    "A seed whose runs at either end include one that did not learn (genre_utils.experiment.learning_check) is left "
    "out of the verdict."
)


def check_fractions(fractions) -> list[float]:
    """A non-empty list of distinct shares in (0, 1], sorted ascending.

    Raises:
        ValueError: Naming ``fractions`` and what it accepts.
    """
    if isinstance(fractions, (int, float)) and not isinstance(fractions, bool):
        fractions = [fractions]
    if (
        not isinstance(fractions, (list, tuple))
        or not fractions
        or any(isinstance(f, bool) or not isinstance(f, (int, float)) or not 0 < f <= 1 for f in fractions)
    ):
        raise ValueError(f"fractions must be a non-empty list of numbers in (0, 1], got {fractions!r}")
    if len(set(fractions)) != len(fractions):
        raise ValueError(f"fractions must be distinct, got {fractions!r}")
    return sorted(float(f) for f in fractions)


def curve_models(models: list[str], chosen: list[str] | None = None) -> list[str]:
    """The contenders on the curve: those of ``models`` that ``chosen`` names (None: all of them).

    Raises:
        ValueError: If ``chosen`` names an unknown contender or none of ``models``.
    """
    if chosen is None:
        return list(models)
    if not isinstance(chosen, (list, tuple)):
        raise ValueError(f"curve_models must be a list of contender names or null, got {chosen!r}")
    for name in chosen:
        get_contender(name)  # raises, naming the registered contenders
    kept = [name for name in models if name in chosen]
    if not kept:
        raise ValueError(f"curve_models {list(chosen)} names none of the study's models {list(models)}")
    return kept


def curve_specs(settings, models=None, fractions=DEFAULT_FRACTIONS, seeds=None) -> list[RunSpec]:
    """Every run of a learning curve: contender x share x seed (x fold), the full share first.

    Args:
        settings: The study's :class:`~genre_utils.study.settings.StudySettings` (dataset, split, features,
            training); the runs at share 1 are exactly notebook 03's with the same settings, so they are reused.
        models: Contender names; None means the settings' contenders.
        fractions: Shares of each genre's training tracks (:func:`check_fractions`).
        seeds: The curve's seeds; None means the settings' seeds.
    """
    specs = []
    for fraction in reversed(check_fractions(fractions)):
        specs += settings.run_specs(models=models, seeds=seeds, train_fraction=fraction)
    return specs


def feature_kinds(specs: list[RunSpec]) -> list[str]:
    """The feature kinds the runs need, one store each."""
    return list(dict.fromkeys(spec.features for spec in specs))


def train_curve(specs: list[RunSpec], stores: dict, results_dir: str | os.PathLike, log=print) -> pd.DataFrame:
    """Train (or reuse) every run of the curve; the finished runs of ``specs`` only.

    Args:
        stores: Feature store per feature kind (:func:`feature_kinds`), all of the runs' dataset.
    """
    return own_runs(run_experiment(specs, stores, results_dir, log=log), specs)


def _curve_frame(runs: pd.DataFrame) -> pd.DataFrame:
    """``runs`` of one setting with ``train_fraction`` (1 where older tables lack it) and ``fold`` filled in.

    Raises:
        ValueError: Not a runs table, empty, or spanning several settings.
    """
    frame = runs_frame(runs, ["model", "features", "accuracy", "train_tracks"])
    if frame.empty:
        raise ValueError("the runs table is empty: train the curve first (learning_curve.train_curve)")
    fraction = frame["train_fraction"] if "train_fraction" in frame.columns else pd.Series(FULL, index=frame.index)
    frame["train_fraction"] = fraction.fillna(FULL).astype(float)
    settings = frame[SETTING].drop_duplicates()
    if len(settings) > 1:
        raise ValueError(
            f"the runs span {len(settings)} settings ({settings.to_dict(orient='records')}); "
            "a learning curve is drawn within one"
        )
    return frame


def _title(name: str) -> str:
    return get_contender(name).title if name in contender_names() else str(name)


def curve_table(runs: pd.DataFrame, confidence: float = DEFAULT_CONFIDENCE) -> pd.DataFrame:
    """Per contender and share: training tracks, accuracy over seeds with its interval, other means.

    Args:
        runs: The curve's runs (:func:`train_curve`, or rows of ``runs.csv``), one setting.

    Returns:
        Columns :data:`TABLE_COLUMNS`: ``label`` is the contender's title from the registry (with
        the feature kind where a contender appears on several); ``train_tracks`` the mean number
        of training tracks over the runs; ``n`` runs, per-track accuracy ``mean``, ``sd`` and the
        Student-t interval ``ci_low``..``ci_high`` (clipped to 0-1, NaN for one run), ``min`` and
        ``max``, ``not_learned`` (runs that did not learn); means of
        balanced accuracy, macro F1 and training seconds. Contenders in registry order, shares ascending.

    Raises:
        ValueError: Empty runs, missing columns or several settings.
    """
    frame = _curve_frame(runs)
    keys = ["model", "features", "train_fraction"]
    table = summarize_runs(frame, value="accuracy", by=keys, confidence=confidence)
    table["ci_low"], table["ci_high"] = table["ci_low"].clip(lower=0.0), table["ci_high"].clip(upper=1.0)
    for column in MEAN_COLUMNS:
        if column not in frame.columns:
            frame[column] = np.nan
    frame["not_learned"] = ~learned_mask(frame)
    means = (
        frame.groupby(keys, sort=True)
        .agg(
            min=("accuracy", "min"),
            max=("accuracy", "max"),
            not_learned=("not_learned", "sum"),
            **{c: (c, "mean") for c in MEAN_COLUMNS},
        )
        .reset_index()
    )
    table = table.merge(means, on=keys, how="left")
    kinds = table.groupby("model")["features"].transform("nunique")
    titles = table["model"].map(_title)
    table["label"] = titles.where(kinds <= 1, titles + " · " + table["features"].astype(str))
    order = {name: i for i, name in enumerate(contender_names())}
    table["order"] = table["model"].map(order).fillna(len(order))
    table = table.sort_values(["order", "model", "features", "train_fraction"], kind="stable")
    return table[TABLE_COLUMNS].reset_index(drop=True)


def gap_change(runs: pd.DataFrame, pair: tuple[str, str] = THESIS_PAIR, confidence: float = DEFAULT_CONFIDENCE) -> dict:
    """How the trailing model's gap to the leading one changes from the smallest to the largest training size.

    The gap is ``accuracy(leading) - accuracy(trailing)`` per seed (and fold), whose runs share
    their split; only seeds with runs of both models at both sizes count. The verdict follows
    :data:`GAP_RULE`.

    Args:
        runs: The curve's runs, one setting.
        pair: ``(trailing, leading)`` contender names; default the thesis's LSTM and CNN.

    Returns:
        Dict with ``trailing``, ``leading``; ``missing`` (names without runs) and ``reason`` when
        the question cannot be asked; otherwise ``small_tracks``, ``large_tracks`` (mean training
        tracks), ``small_fraction``, ``large_fraction``, ``gap_small``, ``gap_large`` (mean gaps),
        ``change`` with ``ci_low``, ``ci_high``, ``n`` (paired seeds and folds), ``folds`` (whether the
        pairs are folds of cross-validation), ``left_out`` (pairs with a run that did not learn) and
        ``verdict`` (:data:`VERDICTS`).
    """
    trailing, leading = pair
    frame = _curve_frame(runs)
    result = {"trailing": trailing, "leading": leading}
    missing = [name for name in pair if name not in set(frame["model"])]
    if missing:
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


def gap_sentence(runs: pd.DataFrame, dataset: str, pair: tuple[str, str] = THESIS_PAIR) -> str:
    """The thesis's question answered in one sentence from the curve's runs (:func:`gap_change`).

    E.g. "On synthetic data, the Thesis LSTM's gap to the Thesis CNN shrinks from 12.0 to 3.5 points
    between 18 and 144 training tracks (2 seeds; ...)."
    """
    found = gap_change(runs, pair)
    trailing, leading = _title(found["trailing"]), _title(found["leading"])
    flat = not_learned_sentence(runs)
    if "reason" in found:
        return f"{flat}{_no_answer(found, trailing, leading, dataset)}"
    points = f"from {_points(found['gap_small'])} to {_points(found['gap_large'])} points"
    sizes = f"between {_tracks(found['small_tracks'])} and {_tracks(found['large_tracks'])} training tracks"
    unit, units = ("run (seed and fold)", "runs (seeds and folds)") if found["folds"] else ("seed", "seeds")
    seeds = f"{found['n']} {unit if found['n'] == 1 else units}"
    if found["left_out"]:
        seeds += f" (and {found['left_out']} left out: a run of it did not learn)"
    lead = f"{flat}On {dataset} data, the {trailing}'s gap to the {leading}"
    ahead = f" A negative gap means the {trailing} is ahead." if min(found["gap_small"], found["gap_large"]) < 0 else ""
    if found["verdict"] == "undecided":
        return (
            f"{lead} moves {points} {sizes} over {seeds}: too few to judge that change by (an interval "
            f"needs {MIN_RUNS_FOR_INTERVAL}); run more seeds for a verdict.{ahead}"
        )
    interval = (
        f"the change, {_points(found['change'], signed=True)} points, has a 95 % interval of "
        f"{_points(found['ci_low'], signed=True)} to {_points(found['ci_high'], signed=True)} across {units}"
    )
    if found["verdict"] == "stays":
        return (
            f"{lead} stays: it moves {points} {sizes}, within the spread across {seeds} "
            f"({interval}, which holds zero).{ahead}"
        )
    side = "below" if found["verdict"] == "shrinks" else "above"
    return f"{lead} {found['verdict']} {points} {sizes} ({seeds}; {interval}, wholly {side} zero).{ahead}"


def not_learned_sentence(runs: pd.DataFrame) -> str:
    """ "Runs that did not learn ...: <contender> on <n> tracks (k of m runs); ... " ("" when every run learnt)."""
    frame = _curve_frame(runs)
    frame["not_learned"] = ~learned_mask(frame)
    if not frame["not_learned"].any():
        return ""
    points = (
        frame.groupby(["model", "train_fraction"], sort=True)
        .agg(tracks=("train_tracks", "mean"), flat=("not_learned", "sum"), n=("not_learned", "size"))
        .reset_index()
    )
    points = points[points["flat"] > 0]
    listed = "; ".join(
        f"{_title(row.model)} on {_tracks(row.tracks)} training tracks ({int(row.flat)} of {int(row.n)} runs)"
        for row in points.itertuples()
    )
    return (
        f"**Runs that did not learn** (genre_utils.experiment.learning_check), shown as crosses and left out of the "
        f"verdict: {listed}. "
    )


def _no_answer(found: dict, trailing: str, leading: str, dataset: str) -> str:
    question = f"whether more training data closes the {trailing}'s gap to the {leading}"
    if found["reason"] == "missing":
        absent = " and the ".join(_title(name) for name in found["missing"])
        return (
            f"Not enough runs on {dataset} data to say {question}: the curve has no runs of the {absent} "
            f"(add {'it' if len(found['missing']) == 1 else 'them'} to models / curve_models)."
        )
    if found["reason"] == "one size":
        return (
            f"Not enough training sizes on {dataset} data to say {question}: both need runs at two or more "
            "shares of the training tracks (fractions)."
        )
    if found["reason"] == "did not learn":
        return (
            f"Not enough runs on {dataset} data to say {question}: every seed with runs of both at both ends "
            "of the curve has a run that did not learn."
        )
    return f"Not enough runs on {dataset} data to say {question}: no seed has runs of both at both ends of the curve."


def _points(value: float, signed: bool = False) -> str:
    return f"{100 * value:+.1f}" if signed else f"{100 * value:.1f}"


def _tracks(value: float) -> str:
    return f"{value:.0f}" if abs(value - round(value)) < 0.05 else f"{value:.1f}"

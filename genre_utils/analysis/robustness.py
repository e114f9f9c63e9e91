"""Robustness to degraded audio: how much accuracy each contender loses on degraded copies of its test tracks.

Reads the per-track answers, clean and degraded (:data:`PREDICTION_COLUMNS`). A contender is a (model, features,
augment) entry; runs that did not learn are left out of every number and counted.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from genre_utils.analysis.comparison import ALPHA, MIN_RUNS_FOR_INTERVAL, contender_titles, entry_labels, learned_mask
from genre_utils.analysis.statistics import DEFAULT_CONFIDENCE, holm, mcnemar, seed_summary
from genre_utils.data.degradations import degradation_names, get_degradation
from genre_utils.experiment.degradation_scores import CLEAN
from genre_utils.experiment.degradation_scores import COLUMNS as PREDICTION_COLUMNS  # the table this module reads
from genre_utils.formatting import percent, points

SETTING_COLUMNS = ["dataset", "split", "segment_seconds"]  # one setting per table
ENTRY = ["model", "features", "augment"]
GOAL_RETAINED = 0.8  # with augmentation: at least this share of the clean accuracy under each degradation
GOAL_CLEAN_LOSS = 0.02  # ... losing at most this much clean accuracy (fraction units) to the un-augmented runs
TOLERANCE = 1e-9  # float slack on the goal's bounds (0.80 - 0.78 is 0.020000000000000018)
RUN_COLUMNS = ["run", *ENTRY, *"seed fold learned degradation tracks accuracy clean_accuracy drop retained".split()]
ROBUSTNESS_COLUMNS = [
    *ENTRY,
    *"label degradation degradation_title n excluded_runs clean_accuracy degraded_accuracy drop drop_sd".split(),
    *"drop_ci_low drop_ci_high drop_min drop_max retained pairs both only_clean only_degraded neither".split(),
    *"statistic p_value p_holm".split(),
]
EFFECT_COLUMNS = (
    "model features label augment degradation degradation_title n_without n_with excluded_runs accuracy_without "
    "accuracy_with difference retained_with meets_goal goal_met"
).split()
SUMMARY = {"": "mean", "_sd": "sd", "_ci_low": "ci_low", "_ci_high": "ci_high"}  # drop column suffix: seed_summary key
TRUTHS = {"true": True, "false": False, "1": True, "0": False, "1.0": True, "0.0": False}


def check_predictions(table: pd.DataFrame) -> pd.DataFrame:
    """The predictions table checked, with ``learned`` and ``correct`` as booleans and ``augment`` as int."""
    if not isinstance(table, pd.DataFrame):
        raise ValueError(f"predictions must be a pandas DataFrame, got {type(table).__name__}")
    if missing := [column for column in PREDICTION_COLUMNS if column not in table.columns]:
        raise ValueError(f"predictions lack column(s) {missing}")
    if table.empty:
        raise ValueError("predictions have no rows")
    frame = table.loc[:, list(PREDICTION_COLUMNS)].reset_index(drop=True)
    frame["learned"] = learned_mask(frame)
    truth = frame["correct"].astype("string").str.strip().str.lower().map(TRUTHS)
    if truth.isna().any():
        raise ValueError(f"column 'correct' must be boolean, got {frame['correct'].dtype} with other values")
    frame["correct"] = truth.astype(bool)
    frame["augment"] = frame["augment"].astype(int)
    if not frame["degradation"].eq(CLEAN).any():
        raise ValueError(f"column 'degradation' has no {CLEAN!r} rows: the clean test tracks are needed")
    if (settings := len(frame[SETTING_COLUMNS].drop_duplicates())) > 1:
        raise ValueError(f"columns {SETTING_COLUMNS} hold {settings} settings; analyse one at a time")
    if frame.duplicated(["run", "degradation", "track_id"]).any():
        raise ValueError("column 'track_id' repeats within a run and degradation: each track is tested once")
    tracks = frame.groupby(["run", "degradation"], sort=False)["track_id"].agg(frozenset)
    clean = {run: ids for (run, degradation), ids in tracks.items() if degradation == CLEAN}
    for (run, degradation), ids in tracks.items():
        if ids != clean.get(run):
            raise ValueError(f"column 'track_id': run {run!r} under {degradation!r} does not test its clean tracks")
    return frame


def run_accuracies(table: pd.DataFrame, checked: bool = False) -> pd.DataFrame:
    """Per run and degradation (:data:`RUN_COLUMNS`): ``drop`` clean - degraded, ``retained`` degraded / clean."""
    frame = table if checked else check_predictions(table)
    runs = (
        frame.groupby(["run", "degradation"], sort=False)
        .agg(
            **{column: (column, "first") for column in [*ENTRY, "seed", "fold", "learned"]},
            tracks=("correct", "size"),
            accuracy=("correct", "mean"),
        )
        .reset_index()
    )
    clean = runs.loc[runs["degradation"] == CLEAN].set_index("run")["accuracy"]
    runs["clean_accuracy"] = runs["run"].map(clean)
    runs["drop"] = runs["clean_accuracy"] - runs["accuracy"]
    runs["retained"] = runs["accuracy"] / runs["clean_accuracy"].where(runs["clean_accuracy"] > 0)
    return runs[RUN_COLUMNS]


def robustness_table(table: pd.DataFrame, confidence: float = DEFAULT_CONFIDENCE) -> pd.DataFrame:
    """Per contender and degradation (:data:`ROBUSTNESS_COLUMNS`), over learnt runs: the drop with its t interval
    (the range under :data:`MIN_RUNS_FOR_INTERVAL` runs) and McNemar clean vs degraded, Holm over the degradations."""
    frame = check_predictions(table)
    runs = run_accuracies(frame, checked=True).assign(label=_labels)
    flags = frame.loc[frame["degradation"] == CLEAN, ["run", "track_id", "correct"]]
    flags = flags.rename(columns={"correct": "clean"})
    pairs = frame.loc[frame["degradation"] != CLEAN].merge(flags, on=["run", "track_id"], how="left")
    if pairs.empty:
        raise ValueError(f"column 'degradation' holds only {CLEAN!r}: no degraded tracks to compare")
    pairs = {key: rows for key, rows in pairs[pairs["learned"]].groupby(["run", "degradation"], sort=False)}
    rows = []
    for entry, group in _in_order(runs).groupby(ENTRY, sort=False):
        excluded = int(group.loc[~group["learned"], "run"].nunique())
        family = []
        for degradation, scored in group[group["degradation"] != CLEAN].groupby("degradation", sort=False):
            learnt = scored[scored["learned"]]
            row = {
                **dict(zip(ENTRY, entry)),
                "label": group["label"].iloc[0],
                "degradation": degradation,
                "degradation_title": _degradation_title(degradation),
                "n": len(learnt),
                "excluded_runs": excluded,
            }
            if not learnt.empty:
                drop = seed_summary(learnt["drop"].to_numpy(float), confidence=confidence)
                if len(learnt) < MIN_RUNS_FOR_INTERVAL:  # as in the comparison: the range, no interval
                    drop.update(ci_low=np.nan, ci_high=np.nan)
                pooled = pd.concat([pairs[(run, degradation)] for run in learnt["run"]])
                test = mcnemar(pooled["clean"].to_numpy(bool), pooled["correct"].to_numpy(bool))
                row.update(
                    clean_accuracy=learnt["clean_accuracy"].mean(),
                    degraded_accuracy=learnt["accuracy"].mean(),
                    drop_min=learnt["drop"].min(),
                    drop_max=learnt["drop"].max(),
                    retained=learnt["retained"].mean(),
                    pairs=len(pooled),
                    only_clean=test["only_a"],
                    only_degraded=test["only_b"],
                    **{f"drop{k}": drop[v] for k, v in SUMMARY.items()},
                    **{key: test[key] for key in ("both", "neither", "statistic", "p_value")},
                )
            family.append(row)
        for row, adjusted in zip(family, holm([row.get("p_value", np.nan) for row in family])):
            row["p_holm"] = adjusted
        rows.extend(family)
    return pd.DataFrame(rows, columns=ROBUSTNESS_COLUMNS)


def augmentation_effect(table: pd.DataFrame) -> pd.DataFrame:
    """Accuracy without (same seeds and folds, else all) and with augmentation per contender and degradation
    (:data:`EFFECT_COLUMNS`); ``meets_goal`` against :data:`GOAL_RETAINED` and, clean, :data:`GOAL_CLEAN_LOSS`."""
    runs = run_accuracies(table).assign(label=_labels)
    rows = []
    for _, group in _in_order(runs).groupby(["model", "features"], sort=False):
        plain = group[(group["augment"] == 0) & group["learned"]]
        for augment, augmented in group[group["augment"] > 0].groupby("augment", sort=True):
            excluded = int(group.loc[~group["learned"] & group["augment"].isin([0, augment]), "run"].nunique())
            augmented = augmented[augmented["learned"]]
            same = plain.set_index(["seed", "fold"]).index.isin(list(zip(augmented["seed"], augmented["fold"])))
            plain_here = plain[same] if same.any() else plain  # compare on the same seeds and folds
            if plain.empty or augmented.empty:
                continue
            block = []
            for degradation, with_ in augmented.groupby("degradation", sort=False):
                without = plain_here[plain_here["degradation"] == degradation]
                if without.empty:
                    continue
                before, after, retained = without["accuracy"].mean(), with_["accuracy"].mean(), with_["retained"].mean()
                clean = degradation == CLEAN
                meets = (
                    before - after <= GOAL_CLEAN_LOSS + TOLERANCE if clean else retained >= GOAL_RETAINED - TOLERANCE
                )
                block.append(
                    {
                        **with_.iloc[0][["model", "features", "label", "augment", "degradation"]].to_dict(),
                        "degradation_title": _degradation_title(degradation),
                        "n_without": len(without),
                        "n_with": len(with_),
                        "excluded_runs": excluded,
                        "accuracy_without": before,
                        "accuracy_with": after,
                        "difference": after - before,
                        "retained_with": retained,
                        "meets_goal": bool(meets),
                    }
                )
            met = len(block) > 1 and all(row["meets_goal"] for row in block)
            rows.extend({**row, "goal_met": met} for row in block)
    return pd.DataFrame(rows, columns=EFFECT_COLUMNS)


def _checked(robustness: pd.DataFrame) -> pd.DataFrame:
    if missing := [c for c in ROBUSTNESS_COLUMNS if c not in getattr(robustness, "columns", [])]:
        raise ValueError(f"robustness lacks column(s) {missing} (expected robustness_table's)")
    return robustness


def _in_order(runs: pd.DataFrame) -> pd.DataFrame:
    """Runs by model, features and degradation in order of appearance (clean first), augment ascending."""
    rank = {f"_{c}": pd.factorize(runs[c])[0] for c in ("model", "features", "degradation")}
    rank["_degradation"] = np.where(runs["degradation"] == CLEAN, -1, rank["_degradation"])
    order = ["_model", "_features", "augment", "_degradation"]
    return runs.assign(**rank).sort_values(order, kind="stable").drop(columns=list(rank))


def _labels(runs: pd.DataFrame) -> pd.Series:
    return entry_labels(runs, contender_titles(), within=())


def _degradation_title(name: str) -> str:
    return get_degradation(name).title if name in degradation_names() else str(name)


def _entry_name(row) -> str:
    return row.label + (f" (augmented ×{row.augment})" if row.augment else "")


def robustness_verdicts(robustness: pd.DataFrame, effect: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per contender: clean accuracy kept on average, worst degradation, significant drops, goal met."""
    table = _checked(robustness)
    rows = []
    for entry, group in table.groupby(ENTRY, sort=False):
        learnt = group[group["n"] > 0]
        worst = learnt.loc[learnt["drop"].idxmax()] if learnt["drop"].notna().any() else None
        goal = np.nan
        if effect is not None and entry[2]:
            mine = effect[(effect[ENTRY] == pd.Series(entry, index=ENTRY)).all(axis=1)]
            goal = bool(mine["goal_met"].all()) if len(mine) else np.nan
        rows.append(
            {
                "contender": _entry_name(group.iloc[0]),
                "runs": int(group["n"].max()),
                "excluded_runs": int(group["excluded_runs"].iloc[0]),
                "retained": learnt["retained"].mean(),
                "worst": worst["degradation_title"] if worst is not None else "",
                "worst_drop": worst["drop"] if worst is not None else np.nan,
                "significant_drops": int((learnt["p_holm"] < ALPHA).sum()),
                "degradations": len(group),
                "augment": entry[2],
                "goal_met": goal,
            }
        )
    verdicts = pd.DataFrame(rows)
    plain = verdicts[(verdicts["augment"] == 0) & verdicts["retained"].notna()]
    verdicts["verdict"] = ""
    if len(plain) > 1 and not np.isclose(plain["retained"].max(), plain["retained"].min()):
        verdicts.loc[plain["retained"].idxmax(), "verdict"] = "most robust"
        verdicts.loc[plain["retained"].idxmin(), "verdict"] = "least robust"
    augmented = verdicts["goal_met"].notna()
    verdicts.loc[augmented, "verdict"] = verdicts.loc[augmented, "goal_met"].map(
        {True: "goal met", False: "goal missed"}
    )
    return verdicts.set_index("contender")


def robustness_sentence(verdicts: pd.DataFrame) -> str:
    """One sentence from :func:`robustness_verdicts`: the most and least robust contender without augmentation."""
    plain = verdicts[(verdicts["augment"] == 0) & verdicts["retained"].notna()]
    if plain.empty:
        return "No contender has learnt runs without augmentation: no verdict on robustness."
    best, worst = plain["retained"].idxmax(), plain["retained"].idxmin()
    hurt = plain.loc[best, "worst"]
    if len(plain) == 1 or best == worst:
        kept = f"{percent(plain['retained'].max())} of its clean accuracy on average"
        return (
            f"Without augmentation, {best if len(plain) == 1 else 'every contender'} keeps {kept}, least under {hurt}."
        )
    return (
        f"Without augmentation, {best} keeps the most of its clean accuracy ({percent(plain.loc[best, 'retained'])} on"
        f" average, least under {hurt}) and {worst} the least ({percent(plain.loc[worst, 'retained'])}, a drop of"
        f" {points(plain.loc[worst, 'worst_drop'])} points under {plain.loc[worst, 'worst']})."
    )

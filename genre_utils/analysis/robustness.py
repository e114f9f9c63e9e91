"""Robustness to degraded audio: how much accuracy each contender loses on degraded copies of its test tracks.

Every finished run is scored on its clean test tracks and on degraded versions of the same tracks
(:mod:`genre_utils.data.degradations`); the experiment layer gives one long table of per-track
predictions, :data:`PREDICTION_COLUMNS`. A contender is a (model, features, augment) entry, ``augment``
being the degraded copies of each training track (0: none). Runs that did not learn
(:mod:`genre_utils.experiment.learning_check`) are left out of every number, sentence and figure, and counted.

- :func:`check_predictions`, :func:`run_accuracies`: the table checked; per run and degradation the drop.
- :func:`robustness_table`: per contender and degradation: mean drop with its t interval across runs,
  McNemar clean vs degraded on the same tracks, Holm-corrected over the contender's degradations.
- :func:`augmentation_effect`: with vs without augmentation; :data:`GOAL_RETAINED`, :data:`GOAL_CLEAN_LOSS`.
- :func:`robustness_sentence` and :func:`plot_robustness`: the answer in words and in a figure.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import seaborn as sns

from genre_utils.analysis.comparison import ALPHA, MIN_RUNS_FOR_INTERVAL, learned_mask
from genre_utils.analysis.plots import _figure
from genre_utils.analysis.statistics import DEFAULT_CONFIDENCE, holm, mcnemar, seed_summary
from genre_utils.data.degradations import degradation_names, get_degradation
from genre_utils.experiment.degradation_scores import CLEAN
from genre_utils.experiment.degradation_scores import COLUMNS as PREDICTION_COLUMNS  # the table this module reads
from genre_utils.models import contender_names, get_contender

SETTING_COLUMNS = ["dataset", "split", "segment_seconds"]  # one setting per table
RUN_ATTRIBUTES = [*SETTING_COLUMNS, "model", "features", "seed", "fold", "augment", "learned"]  # one value per run
ENTRY = ["model", "features", "augment"]
GOAL_RETAINED = 0.8  # with augmentation: at least this share of the clean accuracy under each degradation
GOAL_CLEAN_LOSS = 0.02  # ... losing at most this much clean accuracy (fraction units) to the un-augmented runs
TOLERANCE = 1e-9  # float slack on the goal's bounds (0.80 - 0.78 is 0.020000000000000018)
RUN_COLUMNS = [
    "run",
    *ENTRY,
    "seed",
    "fold",
    "learned",
    "degradation",
    "tracks",
    "accuracy",
    "clean_accuracy",
    "drop",
    "retained",
]
ROBUSTNESS_COLUMNS = [
    *ENTRY,
    "label",
    "degradation",
    "degradation_title",
    "n",
    "excluded_runs",
    "clean_accuracy",
    "degraded_accuracy",
    "drop",
    "drop_sd",
    "drop_ci_low",
    "drop_ci_high",
    "drop_min",
    "drop_max",
    "retained",
    "pairs",
    "both",
    "only_clean",
    "only_degraded",
    "neither",
    "statistic",
    "p_value",
    "p_holm",
]
EFFECT_COLUMNS = [
    "model",
    "features",
    "label",
    "augment",
    "degradation",
    "degradation_title",
    "n_without",
    "n_with",
    "excluded_runs",
    "accuracy_without",
    "accuracy_with",
    "difference",
    "retained_with",
    "meets_goal",
    "goal_met",
]
SUMMARY = {"": "mean", "_sd": "sd", "_ci_low": "ci_low", "_ci_high": "ci_high"}  # drop column suffix: seed_summary key
TRUTHS = {"true": True, "false": False, "1": True, "0": False, "1.0": True, "0.0": False}
DROP_AXIS = "accuracy drop from clean tracks (points)"
DROP_LIMIT = 105  # points: a drop lies within [-100, 100]; the axis stops a little beyond
ROW_BAND = 0.8  # share of a degradation's row the contenders' points spread over
SHADE = "0.94"  # every other degradation row


def check_predictions(table: pd.DataFrame) -> pd.DataFrame:
    """The predictions table checked, with ``learned`` and ``correct`` as booleans and ``augment`` as int.

    Raises:
        ValueError: Not a DataFrame; missing columns; no rows or no ``"clean"`` rows; ``correct`` not
            boolean or not ``true == predicted``; ``augment`` not a whole number >= 0; several settings
            (dataset, split, segment_seconds); a run-level column varying within a run; a track twice in
            a run and degradation; a run whose degraded tracks are not its clean tracks.
    """
    if not isinstance(table, pd.DataFrame):
        raise ValueError(f"predictions must be a pandas DataFrame, got {type(table).__name__}")
    missing = [column for column in PREDICTION_COLUMNS if column not in table.columns]
    if missing:
        raise ValueError(f"predictions lack column(s) {missing}")
    if table.empty:
        raise ValueError("predictions have no rows")
    frame = table.loc[:, list(PREDICTION_COLUMNS)].reset_index(drop=True)
    frame["learned"] = learned_mask(frame)
    truth = frame["correct"].astype("string").str.strip().str.lower().map(TRUTHS)
    if truth.isna().any():
        raise ValueError(f"column 'correct' must be boolean, got {frame['correct'].dtype} with other values")
    frame["correct"] = truth.astype(bool)
    if disagree := int((frame["correct"] != (frame["true"] == frame["predicted"])).sum()):
        raise ValueError(f"column 'correct' disagrees with true == predicted in {disagree} row(s)")
    augment = pd.to_numeric(frame["augment"], errors="coerce")
    if augment.isna().any() or (augment < 0).any() or (augment % 1 != 0).any():
        raise ValueError("column 'augment' must hold whole numbers >= 0 (degraded copies per training track)")
    frame["augment"] = augment.astype(int)
    if not frame["degradation"].eq(CLEAN).any():
        raise ValueError(f"column 'degradation' has no {CLEAN!r} rows: the clean test tracks are needed")
    settings = frame[SETTING_COLUMNS].drop_duplicates()
    if len(settings) > 1:
        raise ValueError(f"columns {SETTING_COLUMNS} hold {len(settings)} settings; analyse one at a time")
    varying = frame.groupby("run", sort=False)[RUN_ATTRIBUTES].nunique(dropna=False) > 1
    for column in RUN_ATTRIBUTES:
        if varying[column].any():
            raise ValueError(f"column {column!r} varies within run(s) {varying.index[varying[column]].tolist()[:3]}")
    if frame.duplicated(["run", "degradation", "track_id"]).any():
        raise ValueError("column 'track_id' repeats within a run and degradation: each track is tested once")
    tracks = frame.groupby(["run", "degradation"], sort=False)["track_id"].agg(frozenset)
    clean = {run: ids for (run, degradation), ids in tracks.items() if degradation == CLEAN}
    for (run, degradation), ids in tracks.items():
        if ids != clean.get(run):
            raise ValueError(f"column 'track_id': run {run!r} under {degradation!r} does not test its clean tracks")
    return frame


def run_accuracies(table: pd.DataFrame) -> pd.DataFrame:
    """Per run and degradation (``"clean"`` included, drop 0): accuracy and what was lost from clean.

    Returns:
        Columns :data:`RUN_COLUMNS`: ``run``, ``model``, ``features``, ``augment``, ``seed``, ``fold``,
        ``learned``, ``degradation``, ``tracks``, ``accuracy``, the run's ``clean_accuracy``, ``drop``
        (clean - degraded, fraction units) and ``retained`` (degraded / clean; NaN where clean is 0).
        In order of appearance; runs that did not learn included (see ``learned``).
    """
    return _accuracies(check_predictions(table))


def _accuracies(frame: pd.DataFrame) -> pd.DataFrame:
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
    """Per contender (model, features, augment) and degradation: the accuracy lost over its learnt runs.

    The drop's interval is :func:`~genre_utils.analysis.statistics.seed_summary` over the runs. McNemar
    (:func:`~genre_utils.analysis.statistics.mcnemar`) pairs clean and degraded predictions by (run, track),
    pooled over the learnt runs (runs share tracks: a per-track check, the interval is the across-runs
    one); ``p_holm`` is Holm-corrected over the contender's degradations.

    Returns:
        Columns :data:`ROBUSTNESS_COLUMNS`: the entry, its ``label`` (contender title, with the
        features where a model has several), ``degradation`` and its ``degradation_title``, ``n``
        learnt runs, ``excluded_runs`` (runs that did not learn; the columns after it are NaN where ``n`` is 0), mean
        ``clean_accuracy`` and ``degraded_accuracy``, ``drop`` mean with ``drop_sd``, ``drop_ci_low``,
        ``drop_ci_high`` (from :data:`~genre_utils.analysis.comparison.MIN_RUNS_FOR_INTERVAL` runs up, else
        NaN), ``drop_min`` and ``drop_max`` (the range), mean ``retained``, ``pairs``, the counts ``both``,
        ``only_clean``, ``only_degraded``, ``neither``, ``statistic``, exact ``p_value``, ``p_holm``.
        Models, features and degradations in order of appearance, augment ascending.
    """
    frame = check_predictions(table)
    runs = _accuracies(frame).assign(label=_labels)
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
    """Accuracy without and with augmentation per contender and degradation (clean included), learnt runs only.

    Without augmentation means the learnt un-augmented runs of the same seeds and folds as the augmented
    ones (all of them when none shares one). A row ``meets_goal`` when, with augmentation, the contender keeps at least
    :data:`GOAL_RETAINED`
    of its clean accuracy (mean of the runs' ``retained``) under that degradation, or, on the clean
    row, loses at most :data:`GOAL_CLEAN_LOSS` to its un-augmented runs; ``goal_met`` when every row
    of the contender (and augment) does.

    Returns:
        Columns :data:`EFFECT_COLUMNS` (``difference`` = with - without, ``excluded_runs`` of both
        sides); one block per (model, features) and augment > 0 with learnt runs both with augment 0
        and with it; empty (with the columns) when there is no such pair.
    """
    runs = run_accuracies(table).assign(label=_labels)
    rows = []
    for _, group in _in_order(runs).groupby(["model", "features"], sort=False):
        plain = group[(group["augment"] == 0) & group["learned"]]
        for augment, augmented in group[group["augment"] > 0].groupby("augment", sort=True):
            excluded = int(group.loc[~group["learned"] & group["augment"].isin([0, augment]), "run"].nunique())
            augmented = augmented[augmented["learned"]]
            seeds = set(zip(augmented["seed"], augmented["fold"]))  # compare on the same seeds and folds
            plain_here = plain[[pair in seeds for pair in zip(plain["seed"], plain["fold"])]]
            plain_here = plain_here if not plain_here.empty else plain
            if plain.empty or augmented.empty:
                continue
            block = []
            for degradation, with_ in augmented.groupby("degradation", sort=False):
                without = plain_here[plain_here["degradation"] == degradation]
                if without.empty:
                    continue
                before, after = without["accuracy"].mean(), with_["accuracy"].mean()
                retained = with_["retained"].mean()
                meets = (
                    before - after <= GOAL_CLEAN_LOSS + TOLERANCE
                    if degradation == CLEAN
                    else retained >= GOAL_RETAINED - TOLERANCE
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


def robustness_sentence(robustness: pd.DataFrame) -> str:
    """The most and least robust contender (mean ``retained`` over degradations, no augmentation), the
    degradation that hurts most (largest mean drop across those contenders), the runs left out, and, when
    there are augmented runs, whether augmentation shrank the drop and what it cost on clean tracks.
    """
    table = _checked(robustness)
    entries = table.drop_duplicates(ENTRY)
    excluded = int(entries["excluded_runs"].sum())
    lines = []
    if excluded:
        counts = (
            table.groupby(ENTRY, sort=False)
            .agg(label=("label", "first"), n=("n", "max"), excluded_runs=("excluded_runs", "first"))
            .reset_index()
        )
        which = "; ".join(
            f"{_entry_name(row)}: {int(row.excluded_runs)} of {int(row.excluded_runs + row.n)}"
            for row in counts.itertuples()
            if row.excluded_runs
        )
        verb = "is" if excluded == 1 else "are"
        lines.append(f"{_plural(excluded, 'run')} that did not learn {verb} left out ({which}).")
    plain = table[(table["augment"] == 0) & (table["n"] > 0)]
    kept = plain.groupby("label", sort=False)["retained"].mean().dropna()
    worst = plain.groupby("degradation_title", sort=False)["drop"].mean().dropna()
    if kept.empty:
        lines.append(
            "Fewer than 2 contenders have learnt runs without augmentation (none has), so no ranking of robustness."
        )
        return " ".join(lines)
    hurt = plain[plain["degradation_title"] == worst.idxmax()]
    hurts = (
        f"The degradation that hurts most is {worst.idxmax()}: a mean drop of {_points(worst.max())} points"
        f" across {_plural(len(hurt), 'contender')} (clean vs degraded differ at Holm-adjusted McNemar "
        f"p < {ALPHA} for {int((hurt['p_holm'] < ALPHA).sum())} of them)."
    )
    share = f"of its clean accuracy on average over {plain['degradation'].nunique()} degradations"
    if len(kept) < 2:
        lines.append(
            f"Fewer than 2 contenders have learnt runs without augmentation, so no ranking of robustness: "
            f"{kept.index[0]} keeps {_percent(kept.iloc[0])} {share}. {hurts}"
        )
    elif np.isclose(kept.max(), kept.min()):
        lines.append(f"All {len(kept)} contenders keep {_percent(kept.max())} {share}. {hurts}")
    else:
        lines.append(
            f"Without augmentation, the most robust contender is {kept.idxmax()}, keeping "
            f"{_percent(kept.max())} {share}; the least robust is {kept.idxmin()} ({_percent(kept.min())}). "
            f"{hurts}"
        )
    augmented = table[(table["augment"] > 0) & (table["n"] > 0)]
    if not augmented.empty:
        lines.append(_augmentation_sentence(augmented, plain))
    return " ".join(lines)


def plot_robustness(robustness: pd.DataFrame, title: str = "", ax=None):
    """Mean accuracy drop (points) per degradation (rows) and contender (colours) with its interval across runs.

    Un-augmented contenders are filled circles, augmented ones hollow squares; one error-bar group per
    (contender, augment), spread within the degradation's row; a vertical line at no drop.

    Raises:
        ValueError: The table lacks a column, or has no learnt run to draw.
    """
    table = _checked(robustness)
    shown = table[(table["n"] > 0) & np.isfinite(table["drop"].to_numpy(float))]
    if shown.empty:
        raise ValueError("column 'n' is 0 in every row of the robustness table: no learnt runs to draw")
    position = {name: y for y, name in enumerate(dict.fromkeys(shown["degradation"]))}
    entries = shown.drop_duplicates(ENTRY)
    colors = dict(zip(dict.fromkeys(entries["label"]), sns.color_palette("tab10", entries["label"].nunique())))
    own = ax is None
    fig, ax = _figure(ax, (9, 1.6 + len(position) * (0.25 + 0.09 * len(entries))), layout="constrained")
    for y in range(1, len(position), 2):
        ax.axhspan(y - 0.5, y + 0.5, color=SHADE, zorder=0)
    offsets = (np.arange(len(entries)) - (len(entries) - 1) / 2) * ROW_BAND / len(entries)
    for offset, (_, rows) in zip(offsets, shown.groupby(ENTRY, sort=False)):
        entry = rows.iloc[0]
        drop = 100 * rows["drop"].to_numpy(float)
        errors = np.nan_to_num(
            np.vstack(
                [drop - 100 * rows["drop_ci_low"].to_numpy(float), 100 * rows["drop_ci_high"].to_numpy(float) - drop]
            )
        )
        color = colors[entry.label]
        y = rows["degradation"].map(position).to_numpy(float) + offset
        ax.errorbar(
            drop,
            y,
            xerr=errors,
            fmt="s" if entry.augment else "o",
            color=color,
            mec=color,
            mfc="white" if entry.augment else color,
            capsize=3,
            markersize=5,
            label=_entry_name(entry),
        )
        ranged = (rows["n"].to_numpy() > 1) & ~np.isfinite(rows["drop_ci_low"].to_numpy(float))
        if ranged.any():  # under MIN_RUNS_FOR_INTERVAL runs: the range, dashed
            ax.hlines(
                y[ranged],
                100 * rows["drop_min"].to_numpy(float)[ranged],
                100 * rows["drop_max"].to_numpy(float)[ranged],
                colors=[color],
                linestyles="--",
                linewidth=1,
            )
    ax.axvline(0, color="grey", linewidth=1, zorder=1)
    left, right = ax.get_xlim()
    ax.set_xlim(max(left, -DROP_LIMIT), min(right, DROP_LIMIT))  # an interval may reach past what a drop can be
    titles = shown.drop_duplicates("degradation").set_index("degradation")["degradation_title"]
    ax.set_yticks(list(position.values()), [titles[name] for name in position])
    ax.set(xlabel=DROP_AXIS, ylabel="degradation", ylim=(len(position) - 0.5, -0.5), title=title)
    excluded = int(table.drop_duplicates(ENTRY)["excluded_runs"].sum())
    heading = (
        f"contender: mean over learnt runs, bar: 95 % t interval across runs (dashed: the range, under "
        f"{MIN_RUNS_FOR_INTERVAL} runs)"
    ) + (f" ({_plural(excluded, 'run')} that did not learn left out)" if excluded else "")
    if own:
        fig.legend(
            loc="outside lower center",
            ncol=min(3, len(entries)),
            fontsize=8,
            frameon=False,
            title=heading,
            title_fontsize=8,
        )
    else:
        ax.legend(fontsize=8, loc="best", title=heading, title_fontsize=8)
    return fig


def _augmentation_sentence(augmented: pd.DataFrame, plain: pd.DataFrame) -> str:
    """Whether augmentation shrank each contender's mean drop over the degradations both have, and its clean cost."""
    verdicts: dict[str, list[str]] = {"shrinks": [], "does not shrink": []}
    for (model, features, copies), rows in augmented.groupby(ENTRY, sort=False):
        base = plain[(plain["model"] == model) & (plain["features"] == features)]
        common = set(rows["degradation"]) & set(base["degradation"])
        if not common:
            continue
        before = base.loc[base["degradation"].isin(common), "drop"].mean()
        after = rows.loc[rows["degradation"].isin(common), "drop"].mean()
        cost = rows["clean_accuracy"].mean() - base["clean_accuracy"].mean()
        verdicts["shrinks" if after < before else "does not shrink"].append(
            f"{rows['label'].iloc[0]} ({copies} degraded {'copy' if copies == 1 else 'copies'} per training "
            f"track: from {_points(before)} to {_points(after)} points, clean accuracy {100 * cost:+.1f} points)"
        )
    parts = [f"{verdict} for {'; '.join(names)}" for verdict, names in verdicts.items() if names]
    if not parts:
        return "The augmented runs have no learnt un-augmented runs of the same contender to compare with."
    return f"With augmentation, the mean drop under degradation {' and '.join(parts)}."


def _checked(robustness: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in ROBUSTNESS_COLUMNS if c not in getattr(robustness, "columns", [])]
    if missing:
        raise ValueError(f"robustness lacks column(s) {missing} (expected robustness_table's)")
    return robustness


def _in_order(runs: pd.DataFrame) -> pd.DataFrame:
    """Runs by model, features and degradation in order of appearance (clean first), augment ascending."""
    rank = {
        c: runs[c].map({v: i for i, v in enumerate(runs[c].drop_duplicates())})
        for c in ("model", "features", "degradation")
    }
    rank["degradation"] = rank["degradation"].where(runs["degradation"] != CLEAN, -1)
    return (
        runs.assign(_m=rank["model"], _f=rank["features"], _d=rank["degradation"])
        .sort_values(["_m", "_f", "augment", "_d"], kind="stable")
        .drop(columns=["_m", "_f", "_d"])
    )


def _labels(runs: pd.DataFrame) -> pd.Series:
    titles = runs["model"].map(lambda name: get_contender(name).title if name in contender_names() else str(name))
    kinds = runs.groupby("model")["features"].transform("nunique")
    return titles.where(kinds <= 1, titles + " · " + runs["features"].astype(str))


def _degradation_title(name: str) -> str:
    return get_degradation(name).title if name in degradation_names() else str(name)


def _entry_name(row) -> str:
    return row.label + (f" (augmented ×{row.augment})" if row.augment else "")


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _points(value: float) -> str:
    return f"{100 * value:.1f}"


def _percent(value: float) -> str:
    return f"{_points(value)} %"

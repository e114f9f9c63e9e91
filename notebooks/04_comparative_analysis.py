# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 04 · The contenders compared, beside the thesis
#
# The thesis reports one run per model and dataset: CNN 56.0% and LSTM 42.0% on GTZAN, CNN 50.5%
# and LSTM 33.5% on FMA-small. This notebook places its two models among their peers, every
# contender trained by notebook 03 (or `python -m genre_utils.run`) on the same track splits and
# seeds and scored on the same test tracks. It shows per-track accuracy over seeds with a 95%
# interval, what accuracy costs, the thesis CNN on other features, McNemar's test on the
# contingency table of two contenders, the same test for every pair with Holm's correction, the
# paired tests across seeds, per-genre F1, confusion matrices, the leakage measurement, and the
# verdict.
#
# **Reads** `<output_dir>/<dataset>/runs/*/` (every finished run). **Writes**
# `<output_dir>/<dataset>/comparison.csv`, `model_tests.csv`, `paired_tests.csv`,
# `comparison.png` and `summary.md`, which the report's index page shows.

# %% tags=["parameters"]
from typing import Union  # for the type annotations (papermill --help-notebook shows them)
dataset: str = "synthetic"  # synthetic (embedded default), gtzan, fma_small, fma_medium or fma_large
split: str = "thesis"  # the setting examined in detail below (the first table shows all settings)
folds: int = 5  # folds, when split is kfold
segment_seconds: float = 3.0  # 0 for whole-clip runs; as in notebook 03
models: Union[str, list[str]] = "all"  # contenders to compare: "all" or a list of names (python -m genre_utils.run --help)
augment: int = 0  # compare the runs trained with this many degraded copies per training track (0: clean audio only)
output_dir: str = "../build/results"  # where notebook 03 wrote its runs

# %%
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display
from statsmodels.stats.contingency_tables import mcnemar
from statsmodels.stats.multitest import multipletests

from genre_utils.analysis import comparison, significance, summary
from genre_utils.analysis.plots import plot_accuracy_vs_time, plot_confusion, plot_contender_accuracy, plot_f1_heatmap
from genre_utils.analysis.statistics import holm
from genre_utils.experiment.runner import collect_runs
from genre_utils.models import contender_names, get_contender
from genre_utils.study import notebook as study
from genre_utils.study.settings import StudySettings

settings = StudySettings.from_parameters(globals())  # the parameters above, checked in one place
models = settings.models
results_dir = settings.results_folder()
labels = {name: get_contender(name).title for name in contender_names(include_readings=True)}
runs = comparison.finished_runs(collect_runs(output_dir, dataset), models, settings.augment)
display(Markdown(study.dataset_notice(settings)))
chosen = comparison.select_setting(runs, split, segment_seconds, folds)
print(f"{len(runs)} finished runs of {runs['model'].nunique()} contender(s); detail: "
      f"{comparison.setting_label(chosen.iloc[0])}")

# %% [markdown]
# ## Accuracy per contender
#
# Per-track test accuracy, mean over seeds (and folds); each run is a small point beside the mean,
# and the bar is the 95% interval from three runs up (the range, dashed, for two). A run that did
# not learn (`genre_utils.experiment.learning_check`: training accuracy at guessing, one genre for
# most test tracks, or test accuracy not above guessing) is a red cross, and its entry's mean is
# hollow: such a number is no result about the model. Red x marks are the thesis's single runs
# where the setting is the thesis's own (its split, MFCC features). The dotted line is guessing; on
# an unbalanced test set (FMA-medium, FMA-large) a dashed line marks always answering the most
# common genre, the floor a classifier has to beat there.

# %%
table = comparison.comparison_table(runs, labels=labels)
table.to_csv(results_dir / "comparison.csv", index=False)
detail = comparison.comparison_table(chosen, labels=labels)
figure = plot_contender_accuracy(detail, chance=1 / comparison.genre_count(chosen),
                                 majority=comparison.majority_rate(chosen),
                                 title=comparison.setting_label(chosen.iloc[0]), runs=chosen)
figure.savefig(results_dir / "comparison.png", dpi=110, bbox_inches="tight")
plt.show()

# %% [markdown]
# ## The table, and the thesis beside it
#
# `thesis` is the thesis's single run (GTZAN and FMA-small, thesis split, MFCC); the other
# columns are over seeds, each seed a full run scored per test track. Every setting with
# finished runs is listed.

# %%
comparison.display_table(table)

# %% [markdown]
# ## What accuracy costs
#
# Mean training time per run (log scale) against accuracy: the musicnn probe's time counts only
# the probe and the embedding of this dataset, not the pretraining its authors did.

# %%
plot_accuracy_vs_time(detail, title=comparison.setting_label(chosen.iloc[0]))
plt.show()

# %% [markdown]
# ## The thesis's open question: other features
#
# The thesis names log-mel spectrograms and chroma as future work for its CNN. `make report`
# trains the thesis CNN on each (notebook 03 with `features` set); here they stand side by side.

# %%
features_table = comparison.feature_study(detail)
features_table if not features_table.empty else Markdown("*No runs of the thesis CNN on other features yet "
                                                         "(`make report` trains them).*")

# %% [markdown]
# ## Are the differences real? McNemar's test on one pair
#
# Two contenders tested on the same tracks: per track, each is right or wrong. Only the tracks
# where they disagree say which is better; McNemar's test asks whether one of the two off-diagonal
# cells is larger than chance would make it. Few tracks disagree, so the exact binomial test is
# used. Here: the two best contenders on the first seed (with cross-validation the folds of a seed
# are pooled, so every track is tested once), read from their runs' `predictions.csv`.

# %%
seed = int(chosen["seed"].min())


def right_per_track(entry) -> pd.Series:
    """Per test track: did this entry's run(s) of `seed` classify it correctly?"""
    own = chosen[(chosen["model"] == entry.model) & (chosen["features"] == entry.features) & (chosen["seed"] == seed)]
    predictions = pd.concat(pd.read_csv(Path(folder) / "predictions.csv", dtype={"track_id": str})
                            for folder in own["folder"])
    return predictions.set_index("track_id")["correct"]


if len(detail) >= 2:
    first, second = detail.iloc[0], detail.iloc[1]
    right_first, right_second = right_per_track(first), right_per_track(second)
    contingency = pd.crosstab(right_first.rename(f"{first.label} right"),
                              right_second.reindex(right_first.index).rename(f"{second.label} right"))
    contingency = contingency.reindex(index=[True, False], columns=[True, False], fill_value=0)
    display(contingency)
    result = mcnemar(contingency, exact=True)
    print(f"seed {seed}: only {first.label} right on {contingency.loc[True, False]} tracks, only {second.label} "
          f"on {contingency.loc[False, True]}; exact McNemar p = {result.pvalue:.3g}")
else:
    display(Markdown("*Fewer than two contenders.*"))

# %% [markdown]
# ## Every pair and seed, with Holm's correction
#
# The same test for every pair of contenders and every seed (`only_a`: tracks only the first gets
# right; `a` is the one with the higher mean accuracy). With five contenders there are ten pairs
# per seed, and one of ten tests at p < 0.05 is no surprise: Holm's step-down correction over the
# pairs of a seed keeps the chance of any false alarm among them at 5% (`p_holm`).

# %%
mcnemar_table = significance.pairwise_mcnemar(chosen, labels=labels)
families = mcnemar_table.groupby([*comparison.SETTING, "seed"])["p_value"]  # a family: the pairs of one seed
mcnemar_table["p_holm"] = families.transform(lambda p: multipletests(p, method="holm")[1])
mcnemar_table.to_csv(results_dir / "model_tests.csv", index=False)
mcnemar_table[["seed", "label_a", "label_b", "both", "only_a", "only_b", "neither", "p_value", "p_holm"]]

# %% [markdown]
# ## Paired tests across seeds
#
# Seed *i* of two contenders shares its split and validation tracks, so their accuracies pair up:
# the paired t-test and the Wilcoxon signed-rank test ask whether the difference is consistently
# away from zero. The pairs of the setting form the family for Holm's correction; a pair with a
# single run has no p-value and stays out of it (`holm` is `multipletests` on the p-values that exist).

# %%
paired = significance.pairwise_paired_tests(chosen, labels=labels)
for test in ("t", "wilcoxon"):
    paired[f"p_holm_{test}"] = paired.groupby(comparison.SETTING)[f"p_value_{test}"].transform(holm)
paired.to_csv(results_dir / "paired_tests.csv", index=False)
paired[["label_a", "label_b", "n", "mean_difference", "p_value_t", "p_holm_t", "p_value_wilcoxon", "p_holm_wilcoxon"]]

# %% [markdown]
# ## Per genre
#
# F1 per genre and contender, averaged over seeds: which genres each contender finds, and which
# none does.

# %%
plot_f1_heatmap(comparison.f1_by_genre(chosen, labels=labels), title=comparison.setting_label(chosen.iloc[0]))
plt.show()

# %% [markdown]
# ## Confusion matrices (summed over seeds)

# %%
entries = chosen.groupby(["model", "features"], sort=False)
fig, axes = plt.subplots((len(entries) + 2) // 3, 3, figsize=(19, 5.6 * ((len(entries) + 2) // 3)), squeeze=False)
for ax, ((name, kind), own) in zip(axes.flat, entries):
    plot_confusion(comparison.summed_confusion(own), title=f"{labels[name]} · {kind} · {len(own)} run(s)", ax=ax)
for ax in list(axes.flat)[len(entries):]:
    ax.set_visible(False)
plt.show()

# %% [markdown]
# ## Leakage: splitting segments at random instead of by track

# %%
leakage = comparison.leakage_table(runs, labels=labels)
leakage.round(3) if not leakage.empty else Markdown("*No random-segment runs (notebook 03 with `leakage_demo = True`).*")

# %% [markdown]
# ## Verdict
#
# Per contender: accuracy over runs, its interval, whether every run learnt, and whom it beats
# after Holm's correction (McNemar in how many seeds; the paired t-test across seeds). The sentence
# and the table are `summary.md`, shown on the report's index page.

# %%
verdict = summary.verdict_table(detail, mcnemar_table, paired)
(results_dir / "summary.md").write_text(summary.written_summary(detail, verdict) + "\n")
display(Markdown(summary.verdict_sentence(detail, verdict)))
verdict

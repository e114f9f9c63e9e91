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
# # 05 · CNN vs LSTM, beside the thesis
#
# The thesis reports one run per model and dataset: CNN 56.0% and LSTM 42.0% on GTZAN, CNN 50.5%
# and LSTM 33.5% on FMA-small. This notebook sets every finished run of notebooks 03 and 04 (and
# of `python -m genre_utils.run` sweeps) beside those numbers: per-track accuracy as mean ±
# standard deviation over seeds with a 95% interval, McNemar's test on the same test tracks,
# a paired test across seeds, per-genre differences, both confusion matrices, training time and
# model size, and the leakage measurement. The closing summary is generated from these numbers.
#
# **Reads** `<output_dir>/<dataset>/runs/*/` (every finished run). **Writes**
# `<output_dir>/<dataset>/comparison.csv`, `model_tests.csv` and `summary.md`, which the report's
# index page shows.

# %% tags=["parameters"]
dataset = "synthetic"  # synthetic (embedded default), gtzan or fma_small
split = "thesis"  # the setting examined in detail below (the first table shows all settings)
features = "mfcc"  # mfcc, logmel or chroma
segment_seconds = 3.0  # 0 for whole-clip runs; as in notebooks 03 and 04
output_dir = "../build/results"  # where notebooks 03 and 04 wrote their runs

# %%
import matplotlib.pyplot as plt
from IPython.display import Markdown, display

from genre_utils import comparison, study
from genre_utils.datasets import DATASET_NAMES
from genre_utils.experiment import collect_runs
from genre_utils.plots import plot_confusion, plot_per_genre, plot_seed_accuracies

study.check_choice("dataset", dataset, DATASET_NAMES)
results_dir = study.results_folder(output_dir, dataset)
runs = collect_runs(output_dir, dataset)
if runs.empty:
    raise FileNotFoundError(f"no finished runs in {results_dir / 'runs'}: run notebooks 03 and 04 (or "
                            f"python -m genre_utils.run --dataset {dataset}) first")
if dataset == "synthetic":
    display(Markdown(study.SYNTHETIC_NOTE))
runs["setting"] = [comparison.setting_label(row) for row in runs.itertuples()]
chosen = runs[(runs["split"] == split) & (runs["features"] == features) & (runs["segment_seconds"] == segment_seconds)]
if chosen.empty:
    raise ValueError(f"no runs with split={split!r}, features={features!r}, segment_seconds={segment_seconds!r}; "
                     f"finished settings: {sorted(runs['setting'].unique())}")
print(f"{len(runs)} finished runs in {len(runs['setting'].unique())} setting(s); detail: {chosen['setting'].iloc[0]}")

# %% [markdown]
# ## The thesis's table, and ours
#
# `thesis` is the thesis's single run (only for GTZAN and FMA-small with their thesis split);
# `mean`, `sd` and the interval are over seeds, each seed a full run scored per test track.

# %%
table = comparison.comparison_table(runs)
table.to_csv(results_dir / "comparison.csv", index=False)
shown = table.assign(**{c: 100 * table[c] for c in ("thesis", "mean", "sd", "ci_low", "ci_high", "balanced_accuracy",
                                                      "macro_f1")})
shown.round(1).rename(columns={"mean": "ours mean %", "sd": "sd %", "thesis": "thesis %"})

# %%
thesis_marks = {m: comparison.THESIS_ACCURACY[(dataset, m)] for m in ("cnn", "lstm")
                if (dataset, m) in comparison.THESIS_ACCURACY and split == "thesis"}
plot_seed_accuracies(chosen[chosen["split"] == split], title=chosen["setting"].iloc[0], thesis=thesis_marks)
plt.show()

# %% [markdown]
# ## Is the difference real?
#
# McNemar's exact test asks, per seed, whether the two models err on different test tracks more
# often than chance would have it (`only_a`: tracks only the CNN gets right; `only_b`: only the
# LSTM). The paired t-test and Wilcoxon test compare the two models' accuracies across seeds
# (seed *i* of both models shares its split and validation tracks).

# %%
mcnemar_table = comparison.mcnemar_by_seed(runs)
paired = comparison.paired_tests(runs)
if not mcnemar_table.empty:
    mcnemar_table.assign(setting=[comparison.setting_label(r) for r in mcnemar_table.itertuples()]).to_csv(
        results_dir / "model_tests.csv", index=False)
display(mcnemar_table.round(4) if not mcnemar_table.empty else Markdown("*No seed has both models yet.*"))
paired.round(4) if not paired.empty else Markdown("*No setting has both models yet.*")

# %% [markdown]
# ## Per genre
#
# F1 per genre, averaged over seeds, for the setting examined.

# %%
f1 = comparison.per_genre_f1(chosen)
label = chosen["setting"].iloc[0]
per_model = f1[label] if label in f1.columns.get_level_values(0) else f1
plot_per_genre(per_model, title=f"per-genre F1 · {label}")
plt.show()
if {"cnn", "lstm"} <= set(per_model.columns):
    per_model = per_model.assign(cnn_minus_lstm=per_model["cnn"] - per_model["lstm"]).sort_values("cnn_minus_lstm")
per_model.round(3)

# %% [markdown]
# ## Both confusion matrices (summed over seeds)

# %%
models = sorted(chosen["model"].unique())
fig, axes = plt.subplots(1, len(models), figsize=(6.5 * len(models), 5.5), squeeze=False)
for ax, model in zip(axes[0], models):
    own = chosen[chosen["model"] == model]
    plot_confusion(comparison.summed_confusion(own), title=f"{model.upper()} · {len(own)} seed(s)", ax=ax)
plt.show()

# %% [markdown]
# ## Leakage: splitting segments at random instead of by track

# %%
leakage = comparison.leakage_table(runs)
leakage.round(3) if not leakage.empty else Markdown("*No random-segment runs (notebook 03 with `leakage_demo = True`).*")

# %% [markdown]
# ## Summary (generated from the numbers above)

# %%
summary = comparison.written_summary(table, mcnemar_table, paired, leakage)
(results_dir / "summary.md").write_text(summary + "\n")
Markdown(summary)

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
# # 08 · Robust to the recording chain? The degradation study
#
# People use the study's models on their own files: phone recordings, low-bitrate MP3s, radio
# captures, loud masters. A model that has only heard full-band audio at 22,050 Hz can read a file
# without content above 4 kHz as another genre. This notebook measures, for every contender, how
# much of its accuracy survives the recording chain, the question Mauch & Ewert's Audio Degradation
# Toolbox (ISMIR 2013) and Sturm's "horse" analyses ask of a classifier.
#
# Each finished run is scored on its own clean test tracks and on the same tracks after each
# degradation (`genre_utils/data/degradations/`: band limits, MP3, white and pink noise, gain and
# clipping, pitch and tempo, a room), with its own training statistics and its saved model. Every
# run hears the same degraded audio, so clean and degraded answers pair up track by track. With
# `augment_copies` > 0 the contenders are also trained with that many degraded copies of each
# training track (validation and test tracks stay clean) and compared with and without.
#
# **Reads** the dataset's cached features and the finished runs of notebook 03 (reused).
# **Writes** degraded feature stores in the feature cache, one folder per new run under
# `<output_dir>/<dataset>/runs/` (each with `degraded_predictions.csv`), and
# `robustness_predictions.csv`, `robustness.csv`, `augmentation.csv`, `robustness.png` and
# `robustness.md` (the answer) under `<output_dir>/<dataset>/`.

# %% tags=["parameters"]
from typing import Optional, Union  # for the type annotations (papermill --help-notebook shows them)
dataset: str = "synthetic"  # synthetic (embedded default), gtzan, fma_small, fma_medium or fma_large
data_root: Optional[str] = None  # dataset folder, None means $GENRE_DATA_DIR/<dataset> or data/<dataset>
models: Union[str, list[str]] = "all"  # contenders to score: "all" or a list of names (python -m genre_utils.run --help)
degradations: Union[str, list[str]] = "all"  # "all" or a list of degradation names (genre_utils.data.degradations)
degradation_seed: int = 0  # seeds the degraded audio (noise); every run hears the same
augment_copies: int = 2  # degraded copies of each training track for the runs with augmentation; 0: none
augment_models: Union[str, list[str]] = "all"  # contenders also trained with augmentation: "all" or a list
augment_seeds: Optional[list[int]] = None  # seeds of the runs with augmentation; None: seeds
split: str = "thesis"  # thesis (stratified by track), fault_filtered (GTZAN), official (FMA) or kfold
folds: int = 5  # folds of the kfold split
segment_seconds: float = 3.0  # the study's segments; 0 trains on whole clips
seeds: list[int] = [0, 1, 2, 3, 4]  # the study's seeds (notebook 03's), so its runs are reused
epochs: int = 100  # safety bound; early stopping on validation loss ends training
batch_size: int = 32  # items per gradient step
patience: int = 6  # epochs without a better validation loss before stopping
synthetic_clips_per_genre: int = 20  # synthetic only: clips generated per genre
synthetic_seconds: float = 8.0  # synthetic only: seconds per generated clip
workers: int = 0  # feature extraction processes; 0 means all cores
output_dir: str = "../build/results"  # runs are written to <output_dir>/<dataset>/runs/

# %%
import matplotlib.pyplot as plt
from IPython.display import Markdown, display

from genre_utils.analysis import robustness
from genre_utils.analysis.plots import plot_robustness
from genre_utils.data.degradations import degradation_table
from genre_utils.experiment.degradation_scores import robustness_predictions
from genre_utils.experiment.runner import train_plan
from genre_utils.study import degradation_study
from genre_utils.study import notebook as study
from genre_utils.study.settings import StudySettings

settings = StudySettings.from_parameters(globals())  # the parameters above, checked in one place
degradations = degradation_study.study_degradations(degradations)
specs = degradation_study.study_specs(settings, augment_copies, augment_models, augment_seeds)
results_dir = settings.results_folder()
display(Markdown(study.dataset_notice(settings)))
print(f"{len(specs)} run(s) of {len(settings.models)} contender(s) x {len(degradations)} degradation(s)")

# %% [markdown]
# ## The degradations
#
# Each from its declaration: its family, its parameters and why it matters (a citation or a
# rationale). Those drawn for augmentation are `AUGMENTATION_DEGRADATIONS`; 10 dB noise, heavy
# clipping, pitch shifts and tempo changes are left out of that draw, so the study also shows how
# augmentation carries over to damage it never heard.

# %%
degradation_table().loc[list(degradations), ["title", "family", "parameters", "rationale"]]

# %% [markdown]
# ## The runs
#
# One run per contender and seed on the same splits as notebook 03 (its finished runs are reused),
# then the runs with augmentation.

# %%
stores = {kind: study.open_dataset(settings, kind) for kind in sorted({spec.features for spec in specs})}
log = study.RunLog()
runs = train_plan(specs, stores, settings.output_dir, log=log, workers=settings.workers or None)
log

# %% [markdown]
# ## Every run on clean and degraded test tracks
#
# The degraded copies of the test tracks are extracted once and cached like any feature set (their
# key holds the degradation and its seed); each run's answers are kept in its folder.

# %%
degraded = degradation_study.degraded_copies(specs, stores, degradations, degradation_seed, settings.output_dir,
                                             settings.workers or None)
log = study.RunLog("Scoring log")
predictions = robustness_predictions(specs, degraded, settings.output_dir, log=log)
predictions.to_csv(results_dir / degradation_study.PREDICTIONS_FILE, index=False)
log

# %% [markdown]
# ## Accuracy drop per contender and degradation
#
# Per contender (with and without augmentation) and degradation: per-track accuracy on the clean
# and the degraded tracks, the drop with its 95% interval across runs, the share of clean accuracy
# retained, and McNemar's exact test between clean and degraded answers on the same tracks
# (pooled over runs, Holm-adjusted over the degradations of a contender). Runs that did not learn
# are left out and counted in `excluded_runs`.

# %%
table = robustness.robustness_table(predictions)
table.to_csv(results_dir / degradation_study.TABLE_FILE, index=False)
table.round(3)

# %% [markdown]
# ## The drop, drawn
#
# One row per degradation: each contender's mean drop with its interval (filled: trained on clean
# audio; hollow: with augmentation). Right of the line at 0 is worse than on clean tracks.

# %%
figure = plot_robustness(table, title=f"{settings.dataset} · {settings.split} · accuracy lost to each degradation")
figure.savefig(results_dir / degradation_study.FIGURE_FILE, dpi=110, bbox_inches="tight")
plt.show()

# %% [markdown]
# ## With and without augmentation
#
# Per contender trained both ways: accuracy without and with augmentation on clean and degraded
# tracks. The goal (`robustness.GOAL_RETAINED`, `GOAL_CLEAN_LOSS`): with augmentation a contender
# keeps at least 80% of its clean accuracy under each degradation and loses at most 2 points on
# clean tracks; `goal_met` says whether it does, on this data.

# %%
effect = robustness.augmentation_effect(predictions)
effect.to_csv(results_dir / degradation_study.EFFECT_FILE, index=False)
effect.round(3)

# %% [markdown]
# ## The answer
#
# Per contender: the share of its clean accuracy kept on average over the degradations, the degradation
# that hurts it most, how many drops are significant (Holm-adjusted McNemar p < 0.05) and, trained with
# augmentation, whether it met the goal; the most and least robust without augmentation are named.

# %%
verdicts = robustness.robustness_verdicts(table, effect)
sentence = robustness.robustness_sentence(verdicts)
study.write_answer(results_dir / degradation_study.ANSWER_FILE, verdicts, sentence)
display(verdicts.round(3))
Markdown(sentence)

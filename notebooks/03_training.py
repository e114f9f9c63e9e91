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
# # 03 · Training one contender
#
# This notebook trains and evaluates **one contender** of the study's registry
# (`genre_utils.models`; `python -m genre_utils.run --help` lists them): the thesis CNN and
# LSTM, the classic MFCC-statistics SVM below them, the CRNN beside them, the pretrained musicnn
# probe above them, or a model of your own. `make report` runs it once per contender (the
# `model` parameter), so every contender gets its own report from the same code.
#
# Unlike the thesis's single run, every seed in `seeds` is a full run (its own split draw for the
# thesis split, its own weights), evaluated **per track** on test tracks that never reach
# training: the split is made by track before any segmenting, and the standardization statistics
# come from the training tracks alone. `segment_seconds = 0` trains on whole clips exactly as
# the thesis did; the default cuts tracks into 3 s segments and averages the segment
# probabilities of each test track. Contenders that classify whole clips (the SVM on clip
# statistics, the musicnn probe) take one item per track whatever the segment length.
#
# **Reads** the dataset and its cached features. **Writes** one folder per run under
# `<output_dir>/<dataset>/runs/` (model, training log, configuration, per-track predictions,
# metrics, confusion matrix) and `<output_dir>/<dataset>/runs.csv`, which notebook 04 reads.
# Finished runs are reused, so re-running the notebook only trains what is missing.

# %% tags=["parameters"]
from typing import Optional  # for the type annotations (papermill --help-notebook shows them)
dataset: str = "synthetic"  # synthetic (embedded default), gtzan, fma_small, fma_medium or fma_large
data_root: Optional[str] = None  # dataset folder, None means $GENRE_DATA_DIR/<dataset> or data/<dataset>
model: Optional[str] = None  # contender to train (python -m genre_utils.run --help lists them); None: the first, the thesis CNN
features: Optional[str] = None  # feature kind (mfcc, logmel, chroma ...); None means the contender's own
split: str = "thesis"  # thesis (stratified by track), fault_filtered (GTZAN), official (FMA) or kfold
folds: int = 5  # folds of the kfold split (one run per fold and seed)
segment_seconds: float = 3.0  # 0 trains on whole clips (thesis); else segment length in seconds
seeds: list[int] = [0, 1, 2, 3, 4]  # one complete run per seed
epochs: int = 100  # safety bound; early stopping on validation loss ends training
batch_size: int = 32  # items per gradient step
patience: int = 6  # epochs without a better validation loss before stopping
augment: int = 0  # degraded copies of each training track added to training (band limits, MP3, noise ...); 0: none
leakage_demo: bool = False  # also train with segments split at random, to measure that mistake (make report: thesis CNN)
synthetic_clips_per_genre: int = 20  # synthetic only: clips generated per genre
synthetic_seconds: float = 8.0  # synthetic only: seconds per generated clip
workers: int = 0  # feature extraction processes; 0 means all cores
output_dir: str = "../build/results"  # runs are written to <output_dir>/<dataset>/runs/

# %%
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

from genre_utils.analysis.comparison import comparison_table, leakage_table, summed_confusion
from genre_utils.analysis.plots import plot_confusion, plot_contender_accuracy, plot_training
from genre_utils.analysis.statistics import summarize_runs
from genre_utils.models import get_contender
from genre_utils.study import notebook as study
from genre_utils.study.settings import StudySettings

settings = StudySettings.from_parameters(globals())  # the parameters above, checked in one place
model, features = settings.model, settings.features_for(settings.model)
contender = get_contender(model)
store = study.open_dataset(settings, features)
results_dir = settings.results_folder()
display(Markdown(study.dataset_notice(settings)))
display(Markdown(study.contender_card(contender)))
segments = settings.segment_seconds and not contender.whole_clips
frames = store.config.frames_for_seconds(settings.segment_seconds) if segments else store.config.n_frames
print(f"{len(store.usable)} usable clips, {len(store.skipped)} skipped; one item is {store.config.n_features} x "
      f"{frames} {features} frames ({f'{settings.segment_seconds:g} s segments' if segments else 'whole clips'})")

# %% [markdown]
# ## The model
#
# The function that defines the contender, read from its module (the code every run executes), then
# what it builds for this data: the network's layers and parameter count, or the candidates an
# estimator is chosen among.

# %%
display(Markdown(study.model_code(contender)))
study.describe_model(contender, (store.config.n_features, frames), store.usable["genre"].nunique())

# %% [markdown]
# ## The training settings
#
# What every run of this notebook passes to training. Early stopping watches the validation loss and
# keeps the best epoch's weights, but never acts before the warm-up's gradient steps.

# %%
study.training_table(settings, contender, store)

# %% [markdown]
# ## Training, one run per seed
#
# Networks train until the validation loss stops improving (early stopping, the best weights
# kept); models fitted in one go choose their hyper-parameter on the validation tracks. The
# thesis split has only training and test tracks, so 10% of the training tracks of each genre
# are set aside as validation tracks: the test tracks are used once, for the final numbers.

# %%
log = study.RunLog()
runs = study.train_runs(settings, model, store, log=log)
display(log)
honest = runs[runs["split"] == settings.split].sort_values(["seed", "fold"]).reset_index(drop=True)
notes = honest["notes"].iloc[0] or "the split's own training, validation and test tracks were used."
display(Markdown(f"**How the data were used** (seed {honest['seed'].iloc[0]}): {notes}"))
if study.not_learned_note(honest):
    display(Markdown(study.not_learned_note(honest)))
honest[["seed", "fold", "accuracy", "learned", "balanced_accuracy", "macro_f1", "epochs_run", "best_epoch",
        "stopped_by", "train_seconds", "test_tracks"]]

# %% [markdown]
# ## How it was fitted (first seed)
#
# For a network, loss and accuracy per epoch on training and validation items, with the epoch
# whose weights were kept; for a model fitted in one go, validation accuracy per candidate.

# %%
plot_training(honest.iloc[0])
plt.show()

# %% [markdown]
# ## Confusion matrix and per-genre scores
#
# Rows are the true genre, columns the prediction, as in the thesis; each row is normalized to
# the genre's test tracks and summed over all seeds.

# %%
plot_confusion(summed_confusion(honest), title=f"{contender.title} · {settings.dataset} · {settings.split} · {len(honest)} run(s)")
plt.show()
per_genre = pd.concat([pd.read_csv(f"{folder}/per_genre.csv", index_col=0) for folder in honest["folder"]])
per_genre.groupby(level=0).mean().round(3)

# %% [markdown]
# ## Across seeds

# %%
plot_contender_accuracy(comparison_table(honest), title=f"{contender.title}: per-track test accuracy per seed", runs=honest)
plt.show()
summarize_runs(honest, by=["model", "features", "split", "segment_seconds"]).round(3)

# %% [markdown]
# ## The leakage demonstration
#
# The same model, trained with the segments of *all* tracks split at random (the common tutorial
# mistake): segments of one recording land in training and test alike.

# %%
leakage = leakage_table(runs)
leakage.round(3) if not leakage.empty else Markdown("*Not run (`leakage_demo = False`, or a contender that "
                                                    "classifies whole clips).*")

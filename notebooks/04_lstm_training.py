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
# # 04 · The thesis LSTM
#
# The thesis's recurrent model reads the MFCC frames in time order through five `LSTM` layers
# of 128, 32, 32, 32 and 32 units, with dropout 0.5 after the first and 0.3 after the others,
# and a softmax. It scored 42.0% on GTZAN and 33.5% on FMA-small, well below the CNN; this
# notebook trains it under exactly the conditions of notebook 03 (same split draws, seeds,
# features and segments), so notebook 05 can compare the two on the same test tracks.
#
# Unlike the thesis's single run, every seed in `seeds` is a full run (its own split draw for the
# thesis split, its own weights), evaluated **per track** on test tracks that never reach
# training: the split is made by track before any segmenting, and the standardization statistics
# come from the training tracks alone. `segment_seconds = 0` trains on whole clips exactly as
# the thesis did; the default cuts tracks into 3 s segments and averages the segment
# probabilities of each test track.
#
# **Reads** the dataset and its cached features. **Writes** one folder per run under
# `<output_dir>/<dataset>/runs/` (model, training log, configuration, per-track predictions,
# metrics, confusion matrix) and `<output_dir>/<dataset>/runs.csv`, which notebook 05 reads.
# Finished runs are reused, so re-running the notebook only trains what is missing.

# %% tags=["parameters"]
dataset = "synthetic"  # synthetic (embedded default), gtzan or fma_small
data_root = None  # dataset folder, None means $GENRE_DATA_DIR/<dataset> or data/<dataset>
split = "thesis"  # thesis (stratified by track), fault_filtered (GTZAN) or official (FMA)
features = "mfcc"  # mfcc (thesis), logmel or chroma
segment_seconds = 3.0  # 0 trains on whole clips (thesis); else segment length in seconds
seeds = [0, 1, 2, 3, 4]  # one complete run per seed
epochs = 30  # upper bound; early stopping on validation loss usually stops sooner
batch_size = 32  # items per gradient step
patience = 6  # epochs without a better validation loss before stopping
leakage_demo = False  # also train with segments split at random (notebook 03 does it for the CNN)
synthetic_clips_per_genre = 20  # synthetic only: clips generated per genre
synthetic_seconds = 10.0  # synthetic only: seconds per generated clip
workers = 0  # feature extraction processes; 0 means all cores
output_dir = "../build/results"  # runs are written to <output_dir>/<dataset>/runs/

# %%
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

from genre_utils import study
from genre_utils.comparison import leakage_table, summed_confusion
from genre_utils.models import build_model, parameter_count
from genre_utils.plots import plot_confusion, plot_history, plot_seed_accuracies
from genre_utils.statistics import summarize_runs
from genre_utils.training import load_history

study.check_training_parameters(dataset, split, features, seeds, segment_seconds, epochs, batch_size, patience)
MODEL = "lstm"
store = study.open_dataset(dataset, data_root, features, workers, synthetic_clips_per_genre, synthetic_seconds)
results_dir = study.results_folder(output_dir, dataset)
if dataset == "synthetic":
    display(Markdown(study.SYNTHETIC_NOTE))
frames = store.config.frames_for_seconds(segment_seconds) if segment_seconds else store.config.n_frames
print(f"{len(store.usable)} usable clips, {len(store.skipped)} skipped; one item is {store.config.n_features} x {frames} "
      f"{features} frames ({f'{segment_seconds:g} s segments' if segment_seconds else 'whole clips'})")

# %% [markdown]
# ## The model

# %%
model = build_model(MODEL, (store.config.n_features, frames), store.usable["genre"].nunique())
model.summary()
print(f"trainable parameters: {parameter_count(model):,}")

# %% [markdown]
# ## Training, one run per seed
#
# An LSTM step cannot start before the previous one ends, so on a CPU this model trains several
# times slower than the CNN per epoch (see `benchmarks/training.py`). Validation tracks for
# early stopping come from the training tracks, as in notebook 03.

# %%
runs = study.train_runs(MODEL, store, dataset, split, features, seeds, segment_seconds, epochs, batch_size, patience,
                        output_dir, leakage_demo=leakage_demo)
honest = runs[runs["split"] == split].sort_values("seed").reset_index(drop=True)
notes = honest["notes"].iloc[0] or "the split's own training, validation and test tracks were used."
display(Markdown(f"**How the data were used** (seed {honest['seed'].iloc[0]}): {notes}"))
honest[["seed", "accuracy", "balanced_accuracy", "macro_f1", "epochs_run", "best_epoch", "train_seconds",
        "test_tracks"]]

# %% [markdown]
# ## Loss and accuracy curves (first seed)

# %%
first = honest.iloc[0]
plot_history(load_history(first["folder"]), title=f"{MODEL.upper()} · {dataset} · seed {first['seed']}",
             best_epoch=int(first["best_epoch"]))
plt.show()

# %% [markdown]
# ## Confusion matrix and per-genre scores
#
# Rows are the true genre, columns the prediction, as in the thesis; each row is normalized to
# the genre's test tracks and summed over all seeds.

# %%
plot_confusion(summed_confusion(honest), title=f"{MODEL.upper()} · {dataset} · {split} · {len(honest)} seed(s)")
plt.show()
per_genre = pd.concat([pd.read_csv(f"{folder}/per_genre.csv", index_col=0) for folder in honest["folder"]])
per_genre.groupby(level=0).mean().round(3)

# %% [markdown]
# ## Across seeds

# %%
plot_seed_accuracies(honest, title=f"{MODEL.upper()} per-track test accuracy per seed")
plt.show()
summarize_runs(honest, by=["model", "split", "segment_seconds"]).round(3)

# %% [markdown]
# ## The leakage demonstration
#
# The same model, trained with the segments of *all* tracks split at random (the common tutorial
# mistake): segments of one recording land in training and test alike.

# %%
leakage = leakage_table(runs)
leakage.round(3) if not leakage.empty else Markdown("*Not run (`leakage_demo = False` or whole clips).*")

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
# # 01 · Data exploration
#
# What is in the dataset before any model sees it: clips per genre and split, durations, sample
# rates and channels, the clips that cannot be used (with the reason), loudness and a few summary
# features per genre, and one clip per genre to listen to.
#
# **Reads** the dataset named by `dataset` (the synthetic default is generated on first use;
# GTZAN and the FMA subsets must be downloaded first, see the README).
# **Writes** `<output_dir>/<dataset>/tracks.csv` (the track table), `class_counts.csv` and `skipped.csv`.

# %% tags=["parameters"]
from typing import Optional  # for the type annotations (papermill --help-notebook shows them)
dataset: str = "synthetic"  # synthetic (embedded default), gtzan, fma_small, fma_medium or fma_large
data_root: Optional[str] = None  # dataset folder, None means $GENRE_DATA_DIR/<dataset> or data/<dataset>
synthetic_clips_per_genre: int = 20  # synthetic only: clips generated per genre
synthetic_seconds: float = 8.0  # synthetic only: seconds per generated clip
summary_clips_per_genre: int = 10  # clips per genre decoded for the loudness/tempo summaries
listen_seconds: float = 5.0  # seconds of each example clip embedded in the report
seed: int = 0  # seed of the clip sample used for summaries
output_dir: str = "../build/results"  # tables are written to <output_dir>/<dataset>/

# %%
import matplotlib.pyplot as plt
import seaborn as sns
from IPython.display import Audio, Markdown, display

from genre_utils.data.audio import SAMPLE_RATE, load_audio
from genre_utils.data.datasets import get_dataset
from genre_utils.data.datasets.table import skipped_files
from genre_utils.data.explore import (SUMMARY_COLUMNS, UNBALANCED_RATIO, class_counts, example_per_genre, imbalance_ratio,
                                 summarize_tracks)
from genre_utils.study import notebook as study
from genre_utils.study.settings import StudySettings

settings = StudySettings.from_parameters(globals())  # the parameters above, checked in one place
declaration = get_dataset(settings.dataset)
root = study.dataset_folder(settings)  # the embedded set is generated on first use, with its options above
results_dir = settings.results_folder()
sns.set_theme(style="whitegrid")

# %%
display(Markdown(study.dataset_notice(settings)))  # what results on it mean (the embedded set: synthetic data)

# %% [markdown]
# ## The track table
# Every clip found on disk is one row, readable or not; `status` says why a clip cannot be used.

# %%
tracks = declaration.validate(root, progress=False)
tracks.to_csv(results_dir / "tracks.csv", index=False)
print(f"{len(tracks)} clips in {root}")
tracks.head()

# %% [markdown]
# ## Clips per genre and split
# Usable clips per genre, each genre's share, and usable clips on each side of every published split.
# FMA-medium and FMA-large are far from balanced: there, read balanced accuracy and macro F1 beside accuracy.

# %%
counts = class_counts(tracks)
counts.to_csv(results_dir / "class_counts.csv")
ratio = imbalance_ratio(counts)
if ratio > UNBALANCED_RATIO:
    display(Markdown(f"> **Unbalanced classes.** The largest genre has {ratio:.0f}x the usable clips of the smallest: "
                     "accuracy rewards the large genres, so read balanced accuracy and macro F1 beside it "
                     "(notebook 04)."))
counts

# %% [markdown]
# ## Durations, sample rates and channels
# GTZAN clips are nominally 30 s; the feature extractor pads or crops every clip to the same length.

# %%
fig, ax = plt.subplots(figsize=(9, 3.5))
sns.histplot(data=tracks[tracks.status == "ok"], x="duration", hue="genre", multiple="stack", bins=30, ax=ax)
ax.set(xlabel="duration (s)", ylabel="clips", title="Clip durations")
plt.show()
display(tracks.groupby(["sample_rate", "channels"]).size().rename("clips").to_frame())

# %% [markdown]
# ## Clips that cannot be used
# Nothing is dropped silently: each unusable clip is listed with its reason and written to `skipped.csv`.

# %%
skipped = skipped_files(tracks)
skipped.to_csv(results_dir / "skipped.csv", index=False)
print(f"{len(skipped)} of {len(tracks)} clips cannot be used")
skipped

# %% [markdown]
# ## Loudness and summary features per genre
# RMS loudness (dBFS), spectral centroid (brightness), zero-crossing rate (noisiness) and
# librosa's tempo estimate, on a seeded sample of clips per genre.

# %%
summary = summarize_tracks(tracks, per_genre=summary_clips_per_genre, seed=seed)
summary.to_csv(results_dir / "clip_summary.csv", index=False)
fig, axes = plt.subplots(2, 2, figsize=(12, 7), sharex=True)
for ax, column in zip(axes.flat, SUMMARY_COLUMNS):
    sns.boxplot(data=summary, x="genre", y=column, ax=ax, color="lightsteelblue")
    ax.tick_params(axis="x", rotation=45)
fig.suptitle(f"Summary features per genre ({dataset})")
fig.tight_layout()
plt.show()
summary.groupby("genre")[list(SUMMARY_COLUMNS)].median().round(2)

# %% [markdown]
# ## Listen: one clip per genre

# %%
for example in example_per_genre(tracks).itertuples():
    display(Markdown(f"**{example.genre}** · `{example.track_id}`"))
    display(Audio(data=load_audio(example.path)[: int(listen_seconds * SAMPLE_RATE)], rate=SAMPLE_RATE))

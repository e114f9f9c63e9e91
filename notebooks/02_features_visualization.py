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
# # 02 · Mel-spectrograms and MFCCs
#
# The thesis feeds both models 20 MFCCs per frame (librosa, 22050 Hz, n_fft 2048, hop 512). This
# notebook shows what those numbers are for one clip per genre — waveform, mel-spectrogram and
# the 20 coefficients — then the mean MFCC profile of each genre and a 2-D PCA of clip-level
# MFCC statistics.
#
# **Reads** the dataset and its cached features (extracted on first use, see
# `genre_utils.features.store`). **Writes** `<output_dir>/<dataset>/mfcc_profiles.csv`.

# %% tags=["parameters"]
from typing import Optional  # for the type annotations (papermill --help-notebook shows them)
dataset: str = "synthetic"  # synthetic (embedded default), gtzan, fma_small, fma_medium or fma_large
data_root: Optional[str] = None  # dataset folder, None means $GENRE_DATA_DIR/<dataset> or data/<dataset>
synthetic_clips_per_genre: int = 20  # synthetic only: clips generated per genre
synthetic_seconds: float = 8.0  # synthetic only: seconds per generated clip
n_mels: int = 128  # mel bands of the displayed mel-spectrogram (and of the MFCC filterbank)
workers: int = 0  # feature extraction processes; 0 means all cores
output_dir: str = "../build/results"  # tables are written to <output_dir>/<dataset>/

# %%
import librosa
import librosa.display
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from IPython.display import Markdown, display

from genre_utils.data.audio import SAMPLE_RATE, load_audio
from genre_utils.data.explore import clip_statistics, example_per_genre, pca_projection
from genre_utils.features.kinds import FeatureConfig, compute_features
from genre_utils.study import notebook as study
from genre_utils.study.settings import StudySettings

settings = StudySettings.from_parameters(globals())  # the parameters above, checked in one place
display(Markdown(study.dataset_notice(settings)))  # what results on it mean (the embedded set: synthetic data)
results_dir = settings.results_folder()
store = study.open_dataset(settings, "mfcc", n_mels=n_mels)  # the embedded set is generated on first use
config = store.config
examples = example_per_genre(store.tracks)
print(f"{len(store.usable)} clips with features {store.features.shape[1:]} ({config.kind}); {len(store.skipped)} skipped")

# %% [markdown]
# ## One clip per genre: waveform, mel-spectrogram, MFCCs

# %%
mel_config = FeatureConfig(kind="logmel", n_mels=n_mels, clip_seconds=config.clip_seconds)
for example in examples.itertuples():
    samples = load_audio(example.path)
    fig, axes = plt.subplots(1, 3, figsize=(16, 3.2))
    librosa.display.waveshow(samples, sr=SAMPLE_RATE, ax=axes[0])
    axes[0].set(title=f"{example.genre} · waveform", xlabel="time (s)", ylabel="amplitude")
    mel = compute_features(samples, mel_config)
    image = librosa.display.specshow(mel, sr=SAMPLE_RATE, hop_length=config.hop_length, x_axis="time", y_axis="mel", ax=axes[1])
    axes[1].set(title="log-mel spectrogram", xlabel="time (s)", ylabel="frequency (Hz, mel scale)")
    fig.colorbar(image, ax=axes[1], format="%+2.0f dB")
    mfcc = compute_features(samples, FeatureConfig(n_mels=n_mels, clip_seconds=config.clip_seconds))
    # Coefficient 0 (energy) is an order of magnitude larger than the rest: show each row as a z-score.
    mfcc_z = (mfcc - mfcc.mean(axis=1, keepdims=True)) / (mfcc.std(axis=1, keepdims=True) + 1e-8)
    image = librosa.display.specshow(mfcc_z, sr=SAMPLE_RATE, hop_length=config.hop_length, x_axis="time", ax=axes[2], cmap="vlag")
    axes[2].set(title="20 MFCCs (each row standardized)", xlabel="time (s)", ylabel="MFCC coefficient (0 at bottom)")
    fig.colorbar(image, ax=axes[2], label="z-score within the clip")
    fig.tight_layout()
    plt.show()

# %% [markdown]
# ## Mean MFCC profile per genre
# Coefficient 0 is overall log energy; the higher coefficients describe the shape of the spectral
# envelope (timbre). Each genre's profile averages every frame of every usable clip.

# %%
usable = store.usable
statistics = clip_statistics(store.clips(usable.track_id))
profiles = pd.DataFrame(statistics[:, : config.n_features], columns=[f"mfcc{k}" for k in range(config.n_features)])
profiles["genre"] = usable.genre.to_numpy()
genre_profiles = profiles.groupby("genre").mean()
genre_profiles.to_csv(results_dir / "mfcc_profiles.csv")
fig, axes = plt.subplots(1, 2, figsize=(15, 4.5), gridspec_kw={"width_ratios": [1, 1.4]})
for genre, row in genre_profiles.iterrows():
    axes[0].plot(np.arange(1, config.n_features), row.to_numpy()[1:], marker="o", markersize=3, label=genre)
axes[0].set(xlabel="MFCC coefficient", ylabel="mean value", title="Mean MFCCs 1-19 per genre")
axes[0].legend(fontsize=8, ncol=2)
sns.heatmap(genre_profiles.iloc[:, 1:], cmap="vlag", center=0, ax=axes[1], cbar_kws={"label": "mean value"})
axes[1].set(xlabel="MFCC coefficient", ylabel="genre", title="Mean MFCC profile (coefficient 0 omitted)")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Clip-level MFCC statistics in two dimensions
# Each clip becomes 40 numbers (mean and standard deviation of each coefficient), standardized
# and projected with PCA. Overlapping clouds are the genres a classifier will confuse.

# %%
projection, explained = pca_projection(statistics)
frame = pd.DataFrame({"PC1": projection[:, 0], "PC2": projection[:, 1], "genre": usable.genre.to_numpy()})
fig, ax = plt.subplots(figsize=(8, 6))
sns.scatterplot(data=frame, x="PC1", y="PC2", hue="genre", ax=ax, s=30)
ax.set(xlabel=f"PC1 ({explained[0]:.0%} of variance)", ylabel=f"PC2 ({explained[1]:.0%} of variance)",
       title=f"PCA of clip MFCC statistics ({dataset})")
ax.legend(bbox_to_anchor=(1.02, 1), loc="upper left")
plt.show()

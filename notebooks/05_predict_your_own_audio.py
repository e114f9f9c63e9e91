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
# # 05 · Classify your own audio
#
# Load a run trained by notebook 03 -- any contender -- and classify any audio file (wav, mp3, flac, ogg, any
# sample rate, mono or stereo, any length), step by step: decode, measure, features, windows, standardize, model,
# mean over the windows. `predict.predict_file` chains the same calls; from a terminal:
# `python -m genre_utils.predict FILE [FILE ...] --run RUN_FOLDER`.
#
# Beside the genres stand the 50 tags of the pretrained **musicnn** tagger (Pons & Serra 2019), which needs no
# training here: on real music it is the answer to trust first when the run was trained on the synthetic set,
# whose "genres" are generated styles.
#
# **Reads** a run folder (with its `conditions.json`, where the run recorded one) and the audio file. **Writes**
# `<output_dir>/<dataset>/predictions/<file name>.csv` (one row per window).

# %% tags=["parameters"]
from typing import Optional  # for the type annotations (papermill --help-notebook shows them)
dataset: str = "synthetic"  # dataset whose runs to look in (and whose test clips serve as examples)
data_root: Optional[str] = None  # dataset folder, None means $GENRE_DATA_DIR/<dataset> or data/<dataset>
audio_path: Optional[str] = None  # the file to classify; None takes a test clip of the chosen run
model: Optional[str] = None  # contender whose newest run to use; None means the newest run of any contender
run_folder: Optional[str] = None  # a run folder; None means the newest finished run of model under output_dir
hop_seconds: Optional[float] = None  # step between windows in seconds; None means windows do not overlap
top_k: int = 3  # how many genres and tags to list
tagger: str = "MSD_musicnn"  # musicnn tagger shown beside the genres: MSD_musicnn or MTT_musicnn
output_dir: str = "../build/results"  # where notebook 03 wrote its runs

# %%
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Audio, Markdown, display

from genre_utils import predict
from genre_utils.analysis.plots import plot_timeline
from genre_utils.data.audio import downmix, load_native, resampled
from genre_utils.data.conditions import differences, measure_channels
from genre_utils.study.settings import check_choice, check_models
from genre_utils.data.datasets import dataset_names, get_dataset
from genre_utils.features.pretrained.musicnn import MODEL_NAMES as TAGGERS
from genre_utils.features.pretrained.musicnn import tag_file

check_choice("dataset", dataset, dataset_names())
check_choice("tagger", tagger, TAGGERS)
if model is not None:
    model = check_models([model])[0]
if run_folder is None:
    run_folder = predict.latest_run(output_dir, dataset=dataset, model=model)
    if run_folder is None:
        raise FileNotFoundError(f"no finished run{f' of {model}' if model else ''} under {Path(output_dir) / dataset}: "
                                "run notebook 03 first, or set run_folder")
run = predict.load_run(run_folder)
if not run.learned:
    display(Markdown(f"> **This run did not learn:** {run.not_learned_warning}."))
if run.trained_on_synthetic:
    display(Markdown(f"> **Read this first:** {predict.SYNTHETIC_WARNING}."))
if audio_path is None:  # a test track of this very run: never seen in training
    test_tracks = pd.read_csv(Path(run_folder) / "predictions.csv")["track_id"]
    tracks = get_dataset(dataset).load_tracks(data_root)  # data_root None: the dataset's default folder
    audio_path = tracks.set_index("track_id").loc[test_tracks.iloc[0], "path"]
print(f"model: {run.description}")
print(f"file: {audio_path}")

# %% [markdown]
# ## Listen

# %%
Audio(filename=str(audio_path))

# %% [markdown]
# ## 1 · Decode
#
# Once, at the file's own sample rate, every channel kept: the recording conditions are measured on this.

# %%
channels, native_rate = load_native(audio_path, mono=False)
print(f"{channels.shape[0]} channel(s), {channels.shape[1] / native_rate:.2f} s at {native_rate} Hz")

# %% [markdown]
# ## 2 · Measure: the file beside the run's training audio
#
# Native rate, bandwidth (where the spectral energy ends), clipped and silent shares and RMS level
# (docs/methods.md, "Recording conditions"), beside the same measures over a sample of the run's training tracks,
# recorded in the run folder's `conditions.json`. Each way the file lies outside them is one line below the table:
# there the run is out of its depth (notebook 08 measures what such damage costs).

# %%
condition = measure_channels(channels, native_rate, audio_path)
measures = ["bandwidth_hz", "clipped_share", "silent_share", "level_dbfs"]
recorded = run.conditions or {}  # an older run folder has none
training = pd.DataFrame({m: recorded.get(m) or {} for m in measures}, index=["min", "p5", "median", "p95", "max"])
display(pd.Series(vars(condition), name="this file")[measures].to_frame().join(training.T.add_prefix("training ")))
for line in differences(condition, run.conditions):
    display(Markdown(f"> **Out of its depth:** {line}."))

# %% [markdown]
# ## 3 · Features
#
# Downmixed to mono, resampled to the run's rate, and the run's features computed over the audio zero-padded by
# one window, as training padded its short clips.

# %%
config = run.feature_config
samples = resampled(downmix(channels), native_rate, config.sample_rate)
values = run.features(samples)
print(f"{config.kind}: {values.shape[0]} features x {values.shape[1]} frames at {config.sample_rate} Hz")

# %% [markdown]
# ## 4 · Windows
#
# Windows of the run's item length (a training segment, or the whole training clip), every `hop_seconds`; a
# window made mostly of padding is dropped, but the first is always kept.

# %%
windows, starts, valid_frames = run.windows(values, samples.size, hop_seconds)
print(f"{len(windows)} windows of {run.window_frames} frames, starting at frames {starts.tolist()}")

# %% [markdown]
# ## 5 · Standardize, with the training statistics saved beside the model

# %%
x = run.standardizer.transform(windows) if run.standardizer is not None else windows
print(f"standardized: {run.standardizer is not None}; mean {x.mean():.2f}, std {x.std():.2f}")

# %% [markdown]
# ## 6 · The model: genre probabilities per window

# %%
probabilities = run.predictor.predict_proba(x, valid_frames=valid_frames)
prediction = predict.summarize(run, audio_path, samples, starts, probabilities, condition)
for warning in prediction.warnings:
    display(Markdown(f"> **Note:** {warning}"))
plot_timeline(prediction)
plt.show()
prediction.segments.round(3)

# %% [markdown]
# ## 7 · The file's genres: the mean over its windows, and musicnn's tags beside them

# %%
top = pd.DataFrame(prediction.top(top_k), columns=["genre", "probability"])
tags = tag_file(audio_path, model=tagger, top=top_k)
folder = Path(output_dir) / dataset / "predictions"
folder.mkdir(parents=True, exist_ok=True)
prediction.segments.to_csv(folder / f"{Path(audio_path).name}.csv", index=False)
pd.concat([top.round(3), pd.DataFrame({f"{tagger} tag": tags.index, "score": tags.to_numpy().round(3)})], axis=1)

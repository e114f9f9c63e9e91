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
# Load a run trained by notebook 03 -- any contender -- and classify any audio file (wav, mp3,
# flac, ogg, any sample rate, mono or stereo, any length). The file is decoded, turned into the
# same features the run was trained on, standardized with the *training* statistics saved beside
# the model (for contenders that standardize), and cut into windows of the run's item length;
# each window gets a genre, and the mean of the window probabilities gives the top genres.
#
# Beside the genres stand the 50 tags of the pretrained **musicnn** tagger (Pons & Serra 2019),
# which needs no training here: on real music it is the answer to trust first when the run was
# trained on the synthetic set, whose "genres" are generated styles.
#
# The same from a terminal: `python -m genre_utils.predict FILE [FILE ...] --run RUN_FOLDER`.
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
from genre_utils.data import conditions
from genre_utils.study.settings import check_choice, check_models
from genre_utils.data.datasets import dataset_names, get_dataset
from genre_utils.features.pretrained.musicnn import MODEL_NAMES as TAGGERS

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
# ## The file beside the run's training audio
#
# What can be measured of the file (native sample rate, where its spectral energy ends, clipping,
# silence, RMS level) beside the same measures of the run's training audio, recorded in the run
# folder's `conditions.json`. Each way the file lies outside them is said below the table: there the
# run is out of its depth, and its genres are a guess outside its experience (the degradation study,
# notebook 08, measures how much such damage costs).

# %%
prediction = predict.predict_file(run, audio_path, hop_seconds=hop_seconds)
display(conditions.condition_table(prediction.condition, run.conditions))
for line in prediction.out_of_depth:
    display(Markdown(f"> **Out of its depth:** {line}."))

# %% [markdown]
# ## Genre per window, over time

# %%
for warning in prediction.warnings:
    display(Markdown(f"> **Note:** {warning}"))
predict.plot_timeline(prediction)
plt.show()
prediction.segments.round(3)

# %% [markdown]
# ## Top genres for the whole file, and musicnn's tags beside them

# %%
top = pd.DataFrame(prediction.top(top_k), columns=["genre", "probability"])
tags = predict.file_tags(audio_path, tagger, top_k)
folder = Path(output_dir) / dataset / "predictions"
folder.mkdir(parents=True, exist_ok=True)
prediction.segments.to_csv(folder / f"{Path(audio_path).name}.csv", index=False)
pd.concat([top.round(3), pd.DataFrame({f"{tagger} tag": tags.index, "score": tags.to_numpy().round(3)})], axis=1)

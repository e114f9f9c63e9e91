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
# # 06 · Classify your own audio
#
# Load a model trained by notebook 03 or 04 and classify any audio file (wav, mp3, flac, ogg,
# any sample rate, mono or stereo, any length). The file is decoded at 22050 Hz, turned into the
# same features the model was trained on, standardized with the *training* statistics saved
# beside the model, and cut into windows of the model's input length; each window gets a genre,
# and the mean of the window probabilities gives the top genres for the file.
#
# The same from a terminal: `python -m genre_utils.predict FILE [FILE ...] --run RUN_FOLDER`.
#
# **Reads** a run folder (`model.keras`, `config.json`, `standardizer.json`) and the audio file.
# **Writes** `<output_dir>/<dataset>/predictions/<file name>.csv` (one row per window).

# %% tags=["parameters"]
dataset = "synthetic"  # dataset whose runs to look in (and whose test clips serve as examples)
data_root = None  # dataset folder, None means $GENRE_DATA_DIR/<dataset> or data/<dataset>
audio_path = None  # the file to classify; None takes a test clip of the chosen run
model = "cnn"  # cnn or lstm, used when run_folder is None
run_folder = None  # a run folder; None means the newest finished run of model under output_dir
hop_seconds = None  # step between windows in seconds; None means windows do not overlap
top_k = 3  # how many genres to list
output_dir = "../build/results"  # where notebooks 03 and 04 wrote their runs

# %%
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Audio, Markdown, display

from genre_utils import data, predict, study
from genre_utils.datasets import DATASET_NAMES, get_dataset
from genre_utils.models import MODEL_NAMES

study.check_choice("dataset", dataset, DATASET_NAMES)
study.check_choice("model", model, MODEL_NAMES)
if run_folder is None:
    run_folder = predict.latest_run(output_dir, dataset=dataset, model=model)
    if run_folder is None:
        raise FileNotFoundError(f"no finished {model} run under {Path(output_dir) / dataset}: run notebook "
                                f"{'03' if model == 'cnn' else '04'} first, or set run_folder")
run = predict.load_run(run_folder)
if audio_path is None:  # a test track of this very run: never seen in training
    test_tracks = pd.read_csv(Path(run_folder) / "predictions.csv")["track_id"]
    tracks = get_dataset(dataset).load_tracks(data.dataset_root(dataset, data_root))
    audio_path = tracks.set_index("track_id").loc[test_tracks.iloc[0], "path"]
if dataset == "synthetic":
    display(Markdown(study.SYNTHETIC_NOTE))
print(f"model: {run.folder} ({run.spec['model']}, {run.spec['features']}, trained on {run.spec['dataset']})")
print(f"file: {audio_path}")

# %% [markdown]
# ## Listen

# %%
Audio(filename=str(audio_path))

# %% [markdown]
# ## Genre per window, over time

# %%
prediction = predict.predict_file(run, audio_path, hop_seconds=hop_seconds)
for warning in prediction.warnings:
    display(Markdown(f"> **Note:** {warning}"))
predict.plot_timeline(prediction)
plt.show()
prediction.segments.round(3)

# %% [markdown]
# ## Top genres for the whole file

# %%
top = pd.DataFrame(prediction.top(top_k), columns=["genre", "probability"])
folder = study.results_folder(output_dir, dataset) / "predictions"
folder.mkdir(exist_ok=True)
prediction.segments.to_csv(folder / f"{Path(audio_path).name}.csv", index=False)
top.round(3)

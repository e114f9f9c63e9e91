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
# # 06 · More data: the learning curve
#
# The thesis ends on "more data": its LSTM trails its CNN (42.0% against 56.0% on GTZAN, 33.5%
# against 50.5% on FMA-small), and it asks whether more training data would close the gap. This
# notebook answers for the data at hand: every contender is trained on 1/8, 1/4, 1/2 and all of
# the split's training tracks, and its per-track test accuracy is drawn against the number of
# training tracks.
#
# The smaller training sets are **nested** (for one seed, the 1/8 tracks are among the 1/4
# tracks, and so on) and **stratified** (the same share of every genre); the validation tracks
# for early stopping and the **test tracks are the same** at every size, so the points differ only
# in how much the models learnt from. Every seed is a full run, as in notebook 03; the point with
# all the training tracks *is* notebook 03's run and is reused, not trained again. On FMA the curve
# continues across datasets: FMA-small, FMA-medium and FMA-large, each its own curve on its own test
# tracks (`make report DATASET=fma_medium SPLIT=official`).
#
# **Reads** the dataset's cached features and the finished runs of notebook 03.
# **Writes** one folder per new run under `<output_dir>/<dataset>/runs/` (named `...-train0.125`
# and so on), `runs.csv`, and `learning_curve.csv`, `learning_curve.png` and `learning_curve.md`
# (the answer) under `<output_dir>/<dataset>/`; the report's index page shows the last two.

# %% tags=["parameters"]
from typing import Optional, Union  # for the type annotations (papermill --help-notebook shows them)
dataset: str = "synthetic"  # synthetic (embedded default), gtzan, fma_small, fma_medium or fma_large
data_root: Optional[str] = None  # dataset folder, None means $GENRE_DATA_DIR/<dataset> or data/<dataset>
models: Union[str, list[str]] = "all"  # the study's contenders: "all" or a list of names (as notebooks 03 and 04)
curve_models: Optional[list[str]] = None  # contenders on the curve, among models; None: all of models
features: Optional[str] = None  # feature kind for every contender; None: each its own (as notebook 03)
fractions: list[float] = [0.125, 0.25, 0.5, 1.0]  # shares of each genre's training tracks; 1.0 reuses notebook 03's runs
split: str = "thesis"  # thesis (stratified by track), fault_filtered (GTZAN), official (FMA) or kfold
folds: int = 5  # folds of the kfold split
segment_seconds: float = 3.0  # 0 trains on whole clips (thesis); else segment length in seconds
seeds: list[int] = [0, 1, 2, 3, 4]  # the study's seeds (notebook 03's), so its runs are the curve's last point
curve_seeds: Optional[list[int]] = None  # seeds of the curve's runs; None: seeds
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

from genre_utils.analysis import learning_curve
from genre_utils.analysis.comparison import genre_count, majority_rate
from genre_utils.analysis.plots import plot_learning_curve
from genre_utils.experiment import plans
from genre_utils.experiment.runner import train_plan
from genre_utils.study import notebook as study
from genre_utils.study.settings import StudySettings, check_seeds

settings = StudySettings.from_parameters(globals())  # the parameters above, checked in one place
on_curve = plans.curve_models(settings.models, curve_models)
fractions = plans.check_fractions(fractions)
curve_seeds = check_seeds(settings.seeds if curve_seeds is None else curve_seeds)
results_dir = settings.results_folder()
display(Markdown(study.dataset_notice(settings)))
print(f"{len(on_curve)} contender(s) x {len(fractions)} share(s) of the training tracks x {len(curve_seeds)} seed(s)")

# %% [markdown]
# ## The runs
#
# One run per contender, share and seed; finished runs (the full-data runs of notebook 03, and
# any curve run of an earlier report) are reused.

# %%
specs = plans.curve_specs(settings, on_curve, fractions, curve_seeds)
stores = {kind: study.open_dataset(settings, kind) for kind in sorted({spec.features for spec in specs})}
log = study.RunLog()
runs = train_plan(specs, stores, settings.output_dir, log=log)
log

# %% [markdown]
# ## The table
#
# Per contender and share: the number of training tracks, per-track test accuracy as the mean
# over seeds with its 95% Student-t interval, and the means of balanced accuracy and macro F1.

# %%
table = learning_curve.curve_table(runs)
table.to_csv(results_dir / learning_curve.CURVE_FILE, index=False)
table.round(3)

# %% [markdown]
# ## The curve
#
# Accuracy against the number of training tracks on a log axis (each step doubles the data),
# one line per contender, each run a small dot beside its mean, with its 95% interval across runs
# as a band (the hatched range under three runs); the dotted line is
# guessing, and a dashed one (on an unbalanced test set) always answering the most common genre.

# %%
figure = plot_learning_curve(table, chance=1 / genre_count(runs), majority=majority_rate(runs),
                             title=f"{settings.dataset} · {settings.split} · test tracks the same at every size", runs=runs)
figure.savefig(results_dir / learning_curve.CURVE_FIGURE, dpi=110, bbox_inches="tight")
plt.show()

# %% [markdown]
# ## The thesis's question: does more data close the LSTM's gap to the CNN?
#
# The rule, fixed before looking at the runs (docs/methods.md, "The gap rule"): the gap is the CNN's accuracy
# minus the LSTM's per seed (both models of a seed share its split and test tracks); its change from
# the smallest to the largest training set is averaged over seeds with a 95% Student-t interval, and
# the gap only *shrinks* or *grows* when that interval excludes zero. Under three seeds there is no
# verdict, and a seed with a run that did not learn at either end is left out (`left_out`). Gaps in
# points.

# %%
verdicts = learning_curve.gap_table(runs)
sentence = learning_curve.gap_sentence(verdicts, settings.dataset)
study.write_answer(results_dir / learning_curve.ANSWER_FILE, verdicts, sentence)
display(verdicts.round(1))
Markdown(sentence)

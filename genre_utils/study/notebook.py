"""What the numbered notebooks share: their settings, the data opened, training runs, what a run shows.

A notebook builds its :class:`~genre_utils.study.settings.StudySettings` once from its ``parameters``
cell, so that a typo fails at once with the allowed values, and passes it to :func:`open_dataset`
and :func:`train_runs`; the one training notebook runs any contender of the registry with only
``model`` changed.
"""

from __future__ import annotations

import html
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from genre_utils.analysis.comparison import learned_mask
from genre_utils.analysis.plots import plot_history
from genre_utils.data.datasets import dataset_root, get_dataset
from genre_utils.experiment.runner import LEAKY_SPLIT, own_runs, run_experiment, skipped_note
from genre_utils.features.extraction import prepare_features
from genre_utils.features.store import FeatureSet
from genre_utils.models import FAMILIES, documentation, get_contender
from genre_utils.models.sklearn_family import SELECTION_FILE, load_selection
from genre_utils.study.settings import StudySettings

TRAINING_LOG = "Training log"  # a RunLog's default title: its summary counts runs trained now and reused


def dataset_notice(settings: StudySettings) -> str:
    """The dataset's own notice for readers of its results (the embedded set: synthetic data); "" if none."""
    return get_dataset(settings.dataset).notice or ""


def contender_card(contender) -> str:
    """Markdown: the contender's declaration and the documentation of its open choices."""
    text = documentation(contender.name)
    first, _, rest = text.partition("\n\n")
    return (
        f"**{contender.title}** (`{contender.name}`; {FAMILIES[contender.family]}): {contender.description}.  \n"
        f"*Input:* {contender.input}; feature kind `{contender.features}`.\n\n" + (f"{first}\n\n{rest}" if text else "")
    )


def describe_model(contender, input_shape: tuple[int, int], n_classes: int) -> None:
    """Print the network's layers and parameter count, or the fitted model's recipe."""
    if hasattr(contender, "build"):
        from genre_utils.models.keras_family import parameter_count  # lazy: Keras loads TensorFlow

        network = contender.build(input_shape, n_classes)
        network.summary()
        print(f"trainable parameters: {parameter_count(network):,}")
        return
    grid = ", ".join(str(candidate) for candidate in contender.grid)
    print(
        f"{contender.title}: fitted with scikit-learn on {contender.input}; candidates chosen on the "
        f"validation tracks: {grid}"
    )


def dataset_folder(settings: StudySettings) -> Path:
    """The dataset's folder; a generated dataset (the embedded set) is generated there first with the
    settings' dataset options, unless it is there already."""
    dataset = get_dataset(settings.dataset)
    root = dataset_root(settings.dataset, settings.data_root)
    if dataset.generated:
        dataset.download(root, progress=False, **settings.dataset_options)
    return root


def open_dataset(settings: StudySettings, features: str = "mfcc", **config_overrides) -> FeatureSet:
    """The dataset's feature store of kind ``features``; a generated dataset (the embedded set) is
    generated first with the settings' dataset options, unless it is there already.

    Missing features are extracted on the Dask scheduler at ``$GENRE_DASK_SCHEDULER`` when that
    is set (its workers must see the data and the cache), else on ``settings.workers`` processes.

    Raises:
        ValueError: Unknown feature kind.
        FileNotFoundError: A real dataset that has not been downloaded (the message says how).
    """
    return prepare_features(
        settings.dataset,
        dataset_folder(settings),
        kind=features,
        workers=settings.workers or None,
        progress=False,
        **config_overrides,
    )


def train_runs(settings: StudySettings, model: str, store: FeatureSet, log=print) -> pd.DataFrame:
    """Train (or reuse) one run per seed (and fold, for ``kfold``) of ``model`` on ``store``; its finished runs.

    With ``settings.leakage_demo`` the same seeds also run with segments split at random (the common
    mistake) so that the comparison can show the inflation it causes; contenders that classify
    whole clips have no segments to leak and skip it.
    """
    leaky = settings.leakage_demo and LEAKY_SPLIT not in settings.splits and not get_contender(model).whole_clips
    splits = [*settings.splits, LEAKY_SPLIT] if leaky else list(settings.splits)
    specs = settings.run_specs(models=[model], splits=splits)
    log(skipped_note(store, settings.output_dir, settings.dataset))
    return own_runs(run_experiment(specs, {store.config.kind: store}, settings.output_dir, log=log), specs)


def plot_training(run) -> object:
    """How a run was fitted, as a figure: loss/accuracy per epoch (networks), or validation
    accuracy per candidate hyper-parameter (models chosen on the validation tracks)."""
    from genre_utils.models.training import load_history  # lazy: Keras loads TensorFlow

    folder = Path(run["folder"])
    title = f"{get_contender(run['model']).title} · {run['dataset']} · seed {run['seed']}"
    if (folder / SELECTION_FILE).is_file():
        selection = load_selection(folder)
        candidate = [c for c in selection.columns if c not in ("valid_accuracy", "chosen")][0]
        fig, ax = plt.subplots(figsize=(6, 3.6))
        ax.plot(selection[candidate], selection["valid_accuracy"], marker="o")
        chosen = selection[selection["chosen"]].iloc[0]
        ax.axvline(chosen[candidate], color="grey", linestyle="--", label=f"chosen {candidate} = {chosen[candidate]:g}")
        ax.set(xscale="log", xlabel=candidate, ylabel="per-track validation accuracy", ylim=(0, 1), title=title)
        ax.legend()
        fig.tight_layout()
        return fig
    return plot_history(load_history(folder), title=title, best_epoch=int(run["best_epoch"]))


def not_learned_note(runs: pd.DataFrame) -> str:
    """Markdown naming the runs that did not learn, with why (:mod:`genre_utils.experiment.learning_check`); "" if all
    did.
    """
    flat = runs[~learned_mask(runs)]
    if flat.empty:
        return ""
    reasons = "; ".join(
        f"seed {row.seed}"
        + (f" fold {row.fold}" if getattr(row, "fold", 0) else "")
        + f": {getattr(row, 'learned_reason', '') or 'see result.json'}"
        for row in flat.itertuples()
    )
    return (
        f"**{len(flat)} of {len(runs)} runs did not learn**, so their accuracy is no result about the model "
        f"(rule: `genre_utils.experiment.learning_check`). {reasons}."
    )


class RunLog:
    """The runner's one line per run, collected and shown as one collapsed block (a notebook's output).

    Pass it as ``log`` to :func:`train_runs` or :func:`genre_utils.analysis.learning_curve.train_curve`; the
    report then carries a short summary line that opens onto the full log, not a wall of lines.
    """

    def __init__(self, title: str = TRAINING_LOG):
        self.lines: list[str] = []
        self.title = title

    def __call__(self, line: str) -> None:
        self.lines.append(str(line))

    def summary(self) -> str:
        runs = [line for line in self.lines if line.startswith("[")]
        if self.title != TRAINING_LOG:  # another step's log: one line per run, no training counts
            return f"{self.title}: {len(runs)} run(s)"
        reused = sum("finished earlier" in line for line in runs)
        flat = sum("DID NOT LEARN" in line for line in runs)
        return f"{self.title}: {len(runs)} run(s), {len(runs) - reused} trained now, {reused} reused" + (
            f", {flat} did not learn" if flat else ""
        )

    def _repr_html_(self) -> str:
        return (
            f"<details><summary>{html.escape(self.summary())} (click to open)</summary>"
            f"<pre>{html.escape(chr(10).join(self.lines))}</pre></details>"
        )

    def __repr__(self) -> str:
        return "\n".join([self.summary(), *self.lines])

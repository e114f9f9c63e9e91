"""What the numbered notebooks share: the data opened, the contender shown, its runs trained, answers written.

A notebook builds its :class:`~genre_utils.study.settings.StudySettings` once from its ``parameters``
cell and passes it here; training goes through :func:`genre_utils.experiment.runner.train_plan`.
"""

from __future__ import annotations

import html
import inspect
from pathlib import Path

import pandas as pd

from genre_utils.analysis.comparison import learned_mask
from genre_utils.data.datasets import dataset_root, get_dataset
from genre_utils.experiment.runner import LEAKY_SPLIT, skipped_note, train_plan
from genre_utils.features.extraction import prepare_features
from genre_utils.features.store import FeatureSet
from genre_utils.formatting import MISSING
from genre_utils.models import FAMILIES, documentation, get_contender
from genre_utils.models.hyperparameters import MIN_TRAINING_STEPS
from genre_utils.study.settings import StudySettings

TRAINING_LOG = "Training log"  # a RunLog's default title: its summary counts runs trained now and reused


def dataset_notice(settings: StudySettings) -> str:
    """The dataset's own notice for readers of its results; "" if none."""
    return get_dataset(settings.dataset).notice or ""


def contender_card(contender) -> str:
    """Markdown: the contender's declaration and the documentation of its open choices."""
    return (
        f"**{contender.title}** (`{contender.name}`; {FAMILIES[contender.family]}): {contender.description}.  \n"
        f"*Input:* {contender.input}; feature kind `{contender.features}`.\n\n{documentation(contender.name)}"
    )


def describe_model(contender, input_shape: tuple[int, int], n_classes: int) -> None:
    """Print the network's layers and parameter count, or the fitted model's recipe."""
    if hasattr(contender, "build"):
        from genre_utils.models.keras_family import parameter_count  # lazy: Keras loads TensorFlow

        network = contender.build(input_shape, n_classes)
        network.summary()
        print(f"trainable parameters: {parameter_count(network):,}")
        return
    grid = ", ".join(map(str, contender.grid))
    print(f"{contender.title}: fitted with scikit-learn on {contender.input}; candidates chosen on the", end=" ")
    print(f"validation tracks: {grid}")


def model_code(contender) -> str:
    """Markdown: the source of the function that defines ``contender`` (Keras builder or estimator), from its module."""
    defining = getattr(contender, "builder", None) or contender.make_estimator
    module = inspect.getmodule(defining).__name__
    return f"`{module}.{defining.__name__}`:\n\n```python\n{inspect.getsource(defining)}```"


def training_table(settings: StudySettings, contender, store: FeatureSet) -> pd.DataFrame:
    """The training settings every run of ``contender`` receives, one row each with what it means."""
    segments = settings.segment_seconds and not contender.whole_clips
    rows = [
        ("segment", f"{settings.segment_seconds:g} s" if segments else "whole clip", "one training item"),
        ("epochs", settings.epochs, "upper bound; early stopping on validation loss ends training"),
        ("batch size", settings.batch_size, "items per gradient step"),
        ("patience", settings.patience, "epochs without a better validation loss before stopping"),
        ("warm-up", f"{MIN_TRAINING_STEPS} steps", "gradient steps before early stopping may act"),
        ("seeds", ", ".join(map(str, settings.seeds)), "one complete run each: split draw, weights, dropout"),
        ("split", settings.split, "tracks to training, validation and test sides before any segmenting"),
        ("features", f"{store.config.kind} ({store.config.n_features} per frame)", "the cached feature store"),
    ]
    return pd.DataFrame(rows, columns=["setting", "value", "meaning"]).set_index("setting")


def write_answer(path: Path, verdicts: pd.DataFrame, sentence: str) -> str:
    """Write a verdict table and its sentence to ``path`` (the report's index page shows it); the Markdown."""
    # the index as a column and a dash for what does not exist: a browser then shows no blank or NaN cell
    table = (verdicts if isinstance(verdicts.index, pd.RangeIndex) else verdicts.reset_index()).replace("", MISSING)
    html_table = table.to_html(index=False, na_rep=MISSING, float_format=lambda v: f"{v:.3g}", border=0)
    text = f"{html_table}\n\n{sentence}\n"
    Path(path).write_text(text)
    return text


def dataset_folder(settings: StudySettings) -> Path:
    """The dataset's folder; a generated dataset (the embedded set) is generated there first, once."""
    dataset = get_dataset(settings.dataset)
    root = dataset_root(settings.dataset, settings.data_root)
    if dataset.generated:
        dataset.download(root, progress=False, **settings.dataset_options)
    return root


def open_dataset(settings: StudySettings, features: str = "mfcc", **config_overrides) -> FeatureSet:
    """The dataset's feature store of kind ``features``, extracted first where missing."""
    return prepare_features(
        settings.dataset,
        dataset_folder(settings),
        kind=features,
        workers=settings.workers or None,
        progress=False,
        **config_overrides,
    )


def train_runs(settings: StudySettings, model: str, store: FeatureSet, log=print) -> pd.DataFrame:
    """Train (or reuse) the runs of ``model``, with ``settings.leakage_demo`` also on the leaky split; its runs."""
    leaky = settings.leakage_demo and LEAKY_SPLIT not in settings.splits and not get_contender(model).whole_clips
    splits = [*settings.splits, LEAKY_SPLIT] if leaky else list(settings.splits)
    specs = settings.run_specs(models=[model], splits=splits)
    log(skipped_note(store, settings.output_dir, settings.dataset))
    return train_plan(specs, {store.config.kind: store}, settings.output_dir, log=log, workers=settings.workers or None)


def not_learned_note(runs: pd.DataFrame) -> str:
    """Markdown naming the runs that did not learn and why; "" if all did."""
    flat = runs[~learned_mask(runs)]
    if flat.empty:
        return ""
    reasons = "; ".join(
        f"seed {row.seed}{f' fold {row.fold}' if getattr(row, 'fold', 0) else ''}: "
        f"{getattr(row, 'learned_reason', '') or 'see result.json'}"
        for row in flat.itertuples()
    )
    return (
        f"**{len(flat)} of {len(runs)} runs did not learn**, so their accuracy is no result about the model "
        f"(rule: `genre_utils.experiment.learning_check`). {reasons}."
    )


class RunLog:
    """The runner's one line per run, shown as one collapsed block with a summary line (a notebook's output)."""

    def __init__(self, title: str = TRAINING_LOG):
        self.lines, self.title = [], title

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

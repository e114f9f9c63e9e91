"""What the numbered notebooks share: checking their parameters, opening the data, training runs.

The notebooks call these so that a parameter typo fails at once with the allowed values, and so
that the one training notebook runs any contender of the registry with only ``model`` changed.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from genre_utils import prepare as data
from genre_utils.analysis.comparison import learned_mask
from genre_utils.data.datasets import DATASET_NAMES, get_dataset
from genre_utils.experiment.runner import LEAKY_SPLIT, RUN_SPLITS, own_runs, run_experiment, skipped_note, sweep
from genre_utils.features.store import FeatureSet
from genre_utils.features.kinds import FEATURE_KINDS
from genre_utils.models import contender_names, get_contender
from genre_utils.data.splits import check_split_applies

SYNTHETIC_NOTE = ("> **Synthetic data.** These clips are generated (`genre_utils.data.datasets.synthetic_audio`), "
                  "not music recordings: the numbers below show that the pipeline works, not how the models "
                  "fare on real music. Run `make report DATASET=gtzan` for the study itself.")


def check_choice(name: str, value, allowed) -> None:
    """Raise ``ValueError`` naming the parameter when ``value`` is not one of ``allowed``."""
    if value not in allowed:
        raise ValueError(f"unknown {name} {value!r}; expected one of {', '.join(map(str, allowed))}")


def check_seeds(seeds) -> list[int]:
    """A non-empty list of distinct integers >= 0."""
    if isinstance(seeds, int):
        seeds = [seeds]
    if not isinstance(seeds, (list, tuple)) or not seeds or any(not isinstance(s, int) or s < 0 for s in seeds):
        raise ValueError(f"seeds must be a non-empty list of integers >= 0, got {seeds!r}")
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must be distinct, got {seeds!r}")
    return list(seeds)


def check_models(models) -> list[str]:
    """``None`` or ``"all"``: every registered contender (readings left out); else a non-empty list of
    registered names, readings of the contenders' open choices included (:func:`genre_utils.models.reading_names`)."""
    if models is None or models == "all":
        return list(contender_names())
    if isinstance(models, str):
        models = [models]
    if not isinstance(models, (list, tuple)) or not models:
        raise ValueError(f"models must be a list of contender names or \"all\", got {models!r}")
    for name in models:
        check_choice("model", name, contender_names(include_readings=True))
    return list(dict.fromkeys(models))


def pick_model(model: str | None) -> str:
    """A training notebook's ``model`` parameter: a registered contender; None means the first registered."""
    return check_models("all")[0] if model is None else check_models([model])[0]


def contender_card(contender) -> str:
    """Markdown: the contender's declaration and the documentation of its open choices."""
    from genre_utils.models import FAMILIES, documentation

    text = documentation(contender.name)
    first, _, rest = text.partition("\n\n")
    return (f"**{contender.title}** (`{contender.name}`; {FAMILIES[contender.family]}): {contender.description}.  \n"
            f"*Input:* {contender.input}; feature kind `{contender.features}`.\n\n"
            + (f"{first}\n\n{rest}" if text else ""))


def describe_model(contender, input_shape: tuple[int, int], n_classes: int) -> None:
    """Print the network's layers and parameter count, or the fitted model's recipe."""
    if hasattr(contender, "build"):
        from genre_utils.models.keras_family import parameter_count

        network = contender.build(input_shape, n_classes)
        network.summary()
        print(f"trainable parameters: {parameter_count(network):,}")
        return
    grid = ", ".join(str(candidate) for candidate in contender.grid)
    print(f"{contender.title}: fitted with scikit-learn on {contender.input}; candidates chosen on the "
          f"validation tracks: {grid}")


def model_features(model: str, features: str | None) -> str:
    """The feature kind a run of ``model`` uses: ``features``, or the contender's own when None."""
    contender = get_contender(model)
    if features is None:
        return contender.features
    check_choice(f"features for {model}", features, contender.feature_kinds)
    return features


def check_training_parameters(dataset: str, split: str, features: str | None, seeds, segment_seconds: float,
                              epochs: int, batch_size: int, patience: int, model: str | None = None) -> None:
    """Fail before any work when a training notebook's parameter is not usable."""
    check_choice("dataset", dataset, DATASET_NAMES)
    check_choice("split", split, [s for s in RUN_SPLITS if s != "file"])
    if split != LEAKY_SPLIT:
        check_split_applies(split, dataset)
    if features is not None:
        check_choice("features", features, FEATURE_KINDS)
    if model is not None:
        check_choice("model", model, contender_names(include_readings=True))
        model_features(model, features)
    check_seeds(seeds)
    if not isinstance(segment_seconds, (int, float)) or segment_seconds < 0:
        raise ValueError(f"segment_seconds must be 0 (whole clips) or a positive number, got {segment_seconds!r}")
    for name, value, low in (("epochs", epochs, 1), ("batch_size", batch_size, 1), ("patience", patience, 0)):
        if not isinstance(value, int) or value < low:
            raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")


def open_dataset(dataset: str, data_root: str | os.PathLike | None = None, features: str = "mfcc",
                 workers: int = 0, synthetic_clips_per_genre: int | None = None,
                 synthetic_seconds: float | None = None, **config_overrides) -> FeatureSet:
    """The dataset's feature store, generating the synthetic set first when that is the dataset.

    Missing features are extracted on the Dask scheduler at ``$GENRE_DASK_SCHEDULER`` when that
    is set (its workers must see the data and the cache), else on every core of this machine.

    Raises:
        ValueError: Unknown dataset or features name.
        FileNotFoundError: A real dataset that has not been downloaded (the message says how).
    """
    check_choice("dataset", dataset, DATASET_NAMES)
    check_choice("features", features, FEATURE_KINDS)
    module = get_dataset(dataset)
    root = data.dataset_root(dataset, data_root)
    if dataset == "synthetic":
        options = {k: v for k, v in (("clips_per_genre", synthetic_clips_per_genre), ("seconds", synthetic_seconds))
                   if v is not None}
        module.download(root, progress=False, **options)
    return data.prepare_features(dataset, root, kind=features, workers=workers or None, progress=False,
                                 **config_overrides)


def results_folder(output_dir: str | os.PathLike, dataset: str) -> Path:
    """``<output_dir>/<dataset>``, created."""
    folder = Path(output_dir) / dataset
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def train_runs(model: str, store: FeatureSet, dataset: str, split: str, features: str, seeds, segment_seconds: float,
               epochs: int, batch_size: int, patience: int, output_dir: str | os.PathLike,
               leakage_demo: bool = False, folds: int = 5, log=print) -> pd.DataFrame:
    """Train (or reuse) one run per seed (and fold, for ``kfold``) of ``model``; its finished runs.

    With ``leakage_demo`` the same seeds also run with segments split at random (the common
    mistake) so that the comparison can show the inflation it causes; contenders that classify
    whole clips have no segments to leak and skip it.
    """
    check_choice("split", split, RUN_SPLITS)
    seeds = check_seeds(seeds)
    leaky = leakage_demo and split != LEAKY_SPLIT and not get_contender(model).whole_clips
    splits = [split, LEAKY_SPLIT] if leaky else [split]
    specs = sweep(dataset, models=[model], splits=splits, features=[features], seeds=seeds, folds=folds,
                  segment_seconds=float(segment_seconds), epochs=epochs, batch_size=batch_size, patience=patience)
    log(skipped_note(store, output_dir, dataset))
    return own_runs(run_experiment(specs, {features: store}, output_dir, log=log), specs)


def plot_training(run) -> object:
    """How a run was fitted, as a figure: loss/accuracy per epoch (networks), or validation
    accuracy per candidate hyper-parameter (models chosen on the validation tracks)."""
    import matplotlib.pyplot as plt

    from genre_utils.models.sklearn_family import SELECTION_FILE, load_selection
    from genre_utils.analysis.plots import plot_history
    from genre_utils.experiment.training import load_history

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
    """Markdown naming the runs that did not learn, with why (:mod:`genre_utils.experiment.learning_check`); "" if all did."""
    flat = runs[~learned_mask(runs)]
    if flat.empty:
        return ""
    reasons = "; ".join(f"seed {row.seed}" + (f" fold {row.fold}" if getattr(row, "fold", 0) else "")
                        + f": {getattr(row, 'learned_reason', '') or 'see result.json'}" for row in flat.itertuples())
    return (f"**{len(flat)} of {len(runs)} runs did not learn**, so their accuracy is no result about the model "
            f"(rule: `genre_utils.experiment.learning_check`). {reasons}.")


class RunLog:
    """The runner's one line per run, collected and shown as one collapsed block (a notebook's output).

    Pass it as ``log`` to :func:`train_runs` or :func:`genre_utils.analysis.learning_curve.train_curve`; the
    report then carries a short summary line that opens onto the full log, not a wall of lines.
    """

    def __init__(self):
        self.lines: list[str] = []

    def __call__(self, line: str) -> None:
        self.lines.append(str(line))

    def summary(self) -> str:
        runs = [line for line in self.lines if line.startswith("[")]
        reused = sum("finished earlier" in line for line in runs)
        flat = sum("DID NOT LEARN" in line for line in runs)
        return (f"Training log: {len(runs)} run(s), {len(runs) - reused} trained now, {reused} reused"
                + (f", {flat} did not learn" if flat else ""))

    def _repr_html_(self) -> str:
        import html

        return (f"<details><summary>{html.escape(self.summary())} (click to open)</summary>"
                f"<pre>{html.escape(chr(10).join(self.lines))}</pre></details>")

    def __repr__(self) -> str:
        return "\n".join([self.summary(), *self.lines])

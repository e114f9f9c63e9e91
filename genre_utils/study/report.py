"""Run the numbered notebooks with papermill and export HTML reports with nbconvert.

    python -m genre_utils.report [--dataset synthetic] [--build build] [--param NAME=VALUE ...]

Each ``notebooks/NN_*.ipynb`` runs in order with the same parameters (a notebook receives only
the ones its ``parameters`` cell declares); the executed copy goes to
``<build>/<dataset>/notebooks/`` and its HTML to ``<build>/<dataset>/html/``, with an
``index.html`` that opens with the accuracy of every contender, then the comparison table, the
generated summary, the learning curve with its answer to the thesis's "more data" question, and
links to every report. A failing cell stops the run with the notebook's name.

A notebook that declares both ``model`` and ``seeds`` trains one contender: it runs once per
contender of the ``models`` parameter (default: every registered contender) as
``NN_name-<contender>``, and once more per feature kind of the thesis's feature study (the thesis
CNN on log-mel and chroma; ``feature_study=[]`` skips them; ``feature_study_seeds`` gives them
their own seeds). The thesis CNN's run also measures leakage (``leakage_demo``, default on;
``leakage_demo=false`` skips it). The learning-curve notebook declares ``models`` (not ``model``)
and runs once, after the training notebook, whose full-data runs are its last points.

Every parameter is checked before any notebook runs (:mod:`genre_utils.study.parameters`): an unknown
name or an unusable value stops the command at once with one line and exit status 2. The console
shows each notebook's progress (cells done of total, elapsed time) and no TensorFlow log lines
(:mod:`genre_utils.quiet`).
"""

from __future__ import annotations

if __name__ == "__main__":  # before anything imports TensorFlow, whose C++ log lines go straight to stderr
    from genre_utils.quiet import quiet_stderr

    quiet_stderr()

import argparse
import base64
import html
import json
import sys
import time
from pathlib import Path

import mistune
import pandas as pd

from genre_utils.analysis import learning_curve, readings
from genre_utils.analysis.comparison import display_table
from genre_utils.data.datasets import dataset_names, default_dataset, get_dataset
from genre_utils.data.splits import dataset_splits
from genre_utils.models import contender_names, get_contender
from genre_utils.models.thesis_results import THESIS_FEATURE_STUDY
from genre_utils.paths import PROJECT_ROOT
from genre_utils.quiet import drop_library_warnings, drop_noise
from genre_utils.study import degradation_study
from genre_utils.study.parameters import (
    NOTEBOOK_DIR,
    check_report_parameters,
    declared_parameters,
    known_parameters,
    notebook_default,
    notebook_paths,
)
from genre_utils.study.settings import check_models

DEFAULT_BUILD_DIR = PROJECT_ROOT / "build"
KERNEL_NAME = "python3"
PROGRESS_ENGINE = "genre_progress"  # papermill's nbclient engine, reporting each finished cell
PROGRESS_EVERY_S = 30.0  # without a terminal, a progress line at most this often
COMPARISON_FILE = "comparison.csv"  # written by the comparative notebook
COMPARISON_FIGURE = "comparison.png"  # written by the comparative notebook
SUMMARY_FILE = "summary.md"  # written by the comparative notebook
PER_CONTENDER_PARAMETERS = {"model", "seeds"}  # a notebook declaring both trains one contender
INDEX_STYLE = (
    "body{font-family:sans-serif;max-width:75em;margin:2em auto}table{border-collapse:collapse}"
    "td,th{border:1px solid #ccc;padding:.3em .6em;text-align:right}img{max-width:100%}"
)


def run_notebooks(parameters: dict, build_dir: Path = DEFAULT_BUILD_DIR, notebooks: list[Path] | None = None) -> Path:
    """Execute and export every notebook; return the ``index.html`` path.

    The plan (which notebook runs how often, with which parameters) is made before the build
    folder is created, so that an unknown contender leaves nothing behind.

    Raises:
        ValueError: If no numbered notebook is found, or ``models`` names an unknown contender.
        papermill.PapermillExecutionError: If a cell fails; its ``notebook`` attribute is the run's
            name (``03_training-cnn``) and ``executed`` the path of the executed notebook.
    """
    import papermill

    plan = report_plan(parameters, notebooks)
    run_dir = Path(build_dir) / str(parameters.get("dataset", "default"))
    executed_dir, html_dir = run_dir / "notebooks", run_dir / "html"
    executed_dir.mkdir(parents=True, exist_ok=True)
    html_dir.mkdir(parents=True, exist_ok=True)
    _register_progress_engine()
    reports = []
    for number, (notebook, name, wanted) in enumerate(plan, start=1):
        print(f"running {name} ({number}/{len(plan)}) with {json.dumps(wanted)}", flush=True)
        executed = executed_dir / f"{name}.ipynb"
        progress = Progress(name)
        try:
            papermill.execute_notebook(
                str(notebook),
                str(executed),
                parameters=wanted,
                kernel_name=KERNEL_NAME,
                cwd=str(notebook.parent),
                progress_bar=False,
                engine_name=PROGRESS_ENGINE,
                on_cell=progress.cell_done,
            )
        except papermill.PapermillExecutionError as error:
            progress.close()
            error.notebook, error.executed = name, executed
            raise
        progress.close()
        reports.append(export_html(executed, html_dir))
    index = html_dir / "index.html"
    results = _results_dir(parameters)
    index.write_text(_index_page(reports, parameters, results), encoding="utf-8")
    print(f"reports: {index}")
    return index


def report_plan(parameters: dict, notebooks: list[Path] | None = None) -> list[tuple[Path, str, dict]]:
    """``(notebook, run name, its parameters)`` of every notebook run, in order (nothing is run).

    Raises:
        ValueError: If no numbered notebook is found, or ``models`` names an unknown contender.
    """
    notebooks = notebook_paths() if notebooks is None else notebooks
    if not notebooks:
        raise ValueError(f"no numbered notebooks (NN_name.ipynb) in {NOTEBOOK_DIR}")
    plan = []
    for notebook in notebooks:
        declared = declared_parameters(notebook)
        for suffix, own in notebook_variants(notebook, declared, parameters):
            plan.append(
                (
                    notebook,
                    f"{notebook.stem}{suffix}",
                    {k: v for k, v in {**parameters, **own}.items() if k in declared},
                )
            )
    return plan


def _seconds(seconds: float) -> str:
    """``42 s``, ``3 min 05 s``."""
    minutes, rest = divmod(int(round(seconds)), 60)
    return f"{minutes} min {rest:02d} s" if minutes else f"{rest} s"


class Progress:
    """Cells done of total and elapsed time of one notebook run, on one line.

    On a terminal the line is rewritten after every code cell; elsewhere (a log file, a pipe) a
    line is printed at most every :data:`PROGRESS_EVERY_S` seconds, and one at the end.
    """

    def __init__(self, name: str, stream=None, every_s: float = PROGRESS_EVERY_S):
        self.name, self.stream, self.every_s = name, stream or sys.stdout, every_s
        self.start = self.last = time.monotonic()
        self.done = self.total = 0
        self.live = bool(getattr(self.stream, "isatty", lambda: False)())
        self.shown = False

    def text(self) -> str:
        return f"  {self.name}: cell {self.done}/{self.total}, {_seconds(time.monotonic() - self.start)}"

    def cell_done(self, cell, notebook) -> None:
        """Called by the engine after each cell (markdown cells are not counted)."""
        if cell.get("cell_type") != "code":
            return
        self.done += 1
        self.total = sum(c.get("cell_type") == "code" for c in notebook.cells)
        now = time.monotonic()
        if self.live:
            self._write(f"\r{self.text()}\x1b[K")
        elif now - self.last >= self.every_s:
            self._write(f"{self.text()}\n")
            self.last = now
        self.shown = True

    def close(self) -> None:
        """End the progress line (after the last cell, or a failing one)."""
        if not self.shown:
            return
        self._write(f"\r{self.text()}\x1b[K\n" if self.live else f"{self.text()}\n")
        self.shown = False

    def _write(self, text: str) -> None:
        self.stream.write(text)
        self.stream.flush()


def _register_progress_engine() -> None:
    """Register :data:`PROGRESS_ENGINE`: papermill's nbclient engine that calls ``on_cell(cell, notebook)``
    after each cell."""
    from papermill.engines import NBClientEngine, papermill_engines

    class ProgressEngine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, on_cell=None, **kwargs):
            if on_cell is not None:
                complete = nb_man.cell_complete

                def cell_complete(cell, cell_index=None, **more):
                    complete(cell, cell_index=cell_index, **more)
                    on_cell(cell, nb_man.nb)

                nb_man.cell_complete = cell_complete
            return super().execute_managed_notebook(nb_man, kernel_name, **kwargs)

    papermill_engines.register(PROGRESS_ENGINE, ProgressEngine)


def notebook_variants(notebook: Path, declared: set[str], parameters: dict) -> list[tuple[str, dict]]:
    """``(name suffix, own parameters)`` of each run of a notebook: one, or one per contender.

    A notebook declaring :data:`PER_CONTENDER_PARAMETERS` runs once per contender of
    ``parameters["models"]`` (default all), then once per extra feature kind of the feature study.
    """
    if not PER_CONTENDER_PARAMETERS <= declared:
        return [("", {})]
    models = check_models(parameters.get("models", "all"))
    study_model, study_kinds = THESIS_FEATURE_STUDY
    leakage = {"leakage_demo": parameters.get("leakage_demo", True)} if "leakage_demo" in declared else {}
    variants = [(f"-{name}", {"model": name, **(leakage if name == study_model else {})}) for name in models]
    kinds = parameters.get("feature_study", list(study_kinds))
    if study_model in models and "features" in declared:
        own = get_contender(study_model).features
        seeds = parameters.get("feature_study_seeds")
        extra = {"seeds": seeds} if seeds is not None else {}
        variants += [
            (f"-{study_model}-{kind}", {"model": study_model, "features": kind, "leakage_demo": False, **extra})
            for kind in kinds
            if kind != own
        ]
    return variants


def export_html(executed: Path, html_dir: Path) -> Path:
    """Convert an executed notebook to a standalone HTML file (figures embedded, libraries' noise dropped)."""
    import nbformat
    from nbconvert import HTMLExporter

    notebook = drop_library_noise(nbformat.read(executed, as_version=4))
    body, _ = HTMLExporter(embed_images=True).from_notebook_node(notebook)
    target = html_dir / f"{executed.stem}.html"
    target.write_text(body, encoding="utf-8")
    return target


def drop_library_noise(notebook):
    """Remove libraries' noise from stderr outputs: TensorFlow's log lines and third-party warnings.

    TensorFlow's start-up lines (CUDA probing, oneDNN notices) are printed by its C++ runtime before
    any setting can silence them (:data:`genre_utils.quiet.NOISE`); a warning raised inside a
    library that the project cannot fix (:data:`genre_utils.quiet.LIBRARY_WARNING`, such as tqdm's
    ``IProgress not found`` when pooch imports ``tqdm.auto`` in a kernel without ipywidgets) goes
    with its source line. Neither says anything about the study: the executed notebook keeps
    them, the HTML report does not.
    """
    for cell in notebook.cells:
        kept = []
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                text = drop_library_warnings(drop_noise(output["text"]))
                if not text.strip():
                    continue
                output["text"] = text
            kept.append(output)
        if "outputs" in cell:
            cell["outputs"] = kept
    return notebook


def _results_dir(parameters: dict) -> Path | None:
    """``<output_dir>/<dataset>`` as the notebooks resolve it (relative to ``notebooks/``)."""
    if "output_dir" not in parameters:
        return None
    return (NOTEBOOK_DIR / str(parameters["output_dir"])).resolve() / str(parameters.get("dataset", ""))


def comparison_html(results: Path | None) -> str:
    """The accuracy figure, the comparison table (``comparison.csv``) and the summary as HTML."""
    if results is None or not (results / COMPARISON_FILE).is_file():
        return "<p><em>No comparison yet: the comparative notebook writes it after the training notebooks.</em></p>"
    figure = _embedded_png(
        results / COMPARISON_FIGURE,
        "comparison-figure",
        "per-track test accuracy per contender: each run beside the mean, the 95% interval from "
        "three runs up (else the range), crosses for runs that did not learn",
    )
    table = display_table(pd.read_csv(results / COMPARISON_FILE, keep_default_na=False, na_values=["", "nan", "NaN"]))
    table_html = table.to_html(index=False, classes="comparison", border=0, na_rep="–", escape=True)
    summary = ""
    if (results / SUMMARY_FILE).is_file():
        summary = mistune.html((results / SUMMARY_FILE).read_text())
    return (
        f"{figure}<h2>Every contender, beside the thesis (per-track test accuracy)</h2>{table_html}"
        f"<h2>Summary</h2>{summary}"
    )


def _embedded_png(path: Path, css_class: str, alt: str) -> str:
    """An ``<img>`` carrying the PNG at ``path`` inline (so the page stands alone); "" when there is none."""
    if not path.is_file():
        return ""
    encoded = base64.b64encode(path.read_bytes()).decode("ascii")
    return f"<img class='{css_class}' alt='{html.escape(alt)}' src='data:image/png;base64,{encoded}'>"


def learning_curve_html(results: Path | None) -> str:
    """The learning curve's figure and its answer to the thesis's question, as HTML ("" before notebook 06 ran)."""
    if results is None or not (results / learning_curve.ANSWER_FILE).is_file():
        return ""
    figure = _embedded_png(
        results / learning_curve.CURVE_FIGURE,
        "learning-curve-figure",
        "per-track test accuracy against the number of training tracks, one line per contender",
    )
    answer = mistune.html((results / learning_curve.ANSWER_FILE).read_text())
    return f"<h2>More data: the learning curve</h2>{figure}{answer}"


def readings_html(results: Path | None) -> str:
    """The readings' figure and whether the thesis's ranking holds under each, as HTML ("" before notebook 07 ran)."""
    return _answer_section(
        results,
        "The thesis's open choices: does CNN above LSTM hold under each reading?",
        readings.FIGURE_FILE,
        readings.ANSWER_FILE,
        "readings-figure",
        "per-track test accuracy of each reading of the thesis models' open choices",
    )


def robustness_html(results: Path | None) -> str:
    """The degradation study's figure and answer, as HTML ("" before notebook 08 ran)."""
    return _answer_section(
        results,
        "Robust to the recording chain? The degradation study",
        degradation_study.FIGURE_FILE,
        degradation_study.ANSWER_FILE,
        "robustness-figure",
        "accuracy drop per contender under each degradation of the recording chain, with intervals",
    )


def _answer_section(
    results: Path | None, heading: str, figure_file: str, answer_file: str, css_class: str, alt: str
) -> str:
    """A heading, a notebook's figure and its generated answer (Markdown) as HTML; "" before the notebook ran."""
    if results is None or not (results / answer_file).is_file():
        return ""
    figure = _embedded_png(results / figure_file, css_class, alt)
    return f"<h2>{html.escape(heading)}</h2>{figure}{mistune.html((results / answer_file).read_text())}"


def _report_title(path: Path) -> str:
    """``03_training-cnn`` -> ``03_training: Thesis CNN``; other reports keep their name."""
    stem, _, variant = path.stem.partition("-")
    if not variant:
        return stem
    name, _, kind = variant.partition("-")
    title = get_contender(name).title if name in contender_names() else name
    return f"{stem}: {title}" + (f" on {kind}" if kind else "")


def _project_relative(value):
    """An absolute path inside the project relative to its root (``build/results``); any other value unchanged."""
    if not isinstance(value, str) or not Path(value).is_absolute():
        return value
    try:
        return Path(value).relative_to(PROJECT_ROOT).as_posix()
    except ValueError:  # outside the project: the absolute path says where
        return value


def _index_page(reports: list[Path], parameters: dict, results: Path | None = None) -> str:
    """The reports' ``index.html``; its parameters line shows paths inside the project relative to its root."""
    items = "\n".join(f'<li><a href="{html.escape(p.name)}">{html.escape(_report_title(p))}</a></li>' for p in reports)
    settings = html.escape(json.dumps({name: _project_relative(value) for name, value in parameters.items()}))
    notice = dataset_notice_html(parameters.get("dataset"))
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>Genre study reports</title>"
        f"<style>{INDEX_STYLE}</style></head>"
        f"<body><h1>Genre study: the thesis models among their peers</h1>{notice}"
        f"{comparison_html(results)}{readings_html(results)}{learning_curve_html(results)}{robustness_html(results)}"
        f"<h2>Reports</h2><ul>\n{items}\n</ul>"
        f"<p>Parameters: <code>{settings}</code></p></body></html>\n"
    )


def dataset_notice_html(dataset) -> str:
    """The dataset's notice (its declaration's Markdown ``notice``) as HTML; "" for a dataset without one."""
    notice = get_dataset(dataset).notice if dataset in dataset_names() else None
    return mistune.html(notice) if notice else ""


def dataset_defaults(parameters: dict, known) -> dict:
    """The report parameters the dataset (``parameters["dataset"]``, default :func:`default_dataset`) declares
    to fit it (its ``report_defaults``; the embedded set's time budget), for the parameters some notebook
    declares (``known``); {} for an unknown dataset.

    The learning curve's default contenders are kept only where the chosen ``models`` include them; with
    none of them chosen, the curve draws the chosen models (``curve_models`` null).
    """
    dataset = parameters.get("dataset", default_dataset())
    declared = get_dataset(dataset).report_defaults if dataset in dataset_names() else {}
    defaults = {k: v for k, v in declared.items() if k in known}
    if "curve_models" in defaults and "models" in parameters:
        try:
            chosen = check_models(parameters["models"])
        except ValueError:  # reported by the parameter checks that follow
            return defaults
        defaults["curve_models"] = [name for name in defaults["curve_models"] if name in chosen] or None
    return defaults


def dataset_split(parameters: dict, notebooks: list[Path]) -> str | None:
    """The dataset's own first split when none was asked for and the notebooks' default does not apply.

    FMA-medium and FMA-large, for instance, have no thesis split (unbalanced genres): their report
    uses the official split. None when ``split`` was given, the default applies or the dataset is unknown.
    """
    dataset = parameters.get("dataset")
    if "split" in parameters or dataset not in dataset_names():
        return None
    default = notebook_default(notebooks, "split")
    own = dataset_splits(dataset)
    return None if default is None or default in own else own[0]


def _parse_value(text: str):
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def failure_message(error) -> str:
    """``03_training-cnn failed in cell 5: ValueError: unknown split 'x'; ...`` (one line)."""
    name = getattr(error, "notebook", "a notebook")
    last = " ".join(str(error.evalue).split())
    return (
        f"{name} failed in cell {error.exec_count}: {error.ename}: {last}"
        if last
        else f"{name} failed in cell {error.exec_count}: {error.ename}"
    )


def main(argv: list[str] | None = None) -> int:
    """Command line entry point: 0 done, 1 a notebook failed, 2 a parameter is wrong (nothing ran)."""
    parser = argparse.ArgumentParser(prog="python -m genre_utils.report", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--dataset",
        default=default_dataset(),
        help=f"dataset every notebook uses: {', '.join(dataset_names())} (default {default_dataset()})",
    )
    parser.add_argument("--build", type=Path, default=DEFAULT_BUILD_DIR, help="output folder")
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra notebook parameter (VALUE parsed as JSON when it can be); "
        "`python -m papermill --help-notebook notebooks/NN_name.ipynb` lists a notebook's",
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="check every parameter and print which notebook runs with which parameters; run nothing",
    )
    args = parser.parse_args(argv)
    parameters = {"dataset": args.dataset, "output_dir": str((args.build / "results").resolve())}
    for item in args.param:
        name, separator, value = item.partition("=")
        if not separator or not name:
            print(f"error: --param expects NAME=VALUE, got {item!r}", file=sys.stderr)
            return 2
        parameters[name.strip()] = _parse_value(value)
    # the dataset's own defaults (the embedded set's time budget), for the parameters some notebook declares
    parameters = {**dataset_defaults(parameters, known_parameters(notebook_paths())), **parameters}
    chosen_split = dataset_split(parameters, notebook_paths())
    if chosen_split is not None:
        print(
            f"{args.dataset}: split {chosen_split} (the notebooks' default split does not apply to it; "
            f"SPLIT=... chooses another)"
        )
        parameters["split"] = chosen_split

    try:
        check_report_parameters(parameters, notebook_paths())
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    from papermill import PapermillExecutionError

    try:
        if args.dry_run:
            for _, name, wanted in report_plan(parameters):
                print(f"would run {name} with {json.dumps(wanted)}")
            return 0
        run_notebooks(parameters, args.build)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except PapermillExecutionError as error:
        print(f"error: {failure_message(error)}", file=sys.stderr)
        print(f"the executed notebook with the full traceback: {getattr(error, 'executed', '?')}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

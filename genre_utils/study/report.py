"""Run the numbered notebooks with papermill and export HTML reports with nbconvert.

    python -m genre_utils.report [--dataset synthetic] [--build build] [--param NAME=VALUE ...] [--dry-run]

Each ``notebooks/NN_*.ipynb`` runs in order (one declaring ``model`` and ``seeds`` once per contender); executed
copies go to ``<build>/<dataset>/notebooks/``, HTML to ``<build>/<dataset>/html/`` with ``index.html``. Every
parameter is checked before any notebook runs (exit status 2); a failing cell stops the run (exit status 1).
"""

from __future__ import annotations

if __name__ == "__main__":  # before anything imports TensorFlow
    from genre_utils.quiet import quiet

    quiet()

import argparse
import base64
import json
import re
import sys
from pathlib import Path

import jinja2
import mistune
import pandas as pd
import papermill
from markupsafe import Markup
from nbconvert import HTMLExporter
from nbconvert.preprocessors import Preprocessor

from genre_utils.analysis import learning_curve, readings
from genre_utils.analysis.comparison import display_table
from genre_utils.data.datasets import dataset_names, default_dataset, get_dataset
from genre_utils.data.splits import dataset_splits
from genre_utils.models import contender_names, get_contender
from genre_utils.models.thesis_results import THESIS_FEATURE_STUDY
from genre_utils.paths import PROJECT_ROOT
from genre_utils.quiet import KERNEL_ARGUMENTS
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
PER_CONTENDER_PARAMETERS = {"model", "seeds"}  # a notebook declaring both trains one contender
COMPARISON_FILE, COMPARISON_FIGURE, SUMMARY_FILE = "comparison.csv", "comparison.png", "summary.md"  # notebook 04's
SECTIONS = {  # the index page's sections after the comparison, in its order: (figure, answer) of notebooks 07, 06, 08
    "readings": (readings.FIGURE_FILE, readings.ANSWER_FILE),
    "learning-curve": (learning_curve.CURVE_FIGURE, learning_curve.ANSWER_FILE),
    "robustness": (degradation_study.FIGURE_FILE, degradation_study.ANSWER_FILE),
}
#: Lines of library noise in a stderr output: TensorFlow/absl log lines (fatal ones kept), absl's preamble, the
#: CPU-instructions notice, and a warning raised inside a third-party library with the source line after it.
NOISE = re.compile(
    r"^(?:(?:[IWE]\d{4} \d\d:\d\d:\d+\.\d+ +\d+ \S+:\d+\]|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+: [IWE] \S+:\d+\]"
    r"|WARNING: All log messages before absl::InitializeLog\(\)|To enable the following instructions: .* rebuild)"
    r".*\n?|.+[/\\](?:site|dist)-packages[/\\].+\.py:\d+: \w*Warning: .*\n?(?:[ \t].*\n?)?)",
    re.MULTILINE,
)
TEMPLATES = jinja2.Environment(loader=jinja2.PackageLoader("genre_utils.study"), autoescape=True)


def run_notebooks(parameters: dict, build_dir: Path = DEFAULT_BUILD_DIR, notebooks: list[Path] | None = None) -> Path:
    """Execute and export every notebook; return ``index.html``. A failing cell raises papermill's
    ``PapermillExecutionError`` with ``notebook`` (the run) and ``executed`` (its copy) set."""
    plan = report_plan(parameters, notebooks)
    run_dir = Path(build_dir) / str(parameters.get("dataset", "default"))
    executed_dir, html_dir = run_dir / "notebooks", run_dir / "html"
    executed_dir.mkdir(parents=True, exist_ok=True)
    html_dir.mkdir(parents=True, exist_ok=True)
    reports = []
    for number, (notebook, name, wanted) in enumerate(plan, start=1):
        print(f"running {name} ({number}/{len(plan)}) with {json.dumps(wanted)}", flush=True)
        executed = executed_dir / f"{name}.ipynb"
        try:
            papermill.execute_notebook(
                str(notebook),
                str(executed),
                parameters=wanted,
                kernel_name=KERNEL_NAME,
                cwd=str(notebook.parent),
                progress_bar={"desc": f"  {name}", "file": sys.stdout},
                extra_arguments=KERNEL_ARGUMENTS,
                shutdown_kernel="immediate",  # the notebook is complete; a graceful stop only adds kernel noise
            )
        except papermill.PapermillExecutionError as error:
            error.notebook, error.executed = name, executed
            raise
        reports.append(export_html(executed, html_dir))
    output = parameters.get("output_dir")  # as the notebooks resolve it, from notebooks/
    results = None if output is None else (NOTEBOOK_DIR / str(output)).resolve() / str(parameters.get("dataset", ""))
    index = html_dir / "index.html"
    index.write_text(_index_page(reports, parameters, results), encoding="utf-8")
    print(f"reports: {index}")
    return index


def report_plan(parameters: dict, notebooks: list[Path] | None = None) -> list[tuple[Path, str, dict]]:
    """``(notebook, run name, its parameters)`` of every notebook run, in order (nothing is run)."""
    notebooks = notebook_paths() if notebooks is None else notebooks
    if not notebooks:
        raise ValueError(f"no numbered notebooks (NN_name.ipynb) in {NOTEBOOK_DIR}")
    declared = {notebook: declared_parameters(notebook) for notebook in notebooks}
    return [
        (notebook, f"{notebook.stem}{suffix}", {k: v for k, v in {**parameters, **own}.items() if k in names})
        for notebook, names in declared.items()
        for suffix, own in notebook_variants(notebook, names, parameters)
    ]


def notebook_variants(notebook: Path, declared: set[str], parameters: dict) -> list[tuple[str, dict]]:
    """``(name suffix, own parameters)`` of each run of a notebook: one, or one per contender and feature-study kind."""
    if not PER_CONTENDER_PARAMETERS <= declared:
        return [("", {})]
    models = check_models(parameters.get("models", "all"))
    study_model, study_kinds = THESIS_FEATURE_STUDY
    leakage = {"leakage_demo": parameters.get("leakage_demo", True)} if "leakage_demo" in declared else {}
    variants = [(f"-{name}", {"model": name, **(leakage if name == study_model else {})}) for name in models]
    if study_model in models and "features" in declared:
        seeds = parameters.get("feature_study_seeds")
        extra = {"seeds": seeds} if seeds is not None else {}
        variants += [
            (f"-{study_model}-{kind}", {"model": study_model, "features": kind, "leakage_demo": False, **extra})
            for kind in parameters.get("feature_study", list(study_kinds))
            if kind != get_contender(study_model).features
        ]
    return variants


class DropLibraryNoise(Preprocessor):
    """Drop libraries' noise (:data:`NOISE`) from stderr outputs; the executed notebook keeps it."""

    def preprocess_cell(self, cell, resources, index):
        if "outputs" in cell:
            for output in cell.outputs:
                if output.get("name") == "stderr":  # a stream output
                    output.text = NOISE.sub("", output.text)
            cell.outputs = [output for output in cell.outputs if output.get("name") != "stderr" or output.text.strip()]
        return cell, resources


def export_html(executed: Path, html_dir: Path) -> Path:
    """Convert an executed notebook to a standalone HTML file (figures embedded, libraries' noise dropped)."""
    body, _ = HTMLExporter(embed_images=True, preprocessors=[DropLibraryNoise]).from_filename(str(executed))
    target = html_dir / f"{executed.stem}.html"
    target.write_text(body, encoding="utf-8")
    return target


def index_sections(results: Path | None) -> dict:
    """What the index page shows of the results: the comparison, and each section whose answer is written."""
    if results is None or not results.is_dir():
        return {}

    def _figure(path: Path) -> str | None:  # base64, for an inline <img>: the page stands alone
        return base64.b64encode(path.read_bytes()).decode() if path.is_file() else None

    def _markdown(path: Path) -> Markup | None:
        return Markup(mistune.html(path.read_text())) if path.is_file() else None

    comparison = None
    if (results / COMPARISON_FILE).is_file():
        read = pd.read_csv(results / COMPARISON_FILE, keep_default_na=False, na_values=["", "nan", "NaN"])
        comparison = {
            "figure": _figure(results / COMPARISON_FIGURE),
            "table": Markup(display_table(read).to_html(index=False, border=0, na_rep="–", classes="comparison")),
            "summary": _markdown(results / SUMMARY_FILE),
        }
    sections = {
        key: {"figure": _figure(results / figure), "answer": _markdown(results / answer)}
        for key, (figure, answer) in SECTIONS.items()
        if (results / answer).is_file()
    }
    return {"comparison": comparison, "sections": sections}


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
    inside = isinstance(value, str) and Path(value).is_absolute() and Path(value).is_relative_to(PROJECT_ROOT)
    return Path(value).relative_to(PROJECT_ROOT).as_posix() if inside else value


def _index_page(reports: list[Path], parameters: dict, results: Path | None = None) -> str:
    """The reports' ``index.html``; its parameters line shows paths inside the project relative to its root."""
    dataset = parameters.get("dataset")
    notice = get_dataset(dataset).notice if dataset in dataset_names() else None
    return TEMPLATES.get_template("index.html.j2").render(
        notice=Markup(mistune.html(notice)) if notice else "",
        reports=[{"href": path.name, "title": _report_title(path)} for path in reports],
        parameters=json.dumps({name: _project_relative(value) for name, value in parameters.items()}),
        **index_sections(results),
    )


def dataset_defaults(parameters: dict, known) -> dict:
    """The dataset's ``report_defaults`` that some notebook declares (``known``), ``curve_models`` kept to the
    chosen ``models`` (none of them: null)."""
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
    """The dataset's own first split when none was asked for and the notebooks' default does not apply to it."""
    dataset = parameters.get("dataset")
    if "split" in parameters or dataset not in dataset_names():
        return None
    default, own = notebook_default(notebooks, "split"), dataset_splits(dataset)
    return None if default is None or default in own else own[0]


def _parse_value(text: str):
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def main(argv: list[str] | None = None) -> int:
    """Command line entry point: 0 done, 1 a notebook failed, 2 a parameter is wrong (nothing ran)."""
    parser = argparse.ArgumentParser(prog="python -m genre_utils.report", description=__doc__.split("\n\n")[0])
    add = parser.add_argument
    add("--dataset", default=default_dataset(), help=f"{', '.join(dataset_names())} (default %(default)s)")
    add("--build", type=Path, default=DEFAULT_BUILD_DIR, help="output folder")
    hint = "notebook parameter, VALUE as JSON where it parses (papermill --help-notebook NOTEBOOK lists them)"
    add("--param", action="append", default=[], metavar="NAME=VALUE", help=hint)
    add("--dry-run", action="store_true", help="check the parameters and print the notebooks' plan; run nothing")
    args = parser.parse_args(argv)
    parameters = {"dataset": args.dataset, "output_dir": str((args.build / "results").resolve())}
    for item in args.param:
        name, separator, value = item.partition("=")
        if not separator or not name:
            print(f"error: --param expects NAME=VALUE, got {item!r}", file=sys.stderr)
            return 2
        parameters[name.strip()] = _parse_value(value)
    parameters = {**dataset_defaults(parameters, known_parameters(notebook_paths())), **parameters}
    chosen_split = dataset_split(parameters, notebook_paths())
    if chosen_split is not None:
        why = "the notebooks' default split does not apply to it; SPLIT=... chooses another"
        print(f"{args.dataset}: split {chosen_split} ({why})")
        parameters["split"] = chosen_split
    try:
        check_report_parameters(parameters, notebook_paths())
        if args.dry_run:
            for _, name, wanted in report_plan(parameters):
                print(f"would run {name} with {json.dumps(wanted)}")
            return 0
        run_notebooks(parameters, args.build)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except papermill.PapermillExecutionError as error:  # one line: the run, the cell, the error's last words
        last = " ".join(str(error.evalue).split())
        where = f"{getattr(error, 'notebook', 'a notebook')} failed in cell {error.exec_count}: {error.ename}"
        print(f"error: {where}: {last}" if last else f"error: {where}", file=sys.stderr)
        print(f"the executed notebook with the full traceback: {getattr(error, 'executed', '?')}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

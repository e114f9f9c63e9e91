"""Run the numbered notebooks with papermill and export HTML reports with nbconvert.

    python -m genre_utils.report [--dataset synthetic] [--build build] [--param NAME=VALUE ...]

Each ``notebooks/NN_*.ipynb`` runs in order with the same parameters (a notebook receives only
the ones its ``parameters`` cell declares); the executed copy goes to
``<build>/<dataset>/notebooks/`` and its HTML to ``<build>/<dataset>/html/``, with an
``index.html`` that links every report. A failing cell stops the run with the notebook's name.
"""

from __future__ import annotations

import argparse
import html
import json
import sys
from pathlib import Path

from genre_utils.paths import PROJECT_ROOT

NOTEBOOK_DIR = PROJECT_ROOT / "notebooks"
DEFAULT_BUILD_DIR = PROJECT_ROOT / "build"
KERNEL_NAME = "python3"


def notebook_paths(folder: Path = NOTEBOOK_DIR) -> list[Path]:
    """The numbered notebooks (``01_...ipynb``, ``02_...``) in run order."""
    return sorted(p for p in folder.glob("[0-9][0-9]_*.ipynb") if p.is_file())


def declared_parameters(path: Path) -> set[str]:
    """Names assigned in the notebook's cell tagged ``parameters``."""
    import papermill

    return set(papermill.inspect_notebook(str(path)).keys())


def run_notebooks(parameters: dict, build_dir: Path = DEFAULT_BUILD_DIR, notebooks: list[Path] | None = None) -> Path:
    """Execute and export every notebook; return the ``index.html`` path.

    Raises:
        ValueError: If no numbered notebook is found.
        papermill.PapermillExecutionError: If a cell fails (names the notebook and cell).
    """
    import papermill

    notebooks = notebook_paths() if notebooks is None else notebooks
    if not notebooks:
        raise ValueError(f"no numbered notebooks (NN_name.ipynb) in {NOTEBOOK_DIR}")
    run_dir = Path(build_dir) / str(parameters.get("dataset", "default"))
    executed_dir, html_dir = run_dir / "notebooks", run_dir / "html"
    executed_dir.mkdir(parents=True, exist_ok=True)
    html_dir.mkdir(parents=True, exist_ok=True)
    reports = []
    for notebook in notebooks:
        wanted = {k: v for k, v in parameters.items() if k in declared_parameters(notebook)}
        print(f"running {notebook.name} with {json.dumps(wanted)}", flush=True)
        executed = executed_dir / notebook.name
        papermill.execute_notebook(str(notebook), str(executed), parameters=wanted, kernel_name=KERNEL_NAME,
                                   cwd=str(notebook.parent), progress_bar=False)
        reports.append(export_html(executed, html_dir))
    index = html_dir / "index.html"
    index.write_text(_index_page(reports, parameters))
    print(f"reports: {index}")
    return index


def export_html(executed: Path, html_dir: Path) -> Path:
    """Convert an executed notebook to a standalone HTML file (figures embedded)."""
    import nbformat
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter(embed_images=True).from_notebook_node(nbformat.read(executed, as_version=4))
    target = html_dir / f"{executed.stem}.html"
    target.write_text(body, encoding="utf-8")
    return target


def _index_page(reports: list[Path], parameters: dict) -> str:
    items = "\n".join(f'<li><a href="{html.escape(p.name)}">{html.escape(p.stem)}</a></li>' for p in reports)
    settings = html.escape(json.dumps(parameters))
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>Genre study reports</title></head>"
            f"<body><h1>Genre study reports</h1><p>Parameters: <code>{settings}</code></p>"
            f"<ul>\n{items}\n</ul></body></html>\n")


def _parse_value(text: str):
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(prog="python -m genre_utils.report", description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", default="synthetic", help="dataset every notebook uses")
    parser.add_argument("--build", type=Path, default=DEFAULT_BUILD_DIR, help="output folder")
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                        help="extra notebook parameter (VALUE parsed as JSON when it can be)")
    args = parser.parse_args(argv)
    parameters = {"dataset": args.dataset}
    for item in args.param:
        name, separator, value = item.partition("=")
        if not separator or not name:
            print(f"error: --param expects NAME=VALUE, got {item!r}", file=sys.stderr)
            return 2
        parameters[name] = _parse_value(value)
    try:
        run_notebooks(parameters, args.build)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

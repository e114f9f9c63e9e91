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
import re
import sys
from pathlib import Path

from genre_utils.paths import PROJECT_ROOT

NOTEBOOK_DIR = PROJECT_ROOT / "notebooks"
DEFAULT_BUILD_DIR = PROJECT_ROOT / "build"
KERNEL_NAME = "python3"
NOISE = re.compile(r"^([IWE]\d{4} \d\d:\d\d:\d+\.\d+ +\d+ \S+:\d+\]|WARNING: All log messages before absl"
                   r"|To enable the following instructions|WARNING:tensorflow:.*retracing)")
COMPARISON_FILE = "comparison.csv"  # written by notebook 05
SUMMARY_FILE = "summary.md"  # written by notebook 05
COMPARISON_HEADER = ("dataset", "split", "features", "unit", "model", "thesis", "ours (mean ± sd)", "95% interval",
                     "seeds", "macro F1", "train s", "parameters")
INDEX_STYLE = ("body{font-family:sans-serif;max-width:70em;margin:2em auto}table{border-collapse:collapse}"
               "td,th{border:1px solid #ccc;padding:.3em .6em;text-align:right}")


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
    results = _results_dir(parameters)
    index.write_text(_index_page(reports, parameters, results), encoding="utf-8")
    print(f"reports: {index}")
    return index


def export_html(executed: Path, html_dir: Path) -> Path:
    """Convert an executed notebook to a standalone HTML file (figures embedded)."""
    import nbformat
    from nbconvert import HTMLExporter

    notebook = drop_library_noise(nbformat.read(executed, as_version=4))
    body, _ = HTMLExporter(embed_images=True).from_notebook_node(notebook)
    target = html_dir / f"{executed.stem}.html"
    target.write_text(body, encoding="utf-8")
    return target


def drop_library_noise(notebook):
    """Remove TensorFlow's start-up log lines (CUDA probing, oneDNN notices) from stderr outputs.

    They are printed by TensorFlow's C++ runtime before any setting can silence them and say
    nothing about the study; the executed notebook keeps them, the HTML report does not.
    """
    for cell in notebook.cells:
        kept = []
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                lines = [line for line in output["text"].splitlines(keepends=True) if not NOISE.match(line)]
                if not "".join(lines).strip():
                    continue
                output["text"] = "".join(lines)
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
    """The comparison table (``comparison.csv``) and generated summary (``summary.md``) as HTML."""
    import pandas as pd

    if results is None or not (results / COMPARISON_FILE).is_file():
        return "<p><em>No comparison yet: notebook 05 writes it after notebooks 03 and 04.</em></p>"
    table = pd.read_csv(results / COMPARISON_FILE)
    rows = []
    for r in table.itertuples():
        unit = f"{r.segment_seconds:g} s segments" if r.segment_seconds else "whole clips"
        interval = f"{100 * r.ci_low:.1f}–{100 * r.ci_high:.1f}" if r.n > 1 else "–"
        spread = f" ± {100 * r.sd:.1f}" if r.n > 1 else ""
        thesis = f"{100 * r.thesis:.1f}" if pd.notna(r.thesis) else "–"
        cells = [r.dataset, r.split, r.features, unit, r.model.upper(), thesis, f"{100 * r.mean:.1f}{spread}",
                 interval, f"{int(r.n)}", f"{100 * r.macro_f1:.1f}", f"{r.train_seconds:.0f}", f"{int(r.parameters):,}"]
        rows.append("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in cells) + "</tr>")
    header = "".join(f"<th>{h}</th>" for h in COMPARISON_HEADER)
    summary = ""
    if (results / SUMMARY_FILE).is_file():
        import mistune

        summary = mistune.html((results / SUMMARY_FILE).read_text())
    return (f"<table class='comparison'><thead><tr>{header}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
            f"<h2>Summary</h2>{summary}")


def _index_page(reports: list[Path], parameters: dict, results: Path | None = None) -> str:
    items = "\n".join(f'<li><a href="{html.escape(p.name)}">{html.escape(p.stem)}</a></li>' for p in reports)
    settings = html.escape(json.dumps(parameters))
    synthetic = ("<p><strong>Synthetic data</strong>: generated clips, not music recordings; the numbers show "
                 "that the pipeline works, not how the models fare on real music.</p>"
                 if parameters.get("dataset") == "synthetic" else "")
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>Genre study reports</title>"
            f"<style>{INDEX_STYLE}</style></head>"
            f"<body><h1>Genre study reports</h1>{synthetic}<p>Parameters: <code>{settings}</code></p>"
            f"<ul>\n{items}\n</ul><h2>CNN vs LSTM, beside the thesis (per-track test accuracy, %)</h2>"
            f"{comparison_html(results)}</body></html>\n")


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
    parameters = {"dataset": args.dataset, "output_dir": str((args.build / "results").resolve())}
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

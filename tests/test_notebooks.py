"""Every numbered notebook runs headlessly with papermill on tiny synthetic data, and exports HTML."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import nbformat
import pytest
import yaml

from genre_utils.study import report

CI_PARAMETERS = Path(__file__).with_name("ci_parameters.yml")


def ci_parameters() -> dict:
    """The tiny-data parameters CI runs the notebooks with."""
    return yaml.safe_load(CI_PARAMETERS.read_text())


@pytest.fixture(scope="module")
def report_run(tmp_path_factory):
    """Every notebook executed once with the CI parameters: (index.html, results folder, build folder)."""
    root = tmp_path_factory.mktemp("report")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GENRE_DATA_DIR", str(root / "data"))
        parameters = dict(ci_parameters(), output_dir=str(root / "results"))
        index = report.run_notebooks(parameters, build_dir=root / "build")
    return index, root / "results" / "synthetic", root / "build" / "synthetic"


@pytest.mark.slow
def test_all_notebooks_run_and_export_html(report_run):
    import pandas as pd

    from genre_utils.models import contenders

    index, results, build = report_run
    notebooks = report.notebook_paths()
    assert len(notebooks) >= 5
    executed_all = sorted((build / "notebooks").glob("*.ipynb"))
    ci = ci_parameters()
    chosen = [c for c in contenders() if c.name in ci["models"]]
    training = [p for p in executed_all if p.stem.startswith("03_training-")]
    assert {p.stem.split("-")[1] for p in training} == set(ci["models"])  # one report per chosen contender
    assert len(training) == len(chosen) + 1  # and the thesis CNN on chroma (ci_parameters' feature study)
    page = index.read_text()
    for executed_path in executed_all:
        executed = nbformat.read(executed_path, as_version=4)
        images = [o for c in executed.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
        assert images, f"{executed_path.name} produced no figure"
        html = (index.parent / f"{executed_path.stem}.html").read_text()
        assert "data:image/png;base64" in html
        assert "Synthetic data" in html or "synthetic set" in html  # reports on generated data say so
        assert executed_path.stem in page
    assert (results / "tracks.csv").is_file()
    comparison = pd.read_csv(results / "comparison.csv")
    assert set(ci["models"]) == set(comparison["model"])
    assert {"mfcc", "chroma"} <= set(comparison["features"])  # the thesis CNN's feature study
    body = page.split("<body>")[1]
    assert body.index("comparison-figure") < body.index("<table") < body.index("<h2>Summary")  # figure first
    table = page.split("<table")[1].split("</table>")[0]
    for contender in chosen:
        assert f"<td>{contender.title}" in table, contender.title  # " · mfcc" added where it has several features
    assert "nan" not in table.lower()
    curve = pd.read_csv(results / "learning_curve.csv")  # 06: one row per contender and share of the training tracks
    assert sorted(zip(curve["model"], curve["train_fraction"])) == sorted(
        (model, share) for model in ci["curve_models"] for share in ci["fractions"]
    )
    assert (curve.groupby("model")["train_tracks"].agg(lambda tracks: tracks.is_monotonic_increasing)).all()
    curve_report = [p for p in executed_all if p.stem.startswith("06_")]
    assert len(curve_report) == 1  # it declares models, not model: one run
    logged = "".join(
        o.get("text", "") + o.get("data", {}).get("text/plain", "")
        for c in nbformat.read(curve_report[0], as_version=4).cells
        for o in c.get("outputs", [])
    )
    reused = len(ci["curve_models"]) * len(ci["seeds"])
    assert logged.count("finished earlier") == reused and logged.count("trained in") == reused  # 03's runs reused
    assert body.index("<h2>Summary") < body.index("learning-curve-figure")
    assert "gap to the" in body.split("learning-curve-figure")[1]  # the generated answer
    readings = pd.read_csv(results / "readings.csv")  # 07: the thesis models as read here, then each reading
    assert readings["model"].tolist() == ["cnn", "lstm", *ci["readings"]]
    assert len([p for p in executed_all if p.stem.startswith("07_")]) == 1  # it declares no model: one run
    assert body.index("learning-curve-figure") > body.index("readings-figure") > body.index("<h2>Summary")
    summary = (results / "summary.md").read_text()  # two epochs learn nothing: said first, and in the table
    assert "did not learn" in summary.splitlines()[0] and "did not learn" in table  # 04: the verdict sentence says so
    runs = pd.read_csv(results / "runs.csv")
    assert (
        runs["learned"].isin([True, False]).all() and runs.loc[~runs["learned"], "learned_reason"].str.len().gt(0).all()
    )
    answer = (results / "readings.md").read_text()  # 07: a verdict table, a row per comparison, then one sentence
    assert all(f"<td>{name}</td>" in answer for name in ci["readings"]) and "NaN" not in answer
    assert answer.rstrip().splitlines()[-1].startswith("As read here")
    robustness = pd.read_csv(results / "robustness.csv")  # 08: contender x augment x degradation
    assert sorted(set(zip(robustness["model"], robustness["augment"]))) == sorted(
        [(model, 0) for model in ci["models"]] + [(model, 1) for model in ci["augment_models"]]
    )
    assert set(robustness["degradation"]) == set(ci["degradations"])
    scored = pd.read_csv(results / "robustness_predictions.csv")
    assert set(scored["degradation"]) == {"clean", *ci["degradations"]}
    assert scored.groupby(["run", "degradation"]).size().groupby("run").nunique().eq(1).all()  # same tracks each
    effect = pd.read_csv(results / "augmentation.csv")
    assert set(effect["model"]) == set(ci["augment_models"]) and effect["goal_met"].isin([True, False]).all()
    assert body.index("learning-curve-figure") < body.index("robustness-figure")
    assert "clean accuracy" in body.split("robustness-figure")[1]  # 08: the verdict table's one sentence
    assert len([p for p in executed_all if p.stem.startswith("08_")]) == 1
    for notebook in notebooks:  # the parameters CI sets are all used by some notebook
        assert set(report.declared_parameters(notebook)) & set(ci_parameters())


def test_every_contender_gets_its_training_report():
    from genre_utils.models import contender_names
    from genre_utils.models.thesis_results import THESIS_FEATURE_STUDY

    training = [p for p in report.notebook_paths() if p.name.startswith("03_")][0]
    declared = report.declared_parameters(training)
    planned = report.notebook_variants(training, declared, {})  # the defaults: every registered contender
    study_model, study_kinds = THESIS_FEATURE_STUDY
    assert [suffix for suffix, _ in planned][: len(contender_names())] == [f"-{name}" for name in contender_names()]
    assert [own["model"] for _, own in planned] == [
        *contender_names(),
        *[study_model] * (len(planned) - len(contender_names())),
    ]
    assert {own.get("features") for _, own in planned[len(contender_names()) :]} <= set(study_kinds)


@pytest.mark.slow
def test_reports_show_every_figure_and_a_numeric_comparison_in_a_real_browser(report_run, tmp_path):
    from browser import find_chromium, inspect_page

    chromium = find_chromium()
    if chromium is None:
        pytest.skip("no Chromium (Debian package 'chromium'; .ci/run installs it)")
    index, _, _ = report_run
    for page in sorted(index.parent.glob("*.html")):
        seen = inspect_page(page, tmp_path, chromium)
        if page.name == "index.html":
            numbers = [c for c in seen["cells"] if re.fullmatch(r"[0-9.,±– ]+", c) and any(ch.isdigit() for ch in c)]
            assert len(numbers) >= 2 * 6, seen["cells"]  # two models, six numeric columns each
            assert not [c for c in seen["cells"] if c.lower() in ("nan", "none", "")], seen["cells"]
        else:
            assert seen["images"] and all(seen["images"]), f"{page.name}: images not rendered: {seen['images']}"


def test_notebooks_are_committed_without_outputs_and_have_one_parameters_cell():
    for notebook in report.notebook_paths():
        content = nbformat.read(notebook, as_version=4)
        tagged = [c for c in content.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
        assert len(tagged) == 1, notebook.name
        for cell in content.cells:
            if cell.cell_type == "code":
                assert not cell.outputs and cell.execution_count is None, f"{notebook.name} has outputs"
        for line in tagged[0].source.splitlines():
            if line.strip():
                assert "  # " in line, f"{notebook.name}: parameter without a comment: {line}"
        assert report.declared_parameters(notebook), notebook.name


def test_unknown_dataset_fails_at_once(tmp_path):
    import papermill

    with pytest.raises(papermill.PapermillExecutionError, match="dataset 'nope'"):
        report.run_notebooks(
            {"dataset": "nope", "output_dir": str(tmp_path)}, build_dir=tmp_path, notebooks=report.notebook_paths()[:1]
        )


def test_report_command_rejects_malformed_parameters(capsys):
    assert report.main(["--param", "no_equals_sign"]) == 2
    assert "NAME=VALUE" in capsys.readouterr().err
    assert json.loads('"x"') == report._parse_value('"x"') and report._parse_value("3") == 3


# One bad value per kind of check is enough here (each case starts a kernel); every parameter's
# checks are unit-tested in test_report_cli.py.
@pytest.mark.parametrize("name, value, message", [("split", "offical", "split 'offical'")])
def test_a_training_notebook_fails_at_once_on_a_bad_parameter(tmp_path, name, value, message):
    import papermill

    notebook = [p for p in report.notebook_paths() if p.name.startswith("03_")]
    with pytest.raises(papermill.PapermillExecutionError, match=message):
        report.run_notebooks(
            {"dataset": "synthetic", name: value, "output_dir": str(tmp_path)}, build_dir=tmp_path, notebooks=notebook
        )
    assert not (tmp_path / "synthetic" / "runs").exists()  # nothing was trained


def test_the_report_refuses_an_unknown_contender_before_running_anything(tmp_path):
    with pytest.raises(ValueError, match="model 'transformer'"):
        report.run_notebooks(
            {"dataset": "synthetic", "models": ["transformer"], "output_dir": str(tmp_path)},
            build_dir=tmp_path,
            notebooks=[p for p in report.notebook_paths() if p.name.startswith("03_")],
        )
    assert not (tmp_path / "synthetic" / "notebooks" / "03_training-transformer.ipynb").exists()


def test_each_notebook_has_a_py_percent_twin_with_the_same_cells():
    import jupytext

    for notebook in report.notebook_paths():
        twin = notebook.with_suffix(".py")
        assert twin.is_file(), (
            f"{notebook.name} has no jupytext py:percent twin (jupytext --set-formats ipynb,py:percent)"
        )
        cells = [(c.cell_type, c.source.strip()) for c in nbformat.read(notebook, as_version=4).cells]
        twin_cells = [(c.cell_type, c.source.strip()) for c in jupytext.read(twin).cells]
        assert cells == twin_cells, f"{notebook.name} and {twin.name} differ: run `jupytext --sync notebooks/*.ipynb`"


def test_papermill_lists_every_parameter_with_its_comment():
    import papermill

    for notebook in report.notebook_paths():  # what `papermill --help-notebook` prints (run once below)
        listed = papermill.inspect_notebook(str(notebook))
        for name in report.declared_parameters(notebook):
            assert name in listed, f"{notebook.name}: papermill does not list {name}"
            assert len(listed[name]["help"]) > 5, f"{notebook.name}: no comment for {name}"


def test_every_parameter_has_a_type_annotation_that_papermill_understands():
    import subprocess
    import sys

    import papermill

    for notebook in report.notebook_paths():  # papermill says "Unknown type" where it infers "None"
        for name, info in papermill.inspect_notebook(str(notebook)).items():
            assert info["inferred_type_name"] != "None", f"{notebook.name}: {name} has no type annotation"
    training = [p for p in report.notebook_paths() if p.name.startswith("03_")][0]
    listing = subprocess.run(
        [sys.executable, "-m", "papermill", "--help-notebook", str(training)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "Unknown type" not in listing and "seeds: list[int] (default [0, 1, 2, 3, 4])" in listing, listing


def test_injected_parameters_override_the_annotated_defaults(tmp_path):
    import papermill

    notebook = [p for p in report.notebook_paths() if p.name.startswith("01_")][0]
    target = tmp_path / "prepared.ipynb"
    papermill.execute_notebook(
        str(notebook),
        str(target),
        parameters={"data_root": "/x", "seed": 3},
        prepare_only=True,
        kernel_name=report.KERNEL_NAME,
    )
    cells = nbformat.read(target, as_version=4).cells
    parameters = [i for i, c in enumerate(cells) if "parameters" in c.metadata.get("tags", [])][0]
    injected = cells[parameters + 1]
    assert "injected-parameters" in injected.metadata.tags
    namespace = {}
    exec(cells[parameters].source + "\n" + injected.source, namespace)  # noqa: S102 - our own notebook
    assert namespace["data_root"] == "/x" and namespace["seed"] == 3 and namespace["dataset"] == "synthetic"


@pytest.mark.slow
def test_the_notebooks_kernel_is_this_environment_with_genre_utils():
    """Every notebook names the kernel ``make venv`` registers, and that kernel runs this environment.

    ``make lab`` serving the notebooks with it is tested in ``test_readme_commands.py``.
    """
    import sys

    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import start_new_kernel

    kernels = {
        nbformat.read(notebook, as_version=4).metadata["kernelspec"]["name"] for notebook in report.notebook_paths()
    }
    assert len(kernels) == 1, kernels
    kernel = kernels.pop()
    assert kernel in KernelSpecManager().find_kernel_specs()
    manager, client = start_new_kernel(kernel_name=kernel)
    try:
        printed = []
        client.execute_interactive(
            "import sys, genre_utils; print(sys.prefix)",
            timeout=60,
            output_hook=lambda m: printed.append(m["content"].get("text", "")),
        )
        assert os.path.realpath("".join(printed).strip()) == os.path.realpath(sys.prefix)
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)

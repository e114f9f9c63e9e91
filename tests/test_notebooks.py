"""Every numbered notebook runs headlessly with papermill on tiny synthetic data, and exports HTML."""

from __future__ import annotations

import json

import nbformat
import pytest

from genre_utils import report

TINY = {"dataset": "synthetic", "synthetic_clips_per_genre": 3, "synthetic_seconds": 3.0,
        "summary_clips_per_genre": 1, "listen_seconds": 1.0, "workers": 1}


@pytest.mark.slow
def test_all_notebooks_run_and_export_html(tmp_path, monkeypatch):
    monkeypatch.setenv("GENRE_DATA_DIR", str(tmp_path / "data"))
    parameters = dict(TINY, output_dir=str(tmp_path / "results"))
    index = report.run_notebooks(parameters, build_dir=tmp_path / "build")
    notebooks = report.notebook_paths()
    assert len(notebooks) >= 2
    for notebook in notebooks:
        executed = nbformat.read(tmp_path / "build" / "synthetic" / "notebooks" / notebook.name, as_version=4)
        images = [o for c in executed.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
        assert images, f"{notebook.name} produced no figure"
        html = (index.parent / f"{notebook.stem}.html").read_text()
        assert "data:image/png;base64" in html
        assert "Synthetic data" in html  # reports on generated data say so
        assert notebook.stem in index.read_text()
    assert (tmp_path / "results" / "synthetic" / "tracks.csv").is_file()


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

    with pytest.raises(papermill.PapermillExecutionError, match="unknown dataset 'nope'"):
        report.run_notebooks({"dataset": "nope", "output_dir": str(tmp_path)}, build_dir=tmp_path,
                             notebooks=report.notebook_paths()[:1])


def test_report_command_rejects_malformed_parameters(capsys):
    assert report.main(["--param", "no_equals_sign"]) == 2
    assert "NAME=VALUE" in capsys.readouterr().err
    assert json.loads('"x"') == report._parse_value('"x"') and report._parse_value("3") == 3

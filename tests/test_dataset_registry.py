"""Datasets are declared once, on one base, and discovered: a new one needs no other edit, not even for a report."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pandas as pd
import pytest
import throwaway_dataset

from genre_utils.data.datasets import (
    MODULES_ENV,
    Dataset,
    dataset_names,
    dataset_root,
    datasets,
    default_dataset,
    get_dataset,
    register,
    unregister,
)
from genre_utils.data.splits import SPLIT_NAMES, check_split_applies, make_split

TESTS = Path(__file__).resolve().parent


def test_every_declaration_says_what_it_is_and_exactly_one_is_generated():
    declared = datasets()
    names = [dataset.name for dataset in declared]
    assert len(set(names)) == len(names) and names[0] == default_dataset()
    for dataset in declared:
        assert isinstance(dataset, Dataset) and get_dataset(dataset.name) is dataset
        assert dataset.title and dataset.citation.strip() and dataset.licence.strip()
        assert dataset.genres and len(set(dataset.genres)) == len(dataset.genres)
        assert dataset.splits and set(dataset.splits) <= set(SPLIT_NAMES), dataset.name
        assert dataset.root().name == dataset.name and dataset_root(dataset.name) == dataset.root()
        assert (
            dataset.notice is not None
        ) == dataset.generated  # results on generated data say so; real data needs none
        assert (dataset.reference_name is None) == dataset.generated  # real data is checked against a published list
    generated = [dataset for dataset in declared if dataset.generated]
    assert len(generated) == 1 and generated[0].name == default_dataset()
    assert set(generated[0].download_options) == {"clips_per_genre", "seconds", "seed"}
    assert all(
        not dataset.download_options and not dataset.report_defaults for dataset in declared if not dataset.generated
    )


def test_the_embedded_sets_report_defaults_name_the_thesis_pair():
    from genre_utils.models import contender_names
    from genre_utils.models.thesis_results import THESIS_PAIR

    defaults = get_dataset(default_dataset()).report_defaults
    assert defaults["curve_models"] == list(THESIS_PAIR)  # written as literals in the data layer
    assert set(defaults["readings"]) <= set(contender_names(include_readings=True))
    # the degradation study's contenders with augmentation there: the thesis pair and the baseline
    assert set(THESIS_PAIR) <= set(defaults["augment_models"]) <= set(contender_names())
    from genre_utils.data.degradations import degradation_names

    assert set(defaults["degradations"]) <= set(degradation_names())


def test_a_download_option_a_dataset_does_not_take_is_named():
    with pytest.raises(ValueError, match=r"^dataset 'gtzan' has no download option seed; its options are none$"):
        get_dataset("gtzan").download(seed=3)
    embedded = get_dataset(default_dataset())
    with pytest.raises(ValueError, match="no download option colour; its options are clips_per_genre, seconds, seed"):
        embedded.download(colour="blue")
    assert embedded.options_from({f"{embedded.name}_seconds": 3.0, "seconds": 9.0, "seed": 1}) == {"seconds": 3.0}


def test_a_declaration_without_genres_or_licence_is_refused():
    with pytest.raises(ValueError, match="dataset 'odd' declares no licence, genres"):
        Dataset(name="odd", title="Odd", genres=(), splits=("kfold",), citation="c", licence="")


def test_a_registered_dataset_is_listed_last_and_gets_the_splits_it_declares():
    dataset = throwaway_dataset.DATASET
    before = dataset_names()
    try:
        assert register(dataset) is dataset and dataset_names() == (*before, dataset.name)
        check_split_applies("kfold", dataset.name)
        with pytest.raises(ValueError, match=rf"split 'official' applies to fma_small, .* not '{dataset.name}'"):
            check_split_applies("official", dataset.name)
        assert default_dataset() == before[0]  # it is not generated
    finally:
        unregister(dataset.name)
    assert dataset_names() == before


def test_a_declared_dataset_downloads_and_splits_like_the_others(tmp_path):
    dataset = throwaway_dataset.DATASET
    root = dataset.download(tmp_path / "tones", progress=False, clips_per_genre=4, seconds=2.5)
    assert sorted(path.name for path in root.iterdir())[:2] == ["chirp__0.flac", "chirp__1.flac"]
    tracks = dataset.validate(root, progress=False)
    assert len(tracks) == 12 and tracks["status"].eq("ok").all() and dataset.clip_seconds(root) == 2.5
    split = make_split(tracks, "thesis", dataset=dataset.name, seed=0)  # unregistered: the splits any table has
    assert split.value_counts().to_dict() == {"train": 9, "test": 3}
    assert dataset.check_files(tracks, root) is None  # nothing to check against


@pytest.mark.slow
def test_a_throwaway_dataset_gets_a_training_report_with_no_other_edit(tmp_path, monkeypatch):
    from genre_utils.study import report
    from genre_utils.study.parameters import notebook_paths

    dataset = throwaway_dataset.DATASET
    monkeypatch.setenv("GENRE_DATA_DIR", str(tmp_path / "data"))
    # The notebook's kernel is another process: it finds the declaration through the variable.
    monkeypatch.setenv(MODULES_ENV, throwaway_dataset.__name__)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(TESTS), os.environ.get("PYTHONPATH")])))
    register(dataset)
    try:
        dataset.download(progress=False)  # into $GENRE_DATA_DIR/<name>, where the kernel looks
        training = [path for path in notebook_paths() if path.name.startswith("03_")]
        parameters = {
            "dataset": dataset.name,
            "models": ["svm"],
            "seeds": [0],
            "epochs": 2,
            "patience": 0,
            "workers": 1,
            "feature_study": [],
            "output_dir": str(tmp_path / "results"),
        }
        index = report.run_notebooks(parameters, build_dir=tmp_path / "build", notebooks=training)
    finally:
        unregister(dataset.name)
    assert index == tmp_path / "build" / dataset.name / "html" / "index.html" and index.is_file()
    runs = pd.read_csv(tmp_path / "results" / dataset.name / "runs.csv")
    assert runs["dataset"].eq(dataset.name).all() and runs["model"].tolist() == ["svm"]
    assert (runs["test_tracks"] == len(dataset.genres)).all()  # one test track per genre of 6
    executed = nbformat.read(tmp_path / "build" / dataset.name / "notebooks" / "03_training-svm.ipynb", as_version=4)
    shown = "".join(str(output) for cell in executed.cells for output in cell.get("outputs", []))
    assert dataset.name in shown and "Synthetic data" not in shown  # its own name; no notice, since it declares none

"""Comparison tables and tests over run folders built by hand (no training needed)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from genre_utils import comparison
from genre_utils.evaluation import classification_report, predictions_frame, report_to_files

GENRES = ["blues", "rock"]
TRUTH = np.array([0] * 5 + [1] * 5)
TRACKS = [f"t{i}" for i in range(10)]


def _run(root, dataset, model, seed, predicted, split="thesis", segment_seconds=3.0, train_seconds=10.0):
    """A run folder with the files the experiment runner writes, from given per-track predictions."""
    folder = root / f"{model}-{split}-seed{seed}"
    folder.mkdir(parents=True)
    predicted = np.asarray(predicted)
    report_to_files(classification_report(TRUTH, predicted, GENRES), folder)
    probabilities = np.eye(2)[predicted] * 0.8 + 0.1
    predictions_frame(TRACKS, TRUTH, probabilities, GENRES).to_csv(folder / "predictions.csv", index=False)
    report = json.loads((folder / "metrics.json").read_text())
    return {"dataset": dataset, "model": model, "split": split, "features": "mfcc", "seed": seed,
            "segment_seconds": segment_seconds, "accuracy": report["accuracy"],
            "balanced_accuracy": report["balanced_accuracy"], "macro_f1": report["macro_f1"],
            "train_seconds": train_seconds, "parameters": 100 if model == "cnn" else 50, "folder": str(folder)}


@pytest.fixture
def runs(tmp_path):
    all_right = TRUTH
    rows = [
        _run(tmp_path, "gtzan", "cnn", 0, all_right),                       # 10/10
        _run(tmp_path, "gtzan", "lstm", 0, [0, 0, 0, 1, 1, 1, 1, 1, 0, 0]),  # 6/10, wrong on t3 t4 t8 t9
        _run(tmp_path, "gtzan", "cnn", 1, [0, 0, 0, 0, 1, 1, 1, 1, 1, 1]),   # 9/10, wrong on t4
        _run(tmp_path, "gtzan", "lstm", 1, [0, 0, 0, 0, 0, 1, 1, 1, 1, 0]),  # 9/10, wrong on t9
        _run(tmp_path, "gtzan", "cnn", 0, [0, 0, 0, 0, 0, 1, 1, 1, 1, 1], split="random_segments"),
    ]
    return pd.DataFrame(rows)


def test_comparison_table_sets_the_thesis_beside_the_seed_statistics(runs):
    table = comparison.comparison_table(runs)
    honest = table[table["split"] == "thesis"].set_index("model")
    assert honest.loc["cnn", "thesis"] == pytest.approx(0.56) and honest.loc["lstm", "thesis"] == pytest.approx(0.42)
    assert honest.loc["cnn", "mean"] == pytest.approx(0.95) and honest.loc["cnn", "n"] == 2
    assert honest.loc["cnn", "sd"] == pytest.approx(np.std([1.0, 0.9], ddof=1))
    assert honest.loc["lstm", "mean"] == pytest.approx(0.75)
    assert np.isnan(table[table["split"] == "random_segments"]["thesis"]).all()  # no thesis figure for it


def test_mcnemar_pairs_the_same_tracks_of_the_same_seed(runs):
    table = comparison.mcnemar_by_seed(runs).set_index("seed")
    assert table.loc[0, ["both", "only_a", "only_b", "neither"]].tolist() == [6, 4, 0, 0]
    assert table.loc[0, "p_value"] == pytest.approx(0.125)  # 2 * 0.5**4
    assert table.loc[1, ["both", "only_a", "only_b", "neither"]].tolist() == [8, 1, 1, 0]
    assert table.loc[1, "p_value"] == pytest.approx(1.0)


def test_paired_test_across_seeds(runs):
    row = comparison.paired_tests(runs).iloc[0]
    assert row["n"] == 2 and row["mean_difference"] == pytest.approx(0.2)


def test_per_genre_confusion_and_leakage(runs):
    honest = runs[runs["split"] == "thesis"]
    f1 = comparison.per_genre_f1(honest)
    label = "gtzan · thesis · mfcc · 3 s segments"
    # CNN seed 0 is perfect; seed 1 misses t4: blues P 4/4 R 4/5 -> F1 8/9, rock P 5/6 R 1 -> F1 10/11.
    assert f1[(label, "cnn")].tolist() == pytest.approx([(1 + 8 / 9) / 2, (1 + 10 / 11) / 2])
    confusion = comparison.summed_confusion(honest[honest["model"] == "cnn"])
    assert confusion.to_numpy().tolist() == [[9, 1], [0, 10]]
    leakage = comparison.leakage_table(runs).iloc[0]
    assert leakage["track_split"] == pytest.approx(0.95) and leakage["random_segment_split"] == pytest.approx(1.0)
    assert leakage["inflation"] == pytest.approx(0.05)


def test_the_written_summary_quotes_the_numbers(runs):
    table = comparison.comparison_table(runs)
    text = comparison.written_summary(table, comparison.mcnemar_by_seed(runs), comparison.paired_tests(runs),
                                      comparison.leakage_table(runs))
    assert "CNN 95.0% ± 7.1% (thesis 56.0%, +39.0 points)" in text
    assert "LSTM 75.0%" in text and "0 of 2 seed(s)" in text
    assert "reports 100.0% instead of 95.0% (+5.0 points)" in text


def test_runs_from_different_test_tracks_are_not_paired(runs):
    folder = runs.loc[1, "folder"]
    frame = pd.read_csv(f"{folder}/predictions.csv")
    frame.loc[0, "track_id"] = "other"
    frame.to_csv(f"{folder}/predictions.csv", index=False)
    with pytest.raises(ValueError, match="different test tracks"):
        comparison.mcnemar_by_seed(runs)


def test_a_table_that_is_not_a_runs_table_is_refused():
    with pytest.raises(ValueError, match="collect_runs"):
        comparison.comparison_table(pd.DataFrame({"accuracy": [0.5]}))

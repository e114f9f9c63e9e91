"""Every contender on the 100 real GTZAN excerpts, under the same stratified 5-fold cross-validation.

Uses the real GTZAN clips in ``../shared`` (skips without them). The whole study (all five
contenders on all five folds, networks trained to early stopping) takes about 9 minutes on two
CPU cores, more than the test suite's budget: it is marked ``study`` and runs with
``make test-study``, as does the cheaper check that the clip-level contenders (the SVM baseline
and the musicnn probe) on the same five folds put the probe ahead (1.5 minutes; ``make test`` keeps
the probe's own test in ``test_contenders.py``, the port's in ``test_musicnn.py`` and the networks'
training on real excerpts in ``test_real_audio_training.py``). Ten clips per genre, and
consecutive clips of a genre often share an artist: the numbers are a sanity check of how each
contender behaves on real music, not a GTZAN result (the folds are not artist-filtered, so the
absolutes are inflated). What must hold on real music: every contender is far above chance
(10 genres: 10 %), and the pretrained musicnn probe beats the classic MFCC-statistics baseline
(measured outside the project with musicnn's own code on the same kind of folds: musicnn
embeddings + logistic regression 89 %, MFCC mean/std + SVM 76 %).
"""

from __future__ import annotations

import pandas as pd
import pytest

pytest.importorskip("keras")
pytest.importorskip("sklearn")

from genre_utils.data.datasets import gtzan  # noqa: E402
from genre_utils.experiment.runner import run_experiment, sweep  # noqa: E402
from genre_utils.features.kinds import FeatureConfig  # noqa: E402
from genre_utils.features.store import build_feature_store  # noqa: E402
from genre_utils.models import contenders  # noqa: E402

FOLDS = 5
SEGMENT_SECONDS = 3.0
FAR_ABOVE_CHANCE = 0.30  # three times chance with 10 genres


def cross_validate(excerpts, folder, models=None, folds=None):
    """Run ``models`` (default all) on the 5 folds (or those listed) of the excerpts; pooled accuracy per model."""
    root = folder / "gtzan"
    root.mkdir()
    (root / "genres").symlink_to(excerpts / "genres", target_is_directory=True)
    tracks = gtzan.DATASET.load_tracks(root)
    specs = [
        spec
        for spec in sweep(
            "gtzan", models=models, splits=["kfold"], folds=FOLDS, seeds=[0], segment_seconds=SEGMENT_SECONDS
        )
        if folds is None or spec.fold in folds
    ]
    stores = {
        kind: build_feature_store(
            tracks, "gtzan", FeatureConfig(kind=kind), cache_dir=folder / "features", workers=2, progress=False
        )
        for kind in sorted({spec.features for spec in specs})
    }
    runs = run_experiment(specs, stores, folder / "results", log=print)
    pooled = {}
    for model, group in runs.groupby("model"):
        predictions = pd.concat(pd.read_csv(f"{path}/predictions.csv") for path in group["folder"])
        assert predictions["track_id"].is_unique  # each clip tested once
        if folds is None:
            assert len(predictions) == len(next(iter(stores.values())).usable)
        pooled[model] = predictions["correct"].mean()
    print("\nper-clip accuracy, cross-validation on the GTZAN excerpts (a sanity check, not a GTZAN result):")
    for model, accuracy in sorted(pooled.items(), key=lambda item: -item[1]):
        print(f"  {model:<8} {accuracy:.1%}")
    return runs, pooled


@pytest.mark.study
def test_every_contender_on_the_same_folds_of_real_music(gtzan_excerpts, tmp_path):
    runs, pooled = cross_validate(gtzan_excerpts, tmp_path)
    assert set(pooled) == {c.name for c in contenders()}
    for model, accuracy in pooled.items():
        assert accuracy >= FAR_ABOVE_CHANCE, (model, pooled)
    assert pooled["musicnn"] > pooled["svm"], pooled
    networks = runs[runs["stopped_by"] != "single fit"]
    assert (networks["stopped_by"] == "early stopping").all(), networks[["model", "fold", "epochs_run"]]


@pytest.mark.study  # 1.5 min; the probe itself is tested in test_contenders.py, the port in test_musicnn.py
def test_the_musicnn_probe_beats_the_classic_baseline_on_the_same_folds(gtzan_excerpts, tmp_path):
    _, pooled = cross_validate(gtzan_excerpts, tmp_path, models=["svm", "musicnn"])
    assert min(pooled.values()) >= FAR_ABOVE_CHANCE and pooled["musicnn"] > pooled["svm"], pooled

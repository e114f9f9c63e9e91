"""The rule that says whether a run learnt: each of its three tests, on hand-made predictions and on real training.

A network trained on shuffled labels cannot learn: the verdict written to ``result.json`` says so.
"""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from genre_utils.experiment import learning_check
from genre_utils.experiment.learning_check import judge
from genre_utils.experiment.runner import RESULT_FILE, RunSpec, run_folder, run_one
from genre_utils.models.hyperparameters import MIN_TRAINING_STEPS
from genre_utils.models.training import EarlyStoppingAfterWarmUp, warm_up_epochs

GENRES = 10


def balanced(n_per_genre: int) -> np.ndarray:
    return np.repeat(np.arange(GENRES), n_per_genre)


def test_a_model_that_predicts_well_learnt():
    truth = balanced(8)
    verdict = judge(truth, truth, GENRES, balanced(2), balanced(2))
    assert verdict["learned"] and "learned_reason" not in verdict
    assert verdict["train_track_accuracy"] == 1.0 and verdict["top_prediction_share"] == 0.1


def test_a_collapsed_model_is_named_with_the_genre_it_always_answers():
    truth, test = balanced(8), balanced(2)
    verdict = judge(
        truth, np.zeros_like(truth), GENRES, test, np.zeros_like(test), class_names=[f"g{i}" for i in range(10)]
    )
    assert not verdict["learned"]
    reason = verdict["learned_reason"]
    assert "training accuracy 10%" in reason and "one genre (g0) predicted for 100% of the test tracks" in reason
    assert "binomial" in reason


def test_each_test_fails_on_its_own():
    truth, test = balanced(8), balanced(5)
    # (1) training tracks not fitted, test fine
    wrong_train = (truth + 1) % GENRES
    assert judge(wrong_train, truth, GENRES, test, test)["learned_reason"].startswith("training accuracy 0%")
    # (2) collapse: 60 % of the test tracks called genre 3, training fitted
    collapsed = test.copy()
    collapsed[:30] = 3
    reason = judge(truth, truth, GENRES, test, collapsed)["learned_reason"]
    assert reason.startswith("one genre (3) predicted for 60% of the test tracks (10% are 3)")
    # (3) test accuracy at guessing without collapse: every test track shifted to the next genre but 6
    shifted = (test + 1) % GENRES
    shifted[:6] = test[:6]
    reason = judge(truth, truth, GENRES, test, shifted)["learned_reason"]
    assert reason.startswith("test accuracy 12% not above 10%")


def test_the_floor_is_the_most_common_genre_on_an_unbalanced_test_set():
    truth = balanced(8)
    test = np.array([0] * 60 + list(range(1, 10)) * 4 + [1] * 4)  # genre 0 is 60 of 100 test tracks
    always_zero = np.zeros_like(test)
    verdict = judge(truth, truth, GENRES, test, always_zero)
    assert not verdict["learned"] and "not above 60%" in verdict["learned_reason"]
    assert "one genre" not in verdict["learned_reason"]  # 100 % predicted, but under twice its 60 % share


def test_a_final_model_is_judged_on_its_training_tracks():
    truth = balanced(4)
    assert judge(truth, truth, GENRES)["learned"]
    verdict = judge(truth, np.full_like(truth, 2), GENRES)
    assert not verdict["learned"] and "of the training tracks" in verdict["learned_reason"]


@pytest.mark.parametrize(
    "bad, message",
    [
        ({"n_classes": 1}, "n_classes must be >= 2"),
        ({"train_predicted": [0, 1]}, "train_predicted has 2 entries, expected 3"),
        ({"train_true": [0, 1, 12]}, r"train_true must lie in \[0, 10\)"),
        ({"class_names": ["a"]}, "class_names has 1 names for 10 classes"),
    ],
)
def test_bad_input_is_named(bad, message):
    arguments = {"train_true": [0, 1, 2], "train_predicted": [0, 1, 2], "n_classes": GENRES, **bad}
    with pytest.raises(ValueError, match=message):
        judge(**arguments)


def test_the_rule_is_stated_once_with_its_numbers():
    rule = learning_check.LEARNED_RULE
    assert f"{learning_check.TRAIN_FACTOR:g} times" in rule and f"p < {learning_check.ABOVE_CHANCE_ALPHA}" in rule


def test_warm_up_turns_the_minimum_steps_into_epochs():
    assert warm_up_epochs(3, 100) == -(-MIN_TRAINING_STEPS // 3)
    assert warm_up_epochs(1, 100) == 100  # never more than the epoch bound
    assert warm_up_epochs(500, 100) == 1
    with pytest.raises(ValueError, match="steps_per_epoch"):
        warm_up_epochs(0, 100)


def test_early_stopping_waits_for_the_warm_up_but_keeps_the_best_epoch_of_it():
    import keras

    class Model:
        stop_training = False

        def get_weights(self):
            return [np.array(self.epoch)]

        def set_weights(self, weights):
            self.restored = int(weights[0])

    model = Model()
    callback = EarlyStoppingAfterWarmUp(10, monitor="val_loss", patience=2, restore_best_weights=True)
    callback.set_model(model)
    callback.on_train_begin()
    losses = [1.0, 0.5, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9]
    stopped = None
    for epoch, loss in enumerate(losses):
        model.epoch = epoch
        callback.on_epoch_end(epoch, {"val_loss": loss})
        if model.stop_training:
            stopped = epoch
            break
    callback.on_train_end()
    assert stopped == 11  # patience counted from the end of the 10-epoch warm-up, not from epoch 2
    assert model.restored == 1  # the best epoch, inside the warm-up, is the one kept
    assert isinstance(callback, keras.callbacks.EarlyStopping)


@pytest.mark.slow
def test_shuffled_labels_do_not_learn(synthetic_store, tmp_path):
    """The thesis CNN on the synthetic set with its genres shuffled across clips (the real labels learn:
    ``test_experiment.test_both_models_learn_on_synthetic_data``)."""
    spec = RunSpec("synthetic", "cnn", seed=0, epochs=8, segment_seconds=2.0, patience=0)
    tracks = synthetic_store.tracks.copy()
    tracks["genre"] = np.random.default_rng(0).permutation(tracks["genre"].to_numpy())
    shuffled = run_one(spec, dataclasses.replace(synthetic_store, tracks=tracks), tmp_path / "shuffled")
    assert shuffled["learned"] is False and shuffled["learned_reason"]
    stored = json.loads((run_folder(tmp_path / "shuffled", spec) / RESULT_FILE).read_text())
    assert stored["learned"] is False and stored["learned_reason"] == shuffled["learned_reason"]

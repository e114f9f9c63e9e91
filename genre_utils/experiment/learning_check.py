"""Did a run learn? One rule, applied to every run of every contender (docs/methods.md gives the reasons).

:func:`judge` flags a run when any of three per-track checks fails: (1) it fits its own training tracks, at least
:data:`TRAIN_FACTOR` times the better of guessing and the majority genre; (2) it does not collapse onto one genre
(:data:`COLLAPSE_SHARE` of the tracks judged, :data:`COLLAPSE_FACTOR` times that genre's true share); (3) its test
accuracy beats that baseline in a one-sided exact binomial test (:func:`scipy.stats.binomtest`, p below
:data:`ABOVE_CHANCE_ALPHA`; a final model without test tracks is judged by the first two). The verdict goes into
``result.json`` as ``learned`` and ``learned_reason``, which tables, figures, summaries and ``predict`` read.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import binomtest

from genre_utils.experiment.evaluation import check_labels

TRAIN_FACTOR = 2.0  # training accuracy must reach twice the better of guessing and the most common genre
COLLAPSE_SHARE = 0.5  # one genre predicted for this share of the tracks judged ...
COLLAPSE_FACTOR = 2.0  # ... and for at least twice its true share there: collapsed
ABOVE_CHANCE_ALPHA = 0.05  # one-sided binomial test of test accuracy against the better floor
LEARNED_RULE = (
    f"a run counts as having learnt when (1) its per-track training accuracy reaches {TRAIN_FACTOR:g} times the "
    "better of guessing and always answering the most common training genre, (2) no genre takes "
    f"{COLLAPSE_SHARE:.0%} of its predictions while being under 1/{COLLAPSE_FACTOR:g} of that in truth, and (3) its "
    "test accuracy is above the better of guessing and the most common test genre (one-sided exact binomial test, "
    f"p < {ABOVE_CHANCE_ALPHA}); a final model without test tracks is judged by (1) and (2)"
)


def floor_rate(labels: np.ndarray, n_classes: int) -> float:
    """The better of guessing (1 / classes) and always answering the most common label."""
    labels = check_labels(labels, "labels", n_classes)
    return max(1.0 / n_classes, float(np.bincount(labels, minlength=n_classes).max() / labels.size))


def judge(
    train_true,
    train_predicted,
    n_classes: int,
    test_true=None,
    test_predicted=None,
    class_names: list[str] | None = None,
) -> dict:
    """The verdict on one run from per-track labels and predictions (class indices)."""
    if int(n_classes) < 2:
        raise ValueError(f"n_classes must be >= 2, got {n_classes!r}")
    names = list(class_names) if class_names is not None else [str(i) for i in range(n_classes)]
    if len(names) != n_classes:
        raise ValueError(f"class_names has {len(names)} names for {n_classes} classes")
    train_true = check_labels(train_true, "train_true", n_classes)
    train_predicted = check_labels(train_predicted, "train_predicted", n_classes, like=train_true)
    has_test = test_true is not None and len(test_true) > 0
    if has_test:
        test_true = check_labels(test_true, "test_true", n_classes)
        test_predicted = check_labels(test_predicted, "test_predicted", n_classes, like=test_true)
    judged_true, judged_predicted = (test_true, test_predicted) if has_test else (train_true, train_predicted)

    reasons = []
    train_accuracy = float(np.mean(train_true == train_predicted))
    train_needed = TRAIN_FACTOR * floor_rate(train_true, n_classes)
    if train_accuracy < train_needed:
        reasons.append(
            f"training accuracy {train_accuracy:.0%} at the kept weights, under {train_needed:.0%} "
            f"({TRAIN_FACTOR:g} x guessing or the most common genre)"
        )
    predicted_counts = np.bincount(judged_predicted, minlength=n_classes)
    top = int(predicted_counts.argmax())
    top_share = float(predicted_counts[top] / judged_predicted.size)
    true_share = float(np.mean(judged_true == top))
    if top_share >= COLLAPSE_SHARE and top_share >= COLLAPSE_FACTOR * true_share:
        side = "test" if has_test else "training"
        reasons.append(
            f"one genre ({names[top]}) predicted for {top_share:.0%} of the {side} tracks "
            f"({true_share:.0%} are {names[top]})"
        )
    if has_test:
        floor = floor_rate(test_true, n_classes)
        correct = int(np.sum(test_true == test_predicted))
        p_value = binomtest(correct, test_true.size, floor, alternative="greater").pvalue
        if p_value >= ABOVE_CHANCE_ALPHA:
            reasons.append(
                f"test accuracy {correct / test_true.size:.0%} not above {floor:.0%} (guessing or the "
                f"most common genre; binomial p = {p_value:.2f} on {test_true.size} tracks)"
            )
    verdict = {
        "learned": not reasons,
        "train_track_accuracy": round(train_accuracy, 4),
        "top_prediction_share": round(top_share, 4),
    }
    if reasons:
        verdict["learned_reason"] = "; ".join(reasons)
    return verdict

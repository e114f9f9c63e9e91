"""The classic baseline: MFCC clip statistics and an RBF support-vector machine (Tzanetakis & Cook 2002 lineage).

Each whole clip becomes the mean and standard deviation of its 20 standardized thesis MFCCs over its real frames
(40 numbers); ``StandardScaler`` then ``SVC(kernel="rbf", gamma="scale")``, with probabilities by Platt scaling as
scikit-learn recommends since 1.9 (``CalibratedClassifierCV(method="sigmoid", ensemble=False)`` on seeded,
stratified folds: :class:`PlattFolds`), so its outputs average like the networks'. ``C`` from :data:`C_GRID` is
chosen by per-track accuracy on the validation tracks only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from genre_utils.models.sklearn_family import SklearnContender, frame_statistics

ORDER = 3
C_GRID = (0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0)  # SVM regularization candidates
PLATT_FOLDS = 5  # cross-validation folds of the Platt scaling, as libsvm's
SIGMOID_PARAMETERS = 2  # slope and offset of each fitted sigmoid


@dataclass(frozen=True)
class PlattFolds:
    """A scikit-learn splitter: seeded stratified folds, :data:`PLATT_FOLDS` or as many as the rarest genre has."""

    seed: int
    most: int = PLATT_FOLDS

    def __post_init__(self):
        if self.most < 2:
            raise ValueError(f"Platt scaling needs at least 2 folds, got most={self.most!r}")

    def folds(self, y):
        """The ``StratifiedKFold`` for labels ``y``; None when a class has a single item (nothing to hold out)."""
        from sklearn.model_selection import StratifiedKFold

        counts = np.unique(np.asarray(y), return_counts=True)[1]
        if counts.min() < 2:
            return None
        return StratifiedKFold(n_splits=int(min(self.most, counts.min())), shuffle=True, random_state=self.seed)

    def split(self, X, y, groups=None):
        """``(train, held_out)`` positions of each fold.

        With a single training track of some genre (a learning curve's smallest share of a small
        set) no fold can hold it out: the sigmoids are then fitted on the training scores themselves
        (one "fold" of every track), overconfident but usable, instead of failing the run.
        """
        folds = self.folds(y)
        if folds is None:
            everything = np.arange(len(y))
            return iter([(everything, everything)])
        return folds.split(X, y)

    def get_n_splits(self, X=None, y=None, groups=None) -> int:
        """Folds for labels ``y`` (:data:`PLATT_FOLDS` at most; 1 for in-sample scaling)."""
        if y is None:
            return self.most
        folds = self.folds(y)
        return 1 if folds is None else folds.get_n_splits()


def make_svm(seed: int, C: float = 1.0):
    """Scaler + RBF SVM with Platt-scaled probability outputs (folds seeded by ``seed``)."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    svm = SVC(C=C, kernel="rbf", gamma="scale")
    return make_pipeline(
        StandardScaler(), CalibratedClassifierCV(svm, method="sigmoid", cv=PlattFolds(seed), ensemble=False)
    )


def svm_parameters(pipeline) -> int:
    """Numbers a fitted SVM keeps: support vectors, dual coefficients, intercepts, its sigmoids' slopes and offsets."""
    total = 0
    for calibrated in pipeline[-1].calibrated_classifiers_:
        svm = calibrated.estimator
        total += svm.support_vectors_.size + svm.dual_coef_.size + svm.intercept_.size
        total += SIGMOID_PARAMETERS * len(calibrated.calibrators)
    return int(total)


CONTENDER = SklearnContender(
    name="svm",
    title="MFCC statistics + SVM",
    description="Mean and sd of 20 MFCCs per clip, RBF SVM, C chosen on validation tracks "
    "(Tzanetakis & Cook 2002 lineage)",
    family="clip_statistics",
    features="mfcc",
    feature_kinds=("mfcc", "logmel", "chroma"),
    input="40 numbers per clip: mean and sd of each of the 20 MFCCs",
    whole_clips=True,
    summarize=frame_statistics,
    make_estimator=make_svm,
    grid=tuple({"C": c} for c in C_GRID),
    count_parameters=svm_parameters,
)

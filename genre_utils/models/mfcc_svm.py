"""The classic baseline: MFCC clip statistics and a support-vector machine (Tzanetakis & Cook 2002 lineage).

Tzanetakis & Cook summarized each clip by statistics of its frame features and classified the
summaries; with MFCC means and standard deviations and an RBF SVM this is still the floor every
deep model of the genre-recognition literature must clear (about 53 % on GTZAN's fault-filtered
split, Kereliuk, Sturm & Larsen 2015). Here:

- *Input*: the study's 20 thesis MFCCs (standardized on the training tracks like every
  contender's), summarized per **whole clip** as the mean and standard deviation of each
  coefficient over the clip's real frames (padding excluded): 40 numbers per track.
- *Model*: ``StandardScaler`` then ``SVC`` with an RBF kernel (``gamma="scale"``) and Platt
  probabilities (``probability=True``, seeded), so its outputs average like the networks'.
- *Regularization*: ``C`` from :data:`C_GRID`, chosen by per-track accuracy on the validation
  tracks only (:mod:`genre_utils.models.sklearn_family`).
"""

from __future__ import annotations

from genre_utils.models.sklearn_family import SklearnContender, frame_statistics

ORDER = 3
C_GRID = (0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0)  # SVM regularization candidates


def make_svm(seed: int, C: float = 1.0):
    """Scaler + RBF SVM with probability outputs."""
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    return make_pipeline(StandardScaler(), SVC(C=C, kernel="rbf", gamma="scale", probability=True, random_state=seed))


def svm_parameters(pipeline) -> int:
    """Numbers a fitted SVM keeps: support vectors, their dual coefficients and intercepts."""
    svm = pipeline[-1]
    return int(svm.support_vectors_.size + svm.dual_coef_.size + svm.intercept_.size)


CONTENDER = SklearnContender(
    name="svm", title="MFCC statistics + SVM",
    description="Mean and sd of 20 MFCCs per clip, RBF SVM, C chosen on validation tracks "
                "(Tzanetakis & Cook 2002 lineage)",
    family="clip_statistics", features="mfcc", feature_kinds=("mfcc", "logmel", "chroma"),
    input="40 numbers per clip: mean and sd of each of the 20 MFCCs", whole_clips=True,
    summarize=frame_statistics, make_estimator=make_svm, grid=tuple({"C": c} for c in C_GRID),
    count_parameters=svm_parameters)

"""A linear probe on pretrained musicnn embeddings (Pons & Serra 2019): what transfer learning gives.

musicnn (``MSD_musicnn``, trained by its authors on 200 k songs; run in Keras 3 from their weights by
:mod:`genre_utils.features.pretrained.musicnn`) reads musicnn's own front end (feature kind ``musicnn_mel``, not
standardized); each track's 3 s patches give the :data:`LAYER` output, mean-pooled into one vector per track.
``StandardScaler`` then multinomial ``LogisticRegression``, ``C`` from :data:`C_GRID` chosen on the validation
tracks. Only the probe is trained; musicnn's weights stay as published.
"""

from __future__ import annotations

import hashlib

import numpy as np

from genre_utils.features.pretrained.musicnn import load_model, patches
from genre_utils.models.sklearn_family import SklearnContender

ORDER = 5
PRETRAINED = "MSD_musicnn"  # the model trained on the Million Song Dataset
LAYER = "max_pool"  # musicnn output used as the embedding
C_GRID = (0.01, 0.1, 1.0, 10.0)  # logistic-regression regularization candidates
_CACHE: dict[str, np.ndarray] = {}  # embedding per item content, shared by the runs of one process


def musicnn_embeddings(x: np.ndarray, valid_frames=None) -> np.ndarray:
    """One pooled musicnn embedding per item of ``(n_items, 96, n_frames)`` musicnn mel features."""

    x = np.asarray(x, dtype=np.float32)
    frames = np.full(len(x), x.shape[-1]) if valid_frames is None else np.asarray(valid_frames)
    keys = [hashlib.sha1(item[:, : max(1, int(n))].tobytes()).hexdigest() for item, n in zip(x, frames)]
    todo = [i for i, key in enumerate(keys) if key not in _CACHE]
    if todo:
        model = load_model(PRETRAINED)
        cuts = [patches(np.ascontiguousarray(x[i][:, : max(1, int(frames[i]))].T)) for i in todo]
        vectors = model.embeddings(np.concatenate(cuts), layer=LAYER)
        for i, start, count in zip(todo, np.cumsum([0] + [len(c) for c in cuts[:-1]]), [len(c) for c in cuts]):
            _CACHE[keys[i]] = np.asarray(vectors[start : start + count], dtype=np.float64).mean(axis=0)
    return np.stack([_CACHE[key] for key in keys])


def make_probe(seed: int, C: float = 1.0):
    """Scaler + multinomial logistic regression."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=2000, random_state=seed))


def probe_parameters(pipeline) -> int:
    """The probe's coefficients and intercepts."""
    probe = pipeline[-1]
    return int(probe.coef_.size + probe.intercept_.size)


CONTENDER = SklearnContender(
    name="musicnn",
    title="musicnn probe",
    description="Logistic regression on pretrained MSD_musicnn embeddings pooled per track "
    "(Pons & Serra 2019, ISMIR LBD)",
    family="pretrained_probe",
    features="musicnn_mel",
    feature_kinds=("musicnn_mel",),
    input="96 musicnn mel bands x frames of a whole clip, embedded per 3 s patch and pooled",
    whole_clips=True,
    standardize=False,
    summarize=musicnn_embeddings,
    make_estimator=make_probe,
    grid=tuple({"C": c} for c in C_GRID),
    count_parameters=probe_parameters,
)

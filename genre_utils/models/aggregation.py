"""From segment predictions to track predictions: :func:`aggregate_tracks` (mean or vote) and :func:`track_labels`,
one row per track in the order of first appearance."""

from __future__ import annotations

import numpy as np

AGGREGATION_METHODS = ("mean", "vote")
VOTE_TIE_NUDGE = 1e-9  # moved onto the tie-break winner; far below one vote's weight (1 / n_segments)


def _track_codes(segment_track_ids, n_segments: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Track ids in first-appearance order, each segment's track index, and each track's first segment."""
    ids = np.asarray(segment_track_ids)
    if ids.ndim != 1 or ids.size == 0:
        raise ValueError(f"segment_track_ids must be non-empty and one-dimensional, got shape {ids.shape}")
    if n_segments is not None and ids.size != n_segments:
        raise ValueError(f"segment_track_ids has {ids.size} entries but there are {n_segments} segments")
    _, first, inverse = np.unique(ids, return_index=True, return_inverse=True)
    order = np.argsort(first)
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    return ids[first[order]], rank[inverse.ravel()], first[order]


def aggregate_tracks(probabilities, segment_track_ids, method: str = "mean") -> tuple[np.ndarray, np.ndarray]:
    """Combine segment probabilities into one probability row per track."""
    if method not in AGGREGATION_METHODS:
        raise ValueError(f"method must be one of {AGGREGATION_METHODS}, got {method!r}")
    probabilities = np.asarray(probabilities, dtype=np.float64)
    if probabilities.ndim != 2 or 0 in probabilities.shape:
        raise ValueError(f"probabilities must be a non-empty (n_segments, n_classes) array, got {probabilities.shape}")
    if not np.all(np.isfinite(probabilities)):
        raise ValueError("probabilities contains NaN or infinite values")
    track_ids, codes, _ = _track_codes(segment_track_ids, probabilities.shape[0])
    n_tracks, n_classes = track_ids.size, probabilities.shape[1]
    counts = np.bincount(codes, minlength=n_tracks).astype(np.float64)
    means = np.zeros((n_tracks, n_classes))
    np.add.at(means, codes, probabilities)
    means /= counts[:, None]
    if method == "mean":
        return track_ids, means
    votes = np.zeros((n_tracks, n_classes))
    np.add.at(votes, (codes, probabilities.argmax(axis=1)), 1.0)
    fractions = votes / counts[:, None]
    tied = votes == votes.max(axis=1, keepdims=True)
    for row in np.flatnonzero(tied.sum(axis=1) > 1):
        candidates = np.flatnonzero(tied[row])
        winner = candidates[np.argmax(means[row, candidates])]  # first maximum: lower index on equal means
        losers = candidates[candidates != winner]
        fractions[row, winner] += VOTE_TIE_NUDGE
        fractions[row, losers] -= VOTE_TIE_NUDGE / losers.size
    return track_ids, fractions


def track_labels(segment_labels, segment_track_ids) -> np.ndarray:
    """One label per track, in order of first appearance (the order of :func:`aggregate_tracks`)."""
    labels = np.asarray(segment_labels)
    if labels.ndim != 1:
        raise ValueError(f"segment_labels must be one-dimensional, got shape {labels.shape}")
    track_ids, codes, first = _track_codes(segment_track_ids, labels.size)
    disagree = labels != labels[first][codes]
    if np.any(disagree):
        bad = list(dict.fromkeys(track_ids[codes[disagree]].tolist()))
        raise ValueError(f"segment_labels disagree within {len(bad)} track(s), e.g. {bad[:5]}")
    return labels[first]

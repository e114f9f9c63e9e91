"""Per-clip summaries for the data exploration and feature visualization notebooks."""

from __future__ import annotations

import numpy as np
import pandas as pd

from genre_utils.audio import AudioError, SAMPLE_RATE, load_audio
from genre_utils.datasets.table import STATUS_OK

SUMMARY_COLUMNS = ("loudness_db", "spectral_centroid_hz", "zero_crossing_rate", "tempo_bpm")
LOUDNESS_FLOOR_DB = -120.0


def clip_summary(samples: np.ndarray, sample_rate: int = SAMPLE_RATE) -> dict:
    """Loudness (RMS dBFS), mean spectral centroid, zero-crossing rate and tempo of a clip."""
    import librosa

    rms = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64))))
    tempo = librosa.feature.tempo(y=samples, sr=sample_rate)
    return {
        "loudness_db": 20 * np.log10(rms) if rms > 0 else LOUDNESS_FLOOR_DB,
        "spectral_centroid_hz": float(librosa.feature.spectral_centroid(y=samples, sr=sample_rate).mean()),
        "zero_crossing_rate": float(librosa.feature.zero_crossing_rate(samples).mean()),
        "tempo_bpm": float(np.atleast_1d(tempo)[0]),
    }


def summarize_tracks(tracks: pd.DataFrame, per_genre: int | None = None, seed: int = 0) -> pd.DataFrame:
    """:func:`clip_summary` of usable tracks (optionally a seeded sample per genre).

    Returns:
        One row per summarized track: ``track_id``, ``genre`` and :data:`SUMMARY_COLUMNS`.
        Clips that fail to decode are left out here; they are in the skipped-files table.
    """
    usable = tracks[tracks["status"] == STATUS_OK]
    if per_genre is not None:
        usable = usable.sample(frac=1.0, random_state=seed).groupby("genre").head(per_genre).sort_values("track_id")
    rows = []
    for row in usable.itertuples():
        try:
            samples = load_audio(row.path)
        except AudioError:
            continue
        rows.append({"track_id": row.track_id, "genre": row.genre, **clip_summary(samples)})
    return pd.DataFrame(rows, columns=["track_id", "genre", *SUMMARY_COLUMNS])


def example_per_genre(tracks: pd.DataFrame) -> pd.DataFrame:
    """The first usable track of each genre (by id), for listening and plotting."""
    usable = tracks[tracks["status"] == STATUS_OK].sort_values("track_id")
    return usable.groupby("genre", as_index=False).first()


def clip_statistics(features: np.ndarray) -> np.ndarray:
    """Mean and standard deviation of each coefficient over frames: ``(n, 2 * n_features)``."""
    if features.ndim != 3:
        raise ValueError(f"features must be (n_clips, n_features, n_frames), got shape {features.shape}")
    return np.concatenate([features.mean(axis=2), features.std(axis=2)], axis=1)


def pca_projection(statistics: np.ndarray, components: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Standardized PCA of clip statistics: the projection and the explained variance ratios."""
    from sklearn.decomposition import PCA
    from sklearn.preprocessing import StandardScaler

    if statistics.shape[0] <= components:
        raise ValueError(f"PCA to {components} components needs more than {components} clips, got {statistics.shape[0]}")
    scaled = StandardScaler().fit_transform(statistics)
    pca = PCA(n_components=components, random_state=0)
    return pca.fit_transform(scaled), pca.explained_variance_ratio_

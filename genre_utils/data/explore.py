"""Per-clip summaries and class counts for the data exploration and feature visualization notebooks."""

from __future__ import annotations

import numpy as np
import pandas as pd

from genre_utils.data.audio import SAMPLE_RATE, AudioError, load_audio
from genre_utils.data.datasets.table import SPLIT_PREFIX, STATUS_OK
from genre_utils.data.splits import SIDES, split_summary

SUMMARY_COLUMNS = ("loudness_db", "spectral_centroid_hz", "zero_crossing_rate", "tempo_bpm")
LOUDNESS_FLOOR_DB = -120.0
NO_GENRE_LABEL = "(no genre)"  # the class_counts row of tracks without a label (FMA-large)
TOTAL_LABEL = "total"
UNBALANCED_RATIO = 1.5  # largest / smallest genre beyond which accuracy alone misleads


def clip_summary(samples: np.ndarray, sample_rate: int = SAMPLE_RATE) -> dict:
    """Loudness (RMS dBFS), mean spectral centroid, zero-crossing rate and tempo of a clip."""
    import librosa  # lazy: librosa

    rms = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64))))
    tempo = librosa.feature.tempo(y=samples, sr=sample_rate)
    return {
        "loudness_db": 20 * np.log10(rms) if rms > 0 else LOUDNESS_FLOOR_DB,
        "spectral_centroid_hz": float(librosa.feature.spectral_centroid(y=samples, sr=sample_rate).mean()),
        "zero_crossing_rate": float(librosa.feature.zero_crossing_rate(samples).mean()),
        "tempo_bpm": float(np.atleast_1d(tempo)[0]),
    }


def summarize_tracks(tracks: pd.DataFrame, per_genre: int | None = None, seed: int = 0) -> pd.DataFrame:
    """:func:`clip_summary` of usable tracks (optionally a seeded sample per genre)."""
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


def class_counts(tracks: pd.DataFrame) -> pd.DataFrame:
    """Clips per genre, the usable ones, each genre's share, and usable clips per side of each published split."""
    genre = tracks["genre"].astype(str).replace("", NO_GENRE_LABEL)
    usable = tracks["status"] == STATUS_OK
    counts = pd.DataFrame({"clips": genre.value_counts(), "usable": genre[usable].value_counts()})
    counts = counts.fillna(0).astype(int).sort_values(["usable", "clips"], ascending=False, kind="stable")
    counts["share"] = (100 * counts["usable"] / max(1, counts["usable"].sum())).round(1)
    for column in [c for c in tracks.columns if c.startswith(SPLIT_PREFIX)]:
        sides = split_summary(tracks[usable].assign(genre=genre[usable]), tracks.loc[usable, column])
        for side in [s for s in SIDES if s in sides.columns]:
            counts[f"{column}: {side}"] = sides[side].reindex(counts.index).fillna(0).astype(int)
    total = counts.sum(numeric_only=True).to_frame(TOTAL_LABEL).T
    total["share"] = 100.0 if counts["usable"].sum() else 0.0
    counts = pd.concat([counts, total.astype(counts.dtypes.to_dict())])
    counts.index.name = "genre"
    return counts


def imbalance_ratio(counts: pd.DataFrame) -> float:
    """Usable clips of the largest genre over the smallest's, from :func:`class_counts` (1.0: balanced)."""
    usable = counts["usable"].drop([NO_GENRE_LABEL, TOTAL_LABEL], errors="ignore")
    if usable.empty:
        return 1.0
    return float(usable.max() / usable.min()) if usable.min() > 0 else float("inf")


def example_per_genre(tracks: pd.DataFrame) -> pd.DataFrame:
    """The first usable track of each genre (by id), for listening and plotting."""
    usable = tracks[tracks["status"] == STATUS_OK].sort_values("track_id")
    return usable.groupby("genre", as_index=False).first()


def clip_statistics(features: np.ndarray) -> np.ndarray:
    """Mean and standard deviation of each coefficient over frames: ``(n_clips, 2 * n_features)``."""
    return np.concatenate([features.mean(axis=2), features.std(axis=2)], axis=1)


def pca_projection(statistics: np.ndarray, components: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Standardized PCA of clip statistics: the projection and the explained variance ratios."""
    from sklearn.decomposition import PCA  # lazy: scikit-learn
    from sklearn.preprocessing import StandardScaler

    if statistics.shape[0] <= components:
        raise ValueError(
            f"PCA to {components} components needs more than {components} clips, got {statistics.shape[0]}"
        )
    scaled = StandardScaler().fit_transform(statistics)
    pca = PCA(n_components=components, random_state=0)
    return pca.fit_transform(scaled), pca.explained_variance_ratio_

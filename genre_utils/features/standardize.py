"""Per-coefficient standardization, fitted on training tracks only.

Mean and standard deviation per feature row, accumulated in float64 over batches of items, so a streamed view is
never loaded whole and gives the same statistics, bit for bit, as the same items in memory.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from genre_utils.paths import write_json

STD_FLOOR = 1e-8  # constant rows are divided by this instead of zero
DEFAULT_BATCH = 64


class Standardizer:
    """``(x - mean) / std`` per feature row, broadcast over frames."""

    def __init__(self):
        self.mean: np.ndarray | None = None
        self.std: np.ndarray | None = None
        self.fitted_on: list[str] = []

    def fit(
        self, features: np.ndarray, rows=None, batch_size: int = DEFAULT_BATCH, fitted_on: list[str] | None = None
    ) -> Standardizer:
        """Fit on ``features[rows]`` (``(n_items, n_features, n_frames)``), batch by batch."""
        if len(features.shape) != 3:
            raise ValueError(f"features must be (n_items, n_features, n_frames), got shape {features.shape}")
        rows = np.arange(features.shape[0]) if rows is None else np.asarray(rows)
        if rows.size == 0:
            raise ValueError("cannot fit a Standardizer on zero rows")
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        batches = [np.sort(rows[start : start + batch_size]) for start in range(0, rows.size, batch_size)]
        total = np.zeros(features.shape[1])
        squares = np.zeros(features.shape[1])
        count = 0
        for batch in batches:
            values = np.asarray(features[batch], dtype=np.float64)
            total += values.sum(axis=(0, 2))
            count += values.shape[0] * values.shape[2]
        self.mean = total / count
        for batch in batches:  # second pass: exact, no cancellation
            values = np.asarray(features[batch], dtype=np.float64)
            squares += np.square(values - self.mean[None, :, None]).sum(axis=(0, 2))
        self.std = np.maximum(np.sqrt(squares / count), STD_FLOOR)
        self.fitted_on = list(fitted_on or [])
        return self

    def transform(self, values: np.ndarray) -> np.ndarray:
        """Standardize ``(n_features, n_frames)`` or ``(n, n_features, n_frames)`` as float32."""
        if self.mean is None:
            raise ValueError("Standardizer.transform called before fit (or load)")
        values = np.asarray(values)
        if values.ndim not in (2, 3) or values.shape[-2] != self.mean.size:
            raise ValueError(f"expected (..., {self.mean.size}, n_frames) features, got shape {values.shape}")
        return ((values - self.mean[:, None]) / self.std[:, None]).astype(np.float32)

    def save(self, path: str | os.PathLike) -> Path:
        """Write the statistics as JSON, atomically."""
        if self.mean is None:
            raise ValueError("Standardizer has not been fitted")
        return write_json(path, {"mean": self.mean.tolist(), "std": self.std.tolist(), "fitted_on": self.fitted_on})

    @classmethod
    def load(cls, path: str | os.PathLike) -> Standardizer:
        """Read statistics written by :meth:`save`."""
        data = json.loads(Path(path).read_text())
        standardizer = cls()
        standardizer.mean = np.asarray(data["mean"], dtype=np.float64)
        standardizer.std = np.asarray(data["std"], dtype=np.float64)
        standardizer.fitted_on = list(data.get("fitted_on", []))
        return standardizer

"""Per-coefficient standardization, fitted on training tracks only.

Statistics are a mean and a standard deviation per feature row (per MFCC coefficient), over
all frames of the training clips. They are accumulated in float64 over batches of rows, so
features on disk -- a memory map, or the lazy item view of a feature store that the streaming
input reads (:class:`genre_utils.models.streaming.StoreItems`) -- are never loaded whole: fitting on
the lazy view and on the same items in memory runs the same batches and gives the same
statistics, bit for bit.
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
    """``(x - mean) / std`` per feature row, broadcast over frames.

    Attributes:
        mean: ``(n_features,)`` float64, or None before :meth:`fit`.
        std: ``(n_features,)`` float64, or None before :meth:`fit`.
        fitted_on: Track ids the statistics come from (for the record).
    """

    def __init__(self):
        self.mean: np.ndarray | None = None
        self.std: np.ndarray | None = None
        self.fitted_on: list[str] = []

    def fit(
        self, features: np.ndarray, rows=None, batch_size: int = DEFAULT_BATCH, fitted_on: list[str] | None = None
    ) -> Standardizer:
        """Fit on ``features[rows]`` (``(n_items, n_features, n_frames)``), batch by batch.

        Args:
            features: Array or memory map of clips or segments, or a lazy view of them: anything
                with ``shape`` whose indexing by an ascending integer array returns those items
                (:class:`genre_utils.models.streaming.StoreItems` reads them from the store).
            rows: Indices of the training items; None uses every item.
            batch_size: Items read at a time.
            fitted_on: Track ids of the training items, stored with the statistics.
        """
        if len(features.shape) != 3:
            raise ValueError(f"features must be (n_items, n_features, n_frames), got shape {features.shape}")
        rows = np.arange(features.shape[0]) if rows is None else np.asarray(rows)
        if rows.size == 0:
            raise ValueError("cannot fit a Standardizer on zero rows")
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        total = np.zeros(features.shape[1])
        squares = np.zeros(features.shape[1])
        count = 0
        for start in range(0, rows.size, batch_size):
            batch = np.asarray(features[np.sort(rows[start : start + batch_size])], dtype=np.float64)
            total += batch.sum(axis=(0, 2))
            count += batch.shape[0] * batch.shape[2]
        self.mean = total / count
        for start in range(0, rows.size, batch_size):  # second pass: exact, no cancellation
            batch = np.asarray(features[np.sort(rows[start : start + batch_size])], dtype=np.float64)
            squares += np.square(batch - self.mean[None, :, None]).sum(axis=(0, 2))
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
        scaled = (values - self.mean[:, None]) / self.std[:, None]
        return scaled.astype(np.float32)

    def to_dict(self) -> dict:
        """JSON-ready statistics."""
        if self.mean is None:
            raise ValueError("Standardizer has not been fitted")
        return {"mean": self.mean.tolist(), "std": self.std.tolist(), "fitted_on": self.fitted_on}

    @classmethod
    def from_dict(cls, data: dict) -> Standardizer:
        """Rebuild from :meth:`to_dict` output."""
        standardizer = cls()
        standardizer.mean = np.asarray(data["mean"], dtype=np.float64)
        standardizer.std = np.asarray(data["std"], dtype=np.float64)
        standardizer.fitted_on = list(data.get("fitted_on", []))
        return standardizer

    def save(self, path: str | os.PathLike) -> Path:
        """Write the statistics as JSON, atomically."""
        return write_json(path, self.to_dict())

    @classmethod
    def load(cls, path: str | os.PathLike) -> Standardizer:
        """Read statistics written by :meth:`save`."""
        return cls.from_dict(json.loads(Path(path).read_text()))

"""What every dataset declares (:class:`Dataset`); families subclass it with how to download and read their data."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from genre_utils import paths
from genre_utils.data.audio import SAMPLE_RATE, AudioError, load_audio
from genre_utils.data.datasets import table as track_table


class MissingDataError(FileNotFoundError, ValueError):
    """A dataset file or folder that is not there; both a ``FileNotFoundError`` and a ``ValueError``."""


@dataclass(frozen=True, eq=False, kw_only=True)
class Dataset:
    """A dataset's declaration; the registry is :mod:`genre_utils.registry`."""

    name: str  # the data folder's name, --dataset
    title: str  # display name ("GTZAN", "FMA-small")
    genres: tuple[str, ...]  # the genre labels, in the dataset's own spelling
    splits: tuple[str, ...]  # the splits of genre_utils.data.splits that apply ("thesis", "kfold" ...)
    citation: str  # BibTeX, or a reference line
    licence: str  # under which terms the data may be used, in words
    generated: bool = False  # its download generates it (the embedded set) rather than fetching it
    thesis_test_per_genre: int | None = None  # where the thesis fixed it; None: a share of the smallest genre
    reference_name: str | None = None  # the published checksum list check_files() checks against
    notice: str | None = None  # Markdown shown wherever results on it appear (the embedded set: synthetic)
    download_options: Mapping[str, object] = field(default_factory=dict)  # {option: default} download() takes
    report_defaults: Mapping[str, object] = field(default_factory=dict)  # report parameters that fit it
    clip_length: float | None = None  # seconds every clip is padded or cropped to; None: clip_seconds() reads it
    min_seconds: float = track_table.MIN_SECONDS  # validate() marks decoded clips shorter than this unusable
    order: int = 100  # listing position in the registry, ties by name; 100: after the project's datasets

    def __post_init__(self):
        object.__setattr__(self, "genres", tuple(self.genres))
        object.__setattr__(self, "splits", tuple(self.splits))
        empty = [name for name in ("title", "citation", "licence", "genres", "splits") if not getattr(self, name)]
        if empty:
            raise ValueError(f"dataset {self.name!r} declares no {', '.join(empty)}")

    def root(self, root: str | os.PathLike | None = None) -> Path:
        """The dataset folder: ``root`` (resolved) when given, else ``<data root>/<name>`` (see :mod:`.paths`)."""
        return Path(root).expanduser().resolve() if root is not None else paths.dataset_dir(self.name)

    def missing(self, what: str) -> MissingDataError:
        """The error for ``what`` is missing, saying how to get the dataset."""
        return MissingDataError(
            f"{what}: run `python -m genre_utils.data download --dataset {self.name}` or point "
            f"{paths.DATA_DIR_ENV} (or root=) at a copy"
        )

    def download(self, root: str | os.PathLike | None = None, progress: bool = True, **options) -> Path:
        """Fetch (or generate) the data into ``root`` unless it is there, with some :attr:`download_options`."""
        unknown = [name for name in options if name not in self.download_options]
        if unknown:
            raise ValueError(
                f"dataset {self.name!r} has no download option {', '.join(unknown)}; its options are "
                f"{', '.join(self.download_options) or 'none'}"
            )
        return self.obtain(self.root(root), progress, **{**self.download_options, **options})

    def options_from(self, parameters: Mapping[str, object]) -> dict:
        """The download options among a notebook's ``parameters``, given as ``<name>_<option>`` (``synthetic_seed``)."""
        prefix = f"{self.name}_"
        return {
            option: parameters[prefix + option] for option in self.download_options if prefix + option in parameters
        }

    def obtain(self, root: Path, progress: bool, **options) -> Path:
        """The dataset's own part of :meth:`download`: ``root`` resolved, every option given (defaults filled)."""
        raise NotImplementedError(f"dataset {self.name!r} ({type(self).__name__}) does not define obtain()")

    def load_tracks(self, root: str | os.PathLike | None = None) -> pd.DataFrame:
        """The track table (:mod:`genre_utils.data.datasets.table`): one row per audio file, none dropped."""
        raise NotImplementedError(f"dataset {self.name!r} ({type(self).__name__}) does not define load_tracks()")

    def validate(self, root: str | os.PathLike | None = None, progress: bool = True) -> pd.DataFrame:
        """The track table, each ``ok`` file decoded: undecodable, silent and too short clips marked in ``status``.

        The decoded duration replaces the header's: headers of truncated files can claim more than they hold.
        """
        tracks = self.load_tracks(root)
        ok = tracks.index[tracks["status"] == track_table.STATUS_OK]
        for index in tqdm(ok, desc="decoding", unit="clip", disable=not progress):
            try:
                samples = load_audio(tracks.at[index, "path"])
            except AudioError as error:
                tracks.at[index, "status"] = error.reason
                continue
            tracks.at[index, "duration"] = samples.shape[-1] / SAMPLE_RATE
            tracks.at[index, "status"] = track_table.audio_status(samples, self.min_seconds)
        return tracks

    def check_files(
        self, tracks: pd.DataFrame | None = None, root: str | os.PathLike | None = None
    ) -> pd.DataFrame | None:
        """Each file against :attr:`reference_name` (:mod:`.checksums`); None when there is nothing to check against."""
        return None

    def clip_seconds(self, root: str | os.PathLike | None = None) -> float:
        """Length every clip is padded or cropped to before feature extraction."""
        if self.clip_length is None:
            raise NotImplementedError(
                f"dataset {self.name!r} declares no clip_length and does not define clip_seconds()"
            )
        return float(self.clip_length)

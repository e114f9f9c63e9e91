"""What every dataset declares, on one shared base, in the style of mirdata's loaders.

A dataset is one module of :mod:`genre_utils.data.datasets` with its constants at the top and a
module-level ``DATASET``: an instance of :class:`Dataset` (or of its family's subclass, such as
the FMA subsets' :class:`~genre_utils.data.datasets.fma.FmaDataset`). The declaration states what a
reader, and every other part of the study, needs to know: its ``name`` (the id used in folders,
``--dataset`` and notebook parameters), a ``title``, its ``genres``, the splits of
:mod:`genre_utils.data.splits` that apply to it, its citation and licence, whether it is
``generated`` (the embedded set: its download generates it), the ``notice`` shown wherever results
on it appear, the extra options its download takes, and the report parameters that fit it. Its
methods download, read and check the data: :meth:`Dataset.download`, :meth:`Dataset.load_tracks`
(the track table of :mod:`genre_utils.data.datasets.table`), :meth:`Dataset.validate`,
:meth:`Dataset.check_files` and :meth:`Dataset.clip_seconds`.

Nothing outside a dataset's own module names it: the study, the report, the command lines and the
notebooks ask the registry (:func:`genre_utils.data.datasets.get_dataset`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from genre_utils import paths
from genre_utils.data.datasets import table as track_table

DEFAULT_ORDER = 100  # where a declaration without its own order is listed: after the project's datasets


@dataclass(frozen=True, eq=False, kw_only=True)
class Dataset:
    """A dataset's declaration; families subclass it with how to download and read their data.

    Attributes:
        name: Short id (lowercase letters, digits, ``_``): the data folder's name, ``--dataset``.
        title: Display name (``"GTZAN"``, ``"FMA-small"``).
        genres: The genre labels, in the dataset's own spelling.
        splits: The splits of :mod:`genre_utils.data.splits` that apply (``"thesis"``, ``"kfold"`` ...).
        citation: BibTeX, or a reference line.
        licence: Under which terms the data may be used, in words.
        generated: True for a dataset whose download generates it (the embedded set) rather than fetching it.
        thesis_test_per_genre: Test tracks per genre of the thesis split, where the thesis fixed it;
            None: a share of the smallest genre (:data:`genre_utils.data.splits.THESIS_TEST_FRACTION`).
        reference_name: What :meth:`check_files` checks against (a published checksum list); None when
            there is none.
        notice: Markdown shown wherever results on it appear (the embedded set: that it is synthetic);
            None for real data.
        download_options: ``{option: default}`` of the extra keyword options :meth:`download` takes.
        report_defaults: Report parameters that fit this dataset (a small generated set's time budget);
            the command line and ``--param`` override each.
        clip_length: Seconds every clip is padded or cropped to before feature extraction, when fixed;
            None: :meth:`clip_seconds` reads it from the data.
        min_seconds: :meth:`validate` marks decoded clips shorter than this unusable.
        order: Listing position in the registry (smaller first); ties by name.
    """

    name: str
    title: str
    genres: tuple[str, ...]
    splits: tuple[str, ...]
    citation: str
    licence: str
    generated: bool = False
    thesis_test_per_genre: int | None = None
    reference_name: str | None = None
    notice: str | None = None
    download_options: Mapping[str, object] = field(default_factory=dict)
    report_defaults: Mapping[str, object] = field(default_factory=dict)
    clip_length: float | None = None
    min_seconds: float = track_table.MIN_SECONDS
    order: int = DEFAULT_ORDER

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name.replace("_", "").isalnum() or self.name != self.name.lower():
            raise ValueError(f"dataset name must be lowercase letters, digits or '_', got {self.name!r}")
        object.__setattr__(self, "genres", tuple(self.genres))
        object.__setattr__(self, "splits", tuple(self.splits))
        for attribute in ("title", "citation", "licence"):
            if not isinstance(getattr(self, attribute), str) or not getattr(self, attribute).strip():
                raise ValueError(f"dataset {self.name!r}: {attribute} must be a non-empty string")
        if not self.genres or not all(isinstance(genre, str) and genre for genre in self.genres):
            raise ValueError(f"dataset {self.name!r}: genres must be a non-empty tuple of names, got {self.genres!r}")
        if not self.splits:
            raise ValueError(f"dataset {self.name!r}: splits must name at least one split")
        if not isinstance(self.generated, bool):
            raise ValueError(f"dataset {self.name!r}: generated must be True or False, got {self.generated!r}")
        if self.notice is not None and (not isinstance(self.notice, str) or not self.notice.strip()):
            raise ValueError(f"dataset {self.name!r}: notice must be Markdown text or None, got {self.notice!r}")
        if self.thesis_test_per_genre is not None and (
            not isinstance(self.thesis_test_per_genre, int) or self.thesis_test_per_genre < 1
        ):
            raise ValueError(
                f"dataset {self.name!r}: thesis_test_per_genre must be an integer >= 1 or None, "
                f"got {self.thesis_test_per_genre!r}"
            )

    # -- where the data lives ---------------------------------------------------------------------

    def default_root(self) -> Path:
        """``<data root>/<name>`` (see :func:`genre_utils.paths.dataset_dir`)."""
        return paths.dataset_dir(self.name)

    def root(self, root: str | os.PathLike | None = None) -> Path:
        """The dataset folder: ``root`` (resolved) when given, else :meth:`default_root`."""
        return Path(root).expanduser().resolve() if root is not None else self.default_root()

    # -- the interface every dataset offers -------------------------------------------------------

    def download(self, root: str | os.PathLike | None = None, progress: bool = True, **options) -> Path:
        """Fetch (or, for a generated dataset, generate) the data into ``root`` unless it is there; the folder.

        Args:
            root: Dataset folder; default :meth:`default_root`.
            progress: Show progress bars.
            **options: Some of :attr:`download_options` (the others take their defaults).

        Raises:
            ValueError: One line naming the dataset and an option it does not take.
        """
        unknown = [name for name in options if name not in self.download_options]
        if unknown:
            raise ValueError(
                f"dataset {self.name!r} has no download option {', '.join(unknown)}; its options are "
                f"{', '.join(self.download_options) or 'none'}"
            )
        return self.obtain(self.root(root), progress, **{**self.download_options, **options})

    def options_from(self, parameters: Mapping[str, object]) -> dict:
        """The download options given among ``parameters`` (a notebook's ``globals()``) as ``<name>_<option>``
        (the embedded set's ``synthetic_clips_per_genre``); options not given are left out (their defaults)."""
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
        """Decode every usable clip; the track table with failures, clips under :attr:`min_seconds` and
        silent ones marked in ``status``."""
        return track_table.decode_check(self.load_tracks(root), min_seconds=self.min_seconds, progress=progress)

    def check_files(
        self, tracks: pd.DataFrame | None = None, root: str | os.PathLike | None = None
    ) -> pd.DataFrame | None:
        """Each file against :attr:`reference_name` (see :mod:`genre_utils.data.datasets.checksums`);
        None when there is nothing to check against."""
        return None

    def clip_seconds(self, root: str | os.PathLike | None = None) -> float:
        """Length every clip is padded or cropped to before feature extraction."""
        if self.clip_length is None:
            raise NotImplementedError(
                f"dataset {self.name!r} ({type(self).__name__}) declares no clip_length "
                "and does not define clip_seconds()"
            )
        return float(self.clip_length)

    def summary(self) -> dict:
        """The declaration as plain literals (for tables)."""
        return {
            "name": self.name,
            "title": self.title,
            "genres": len(self.genres),
            "splits": list(self.splits),
            "generated": self.generated,
            "reference": self.reference_name or "",
            "download_options": dict(self.download_options),
            "licence": self.licence,
        }

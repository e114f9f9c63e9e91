"""The data command line, run as ``python -m genre_utils.data``: download, validate and extract a dataset.

Notebooks call :func:`genre_utils.features.extraction.prepare_features`; people who work outside
notebooks use::

    python -m genre_utils.data download --dataset gtzan [--root DIR]
    python -m genre_utils.data validate --dataset gtzan [--root DIR] [--cache-dir DIR]
    python -m genre_utils.data extract  --dataset gtzan [--root DIR] [--cache-dir DIR] [--features mfcc]
                                        [--scheduler tcp://host:8786] [--engine auto|dask|processes]

Each prints what it found, skipped and wrote. ``--root`` defaults to ``$GENRE_DATA_DIR/<dataset>``
or ``data/<dataset>`` in the project. ``validate`` also checks every file against the published
checksums (GTZAN: the original clips' MD5s; FMA: ``fma_<subset>/checksums``) and prints
each clip that differs or is missing and one summary line.

``--cache-dir DIR`` (or ``GENRE_CACHE_DIR=DIR``) writes the feature cache to ``DIR/features`` and
the tables of ``validate`` to ``DIR/<dataset>``, for a read-only data root. A read-only folder or a
full disk is one line, exit status 2; Ctrl-C stops at once (exit status 130) and the same command
resumes.

``extract`` runs on the Dask scheduler given by ``--scheduler`` (or ``GENRE_DASK_SCHEDULER``), else
on a process pool of ``--workers`` processes; ``--engine dask`` starts a Dask LocalCluster instead.
"""

from __future__ import annotations

if __name__ == "__main__":  # before the imports below load TensorFlow, whose C++ log lines go straight to stderr
    from genre_utils.quiet import quiet_stderr

    quiet_stderr()

import argparse
import os
import sys
from pathlib import Path

import pandas as pd

from genre_utils import paths
from genre_utils.data.datasets import checksums, dataset_names, dataset_root, datasets, get_dataset
from genre_utils.data.datasets.table import skipped_files
from genre_utils.features.cluster import SCHEDULER_ENV
from genre_utils.features.extraction import prepare_features
from genre_utils.features.kinds import FEATURE_KINDS
from genre_utils.features.store import DEFAULT_ENGINE, ENGINES
from genre_utils.paths import write_csv

TRACKS_FILE = "tracks.csv"
SKIPPED_FILE = "skipped.csv"
CHECKS_FILE = "file_checks.csv"
INTERRUPTED_STATUS = 130  # 128 + SIGINT, as shells report Ctrl-C


def _summary(tracks: pd.DataFrame) -> str:
    counts = tracks.groupby("genre")["status"].agg(total="size", usable=lambda s: int((s == "ok").sum()))
    return counts.to_string()


def _command_download(args) -> int:
    dataset = get_dataset(args.dataset)
    folder = dataset.root(args.root)
    dataset.download(folder, progress=not args.quiet, **_download_options(args))
    print(f"{args.dataset}: data ready in {folder}")
    return 0


def tables_dir(dataset: str, root: str | os.PathLike | None = None, cache_dir: str | os.PathLike | None = None) -> Path:
    """Where ``validate`` writes ``tracks.csv`` and ``skipped.csv`` of ``dataset``.

    ``<cache dir>/<dataset>`` when ``cache_dir`` or ``GENRE_CACHE_DIR`` is given, else the
    dataset folder.
    """
    return paths.tables_dir(dataset, dataset_root(dataset, root), cache_dir)


def _command_validate(args) -> int:
    dataset = get_dataset(args.dataset)
    folder = dataset.root(args.root)
    tables = paths.tables_dir(args.dataset, folder, args.cache_dir)
    paths.require_writable(tables, "the track tables")  # before the long decode, not after
    tracks = dataset.validate(folder, progress=not args.quiet)
    skipped = skipped_files(tracks)
    print(f"{args.dataset}: found {len(tracks)} clips in {folder}")
    print(_summary(tracks))
    print(f"skipped {len(skipped)} unusable clip(s)")
    if not skipped.empty:
        print(skipped.to_string(index=False))
    written = [tables / TRACKS_FILE, tables / SKIPPED_FILE]
    report = dataset.check_files(tracks, folder)
    if report is not None:
        print(f"files checked against {dataset.reference_name}:")
        for line in checksums.problem_lines(report, dataset.reference_name):
            print(line)
        print(checksums.summary_line(report))
        write_csv(tables / CHECKS_FILE, report)
        written.append(tables / CHECKS_FILE)
    write_csv(tables / TRACKS_FILE, tracks)
    write_csv(tables / SKIPPED_FILE, skipped)
    print(f"wrote {', '.join(str(path) for path in written)}")
    return 0


def _command_extract(args) -> int:
    cache = args.cache if args.cache is not None else paths.features_dir(args.cache_dir)
    if args.cache is None and args.cache_dir is not None and "://" in args.cache_dir:  # an fsspec URL (s3://...)
        cache = f"{args.cache_dir.rstrip('/')}/{paths.FEATURE_CACHE_NAME}"
    store = prepare_features(
        args.dataset,
        args.root,
        kind=args.features,
        cache_dir=cache,
        workers=args.workers,
        progress=not args.quiet,
        engine=args.engine,
        scheduler=args.scheduler,
    )
    print(f"{args.dataset}: {len(store.tracks)} clips, {len(store.usable)} extracted, {len(store.skipped)} skipped")
    if not store.skipped.empty:
        print(store.skipped.to_string(index=False))
    print(f"features {tuple(store.features.shape)} ({store.config.kind}) in {store.directory}")
    return 0


def _flag(option: str) -> str:
    return "--" + option.replace("_", "-")


def _option_owners() -> dict[str, list]:
    """``{download option: [the datasets that declare it]}``, over every registered dataset."""
    owners: dict[str, list] = {}
    for dataset in datasets():
        for option in dataset.download_options:
            owners.setdefault(option, []).append(dataset)
    return owners


def _download_options(args) -> dict:
    """The download options given on the command line; each must be one ``--dataset`` declares."""
    given = {name: getattr(args, name) for name in _option_owners() if getattr(args, name, None) is not None}
    declared = get_dataset(args.dataset).download_options
    foreign = [name for name in given if name not in declared]
    if foreign:
        owners = sorted({dataset.name for name in foreign for dataset in _option_owners()[name]})
        raise ValueError(
            f"{'/'.join(_flag(name) for name in foreign)} only apply to --dataset {', '.join(owners)}, "
            f"not {args.dataset!r} (whose download takes "
            f"{', '.join(_flag(name) for name in declared) or 'no options'})"
        )
    return given


def build_parser() -> argparse.ArgumentParser:
    """The ``python -m genre_utils.data`` argument parser."""
    parser = argparse.ArgumentParser(prog="python -m genre_utils.data", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for name, handler, text in (
        ("download", _command_download, "fetch (or generate) a dataset, verified by checksum"),
        ("validate", _command_validate, "decode every clip and report the unusable ones"),
        ("extract", _command_extract, "extract features into the on-disk cache"),
    ):
        sub = commands.add_parser(name, help=text, description=text)
        sub.set_defaults(handler=handler)
        sub.add_argument("--dataset", required=True, choices=dataset_names())
        sub.add_argument("--root", help="dataset folder (default: $GENRE_DATA_DIR/<dataset> or data/<dataset>)")
        sub.add_argument("--quiet", action="store_true", help="no progress bars")
        if name in ("validate", "extract"):
            sub.add_argument(
                "--cache-dir",
                help=f"write the feature cache (DIR/features) and the track tables "
                f"(DIR/<dataset>) here, e.g. when the data root is read-only "
                f"(default: ${paths.CACHE_DIR_ENV}, else the data root)",
            )
        if name == "download":  # the options datasets declare for their download (the embedded set's generator)
            for option, owners in _option_owners().items():
                default = owners[0].download_options[option]
                plain = isinstance(default, (int, float, str)) and not isinstance(default, bool)
                kind = type(default) if plain else str
                sub.add_argument(
                    _flag(option),
                    type=kind,
                    dest=option,
                    help=f"{', '.join(d.name for d in owners)} only (default {default})",
                )
        if name == "extract":
            sub.add_argument("--features", default="mfcc", choices=FEATURE_KINDS)
            sub.add_argument("--workers", type=int, help="processes (default: all cores)")
            sub.add_argument(
                "--engine",
                default=DEFAULT_ENGINE,
                choices=ENGINES,
                help="auto (default: Dask when a scheduler is named, else a process pool), "
                "dask (a scheduler, else a LocalCluster) or processes",
            )
            sub.add_argument(
                "--scheduler",
                help=f"Dask scheduler address, e.g. tcp://host:8786 (default: ${SCHEDULER_ENV}, else none)",
            )
            sub.add_argument("--cache", help=argparse.SUPPRESS)  # older spelling: the features folder itself
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; errors print one clear line and exit with status 2."""
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except KeyboardInterrupt:
        print("interrupted: finished work is kept; run the same command again to resume", file=sys.stderr)
        return INTERRUPTED_STATUS
    except (ValueError, FileNotFoundError, RuntimeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        if paths.is_read_only_error(error) and error.filename:
            folder = paths.nearest_existing(Path(error.filename).parent)
            print(f"error: {paths.read_only_message(folder, 'files')}", file=sys.stderr)
            return 2
        raise


if __name__ == "__main__":
    sys.exit(main())

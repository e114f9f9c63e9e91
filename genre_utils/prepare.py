"""The data command line, ``python -m genre_utils.data``: download, validate and extract a dataset.

    python -m genre_utils.data download --dataset gtzan [--root DIR]
    python -m genre_utils.data validate --dataset gtzan [--root DIR] [--cache-dir DIR]
    python -m genre_utils.data extract  --dataset gtzan [--root DIR] [--cache-dir DIR] [--features mfcc]
                                        [--scheduler tcp://host:8786] [--engine auto|dask|processes]

``validate`` also checks every file against the published checksums. A read-only folder or a full disk is one
line, exit status 2; Ctrl-C exits with 130 and the same command resumes.
"""

from __future__ import annotations

if __name__ == "__main__":  # the data commands do not use TensorFlow
    from genre_utils.quiet import quiet

    quiet()

import argparse
import sys
from pathlib import Path

from genre_utils import paths
from genre_utils.data.datasets import checksums, dataset_names, datasets, get_dataset
from genre_utils.data.datasets.table import skipped_files
from genre_utils.features.cluster import SCHEDULER_ENV
from genre_utils.features.extraction import prepare_features
from genre_utils.features.kinds import FEATURE_KINDS
from genre_utils.paths import write_csv

TRACKS_FILE, SKIPPED_FILE, CHECKS_FILE = "tracks.csv", "skipped.csv", "file_checks.csv"
INTERRUPTED_STATUS = 130  # 128 + SIGINT, as shells report Ctrl-C


def _command_download(args) -> int:
    dataset = get_dataset(args.dataset)
    folder = dataset.root(args.root)
    dataset.download(folder, progress=not args.quiet, **_download_options(args))
    print(f"{args.dataset}: data ready in {folder}")
    return 0


def _command_validate(args) -> int:
    dataset = get_dataset(args.dataset)
    folder = dataset.root(args.root)
    tables = paths.tables_dir(args.dataset, folder, args.cache_dir)
    paths.require_writable(tables, "the track tables")  # before the long decode, not after
    tracks = dataset.validate(folder, progress=not args.quiet)
    skipped = skipped_files(tracks)
    print(f"{args.dataset}: found {len(tracks)} clips in {folder}")
    print(tracks.groupby("genre")["status"].agg(total="size", usable=lambda s: int((s == "ok").sum())).to_string())
    print(f"skipped {len(skipped)} unusable clip(s)" + ("" if skipped.empty else f"\n{skipped.to_string(index=False)}"))
    written = [tables / TRACKS_FILE, tables / SKIPPED_FILE]
    report = dataset.check_files(tracks, folder)
    if report is not None:
        print(f"files checked against {dataset.reference_name}:")
        print(*checksums.problem_lines(report, dataset.reference_name), checksums.summary_line(report), sep="\n")
        write_csv(tables / CHECKS_FILE, report)
        written.append(tables / CHECKS_FILE)
    write_csv(tables / TRACKS_FILE, tracks)
    write_csv(tables / SKIPPED_FILE, skipped)
    print(f"wrote {', '.join(str(path) for path in written)}")
    return 0


def _command_extract(args) -> int:
    cache = args.cache if args.cache is not None else paths.feature_cache_dir(args.cache_dir)
    if args.cache is None and args.cache_dir is not None and "://" in args.cache_dir:  # an fsspec URL (s3://...)
        cache = f"{args.cache_dir.rstrip('/')}/{paths.FEATURE_CACHE_NAME}"
    store = prepare_features(
        args.dataset,
        args.root,
        kind=args.features,
        cache_dir=cache,
        workers=args.workers,
        progress=not args.quiet,
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
    """``{download option: [the datasets that declare it]}``."""
    owners: dict[str, list] = {}
    for dataset in datasets():
        for option in dataset.download_options:
            owners.setdefault(option, []).append(dataset)
    return owners


def _download_options(args) -> dict:
    """The download options given on the command line; each must be one ``--dataset`` declares."""
    owners = _option_owners()
    given = {name: getattr(args, name) for name in owners if getattr(args, name, None) is not None}
    declared = get_dataset(args.dataset).download_options
    foreign = [name for name in given if name not in declared]
    if foreign:
        names = sorted({dataset.name for name in foreign for dataset in owners[name]})
        raise ValueError(
            f"{'/'.join(_flag(name) for name in foreign)} only apply to --dataset {', '.join(names)}, "
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
        add = sub.add_argument
        add("--dataset", required=True, choices=dataset_names())
        add("--root", help="dataset folder (default: $GENRE_DATA_DIR/<dataset> or data/<dataset>)")
        add("--quiet", action="store_true", help="no progress bars")
        if name == "download":  # the options datasets declare for their download (the embedded set's generator)
            for option, owners in _option_owners().items():
                default = owners[0].download_options[option]
                plain = isinstance(default, (int, float, str)) and not isinstance(default, bool)
                hint = f"{', '.join(d.name for d in owners)} only (default {default})"
                add(_flag(option), type=type(default) if plain else str, dest=option, help=hint)
        else:
            add(
                "--cache-dir",
                help=f"feature cache (DIR/features) and track tables (DIR/<dataset>), e.g. for a "
                f"read-only data root (default: ${paths.CACHE_DIR_ENV}, else the data root)",
            )
        if name == "extract":
            add("--features", default="mfcc", choices=FEATURE_KINDS)
            add("--workers", type=int, help="processes (default: all cores)")
            add("--engine", default="auto", choices=("auto", "dask", "processes"), help="ignored (Dask extracts)")
            add("--scheduler", help=f"Dask scheduler address, e.g. tcp://host:8786 (default: ${SCHEDULER_ENV})")
            add("--cache", help=argparse.SUPPRESS)  # older spelling: the features folder itself
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

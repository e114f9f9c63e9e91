"""Training cost of the networks among the contenders on this machine, whole clips against 3 s segments.

For each Keras contender of the registry (default: all; ``--models`` picks some) and each
training unit it prints

- clip: N clips (default 800, the GTZAN training-set size) of the contender's own features x 1292
  frames (30 s at hop 512; 20 MFCCs for the thesis models, 128 log-mel bands for the CRNN), N
  items per epoch;
- segment: the same N clips cut with ``segment_features`` into 3 s segments of
  ``FeatureConfig().frames_for_seconds(3.0)`` = 129 frames, 10 per clip, 10 N items per epoch;

the seconds per epoch in steady state (the mean of the epochs after the first, so graph tracing
is excluded), the first epoch's extra cost (tracing and warm-up) separately, the peak resident
memory of the process (MiB, ``ru_maxrss``; also after import and model building, for
reference), and the trainable parameter count. The Keras backend is the study's TensorFlow unless
``KERAS_BACKEND`` says otherwise (the script reports which backend ran on which device: on a
machine with a GPU but no TensorFlow, ``KERAS_BACKEND=jax`` measures the same Keras models there). It then projects a
GTZAN study -- every measured model,
one seed, E epochs (``--study-epochs``, default ``DEFAULT_EPOCHS``, the early-stopping bound) --
per unit as the sum over models of first epoch + (E - 1) x seconds per epoch, and compares it
with the goal of 15 minutes on 2 CPU cores; a second line gives the same projection for the
typical early-stopped run (``--typical-epochs``, default 20).

The data are random standardized float32 arrays with 10 balanced labels: this measures cost,
not accuracy. Each (model, unit) measurement runs in a fresh Python process that builds its own
arrays, so peaks do not leak between measurements. The model is built after ``set_seeds(0)``
(op determinism on) and fitted with ``model.fit(batch_size=32, shuffle=True)`` as in
``genre_utils.experiment.runner``, but without validation data: the study's per-epoch validation
pass (forward only, about an eighth of the items) and model saving add a few percent on top.

    python benchmarks/training.py [--clips 800] [--epochs 2] [--models NAME ...]
        [--units clip segment] [--study-epochs 40] [--typical-epochs 20] [--batch-size 32]
        [--nondeterministic]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import textwrap

GOAL_MINUTES = 15.0
CORES_OF_GOAL = 2
N_CLASSES = 10
SEGMENT_SECONDS = 3.0

CHILD = (
    textwrap.dedent(
        """
    import json, resource, sys, time
    model_name, unit, clips, epochs, batch_size, deterministic = (
        sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6] == "1")
    import numpy as np
    import keras
    from genre_utils.features.kinds import FeatureConfig, segment_features
    from genre_utils.models import build_model, get_contender
    from genre_utils.models.keras_family import parameter_count
    from genre_utils.models.hyperparameters import DEFAULT_EPOCHS
    from genre_utils.models.training import one_hot, set_seeds
    mib = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    config = FeatureConfig(kind=get_contender(model_name).features)
    n_features, n_frames = config.n_features, config.n_frames
    rng = np.random.default_rng(0)
    labels = np.arange(clips) % N_CLASSES  # balanced
    if unit == "clip":
        x = rng.standard_normal((clips, n_features, n_frames), dtype=np.float32)
        y = labels
    else:
        # Cut clip by clip, as the study does, without holding all whole clips at once.
        frames = config.frames_for_seconds(SEGMENT_SECONDS)
        parts = [segment_features(rng.standard_normal((n_features, n_frames), dtype=np.float32), frames)
                 for _ in range(clips)]
        y = np.repeat(labels, [len(p) for p in parts])
        x = np.concatenate(parts)
        del parts
    determinism = set_seeds(0, deterministic=deterministic)
    model = build_model(model_name, x.shape[1:], N_CLASSES)
    targets = one_hot(y, N_CLASSES)
    built_mib = mib()
    times = []
    class Clock(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()
        def on_epoch_end(self, epoch, logs=None):
            times.append(time.perf_counter() - self.start)
    model.fit(x, targets, epochs=epochs, batch_size=batch_size, shuffle=True, callbacks=[Clock()], verbose=0)
    import importlib, os
    backend = keras.backend.backend()
    backend_version = importlib.import_module(backend).__version__
    if backend == "jax":
        import jax
        devices = sorted({d.platform for d in jax.devices()})
    elif backend == "torch":
        import torch
        devices = ["cuda"] if torch.cuda.is_available() else ["cpu"]
    else:
        import tensorflow as tf
        devices = ["gpu"] if tf.config.list_physical_devices("GPU") else ["cpu"]
    print(json.dumps({"model": model_name, "unit": unit, "items": len(x), "shape": list(x.shape[1:]),
                      "epoch_seconds": times, "parameters": parameter_count(model),
                      "built_mib": built_mib, "peak_mib": mib(), "determinism": determinism,
                      "backend": f"{backend} {backend_version} on {'+'.join(devices)}",
                      "cpus": len(os.sched_getaffinity(0)), "default_epochs": DEFAULT_EPOCHS}))
    """
    )
    .replace("N_CLASSES", str(N_CLASSES))
    .replace("SEGMENT_SECONDS", repr(SEGMENT_SECONDS))
)


def measure(model: str, unit: str, clips: int, epochs: int, batch_size: int, deterministic: bool) -> dict:
    """Train one (model, unit) in a fresh interpreter and return its JSON line."""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            CHILD,
            model,
            unit,
            str(clips),
            str(epochs),
            str(batch_size),
            "1" if deterministic else "0",
        ],
        capture_output=True,
        text=True,
        env=env,
    )
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"measurement {model}/{unit} failed with exit status {done.returncode}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def steady(result: dict) -> tuple[float, float, float]:
    """(first epoch s, steady s per epoch, first epoch's extra s); with one epoch, the first is all there is."""
    times = result["epoch_seconds"]
    first = times[0]
    per_epoch = sum(times[1:]) / len(times[1:]) if len(times) > 1 else first
    return first, per_epoch, first - per_epoch


def projection(results: list[dict], epochs: int) -> float:
    """Minutes for one seed of every measured model over ``epochs`` epochs."""
    total = 0.0
    for result in results:
        first, per_epoch, _ = steady(result)
        total += first + (epochs - 1) * per_epoch
    return total / 60


def verdict(minutes: float) -> str:
    if minutes <= GOAL_MINUTES:
        return "meets the 15-minute goal"
    return f"over the goal by {minutes - GOAL_MINUTES:.1f} min ({minutes / GOAL_MINUTES:.1f}x)"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clips", type=int, default=800, help="clips (GTZAN training set: 800)")
    parser.add_argument("--epochs", type=int, default=2, help="epochs to measure (>= 2 to separate tracing)")
    from genre_utils.models import contenders

    networks = [c.name for c in contenders() if c.family == "keras"]
    parser.add_argument(
        "--models",
        nargs="+",
        choices=networks,
        default=networks,
        help="Keras contenders to measure (default: all of them)",
    )
    parser.add_argument("--units", nargs="+", choices=("clip", "segment"), default=["clip", "segment"])
    parser.add_argument(
        "--study-epochs",
        type=int,
        help="epochs of the projected study (default: genre_utils.models.training.DEFAULT_EPOCHS, "
        "the early-stopping bound)",
    )
    parser.add_argument("--typical-epochs", type=int, default=20, help="epochs of a typical early-stopped run")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument(
        "--nondeterministic", action="store_true", help="leave TensorFlow op determinism off (the study turns it on)"
    )
    args = parser.parse_args(argv)
    for name in ("clips", "epochs", "study_epochs", "typical_epochs", "batch_size"):
        if getattr(args, name) is not None and getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be >= 1")

    cpus = len(os.sched_getaffinity(0))
    print(
        f"CPUs: {cpus} (goal: {GOAL_MINUTES:g} min on {CORES_OF_GOAL} cores); {args.clips} clips, "
        f"{args.epochs} epochs measured, batch {args.batch_size}",
        flush=True,
    )
    if args.epochs < 2:
        print("note: one epoch measured, so s/epoch includes graph tracing and the first-epoch extra is 0")
    header = (
        f"{'model':>5} {'unit':>8} {'items':>6} {'shape':>9} {'params':>8} {'s/epoch':>8} "
        f"{'1st extra s':>11} {'built MiB':>10} {'peak MiB':>9}"
    )
    results: list[dict] = []
    for model in args.models:
        for unit in args.units:
            result = measure(model, unit, args.clips, args.epochs, args.batch_size, not args.nondeterministic)
            if not results:
                print(f"Keras backend {result['backend']}, op determinism {'on' if result['determinism'] else 'off'}")
                print(header)
            results.append(result)
            _, per_epoch, extra = steady(result)
            shape = "x".join(map(str, result["shape"]))
            print(
                f"{model:>5} {unit:>8} {result['items']:>6} {shape:>9} {result['parameters']:>8,} "
                f"{per_epoch:>8.2f} {extra:>11.2f} {result['built_mib']:>10.0f} {result['peak_mib']:>9.0f}",
                flush=True,
            )

    # The parent stays free of TensorFlow (slow to import, noisy); the child reports the default.
    study_epochs = args.study_epochs or results[0]["default_epochs"]
    models = "+".join(args.models)
    scale = "" if args.clips == 800 else f" (measured on {args.clips} clips, not GTZAN's 800)"
    print(f"\nprojected study: {models}, one seed{scale}")
    for unit in args.units:
        chosen = [r for r in results if r["unit"] == unit]
        for label, epochs in (("study", study_epochs), ("typical", args.typical_epochs)):
            minutes = projection(chosen, epochs)
            print(f"  {unit:>8}, {label:>7} {epochs:>3} epochs: {minutes:7.1f} min -- {verdict(minutes)}")
    if cpus != CORES_OF_GOAL:
        print(f"note: measured on {cpus} CPUs; the goal is for {CORES_OF_GOAL}")


if __name__ == "__main__":
    main()

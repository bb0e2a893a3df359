"""The ``tda-nn`` command: ``analyze``, ``compare``, ``track`` and ``demo``.

Exit codes: 0 success; 1 an unexpected failure (a bug: the traceback is shown
with ``--debug``); 2 a user's mistake (missing file, wrong factory path, unknown
layer, shape mismatch), reported as one line on stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from . import __version__

__all__ = ["build_parser", "load_data", "main"]


class UsageError(Exception):
    """A mistake in the command line or its inputs: one line, exit code 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tda-nn",
        description="Topology of neural-network representations: analyse checkpoints, compare layers, track training.",
    )
    parser.add_argument("--version", action="version", version=f"tda-nn {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def common(p: argparse.ArgumentParser, *, out_default: str) -> None:
        p.add_argument("--model", help="model factory as package.module:function (returns an nn.Module)")
        p.add_argument("--data", default="digits",
                       help="'digits' (8x8 images), 'digits:flat' (64 features), a .npy/.npz/.pt file, "
                            "or package.module:function returning the data (default: digits)")
        p.add_argument("--layers", nargs="+", help="module names or glob patterns (default: the model's main layers)")
        p.add_argument("--max-samples", type=int, default=1000, help="samples to capture (default: 1000)")
        p.add_argument("--max-points", type=int, default=500,
                       help="max-min landmarks per layer for persistence (default: 500)")
        p.add_argument("--maxdim", type=int, default=1, help="highest homology dimension (default: 1)")
        p.add_argument("--out", default=out_default, help=f"output directory (default: {out_default})")
        p.add_argument("--trust-checkpoint", action="store_true",
                       help="allow checkpoints holding arbitrary pickled objects (they can run code: only for files you trust)")
        p.add_argument("--json", action="store_true", help="print the summary as JSON on stdout")
        p.add_argument("--no-progress", action="store_true", help="no progress bars")
        p.add_argument("--seed", type=int, default=0)
        p.add_argument("--debug", action="store_true", help="show tracebacks")

    a = sub.add_parser("analyze", help="analyse one checkpoint: diagrams, layer profile, layer distances, CKA")
    a.add_argument("--checkpoint", help="state dict (.pt) or .safetensors; TorchScript archives are refused (exit 2): "
                   "forward hooks do not work on ScriptModules, so save the eager model's state dict")
    a.add_argument("--probe", action="store_true", help="also run topological probes against a linear probe and a shuffled control")
    a.add_argument("--probe-kind", choices=("cloud", "image"), default="cloud",
                   help="probe input: per-sample point clouds (Rips) or feature-map images (cubical)")
    a.add_argument("--probe-layers", nargs="+", help="layers for the probes (default: every captured layer with "
                                                      "per-sample structure)")
    a.add_argument("--symmetry", type=lambda s: [n.strip() for n in s.split(",") if n.strip()],
                   help="add a Symmetries section for these actions, comma-separated: rotate, rot90, translate, "
                        "shift, flip (e.g. rotate,translate,flip)")
    common(a, out_default="tda_nn_report")

    c = sub.add_parser("compare", help="compare checkpoints of one architecture, layer by layer (or layers of one checkpoint)")
    c.add_argument("checkpoints", nargs="+", help="two or more checkpoints (or one, with --layers, to compare its layers)")
    c.add_argument("--metric", default="wasserstein", choices=("wasserstein", "bottleneck", "sliced_wasserstein"),
                   help="diagram distance (default: wasserstein)")
    common(c, out_default="tda_nn_compare")

    t = sub.add_parser("track", help="topology over training from a directory of checkpoints")
    t.add_argument("directory", help="directory of checkpoints (*.pt, *.safetensors), in natural name order (step_5 before step_10)")
    common(t, out_default="tda_nn_track")

    d = sub.add_parser("demo", help="train a small CNN on scikit-learn's digits, analyse it, write a report")
    d.add_argument("--out", default="tda_nn_demo",
                   help="output directory (default: tda_nn_demo/ in the working directory, as the README says)")
    d.add_argument("--epochs", type=int, default=30)
    d.add_argument("--json", action="store_true", help="print the summary as JSON on stdout")
    d.add_argument("--no-progress", action="store_true", help="no progress bars")
    d.add_argument("--debug", action="store_true", help="show tracebacks")
    return parser


# -- data -------------------------------------------------------------------------
def load_data(spec: str) -> Any:
    """Resolve ``--data``: 'digits', 'digits:flat', a .npy/.npz/.pt file, or 'package.module:function'."""
    import numpy as np

    if spec in ("digits", "digits:flat"):
        from sklearn.datasets import load_digits

        X, y = load_digits(return_X_y=True)
        X = (X / 16.0).astype(np.float32)
        return (X if spec == "digits:flat" else X.reshape(-1, 1, 8, 8)), y
    path = Path(spec)
    if path.suffix in (".npy", ".npz", ".pt", ".pth"):
        if not path.exists():
            raise UsageError(f"data file {spec!r} does not exist.")
        if path.suffix == ".npy":
            return np.load(path, allow_pickle=False)
        if path.suffix == ".npz":
            with np.load(path, allow_pickle=False) as z:
                if "X" not in z:
                    raise UsageError(f"data file {spec!r} must hold an array named 'X' (and optionally 'y'), has {list(z)}.")
                return (z["X"], z["y"]) if "y" in z else z["X"]
        from .nn.checkpoints import load_tensors

        try:
            obj = load_tensors(path)
        except Exception as exc:
            raise UsageError(f"data file {spec!r} could not be read safely: {str(exc).splitlines()[0]}") from None
        if isinstance(obj, dict) and "X" in obj:
            return (obj["X"], obj["y"]) if "y" in obj else obj["X"]
        return tuple(obj) if isinstance(obj, list) else obj
    if ":" in spec:
        from .nn.checkpoints import load_factory

        return load_factory(spec)()
    raise UsageError(f"--data must be 'digits', 'digits:flat', a .npy/.npz/.pt file or package.module:function, got {spec!r}.")


# -- commands -----------------------------------------------------------------------
def _model(args: argparse.Namespace, checkpoint: str | None):
    from .nn.checkpoints import load_factory, load_model

    if args.model is None and (checkpoint is None or not str(checkpoint).endswith((".pt", ".pth", ".zip"))):
        raise UsageError("--model package.module:factory is required to rebuild the architecture.")
    factory = load_factory(args.model) if args.model is not None else None  # a wrong path is named first
    return load_model(factory, checkpoint, trust=args.trust_checkpoint)


def _config(args: argparse.Namespace, **extra: Any) -> dict[str, Any]:
    keep = ("model", "data", "layers", "max_samples", "max_points", "maxdim", "seed")
    return {"command": args.command, **{k: getattr(args, k) for k in keep if hasattr(args, k)}, **extra}


def _cmd_analyze(args: argparse.Namespace):
    from .workflows import analyze

    model = _model(args, args.checkpoint)
    return analyze(model, load_data(args.data), layers=args.layers, max_samples=args.max_samples,
                   max_points=args.max_points, maxdim=args.maxdim, probe=args.probe,
                   probe_layers=args.probe_layers, probe_kind=args.probe_kind, symmetry=args.symmetry, seed=args.seed,
                   progress=not args.no_progress, title=f"tda-nn analyze: {args.checkpoint or args.model}",
                   config=_config(args, checkpoint=args.checkpoint, probe=args.probe))


def _cmd_compare(args: argparse.Namespace):
    from .workflows import analyze, compare_checkpoints

    data = load_data(args.data)
    if len(args.checkpoints) == 1:
        if not args.layers or len(args.layers) < 2:
            raise UsageError("compare with one checkpoint compares its layers: give two or more --layers.")
        model = _model(args, args.checkpoints[0])
        return analyze(model, data, layers=args.layers, max_samples=args.max_samples, max_points=args.max_points,
                       maxdim=args.maxdim, distance=args.metric, seed=args.seed, progress=not args.no_progress,
                       title=f"tda-nn compare: layers of {args.checkpoints[0]}",
                       config=_config(args, checkpoints=args.checkpoints, metric=args.metric))
    models = [_model(args, ck) for ck in args.checkpoints]
    return compare_checkpoints(models, data, names=[Path(c).stem for c in args.checkpoints], layers=args.layers,
                               max_samples=args.max_samples, max_points=args.max_points, maxdim=args.maxdim,
                               metric=args.metric, seed=args.seed, progress=not args.no_progress,
                               config=_config(args, checkpoints=args.checkpoints, metric=args.metric))


def _natural(path: Path) -> list[Any]:
    """Sort key: 'step_2' before 'step_10'."""
    import re

    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", path.name)]


def _cmd_track(args: argparse.Namespace):
    from .workflows import track

    root = Path(args.directory)
    if not root.is_dir():
        raise UsageError(f"checkpoint directory {args.directory!r} does not exist.")
    paths = sorted((p for p in root.iterdir() if p.suffix in (".pt", ".pth", ".safetensors")), key=_natural)
    if len(paths) < 2:
        raise UsageError(f"directory {args.directory!r} holds {len(paths)} checkpoints (*.pt, *.safetensors); need at least 2.")
    models = [_model(args, str(p)) for p in paths]
    return track(models, load_data(args.data), names=[p.stem for p in paths], layers=args.layers,
                 max_samples=args.max_samples, max_points=args.max_points, maxdim=args.maxdim, seed=args.seed,
                 progress=not args.no_progress, config=_config(args, directory=str(root)))


def _cmd_demo(args: argparse.Namespace):
    from .nn.checkpoints import save_state_dict
    from .nn.zoo import digits_cnn, train_classifier
    from .workflows import analyze

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    X, y = load_data("digits")
    t0 = time.perf_counter()
    model = digits_cnn(seed=0)
    acc = train_classifier(model, X, y, epochs=args.epochs, lr=5e-3, seed=0)
    ckpt = save_state_dict(model, out / "digits_cnn.pt")
    print(f"trained tda_nn.nn.zoo.digits_cnn on scikit-learn digits in {time.perf_counter() - t0:.1f} s "
          f"(training accuracy {acc:.3f}); checkpoint: {ckpt}", file=sys.stderr)
    return analyze(model, (X, y), layers=["input", "conv1", "conv2", "fc1", "fc2"], max_samples=1000, max_points=400,
                   probe=True, probe_layers=["conv1", "conv2"], seed=0, progress=not args.no_progress,
                   title="tda-nn demo: a small CNN on scikit-learn's digits",
                   config={"command": "demo", "model": "tda_nn.nn.zoo:digits_cnn", "checkpoint": str(ckpt),
                           "data": "digits", "epochs": args.epochs, "train_accuracy": acc})


_COMMANDS = {"analyze": _cmd_analyze, "compare": _cmd_compare, "track": _cmd_track, "demo": _cmd_demo}


def _attach_log_handler(*, quiet: bool) -> None:
    """Stage messages of the library (logger "tda_nn") to stderr, one line each; the library adds none itself."""
    import logging

    log = logging.getLogger("tda_nn")
    if not any(getattr(h, "_tda_nn_cli", False) for h in log.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("tda_nn: %(message)s"))
        handler._tda_nn_cli = True  # type: ignore[attr-defined]
        log.addHandler(handler)
    log.setLevel(logging.WARNING if quiet else logging.INFO)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    from .validation import CheckpointError

    _attach_log_handler(quiet=bool(getattr(args, "no_progress", False)))

    try:
        report = _COMMANDS[args.command](args)
        out = report.save(args.out)
    except (UsageError, CheckpointError, FileNotFoundError, ValueError, TypeError, KeyError, ImportError) as exc:
        if getattr(args, "debug", False):
            raise
        msg = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        print(f"tda-nn {args.command}: error: {msg}".splitlines()[0], file=sys.stderr)
        return 2
    except RuntimeError as exc:
        notes = [n for n in getattr(exc, "__notes__", []) if n.startswith("tda_nn.nn.capturing:")]
        if not notes or getattr(args, "debug", False):  # not the model rejecting the data: a bug
            if getattr(args, "debug", False):
                raise
            print(f"tda-nn {args.command}: unexpected RuntimeError: {exc} (rerun with --debug for the traceback)",
                  file=sys.stderr)
            return 1
        msg = str(exc).splitlines()[0]
        print(f"tda-nn {args.command}: error: the data do not fit the model: {msg} "
              f"({notes[0].split(': ', 1)[1]})", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"tda-nn {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug, not the user's mistake
        if getattr(args, "debug", False):
            raise
        print(f"tda-nn {args.command}: unexpected {type(exc).__name__}: {exc} (rerun with --debug for the traceback)",
              file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(report.summary(), indent=1))
    print(f"report: {(out / 'report.html').resolve()}", file=sys.stderr if args.json else sys.stdout)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

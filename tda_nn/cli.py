"""The ``tda-nn`` command: ``analyze``, ``compare``, ``track`` and ``demo``.

Exit codes: 0 success; 1 an unexpected failure (a bug: the traceback is shown
with ``--debug``); 2 a user's mistake (missing file, wrong factory path, unknown
layer, shape mismatch, a TorchScript archive), reported as one line on stderr.
Messages name flags (``--layers``), not the Python parameters behind them, and
warnings print as one line without a source line.
"""

from __future__ import annotations

import argparse
import inspect
import json
import re
import sys
import time
import warnings
from pathlib import Path
from typing import Any

from . import __version__
from ._cli_data import Texts, load_data
from ._cli_messages import flag_of, show_warning, speak_flags

__all__ = ["build_parser", "load_data", "main", "speak_flags"]

_REDUCE = ("auto", "mean", "max", "flatten", "cls", "first")
_METRICS = ("wasserstein", "bottleneck", "sliced_wasserstein")


class UsageError(Exception):
    """A mistake in the command line or its inputs: one line, exit code 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tda-nn",
        description="Topology of neural-network representations: analyse checkpoints, compare layers, track training.",
    )
    parser.add_argument("--version", action="version", version=f"tda-nn {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def common(p: argparse.ArgumentParser, *, out_default: str, n_jobs: bool = True) -> None:
        p.add_argument("--model", help="the model: package.module:factory, path/to/file.py:factory (relative to the "
                                       "working directory, whose modules are importable too), or a local Hugging "
                                       "Face model directory (hf:PATH, or a directory holding config.json; loaded "
                                       "offline, no remote code)")
        p.add_argument("--data", default="digits",
                       help="'digits' (8x8 images), 'digits:flat' (64 features), a .npy/.npz/.pt file, a .txt file "
                            "of texts (one a line) or a .jsonl/.csv file with 'text' and optional 'label' columns "
                            "(tokenized with the model's tokenizer), or package.module:function returning the data "
                            "(default: digits)")
        p.add_argument("--layers", nargs="+", help="module names or glob patterns (default: the model's main layers; "
                                                   "--dry-run lists them all)")
        p.add_argument("--reduce", choices=_REDUCE, default="auto",
                       help="how a layer's output becomes one point per sample (default: auto = a mean over tokens, "
                            "skipping padding, for texts; every unit otherwise)")
        p.add_argument("--max-samples", type=int, default=1000, help="samples to capture (default: 1000)")
        p.add_argument("--max-points", type=int, default=500,
                       help="max-min landmarks per layer for persistence (default: 500)")
        p.add_argument("--maxdim", type=int, default=1, help="highest homology dimension (default: 1)")
        p.add_argument("--max-length", type=int, default=128, help="tokens per text at most (default: 128)")
        p.add_argument("--batch-size", type=int, help="samples per forward pass (default: 256)")
        p.add_argument("--device", help="where the model runs: cpu, cuda, cuda:1, mps (default: where it is loaded)")
        if n_jobs:
            p.add_argument("--n-jobs", type=int, help="parallel workers for persistence (default: one)")
        p.add_argument("--seed", type=int, default=0, help="seeds landmarks, bootstraps and probes (default: 0)")
        p.add_argument("--title", help="the report's title")
        p.add_argument("--out", default=out_default, help=f"output directory (default: {out_default})")
        p.add_argument("--trust-checkpoint", action="store_true",
                       help="allow checkpoints holding arbitrary pickled objects (they can run code: only for files you trust)")
        p.add_argument("--no-cache", action="store_true",
                       help="recompute every stage (by default a re-run with the same --out reuses the stages whose "
                            "data, weights and settings are unchanged)")
        p.add_argument("--dry-run", action="store_true",
                       help="load the model and the data, run one small batch, print the layers and what would run; "
                            "write nothing")
        p.add_argument("--json", action="store_true", help="print the summary as JSON on stdout")
        p.add_argument("--no-progress", action="store_true", help="no progress bars (and no stage lines, unless --verbose)")
        loud = p.add_mutually_exclusive_group()
        loud.add_argument("--quiet", "-q", action="store_true", help="only warnings and errors: no stage lines, no bars")
        loud.add_argument("--verbose", "-v", action="store_true", help="also debugging messages of the library")
        p.add_argument("--debug", action="store_true", help="show tracebacks")

    a = sub.add_parser("analyze", help="analyse one checkpoint: diagrams, layer profile, layer distances, CKA")
    a.add_argument("--checkpoint", help="state dict (.pt) or .safetensors to load into --model; TorchScript archives "
                   "are refused (exit 2): forward hooks do not work on ScriptModules, so save the eager model's "
                   "state dict")
    a.add_argument("--distance", choices=_METRICS,
                   help="layer x layer diagram distance (default: wasserstein)")
    a.add_argument("--scales", type=float, nargs="+",
                   help="Betti numbers at these fractions of each layer's median distance (default: 0.25 0.5 0.75)")
    a.add_argument("--bootstrap", type=int, metavar="N",
                   help="bootstrap resamples for the confidence band and the significant bars (0: none; "
                        "default: tda_nn.analyze's)")
    a.add_argument("--alpha", type=float, help="significance level of the bootstrap band (default: tda_nn.analyze's)")
    a.add_argument("--per-class", action="store_true", help="also profile each class (needs labels)")
    a.add_argument("--class-names", nargs="+", metavar="NAME",
                   help="names of the classes 0, 1, ... (default: the labels' own names in .jsonl/.csv texts)")
    a.add_argument("--regions", choices=("auto", "on", "off"),
                   help="activation regions of a ReLU network (default: auto = when it has ReLUs and the inputs "
                        "are arrays)")
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
    c.add_argument("--metric", default="wasserstein", choices=_METRICS, help="diagram distance (default: wasserstein)")
    common(c, out_default="tda_nn_compare")

    t = sub.add_parser("track", help="topology over training from a directory of checkpoints")
    t.add_argument("directory", help="directory of checkpoints (*.pt, *.safetensors), in natural name order (step_5 before step_10)")
    t.add_argument("--metric", default="wasserstein", choices=_METRICS, help="diagram distance (default: wasserstein)")
    common(t, out_default="tda_nn_track", n_jobs=False)

    d = sub.add_parser("demo", help="train a small CNN on scikit-learn's digits, analyse it, write a report")
    d.add_argument("--out", default="tda_nn_demo",
                   help="output directory (default: tda_nn_demo/ in the working directory, as the README says)")
    d.add_argument("--epochs", type=int, default=30)
    d.add_argument("--json", action="store_true", help="print the summary as JSON on stdout")
    d.add_argument("--no-progress", action="store_true", help="no progress bars")
    d.add_argument("--debug", action="store_true", help="show tracebacks")
    return parser


# -- model and data ---------------------------------------------------------------------
_ZOO = ("tda_nn.zoo:", "tda_nn.nn.zoo:")


def _model(args: argparse.Namespace, checkpoint: str | None) -> tuple[Any, Any]:
    """The model (in eval mode, on --device) and its tokenizer (or None)."""
    from .nn.checkpoints import load_model_spec

    if args.model is None and (checkpoint is None or not str(checkpoint).endswith((".pt", ".pth", ".zip"))):
        raise UsageError("--model is required to rebuild the architecture: package.module:factory, "
                         "path/to/file.py:factory or hf:DIR.")
    model, tokenizer = load_model_spec(args.model, checkpoint, trust=args.trust_checkpoint, device=args.device)
    if checkpoint is None and args.model and args.model.startswith(_ZOO) and not args.model.endswith(":load_digits_cnn"):
        hint = (" (data/digits_cnn.pt holds trained weights; --model tda_nn.nn.zoo:load_digits_cnn loads them)"
                if args.model.endswith(":digits_cnn") else "")
        warnings.warn(f"--model {args.model} without --checkpoint is untrained: its weights are the random initial "
                      f"ones. Give --checkpoint{hint}.", UserWarning, stacklevel=2)
    return model, tokenizer


def _data(args: argparse.Namespace, tokenizer: Any) -> tuple[Any, list[str] | None]:
    """``--data`` loaded, and the class names it carries (or --class-names).

    Texts are tokenized with the model's tokenizer (at most --max-samples of them).
    """
    data = load_data(args.data)
    names = list(args.class_names) if getattr(args, "class_names", None) else None
    if not isinstance(data, Texts):
        return data, names
    if tokenizer is None:
        raise UsageError(f"--data {args.data} holds texts, which need a tokenizer: give a Hugging Face model "
                         "directory as --model (hf:DIR, with the tokenizer's files beside config.json).")
    from .nn.hf import tokenize

    n = min(len(data), args.max_samples)
    batch = tokenize(tokenizer, data.texts[:n], max_length=args.max_length,
                     labels=None if data.labels is None else data.labels[:n])
    return batch, names or (list(data.class_names) if data.class_names else None)


def _accepts(fn: Any, name: str) -> bool:
    params = inspect.signature(fn).parameters
    return name in params or any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())


def _call(fn: Any, *args: Any, given: dict[str, Any], always: dict[str, Any]) -> Any:
    """Call ``fn`` with ``always`` and the flags the user ``given`` (None = not given).

    A flag given for a parameter ``fn`` does not take is the user's mistake; it names the flag.
    """
    kwargs = {k: v for k, v in always.items() if _accepts(fn, k)}
    for k, v in given.items():
        if v is None:
            continue
        if not _accepts(fn, k):
            raise UsageError(f"{flag_of(k)} is not available here: {fn.__module__}.{fn.__name__} takes no {k!r}.")
        kwargs[k] = v
    return fn(*args, **kwargs)


def _config(args: argparse.Namespace, **extra: Any) -> dict[str, Any]:
    # what the workflow does not record itself (it records the settings it resolved: reduce, n_bootstrap, ...)
    keep = ("model", "data", "layers", "max_samples", "max_points", "maxdim", "max_length", "batch_size",
            "device", "n_jobs", "seed")
    return {"command": args.command, **{k: getattr(args, k) for k in keep if getattr(args, k, None) is not None},
            **extra}


def _settings(args: argparse.Namespace) -> dict[str, Any]:
    """The settings every workflow takes from the common flags (None: not given, the Python default)."""
    return {"layers": args.layers, "reduce": args.reduce, "max_samples": args.max_samples,
            "max_points": args.max_points, "maxdim": args.maxdim, "batch_size": args.batch_size,
            "n_jobs": getattr(args, "n_jobs", None), "seed": args.seed, "title": args.title}


def _progress(args: argparse.Namespace) -> bool:
    return not (args.no_progress or getattr(args, "quiet", False))


# -- commands -----------------------------------------------------------------------
def _cmd_analyze(args: argparse.Namespace):
    from . import workflows

    model, tokenizer = _model(args, args.checkpoint)
    data, names = _data(args, tokenizer)
    if args.dry_run and not _accepts(workflows.analyze, "dry_run"):
        return _dry(args, model, data, n_bootstrap=args.bootstrap,
                    regions={"on": True, "off": False}.get(args.regions, "auto"))
    takes_names = _accepts(workflows.analyze, "class_names")
    given = {**_settings(args), "distance": args.distance, "scales": args.scales, "n_bootstrap": args.bootstrap,
             "alpha": args.alpha, "probe_layers": args.probe_layers, "dry_run": True if args.dry_run else None,
             "symmetry": args.symmetry,
             "regions": {"on": True, "off": False}.get(args.regions, args.regions),
             "class_names": names if takes_names else None,  # else only recorded in the config
             "title": args.title or f"tda-nn analyze: {args.checkpoint or args.model}"}
    config = _config(args, checkpoint=args.checkpoint, probe=args.probe, **({"class_names": names} if names else {}))
    always = {"per_class": args.per_class, "probe": args.probe, "probe_kind": args.probe_kind,
              "progress": _progress(args), "config": config, "out": args.out, "cache": not args.no_cache}
    result = _call(workflows.analyze, model, data, given=given, always=always)
    if args.dry_run:  # analyze's own dry run: the model, the data, the layers, and analyze's own plan
        return _dry(args, model, data, plan=result)
    return result


def _cmd_compare(args: argparse.Namespace):
    from . import workflows

    if len(args.checkpoints) == 1:
        if not args.layers or len(args.layers) < 2:
            raise UsageError("compare with one checkpoint compares its layers: give two or more --layers.")
        model, tokenizer = _model(args, args.checkpoints[0])
        data, _ = _data(args, tokenizer)
        if args.dry_run:
            return _dry(args, model, data)
        given = {**_settings(args), "distance": args.metric,
                 "title": args.title or f"tda-nn compare: layers of {args.checkpoints[0]}"}
        return _call(workflows.analyze, model, data, given=given,
                     always={"progress": _progress(args),
                             "config": _config(args, checkpoints=args.checkpoints, metric=args.metric)})
    loaded = [_model(args, ck) for ck in args.checkpoints]
    data, _ = _data(args, loaded[0][1])
    if args.dry_run:
        return _dry(args, loaded[0][0], data)
    return _call(workflows.compare_checkpoints, [m for m, _ in loaded], data,
                 given={**_settings(args), "metric": args.metric},
                 always={"names": [Path(c).stem for c in args.checkpoints], "progress": _progress(args),
                         "config": _config(args, checkpoints=args.checkpoints, metric=args.metric)})


def _natural(path: Path) -> list[Any]:
    """Sort key: 'step_2' before 'step_10'."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", path.name)]


def _cmd_track(args: argparse.Namespace):
    from . import workflows

    root = Path(args.directory)
    if not root.is_dir():
        raise UsageError(f"checkpoint directory {args.directory!r} does not exist.")
    paths = sorted((p for p in root.iterdir() if p.suffix in (".pt", ".pth", ".safetensors")), key=_natural)
    if len(paths) < 2:
        raise UsageError(f"directory {args.directory!r} holds {len(paths)} checkpoints (*.pt, *.safetensors); need at least 2.")
    loaded = [_model(args, str(p)) for p in paths]
    data, _ = _data(args, loaded[0][1])
    if args.dry_run:
        return _dry(args, loaded[0][0], data)
    return _call(workflows.track, [m for m, _ in loaded], data, given={**_settings(args), "metric": args.metric},
                 always={"names": [p.stem for p in paths], "progress": _progress(args),
                         "config": _config(args, directory=str(root))})


def _dry(args: argparse.Namespace, model: Any, data: Any, n_bootstrap: int | None = None, regions: Any = False,
         plan: Any = None) -> None:
    from ._cli_dry_run import describe

    print(describe(model, data, layers=args.layers, model_spec=args.model or args.checkpoint, data_spec=args.data,
                   settings=_settings(args), command=args.command, n_bootstrap=n_bootstrap or 0, regions=regions,
                   plan=plan))
    return None


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


def _attach_log_handler(*, quiet: bool, verbose: bool = False) -> None:
    """Stage messages of the library (logger "tda_nn") to stderr, one line each; the library adds none itself.

    Levels: WARNING when ``quiet``, DEBUG when ``verbose``, INFO otherwise.
    """
    import logging

    log = logging.getLogger("tda_nn")
    if not any(getattr(h, "_tda_nn_cli", False) for h in log.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("tda_nn: %(message)s"))
        handler._tda_nn_cli = True  # type: ignore[attr-defined]
        log.addHandler(handler)
    log.setLevel(logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO)


def _fail(args: argparse.Namespace, text: str) -> None:
    print(f"tda-nn {args.command}: error: {speak_flags(str(text), args.command)}".splitlines()[0], file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    from .validation import CheckpointError

    verbose = bool(getattr(args, "verbose", False))
    _attach_log_handler(quiet=bool(getattr(args, "quiet", False) or getattr(args, "no_progress", False)) and not verbose,
                        verbose=verbose)
    debug = getattr(args, "debug", False)
    with warnings.catch_warnings():
        warnings.showwarning = lambda *w, **kw: show_warning(args.command, *w, **kw)
        try:
            report = _COMMANDS[args.command](args)
            if report is None:  # --dry-run: said what would run, wrote nothing
                return 0
            out = report.save(args.out)
        except (UsageError, CheckpointError, FileNotFoundError, ValueError, TypeError, KeyError, ImportError) as exc:
            if debug:
                raise
            _fail(args, exc.args[0] if isinstance(exc, KeyError) and exc.args else exc)
            return 2
        except RuntimeError as exc:
            notes = [n for n in getattr(exc, "__notes__", []) if n.startswith("tda_nn.nn.capturing:")]
            if debug:
                raise
            if not notes:  # not the model rejecting the data: a bug
                print(f"tda-nn {args.command}: unexpected RuntimeError: {exc} (rerun with --debug for the traceback)",
                      file=sys.stderr)
                return 1
            _fail(args, f"the data do not fit the model: {str(exc).splitlines()[0]} ({notes[0].split(': ', 1)[1]})")
            return 2
        except KeyboardInterrupt:
            print(f"tda-nn {args.command}: interrupted", file=sys.stderr)
            return 130
        except Exception as exc:  # a bug, not the user's mistake
            if debug:
                raise
            print(f"tda-nn {args.command}: unexpected {type(exc).__name__}: {exc} (rerun with --debug for the "
                  "traceback)", file=sys.stderr)
            return 1
    if args.json:
        print(json.dumps(report.summary(), indent=1))
    print(f"report: {(out / 'report.html').resolve()}", file=sys.stderr if args.json else sys.stdout)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

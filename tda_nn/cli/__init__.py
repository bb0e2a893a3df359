"""The ``tda-nn`` command: ``analyze``, ``compare``, ``track``, ``demo``, ``cache`` and ``mapper``, one module each.

The flags of the workflow commands are generated from the workflows' settings
dataclasses (:mod:`tda_nn.cli.flags`), so the command line and the Python API never
drift. Exit codes: 0 success; 1 an unexpected failure (a bug: the traceback is shown
with ``--debug``); 2 a user's mistake (missing file, wrong factory path, unknown layer,
shape mismatch, a TorchScript archive), reported as one line on stderr. Messages name
flags (``--layers``), not the Python parameters behind them, and warnings print as one
line without a source line. The stage log (logger ``"tda_nn"``) goes to stderr: at INFO,
with or without ``--no-progress``; only warnings with ``--quiet``; DEBUG with ``--verbose``.

Modules: ``flags`` (flags from the settings), ``loading`` (the model and the data),
``data`` (``--data`` without torch), ``messages`` (flags in messages), ``dry_run``, and
one per command (``analyze``, ``compare``, ``track``, ``demo``, ``cache``, ``mapper``).

Floor: application, the top one: it may import every room below; nothing imports it.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import warnings
from typing import Any

from .. import __version__
from . import analyze, cache, compare, demo, mapper, track
from .data import load_data
from .loading import UsageError
from .messages import show_warning, speak_flags
from .preflight import preflight

__all__ = ["build_parser", "load_data", "main", "speak_flags"]

_COMMANDS = {"analyze": analyze, "compare": compare, "track": track, "demo": demo, "cache": cache, "mapper": mapper}


class _Parser(argparse.ArgumentParser):
    """argparse, with its errors as one line naming the flag (``tda-nn analyze: error: argument --maxdim: ...``),
    exit code 2, like every other error of the command; ``--help`` shows the usage."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {' '.join(message.split())}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="tda-nn",
        description="Topology of neural-network representations: analyse checkpoints, compare layers, track training.",
    )
    parser.add_argument("--version", action="version", version=f"tda-nn {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in _COMMANDS.values():
        module.add_parser(sub)
    return parser


class _Stderr(logging.StreamHandler):
    """A handler that writes to the ``sys.stderr`` of the moment (a test, a notebook may have replaced it)."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


def _attach_log_handler(*, quiet: bool, verbose: bool = False) -> None:
    """Stage messages of the library (logger "tda_nn") to stderr, one line each; the library adds none itself.

    Levels: WARNING when ``quiet``, DEBUG when ``verbose``, INFO otherwise.
    """
    log = logging.getLogger("tda_nn")
    if not any(getattr(h, "_tda_nn_cli", False) for h in log.handlers):
        handler = _Stderr(sys.stderr)
        handler.setFormatter(logging.Formatter("tda_nn: %(message)s"))
        handler._tda_nn_cli = True  # type: ignore[attr-defined]
        log.addHandler(handler)
    log.setLevel(logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO)


def _fail(args: argparse.Namespace, text: Any) -> None:
    print(f"tda-nn {args.command}: error: {speak_flags(str(text), args.command)}".splitlines()[0], file=sys.stderr)


def _run(args: argparse.Namespace) -> Any:
    """The command's report saved (its output directory), or None when the command wrote no report."""
    from ..workflows.settings import AnalyzeSettings, CompareSettings, TrackSettings

    settings = {"analyze": AnalyzeSettings, "compare": CompareSettings, "track": TrackSettings}
    if args.command != "cache":  # --out, --data, --max-length and every settings flag, before any work
        preflight(args, settings.get(args.command))
    report = _COMMANDS[args.command].run(args)
    return None if report is None else (report, report.save(args.out))


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    from ..validation import CheckpointError

    verbose = bool(getattr(args, "verbose", False))
    _attach_log_handler(quiet=bool(getattr(args, "quiet", False)) and not verbose, verbose=verbose)
    debug = getattr(args, "debug", False)
    with warnings.catch_warnings():
        warnings.showwarning = lambda *w, **kw: show_warning(args.command, *w, **kw)
        try:
            done = _run(args)
            if done is None:  # --dry-run, or cache: said what it had to say, wrote no report
                return 0
            report, out = done
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

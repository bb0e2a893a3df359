"""The command line's flags, generated from the workflows' settings dataclasses, so the two never drift.

Every field of :class:`~tda_nn.workflows.settings.AnalyzeSettings` (and of the compare and
track settings) that the command line sets becomes a flag with the field's own name
(``max_points`` -> ``--max-points``, or the field's ``flag`` metadata: ``n_bootstrap`` ->
``--bootstrap``, ``progress`` -> ``--no-progress``), its help, its choices and its type;
the flag's default is "not given", and the Python default of the field applies.
:func:`settings_kwargs` turns the parsed flags back into the workflow's keyword arguments.

The flags that are not settings (what to load and how to show it) are in
:data:`LOADING_FLAGS` and :data:`OUTPUT_FLAGS`; a test checks that each flag of a command is
a settings field or one of these.

Floor: application (its own floor: the workflows' settings).
"""

from __future__ import annotations

import argparse
import dataclasses
from typing import Any

from ..workflows.settings import Settings, cli_fields

__all__ = ["LOADING_FLAGS", "OUTPUT_FLAGS", "add_common_flags", "add_settings_flags", "flag_name", "settings_kwargs"]

#: flags that say what to load: not settings of a workflow
LOADING_FLAGS = ("--model", "--data", "--max-length", "--device", "--trust-checkpoint", "--checkpoint")
#: flags that say how the command talks: not settings of a workflow
OUTPUT_FLAGS = ("--json", "--quiet", "--verbose", "--debug", "--help", "--version")
#: settings fields whose command-line default differs from the Python one, and why
CLI_DEFAULTS = {"out": "the command always writes its report, into a directory named after the command",
                "title": "the command names itself and the checkpoint in the title"}


def flag_name(f: dataclasses.Field) -> str:
    """The flag of a settings field: its ``flag`` metadata, or ``--name-with-dashes``."""
    return f.metadata.get("flag") or "--" + f.name.replace("_", "-")


def _default_text(f: dataclasses.Field) -> str:
    default = f.default if f.default is not dataclasses.MISSING else None
    if f.name in ("progress", "cache", "loops", "dry_run", "probe", "per_class", "combined_distance"):
        return ""
    if isinstance(default, (list, tuple)):
        default = " ".join(map(str, default))
    return "" if default is None else f" (default: {default})"


def add_settings_flags(p: argparse.ArgumentParser, cls: type[Settings], *, out_default: str) -> None:
    """One flag per command-line field of ``cls`` (default: not given)."""
    for f in cli_fields(cls):
        kw = dict(f.metadata.get("argparse") or {})
        help_text = f.metadata.get("help", "") + _default_text(f)
        if f.name == "out":
            help_text = f"output directory (default: {out_default}); its .tda_nn_cache/ keeps finished stages"
        p.add_argument(flag_name(f), dest=f.name, default=None, help=help_text, **kw)


def add_common_flags(p: argparse.ArgumentParser) -> None:
    """What to load and how to talk: the flags of every workflow command that are not settings."""
    p.add_argument("--model", help="the model: package.module:factory, path/to/file.py:factory (relative to the "
                                   "working directory, whose modules are importable too), or a local Hugging "
                                   "Face model directory (hf:PATH, or a directory holding config.json; loaded "
                                   "offline, no remote code)")
    p.add_argument("--data", default="digits",
                   help="'digits' (8x8 images), 'digits:flat' (64 features), a .npy/.npz/.pt file, a .txt file "
                        "of texts (one a line) or a .jsonl/.csv file with 'text' and optional 'label' columns "
                        "(tokenized with the model's tokenizer), or package.module:function returning the data "
                        "(default: digits)")
    p.add_argument("--max-length", type=int, default=128, help="tokens per text at most (default: 128)")
    p.add_argument("--device", help="where the model runs: cpu, cuda, cuda:1, mps (default: where it is loaded)")
    p.add_argument("--trust-checkpoint", action="store_true",
                   help="allow checkpoints holding arbitrary pickled objects (they can run code: only for files you "
                        "trust)")
    p.add_argument("--json", action="store_true", help="print the summary as JSON on stdout")
    loud = p.add_mutually_exclusive_group()
    loud.add_argument("--quiet", "-q", action="store_true",
                      help="only warnings and errors: no stage log, no progress bars")
    loud.add_argument("--verbose", "-v", action="store_true", help="also debugging messages of the library")
    p.add_argument("--debug", action="store_true", help="show tracebacks")


def settings_kwargs(args: argparse.Namespace, cls: type[Settings]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(given, defaults)``: the workflow's keyword arguments from the flags the user gave (converted as the
    field says), and the Python defaults of the others."""
    given, defaults = {}, {}
    for f in cli_fields(cls):
        value = getattr(args, f.name, None)
        if value is None:
            if f.default is not dataclasses.MISSING:
                defaults[f.name] = f.default
            continue
        convert = f.metadata.get("convert")
        given[f.name] = convert(value) if convert else value
    return given, defaults

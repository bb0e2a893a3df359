"""``tda-nn analyze``: one checkpoint's report (:func:`tda_nn.analyze`).

Floor: application.
"""

from __future__ import annotations

import argparse
from typing import Any

from ..workflows.settings import AnalyzeSettings
from .flags import add_common_flags, add_settings_flags, settings_kwargs
from .loading import call, load_inputs, load_model, recorded

__all__ = ["add_parser", "run"]

OUT = "tda_nn_report"


def add_parser(sub: Any) -> argparse.ArgumentParser:
    a = sub.add_parser("analyze", help="analyse one checkpoint: diagrams, layer profile, layer distances, CKA")
    a.add_argument("--checkpoint", help="state dict (.pt) or .safetensors to load into --model; TorchScript archives "
                   "are refused (exit 2): forward hooks do not work on ScriptModules, so save the eager model's "
                   "state dict")
    add_settings_flags(a, AnalyzeSettings, out_default=OUT)
    add_common_flags(a)
    a.set_defaults(out=OUT)
    return a


def given_and_defaults(args: argparse.Namespace, cls: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """The workflow's keyword arguments from the flags, ``--quiet`` turning the progress bars off."""
    given, defaults = settings_kwargs(args, cls)
    defaults["out"] = given.pop("out")  # every command writes somewhere: passed where the workflow keeps a cache
    if getattr(args, "quiet", False):
        given["progress"] = False
    return given, defaults


def run(args: argparse.Namespace) -> Any:
    from .. import workflows
    from .dry_run import show

    model, tokenizer = load_model(args, args.checkpoint)
    data, names = load_inputs(args, tokenizer)
    given, defaults = given_and_defaults(args, AnalyzeSettings)
    given.pop("class_names", None)
    given["class_names"] = names
    given["title"] = args.title or f"tda-nn analyze: {args.checkpoint or args.model}"
    config = recorded(args, checkpoint=args.checkpoint, probe=bool(args.probe),
                      **({"class_names": names} if names else {}))
    result = call(workflows.analyze, model, data, given=given, always={**defaults, "config": config})
    if args.dry_run:  # analyze's own dry run: the model, the data, the layers, and analyze's own plan
        return show(args, model, data, plan=result)
    return result

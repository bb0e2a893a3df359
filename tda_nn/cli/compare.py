"""``tda-nn compare``: checkpoints of one architecture layer by layer (:func:`tda_nn.compare_checkpoints`),
or, given one checkpoint, its layers (:func:`tda_nn.analyze` with ``--metric`` as the distance).

Floor: application.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..workflows.settings import CompareSettings
from .analyze import given_and_defaults
from .flags import add_common_flags, add_settings_flags
from .loading import UsageError, call, load_inputs, load_model, recorded

__all__ = ["add_parser", "run"]

OUT = "tda_nn_compare"


def add_parser(sub: Any) -> argparse.ArgumentParser:
    c = sub.add_parser("compare", help="compare checkpoints of one architecture, layer by layer (or layers of one "
                                       "checkpoint)")
    c.add_argument("checkpoints", nargs="+", help="two or more checkpoints (or one, with --layers, to compare its "
                                                   "layers)")
    add_settings_flags(c, CompareSettings, out_default=OUT)
    add_common_flags(c)
    c.set_defaults(out=OUT)
    return c


def run(args: argparse.Namespace) -> Any:
    from .. import workflows
    from .dry_run import show

    given, defaults = given_and_defaults(args, CompareSettings)
    metric = given.get("metric", defaults.get("metric"))
    config = recorded(args, checkpoints=args.checkpoints, metric=metric)
    if len(args.checkpoints) == 1:
        if not args.layers or len(args.layers) < 2:
            raise UsageError("compare with one checkpoint compares its layers: give two or more --layers.")
        model, tokenizer = load_model(args, args.checkpoints[0])
        data, _ = load_inputs(args, tokenizer)
        if args.dry_run:
            return show(args, model, data)
        given.pop("metric", None)
        defaults.pop("metric", None)
        given.update(distance=metric, title=args.title or f"tda-nn compare: layers of {args.checkpoints[0]}")
        return call(workflows.analyze, model, data, given=given, always={**defaults, "config": config})
    loaded = [load_model(args, ck) for ck in args.checkpoints]
    data, _ = load_inputs(args, loaded[0][1])
    result = call(workflows.compare_checkpoints, [m for m, _ in loaded], data, given=given,
                  always={**defaults, "names": [Path(c).stem for c in args.checkpoints], "config": config})
    return show(args, loaded[0][0], data, plan=result) if args.dry_run else result

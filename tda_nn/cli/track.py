"""``tda-nn track``: topology over training from a directory of checkpoints (:func:`tda_nn.track`).

Floor: application.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any

from ..workflows.settings import TrackSettings
from .analyze import given_and_defaults
from .flags import add_common_flags, add_settings_flags
from .loading import UsageError, call, load_inputs, load_model, recorded

__all__ = ["add_parser", "natural_key", "run"]

OUT = "tda_nn_track"


def add_parser(sub: Any) -> argparse.ArgumentParser:
    t = sub.add_parser("track", help="topology over training from a directory of checkpoints")
    t.add_argument("directory", help="directory of checkpoints (*.pt, *.safetensors), in natural name order "
                                     "(step_5 before step_10)")
    add_settings_flags(t, TrackSettings, out_default=OUT)
    add_common_flags(t)
    t.set_defaults(out=OUT)
    return t


def natural_key(path: Path) -> list[Any]:
    """Sort key: 'step_2' before 'step_10'."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", path.name)]


def run(args: argparse.Namespace) -> Any:
    from .. import workflows
    from .dry_run import show

    root = Path(args.directory)
    if not root.is_dir():
        raise UsageError(f"checkpoint directory {args.directory!r} does not exist.")
    paths = sorted((p for p in root.iterdir() if p.suffix in (".pt", ".pth", ".safetensors")), key=natural_key)
    if len(paths) < 2:
        raise UsageError(f"directory {args.directory!r} holds {len(paths)} checkpoints (*.pt, *.safetensors); need "
                         "at least 2.")
    loaded = [load_model(args, str(p)) for p in paths]
    data, _ = load_inputs(args, loaded[0][1])
    given, defaults = given_and_defaults(args, TrackSettings)
    result = call(workflows.track, [m for m, _ in loaded], data, given=given,
                  always={**defaults, "names": [p.stem for p in paths], "config": recorded(args, directory=str(root))})
    return show(args, loaded[0][0], data, plan=result) if args.dry_run else result

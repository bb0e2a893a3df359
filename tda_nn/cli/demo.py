"""``tda-nn demo``: train the small CNN on scikit-learn's digits, analyse it, write a report.

Floor: application.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from .data import load_data

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> argparse.ArgumentParser:
    d = sub.add_parser("demo", help="train a small CNN on scikit-learn's digits, analyse it, write a report")
    d.add_argument("--out", default="tda_nn_demo",
                   help="output directory (default: tda_nn_demo/ in the working directory, as the README says)")
    d.add_argument("--epochs", type=int, default=30)
    d.add_argument("--json", action="store_true", help="print the summary as JSON on stdout")
    d.add_argument("--no-progress", dest="progress", action="store_const", const=False, default=True,
                   help="no progress bars (the stage log stays; --quiet silences it)")
    d.add_argument("--quiet", "-q", action="store_true", help="only warnings and errors: no stage log, no bars")
    d.add_argument("--debug", action="store_true", help="show tracebacks")
    return d


def run(args: argparse.Namespace) -> Any:
    from .. import workflows
    from ..nn.checkpoints import save_state_dict
    from ..nn.zoo import digits_cnn, train_classifier

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    X, y = load_data("digits")
    t0 = time.perf_counter()
    model = digits_cnn(seed=0)
    acc = train_classifier(model, X, y, epochs=args.epochs, lr=5e-3, seed=0)
    ckpt = save_state_dict(model, out / "digits_cnn.pt")
    print(f"trained tda_nn.nn.zoo.digits_cnn on scikit-learn digits in {time.perf_counter() - t0:.1f} s "
          f"(training accuracy {acc:.3f}); checkpoint: {ckpt}", file=sys.stderr)
    return workflows.analyze(model, (X, y), layers=["input", "conv1", "conv2", "fc1", "fc2"], max_samples=1000,
                             max_points=400, probe=True, probe_layers=["conv1", "conv2"], seed=0,
                             progress=args.progress and not args.quiet,
                             title="tda-nn demo: a small CNN on scikit-learn's digits",
                             config={"command": "demo", "model": "tda_nn.nn.zoo:digits_cnn", "checkpoint": str(ckpt),
                                     "data": "digits", "epochs": args.epochs, "train_accuracy": acc})

"""Benchmark: per-layer invariance for 4 actions against one captured forward pass over the transformed batches.

The bundled digits CNN (``tda_nn.zoo.load_digits_cnn``), 1,000 digits of 1x8x8,
layers input, conv1, conv2, fc1, fc2. ``tda_nn.invariance`` is run for ``Rotate``,
``Translate`` (Fourier shift of the last axis), ``Flip`` and ``Rot90`` with 200
bootstrap resamples each, in one call: it captures the untransformed inputs once,
then per action draws a parameter per sample, transforms the batches, captures them
and reduces both to per-layer errors. The peer is the floor of that job: the four transformed
batches, prepared beforehand, captured once (``reduce='flatten'``). Target: ours /
peer <= 3 (it is batched forward passes, nothing more: one capture per action plus one of
the inputs, the transforms and the bootstrap).

Run: ``python benchmarks/bench_symmetry.py [--n 1000] [--repeats 5]``.
``run()`` returns the rows for ``benchmarks/run.py``.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from typing import Any

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _timing import interleaved_medians, print_table, row  # noqa: E402

__all__ = ["run"]

TARGET = 3.0
LAYERS = ["input", "conv1", "conv2", "fc1", "fc2"]


def _data(n: int) -> Any:
    import torch
    from sklearn.datasets import load_digits

    X, _ = load_digits(return_X_y=True)
    return torch.as_tensor((X[:n] / 16.0).astype(np.float32).reshape(-1, 1, 8, 8))


def _actions() -> dict[str, Any]:
    from tda_nn.nn.actions import Flip, Rot90, Rotate, Translate

    return {"rotate": Rotate(), "translate": Translate(axis=-1), "flip": Flip(axis=-1), "rot90": Rot90()}


def run(n: int = 1000, repeats: int = 5, n_bootstrap: int = 200) -> list[dict[str, Any]]:
    """Time four ``invariance`` calls against one capture of the transformed batches; one row."""
    import torch

    import tda_nn
    from tda_nn.nn.symmetry import invariance
    from tda_nn.nn.zoo import load_digits_cnn

    model = load_digits_cnn()
    X = _data(n)
    actions = _actions()
    rng = np.random.default_rng(0)
    with torch.no_grad():
        moved = torch.cat([a.apply(X, rng.choice(a.params(tuple(X.shape)), size=len(X))) for a in actions.values()])

    def ours() -> list[Any]:
        return invariance(model, X, actions, layers=LAYERS, n_samples=n, n_bootstrap=n_bootstrap)

    def peer() -> Any:
        return tda_nn.capture(model, moved, layers=LAYERS, reduce="flatten", progress=False)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = ours()
        assert all(r.layers == tuple(LAYERS) and np.isfinite(r.error).all() for r in res.values())
        t = interleaved_medians({"ours": ours, "peer": peer}, repeat=repeats, warmup=1)
    size = f"{len(X)}x1x8x8, 4 actions x {len(LAYERS)} layers, {torch.get_num_threads()} threads"
    return [row("invariance, 4 actions (digits CNN)", size, t["ours"], "capture of the 4 transformed batches",
                t["peer"], TARGET)]  # fmt: skip


def _main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=1000)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--n-bootstrap", type=int, default=200)
    a = p.parse_args()
    rows = run(a.n, a.repeats, a.n_bootstrap)
    print_table(rows)
    for r in rows:
        print(f"ratio {r['ratio']:.2f} (target <= {r['target']:g}): {'met' if r['met'] else 'NOT met'}")


if __name__ == "__main__":
    _main()

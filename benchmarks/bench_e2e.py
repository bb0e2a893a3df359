"""End to end: the bundled digits CNN to a layer x layer distance matrix, against hand glue.

The job a user of tda_nn does first: take a trained model, record five
representations of 1,000 inputs, compute each layer's persistence on max-min
landmarks, and compare the layers' H1 diagrams pairwise. Two ways, same data:

- **tda_nn**: ``tda_nn.nn.capturing`` (layers ``input``, ``conv1``, ``conv2``,
  ``fc1``, ``fc2``; ``reduce="flatten"``), ``layer_profile(acts, n_bootstrap=0,
  n_landmarks=M)`` (diagrams H0/H1 plus Betti numbers, curves, entropy, TwoNN and
  the median-distance scale of every layer), ``compare_layers(profile)``
  (1-Wasserstein between H1 diagrams in units of each layer's scale).
- **hand glue**: forward hooks written by hand that flatten and copy each
  output to numpy, ``ripser.ripser(X, maxdim=1, n_perm=M)`` per layer (ripser.py's
  own greedy max-min subsampling) and ``persim.wasserstein`` on every pair of H1
  diagrams (finite bars).

Each stage is the median of ``repeat`` runs (``10 * repeat`` for the 10 ms capture,
``3 * repeat`` for the distances), tda_nn and the glue in turn; the total is the sum of the
stage medians. tda_nn does more per layer than the glue (the summaries above),
so a total ratio <= 1 means the extra work is paid for by the faster engine.

Run: python benchmarks/bench_e2e.py [--n 1000] [--landmarks 500] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import sys
from itertools import combinations
from typing import Any

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _timing import interleaved_medians, print_table, row  # noqa: E402

__all__ = ["run"]

LAYERS = ("input", "conv1", "conv2", "fc1", "fc2")
# targets: capture may cost at most 25% over two hooks written by hand (it validates,
# restores modes and checks for non-finite values); everything else and the whole
# job should be no slower than the glue.
TARGETS = {"capture": 1.25, "persistence": 1.0, "distances": 1.0, "total": 1.0}


def _data(n: int) -> Any:
    import torch
    from sklearn.datasets import load_digits

    X, _ = load_digits(return_X_y=True)
    return torch.as_tensor((X[:n] / 16.0).astype(np.float32).reshape(-1, 1, 8, 8))


def _hand_capture(model: Any, X: Any, batch_size: int = 256) -> dict[str, np.ndarray]:
    """What a user writes by hand: one hook per layer that flattens and copies to numpy."""
    import torch

    got: dict[str, list[np.ndarray]] = {name: [] for name in LAYERS[1:]}
    mods = dict(model.named_modules())
    handles = []
    for name in LAYERS[1:]:
        def hook(mod, inp, out, name=name):
            got[name].append(out.detach().flatten(1).cpu().numpy())

        handles.append(mods[name].register_forward_hook(hook))
    try:
        with torch.no_grad():
            for s in range(0, len(X), batch_size):
                model(X[s : s + batch_size])
    finally:
        for h in handles:
            h.remove()
    out = {"input": X.flatten(1).numpy()}
    out.update({k: np.concatenate(v) for k, v in got.items()})
    return out


def _hand_persistence(arrays: dict[str, np.ndarray], m: int) -> list[np.ndarray]:
    from ripser import ripser

    return [ripser(X, maxdim=1, n_perm=min(m, len(X)))["dgms"][1] for X in arrays.values()]


def _hand_distances(h1: list[np.ndarray]) -> np.ndarray:
    from persim import wasserstein

    fin = [d[np.isfinite(d[:, 1])] for d in h1]
    D = np.zeros((len(fin), len(fin)))
    for i, j in combinations(range(len(fin)), 2):
        D[i, j] = D[j, i] = wasserstein(fin[i], fin[j])
    return D


def run(n: int = 1000, landmarks: int = 500, repeat: int = 3) -> list[dict]:
    import warnings

    import tda_nn
    from tda_nn.diagnostics.layers import compare_layers, layer_profile
    from tda_nn.nn.zoo import load_digits_cnn

    model = load_digits_cnn()
    X = _data(n)
    size = f"{len(X)} x 5 layers, {landmarks} lm"

    def ours_capture():
        return tda_nn.capture(model, X, layers=list(LAYERS), reduce="flatten", progress=False)

    acts = ours_capture()
    arrays = _hand_capture(model, X)
    for name in LAYERS:  # the two captures must agree before their times mean anything
        np.testing.assert_allclose(acts[name], arrays[name], rtol=1e-6, atol=1e-6)

    def ours_profile():
        return layer_profile(acts, n_bootstrap=0, n_landmarks=landmarks)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. a collapsed ReLU layer's TwoNN
        ours_profile()  # warm: imports, thread pools
        _hand_persistence({"input": arrays["input"][:100]}, 50)
        profile = ours_profile()
        h1 = _hand_persistence(arrays, landmarks)
        stages = {
            "capture": (ours_capture, lambda: _hand_capture(model, X)),
            "persistence": (ours_profile, lambda: _hand_persistence(arrays, landmarks)),
            "distances": (lambda: compare_layers(profile, dim=1), lambda: _hand_distances(h1)),
        }
        t = {}
        for k, (ours, peer) in stages.items():  # the sub-second stages get more runs
            reps = {"capture": 10 * repeat, "persistence": repeat, "distances": 3 * repeat}[k]
            med = interleaved_medians({"ours": ours, "peer": peer}, reps, warmup=0)
            t[k] = (med["ours"], med["peer"])
    t["total"] = (sum(v[0] for v in t.values()), sum(v[1] for v in t.values()))
    peers = {"capture": "hand hooks (flatten, numpy)", "persistence": "ripser n_perm per layer",
             "distances": "persim.wasserstein pairs", "total": "hooks + ripser + persim"}
    tasks = {"capture": "e2e capture 5 layers", "persistence": "e2e per-layer persistence",
             "distances": "e2e layer x layer W1 (H1)", "total": "e2e total"}
    return [row(tasks[k], size, ours, peers[k], peer, TARGETS[k]) for k, (ours, peer) in t.items()]


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=1000)
    p.add_argument("--landmarks", type=int, default=500)
    p.add_argument("--repeat", type=int, default=3)
    a = p.parse_args(argv)
    print_table(run(a.n, a.landmarks, a.repeat))


if __name__ == "__main__":
    main()

"""How tests/data/report_v1/ and report_v1_series/ were made: reports of schema version 1, by the previous version.

Run it with the tda_nn of schema version 1 (``"format": "tda_nn.Report/1"``, before
the typed report), not with this one: ``python tests/data/make_report_v1.py OUT``
writes ``OUT/`` and ``OUT_series/`` (``figures=False``; the HTML pages were deleted).
The analysis is real (a 2-8-8-2 ReLU MLP on a noisy circle: per-class rows, exact
regions, a loop, PCA views); the probes and symmetry payloads are small hand-made
dicts of the shape analyze writes (they need a CNN and images), and one
``betti_H1@0.5`` column is added by hand to cover the per-scale Betti columns.
"""

from __future__ import annotations

import shutil
import sys

import numpy as np
import torch

from tda_nn import analyze
from tda_nn.report import Report
from tda_nn.workflows import compare_checkpoints


def main(out: str) -> None:
    rng = np.random.default_rng(0)
    t = rng.uniform(0, 2 * np.pi, 150)
    X = np.c_[np.cos(t), np.sin(t)] + rng.normal(0, 0.03, (150, 2))
    y = (X[:, 0] > 0).astype(int)
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.ReLU(), torch.nn.Linear(8, 8), torch.nn.ReLU(),
                                torch.nn.Linear(8, 2)).eval()
    Xt = torch.as_tensor(X, dtype=torch.float32)
    rep = analyze(model, (Xt, torch.as_tensor(y)), layers=["input", "1", "3"], n_bootstrap=30, progress=False,
                  per_class=True, class_names=["left", "right"], region_resolution=24)
    body = dict(rep.__dict__)
    body["table"] = {k: dict(v) for k, v in rep.table.items()}
    body["table"]["input"]["betti_H1@0.5"] = 1
    body["probes"] = {"layers": ["1", "3"], "topological": [0.8, 0.55], "linear": [0.9, 0.95],
                      "shuffled": [0.5, 0.48], "chance": 0.5, "meta": {"kind": "cloud", "maxdim": 1, "cv": 3, "seed": 0}}
    nan = float("nan")
    body["symmetry"] = {"tol": 0.05, "invariance": {"flip": {
        "kind": "invariance", "action": "flip(axis=0)", "layers": ["input", "1", "3"], "error": [1.0, 0.4, nan],
        "interval": [[0.9, 1.1], [0.3, 0.5], [nan, nan]], "interpolation_error": None}},
        "equivariance": {}, "orbits": {}, "findings": []}
    shutil.rmtree(out, ignore_errors=True)
    Report(**body).save(out, figures=False)
    cmp = compare_checkpoints([model, model], Xt, layers=["1", "3"], names=["a", "b"], progress=False, max_samples=40)
    shutil.rmtree(out + "_series", ignore_errors=True)
    cmp.save(out + "_series", figures=False)


if __name__ == "__main__":
    main(sys.argv[1])

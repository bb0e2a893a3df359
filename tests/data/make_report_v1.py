"""Writes tests/data/report_v1/ with the code of main (format tda_nn.Report/1): a small, rich report."""
import json, shutil, sys
import numpy as np, torch
import tda_nn
from tda_nn import analyze
from tda_nn.workflows import compare_checkpoints

print(tda_nn.__file__)
rng = np.random.default_rng(0)
t = rng.uniform(0, 2 * np.pi, 150)
X = np.c_[np.cos(t), np.sin(t)] + rng.normal(0, 0.03, (150, 2))
y = (X[:, 0] > 0).astype(int)
torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.ReLU(), torch.nn.Linear(8, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2)).eval()
Xt = torch.as_tensor(X, dtype=torch.float32)
rep = analyze(model, (Xt, torch.as_tensor(y)), layers=["input", "1", "3"], n_bootstrap=30, progress=False,
              per_class=True, class_names=["left", "right"], region_resolution=24)
# probes and symmetry need conv models and images: attach small hand-made payloads of the same shape as analyze's
from tda_nn.report import Report
body = dict(rep.__dict__)
body["table"] = {k: dict(v) for k, v in rep.table.items()}
body["table"]["input"]["betti_H1@0.5"] = 1  # the betti_H{k}@{s} columns analyze writes with per-scale Betti numbers
body["probes"] = {"layers": ["1", "3"], "topological": [0.8, 0.55], "linear": [0.9, 0.95], "shuffled": [0.5, 0.48],
                  "chance": 0.5, "meta": {"kind": "cloud", "maxdim": 1, "cv": 3, "seed": 0}}
body["symmetry"] = {"tol": 0.05, "invariance": {"flip": {"kind": "invariance", "action": "flip(axis=0)",
                    "layers": ["input", "1", "3"], "error": [1.0, 0.4, float("nan")],
                    "interval": [[0.9, 1.1], [0.3, 0.5], [float("nan"), float("nan")]], "interpolation_error": None}},
                    "equivariance": {}, "orbits": {}, "findings": []}
rep2 = Report(**body)
print(rep2)
out = sys.argv[1]
shutil.rmtree(out, ignore_errors=True)
rep2.save(out, figures=False)
cmp = compare_checkpoints([model, model], Xt, layers=["1", "3"], names=["a", "b"], progress=False, max_samples=40)
shutil.rmtree(out + "_series", ignore_errors=True)
cmp.save(out + "_series", figures=False)
print(cmp, list(cmp.table))

"""How close the plan's estimate is to the time a run takes: the demo and a 5,000-sample digits-CNN run.

For each case: ``tda_nn.analyze(..., dry_run=True)`` gives the plan; the same call without
``dry_run`` and ``Report.save`` (figures and HTML, as ``tda-nn analyze`` writes them) give
the actual wall time. Printed per stage (estimate, measured) and in total, with the ratio
estimate / actual; the plan's docstring quotes the totals (:mod:`tda_nn.workflows.plan`).

* ``demo``: ``tda-nn demo``'s analysis on the bundled checkpoint (``data/digits_cnn.pt``):
  1,000 samples, 400 points, probes on conv1 and conv2, regions, loops, PCA views.
* ``digits_cnn_5000``: the same model on 5,000 samples (scikit-learn's digits tiled and
  jittered with seeded Gaussian noise of 0.05), 500 points, probes on conv1 and conv2.

The machine is shared: one run, not a median; read ratios, not lone times.

Run: python benchmarks/plan_accuracy.py [demo] [digits_cnn_5000] [--json OUT]
"""

from __future__ import annotations

import json
import sys
import tempfile
import time

import numpy as np


def _digits(n: int):
    import torch
    from sklearn.datasets import load_digits

    d = load_digits()
    X = (d.data / 16.0).reshape(-1, 1, 8, 8)
    y = d.target
    if n > len(X):
        reps = -(-n // len(X))
        X = np.tile(X, (reps, 1, 1, 1))[:n]
        y = np.tile(y, reps)[:n]
        X = X + 0.05 * np.random.default_rng(0).normal(size=X.shape)
    return torch.tensor(X[:n], dtype=torch.float32), torch.tensor(y[:n])


CASES = {
    "demo": dict(n=1797, max_samples=1000, max_points=400),
    "digits_cnn_5000": dict(n=5000, max_samples=5000, max_points=500),
}


def measure(name: str) -> dict:
    import tda_nn
    from tda_nn.nn.zoo import load_digits_cnn

    case = CASES[name]
    X, y = _digits(case["n"])
    kw = dict(layers=["input", "conv1", "conv2", "fc1", "fc2"], max_samples=case["max_samples"],
              max_points=case["max_points"], probe=True, probe_layers=["conv1", "conv2"], seed=0, progress=False)
    model = load_digits_cnn()
    plan = tda_nn.analyze(model, (X, y), dry_run=True, **kw)
    t0 = time.perf_counter()
    report = tda_nn.analyze(model, (X, y), **kw)
    t1 = time.perf_counter()
    with tempfile.TemporaryDirectory() as out:
        report.save(out)
    t2 = time.perf_counter()
    timings = dict(report.config["timings"])
    timings["report"] = timings.get("findings", 0.0) + (t2 - t1)
    estimate = {s.name: s.seconds for s in plan.stages if s.runs}
    return {"case": name, "plan_s": plan.seconds, "actual_s": t2 - t0, "ratio": plan.seconds / (t2 - t0),
            "stages": {k: [round(estimate.get(k, 0.0), 2), round(v, 2)] for k, v in
                       {**{k: 0.0 for k in estimate}, **timings}.items()}}


def main(argv: list[str]) -> None:
    out = None
    if "--json" in argv:
        i = argv.index("--json")
        out = argv[i + 1]
        argv = argv[:i] + argv[i + 2:]
    rows = [measure(name) for name in (argv or list(CASES))]
    for r in rows:
        print(f"{r['case']}: plan {r['plan_s']:.1f} s, actual {r['actual_s']:.1f} s, estimate/actual {r['ratio']:.2f}")
        for stage, (est, got) in r["stages"].items():
            print(f"  {stage:<14} estimate {est:>7.2f} s   measured {got:>7.2f} s")
    if out:
        with open(out, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main(sys.argv[1:])

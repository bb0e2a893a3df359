"""Write the golden numbers of the workflows: ``python tests/data/make_golden.py`` (from the repository root).

Four small runs, chosen to finish in well under a minute together on two cores:

* ``demo``: the demo's analysis (``tda-nn demo``: the digits CNN, layers input, conv1,
  conv2, fc1, fc2, probes on conv1 and conv2) on the bundled checkpoint at small sizes;
* ``quickstart``: the README's quick start (default probe layers, class names) at small sizes;
* ``extras``: a noisy circle through an MLP (per-class rows, Betti columns, the combined
  distance, loops);
* ``compare`` and ``track``: two MLP checkpoints compared and tracked.

Each golden file holds the report's table, matrices, findings (rule and text), probe scores and
series, written with ``json`` (floats as ``repr``, so they round-trip exactly).
``tests/test_golden.py`` recomputes them and compares. Regenerate only when a change of numbers is
intended, and say which in the commit.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Mapping
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent


def _plain(v):
    if isinstance(v, Mapping):  # dicts, and the typed results that read as mappings
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if isinstance(v, np.ndarray):
        return _plain(v.tolist())
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return repr(v)  # 'nan', 'inf': kept apart from numbers so equality is plain
    return v


def numbers(report) -> dict:
    """What the golden files hold of a report."""
    probes = None
    if report.probes:
        probes = {k: report.probes[k] for k in ("layers", "topological", "linear", "shuffled") if k in report.probes}
    return _plain({
        "layers": list(report.layers),
        "table": report.table,
        "matrices": {k: {"labels": list(lab), "matrix": m} for k, (lab, m) in report.matrices.items()},
        "findings": [[f.rule, f.text] for f in report.findings],
        "probes": probes,
        "series": report.series or None,
        "n_regions": None if not report.regions else report.regions.get("full_window_regions"),
    })


def runs() -> dict:
    """name -> a function returning the Report of that run."""
    import torch
    from sklearn.datasets import load_digits

    import tda_nn
    from tda_nn.nn.zoo import load_digits_cnn, mlp

    d = load_digits()
    X = torch.tensor(d.data.reshape(-1, 1, 8, 8) / 16, dtype=torch.float32)
    y = torch.tensor(d.target)
    small = {"max_samples": 240, "max_points": 120, "n_bootstrap": 20, "progress": False, "seed": 0}

    def demo():
        return tda_nn.analyze(load_digits_cnn(), (X, y), layers=["input", "conv1", "conv2", "fc1", "fc2"],
                              probe=True, probe_layers=["conv1", "conv2"], region_resolution=32, **small)

    def quickstart():
        return tda_nn.analyze(load_digits_cnn(), (X, y), layers=["input", "conv1", "conv2", "fc1", "fc2"],
                              probe=True, class_names=[str(k) for k in range(10)], region_resolution=32, **small)

    def _mlps():
        g = torch.Generator().manual_seed(0)
        Z = torch.randn(160, 4, generator=g)
        models = []
        for s in (0, 1, 2):
            torch.manual_seed(s)
            models.append(mlp(4, 12, 2, 3))
        return models, Z

    def compare():
        models, Z = _mlps()
        return tda_nn.compare_checkpoints(models, Z, layers=["act0", "act1"], max_samples=160, max_points=80,
                                          progress=False)

    def track():
        models, Z = _mlps()
        return tda_nn.track(models, Z, layers=["act0", "act1"], max_samples=160, max_points=80, steps=[0, 5, 10],
                            progress=False)

    def extras():  # per-class rows, Betti columns, the combined distance and loops (a circle through an MLP)
        rng = np.random.default_rng(0)
        t = rng.uniform(0, 2 * np.pi, 200)
        P = np.c_[np.cos(t), np.sin(t)] + 0.05 * rng.normal(size=(200, 2))
        torch.manual_seed(0)
        return tda_nn.analyze(mlp(2, 16, 2, 2), (torch.tensor(P, dtype=torch.float32), torch.tensor(t > np.pi).long()),
                              layers=["input", "act0", "act1"], per_class=True, scales=(0.25, 0.5),
                              combined_distance=True, region_resolution=32, **{**small, "max_samples": 200,
                                                                                "max_points": 100})

    return {"demo": demo, "quickstart": quickstart, "extras": extras, "compare": compare, "track": track}


def main(names=None) -> None:
    for name, make in runs().items():
        if names and name not in names:
            continue
        path = HERE / f"golden_{name}.json"
        path.write_text(json.dumps(numbers(make()), indent=1, sort_keys=True) + "\n")
        print("wrote", path)


if __name__ == "__main__":
    main(sys.argv[1:])

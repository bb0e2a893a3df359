"""Calibration of ``significant_bars``: false-positive rate and power of every method.

Null clouds (no loop, one component): Gaussian, uniform cube, heavy-tailed
(Student t, 3 degrees of freedom) and ReLU features of Gaussian inputs (a random
layer ``max(0, W x)``, 16-D inputs), in 2 to 256 dimensions, 100 to 2,000 points,
iid and through 300 max-min or random landmarks. Planted clouds: a clean circle of
60 points (few bars), a planar circle with noise 0.2, a unit circle in 32-D with
noise 0.1 per coordinate, two circles in 32-D, a torus in 3-D (two loops), four
Gaussian blobs in 16-D (centres 8 sd from the origin, 100 points each) and three
blobs of unequal sizes (200, 80, 30 points) in 8-D.

Columns: for every cloud kind and method, the share of clouds with **any**
significant H1 bar (nulls: the false-positive rate; should be <= alpha = 0.05), the
share with **more than one** significant component (nulls: should be <= 0.05), and
for planted clouds the share with **exactly** the planted number of loops (H1) or
components (H0). Methods:

- ``universal``: the default (Bobrowski-Skraba p-values, Bonferroni; H0 by the
  runt-ratio test of ``diagnostics/clusters.py``), on every point or on landmarks;
- ``bootstrap`` / ``subsample``: the Fasy et al. band (100 resamples), H0 and H1 alike.

``--clusters`` runs the H0 cluster test alone (:func:`calibrate_clusters`), its
three dimension rules (``dimension_rule='cloud'``, the rule before; ``'merge'``; and
``'both'``, the default) on the same clouds:
nulls (Gaussian, uniform, Student t, ReLU, anisotropic, a line through a blob,
near-duplicate triples, rings and curves in high dimension, one templated topic)
and planted clusters (blobs, templated topics), with Clopper-Pearson intervals.

Run: ``python benchmarks/calibration.py [--quick] [--reps N] [--clusters]``; ``--quick`` runs a
reduced grid (a few minutes on 2 shared cores). ``python benchmarks/run.py
calibration`` adds its summary rows (worst null rate, weakest power) to the
benchmark table: there ``ratio`` is rate / 0.05 for false positives and
target / power for power, met when at most 1.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

__all__ = ["run", "calibrate", "calibrate_clusters"]

ALPHA = 0.05


# -- generators: (n, dim) -> cloud, seeded --------------------------------------------
def _gauss(s: int, n: int, d: int) -> np.ndarray:
    return np.random.default_rng(s).normal(size=(n, d))


def _uniform(s: int, n: int, d: int) -> np.ndarray:
    return np.random.default_rng(s).uniform(size=(n, d))


def _heavy(s: int, n: int, d: int) -> np.ndarray:
    return np.random.default_rng(s).standard_t(3, size=(n, d))


def _relu(s: int, n: int, d: int) -> np.ndarray:
    rng = np.random.default_rng(s)
    return np.maximum(rng.normal(size=(n, 16)) @ rng.normal(size=(16, d)), 0.0)


NULLS: dict[str, Callable[[int, int, int], np.ndarray]] = {
    "gaussian": _gauss, "uniform": _uniform, "t3": _heavy, "relu": _relu}


def _embed(X: np.ndarray, d: int, noise: float, rng: np.random.Generator) -> np.ndarray:
    Y = np.zeros((len(X), d))
    Y[:, : X.shape[1]] = X
    return Y + rng.normal(scale=noise, size=Y.shape)


def _planted() -> dict[str, tuple[Callable[[int], np.ndarray], int, int, str | None]]:
    """name -> (generator(seed), planted H1 loops, planted H0 components, landmarks)."""
    from tda_nn.datasets import circle, circles, torus

    def blobs(s: int) -> np.ndarray:
        rng = np.random.default_rng(s)
        C = np.zeros((4, 16))
        C[np.arange(4), np.arange(4)] = 8.0
        return np.concatenate([rng.normal(size=(100, 16)) + c for c in C])

    def unequal(s: int) -> np.ndarray:
        rng = np.random.default_rng(s)
        C = np.zeros((3, 8))
        C[np.arange(3), np.arange(3)] = 8.0
        return np.concatenate([rng.normal(size=(k, 8)) + c for k, c in zip((200, 80, 30), C)])

    def big_circle(s: int) -> np.ndarray:
        return _embed(circle(2000, seed=s), 32, 0.1, np.random.default_rng(s + 1000))

    return {
        "circle 60 pts, noise 0.02 (few bars)": (lambda s: circle(60, noise=0.02, seed=s), 1, 1, None),
        "circle 2-D, 200 pts, noise 0.2": (lambda s: circle(200, noise=0.2, seed=s), 1, 1, None),
        "circle in 32-D, 300 pts, noise 0.1": (
            lambda s: _embed(circle(300, seed=s), 32, 0.1, np.random.default_rng(s + 1000)), 1, 1, None),
        "circle 32-D, 2000 pts, noise 0.1, maxmin 300": (big_circle, 1, 1, "maxmin"),
        "circle 32-D, 2000 pts, noise 0.1, random 300": (big_circle, 1, 1, "random"),
        "two circles in 32-D, 400 pts, noise 0.05": (
            lambda s: _embed(circles(400, n_circles=2, seed=s)[0], 32, 0.05, np.random.default_rng(s + 1000)),
            2, 1, None),
        "torus 3-D, 400 pts, noise 0.05": (lambda s: torus(400, noise=0.05, seed=s), 2, 1, None),
        "4 blobs 16-D, 4x100 pts": (blobs, 0, 4, None),
        "3 blobs 8-D, 200/80/30 pts": (unequal, 0, 3, None),
    }


def _methods(quick: bool) -> dict[str, dict[str, Any]]:
    out = {"universal": dict(method="universal"), "bootstrap": dict(method="bootstrap", n_bootstrap=100)}
    if not quick:
        out["subsample"] = dict(method="subsample", n_bootstrap=100)
    return out


def _null_grid(quick: bool) -> list[tuple[str, int, int, str | None]]:
    """(generator, n, dim, landmarks) cases."""
    if quick:
        return [("gaussian", 300, 2, None), ("gaussian", 300, 32, None), ("uniform", 300, 2, None),
                ("uniform", 200, 8, None), ("t3", 300, 8, None), ("relu", 300, 64, None),
                ("gaussian", 100, 256, None), ("gaussian", 2000, 16, "maxmin"), ("gaussian", 2000, 16, "random"),
                ("t3", 2000, 8, "maxmin")]
    grid = []
    for g in NULLS:
        for d in (2, 8, 32, 256):
            for n in (100, 300, 1000):
                grid.append((g, n, d, None))
        for d in (8, 64):
            grid += [(g, 2000, d, "maxmin"), (g, 2000, d, "random")]
    return grid


def _one(X: np.ndarray, kw: dict[str, Any], seed: int, landmarks: str | None, maxdim: int) -> tuple[int, int]:
    from tda_nn.diagnostics.significance import significant_bars

    lm = dict(n_landmarks=300, landmark_method=landmarks) if landmarks else {}
    res = significant_bars(X, maxdim=maxdim, alpha=ALPHA, seed=seed, **kw, **lm)
    return res.n_significant(0), res.n_significant(1) if maxdim >= 1 else 0


def calibrate(*, quick: bool = True, reps: int | None = None, log: Any = None) -> list[dict[str, Any]]:
    """Every (cloud kind, method) cell: rates over ``reps`` seeds. Returns one dict per cell."""
    reps = reps or (8 if quick else 40)
    rows = []
    for g, n, d, lm in _null_grid(quick):
        for mname, kw in _methods(quick).items():
            if lm and mname != "universal" and quick:
                continue
            t0 = time.perf_counter()
            h0, h1 = zip(*[_one(NULLS[g](1000 * n + 10 * d + s, n, d), kw, s, lm, 1) for s in range(reps)])
            rows.append(dict(kind="null", cloud=f"{g} n={n} d={d}" + (f" {lm} 300" if lm else ""), method=mname,
                             h1_any=float(np.mean(np.array(h1) > 0)), h0_many=float(np.mean(np.array(h0) > 1)),
                             exact=float("nan"), reps=reps, seconds=time.perf_counter() - t0))
            if log:
                log(rows[-1])
    for name, (gen, loops, comps, lm) in _planted().items():
        for mname, kw in _methods(quick).items():
            if lm and mname != "universal" and quick:
                continue
            t0 = time.perf_counter()
            maxdim = 1 if loops else 0
            h0, h1 = zip(*[_one(gen(s), kw, s, lm, maxdim) for s in range(reps)])
            exact = np.mean([(a == comps) and (b == loops or not loops) for a, b in zip(h0, h1)])
            rows.append(dict(kind="planted", cloud=name, method=mname, h1_any=float(np.mean(np.array(h1) > 0)),
                             h0_many=float(np.mean(np.array(h0) > 1)), exact=float(exact), reps=reps,
                             seconds=time.perf_counter() - t0))
            if log:
                log(rows[-1])
    return rows


# -- the H0 cluster test alone: old rule against new, same clouds ---------------------
def _templated(s: int, *, n_topics: int = 1, per: int = 200, slots: tuple[int, ...] = (4, 4, 4, 4),
               scales: tuple[float, ...] = (1.0, 1.0, 1.0, 1.0), dim: int = 384, sep: float = 3.0,
               noise: float = 0.01) -> np.ndarray:
    """Templated "sentences": per topic, slot choices combined (a sample of a product grid) plus tiny noise.

    Each topic has a centre at distance ``sep`` from the origin and, per slot, a few
    random choice vectors of norm about ``scale``; a point is its topic's centre plus
    one choice per slot (``per`` distinct combinations when there are enough) plus
    isotropic noise of norm about ``noise``: the discrete, low local dimension of
    sentence embeddings of a template (MiniLM embeddings of templated topics look
    1.4-dimensional at 10 neighbours).
    """
    rng = np.random.default_rng(s)
    out = []
    for _ in range(n_topics):
        c = rng.normal(size=dim)
        c *= sep / np.linalg.norm(c)
        V = [rng.normal(size=(k, dim)) * sc / np.sqrt(dim) for k, sc in zip(slots, scales)]
        grid = np.stack(np.meshgrid(*[np.arange(k) for k in slots], indexing="ij"), -1).reshape(-1, len(slots))
        pick = grid[rng.choice(len(grid), per, replace=len(grid) < per)]
        out.append(c + sum(V[j][pick[:, j]] for j in range(len(slots)))
                   + rng.normal(size=(per, dim)) * noise / np.sqrt(dim))
    return np.concatenate(out)


def _curve(s: int, n: int = 300, dim: int = 64, noise: float = 0.05) -> np.ndarray:
    """A random smooth closed curve (5 Fourier modes) in ``dim`` dimensions, iid along it, with noise."""
    rng = np.random.default_rng(s)
    t = rng.uniform(0, 2 * np.pi, n)
    F = np.concatenate([np.cos(np.outer(t, np.arange(1, 6))), np.sin(np.outer(t, np.arange(1, 6)))], axis=1)
    A = rng.normal(size=(10, dim)) / np.sqrt(dim) / np.repeat(np.arange(1, 6), 2)[:, None]
    return F @ A * 2 + rng.normal(scale=noise / np.sqrt(dim), size=(n, dim))


def _line_blob(s: int) -> np.ndarray:
    """One connected density of two dimensions: a segment of length 8 through an 8-D Gaussian (150 + 150)."""
    rng = np.random.default_rng(s)
    line = np.zeros((150, 8))
    line[:, 0] = rng.uniform(-4, 4, 150)
    return np.concatenate([rng.normal(size=(150, 8)), line + rng.normal(scale=0.02, size=(150, 8))])


def _cluster_clouds() -> dict[str, tuple[Callable[[int], np.ndarray], int]]:
    """name -> (generator(seed), planted component count; 1 for the nulls)."""
    from tda_nn.datasets import circle

    def blobs(s: int, sizes=(100, 100, 100, 100), dim: int = 16, sep: float = 8.0) -> np.ndarray:
        rng = np.random.default_rng(s)
        C = np.zeros((len(sizes), dim))
        C[np.arange(len(sizes)), np.arange(len(sizes))] = sep
        return np.concatenate([rng.normal(size=(k, dim)) + c for k, c in zip(sizes, C)])

    return {
        "gaussian n=300 d=2": (lambda s: _gauss(s, 300, 2), 1),
        "gaussian n=400 d=16": (lambda s: _gauss(s, 400, 16), 1),
        "gaussian n=100 d=256": (lambda s: _gauss(s, 100, 256), 1),
        "uniform n=300 d=2": (lambda s: _uniform(s, 300, 2), 1),
        "uniform n=300 d=8": (lambda s: _uniform(s, 300, 8), 1),
        "t3 n=300 d=8": (lambda s: _heavy(s, 300, 8), 1),
        "t1 n=300 d=4": (lambda s: np.random.default_rng(s).standard_t(1, size=(300, 4)), 1),
        "relu n=300 d=64": (lambda s: _relu(s, 300, 64), 1),
        "circle 32-D n=300 noise 0.1": (
            lambda s: _embed(circle(300, seed=s), 32, 0.1, np.random.default_rng(s + 1000)), 1),
        "circle 2-D n=300 noise 0.05": (lambda s: circle(300, noise=0.05, seed=s), 1),
        "curve 64-D n=300 noise 0.05": (_curve, 1),
        "gaussian n=1000 d=2": (lambda s: _gauss(s, 1000, 2), 1),
        "uniform n=1000 d=3": (lambda s: _uniform(s, 1000, 3), 1),
        "anisotropic gaussian n=500 d=32 (sd 1/k)": (
            lambda s: _gauss(s, 500, 32) / np.arange(1, 33), 1),
        "line through an 8-D gaussian, 150+150": (_line_blob, 1),
        "near-duplicate triples, 100 centres uniform 8-D": (
            lambda s: np.repeat(_uniform(s, 100, 8), 3, axis=0)
            + np.random.default_rng(s + 7).normal(scale=1e-3, size=(300, 8)), 1),
        "circle 32-D n=1000 noise 0.1": (
            lambda s: _embed(circle(1000, seed=s), 32, 0.1, np.random.default_rng(s + 1000)), 1),
        "curve 64-D n=1000 noise 0.05": (lambda s: _curve(s, 1000), 1),
        "templated 1 topic n=200 (4x4x4x4 slots)": (_templated, 1),
        "templated 1 topic n=400 (5x5x4x4 slots)": (
            lambda s: _templated(s, per=400, slots=(5, 5, 4, 4), scales=(1, 1, 1, 1)), 1),
        "templated 1 topic n=200 (6x6x6 slots)": (lambda s: _templated(s, slots=(6, 6, 6), scales=(1, 1, 1)), 1),
        "4 blobs 16-D, 4x100 pts": (blobs, 4),
        "3 blobs 8-D, 200/80/30 pts": (lambda s: blobs(s, (200, 80, 30), 8), 3),
        "templated 4 topics 4x50 (slots 1/.6/.3/.1)": (
            lambda s: _templated(s, n_topics=4, per=50, slots=(4, 4, 3, 3), scales=(1.0, 0.6, 0.3, 0.1)), 4),
        "4 blobs 16-D, 4x100 pts, centres 5 sd": (lambda s: blobs(s, sep=5.0), 4),
        "2 blobs 2-D, 2x150 pts, centres 4 sd": (lambda s: blobs(s, (150, 150), 2, sep=4.0), 2),
        "templated 4 topics 4x50 (3x3x3 slots, repeats)": (
            lambda s: _templated(s, n_topics=4, per=50, slots=(3, 3, 3), scales=(1.0, 0.6, 0.3)), 4),
        "templated 4 topics 4x50 (equal slots)": (
            lambda s: _templated(s, n_topics=4, per=50, slots=(4, 4, 3, 3), scales=(1, 1, 1, 1), sep=4.0), 4),
    }


def _binom(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Clopper-Pearson interval of ``k`` successes in ``n`` trials."""
    from scipy.stats import beta

    lo = float(beta.ppf((1 - level) / 2, k, n - k + 1)) if k > 0 else 0.0
    hi = float(beta.ppf(1 - (1 - level) / 2, k + 1, n - k)) if k < n else 1.0
    return lo, hi


def calibrate_clusters(reps: int = 40, log: Any = None) -> list[dict[str, Any]]:
    """``significant_clusters`` under each ``dimension_rule``: ``'cloud'`` (the old), ``'merge'`` and ``'both'``.

    Each seed's cloud is tested by both rules. Nulls: the share of clouds with more
    than one significant component (false positives at alpha = 0.05); planted
    clouds: the share with exactly the planted count.
    """
    from tda_nn.diagnostics.clusters import significant_clusters

    rows = []
    for name, (gen, comps) in _cluster_clouds().items():
        t0 = time.perf_counter()
        counts: dict[str, list[int]] = {"cloud": [], "merge": [], "both": []}
        for s in range(reps):
            X = gen(s)
            for rule in counts:
                counts[rule].append(significant_clusters(X, alpha=ALPHA, dimension_rule=rule).n_significant)
        row = dict(cloud=name, planted=comps, reps=reps, seconds=time.perf_counter() - t0)
        for rule, c in counts.items():
            k = int(np.sum(np.array(c) > 1)) if comps == 1 else int(np.sum(np.array(c) == comps))
            row["rule_" + rule] = (k, *_binom(k, reps))
        rows.append(row)
        if log:
            log(row)
    return rows


def _fmt_clusters(r: dict[str, Any]) -> str:
    what = "> 1 (FP)" if r["planted"] == 1 else f"== {r['planted']}"
    cell = {rule: f"{r['rule_' + rule][0]:>3}/{r['reps']} [{r['rule_' + rule][1]:.2f}, {r['rule_' + rule][2]:.2f}]"
            for rule in ("cloud", "merge", "both")}
    return (f"{r['cloud']:<44} {what:>9} {cell['cloud']:>20} {cell['merge']:>20} {cell['both']:>20} "
            f"{r['seconds']:>7.1f}")


CLUSTER_HEADER = (f"{'cloud':<44} {'count':>9} {'old rule (cloud)':>20} {'merge rule':>20} {'both (default)':>20} "
                  f"{'time (s)':>7}")


def _fmt(r: dict[str, Any]) -> str:
    ex = "" if np.isnan(r["exact"]) else f"{r['exact']:.2f}"
    return (f"{r['kind']:<8} {r['cloud']:<44} {r['method']:<10} {r['h1_any']:>7.2f} {r['h0_many']:>8.2f} "
            f"{ex:>6} {r['reps']:>5} {r['seconds']:>8.1f}")


HEADER = (f"{'kind':<8} {'cloud':<44} {'method':<10} {'H1 any':>7} {'H0 > 1':>8} {'exact':>6} {'reps':>5} "
          f"{'time (s)':>8}")


def timing_demo(repeat: int = 3, n: int = 1000, landmarks: int = 400) -> tuple[float, float, list[str]]:
    """Seconds of the demo's persistence stage and of the significance test within it.

    The demo's setting: the bundled digits CNN, 1,000 digits, layers input, conv1,
    conv2, fc1, fc2 (every unit), 400 max-min landmarks, maxdim 1. The stage is
    ``layer_profile`` without a test (``n_bootstrap=0``: landmarks, reference scale,
    TwoNN, diagrams, summaries); the test's cost is, per layer, ``significant_bars``
    on the landmarks minus ``persistence`` of the same landmarks (the diagram it
    computes itself), with the caches of its reference clouds emptied before every
    run, as in a first run of the demo. Medians of ``repeat`` interleaved runs; the
    machine's load moves both sides alike. Returns (stage, test, lines).
    """
    import torch
    from sklearn.datasets import load_digits

    import tda_nn
    from tda_nn.clouds import landmarks as choose
    from tda_nn.clouds import pairwise_distances
    from tda_nn.diagnostics import clusters, significance
    from tda_nn.diagnostics.layers import layer_profile
    from tda_nn.homology import persistence

    X, _ = load_digits(return_X_y=True)
    data = torch.as_tensor((X[:n] / 16.0).astype(np.float32).reshape(-1, 1, 8, 8))
    acts = tda_nn.capture(tda_nn.zoo.load_digits_cnn(), data, ["input", "conv1", "conv2", "fc1", "fc2"],
                          reduce="flatten", progress=False)
    clouds = {name: choose(np.asarray(acts[name], dtype=np.float64).reshape(n, -1), landmarks, seed=0).points
              for name in acts.layers}
    stage, test, lines = [], [], []
    for _ in range(repeat):
        t0 = time.perf_counter()
        layer_profile(acts, n_landmarks=landmarks, n_bootstrap=0, seed=0, n_jobs=1)
        stage.append(time.perf_counter() - t0)
        clusters._null_max.cache_clear()
        significance._reference_loglog.cache_clear()
        extra = 0.0
        for P in clouds.values():
            t0 = time.perf_counter()
            persistence(pairwise_distances(P), maxdim=1, metric="precomputed")
            t1 = time.perf_counter()
            significance.significant_bars(P, maxdim=1, seed=0)
            t2 = time.perf_counter()
            extra += max((t2 - t1) - (t1 - t0), 0.0)
        test.append(extra)
    a, b = float(np.median(stage)), float(np.median(test))
    lines.append(f"persistence stage without the test {a:.3f} s; the test on the same landmarks {b:.3f} s")
    return a, b, lines


def run(quick: bool = True) -> list[dict]:
    """Rows for ``benchmarks/run.py``: the test's cost on the demo, worst null rates, power on the targets."""
    from _timing import row

    t0 = time.perf_counter()
    cells = calibrate(quick=quick)
    took = time.perf_counter() - t0
    uni = [c for c in cells if c["method"] == "universal"]
    nulls = [c for c in uni if c["kind"] == "null"]
    planted = [c for c in uni if c["kind"] == "planted"]
    worst1 = max(c["h1_any"] for c in nulls)
    worst0 = max(c["h0_many"] for c in nulls)
    t_ph, t_sig, _ = timing_demo()
    grid = "quick grid" if quick else "full grid"
    out = [
        row("significance / persistence stage (demo)", "digits CNN, 5 x 400 landmarks", t_sig,
            "layer_profile(n_bootstrap=0)", t_ph, 0.25),
        row("calibration: worst null H1 rate", grid, took, "alpha", ALPHA, 1.0)
        | {"ratio": worst1 / ALPHA, "met": worst1 <= ALPHA},
        row("calibration: worst null H0 > 1 rate", grid, took, "alpha", ALPHA, 1.0)
        | {"ratio": worst0 / ALPHA, "met": worst0 <= ALPHA},
    ]
    by_name = {c["cloud"]: c for c in planted}
    for name, target in TARGETS.items():
        power = by_name[name]["exact"]
        out.append(row(f"power: {name}", grid, took, f"target {target:g}", target, 1.0)
                   | {"ratio": target / max(power, 1e-9), "met": power >= target})
    return out


#: the issue's power targets (share of clouds with exactly the planted count)
TARGETS = {"circle 60 pts, noise 0.02 (few bars)": 0.95, "circle 2-D, 200 pts, noise 0.2": 0.8,
           "circle in 32-D, 300 pts, noise 0.1": 0.9, "two circles in 32-D, 400 pts, noise 0.05": 0.9,
           "4 blobs 16-D, 4x100 pts": 0.85}


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="a reduced grid, 8 seeds per cell (a few minutes)")
    p.add_argument("--reps", type=int, default=None, help="seeds per cell (default 8 quick, 40 full)")
    p.add_argument("--clusters", action="store_true", help="only the H0 cluster test, old and new rule side by side")
    p.add_argument("--timing", action="store_true", help="only the cost of significance against persistence "
                                                          "on the demo's landmark clouds")
    a = p.parse_args(argv)
    if a.clusters:
        print(CLUSTER_HEADER)
        print("-" * len(CLUSTER_HEADER))
        calibrate_clusters(reps=a.reps or 40, log=lambda r: print(_fmt_clusters(r), flush=True))
        return 0
    if a.timing:
        t_ph, t_sig, lines = timing_demo()
        print("\n".join(lines))
        print(f"total: persistence {t_ph:.3f} s, significance {t_sig:.3f} s, ratio {t_sig / t_ph:.3f}")
        return 0
    print(HEADER)
    print("-" * len(HEADER))
    calibrate(quick=a.quick, reps=a.reps, log=lambda r: print(_fmt(r), flush=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

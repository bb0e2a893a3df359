"""Mapper: time and peak memory against kepler-mapper 2.1 on the same input, lens, cover and clusterer.

Input: synthetic activations, ``relu(Z @ W)`` with ``Z`` a 10-class Gaussian mixture in 16-D and
``W`` a fixed 16 x 256 map (float32), so the cloud is clustered, low-dimensional inside 256-D and
non-negative like a ReLU layer. Lens: the first two principal components (computed once,
outside the timings); cover: 10 x 10 intervals, overlap 0.3.

Variants, each in its own process (peak RSS during the call, the peak counter reset just before
it, and that peak minus the RSS before the call):

* ``tda_nn default``: ``tda_nn.mapper`` with its default clusterer (single linkage cut at the
  first histogram gap, exact minimum spanning tree without a matrix of all pairs above 2,500
  samples per pre-image);
* ``tda_nn DBSCAN`` and ``kmapper DBSCAN``: both with ``DBSCAN(eps, min_samples=5)``, ``eps`` the
  median distance to the 5th neighbour on 2,000 samples; the two graphs are checked equal
  (same nodes as member sets, same edges).

``--rule`` instead measures the default clusterer's histogram rule (bins 3, 5, 10, Sturges) on
noisy circles (height lens: 1 loop, 1 component expected), figure-eights (2 loops) and two
Gaussian blobs in 5-D (2 components), over seeds and covers: the share of graphs with the
right counts.

Run: python benchmarks/bench_mapper.py [--n 10000 100000] [--rule]

Measured on the shared 2-core machine (2026-12-07, one run each, other jobs running):

    n x 256   variant          time (s)  peak RSS (MiB)  + over data  nodes  edges
    10000     tda_nn default       4.72             245            4     60    159
    10000     tda_nn DBSCAN        6.53             245            4     73    141
    10000     kmapper DBSCAN       7.53             244           40     73    141
    100000    tda_nn default     140.23             512          176     70    201
    100000    tda_nn DBSCAN       87.63             559          223    114    263
    100000    kmapper DBSCAN      86.45             865          529    114    263

(same nodes and edges for tda_nn and kmapper with DBSCAN at both sizes; earlier runs under
heavier load: 10k default 4.3-7.0 s, 100k default 241-271 s before the float32 Boruvka.) At
100,000 the uniform cover's largest pre-images hold 17,000 samples; the default clusterer's
exact spanning tree costs about two k-nearest-neighbour passes over each (no pre-image matrix
above 2,500 samples), DBSCAN one radius query.

``--rule`` (share of graphs with the expected counts, 10 seeds x 4 covers):

    n_bins  min_points  circle 1 comp  circle 1 loop  eight 2 loops  blobs 2 comp
         3           3           1.00           0.95           0.95          0.88
         5           3           1.00           0.95           0.82          0.75
        10           3           0.88           0.65           0.17          0.55
      auto           3           0.88           0.80           0.38          0.62
         3           1           1.00           0.95           0.95          0.33
        10           1           0.40           0.65           0.17          0.00
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def activations(n: int, d: int = 256, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centers = rng.normal(scale=3.0, size=(10, 16))
    Z = centers[rng.integers(0, 10, n)] + rng.normal(size=(n, 16))
    W = rng.normal(size=(16, d)) / 4.0
    return np.maximum(Z @ W, 0.0).astype(np.float32)


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _reset_peak() -> bool:
    """Reset the process's peak RSS (VmHWM) so that it measures the call alone (Linux >= 4.0)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _peak_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def one(variant: str, n: int) -> dict:
    sys.path.insert(0, ROOT)
    import warnings

    from sklearn.cluster import DBSCAN
    from sklearn.neighbors import NearestNeighbors

    import tda_nn
    from tda_nn.mapper.lenses import pca

    X = activations(n)
    lens = pca(X, 2)
    sub = X[np.random.default_rng(1).choice(n, min(n, 2000), replace=False)]
    eps = float(np.median(NearestNeighbors(n_neighbors=6).fit(sub).kneighbors(sub)[0][:, 5]))
    base = _rss_mb()
    _reset_peak()
    t0 = time.perf_counter()
    if variant == "kmapper":
        import kmapper as km

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            g = km.KeplerMapper(verbose=0).map(lens, X, clusterer=DBSCAN(eps=eps, min_samples=5),
                                               cover=km.Cover(n_cubes=10, perc_overlap=0.3))
        elapsed = time.perf_counter() - t0
        nodes = sorted(sorted(int(i) for i in v) for v in g["nodes"].values())
        edges = sum(len(v) for v in g["links"].values())
        sig = hash(json.dumps(nodes))
        n_nodes = len(nodes)
    else:
        clusterer = DBSCAN(eps=eps, min_samples=5) if variant == "dbscan" else None
        g = tda_nn.mapper(X, lens=lens, cover=(10, 0.3), clusterer=clusterer)
        elapsed = time.perf_counter() - t0
        nodes = sorted(m.tolist() for m in g.members)
        edges = g.n_edges
        sig = hash(json.dumps(nodes))
        n_nodes = g.n_nodes
    peak = _peak_mb()
    return {"variant": variant, "n": n, "seconds": elapsed, "peak_mb": peak, "base_mb": base, "nodes": n_nodes,
            "edges": edges, "signature": sig}


def run_variant(variant: str, n: int) -> dict:
    out = subprocess.run([sys.executable, __file__, "--one", variant, "--n", str(n)], capture_output=True, text=True,
                         env={**os.environ, "PYTHONHASHSEED": "0"})
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def rule_table() -> None:
    sys.path.insert(0, ROOT)
    import tda_nn
    from tda_nn.mapper.clustering import SingleLinkageGap

    def circle(seed, n=400):
        r = np.random.default_rng(seed)
        t = r.uniform(0, 2 * np.pi, n)
        return np.c_[np.cos(t), np.sin(t)] + r.normal(scale=0.05, size=(n, 2))

    def eight(seed, n=600):
        r = np.random.default_rng(seed)
        t = r.uniform(0, 2 * np.pi, n)
        X = np.c_[np.cos(t), np.sin(t)]
        X[: n // 2, 0] += 2
        return X + r.normal(scale=0.03, size=(n, 2))

    def blobs(seed):
        r = np.random.default_rng(seed)
        return np.r_[r.normal(size=(200, 5)), r.normal(size=(200, 5)) + 8]

    covers = [(6, 0.3), (10, 0.3), (15, 0.4), None]
    print(f"{'n_bins':>7} {'min_points':>10} {'circle 1 comp':>14} {'circle 1 loop':>14} {'eight 2 loops':>14} "
          f"{'blobs 2 comp':>13}  (graphs: 10 seeds x {len(covers)} covers)")
    for bins, mp in [(3, 3), (5, 3), (10, 3), ("auto", 3), (3, 1), (10, 1)]:
        res = []
        for seed in range(10):
            for cov in covers:
                cl = SingleLinkageGap(n_bins=bins, min_points=mp)
                g = tda_nn.mapper(circle(seed), lens=1, cover=cov, clusterer=cl, min_samples=1)
                h = tda_nn.mapper(eight(seed), lens=0, cover=cov, clusterer=cl, min_samples=1)
                b = tda_nn.mapper(blobs(seed), lens="pca", cover=cov, clusterer=cl, min_samples=1)
                res.append((g.n_components == 1, g.n_loops == 1, h.n_loops == 2 and h.n_components == 1,
                            b.n_components == 2))
        r = np.mean(res, axis=0)
        print(f"{bins!s:>7} {mp:>10} {r[0]:>14.2f} {r[1]:>14.2f} {r[2]:>14.2f} {r[3]:>13.2f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--one", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--rule", action="store_true")
    ap.add_argument("--skip-kmapper-above", type=int, default=10**9)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(one(args.one, args.n[0])))
        return
    if args.rule:
        rule_table()
        return
    print(f"{'n x 256, 2-D lens, 10x10 cover':<32} {'variant':<16} {'time (s)':>9} {'peak RSS (MiB)':>15} "
          f"{'+ over data':>11} {'nodes':>6} {'edges':>6}")
    for n in args.n:
        rows = [run_variant("default", n), run_variant("dbscan", n)]
        if n <= args.skip_kmapper_above:
            rows.append(run_variant("kmapper", n))
        for r in rows:
            name = {"default": "tda_nn default", "dbscan": "tda_nn DBSCAN", "kmapper": "kmapper DBSCAN"}[r["variant"]]
            print(f"{n:<32} {name:<16} {r['seconds']:>9.2f} {r['peak_mb']:>15.0f} {r['peak_mb'] - r['base_mb']:>11.0f} "
                  f"{r['nodes']:>6} {r['edges']:>6}")
        if len(rows) == 3:
            same = rows[1]["signature"] == rows[2]["signature"] and rows[1]["edges"] == rows[2]["edges"]
            print(f"{'':<32} tda_nn DBSCAN vs kmapper DBSCAN: same nodes and edges: {same}; "
                  f"time ratio {rows[1]['seconds'] / rows[2]['seconds']:.2f}")


if __name__ == "__main__":
    main()

"""Where cutting a landmark filtration pays: ``exact_below`` against the full H1 computation.

For each cloud (``n`` points in 256-D, H0 + H1 on ``m`` max-min landmarks):

- the engine alone (giotto-ph on the landmarks, all cores) in full and cut at 1.5 r,
  2 r and 2.5 r (``r`` the covering radius): the time ratio cut / full, the fraction
  ``f`` of the full computation's edges (those up to the enclosing radius) below the
  cut, and what the cut changes in H1: bars born at or after ``T`` (not seen) and bars
  alive at ``T`` (clipped);
- ``tda_nn.persistence(X, n_landmarks=m, exact_below='auto')`` against the same call
  without a cut, end to end (landmark selection included, the same in both): what
  the rule decided, its time ratio, whether its bars below the cut equal the full
  ones, and how many H1 bars the universal test (Bobrowski-Skraba p-values with the
  location from the diagram, Bonferroni at 0.05) calls significant in each.

Clouds: ``tanh(Z W) + 0.01 noise`` and ``relu(Z W) + 0.01 noise`` on an 8-D Gaussian
latent ``Z`` (``tanh4``: a 4-D latent); ``digits``: the second hidden layer (256 ReLU units)
of an MLP trained for 300 full-batch Adam steps on scikit-learn's digits (1,797 x 256,
whatever ``--n``); a torus (radii 3 and 1) and a radius-5 circle embedded in 256-D by a
random isometry, plus 0.02 and 0.05 noise per coordinate; Gaussian noise in 256-D
(on 400 landmarks: its full H1 on 1,000 took 219 s here).

Rows: ``exact_below='auto' vs full`` per cloud; target <= 1.05 (the rule never costs
materially more than the full computation). One run each: the machine is shared.

Run: python benchmarks/bench_cut.py [--n 20000] [--m 1000] [--clouds tanh relu torus circle gauss]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from _timing import print_table, row  # noqa: E402

import tda_nn  # noqa: E402

CLOUDS = ("tanh", "relu", "tanh4", "digits", "torus", "circle", "gauss")
FACTORS = (1.5, 2.0, 2.5)


def cloud(name: str, n: int, dim: int = 256, seed: int = 0) -> np.ndarray:
    """One benchmark cloud, float32, shape (n, dim)."""
    rng = np.random.default_rng(seed)
    if name == "digits":
        return _digits_activations()
    if name in ("tanh", "relu", "tanh4"):
        k = 4 if name == "tanh4" else 8
        Z = rng.normal(size=(n, k))
        W = rng.normal(size=(k, dim)) / np.sqrt(k)
        A = np.maximum(Z @ W, 0.0) if name == "relu" else np.tanh(Z @ W)
        X = A + 0.01 * rng.normal(size=(n, dim))
    elif name == "torus":
        t, s = rng.uniform(0, 2 * np.pi, size=(2, n))
        T = np.c_[(3 + np.cos(s)) * np.cos(t), (3 + np.cos(s)) * np.sin(t), np.sin(s)]
        X = T @ np.linalg.qr(rng.normal(size=(dim, 3)))[0].T + 0.02 * rng.normal(size=(n, dim))
    elif name == "circle":
        t = rng.uniform(0, 2 * np.pi, n)
        X = 5 * np.c_[np.cos(t), np.sin(t)] @ np.linalg.qr(rng.normal(size=(dim, 2)))[0].T
        X = X + 0.05 * rng.normal(size=(n, dim))
    elif name == "gauss":
        X = rng.normal(size=(n, dim))
    else:
        raise ValueError(f"cloud must be one of {CLOUDS}, got {name!r}.")
    return X.astype(np.float32)


def _digits_activations(epochs: int = 300, seed: int = 0) -> np.ndarray:
    """The second hidden layer (256 ReLU units) of an MLP trained on scikit-learn's digits: 1,797 x 256, float32."""
    import torch

    from tda_nn.datasets import digits

    X, y = digits()
    torch.manual_seed(seed)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # small matrices: more threads only contend on the shared machine
    net = torch.nn.Sequential(torch.nn.Linear(64, 256), torch.nn.ReLU(), torch.nn.Linear(256, 256), torch.nn.ReLU(),
                              torch.nn.Linear(256, 10))
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    Xt, yt = torch.as_tensor(X / 16.0, dtype=torch.float32), torch.as_tensor(y, dtype=torch.long)
    for _ in range(epochs):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(net(Xt), yt).backward()
        opt.step()
    torch.set_num_threads(threads)
    with torch.no_grad():
        return net[:4](Xt).numpy().astype(np.float32)


def _n_significant(h1: np.ndarray, alpha: float = 0.05) -> int:
    from tda_nn.diagnostics.significance import universal_pvalues

    h1 = np.asarray(h1, dtype=np.float64).reshape(-1, 2)
    tested = (h1[:, 0] > 0) & (h1[:, 1] > h1[:, 0])
    if not tested.any():
        return 0
    p = universal_pvalues(h1[tested])
    return int((p * tested.sum() <= alpha).sum())


def engine_cuts(L: np.ndarray, r: float) -> dict:
    """giotto-ph on the landmarks ``L``: full, and cut at each factor of ``r``; edge fractions and bar changes."""
    import gph

    from tda_nn.homology._cut import edge_profile

    prof = edge_profile(L, precomputed=False, metric="euclidean")
    t0 = time.perf_counter()
    full = gph.ripser_parallel(L, maxdim=1, n_threads=-1)["dgms"][1]
    t_full = time.perf_counter() - t0
    out = {"enc_r": prof.reach / r, "t_full": t_full, "cuts": {}}
    for c in FACTORS:
        T = c * r
        f = prof.fraction(T)
        if T >= prof.reach:
            out["cuts"][c] = {"f": 1.0, "ratio": None}
            continue
        t0 = time.perf_counter()
        gph.ripser_parallel(L, maxdim=1, n_threads=-1, thresh=T)
        t = time.perf_counter() - t0
        unseen = int((full[:, 0] >= T).sum())
        alive = int(((full[:, 0] < T) & (full[:, 1] >= T)).sum())
        out["cuts"][c] = {"f": f, "ratio": t / t_full, "unseen": unseen, "alive": alive}
    return out


def run_cloud(name: str, n: int, m: int) -> tuple[dict, str]:
    from tda_nn.clouds import landmarks

    if name == "gauss":
        m = min(m, 400)
    X = cloud(name, n)
    t0 = time.perf_counter()
    lm = landmarks(X, m, seed=0)
    t_lm = time.perf_counter() - t0
    r = float(lm.radius)
    eng = engine_cuts(np.asarray(lm.points), r)
    kw = dict(maxdim=1, n_landmarks=m, seed=0)
    t0 = time.perf_counter()
    full = tda_nn.persistence(X, **kw)
    t_full = time.perf_counter() - t0
    t0 = time.perf_counter()
    auto = tda_nn.persistence(X, exact_below="auto", **kw)
    t_auto = time.perf_counter() - t0
    T = auto.meta["exact_below"]
    f, c = full[1], auto[1]
    # H1 below the cut exactly; H0 to float32 rounding (the cut's H0 is the float64 spanning tree, the full
    # computation's giotto-ph's float32 one)
    h0f, h0c = np.sort(full[0][:, 1]), np.sort(auto[0][:, 1])
    same = np.array_equal(f[f[:, 1] < T], c[c[:, 1] < T]) and len(h0f) == len(h0c) and bool(
        np.allclose(h0f, h0c, rtol=1e-6, atol=0.0, equal_nan=False) if np.isfinite(h0f).all() else
        np.allclose(h0f[:-1], h0c[:-1], rtol=1e-6, atol=0.0))
    if not same:
        raise AssertionError(f"{name}: exact_below='auto' changed the bars below its cut {T}")
    late = f[f[:, 0] >= T]  # full-diagram bars born at or after auto's cut: not seen by it
    late_txt = (f"{len(late)} full bars born after T (longest {(late[:, 1] - late[:, 0]).max() / r:.2f} r)"
                if len(late) else "no full bar born after T")
    cuts = "; ".join(
        f"{k:g}r: f {v['f']:.3f}, beyond the enclosing radius" if v["ratio"] is None else
        f"{k:g}r: f {v['f']:.3f}, time {v['ratio']:.3f}, unseen {v['unseen']}, alive {v['alive']}"
        for k, v in eng["cuts"].items())
    decided = "full" if not np.isfinite(T) else f"{T / r:.2f} r"
    line = (f"{name} ({X.shape[0]} x 256, {m} landmarks, r = {r:.3g}, enclosing radius {eng['enc_r']:.2f} r; landmarks "
            f"{t_lm:.1f} s, engine full {eng['t_full']:.2f} s): {cuts} | auto: {decided} "
            f"({auto.meta['exact_below_rounds']} cut rounds, f {auto.meta.get('exact_below_edge_fraction', 1):.3f}), "
            f"{t_auto:.2f} s vs full {t_full:.2f} s = {t_auto / t_full:.2f}; bars below T identical: {same}; {late_txt}; "
            f"alive at T {auto.meta['alive_at_exact_below']}; significant H1 full/auto "
            f"{_n_significant(full[1])}/{_n_significant(auto[1])}; reason: {auto.meta['exact_below_reason']}")
    size = f"{X.shape[0]} x 256, {m} landmarks"
    return row(f"exact_below='auto' vs full, {name}", size, t_auto, "full filtration", t_full, 1.05), line


def run(n: int = 20_000, m: int = 1000, clouds: tuple[str, ...] = CLOUDS) -> list[dict]:
    rows = []
    for name in clouds:
        r, line = run_cloud(name, n, m)
        print(line, file=sys.stderr, flush=True)
        rows.append(r)
    return rows


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=20_000, help="points per cloud")
    p.add_argument("--m", type=int, default=1000, help="landmarks (the Gaussian cloud uses at most 400)")
    p.add_argument("--clouds", nargs="*", default=list(CLOUDS), choices=CLOUDS)
    a = p.parse_args()
    print_table(run(a.n, a.m, tuple(a.clouds)))

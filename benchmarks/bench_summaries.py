"""Summaries: tda_nn vectorisers (and, when present, diagram distances) against their peers.

Vectorisers: 1,000 diagrams of about 200 H1 bars each (births uniform on [0, 1],
lifetimes exponential with mean 0.2). Every tda_nn transformer runs
``fit_transform(X)`` on a list of ``Diagrams`` (conversion included); each
peer gets the same bars as the list of ``(k, 2)`` arrays it takes, the same
grid or pixels, and produces the same numbers (up to the documented convention
factors) unless its row says otherwise. Where gudhi.representations and persim
have no equivalent, the baseline is a plain per-diagram numpy loop.

``ratio`` = tda_nn time / peer time (median of ``repeat`` runs); the target is
``<= 0.5``: at least 2x faster than the faster peer with the same output.

Run: python benchmarks/bench_summaries.py [--n 1000] [--points 200] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from _timing import median_time, print_table, row  # noqa: E402

from tda_nn.diagrams import Diagrams  # noqa: E402

TARGET = 0.5  # at least 2x faster


def _diagrams(n: int, points: int, seed: int = 0) -> list[Diagrams]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        k = int(rng.integers(int(0.9 * points), int(1.1 * points) + 1))
        b = rng.uniform(0.0, 1.0, k)
        out.append(Diagrams([np.empty((0, 2)), np.column_stack([b, b + rng.exponential(0.2, k)])]))
    return out


# -- per-diagram numpy baselines for summaries no peer library ships ---------------------
def _loop_amplitude(dgms):
    out = []
    for a in dgms:
        life = a[:, 1] - a[:, 0]
        out.append([life.sum(), np.sqrt((life**2).sum()), life.max() if len(life) else 0.0])
    return np.array(out)


def _loop_statistics(dgms, qs=(0.1, 0.25, 0.5, 0.75, 0.9)):
    out = []
    for a in dgms:
        feats = [len(a)]
        for v in (a[:, 1] - a[:, 0], a.mean(axis=1)):
            feats += [v.sum(), v.mean(), v.std(), v.max(), *np.quantile(v, qs)]
        out.append(feats)
    return np.array(out)


def _loop_tropical(dgms, r):
    out = []
    for a in dgms:
        life = a[:, 1] - a[:, 0]
        top = np.sort(life)[::-1]
        m = np.minimum(r * life, a[:, 0])
        s = m + life
        out.append([top[:1].sum(), top[:2].sum(), top[:3].sum(), top[:4].sum(), life.sum(), m.sum(),
                    len(life) * s.max() - s.sum()])
    return np.array(out)


def run_vectorizers(n: int = 1000, points: int = 200, repeat: int = 3) -> list[dict]:
    """Time every tda_nn vectoriser beside gudhi.representations / persim (or a numpy loop)."""
    import gudhi.representations as gr
    from persim import PersistenceImager
    from persim.landscapes import PersLandscapeApprox
    from persim.persistent_entropy import persistent_entropy

    from tda_nn import features as F

    X = _diagrams(n, points)
    H1 = [np.asarray(d[1]) for d in X]
    lo = min(a[:, 0].min() for a in H1)
    hi = max(a[:, 1].max() for a in H1)
    size = f"{n} diagrams x ~{points} bars"
    rows: list[dict] = []

    def ours(est):
        return median_time(lambda: est.fit_transform(X), repeat)

    def add(task, t_ours, peers, check=None):
        for name, t_peer in peers:
            rows.append(row(task, size, t_ours, name, t_peer, TARGET))

    # Betti curve
    bc = F.BettiCurve((1,), n_bins=100, sample_range=(lo, hi))
    grid = np.linspace(lo, hi, 100)
    add("BettiCurve (100 bins)", ours(bc),
        [("gudhi BettiCurve", median_time(lambda: gr.BettiCurve(predefined_grid=grid).fit_transform(H1), repeat))])

    # Landscapes
    pl = F.PersistenceLandscape((1,), n_layers=5, n_bins=100, sample_range=(lo, hi))
    g_pl = gr.Landscape(num_landscapes=5, resolution=100, sample_range=[lo, hi])
    t_pl = ours(pl)
    add("PersistenceLandscape (5 x 100)", t_pl, [("gudhi Landscape", median_time(lambda: g_pl.fit_transform(H1), repeat))])
    t_persim_pl = median_time(
        lambda: [PersLandscapeApprox(dgms=[a], hom_deg=0, start=lo, stop=hi, num_steps=100).values for a in H1], 1
    )
    add("PersistenceLandscape (5 x 100)", t_pl, [("persim LandscapeApprox*", t_persim_pl)])

    # Silhouette, power 1
    sil = F.Silhouette((1,), power=1.0, n_bins=100, sample_range=(lo, hi))
    g_sil = gr.Silhouette(weight=lambda x: x[1] - x[0], resolution=100, sample_range=[lo, hi])
    add("Silhouette (p=1, 100 bins)", ours(sil),
        [("gudhi Silhouette", median_time(lambda: g_sil.fit_transform(H1), repeat))])

    # Persistence images, 20 x 20, sigma 0.05, linear weight
    pim = PersistenceImager(birth_range=(0.0, 1.0), pers_range=(0.0, 2.0), pixel_size=0.1,
                            kernel_params={"sigma": 0.05**2})
    bp, pp = pim._bpnts, pim._ppnts
    img = F.PersistenceImage((1,), n_pixels=(len(bp) - 1, len(pp) - 1), sigma=0.05, weight="linear",
                             birth_range=(bp[0], bp[-1]), persistence_range=(pp[0], pp[-1]))
    t_img = ours(img)
    add("PersistenceImage (10 x 20 px)", t_img,
        [("persim PersistenceImager", median_time(lambda: pim.transform(H1), 1))])
    g_img = gr.PersistenceImage(bandwidth=0.05, weight=lambda x: x[1], resolution=[len(bp) - 1, len(pp) - 1],
                                im_range=[bp[0], bp[-1], pp[0], pp[-1]])
    add("PersistenceImage (10 x 20 px)", t_img, [("gudhi PersistenceImage*", median_time(lambda: g_img.fit_transform(H1), repeat))])

    # Entropy
    ent = F.PersistentEntropy((1,))
    t_ent = ours(ent)
    add("PersistentEntropy", t_ent, [
        ("gudhi Entropy", median_time(lambda: gr.Entropy(mode="scalar").fit_transform(H1), repeat)),
        ("persim persistent_entropy", median_time(lambda: persistent_entropy(H1), repeat)),
    ])

    # No peer in gudhi.representations or persim: a per-diagram numpy loop
    amp = F.Amplitude((1,), p=(1, 2, np.inf))
    add("Amplitude (l1, l2, linf)", ours(amp), [("numpy loop (no peer)", median_time(lambda: _loop_amplitude(H1), repeat))])
    stats = F.PersistenceStatistics((1,))
    add("PersistenceStatistics", ours(stats), [("numpy loop (no peer)", median_time(lambda: _loop_statistics(H1), repeat))])
    trop = F.TropicalCoordinates((1,), r=2.0)
    add("TropicalCoordinates", ours(trop), [("numpy loop (no peer)", median_time(lambda: _loop_tropical(H1, 2.0), repeat))])

    # sanity: the timed outputs agree with the peers they are compared with
    np.testing.assert_allclose(pl.fit(X).transform(X), g_pl.fit_transform(H1) / np.sqrt(2), atol=1e-9)
    np.testing.assert_allclose(img.fit(X).transform(X), np.stack([m.ravel() for m in pim.transform(H1)]), atol=1e-9)
    np.testing.assert_allclose(stats.fit(X).transform(X), _loop_statistics(H1), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(trop.fit(X).transform(X), _loop_tropical(H1, 2.0), rtol=1e-9, atol=1e-12)
    return rows


# -- diagram distances -------------------------------------------------------------------------
def _loop_matrix(fn, dgms, pairs):
    """A plain Python loop over ``pairs`` calling a peer's single-pair distance."""
    return [fn(dgms[i], dgms[j]) for i, j in pairs]


def run_distances(n: int = 100, points: int = 200, repeat: int = 3, persim_pairs: int = 300) -> list[dict]:
    """The n x n pairwise Wasserstein-1 and bottleneck matrices beside loops over gudhi/hera and persim.

    tda_nn computes the upper triangle exactly; gudhi.hera's Wasserstein is an auction
    with relative error ``delta=0.01`` (its default, the speed peer's setting);
    gudhi.bottleneck_distance is exact to the last bits of a double. persim is slow,
    so it is timed on ``persim_pairs`` random pairs and extrapolated to all
    n (n - 1) / 2 pairs (marked "extrap."). persim's Wasserstein is order 1 with a
    Euclidean ground metric, so it is compared with tda_nn at ``internal_p=2``.
    Target: ratio <= 1 (on par with the fastest peer).
    """
    import gudhi
    import gudhi.hera
    import persim

    from tda_nn.distances import pairwise_distances

    X = _diagrams(n, points)
    H1 = [np.asarray(d[1]) for d in X]
    iu, ju = np.triu_indices(n, k=1)
    all_pairs = list(zip(iu.tolist(), ju.tolist()))
    sub = [all_pairs[k] for k in np.random.default_rng(1).choice(len(all_pairs), persim_pairs, replace=False)]
    scale = len(all_pairs) / len(sub)
    size = f"{n}x{n}, ~{points} bars"
    rows: list[dict] = []

    def ours(metric, **kw):
        return median_time(lambda: pairwise_distances(X, metric=metric, dim=1, **kw), repeat)

    def peer_full(fn):
        return median_time(lambda: _loop_matrix(fn, H1, all_pairs), repeat)

    def peer_sub(fn):
        return median_time(lambda: _loop_matrix(fn, H1, sub), 1) * scale

    # Wasserstein-1, internal_p = inf (gudhi/hera's convention)
    t_w = ours("wasserstein")
    rows.append(row("pairwise W1 (L^inf ground)", size, t_w, "gudhi.hera loop (delta=.01)",
                    peer_full(gudhi.hera.wasserstein_distance), 1.0))
    rows.append(row("pairwise W1 (L^inf ground) n_jobs=2", size, ours("wasserstein", n_jobs=2),
                    "gudhi.hera loop (delta=.01)", rows[-1]["peer_s"], 1.0))
    # Wasserstein-1, internal_p = 2 (persim's convention)
    rows.append(row("pairwise W1 (L^2 ground)", size, ours("wasserstein", internal_p=2.0),
                    "persim.wasserstein (extrap.)", peer_sub(persim.wasserstein), 1.0))
    # bottleneck
    t_b = ours("bottleneck")
    rows.append(row("pairwise bottleneck", size, t_b, "gudhi.bottleneck loop", peer_full(gudhi.bottleneck_distance), 1.0))
    rows.append(row("pairwise bottleneck n_jobs=2", size, ours("bottleneck", n_jobs=2), "gudhi.bottleneck loop",
                    rows[-1]["peer_s"], 1.0))
    rows.append(row("pairwise bottleneck", size, t_b, "persim.bottleneck (extrap.)", peer_sub(persim.bottleneck), 1.0))

    # sanity: the timed outputs agree with the peers
    W = pairwise_distances(X, metric="wasserstein", dim=1)
    B = pairwise_distances(X, metric="bottleneck", dim=1)
    np.testing.assert_allclose(B[iu, ju], _loop_matrix(gudhi.bottleneck_distance, H1, all_pairs), rtol=1e-12)
    hera = np.array(_loop_matrix(gudhi.hera.wasserstein_distance, H1, sub))
    np.testing.assert_allclose(W[tuple(np.array(sub).T)], hera, rtol=0.01)  # hera's relative error
    W2 = pairwise_distances([X[i] for i in range(10)], metric="wasserstein", dim=1, internal_p=2.0)
    np.testing.assert_allclose(W2[0, 1:], [persim.wasserstein(H1[0], H1[j]) for j in range(1, 10)], rtol=1e-9)
    return rows


# ----------------------------------------------------------------------------------------------
# run(): every benchmark in this file. run_distances() (pairwise Wasserstein / bottleneck) is
# added by the distances module's author; it is picked up here when it exists.
def run(repeat: int = 3, n: int = 1000, points: int = 200) -> list[dict]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # peers' deprecation noise
        rows = run_vectorizers(n=n, points=points, repeat=repeat)
    distances = globals().get("run_distances")
    if distances is not None:
        rows += distances(repeat=repeat)
    return rows


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=1000)
    p.add_argument("--points", type=int, default=200)
    p.add_argument("--repeat", type=int, default=3)
    a = p.parse_args()
    print_table(run(repeat=a.repeat, n=a.n, points=a.points))
    print("* different output: persim's LandscapeApprox snaps bars to the grid; gudhi's PersistenceImage samples "
          "the density at pixel corners instead of integrating it. Targets count the peers with the same output.")

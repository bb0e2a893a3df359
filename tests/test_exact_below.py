"""Persistence up to a stated scale: the cut diagrams equal the full ones below ``exact_below``."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import circle

import tda_nn

ENGINES = ["ripser", "giotto-ph", "gudhi"]


def check_cut_equals_full(cut, full):
    """Below T the bars are the full ones; bars alive at T are clipped to T and counted."""
    T = cut.meta["exact_below"]
    assert np.isfinite(T) and T > 0
    # H0 is computed in full: identical everywhere
    np.testing.assert_array_equal(cut[0], full[0])
    for k in range(1, len(full)):
        f, c = full[k], cut[k]
        below_f = f[f[:, 1] < T]
        below_c = c[c[:, 1] < T]
        np.testing.assert_array_equal(below_c, below_f)
        # alive at T: born before T, death >= T in the full diagram; clipped to exactly T here
        alive_f = f[(f[:, 0] < T) & (f[:, 1] >= T)]
        alive_c = c[c[:, 1] >= T]
        assert (alive_c[:, 1] == T).all()
        np.testing.assert_array_equal(np.sort(alive_c[:, 0]), np.sort(alive_f[:, 0]))
        assert cut.meta["alive_at_exact_below"][k] == len(alive_c)
        assert np.isfinite(c[:, 1]).all()  # never presented as infinite features


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("backend", ["ripser", "giotto-ph"])
def test_random_clouds_cut_equals_full_below_the_scale(seed, backend):
    if backend == "giotto-ph":
        pytest.importorskip("gph")
    X = np.random.default_rng(seed).normal(size=(400, 4))
    kw = dict(maxdim=2, n_landmarks=90, backend=backend, seed=seed)
    full = tda_nn.persistence(X, **kw)
    r = full.meta["covering_radius"]
    for T in (1.2 * r, 2.0 * r):
        check_cut_equals_full(tda_nn.persistence(X, exact_below=T, **kw), full)


def test_gudhi_cut_equals_full():
    X = np.random.default_rng(4).normal(size=(200, 3))
    kw = dict(maxdim=1, n_landmarks=60, backend="gudhi")
    full = tda_nn.persistence(X, **kw)
    check_cut_equals_full(tda_nn.persistence(X, exact_below=1.5 * full.meta["covering_radius"], **kw), full)


@pytest.mark.parametrize("backend", ["ripser", "giotto-ph"])
def test_large_loops_are_kept_and_decided(backend):
    if backend == "giotto-ph":
        pytest.importorskip("gph")
    rng = np.random.default_rng(0)
    # two large loops, densely sampled: their bars are born near 2 r and live for many r
    X = np.vstack([circle(1500, noise=0.02, seed=1) * 5, circle(1500, noise=0.02, seed=2, center=(30, 0)) * 3])
    X = X[rng.permutation(len(X))]
    kw = dict(maxdim=1, n_landmarks=120, backend=backend)
    full = tda_nn.persistence(X, **kw)
    cut = tda_nn.persistence(X, exact_below="auto", **kw)
    check_cut_equals_full(cut, full)
    r, T = cut.meta["covering_radius"], cut.meta["exact_below"]
    assert T < 0.5 * full[0][np.isfinite(full[0][:, 1]), 1].max()  # a real cut, far below the full scale
    # both loops (lifetime > 2r in the full diagram) are alive at T, born below 2.5 r, decided: T >= b + 2r
    big = full[1][full.lifetimes(1) > 2 * r]
    assert len(big) == 2
    alive = cut[1][cut[1][:, 1] >= T]
    assert len(alive) == 2 and cut.meta["alive_at_exact_below"] == [0, 2]
    np.testing.assert_array_equal(np.sort(alive[:, 0]), np.sort(big[:, 0]))
    assert (T >= alive[:, 0] + 2 * r).all() and (alive[:, 0] < 2.5 * r).all()


def test_auto_cut_at_the_enclosing_radius_is_the_full_computation():
    # 5 landmarks: 2.5 r = 5.2 is beyond their enclosing radius 3.8
    X = np.random.default_rng(3).normal(size=(100, 2))
    full = tda_nn.persistence(X, n_landmarks=5)
    cut = tda_nn.persistence(X, n_landmarks=5, exact_below="auto")
    assert cut.meta["exact_below"] == np.inf and cut.meta["alive_at_exact_below"] == [0, 0]
    for a, b in zip(cut, full):
        np.testing.assert_array_equal(a, b)


def test_auto_without_landmarks_and_a_lower_threshold_compute_in_full():
    X = circle(30, noise=0.01)
    full = tda_nn.persistence(X)
    for kw in ({"exact_below": "auto"}, {"exact_below": 10.0, "threshold": 5.0}):
        d = tda_nn.persistence(X, **kw)
        assert d.meta["exact_below"] == np.inf
        np.testing.assert_array_equal(d[1], full[1])


@pytest.mark.parametrize("bad, err", [(-1.0, ValueError), (0.0, ValueError), ("soon", ValueError), ([1.0], TypeError),
                                      (float("nan"), ValueError), (True, TypeError), ("AUTO", ValueError)])
def test_bad_exact_below_is_refused(bad, err):
    with pytest.raises(err, match="exact_below"):
        tda_nn.persistence(circle(20), n_landmarks=10, exact_below=bad)


# -- the pay-off rule of exact_below='auto' (tda_nn/homology/_cut.py) -------------------------------------------
def _relu_latent(n: int, latent: int, dim: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    W = rng.normal(size=(latent, dim)) / np.sqrt(latent)
    return np.maximum(rng.normal(size=(n, latent)) @ W, 0.0) + 0.01 * rng.normal(size=(n, dim))


def _bars_below(dgm: np.ndarray, T: float, tol: float) -> np.ndarray:
    d = np.asarray(dgm, dtype=np.float64)
    d = d[(d[:, 1] < T) & (d[:, 1] - d[:, 0] > tol)]
    return d[np.lexsort((d[:, 1], d[:, 0]))]


def _loop_in_20d() -> np.ndarray:
    rng = np.random.default_rng(0)
    Q = np.linalg.qr(rng.normal(size=(20, 2)))[0]
    return 5 * circle(1500, noise=0.0, seed=3) @ Q.T + 0.05 * rng.normal(size=(1500, 20))


@pytest.mark.parametrize("backend", ["ripser", "giotto-ph"])
def test_auto_cuts_a_sampled_loop_and_matches_the_raw_engine_below_the_cut(backend):
    # a noisy circle in 20-D: its loop keeps the enclosing radius far out, so few edges lie below 2.5 r
    from tda_nn.clouds import landmarks

    X = _loop_in_20d()
    m = 150
    cut = tda_nn.persistence(X, maxdim=1, n_landmarks=m, exact_below="auto", backend=backend)
    r, T = cut.meta["covering_radius"], cut.meta["exact_below"]
    assert 2.5 * r < T < np.inf  # cut, and raised past 2.5 r to decide the loop alive there
    assert cut.meta["exact_below_reason"].startswith("cut at")
    assert cut.meta["exact_below_rounds"] == 2 and 0 < cut.meta["exact_below_edge_fraction"] <= 0.6
    assert cut.meta["alive_at_exact_below"] == [0, 1]
    assert "exactly below exact_below" in cut.meta["exact"] and "landmarks" in cut.meta["exact"]
    # the raw engine on the same landmarks (the cloud centred as persistence centres it), in full
    L = np.asarray(landmarks(X - X.mean(axis=0), m, seed=0).points)
    if backend == "ripser":
        from ripser import ripser

        ref = ripser(L, maxdim=1)["dgms"]
    else:
        gph = pytest.importorskip("gph")
        ref = gph.ripser_parallel(L, maxdim=1, n_threads=-1)["dgms"]
    tol = cut.meta["min_bar_length"]
    np.testing.assert_array_equal(_bars_below(cut[1], T, tol), _bars_below(ref[1], T, tol))
    # the loop: born below 2.5 r, alive at T, which is at least its birth + 2 r
    (b, d), = ref[1][ref[1][:, 1] >= T]
    assert b < 2.5 * r and T >= b + 2 * r and cut[1][cut[1][:, 1] >= T][0, 0] == b


def test_auto_declines_where_most_edges_lie_below_the_cut():
    # ReLU on a 6-D latent in 64-D: 2.5 r lies inside the enclosing radius but most edges lie below it
    from scipy.spatial.distance import pdist, squareform

    from tda_nn.clouds import landmarks

    X = _relu_latent(3000, 6, 64)
    kw = dict(maxdim=1, n_landmarks=200)
    d = tda_nn.persistence(X, exact_below="auto", **kw)
    assert d.meta["exact_below"] == np.inf and d.meta["exact_below_rounds"] == 0
    # the fraction, recomputed from the landmarks' distances: edges up to 2.5 r among those up to the enclosing radius
    D = squareform(pdist(np.asarray(landmarks(X - X.mean(axis=0), 200, seed=0).points)))
    r, enc = d.meta["covering_radius"], D.max(axis=1).min()
    assert 2.5 * r < enc
    e = D[np.triu_indices(200, 1)]
    f = (e <= 2.5 * r * (1 + 1e-5)).sum() / (e <= enc).sum()
    assert f > 0.6 and d.meta["exact_below_edge_fraction"] == pytest.approx(f, abs=1e-9)
    assert f"{f:.0%} of the full computation's edges" in d.meta["exact_below_reason"]
    assert "full filtration" in d.meta["exact"]
    full = tda_nn.persistence(X, **kw)
    for a, b in zip(d, full):
        np.testing.assert_array_equal(a, b)


def test_auto_declines_beyond_the_enclosing_radius():
    # ReLU on an 8-D latent in 64-D: the enclosing radius of 200 landmarks is below 2.5 r
    from scipy.spatial.distance import pdist, squareform

    from tda_nn.clouds import landmarks

    X = _relu_latent(3000, 8, 64)
    d = tda_nn.persistence(X, maxdim=1, n_landmarks=200, exact_below="auto")
    enc = squareform(pdist(np.asarray(landmarks(X - X.mean(axis=0), 200, seed=0).points))).max(axis=1).min()
    assert enc < 2.5 * d.meta["covering_radius"]
    assert d.meta["exact_below"] == np.inf and d.meta["exact_below_rounds"] == 0
    assert f"beyond the enclosing radius {enc:.6g}" in d.meta["exact_below_reason"]


def test_plan_round_on_known_edge_lengths():
    from tda_nn.homology._cut import EdgeProfile, plan_round, predicted_cost

    prof = EdgeProfile(reach=1.0, lengths=np.linspace(0.001, 2.0, 2000))  # 500 edges up to the reach
    assert prof.fraction(0.5) == pytest.approx(0.5, abs=0.002) and prof.fraction(3.0) == 1.0
    go, why, f = plan_round(prof, 0.3, spent=0.0)
    assert go and f == pytest.approx(0.3, abs=0.002)
    go, why, f = plan_round(prof, 0.7, spent=0.0)  # above MAX_EDGE_FRACTION
    assert not go and "70%" in why
    go, why, _ = plan_round(prof, 1.0, spent=0.0)
    assert not go and "enclosing radius" in why
    # a later round runs only while the rounds together are predicted below the full computation
    assert predicted_cost(0.3) == pytest.approx(0.55)
    assert plan_round(prof, 0.3, spent=0.4)[0] and not plan_round(prof, 0.3, spent=0.5)[0]
    go, why, _ = plan_round(None, 0.3, spent=0.0)
    assert not go and "no edge profile" in why


def test_edge_profile_matches_pdist():
    from scipy.spatial.distance import pdist, squareform

    from tda_nn.homology._cut import edge_profile

    P = np.random.default_rng(1).normal(size=(300, 7))
    d = pdist(P)
    enc = squareform(d).max(axis=1).min()
    for data, pre, metric in ((P, False, "euclidean"), (squareform(d), True, "precomputed")):
        prof = edge_profile(data, precomputed=pre, metric=metric)
        assert prof.reach == pytest.approx(enc, rel=1e-12)
        np.testing.assert_allclose(prof.lengths, np.sort(d), rtol=1e-10)
    prof = edge_profile(P, precomputed=False, metric="cityblock", threshold=5.0)
    assert prof.reach == 5.0
    assert edge_profile(P, precomputed=False, metric="no-such-metric") is None


def test_edge_profile_on_sampled_rows_bounds_the_enclosing_radius(monkeypatch):
    from scipy.spatial.distance import pdist, squareform

    import tda_nn.homology._cut as cutmod

    monkeypatch.setattr(cutmod, "_MAX_ROWS", 100)
    P = np.random.default_rng(2).normal(size=(600, 5))
    d = pdist(P)
    enc = squareform(d).max(axis=1).min()
    prof = cutmod.edge_profile(P, precomputed=False, metric="euclidean")
    assert len(prof.lengths) == 100 * 599
    assert enc <= prof.reach <= 1.1 * enc  # min over 100 of the 600 rows: an upper bound, and a close one
    for q in (0.1, 0.3, 0.6):
        T = np.quantile(d, q)
        assert prof.fraction(T) == pytest.approx((d <= T).sum() / (d <= prof.reach).sum(), abs=0.03)


def test_exact_below_meta_says_why_it_did_not_cut():
    X = circle(60, noise=0.01)
    d = tda_nn.persistence(X, maxdim=0, n_landmarks=30, exact_below=1.0)
    assert d.meta["exact_below"] == np.inf and "maxdim=0" in d.meta["exact_below_reason"]
    d = tda_nn.persistence(X, exact_below="auto")
    assert "without n_landmarks" in d.meta["exact_below_reason"]
    d = tda_nn.persistence(X, n_landmarks=30, exact_below=0.5)
    assert d.meta["exact_below"] == 0.5 and d.meta["exact_below_reason"] == "cut at 0.5, as given"


def test_exact_below_on_another_complex_is_refused_by_name():
    with pytest.raises(ValueError, match="exact_below"):
        tda_nn.persistence(circle(30), complex="alpha", exact_below="auto")


def test_auto_computes_in_full_when_a_later_round_cannot_pay_or_rounds_run_out(monkeypatch):
    # the loop needs a second round (its bar is alive at 2.5 r); make that round too dear, then allow one round only
    import tda_nn.homology._api as api
    import tda_nn.homology._cut as cutmod

    X = _loop_in_20d()
    kw = dict(maxdim=1, n_landmarks=150)
    full = tda_nn.persistence(X, **kw)
    monkeypatch.setattr(cutmod, "COST_FIXED", 0.95)
    d = tda_nn.persistence(X, exact_below="auto", **kw)
    assert d.meta["exact_below"] == np.inf and d.meta["exact_below_rounds"] == 1
    assert d.meta["exact_below_reason"].startswith("deciding the bars alive at the last cut needs")
    for a, b in zip(d, full):
        np.testing.assert_array_equal(a, b)
    monkeypatch.undo()
    monkeypatch.setattr(api, "_CUT_ROUNDS", 1)
    d = tda_nn.persistence(X, exact_below="auto", **kw)
    assert d.meta["exact_below"] == np.inf and d.meta["exact_below_rounds"] == 1
    assert d.meta["exact_below_reason"].startswith("after 1 cut round(s) some bars alive")
    for a, b in zip(d, full):
        np.testing.assert_array_equal(a, b)

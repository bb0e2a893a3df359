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


@pytest.mark.parametrize("bad, err", [(-1.0, ValueError), (0.0, ValueError), ("soon", ValueError), ([1.0], TypeError)])
def test_bad_exact_below_is_refused(bad, err):
    with pytest.raises(err, match="exact_below"):
        tda_nn.persistence(circle(20), n_landmarks=10, exact_below=bad)

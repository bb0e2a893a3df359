"""Synthetic data sets: the advertised topology, checked with persistent homology."""

from __future__ import annotations

import numpy as np
import pytest

from tda_nn import datasets
from tda_nn.homology import persistence


def _long_bars(dgms, dim, min_life):
    return int(np.sum(dgms.lifetimes(dim) > min_life))


class TestShapes:
    def test_circle_betti_and_radius(self):
        X = datasets.circle(100, radius=2.0)
        assert X.shape == (100, 2)
        np.testing.assert_allclose(np.linalg.norm(X, axis=1), 2.0)
        dgms = persistence(X, maxdim=1)
        assert dgms.betti_numbers(0.6).tolist() == [1, 1]

    def test_noisy_circle_keeps_its_loop(self):
        dgms = persistence(datasets.circle(200, noise=0.05), maxdim=1)
        assert dgms.betti_numbers(0.3).tolist() == [1, 1]

    def test_circles_are_disjoint_loops(self):
        X, y = datasets.circles(450, n_circles=3)
        assert np.bincount(y).tolist() == [150, 150, 150]
        dgms = persistence(X, maxdim=1, threshold=0.8)
        assert dgms.betti_numbers(0.5).tolist() == [3, 3]

    def test_entangled_rings_are_linked_loops(self):
        X, y = datasets.entangled_rings(450, n_rings=3)
        assert X.shape == (450, 3)
        # every ring lies on a circle of radius 1 about its centre (1.5 k, 0, 0)
        centres = np.column_stack([1.5 * y, np.zeros(450), np.zeros(450)])
        np.testing.assert_allclose(np.linalg.norm(X - centres, axis=1), 1.0)
        # even rings in the plane z = 0, odd rings in y = 0; so ring 1 (centre (1.5, 0, 0))
        # meets the plane of ring 0 at x = 0.5 (inside ring 0's unit disk) and x = 2.5
        # (outside): the rings are linked
        assert np.all(X[y % 2 == 0, 2] == 0) and np.all(X[y % 2 == 1, 1] == 0)
        dgms = persistence(X, maxdim=1, threshold=0.8)
        assert dgms.betti_numbers(0.45).tolist() == [3, 3]

    def test_figure_eight(self):
        dgms = persistence(datasets.figure_eight(200), maxdim=1, threshold=0.8)
        assert dgms.betti_numbers(0.45).tolist() == [1, 2]

    def test_torus_betti_1_2_1(self):
        X = datasets.torus(600)
        np.testing.assert_allclose(np.hypot(np.hypot(X[:, 0], X[:, 1]) - 2.0, X[:, 2]), 1.0)
        dgms = persistence(X, maxdim=2, complex="alpha")
        # alpha values on the diameter scale: two loops of ~1.6, one void of ~0.8;
        # the next-longest bars are 0.72 (H1) and 0.01 (H2)
        assert _long_bars(dgms, 1, 1.0) == 2
        assert _long_bars(dgms, 2, 0.3) == 1

    def test_torus_is_uniform_by_area(self):
        # area density of the tube angle v is (R + r cos v) / (2 pi R): the outer half
        # (cos v > 0) holds 1/2 + r / (pi R) = 0.659 of the area for R = 2, r = 1
        X = datasets.torus(20000, seed=1)
        outer = np.mean(np.hypot(X[:, 0], X[:, 1]) > 2.0)
        assert outer == pytest.approx(0.5 + 1 / (2 * np.pi), abs=0.01)

    def test_sphere_has_one_void_and_no_loop(self):
        X = datasets.sphere(300)
        np.testing.assert_allclose(np.linalg.norm(X, axis=1), 1.0)
        dgms = persistence(X, maxdim=2, complex="alpha")
        assert _long_bars(dgms, 2, 0.8) == 1
        assert _long_bars(dgms, 1, 0.6) == 0

    def test_swiss_roll_parametrisation(self):
        X, t = datasets.swiss_roll(300, seed=3)
        np.testing.assert_allclose(X[:, 0], t * np.cos(t))
        np.testing.assert_allclose(X[:, 2], t * np.sin(t))
        assert t.min() >= 1.5 * np.pi and t.max() <= 4.5 * np.pi

    def test_seeded(self):
        np.testing.assert_array_equal(datasets.torus(50, seed=4), datasets.torus(50, seed=4))
        assert not np.array_equal(datasets.torus(50, seed=4), datasets.torus(50, seed=5))

    @pytest.mark.parametrize(
        "call, match",
        [
            (lambda: datasets.circle(0), "n must be >= 1"),
            (lambda: datasets.circle(10, noise=-1.0), "noise must be >= 0"),
            (lambda: datasets.torus(10, R=1.0, r=1.0), "R must be > 1.0"),
            (lambda: datasets.circles(2, n_circles=3), "n must be at least n_circles"),
            (lambda: datasets.sphere(10, dim=0), "dim must be >= 1"),
        ],
    )
    def test_bad_input(self, call, match):
        with pytest.raises(ValueError, match=match):
            call()


def _hop_clique_betti(P, *, k=35, scale=1):
    """Naitzat-Zhitnikov-Lim: k-NN graph (k counting the point), hop distances, clique complex."""
    from scipy.sparse.csgraph import shortest_path
    from sklearn.neighbors import kneighbors_graph

    G = kneighbors_graph(P, k - 1, mode="connectivity")
    H = shortest_path(G.maximum(G.T), unweighted=True, directed=False)
    dgms = persistence(H, metric="precomputed", maxdim=1, threshold=scale + 0.5)
    return dgms.betti_numbers(scale).tolist()


class TestDisksAndRings:
    def test_geometry_and_labels(self):
        X, y = datasets.disks_and_rings(spacing=0.5)
        assert X.shape == (1521, 2) and np.bincount(y).tolist() == [189, 1332]
        a = 2 * np.pi * np.arange(8) / 8
        centres = np.vstack([[0, 0], 7 * np.column_stack([np.cos(a), np.sin(a)])])
        r = np.min(np.linalg.norm(X[:, None] - centres[None], axis=2), axis=1)
        assert np.all(r[y == 0] < 1.3)
        assert np.all(r[y == 1] >= 1.8)
        assert np.abs(X).max() <= 10.0
        # on the grid: coordinates are multiples of the spacing
        np.testing.assert_allclose(X / 0.5, np.round(X / 0.5), atol=1e-9)

    def test_coarse_grid_betti_by_rips(self):
        X, y = datasets.disks_and_rings(spacing=0.5)
        assert persistence(X[y == 0], maxdim=1, threshold=1.5).betti_numbers(1.0).tolist() == [9, 0]
        assert persistence(X[y == 1], maxdim=1, threshold=1.5).betti_numbers(1.0).tolist() == [1, 9]

    def test_default_grid_betti_by_the_papers_method(self):
        X, y = datasets.disks_and_rings()
        # class 0: every 4th point, 35-NN graph, clique complex at 1 and 2 hops
        assert _hop_clique_betti(X[y == 0][::4], scale=1) == [9, 0]
        assert _hop_clique_betti(X[y == 0][::4], scale=2) == [9, 0]
        # class 1 (3,423 points after thinning): Rips at a scale of a few grid steps
        P = X[y == 1][::4]
        assert persistence(P, maxdim=1, threshold=1.2).betti_numbers(1.0).tolist() == [1, 9]

    def test_seed_shuffles_the_same_points(self):
        X0, y0 = datasets.disks_and_rings(spacing=0.5, seed=0)
        X1, y1 = datasets.disks_and_rings(spacing=0.5, seed=1)
        assert not np.array_equal(X0, X1)
        o0, o1 = np.lexsort(X0.T), np.lexsort(X1.T)
        np.testing.assert_array_equal(X0[o0], X1[o1])
        np.testing.assert_array_equal(y0[o0], y1[o1])
        Xs, _ = datasets.disks_and_rings(spacing=0.5, shuffle=False)
        assert np.all(np.diff(Xs[:, 1]) >= 0)  # grid order: rows of increasing y

    def test_noise_jitters(self):
        X, _ = datasets.disks_and_rings(spacing=0.5, noise=0.01)
        assert not np.allclose(X / 0.5, np.round(X / 0.5))

    def test_bad_input(self):
        with pytest.raises(ValueError, match="spacing must be <= 0.5"):
            datasets.disks_and_rings(spacing=1.0)
        with pytest.raises(ValueError, match="bound must be > 8.8"):
            datasets.disks_and_rings(bound=8.0)


class TestDigits:
    def test_scaled_float32(self):
        from sklearn.datasets import load_digits

        X, y = datasets.digits()
        raw = load_digits()
        assert X.shape == (1797, 64) and X.dtype == np.float32
        assert X.min() == 0.0 and X.max() == 1.0
        np.testing.assert_allclose(X * 16, raw.data, atol=1e-5)
        np.testing.assert_array_equal(y, raw.target)

    def test_n_class(self):
        _, y = datasets.digits(n_class=3)
        assert sorted(set(y.tolist())) == [0, 1, 2]
        with pytest.raises(ValueError, match="n_class must be <= 10"):
            datasets.digits(n_class=11)

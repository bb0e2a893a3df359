"""CKA, RTD, TwoNN and the PH dimension against closed forms and independent code."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from tda_nn.diagnostics import cka, cross_barcode, ph_dimension, rtd, twonn
from tda_nn.diagnostics.dimension import _mst_lengths


def _orthogonal(d, seed=0):
    Q, _ = np.linalg.qr(np.random.default_rng(seed).normal(size=(d, d)))
    return Q


@pytest.fixture
def reps():
    rng = np.random.default_rng(0)
    return rng.normal(size=(60, 8)), rng.normal(size=(60, 5))


class TestCKA:
    def test_identical_is_one(self, reps):
        X, _ = reps
        assert cka(X, X) == pytest.approx(1.0)
        assert cka(X, X, debiased=True) == pytest.approx(1.0)

    def test_invariant_to_orthogonal_scaling_and_translation(self, reps):
        X, Y = reps
        ref = cka(X, Y)
        assert cka(X @ _orthogonal(8) * 7.5 + 3.0, Y) == pytest.approx(ref, rel=1e-10)
        assert cka(X, Y @ _orthogonal(5, 1) * 0.01) == pytest.approx(ref, rel=1e-10)
        ref_d = cka(X, Y, debiased=True)
        assert cka(X @ _orthogonal(8) * 7.5, Y, debiased=True) == pytest.approx(ref_d, rel=1e-8)

    def test_not_invariant_to_invertible_linear_maps(self, reps):
        X, _ = reps
        A = np.diag([1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 20.0])  # invertible, anisotropic
        # for isotropic X, CKA(X, XA) ~ sum a_i^2 / sqrt(d sum a_i^4) = 407 / 1131 = 0.36
        # (0.45 on these 60 samples), far from the 1 of orthogonal maps
        assert cka(X, X @ A) < 0.6
        assert cka(X, X @ np.random.default_rng(3).normal(size=(8, 8))) < 0.95

    def test_matches_centred_gram_formula(self, reps):
        X, Y = reps
        n = len(X)
        H = np.eye(n) - 1.0 / n
        K, L = H @ X @ X.T @ H, H @ Y @ Y.T @ H
        expected = np.trace(K @ L) / np.sqrt(np.trace(K @ K) * np.trace(L @ L))
        assert cka(X, Y) == pytest.approx(expected, rel=1e-10)
        # the Gram-space path (more features than samples) gives the same value
        Xw = np.hstack([X, np.random.default_rng(1).normal(size=(60, 200))])
        Kw = H @ Xw @ Xw.T @ H
        expected_w = np.trace(Kw @ L) / np.sqrt(np.trace(Kw @ Kw) * np.trace(L @ L))
        assert cka(Xw, Y) == pytest.approx(expected_w, rel=1e-10)

    def test_debiased_hsic_is_the_u_statistic(self):
        # Song et al. (2012): HSIC_u is the U-statistic over distinct ordered quadruples
        # (i, j, q, r) of K_ij L_ij + K_ij L_qr - 2 K_ij L_iq
        from tda_nn.diagnostics.similarity import _hsic_unbiased

        rng = np.random.default_rng(5)
        X, Y = rng.normal(size=(7, 3)), rng.normal(size=(7, 2))
        K, L = X @ X.T, Y @ Y.T
        total, count = 0.0, 0
        for i, j, q, r in itertools.permutations(range(7), 4):
            total += K[i, j] * L[i, j] + K[i, j] * L[q, r] - 2 * K[i, j] * L[i, q]
            count += 1
        assert _hsic_unbiased(K, L) == pytest.approx(total / count, rel=1e-10)

    def test_debiased_near_zero_for_independent_representations(self):
        # few samples, many features: biased CKA is pulled far above 0, debiased is not
        rng = np.random.default_rng(0)
        X, Y = rng.normal(size=(30, 500)), rng.normal(size=(30, 500))
        assert cka(X, Y) > 0.9  # 0.945 here
        assert abs(cka(X, Y, debiased=True)) < 0.1  # 0.065 here

    def test_bad_input(self, reps):
        X, Y = reps
        with pytest.raises(ValueError, match="X with 60 rows and Y with 59 rows"):
            cka(X, Y[:-1])
        with pytest.raises(ValueError, match="X must have at least 2 samples"):
            cka(X[:1], Y[:1])
        with pytest.raises(ValueError, match="at least 4 samples .* debiased CKA"):
            cka(X[:3], Y[:3], debiased=True)
        with pytest.raises(ValueError, match="Y is constant"):
            cka(X, np.ones((60, 2)))
        with pytest.raises(ValueError, match="NaN"):
            cka(np.full((5, 2), np.nan), X[:5])
        with pytest.raises(TypeError, match="debiased must be True or False"):
            cka(X, Y, debiased="yes")


def _blobs(sep, n=100, seed=0):
    """Two Gaussian blobs of 50 points each, ``sep`` apart along x (same noise for every sep)."""
    base = np.random.default_rng(seed).normal(size=(n, 2))
    return base + np.column_stack([np.where(np.arange(n) >= n // 2, sep, 0.0), np.zeros(n)])


class TestRTD:
    def test_identical_is_zero(self):
        X = np.random.default_rng(0).normal(size=(100, 5))
        assert rtd(X, X) == 0.0
        assert len(cross_barcode(X, X)[1]) == 0

    def test_orthogonal_and_scaled_copy_is_zero(self):
        X = np.random.default_rng(0).normal(size=(100, 5))
        assert rtd(X, 3.0 * X @ _orthogonal(5) + 1.0) == pytest.approx(0.0, abs=1e-6)
        # a wider representation holding an isometric copy of X
        wide = np.hstack([X, np.zeros((100, 3))]) @ _orthogonal(8)
        assert rtd(X, wide) == pytest.approx(0.0, abs=1e-6)

    def test_grows_when_clusters_merge(self):
        X = _blobs(10.0)
        values = [rtd(X, _blobs(s)) for s in (10.0, 6.0, 3.0, 0.0)]
        # measured: 0, 1.21, 3.3, 4.86
        assert values[0] == 0.0
        assert all(a < b for a, b in zip(values, values[1:]))
        assert values[-1] > 3.0
        # the merged representation misses the separation that X has: H1 bars appear
        assert len(cross_barcode(X, _blobs(0.0))[1]) > 0

    def test_matches_definition_with_gudhi(self):
        # the R-Cross-Barcode built here from the definition, its H1 computed by gudhi
        gudhi = pytest.importorskip("gudhi")
        from scipy.spatial.distance import cdist

        rng = np.random.default_rng(1)
        X = rng.normal(size=(40, 3))
        Y = X + rng.normal(scale=0.5, size=X.shape)
        r1, r2 = cdist(X, X), cdist(Y, Y)
        r1, r2 = r1 / np.quantile(r1, 0.9), r2 / np.quantile(r2, 0.9)
        D = np.block([[np.zeros((40, 40)), r1.T], [r1, np.minimum(r1, r2)]])
        D[D < 1e-6 * r1.mean()] = 0.0
        st = gudhi.RipsComplex(distance_matrix=D).create_simplex_tree(max_dimension=2)
        st.compute_persistence()
        bars = st.persistence_intervals_in_dimension(1)
        expected = float(np.sum(bars[:, 1] - bars[:, 0]))
        assert expected > 0
        assert rtd(X, Y, symmetric=False) == pytest.approx(expected, rel=1e-5)

    def test_symmetric_is_the_mean_of_both_orders(self):
        X, Y = _blobs(10.0), _blobs(2.0)
        xy, yx = rtd(X, Y, symmetric=False), rtd(Y, X, symmetric=False)
        assert xy != pytest.approx(yx)  # 1.79 and 6.61 here: RTD itself is asymmetric
        assert rtd(X, Y) == pytest.approx(0.5 * (xy + yx))

    def test_backends_agree(self):
        X, Y = _blobs(10.0), _blobs(3.0)
        assert rtd(X, Y, backend="ripser") == pytest.approx(rtd(X, Y, backend="giotto-ph"), rel=1e-6)

    def test_subsets_are_averaged_and_seeded(self):
        rng = np.random.default_rng(2)
        X = rng.normal(size=(300, 3))
        Y = X + rng.normal(scale=0.4, size=X.shape)
        value = rtd(X, Y, n_subsets=3, subset_size=80, seed=7)
        # the same three subsets (same indices in X and Y), each computed on its own
        pick = np.random.default_rng(7)
        subsets = [pick.choice(300, size=80, replace=False) for _ in range(3)]
        expected = np.mean([rtd(X[i], Y[i], subset_size=80) for i in subsets])
        assert value == pytest.approx(expected, rel=1e-12)
        assert rtd(X, Y, n_subsets=3, subset_size=80, seed=7) == value
        assert rtd(X, Y, n_subsets=3, subset_size=80, seed=8) != value

    def test_parallel_subsets_match_serial(self):
        import joblib

        rng = np.random.default_rng(3)
        X = rng.normal(size=(200, 3))
        Y = X + rng.normal(scale=0.4, size=X.shape)
        serial = rtd(X, Y, n_subsets=2, subset_size=60)
        with joblib.parallel_config(backend="threading"):
            assert rtd(X, Y, n_subsets=2, subset_size=60, n_jobs=2) == pytest.approx(serial, rel=1e-12)

    def test_bad_input(self):
        X = np.random.default_rng(0).normal(size=(50, 3))
        with pytest.raises(ValueError, match="X with 50 rows and Y with 40 rows"):
            rtd(X, X[:40])
        with pytest.raises(ValueError, match="at least 2 samples"):
            rtd(X[:1], X[:1])
        with pytest.raises(ValueError, match="Y has too many identical rows"):
            rtd(X, np.zeros((50, 3)))
        with pytest.raises(ValueError, match="backend must be one of"):
            rtd(X, X, backend="gudhi")
        with pytest.raises(ValueError, match="subset_size must be >= 2"):
            rtd(X, X, subset_size=1)


class TestTwoNN:
    def test_plane_in_10d(self):
        rng = np.random.default_rng(0)
        plane = rng.uniform(size=(2000, 2)) @ rng.normal(size=(2, 10))
        assert twonn(plane) == pytest.approx(2.0, rel=0.1)  # 1.97 here

    def test_5d_gaussian_in_100d(self):
        rng = np.random.default_rng(0)
        G = np.hstack([rng.normal(size=(2000, 5)), np.zeros((2000, 95))]) @ _orthogonal(100)
        assert twonn(G) == pytest.approx(5.0, rel=0.1)  # 4.92 here

    def test_curve_is_one_dimensional(self):
        t = np.random.default_rng(1).uniform(0, 4 * np.pi, 1500)
        helix = np.column_stack([np.cos(t), np.sin(t), 0.2 * t])
        assert twonn(helix) == pytest.approx(1.0, rel=0.1)

    def test_duplicates_are_dropped(self):
        rng = np.random.default_rng(0)
        plane = rng.uniform(size=(1500, 2))
        with_dups = np.vstack([plane, plane[:300]])
        assert twonn(with_dups) == pytest.approx(twonn(plane), rel=0.1)

    def test_bad_input(self):
        with pytest.raises(ValueError, match="fraction must be in \\(0, 1\\]"):
            twonn(np.random.default_rng(0).normal(size=(10, 2)), fraction=1.5)
        with pytest.raises(ValueError, match="at least 3 samples"):
            twonn(np.zeros((2, 2)))
        with pytest.raises(ValueError, match="TwoNN needs at least 3"):
            twonn(np.zeros((20, 2)))


class TestPHDimension:
    def test_mst_lengths_are_the_h0_lifetimes(self):
        from tda_nn.homology import persistence

        X = np.random.default_rng(0).normal(size=(150, 3))
        X = np.vstack([X, X[:10]])  # duplicates: zero-length MST edges kept
        lengths = _mst_lengths(X)
        assert len(lengths) == len(X) - 1 and np.sum(lengths == 0) == 10
        h0 = persistence(X, maxdim=0)[0]
        assert np.sum(lengths) == pytest.approx(np.sum(h0[np.isfinite(h0[:, 1]), 1]), rel=1e-6)

    def test_square_and_cube(self):
        rng = np.random.default_rng(0)
        assert ph_dimension(rng.uniform(size=(1000, 2))) == pytest.approx(2.0, rel=0.1)  # 1.98
        assert ph_dimension(rng.uniform(size=(1000, 3))) == pytest.approx(3.0, rel=0.1)  # 2.81

    def test_bad_input(self):
        X = np.random.default_rng(0).normal(size=(100, 2))
        with pytest.raises(ValueError, match="n_min must be smaller than n_max"):
            ph_dimension(X, n_min=50, n_max=50)
        with pytest.raises(ValueError, match="n_max must be <= the number of samples"):
            ph_dimension(X, n_max=200)
        with pytest.raises(ValueError, match="at least 10 samples"):
            ph_dimension(X[:5])


def _rbf_cka_by_definition(X, Y, sigma_x, sigma_y):
    """HSIC(K, L) / sqrt(HSIC(K, K) HSIC(L, L)) with HSIC = tr(K H L H), written out."""
    n = X.shape[0]
    K = np.empty((n, n))
    L = np.empty((n, n))
    for i in range(n):
        for j in range(n):
            K[i, j] = np.exp(-np.sum((X[i] - X[j]) ** 2) / (2 * sigma_x**2))
            L[i, j] = np.exp(-np.sum((Y[i] - Y[j]) ** 2) / (2 * sigma_y**2))
    H = np.eye(n) - np.ones((n, n)) / n

    def hsic(A, B):
        return np.trace(A @ H @ B @ H)

    return hsic(K, L) / np.sqrt(hsic(K, K) * hsic(L, L))


def _median_distance(X):
    n = X.shape[0]
    return float(np.median([np.linalg.norm(X[i] - X[j]) for i in range(n) for j in range(i + 1, n)]))


class TestRBFCKA:
    def test_equals_definition_with_fixed_and_median_sigma(self, reps):
        X, Y = reps
        assert cka(X, Y, kernel="rbf", sigma=2.5) == pytest.approx(_rbf_cka_by_definition(X, Y, 2.5, 2.5), rel=1e-10)
        ref = _rbf_cka_by_definition(X, Y, _median_distance(X), _median_distance(Y))
        assert cka(X, Y, kernel="rbf") == pytest.approx(ref, rel=1e-10)
        assert 0.0 < ref < 0.5  # independent random representations: far from 1

    def test_self_similarity_is_one(self, reps):
        X, _ = reps
        assert cka(X, X, kernel="rbf") == pytest.approx(1.0, abs=1e-12)
        assert cka(X, X, kernel="rbf", sigma=0.3) == pytest.approx(1.0, abs=1e-12)
        assert cka(X, X, kernel="rbf", debiased=True) == pytest.approx(1.0, abs=1e-12)

    def test_invariant_to_orthogonal_maps_and_isotropic_scaling(self, reps):
        X, Y = reps
        ref = cka(X, Y, kernel="rbf")
        assert cka(X @ _orthogonal(8) * 7.5 + 3.0, Y, kernel="rbf") == pytest.approx(ref, rel=1e-10)
        assert cka(X, Y @ _orthogonal(5, 1) * 0.01, kernel="rbf") == pytest.approx(ref, rel=1e-10)
        ref_d = cka(X, Y, kernel="rbf", debiased=True)
        assert cka(X @ _orthogonal(8) * 7.5, Y, kernel="rbf", debiased=True) == pytest.approx(ref_d, rel=1e-8)
        # a fixed bandwidth is not scale invariant: the median heuristic is what buys it
        assert cka(X * 10, Y, kernel="rbf", sigma=1.0) != pytest.approx(cka(X, Y, kernel="rbf", sigma=1.0), rel=1e-3)

    def test_sees_nonlinear_dependence_linear_cka_misses(self):
        t = np.random.default_rng(0).uniform(-1, 1, size=(200, 1))
        # y = x^2 is uncorrelated with x: linear CKA near 0, RBF CKA clearly above it
        assert cka(t, t**2) < 0.05
        assert cka(t, t**2, kernel="rbf") > 0.3

    def test_linear_default_unchanged(self, reps):
        X, Y = reps
        assert cka(X, Y, kernel="linear") == cka(X, Y)
        assert cka(X, Y, kernel="linear", sigma=3.0) == cka(X, Y)

    def test_bad_kernel_and_sigma(self, reps):
        X, Y = reps
        with pytest.raises(ValueError, match="kernel must be one of"):
            cka(X, Y, kernel="gaussian")
        with pytest.raises(ValueError, match="sigma must be > 0"):
            cka(X, Y, kernel="rbf", sigma=0.0)
        Z = np.zeros((60, 3))
        Z[0] = 1.0  # not constant, but most pairs coincide: median distance 0
        with pytest.raises(ValueError, match="pass sigma"):
            cka(Z, Y, kernel="rbf")


def test_cka_matrix_is_cka_of_every_pair_with_each_gram_once():
    from tda_nn import cka, cka_matrix

    rng = np.random.default_rng(11)
    X = rng.normal(size=(120, 6))
    arrays = [X, np.tanh(X @ rng.normal(size=(6, 9))), rng.normal(size=(120, 3)), (X ** 2).reshape(120, 2, 3)]
    for kernel in ("linear", "rbf"):
        M = cka_matrix(arrays, kernel=kernel)
        assert M.shape == (4, 4) and np.allclose(M, M.T) and np.all(np.diag(M) == 1.0)
        for i in range(4):
            for j in range(i + 1, 4):
                ref = cka(arrays[i].reshape(120, -1), arrays[j].reshape(120, -1), kernel=kernel)
                assert M[i, j] == pytest.approx(ref, rel=1e-12, abs=1e-15), (kernel, i, j)
    # past the memory for the kept Gram matrices the pairs are computed one by one: the same numbers
    np.testing.assert_allclose(cka_matrix(arrays, kernel="rbf", max_memory=1000), cka_matrix(arrays, kernel="rbf"),
                               rtol=1e-12)
    assert cka_matrix(arrays, kernel="rbf")[0, 2] < 0.2  # independent noise is far from X


def test_cka_matrix_refuses_representations_of_different_samples():
    from tda_nn import cka_matrix

    rng = np.random.default_rng(12)
    with pytest.raises(ValueError, match=r"arrays\[1\] has 30"):
        cka_matrix([rng.normal(size=(40, 3)), rng.normal(size=(30, 3))], kernel="rbf")

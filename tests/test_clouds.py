"""Point-cloud builders: landmarks and their error bound, metrics, geodesics, per-sample clouds."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import circle
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial.distance import cdist

from tda_nn.clouds import (
    Landmarks,
    dtm_weights,
    feature_map_images,
    knn_geodesic,
    landmarks,
    pairwise_distances,
    pca,
    sample_clouds,
    standardize,
)

METRICS = ["euclidean", "cosine", "correlation"]


def naive_maxmin(D: np.ndarray, m: int, start: int = 0) -> np.ndarray:
    """The textbook farthest-point loop on a full distance matrix."""
    idx, d = [start], D[start].copy()
    for _ in range(m - 1):
        j = int(np.argmax(d))
        idx.append(j)
        d = np.minimum(d, D[j])
    return np.array(idx)


def assert_maxmin_sequence(D: np.ndarray, idx: np.ndarray) -> None:
    """Each landmark is *a* farthest point from those before it (ties allowed)."""
    d = D[idx[0]].copy()
    for k in range(1, len(idx)):
        assert d[idx[k]] >= d.max() - 1e-12, (k, d[idx[k]], d.max())
        d = np.minimum(d, D[idx[k]])


def hausdorff(X: np.ndarray, idx: np.ndarray, metric: str) -> float:
    return float(cdist(X.astype(np.float64), X[idx].astype(np.float64), metric=metric).min(axis=1).max())


class TestLandmarks:
    @pytest.mark.parametrize("metric", METRICS)
    @pytest.mark.parametrize("dtype", [np.float64, np.float32])
    @pytest.mark.parametrize("method", ["maxmin", "random"])
    def test_radius_is_bruteforce_hausdorff(self, metric, dtype, method):
        X = (np.random.default_rng(1).normal(size=(1500, 12)) + 3).astype(dtype)
        L = landmarks(X, 60, method=method, metric=metric, seed=3)
        assert L.radius == pytest.approx(hausdorff(X, L.indices, metric), rel=1e-9, abs=1e-12)
        assert len(set(L.indices.tolist())) == 60
        np.testing.assert_array_equal(L.points, X[L.indices])
        assert (L.method, L.metric) == (method, metric)

    @pytest.mark.parametrize("metric", METRICS)
    def test_maxmin_is_the_farthest_point_sequence(self, metric):
        # more landmarks than the candidate block forces several batched passes
        X = np.random.default_rng(2).uniform(size=(3000, 3))
        L = landmarks(X, 1500, metric=metric)
        expected = naive_maxmin(cdist(X, X, metric=metric), 1500)
        np.testing.assert_array_equal(L.indices, expected)

    def test_structured_cloud_matches_naive_and_circle_radius(self):
        X = circle(2000)
        L = landmarks(X, 16)  # evenly spaced: exact ties, so check the max-min property
        assert_maxmin_sequence(cdist(X, X), L.indices)
        # landmarks every 125 of 2000 samples; the farthest sample is 62 steps from one
        assert L.radius == pytest.approx(2 * np.sin(62 * np.pi / 2000), rel=1e-9)
        assert L.bound == 2 * L.radius

    def test_precomputed(self):
        X = np.random.default_rng(3).normal(size=(300, 4))
        D = cdist(X, X)
        L = landmarks(D, 25, metric="precomputed", start=7)
        np.testing.assert_array_equal(L.indices, naive_maxmin(D, 25, start=7))
        np.testing.assert_array_equal(L.points, D[np.ix_(L.indices, L.indices)])
        assert L.radius == pytest.approx(hausdorff(X, L.indices, "euclidean"), rel=1e-12)
        assert landmarks(X, 25, start=7).indices.tolist() == L.indices.tolist()

    def test_torch_path_agrees_with_numpy(self):
        torch = pytest.importorskip("torch")
        from tda_nn.nn.kernels import maxmin

        X = np.random.default_rng(4).normal(size=(800, 6))
        for metric in METRICS:
            ref = landmarks(X, 40, metric=metric, start=5)
            idx, radius = maxmin(torch.from_numpy(X), 40, 5, metric)
            np.testing.assert_array_equal(idx, ref.indices)
            assert radius == pytest.approx(ref.radius, rel=1e-12)
        D = cdist(X, X)
        idx, radius = maxmin(torch.from_numpy(D), 40, 5, "precomputed")
        np.testing.assert_array_equal(idx, landmarks(D, 40, metric="precomputed", start=5).indices)
        # a CPU tensor through the public function
        L = landmarks(torch.from_numpy(X.astype(np.float32)), 10)
        assert L.radius == pytest.approx(hausdorff(X.astype(np.float32), L.indices, "euclidean"), rel=1e-9)

    def test_seed_and_start(self):
        X = np.random.default_rng(5).normal(size=(200, 3))
        assert landmarks(X, 5).indices[0] == 0
        assert landmarks(X, 5, start=17).indices[0] == 17
        a, b = landmarks(X, 5, seed=9), landmarks(X, 5, seed=9)
        np.testing.assert_array_equal(a.indices, b.indices)
        r1, r2 = landmarks(X, 20, method="random", seed=1), landmarks(X, 20, method="random", seed=2)
        assert r1.indices.tolist() != r2.indices.tolist()

    @pytest.mark.parametrize("dtype", [np.float64, np.float32])
    def test_all_points_and_duplicates(self, dtype):
        X = (np.random.default_rng(6).normal(size=(30, 2)) + 100).astype(dtype)
        L = landmarks(X, 30)
        assert L.radius == 0.0 and sorted(L.indices.tolist()) == list(range(30))
        Xd = np.repeat(X[:5], 4, axis=0)  # 5 distinct points, 20 rows
        L = landmarks(Xd, 8)  # the 5 distinct points first, then distinct rows repeating them
        assert L.radius == 0.0 and len(set(L.indices.tolist())) == 8
        assert {tuple(p) for p in L.points[:5]} == {tuple(p) for p in X[:5]}
        assert landmarks(Xd, 5).radius == 0.0
        assert landmarks(Xd, 4).radius > 0
        P = landmarks(cdist(Xd, Xd), 8, metric="precomputed")
        assert P.radius == 0.0 and len(set(P.indices.tolist())) == 8

    def test_result_type(self):
        L = landmarks(circle(50), 5)
        assert isinstance(L, Landmarks)
        assert repr(L).startswith("Landmarks(n=5 of 50, method='maxmin', metric='euclidean', radius=")
        with pytest.raises(AttributeError):
            L.radius = 0.0  # frozen
        with pytest.raises(ValueError):
            L.indices[0] = 3

    def test_bad_input(self):
        X = circle(10)
        with pytest.raises(ValueError, match="n=11 landmarks for 10 points"):
            landmarks(X, 11)
        with pytest.raises(ValueError, match="n must be >= 1"):
            landmarks(X, 0)
        with pytest.raises(ValueError, match="Did you mean 'maxmin'"):
            landmarks(X, 3, method="maxmn")
        with pytest.raises(ValueError, match="NaN"):
            landmarks(np.array([[0.0, np.nan], [1.0, 1.0]]), 1)
        Z = np.vstack([X, np.zeros((2, 2))])
        with pytest.raises(ValueError, match=r"rows \[10, 11\].*zero vectors"):
            landmarks(Z, 3, metric="cosine")
        C = np.vstack([np.random.default_rng(0).normal(size=(5, 3)), [[2.0, 2.0, 2.0]]])
        with pytest.raises(ValueError, match=r"rows \[5\].*zero variance"):
            landmarks(C, 3, metric="correlation")
        with pytest.raises(ValueError, match="square"):
            landmarks(np.ones((3, 4)), 2, metric="precomputed")


def _rips(X: np.ndarray, maxdim: int = 1) -> list[np.ndarray]:
    from ripser import ripser

    return ripser(cdist(X, X), maxdim=maxdim, distance_matrix=True)["dgms"]


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n_points=st.integers(4, 40),
    dim=st.integers(1, 4),
    frac=st.floats(0.05, 1.0),
    method=st.sampled_from(["maxmin", "random"]),
)
def test_landmark_rips_within_twice_covering_radius(seed, n_points, dim, frac, method):
    """bottleneck(Rips(X), Rips(landmarks)) <= 2 r in H0 and H1 (Chazal-de Silva-Oudot)."""
    import gudhi

    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_points, dim)) * rng.uniform(0.1, 10)
    m = max(1, int(round(frac * n_points)))
    L = landmarks(X, m, method=method, seed=seed)
    assert L.radius == pytest.approx(hausdorff(X, L.indices, "euclidean"), rel=1e-9, abs=1e-12)
    full, sub = _rips(X), _rips(L.points)
    for dim_h in (0, 1):
        d = gudhi.bottleneck_distance(full[dim_h], sub[dim_h])
        assert d <= 2 * L.radius + 1e-9, (dim_h, d, L.radius)


class TestPairwiseDistances:
    @pytest.mark.parametrize("metric", METRICS)
    def test_agrees_with_scipy(self, metric):
        rng = np.random.default_rng(7)
        X, Y = rng.normal(size=(97, 9)) + 2, rng.normal(size=(31, 9))
        D = pairwise_distances(X, metric=metric, chunk_size=16)  # several blocks
        np.testing.assert_allclose(D, cdist(X, X, metric=metric), atol=1e-12)
        np.testing.assert_array_equal(D, D.T)
        np.testing.assert_array_equal(np.diag(D), 0.0)
        np.testing.assert_allclose(pairwise_distances(X, Y, metric=metric, chunk_size=10), cdist(X, Y, metric=metric), atol=1e-12)
        D32 = pairwise_distances(X, metric=metric, dtype=np.float32)
        assert D32.dtype == np.float32
        np.testing.assert_allclose(D32, cdist(X, X, metric=metric), atol=2e-5 * max(1.0, D.max()))
        np.testing.assert_array_equal(D32, D32.T)

    def test_cosine_is_half_squared_euclidean_on_unit_vectors(self):
        X = np.random.default_rng(8).normal(size=(120, 6))
        U = X / np.linalg.norm(X, axis=1, keepdims=True)
        np.testing.assert_allclose(pairwise_distances(U) ** 2, 2 * pairwise_distances(U, metric="cosine"), atol=1e-12)
        # and cosine distance is invariant to rescaling rows
        np.testing.assert_allclose(pairwise_distances(X, metric="cosine"), pairwise_distances(U, metric="cosine"), atol=1e-12)

    def test_memory_guard_names_size_and_landmarks(self):
        X = np.zeros((100_000, 2))
        with pytest.raises(ValueError, match=r"74\.5 GiB.*landmarks"):
            pairwise_distances(X, max_memory="1GiB")
        with pytest.raises(ValueError, match=r"37\.3 GiB"):
            pairwise_distances(X, dtype=np.float32, max_memory=2**30)

    def test_bad_input(self):
        with pytest.raises(ValueError, match=r"rows \[1\].*zero vectors"):
            pairwise_distances(np.array([[1.0, 0.0], [0.0, 0.0]]), metric="cosine")
        with pytest.raises(ValueError, match=r"rows \[0\].*zero variance"):
            pairwise_distances(np.array([[3.0, 3.0, 3.0], [0.0, 1.0, 5.0]]), metric="correlation")
        with pytest.raises(ValueError, match="same number of features"):
            pairwise_distances(np.ones((3, 2)), np.ones((3, 4)))
        with pytest.raises(ValueError, match="dtype"):
            pairwise_distances(np.ones((3, 2)), dtype=np.int64)


class TestPreprocessing:
    def test_standardize_matches_sklearn_and_warns_on_flat_columns(self):
        from sklearn.preprocessing import StandardScaler

        X = np.random.default_rng(9).normal(size=(50, 4)) * [1, 10, 0.1, 3] + 5
        np.testing.assert_allclose(standardize(X), StandardScaler().fit_transform(X), atol=1e-12)
        X[:, 2] = 7.0
        with pytest.warns(UserWarning, match=r"columns \[2\]"):
            Z = standardize(X)
        np.testing.assert_array_equal(Z[:, 2], 0.0)

    def test_pca(self):
        rng = np.random.default_rng(10)
        X = rng.normal(size=(200, 6)) * [5, 3, 1, 0.1, 0.1, 0.1]
        P = pca(X, 2)
        assert P.shape == (200, 2)
        var = np.var(X - X.mean(0), axis=0).sum()
        ratios = np.cumsum(np.var(pca(X), axis=0)) / var
        k = int(np.searchsorted(ratios, 0.95) + 1)
        assert pca(X, variance=0.95).shape == (200, k)
        np.testing.assert_allclose(cdist(pca(X), pca(X)), cdist(X, X), atol=1e-9)  # all components: a rotation
        with pytest.raises(ValueError, match="at most one"):
            pca(X, 2, variance=0.9)
        with pytest.raises(ValueError, match=r"<= min\(n_samples, n_features\) = 6"):
            pca(X, 7)
        with pytest.raises(ValueError, match=r"fraction in \(0, 1\)"):
            pca(X, variance=1.5)


class TestGeodesic:
    def test_half_circle_arc_length(self):
        t = np.linspace(0, np.pi, 400)
        X = np.c_[np.cos(t), np.sin(t)]
        D = knn_geodesic(X, k=5)
        exact = np.abs(t[:, None] - t[None, :])
        assert D[0, -1] == pytest.approx(np.pi, rel=1e-4)
        np.testing.assert_allclose(D, exact, atol=1e-4)
        assert (D <= exact + 1e-12).all()  # chords never exceed arcs
        np.testing.assert_array_equal(D, D.T)

    def test_spiral_arc_length_converges(self):
        def spiral(n):
            t = np.linspace(0, 4 * np.pi, n)
            return np.c_[t * np.cos(t), t * np.sin(t)], t

        s = lambda t: 0.5 * (t * np.sqrt(1 + t**2) + np.arcsinh(t))  # noqa: E731  arc length of r = t
        errors = []
        for n in (200, 800):
            X, t = spiral(n)
            errors.append(abs(knn_geodesic(X, k=3)[0, -1] - s(t[-1])) / s(t[-1]))
        assert errors[1] < errors[0] / 10 and errors[1] < 1e-4

    def test_agrees_with_isomap_graph(self):
        from sklearn.manifold import Isomap

        X = np.random.default_rng(11).normal(size=(150, 3))
        iso = Isomap(n_neighbors=6, n_components=2).fit(X)
        np.testing.assert_allclose(knn_geodesic(X, 6), iso.dist_matrix_, atol=1e-10)
        D = cdist(X, X)
        np.testing.assert_allclose(knn_geodesic(D, 6, metric="precomputed"), iso.dist_matrix_, atol=1e-10)

    def test_disconnected(self):
        A, B = circle(30), circle(30, center=(5.0, 0.0))
        X = np.vstack([A, B])
        with pytest.warns(UserWarning, match="2 connected components"):
            D = knn_geodesic(X, 2)
        assert np.isfinite(D).all()
        gap = cdist(A, B).min()  # shortest bridging edge, here 3.0
        assert gap == pytest.approx(3.0)
        assert D[0, 45] == pytest.approx(gap)  # points (1, 0) and (4, 0)
        with pytest.warns(UserWarning, match="inf"):
            Dinf = knn_geodesic(X, 2, disconnected="inf")
        assert np.isinf(Dinf[:30, 30:]).all() and np.isfinite(Dinf[:30, :30]).all()
        with pytest.raises(ValueError, match="increase k"):
            knn_geodesic(X, 2, disconnected="raise")

    def test_bad_k(self):
        with pytest.raises(ValueError, match="k=10 for 10 points"):
            knn_geodesic(circle(10), 10)
        with pytest.raises(ValueError, match="k must be >= 1"):
            dtm_weights(circle(10), 0)

    def test_dtm_weights_match_giotto_ph(self):
        gph = pytest.importorskip("gph")
        X = circle(60, noise=0.1, seed=2)
        w = dtm_weights(X, 4)
        ours = gph.ripser_parallel(X, maxdim=1, weights=w)["dgms"]
        theirs = gph.ripser_parallel(X, maxdim=1, weights="DTM", weight_params={"n_neighbors": 4})["dgms"]
        for a, b in zip(ours, theirs):
            np.testing.assert_allclose(np.sort(a, axis=0), np.sort(b, axis=0), atol=1e-9)
        D = cdist(X, X)
        np.testing.assert_allclose(dtm_weights(D, 4, metric="precomputed"), w, atol=1e-12)


class TestSampleClouds:
    def test_tokens_drop_padding_exactly(self):
        rng = np.random.default_rng(12)
        A = rng.normal(size=(4, 7, 5)).astype(np.float32)
        lengths = [7, 3, 1, 5]
        mask = (np.arange(7)[None, :] < np.array(lengths)[:, None]).astype(np.int64)
        mask[3, 1] = 0  # a hole, not only right padding
        clouds = sample_clouds(A, mask=mask, layout="tokens")
        assert [len(c) for c in clouds] == [7, 3, 1, 4]
        for i, c in enumerate(clouds):
            np.testing.assert_array_equal(c, A[i][mask[i] != 0])
            assert c.dtype == np.float32
        assert [c.shape for c in sample_clouds(A)] == [(7, 5)] * 4

    def test_feature_maps_to_spatial_clouds(self):
        A = np.random.default_rng(13).normal(size=(2, 3, 4, 5))
        clouds = sample_clouds(A)
        assert clouds[0].shape == (20, 3)
        np.testing.assert_array_equal(clouds[1][2 * 5 + 3], A[1, :, 2, 3])
        m = np.ones((2, 4, 5))
        m[0, 0, :] = 0
        assert [len(c) for c in sample_clouds(A, mask=m, layout="spatial")] == [15, 20]

    def test_torch_input(self):
        torch = pytest.importorskip("torch")
        A = torch.arange(24, dtype=torch.float32).reshape(2, 3, 4)
        np.testing.assert_array_equal(sample_clouds(A, mask=torch.tensor([[1, 0, 1], [1, 1, 1]]))[0], [[0, 1, 2, 3], [8, 9, 10, 11]])

    def test_bad_input(self):
        A = np.zeros((2, 3, 4))
        with pytest.raises(ValueError, match=r"mask must have shape \(2, 3\)"):
            sample_clouds(A, mask=np.ones((2, 4)))
        with pytest.raises(ValueError, match=r"no point in samples \[1\]"):
            sample_clouds(A, mask=[[1, 0, 0], [0, 0, 0]])
        with pytest.raises(ValueError, match="reduce='none'"):
            sample_clouds(np.zeros((2, 3)))
        with pytest.raises(ValueError, match="layout='tokens'"):
            sample_clouds(np.zeros((2, 3, 4, 5)), layout="tokens")

    def test_feature_map_images(self):
        A = np.random.default_rng(14).normal(size=(2, 3, 4, 5))
        np.testing.assert_allclose(feature_map_images(A), A.mean(axis=1))
        np.testing.assert_allclose(feature_map_images(A, channels="max"), A.max(axis=1))
        np.testing.assert_allclose(feature_map_images(A, channels="norm"), np.linalg.norm(A, axis=1))
        np.testing.assert_array_equal(feature_map_images(A, channels=2), A[:, 2])
        with pytest.raises(ValueError, match="channels must be <= 2"):
            feature_map_images(A, channels=3)
        with pytest.raises(ValueError, match=r"\(n, C, H, W\)"):
            feature_map_images(A[0])

"""layer_profile and compare_layers: known Betti numbers, significance, classes, the untangling result."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import circle

import tda_nn
from tda_nn.activations import Activations
from tda_nn.diagnostics.dimension import twonn
from tda_nn.diagnostics.layers import LayerComparison, LayerProfile, compare_layers, layer_profile
from tda_nn.diagnostics.similarity import cka


def _shapes():
    rng = np.random.default_rng(0)
    two = np.vstack([circle(60, noise=0.03, seed=1), circle(60, noise=0.03, seed=2, center=(3.0, 0.0))])
    return {"circle": circle(100, noise=0.05, seed=0), "two_circles": two, "noise": rng.uniform(size=(100, 2))}


@pytest.fixture(scope="module")
def shapes_profile():
    return layer_profile(_shapes(), scales=(0.25, 0.75))


class TestBettiNumbers:
    def test_known_shapes_at_relative_scales(self, shapes_profile):
        p = shapes_profile
        # reference scales are the median pairwise distances
        X = _shapes()["circle"]
        from scipy.spatial.distance import pdist

        assert p.reference_scale[0] == pytest.approx(np.median(pdist(X)))
        # circle: one component, one loop; two circles 1 apart: two of each at 0.25 x median (~0.5)
        assert p.betti[0, :, :].tolist() == [[1, 1], [1, 1]]
        assert p.betti[1, 0].tolist() == [2, 2]
        # at 0.75 x median (1.47 > the gap of 1) the circles have merged; both loops live until sqrt(3)
        assert p.betti[1, 1].tolist() == [1, 2]
        # uniform noise: connected, no loop at 0.75 x the median distance
        assert p.betti[2, 1].tolist() == [1, 0]

    def test_betti_agrees_with_ripser(self, shapes_profile):
        from ripser import ripser

        for i, (layer, X) in enumerate(_shapes().items()):
            dgms = ripser(X, maxdim=1)["dgms"]
            for s, frac in enumerate(shapes_profile.scales):
                t = frac * shapes_profile.reference_scale[i]
                expect = [int(((d[:, 0] <= t) & (t < d[:, 1])).sum()) for d in dgms]
                assert shapes_profile.betti[i, s].tolist() == expect, layer

    def test_relative_scale_is_invariant_to_scaling(self):
        X = circle(80, noise=0.05)
        p = layer_profile({"a": X, "b": 7.5 * X, "c": 0.01 * X}, n_bootstrap=0)
        assert (p.betti == p.betti[0]).all()
        # Rips engines work in float32: equal to ~1e-7
        np.testing.assert_allclose(p.total_persistence, p.total_persistence[[0, 0, 0]], rtol=1e-6)
        np.testing.assert_allclose(p.reference_scale / p.reference_scale[0], [1.0, 7.5, 0.01])

    @pytest.mark.filterwarnings("ignore:intrinsic_dim is NaN:UserWarning")  # evenly spaced test clouds: TwoNN is undefined there

    def test_absolute_scales(self):
        X = circle(60)  # evenly spaced unit circle: H1 bar born at 2 sin(pi/60), dies at sqrt(3)
        p = layer_profile({"c": X}, relative=False, scales=(0.05, 0.2, 1.0, 1.8), n_bootstrap=0)
        assert p.betti[0].tolist() == [[60, 0], [1, 1], [1, 1], [1, 0]]

    def test_summaries_match_closed_forms(self, shapes_profile):
        p = shapes_profile
        for i, d in enumerate(p.diagrams):
            life = [d.lifetimes(k) for k in range(2)]
            fin = [x[np.isfinite(x)] / p.reference_scale[i] for x in life]
            np.testing.assert_allclose(p.total_persistence[i], [f.sum() for f in fin])
            q = fin[1] / fin[1].sum()
            assert p.entropy[i, 1] == pytest.approx(-(q * np.log(q)).sum())
        # Betti curves count bars alive at each grid value (relative units)
        g = p.curve_grid
        assert g[0] == 0 and len(g) == 50
        d0 = p.diagrams[0][1] / p.reference_scale[0]
        expect = ((d0[:, :1] <= g) & (g < d0[:, 1:])).sum(axis=0)
        np.testing.assert_array_equal(p.betti_curves[0, 1], expect)

    def test_intrinsic_dimension(self, shapes_profile):
        X = _shapes()["noise"]
        assert shapes_profile.intrinsic_dim[2] == pytest.approx(twonn(X))
        # by the definition (Facco et al. 2017), brute force: mu = r2 / r1 per point, the 90% smallest,
        # least-squares slope through the origin of -log(1 - i/N) against log(mu_(i))
        from scipy.spatial.distance import cdist

        r = np.sort(cdist(X, X), axis=1)
        mu = np.sort(r[:, 2] / r[:, 1])
        m = int(0.9 * len(X))
        x, y = np.log(mu[:m]), -np.log(1 - np.arange(1, m + 1) / len(X))
        assert shapes_profile.intrinsic_dim[2] == pytest.approx((x @ y) / (x @ x), rel=1e-9)
        assert shapes_profile.intrinsic_dim[2] == pytest.approx(1.757, abs=5e-3)  # a filled square, 100 points


class TestSignificance:
    def test_noisy_circle_one_bar_noise_none(self, shapes_profile):
        p = shapes_profile
        assert p.n_significant[0].tolist() == [1, 1]  # one component, one loop
        assert p.n_significant[1, 1] == 2  # the two loops
        assert p.n_significant[2, 1] == 0  # uniform noise: no significant loop
        assert np.isnan(p.noise_level).all()  # the universal test has no band
        assert (p.min_pvalue[:2, 1] < 1e-3).all() and p.min_pvalue[2, 1] > 0.05

    def test_gaussian_blob_has_no_significant_loop(self):
        X = np.random.default_rng(3).normal(size=(120, 3))
        p = layer_profile({"g": X}, n_bootstrap=20)
        assert p.n_significant[0, 1] == 0

    def test_subsample_band_is_wider(self):
        X = circle(100, noise=0.05)
        boot = layer_profile({"c": X}, n_bootstrap=20, significance="bootstrap")
        sub = layer_profile({"c": X}, n_bootstrap=20, significance="subsample")
        assert sub.noise_level[0] > boot.noise_level[0]
        # resamples of n / log n = 22 points: the conservative band of Fasy et al. swallows the loop
        assert boot.n_significant[0].tolist() == [1, 1] and sub.n_significant[0].tolist() == [1, 0]
        for p in (boot, sub):  # no landmarks: the threshold is the band's diameter, in median-distance units
            assert p.landmark_bound[0] == 0.0
            assert p.threshold[0].tolist() == pytest.approx([2 * p.noise_level[0]] * 2)

    def test_noise_level_seeded(self):
        X = circle(80, noise=0.05)
        a = layer_profile({"c": X}, n_bootstrap=10, seed=4)
        b = layer_profile({"c": X}, n_bootstrap=10, seed=4)
        assert a == b


class TestClassesAndInputs:
    def test_per_class_profiles(self):
        A = circle(80, noise=0.02, seed=1)
        B = np.random.default_rng(1).normal(scale=0.3, size=(80, 2)) + [5.0, 0.0]
        X = np.vstack([A, B])
        y = np.repeat([0, 1], 80)
        p = layer_profile({"x": X, "x3": np.c_[X, X[:, :1]]}, labels=y, scales=(0.3,), n_bootstrap=10)
        assert p.classes == (0, 1)
        assert p.per_class[0].betti[:, 0].tolist() == [[1, 1], [1, 1]]
        assert p.per_class[1].n_significant[:, 1].tolist() == [0, 0]
        assert p.per_class[0].n_points.tolist() == [80, 80]
        classes_only = layer_profile({"x": X}, labels=y, scales=(0.3,), n_bootstrap=0, include_all=False)
        assert classes_only.per_class[0].betti.tolist() == layer_profile(
            {"x": A}, scales=(0.3,), n_bootstrap=0).betti.tolist()

    def test_activations_input_and_diagram_input(self):
        X = circle(60, noise=0.03)
        acts = Activations({"a": X, "b": 2 * X}, targets=np.zeros(60))
        p = layer_profile(acts, n_bootstrap=0)
        assert p.layers == ("a", "b")
        again = layer_profile(dict(zip(p.layers, p.diagrams)))
        np.testing.assert_array_equal(again.betti, p.betti)
        assert again.params["scale_reference"] == "median_distance"
        assert again.n_significant is None and again.intrinsic_dim is None

    def test_landmarks_for_large_layers(self):
        X = circle(400, noise=0.02)
        p = layer_profile({"c": X}, n_landmarks=80, n_bootstrap=5)
        assert p.n_points[0] == 80
        meta = p.diagrams[0].meta
        assert meta["n_landmarks"] == 80 and meta["bottleneck_bound"] == pytest.approx(2 * meta["covering_radius"])
        assert p.betti[0, 1].tolist() == [1, 1] and p.n_significant[0, 1] == 1

    def test_round_trip_json(self):
        X = circle(50, noise=0.03)
        p = layer_profile({"a": X, "b": X[:, ::-1] * 2}, labels=np.arange(50) % 2, n_bootstrap=3)
        text = json.dumps(p.to_dict(), allow_nan=False)
        back = LayerProfile.from_dict(json.loads(text))
        assert back == p
        assert "LayerProfile(2 layers" in repr(p)

    @pytest.mark.parametrize(
        ("data", "kwargs", "exc", "match"),
        [
            ({"a": np.zeros((1, 3))}, {}, ValueError, "1 sample"),
            ({"a": np.random.rand(10, 2)}, {"labels": np.zeros(9)}, ValueError, r"shape \(10,\)"),
            ({"a": np.random.rand(10, 2)}, {"labels": [0] * 8 + [1, 1]}, ValueError, "class 1 has 2"),
            ({"a": np.random.rand(10, 2), "b": np.random.rand(9, 2)}, {"labels": np.zeros(10)}, ValueError,
             "same samples"),
            ({"a": [[0.0, np.nan]] * 5}, {}, ValueError, "NaN"),
            ({}, {}, ValueError, "at least one layer"),
            ([1, 2], {}, TypeError, "Activations"),
            ({"a": np.random.rand(10, 2)}, {"relative": False}, ValueError, "scales is required"),
            ({"a": np.random.rand(10, 2)}, {"method": "knn_hops", "scales": (1.5,)}, ValueError, "whole hop"),
            ({"a": np.random.rand(10, 2)}, {"method": "knn"}, ValueError, "knn_hops"),
            ({"a": np.ones((10, 2))}, {}, ValueError, "no distance scale"),
        ],
    )
    @pytest.mark.filterwarnings("ignore:intrinsic_dim is NaN:UserWarning")  # evenly spaced test clouds: TwoNN is undefined there
    def test_bad_input(self, data, kwargs, exc, match):
        with pytest.raises(exc, match=match):
            layer_profile(data, n_bootstrap=0, **kwargs)


class TestKnnHops:
    def test_hop_matrix_matches_breadth_first_search(self):
        from scipy.sparse.csgraph import shortest_path

        from tda_nn.diagnostics.layers import _hop_matrix

        X = np.random.default_rng(0).normal(size=(150, 3))
        H = _hop_matrix(X, 6, 3).toarray()
        A = (H == 1).astype(float)
        D = shortest_path(A, unweighted=True, directed=False)
        D[D > 3] = 0
        np.testing.assert_array_equal(H, D)
        # k counts the point itself: every point has at least k - 1 neighbours at one hop
        assert (A.sum(axis=1) >= 5).all()

    @pytest.mark.filterwarnings("ignore:intrinsic_dim is NaN:UserWarning")  # evenly spaced test clouds: TwoNN is undefined there

    def test_circle_and_disks(self):
        from tda_nn.datasets import disks_and_rings

        X, y = disks_and_rings(spacing=0.15)
        p = layer_profile({"input": X}, labels=y, method="knn_hops", include_all=False)
        assert p.per_class[0].betti[0, :, 0].tolist() == [9, 9]  # nine disks
        assert p.per_class[1].betti[0, :].tolist() == [[1, 9], [1, 9]]  # a square with nine holes
        assert p.per_class[1].n_points[0] == int(np.ceil((y == 1).sum() / 4))
        assert p.params["method"] == "knn_hops" and p.n_significant is None


# The untangling result of Naitzat, Zhitnikov and Lim (2020) -- a ReLU network trained to ~100%
# takes beta_1 of class 1 from 9 to at most 2 -- is asserted by notebooks/untangling.ipynb, which
# tests/test_notebooks.py executes (it trains the same seeded network, with tanh's beside it).


class TestCompareLayers:
    @pytest.mark.filterwarnings("ignore:intrinsic_dim is NaN:UserWarning")  # evenly spaced test clouds: TwoNN is undefined there
    def test_symmetric_zero_diagonal_and_ordered(self):
        # a circle squashed step by step into a segment: neighbours in the chain are closer
        t = 2 * np.pi * np.arange(80) / 80
        layers = {f"l{i}": np.c_[np.cos(t), s * np.sin(t)] for i, s in enumerate((1.0, 0.7, 0.4, 0.1))}
        cmp = compare_layers(layers, metric="wasserstein", dim=1, profile_kwargs={"n_bootstrap": 0})
        M = cmp.matrix
        np.testing.assert_allclose(M, M.T)
        np.testing.assert_array_equal(np.diag(M), 0)
        assert M[0, 1] < M[0, 2] < M[0, 3]
        assert M[2, 3] < M[1, 3] < M[0, 3]
        assert cmp.cka[0, 0] == pytest.approx(1.0)
        assert cmp.cka[0, 1] == pytest.approx(cka(layers["l0"], layers["l1"]))
        assert cmp.layers == ("l0", "l1", "l2", "l3") and cmp.rtd is None

    def test_metrics_agree_with_distances(self):
        from tda_nn.distances import bottleneck

        X = circle(60, noise=0.05)
        Y = np.random.default_rng(0).normal(size=(60, 2))
        prof = layer_profile({"c": X, "g": Y}, n_bootstrap=0)
        cmp = compare_layers(prof, metric="bottleneck", dim=1, normalize=False)
        assert cmp.matrix[0, 1] == pytest.approx(bottleneck(prof.diagrams[0], prof.diagrams[1], dim=1))
        assert cmp.cka is None
        sw = compare_layers(prof, metric="sliced_wasserstein", dim=1)
        assert sw.matrix[0, 1] > 0 and sw.metric == "sliced_wasserstein"

    def test_scale_normalisation(self):
        X = circle(60, noise=0.05)
        cmp = compare_layers({"a": X, "b": 10 * X}, profile_kwargs={"n_bootstrap": 0})
        assert cmp.matrix[0, 1] == pytest.approx(0.0, abs=1e-6)  # float32 engines
        raw = compare_layers({"a": X, "b": 10 * X}, normalize=False, profile_kwargs={"n_bootstrap": 0})
        assert raw.matrix[0, 1] > 1

    def test_rtd_and_round_trip(self):
        X = circle(40, noise=0.05)
        Q = np.linalg.qr(np.random.default_rng(0).normal(size=(2, 2)))[0]
        cmp = compare_layers({"a": X, "b": X @ Q, "c": X ** 2}, include_rtd=True, profile_kwargs={"n_bootstrap": 0})
        assert cmp.rtd[0, 1] == pytest.approx(0.0, abs=1e-9) and cmp.rtd[0, 2] > 0
        back = LayerComparison.from_dict(json.loads(json.dumps(cmp.to_dict())))
        assert back == cmp

    @pytest.mark.filterwarnings("ignore:intrinsic_dim is NaN:UserWarning")  # evenly spaced test clouds: TwoNN is undefined there

    def test_bad_input(self):
        with pytest.raises(ValueError, match="metric"):
            compare_layers({"a": circle(20), "b": circle(20)}, metric="euclid", profile_kwargs={"n_bootstrap": 0})
        with pytest.raises(ValueError, match="same samples"):
            compare_layers({"a": circle(20), "b": circle(30)}, profile_kwargs={"n_bootstrap": 0})


class TestSignificantBarsAgree:
    def test_profile_counts_are_those_of_significant_bars(self):
        """The profile's H1 counts, threshold and bound are significant_bars' on the same landmarks, in median units;
        its H0 test is significant_clusters' on every sample."""
        X = np.r_[circle(300, noise=0.05, seed=2), circle(300, noise=0.05, seed=5) + [6.0, 0.0]]
        p = layer_profile({"two": X}, n_landmarks=300, n_bootstrap=40, seed=7)
        ref = tda_nn.significant_bars(X, n_landmarks=300, n_bootstrap=40, seed=7)
        assert p.n_significant[0].tolist() == [ref.n_significant(0), ref.n_significant(1)] == [2, 2]
        unit = p.reference_scale[0]
        assert p.landmark_bound[0] * unit == pytest.approx(ref.landmark_bound)
        assert p.threshold[0] == pytest.approx([ref.threshold[0], ref.threshold[1]])  # death/birth: unitless
        assert p.min_pvalue[0][1] == pytest.approx(ref.min_pvalue(1))
        # H0: the cluster test runs on every sample (landmarks flatten the density that makes a cluster)
        from tda_nn.diagnostics.clusters import significant_clusters

        full = significant_clusters(X, seed=7)
        assert p.min_pvalue[0][0] == pytest.approx(full.min_pvalue) and full.n_significant == 2
        assert p.diagrams[0].meta["h0_test"] == "runt-ratio test on all samples"
        for a, b in zip(p.diagrams[0], ref.all_diagrams):  # the same bars (the meta differ: landmark_method)
            np.testing.assert_array_equal(a, b)

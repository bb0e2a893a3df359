"""significant_bars: universal p-values (formula, calibration, power, few bars), corrections, the band methods."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.spatial.distance import cdist, directed_hausdorff

from tda_nn.clouds import landmarks
from tda_nn.datasets import circle, circles
from tda_nn.diagnostics import _multitest
from tda_nn.diagnostics.significance import MIN_BARS, SignificantBars, significant_bars, universal_pvalues

GAMMA = 0.5772156649015329


def _circle32(seed: int, n: int = 300, noise: float = 0.1, dim: int = 32) -> np.ndarray:
    X = np.c_[circle(n, seed=seed), np.zeros((n, dim - 2))]
    return X + np.random.default_rng(seed + 1000).normal(scale=noise, size=(n, dim))


class TestUniversalFormula:
    def test_pvalues_of_a_hand_made_diagram(self):
        dgm = np.array([[1.0, 1.5], [2.0, 2.2], [0.5, 0.6], [1.0, 4.0], [0.3, 0.33]])
        ll = [math.log(math.log(d / b)) for b, d in dgm]
        B = -GAMMA - sum(ll) / len(ll)
        by_hand = [math.exp(-math.exp(x + B)) for x in ll]
        np.testing.assert_allclose(universal_pvalues(dgm), by_hand, rtol=1e-12)
        # a given location B is used as is
        np.testing.assert_allclose(universal_pvalues(dgm, location=-1.0),
                                   [math.exp(-math.exp(x - 1.0)) for x in ll], rtol=1e-12)

    def test_one_bar_alone_is_never_significant_and_untestable_bars_get_one(self):
        assert universal_pvalues(np.array([[1.0, 100.0]]))[0] == pytest.approx(math.exp(-math.exp(-GAMMA)))
        p = universal_pvalues(np.array([[0.0, 1.0], [1.0, 1.0], [1.0, 2.0], [1.0, 3.0]]))
        assert p[0] == 1.0 and p[1] == 1.0  # birth 0, zero length
        with pytest.raises(ValueError, match="dgm must have shape"):
            universal_pvalues(np.zeros((3, 3)))

    def test_result_follows_the_formula_and_the_correction(self):
        X = circle(300, noise=0.1, seed=4)
        for corr in ("bonferroni", "holm", "bh"):
            res = significant_bars(X, correction=corr, seed=0)
            bars = np.asarray(res.all_diagrams[1])
            assert res.null_source[1] == "diagram" and len(bars) >= MIN_BARS
            ll = np.log(np.log(bars[:, 1] / bars[:, 0]))
            B = -GAMMA - ll.mean()
            assert res.null_location[1] == pytest.approx(B, rel=1e-12)
            np.testing.assert_allclose(res.pvalues[1], np.exp(-np.exp(ll + B)), rtol=1e-10)
            np.testing.assert_allclose(res.adjusted[1], _multitest.adjust(res.pvalues[1], corr))
            np.testing.assert_array_equal(res.mask[1], res.adjusted[1] <= 0.05)
            # the threshold is the death/birth ratio where the cut-off p-value lies
            ratio = bars[:, 1] / bars[:, 0]
            assert np.all(ratio[res.mask[1]] > res.threshold[1] * (1 - 1e-9))
            assert np.all(ratio[~res.mask[1]] <= res.threshold[1] * (1 + 1e-9))
            assert res.n_significant(1) == 1 and res.statistic == "death/birth"
            np.testing.assert_array_equal(res.diagrams[1], bars[res.mask[1]])


class TestMultipleTesting:
    def test_corrections_by_hand(self):
        p = np.array([0.01, 0.04, 0.03, 0.005])
        np.testing.assert_allclose(_multitest.adjust(p, "bonferroni"), [0.04, 0.16, 0.12, 0.02])
        # Holm: sorted 0.005, 0.01, 0.03, 0.04 times 4, 3, 2, 1 -> 0.02, 0.03, 0.06, 0.04 -> cummax
        np.testing.assert_allclose(_multitest.adjust(p, "holm"), [0.03, 0.06, 0.06, 0.02])
        # BH: m p / rank = 0.02, 0.02, 0.04, 0.04 -> cummin from the top
        np.testing.assert_allclose(_multitest.adjust(p, "bh"), [0.02, 0.04, 0.04, 0.02])
        for method in _multitest.CORRECTIONS:
            cut = _multitest.cutoff(p, method, 0.05)
            np.testing.assert_array_equal(_multitest.adjust(p, method) <= 0.05, p <= cut)
        assert _multitest.cutoff(np.empty(0), "bh", 0.05) == 0.05


class TestCalibration:
    def test_null_pvalues_are_near_uniform(self):
        # 2-D uniform clouds: the paper's setting; the share of bars below 0.05 is within 0.03-0.07
        p = np.concatenate([significant_bars(np.random.default_rng(s).uniform(size=(300, 2)), seed=s).pvalues[1]
                            for s in range(8)])
        assert len(p) > 400
        assert 0.03 <= np.mean(p < 0.05) <= 0.07
        assert 0.45 <= np.mean(p < 0.5) <= 0.58

    def test_null_clouds_have_no_significant_loop(self):
        hits = []
        for s in range(7):
            rng = np.random.default_rng(200 + s)
            for X in (rng.normal(size=(200, 16)), rng.uniform(size=(200, 2)), rng.standard_t(3, size=(150, 4))):
                hits.append(significant_bars(X, seed=s).n_significant(1) > 0)
        assert np.mean(hits) <= 0.05

    def test_max_min_landmarks_of_a_null_cloud(self):
        hits = [significant_bars(np.random.default_rng(300 + s).normal(size=(600, 8)), n_landmarks=150,
                                 seed=s).n_significant(1) > 0 for s in range(6)]
        assert sum(hits) == 0


class TestPower:
    def test_few_bars_clean_circle_of_60_points(self):
        found = []
        for s in range(20):
            res = significant_bars(circle(60, noise=0.02, seed=s), seed=s)
            found.append(res.n_significant(1) == 1)
            if len(np.asarray(res.all_diagrams[1])) < MIN_BARS:
                assert res.null_source[1] == "diagram+reference"
        assert np.mean(found) >= 0.95

    def test_loop_in_32_dimensions_with_noise(self):
        assert np.mean([significant_bars(_circle32(s), seed=s).n_significant(1) == 1 for s in range(5)]) >= 0.9

    def test_noisy_planar_circle(self):
        assert np.mean([significant_bars(circle(200, noise=0.2, seed=s), seed=s).n_significant(1) == 1
                        for s in range(10)]) >= 0.8

    def test_both_loops_of_two_circles(self):
        both = []
        for s in range(6):
            X = circles(300, n_circles=2, noise=0.05, seed=s)[0]
            both.append(significant_bars(X, seed=s).n_significant(1) == 2)
        assert np.mean(both) >= 0.9

    def test_four_blobs_are_four_components_with_members(self):
        exact = []
        for s in range(10):
            rng = np.random.default_rng(s)
            C = np.zeros((4, 16))
            C[np.arange(4), np.arange(4)] = 8.0
            X = np.concatenate([rng.normal(size=(100, 16)) + c for c in C])
            lab = np.repeat(np.arange(4), 100)
            res = significant_bars(X, maxdim=0, labels=lab, seed=s)
            exact.append(res.n_significant(0) == 4)
            if exact[-1]:
                assert res.clusters.n_significant == 4
                for c in res.clusters.clusters:  # each component is one blob, every member named
                    assert c.size == 100 and len(c.label_counts) == 1
                assert res.min_pvalue(0) < 1e-4
        assert np.mean(exact) >= 0.85


class TestBand:
    def test_band_equals_independent_hausdorff_quantile(self):
        X = circle(60, noise=0.05, seed=3)
        res = significant_bars(X, method="bootstrap", alpha=0.1, n_bootstrap=25, seed=7)
        haus = []
        for ss in np.random.SeedSequence(7).spawn(25):
            keep = np.unique(np.random.default_rng(ss).integers(0, 60, 60))
            haus.append(directed_hausdorff(X, X[keep])[0])
        c = np.quantile(haus, 0.9, method="higher")
        assert res.band == {0: pytest.approx(2 * c, rel=1e-12), 1: pytest.approx(2 * c, rel=1e-12)}
        assert res.threshold[1] == pytest.approx(4 * c, rel=1e-12) and res.statistic == "lifetime"
        assert res.pvalues == {}

    def test_mask_follows_the_threshold(self):
        res = significant_bars(circle(150, noise=0.05, seed=1), method="bootstrap", maxdim=2, n_bootstrap=20,
                               seed=0)
        for d in range(3):
            expected = res.all_diagrams.lifetimes(d) > res.threshold[d]
            np.testing.assert_array_equal(res.mask[d], expected)
            assert res.threshold[d] == 2 * res.band[d]
        assert (res.n_significant(0), res.n_significant(1), res.n_significant(2)) == (1, 1, 0)

    def test_landmark_bound_is_described_not_added(self):
        X = circle(400, noise=0.02, seed=0)
        res = significant_bars(X, method="bootstrap", n_landmarks=40, n_bootstrap=20, seed=4)
        r = landmarks(X, 40, seed=4).radius
        assert res.landmark_bound == pytest.approx(2 * r, rel=1e-12) and res.n_landmarks == 40
        assert res.threshold[1] == 2 * res.band[1]
        assert res.all_diagrams.meta["bottleneck_bound"] == res.landmark_bound
        uni = significant_bars(X, n_landmarks=40, seed=4, landmark_method="random")
        assert uni.landmark_method == "random" and uni.n_significant(1) == 1

    def test_subsampling_is_more_conservative(self):
        X = circle(200, noise=0.05, seed=2)
        boot = significant_bars(X, method="bootstrap", n_bootstrap=20, seed=0)
        sub = significant_bars(X, method="subsample", n_bootstrap=20, seed=0)
        assert sub.band[1] > boot.band[1]


class TestReproducibility:
    def test_seeded_and_independent_of_n_jobs(self):
        X = np.random.default_rng(0).normal(size=(300, 5))
        a = significant_bars(X, method="bootstrap", n_bootstrap=30, n_landmarks=120, seed=11)
        b = significant_bars(X, method="bootstrap", n_bootstrap=30, n_landmarks=120, seed=11, n_jobs=2)
        np.testing.assert_array_equal(a.replicates, b.replicates)
        assert a.all_diagrams == b.all_diagrams and a.threshold == b.threshold

    def test_precomputed_matches_points(self):
        X = circle(120, noise=0.05, seed=5)
        a = significant_bars(X, seed=1)
        b = significant_bars(cdist(X, X), metric="precomputed", seed=1)
        np.testing.assert_allclose(b.pvalues[1], a.pvalues[1], rtol=1e-6)
        assert (b.n_significant(0), b.n_significant(1)) == (a.n_significant(0), a.n_significant(1)) == (1, 1)


class TestResult:
    def test_repr_and_to_dict(self):
        res = significant_bars(circle(100, noise=0.05, seed=0), seed=0)
        assert isinstance(res, SignificantBars)
        assert repr(res).startswith("SignificantBars(H0=1, H1=1; min adjusted p H0=")
        d = res.to_dict()
        assert d["n_significant"] == {"0": 1, "1": 1} and d["method"] == "universal"
        assert d["correction"] == "bonferroni" and d["n_bootstrap"] == 0 and d["min_pvalue"]["1"] < 0.01
        assert len(res.pvalues[1]) == len(res.all_diagrams[1]) and len(res.pvalues[0]) == len(res.all_diagrams[0])
        with pytest.raises(ValueError):
            res.mask[1][0] = False  # read-only
        with pytest.raises(ValueError):
            res.pvalues[1][0] = 0.0


class TestBadInput:
    @pytest.mark.parametrize(
        "X, match",
        [
            (np.zeros((2, 3)), "X must hold at least 3 points"),
            (np.array([[0.0, 1.0], [np.nan, 0.0], [1.0, 1.0]]), "X contains 1 NaN"),
            (np.arange(5.0), "X must be a 2-D array"),
        ],
    )
    def test_bad_cloud(self, X, match):
        with pytest.raises(ValueError, match=match):
            significant_bars(X)

    def test_bad_options(self):
        X = circle(20, noise=0.05)
        for kwargs, match in [({"alpha": 1.0}, "alpha must be in"), ({"alpha": 0.0}, "alpha must be > 0"),
                              ({"n_bootstrap": 0}, "n_bootstrap must be >= 1"),
                              ({"n_bootstrap": 10**9}, "n_bootstrap must be <= 10000"),
                              ({"method": "bootstrap", "n_bootstrap": 1}, "n_bootstrap must be at least"),
                              ({"method": "subsample", "alpha": 0.01, "n_bootstrap": 50}, r"ceil\(1 / alpha\) = 100"),
                              ({"method": "bootstrapp"}, "Did you mean 'bootstrap'"),
                              ({"correction": "fdr"}, "correction must be one of"),
                              ({"landmark_method": "kmeans"}, "landmark_method must be one of"),
                              ({"metric": "manhattan"}, "metric must be one of"),
                              ({"min_cluster_size": 1}, "min_cluster_size must be >= 2"),
                              ({"labels": [0, 1]}, "labels must have shape"),
                              ({"n_landmarks": 2}, "n_landmarks must be >= 3")]:
            with pytest.raises(ValueError, match=match):
                significant_bars(X, **kwargs)
        with pytest.raises(TypeError, match="n_bootstrap must be an integer"):
            significant_bars(X, n_bootstrap=2.5)
        with pytest.raises(ValueError, match="not symmetric"):
            significant_bars(np.arange(9.0).reshape(3, 3), metric="precomputed")

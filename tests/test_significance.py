"""significant_bars: calibration on null and signal clouds, H0 of connected clouds, the landmark bound."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.distance import cdist, directed_hausdorff

from tda_nn.clouds import landmarks
from tda_nn.datasets import circle
from tda_nn.diagnostics.significance import SignificantBars, significant_bars


def _hausdorff_to_circle(X: np.ndarray, n_grid: int = 20000) -> float:
    """d_H(X, unit circle): the larger of max_x |‖x‖ - 1| and max over a fine grid of the circle."""
    t = np.linspace(0, 2 * np.pi, n_grid, endpoint=False)
    grid = np.c_[np.cos(t), np.sin(t)]
    to_circle = np.abs(np.linalg.norm(X, axis=1) - 1.0).max()
    return float(max(to_circle, directed_hausdorff(grid, X)[0] + np.pi / n_grid))


class TestCalibration:
    def test_gaussian_clouds_rarely_have_a_significant_loop(self):
        # null: 30 Gaussian clouds, 500 points in 32-D, have no loop
        hits = [significant_bars(np.random.default_rng(100 + s).normal(size=(500, 32)), alpha=0.05,
                                 n_bootstrap=20, seed=s).n_significant(1) > 0 for s in range(30)]
        assert np.mean(hits) <= 0.10

    def test_noisy_circles_have_their_loop(self):
        found = []
        for s in range(20):
            res = significant_bars(circle(200, noise=0.05, seed=s), alpha=0.05, n_bootstrap=20, seed=s)
            found.append(res.n_significant(1) == 1)
        assert np.mean(found) >= 0.90

    def test_connected_noisy_ring_has_one_component(self):
        one = []
        for s in range(20):
            X = circle(200, noise=0.1, seed=s)
            res = significant_bars(X, alpha=0.05, n_bootstrap=20, seed=s)
            gaps = res.all_diagrams[0][np.isfinite(res.all_diagrams[0][:, 1]), 1]
            # sampling gaps exist and are bounded by 2 d_H(X, circle) (connected support) ...
            assert len(gaps) == 199 and gaps.max() > 0
            assert gaps.max() <= 2 * _hausdorff_to_circle(X) + 1e-9
            one.append(res.n_significant(0) == 1)
            if one[-1]:  # ... and the one significant H0 bar is the infinite one
                assert res.diagrams[0][0, 0] == 0.0 and np.isinf(res.diagrams[0][0, 1])
        assert np.mean(one) >= 0.90


class TestThreshold:
    def test_band_equals_independent_hausdorff_quantile(self):
        X = circle(60, noise=0.05, seed=3)
        res = significant_bars(X, alpha=0.1, n_bootstrap=25, seed=7)
        haus = []
        for ss in np.random.SeedSequence(7).spawn(25):
            keep = np.unique(np.random.default_rng(ss).integers(0, 60, 60))
            haus.append(directed_hausdorff(X, X[keep])[0])
        c = np.quantile(haus, 0.9, method="higher")
        assert res.band == {0: pytest.approx(2 * c, rel=1e-12), 1: pytest.approx(2 * c, rel=1e-12)}
        assert res.landmark_bound == 0.0 and res.n_landmarks is None
        assert res.threshold[1] == pytest.approx(4 * c, rel=1e-12)

    def test_mask_and_diagrams_follow_the_threshold(self):
        res = significant_bars(circle(150, noise=0.05, seed=1), maxdim=2, n_bootstrap=20, seed=0)
        assert res.maxdim == 2 and set(res.mask) == {0, 1, 2}
        for d in range(3):
            expected = res.all_diagrams.lifetimes(d) > res.threshold[d]
            np.testing.assert_array_equal(res.mask[d], expected)
            np.testing.assert_array_equal(res.diagrams[d], res.all_diagrams[d][expected])
            assert res.threshold[d] == 2 * max(res.band[d], res.landmark_bound)
        assert (res.n_significant(0), res.n_significant(1), res.n_significant(2), res.n_significant(5)) == (1, 1, 0, 0)
        assert res.diagrams.meta["significance"] == "bootstrap"

    def test_landmark_bound_swamps_a_dimension(self):
        X = circle(400, noise=0.02, seed=0)
        res = significant_bars(X, n_landmarks=6, n_bootstrap=20, seed=4)
        r = landmarks(X, 6, seed=4).radius
        assert res.landmark_bound == pytest.approx(2 * r, rel=1e-12) and res.n_landmarks == 6
        assert res.all_diagrams[0].shape == (6, 2) and res.n_points == 400
        life = res.all_diagrams.lifetimes(1)
        assert len(life) and life.max() < res.landmark_bound  # 2r exceeds every H1 bar
        assert res.n_significant(1) == 0
        assert res.threshold[1] >= 2 * res.landmark_bound
        assert res.all_diagrams.meta["bottleneck_bound"] == res.landmark_bound
        # with all the points the loop is there
        assert significant_bars(X, n_bootstrap=20, seed=4).n_significant(1) == 1

    def test_subsampling_is_more_conservative(self):
        X = circle(200, noise=0.05, seed=2)
        boot = significant_bars(X, n_bootstrap=20, seed=0)
        sub = significant_bars(X, method="subsample", n_bootstrap=20, seed=0)
        assert sub.method == "subsample" and sub.band[1] > boot.band[1]


class TestReproducibility:
    def test_seeded_and_independent_of_n_jobs(self):
        X = np.random.default_rng(0).normal(size=(300, 5))
        a = significant_bars(X, n_bootstrap=30, n_landmarks=120, seed=11)
        b = significant_bars(X, n_bootstrap=30, n_landmarks=120, seed=11, n_jobs=2)
        np.testing.assert_array_equal(a.replicates, b.replicates)
        assert a.all_diagrams == b.all_diagrams and a.threshold == b.threshold
        assert not np.array_equal(a.replicates, significant_bars(X, n_bootstrap=30, n_landmarks=120,
                                                                 seed=12).replicates)

    def test_precomputed_matches_points(self):
        X = circle(120, noise=0.05, seed=5)
        a = significant_bars(X, n_bootstrap=20, seed=1)
        b = significant_bars(cdist(X, X), metric="precomputed", n_bootstrap=20, seed=1)
        assert b.threshold[1] == pytest.approx(a.threshold[1], rel=1e-9)
        assert (b.n_significant(0), b.n_significant(1)) == (a.n_significant(0), a.n_significant(1)) == (1, 1)


class TestResult:
    def test_repr_and_to_dict(self):
        res = significant_bars(circle(100, noise=0.05, seed=0), n_bootstrap=20, seed=0)
        assert isinstance(res, SignificantBars)
        assert repr(res).startswith("SignificantBars(H0=1, H1=1; lifetime H0>")
        d = res.to_dict()
        assert d["n_significant"] == {"0": 1, "1": 1} and d["alpha"] == 0.05 and d["n_bootstrap"] == 20
        with pytest.raises(ValueError):
            res.mask[1][0] = False  # read-only


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
                              ({"method": "bootstrapp"}, "Did you mean 'bootstrap'"),
                              ({"metric": "manhattan"}, "metric must be one of"),
                              ({"n_landmarks": 2}, "n_landmarks must be >= 3")]:
            with pytest.raises(ValueError, match=match):
                significant_bars(X, **kwargs)
        with pytest.raises(TypeError, match="n_bootstrap must be an integer"):
            significant_bars(X, n_bootstrap=2.5)
        with pytest.raises(ValueError, match="not symmetric"):
            significant_bars(np.arange(9.0).reshape(3, 3), metric="precomputed")

"""significant_clusters: the runt-ratio test of H0 (calibration on unimodal clouds, power on blobs, members)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import pdist

from tda_nn.datasets import circle
from tda_nn.diagnostics.clusters import (
    MIN_SCALE,
    _gumbel_sf,
    _merges,
    _mle_dimension,
    default_min_size,
    significant_clusters,
)


def _blobs(seed: int, sizes=(100, 100, 100, 100), dim: int = 16, sep: float = 8.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    C = np.zeros((len(sizes), dim))
    C[np.arange(len(sizes)), np.arange(len(sizes))] = sep
    return np.concatenate([rng.normal(size=(k, dim)) + c for k, c in zip(sizes, C)])


class TestStatistic:
    def test_merges_by_hand(self):
        # two tight groups of 3 on a line, far apart, and one outlier
        X = np.array([[0.0], [0.1], [0.3], [10.0], [10.2], [10.5], [30.0]])
        Z = linkage(pdist(X), method="single")
        h, b, young = _merges(Z, len(X), 3)
        # groups reach 3 points at heights 0.2 and 0.3; they merge at 9.7; the outlier never is a cluster
        assert h.tolist() == pytest.approx([9.7]) and b.tolist() == pytest.approx([0.3])
        res = significant_clusters(X, min_size=3)
        assert res.ratios.tolist() == pytest.approx([9.7 / 0.3])

    def test_gumbel_tail_and_floor(self):
        sample = np.array([0.1, 0.2, 0.15, 0.12, 0.3])
        beta = max(np.std(sample, ddof=1) * np.sqrt(6) / np.pi, MIN_SCALE)
        mu = sample.mean() - np.euler_gamma * beta
        x = 0.5
        assert _gumbel_sf(np.array([x]), sample, MIN_SCALE)[0] == pytest.approx(1 - np.exp(-np.exp(-(x - mu) / beta)))
        # a null without spread uses the floor: a 1% ratio is not significant
        assert _gumbel_sf(np.array([np.log(1.01)]), np.zeros(20), MIN_SCALE)[0] > 0.05

    def test_mle_dimension_of_uniform_cubes(self):
        from scipy.spatial.distance import squareform

        for d in (2, 5):
            D = squareform(pdist(np.random.default_rng(d).uniform(size=(800, d))))
            assert _mle_dimension(D, 10) == pytest.approx(d, rel=0.2)


class TestCalibration:
    def test_unimodal_clouds_have_one_component(self):
        many = []
        for s in range(6):
            rng = np.random.default_rng(50 + s)
            for X in (rng.normal(size=(400, 2)), rng.normal(size=(400, 16)), rng.uniform(size=(400, 8)),
                      rng.standard_t(3, size=(400, 8)), rng.standard_t(1, size=(300, 4)),
                      circle(300, noise=0.05, seed=s)):
                many.append(significant_clusters(X).n_significant > 1)
        assert np.mean(many) <= 0.05

    def test_outliers_are_not_clusters(self):
        rng = np.random.default_rng(0)
        X = np.concatenate([rng.normal(size=(300, 8)), rng.normal(size=(5, 8)) + 50.0])  # 5 far points
        res = significant_clusters(X)
        assert res.n_significant == 1 and res.min_size == default_min_size(305) == 10


class TestPower:
    def test_four_blobs_exactly_four_with_members_and_labels(self):
        lab = np.repeat(np.array(["a", "b", "c", "d"]), 100)
        exact = []
        for s in range(10):
            X = _blobs(s)
            res = significant_clusters(X, labels=lab, seed=0)
            exact.append(res.n_significant == 4)
            if exact[-1]:
                # members partition the cloud, each cluster one blob, and agree with single linkage cut in 4
                got = res.labels(len(X))
                ref = fcluster(linkage(pdist(X), method="single"), 4, criterion="maxclust")
                assert len({(a, b) for a, b in zip(got, ref)}) == 4
                assert sorted(c.size for c in res.clusters) == [100] * 4
                assert all(len(c.label_counts) == 1 for c in res.clusters)
                root = res.clusters[0]
                assert np.isinf(root.death) and root.pvalue == 0.0
                assert all(c.pvalue <= 0.05 and c.death > c.birth > 0 for c in res.clusters[1:])
        assert np.mean(exact) >= 0.85

    def test_unequal_blobs(self):
        counts = [significant_clusters(_blobs(s, sizes=(200, 80, 30), dim=8)).n_significant for s in range(8)]
        assert np.mean(np.array(counts) == 3) >= 0.85


class TestBadInput:
    def test_refusals_name_the_argument(self):
        X = np.random.default_rng(0).normal(size=(50, 3))
        for kw, match in [({"alpha": 1.5}, "alpha must be in"), ({"min_size": 1}, "min_size must be >= 2"),
                          ({"n_null": 5}, "n_null must be >= 10"), ({"n_null": 10**6}, "n_null must be <= 1000"),
                          ({"labels": np.zeros(3)}, "labels must have shape"), ({"metric": "l7"}, "metric must be")]:
            with pytest.raises(ValueError, match=match):
                significant_clusters(X, **kw)
        with pytest.raises(ValueError, match="X must"):
            significant_clusters(np.zeros((2, 3)))

"""significant_clusters: the runt-ratio test of H0 (calibration on unimodal clouds, power on blobs, members)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import pdist

from tda_nn.datasets import circle
from tda_nn.diagnostics.clusters import (
    MIN_SCALE,
    _duplicate_groups,
    _gumbel_sf,
    _merge_dimensions,
    _merges,
    _mle_dimension,
    _window_dimensions,
    _windows,
    default_min_size,
    significant_clusters,
)


def _blobs(seed: int, sizes=(100, 100, 100, 100), dim: int = 16, sep: float = 8.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    C = np.zeros((len(sizes), dim))
    C[np.arange(len(sizes)), np.arange(len(sizes))] = sep
    return np.concatenate([rng.normal(size=(k, dim)) + c for k, c in zip(sizes, C)])


def _templated(seed: int, n_topics: int = 4, per: int = 50, slots=(4, 4, 3, 3), scales=(1.0, 0.6, 0.3, 0.1),
               dim: int = 384, sep: float = 3.0, noise: float = 0.01) -> tuple[np.ndarray, np.ndarray]:
    """Templated topics: per topic a sample of a product grid of slot choices (+ tiny noise), far-apart centres.

    Like sentence embeddings of a template (subject x verb x place x time): the slots
    of decreasing weight make the local dimension about 1.5 at 10 neighbours.
    """
    rng = np.random.default_rng(seed)
    X, y = [], []
    for t in range(n_topics):
        c = rng.normal(size=dim)
        c *= sep / np.linalg.norm(c)
        V = [rng.normal(size=(k, dim)) * sc / np.sqrt(dim) for k, sc in zip(slots, scales)]
        grid = np.stack(np.meshgrid(*[np.arange(k) for k in slots], indexing="ij"), -1).reshape(-1, len(slots))
        pick = grid[rng.choice(len(grid), per, replace=len(grid) < per)]
        X.append(c + sum(V[j][pick[:, j]] for j in range(len(slots))) + rng.normal(size=(per, dim)) * noise / np.sqrt(dim))
        y += [t] * per
    return np.concatenate(X), np.asarray(y)


class TestStatistic:
    def test_merges_by_hand(self):
        # two tight groups of 3 on a line, far apart, and one outlier
        X = np.array([[0.0], [0.1], [0.3], [10.0], [10.2], [10.5], [30.0]])
        Z = linkage(pdist(X), method="single")
        h, b, young, size = _merges(Z, len(X), 3)
        # groups reach 3 points at heights 0.2 and 0.3; they merge at 9.7; the outlier never is a cluster
        assert h.tolist() == pytest.approx([9.7]) and b.tolist() == pytest.approx([0.3]) and size.tolist() == [3]
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


    def test_window_dimension_of_uniform_cubes(self):
        from scipy.spatial.distance import squareform

        for d in (2, 5):
            D = squareform(pdist(np.random.default_rng(d).uniform(size=(1000, d))))
            w = _window_dimensions(D, [20, 40], inner=10, q=0.5)  # the median point
            assert w == pytest.approx([d, d], rel=0.2)

    def test_windows_and_merge_dimensions_by_size(self):
        assert _windows(400, 10) == [20, 40, 80] and _windows(200, 10) == [20, 40] and _windows(60, 10) == [20]
        # two far groups: a 2-D square of 150 points and a 5-D cube of 150 points, far apart
        rng = np.random.default_rng(1)
        X = np.concatenate([np.c_[rng.uniform(size=(150, 2)), np.zeros((150, 3))], rng.uniform(size=(150, 5)) + 10])
        from scipy.spatial.distance import squareform

        D = squareform(pdist(X))
        w = _window_dimensions(D, _windows(300, 10), inner=10)
        dims = _merge_dimensions(D, 10, np.array([10, 25, 45, 70, 1000]))
        # sizes below 40 see every window, 40-79 the windows from 40 up, 70: idem, 1000: the last
        assert dims.tolist() == pytest.approx([w.min(), w.min(), w[1:].min(), w[1:].min(), w[-1]])


class TestDuplicates:
    def test_groups_by_hand(self):
        from scipy.spatial.distance import squareform

        # 30 sites on a line 1 apart, sites 0 and 7 doubled at 1e-4, site 3 tripled: m = 5
        x = np.r_[np.arange(30.0), [1e-4, 7.0001, 3.0001, 3.0002]][:, None]
        D = squareform(pdist(x))
        Z = linkage(pdist(x), method="single")
        assert _duplicate_groups(Z, D, len(x), 5) == (3, 2, 2) + (1,) * 27
        assert _duplicate_groups(linkage(pdist(np.arange(30.0)[:, None]), "single"),
                                 squareform(pdist(np.arange(30.0)[:, None])), 30, 5) is None

    def test_near_duplicate_triples_are_one_cluster(self):
        # a uniform 8-D cloud of 100 sites, each thrice with noise 1e-3: the reference repeats its sites alike
        many = []
        for s in range(12):
            X = np.repeat(np.random.default_rng(s).uniform(size=(100, 8)), 3, axis=0)
            X += np.random.default_rng(s + 7).normal(scale=1e-3, size=X.shape)
            many.append(significant_clusters(X).n_significant > 1)
        assert not any(many)


class TestTemplated:
    """Sentence-like templated clouds: low dimension at the scale of template variants."""

    def test_four_templated_topics_are_four_clusters(self):
        for seed in range(4):
            X, y = _templated(seed)
            res = significant_clusters(X, labels=y)
            assert res.n_significant == 4
            assert sorted(c.size for c in res.clusters) == [50] * 4
            assert all(len(c.label_counts) == 1 for c in res.clusters)  # each cluster one topic
            assert max(c.pvalue for c in res.clusters) < 1e-3  # far from alpha
            assert res.null_dimension == 1 and res.null_dimensions.max() >= 2  # the topic merges see >= 2-D
            # the old rule (one dimension for the cloud, the 10-neighbour scale) misses them: the diagnosed failure
            old = significant_clusters(X, labels=y, dimension_rule="cloud")
            assert old.n_significant == 1 and old.min_pvalue > 0.2 and old.null_dimension == 1
            assert old.dimension < 2.0

    def test_one_templated_topic_is_one_cluster(self):
        for seed in range(6):
            X, _ = _templated(seed, n_topics=1, per=200, slots=(4, 4, 4, 4), scales=(1.0, 1.0, 1.0, 1.0))
            res = significant_clusters(X)
            assert res.n_significant == 1 and res.min_pvalue > 0.2


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
                          ({"labels": np.zeros(3)}, "labels must have shape"), ({"metric": "l7"}, "metric must be"),
                          ({"dimension_rule": "point"}, "dimension_rule must be")]:
            with pytest.raises(ValueError, match=match):
                significant_clusters(X, **kw)
        with pytest.raises(ValueError, match="X must"):
            significant_clusters(np.zeros((2, 3)))

"""Mapper: covers with kepler-mapper's conventions, lenses, the default clusterer, known graph shapes."""

from __future__ import annotations

import numpy as np
import pytest

import tda_nn
from tda_nn.mapper import Cover, MapperGraph
from tda_nn.mapper import lenses as L
from tda_nn.mapper.clustering import SingleLinkageGap, emst


def noisy_circle(n=400, noise=0.05, seed=0):
    rng = np.random.default_rng(seed)
    t = rng.uniform(0, 2 * np.pi, n)
    return np.c_[np.cos(t), np.sin(t)] + rng.normal(scale=noise, size=(n, 2))


def figure_eight(n=600, noise=0.03, seed=0):
    rng = np.random.default_rng(seed)
    t = rng.uniform(0, 2 * np.pi, n)
    X = np.c_[np.cos(t), np.sin(t)]
    X[: n // 2, 0] += 2.0
    return X + rng.normal(scale=noise, size=(n, 2))


class TestCover:
    def test_kepler_mapper_interval_arithmetic(self):
        # range 10, 4 intervals, overlap 0.25: centres 1.25 + 2.5 k, half-width 10 / (2 * 4 * 0.75)
        (lo, hi), = Cover(4, 0.25).intervals(np.array([0.0, 1, 2, 3, 10]))
        r = 10 / 6
        np.testing.assert_allclose(lo, np.array([1.25, 3.75, 6.25, 8.75]) - r)
        np.testing.assert_allclose(hi, np.array([1.25, 3.75, 6.25, 8.75]) + r)

    def test_preimages_are_closed_and_products(self):
        Z = np.array([[0.0, 0.0], [1.0, 1.0], [0.5, 0.0], [1.0, 0.0]])
        pre = dict((k, m.tolist()) for k, m in Cover(2, 0.5).preimages(Z))
        # one dimension: intervals [-0.25, 0.75] and [0.25, 1.25]
        assert pre[(0, 0)] == [0, 2]
        assert pre[(1, 0)] == [2, 3]
        assert pre[(1, 1)] == [1]
        assert (0, 1) not in pre

    def test_balanced_cover_equal_counts(self):
        z = np.random.default_rng(0).exponential(size=1000)
        counts = [m.size for _, m in Cover(5, 0.0, "balanced").preimages(z)]
        assert counts == [200] * 5
        uniform = [m.size for _, m in Cover(5, 0.0).preimages(z)]
        assert max(uniform) > 600

    def test_tuple_and_per_dimension(self):
        g1 = tda_nn.mapper(noisy_circle(), lens=np.c_[noisy_circle()[:, ::-1]], cover=((4, 6), (0.2, 0.3)))
        assert {len(c) for c in g1.cubes} == {2}
        assert max(c[1] for c in g1.cubes) == 5 and max(c[0] for c in g1.cubes) == 3

    @pytest.mark.parametrize("bad", [(0, 0.3), (5, 1.0), (5, -0.1), (2.5, 0.3), (5, 0.3, "wide")])
    def test_bad_cover(self, bad):
        with pytest.raises(ValueError, match="n_intervals|overlap|kind"):
            Cover(*bad)

    def test_bad_cover_type(self):
        with pytest.raises(TypeError, match="cover"):
            tda_nn.mapper(noisy_circle(), cover=[5, 0.3])


class TestLenses:
    def test_pca_is_the_principal_axis(self):
        rng = np.random.default_rng(1)
        X = rng.normal(size=(300, 3)) * [5.0, 1.0, 0.1]
        z = L.pca(X, 1).ravel()
        np.testing.assert_allclose(np.abs(np.corrcoef(z, X[:, 0])[0, 1]), 1.0, atol=0.01)

    def test_dtm_larger_at_outlier(self):
        X = np.r_[np.random.default_rng(2).normal(size=(100, 2)), [[20.0, 20.0]]]
        d = L.dtm(X, 5).ravel()
        assert d.argmax() == 100

    def test_eccentricity_exact_and_subset(self):
        X = np.array([[0.0], [1.0], [3.0]])
        np.testing.assert_allclose(L.eccentricity(X).ravel(), [4 / 3, 1.0, 5 / 3])
        Y = np.random.default_rng(3).normal(size=(3000, 4))
        full = L.eccentricity(Y).ravel()
        sub = L.eccentricity(Y, max_reference=1000).ravel()
        assert np.corrcoef(full, sub)[0, 1] > 0.99

    def test_probability_lenses(self):
        P = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]])
        assert L.predicted_label(P).ravel().tolist() == [0.0, 2.0]
        assert L.confidence(P).ravel().tolist() == [0.7, 0.8]
        assert L.probability(P, 1).ravel().tolist() == [0.2, 0.1]

    def test_lens_by_name_index_array_callable(self):
        X = noisy_circle()
        for lens in ("pca", "pca1", "dtm", "eccentricity", 0, X[:, 1], lambda A: A[:, 0] ** 2):
            g = tda_nn.mapper(X, lens=lens, cover=(5, 0.3))
            assert g.n_nodes > 0

    def test_bad_lens(self):
        X = noisy_circle()
        with pytest.raises(ValueError, match="lens must be one of .*Did you mean 'pca'"):
            tda_nn.mapper(X, lens="pcaa")
        with pytest.raises(ValueError, match="lens must have one row per sample"):
            tda_nn.mapper(X, lens=np.zeros(3))
        with pytest.raises(ValueError, match="lens must be finite"):
            tda_nn.mapper(X, lens=np.full(len(X), np.nan))


class TestClustering:
    def test_emst_matches_scipy_total_length(self):
        from scipy.sparse.csgraph import minimum_spanning_tree
        from scipy.spatial.distance import cdist

        X = np.random.default_rng(4).normal(size=(400, 6))
        ref = minimum_spanning_tree(cdist(X, X)).sum()
        assert emst(X)[2].sum() == pytest.approx(ref)
        # the k-nearest-neighbour Boruvka path (no distance matrix) finds the same tree weight
        assert emst(X, dense_max=50)[2].sum() == pytest.approx(ref)
        blobs = np.r_[X, X + 50.0]
        w = emst(blobs, dense_max=50)[2]
        assert w.size == 799 and w.max() == pytest.approx(np.sqrt(6 * 50.0**2), rel=0.2)

    def test_gap_rule_splits_at_gap_only(self):
        X = np.r_[np.linspace(0, 1, 30), np.linspace(5, 6, 30)][:, None]
        lab = SingleLinkageGap().fit_predict(X)
        assert lab[:30].tolist() == [0] * 30 and lab[30:].tolist() == [1] * 30
        assert SingleLinkageGap().fit_predict(np.linspace(0, 1, 50)[:, None]).tolist() == [0] * 50

    def test_small_fragments_are_noise(self):
        X = np.r_[np.linspace(0, 1, 30), [9.0]][:, None]
        lab = SingleLinkageGap().fit_predict(X)
        assert lab[-1] == -1 and set(lab[:-1]) == {0}


class TestShapes:
    @pytest.mark.parametrize("seed", [0, 1, 2])
    def test_noisy_circle_one_loop_one_component(self, seed):
        g = tda_nn.mapper(noisy_circle(seed=seed), lens=1, cover=(8, 0.3))
        assert (g.n_components, g.n_loops) == (1, 1)

    @pytest.mark.parametrize("seed", [0, 1, 2])
    def test_figure_eight_two_loops(self, seed):
        g = tda_nn.mapper(figure_eight(seed=seed), lens=0, cover=(10, 0.3))
        assert (g.n_components, g.n_loops) == (1, 2)

    @pytest.mark.parametrize("seed", [0, 1, 2])
    def test_two_blobs_two_components(self, seed):
        rng = np.random.default_rng(seed)
        X = np.r_[rng.normal(size=(200, 5)), rng.normal(size=(200, 5)) + 8.0]
        g = tda_nn.mapper(X, lens="pca1", cover=(6, 0.3))
        assert g.n_components == 2
        comp = g.sample_components()
        assert len(set(comp[:200]) - {-1}) == 1 and len(set(comp[200:]) - {-1}) == 1

    def test_resolution_rule_when_no_cover(self):
        g = tda_nn.mapper(noisy_circle(n=600), lens=1)
        assert (g.n_components, g.n_loops) == (1, 1)
        assert 0.33 < g.params["cover"]["overlap"] < 0.5


class TestGraph:
    def test_edges_and_shared_counts(self):
        g = MapperGraph.from_members([[0, 1, 2], [2, 3], [3, 4, 0], [7]], 8)
        assert g.edges.tolist() == [[0, 1], [0, 2], [1, 2]]
        assert g.shared.tolist() == [1, 1, 1]
        assert (g.n_nodes, g.n_edges, g.n_components, g.n_loops) == (4, 3, 2, 1)
        assert g.sample_components().tolist() == [0, 0, 0, 0, 0, -1, -1, 1]

    def test_to_networkx(self):
        nx = pytest.importorskip("networkx")
        g = tda_nn.mapper(noisy_circle(), lens=1, cover=(8, 0.3))
        G = g.to_networkx()
        assert G.number_of_nodes() == g.n_nodes and G.number_of_edges() == g.n_edges
        assert G.nodes[0]["members"] == g.members[0].tolist()
        assert nx.number_connected_components(G) == g.n_components
        i, j = g.edges[0]
        assert G.edges[int(i), int(j)]["shared"] == g.shared[0]

    def test_dict_round_trip(self):
        g = tda_nn.mapper(noisy_circle(), lens=1, cover=(8, 0.3))
        h = MapperGraph.from_dict(g.to_dict())
        assert h.same_as(g) and h.cubes == g.cubes

    def test_bad_inputs(self):
        with pytest.raises(ValueError, match="X must be a 2-D"):
            tda_nn.mapper(np.zeros(5))
        with pytest.raises(ValueError, match="X contains 1 NaN"):
            tda_nn.mapper(np.array([[0.0, 1.0], [np.nan, 1.0]]))
        with pytest.raises(TypeError, match="clusterer must be a scikit-learn clusterer"):
            tda_nn.mapper(noisy_circle(), clusterer=object())
        with pytest.raises(ValueError, match="members\\[0\\]"):
            MapperGraph.from_members([[0, 9]], 5)

    def test_callable_package_and_exports(self):
        import inspect

        import tda_nn.mapper.cover  # noqa: F401  (a submodule import must not hide the function)

        assert callable(tda_nn.mapper)
        assert "cover" in inspect.signature(tda_nn.mapper).parameters
        assert tda_nn.Cover is Cover and tda_nn.MapperGraph is MapperGraph


class TestNerveLoops:
    def test_disc_with_2d_lens_has_graph_loops_but_no_nerve_loop(self):
        X = np.random.default_rng(0).uniform(-1, 1, size=(600, 2))
        g = tda_nn.mapper(X, lens="pca", cover=(5, 0.3))
        assert g.n_loops > 10 and g.nerve_loops == 0 and len(g.triangles()) > 0

    def test_annulus_with_2d_lens_has_one_nerve_loop(self):
        rng = np.random.default_rng(0)
        t = rng.uniform(0, 2 * np.pi, 1500)
        A = np.c_[np.cos(t), np.sin(t)] * (1 + 0.2 * rng.uniform(size=(1500, 1)))
        g = tda_nn.mapper(A, lens=A, cover=(6, 0.3))
        assert (g.n_components, g.nerve_loops) == (1, 1)

    def test_triangles_of_a_known_nerve(self):
        g = MapperGraph.from_members([[0, 1], [1, 2], [1, 3], [3, 4], [4, 0]], 5)
        # nodes 0, 1, 2 share sample 1: one filled triangle; the 0-2-3-4 square... stays a loop
        assert g.triangles().tolist() == [[0, 1, 2]]
        assert g.n_loops - g.nerve_loops == 1

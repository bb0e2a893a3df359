"""Exact H0 from the minimum spanning tree (tda_nn/homology/_mst.py)."""

import numpy as np
import pytest
from scipy.cluster.hierarchy import linkage

import tda_nn
from tda_nn.homology._mst import h0_diagram, mst_edges


def _clouds():
    rng = np.random.default_rng(0)
    yield "gaussian 5-D", rng.normal(size=(400, 5))
    yield "integer grid (ties everywhere)", rng.integers(0, 3, size=(300, 3)).astype(float)
    yield "every point three times", np.repeat(rng.normal(size=(60, 4)), 3, axis=0)
    yield "gaussian 64-D", rng.normal(size=(1500, 64))
    yield "two far clusters", np.r_[rng.normal(size=(100, 3)), rng.normal(size=(100, 3)) + 50.0]
    # larger than the k-d tree search's widest query (512): settled by a tree of the points outside
    yield "two far clusters of 700", np.r_[rng.normal(size=(700, 2)), rng.normal(size=(700, 2)) + 40.0]
    yield "three points", rng.normal(size=(3, 2))


@pytest.mark.parametrize("metric,method", [("euclidean", "tiles"), ("euclidean", "kd-tree"), ("cityblock", "tiles"),
                                           ("chebyshev", "tiles"), ("cosine", "tiles"), ("cosine", "kd-tree")])
def test_deaths_equal_single_linkage(metric, method):
    # scipy's single linkage (its own MST on the condensed matrix) is the independent reference
    for what, X in _clouds():
        if metric == "cosine":
            X = X + 1.0  # no zero rows
        stats: dict = {}
        i, j, w = mst_edges(X, metric=metric, method=method, stats=stats)
        assert stats.get("search", method) == method, what
        ref = np.sort(linkage(X, "single", metric=metric)[:, 2])
        assert len(w) == len(X) - 1
        np.testing.assert_allclose(w, ref, rtol=1e-12, atol=1e-13, err_msg=what)
        # the edges form a tree: n - 1 edges joining everything
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import connected_components

        G = coo_matrix((np.ones(len(i)), (i, j)), shape=(len(X), len(X)))
        assert connected_components(G, directed=False)[0] == 1, what


def test_deaths_equal_scikit_learn_and_ripser():
    from ripser import ripser
    from sklearn.cluster._hierarchical_fast import mst_linkage_core
    from sklearn.metrics import DistanceMetric

    X = np.random.default_rng(1).normal(size=(800, 16))
    _, _, w = mst_edges(X)
    sk = np.sort(mst_linkage_core(X, DistanceMetric.get_metric("euclidean"))[:, 2])
    np.testing.assert_allclose(w, sk, rtol=1e-12)
    rip = np.sort(ripser(X, maxdim=0)["dgms"][0][:-1, 1])
    np.testing.assert_allclose(w, rip, rtol=1e-6)  # ripser works in float32


def test_persistence_maxdim0_uses_the_tree_without_a_matrix():
    from sklearn.cluster._hierarchical_fast import mst_linkage_core
    from sklearn.metrics import DistanceMetric

    X = np.random.default_rng(2).normal(size=(10000, 8))
    # giotto-ph would need about 4.6 GB at maxdim 1; the tree fits in 100 MB
    dgm = tda_nn.persistence(X, maxdim=0, max_memory="100MB")
    assert dgm.meta["backend"] == "minimum spanning tree"
    assert dgm.meta["h0"].startswith("exact")
    ref = np.sort(mst_linkage_core(X - X.mean(0), DistanceMetric.get_metric("euclidean"))[:, 2])
    np.testing.assert_allclose(dgm[0][:-1, 1], ref, rtol=1e-12)
    assert dgm[0][-1, 1] == np.inf and len(dgm[0]) == 10000
    # at maxdim 1 the guard refuses, and names the exact route for H0
    with pytest.raises(tda_nn.MemoryBudgetError, match="maxdim=0"):
        tda_nn.persistence(X, maxdim=1, max_memory="100MB")


def test_threshold_and_landmarks():
    X = np.r_[np.zeros((5, 2)), np.ones((5, 2)) * 10.0] + np.random.default_rng(3).normal(scale=0.1, size=(10, 2))
    dgm = tda_nn.persistence(X, maxdim=0, threshold=5.0)
    assert np.isinf(dgm[0][:, 1]).sum() == 2  # two clusters alive at the threshold
    full = tda_nn.persistence(X, maxdim=0)
    assert np.isinf(full[0][:, 1]).sum() == 1
    lm = tda_nn.persistence(np.random.default_rng(4).normal(size=(500, 3)), maxdim=0, n_landmarks=50)
    assert len(lm[0]) == 50 and lm.meta["n_landmarks"] == 50


def test_agrees_with_the_engines_to_float32():
    X = np.random.default_rng(5).normal(size=(300, 10))
    tree = tda_nn.persistence(X, maxdim=0)
    for backend in ("ripser", "giotto-ph"):
        eng = tda_nn.persistence(X, maxdim=0, backend=backend)
        np.testing.assert_allclose(tree[0], eng[0], rtol=1e-6)


def test_h0_diagram():
    d = h0_diagram(np.array([0.5, 1.0, 2.0]), threshold=1.5)
    np.testing.assert_array_equal(d, [[0, 0.5], [0, 1.0], [0, np.inf], [0, np.inf]])


def test_zero_rows_refused_for_cosine():
    X = np.random.default_rng(6).normal(size=(20, 3))
    X[4] = 0.0
    with pytest.raises(ValueError, match="all-zero"):
        mst_edges(X, metric="cosine")


def test_one_clouds_tree_on_a_dask_cluster():
    distributed = pytest.importorskip("distributed")
    import joblib

    from tda_nn.homology import spanning_tree

    X = np.random.default_rng(7).normal(size=(2500, 6))
    _, _, serial = spanning_tree(X)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        with distributed.Client(cluster) as client, joblib.parallel_config(backend="dask"):
            with distributed.get_task_stream(client) as tasks:
                _, _, on_dask = spanning_tree(X, n_jobs=None)  # row blocks through tda_nn.parallel.pmap
    np.testing.assert_array_equal(on_dask, serial)
    assert len({t["worker"] for t in tasks.data}) == 2  # the tiles of one cloud ran on both workers


def test_repeated_points_join_at_zero_and_do_not_slow_the_search():
    """Copies of a row join its first occurrence at length 0; the search runs on the distinct rows."""
    import time

    rng = np.random.default_rng(4)
    X = np.repeat(rng.normal(size=(150, 4)), 3, axis=0)[rng.permutation(450)]
    i, j, w = tda_nn.homology.spanning_tree(X)
    assert len(w) == 449 and (np.diff(w) >= 0).all() and (w == 0).sum() == 300
    np.testing.assert_allclose(w, np.sort(linkage(X, "single")[:, 2]), rtol=0, atol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(X[i] - X[j], axis=1), w, rtol=1e-12, atol=0)  # the edges named
    t0 = time.perf_counter()
    d = tda_nn.persistence(np.zeros((200_000, 3)), maxdim=0)  # one point, 200,000 times: one essential bar
    assert time.perf_counter() - t0 < 30 and len(d[0]) == 1 and np.isinf(d[0][0, 1])


def test_kd_tree_search_settles_rows_its_cache_cannot_answer():
    """Components farther apart than any point's cached neighbours are joined exactly."""
    rng = np.random.default_rng(8)
    # 40 tight clumps of 60 points on a line: every clump is a component whose cached neighbours all lie inside
    X = np.concatenate([rng.normal(scale=0.01, size=(60, 3)) + [3.0 * c, 0.0, 0.0] for c in range(40)])
    stats: dict = {}
    _, _, w = mst_edges(X, method="kd-tree", stats=stats)
    np.testing.assert_allclose(w, np.sort(linkage(X, "single")[:, 2]), rtol=1e-12, atol=1e-14)
    assert stats["rows_resolved"] > 0
    assert np.sum(w > 1.0) == 39  # the 39 gaps between clumps


def test_auto_search_takes_the_tree_only_where_it_pays():
    from tda_nn.homology._mst import use_tree

    rng = np.random.default_rng(9)
    # low ambient and intrinsic dimension: the tree's query time hardly grows with n; the tiles' grows like n
    assert use_tree(rng.random((30_000, 3)))
    # a Gaussian cloud in 64-D: a k-d tree visits nearly every leaf, the tiles run at BLAS speed
    assert not use_tree(rng.normal(size=(30_000, 64)))
    assert not use_tree(rng.random((5_000, 3)))  # below 20,000 points the tiles take well under a second
    X = rng.random((30_000, 3))
    stats: dict = {}
    _, _, w = mst_edges(X, stats=stats)
    assert stats["search"] == "kd-tree"
    _, _, w_tiles = mst_edges(X, method="tiles")
    np.testing.assert_allclose(w, w_tiles, rtol=1e-13, atol=0)
    assert tda_nn.persistence(X, maxdim=0).meta["h0"].startswith("exact: minimum spanning tree (Boruvka over kd-tree")


def test_search_method_is_checked_by_name():
    from tda_nn.homology import spanning_tree

    X = np.random.default_rng(10).normal(size=(30, 3))
    with pytest.raises(ValueError, match="method"):
        spanning_tree(X, method="balltree")
    with pytest.raises(ValueError, match="kd-tree.*cityblock"):
        spanning_tree(X, metric="cityblock", method="kd-tree")
    i, j, w = spanning_tree(X, method="kd-tree")
    np.testing.assert_allclose(w, np.sort(linkage(X, "single")[:, 2]), rtol=1e-12)


@pytest.mark.parametrize("scale", [1e30, 1e-25])
def test_clouds_far_from_one_neither_overflow_the_float32_tiles_nor_hang(scale):
    """The tiles compare float32 squares: the cloud is scaled by a power of two first (1e30 used to hang)."""
    import warnings

    from tda_nn.homology import spanning_tree

    X = np.random.default_rng(13).normal(size=(200, 5)) * scale
    ref = np.sort(linkage(X, "single")[:, 2])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow in a cast or a product
        # torch is a dependency of the package: the device tiles run on CPU torch here
        runs = {"tiles": spanning_tree(X, method="tiles"), "kd-tree": spanning_tree(X, method="kd-tree"),
                "device float32": spanning_tree(X, device="cpu", dtype=np.float32)}
    for what, (_, _, w) in runs.items():
        np.testing.assert_allclose(w, ref, rtol=1e-13, err_msg=what)

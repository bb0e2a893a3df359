"""Nearest neighbours, kNN geodesics and DTM weights on a torch device (CPU torch): the numpy path's answers."""

import subprocess
import sys
import warnings

import numpy as np
import pytest
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import shortest_path
from scipy.spatial.distance import cdist

from tda_nn.clouds import dtm_weights, knn_geodesic, nearest_neighbors

torch = pytest.importorskip("torch")
kernels = pytest.importorskip("tda_nn.nn.kernels")

DTYPES = [np.float64, np.float32]


def _circle(n=300, seed=0):
    rng = np.random.default_rng(seed)
    t = np.linspace(0, 2 * np.pi, n, endpoint=False) + rng.normal(scale=0.003, size=n)
    return np.c_[np.cos(t), np.sin(t)] * (1 + rng.normal(scale=0.01, size=(n, 1)))


def _grid(side=12, dim=2):
    """Integer grid: every distance is exact and most are tied (4 at 1, 4 at sqrt 2 in 2-D)."""
    axes = np.meshgrid(*[np.arange(side, dtype=float)] * dim, indexing="ij")
    return np.stack([a.ravel() for a in axes], axis=1)


CLOUDS = {
    "circle": _circle(),
    "gaussian": np.random.default_rng(1).normal(size=(400, 12)),
    "grid": _grid(),
    "grid3": _grid(6, 3),
    "duplicates": np.repeat(np.random.default_rng(2).integers(0, 4, size=(30, 3)).astype(float), 7, axis=0),
}


def _reference(X, k):
    """Brute force: every distance by direct differences, the k nearest by (distance, index)."""
    D = cdist(X, X)
    np.fill_diagonal(D, np.inf)
    order = np.lexsort((np.broadcast_to(np.arange(len(X)), D.shape), D), axis=1)[:, :k]
    return order, np.take_along_axis(D, order, 1)


@pytest.mark.parametrize("name", list(CLOUDS))
@pytest.mark.parametrize("k", [1, 3, 6])
def test_nearest_neighbors_are_brute_force_with_ties_by_index(name, k):
    X = CLOUDS[name]
    ref_i, ref_d = _reference(X, k)
    ind, dist = nearest_neighbors(X, k)
    if name in ("grid", "grid3", "duplicates"):  # integer coordinates: every distance exact, ties by index
        np.testing.assert_array_equal(ind, ref_i)
        np.testing.assert_array_equal(dist, ref_d)
    else:
        np.testing.assert_array_equal(ind, ref_i)
        np.testing.assert_allclose(dist, ref_d, rtol=1e-13)
    for dtype in DTYPES:
        di, dd = nearest_neighbors(X, k, device="cpu", dtype=dtype)
        np.testing.assert_array_equal(di, ind)
        np.testing.assert_array_equal(dd, dist)  # bit for bit: both re-measured the same way


@pytest.mark.parametrize("metric", ["cosine", "correlation"])
def test_nearest_neighbors_in_angular_metrics(metric):
    X = np.random.default_rng(3).normal(size=(300, 8)) + 0.2
    D = cdist(X, X, metric=metric)
    np.fill_diagonal(D, np.inf)
    ref_i = np.argsort(D, axis=1, kind="stable")[:, :5]
    ind, dist = nearest_neighbors(X, 5, metric=metric)
    np.testing.assert_array_equal(ind, ref_i)
    np.testing.assert_allclose(dist, np.take_along_axis(D, ref_i, 1), rtol=1e-12, atol=1e-15)
    for dtype in DTYPES:
        di, dd = nearest_neighbors(X, 5, metric=metric, device=torch.device("cpu"), dtype=dtype)
        np.testing.assert_array_equal(di, ind)
        np.testing.assert_array_equal(dd, dist)


@pytest.mark.parametrize("name", list(CLOUDS))
@pytest.mark.parametrize("dtype", DTYPES)
def test_knn_geodesic_on_a_device_is_the_cpu_result(name, dtype):
    X = CLOUDS[name]
    k = 6
    with warnings.catch_warnings(record=True) as w_cpu:
        warnings.simplefilter("always")
        cpu = knn_geodesic(X, k)
    with warnings.catch_warnings(record=True) as w_dev:
        warnings.simplefilter("always")
        dev = knn_geodesic(X, k, device="cpu", dtype=dtype)
    np.testing.assert_array_equal(dev, cpu)
    assert [str(w.message) for w in w_dev] == [str(w.message) for w in w_cpu]
    assert bool(w_cpu) == (name == "duplicates")  # 30 groups of 7 copies: 6 neighbours never leave a group
    if not w_cpu:  # the graph of the brute-force neighbours (ties by index), and its paths
        ind, dist = _reference(X, k)
        rows = np.repeat(np.arange(len(X)), k)
        W = np.full((len(X), len(X)), np.inf)
        W[rows, ind.ravel()] = dist.ravel()
        W = np.minimum(W, W.T)
        W[np.isinf(W)] = 0
        ref = shortest_path(csr_matrix(W), method="D", directed=False)
        np.testing.assert_allclose(cpu, ref, rtol=1e-13, atol=1e-13)


def test_knn_geodesic_matches_arc_length_and_the_cpu_on_float32_data():
    t = np.linspace(0, np.pi, 300)
    X = np.c_[np.cos(t), np.sin(t)].astype(np.float32)
    cpu = knn_geodesic(X, 5)
    np.testing.assert_array_equal(knn_geodesic(X, 5, device="cpu", dtype=np.float32), cpu)
    assert cpu[0, -1] == pytest.approx(np.pi, rel=1e-4)


@pytest.mark.parametrize("metric", ["euclidean", "cosine", "correlation"])
def test_dtm_weights_on_a_device_are_the_cpu_weights(metric):
    # the grid shifted off its diagonal (constant rows have no correlation distance); in 2-D that distance is
    # 0 or 2, ties everywhere
    for X in (CLOUDS["gaussian"] + 0.1, CLOUDS["grid"] * [1.0, 1.5] + [1.0, 0.3], CLOUDS["circle"] + 0.5):
        cpu = dtm_weights(X, 5, metric=metric)
        for dtype in DTYPES:
            np.testing.assert_array_equal(dtm_weights(X, 5, metric=metric, device="cpu", dtype=dtype), cpu)
    # the closed form on a grid: an interior point's 4 nearest lie at distance 1
    w = dtm_weights(CLOUDS["grid"], 4, device="cpu")
    assert w[5 * 12 + 5] == pytest.approx(2.0 * np.sqrt(4 / 5))


def test_far_from_one_the_device_scales_as_the_cpu_does():
    X = CLOUDS["gaussian"][:150]
    for s in (1e200, 1e-200):
        cpu = knn_geodesic(X * s, 5)
        np.testing.assert_array_equal(knn_geodesic(X * s, 5, device="cpu", dtype=np.float32), cpu)
        np.testing.assert_allclose(cpu / s, knn_geodesic(X, 5), rtol=1e-12)
        np.testing.assert_array_equal(dtm_weights(X * s, 5, device="cpu"), dtm_weights(X * s, 5))


def test_ties_beyond_the_first_candidates_widen_the_search():
    # 40 copies of each of 5 points: every row has 39 neighbours at 0, far more than the first candidates
    X = np.repeat(np.arange(5.0)[:, None] * [1.0, 2.0], 40, axis=0)
    ind, dist = nearest_neighbors(X, 3)
    want = np.array([[j for j in range(i - i % 40, i - i % 40 + 40) if j != i][:3] for i in range(len(X))])
    np.testing.assert_array_equal(ind, want)
    assert np.all(dist == 0)
    for dtype in DTYPES:
        di, dd = nearest_neighbors(X, 3, device="cpu", dtype=dtype)
        np.testing.assert_array_equal(di, ind)
        np.testing.assert_array_equal(dd, dist)


@pytest.mark.parametrize("dtype", DTYPES)
def test_device_search_bound_holds(dtype):
    """The bound KnnSearch reports lies below the squared distance of every row outside the candidates."""
    X = np.random.default_rng(4).normal(size=(600, 32)) * 5 + 40  # off-centre: the kernels centre it
    s = kernels.KnnSearch(X, "cpu", dtype)
    rows = np.arange(0, 600, 7)
    cand, bound = s.search(rows, 9)
    D2 = cdist(X[rows], X, "sqeuclidean")
    for r, row in enumerate(rows):
        out = np.setdiff1d(np.arange(600), np.r_[cand[r], row])
        assert row not in cand[r]
        assert bound[r] <= D2[r, out].min()
    assert np.all(np.isinf(s.search(rows[:3], 599)[1]))


def test_bad_device_metric_and_dtype_are_refused_by_name():
    X = CLOUDS["circle"]
    bad = X.copy()
    bad[0, 0] = np.nan
    for fn in (nearest_neighbors, knn_geodesic, dtm_weights):
        with pytest.raises(ValueError, match="device='nope'"):
            fn(bad, 3, device="nope")  # refused before the cloud is read
        with pytest.raises(TypeError, match="device"):
            fn(X, 3, device=3)
        with pytest.raises(ValueError, match="dtype"):
            fn(X, 3, device="cpu", dtype=np.int32)
        if not torch.cuda.is_available():
            with pytest.raises(ValueError, match="device='cuda'"):
                fn(X, 3, device="cuda")
    D = cdist(X, X)
    for fn in (knn_geodesic, dtm_weights):
        with pytest.raises(ValueError, match="metric='precomputed'"):
            fn(D, 3, metric="precomputed", device="cpu")
    with pytest.raises(ValueError, match="metric"):
        nearest_neighbors(D, 3, metric="precomputed")


def test_numeric_core_needs_no_torch_for_neighbours():
    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'torch' or name.startswith('torch.'):\n"
        "            raise ImportError('torch is blocked')\n"
        "sys.meta_path.insert(0, Block())\n"
        "import numpy as np, tda_nn\n"
        "from tda_nn.clouds import nearest_neighbors\n"
        "X = np.random.default_rng(0).normal(size=(200, 4))\n"
        "nearest_neighbors(X, 3); tda_nn.knn_geodesic(X, 4); tda_nn.dtm_weights(X, 4)\n"
        "tda_nn.dtm_weights(X, 4, metric='cosine', dtype=np.float32)\n"
        "assert 'torch' not in sys.modules and 'tda_nn.nn.kernels' not in sys.modules\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-2000:]


@pytest.mark.parametrize("scale", [2.0**100, 2.0**-100])
def test_float32_tiles_of_a_cloud_far_from_one(scale):
    """Squares of 1e30 overflow float32 and of 1e-30 underflow: the search scales by a power of two first."""
    X = np.random.default_rng(5).normal(size=(300, 6))
    a = kernels.KnnSearch(X, "cpu", np.float32)
    b = kernels.KnnSearch(X * scale, "cpu", np.float32)
    rows = np.arange(300)
    (ca, ba), (cb, bb) = a.search(rows, 8), b.search(rows, 8)
    np.testing.assert_array_equal(np.sort(cb, axis=1), np.sort(ca, axis=1))
    np.testing.assert_array_equal(bb, ba * scale**2)
    assert np.all(ba > 0)
    np.testing.assert_array_equal(nearest_neighbors(X * scale, 4, device="cpu", dtype=np.float32)[0],
                                  nearest_neighbors(X, 4)[0])


def test_a_distance_matrix_breaks_ties_by_index_too():
    for name in ("grid", "grid3", "duplicates"):
        X = CLOUDS[name]
        D = cdist(X, X)  # integer coordinates: the same bits as the points' own measurement
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # the duplicates' graph is disconnected on both
            np.testing.assert_array_equal(knn_geodesic(D, 5, metric="precomputed"), knn_geodesic(X, 5))
        np.testing.assert_array_equal(dtm_weights(D, 5, metric="precomputed"), dtm_weights(X, 5))

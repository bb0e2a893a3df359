"""Device kernels (tda_nn/nn/kernels.py) on CPU torch: the same answers as the numpy paths."""

import subprocess
import sys

import numpy as np
import pytest
from scipy.cluster.hierarchy import linkage

import tda_nn
from tda_nn.clouds import landmarks, pairwise_distances
from tda_nn.homology import spanning_tree

torch = pytest.importorskip("torch")
kernels = pytest.importorskip("tda_nn.nn.kernels")


def _clouds():
    rng = np.random.default_rng(0)
    yield rng.normal(size=(1500, 16))
    yield np.repeat(rng.integers(0, 3, size=(150, 3)).astype(float), 2, axis=0)  # ties and duplicates


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_spanning_tree_on_a_device_is_the_cpu_tree(dtype):
    for X in _clouds():
        _, _, cpu = spanning_tree(X)
        _, _, dev = spanning_tree(X, device="cpu", dtype=dtype)
        # float64 decides every edge: the same lengths whatever the tile precision
        np.testing.assert_allclose(dev, cpu, rtol=1e-14, atol=1e-14)
        np.testing.assert_allclose(dev, np.sort(linkage(X, "single")[:, 2]), rtol=1e-12, atol=1e-13)
        _, _, cos = spanning_tree(X + 1.0, metric="cosine", device=torch.device("cpu"), dtype=dtype)
        np.testing.assert_allclose(cos, np.sort(linkage(X + 1.0, "single", metric="cosine")[:, 2]), atol=1e-13)


def test_persistence_h0_on_a_device():
    X = np.random.default_rng(1).normal(size=(800, 8))
    a = tda_nn.persistence(X, maxdim=0)
    b = tda_nn.persistence(X, maxdim=0, device="cpu")
    np.testing.assert_allclose(a[0], b[0], rtol=1e-14)
    with pytest.raises(ValueError, match="device='nope'"):
        tda_nn.persistence(X, maxdim=0, device="nope")
    with pytest.raises(TypeError, match="device"):
        spanning_tree(X, device=3)


@pytest.mark.parametrize("metric", ["euclidean", "cosine", "correlation"])
def test_distances_on_a_device(metric):
    X = np.random.default_rng(2).normal(size=(700, 12)) + 0.5
    ref = pairwise_distances(X, metric=metric)
    np.testing.assert_allclose(pairwise_distances(X, metric=metric, device="cpu"), ref, rtol=1e-12, atol=1e-12)
    f32 = pairwise_distances(X, metric=metric, dtype=np.float32, device="cpu")
    cpu32 = pairwise_distances(X, metric=metric, dtype=np.float32)
    off = ~np.eye(len(X), dtype=bool)
    # float32 on the device: within float32 rounding of the CPU float32 path, about 1e-6 relative of float64
    assert np.abs(f32 - cpu32).max() <= 4 * np.finfo(np.float32).eps * ref.max()
    assert (np.abs(f32.astype(float) - ref)[off] / ref[off]).max() < 5e-6
    Y = np.random.default_rng(3).normal(size=(50, 12)) + 0.5
    np.testing.assert_allclose(pairwise_distances(X, Y, metric=metric, device="cpu"),
                               pairwise_distances(X, Y, metric=metric), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("metric", ["euclidean", "cosine", "correlation"])
def test_landmarks_on_a_device(metric):
    X = np.random.default_rng(4).normal(size=(900, 6)) + 0.3
    ref = landmarks(X, 30, metric=metric, start=3)
    dev = landmarks(X, 30, metric=metric, start=3, device="cpu")
    np.testing.assert_array_equal(dev.indices, ref.indices)
    assert dev.radius == pytest.approx(ref.radius, rel=1e-12)
    rnd = landmarks(X, 30, method="random", seed=1, metric=metric, device="cpu")
    assert rnd.indices.tolist() == landmarks(X, 30, method="random", seed=1, metric=metric).indices.tolist()


def test_knn_on_a_device():
    from sklearn.neighbors import NearestNeighbors

    X = np.random.default_rng(5).normal(size=(1200, 10))
    d, ind = NearestNeighbors(n_neighbors=7).fit(X).kneighbors()
    for dtype in (np.float64, np.float32):
        ki, kd = kernels.knn(X, 7, dtype=dtype, device="cpu")
        np.testing.assert_array_equal(ki, ind)
        np.testing.assert_allclose(kd, d, rtol=1e-12)
    D = np.repeat(X[:10], 3, axis=0)  # duplicates: the other copies are neighbours at distance 0
    ki, kd = kernels.knn(D, 2, device="cpu")
    assert np.all(kd == 0) and np.all(ki != np.arange(len(D))[:, None])


def test_numeric_core_needs_no_torch_for_the_tree():
    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'torch' or name.startswith('torch.'):\n"
        "            raise ImportError('torch is blocked')\n"
        "sys.meta_path.insert(0, Block())\n"
        "import numpy as np, tda_nn\n"
        "from tda_nn.homology import spanning_tree\n"
        "X = np.random.default_rng(0).normal(size=(300, 4))\n"
        "spanning_tree(X); tda_nn.persistence(X, maxdim=0); tda_nn.landmarks(X, 10)\n"
        "tda_nn.clouds.pairwise_distances(X)\n"
        "assert 'torch' not in sys.modules\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]

"""The exact planar partition: closed forms, dense sampling, paths, convolutions and max pooling."""

from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from tda_nn.nn.regions.exact import (  # noqa: E402
    ExactPlaneRegions,
    exact_support,
    plane_partition,
    regions_on_plane_exact,
)

nn = torch.nn


@pytest.fixture(autouse=True)
def _one_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)  # small batches: threads only contend on a shared machine
    yield
    torch.set_num_threads(n)


def _one_layer(n: int, seed: int) -> tuple[nn.Module, tuple[float, float, float, float]]:
    """Linear(2, n) + ReLU with random lines, and a window holding all their intersections."""
    g = torch.Generator().manual_seed(seed)
    net = nn.Sequential(nn.Linear(2, n), nn.ReLU(), nn.Linear(n, 1))
    with torch.no_grad():
        net[0].weight.copy_(torch.randn(n, 2, generator=g))
        net[0].bias.copy_(torch.randn(n, generator=g))
    W = net[0].weight.detach().double().numpy()
    b = net[0].bias.detach().double().numpy()
    X = np.array([np.linalg.solve(W[[i, j]], -b[[i, j]]) for i in range(n) for j in range(i + 1, n)])
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = 0.05 * float((hi - lo).max()) + 0.5
    return net, (lo[0] - pad, hi[0] + pad, lo[1] - pad, hi[1] + pad)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_one_hidden_layer_count_is_the_arrangement_count(seed):
    for n in range(3, 21):
        net, ext = _one_layer(n, seed)
        r = plane_partition(net, [0.0, 0.0], [1.0, 0.0], [0.0, 1.0], extent=ext)
        assert r.n_regions == 1 + n + math.comb(n, 2), (n, seed)
        assert r.method == "exact" and r.counts.tolist() == [r.n_regions]
        area = sum(p.area for p in r.polygons)
        assert area == pytest.approx((ext[1] - ext[0]) * (ext[3] - ext[2]), rel=1e-9)
        pats = np.array([p.pattern[0] for p in r.polygons])
        assert len(np.unique(pats, axis=0)) == r.n_regions  # one polygon per pattern


def _grid(ext, res):
    s, t = np.meshgrid(np.linspace(ext[0], ext[1], res), np.linspace(ext[2], ext[3], res))
    return np.column_stack([s.ravel(), t.ravel()])


def _reference_patterns(model, X):
    """Per nonlinear module, in call order: ReLU-type pre-activation signs; max-pool chosen input indices."""
    out = []

    def pre(m, args):
        out.append((args[0] > 0).reshape(len(args[0]), -1).numpy())

    def pool(m, args, res):
        x = args[0]
        f = torch.nn.functional.max_pool2d if x.dim() == 4 else torch.nn.functional.max_pool1d
        _, idx = f(x, m.kernel_size, m.stride, m.padding, m.dilation, m.ceil_mode, return_indices=True)
        plane = int(np.prod(x.shape[2:]))
        chan = torch.arange(x.shape[1]).reshape(1, -1, *([1] * (x.dim() - 2))) * plane
        out.append((idx + chan).reshape(len(x), -1).numpy())

    handles = []
    for m in model.modules():
        if isinstance(m, (nn.ReLU, nn.LeakyReLU)):
            handles.append(m.register_forward_pre_hook(pre))
        elif isinstance(m, (nn.MaxPool1d, nn.MaxPool2d)):
            handles.append(m.register_forward_hook(pool))
    try:
        with torch.no_grad():
            model(torch.as_tensor(X, dtype=torch.float64))
    finally:
        for h in handles:
            h.remove()
    return out


def _check_against_grid(model, r: ExactPlaneRegions, res: int) -> None:
    P = _grid(r.extent, res)
    ref = _reference_patterns(model, r.to_input(P))
    rows = np.ascontiguousarray(np.concatenate([p.astype(np.int64) for p in ref], axis=1))
    assert (
        len(np.unique(rows.view(np.dtype((np.void, rows.shape[1] * 8))))) == r.n_regions
    )  # dense sampling finds every region, and no more
    got = r.pattern_at(P)
    for layer, (a, b) in enumerate(zip(got, ref)):
        assert a.shape == b.shape, layer
        assert np.array_equal(a.astype(np.int64), b.astype(np.int64)), (layer, int((a != b).any(1).sum()))


def _deep(seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(2, 12), nn.ReLU(), nn.Linear(12, 12), nn.LeakyReLU(0.1), nn.Linear(12, 10),
                         nn.ReLU(), nn.Linear(10, 2)).double()  # fmt: skip


def test_deep_network_matches_dense_sampling_and_every_grid_pattern():
    net = _deep(0)
    r = plane_partition(net, [0.1, -0.2], [1.0, 0.0], [0.0, 1.0], extent=(-0.6, 0.6, -0.6, 0.6))
    assert r.layers == ("1", "3", "5") and r.kinds == ("relu", "relu", "relu")
    assert 10 < r.n_regions == r.counts[-1] and np.all(np.diff(r.counts) >= 0)
    _check_against_grid(net, r, 400)
    labels = r.rasterize(64)
    assert labels.shape == (64, 64) and labels.min() >= 0 and len(np.unique(labels)) <= r.n_regions
    assert labels[0, -1] == r.locate([[0.6, -0.6]])[0]  # row t_min, column s_max


def test_segment_count_equals_polygons_crossed_and_regions_on_path():
    import tda_nn

    net = _deep(1)
    r = plane_partition(net, [0.0, 0.0], [1.0, 0.0], [0.0, 1.0], extent=(-1.0, 1.0, -1.0, 1.0))
    rng = np.random.default_rng(0)
    for _ in range(12):
        a, b = rng.uniform(-1, 1, size=(2, 2))
        k = r.count_on_segment(a, b)
        path = tda_nn.regions_on_path(net, r.to_input(a)[0], r.to_input(b)[0], tol=1e-9)
        assert k == path.n_regions
        iv = r.segment_intervals(a, b)
        assert iv[0, 1] == pytest.approx(0.0) and iv[-1, 2] == pytest.approx(1.0)
        assert np.allclose(iv[1:, 1], iv[:-1, 2], atol=1e-9)  # the pieces tile the segment
        inner = path.crossings  # the path's crossings are the polygons' shared edges
        assert np.allclose(np.sort(inner), iv[1:, 1], atol=1e-6)


class _CNN(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 2, 3, padding=1, padding_mode="circular")
        self.bn = nn.BatchNorm2d(2)
        self.act1 = nn.ReLU()
        self.pool = nn.MaxPool2d(3, stride=2, padding=1)  # overlapping windows, padded
        self.conv2 = nn.Conv2d(2, 2, 3, padding=1)  # zeros
        self.act2 = nn.ReLU()
        self.avg = nn.AvgPool2d(2)
        self.head = nn.Linear(2, 3)

    def forward(self, x):
        x = self.pool(self.act1(self.bn(self.conv1(x))))
        x = self.avg(self.act2(self.conv2(x)))
        return self.head(x.view(x.size(0), -1))


def test_convolutions_with_padding_and_max_pooling_match_dense_sampling():
    torch.manual_seed(3)
    net = _CNN()
    with torch.no_grad():
        net.bn.running_mean.uniform_(-0.2, 0.2)
        net.bn.running_var.uniform_(0.5, 2.0)
    net = net.double().eval()
    rng = np.random.default_rng(1)
    origin, u, v = rng.normal(size=(3, 1, 5, 5))
    r = plane_partition(net, origin, u.ravel(), v.ravel(), extent=(-0.08, 0.08, -0.08, 0.08))
    assert r.kinds == ("relu", "maxpool", "relu") and r.layers == ("act1", "pool", "act2")
    assert r.n_units == (50, 18, 18)
    assert r.counts[1] > r.counts[0]  # the max-pooling cells do cut the ReLU regions
    _check_against_grid(net, r, 300)
    # a wider window: the grid misses regions thinner than its pixels, never the other way round
    r = plane_partition(net, origin, u.ravel(), v.ravel(), extent=(-0.4, 0.4, -0.4, 0.4))
    P = _grid(r.extent, 300)
    ref = _reference_patterns(net, r.to_input(P))
    assert all(np.array_equal(a.astype(np.int64), b) for a, b in zip(r.pattern_at(P), ref))
    missed = np.setdiff1d(np.arange(r.n_regions), r.locate(P))
    pixel = (0.8 / 299) ** 2
    assert 0 < len(missed) < 0.1 * r.n_regions
    assert max(r.polygons[k].area for k in missed) < 2 * pixel


def test_max_pool_1d_and_reflect_padding_functional_relu_residual():
    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv = nn.Conv1d(1, 2, 3, padding=1, padding_mode="reflect")
            self.pool = nn.MaxPool1d(2)
            self.lin = nn.Linear(6, 6)
            self.out = nn.Linear(6, 1)

        def forward(self, x):
            h = self.pool(torch.relu(self.conv(x))).flatten(1)
            h = h + torch.nn.functional.relu(self.lin(h))  # residual
            return self.out(h)

    torch.manual_seed(5)
    net = Net().double()
    rng = np.random.default_rng(2)
    origin, u, v = rng.normal(size=(3, 1, 6))
    r = plane_partition(net, origin, u, v, extent=(-0.5, 0.5, -0.5, 0.5))
    assert r.kinds == ("relu", "maxpool", "relu")
    # the reference hooks only see modules: check the polygons against the network's own kinks instead,
    # on a fine grid: the output is affine on every polygon
    P = _grid(r.extent, 120)
    with torch.no_grad():
        y = net(torch.as_tensor(r.to_input(P))).numpy().ravel()
    idx = r.locate(P)
    for k in np.unique(idx):
        sel = idx == k
        if sel.sum() >= 4:
            A = np.column_stack([P[sel], np.ones(sel.sum())])
            coef, *_ = np.linalg.lstsq(A, y[sel], rcond=None)
            assert np.abs(A @ coef - y[sel]).max() < 1e-9
    # and pieces where the network is not affine across a polygon would show up as bends on segments
    assert r.n_regions >= len(np.unique(idx))


class _Branchy(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.lin = nn.Linear(2, 2)

    def forward(self, x):
        return self.lin(x) if x.sum() > 0 else x  # data-dependent control flow: not traceable


def test_refusals_name_the_layer_and_the_estimate():
    net = nn.Sequential(nn.Linear(2, 4), nn.GELU(), nn.Linear(4, 1))
    with pytest.raises(ValueError, match=r"GELU at layer '1' is not piecewise linear; use method='grid'"):
        plane_partition(net, [0.0, 0.0], [1.0, 0.0], [0.0, 1.0])
    net = nn.Sequential(nn.Linear(2, 4), nn.LayerNorm(4), nn.ReLU())
    with pytest.raises(ValueError, match="LayerNorm at layer '1'"):
        plane_partition(net, [0.0, 0.0], [1.0, 0.0], [0.0, 1.0])
    net, ext = _one_layer(20, 0)
    with pytest.raises(ValueError, match=r"estimated to hold about \d+ regions.*max_regions=10"):
        plane_partition(net, [0.0, 0.0], [1.0, 0.0], [0.0, 1.0], extent=ext, max_regions=10)
    with pytest.raises(ValueError, match=r"more than max_regions=150"):  # the estimate (58) passes, the cut not
        plane_partition(net, [0.0, 0.0], [1.0, 0.0], [0.0, 1.0], extent=ext, max_regions=150)
    with pytest.raises(MemoryError, match=r"max_memory: \d+ pieces after layer '1'"):  # a MemoryBudgetError
        plane_partition(net, [0.0, 0.0], [1.0, 0.0], [0.0, 1.0], extent=ext, max_memory=20_000)
    with pytest.raises(ValueError, match="linearly independent"):
        plane_partition(net, [0.0, 0.0], [1.0, 0.0], [2.0, 0.0])
    assert exact_support(_CNN()) is None and exact_support(_deep(0)) is None
    assert "GELU at layer '1'" in exact_support(nn.Sequential(nn.Linear(2, 4), nn.GELU()))
    assert "could not be traced" in exact_support(_Branchy())
    with pytest.raises(TypeError, match="torch.nn.Module"):
        plane_partition(lambda x: x, [0.0, 0.0], [1.0, 0.0], [0.0, 1.0])


def test_plane_through_points_and_figure():
    import matplotlib

    matplotlib.use("Agg")
    net = _deep(2).float()
    X = np.random.default_rng(0).normal(size=(3, 2))
    r = regions_on_plane_exact(net, points=X)
    assert r.anchors is not None and r.anchors.shape == (3, 2)
    assert np.allclose(r.to_input(r.anchors), X, atol=1e-9)
    assert r.n_regions == len(r.polygons) and "regions" in repr(r)
    ax = r.plot()
    assert len(ax.collections[0].get_paths()) == r.n_regions
    assert r.locate([[1e6, 1e6]]).tolist() == [-1]
    matplotlib.pyplot.close("all")

"""Activation regions of ReLU networks: exact counts for line arrangements, paths, planes, bounds."""

from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
nn = torch.nn

from tda_nn.nn.regions import (  # noqa: E402
    ActivationPatterns,
    activation_patterns,
    distance_to_boundary,
    region_bound,
    region_counts,
    region_density,
    regions_on_path,
    regions_on_plane,
)


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    # tiny forward passes on a shared 2-core machine: more threads only spin
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


# -- a one-hidden-layer network whose units are n lines in general position ---------------------
def arrangement(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """n lines w_i . x + b_i = 0 with well-spread directions (no two parallel)."""
    rng = np.random.default_rng(seed)
    th = np.pi * (np.arange(n) + rng.uniform(0.2, 0.8, n)) / n
    W = np.column_stack([np.cos(th), np.sin(th)]) * rng.uniform(0.5, 2.0, n)[:, None]
    return W, rng.uniform(-1, 1, n)


def relu_net(W: np.ndarray, b: np.ndarray, *widths: int, out: int = 3, seed: int = 0) -> nn.Sequential:
    """Linear(d, n) with the given weights, ReLU, then random ReLU layers of ``widths``, then Linear(., out)."""
    torch.manual_seed(seed)
    mods = [nn.Linear(W.shape[1], len(b)), nn.ReLU()]
    prev = len(b)
    for w in widths:
        mods += [nn.Linear(prev, w), nn.ReLU()]
        prev = w
    net = nn.Sequential(*mods, nn.Linear(prev, out))
    with torch.no_grad():
        net[0].weight.copy_(torch.tensor(W))
        net[0].bias.copy_(torch.tensor(b))
    return net


def exact_arrangement(W: np.ndarray, b: np.ndarray) -> tuple[set[tuple[bool, ...]], np.ndarray]:
    """Every region of a line arrangement in general position, by its sign vector, and the vertices.

    Each region has a vertex on its boundary; around the vertex of lines i and j lie
    four regions, the signs of the other lines being those at the vertex.
    """
    pats, V = set(), []
    for i, j in itertools.combinations(range(len(b)), 2):
        p = np.linalg.solve(W[[i, j]], -b[[i, j]])
        s = W @ p + b
        others = np.delete(np.abs(s), [i, j])
        assert others.min() > 1e-6, "three lines through one point: not in general position"
        V.append(p)
        for si, sj in itertools.product((False, True), repeat=2):
            q = s > 0
            q[i], q[j] = si, sj
            pats.add(tuple(bool(x) for x in q))
    return pats, np.array(V)


def window(V: np.ndarray, pad: float = 0.1) -> tuple[float, float, float, float]:
    lo, hi = V.min(axis=0), V.max(axis=0)
    m = pad * float((hi - lo).max())
    return (lo[0] - m, hi[0] + m, lo[1] - m, hi[1] + m)


PLANE = ([0.0, 0.0], [1.0, 0.0], [0.0, 1.0])


class TestArrangement:
    n = 8

    def test_plane_count_is_one_plus_n_plus_n_choose_2(self):
        W, b = arrangement(self.n, 0)
        pats, V = exact_arrangement(W, b)
        assert len(pats) == 1 + self.n + math.comb(self.n, 2) == 37  # Zaslavsky, and the combinatorial count
        r = regions_on_plane(relu_net(W, b), *PLANE, extent=window(V), method="grid", resolution=512)
        assert r.n_regions == 37
        assert r.counts.tolist() == [37]
        assert set(map(tuple, r.representatives.unpack(0).tolist())) == pats
        assert r.labels.shape == (512, 512) and r.labels.max() == 36
        assert r.bound == 37  # the bound is attained by one layer in general position

    def test_segment_crossing_k_lines_crosses_k_plus_1_regions(self):
        W, b = arrangement(self.n, 0)
        net = relu_net(W, b)
        _, V = exact_arrangement(W, b)
        lo, hi = V.min(axis=0) - 1, V.max(axis=0) + 1
        rng = np.random.default_rng(1)
        ks = []
        for _ in range(12):
            A, B = rng.uniform(lo, hi), rng.uniform(lo, hi)
            fa, fb = W @ A + b, W @ B + b
            crossed = np.flatnonzero(np.sign(fa) != np.sign(fb))
            r = regions_on_path(net, A, B, tol=1e-7)
            assert r.n_regions == r.n_distinct == len(crossed) + 1
            t_true = np.sort(-fa[crossed] / (fb[crossed] - fa[crossed]))
            np.testing.assert_allclose(r.crossings, t_true, atol=2e-6)
            assert (r.crossing_layer == 0).all()
            ks.append(len(crossed))
        assert min(ks) <= 2 and max(ks) >= 5  # the segments cross few and many lines

    def test_density_counts_separating_lines(self):
        W, b = arrangement(6, 2)
        net = relu_net(W, b)
        X = np.random.default_rng(3).uniform(-2, 2, size=(60, 2))
        y = (X[:, 0] + 0.3 * X[:, 1] > 0).astype(int)
        d = region_density(net, X, y, n_pairs=40, seed=1)
        S = (X @ W.T + b) > 0
        for pairs, counts in ((d.same_pairs, d.same), (d.different_pairs, d.different)):
            expect = (S[pairs[:, 0]] != S[pairs[:, 1]]).sum(axis=1) + 1
            np.testing.assert_array_equal(counts[:, 0], expect)
        assert (y[d.same_pairs[:, 0]] == y[d.same_pairs[:, 1]]).all()
        assert (y[d.different_pairs[:, 0]] != y[d.different_pairs[:, 1]]).all()
        assert d.different_mean > d.same_mean  # a line separates the classes, so crossings grow
        length = np.linalg.norm(X[d.same_pairs[:, 0]] - X[d.same_pairs[:, 1]], axis=1)
        np.testing.assert_allclose(d.same_length, length)

    def test_distance_one_hidden_layer_is_distance_to_nearest_line(self):
        W, b = arrangement(self.n, 0)
        X = np.random.default_rng(4).uniform(-2, 2, size=(50, 2))
        expect = (np.abs(X @ W.T + b) / np.linalg.norm(W, axis=1)).min(axis=1)
        exact = distance_to_boundary(relu_net(W, b), X)
        assert exact.method == "exact"
        np.testing.assert_allclose(exact.distances, expect, rtol=1e-5, atol=1e-6)  # float32 model
        assert (exact.unit == (np.abs(X @ W.T + b) / np.linalg.norm(W, axis=1)).argmin(axis=1)).all()
        search = distance_to_boundary(relu_net(W, b), X, method="search", n_directions=128)
        assert (search.distances >= expect - 1e-5).all()  # any direction exits no sooner
        assert np.median(search.distances / expect) < 1.01


class TestPaths:
    def test_one_dimensional_kinks(self):
        net = nn.Sequential(nn.Linear(1, 3), nn.ReLU())
        with torch.no_grad():
            net[0].weight.fill_(1.0)
            net[0].bias.copy_(torch.tensor([0.0, -1.0, -2.0]))
        r = regions_on_path(net, [-1.0], [3.0], tol=1e-9)
        assert r.n_regions == 4
        np.testing.assert_allclose(r.locate(r.crossings).ravel(), [0.0, 1.0, 2.0], atol=1e-7)

    @pytest.mark.parametrize("dim", [2, 5])
    def test_boundary_location_agrees_with_dense_sampling(self, dim):
        torch.manual_seed(dim)
        net = nn.Sequential(nn.Linear(dim, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 12),
                            nn.LeakyReLU(0.1), nn.Linear(12, 2))  # fmt: skip
        rng = np.random.default_rng(dim)
        V = rng.normal(scale=2.0, size=(4, dim))
        r = regions_on_path(net, points=V, tol=1e-7, n_samples=16)
        # dense: 300k points along the same polyline
        N = 100_000
        t = np.concatenate([s + np.linspace(0, 1, N, endpoint=s == 2) for s in range(3)])
        P = activation_patterns(net, r.locate(t))
        by_layer = np.stack([P.region_ids(layer) for layer in range(3)])
        steps = by_layer[:, 1:] != by_layer[:, :-1]  # (3, n - 1): the cumulative pattern changes
        np.testing.assert_array_equal(r.counts, 1 + steps.sum(axis=1))
        change = np.flatnonzero(steps[-1])
        assert r.n_regions == len(change) + 1 == len(r.crossings) + 1
        assert r.n_regions > 15  # the test is about many boundaries, some close together
        assert r.n_distinct == P.count()
        mid = 0.5 * (t[change] + t[change + 1])
        np.testing.assert_allclose(r.crossings, mid, atol=1.0 / N)
        # the reported layer is the first whose pattern changes there
        np.testing.assert_array_equal(r.crossing_layer, steps[:, change].argmax(axis=0))
        assert r.counts.tolist() == sorted(r.counts.tolist())

    def test_close_boundaries_are_resolved(self):
        # kinks 1e-4 apart, far closer than the initial spacing 1/3
        net = nn.Sequential(nn.Linear(1, 4), nn.ReLU())
        with torch.no_grad():
            net[0].weight.fill_(1.0)
            net[0].bias.copy_(-torch.tensor([0.5, 0.5001, 0.5002, 0.5003]))
        r = regions_on_path(net, [0.0], [1.0], n_samples=4, tol=1e-7)
        assert r.n_regions == 5
        np.testing.assert_allclose(r.crossings, [0.5, 0.5001, 0.5002, 0.5003], atol=1e-6)


class TestDeeper:
    def test_count_between_first_layer_and_product_bound(self):
        W, b = arrangement(6, 0)
        pats, V = exact_arrangement(W, b)
        net = relu_net(W, b, 6, 5, seed=1)
        r = regions_on_plane(net, *PLANE, extent=window(V), method="grid", resolution=384)
        n_units = (6, 6, 5)
        assert r.n_units == n_units
        assert r.counts[0] == len(pats) == 22  # first layer alone: the line arrangement
        assert r.counts[0] < r.counts[1] <= r.counts[2] == r.n_regions
        for layer in (1, 2):
            per = sum(math.comb(n_units[layer], j) for j in range(3))
            assert r.counts[layer] <= r.counts[layer - 1] * per
        assert r.n_regions <= region_bound(n_units, 2) == 22 * 22 * 16

    def test_plane_through_data_points(self, small_mlp):
        X = np.random.default_rng(0).normal(size=(3, 8))
        r = regions_on_plane(small_mlp, points=X, method="grid", resolution=96)
        np.testing.assert_allclose(r.project(X), r.anchors, atol=1e-9)
        np.testing.assert_allclose([r.u @ r.u, r.v @ r.v, r.u @ r.v], [1, 1, 0], atol=1e-12)
        assert r.counts[0] <= r.n_regions <= r.bound
        # the grid labels agree with the patterns recorded at the grid points directly
        S, T = np.meshgrid(r.s, r.t)
        G = r.origin + S.reshape(-1, 1) * r.u + T.reshape(-1, 1) * r.v
        P = activation_patterns(small_mlp, G)
        assert P.count() == r.n_regions
        ids = P.region_ids()
        assert len(set(zip(ids.tolist(), r.labels.ravel().tolist()))) == r.n_regions  # same partition
        with torch.no_grad():
            pred = small_mlp(torch.tensor(G, dtype=torch.float32)).argmax(1).numpy()
        np.testing.assert_array_equal(r.predicted.ravel(), pred)

    def test_exact_distance_deep_net(self):
        torch.manual_seed(3)
        net = nn.Sequential(nn.Linear(2, 12), nn.ReLU(), nn.Linear(12, 12), nn.ReLU(), nn.Linear(12, 2))
        X = np.random.default_rng(5).normal(size=(30, 2))
        ex = distance_to_boundary(net, X)
        se = distance_to_boundary(net, X, method="search", n_directions=256, tol=1e-7)
        assert (se.distances >= ex.distances - 1e-6).all()  # float32 model
        assert np.median(se.distances / ex.distances) < 1.01  # in 2-D, 256 directions come close
        # independent check with reverse-mode autograd: stepping past the nearest hyperplane leaves the region
        pre = [net[0], lambda x: net[2](net[1](net[0](x)))]
        for i in range(len(X)):
            x = torch.tensor(X[i : i + 1], dtype=torch.float32, requires_grad=True)
            z = pre[ex.layer[i]](x)[0, ex.unit[i]]
            (g,) = torch.autograd.grad(z, x)
            g = g.numpy().ravel().astype(float)
            step = -np.sign(z.item()) * g / np.linalg.norm(g)
            d = ex.distances[i]
            pts = np.stack([X[i], X[i] + 0.999 * d * step, X[i] + 1.001 * d * step])
            ids = activation_patterns(net, np.concatenate([X, pts])).region_ids()[len(X) :]
            assert ids[0] == ids[1] != ids[2]


class TestPatterns:
    def test_bits_match_explicit_signs(self, small_mlp):
        X = np.random.default_rng(0).normal(size=(500, 8))
        small_mlp.train()
        P = activation_patterns(small_mlp, X, batch_size=128)
        assert small_mlp.training and all(m.training for m in small_mlp.modules())
        assert not any(m._forward_hooks or m._forward_pre_hooks for m in small_mlp.modules())
        with torch.no_grad():
            h1 = small_mlp[0](torch.tensor(X, dtype=torch.float32))
            h2 = small_mlp[2](torch.relu(h1))
        np.testing.assert_array_equal(P.unpack(0), h1.numpy() > 0)
        np.testing.assert_array_equal(P.unpack("3"), h2.numpy() > 0)
        both = np.concatenate([h1.numpy() > 0, h2.numpy() > 0], axis=1)
        assert P.layers == ("1", "3") and P.n_units == (16, 16) and P.n_inputs == 500
        assert P.count() == len(np.unique(both, axis=0))
        assert P.layer_counts().tolist() == [len(np.unique(h1.numpy() > 0, axis=0)), len(np.unique(h2.numpy() > 0, axis=0))]
        assert P.cumulative_counts().tolist() == [P.layer_counts()[0], P.count()]
        assert "n_inputs=500" in repr(P)

    def test_packed_size(self):
        net = nn.Sequential(nn.Linear(4, 1000), nn.ReLU())
        X = np.random.default_rng(0).normal(size=(100_000, 4)).astype(np.float32)
        P = activation_patterns(net, X, batch_size=20_000)
        assert P.nbytes == 100_000 * 125  # 12.5 MB for 10^5 inputs x 10^3 units
        assert P.bits[0].dtype == np.uint8 and not P.bits[0].flags.writeable

    def test_leaky_inplace_reused_and_named_modules(self):
        torch.manual_seed(0)
        X = np.random.default_rng(1).normal(size=(200, 3))
        lin = nn.Linear(3, 5)
        with torch.no_grad():
            z = lin(torch.tensor(X, dtype=torch.float32)).numpy()
        for act in (nn.LeakyReLU(-0.5), nn.ReLU(inplace=True), nn.PReLU(5, init=-0.2)):
            P = activation_patterns(nn.Sequential(lin, act), X)
            np.testing.assert_array_equal(P.unpack(0), z > 0)

        class Twice(nn.Module):
            def __init__(self):
                super().__init__()
                self.a, self.b, self.act = nn.Linear(3, 4), nn.Linear(4, 4), nn.ReLU()

            def forward(self, x):
                return self.act(self.b(self.act(self.a(x))))

        assert activation_patterns(Twice(), X).layers == ("act", "act#1")

        class Block(nn.Module):  # F.relu inside forward: no ReLU module to find
            def __init__(self):
                super().__init__()
                self.lin = lin

            def forward(self, x):
                return torch.nn.functional.relu(self.lin(x))

        model = nn.Sequential(Block(), nn.Linear(5, 2))
        with pytest.raises(ValueError, match="no ReLU-type modules"):
            activation_patterns(model, X)
        np.testing.assert_array_equal(activation_patterns(model, X, layers="0").unpack(0), z > 0)

    def test_flatten_first(self):
        net = nn.Sequential(nn.Flatten(), nn.Linear(16, 4), nn.ReLU())
        X = np.random.default_rng(0).normal(size=(30, 1, 4, 4))
        with torch.no_grad():
            z = net[1](torch.tensor(X.reshape(30, 16), dtype=torch.float32)).numpy()
        np.testing.assert_array_equal(activation_patterns(net, X).unpack(0), z > 0)
        r = regions_on_path(net, X[0], X[1])
        assert r.vertices.shape == (2, 1, 4, 4)
        assert r.n_regions == (np.sign(z[0]) != np.sign(z[1])).sum() + 1

    def test_cnn(self, small_cnn):
        X = np.random.default_rng(0).normal(size=(20, 1, 8, 8))
        with pytest.warns(UserWarning, match="MaxPool2d"):
            P = activation_patterns(small_cnn, X)
        assert P.n_units == (4 * 8 * 8, 8 * 4 * 4)


def test_region_counts_series(small_mlp):
    X = np.random.default_rng(0).normal(size=(200, 8))
    c = region_counts(small_mlp, X, resolution=48, method="grid")
    assert set(c) == {"patterns", "patterns_fraction", "patterns/1", "patterns/3", "plane_regions", "plane_exact"}
    assert c["plane_exact"] == 0.0
    assert c["patterns"] == activation_patterns(small_mlp, X).count()
    assert c["patterns_fraction"] == c["patterns"] / 200
    idx = np.sort(np.random.default_rng(0).choice(200, 3, replace=False))
    assert c["plane_regions"] == regions_on_plane(small_mlp, points=X[idx], method="grid", resolution=48).n_regions
    assert region_counts(small_mlp, X, resolution=48, method="grid") == c  # same plane every call
    exact = region_counts(small_mlp, X)  # the exact count where the model allows it: never below the grid's
    assert exact["plane_exact"] == 1.0
    assert exact["plane_regions"] == regions_on_plane(small_mlp, points=X[idx], method="exact").n_regions
    assert exact["plane_regions"] >= c["plane_regions"]
    assert "plane_regions" not in region_counts(small_mlp, X, plane=None)


class TestBadInput:
    def test_no_relu(self):
        with pytest.raises(ValueError, match=r"model: Sequential has no ReLU-type modules.*Tanh"):
            activation_patterns(nn.Sequential(nn.Linear(2, 3), nn.Tanh()), np.zeros((4, 2)))
        with pytest.raises(TypeError, match="model must be a torch.nn.Module"):
            activation_patterns(lambda x: x, np.zeros((4, 2)))

    def test_wrong_shapes(self, small_mlp, small_cnn):
        with pytest.raises(ValueError, match=r"X: .*Linear\(in_features=8\).*shape \(3,\)"):
            activation_patterns(small_mlp, np.zeros((5, 3)))
        with pytest.raises(ValueError, match=r"X must have shape \(n_samples, \*input_shape\)"):
            activation_patterns(small_mlp, np.zeros(8))
        with pytest.raises(ValueError, match=r"X: the model could not run on inputs of shape \(2, 8, 8\)"):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                activation_patterns(small_cnn, np.zeros((5, 2, 8, 8)))
        with pytest.raises(ValueError, match="a and b must have the same shape"):
            regions_on_path(small_mlp, np.zeros(8), np.zeros(7))
        with pytest.raises(ValueError, match="points must hold exactly 3"):
            regions_on_plane(small_mlp, points=np.zeros((2, 8)))
        with pytest.raises(ValueError, match="collinear"):
            regions_on_plane(small_mlp, points=np.outer([0, 1, 2], np.ones(8)))
        with pytest.raises(ValueError, match="y must have one label per sample"):
            region_density(small_mlp, np.zeros((5, 8)), [0, 1])
        with pytest.raises(ValueError, match="NaN"):
            activation_patterns(small_mlp, np.full((2, 8), np.nan))

    def test_resolution_over_budget(self, small_mlp):
        with pytest.raises(ValueError, match=r"resolution=100000 needs about .*GiB.*Use resolution <= \d+"):
            regions_on_plane(small_mlp, points=np.eye(3, 8), method="grid", resolution=100_000)
        with pytest.raises(ValueError, match=r"resolution=512 .*max_memory=1\.0 MiB"):
            regions_on_plane(small_mlp, points=np.eye(3, 8), method="grid", resolution=512, max_memory="1MiB")
        with pytest.raises(ValueError, match="resolution must be >= 2"):
            regions_on_plane(small_mlp, points=np.eye(3, 8), method="grid", resolution=1)
        with pytest.raises(ValueError, match="method must be one of"):
            distance_to_boundary(small_mlp, np.zeros((2, 8)), method="exactly")


class TestFigures:
    def test_plane_and_counts_figures(self, small_mlp):
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        from tda_nn.plotting import plot_region_counts, plot_regions_plane

        X = np.random.default_rng(0).normal(size=(60, 8))
        y = (X[:, 0] > 0).astype(int)
        r = regions_on_plane(small_mlp, points=X[:3], method="grid", resolution=64)
        fig = plot_regions_plane(r, X=X, y=y)
        ax = fig.axes[0]
        assert ax.images[0].get_array().shape == (64, 64, 3)
        assert str(r.n_regions) in ax.get_title()
        assert len(ax.collections) >= 2  # data and anchors
        fig2 = plot_region_counts({"init": r, "same": r})
        lines = fig2.axes[0].get_lines()
        np.testing.assert_array_equal(lines[0].get_ydata(), r.counts)
        series = [region_counts(small_mlp, X, resolution=32) for _ in range(3)]
        fig3 = plot_region_counts(series, steps=[0, 10, 20])
        assert [ln.get_label() for ln in fig3.axes[0].get_lines()] == ["patterns", "plane_regions"]
        with pytest.raises(TypeError, match="counts must be"):
            plot_region_counts(3)
        plt.close("all")
        assert isinstance(activation_patterns(small_mlp, X), ActivationPatterns)

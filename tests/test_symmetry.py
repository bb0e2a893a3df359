"""Invariance, equivariance, Lie derivatives and orbit topology: exact cases first."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
nn = torch.nn

from tda_nn.nn.actions import CyclicShift, OrthogonalMap, Permute, Rot90, Rotate, Translate  # noqa: E402
from tda_nn.nn.lie import lie_derivative  # noqa: E402
from tda_nn.nn.orbits import orbit_topology  # noqa: E402
from tda_nn.nn.symmetry import equivariance, invariance  # noqa: E402
from tda_nn.nn.symmetry_summary import symmetry_summary  # noqa: E402


def _seeded(model):
    torch.manual_seed(0)
    return model().double()


@pytest.fixture
def images():
    return torch.randn(120, 1, 8, 8, dtype=torch.float64, generator=torch.Generator().manual_seed(0))


def circular_cnn():
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1, padding_mode="circular"), nn.ReLU(),
                         nn.Conv2d(4, 6, 3, padding=1, padding_mode="circular"), nn.AdaptiveAvgPool2d(1),
                         nn.Flatten())  # fmt: skip


def mlp():
    return nn.Sequential(nn.Flatten(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))


class _PerCopy(nn.Module):
    """Apply a body to every copy ``(B, G, C, H, W) -> (B, G, D)``."""

    def __init__(self, pixels: int):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(1, 3, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(3 * pixels, 5))

    def forward(self, z):
        return self.body(z.flatten(0, 1)).reshape(z.shape[0], z.shape[1], -1)


class _Mean(nn.Module):
    def forward(self, z):
        return z.mean(dim=1)


class Rot90Averaged(nn.Module):
    """``mean_k h(rot90^k x)``: invariant to quarter turns by construction."""

    def __init__(self, pixels: int = 64):
        super().__init__()
        self.copies = _PerCopy(pixels)
        self.pool = _Mean()

    def forward(self, x):
        return self.pool(self.copies(torch.stack([torch.rot90(x, k, dims=(-2, -1)) for k in range(4)], dim=1)))


class TestExactCases:
    def test_circular_conv_is_shift_equivariant(self, images):
        for axis in (-1, -2):
            res = equivariance(_seeded(circular_cnn), images, CyclicShift(axis=axis), layers=["0", "1", "2"],
                               n_bootstrap=0)  # fmt: skip
            assert res.method == ("counterpart",) * 3
            assert np.all(res.error < 1e-6), res

    def test_global_pool_makes_it_invariant(self, images):
        res = invariance(_seeded(circular_cnn), images, CyclicShift(axis=-1), layers=["input", "0", "2", "3", "4"])
        assert res["3"] < 1e-6 and res["4"] < 1e-6
        assert res["input"] > 0.5 and res["0"] > 0.1 and res["2"] > 0.1  # the feature maps move
        assert res.first_below(1e-6) == "3"
        lo, hi = res.interval[res.layers.index("0")]
        assert lo <= res["0"] <= hi

    def test_mlp_is_not_invariant(self, images):
        res = invariance(_seeded(mlp), images, CyclicShift(axis=-1), layers=["1", "3"])
        assert np.all(res.error > 0.1), res
        assert np.all(res.interval[:, 0] > 0.1)

    def test_several_actions_share_one_capture_and_agree_with_single_calls(self, images):
        model = _seeded(circular_cnn)
        many = invariance(model, images, "shift,flip", layers=["0", "4"])
        assert set(many) == {"shift", "flip"}
        one = invariance(model, images, CyclicShift(axis=-1), layers=["0", "4"])
        np.testing.assert_array_equal(many["shift"].error, one.error)
        np.testing.assert_array_equal(many["shift"].interval, one.interval)

    def test_rot90_average_is_invariant_at_the_output_only(self, images):
        res = invariance(_seeded(Rot90Averaged), images, Rot90(), layers=["copies", "pool"])
        assert res["pool"] < 1e-6
        assert res["copies"] > 0.1  # the four copies are permuted, not fixed

    def test_stride_scales_the_counterpart(self, images):
        model = _seeded(lambda: nn.Sequential(nn.Conv2d(1, 3, 3, stride=2, padding=1, padding_mode="circular")))
        even = equivariance(model, images, CyclicShift(axis=-1, shifts=[2, 4]), layers=["0"], n_bootstrap=0)
        assert even.method == ("counterpart",) and even.error[0] < 1e-6
        odd = equivariance(model, images, CyclicShift(axis=-1, shifts=[1]), layers=["0"], n_bootstrap=0)
        assert odd.method == ("linear fit",)

    def test_token_permutations(self):
        x = torch.randn(80, 6, 4, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
        model = _seeded(lambda: nn.Sequential(nn.Linear(4, 8), nn.ReLU()))
        eq = equivariance(model, x, Permute(axis=1), layers=["0", "1"], n_bootstrap=0)
        assert eq.method == ("counterpart", "counterpart") and np.all(eq.error < 1e-6)
        inv = invariance(model, x, Permute(axis=1), layers=["1"], n_bootstrap=0)
        assert inv.error[0] > 0.1

    def test_fitted_map_recovers_a_linear_counterpart(self):
        rng = np.random.default_rng(0)
        Q = np.linalg.qr(rng.normal(size=(5, 5)))[0]
        x = torch.as_tensor(rng.normal(size=(400, 5)))
        model = _seeded(lambda: nn.Sequential(nn.Linear(5, 12)))
        with torch.no_grad():
            model[0].bias.zero_()  # W Q x = (W Q W^+) W x when W is injective
        eq = equivariance(model, x, OrthogonalMap(Q), layers=["0"], n_bootstrap=0)
        assert eq.method == ("linear fit",) and eq.error[0] < 1e-3 and eq.fit_r2[0] > 0.999
        inv = invariance(model, x, OrthogonalMap(Q), layers=["0"], n_bootstrap=0)
        assert inv.error[0] > 0.5


class TestLieDerivative:
    def test_linear_map_matches_closed_form(self):
        n = 16
        rng = np.random.default_rng(0)
        k, phi = rng.integers(1, 7, size=40), rng.uniform(0, 2 * np.pi, size=40)  # below Nyquist
        grid = np.arange(n)
        x = np.cos(2 * np.pi * np.outer(k, grid) / n + phi[:, None])
        dx = (2 * np.pi * k / n)[:, None] * np.sin(2 * np.pi * np.outer(k, grid) / n + phi[:, None])  # d/dt x(n - t)
        model = _seeded(lambda: nn.Sequential(nn.Linear(n, 7)))
        W = model[0].weight.detach().numpy()
        for method, tol in (("autograd", 1e-10), ("finite", 1e-5)):
            res = lie_derivative(model, x, Translate(axis=-1), layers=["0"], relative_to="invariance",
                                 method=method, n_bootstrap=0)  # fmt: skip
            np.testing.assert_allclose(res.values["0"], dx @ W.T, atol=tol)
            assert res.norm[0] == pytest.approx(np.linalg.norm(dx @ W.T, axis=1).mean(), rel=1e-5)

    def test_circular_conv_commutes_with_translation(self):
        x = torch.randn(30, 1, 12, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
        model = _seeded(lambda: nn.Sequential(nn.Conv1d(1, 3, 3, padding=1, padding_mode="circular"), nn.ReLU()))
        res = lie_derivative(model, x, Translate(axis=-1), layers=["input", "0", "1"], n_bootstrap=0)
        assert res.counterpart == (True, True, True)
        assert res.relative[0] < 1e-12 and res.relative[1] < 1e-10
        assert res.relative[2] > 1e-2  # a pointwise ReLU does not commute with a band-limited shift
        inv = lie_derivative(model, x, Translate(axis=-1), layers=["0"], relative_to="invariance", n_bootstrap=0)
        assert inv.relative[0] > 0.1

    def test_rotation_uses_a_stated_step_for_grid_sample(self, images):
        res = lie_derivative(_seeded(circular_cnn), images[:20], Rotate(), layers=["0", "4"], n_bootstrap=0,
                             relative_to="invariance")  # fmt: skip
        assert res.step == pytest.approx(1e-3) and np.all(res.relative > 0)

    def test_discrete_action_refused(self, images):
        with pytest.raises(ValueError, match="continuous"):
            lie_derivative(_seeded(mlp), images, Rot90(), layers=["1"])


def _blob_image(n: int = 12) -> torch.Tensor:
    """Two Gaussian blobs off centre: no rotational symmetry, smooth under rotation."""
    yy, xx = np.mgrid[0:n, 0:n] - (n - 1) / 2
    img = np.exp(-((xx - 2.5) ** 2 + (yy - 1.0) ** 2) / 2.0) + 0.6 * np.exp(-((xx + 1.0) ** 2 + (yy + 2.5) ** 2) / 3.0)
    return torch.as_tensor(img)[None, None]


class _MostlyInvariant(nn.Module):
    def __init__(self, eps: float = 0.05):
        super().__init__()
        self.eps = eps
        self.lin = nn.Linear(16, 12)
        self.out = nn.Identity()

    def forward(self, x):
        return self.out(torch.cat([torch.fft.rfft(x).abs(), self.eps * self.lin(x)], 1))


class TestOrbits:
    @pytest.fixture
    def blobs(self):
        img = _blob_image()
        return torch.cat([img, torch.flip(img, dims=(-1,)), 0.5 * torch.rot90(img, 1, dims=(-2, -1))])

    def test_rotation_orbit_keeps_its_loop_through_an_injective_linear_layer(self, blobs):
        model = _seeded(lambda: nn.Sequential(nn.Flatten(), nn.Linear(144, 200), nn.Linear(200, 1)))
        res = orbit_topology(model, blobs, Rotate(), n_steps=48, layers=["input", "1", "2"], n_inputs=3,
                             threshold="gap")  # fmt: skip
        assert res.n_bars["input"].tolist() == [1, 1, 1]  # one significant H1 bar at the input
        assert res.fractions["input"] == {"kept": 1.0, "shrunk": 0.0, "collapsed": 0.0, "torn": 0.0}
        assert res.fractions["1"]["kept"] == 1.0  # injective linear: the loop survives
        assert res.fractions["2"]["torn"] == 1.0  # onto a line: no loop, but a real diameter
        assert np.all(res.diameter["2"] > 0.1)
        assert res.counts["1"] == {"kept": 3, "shrunk": 0, "collapsed": 0, "torn": 0}

    def test_rotation_averaged_model_collapses_quarter_turn_orbits(self, blobs):
        res = orbit_topology(_seeded(lambda: Rot90Averaged(144)), blobs, Rot90(), layers=["copies", "pool"], n_inputs=3,
                             threshold="gap")  # fmt: skip
        assert len(res.params) == 4
        assert np.all(res.diameter["pool"] < 1e-6) and res.fractions["pool"]["collapsed"] == 1.0
        assert np.all(res.diameter["copies"] > 0.1)

    def test_shift_orbits_collapse_after_global_pooling(self, images):
        res = orbit_topology(_seeded(circular_cnn), images, CyclicShift(axis=-1), layers=["0", "4"], n_inputs=4,
                             threshold="gap")  # fmt: skip
        assert np.all(res.diameter["4"] < 1e-6) and res.fractions["4"]["collapsed"] == 1.0
        assert np.all(res.diameter["0"] > 0.1)

    @pytest.mark.slow
    def test_bootstrap_significance_on_a_dense_orbit(self, blobs):
        pytest.importorskip("tda_nn.diagnostics.significance")
        model = _seeded(lambda: nn.Sequential(nn.Flatten(), nn.Linear(144, 200)))
        res = orbit_topology(model, blobs[:2], Rotate(), n_steps=192, layers=["input", "1"], n_inputs=2,
                             threshold="bootstrap")  # fmt: skip
        assert res.threshold == "bootstrap" and res.fractions["input"]["kept"] == 1.0

    def test_mostly_averaged_model_shrinks_its_loops(self):
        """Orbits that keep their loop at 2.6% of their relative input size are "shrunk", not "torn".

        The model puts |FFT| (exactly invariant to Fourier translation; it carries the differences
        between inputs) beside a 0.05-scaled equivariant linear map: what averaging most of a symmetry
        away leaves. Each orbit is a closed curve at every layer; at "out" it is small against the
        layer's scale, the distances between different inputs.
        """
        torch.manual_seed(0)
        model = _MostlyInvariant().double()
        j = torch.arange(16.0, dtype=torch.float64)
        X = torch.stack([a * torch.cos(2 * np.pi * j / 16 + ph) + 0.3 * a * torch.sin(4 * np.pi * j / 16)
                         for a, ph in [(1, 0), (2, 0.3), (3, 1), (4, 2), (5, 0.5), (6, 1.5)]])
        res = orbit_topology(model, X, Translate(), n_steps=48, layers=["input", "lin", "out"], n_inputs=6)
        assert res.threshold == "universal"
        assert res.counts["input"]["kept"] == 6 and res.counts["lin"]["kept"] == 6
        assert res.counts["out"] == {"kept": 0, "shrunk": 6, "collapsed": 0, "torn": 0}
        assert np.all(res.shrink["out"] < 0.05) and np.all(res.shrink["lin"] > 0.5)
        assert np.all(res.pvalue["out"] < 0.01)  # the loop is significant, only smaller
        # the same orbits with a larger shrink factor still count; a stated factor below 2.6% keeps them
        loose = orbit_topology(model, X, Translate(), n_steps=48, layers=["out"], n_inputs=6, shrink_factor=0.02)
        assert loose.counts["out"]["kept"] == 6

    def test_cyclic_shift_invariant_model_collapses_its_orbits(self, images):
        res = orbit_topology(_seeded(circular_cnn), images, CyclicShift(axis=-1), layers=["4"], n_inputs=4)
        assert res.counts["4"] == {"kept": 0, "shrunk": 0, "collapsed": 4, "torn": 0}

    def test_needs_a_closed_action(self, images):
        with pytest.raises(ValueError, match="no period"):
            orbit_topology(_seeded(mlp), images[:, 0, 0], OrthogonalMap(np.eye(8)), layers=["1"], threshold="gap")


class TestContract:
    def test_hooks_removed_and_mode_restored(self, images):
        model = _seeded(circular_cnn).train()
        invariance(model, images[:20], CyclicShift(), layers=["0"], n_bootstrap=0)
        lie_derivative(model, images[:20], Translate(), layers=["0"], n_bootstrap=0)
        assert all(m.training for m in model.modules())
        assert all(not m._forward_hooks and not m._forward_pre_hooks for m in model.modules())

    def test_bad_arguments(self, images):
        model = _seeded(mlp)
        with pytest.raises(TypeError, match="action must be"):
            invariance(model, images, 3, layers=["1"])
        with pytest.raises(ValueError, match="unknown action name"):
            invariance(model, images, "spin", layers=["1"])
        with pytest.raises(ValueError, match="n_samples"):
            invariance(model, images, CyclicShift(), layers=["1"], n_samples=1)
        with pytest.raises(ValueError, match="NaN"):
            invariance(model, images * float("nan"), CyclicShift(), layers=["1"])

    def test_summary_findings_and_figures(self, images):
        matplotlib = pytest.importorskip("matplotlib")
        matplotlib.use("Agg")
        s = symmetry_summary(_seeded(circular_cnn), images[:60], ["shift", Rot90(), "translate"],
                             layers=["input", "0", "2", "4"], n_bootstrap=50, n_inputs=3, threshold="gap")  # fmt: skip
        assert set(s.invariance) == {"shift", "rot90", "translate"} and set(s.orbits) == {"translate"}
        assert s.equivariance["rot90"]["input"] == 0.0  # the action is its own counterpart on the input
        text = " ".join(s.findings())
        assert "invariance to shift" in text and "complete" in text and "from 4 on" in text
        assert "equivariant but not invariant to shift at 0, 2" in text
        fig = s.plot()
        assert len(fig.axes) == 6
        orb = s.orbits["translate"]  # sub-pixel shifts do not commute with the ReLU: no exact collapse here
        assert orb.layers == s.invariance["translate"].layers
        assert all(sum(orb.fractions[k].values()) == pytest.approx(1.0) for k in orb.layers)
        ax = s.invariance["shift"].plot()
        assert len(ax.lines) >= 1
        assert s.as_dict()["invariance"]["shift"]["layers"] == ["input", "0", "2", "4"]
        import json

        assert json.loads(json.dumps(s.as_dict()))["findings"] == s.findings()
        import matplotlib.pyplot as plt

        plt.close("all")

"""Group actions: exact ones equal their torch primitives, group laws hold, errors are clear."""

from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from tda_nn.nn.actions import Action, CyclicShift, Flip, OrthogonalMap, Permute, Rot90, Rotate, Translate  # noqa: E402


@pytest.fixture
def images():
    return torch.randn(5, 2, 8, 8, generator=torch.Generator().manual_seed(0), dtype=torch.float64)


class TestCyclicShift:
    def test_equals_roll_and_closes(self, images):
        a = CyclicShift(axis=-1)
        assert torch.equal(a.apply(images, 3), torch.roll(images, 3, dims=3))
        assert torch.equal(a.apply(images, 8), images)
        assert a.exact and a.period(tuple(images.shape)) == 8
        assert a.params(tuple(images.shape)).tolist() == list(range(1, 8))

    def test_per_sample_parameters(self, images):
        t = torch.tensor([0.0, 1, 2, 3, 1])
        out = CyclicShift(axis=-2).apply(images, t)
        for i in range(5):
            assert torch.equal(out[i], torch.roll(images[i], int(t[i]), dims=1))

    def test_sub_pixel_refused(self, images):
        with pytest.raises(ValueError, match="Translate"):
            CyclicShift().apply(images, 0.5)

    def test_t_shape_checked(self, images):
        with pytest.raises(ValueError, match="one value per sample"):
            CyclicShift().apply(images, np.zeros(3))


class TestTranslate:
    def test_whole_shifts_equal_roll(self, images):
        a = Translate(axis=-1)
        assert torch.allclose(a.apply(images, 2.0), torch.roll(images, 2, dims=3), atol=1e-12)
        assert torch.allclose(a.apply(images, 8.0), images, atol=1e-12)
        assert not a.exact and a.continuous

    def test_group_law_without_nyquist(self):
        # odd length: no Nyquist bin, so sub-pixel shifts compose exactly
        x = torch.randn(4, 9, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
        a = Translate(axis=-1)
        assert torch.allclose(a.apply(a.apply(x, 0.3), 0.45), a.apply(x, 0.75), atol=1e-12)

    def test_band_limited_signal_shifts_exactly(self):
        n, k = 16, 3
        grid = torch.arange(n, dtype=torch.float64)
        x = torch.cos(2 * math.pi * k * grid / n)[None]
        want = torch.cos(2 * math.pi * k * (grid - 0.37) / n)[None]
        assert torch.allclose(Translate(axis=-1).apply(x, 0.37), want, atol=1e-12)


class TestRotate:
    def test_interpolation_error_at_zero_reported(self, images):
        a = Rotate()
        assert a.interpolation_error(images) == pytest.approx(0.0, abs=1e-12)
        assert not a.exact and a.period(tuple(images.shape)) == pytest.approx(2 * math.pi)

    def test_quarter_turn_matches_rot90(self, images):
        assert torch.allclose(Rotate().apply(images, math.pi / 2), torch.rot90(images, 1, dims=(2, 3)), atol=1e-12)

    def test_per_sample_angles(self, images):
        t = np.array([0.1, 0.7, 2.0, -1.0, 3.0])
        out = Rotate().apply(images, t)
        for i in range(5):
            assert torch.allclose(out[i : i + 1], Rotate().apply(images[i : i + 1], t[i]), atol=1e-12)

    def test_not_exact_off_grid(self, images):
        once = Rotate().apply(Rotate().apply(images, 0.3), -0.3)
        assert (once - images).abs().max() > 1e-3  # bilinear resampling loses detail


class TestExactFinite:
    def test_rot90_group(self, images):
        r = Rot90()
        assert torch.equal(r.apply(r.apply(images, 1), 3), images)
        assert torch.equal(r.apply(images, 2), torch.rot90(images, 2, dims=(2, 3)))
        assert r.exact and r.period(tuple(images.shape)) == 4

    def test_flip_is_an_involution(self, images):
        f = Flip(axis=-2)
        assert torch.equal(f.apply(f.apply(images, 1), 1), images)
        assert torch.equal(f.apply(images, 1), torch.flip(images, dims=(2,)))
        assert torch.equal(f.apply(images, 0), images)

    def test_flip_counterpart_on_strided_feature_map(self):
        y = torch.randn(5, 3, 4, 4)
        assert torch.equal(Flip(axis=-1).counterpart(y, 1.0, (5, 1, 8, 8)), torch.flip(y, dims=(3,)))
        assert Flip(axis=-1).counterpart(torch.randn(5, 6), 1.0, (5, 1, 8, 8)) is None

    def test_permute_tokens_and_counterpart(self):
        x = torch.randn(3, 5, 4)
        p = Permute(axis=1, perms=[[4, 3, 2, 1, 0], [1, 0, 2, 3, 4]])
        assert torch.equal(p.apply(x, 0), x.flip(1))
        assert torch.equal(p.apply(x, 1)[:, 0], x[:, 1])
        y = torch.randn(3, 5, 7)
        assert torch.equal(p.counterpart(y, 0.0, tuple(x.shape)), y.flip(1))
        assert p.counterpart(torch.randn(3, 7), 0.0, tuple(x.shape)) is None
        with pytest.raises(ValueError, match="permutations"):
            Permute(perms=[[0, 0, 1]])

    def test_orthogonal_map(self):
        Q = np.linalg.qr(np.random.default_rng(0).normal(size=(6, 6)))[0]
        x = torch.randn(4, 6, dtype=torch.float64)
        y = OrthogonalMap(Q).apply(x, 0)
        assert torch.allclose(y.norm(dim=1), x.norm(dim=1), atol=1e-12)
        assert torch.allclose(y, x @ torch.as_tensor(Q).T)
        with pytest.raises(ValueError, match="not orthogonal"):
            OrthogonalMap(np.ones((3, 3)))


class TestUserAction:
    def test_callable_and_counterpart(self, images):
        a = Action(lambda x, t: x * (1 + t), params=[0.5, 1.0], period=None, name="scale",
                   counterpart=lambda y, t, shape: y)  # fmt: skip
        assert torch.allclose(a.apply(images, 1.0), 2 * images)
        assert a.params(tuple(images.shape)).tolist() == [0.5, 1.0]
        assert a.period(tuple(images.shape)) is None and not a.exact
        assert a.counterpart(images, 1.0, tuple(images.shape)) is images

    def test_bad_callable(self):
        with pytest.raises(TypeError, match="callable"):
            Action(3, params=[1.0])
        with pytest.raises(ValueError, match="at least one"):
            Action(lambda x, t: x, params=[])

    def test_non_tensor_input(self):
        with pytest.raises(TypeError, match="torch.Tensor"):
            Rotate().apply(np.zeros((2, 1, 4, 4)), 0.1)

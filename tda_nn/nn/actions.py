"""Group actions on batches of inputs, and their counterparts on layer outputs.

One class per action. Each acts on a batch tensor ``x`` of shape ``(B, ...)``
through ``apply(x, t)``, where ``t`` is one parameter value or one per sample
(shape ``(B,)``), and knows:

- ``exact``: whether every parameter in ``params`` maps the input grid to itself
  without interpolation (cyclic shifts, rot90, flips, permutations, orthogonal maps);
- ``period(shape)``: the parameter period of a closed one-parameter action (its
  orbits are closed curves), ``None`` otherwise;
- ``continuous``: whether ``t`` varies continuously (and ``apply`` is differentiable
  in ``t``), as the Lie derivative needs;
- ``counterpart(y, t, in_shape)``: the same group element acting on a layer
  output ``y`` (spatial axes of feature maps, token axes of sequences), or ``None``
  where the action has none on that shape.

=================  ===========================================  =======  ==============
class              acts on                                      exact    closed (period)
=================  ===========================================  =======  ==============
``CyclicShift``    one axis, by whole steps (``torch.roll``)    yes      axis length
``Translate``      one axis, sub-pixel (Fourier shift)          no       axis length
``Rotate``         last two axes, any angle (``grid_sample``)   no       2 pi
``Rot90``          last two axes, quarter turns                 yes      4
``Flip``           one axis                                     yes      2
``Permute``        one axis (tokens, set elements)              yes      no
``OrthogonalMap``  last axis (features), ``x @ Q.T``            yes      no
``Action``         any user callable ``fn(x, t)``               given    given
=================  ===========================================  =======  ==============
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..validation import check_int, check_real
from ._action_base import _as_params, _axis, _Base, _check_tensor, _is_dual
from .feature_actions import Action, OrthogonalMap, Permute


def _seq(value: Any, name: str) -> Sequence[Any]:
    """A sequence of parameter values (a bare string or number is refused by name)."""
    if isinstance(value, (str, bytes)) or not isinstance(value, (Sequence, np.ndarray)):
        raise TypeError(f"{name} must be a sequence of numbers, got {type(value).__name__} {value!r}.")
    return value

__all__ = ["Action", "CyclicShift", "Flip", "OrthogonalMap", "Permute", "Rot90", "Rotate", "Translate"]

class CyclicShift(_Base):
    """Cyclic translation by whole steps along ``axis`` (``torch.roll``); exact, period = axis length.

    Parameters
    ----------
    axis : int, default=-1
        The axis shifted (not the batch axis).
    shifts : sequence of int, optional
        Parameters used by :func:`invariance`; default every non-zero shift.

    Examples
    --------
    >>> import torch
    >>> CyclicShift(axis=-1).apply(torch.arange(4.).reshape(1, 4), 1)
    tensor([[3., 0., 1., 2.]])
    """

    exact = True
    name = "cyclic shift"

    def __init__(self, axis: int = -1, shifts: Sequence[int] | None = None):
        self.axis = check_int(axis, name="axis")
        self.shifts = None if shifts is None else tuple(check_int(s, name="shifts[i]") for s in _seq(shifts, "shifts"))

    def __repr__(self) -> str:
        return f"CyclicShift(axis={self.axis}, shifts={self.shifts})"

    def period(self, shape: tuple[int, ...]) -> float:
        return float(shape[_axis(self.axis, len(shape))])

    def params(self, shape: tuple[int, ...]) -> np.ndarray:
        n = int(self.period(shape))
        return np.asarray(self.shifts if self.shifts is not None else range(1, n), dtype=np.float64)

    def _one(self, x: Any, t: float) -> Any:
        import torch

        if float(t) != round(float(t)):
            raise ValueError(f"CyclicShift moves by whole steps, got t={t}; use Translate for sub-pixel shifts.")
        return torch.roll(x, int(round(float(t))), dims=_axis(self.axis, x.ndim))

    def counterpart(self, y: Any, t: Any, in_shape: tuple[int, ...]) -> Any:
        return _shift_counterpart(self, y, t, in_shape, whole=True)


def _shift_counterpart(act: Any, y: Any, t: Any, in_shape: tuple[int, ...], *, whole: bool) -> Any:
    """A shift by ``t`` of ``n`` input steps is a shift by ``t * m / n`` on an axis of ``m`` steps (a stride)."""
    a = _axis(act.axis, len(in_shape))
    if y.ndim != len(in_shape):
        return None
    n, m = in_shape[a], y.shape[a]
    if m == 1:
        return y.clone()  # the axis was pooled away: every shift acts as the identity
    if n % m:
        return None
    if _is_dual(t) or getattr(t, "requires_grad", False):
        return type(act)(axis=a).apply(y, t * (m / n))  # the differentiable path of the Lie derivative
    ts = _as_params(t, int(y.shape[0])) * (m / n)
    if whole and bool(((ts - ts.round()).abs() > 1e-9).any()):
        return None  # a shift that is not a whole number of output steps has no exact counterpart
    return type(act)(axis=a).apply(y, ts)


class Translate(_Base):
    """Sub-pixel cyclic translation along ``axis`` by a Fourier (band-limited) shift.

    ``apply(x, t)`` is ``irfft(rfft(x) * exp(-2 pi i k t / n))`` along the axis: at whole
    ``t`` it equals ``torch.roll``; between grid points it interpolates the signal with
    its trigonometric polynomial. Closed with period ``n``; differentiable in ``t``.
    For even ``n`` the Nyquist coefficient of a real signal can only be scaled (by
    ``cos(pi t)``), so sub-pixel shifts compose exactly (``T(a) T(b) = T(a + b)``) only
    for signals without it (odd ``n``, or band-limited below ``n / 2``).

    Parameters
    ----------
    axis : int, default=-1
    shifts : sequence of float, default=(-1.5, -0.5, 0.5, 1.5)
        Parameters used by :func:`invariance`.
    """

    continuous = True
    name = "translation"

    def __init__(self, axis: int = -1, shifts: Sequence[float] = (-1.5, -0.5, 0.5, 1.5)):
        self.axis = check_int(axis, name="axis")
        self.shifts = tuple(check_real(s, name="shifts[i]") for s in _seq(shifts, "shifts"))

    def __repr__(self) -> str:
        return f"Translate(axis={self.axis}, shifts={self.shifts})"

    def period(self, shape: tuple[int, ...]) -> float:
        return float(shape[_axis(self.axis, len(shape))])

    def params(self, shape: tuple[int, ...]) -> np.ndarray:  # noqa: ARG002
        return np.asarray(self.shifts, dtype=np.float64)

    def _one(self, x: Any, t: Any) -> Any:
        import torch

        a = _axis(self.axis, x.ndim)
        n = x.shape[a]
        k = torch.arange(n // 2 + 1, device=x.device, dtype=torch.float64 if x.dtype == torch.float64 else torch.float32)
        shape = [1] * x.ndim
        shape[a] = len(k)
        phase = -2 * math.pi * k.reshape(shape) / n
        if isinstance(t, torch.Tensor):
            t = t.to(device=x.device, dtype=k.dtype)
        ang = phase * t
        spec = torch.fft.rfft(x, dim=a)
        return torch.fft.irfft(spec * torch.complex(torch.cos(ang), torch.sin(ang)), n=n, dim=a)

    def counterpart(self, y: Any, t: Any, in_shape: tuple[int, ...]) -> Any:
        return _shift_counterpart(self, y, t, in_shape, whole=False)


class Rotate(_Base):
    """Rotation of the last two axes (images ``(B, C, H, W)``) by any angle, with ``grid_sample``.

    Bilinear interpolation about the image centre, zeros outside. Not exact on the grid:
    :meth:`interpolation_error` reports the change at angle 0 (the resampling alone).
    Closed with period ``2 pi``; differentiable in the angle.

    Parameters
    ----------
    angles : sequence of float, default=multiples of pi/6 (30 degrees) except 0
        Angles in radians used by :func:`invariance`.
    mode : {'bilinear', 'nearest', 'bicubic'}, default='bilinear'
    """

    continuous = True
    name = "rotation"

    def __init__(self, angles: Sequence[float] | None = None, mode: str = "bilinear"):
        self.angles = None if angles is None else tuple(check_real(a, name="angles[i]") for a in _seq(angles, "angles"))
        if mode not in ("bilinear", "nearest", "bicubic"):
            raise ValueError(f"mode must be 'bilinear', 'nearest' or 'bicubic', got {mode!r}.")
        self.mode = mode

    def __repr__(self) -> str:
        return f"Rotate(angles={self.angles}, mode={self.mode!r})"

    def period(self, shape: tuple[int, ...]) -> float:  # noqa: ARG002
        return 2 * math.pi

    def params(self, shape: tuple[int, ...]) -> np.ndarray:  # noqa: ARG002
        return np.asarray(self.angles if self.angles is not None else [k * math.pi / 6 for k in range(1, 12)])

    def _one(self, x: Any, t: Any) -> Any:
        return self._rotate(x, t)

    def apply(self, x: Any, t: Any) -> Any:
        import torch

        if isinstance(t, torch.Tensor) and t.requires_grad or _is_dual(t):
            return self._rotate(x, t)
        return self._rotate(x, _as_params(t, int(x.shape[0])))

    def _rotate(self, x: Any, t: Any) -> Any:
        import torch
        import torch.nn.functional as F

        _check_tensor(x, 3, "Rotate (it turns the last two axes)")
        lead = x.shape[:-2]
        img = x.reshape(x.shape[0], -1, *x.shape[-2:])
        B, _, H, W = img.shape
        dt = x.dtype
        t = torch.as_tensor(t, dtype=dt, device=x.device) if not isinstance(t, torch.Tensor) else t.to(x.device, dt)
        c, s = torch.cos(t), torch.sin(t)
        if c.ndim == 0:
            c, s = c.expand(B), s.expand(B)
        # grid_sample's grid is in [-1, 1] per axis; rotate in pixel units so non-square images turn rigidly
        zero = torch.zeros_like(c)
        theta = torch.stack([torch.stack([c, -s * H / W, zero], -1), torch.stack([s * W / H, c, zero], -1)], 1)
        grid = F.affine_grid(theta, list(img.shape), align_corners=False)
        return F.grid_sample(img, grid, mode=self.mode, padding_mode="zeros", align_corners=False).reshape(*lead, H, W)

    def interpolation_error(self, x: Any) -> float:
        """``max |apply(x, 0) - x| / max |x|``: what resampling alone changes (0 for an exact action)."""
        import torch

        with torch.no_grad():
            return float((self.apply(x, 0.0) - x).abs().max() / x.abs().max().clamp_min(1e-300))


class Rot90(_Base):
    """Quarter turns of the last two axes (``torch.rot90``); exact, period 4.

    Parameters
    ----------
    k : sequence of int, default=(1, 2, 3)
        Numbers of quarter turns used by :func:`invariance`.
    """

    exact = True
    name = "rot90"

    def __init__(self, k: Sequence[int] = (1, 2, 3)):
        self.k = tuple(check_int(i, name="k[i]") for i in _seq(k, "k"))

    def __repr__(self) -> str:
        return f"Rot90(k={self.k})"

    def period(self, shape: tuple[int, ...]) -> float:  # noqa: ARG002
        return 4.0

    def params(self, shape: tuple[int, ...]) -> np.ndarray:  # noqa: ARG002
        return np.asarray(self.k, dtype=np.float64)

    def _one(self, x: Any, t: float) -> Any:
        import torch

        _check_tensor(x, 3, "Rot90 (it turns the last two axes)")
        return torch.rot90(x, int(round(float(t))) % 4, dims=(-2, -1))

    def counterpart(self, y: Any, t: Any, in_shape: tuple[int, ...]) -> Any:
        if y.ndim != len(in_shape) or y.ndim < 3 or y.shape[-1] != y.shape[-2]:
            return None
        return self.apply(y, t)


class Flip(_Base):
    """Reflection of one axis (``torch.flip``); exact, period 2 (``t`` = 1 flips, 0 does not).

    Parameters
    ----------
    axis : int, default=-1
    """

    exact = True
    name = "flip"

    def __init__(self, axis: int = -1):
        self.axis = check_int(axis, name="axis")

    def __repr__(self) -> str:
        return f"Flip(axis={self.axis})"

    def period(self, shape: tuple[int, ...]) -> float:  # noqa: ARG002
        return 2.0

    def params(self, shape: tuple[int, ...]) -> np.ndarray:  # noqa: ARG002
        return np.asarray([1.0])

    def _one(self, x: Any, t: float) -> Any:
        import torch

        return torch.flip(x, dims=(_axis(self.axis, x.ndim),)) if int(round(float(t))) % 2 else x.clone()

    def counterpart(self, y: Any, t: Any, in_shape: tuple[int, ...]) -> Any:
        a = _axis(self.axis, len(in_shape))
        spatial = len(in_shape) >= 4 and a >= 2  # (B, C, *spatial): a strided map still has the axis
        if y.ndim != len(in_shape) or not (spatial or y.shape[a] == in_shape[a]):
            return None
        return Flip(axis=a).apply(y, t)

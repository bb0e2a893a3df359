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
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

__all__ = ["Action", "CyclicShift", "Flip", "OrthogonalMap", "Permute", "Rot90", "Rotate", "Translate"]


def _as_params(t: Any, n: int) -> Any:
    """``t`` as a float64 CPU tensor of shape (n,) (a scalar is repeated)."""
    import torch

    if isinstance(t, torch.Tensor):
        t = t.detach().cpu().double()
    else:
        t = torch.as_tensor(np.asarray(t, dtype=np.float64))
    if t.ndim == 0:
        return t.expand(n)
    if t.shape != (n,):
        raise ValueError(f"t must be a scalar or have one value per sample, shape ({n},); got shape {tuple(t.shape)}.")
    return t


def _check_tensor(x: Any, min_ndim: int, what: str) -> Any:
    import torch

    if not isinstance(x, torch.Tensor):
        raise TypeError(f"x must be a torch.Tensor of shape (B, ...), got {type(x).__name__}; convert with torch.as_tensor.")
    if x.ndim < min_ndim:
        raise ValueError(f"x must have at least {min_ndim} axes for {what}, got shape {tuple(x.shape)}.")
    return x


def _axis(axis: int, ndim: int, name: str = "axis") -> int:
    a = axis + ndim if axis < 0 else axis
    if not 1 <= a < ndim:
        raise ValueError(f"{name}={axis} must name a non-batch axis of a tensor with {ndim} axes (1..{ndim - 1} or negative).")
    return a


class _Base:
    """Shared machinery: per-sample parameters by grouping equal values."""

    exact: bool = False
    continuous: bool = False
    name: str = "action"

    def period(self, shape: tuple[int, ...]) -> float | None:  # noqa: ARG002
        return None

    def params(self, shape: tuple[int, ...]) -> np.ndarray:  # noqa: ARG002
        raise NotImplementedError

    def _one(self, x: Any, t: float) -> Any:
        raise NotImplementedError

    def apply(self, x: Any, t: Any) -> Any:
        """Act on a batch ``x`` of shape (B, ...) with ``t`` (scalar, or shape (B,)); returns a new tensor."""
        import torch

        if isinstance(t, torch.Tensor) and t.requires_grad or _is_dual(t):
            return self._one(x, t)  # differentiable path: one parameter for the batch
        ts = _as_params(t, int(x.shape[0]))
        values = torch.unique(ts)
        if len(values) == 1:
            return self._one(x, float(values[0]))
        out = torch.empty_like(x)
        for v in values:
            idx = (ts == v).nonzero().flatten().to(x.device)
            out[idx] = self._one(x[idx], float(v))
        return out

    def counterpart(self, y: Any, t: Any, in_shape: tuple[int, ...]) -> Any:  # noqa: ARG002
        """The same element on a layer output ``y``; ``None`` where there is none."""
        return None

    def __call__(self, x: Any, t: Any) -> Any:
        return self.apply(x, t)


def _is_dual(t: Any) -> bool:
    try:
        import torch.autograd.forward_ad as fwAD

        return fwAD.unpack_dual(t).tangent is not None
    except (TypeError, RuntimeError, AttributeError):
        return False


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
        self.axis = int(axis)
        self.shifts = None if shifts is None else tuple(int(s) for s in shifts)

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

    Parameters
    ----------
    axis : int, default=-1
    shifts : sequence of float, default=(-1.5, -0.5, 0.5, 1.5)
        Parameters used by :func:`invariance`.
    """

    continuous = True
    name = "translation"

    def __init__(self, axis: int = -1, shifts: Sequence[float] = (-1.5, -0.5, 0.5, 1.5)):
        self.axis = int(axis)
        self.shifts = tuple(float(s) for s in shifts)

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
        self.angles = None if angles is None else tuple(float(a) for a in angles)
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
        self.k = tuple(int(i) for i in k)

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
        self.axis = int(axis)

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


class Permute(_Base):
    """Permutations of one axis: tokens of a sequence ``(B, T, D)`` or elements of a set.

    Parameters
    ----------
    axis : int, default=1
    perms : sequence of permutations, optional
        Explicit permutations (each a sequence of indices). Default: ``n_perms``
        random permutations, drawn with ``seed`` when the axis length is first seen.
    n_perms : int, default=8
    seed : int, default=0

    ``t`` is the index of a permutation in ``perms``; the counterpart permutes the
    same axis of any layer output that keeps its length there (tokens stay tokens).
    """

    exact = True
    name = "permutation"

    def __init__(self, axis: int = 1, perms: Sequence[Sequence[int]] | None = None, n_perms: int = 8, seed: int = 0):
        self.axis = int(axis)
        self.perms = None if perms is None else [np.asarray(p, dtype=np.int64) for p in perms]
        self.n_perms = int(n_perms)
        self.seed = seed
        if self.perms is not None:
            for p in self.perms:
                if sorted(p.tolist()) != list(range(len(p))):
                    raise ValueError(f"perms must hold permutations of 0..n-1, got {p.tolist()}.")

    def __repr__(self) -> str:
        n = len(self.perms) if self.perms is not None else self.n_perms
        return f"Permute(axis={self.axis}, {n} permutations)"

    def _perms(self, n: int) -> list[np.ndarray]:
        if self.perms is None:
            rng = np.random.default_rng(self.seed)
            self.perms = [rng.permutation(n) for _ in range(self.n_perms)]
        if any(len(p) != n for p in self.perms):
            raise ValueError(f"Permute(axis={self.axis}): the permutations have length {len(self.perms[0])}, "
                             f"the axis has {n} entries.")  # fmt: skip
        return self.perms

    def params(self, shape: tuple[int, ...]) -> np.ndarray:
        return np.arange(len(self._perms(shape[_axis(self.axis, len(shape))])), dtype=np.float64)

    def _one(self, x: Any, t: float) -> Any:
        import torch

        a = _axis(self.axis, x.ndim)
        p = self._perms(x.shape[a])[int(round(float(t)))]
        return torch.index_select(x, a, torch.as_tensor(p, device=x.device))

    def counterpart(self, y: Any, t: Any, in_shape: tuple[int, ...]) -> Any:
        a = _axis(self.axis, len(in_shape))
        if y.ndim <= a or y.shape[a] != in_shape[a]:
            return None
        return Permute(axis=a, perms=self.perms).apply(y, t)


class OrthogonalMap(_Base):
    """Orthogonal maps of the feature (last) axis: ``x @ Q.T``; ``t`` indexes ``Q``.

    Parameters
    ----------
    Q : ndarray of shape (d, d) or (k, d, d)
        One or several orthogonal matrices (checked to ``atol``).
    atol : float, default=1e-6
    """

    exact = True
    name = "orthogonal map"

    def __init__(self, Q: Any, atol: float = 1e-6):
        Q = np.asarray(Q, dtype=np.float64)
        Q = Q[None] if Q.ndim == 2 else Q
        if Q.ndim != 3 or Q.shape[1] != Q.shape[2]:
            raise ValueError(f"Q must have shape (d, d) or (k, d, d), got {Q.shape}.")
        eye = np.eye(Q.shape[1])
        for i, q in enumerate(Q):
            if not np.allclose(q @ q.T, eye, atol=atol):
                raise ValueError(f"Q[{i}] is not orthogonal (max |Q Q^T - I| = {np.abs(q @ q.T - eye).max():.3g}); "
                                 "orthonormalise it, e.g. with np.linalg.qr.")  # fmt: skip
        self.Q = Q

    def __repr__(self) -> str:
        return f"OrthogonalMap({len(self.Q)} of {self.Q.shape[1]}x{self.Q.shape[1]})"

    def params(self, shape: tuple[int, ...]) -> np.ndarray:
        if shape[-1] != self.Q.shape[1]:
            raise ValueError(f"OrthogonalMap acts on {self.Q.shape[1]} features, the input has {shape[-1]} on its last axis.")
        return np.arange(len(self.Q), dtype=np.float64)

    def _one(self, x: Any, t: float) -> Any:
        import torch

        q = torch.as_tensor(self.Q[int(round(float(t)))], dtype=x.dtype, device=x.device)
        return x @ q.T


class Action(_Base):
    """Any user callable ``fn(x, t) -> x'`` on a batch, with its parameter values.

    Parameters
    ----------
    fn : callable
        ``fn(x, t)`` with ``x`` a batch ``(B, ...)`` and ``t`` a float (or a 0-d tensor
        for the Lie derivative); returns a tensor of the same shape.
    params : sequence of float
        Parameter values used by :func:`invariance`.
    exact : bool, default=False
        Whether ``fn`` maps the input grid to itself without interpolation.
    period : float, optional
        Parameter period when the action is closed (``fn(x, period) == x``).
    continuous : bool, default=False
        Whether ``t`` varies continuously and ``fn`` is differentiable in it.
    counterpart : callable, optional
        ``counterpart(y, t, in_shape)``: the element on a layer output, or ``None``.
    name : str, default='action'
    """

    def __init__(self, fn: Callable[[Any, Any], Any], params: Sequence[float], *, exact: bool = False,
                 period: float | None = None, continuous: bool = False,
                 counterpart: Callable[[Any, Any, tuple[int, ...]], Any] | None = None, name: str = "action"):  # fmt: skip
        if not callable(fn):
            raise TypeError(f"fn must be a callable fn(x, t), got {type(fn).__name__}.")
        self.fn = fn
        self._params = np.asarray(params, dtype=np.float64).reshape(-1)
        if self._params.size == 0:
            raise ValueError("params must hold at least one parameter value, got none.")
        self.exact, self._period, self.continuous, self._counterpart, self.name = (
            bool(exact), period, bool(continuous), counterpart, name)  # fmt: skip

    def __repr__(self) -> str:
        return f"Action({self.name!r}, {self._params.size} params, exact={self.exact}, period={self._period})"

    def period(self, shape: tuple[int, ...]) -> float | None:  # noqa: ARG002
        return None if self._period is None else float(self._period)

    def params(self, shape: tuple[int, ...]) -> np.ndarray:  # noqa: ARG002
        return self._params

    def _one(self, x: Any, t: Any) -> Any:
        return self.fn(x, t)

    def counterpart(self, y: Any, t: Any, in_shape: tuple[int, ...]) -> Any:
        return None if self._counterpart is None else self._counterpart(y, t, in_shape)

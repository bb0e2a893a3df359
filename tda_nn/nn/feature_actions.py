"""Actions on tokens, set elements and features, and on any user callable (see :mod:`tda_nn.nn.actions`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..validation import as_numpy, check_int
from ._action_base import _axis, _Base

__all__ = ["Action", "OrthogonalMap", "Permute"]


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
        self.axis = check_int(axis, name="axis")
        self.perms = None if perms is None else [np.asarray(p, dtype=np.int64) for p in perms]
        self.n_perms = check_int(n_perms, name="n_perms", min_value=1)
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
        Q = as_numpy(Q, name="Q").astype(np.float64)
        if not np.isfinite(Q).all():
            raise ValueError("Q contains NaN or infinite values; an orthogonal map needs finite entries.")
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

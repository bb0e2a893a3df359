"""The shared machinery of the actions: parameters per sample, axes, forward-mode duals."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__: list[str] = []


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

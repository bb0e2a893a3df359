"""The Lie derivative of every layer along a continuous one-parameter action.

Gruver, Finzi, Goldblum, Wilson (ICLR 2023), "The Lie derivative for measuring learned
equivariance": ``L f(x) = d/dt [rho(g_t)^-1 f(g_t x)]`` at ``t = 0``, which equals
``J_f(x) v - d rho(X) f(x)`` with ``v = d/dt g_t x`` at 0. It is 0 for every ``x``
exactly when ``f`` is equivariant to the one-parameter group (near the identity).
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from ..validation import check_real
from . import _symcore as core

__all__ = ["LieDerivative", "lie_derivative"]


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """torch's first forward-mode call warns about its own torch.jit.script internals; not ours to act on."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*torch\.jit\.script.*", category=DeprecationWarning)
        yield


@dataclass(frozen=True, repr=False)
class LieDerivative:
    """Per-layer norm of the Lie derivative at ``t = 0``.

    Attributes
    ----------
    layers : tuple of str
    norm : ndarray of shape (n_layers,)
        ``E||L f(x)||`` per unit of the action's parameter.
    relative : ndarray of shape (n_layers,)
        ``norm / E||f(x) - f(x')||``.
    interval : ndarray of shape (n_layers, 2)
        Bootstrap interval of ``relative``.
    values : dict of str to ndarray of shape (n_samples, ...)
        The Lie derivative of every sample at every layer.
    method : str
        ``'autograd'`` (forward-mode JVP through the model) or ``'finite'``.
    step : float
        Finite-difference step (of the action alone for ``'autograd'`` when it has no
        forward-mode derivative, of action and model for ``'finite'``); 0 when none was used.
    counterpart : tuple of bool
        Per layer, whether the counterpart's derivative was subtracted (else invariance).
    """

    action: str
    layers: tuple[str, ...]
    norm: np.ndarray
    relative: np.ndarray
    interval: np.ndarray
    values: dict[str, np.ndarray] = field(repr=False)
    method: str = "autograd"
    step: float = 0.0
    counterpart: tuple[bool, ...] = ()

    def __repr__(self) -> str:
        body = ", ".join(f"{n}={e:.3g}" for n, e in zip(self.layers, self.relative))
        return f"LieDerivative({self.action}, {self.method}: relative {body})"

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        from ..plotting.symmetry import plot_symmetry_profile

        return plot_symmetry_profile(self, ax=ax, **kwargs)


def _action_tangent(action: Any, x: Any, step: float) -> tuple[Any, float]:
    """``d/dt g_t x`` at 0: forward-mode AD through the action, else a central difference of the action alone."""
    import torch
    import torch.autograd.forward_ad as fwAD

    try:
        with _quiet(), fwAD.dual_level():
            t = fwAD.make_dual(torch.zeros((), dtype=x.dtype, device=x.device), torch.ones((), dtype=x.dtype, device=x.device))
            tan = fwAD.unpack_dual(action.apply(x, t)).tangent
        if tan is not None:
            return tan, 0.0
    except (NotImplementedError, RuntimeError):
        pass
    # piecewise-linear interpolation (bilinear grid_sample) has a kink at t = 0; the central
    # difference of the action alone is then exact for small steps: the mean of both one-sided slopes
    xd = x.double()
    with torch.no_grad():
        tan = (action.apply(xd, step) - action.apply(xd, -step)) / (2 * step)
    return tan.to(x.dtype), step


def _rho_tangent(action: Any, y: Any, in_shape: tuple[int, ...], step: float) -> Any:
    """``d/dt rho(g_t) y`` at 0, or None where the action has no counterpart on ``y``."""
    import torch

    with torch.no_grad():
        if action.counterpart(y[:1], 0.0, in_shape) is None:
            return None
    tan, _ = _action_tangent(_Counterpart(action, in_shape), y, step)
    return tan


class _Counterpart:
    def __init__(self, action: Any, in_shape: tuple[int, ...]):
        self.action, self.in_shape = action, in_shape

    def apply(self, y: Any, t: Any) -> Any:
        import torch

        if isinstance(t, (float, int)):
            t = torch.tensor(float(t))
        return self.action.counterpart(y, t, self.in_shape)


def lie_derivative(model: Any, X: Any, action: Any, *, layers: Any = None, n_samples: int | None = 256,
                   method: Literal["autograd", "finite"] = "autograd", step: float = 1e-3,
                   relative_to: Literal["counterpart", "invariance"] = "counterpart", n_bootstrap: int = 200,
                   level: float = 0.95, batch_size: int = 256, seed: int | None = 0) -> LieDerivative:  # fmt: skip
    """Per-layer Lie derivative ``d/dt [rho(g_t)^-1 f(g_t x)]`` at ``t = 0`` (Gruver et al., ICLR 2023).

    Equals ``J_f(x) v - d rho(X) f(x)`` with ``v = d/dt g_t x`` at 0 and ``d rho(X)`` the
    counterpart's generator on the layer (omitted where the action has none there, or
    with ``relative_to='invariance'``: then it is ``d/dt f(g_t x)``).

    Parameters
    ----------
    model, X, layers, n_samples, n_bootstrap, level, batch_size, seed
        As in :func:`invariance`.
    action : continuous action (``Translate``, ``Rotate``, ``Action(..., continuous=True)``)
    method : {'autograd', 'finite'}, default='autograd'
        ``'autograd'``: ``v`` by forward-mode AD through the action (or, where the
        action has none, e.g. ``grid_sample``, a central difference of the action
        alone in float64 with ``step``), then a forward-mode JVP through the model,
        read at each layer by forward hooks. ``'finite'``: central difference
        ``(f(g_h x) - f(g_-h x)) / 2h`` of the captured layers, ``h = step``.
    step : float, default=1e-3
    relative_to : {'counterpart', 'invariance'}, default='counterpart'

    Returns
    -------
    LieDerivative
        ``.relative[i]`` for ``.layers[i]``; ``.values[layer]`` per sample.

    Examples
    --------
    >>> import torch
    >>> from tda_nn.nn.actions import Translate
    >>> conv = torch.nn.Sequential(torch.nn.Conv1d(1, 2, 3, padding=1, padding_mode="circular")).double()
    >>> res = lie_derivative(conv, torch.randn(20, 1, 9, dtype=torch.float64), Translate(), layers=["0"], n_bootstrap=0)
    >>> bool(res.relative[0] < 1e-10)  # a circular convolution commutes with translations
    True
    """
    import torch

    if not getattr(action, "continuous", False):
        raise ValueError(f"lie_derivative needs a continuous action (Translate, Rotate, Action(continuous=True)); "
                         f"{action!r} is discrete: use equivariance() instead.")  # fmt: skip
    if method not in ("autograd", "finite"):
        raise ValueError(f"method must be 'autograd' or 'finite', got {method!r}.")
    if relative_to not in ("counterpart", "invariance"):
        raise ValueError(f"relative_to must be 'counterpart' or 'invariance', got {relative_to!r}.")
    step = check_real(step, name="step", min_value=0.0, strict=True)
    X, _ = core.prepare(model, X, action, n_samples, seed, n_bootstrap, level, batch_size)
    base = core.capture_full(model, X, layers, batch_size=batch_size)
    names = list(base.layers)
    if method == "finite":
        n = len(X)
        plus = core.capture_full(model, X, names, batch_size=batch_size, action=action, t=np.full(n, step))
        minus = core.capture_full(model, X, names, batch_size=batch_size, action=action, t=np.full(n, -step))
        d = {k: (plus[k].astype(np.float64) - minus[k]) / (2 * step) for k in names}
        used = step
    else:
        d, used = _jvp_layers(model, X, action, names, batch_size, step)
    in_shape = tuple(X.shape)
    pair = core.partner(len(X), seed)
    weights = core.bootstrap_weights(len(X), n_bootstrap, seed)
    norms, rels, ints, sub = [], [], [], []
    for k in names:
        val, rt = d[k], None
        if relative_to == "counterpart":
            y = torch.from_numpy(np.array(base[k], dtype=np.float64))
            # on the input itself the counterpart is the action
            rt = _action_tangent(action, y, step)[0] if k == "input" else _rho_tangent(action, y, in_shape, step)
        sub.append(rt is not None)
        if rt is not None:
            val = val - rt.double().numpy()
        d[k] = val
        a = core.row_norms(val)
        f0 = core.flat(base[k])
        b = np.linalg.norm(f0 - f0[pair], axis=1)
        r, iv = core.ratio_with_interval(a, b, weights=weights, level=level)
        norms.append(float(a.mean()))
        rels.append(r)
        ints.append(iv)
    return LieDerivative(repr(action), tuple(names), np.asarray(norms), np.asarray(rels),
                         np.asarray(ints).reshape(len(names), 2), d, method, float(used), tuple(sub))  # fmt: skip


def _jvp_layers(model: Any, X: Any, action: Any, names: list[str], batch_size: int,
                step: float) -> tuple[dict[str, np.ndarray], float]:  # fmt: skip
    """Forward-mode JVP of every named layer along ``v = d/dt g_t x``, batched, hooks removed after."""
    import torch
    import torch.autograd.forward_ad as fwAD

    hooks = core._hooks()
    device = core.model_device(model)
    out: dict[str, list[np.ndarray]] = {k: [] for k in names}
    used = 0.0
    got: dict[str, Any] = {}

    def on_output(name: str, output: Any) -> None:
        t = hooks.first_tensor(output)
        if name not in got:
            tan = fwAD.unpack_dual(t).tangent
            got[name] = torch.zeros_like(t) if tan is None else tan.detach()

    with hooks.Hooks(model, names, on_output), torch.no_grad():
        for s in range(0, len(X), batch_size):
            x = X[s : s + batch_size].to(device)
            v, h = _action_tangent(action, x, step)
            used = max(used, h)
            got.clear()
            with _quiet(), fwAD.dual_level():
                model(fwAD.make_dual(x, v))
            for k in names:
                out[k].append(got[k].cpu().double().numpy())
    return {k: np.concatenate(v) for k, v in out.items()}, used

"""Per-layer invariance, equivariance and Lie derivatives of a model under a group action.

For a layer ``f`` and an action ``g`` (see :mod:`tda_nn.nn.actions`):

- **invariance error** ``E||f(g x) - f(x)|| / E||f(x) - f(x')||``, ``x'`` another sample:
  0 means ``f`` ignores ``g``, about 1 means ``g x`` looks as different as another input;
- **equivariance error** ``E||f(g x) - rho(g) f(x)|| / E||f(x) - f(x')||``, where ``rho(g)``
  is the action's counterpart on the layer (spatial axes of feature maps, token axes)
  or, where there is none, a linear map fitted by least squares (cross-fitted on two
  halves of the samples, its held-out R^2 reported);
- the **Lie derivative** for continuous actions is in :mod:`tda_nn.nn.lie`.

Every measure runs batched forward passes through :func:`tda_nn.capture` on the
model's device (hooks removed and modes restored on return), one for ``X`` and one
for the transformed batch; each sample gets one parameter drawn from ``action.params``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from . import _symcore as core

__all__ = ["SymmetryProfile", "equivariance", "invariance"]


@dataclass(frozen=True, repr=False)
class SymmetryProfile:
    """Per-layer invariance or equivariance error with bootstrap intervals.

    Attributes
    ----------
    kind : {'invariance', 'equivariance'}
    action : str
        ``repr`` of the action.
    layers : tuple of str
    error : ndarray of shape (n_layers,)
        Normalised change (see the module docstring); 0 = exact.
    interval : ndarray of shape (n_layers, 2)
        Percentile bootstrap interval at ``level`` (NaN with ``n_bootstrap=0``).
    method : tuple of str
        Per layer: ``'trivial'`` (invariance), ``'counterpart'`` or ``'linear fit'``.
    fit_r2 : ndarray of shape (n_layers,)
        Held-out R^2 of the fitted linear map (NaN where none was fitted).
    exact : bool
        Whether the action is exact on the input grid.
    interpolation_error : float or None
        For interpolating actions that report it (``Rotate``): change at parameter 0.
    n_samples, level
    """

    kind: str
    action: str
    layers: tuple[str, ...]
    error: np.ndarray
    interval: np.ndarray
    method: tuple[str, ...]
    fit_r2: np.ndarray
    exact: bool
    interpolation_error: float | None
    n_samples: int
    level: float = 0.95

    def __repr__(self) -> str:
        body = ", ".join(f"{n}={e:.3g}" for n, e in zip(self.layers, self.error))
        return f"SymmetryProfile({self.kind}, {self.action}, n={self.n_samples}: {body})"

    def __getitem__(self, layer: str) -> float:
        return float(self.error[self.layers.index(layer)])

    def first_below(self, tol: float = 0.05) -> str | None:
        """The first layer from which the error stays below ``tol`` to the last layer, or None."""
        ok = np.asarray(self.error) < tol
        for i in range(len(ok)):
            if ok[i:].all():
                return self.layers[i]
        return None

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "action": self.action, "layers": list(self.layers), "error": self.error.tolist(),
                "interval": self.interval.tolist(), "method": list(self.method), "fit_r2": self.fit_r2.tolist(),
                "exact": self.exact, "interpolation_error": self.interpolation_error, "n_samples": self.n_samples,
                "level": self.level}  # fmt: skip

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Error per layer with its interval; returns the matplotlib Axes."""
        from ..plotting.symmetry import plot_symmetry_profile

        return plot_symmetry_profile(self, ax=ax, **kwargs)


def _interp(action: Any, X: Any) -> float | None:
    f = getattr(action, "interpolation_error", None)
    return None if f is None else f(X[: min(len(X), 64)])


def invariance(model: Any, X: Any, action: Any, *, layers: Any = None, n_samples: int | None = 1000,
               n_bootstrap: int = 200, level: float = 0.95, batch_size: int = 256,
               seed: int | None = 0) -> SymmetryProfile | dict[str, SymmetryProfile]:  # fmt: skip
    """Per-layer invariance error ``E||f(g x) - f(x)|| / E||f(x) - f(x')||``.

    Parameters
    ----------
    model : torch.nn.Module
    X : tensor or ndarray of shape (n_samples, ...)
        Inputs the action acts on (images ``(n, C, H, W)``, sequences ``(n, T, D)``...).
    action : tda_nn action, or a list or dict of them (or names, see ``parse_actions``)
        Each sample is transformed by one parameter drawn (with ``seed``) from ``action.params``.
        Several actions share one capture of the untransformed inputs.
    layers : str, type or list, optional
        As in :func:`tda_nn.capture` (``"input"`` is the input itself).
    n_samples : int or None, default=1000
        Samples used (drawn at random with ``seed`` when ``X`` has more); None = all.
    n_bootstrap : int, default=200
        Bootstrap resamples of the samples for the intervals (0 = none).
    level : float, default=0.95
    batch_size : int, default=256
    seed : int or None, default=0

    Returns
    -------
    SymmetryProfile, or dict of str to SymmetryProfile for several actions
        ``.error[i]`` for ``.layers[i]``, ``.interval``, ``.plot()``.

    Examples
    --------
    >>> import torch, tda_nn
    >>> from tda_nn.nn.actions import CyclicShift
    >>> model = torch.nn.Sequential(torch.nn.Conv1d(1, 4, 3, padding=1, padding_mode="circular"),
    ...                             torch.nn.AdaptiveAvgPool1d(1))
    >>> res = invariance(model, torch.randn(50, 1, 16), CyclicShift(-1), layers=["0", "1"], n_bootstrap=0)
    >>> bool(res.error[1] < 1e-5), bool(res.error[0] > 0.1)
    (True, True)
    """
    many = isinstance(action, (list, tuple, dict, str))
    named = core.parse_actions(action) if many else {"": action}
    first = next(iter(named.values()))
    X, _ = core.prepare(model, X, first, n_samples, seed, n_bootstrap, level, batch_size)
    base = core.capture_full(model, X, layers, batch_size=batch_size)
    pair = core.partner(len(X), seed)
    weights = core.bootstrap_weights(len(X), n_bootstrap, seed)
    f0s = {k: core.flat(base[k]) for k in base.layers}
    den = {k: np.linalg.norm(f0 - f0[pair], axis=1) for k, f0 in f0s.items()}
    out = {}
    for key, act in named.items():
        core.check_inputs(model, X[:2], act, None, seed)
        t = core.draw_params(act, X, seed)
        moved = core.capture_full(model, X, list(base.layers), batch_size=batch_size, action=act, t=t)
        errs, ints = [], []
        for name in base.layers:
            a = np.linalg.norm(core.flat(moved[name]) - f0s[name], axis=1)
            e, iv = core.ratio_with_interval(a, den[name], weights=weights, level=level)
            errs.append(e)
            ints.append(iv)
        L = len(base.layers)
        out[key] = SymmetryProfile("invariance", repr(act), tuple(base.layers), np.asarray(errs),
                                   np.asarray(ints).reshape(L, 2), ("trivial",) * L, np.full(L, np.nan),
                                   bool(act.exact), _interp(act, X), len(X), float(level))  # fmt: skip
    return out if many else out[""]


def _fit_linear(src: np.ndarray, dst: np.ndarray, groups: np.ndarray, ridge: float,
                shrink_to_identity: bool = True) -> tuple[np.ndarray, float]:
    """Cross-fitted least squares ``dst ~ src @ M`` per parameter value; predictions and held-out R^2."""
    if shrink_to_identity and src.shape == dst.shape:  # shrink towards the identity (invariance), not towards zero
        pred, _ = _fit_linear(src, dst - src, groups, ridge, False)
        pred = pred + src
        ss_tot = float(((dst - dst.mean(axis=0)) ** 2).sum())
        return pred, (1.0 - float(((dst - pred) ** 2).sum()) / ss_tot if ss_tot > 0 else float("nan"))
    pred = np.empty((len(src), dst.shape[1]))
    for g in np.unique(groups):
        idx = np.flatnonzero(groups == g)
        halves = (idx[::2], idx[1::2]) if len(idx) > 1 else (idx, idx)
        for fit, test in (halves, halves[::-1]):
            A, B = src[fit], dst[fit]
            lam = ridge * (np.trace(A.T @ A) / max(A.shape[1], 1) + 1e-300)
            if A.shape[0] >= A.shape[1]:
                M = np.linalg.solve(A.T @ A + lam * np.eye(A.shape[1]), A.T @ B)
            else:  # dual form: fewer samples than features
                M = A.T @ np.linalg.solve(A @ A.T + lam * np.eye(A.shape[0]), B)
            pred[test] = src[test] @ M
    ss_tot = float(((dst - dst.mean(axis=0)) ** 2).sum())
    r2 = 1.0 - float(((dst - pred) ** 2).sum()) / ss_tot if ss_tot > 0 else float("nan")
    return pred, r2


def equivariance(model: Any, X: Any, action: Any, *, layers: Any = None, n_samples: int | None = 1000,
                 n_bootstrap: int = 200, level: float = 0.95, fit: Literal["auto", "always"] = "auto",
                 ridge: float = 1e-6, batch_size: int = 256, seed: int | None = 0) -> SymmetryProfile:  # fmt: skip
    """Per-layer equivariance error ``E||f(g x) - rho(g) f(x)|| / E||f(x) - f(x')||``.

    ``rho(g)`` is ``action.counterpart`` on the layer's output (shifts, flips and
    quarter turns act on the spatial axes of feature maps, a shift by ``s`` input
    steps being ``s * m / n`` steps on an axis of ``m`` of the input's ``n``;
    permutations act on token axes). Where there is none (flat features, or a shift
    that is not a whole number of output steps), ``rho(g)`` is a linear map fitted by
    ridge least squares for each parameter value, cross-fitted on two halves of the
    samples, so the error is measured on samples the fit did not see; its R^2 is in
    ``.fit_r2``.

    Parameters
    ----------
    model, X, action, layers, n_samples, n_bootstrap, level, batch_size, seed
        As in :func:`invariance`.
    fit : {'auto', 'always'}, default='auto'
        ``'always'`` fits a linear map at every layer, counterpart or not.
    ridge : float, default=1e-6
        Ridge penalty relative to the mean squared feature.

    Returns
    -------
    SymmetryProfile
        ``kind='equivariance'``; ``.method`` says per layer which ``rho`` was used.

    Examples
    --------
    >>> import torch
    >>> from tda_nn.nn.actions import Flip
    >>> conv = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3, padding=1))
    >>> res = equivariance(conv, torch.randn(40, 1, 6, 6), Flip(axis=-1), layers=["0"], n_bootstrap=0)
    >>> res.method, bool(res.error[0] > 0.05)  # random kernels are not mirror-symmetric
    (('counterpart',), True)
    """
    import torch

    if fit not in ("auto", "always"):
        raise ValueError(f"fit must be 'auto' or 'always', got {fit!r}.")
    X, t = core.prepare(model, X, action, n_samples, seed, n_bootstrap, level, batch_size)
    base = core.capture_full(model, X, layers, batch_size=batch_size)
    moved = core.capture_full(model, X, list(base.layers), batch_size=batch_size, action=action, t=t)
    pair = core.partner(len(X), seed)
    weights = core.bootstrap_weights(len(X), n_bootstrap, seed)
    in_shape = tuple(X.shape)
    errs, ints, methods, r2s = [], [], [], []
    for name in base.layers:
        y0, y1 = base[name], moved[name]
        y0t = torch.from_numpy(np.array(y0))
        if fit == "always":
            rho = None
        elif name == "input":  # on the input itself the counterpart is the action
            rho = action.apply(y0t, t) if tuple(y0.shape) == in_shape else None
        else:
            rho = action.counterpart(y0t, t, in_shape)
        f0, f1 = core.flat(y0), core.flat(y1)
        if rho is not None and tuple(rho.shape) == y0.shape:
            pred, method, r2 = core.flat(rho.numpy()), "counterpart", float("nan")
        else:
            pred, r2 = _fit_linear(f0.astype(np.float64), f1.astype(np.float64), t, ridge)
            method = "linear fit"
        a = np.linalg.norm(f1 - pred, axis=1)
        b = np.linalg.norm(f0 - f0[pair], axis=1)
        e, iv = core.ratio_with_interval(a, b, weights=weights, level=level)
        errs.append(e)
        ints.append(iv)
        methods.append(method)
        r2s.append(r2)
    L = len(base.layers)
    return SymmetryProfile("equivariance", repr(action), tuple(base.layers), np.asarray(errs),
                           np.asarray(ints).reshape(L, 2), tuple(methods), np.asarray(r2s), bool(action.exact),
                           _interp(action, X), len(X), float(level))  # fmt: skip

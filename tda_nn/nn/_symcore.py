"""Shared helpers of the symmetry measures: inputs, batched capture, bootstrap of ratios."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from ..validation import check_int, check_positive_int, check_probability, check_seed

__all__: list[str] = []


def _hooks() -> Any:
    """The hook machinery of the torch wing (forward hooks that leave no trace)."""
    from . import hooks

    return hooks


def _keep(t: Any) -> Any:
    """Identity reducer: keep each layer output with its shape (feature maps stay (C, H, W))."""
    return t


def model_dtype(model: Any) -> Any:
    import torch

    for p in model.parameters():
        if p.is_floating_point():
            return p.dtype
    return torch.float32


def model_device(model: Any) -> Any:
    import torch

    for t in (*model.parameters(), *model.buffers()):
        return t.device
    return torch.device("cpu")


def check_inputs(model: Any, X: Any, action: Any, n_samples: int | None, seed: int | None) -> Any:
    """``X`` as a float tensor of the model's dtype, at most ``n_samples`` rows drawn with ``seed``."""
    import torch

    from ._action_base import _Base
    from .regions import check_region_model

    check_region_model(model)  # a module with real, finite weights (NaN weights give NaN errors)
    if not isinstance(action, _Base):
        raise TypeError(
            f"action must be a tda_nn action (CyclicShift, Translate, Rotate, Rot90, Flip, Permute, "
            f"OrthogonalMap or Action(fn, params)), got {type(action).__name__}."
        )
    if isinstance(X, np.ndarray):
        X = torch.from_numpy(np.ascontiguousarray(X))
    if not isinstance(X, torch.Tensor):
        raise TypeError(f"X must be a tensor or ndarray of shape (n_samples, ...), got {type(X).__name__}.")
    if X.ndim < 2 or X.shape[0] < 2:
        raise ValueError(f"X must hold at least 2 samples along its first axis, got shape {tuple(X.shape)}.")
    if X.is_meta:
        raise ValueError("X is a tensor on the 'meta' device, which has a shape but no values; pass real data.")
    if not X.is_floating_point():
        raise TypeError(f"X must hold floats (the actions move values), got dtype {X.dtype}.")
    if not bool(torch.isfinite(X).all()):
        raise ValueError("X holds NaN or inf; remove or impute those samples first.")
    X = X.to(model_dtype(model))
    if n_samples is not None:
        n_samples = check_int(n_samples, name="n_samples", min_value=2)
        if n_samples < len(X):
            idx = np.sort(np.random.default_rng(seed).choice(len(X), size=int(n_samples), replace=False))
            X = X[torch.as_tensor(idx)]
    return X


def draw_params(action: Any, X: Any, seed: int | None) -> np.ndarray:
    """One parameter per sample, drawn uniformly from ``action.params``."""
    params = np.asarray(action.params(tuple(X.shape)), dtype=np.float64)
    if params.size == 0:
        raise ValueError(f"{action!r} has no parameter values to apply; pass some (e.g. shifts=, angles=).")
    return np.random.default_rng(seed).choice(params, size=len(X))


def _batches(X: Any, device: Any, batch_size: int, action: Any = None, t: Any = None) -> Iterator[Any]:
    import torch

    for s in range(0, len(X), batch_size):
        x = X[s : s + batch_size].to(device)
        if action is None:
            yield x
        else:
            with torch.no_grad():
                yield action.apply(x, t[s : s + batch_size])


def capture_full(model: Any, X: Any, layers: Any, *, batch_size: int, action: Any = None, t: Any = None) -> Any:
    """``tda_nn.capture`` of every layer output kept whole, over ``X`` (transformed by ``action`` at ``t``)."""
    import torch

    from .capturing import capture

    dt = np.float64 if model_dtype(model) == torch.float64 else np.float32
    return capture(model, _batches(X, model_device(model), batch_size, action, t), layers, reduce=_keep,
                          dtype=dt, progress=False)  # fmt: skip


def partner(n: int, seed: int | None) -> np.ndarray:
    """A random pairing ``i -> partner[i] != i`` (the next element along a random cycle)."""
    p = np.random.default_rng(seed).permutation(n)
    out = np.empty(n, dtype=np.int64)
    out[p] = np.roll(p, -1)
    return out


def bootstrap_weights(n: int, n_bootstrap: int, seed: int | None) -> np.ndarray | None:
    """``(n_bootstrap, n)`` resampling counts / n, shared by every layer of a call (None without resamples)."""
    if n_bootstrap <= 0:
        return None
    rng = np.random.default_rng(seed)
    return rng.multinomial(n, np.full(n, 1.0 / n), size=n_bootstrap) / n


def ratio_with_interval(a: np.ndarray, b: np.ndarray, *, weights: np.ndarray | None,
                        level: float) -> tuple[float, tuple[float, float]]:  # fmt: skip
    """``mean(a) / mean(b)`` with a percentile bootstrap interval over samples (``weights`` from
    :func:`bootstrap_weights`: each row a resample's counts / n, so ``weights @ a`` is its mean)."""
    est = float(a.mean() / b.mean()) if b.mean() > 0 else float("nan")
    if weights is None:
        return est, (float("nan"), float("nan"))
    num, den = weights @ a, weights @ b
    r = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)
    q = (1 - level) / 2
    return est, (float(np.nanquantile(r, q)), float(np.nanquantile(r, 1 - q)))


def flat(a: np.ndarray) -> np.ndarray:
    """Rows of a captured layer as vectors (kept in the capture's dtype: float64 for float64 models)."""
    return a.reshape(len(a), -1)


def check_level(level: Any, n_bootstrap: Any) -> None:
    check_probability(level, name="level")
    check_int(n_bootstrap, name="n_bootstrap", min_value=0)


def row_norms(a: np.ndarray) -> np.ndarray:
    return np.linalg.norm(flat(a), axis=1)


def prepare(model: Any, X: Any, action: Any, n_samples: Any, seed: Any, n_bootstrap: Any, level: Any,
             batch_size: Any) -> tuple[Any, np.ndarray]:  # fmt: skip
    check_level(level, n_bootstrap)
    check_positive_int(batch_size, name="batch_size")
    check_seed(seed)
    X = check_inputs(model, X, action, n_samples, seed)
    return X, draw_params(action, X, seed)


# -- actions by name (shared by symmetry and symmetry_summary, so neither imports the other) --
_NAMES = ("flip", "rot90", "rotate", "shift", "translate")


def _named(name: str) -> Any:
    from .actions import CyclicShift, Flip, Rot90, Rotate, Translate

    return {"rotate": Rotate, "rot90": Rot90, "translate": lambda: Translate(axis=-1),
            "shift": lambda: CyclicShift(axis=-1), "flip": lambda: Flip(axis=-1)}[name]()  # fmt: skip


def parse_actions(actions: Any) -> dict[str, Any]:
    """Actions as ``{name: action}`` from a dict, a list of actions or names, or ``"rotate,flip"``.

    Names: ``rotate`` (:class:`Rotate`), ``rot90``, ``translate`` (Fourier shift of the last
    axis), ``shift`` (cyclic shift of the last axis), ``flip`` (last axis).
    """
    if isinstance(actions, str):
        actions = [a.strip() for a in actions.split(",") if a.strip()]
    if isinstance(actions, dict):
        return dict(actions)
    if not isinstance(actions, (list, tuple)) or not actions:
        raise TypeError(f"actions must be a non-empty list of actions or names, a dict or a comma-separated str, "
                        f"got {actions!r}.")  # fmt: skip
    out: dict[str, Any] = {}
    for a in actions:
        if isinstance(a, str):
            if a not in _NAMES:
                raise ValueError(f"unknown action name {a!r}; choose from {list(_NAMES)} or pass an action object.")
            out[a] = _named(a)
        else:
            name = getattr(a, "name", type(a).__name__)
            out[name if name not in out else repr(a)] = a
    return out

"""Region counts per layer, as the workflows and the training monitor report them, and the upper bound."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any, Literal

import numpy as np

from ...validation import check_choice, check_int
from ._common import region_bound
from ._probe import _inputs
from .patterns import activation_patterns
from .planes import regions_on_plane

__all__ = ['region_bound', 'region_counts']


# -- the probe: model -> packed patterns ---------------------------------------------------------
def region_counts(
    model: Any,
    X: Any,
    *,
    plane: Literal["data"] | Mapping[str, Any] | None = "data",
    resolution: int = 64,
    seed: int = 0,
    layers: Any = None,
    batch_size: int = 4096,
    method: Literal["auto", "exact", "grid"] = "auto",
) -> dict[str, float]:
    """A few scalar region counts, cheap enough to log at every training step.

    Keys: ``'patterns'`` (distinct activation patterns on ``X``), ``'patterns_fraction'``
    (that over ``len(X)``: 1 when every sample has its own region),
    ``'patterns/<layer>'`` (distinct patterns of the layers up to ``<layer>``), and with
    a plane ``'plane_regions'`` (regions on the plane: exact where the model allows it,
    else a grid lower bound at ``resolution``) and ``'plane_exact'`` (1.0 when exact).

    Parameters
    ----------
    model : torch.nn.Module
    X : array-like of shape (n_samples, *input_shape)
        Keep it fixed across calls so the series are comparable.
    plane : 'data', mapping or None, default='data'
        ``'data'``: the plane through three samples of ``X`` picked by ``seed`` (the same
        ones at every call). A mapping is passed to :func:`regions_on_plane` (``origin``,
        ``u``, ``v``, ``points``, ``extent``). ``None`` skips the plane.
    resolution : int, default=64
    seed : int, default=0
    layers, batch_size
        As in :func:`activation_patterns`.

    Returns
    -------
    dict of str to float

    Examples
    --------
    >>> import torch
    >>> torch.manual_seed(0) and None
    >>> net = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2))
    >>> c = region_counts(net, np.random.default_rng(0).normal(size=(50, 2)))
    >>> sorted(c)
    ['patterns', 'patterns/1', 'patterns_fraction', 'plane_exact', 'plane_regions']
    """
    X = _inputs(X, "X")
    P = activation_patterns(model, X, layers=layers, batch_size=batch_size)
    cum = P.cumulative_counts()
    out: dict[str, float] = {"patterns": float(cum[-1]), "patterns_fraction": float(cum[-1]) / len(X)}
    out.update({f"patterns/{name}": float(c) for name, c in zip(P.layers, cum)})
    if plane is None:
        return out
    if isinstance(plane, str):
        check_choice(plane, name="plane", choices=("data",))
        if len(X) < 3:
            raise ValueError(f"plane='data' needs at least 3 samples in X, got {len(X)}; pass plane=None.")
        idx = np.random.default_rng(check_int(seed, name="seed", min_value=0)).choice(len(X), 3, replace=False)
        spec: Mapping[str, Any] = {"points": X[np.sort(idx)]}
    elif isinstance(plane, Mapping):
        spec = plane
    else:
        raise TypeError(f"plane must be 'data', a mapping of regions_on_plane arguments or None, got {plane!r}.")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # activation_patterns above already warned
        res = regions_on_plane(model, **spec, resolution=resolution, layers=layers, batch_size=batch_size,
                               method=method)
    out["plane_regions"] = float(res.n_regions)
    out["plane_exact"] = float(getattr(res, "method", "grid") == "exact")
    return out

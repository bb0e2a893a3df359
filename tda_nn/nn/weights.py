"""Neural persistence: the topology of a network's weights (Rieck et al., ICLR 2019).

Rieck, Togninalli, Bock, Moor, Horn, Gumbsch, Borgwardt, "Neural persistence: a
complexity measure for deep neural networks using algebraic topology", ICLR 2019.

Each layer is a complete bipartite graph between its ``n_in`` inputs and ``n_out``
outputs, edge ``(i, j)`` weighted by ``|w_ij| / w_max``, where ``w_max`` is the largest
absolute weight over the *whole network* (all layers included). Every vertex enters
the filtration at 1 and the edges enter in decreasing weight (a superlevel
filtration). Zero-dimensional persistence of that filtration is read off a maximum
spanning tree: each of its ``n_in + n_out - 1`` edges, of weight ``w``, merges two
components and gives the pair ``(1, w)``, of persistence ``1 - w``. One component
never dies (the essential class).

**Counting the essential class.** With ``essential='one'`` (default) it is a point of
persistence 1, as in the authors' code (Aleph's zero-dimensional diagram of the
matrix with ``unpairedData=0``, i.e. the pair ``(1, 0)``); ``essential='omit'`` leaves
it out, as the paper's bound does. The neural persistence of a layer is the p-norm
``NP_p = (sum of persistence**p)**(1/p)`` of its diagram; normalised, it is divided by
the paper's upper bound ``(n_in + n_out - 1)**(1/p)``.

**Bounds of the normalised value.** Every finite persistence ``1 - w`` lies in [0, 1]
because ``0 <= w <= 1``. With ``essential='omit'`` there are ``n - 1`` of them
(``n = n_in + n_out``), so ``sum(pers**p) <= n - 1`` and the normalised value lies in
[0, 1]. With ``essential='one'`` the layer that holds the network's largest weight
still lies in [0, 1]: its maximum spanning tree contains that edge, of weight 1 and
persistence 0, so ``sum <= (n - 2) + 0 + 1 = n - 1``. Another layer lies in
``[(n - 1)**(-1/p), (n / (n - 1))**(1/p)]``; it exceeds 1 only when nearly all its
weights are tiny compared with the network's largest (e.g. a 1 x 1 layer of weight 0
next to a layer of weight 1 scores ``sqrt(2)`` for p = 2).

**Convolutions** (``conv='max'``, this package's choice; the paper treats fully
connected layers). A kernel of shape ``(out, in, *k)`` becomes the ``in x out``
bipartite graph between channels whose edge weight is the largest ``|w|`` over the
kernel positions, the strongest connection between the two channels. Grouped
convolutions (``groups > 1``) are not complete bipartite and are skipped with a
warning. ``conv='skip'`` uses Linear layers only.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from ..validation import as_numpy, check_choice, check_flag, check_real, find_stack_level

__all__ = ["NeuralPersistence", "neural_persistence"]


@dataclass(frozen=True, repr=False)
class NeuralPersistence:
    """Neural persistence per layer and its mean over the network.

    Attributes
    ----------
    layers : tuple of str
        Layer names (module names, mapping keys, or ``'0'``, ``'1'``, ... for a list).
    values : ndarray of shape (n_layers,)
        Neural persistence of each layer (normalised when ``normalize``).
    mean : float
        Mean of ``values`` over the layers.
    shapes : tuple of (int, int)
        ``(n_in, n_out)`` of each bipartite graph, read from torch's ``(out, in)``
        weight layout (for arrays: ``(W.shape[1], W.shape[0])``).
    p : float
        Order of the norm.
    normalize : bool
        Whether ``values`` are divided by ``(n_in + n_out - 1)**(1/p)``.
    essential : {'one', 'omit'}
        How the essential class was counted.
    """

    layers: tuple[str, ...]
    values: np.ndarray
    mean: float
    shapes: tuple[tuple[int, int], ...]
    p: float
    normalize: bool
    essential: str

    def __repr__(self) -> str:
        kind = "normalized" if self.normalize else "raw"
        return f"NeuralPersistence(mean={self.mean:.4g}, {len(self.layers)} layers, p={self.p:g}, {kind})"

    def as_dict(self) -> dict[str, float]:
        """``{layer name: value}``, in network order."""
        return {name: float(v) for name, v in zip(self.layers, self.values)}


def _is_module(obj: Any) -> bool:
    return hasattr(obj, "named_modules") and hasattr(obj, "parameters")


def _module_matrices(model: Any, conv: str) -> list[tuple[str, np.ndarray]]:
    """(name, |weight| matrix) for every Linear (and plain Conv) layer of a torch module."""
    import torch

    out = []
    for name, mod in model.named_modules():
        w = getattr(mod, "weight", None)
        if isinstance(w, torch.Tensor) and isinstance(mod, (torch.nn.Linear, torch.nn.modules.conv._ConvNd)):
            if w.is_meta:
                raise ValueError(f"model layer {name!r} has its weight on the 'meta' device (no values); "
                                 "load real weights first.")
            if not bool(torch.isfinite(w).all()):
                bad = int((~torch.isfinite(w)).sum())
                raise ValueError(f"model layer {name!r} has {bad} NaN or infinite weights; neural persistence "
                                 "needs finite weights (did training diverge?).")
        if isinstance(mod, torch.nn.Linear):
            W = mod.weight.detach().float().cpu().abs().numpy()
            out.append((name, W.astype(np.float64)))
        elif conv == "max" and isinstance(mod, torch.nn.modules.conv._ConvNd):
            if mod.groups != 1:
                warnings.warn(
                    f"layer {name!r} is a grouped convolution (groups={mod.groups}); its channel graph is not "
                    "complete bipartite, so neural persistence skips it.", UserWarning, stacklevel=find_stack_level())
                continue
            W = mod.weight.detach().float().cpu().abs()
            # (out, in, *k) or, transposed, (in, out, *k): max over the kernel positions
            W = W.reshape(W.shape[0], W.shape[1], -1).amax(dim=2).numpy()
            out.append((name, W.astype(np.float64)))
    if not out:
        kinds = "nn.Linear or nn.Conv" if conv == "max" else "nn.Linear"
        raise ValueError(
            f"model has no {kinds} layers ({type(model).__name__}); neural persistence needs at least one. "
            "Pass a list of weight matrices instead for other layer types."
        )
    return out


def _array_matrices(model: Any) -> list[tuple[str, np.ndarray]]:
    """(name, |weight| matrix) for a list or mapping of 2-D weight matrices."""
    items = list(model.items()) if isinstance(model, Mapping) else list(enumerate(model))
    if not items:
        raise ValueError("model must hold at least one weight matrix, got an empty sequence.")
    out = []
    for key, W in items:
        arr = as_numpy(W, name=f"model[{key!r}]").astype(np.float64)
        if arr.ndim != 2 or min(arr.shape) < 1:
            raise ValueError(
                f"model[{key!r}] must be a 2-D weight matrix of shape (n_out, n_in) or (n_in, n_out), "
                f"got shape {arr.shape}."
            )
        if not np.isfinite(arr).all():
            raise ValueError(f"model[{key!r}] contains NaN or infinite weights.")
        out.append((str(key), np.abs(arr)))
    return out


def _layer_persistence(A: np.ndarray) -> np.ndarray:
    """Persistence ``1 - w`` of the maximum-spanning-tree edges of the bipartite graph of ``A``.

    ``A`` holds normalised weights in [0, 1]. The maximum spanning tree is scipy's
    minimum spanning tree of ``2 - A`` (all entries >= 1, so no weight is mistaken for
    a missing edge); the tree weights are then read back from ``A`` itself.
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import minimum_spanning_tree

    a, b = A.shape
    rows = np.repeat(np.arange(a), b)
    cols = a + np.tile(np.arange(b), a)
    G = coo_matrix((2.0 - A.ravel(), (rows, cols)), shape=(a + b, a + b)).tocsr()
    T = minimum_spanning_tree(G).tocoo()
    i, j = np.minimum(T.row, T.col), np.maximum(T.row, T.col)
    w = A[i, j - a]
    return 1.0 - w


def neural_persistence(
    model: Any,
    *,
    p: float = 2.0,
    normalize: bool = True,
    essential: Literal["one", "omit"] = "one",
    conv: Literal["max", "skip"] = "max",
) -> NeuralPersistence:
    """Neural persistence of every layer of a network and their mean (Rieck et al. 2019).

    See the module documentation for the filtration, how the essential class is
    counted, the bounds of the normalised value and how convolutions are read.

    Parameters
    ----------
    model : torch.nn.Module, or sequence / mapping of array-like of shape (a, b)
        A module (its ``nn.Linear`` layers, and ``nn.Conv*`` with ``conv='max'``,
        in ``named_modules`` order; biases ignored), or the weight matrices
        themselves. The orientation of a matrix does not matter: the bipartite
        graph of ``W`` and of ``W.T`` is the same. Works without torch for arrays.
    p : float, default=2.0
        Order of the norm, >= 1 (``inf`` allowed: the largest persistence).
    normalize : bool, default=True
        Divide each layer's value by ``(n_in + n_out - 1)**(1/p)``.
    essential : {'one', 'omit'}, default='one'
        Count the essential class as a point of persistence 1 (the authors' code)
        or leave it out.
    conv : {'max', 'skip'}, default='max'
        Read convolutions as channel graphs with the max ``|w|`` over the kernel, or
        skip them.

    Returns
    -------
    NeuralPersistence
        ``values`` per layer and their ``mean``.

    Raises
    ------
    ValueError
        A model without Linear (or Conv) layers, an empty list, a matrix that is not
        2-D, NaN/inf weights, all weights zero, ``p < 1``.

    Examples
    --------
    >>> import numpy as np
    >>> res = neural_persistence([np.array([[1.0, -2.0], [3.0, 4.0]]), np.array([[-8.0], [2.0]])])
    >>> np.round(res.values, 4)
    array([0.857 , 0.8839])
    """
    p = check_real(p, name="p", min_value=1.0, allow_inf=True)
    check_flag(normalize, name="normalize")
    check_choice(essential, name="essential", choices=("one", "omit"))
    check_choice(conv, name="conv", choices=("max", "skip"))
    if _is_module(model):
        mats = _module_matrices(model, conv)
    elif isinstance(model, (str, bytes)) or not hasattr(model, "__iter__"):
        raise TypeError(
            f"model must be a torch.nn.Module or a list of 2-D weight matrices, got {type(model).__name__}."
        )
    else:
        mats = _array_matrices(model)
    w_max = max(float(W.max()) for _, W in mats)
    if w_max <= 0:
        raise ValueError("model has all weights equal to 0; neural persistence normalises by the largest |weight|.")

    values = []
    for _, W in mats:
        pers = _layer_persistence(W / w_max)
        if essential == "one":
            pers = np.append(pers, 1.0)
        n = W.shape[0] + W.shape[1]
        if math.isinf(p):
            value = float(pers.max())
            bound = 1.0
        else:
            value = float(np.sum(pers**p) ** (1.0 / p))
            bound = (n - 1) ** (1.0 / p)
        values.append(value / bound if normalize else value)
    vals = np.asarray(values)
    vals.setflags(write=False)
    return NeuralPersistence(
        layers=tuple(name for name, _ in mats),
        values=vals,
        mean=float(vals.mean()),
        shapes=tuple((int(W.shape[1]), int(W.shape[0])) for _, W in mats),
        p=p,
        normalize=bool(normalize),
        essential=essential,
    )

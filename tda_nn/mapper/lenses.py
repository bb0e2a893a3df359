"""Lenses (filter functions): one or a few numbers per sample that the cover slices.

Every lens returns a float64 array of shape ``(n_samples, n_dims)``. :func:`resolve_lens`
turns the ``lens=`` argument of :func:`tda_nn.mapper` into such an array: a name
(``'pca'``, ``'pca1'``, ``'dtm'``, ``'density'``, ``'eccentricity'``), a column index, an
array with one row per sample (class probabilities, predicted labels, confidence, any
score), or a callable ``X -> array``.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any

import numpy as np

from ..validation import check_int, check_points, check_real
from .cover import check_lens

__all__ = [
    "column",
    "confidence",
    "dtm",
    "eccentricity",
    "pca",
    "predicted_label",
    "probability",
    "resolve_lens",
]

_NAMES = ("pca", "pca1", "pca2", "pca3", "dtm", "density", "eccentricity")


def pca(X: Any, n_components: int = 2) -> np.ndarray:
    """The first ``n_components`` principal components of ``X`` (scores, centred).

    Examples
    --------
    >>> import numpy as np
    >>> pca(np.array([[0.0, 0], [1, 0], [2, 0]]), 1).ravel().round(6).tolist()
    [-1.0, 0.0, 1.0]
    """
    X = check_points(X, name="X").astype(np.float64)
    k = check_int(n_components, name="n_components", min_value=1, max_value=min(X.shape))
    Xc = X - X.mean(axis=0)
    if X.shape[0] > 2 * X.shape[1]:
        # many samples: the covariance's eigenvectors (one GEMM of d x d, no n-sized SVD)
        w, V = np.linalg.eigh(Xc.T @ Xc)
        Vt = V[:, np.argsort(w)[::-1]].T
    else:
        Vt = np.linalg.svd(Xc, full_matrices=False)[2]
    Vt = Vt[:k]
    # a fixed sign: the largest loading of every component is positive
    signs = np.sign(Vt[np.arange(k), np.argmax(np.abs(Vt), axis=1)])
    signs[signs == 0] = 1.0
    return Xc @ (Vt.T * signs)


def column(X: Any, index: int) -> np.ndarray:
    """One column of ``X`` as a lens (e.g. the unit that a layer projects to)."""
    X = check_points(X, name="X", min_points=1)
    index = check_int(index, name="lens")
    if not -X.shape[1] <= index < X.shape[1]:
        raise ValueError(f"lens={index} is a column index, but X has {X.shape[1]} column(s); pass 0..{X.shape[1] - 1}.")
    return X[:, index].astype(np.float64)[:, None]


def dtm(X: Any, k: int = 10) -> np.ndarray:
    """Distance to measure: ``sqrt(mean of squared distances to the k nearest samples)``.

    Small in dense regions, large at outliers (Chazal, Cohen-Steiner, Merigot 2011); the sample
    itself counts as its first neighbour, so ``k=1`` gives zeros.
    """
    from sklearn.neighbors import NearestNeighbors

    X = check_points(X, name="X")
    k = check_int(k, name="k", min_value=1, max_value=X.shape[0])
    dist, _ = NearestNeighbors(n_neighbors=k, algorithm="auto").fit(X).kneighbors(X)
    return np.sqrt((dist.astype(np.float64) ** 2).mean(axis=1))[:, None]


def eccentricity(X: Any, p: float = 1.0, *, max_reference: int = 5000, seed: int | None = 0) -> np.ndarray:
    """Eccentricity ``(mean_y |x - y|^p)^(1/p)``, large far from the data's middle.

    Above ``max_reference`` samples the mean runs over a uniform random subset of
    ``max_reference`` reference samples (an unbiased estimate of the p-th power mean), so no
    matrix of all pairs is formed.
    """
    from scipy.spatial.distance import cdist

    X = check_points(X, name="X").astype(np.float64)
    p = check_real(p, name="p", min_value=0.0, strict=True, allow_inf=True)
    max_reference = check_int(max_reference, name="max_reference", min_value=1)
    ref = X
    if X.shape[0] > max_reference:
        ref = X[np.random.default_rng(seed).choice(X.shape[0], max_reference, replace=False)]
    out = np.empty(X.shape[0])
    step = max(1, (1 << 22) // ref.shape[0])
    for a in range(0, X.shape[0], step):
        D = cdist(X[a : a + step], ref)
        out[a : a + step] = D.max(axis=1) if np.isinf(p) else (D**p).mean(axis=1) ** (1.0 / p)
    return out[:, None]


def probability(proba: Any, cls: int | None = None) -> np.ndarray:
    """A class's probability as a lens (``cls``), or the whole probability table when ``cls`` is None."""
    P = check_lens(proba)
    if cls is None:
        return P
    cls = check_int(cls, name="cls", min_value=0, max_value=P.shape[1] - 1)
    return P[:, [cls]]


def confidence(proba: Any) -> np.ndarray:
    """The model's confidence: the largest class probability of each sample."""
    return check_lens(proba).max(axis=1, keepdims=True)


def predicted_label(proba_or_labels: Any) -> np.ndarray:
    """The predicted class as a lens: the argmax of a probability table, or integer labels as given."""
    P = check_lens(proba_or_labels)
    if P.shape[1] == 1:
        return P
    return P.argmax(axis=1).astype(np.float64)[:, None]


def resolve_lens(lens: Any, X: np.ndarray, *, seed: int | None = 0) -> tuple[np.ndarray, str]:
    """The lens array for ``X`` and a short description of it, from the ``lens=`` argument."""
    n = X.shape[0]
    if isinstance(lens, str):
        key = lens.lower()
        if key not in _NAMES:
            from ..validation import suggest

            raise ValueError(
                f"lens must be one of {list(_NAMES)}, a column index, an array with one row per sample or a "
                f"callable, got {lens!r}.{suggest(key, _NAMES)}"
            )
        if key.startswith("pca"):
            k = int(key[3:] or 2)
            k = min(k, X.shape[1], n)
            return pca(X, k), f"pca{k}"
        if key in ("dtm", "density"):
            return dtm(X, min(10, n)), "dtm(k=10)"
        return eccentricity(X, seed=seed), "eccentricity(p=1)"
    if isinstance(lens, numbers.Integral) and not isinstance(lens, bool):
        return column(X, int(lens)), f"column {int(lens)}"
    if isinstance(lens, Callable):
        return check_lens(lens(X), n), getattr(lens, "__name__", "callable")
    if lens is None:
        raise TypeError("lens must be a name, a column index, an array or a callable, got None.")
    return check_lens(lens, n), "array"

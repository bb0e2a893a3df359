"""``mapper``: the Mapper graph of a point cloud (Singh, Memoli, Carlsson 2007).

Lens -> cover of the lens space -> pre-image of every cover element -> clusters of each
pre-image are the nodes -> nodes sharing samples are joined.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..validation import check_int, check_points
from .clustering import cluster_labels, default_clusterer, min_cluster_samples
from .cover import as_cover
from .graph import MapperGraph
from .lenses import resolve_lens

__all__ = ["mapper", "min_cluster_samples"]


def _check_clusterer(clusterer: Any) -> Any:
    if not (hasattr(clusterer, "fit_predict") or hasattr(clusterer, "fit")):
        raise TypeError(
            f"clusterer must be a scikit-learn clusterer (with fit_predict or fit and labels_), got "
            f"{type(clusterer).__name__}."
        )
    from sklearn.base import clone

    try:
        return clone(clusterer)
    except TypeError:
        return clusterer


def mapper(
    X: Any,
    lens: Any = "pca",
    cover: Any = None,
    clusterer: Any = None,
    *,
    min_samples: int | None = None,
    seed: int | None = 0,
) -> MapperGraph:
    """The Mapper graph of ``X``.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        The samples (e.g. one layer's activations, flattened per sample).
    lens : str, int, array-like or callable, default='pca'
        ``'pca'`` (two principal components), ``'pca1'``, ``'pca3'``, ``'dtm'`` (distance to
        measure, 10 neighbours), ``'eccentricity'``; an int (that column of ``X``); an array of
        shape (n_samples,) or (n_samples, k) (class probabilities, predicted labels,
        confidence, any score: see :mod:`tda_nn.mapper.lenses`); or a callable ``X -> array``.
    cover : Cover or tuple (n_intervals, overlap) or None, default=None
        Intervals per lens dimension and their overlap, with kepler-mapper's conventions
        (``n_cubes``, ``perc_overlap``). None chooses the resolution by the rule of Carriere,
        Michel and Oudot (2018) with gain 0.4 (:func:`tda_nn.mapper.stability.resolution_cover`).
    clusterer : scikit-learn clusterer, optional
        Run on each pre-image (cloned); label -1 is noise and gives no node. Default:
        :func:`tda_nn.mapper.clustering.default_clusterer` (single linkage cut at the first gap
        of the merge-height histogram).
    min_samples : int, optional
        Pre-images with fewer samples give no node. Default: 1 for the default clusterer;
        for a given clusterer kepler-mapper's rule (:func:`min_cluster_samples`).
    seed : int or None, default=0
        Seeds the eccentricity lens's reference subset and the resolution rule's subsamples.

    Returns
    -------
    MapperGraph

    Raises
    ------
    ValueError
        ``X`` not 2-D, not finite or empty; a lens with the wrong number of rows; a bad cover.
    TypeError
        A clusterer without ``fit_predict``/``fit``; a cover of the wrong type.

    Examples
    --------
    >>> import numpy as np
    >>> import tda_nn
    >>> t = np.linspace(0, 2 * np.pi, 400, endpoint=False)
    >>> circle = np.c_[np.cos(t), np.sin(t)]
    >>> g = tda_nn.mapper(circle, lens=1, cover=(6, 0.3))
    >>> g.n_components, g.n_loops
    (1, 1)
    """
    X = check_points(X, name="X", min_points=1)
    Z, lens_name = resolve_lens(lens, X, seed=seed)
    if cover is None:
        from .stability import resolution_cover

        cover_obj = resolution_cover(X, Z, seed=seed)
    else:
        cover_obj = as_cover(cover)
    given = clusterer is not None
    clusterer = _check_clusterer(clusterer) if given else default_clusterer()
    if min_samples is None:
        min_samples = min_cluster_samples(clusterer) if given else 1
    min_samples = check_int(min_samples, name="min_samples", min_value=1)
    members, cubes = [], []
    for key, idx in cover_obj.preimages(Z):
        if idx.size < min_samples:
            continue
        labels = cluster_labels(clusterer, X[idx])
        for c in np.unique(labels):
            if c < 0:
                continue
            members.append(idx[labels == c])
            cubes.append(key)
    params = {
        "lens": lens_name,
        "cover": cover_obj.to_dict(),
        "clusterer": repr(clusterer),
        "min_samples": min_samples,
        "n_features": int(X.shape[1]),
        "clusterer_object": clusterer,
    }
    return MapperGraph.from_members(members, X.shape[0], cubes=cubes, lens=Z, params=params)

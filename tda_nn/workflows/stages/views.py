"""The views stage: a 2-D picture of every layer's cloud for the report (PCA, or UMAP when asked and installed).

The result is a :class:`tda_nn.results.ViewsResult`.

PCA comes from the centred linear Gram matrix ``X X^T`` of each layer by seeded
subspace iteration (a few products, not a full eigendecomposition).

Floor: application (numpy; umap-learn when asked).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ...results import ViewsResult
from ..runner import Context, Stage
from ..tables import plain

__all__ = ["STAGE", "pca_view", "views"]


def _centred_gram(a: np.ndarray) -> np.ndarray:
    X = np.asarray(a, dtype=np.float64).reshape(len(a), -1)
    X = X - X.mean(axis=0)
    G = X @ X.T
    G = G - G.mean(axis=0)
    return G - G.mean(axis=1, keepdims=True)


def pca_view(G: np.ndarray, seed: int = 0) -> np.ndarray:
    """The samples on their first two principal axes, from the centred linear Gram ``X X^T``.

    The top two eigenvectors ``v`` of ``G`` scaled by the square roots of their
    eigenvalues are the principal coordinates; found by seeded subspace iteration
    on an 8-column block.
    """
    n = G.shape[0]
    Q = np.random.default_rng(seed).standard_normal((n, min(8, n)))
    for _ in range(8):
        Q, _ = np.linalg.qr(G @ Q)
    w, V = np.linalg.eigh(Q.T @ G @ Q)
    top = np.argsort(w)[::-1][:2]
    out = (Q @ V[:, top]) * np.sqrt(np.maximum(w[top], 0.0))
    out = out * np.where(out.sum(axis=0) < 0, -1.0, 1.0)  # a sign fixed by the data, not by the solver
    return out if out.shape[1] == 2 else np.c_[out, np.zeros(n)]


def views(acts: Any, layers: Sequence[str], view: str, labels: Any, seed: int,
          class_names: Mapping[Any, str]) -> dict[str, Any]:
    coords: dict[str, list] = {}
    method = view
    if view == "umap":
        try:
            import umap  # noqa: F401
        except ImportError:
            method = "pca"
    for layer in layers:
        if method == "umap":
            import umap

            X = np.asarray(acts[layer], dtype=np.float64).reshape(acts.n_samples, -1)
            xy = umap.UMAP(n_components=2, random_state=seed).fit_transform(X)
        else:
            xy = pca_view(_centred_gram(acts[layer]), seed)
        coords[layer] = np.round(xy, 5).tolist()
    lab = None if labels is None else [plain(v) for v in np.asarray(labels).tolist()]
    names = None if labels is None else {str(c): class_names.get(c, str(c)) for c in np.unique(labels).tolist()}
    return {"method": method, "coords": coords, "labels": lab, "class_names": names}


def run(ctx: Context, s: Any) -> ViewsResult:
    cap = ctx["capture"]
    return ViewsResult.from_dict(views(cap.acts, ctx["persistence"].profile.layers, s.view, cap.labels, s.seed,
                             cap.class_names), "views")


STAGE = Stage("views", run, applies=lambda ctx, s: s.view is not None, detail=lambda r: r.method)

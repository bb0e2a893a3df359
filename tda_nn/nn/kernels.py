"""Device kernels: distances, max-min landmarks, nearest neighbours and the spanning tree on a torch device.

The numeric core (``tda_nn.clouds``, ``tda_nn.homology``) stays numpy-only; when a
caller passes ``device=`` (a torch device or its name) or a tensor that lives on
an accelerator, it loads this module by name and runs the same algorithm here, as
tiles of matrix products on the device. Answers are those of the CPU path:

- **distances**: computed on the device in the requested precision (float64:
  equal to the CPU path to rounding; float32: within 1e-6 relative of it away
  from tiny distances, the expansion's cancellation scale);
- **landmarks**: the max-min sequence on the device; the covering radius is
  re-measured in float64 on the CPU for the points near the maximum;
- **nearest neighbours**: candidates by top-k of every row over column tiles
  (:class:`KnnSearch`); :func:`tda_nn.clouds.nearest_neighbors` re-measures them in
  float64 and widens the search where rounding or ties could change the answer, so
  the neighbours (ties by index) and distances are the CPU path's, bit for bit;
- **spanning tree** (exact H0): :func:`tda_nn.homology.spanning_tree` with
  ``device=`` runs Borůvka's rounds on the host and their tile search
  (:class:`DeviceSearch`) here; every candidate within the rounding bound of a
  tile's minimum is re-measured in float64 (``sqrt(sum((x - y)^2))``), so the
  tree and its lengths are the CPU path's whatever the device precision.

Code never needs a GPU: every kernel runs on ``device='cpu'`` (how the tests run).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..clouds import Landmarks

__all__ = ["DeviceSearch", "KnnSearch", "device_of", "knn", "landmarks", "maxmin", "pairwise_distances"]

_TILE = 4096  # rows x columns of one device tile


def _torch() -> Any:
    from .._optional import import_optional

    return import_optional("torch")


def device_of(device: Any) -> Any:
    """A ``torch.device`` from a device or its name; ``TypeError``/``ValueError`` naming ``device``."""
    torch = _torch()
    if isinstance(device, torch.device):
        return device
    if not isinstance(device, str):
        raise TypeError(f"device must be a torch.device or a name such as 'cpu' or 'cuda:0', got "
                        f"{type(device).__name__} {device!r}.")
    try:
        dev = torch.device(device)
    except RuntimeError as exc:
        raise ValueError(f"device={device!r} is not a torch device name ({exc}); use e.g. 'cpu' or 'cuda:0'.") from None
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device={device!r}: no CUDA device is available here; use device='cpu' or leave it out.")
    return dev


def _dtype(dtype: Any) -> Any:
    torch = _torch()
    dt = np.dtype(dtype)
    if dt not in (np.float32, np.float64):
        raise ValueError(f"dtype must be np.float32 or np.float64, got {dt}.")
    return torch.float64 if dt == np.float64 else torch.float32


def _on(X: Any, dev: Any, dtype: Any) -> Any:
    torch = _torch()
    if isinstance(X, torch.Tensor):
        return X.detach().to(device=dev, dtype=dtype)
    return torch.as_tensor(np.ascontiguousarray(X), device=dev).to(dtype)


def _unit(Z: Any, metric: str) -> Any:
    torch = _torch()
    if metric == "correlation":
        Z = Z - Z.mean(dim=1, keepdim=True)
    if metric in ("cosine", "correlation"):
        Z = Z / torch.linalg.vector_norm(Z, dim=1, keepdim=True)
    return Z


# -- distances ---------------------------------------------------------------------------
def pairwise_distances(X: np.ndarray, Y: np.ndarray | None = None, *, metric: str = "euclidean",
                       dtype: Any = np.float64, device: Any = "cpu") -> np.ndarray:
    """Distances between the rows of validated ``X`` (and ``Y``) on ``device``, as numpy.

    The operations of :func:`tda_nn.clouds.pairwise_distances` (rows centred on one
    mean, ``|x|^2 + |y|^2 - 2 x.y`` clamped at 0; ``1 - cos`` of unit rows clipped to
    [0, 2]; with ``Y=None`` an exactly symmetric result with a zero diagonal), in
    ``_TILE``-row blocks.
    """
    torch = _torch()
    dev, tdt = device_of(device), _dtype(dtype)
    A = _unit(_on(X, dev, torch.float64), metric)
    B = A if Y is None else _unit(_on(Y, dev, torch.float64), metric)
    if metric == "euclidean":
        mu = torch.cat([A, B]).mean(dim=0) if Y is not None else A.mean(dim=0)
        A = A - mu
        B = A if Y is None else B - mu
    A = A.to(tdt)
    B = A if Y is None else B.to(tdt)
    sqA = (A * A).sum(dim=1)
    sqB = sqA if Y is None else (B * B).sum(dim=1)
    out = np.empty((A.shape[0], B.shape[0]), dtype=np.dtype(dtype))
    for r in range(0, A.shape[0], _TILE):
        G = A[r:r + _TILE] @ B.T
        if metric == "euclidean":
            G = (sqA[r:r + _TILE, None] + sqB[None, :] - 2 * G).clamp_min_(0).sqrt_()
        else:
            G = (1 - G).clamp_(0, 2)
        out[r:r + _TILE] = G.cpu().numpy()
    if Y is None:
        out = (out + out.T) / 2
        np.fill_diagonal(out, 0)
    return out


# -- max-min landmarks -----------------------------------------------------------------------
def maxmin(X: Any, m: int, start: int, metric: str, device: Any = None) -> tuple[np.ndarray, float]:
    """Max-min on ``device`` (default: the tensor's own); returns numpy ``(indices, radius)``.

    The plain loop: one matrix-vector product per landmark, which is what a GPU
    does best. The radius is re-measured in float64 on the CPU for the points
    within the rounding bound of the maximum.
    """
    torch = _torch()
    if isinstance(X, torch.Tensor):
        Z = X.detach() if device is None else X.detach().to(device_of(device))
    else:
        Z = torch.as_tensor(np.ascontiguousarray(X), device=device_of(device or "cpu"))
    if not torch.is_floating_point(Z):
        Z = Z.to(torch.float64)
    if metric == "precomputed":
        D = Z.to(torch.float64)
        dmin = D[start].clone()
        dmin[start] = -float("inf")
        chosen = [int(start)]
        while len(chosen) < m:
            j = int(torch.argmax(dmin))
            chosen.append(j)
            dmin = torch.minimum(dmin, D[j])
            dmin[j] = -float("inf")
        idx = torch.as_tensor(chosen, device=D.device)
        return np.asarray(chosen, dtype=np.intp), float(D[:, idx].min(dim=1).values.max())
    src = Z
    Z = _unit(Z, metric)
    Z = Z - Z.mean(dim=0, keepdim=True)
    sq = (Z * Z).sum(dim=1)
    n, dim = Z.shape
    tol = 4.0 * (dim + 4) * torch.finfo(Z.dtype).eps * 2.0 * float(sq.max())
    dmin = torch.full((n,), float("inf"), dtype=Z.dtype, device=Z.device)
    chosen = [int(start)]
    while True:
        c = chosen[-1]
        dmin = torch.minimum(dmin, (sq + sq[c] - 2.0 * (Z @ Z[c])).clamp_min_(0))
        dmin[c] = -float("inf")  # landmarks are known exactly: never chosen twice
        if len(chosen) == m:
            break
        chosen.append(int(torch.argmax(dmin)))
    idx = np.asarray(chosen, dtype=np.intp)
    dmin_np = dmin.cpu().numpy()
    top = max(float(dmin_np.max()), 0.0)
    near = np.flatnonzero(dmin_np >= top - 2 * tol)  # only these can hold the maximum
    return idx, _radius(src[torch.as_tensor(near, device=src.device)].cpu().numpy(),
                        src[torch.as_tensor(idx, device=src.device)].cpu().numpy(), metric)


def _radius(P: np.ndarray, L: np.ndarray, metric: str) -> float:
    """``max_p min_l d(p, l)`` in float64 with direct differences (scipy's cdist)."""
    from scipy.spatial.distance import cdist

    P, L = np.asarray(P, dtype=np.float64), np.asarray(L, dtype=np.float64)
    out = 0.0
    step = max(1, (32 * 2**20) // (8 * max(1, len(L))))
    for s in range(0, len(P), step):
        with np.errstate(invalid="ignore", divide="ignore"):
            D = cdist(P[s:s + step], L, metric=metric)
        out = max(out, float(np.nan_to_num(D, nan=0.0).min(axis=1).max()))
    return max(out, 0.0)


def landmarks(X: Any, n: int, first: int, *, metric: str, device: Any = None) -> Landmarks:
    """Max-min :func:`tda_nn.clouds.landmarks` (validated counts) of a tensor or array on ``device``.

    ``device=None`` keeps a tensor on its own device.
    """
    torch = _torch()
    T = X if isinstance(X, torch.Tensor) else torch.as_tensor(np.ascontiguousarray(X))
    if device is not None:
        T = T.to(device_of(device))
    if T.is_meta:
        raise ValueError("X is a tensor on the 'meta' device, which has a shape but no values; pass real data.")
    if T.ndim != 2 or (metric == "precomputed" and T.shape[0] != T.shape[1]):
        want = "(N, N)" if metric == "precomputed" else "(N, n_features)"
        raise ValueError(f"X must be a 2-D tensor of shape {want}, got shape {tuple(T.shape)}.")
    if not bool(torch.isfinite(T).all()) and metric != "precomputed":
        raise ValueError("X contains NaN or infinite values; landmarks need finite coordinates.")
    if metric in ("cosine", "correlation"):
        Z = T.detach().double()
        if metric == "correlation":
            Z = Z - Z.mean(dim=1, keepdim=True)
        bad = torch.nonzero(torch.linalg.vector_norm(Z, dim=1) <= 1e-12).flatten().cpu().numpy()
        if bad.size:
            what = "are zero vectors" if metric == "cosine" else "have zero variance (constant rows)"
            raise ValueError(f"X has {bad.size} rows that {what} (first rows {bad[:10].tolist()}); the {metric} "
                             "distance is undefined for them. Drop them or use metric='euclidean'.")
    idx, radius = maxmin(T, n, first, metric)
    ti = torch.as_tensor(idx, device=T.device)
    pts = T.detach()[ti][:, ti] if metric == "precomputed" else T.detach()[ti]
    return Landmarks(idx, np.ascontiguousarray(pts.cpu().numpy()), float(radius), "maxmin", metric, int(T.shape[0]))


# -- nearest neighbours ----------------------------------------------------------------------
class KnnSearch:
    """Candidates for the k nearest neighbours of rows of a float64 cloud, on a device.

    ``search(rows, c)`` returns ``(cand, bound)``: for every row the ``c`` other rows
    with the smallest tile values ``|y|^2 - 2 x.y`` (a row is never its own candidate;
    among duplicates the other copies are), and a lower bound on the true squared
    distance from the row to every row that is not a candidate (``inf`` when all are):
    the largest kept value plus ``|x|^2``, less the rounding bound of the tile
    arithmetic in the device precision. :func:`tda_nn.clouds.nearest_neighbors`
    re-measures the candidates in float64 and widens ``c`` for the rows whose bound
    does not certify the answer, so ties and rounding never change it.
    """

    def __init__(self, P: np.ndarray, device: Any, dtype: Any) -> None:
        torch = _torch()
        P = np.asarray(P, dtype=np.float64)
        P = P - P.mean(axis=0)  # centred: smaller norms, less cancellation in the expansion
        # divided by a power of two near its largest |value| (exact): float32 tiles of a cloud at 1e30
        # would overflow, at 1e-30 underflow; bounds are scaled back by its square
        top = float(np.abs(P).max(initial=0.0))
        self.unit = float(np.ldexp(1.0, int(np.frexp(top)[1]))) if top > 0 else 1.0
        P = P / self.unit
        self.n, dim = P.shape
        self.dev, self.tdt = device_of(device), _dtype(dtype)
        self.Z = torch.as_tensor(P, device=self.dev).to(self.tdt)
        self.sq = (self.Z * self.Z).sum(dim=1)
        norm = np.sqrt(np.einsum("ij,ij->i", P, P))
        self.sq_host = self.sq.double().cpu().numpy()
        self.tol = 4.0 * (dim + 2) * float(torch.finfo(self.tdt).eps) * (norm + norm.max()) ** 2

    def search(self, rows: np.ndarray, c: int) -> tuple[np.ndarray, np.ndarray]:
        torch = _torch()
        n, dev = self.n, self.dev
        if not 1 <= c <= n - 1:
            raise ValueError(f"c must be between 1 and n - 1 = {n - 1}, got {c}.")
        rows = np.asarray(rows, dtype=np.int64)
        cand = np.empty((len(rows), c), dtype=np.int64)
        last = np.empty(len(rows))
        for r0 in range(0, len(rows), _TILE):
            tr = torch.as_tensor(rows[r0:r0 + _TILE], device=dev)
            Zr = self.Z[tr]
            best_v = torch.full((len(tr), c), float("inf"), dtype=self.tdt, device=dev)
            best_i = torch.full((len(tr), c), -1, dtype=torch.int64, device=dev)
            for c0 in range(0, n, _TILE):
                c1 = min(n, c0 + _TILE)
                G = self.sq[None, c0:c1] - 2 * (Zr @ self.Z[c0:c1].T)
                mine = (tr >= c0) & (tr < c1)  # a row is never its own neighbour
                if bool(mine.any()):
                    at = torch.nonzero(mine).flatten()
                    G[at, tr[at] - c0] = float("inf")
                vals = torch.cat([best_v, G], dim=1)
                ids = torch.cat([best_i, torch.arange(c0, c1, device=dev).expand(len(tr), -1)], dim=1)
                top = torch.topk(vals, c, dim=1, largest=False, sorted=False)
                best_v, best_i = top.values, torch.gather(ids, 1, top.indices)
            cand[r0:r0 + len(tr)] = best_i.cpu().numpy()
            last[r0:r0 + len(tr)] = best_v.max(dim=1).values.double().cpu().numpy()
        if c == n - 1:  # every other row is a candidate: nothing lies outside
            return cand, np.full(len(rows), np.inf)
        return cand, (last + self.sq_host[rows] - self.tol[rows]) * self.unit**2


def knn(X: np.ndarray, k: int, *, metric: str = "euclidean", dtype: Any = np.float64,
        device: Any = "cpu") -> tuple[np.ndarray, np.ndarray]:
    """``(indices, distances)`` of the ``k`` nearest other rows of every row, on ``device``.

    :func:`tda_nn.clouds.nearest_neighbors` with ``device=``: candidates from
    :class:`KnnSearch`, distances re-measured in float64, rows sorted by distance
    and ties by index (a row is never its own neighbour; among duplicates the other
    copies are neighbours at 0).
    """
    from ..clouds import nearest_neighbors

    return nearest_neighbors(X, k, metric=metric, dtype=dtype, device=device)


# -- the spanning tree ----------------------------------------------------------------------
class DeviceSearch:
    """The tile search of :mod:`tda_nn.homology._mst` ("nearest point with another label") on a device."""

    def __init__(self, X: np.ndarray, device: Any, dtype: Any) -> None:
        torch = _torch()
        self.X = X  # float64, centred (or unit rows), on the host: exact re-measurement
        self.dev, self.tdt = device_of(device), _dtype(dtype)
        # the tiles only compare, so the cloud is divided by a power of two near its largest |value| (exact):
        # float32 squares of a cloud at 1e30 would overflow, at 1e-30 underflow; exact() measures X itself
        top = float(np.abs(X).max(initial=0.0))
        Xs = X / float(np.ldexp(1.0, int(np.frexp(top)[1]) - 1)) if 0.0 < top < np.inf else X
        self.Z = torch.as_tensor(Xs, device=self.dev).to(self.tdt)
        self.sq = (self.Z * self.Z).sum(dim=1)
        norm = np.sqrt(np.einsum("ij,ij->i", Xs, Xs))
        eps = torch.finfo(self.tdt).eps
        self.tol = torch.as_tensor(4.0 * (X.shape[1] + 2) * eps * (norm + norm.max()) ** 2, device=self.dev).to(self.tdt)

    def exact(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        out = np.empty(len(i))
        for s in range(0, len(i), 1 << 14):
            diff = self.X[i[s:s + (1 << 14)]] - self.X[j[s:s + (1 << 14)]]
            out[s:s + (1 << 14)] = np.sqrt(np.einsum("ij,ij->i", diff, diff))
        return out

    def rows(self, rows: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        torch = _torch()
        n = self.X.shape[0]
        if labels is None:  # every point its own component
            labels = np.arange(n)
        best_d = np.full(len(rows), np.inf)
        best_j = np.full(len(rows), -1, dtype=np.int64)
        tr = torch.as_tensor(rows, device=self.dev)
        lab = torch.as_tensor(labels, device=self.dev)
        lab_r = lab[tr]
        Zr, tol = self.Z[tr], self.tol[tr]
        for c0 in range(0, n, _TILE):
            c1 = min(n, c0 + _TILE)
            G = self.sq[None, c0:c1] - 2 * (Zr @ self.Z[c0:c1].T)
            G.masked_fill_(lab_r[:, None] == lab[None, c0:c1], float("inf"))
            m = G.min(dim=1).values
            ok = torch.isfinite(m)
            ri, ci = torch.nonzero((G <= (m + tol)[:, None]) & ok[:, None], as_tuple=True)
            ri, ci = ri.cpu().numpy(), ci.cpu().numpy() + c0
            if not len(ri):
                continue
            d = self.exact(rows[ri], ci)
            order = np.lexsort((ci, d, ri))
            ri, d, ci = ri[order], d[order], ci[order]
            first = np.ones(len(ri), dtype=bool)
            first[1:] = ri[1:] != ri[:-1]
            ri, d, ci = ri[first], d[first], ci[first]
            better = (d < best_d[ri]) | ((d == best_d[ri]) & (ci < best_j[ri]))
            best_d[ri[better]] = d[better]
            best_j[ri[better]] = ci[better]
        return best_d, best_j

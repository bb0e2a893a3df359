"""``Diagrams``: persistence diagrams per homology dimension, with provenance.

A ``Diagrams`` is the currency every stage after homology speaks. It holds one
read-only ``(k, 2)`` float64 array of (birth, death) pairs per homology
dimension, index ``i`` being H_i, with infinite deaths kept as ``inf``; and a
JSON-safe ``meta`` dict recording how it was made (backend, complex, metric,
maxdim, threshold, coeff, n_points, and later layer, step, subsample radius).
"""

from __future__ import annotations

import json
import math
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .validation import as_numpy, check_int, check_real

__all__ = ["Diagrams"]

_FORMAT = "tda_nn.Diagrams/1"


def _as_bars(arr: Any, dim: int) -> np.ndarray:
    """Validate one diagram: shape (k, 2), finite births, no NaN, birth <= death."""
    name = f"diagram of H{dim}"
    a = as_numpy(arr, name=name).astype(np.float64)
    if a.size == 0:
        if a.shape[0] != 0 or a.ndim > 2:  # e.g. (5, 0): five rows with no (birth, death)
            raise ValueError(
                f"{name} must have shape (k, 2) of (birth, death) pairs, got shape {a.shape}; "
                "an empty diagram is np.empty((0, 2))."
            )
        return np.empty((0, 2), dtype=np.float64)
    if a.ndim != 2 or a.shape[1] != 2:
        raise ValueError(f"{name} must have shape (k, 2) of (birth, death) pairs, got shape {a.shape}.")
    if np.isnan(a).any():
        raise ValueError(f"{name} contains NaN; births and deaths must be numbers (death may be inf).")
    if not np.isfinite(a[:, 0]).all():
        raise ValueError(f"{name} has infinite births; only deaths may be infinite.")
    bad = a[:, 1] < a[:, 0]
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"{name} has {int(bad.sum())} bars with death < birth, first ({a[i, 0]}, {a[i, 1]}) "
            f"at row {i}. For superlevel-set filtrations, negate the values."
        )
    return np.ascontiguousarray(a)


def plain(value: Any) -> Any:
    """Convert numpy scalars/arrays and tuples in ``meta`` to plain Python values."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return plain(value.tolist())
    if isinstance(value, np.generic):
        return plain(value.item())
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def jsonable(value: Any) -> Any:
    """Plain values with non-finite floats encoded so that they survive strict JSON."""
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return {"__float__": repr(value)}  # inf, -inf, nan
    return value


def unjson(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"__float__"}:
            return float(value["__float__"])
        return {k: unjson(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unjson(v) for v in value]
    return value


class Diagrams(Sequence):
    """Persistence diagrams, one per homology dimension, with provenance.

    Parameters
    ----------
    diagrams : sequence of array-like of shape (k_i, 2)
        ``diagrams[i]`` holds the (birth, death) pairs of H_i. Deaths may be
        ``inf`` (essential classes); births must be finite and ``<= death``.
    meta : dict, optional
        Provenance. Values are converted to JSON-safe Python types.

    Examples
    --------
    >>> import numpy as np
    >>> from tda_nn import Diagrams
    >>> d = Diagrams([[[0.0, np.inf], [0.0, 1.0]], [[0.5, 2.0]]], meta={"complex": "rips"})
    >>> d[1]
    array([[0.5, 2. ]])
    >>> d.betti_numbers(at=1.5)
    array([1, 1])
    """

    __slots__ = ("_dgms", "_meta")

    def __init__(self, diagrams: Iterable[Any], meta: Mapping[str, Any] | None = None):
        if isinstance(diagrams, Diagrams):
            meta = {**diagrams.meta, **(meta or {})}
            diagrams = list(diagrams)
        if isinstance(diagrams, (str, bytes, Mapping)) or not isinstance(diagrams, Iterable):
            raise TypeError(
                f"diagrams must be a list of (k, 2) arrays, one per homology dimension, "
                f"got {type(diagrams).__name__}."
            )
        dgms = []
        for dim, arr in enumerate(diagrams):
            a = _as_bars(arr, dim)
            a.setflags(write=False)
            dgms.append(a)
        if meta is not None and not isinstance(meta, Mapping):
            raise TypeError(f"meta must be a dict, got {type(meta).__name__}.")
        self._dgms: tuple[np.ndarray, ...] = tuple(dgms)
        self._meta: dict[str, Any] = plain(dict(meta or {}))

    # -- container protocol --------------------------------------------------
    def __getitem__(self, dim):  # type: ignore[override]
        if isinstance(dim, slice):
            raise TypeError("Diagrams cannot be sliced; use dgms[i] for H_i or list(dgms).")
        dim = check_int(dim, name="dim")
        if not -len(self._dgms) <= dim < len(self._dgms):
            raise IndexError(
                f"homology dimension {dim} is not in these diagrams, which hold H0..H{self.maxdim}."
            )
        return self._dgms[dim]

    def __len__(self) -> int:
        return len(self._dgms)

    def __iter__(self) -> Iterator[np.ndarray]:
        return iter(self._dgms)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Diagrams):
            return NotImplemented
        return (
            len(self) == len(other)
            and all(np.array_equal(a, b) for a, b in zip(self._dgms, other._dgms))
            and self._meta == other._meta
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        bars = ", ".join(f"H{i}: {len(a)} bars" for i, a in enumerate(self._dgms)) or "empty"
        how = [self._meta.get(k) for k in ("complex", "metric")]
        how_s = "/".join(str(h) for h in how if h)
        tail = "; ".join(s for s in (how_s, str(self._meta.get("backend") or "")) if s)
        return f"Diagrams({bars}" + (f"; {tail})" if tail else ")")

    # -- properties ------------------------------------------------------------
    @property
    def meta(self) -> dict[str, Any]:
        """Provenance: how these diagrams were made (a copy; use ``with_meta`` to change)."""
        return dict(self._meta)

    @property
    def maxdim(self) -> int:
        """The highest homology dimension held (``-1`` when empty)."""
        return len(self._dgms) - 1

    def with_meta(self, **updates: Any) -> Diagrams:
        """Return a copy whose ``meta`` is updated with ``updates``."""
        out = object.__new__(Diagrams)  # the bars are validated and read-only already: shared, not re-checked
        out._dgms = self._dgms
        out._meta = {**self._meta, **plain(dict(updates))}
        return out

    # -- queries ---------------------------------------------------------------
    def lifetimes(self, dim: int) -> np.ndarray:
        """Bar lengths ``death - birth`` of H_dim (``inf`` for essential bars)."""
        a = self[dim]
        return a[:, 1] - a[:, 0]

    def betti_numbers(self, at: float) -> np.ndarray:
        """Betti numbers at scale ``at``: bars with ``birth <= at < death``, per dimension."""
        at = check_real(at, name="at", allow_inf=False)
        return np.array([int(((a[:, 0] <= at) & (at < a[:, 1])).sum()) for a in self._dgms], dtype=int)

    def finite(self) -> Diagrams:
        """A copy without the essential (infinite-death) bars."""
        return Diagrams([a[np.isfinite(a[:, 1])] for a in self._dgms], meta=self._meta)

    def filter(self, min_persistence: float = 0.0) -> Diagrams:
        """A copy keeping bars with lifetime strictly greater than ``min_persistence``."""
        m = check_real(min_persistence, name="min_persistence", min_value=0.0)
        return Diagrams([a[(a[:, 1] - a[:, 0]) > m] for a in self._dgms], meta={**self._meta, "min_persistence": m})

    # -- conversions -----------------------------------------------------------
    def to_list(self) -> list[np.ndarray]:
        """A list of writable ``(k, 2)`` arrays (ripser's ``dgms``, gudhi's intervals)."""
        return [a.copy() for a in self._dgms]

    @classmethod
    def from_list(cls, diagrams: Sequence[Any], meta: Mapping[str, Any] | None = None) -> Diagrams:
        """From a list of ``(k, 2)`` arrays, e.g. gudhi's ``persistence_intervals_in_dimension``."""
        return cls(diagrams, meta=meta)

    @classmethod
    def from_ripser(cls, result: Any, meta: Mapping[str, Any] | None = None) -> Diagrams:
        """From ``ripser.ripser`` / ``gph.ripser_parallel`` output (the dict or its ``dgms``)."""
        if isinstance(result, Mapping):
            if "dgms" not in result:
                raise ValueError("result is a dict without 'dgms'; pass ripser's return value.")
            result = result["dgms"]
        return cls(result, meta=meta)

    def to_ripser(self) -> list[np.ndarray]:
        """ripser's ``dgms`` format: a list of ``(k, 2)`` arrays."""
        return self.to_list()

    @classmethod
    def from_gudhi(
        cls, persistence: Iterable[Any], maxdim: int | None = None, meta: Mapping[str, Any] | None = None
    ) -> Diagrams:
        """From gudhi's ``SimplexTree.persistence()`` list of ``(dim, (birth, death))``.

        ``maxdim`` fixes the number of dimensions (gudhi omits empty ones).
        """
        pairs = list(persistence)
        top = max((int(d) for d, _ in pairs), default=-1)
        top = top if maxdim is None else check_int(maxdim, name="maxdim", min_value=0)
        _check_top(top, "persistence" if maxdim is None else "maxdim")
        out: list[list[tuple[float, float]]] = [[] for _ in range(top + 1)]
        for d, (b, e) in pairs:
            if int(d) <= top:
                out[int(d)].append((float(b), float(e)))
        return cls([np.array(o, dtype=np.float64).reshape(-1, 2) for o in out], meta=meta)

    def to_gudhi(self) -> list[tuple[int, tuple[float, float]]]:
        """gudhi's persistence list ``[(dim, (birth, death)), ...]``."""
        return [(d, (float(b), float(e))) for d, a in enumerate(self._dgms) for b, e in a]

    @classmethod
    def from_giotto(
        cls, triples: Any, maxdim: int | None = None, meta: Mapping[str, Any] | None = None
    ) -> Diagrams:
        """From giotto-tda's ``(k, 3)`` (birth, death, dim) triples of one diagram.

        giotto-tda pads diagrams with zero-length points (birth == death); they
        carry no information and are dropped.
        """
        t = as_numpy(triples, name="triples").astype(np.float64)
        if t.size == 0:
            t = t.reshape(0, 3)
        if t.ndim != 2 or t.shape[1] != 3:
            raise ValueError(
                f"triples must have shape (k, 3) of (birth, death, dim); got {t.shape}. "
                "For a stack (n, k, 3), convert each t[i]."
            )
        dims = t[:, 2]
        if np.isnan(dims).any() or (dims != np.round(dims)).any() or (dims < 0).any():
            raise ValueError("triples[:, 2] must hold non-negative integer homology dimensions.")
        top = int(dims.max()) if len(dims) else -1
        top = top if maxdim is None else check_int(maxdim, name="maxdim", min_value=0)
        _check_top(top, "triples" if maxdim is None else "maxdim")
        keep = t[:, 0] != t[:, 1]
        return cls([t[keep & (dims == d)][:, :2] for d in range(top + 1)], meta=meta)

    def to_giotto(self) -> np.ndarray:
        """giotto-tda's ``(k, 3)`` (birth, death, dim) triples, inf deaths kept."""
        parts = [np.column_stack([a, np.full(len(a), d, dtype=np.float64)]) for d, a in enumerate(self._dgms)]
        return np.concatenate(parts) if parts else np.empty((0, 3))

    # -- figures ------------------------------------------------------------------
    # Drawn by tda_nn.plotting.draw, the drawing primitives on the floor below this
    # room (numpy and matplotlib only); matplotlib is imported when a figure is asked for.
    def plot(self, ax: Any = None, *, dims: Sequence[int] | None = None, title: str | None = None,
             legend: bool = True, size: float = 14) -> Any:
        """Draw the persistence diagram: birth against death, one colour per dimension.

        Essential bars (``death = inf``) are drawn as triangles on a dashed line marked
        ``inf`` just above the finite range. ``dims`` selects dimensions (default: all).

        Returns
        -------
        matplotlib.axes.Axes
            ``ax``, or the Axes of a new figure when ``ax`` is None.
        """
        from .plotting.draw import axes, diagram_dims, draw_diagram

        _, ax = axes(ax, (4.6, 4.4))
        return draw_diagram(ax, self, diagram_dims(self, dims), title=title, legend=legend, size=size)

    def plot_barcode(self, ax: Any = None, *, dims: Sequence[int] | None = None, max_bars: int = 60,
                     title: str | None = None) -> Any:
        """Draw the barcode: the ``max_bars`` longest bars of each dimension as segments.

        Essential bars run to a dashed line marked ``inf`` beyond the finite range.

        Returns
        -------
        matplotlib.axes.Axes
            ``ax``, or the Axes of a new figure when ``ax`` is None.
        """
        from .plotting.draw import axes, diagram_dims, draw_barcode

        _, ax = axes(ax, (6.0, 4.4))
        return draw_barcode(ax, self, diagram_dims(self, dims), max_bars=check_int(max_bars, name="max_bars", min_value=1),
                            title=title)

    # -- serialisation ---------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict; ``inf`` is written as the string ``"inf"`` and read back exactly."""
        return {
            "format": _FORMAT,
            "diagrams": [[[float(b), float(d) if math.isfinite(d) else "inf"] for b, d in a] for a in self._dgms],
            "meta": jsonable(self._meta),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Diagrams:
        """Inverse of ``to_dict``."""
        if not isinstance(data, Mapping) or "diagrams" not in data:
            raise ValueError("data must be a dict made by Diagrams.to_dict() (a 'diagrams' key is missing).")
        try:
            arrs = [
                np.array([[float(b), float(d)] for b, d in dim], dtype=np.float64).reshape(-1, 2)
                for dim in data["diagrams"]
            ]
        except (TypeError, ValueError) as exc:
            raise ValueError(f"data['diagrams'] is malformed: {exc}") from None
        return cls(arrs, meta=unjson(data.get("meta", {})))

    def save(self, path: str | Path) -> Path:
        """Write one ``.npz`` (exact float64 arrays and JSON meta); returns the path."""
        path = Path(path)
        if path.suffix != ".npz":
            path = path.with_name(path.name + ".npz")
        arrays = {f"H{i}": a for i, a in enumerate(self._dgms)}
        meta = json.dumps({"format": _FORMAT, "maxdim": self.maxdim, "meta": jsonable(self._meta)}, allow_nan=False)
        tmp = path.with_name(path.name + ".tmp.npz")
        np.savez(tmp, __meta__=np.array(meta), **arrays)
        tmp.replace(path)
        return path

    @classmethod
    def load(cls, path: str | Path) -> Diagrams:
        """Read a file written by ``save``.

        Raises
        ------
        FileNotFoundError
            ``path`` does not exist.
        ValueError
            The file is truncated, corrupt, of another kind, or holds bars that are
            not a valid diagram; the message names the path and what was wrong.
        """
        path = Path(path)
        if not path.exists():
            raise FileNotFoundError(f"path {str(path)!r} does not exist.")
        from ._files import META_LIMIT, check_npz, loads_json, require_npz, require_regular

        require_regular(path, what="path")  # a named pipe would block np.load forever
        try:
            require_npz(path)
            check_npz(path, limits={"__meta__": META_LIMIT})  # declared sizes, before decompressing
            z = np.load(path, allow_pickle=False)
            with z:
                head = loads_json(str(z["__meta__"]), what="the metadata")
                if not isinstance(head, dict) or head.get("format") != _FORMAT:
                    got = head.get("format") if isinstance(head, dict) else type(head).__name__
                    raise ValueError(f"unknown format {got!r}, expected {_FORMAT!r}")
                maxdim = head.get("maxdim")
                if isinstance(maxdim, bool) or not isinstance(maxdim, int) or maxdim < 0:
                    raise ValueError(f"maxdim must be an int >= 0, got {maxdim!r}")
                arrs = [z[f"H{i}"] for i in range(maxdim + 1)]
            # a readable archive can still hold bars that are no diagram (death < birth, NaN, ...)
            return cls(arrs, meta=unjson(head.get("meta", {})))
        except (OSError, KeyError, ValueError, TypeError, AttributeError, zipfile.BadZipFile, EOFError,
                RecursionError) as exc:
            if isinstance(exc, MemoryError):  # MemoryBudgetError: the declared sizes do not fit
                raise
            raise ValueError(
                f"path {str(path)!r} is not a readable tda_nn diagrams file ({type(exc).__name__}: {exc})."
            ) from None


# A Diagrams holds one array per homology dimension up to the largest declared one; a
# declared dimension of 10^9 (one bar) would allocate 10^9 arrays (MemoryError after 41 s).
# No Rips, alpha or cubical computation reaches dimension 1024 (a 1024-simplex has 1025
# vertices and C(n, 1026) cells), so larger declared dimensions are refused at once.
MAX_HOMOLOGY_DIM = 1024


def _check_top(top: int, name: str) -> None:
    if top > MAX_HOMOLOGY_DIM:
        raise ValueError(
            f"{name} declares homology dimension {top}; a Diagrams holds one array per dimension up to the "
            f"largest, and dimensions above {MAX_HOMOLOGY_DIM} are refused before anything is allocated. "
            "Check the dimensions of the input (gudhi: (dim, (birth, death)); giotto-tda: (birth, death, dim))."
        )

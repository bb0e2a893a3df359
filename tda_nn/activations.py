"""``Activations``: captured layer representations, and how they are stored.

An ``Activations`` is an ordered, read-only mapping ``layer name -> ndarray``
whose arrays share their first axis (samples), plus optional ``targets`` (labels
per sample), an optional token ``mask`` (which token positions are real, for
``reduce="none"`` captures of padded text) and a JSON-safe ``meta`` dict.

Two stores, both written atomically:

* one ``.npz`` file (``save("acts.npz")``): written to a temporary file, then
  renamed over the target;
* a directory (``save("acts/")``, or ``capture(..., store="acts/")``): one ``.npy``
  per layer plus ``manifest.json``. The manifest is written last, by an atomic
  rename, so a store whose writer was interrupted has no manifest and is refused
  by ``load``. A directory store loads memory-mapped (``mmap_mode="r"``), so
  arrays larger than memory can be read a slice at a time.

This module never imports torch.
"""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from ._files import META_LIMIT, check_npy, check_npz, inside, loads_json, read_json, require_npz, require_regular
from .diagrams import jsonable, unjson
from .validation import as_numpy, check_real_dtype, suggest

__all__ = ["Activations"]

_FORMAT = "tda_nn.Activations/1"
_MANIFEST = "manifest.json"
_NPY_MAGIC = b"\x93NUMPY\x01\x00"
_ALIGN = 64


class _UnknownLayerError(KeyError):
    """A ``KeyError`` (so ``in``/``get`` work) whose message is printed unquoted."""

    def __str__(self) -> str:
        return str(self.args[0])


def _readonly(a: np.ndarray) -> np.ndarray:
    """A read-only view: the caller's array keeps its own flags."""
    v = a.view()
    v.flags.writeable = False
    return v


class Activations(Mapping):
    """Captured representations: ordered mapping ``layer -> ndarray`` over the same samples.

    Parameters
    ----------
    arrays : mapping of str to array-like of shape (n_samples, ...)
        One array per layer, in layer order. Pooled captures are
        ``(n_samples, n_features)``; ``reduce="none"`` captures keep each sample's
        structure, e.g. ``(n_samples, n_tokens, dim)`` or ``(n_samples, H*W, C)``.
        Arrays are kept as given (no copy; memory maps stay memory maps) and
        exposed through read-only views.
    targets : array-like of shape (n_samples, ...), optional
        Labels or other per-sample targets.
    mask : array-like of bool, shape (n_samples, n_tokens), optional
        Which token positions are real (``attention_mask``) in per-token arrays.
    meta : dict, optional
        Provenance (model class, reduce, requested layers, dtype, ...), made JSON-safe.

    Examples
    --------
    >>> import numpy as np
    >>> from tda_nn import Activations
    >>> acts = Activations({"fc1": np.zeros((4, 3)), "fc2": np.ones((4, 2))}, targets=np.arange(4))
    >>> acts.layers
    ('fc1', 'fc2')
    >>> acts["fc2"].shape, acts.n_samples
    ((4, 2), 4)
    """

    __slots__ = ("_arrays", "_targets", "_mask", "_meta")

    def __init__(
        self,
        arrays: Mapping[str, Any],
        *,
        targets: Any = None,
        mask: Any = None,
        meta: Mapping[str, Any] | None = None,
    ):
        if not isinstance(arrays, Mapping):
            raise TypeError(f"arrays must be a dict of layer name -> array, got {type(arrays).__name__}.")
        if len(arrays) == 0:
            raise ValueError("arrays must hold at least one layer, got an empty dict.")
        out: dict[str, np.ndarray] = {}
        n = None
        for name, a in arrays.items():
            if not isinstance(name, str):
                raise TypeError(f"layer names must be str, got {type(name).__name__} {name!r}.")
            a = a if isinstance(a, np.ndarray) else as_numpy(a, name=f"arrays[{name!r}]")
            _check_numeric(a, f"arrays[{name!r}]")
            if a.ndim == 0:
                raise ValueError(f"arrays[{name!r}] must have a samples axis, got a 0-d array.")
            if n is None:
                n = a.shape[0]
            elif a.shape[0] != n:
                first = next(iter(out))
                raise ValueError(
                    f"all layers must hold the same number of samples: {first!r} has {n}, "
                    f"{name!r} has {a.shape[0]} (shape {a.shape})."
                )
            out[name] = _readonly(a)
        self._arrays = out
        self._targets = None if targets is None else _readonly(self._check_rows(targets, "targets", n))
        self._mask = None if mask is None else _readonly(self._check_mask(mask, n, out))
        if meta is not None and not isinstance(meta, Mapping):
            raise TypeError(f"meta must be a dict, got {type(meta).__name__}.")
        self._meta: dict[str, Any] = unjson(jsonable(dict(meta or {})))  # JSON-safe values, inf kept

    @staticmethod
    def _check_rows(x: Any, name: str, n: int | None) -> np.ndarray:
        a = x if isinstance(x, np.ndarray) else np.asarray(as_numpy(x, name=name))
        if a.dtype == object or np.iscomplexobj(a):
            _check_numeric(a, name)
        if a.ndim == 0 or a.shape[0] != n:
            raise ValueError(f"{name} must have one row per sample ({n}), got shape {a.shape}.")
        return a

    @classmethod
    def _check_mask(cls, mask: Any, n: int | None, arrays: Mapping[str, np.ndarray]) -> np.ndarray:
        m = cls._check_rows(mask, "mask", n)
        _check_numeric(m, "mask")
        if m.ndim < 2:
            raise ValueError(f"mask must have shape (n_samples, n_tokens), got shape {m.shape}.")
        tokens = {k: a.shape[1] for k, a in arrays.items() if a.ndim == 3}
        if tokens and m.ndim == 2 and m.shape[1] not in tokens.values():
            raise ValueError(
                f"mask has {m.shape[1]} token positions (shape {m.shape}), but the per-token layers have "
                f"{sorted(set(tokens.values()))} ({', '.join(f'{k!r} {arrays[k].shape}' for k in tokens)}); "
                "pass the attention_mask of the same batch."
            )
        return m.astype(bool, copy=False)

    # -- mapping protocol --------------------------------------------------------
    def __getitem__(self, layer: str) -> np.ndarray:
        try:
            return self._arrays[layer]
        except (KeyError, TypeError):
            raise _UnknownLayerError(
                f"layer {layer!r} was not captured; captured layers are {list(self._arrays)}."
                f"{suggest(str(layer), self._arrays)}"
            ) from None

    def __contains__(self, layer: object) -> bool:
        return layer in self._arrays

    def __len__(self) -> int:
        return len(self._arrays)

    def __iter__(self) -> Iterator[str]:
        return iter(self._arrays)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Activations):
            return NotImplemented

        def same(a: np.ndarray | None, b: np.ndarray | None) -> bool:
            return (a is None and b is None) or (a is not None and b is not None and np.array_equal(a, b))

        return (
            self.layers == other.layers
            and all(a.dtype == b.dtype and np.array_equal(a, b) for a, b in zip(self.values(), other.values()))
            and same(self._targets, other._targets)
            and same(self._mask, other._mask)
            and self._meta == other._meta
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        shown = [f"{k!r} {tuple(a.shape[1:])}" for k, a in list(self._arrays.items())[:4]]
        more = f", ... +{len(self) - 4}" if len(self) > 4 else ""
        tgt = ", targets" if self._targets is not None else ""
        return f"Activations({self.n_samples} samples; {', '.join(shown)}{more}{tgt})"

    # -- properties ----------------------------------------------------------------
    @property
    def layers(self) -> tuple[str, ...]:
        """Layer names in capture order."""
        return tuple(self._arrays)

    @property
    def n_samples(self) -> int:
        """Number of samples (the shared first axis)."""
        return int(next(iter(self._arrays.values())).shape[0])

    @property
    def targets(self) -> np.ndarray | None:
        """Per-sample targets (labels), or ``None``."""
        return self._targets

    @property
    def mask(self) -> np.ndarray | None:
        """``(n_samples, n_tokens)`` bool mask of real token positions, or ``None``."""
        return self._mask

    @property
    def meta(self) -> dict[str, Any]:
        """Provenance (a copy)."""
        return dict(self._meta)

    def subset(self, layers: list[str] | tuple[str, ...]) -> Activations:
        """A new ``Activations`` with only ``layers`` (in the order given); arrays are shared."""
        if isinstance(layers, str):
            layers = [layers]
        return Activations(
            {name: self[name] for name in layers}, targets=self._targets, mask=self._mask, meta=self._meta
        )

    # -- storage -------------------------------------------------------------------
    def _manifest(self, files: list[str], extra: dict[str, str]) -> dict[str, Any]:
        return {
            "format": _FORMAT,
            "n_samples": self.n_samples,
            "layers": [
                {"name": k, "file": f, "shape": list(a.shape), "dtype": a.dtype.str}
                for (k, a), f in zip(self._arrays.items(), files)
            ],
            **extra,
            "meta": jsonable(self._meta),
        }

    def save(self, path: str | Path) -> Path:
        """Write to ``path``: one ``.npz`` if it ends in ``.npz``, else a directory store.

        Both forms are atomic: an interrupted ``save`` never leaves something that
        ``load`` accepts. Saving over an existing directory store first removes its
        manifest. Returns the path written.
        """
        path = Path(path)
        if path.suffix == ".npz":
            files = [f"layer_{i:03d}" for i in range(len(self))]
            extra = {}
            arrays = dict(zip(files, self._arrays.values()))
            for key, a in (("targets", self._targets), ("mask", self._mask)):
                if a is not None:
                    arrays[key] = a
                    extra[key] = key
            head = json.dumps(self._manifest(files, extra))
            tmp = path.with_name(path.name + ".tmp")
            try:
                with open(tmp, "wb") as f:
                    np.savez(f, __manifest__=np.array(head), **arrays)
                os.replace(tmp, path)
            finally:
                tmp.unlink(missing_ok=True)
            return path
        begin_store(path)
        files = [f"layer_{i:03d}.npy" for i in range(len(self))]
        for f, a in zip(files, self._arrays.values()):
            _save_npy(path / f, a)
        extra = {}
        for key, a in (("targets", self._targets), ("mask", self._mask)):
            if a is not None:
                _save_npy(path / f"{key}.npy", a)
                extra[key] = f"{key}.npy"
        write_manifest(path, self._manifest(files, extra))
        return path

    @classmethod
    def load(cls, path: str | Path) -> Activations:
        """Read an ``.npz`` or a directory store written by ``save`` or ``capture(store=...)``.

        Directory stores are memory-mapped read-only. A store without a manifest
        (an interrupted capture), a corrupt or truncated file, or a file of another
        kind raises ``ValueError`` naming the path.
        """
        path = Path(path)
        if not path.exists():
            raise FileNotFoundError(f"path {str(path)!r} does not exist.")
        if path.is_dir():
            return cls._load_dir(path)
        require_regular(path, what="path")  # a named pipe would block np.load forever
        try:
            require_npz(path)
            check_npz(path, limits={"__manifest__": META_LIMIT})  # declared sizes, before decompressing
            z = np.load(path, allow_pickle=False)
            with z:
                head = loads_json(str(z["__manifest__"]), what="the manifest")
                _check_head(head)
                arrays = {e["name"]: z[e["file"]] for e in head["layers"]}
                extra = {k: z[head[k]] for k in ("targets", "mask") if head.get(k)}
            # a readable archive can still hold arrays that disagree (row counts, meta)
            return cls(arrays, meta=unjson(head.get("meta", {})), **extra)
        except (OSError, KeyError, ValueError, TypeError, zipfile.BadZipFile, EOFError, RecursionError) as exc:
            if isinstance(exc, MemoryError):  # MemoryBudgetError: the declared sizes do not fit
                raise
            raise ValueError(
                f"path {str(path)!r} is not a readable tda_nn activations file ({type(exc).__name__}: {exc})."
            ) from None

    @classmethod
    def _load_dir(cls, path: Path) -> Activations:
        manifest = path / _MANIFEST
        if not manifest.exists():
            raise ValueError(
                f"directory {str(path)!r} is not a complete tda_nn activations store: it has no "
                f"{_MANIFEST}. The capture or save writing it was interrupted (the manifest is "
                "written last); capture again."
            )
        try:
            head = read_json(manifest, what="manifest")
            _check_head(head)
        except (OSError, ValueError, TypeError, KeyError, RecursionError) as exc:
            raise ValueError(f"{str(manifest)!r} is not a valid tda_nn manifest ({exc}).") from None

        def read(file: str, shape: list[int] | None = None, dtype: str | None = None) -> np.ndarray:
            f = inside(path, file, what=f"the manifest's file entry of {str(path)!r}")  # no symlink out
            try:
                check_npy(f, mmap=True)
                a = np.load(f, mmap_mode="r", allow_pickle=False)
            except (OSError, ValueError, EOFError) as exc:
                raise ValueError(f"{str(f)!r} is missing, truncated or corrupt ({type(exc).__name__}: {exc}).") from None
            if shape is not None and (list(a.shape) != list(shape) or a.dtype.str != dtype):
                raise ValueError(
                    f"{str(f)!r} holds shape {a.shape} {a.dtype}, but the manifest says {tuple(shape)} "
                    f"{np.dtype(dtype)}; the store is inconsistent, capture again."
                )
            return a

        arrays = {e["name"]: read(e["file"], e["shape"], e["dtype"]) for e in head["layers"]}
        extra = {k: np.asarray(read(head[k])) for k in ("targets", "mask") if head.get(k)}
        try:
            return cls(arrays, meta=unjson(head.get("meta", {})), **extra)
        except (ValueError, TypeError, RecursionError) as exc:  # e.g. layers whose files disagree on the sample count
            raise ValueError(f"store {str(path)!r} is inconsistent ({exc}); capture again.") from None


def _check_numeric(a: np.ndarray, name: str) -> None:
    """Numbers or bools only: object (ragged), string and complex arrays are refused by name."""
    check_real_dtype(a, name)
    if not (np.issubdtype(a.dtype, np.number) or a.dtype == bool):
        kind = "ragged or object" if a.dtype == object else f"{a.dtype}"
        raise TypeError(f"{name} must be a rectangular array of numbers, got {kind} data (dtype {a.dtype}).")


def _check_head(head: Any) -> None:
    if not isinstance(head, dict) or head.get("format") != _FORMAT:
        got = head.get("format") if isinstance(head, dict) else type(head).__name__
        raise ValueError(f"unknown format {got!r}, expected {_FORMAT!r}")
    if not isinstance(head.get("layers"), list) or not head["layers"]:
        raise ValueError("the manifest lists no layers")
    for e in head["layers"]:
        if not (isinstance(e, dict) and isinstance(e.get("name"), str) and _plain_file(e.get("file"))
                and isinstance(e.get("shape"), list) and isinstance(e.get("dtype"), str)):
            raise ValueError(f"malformed layer entry {e!r}: expected name, file (in the store), shape and dtype")
    seen: dict[str, int] = {}
    for i, e in enumerate(head["layers"]):  # a dict keeps one of two same-named layers: refuse, never pick
        if e["name"] in seen:
            raise ValueError(
                f"the manifest lists layer {e['name']!r} twice (entries {seen[e['name']]} and {i}); "
                "a store holds each layer once, so it was not written by tda_nn or was edited"
            )
        seen[e["name"]] = i
    for key in ("targets", "mask"):
        if head.get(key) and not _plain_file(head[key]):
            raise ValueError(f"malformed {key} entry {head[key]!r}: expected a file name in the store")


def _plain_file(name: Any) -> bool:
    """A bare file name: the manifest may not point outside its own store."""
    return isinstance(name, str) and name not in ("", ".", "..") and "/" not in name and "\\" not in name


# -- directory store primitives (shared with capture's disk streaming) -----------------
def begin_store(path: Path) -> None:
    """Create ``path`` and invalidate any previous store in it (remove its manifest first)."""
    if path.exists() and not path.is_dir():
        raise ValueError(f"store {str(path)!r} exists and is not a directory; give a directory path or a '.npz' file.")
    path.mkdir(parents=True, exist_ok=True)
    (path / _MANIFEST).unlink(missing_ok=True)


def _save_npy(path: Path, a: np.ndarray) -> None:
    tmp = path.with_name(path.name + ".part")
    with open(tmp, "wb") as f:
        np.save(f, np.asarray(a), allow_pickle=False)
    os.replace(tmp, path)


def write_manifest(path: Path, manifest: dict[str, Any]) -> None:
    """Write ``manifest.json`` atomically; this is what makes a directory store complete."""
    tmp = path / (_MANIFEST + ".tmp")
    with open(tmp, "w") as f:
        json.dump(manifest, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path / _MANIFEST)


def _npy_header(shape: tuple[int, ...], dtype: np.dtype, length: int | None = None) -> bytes:
    """A version-1.0 ``.npy`` header for a C-order array, padded to ``length`` bytes."""
    d = repr({"descr": np.lib.format.dtype_to_descr(dtype), "fortran_order": False, "shape": tuple(shape)})
    body = d.encode("latin1")
    if length is None:
        length = -(-(len(_NPY_MAGIC) + 2 + len(body) + 1) // _ALIGN) * _ALIGN
    pad = length - len(_NPY_MAGIC) - 2 - len(body) - 1
    if pad < 0:
        raise ValueError(f"npy header for shape {shape} does not fit in {length} bytes")
    hlen = length - len(_NPY_MAGIC) - 2
    return _NPY_MAGIC + hlen.to_bytes(2, "little") + body + b" " * pad + b"\n"


class NpyWriter:
    """Append rows to ``<path>.part`` and turn it into a valid ``.npy`` at ``finish``.

    The header space is reserved up front for any row count, so rows stream
    straight to disk without knowing how many will come; memory stays flat.
    """

    def __init__(self, path: Path, row_shape: tuple[int, ...], dtype: np.dtype):
        self.path = path
        self.part = path.with_name(path.name + ".part")
        self.row_shape = tuple(row_shape)
        self.dtype = np.dtype(dtype)
        self.n = 0
        self._hlen = len(_npy_header((10**18, *self.row_shape), self.dtype))
        self._f: BinaryIO | None = open(self.part, "wb")
        self._f.write(b"\0" * self._hlen)

    def write(self, rows: np.ndarray) -> None:
        rows = np.ascontiguousarray(rows, dtype=self.dtype)
        if self._f is None:
            raise ValueError(f"{str(self.part)!r} is already closed.")
        self._f.write(rows.data)
        self.n += rows.shape[0]

    def finish(self) -> Path:
        if self._f is None:
            raise ValueError(f"{str(self.part)!r} is already closed.")
        self._f.seek(0)
        self._f.write(_npy_header((self.n, *self.row_shape), self.dtype, self._hlen))
        self._f.close()
        self._f = None
        os.replace(self.part, self.path)
        return self.path

    def abort(self) -> None:
        if self._f is not None:
            self._f.close()
            self._f = None
        self.part.unlink(missing_ok=True)


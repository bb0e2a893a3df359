"""Keeping long analyses: atomic files, fingerprints of inputs, and a cache of finished stages.

* :func:`atomic_write_bytes` / :func:`atomic_write_text` -- a file is either the old
  one or the new one, never a mix: the bytes go to a temporary file beside the
  target, are flushed to disk, and replace the target in one ``os.replace``. A kill
  or a full disk before the replace leaves the old file untouched (and no temporary
  file behind, when Python gets to clean up).
* :func:`fingerprint` -- a short SHA-256 of arrays, numbers, strings and nested
  dicts/lists of them: what decides whether a stage's inputs are unchanged.
* :class:`StageCache` -- each finished stage of a workflow is written under
  ``<out>/.tda_nn_cache/`` keyed by the fingerprint of everything that shaped it;
  a re-run with the same output directory reuses it and says which stages it reused.

Numpy-only (the model's fingerprint is computed in :mod:`tda_nn.nn.capturing`).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["StageCache", "atomic_write_bytes", "atomic_write_text", "fingerprint"]

_CACHE_DIR = ".tda_nn_cache"


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never a mix."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return path


def atomic_write_text(path: str | Path, text: str) -> Path:
    """:func:`atomic_write_bytes` of ``text`` encoded as UTF-8."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def _feed(h: Any, value: Any) -> None:
    if value is None or isinstance(value, (bool, int, float, str)):
        h.update(json.dumps(value).encode())
    elif isinstance(value, bytes):
        h.update(b"bytes:" + value)
    elif isinstance(value, np.ndarray) or hasattr(value, "__array__") and not isinstance(value, (list, tuple)):
        arr = np.ascontiguousarray(np.asarray(value))
        h.update(f"array:{arr.dtype.str}:{arr.shape}:".encode())
        h.update(arr.tobytes() if arr.dtype != object else repr(arr.tolist()).encode())
    elif isinstance(value, np.generic):
        _feed(h, value.item())
    elif isinstance(value, Mapping):
        h.update(b"{")
        for k in sorted(value, key=str):
            _feed(h, str(k))
            _feed(h, value[k])
        h.update(b"}")
    elif isinstance(value, Sequence):
        h.update(b"[")
        for v in value:
            _feed(h, v)
        h.update(b"]")
    else:
        h.update(f"repr:{type(value).__qualname__}:{value!r}".encode())


def fingerprint(*parts: Any, length: int = 16) -> str:
    """A hex SHA-256 prefix of ``parts`` (arrays by dtype, shape and bytes; dicts by sorted key).

    Equal inputs give equal fingerprints across processes and runs; any change to
    a value, a shape or a dtype changes it.
    """
    h = hashlib.sha256()
    for p in parts:
        _feed(h, p)
    return h.hexdigest()[:length]


class StageCache:
    """Finished stages of one analysis, kept in ``<directory>/.tda_nn_cache/``.

    ``get(stage, key)`` returns what ``put(stage, key, value)`` stored under the same
    fingerprint ``key`` (or None); values are JSON-able data with numpy arrays inside
    (saved as one ``.npz`` per stage, written atomically). ``enabled=False`` never
    reads (every stage recomputes) but still writes, so the next run can reuse.
    ``reused`` and ``computed`` list the stages of this run by what happened to them.
    """

    def __init__(self, directory: str | Path | None, *, enabled: bool = True):
        self.root = None if directory is None else Path(directory) / _CACHE_DIR
        self.enabled = bool(enabled)
        self.reused: list[str] = []
        self.computed: list[str] = []

    def _file(self, stage: str, key: str) -> Path:
        assert self.root is not None
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in stage)
        return self.root / f"{safe}-{key}.npz"

    def get(self, stage: str, key: str) -> Any:
        if self.root is None or not self.enabled:
            return None
        path = self._file(stage, key)
        if not path.is_file():
            return None
        try:
            with np.load(path, allow_pickle=False) as z:
                arrays = {k: z[k] for k in z.files if k != "__meta__"}
                meta = json.loads(str(z["__meta__"]))
        except (OSError, ValueError, KeyError, zipfile.BadZipFile, EOFError):  # a damaged cache entry is recomputed, never trusted
            return None
        self.reused.append(stage)
        return _restore(meta, arrays)

    def put(self, stage: str, key: str, value: Any) -> Any:
        self.computed.append(stage)
        if self.root is None:
            return value
        arrays: dict[str, np.ndarray] = {}
        meta = _strip(value, arrays)
        import io

        buf = io.BytesIO()
        np.savez(buf, __meta__=np.array(json.dumps(meta, allow_nan=True)), **arrays)
        atomic_write_bytes(self._file(stage, key), buf.getvalue())
        return value


def _strip(value: Any, arrays: dict[str, np.ndarray]) -> Any:
    """JSON-able skeleton of ``value`` with every array replaced by a reference into ``arrays``."""
    if isinstance(value, np.ndarray):
        key = f"a{len(arrays)}"
        arrays[key] = value
        return {"__array__": key}
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Mapping):
        return {"__dict__": [[_strip(k, arrays), _strip(v, arrays)] for k, v in value.items()]}
    if isinstance(value, tuple):
        return {"__tuple__": [_strip(v, arrays) for v in value]}
    if isinstance(value, list):
        return [_strip(v, arrays) for v in value]
    if isinstance(value, float) and not np.isfinite(value):
        return {"__float__": repr(value)}
    return value


def _restore(meta: Any, arrays: Mapping[str, np.ndarray]) -> Any:
    if isinstance(meta, dict):
        if "__array__" in meta:
            return arrays[meta["__array__"]]
        if "__dict__" in meta:
            return {_restore(k, arrays): _restore(v, arrays) for k, v in meta["__dict__"]}
        if "__tuple__" in meta:
            return tuple(_restore(v, arrays) for v in meta["__tuple__"])
        if "__float__" in meta:
            return float(meta["__float__"])
    if isinstance(meta, list):
        return [_restore(v, arrays) for v in meta]
    return meta

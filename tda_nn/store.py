"""Keeping long analyses: atomic files, fingerprints of inputs, and a cache of finished stages.

* :func:`atomic_write_bytes` / :func:`atomic_write_text` -- a file is either the old
  one or the new one, never a mix: the bytes go to a temporary file beside the
  target, are flushed to disk, and replace the target in one ``os.replace``. A kill
  or a full disk before the replace leaves the old file untouched (and no temporary
  file behind, when Python gets to clean up).
* :func:`replace_folder` -- a folder of files that belong together (a report: its
  JSON, HTML, figures and diagrams) is written in full into a new folder beside the
  target and swapped into place as a whole, so no kill leaves files of two saves
  side by side; what else lives in the folder (a stage cache, the user's own files)
  is carried over; leftovers of killed saves are cleaned (or restored) by the next.
* Files and folders get the permissions the process umask gives (``0666 & ~umask``,
  ``0777 & ~umask``), as ``open`` would: the temporary-file step no longer leaves
  them readable by their owner only.
* :func:`fingerprint` -- a short SHA-256 of arrays, numbers, strings and nested
  dicts/lists of them: what decides whether a stage's inputs are unchanged.
* :class:`StageCache` -- each finished stage of a workflow is written under
  ``<out>/.tda_nn_cache/`` keyed by the fingerprint of everything that shaped it;
  a re-run with the same output directory reuses it and says which stages it reused.

Numpy-only (the model's fingerprint is computed in :mod:`tda_nn.nn.capturing`).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import hashlib
import json
import os
import shutil
import stat
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["StageCache", "atomic_write_bytes", "atomic_write_text", "file_mode", "fingerprint", "replace_folder"]

_CACHE_DIR = ".tda_nn_cache"


_UMASK_LOCK = threading.Lock()


def _umask() -> int:
    """The process umask, read without changing it where the system says it (Linux), else swapped under a lock."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    with _UMASK_LOCK:  # os.umask can only be read by setting it
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def file_mode(directory: bool = False) -> int:
    """The permissions a new file (``0666``) or folder (``0777``) gets under the process umask."""
    return (0o777 if directory else 0o666) & ~_umask()


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never a mix.

    The file gets the permissions ``open`` would give it (``0666 & ~umask``), not the
    owner-only ``0600`` of the temporary file it is written through.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            if hasattr(os, "fchmod"):
                os.fchmod(f.fileno(), file_mode())
            os.fsync(f.fileno())
        if not hasattr(os, "fchmod"):  # pragma: no cover - Windows has no owner-only temp files to undo
            os.chmod(tmp, file_mode())
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


# -- a folder replaced as a whole ---------------------------------------------------------
_NEW, _OLD = "tda_nn-new", "tda_nn-old"


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one atomic step (Linux ``renameat2(RENAME_EXCHANGE)``); False where unsupported."""
    if not hasattr(os, "uname") or os.uname().sysname != "Linux":
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):  # an old C library without renameat2
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    at_fdcwd, exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.ENOTSUP):  # kernel or file system without it
        return False
    raise OSError(err, os.strerror(err), str(b))


def _leftovers(target: Path, kind: str) -> list[Path]:
    prefix = f".{target.name}.{kind}-"
    try:
        return sorted(p for p in target.parent.iterdir() if p.name.startswith(prefix))
    except OSError:
        return []


def _carry(src: Path, dst: Path, owned: Callable[[str], bool]) -> None:
    """Move every entry of ``src`` that is not ``owned`` into ``dst`` where ``dst`` lacks it (one rename each)."""
    for entry in list(src.iterdir()):
        if not owned(entry.name) and not os.path.lexists(dst / entry.name):
            os.rename(entry, dst / entry.name)


def _recover(target: Path, owned: Callable[[str], bool]) -> None:
    """Clean up after killed saves of ``target``: restore a folder moved aside, keep carried entries, drop the rest."""
    olds = _leftovers(target, _OLD)
    if olds and not os.path.lexists(target):  # killed between the two renames: the previous folder comes back
        os.rename(olds[-1], target)
        olds = olds[:-1]
    for left in _leftovers(target, _NEW) + olds:
        if left.is_dir() and not left.is_symlink() and target.is_dir():
            _carry(left, target, owned)  # a cache or the user's files carried over before the kill
        shutil.rmtree(left, ignore_errors=True) if left.is_dir() and not left.is_symlink() else left.unlink()


def replace_folder(target: str | Path, fill: Callable[[Path], None], *, owned: Callable[[str], bool]) -> Path:
    """Replace the folder ``target`` as a whole with what ``fill`` writes; returns ``target``.

    ``fill(staging)`` writes the new files into an empty folder beside ``target``
    (``.<name>.tda_nn-new-<id>``). Then every top-level entry of the old folder that
    ``owned(name)`` does not claim (a stage cache, the user's own files) is moved into
    the new one, and the two folders are exchanged in one atomic step
    (``renameat2(RENAME_EXCHANGE)`` on Linux; elsewhere two renames, the old folder
    first moved aside). Readers see the old folder or the new one, never files of
    two saves side by side. A kill at any point leaves the old folder, or the new
    one, at ``target``, plus a leftover beside it that the next save of ``target``
    cleans (restoring the old folder if the kill fell between the two renames).
    The new folder gets the old one's permissions (a new one: ``0777 & ~umask``).
    """
    target = Path(os.path.abspath(target))
    if target.is_symlink():
        target = Path(os.path.realpath(target))  # replace the folder the link names, keep the link
    if os.path.lexists(target) and not target.is_dir():
        raise ValueError(f"directory {str(target)!r} exists and is not a directory; give a directory path.")
    target.parent.mkdir(parents=True, exist_ok=True)
    _recover(target, owned)
    stamp = f"{os.getpid()}-{time.time_ns():x}"
    staging = target.parent / f".{target.name}.{_NEW}-{stamp}"
    staging.mkdir()
    try:
        os.chmod(staging, stat.S_IMODE(os.stat(target).st_mode) if target.exists() else file_mode(directory=True))
        fill(staging)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if not target.exists():
        os.rename(staging, target)
        return target
    try:
        cwd = os.path.realpath(os.getcwd())
    except OSError:
        cwd = ""
    _carry(target, staging, owned)
    if _exchange(staging, target):
        shutil.rmtree(staging, ignore_errors=True)  # the old folder, now at the staging name
    else:
        aside = target.parent / f".{target.name}.{_OLD}-{stamp}"
        os.rename(target, aside)
        os.rename(staging, target)
        shutil.rmtree(aside, ignore_errors=True)
    if cwd == str(target):  # the process stood in the old folder: stand in the new one
        os.chdir(target)
    return target


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

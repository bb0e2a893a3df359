"""Reading files that may be damaged or hostile: the checks every loader shares.

A loader is given a directory or a file and must never read outside it, never
decompress or allocate more than a budget because a header says so, and turn
every way a file can be wrong into one ``ValueError`` naming the file and the field.

* :func:`inside` resolves a name read from a manifest against the directory it
  belongs to, refusing absolute paths, ``..`` and symbolic links that lead out.
* :func:`check_npz` reads the zip directory and each member's ``.npy`` header (a
  few hundred bytes each) and refuses, before anything is decompressed, an
  archive whose arrays would need more than the budget, or a member above its own
  limit (e.g. a metadata string).
* :func:`check_npy` does the same for one ``.npy`` file, and refuses a header that
  declares more data than the file holds.
* :func:`read_json` reads a JSON file of bounded size and turns deep nesting
  (``RecursionError``) and syntax errors into ``ValueError``.
* :func:`require_regular` / :func:`open_regular` -- every loader reads regular files
  only: a named pipe would block the reader forever (a FIFO's open waits for a
  writer), a device never ends, a socket cannot be opened. The path is ``stat``-ed
  before anything opens it, and the loaders' own opens go through
  :func:`open_regular`, which opens with ``O_NONBLOCK`` and checks the opened file
  with ``fstat`` (a file swapped for a pipe in between is refused too).

This module never imports torch.
"""

from __future__ import annotations

import json
import os
import stat
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from .budgets import check_budget, format_bytes

__all__ = [
    "check_npy",
    "check_npz",
    "inside",
    "loads_json",
    "npy_header_bytes",
    "open_regular",
    "read_json",
    "require_npz",
    "require_regular",
]

JSON_LIMIT = 64 * 2**20  # a manifest or report.json larger than this is not one we wrote
META_LIMIT = 16 * 2**20  # a metadata string inside an archive


def _kind(mode: int) -> str | None:
    """What a non-regular file is, in words (None for a regular file)."""
    if stat.S_ISREG(mode):
        return None
    for test, words in ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISCHR, "a character device"),
                        (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a directory")):
        if test(mode):
            return words
    return "not a regular file"


def _refuse(path: Path, kind: str, what: str, error: type[Exception]) -> Exception:
    return error(
        f"{what} {str(path)!r} is {kind}, not a regular file; tda_nn reads only regular files (a pipe or a "
        "device would block the reader or never end). Save the data to a file and pass that."
    )


def require_regular(path: str | Path, *, what: str = "path", error: type[Exception] = ValueError) -> Path:
    """``path`` when it is a regular file (symbolic links followed), else ``error`` naming it.

    Only ``stat`` is called, so a named pipe is refused without being opened (opening
    one blocks until a writer appears). A missing path is a ``FileNotFoundError``.
    """
    path = Path(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise FileNotFoundError(f"{what} {str(path)!r} does not exist.") from None
    except OSError as exc:  # a name too long, a permission denied on a folder, a loop of links
        raise error(f"{what} {str(path)!r} cannot be read ({exc.strerror or exc}).") from None
    kind = _kind(st.st_mode)
    if kind is not None:
        raise _refuse(path, kind, what, error)
    return path


def open_regular(path: str | Path, *, what: str = "path", error: type[Exception] = ValueError) -> BinaryIO:
    """Open a regular file for binary reading, never blocking on a pipe.

    The file is opened with ``O_NONBLOCK`` (a FIFO's open returns at once instead of
    waiting for a writer), checked with ``fstat`` and refused unless regular; a
    regular file is then switched back to blocking reads and returned.
    """
    path = require_regular(path, what=what, error=error)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags)
    try:
        kind = _kind(os.fstat(fd).st_mode)
        if kind is not None:
            raise _refuse(path, kind, what, error)
        if getattr(os, "O_NONBLOCK", 0):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def inside(root: str | Path, name: Any, *, what: str) -> Path:
    """``root / name``, refused unless it stays inside ``root`` once links are resolved.

    ``name`` comes from a file (a manifest, ``report.json``); ``what`` says which
    field, for the message.
    """
    if not isinstance(name, str) or not name or "\x00" in name:
        raise ValueError(f"{what} must be a relative file name inside {str(root)!r}, got {name!r}.")
    p = Path(name)
    if p.is_absolute() or ".." in p.parts or name.startswith(("/", "\\")) or "\\" in name:
        raise ValueError(
            f"{what} = {name!r} points outside {str(root)!r}; a saved file may only name files in its own directory."
        )
    base = Path(root).resolve()
    full = (Path(root) / p).resolve()
    if full != base and base not in full.parents:
        raise ValueError(
            f"{what} = {name!r} resolves to {str(full)!r}, outside {str(base)!r} (a symbolic link out of the "
            "directory); refusing to read it."
        )
    return Path(root) / p


def npy_header_bytes(fp: Any) -> tuple[int, tuple[int, ...], np.dtype]:
    """``(data_bytes, shape, dtype)`` declared by the ``.npy`` header at the stream's position.

    Reads only the header. ``ValueError`` if it is not an ``.npy`` header or holds
    Python objects (which would need pickle).
    """
    version = np.lib.format.read_magic(fp)
    if version == (1, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(fp, max_header_size=10_000)
    elif version in ((2, 0), (3, 0)):
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(fp, max_header_size=10_000)
    else:  # pragma: no cover - numpy refuses other versions in read_magic
        raise ValueError(f"unsupported .npy version {version}")
    if dtype.hasobject:
        raise ValueError("it holds Python objects (pickled data), which are never loaded")
    count = 1
    for s in shape:
        count *= int(s)
    return count * dtype.itemsize, tuple(int(s) for s in shape), dtype


def check_npz(path: str | Path, *, max_memory: Any = None, limits: Mapping[str, int] | None = None) -> None:
    """Refuse an ``.npz`` whose members would decompress to more than the budget.

    Each member's ``.npy`` header gives its shape and dtype, hence the bytes that
    loading it allocates; the sum must fit ``max_memory`` (half the physical memory
    by default) and a member named in ``limits`` (``{'__meta__': 16 MiB}``) must fit
    its own limit. Only the zip directory and the headers are read.
    """
    path = Path(path)
    limits = dict(limits or {})
    total = 0
    with open_regular(path) as raw, zipfile.ZipFile(raw) as zf:  # a damaged directory or member raises zipfile.BadZipFile
        for info in zf.infolist():
            key = info.filename[:-4] if info.filename.endswith(".npy") else info.filename
            with zf.open(info) as f:
                try:
                    need, shape, dtype = npy_header_bytes(f)
                except ValueError as exc:
                    raise ValueError(f"member {key!r}: {exc}") from None
            if key in limits and need > limits[key]:
                raise ValueError(
                    f"member {key!r} declares {format_bytes(need)} ({dtype} {shape}), above the "
                    f"{format_bytes(limits[key])} such a field may hold; the file is damaged or not one tda_nn wrote"
                )
            total += need
    check_budget(total, f"the arrays declared in {str(path)!r}", max_memory,
                 hint="The file declares more data than fits; it is damaged, or load it on a larger machine.")


def check_npy(path: str | Path, *, max_memory: Any = None, mmap: bool = False) -> None:
    """Refuse an ``.npy`` whose header declares more data than the file holds or, unless
    it is memory-mapped (``mmap=True``), more than the budget."""
    path = Path(path)
    with open_regular(path) as f:
        need, shape, dtype = npy_header_bytes(f)
        offset = f.tell()
        size = os.fstat(f.fileno()).st_size
    if need > size - offset:
        raise ValueError(
            f"{str(path)!r} declares {dtype} {shape} ({format_bytes(need)}) but holds only "
            f"{format_bytes(size - offset)} of data: it is truncated or damaged."
        )
    if not mmap:
        check_budget(need, f"the array in {str(path)!r}", max_memory,
                     hint="Load it memory-mapped, or on a larger machine.")


def read_json(path: str | Path, *, what: str = "file", limit: int = JSON_LIMIT) -> Any:
    """Parse a JSON file of at most ``limit`` bytes; every failure is a ``ValueError`` naming it."""
    path = Path(path)
    with open_regular(path, what=what) as f:
        size = os.fstat(f.fileno()).st_size
        if size > limit:
            raise ValueError(
                f"{what} {str(path)!r} is {format_bytes(size)}, above the {format_bytes(limit)} a tda_nn {what} "
                "can be; it is damaged or not one tda_nn wrote."
            )
        data = f.read(limit + 1)
    try:
        return json.loads(data)
    except RecursionError:
        raise ValueError(f"{what} {str(path)!r} is nested too deeply to be a tda_nn {what}.") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{what} {str(path)!r} is not valid JSON ({exc}).") from None


def loads_json(text: str, *, what: str) -> Any:
    """``json.loads`` of a string read from an archive, failures as ``ValueError`` naming ``what``."""
    try:
        return json.loads(text)
    except RecursionError:  # a JSONDecodeError (a ValueError) passes through as it is
        raise ValueError(f"{what} is nested too deeply to be one tda_nn wrote.") from None


def require_npz(path: str | Path) -> None:
    """``ValueError`` unless ``path`` is a zip archive (what ``np.savez`` writes)."""
    with open_regular(path) as f:
        if zipfile.is_zipfile(f):
            return
        f.seek(0)
        magic = f.read(6)
    if magic == b"\x93NUMPY":
        raise ValueError("it holds a single array, not an .npz archive")
    raise ValueError("it is not an .npz archive")

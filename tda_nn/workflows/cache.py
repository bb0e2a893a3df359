"""The stage cache of the workflows: each finished stage kept under ``<out>/.tda_nn_cache/``, versioned.

A cached stage declares the inputs that shape it (a dict: the data's and the model's
fingerprints, the settings it reads, the fingerprints of earlier stages' results) and a
``FORMAT_VERSION``; its key is :func:`stage_key` of the three. The file is named
``<stage>.v<version>-<key>.npz``, so a cache written by an older format (or by a
version of tda_nn before the versions existed, ``<stage>-<key>.npz``) is never read as
new: it is listed as stale and pruned.

* :class:`StageStore` -- the cache of one run (get, put, which stages were reused).
* :func:`list_cache` -- every entry of a directory's cache, with its size, age and
  whether the current format reads it (``tda-nn cache list``).
* :func:`prune_cache` -- remove the stale entries, those older than a given age, and
  the oldest ones until the cache fits a size (``tda-nn cache prune``).

Floor: application. Imports the helpers (``store``) and, inside functions, the torch
wing's model fingerprint.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..store import StageCache, fingerprint

__all__ = ["CacheEntry", "StageStore", "list_cache", "prune_cache", "stage_key"]

_log = logging.getLogger("tda_nn")
CACHE_DIR = ".tda_nn_cache"


def stage_key(stage: str, version: int, inputs: Mapping[str, Any]) -> str:
    """The key of a stage's result: a fingerprint of its name, its format version and its declared inputs."""
    if not isinstance(inputs, Mapping):
        raise TypeError(f"inputs must be a dict of the stage's declared inputs, got {type(inputs).__name__}.")
    return fingerprint("stage", str(stage), int(version), dict(inputs))


def _file_stage(stage: str, version: int) -> str:
    return f"{stage}.v{int(version)}"


class StageStore:
    """The stage cache of one workflow run.

    ``out=None`` keeps nothing (every ``get`` misses, ``put`` returns its value).
    ``enabled=False`` never reads but still writes, so the next run can reuse. A value
    that cannot be written (a full disk, a value the cache cannot store) is logged and
    the run goes on: keeping is a convenience, never a reason to lose a run.
    """

    def __init__(self, out: Any, *, enabled: bool = True, model: Any = None):
        self.active = out is not None
        self.out = out
        self._cache = StageCache(out, enabled=enabled)
        self._model = model
        self._model_fp: str | None = None
        self.reused: list[str] = []

    @property
    def model_fp(self) -> str:
        """The fingerprint of the model's class and weights (computed once, on first use)."""
        if self._model_fp is None:
            from ..nn.checkpoints import model_fingerprint

            self._model_fp = model_fingerprint(self._model)
        return self._model_fp

    def fingerprint(self, *parts: Any) -> str:
        """A fingerprint of ``parts`` when the cache is active ('' otherwise: nothing is hashed in vain)."""
        return fingerprint(*parts) if self.active else ""

    def get(self, stage: str, version: int, key: str) -> Any:
        if not self.active:
            return None
        value = self._cache.get(_file_stage(stage, version), key)
        if value is not None:
            self.reused.append(stage)
            path = Path(self.out) / CACHE_DIR / f"{_file_stage(stage, version)}-{key}.npz"
            try:  # reading counts as use: prune --max-size removes the least recently used first
                os.utime(path)
            except OSError:
                pass
        return value

    def put(self, stage: str, version: int, key: str, value: Any) -> Any:
        if not self.active:
            return value
        try:
            self._cache.put(_file_stage(stage, version), key, value)
        except (OSError, TypeError, ValueError) as exc:
            _log.warning("could not keep stage %s (%s: %s); the run goes on", stage, type(exc).__name__, exc)
        return value


@dataclass(frozen=True)
class CacheEntry:
    """One file of a stage cache."""

    path: Path
    stage: str
    version: int | None
    key: str
    bytes: int
    mtime: float
    current: bool

    @property
    def age_seconds(self) -> float:
        return max(0.0, time.time() - self.mtime)


def _parse(path: Path, versions: Mapping[str, int]) -> CacheEntry:
    name = path.name[: -len(".npz")]
    head, _, key = name.rpartition("-")
    stage, version = head, None
    base, dot, v = head.rpartition(".v")
    if dot and v.isdigit():
        stage, version = base, int(v)
    st = path.stat()
    current = version is not None and versions.get(stage) == version
    return CacheEntry(path, stage, version, key, int(st.st_size), float(st.st_mtime), current)


def list_cache(out: str | Path, versions: Mapping[str, int]) -> list[CacheEntry]:
    """Every entry of ``<out>/.tda_nn_cache/``, oldest first (an absent cache is an empty list).

    ``versions`` maps each cached stage to its current format version
    (:data:`tda_nn.workflows.stages.FORMAT_VERSIONS`); ``current`` is False for entries no
    stage reads (an older format, or a stage that no longer exists): :func:`prune_cache`
    removes them.
    """
    root = Path(out) / CACHE_DIR
    if not root.is_dir():
        return []
    entries = [_parse(p, versions) for p in root.glob("*.npz") if p.is_file()]
    return sorted(entries, key=lambda e: (e.mtime, e.path.name))


def _parse_age(value: Any) -> float:
    """Seconds from a number of days or a string such as '7d', '12h', '30m', '90s'."""
    if isinstance(value, bool):
        raise TypeError("older_than must be a number of days or a str such as '7d' or '12h', got a bool.")
    if isinstance(value, (int, float)):
        days = float(value)
    elif isinstance(value, str) and value.strip():
        text = value.strip().lower()
        unit = {"d": 86400.0, "h": 3600.0, "m": 60.0, "s": 1.0}.get(text[-1])
        try:
            return float(text[:-1]) * unit if unit else float(text) * 86400.0
        except ValueError:
            raise ValueError(f"older_than must be a number of days or a str such as '7d', '12h', '30m', got "
                             f"{value!r}.") from None
    else:
        raise TypeError(f"older_than must be a number of days or a str such as '7d' or '12h', got "
                        f"{type(value).__name__}.")
    if not days >= 0:
        raise ValueError(f"older_than must be at least 0 days, got {value!r}.")
    return days * 86400.0


def prune_cache(out: str | Path, versions: Mapping[str, int], *, older_than: Any = None, max_size: Any = None,
                dry_run: bool = False) -> list[CacheEntry]:
    """Remove cache entries of ``out``: the stale ones, those older than ``older_than``, then the oldest until
    the cache is at most ``max_size``.

    Parameters
    ----------
    out : str or Path
        The output directory (its ``.tda_nn_cache/`` is pruned).
    versions : dict of str to int
        The current format version of each cached stage (as :func:`list_cache`).
    older_than : float (days) or str ('7d', '12h', '30m', '90s'), optional
        Remove entries not used for longer than this.
    max_size : int, float or str ('500MB'), optional
        Then remove the least recently used entries until the rest fit.
    dry_run : bool, default=False
        Say what would go, remove nothing.

    Returns
    -------
    list of CacheEntry
        What was removed (or would be).
    """
    from ..budgets import parse_memory

    limit = None if older_than is None else _parse_age(older_than)
    cap = None if max_size is None else parse_memory(max_size, name="max_size")
    entries = list_cache(out, versions)
    gone = [e for e in entries if not e.current or (limit is not None and e.age_seconds > limit)]
    kept = [e for e in entries if e not in gone]
    if cap is not None:
        total = sum(e.bytes for e in kept)
        for e in list(kept):  # oldest (least recently used) first
            if total <= cap:
                break
            gone.append(e)
            kept.remove(e)
            total -= e.bytes
    if not dry_run:
        for e in gone:
            try:
                e.path.unlink()
            except FileNotFoundError:
                pass
    return gone

"""``tda-nn cache list`` and ``tda-nn cache prune``: the stage cache of an output directory.

``list`` shows every kept stage (its format version, size, age, and whether this version
of tda_nn reads it); ``prune`` removes the stale entries (older formats, which are never
read), those unused for longer than ``--older-than``, then the least recently used until
the cache fits ``--max-size`` (:func:`tda_nn.workflows.cache.prune_cache`).

Floor: application.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ..workflows.cache import list_cache, prune_cache
from ..workflows.stages import FORMAT_VERSIONS

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> argparse.ArgumentParser:
    c = sub.add_parser("cache", help="list or prune the stage cache of an output directory")
    ops = c.add_subparsers(dest="cache_command", metavar="ACTION", required=True)
    ls = ops.add_parser("list", help="every kept stage: format version, size, age, whether it is read")
    ls.add_argument("out", help="the output directory (its .tda_nn_cache/)")
    ls.add_argument("--json", action="store_true", help="as JSON on stdout")
    pr = ops.add_parser("prune", help="remove stale entries, old ones, and the least recently used above a size")
    pr.add_argument("out", help="the output directory (its .tda_nn_cache/)")
    pr.add_argument("--older-than", metavar="AGE", help="remove entries unused for longer: days, or 7d, 12h, 30m")
    pr.add_argument("--max-size", metavar="SIZE", help="then keep at most this much: bytes, or 500MB, 2GB")
    pr.add_argument("--dry-run", action="store_true", help="say what would go, remove nothing")
    pr.add_argument("--json", action="store_true", help="as JSON on stdout")
    for p in (c, ls, pr):
        p.add_argument("--debug", action="store_true", help="show tracebacks")
    return c


def _size(n: float) -> str:
    from ..budgets import format_bytes

    return format_bytes(n)


def _age(seconds: float) -> str:
    for unit, width in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= width:
            return f"{seconds / width:.1f}{unit}"
    return f"{seconds:.0f}s"


def _rows(entries: list) -> list[dict[str, Any]]:
    return [{"stage": e.stage, "version": e.version, "key": e.key, "bytes": e.bytes,
             "age_seconds": round(e.age_seconds, 1), "current": e.current, "file": e.path.name} for e in entries]


def run(args: argparse.Namespace) -> None:
    if args.cache_command == "list":
        entries = list_cache(args.out, FORMAT_VERSIONS)
        if args.json:
            print(json.dumps(_rows(entries), indent=1))
            return None
        if not entries:
            print(f"no stage cache in {args.out!r}")
            return None
        for e in entries:
            state = "" if e.current else "  stale (an older format: never read; prune removes it)"
            version = "-" if e.version is None else f"v{e.version}"
            print(f"{e.stage:<12} {version:<4} {_size(e.bytes):>10} {_age(e.age_seconds):>7}  {e.key}{state}")
        print(f"{len(entries)} entries, {_size(sum(e.bytes for e in entries))}")
        return None
    gone = prune_cache(args.out, FORMAT_VERSIONS, older_than=_number(args.older_than), max_size=args.max_size, dry_run=args.dry_run)
    if args.json:
        print(json.dumps(_rows(gone), indent=1))
        return None
    verb = "would remove" if args.dry_run else "removed"
    print(f"{verb} {len(gone)} entries, {_size(sum(e.bytes for e in gone))}", file=sys.stdout)
    return None


def _number(value: str | None) -> Any:
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        return value

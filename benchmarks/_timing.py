"""Shared timing helpers for the benchmarks: medians of repeated runs, one table format."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

__all__ = ["interleaved_medians", "median_time", "print_table", "row"]


def median_time(fn: Callable[[], Any], repeat: int = 3, warmup: int = 0) -> float:
    """Median wall time of ``fn()`` over ``repeat`` runs (after ``warmup`` untimed runs)."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def interleaved_medians(fns: dict[str, Callable[[], Any]], repeat: int = 3, warmup: int = 1) -> dict[str, float]:
    """Median wall time of every ``fns[k]()``, the variants run in turn ``repeat`` times.

    On a shared machine the load drifts over seconds; timing ``A A A B B B`` charges
    that drift to one side, ``A B A B A B`` spreads it over both. ``warmup`` rounds
    are run first and not timed (imports, thread pools, allocator).
    """
    for _ in range(warmup):
        for fn in fns.values():
            fn()
    times: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(repeat):
        for k, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            times[k].append(time.perf_counter() - t0)
    return {k: statistics.median(v) for k, v in times.items()}


def row(task: str, size: str, ours: float, peer: str, peer_s: float, target: float, *, higher_is_better=False) -> dict:
    """One result row; ``ratio`` = tda_nn time / peer time, met when ``ratio <= target``."""
    ratio = ours / peer_s if peer_s else float("nan")
    return {"task": task, "size": size, "tda_nn_s": ours, "peer": peer, "peer_s": peer_s, "ratio": ratio,
            "target": target, "met": bool(ratio <= target)}


def print_table(rows: list[dict]) -> None:
    """One line per row; rows without a target (reference timings) show ``-`` for target and met."""
    width = max([34] + [len(r["task"]) for r in rows])
    size_w = max([22] + [len(r["size"]) for r in rows])
    peer_w = max([26] + [len(r["peer"]) for r in rows])
    head = (f"{'task':<{width}} {'size':<{size_w}} {'tda_nn (s)':>10} {'peer':<{peer_w}} {'peer (s)':>9} "
            f"{'ratio':>6} {'target':>7}  met")
    print(head)
    print("-" * len(head))
    for r in rows:
        target = "-" if r["target"] is None else "<= " + format(r["target"], ".3g")
        met = "-" if r["met"] is None else ("yes" if r["met"] else "NO")
        print(f"{r['task']:<{width}} {r['size']:<{size_w}} {r['tda_nn_s']:>10.4f} {r['peer']:<{peer_w}} "
              f"{r['peer_s']:>9.4f} {r['ratio']:>6.2f} {target:>7}  {met}")

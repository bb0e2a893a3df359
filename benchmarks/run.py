"""Run every benchmark of the project and print one table.

    python benchmarks/run.py            # everything
    python benchmarks/run.py homology   # only the named benchmarks
    python benchmarks/run.py --help     # this help and the list of benchmarks

Each ``bench_<name>.py`` exposes ``run() -> list[dict]`` with rows {task, size,
tda_nn_s, peer, peer_s, ratio, target, met}; ratio = tda_nn time / peer time.
The machine is shared and noisy: read ratios from one run, not lone times.
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import sys
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _timing import print_table  # noqa: E402

BENCHMARKS = ("homology", "cut", "capture", "clouds", "kernels", "summaries", "e2e", "symmetry", "findings", "calibration")
# modules not named bench_<name>: calibration.py rates tests, it does not time peers (its rows: rate / alpha)
_MODULES = {"calibration": "calibration"}


def machine() -> str:
    import numpy as np

    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, numpy {np.__version__}"


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python benchmarks/run.py",
        description="Run the tda_nn benchmarks and print one table of tda_nn against its peers "
                    "(ratio = tda_nn time / peer time; a row meets its target when ratio <= target).",
        epilog="Each benchmark is benchmarks/bench_<name>.py; run one alone for its own options "
               "(python benchmarks/bench_homology.py --help).")
    p.add_argument("names", nargs="*", metavar="NAME",
                   help=f"benchmarks to run, any of: {', '.join(BENCHMARKS)} (default: all)")
    a = p.parse_args(argv)
    unknown = [n for n in a.names if n not in BENCHMARKS]
    if unknown:
        p.error(f"unknown benchmark(s) {', '.join(map(repr, unknown))}; choose from {', '.join(BENCHMARKS)}")
    return a


def main(names: list[str]) -> int:
    rows, failed = [], []
    for name in names or BENCHMARKS:
        try:
            mod = importlib.import_module(_MODULES.get(name, f"bench_{name}"))
        except ImportError as exc:
            failed.append(f"{name}: not importable ({exc})")
            continue
        print(f"running {_MODULES.get(name, f'bench_{name}')} ...", file=sys.stderr, flush=True)
        try:
            rows.extend(mod.run())
        except Exception:
            failed.append(f"{name}: {traceback.format_exc().splitlines()[-1]}")
    print(f"machine: {machine()}")
    print_table(rows)
    judged = [r for r in rows if r["target"] is not None]  # rows without a target are references
    print(f"\n{sum(bool(r['met']) for r in judged)} of {len(judged)} targets met")
    for f in failed:
        print(f"FAILED {f}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(parse_args(sys.argv[1:]).names))

"""Measure the peak memory of persistence per engine and maxdim, to calibrate tda_nn.budgets.

Each computation runs in a fresh subprocess; its peak is ``ru_maxrss`` after the
call minus ``ru_maxrss`` just before it (imports and the cloud already held), so
only what the computation itself allocated counts. Prints one row per run with
the estimate of :func:`tda_nn.budgets.estimate_rips_bytes` and the ratio
estimate / measured (the target is [1.0, 1.5]).

    PYTHONPATH=$PWD python benchmarks/calibrate_memory.py [--quick]
"""

from __future__ import annotations

import json
import subprocess
import sys

_CHILD = r"""
import json, resource, sys
import numpy as np
import tda_nn
from tda_nn.homology import _mst  # noqa: F401  (imports first, so they are not counted)
import gph, ripser, gudhi  # noqa: F401
engine, maxdim, n, d, collapse = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
X = np.random.default_rng(0).normal(size=(n, d))
tda_nn.persistence(X[:50], maxdim=min(maxdim, 1), backend="ripser" if engine == "mst" else engine)  # warm
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
kw = {} if engine == "mst" else {"backend": engine}
if collapse != "auto":
    kw["collapse_edges"] = collapse == "1"
tda_nn.persistence(X, maxdim=maxdim, max_memory=float("inf"), **kw)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"peak": after - before}))
"""

# (engine, maxdim, n, d, collapse)
RUNS = [
    ("mst", 0, 20000, 64, "auto"),
    ("mst", 0, 100000, 16, "auto"),
    ("giotto-ph", 0, 2000, 8, "auto"), ("giotto-ph", 0, 4000, 8, "auto"),
    ("giotto-ph", 1, 2000, 8, "auto"), ("giotto-ph", 1, 4000, 8, "auto"),
    ("giotto-ph", 2, 200, 8, "auto"), ("giotto-ph", 2, 400, 8, "auto"), ("giotto-ph", 2, 300, 8, "0"),
    ("giotto-ph", 2, 800, 8, "auto"), ("giotto-ph", 2, 800, 8, "0"), ("giotto-ph", 1, 6000, 8, "auto"),
    ("ripser", 0, 2000, 8, "auto"), ("ripser", 0, 4000, 8, "auto"),
    ("ripser", 1, 1000, 8, "auto"), ("ripser", 1, 2000, 8, "auto"),
    ("ripser", 2, 150, 8, "auto"), ("ripser", 2, 250, 8, "auto"), ("ripser", 2, 350, 8, "auto"),
    ("gudhi", 0, 500, 8, "auto"), ("gudhi", 0, 1000, 8, "auto"),
    ("gudhi", 1, 200, 8, "auto"), ("gudhi", 1, 300, 8, "auto"),
    ("gudhi", 2, 60, 8, "auto"), ("gudhi", 2, 100, 8, "auto"),
]


def main() -> None:
    from tda_nn.budgets import estimate_mst, estimate_rips_bytes, format_bytes

    quick = "--quick" in sys.argv
    print(f"{'engine':10} {'maxdim':>6} {'n':>7} {'d':>4} {'collapse':>8} {'measured':>11} {'estimate':>11} {'ratio':>6}")
    for engine, maxdim, n, d, collapse in RUNS:
        if quick and n > 4000:
            continue
        if len(sys.argv) > 1 and sys.argv[-1] not in ("--quick",) and sys.argv[-1] != engine:
            continue
        out = subprocess.run([sys.executable, "-c", _CHILD, engine, str(maxdim), str(n), str(d), collapse],
                             capture_output=True, text=True, timeout=1800)
        if out.returncode:
            print(engine, maxdim, n, "failed:", out.stderr.strip().splitlines()[-1:])
            continue
        peak = json.loads(out.stdout.strip().splitlines()[-1])["peak"]
        col = collapse if collapse != "auto" else ("1" if maxdim >= 2 else "0")
        if engine == "mst":
            est = estimate_mst(n, d)[1]
        else:
            est = estimate_rips_bytes(n, maxdim, engine=engine, collapse=col == "1")[0]
        print(f"{engine:10} {maxdim:>6} {n:>7} {d:>4} {collapse:>8} {format_bytes(peak):>11} {format_bytes(est):>11} "
              f"{est / max(peak, 1):>6.2f}", flush=True)


if __name__ == "__main__":
    main()

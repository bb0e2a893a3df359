"""Device kernels for neighbours (issue 27, item 3): the torch path against the numpy path, same answers.

Rows (one run, medians of interleaved repeats; read the ratios, which come from
the same rounds on this shared machine):

1. ``nearest_neighbors(X, k)``: the candidates from tiled torch kernels
   (``device=``, float32 tiles) against scikit-learn's trees (``device=None``),
   Gaussian points in 64-D; both re-measured in float64, so the answers must be
   identical (checked on every row).
2. ``knn_geodesic(X, k)`` the same way (the graph on the device, the shortest paths
   on the CPU in both), Gaussian points in 16-D.

With a GPU (``torch.cuda.is_available()``) the torch side runs on ``cuda`` and a
larger device-only line follows; without one it runs on CPU torch, which shows
what the kernels cost where there is no accelerator (the ratio is not a target).

Run: PYTHONPATH=$PWD python benchmarks/bench_kernels.py [--n 20000] [--geo-n 3000] [--repeat 3]
[--device-n 200000 1000000]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _timing import interleaved_medians, print_table, row  # noqa: E402

from tda_nn.clouds import knn_geodesic, nearest_neighbors  # noqa: E402


def _device() -> str:
    try:
        import torch
    except ImportError:
        return ""
    return "cuda" if torch.cuda.is_available() else "cpu"


def run(n: int = 20_000, geo_n: int = 3_000, k: int = 10, repeat: int = 3,
        device_n: tuple[int, ...] = (200_000,)) -> list[dict]:
    dev = _device()
    if not dev:
        print("kernels: torch is not installed; no device rows", flush=True)
        return []
    where = "cuda" if dev == "cuda" else "CPU torch"
    rows = []
    rng = np.random.default_rng(0)

    X = rng.normal(size=(n, 64))
    out = {}
    times = interleaved_medians({
        "numpy": lambda: out.__setitem__("numpy", nearest_neighbors(X, k)),
        "torch": lambda: out.__setitem__("torch", nearest_neighbors(X, k, device=dev, dtype=np.float32)),
    }, repeat=repeat, warmup=1)
    assert all(np.array_equal(a, b) for a, b in zip(out["numpy"], out["torch"])), "device neighbours differ"
    rows.append(row(f"nearest_neighbors k={k} ({where}, f32 tiles)", f"{n:,} x 64", times["torch"],
                    "numpy path (scikit-learn)", times["numpy"], float("inf")))

    G = rng.normal(size=(geo_n, 16))
    times = interleaved_medians({
        "numpy": lambda: out.__setitem__("gnumpy", knn_geodesic(G, k)),
        "torch": lambda: out.__setitem__("gtorch", knn_geodesic(G, k, device=dev, dtype=np.float32)),
    }, repeat=repeat, warmup=1)
    assert np.array_equal(out["gnumpy"], out["gtorch"]), "device geodesics differ"
    rows.append(row(f"knn_geodesic k={k} ({where}, f32 tiles)", f"{geo_n:,} x 16", times["torch"],
                    "numpy path (scikit-learn)", times["numpy"], float("inf")))
    for r in rows:
        r["target"] = r["met"] = None  # references: the answers are checked equal, the speed is reported
    if dev == "cuda":
        import torch

        for big in device_n:
            B = rng.normal(size=(big, 64)).astype(np.float32)
            torch.cuda.synchronize()
            t0 = time.perf_counter()
            nearest_neighbors(B, k, device="cuda", dtype=np.float32)
            print(f"device {torch.cuda.get_device_name()}: nearest_neighbors k={k}, {big:,} x 64: "
                  f"{time.perf_counter() - t0:.1f} s", flush=True)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=20_000)
    ap.add_argument("--geo-n", type=int, default=3_000)
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--device-n", type=int, nargs="*", default=[200_000],
                    help="sizes of the device-only lines (GPU only), e.g. 200000 1000000")
    a = ap.parse_args()
    print_table(run(a.n, a.geo_n, a.k, a.repeat, tuple(a.device_n)))


if __name__ == "__main__":
    main()

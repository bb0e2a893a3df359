"""Benchmark: ``tda_nn.nn.capturing`` against a plain forward pass and hand-written hooks.

A ResNet-like CNN built from ``torch.nn`` (stem + 3 stages of 2 basic blocks +
linear head; 15 convolutions, 1 linear), 2,000 inputs of 3x32x32, batches of
256. ``capture`` records the spatially pooled output of every conv and linear
layer (``reduce="mean"``). Each variant runs ``--repeats`` times, interleaved;
medians are reported. Target: capture / plain forward <= 1.10 (a naive hook that
means each conv output and copies it to numpy per batch measured 1.15).

Run: ``python benchmarks/bench_capture.py [--device cuda] [--repeats 5]``.
``run()`` returns the rows for ``benchmarks/run.py``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

import numpy as np

__all__ = ["run"]

TARGET = 1.10


def _resnet_like() -> Any:
    import torch.nn as nn

    class Block(nn.Module):
        def __init__(self, cin: int, cout: int, stride: int):
            super().__init__()
            self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(cout)
            self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(cout)
            self.relu = nn.ReLU(inplace=True)
            self.down = None
            if stride != 1 or cin != cout:
                self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

        def forward(self, x):
            out = self.relu(self.bn1(self.conv1(x)))
            out = self.bn2(self.conv2(out))
            return self.relu(out + (x if self.down is None else self.down(x)))

    class Net(nn.Module):
        def __init__(self, width: int = 32, n_classes: int = 10):
            super().__init__()
            self.stem = nn.Sequential(nn.Conv2d(3, width, 3, 1, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU())
            self.layer1 = nn.Sequential(Block(width, width, 1), Block(width, width, 1))
            self.layer2 = nn.Sequential(Block(width, 2 * width, 2), Block(2 * width, 2 * width, 1))
            self.layer3 = nn.Sequential(Block(2 * width, 4 * width, 2), Block(4 * width, 4 * width, 1))
            self.pool = nn.AdaptiveAvgPool2d(1)
            self.fc = nn.Linear(4 * width, n_classes)

        def forward(self, x):
            x = self.layer3(self.layer2(self.layer1(self.stem(x))))
            return self.fc(self.pool(x).flatten(1))

    return Net()


def _sync(device: Any) -> None:
    import torch

    if device.type == "cuda":
        torch.cuda.synchronize(device)


def plain(model: Any, X: Any, batch_size: int, device: Any) -> float:
    import torch

    t0 = time.perf_counter()
    with torch.inference_mode():
        model.eval()
        for s in range(0, len(X), batch_size):
            model(X[s : s + batch_size].to(device, non_blocking=True))
    _sync(device)
    return time.perf_counter() - t0


def _naive(model: Any, X: Any, batch_size: int, device: Any) -> float:
    """What a user writes by hand: a hook per layer that means and copies to numpy per batch."""
    import torch
    import torch.nn as nn

    got: dict[str, list[np.ndarray]] = {}
    handles = []
    for name, m in model.named_modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            got[name] = []

            def hook(mod, inp, out, name=name):
                got[name].append((out.mean(dim=(2, 3)) if out.ndim == 4 else out).cpu().numpy())

            handles.append(m.register_forward_hook(hook))
    t0 = time.perf_counter()
    try:
        with torch.inference_mode():
            model.eval()
            for s in range(0, len(X), batch_size):
                model(X[s : s + batch_size].to(device, non_blocking=True))
        arrays = {k: np.concatenate(v) for k, v in got.items()}
    finally:
        for h in handles:
            h.remove()
    elapsed = time.perf_counter() - t0
    assert all(a.shape[0] == len(X) for a in arrays.values())
    return elapsed


def _tda(model: Any, X: Any, batch_size: int, device: Any) -> float:
    import torch.nn as nn

    from tda_nn.nn.capturing import capture

    t0 = time.perf_counter()
    acts = capture(model, X, layers=[nn.Conv2d, nn.Linear], reduce="mean", batch_size=batch_size,
                   device=device, progress=False)  # fmt: skip
    elapsed = time.perf_counter() - t0
    assert acts.n_samples == len(X) and len(acts) == 16
    return elapsed


def run(n: int = 2000, batch_size: int = 256, repeats: int = 5, device: str | None = None) -> list[dict[str, Any]]:
    """Time plain forward, naive hooks and ``tda_nn.nn.capturing``; return one row per comparison."""
    import torch

    dev = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
    torch.manual_seed(0)
    model = _resnet_like().to(dev).eval()
    X = torch.randn(n, 3, 32, 32)
    if dev.type == "cuda":
        X = X.pin_memory()
    for f in (plain, _naive, _tda):  # warm-up (allocator, cudnn autotune, imports)
        f(model, X[: 2 * batch_size], batch_size, dev)
    times: dict[str, list[float]] = {"plain": [], "naive": [], "tda": []}
    for _ in range(repeats):  # interleaved, so drift hits every variant alike
        times["plain"].append(plain(model, X, batch_size, dev))
        times["naive"].append(_naive(model, X, batch_size, dev))
        times["tda"].append(_tda(model, X, batch_size, dev))
    med = {k: statistics.median(v) for k, v in times.items()}
    size = f"{n}x3x32x32 on {dev.type}, {torch.get_num_threads()} threads"
    ratio = med["tda"] / med["plain"]
    return [
        {"task": "capture pooled conv+linear (ResNet-like)", "size": size, "tda_nn_s": med["tda"],
         "peer": "plain forward", "peer_s": med["plain"], "ratio": ratio, "target": TARGET, "met": ratio <= TARGET},
        {"task": "capture vs naive hooks", "size": size, "tda_nn_s": med["tda"],
         "peer": "naive hooks (mean + .numpy() per batch)", "peer_s": med["naive"],
         "ratio": med["tda"] / med["naive"], "target": None, "met": None},
        {"task": "naive hooks vs plain forward (reference)", "size": size, "tda_nn_s": med["naive"],
         "peer": "plain forward", "peer_s": med["plain"], "ratio": med["naive"] / med["plain"],
         "target": None, "met": None},
    ]  # fmt: skip


def _main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=2000)
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--device", default=None)
    a = p.parse_args()
    rows = run(a.n, a.batch_size, a.repeats, a.device)
    print(f"{'task':<42} {'size':<34} {'tda_nn_s':>9} {'peer_s':>9} {'ratio':>6} {'target':>6}  met")
    for r in rows:
        tgt = "-" if r["target"] is None else f"{r['target']:.2f}"
        met = "-" if r["met"] is None else ("yes" if r["met"] else "NO")
        print(f"{r['task']:<42} {r['size']:<34} {r['tda_nn_s']:>9.3f} {r['peer_s']:>9.3f} {r['ratio']:>6.3f} {tgt:>6}  {met}")
        print(f"{'':<42} {'':<34} vs {r['peer']}")


if __name__ == "__main__":
    _main()

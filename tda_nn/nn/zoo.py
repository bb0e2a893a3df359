"""Small models that train in seconds on the CPU, for the demo, the notebooks and tests.

These exist so that ``tda-nn demo`` and the notebooks run offline on a fresh
machine. They import torch, like ``capture``; nothing else in tda_nn depends on them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["digits_cnn", "load_digits_cnn", "mlp", "train_classifier"]


def digits_cnn(n_classes: int = 10, width: int = 8, seed: int | None = None):
    """A small CNN for scikit-learn's 8x8 digits: input ``(n, 1, 8, 8)``.

    Named layers: ``conv1``, ``relu1``, ``conv2``, ``relu2``, ``pool``, ``fc1``, ``relu3``, ``fc2``.
    ``seed`` seeds torch's generator before the weights are drawn (None leaves it alone).
    """
    import torch
    import torch.nn as nn

    if seed is not None:
        torch.manual_seed(seed)

    return nn.Sequential(
        _named(
            conv1=nn.Conv2d(1, width, 3, padding=1),
            relu1=nn.ReLU(),
            conv2=nn.Conv2d(width, 2 * width, 3, padding=1),
            relu2=nn.ReLU(),
            pool=nn.AdaptiveAvgPool2d(2),
            flatten=nn.Flatten(),
            fc1=nn.Linear(8 * width, 32),
            relu3=nn.ReLU(),
            fc2=nn.Linear(32, n_classes),
        )
    )


def mlp(in_features: int = 2, width: int = 15, depth: int = 10, n_classes: int = 2, activation: str = "relu"):
    """A plain MLP: ``depth`` hidden layers ``fc0..fc{depth-1}`` each followed by ``act{i}``, then ``out``."""
    import torch.nn as nn

    acts = {"relu": nn.ReLU, "tanh": nn.Tanh, "leaky_relu": nn.LeakyReLU}
    if activation not in acts:
        raise ValueError(f"activation must be one of {sorted(acts)}, got {activation!r}.")
    layers: dict[str, Any] = {}
    d = in_features
    for i in range(depth):
        layers[f"fc{i}"] = nn.Linear(d, width)
        layers[f"act{i}"] = acts[activation]()
        d = width
    layers["out"] = nn.Linear(d, n_classes)
    return nn.Sequential(_named(**layers))


def _named(**modules):
    from collections import OrderedDict

    return OrderedDict(modules)


def train_classifier(model, X: np.ndarray, y: np.ndarray, *, epochs: int = 30, lr: float = 3e-3,
                     batch_size: int = 64, seed: int = 0, weight_decay: float = 0.0,
                     callback=None) -> float:
    """Train ``model`` with Adam and cross-entropy; return the final training accuracy.

    ``callback(model, epoch)`` is called after every epoch (e.g. a ``TopologyMonitor``).
    Deterministic for a given ``seed`` on the CPU. The zoo's models are tiny, so
    training runs on one torch thread (restored afterwards): on a busy two-core
    machine, two threads made three epochs of ``digits_cnn`` ten times slower
    (31 s against 3 s here).
    """
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return _train(model, X, y, epochs=epochs, lr=lr, batch_size=batch_size, seed=seed,
                      weight_decay=weight_decay, callback=callback)
    finally:
        torch.set_num_threads(threads)


def _train(model, X, y, *, epochs, lr, batch_size, seed, weight_decay, callback) -> float:
    import torch

    torch.manual_seed(seed)
    Xt = torch.as_tensor(X, dtype=torch.float32)
    yt = torch.as_tensor(y, dtype=torch.long)
    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    gen = torch.Generator().manual_seed(seed)
    model.train()
    for epoch in range(epochs):
        perm = torch.randperm(len(Xt), generator=gen)
        for i in range(0, len(Xt), batch_size):
            idx = perm[i : i + batch_size]
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(Xt[idx]), yt[idx])
            loss.backward()
            opt.step()
        if callback is not None:
            model.eval()
            callback(model, epoch)
            model.train()
    model.eval()
    with torch.no_grad():
        return float((model(Xt).argmax(1) == yt).float().mean())


def load_digits_cnn(path: str | None = None):
    """The CNN bundled in ``data/digits_cnn.pt`` (trained by ``data/make_digits_checkpoint.py``)."""
    import torch

    from .._files import require_regular
    from .checkpoints import bundled_path

    model = digits_cnn()
    file = bundled_path("digits_cnn.pt") if path is None else require_regular(path, what="path")
    state = torch.load(file, map_location="cpu", weights_only=True)
    model.load_state_dict(state)
    return model.eval()

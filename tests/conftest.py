"""Shared, seeded fixtures: every test sees the same data."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def circle(n: int, radius: float = 1.0, noise: float = 0.0, seed: int = 0, center=(0.0, 0.0)) -> np.ndarray:
    """``n`` evenly spaced points on a circle, optionally with Gaussian noise."""
    t = 2 * np.pi * np.arange(n) / n
    X = radius * np.column_stack([np.cos(t), np.sin(t)]) + np.asarray(center)
    if noise:
        X = X + np.random.default_rng(seed).normal(scale=noise, size=X.shape)
    return X


def torus(n: int, R: float = 2.0, r: float = 1.0, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    u, v = rng.uniform(0, 2 * np.pi, size=(2, n))
    return np.column_stack([(R + r * np.cos(v)) * np.cos(u), (R + r * np.cos(v)) * np.sin(u), r * np.sin(v)])


def sphere(n: int, dim: int = 2, seed: int = 0) -> np.ndarray:
    X = np.random.default_rng(seed).normal(size=(n, dim + 1))
    return X / np.linalg.norm(X, axis=1, keepdims=True)


@pytest.fixture
def noisy_circle():
    return circle(100, noise=0.05, seed=0)


@pytest.fixture
def small_mlp():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    return torch.nn.Sequential(
        torch.nn.Linear(8, 16), torch.nn.ReLU(), torch.nn.Linear(16, 16), torch.nn.ReLU(), torch.nn.Linear(16, 3)
    )


@pytest.fixture
def small_cnn():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    nn = torch.nn
    return nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(4, 8, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 10),
    )


def fibonacci_sphere(n: int) -> np.ndarray:
    """``n`` nearly evenly spread points on the unit 2-sphere (Fibonacci lattice)."""
    i = np.arange(n) + 0.5
    phi = np.arccos(1 - 2 * i / n)
    theta = np.pi * (1 + 5**0.5) * i
    return np.column_stack([np.cos(theta) * np.sin(phi), np.sin(theta) * np.sin(phi), np.cos(phi)])

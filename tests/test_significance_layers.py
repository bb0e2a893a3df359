"""The universal test through layer_profile: a loop kept by a near-linear layer and lost on a line."""

from __future__ import annotations

import numpy as np
import pytest

from tda_nn.datasets import circle
from tda_nn.diagnostics.layers import layer_profile


def _layers(n: int, seed: int = 0) -> dict[str, np.ndarray]:
    """A noisy unit circle in 64-D (rotated), a near-linear tanh layer, and a projection to a line."""
    rng = np.random.default_rng(seed)
    X = np.zeros((n, 64))
    X[:, :2] = circle(n, seed=seed)
    X = (X + rng.normal(scale=0.1, size=X.shape)) @ np.linalg.qr(rng.normal(size=(64, 64)))[0]
    H = np.tanh(X @ rng.normal(size=(64, 48)) / 16) * 2  # slope ~1 on the cloud's range: near-linear
    return {"input": X, "near_linear": H, "line": H @ rng.normal(size=(48, 1))}


def _check(p) -> None:
    assert p.params["significance"] == "universal"
    assert p.n_significant.tolist() == [[1, 1], [1, 1], [1, 0]]
    assert p.min_pvalue[0, 1] < 1e-3 and p.min_pvalue[1, 1] < 0.01 and p.min_pvalue[2, 1] == 1.0
    assert np.all(p.min_pvalue[:, 0] > 0.05)  # one component everywhere
    assert p.n_tests[2, 1] == 0 and p.n_tests[0, 1] > 30  # a line has no loop to test


def test_loop_kept_by_a_near_linear_layer_lost_on_a_line():
    _check(layer_profile(_layers(300), seed=0))


@pytest.mark.slow
def test_the_same_at_800_samples():
    _check(layer_profile(_layers(800), seed=0))


def test_significant_mask_is_that_of_significant_bars():
    import tda_nn

    rng = np.random.default_rng(1)
    C = np.zeros((3, 8))
    C[np.arange(3), np.arange(3)] = 8.0
    blobs = np.concatenate([rng.normal(size=(60, 8)) + c for c in C])
    X = circle(150, noise=0.05, seed=2)
    p = layer_profile({"circle": X, "blobs": blobs}, seed=3)
    for i, cloud in enumerate((X, blobs)):
        ref = tda_nn.significant_bars(cloud, seed=3)
        for k in (0, 1):
            np.testing.assert_array_equal(p.significant_mask(i, k), ref.mask[k])
    assert p.n_significant.tolist() == [[1, 1], [3, 0]]
    band = layer_profile({"circle": X}, significance="bootstrap", seed=3)
    np.testing.assert_array_equal(band.significant_mask("circle", 1),
                                  band.diagrams[0].lifetimes(1) > band.threshold[0, 1] * band.reference_scale[0])
    with pytest.raises(ValueError, match="no significance test"):
        layer_profile({"circle": X}, n_bootstrap=0).significant_mask(0, 1)


def test_significant_lifetimes():
    X = circle(150, noise=0.05, seed=2)
    p = layer_profile({"circle": X}, seed=3)
    life = p.significant_lifetimes("circle", 1)
    bars = np.asarray(p.diagrams[0][1])
    np.testing.assert_allclose(life, (bars[:, 1] - bars[:, 0])[p.significant_mask(0, 1)])
    assert len(life) == 1 and len(p.significant_lifetimes(0, 0)) == 0  # H0: only the infinite bar

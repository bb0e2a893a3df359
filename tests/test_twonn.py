"""TwoNN on the clouds whose dimension is known, with duplicates, lattices and impossible estimates."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from tda_nn.diagnostics.dimension import twonn


def test_line_in_3d_is_one_dimensional_and_duplicates_change_nothing():
    rng = np.random.default_rng(0)
    line = rng.uniform(size=(1000, 1)) @ rng.normal(size=(1, 3))
    d = twonn(line)
    assert d == pytest.approx(1.0, abs=0.1)
    assert twonn(np.vstack([line, line[:400], line[:50]])) == d  # the distinct points are the same: the same number


def test_plane_in_10d_is_two_dimensional_and_duplicates_change_nothing():
    rng = np.random.default_rng(0)
    plane = rng.uniform(size=(2000, 2)) @ rng.normal(size=(2, 10))
    d = twonn(plane)
    assert d == pytest.approx(2.0, abs=0.2)
    assert twonn(np.vstack([plane, plane[::3]])) == d


def test_evenly_spaced_line_through_a_random_relu_layer_is_refused_not_83():
    # 300 evenly spaced points of a line, Linear(2, 3) + ReLU: every interior point has its two neighbours at the
    # same distance, so r2 / r1 is 1 up to float32 rounding and the old slope was 8e4 for a 3-feature layer
    t = torch.linspace(-1, 1, 300)[:, None]
    torch.manual_seed(0)
    layer = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU())
    with torch.no_grad():
        Y = layer(torch.cat([t, 0.5 * t], 1)).numpy()
    with pytest.raises(ValueError, match="same distance"):
        twonn(Y)
    grid = np.stack(np.meshgrid(np.arange(30.0), np.arange(30.0)), -1).reshape(-1, 2)
    with pytest.raises(ValueError, match="900 of the 900 distinct points"):
        twonn(grid)


def test_randomly_placed_points_of_the_same_line_give_one():
    rng = np.random.default_rng(1)
    t = torch.as_tensor(rng.uniform(-1, 1, size=(800, 1)), dtype=torch.float32)
    torch.manual_seed(0)
    layer = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU())
    with torch.no_grad():
        Y = layer(torch.cat([t, 0.5 * t], 1)).numpy()
    d = twonn(Y)
    assert d == pytest.approx(1.0, abs=0.15) and d <= Y.shape[1]


def test_full_dimensional_estimates_stay_near_the_number_of_features():
    rng = np.random.default_rng(0)
    for dim in (3, 5):
        assert twonn(rng.normal(size=(2000, dim))) == pytest.approx(dim, rel=0.1)


def test_too_few_distinct_points():
    with pytest.raises(ValueError, match="only 2 distinct points of 40"):
        twonn(np.repeat(np.eye(2), 20, axis=0))


def test_an_estimate_above_the_number_of_features_is_refused():
    # evenly spaced points of a line jittered by 1e-5 of their spacing: the ratios are 1 + O(1e-5), not ties by
    # rounding, and the slope through them is thousands of dimensions in a 2-feature space
    rng = np.random.default_rng(0)
    t = np.arange(500.0) + rng.uniform(-1e-5, 1e-5, size=500)
    with pytest.raises(ValueError, match="exceeds the 2 features of X"):
        twonn(np.column_stack([t, 0.5 * t]))


def test_the_findings_say_when_the_estimate_is_missing_or_impossible():
    from tda_nn.findings import dimension_findings, report_findings

    table = {"a": {"intrinsic_dim": 1.02, "n_features": 3}, "b": {"intrinsic_dim": float("nan"), "n_features": 3},
             "c": {"intrinsic_dim": 83.0, "n_features": 3}, "d": {"n_features": 3}}
    miss, impossible = dimension_findings(table)
    assert miss.layer == "b" and miss.text.startswith("No intrinsic dimension for b: TwoNN gives none there")
    assert impossible.layer == "c" and impossible.value == 83.0 and impossible.uncertainty == 3.0
    assert "TwoNN number 83 exceeds the layer's 3 features" in impossible.text
    assert [f.rule for f in report_findings(table)] == ["intrinsic_dim_unreliable"] * 2
    assert dimension_findings({"a": table["a"], "d": table["d"]}) == []


def test_analyze_leaves_an_evenly_spaced_line_blank_and_says_so():
    import math

    from tda_nn.workflows import analyze

    t = torch.linspace(-1, 1, 300)[:, None]
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU())
    with pytest.warns(UserWarning, match="intrinsic_dim is NaN for layers"):
        rep = analyze(model, torch.cat([t, 0.5 * t], 1), layers=["1"], n_bootstrap=10, view=None, regions=False,
                      progress=False)
    assert math.isnan(rep.table["1"]["intrinsic_dim"]) and rep.table["1"]["n_features"] == 3
    (f,) = [f for f in rep.findings if f.rule == "intrinsic_dim_unreliable"]
    assert f.layer == "1" and f.text.startswith("No intrinsic dimension for 1")

"""Plans before long runs: the cost model, refusals that name the option, skipped stages."""

from __future__ import annotations

import math
import time

import pytest

from tda_nn.workflows.plan import PlanError, estimate_persistence, largest_fitting, plan_analysis


def test_cost_model_counts_the_simplices_it_says():
    s, b = estimate_persistence(400, 5)
    assert s == pytest.approx(15e-9 * math.comb(400, 7) + 1e-3, rel=1e-9)
    # memory is the engine guard's calibrated estimate (giotto-ph: 46 bytes per pair at H1 and 66 from H2, measured
    # peaks in tda_nn/budgets.py), never the bare 8 n^2 of the matrix that admitted out-of-memory kills
    assert b == pytest.approx(66 * 400**2 + 16 * math.comb(400, 6), rel=1e-9)
    assert estimate_persistence(500, 1)[1] == 46 * 500**2


def test_largest_fitting_is_the_boundary():
    n = largest_fitting(2, max_seconds=10.0, max_bytes=2**40, upper=10_000)
    assert estimate_persistence(n, 2)[0] <= 10.0 < estimate_persistence(n + 1, 2)[0]


def test_maxdim_five_is_refused_naming_maxdim_and_a_fit():
    t = time.perf_counter()
    with pytest.raises(PlanError, match=r"maxdim=5 .*TiB.*use maxdim=2") as info:
        plan_analysis({"input": (1, 8, 8), "conv2": (16, 8, 8)}, n_samples=1000, maxdim=5, max_points=500)
    assert time.perf_counter() - t < 1.0
    assert isinstance(info.value, ValueError)


def test_max_time_is_honoured():
    with pytest.raises(PlanError, match="max_points=.*max_time"):
        plan_analysis({"a": (64,)}, n_samples=5000, maxdim=1, max_points=5000, max_time=1e-3)


def test_one_point_per_sample_layers_are_skipped_with_a_note():
    plan = plan_analysis({"conv2": (16, 8, 8), "pool": (16, 1, 1)}, n_samples=100, maxdim=1, max_points=100,
                         probe_layers=("conv2", "pool"))
    assert any("'pool' skipped" in n and "1x1" in n for n in plan.notes)
    probes = next(s for s in plan.stages if s.name == "probes")
    assert probes.runs and "1 layer" in probes.what
    assert "pool" in str(plan) and repr(plan).startswith("Plan(")
    only_pool = plan_analysis({"pool": (16, 1, 1)}, n_samples=100, maxdim=1, max_points=100, probe_layers=("pool",))
    assert not next(s for s in only_pool.stages if s.name == "probes").runs


def test_plan_arguments_are_checked_by_name():
    with pytest.raises(ValueError, match="maxdim"):
        plan_analysis({"a": (3,)}, n_samples=10, maxdim=-1, max_points=10)
    with pytest.raises(ValueError, match="probe_kind"):
        plan_analysis({"a": (3,)}, n_samples=10, maxdim=1, max_points=10, probe_kind="imgae")

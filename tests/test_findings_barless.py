"""A layer with no bar of a dimension at all: nothing is swamped and nothing is tested, and the findings say so."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from tda_nn.findings import depth_findings, report_findings, significance_findings
from tda_nn.workflows import analyze


def _line_row(**extra) -> dict:
    # a layer whose cloud is a line on landmarks: 2r = 0.006, no H1 bar at all
    return {"n_significant_H1": 0, "longest_H1": 0.0, "landmark_bound": 0.006, "n_points": 200, **extra}


def test_no_bar_with_p_values_is_not_swamped():
    table = {"line": _line_row(p_H1=1.0, n_tests_H1=0, threshold_H1=3.0),
             "ring": {"n_significant_H1": 0, "p_H1": 0.9, "n_tests_H1": 80, "threshold_H1": 3.0,
                      "longest_H1": 0.2, "landmark_bound": 0.3, "n_points": 100}}
    out = significance_findings(table)
    swamps = [f for f in out if f.rule == "landmark_swamps"]
    assert [f.layer for f in swamps] == ["ring"]  # 2 x 2r = 0.6 >= 0.2 > 0: a bar the landmarks can swamp
    (none,) = [f for f in out if f.layer == "line"]
    assert none.text == "No H1 bar at all in line: no loops to test." and none.rule == "significant_bars"
    assert "noise bars" not in none.text and none.value == 0.0
    assert report_findings(table)[1].rule == "landmark_swamps"  # after the FDR line


def test_no_bar_with_the_band_names_the_landmark_caveat_only_when_2x2r_exceeds_the_threshold():
    low = {"line": _line_row(threshold_H1=0.5)}  # 2 x 2r = 0.012 < 0.5: no bar landmarks hide could count
    (f,) = significance_findings(low)
    assert f.text == "No H1 bar at all in line: no loops to test." and f.rule == "significant_bars"
    coarse = {"line": {"n_significant_H1": 0, "longest_H1": 0.0, "landmark_bound": 0.4, "threshold_H1": 0.5,
                       "n_points": 50}}
    (f,) = significance_findings(coarse)
    assert f.rule == "significant_bars" and "No H1 bar at all in line" in f.text
    assert "line: 2 x 2r = 0.8 > threshold 0.5" in f.text and "more landmarks" in f.text


def test_depth_keeps_a_layer_without_bars():
    t = {"in": {"n_significant_H1": 1, "longest_H1": 2.0, "landmark_bound": 0.01},
         "out": _line_row(threshold_H1=1.0)}
    (f,) = depth_findings(t)
    assert "falls from 1 (in) to 0 (out)" in f.text and "left out" not in f.text and f.value == -1.0


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_a_line_on_landmarks_gets_no_swamp_finding():
    # 400 points of a line through Linear(2, 3) + ReLU, diagrams on 60 landmarks: no H1 bar at all
    t = np.random.default_rng(0).uniform(-1, 1, size=(400, 1))
    X = torch.as_tensor(np.hstack([t, 0.5 * t]), dtype=torch.float32)
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU())
    rep = analyze(model, X, layers=["1"], max_points=60, n_bootstrap=20, view=None, regions=False, progress=False)
    row = rep.table["1"]
    assert row["landmark_bound"] > 0 and row.get("longest_H1", 0.0) == 0.0 and row["n_significant_H1"] == 0
    assert not [f for f in rep.findings if f.rule == "landmark_swamps"]
    assert any(f.text.startswith("No H1 bar at all in 1") for f in rep.findings)


def test_bh_does_not_claim_the_best_raw_p():
    # smallest BH-adjusted p 0.5 over 100 bars: the best raw p lies in [0.005, 0.5], not known to be 0.005
    table = {"x": {"n_significant_H1": 0, "p_H1": 0.5, "n_tests_H1": 100, "longest_H1": 0.4, "n_points": 300}}
    (bh,) = [f for f in significance_findings(table, correction="bh") if f.rule == "sample_size"]
    assert "the sample size may bind" in bh.text and "raw p of at least 0.005 (at most 0.5)" in bh.text
    (bonf,) = [f for f in significance_findings(table) if f.rule == "sample_size"]
    assert "the sample size binds" in bonf.text and "raw p = 0.005 but 0.5 after the correction over 100" in bonf.text


def test_a_table_without_lengths_is_not_said_to_have_no_bar():
    # hand-made rows with counts only: nothing is known of their bars, so none is called barless or swamped
    out = significance_findings({"a": {"n_significant_H1": 0, "threshold_H1": 0.5, "landmark_bound": 0.3},
                                 "b": {"n_significant_H1": 0, "p_H1": 0.9, "n_tests_H1": 0, "landmark_bound": 0.3}})
    texts = [f.text for f in out]
    assert not [f for f in out if f.rule == "landmark_swamps"]
    assert texts[0].startswith("No significant H1 bar in a") and texts[1] == "No H1 bar at all in b: no loops to test."
    one = significance_findings({"c": {"n_significant_H1": 0, "p_H1": 0.9, "n_tests_H1": 1, "longest_H1": 0.1}})
    assert "only 1 H1 bar to test" in one[-1].text

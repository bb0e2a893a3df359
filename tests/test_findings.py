"""Findings: a network of known topology, the landmark bound swamping a dimension, and each rule on its numbers."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from conftest import circle

import tda_nn
from tda_nn.findings import (
    Finding,
    depth_findings,
    loop_findings,
    mantel_spearman,
    probe_findings,
    region_findings,
    report_findings,
    significance_findings,
    similarity_findings,
    symmetry_findings,
)
from tda_nn.report import Report
from tda_nn.workflows import analyze


def _lift_then_project(seed: int = 0) -> torch.nn.Module:
    """R^2 -> R^16 by an isometry (injective: the circle keeps its loop), then R^16 -> R (the loop is gone)."""
    g = torch.Generator().manual_seed(seed)
    Q, _ = torch.linalg.qr(torch.randn(16, 2, generator=g))
    model = torch.nn.Sequential()
    model.add_module("lift", torch.nn.Linear(2, 16))
    model.add_module("project", torch.nn.Linear(16, 1))
    with torch.no_grad():
        model.lift.weight.copy_(3.0 * Q)
        model.lift.bias.copy_(torch.randn(16, generator=g))
        model.project.weight.copy_(torch.randn(1, 16, generator=g))
    return model.eval()


@pytest.fixture(scope="module")
def known():
    X = torch.as_tensor(circle(200, noise=0.05, seed=3), dtype=torch.float32)
    return analyze(_lift_then_project(), X, layers=["lift", "project"], n_bootstrap=60, view=None, progress=False)


class TestKnownTopology:
    def test_one_loop_in_the_lifted_layer_none_after_the_projection(self, known):
        lift, proj = known.table["lift"], known.table["project"]
        assert lift["n_significant_H1"] == 1 and proj["n_significant_H1"] == 0
        assert lift["n_significant_H0"] == 1  # one connected cloud
        # a circle projected onto a line has the arcsine density: two modes at the ends, joined through a sparse
        # middle at about ten times the height where each end gathered its first ten points; the test counts them
        assert proj["n_significant_H0"] == 2 and proj["p_H0"] < 0.05
        # the lifted layer is an isometric copy of the circle: the same diagrams as the input
        ref = tda_nn.persistence(circle(200, noise=0.05, seed=3), maxdim=1)
        np.testing.assert_allclose(known.diagrams["lift"][1], 3.0 * ref[1], rtol=1e-4, atol=1e-4)

    def test_findings_say_so(self, known):
        by_rule: dict[str, list[Finding]] = {}
        for f in known.findings:
            by_rule.setdefault(f.rule, []).append(f)
        loop = [f for f in by_rule["significant_bars"] if f.layer == "lift"]
        assert len(loop) == 1 and loop[0].value == 1.0
        assert loop[0].uncertainty == pytest.approx(known.table["lift"]["p_H1"])  # the p-value it rests on
        assert "after Bonferroni over" in loop[0].text
        life = f"{known.table['lift']['longest_H1']:.3g}"
        assert "1 significant loop (H1)" in loop[0].text and life in loop[0].text
        none = [f for f in by_rule["significant_bars"] if f.layer == "project"]
        # the projection is a line: no H1 bar at all, said as such (not "where noise bars are", nothing swamped)
        assert known.table["project"].get("longest_H1", 0.0) == 0.0
        assert len(none) == 1 and none[0].value == 0.0 and none[0].text == "No H1 bar at all in project: no loops to test."
        (simpler,) = by_rule["simplification"]
        assert "simplified" in simpler.text and "from 1 (lift) to 0 (project)" in simpler.text
        assert simpler.value == -1.0
        assert "landmark_swamps" not in by_rule

    def test_findings_round_trip_through_json(self, known, tmp_path):
        back = Report.load(known.save(tmp_path / "rep", figures=False))
        assert back.findings == known.findings
        body = json.loads((tmp_path / "rep" / "report.json").read_text())
        assert body["findings"][0] == known.findings[0].to_dict()
        assert all(isinstance(f, Finding) for f in back.findings)


class TestLandmarkBound:
    def test_twice_2r_above_every_bar_gives_count_zero_and_a_finding(self):
        # 600 points of a 24-D Gaussian on 40 landmarks: the covering radius is near the cloud's own scale
        X = torch.as_tensor(np.random.default_rng(0).normal(size=(600, 24)), dtype=torch.float32)
        model = torch.nn.Sequential(torch.nn.Identity())
        rep = analyze(model, X, layers=["input", "0"], max_points=40, n_bootstrap=30, view=None, regions=False,
                      progress=False)
        row = rep.table["input"]
        assert row["n_significant_H1"] == 0
        assert 2 * row["landmark_bound"] >= row["longest_H1"] > 0
        # the binding constraint is named: the approximation when 2 x 2r exceeds the band's threshold, else the band
        b, thr = row["landmark_bound"], row["threshold_H1"]
        if "p_H1" in row or 2 * b > thr:  # the universal test (a ratio threshold), or a band below 2 x 2r
            swamps = [f for f in rep.findings if f.rule == "landmark_swamps" and f.layer == "input"]
            assert len(swamps) == 1 and swamps[0].quantity == "longest_H1"
            text = swamps[0].text
            assert f"2r = {b:.3g}" in text and "more landmarks" in text and "max_points" in text
            assert swamps[0].uncertainty == pytest.approx(b)
        else:
            (binds,) = [f for f in rep.findings if f.rule == "band_binds" and f.layer == "input"]
            assert "more landmarks would change nothing" in binds.text and binds.value == pytest.approx(thr)
            assert not [f for f in rep.findings if f.rule == "landmark_swamps"]
        # the swamped dimension is not read as simplification across depth
        simp = [f for f in rep.findings if f.rule == "simplification"]
        assert len(simp) == 1 and "cannot be read" in simp[0].text and simp[0].value is None

    def test_rule_on_a_table(self):
        table = {"a": {"n_significant_H1": 0, "threshold_H1": 1.0, "longest_H1": 0.5, "landmark_bound": 0.6,
                       "n_points": 100},
                 "b": {"n_significant_H1": 0, "threshold_H1": 0.4, "longest_H1": 0.3, "landmark_bound": 0.1,
                       "n_points": 100}}
        out = significance_findings(table)
        swamps = [f for f in out if f.rule == "landmark_swamps"]
        assert [f.layer for f in swamps] == ["a"] and "2r = 0.6" in swamps[0].text
        # b: the band (0.4) exceeds its longest bar (0.3) while 2 x 2r = 0.2 does not: the band binds
        binds = [f for f in out if f.rule == "band_binds"]
        assert [f.layer for f in binds] == ["b"] and "more landmarks would change nothing" in binds[0].text
        # with the band above 2 x 2r, the band binds even where the landmarks could hide the bars
        table["a"]["threshold_H1"] = 1.5
        assert [f.rule for f in significance_findings({"a": table["a"]})] == ["band_binds"]


class TestRules:
    def test_depth_rise_and_fall(self):
        t = {name: {"n_significant_H1": n} for name, n in (("in", 3), ("h1", 1), ("h2", 2), ("out", 0))}
        out = depth_findings(t)
        assert [f.text.split(":")[0] for f in out] == ["Not simplified between h1 and h2"]
        assert out[0].value == 1.0 and out[0].layer == "h2"
        t["h2"]["n_significant_H1"] = 1
        (f,) = depth_findings(t)
        assert "falls from 3 (in) to 0 (out)" in f.text and f.value == -3.0

    def test_most_alike_and_measures_undecided(self):
        labels = ("a", "b", "c", "d")
        # CKA: a~b most alike; the distance says a and b are the farthest pair
        C = np.array([[1, .9, .5, .2], [.9, 1, .4, .3], [.5, .4, 1, .6], [.2, .3, .6, 1]])
        D = 1 - C
        D[0, 1] = D[1, 0] = 5.0
        out = similarity_findings({"linear CKA": (labels, C), "wasserstein H1": (labels, D)})
        best = {f.quantity: f for f in out if f.rule == "most_alike"}
        assert "a and b" in best["linear CKA"].text and best["linear CKA"].value == 0.9
        assert "c and d" in best["wasserstein H1"].text and best["wasserstein H1"].value == pytest.approx(0.4)
        # the runner-up is quoted: c and d at 0.6 by CKA, what 0.9 must be compared with
        assert "next c and d at 0.6" in best["linear CKA"].text and best["linear CKA"].uncertainty == 0.6
        # 4 layers: the smallest two-sided relabelling p is 2 / 4! = 0.083 > 0.05, so nothing is claimed
        (few,) = [f for f in out if f.rule.startswith("measures_")]
        assert few.rule == "measures_undecided" and "cannot be told from 4 layers" in few.text
        assert few.uncertainty == pytest.approx(2 / 24) and "Compare at least 5 layers." in few.text
        # 6 layers, rankings unrelated: neither shown, with the two-sided p quoted (twice the smaller one-sided)
        rng = np.random.default_rng(3)
        A, B = rng.uniform(size=(6, 6)), rng.uniform(size=(6, 6))
        A, B = A + A.T, B + B.T
        rho, pa, pd, n_perm = mantel_spearman(A, -B)
        (dis,) = [f for f in similarity_findings({"linear CKA": (list("abcdef"), A), "w": (list("abcdef"), B)})
                  if f.rule.startswith("measures_")]
        assert dis.rule == "measures_undecided" and dis.value == pytest.approx(rho)
        assert dis.uncertainty == pytest.approx(min(1.0, 2 * min(pa, pd))) and dis.uncertainty > 0.05
        assert "two-sided Mantel p" in dis.text and "all 720 relabellings" in dis.text and "ranked most" in dis.text

    def test_agree_needs_a_permutation_p_value_below_alpha_after_holm(self):
        rng = np.random.default_rng(0)
        C = rng.uniform(size=(5, 5))
        C = C + C.T
        labels = list("abcde")
        same = similarity_findings({"linear CKA": (labels, C), "wasserstein H1": (labels, -C)})
        (agree,) = [f for f in same if f.rule.startswith("measures_")]
        # identical rankings over 5 layers: only the identity of the 5! relabellings reaches rho = 1; two-sided 2/120
        assert agree.rule == "measures_agree" and agree.value == pytest.approx(1.0)
        assert agree.uncertainty == pytest.approx(2 / 120) and "p = 0.0167" in agree.text
        # two measures are one family: Holm doubles the smallest p (1/30 <= 0.05: both still agree, and say so)
        two = [f for f in similarity_findings({"linear CKA": (labels, C), "w": (labels, -C), "v": (labels, -C)})
               if f.rule.startswith("measures_")]
        assert [f.rule for f in two] == ["measures_agree"] * 2
        assert all(f.uncertainty == pytest.approx(1 / 30) and "after Holm over the 2 measures" in f.text for f in two)
        # four measures over 5 layers: 4 x 2/120 = 0.067 > 0.05, no claim can be made; 6 layers would do
        four = [f for f in similarity_findings({"linear CKA": (labels, C), **{m: (labels, -C) for m in "wxyz"}})
                if f.rule.startswith("measures_")]
        (h,) = four
        assert h.rule == "measures_undecided" and "Whether w, x, y and z agree with linear CKA" in h.text
        assert h.uncertainty == pytest.approx(4 * 2 / 120) and "Compare at least 6 layers." in h.text
        # 3 layers, one measure: not enough either
        (g,) = [f for f in similarity_findings({"linear CKA": (labels[:3], C[:3, :3]), "w": (labels[:3], -C[:3, :3])})
                if f.rule.startswith("measures_")]
        assert "cannot be told from 3 layers" in g.text and g.uncertainty == pytest.approx(1 / 3)

    def test_opposite_rankings_disagree(self):
        rng = np.random.default_rng(1)
        n = 6
        A = rng.uniform(size=(n, n))
        A = A + A.T
        out = similarity_findings({"linear CKA": (list("abcdef"), A), "w": (list("abcdef"), A)})
        (f,) = [f for f in out if f.rule.startswith("measures_")]
        # a distance equal to the similarity ranks every pair in opposite order: rho = -1, two-sided p = 2/720
        assert f.rule == "measures_disagree" and f.value == pytest.approx(-1.0)
        assert f.uncertainty == pytest.approx(2 / 720)

    def test_mantel_exact_p_value_by_brute_force(self):
        import itertools

        from scipy.stats import spearmanr

        from tda_nn.findings import mantel_spearman

        rng = np.random.default_rng(4)
        n = 5
        A, B = (rng.uniform(size=(n, n)) for _ in range(2))
        A, B = A + A.T, B + B.T
        rho, p_gt, p_lt, n_perm = mantel_spearman(A, B)
        iu = np.triu_indices(n, 1)
        assert rho == pytest.approx(spearmanr(A[iu], B[iu])[0])
        null = [spearmanr(A[iu], B[np.ix_(p, p)][iu])[0] for p in itertools.permutations(range(n))]
        assert n_perm == 120
        assert p_gt == pytest.approx(np.mean(np.asarray(null) >= rho - 1e-12))
        assert p_lt == pytest.approx(np.mean(np.asarray(null) <= rho + 1e-12))
        with pytest.raises(ValueError, match="a and b must be square"):
            mantel_spearman(A[:2, :2], B[:2, :2])

    def test_probes_against_controls(self):
        probes = {"layers": ["c1", "c2"], "topological": [0.30, 0.80], "linear": [0.9, 0.95], "shuffled": [0.28, 0.11],
                  "chance": 0.1}
        out = probe_findings(probes, n_samples=500)
        ctrl = {f.layer: f for f in out if f.rule == "probe_vs_shuffled"}
        assert "is not shown to beat" in ctrl["c1"].text and "reads the label" in ctrl["c2"].text
        # the standard error of the difference of the two accuracies, not of the topological one alone
        assert ctrl["c2"].uncertainty == pytest.approx(np.sqrt((0.8 * 0.2 + 0.11 * 0.89) / 500))
        (lin,) = [f for f in out if f.rule == "probe_vs_linear"]
        assert "below the linear probe on pooled activations at every layer, by more than two standard" in lin.text
        assert lin.value == pytest.approx(0.30 - 0.9)
        assert lin.uncertainty == pytest.approx(np.sqrt((0.3 * 0.7 + 0.9 * 0.1) / 500))  # SE of the difference

    def test_probes_within_two_standard_errors_are_not_ranked(self):
        probes = {"layers": ["a", "b"], "topological": [0.90, 0.95], "linear": [0.91, 0.80], "shuffled": [0.5, 0.5],
                  "chance": 0.5}
        lin = [f for f in probe_findings(probes, n_samples=100) if f.rule == "probe_vs_linear"]
        assert ["above" in f.text for f in lin] == [True, False]  # b above; a level with the linear probe
        assert lin[0].layer == "b"
        assert "within two standard errors of each other at a (a 0.9 against 0.91)" in lin[1].text
        # without the sample count the margin is 0.05, and said so
        (f, g) = [f for f in probe_findings(probes) if f.rule == "probe_vs_linear"]
        assert "by more than 0.05" in f.text and "within 0.05" in g.text and f.uncertainty is None

    def test_region_saturation(self):
        regions = {"data_patterns": {"patterns": 1000, "patterns/relu1": 1000, "patterns/relu0": 120},
                   "full_window_counts_by_layer": {"relu0": 50, "relu1": 900}}
        out = region_findings(regions, n_samples=1000)
        sat = [f for f in out if f.rule == "region_saturation"]
        assert len(sat) == 1 and sat[0].layer == "relu1" and "every one of the 1000 samples" in sat[0].text
        (share,) = [f for f in out if f.rule == "region_sharing"]
        assert share.layer == "relu0" and share.value == 120.0

    def test_clusters_and_significant_bars_quote_their_numbers(self):
        table = {"a": {"n_significant_H0": 3, "threshold_H0": 0.71, "n_significant_H1": 2, "threshold_H1": 0.25,
                       "longest_H1": 0.9, "landmark_bound": 0.0}}
        out = significance_findings(table, {"a": {1: [0.5, 0.9]}}, alpha=0.01)
        bars = [f for f in out if f.rule == "significant_bars"]
        assert len(bars) == 1 and bars[0].value == 2.0 and bars[0].uncertainty == 0.25
        assert "2 significant loops (H1) with lifetimes 0.9, 0.5" in bars[0].text and "alpha = 0.01" in bars[0].text
        (cl,) = [f for f in out if f.rule == "clusters"]
        assert cl.value == 3.0 and "threshold 0.71" in cl.text
        # report_findings puts the swamped dimensions first
        table["b"] = {"n_significant_H0": 1, "threshold_H0": 1.0, "n_significant_H1": 0, "threshold_H1": 0.5,
                      "longest_H1": 0.1, "landmark_bound": 0.5, "n_points": 50}
        assert report_findings(table)[0].rule == "landmark_swamps"

    def test_loops_rule(self):
        payload = {"layers": {"fc1": {"threshold": 0.6, "reference_scale": 2.0, "loops": [
            {"indices": [3, 1, 4, 1, 5], "labels": ["x", "y", "x", "y", "z"], "bar": [0.2, 1.4],
             "bar_relative": [0.1, 0.7]}]}},
            "lifelines": {"lifelines": [
                {"born": "fc1", "layers": ["fc1", "fc2"], "end": "died", "ended_at": "fc3", "merged_into": None},
                {"born": "fc1", "layers": ["fc1", "fc2", "fc3"], "end": "survives", "ended_at": None,
                 "merged_into": None}]}}
        out = loop_findings(payload)
        assert [f.rule for f in out] == ["loop_samples", "lifelines", "lifelines"]
        assert out[0].value == 5.0 and out[0].uncertainty == pytest.approx(0.3)  # threshold / reference scale
        assert "1 significant loop (loop 0: 5 samples, 3 classes, lifetime 0.6" in out[0].text
        assert "persists through fc1 -> fc2 and dies at fc3" in out[1].text and out[1].value == 2.0
        assert "still a loop at the last layer" in out[2].text
        assert loop_findings(None) == []

    def test_symmetry_equivariance_and_orbits_rules(self):
        payload = {"tol": 0.05,
                   "invariance": {"shift": {"layers": ["input", "conv", "out"], "error": [1.0, 0.8, 0.7],
                                            "interval": [[0.9, 1.1], [0.7, 0.9], [0.6, 0.8]]}},
                   "equivariance": {"shift": {"layers": ["input", "conv", "out"], "error": [0.0, 0.01, 0.5],
                                              "interval": [[0.0, 0.0], [0.0, 0.02], [0.4, 0.6]]}},
                   "orbits": {"shift": {"layers": ["input", "out"],
                                        "status": {"input": ["kept", "kept"], "out": ["collapsed", "torn"]},
                                        "fractions": {"out": {"collapsed": 0.5}}}}}
        inv, eq, orb = symmetry_findings(payload)
        assert inv.rule == "invariance" and inv.layer is None and "No layer is invariant to shift" in inv.text
        assert inv.value == 0.7 and inv.uncertainty == 0.8
        assert eq.rule == "equivariance" and eq.layer == "conv" and eq.value == 0.01 and eq.uncertainty == 0.02
        assert "conv (equivariance error 0.01, invariance error 0.8)" in eq.text  # the input is left out
        assert orb.rule == "orbits" and orb.value == 0.5
        assert "input: 2 kept, 0 collapsed, 0 torn; out: 0 kept, 1 collapsed, 1 torn" in orb.text

    def test_finding_dict_and_errors(self):
        f = Finding("x", None, "q", float("nan"), 0.5, "r")
        assert Finding.from_dict(f.to_dict()) == Finding("x", None, "q", None, 0.5, "r")
        with pytest.raises(ValueError, match="lacks"):
            Finding.from_dict({"text": "x"})
        with pytest.raises(TypeError, match="findings"):
            Report(title="t", findings=["not a finding"])
        assert tda_nn.Finding is Finding


def test_a_corrupt_finding_in_report_json_is_a_clear_error(known, tmp_path):
    out = known.save(tmp_path / "rep", figures=False)
    body = json.loads((out / "report.json").read_text())
    body["findings"][0] = {"text": "no rule"}
    (out / "report.json").write_text(json.dumps(body))
    with pytest.raises(ValueError, match="not a readable tda_nn report.*lacks"):
        Report.load(out)

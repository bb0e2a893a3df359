"""Similarity findings name what their matrices compare: layers, or checkpoints in the series workflows."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import tda_nn
from tda_nn import workflows
from tda_nn.findings import report_findings, similarity_findings

C = np.array([[1, .9, .5, .2], [.9, 1, .4, .3], [.5, .4, 1, .6], [.2, .3, .6, 1]])


def test_the_noun_is_what_is_compared():
    labels = ("s0", "s1", "s2", "s3")
    out = similarity_findings({"linear CKA": (labels, C), "w": (labels, 1 - C)}, compared="checkpoints")
    best = next(f for f in out if f.rule == "most_alike" and f.quantity == "linear CKA")
    assert best.text == "By linear CKA, the most alike checkpoints are s0 and s1 (highest value 0.9; next s2 and s3 at 0.6)."
    (few,) = [f for f in out if f.rule == "measures_undecided"]
    assert "which checkpoints are alike cannot be told from 4 checkpoints" in few.text
    assert "Compare at least 5 checkpoints." in few.text
    C5 = np.random.default_rng(0).uniform(size=(5, 5))
    C5 = C5 + C5.T
    five = similarity_findings({"linear CKA": (list("vwxyz"), C5), "w": (list("vwxyz"), -C5)}, compared="checkpoints")
    (agree,) = [f for f in five if f.rule == "measures_agree"]
    assert "which checkpoints are alike" in agree.text and "pairs of 5 checkpoints" in agree.text
    assert "layer" not in " ".join(f.text for f in out)
    assert "the most alike layers are s0 and s1" in report_findings({}, matrices={"linear CKA": (labels, C)})[0].text
    with pytest.raises(TypeError, match="compared must be a non-empty str"):
        similarity_findings({}, compared="")


def test_two_items_make_no_most_alike_claim():
    (f,) = similarity_findings({"linear CKA": (("a", "b"), C[:2, :2])})
    assert f.text == "By linear CKA, the only two layers, a and b, are at 0.9." and f.uncertainty is None


def test_the_advice_on_how_many_to_compare_follows_alpha():
    labels = ("a", "b", "c", "d")
    (f,) = [f for f in similarity_findings({"linear CKA": (labels, C), "w": (labels, 1 - C)}, alpha=0.01)
            if f.rule == "measures_undecided"]
    # two-sided: 2 / 5! = 0.017 > 0.01, 2 / 6! = 0.0028 <= 0.01: six layers are the fewest that can reach alpha
    assert "cannot be told from 4 layers" in f.text and "Compare at least 6 layers." in f.text
    (g,) = [f for f in similarity_findings({"linear CKA": (labels[:3], C[:3, :3]), "w": (labels[:3], 1 - C[:3, :3])})
            if f.rule == "measures_undecided"]
    assert "Compare at least 5 layers." in g.text


def test_compare_checkpoints_says_checkpoints():
    torch.manual_seed(0)
    models = [tda_nn.zoo.mlp(3, 10, 2, 2) for _ in range(3)]
    X = torch.randn(60, 3, generator=torch.Generator().manual_seed(0))
    rep = workflows.compare_checkpoints(models, X, layers=["act0"], max_points=40, progress=False)
    alike = [f for f in rep.findings if f.rule == "most_alike"]
    assert len(alike) == 2 and all("the most alike checkpoints are checkpoint " in f.text for f in alike)
    assert not any("layers" in f.text for f in alike)


def test_the_shuffled_control_is_beaten_only_beyond_the_error_of_the_difference():
    from tda_nn.findings import probe_findings

    # 0.60 against 0.50 on 100 samples: 2 SE of the topological accuracy alone is 0.098 < 0.10, but 2 SE of the
    # difference, 2 sqrt((0.24 + 0.25) / 100) = 0.14, is not exceeded: the label is not shown to be read
    probes = {"layers": ["a"], "topological": [0.60], "linear": [0.6], "shuffled": [0.50], "chance": 0.5}
    (f,) = [f for f in probe_findings(probes, n_samples=100) if f.rule == "probe_vs_shuffled"]
    assert f.uncertainty == pytest.approx(0.07) and "is not shown to beat" in f.text and "does not carry" not in f.text
    probes["topological"] = [0.65]
    (g,) = [f for f in probe_findings(probes, n_samples=100) if f.rule == "probe_vs_shuffled"]
    assert "reads the label" in g.text and "more than two standard errors apart" in g.text


def test_regions_without_the_sample_count_call_nothing_saturated():
    from tda_nn.findings import region_findings

    regions = {"data_patterns": {"patterns": 120, "patterns/relu1": 120, "patterns/relu0": 40}}
    out = region_findings(regions)
    assert [f.rule for f in out] == ["region_sharing", "region_sharing"] and [f.value for f in out] == [120.0, 40.0]
    assert "cannot be told" in out[0].text and "every one" not in out[0].text
    sat = [f for f in region_findings(regions, n_samples=120) if f.rule == "region_saturation"]
    assert len(sat) == 1 and sat[0].layer == "relu1"


def test_several_loops_are_their_samples():
    from tda_nn.findings import loop_findings

    loop = {"indices": [1, 2, 3], "labels": None, "bar": [0.2, 1.0], "bar_relative": [0.1, 0.5]}
    two = loop_findings({"layers": {"fc": {"threshold": 0.6, "reference_scale": 2.0, "loops": [loop, loop]}}})
    assert "2 significant loops (loop 0:" in two[0].text and "their samples listed" in two[0].text
    one = loop_findings({"layers": {"fc": {"threshold": 0.6, "reference_scale": 2.0, "loops": [loop]}}})
    assert "1 significant loop (loop 0:" in one[0].text and "its samples listed" in one[0].text


def test_depth_reads_a_count_that_fails_the_report_fdr_as_zero():
    from tda_nn.findings import depth_findings
    from tda_nn.findings.significance import report_fdr

    # "a": 1 loop with p = 0.04 over its diagram; with "b"'s test (p = 0.9) BH gives q = 0.08 > 0.05
    t = {"a": {"n_significant_H1": 1, "p_H1": 0.04, "n_tests_H1": 50, "longest_H1": 1.0},
         "b": {"n_significant_H1": 0, "p_H1": 0.9, "n_tests_H1": 50, "longest_H1": 0.2}}
    assert report_fdr(t)[("a", 1)] == pytest.approx(0.08)
    (f,) = depth_findings(t)
    assert f.text.startswith("Significant beta_1 is 0 at every layer (a 0 (1 that does not stand the report-wide")
    assert "q = 0.08 > 0.05" in f.text and "simplified" not in f.text
    # with a tiny p the count stands, and the fall from 1 to 0 is read
    t["a"]["p_H1"] = 1e-4
    (g,) = depth_findings(t)
    assert "falls from 1 (a) to 0 (b)" in g.text and g.value == -1.0

"""Findings from a table with p-values: quoted p and correction, report-wide BH, the constraint that binds."""

from __future__ import annotations

import pytest

from tda_nn.findings import report_findings
from tda_nn.findings.significance import report_fdr, significance_findings
from tda_nn.results import LayerRow


def _table() -> dict:
    return {
        # a loop with a tiny p; two clusters
        "a": {"n_significant_H0": 2, "p_H0": 1e-5, "n_tests_H0": 7, "n_significant_H1": 1, "p_H1": 2e-6,
              "n_tests_H1": 212, "threshold_H1": 3.1, "longest_H1": 0.9, "landmark_bound": 0.1, "n_points": 400},
        # a borderline loop: significant within its diagram, not across the report
        "b": {"n_significant_H0": 1, "p_H0": 0.8, "n_tests_H0": 5, "n_significant_H1": 1, "p_H1": 0.045,
              "n_tests_H1": 150, "threshold_H1": 2.5, "longest_H1": 0.4, "landmark_bound": 0.05, "n_points": 400},
        # few bars, the best one promising: the sample size binds
        "c": {"n_significant_H0": 1, "p_H0": 1.0, "n_tests_H0": 0, "n_significant_H1": 0, "p_H1": 0.2,
              "n_tests_H1": 12, "threshold_H1": 4.0, "longest_H1": 0.3, "landmark_bound": 0.0, "n_points": 60},
        # landmarks coarser than every bar: the approximation binds
        "d": {"n_significant_H0": 1, "p_H0": 1.0, "n_tests_H0": 2, "n_significant_H1": 0, "p_H1": 0.9,
              "n_tests_H1": 80, "threshold_H1": 3.0, "longest_H1": 0.2, "landmark_bound": 0.3, "n_points": 100},
        # many bars, nothing stands out: the evidence binds
        "e": {"n_significant_H0": 1, "p_H0": 0.9, "n_tests_H0": 4, "n_significant_H1": 0, "p_H1": 1.0,
              "n_tests_H1": 300, "threshold_H1": 3.0, "longest_H1": 0.2, "landmark_bound": 0.01, "n_points": 400},
    }


def test_report_fdr_by_hand():
    q = report_fdr(_table())
    # tests: a0, a1, b0, b1, c1, d0, d1, e0, e1 (c0 has no merge to test): 9 tests
    assert len(q) == 9 and ("c", 0) not in q
    ps = sorted([1e-5, 2e-6, 0.8, 0.045, 0.2, 1.0, 0.9, 0.9, 1.0])
    # BH by hand for the two smallest and for b's loop (rank 3 of 9)
    assert q[("a", 1)] == pytest.approx(min(2e-6 * 9 / 1, 1e-5 * 9 / 2))
    assert q[("a", 0)] == pytest.approx(1e-5 * 9 / 2)
    assert q[("b", 1)] == pytest.approx(min(0.045 * 9 / 3, 0.2 * 9 / 4, 0.8 * 9 / 5, 1.0)) and ps[2] == 0.045


def test_counts_quote_p_correction_and_bh():
    out = significance_findings(_table(), {"a": {1: [0.9]}}, alpha=0.05)
    by = {}
    for f in out:
        by.setdefault(f.rule, []).append(f)
    (fdr,) = by["report_fdr"]
    assert "9 tests of this report" in fdr.text and "2 of them stand" in fdr.text
    loop_a = next(f for f in by["significant_bars"] if f.layer == "a")
    assert "1 significant loop (H1) with lifetimes 0.9" in loop_a.text
    assert "p = 2.0e-06 after Bonferroni over 212 bars" in loop_a.text and loop_a.uncertainty == 2e-6
    loop_b = next(f for f in by["significant_bars"] if f.layer == "b")
    assert "does not stand the report-wide false discovery control" in loop_b.text
    (cl,) = by["clusters"]
    assert cl.layer == "a" and cl.value == 2.0 and "p = 1.0e-05" in cl.text and "outliers never count" in cl.text
    (size,) = by["sample_size"]
    assert size.layer == "c" and "only 12 H1 bars" in size.text and "max_points" in size.text
    (swamp,) = by["landmark_swamps"]
    assert swamp.layer == "d" and "2r = 0.3" in swamp.text and "more landmarks" in swamp.text
    quiet = [f for f in by["significant_bars"] if f.value == 0.0]
    assert len(quiet) == 1 and quiet[0].layer == "e" and "no setting would change that" in quiet[0].text
    holm = significance_findings(_table(), alpha=0.05, correction="holm")
    assert any("after Holm over 212 bars" in f.text for f in holm)


def test_report_findings_put_the_fdr_first_and_rows_carry_p():
    out = report_findings(_table())
    assert out[0].rule == "report_fdr" and out[1].rule == "landmark_swamps"
    row = LayerRow.from_columns("a", _table()["a"])
    assert row.p == {0: 1e-5, 1: 2e-6} and row.n_tests == {0: 7, 1: 212}
    assert row.columns()["p_H1"] == 2e-6 and LayerRow.from_dict(row.to_dict()).p == row.p

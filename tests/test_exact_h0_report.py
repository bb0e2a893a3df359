"""The report's exact-H0 columns (issue 27, item 4): every sample's H0 beside the landmarks', said in words and drawn.

The cloud is 60 points on a line in two runs of 30, spaced 0.25 and 4.75 apart: its minimum
spanning tree is known in closed form (58 edges of 0.25 and one of 4.75, length 19.25). The model
doubles it exactly (a fixed linear layer, then ReLU on non-negative numbers), so the second layer's
tree is the same times two. Both are also checked against scipy's minimum spanning tree of the same
samples, an independent engine.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy.sparse.csgraph import minimum_spanning_tree
from scipy.spatial.distance import pdist, squareform

from tda_nn.diagrams import Diagrams
from tda_nn.report import Report
from tda_nn.report.html import exactness
from tda_nn.results import EXACT_H0, LayerRow, Table

torch = pytest.importorskip("torch")

GAP, STEP = 4.75, 0.25
LINE = np.r_[np.arange(30) * STEP, 7.25 + GAP + np.arange(30) * STEP]
SAMPLES = np.c_[LINE, np.zeros_like(LINE)]  # dyadic numbers: exact in float32


def _model():
    lin = torch.nn.Linear(2, 2)
    with torch.no_grad():
        lin.weight.copy_(torch.tensor([[2.0, 0.0], [0.0, 2.0]]))
        lin.bias.zero_()
    return torch.nn.Sequential(lin, torch.nn.ReLU())


def _analyze(max_points: int) -> Report:
    import tda_nn

    return tda_nn.analyze(_model(), torch.tensor(SAMPLES, dtype=torch.float32), layers=["input", "1"],
                          max_samples=60, max_points=max_points, n_bootstrap=20, view=None, regions=False,
                          loops=False, progress=False, cache=False, seed=0)


def _scipy_tree(X: np.ndarray) -> np.ndarray:
    T = minimum_spanning_tree(squareform(pdist(np.asarray(X, dtype=np.float64)))).tocoo()
    return np.sort(T.data)


@pytest.fixture(scope="module")
def landmarked() -> Report:
    return _analyze(max_points=20)


class TestColumns:
    @pytest.mark.filterwarnings("ignore:intrinsic_dim is NaN:UserWarning")  # evenly spaced test clouds: TwoNN is undefined there
    def test_exact_h0_is_that_of_every_sample_in_closed_form_and_by_scipy(self, landmarked):
        for layer, scale in (("input", 1.0), ("1", 2.0)):
            row = landmarked.table[layer]
            assert row.n_points == 20 and row.h0_exact_n_points == 60  # H1+ on 20 landmarks, H0 on all 60
            md = row.median_distance
            tree = _scipy_tree(SAMPLES * scale)
            assert tree.size == 59 and tree.max() == pytest.approx(GAP * scale, rel=1e-15)
            assert row.h0_exact_longest * md == pytest.approx(tree.max(), rel=1e-12)
            assert row.h0_exact_longest * md == pytest.approx(GAP * scale, rel=1e-12)
            assert row.h0_exact_total_persistence * md == pytest.approx(tree.sum(), rel=1e-12)
            assert row.h0_exact_total_persistence * md == pytest.approx((58 * STEP + GAP) * scale, rel=1e-12)
            # the meta the columns come from holds the same tree, edge by edge
            deaths = np.sort(np.asarray(landmarked.diagrams[layer].meta["h0_exact_deaths"], dtype=np.float64))
            np.testing.assert_allclose(deaths, tree, rtol=1e-12, atol=0)
            said = landmarked.diagrams[layer].meta["exact"]
            r = landmarked.diagrams[layer].meta["covering_radius"]
            assert r == pytest.approx(row.landmark_bound * md / 2, rel=1e-12)
            assert said.startswith("H0 exact on all 60 samples (a float64 minimum spanning tree")
            assert f"on 20 max-min landmarks with covering radius r = {r:.6g}" in said
            # the landmarks' H0 is another number, within the landmark bound 2r of the exact one (the bottleneck
            # bound ties the longest bars once one is longer than 4r)
            assert row.longest[0] != row.h0_exact_longest and row.longest[0] > 2 * row.landmark_bound
            assert abs(row.longest[0] - row.h0_exact_longest) <= row.landmark_bound

    def test_columns_sit_with_h0_and_read_as_flat_columns(self, landmarked):
        row = landmarked.table["input"]
        flat = row.columns()
        assert {name: flat[name] for name in EXACT_H0} == {
            "h0_exact_n_points": 60, "h0_exact_longest": row.h0_exact_longest,
            "h0_exact_total_persistence": row.h0_exact_total_persistence}
        names = [c.name for c in landmarked.table.cells()]
        assert names.index("total_persistence_H0") < names.index("h0_exact_n_points") < names.index(
            "h0_exact_longest") < names.index("h0_exact_total_persistence")

    @pytest.mark.filterwarnings("ignore:intrinsic_dim is NaN:UserWarning")  # evenly spaced test clouds: TwoNN is undefined there

    def test_without_landmarks_nothing_is_repeated(self):
        rep = _analyze(max_points=60)
        for layer, scale in (("input", 1.0), ("1", 2.0)):
            row = rep.table[layer]
            assert row.n_points == 60 and row.landmark_bound == 0.0
            assert all(getattr(row, name) is None for name in EXACT_H0)
            assert not set(EXACT_H0) & set(row.columns())
            assert "h0_exact_deaths" not in rep.diagrams[layer].meta
            assert row.longest[0] * row.median_distance == pytest.approx(GAP * scale, rel=1e-6)  # the engine's float32
        said = exactness(rep.table)
        assert said.startswith("Every column ran on all the 60 samples") and "landmark" not in said


class TestWords:
    def test_the_paragraph_says_what_is_exact_and_what_is_on_landmarks(self, landmarked):
        said = exactness(landmarked.table)
        radius = [landmarked.table[k].landmark_bound / 2 for k in ("input", "1")]
        assert "Exact: H0 of all 60 samples of each layer" in said and "float64" in said
        assert "the cluster test behind 'significant H0', 'p H0' and 'tests H0' ran on all the samples" in said
        assert "on 20 max-min landmarks per layer" in said
        # the second layer is the first doubled: the same radius in units of its median distance
        assert radius[0] == pytest.approx(radius[1], rel=1e-12) and radius[0] > 0
        assert f"covering radius r = {radius[0]:.3g} × median distance (column '2r' = twice it)" in said

    def test_the_summary_says_it_too(self, landmarked):
        assert landmarked.summary()["exact"] == exactness(landmarked.table)
        # a row that records no landmark bound is not described (nothing claimed either way)
        assert exactness(Table((LayerRow(layer="x", n_points=5),))) is None

    def test_the_cluster_finding_names_every_sample(self, landmarked):
        clusters = [f for f in landmarked.findings if f.rule == "clusters" and f.layer == "input"]
        assert len(clusters) == 1 and "single-linkage tree of all 60 samples" in clusters[0].text
        assert clusters[0].value == 2.0  # the two runs of the line

    def test_html_table_legend_and_same(self, landmarked, tmp_path):
        rows = {"lm": {"n_points": 20, "landmark_bound": 0.2, "longest_H0": 0.8, "h0_exact_n_points": 60,
                       "h0_exact_longest": 0.75, "h0_exact_total_persistence": 3.0},
                "full": {"n_points": 60, "landmark_bound": 0.0, "longest_H0": 0.7}}
        rep = Report(title="t", layers=("lm", "full"), table=rows)
        rep.save(tmp_path / "r", figures=False)
        page = (tmp_path / "r" / "report.html").read_text()
        assert "<th>H0 exact: longest</th>" in page and "<td>0.75</td>" in page
        assert page.count("<td>same</td>") == 3  # the row without landmarks: its H0 is every sample's already
        assert "Exact: H0 of all 60 samples of 1 of the 2 rows" in page
        assert "In 1 rows without landmarks every column ran on all the 60 samples" in page


class TestSaved:
    def test_round_trip(self, landmarked, tmp_path):
        back = Report.load(landmarked.save(tmp_path / "rep", figures=False))
        assert back.table == landmarked.table
        for layer in ("input", "1"):
            a, b = back.table[layer], landmarked.table[layer]
            assert [getattr(a, n) for n in EXACT_H0] == [getattr(b, n) for n in EXACT_H0]
        body = json.loads((tmp_path / "rep" / "report.json").read_text())
        assert body["table"]["input"]["h0_exact_n_points"] == 60
        row = LayerRow(layer="x", n_points=5, h0_exact_n_points=9, h0_exact_longest=0.5,
                       h0_exact_total_persistence=2.5)
        assert LayerRow.from_dict(json.loads(json.dumps(row.to_dict()))) == row
        assert LayerRow.from_columns("x", row.columns()) == row

    def test_schema_2_without_the_fields_loads_as_none(self, tmp_path):
        d = Diagrams([[[0.0, 1.0], [0.0, np.inf]], [[0.2, 0.9]]], meta={"reference_scale": 1.0})
        rep = Report(title="old", layers=("a",), diagrams={"a": d},
                     table={"a": {"n_points": 40, "landmark_bound": 0.1, "longest_H0": 0.9}})
        out = rep.save(tmp_path / "v2", figures=False)
        body = json.loads((out / "report.json").read_text())
        for name in EXACT_H0:  # as a report written before the columns existed
            del body["table"]["a"][name]
        (out / "report.json").write_text(json.dumps(body))
        row = Report.load(out).table["a"]
        assert row.longest == {0: 0.9} and all(getattr(row, n) is None for n in EXACT_H0)
        assert "Exact:" not in exactness(Table((row,)))  # nothing claimed that the report does not hold

    def test_schema_1_loads_as_none(self):
        from pathlib import Path

        rep = Report.load(Path(__file__).parent / "data" / "report_v1")
        assert all(getattr(rep.table[k], n) is None for k in rep.table for n in EXACT_H0)
        assert exactness(rep.table).startswith("Every column ran on all the 150 samples")


class TestFigure:
    def test_exact_deaths_are_their_own_series(self, landmarked):
        import matplotlib

        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt

        from tda_nn.plotting.report import report_figures

        figs = report_figures(landmarked)
        try:
            ax = figs["diagrams"].axes[0]
            by_label = {c.get_label(): c for c in ax.collections}
            exact = by_label["H0, all 60 samples (exact; 59 finite)"]
            md = landmarked.table["input"].median_distance
            xy = np.asarray(exact.get_offsets())
            assert np.all(xy[:, 0] == 0)
            np.testing.assert_allclose(np.sort(xy[:, 1]) * md, _scipy_tree(SAMPLES), rtol=1e-12)
            assert "H0 (20), 20 landmarks" in by_label  # the landmarks' bars, named as such
            rings = by_label["significant cluster merges (all samples)"]
            # the merge of the two runs, on the exact series (its one gap), not on a landmark bar
            np.testing.assert_allclose(np.asarray(rings.get_offsets())[:, 1] * md, [GAP], rtol=1e-12)
            lm = np.asarray(by_label["H0 (20), 20 landmarks"].get_offsets())[:, 1] * md
            assert not np.any(np.isclose(lm, GAP, rtol=1e-9))
            beta0 = figs["betti_curves"].axes[0]
            assert beta0.get_title() == "β0 across layers (dashed: every sample, exact)"
            dashed = [ln for ln in beta0.get_lines() if ln.get_linestyle() == "--"]
            assert len(dashed) == 2 and all(ln.get_ydata()[0] == 60 and ln.get_ydata()[-1] == 1 for ln in dashed)
            profile = figs["layer_profile"]
            assert any(a.get_title() == "H0: longest finite bar" for a in profile.axes)
        finally:
            for f in figs.values():
                plt.close(f)

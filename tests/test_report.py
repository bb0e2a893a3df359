"""Report: typed results, the versioned report.json schema, the schema-1 fixture, refusals, and the HTML page."""

from __future__ import annotations

import ast
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from tda_nn.diagrams import Diagrams
from tda_nn.findings import Finding
from tda_nn.report import READABLE, SCHEMA_VERSION, Report
from tda_nn.results import (
    LayerRow,
    LoopsResult,
    ProbesResult,
    RegionsResult,
    SymmetryResult,
    Table,
    ViewsResult,
    column_name,
)

DATA = Path(__file__).parent / "data"
PACKAGE = Path(__file__).parent.parent / "tda_nn"


def _v1_body(name: str = "report_v1") -> dict:
    return json.loads((DATA / name / "report.json").read_text())


@pytest.fixture
def v1(tmp_path):
    """A copy of the schema-1 report written by the previous version (tests/data/make_report_v1.py)."""
    out = tmp_path / "v1"
    shutil.copytree(DATA / "report_v1", out)
    return out


@pytest.fixture
def small():
    d = Diagrams([[[0.0, 1.0], [0.0, np.inf]], [[0.2, 0.9]]], meta={"reference_scale": 1.0})
    table = {"a": {"n_points": 40, "landmark_bound": 0.0, "n_significant_H0": 1, "threshold_H0": 0.5,
                   "n_significant_H1": 1, "threshold_H1": 0.5, "longest_H1": 0.7, "betti_H1@0.5": 1,
                   "class x: n_significant_H1": 0, "median_distance": 2.0},
             "b": {"n_points": 40, "landmark_bound": 0.0, "n_significant_H0": 1, "threshold_H0": 0.5,
                   "n_significant_H1": 0, "threshold_H1": 0.6, "longest_H1": 0.1, "median_distance": 1.5}}
    return Report(title="small", config={"seed": 0}, layers=("a", "b"), diagrams={"a": d, "b": d}, table=table,
                  matrices={"linear CKA": (("a", "b"), np.array([[1.0, 0.4], [0.4, 1.0]]))},
                  probes={"layers": ["a", "b"], "topological": [0.9, 0.5], "linear": [0.8, 0.9],
                          "shuffled": [0.5, 0.5], "chance": 0.5, "meta": {"cv": 3}},
                  findings=[Finding("a: 1 significant loop (H1).", "a", "n_significant_H1", 1.0, 0.5,
                                    "significant_bars")],
                  notes=["a note"])


class TestTypedAccess:
    def test_rows_are_typed_and_read_as_columns(self, small):
        row = small.table["a"]
        assert isinstance(small.table, Table) and isinstance(row, LayerRow)
        assert row.n_significant == {0: 1, 1: 1} and row.threshold[1] == 0.5 and row.longest[1] == 0.7
        assert row.betti == {1: {"0.5": 1}} and row.per_class["x"].n_significant == {1: 0}
        assert row.n_points == 40 and row.median_distance == 2.0 and row.key == "a"
        # the README's access: the flat columns, generated from the fields
        assert small.table["a"]["n_significant_H1"] == 1 and small.table["a"]["betti_H1@0.5"] == 1
        assert small.table["a"]["class x: n_significant_H1"] == 0
        assert dict(small.table["b"]) == {"n_points": 40, "landmark_bound": 0.0, "n_significant_H0": 1,
                                          "threshold_H0": 0.5, "n_significant_H1": 0, "threshold_H1": 0.6,
                                          "longest_H1": 0.1, "median_distance": 1.5}
        assert column_name("betti", 1, "0.5", "x") == "class x: betti_H1@0.5"
        assert small.table.dims == (0, 1)

    def test_columns_outside_the_schema_are_kept_by_name(self):
        row = LayerRow.from_columns("a", {"foo": 3.0, "n_significant_Hx": 2, "longest_H01": 1.0})
        assert row.other == {"foo": 3.0, "n_significant_Hx": 2, "longest_H01": 1.0} and row.n_significant == {}
        assert row.columns() == {"foo": 3.0, "n_significant_Hx": 2, "longest_H01": 1.0}
        with pytest.raises(ValueError, match=r"table\['a'\]\['n_points'\] must be a number"):
            LayerRow.from_columns("a", {"n_points": "many"})

    def test_stage_results_are_typed_and_read_as_dicts(self, v1):
        rep = Report.load(v1)
        assert isinstance(rep.probes, ProbesResult) and rep.probes.layers == ("1", "3")
        assert rep.probes["topological"] == [0.8, 0.55] and rep.probes.topological[0] == 0.8
        r = rep.regions
        assert isinstance(r, RegionsResult) and r.exact and r.patterns_by_layer == {"1": 8.0, "3": 16.0}
        assert r["data_patterns"]["patterns/3"] == 16.0 and r.full_window_regions == len(r.polygons) == 45
        assert isinstance(rep.views, ViewsResult) and rep.views.coords["input"].shape == (150, 2)
        assert isinstance(rep.loops, LoopsResult) and rep.loops.n_loops == 1
        loop = rep.loops.layers["input"].loops[0]
        assert rep.loops["layers"]["input"]["loops"][0]["indices"] == loop.indices.tolist()
        assert isinstance(rep.symmetry, SymmetryResult) and rep.symmetry.invariance["flip"].upper[1] == 0.5

    def test_a_row_for_a_layer_the_report_does_not_have(self):
        with pytest.raises(ValueError, match=r"row for layer 'c', which the report does not have \(its layers: "
                                             r"\['a', 'b'\]\)"):
            Report(title="t", layers=("a", "b"), table={"a": {"n_points": 3}, "c": {"n_points": 3}})
        with pytest.raises(ValueError, match="no layers"):
            Report(title="t", table={"a": {"n_points": 3}})
        # comparisons key rows '<checkpoint>:<layer>'; the checkpoint must be one of config['names']
        rep = Report(title="t", layers=("x",), config={"names": ["c0", "c1"]},
                     table={"c0:x": {"n_points": 3}, "c1:x": {"n_points": 4}})
        assert rep.table["c1:x"].checkpoint == "c1" and rep.table["c1:x"].layer == "x"
        with pytest.raises(ValueError, match="'c2:x'.*checkpoints: \\['c0', 'c1'\\]"):
            Report(title="t", layers=("x",), config={"names": ["c0", "c1"]}, table={"c2:x": {"n_points": 3}})


class TestSaveLoad:
    def test_round_trip(self, small, tmp_path):
        out = small.save(tmp_path / "rep", figures=False)
        back = Report.load(out)
        assert back == small and back.table == small.table and back.probes == small.probes
        assert back.findings == small.findings and back.notes == ["a note"]
        assert back.table["a"].betti == {1: {"0.5": 1}} and back.table["a"].per_class["x"].n_significant == {1: 0}
        body = json.loads((out / "report.json").read_text())
        assert body["schema_version"] == SCHEMA_VERSION == 2 and body["format"] == "tda_nn.Report"
        assert body["table"]["a"]["n_significant"] == {"0": 1, "1": 1}  # typed rows, no flat column names
        assert body["table"]["a"]["betti"] == {"1": {"0.5": 1}} and "n_significant_H1" not in body["table"]["a"]

    def test_saved_numbers_are_bit_for_bit(self, v1, tmp_path):
        rep = Report.load(v1)
        back = Report.load(rep.save(tmp_path / "again", figures=False))
        old = _v1_body()
        for key, cols in old["table"].items():
            assert back.table[key].columns() == cols  # every column, same value and type
        for name, m in old["matrices"].items():
            assert back.matrices[name][1].tolist() == m["values"]
        assert back.regions.legacy()["labels"] == old["regions"]["labels"]
        assert back.regions["data_patterns"] == old["regions"]["data_patterns"]
        assert back.views["coords"] == old["views"]["coords"] and back.probes.legacy() == old["probes"]
        assert back.loops.legacy() == old["loops"]
        assert [f.to_dict() for f in back.findings] == old["findings"]

    def test_schema_1_report_loads(self, v1):
        rep = Report.load(v1)
        assert rep.layers == ("input", "1", "3") and len(rep.diagrams) == 3
        old = _v1_body()
        assert rep.table.columns() == old["table"]  # flat columns read once into typed rows
        assert rep.table["1"].per_class["left"].n_significant == {0: 1, 1: 0}
        assert rep.table["input"].betti == {1: {"0.5": 1}}
        assert [f.rule for f in rep.findings] == [f["rule"] for f in old["findings"]]  # kept as written
        series = Report.load(DATA / "report_v1_series")
        assert list(series.table) == ["a:1", "a:3", "b:1", "b:3"]
        assert series.table["b:3"].checkpoint == "b" and series.table["b:3"].layer == "3"

    def test_schema_1_row_for_an_unknown_layer_is_refused_naming_it_and_the_file(self, v1):
        body = _v1_body()
        body["table"]["conv9"] = body["table"]["1"]
        (v1 / "report.json").write_text(json.dumps(body))
        with pytest.raises(ValueError, match=r"report\.json.*row for layer 'conv9', which the report does not have"):
            Report.load(v1)

    def test_schema_2_row_for_an_unknown_layer_is_refused(self, small, tmp_path):
        out = small.save(tmp_path / "rep", figures=False)
        body = json.loads((out / "report.json").read_text())
        body["table"]["z"] = dict(body["table"]["a"], layer="z")
        (out / "report.json").write_text(json.dumps(body))
        with pytest.raises(ValueError, match=r"report\.json.*row for layer 'z'"):
            Report.load(out)

    @pytest.mark.parametrize("change, says", [
        (lambda b: b.update(schema_version=3), "schema version 3, which this tda_nn does not read.*upgrade"),
        (lambda b: b.update(schema_version=0), "schema version 0, which this tda_nn does not read"),
        (lambda b: b.update(schema_version="2"), "'schema_version' must be an integer"),
        (lambda b: b.update(format="tda_nn.Report/9"), "field 'format' is 'tda_nn.Report/9'"),
        (lambda b: b.pop("schema_version"), "field 'format' is 'tda_nn.Report', expected"),
    ])
    def test_unknown_versions_are_refused_naming_them(self, small, tmp_path, change, says):
        out = small.save(tmp_path / "rep", figures=False)
        body = json.loads((out / "report.json").read_text())
        change(body)
        (out / "report.json").write_text(json.dumps(body))
        with pytest.raises(ValueError, match=says):
            Report.load(out)
        assert READABLE == (1, 2)

    def test_a_typed_field_of_the_wrong_type_is_named(self, small, tmp_path):
        out = small.save(tmp_path / "rep", figures=False)
        body = json.loads((out / "report.json").read_text())
        body["probes"]["topological"] = [0.9]
        body["table"]["a"]["n_significant"] = {"1": 0.5}
        (out / "report.json").write_text(json.dumps(body))
        with pytest.raises(ValueError, match=r"n_significant.*\['1'\] must be a count"):
            Report.load(out)


class TestHTML:
    def test_findings_first_then_tables(self, v1, tmp_path):
        rep = Report.load(v1)
        page = (rep.save(tmp_path / "rep", figures=False) / "report.html").read_text()
        assert page.index("<h2>Findings</h2>") < page.index("<h2>Per-layer summary</h2>") < page.index("<h2>Probes")
        assert rep.findings[0].text.split(":")[0] in page
        # headings and legends from the typed cells
        assert "<th>significant H1</th>" in page and "<th>β1 at 0.5</th>" in page
        assert "<th>class left: significant H0</th>" in page and "samples of class left only" in page
        assert "<h3>H1 (loops)</h3>" in page and "<h3>per class</h3>" in page
        assert "Counts on the plane: exact" in page and "<h2 id='loops'>" in page and "id='symmetries'" in page

    def test_to_pandas_and_summary(self, small):
        pytest.importorskip("pandas")
        frames = small.to_pandas()
        assert list(frames["table"].columns)[:2] == ["n_points", "median_distance"]
        assert frames["table"].loc["a", "class x: n_significant_H1"] == 0
        assert frames["probes"].loc["a"].tolist() == [0.9, 0.8, 0.5]
        s = json.loads(json.dumps(small.summary()))
        assert s["table"]["a"]["n_significant_H1"] == 1 and s["probes"]["chance"] == 0.5


def _imports(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside functions, resolved against its package."""
    tree = ast.parse(path.read_text())
    pkg = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1])
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = pkg.split(".")
            if node.level:
                base = base[: len(base) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            out.add(mod)
            out |= {f"{mod}.{a.name}" for a in node.names}
    return out


def test_the_results_floor_never_reaches_up_and_parses_no_column_with_a_regex():
    rooms = [*(PACKAGE / "results").glob("*.py"), *(PACKAGE / "report").glob("*.py"),
             *(PACKAGE / "findings").glob("*.py"), PACKAGE / "plotting" / "report.py",
             PACKAGE / "plotting" / "report_pillars.py", PACKAGE / "plotting" / "report_regions.py"]
    up = ("tda_nn.workflows", "tda_nn.workflow_stages", "tda_nn._runs", "tda_nn.cli", "tda_nn.plan", "torch")
    for f in rooms:
        mods = _imports(f)
        assert not [m for m in mods if m.startswith(up)], f
        assert "re" not in mods, f"{f} imports re"
    # the plotting cycle report <-> report_pillars is gone
    assert not any(m.startswith("tda_nn.plotting.report.") or m == "tda_nn.plotting.report"
                   for m in _imports(PACKAGE / "plotting" / "report_pillars.py"))
    assert not any(m.startswith(("tda_nn.plotting.report", "tda_nn.report"))
                   for m in _imports(PACKAGE / "plotting" / "report_regions.py"))


def test_rows_round_trip_through_columns_and_json():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    finite = st.floats(-1e6, 1e6, allow_nan=False)
    counts = st.dictionaries(st.integers(0, 3), st.integers(0, 50), max_size=3)
    lengths = st.dictionaries(st.integers(0, 3), finite, max_size=3)
    scales = st.dictionaries(st.integers(0, 3), st.dictionaries(st.sampled_from(["0.25", "0.5", "1", "median"]),
                                                                st.integers(0, 9), min_size=1, max_size=2), max_size=2)
    names = st.text("abc xyz:_@-H1", min_size=1, max_size=8)

    def rows(klass: bool):
        # a class row with no number has no column: the flat form cannot carry it
        per_class = st.dictionaries(names, rows(False).filter(lambda r: r.columns()), max_size=2) if klass \
            else st.just({})
        return st.builds(LayerRow, layer=st.just("conv2"), n_points=st.none() | st.integers(0, 10**6),
                         landmark_bound=st.none() | finite, intrinsic_dim=st.none() | finite, n_significant=counts,
                         threshold=lengths, longest=lengths, betti=scales, per_class=per_class,
                         other=st.dictionaries(st.sampled_from(["foo", "bar_Hx", "n_significant_H01"]), finite,
                                               max_size=2))

    @settings(max_examples=40, deadline=None)
    @given(rows(True))
    def check(row):
        flat = row.columns()
        back = LayerRow.from_columns("conv2", flat)
        assert back == row and back.columns() == flat
        assert LayerRow.from_dict(json.loads(json.dumps(row.to_dict()))) == row
        for k, v in row.n_significant.items():
            assert flat[column_name("n_significant", k)] == v

    check()

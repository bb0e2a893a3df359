"""The Mapper section of a report (analyze(mapper=True), --mapper) and the ``tda-nn mapper`` command."""

from __future__ import annotations

import json

import numpy as np
import pytest

import tda_nn
from tda_nn.mapper.html import read_page_data

torch = pytest.importorskip("torch")


@pytest.fixture(scope="module")
def report():
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    t = rng.uniform(0, 2 * np.pi, 300)
    X = torch.tensor(np.c_[np.cos(t), np.sin(t)] + rng.normal(scale=0.05, size=(300, 2)), dtype=torch.float32)
    y = (X[:, 0] > 0).long()
    model = tda_nn.zoo.mlp(2, 16, 2, 2)
    return tda_nn.analyze(model, (X, y), layers=["input", "act0", "act1"], mapper=True, progress=False,
                          n_bootstrap=0, regions=False, loops=False, view=None)


def test_analyze_adds_the_mapper_section(report, tmp_path):
    m = report.mapper
    assert m is not None and m.layers == ("input", "act0", "act1")
    assert [s["layer"] for s in m.summaries] == ["input", "act0", "act1"]
    # the input layer is the noisy circle under a 2-D PCA lens: one component, one loop of the nerve
    first = m.summaries[0]
    assert (first["n_components"], first["nerve_loops"]) == (1, 1)
    assert report.config["mapper"] is True
    assert all(f.text.startswith("Mapper: class ") for f in report.findings if f.rule == "mapper_flow")
    out = report.save(tmp_path / "rep")
    assert (out / "mapper.html").exists() and (out / "mapper.png").exists()
    page = read_page_data(out / "mapper.html")
    assert page == json.loads(json.dumps(m.page))
    html = (out / "report.html").read_text()
    assert "id='mapper'" in html and "href='mapper.html'" in html
    back = tda_nn.Report.load(out)
    assert back.mapper == m and back == report


def test_reports_without_mapper_read_as_before(report, tmp_path):
    # a version-2 report.json written before the Mapper section existed has no "mapper" field
    out = report.save(tmp_path / "old", figures=False)
    body = json.loads((out / "report.json").read_text())
    body.pop("mapper")
    (out / "report.json").write_text(json.dumps(body))
    back = tda_nn.Report.load(out)
    assert back.mapper is None and back.layers == report.layers


def test_bad_mapper_section_is_refused():
    from tda_nn.results import MapperResult

    with pytest.raises(ValueError, match="mapper: field 'format'"):
        MapperResult.from_dict({"format": "other", "layers": [], "links": [], "n_samples": 3})
    with pytest.raises(ValueError, match="links"):
        MapperResult.from_dict({"format": "tda_nn.MapperPage/1", "n_samples": 3, "links": [[]],
                                "layers": [{"name": "a", "nodes": [], "edges": []}]})


def test_cli_mapper_from_a_store(tmp_path, capsys):
    from tda_nn.cli import main

    rng = np.random.default_rng(0)
    t = rng.uniform(0, 2 * np.pi, 300)
    X = np.c_[np.cos(t), np.sin(t)] + rng.normal(scale=0.05, size=(300, 2))
    store = tda_nn.Activations({"in": X, "sq": X**2}, targets=(X[:, 0] > 0).astype(int)).save(tmp_path / "acts")
    page = tmp_path / "page.html"
    assert main(["mapper", str(store), "--out", str(page), "--lens", "1", "--intervals", "6", "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert [s["layer"] for s in res["summaries"]] == ["in", "sq"]
    assert res["summaries"][0]["n_loops"] == 1
    data = read_page_data(page)
    flow = tda_nn.mapper_layers(tda_nn.Activations.load(store), lens=1, cover=(6, 0.3))
    assert [len(L["nodes"]) for L in data["layers"]] == [g.n_nodes for g in flow.graphs]
    assert main(["mapper", str(tmp_path / "missing")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main(["mapper", str(store), "--out", str(page), "--layers", "sqq"]) == 2
    assert "Did you mean 'sq'" in capsys.readouterr().err


def test_cli_analyze_has_the_mapper_flag():
    from tda_nn.cli import build_parser

    args = build_parser().parse_args(["analyze", "--model", "m.py:f", "--data", "d.npz", "--mapper"])
    assert args.mapper is True


def test_the_mapper_stage_is_planned_and_reused_from_the_cache(tmp_path):
    from tda_nn.workflows.plan import plan_analysis

    plan = plan_analysis({"a": (64,), "b": (256,)}, n_samples=2000, maxdim=1, max_points=300, mapper=True)
    stage = next(s for s in plan.stages if s.name == "mapper")
    assert stage.runs and stage.seconds > 0 and "2 layers" in stage.what
    assert not next(s for s in plan_analysis({"a": (64,)}, n_samples=200, maxdim=1, max_points=100).stages
                    if s.name == "mapper").runs
    torch.manual_seed(0)
    rng = np.random.default_rng(1)
    X = torch.tensor(rng.normal(size=(150, 2)), dtype=torch.float32)
    y = (X[:, 0] > 0).long()
    model = tda_nn.zoo.mlp(2, 8, 2, 2)
    kw = dict(layers=["input", "act0"], mapper=True, progress=False, n_bootstrap=0, regions=False, loops=False,
              view=None, out=tmp_path)
    first = tda_nn.analyze(model, (X, y), **kw)
    again = tda_nn.analyze(model, (X, y), **kw)
    assert "mapper" in again.config["reused"] and "mapper" not in first.config["reused"]
    assert again.mapper == first.mapper
    # other labels: other graphs' colours, so the stage runs again
    third = tda_nn.analyze(model, (X, 1 - y), **kw)
    assert "mapper" not in third.config["reused"]

"""analyze's pillar stages: loop panels, lifelines, the Symmetries section and exact region counts."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

torch = pytest.importorskip("torch")
nn = torch.nn

from tda_nn.findings import Finding, symmetry_findings  # noqa: E402
from tda_nn.report import Report  # noqa: E402
from tda_nn.workflows import analyze  # noqa: E402

N = 100


@pytest.fixture(scope="module")
def circle_case():
    """A noisy circle of N points in a known order, handed to the model shuffled."""
    rng = np.random.default_rng(3)
    theta = np.linspace(0, 2 * np.pi, N, endpoint=False)
    X = np.c_[np.cos(theta), np.sin(theta)] + 0.01 * rng.normal(size=(N, 2))
    perm = rng.permutation(N)
    X, theta = X[perm], theta[perm]
    y = (theta > np.pi).astype(np.int64)
    torch.manual_seed(0)
    lift = nn.Linear(2, 3)
    with torch.no_grad():  # injective: the loop is kept by the first layer and dropped by the projection
        lift.weight.copy_(torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]))
        lift.bias.zero_()
    proj = nn.Linear(3, 1)
    model = nn.Sequential(lift, proj).double()
    return model, torch.as_tensor(X), torch.as_tensor(y), theta


@pytest.fixture(scope="module")
def loop_report(circle_case):
    model, X, y, _ = circle_case
    return analyze(model, (X, y), layers=["input", "0", "1"], n_bootstrap=20, regions=False, progress=False)


def _winding(theta: np.ndarray) -> float:
    step = np.angle(np.exp(1j * (np.roll(theta, -1) - theta)))
    return float(step.sum() / (2 * np.pi))


class TestLoops:
    def test_panel_lists_the_samples_around_the_circle(self, loop_report, circle_case, tmp_path):
        theta = circle_case[3]
        loops = loop_report.loops
        assert set(loops["layers"]) == {"input", "0"}  # the projection to a line has no loop
        (lp,) = loops["layers"]["input"]["loops"]
        idx = np.asarray(lp["indices"])
        assert len(set(idx.tolist())) == len(idx) > 0.8 * N  # most samples, each once
        step = np.angle(np.exp(1j * (np.roll(theta[idx], -1) - theta[idx])))
        assert np.all(step > 0) or np.all(step < 0)  # in angular order ...
        assert abs(abs(_winding(theta[idx])) - 1.0) < 1e-9  # ... once around
        assert lp["labels"] == [int(v) for v in circle_case[2].numpy()[idx]]
        # the HTML panel lists the same indices, in the same order, under its layer's anchor
        loop_report.save(tmp_path, figures=False)
        page = (tmp_path / "report.html").read_text()
        panel = re.search(r"id='loop-input-0'.*?data-samples='([0-9 ]+)'", page)
        assert panel is not None and [int(v) for v in panel.group(1).split()] == idx.tolist()
        assert "href='#loop-input-0'" in page and "<polyline" in page  # linked from the diagram, drawn on the view

    def test_lifeline_runs_through_the_injective_layer_and_ends_at_the_projection(self, loop_report):
        lines = loop_report.loops["lifelines"]["lifelines"]
        assert len(lines) == 1
        assert lines[0]["layers"] == ["input", "0"] and lines[0]["end"] == "died" and lines[0]["ended_at"] == "1"
        (f,) = [f for f in loop_report.findings if f.rule == "lifelines"]
        assert f.text.startswith("A loop born at input persists through input -> 0 and dies at 1") and f.value == 2
        per_layer = {f.layer: f for f in loop_report.findings if f.rule == "loop_samples"}
        assert set(per_layer) == {"input", "0"}
        assert per_layer["input"].value == len(loop_report.loops["layers"]["input"]["loops"][0]["indices"])

    def test_loops_section_round_trips_through_report_json(self, loop_report, tmp_path):
        loop_report.save(tmp_path, figures=True)
        body = json.loads((tmp_path / "report.json").read_text())
        assert "lifelines.png" in body["figures"]
        back = Report.load(tmp_path)
        assert back.loops == loop_report.loops and back == loop_report
        back.save(tmp_path / "again", figures=False)
        assert ((tmp_path / "again" / "report.html").read_text().count("data-samples=")
                == (tmp_path / "report.html").read_text().count("data-samples="))

    def test_a_failed_loops_stage_is_a_note(self, circle_case, monkeypatch):
        import tda_nn.workflows.stages.loops as stages

        def broken(*args, **kwargs):
            raise RuntimeError("no engine")

        monkeypatch.setattr(stages, "loops_stage", broken)
        model, X, y, _ = circle_case
        rep = analyze(model, (X, y), layers=["input"], n_bootstrap=0, regions=False, progress=False)
        assert rep.loops is None and any("loops stage failed" in n and "no engine" in n for n in rep.notes)

    def test_image_inputs_become_thumbnails(self):
        from tda_nn.results import restored_input
        from tda_nn.workflows.stages.loops import stored_input as _stored_input

        img = np.arange(64.0).reshape(1, 8, 8)
        back = restored_input(json.loads(json.dumps(_stored_input(img))))
        assert back.shape == (8, 8) and back.min() == 0 and back.max() == 255
        assert restored_input(_stored_input(("bank", "the river bank"))) == ("bank", "the river bank")
        assert _stored_input("a text") == "a text"


class _PerCopy(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(1, 3, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(3 * 36, 4))

    def forward(self, z):
        return self.body(z.flatten(0, 1)).reshape(z.shape[0], z.shape[1], -1)


class _Mean(nn.Module):
    def forward(self, z):
        return z.mean(dim=1)


class Rot90Averaged(nn.Module):
    """``mean_k h(rot90^k x)``: invariant to quarter turns by construction."""

    def __init__(self):
        super().__init__()
        self.copies = _PerCopy()
        self.pool = _Mean()

    def forward(self, x):
        return self.pool(self.copies(torch.stack([torch.rot90(x, k, dims=(-2, -1)) for k in range(4)], dim=1)))


@pytest.fixture(scope="module")
def sym_report():
    torch.manual_seed(0)
    model = Rot90Averaged().double()
    X = torch.randn(60, 1, 6, 6, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    return analyze(model, X, layers=["input", "copies", "pool"], n_bootstrap=20, symmetry=["rot90", "flip"],
                   loops=False, regions=False, view=None, progress=False)


class TestSymmetry:
    def test_findings_say_the_output_is_invariant(self, sym_report):
        inv = [f for f in sym_report.findings if f.rule == "invariance" and "rot90" in f.quantity]
        assert len(inv) == 1
        f = inv[0]
        assert f.text.startswith("The output (pool) is invariant to rot90") and f.layer == "pool"
        assert f.value < 1e-6 and f.uncertainty < 0.05
        prof = sym_report.symmetry["invariance"]["rot90"]
        assert prof["error"][prof["layers"].index("copies")] > 0.1  # the copies are permuted, not fixed

    def test_findings_never_contradict_the_numbers(self, sym_report):
        sym = sym_report.symmetry
        tol = sym["tol"]
        for f in symmetry_findings(sym):
            if f.rule != "invariance":
                continue
            name = f.quantity.split(": ", 1)[1]
            prof = sym["invariance"][name]
            up = np.where(np.isfinite(np.asarray(prof["interval"], float)[:, 1]),
                          np.asarray(prof["interval"], float)[:, 1], prof["error"])
            says_invariant = f.text.startswith("The output")
            assert says_invariant == bool(up[-1] < tol), f.text
            if f.layer is not None:
                assert f.value == pytest.approx(prof["error"][prof["layers"].index(f.layer)])

    def test_rules_on_made_up_numbers(self):
        payload = {"tol": 0.05, "invariance": {"rotate": {
            "layers": ["input", "conv2", "pool"], "error": [0.9, 0.3, 0.01],
            "interval": [[0.8, 1.0], [0.2, 0.4], [0.0, 0.02]]}}}
        (f,) = symmetry_findings(payload)
        assert isinstance(f, Finding) and f.layer == "pool" and f.value == 0.01
        assert "emerges at conv2" in f.text and "complete from pool on" in f.text
        payload["invariance"]["rotate"]["interval"][2] = [0.0, 0.06]  # the interval reaches the tolerance
        (g,) = symmetry_findings(payload)
        assert "never complete" in g.text and "is invariant" not in g.text

    def test_section_and_figure_in_the_saved_report(self, sym_report, tmp_path):
        sym_report.save(tmp_path)
        page = (tmp_path / "report.html").read_text()
        assert "<h2 id='symmetries'>Symmetries</h2>" in page and "symmetry.png" in json.loads(
            (tmp_path / "report.json").read_text())["figures"]
        from tda_nn.diagrams import jsonable

        back = Report.load(tmp_path)
        assert jsonable(back.symmetry) == jsonable(sym_report.symmetry) and back == sym_report  # NaN != NaN

    def test_unknown_action_refused_before_any_work(self):
        with pytest.raises(ValueError, match="unknown action name 'spin'"):
            analyze(nn.Linear(4, 2), torch.zeros(10, 4), symmetry="rot90,spin", progress=False)

    def test_cli_flag_reaches_analyze(self, monkeypatch, tmp_path):
        import tda_nn.cli as cli
        import tda_nn.workflows as wf

        seen = {}

        def fake(*args, **kwargs):
            seen.update(kwargs)
            raise SystemExit(0)

        monkeypatch.setattr(wf, "analyze", fake)
        with pytest.raises(SystemExit):
            cli.main(["analyze", "--model", "test_workflow_pillars:_cli_model", "--data", "digits", "--out",
                      str(tmp_path / "o"), "--no-progress", "--symmetry", "rotate,translate,flip"])
        assert seen["symmetry"] == ["rotate", "translate", "flip"]


def _cli_model():
    return nn.Sequential(nn.Flatten(), nn.Linear(64, 2))


class TestRegions:
    def test_exact_count_where_the_model_allows_it(self):
        torch.manual_seed(0)
        model = nn.Sequential(nn.Linear(2, 6), nn.ReLU(), nn.Linear(6, 2)).double()
        X = torch.randn(40, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
        rep = analyze(model, X, layers=["input", "1"], n_bootstrap=0, loops=False, progress=False)
        r = rep.regions
        assert r["method"] == "exact" and r["lower_bound"] is False
        n = r["full_window_regions"]
        assert len(r["polygons"]) == n == r["full_window_counts_by_layer"]["1"]
        assert r["methods"]["full_window_regions"] == "exact" and r["methods"]["n_regions"].startswith("grid")
        # 6 lines in the window cut it into at most 1 + 6 + 15 regions; the grid finds no more
        assert r["n_regions"] <= n <= 22
        from tda_nn.plotting.report_pillars import pillar_figures

        assert "regions" in pillar_figures(rep)

    def test_grid_count_is_said_to_be_a_lower_bound(self):
        torch.manual_seed(0)
        model = nn.Sequential(nn.Linear(2, 6), nn.Tanh(), nn.Linear(6, 6), nn.ReLU()).double()
        X = torch.randn(40, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
        with pytest.warns(UserWarning, match="Tanh"):
            rep = analyze(model, X, layers=["input", "3"], n_bootstrap=0, loops=False, regions=True,
                          region_resolution=32, progress=False)
        assert rep.regions["method"] == "grid" and rep.regions["lower_bound"] is True and "polygons" not in rep.regions
        assert rep.regions["methods"]["full_window_regions"].startswith("grid")
        from tda_nn.report import _region_method

        assert "lower bound" in _region_method(rep.regions)

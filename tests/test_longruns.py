"""Long analyses: planned before they start, kept as they go, resumable, saved atomically (issue 13)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

import tda_nn
import tda_nn.homology
from tda_nn import workflows
from tda_nn.diagrams import Diagrams
from tda_nn.report import Report
from tda_nn.workflows.plan import Plan, PlanError

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


# -- 1. a plan before the work -------------------------------------------------------------
def test_cli_refuses_maxdim_5_within_seconds(tmp_path):
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "tda_nn.cli", "analyze", "--model", "tda_nn.zoo:digits_cnn",
                        "--checkpoint", str(ROOT / "data" / "digits_cnn.pt"), "--maxdim", "5", "--out",
                        str(tmp_path / "rep"), "--no-progress"],
                       capture_output=True, text=True, timeout=120, env=ENV, cwd=tmp_path)
    took = time.perf_counter() - t0
    assert r.returncode == 2, r.stderr
    errors = [line for line in r.stderr.splitlines() if "error:" in line]
    assert len(errors) == 1, r.stderr
    assert "--maxdim 5" in errors[0] and "B of memory" in errors[0] and "use --maxdim" in errors[0], errors[0]
    assert took < 30, took  # import, load, two samples through the model: no capture, no persistence
    assert not (tmp_path / "rep" / "report.json").exists()


def test_maxdim_5_refused_before_capture(monkeypatch):
    model = tda_nn.zoo.load_digits_cnn()
    X = torch.randn(300, 1, 8, 8)
    calls = []
    real = tda_nn.homology.persistence
    monkeypatch.setattr(tda_nn.homology, "persistence", lambda *a, **k: calls.append(1) or real(*a, **k))
    with pytest.raises(PlanError, match=r"maxdim=5 is too large .* use maxdim=\d"):
        workflows.analyze(model, X, layers=["conv1", "fc1"], maxdim=5, progress=False)
    assert calls == []


class _Block(nn.Module):
    def __init__(self, c: int):
        super().__init__()
        self.conv1 = nn.Conv2d(c, c, 3, padding=1)
        self.conv2 = nn.Conv2d(c, c, 3, padding=1)
        self.relu = nn.ReLU()

    def forward(self, x):
        return self.relu(x + self.conv2(self.relu(self.conv1(x))))


def _resnet_like() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(1, 6, 3, padding=1), nn.ReLU(), _Block(6), _Block(6), nn.AdaptiveAvgPool2d(1),
                         nn.Flatten(), nn.Linear(6, 3))


def test_resnet_like_probe_skips_the_1x1_layer_before_capture():
    model = _resnet_like()
    g = torch.Generator().manual_seed(1)
    X = torch.randn(90, 1, 6, 6, generator=g)
    y = (X.mean(dim=(1, 2, 3)) > 0).long() + (X[:, 0, 0, 0] > 0).long()
    layers = ["2", "3", "4"]  # the two residual blocks and the global average pool (a 1x1 map)
    plan = workflows.analyze(model, (X, y), layers=layers, probe=True, dry_run=True, progress=False)
    assert isinstance(plan, Plan)
    assert any("'4' skipped" in n and "1x1" in n for n in plan.notes), plan.notes
    assert "probes" in str(plan)
    rep = workflows.analyze(model, (X, y), layers=layers, probe=True, max_points=60, n_bootstrap=0, view=None,
                            regions=False, progress=False)
    assert rep.layers == ("2", "3", "4")
    assert list(rep.probes["layers"]) == ["2", "3"]
    assert any("'4' skipped" in n for n in rep.notes)


# -- 2. kept as it goes, resumable -----------------------------------------------------------
def _setup(monkeypatch):
    model = tda_nn.zoo.mlp(2, 16, 2, 2)
    t = np.linspace(0, 2 * np.pi, 150, endpoint=False)
    X = torch.tensor(np.c_[np.cos(t), np.sin(t)] + 0.05 * np.random.default_rng(0).standard_normal((150, 2)),
                     dtype=torch.float32)
    y = (X[:, 0] > 0).long()
    calls = []
    real = tda_nn.homology.persistence
    monkeypatch.setattr(tda_nn.homology, "persistence", lambda *a, **k: calls.append(1) or real(*a, **k))
    kw = dict(layers=["input", "act0", "act1"], max_points=80, n_bootstrap=0, view=None, regions=False, progress=False)
    return model, (X, y), calls, kw


def test_interrupted_run_resumes_from_its_finished_stages(monkeypatch, tmp_path):
    model, data, calls, kw = _setup(monkeypatch)
    whole = workflows.analyze(model, data, **kw)  # the uninterrupted run, nothing kept
    n_engine = len(calls)
    assert n_engine == 3  # one persistence per layer

    from tda_nn.workflows.stages import comparison

    real = comparison.distance_matrix

    def broken(*a, **k):
        raise RuntimeError("killed during the comparison")

    monkeypatch.setattr(comparison, "distance_matrix", broken)
    with pytest.raises(RuntimeError, match="killed"):
        workflows.analyze(model, data, out=tmp_path, **kw)
    assert len(calls) == 2 * n_engine  # the persistence stage finished before the failure, and was kept
    monkeypatch.setattr(comparison, "distance_matrix", real)

    resumed = workflows.analyze(model, data, out=tmp_path, **kw)
    assert len(calls) == 2 * n_engine  # no engine call: persistence reused
    assert any("Reused the finished stages: capture, persistence" in n for n in resumed.notes), resumed.notes
    assert resumed.table == whole.table
    assert resumed.diagrams.keys() == whole.diagrams.keys()
    for layer, d in whole.diagrams.items():
        assert d == resumed.diagrams[layer]
    assert resumed.matrices.keys() == whole.matrices.keys()
    for k, (labels, m) in whole.matrices.items():
        assert resumed.matrices[k][0] == labels
        np.testing.assert_allclose(resumed.matrices[k][1], m)
    assert [f.text for f in resumed.findings] == [f.text for f in whole.findings]

    workflows.analyze(model, data, out=tmp_path, cache=False, **kw)  # forced: computes again
    assert len(calls) == 3 * n_engine
    with torch.no_grad():
        model[0].weight.add_(0.1)  # other weights: a different model, nothing reused
    rep = workflows.analyze(model, data, out=tmp_path, **kw)
    assert len(calls) == 4 * n_engine
    assert not any(n.startswith("Reused") for n in rep.notes)


def test_failing_optional_stage_becomes_a_note(monkeypatch, tmp_path):
    model, data, calls, kw = _setup(monkeypatch)

    def broken(*a, **k):
        raise FloatingPointError("region walk diverged")

    from tda_nn.workflows.stages import regions

    monkeypatch.setattr(regions, "regions_payload", broken)
    rep = workflows.analyze(model, data, **{**kw, "regions": "auto"})
    assert rep.regions is None
    assert any("regions stage failed" in n and "region walk diverged" in n for n in rep.notes), rep.notes
    assert rep.table["act1"]["n_points"] == 80


# -- atomic saves --------------------------------------------------------------------------
def _report(title: str, value: float, n_layers: int = 6) -> Report:
    layers = tuple(f"L{i}" for i in range(n_layers))
    dg = {name: Diagrams([np.array([[0.0, value + i], [0.0, np.inf]]), np.array([[value, 2 * value + i]])])
          for i, name in enumerate(layers)}
    return Report(title=title, config={"value": value}, layers=layers, diagrams=dg,
                  table={name: {"v": value} for name in layers})


def _consistent(rep: Report) -> str:
    value = {"old": 1.0, "new": 5.0}[rep.title]
    assert rep.config["value"] == value
    for i, name in enumerate(rep.layers):
        assert float(rep.diagrams[name][0][0, 1]) == value + i, (rep.title, name)
    return rep.title


def test_killed_saves_never_leave_a_mix(tmp_path):
    out = tmp_path / "rep"
    _report("old", 1.0).save(out, figures=False)
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(ROOT / "tests")!r})
        from test_longruns import _report
        new, old = _report("new", 5.0), _report("old", 1.0)
        print("ready", flush=True)
        while True:
            new.save({str(out)!r}, figures=False)
            old.save({str(out)!r}, figures=False)
    """)
    seen = set()
    for delay in (0.0, 0.013, 0.037, 0.071, 0.15):
        p = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, env=ENV, text=True)
        assert p.stdout.readline().strip() == "ready"
        time.sleep(delay)
        p.send_signal(signal.SIGKILL)
        p.wait(timeout=30)
        seen.add(_consistent(Report.load(out)))
    assert seen <= {"old", "new"}
    rep = _report("new", 5.0)
    rep.save(out, figures=False)
    assert _consistent(Report.load(out)) == "new"
    assert len([p for p in (out / "diagrams").iterdir()]) == 1  # the older generations are gone


def test_full_disk_during_save_keeps_the_old_report(tmp_path, monkeypatch):
    import errno

    out = tmp_path / "rep"
    _report("old", 1.0).save(out, figures=False)
    real = Path.write_text

    def full(path, text, *a, **kw):  # the disk fills up as the new report.json is written
        if Path(path).name == "report.json":
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(path, text, *a, **kw)

    monkeypatch.setattr(Path, "write_text", full)
    with pytest.raises(OSError, match="No space"):
        _report("new", 5.0).save(out, figures=False)
    monkeypatch.undo()
    assert _consistent(Report.load(out)) == "old"
    assert len(list((out / "diagrams").iterdir())) == 1  # the new generation never reached the folder
    assert [p.name for p in tmp_path.iterdir()] == ["rep"]  # and nothing of it is left beside it


def test_compare_and_track_are_planned_before_capture(monkeypatch):
    model, data, calls, kw = _setup(monkeypatch)
    models = [model, tda_nn.zoo.mlp(2, 16, 2, 2)]
    plan = workflows.compare_checkpoints(models, data, layers=["act0", "act1"], max_points=80, dry_run=True,
                                         progress=False)
    assert isinstance(plan, Plan) and list(plan.layers) == ["act0", "act1"]
    assert plan.layers["act1"]["n_points"] == 80
    with pytest.raises(PlanError, match="maxdim=6"):
        workflows.track(models, data, layers=["act0"], maxdim=6, progress=False)
    assert calls == []


def test_regions_record_the_method_of_each_number(monkeypatch):
    model, data, calls, kw = _setup(monkeypatch)
    rep = workflows.analyze(model, data, **{**kw, "regions": "auto"})
    assert rep.regions["method"] == "exact" and rep.regions["lower_bound"] is False  # a 2-16-16 MLP fits the walk
    # the exact count is at least the grid's lower bound on the same window
    from tda_nn.nn.regions import regions_on_plane

    X = np.asarray(data[0])
    idx = np.sort(np.random.default_rng(0).choice(len(X), 3, replace=False))
    grid = regions_on_plane(model, points=X[idx], resolution=128, method="grid")
    assert rep.regions["n_regions"] >= grid.n_regions > 1


def test_cli_rerun_with_the_same_out_reuses_its_stages(tmp_path, capsys):
    from tda_nn.cli import main

    args = ["analyze", "--model", "tda_nn.zoo:digits_cnn", "--checkpoint", str(ROOT / "data" / "digits_cnn.pt"),
            "--layers", "conv1", "fc1", "--max-samples", "40", "--bootstrap", "0", "--regions", "off",
            "--no-progress", "--verbose", "--out", str(tmp_path / "rep")]
    assert main(args) == 0
    first = capsys.readouterr().err
    assert "Reused" not in first
    assert main(args) == 0
    assert "Reused the finished stages: capture, persistence" in capsys.readouterr().err
    assert any("Reused" in n for n in Report.load(tmp_path / "rep").notes)
    assert main([*args, "--no-cache"]) == 0
    assert "Reused" not in capsys.readouterr().err

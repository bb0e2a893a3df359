"""The application house (issue 23): settings validated once, a versioned stage cache, the runner, the plan,
the series workflows built from the same stages, and the shape of the house itself."""

from __future__ import annotations

import ast
import dataclasses
import logging
import os
import time
from pathlib import Path

import numpy as np
import pytest
import torch

import tda_nn
from tda_nn import workflows
from tda_nn.workflows import AnalyzeSettings, CompareSettings, TrackSettings
from tda_nn.workflows.cache import StageStore, list_cache, prune_cache, stage_key
from tda_nn.workflows.stages import ANALYZE, FORMAT_VERSIONS

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def mlp_case():
    torch.manual_seed(0)
    model = tda_nn.zoo.mlp(2, 16, 2, 2)
    g = torch.Generator().manual_seed(1)
    X = torch.randn(90, 2, generator=g)
    return model, (X, (X[:, 0] > 0).long())


KW = dict(layers=["input", "act0", "act1"], max_points=60, n_bootstrap=0, view=None, regions=False, progress=False)


# -- settings --------------------------------------------------------------------------------------------------
class TestSettings:
    @pytest.mark.parametrize("field, value, error, match", [
        ("max_points", 2, ValueError, "max_points"),
        ("max_samples", "many", TypeError, "max_samples"),
        ("maxdim", -1, ValueError, "maxdim"),
        ("reduce", "median", ValueError, "reduce"),
        ("distance", "euclid", ValueError, "distance"),
        ("alpha", 1.5, ValueError, "alpha"),
        ("n_bootstrap", -3, ValueError, "n_bootstrap"),
        ("view", "tsne", ValueError, "view"),
        ("regions", "maybe", ValueError, "regions"),
        ("max_time", 0, ValueError, "max_time"),
        ("max_memory", "lots", ValueError, "max_memory"),
        ("class_names", "abc", TypeError, "class_names"),
        ("scales", "0.5", TypeError, "scales"),
        ("symmetry", "rot90,spin", ValueError, "unknown action name 'spin'"),
        ("progress", "yes", TypeError, "progress"),
    ])
    def test_each_bad_value_is_refused_naming_the_field(self, field, value, error, match):
        with pytest.raises(error, match=match):
            AnalyzeSettings(**{field: value})

    def test_checked_once_and_frozen(self):
        s = AnalyzeSettings(max_points=np.int64(40), scales=[0.5], view="none", regions="auto")
        assert s.max_points == 40 and type(s.max_points) is int and s.scales == (0.5,) and s.view is None
        with pytest.raises(dataclasses.FrozenInstanceError):
            s.max_points = 10

    def test_one_landmark_policy(self):
        s = AnalyzeSettings(max_points=100)
        assert s.n_landmarks(100) is None and s.n_landmarks(101) == 100
        assert s.n_points(50) == 50 and s.n_points(5000) == 100
        assert s.landmark_note(100) is None and "100 max-min landmarks of 400 samples" in s.landmark_note(400)

    def test_series_settings(self):
        assert TrackSettings().max_samples == 500 and CompareSettings().max_samples == 1000
        with pytest.raises(ValueError, match="steps must increase strictly"):
            TrackSettings(steps=[0, 5, 5])
        with pytest.raises(ValueError, match="names must be distinct"):
            CompareSettings(names=["a", "a"])
        with pytest.raises(ValueError, match="metric"):
            TrackSettings(metric="euclid")


# -- the stage cache -------------------------------------------------------------------------------------------
class TestCache:
    def test_key_changes_with_a_declared_input_or_the_format_version(self):
        base = stage_key("persistence", 1, {"maxdim": 1, "data": "abc"})
        assert base == stage_key("persistence", 1, {"data": "abc", "maxdim": 1})
        assert base != stage_key("persistence", 1, {"maxdim": 2, "data": "abc"})
        assert base != stage_key("persistence", 2, {"maxdim": 1, "data": "abc"})
        assert base != stage_key("capture", 1, {"maxdim": 1, "data": "abc"})

    def test_every_cached_stage_declares_a_version(self):
        assert {"capture", "persistence", "probes", "regions", "checkpoints"} <= set(FORMAT_VERSIONS)
        assert FORMAT_VERSIONS["regions"] >= 2  # the regions cache before the versions is never read

    def test_an_old_cache_is_never_read_and_is_pruned(self, tmp_path):
        store = StageStore(tmp_path, enabled=True)
        key = stage_key("capture", FORMAT_VERSIONS["capture"], {"x": 1})
        store.put("capture", FORMAT_VERSIONS["capture"], key, {"a": np.arange(3)})
        assert np.array_equal(store.get("capture", FORMAT_VERSIONS["capture"], key)["a"], np.arange(3))
        assert store.get("capture", FORMAT_VERSIONS["capture"] + 1, key) is None  # a newer format misses
        old = tmp_path / ".tda_nn_cache" / "regions-0123456789abcdef.npz"  # written before the versions
        old.write_bytes(b"not read")
        entries = {e.path.name: e for e in list_cache(tmp_path, FORMAT_VERSIONS)}
        assert not entries[old.name].current and entries[old.name].version is None
        assert entries[f"capture.v{FORMAT_VERSIONS['capture']}-{key}.npz"].current
        gone = prune_cache(tmp_path, FORMAT_VERSIONS)
        assert [e.path.name for e in gone] == [old.name] and not old.exists()

    def test_prune_by_age_and_size(self, tmp_path):
        store = StageStore(tmp_path, enabled=True)
        v = FORMAT_VERSIONS["probes"]
        for i in range(3):
            store.put("probes", v, f"{i:016x}", {"a": np.zeros(2000)})
        files = sorted((tmp_path / ".tda_nn_cache").glob("*.npz"))
        now = time.time()
        for i, f in enumerate(files):
            os.utime(f, (now - 86400 * (10 - i), now - 86400 * (10 - i)))  # 10, 9 and 8 days old
        would = prune_cache(tmp_path, FORMAT_VERSIONS, older_than="9.5d", dry_run=True)
        assert [e.path for e in would] == [files[0]] and files[0].exists()
        assert [e.path for e in prune_cache(tmp_path, FORMAT_VERSIONS, older_than=9.5)] == [files[0]]
        size = files[2].stat().st_size
        assert [e.path for e in prune_cache(tmp_path, FORMAT_VERSIONS, max_size=size)] == [files[1]]
        assert [e.path.name for e in list_cache(tmp_path, FORMAT_VERSIONS)] == [files[2].name]
        with pytest.raises(ValueError, match="older_than"):
            prune_cache(tmp_path, FORMAT_VERSIONS, older_than="soon")

    def test_cli_cache_list_and_prune(self, tmp_path, capsys):
        from tda_nn.cli import main

        store = StageStore(tmp_path, enabled=True)
        store.put("capture", FORMAT_VERSIONS["capture"], "00000000000000aa", {"a": np.zeros(10)})
        (tmp_path / ".tda_nn_cache" / "capture-00000000000000bb.npz").write_bytes(b"old")
        assert main(["cache", "list", str(tmp_path)]) == 0
        out = capsys.readouterr().out
        assert "capture" in out and "stale" in out and "2 entries" in out
        assert main(["cache", "prune", str(tmp_path)]) == 0
        assert "removed 1 entries" in capsys.readouterr().out
        assert main(["cache", "prune", str(tmp_path), "--max-size", "1B"]) == 0
        assert list_cache(tmp_path, FORMAT_VERSIONS) == []


# -- the runner ------------------------------------------------------------------------------------------------
class TestRunner:
    def test_timings_of_every_stage_that_ran(self, mlp_case):
        rep = workflows.analyze(*mlp_case, **KW)
        t = rep.config["timings"]
        assert list(t) == ["plan", "capture", "persistence", "comparison", "loops", "findings"]
        assert all(isinstance(v, float) and v >= 0 for v in t.values())

    def test_a_rerun_says_which_stages_it_reused(self, mlp_case, tmp_path, caplog):
        with caplog.at_level(logging.INFO, logger="tda_nn"):
            first = workflows.analyze(*mlp_case, out=tmp_path, **KW)
            assert not any("Reused" in r.message for r in caplog.records)
            again = workflows.analyze(*mlp_case, out=tmp_path, **KW)
        reused = [r.message for r in caplog.records if r.message.startswith("Reused the finished stages: ")]
        assert len(reused) == 1 and "capture, persistence" in reused[0]
        assert again.config["reused"] == ["capture", "persistence"] and first.config["reused"] == []
        assert again.table == first.table

    def test_a_failed_optional_stage_is_a_note_and_a_required_one_raises(self, mlp_case, monkeypatch):
        from tda_nn.workflows.stages import comparison, loops

        monkeypatch.setattr(loops, "loops_stage", lambda *a, **k: 1 / 0)
        rep = workflows.analyze(*mlp_case, **KW)
        assert rep.loops is None and any("loops stage failed" in n and "ZeroDivisionError" in n for n in rep.notes)
        monkeypatch.setattr(comparison, "cka_matrix", lambda *a, **k: 1 / 0)
        with pytest.raises(ZeroDivisionError):
            workflows.analyze(*mlp_case, **KW)


# -- the plan --------------------------------------------------------------------------------------------------
def test_the_plan_estimates_every_stage_and_is_within_bounds_of_a_small_run(mlp_case):
    model, data = mlp_case
    kw = {**KW, "n_bootstrap": 20, "view": "pca", "regions": True, "region_resolution": 32}
    plan = workflows.analyze(model, data, dry_run=True, **kw)
    names = [s.name for s in plan.stages]
    assert names == ["capture", "persistence", "significance", "comparison", "views", "loops", "regions", "mapper",
                     "report"]
    assert all(s.seconds > 0 for s in plan.stages if s.runs)
    t0 = time.perf_counter()
    rep = workflows.analyze(model, data, **kw)
    rep.save(Path(os.environ.get("TMPDIR", "/tmp")) / f"tda_nn_plan_{os.getpid()}", figures=True)
    actual = time.perf_counter() - t0
    # a small run is dominated by fixed costs; the estimate is an order of magnitude, not a stopwatch
    assert actual / 10 < plan.seconds < actual * 10, (plan.seconds, actual)


# -- the series workflows --------------------------------------------------------------------------------------
def test_compare_and_track_get_findings_provenance_and_the_cache(tmp_path):
    torch.manual_seed(0)
    models = [tda_nn.zoo.mlp(3, 10, 2, 2) for _ in range(3)]
    X = torch.randn(70, 3, generator=torch.Generator().manual_seed(0))
    cmp = workflows.compare_checkpoints(models, X, layers=["act0", "act1"], max_points=40, progress=False,
                                        out=tmp_path / "c")
    assert [f.rule for f in cmp.findings].count("most_alike") == 4
    assert cmp.config["provenance"]["n_parameters"] > 0 and "timings" in cmp.config
    again = workflows.compare_checkpoints(models, X, layers=["act0", "act1"], max_points=40, progress=False,
                                          out=tmp_path / "c")
    assert again.config["reused"] == ["checkpoints"] and again.table == cmp.table
    tr = workflows.track(models, X, layers=["act0", "act1"], max_points=40, steps=[0, 10, 20], progress=False)
    assert tr.series["steps"] == [0, 10, 20] and {f.rule for f in tr.findings} <= {"region_sharing", "region_saturation"}
    assert tr.findings and tr.config["provenance"]["inputs_hashed"] == "model inputs and labels"
    # the same numbers as TopologyMonitor gives
    mon = tda_nn.TopologyMonitor(models[0], X, ["act0", "act1"], dim=1, regions=False,
                                 profile_kwargs={"n_bootstrap": 0, "scales": None, "n_landmarks": 40, "seed": 0},
                                 capture_kwargs={"max_samples": 500})
    for step, m in zip([0, 10, 20], models):
        mon.record(m, step)
    np.testing.assert_array_equal(np.asarray(tr.series["wasserstein to previous"]["act1"]),
                                  mon.trace.distances[:, 1])


# -- the house -------------------------------------------------------------------------------------------------
def test_analyze_is_its_list_of_stages_and_small_rooms():
    src = (ROOT / "tda_nn" / "workflows" / "analyze.py").read_text()
    fn = next(n for n in ast.parse(src).body if isinstance(n, ast.FunctionDef) and n.name == "analyze")
    assert fn.end_lineno - fn.body[0].end_lineno <= 60  # the body after the docstring
    assert [st.name for st in ANALYZE] == ["plan", "capture", "persistence", "comparison", "views", "probe capture",
                                           "probes", "loops", "symmetry", "regions", "mapper", "findings", "report"]
    for path in (ROOT / "tda_nn" / "workflows" / "stages").glob("*.py"):
        assert len(path.read_text().splitlines()) <= 300, path.name
    for path in [*(ROOT / "tda_nn" / "workflows").rglob("*.py"), *(ROOT / "tda_nn" / "cli").rglob("*.py")]:
        tree = ast.parse(path.read_text())
        absolute = [n for n in ast.walk(tree) if isinstance(n, ast.Import) and any(a.name.split(".")[0] == "tda_nn"
                                                                                  for a in n.names)
                    or isinstance(n, ast.ImportFrom) and n.level == 0 and (n.module or "").split(".")[0] == "tda_nn"]
        assert absolute == [], path.name  # relative imports inside the package
        assert "Floor:" in ast.get_docstring(tree), path.name

"""The layout's promises: a torch wing, plain functions, one validator for each kind of value."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import subprocess
import sys
import warnings

import numpy as np
import pytest

import tda_nn
from tda_nn.budgets import parse_memory
from tda_nn.diagrams_convert import as_diagram_list, as_diagrams
from tda_nn.validation import MemoryBudgetError


def _modules():
    return [info.name for info in pkgutil.walk_packages(tda_nn.__path__, prefix="tda_nn.")]


def test_every_module_outside_the_torch_wing_imports_without_torch():
    outside = [m for m in _modules() if not m.startswith("tda_nn.nn")]
    assert "tda_nn.workflows" in outside and "tda_nn.cli" in outside and len(outside) > 25
    code = (
        "import sys, importlib\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'torch' or name.startswith('torch.'):\n"
        "            raise ImportError('torch is blocked')\n"
        "sys.meta_path.insert(0, Block())\n"
        f"for m in {outside!r}:\n"
        "    importlib.import_module(m)\n"
        "assert 'torch' not in sys.modules\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "ok"


def test_only_the_torch_wing_mentions_torch_imports():
    import pathlib
    import re

    root = pathlib.Path(tda_nn.__file__).parent
    offenders = []
    for f in root.rglob("*.py"):
        rel = f.relative_to(root).as_posix()
        if rel.startswith("nn/"):  # the torch wing (device kernels included: tda_nn/nn/kernels.py)
            continue
        src = re.sub(r'"""[\s\S]*?"""', "", f.read_text())
        if re.search(r"^\s*(import torch|from torch)", src, re.M):
            offenders.append(rel)
    assert offenders == []


def test_public_names_are_functions_or_classes_with_signatures():
    for name in tda_nn.__all__:
        if name in tda_nn._MODULES or name == "__version__" or name.endswith("Error"):
            continue
        obj = getattr(tda_nn, name)
        assert inspect.isfunction(obj) or inspect.isclass(obj), name
        inspect.signature(obj)  # no (*args, **kwargs) shims
    assert inspect.isfunction(tda_nn.analyze) and inspect.isfunction(tda_nn.capture)
    assert list(inspect.signature(tda_nn.analyze).parameters)[:3] == ["model", "data", "layers"]
    from tda_nn import analyze, capture

    assert inspect.isfunction(analyze) and inspect.isfunction(capture)


def test_dir_lists_the_public_names_and_nothing_else():
    assert dir(tda_nn) == sorted(dir(tda_nn)) or set(dir(tda_nn)) == set(tda_nn.__all__)
    assert set(dir(tda_nn)) == set(tda_nn.__all__)
    for leak in ("Any", "annotations", "importlib"):
        assert leak not in dir(tda_nn)
    import tda_nn.plotting as plotting

    assert set(dir(plotting)) == set(plotting.__all__)
    assert "plot_diagram" in dir(plotting) and "importlib" not in dir(plotting)
    for sub in (tda_nn.nn, tda_nn.diagnostics, tda_nn.cycles, tda_nn.nn.regions):
        assert set(dir(sub)) == set(sub.__all__)


def test_a_warning_inside_capture_points_at_the_callers_line():
    torch = pytest.importorskip("torch")
    model = torch.nn.Sequential(torch.nn.Linear(2, 2))
    X = torch.tensor([[np.nan, 1.0], [0.0, 1.0], [1.0, 0.0]])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tda_nn.capture(model, X, layers=["0"], progress=False)
    mine = [w for w in caught if "non-finite" in str(w.message)]
    assert mine and mine[0].filename == __file__


def test_no_private_name_is_imported_across_subpackages():
    import ast
    import pathlib

    root = pathlib.Path(tda_nn.__file__).parent
    bad = []
    for f in root.rglob("*.py"):
        pkg = f.relative_to(root).parent.parts
        for node in ast.walk(ast.parse(f.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level:
                target = list(pkg[: len(pkg) - (node.level - 1)]) if node.level > 1 else list(pkg)
                parts = target + (node.module.split(".") if node.module else [])
                private_names = [a.name for a in node.names if a.name.startswith("_") and a.name != "__version__"]
                # same subpackage: the module lives directly in the importer's own package
                same = (len(parts) == len(pkg) + 1 or not node.module) and parts[: len(pkg)] == list(pkg)
                if private_names and not same:
                    bad.append(f"{f.relative_to(root)}: from {'.' * node.level}{node.module or ''} import {private_names}")
    assert bad == []


# -- one parser of memory budgets -------------------------------------------------------
def _memory_takers():
    torch = pytest.importorskip("torch")
    X = np.random.default_rng(0).normal(size=(20, 3))
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    return {
        "persistence": lambda m: tda_nn.persistence(X, max_memory=m),
        "pairwise_distances": lambda m: tda_nn.pairwise_distances(X, max_memory=m),
        "knn_geodesic": lambda m: tda_nn.knn_geodesic(X, k=5, max_memory=m),
        "capture": lambda m: tda_nn.capture(model, torch.tensor(X, dtype=torch.float32), layers=["0"], max_memory=m,
                                            progress=False),
        "regions_on_plane": lambda m: tda_nn.regions_on_plane(model, points=X[:3], resolution=8, max_memory=m),
    }


@pytest.mark.parametrize("value", ["2GiB", 2.5e9, None, "1.5 GB", 10**9])
def test_memory_budgets_are_accepted_alike(value):
    for _name, call in _memory_takers().items():
        call(value)  # none raises


@pytest.mark.parametrize("value, kind", [("two gigs", ValueError), (-1, ValueError), (0, ValueError),
                                         ("2GiB!", ValueError), (True, TypeError), ([1], TypeError)])
def test_memory_budgets_are_refused_alike(value, kind):
    for _name, call in _memory_takers().items():
        with pytest.raises(kind, match="max_memory"):
            call(value)


def test_memory_budget_error_is_one_type_at_the_top():
    assert tda_nn.MemoryBudgetError is MemoryBudgetError
    assert issubclass(tda_nn.CheckpointError, ValueError)
    with pytest.raises(tda_nn.MemoryBudgetError, match="max_memory"):
        tda_nn.pairwise_distances(np.zeros((2000, 2)), max_memory="1KiB")
    with pytest.raises(tda_nn.MemoryBudgetError, match="max_memory"):
        tda_nn.persistence(np.random.default_rng(0).normal(size=(300, 2)), max_memory="1KiB")
    assert parse_memory("2GiB") == 2 * 2**30 and parse_memory("500MB") == 5e8 and parse_memory(1e3) == 1e3


# -- one check of flags ------------------------------------------------------------------
def _flag_takers():
    torch = pytest.importorskip("torch")
    X = np.random.default_rng(0).normal(size=(12, 2)).astype(np.float32)
    model = torch.nn.Sequential(torch.nn.Linear(2, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    data = (torch.tensor(X), torch.zeros(12, dtype=torch.long))
    return {
        "track.regions": lambda v: tda_nn.track([model, model], data, regions=v, progress=False),
        "analyze.regions": lambda v: tda_nn.analyze(model, data, regions=v, progress=False),
        "TopologyMonitor.regions": lambda v: tda_nn.TopologyMonitor(model, data, regions=v),
        "persistence.collapse_edges": lambda v: tda_nn.persistence(X, collapse_edges=v),
    }


@pytest.mark.parametrize("value, kind", [("yes", ValueError), (2, TypeError), (None, TypeError)])
def test_true_false_auto_flags_refuse_alike(value, kind):
    for name, call in _flag_takers().items():
        with pytest.raises(kind, match=r"must be True, False or 'auto'") as info:
            call(value)
        assert name.split(".")[1] in str(info.value), name


@pytest.mark.parametrize("call", [
    lambda: tda_nn.cka(np.eye(5), np.eye(5), debiased="yes"),
    lambda: tda_nn.compare_layers({"a": np.eye(5), "b": np.eye(5)}, normalize=1),
    lambda: tda_nn.PersistentEntropy(normalize="no").fit([tda_nn.Diagrams([[[0.0, 1.0]]])]),
])
def test_true_false_flags_refuse_alike(call):
    with pytest.raises(TypeError, match="must be True or False"):
        call()


# -- one diagram converter -----------------------------------------------------------------
def _forms():
    ripser = pytest.importorskip("ripser")
    X = np.random.default_rng(1).normal(size=(30, 2))
    res = ripser.ripser(X, maxdim=1)
    d = tda_nn.Diagrams(res["dgms"])
    gudhi_list = [(k, (float(b), float(e))) for k, a in enumerate(res["dgms"]) for b, e in a]
    giotto = d.to_giotto()
    return d, {"Diagrams": d, "ripser dict": res, "ripser dgms": list(res["dgms"]), "gudhi list": gudhi_list,
               "giotto (k, 3)": giotto}


def test_every_form_converts_to_the_same_diagrams():
    d, forms = _forms()
    for name, form in forms.items():
        assert as_diagrams(form, name=name) == d, name
        if name == "ripser dgms":  # a list of (k, 2) arrays is one sample each (issue 26); one sample is wrapped
            with pytest.warns(UserWarning, match="ripser"):
                assert len(as_diagram_list(form, name=name)) == len(form)
            assert as_diagram_list([form], name=name) == [d], name
            continue
        assert as_diagram_list(form, name=name) == [d], name
    # giotto's stack with padding (birth == death) understood
    stack = np.stack([np.vstack([d.to_giotto(), [[0.0, 0.0, 1.0]] * 3]), np.vstack([d.to_giotto(), [[0.5, 0.5, 0]] * 3])])
    assert as_diagram_list(stack) == [d, d]
    assert as_diagrams(np.array([[0.0, 1.0], [0.2, 0.3]])) == tda_nn.Diagrams([[[0.0, 1.0], [0.2, 0.3]]])


def test_infinite_birth_is_not_padding():
    with pytest.raises(ValueError, match="infinite birth"):
        tda_nn.Amplitude().fit_transform(np.array([[[np.inf, np.inf, 0], [0, 1, 1]]]))


@pytest.mark.parametrize("consumer", ["BettiCurve", "PersistenceLandscape", "Silhouette", "PersistenceImage",
                                      "PersistentEntropy", "Amplitude", "PersistenceStatistics",
                                      "TropicalCoordinates"])
def test_vectorisers_give_the_same_answer_for_every_form(consumer):
    d, forms = _forms()
    est = getattr(tda_nn, consumer)().fit([d, d])
    want = est.transform([d])
    for name, form in forms.items():
        np.testing.assert_array_equal(est.transform([form]), want, err_msg=name)
        np.testing.assert_array_equal(getattr(tda_nn, consumer)().fit([form, form]).transform([form]), want,
                                      err_msg=name)
    # ripser's dgms list as one sample: BettiCurve().fit_transform([ripser(X)['dgms']]) works
    assert getattr(tda_nn, consumer)().fit_transform([forms["ripser dgms"]]).shape[0] == 1


@pytest.mark.parametrize("metric", ["wasserstein", "bottleneck", "sliced_wasserstein"])
def test_distances_give_the_same_answer_for_every_form(metric):
    d, forms = _forms()
    e = tda_nn.Diagrams([np.asarray(a) * 1.1 for a in d])
    want = getattr(tda_nn, metric)(d, e)
    for name, form in forms.items():
        assert getattr(tda_nn, metric)(form, e) == pytest.approx(want, abs=1e-12), name
    M = tda_nn.pairwise_diagram_distances([d, e], metric=metric)
    for _name, form in forms.items():
        np.testing.assert_allclose(tda_nn.pairwise_diagram_distances([form, e], metric=metric), M, atol=1e-12)


def test_layer_profile_takes_every_diagram_form():
    d, forms = _forms()
    want = tda_nn.layer_profile({"a": d, "b": d}, n_bootstrap=0)
    for name, form in forms.items():
        if isinstance(form, np.ndarray):
            continue  # a bare array in a layer mapping is that layer's point cloud (documented)
        got = tda_nn.layer_profile({"a": form, "b": d}, n_bootstrap=0)
        assert got.diagrams[0] == want.diagrams[0], name


def test_logging_goes_to_the_tda_nn_logger(caplog):
    torch = pytest.importorskip("torch")
    import logging

    model = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Tanh())
    X = torch.tensor(np.random.default_rng(0).normal(size=(40, 2)), dtype=torch.float32)
    with caplog.at_level(logging.INFO, logger="tda_nn"):
        tda_nn.analyze(model, X, layers=["input", "1"], progress=False, max_points=40)
    assert any(r.name == "tda_nn" and "persistence done" in r.getMessage() for r in caplog.records)
    assert any(isinstance(h, logging.NullHandler) for h in logging.getLogger("tda_nn").handlers)


def test_modules_stay_small():
    import pathlib

    root = pathlib.Path(tda_nn.__file__).parent
    sizes = {f.relative_to(root).as_posix(): len(f.read_text().splitlines()) for f in root.rglob("*.py")}
    assert max(sizes.values()) < 1000, sorted(sizes.items(), key=lambda kv: -kv[1])[:3]


def test_importing_a_module_does_not_import_torch():
    for m in _modules():
        if m.startswith("tda_nn.nn"):
            continue
        importlib.import_module(m)

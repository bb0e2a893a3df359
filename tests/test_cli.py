"""The ``tda-nn`` command: analyze, compare, track, demo; user mistakes exit 2 with one line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from tda_nn import zoo
from tda_nn.cli import main
from tda_nn.nn.checkpoints import bundled_path
from tda_nn.report import Report

CKPT = str(bundled_path("digits_cnn.pt"))
FAST = ["--max-samples", "200", "--max-points", "100", "--no-progress"]


def run(capsys, *argv):
    rc = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return rc, out, err


def test_version_and_help():
    r = subprocess.run([sys.executable, "-m", "tda_nn.cli", "--version"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and r.stdout.startswith("tda-nn ")
    assert main([]) == 2


ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}  # subprocesses import this checkout's tda_nn


def _installed_from() -> Path | None:
    """The checkout the ``tda-nn`` console script runs (an editable install), or None."""
    import importlib.metadata

    try:
        url = json.loads(importlib.metadata.distribution("tda_nn").read_text("direct_url.json") or "{}").get("url", "")
    except (importlib.metadata.PackageNotFoundError, ValueError):
        return None
    return Path(url.removeprefix("file://")).resolve() if url.startswith("file://") else None


def _command() -> list[str]:
    """The console script, as a user runs it, when it runs this checkout; else ``python -m tda_nn.cli``."""
    exe = Path(sys.executable).with_name("tda-nn")
    return [str(exe)] if exe.exists() and _installed_from() == ROOT else [sys.executable, "-m", "tda_nn.cli"]


def test_analyze_the_bundled_checkpoint(tmp_path):
    out = tmp_path / "rep"
    r = subprocess.run([*_command(), "analyze", "--model", "tda_nn.nn.zoo:digits_cnn", "--checkpoint", CKPT, "--data",
                        "digits", "--layers", "input", "conv1", "fc1", "--out", str(out), "--json", *FAST],
                       capture_output=True, text=True, timeout=300, env=ENV)
    rc, stdout, err = r.returncode, r.stdout, r.stderr
    assert rc == 0, err
    summary = json.loads(stdout)
    assert summary["layers"] == ["input", "conv1", "fc1"]
    assert "report.html" in err
    for name in ("report.json", "report.html", "diagrams.png", "betti_curves.png", "layer_distances.png",
                 "layer_profile.png", "regions.png"):
        assert (out / name).exists(), name
    rep = Report.load(out)
    assert rep.config["command"] == "analyze" and rep.config["checkpoint"] == CKPT
    # the same analysis from Python gives the same diagrams
    from sklearn.datasets import load_digits

    from tda_nn.workflows import analyze

    d = load_digits()
    X = torch.as_tensor(d.data.reshape(-1, 1, 8, 8) / 16, dtype=torch.float32)
    direct = analyze(zoo.load_digits_cnn(), (X, torch.as_tensor(d.target)), layers=["input", "conv1", "fc1"],
                     max_samples=200, max_points=100, progress=False, regions=False)
    for layer in direct.layers:
        assert rep.diagrams[layer] == direct.diagrams[layer]


def test_data_files_and_functions(tmp_path, capsys):
    from sklearn.datasets import load_digits

    d = load_digits()
    X = (d.data[:150] / 16).astype(np.float32)
    np.save(tmp_path / "x.npy", X)
    np.savez(tmp_path / "xy.npz", X=X, y=d.target[:150])
    for data in (tmp_path / "x.npy", tmp_path / "xy.npz", "digits:flat"):
        rc, _, err = run(capsys, "analyze", "--model", "tda_nn.nn.zoo:mlp", "--data", data, "--layers", "input",
                         "--out", tmp_path / "o", *FAST)
        # zoo.mlp() takes 2 inputs, the digits have 64: the shape mismatch is the user's, one line, exit 2
        warning, error = err.strip().splitlines()
        assert "untrained" in warning and "--checkpoint" in warning
        assert rc == 2 and "do not fit the model" in error


@pytest.mark.parametrize("argv, words", [
    (["analyze", "--model", "tda_nn.nn.zoo:digits_cnn", "--checkpoint", "missing.pt"], "does not exist"),
    (["analyze", "--model", "tda_nn.nn.zoo:digits_cnm", "--checkpoint", CKPT], "digits_cnn"),
    (["analyze", "--model", "no_such_pkg.mod:f"], "no_such_pkg"),
    (["analyze", "--model", "tda_nn.nn.zoo:digits_cnn", "--checkpoint", CKPT, "--layers", "conv9"], "conv2"),
    (["analyze", "--model", "tda_nn.nn.zoo:digits_cnn", "--checkpoint", CKPT, "--data", "nothing.npy"], "nothing.npy"),
    (["analyze", "--model", "tda_nn.nn.zoo:digits_cnn", "--checkpoint", CKPT, "--data", "digits", "--max-points", "1"],
     "--max-points must"),
    (["compare", "--model", "tda_nn.nn.zoo:digits_cnn", CKPT], "two or more --layers"),
    (["track", "--model", "tda_nn.nn.zoo:digits_cnn", "no_such_dir"], "does not exist"),
])
def test_user_mistakes_print_one_line_and_exit_2(argv, words, tmp_path, capsys):
    rc, out, err = run(capsys, *argv, "--out", tmp_path / "o", "--no-progress")
    assert rc == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("tda-nn ") and "error" in lines[0], err
    assert words in lines[0]
    assert "Traceback" not in err


def test_pickles_need_trust(tmp_path, capsys):
    model = zoo.load_digits_cnn()
    path = tmp_path / "whole.pt"
    torch.save(model, path)
    rc, _, err = run(capsys, "analyze", "--checkpoint", path, "--layers", "fc1", "--out", tmp_path / "o", *FAST)
    assert rc == 2 and "--trust-checkpoint" in err
    rc, _, err = run(capsys, "analyze", "--checkpoint", path, "--layers", "fc1", "--out", tmp_path / "o",
                     "--trust-checkpoint", *FAST)
    assert rc == 0, err


class _Payload:
    """Unpickling this runs code: it creates the file named in ``path``."""

    def __init__(self, path: str):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


def test_a_pickle_that_runs_code_is_refused(tmp_path, capsys):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pt"
    torch.save({"conv1.weight": _Payload(str(marker))}, path)
    rc, _, err = run(capsys, "analyze", "--model", "tda_nn.nn.zoo:digits_cnn", "--checkpoint", path, "--out",
                     tmp_path / "o", *FAST)
    assert rc == 2 and "--trust-checkpoint" in err
    assert not marker.exists()  # the payload never ran


def test_compare_and_track(tmp_path, capsys):
    from sklearn.datasets import load_digits

    d = load_digits()
    X = d.data.reshape(-1, 1, 8, 8) / 16
    ckdir = tmp_path / "ckpts"
    ckdir.mkdir()
    torch.manual_seed(0)
    model = zoo.digits_cnn()
    zoo.train_classifier(model, X[:300], d.target[:300], epochs=3, lr=5e-3,
                         callback=lambda m, e: torch.save(m.state_dict(), ckdir / f"step_{(e + 1) * 5}.pt"))
    rc, out, err = run(capsys, "compare", "--model", "tda_nn.nn.zoo:digits_cnn", ckdir / "step_5.pt", ckdir / "step_15.pt",
                       "--layers", "fc1", "--out", tmp_path / "cmp", "--json", *FAST)
    assert rc == 0, err
    summary = json.loads(out)
    D = np.array(summary["matrices"]["wasserstein: fc1"]["values"])
    assert summary["matrices"]["wasserstein: fc1"]["labels"] == ["step_5", "step_15"]
    assert D[0, 0] == 0 and D[0, 1] > 0
    # one checkpoint, several layers: a layer comparison
    rc, _, err = run(capsys, "compare", "--model", "tda_nn.nn.zoo:digits_cnn", ckdir / "step_5.pt", "--layers", "conv1",
                     "fc1", "--out", tmp_path / "cmp1", *FAST)
    assert rc == 0, err
    assert Report.load(tmp_path / "cmp1").layers == ("conv1", "fc1")
    rc, _, err = run(capsys, "track", "--model", "tda_nn.nn.zoo:digits_cnn", ckdir, "--layers", "fc1",
                     "--out", tmp_path / "trk", *FAST)
    assert rc == 0, err
    rep = Report.load(tmp_path / "trk")
    assert rep.config["names"] == ["step_5", "step_10", "step_15"]  # natural order, not 10 < 5
    assert len(rep.series["steps"]) == 3
    assert (tmp_path / "trk" / "training.png").exists()


def test_demo_end_to_end(tmp_path):
    """The README's main job, as a user runs it."""
    r = subprocess.run([*_command(), "demo", "--out", str(tmp_path / "demo"), "--epochs", "10", "--no-progress"],
                       capture_output=True, text=True, timeout=300, env=ENV)
    assert r.returncode == 0, r.stderr
    assert "report:" in r.stdout
    rep = Report.load(tmp_path / "demo")
    assert (tmp_path / "demo" / "digits_cnn.pt").exists()
    assert rep.layers == ("input", "conv1", "conv2", "fc1", "fc2")
    assert rep.probes is not None and rep.probes["topological"][1] > rep.probes["shuffled"][1] + 0.2
    assert rep.config["train_accuracy"] > 0.8


# -- any local model, flags in, flags out ---------------------------------------------------------------
MODEL_FILE = '''
import torch
from helper import WIDTH  # a neighbour of this file: the file's folder is importable


def build():
    torch.manual_seed(1)
    return torch.nn.Sequential(torch.nn.Linear(4, WIDTH), torch.nn.ReLU(), torch.nn.Linear(WIDTH, 2))
'''


def _model_dir(root: Path, name: str = "mymodel") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / f"{name}.py").write_text(MODEL_FILE)
    (root / "helper.py").write_text("WIDTH = 6\n")
    return root


def test_a_factory_file_in_a_fresh_directory_with_a_checkpoint(tmp_path):
    """The README's promise, as a user runs it: a console script in a directory that is not the repository."""
    _model_dir(tmp_path)
    sys.path.insert(0, str(tmp_path))
    try:
        from mymodel import build
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("mymodel", None), sys.modules.pop("helper", None)
    model = build()
    with torch.no_grad():
        model[0].weight.mul_(3.0)  # trained weights differ from what build() gives
    torch.save(model.state_dict(), tmp_path / "model.pt")
    X = np.random.default_rng(0).normal(size=(60, 4)).astype(np.float32)
    np.save(tmp_path / "x.npy", X)
    r = subprocess.run([sys.executable, "-m", "tda_nn.cli", "analyze", "--model", "./mymodel.py:build", "--checkpoint",
                        "model.pt", "--data", "x.npy", "--layers", "0", "1", "--out", "rep", "--max-points", "30",
                        "--regions", "off", "--no-progress"], cwd=tmp_path, env=ENV, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    rep = Report.load(tmp_path / "rep")
    assert rep.layers == ("0", "1")
    # the checkpoint's weights were analysed: the diagrams are those of the loaded model
    from tda_nn.workflows import analyze

    direct = analyze(model.eval(), X, layers=["0", "1"], max_points=30, progress=False, regions=False)
    assert rep.diagrams["0"] == direct.diagrams["0"]


class _Called(Exception):
    """Raised by the spy in place of analyze, carrying the keyword arguments the CLI passed."""


@pytest.fixture
def spy(monkeypatch, tmp_path):
    """Replace analyze by a spy that records the model and keyword arguments the CLI passes."""
    import tda_nn.workflows

    seen: dict = {}

    class _Saved:
        def save(self, out):
            return Path(out)

        def summary(self):
            return {}

    def fake(model, data, layers=None, **kwargs):
        seen.update(kwargs, model=model, data=data, layers=layers)
        return _Saved()

    monkeypatch.setattr(tda_nn.workflows, "analyze", fake)
    np.save(tmp_path / "x.npy", np.zeros((20, 1, 8, 8), np.float32))
    return seen


BASE = ["analyze", "--model", "tda_nn.nn.zoo:digits_cnn", "--checkpoint", CKPT]


@pytest.mark.parametrize("flags, expected", [
    (["--reduce", "max"], {"reduce": "max"}),
    (["--per-class"], {"per_class": True}),
    (["--class-names", "zero", "one"], {"class_names": ["zero", "one"]}),
    (["--distance", "bottleneck"], {"distance": "bottleneck"}),
    (["--bootstrap", "20"], {"n_bootstrap": 20}),
    (["--bootstrap", "20", "--alpha", "0.1"], {"n_bootstrap": 20, "alpha": 0.1}),
    (["--scales", "0.1", "0.3"], {"scales": [0.1, 0.3]}),
    (["--batch-size", "32"], {"batch_size": 32}),
    (["--n-jobs", "2"], {"n_jobs": 2}),
    (["--title", "my run"], {"title": "my run"}),
    (["--seed", "7"], {"seed": 7}),
    (["--max-samples", "50", "--max-points", "40", "--maxdim", "2"], {"max_samples": 50, "max_points": 40, "maxdim": 2}),
    (["--layers", "conv1", "fc*"], {"layers": ["conv1", "fc*"]}),
    (["--probe", "--probe-kind", "image", "--probe-layers", "conv1"],
     {"probe": True, "probe_kind": "image", "probe_layers": ["conv1"]}),
    (["--quiet"], {"progress": False}),
    (["--regions", "off"], {"regions": False}),
    (["--regions", "on"], {"regions": True}),
    ([], {"progress": True, "reduce": "auto", "per_class": False, "probe": False, "seed": 0}),
])
def test_flags_reach_the_python_call(flags, expected, spy, tmp_path, capsys):
    rc, _, err = run(capsys, *BASE, "--data", tmp_path / "x.npy", "--out", tmp_path / "o", *flags)
    assert rc == 0, err
    for k, v in expected.items():
        assert spy[k] == v, k
    assert spy["config"]["command"] == "analyze" and spy["config"]["checkpoint"] == CKPT


def test_device_moves_the_model(spy, tmp_path, capsys):
    rc, _, err = run(capsys, *BASE, "--data", tmp_path / "x.npy", "--device", "cpu", "--out", tmp_path / "o")
    assert rc == 0, err
    assert next(spy["model"].parameters()).device.type == "cpu"
    rc, _, err = run(capsys, *BASE, "--data", tmp_path / "x.npy", "--device", "cuda:7", "--out", tmp_path / "o")
    assert rc == 2 and "--device 'cuda:7' is not available" in err


def test_a_flag_the_python_call_does_not_take_is_named(monkeypatch, tmp_path, capsys):
    import tda_nn.workflows

    def older(model, data, layers=None, *, max_samples=1000, max_points=500, maxdim=1, reduce="auto", seed=0,
              progress=True, title=None, config=None):
        raise _Called

    monkeypatch.setattr(tda_nn.workflows, "analyze", older)
    np.save(tmp_path / "x.npy", np.zeros((20, 1, 8, 8), np.float32))
    rc, _, err = run(capsys, *BASE, "--data", tmp_path / "x.npy", "--alpha", "0.1", "--out", tmp_path / "o")
    assert rc == 2 and "--alpha is not available" in err


@pytest.mark.parametrize("verbosity, level", [([], 20), (["--quiet"], 30), (["--verbose"], 10),
                                              (["--no-progress"], 20), (["--no-progress", "--verbose"], 10)])
def test_quiet_and_verbose_set_the_library_log_level(verbosity, level, spy, tmp_path, capsys):
    import logging

    rc, _, _ = run(capsys, *BASE, "--data", tmp_path / "x.npy", "--out", tmp_path / "o", *verbosity)
    assert rc == 0 and logging.getLogger("tda_nn").level == level


def test_a_zoo_model_without_checkpoint_says_it_is_untrained(spy, tmp_path, capsys):
    rc, _, err = run(capsys, "analyze", "--model", "tda_nn.nn.zoo:digits_cnn", "--data", tmp_path / "x.npy",
                     "--out", tmp_path / "o")
    assert rc == 0
    assert "untrained" in err and "--checkpoint" in err and "data/digits_cnn.pt" in err
    rc, _, err = run(capsys, *BASE, "--data", tmp_path / "x.npy", "--out", tmp_path / "o")
    assert "untrained" not in err


@pytest.mark.parametrize("text, expected", [
    ("layers=None: capturing 'input', 'fc1'. Pass layers= (names, glob patterns or module types) to choose; "
     "tda_nn.list_layers(model, batch) lists every layer.",
     "no --layers: capturing 'input', 'fc1'. Pass --layers (names, glob patterns or module types) to choose; "
     "tda-nn analyze --dry-run lists every layer."),
    ("max_points must be >= 3, got 1.", "--max-points must be >= 3, got 1."),
    ("per_class=True needs labels: give data as (X, y).", "--per-class needs labels: give data as (X, y)."),
    ("n_bootstrap must be >= 0, got -1.", "--bootstrap must be >= 0, got -1."),
    ("device 'cuda:3' is not available here. Give device='cpu'.", "--device 'cuda:3' is not available here. "
                                                                  "Give --device 'cpu'."),
    ("layers: Net has no module named 'conv9'. Did you mean 'conv1'?",
     "--layers: Net has no module named 'conv9'. Did you mean 'conv1'?"),
    ("regions=True needs the model's inputs in memory", "--regions on needs the model's inputs in memory"),
    ("only if you trust the file, pass --trust-checkpoint (trust=True).",
     "only if you trust the file, pass --trust-checkpoint."),
    ("the layers of a model and its data_loader", "the layers of a model and its data_loader"),  # prose stays
])
def test_messages_speak_in_flags(text, expected):
    from tda_nn.cli import speak_flags

    assert speak_flags(text) == expected


def test_warnings_print_one_line_in_flags_without_a_source_line(tmp_path, capsys):
    X = np.random.default_rng(0).normal(size=(40, 1, 8, 8)).astype(np.float32)
    np.save(tmp_path / "x.npy", X)
    rc, _, err = run(capsys, *BASE, "--data", tmp_path / "x.npy", "--max-points", "30", "--out", tmp_path / "o",
                     "--regions", "off", "--quiet")  # --quiet: warnings only (--no-progress keeps the stage log)
    assert rc == 0, err
    lines = err.strip().splitlines()
    assert lines and all(line.startswith("tda-nn analyze: warning: ") for line in lines), err
    assert any("no --layers" in line and "Pass --layers" in line for line in lines)
    assert "layers=" not in err and "warnings.warn" not in err and ".py:" not in err


def test_model_specs_from_the_working_directory(spy, tmp_path, monkeypatch, capsys):
    import torch.nn as nn

    _model_dir(tmp_path / "models", name="cwd_model_a")
    _model_dir(tmp_path, name="cwd_model_b")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p not in ("", str(tmp_path))])
    for key in ("cwd_model_a", "cwd_model_b", "helper"):
        monkeypatch.delitem(sys.modules, key, raising=False)
    x = str(tmp_path / "x.npy")
    for spec in ("models/cwd_model_a.py:build", "./models/cwd_model_a.py:build", "cwd_model_b:build",
                 str(tmp_path / "cwd_model_b.py") + ":build"):
        rc, _, err = run(capsys, "analyze", "--model", spec, "--data", x, "--out", tmp_path / "o")
        assert rc == 0, (spec, err)
        assert isinstance(spy["model"], nn.Sequential) and spy["model"][0].out_features == 6
        assert not spy["model"].training


@pytest.mark.parametrize("spec, words", [
    ("./nothere.py:build", "does not exist"),
    ("mymodel.py", "give 'mymodel.py:factory'"),
    ("mymodel.py:biuld", "'build'"),
    ("not_a_module_here:build", "not_a_module_here"),
    ("mymodel.py:1x", "factory"),
    ("broken.py:build", "ZeroDivisionError"),
    ("some_dir", "config.json"),
])
def test_bad_model_specs_exit_2_with_one_line(spec, words, tmp_path, monkeypatch, capsys):
    _model_dir(tmp_path)
    (tmp_path / "broken.py").write_text("1 / 0\n")
    (tmp_path / "some_dir").mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))
    rc, _, err = run(capsys, "analyze", "--model", spec, "--out", tmp_path / "o", "--no-progress")
    lines = err.strip().splitlines()
    assert rc == 2 and len(lines) == 1 and "error" in lines[0], err
    assert words in lines[0]


def test_torchscript_is_refused_up_front(tmp_path, capsys):
    import warnings

    with warnings.catch_warnings():  # torch 2.13 deprecates torch.jit.script; archives made with it still exist
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.jit.script(zoo.digits_cnn()).save(str(tmp_path / "scripted.pt"))
    # a valid data file (a missing one is refused even before the model, by the preflight): the archive
    # is refused before the data are read
    data = tmp_path / "data.npy"
    np.save(data, np.zeros((4, 64), dtype=np.float32))
    for argv in (["--model", "tda_nn.nn.zoo:digits_cnn", "--checkpoint", tmp_path / "scripted.pt"],
                 ["--model", tmp_path / "scripted.pt"], ["--checkpoint", tmp_path / "scripted.pt"]):
        rc, _, err = run(capsys, "analyze", *argv, "--data", data, "--out", tmp_path / "o")
        lines = err.strip().splitlines()
        assert rc == 2 and len(lines) == 1 and "TorchScript" in lines[0] and "hooks" in lines[0], err
    assert not (tmp_path / "o").exists()


def test_dry_run_lists_layers_and_writes_nothing(tmp_path, capsys):
    rc, out, err = run(capsys, *BASE, "--data", "digits", "--layers", "conv1", "fc1", "--max-samples", "50",
                       "--dry-run", "--out", tmp_path / "o")
    assert rc == 0, err
    assert "digits: 1797 samples of shape (1, 8, 8), labels of 10 classes" in out
    marked = [line.split()[1] for line in out.splitlines() if line.startswith(" * ")]
    assert marked == ["conv1", "fc1"]
    assert "(n, 32)" in out  # fc1's output shape, from one forward pass
    assert "persistence" in out and "H0..H1 of 2 layers, 50 points each" in out  # the plan, before any work
    assert not (tmp_path / "o").exists()
    rc, _, err = run(capsys, *BASE, "--data", "digits", "--layers", "conv9", "--dry-run", "--out", tmp_path / "o")
    assert rc == 2 and "conv1" in err and "--dry-run" in err
    # a run that cannot fit is refused by the plan, in flags
    rc, _, err = run(capsys, *BASE, "--data", "digits", "--maxdim", "4", "--max-points", "2000", "--dry-run")
    assert rc == 2 and "--maxdim 4 is too large" in err and "--max-points" in err


def test_dry_run_is_analyzes_own_when_it_has_one(monkeypatch, tmp_path, capsys):
    import tda_nn.workflows

    def planned(model, data, layers=None, *, dry_run=False, **kwargs):
        assert dry_run is True
        return "the plan of analyze itself"

    monkeypatch.setattr(tda_nn.workflows, "analyze", planned)
    rc, out, err = run(capsys, *BASE, "--data", "digits", "--dry-run", "--out", tmp_path / "o")
    assert rc == 0 and "the plan of analyze itself" in out and "digits: 1797 samples" in out, err
    assert not (tmp_path / "o").exists()


def test_texts_need_a_tokenizer(tmp_path, capsys):
    (tmp_path / "s.txt").write_text("one\ntwo\n")
    rc, _, err = run(capsys, *BASE, "--data", tmp_path / "s.txt", "--out", tmp_path / "o")
    assert rc == 2 and "tokenizer" in err and "hf:DIR" in err


def test_text_files_read_with_labels(tmp_path):
    from tda_nn.cli.data import DataError, read_texts

    (tmp_path / "a.txt").write_text("first line\n\n  second line \n")
    t = read_texts(tmp_path / "a.txt")
    assert t.texts == ("first line", "second line") and t.labels is None
    (tmp_path / "b.jsonl").write_text('{"text": "x", "label": "pos"}\n{"text": "y", "label": "neg"}\n'
                                      '{"text": "z", "label": "pos"}\n')
    t = read_texts(tmp_path / "b.jsonl")
    assert t.class_names == ("neg", "pos") and t.labels.tolist() == [1, 0, 1]
    (tmp_path / "c.csv").write_text('label,text\n2,"a, b"\n0,c\n')
    t = read_texts(tmp_path / "c.csv")
    assert t.texts == ("a, b", "c") and t.labels.tolist() == [2, 0] and t.class_names is None
    (tmp_path / "d.csv").write_text("sentence\nx\n")
    with pytest.raises(DataError, match="'text' column"):
        read_texts(tmp_path / "d.csv")
    (tmp_path / "e.jsonl").write_text('{"text": "x", "label": 1}\n{"text": "y"}\n')
    with pytest.raises(DataError, match="1 of 2 rows have no label"):
        read_texts(tmp_path / "e.jsonl")

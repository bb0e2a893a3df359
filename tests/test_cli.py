"""The ``tda-nn`` command: analyze, compare, track, demo; user mistakes exit 2 with one line."""

from __future__ import annotations

import json
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


def _command() -> list[str]:
    exe = Path(sys.executable).with_name("tda-nn")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "tda_nn.cli"]


def test_analyze_the_bundled_checkpoint(tmp_path):
    out = tmp_path / "rep"
    r = subprocess.run([*_command(), "analyze", "--model", "tda_nn.nn.zoo:digits_cnn", "--checkpoint", CKPT, "--data",
                        "digits", "--layers", "input", "conv1", "fc1", "--out", str(out), "--json", *FAST],
                       capture_output=True, text=True, timeout=300)
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
        assert rc == 2 and "do not fit the model" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("argv, words", [
    (["analyze", "--model", "tda_nn.nn.zoo:digits_cnn", "--checkpoint", "missing.pt"], "does not exist"),
    (["analyze", "--model", "tda_nn.nn.zoo:digits_cnm", "--checkpoint", CKPT], "digits_cnn"),
    (["analyze", "--model", "no_such_pkg.mod:f"], "no_such_pkg"),
    (["analyze", "--model", "tda_nn.nn.zoo:digits_cnn", "--checkpoint", CKPT, "--layers", "conv9"], "conv2"),
    (["analyze", "--model", "tda_nn.nn.zoo:digits_cnn", "--checkpoint", CKPT, "--data", "nothing.npy"], "nothing.npy"),
    (["analyze", "--model", "tda_nn.nn.zoo:digits_cnn", "--checkpoint", CKPT, "--data", "digits", "--max-points", "1"],
     "max_points"),
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
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "report:" in r.stdout
    rep = Report.load(tmp_path / "demo")
    assert (tmp_path / "demo" / "digits_cnn.pt").exists()
    assert rep.layers == ("input", "conv1", "conv2", "fc1", "fc2")
    assert rep.probes is not None and rep.probes["topological"][1] > rep.probes["shuffled"][1] + 0.2
    assert rep.config["train_accuracy"] > 0.8

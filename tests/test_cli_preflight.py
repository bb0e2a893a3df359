"""The command line checks --out, --data and every numeric flag before any work (issue 26).

Each mistake exits with code 2 and one line on stderr naming the flag, before the
model is loaded (``load_model`` is replaced by a function that fails the test).
"""

from __future__ import annotations

import os

import numpy as np
import pytest

from tda_nn.cli import main


@pytest.fixture
def no_work(monkeypatch):
    import tda_nn.cli.analyze as analyze_cmd
    import tda_nn.cli.compare as compare_cmd
    import tda_nn.cli.track as track_cmd

    def boom(*a, **kw):
        raise AssertionError("the model was loaded: the check came after the work")

    for mod in (analyze_cmd, compare_cmd, track_cmd):
        monkeypatch.setattr(mod, "load_model", boom)


def _one_line_error(capsys, argv, *words):
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own errors exit from parse_args
        code = exc.code
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert err.startswith(f"tda-nn {argv[0]}: error: "), err
    for w in words:
        assert w in err, err
    return err


def test_out_naming_an_existing_file_is_refused_at_once(tmp_path, capsys, no_work):
    f = tmp_path / "report"
    f.write_text("mine")
    _one_line_error(capsys, ["analyze", "--model", "tda_nn.nn.zoo:digits_cnn", "--out", str(f)], "--out", str(f),
                    "not a directory")
    assert f.read_text() == "mine"
    _one_line_error(capsys, ["analyze", "--out", str(f / "sub")], "--out", "is a file")
    _one_line_error(capsys, ["track", str(tmp_path), "--out", str(f)], "--out")
    _one_line_error(capsys, ["demo", "--out", str(f)], "--out")


@pytest.mark.parametrize("make, words", [
    (lambda d: np.save(d / "x.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True),
     ("--data", "x.npy", "Python objects")),
    (lambda d: np.save(d / "x.npy", np.array(["a", "b"])), ("--data", "x.npy", "not numbers")),
    (lambda d: (d / "x.npy").write_text("hello"), ("--data", "x.npy", "not a readable .npy")),
    (lambda d: np.savez(d / "x.npz", Y=np.zeros(3)), ("--data", "x.npz", "named 'X'")),
    (lambda d: np.savez(d / "x.npz", X=np.array(["a"])), ("--data", "x.npz", "not numbers")),
    (lambda d: os.mkfifo(d / "x.npy"), ("--data", "x.npy", "named pipe")),
    (lambda d: None, ("--data", "x.npy", "does not exist")),
])
def test_data_that_is_not_an_array_file_is_refused_by_name(tmp_path, capsys, no_work, make, words):
    if "mkfifo" in repr(make.__code__.co_names) and not hasattr(os, "mkfifo"):
        pytest.skip("named pipes are POSIX")
    make(tmp_path)
    name = "x.npz" if "x.npz" in words else "x.npy"
    _one_line_error(capsys, ["analyze", "--model", "m:f", "--data", str(tmp_path / name), "--out",
                             str(tmp_path / "out")], *words)


@pytest.mark.parametrize("argv, flag", [
    (["analyze", "--max-length", "0"], "--max-length"),
    (["analyze", "--max-points", "0"], "--max-points"),
    (["analyze", "--max-samples", "2"], "--max-samples"),
    (["analyze", "--maxdim", "-1"], "--maxdim"),
    (["analyze", "--batch-size", "0"], "--batch-size"),
    (["analyze", "--seed", "-3"], "--seed"),
    (["analyze", "--bootstrap", "-1"], "--bootstrap"),
    (["analyze", "--alpha", "2"], "--alpha"),
    (["analyze", "--scales", "-1"], "--scales"),
    (["analyze", "--max-time", "-1"], "--max-time"),
    (["analyze", "--max-memory", "lots"], "--max-memory"),
    (["analyze", "--symmetry", "spin"], "--symmetry"),
    (["analyze", "--max-points", "x"], "--max-points"),  # argparse's own error, one line too
    (["analyze", "--reduce", "foo"], "--reduce"),
    (["compare", "a.pt", "b.pt", "--n-jobs", "0"], "--n-jobs"),
    (["track", "nodir", "--maxdim", "-2"], "--maxdim"),
])
def test_every_numeric_flag_is_checked_before_any_work(tmp_path, capsys, no_work, argv, flag):
    _one_line_error(capsys, [*argv, "--out", str(tmp_path / "out")], flag)
    assert not (tmp_path / "out").exists()

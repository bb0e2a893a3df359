"""Atomic files, fingerprints and the stage cache."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from tda_nn.store import StageCache, atomic_write_bytes, atomic_write_text, fingerprint


def test_fingerprint_sees_values_shapes_and_dtypes():
    a = np.arange(6.0)
    assert fingerprint(a, {"k": 1}) == fingerprint(a.copy(), {"k": 1})
    assert fingerprint(a) != fingerprint(a.reshape(2, 3))
    assert fingerprint(a) != fingerprint(a.astype(np.float32))
    b = a.copy()
    b[3] += 1e-12
    assert fingerprint(a) != fingerprint(b)
    assert fingerprint({"a": 1, "b": 2}) == fingerprint({"b": 2, "a": 1})
    assert fingerprint([1, 2]) != fingerprint([2, 1])


def test_fingerprint_is_the_same_in_another_process():
    code = "import numpy as np; from tda_nn.store import fingerprint; print(fingerprint(np.arange(5.0), {'x': [1, 'a']}))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == fingerprint(np.arange(5.0), {"x": [1, "a"]})


def test_stage_cache_round_trip(tmp_path):
    value = {"layers": ("a", "b"), "dgms": [np.array([[0.0, np.inf]]), np.zeros((0, 2))], "x": float("nan"),
             "n": np.int64(3)}
    cache = StageCache(tmp_path)
    assert cache.get("persistence", "k1") is None
    cache.put("persistence", "k1", value)
    again = StageCache(tmp_path)
    got = again.get("persistence", "k1")
    assert got["layers"] == ("a", "b") and got["n"] == 3 and np.isnan(got["x"])
    np.testing.assert_array_equal(got["dgms"][0], value["dgms"][0])
    assert got["dgms"][1].shape == (0, 2)
    assert again.reused == ["persistence"]
    assert again.get("persistence", "other-key") is None
    assert StageCache(tmp_path, enabled=False).get("persistence", "k1") is None


def test_a_damaged_cache_entry_is_recomputed_not_trusted(tmp_path):
    cache = StageCache(tmp_path)
    cache.put("s", "k", {"a": np.ones(3)})
    path = next((tmp_path / ".tda_nn_cache").iterdir())
    path.write_bytes(path.read_bytes()[:40])
    assert StageCache(tmp_path).get("s", "k") is None


def test_atomic_write_keeps_the_old_file_when_writing_fails(tmp_path, monkeypatch):
    target = tmp_path / "f.txt"
    atomic_write_text(target, "old")

    def boom(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", boom)
    with pytest.raises(OSError, match="No space"):
        atomic_write_bytes(target, b"new" * 1000)
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.txt"]  # no temporary file left behind

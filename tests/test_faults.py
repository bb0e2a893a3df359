"""Faults: damaged files, oversized inputs and repeatability.

What ``test_diagrams``/``test_activations`` already cover (a truncated archive,
junk bytes, a store without its manifest, a truncated layer file, a manifest that
is not JSON) is not repeated here. These are the damage that gets past the zip
layer: archives that open but hold the wrong thing, manifests that parse but
point at the wrong files, and a bit flipped in transit.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import circle

import tda_nn
from tda_nn import Activations, Diagrams
from tda_nn.diagnostics.layers import layer_profile
from tda_nn.homology import MemoryBudgetError


@pytest.fixture
def dgms():
    return tda_nn.persistence(circle(40, noise=0.05), maxdim=1)


@pytest.fixture
def acts(rng):
    return Activations({"a": rng.normal(size=(20, 5)).astype(np.float32), "b": rng.normal(size=(20, 3))},
                       targets=np.arange(20))


def _flip_byte(path: Path, where: float = 0.5) -> None:
    data = bytearray(path.read_bytes())
    data[int(len(data) * where)] ^= 0xFF
    path.write_bytes(bytes(data))


def _diagrams_archive(tmp_path: Path, dgms: Diagrams, **change) -> Path:
    """A Diagrams .npz rewritten with some of its members replaced."""
    with np.load(dgms.save(tmp_path / "ok.npz")) as z:
        members = dict(z)
    members.update(change)
    np.savez(tmp_path / "bad.npz", **members)
    return tmp_path / "bad.npz"


class TestDiagramsFile:
    def test_flipped_byte_fails_the_checksum(self, dgms, tmp_path):
        path = dgms.save(tmp_path / "d.npz")
        _flip_byte(path)
        with pytest.raises(ValueError, match=r"d\.npz' is not a readable tda_nn diagrams file \(BadZipFile"):
            Diagrams.load(path)

    @pytest.mark.parametrize(
        "change, why",
        [
            ({"H1": np.array([[2.0, 1.0]])}, r"death < birth"),
            ({"H1": np.array([[np.nan, 1.0]])}, r"H1"),
            ({"H1": np.zeros(5)}, r"shape \(k, 2\)"),
            ({"H1": np.array(["a", "b"])}, r"must hold numbers"),
            ({"__meta__": np.array("[1, 2]")}, r"unknown format 'list'"),
            ({"__meta__": np.array("{not json")}, r"JSONDecodeError"),
            ({"__meta__": np.array(json.dumps({"format": "tda_nn.Diagrams/1", "maxdim": None}))}, r"maxdim"),
            ({"__meta__": np.array(json.dumps({"format": "tda_nn.Diagrams/1", "maxdim": 3}))}, r"H2"),
            ({"__meta__": np.array(json.dumps({"format": "tda_nn.Diagrams/1", "maxdim": 1, "meta": [1]}))},
             r"meta must be a dict"),
        ],
        ids=["death<birth", "nan-birth", "1-d bars", "strings", "meta-list", "meta-not-json", "maxdim-none",
             "missing-H2", "meta-field-list"],
    )
    def test_readable_archive_with_the_wrong_content(self, dgms, tmp_path, change, why):
        path = _diagrams_archive(tmp_path, dgms, **change)
        with pytest.raises(ValueError, match=rf"bad\.npz' is not a readable tda_nn diagrams file .*{why}"):
            Diagrams.load(path)

    def test_other_files(self, tmp_path):
        np.save(tmp_path / "a.npy", np.zeros((3, 2)))
        (tmp_path / "empty.npz").write_bytes(b"")
        with pytest.raises(ValueError, match="a single array, not an .npz archive"):
            Diagrams.load(tmp_path / "a.npy")
        with pytest.raises(ValueError, match=r"empty\.npz' is not a readable"):
            Diagrams.load(tmp_path / "empty.npz")
        with pytest.raises(ValueError, match="is a directory, not a regular file"):
            Diagrams.load(tmp_path)  # a directory: refused before anything opens it


def _edit_manifest(path: Path, edit) -> None:
    m = json.loads((path / "manifest.json").read_text())
    edit(m)
    (path / "manifest.json").write_text(json.dumps(m))


class TestActivationsStore:
    @pytest.mark.parametrize(
        "edit, why",
        [
            (lambda m: m["layers"][0].pop("file"), "malformed layer entry"),
            (lambda m: m.__setitem__("layers", ["a"]), "malformed layer entry 'a'"),
            (lambda m: m["layers"][0].__setitem__("file", "../elsewhere/layer_000.npy"), "malformed layer entry"),
            (lambda m: m.__setitem__("targets", "/etc/passwd"), "malformed targets entry"),
            (lambda m: m.__setitem__("layers", []), "the manifest lists no layers"),
        ],
        ids=["no-file", "entry-not-a-dict", "outside-the-store", "targets-outside", "no-layers"],
    )
    def test_manifest_that_parses_but_is_wrong(self, acts, tmp_path, edit, why):
        path = acts.save(tmp_path / "s")
        _edit_manifest(path, edit)
        with pytest.raises(ValueError, match=rf"manifest.json' is not a valid tda_nn manifest \({why}"):
            Activations.load(path)

    def test_layer_files_that_disagree(self, acts, tmp_path):
        path = acts.save(tmp_path / "s")
        np.save(path / "layer_001.npy", np.zeros((19, 3)))
        _edit_manifest(path, lambda m: m["layers"][1].__setitem__("shape", [19, 3]))
        with pytest.raises(ValueError, match=r"store '.*s' is inconsistent \(all layers must hold the same number"):
            Activations.load(path)

    def test_damaged_npy_header_and_missing_targets(self, acts, tmp_path):
        path = acts.save(tmp_path / "s")
        f = path / "layer_000.npy"
        data = bytearray(f.read_bytes())
        data[10:20] = b"#" * 10  # inside the header's dict literal
        f.write_bytes(bytes(data))
        with pytest.raises(ValueError, match=r"layer_000\.npy' is missing, truncated or corrupt"):
            Activations.load(path)
        path = acts.save(tmp_path / "t")
        os.remove(path / "targets.npy")
        with pytest.raises(ValueError, match=r"targets\.npy' is missing, truncated or corrupt \(FileNotFoundError"):
            Activations.load(path)

    def test_npz_flipped_byte_and_plain_npy(self, acts, tmp_path):
        z = acts.save(tmp_path / "a.npz")
        _flip_byte(z)
        with pytest.raises(ValueError, match=r"a\.npz' is not a readable tda_nn activations file \(BadZipFile"):
            Activations.load(z)
        np.save(tmp_path / "x.npy", np.zeros(3))
        with pytest.raises(ValueError, match="a single array, not an .npz archive"):
            Activations.load(tmp_path / "x.npy")


class TestMemoryGuard:
    def test_refuses_a_huge_cloud_before_building_anything(self):
        X = np.zeros((1_000_000, 2))  # its distance matrix alone would be 7.3 TiB; giotto-ph's measured peak is larger
        tda_nn.persistence(circle(20))  # the engines imported, so that the clock below times the refusal alone
        t0 = time.perf_counter()
        with pytest.raises(MemoryBudgetError, match=r"41\.8 TiB for giotto-ph persistence up to H1 on 1000000 points"
                                                    r".*maxdim=0 computes it exactly.*n_landmarks"):
            tda_nn.persistence(X)
        assert time.perf_counter() - t0 < 5.0  # refused up front, not after an attempt
        with pytest.raises(MemoryError):  # catchable as either base class
            tda_nn.persistence(X, maxdim=1)

    def test_refusal_names_the_budget_and_passes_through_batches(self):
        X = circle(2000)
        with pytest.raises(MemoryBudgetError, match=r"175\.5 MiB .*max_memory=1\.0 MiB"):  # calibrated on measured peaks
            tda_nn.persistence(X, max_memory=2**20)
        with pytest.raises(MemoryBudgetError):
            tda_nn.persistence_batch([X[:10], X], max_memory=2**20)

    def test_landmarks_are_the_way_out(self):
        X = circle(2000, noise=0.01)
        dg = tda_nn.persistence(X, max_memory=4 * 2**20, n_landmarks=200)  # about 1.8 MiB on 200 landmarks
        assert dg.meta["n_landmarks"] == 200 and len(dg[1]) >= 1


class TestRepeatable:
    def test_maxmin_landmarks_follow_the_seed(self):
        X = np.random.default_rng(3).normal(size=(400, 6))
        a = tda_nn.persistence(X, n_landmarks=80, seed=5)
        assert a == tda_nn.persistence(X, n_landmarks=80, seed=5)
        assert a != tda_nn.persistence(X, n_landmarks=80, seed=6)  # the start point comes from the seed

    def test_layer_profile_with_bootstrap_and_landmarks(self):
        rng = np.random.default_rng(2)
        layers = {"circle": circle(150, noise=0.05), "blob": rng.normal(size=(150, 4))}
        kw = dict(n_bootstrap=8, n_landmarks=60, seed=11)
        a, b = layer_profile(layers, **kw), layer_profile(layers, **kw)
        assert a == b
        assert a.noise_level.tobytes() == b.noise_level.tobytes()
        assert layer_profile(layers, **{**kw, "seed": 12}).noise_level.tolist() != a.noise_level.tolist()

    def test_bit_for_bit_across_processes(self, tmp_path):
        """A fresh interpreter (new hash seed, new thread pools) gives the same bytes."""
        script = textwrap.dedent(
            """
            import sys, numpy as np, tda_nn
            from tda_nn.diagnostics.layers import layer_profile
            t = 2 * np.pi * np.arange(150) / 150
            C = np.c_[np.cos(t), np.sin(t)] + np.random.default_rng(0).normal(scale=0.05, size=(150, 2))
            X = np.random.default_rng(3).normal(size=(300, 5))
            d = tda_nn.persistence(X, n_landmarks=60, landmark_method="random", seed=7)
            p = layer_profile({"c": C, "x": X[:150]}, n_bootstrap=5, n_landmarks=50, seed=1)
            np.savez(sys.argv[1], *list(d), *[a for dg in p.diagrams for a in dg], p.noise_level)
            """
        )
        runs = []
        for i in range(2):
            out = tmp_path / f"run{i}.npz"
            env = {**os.environ, "PYTHONHASHSEED": str(i)}
            subprocess.run([sys.executable, "-c", script, str(out)], check=True, env=env, timeout=120)
            with np.load(out) as z:
                runs.append([z[k].tobytes() for k in sorted(z.files, key=lambda s: int(s.split("_")[1]))])
        assert runs[0] == runs[1]

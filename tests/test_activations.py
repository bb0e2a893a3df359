"""Activations: the mapping, its validation, and atomic .npz / directory stores."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tda_nn.activations import Activations, NpyWriter


@pytest.fixture
def acts(rng):
    return Activations(
        {
            "input": rng.normal(size=(20, 5)).astype(np.float32),
            "layer1.0": rng.normal(size=(20, 7, 3)).astype(np.float32),
            "fc": rng.normal(size=(20, 2)),
        },
        targets=np.arange(20) % 4,
        mask=rng.random((20, 7)) > 0.3,
        meta={"model": "Net", "reduce": "none", "threshold": np.inf},
    )


class TestMapping:
    def test_layers_order_and_shapes(self, acts):
        assert acts.layers == ("input", "layer1.0", "fc")
        assert list(acts) == list(acts.layers) and len(acts) == 3
        assert acts.n_samples == 20
        assert acts["layer1.0"].shape == (20, 7, 3) and acts["fc"].dtype == np.float64
        assert acts.meta["threshold"] == np.inf
        assert repr(acts) == "Activations(20 samples; 'input' (5,), 'layer1.0' (7, 3), 'fc' (2,), targets)"

    def test_unknown_layer_suggests(self, acts):
        with pytest.raises(KeyError, match=r"'layer1' was not captured.*Did you mean 'layer1.0'"):
            acts["layer1"]
        assert "layer1" not in acts and acts.get("layer1") is None

    def test_read_only_views_leave_caller_arrays_alone(self):
        a = np.zeros((3, 2))
        acts = Activations({"x": a})
        assert a.flags.writeable
        with pytest.raises(ValueError, match="read-only"):
            acts["x"][0, 0] = 1.0
        a[0, 0] = 5.0  # shared, not copied
        assert acts["x"][0, 0] == 5.0

    def test_subset(self, acts):
        sub = acts.subset(["fc", "input"])
        assert sub.layers == ("fc", "input")
        np.testing.assert_array_equal(sub.targets, acts.targets)

    @pytest.mark.parametrize(
        "arrays, kwargs, exc, match",
        [
            ({}, {}, ValueError, "at least one layer"),
            ([np.zeros((2, 2))], {}, TypeError, "dict of layer name"),
            ({"a": np.zeros((3, 2)), "b": np.zeros((4, 2))}, {}, ValueError, "'a' has 3, 'b' has 4"),
            ({"a": np.zeros((3, 2))}, {"targets": np.arange(4)}, ValueError, r"targets must have one row per sample \(3\)"),
            ({"a": np.float32(1.0)}, {}, ValueError, "samples axis"),
            ({1: np.zeros((3, 2))}, {}, TypeError, "layer names must be str"),
            ({"a": np.zeros((3, 2))}, {"meta": [1]}, TypeError, "meta must be a dict"),
        ],
    )
    def test_bad_input(self, arrays, kwargs, exc, match):
        with pytest.raises(exc, match=match):
            Activations(arrays, **kwargs)


class TestStores:
    @pytest.mark.parametrize("name", ["acts.npz", "acts_dir"])
    def test_round_trip(self, acts, tmp_path, name):
        path = acts.save(tmp_path / name)
        back = Activations.load(path)
        assert back == acts
        assert back.mask.dtype == bool and back.layers == acts.layers
        if name == "acts_dir":
            assert all(isinstance(back[k], np.memmap) and back[k].mode == "r" for k in back)
            assert sorted(p.name for p in path.iterdir()) == [
                "layer_000.npy", "layer_001.npy", "layer_002.npy", "manifest.json", "mask.npy", "targets.npy"
            ]  # fmt: skip

    def test_no_temp_files_left(self, acts, tmp_path):
        acts.save(tmp_path / "a.npz")
        acts.save(tmp_path / "d")
        assert sorted(p.name for p in tmp_path.iterdir()) == ["a.npz", "d"]
        assert not [p for p in (tmp_path / "d").iterdir() if p.suffix in (".part", ".tmp")]

    def test_store_without_manifest_is_refused(self, acts, tmp_path):
        path = acts.save(tmp_path / "d")
        (path / "manifest.json").unlink()  # as if the writer died before its last step
        with pytest.raises(ValueError, match=r"not a complete tda_nn activations store: it has no manifest.json"):
            Activations.load(path)

    def test_overwrite_invalidates_old_manifest_first(self, acts, tmp_path):
        from tda_nn.activations import begin_store

        path = acts.save(tmp_path / "d")
        begin_store(path)  # what a new capture into the same directory does before writing
        with pytest.raises(ValueError, match="no manifest.json"):
            Activations.load(path)

    def test_truncated_layer_file(self, acts, tmp_path):
        path = acts.save(tmp_path / "d")
        f = path / "layer_001.npy"
        f.write_bytes(f.read_bytes()[:-40])
        with pytest.raises(ValueError, match=r"layer_001.npy' is missing, truncated or corrupt"):
            Activations.load(path)

    def test_manifest_shape_mismatch(self, acts, tmp_path):
        path = acts.save(tmp_path / "d")
        np.save(path / "layer_000.npy", np.zeros((20, 4), np.float32))
        with pytest.raises(ValueError, match=r"holds shape \(20, 4\) float32, but the manifest says \(20, 5\)"):
            Activations.load(path)

    def test_corrupt_manifest_and_npz(self, acts, tmp_path):
        path = acts.save(tmp_path / "d")
        (path / "manifest.json").write_text("{not json")
        with pytest.raises(ValueError, match="not a valid tda_nn manifest"):
            Activations.load(path)
        (path / "manifest.json").write_text(json.dumps({"format": "other/1"}))
        with pytest.raises(ValueError, match="unknown format 'other/1'"):
            Activations.load(path)
        z = acts.save(tmp_path / "a.npz")
        z.write_bytes(z.read_bytes()[: z.stat().st_size // 2])
        with pytest.raises(ValueError, match=r"a.npz' is not a readable tda_nn activations file"):
            Activations.load(z)
        with pytest.raises(FileNotFoundError):
            Activations.load(tmp_path / "nothing.npz")

    def test_save_into_a_file_path_refused(self, acts, tmp_path):
        (tmp_path / "f").write_text("x")
        with pytest.raises(ValueError, match="exists and is not a directory"):
            acts.save(tmp_path / "f")


class TestNpyWriter:
    @pytest.mark.parametrize("row_shape, dtype", [((), np.float32), ((3,), np.float64), ((4, 5), np.float16)])
    def test_streamed_file_is_a_valid_npy(self, tmp_path, rng, row_shape, dtype):
        x = rng.normal(size=(23, *row_shape)).astype(dtype)
        w = NpyWriter(tmp_path / "a.npy", row_shape, dtype)
        for s in range(0, 23, 5):
            w.write(x[s : s + 5])
        path = w.finish()
        with open(path, "rb") as f:
            version = np.lib.format.read_magic(f)
            assert version == (1, 0)
            shape, fortran, dt = np.lib.format.read_array_header_1_0(f)
            assert f.tell() % 64 == 0  # data aligned like numpy's own files
        assert (shape, fortran, dt) == ((23, *row_shape), False, np.dtype(dtype))
        np.testing.assert_array_equal(np.load(path), x)
        np.testing.assert_array_equal(np.load(path, mmap_mode="r"), x)

    def test_abort_removes_partial_file(self, tmp_path):
        w = NpyWriter(tmp_path / "a.npy", (2,), np.float32)
        w.write(np.ones((3, 2), np.float32))
        w.abort()
        assert list(tmp_path.iterdir()) == []

"""Hostile and damaged files: loaders never read outside their directory, never allocate what
a header merely declares, and turn every malformed field into a ValueError naming file and field."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import threading
import time
import tracemalloc
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import tda_nn
from tda_nn import Activations, Diagrams, MemoryBudgetError
from tda_nn.nn.checkpoints import bundled_path, load_checkpoint
from tda_nn.report import Report
from tda_nn.validation import CheckpointError

torch = pytest.importorskip("torch")


def _npy_bytes(shape, dtype="<f8", payload=b"") -> bytes:
    """An .npy header declaring ``shape`` followed by ``payload`` (which may be far shorter)."""
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": dtype, "fortran_order": False, "shape": tuple(shape)})
    return buf.getvalue() + payload


def _zip(path: Path, members: dict[str, bytes], compression=zipfile.ZIP_STORED) -> Path:
    with zipfile.ZipFile(path, "w", compression=compression) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


@pytest.fixture
def report_dir(tmp_path):
    d = Diagrams([[[0.0, 1.0], [0.0, np.inf]], [[0.2, 0.5]]])
    rep = Report(title="t", layers=("a",), diagrams={"a": d}, table={"a": {"n": 3.0}},
                 matrices={"m": (("a",), np.zeros((1, 1)))})
    out = rep.save(tmp_path / "rep", figures=False)
    return out


def _edit_json(path: Path, change) -> None:
    body = json.loads(path.read_text())
    change(body)
    path.write_text(json.dumps(body))


# -- never outside the directory --------------------------------------------------------
class TestStayInside:
    def test_report_round_trip_still_loads(self, report_dir):
        rep = Report.load(report_dir)
        assert rep.layers == ("a",) and rep.diagrams["a"][1].tolist() == [[0.2, 0.5]]

    @pytest.mark.parametrize("where", ["../outside.npz", "/etc/passwd", "diagrams/../../outside.npz"])
    def test_report_diagram_paths_out_are_refused(self, report_dir, where):
        Diagrams([[[0.0, 9.0]]]).save(report_dir.parent / "outside.npz")  # a valid file out there
        _edit_json(report_dir / "report.json", lambda b: b["diagrams"].update(a=where))
        with pytest.raises(ValueError, match=r"report\.json.*diagrams\['a'\].*outside"):
            Report.load(report_dir)

    def test_report_symlink_out_is_refused(self, report_dir, tmp_path):
        outside = Diagrams([[[0.0, 9.0]]]).save(tmp_path / "secret.npz")
        link = report_dir / "diagrams" / "link.npz"
        link.symlink_to(outside)
        _edit_json(report_dir / "report.json", lambda b: b["diagrams"].update(a="diagrams/link.npz"))
        with pytest.raises(ValueError, match="symbolic link"):
            Report.load(report_dir)

    def test_activations_store_symlink_out_is_refused(self, tmp_path):
        store = Activations({"a": np.ones((4, 2))}).save(tmp_path / "store")
        secret = tmp_path / "secret.npy"
        np.save(secret, np.full((4, 2), 7.0))
        layer = next(store.glob("layer_*.npy"))
        layer.unlink()
        layer.symlink_to(secret)
        with pytest.raises(ValueError, match="symbolic link"):
            Activations.load(store)

    def test_bundled_path_stays_in_data(self):
        with pytest.raises(ValueError, match="outside"):
            bundled_path("../../../etc/passwd")
        assert bundled_path("digits_cnn.pt").exists()

    def test_missing_directory_is_named(self):
        with pytest.raises(FileNotFoundError, match="'/nonexistent_dir' does not exist"):
            Report.load("/nonexistent_dir")


# -- declared sizes checked before anything is decompressed ----------------------------------
class TestDeclaredSizes:
    def test_npz_declaring_billions_of_bars_is_refused_before_decompressing(self, tmp_path):
        meta = np.array(json.dumps({"format": "tda_nn.Diagrams/1", "maxdim": 0, "meta": {}}))
        buf = io.BytesIO()
        np.save(buf, meta)
        path = _zip(tmp_path / "bomb.npz", {"__meta__.npy": buf.getvalue(),
                                            "H0.npy": _npy_bytes((2**40, 2), payload=b"\0" * 64)})
        tracemalloc.start()
        t0 = time.perf_counter()
        with pytest.raises(MemoryBudgetError, match="bomb.npz"):
            Diagrams.load(path)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert peak < 16 * 2**20 and time.perf_counter() - t0 < 2.0

    def test_compressed_zeros_declaring_more_than_the_budget_are_refused(self, tmp_path):
        # 64 MiB of zeros deflate to ~64 KiB; with a 1 MiB budget the header alone refuses it
        from tda_nn._files import check_npz

        path = _zip(tmp_path / "z.npz", {"H0.npy": _npy_bytes((2**22, 2), payload=b"\0" * (2**22 * 16))},
                    compression=zipfile.ZIP_DEFLATED)
        assert path.stat().st_size < 2**20
        with pytest.raises(MemoryBudgetError, match="z.npz"):
            check_npz(path, max_memory="1MiB")

    @pytest.mark.parametrize("kind", ["diagrams", "activations"])
    def test_huge_metadata_string_is_refused(self, tmp_path, kind):
        key = "__meta__" if kind == "diagrams" else "__manifest__"
        # a unicode scalar of 100M characters (400 MB) declared in 1 KB of header + payload
        path = _zip(tmp_path / "meta.npz", {f"{key}.npy": _npy_bytes((), dtype="<U100000000", payload=b"{}")})
        load = Diagrams.load if kind == "diagrams" else Activations.load
        with pytest.raises(ValueError, match=rf"{key}.*above"):
            load(path)

    def test_npy_declaring_more_than_the_file_holds_is_refused(self, tmp_path):
        store = Activations({"a": np.ones((4, 2))}).save(tmp_path / "store")
        layer = next(store.glob("layer_*.npy"))
        manifest = json.loads((store / "manifest.json").read_text())
        manifest["layers"][0]["shape"] = [10**12, 2]
        (store / "manifest.json").write_text(json.dumps(manifest))
        layer.write_bytes(_npy_bytes((10**12, 2), payload=b"\0" * 64))
        with pytest.raises(ValueError, match="truncated"):
            Activations.load(store)

    def test_pt_declaring_huge_storages_is_refused_before_torch_load(self, tmp_path):
        torch.save({"w": torch.zeros(1000, 1000)}, tmp_path / "ok.pt")
        with zipfile.ZipFile(tmp_path / "ok.pt") as z:
            items = {i.filename: z.read(i) for i in z.infolist()}
        key = next(k for k in items if "/data/" in k)
        items[key] = b"\0" * 16  # 16 bytes where the pickle declares 4 MB
        bad = _zip(tmp_path / "bad.pt", items)
        with pytest.raises(CheckpointError, match="declares a FloatStorage of 1000000 elements"):
            load_checkpoint(bad)


# -- malformed content -----------------------------------------------------------------
class TestMalformed:
    def test_deeply_nested_manifest_is_a_value_error(self, tmp_path):
        store = Activations({"a": np.ones((4, 2))}).save(tmp_path / "store")
        (store / "manifest.json").write_text("[" * 100_000 + "]" * 100_000)
        with pytest.raises(ValueError, match="manifest"):
            Activations.load(store)

    def test_deeply_nested_report_is_a_value_error(self, report_dir):
        (report_dir / "report.json").write_text("[" * 100_000 + "]" * 100_000)
        with pytest.raises(ValueError, match="report.json"):
            Report.load(report_dir)

    @pytest.mark.parametrize("field, value, says", [
        ("title", 3, "'title' must be string"),
        ("layers", "a", "'layers' must be list"),
        ("layers", [1], "'layers' must list strings"),
        ("table", [], "'table' must be object"),
        ("matrices", {"m": {"labels": ["a", "b"], "values": [[0.0]]}}, r"'matrices'\['m'\]\['values'\] has shape \(1, 1\), but its 2 labels"),
        ("matrices", {"m": {"labels": ["a"], "values": [["x"]]}}, "matrix of numbers"),
        ("notes", "n", "'notes' must be list or null"),
        ("diagrams", {"a": 3}, r"diagrams\['a'\]"),
    ])
    def test_wrong_types_name_the_file_and_field(self, report_dir, field, value, says):
        _edit_json(report_dir / "report.json", lambda b: b.update({field: value}))
        with pytest.raises(ValueError, match=r"report\.json") as info:
            Report.load(report_dir)
        assert re.search(says, str(info.value)), str(info.value)


# -- checkpoints: TorchScript and code/ archives -----------------------------------------------
class TestCheckpoints:
    def _model(self):
        return torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))

    def test_genuine_torchscript_is_refused_up_front(self, tmp_path):
        path = tmp_path / "ts.pt"
        torch.jit.save(torch.jit.script(self._model()), str(path))
        with pytest.raises(CheckpointError, match="TorchScript archive.*forward hooks"):
            load_checkpoint(path)

    def test_pickle_zip_with_code_is_a_checkpoint_error(self, tmp_path):
        path = tmp_path / "sd.pt"
        torch.save(self._model().state_dict(), path)
        with zipfile.ZipFile(path, "a") as z:
            top = z.namelist()[0].split("/")[0]
            z.writestr(f"{top}/code/evil.py", "raise SystemExit")
        with pytest.raises(CheckpointError, match="torch.save never writes"):
            load_checkpoint(path)

    def test_cli_exits_2_on_torchscript(self, tmp_path, capsys):
        from tda_nn.cli import main

        path = tmp_path / "ts.pt"
        torch.jit.save(torch.jit.script(self._model()), str(path))
        rc = main(["analyze", "--model", "tda_nn.nn.zoo:digits_cnn", "--checkpoint", str(path), "--data", "digits",
                   "--out", str(tmp_path / "out"), "--no-progress"])
        assert rc == 2
        assert "TorchScript" in capsys.readouterr().err

    def test_load_checkpoint_none_names_path(self):
        with pytest.raises(TypeError, match="path must be a file path"):
            load_checkpoint(None)


# -- concurrency -------------------------------------------------------------------------
def test_two_threads_capturing_one_model_never_mix_rows():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 32), torch.nn.ReLU(), torch.nn.Linear(32, 16))
    model.train()
    data = {"a": torch.randn(120, 3), "b": 100 + torch.randn(90, 3)}
    with torch.no_grad():
        model.eval()
        want = {k: model(v).numpy() for k, v in data.items()}
        model.train()
    for _trial in range(5):
        got, errors = {}, []
        barrier = threading.Barrier(2)

        def run(key, got=got, errors=errors, barrier=barrier):
            try:
                barrier.wait()
                got[key] = tda_nn.capture(model, data[key], layers=["2"], batch_size=3, progress=False)["2"]
            except Exception as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=run, args=(k,)) for k in data]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        for key in data:
            assert got[key].shape == want[key].shape
            np.testing.assert_allclose(got[key], want[key], rtol=1e-5, atol=1e-4)
        assert model.training  # the mode both captures changed is restored once both are done
    assert not model._forward_hooks and not model._forward_pre_hooks
    assert all(not m._forward_hooks for m in model.modules())


def test_a_copied_store_still_loads(tmp_path):
    """The inside() check resolves links but accepts a store moved or copied as a whole."""
    store = Activations({"a": np.arange(8.0).reshape(4, 2)}).save(tmp_path / "s1")
    shutil.copytree(store, tmp_path / "s2")
    assert Activations.load(tmp_path / "s2")["a"].tolist() == np.arange(8.0).reshape(4, 2).tolist()


# -- issue 26: regular files only, never blocking ------------------------------------------
def _fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def _run_with_deadline(call, fifo: Path, seconds: float = 5.0):
    """Run ``call`` in a thread; if it is still blocked after ``seconds``, unblock it and fail."""
    out: dict[str, Any] = {}

    def run():
        try:
            call()
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread
            out["exc"] = exc

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(seconds)
    if t.is_alive():  # a writer opening the pipe releases the blocked reader
        fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        os.close(fd)
        t.join(5)
        pytest.fail(f"the loader blocked on the named pipe {fifo}")
    return out.get("exc")


def _loaders(tmp_path: Path) -> list[tuple[str, Any, Path]]:
    from tda_nn._files import read_json
    from tda_nn.diagnostics.trace import TrainingTrace
    from tda_nn.nn.checkpoints import load_tensors

    store = tmp_path / "store"
    store.mkdir()
    _fifo(store / "manifest.json")
    store2 = Activations({"a": np.zeros((3, 2))}).save(tmp_path / "store2")
    (npy,) = [p for p in store2.iterdir() if p.suffix == ".npy"]  # the layer's file, named by the manifest
    npy.unlink()
    _fifo(npy)
    rep = tmp_path / "rep"
    rep.mkdir()
    _fifo(rep / "report.json")
    trace = tmp_path / "trace"
    trace.mkdir()
    _fifo(trace / "trace.json")
    f = {name: _fifo(tmp_path / name) for name in ("d.npz", "a.npz", "c.pt", "t.pt", "j.json", "s.safetensors")}
    return [
        ("Diagrams.load", lambda: Diagrams.load(f["d.npz"]), f["d.npz"]),
        ("Activations.load npz", lambda: Activations.load(f["a.npz"]), f["a.npz"]),
        ("Activations.load manifest", lambda: Activations.load(store), store / "manifest.json"),
        ("Activations.load layer file", lambda: Activations.load(store2), npy),
        ("Report.load", lambda: Report.load(rep), rep / "report.json"),
        ("TrainingTrace.load", lambda: TrainingTrace.load(trace), trace / "trace.json"),
        ("load_checkpoint", lambda: load_checkpoint(f["c.pt"]), f["c.pt"]),
        ("load_checkpoint safetensors", lambda: load_checkpoint(f["s.safetensors"]), f["s.safetensors"]),
        ("load_tensors", lambda: load_tensors(f["t.pt"]), f["t.pt"]),
        ("read_json", lambda: read_json(f["j.json"]), f["j.json"]),
    ]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_every_loader_refuses_a_named_pipe_at_once(tmp_path):
    for name, call, fifo in _loaders(tmp_path):
        start = time.perf_counter()
        exc = _run_with_deadline(call, fifo)
        assert time.perf_counter() - start < 2.0, name
        assert isinstance(exc, ValueError), f"{name}: {exc!r}"
        assert "named pipe" in str(exc) and str(fifo.name) in str(exc), f"{name}: {exc}"


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_a_device_is_refused_by_name():
    from tda_nn._files import open_regular

    with pytest.raises(ValueError, match="character device"):
        Diagrams.load("/dev/zero")  # would never end
    with pytest.raises(ValueError, match="character device"):
        open_regular("/dev/null")


def test_a_socket_is_refused_by_name(tmp_path):
    import socket

    if not hasattr(socket, "AF_UNIX"):
        pytest.skip("unix sockets")
    path = tmp_path / "s.npz"
    with socket.socket(socket.AF_UNIX) as s:
        try:
            s.bind(str(path))
        except OSError:
            pytest.skip("cannot bind a unix socket here")
        with pytest.raises(ValueError, match="socket"):
            Activations.load(path)


def test_open_regular_reads_a_regular_file_in_blocking_mode(tmp_path):
    from tda_nn._files import open_regular

    (tmp_path / "x.bin").write_bytes(b"abc" * 1000)
    with open_regular(tmp_path / "x.bin") as f:
        assert os.get_blocking(f.fileno()) and f.read() == b"abc" * 1000
    with pytest.raises(FileNotFoundError, match="does not exist"):
        open_regular(tmp_path / "missing.bin")


# -- issue 26: files a shared machine can read, folders replaced as a whole ------------------
_SAVE_LOOP = """
import sys, numpy as np
from tda_nn import Diagrams
from tda_nn.report import Report
d = Diagrams([[[0.0, 1.0], [0.0, np.inf]], [[0.2, 0.5]]])
reps = [Report(title="A", layers=("a",), diagrams={"a": d}, table={"a": {"n": 3.0}}),
        Report(title="B", layers=("b", "c"), diagrams={"b": d, "c": d}, table={"b": {"n": 1.0}, "c": {"n": 2.0}})]
i = 0
while True:
    reps[i % 2].save(sys.argv[1], figures=i % 3 != 2)
    print("saved", i, flush=True)
    i += 1
"""


def _one_save(out: Path) -> None:
    """The folder holds exactly the files of one save: report.json, its html, its figures, its diagrams."""
    body = json.loads((out / "report.json").read_text())
    rep = Report.load(out)
    assert f"<title>{rep.title}</title>" in (out / "report.html").read_text()
    pngs = sorted(p.name for p in out.glob("*.png"))
    assert pngs == sorted(body["figures"]), (pngs, body["figures"])
    gens = {Path(rel).parent.name for rel in body["diagrams"].values()}
    assert len(gens) == 1 and sorted(p.name for p in (out / "diagrams").iterdir()) == sorted(gens)
    assert (out / "mine.txt").read_text() == "keep me" and (out / ".tda_nn_cache" / "x.npz").exists()


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL")
def test_a_report_save_killed_at_any_moment_leaves_one_whole_save(tmp_path):
    import random
    import signal
    import subprocess
    import sys

    out = tmp_path / "rep"
    out.mkdir()
    (out / "mine.txt").write_text("keep me")  # the user's own file and a stage cache live beside the report
    (out / ".tda_nn_cache").mkdir()
    (out / ".tda_nn_cache" / "x.npz").write_bytes(b"cache")
    env = {**os.environ, "PYTHONPATH": str(Path(tda_nn.__file__).parents[1])}
    rng = random.Random(26)
    seen = set()
    for _kill in range(4):
        proc = subprocess.Popen([sys.executable, "-c", _SAVE_LOOP, str(out)], stdout=subprocess.PIPE, text=True,
                                env=env)
        try:
            assert proc.stdout.readline().startswith("saved")  # at least one whole save, then kill mid-way
            time.sleep(rng.uniform(0.0, 0.9))
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
            proc.stdout.close()
        _one_save(out)
        seen.add(Report.load(out).title)
    # the next save cleans what killed saves left beside the folder, and keeps what is not the report's
    Report(title="C", layers=("a",), diagrams={"a": Diagrams([[[0.0, 1.0]]])}).save(out, figures=False)
    _one_save(out)
    assert [p.name for p in tmp_path.iterdir()] == ["rep"], list(tmp_path.iterdir())
    assert not list(out.glob("*.png"))  # the figures of the older saves went with them


def test_saved_files_follow_the_umask(tmp_path):
    from tda_nn.store import atomic_write_bytes

    old = os.umask(0o027)
    try:
        atomic_write_bytes(tmp_path / "a.bin", b"x")
        out = Report(title="t", layers=("a",), diagrams={"a": Diagrams([[[0.0, 1.0]]])}).save(tmp_path / "r")
        d = Diagrams([[[0.0, 1.0]]]).save(tmp_path / "d.npz")
    finally:
        os.umask(old)
    mode = lambda p: p.stat().st_mode & 0o777  # noqa: E731
    assert mode(tmp_path / "a.bin") == 0o640 and mode(d) == 0o640
    assert mode(out) == 0o750
    files = [p for p in out.rglob("*") if p.is_file()]
    assert files and all(mode(p) == 0o640 for p in files), {p.name: oct(mode(p)) for p in files}
    assert all(mode(p) == 0o750 for p in out.rglob("*") if p.is_dir())


# -- issue 26: capture never changes the mode a training thread sees ------------------------
class _Spy(torch.nn.Module):
    """Records the training flag that every forward pass of the training thread sees."""

    def __init__(self):
        super().__init__()
        self.seen: list[bool] = []
        self.trainer = None

    def forward(self, x):
        if threading.get_ident() == self.trainer:
            self.seen.append(self.training)
            time.sleep(0.002)  # a forward pass long enough for a capture to start inside it
        return x


def test_a_capture_beside_a_training_thread_never_changes_its_mode():
    torch.manual_seed(0)
    spy = _Spy()
    model = torch.nn.Sequential(torch.nn.Linear(4, 16), spy, torch.nn.Dropout(0.5), torch.nn.BatchNorm1d(16),
                                torch.nn.Linear(16, 2))
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=1e-3)
    X = torch.randn(64, 4)
    stop = threading.Event()
    errors: list[BaseException] = []

    def train():
        spy.trainer = threading.get_ident()
        try:
            while not stop.is_set():
                opt.zero_grad()
                model(X).pow(2).mean().backward()
                opt.step()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    t = threading.Thread(target=train, daemon=True)
    t.start()
    try:
        while len(spy.seen) < 5:
            time.sleep(0.001)
        for _ in range(10):
            acts = tda_nn.capture(model, X, layers=["0", "2"], batch_size=16, progress=False)
            # the capture itself ran in eval mode: dropout is the identity, so layer 2 equals layer 0
            np.testing.assert_array_equal(acts["2"], acts["0"])
            assert model.training
    finally:
        stop.set()
        t.join(10)
    assert not errors
    assert len(spy.seen) > 5 and all(spy.seen), f"{spy.seen.count(False)} training steps ran in eval mode"
    from tda_nn.nn import hooks

    assert not hooks._GUARD and not hooks._ACTIVE  # nothing left behind


def test_capture_eval_mode_false_leaves_the_flags_alone():
    model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Dropout(0.5))
    model.train()
    torch.manual_seed(0)
    a = tda_nn.capture(model, torch.ones(32, 4), layers=["1"], progress=False, eval_mode=False)["1"]
    assert model.training and (a == 0).any()  # dropout was active: the caller's train mode was kept
    with pytest.raises(TypeError, match="eval_mode"):
        tda_nn.capture(model, torch.ones(4, 4), layers=["1"], progress=False, eval_mode="no")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_hugging_face_directory_with_a_named_pipe_is_refused(tmp_path):
    from tda_nn.nn.hf import load_pretrained

    (tmp_path / "config.json").write_text("{}")
    fifo = _fifo(tmp_path / "model.safetensors")
    exc = _run_with_deadline(lambda: load_pretrained(tmp_path), fifo)
    assert isinstance(exc, CheckpointError) and "named pipe" in str(exc), exc

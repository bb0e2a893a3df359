"""Checkpoints load without running code; mismatches say which keys."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from tda_nn.nn.checkpoints import CheckpointError, load_checkpoint, load_factory, load_model  # noqa: E402
from tda_nn.nn.zoo import digits_cnn, load_digits_cnn  # noqa: E402

RAN = []


def _mark(what):
    RAN.append(what)


class _Exploit:
    """Unpickling this calls _mark: the code a malicious checkpoint would run."""

    def __reduce__(self):
        return (_mark, ("code ran",))


def test_state_dict_round_trip(tmp_path):
    model = digits_cnn()
    torch.save(model.state_dict(), tmp_path / "m.pt")
    back = load_model("tda_nn.nn.zoo:digits_cnn", tmp_path / "m.pt")
    for k, v in model.state_dict().items():
        assert torch.equal(back.state_dict()[k], v)
    assert not back.training


def test_nested_and_safetensors_and_torchscript(tmp_path):
    model = digits_cnn()
    torch.save({"state_dict": model.state_dict(), "epoch": 3}, tmp_path / "nested.pt")
    assert set(load_checkpoint(tmp_path / "nested.pt")) == set(model.state_dict())
    from safetensors.torch import save_file

    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(tmp_path / "m.safetensors"))
    assert set(load_checkpoint(tmp_path / "m.safetensors")) == set(model.state_dict())
    torch.jit.script(model).save(str(tmp_path / "scripted.pt"))
    # refused up front: capture works through forward hooks, which ScriptModules do not support
    with pytest.raises(CheckpointError, match="TorchScript archive.*forward hooks"):
        load_model(None, tmp_path / "scripted.pt")


def test_pickled_code_is_refused_and_does_not_run(tmp_path):
    path = tmp_path / "evil.pt"
    torch.save({"weights": _Exploit()}, path)
    with pytest.raises(CheckpointError, match="trust-checkpoint"):
        load_checkpoint(path)
    assert RAN == []
    load_checkpoint(path, trust=True)  # the user said they trust it
    assert RAN == ["code ran"]


def test_mismatched_state_dict_names_the_keys(tmp_path):
    state = digits_cnn().state_dict()
    state["extra.weight"] = torch.zeros(1)
    del state["fc2.bias"]
    torch.save(state, tmp_path / "bad.pt")
    with pytest.raises(CheckpointError, match=r"missing keys \['fc2.bias'\].*unexpected keys \['extra.weight'\]"):
        load_model("tda_nn.nn.zoo:digits_cnn", tmp_path / "bad.pt")
    torch.save(digits_cnn(width=4).state_dict(), tmp_path / "narrow.pt")
    with pytest.raises(CheckpointError, match="has shape"):
        load_model("tda_nn.nn.zoo:digits_cnn", tmp_path / "narrow.pt")


def test_factory_errors_and_missing_files(tmp_path):
    with pytest.raises(CheckpointError, match="package.module:factory"):
        load_factory("tda_nn.nn.zoo.digits_cnn")
    with pytest.raises(CheckpointError, match="cannot import module"):
        load_factory("no_such_pkg.mod:f")
    with pytest.raises(CheckpointError, match="Did you mean 'digits_cnn'"):
        load_factory("tda_nn.nn.zoo:digit_cnn")
    with pytest.raises(CheckpointError, match="does not exist"):
        load_checkpoint(tmp_path / "missing.pt")


def test_bundled_checkpoint_is_a_trained_model():
    import numpy as np
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    model = load_digits_cnn()
    with torch.no_grad():
        pred = model(torch.tensor((X / 16.0).reshape(-1, 1, 8, 8), dtype=torch.float32)).argmax(1).numpy()
    assert np.mean(pred == y) > 0.9

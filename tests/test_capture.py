"""capture / ActivationRecorder / list_layers against hand-written forward hooks."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
nn = torch.nn

from tda_nn.activations import Activations  # noqa: E402
from tda_nn.nn.capturing import ActivationRecorder, capture, list_layers  # noqa: E402
from tda_nn.nn.hooks import Hooks, resolve_layers  # noqa: E402


def hand_hooks(model, names, fn, *batches, kwargs=False):
    """What a user would write by hand: hook, run, remove."""
    mods = dict(model.named_modules())
    got = {n: [] for n in names}
    handles = [mods[n].register_forward_hook(lambda m, i, o, n=n: got[n].append(fn(o))) for n in names]
    was = model.training
    model.eval()
    try:
        with torch.no_grad():
            for b in batches:
                model(**b) if kwargs else model(b)
    finally:
        for h in handles:
            h.remove()
        model.train(was)
    return {n: torch.cat(v).numpy() for n, v in got.items()}


def no_hooks_left(model):
    return all(
        not m._forward_hooks and not m._forward_pre_hooks and not m._forward_hooks_with_kwargs
        for m in model.modules()
    )


@pytest.fixture
def bert():
    transformers = pytest.importorskip("transformers")
    torch.manual_seed(0)
    cfg = transformers.BertConfig(
        vocab_size=50, hidden_size=16, num_hidden_layers=2, num_attention_heads=2, intermediate_size=32
    )
    return transformers.BertModel(cfg)


@pytest.fixture
def tokens():
    g = torch.Generator().manual_seed(1)
    ids = torch.randint(1, 50, (10, 7), generator=g)
    mask = torch.ones(10, 7, dtype=torch.long)
    for i, length in enumerate([7, 3, 5, 7, 1, 6, 2, 7, 4, 5]):
        mask[i, length:] = 0
    return {"input_ids": ids, "attention_mask": mask}


class TestAgainstHandHooks:
    def test_mlp_by_name_glob_and_type(self, small_mlp):
        X = torch.randn(50, 8, generator=torch.Generator().manual_seed(0))
        ref = hand_hooks(small_mlp, ["0", "1", "2", "3", "4"], lambda o: o, X)
        by_name = capture(small_mlp, X, layers=["2", "0"], batch_size=16, progress=False)
        assert by_name.layers == ("0", "2")  # the model's module order
        by_type = capture(small_mlp, X, layers=nn.ReLU, progress=False)
        assert by_type.layers == ("1", "3")
        by_glob = capture(small_mlp, X, layers="[24]", progress=False)
        assert by_glob.layers == ("2", "4")
        for acts in (by_name, by_type, by_glob):
            for name in acts.layers:
                assert acts[name].dtype == np.float32
                np.testing.assert_allclose(acts[name], ref[name], rtol=1e-6, atol=1e-6)

    def test_cnn_spatial_mean_max_flatten_none(self, small_cnn):
        X = torch.randn(12, 1, 8, 8, generator=torch.Generator().manual_seed(0))
        ref = hand_hooks(small_cnn, ["0", "3"], lambda o: o, X)
        mean = capture(small_cnn, X, layers=nn.Conv2d, reduce="mean", progress=False)
        mx = capture(small_cnn, X, layers=nn.Conv2d, reduce="max", progress=False)
        flat = capture(small_cnn, X, layers=nn.Conv2d, reduce="flatten", progress=False)
        none = capture(small_cnn, X, layers=nn.Conv2d, reduce="none", batch_size=5, progress=False)
        for name in ("0", "3"):
            r = ref[name]
            np.testing.assert_allclose(mean[name], r.mean(axis=(2, 3)), rtol=1e-5, atol=1e-6)
            np.testing.assert_allclose(mx[name], r.max(axis=(2, 3)), rtol=1e-6)
            np.testing.assert_allclose(flat[name], r.reshape(len(r), -1), rtol=1e-6)
            # spatial positions as points, channels last: (n, H*W, C)
            n, c, h, w = r.shape
            assert none[name].shape == (n, h * w, c)
            np.testing.assert_allclose(none[name][:, 2 * w + 3], r[:, :, 2, 3], rtol=1e-6)
            np.testing.assert_allclose(none[name], r.reshape(n, c, h * w).transpose(0, 2, 1), rtol=1e-6)

    def test_bert_blocks_match_hand_hooks(self, bert, tokens):
        ref = hand_hooks(bert, ["encoder.layer.0", "encoder.layer.1"], lambda o: o[0] if isinstance(o, tuple) else o,
                         tokens, kwargs=True)  # fmt: skip
        acts = capture(bert, tokens, layers="encoder.layer.*", reduce="none", batch_size=4, progress=False)
        assert acts.layers == ("encoder.layer.0", "encoder.layer.1")
        for name in acts.layers:
            assert acts[name].shape == (10, 7, 16)  # (n, T, D) kept
            np.testing.assert_allclose(acts[name], ref[name], rtol=1e-5, atol=1e-6)
        np.testing.assert_array_equal(acts.mask, tokens["attention_mask"].numpy().astype(bool))
        by_type = capture(bert, tokens, layers=type(bert.encoder.layer[0]), reduce="first", progress=False)
        np.testing.assert_allclose(by_type["encoder.layer.1"], ref["encoder.layer.1"][:, 0], rtol=1e-5, atol=1e-6)

    def test_masked_token_mean_and_max_by_hand(self, bert, tokens):
        ref = hand_hooks(bert, ["encoder.layer.1"], lambda o: o[0] if isinstance(o, tuple) else o, tokens, kwargs=True)
        h = ref["encoder.layer.1"]
        m = tokens["attention_mask"].numpy().astype(bool)
        expected_mean = np.stack([h[i][m[i]].mean(axis=0) for i in range(len(h))])
        expected_max = np.stack([h[i][m[i]].max(axis=0) for i in range(len(h))])
        mean = capture(bert, tokens, layers="encoder.layer.1", reduce="mean", batch_size=3, progress=False)
        mx = capture(bert, tokens, layers="encoder.layer.1", reduce="max", batch_size=3, progress=False)
        np.testing.assert_allclose(mean["encoder.layer.1"], expected_mean, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(mx["encoder.layer.1"], expected_max, rtol=1e-6)
        # padding really matters here: the unmasked mean differs
        assert not np.allclose(mean["encoder.layer.1"], h.mean(axis=1), atol=1e-3)

    def test_bert_input_is_token_embedding(self, bert, tokens):
        acts = capture(bert, tokens, layers="input", reduce="none", progress=False)
        expected = bert.get_input_embeddings().weight.detach().numpy()[tokens["input_ids"].numpy()]
        np.testing.assert_allclose(acts["input"], expected, rtol=1e-6)

    def test_model_output_dict_and_select(self, bert, tokens):
        ref = hand_hooks(bert, ["encoder"], lambda o: o.last_hidden_state, tokens, kwargs=True)["encoder"]
        acts = capture(bert, tokens, layers="encoder", reduce="cls", progress=False)  # a ModelOutput
        np.testing.assert_allclose(acts["encoder"], ref[:, 0], rtol=1e-5, atol=1e-6)
        pooled = capture(bert, tokens, layers="pooler.dense", select=lambda o: o * 2, progress=False)
        ref2 = hand_hooks(bert, ["pooler.dense"], lambda o: o, tokens, kwargs=True)["pooler.dense"]
        np.testing.assert_allclose(pooled["pooler.dense"], 2 * ref2, rtol=1e-5, atol=1e-6)


class TupleOut(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.GRU(3, 5, batch_first=True)
        self.head = nn.Linear(5, 2)

    def forward(self, x):
        out, h = self.rnn(x)
        return self.head(out[:, -1])


class TestOutputsAndData:
    def test_tuple_output_first_tensor_and_index(self):
        torch.manual_seed(0)
        model = TupleOut()
        X = torch.randn(9, 4, 3)
        ref = hand_hooks(model, ["rnn"], lambda o: o[1][0], X)["rnn"]  # final hidden (1, B, 5) -> (B, 5)
        out0 = capture(model, X, layers="rnn", reduce="none", progress=False)
        assert out0["rnn"].shape == (9, 4, 5)
        with pytest.raises(ValueError, match="first axis is not the batch"):
            capture(model, X, layers="rnn", output_index=1, progress=False)
        last = capture(model, X, layers="rnn", select=lambda o: o[1][0], progress=False)
        np.testing.assert_allclose(last["rnn"], ref, rtol=1e-6)

    def test_max_samples_exact_from_batches_of_ten(self, small_mlp):
        X = torch.randn(100, 8)
        y = torch.arange(100)
        loader = [(X[i : i + 10], y[i : i + 10]) for i in range(0, 100, 10)]
        acts = capture(small_mlp, loader, layers="0", max_samples=37, progress=False)
        assert acts.n_samples == 37 and acts["0"].shape == (37, 16)
        np.testing.assert_array_equal(acts.targets, np.arange(37))
        np.testing.assert_allclose(acts["0"], small_mlp[0](X[:37]).detach().numpy(), rtol=1e-6, atol=1e-6)

    def test_dataloader_numpy_and_xy_tuple(self, small_mlp):
        X = np.random.default_rng(0).normal(size=(30, 8))  # float64: cast to the model's float32
        y = np.arange(30) % 3
        ds = torch.utils.data.TensorDataset(torch.from_numpy(X).float(), torch.from_numpy(y))
        a = capture(small_mlp, torch.utils.data.DataLoader(ds, batch_size=7), layers="4", progress=False)
        b = capture(small_mlp, (X, y), layers="4", batch_size=4, progress=False)
        c = capture(small_mlp, ds, layers="4", batch_size=8, progress=False)  # a Dataset is batched for you
        for acts in (b, c):
            np.testing.assert_allclose(acts["4"], a["4"], rtol=1e-6)
            np.testing.assert_array_equal(acts.targets, y)
        np.testing.assert_array_equal(a.targets, y)

    def test_dict_batches_labels_are_targets(self, bert, tokens):
        batches = [{**{k: v[i : i + 4] for k, v in tokens.items()}, "labels": torch.arange(i, min(i + 4, 10))}
                   for i in range(0, 10, 4)]  # fmt: skip
        acts = capture(bert, batches, layers="pooler", progress=False)
        np.testing.assert_array_equal(acts.targets, np.arange(10))

    def test_default_layers_say_which(self, small_cnn, bert, tokens):
        with pytest.warns(UserWarning, match="layers=None: capturing 'input', '0', '3', '7'"):
            acts = capture(small_cnn, torch.randn(4, 1, 8, 8), progress=False)
        assert acts.layers == ("input", "0", "3", "7")
        with pytest.warns(UserWarning, match="encoder.layer.0"):
            acts = capture(bert, tokens, progress=False)
        assert acts.layers == ("input", "encoder.layer.0", "encoder.layer.1")

    def test_list_layers(self, small_cnn):
        rows = list_layers(small_cnn, torch.zeros(2, 1, 8, 8))
        table = {r.name: (r.type, r.output_shape, r.size) for r in rows}
        assert table["input"] == ("input", (2, 1, 8, 8), 64)
        assert table["0"] == ("Conv2d", (2, 4, 8, 8), 256)
        assert table["7"] == ("Linear", (2, 10), 10)
        assert "Conv2d" in repr(rows)
        assert [r.output_shape for r in list_layers(small_cnn)] == [None] * 8

    def test_recorder_in_a_training_loop(self, small_mlp):
        small_mlp.train()
        opt = torch.optim.SGD(small_mlp.parameters(), lr=0.1)
        X = torch.randn(20, 8, generator=torch.Generator().manual_seed(0))
        expected = []
        with ActivationRecorder(small_mlp, layers=["2"], max_samples=30) as rec:
            for i in range(0, 40, 10):
                xb = X[i % 20 : i % 20 + 10]
                with torch.no_grad():  # by hand, without calling the hooked modules
                    h = torch.relu(xb @ small_mlp[0].weight.T + small_mlp[0].bias)
                    expected.append((h @ small_mlp[2].weight.T + small_mlp[2].bias).numpy())
                loss = small_mlp(xb).pow(2).mean()
                opt.zero_grad()
                loss.backward()  # recorded tensors are detached: backward works
                opt.step()
        assert small_mlp.training and no_hooks_left(small_mlp)
        acts = rec.activations()
        assert acts.n_samples == 30
        np.testing.assert_allclose(acts["2"], np.concatenate(expected)[:30], rtol=1e-5, atol=1e-6)


class Exploding(nn.Module):
    def __init__(self, at_call=2, exc=RuntimeError):
        super().__init__()
        self.a, self.b = nn.Linear(4, 4), nn.Linear(4, 2)
        self.bn = nn.BatchNorm1d(4)
        self.calls, self.at_call, self.exc = 0, at_call, exc

    def forward(self, x):
        self.calls += 1
        if self.calls == self.at_call:
            raise self.exc("boom")
        return self.b(self.bn(self.a(x)))


class TestNoTraceLeft:
    @pytest.mark.parametrize("exc", [RuntimeError, KeyboardInterrupt])
    def test_hooks_removed_and_mode_restored_after_exception(self, exc, tmp_path):
        model = Exploding(at_call=3, exc=exc)
        model.train()
        model.bn.eval()  # a user's mixed mode is restored module by module
        params = [p.detach().clone() for p in model.parameters()]
        with pytest.raises(exc, match="boom"):
            capture(model, torch.randn(50, 4), layers=["a", "bn", "input"], batch_size=10, progress=False,
                    store=tmp_path / "s")  # fmt: skip
        assert no_hooks_left(model)
        assert model.training and model.a.training and not model.bn.training
        assert all(torch.equal(p, q) for p, q in zip(params, model.parameters()))
        with pytest.raises(ValueError, match="no manifest.json"):
            Activations.load(tmp_path / "s")
        assert not list((tmp_path / "s").glob("*.part"))

    def test_hooks_removed_after_success_and_eval_inside(self, small_mlp):
        small_mlp.train()
        seen = []
        small_mlp[0].register_forward_hook(lambda m, i, o: seen.append(m.training))  # the user's own hook stays
        capture(small_mlp, torch.randn(5, 8), layers="0", progress=False)
        assert seen == [False] and small_mlp.training
        assert len(small_mlp[0]._forward_hooks) == 1
        small_mlp[0]._forward_hooks.clear()
        assert no_hooks_left(small_mlp)

    def test_hooks_context_is_reusable(self, small_mlp):
        got = {}
        with Hooks(small_mlp, ["1", "3"], lambda n, o: got.__setitem__(n, (o > 0).numpy())):
            with torch.no_grad():
                small_mlp(torch.randn(6, 8))
        assert set(got) == {"1", "3"} and got["1"].shape == (6, 16)
        assert no_hooks_left(small_mlp)


class TestStoreAndMemory:
    def test_disk_stream_equals_memory(self, small_cnn, tmp_path):
        X = torch.randn(33, 1, 8, 8, generator=torch.Generator().manual_seed(0))
        y = torch.arange(33)
        mem = capture(small_cnn, (X, y), layers=["0", "7"], reduce="none", batch_size=8, progress=False)
        disk = capture(small_cnn, (X, y), layers=["0", "7"], reduce="none", batch_size=8, progress=False,
                       store=tmp_path / "acts")  # fmt: skip
        assert isinstance(disk["0"], np.memmap)
        loaded = Activations.load(tmp_path / "acts")
        for a in (disk, loaded):
            assert a.layers == mem.layers
            for name in mem.layers:
                np.testing.assert_array_equal(a[name], mem[name])
            np.testing.assert_array_equal(a.targets, np.arange(33))

    def test_disk_stream_unknown_length(self, small_mlp, tmp_path):
        X = torch.randn(25, 8)
        gen = (X[i : i + 6] for i in range(0, 25, 6))  # no len: rows appended as they come
        disk = capture(small_mlp, gen, layers=["0"], progress=False, store=tmp_path / "g")
        np.testing.assert_allclose(Activations.load(tmp_path / "g")["0"], small_mlp[0](X).detach().numpy(),
                                   rtol=1e-6, atol=1e-6)  # fmt: skip
        assert disk.n_samples == 25

    def test_over_budget_refused_with_options(self, small_cnn, tmp_path):
        X = torch.randn(100, 1, 8, 8)
        with pytest.raises(ValueError, match=r"would need about 100.0 KiB for 100 samples.*store="):
            capture(small_cnn, X, layers="0", reduce="none", max_memory="10KiB", batch_size=10, progress=False)
        acts = capture(small_cnn, X, layers="0", reduce="none", max_memory="10KiB", batch_size=10,
                       progress=False, store=tmp_path / "big")  # fmt: skip
        assert acts["0"].shape == (100, 64, 4)
        assert no_hooks_left(small_cnn)

    def test_over_budget_unknown_length(self, small_mlp):
        gen = (torch.randn(10, 8) for _ in range(50))
        with pytest.raises(ValueError, match="already holds"):
            capture(small_mlp, gen, layers="0", max_memory=1000, progress=False)


class TestBadInput:
    def test_not_a_module(self):
        with pytest.raises(TypeError, match="model must be a torch.nn.Module, got function"):
            capture(lambda x: x, torch.zeros(2, 2), layers="0")

    def test_empty_data(self, small_mlp):
        with pytest.raises(ValueError, match="no samples"):
            capture(small_mlp, [], layers="0", progress=False)
        with pytest.raises(ValueError, match="no samples"):
            capture(small_mlp, torch.zeros(0, 8), layers="0", progress=False)

    def test_unknown_layer_lists_close_names(self, small_cnn):
        from collections import OrderedDict

        named = nn.Sequential(OrderedDict(conv1=nn.Conv2d(1, 2, 3), relu1=nn.ReLU(), conv2=nn.Conv2d(2, 2, 3)))
        with pytest.raises(ValueError, match=r"no module named 'conv_1'.*Did you mean 'conv1'"):
            capture(named, torch.zeros(2, 1, 8, 8), layers=["relu1", "conv_1"])
        with pytest.raises(ValueError, match=r"no module named 'O'.*Some valid names: \['0', '1'"):
            capture(small_cnn, torch.zeros(2, 1, 8, 8), layers="O")
        with pytest.raises(ValueError, match="matches no module"):
            resolve_layers(small_cnn, "layer*")
        with pytest.raises(ValueError, match="no module of type LSTM"):
            resolve_layers(small_cnn, nn.LSTM)
        with pytest.raises(TypeError, match="layers must be"):
            resolve_layers(small_cnn, 3)

    def test_mismatched_batches(self, small_cnn):
        batches = [torch.zeros(2, 1, 8, 8), torch.zeros(2, 1, 6, 6)]
        with pytest.raises(ValueError, match=r"batch 1 gives per-sample shape \(36, 4\).*\(64, 4\)"):
            capture(small_cnn, batches, layers="0", reduce="none", progress=False)
        acts = capture(small_cnn, batches, layers="0", reduce="mean", progress=False)  # pooled: fine
        assert acts["0"].shape == (4, 4)

    def test_output_without_tensor(self):
        class NoTensor(nn.Module):
            def forward(self, x):
                return {"note": "none"}

        class Wrap(nn.Module):
            def __init__(self):
                super().__init__()
                self.inner = NoTensor()

            def forward(self, x):
                self.inner(x)
                return x

        with pytest.raises(ValueError, match="'inner' has no tensor to capture"):
            capture(Wrap(), torch.zeros(3, 2), layers="inner", progress=False)

    def test_nonfinite_warn_counts_and_raise(self):
        torch.manual_seed(0)
        model = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
        X = torch.ones(4, 2)
        X[1, 0] = float("nan")  # sample 1: 3 NaN everywhere
        X[2, 0] = float("inf")  # sample 2: +-inf after the Linear; ReLU keeps the +inf ones
        n_pos = int((model[0].weight[:, 0] > 0).sum())
        with pytest.warns(RuntimeWarning, match=rf"'0': 3 NaN, 3 inf, '1': 3 NaN, {n_pos} inf"):
            acts = capture(model, X, layers=["0", "1"], progress=False)
        assert acts.meta["nonfinite"] == {"0": [3, 3], "1": [3, n_pos]}
        with pytest.raises(ValueError, match="on_nonfinite='raise'"):
            capture(model, X, layers="0", on_nonfinite="raise", progress=False)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            capture(model, X, layers="0", on_nonfinite="ignore", progress=False)

    def test_bad_options(self, small_mlp):
        X = torch.zeros(2, 8)
        with pytest.raises(ValueError, match="reduce must be one of"):
            capture(small_mlp, X, layers="0", reduce="avg")
        with pytest.raises(ValueError, match="reduce='cls' needs tokens"):
            capture(small_mlp, X, layers="0", reduce="cls", progress=False)
        with pytest.raises(ValueError, match="max_samples must be >= 1"):
            capture(small_mlp, X, layers="0", max_samples=0)
        with pytest.raises(ValueError, match="max_memory must be"):
            capture(small_mlp, X, layers="0", max_memory="lots")
        with pytest.raises(TypeError, match="data must be"):
            capture(small_mlp, "data.pt", layers="0")


class TestTopLevel:
    def test_tda_nn_capture_is_callable_in_any_import_order(self, small_mlp):
        import tda_nn

        X = torch.randn(6, 8)
        acts = tda_nn.capture(small_mlp, X, layers="0", progress=False)  # the name also denotes the module
        np.testing.assert_allclose(acts["0"], capture(small_mlp, X, layers="0", progress=False)["0"])

    def test_progress_off_is_silent(self, small_mlp, capfd):
        capture(small_mlp, torch.randn(600, 8), layers="0", batch_size=7, progress=False)
        assert capfd.readouterr().err == ""

    def test_recorder_honours_attention_mask(self, bert, tokens):
        bert.eval()  # the recorder leaves the mode to the user: no dropout here
        with ActivationRecorder(bert, layers="encoder.layer.1", reduce="mean") as rec:
            with torch.no_grad():
                bert(**tokens)
        assert no_hooks_left(bert)
        expected = capture(bert, tokens, layers="encoder.layer.1", progress=False)
        np.testing.assert_allclose(rec.activations()["encoder.layer.1"], expected["encoder.layer.1"], rtol=1e-5)

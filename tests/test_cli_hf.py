"""``tda-nn analyze --model hf:DIR --data sentences.txt``: a local Hugging Face model, offline, texts in."""

from __future__ import annotations

import dataclasses
import inspect
import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from tda_nn.cli import main  # noqa: E402
from tda_nn.report import Report  # noqa: E402

WORDS = "the a cat dog bird sat ran flew on under mat tree fast slow big small red blue".split()
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def bert(tmp_path_factory) -> Path:
    """A 2-layer BERT of width 32 and its word-piece tokenizer, saved offline with save_pretrained."""
    root = tmp_path_factory.mktemp("hf")
    vocab = root / "vocab.txt"
    vocab.write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS]) + "\n")
    cfg = transformers.BertConfig(vocab_size=5 + len(WORDS), hidden_size=32, num_hidden_layers=2,
                                  num_attention_heads=2, intermediate_size=64, max_position_embeddings=64)
    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        transformers.BertModel(cfg).save_pretrained(root / "bert")
        transformers.BertTokenizer(str(vocab)).save_pretrained(root / "bert")
    return root / "bert"


def _sentences(n: int, seed: int = 0) -> list[str]:
    """``n`` distinct sentences of 3 to 8 words."""
    rng = np.random.default_rng(seed)
    out: dict[str, None] = {}
    while len(out) < n:
        out[" ".join(rng.choice(WORDS, size=rng.integers(3, 9)))] = None
    return list(out)


def test_a_text_file_through_a_local_bert_from_a_fresh_directory(bert, tmp_path):
    (tmp_path / "sentences.txt").write_text("\n".join(_sentences(40)) + "\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"}
    r = subprocess.run([sys.executable, "-m", "tda_nn.cli", "analyze", "--model", f"hf:{bert}", "--data",
                        "sentences.txt", "--max-points", "40", "--out", "rep", "--json", "--no-progress"],
                       cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout)
    assert summary["layers"] == ["input", "encoder.layer.0", "encoder.layer.1"]
    rep = Report.load(tmp_path / "rep")
    assert rep.config["reduce"] == "mean" and rep.config["n_samples"] == 40
    assert all(len(rep.diagrams[layer][0]) == 40 for layer in rep.layers)  # one H0 bar per (distinct) sentence: all 40 reached the diagrams
    if "findings" in {f.name for f in dataclasses.fields(Report)}:  # what the numbers support, in sentences
        assert rep.findings and summary.get("findings")
    # the default-layers warning speaks in flags, one line, no source line
    assert "no --layers" in r.stderr and "layers=" not in r.stderr and "warnings.warn" not in r.stderr


def test_labelled_jsonl_gives_classes_and_the_flags_reach_analyze(bert, tmp_path, capsys, monkeypatch):
    import tda_nn.workflows

    seen: dict = {}
    real = tda_nn.workflows.analyze

    def spy(model, data, layers=None, **kwargs):
        seen.update(kwargs, data=data, model=model)
        takes = inspect.signature(real).parameters
        return real(model, data, layers, **{k: v for k, v in kwargs.items() if k in takes})

    monkeypatch.setattr(tda_nn.workflows, "analyze", spy)
    rows = [{"text": s, "label": "animal" if i % 2 else "plant"} for i, s in enumerate(_sentences(30, seed=1))]
    (tmp_path / "t.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    rc = main(["analyze", "--model", str(bert), "--data", str(tmp_path / "t.jsonl"), "--layers", "encoder.layer.1",
               "--max-length", "5", "--per-class", "--max-points", "30", "--out", str(tmp_path / "o"),
               "--no-progress"])
    _, err = capsys.readouterr()
    assert rc == 0, err
    assert seen["data"]["input_ids"].shape == (30, 5)  # --max-length truncates
    assert seen["data"]["labels"].tolist() == [0 if i % 2 else 1 for i in range(30)]  # sorted: animal, plant
    assert seen["class_names"] == ["animal", "plant"] and seen["per_class"] is True
    rep = Report.load(tmp_path / "o")
    assert rep.config["class_names"] == ["animal", "plant"]
    named = "class_names" in inspect.signature(real).parameters  # analyze names the classes itself
    prefix = "class plant: " if named else "class 1: "
    assert any(k.startswith(prefix) for k in rep.table["encoder.layer.1"]), list(rep.table["encoder.layer.1"])


def test_token_outputs_are_averaged_over_real_tokens_only(bert):
    """The default reducer for texts: a sentence's point does not depend on how much padding its batch has."""
    from tda_nn.nn.capturing import capture
    from tda_nn.nn.hf import load_pretrained, tokenize

    model, tok = load_pretrained(bert)
    texts = ["cat", "the big red dog ran fast under the tree"]
    batch = tokenize(tok, texts)
    assert batch["attention_mask"].sum(1).tolist() == [3, 11]  # [CLS] cat [SEP] + 8 padding
    acts = capture(model, batch, ["encoder.layer.1"], reduce="mean", progress=False)
    with torch.no_grad():
        alone = model(**tokenize(tok, texts[:1])).last_hidden_state.mean(1)[0].numpy()
        padded = model(**batch).last_hidden_state[0].mean(0).numpy()
    np.testing.assert_allclose(acts["encoder.layer.1"][0], alone, atol=1e-5)
    assert np.abs(acts["encoder.layer.1"][0] - padded).max() > 1e-3  # a plain mean would count the padding


def test_load_pretrained_is_offline_and_refuses_what_it_cannot_read(bert, tmp_path):
    from tda_nn.nn.hf import load_pretrained
    from tda_nn.validation import CheckpointError

    model, tok = load_pretrained(bert)
    assert type(model).__name__ == "BertModel" and not model.training and tok is not None
    with pytest.raises(CheckpointError, match="no config.json"):
        load_pretrained(tmp_path)
    remote = tmp_path / "remote"
    remote.mkdir()
    cfg = json.loads((bert / "config.json").read_text())
    cfg.update(model_type="my-own-arch", auto_map={"AutoModel": "modeling_mine.MyModel"})
    cfg.pop("architectures", None)
    (remote / "config.json").write_text(json.dumps(cfg))
    (remote / "modeling_mine.py").write_text("raise SystemExit('remote code ran')\n")
    with pytest.raises(CheckpointError, match="trust_remote_code|could not be loaded"):
        load_pretrained(remote)


def test_a_state_dict_loads_into_the_hf_model_and_dry_run_describes_texts(bert, tmp_path, capsys, monkeypatch):
    from tda_nn.nn.hf import load_pretrained

    model, _ = load_pretrained(bert)
    state = {k: v.clone() for k, v in model.state_dict().items()}
    state["pooler.dense.bias"] = torch.full_like(state["pooler.dense.bias"], 0.5)  # "fine-tuned" weights
    torch.save(state, tmp_path / "tuned.pt")
    (tmp_path / "t.csv").write_text("text,label\n" + "".join(f"{s},{i % 2}\n" for i, s in enumerate(_sentences(6))))
    rc = main(["analyze", "--model", f"hf:{bert}", "--checkpoint", str(tmp_path / "tuned.pt"), "--data",
               str(tmp_path / "t.csv"), "--dry-run"])
    out, err = capsys.readouterr()
    assert rc == 0, err
    assert "6 tokenized texts" in out and "labels of 2 classes" in out
    assert [line.split()[1] for line in out.splitlines() if line.startswith(" * ")] == [
        "input", "encoder.layer.0", "encoder.layer.1"]
    import tda_nn.workflows

    seen: dict = {}
    monkeypatch.setattr(tda_nn.workflows, "analyze", lambda model, data, layers=None, **kw: seen.update(model=model))
    main(["analyze", "--model", f"hf:{bert}", "--checkpoint", str(tmp_path / "tuned.pt"), "--data",
          str(tmp_path / "t.csv"), "--out", str(tmp_path / "o")])
    assert seen["model"].pooler.dense.bias.detach()[0].item() == 0.5

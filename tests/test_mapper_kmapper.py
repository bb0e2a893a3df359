"""Agreement with kepler-mapper 2.1: same lens, cover and clusterer give the same nodes and edges."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.cluster import DBSCAN, AgglomerativeClustering

import tda_nn
from tda_nn.mapper import Cover

km = pytest.importorskip("kmapper")


def kmapper_graph(X, lens, n_cubes, overlap, clusterer):
    """Nodes (member sets, with multiplicity) and edges (pairs of member sets) of kepler-mapper's graph."""
    from collections import Counter

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g = km.KeplerMapper(verbose=0).map(lens, X, clusterer=clusterer, cover=km.Cover(n_cubes=n_cubes, perc_overlap=overlap))
    nodes = {k: frozenset(int(i) for i in v) for k, v in g["nodes"].items()}
    edges = {frozenset((nodes[a], nodes[b])) for a, bs in g["links"].items() for b in bs}
    return Counter(nodes.values()), edges


def ours(X, lens, n_cubes, overlap, clusterer):
    from collections import Counter

    g = tda_nn.mapper(X, lens=lens, cover=Cover(n_cubes, overlap), clusterer=clusterer)
    return Counter(g.member_sets()), g.edge_sets(), g


CLUSTERERS = [
    DBSCAN(eps=0.6, min_samples=3),
    DBSCAN(eps=1.5, min_samples=1),
    AgglomerativeClustering(n_clusters=2, linkage="single"),
    AgglomerativeClustering(n_clusters=None, distance_threshold=1.0, linkage="single"),
]


@pytest.mark.parametrize("clusterer", CLUSTERERS, ids=lambda c: repr(c)[:60])
@pytest.mark.parametrize("cubes,overlap", [(5, 0.3), (8, 0.5), ((4, 6), (0.2, 0.4))])
def test_random_data(clusterer, cubes, overlap):
    rng = np.random.default_rng(0)
    X = np.r_[rng.normal(size=(150, 4)), rng.normal(size=(150, 4)) + 3.0]
    lens = X[:, :2] @ np.array([[1.0, 0.3], [0.2, 1.0]])
    if isinstance(cubes, int):
        lens = lens[:, :1]
    want_nodes, want_edges = kmapper_graph(X, lens, cubes, overlap, clusterer)
    got_nodes, got_edges, g = ours(X, lens, cubes, overlap, clusterer)
    assert g.n_nodes > 3
    assert got_nodes == want_nodes
    assert got_edges == want_edges


def test_boundary_samples_fall_alike():
    # lens values that sit exactly on interval ends (a grid): closed intervals on both sides
    X = np.random.default_rng(1).normal(size=(101, 3))
    lens = np.linspace(0.0, 1.0, 101)
    for n, p in [(4, 0.25), (10, 0.1), (7, 0.3)]:
        want = kmapper_graph(X, lens[:, None], n, p, DBSCAN(eps=10.0, min_samples=1))
        got = ours(X, lens, n, p, DBSCAN(eps=10.0, min_samples=1))
        assert got[:2] == want


@pytest.fixture(scope="module")
def digits_layers():
    torch = pytest.importorskip("torch")
    from sklearn.datasets import load_digits

    torch.manual_seed(0)
    d = load_digits()
    X = (d.images[:600] / 16.0).astype(np.float32)[:, None]
    model = tda_nn.zoo.load_digits_cnn()
    return tda_nn.capture(model, (X, d.target[:600]), layers=["conv2", "fc1", "fc2"], progress=False)


@pytest.mark.parametrize("layer", ["conv2", "fc1", "fc2"])
def test_digits_cnn_layers(digits_layers, layer):
    from tda_nn.mapper.lenses import pca

    A = np.asarray(digits_layers[layer], dtype=np.float64)
    lens = pca(A, 2)
    scale = np.median(np.linalg.norm(A - A.mean(0), axis=1))
    clusterer = DBSCAN(eps=0.25 * scale, min_samples=3)
    want_nodes, want_edges = kmapper_graph(A, lens, 6, 0.35, clusterer)
    got_nodes, got_edges, g = ours(A, lens, 6, 0.35, clusterer)
    assert g.n_nodes >= 10
    assert got_nodes == want_nodes
    assert got_edges == want_edges

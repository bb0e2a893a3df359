"""Mapper across layers: links, summaries, split/merge findings; stability; the resolution rule."""

from __future__ import annotations

import numpy as np
import pytest

import tda_nn
from tda_nn.mapper.layers import FlowEvent, flow_events, sentences
from tda_nn.mapper.stability import bootstrap, cycle_basis, resolution_cover


def two_lines(n=300, seed=0):
    """Two parallel noisy segments y = 0 and y = 3, x uniform in [0, 10]: labels 0 and 1."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 10, n)
    y = np.where(np.arange(n) < n // 2, 0.0, 3.0) + rng.normal(scale=0.05, size=n)
    return np.c_[x, y], (np.arange(n) >= n // 2).astype(int)


class TestCopyThenProject:
    """A model that copies its input, then projects it to its first coordinate."""

    @pytest.fixture(scope="class")
    def flow(self):
        torch = pytest.importorskip("torch")
        from collections import OrderedDict

        X, y = two_lines()
        net = torch.nn.Sequential(OrderedDict(copy=torch.nn.Identity(), project=torch.nn.Linear(2, 1, bias=False)))
        with torch.no_grad():
            net.project.weight.copy_(torch.tensor([[1.0, 0.0]]))
        acts = tda_nn.capture(net, (X.astype(np.float32), y), layers=["input", "copy", "project"], progress=False)
        assert acts.layers == ("input", "copy", "project")
        return tda_nn.mapper_layers(acts, lens=0, cover=(6, 0.3)), X, y

    def test_copied_layer_has_the_inputs_graph(self, flow):
        fl, X, y = flow
        g_in, g_copy = fl.graphs[0], fl.graphs[1]
        assert g_copy.same_as(g_in)
        # each input node flows entirely into its copy (same order: same construction), and the links
        # are the input graph's own co-membership counts
        L = fl.links[0]
        assert (np.diag(L) == g_in.sizes).all()
        B = g_in.incidence()
        assert (L == (B.T @ B).toarray()).all()

    def test_projection_merges_what_it_identifies(self, flow):
        fl, X, y = flow
        g_copy, g_proj = fl.graphs[1], fl.graphs[2]
        # the two lines: two nodes per interval before, one after
        assert g_copy.n_components == 2 and g_proj.n_components == 1
        assert g_copy.n_nodes == 2 * g_proj.n_nodes
        L = fl.links[1]
        for b in range(g_proj.n_nodes):
            sources = np.flatnonzero(L[:, b])
            # the two copy nodes of the same interval, one per line, all of their samples
            assert len(sources) >= 2
            same_cube = [a for a in sources if g_copy.cubes[a] == g_proj.cubes[b]]
            assert len(same_cube) == 2
            assert {int(y[g_copy.members[a][0]]) for a in same_cube} == {0, 1}
            assert sum(L[a, b] for a in same_cube) == g_proj.sizes[b]

    def test_summaries_and_findings(self, flow):
        fl, X, y = flow
        s_in, _, s_proj = fl.summaries
        assert s_in.purity == pytest.approx(1.0) and s_in.entropy == 0.0
        assert s_proj.purity == pytest.approx(0.5, abs=0.1) and s_proj.entropy == pytest.approx(1.0, abs=0.05)
        assert (s_in.n_components, s_proj.n_components) == (2, 1)
        assert s_in.n_loops == 0 and s_proj.n_loops == 0
        # both classes end up sitting with each other at the projection only
        kinds = {(e.kind, int(e.label), e.layer) for e in fl.events}
        assert ("sits_with", 0, "project") in kinds or ("sits_with", 1, "project") in kinds
        assert all(e.layer == "project" for e in fl.events if e.kind == "sits_with")
        assert any("from project on" in f for f in fl.findings)

    def test_dict_and_lookup(self, flow):
        fl, _, _ = flow
        d = fl.to_dict()
        assert d["layers"] == ["input", "copy", "project"]
        assert sum(c for _, _, c in d["links"][0]) == int(fl.links[0].sum())
        assert fl["copy"] is fl.graphs[1]
        with pytest.raises(KeyError, match="Did you mean 'copy'"):
            fl["cpy"]


def test_split_and_rejoin_sentence():
    # class 0 in one component, then two, then one again; 3 of class 1's samples join class 0 late
    events = [
        FlowEvent("split", 3, "conv2", parts=2, class_size=180),
        FlowEvent("rejoin", 3, "fc1", parts=1, class_size=180),
        FlowEvent("sits_with", 3, "fc1", samples=41, class_size=180, other=8),
    ]
    assert sentences(events, "input") == [
        "class 3 splits into 2 components at conv2 and rejoins at fc1; at least 41 of its 180 samples sit with class 8 "
        "from fc1 on."
    ]


def test_flow_events_split_rejoin_from_graphs():
    from tda_nn.mapper import MapperGraph

    labels = np.array([0] * 10 + [1] * 10)
    one = MapperGraph.from_members([range(10), range(10, 20)], 20)
    split = MapperGraph.from_members([range(5), range(5, 10), range(10, 20)], 20)
    ev = flow_events(("a", "b", "c"), (one, split, one), labels, 0.1)
    assert [(e.kind, e.label, e.layer, e.parts) for e in ev] == [("split", 0, "b", 2), ("rejoin", 0, "c", 1)]


def test_activations_object_and_targets():
    from tda_nn import Activations

    X, y = two_lines(200)
    acts = Activations({"a": X, "b": np.c_[X, X[:, :1] ** 2]}, targets=y)
    fl = tda_nn.mapper_layers(acts, lens=0, cover=(5, 0.3))
    assert fl.labels.tolist() == y.tolist() and fl.layers == ("a", "b")
    with pytest.raises(ValueError, match="labels must have shape"):
        tda_nn.mapper_layers(acts, labels=y[:5], lens=0, cover=(5, 0.3))
    with pytest.raises(ValueError, match="unknown layer 'c'"):
        tda_nn.mapper_layers(acts, layers=["a", "c"])
    with pytest.raises(TypeError, match="activations must be"):
        tda_nn.mapper_layers(X)


class TestStability:
    def test_circle_loop_and_component_survive(self):
        rng = np.random.default_rng(0)
        t = rng.uniform(0, 2 * np.pi, 800)
        X = np.c_[np.cos(t), np.sin(t)] + rng.normal(scale=0.05, size=(800, 2))
        g = tda_nn.mapper(X, lens=1, cover=(6, 0.3))
        st = bootstrap(X, g, n_resamples=15, seed=0)
        assert st.loop_frequency.shape == (1,) and st.loop_frequency[0] >= 0.9
        assert st.component_frequency.tolist() == [1.0]
        assert st.node_frequency.min() >= 0.9
        assert (st.n_loops == 1).all()
        assert st.stable_loops.tolist() == [0]

    def test_three_far_samples_are_not_a_stable_component(self):
        # a circle and three samples far away: their node survives only when all three are drawn
        rng = np.random.default_rng(0)
        t = rng.uniform(0, 2 * np.pi, 800)
        X = np.r_[np.c_[np.cos(t), np.sin(t)] + rng.normal(scale=0.05, size=(800, 2)),
                  [[3.0, 0.0], [3.01, 0.0], [3.0, 0.01]]]
        g = tda_nn.mapper(X, lens=1, cover=(6, 0.3))
        assert g.n_components == 2
        comp = g.node_components()
        far = comp[[i for i, m in enumerate(g.members) if 800 in m][0]]
        st = bootstrap(X, g, n_resamples=20, seed=0)
        assert st.component_frequency[far] < 0.8
        assert st.component_frequency[1 - far] == 1.0
        assert st.stable_components.tolist() == [1 - far]

    def test_cycle_basis(self):
        edges = np.array([[0, 1], [1, 2], [0, 2], [2, 3], [3, 4], [2, 4]])
        cyc = cycle_basis(5, edges)
        assert len(cyc) == 2 and all(len(c) == 3 for c in cyc)

    def test_resolution_rule(self):
        rng = np.random.default_rng(2)
        t = rng.uniform(0, 2 * np.pi, 800)
        X = np.c_[np.cos(t), np.sin(t)]
        cover = resolution_cover(X, X[:, 1])
        assert cover.overlap == 0.4
        # intervals at least as long as the largest lens jump between delta-close samples
        (lo, hi), = cover.intervals(X[:, 1])
        assert 3 <= cover.n_intervals <= 50 and (hi - lo)[0] > 0

    def test_bad_bootstrap_input(self):
        X = np.random.default_rng(0).normal(size=(50, 2))
        with pytest.raises(TypeError, match="graph must be a MapperGraph"):
            bootstrap(X, "g")
        g = tda_nn.mapper(X, lens=0, cover=(3, 0.3))
        with pytest.raises(ValueError, match="graph must be built by tda_nn.mapper on X"):
            bootstrap(X[:40], g)

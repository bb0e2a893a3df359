"""Loops tracked across layers: scales checked against a direct Z/2 reduction, lifelines on networks of known topology."""

from __future__ import annotations

import sys
import types

import numpy as np
import pytest
from test_cycles import dist, is_boundary

from tda_nn.cycles import Lifeline, Lifelines, loop_scales, representative_cycles, track_features
from tda_nn.cycles.representatives import _ripser_h1
from tda_nn.cycles.tracking import _Layer, _loop_interval


def direct_interval(D: np.ndarray, loop: np.ndarray) -> tuple[float, float]:
    """[a, c) by brute force: a = longest edge; c = first scale (an edge length) at which the loop is a boundary."""
    a = float(D[loop, np.roll(loop, -1)].max())
    scales = np.unique(D[np.triu_indices(len(D), 1)])
    scales = scales[scales >= a]
    if is_boundary(D, loop, a):
        return (np.nan, np.nan)
    lo, hi = 0, len(scales) - 1                   # boundaries stay boundaries: bisect
    if not is_boundary(D, loop, scales[hi]):
        return (a, np.inf)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if not is_boundary(D, loop, scales[mid]) else (lo, mid)
    return (a, float(scales[hi]))


def layer_of(D: np.ndarray) -> _Layer:
    E, B, K = _ripser_h1(D)
    keep = B[:, 1] > B[:, 0]
    return _Layer("x", D, B[keep], E[keep], [k for k, ok in zip(K, keep) if ok])


def test_interval_matches_direct_reduction():
    """Loops of one layer read in another: the cocycle interval equals the brute-force one, trivial or not."""
    agree, nontrivial, total = 0, 0, 0
    for seed in range(8):
        rng = np.random.default_rng(seed)
        t = np.sort(rng.uniform(0, 2 * np.pi, 14))
        X = np.c_[np.cos(t), np.sin(t)] + 0.15 * rng.normal(size=(14, 2))
        Y = X @ (np.eye(2, 3) + 0.4 * rng.normal(size=(2, 3))) + 0.1 * rng.normal(size=(14, 3))  # "the next layer"
        loops = [c.indices for c in representative_cycles(X, bars=3, backend="ripser")]
        loops += [rng.permutation(14)[:k] for k in (4, 6, 9)]         # arbitrary closed walks, too
        DY = dist(Y)
        layer = layer_of(DY)
        for loop in loops:
            got, _ = _loop_interval(np.asarray(loop), layer)
            want = direct_interval(DY, np.asarray(loop))
            total += 1
            if np.isnan(want[0]):
                agree += bool(np.isnan(got[0]))
            else:
                nontrivial += 1
                agree += bool(np.allclose(got, want, rtol=1e-6))
    assert agree == total == 34
    assert nontrivial == 6                        # both kinds of answer were checked


def test_loop_scales_public():
    rng = np.random.default_rng(0)
    X = circle(16, 0.1, 2)
    Y = X @ (np.eye(2, 3) + 0.3 * rng.normal(size=(2, 3)))
    loop = representative_cycles(X, bars=1, backend="ripser")[0].indices
    got = loop_scales(Y, loop)
    want = direct_interval(dist(Y), loop)
    assert want[1] > want[0] and got == pytest.approx(want)
    assert loop_scales(dist(Y), loop, metric="precomputed") == pytest.approx(want)
    assert np.isnan(loop_scales(Y[:, :1], loop)[0])
    with pytest.raises(ValueError, match="indices"):
        loop_scales(Y, [0, 1])
    with pytest.raises(ValueError, match="indices"):
        loop_scales(Y, [0, 1, 99])


def test_own_layer_interval_covers_the_bar():
    rng = np.random.default_rng(1)
    X = np.c_[np.cos(np.arange(30) / 30 * 2 * np.pi), np.sin(np.arange(30) / 30 * 2 * np.pi)]
    X = X + 0.05 * rng.normal(size=X.shape)
    c = representative_cycles(X, bars=1, backend="ripser")[0]
    (a, cc), _ = _loop_interval(c.indices, layer_of(dist(X)))
    assert a == pytest.approx(c.birth) and cc == pytest.approx(c.death, rel=1e-6)


# --- networks of known topology built from plain matrices ---------------------------------------------------------


def circle(n, noise, seed, centre=(0.0, 0.0)):
    rng = np.random.default_rng(seed)
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    return np.c_[np.cos(t), np.sin(t)] + np.asarray(centre) + noise * rng.normal(size=(n, 2))


def test_loop_runs_through_injective_layers_and_ends_at_the_projection():
    rng = np.random.default_rng(0)
    X = circle(50, 0.03, 0)
    W1 = rng.normal(size=(2, 6))                  # rank 2: injective
    H1 = np.tanh(0.7 * X @ W1)                    # tanh is injective too
    W2 = rng.normal(size=(6, 4))                  # generic: injective on a curve in R^6
    H2 = H1 @ W2
    out = H2 @ rng.normal(size=(4, 1))            # projection to a line
    acts = {"input": X, "hidden1": H1, "hidden2": H2, "output": out}
    lines = track_features(acts, bars=1)
    assert isinstance(lines, Lifelines) and len(lines) == 1
    f = lines[0]
    assert isinstance(f, Lifeline)
    assert f.born == "input" and f.layers == ("input", "hidden1", "hidden2")
    assert f.end == "died" and f.ended_at == "output" and f.merged_into is None
    assert f.found == ("input", "hidden1", "hidden2")
    for name in f.layers:
        lo, hi = f.scales[name]
        assert hi - lo > 0.3 * hi                 # a long-lived loop in each injective layer
    assert np.isnan(f.scales["output"][0])        # points on a line carry no loop
    assert abs(np.sum(np.diff(np.unwrap(np.arctan2(*X[np.r_[f.cycle.indices, f.cycle.indices[:1]]].T[::-1]))))) \
        == pytest.approx(2 * np.pi)


def two_loops():
    A = np.c_[circle(40, 0.02, 1), np.zeros((40, 2))]
    B = np.c_[np.full((40, 2), 6.0), circle(40, 0.02, 2)]      # B in the (x3, x4) plane, far from A
    return np.r_[A, B]


def test_one_loop_collapsed_by_a_layer_the_other_continues():
    rng = np.random.default_rng(3)
    X = two_loops()
    Q, _ = np.linalg.qr(rng.normal(size=(4, 4)))
    mixed = X @ Q                                 # orthogonal: injective
    collapsed = mixed @ Q.T @ np.diag([1.0, 1.0, 0.0, 0.0])    # kills B's plane: B becomes one point
    after = collapsed @ rng.normal(size=(4, 5))   # injective on collapsed's span
    acts = {"in": X, "mixed": mixed, "collapse": collapsed, "after": after}
    lines = track_features(acts, bars=2, min_persistence=0.2)
    assert len(lines) == 2
    by_side = {bool(f.cycle.indices[0] >= 40): f for f in lines}
    a, b = by_side[False], by_side[True]
    assert set((a.cycle.indices < 40).tolist()) == {True} and set((b.cycle.indices >= 40).tolist()) == {True}
    assert a.layers == ("in", "mixed", "collapse", "after") and a.end == "survives" and a.ended_at is None
    assert b.layers == ("in", "mixed") and b.end == "died" and b.ended_at == "collapse"
    assert np.isnan(b.scales["collapse"][0]) and np.isnan(b.scales["after"][0])
    assert lines.table()["end"] == [f.end for f in lines]
    import json

    back = json.loads(json.dumps(lines.to_dict()))
    row = back["lifelines"][b.id]
    assert row["end"] == "died" and row["ended_at"] == "collapse" and row["scales"]["collapse"] == [None, None]
    assert row["indices"] == b.cycle.indices.tolist()
    # explicit bars per layer give the same lifelines
    explicit = {name: np.array([f.carriers[name] for f in lines if name in f.carriers]) for name in acts}
    again = track_features(acts, bars=explicit, min_persistence=0.2)
    assert [(f.layers, f.end) for f in again] == [(f.layers, f.end) for f in lines]


def test_two_loops_mapped_onto_one_merge():
    t = np.linspace(0, 2 * np.pi, 36, endpoint=False)
    A = np.c_[np.cos(t), np.sin(t), np.zeros_like(t)]
    B = np.c_[1.3 * np.cos(t + 0.05), 1.3 * np.sin(t + 0.05), np.full_like(t, 8.0)]
    X = np.r_[A, B]
    flat = np.c_[X[:, :2] * np.r_[np.ones(36), np.full(36, 1 / 1.3)][:, None]]   # both onto the unit circle
    lines = track_features({"two": X, "one": flat, "more": flat @ np.array([[1.0, 0, 1], [0, 1, -1]])}, bars=2,
                           min_persistence=0.3)
    ends = sorted(f.end for f in lines)
    assert ends == ["merged", "survives"], lines.table()
    merged = next(f for f in lines if f.end == "merged")
    survivor = next(f for f in lines if f.end == "survives")
    assert merged.ended_at == "one" and merged.merged_into == survivor.id
    assert survivor.layers == ("two", "one", "more")


def test_backwards_extension_and_significant_thresholds(monkeypatch):
    """A loop first chosen in a later layer extends back to where it already exists; thresholds come from significance."""
    X = circle(40, 0.02, 4)
    acts = {"line": X[:, :1], "flat": np.c_[X[:, 0], 0.2 * X[:, 1]], "round": X}
    calls = []

    def significant_bars(D, **kw):
        calls.append(kw)
        E, B, _ = _ripser_h1(np.asarray(D))
        life = B[:, 1] - B[:, 0]
        keep = life > 0.5
        return types.SimpleNamespace(diagrams=[np.empty((0, 2)), B[keep]], threshold={1: 0.5})

    fake = types.ModuleType("tda_nn.diagnostics.significance")
    fake.significant_bars = significant_bars
    monkeypatch.setitem(sys.modules, "tda_nn.diagnostics.significance", fake)
    lines = track_features(acts)
    assert len(calls) == 3 and all(c["metric"] == "precomputed" for c in calls)
    assert lines.min_persistence == {"line": 0.5, "flat": 0.5, "round": 0.5}
    (f,) = lines
    assert f.found == ("round",) and f.layers == ("round",) and f.born == "round" and f.end == "survives"
    lo, hi = f.scales["flat"]                      # squashed: a loop, but too short-lived to count
    assert 0 < hi - lo < 0.5
    assert np.isnan(f.scales["line"][0])
    lines2 = track_features(acts, bars=1, min_persistence=0.01)
    assert lines2[0].born == "flat" and lines2[0].found == ("flat", "round")


def test_landmarks_and_errors():
    X = circle(200, 0.03, 5)
    acts = {"a": X, "b": X @ np.array([[2.0, 0.0, 1.0], [0.0, 1.0, 1.0]])}
    import tda_nn

    lines = track_features(tda_nn.Activations(acts), bars=1, n_landmarks=30)   # an Activations is a mapping too
    assert 30 <= len(lines.samples) <= 60
    assert set(lines[0].cycle.indices.tolist()) <= set(lines.samples.tolist())
    assert lines[0].end == "survives" and lines[0].layers == ("a", "b")
    with pytest.raises(ValueError, match="same samples"):
        track_features({"a": X, "b": X[:10]}, bars=1)
    with pytest.raises(ValueError, match="Did you mean 'b'"):
        track_features(acts, ["a", "bb"], bars=1)
    with pytest.raises(TypeError, match="mapping"):
        track_features([X, X], bars=1)
    with pytest.raises(ValueError, match="dim must be 1"):
        track_features(acts, dim=0, bars=1)


def test_plot_lifelines():
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rng = np.random.default_rng(3)
    X = two_loops()
    acts = {"in": X, "collapse": X * np.r_[1.0, 1.0, 0.0, 0.0], "after": X[:, :2] @ rng.normal(size=(2, 3))}
    lines = track_features(acts, bars=2, min_persistence=0.2)
    fig = lines.plot()
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["in", "collapse", "after"]
    assert len(ax.get_yticks()) == len(lines) == 2
    assert "Lifelines(n=2" in repr(lines) and "died at 'collapse'" in repr(next(f for f in lines if f.end == "died"))
    plt.close(fig)
    empty = track_features({"a": X[:, :1], "b": X[:, 1:2]}, bars=2)      # points on lines: no loops at all
    assert len(empty) == 0
    plt.close(empty.plot())


def test_significant_default_with_the_real_significance_test():
    X = circle(120, 0.03, 6)
    rng = np.random.default_rng(6)
    lift = np.tanh(0.5 * X @ rng.normal(size=(2, 8)))
    acts = {"input": X, "lift": lift, "line": lift @ rng.normal(size=(8, 1))}
    lines = track_features(acts, significance={"n_bootstrap": 20})
    (f,) = lines
    assert f.layers == ("input", "lift") and f.end == "died" and f.ended_at == "line"
    # the universal test's death/birth threshold as a lifetime at the median birth; a line has no H1 bar at all
    assert lines.min_persistence["input"] > 0 and lines.min_persistence["lift"] > 0
    assert lines.min_persistence["line"] == 0.0
    for name in f.layers:
        lo, hi = f.scales[name]
        assert hi - lo > lines.min_persistence[name]

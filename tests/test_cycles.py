"""Representative cycles: each loop checked against the definition, with an independent Z/2 computation."""

from __future__ import annotations

import importlib.util
import sys
import types
from itertools import combinations

import numpy as np
import pytest

from tda_nn.cycles import Cycle, Cycles, loop_samples, representative_cycles

BACKENDS = ["ripser", "gudhi", pytest.param("giotto-ph", marks=pytest.mark.skipif(
    __import__("importlib").util.find_spec("gph") is None, reason="giotto-ph not installed"))]


# --- an independent check: is a cycle a boundary in the Rips complex at scale r? (plain Z/2 linear algebra) ----------


def gf2_rank(M: np.ndarray) -> int:
    M = (np.asarray(M) % 2).astype(bool)
    rank, rows, cols = 0, M.shape[0], M.shape[1]
    for c in range(cols):
        piv = np.nonzero(M[rank:, c])[0]
        if not len(piv):
            continue
        p = rank + piv[0]
        M[[rank, p]] = M[[p, rank]]
        below = np.nonzero(M[:, c])[0]
        below = below[below != rank]
        M[below] ^= M[rank]
        rank += 1
        if rank == rows:
            break
    return rank


def is_boundary(D: np.ndarray, loop: np.ndarray, r: float) -> bool:
    """True when the loop's edge chain lies in the span of the boundaries of triangles with diameter <= r."""
    n = len(D)
    edges = [(i, j) for i, j in combinations(range(n), 2) if D[i, j] <= r]
    pos = {e: k for k, e in enumerate(edges)}
    tris = [t for t in combinations(range(n), 3)
            if max(D[t[0], t[1]], D[t[0], t[2]], D[t[1], t[2]]) <= r]
    B = np.zeros((len(edges), len(tris) + 1), dtype=np.uint8)
    for k, (a, b, c) in enumerate(tris):
        for e in ((a, b), (a, c), (b, c)):
            B[pos[e], k] = 1
    for a, b in zip(loop, np.roll(loop, -1)):
        B[pos[(min(a, b), max(a, b))], -1] ^= 1
    return gf2_rank(B[:, :-1]) == gf2_rank(B)


def dist(X: np.ndarray) -> np.ndarray:
    return np.linalg.norm(X[:, None] - X[None], axis=-1)


def winding(P: np.ndarray, loop: np.ndarray, centre) -> float:
    ang = np.arctan2(P[loop, 1] - centre[1], P[loop, 0] - centre[0])
    step = np.diff(np.r_[ang, ang[:1]])
    return float(np.sum((step + np.pi) % (2 * np.pi) - np.pi) / (2 * np.pi))


def noisy_circle(n: int, noise: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.sort(rng.uniform(0, 2 * np.pi, n))
    return np.c_[np.cos(t), np.sin(t)] + noise * rng.normal(size=(n, 2))


def test_checker_can_fail():
    """The independent check tells a triangle's boundary (a boundary) from a square's (not one)."""
    sq = np.array([[0, 0], [1, 0], [1, 1], [0, 1.0]])
    D = dist(sq)
    assert not is_boundary(D, np.array([0, 1, 2, 3]), 1.0)   # no diagonals yet: a hole
    assert is_boundary(D, np.array([0, 1, 2, 3]), 1.5)       # diagonals and triangles fill it
    assert is_boundary(D, np.array([0, 1, 2]), 1.5)


# --- the noisy circle ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
def test_noisy_circle_dominant_loop(backend):
    X = noisy_circle(36, 0.08, seed=1)
    cyc = representative_cycles(X, bars=1, backend=backend)
    assert isinstance(cyc, Cycles) and len(cyc) == 1
    c = cyc[0]
    D = dist(X)
    birth, death = c.bar
    assert death - birth > 1.0                       # the dominant bar of a unit circle
    idx = c.indices
    assert len(idx) >= 3 and len(set(idx.tolist())) == len(idx)
    assert abs(winding(X, idx, (0.0, 0.0))) == pytest.approx(1.0)
    lens = D[idx, np.roll(idx, -1)]
    assert lens.max() <= birth + 1e-6 and c.edges_max == pytest.approx(birth)
    assert D[c.birth_edge] == pytest.approx(birth)
    assert c.certified
    assert not is_boundary(D, idx, birth)            # not null-homologous at birth
    below = D[D < death].max()                       # the last scale before the death
    assert not is_boundary(D, idx, below)
    assert is_boundary(D, idx, death)                # a boundary exactly when the bar dies


@pytest.mark.parametrize("backend", BACKENDS)
def test_every_bar_is_represented_by_a_valid_loop(backend):
    """All bars of a small noisy cloud, short ones included, pass the definition."""
    X = noisy_circle(30, 0.25, seed=3)
    D = dist(X)
    cyc = representative_cycles(X, bars=100, backend=backend)
    assert len(cyc) == len(cyc.diagram) >= 2
    for c in cyc:
        b, d = c.bar
        assert D[c.indices, np.roll(c.indices, -1)].max() <= b + 1e-6
        assert c.certified and not is_boundary(D, c.indices, b)


def test_backends_agree_on_birth_edges():
    X = noisy_circle(40, 0.15, seed=5)
    got = {b: representative_cycles(X, bars=3, backend=b) for b in ("ripser", "gudhi")}
    if importlib.util.find_spec("gph") is not None:  # giotto-ph is optional
        got["giotto-ph"] = representative_cycles(X, bars=3, backend="giotto-ph")
    ref = got.pop("ripser")
    for other in got.values():
        np.testing.assert_array_equal(other.bars, ref.bars)   # float64 edge lengths, not float32
        assert [set(c.birth_edge) for c in other] == [set(c.birth_edge) for c in ref]


@pytest.mark.parametrize("backend", BACKENDS)
def test_threshold_gives_an_essential_bar_still_represented(backend):
    X = noisy_circle(40, 0.05, seed=0)
    full = representative_cycles(X, bars=1, backend=backend)[0]
    cut = representative_cycles(X, bars=1, backend=backend, threshold=0.8)[0]
    assert full.death > 0.8 and cut.death == np.inf
    assert cut.birth == pytest.approx(full.birth) and cut.indices.tolist() == full.indices.tolist()
    assert not is_boundary(dist(X), cut.indices, 0.8)


def test_two_linked_circles_each_loop_on_its_own_circle():
    rng = np.random.default_rng(0)
    t = np.linspace(0, 2 * np.pi, 40, endpoint=False)
    A = np.c_[np.cos(t), np.sin(t), np.zeros_like(t)]
    B = np.c_[1 + np.cos(t), np.zeros_like(t), np.sin(t)]        # through A's disc: a Hopf link
    X = np.r_[A, B] + 0.02 * rng.normal(size=(80, 3))
    cyc = representative_cycles(X, bars=2, backend="ripser")
    assert len(cyc) == 2 and np.all(cyc.bars[:, 1] - cyc.bars[:, 0] > 0.6)
    sides = [set((c.indices >= 40).tolist()) for c in cyc]
    assert all(len(s) == 1 for s in sides) and sides[0] != sides[1]
    for c in cyc:
        on_a = c.indices[0] < 40
        P = X[c.indices][:, [0, 1]] if on_a else X[c.indices][:, [0, 2]]
        assert abs(winding(P, np.arange(len(P)), (0.0, 0.0) if on_a else (1.0, 0.0))) == pytest.approx(1.0)


def test_landmark_indices_are_original_rows():
    X = noisy_circle(300, 0.05, seed=2)
    cyc = representative_cycles(X, bars=1, n_landmarks=40, backend="ripser")
    assert cyc.landmarks is not None and len(cyc.landmarks) == 40 and cyc.landmark_bound > 0
    c = cyc[0]
    assert set(c.indices.tolist()) <= set(cyc.landmarks.tolist())
    lens = np.linalg.norm(X[c.indices] - X[np.roll(c.indices, -1)], axis=1)
    assert lens.max() == pytest.approx(c.birth, rel=1e-9)
    assert abs(winding(X, c.indices, (0.0, 0.0))) == pytest.approx(1.0)


def test_explicit_bars_and_precomputed():
    X = noisy_circle(40, 0.1, seed=4)
    D = dist(X)
    longest = representative_cycles(X, bars=2, backend="ripser")
    again = representative_cycles(D, metric="precomputed", bars=longest.bars[::-1], backend="ripser")
    np.testing.assert_allclose(again.bars, longest.bars[::-1])
    assert [c.indices.tolist() for c in again] == [c.indices.tolist() for c in longest][::-1]
    with pytest.raises(ValueError, match="not in the H1 diagram"):
        representative_cycles(X, bars=[[0.01, 5.0]], backend="ripser")
    with pytest.raises(ValueError, match="dim must be 1"):
        representative_cycles(X, dim=2, bars=1)
    with pytest.raises(ValueError, match="shape"):
        representative_cycles(X, bars=np.ones((2, 3)))
    assert len(representative_cycles(X, bars=0)) == 0


def test_significant_bars_are_the_ones_represented(monkeypatch):
    """bars='significant' represents exactly the bars significant_bars keeps (a stand-in here)."""
    X = noisy_circle(40, 0.1, seed=6)
    top = representative_cycles(X, bars=1, backend="ripser")
    calls = {}

    def significant_bars(X_, **kw):
        calls.update(kw)
        return types.SimpleNamespace(diagrams=[np.empty((0, 2)), top.bars.astype(np.float32)])

    fake = types.ModuleType("tda_nn.diagnostics.significance")
    fake.significant_bars = significant_bars
    monkeypatch.setitem(sys.modules, "tda_nn.diagnostics.significance", fake)
    cyc = representative_cycles(X, backend="ripser", significance={"alpha": 0.01})
    assert len(cyc) == 1 and cyc[0].indices.tolist() == top[0].indices.tolist()
    assert calls["alpha"] == 0.01 and calls["maxdim"] == 1


def test_loop_samples_in_loop_order():
    X = noisy_circle(24, 0.02, seed=7)
    cyc = representative_cycles(X, bars=1, backend="ripser")
    labels = np.arange(24) * 10
    texts = [f"sample {i}" for i in range(24)]
    images = np.arange(24 * 4).reshape(24, 2, 2)
    (s,) = loop_samples(cyc, labels=labels, inputs=texts)
    assert s.indices.tolist() == cyc[0].indices.tolist()
    assert s.labels.tolist() == (cyc[0].indices * 10).tolist()
    assert s.inputs == [f"sample {i}" for i in cyc[0].indices]
    (s2,) = loop_samples(cyc[0], inputs=images)
    np.testing.assert_array_equal(s2.inputs, images[cyc[0].indices])
    with pytest.raises(ValueError, match="labels"):
        loop_samples(cyc, labels=labels[:3])
    with pytest.raises(TypeError, match="cycles"):
        loop_samples([1, 2])
    assert "Cycle(n=" in repr(cyc[0]) and "Cycles(n=1" in repr(cyc)
    import json

    back = json.loads(json.dumps(cyc.to_dict()))
    assert back["cycles"][0]["indices"] == cyc[0].indices.tolist()
    assert back["cycles"][0]["bar"] == pytest.approx(list(cyc[0].bar))


def test_cycle_is_frozen():
    c = representative_cycles(noisy_circle(20, 0.02), bars=1, backend="ripser")[0]
    assert isinstance(c, Cycle)
    with pytest.raises(ValueError):
        c.indices[0] = 3
    with pytest.raises(AttributeError):
        c.bar = (0, 1)


def test_plot_cycles_on_a_view():
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    from tda_nn.plotting.cycles import plot_cycles

    X = noisy_circle(30, 0.05)
    cyc = representative_cycles(X, bars=1, backend="ripser")
    fig = plot_cycles(X, cyc, labels=np.arange(30) % 3)
    line = fig.axes[0].lines[0]
    assert len(line.get_xdata()) == len(cyc[0]) + 1
    with pytest.raises(ValueError, match="shape"):
        plot_cycles(np.c_[X, X], cyc)
    import matplotlib.pyplot as plt

    plt.close(fig)


def test_loop_panels_list_the_right_samples():
    """A constructed case: a hexagon (samples 3..8) among far-away filler; the panel lists exactly its samples in loop order."""
    import re
    from html.parser import HTMLParser

    from tda_nn.plotting.loops_html import loops_html, loops_page

    ang = np.linspace(0, 2 * np.pi, 6, endpoint=False) + np.array([0, 0.01, 0.03, 0.02, 0.05, 0.04])
    hexagon = np.c_[np.cos(ang), np.sin(ang)]
    filler = np.array([[10.0, 0], [10.3, 0.1], [10.1, 0.4]])
    X = np.r_[filler, hexagon]                      # the hexagon's samples are rows 3..8
    cyc = representative_cycles(X, bars=1, backend="ripser")
    loop = cyc[0].indices.tolist()
    assert sorted(loop) == [3, 4, 5, 6, 7, 8]
    assert all(abs(a - b) in (1, 5) for a, b in zip(loop, loop[1:] + loop[:1]))   # neighbours on the hexagon
    labels = np.array(list("abcdefghi"))
    texts = [f"sentence {i}" for i in range(9)]
    page = loops_page(loops_html(cyc, layer="hidden 1", view=X, labels=labels, inputs=texts, threshold=0.5))

    class Links(HTMLParser):
        def __init__(self):
            super().__init__()
            self.ids, self.hrefs, self.srcs, self.samples, self.items = [], [], [], [], []

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            self.ids += [a["id"]] if "id" in a else []
            self.hrefs += [a["href"]] if "href" in a else []
            self.srcs += [a["src"]] if "src" in a else []
            self.samples += [a["data-samples"]] if "data-samples" in a else []

    p = Links()
    p.feed(page)
    assert p.samples == [" ".join(map(str, loop))]
    assert {"bar-hidden_1-0", "loop-hidden_1-0"} <= set(p.ids) and all(h[1:] in p.ids for h in p.hrefs)
    listed = re.findall(r"<li><b>(\d+)</b> &middot; label (\w) &middot; &ldquo;sentence (\d+)&rdquo;</li>", page)
    assert [(int(i), lab, int(j)) for i, lab, j in listed] == [(i, labels[i], i) for i in loop]
    assert "<script" not in page and "http" not in page and not p.srcs        # works offline
    tip = re.search(r"<title>(H1 bar[^<]*)</title>", page).group(1)
    assert "significant" in tip and f"6 samples: {loop[0]} ({labels[loop[0]]})" in tip


def test_loop_section_size_budget():
    from tda_nn.plotting.loops_html import loops_html

    rng = np.random.default_rng(0)
    X = noisy_circle(300, 0.1)
    cyc = representative_cycles(X, bars=5, backend="ripser")
    s = loops_html(cyc, view=X, labels=np.arange(300) % 10, inputs=rng.random((300, 8, 8)), threshold=0.5)
    assert s.count("data:image/png;base64,") == sum(min(len(c), 40) for c in cyc)
    assert len(s) < 150_000


def test_significant_default_with_the_real_significance_test():
    from tda_nn.diagnostics.significance import significant_bars

    X = noisy_circle(120, 0.03, seed=8)
    res = significant_bars(X, maxdim=1, n_bootstrap=20, seed=0)
    cyc = representative_cycles(X, significance={"n_bootstrap": 20})
    assert res.n_significant(1) == len(cyc) == 1
    np.testing.assert_allclose(cyc.bars, res.diagrams[1], rtol=1e-5)
    assert abs(winding(X, cyc[0].indices, (0.0, 0.0))) == pytest.approx(1.0)

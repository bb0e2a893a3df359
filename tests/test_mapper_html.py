"""The Mapper page: valid, self-contained HTML whose embedded data round-trips; the static figure."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

import tda_nn
from tda_nn.mapper import MapperGraph
from tda_nn.mapper.html import read_page_data

VOID = {"meta", "input", "br", "img", "link", "hr", "area", "base", "col", "embed", "source", "track", "wbr"}


class Checker(HTMLParser):
    """Tag balance, and every src/href/action attribute."""

    def __init__(self):
        super().__init__()
        self.stack, self.errors, self.urls, self.tags = [], [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.urls += [v for k, v in attrs if k in ("src", "href", "action", "data", "poster") and v]
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:]}")
        else:
            self.stack.pop()


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    rng = np.random.default_rng(0)
    t = rng.uniform(0, 2 * np.pi, 300)
    X = np.c_[np.cos(t), np.sin(t)] + rng.normal(scale=0.05, size=(300, 2))
    y = (X[:, 0] > 0).astype(int)
    flow = tda_nn.mapper_layers({"in": X, "sq": X**2, "x": X[:, :1]}, labels=y, lens=0, cover=(6, 0.3))
    texts = [f"sample {i} </script><!-- http://example.com" for i in range(300)]
    images = rng.uniform(size=(300, 8, 8))
    path = flow.save_html(tmp_path_factory.mktemp("page") / "flow.html", color={"radius": np.hypot(*X.T)},
                          predictions=1 - y, texts=texts, images=images)
    return flow, path


def test_valid_and_self_contained(page):
    flow, path = page
    text = Path(path).read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    p = Checker()
    p.feed(text)
    p.close()
    assert p.errors == [] and p.stack == []
    assert p.urls == []
    assert "link" not in p.tags and p.tags.count("script") == 2
    # nothing outside the page is named anywhere in its markup or code (the sample texts are data, escaped)
    code = re.sub(r'<script type="application/json" id="mapper-data">.*?</script>', "", text, flags=re.S)
    assert not re.search(r"https?://", code)
    assert "@import" not in code and "url(" not in code
    # the data block cannot end early: no '<' inside it
    data = re.search(r'id="mapper-data">(.*?)</script>', text, flags=re.S).group(1)
    assert "<" not in data


def test_embedded_data_round_trips(page):
    flow, path = page
    D = read_page_data(path)
    assert [L["name"] for L in D["layers"]] == list(flow.layers)
    for L, g in zip(D["layers"], flow.graphs):
        back = MapperGraph.from_members([n["members"] for n in L["nodes"]], D["n_samples"], cubes=[n["cube"] for n in L["nodes"]])
        assert back.same_as(g)
        assert [tuple(e) for e in L["edges"]] == [(int(i), int(j), int(s)) for (i, j), s in zip(g.edges, g.shared)]
        assert all(0 <= n["x"] <= 1 and 0 <= n["y"] <= 1 for n in L["nodes"])
    for k, L in enumerate(flow.links):
        assert sum(c for _, _, c in D["links"][k]) == int(L.sum())
        for a, b, c in D["links"][k]:
            assert L[a, b] == c
    assert D["labels"] == flow.labels.tolist()
    assert D["texts"][3].startswith("sample 3 </script>")
    assert D["findings"] == list(flow.findings)


@pytest.mark.skipif(shutil.which("node") is None, reason="node.js runs the page's script")
def test_page_script_runs(page):
    """The page's own script, run by node against a stub DOM: the click lists members, hover shows counts."""
    flow, path = page
    harness = Path(__file__).parent / "data" / "mapper_page_harness.js"
    out = subprocess.run(["node", str(harness), str(path)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr[-2000:]
    res = json.loads(out.stdout)
    g = flow.graphs[0]
    assert res["members"] == min(g.sizes[0], 1000)
    assert res["first"].startswith(f"#{g.members[0][0]}  [")
    assert f"size {g.sizes[0]}" in res["tip"] and "class " in res["tip"]
    assert res["options"] == ["label", "prediction", "agree", "radius", "size"]
    assert res["img"] == "data:image/png;base64,"


def test_thumbnails_are_pngs_of_the_inputs(page):
    import base64
    import io

    import matplotlib.image as mpimg

    flow, path = page
    D = read_page_data(path)
    img = mpimg.imread(io.BytesIO(base64.b64decode(D["images"][7])), format="png")
    assert img.shape[:2] == (8, 8)
    rng = np.random.default_rng(0)
    rng.uniform(0, 2 * np.pi, 300), rng.normal(scale=0.05, size=(300, 2))
    want = rng.uniform(size=(300, 8, 8))[7]
    want = (want - want.min()) / (want.max() - want.min())
    np.testing.assert_allclose(img if img.ndim == 2 else img[..., 0], want, atol=1 / 255 + 1e-6)


def test_single_graph_page_and_bad_input(tmp_path):
    X = np.random.default_rng(0).normal(size=(100, 3))
    g = tda_nn.mapper(X, lens=0, cover=(4, 0.3))
    path = g.save_html(tmp_path / "g.html", labels=(X[:, 1] > 0).astype(int))
    D = read_page_data(path)
    assert len(D["layers"]) == 1 and D["links"] == []
    with pytest.raises(ValueError, match="labels must have shape \\(100,\\)"):
        g.save_html(tmp_path / "x.html", labels=np.zeros(5))
    with pytest.raises(ValueError, match="texts must hold one short text per sample"):
        g.save_html(tmp_path / "x.html", texts=["a"])
    with pytest.raises(ValueError, match="images must be thumbnails of at most 64 x 64"):
        g.save_html(tmp_path / "x.html", images=np.zeros((100, 100, 100)))
    with pytest.raises(ValueError, match="images must have shape"):
        g.save_html(tmp_path / "x.html", images=np.zeros((5, 8, 8)))
    with pytest.raises(TypeError, match="flow must be a MapperGraph or a MapperLayers"):
        tda_nn.mapper.save_html("g", tmp_path / "x.html")


def test_static_figure(page):
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    from tda_nn.plotting import plot_mapper

    flow, _ = page
    fig = plot_mapper(flow)
    ax = fig.axes[0]
    # nodes of every layer drawn, one scatter per layer
    offsets = [c for c in ax.collections if c.__class__.__name__ == "PathCollection"]
    assert [len(c.get_offsets()) for c in offsets] == [g.n_nodes for g in flow.graphs]
    fig2 = flow.graphs[0].save_html  # the graph's page helper exists
    assert callable(fig2)
    fig3 = plot_mapper(flow.graphs[0], color=np.arange(flow.graphs[0].n_samples, dtype=float))
    assert len(fig3.axes) == 2  # the colour bar
    import matplotlib.pyplot as plt

    plt.close("all")

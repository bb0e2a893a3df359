"""Figures across layers and over training: what is drawn, and that it stays readable."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import circle

from tda_nn.diagnostics.layers import layer_profile

pytest.importorskip("matplotlib")


@pytest.fixture(autouse=True)
def _agg():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    yield
    plt.close("all")


def test_layer_profile_one_betti_panel_per_dimension():
    from tda_nn.plotting import plot_layer_profile

    # 100 points: beta_0 at small scales is ~100, beta_1 is 1; on one axis the loop would vanish
    prof = layer_profile({"circle": circle(100, noise=0.05), "blob": np.random.default_rng(0).normal(size=(100, 2))},
                         n_bootstrap=0)
    fig = plot_layer_profile(prof)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["β0 (components)", "β1 (loops)", "Total persistence (finite bars)", "Intrinsic dimension"]
    b1 = fig.axes[1]
    assert b1.get_ylim()[1] < 10  # scaled to the loops, not to beta_0
    np.testing.assert_array_equal(b1.get_lines()[1].get_ydata(), prof.betti[:, 1, 1])
    assert all(float(t).is_integer() for t in b1.get_yticks())
    assert len(plot_layer_profile(prof, dims=[1]).axes) == 3


@pytest.mark.parametrize("cmap", ["viridis", "viridis_r", "magma_r"])
def test_distance_matrix_text_readable_on_any_colour_map(cmap):
    from matplotlib.colors import to_rgb

    from tda_nn.plotting import plot_distance_matrix

    M = np.array([[0.0, 1.0, 4.0], [1.0, 0.0, 2.0], [4.0, 2.0, 0.0]])
    fig = plot_distance_matrix(M, labels=["a", "b", "c"], cmap=cmap)
    ax = fig.axes[0]
    im = ax.images[0]
    for text in ax.texts:
        j, i = (round(v) for v in text.get_position())
        r, g, b, _ = im.cmap(im.norm(M[i, j]))
        cell_light = 0.299 * r + 0.587 * g + 0.114 * b > 0.5
        assert to_rgb(text.get_color()) == ((0.0, 0.0, 0.0) if cell_light else (1.0, 1.0, 1.0))


def test_region_counts_log_axis_plain_labels():
    import matplotlib.pyplot as plt

    from tda_nn.plotting import plot_region_counts

    wide = [{"patterns": 40.0, "plane_regions": 160.0}, {"patterns": 90.0, "plane_regions": 650.0}]
    fig = plot_region_counts(wide)
    ax = fig.axes[0]
    fig.canvas.draw()
    assert ax.get_yscale() == "log"
    labels = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert labels and all("10^" not in s and "times" not in s for s in labels)
    assert {"50", "100", "200", "500"} <= set(labels)
    plt.close(fig)
    narrow = [{"patterns": 300.0}, {"patterns": 310.0}]  # under a factor of 2: a log axis has no decade to label
    assert plot_region_counts(narrow).axes[0].get_yscale() == "linear"


def test_layer_views_one_panel_per_layer_coloured_by_class():
    from tda_nn.plotting import plot_layer_views

    rng = np.random.default_rng(0)
    views = {"method": "pca", "coords": {"a": rng.normal(size=(60, 2)).tolist(), "b": rng.normal(size=(60, 2)).tolist()},
             "labels": [0] * 30 + [1] * 30, "class_names": {"0": "cat", "1": "dog"}}
    fig = plot_layer_views(views)
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in panels] == ["a", "b"]
    assert len(panels[0].collections) == 2  # one scatter per class
    np.testing.assert_allclose(panels[1].collections[1].get_offsets(), np.asarray(views["coords"]["b"])[30:])
    (legend,) = fig.legends
    assert [t.get_text() for t in legend.get_texts()] == ["cat", "dog"] and legend.get_texts()[0].get_fontsize() >= 9
    with pytest.raises(ValueError, match="no layer"):
        plot_layer_views({"coords": {}})


def test_layer_profile_marks_dimensions_the_landmark_bound_swamps():
    from tda_nn.plotting import plot_layer_profile

    X = np.random.default_rng(0).normal(size=(300, 12))
    prof = layer_profile({"g": X, "c": np.c_[circle(300, noise=0.02), np.zeros((300, 10))]}, n_landmarks=20,
                         n_bootstrap=10)
    fig = plot_layer_profile(prof)
    labels = [line.get_label() for line in fig.axes[1].get_lines()]
    assert "swamped by the landmark bound" in labels

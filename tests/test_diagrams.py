"""The Diagrams type: validation, queries, conversions and lossless round trips."""

from __future__ import annotations

import json

import numpy as np
import pytest

import tda_nn
from tda_nn import Diagrams


@pytest.fixture
def dgms():
    return Diagrams(
        [[[0.0, 0.5], [0.0, 1.0], [0.0, np.inf]], [[0.25, 2.0], [1.0 / 3.0, 0.4]], np.empty((0, 2))],
        meta={"backend": "ripser", "complex": "rips", "metric": "euclidean", "threshold": np.inf, "n_points": np.int64(3)},
    )


class TestConstruction:
    def test_arrays_are_float64_read_only_and_indexed_by_dimension(self, dgms):
        assert dgms.maxdim == 2 and len(dgms) == 3
        assert dgms[1].dtype == np.float64 and dgms[1].shape == (2, 2)
        with pytest.raises(ValueError):
            dgms[0][0, 0] = 5.0
        assert dgms[-1].shape == (0, 2)

    def test_meta_is_plain_python(self, dgms):
        assert dgms.meta["threshold"] == np.inf and type(dgms.meta["n_points"]) is int
        meta = dgms.meta
        meta["backend"] = "changed"
        assert dgms.meta["backend"] == "ripser"
        assert dgms.with_meta(layer="fc1").meta["layer"] == "fc1"

    @pytest.mark.parametrize(
        "bad, match",
        [
            ([[[0.0, 1.0, 2.0]]], r"shape \(k, 2\)"),
            ([[[np.nan, 1.0]]], "NaN"),
            ([[[np.inf, np.inf]]], "infinite births"),
            ([[[2.0, 1.0]]], "death < birth"),
        ],
    )
    def test_invalid_bars(self, bad, match):
        with pytest.raises(ValueError, match=match):
            Diagrams(bad)

    def test_wrong_types(self):
        with pytest.raises(TypeError, match="list of"):
            Diagrams("abc")
        with pytest.raises(TypeError, match="meta"):
            Diagrams([], meta=[1])
        with pytest.raises(IndexError, match="H0..H2"):
            Diagrams([[], [], []])[3]

    def test_repr_is_short(self, dgms):
        assert repr(dgms) == "Diagrams(H0: 3 bars, H1: 2 bars, H2: 0 bars; rips/euclidean; ripser)"


class TestQueries:
    def test_betti_numbers_lifetimes_finite_filter(self, dgms):
        assert dgms.betti_numbers(at=0.3).tolist() == [3, 1, 0]
        assert dgms.betti_numbers(at=0.5).tolist() == [2, 1, 0]  # bars are half-open [b, d)
        assert dgms.betti_numbers(at=5.0).tolist() == [1, 0, 0]
        np.testing.assert_array_equal(dgms.lifetimes(0), [0.5, 1.0, np.inf])
        assert [len(a) for a in dgms.finite()] == [2, 2, 0]
        kept = dgms.filter(min_persistence=0.5)
        assert kept[0].tolist() == [[0.0, 1.0], [0.0, np.inf]] and kept[1].tolist() == [[0.25, 2.0]]
        with pytest.raises(ValueError, match="min_persistence"):
            dgms.filter(min_persistence=-1)


class TestRoundTrips:
    def test_save_load_is_exact(self, dgms, tmp_path):
        path = dgms.save(tmp_path / "layer3.npz")
        back = Diagrams.load(path)
        assert back == dgms and back.meta["threshold"] == np.inf
        assert np.isinf(back[0][2, 1])

    def test_to_dict_is_strict_json_and_exact(self, dgms):
        text = json.dumps(dgms.to_dict(), allow_nan=False)
        back = Diagrams.from_dict(json.loads(text))
        assert back == dgms
        assert back[1][1, 0] == 1.0 / 3.0  # floats survive exactly

    def test_corrupt_and_truncated_files(self, dgms, tmp_path):
        path = dgms.save(tmp_path / "d.npz")
        data = path.read_bytes()
        (tmp_path / "trunc.npz").write_bytes(data[: len(data) // 2])
        (tmp_path / "junk.npz").write_bytes(b"not a zip file")
        for name in ("trunc.npz", "junk.npz"):
            with pytest.raises(ValueError, match="not a readable tda_nn diagrams file"):
                Diagrams.load(tmp_path / name)
        with pytest.raises(FileNotFoundError):
            Diagrams.load(tmp_path / "missing.npz")
        with pytest.raises(ValueError, match="to_dict"):
            Diagrams.from_dict({"bars": []})

    def test_ripser_and_giotto_ph_output(self):
        from ripser import ripser

        X = np.random.default_rng(0).normal(size=(30, 2))
        res = ripser(X, maxdim=1)
        d = Diagrams.from_ripser(res)
        for a, b in zip(d.to_ripser(), res["dgms"]):
            np.testing.assert_array_equal(a, b)
        gph = pytest.importorskip("gph")
        g = Diagrams.from_ripser(gph.ripser_parallel(X, maxdim=1))
        assert [len(a) for a in g] == [len(a) for a in d]

    def test_gudhi_round_trip(self, dgms):
        import gudhi

        assert Diagrams.from_gudhi(dgms.to_gudhi(), maxdim=2, meta=dgms.meta) == dgms
        st = gudhi.SimplexTree()
        for simplex in ([0, 1], [1, 2], [0, 2]):
            st.insert(simplex, 1.0)
        st.insert([0, 1, 2], 2.0)
        pers = st.persistence()
        d = Diagrams.from_gudhi(pers, maxdim=1)
        assert d[0].tolist() == [[0.0, np.inf]] or sorted(d[0][:, 1].tolist())[-1] == np.inf
        assert d[1].tolist() == [[1.0, 2.0]]
        intervals = [st.persistence_intervals_in_dimension(i) for i in range(2)]
        assert Diagrams.from_list(intervals) == Diagrams([intervals[0], intervals[1]])

    def test_giotto_triples_round_trip(self, dgms):
        triples = dgms.to_giotto()
        assert triples.shape == (5, 3) and set(triples[:, 2]) == {0.0, 1.0}
        assert Diagrams.from_giotto(triples, maxdim=2, meta=dgms.meta) == dgms
        padded = np.vstack([triples, [[0.0, 0.0, 1.0], [0.3, 0.3, 0.0]]])  # giotto-tda pads on the diagonal
        assert Diagrams.from_giotto(padded, maxdim=2, meta=dgms.meta) == dgms
        with pytest.raises(ValueError, match=r"\(k, 3\)"):
            Diagrams.from_giotto(np.zeros((2, 4)))

    def test_persistence_output_round_trips(self, tmp_path):
        X = np.random.default_rng(0).normal(size=(50, 3))
        d = tda_nn.persistence(X, maxdim=1)
        assert Diagrams.load(d.save(tmp_path / "x")) == d
        assert Diagrams.from_dict(json.loads(json.dumps(d.to_dict()))) == d


class TestPlots:
    """``Diagrams.plot`` / ``plot_barcode`` return Axes; ``plot_diagrams`` takes every familiar form."""

    @pytest.fixture(autouse=True)
    def _agg(self):
        matplotlib = pytest.importorskip("matplotlib")
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        yield
        plt.close("all")

    @staticmethod
    def points(ax):
        """(x, y) of every scattered point, in drawing order."""
        return np.concatenate([c.get_offsets() for c in ax.collections if len(c.get_offsets())])

    def test_plot_returns_axes_with_inf_on_a_marked_line(self, dgms):
        from matplotlib.axes import Axes

        ax = dgms.plot()
        assert isinstance(ax, Axes)
        pts = self.points(ax)
        assert len(pts) == 5  # three H0 bars (one essential), two H1
        inf_y = pts[np.isclose(pts[:, 0], 0.0) & (pts[:, 1] > 2.0), 1]
        assert len(inf_y) == 1 and inf_y[0] == pytest.approx(2.0 + 0.1 * 2.0)  # 10% above the finite range [0, 2]
        assert any(t.get_text() == "inf" for t in ax.texts)
        assert ax.get_ylim()[1] > inf_y[0]
        assert [t.get_text() for t in ax.get_legend().get_texts()] == ["H0 (3)", "H1 (2)", "H2 (0)"]

    def test_plot_on_given_axes_and_selected_dims(self, dgms):
        import matplotlib.pyplot as plt

        _, (a, b) = plt.subplots(1, 2)
        assert dgms.plot(a, dims=[1]) is a
        np.testing.assert_allclose(self.points(a), dgms[1])
        assert dgms.plot_barcode(b, dims=[0]) is b

    def test_barcode_segments_and_essential_bar(self, dgms):
        ax = dgms.plot_barcode()
        lines = [line for line in ax.get_lines() if len(line.get_xdata()) == 2]
        segments = [line.get_xdata() for line in lines if line.get_linestyle() == "-"]
        marks = [line.get_xdata() for line in lines if line.get_linestyle() == "--"]
        assert len(segments) == 5
        assert len(marks) == 1 and marks[0][0] == pytest.approx(2.2)  # the dashed inf line
        ends = sorted(float(x[1]) for x in segments)
        assert ends[:4] == pytest.approx([0.4, 0.5, 1.0, 2.0])
        assert ends[4] == pytest.approx(2.2)  # the essential H0 bar runs to the inf line beyond the finite range
        assert [t.get_text() for t in ax.get_yticklabels()] == ["H0", "H1"]
        assert dgms.plot_barcode(max_bars=1).get_yticklabels()[0].get_text() == "H0 (top 1 of 3)"

    def test_negative_births_stay_in_view(self):
        ax = Diagrams([[[-2.0, -1.0], [-1.5, np.inf]]]).plot()
        lo, hi = ax.get_xlim()
        assert lo < -2.0 and hi > -1.0

    def test_plot_diagrams_accepts_every_familiar_form(self, dgms):
        from tda_nn.plotting import plot_diagrams

        want = self.points(plot_diagrams(dgms))
        forms = {
            "ripser dict": {"dgms": dgms.to_list(), "num_edges": 3},
            "ripser dgms": dgms.to_list(),
            "gudhi": dgms.to_gudhi(),
            "giotto (k, 3)": dgms.to_giotto(),
            "giotto padded (1, k, 3)": np.vstack([dgms.to_giotto(), [[0.0, 0.0, 2.0], [0.0, 0.0, 1.0]]])[None],
        }
        for name, form in forms.items():
            got = self.points(plot_diagrams(form, dims=[0, 1]))
            np.testing.assert_allclose(got, want, err_msg=name)
        raw = self.points(plot_diagrams(np.asarray(dgms[1]), plot_only=[0]))
        np.testing.assert_allclose(raw, dgms[1])
        with pytest.raises(TypeError, match="not both"):
            plot_diagrams(dgms, dims=[0], plot_only=[0])
        with pytest.raises(TypeError, match=r"got an array of shape \(3, 4\)"):
            plot_diagrams(np.zeros((3, 4)))
        with pytest.raises(ValueError, match="one sample's diagrams, got 2 samples"):
            plot_diagrams([dgms, dgms])

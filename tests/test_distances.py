"""Diagram distances: closed forms, agreement with gudhi/hera/persim, metric axioms, essential bars."""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from tda_nn.diagrams import Diagrams
from tda_nn.distances import (
    DiagramDistance,
    bottleneck,
    pairwise_diagram_distances,
    pairwise_distances,
    sliced_wasserstein,
    wasserstein,
)

INF = np.inf
EMPTY = np.empty((0, 2))


def random_diagram(rng, k, *, grid=False):
    """k finite bars: births uniform on [0, 1], exponential lifetimes (rounded to a grid to force ties)."""
    b = rng.uniform(0, 1, k)
    d = b + rng.exponential(0.3, k)
    if grid:
        b, d = np.round(b, 1), np.round(d, 1)
    return np.column_stack([b, d])


# -- closed forms ----------------------------------------------------------------------
class TestClosedForms:
    def test_single_bar_to_empty(self):
        # the only matching sends (0, 1) to the diagonal: L^inf distance (1 - 0) / 2
        assert bottleneck(np.array([[0.0, 1.0]]), EMPTY) == 0.5
        assert bottleneck(EMPTY, np.array([[0.0, 1.0]])) == 0.5
        assert bottleneck(EMPTY, EMPTY) == 0.0

    # X = {(0,2), (1,2)}, Y = {(0,3)}. Three partial matchings matter:
    #   A: (0,2)-(0,3), (1,2)->diag      B: (1,2)-(0,3), (0,2)->diag      C: all to the diagonal
    # internal_p=inf (pair = max |Δ|, diag = l/2):
    #   A: 1 + 0.5 = 1.5     B: 1 + 1 = 2      C: 1 + 0.5 + 1.5 = 3        -> W1 = 1.5
    #   p=2: A: 1 + 0.25      B: 1 + 1           C: 1 + 0.25 + 2.25           -> W2 = sqrt(1.25)
    #   bottleneck: A: max(1, 0.5) = 1   B: 1   C: 1.5                        -> 1
    # internal_p=2 (pair = Euclidean, diag = l/sqrt(2)):
    #   A: 1 + 1/sqrt2        B: sqrt2 + sqrt2   C: (2 + 1 + 3)/sqrt2         -> W1 = 1 + 1/sqrt2
    # internal_p=1 (pair = |Δb| + |Δd|, diag = l):
    #   A: 1 + 1 = 2          B: 2 + 2 = 4       C: 2 + 1 + 3 = 6             -> W1 = 2
    X = np.array([[0.0, 2.0], [1.0, 2.0]])
    Y = np.array([[0.0, 3.0]])

    @pytest.mark.parametrize(
        "p, q, expected",
        [(1, INF, 1.5), (2, INF, np.sqrt(1.25)), (1, 2, 1 + 1 / np.sqrt(2)), (1, 1, 2.0), (INF, INF, 1.0)],
    )
    def test_hand_made_wasserstein(self, p, q, expected):
        assert wasserstein(self.X, self.Y, p=p, internal_p=q) == pytest.approx(expected, abs=1e-12)
        assert wasserstein(self.Y, self.X, p=p, internal_p=q) == pytest.approx(expected, abs=1e-12)

    def test_hand_made_bottleneck(self):
        assert bottleneck(self.X, self.Y) == pytest.approx(1.0)

    def test_far_points_prefer_the_diagonal(self):
        # (0, 1) and (10, 11) are 10 apart; both to the diagonal costs 0.5 + 0.5
        X, Y = np.array([[0.0, 1.0]]), np.array([[10.0, 11.0]])
        assert wasserstein(X, Y) == pytest.approx(1.0)
        assert bottleneck(X, Y) == pytest.approx(0.5)

    def test_essential_bars_match_by_sorted_birth(self):
        # essential births {0, 2} vs {0.5, 1}: sorted pairs (0, 0.5), (2, 1); finite parts equal
        X = Diagrams([[[0.0, INF], [2.0, INF], [0.0, 1.0]]])
        Y = Diagrams([[[1.0, INF], [0.5, INF], [0.0, 1.0]]])
        assert wasserstein(X, Y) == pytest.approx(0.5 + 1.0)
        assert wasserstein(X, Y, p=2) == pytest.approx(np.sqrt(0.25 + 1.0))
        assert bottleneck(X, Y) == pytest.approx(1.0)
        assert sliced_wasserstein(X, Y) == pytest.approx(1.5)

    def test_equal_finite_parts_and_shifted_essential_bar(self):
        # the finite parts cancel; the essential bars pair at |0 - 0.3|. (gudhi.hera 3.13 spins here
        # for minutes and raises "Maximum iteration number exceeded".)
        X = np.array([[0.0, 1.0], [0.0, INF]])
        Y = np.array([[0.0, 1.0], [0.3, INF]])
        assert wasserstein(X, Y) == pytest.approx(0.3)
        assert wasserstein(X, Y, p=2, internal_p=2) == pytest.approx(0.3)
        assert bottleneck(X, Y) == pytest.approx(0.3)

    def test_dimensions_combine(self):
        # H0 differs by one bar (0,1) -> 0.5 each way; H1 by (0,2) vs (0,3) -> pair cost 1
        X = Diagrams([[[0.0, 1.0]], [[0.0, 2.0]]])
        Y = Diagrams([EMPTY, [[0.0, 3.0]]])
        assert wasserstein(X, Y, dim=0) == pytest.approx(0.5)
        assert wasserstein(X, Y, dim=1) == pytest.approx(1.0)
        assert wasserstein(X, Y) == pytest.approx(1.5)
        assert wasserstein(X, Y, p=2) == pytest.approx(np.sqrt(0.25 + 1.0))
        assert bottleneck(X, Y) == pytest.approx(1.0)
        assert bottleneck(X, Y, dim=(0,)) == pytest.approx(0.5)
        # a raw (k, 2) diagram against one dimension of a Diagrams
        assert bottleneck(np.array([[0.0, 3.0]]), X, dim=1) == pytest.approx(1.0)

    def test_giotto_triples(self):
        X = np.array([[0.0, 1.0, 0.0], [0.0, 2.0, 1.0]])
        Y = Diagrams([EMPTY, [[0.0, 3.0]]])
        assert wasserstein(X, Y) == pytest.approx(1.5)


# -- agreement with independent engines ------------------------------------------------
class TestAgreement:
    @pytest.mark.parametrize("k", [1, 5, 30])
    def test_bottleneck_matches_gudhi_and_persim(self, k):
        gudhi = pytest.importorskip("gudhi")
        persim = pytest.importorskip("persim")
        rng = np.random.default_rng(k)
        for trial in range(15):
            X = random_diagram(rng, k, grid=trial % 2 == 0)
            Y = random_diagram(rng, k + trial % 4)
            ours = bottleneck(X, Y)
            assert ours == pytest.approx(gudhi.bottleneck_distance(X, Y), abs=1e-6)
            assert ours == pytest.approx(persim.bottleneck(X, Y), abs=1e-6)

    def test_bottleneck_with_essential_bars_matches_gudhi(self):
        gudhi = pytest.importorskip("gudhi")
        rng = np.random.default_rng(1)
        for _ in range(10):
            X, Y = random_diagram(rng, 8), random_diagram(rng, 6)
            X = np.vstack([X, [[rng.uniform(), INF], [rng.uniform(), INF]]])
            Y = np.vstack([Y, [[rng.uniform(), INF], [rng.uniform(), INF]]])
            assert bottleneck(X, Y) == pytest.approx(gudhi.bottleneck_distance(X, Y), abs=1e-6)
        X1 = np.vstack([X, [[0.0, INF]]])
        assert gudhi.bottleneck_distance(X1, Y) == INF == bottleneck(X1, Y)

    @pytest.mark.parametrize("p, q", [(1, INF), (2, INF), (1, 2), (2, 2), (1, 1), (3, 1.5)])
    def test_wasserstein_matches_hera(self, p, q):
        hera = pytest.importorskip("gudhi.hera")
        rng = np.random.default_rng(7)
        for k in (1, 4, 25):
            for trial in range(4):
                X, Y = random_diagram(rng, k, grid=trial == 0), random_diagram(rng, k + trial)
                ref = hera.wasserstein_distance(X, Y, order=p, internal_p=q, delta=1e-12)
                assert wasserstein(X, Y, p=p, internal_p=q) == pytest.approx(ref, abs=1e-6)

    def test_wasserstein_matches_gudhi_pot(self):
        pytest.importorskip("ot")  # gudhi.wasserstein needs POT
        from gudhi.wasserstein import wasserstein_distance

        rng = np.random.default_rng(3)
        for p, q in [(1, INF), (2, 2)]:
            X, Y = random_diagram(rng, 20), random_diagram(rng, 17)
            ref = wasserstein_distance(X, Y, order=p, internal_p=q)
            assert wasserstein(X, Y, p=p, internal_p=q) == pytest.approx(ref, abs=1e-6)

    def test_persim_wasserstein_is_order_1_euclidean(self):
        persim = pytest.importorskip("persim")
        rng = np.random.default_rng(11)
        for k in (1, 6, 40):
            X, Y = random_diagram(rng, k), random_diagram(rng, k + 2)
            assert wasserstein(X, Y, p=1, internal_p=2) == pytest.approx(persim.wasserstein(X, Y), abs=1e-6)

    def test_sliced_wasserstein_matches_gudhi_and_a_direct_loop(self):
        from scipy.stats import wasserstein_distance as w1d

        gr = pytest.importorskip("gudhi.representations")
        rng = np.random.default_rng(5)
        X, Y = random_diagram(rng, 12), random_diagram(rng, 9)
        # gudhi's num_directions=M averages the first M - 1 of M angles; M = 2 is the single angle -pi/2
        ref = gr.SlicedWassersteinDistance(num_directions=2).fit([X]).transform([Y])[0, 0]
        assert sliced_wasserstein(X, Y, n_directions=1) == pytest.approx(ref, abs=1e-9)

        def project(D, E, theta):  # D plus the diagonal projections of E, onto the line at theta
            e = np.array([np.cos(theta), np.sin(theta)])
            mid = E.mean(axis=1)
            return np.concatenate([D @ e, mid * e.sum()])

        M = 7
        n = len(X) + len(Y)
        direct = np.mean([n * w1d(project(X, Y, t), project(Y, X, t)) for t in -np.pi / 2 + np.pi * np.arange(M) / M])
        assert sliced_wasserstein(X, Y, n_directions=M) == pytest.approx(direct, abs=1e-9)


# -- essential bars: what persim gets wrong --------------------------------------------
class TestEssential:
    X = np.array([[0.0, 1.0], [0.0, INF]])  # the same finite part, one more essential bar
    Y = np.array([[0.0, 1.0]])

    def test_persim_returns_finite_we_return_inf(self):
        persim = pytest.importorskip("persim")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert persim.bottleneck(self.X, self.Y) == 0.0
            assert persim.wasserstein(self.X, self.Y) == 0.0
        assert bottleneck(self.X, self.Y) == INF
        assert wasserstein(self.X, self.Y) == INF
        assert sliced_wasserstein(self.X, self.Y) == INF

    def test_ignore_gives_the_finite_part(self):
        Y2 = np.array([[0.0, 3.0]])
        assert bottleneck(self.X, self.Y, essential="ignore") == 0.0
        assert wasserstein(self.X, Y2, essential="ignore") == pytest.approx(wasserstein(self.Y, Y2))
        assert bottleneck(self.X, Y2, essential="ignore") == pytest.approx(bottleneck(self.Y, Y2))

    def test_counts_per_dimension(self):
        # one essential bar each, but in different dimensions: not matchable
        X = Diagrams([[[0.0, INF]], EMPTY])
        Y = Diagrams([EMPTY, [[0.0, INF]]])
        assert bottleneck(X, Y) == INF
        assert bottleneck(X, Y, essential="ignore") == 0.0


# -- metric axioms (hypothesis) --------------------------------------------------------
_value = st.floats(0.0, 10.0, allow_nan=False, width=32)


@st.composite
def diagrams(draw, max_bars=5, essential=True):
    n = draw(st.integers(0, max_bars))
    births = draw(st.lists(_value, min_size=n, max_size=n))
    lifes = draw(st.lists(_value, min_size=n, max_size=n))
    bars = [[b, b + life] for b, life in zip(births, lifes)]
    if essential:
        bars += [[b, INF] for b in draw(st.lists(_value, max_size=1))]
    return np.array(bars, dtype=np.float64).reshape(-1, 2)


_METRICS = [
    lambda X, Y: bottleneck(X, Y),
    lambda X, Y: wasserstein(X, Y),
    lambda X, Y: wasserstein(X, Y, p=2, internal_p=2),
    lambda X, Y: wasserstein(X, Y, p=1, internal_p=1),
]
_IDS = ["bottleneck", "W1_inf", "W2_2", "W1_1"]


@pytest.mark.parametrize("d", _METRICS, ids=_IDS)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(X=diagrams(), Y=diagrams(), Z=diagrams())
def test_metric_axioms(d, X, Y, Z):
    dxy, dyx = d(X, Y), d(Y, X)
    assert dxy == pytest.approx(dyx, rel=1e-9, abs=1e-9)
    assert dxy >= 0.0
    assert d(X, X) == 0.0
    # identity up to diagonal points: adding zero-length bars changes nothing
    assert d(X, np.vstack([X, [[3.0, 3.0], [5.0, 5.0]]])) == pytest.approx(0.0, abs=1e-12)
    dxz, dzy = d(X, Z), d(Z, Y)
    if np.isfinite(dxz) and np.isfinite(dzy):
        assert dxy <= dxz + dzy + 1e-7 * (1 + dxz + dzy)


@settings(max_examples=60, deadline=None)
@given(X=diagrams(max_bars=6, essential=False), Y=diagrams(max_bars=6, essential=False))
def test_sliced_wasserstein_is_bounded_by_w1(X, Y):
    # Per direction, the optimal W1 matching induces a bijection of the completed diagrams whose
    # projected cost is <= 2 sum ||x - y||_2 over matched pairs + sum ||x - pi(x)||_2 over unmatched
    # points, so SW <= 2 W1(internal_p=2) <= 2 sqrt(2) W1(internal_p=inf).
    sw = sliced_wasserstein(X, Y, n_directions=17)
    assert sw <= 2 * wasserstein(X, Y, internal_p=2) + 1e-9
    assert sw <= 2 * np.sqrt(2) * wasserstein(X, Y) + 1e-9
    assert sw == sliced_wasserstein(X, Y, n_directions=17)  # deterministic
    assert sw == pytest.approx(sliced_wasserstein(Y, X, n_directions=17), abs=1e-12)


# -- pairwise matrices -----------------------------------------------------------------
def _dataset(n=7, seed=0):
    rng = np.random.default_rng(seed)
    return [Diagrams([random_diagram(rng, int(rng.integers(0, 6))), random_diagram(rng, int(rng.integers(1, 8)))])
            for _ in range(n)]


class TestPairwise:
    @pytest.mark.parametrize(
        "metric, params, single",
        [
            ("bottleneck", {}, bottleneck),
            ("wasserstein", {"p": 2, "internal_p": 2}, lambda X, Y, **k: wasserstein(X, Y, p=2, internal_p=2, **k)),
            ("sliced_wasserstein", {"n_directions": 9},
             lambda X, Y, **k: sliced_wasserstein(X, Y, n_directions=9, **k)),
        ],
    )
    def test_symmetric_and_equals_the_loop(self, metric, params, single):
        data = _dataset()
        D = pairwise_distances(data, metric=metric, **params)
        loop = np.array([[single(a, b) for b in data] for a in data])
        assert D.shape == (7, 7)
        np.testing.assert_array_equal(D, D.T)
        np.testing.assert_array_equal(np.diag(D), 0.0)
        np.testing.assert_allclose(D, loop, atol=1e-12)
        D1 = pairwise_distances(data, metric=metric, dim=1, **params)
        np.testing.assert_allclose(D1, [[single(a, b, dim=1) for b in data] for a in data], atol=1e-12)

    def test_parallel_and_cross(self):
        data = _dataset(9)
        serial = pairwise_diagram_distances(data, metric="wasserstein")
        import joblib

        with joblib.parallel_config(backend="threading"):  # the chunked pmap path, without process start-up
            np.testing.assert_allclose(pairwise_distances(data, metric="wasserstein", n_jobs=2), serial, atol=1e-12)
        cross = pairwise_distances(data[:3], data[3:], metric="wasserstein")
        np.testing.assert_allclose(cross, serial[:3, 3:], atol=1e-12)

    def test_raw_arrays_and_essential(self):
        dgms = [np.array([[0.0, 1.0]]), np.array([[0.0, 3.0]]), EMPTY, np.array([[0.0, INF]])]
        D = pairwise_distances(dgms, metric="bottleneck")
        np.testing.assert_allclose(D[:3, :3], [[0, 1.5, 0.5], [1.5, 0, 1.5], [0.5, 1.5, 0]])
        assert np.isinf(D[3, :3]).all() and D[3, 3] == 0.0
        assert pairwise_distances(dgms, metric="bottleneck", essential="ignore")[3, 2] == 0.0

    def test_landscape_and_betti_are_function_space_norms(self):
        # tents of (0,2) and (0,4): the difference is 2t-2 on [1,2] and 4-t on [2,4],
        # so ||λ - λ'||_2^2 = 4/3 + 8/3 = 4; the Betti curves differ by 1 on [2, 4]: L1 = 2
        dgms = [Diagrams([[[0.0, 2.0]]]), Diagrams([[[0.0, 4.0]]])]
        grid = {"n_bins": 4001, "sample_range": (0.0, 4.0)}
        D = pairwise_distances(dgms, metric="landscape", n_layers=1, **grid)
        assert D[0, 1] == pytest.approx(2.0, abs=1e-3)
        B = pairwise_distances(dgms, metric="betti", p=1, **grid)
        assert B[0, 1] == pytest.approx(2.0, abs=1e-2)
        Dinf = pairwise_distances(dgms, metric="landscape", p=np.inf, n_layers=1, **grid)
        assert Dinf[0, 1] == pytest.approx(2.0, abs=1e-3)  # sup |λ - λ'| at t = 2: 0 vs 2
        # the silhouette of a single bar is its tent: the same L2 distance as the landscapes
        S = pairwise_distances(dgms, metric="silhouette", **grid)
        assert S[0, 1] == pytest.approx(2.0, abs=1e-3)
        # images are compared as pixel vectors
        from tda_nn.features import PersistenceImage

        vec = PersistenceImage((0,), n_pixels=5).fit_transform(dgms)
        img = pairwise_distances(dgms, metric="image", n_pixels=5)
        assert img[0, 1] == pytest.approx(np.linalg.norm(vec[0] - vec[1]), rel=1e-12)


# -- the transformer -------------------------------------------------------------------
def _classes(n_per_class=8, seed=0):
    """Class 0: one long H1 bar and noise; class 1: two long bars and noise."""
    rng = np.random.default_rng(seed)
    X, y = [], []
    for label in (0, 1):
        for _ in range(n_per_class):
            long_bars = [[0.1 * rng.uniform(), 1.0 + 0.1 * rng.uniform()] for _ in range(label + 1)]
            noise = random_diagram(rng, 5) * 0.1
            X.append(Diagrams([np.vstack([long_bars, noise])]))
            y.append(label)
    return X, np.array(y)


class TestDiagramDistance:
    def test_transform_is_distances_to_the_fitted_diagrams(self):
        X, _ = _classes(3)
        est = DiagramDistance(metric="bottleneck")
        assert est.fit(X[:4]) is est
        out = est.transform(X)
        assert out.shape == (len(X), 4)
        np.testing.assert_allclose(out, pairwise_distances(X, X[:4], metric="bottleneck"))
        assert list(est.get_feature_names_out()[:2]) == ["distance_0", "distance_1"]

    def test_kernel(self):
        X, _ = _classes(3)
        D = DiagramDistance(metric="sliced_wasserstein").fit(X).transform(X)
        K = DiagramDistance(metric="sliced_wasserstein", kernel=True, sigma=0.5).fit(X).transform(X)
        np.testing.assert_allclose(K, np.exp(-(D**2) / 0.5))
        E = DiagramDistance(metric="sliced_wasserstein", kernel="exponential", sigma=0.5).fit(X).transform(X)
        np.testing.assert_allclose(E, np.exp(-D / 0.5))
        assert np.linalg.eigvalsh(E).min() > -1e-9  # Carrière et al.: exp(-SW / 2σ²) is positive definite

    def test_svm_and_grid_search_pipeline(self):
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import GridSearchCV
        from sklearn.pipeline import make_pipeline
        from sklearn.svm import SVC

        X, y = _classes(8)
        Xt, yt = _classes(5, seed=1)
        svm = make_pipeline(DiagramDistance(metric="sliced_wasserstein", kernel="exponential"),
                            SVC(kernel="precomputed"))
        assert svm.fit(X, y).score(Xt, yt) == 1.0
        pipe = make_pipeline(DiagramDistance(metric="wasserstein"), LogisticRegression())
        search = GridSearchCV(pipe, {"diagramdistance__p": [1.0, 2.0]}, cv=2).fit(X, y)
        assert search.best_estimator_.score(Xt, yt) == 1.0

    def test_vectorised_metric_uses_the_fitted_grid(self):
        X, _ = _classes(3)
        est = DiagramDistance(metric="landscape", metric_params={"n_bins": 50}).fit(X)
        whole = est.transform(X)
        np.testing.assert_allclose(est.transform(X[:2]), whole[:2])  # one batch or another: same grid

    def test_sklearn_contract(self):
        X, _ = _classes(3)
        est = DiagramDistance(metric="wasserstein", p=2.0, kernel=True)
        params = est.get_params()
        c = clone(est)
        assert c.get_params() == params
        with pytest.raises(NotFittedError):
            c.transform(X)
        est.fit(X)
        assert est.get_params() == params
        again = pickle.loads(pickle.dumps(est))
        np.testing.assert_array_equal(again.transform(X), est.transform(X))


# -- bad input -------------------------------------------------------------------------
class TestBadInput:
    def test_nan(self):
        with pytest.raises(ValueError, match="NaN"):
            bottleneck(np.array([[0.0, np.nan]]), EMPTY)
        with pytest.raises(ValueError, match="NaN"):
            wasserstein(np.array([[0.0, np.nan, 1.0]]), np.array([[0.0, 1.0, 1.0]]))

    def test_missing_and_mismatched_dimensions(self):
        X = Diagrams([[[0.0, 1.0]], [[0.0, 2.0]]])
        Y = Diagrams([[[0.0, 1.0]]])
        with pytest.raises(ValueError, match="X holds 2 homology dimensions and Y holds 1"):
            wasserstein(X, Y)
        with pytest.raises(ValueError, match="Y has no H1"):
            wasserstein(X, Y, dim=1)
        with pytest.raises(ValueError, match="dim is required"):
            bottleneck(np.array([[0.0, 1.0]]), X)
        with pytest.raises(ValueError, match=r"X\[1\] has no H1"):
            pairwise_distances([X, Y], dim=1)
        with pytest.raises(ValueError, match="different numbers of homology dimensions"):
            pairwise_distances([X, Y])

    def test_bad_parameters(self):
        X = np.array([[0.0, 1.0]])
        with pytest.raises(TypeError, match="unexpected"):
            DiagramDistance(metric="bottleneck", metric_params={"n_bins": 3}).fit([X, X])
        with pytest.raises(ValueError, match="p must be >= 1"):
            wasserstein(X, X, p=0.5)
        with pytest.raises(ValueError, match="essential"):
            bottleneck(X, X, essential="drop")
        with pytest.raises(ValueError, match="Did you mean 'wasserstein'"):
            pairwise_distances([X, X], metric="wasserstien")
        with pytest.raises(TypeError, match="unexpected"):
            pairwise_distances([X, X], metric="bottleneck", p=2)
        with pytest.raises(ValueError, match="shape"):
            bottleneck(np.zeros((3, 4)), X)
        with pytest.raises(TypeError, match="single Diagrams"):
            pairwise_distances(Diagrams([X]))

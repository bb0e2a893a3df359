"""Tests for tda_nn.features: closed forms, agreement with gudhi and persim, the sklearn contract."""

from __future__ import annotations

import itertools
import pickle
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import (
    check_get_params_invariance,
    check_no_attributes_set_in_init,
    check_parameters_default_constructible,
    check_set_params,
)

from tda_nn.diagrams import Diagrams
from tda_nn.features import (
    Amplitude,
    BettiCurve,
    PersistenceImage,
    PersistenceLandscape,
    PersistenceStatistics,
    PersistentEntropy,
    Silhouette,
    TopologicalFeatures,
    TropicalCoordinates,
)

SQRT2 = np.sqrt(2.0)


def random_bars(rng, k, *, essential=0):
    b = rng.uniform(0, 1, k)
    d = b + rng.exponential(0.3, k) + 1e-3
    bars = np.column_stack([b, d])
    if essential:
        bars = np.vstack([bars, np.column_stack([rng.uniform(0, 0.2, essential), np.full(essential, np.inf)])])
    return bars


def random_diagrams(n=12, seed=0, essential=0, k=(5, 40)):
    rng = np.random.default_rng(seed)
    return [
        Diagrams([random_bars(rng, rng.integers(*k), essential=essential), random_bars(rng, rng.integers(*k))])
        for _ in range(n)
    ]


def h(diags, dim):
    """One homology dimension as the list of (k, 2) arrays the peers take."""
    return [np.asarray(d[dim]) for d in diags]


# ----------------------------------------------------------------------------- closed forms
class TestClosedForms:
    def test_single_bar_landscape_peaks_at_one(self):
        d = Diagrams([[[0.0, 2.0]]])
        pl = PersistenceLandscape((0,), n_layers=2, n_bins=201, sample_range=(0.0, 2.0)).fit(d)
        out = pl.transform(d).reshape(2, 201)
        grid = pl.grid_[0]
        assert out[0].max() == pytest.approx(1.0)
        assert grid[out[0].argmax()] == pytest.approx(1.0)
        np.testing.assert_allclose(out[0], np.minimum(grid, 2.0 - grid), atol=1e-12)
        np.testing.assert_array_equal(out[1], 0.0)

    def test_nested_bars_second_layer(self):
        # bars (0, 4) and (1, 3): lambda_1 is the big tent, lambda_2 the small one
        d = Diagrams([[[0.0, 4.0], [1.0, 3.0]]])
        out = PersistenceLandscape((0,), n_layers=3, n_bins=5, sample_range=(0, 4)).fit_transform(d)
        np.testing.assert_allclose(out.reshape(3, 5), [[0, 1, 2, 1, 0], [0, 0, 1, 0, 0], [0, 0, 0, 0, 0]])

    @pytest.mark.parametrize("k", [1, 2, 3, 7, 50])
    def test_k_equal_bars_entropy_log_k(self, k):
        d = Diagrams([np.column_stack([np.arange(k), np.arange(k) + 2.5])])
        assert PersistentEntropy((0,)).fit_transform(d)[0, 0] == pytest.approx(np.log(k), abs=1e-12)
        normalized = PersistentEntropy((0,), normalize=True).fit_transform(d)[0, 0]
        assert normalized == pytest.approx(1.0 if k > 1 else 0.0)

    def test_betti_curve_counts_at_every_grid_point(self):
        diags = random_diagrams(8, seed=1, essential=2)
        bc = BettiCurve(n_bins=57).fit(diags)
        out = bc.transform(diags)
        for s, d in enumerate(diags):
            for i in range(2):
                expect = [d.betti_numbers(at=t)[i] for t in bc.grid_[i]]
                np.testing.assert_array_equal(out[s, i * 57 : (i + 1) * 57], expect)

    def test_betti_curve_hand_counts(self):
        d = Diagrams([[[0.0, 1.0], [0.5, 2.0], [0.5, 0.5]]])
        out = BettiCurve((0,), n_bins=5, sample_range=(0, 2)).fit_transform(d)
        np.testing.assert_array_equal(out, [[1, 2, 1, 1, 0]])  # t = 0, .5, 1, 1.5, 2

    def test_silhouette_weighted_mean_of_tents(self):
        d = Diagrams([[[0.0, 2.0], [0.0, 4.0]]])  # weights 2 and 4
        out = Silhouette((0,), power=1.0, n_bins=5, sample_range=(0, 4)).fit_transform(d)
        np.testing.assert_allclose(out, [[0, 1, 8 / 6, 1 * 4 / 6, 0]])  # t = 0, 1, 2, 3, 4
        out0 = Silhouette((0,), power=0.0, n_bins=5, sample_range=(0, 4)).fit_transform(d)
        np.testing.assert_allclose(out0, [[0, 1, 1, 0.5, 0]])

    def test_amplitude_is_norm_of_lifetimes(self):
        diags = random_diagrams(6, seed=2)
        out = Amplitude(p=(1, 2, 3.5, np.inf)).fit_transform(diags)
        for s, d in enumerate(diags):
            for i in range(2):
                life = d.lifetimes(i)
                expect = [np.sum(life), np.linalg.norm(life), np.sum(life**3.5) ** (1 / 3.5), life.max()]
                np.testing.assert_allclose(out[s, 4 * i : 4 * i + 4], expect, rtol=1e-12)

    def test_statistics_match_numpy(self):
        diags = random_diagrams(7, seed=3)
        qs = (0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0)
        stats = PersistenceStatistics(quantiles=qs).fit(diags)
        out = stats.transform(diags)
        width = 1 + 2 * (4 + len(qs))
        for s, d in enumerate(diags):
            for i in range(2):
                a = np.asarray(d[i])
                expect = [len(a)]
                for v in (a[:, 1] - a[:, 0], a.mean(axis=1)):
                    expect += [v.sum(), v.mean(), v.std(), v.max(), *np.quantile(v, qs)]
                np.testing.assert_allclose(out[s, i * width : (i + 1) * width], expect, rtol=1e-12, atol=1e-12)
        names = list(stats.get_feature_names_out())
        assert names[:3] == ["H0_count", "H0_lifetime_sum", "H0_lifetime_mean"]
        assert "H1_midpoint_q25" in names

    def test_tropical_against_brute_force(self):
        diags = random_diagrams(6, seed=4, k=(1, 9))
        r = 2.5
        out = TropicalCoordinates(r=r).fit_transform(diags)
        for s, d in enumerate(diags):
            for i in range(2):
                a = np.asarray(d[i])
                life, birth = a[:, 1] - a[:, 0], a[:, 0]
                padded = np.concatenate([life, np.zeros(4)])  # missing bars have length zero
                tops = [max(sum(c) for c in itertools.combinations(padded, k)) for k in range(1, 5)]
                m = np.minimum(r * life, birth)
                gap = sum(max(m + life) - (m[j] + life[j]) for j in range(len(life)))
                expect = [*tops, life.sum(), m.sum(), gap]
                np.testing.assert_allclose(out[s, 7 * i : 7 * i + 7], expect, rtol=1e-12, atol=1e-12)

    def test_tropical_fitted_r_is_median_ratio(self):
        d = Diagrams([[[1.0, 2.0], [3.0, 4.0], [2.0, 6.0]]])  # b / l = 1, 3, 0.5
        assert TropicalCoordinates((0,)).fit(d).r_[0] == pytest.approx(1.0)
        d0 = Diagrams([[[0.0, 2.0], [0.0, 4.0]]])  # Rips H0: births 0
        assert TropicalCoordinates((0,)).fit(d0).r_[0] == 1.0

    def test_image_pixels_against_numerical_integration(self):
        # our own brute force: midpoint rule on a 400 x 400 sub-grid of every pixel
        d = Diagrams([[[0.2, 0.7], [0.5, 0.6], [0.1, 1.0]]])
        pi = PersistenceImage((0,), n_pixels=(3, 4), sigma=0.15, birth_range=(0, 0.6), persistence_range=(0, 1))
        out = pi.fit_transform(d).reshape(3, 4)
        pts = np.array([[0.2, 0.5], [0.5, 0.1], [0.1, 0.9]])
        w = pts[:, 1]
        be, pe = pi.birth_edges_[0], pi.persistence_edges_[0]
        m = 400
        for j in range(3):
            for k in range(4):
                xs = be[j] + (np.arange(m) + 0.5) * (be[j + 1] - be[j]) / m
                ys = pe[k] + (np.arange(m) + 0.5) * (pe[k + 1] - pe[k]) / m
                X, Y = np.meshgrid(xs, ys, indexing="ij")
                dens = sum(
                    wi * np.exp(-((X - x) ** 2 + (Y - y) ** 2) / (2 * 0.15**2)) / (2 * np.pi * 0.15**2)
                    for (x, y), wi in zip(pts, w)
                )
                brute = dens.mean() * (be[j + 1] - be[j]) * (pe[k + 1] - pe[k])
                assert out[j, k] == pytest.approx(brute, rel=1e-5, abs=1e-9)

    def test_image_mass_is_total_weight_when_inside(self):
        d = Diagrams([[[0.4, 0.9], [0.5, 0.8]]])
        out = PersistenceImage((0,), n_pixels=30, sigma=0.01, weight="uniform",
                               birth_range=(0, 1), persistence_range=(0, 1)).fit_transform(d)
        assert out.sum() == pytest.approx(2.0, abs=1e-9)


# ----------------------------------------------------------------------------- peers
@pytest.fixture(scope="module")
def diags():
    """The peers' test diagrams (module-level: pytest 9.1 deprecates class-scoped fixtures on instances)."""
    return random_diagrams(15, seed=7)


class TestAgreementWithPeers:
    """gudhi.representations and persim as oracles, on random diagrams without infinite bars."""

    @pytest.fixture(autouse=True)
    def _quiet(self):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield

    def test_landscape_vs_gudhi(self, diags):
        from gudhi.representations import Landscape

        for n_layers in (1, 3, 12):  # 12 exercises the partition path
            pl = PersistenceLandscape(n_layers=n_layers, n_bins=64).fit(diags)
            ours = pl.transform(diags)
            for i in range(2):
                lo, hi = pl.grid_[i][[0, -1]]
                g = Landscape(num_landscapes=n_layers, resolution=64, sample_range=[lo, hi]).fit_transform(h(diags, i))
                np.testing.assert_allclose(ours[:, i * n_layers * 64 : (i + 1) * n_layers * 64], g / SQRT2, atol=1e-9)

    @pytest.mark.parametrize("power", [0.0, 1.0, 2.5])
    def test_silhouette_vs_gudhi(self, diags, power):
        from gudhi.representations import Silhouette as GSilhouette

        sil = Silhouette(power=power, n_bins=50).fit(diags)
        ours = sil.transform(diags)
        for i in range(2):
            lo, hi = sil.grid_[i][[0, -1]]
            g = GSilhouette(weight=lambda x: (x[1] - x[0]) ** power, resolution=50, sample_range=[lo, hi])
            np.testing.assert_allclose(ours[:, i * 50 : (i + 1) * 50], g.fit_transform(h(diags, i)) / SQRT2, atol=1e-9)

    def test_betti_vs_gudhi(self, diags):
        from gudhi.representations import BettiCurve as GBetti

        bc = BettiCurve(n_bins=80).fit(diags)
        ours = bc.transform(diags)
        for i in range(2):
            g = GBetti(predefined_grid=bc.grid_[i]).fit_transform(h(diags, i))
            np.testing.assert_array_equal(ours[:, i * 80 : (i + 1) * 80], g)

    def test_entropy_vs_gudhi_and_persim(self, diags):
        from gudhi.representations import Entropy
        from persim.persistent_entropy import persistent_entropy

        ours = PersistentEntropy().fit_transform(diags)
        ours_n = PersistentEntropy(normalize=True).fit_transform(diags)
        for i in range(2):
            np.testing.assert_allclose(ours[:, i], Entropy(mode="scalar").fit_transform(h(diags, i))[:, 0], rtol=1e-9)
            np.testing.assert_allclose(ours[:, i], persistent_entropy(h(diags, i)), rtol=1e-9)
            np.testing.assert_allclose(ours_n[:, i], persistent_entropy(h(diags, i), normalize=True), rtol=1e-9)

    @pytest.mark.parametrize("sigma", [0.05, 0.2])
    def test_image_vs_persim(self, diags, sigma):
        from persim import PersistenceImager

        pim = PersistenceImager(birth_range=(0.0, 1.0), pers_range=(0.0, 2.0), pixel_size=0.1,
                                kernel_params={"sigma": sigma**2})
        bp, pp = pim._bpnts, pim._ppnts  # persim's pixel edges
        ours = PersistenceImage(n_pixels=(len(bp) - 1, len(pp) - 1), sigma=sigma, weight="linear",
                                birth_range=(bp[0], bp[-1]), persistence_range=(pp[0], pp[-1])).fit_transform(diags)
        size = (len(bp) - 1) * (len(pp) - 1)
        for i in range(2):
            theirs = np.stack([img.ravel() for img in pim.transform(h(diags, i))])
            np.testing.assert_allclose(ours[:, i * size : (i + 1) * size], theirs, atol=1e-9, rtol=1e-7)

    def test_image_vs_gudhi_in_the_fine_pixel_limit(self, diags):
        # gudhi samples the density at pixel corners instead of integrating over pixels (no exact
        # alignment exists); with tiny pixels, integral / area -> density, so the two must converge.
        from gudhi.representations import PersistenceImage as GImage

        n, sigma = 200, 0.2
        ours = PersistenceImage((1,), n_pixels=n, sigma=sigma, weight="linear",
                                birth_range=(0, 1), persistence_range=(0, 2)).fit_transform(diags[:3])
        area = (1 / n) * (2 / n)
        centres_b = (np.arange(n) + 0.5) / n
        centres_p = (np.arange(n) + 0.5) * 2 / n
        g = GImage(bandwidth=sigma, weight=lambda x: x[1], resolution=[n, n],
                   im_range=[centres_b[0], centres_b[-1], centres_p[0], centres_p[-1]]).fit_transform(h(diags[:3], 1))
        g = g.reshape(3, n, n).transpose(0, 2, 1).reshape(3, -1)  # gudhi is persistence-major
        np.testing.assert_allclose(ours / area, g, rtol=3e-3, atol=1e-6)  # midpoint-rule error ~ (h/sigma)^2


# ----------------------------------------------------------------------------- inputs and errors
ALL = [
    BettiCurve(n_bins=20),
    PersistenceLandscape(n_layers=2, n_bins=15),
    Silhouette(power=2.0, n_bins=10),
    PersistenceImage(n_pixels=(4, 5)),
    PersistentEntropy(normalize=True),
    Amplitude(),
    PersistenceStatistics(),
    TropicalCoordinates(),
    TopologicalFeatures(),
]
IDS = [type(t).__name__ for t in ALL]


@pytest.mark.parametrize("est", ALL, ids=IDS)
def test_sklearn_contract(est):
    X = random_diagrams(10, seed=11, essential=1)
    est = clone(est)
    # scikit-learn's own checks that need no 2-D data (the rest skip: the input is diagrams)
    name = type(est).__name__
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # e.g. "TypeError occurred during set_params"
        check_no_attributes_set_in_init(name, clone(est))
        check_parameters_default_constructible(name, clone(est))
        check_get_params_invariance(name, clone(est))
        check_set_params(name, clone(est))
    before = est.get_params(deep=False)
    # clone and get_params round trip
    twin = clone(est)
    assert twin is not est and repr(twin.get_params(deep=False)) == repr(before)
    assert repr(clone(est).set_params(**est.get_params(deep=False)).get_params(deep=False)) == repr(before)
    # not fitted
    with pytest.raises(NotFittedError):
        est.transform(X)
    with pytest.raises(NotFittedError):
        est.get_feature_names_out()
    # fit returns self and leaves parameters unchanged
    assert est.fit(X) is est
    assert repr(est.get_params(deep=False)) == repr(before)
    out = est.transform(X)
    assert out.shape == (10, est.n_features_out_) and out.dtype == np.float64 and np.isfinite(out).all()
    names = est.get_feature_names_out()
    assert len(names) == out.shape[1] and len(set(names)) == len(names)
    # deterministic, and transform changes nothing
    np.testing.assert_array_equal(est.transform(X), out)
    np.testing.assert_array_equal(est.fit_transform(X), out)
    # pickling, fitted and unfitted
    again = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(again.transform(X), out)
    assert repr(pickle.loads(pickle.dumps(clone(est))).get_params(deep=False)) == repr(before)
    # a single Diagrams is one sample
    np.testing.assert_allclose(est.transform(X[3]), out[3:4])
    # empty diagrams give zeros, not a crash
    empty = est.transform([Diagrams([np.empty((0, 2)), np.empty((0, 2))])])
    assert empty.shape == (1, est.n_features_out_)
    np.testing.assert_array_equal(empty, 0.0)


@pytest.mark.parametrize("est", ALL, ids=IDS)
def test_giotto_array_input_matches_diagrams(est):
    X = random_diagrams(5, seed=12, essential=1)
    width = max(len(d.to_giotto()) for d in X) + 3
    stack = np.zeros((5, width, 3))
    for s, d in enumerate(X):
        g = d.to_giotto()
        stack[s, : len(g)] = g
        stack[s, len(g) :] = [0.3, 0.3, 1]  # giotto-tda padding: birth == death
    est = clone(est).fit(X)
    np.testing.assert_allclose(est.transform(stack), est.transform(X), atol=1e-12)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_vectorisers_ignore_bar_order(seed):
    rng = np.random.default_rng(seed)
    X = [Diagrams([random_bars(rng, int(rng.integers(1, 12))), random_bars(rng, int(rng.integers(0, 6)))])]
    perm = [Diagrams([a[rng.permutation(len(a))] for a in X[0]])]
    for est in ALL:
        fitted = clone(est).fit(X)
        np.testing.assert_allclose(fitted.transform(perm), fitted.transform(X), atol=1e-12)


class TestInfinity:
    def test_clip_sets_death_to_fitted_max(self):
        X = [Diagrams([[[0.0, np.inf], [0.0, 1.0], [0.5, 3.0]]])]
        amp = Amplitude((0,), p=(1,)).fit(X)
        assert amp.ranges_[0].tolist() == [0.0, 3.0]
        assert amp.transform(X)[0, 0] == pytest.approx(3.0 + 1.0 + 2.5)
        assert Amplitude((0,), p=(1,), infinity="drop").fit_transform(X)[0, 0] == pytest.approx(3.5)

    def test_drop_equals_finite_part(self):
        X = random_diagrams(6, seed=13, essential=2)
        finite = [d.finite() for d in X]
        for est in (PersistentEntropy(), PersistenceLandscape(n_bins=20), PersistenceStatistics()):
            a = clone(est).set_params(infinity="drop").fit(X)
            b = clone(est).set_params(infinity="drop").fit(finite)
            np.testing.assert_allclose(a.transform(X), b.transform(finite))

    def test_betti_keeps_essential_bars_alive_to_the_grid_end(self):
        X = [Diagrams([[[0.0, np.inf], [0.0, 1.0]]])]
        out = BettiCurve((0,), n_bins=3).fit_transform(X)
        np.testing.assert_array_equal(out, [[2, 2, 1]])  # t = 0, 0.5, 1: the H0 class outlives the grid


class TestBadInput:
    def test_absent_dimension_at_fit(self):
        X = [Diagrams([[[0.0, 1.0]], [[0.2, 0.5]]])]
        with pytest.raises(ValueError, match=r"H2 but the diagrams hold H0\.\.H1"):
            BettiCurve((0, 2)).fit(X)

    def test_dimension_mismatch_at_transform(self):
        est = Amplitude((0, 1)).fit([Diagrams([[[0.0, 1.0]], [[0.2, 0.5]]])])
        with pytest.raises(ValueError, match=r"fitted on H0, H1 but X\[0\] holds only H0"):
            est.transform([Diagrams([[[0.0, 1.0]]])])

    def test_nan_in_giotto_array(self):
        X = np.array([[[0.0, 1.0, 0.0], [np.nan, 1.0, 1.0]]])
        with pytest.raises(ValueError, match="NaN"):
            PersistentEntropy().fit(X)

    def test_nan_cannot_enter_diagrams(self):
        with pytest.raises(ValueError, match="NaN"):
            Diagrams([[[0.0, np.nan]]])

    def test_wrong_types(self):
        # a list of (k, 2) arrays is one raw diagram PER SAMPLE (persim's and giotto-tda's habit);
        # ripser.py's dgms of one sample is passed wrapped: [dgms]
        est = BettiCurve(n_bins=5).fit([np.array([[0.0, 1.0]]), np.array([[0.1, 0.2]])])
        assert est.dims_ == (0,)
        assert est.transform([np.array([[0.0, 1.0]]), np.array([[0.1, 0.2]])]).shape == (2, 5)
        est = BettiCurve(n_bins=5).fit([[np.array([[0.0, 1.0]]), np.array([[0.1, 0.2]])]])
        assert est.transform([[np.array([[0.0, 1.0]]), np.array([[0.1, 0.2]])]]).shape == (1, 10)
        with pytest.raises(TypeError, match="X must be"):
            BettiCurve().fit("diagrams")
        with pytest.raises(ValueError, match="no diagrams"):
            BettiCurve().fit([])

    @pytest.mark.parametrize(
        "est, match",
        [
            (BettiCurve(n_bins=0), "n_bins"),
            (BettiCurve(infinity="keep"), "infinity"),
            (BettiCurve(homology_dimensions=(1, 1)), "repeat"),
            (PersistenceLandscape(n_layers=0), "n_layers"),
            (Silhouette(sample_range=(1, 0)), "sample_range"),
            (PersistenceImage(weight="cubic"), "weight"),
            (PersistenceImage(sigma=0.0), "sigma"),
            (Amplitude(p=0.5), "p"),
            (PersistenceStatistics(quantiles=(0.5, 2)), "quantiles"),
            (TropicalCoordinates(r=-1.0), "r"),
        ],
    )
    def test_bad_parameters_fail_at_fit(self, est, match):
        with pytest.raises((ValueError, TypeError), match=match):
            est.fit(random_diagrams(2))

    def test_transform_of_empty_list_is_refused(self):
        est = BettiCurve(n_bins=7).fit(random_diagrams(2))
        with pytest.raises(ValueError, match="X is empty"):
            est.transform([])


def test_feature_names():
    X = random_diagrams(3)
    assert BettiCurve(n_bins=20).fit(X).get_feature_names_out()[37] == "H1_betti_17"
    pl = PersistenceLandscape(n_layers=3, n_bins=10).fit(X)
    assert pl.get_feature_names_out()[15] == "H0_landscape_2_5"
    assert list(PersistentEntropy().fit(X).get_feature_names_out()) == ["H0_entropy", "H1_entropy"]
    assert list(Amplitude((1,)).fit(X).get_feature_names_out()) == ["H1_amplitude_l1", "H1_amplitude_l2",
                                                                    "H1_amplitude_linf"]
    tf = TopologicalFeatures([("ent", PersistentEntropy((1,)))]).fit(X)
    assert list(tf.get_feature_names_out()) == ["ent__H1_entropy"]


def test_topological_features_concatenates_and_overrides():
    X = random_diagrams(5, seed=21)
    tf = TopologicalFeatures([("ent", PersistentEntropy()), ("amp", Amplitude(p=(1,)))],
                             homology_dimensions=(1,)).fit(X)
    expect = np.hstack([PersistentEntropy((1,)).fit(X).transform(X), Amplitude((1,), p=(1,)).fit(X).transform(X)])
    np.testing.assert_allclose(tf.transform(X), expect)
    assert tf.get_params()["amp__p"] == (1,)
    tf.set_params(amp__p=(2,))
    assert tf.transformers[1][1].p == (2,)
    with pytest.raises(ValueError, match="transformers are named"):
        tf.set_params(nope__p=1)


def _toy_classification(n=40, seed=0):
    """Class 1 has one long H1 bar (a loop); class 0 only short ones."""
    rng = np.random.default_rng(seed)
    X, y = [], []
    for s in range(n):
        label = s % 2
        h1 = random_bars(rng, 6) * 0.2
        if label:
            h1 = np.vstack([h1, [[0.1 + 0.05 * rng.random(), 0.9 + 0.1 * rng.random()]]])
        X.append(Diagrams([random_bars(rng, 10, essential=1), h1]))
        y.append(label)
    return X, np.array(y)


def test_grid_search_pipeline():
    X, y = _toy_classification()
    pipe = make_pipeline(PersistenceLandscape(n_bins=20), StandardScaler(), LogisticRegression(max_iter=500))
    search = GridSearchCV(pipe, {"persistencelandscape__n_layers": [1, 2], "persistencelandscape__infinity":
                                 ["clip", "drop"]}, cv=3).fit(X, y)
    assert search.best_score_ >= 0.9
    assert search.predict(X[:4]).tolist() == [0, 1, 0, 1]

    union = TopologicalFeatures([("stats", PersistenceStatistics()), ("land", PersistenceLandscape(n_bins=10))])
    pipe = make_pipeline(union, StandardScaler(), LogisticRegression(max_iter=500))
    search = GridSearchCV(pipe, {"topologicalfeatures__land__n_layers": [1, 2]}, cv=3).fit(X, y)
    assert search.best_score_ >= 0.9
    assert search.best_estimator_[0].transformers_[1][1].n_layers in (1, 2)


def test_on_real_persistence_of_a_circle():
    from conftest import circle

    from tda_nn import persistence

    d = persistence(circle(40, noise=0.01, seed=0), maxdim=1)
    (b, death), = np.asarray(d[1])
    bc = BettiCurve((1,), n_bins=3, sample_range=(b, death)).fit([d])
    np.testing.assert_array_equal(bc.transform(d), [[1, 1, 0]])  # one loop from its birth to its death
    pl = PersistenceLandscape((1,), n_layers=1, n_bins=3, sample_range=(b, death)).fit(d)
    assert pl.transform(d)[0, 1] == pytest.approx((death - b) / 2)

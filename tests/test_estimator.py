"""Tests for tda_nn.homology.Persistence: known topology, the scikit-learn contract, pipelines."""

from __future__ import annotations

import pickle
import warnings

import joblib
import numpy as np
import pytest
from conftest import circle, sphere
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import estimator_checks as ec

import tda_nn
from tda_nn.diagrams import Diagrams
from tda_nn.features import BettiCurve
from tda_nn.homology import Persistence


def two_classes(n: int, seed: int, n_points: int = 60) -> tuple[list[np.ndarray], np.ndarray]:
    """Noisy circles of random radius (label 0) and Gaussian blobs (label 1), alternating."""
    rng = np.random.default_rng(seed)
    X = []
    for i in range(n):
        if i % 2 == 0:
            t = rng.uniform(0, 2 * np.pi, n_points)
            X.append(rng.uniform(0.8, 1.2) * np.c_[np.cos(t), np.sin(t)] + rng.normal(scale=0.08, size=(n_points, 2)))
        else:
            X.append(rng.normal(scale=0.6, size=(n_points, 2)))
    return X, np.arange(n) % 2


def bars_equal(a: Diagrams, b: Diagrams) -> bool:
    return len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b))


# ----------------------------------------------------------------------------- known topology
class TestDiagrams:
    def test_circle_and_sphere_betti_numbers(self):
        dgms = Persistence(maxdim=2).fit_transform([circle(30), sphere(80, seed=1)])
        assert [int((d.lifetimes(1) > 0.5).sum()) for d in dgms] == [1, 0]
        assert [int((d.lifetimes(2) > 0.3).sum()) for d in dgms] == [0, 1]
        assert all(d.maxdim == 2 and np.isinf(d[0][:, 1]).sum() == 1 for d in dgms)

    def test_same_bars_as_persistence_and_sample_index(self):
        X = [circle(25, noise=0.05, seed=s) for s in range(3)]
        out = Persistence(maxdim=1, backend="ripser").fit_transform(X)
        for i, (x, d) in enumerate(zip(X, out)):
            assert bars_equal(d, tda_nn.persistence(x, maxdim=1, backend="ripser"))
            assert d.meta["sample"] == i and d.meta["backend"] == "ripser"

    def test_array_input_equals_list_input(self):
        X = np.stack([circle(20, noise=0.05, seed=s) for s in range(3)])
        a = Persistence().fit_transform(X)
        b = Persistence().fit_transform(list(X))
        c = Persistence().fit_transform(x for x in X)  # a generator is read once
        assert len(c) == 3 and all(bars_equal(x, y) and bars_equal(x, z) for x, y, z in zip(a, b, c))

    def test_precomputed_matrices_equal_points(self):
        from scipy.spatial.distance import pdist, squareform

        X = [circle(20, noise=0.05, seed=s) for s in range(2)]
        D = [squareform(pdist(x)) for x in X]
        est = Persistence(metric="precomputed", backend="ripser")
        from_d = est.fit_transform(D)
        from_x = Persistence(backend="ripser").fit_transform(X)
        assert not hasattr(est, "n_features_in_")
        for a, b in zip(from_d, from_x):
            for i in range(2):
                np.testing.assert_allclose(a[i], b[i], rtol=1e-6)

    def test_cubical_images(self):
        img = np.ones((9, 9))
        img[2:7, 2:7] = 0.0
        img[4, 4] = 1.0  # a square ring of low values around a high centre: one H1 class
        out = Persistence(complex="cubical").fit_transform([img, np.zeros((5, 5))])
        assert [len(d[1]) for d in out] == [1, 0]
        assert out[0][1].tolist() == [[0.0, 1.0]]

    def test_landmarks_and_n_jobs(self):
        X = [circle(80, noise=0.05, seed=s) for s in range(4)]
        serial = Persistence(n_landmarks=30).fit_transform(X)
        assert all(d.meta["n_landmarks"] == 30 and d.meta["bottleneck_bound"] > 0 for d in serial)
        with joblib.parallel_config(backend="threading"):
            parallel = Persistence(n_landmarks=30, n_jobs=2).fit_transform(X)
        assert all(bars_equal(a, b) for a, b in zip(serial, parallel))


# ----------------------------------------------------------------------------- scikit-learn contract
# scikit-learn's common checks that need no 2-D data. The rest feed (n_samples, n_features)
# arrays and compare array outputs; a Persistence sample is a cloud and its output a list of
# Diagrams, so its tags say three_d_array only and the equivalents below run on clouds.
API_CHECKS = [
    ec.check_estimator_cloneable,
    ec.check_estimator_tags_renamed,
    ec.check_valid_tag_types,
    ec.check_estimator_repr,
    ec.check_no_attributes_set_in_init,
    ec.check_parameters_default_constructible,
    ec.check_get_params_invariance,
    ec.check_set_params,
    ec.check_mixin_order,
    ec.check_do_not_raise_errors_in_init_or_set_params,
    ec.check_estimators_unfitted,
    ec.check_transformers_unfitted,
]


@pytest.mark.parametrize("check", API_CHECKS, ids=lambda c: c.__name__)
def test_sklearn_api_checks(check):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check("Persistence", Persistence(maxdim=2, n_landmarks=20))


def test_tags_say_three_d_input():
    tags = Persistence().__sklearn_tags__()
    assert (tags.input_tags.two_d_array, tags.input_tags.three_d_array, tags.requires_fit) == (False, True, True)


class TestContractOnClouds:
    """The common checks that need data, run on clouds instead of 2-D arrays."""

    X = [circle(20, noise=0.05, seed=s) for s in range(5)]

    def test_fit_returns_self_and_learns_shape(self):
        est = Persistence(maxdim=2)
        assert est.fit(self.X) is est
        assert est.homology_dimensions_ == (0, 1, 2) and est.n_features_in_ == 2

    def test_fit_does_not_change_params(self):
        est = Persistence(maxdim=1, threshold=np.inf, n_landmarks=10)
        before = joblib.hash(est.get_params())
        est.fit_transform(self.X)
        assert joblib.hash(est.get_params()) == before

    def test_transform_changes_nothing_and_is_idempotent(self):
        est = Persistence().fit(self.X)
        state = joblib.hash(est.__dict__)
        a = est.transform(self.X)
        b = est.transform(self.X)
        assert joblib.hash(est.__dict__) == state
        assert all(bars_equal(x, y) for x, y in zip(a, b))

    def test_sample_order_and_subset_invariance(self):
        est = Persistence().fit(self.X)
        full = est.transform(self.X)
        perm = [4, 2, 0, 3, 1]
        assert all(bars_equal(full[p], d) for p, d in zip(perm, est.transform([self.X[p] for p in perm])))
        assert all(bars_equal(full[i], d) for i, d in zip((1, 3), est.transform([self.X[1], self.X[3]])))

    def test_read_only_input(self):
        ro = [x.copy() for x in self.X]
        for x in ro:
            x.setflags(write=False)
        out = Persistence().fit_transform(ro)
        assert all(bars_equal(a, b) for a, b in zip(out, Persistence().fit_transform(self.X)))

    def test_clone_round_trip(self):
        est = Persistence(maxdim=2, complex="witness", n_landmarks=12, seed=3, n_jobs=2).fit(self.X)
        copy = clone(est)
        assert copy.get_params() == est.get_params()
        assert not hasattr(copy, "homology_dimensions_")
        assert repr(copy) == "Persistence(complex='witness', maxdim=2, n_jobs=2, n_landmarks=12, seed=3)"

    def test_pickle_round_trip(self):
        est = Persistence(n_landmarks=15).fit(self.X)
        back = pickle.loads(pickle.dumps(est))
        assert all(bars_equal(a, b) for a, b in zip(back.transform(self.X), est.transform(self.X)))

    def test_width_learned_at_fit_is_required_at_transform(self):
        est = Persistence().fit(self.X)
        with pytest.raises(ValueError, match="X\\[0\\] has 3 features, but this Persistence was fitted on clouds of 2"):
            est.transform([np.zeros((5, 3)) + np.arange(5)[:, None]])
        mixed = Persistence().fit([self.X[0], np.c_[self.X[1], self.X[1][:, :1]]])
        assert not hasattr(mixed, "n_features_in_")
        assert len(mixed.transform([np.eye(4)])) == 1


class TestBadInput:
    def test_unfitted(self):
        with pytest.raises(NotFittedError):
            Persistence().transform([circle(10)])

    def test_one_cloud_not_wrapped(self):
        with pytest.raises(ValueError, match=r"got an array of shape \(10, 2\)\. For a single cloud, pass \[X\]"):
            Persistence().fit(circle(10))

    def test_diagrams_as_input(self):
        d = tda_nn.persistence(circle(10))
        with pytest.raises(TypeError, match="got diagrams; they are the output of Persistence"):
            Persistence().fit([d])

    def test_empty_and_bad_cloud(self):
        with pytest.raises(ValueError, match="X holds no samples"):
            Persistence().fit([])
        with pytest.raises(ValueError, match=r"X\[1\] contains 1 NaN"):
            Persistence().fit([circle(5), np.array([[0.0, 1.0], [np.nan, 0.0]])])

    @pytest.mark.parametrize(
        ("params", "error", "match"),
        [
            ({"maxdim": -1}, ValueError, "maxdim must be >= 0"),
            ({"complex": "ripz"}, ValueError, "Did you mean 'rips'"),
            ({"coeff": 4}, ValueError, "coeff must be a prime"),
            ({"backend": "ripserpp"}, ValueError, "backend must be one of"),
            ({"n_landmarks": 1}, ValueError, "n_landmarks must be >= 2"),
            ({"n_jobs": 0}, ValueError, "n_jobs must be a positive number"),
            ({"metric": 3}, TypeError, "metric must be a metric name"),
            ({"periodic": "yes"}, TypeError, "periodic must be True or False"),
        ],
    )
    def test_bad_parameters_at_fit(self, params, error, match):
        est = Persistence(**params)  # __init__ stores, fit validates
        with pytest.raises(error, match=match):
            est.fit([circle(10)])


# ----------------------------------------------------------------------------- pipelines
def test_grid_search_separates_circles_from_blobs():
    X, y = two_classes(40, seed=0)
    pipe = Pipeline([("ph", Persistence()), ("bc", BettiCurve()), ("sc", StandardScaler()),
                     ("clf", LogisticRegression())])
    grid = [
        {"ph__maxdim": [0], "bc__homology_dimensions": [(0,)], "bc__n_bins": [8, 24]},
        {"ph__maxdim": [1], "bc__homology_dimensions": [(1,), (0, 1)], "bc__n_bins": [8, 24]},
    ]
    search = GridSearchCV(pipe, grid, cv=StratifiedKFold(3, shuffle=True, random_state=0), error_score="raise")
    search.fit(X, y)
    assert search.best_score_ >= 0.95
    assert len(search.cv_results_["params"]) == 6
    X_new, y_new = two_classes(20, seed=1)
    assert search.score(X_new, y_new) >= 0.95
    # H1 alone tells a circle from a blob: its longest bar
    h1 = Pipeline([("ph", Persistence()), ("bc", BettiCurve((1,), n_bins=16)), ("clf", LogisticRegression())])
    assert h1.fit(X, y).score(X_new, y_new) >= 0.95
    # the refitted pipeline clones the steps and keeps the chosen parameters
    best = search.best_estimator_
    assert best.named_steps["ph"].maxdim == search.best_params_["ph__maxdim"]
    assert clone(best).get_params()["ph__maxdim"] == search.best_params_["ph__maxdim"]

"""Topological probes: circles against blobs, the scikit-learn conventions, the controls, and bad input by name."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression

import tda_nn
from tda_nn.diagnostics.probes import ProbeScores, TopologicalProbe, probe_layers, sample_inputs


def _clouds(n_each: int, seed: int, n_points: int = 24) -> tuple[list[np.ndarray], np.ndarray]:
    """``n_each`` noisy circles (label 1) and ``n_each`` Gaussian blobs of the same spread (label 0), shuffled."""
    rng = np.random.default_rng(seed)
    t = np.linspace(0, 2 * np.pi, n_points, endpoint=False)
    ring = np.c_[np.cos(t), np.sin(t)]
    X = [ring * rng.uniform(0.5, 2.0) + rng.normal(0, 0.05, ring.shape) for _ in range(n_each)]
    X += [rng.normal(0, rng.uniform(0.35, 1.4), (n_points, 2)) for _ in range(n_each)]
    y = np.r_[np.ones(n_each, int), np.zeros(n_each, int)]
    order = rng.permutation(2 * n_each)
    return [X[i] for i in order], y[order]


@pytest.fixture(scope="module")
def data():
    return _clouds(20, seed=0), _clouds(20, seed=1)


class TestCirclesAgainstBlobs:
    def test_held_out_accuracy_is_one(self, data):
        (X, y), (X_test, y_test) = data
        probe = TopologicalProbe()
        assert probe.fit(X, y) is probe
        # a circle has one long H1 bar at any scale, a blob none: every held-out cloud is classified right
        assert probe.score(X_test, y_test) == 1.0
        assert list(probe.classes_) == [0, 1]
        proba = probe.predict_proba(X_test)
        assert proba.shape == (40, 2) and np.allclose(proba.sum(axis=1), 1.0)
        assert (proba[np.arange(40), y_test] > 0.5).all()

    def test_probe_layers_beside_its_controls(self):
        X, y = _clouds(15, seed=2)
        per_sample = {"rings": np.stack(X), "noise": np.random.default_rng(3).normal(size=(30, 24, 2))}
        pooled = {name: a.mean(axis=1) for name, a in per_sample.items()}
        scores = probe_layers(per_sample, pooled, y, cv=3, seed=0)
        assert scores.layers == ("rings", "noise")
        assert scores.topological[0] == 1.0  # the shape carries the label
        assert scores.topological[1] < 0.8  # pure noise: no structure to read
        assert scores.chance == 0.5
        assert scores.shuffled[0] < 0.8  # the same probe on shuffled labels
        assert scores.meta == {"kind": "cloud", "maxdim": 1, "cv": 3, "seed": 0}
        assert ProbeScores.from_dict(scores.to_dict()).to_dict() == scores.to_dict()
        assert "rings: topo 1.00" in repr(scores)


class TestScikitLearnConventions:
    def test_init_stores_parameters_and_clone_keeps_them(self):
        clf = LogisticRegression(C=3.0)
        probe = TopologicalProbe(maxdim=0, complex="cubical", classifier=clf, n_jobs=2)
        assert probe.get_params(deep=False) == {"maxdim": 0, "complex": "cubical", "features": None, "classifier": clf,
                                      "n_jobs": 2}
        twin = clone(probe)
        assert twin is not probe and twin.get_params()["maxdim"] == 0 and twin.get_params()["classifier"].C == 3.0
        assert probe.set_params(maxdim=1) is probe and probe.maxdim == 1

    def test_learned_state_ends_in_underscore_and_fit_does_not_touch_parameters(self, data):
        (X, y), _ = data
        probe = TopologicalProbe()
        before = dict(vars(probe))
        probe.fit(X, y)
        learned = set(vars(probe)) - set(before)
        assert learned and all(name.endswith("_") for name in learned)
        assert {k: vars(probe)[k] for k in before} == before  # features=None is not replaced by the default

    def test_custom_classifier_is_cloned_not_fitted_in_place(self, data):
        (X, y), (X_test, y_test) = data
        clf = LogisticRegression(C=1.0, max_iter=500)
        probe = TopologicalProbe(classifier=clf).fit(X, y)
        assert not hasattr(clf, "coef_") and probe.score(X_test, y_test) == 1.0

    def test_predict_before_fit(self, data):
        (X, _), _ = data
        with pytest.raises(NotFittedError):
            TopologicalProbe().predict(X)

    def test_cubical_on_images(self):
        rng = np.random.default_rng(0)
        yy, xx = np.mgrid[-1:1:16j, -1:1:16j]
        r = np.hypot(yy, xx)
        rings = [np.exp(-((r - 0.6) ** 2) / 0.02) + rng.normal(0, 0.05, r.shape) for _ in range(12)]
        discs = [np.exp(-(r ** 2) / 0.2) + rng.normal(0, 0.05, r.shape) for _ in range(12)]
        X, y = rings + discs, np.r_[np.ones(12, int), np.zeros(12, int)]
        # the ring's sublevel sets close a loop around its dark centre; the disc's never do
        probe = TopologicalProbe(complex="cubical").fit(X[::2], y[::2])
        assert probe.score(X[1::2], y[1::2]) == 1.0


class TestBadInput:
    def test_parameters_named(self, data):
        (X, y), _ = data
        with pytest.raises(ValueError, match="maxdim"):
            TopologicalProbe(maxdim=-1).fit(X, y)
        with pytest.raises(ValueError, match="complex"):
            TopologicalProbe(complex="alpha").fit(X, y)
        with pytest.raises(ValueError, match="X has 40 samples but y has 39"):
            TopologicalProbe().fit(X, y[:-1])

    def test_probe_layers_arguments_named(self):
        X, y = _clouds(6, seed=0)
        A = {"a": np.stack(X)}
        pooled = {"a": np.stack(X).mean(axis=1)}
        with pytest.raises(ValueError, match="single class"):
            probe_layers(A, pooled, np.zeros(12, int))
        with pytest.raises(ValueError, match="cv=7 stratified folds"):
            probe_layers(A, pooled, y, cv=7)
        with pytest.raises(ValueError, match="cv must be >= 2"):
            probe_layers(A, pooled, y, cv=1)
        with pytest.raises(ValueError, match="per_sample and pooled must hold the same layers"):
            probe_layers(A, {"b": pooled["a"]}, y)
        with pytest.raises(ValueError, match="y must be one label per sample"):
            probe_layers(A, pooled, y.reshape(6, 2))
        with pytest.raises(ValueError, match="NaN"):
            probe_layers(A, pooled, np.r_[y[:-1], np.nan].astype(float))
        with pytest.raises(ValueError, match="layer 'a' has 12 samples but y has 10"):
            probe_layers(A, {"a": pooled["a"][:10]}, y[:10])

    def test_sample_inputs(self):
        A = np.arange(2 * 3 * 4 * 5, dtype=float).reshape(2, 3, 4, 5)
        clouds = sample_inputs(A)
        assert len(clouds) == 2 and clouds[0].shape == (20, 3)  # (H*W, C) per sample
        images = sample_inputs(A, kind="image")
        np.testing.assert_allclose(images[1], A[1].mean(axis=0))
        with pytest.raises(ValueError, match=r"kind='image' needs feature maps of shape \(n, C, H, W\)"):
            sample_inputs(A[:, 0], kind="image")
        with pytest.raises(ValueError, match="kind must be one of"):
            sample_inputs(A, kind="graph")


def test_public_paths():
    import tda_nn.diagnostics as diagnostics
    import tda_nn.probes as old_path

    assert tda_nn.TopologicalProbe is diagnostics.TopologicalProbe is old_path.TopologicalProbe is TopologicalProbe
    assert tda_nn.probe_layers is probe_layers and tda_nn.ProbeScores is ProbeScores

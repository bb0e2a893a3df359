"""One table: every public function that takes arrays, fed NaN, inf, empty, wrong dtype,
wrong ndim and wrong types, raises the documented error naming the argument."""

from __future__ import annotations

import importlib

import numpy as np
import pytest

GOOD = np.random.default_rng(0).normal(size=(30, 3))


def _bad(kind: str, good: np.ndarray):
    if kind == "nan":
        x = good.astype(float).copy()
        x[1, 0] = np.nan
        return x, ValueError, "NaN"
    if kind == "inf":
        x = good.astype(float).copy()
        x[2, 1] = np.inf
        return x, ValueError, "inf"
    if kind == "empty":
        return np.empty((0,) + good.shape[1:]), ValueError, ""
    if kind == "dtype":
        return np.full(good.shape, "a"), TypeError, ""
    if kind == "ndim":
        return good.reshape(-1) if good.ndim > 1 else good[:, None, None], ValueError, ""
    if kind == "type":
        return {"not": "an array"}, TypeError, ""
    raise AssertionError(kind)


KINDS = ("nan", "inf", "empty", "dtype", "ndim", "type")

# (module, function, argument name, how to call it with the bad value, the good value)
CASES = [
    ("tda_nn", "persistence", "X", lambda f, v: f(v), GOOD),
    ("tda_nn", "persistence_batch", "X", lambda f, v: f([v]), GOOD),
    ("tda_nn.diagnostics", "cka", "X", lambda f, v: f(v, GOOD), GOOD),
    ("tda_nn.diagnostics", "twonn", "X", lambda f, v: f(v), GOOD),
    ("tda_nn.diagnostics", "rtd", "X", lambda f, v: f(v, GOOD, n_subsets=1), GOOD),
    ("tda_nn.diagnostics", "ph_dimension", "X", lambda f, v: f(v), GOOD),
    ("tda_nn.clouds", "landmarks", "X", lambda f, v: f(v, 5), GOOD),
    ("tda_nn.clouds", "pairwise_distances", "X", lambda f, v: f(v), GOOD),
    ("tda_nn.clouds", "knn_geodesic", "X", lambda f, v: f(v, 5), GOOD),
    ("tda_nn.clouds", "standardize", "X", lambda f, v: f(v), GOOD),
    ("tda_nn.clouds", "pca", "X", lambda f, v: f(v, n_components=2), GOOD),
]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("case", CASES, ids=[f"{m}.{f}" for m, f, *_ in CASES])
def test_bad_arrays_raise_clear_errors(case, kind):
    module, name, arg, call, good = case
    try:
        func = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        pytest.skip(f"{module}.{name} not available")
    value, err, word = _bad(kind, good)
    with pytest.raises((ValueError, TypeError)) as info:
        call(func, value)
    assert isinstance(info.value, err) or kind in ("empty", "ndim"), f"{name}: {kind} raised {info.type.__name__}"
    msg = str(info.value)
    assert arg in msg, f"{name}({kind}): message does not name {arg!r}: {msg}"
    assert word.lower() in msg.lower() or kind == "inf" and "infinite" in msg.lower()


def _diagrams():
    import tda_nn

    return [tda_nn.Diagrams([[[0.0, 1.0], [0.0, np.inf]], [[0.2, 0.5]]]) for _ in range(3)]


@pytest.mark.parametrize(
    "name", ["BettiCurve", "PersistenceLandscape", "Silhouette", "PersistenceImage", "PersistentEntropy",
             "Amplitude", "PersistenceStatistics", "TropicalCoordinates", "TopologicalFeatures"],
)
def test_vectorisers_refuse_bad_diagrams(name):
    import tda_nn

    est = getattr(tda_nn, name)()
    with pytest.raises(TypeError, match="X"):
        est.fit("not diagrams")
    with pytest.raises(TypeError, match="X"):
        est.fit([np.zeros(3)])
    nan = np.array([[[0.0, np.nan, 1.0]]])
    with pytest.raises(ValueError, match="NaN"):
        est.fit(nan)
    est.fit(_diagrams())
    with pytest.raises((ValueError, TypeError), match="X"):
        est.transform(np.zeros((2, 3)))


def test_diagrams_constructor_and_capture_refuse_bad_input():
    import tda_nn

    with pytest.raises(ValueError, match="NaN"):
        tda_nn.Diagrams([[[np.nan, 1.0]]])
    with pytest.raises(TypeError, match="diagrams"):
        tda_nn.Diagrams(3)
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError, match="model"):
        tda_nn.capture("not a model", torch.zeros(3, 2))
    model = torch.nn.Sequential(torch.nn.Linear(2, 2))
    with pytest.raises(ValueError, match="data"):
        tda_nn.capture(model, torch.zeros(0, 2), layers=["0"], progress=False)
    with pytest.raises((KeyError, ValueError), match=r"layers.*no module named '1'.*'0'"):
        tda_nn.capture(model, torch.zeros(4, 2), layers=["1"], progress=False)
    named = torch.nn.Sequential()
    named.add_module("encoder", torch.nn.Linear(2, 2))
    with pytest.raises((KeyError, ValueError), match="Did you mean 'encoder'"):
        tda_nn.capture(named, torch.zeros(4, 2), layers=["encoderr"], progress=False)

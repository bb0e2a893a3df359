"""Property test over the public functions' numeric arguments (issue 26).

For every case Hypothesis draws -- a cloud or diagrams at a scale from 1e-300 to
1e300, with NaN, inf, no row, one row or duplicate rows, and counts from -1 to
10**12 -- each public function must give the right answer or a clear error, in
bounded time:

* right: scale-equivariant results (distances, radii, diagrams, DTM weights) equal
  ``scale`` times the answer at scale 1; scale-invariant ones (standardize, TwoNN,
  CKA, entropy) equal it; duplicates give their known answers;
* clear: a ``ValueError`` or ``TypeError`` (``MemoryBudgetError`` is both a
  ``MemoryError`` and a ``ValueError``) whose message names the argument at fault;
* bounded: Hypothesis's per-example deadline (``DEADLINE_MS``).
"""

from __future__ import annotations

import math
import os
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tda_nn
from tda_nn import Diagrams
from tda_nn.distances import pairwise_distances as diagram_distances

DEADLINE_MS = 4000
# TDA_NN_EXTREMES=300 explores further (derandomised, so a run is repeatable)
PROPS = settings(max_examples=int(os.environ.get("TDA_NN_EXTREMES", "20")), deadline=DEADLINE_MS,
                 suppress_health_check=[HealthCheck.too_slow], derandomize=True)

BASE = np.random.default_rng(26).normal(size=(30, 3))  # generic: no ties, no symmetry
EXPONENTS = st.sampled_from([-300, -200, -150, -100, -30, -8, 0, 8, 30, 100, 150, 200, 300])
KINDS = st.sampled_from(["plain", "plain", "plain", "empty", "one", "dups", "nan", "inf"])
COUNTS = st.sampled_from([-1, 0, 1, 2, 5, 29, 30, 31, 10**12, 2.5, float("nan"), True])


def _cloud(kind: str, scale: float) -> np.ndarray:
    X = BASE * scale
    if kind == "empty":
        return X[:0]
    if kind == "one":
        return X[:1]
    if kind == "dups":
        return np.repeat(X[:3], 10, axis=0)
    if kind == "nan":
        X = X.copy()
        X[4, 1] = np.nan
    if kind == "inf":
        X = X.copy()
        X[2, 0] = -np.inf
    return X


def _attempt(call, *names):
    """``("ok", result)``, or ``("refused", exc)`` after checking that the error is clear and names one of ``names``."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return "ok", call()
    except (ValueError, TypeError) as exc:
        msg = str(exc)
        assert any(n in msg for n in names), f"{type(exc).__name__} does not name {names}: {msg}"
        return "refused", exc


def _close(got, want, scale=1.0, rtol=1e-7):
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    assert got.shape == want.shape
    assert np.isfinite(got).all() == np.isfinite(want).all()
    np.testing.assert_allclose(got / scale, want, rtol=rtol, atol=rtol * max(1.0, float(np.abs(want).max(initial=0))))


def _count_ok(n, lo: int, hi: int) -> bool:
    return isinstance(n, int) and not isinstance(n, bool) and lo <= n <= hi


# -- clouds --------------------------------------------------------------------------------
@PROPS
@given(kind=KINDS, e=EXPONENTS, n=COUNTS)
def test_landmarks(kind, e, n):
    s = 10.0**e
    X = _cloud(kind, s)
    status, out = _attempt(lambda: tda_nn.landmarks(X, n), "X", "n")
    if kind in ("empty", "nan", "inf") or not _count_ok(n, 1, len(X)):
        assert status == "refused"
        return
    if status == "refused":  # only the float range may refuse a valid cloud, by name
        assert "float64" in str(out) and math.isnan(s) is False and not 1e-290 < s < 1e290
        return
    if kind == "dups":  # three distinct points, ten copies each
        assert out.radius == 0.0 if n >= 3 else out.radius > 0
        assert len(set(map(tuple, X[out.indices[:3]]))) == min(n, 3)  # max-min never picks a copy before a new point
        return
    ref = tda_nn.landmarks(_cloud(kind, 1.0), n)
    assert out.indices.tolist() == ref.indices.tolist()
    _close(out.radius, ref.radius, s, rtol=1e-9)


@PROPS
@given(kind=KINDS, e=EXPONENTS, metric=st.sampled_from(["euclidean", "cosine", "correlation"]))
def test_cloud_distances(kind, e, metric):
    s = 10.0**e
    status, out = _attempt(lambda: tda_nn.pairwise_distances(_cloud(kind, s), metric=metric), "X")
    if kind in ("empty", "nan", "inf"):
        assert status == "refused"
        return
    assert status == "ok", out
    ref = tda_nn.pairwise_distances(_cloud(kind, 1.0), metric=metric)
    # the expansion |x|^2 + |y|^2 - 2 x.y resolves distances to about 1e-8 of the cloud's extent
    # (duplicates may come out 1e-8 apart), at every scale alike
    np.testing.assert_allclose(out / (s if metric == "euclidean" else 1.0), ref, rtol=1e-9, atol=1e-7 * ref.max())


@PROPS
@given(kind=KINDS, e=EXPONENTS)
def test_persistence(kind, e):
    s = 10.0**e
    status, out = _attempt(lambda: tda_nn.persistence(_cloud(kind, s), maxdim=1), "X")
    if kind in ("empty", "nan", "inf"):
        assert status == "refused"
        return
    if status == "refused":  # one point, or the float32 engines' range, refused by name
        assert kind == "one" or not 1e-30 <= s <= 1e36, out
        return
    ref = tda_nn.persistence(_cloud(kind, 1.0), maxdim=1)
    assert tda_nn.bottleneck(Diagrams([d / s for d in out]), ref) <= 1e-5 * float(np.abs(BASE).max())
    if kind in ("one", "dups"):  # duplicates are one point each: one essential H0 bar per distinct point
        assert len(out[0]) == (1 if kind == "one" else 3) and np.isinf(out[0][:, 1]).sum() == 1


@PROPS
@given(kind=KINDS, e=EXPONENTS, k=COUNTS)
def test_dtm_and_geodesics(kind, e, k):
    s = 10.0**e
    for fn in (tda_nn.dtm_weights, tda_nn.knn_geodesic):
        status, out = _attempt(lambda fn=fn: fn(_cloud(kind, s), k), "X", "k")
        if kind in ("empty", "nan", "inf") or not _count_ok(k, 1, len(_cloud(kind, 1.0)) - 1):
            assert status == "refused", f"{fn.__name__}({kind}, k={k!r}) answered {out!r}"
            continue
        if status == "refused":
            assert not 1e-290 < s < 1e290, out
            continue
        with warnings.catch_warnings():  # the reference at scale 1 warns as the attempt did (disconnected graph)
            warnings.simplefilter("ignore", UserWarning)
            ref = fn(_cloud(kind, 1.0), k)
        # bridges between components come from the expansion, which resolves 1e-8 of the extent
        np.testing.assert_allclose(out / s, ref, rtol=1e-9, atol=1e-7 * float(np.max(ref, where=np.isfinite(ref),
                                                                                      initial=1.0)))


@PROPS
@given(kind=KINDS, e=EXPONENTS)
def test_scale_invariant_summaries(kind, e):
    s = 10.0**e
    for name, fn in (("standardize", tda_nn.standardize), ("twonn", tda_nn.twonn),
                     ("ph_dimension", lambda X: tda_nn.ph_dimension(X, n_min=10, n_max=len(X), n_steps=4)),
                     ("pca", lambda X: tda_nn.pca(X, 2) / s),
                     ("cka", lambda X: tda_nn.cka(X, X[:, ::-1] ** 2 if len(X) else X))):
        status, out = _attempt(lambda fn=fn: fn(_cloud(kind, s)), "X", "Y")
        if kind in ("empty", "nan", "inf"):
            assert status == "refused", f"{name}({kind}) answered {out!r}"
            continue
        if name == "cka" and not 1e-100 < s < 1e100:
            continue  # X**2 itself leaves the float range there
        if status == "refused":  # one row or duplicates: too few distinct points, said by name
            assert kind in ("one", "dups"), f"{name} refused a plain cloud at {s:g}: {out}"
            continue
        with warnings.catch_warnings():  # the reference at scale 1 warns as the attempt did (constant columns)
            warnings.simplefilter("ignore", UserWarning)
            ref = fn(_cloud(kind, 1.0)) * (s if name == "pca" else 1.0)
        _close(out, ref, 1.0, rtol=1e-6)


# -- diagrams ------------------------------------------------------------------------------
BARS = [np.array([[0.0, 1.0], [0.2, 0.5], [0.1, 2.0]]), np.array([[0.0, 1.2], [0.3, 0.4]]),
        np.array([[0.05, 0.7], [0.5, 0.9], [0.6, 3.0], [0.0, 0.25]])]


@PROPS
@given(e=EXPONENTS, metric=st.sampled_from(["bottleneck", "wasserstein", "sliced_wasserstein"]))
def test_diagram_distances_scale_linearly(e, metric):
    s = 10.0**e
    ref = diagram_distances(BARS, metric=metric)
    status, out = _attempt(lambda: diagram_distances([b * s for b in BARS], metric=metric), "X")
    assert status == "ok", out
    _close(out, ref, s, rtol=1e-9)


@PROPS
@given(e=EXPONENTS, est=st.sampled_from([tda_nn.PersistentEntropy(), tda_nn.Amplitude(), tda_nn.BettiCurve(n_bins=9),
                                          tda_nn.PersistenceLandscape(n_bins=9), tda_nn.PersistenceStatistics(),
                                          tda_nn.PersistenceImage(n_pixels=3), tda_nn.TropicalCoordinates()]))
def test_vectorisers_at_any_scale(e, est):
    from sklearn.base import clone

    s = 10.0**e
    status, out = _attempt(lambda: clone(est).fit_transform([b * s for b in BARS]), "X")
    if status == "refused":  # only below the image's pixel resolution
        assert isinstance(est, tda_nn.PersistenceImage) and s < 1e-250, out
        return
    assert out.shape[0] == 3 and np.isfinite(out).all()
    ref = clone(est).fit_transform(BARS)
    # each feature is homogeneous in the scale: entropy, Betti counts and image ratios of degree 0, the rest
    # degree 1 or 2; a feature at scale s divided by the one at scale 1 is one power of s per column
    if isinstance(est, (tda_nn.PersistentEntropy, tda_nn.BettiCurve)):
        _close(out, ref, 1.0, rtol=1e-9)


@PROPS
@given(bad=st.sampled_from(["nan", "back", "inf_birth", "empty_list", "string", "ragged"]),
       call=st.sampled_from(["vectorise", "distances", "bottleneck"]))
def test_bad_diagrams_are_refused_by_name(bad, call):
    item = {"nan": np.array([[0.0, np.nan]]), "back": np.array([[1.0, 0.5]]), "inf_birth": np.array([[np.inf, np.inf]]),
            "empty_list": None, "string": "bars", "ragged": [[0.0, 1.0], [0.5]]}[bad]
    X = [] if bad == "empty_list" else [BARS[0], item]
    fn = {"vectorise": lambda: tda_nn.PersistentEntropy().fit_transform(X),
          "distances": lambda: diagram_distances(X),
          "bottleneck": lambda: tda_nn.bottleneck(BARS[0], X[1] if X else X)}[call]
    status, out = _attempt(fn, "X", "Y")
    if call == "bottleneck" and bad == "empty_list":  # [] is an empty diagram: half the longest bar
        assert status == "ok" and out == pytest.approx(0.95)
        return
    assert status == "refused", f"{call} on {bad} answered {out!r}"


@PROPS
@given(n_bins=COUNTS)
def test_huge_and_bad_counts_are_refused_by_name(n_bins):
    status, out = _attempt(lambda: tda_nn.BettiCurve(n_bins=n_bins).fit(BARS), "n_bins")
    assert (status == "ok") == _count_ok(n_bins, 1, 10**6), out


@pytest.mark.parametrize("scale", [1e300, 1e-300])
def test_issue_26_circles(scale):
    """The issue's two clouds: a circle at 1e300 and at 1e-300 (normal float64)."""
    t = np.linspace(0, 2 * np.pi, 100, endpoint=False)
    C = np.c_[np.cos(t), np.sin(t)]
    L = tda_nn.landmarks(C * scale, 20)
    assert L.radius / scale == pytest.approx(tda_nn.landmarks(C, 20).radius, rel=1e-12)
    D = tda_nn.pairwise_distances(C * scale)
    assert np.isfinite(D).all() and D.max() / scale == pytest.approx(2.0, rel=1e-12)

"""Every familiar diagram format gives the same numbers as ``Diagrams`` in every vectoriser and distance.

The formats: ripser.py's result dict and its ``dgms`` list, gudhi's persistence list
``[(dim, (birth, death)), ...]``, giotto-tda's ``(k, 3)`` triples one sample at a time and
its padded ``(n, k, 3)`` stack, and a raw ``(k, 2)`` array (one diagram: H0 of one sample in
vectorisers, compared with ``dim=`` in distances; a list of them is one sample per array in
``pairwise_distances`` only).
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone

from tda_nn import distances, features
from tda_nn.diagrams import Diagrams


def sample(rng: np.random.Generator) -> Diagrams:
    """H0 with one essential bar, H1 with finite bars; every dimension non-empty (gudhi omits empty ones)."""
    k0, k1 = rng.integers(3, 9), rng.integers(1, 6)
    b1 = rng.uniform(0.2, 1.0, k1)
    h0 = np.column_stack([np.zeros(k0), rng.uniform(0.05, 0.8, k0)])
    h0 = np.vstack([h0, [0.0, np.inf]])
    h1 = np.column_stack([b1, b1 + rng.exponential(0.4, k1) + 1e-3])
    return Diagrams([h0, h1], meta={"backend": "test"})


@pytest.fixture(scope="module")
def diags() -> list[Diagrams]:
    rng = np.random.default_rng(2024)
    return [sample(rng) for _ in range(6)]


def giotto_stack(diags: list[Diagrams]) -> np.ndarray:
    """giotto-tda's (n, k, 3): each sample padded per dimension with zero-length (0, 0, dim) triples."""
    width = {d: max(len(x[d]) for x in diags) for d in range(2)}
    out = []
    for x in diags:
        rows = [x.to_giotto()]
        for d in range(2):
            rows.append(np.tile([0.0, 0.0, float(d)], (width[d] - len(x[d]), 1)))
        out.append(np.vstack(rows))
    return np.stack(out)


# one sample in each format
ONE = {
    "ripser dict": lambda d: {"dgms": d.to_list(), "num_edges": 10, "dperm2all": None},
    "ripser dgms": lambda d: d.to_list(),
    "gudhi": lambda d: d.to_gudhi(),
    "giotto (k, 3)": lambda d: d.to_giotto(),
    "giotto (k, 3) padded": lambda d: np.vstack([d.to_giotto(), [[0.0, 0.0, 0.0], [0.3, 0.3, 1.0]]]),
}
# many samples in each format
MANY = {name: (lambda ds, f=f: [f(d) for d in ds]) for name, f in ONE.items()}
MANY["giotto (n, k, 3)"] = giotto_stack

VECTORISERS = [getattr(features, name)() for name in features.__all__]
VECTOR_IDS = list(features.__all__)


def assert_same(got, want, what: str) -> None:
    np.testing.assert_allclose(np.asarray(got, dtype=float), np.asarray(want, dtype=float), rtol=1e-12, atol=1e-12,
                               err_msg=what)


# ----------------------------------------------------------------------------- vectorisers
@pytest.mark.parametrize("est", VECTORISERS, ids=VECTOR_IDS)
@pytest.mark.parametrize("form", list(MANY))
def test_vectorisers(est, form, diags):
    want = clone(est).fit_transform(diags)
    X = MANY[form](diags)
    assert_same(clone(est).fit_transform(X), want, f"{form}: fit_transform")
    assert_same(clone(est).fit(diags).transform(X), want, f"{form}: transform after fitting on Diagrams")


@pytest.mark.parametrize("est", VECTORISERS, ids=VECTOR_IDS)
def test_vectorisers_raw_array_is_one_sample_of_h0(est, diags):
    # the converter's rule: one (k, 2) array is one sample's H0; a LIST of (k, 2) arrays is one
    # sample's dimensions (ripser's dgms), never several samples
    est = clone(est).set_params(homology_dimensions=(0,))
    fitted = clone(est).fit([Diagrams([d[1]]) for d in diags])
    for d in diags:
        raw = np.asarray(d[1])
        assert_same(fitted.transform(raw), fitted.transform(Diagrams([raw])), "raw (k, 2)")
    assert_same(clone(est).fit_transform(np.asarray(diags[0][1])), clone(est).fit_transform(Diagrams([diags[0][1]])),
                "raw (k, 2) at fit")


# ----------------------------------------------------------------------------- distances
PAIR_FUNCTIONS = {
    "bottleneck": distances.bottleneck,
    "wasserstein": distances.wasserstein,
    "wasserstein p=2": lambda a, b, **kw: distances.wasserstein(a, b, p=2, internal_p=2, **kw),
    "sliced_wasserstein": distances.sliced_wasserstein,
}


@pytest.mark.parametrize("fn", list(PAIR_FUNCTIONS))
@pytest.mark.parametrize("form", list(ONE))
def test_pair_distances(fn, form, diags):
    f, to = PAIR_FUNCTIONS[fn], ONE[form]
    a, b = diags[0], diags[1]
    want = f(a, b)
    assert np.isfinite(want)
    assert f(to(a), to(b)) == pytest.approx(want, rel=1e-12, abs=1e-12)
    assert f(to(a), b) == pytest.approx(want, rel=1e-12, abs=1e-12)  # mixed with Diagrams
    assert f(to(a), to(b), dim=1) == pytest.approx(f(a, b, dim=1), rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("fn", list(PAIR_FUNCTIONS))
def test_pair_distances_raw_arrays(fn, diags):
    f = PAIR_FUNCTIONS[fn]
    a, b = diags[2], diags[3]
    for dim in (0, 1):
        assert f(np.asarray(a[dim]), np.asarray(b[dim])) == pytest.approx(f(a, b, dim=dim), rel=1e-12)
        assert f(np.asarray(a[dim]), b, dim=dim) == pytest.approx(f(a, b, dim=dim), rel=1e-12)


METRICS = ["bottleneck", "wasserstein", "sliced_wasserstein", "landscape", "silhouette", "betti", "image"]


@pytest.mark.parametrize("metric", METRICS)
@pytest.mark.parametrize("form", list(MANY))
def test_pairwise_and_diagram_distance(metric, form, diags):
    X = MANY[form](diags)
    want = distances.pairwise_distances(diags, metric=metric)
    assert_same(distances.pairwise_distances(X, metric=metric), want, f"{form}: pairwise_distances")
    assert_same(distances.pairwise_distances(X[:2], X[2:], metric=metric), want[:2, 2:], f"{form}: X vs Y")
    dd = distances.DiagramDistance(metric=metric)
    assert_same(clone(dd).fit(X).transform(X), clone(dd).fit(diags).transform(diags), f"{form}: DiagramDistance")


@pytest.mark.parametrize("metric", METRICS)
def test_pairwise_raw_arrays(metric, diags):
    raw = [np.asarray(d[1]) for d in diags]
    want = distances.pairwise_distances(diags, metric=metric, dim=1)
    assert_same(distances.pairwise_distances(raw, metric=metric), want, "raw (k, 2)")


# ----------------------------------------------------------------------------- what is and is not padding
def test_giotto_padding_is_zero_length_with_finite_birth(diags):
    d = diags[0]
    padded = np.vstack([d.to_giotto(), [[0.0, 0.0, 1.0], [0.7, 0.7, 0.0]]])
    est = features.PersistenceStatistics()
    assert_same(est.fit_transform([padded]), est.fit_transform([d]), "padding dropped")
    # a triple with an infinite birth is no padding (inf == inf): it is refused, not dropped
    bad = np.vstack([d.to_giotto(), [[np.inf, np.inf, 1.0]]])
    with pytest.raises(ValueError, match="infinite births"):
        est.fit_transform([bad])
    with pytest.raises(ValueError, match="infinite births"):
        distances.bottleneck(bad, d)


def test_a_dimension_without_bars_is_empty_not_absent(diags):
    """gudhi's list and giotto-tda's (k, 3) array cannot show an empty H1; it must still count as H1."""
    no_h1 = Diagrams([diags[0][0], np.empty((0, 2))])
    X = [diags[1], no_h1]
    for form in ("gudhi", "giotto (k, 3)"):
        f = ONE[form]
        assert f(no_h1) is not None and Diagrams.from_gudhi(no_h1.to_gudhi()).maxdim == 0  # the form lost H1
        for est in (features.BettiCurve(n_bins=7), features.PersistenceStatistics()):
            assert_same(clone(est).fit_transform([f(x) for x in X]), clone(est).fit_transform(X), form)
        want = distances.pairwise_distances(X, metric="wasserstein")
        assert_same(distances.pairwise_distances([f(x) for x in X], metric="wasserstein"), want, form)
        for fn in (distances.bottleneck, distances.wasserstein):
            assert fn(f(diags[1]), f(no_h1)) == pytest.approx(fn(diags[1], no_h1), rel=1e-12)
            assert fn(f(no_h1), f(no_h1), dim=1) == 0.0

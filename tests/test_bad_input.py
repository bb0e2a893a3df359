"""One table over the whole public API: every public callable, fed each kind of bad input.

``TABLE`` maps every public callable of ``tda_nn``, ``tda_nn.nn`` and
``tda_nn.diagnostics`` to its cases: ``kind -> Case``. A case either must raise
(``Raises``: a ``ValueError``/``TypeError``/``MemoryBudgetError`` whose message
names the argument) or must give the right answer (``Same``: equal to the answer
on the equivalent good input, e.g. bfloat16 tensors and float32 arrays).
``test_every_public_callable_has_an_entry`` fails when a public name has no entry,
so a new function cannot skip the table. Result types (frozen dataclasses that
only the library builds) are listed in ``RESULT_TYPES`` with that reason.

Inputs are tiny and built once; every case runs in milliseconds, and
pytest-timeout turns a hang into a failure.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

import tda_nn
import tda_nn.diagnostics as diag
import tda_nn.nn as tnn
from tda_nn import Diagrams, MemoryBudgetError

torch = pytest.importorskip("torch")

# -- the bad-input classes ---------------------------------------------------------------
KINDS = (
    "nan", "inf", "empty", "one_row", "ndim", "complex", "string", "object", "bool", "f16", "bf16", "meta",
    "huge", "nonpositive", "kwtype", "death_lt_birth", "nan_bars", "only_inf_bars",
)  # fmt: skip


@dataclass(frozen=True)
class Raises:
    """The call must raise ``errors`` with every word of ``words`` in the message (case-insensitive)."""

    call: Callable[[], Any]
    words: tuple[str, ...]
    errors: tuple[type, ...] = (ValueError, TypeError)


@dataclass(frozen=True)
class Same:
    """The call must succeed and give the same answer as ``reference`` (a valid input of the same values)."""

    call: Callable[[], Any]
    reference: Callable[[], Any]


@dataclass(frozen=True)
class Warns:
    """The call may succeed but must warn (a documented choice, e.g. capture's on_nonfinite='warn')."""

    call: Callable[[], Any]
    words: tuple[str, ...]


def raises(call, *words, errors=(ValueError, TypeError)):
    return Raises(call, tuple(words), errors)


# -- tiny inputs, built once ---------------------------------------------------------------
RNG = np.random.default_rng(0)
X = RNG.normal(size=(24, 3))
Y = RNG.normal(size=(24, 3))
X_NAN = X.copy()
X_NAN[3, 1] = np.nan
X_INF = X.copy()
X_INF[5, 0] = np.inf
X_EMPTY = np.empty((0, 3))
X_ONE = X[:1]
X_FLAT = X.ravel()
X_COMPLEX = X.astype(np.complex128)
X_STR = np.full(X.shape, "a")
X_RAGGED = [[1.0, 2.0], [3.0]]
X_BOOL = X > 0
X16 = torch.tensor(X, dtype=torch.float32).to(torch.float16)  # the values f16 can hold
XB16 = torch.tensor(X, dtype=torch.float32).to(torch.bfloat16)
X_META = torch.empty(24, 3, device="meta")

GOOD_DGMS = [Diagrams([[[0.0, 1.0], [0.0, np.inf]], [[0.2, 0.5], [0.3, 0.9]]]),
             Diagrams([[[0.0, 2.0], [0.0, np.inf]], [[0.1, 0.4]]]),
             Diagrams([[[0.0, 0.5], [0.0, np.inf]], [[0.6, 0.7]]])]
ONE_DGM = GOOD_DGMS[0]
BARS_BACK = np.array([[1.0, 0.5]])  # death < birth
BARS_NAN = np.array([[0.0, np.nan]])
BARS_INF = np.array([[0.0, np.inf], [1.0, np.inf]])  # only essential bars: valid
GIOTTO_BACK = np.array([[[1.0, 0.5, 0.0]]])
GIOTTO_NAN = np.array([[[0.0, np.nan, 0.0]]])

BIG = 10**9


def _mlp(seed=0):
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(3, 6), torch.nn.ReLU(), torch.nn.Linear(6, 2))


MODEL = _mlp()
MODEL_NAN = _mlp()
with torch.no_grad():
    MODEL_NAN[0].weight[0, 0] = float("nan")
MODEL_META = _mlp().to("meta")
XT = torch.tensor(X, dtype=torch.float32)
XT64 = torch.tensor(X, dtype=torch.float64)
YT = torch.tensor(np.arange(24) % 2)
ACTS = tda_nn.Activations({"a": X, "b": Y}, targets=np.arange(24) % 2)
PROFILE_KW = dict(n_bootstrap=0, n_landmarks=None)


# -- reusable groups of cases ---------------------------------------------------------
def cloud_cases(call: Callable[[Any], Any], arg: str = "X", *, one_row: bool = True, ndim: bool = True,
                bool_ok: bool = True, halves: bool = True) -> dict[str, Any]:
    """The point-cloud classes for a callable ``call(value)`` whose cloud argument is ``arg``."""
    cases = {
        "nan": raises(lambda: call(X_NAN), arg, "nan"),
        "inf": raises(lambda: call(X_INF), arg, "inf"),
        "empty": raises(lambda: call(X_EMPTY), arg),
        "complex": raises(lambda: call(X_COMPLEX), arg, "complex", errors=(TypeError,)),
        "string": raises(lambda: call(X_STR), arg, errors=(TypeError,)),
        "object": raises(lambda: call(X_RAGGED), arg),
        "meta": raises(lambda: call(X_META), arg, "meta"),
    }
    if one_row:
        cases["one_row"] = raises(lambda: call(X_ONE), arg)
    if ndim:
        cases["ndim"] = raises(lambda: call(X_FLAT), arg)
    if bool_ok:
        cases["bool"] = Same(lambda: call(X_BOOL), lambda: call(X_BOOL.astype(np.float64)))
    if halves:
        cases["f16"] = Same(lambda: call(X16), lambda: call(X16.float().numpy()))
        cases["bf16"] = Same(lambda: call(XB16), lambda: call(XB16.float().numpy()))
    return cases


def diagram_cases(call: Callable[[Any], Any], arg: str = "X", *, inf_ok: Callable[[], Any] | None = None) -> dict:
    """The diagram classes for ``call(diagrams)``; ``arg`` is the argument name."""
    cases = {
        "death_lt_birth": raises(lambda: call([[np.empty((0, 2)), BARS_BACK]]), "death < birth"),
        "nan_bars": raises(lambda: call(GIOTTO_NAN), arg, "nan"),
        "complex": raises(lambda: call(np.array([[[0, 1 + 1j, 0]]])), arg, "complex", errors=(TypeError,)),
        "string": raises(lambda: call("diagrams"), arg, errors=(TypeError,)),
        "empty": raises(lambda: call([]), arg, "empty"),
        "ndim": raises(lambda: call(np.zeros(3)), arg),
        "object": raises(lambda: call([np.zeros(3)]), arg),
    }
    if inf_ok is not None:
        cases["only_inf_bars"] = inf_ok
    return cases


def pair_cases(call: Callable[[Any], Any], arg: str = "X") -> dict:
    """The diagram classes for a distance ``call(one_sample)`` against a fixed two-dimension sample."""
    return {
        "death_lt_birth": raises(lambda: call([np.empty((0, 2)), BARS_BACK]), "death < birth"),
        "nan_bars": raises(lambda: call(GIOTTO_NAN[0]), arg, "nan"),
        "complex": raises(lambda: call(np.array([[0, 1 + 1j, 0]])), arg, "complex", errors=(TypeError,)),
        "string": raises(lambda: call("diagrams"), arg, errors=(TypeError,)),
        "ndim": raises(lambda: call(np.zeros(3)), arg),
        "object": raises(lambda: call([np.zeros(3)]), arg),
        "empty": Same(lambda: call([np.empty((0, 2)), np.empty((0, 2))]),
                      lambda: call(Diagrams([np.empty((0, 2)), np.empty((0, 2))]))),
    }


def int_cases(call: Callable[[Any], Any], arg: str, *, huge: bool = True) -> dict[str, Any]:
    """An integer parameter: zero/negative, wrong type and (when it sizes memory) huge."""
    cases = {
        "nonpositive": raises(lambda: call(0), arg),
        "kwtype": raises(lambda: call("8"), arg, errors=(TypeError,)),
    }
    if huge:
        cases["huge"] = raises(lambda: call(BIG), arg, errors=(MemoryBudgetError,))
    return cases


def model_cases(call: Callable[[Any], Any], *, nan_warns: bool = False) -> dict[str, Any]:
    cases = {
        "kwtype": raises(lambda: call("not a model"), "model", errors=(TypeError,)),
        "meta": raises(lambda: call(MODEL_META), "model", "meta"),
    }
    cases["nan"] = (Warns(lambda: call(MODEL_NAN), ("nan",)) if nan_warns
                    else raises(lambda: call(MODEL_NAN), "model", "nan"))
    return cases


def merge(*dicts: dict) -> dict:
    out: dict = {}
    for d in dicts:
        out.update(d)
    return out


def _vectoriser(cls, **params):
    def fit(v):
        return cls(**params).fit_transform(v)

    inf_ok = Same(lambda: cls(homology_dimensions=(0,)).fit_transform([Diagrams([BARS_INF])]),
                  lambda: cls(homology_dimensions=(0,)).fit_transform([Diagrams([BARS_INF])]))
    cases = diagram_cases(fit, inf_ok=inf_ok)
    cases["kwtype"] = raises(lambda: cls(homology_dimensions="0").fit(GOOD_DGMS), "homology_dimensions")
    cases["nonpositive"] = raises(lambda: cls(homology_dimensions=(-1,)).fit(GOOD_DGMS), "homology_dimensions")
    return cases


# -- the table ----------------------------------------------------------------------------
RESULT_TYPES = {
    # frozen results that only the library builds; their constructors take the library's own arrays
    "ActivationPatterns", "BoundaryDistance", "Landmarks", "LayerComparison", "LayerInfo", "LayerProfile",
    "NeuralPersistence", "PathRegions", "PlaneRegions", "ProbeScores", "RegionDensity", "SignificantBars",
    "SignificantClusters",
    "TrainingTrace", "Report",  # Report.load: tests/test_hostile_files.py
    "Finding",  # built by tda_nn.findings from the numbers of a report
    "Plan", "PlanError",  # built by plan_analysis (tested below) and the workflows' dry run
    "Cycle", "Cycles", "Lifeline", "Lifelines", "LoopSamples", "LieDerivative", "OrbitTopology", "SymmetryProfile",
    "SymmetrySummary", "ExactPlaneRegions", "LocalComplexity",
    "MapperGraph",  # built by tda_nn.mapper; from_members/from_dict refusals in tests/test_mapper.py
    # the error types themselves
    "CheckpointError", "MemoryBudgetError",
}  # fmt: skip

TABLE: dict[str, dict[str, Any]] = {
    # -- homology
    "persistence": merge(
        cloud_cases(lambda v: tda_nn.persistence(v, maxdim=1)),
        {"nonpositive": raises(lambda: tda_nn.persistence(X, maxdim=-1), "maxdim"),
         "kwtype": raises(lambda: tda_nn.persistence(X, maxdim="1"), "maxdim", errors=(TypeError,)),
         "huge": raises(lambda: tda_nn.persistence(RNG.normal(size=(3000, 3)), max_memory="1MB"), "max_memory",
                        errors=(MemoryBudgetError,))},
    ),
    "persistence_batch": merge(
        cloud_cases(lambda v: tda_nn.persistence_batch([X, v], maxdim=0), "clouds[1]: X", one_row=True),
        {"empty": raises(lambda: tda_nn.persistence_batch([]), "clouds"),
         "kwtype": raises(lambda: tda_nn.persistence_batch(3), "clouds", errors=(TypeError,))},
    ),
    "pmap": {
        "kwtype": raises(lambda: tda_nn.pmap(abs, [1, 2], n_jobs="2"), "n_jobs"),
        "nonpositive": raises(lambda: tda_nn.pmap(abs, [1, 2], n_jobs=0), "n_jobs"),
        "string": raises(lambda: tda_nn.pmap("abs", [1, 2]), "func", errors=(TypeError,)),
    },
    "Diagrams": {
        "death_lt_birth": raises(lambda: Diagrams([BARS_BACK]), "death < birth"),
        "nan_bars": raises(lambda: Diagrams([BARS_NAN]), "nan"),
        "only_inf_bars": Same(lambda: Diagrams([BARS_INF])[0], lambda: BARS_INF),
        "complex": raises(lambda: Diagrams([np.array([[0, 1 + 1j]])]), "diagram", "complex", errors=(TypeError,)),
        "empty": raises(lambda: Diagrams([np.empty((5, 0))]), "diagram", "(5, 0)"),
        "ndim": raises(lambda: Diagrams([np.zeros(3)]), "diagram", "(k, 2)"),
        "string": raises(lambda: Diagrams("abc"), "diagrams", errors=(TypeError,)),
        "object": raises(lambda: Diagrams([X_RAGGED]), "diagram", errors=(TypeError,)),
        "inf": raises(lambda: Diagrams([[[np.inf, np.inf]]]), "infinite births"),
        "kwtype": raises(lambda: Diagrams([BARS_INF], meta=3), "meta", errors=(TypeError,)),
    },
    # -- capture (torch wing)
    "capture": merge(
        model_cases(lambda m: tda_nn.capture(m, XT, layers=["1"], progress=False), nan_warns=True),
        {"complex": raises(lambda: tda_nn.capture(MODEL, XT.to(torch.complex64), layers=["1"], progress=False),
                           "complex"),
         "empty": raises(lambda: tda_nn.capture(MODEL, XT[:0], layers=["1"], progress=False), "data"),
         "f16": Same(lambda: tda_nn.capture(MODEL, XT64, layers=["1"], progress=False)["1"],
                     lambda: tda_nn.capture(MODEL, XT, layers=["1"], progress=False)["1"]),
         "bf16": Same(lambda: tda_nn.capture(MODEL, XB16, layers=["1"], progress=False)["1"],
                      lambda: tda_nn.capture(MODEL, XB16.float(), layers=["1"], progress=False)["1"]),
         "string": raises(lambda: tda_nn.capture(MODEL, "data"), "data", errors=(TypeError,)),
         "ndim": raises(lambda: tda_nn.capture(MODEL, (XT, YT[:5]), layers=["1"], progress=False), "data", "y"),
         "nonpositive": raises(lambda: tda_nn.capture(MODEL, XT, layers=["1"], batch_size=0, progress=False),
                               "batch_size"),
         "huge": raises(lambda: tda_nn.capture(MODEL, XT, layers=["1"], max_memory="100B", progress=False),
                        "max_memory", errors=(MemoryBudgetError,)),
         "inf": raises(lambda: tda_nn.capture(MODEL, XT, layers=["1"], device="cuda:99", progress=False),
                       "device")},
    ),
    "list_layers": model_cases(lambda m: tda_nn.list_layers(m) if not isinstance(m, str) else tda_nn.list_layers(m),
                               nan_warns=False) | {"nan": Same(lambda: len(tda_nn.list_layers(MODEL_NAN)),
                                                               lambda: len(tda_nn.list_layers(MODEL)))},
    "ActivationRecorder": {
        "kwtype": raises(lambda: tda_nn.ActivationRecorder("not a model"), "model", errors=(TypeError,)),
        "nonpositive": raises(lambda: tda_nn.ActivationRecorder(MODEL, ["1"], max_samples=0), "max_samples"),
        "string": raises(lambda: tda_nn.ActivationRecorder(MODEL, ["nope"]), "layers"),
    },
    "Activations": {
        "object": raises(lambda: tda_nn.Activations({"a": np.array([[1, 2], [3]], dtype=object)}), "arrays",
                         errors=(TypeError,)),
        "string": raises(lambda: tda_nn.Activations({"a": np.array([["a", "b"]])}), "arrays", errors=(TypeError,)),
        "complex": raises(lambda: tda_nn.Activations({"a": X_COMPLEX}), "arrays", "complex", errors=(TypeError,)),
        "ndim": raises(lambda: tda_nn.Activations({"a": np.zeros((2, 5, 3))}, mask=np.ones((2, 4))), "mask"),
        "empty": raises(lambda: tda_nn.Activations({}), "arrays"),
        "kwtype": raises(lambda: tda_nn.Activations({1: X}), "layer names", errors=(TypeError,)),
        "one_row": raises(lambda: tda_nn.Activations({"a": X}, targets=np.zeros(3)), "targets"),
        "meta": raises(lambda: tda_nn.Activations({"a": X_META}), "meta"),
        "bf16": Same(lambda: tda_nn.Activations({"a": XB16})["a"], lambda: XB16.float().numpy()),
    },
    # -- clouds
    "landmarks": merge(
        cloud_cases(lambda v: tda_nn.landmarks(v, 2).radius, one_row=False),
        {"nonpositive": raises(lambda: tda_nn.landmarks(X, 0), "n"),
         "kwtype": raises(lambda: tda_nn.landmarks(X, "3"), "n", errors=(TypeError,)),
         "huge": raises(lambda: tda_nn.landmarks(X, BIG), "n")},
    ),
    "pairwise_distances": merge(
        cloud_cases(lambda v: tda_nn.pairwise_distances(v), one_row=False),  # one row: the 1 x 1 matrix [[0]]
        {"huge": raises(lambda: tda_nn.pairwise_distances(X, max_memory=10), "max_memory",
                        errors=(MemoryBudgetError,)),
         "kwtype": raises(lambda: tda_nn.pairwise_distances(X, metric=3), "metric", errors=(TypeError,))},
    ),
    "standardize": cloud_cases(lambda v: tda_nn.standardize(v), one_row=False),
    "pca": merge(
        cloud_cases(lambda v: tda_nn.pca(v, n_components=2), bool_ok=False),
        int_cases(lambda k: tda_nn.pca(X, n_components=k), "n_components", huge=False),
    ),
    "knn_geodesic": merge(
        cloud_cases(lambda v: tda_nn.knn_geodesic(v, 3)),
        int_cases(lambda k: tda_nn.knn_geodesic(X, k), "k", huge=False),
    ),
    "nearest_neighbors": merge(
        cloud_cases(lambda v: tda_nn.nearest_neighbors(v, 3)),
        int_cases(lambda k: tda_nn.nearest_neighbors(X, k), "k", huge=False),
    ),
    "dtm_weights": merge(
        cloud_cases(lambda v: tda_nn.dtm_weights(v, 3)),
        int_cases(lambda k: tda_nn.dtm_weights(X, k), "k", huge=False),
    ),
    "sample_clouds": {
        "empty": raises(lambda: tda_nn.sample_clouds(np.zeros((0, 5, 3))), "A"),
        "one_row": raises(lambda: tda_nn.sample_clouds(np.zeros((4, 5, 0))), "A"),
        "ndim": raises(lambda: tda_nn.sample_clouds(X), "A"),
        "nan": raises(lambda: tda_nn.sample_clouds(np.full((2, 3, 2), np.nan)), "A", "nan"),
        "complex": raises(lambda: tda_nn.sample_clouds(np.zeros((2, 3, 2), complex)), "A", "complex"),
        "string": raises(lambda: tda_nn.sample_clouds(np.full((2, 3, 2), "a")), "A"),
        "kwtype": raises(lambda: tda_nn.sample_clouds(np.zeros((2, 3, 2)), mask=np.ones((2, 4))), "mask"),
        "bf16": Same(lambda: tda_nn.sample_clouds(torch.ones(2, 3, 2, dtype=torch.bfloat16))[0],
                     lambda: np.ones((3, 2), np.float32)),
    },
    "feature_map_images": {
        "empty": raises(lambda: tda_nn.feature_map_images(np.zeros((6, 2, 0, 0))), "A"),
        "ndim": raises(lambda: tda_nn.feature_map_images(X), "A"),
        "nan": raises(lambda: tda_nn.feature_map_images(np.full((1, 1, 2, 2), np.nan)), "A", "nan"),
        "complex": raises(lambda: tda_nn.feature_map_images(np.zeros((1, 1, 2, 2), complex)), "A", "complex"),
        "kwtype": raises(lambda: tda_nn.feature_map_images(np.zeros((1, 1, 2, 2)), channels=1.5), "channels"),
    },
    # -- features
    "BettiCurve": merge(_vectoriser(tda_nn.BettiCurve), {
        "huge": raises(lambda: tda_nn.BettiCurve(n_bins=10**10).fit(GOOD_DGMS), "n_bins",
                       errors=(MemoryBudgetError,))}),
    "PersistenceLandscape": merge(_vectoriser(tda_nn.PersistenceLandscape), {
        "huge": raises(lambda: tda_nn.PersistenceLandscape(n_layers=BIG).fit(GOOD_DGMS), "n_layers",
                       errors=(MemoryBudgetError,))}),
    "Silhouette": merge(_vectoriser(tda_nn.Silhouette), {
        "huge": raises(lambda: tda_nn.Silhouette(n_bins=10**10).fit(GOOD_DGMS), "n_bins",
                       errors=(MemoryBudgetError,)),
        "inf": Same(lambda: tda_nn.Silhouette((0,), n_bins=5).fit_transform([Diagrams([[[0, 1e300], [0, 2e300]]])]) / 1e300,
                    lambda: tda_nn.Silhouette((0,), n_bins=5).fit_transform([Diagrams([[[0, 1.0], [0, 2.0]]])]))}),
    "PersistenceImage": merge(_vectoriser(tda_nn.PersistenceImage), {
        "huge": raises(lambda: tda_nn.PersistenceImage(n_pixels=10**6).fit(GOOD_DGMS), "n_pixels",
                       errors=(MemoryBudgetError,)),
        # a subnormal persistence would need subnormal pixel sides: refused by name, never widened silently
        "inf": raises(lambda: tda_nn.PersistenceImage((0,)).fit_transform([Diagrams([[[0, 5e-324]]])]), "X",
                      "rescale")}),
    "PersistentEntropy": _vectoriser(tda_nn.PersistentEntropy),
    "Amplitude": _vectoriser(tda_nn.Amplitude),
    "PersistenceStatistics": _vectoriser(tda_nn.PersistenceStatistics),
    "TropicalCoordinates": _vectoriser(tda_nn.TropicalCoordinates),
    "TopologicalFeatures": diagram_cases(lambda v: tda_nn.TopologicalFeatures().fit_transform(v)),
    # -- distances
    "bottleneck": merge(pair_cases(lambda v: tda_nn.bottleneck(v, ONE_DGM)), {
        "only_inf_bars": Same(lambda: tda_nn.bottleneck(BARS_INF, BARS_INF), lambda: 0.0)}),
    "wasserstein": merge(pair_cases(lambda v: tda_nn.wasserstein(v, ONE_DGM)), {
        "only_inf_bars": Same(lambda: tda_nn.wasserstein(BARS_INF, BARS_INF), lambda: 0.0),
        "nonpositive": raises(lambda: tda_nn.wasserstein(ONE_DGM, ONE_DGM, p=0), "p")}),
    "sliced_wasserstein": merge(pair_cases(lambda v: tda_nn.sliced_wasserstein(v, ONE_DGM)),
                                int_cases(lambda k: tda_nn.sliced_wasserstein(ONE_DGM, ONE_DGM, n_directions=k),
                                          "n_directions")),
    "pairwise_diagram_distances": merge(
        diagram_cases(lambda v: tda_nn.pairwise_diagram_distances(v)),
        {"huge": raises(lambda: tda_nn.pairwise_diagram_distances(GOOD_DGMS, metric="sliced_wasserstein",
                                                                  n_directions=BIG), "n_directions",
                        errors=(MemoryBudgetError,)),
         "inf": Same(lambda: tda_nn.pairwise_diagram_distances(
                         [Diagrams([[[0, 1e150], [0, 2e150]]]), Diagrams([[[0, 1.5e150]]])], metric="landscape") / 1e150**1.5,
                     lambda: tda_nn.pairwise_diagram_distances(
                         [Diagrams([[[0, 1.0], [0, 2.0]]]), Diagrams([[[0, 1.5]]])], metric="landscape"))},
    ),
    "DiagramDistance": merge(diagram_cases(lambda v: tda_nn.DiagramDistance().fit(v).transform(v)), {
        "kwtype": raises(lambda: tda_nn.DiagramDistance(metric=3).fit(GOOD_DGMS), "metric", errors=(TypeError,))}),
    # -- diagnostics (numpy)
    "cka": cloud_cases(lambda v: tda_nn.cka(v, Y), one_row=True),
    "cka_matrix": cloud_cases(lambda v: tda_nn.cka_matrix([Y, v], kernel="rbf"), arg="arrays[1]", one_row=True),
    "rtd": cloud_cases(lambda v: tda_nn.rtd(v, Y, n_subsets=1, subset_size=10), one_row=True, halves=False,
                       bool_ok=False),
    "cross_barcode": cloud_cases(lambda v: tda_nn.cross_barcode(v, Y), halves=False, bool_ok=False),
    "twonn": cloud_cases(lambda v: tda_nn.twonn(v), bool_ok=False),
    "ph_dimension": cloud_cases(lambda v: tda_nn.ph_dimension(v), bool_ok=False, halves=False),
    "plan_analysis": {
        "kwtype": raises(lambda: tda_nn.plan_analysis([1, 2], n_samples=10, maxdim=1, max_points=10), "layers"),
        "empty": raises(lambda: tda_nn.plan_analysis({}, n_samples=10, maxdim=1, max_points=10), "layers"),
        "nonpositive": raises(lambda: tda_nn.plan_analysis({"a": (3,)}, n_samples=0, maxdim=1, max_points=10),
                              "n_samples"),
        "ndim": raises(lambda: tda_nn.plan_analysis({"a": 3}, n_samples=10, maxdim=1, max_points=10), "layers"),
        "huge": raises(lambda: tda_nn.plan_analysis({"a": (3,)}, n_samples=10**6, maxdim=9, max_points=10**6),
                       "maxdim"),
        "bool": raises(lambda: tda_nn.plan_analysis({"a": (3,)}, n_samples=True, maxdim=1, max_points=10),
                       "n_samples"),
        "nan": raises(lambda: tda_nn.plan_analysis({"a": (3,)}, n_samples=10, maxdim=1, max_points=10,
                                                   max_time=float("nan")), "max_time"),
    },
    "AnalyzeSettings": {
        "nan": raises(lambda: tda_nn.AnalyzeSettings(alpha=float("nan")), "alpha"),
        "nonpositive": raises(lambda: tda_nn.AnalyzeSettings(max_points=0), "max_points"),
        "bool": raises(lambda: tda_nn.AnalyzeSettings(max_samples=True), "max_samples"),
        "string": raises(lambda: tda_nn.AnalyzeSettings(view="tsne"), "view"),
    },
    "CompareSettings": {
        "string": raises(lambda: tda_nn.CompareSettings(metric="euclid"), "metric"),
        "nonpositive": raises(lambda: tda_nn.CompareSettings(maxdim=-1), "maxdim"),
    },
    "TrackSettings": {
        "nonpositive": raises(lambda: tda_nn.TrackSettings(steps=[3, -1]), "steps"),
        "kwtype": raises(lambda: tda_nn.TrackSettings(steps="0,1"), "steps"),
    },
    "significant_bars": merge(
        cloud_cases(lambda v: tda_nn.significant_bars(v, n_bootstrap=2), bool_ok=False, halves=False),
        {"nonpositive": raises(lambda: tda_nn.significant_bars(X, n_bootstrap=0), "n_bootstrap")},
    ),
    "significant_clusters": merge(
        cloud_cases(lambda v: tda_nn.significant_clusters(v), bool_ok=False, halves=False),
        {"nonpositive": raises(lambda: tda_nn.significant_clusters(X, min_size=0), "min_size")},
    ),
    "layer_profile": {
        "nan": raises(lambda: tda_nn.layer_profile({"a": X_NAN}, **PROFILE_KW), "nan"),
        "empty": raises(lambda: tda_nn.layer_profile({"a": X_EMPTY}, **PROFILE_KW), "0 samples"),
        "one_row": raises(lambda: tda_nn.layer_profile({"a": X_ONE}, **PROFILE_KW), "1 sample"),
        "complex": raises(lambda: tda_nn.layer_profile({"a": X_COMPLEX}, **PROFILE_KW), "complex"),
        "string": raises(lambda: tda_nn.layer_profile("acts"), "acts_or_diagrams", errors=(TypeError,)),
        "bool": Warns(lambda: tda_nn.layer_profile({"a": X_BOOL}, **PROFILE_KW), ("intrinsic_dim",)),
        "kwtype": raises(lambda: tda_nn.layer_profile({"a": X}, labels=np.r_[np.zeros(23), np.nan], **PROFILE_KW),
                         "labels", "nan"),
        "nonpositive": raises(lambda: tda_nn.layer_profile({"a": X}, maxdim=-1), "maxdim"),
        "death_lt_birth": raises(lambda: tda_nn.layer_profile({"a": Diagrams([BARS_BACK])}), "death < birth"),
    },
    "compare_layers": {
        "nan": raises(lambda: tda_nn.compare_layers({"a": X_NAN, "b": Y}), "nan"),
        "string": raises(lambda: tda_nn.compare_layers("acts"), "acts", errors=(TypeError,)),
        "kwtype": raises(lambda: tda_nn.compare_layers(ACTS, metric=3), "metric", errors=(TypeError,)),
    },
    # -- models (torch wing)
    "neural_persistence": merge(model_cases(lambda m: tda_nn.neural_persistence(m)), {
        "complex": raises(lambda: tda_nn.neural_persistence([np.ones((2, 2), complex)]), "model", "complex"),
        "empty": raises(lambda: tda_nn.neural_persistence([]), "model"),
        "ndim": raises(lambda: tda_nn.neural_persistence([np.ones(3)]), "model"),
        "inf": raises(lambda: tda_nn.neural_persistence([np.full((2, 2), np.inf)]), "model", "inf"),
        "bf16": Same(lambda: tda_nn.neural_persistence(_mlp().to(torch.bfloat16)).values,
                     lambda: tda_nn.neural_persistence(_mlp().to(torch.bfloat16).float()).values)}),
    "activation_patterns": merge(model_cases(lambda m: tda_nn.activation_patterns(m, X)),
                                 cloud_cases(lambda v: tda_nn.activation_patterns(MODEL, v).n_inputs, one_row=False,
                                             ndim=False)),
    "regions_on_path": merge(model_cases(lambda m: tda_nn.regions_on_path(m, X[0], X[1])),
                             {"nan": raises(lambda: tda_nn.regions_on_path(MODEL, X_NAN[3], X[1]), "a", "nan"),
                              "complex": raises(lambda: tda_nn.regions_on_path(MODEL, X_COMPLEX[0], X[1]), "a",
                                                "complex")}),
    "regions_on_plane": merge(model_cases(lambda m: tda_nn.regions_on_plane(m, points=X[:3], resolution=8)), {
        "nan": raises(lambda: tda_nn.regions_on_plane(MODEL, points=X_NAN[2:5], resolution=8), "points", "nan"),
        "complex": raises(lambda: tda_nn.regions_on_plane(MODEL, points=X_COMPLEX[:3], resolution=8), "points",
                          "complex"),
        "huge": raises(lambda: tda_nn.regions_on_plane(MODEL, points=X[:3], method="grid", resolution=10**6),
                       "max_memory", errors=(MemoryBudgetError,)),
        "nonpositive": raises(lambda: tda_nn.regions_on_plane(MODEL, points=X[:3], method="grid", resolution=0),
                              "resolution"),
        "bool": Same(lambda: (lambda r: (r.method, r.lower_bound, r.resolution))(
            tda_nn.regions_on_plane(MODEL, points=X[:3], method="grid", resolution=8)), lambda: ("grid", True, 8))}),
    "local_complexity": merge(model_cases(lambda m: tda_nn.local_complexity(m, X[:4])), {
        "nan": raises(lambda: tda_nn.local_complexity(MODEL, X_NAN[:4]), "X", "nan"),
        "nonpositive": raises(lambda: tda_nn.local_complexity(MODEL, X[:4], n_directions=0), "n_directions")}),
    "region_density": merge(model_cases(lambda m: tda_nn.region_density(m, X, np.arange(24) % 2, n_pairs=2)), {
        "nan": raises(lambda: tda_nn.region_density(MODEL, X_NAN, np.arange(24) % 2, n_pairs=2), "X", "nan"),
        "nonpositive": raises(lambda: tda_nn.region_density(MODEL, X, np.arange(24) % 2, n_pairs=0), "n_pairs")}),
    "distance_to_boundary": merge(
        model_cases(lambda m: tda_nn.distance_to_boundary(m, X[:3])),
        cloud_cases(lambda v: tda_nn.distance_to_boundary(MODEL, v).distances, one_row=False, ndim=False),
        int_cases(lambda k: tda_nn.distance_to_boundary(MODEL, X[:3], method="search", n_directions=k),
                  "n_directions"),
    ),
    "region_counts": merge(model_cases(lambda m: tda_nn.region_counts(m, X, resolution=8)), {
        "nan": raises(lambda: tda_nn.region_counts(MODEL, X_NAN, resolution=8), "X", "nan")}),
    "region_bound": {
        "nonpositive": raises(lambda: tda_nn.region_bound([4, 4], -1), "dim"),
        "kwtype": raises(lambda: tda_nn.region_bound("44", 2), "n_units"),
    },
    "TopologyMonitor": merge(model_cases(lambda m: tda_nn.TopologyMonitor(m, XT, layers=["1"])), {
        "nonpositive": raises(lambda: tda_nn.TopologyMonitor(MODEL, XT, layers=["1"], every=0), "every")}),
    "track_checkpoints": {
        "empty": raises(lambda: tda_nn.track_checkpoints([], _mlp, XT), "checkpoints"),
        "kwtype": raises(lambda: tda_nn.track_checkpoints([None], _mlp, XT), "path"),
    },
    # -- workflows
    "analyze": merge(model_cases(lambda m: tda_nn.analyze(m, XT, layers=["1"])), {
        "ndim": raises(lambda: tda_nn.analyze(MODEL, (XT, YT[:10]), layers=["1"]), "data", "y"),
        "nan": raises(lambda: tda_nn.analyze(MODEL, (XT, torch.tensor(np.r_[np.zeros(23), np.nan])), layers=["1"],
                                             probe=True), "labels", "nan"),
        "nonpositive": raises(lambda: tda_nn.analyze(MODEL, XT, layers=["1"], maxdim=-1), "maxdim")}),
    "compare_checkpoints": {
        "kwtype": raises(lambda: tda_nn.compare_checkpoints(["a", "b"], XT), "model"),
        "empty": raises(lambda: tda_nn.compare_checkpoints([], XT), "models"),
    },
    "track": {
        "kwtype": raises(lambda: tda_nn.track([MODEL, MODEL], XT, steps=["a", "b"]), "steps", errors=(TypeError,)),
        "nonpositive": raises(lambda: tda_nn.track([MODEL, MODEL], XT, steps=[5, 1]), "steps", "increase"),
        "empty": raises(lambda: tda_nn.track([], XT), "models"),
    },
    "probe_layers": {
        "nan": raises(lambda: tda_nn.probe_layers({"a": [X[:5]] * 24}, {"a": X}, np.r_[np.zeros(23), np.nan]),
                      "y", "nan"),
        "huge": raises(lambda: tda_nn.probe_layers({"a": [X[:5]] * 24}, {"a": X}, np.arange(24) % 2, cv=50), "cv"),
        "complex": raises(lambda: tda_nn.probe_layers({"a": [X[:5]] * 24}, {"a": X}, np.ones(24, complex)), "y"),
    },
    "TopologicalProbe": {
        "nonpositive": raises(lambda: tda_nn.TopologicalProbe(maxdim=-1).fit([X] * 4, [0, 1, 0, 1]), "maxdim"),
        "kwtype": raises(lambda: tda_nn.TopologicalProbe(complex="alpha").fit([X] * 4, [0, 1, 0, 1]), "complex"),
    },
    # -- cycles
    "representative_cycles": merge(
        cloud_cases(lambda v: tda_nn.representative_cycles(v, bars=1), bool_ok=False, halves=False),
        {"nonpositive": raises(lambda: tda_nn.representative_cycles(X, dim=-1), "dim"),
         "kwtype": raises(lambda: tda_nn.representative_cycles(X, bars="all"), "bars")}),
    "loop_samples": {
        "string": raises(lambda: tda_nn.loop_samples("cycles"), "cycles", errors=(TypeError,)),
    },
    "loop_scales": merge(
        cloud_cases(lambda v: tda_nn.loop_scales(v, [0, 1, 2]), bool_ok=False, halves=False),
        {"kwtype": raises(lambda: tda_nn.loop_scales(X, "012"), "indices"),
         "huge": raises(lambda: tda_nn.loop_scales(X, [0, 1, BIG]), "indices")}),
    "loop_findings": {
        "string": raises(lambda: tda_nn.loop_findings("loops"), "payload", errors=(TypeError,)),
        "empty": raises(lambda: tda_nn.loop_findings({"lifelines": None}), "payload", "layers"),
    },
    "symmetry_findings": {
        "string": raises(lambda: tda_nn.symmetry_findings("rot90"), "payload", errors=(TypeError,)),
        "empty": raises(lambda: tda_nn.symmetry_findings({"tol": 0.05}), "payload", "invariance"),
    },
    "track_features": {
        "nan": raises(lambda: tda_nn.track_features({"a": X_NAN, "b": Y}), "nan"),
        "complex": raises(lambda: tda_nn.track_features({"a": X_COMPLEX, "b": Y}), "complex"),
        "string": raises(lambda: tda_nn.track_features("acts"), "activations", errors=(TypeError,)),
        "one_row": raises(lambda: tda_nn.track_features({"a": X_ONE, "b": Y[:1]}), "'a'"),
    },
    # -- symmetry (torch wing): actions and measurements
    "Action": {"kwtype": raises(lambda: tda_nn.Action("fn", [0.1]), "fn", errors=(TypeError,))},
    "CyclicShift": {"kwtype": raises(lambda: tda_nn.CyclicShift(axis="x"), "axis", errors=(TypeError,))},
    "Flip": {"kwtype": raises(lambda: tda_nn.Flip(axis="x"), "axis", errors=(TypeError,))},
    "Translate": {"kwtype": raises(lambda: tda_nn.Translate(axis="x"), "axis", errors=(TypeError,))},
    "Rot90": {"kwtype": raises(lambda: tda_nn.Rot90(k="1"), "k")},
    "Rotate": {"kwtype": raises(lambda: tda_nn.Rotate(angles="90"), "angles")},
    "Permute": {"nonpositive": raises(lambda: tda_nn.Permute(n_perms=0), "n_perms")},
    "OrthogonalMap": {
        "nan": raises(lambda: tda_nn.OrthogonalMap(np.full((2, 2), np.nan)), "Q", "nan"),
        "complex": raises(lambda: tda_nn.OrthogonalMap(np.eye(2, dtype=complex)), "Q", "complex"),
        "ndim": raises(lambda: tda_nn.OrthogonalMap(np.ones(3)), "Q"),
    },
    "invariance": merge(model_cases(lambda m: tda_nn.invariance(m, X, tda_nn.Flip(), layers=["1"])), {
        "complex": raises(lambda: tda_nn.invariance(MODEL, X_COMPLEX, tda_nn.Flip(), layers=["1"]), "X", "complex"),
        "nonpositive": raises(lambda: tda_nn.invariance(MODEL, X, tda_nn.Flip(), layers=["1"], n_samples=0),
                              "n_samples")}),
    "equivariance": merge(model_cases(lambda m: tda_nn.equivariance(m, X, tda_nn.Flip(), layers=["1"])), {
        "complex": raises(lambda: tda_nn.equivariance(MODEL, X_COMPLEX, tda_nn.Flip(), layers=["1"]), "X",
                          "complex")}),
    "lie_derivative": merge(model_cases(lambda m: tda_nn.lie_derivative(m, X, tda_nn.Translate(), layers=["1"])), {
        "complex": raises(lambda: tda_nn.lie_derivative(MODEL, X_COMPLEX, tda_nn.Translate(), layers=["1"]), "X",
                          "complex")}),
    "orbit_topology": merge(model_cases(lambda m: tda_nn.orbit_topology(m, X, tda_nn.Rotate(), layers=["1"])), {
        "nonpositive": raises(lambda: tda_nn.orbit_topology(MODEL, X, tda_nn.Rotate(), layers=["1"], n_steps=0),
                              "n_steps")}),
    "symmetry_summary": model_cases(lambda m: tda_nn.symmetry_summary(m, X, "flip", ["1"])),
    # -- Mapper (tda_nn.mapper itself is the callable subpackage: its cases are in tests/test_mapper.py)
    "Cover": {
        "nonpositive": raises(lambda: tda_nn.Cover(0, 0.3), "n_intervals"),
        "kwtype": raises(lambda: tda_nn.Cover(5, "0.3"), "overlap"),
        "string": raises(lambda: tda_nn.Cover(5, 0.3, "wide"), "kind"),
    },
    "mapper_layers": merge(
        cloud_cases(lambda v: tda_nn.mapper_layers({"a": v}, lens=0, cover=(3, 0.3)), "activations['a']", ndim=False),
        {"kwtype": raises(lambda: tda_nn.mapper_layers(X), "activations", errors=(TypeError,)),
         "nonpositive": raises(lambda: tda_nn.mapper_layers({"a": X}, min_share=-1.0), "min_share")}),
    # -- the scikit-learn estimator of persistence
    "Persistence": merge(
        cloud_cases(lambda v: tda_nn.Persistence(maxdim=0).fit_transform([v])[0], bool_ok=False, halves=False),
        {"nonpositive": raises(lambda: tda_nn.Persistence(maxdim=-1).fit_transform([X]), "maxdim"),
         "kwtype": raises(lambda: tda_nn.Persistence(complex=3).fit_transform([X]), "complex", errors=(TypeError,))}),
}


def _public() -> dict[str, Any]:
    out = {}
    for mod in (tda_nn, tnn, diag):
        for name in mod.__all__:
            obj = getattr(mod, name)
            if callable(obj) and not isinstance(obj, type(tda_nn)):
                out[name] = obj
    return out


def test_every_public_callable_has_an_entry():
    missing = sorted(set(_public()) - set(TABLE) - RESULT_TYPES)
    assert missing == [], f"public callables without a bad-input entry in TABLE: {missing}"
    assert not set(TABLE) & RESULT_TYPES
    stale = sorted(set(TABLE) - set(_public()))
    assert stale == [], f"TABLE names that are not public: {stale}"


def test_the_table_covers_every_class():
    seen = {kind for cases in TABLE.values() for kind in cases}
    assert seen == set(KINDS), set(KINDS) ^ seen


def _same(a: Any, b: Any) -> bool:
    """Equal up to float32 rounding (a float16 input goes through float64 where the reference used float32)."""
    if isinstance(a, Diagrams) or isinstance(b, Diagrams):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)) and not (
            len(a) and isinstance(a[0], (int, float, np.number))):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, (np.ndarray, float, int, np.number, list, tuple)):
        a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
        return a.shape == b.shape and bool(np.allclose(a, b, rtol=1e-5, atol=1e-6))
    if hasattr(a, "__dataclass_fields__"):
        return repr(a) == repr(b)
    return a == b


def _finite_result(r: Any) -> bool:
    if isinstance(r, float):
        return not math.isnan(r)
    if isinstance(r, np.ndarray) and r.dtype.kind == "f":
        return not np.isnan(r).any()
    return True


CASES = [(name, kind, case) for name, cases in sorted(TABLE.items()) for kind, case in sorted(cases.items())]


@pytest.mark.parametrize("name, kind, case", CASES, ids=[f"{n}-{k}" for n, k, _ in CASES])
def test_bad_input_table(name, kind, case):
    assert kind in KINDS, kind
    if isinstance(case, Raises):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises(case.errors) as info:
                case.call()
        err = info.value
        assert isinstance(err, (ValueError, TypeError)), f"{name}/{kind} leaked {type(err).__name__}: {err}"
        msg = str(err).lower()
        for word in case.words:
            assert word.lower() in msg, f"{name}/{kind}: message does not say {word!r}: {err}"
    elif isinstance(case, Same):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            got, want = case.call(), case.reference()
        assert _finite_result(got), f"{name}/{kind}: NaN in the answer"
        assert _same(got, want), f"{name}/{kind}: {got!r} != {want!r}"
    else:
        assert isinstance(case, Warns)
        with pytest.warns(Warning) as rec:
            case.call()
        text = " ".join(str(w.message) for w in rec).lower()
        assert all(w.lower() in text for w in case.words), f"{name}/{kind}: warnings {text!r}"


# -- beyond the table: memory and names ------------------------------------------------------
def test_precomputed_landmarks_read_a_memory_map_in_row_blocks(tmp_path, monkeypatch):
    import tracemalloc

    from scipy.spatial.distance import cdist

    import tda_nn.validation as validation

    monkeypatch.setattr(validation, "_BLOCK_ELEMENTS", 1 << 14)  # 128 KiB blocks
    P = np.random.default_rng(1).normal(size=(1500, 3))
    np.save(tmp_path / "D.npy", cdist(P, P))  # 18 MB on disk
    D = np.load(tmp_path / "D.npy", mmap_mode="r")
    tracemalloc.start()
    L = tda_nn.landmarks(D, 20, metric="precomputed")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 2 * 2**20, f"peak {peak / 2**20:.1f} MiB for an 18 MB matrix"
    ref = tda_nn.landmarks(P, 20)
    assert L.indices.tolist() == ref.indices.tolist() and np.isclose(L.radius, ref.radius)


def test_exact_module_names_win_over_glob_reading():
    class Odd(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.w = torch.nn.ModuleDict({"[0]": torch.nn.Linear(3, 3), "0": torch.nn.Linear(3, 3)})

        def forward(self, x):
            return self.w["0"](self.w["[0]"](x))

    model = Odd()
    acts = tda_nn.capture(model, XT, layers=["w.[0]"], progress=False)
    assert acts.layers == ("w.[0]",)
    with torch.no_grad():
        np.testing.assert_allclose(acts["w.[0]"], model.w["[0]"](XT).numpy(), rtol=1e-6)
    # a real pattern still reads as a glob: 'w.[0]' as a character class matches 'w.0' only
    assert tda_nn.capture(model, XT, layers=["w.*"], progress=False).layers == ("w.[0]", "w.0")


def test_grid_regions_say_they_are_a_lower_bound():
    res = tda_nn.regions_on_plane(MODEL, points=X[:3], method="grid", resolution=16)
    assert (res.method, res.lower_bound, res.resolution) == ("grid", True, 16)
    assert "n_regions>=" in repr(res) and "resolution=16" in repr(res)
    finer = tda_nn.regions_on_plane(MODEL, points=X[:3], method="grid", resolution=61)  # its grid holds the 16-point grid
    assert np.allclose(finer.s[::4], res.s) and finer.n_regions >= res.n_regions  # so it can only find more


# -- issue 26: the last silent answers ---------------------------------------------------------
from tda_nn.distances import pairwise_distances as diagram_distances  # noqa: E402

A1 = np.array([[0.0, 1.0], [0.2, 0.5]])
A2 = np.array([[0.0, 2.0]])
A3 = np.array([[0.1, 0.3], [0.2, 0.9], [0.4, 0.6]])
VECTORISERS = [tda_nn.BettiCurve(n_bins=7), tda_nn.PersistenceLandscape(n_bins=7), tda_nn.Silhouette(n_bins=7),
               tda_nn.PersistenceImage(n_pixels=3), tda_nn.PersistentEntropy(), tda_nn.Amplitude(),
               tda_nn.PersistenceStatistics(), tda_nn.TropicalCoordinates(), tda_nn.TopologicalFeatures()]


@pytest.mark.parametrize("est", VECTORISERS, ids=lambda e: type(e).__name__)
def test_a_list_of_raw_arrays_is_one_sample_each(est):
    from sklearn.base import clone

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing ambiguous here: no warning
        out = clone(est).fit_transform([A1, A2, A3])
    assert out.shape[0] == 3
    # the same as the three samples spelled out, one H0 diagram each
    np.testing.assert_array_equal(out, clone(est).fit_transform([Diagrams([A1]), Diagrams([A2]), Diagrams([A3])]))
    # ripser.py's dgms of ONE sample is passed wrapped
    assert clone(est).fit_transform([[A1, A3]]).shape[0] == 1
    assert clone(est).fit_transform(Diagrams([A1, A3])).shape[0] == 1


def test_the_named_cases_of_issue_26():
    assert tda_nn.BettiCurve().fit_transform([A1, A2]).shape == (2, 100)
    assert tda_nn.PersistentEntropy().fit_transform([A1, A2, A3]).shape == (3, 1)
    # the same rule in the distances: three samples, three rows
    assert diagram_distances([A1, A2, A3]).shape == (3, 3)
    D = diagram_distances([A1, A2, A3], metric="landscape")
    assert D.shape == (3, 3) and D[0, 1] > 0


def test_a_list_that_looks_like_ripsers_dgms_warns():
    h0 = np.array([[0.0, 0.4], [0.0, np.inf]])
    with pytest.warns(UserWarning, match=r"read as 2 samples.*Diagrams\(X\) or \[X\]"):
        out = tda_nn.BettiCurve(n_bins=5).fit_transform([h0, A3])
    assert out.shape == (2, 5)
    with pytest.warns(UserWarning, match="ripser"):
        diagram_distances([h0, A3])
    # H0 diagrams of several samples (each with its essential bar) are not ambiguous
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert tda_nn.PersistentEntropy().fit_transform([h0, h0, h0]).shape == (3, 1)


def test_raw_samples_name_the_bad_item():
    with pytest.raises(ValueError, match=r"X\[1\].*NaN"):
        tda_nn.BettiCurve().fit([A1, np.array([[0.0, np.nan]])])
    with pytest.raises(ValueError, match=r"X\[0\].*death < birth"):
        tda_nn.Amplitude().fit([np.array([[1.0, 0.5]]), A2])
    with pytest.raises(ValueError, match="homology_dimensions requests H1"):
        tda_nn.BettiCurve((0, 1)).fit([A1, A2])  # raw arrays hold H0 only
    with pytest.raises(ValueError, match="homology_dimensions=None.*X\\[1\\]"):
        tda_nn.BettiCurve().fit([Diagrams([A1]), Diagrams([A1, A2])])


@pytest.mark.parametrize("weight, match", [
    (lambda b, p: -p, "weight returned negative"),
    (lambda b, p: p / 0.0, "weight returned NaN or infinite"),
    (lambda b, p: np.ones(99), "weight must return one real number per bar"),
])
def test_persistence_image_weight_is_checked(weight, match):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.raises((ValueError, TypeError), match=match):
            tda_nn.PersistenceImage(weight=weight).fit_transform(GOOD_DGMS)


def test_activations_manifest_with_a_repeated_layer_is_refused(tmp_path):
    import json

    acts = tda_nn.Activations({"fc1": X, "fc2": Y})
    store = acts.save(tmp_path / "store")
    head = json.loads((store / "manifest.json").read_text())
    head["layers"][1]["name"] = "fc1"
    (store / "manifest.json").write_text(json.dumps(head))
    with pytest.raises(ValueError, match=r"manifest\.json.*layer 'fc1' twice"):
        tda_nn.Activations.load(store)


CIRCLE = np.c_[np.cos(np.linspace(0, 2 * np.pi, 60, endpoint=False)), np.sin(np.linspace(0, 2 * np.pi, 60, endpoint=False))]


@pytest.mark.parametrize("scale", [1e300, 1e-300, 2.0**1000, 2.0**-1000])
@pytest.mark.parametrize("metric", ["euclidean", "cosine", "correlation"])
def test_landmarks_and_distances_far_from_one(scale, metric):
    P = np.random.default_rng(26).normal(size=(60, 3))  # no ties: the max-min order is the same
    ref_l = tda_nn.landmarks(P, 12, metric=metric)
    ref_d = tda_nn.clouds.pairwise_distances(P, metric=metric)
    unit = scale if metric == "euclidean" else 1.0
    L = tda_nn.landmarks(P * scale, 12, metric=metric)
    D = tda_nn.clouds.pairwise_distances(P * scale, metric=metric)
    assert L.indices.tolist() == ref_l.indices.tolist()
    assert np.isfinite(L.radius) and L.radius > 0 and np.isfinite(D).all()
    np.testing.assert_allclose(L.radius / unit, ref_l.radius, rtol=1e-12)
    np.testing.assert_allclose(D / unit, ref_d, rtol=1e-12, atol=1e-12)
    if scale in (2.0**1000, 2.0**-1000) and metric == "euclidean":  # a power of two: the very same floats
        assert L.radius == ref_l.radius * scale
        np.testing.assert_array_equal(D, ref_d * scale)


def test_landmarks_and_distances_beyond_the_float_range_are_refused():
    with pytest.raises(ValueError, match="X spans so far.*exceeds the largest float64"):
        tda_nn.clouds.pairwise_distances(np.array([[-1.5e308, 0.0], [1.5e308, 0.0]]))
    with pytest.raises(ValueError, match="X spans so little.*smallest normal float64"):
        tda_nn.landmarks(CIRCLE * 1e-310, 5)
    with pytest.raises(ValueError, match="dtype=np.float64"):
        tda_nn.clouds.pairwise_distances(CIRCLE * 1e39, dtype=np.float32)
    # diagram distances whose L^p norm leaves float64 are refused by name, never inf or 0
    for s in (1e300, 1e-300):
        with pytest.raises(ValueError, match="landscape distances.*outside float64"):
            diagram_distances([A1 * s, A3 * s], metric="landscape")
    assert diagram_distances([A1 * 1e300, A3 * 1e300])[0, 1] / 1e300 == pytest.approx(
        diagram_distances([A1, A3])[0, 1])


@pytest.mark.parametrize("call, name", [
    (lambda: tda_nn.ph_dimension(X * 1.0 + RNG.normal(size=(24, 3)), n_steps=10**12), "n_steps"),  # allocated 7 TiB
    (lambda: tda_nn.ph_dimension(np.random.default_rng(1).normal(size=(40, 2)), n_repeats=10**12), "n_repeats"),  # hung
    (lambda: tda_nn.landmarks(X, 5, method="random", seed=2.5), "seed"),  # numpy's SeedSequence message
    (lambda: tda_nn.landmarks(X, 5, method="random", seed=-1), "seed"),
    (lambda: tda_nn.pairwise_diagram_distances(GOOD_DGMS, n_jobs=10**12), "n_jobs"),  # OverflowError
    (lambda: tda_nn.cka(X, Y, kernel="rbf", sigma=1e12), "sigma"),  # blamed the debiased estimator
    (lambda: tda_nn.cka(X, Y, kernel="rbf", sigma=1e-12), "sigma"),  # answered from identity kernels
])
def test_counts_seeds_and_bandwidths_found_by_the_property_test(call, name):
    import time

    start = time.perf_counter()
    with pytest.raises((ValueError, TypeError), match=name):
        call()
    assert time.perf_counter() - start < 2.0


@pytest.mark.parametrize("scale", [1e300, 1e-300])
@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
def test_device_landmarks_far_from_one(scale, metric):
    """The device kernels (here on the CPU) see the cloud scaled by a power of two too."""
    P = np.random.default_rng(26).normal(size=(60, 3))
    ref = tda_nn.landmarks(P, 12, metric=metric)
    for X in (torch.tensor(P * scale), P * scale):
        L = tda_nn.landmarks(X, 12, metric=metric, device="cpu")
        assert L.indices.tolist() == ref.indices.tolist()
        np.testing.assert_allclose(L.radius / (scale if metric == "euclidean" else 1.0), ref.radius, rtol=1e-9)
        np.testing.assert_array_equal(L.points, (P * scale)[L.indices])


@pytest.mark.parametrize("scale", [1e300, 1e-300])
@pytest.mark.parametrize("metric", ["euclidean", "cosine", "correlation"])
def test_device_cloud_distances_far_from_one(scale, metric):
    P = np.random.default_rng(26).normal(size=(40, 3))
    ref = tda_nn.pairwise_distances(P, metric=metric, device="cpu")
    D = tda_nn.pairwise_distances(P * scale, metric=metric, device="cpu")  # was NaN, or off by the scale
    np.testing.assert_allclose(D / (scale if metric == "euclidean" else 1.0), ref, rtol=1e-9, atol=1e-12)


def test_representative_cycles_say_why_a_cloud_at_1e300_is_refused():
    with pytest.raises(ValueError, match=r"X has values up to 1e\+300.*overflow float64"):
        tda_nn.representative_cycles(CIRCLE * 1e300)  # was: "zero or constant rows?"

"""Topological probes: does the shape of each sample's representation carry the label?

A topological probe turns every sample into a small point cloud (its tokens, or
the spatial positions of a feature map) or an image (a feature map, for cubical
persistence), computes its persistence diagrams, vectorises them with
:class:`~tda_nn.features.TopologicalFeatures` and fits a linear classifier. It is
judged beside two baselines on the same samples and folds: a linear probe on the
pooled activations, and the topological probe on shuffled labels (the chance level
a probe this flexible reaches with no signal).

Room: numeric core (``diagnostics``). Imports numpy, scikit-learn and the numeric
core (``clouds``, ``homology``, ``features``) and the helpers below it; no model, no torch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.utils.validation import check_is_fitted

from ..validation import as_numpy, check_choice, check_int

__all__ = ["ProbeScores", "TopologicalProbe", "probe_layers", "sample_inputs"]

Input = Literal["cloud", "image"]


def sample_inputs(A: Any, *, kind: Input = "cloud", mask: Any = None) -> list[np.ndarray]:
    """Per-sample inputs of a topological probe from ``reduce='none'`` activations.

    ``A`` of shape ``(n, T, D)`` (tokens, or spatial positions channels-last) gives one
    ``(T, D)`` cloud per sample (padded tokens dropped where ``mask == 0``);
    ``(n, C, H, W)`` feature maps give ``(H*W, C)`` clouds, or with ``kind='image'``
    the channel-mean ``(H, W)`` image for cubical persistence.
    """
    from ..clouds import feature_map_images, sample_clouds

    A = as_numpy(A, name="A")
    kind = check_choice(kind, name="kind", choices=("cloud", "image"))
    if kind == "image":
        if A.ndim != 4:
            raise ValueError(f"kind='image' needs feature maps of shape (n, C, H, W), got shape {A.shape}.")
        return list(feature_map_images(A))
    return sample_clouds(A, mask=mask)


class TopologicalProbe(ClassifierMixin, BaseEstimator):
    """Classifier on the persistence of per-sample clouds or images.

    ``fit(X, y)`` takes a list of ``(n_points, d)`` clouds (or 2-D images with
    ``complex='cubical'``), computes their diagrams with :func:`tda_nn.persistence_batch`,
    vectorises them with ``features`` and fits ``classifier`` on standardised features.

    Parameters
    ----------
    maxdim : int, default=1
    complex : {'rips', 'cubical'}, default='rips'
    features : transformer or None, default=None
        ``None`` uses ``TopologicalFeatures()``.
    classifier : classifier or None, default=None
        ``None`` uses ``LogisticRegression(C=0.1, max_iter=2000)`` (on standardised
        features; the mild regularisation suits a few hundred correlated features).
    n_jobs : int or None, default=None
        Workers for the persistence of the samples.

    Examples
    --------
    >>> import numpy as np
    >>> from tda_nn.diagnostics import TopologicalProbe
    >>> t = np.linspace(0, 2 * np.pi, 20, endpoint=False)
    >>> ring = np.c_[np.cos(t), np.sin(t)]
    >>> rng = np.random.default_rng(0)
    >>> X = [ring + rng.normal(0, .05, ring.shape) for _ in range(10)]
    >>> X += [rng.normal(0, .5, (20, 2)) for _ in range(10)]
    >>> TopologicalProbe().fit(X, [1] * 10 + [0] * 10).score(X, [1] * 10 + [0] * 10)
    1.0
    """

    def __init__(self, maxdim: int = 1, complex: Literal["rips", "cubical"] = "rips", features: Any = None,
                 classifier: Any = None, n_jobs: int | None = None):
        self.maxdim = maxdim
        self.complex = complex
        self.features = features
        self.classifier = classifier
        self.n_jobs = n_jobs

    def _diagrams(self, X: Any) -> list:
        from ..diagrams import Diagrams
        from ..homology import persistence_batch

        items = list(X)
        if items and all(isinstance(d, Diagrams) for d in items):
            return items
        check_int(self.maxdim, name="maxdim", min_value=0)
        check_choice(self.complex, name="complex", choices=("rips", "cubical"))
        return persistence_batch(items, maxdim=self.maxdim, complex=self.complex, n_jobs=self.n_jobs)

    def fit(self, X: Any, y: Any) -> TopologicalProbe:
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        from ..features import TopologicalFeatures

        y = np.asarray(y)
        dgms = self._diagrams(X)
        if len(dgms) != len(y):
            raise ValueError(f"X has {len(dgms)} samples but y has {len(y)} labels.")
        feats = TopologicalFeatures(homology_dimensions=tuple(range(self.maxdim + 1))) if self.features is None else clone(self.features)
        clf = LogisticRegression(C=0.1, max_iter=2000) if self.classifier is None else clone(self.classifier)
        with _one_blas_thread():
            self.pipeline_ = make_pipeline(feats, StandardScaler(), clf).fit(dgms, y)
        self.classes_ = self.pipeline_.classes_
        return self

    def predict(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "pipeline_")
        return self.pipeline_.predict(self._diagrams(X))

    def predict_proba(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "pipeline_")
        return self.pipeline_.predict_proba(self._diagrams(X))


def _one_blas_thread():
    """Small dense fits run fastest on one BLAS thread; on a busy machine, many threads
    made a 667 x 188 logistic regression 60 times slower (37 s against 0.6 s here)."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="blas")


@dataclass(frozen=True)
class ProbeScores:
    """Cross-validated accuracy per layer: topological probe, linear probe, shuffled-label control."""

    layers: tuple[str, ...]
    topological: np.ndarray
    linear: np.ndarray
    shuffled: np.ndarray
    chance: float
    meta: dict = field(default_factory=dict)

    def __repr__(self) -> str:
        rows = ", ".join(f"{name}: topo {t:.2f} / linear {li:.2f} / shuffled {s:.2f}"
                         for name, t, li, s in zip(self.layers, self.topological, self.linear, self.shuffled))
        return f"ProbeScores({rows})"

    def to_dict(self) -> dict[str, Any]:
        return {"layers": list(self.layers), "topological": self.topological.tolist(), "linear": self.linear.tolist(),
                "shuffled": self.shuffled.tolist(), "chance": self.chance, "meta": dict(self.meta)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ProbeScores:
        return cls(tuple(d["layers"]), np.asarray(d["topological"]), np.asarray(d["linear"]),
                   np.asarray(d["shuffled"]), float(d["chance"]), dict(d.get("meta", {})))


def probe_layers(
    per_sample: dict[str, Any],
    pooled: dict[str, np.ndarray],
    y: Any,
    *,
    kind: Input = "cloud",
    maxdim: int = 1,
    cv: int = 3,
    seed: int = 0,
    n_jobs: int | None = None,
) -> ProbeScores:
    """Score a topological probe per layer beside a linear probe and a shuffled-label control.

    Parameters
    ----------
    per_sample : dict layer -> ndarray
        ``reduce='none'`` activations, ``(n, T, D)`` or ``(n, C, H, W)``.
    pooled : dict layer -> ndarray of shape (n, n_features)
        Pooled activations of the same samples, for the linear probe.
    y : array-like of shape (n,)
    kind : {'cloud', 'image'}
        Per-sample point clouds (Rips) or channel-mean images (cubical).
    cv : int, default=3
        Stratified folds, shuffled with ``seed``; the same folds for all three scores.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from ..homology import persistence_batch

    y = np.asarray(y) if isinstance(y, (list, tuple)) or getattr(y, "dtype", None) is not None and \
        getattr(y.dtype, "kind", "") in "US" else as_numpy(y, name="y")  # class names as strings are labels too
    if y.dtype == object or np.iscomplexobj(y):
        raise TypeError(f"y must be one class label per sample (ints or strings), got dtype {y.dtype}.")
    if y.ndim != 1:
        raise ValueError(f"y must be one label per sample, shape (n_samples,), got shape {y.shape}.")
    if np.issubdtype(y.dtype, np.floating) and not np.isfinite(y).all():
        raise ValueError(f"y holds {int((~np.isfinite(y)).sum())} NaN or infinite labels; every sample needs a class.")
    if set(per_sample) != set(pooled):
        raise ValueError(f"per_sample and pooled must hold the same layers, got {sorted(per_sample)} and {sorted(pooled)}.")
    cv = check_int(cv, name="cv", min_value=2)
    _, counts = np.unique(y, return_counts=True)
    if len(counts) < 2:
        raise ValueError(f"y holds a single class; a probe needs at least 2 classes, got {len(y)} samples of one.")
    if cv > counts.min():
        raise ValueError(f"cv={cv} stratified folds need at least {cv} samples of every class, but the smallest "
                         f"class has {int(counts.min())} (of {len(y)} samples); use cv <= {int(counts.min())}.")
    folds = StratifiedKFold(n_splits=cv, shuffle=True, random_state=seed)
    y_shuffled = np.random.default_rng(seed).permutation(y)
    complex_ = "cubical" if kind == "image" else "rips"
    topo, lin, shuf = [], [], []
    for layer in per_sample:
        inputs = sample_inputs(per_sample[layer], kind=kind)
        if len(inputs) != len(y):
            raise ValueError(f"layer {layer!r} has {len(inputs)} samples but y has {len(y)} labels.")
        dgms = persistence_batch(inputs, maxdim=maxdim, complex=complex_, n_jobs=n_jobs)
        probe = TopologicalProbe(maxdim=maxdim, complex=complex_)
        topo.append(cross_val_score(probe, dgms, y, cv=folds).mean())
        shuf.append(cross_val_score(probe, dgms, y_shuffled, cv=folds).mean())
        linear = make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=2000))
        with _one_blas_thread():
            lin.append(cross_val_score(linear, np.asarray(pooled[layer]).reshape(len(y), -1), y, cv=folds).mean())
    chance = float(np.bincount(np.unique(y, return_inverse=True)[1]).max() / len(y))
    return ProbeScores(tuple(per_sample), np.array(topo), np.array(lin), np.array(shuf), chance,
                       meta={"kind": kind, "maxdim": maxdim, "cv": cv, "seed": seed})

"""``Persistence``: persistent homology of many clouds as a scikit-learn transformer.

It puts :func:`tda_nn.persistence` at the head of a ``Pipeline``: clouds in,
one :class:`~tda_nn.Diagrams` per cloud out, which every vectoriser of
:mod:`tda_nn.features` takes, so ``GridSearchCV`` can tune the homology and
the vectorisation together.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from ..budgets import parse_memory
from ..diagrams import Diagrams
from ..validation import (
    as_numpy,
    check_choice,
    check_distance_matrix,
    check_flag,
    check_flag_or_auto,
    check_int,
    check_points,
    check_prime,
    check_real,
    check_seed,
)
from ._api import BACKENDS, COMPLEXES, persistence_batch

__all__ = ["Persistence"]


class Persistence(TransformerMixin, BaseEstimator):
    """Persistent homology of each cloud: a list of clouds in, a list of ``Diagrams`` out.

    ``fit`` validates the parameters and the clouds and learns nothing from them
    but their shape; ``transform`` computes :func:`tda_nn.persistence` of every
    cloud (through :func:`tda_nn.persistence_batch`, in parallel with ``n_jobs``).
    The giotto-tda counterpart is ``VietorisRipsPersistence().fit_transform(clouds)``.

    Parameters
    ----------
    maxdim : int, default=1
        Highest homology dimension computed.
    complex : {'rips', 'alpha', 'witness', 'cubical'}, default='rips'
        The filtration; see :func:`tda_nn.persistence`.
    metric : str, default='euclidean'
        Metric between points, or ``'precomputed'`` when each sample is an
        ``(n, n)`` distance matrix.
    threshold : float, default=inf
        Largest filtration value.
    coeff : int, default=2
        Prime p of the coefficient field Z/pZ.
    backend : {'auto', 'ripser', 'giotto-ph', 'gudhi'}, default='auto'
        The engine; ``'auto'`` picks the fastest correct one per cloud.
    n_landmarks : int, 'auto' or None, default=None
        Compute on this many landmarks of each cloud (the bound on the error is
        recorded in each diagram's ``meta['bottleneck_bound']``).
    landmark_method : {'maxmin', 'random'}, default='maxmin'
        How landmarks are chosen.
    seed : int or None, default=0
        Seed of the landmark choice.
    collapse_edges : bool or 'auto', default='auto'
        Exact edge collapse before the reduction (``'auto'``: for ``maxdim >= 2``).
    sparse : float or None, default=None
        ``eps`` of gudhi's sparse Rips approximation.
    periodic : bool, default=False
        Periodic boundary for ``complex='cubical'``.
    max_memory : int, float, str or None, default=None
        Memory budget per cloud: bytes, or a size such as ``'2GB'``; ``None`` is half
        the physical memory. See :func:`tda_nn.persistence`.
    n_threads : int or None, default=None
        Threads of the engine per cloud; ``None``: all cores when ``n_jobs`` is
        ``None`` or 1, one per worker otherwise.
    n_jobs : int or None, default=None
        Clouds computed in parallel (``-1``: all cores); ``None`` defers to an
        enclosing ``joblib.parallel_config``.

    Attributes
    ----------
    homology_dimensions_ : tuple of int
        ``(0, 1, ..., maxdim)``: the dimensions every output ``Diagrams`` holds.
    n_features_in_ : int
        Features (columns) of the training clouds, when they are point clouds
        that all have the same number of features; absent for distance matrices,
        images, and clouds of different widths. ``transform`` then requires
        clouds of that width.

    Notes
    -----
    The input of ``fit`` and ``transform`` is a list of samples (or an array
    whose first axis indexes them): ``(n_points, n_features)`` point clouds, or
    ``(n, n)`` distance matrices with ``metric='precomputed'``, or 1- to 3-D
    arrays of values with ``complex='cubical'``. Clouds may differ in size.
    The output is a list, not an array, so scikit-learn's common checks that
    feed 2-D arrays and compare array outputs do not apply; the tags say so.

    Examples
    --------
    >>> import numpy as np
    >>> from tda_nn.homology import Persistence
    >>> t = 2 * np.pi * np.arange(20) / 20
    >>> circle = np.c_[np.cos(t), np.sin(t)]
    >>> dgms = Persistence(maxdim=1).fit_transform([circle, 2 * circle])
    >>> [len(d[1]) for d in dgms]
    [1, 1]
    """

    def __init__(
        self,
        maxdim: int = 1,
        complex: Literal["rips", "alpha", "witness", "cubical"] = "rips",
        metric: str = "euclidean",
        threshold: float = np.inf,
        coeff: int = 2,
        backend: Literal["auto", "ripser", "giotto-ph", "gudhi"] = "auto",
        n_landmarks: int | Literal["auto"] | None = None,
        landmark_method: Literal["maxmin", "random"] = "maxmin",
        seed: int | None = 0,
        collapse_edges: bool | Literal["auto"] = "auto",
        sparse: float | None = None,
        periodic: bool = False,
        max_memory: int | float | str | None = None,
        n_threads: int | None = None,
        n_jobs: int | None = None,
    ):
        self.maxdim = maxdim
        self.complex = complex
        self.metric = metric
        self.threshold = threshold
        self.coeff = coeff
        self.backend = backend
        self.n_landmarks = n_landmarks
        self.landmark_method = landmark_method
        self.seed = seed
        self.collapse_edges = collapse_edges
        self.sparse = sparse
        self.periodic = periodic
        self.max_memory = max_memory
        self.n_threads = n_threads
        self.n_jobs = n_jobs

    # -- tags ------------------------------------------------------------------------
    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # samples are clouds (a list, or an array of shape (n_clouds, n_points, n_features)), and the
        # output is a list of Diagrams: the common checks that feed 2-D arrays and compare outputs as
        # arrays do not apply (tests/test_estimator.py runs their equivalents on clouds)
        tags.input_tags.two_d_array = False
        tags.input_tags.three_d_array = True
        tags.transformer_tags.preserves_dtype = []
        tags.requires_fit = True
        tags.non_deterministic = self.n_landmarks is not None and self.landmark_method == "random" and self.seed is None
        return tags

    def _more_tags(self) -> dict[str, Any]:  # scikit-learn < 1.6
        return {"X_types": ["3darray"], "requires_fit": True, "preserves_dtype": []}

    # -- validation ------------------------------------------------------------------
    def _kwargs(self) -> dict[str, Any]:
        """The keyword arguments of ``persistence``, validated (the engine validates them again per cloud)."""
        check_int(self.maxdim, name="maxdim", min_value=0)
        check_choice(self.complex, name="complex", choices=COMPLEXES)
        check_choice(self.backend, name="backend", choices=BACKENDS)
        check_prime(self.coeff, name="coeff")
        check_real(self.threshold, name="threshold", min_value=0.0, allow_inf=True)
        if not isinstance(self.metric, str):
            raise TypeError(
                f"metric must be a metric name such as 'euclidean' or 'precomputed', got {type(self.metric).__name__}."
            )
        if self.n_landmarks is not None and not (isinstance(self.n_landmarks, str) and self.n_landmarks == "auto"):
            check_int(self.n_landmarks, name="n_landmarks", min_value=2)
        check_choice(self.landmark_method, name="landmark_method", choices=("maxmin", "random"))
        check_seed(self.seed, name="seed")
        check_flag_or_auto(self.collapse_edges, name="collapse_edges")
        if self.sparse is not None:
            check_real(self.sparse, name="sparse", min_value=0.0, strict=True)
        check_flag(self.periodic, name="periodic")
        parse_memory(self.max_memory, name="max_memory")
        for name in ("n_threads", "n_jobs"):
            value = getattr(self, name)
            if value is not None and check_int(value, name=name, min_value=-1) == 0:
                raise ValueError(f"{name} must be a positive number or -1 for all cores, got 0.")
        kwargs = {
            "maxdim": self.maxdim,
            "complex": self.complex,
            "metric": self.metric,
            "threshold": self.threshold,
            "coeff": self.coeff,
            "backend": self.backend,
            "n_landmarks": self.n_landmarks,
            "landmark_method": self.landmark_method,
            "seed": self.seed,
            "collapse_edges": self.collapse_edges,
            "sparse": self.sparse,
            "periodic": bool(self.periodic),
            "max_memory": self.max_memory,
        }
        if self.n_threads is not None:
            kwargs["n_threads"] = self.n_threads
        return kwargs

    def _samples(self, X: Any) -> list[Any]:
        """Split ``X`` into samples and check each one; returns them converted (points as float arrays)."""
        import scipy.sparse as sp

        kind = "image" if self.complex == "cubical" else ("matrix" if self.metric == "precomputed" else "cloud")
        want = {
            "cloud": "a list of (n_points, n_features) point clouds or an array of shape (n_clouds, n_points, n_features)",
            "matrix": "a list of (n, n) distance matrices or an array of shape (n_samples, n, n)",
            "image": "a list of 1-, 2- or 3-D arrays of values or an array whose first axis indexes them",
        }[kind]
        if isinstance(X, Diagrams) or (isinstance(X, Sequence) and X and isinstance(X[0], Diagrams)):
            raise TypeError(f"X must be {want}, got diagrams; they are the output of Persistence, not its input.")
        if sp.issparse(X) or isinstance(X, (str, bytes, dict)) or X is None:
            raise TypeError(f"X must be {want}, got {type(X).__name__}.")
        if isinstance(X, np.ndarray) or (hasattr(X, "detach") and hasattr(X, "numpy")):
            arr = as_numpy(X, name="X")
            if kind != "image" and arr.ndim != 3:
                hint = " For a single cloud, pass [X]." if arr.ndim == 2 else ""
                raise ValueError(f"X must be {want}, got an array of shape {arr.shape}.{hint}")
            if kind == "image" and arr.ndim < 2:
                raise ValueError(f"X must be {want}, got an array of shape {arr.shape}. For a single image, pass [X].")
            items: list[Any] = list(arr)
        else:
            try:
                items = list(X)
            except TypeError:
                raise TypeError(f"X must be {want}, got {type(X).__name__}.") from None
        if not items:
            raise ValueError(f"X holds no samples; it must be {want}.")
        out = []
        for i, item in enumerate(items):
            if kind == "cloud":
                out.append(check_points(item, name=f"X[{i}]"))
            elif kind == "matrix":
                out.append(check_distance_matrix(item, name=f"X[{i}]"))
            else:
                img = as_numpy(item, name=f"X[{i}]")
                if img.ndim not in (1, 2, 3) or img.size == 0:
                    raise ValueError(f"X[{i}] must be a non-empty 1-, 2- or 3-D array of values, got shape {img.shape}.")
                out.append(img)
        return out

    # -- sklearn API -------------------------------------------------------------------
    def fit(self, X: Any, y: Any = None) -> Persistence:
        """Validate the parameters and the clouds ``X``; returns ``self``.

        Parameters
        ----------
        X : list of array-like, or ndarray of shape (n_clouds, n_points, n_features)
            The samples (see Notes of the class).
        y : ignored

        Returns
        -------
        self
        """
        self._kwargs()
        self._fit(self._samples(X))
        return self

    def _fit(self, samples: list[Any]) -> None:
        self.homology_dimensions_ = tuple(range(int(self.maxdim) + 1))
        widths = {s.shape[1] for s in samples} if self.metric != "precomputed" and self.complex != "cubical" else set()
        if len(widths) == 1:
            self.n_features_in_ = int(widths.pop())
        elif hasattr(self, "n_features_in_"):
            del self.n_features_in_

    def transform(self, X: Any) -> list[Diagrams]:
        """Persistence diagrams of every sample of ``X``.

        Parameters
        ----------
        X : list of array-like, or ndarray of shape (n_clouds, n_points, n_features)
            The samples (see Notes of the class).

        Returns
        -------
        list of Diagrams
            One per sample, in order, each holding H0..H``maxdim``;
            ``meta['sample']`` is the index in ``X``.

        Raises
        ------
        ValueError
            A cloud's width differs from ``n_features_in_``, or bad input (see
            :func:`tda_nn.persistence`).
        """
        check_is_fitted(self, "homology_dimensions_")
        return self._transform(self._samples(X))

    def _transform(self, samples: list[Any]) -> list[Diagrams]:
        kwargs = self._kwargs()
        width = getattr(self, "n_features_in_", None)
        if width is not None:
            for i, s in enumerate(samples):
                if s.shape[1] != width:
                    raise ValueError(
                        f"X[{i}] has {s.shape[1]} features, but this Persistence was fitted on clouds of "
                        f"{width} features; transform clouds of the same space, or refit."
                    )
        return persistence_batch(samples, n_jobs=self.n_jobs, **kwargs)

    def fit_transform(self, X: Any, y: Any = None, **fit_params: Any) -> list[Diagrams]:
        """``fit(X).transform(X)``, reading ``X`` once (a generator of clouds works too)."""
        self._kwargs()
        samples = self._samples(X)
        self._fit(samples)
        return self._transform(samples)

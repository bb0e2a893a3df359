"""Synthetic data sets with known topology, and scikit-learn's bundled digits.

Every generator is seeded (``seed=0`` by default) and returns float64 points.
Single shapes return the points ``X``; labelled sets return ``(X, y)``.

====================  =====================  ===========================================
generator             returns                topology (Betti numbers over Z/2)
====================  =====================  ===========================================
``circle``            X (n, 2)               beta_0 = 1, beta_1 = 1
``circles``           X (n, 2), y            n_circles disjoint circles: beta_0 = beta_1 = k
``entangled_rings``   X (n, 3), y            a chain of linked circles, each beta_1 = 1
``figure_eight``      X (n, 2)               beta_0 = 1, beta_1 = 2
``torus``             X (n, 3)               beta = (1, 2, 1)
``sphere``            X (n, dim + 1)         S^dim: beta_0 = beta_dim = 1
``swiss_roll``        X (n, 3), t            a rolled-up rectangle: contractible
``disks_and_rings``   X (n, 2), y            class 0: beta_0 = 9; class 1: beta_0 = 1, beta_1 = 9
``digits``            X (1797, 64), y        real images, sklearn's 8x8 digits
====================  =====================  ===========================================
"""

from __future__ import annotations

import numpy as np

from .budgets import check_budget
from .validation import check_int, check_real

__all__ = [
    "circle",
    "circles",
    "digits",
    "disks_and_rings",
    "entangled_rings",
    "figure_eight",
    "sphere",
    "swiss_roll",
    "torus",
]


def _noisy(X: np.ndarray, noise: float, rng: np.random.Generator) -> np.ndarray:
    return X + rng.normal(scale=noise, size=X.shape) if noise > 0 else X


def _common(n: int, noise: float, *, min_n: int = 1, width: int = 3) -> tuple[int, float]:
    n = check_int(n, name="n", min_value=min_n)
    _check_size(n, width)
    return n, check_real(noise, name="noise", min_value=0.0)


def _check_size(n: int, width: int, name: str = "n", hint: str = "") -> None:
    """Refuse before allocating a data set whose working arrays (a few copies) would not fit."""
    check_budget(8.0 * 6 * n * max(width, 1), f"a synthetic data set of {n} points ({name})",
                 None, name="budget", hint=hint or f"Use a smaller {name}.")


def _split(n: int, k: int) -> np.ndarray:
    """Sizes of k nearly equal parts of n."""
    return np.full(k, n // k) + (np.arange(k) < n % k)


def circle(n: int = 100, *, radius: float = 1.0, noise: float = 0.0, seed: int | None = 0) -> np.ndarray:
    """Points sampled uniformly on a circle, with optional Gaussian noise.

    Parameters
    ----------
    n : int, default=100
    radius : float, default=1.0
    noise : float, default=0.0
        Standard deviation of isotropic Gaussian noise added to each coordinate.
    seed : int or None, default=0

    Returns
    -------
    X : ndarray of shape (n, 2)

    Examples
    --------
    >>> circle(50).shape
    (50, 2)
    """
    n, noise = _common(n, noise)
    radius = check_real(radius, name="radius", min_value=0.0, strict=True)
    rng = np.random.default_rng(seed)
    t = rng.uniform(0.0, 2 * np.pi, n)
    return _noisy(radius * np.column_stack([np.cos(t), np.sin(t)]), noise, rng)


def circles(
    n: int = 200, *, n_circles: int = 2, radius: float = 1.0, gap: float = 1.0, noise: float = 0.0,
    seed: int | None = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Disjoint circles side by side on the x-axis, labelled by circle.

    Circle ``k`` has centre ``(k * (2 * radius + gap), 0)``, so neighbouring circles are
    ``gap`` apart at their closest points.

    Parameters
    ----------
    n : int, default=200
        Total number of points, split as evenly as possible.
    n_circles : int, default=2
    radius, gap : float, default=1.0
    noise : float, default=0.0
    seed : int or None, default=0

    Returns
    -------
    X : ndarray of shape (n, 2)
    y : ndarray of shape (n,), int
        The circle of each point.

    Examples
    --------
    >>> X, y = circles(90, n_circles=3)
    >>> np.bincount(y)
    array([30, 30, 30])
    """
    n, noise = _common(n, noise)
    k = check_int(n_circles, name="n_circles", min_value=1)
    radius = check_real(radius, name="radius", min_value=0.0, strict=True)
    gap = check_real(gap, name="gap", min_value=0.0, strict=True)
    if n < k:
        raise ValueError(f"n must be at least n_circles ({k}), got {n}.")
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(k), _split(n, k))
    t = rng.uniform(0.0, 2 * np.pi, n)
    X = radius * np.column_stack([np.cos(t), np.sin(t)])
    X[:, 0] += y * (2 * radius + gap)
    return _noisy(X, noise, rng), y


def entangled_rings(
    n: int = 200, *, n_rings: int = 2, radius: float = 1.0, noise: float = 0.0, seed: int | None = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """A chain of linked circles in 3-D (two rings: the Hopf link), labelled by ring.

    Ring ``k`` has centre ``(1.5 * k * radius, 0, 0)`` and lies in the xy-plane for even
    ``k`` and in the xz-plane for odd ``k``. Neighbouring rings are linked (each
    pierces the other's disk), every two rings stay at least ``radius / 2`` apart,
    and no linear map separates them: the classic example of classes a network must
    untangle.

    Parameters
    ----------
    n : int, default=200
        Total number of points, split as evenly as possible.
    n_rings : int, default=2
    radius : float, default=1.0
    noise : float, default=0.0
    seed : int or None, default=0

    Returns
    -------
    X : ndarray of shape (n, 3)
    y : ndarray of shape (n,), int

    Examples
    --------
    >>> X, y = entangled_rings(100)
    >>> X.shape, np.bincount(y).tolist()
    ((100, 3), [50, 50])
    """
    n, noise = _common(n, noise)
    k = check_int(n_rings, name="n_rings", min_value=1)
    radius = check_real(radius, name="radius", min_value=0.0, strict=True)
    if n < k:
        raise ValueError(f"n must be at least n_rings ({k}), got {n}.")
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(k), _split(n, k))
    t = rng.uniform(0.0, 2 * np.pi, n)
    c, s = radius * np.cos(t), radius * np.sin(t)
    odd = y % 2 == 1
    X = np.column_stack([c + 1.5 * y * radius, np.where(odd, 0.0, s), np.where(odd, s, 0.0)])
    return _noisy(X, noise, rng), y


def figure_eight(n: int = 200, *, radius: float = 1.0, noise: float = 0.0, seed: int | None = 0) -> np.ndarray:
    """Two circles of radius ``radius`` touching at the origin (a wedge of two circles).

    Parameters
    ----------
    n : int, default=200
        Points, split evenly between the two lobes (centres ``(-radius, 0)`` and
        ``(radius, 0)``).
    radius : float, default=1.0
    noise : float, default=0.0
    seed : int or None, default=0

    Returns
    -------
    X : ndarray of shape (n, 2)

    Examples
    --------
    >>> figure_eight(20).shape
    (20, 2)
    """
    n, noise = _common(n, noise, min_n=2)
    radius = check_real(radius, name="radius", min_value=0.0, strict=True)
    rng = np.random.default_rng(seed)
    side = np.repeat([-1.0, 1.0], _split(n, 2))
    t = rng.uniform(0.0, 2 * np.pi, n)
    X = np.column_stack([side * radius * (1 + np.cos(t)), radius * np.sin(t)])
    return _noisy(X, noise, rng)


def torus(
    n: int = 500, *, R: float = 2.0, r: float = 1.0, noise: float = 0.0, seed: int | None = 0,
) -> np.ndarray:
    """Points sampled uniformly (by area) on a torus of revolution in R^3.

    The tube angle ``v`` is drawn by rejection with density proportional to
    ``R + r cos v`` (Diaconis, Holmes, Shahshahani 2013, "Sampling from a manifold"),
    so the sample is uniform on the surface rather than denser on the inner side.

    Parameters
    ----------
    n : int, default=500
    R : float, default=2.0
        Distance from the centre of the tube to the centre of the torus; ``R > r``.
    r : float, default=1.0
        Radius of the tube.
    noise : float, default=0.0
    seed : int or None, default=0

    Returns
    -------
    X : ndarray of shape (n, 3)

    Examples
    --------
    >>> torus(100).shape
    (100, 3)
    """
    n, noise = _common(n, noise)
    r = check_real(r, name="r", min_value=0.0, strict=True)
    R = check_real(R, name="R", min_value=r, strict=True)
    rng = np.random.default_rng(seed)
    v = np.empty(0)
    while v.size < n:
        cand = rng.uniform(0.0, 2 * np.pi, 2 * n)
        accept = rng.uniform(0.0, R + r, 2 * n) < R + r * np.cos(cand)
        v = np.concatenate([v, cand[accept]])
    v = v[:n]
    u = rng.uniform(0.0, 2 * np.pi, n)
    X = np.column_stack([(R + r * np.cos(v)) * np.cos(u), (R + r * np.cos(v)) * np.sin(u), r * np.sin(v)])
    return _noisy(X, noise, rng)


def sphere(n: int = 500, *, dim: int = 2, radius: float = 1.0, noise: float = 0.0, seed: int | None = 0) -> np.ndarray:
    """Points sampled uniformly on the ``dim``-sphere of radius ``radius`` in R^(dim + 1).

    Parameters
    ----------
    n : int, default=500
    dim : int, default=2
        Dimension of the sphere (1: a circle, 2: the usual sphere).
    radius : float, default=1.0
    noise : float, default=0.0
    seed : int or None, default=0

    Returns
    -------
    X : ndarray of shape (n, dim + 1)

    Examples
    --------
    >>> X = sphere(10, dim=3)
    >>> X.shape, bool(np.allclose(np.linalg.norm(X, axis=1), 1))
    ((10, 4), True)
    """
    dim = check_int(dim, name="dim", min_value=1)
    n, noise = _common(n, noise, width=dim + 1)
    radius = check_real(radius, name="radius", min_value=0.0, strict=True)
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, dim + 1))
    X *= radius / np.linalg.norm(X, axis=1, keepdims=True)
    return _noisy(X, noise, rng)


def swiss_roll(n: int = 1000, *, noise: float = 0.0, seed: int | None = 0) -> tuple[np.ndarray, np.ndarray]:
    """The swiss roll: a rectangle rolled into a spiral in R^3 (contractible).

    Same parametrisation as :func:`sklearn.datasets.make_swiss_roll`:
    ``t ~ U(1.5 pi, 4.5 pi)``, ``X = (t cos t, 21 h, t sin t)`` with ``h ~ U(0, 1)``.

    Parameters
    ----------
    n : int, default=1000
    noise : float, default=0.0
    seed : int or None, default=0

    Returns
    -------
    X : ndarray of shape (n, 3)
    t : ndarray of shape (n,)
        Position along the spiral (the intrinsic coordinate).

    Examples
    --------
    >>> X, t = swiss_roll(10)
    >>> X.shape
    (10, 3)
    """
    n, noise = _common(n, noise)
    rng = np.random.default_rng(seed)
    t = 1.5 * np.pi * (1 + 2 * rng.uniform(size=n))
    h = 21.0 * rng.uniform(size=n)
    X = np.column_stack([t * np.cos(t), h, t * np.sin(t)])
    return _noisy(X, noise, rng), t


# D-I of Naitzat, Zhitnikov and Lim: nine disks, eight on a circle of radius 7
_DI_RADIUS = 1.3
_DI_GAP = 1.8
_DI_RING = 7.0


def _di_centres() -> np.ndarray:
    a = 2 * np.pi * np.arange(8) / 8
    return np.vstack([[0.0, 0.0], _DI_RING * np.column_stack([np.cos(a), np.sin(a)])])


def disks_and_rings(
    *, spacing: float = 0.15, bound: float = 10.0, noise: float = 0.0, shuffle: bool = True, seed: int | None = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """The D-I data set of Naitzat, Zhitnikov and Lim ("Topology of deep neural networks", JMLR 2020).

    Points on the square grid of step ``spacing`` over ``[-bound, bound]^2``. Nine disks
    of radius 1.3, eight centred on the circle of radius 7 at angles ``2 pi x / 8``
    (``x = 0..7``) and one at the origin, form class 0 (``beta_0 = 9``). The gap rings
    ``1.3 <= r < 1.8`` around each centre are left out, and every other grid point is
    class 1: the square with nine holes (``beta_0 = 1``, ``beta_1 = 9``).

    The defaults (``spacing=0.15`` over ``[-10, 10]^2``: 15,836 points, 2,144 in class 0)
    are dense enough for the authors' Betti-number method to recover these numbers:
    every 4th point of a class, a k-nearest-neighbour graph with k = 35 (counting the
    point itself), hop distances, the clique complex at 1 or 2 hops. A coarser grid
    (e.g. ``spacing=0.25``) gives fewer points, whose Rips complex at a scale of a few
    grid steps still has these Betti numbers, but then each disk has fewer than 35
    points after taking every 4th one.

    Parameters
    ----------
    spacing : float, default=0.15
        Grid step, > 0 and small enough to resolve the disks (<= 0.5).
    bound : float, default=10.0
        Half-width of the square; > 8.8 so that the outer holes lie inside it.
    noise : float, default=0.0
        Gaussian jitter added to the grid points after labelling.
    shuffle : bool, default=True
        Shuffle the rows (seeded), so that every k-th row is a spatially uniform subsample.
    seed : int or None, default=0

    Returns
    -------
    X : ndarray of shape (n, 2)
    y : ndarray of shape (n,), int
        0 inside a disk, 1 outside every gap ring.

    Examples
    --------
    >>> X, y = disks_and_rings(spacing=0.5)
    >>> X.shape, np.bincount(y).tolist()
    ((1521, 2), [189, 1332])
    """
    spacing = check_real(spacing, name="spacing", min_value=0.0, strict=True)
    if spacing > 0.5:
        raise ValueError(f"spacing must be <= 0.5 to resolve the 0.5-wide gap rings, got {spacing}.")
    reach = _DI_RING + _DI_GAP
    bound = check_real(bound, name="bound", min_value=reach, strict=True)
    noise = check_real(noise, name="noise", min_value=0.0)
    rng = np.random.default_rng(seed)
    k = int(np.floor(bound / spacing + 1e-9))
    _check_size((2 * k + 1) ** 2, 2 * 9, name=f"spacing={spacing}, bound={bound}",  # the grid x 9 centres
                hint="Use a larger spacing (0.15 gives 15,836 points) or a smaller bound.")
    g = spacing * np.arange(-k, k + 1)
    X = np.stack(np.meshgrid(g, g, indexing="xy"), axis=-1).reshape(-1, 2)
    r = np.min(np.linalg.norm(X[:, None, :] - _di_centres()[None, :, :], axis=2), axis=1)
    keep = (r < _DI_RADIUS) | (r >= _DI_GAP)
    X, y = X[keep], (r[keep] >= _DI_GAP).astype(np.int64)
    if shuffle:
        order = rng.permutation(len(X))
        X, y = X[order], y[order]
    return _noisy(X, noise, rng), y


def digits(*, n_class: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's bundled 8x8 handwritten digits, pixels scaled to [0, 1].

    A wrapper over :func:`sklearn.datasets.load_digits` (1,797 images, no download):
    pixel intensities 0..16 divided by 16.

    Parameters
    ----------
    n_class : int, default=10
        Keep the digits ``0 .. n_class - 1``.

    Returns
    -------
    X : ndarray of shape (n_samples, 64), float32
    y : ndarray of shape (n_samples,), int

    Examples
    --------
    >>> X, y = digits()
    >>> X.shape, X.dtype, float(X.max())
    ((1797, 64), dtype('float32'), 1.0)
    """
    n_class = check_int(n_class, name="n_class", min_value=1, max_value=10)
    from sklearn.datasets import load_digits

    X, y = load_digits(n_class=n_class, return_X_y=True)
    return (X / 16.0).astype(np.float32), y.astype(np.int64)

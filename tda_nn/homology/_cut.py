"""Persistence up to a stated scale: where to cut a landmark filtration, and how cut bars are reported.

The reduction of H1 and above on ``m`` landmarks spends nearly all of its time at
large scales, where the flag complex is dense and (for activation clouds) no
long bar lives. Cutting the filtration at a scale ``T`` (the engines' threshold)
gives the exact diagram below ``T``:

- a bar with ``death < T`` in the cut computation has the same birth and death as
  in the full one (the filtrations agree up to ``T``, and persistence pairs of a
  filtration prefix are the pairs of the full filtration that die inside it);
- a bar alive at ``T`` is *alive at T*: born at its birth, death unknown but
  ``>= T``. It is reported with death ``T`` (clipped), never ``inf``, and
  counted per dimension in ``meta['alive_at_exact_below']``;
- a bar born at or after ``T`` is not seen.

H0 is always computed in full (a minimum spanning tree, cheap), so it is exact
at every scale; the cut applies to H1 and above.

The automatic scale (``exact_below='auto'``)
--------------------------------------------
With covering radius ``r`` of the max-min landmarks, the findings count a bar
only when its lifetime exceeds ``2 r`` (the bottleneck bound between the landmark
diagram and the cloud's). The landmarks are ``r``-separated and ``r``-dense, so
neighbouring landmarks are at most ``2 r`` apart: a feature of a densely sampled
shape is born in the landmark filtration by about ``2 r`` plus the cloud's own
sampling gap (a densely sampled circle's loop is born at the largest landmark
gap: 0.508 for r = 0.242 on 3,000 noisy points of a radius-5 circle, 100
landmarks, i.e. 2.1 r). Where the cut is placed:

1. ``T = BIRTH_FACTOR * r`` (``BIRTH_FACTOR = 2.5``: the landmark spacing ``2 r``
   plus room for the cloud's own gaps, and a 1e-5 relative margin for float32
   rounding): every bar born below it is seen;
2. a bar alive at ``T`` and born at ``b`` is decided once ``T >= b + 2 r`` (then it
   is known to be longer than ``2 r``); while some alive bar is undecided, raise
   ``T`` to the largest such ``b + 2 r`` and recompute (at most 3 rounds, then in full);
3. from the enclosing radius ``min_i max_j d(i, j)`` on, the Rips complex is a cone
   and every bar of dimension >= 1 is dead: a cut there is the full computation.

Whether to cut at all (the pay-off rule)
----------------------------------------
The reduction's time follows the number of edges below the cut, not the scale:
the time ratio cut / full tracks ``f``, the fraction of the full computation's edges
(those up to the enclosing radius, where the engines stop) that lie below ``T``.
:func:`edge_profile` reads ``f`` from the landmark distances (one ``m x m`` pass,
0.1 s for 1,000 landmarks in 256-D) before any reduction runs, and
:func:`plan_round` decides:

- never at or beyond the enclosing radius (nothing to cut);
- the first round only when ``f <= MAX_EDGE_FRACTION = 0.6`` (measured time ratio
  there 0.28-0.73, below: the calibration runs);
- a later round only when the predicted cost of the rounds run so far plus this one,
  ``predicted_cost(f) = 0.1 + 1.5 f`` each (the upper envelope of the measurements),
  stays below the full computation's; otherwise the full filtration at once.

So a declined cut costs one ``m x m`` distance pass; a cut that runs is predicted
to cost at most the full computation, and the worst case (a late round refused, so
the full computation follows the rounds already run) below twice it; none of the
measured clouds came near it. ``meta['exact_below_reason']`` says what was decided
and why, ``meta['exact_below_edge_fraction']`` the ``f`` of the last round planned.

Calibration (giotto-ph alone on 1,000 max-min landmarks of 20,000 x 256 points,
H0 + H1, 2 shared cores under a load of 3-6; time at the threshold at which the
fraction ``f`` of the full computation's edges enter, over the full time)::

    cloud              f: 0.2    0.4    0.6    0.8    0.9
    tanh 8-D latent       0.10   0.17   0.28   0.52   0.71
    ReLU 8-D latent       0.22   0.34   0.49   0.96   0.86
    torus in 256-D        0.12   0.41   0.73   0.72   0.72
    circle in 256-D       0.02   0.14   0.45   1.05   1.01
    Gaussian, 400 lm      0.20   0.35   0.55   0.84   0.89

Measured (benchmarks/bench_cut.py, one run each, 20,000 x 256 points, 1,000
max-min landmarks (400 for the Gaussian), 2 shared cores under a load of 2-3;
``engine`` = giotto-ph's time cut at ``T`` over its full time, ``f`` as above,
``unseen`` / ``alive`` = full-diagram H1 bars born after ``T`` / alive at ``T``;
``auto`` = ``persistence(X, n_landmarks=m, exact_below='auto')`` over the same call
without a cut, landmark selection included in both; ``sig.`` = H1 bars the
universal test calls significant, full / auto)::

    cloud (engine full)     enc.     1.5 r: f, engine, unseen/alive   2 r: f, engine, u/a    2.5 r: f, engine   auto decided          auto / full         sig.
    tanh 8-D latent (15.8 s) 2.27 r  0.088, 0.042, 0/0                0.531, 0.242, 0/0      beyond enc.        full (beyond enc.)    11.9/13.4 s  0.88   0/0
      same, 100,000 x 256 (7.1 s) 2.03 r  0.155, 0.098, 0/0           0.932, 0.517, 0/0      beyond enc.        full (beyond enc.)     9.1/9.6 s   0.96   0/0
    ReLU 8-D latent (2.2 s)  2.78 r  0.042, 0.112, 2/6                0.284, 0.327, 0/0      0.791, 0.768       full (f 0.79 > 0.6)    3.5/3.8 s   0.93   0/0
    tanh 4-D latent (0.85 s) 4.40 r  0.022, 0.197, 40/329             0.065, 0.169, 0/0      0.152, 0.235       2.50 r, 1 round        2.4/2.8 s   0.84   0/0
    digits MLP layer (0.46 s) 8.20 r 0.005, 0.292, 406/200            0.017, 0.259, 87/80    0.039, 0.250       4.48 r, 2 rounds      0.59/0.59 s  1.00   0/0
    torus in 256-D (4.8 s)   11.2 r  0.013, 0.029, 0/2                0.031, 0.026, 0/2      0.055, 0.032       3.10 r, 2 rounds       2.2/6.5 s   0.34   2/0
    circle in 256-D (19.3 s) 8.54 r  0.087, 0.011, 0/1                0.139, 0.012, 0/1      0.186, 0.017       3.03 r, 2 rounds       2.6/16.7 s  0.16   1/1
    Gaussian 256-D (0.31 s)  1.11 r  beyond enc.                      beyond enc.            beyond enc.        full (beyond enc.)    0.51/0.50 s  1.02   0/0

(The digits layer: the second hidden layer, 256 ReLU units, of an MLP trained on
scikit-learn's digits, 1,797 samples. ``auto / full`` within a few percent of 1 on
the declined clouds is the shared machine's noise around identical work plus the
0.1 s edge pass; medians of 7 interleaved runs on the digits layer: 0.63 s auto
against 0.60 s full, each cut round paying giotto-ph's 0.1 s neighbour graph.)

What this says: on activation-like clouds of intrinsic dimension 8 (and Gaussian
noise) every H1 bar dies by 1.4-1.7 r and the flag complex fills between 1.5 r and
2.5 r, so a cut that still sees births up to 2.5 r saves nothing: the rule computes
in full and costs what the full computation costs (issue 27 measured the old rule
14% above it). Where activations are lower-dimensional or sparse (a 4-D latent, the
digits layer) the rule cuts, but those H1 computations take under a second and the
cut saves 0-16% end to end. On sampled manifolds (torus, circle) the long bars push
the enclosing radius to 8-11 r and the cut is 30-90x cheaper in the engine
(0.16-0.34 end to end, where landmark selection then dominates). The 1.5 r cut of
issue 13 (15 s against 370 s on its 100,000-point job) saves 10-25x on the 8-D
activation clouds, but is exact only below 1.5 r: on the ReLU cloud it misses 2 bars
born after it and clips 6, on the digits layer it misses 406 and clips 200, and it
would miss a densely sampled loop born between 1.5 r and 2 r (the circle above:
2.1 r). It stays available as ``exact_below=1.5 * r`` for a caller who accepts that.

The cut's H1 is for lifetimes, not for ratios: a bar alive at ``T`` is clipped to
death ``T``, so its ``death / birth`` shrinks (the torus's two loops, ratios 6.0
and 3.1 in full, read 2.9 and 2.8 at 3.1 r), and the universal significance test
(:mod:`tda_nn.diagnostics.significance`), which reads ``death / birth`` and
estimates its null from every bar, no longer finds them. The analysis
(:func:`tda_nn.layer_profile`) therefore computes its diagrams in full.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["BIRTH_FACTOR", "COST_FIXED", "COST_SLOPE", "MAX_EDGE_FRACTION", "EdgeProfile", "auto_exact_below",
           "clip_alive", "decide_scale", "edge_profile", "plan_round", "predicted_cost"]

BIRTH_FACTOR = 2.5

# the first automatic cut runs only when at most this fraction of the edges the full computation uses lies below it
MAX_EDGE_FRACTION = 0.6

# measured upper envelope of t(cut at T) / t(full) against the edge fraction f below T: COST_FIXED + COST_SLOPE f
COST_FIXED = 0.1
COST_SLOPE = 1.5

# edges of length exactly BIRTH_FACTOR * r must enter despite float32 rounding
_MARGIN = 1e-5

# pairwise distances kept for the edge fractions (an even subsample above this: fractions to about 1e-3)
_MAX_PAIRS = 2_000_000
_MAX_ROWS = 4_000
_ROWS = 256


def auto_exact_below(covering_radius: float) -> float:
    """The first automatic cut, ``BIRTH_FACTOR * r`` (plus a rounding margin)."""
    return BIRTH_FACTOR * float(covering_radius) * (1.0 + _MARGIN)


@dataclass(frozen=True)
class EdgeProfile:
    """The edge lengths of a (landmark) cloud, for predicting what a cut saves.

    Attributes
    ----------
    reach : float
        Where the full computation stops: ``min(threshold, enclosing radius)``
        (beyond the enclosing radius the flag complex is a cone, every H1+ bar dead).
    lengths : ndarray of shape (n_pairs,)
        Sorted pairwise distances (all pairs, or an even subsample of them).
    """

    reach: float
    lengths: np.ndarray

    def fraction(self, T: float) -> float:
        """The fraction of the full computation's edges (length ``<= reach``) that are no longer than ``T``."""
        total = int(np.searchsorted(self.lengths, self.reach, side="right"))
        if total == 0:
            return 1.0
        return int(np.searchsorted(self.lengths, min(float(T), self.reach), side="right")) / total


def edge_profile(data: Any, *, precomputed: bool, metric: str, threshold: float = np.inf) -> EdgeProfile | None:
    """The :class:`EdgeProfile` of points or a dense distance matrix (``None`` for a sparse matrix).

    One pass over the ``m x m`` distances in row tiles (a matrix product for
    euclidean points, scipy's ``cdist`` for other metrics; ``None`` for a metric
    scipy does not know): the enclosing radius ``min_i max_j d(i, j)`` and the
    upper-triangle lengths, sorted (an even subsample above 2,000,000 pairs). Above
    4,000 points, 4,000 random rows against all points: the fractions of their
    lengths, and ``min max`` over those rows, an upper bound on the enclosing radius
    (a cut beyond the true one then runs and equals the full computation). For
    1,000 landmarks in 256-D about 0.1 s, 2,000 about 0.5 s, against seconds to
    minutes for the reductions it predicts.
    """
    import scipy.sparse as sp

    if sp.issparse(data):
        return None
    m = data.shape[0]
    every = m <= _MAX_ROWS
    rows = np.arange(m) if every else np.sort(np.random.default_rng(0).choice(m, _MAX_ROWS, replace=False))
    pairs = m * (m - 1) // 2 if every else len(rows) * (m - 1)
    stride = max(1, -(-pairs // _MAX_PAIRS))
    far = np.empty(len(rows))
    kept: list[np.ndarray] = []
    if not precomputed:
        P = np.asarray(data, dtype=np.float64)
        metric = _SCIPY_NAMES.get(metric, metric)
        sq = (P * P).sum(axis=1) if metric == "euclidean" else None
    for lo in range(0, len(rows), _ROWS):
        idx = rows[lo:lo + _ROWS]
        if precomputed:
            D = np.asarray(data[idx], dtype=np.float64)
            D = np.where(np.isfinite(D), D, np.inf)
        else:
            D = _distances(P, idx, metric, sq)
            if D is None:
                return None
        far[lo:lo + len(idx)] = D.max(axis=1)
        # each pair once: the upper triangle of all rows, or every other point of a sampled row
        keep = (np.arange(m)[None, :] > idx[:, None]) if every else (np.arange(m)[None, :] != idx[:, None])
        kept.append(D[keep][::stride])
    lengths = np.concatenate(kept) if kept else np.empty(0)
    lengths = np.sort(lengths[np.isfinite(lengths)])
    enclosing = float(far.min())
    if not np.isfinite(enclosing):  # some point has an absent edge: no cone, the longest present edge bounds it
        enclosing = float(lengths[-1]) if len(lengths) else 0.0
    return EdgeProfile(reach=min(float(threshold), enclosing), lengths=lengths)


# scikit-learn's metric names that scipy spells otherwise
_SCIPY_NAMES = {"l2": "euclidean", "l1": "cityblock", "manhattan": "cityblock"}


def _distances(P: np.ndarray, idx: np.ndarray, metric: str, sq: np.ndarray | None) -> np.ndarray | None:
    """Rows ``idx`` of the distance matrix of ``P`` (a matrix product for euclidean), ``None`` for an unknown metric."""
    if sq is not None:
        D2 = sq[idx, None] + sq[None, :] - 2.0 * (P[idx] @ P.T)
        return np.sqrt(np.maximum(D2, 0.0))
    from scipy.spatial.distance import cdist

    try:
        return cdist(P[idx], P, metric=metric)
    except (ValueError, TypeError):  # a metric the engines know but scipy does not: no prediction
        return None


def predicted_cost(f: float) -> float:
    """Upper envelope of t(cut) / t(full) measured against the edge fraction ``f`` below the cut."""
    return min(1.0, COST_FIXED + COST_SLOPE * float(f))


def plan_round(profile: EdgeProfile | None, T: float, spent: float) -> tuple[bool, str, float]:
    """Whether to run the reduction up to ``T`` rather than in full: ``(cut, reason, edge fraction)``.

    ``spent`` is the predicted cost (in units of the full computation) of the cut
    rounds already run. The first round runs when at most ``MAX_EDGE_FRACTION`` of
    the full computation's edges lie below ``T``; a later round when the rounds so
    far plus this one are still predicted below the full computation
    (``spent + predicted_cost(f) <= 1``). Never at or beyond the reach.
    """
    if profile is None:
        return False, "no edge profile (a sparse matrix, or a metric scikit-learn cannot compute): computed in full", 1.0
    f = profile.fraction(T)
    if T >= profile.reach:
        return False, (f"the cut {T:.6g} lies at or beyond the enclosing radius {profile.reach:.6g}, where the "
                       "flag complex is a cone: the full computation is the same work"), 1.0
    if spent == 0.0 and f > MAX_EDGE_FRACTION:
        return False, (f"{f:.0%} of the full computation's edges lie below the cut {T:.6g}; a cut was measured to "
                       f"pay only below {MAX_EDGE_FRACTION:.0%} (tda_nn/homology/_cut.py): computed in full"), f
    if spent + predicted_cost(f) > 1.0:
        return False, (f"deciding the bars alive at the last cut needs {T:.6g} ({f:.0%} of the edges), predicted "
                       "to cost more than the full computation with the rounds already run: computed in full"), f
    return True, f"cut at {T:.6g}: {f:.1%} of the full computation's edges lie below it", f


def decide_scale(dgms: list[np.ndarray], T: float, significance: float) -> float:
    """The smallest cut at which every H1+ bar alive at ``T`` is decided against ``significance``.

    A bar alive at ``T`` (death ``>= T``) born at ``b`` is decided when the cut is at
    least ``b + significance``; returns ``T`` itself when all are decided already.
    """
    need = T
    for d in dgms[1:]:
        alive = d[d[:, 1] >= T]
        if len(alive):
            need = max(need, float(alive[:, 0].max()) + significance * (1.0 + _MARGIN))
    return need


def clip_alive(dgms: list[np.ndarray], T: float) -> tuple[list[np.ndarray], list[int]]:
    """Clip bars of H1 and above that are alive at ``T`` (death ``inf`` or ``>= T``) to death ``T``.

    Returns the diagrams and, per dimension, how many bars were clipped (0 for H0,
    which is computed in full).
    """
    out, counts = [dgms[0]], [0]
    for d in dgms[1:]:
        d = np.array(d, dtype=np.float64, copy=True)
        alive = d[:, 1] >= T
        d[alive, 1] = T
        out.append(d)
        counts.append(int(alive.sum()))
    return out, counts

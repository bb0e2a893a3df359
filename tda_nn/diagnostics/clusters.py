"""Clusters that count: a calibrated test for the components (H0) of a point cloud.

Every finite H0 bar of a Rips diagram is born at 0 and dies at an edge of the
minimum spanning tree (single linkage), so the ratio test of the universal null
(:mod:`tda_nn.diagnostics.significance`) does not apply, and a long H0 bar is as
often an outlier as a cluster. :func:`significant_clusters` tests components of
some **mass** instead, in the spirit of the runt tests on the single-linkage tree
(Stuetzle, "Estimating the cluster tree of a density by analyzing the minimal
spanning tree of a sample", J. Classification 20, 2003; Stuetzle and Nugent,
"A generalized single linkage method for estimating the cluster tree of a
density", JCGS 19, 2010):

* Walk the minimum spanning tree's edges by increasing length (Kruskal). A
  component is **born as a cluster** at the height ``b`` where it first holds
  ``min_size`` points; when two clusters merge at height ``h``, the younger one
  (larger ``b``, the elder rule of persistence) dies, and its lifetime is
  measured as the ratio ``pi = h / b``, the same multiplicative persistence as in
  the universal null for H1. Merges in which one side has fewer than ``min_size``
  points (outliers, tails, chaining) are never tested: an outlier is not a cluster.
* ``pi`` is scale-free, and under a null of one connected density its law
  depends on the number of points, ``min_size`` and the dimension of the cloud at
  the scales where components of that mass merge (low-dimensional clouds chain
  more: on iid points along a curve ``pi`` reaches 3-5 with ``min_size=10``, in
  16-D it stays below 1.1). So the null is simulated: ``n_null`` clouds of the same
  size, drawn uniformly in a cube of dimension ``floor(d)``, with ``d`` chosen
  **per merge** from the scale of its younger side (``dimension_rule='merge'``,
  the default). On the distinct points, the cloud's dimension is measured in the
  windows between the ``m``-th and the ``K``-th neighbour, ``K = 2m, 4m, 8m``
  (``m = min_size``, ``K`` at most ``n / 4``): per point ``1 / d`` is estimated by
  ``sum_j log(T_K / T_j) / sum_j (psi(K) - psi(j))``, ``j = m .. K-1`` (``T_j`` the
  distance to the ``j``-th neighbour, ``psi`` the digamma function: under a
  Poisson process of dimension ``d``, ``T_j^d`` is Gamma(``j``) and
  ``E log(T_K / T_j) = (psi(K) - psi(j)) / d``; the Levina-Bickel estimator,
  Levina and Bickel, NIPS 2004, with the neighbours closer than the ``m``-th left
  out), averaged over the point and its ``m - 1`` nearest neighbours (MacKay and
  Ghahramani's averaging of ``1 / d``, taken locally), and the 10% quantile over
  the points is kept (``DIM_QUANTILE``: a cloud made of pieces of different
  dimension, like ReLU features, is judged by its lower-dimensional pieces). A
  merge whose younger side holds ``s`` points takes the lowest window dimension
  over the windows from the largest ``K <= s`` up (all of them when ``s < 4m``):
  the scales from its birth (``m`` neighbours) to its own mass and above, where it
  chains (a noisy ring in 32-D looks 14-dimensional at 10 neighbours and
  4-dimensional at 80 by the Levina-Bickel estimate, and its chunks merge at the
  larger scales), never those below its birth. Near-duplicates (points closer than ``DUPLICATE_RATIO = 0.1``
  times the median ``m``-th neighbour distance, joined by single linkage) are
  repeated alike in the reference clouds: uniform sites, each repeated as often
  as a group of the data (a cloud of near-duplicate triples reaches ``m`` points
  with a third of the sites and chains like a cloud of 3 times fewer points).
  A uniform density chains more than a peaked one with the same dimension
  (measured: in 2-D the largest ``pi`` at ``min_size=10`` has 95% quantile 2.36 on
  uniform squares and 1.90 on Gaussians), so the reference errs towards fewer
  clusters.
* Why per merge (the diagnosed failure of the rule before, kept as
  ``dimension_rule='cloud'``: one dimension for the cloud, the smallest
  10%-quantile Levina-Bickel estimate over ``m, 2m, 4m, 8m`` neighbours with
  every neighbour from the first): templated data, sentence embeddings of a
  template (subject x verb x place x time) or a sample of a product grid of slot
  choices of decreasing weight (1, 0.6, 0.3, 0.1) plus tiny noise, look 1.5-D at
  10 neighbours, where the template variants that differ in one light slot sit;
  the 1-D reference chains to ``pi`` of 5-8 (its largest ``pi`` at ``n = 200``,
  ``m = 10``: up to 7.7), and four perfectly separated synthetic topics
  (``pi`` = 5.0-5.4 at the three topic merges, 1.5-1.8 inside the topics) got
  p = 0.25-0.35: one cluster, in 100 of 100 clouds. Under the merge rule the topic
  merges (younger side 50 points) are judged in the window between 10 and 40
  neighbours (2-D): p < 1e-5, four clusters, each one topic, in 100 of 100. On
  MiniLM sentence embeddings (``benchmarks/bench_topics.py``) both rules find the
  4 topics of ``benchmarks/data/topics_sentences.txt`` at every layer; a 3 x 3 x 3
  template with repeated sentences (96 distinct of 200) stays 1 cluster under
  both (old: dimension 0.1-0.17 from the rounding-error distances of the repeats,
  p = 1; new: 2-D with the repeats in the reference, p = 0.5-0.9; the topic merges
  have ``pi`` of only 1.8-2.5 there).
* The p-value of a merge is the survival of its ``log pi`` under a Gumbel law
  fitted (by moments) to the null clouds' **largest** ``log pi``: each p-value is
  already adjusted for the many merges of one tree (a max-statistic, single-step
  family-wise correction). The Gumbel scale is floored at ``min_scale`` so that
  a null whose clouds have no massive merge at all cannot make a 1% difference
  significant.

The significant merges cut the minimum spanning tree into ``n_significant``
components; each is returned with its member indices (and label counts).

Candidates compared (10-20 clouds each, alpha = 0.05): the Fasy et al. band of
:func:`tda_nn.significant_bars` found the four blobs of 16-D (centres 8 sd from
the origin, 100 points each) in 0 of 20 clouds; a SigClust-style test (Liu,
Hayes, Nobel, Marron, JASA 2008: the 2-means cluster index against Gaussian clouds
with the data's covariance eigenvalues, 50 draws) found them in 10 of 10 but split
Student-t2 clouds in 64-D and ReLU features of 4-D Gaussian inputs in 5 of 10
each (heavy tails and pieces of different dimension are not Gaussian); this test
found them in 20 of 20 and split none of those nulls (``benchmarks/calibration.py``;
40 ReLU clouds: 0). A DTM or kernel-distance band (Chazal et al., JMLR 2018) was
not measured.

The default, ``'both'``: each rule alone is calibrated, and each misses what the other
finds. The merge rule finds templated topics; the rule before (``'cloud'``) finds the
digits' pixel clusters (the quickstart's input layer, 600 digits: 3 components at
p = 4e-4 under ``'cloud'``, 1 at p = 0.22 under ``'merge'``; conv1: 2 against 1). So a
merge takes the smaller of its two p-values, doubled (Bonferroni over the two rules)
where they differ; where both rules use the same reference (the same dimension and no
near-duplicate groups) the two p-values are one test and are not doubled. A merge is
then rejected only if the merge rule rejects it at alpha or the rule before at alpha / 2,
so the false-positive rate is at most the merge rule's at alpha plus the old rule's at
alpha / 2 (measured below: 0 in 100 on every null), and it finds what either finds when
that p-value is below alpha / 2 (the quickstart: 3 components at p = 7e-4, conv1 2 at
p = 0.038). It costs both nulls.

The three rules on the same 100 seeded clouds per row, alpha = 0.05 (``python
benchmarks/calibration.py --clusters --reps 100``, one run at load about 2; counts
with 95% Clopper-Pearson intervals). Nulls, clouds with more than one significant
component:

====================================================  ==============  ==============  ==============
null cloud                                            cloud           merge           both
====================================================  ==============  ==============  ==============
Gaussian n=300 2-D / n=400 16-D / n=100 256-D         0, 0, 0 /100    0, 0, 0 /100    0, 0, 0 /100
uniform n=300 2-D / 8-D; n=1000 3-D                   0, 0, 0 /100    0, 0, 0 /100    0, 0, 0 /100
Gaussian n=1000 2-D; anisotropic 32-D (sd 1/k)        0, 0 /100       0, 0 /100       0, 0 /100
Student t3 8-D / t1 4-D; ReLU 64-D (n=300)            0, 0, 0 /100    0, 0, 0 /100    0, 0, 0 /100
circle 32-D noise 0.1, n=300 / n=1000; circle 2-D     0, 0, 0 /100    0, 0, 0 /100    0, 0, 0 /100
random closed curve 64-D, n=300 / n=1000              0, 0 /100       0, 0 /100       0, 0 /100
line through an 8-D Gaussian; near-duplicate triples  0, 0 /100       0, 0 /100       0, 0 /100
one templated topic n=200 4x4x4x4 / n=400 / 6x6x6     0, 0, 0 /100    1, 0, 0 /100    0, 0, 0 /100
====================================================  ==============  ==============  ==============

(every 0/100: interval [0, 0.036]; 1/100: [0.000, 0.054]). Planted, clouds with
exactly the planted count (cloud, merge, both): 4 blobs 16-D 100, 100, 100; 3 unequal
blobs 8-D 100, 100, 100; 4 templated topics (slots 1/0.6/0.3/0.1) 0, 100, 100; 4
templated topics, equal slots, 100, 100, 100; 4 templated topics of a 3x3x3 template
drawn 50 times (repeats) 1, 44, 41; 4 blobs 16-D with centres 5 sd apart 3, 3, 3; 2
blobs 2-D centres 4 sd apart 1, 3, 2 (the last two: no power under any rule). The
merge rule can be more conservative than the rule before where the cloud looks
higher-dimensional below the ``m``-th neighbour than above it (noise): on the digits
CNN's fc1 the small merges get a 1-D reference instead of 2-D.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..validation import check_int, check_points, check_real

__all__ = ["Cluster", "SignificantClusters", "significant_clusters"]

_GAMMA = float(np.euler_gamma)
DIM_QUANTILE = 0.1
"""Quantile of the per-point dimension estimates that sets the reference clouds' dimension."""
MIN_SCALE = 0.03
"""Floor of the Gumbel scale of the null's largest ``log pi`` (a ratio of about 3%)."""


@dataclass(frozen=True)
class Cluster:
    """One significant component: its members and how it stood out.

    Attributes
    ----------
    members : ndarray of int
        Row indices of the input cloud.
    size : int
    birth : float
        Height at which it first held ``min_size`` points (0 for the whole cloud's
        root component if it never had a younger rival).
    death : float
        Height at which it merged into an older cluster (``inf`` for the root).
    pvalue : float
        Family-wise adjusted p-value of that merge (0.0 for the root component).
    label_counts : dict or None
        ``{label: count}`` of its members when labels were given.
    """

    members: np.ndarray
    size: int
    birth: float
    death: float
    pvalue: float
    label_counts: dict[Any, int] | None = None

    def __repr__(self) -> str:
        lab = f", labels={self.label_counts}" if self.label_counts is not None else ""
        return f"Cluster(size={self.size}, birth={self.birth:.4g}, death={self.death:.4g}, p={self.pvalue:.3g}{lab})"


@dataclass(frozen=True, eq=False)
class SignificantClusters:
    """The components of a cloud that pass the runt-ratio test.

    Attributes
    ----------
    clusters : tuple of Cluster
        The significant components (the root, the oldest, first); they partition the cloud.
    heights, births, ratios, pvalues : ndarray of shape (n_merges,)
        Every tested merge (both sides at least ``min_size`` points), by increasing height:
        merge height, birth of the younger cluster, ``pi = height / birth`` and its p-value.
    alpha : float
    min_size : int
    dimension : float
        The smallest Levina-Bickel dimension of the cloud over 1, 2, 4, 8 x ``min_size`` neighbours
        (10% quantile of the points; the old rule's reference dimension).
    null_dimension : int
        The lowest dimension of the uniform reference clouds used (the one of ``null_max``).
    null_max : ndarray of shape (n_null,)
        The largest ``log pi`` of each reference cloud of dimension ``null_dimension``
        (0 where it had no tested merge); its Gumbel fit gives the most conservative threshold.
    sizes : ndarray of shape (n_merges,)
        Points of the younger side of every tested merge.
    null_dimensions : ndarray of shape (n_merges,)
        Dimension of the reference clouds of every tested merge.
    dimension_rule : {'both', 'merge', 'cloud'}
    """

    clusters: tuple[Cluster, ...]
    heights: np.ndarray
    births: np.ndarray
    ratios: np.ndarray
    pvalues: np.ndarray
    alpha: float
    min_size: int
    dimension: float
    null_dimension: int
    null_max: np.ndarray
    sizes: np.ndarray | None = None
    null_dimensions: np.ndarray | None = None
    dimension_rule: str = "merge"

    def __post_init__(self) -> None:
        for arr in (self.heights, self.births, self.ratios, self.pvalues, self.null_max, self.sizes,
                    self.null_dimensions):
            if arr is None:
                continue
            arr.setflags(write=False)

    @property
    def n_significant(self) -> int:
        """Significant components, the whole cloud's included (at least 1)."""
        return len(self.clusters)

    @property
    def min_pvalue(self) -> float:
        """Smallest adjusted p-value of a tested merge (1.0 when none was tested)."""
        return float(self.pvalues.min()) if len(self.pvalues) else 1.0

    def labels(self, n_points: int | None = None) -> np.ndarray:
        """Cluster index of every point (0 for the root component)."""
        n = sum(c.size for c in self.clusters) if n_points is None else n_points
        out = np.zeros(n, dtype=np.int64)
        for i, c in enumerate(self.clusters):
            out[c.members] = i
        return out

    def __repr__(self) -> str:
        return (f"SignificantClusters(n_significant={self.n_significant}, tested={len(self.ratios)}, "
                f"min_p={self.min_pvalue:.3g}, min_size={self.min_size}, dimension={self.dimension:.3g})")


# -- the tree -----------------------------------------------------------------------
def _linkage(D: np.ndarray) -> np.ndarray:
    """Single-linkage merges of a dense distance matrix (scipy's minimum-spanning-tree algorithm)."""
    from scipy.cluster.hierarchy import linkage
    from scipy.spatial.distance import squareform

    return linkage(squareform(D, checks=False), method="single")


def _merges(Z: np.ndarray, n: int, m: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every merge of two clusters of at least ``m`` points, from a linkage matrix ``Z``.

    Walking the merges by height (Kruskal's order), a node is born as a cluster at the
    height where it first holds ``m`` points; a merge of two such nodes kills the
    younger (the elder rule). Returns, per tested merge, its height, the birth of
    the younger side, the linkage id of the younger side and its size at the merge.
    """
    born = [float("nan")] * (2 * n - 1)
    size = [1] * n + [0] * (n - 1)
    heights, births, young, ysize = [], [], [], []
    for i, (a, b, h, sz) in enumerate(Z.tolist()):
        a, b = int(a), int(b)
        big_a, big_b = size[a] >= m, size[b] >= m
        if big_a and big_b:
            ya = born[a] >= born[b]
            heights.append(h)
            births.append(born[a] if ya else born[b])
            young.append(a if ya else b)
            ysize.append(size[a] if ya else size[b])
            new = min(born[a], born[b])
        elif big_a or big_b:
            new = born[a] if big_a else born[b]
        else:
            new = h if sz >= m else float("nan")
        size[n + i] = int(sz)
        born[n + i] = new
    return (np.asarray(heights, dtype=np.float64), np.asarray(births, dtype=np.float64),
            np.asarray(young, dtype=np.int64), np.asarray(ysize, dtype=np.int64))


def _leaves(Z: np.ndarray, node: int, n: int) -> np.ndarray:
    """The points under linkage node ``node``."""
    out, stack = [], [node]
    while stack:
        k = stack.pop()
        if k < n:
            out.append(k)
        else:
            a, b = Z[k - n, :2]
            stack += [int(a), int(b)]
    return np.asarray(out, dtype=np.int64)


def _log_ratios(heights: np.ndarray, births: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(births > 0, heights / np.where(births > 0, births, 1.0), np.where(heights > 0, np.inf, 1.0))
    return np.log(np.maximum(r, 1.0))


def _mle_dimension(D: np.ndarray, k: int) -> float:
    """Levina-Bickel MLE of the dimension with ``k`` neighbours (MacKay-Ghahramani average)."""
    return _mle_dimensions(D, [k])[0]


def _mle_dimensions(D: np.ndarray, ks: list[int], q: float | None = None) -> list[float]:
    """:func:`_mle_dimension` at every ``k`` of ``ks``, from one partial sort of the rows.

    ``q`` given: the ``q``-quantile of the per-point estimates instead of their
    MacKay-Ghahramani average (a cloud made of pieces of different dimension is
    judged by its lower-dimensional pieces).
    """
    n = D.shape[0]
    ks = [max(2, min(k, n - 1)) for k in ks]
    top = max(ks)
    T = np.sort(np.partition(D, top, axis=1)[:, : top + 1], axis=1)[:, 1:]  # drop the point itself
    out = []
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        logs = np.log(T)
        for k in ks:
            inv = (logs[:, k - 1 : k] - logs[:, : k - 1]).sum(axis=1) / (k - 1)
            inv = inv[np.isfinite(inv) & (inv > 0)]
            if not len(inv):
                out.append(1.0)
            elif q is None:
                out.append(float(1.0 / inv.mean()))
            else:
                out.append(float(np.quantile(1.0 / inv, q)))
    return out


def _scale_dimension(D: np.ndarray, m: int) -> float:
    """The smallest Levina-Bickel dimension over ``m, 2m, 4m, 8m`` neighbours (at most ``n / 4``).

    Clusters merge at scales above that of their own ``m`` neighbours, where a
    noisy curve already looks one-dimensional; the lowest dimension seen over these
    scales gives the reference that chains the most, the conservative choice.
    """
    n = D.shape[0]
    ks = [m * 2**j for j in range(4) if m * 2**j <= max(m, n // 4)]
    return min(_mle_dimensions(D, ks, q=DIM_QUANTILE))


DUPLICATE_TOL = 1e-6
"""Points closer than this times the median distance count as one for the dimension (duplicates)."""


def _distinct(D: np.ndarray) -> np.ndarray:
    """The distance matrix of the distinct points: one per group of (numerical) duplicates.

    Duplicated inputs (the same sentence twice) sit at distance 0 or, through the
    Gram-matrix formula of the distances, at a rounding error of about 1e-8 of the
    norms, which a nearest-neighbour dimension reads as a dimension near 0.
    """
    pos = D[D > 0]
    if not len(pos):
        return D
    close = D <= DUPLICATE_TOL * float(np.median(pos))
    keep = ~np.tril(close, -1).any(axis=1)
    return D if keep.all() else D[np.ix_(keep, keep)]


def _windows(n: int, m: int) -> list[int]:
    """Outer neighbour counts ``K`` of the scale windows ``(m, K]``: ``2m, 4m, 8m`` up to ``n / 4``."""
    ks = [m * 2**j for j in (1, 2, 3) if m * 2**j <= n // 4]
    return ks or [max(min(m + 2, n - 1), min(2 * m, n - 1))]


def _window_dimensions(D: np.ndarray, ks: list[int], inner: int, q: float = DIM_QUANTILE) -> np.ndarray:
    """Dimension of the cloud between its ``inner``-th and ``K``-th neighbours, for every ``K`` of ``ks``.

    Per point, ``sum_j log(T_K / T_j) / sum_j (psi(K) - psi(j))`` over ``j = inner .. K-1``
    estimates ``1 / d``, with ``T_j`` the distance to the ``j``-th neighbour and ``psi``
    the digamma function: under a Poisson process of dimension ``d`` the ``d``-th
    power of ``T_j`` is Gamma(``j``)-distributed, so ``E log(T_K / T_j) = (psi(K) -
    psi(j)) / d``; what lies closer than the ``inner``-th neighbour (duplicates,
    template variants) does not enter. Each point's ``1 / d`` is averaged over
    itself and its ``inner - 1`` nearest neighbours (the MacKay-Ghahramani average,
    taken locally: it tames the noise of one point's order statistics and keeps
    pieces of different dimension apart). Returns the ``q``-quantile over the
    points of ``d`` for each window.
    """
    from scipy.special import digamma

    n = D.shape[0]
    top = min(max(ks), n - 1)
    part = np.argpartition(D, top, axis=1)[:, : top + 1]
    order = np.argsort(np.take_along_axis(D, part, axis=1), axis=1, kind="stable")
    idx = np.take_along_axis(part, order, axis=1)[:, 1:]  # drop the point itself
    T = np.take_along_axis(D, idx, axis=1)
    nb = idx[:, : max(0, min(inner, top) - 1)]
    out = np.empty(len(ks))
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        logs = np.log(T)
        for i, K in enumerate(ks):
            K = min(K, n - 1)
            h = max(1, min(inner, K - 1))
            inv = (logs[:, K - 1 : K] - logs[:, h - 1 : K - 1]).sum(axis=1)
            inv /= float(np.sum(digamma(K) - digamma(np.arange(h, K))))
            ok = np.isfinite(inv) & (inv > 0)
            v = np.where(ok, inv, 0.0)
            cnt = ok + ok[nb].sum(axis=1)
            inv = (v + v[nb].sum(axis=1)) / np.maximum(cnt, 1)
            d = 1.0 / inv[cnt > 0]
            d = d[np.isfinite(d) & (d > 0)]
            out[i] = float(np.quantile(d, q)) if len(d) else 1.0
    return out


def _merge_dimensions(D: np.ndarray, m: int, sizes: np.ndarray) -> np.ndarray:
    """The reference dimension of every tested merge, from the scale of its younger side.

    On the distinct points, the window dimensions between the ``m``-th and the
    ``K``-th neighbour, ``K = 2m, 4m, 8m`` (:func:`_window_dimensions`); a merge whose
    younger side holds ``s`` points takes the lowest over the windows from the
    largest ``K <= s`` up (all of them when ``s < 4m``): the scales from its birth to
    its own mass and above, where it chains, but not those below its birth.
    """
    D = _distinct(D)
    ks = _windows(D.shape[0], m)
    w = _window_dimensions(D, ks, inner=m)
    suffix = np.minimum.accumulate(w[::-1])[::-1]  # lowest dimension from window i up
    first = np.searchsorted(np.asarray(ks), np.asarray(sizes), side="right") - 1
    return suffix[np.clip(first, 0, len(ks) - 1)]


DUPLICATE_RATIO = 0.1
"""Points closer than this times the median ``min_size``-th neighbour distance form a near-duplicate group."""


def _duplicate_groups(Z: np.ndarray, D: np.ndarray, n: int, m: int) -> tuple[int, ...] | None:
    """Sizes of the groups of near-duplicates (single linkage cut well below the birth scale), sorted.

    ``None`` when every point is alone or a group holds ``m`` points. A cluster is born when it holds ``m``
    points; a cloud of near-duplicate pairs or triples (template variants,
    augmented copies) reaches ``m`` points with 2-3 times fewer sites, and so
    chains like a cloud of fewer, smaller clusters: its reference repeats the
    sites alike.
    """
    from scipy.cluster.hierarchy import fcluster

    k = min(m, n - 1)
    Tm = np.partition(D, k, axis=1)[:, k]
    tau = DUPLICATE_RATIO * float(np.median(Tm))
    if not tau > 0 or not (Z[:, 2] <= tau).any():
        return None
    lab = fcluster(Z, tau, criterion="distance")
    sizes = np.bincount(lab)[1:]
    sizes = sizes[sizes > 0]
    if len(sizes) == n or sizes.max() >= m:  # a group of m is a cluster born at once: no reference for it
        return None
    return tuple(sorted(sizes.tolist(), reverse=True))


@functools.lru_cache(maxsize=64)
def _null_max(n: int, dim: int, m: int, n_null: int, seed: int, groups: tuple[int, ...] | None = None) -> np.ndarray:
    """Largest ``log pi`` of ``n_null`` uniform clouds of ``n`` points in ``[0, 1]^dim`` (cached).

    ``groups`` given (sizes summing to ``n``): ``len(groups)`` uniform sites, each
    repeated as many times as its group's size (the data's near-duplicates).
    """
    from scipy.cluster.hierarchy import linkage
    from scipy.spatial.distance import pdist

    out = np.zeros(n_null)
    key = [seed, n, dim, m] + ([len(groups), int(np.sum(np.asarray(groups) ** 2))] if groups else [])
    for i, ss in enumerate(np.random.SeedSequence(key).spawn(n_null)):
        if groups:
            Y = np.repeat(np.random.default_rng(ss).uniform(size=(len(groups), dim)), groups, axis=0)
        else:
            Y = np.random.default_rng(ss).uniform(size=(n, dim))
        h, b, _, _ = _merges(linkage(pdist(Y), method="single"), n, m)
        lr = _log_ratios(h, b)
        out[i] = lr.max() if len(lr) else 0.0
    out.setflags(write=False)
    return out


def _gumbel_sf(x: np.ndarray, sample: np.ndarray, min_scale: float) -> np.ndarray:
    """Survival of a Gumbel (max) law fitted by moments to ``sample``, scale floored at ``min_scale``."""
    beta = max(float(np.std(sample, ddof=1)) * np.sqrt(6.0) / np.pi if len(sample) > 1 else 0.0, min_scale)
    mu = float(np.mean(sample)) - _GAMMA * beta
    return -np.expm1(-np.exp(-(np.asarray(x, dtype=np.float64) - mu) / beta))


def default_min_size(n: int) -> int:
    """``max(10, ceil(n / 50))``: the smallest mass a cluster may have by default."""
    return int(max(10, -(-n // 50)))


def significant_clusters(
    X: Any,
    *,
    alpha: float = 0.05,
    min_size: int | None = None,
    labels: Any = None,
    n_null: int = 20,
    metric: str = "euclidean",
    seed: int | None = 0,
    dimension_rule: str = "both",
) -> SignificantClusters:
    """Components of ``X`` of at least ``min_size`` points that persist beyond the noise.

    See the module docstring for the test (runt-ratio on the single-linkage tree,
    uniform null at the data's own dimension, Gumbel tail for the largest ratio).

    Parameters
    ----------
    X : array-like of shape (n_points, n_features), or (n_points, n_points) if precomputed
    alpha : float, default=0.05
        Family-wise level of the merges of one cloud.
    min_size : int or None, default=None
        The smallest mass of a cluster (``None``: ``max(10, ceil(n / 50))``).
        Smaller groups (outliers, tails) are never counted.
    labels : array-like of shape (n_points,) or None
        When given, every cluster carries the counts of its members' labels.
    n_null : int, default=20
        Reference clouds (at least 10, at most 1,000).
    metric : {'euclidean', 'cosine', 'correlation', 'precomputed'}, default='euclidean'
    seed : int or None, default=0
        Seeds the reference clouds (``None`` uses 0: the null is a property of
        ``(n, dimension, min_size)``, cached across calls).
    dimension_rule : {'both', 'merge', 'cloud'}, default='both'
        ``'merge'``: each merge's reference dimension from the scale windows at and
        above its younger side's size; ``'cloud'``: one dimension for the cloud,
        the smallest over ``m``-``8m`` neighbours (the rule before; it misses
        templated topics); ``'both'``: each merge's smaller p-value of the two,
        doubled (Bonferroni) where they differ, since each rule is calibrated and each finds what the
        other misses ('merge' loses the 0s and 6s of the digits' pixels, 'cloud'
        templated topics). See the module docstring.

    Returns
    -------
    SignificantClusters

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = np.concatenate([rng.normal(size=(100, 8)), rng.normal(size=(100, 8)) + 12])
    >>> significant_clusters(X).n_significant
    2
    """
    from ..validation import check_choice, check_distance_matrix

    metric = check_choice(metric, name="metric", choices=("euclidean", "cosine", "correlation", "precomputed"))
    dimension_rule = check_choice(dimension_rule, name="dimension_rule", choices=("both", "merge", "cloud"))
    alpha = check_real(alpha, name="alpha", min_value=0.0, strict=True)
    if not alpha < 1.0:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}. Use e.g. alpha=0.05.")
    n_null = check_int(n_null, name="n_null", min_value=10, max_value=1000)
    seed = 0 if seed is None else check_int(seed, name="seed", min_value=0)
    if metric == "precomputed":
        D = np.asarray(check_distance_matrix(X, name="X"), dtype=np.float64)
        if not np.isfinite(D).all():
            raise ValueError("X (a precomputed distance matrix) has infinite entries; give a complete matrix.")
    else:
        P = check_points(X, name="X", min_points=3).astype(np.float64, copy=False)
        from ..clouds import pairwise_distances

        D = np.asarray(pairwise_distances(P, metric=metric), dtype=np.float64)
    n = D.shape[0]
    if n < 3:
        raise ValueError(f"X must hold at least 3 points, got {n}.")
    m = default_min_size(n) if min_size is None else check_int(min_size, name="min_size", min_value=2)
    lab = None
    if labels is not None:
        lab = np.asarray(labels)
        if lab.ndim != 1 or len(lab) != n:
            raise ValueError(f"labels must have shape ({n},) (one per point of X), got shape {lab.shape}.")
    Z = _linkage(D)
    heights, births, young, sizes = _merges(Z, n, m)
    lr = _log_ratios(heights, births)
    dim = _scale_dimension(D, m)

    def rule_pvalues(rule: str) -> tuple[np.ndarray, np.ndarray, Any, dict]:
        if rule == "cloud":
            dims = np.full(len(lr), dim)
        else:
            dims = _merge_dimensions(D, m, sizes) if len(lr) else np.empty(0)
        null_dims = np.maximum(1, np.floor(dims)).astype(np.int64)
        groups = _duplicate_groups(Z, D, n, m) if rule == "merge" else None
        pvals = np.ones(len(lr))
        nulls = {}
        for d in np.unique(null_dims).tolist():
            nulls[d] = _null_max(n, d, m, n_null, seed, groups) if 2 * m <= n else np.zeros(n_null)
            at = null_dims == d
            pvals[at] = _gumbel_sf(lr[at], nulls[d], MIN_SCALE)
        return pvals, null_dims, groups, nulls

    if dimension_rule == "both":
        # each rule alone is calibrated (benchmarks/calibration.py) and each misses what the other finds
        # (templated text: 'merge'; the digits' pixels: 'cloud'); a merge takes the smaller p-value of the
        # two, doubled (Bonferroni over the two rules) where they differ
        p_c, d_c, _, n_c = rule_pvalues("cloud")
        p_m, d_m, groups, n_m = rule_pvalues("merge")
        # where both rules use the same reference (same dimension, no duplicate groups) their p-values are one and
        # the same test: no doubling there
        pvals = np.where(p_c == p_m, p_c, np.minimum(1.0, 2.0 * np.minimum(p_c, p_m)))
        null_dims = np.where(p_c <= p_m, d_c, d_m)
        nulls = {**n_m, **n_c}
    else:
        pvals, null_dims, groups, nulls = rule_pvalues(dimension_rule)
    low = int(null_dims.min()) if len(lr) else int(max(1, np.floor(dim)))
    null = nulls.get(low)
    if null is None:
        null = _null_max(n, low, m, n_null, seed, groups) if 2 * m <= n else np.zeros(n_null)
    sig = pvals <= alpha
    clusters = _partition(Z, n, young[sig], heights[sig], births[sig], pvals[sig], lab)
    return SignificantClusters(
        clusters=clusters, heights=heights, births=births, ratios=np.exp(lr), pvalues=np.asarray(pvals, float),
        alpha=alpha, min_size=m, dimension=dim, null_dimension=low, null_max=np.asarray(null, float).copy(),
        sizes=sizes, null_dimensions=null_dims, dimension_rule=dimension_rule,
    )


def _partition(Z, n, young, heights, births, pvals, lab) -> tuple[Cluster, ...]:
    """Cut the tree at the significant merges: one component per significant cluster, the root first.

    Each significant merge kills its younger side (the elder rule), which carries that
    merge's birth, height and p-value; its members are the points under it minus those
    of younger significant clusters nested inside it. What no merge kills is the root
    (the oldest cluster, the whole cloud's).
    """
    comp = np.zeros(n, dtype=np.int64)
    info = [(0.0, np.inf, 0.0)]
    for k in np.argsort(-heights, kind="stable"):  # higher first: nested, younger ones overwrite
        comp[_leaves(Z, int(young[k]), n)] = len(info)
        info.append((float(births[k]), float(heights[k]), float(pvals[k])))
    out = []
    for k in np.unique(comp):
        members = np.flatnonzero(comp == k)
        b, h, p = info[int(k)]
        counts = None
        if lab is not None:
            vals, cnt = np.unique(lab[members], return_counts=True)
            counts = {(x.item() if hasattr(x, "item") else x): int(c) for x, c in zip(vals, cnt)}
        members.setflags(write=False)
        out.append(Cluster(members=members, size=len(members), birth=b, death=h, pvalue=p, label_counts=counts))
    out.sort(key=lambda c: (np.isfinite(c.death), -c.size))
    return tuple(out)

"""Rules on layer x layer (or checkpoint x checkpoint) matrices: the most alike pair, whether two measures agree.

Every sentence names what the matrices compare (``compared``: layers for
:func:`tda_nn.analyze`, checkpoints for ``compare_checkpoints`` and ``track``).

Room: results floor (``findings``). Imports numpy, scipy and its siblings.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ._finding import Finding, g3

__all__ = ["mantel_spearman", "similarity_findings"]

_EXACT_UP_TO = 8  # layers: 8! = 40,320 relabellings, enumerated; above, _N_RANDOM random ones
_N_RANDOM = 9_999


def _ranks(v: np.ndarray) -> np.ndarray:
    """Average ranks (ties share), 0-based."""
    from scipy.stats import rankdata

    return rankdata(v) - 1.0


def mantel_spearman(a: Any, b: Any, *, seed: int = 0) -> tuple[float, float, float, int]:
    """Spearman correlation of two layer x layer matrices' off-diagonal entries, with Mantel permutation p-values.

    The pairs of layers are not independent observations (each layer is in ``n - 1``
    of them), so the null distribution is drawn by relabelling the layers of ``b``
    (rows and columns together), the Mantel test: over all ``n!`` relabellings when
    ``n <= 8``, else over 9,999 random ones plus the identity.

    Parameters
    ----------
    a, b : ndarray of shape (n, n)
        Symmetric; only the entries above the diagonal are read.
    seed : int, default=0
        For the random relabellings (``n > 8``).

    Returns
    -------
    rho : float
        Spearman correlation over the ``n (n - 1) / 2`` pairs (NaN when either has a single value).
    p_greater, p_less : float
        Fraction of relabellings whose correlation is at least (at most) ``rho``,
        the identity included: one-sided p-values for agreement and for disagreement.
        The smallest attainable is ``1 / n!`` (exact) or ``1 / 10,000``.
    n_perm : int
        Relabellings used.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    n = a.shape[0]
    if a.ndim != 2 or a.shape != (n, n) or b.shape != (n, n) or n < 3:
        raise ValueError(f"a and b must be square matrices of the same size, at least 3 x 3; got shapes {a.shape} "
                         f"and {b.shape}.")
    iu, ju = np.triu_indices(n, 1)
    ra, rb = _ranks(a[iu, ju]), _ranks(b[iu, ju])
    ra, rb = ra - ra.mean(), rb - rb.mean()
    norm = float(np.sqrt((ra @ ra) * (rb @ rb)))
    if norm == 0:
        return float("nan"), float("nan"), float("nan"), 0
    rho = float(ra @ rb) / norm
    pair = np.zeros((n, n), dtype=np.intp)
    pair[iu, ju] = pair[ju, iu] = np.arange(len(iu))
    if n <= _EXACT_UP_TO:
        perms = np.array(list(itertools.permutations(range(n))), dtype=np.intp)
    else:
        rng = np.random.default_rng(seed)
        perms = np.vstack([np.arange(n)] + [rng.permutation(n) for _ in range(_N_RANDOM)])
    null = rb[pair[perms[:, iu], perms[:, ju]]] @ ra / norm
    eps = 1e-12  # the observed value itself counts, through rounding
    return rho, float(np.mean(null >= rho - eps)), float(np.mean(null <= rho + eps)), len(perms)


def similarity_findings(matrices: Mapping[str, tuple[Sequence[str], Any]], *,
                        reference: str = "linear CKA", alpha: float = 0.05,
                        compared: str = "layers") -> list[Finding]:
    """Which layers (or checkpoints) are alike by which measure, and whether the measures agree.

    Matrices whose name contains ``'CKA'`` are similarities (larger: more alike);
    the others distances. Rules:

    * ``most_alike`` -- per measure, the most alike pair of distinct layers, with the
      runner-up pair and its value (``uncertainty``: what the first must be compared with);
      with only two, their one value, and no claim that they are the most alike.
    * ``measures_agree`` / ``measures_disagree`` / ``measures_undecided`` -- per
      measure against ``reference``: the Spearman correlation of the pairs'
      alikeness, with its Mantel permutation p-value (:func:`mantel_spearman`).
      The test is two-sided (twice the smaller one-sided p-value: agreement or
      opposite order), and the measures compared with ``reference`` are one family:
      their p-values are adjusted by Holm. They *agree* when the adjusted p-value is
      at most ``alpha`` and the correlation is positive, *disagree* (rank the pairs in
      opposite order) when it is negative; otherwise the finding says neither is
      shown. When even the smallest attainable p-value (``2 / n!``, times the number of
      measures) exceeds ``alpha`` -- fewer than 5 layers for one measure at 0.05 -- the
      finding says so and claims nothing. ``uncertainty`` is the adjusted p-value.

    Parameters
    ----------
    matrices : dict of name -> (labels, ndarray of shape (n, n))
    reference : str, default='linear CKA'
    alpha : float, default=0.05
    compared : str, default='layers'
        What the rows and columns of the matrices are, in the plural, as the sentences
        name them (``'checkpoints'`` for the matrices of ``compare_checkpoints``).

    Returns
    -------
    list of Finding
    """
    if not isinstance(compared, str) or not compared:
        raise TypeError(f"compared must be a non-empty str naming what the matrices compare, got {compared!r}.")
    out: list[Finding] = []
    alike: dict[str, np.ndarray] = {}
    labels_of: dict[str, list[str]] = {}
    for name, (labels, m) in matrices.items():
        m = np.asarray(m, dtype=np.float64)
        labels = [str(x) for x in labels]
        if m.ndim != 2 or m.shape[0] < 2 or m.shape != (len(labels), len(labels)):
            continue
        iu, ju = np.triu_indices(len(labels), 1)
        vals = m[iu, ju]
        if not np.all(np.isfinite(vals)):
            continue
        sim = "CKA" in name
        alike[name], labels_of[name] = (m if sim else -m), labels
        order = np.argsort(-vals if sim else vals, kind="stable")
        best = int(order[0])
        i, j = iu[best], ju[best]
        word = "highest" if sim else "smallest"
        if len(order) == 1:  # one pair: nothing to be most alike among
            out.append(Finding(
                text=f"By {name}, the only two {compared}, {labels[i]} and {labels[j]}, are at {g3(vals[best])}.",
                layer=None, quantity=name, value=float(vals[best]), uncertainty=None, rule="most_alike"))
            continue
        if len(order) > 1:  # the runner-up is what the most alike pair must be compared with
            nxt = int(order[1])
            runner = float(vals[nxt])
            then = f"; next {labels[iu[nxt]]} and {labels[ju[nxt]]} at {g3(runner)}"
        else:
            runner, then = None, ""
        out.append(Finding(
            text=(f"By {name}, the most alike {compared} are {labels[i]} and {labels[j]} ({word} value "
                  f"{g3(vals[best])}{then})."),
            layer=None, quantity=name, value=float(vals[best]), uncertainty=runner, rule="most_alike"))
    if reference in alike and len(labels_of[reference]) >= 3:
        out += _agreement(alike, labels_of, reference, alpha, compared)
    return out


def _floor(n: int) -> float:
    """The smallest two-sided relabelling p-value over ``n`` items: ``2 / n!`` exact, ``2 / 10,000`` random."""
    return min(1.0, 2.0 / (math.factorial(n) if n <= _EXACT_UP_TO else _N_RANDOM + 1))


def _enough(alpha: float, k: int) -> int | None:
    """The fewest items whose test can reach ``alpha`` after Holm over ``k`` measures (``k x floor <= alpha``)."""
    for n in range(3, _EXACT_UP_TO + 2):
        if k * _floor(n) <= alpha:
            return n
    return None


def _holm(ps: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p-values, in the order given."""
    order = sorted(range(len(ps)), key=lambda i: ps[i])
    out = [1.0] * len(ps)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (len(ps) - rank) * ps[i]))
        out[i] = running
    return out


def _how(rho: float, p: float, n: int, n_perm: int, compared: str) -> str:
    """The statistic and its p-value, as the agreement findings quote them."""
    return (f"Spearman {g3(rho)} over the {n * (n - 1) // 2} pairs of {n} {compared}, two-sided Mantel p = {g3(p)} "
            f"from {'all ' if n <= _EXACT_UP_TO else ''}{n_perm} relabellings of the {compared}")


def _agreement(alike: dict[str, np.ndarray], labels_of: dict[str, list[str]], reference: str,
               alpha: float, compared: str) -> list[Finding]:
    """Each measure against the reference: two-sided Mantel p (agreement or opposite order), Holm over the measures."""
    out: list[Finding] = []
    ref, labels = alike[reference], labels_of[reference]
    n = len(labels)
    iu, ju = np.triu_indices(n, 1)
    m = len(iu)
    tests = []
    for name, score in alike.items():
        if name == reference or labels_of[name] != labels:
            continue
        rho, p_agree, p_dis, n_perm = mantel_spearman(ref, score)
        if math.isfinite(rho):
            tests.append((name, score, rho, p_agree, p_dis, n_perm))
    if not tests:
        return out
    k = len(tests)
    family = "" if k == 1 else f" over the {k} measures compared with {reference}"
    floor = _floor(n)
    if k * floor > alpha:  # one finding for every measure: the number of items, not the measure, is what binds
        each = ", ".join(f"{name} {g3(rho)}" for name, _, rho, *_ in tests)
        names = [t[0] for t in tests]
        who = names[0] if k == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        enough = _enough(alpha, k)
        advice = f" Compare at least {enough} {compared}." if enough else ""
        holm = "" if k == 1 else f", {g3(min(1.0, k * floor))} after Holm{family}"
        out.append(Finding(
            text=(f"Whether {who} agree{'s' if k == 1 else ''} with {reference} on which {compared} are "
                  f"alike cannot be told from {n} {compared}: a two-sided relabelling test over the "
                  f"{'' if n > _EXACT_UP_TO else f'{n}! = {math.factorial(n)} '}orders of the {compared} "
                  f"cannot reach p below {g3(floor)}{holm} > alpha = {alpha:g} (Spearman against {reference} over "
                  f"the {m} pairs: {each}).{advice}"),
            layer=None, quantity=names[0] if k == 1 else reference,
            value=tests[0][2] if k == 1 else None, uncertainty=min(1.0, k * floor), rule="measures_undecided"))
        return out
    two_sided = [min(1.0, 2.0 * min(p_agree, p_dis)) for _, _, _, p_agree, p_dis, _ in tests]
    adjusted = _holm(two_sided)
    for (name, score, rho, p_agree, p_dis, n_perm), p2, q in zip(tests, two_sided, adjusted):
        ra, rb = _ranks(ref[iu, ju]), _ranks(score[iu, ju])
        worst = int(np.argmax(np.abs(ra - rb)))
        i, j = iu[worst], ju[worst]
        ranked = (f"{labels[i]} and {labels[j]} rank {m - int(ra[worst])} of {m} by {reference} and "
                  f"{m - int(rb[worst])} of {m} by {name} (1: most alike)")
        after = "" if k == 1 else f", {g3(q)} after Holm{family}"
        how = _how(rho, p2, n, n_perm, compared) + after
        if q <= alpha and p_agree < p_dis:
            out.append(Finding(
                text=f"{name} and {reference} agree on which {compared} are alike ({how} <= alpha = {alpha:g}).",
                layer=None, quantity=name, value=rho, uncertainty=q, rule="measures_agree"))
        elif q <= alpha:
            out.append(Finding(
                text=(f"{name} and {reference} rank the pairs of {compared} in opposite order "
                      f"({how} <= alpha = {alpha:g}): {ranked}."),
                layer=None, quantity=name, value=rho, uncertainty=q, rule="measures_disagree"))
        else:
            out.append(Finding(
                text=(f"Neither agreement nor disagreement between {name} and {reference} is shown "
                      f"({how}, above alpha = {alpha:g}); the pair ranked most differently: {ranked}."),
                layer=None, quantity=name, value=rho, uncertainty=q, rule="measures_undecided"))
    return out

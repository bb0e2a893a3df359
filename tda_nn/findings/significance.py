"""Rules on the significance columns of the per-layer table: significant bars, clusters, what binds a zero.

Two kinds of table:

* with p-values (``p_H{k}``, ``n_tests_H{k}``: the universal test of
  :func:`tda_nn.significant_bars`): every count is quoted with its smallest
  adjusted p-value and the correction over the bars it was made over; across the
  report's tests (every layer and dimension with something to test) the false
  discovery rate is controlled by Benjamini-Hochberg, and a count whose test does
  not stand that control is said so;
* without (the confidence band of Fasy et al.): counts against the lifetime
  threshold.

A zero count always names the constraint that binds it and advice that would
change it, or says that none would: the **approximation** (landmarks can hide a
loop shorter than twice their bound 2r; more landmarks change that), the
**sample size** (too few bars to test, or a best bar that a larger sample could
lift above the correction), the **band** (wider than every bar while 2r is not:
more landmarks change nothing; the universal test has the power the band lacks),
or the **evidence** itself (the best bar is where noise bars are; no setting
changes that).

Room: results floor (``findings``). Imports only its siblings.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from . import _table as T
from ._finding import DIM_NAMES, Finding, bar_word, g3, listed

__all__ = ["report_fdr", "significance_findings"]

_CORRECTION_NAMES = {"bonferroni": "Bonferroni", "holm": "Holm", "bh": "Benjamini-Hochberg"}
_FEW_BARS = 30  # below this many bars the universal test pools reference bars (significance.MIN_BARS)


def _p(v: float) -> str:
    return "< 1e-300" if v <= 0 else (f"{v:.1e}" if v < 1e-3 else f"{v:.3g}")


def report_fdr(table: T.TableLike) -> dict[tuple[str, int], float]:
    """Benjamini-Hochberg q-values over the report's tests: ``{(layer, k): q}``.

    A test is a layer and homology dimension with a smallest adjusted p-value and at
    least one tested bar (``p_H{k}``, ``n_tests_H{k}``); its p-value is that smallest
    adjusted p-value (already corrected within the diagram).
    """
    rows = T.rows(table)
    keys, ps = [], []
    for layer, row in rows.items():
        for k, p in row.p.items():
            if int(row.n_tests.get(k, 0)) > 0 and math.isfinite(float(p)):
                keys.append((layer, k))
                ps.append(float(p))
    m = len(ps)
    order = sorted(range(m), key=lambda i: ps[i])
    q = [1.0] * m
    running = 1.0
    for rank in range(m, 0, -1):  # step-up: q_(i) = min_{j >= i} m p_(j) / j
        i = order[rank - 1]
        running = min(running, ps[i] * m / rank)
        q[i] = min(1.0, running)
    return dict(zip(keys, q))


def significance_findings(
    table: T.TableLike,
    lifetimes: Mapping[str, Mapping[int, Sequence[float]]] | None = None,
    *,
    alpha: float = 0.05,
    correction: str = "bonferroni",
) -> list[Finding]:
    """Significant features per layer, each with its uncertainty, and what binds every zero.

    Rules:

    * ``report_fdr`` -- (tables with p-values) how many of the report's tests stand
      Benjamini-Hochberg at ``alpha`` across every layer and dimension.
    * ``significant_bars`` -- a layer with significant bars of dimension ``k >= 1``:
      their count, their lifetimes, the smallest adjusted p-value, the correction and
      the number of bars it was made over (or the lifetime threshold of the band);
      one finding lists the layers whose evidence shows none.
    * ``clusters`` -- a layer with more than one significant component (H0), with its p-value.
    * ``landmark_swamps`` -- the approximation binds a zero: the layer has bars of
      dimension ``k`` (its longest has a positive lifetime), landmarks can hide bars
      as long as twice their bound ``2r`` and every bar is that short (and, for the
      band, ``2 x 2r`` exceeds the band's threshold); advice: more landmarks. A layer
      with no bar of dimension ``k`` at all never gets it: it is listed among the
      layers without any such bar (with, for the band, the caveat that landmarks
      could hide a bar of all the samples above the threshold when ``2 x 2r`` exceeds it).
    * ``band_binds`` -- the band's threshold exceeds every bar while the landmarks do
      not: more landmarks would change nothing; the universal test would.
    * ``sample_size`` -- (p-values) too few bars to estimate the null from the
      diagram alone, or a best bar whose raw p-value is below ``alpha`` but not after
      the correction: more samples would change it.

    Parameters
    ----------
    table : Table, or dict of layer -> dict of column -> number
        A report's ``table``.
    lifetimes : dict of layer -> dict of int -> sequence of float, optional
        The significant finite lifetimes per dimension, in median-distance units.
    alpha : float, default=0.05
        The level of the tests (quoted in the text).
    correction : {'bonferroni', 'holm', 'bh'}, default='bonferroni'
        The correction within a diagram (quoted in the text).

    Returns
    -------
    list of Finding
    """
    table = T.rows(table)
    dims = T.dims(table)
    has_p = any(row.p for row in table.values())
    q = report_fdr(table) if has_p else {}
    out: list[Finding] = []
    if q:
        stand = sum(v <= alpha for v in q.values())
        out.append(Finding(
            text=(f"Across the {len(q)} tests of this report (every layer and homology dimension with a bar to test), "
                  f"Benjamini-Hochberg keeps the false discovery rate at {alpha:g}: {stand} of them stand; the "
                  "counts below that do not stand it are marked."),
            layer=None, quantity="p", value=float(stand), uncertainty=float(alpha), rule="report_fdr"))
    corr = _CORRECTION_NAMES.get(correction, correction)
    for k in (d for d in dims if d >= 1):
        quiet: list[str] = []
        barless: list[str] = []
        for layer, row in table.items():
            n = T.count(row, k)
            if n > 0:
                out.append(_count_finding(layer, row, k, n, lifetimes, alpha, corr, q.get((layer, k))))
                continue
            if not T.has_bar(row, k):
                barless.append(layer)
                continue
            binding = _binding(layer, row, k, alpha, has_p, correction)
            if binding is None:
                quiet.append(layer)
            else:
                out.append(binding)
        if quiet:
            if has_p:
                ps = ", ".join(f"{lay}: {_p(float(table[lay].p.get(k, 1.0)))}" for lay in quiet[:6])
                text = (f"No significant H{k} bar in {listed(quiet)}: the best bar is where noise bars are "
                        f"(smallest adjusted p {ps}; alpha = {alpha:g}); no setting would change that.")
            else:
                text = (f"No significant H{k} bar in {listed(quiet)}: every {DIM_NAMES.get(k, f'H{k}')[:-1]} there "
                        f"is shorter than the layer's threshold (alpha = {alpha:g}).")
            out.append(Finding(text=text, layer=quiet[0] if len(quiet) == 1 else None,
                               quantity=f"n_significant_H{k}", value=0.0, uncertainty=None, rule="significant_bars"))
        if barless:
            out.append(_barless_finding(table, barless, k, has_p))
    if 0 in dims:
        for layer, row in table.items():
            n = T.count(row, 0)
            if n > 1:
                out.append(_cluster_finding(layer, row, n, alpha, q.get((layer, 0))))
    return out


def _count_finding(layer: str, row, k: int, n: int, lifetimes, alpha: float, corr: str, q) -> Finding:
    life = sorted((float(v) for v in (lifetimes or {}).get(layer, {}).get(k, ())), reverse=True)
    shown = ", ".join(g3(v) for v in life[:5]) + (", ..." if len(life) > 5 else "")
    what = f" with lifetimes {shown} (x median distance)" if life else ""
    if k in row.p:
        p = float(row.p[k])
        m = int(row.n_tests.get(k, 0))
        b = T.bound(row)
        approx = f"; the landmark diagram is within 2r = {g3(b)} of that of all the samples" if b > 0 else ""
        stands = "" if q is None or q <= alpha else (
            f" It does not stand the report-wide false discovery control (q = {_p(q)} > {alpha:g}): "
            "treat it as not shown.")
        text = (f"{layer}: {n} significant {bar_word(k, n)} (H{k}){what}, p = {_p(p)} after {corr} over {m} "
                f"bars{approx}.{stands}")
        return Finding(text=text, layer=layer, quantity=f"n_significant_H{k}", value=float(n), uncertainty=p,
                       rule="significant_bars")
    thr = T.threshold(row, k)
    return Finding(
        text=(f"{layer}: {n} significant {bar_word(k, n)} (H{k}){what}, above the threshold {g3(thr)} "
              f"(x median distance) at alpha = {alpha:g}."),
        layer=layer, quantity=f"n_significant_H{k}", value=float(n), uncertainty=thr, rule="significant_bars")


def _cluster_finding(layer: str, row, n: int, alpha: float, q) -> Finding:
    if 0 in row.p:
        p = float(row.p[0])
        m = int(row.n_tests.get(0, 0))
        stands = "" if q is None or q <= alpha else (
            f" It does not stand the report-wide false discovery control (q = {_p(q)} > {alpha:g}).")
        every = "" if row.h0_exact_n_points is None else f" of all {int(row.h0_exact_n_points)} samples"
        text = (f"{layer}: {n} significant components (H0), the whole cloud included: clusters that persist on "
                f"the single-linkage tree{every} beyond the noise, p = {_p(p)} (the largest of {m} tested merges "
                f"against uniform clouds of the same dimension; outliers never count).{stands}")
        return Finding(text=text, layer=layer, quantity="n_significant_H0", value=float(n), uncertainty=p,
                       rule="clusters")
    thr = T.threshold(row, 0)
    return Finding(
        text=(f"{layer}: {n} significant components (H0): the points form {n} groups separated by gaps "
              f"longer than the threshold {g3(thr)} (x median distance)."),
        layer=layer, quantity="n_significant_H0", value=float(n), uncertainty=thr, rule="clusters")


def _barless_finding(table, layers: list[str], k: int, has_p: bool) -> Finding:
    """Rule ``significant_bars``, count 0 with no bar of dimension ``k`` at all (nothing to test, nothing swamped).

    Only for the band (a lifetime threshold): where ``2 x 2r`` exceeds the threshold,
    landmarks could have hidden a bar of all the samples long enough to count, and the
    sentence says so with the numbers; the universal test has no lifetime threshold to
    compare ``2 x 2r`` with, and nothing is added.
    """
    what = DIM_NAMES.get(k, f"H{k} features")
    caveats = []
    if not has_p:
        for lay in layers:
            b, thr = T.bound(table[lay]), T.threshold(table[lay], k)
            if b > 0 and 2.0 * b > thr:
                caveats.append(f"{lay}: 2 x 2r = {g3(2 * b)} > threshold {g3(thr)}")
    text = f"No H{k} bar at all in {listed(layers)}: no {what} to test."
    if caveats:
        text += (f" Landmarks can hide a bar of all the samples as long as 2 x 2r, longer than the threshold, in "
                 f"{'; '.join(caveats)} (x median distance): use more landmarks (max_points) to rule one out there.")
    return Finding(text=text, layer=layers[0] if len(layers) == 1 else None, quantity=f"longest_H{k}", value=0.0,
                   uncertainty=None, rule="significant_bars")


def _binding(layer: str, row, k: int, alpha: float, has_p: bool, correction: str = "bonferroni") -> Finding | None:
    """The finding naming what binds a zero count of dimension ``k`` (a row with such bars), or None when the
    evidence itself does."""
    b, longest, pts = T.bound(row), T.longest(row, k), T.n_points(row)
    hidden = b > 0 and 2.0 * b >= longest > 0
    if has_p and k in row.p:
        p = float(row.p[k])
        m = int(row.n_tests.get(k, 0))
        if hidden:
            return _swamp(layer, row, k, f"the best of its {m} bars has p = {_p(p)}" if m > 0 else
                          "none of its bars was tested")
        if m == 0:
            return None  # nothing to test: no bar at all
        # Bonferroni and Holm multiply the smallest raw p by m; Benjamini-Hochberg's smallest adjusted p is
        # min_j m p_(j) / j, so there the best raw p is only known to lie between p / m and p
        raw = p / m if p < 1.0 else 1.0
        if m < _FEW_BARS or raw <= alpha:
            if m < _FEW_BARS:
                why = f"only {m} H{k} bar{'s' if m != 1 else ''} to test, so the null is pooled with reference bars"
            elif correction == "bh":
                why = (f"its best bar has raw p of at least {_p(raw)} (at most {_p(p)}), and {_p(p)} after "
                       f"Benjamini-Hochberg over {m} bars")
            else:
                why = f"its best bar has raw p = {_p(raw)} but {_p(p)} after the correction over {m} bars"
            return Finding(
                text=(f"{layer}: no significant H{k} bar; the sample size "
                      f"{'may bind' if correction == 'bh' and m >= _FEW_BARS else 'binds'} ({why}). More points "
                      f"(max_points / max_samples above {pts}) would sharpen the test; the ratio death/birth "
                      "of a real loop grows as the sampling gaps shrink."),
                layer=layer, quantity=f"p_H{k}", value=p, uncertainty=float(alpha), rule="sample_size")
        return None
    thr = T.threshold(row, k)
    if hidden and 2.0 * b > thr:
        return _swamp(layer, row, k, f"the band asks {g3(thr)}")
    if thr >= longest > 0:
        return Finding(
            text=(f"{layer}: no significant H{k} bar; the confidence band binds: its threshold {g3(thr)} exceeds "
                  f"every bar (longest {g3(longest)}; x median distance) while the landmark error 2 x 2r = "
                  f"{g3(2 * b)} does not, so more landmarks would change nothing. The universal test "
                  f"(significance='universal') has the power the band lacks in many noisy dimensions."),
            layer=layer, quantity=f"threshold_H{k}", value=thr, uncertainty=longest, rule="band_binds")
    return None


def _swamp(layer: str, row, k: int, test: str) -> Finding:
    """Rule ``landmark_swamps``: landmarks can hide a bar as long as every bar of the layer (x median distance)."""
    b, longest, pts = T.bound(row), T.longest(row, k), T.n_points(row)
    name = DIM_NAMES.get(k, f"H{k} features")
    return Finding(
        text=(f"{layer}: no significant H{k} bar, and the landmark approximation binds: the landmark diagram is "
              f"within 2r = {g3(b)} of that of all the samples, so a bar of all the samples as long as 2 x 2r = {g3(2 * b)} "
              f"can vanish, longer than every H{k} bar here (longest {g3(longest)}; x median distance; {test}). "
              f"The count 0 says little about {name}: use more landmarks (max_points above {pts}) or fewer "
              "samples (max_samples)."),
        layer=layer, quantity=f"longest_H{k}", value=longest, uncertainty=b, rule="landmark_swamps")

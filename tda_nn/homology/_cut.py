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
With covering radius ``r`` of the landmarks, the findings count a bar only when
its lifetime exceeds ``2 r`` (below that the landmark diagram cannot be told from
the cloud's: the bottleneck bound). We cut at ``T = (BIRTH_FACTOR + 2) r``: every
H_k bar (k >= 1) born below ``BIRTH_FACTOR * r`` is *decided*, i.e. we know
whether it is longer than ``2 r``: exactly when it dies below ``T``, and as
longer than ``2 r`` when it is alive at ``T``. Features of the sampled shape are
born at the scale where the landmarks' ``r``-balls cover it, about ``2 r``; we
take ``BIRTH_FACTOR = 2`` (births up to ``2 r``), so ``T = 4 r``.

Measured (see benchmarks/bench_homology.py, ``cut`` rows): 100,000 x 256 points on
an 8-D latent, 1,000 max-min landmarks: the full H1 computation against the cut
at ``4 r`` gave identical bars below ``T`` (figures in the benchmark's docstring).
"""

from __future__ import annotations

import numpy as np

__all__ = ["BIRTH_FACTOR", "auto_exact_below", "clip_alive"]

BIRTH_FACTOR = 2.0


def auto_exact_below(covering_radius: float) -> float:
    """The automatic cut ``(BIRTH_FACTOR + 2) * r`` for landmarks of covering radius ``r``."""
    return (BIRTH_FACTOR + 2.0) * float(covering_radius)


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

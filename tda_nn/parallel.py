"""One ``map`` over independent jobs, through joblib.

Every embarrassingly parallel job in tda_nn (per-layer and per-sample
persistence, pairwise distances, per-checkpoint analysis) goes through
:func:`pmap`. Switching to a cluster needs no change here: wrap the call in
``joblib.parallel_config(backend="dask")`` (or Ray's joblib backend).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from .validation import check_int

__all__ = ["check_n_jobs", "pmap"]

T = TypeVar("T")

# joblib hands n_jobs to C ints and os calls: far above any machine's cores it overflows (10**12)
_MAX_JOBS = 4096


def check_n_jobs(n_jobs: Any) -> int | None:
    """``n_jobs``: None, or a nonzero integer of at most ``4096`` workers in size (``-1``: every core)."""
    if n_jobs is None:
        return None
    n_jobs = check_int(n_jobs, name="n_jobs", min_value=-_MAX_JOBS, max_value=_MAX_JOBS)
    if n_jobs == 0:
        raise ValueError("n_jobs must be a positive number of workers or -1 for all cores, got 0.")
    return n_jobs


def pmap(
    func: Callable[..., T],
    items: Iterable[Any],
    *,
    n_jobs: int | None = None,
    prefer: str | None = None,
    **kwargs: Any,
) -> list[T]:
    """Apply ``func(item, **kwargs)`` to every item, in order, possibly in parallel.

    Parameters
    ----------
    func : callable
        A picklable function (module-level) when processes or a cluster are used.
    items : iterable
        The independent inputs.
    n_jobs : int or None, default=None
        ``None`` defers to an enclosing ``joblib.parallel_config`` and runs
        serially when there is none; ``1`` is serial; ``-1`` uses every core.
    prefer : {'processes', 'threads'} or None
        A hint to joblib; engines that release the GIL run well on threads.

    Returns
    -------
    list
        ``[func(item, **kwargs) for item in items]``, in the order of ``items``.
    """
    if not callable(func):
        raise TypeError(f"func must be a callable applied to each item, got {type(func).__name__} {func!r}.")
    items = list(items)
    n_jobs = check_n_jobs(n_jobs)
    if not items:
        return []
    import joblib

    # n_jobs=None defers to an enclosing joblib.parallel_config (Dask, Ray, ...),
    # and runs serially in this process when there is none.
    return joblib.Parallel(n_jobs=n_jobs, prefer=prefer)(joblib.delayed(func)(item, **kwargs) for item in items)

"""The symmetry stage: invariance, equivariance and orbit topology of the model under group actions, per layer.

:func:`tda_nn.symmetry_summary` on the model inputs (the actions transform them), for
the report's Symmetries section; its findings are made by the findings stage. Asked for
by name (``symmetry=``), so its errors raise.

Floor: application (the torch wing inside functions).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ...results import SymmetryResult
from ..runner import Context, Stage

__all__ = ["STAGE", "symmetry_stage"]


def symmetry_stage(model: Any, X: Any, actions: Any, layers: Sequence[str], *, n_samples: int = 1000,
                   n_bootstrap: int = 100, n_inputs: int = 8, n_steps: int = 64, tol: float = 0.05,
                   batch_size: int = 256, seed: int = 0) -> dict[str, Any]:
    """Invariance, equivariance and orbit topology of ``model`` under ``actions``, per layer, for the report.

    Parameters
    ----------
    model : torch.nn.Module
    X : ndarray or tensor of shape (n_samples, ...)
        The model inputs the actions act on.
    actions : list of actions or names, dict, or comma-separated str
        As :func:`tda_nn.nn.symmetry_summary.parse_actions` reads them
        (``"rotate,translate,flip"``).
    layers : sequence of str
        The captured layers, in model order.
    n_samples, n_bootstrap, batch_size, seed
        As in :func:`tda_nn.invariance`.
    n_inputs, n_steps
        Orbits: inputs followed, points per orbit (:func:`tda_nn.orbit_topology`).
    tol : float, default=0.05
        An error whose interval lies below ``tol`` counts as invariance (equivariance).

    Returns
    -------
    dict
        ``SymmetrySummary.as_dict()`` (``invariance``, ``equivariance``, ``orbits`` by
        action name, ``tol``, and the summary's own sentences under ``findings``).
    """
    from ...nn.symmetry_summary import symmetry_summary

    summary = symmetry_summary(model, X, actions, layers=list(layers), n_samples=n_samples,
                               n_bootstrap=n_bootstrap, orbits=True, n_inputs=n_inputs, n_steps=n_steps, tol=tol,
                               batch_size=batch_size, seed=seed)
    return summary.as_dict()




def run(ctx: Context, s: Any) -> SymmetryResult:
    X = ctx.inputs()[0]
    if X is None:
        raise ValueError("symmetry= needs the model's inputs in memory (images or sequences as an array, a "
                         "tensor or an (X, y) tuple); the actions transform them.")
    return SymmetryResult.from_dict(symmetry_stage(ctx.model, X, s.symmetry, list(ctx["capture"].acts.layers),
                                         n_samples=s.max_samples, n_bootstrap=s.n_bootstrap,
                                         batch_size=s.batch_size, seed=s.seed), "symmetry")


STAGE = Stage("symmetry", run, applies=lambda ctx, s: s.symmetry is not None,
              detail=lambda r: ", ".join(r.invariance))

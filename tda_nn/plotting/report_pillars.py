"""The report's pillar sections: loop panels, symmetries, lifelines and the exact region polygons.

Drawn from a :class:`~tda_nn.report.Report`'s typed results (``report.loops``,
``report.symmetry``, ``report.regions``), so a reloaded report draws the same page:

* :func:`loops_section` -- per layer with significant loops, the H1 diagram as SVG
  linked to a panel per loop (:func:`tda_nn.plotting.loops_html.loops_html`): the loop
  drawn on the layer's 2-D view, and its samples in loop order with their labels and
  inputs (thumbnails, strings, tokens in their sentence). Pure SVG and CSS.
* :func:`symmetry_section` -- a table of the invariance and equivariance errors per
  layer with their intervals, and the orbit fractions.
* :func:`pillar_figures` -- ``symmetry`` (curves with intervals and orbit fractions),
  ``lifelines`` (loops across depth) and, for an exact region count, ``regions`` drawn
  as polygons (:mod:`.report_regions`).

Room: results floor (``plotting``). Imports numpy, ``results`` and its plotting
neighbours; matplotlib inside the functions. Never imports ``report``,
``plotting.report``, ``workflows`` or ``cli``.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from types import SimpleNamespace
from typing import Any

import numpy as np

from ..results import LoopsResult, SymmetryResult, restored_input
from .report_regions import exact_regions_figure

__all__ = ["PILLAR_CAPTIONS", "loops_section", "pillar_figures", "symmetry_section"]

PILLAR_CAPTIONS = {
    "symmetry": "Per layer, how much a transformation of the input changes the representation (0: invariant, about "
                "1: as different as another input), with bootstrap intervals; right: what becomes of closed orbits "
                "(kept as loops, shrunk loops, collapsed to a point, torn).",
    "lifelines": "Each significant loop followed across depth on the same samples: filled dots where it is a "
                 "significant bar, open dots where it persists; x: died, v: merged, >: survives.",
}


def _num(x: Any) -> float:
    return float("nan") if x is None else float(x)


def _cycles(body: Mapping[str, Any], diagram: Any) -> Any:
    """A :class:`~tda_nn.cycles.Cycles` rebuilt from ``Cycles.to_dict()`` and its diagram."""
    from ..cycles import Cycle, Cycles

    cyc = tuple(Cycle(np.asarray(c["indices"], dtype=np.intp), (_num(c["bar"][0]), _num(c["bar"][1])),
                      float(c["edges_max"]), float(c["length"]), tuple(c["birth_edge"]), bool(c["certified"]))
                for c in body["cycles"])
    lm = body.get("landmarks")
    return Cycles(cyc, str(body["metric"]), str(body["backend"]), int(body["n_points"]),
                  None if lm is None else np.asarray(lm, dtype=np.intp), float(body.get("landmark_bound", 0.0)),
                  np.asarray(diagram, dtype=float).reshape(-1, 2))


def loops_section(report: Any) -> str:
    """HTML of the loops section: one :func:`loops_html` block per layer holding significant loops."""
    from .loops_html import loops_html

    loops: LoopsResult | None = getattr(report, "loops", None)
    if not loops or not loops.layers:
        return ""
    e = html.escape
    views = getattr(report, "views", None)
    coords = {} if views is None else views.coords
    labels = None if views is None else views.labels
    names = (None if views is None else views.class_names) or {}
    if labels is not None and names:
        labels = [names.get(str(v), v) for v in labels]
    stored = loops.inputs
    inputs = {int(k): restored_input(v) for k, v in stored.items()} if stored else None
    n_loops = loops.n_loops
    n_layers = len(loops.layers)
    parts = [f"<h2 id='loops'>Which samples make each loop</h2><p class='how'>{n_loops} significant loop"
             f"{'s' if n_loops != 1 else ''} in {n_layers} layer{'s' if n_layers != 1 else ''}"
             ". Each loop is a representative cycle of a significant H1 bar: a closed path through samples, every "
             "step no longer than the bar's birth, that is not a boundary at that scale (representatives are not "
             "unique). Hover a point of a diagram for its bar and samples; click a red point to reach its loop, "
             f"drawn on the layer's {e(str('2-D' if views is None else views.method).upper())} view and listed in "
             "loop order.</p>"]
    for layer, body in loops.layers.items():
        lab = labels
        if lab is None and any(lp.labels is not None for lp in body.loops):
            lab = {int(i): v for lp in body.loops for i, v in zip(lp.indices, lp.labels or [])}
        view = coords.get(layer)
        diagram = np.asarray(body.diagram).tolist()
        parts.append(loops_html(_cycles(body.cycles, diagram), layer=layer, diagram=diagram,
                                threshold=float(body.threshold), view=None if view is None else np.asarray(view),
                                labels=lab, inputs=inputs))
    if loops.lifelines_note:
        parts.append(f"<p class='note'>{e(loops.lifelines_note)}</p>")
    return "\n".join(parts)


def _fmt(v: Any) -> str:
    v = _num(v)
    return "–" if math.isnan(v) else f"{v:.3g}"


def symmetry_section(report: Any) -> str:
    """HTML of the Symmetries section: errors per layer with intervals, and orbit fractions, per action."""
    sym: SymmetryResult | None = getattr(report, "symmetry", None)
    if not sym or not sym.invariance:
        return ""
    e = html.escape
    tol = float(sym.tol)
    parts = ["<h2 id='symmetries'>Symmetries</h2><p class='how'>For each transformation g of the inputs, per layer: "
             "the invariance error E|f(gx) - f(x)| / E|f(x) - f(x')| (0: the layer ignores g; about 1: g changes it "
             "as much as another input), the equivariance error against g's counterpart on the layer (a spatial "
             "or token action, else a fitted linear map), each with its bootstrap interval; a layer counts as "
             f"invariant (equivariant) when the interval lies below {tol:g}. Closed orbits (rotation by every "
             "angle, cyclic translation) are followed through the layers: kept as a loop, shrunk (a loop, its size "
             "against the layer's scale reduced by more than the stated factor), collapsed to a point, "
             "or torn open.</p>"]
    for name, inv in sym.invariance.items():
        eq = sym.equivariance.get(name)
        orb = sym.orbits.get(name)
        parts.append(f"<h3>{e(name)} <span class='rule'>{e(str(inv.action))}</span></h3>"
                     "<div class='scroll'><table><tr><th>layer</th><th>invariance error</th><th>interval</th>"
                     + ("<th>equivariance error</th><th>interval</th><th>method</th>" if eq else "")
                     + ("<th>orbits kept</th><th>shrunk</th><th>collapsed</th><th>torn</th>" if orb else "")
                     + "</tr>")
        for i, layer in enumerate(inv.layers):
            iv = inv.interval[i]
            row = f"<tr><td>{e(str(layer))}</td><td>{_fmt(inv.error[i])}</td><td>[{_fmt(iv[0])}, {_fmt(iv[1])}]</td>"
            if eq:
                jv = eq.interval[i]
                method = "" if eq.method is None else eq.method[i]
                row += (f"<td>{_fmt(eq.error[i])}</td><td>[{_fmt(jv[0])}, {_fmt(jv[1])}]</td>"
                        f"<td>{e(str(method))}</td>")
            if orb:
                fr = (orb.fractions or {}).get(layer, {})
                row += "".join(f"<td>{_fmt(fr.get(s))}</td>" for s in ("kept", "shrunk", "collapsed", "torn"))
            parts.append(row + "</tr>")
        parts.append("</table></div>")
        if inv.interpolation_error is not None:
            parts.append(f"<p class='note'>{e(name)} interpolates the input grid: at parameter 0 it already "
                         f"changes the input by {_fmt(inv.interpolation_error)} (relative), a floor under every "
                         "error above.</p>")
    return "\n".join(parts)


class _Lines(list):
    """The lifelines of a report as :func:`plot_lifelines` reads them (``.layers``, iteration, ``len``)."""

    layers: tuple = ()


def _lifelines(body: Mapping[str, Any]) -> _Lines:
    out = _Lines()
    out.layers = tuple(body["layers"])
    for f in body["lifelines"]:
        out.append(SimpleNamespace(
            id=int(f["id"]), born=f["born"], layers=tuple(f["layers"]), found=tuple(f["found"]), end=f["end"],
            ended_at=f["ended_at"], merged_into=f["merged_into"],
            scales={k: (_num(v[0]), _num(v[1])) for k, v in f["scales"].items()}))
    return out


def pillar_figures(report: Any) -> dict[str, Any]:
    """Figures by file stem: ``symmetry``, ``lifelines``, and ``regions`` when the count is exact."""
    figs: dict[str, Any] = {}
    sym = getattr(report, "symmetry", None)
    if sym and sym.invariance:
        from .symmetry import plot_symmetry_summary

        figs["symmetry"] = plot_symmetry_summary(sym)  # a SymmetryResult reads as a SymmetrySummary
    loops = getattr(report, "loops", None)
    if loops is not None and loops.lifelines and loops.lifelines.get("lifelines"):
        from .cycles import plot_lifelines

        figs["lifelines"] = plot_lifelines(_lifelines(loops.lifelines))
    r = getattr(report, "regions", None)
    if r is not None and r.exact and r.polygons is not None:
        figs["regions"] = exact_regions_figure(r)
    return figs

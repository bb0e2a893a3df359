"""The report's Mapper section; the figure itself is :func:`tda_nn.mapper.figure.plot_mapper` (re-exported here).

Room: results floor (plotting). Imports the mapper room below it.
"""

from __future__ import annotations

from typing import Any

from ..mapper.figure import plot_mapper

__all__ = ["mapper_section", "plot_mapper"]


def mapper_section(report: Any) -> str:
    """HTML of a report's Mapper section: per-layer numbers, the flow's sentences, the page beside the report."""
    import html

    res = getattr(report, "mapper", None)
    if not res:
        return ""
    e = html.escape

    def num(v: Any) -> str:
        return "-" if v is None else (f"{v:.3g}" if isinstance(v, float) else str(v))

    parts = ["<h2 id='mapper'>Mapper</h2><p class='how'>One Mapper graph per layer (Singh, Memoli, Carlsson "
             "2007): the layer's samples are sliced by a lens (here its first two principal components), each "
             "slice is clustered, every cluster is a node and nodes sharing samples are joined; consecutive "
             "layers are linked by the samples their nodes share. Purity: the size-weighted share of a node's "
             "majority class; entropy in bits; graph loops count every cycle of the graph, nerve loops those left "
             "when triangles of nodes sharing a sample are filled. The interactive page "
             "<a href='mapper.html'>mapper.html</a> (saved beside this report, offline) shows every node's "
             "members.</p>",
             "<table><tr><th>layer</th><th>nodes</th><th>edges</th><th>components</th><th>graph loops</th>"
             "<th>nerve loops</th><th>purity</th><th>entropy (bits)</th><th>coverage</th></tr>"]
    for s in res.summaries:
        parts.append(f"<tr><td>{e(str(s.get('layer')))}</td>" + "".join(
            f"<td>{num(s.get(k))}</td>" for k in ("n_nodes", "n_edges", "n_components", "n_loops", "nerve_loops",
                                                  "purity", "entropy", "coverage")) + "</tr>")
    parts.append("</table>")
    if res.sentences:
        parts.append("<ul class='findings'>" + "".join(f"<li>{e(t)}</li>" for t in res.sentences) + "</ul>")
    return "\n".join(parts)

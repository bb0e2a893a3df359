"""Sentences from the Mapper flow through depth: one finding per class that splits, rejoins or sits with another.

Room: results floor (``findings``). Reads the events of :func:`tda_nn.mapper_layers` (plain data in a
report's ``mapper`` section) and words them with :func:`tda_nn.mapper.layers.sentences`.
"""

from __future__ import annotations

from typing import Any

from ._finding import Finding

__all__ = ["mapper_findings"]


def mapper_findings(payload: Any) -> list[Finding]:
    """One finding per class with events (rule ``mapper_flow``).

    A class *splits* when its samples spread over two or more components of a layer's Mapper
    graph, each holding at least ``min_share`` of them, and *rejoins* when they come back to
    one; it *sits with* another class when at least that share of its samples lie in nodes
    whose majority is the other class in every layer from some layer to the last (the count
    quoted is the smallest over those layers). ``value``: that count (the largest of the
    class's), or the number of components of its first split.

    Parameters
    ----------
    payload : MapperResult or dict
        A report's ``mapper`` section (its page data, with ``events`` and ``layers``).

    Returns
    -------
    list of Finding
    """
    from ..mapper.layers import FlowEvent, sentences

    page = payload.to_dict() if hasattr(payload, "to_dict") else dict(payload or {})
    events = [FlowEvent(**e) for e in page.get("events") or []]
    if not events or not page.get("layers"):
        return []
    first = str(page["layers"][0]["name"])
    out = []
    labels: list = []
    for e in events:
        if e.label not in labels:
            labels.append(e.label)
    for lab in labels:
        mine = [e for e in events if e.label == lab]
        text = sentences(mine, first)
        if not text:
            continue
        sits = [e.samples for e in mine if e.kind == "sits_with"]
        splits = [e for e in mine if e.kind == "split"]
        value = float(max(sits)) if sits else float(splits[0].parts) if splits else None
        layer = splits[0].layer if splits else None
        out.append(Finding(text=f"Mapper: {text[0]}", layer=layer, quantity="mapper flow", value=value,
                           uncertainty=None, rule="mapper_flow"))
    return out

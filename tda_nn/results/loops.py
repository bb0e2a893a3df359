"""The samples along every significant loop of every layer, and their lifelines across depth: :class:`LoopsResult`.

Room: results floor (``results``). Imports numpy and its siblings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._base import Record, Result, floats, need

__all__ = ["Loop", "LoopLayer", "LoopsResult", "restored_input"]


def restored_input(v: Any) -> Any:
    """A sample's input as the loops section stores it, back in a drawable form.

    Images (``{"image": uint8 grid}``) become float arrays, ``[token, sentence]``
    pairs tuples; strings and short lists of numbers are returned as they are.
    """
    if isinstance(v, Mapping) and "image" in v:
        return np.asarray(v["image"], dtype=np.float64)
    if isinstance(v, list) and len(v) == 2 and all(isinstance(t, str) for t in v):
        return (v[0], v[1])
    return v


@dataclass(frozen=True, eq=False, repr=False)
class Loop(Record):
    """One significant H1 loop: its samples in loop order, their labels and its bar.

    Attributes
    ----------
    indices : ndarray of int
        Sample indices along the representative cycle, in loop order.
    labels : list or None
    bar : ndarray of shape (2,)
        (birth, death) in the layer's units; ``bar_relative`` over its median pairwise distance.
    bar_relative : ndarray of shape (2,)
    """

    indices: np.ndarray
    labels: list | None
    bar: np.ndarray
    bar_relative: np.ndarray

    _SPEC = (("indices", "intarray", "required"), ("labels", "json", "null"), ("bar", "array", "required"),
             ("bar_relative", "array", "required"))

    @property
    def lifetime(self) -> float:
        """Death minus birth, over the layer's median pairwise distance."""
        return float(self.bar_relative[1] - self.bar_relative[0])

    def __repr__(self) -> str:
        return f"Loop({len(self.indices)} samples, lifetime {self.lifetime:.3g})"


@dataclass(frozen=True, eq=False, repr=False)
class LoopLayer(Result):
    """The significant loops of one layer.

    Attributes
    ----------
    loops : tuple of Loop
    threshold : float
        The lifetime a bar had to exceed, in the layer's units; ``reference_scale``
        the layer's median pairwise distance.
    reference_scale : float
    diagram : ndarray of shape (k, 2)
        The layer's H1 diagram the loops come from.
    cycles : dict
        ``Cycles.to_dict()`` of the representatives (:func:`tda_nn.representative_cycles`).
    """

    loops: tuple
    threshold: float
    reference_scale: float
    diagram: np.ndarray
    cycles: dict

    def __repr__(self) -> str:
        return f"LoopLayer({len(self.loops)} loops)"

    def to_dict(self) -> dict[str, Any]:
        return {"cycles": self.cycles, "diagram": np.asarray(self.diagram).tolist(), "threshold": self.threshold,
                "reference_scale": self.reference_scale, "loops": [lp.to_dict() for lp in self.loops]}

    @classmethod
    def from_dict(cls, d: Any, where: str = "loops layer") -> LoopLayer:
        if not isinstance(d, Mapping):
            raise ValueError(f"{where} must be an object, got {type(d).__name__}")
        loops = need(d, "loops", (list,), where)
        cycles = need(d, "cycles", (dict,), where)
        return cls(loops=tuple(Loop.from_dict(lp, f"{where} loop {i}") for i, lp in enumerate(loops)),
                   threshold=float(need(d, "threshold", (float,), where)),
                   reference_scale=float(need(d, "reference_scale", (float,), where)),
                   diagram=floats(need(d, "diagram", (list,), where), f"{where} field 'diagram'").reshape(-1, 2),
                   cycles=cycles)


@dataclass(frozen=True, eq=False, repr=False)
class LoopsResult(Result):
    """The loops section: per layer its loops, the stored inputs of their samples, and the lifelines.

    Attributes
    ----------
    layers : dict of str -> LoopLayer
    inputs : dict of str -> stored input
        By sample index (as a string): a thumbnail ``{"image": grid}``, a string or a
        ``[token, sentence]`` pair; :func:`restored_input` reads one back.
    lifelines : dict or None
        ``Lifelines.to_dict()`` (:func:`tda_nn.track_features`).
    lifelines_note : str or None
    """

    layers: dict
    inputs: dict
    lifelines: dict | None = None
    lifelines_note: str | None = None

    def __repr__(self) -> str:
        return f"LoopsResult({', '.join(f'{k}: {len(v.loops)}' for k, v in self.layers.items())})"

    @property
    def n_loops(self) -> int:
        return sum(len(v.loops) for v in self.layers.values())

    def to_dict(self) -> dict[str, Any]:
        return {"layers": {k: v.to_dict() for k, v in self.layers.items()}, "inputs": dict(self.inputs),
                "lifelines": self.lifelines, "lifelines_note": self.lifelines_note}

    @classmethod
    def from_dict(cls, d: Any, where: str = "loops") -> LoopsResult:
        if isinstance(d, LoopsResult):
            return d
        if not isinstance(d, Mapping):
            raise ValueError(f"{where} must be an object, got {type(d).__name__}")
        layers = need(d, "layers", (dict,), where)
        return cls(layers={str(k): LoopLayer.from_dict(v, f"{where} layer {k!r}") for k, v in layers.items()},
                   inputs=dict(need(d, "inputs", (dict,), where, optional=True) or {}),
                   lifelines=need(d, "lifelines", (dict,), where, optional=True),
                   lifelines_note=need(d, "lifelines_note", (str,), where, optional=True))

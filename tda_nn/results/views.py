"""Each layer's samples in two dimensions, for the report's figure: :class:`ViewsResult`.

Room: results floor (``results``). Imports numpy and its siblings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._base import Record, floats

__all__ = ["ViewsResult"]


@dataclass(frozen=True, eq=False, repr=False)
class ViewsResult(Record):
    """A 2-D view of every layer's samples.

    Attributes
    ----------
    method : {'pca', 'umap'}
    coords : dict of str -> ndarray of shape (n_samples, 2)
    labels : list or None
        One label per sample.
    class_names : dict of str -> str or None
        The name of each label (keyed by the label as a string).
    """

    method: str
    coords: dict
    labels: list | None = None
    class_names: dict | None = None

    _SPEC = (("method", "str", "required"), ("coords", "json", "required"), ("labels", "json", "null"),
             ("class_names", "names", "null"))

    def __repr__(self) -> str:
        return f"ViewsResult({self.method}, {len(self.coords)} layers)"

    def to_dict(self) -> dict[str, Any]:
        d = super().to_dict()
        d["coords"] = {k: np.asarray(v).tolist() for k, v in self.coords.items()}
        return d

    @classmethod
    def from_dict(cls, d: Any, where: str = "views") -> ViewsResult:
        if isinstance(d, ViewsResult):
            return d
        kw = cls.fields_from(d, where)
        if not isinstance(kw["coords"], Mapping):
            raise ValueError(f"{where} field 'coords' must be an object of layer -> points")
        coords = {}
        for layer, xy in kw["coords"].items():
            a = floats(xy, f"{where} field 'coords'[{layer!r}]")
            if a.ndim != 2 or a.shape[1] != 2:
                raise ValueError(f"{where} field 'coords'[{layer!r}] must have shape (n_samples, 2), got {a.shape}")
            coords[str(layer)] = a
        kw["coords"] = coords
        return cls(**kw)

"""The :class:`Finding` type and the small text helpers every rule shares.

Room: results floor (``findings``). Imports numpy and the standard library only.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["Finding"]

DIM_NAMES = {0: "components", 1: "loops", 2: "voids"}


@dataclass(frozen=True)
class Finding:
    """One sentence a report's numbers support, with the number, its uncertainty and the rule.

    Attributes
    ----------
    text : str
        The sentence, quoting the numbers it rests on.
    layer : str or None
        The layer it is about (``None``: several layers or the whole network).
    quantity : str
        The table column, matrix or score it reads (``'n_significant_H1'``, ``'linear CKA'``, ...).
    value : float or None
        The number the sentence states first.
    uncertainty : float or None
        What ``value`` must be compared with or may be off by: the significance
        threshold for counts, the landmark bound for swamped dimensions, a binomial
        standard error for probe accuracies, a permutation p-value for rank
        correlations; ``None`` when there is none.
    rule : str
        The name of the rule that made it (``'significant_bars'``, ``'landmark_swamps'``, ...).
    """

    text: str
    layer: str | None
    quantity: str
    value: float | None
    uncertainty: float | None
    rule: str

    def __repr__(self) -> str:
        where = f"{self.layer}: " if self.layer else ""
        short = self.text if len(self.text) <= 90 else self.text[:89] + "…"
        return f"Finding[{self.rule}]({where}{short!r})"

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (NaN and inf values become ``None``); inverse of :meth:`from_dict`."""
        out = asdict(self)
        for key in ("value", "uncertainty"):
            v = out[key]
            out[key] = None if v is None or not math.isfinite(float(v)) else float(v)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Finding:
        """Rebuild from :meth:`to_dict`; a missing key raises ``ValueError`` naming it."""
        if not isinstance(data, Mapping):
            raise TypeError(f"a finding must be a dict made by Finding.to_dict(), got {type(data).__name__}.")
        missing = [k for k in ("text", "layer", "quantity", "value", "uncertainty", "rule") if k not in data]
        if missing:
            raise ValueError(f"a finding dict lacks {missing}; it must come from Finding.to_dict().")

        def num(v: Any) -> float | None:
            return None if v is None else float(v)

        return cls(text=str(data["text"]), layer=None if data["layer"] is None else str(data["layer"]),
                   quantity=str(data["quantity"]), value=num(data["value"]), uncertainty=num(data["uncertainty"]),
                   rule=str(data["rule"]))


def g3(v: float) -> str:
    """Three significant digits, as every sentence quotes a number."""
    return f"{v:.3g}"


def listed(items: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    items = list(items)
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def bar_word(k: int, n: int) -> str:
    """``loops`` / ``loop`` (by count) for dimension ``k``."""
    name = DIM_NAMES.get(k, f"H{k} features")
    return name[:-1] if n == 1 and name.endswith("s") else name


def check_payload(payload: Any, keys: tuple[str, ...], maker: str) -> None:
    """``TypeError`` for a non-mapping payload, ``ValueError`` naming the keys it lacks."""
    if not isinstance(payload, Mapping):
        raise TypeError(f"payload must be the dict made by {maker}, got {type(payload).__name__}.")
    missing = [k for k in keys if k not in payload]
    if missing:
        raise ValueError(f"payload lacks {missing}; pass the dict made by {maker}.")

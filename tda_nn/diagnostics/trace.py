"""TrainingTrace: topology over training as data (steps x layers), saved as a directory.

Numpy-only; :mod:`tda_nn.nn.monitor` fills it from a model while it trains or from saved checkpoints.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from ..diagrams import Diagrams, jsonable, unjson
from ..validation import check_choice
from .layers import LayerProfile

__all__ = ["TrainingTrace", "step_distance"]

StepMetric = Literal["wasserstein", "bottleneck", "sliced_wasserstein"]
_FORMAT = "tda_nn.TrainingTrace/1"
_SERIES = ("betti", "total_persistence", "entropy", "n_significant", "intrinsic_dim", "noise_level", "distance",
           "regions", "plane_regions")
_PATTERNS = "patterns/"  # region_counts' key prefix of the cumulative count up to a layer


@dataclass(frozen=True, eq=False, repr=False)
class TrainingTrace:
    """A time series of layer profiles.

    Attributes
    ----------
    steps : tuple of int
        The training step (or epoch) of every record.
    layers : tuple of str
    profiles : tuple of LayerProfile
        One per step; ``profiles[t].diagrams[i]`` are layer ``i``'s diagrams at ``steps[t]``.
    distances : ndarray of shape (n_steps, n_layers)
        Distance (``metric``, homology ``dim``) between a layer's diagrams at a step and
        at the step before, in units of each layer's reference scale when the
        profiles are relative; row 0 is NaN.
    metric : str
    dim : int or None
    activations : tuple of Activations, or None
        The captured probe activations per step, when kept.
    regions : tuple of dict of str to float, or None
        Per step, the :func:`~tda_nn.nn.regions.region_counts` of the probe
        inputs (``'patterns'``, ``'patterns_fraction'``, ``'patterns/<layer>'``,
        ``'plane_regions'``), when recorded; see :meth:`series` ``'regions'``.
    """

    steps: tuple[int, ...]
    layers: tuple[str, ...]
    profiles: tuple[LayerProfile, ...]
    distances: np.ndarray
    metric: str = "wasserstein"
    dim: int | None = 1
    activations: tuple[Any, ...] | None = None
    regions: tuple[Mapping[str, float], ...] | None = None

    def __post_init__(self) -> None:
        d = np.array(self.distances, dtype=np.float64).reshape(len(self.steps), len(self.layers))
        d.setflags(write=False)
        object.__setattr__(self, "distances", d)
        object.__setattr__(self, "steps", tuple(int(s) for s in self.steps))
        object.__setattr__(self, "layers", tuple(self.layers))
        object.__setattr__(self, "profiles", tuple(self.profiles))
        if self.activations is not None:
            object.__setattr__(self, "activations", tuple(self.activations))
        if self.regions is not None:
            if len(self.regions) != len(self.steps) or not all(isinstance(r, Mapping) for r in self.regions):
                kinds = sorted({type(r).__name__ for r in self.regions})
                raise ValueError(f"regions must hold one dict of region counts per step ({len(self.steps)}), got "
                                 f"{len(self.regions)} entries of types {kinds}.")
            object.__setattr__(self, "regions", tuple({str(k): float(v) for k, v in r.items()} for r in self.regions))

    def __len__(self) -> int:
        return len(self.steps)

    def __repr__(self) -> str:
        span = f"steps {self.steps[0]}..{self.steps[-1]}" if self.steps else "empty"
        regions = ", region counts" if self.regions is not None else ""
        return f"TrainingTrace({len(self.steps)} records, {span}, {len(self.layers)} layers, {self.metric}{regions})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TrainingTrace):
            return NotImplemented
        acts_equal = (self.activations is None and other.activations is None) or (
            self.activations is not None and other.activations is not None
            and len(self.activations) == len(other.activations)
            and all(a == b for a, b in zip(self.activations, other.activations)))
        return (self.steps == other.steps and self.layers == other.layers and self.metric == other.metric
                and self.dim == other.dim and self.profiles == other.profiles
                and bool(np.array_equal(self.distances, other.distances, equal_nan=True)) and acts_equal
                and self.regions == other.regions)

    __hash__ = None  # type: ignore[assignment]

    @property
    def region_layers(self) -> tuple[str, ...]:
        """The ReLU-type layers of the ``'regions'`` series, in call order (empty without region counts)."""
        if not self.regions:
            return ()
        return tuple(k[len(_PATTERNS):] for k in self.regions[0] if k.startswith(_PATTERNS))

    def series(self, name: str, *, dim: int = 1, scale: int = 0) -> np.ndarray:
        """One quantity over steps, shape ``(n_steps, n_layers)``.

        ``name`` is one of ``'betti'`` (at ``scales[scale]``), ``'total_persistence'``,
        ``'entropy'``, ``'n_significant'`` (of H_``dim``), ``'intrinsic_dim'``,
        ``'noise_level'`` or ``'distance'`` (to the previous record), with one column
        per layer of :attr:`layers`; or, for traces with region counts, ``'regions'``
        (shape ``(n_steps, len(region_layers))``: the number of distinct activation
        patterns of the ReLU layers up to each of :attr:`region_layers` on the probe
        inputs, so the last column counts the whole network's regions met by the
        probe) or ``'plane_regions'`` (shape ``(n_steps, 1)``: regions on the plane
        through three probe samples; NaN when the plane was skipped).

        Raises
        ------
        ValueError
            ``name`` is unknown, or names a region series and the trace has no region counts.
        """
        check_choice(name, name="name", choices=_SERIES)
        if name == "distance":
            return self.distances.copy()
        if name in ("regions", "plane_regions"):
            if self.regions is None:
                raise ValueError(f"series {name!r}: this trace has no region counts; record them with "
                                 "TopologyMonitor(..., regions=True) or track_checkpoints(..., regions=True) "
                                 "(the model needs ReLU-type modules).")
            keys = [_PATTERNS + n for n in self.region_layers] if name == "regions" else ["plane_regions"]
            rows = [[r.get(k, np.nan) for k in keys] for r in self.regions]
            return np.array(rows, dtype=np.float64).reshape(len(self.steps), len(keys))
        out = np.full((len(self.steps), len(self.layers)), np.nan)
        for t, p in enumerate(self.profiles):
            if name == "betti":
                out[t] = p.betti_sequence(dim=dim, scale=scale)
            elif name in ("intrinsic_dim", "noise_level"):
                v = getattr(p, name)
                if v is not None:
                    out[t] = v
            else:
                v = getattr(p, name)
                if v is not None:
                    out[t] = v[:, dim]
        return out

    # -- storage ----------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Write the trace into directory ``path`` (created); returns it.

        ``trace.json`` holds everything (region counts included) but the diagrams and
        activations, which are written as ``step_{t}/{i}.npz`` (:meth:`Diagrams.save`,
        layer ``i``; per-class diagrams as ``step_{t}/class_{c}_{i}.npz``) and
        ``step_{t}/activations.npz`` (:meth:`Activations.save`).
        """
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        for t, prof in enumerate(self.profiles):
            folder = path / f"step_{t}"
            folder.mkdir(exist_ok=True)
            for i, d in enumerate(prof.diagrams):
                d.save(folder / f"{i}.npz")
            for c, sub in enumerate(prof.per_class.values()):
                for i, d in enumerate(sub.diagrams):
                    d.save(folder / f"class_{c}_{i}.npz")
            if self.activations is not None:
                self.activations[t].save(folder / "activations.npz")
        body = {
            "format": _FORMAT, "steps": list(self.steps), "layers": list(self.layers), "metric": self.metric,
            "dim": self.dim, "distances": self.distances.tolist(), "has_activations": self.activations is not None,
            "profiles": [p.to_dict(include_diagrams=False) for p in self.profiles],
            "regions": None if self.regions is None else [dict(r) for r in self.regions],
        }
        tmp = path / "trace.json.tmp"
        tmp.write_text(json.dumps(jsonable(body), allow_nan=False))
        tmp.replace(path / "trace.json")  # written last: an interrupted save has no trace.json
        return path

    @classmethod
    def load(cls, path: str | Path) -> TrainingTrace:
        """Read a directory written by :meth:`save`."""
        from ..activations import Activations

        path = Path(path)
        manifest = path / "trace.json"
        if not manifest.exists():
            raise FileNotFoundError(f"{str(path)!r} holds no trace.json: not a saved TrainingTrace (or its save "
                                    "was interrupted).")
        from .._files import read_json

        body = unjson(read_json(manifest, what="trace.json"))  # regular files only, bounded, errors named
        if body.get("format") != _FORMAT:
            raise ValueError(f"{str(manifest)!r} has format {body.get('format')!r}, expected {_FORMAT!r}.")
        profiles = []
        for t, pd in enumerate(body["profiles"]):
            folder = path / f"step_{t}"
            dgms = [Diagrams.load(folder / f"{i}.npz") for i in range(len(pd["layers"]))]
            per_class = {}
            for c, (label, sub) in enumerate(zip(pd["classes"], pd["per_class"])):
                sub_dgms = [Diagrams.load(folder / f"class_{c}_{i}.npz") for i in range(len(sub["layers"]))]
                per_class[label] = LayerProfile.from_dict(sub, diagrams=sub_dgms)
            base = LayerProfile.from_dict({**pd, "classes": [], "per_class": []}, diagrams=dgms)
            fields = {f: getattr(base, f) for f in base.__dataclass_fields__}
            profiles.append(LayerProfile(**{**fields, "per_class": per_class}))
        acts = None
        if body["has_activations"]:
            acts = tuple(Activations.load(path / f"step_{t}" / "activations.npz") for t in range(len(profiles)))
        dist = np.array(body["distances"], dtype=np.float64).reshape(len(body["steps"]), len(body["layers"]))
        return cls(tuple(body["steps"]), tuple(body["layers"]), tuple(profiles), dist, body["metric"], body["dim"],
                   acts, body.get("regions"))  # traces saved before region counts have no "regions"


def step_distance(a: Diagrams, b: Diagrams, ra: float, rb: float, metric: str, dim: int | None) -> float:
    from .. import distances

    a = Diagrams([np.asarray(x) / ra for x in a])
    b = Diagrams([np.asarray(x) / rb for x in b])
    return float(getattr(distances, metric)(a, b, dim=dim))



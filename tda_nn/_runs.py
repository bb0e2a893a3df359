"""The plan and the kept stages of a workflow run: the parts of :mod:`tda_nn.workflows` that make long runs safe.

* :func:`resolve_plan` -- one small forward pass (two samples) gives the shape of
  every captured layer; :func:`tda_nn.plan.plan_analysis` turns the shapes into a
  :class:`~tda_nn.plan.Plan` (per-stage estimates, skipped probe layers) or refuses
  with a :class:`~tda_nn.plan.PlanError` before any heavy work.
* :func:`profile_to_data` / :func:`profile_from_data` -- a
  :class:`~tda_nn.diagnostics.layers.LayerProfile` as arrays and plain data, so
  :class:`~tda_nn.store.StageCache` can keep the persistence stage on disk.
* :func:`Kept` -- the stage cache of one run with the fingerprints that key it.

Numpy-only at import; the torch wing is reached inside functions.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
import warnings
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

__all__ = ["Kept", "keep_output", "per_sample_points", "probe_capture", "probe_scores", "profile_from_data",
           "profile_to_data", "resolve_plan", "sample_shapes"]

_log = logging.getLogger("tda_nn")


def keep_output(output: Any) -> Any:
    """A capture reducer that keeps a layer's output as it is (``(n, C, H, W)`` feature maps stay maps)."""
    return output


def per_sample_points(a: np.ndarray) -> np.ndarray:
    """``(n, C, H, W)`` feature maps -> ``(n, H*W, C)``: the spatial positions of each sample as points in R^C.

    The same layout as ``capture(..., reduce='none')`` gives for a feature map.
    """
    a = np.asarray(a)
    return np.ascontiguousarray(a.reshape(a.shape[0], a.shape[1], -1).transpose(0, 2, 1))


def _peek(data: Any) -> tuple[Any, Any]:
    """(what the small pass reads, what the run reads): a one-shot iterator lends its first batch to both."""
    if isinstance(data, Iterator):
        try:
            first = next(data)
        except StopIteration:
            raise ValueError("data yielded no samples: it is empty (or every batch has 0 rows).") from None
        return [first], itertools.chain([first], data)
    return data, data


def sample_shapes(model: Any, data: Any, layers: Any) -> tuple[dict[str, tuple[int, ...]], Any]:
    """The shape of ONE sample's output at each of ``layers`` (as capture resolves them), from two samples.

    Returns the shapes and the data to use from now on (the same object, unless
    ``data`` is a one-shot iterator, whose first batch is put back in front).
    """
    from .nn.capturing import capture

    small, data = _peek(data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        acts = capture(model, small, layers, reduce=keep_output, max_samples=2, batch_size=2, on_nonfinite="ignore",
                       progress=False)
    return {layer: tuple(int(s) for s in np.shape(acts[layer])[1:]) for layer in acts.layers}, data


def resolve_plan(model: Any, data: Any, layers: Any, *, n_samples: int, maxdim: int, max_points: int,
                 n_bootstrap: int, probe: bool, probe_layers: Any, probe_kind: str, tokens: bool, regions: bool,
                 regions_note: str, max_memory: Any, max_time: float | None) -> tuple[Any, dict[str, Any], Any]:
    """The plan of an ``analyze`` run, from one small forward pass; raises PlanError before any heavy work.

    Returns ``(plan, resolved, data)``: ``resolved`` holds ``layers`` (the captured
    layer names), ``shapes`` (one sample's shape per layer, probe layers included),
    ``probe_layers`` (those that can give per-sample clouds) and ``probe_skipped``.
    """
    from .plan import plan_analysis

    shapes, data = sample_shapes(model, data, layers)
    main = tuple(shapes)
    probe_names: tuple[str, ...] = ()
    if probe:
        if probe_layers is not None:
            extra, data = sample_shapes(model, data, probe_layers)
            probe_names = tuple(extra)
            shapes = {**shapes, **extra}
        else:
            probe_names = tuple(name for name in main if name != "input")
    token_layers = tuple(name for name, s in shapes.items() if len(s) == 2) if tokens else ()
    plan = plan_analysis({name: shapes[name] for name in dict.fromkeys(main + probe_names)}, n_samples=n_samples,
                         maxdim=maxdim, max_points=max_points, n_bootstrap=n_bootstrap, probe_layers=probe_names,
                         probe_kind=probe_kind, regions=regions, regions_note=regions_note, max_memory=max_memory,
                         max_time=max_time, token_layers=token_layers)
    skipped = tuple(name for name in probe_names if any(n.startswith(f"probe layer {name!r} skipped")
                                                        for n in plan.notes))
    return plan, {"layers": main, "shapes": shapes, "probe_layers": tuple(n for n in probe_names if n not in skipped),
                  "probe_skipped": skipped}, data


# -- the persistence stage as data -------------------------------------------------------
def profile_to_data(profile: Any) -> dict[str, Any]:
    """A LayerProfile as plain data and arrays (diagrams as their bars and meta; per-class profiles nested)."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(profile):
        v = getattr(profile, f.name)
        if f.name == "diagrams":
            v = [{"bars": [np.asarray(a) for a in d], "meta": dict(d.meta)} for d in v]
        elif f.name == "per_class" and v is not None:
            v = {k: profile_to_data(sub) for k, sub in v.items()}
        out[f.name] = v
    return out


def profile_from_data(data: dict[str, Any]) -> Any:
    """The LayerProfile that :func:`profile_to_data` took apart."""
    from .diagnostics.layers import LayerProfile
    from .diagrams import Diagrams

    kw = dict(data)
    kw["diagrams"] = tuple(Diagrams(list(d["bars"]), meta=d["meta"]) for d in kw["diagrams"])
    if kw.get("per_class") is not None:
        kw["per_class"] = {k: profile_from_data(v) for k, v in kw["per_class"].items()}
    kw["layers"] = tuple(kw["layers"])
    return LayerProfile(**kw)


class Kept:
    """The stage cache of one workflow run: ``get``/``put`` by stage and by fingerprint of the stage's inputs.

    ``out=None`` keeps nothing (every ``get`` misses, ``put`` only returns). A value
    that cannot be written (a full disk, an object the cache cannot store) is logged
    and the run goes on: keeping is a convenience, never a reason to lose a run.
    """

    def __init__(self, out: Any, *, enabled: bool, model: Any = None):
        from .store import StageCache

        self.active = out is not None
        self.cache = StageCache(out, enabled=enabled)
        self._model_fp: str | None = None
        self._model = model

    @property
    def model_fp(self) -> str:
        if self._model_fp is None:
            from .nn.checkpoints import model_fingerprint

            self._model_fp = model_fingerprint(self._model)
        return self._model_fp

    def key(self, *parts: Any) -> str:
        from .store import fingerprint

        return fingerprint(*parts) if self.active else ""

    def get(self, stage: str, key: str) -> Any:
        return self.cache.get(stage, key) if self.active else None

    def put(self, stage: str, key: str, value: Any) -> Any:
        if not self.active:
            return value
        try:
            self.cache.put(stage, key, value)
        except (OSError, TypeError, ValueError) as exc:
            _log.warning("could not keep stage %s (%s: %s); the run goes on", stage, type(exc).__name__, exc)
        return value

    @property
    def reused(self) -> list[str]:
        return list(self.cache.reused)


# -- the optional stages of analyze -------------------------------------------------------
def probe_capture(model: Any, data: Any, probe_layers: Any, *, kind: str, max_samples: int, batch_size: int,
                   progress: bool) -> tuple[dict[str, np.ndarray], Any]:
    """A second capture pass for the probes (only when the first pass could not keep their per-sample outputs)."""
    from .nn.capturing import capture

    per = capture(model, data, probe_layers, reduce="none" if kind == "cloud" else keep_output, max_samples=max_samples,
                  batch_size=batch_size, on_nonfinite="raise", progress=progress)
    return {layer: per[layer] for layer in per.layers}, per.targets


def probe_scores(arrays: Mapping[str, np.ndarray], targets: Any, *, kind: str, maxdim: int, seed: int,
           n_jobs: int | None) -> dict[str, Any]:
    """Topological, linear and shuffled-label probes on each layer's per-sample outputs."""
    from .probes import probe_layers as score_layers

    if targets is None:
        raise ValueError("probe=True needs labels: give data as (X, y) or batches that yield (x, y).")
    y = np.asarray(targets).reshape(len(targets), -1)[:, 0]
    need = 3 if kind == "cloud" else 4
    usable = {layer: a for layer, a in arrays.items() if a.ndim == need}
    skipped = [layer for layer in arrays if arrays[layer].ndim != need]
    if not usable:
        what = ("per-sample structure (tokens or spatial positions) to build a cloud from; name conv or "
                "transformer layers" if kind == "cloud" else "2-D feature maps (n, C, H, W); name conv layers")
        raise ValueError(f"probe_layers: none of {list(arrays)} has {what}.")
    pooled = {layer: a.reshape(len(a), a.shape[1], -1).mean(axis=2) if kind == "image" else a.mean(axis=1)
              for layer, a in usable.items()}
    scores = score_layers(usable, pooled, y, kind=kind, maxdim=maxdim, seed=seed, n_jobs=n_jobs).to_dict()
    if skipped:
        scores["meta"]["skipped"] = skipped
    return scores

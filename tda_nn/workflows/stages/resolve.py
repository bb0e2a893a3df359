"""The plan stage: one small forward pass resolves every option, and the plan is made (or refused) before any heavy work.

It resolves ``reduce='auto'`` against the data, the captured layers and the shape of
one sample at each, the probe layers that can give per-sample clouds, and whether the
regions apply; then :func:`tda_nn.workflows.plan.plan_analysis`'s estimate of every
stage, refused with a :class:`~tda_nn.workflows.plan.PlanError` above ``max_memory`` or
``max_time``. A series (compare, track) plans its first model and scales the plan by
the number of models.

Floor: application (its own floor; the torch wing inside functions).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..plan import Plan, build_plan, sample_shapes
from ..runner import Context, Stage

__all__ = ["PlanResult", "STAGE", "resolve_reduce"]


@dataclass(frozen=True)
class PlanResult:
    """The plan and what it resolved."""

    plan: Plan
    layers: tuple[str, ...]
    shapes: Mapping[str, tuple[int, ...]]
    probe_layers: tuple[str, ...] = ()
    probe_skipped: tuple[str, ...] = ()
    regions: bool = False
    n_samples: int = 0


def resolve_reduce(reduce: str, data: Any) -> str:
    """``'auto'``: a mean over tokens for tokenizer-style dict inputs, else every unit ('flatten')."""
    if reduce != "auto":
        return reduce
    first = data
    if not isinstance(data, Mapping) and not hasattr(data, "shape") and not isinstance(data, (tuple, list)):
        return "flatten"
    if isinstance(data, (tuple, list)) and data:
        first = data[0]
    return "mean" if isinstance(first, Mapping) else "flatten"


def wants_regions(ctx: Context, model: Any) -> bool:
    regions = getattr(ctx.settings, "regions", False)
    if regions is True:
        return True
    if regions != "auto":
        return False
    from ...nn.regions import has_relu

    return has_relu(model)


def _n_planned(ctx: Context) -> int:
    from ...nn.capturing import iter_batches

    _, bound, _ = iter_batches(ctx.data, ctx.settings.batch_size)
    s = ctx.settings
    return min(s.max_samples, bound) if bound is not None else s.max_samples


def run(ctx: Context, s: Any) -> PlanResult:
    ctx.reduce = resolve_reduce(s.reduce, ctx.data)
    model = ctx.models[0] if ctx.models else ctx.model
    want_regions = wants_regions(ctx, model)
    n_samples = _n_planned(ctx)
    shapes, ctx.data = sample_shapes(model, ctx.data, s.layers)
    main = tuple(shapes)
    probe = bool(getattr(s, "probe", False))
    probe_names: tuple[str, ...] = ()
    if probe:
        if s.probe_layers is not None:
            extra, ctx.data = sample_shapes(model, ctx.data, s.probe_layers)
            probe_names = tuple(extra)
            shapes = {**shapes, **extra}
        else:
            probe_names = tuple(name for name in main if name != "input")
    token_layers = tuple(name for name, sh in shapes.items() if len(sh) == 2) if ctx.reduce == "mean" else ()
    n_models = max(len(ctx.models), 1)
    series = bool(ctx.models)
    symmetry = getattr(s, "symmetry", None)
    plan = build_plan({name: shapes[name] for name in dict.fromkeys(main + probe_names)}, n_samples=n_samples,
                 maxdim=s.maxdim, max_points=s.max_points, n_bootstrap=getattr(s, "n_bootstrap", 0),
                 probe_layers=probe_names, probe_kind=getattr(s, "probe_kind", "cloud"), regions=want_regions,
                 regions_note="" if want_regions or series else
                 "no ReLU-type modules (regions apply to piecewise-linear models)",
                 budget=_budget(s), max_time=None if s.max_time is None else s.max_time / n_models,
                 token_layers=token_layers, main_layers=main, comparison=not series,
                 combined_distance=bool(getattr(s, "combined_distance", False)),
                 views=getattr(s, "view", None) is not None, loops=bool(getattr(s, "loops", False)),
                 n_actions=0 if symmetry is None else len(symmetry),
                 region_resolution=getattr(s, "region_resolution", 32 if series else 128), report=True,
                 mapper=bool(getattr(s, "mapper", False)) and not series)
    if series:
        plan = plan.for_series(n_models, compare=not hasattr(s, "steps"))
    skipped = tuple(name for name in probe_names if any(n.startswith(f"probe layer {name!r} skipped")
                                                        for n in plan.notes))
    usable = tuple(n for n in probe_names if n not in skipped)
    if probe and s.probe_layers is not None and not usable:
        what = ("per-sample structure (tokens or spatial positions) to build a cloud from; name conv or "
                "transformer layers" if s.probe_kind == "cloud" else "2-D feature maps (n, C, H, W); name conv layers")
        raise ValueError(f"probe_layers: none of {list(skipped)} has {what}.")
    ctx.notes.extend(plan.notes)
    return PlanResult(plan, main, shapes, usable, skipped, want_regions, n_samples)


def _budget(s: Any) -> float:
    from ...budgets import parse_memory

    return parse_memory(s.max_memory)


def _detail(r: PlanResult) -> str:
    return f"about {r.plan.seconds:.1f} s estimated"


STAGE = Stage("plan", run, detail=_detail)

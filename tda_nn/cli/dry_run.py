"""``tda-nn ... --dry-run``: what would run, from one small forward pass, without computing anything else.

Floor: application (the torch wing inside functions).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["describe", "example_batch", "show"]


def _rows(x: Any) -> int | None:
    shape = getattr(x, "shape", None)
    return int(shape[0]) if shape is not None and len(shape) else None


def example_batch(data: Any, n: int = 2) -> Any:
    """The first ``n`` samples of ``data`` in the same form (an iterable of batches is given back as it is)."""
    if isinstance(data, Mapping):
        return {k: (v[:n] if _rows(v) else v) for k, v in data.items()}
    if isinstance(data, tuple) and len(data) == 2 and all(_rows(d) for d in data):
        return data[0][:n], data[1][:n]
    if _rows(data):
        return data[:n]
    return data


def _describe_data(data: Any, spec: str) -> str:
    if isinstance(data, Mapping):
        ids = data.get("input_ids")
        rows = _rows(ids) if ids is not None else None
        shape = f" of {tuple(ids.shape)[1]} tokens (padded)" if rows else ""
        labels = data.get("labels", data.get("label"))
        classes = "" if labels is None else f", labels of {len(set(labels.tolist()))} classes"
        return f"{spec}: {rows} tokenized texts{shape}{classes}"
    if isinstance(data, tuple) and len(data) == 2 and _rows(data[0]):
        x, y = data
        return f"{spec}: {_rows(x)} samples of shape {tuple(x.shape[1:])}, labels of {len(set(y.tolist()))} classes"
    if _rows(data):
        return f"{spec}: {_rows(data)} samples of shape {tuple(data.shape[1:])}, no labels"
    return f"{spec}: batches from a {type(data).__name__}"


def _n_samples(data: Any, max_samples: int) -> int:
    lead = data.get("input_ids") if isinstance(data, Mapping) else data[0] if isinstance(data, tuple) else data
    n = _rows(lead) if lead is not None else None
    return max_samples if n is None else min(n, max_samples)


def describe(model: Any, data: Any, *, layers: Any, model_spec: str | None, data_spec: str,
             settings: Mapping[str, Any], command: str = "analyze", n_bootstrap: int = 0,
             regions: Any = "auto", plan: Any = None) -> str:
    """Resolve the model's layers on one small batch and say what ``command`` would run.

    Parameters
    ----------
    model : torch.nn.Module
    data : the loaded data
    layers : list of str or None
        The chosen layers (``None``: the default ones).
    model_spec, data_spec : str
        As given on the command line.
    settings : mapping
        The settings the run would use (None: the Python default).
    n_bootstrap : int, default=0
        Bootstrap resamples, for the plan's cost.
    plan : Plan, optional
        The workflow's own plan (``analyze(..., dry_run=True)``), shown instead of one made here.
    regions : bool or 'auto', default='auto'
        Whether the activation regions would run (``'auto'``: a ReLU network with array inputs).

    Returns
    -------
    str
        Several lines: the model, the data, the layers (every layer, with output
        shapes and the chosen ones marked ``*``), the settings and the plan
        (:func:`tda_nn.workflows.plan.plan_analysis`: the stages and their estimated cost).

    Raises
    ------
    PlanError
        The run would not fit in memory (naming the setting and a value that fits).
    """
    from ..nn.capturing import list_layers
    from ..nn.hooks import default_layers, resolve_layers
    from ..nn.regions import has_relu
    from ..workflows.plan import plan_analysis

    chosen = resolve_layers(model, layers) if layers else default_layers(model)
    table = list_layers(model, example_batch(data))
    n_params = sum(int(p.numel()) for p in model.parameters())
    lines = [f"model: {type(model).__name__} from {model_spec} ({n_params:,} parameters)",
             f"data: {_describe_data(data, data_spec)}",
             f"layers ({'--layers' if layers else 'the default; choose with --layers'}): {', '.join(chosen)}", ""]
    width = max(len(r.name) for r in table)
    for r in table:
        mark = "*" if r.name in chosen else " "
        shape = "-" if r.output_shape is None else "(n, " + ", ".join(str(s) for s in r.output_shape[1:]) + ")"
        lines.append(f" {mark} {r.name:<{width}}  {r.type:<24} {shape}")
    shown = ", ".join(f"--{k.replace('_', '-')} {v}" for k, v in settings.items()
                      if v is not None and k not in ("layers", "title"))
    shapes = {r.name: tuple(r.output_shape[1:]) for r in table if r.name in chosen and r.output_shape is not None}
    plan = plan if plan is not None else plan_analysis(shapes, n_samples=_n_samples(data, int(settings.get("max_samples") or 1000)),
                         maxdim=int(settings.get("maxdim") or 1), max_points=int(settings.get("max_points") or 500),
                         n_bootstrap=int(n_bootstrap or 0),
                         regions=bool(regions is True or (regions == "auto" and not isinstance(data, Mapping)
                                                          and has_relu(model))))
    lines += ["", *str(plan).split("\nlayers:")[0].splitlines(),
              "", f"would run: tda-nn {command} with {shown}; nothing written (--dry-run)"]
    return "\n".join(lines)


def show(args: Any, model: Any, data: Any, *, plan: Any = None) -> None:
    """Print :func:`describe` for the command line's ``--dry-run`` (nothing is written)."""
    settings = {k: getattr(args, k, None) for k in ("layers", "reduce", "max_samples", "max_points", "maxdim",
                                                     "batch_size", "n_jobs", "seed", "title")}
    regions = {"on": True, "off": False}.get(getattr(args, "regions", None) or "auto", "auto")
    print(describe(model, data, layers=args.layers, model_spec=args.model or getattr(args, "checkpoint", None),
                   data_spec=args.data, settings=settings, command=args.command,
                   n_bootstrap=getattr(args, "n_bootstrap", None) or 0,
                   regions=regions if args.command == "analyze" else False, plan=plan))
    return None

"""The runner: the one place that loops over a workflow's stages, times, caches, logs and keeps going.

A workflow is a list of :class:`Stage` objects (:mod:`tda_nn.workflows.stages`); each
stage's ``run(context, settings)`` returns a frozen result that the runner puts in
``context.results[stage.name]``. Around every stage the runner

* asks ``applies(context, settings)`` whether it runs at all (a probe stage without
  probe layers, regions of a model without ReLUs);
* reads a cached stage from :class:`~tda_nn.workflows.cache.StageStore` under the key of
  its declared inputs and format version, or runs it and keeps the result;
* records its wall time in ``context.timings`` (the report's ``config["timings"]``);
* logs one line when it is done (logger ``"tda_nn"``, level INFO: the command line
  shows it unless ``--quiet``, with or without progress bars);
* turns a failure of an optional stage into a note of the report and a warning in the
  log, unless the stage says the error is the user's (``strict``).

With ``progress=True`` a bar counts the stages (the capture adds its own).

Floor: application. Imports the helpers and its own floor only.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .cache import StageStore, stage_key

__all__ = ["Context", "Stage", "reused_note", "run_stages", "run_workflow"]

_log = logging.getLogger("tda_nn")


def _always(ctx: Context, s: Any) -> bool:
    return True


def _nothing(result: Any) -> str:
    return ""


@dataclass(frozen=True)
class Stage:
    """One stage of a workflow.

    Attributes
    ----------
    name : str
    run : callable ``(context, settings) -> result``
    applies : callable ``(context, settings) -> bool``, default: always
    optional : bool
        A failure becomes a note (unless ``strict(context, settings, exc)`` says it is the user's mistake).
    version : int or None
        The stage's ``FORMAT_VERSION`` when it is cached.
    inputs : callable ``(context, settings) -> dict``, optional
        The declared inputs of a cached stage (its cache key).
    encode, decode : callable, optional
        Result -> plain data with arrays for the cache, and back (``decode(data, context, settings)``).
    detail : callable ``result -> str``
        The end of the stage's log line.
    """

    name: str
    run: Callable[[Any, Any], Any]
    applies: Callable[[Any, Any], bool] = _always
    optional: bool = False
    strict: Callable[[Any, Any, Exception], bool] | None = None
    version: int | None = None
    inputs: Callable[[Any, Any], dict] | None = None
    encode: Callable[[Any], Any] | None = None
    decode: Callable[[Any, Any, Any], Any] | None = None
    detail: Callable[[Any], str] = _nothing


@dataclass
class Context:
    """What the stages of one run share: the model(s), the data, the results so far, the notes, the cache."""

    model: Any
    data: Any
    settings: Any
    store: StageStore
    models: Sequence[Any] = ()
    reduce: str = "flatten"
    results: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    _inputs: Any = None
    _data_fp: Any = None

    def __getitem__(self, name: str) -> Any:
        return self.results.get(name)

    def inputs(self) -> tuple[Any, Any]:
        """The model inputs and labels as arrays (``(None, None)`` for dicts of tokens), read once."""
        if self._inputs is None:
            from ..nn.capturing import inputs_in_memory

            self._inputs = inputs_in_memory(self.data, self.settings.max_samples)
        return self._inputs

    @property
    def data_fp(self) -> str | None:
        """The fingerprint of the inputs and labels (None when they are not arrays, or nothing is cached)."""
        if not self.store.active:
            return None
        if self._data_fp is None:
            X, y = self.inputs()
            self._data_fp = ("",) if X is None else (self.store.fingerprint(X, y),)
        return self._data_fp[0] or None


def _optional_failed(ctx: Context, stage: str, exc: Exception) -> None:
    first = str(exc).splitlines()[0] if str(exc) else ""
    text = f"The {stage} stage failed and was left out: {type(exc).__name__}: {first}"
    ctx.notes.append(text)
    _log.warning(text)


def _bar(total: int, enabled: bool) -> Any:
    if not enabled:
        return None
    from tqdm import tqdm  # the console bar: tqdm.auto warns in a notebook without ipywidgets

    return tqdm(total=total, desc="tda_nn", unit="stage", leave=False, delay=1.0)


def _run_one(ctx: Context, st: Stage) -> Any:
    s = ctx.settings
    key = ""
    if st.version is not None and st.inputs is not None and ctx.store.active:
        inputs = st.inputs(ctx, s)
        key = stage_key(st.name, st.version, inputs) if inputs is not None else ""
        if key:
            kept = ctx.store.get(st.name, st.version, key)
            if kept is not None:
                return st.decode(kept, ctx, s) if st.decode else kept
    result = st.run(ctx, s)
    if key and result is not None:
        ctx.store.put(st.name, st.version, key, st.encode(result) if st.encode else result)
    return result


def run_stages(ctx: Context, stages: Sequence[Stage], *, stop_after: str | None = None) -> Context:
    """Run ``stages`` in order on ``ctx`` (see the module's docstring); stop after ``stop_after`` when given."""
    bar = _bar(len(stages), bool(getattr(ctx.settings, "progress", False)))
    redirect: Any = contextlib.nullcontext()
    if bar is not None:
        from tqdm.contrib.logging import logging_redirect_tqdm

        redirect = logging_redirect_tqdm(loggers=[_log])
    try:
        with redirect:
            for st in stages:
                if bar is not None:
                    bar.set_description(f"tda_nn: {st.name}")
                if st.applies(ctx, ctx.settings):
                    t0 = time.perf_counter()
                    failed = False
                    try:
                        result = _run_one(ctx, st)
                    except Exception as exc:
                        if not st.optional or (st.strict is not None and st.strict(ctx, ctx.settings, exc)):
                            raise
                        _optional_failed(ctx, st.name, exc)
                        result, failed = None, True
                    ctx.timings[st.name] = round(time.perf_counter() - t0, 3)
                    ctx.results[st.name] = result
                    if not failed:
                        detail = st.detail(result)
                        reused = " (reused)" if st.name in ctx.store.reused else ""
                        _log.info("%s done in %.1f s%s%s", st.name, ctx.timings[st.name], reused,
                                  "; " + detail if detail else "")
                if bar is not None:
                    bar.update(1)
                if st.name == stop_after:
                    break
    finally:
        if bar is not None:
            bar.close()
    return ctx


def reused_note(ctx: Context) -> str | None:
    """The note (and log line) of a re-run: which stages came from the cache."""
    if not ctx.store.reused:
        return None
    return (f"Reused the finished stages: {', '.join(ctx.store.reused)} kept in {str(ctx.store.out)!r} (their data, "
            "weights and settings are unchanged; cache=False recomputes them).")


def run_workflow(stages: Sequence[Stage], settings: Any, *, model: Any, data: Any, models: Sequence[Any] = ()) -> Any:
    """Run a workflow: its Report, or its Plan when ``settings.dry_run`` (the plan stage alone)."""
    store = StageStore(settings.out, enabled=settings.cache, model=model)
    ctx = Context(model, data, settings, store, models=tuple(models))
    if settings.dry_run:
        return run_stages(ctx, stages, stop_after="plan")["plan"].plan
    return run_stages(ctx, stages)["report"]

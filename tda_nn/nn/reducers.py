"""Reducers: one module output ``(B, ...)`` -> what is kept per sample.

They run on the model's device, before anything is copied to the CPU, so only
the reduced tensor crosses. Layout conventions:

* ``(B, F)``: features; every reducer but ``cls``/``first`` keeps it as is.
* ``(B, T, D)``: tokens (sequence models), except outputs of 1-D conv / pool /
  norm modules, read as ``(B, C, L)`` channels-first like images.
* ``(B, C, *spatial)`` with 2+ spatial axes: channels-first feature maps.

``mean``/``max`` pool over tokens or spatial positions (the token mean and max
skip padding when an attention mask of matching shape is given); ``flatten``
keeps everything as ``(B, prod(rest))`` in native order; ``cls``/``first`` take
position 0; ``none`` keeps per-sample structure with channels last --
``(B, T, D)`` or ``(B, H*W, C)`` -- so each sample is a point cloud.
"""

from __future__ import annotations

import shutil
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Literal

import numpy as np

from ..activations import Activations, NpyWriter, write_manifest
from ..validation import MemoryBudgetError, find_stack_level
from .hooks import INPUT, call_input, first_tensor

__all__: list[str] = []

ReduceName = Literal["mean", "max", "flatten", "cls", "first", "none"]
REDUCERS: tuple[str, ...] = ("mean", "max", "flatten", "cls", "first", "none")


def _channels_first_1d(module: Any) -> bool:
    """Whether a 3-D output of ``module`` is ``(B, C, L)`` rather than ``(B, T, D)``."""
    import torch.nn as nn
    from torch.nn.modules.conv import _ConvNd

    if isinstance(module, _ConvNd):
        return True
    kinds = (
        nn.MaxPool1d, nn.AvgPool1d, nn.AdaptiveAvgPool1d, nn.AdaptiveMaxPool1d,
        nn.BatchNorm1d, nn.InstanceNorm1d, nn.LPPool1d,
    )  # fmt: skip
    return isinstance(module, kinds)


def _as_points(t: Any, channels_first: bool) -> Any:
    """``(B, C, *spatial)`` or ``(B, T, D)`` -> ``(B, P, C)`` with positions as points."""
    if t.ndim == 3 and not channels_first:
        return t
    return t.flatten(2).transpose(1, 2)


def reduce_tensor(t: Any, how: str, *, mask: Any = None, channels_first: bool = False, layer: str = "") -> Any:
    """Apply the named reducer to one output tensor ``t`` of shape ``(B, ...)``.

    ``mask`` is a ``(B, T)`` attention mask; it is used only for token outputs
    whose ``(B, T)`` matches. Returns a tensor on ``t``'s device.
    """
    import torch

    if t.ndim < 2:
        if how in ("cls", "first"):
            raise ValueError(f"reduce={how!r}: layer {layer!r} output {tuple(t.shape)} has no token axis.")
        return t.reshape(t.shape[0], 1) if t.ndim == 1 else t
    if t.ndim == 2:
        if how in ("cls", "first"):
            raise ValueError(
                f"reduce={how!r} needs tokens (B, T, D), but layer {layer!r} outputs {tuple(t.shape)}; "
                "use reduce='mean' or 'flatten' for this layer."
            )
        return t
    tokens = t.ndim == 3 and not channels_first
    if how == "flatten":
        return t.reshape(t.shape[0], -1)
    if how == "none":
        return _as_points(t, channels_first)
    if how in ("cls", "first"):
        if not tokens and t.ndim > 3:
            raise ValueError(
                f"reduce={how!r} takes the first token, but layer {layer!r} outputs a feature map "
                f"{tuple(t.shape)}; use reduce='mean', 'max' or 'none'."
            )
        return t[:, 0] if tokens else t[:, :, 0]
    m = None
    if tokens and mask is not None and tuple(mask.shape) == tuple(t.shape[:2]):
        m = mask.to(device=t.device, dtype=torch.bool).unsqueeze(-1)
    if how == "mean":
        acc = torch.float32 if t.dtype in (torch.float16, torch.bfloat16) else None
        if tokens:
            if m is None:
                return t.mean(dim=1, dtype=acc)
            w = m.to(acc or t.dtype)
            return (t * w).sum(dim=1, dtype=acc) / w.sum(dim=1).clamp_min(1)
        return t.mean(dim=tuple(range(2, t.ndim)), dtype=acc)
    if how == "max":
        if tokens:
            if m is not None:
                t = t.masked_fill(~m, float("-inf"))
            return t.amax(dim=1)
        return t.amax(dim=tuple(range(2, t.ndim)))
    raise ValueError(f"reduce must be one of {list(REDUCERS)} or a callable, got {how!r}.")


def _fmt_bytes(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:.1f} {unit}" if unit != "B" else f"{int(n)} B"
        n /= 1024
    return f"{n:.1f} TiB"


def _torch_dtype(dt: np.dtype) -> Any:
    import torch

    return {np.dtype(np.float16): torch.float16, np.dtype(np.float32): torch.float32}.get(dt, torch.float64)


# -- per-layer sinks (capture's storage) ---------------------------------------------------------------------
class _MemorySink:
    """Rows of one layer in memory: one preallocated array when the size is bounded."""

    def __init__(self, row_shape: tuple[int, ...], dtype: np.dtype, cap: int | None):
        self.row_shape, self.dtype, self.n = row_shape, dtype, 0
        self._buf = np.empty((cap, *row_shape), dtype) if cap is not None else None
        self._chunks: list[np.ndarray] = []

    @property
    def nbytes(self) -> int:
        return self.n * int(np.prod(self.row_shape, dtype=np.int64)) * self.dtype.itemsize

    def write(self, rows: np.ndarray) -> None:
        k = rows.shape[0]
        if self._buf is not None and self.n + k <= self._buf.shape[0]:
            self._buf[self.n : self.n + k] = rows
        else:
            if self._buf is not None:  # more rows than the bound promised: fall back to chunks
                self._chunks, self._buf = [self._buf[: self.n]], None
            self._chunks.append(np.array(rows, dtype=self.dtype, copy=True))
        self.n += k

    def array(self) -> np.ndarray:
        if self._buf is not None:
            out = self._buf[: self.n]
            return out.copy() if 2 * self.n < self._buf.shape[0] else out
        if not self._chunks:
            return np.empty((0, *self.row_shape), self.dtype)
        self._chunks = [np.concatenate(self._chunks)] if len(self._chunks) > 1 else self._chunks
        return self._chunks[0]

    def abort(self) -> None:
        self._buf, self._chunks = None, []


class _DiskSink:
    def __init__(self, path: Path, row_shape: tuple[int, ...], dtype: np.dtype):
        self.row_shape, self.dtype, self.nbytes = row_shape, dtype, 0
        self._w = NpyWriter(path, row_shape, dtype)

    @property
    def n(self) -> int:
        return self._w.n

    def write(self, rows: np.ndarray) -> None:
        self._w.write(rows)

    def array(self) -> np.ndarray:
        return np.load(self._w.finish(), mmap_mode="r")

    def abort(self) -> None:
        self._w.abort()


# -- the collector: hooks -> reduced rows in sinks -----------------------------------------
class Collector:
    """Receives module outputs from ``Hooks``, reduces them and files the rows."""

    def __init__(self, model: Any, names: list[str], *, reduce: Any, dtype: np.dtype, output_index: Any,
                 select: Callable[[Any], Any] | None, max_samples: int | None, on_nonfinite: str,
                 budget: float, store: Path | None, n_bound: int | None,
                 required: set[str] | None = None):  # fmt: skip
        modules = dict(model.named_modules())
        self.names = list(names)
        self.required = set(names) if required is None else set(required)
        self.channels_first = {n: n != INPUT and _channels_first_1d(modules[n]) for n in names}
        self.reduce, self.dtype, self.tdtype = reduce, dtype, _torch_dtype(dtype)
        self.output_index, self.select = output_index, select
        self.limit = max_samples if max_samples is not None else float("inf")
        self.on_nonfinite, self.budget, self.store, self.n_bound = on_nonfinite, budget, store, n_bound
        self.sinks: dict[str, Any] = {}
        self.mask_sink: _MemorySink | None = None
        self.nonfinite = {n: [0, 0] for n in names}  # NaN, inf
        self.batches = 0
        self._in_call, self._mask, self._batch_n = False, None, None
        self._pending: list[tuple[str, Any]] = []
        self._seen: set[str] = set()
        self._reused: set[str] = set()
        self._checked = False

    # called by Hooks --------------------------------------------------------------
    def begin(self, args: tuple, kwargs: Mapping[str, Any]) -> None:
        self._in_call, self._pending, self._seen = True, [], set()
        x = call_input(args, kwargs)
        self._batch_n = int(x.shape[0]) if x is not None and x.ndim > 0 else None
        mask = kwargs.get("attention_mask")
        if mask is None and args and isinstance(args[0], Mapping):
            mask = args[0].get("attention_mask")
        self._mask = mask if mask is not None and getattr(mask, "ndim", 0) == 2 else None

    def on_output(self, name: str, output: Any) -> None:
        if name in self._seen:
            if name not in self._reused:
                self._reused.add(name)
                warnings.warn(
                    f"layer {name!r} ran more than once in one forward pass (a reused module); its "
                    "first call is captured. Give each use its own module to capture them all.",
                    UserWarning, stacklevel=find_stack_level(),
                )  # fmt: skip
            return
        if self._in_call:
            self._seen.add(name)
        t = self.select(output) if self.select is not None else first_tensor(output, index=self.output_index)
        if not is_tensor(t):
            what = "select= returned" if self.select is not None else "its output is"
            raise ValueError(
                f"layer {name!r} has no tensor to capture: {what} {type(output if self.select is None else t).__name__}. "
                "Pass output_index= or select= to pick one, or capture another layer."
            )
        t = t.detach()
        if self._batch_n is not None and (t.ndim == 0 or t.shape[0] != self._batch_n):
            raise ValueError(
                f"layer {name!r} output has shape {tuple(t.shape)}, whose first axis is not the batch "
                f"({self._batch_n} samples); it cannot be split per sample. Capture another layer or "
                "pass select= to pick a per-sample tensor."
            )
        if not t.is_floating_point():
            t = t.float()
        if callable(self.reduce):
            r = self.reduce(t)
            if not is_tensor(r) or r.ndim == 0 or r.shape[0] != t.shape[0]:
                raise ValueError(
                    f"the reduce callable must return a tensor of shape (B, ...) with B={t.shape[0]}; for "
                    f"layer {name!r} it returned {type(r).__name__} {tuple(getattr(r, 'shape', ()))}."
                )
        else:
            mask = self._mask if self._in_call else None
            r = reduce_tensor(t, self.reduce, mask=mask, channels_first=self.channels_first[name], layer=name)
        if r.dtype != self.tdtype:
            r = r.to(self.tdtype)
        if r.device.type == "cpu":
            self._commit(name, r)
        else:  # keep on the device until the call returns: one sync per batch, not per layer
            self._pending.append((name, r.clone() if (r is t or r._base is not None) else r))
        if not self._in_call:
            self._check_budget()

    def end(self) -> None:
        for name, r in self._pending:
            self._commit(name, r.cpu())
        self._pending = []
        if self.reduce == "none" and self._mask is not None:
            m = self._mask.detach().cpu().numpy().astype(bool)
            if self.mask_sink is None:
                self.mask_sink = _MemorySink(m.shape[1:], np.dtype(bool), self.n_bound)
            self._write(self.mask_sink, m, "attention_mask")
        self._in_call = False
        self.batches += 1
        if not self._checked:
            self._checked = True
            missing = [n for n in self.names if n not in self._seen]
            if any(n in self.required for n in missing):
                raise ValueError(
                    f"layers {[n for n in missing if n in self.required]} did not run in the model's forward "
                    "pass, so there is nothing to capture; pick modules that forward() calls "
                    "(tda_nn.list_layers(model, batch) shows them)."
                )
            if missing:
                self.names = [n for n in self.names if n not in missing]
                shown = ", ".join(repr(n) for n in missing[:5]) + (" ..." if len(missing) > 5 else "")
                warnings.warn(
                    f"{len(missing)} selected modules did not run in the forward pass and are skipped: {shown}",
                    UserWarning, stacklevel=find_stack_level(),
                )  # fmt: skip
            self._estimate()
        self._seen = set()
        self._check_budget()

    # internals ------------------------------------------------------------------------
    def _commit(self, name: str, r: Any) -> None:
        rows = r.numpy()
        sink = self.sinks.get(name)
        if sink is None:
            row = tuple(rows.shape[1:])
            if self.store is not None:
                file = f"layer_{self.names.index(name):03d}.npy"
                sink = _DiskSink(self.store / file, row, self.dtype)
            else:
                sink = _MemorySink(row, self.dtype, self.n_bound)
            self.sinks[name] = sink
        k = self._write(sink, rows, name)
        if k and self.on_nonfinite != "ignore":
            fin = np.isfinite(rows[:k])
            if not fin.all():
                nan = int(np.isnan(rows[:k]).sum())
                counts = self.nonfinite[name]
                counts[0] += nan
                counts[1] += int(fin.size - fin.sum()) - nan
                if self.on_nonfinite == "raise":
                    raise ValueError(
                        f"layer {name!r} produced {counts[0]} NaN and {counts[1]} infinite values in batch "
                        f"{self.batches} (on_nonfinite='raise'). Check the inputs and weights."
                    )

    def _write(self, sink: Any, rows: np.ndarray, name: str) -> int:
        if tuple(rows.shape[1:]) != sink.row_shape:
            raise ValueError(
                f"layer {name!r}: batch {self.batches} gives per-sample shape {tuple(rows.shape[1:])}, but "
                f"earlier batches gave {sink.row_shape}; batches must have matching shapes (pad sequences "
                "to one length, resize images, or use reduce='mean')."
            )
        k = int(min(rows.shape[0], self.limit - sink.n))
        if k > 0:
            sink.write(rows[:k] if k < rows.shape[0] else rows)
        return max(k, 0)

    def _row_bytes(self) -> tuple[int, str, int]:
        sizes = {n: int(np.prod(s.row_shape, dtype=np.int64)) * self.dtype.itemsize for n, s in self.sinks.items()}
        big = max(sizes, key=sizes.get)
        return sum(sizes.values()), big, sizes[big]

    def _refuse(self, need: float, n: Any, so_far: bool) -> None:
        total, big, big_b = self._row_bytes()
        where = "disk space free at the store" if self.store is not None else f"max_memory={_fmt_bytes(self.budget)}"
        qual = "already holds" if so_far else "would need about"
        raise MemoryBudgetError(
            f"capture {qual} {_fmt_bytes(need)} for {n} samples x {len(self.sinks)} layers "
            f"({_fmt_bytes(total)} per sample; largest {big!r} {self.sinks[big].row_shape} = "
            f"{_fmt_bytes(big_b)}), above {where}. Options: pool with reduce='mean', capture fewer "
            "layers, lower max_samples, stream to disk with store='dir/', or raise max_memory."
        )

    def _estimate(self) -> None:
        if self.n_bound is None or not self.sinks:
            return
        need = self._row_bytes()[0] * self.n_bound
        if self.store is not None:
            free = shutil.disk_usage(self.store).free
            if need > free:
                self.budget = free
                self._refuse(need, self.n_bound, False)
        elif need > self.budget:
            self._refuse(need, self.n_bound, False)

    def _check_budget(self) -> None:
        if self.store is None and self.n_bound is None and self.sinks:
            held = sum(s.nbytes for s in self.sinks.values())
            if held > self.budget:
                self._refuse(held, next(iter(self.sinks.values())).n, True)

    def abort(self) -> None:
        for s in self.sinks.values():
            s.abort()

    def result(self, *, targets: np.ndarray | None, meta: dict[str, Any]) -> Activations:
        if not self.sinks:
            raise ValueError("no activations were recorded: the model was never called on any sample.")
        counts = {n: s.n for n, s in self.sinks.items()}
        if len(set(counts.values())) > 1:
            raise ValueError(
                f"layers recorded different numbers of samples {counts}: some layers did not run on every "
                "batch (a conditional forward?). Capture layers that always run."
            )
        bad = {n: c for n, c in self.nonfinite.items() if c[0] or c[1]}
        if bad and self.on_nonfinite == "warn":
            parts = ", ".join(f"{n!r}: {c[0]} NaN, {c[1]} inf" for n, c in bad.items())
            warnings.warn(
                f"non-finite activations ({parts}); homology needs finite points, so drop those samples "
                "or fix the model (on_nonfinite='raise' makes this an error).",
                RuntimeWarning, stacklevel=find_stack_level(),
            )  # fmt: skip
        order = [n for n in self.names if n in self.sinks]
        arrays = {n: self.sinks[n].array() for n in order}
        mask = self.mask_sink.array() if self.mask_sink is not None else None
        n = next(iter(counts.values()))
        meta = {**meta, "n_samples": n, "dtype": str(self.dtype), "nonfinite": {k: list(v) for k, v in bad.items()}}
        acts = Activations(arrays, targets=targets, mask=mask, meta=meta)
        if self.store is not None:
            extra = {}
            for key, a in (("targets", targets), ("mask", mask)):
                if a is not None:
                    np.save(self.store / f"{key}.npy", a)
                    extra[key] = f"{key}.npy"
            files = [f"layer_{self.names.index(k):03d}.npy" for k in order]
            write_manifest(self.store, acts._manifest(files, extra))
        return acts


def is_tensor(x: Any) -> bool:
    import torch

    return isinstance(x, torch.Tensor)



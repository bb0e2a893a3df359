"""Capture layer representations from any PyTorch model with forward hooks.

``capture(model, data, layers)`` runs the model over the data under
``torch.inference_mode()`` and returns an :class:`~tda_nn.activations.Activations`;
:class:`ActivationRecorder` records inside the user's own loop; ``list_layers``
shows what can be captured. Hooks never outlive a call (see ``tda_nn.nn.hooks``);
reducers run on the model's device (see ``tda_nn.nn.reducers``).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from ..activations import Activations, begin_store
from ..budgets import parse_memory
from ..validation import as_numpy, check_choice, check_flag, check_int, find_stack_level
from .hooks import (
    INPUT,
    Hooks,
    call_input,
    default_layers,
    explicit_layers,
    first_tensor,
    float_dtype,
    on_device,
    resolve_layers,
)
from .reducers import REDUCERS, Collector, is_tensor

__all__ = ["ActivationRecorder", "LayerInfo", "capture", "inputs_in_memory", "list_layers"]

Reduce = Literal["mean", "max", "flatten", "cls", "first", "none"]
OnNonfinite = Literal["warn", "raise", "ignore"]
_TARGET_KEYS = ("labels", "label")
_UNITS = {"": 1, "b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
          "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}  # fmt: skip


# -- small validators ------------------------------------------------------------------
def _check_model(model: Any) -> Any:
    import torch

    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}.")
    meta = [n for n, t in (*model.named_parameters(), *model.named_buffers()) if t.is_meta]
    if meta:
        raise ValueError(
            f"model has {len(meta)} parameters or buffers on the 'meta' device (e.g. {meta[0]!r}), which hold no "
            "values; load real weights first (model.to_empty(device='cpu') then load_state_dict)."
        )
    return model


def _check_dtype(dtype: Any) -> np.dtype:
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"dtype must be a numpy float dtype, got {dtype!r}.") from None
    if dt not in (np.float16, np.float32, np.float64):
        raise ValueError(f"dtype must be float16, float32 or float64, got {dt}.")
    return dt


def _check_reduce(reduce: Any) -> Any:
    if callable(reduce):
        return reduce
    return check_choice(reduce, name="reduce", choices=REDUCERS)


# -- data ----------------------------------------------------------------------------------------
def _rows(x: Any) -> int:
    return int(x.shape[0])


def _slice(batch: Any, k: int, n: int) -> Any:
    """First ``k`` of ``n`` samples of a batch (tensors, dicts, tuples)."""
    if is_tensor(batch) or isinstance(batch, np.ndarray):
        return batch[:k] if batch.ndim and batch.shape[0] == n else batch
    if isinstance(batch, Mapping):
        return {key: _slice(v, k, n) for key, v in batch.items()}
    if isinstance(batch, (list, tuple)):
        return type(batch)(_slice(v, k, n) for v in batch) if not hasattr(batch, "_fields") else batch
    return batch


def _to_torch(x: Any, device: Any, float_dtype: Any) -> Any:
    import torch

    if isinstance(x, np.ndarray):
        x = torch.from_numpy(np.ascontiguousarray(x))
    if isinstance(x, torch.Tensor):
        if x.is_complex():
            raise TypeError(f"data holds complex values (dtype {x.dtype}); pass real tensors (x.real or x.abs()).")
        if x.is_meta:
            raise ValueError(
                "data holds a tensor on the 'meta' device, which has a shape but no values; pass real tensors."
            )
        if x.is_floating_point() and x.dtype != float_dtype:  # float64 (or bf16) data into a float32 model
            x = x.to(float_dtype)
        return x.to(device, non_blocking=True) if x.device != device else x
    if isinstance(x, Mapping):
        return {k: _to_torch(v, device, float_dtype) for k, v in x.items()}
    return x


def _split_batch(batch: Any, i: int) -> tuple[Any, Any]:
    """One batch -> (model input: tensor or dict, target or None)."""
    if is_tensor(batch) or isinstance(batch, np.ndarray):
        return batch, None
    if isinstance(batch, Mapping):
        kw = dict(batch)
        target = next((kw.pop(k) for k in _TARGET_KEYS if k in kw), None)
        return kw, target
    if isinstance(batch, (list, tuple)) and batch:
        x = batch[0]
        if is_tensor(x) or isinstance(x, (np.ndarray, Mapping)):
            return x, (batch[1] if len(batch) > 1 else None)
    raise TypeError(
        f"data: batch {i} is a {type(batch).__name__}; each batch must be a tensor, an (x, y) tuple or "
        "a dict of tensors passed to the model as keyword arguments."
    )


def is_arraylike(x: Any) -> bool:
    return is_tensor(x) or isinstance(x, np.ndarray)


def _whole(data: Any) -> tuple[Any, Any] | None:
    """``data`` as one (inputs, targets) dataset to batch ourselves, or None for an iterable of batches."""
    if is_arraylike(data):
        return data, None
    if isinstance(data, Mapping):
        return _split_batch(data, 0)
    if isinstance(data, tuple) and len(data) == 2 and all(is_arraylike(d) for d in data):
        x, y = data
        if x.ndim and y.ndim and len(x) == len(y):
            return x, y
        if x.ndim and y.ndim and y.ndim <= 2 and y.shape[0] != x.shape[0]:
            # two arrays with different row counts: an (X, y) pair whose labels do not match, not two batches
            raise ValueError(
                f"data = (X, y) must have one target per sample: X has {x.shape[0]} rows (shape "
                f"{tuple(x.shape)}), y has {y.shape[0]} (shape {tuple(y.shape)}). Pass y for the same samples, "
                "or a list of batches."
            )
    return None


def _as_loader(data: Any, batch_size: int) -> Any:
    """A map-style ``torch.utils.data.Dataset`` yields single samples: batch it with a DataLoader."""
    import torch.utils.data as tud

    if isinstance(data, tud.Dataset) and not isinstance(data, tud.IterableDataset) and hasattr(data, "__len__"):
        return tud.DataLoader(data, batch_size=batch_size, shuffle=False)
    return data


def iter_batches(data: Any, batch_size: int) -> tuple[Iterator[tuple[Any, Any]], int | None, int | None]:
    """Batches as (model input, target) pairs; an upper bound on the samples and the number of batches (or None)."""
    if data is None or isinstance(data, (str, bytes)):
        raise TypeError(f"data must be a tensor, a DataLoader or an iterable of batches, got {type(data).__name__}.")
    data = _as_loader(data, batch_size)
    whole = _whole(data)
    if whole is not None:
        x, y = whole
        lead = call_input((x,), {}) if isinstance(x, Mapping) else x
        if lead is None or lead.ndim == 0:
            raise ValueError("data holds no per-sample tensor to batch (need a leading samples axis).")
        n = _rows(lead)

        def gen() -> Iterator[tuple[Any, Any]]:
            for s in range(0, n, batch_size):
                yield _slice_range(x, s, s + batch_size, n), (None if y is None else y[s : s + batch_size])

        return gen(), n, None
    if not isinstance(data, Iterable):
        raise TypeError(f"data must be a tensor, a DataLoader or an iterable of batches, got {type(data).__name__}.")
    bound = None
    try:
        n_batches: int | None = len(data)  # type: ignore[arg-type]
    except TypeError:
        n_batches = None
    dataset, bs = getattr(data, "dataset", None), getattr(data, "batch_size", None)
    if n_batches is not None and isinstance(bs, int) and dataset is not None and hasattr(dataset, "__len__"):
        bound = min(len(dataset), n_batches * bs)  # a DataLoader
    return (_split_batch(b, i) for i, b in enumerate(data)), bound, n_batches


def _slice_range(x: Any, a: int, b: int, n: int) -> Any:
    if isinstance(x, Mapping):
        return {k: _slice_range(v, a, b, n) for k, v in x.items()}
    if is_arraylike(x) and x.ndim and x.shape[0] == n:
        return x[a:b]
    return x


def _targets_array(chunks: list[Any]) -> np.ndarray | None:
    if not chunks or any(c is None for c in chunks):
        return None
    try:
        parts = [c.detach().cpu().numpy() if is_tensor(c) else np.asarray(c) for c in chunks]
        out = np.concatenate([p.reshape(-1) if p.ndim == 0 else p for p in parts])
    except (TypeError, ValueError) as exc:
        warnings.warn(f"targets were not kept: they do not stack into one array ({exc}).", UserWarning, stacklevel=find_stack_level())
        return None
    return out if out.dtype != object else None


def _describe(x: Any) -> str:
    if isinstance(x, Mapping):
        return "{" + ", ".join(f"{k}: {tuple(v.shape) if is_arraylike(v) else type(v).__name__}" for k, v in x.items()) + "}"
    return f"input shape {tuple(x.shape)}" if is_arraylike(x) else type(x).__name__


def _layer_names(model: Any, layers: Any) -> list[str]:
    if layers is not None:
        return resolve_layers(model, layers)
    names = default_layers(model)
    shown = ", ".join(repr(n) for n in names[:6]) + (f", ... ({len(names)} in all)" if len(names) > 6 else "")
    warnings.warn(
        f"layers=None: capturing {shown}. Pass layers= (names, glob patterns or module types) to choose; "
        "tda_nn.list_layers(model, batch) lists every layer.",
        UserWarning, stacklevel=find_stack_level(),
    )  # fmt: skip
    return names


def _check_common(model: Any, reduce: Any, dtype: Any, max_samples: Any, output_index: Any,
                  select: Any, on_nonfinite: Any, max_memory: Any) -> tuple[Any, np.dtype, int | None, float]:  # fmt: skip
    _check_model(model)
    reduce = _check_reduce(reduce)
    dt = _check_dtype(dtype)
    if max_samples is not None:
        max_samples = check_int(max_samples, name="max_samples", min_value=1)
    if output_index is not None and (isinstance(output_index, bool) or not isinstance(output_index, (int, str))):
        raise TypeError(f"output_index must be an int position or a str key, got {type(output_index).__name__}.")
    if select is not None and not callable(select):
        raise TypeError(f"select must be a callable output -> tensor, got {type(select).__name__}.")
    check_choice(on_nonfinite, name="on_nonfinite", choices=("warn", "raise", "ignore"))
    budget = parse_memory(max_memory)
    return reduce, dt, max_samples, budget


def _meta(model: Any, layers: Any, reduce: Any, output_index: Any, select: Any, max_samples: Any) -> dict[str, Any]:
    def show(item: Any) -> str:
        return item.__name__ if isinstance(item, type) else str(item)

    asked = None if layers is None else [show(i) for i in (layers if isinstance(layers, (list, tuple)) else [layers])]
    return {
        "model": type(model).__name__,
        "reduce": reduce if isinstance(reduce, str) else getattr(reduce, "__name__", "callable"),
        "layers_requested": asked,
        "output_index": output_index,
        "select": None if select is None else getattr(select, "__name__", "callable"),
        "max_samples": max_samples,
    }


def capture(
    model: Any,
    data: Any,
    layers: Any = None,
    *,
    reduce: Reduce | Callable[[Any], Any] = "mean",
    max_samples: int | None = None,
    batch_size: int = 256,
    device: Any = None,
    dtype: Any = np.float32,
    output_index: int | str | None = None,
    select: Callable[[Any], Any] | None = None,
    store: str | Path | None = None,
    max_memory: int | float | str | None = None,
    on_nonfinite: OnNonfinite = "warn",
    progress: bool = True,
    eval_mode: bool = True,
) -> Activations:
    """Run ``model`` over ``data`` and return the representations at ``layers``.

    Runs under ``torch.inference_mode()`` in eval mode (``eval_mode=True``); hooks
    are removed and every module's train/eval flag restored on return, on error and
    on ``KeyboardInterrupt``.

    Threads: the train/eval flag is an attribute of each module, shared by every
    thread, so eval mode set here would reach a thread training the same model
    (silently no dropout, no batch-norm updates). Capture therefore sets it only
    when no other thread is running the model: it waits for forward passes already
    running in other threads to finish (refusing after
    ``tda_nn.nn.hooks.WAIT_FOR_OTHERS_S`` seconds), and a forward pass another
    thread starts during the capture waits until the flags are restored. Training
    in another thread is paused for the capture, never changed by it. With
    ``eval_mode=False`` the mode is left to you: the flags are not touched (call
    ``model.eval()`` yourself when nothing else is training the model).

    Parameters
    ----------
    model : torch.nn.Module
    data : tensor, ndarray, dict of tensors, (X, y) tuple, DataLoader or iterable of batches
        A tensor, array, dict (e.g. tokenizer output) or ``(X, y)`` tuple is one
        dataset, cut into ``batch_size`` batches. An iterable yields batches: a
        tensor, an ``(x, y, ...)`` tuple/list, or a dict passed to the model as
        keyword arguments (its ``labels``/``label`` entry is taken as the target
        and not passed on). Numpy float inputs are cast to the model's float dtype.
    layers : str, type, or list of them, default=None
        Module names (``"layer1"``), glob patterns (``"layer2.*"``; ``*`` crosses
        dots), ``nn.Module`` subclasses (``torch.nn.ReLU``) and ``"input"``, the
        model's input (for integer token ids: their embedding,
        ``model.get_input_embeddings()(input_ids)``). Captured in the model's
        module order, ``"input"`` first. ``None`` picks ``"input"`` plus the blocks
        of a block stack (transformer layers), else every Linear/conv/RNN module,
        and warns which.
    reduce : {'mean', 'max', 'flatten', 'cls', 'first', 'none'} or callable, default='mean'
        ``mean``/``max`` pool feature maps ``(B, C, H, W)`` over space and token
        outputs ``(B, T, D)`` over tokens (skipping padding when the batch has an
        ``attention_mask``); ``flatten`` keeps all values; ``cls``/``first`` keep
        token 0; ``none`` keeps each sample as a point cloud, ``(B, T, D)`` or
        ``(B, H*W, C)`` (channels last). A callable maps the output tensor
        ``(B, ...)`` to a tensor ``(B, ...)`` on any device.
    max_samples : int, optional
        Capture exactly this many samples (or all, if fewer); the rest of the data is not read.
    batch_size : int, default=256
        Batch size when ``data`` is one dataset (ignored for iterables).
    device : str or torch.device, optional
        Where to run. Default: the model's device. A model elsewhere is moved there
        for the capture and moved back afterwards.
    dtype : numpy float dtype, default=np.float32
        Storage dtype of the captured arrays.
    output_index : int or str, optional
        Which element of a tuple/dict/ModelOutput output to capture. Default: the
        first tensor; ``last_hidden_state`` (or the last ``hidden_states``) of a
        dict or ``ModelOutput``.
    select : callable, optional
        ``select(output) -> tensor``, for outputs the rules above do not cover.
    store : str or Path, optional
        A directory to stream each layer into as a memory-mapped ``.npy`` (see
        :meth:`Activations.load`); the manifest is written last, so an
        interrupted capture never leaves a store that loads.
    max_memory : int, float or str, optional
        In-memory budget in bytes (or ``"8GiB"``). Default: half the physical
        memory. After the first batch the whole capture's size is estimated; a
        larger one is refused with the options, unless ``store`` is given.
    on_nonfinite : {'warn', 'raise', 'ignore'}, default='warn'
        NaN/inf in activations: warn once with counts per layer, or raise.
    progress : bool, default=True
        Show a progress bar (tqdm) when the capture takes more than a moment.
    eval_mode : bool, default=True
        Capture in eval mode (dropout off, batch-norm running statistics), guarded
        against other threads as above; ``False`` leaves every module's flag as it is.

    Returns
    -------
    Activations
        ``acts[layer]`` is an ndarray of shape ``(n_samples, n_features)`` (or
        ``(n_samples, n_points, dim)`` for ``reduce='none'``), plus ``targets``
        when the data yields them.

    Raises
    ------
    TypeError
        ``model`` is not an ``nn.Module``; malformed data or options.
    ValueError
        Unknown layer (close names listed); empty data; batches of mismatched
        shapes; a layer output without a tensor; a capture over ``max_memory``;
        non-finite activations with ``on_nonfinite='raise'``.

    Examples
    --------
    >>> import torch, tda_nn
    >>> model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2))
    >>> acts = tda_nn.capture(model, torch.randn(100, 4), layers=["0", torch.nn.ReLU], progress=False)
    >>> acts.layers, acts["1"].shape
    (('0', '1'), (100, 8))
    """
    import torch
    if progress:
        from tqdm.auto import tqdm
    else:  # tqdm.auto warns in a notebook without ipywidgets, even for a disabled bar
        from tqdm import tqdm

    reduce, dt, max_samples, budget = _check_common(
        model, reduce, dtype, max_samples, output_index, select, on_nonfinite, max_memory
    )
    batch_size = check_int(batch_size, name="batch_size", min_value=1)
    eval_mode = check_flag(eval_mode, name="eval_mode")
    names = _layer_names(model, layers)
    batches, bound, n_batches = iter_batches(data, batch_size)
    store_path = None if store is None else Path(store)
    if store_path is not None:
        begin_store(store_path)
    limit = max_samples if max_samples is not None else float("inf")
    meta = _meta(model, layers, reduce, output_index, select, max_samples)
    collector = Collector(
        model, names, reduce=reduce, dtype=dt, output_index=output_index, select=select, max_samples=max_samples,
        on_nonfinite=on_nonfinite, budget=budget, store=store_path, n_bound=None,
        required=explicit_layers(layers, model) if layers is not None else set(),
    )  # fmt: skip
    targets: list[Any] = []
    n_done = 0
    bar = tqdm(total=None, disable=not progress, delay=0.5, unit="sample", desc="capture", leave=False)
    ok = False
    try:
        with on_device(model, device) as dev, torch.inference_mode(), Hooks(
            model, names, collector.on_output, on_call=collector.begin, on_return=collector.end, eval_mode=eval_mode
        ):
            meta["device"] = str(dev)
            model_dtype = float_dtype(model)
            for i, (x, y) in enumerate(batches):
                lead = call_input((x,), {}) if isinstance(x, Mapping) else x
                if lead is None or not is_arraylike(lead) or lead.ndim == 0:
                    raise TypeError(f"data: batch {i} has no tensor with a samples axis ({_describe(x)}).")
                n = int(lead.shape[0])
                if n == 0:
                    continue
                if collector.n_bound is None and n_done == 0:
                    b = bound if bound is not None else (n_batches * n if n_batches is not None else None)
                    b = b if max_samples is None else (min(b, max_samples) if b is not None else max_samples)
                    collector.n_bound, bar.total = b, b
                k = int(min(n, limit - n_done))
                if k < n:
                    x, y = _slice(x, k, n), (None if y is None else y[:k])
                x = _to_torch(x, dev, model_dtype)
                try:
                    model(**x) if isinstance(x, Mapping) else model(x)
                except Exception as exc:
                    if hasattr(exc, "add_note"):
                        exc.add_note(f"tda_nn.nn.capturing: raised by the model on batch {i} ({_describe(x)}).")
                    raise
                targets.append(y)
                n_done += k
                bar.update(k)
                if n_done >= limit:
                    break
        if n_done == 0:
            raise ValueError("data yielded no samples: it is empty (or every batch has 0 rows).")
        acts = collector.result(targets=_targets_array(targets), meta=meta)
        ok = True
        return acts
    finally:
        bar.close()
        if not ok:
            collector.abort()


class ActivationRecorder:
    """Record layer outputs inside your own loop (training, evaluation, generation).

    Hooks are registered on ``__enter__`` and removed on ``__exit__``, whatever ends
    the block. Unlike :func:`capture`, the model's mode and gradients are left to
    you; recorded tensors are detached. Attention masks passed to the model as
    ``attention_mask=`` are honoured by ``reduce='mean'``/``'max'``.

    Parameters
    ----------
    model : torch.nn.Module
    layers : str, type or list of them, default=None
        As in :func:`capture`.
    reduce, max_samples, dtype, output_index, select, max_memory, on_nonfinite
        As in :func:`capture`; ``max_samples`` keeps the first samples seen.

    Examples
    --------
    >>> import torch, tda_nn
    >>> model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU())
    >>> with tda_nn.ActivationRecorder(model, layers=["0"]) as rec:
    ...     for _ in range(3):
    ...         _ = model(torch.randn(10, 4))
    >>> rec.activations()["0"].shape
    (30, 8)
    """

    def __init__(
        self,
        model: Any,
        layers: Any = None,
        *,
        reduce: Reduce | Callable[[Any], Any] = "mean",
        max_samples: int | None = None,
        dtype: Any = np.float32,
        output_index: int | str | None = None,
        select: Callable[[Any], Any] | None = None,
        max_memory: int | float | str | None = None,
        on_nonfinite: OnNonfinite = "warn",
    ):
        self.model = model
        self.layers = layers
        self.reduce = reduce
        self.max_samples = max_samples
        self.dtype = dtype
        self.output_index = output_index
        self.select = select
        self.max_memory = max_memory
        self.on_nonfinite = on_nonfinite
        self._collector: Collector | None = None
        self._hooks: Hooks | None = None
        # validated here too, so that a mistake shows at the line that made the recorder
        _check_common(model, reduce, dtype, max_samples, output_index, select, on_nonfinite, max_memory)
        if layers is not None:
            resolve_layers(model, layers)

    def __enter__(self) -> ActivationRecorder:
        reduce, dt, max_samples, budget = _check_common(
            self.model, self.reduce, self.dtype, self.max_samples, self.output_index, self.select,
            self.on_nonfinite, self.max_memory,
        )  # fmt: skip
        names = _layer_names(self.model, self.layers)
        self._collector = Collector(
            self.model, names, reduce=reduce, dtype=dt, output_index=self.output_index, select=self.select,
            max_samples=max_samples, on_nonfinite=self.on_nonfinite, budget=budget, store=None,
            n_bound=max_samples, required=explicit_layers(self.layers, self.model) if self.layers is not None else set(),
        )  # fmt: skip
        c = self._collector
        self._hooks = Hooks(self.model, names, c.on_output, on_call=c.begin, on_return=c.end, eval_mode=False)
        self._hooks.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._hooks is not None:
            self._hooks.__exit__(*exc)
            self._hooks = None

    def __repr__(self) -> str:
        state = "recording" if self._hooks is not None else "idle"
        n = 0 if self._collector is None or not self._collector.sinks else min(s.n for s in self._collector.sinks.values())
        return f"ActivationRecorder({type(self.model).__name__}, {state}, {n} samples)"

    def activations(self) -> Activations:
        """What was recorded so far, as an :class:`Activations` (targets are ``None``)."""
        if self._collector is None:
            raise ValueError("nothing recorded yet: use the recorder as `with ActivationRecorder(...) as rec:`.")
        meta = _meta(self.model, self.layers, self._collector.reduce, self.output_index, self.select, self.max_samples)
        return self._collector.result(targets=None, meta=meta)


@dataclass(frozen=True)
class LayerInfo:
    """One capturable layer: name, module type, output shape and values per sample."""

    name: str
    type: str
    output_shape: tuple[int, ...] | None
    size: int | None

    def __repr__(self) -> str:
        return f"LayerInfo({self.name!r}, {self.type}, {self.output_shape}, size={self.size})"


class _LayerTable(tuple):
    """A tuple of ``LayerInfo`` that prints as a table."""

    def __repr__(self) -> str:
        rows = [("name", "type", "output shape", "per sample")]
        rows += [(i.name, i.type, "-" if i.output_shape is None else str(i.output_shape),
                  "-" if i.size is None else str(i.size)) for i in self]  # fmt: skip
        w = [max(len(r[c]) for r in rows) for c in range(4)]
        return "\n".join(f"{r[0]:<{w[0]}}  {r[1]:<{w[1]}}  {r[2]:<{w[2]}}  {r[3]:>{w[3]}}" for r in rows)

    __str__ = __repr__


def list_layers(model: Any, example: Any = None, *, output_index: int | str | None = None) -> tuple[LayerInfo, ...]:
    """List the layers ``capture`` can record, with output shapes when an example is given.

    Parameters
    ----------
    model : torch.nn.Module
    example : tensor, dict of tensors, (x, y) tuple or DataLoader, optional
        One batch (a DataLoader contributes its first batch). The model runs on it
        once, in eval and inference mode, to record each module's output shape.
    output_index : int or str, optional
        As in :func:`capture`, for tuple/dict outputs.

    Returns
    -------
    tuple of LayerInfo
        ``"input"`` first (when an example is given), then every named module in
        order: ``name``, module ``type``, ``output_shape`` (of the tensor
        ``capture`` would take, ``None`` if the module did not run or gave no
        tensor) and ``size`` (values per sample). Prints as a table.

    Examples
    --------
    >>> import torch, tda_nn
    >>> model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU())
    >>> [(i.name, i.output_shape) for i in tda_nn.list_layers(model, torch.zeros(2, 4))]
    [('input', (2, 4)), ('0', (2, 8)), ('1', (2, 8))]
    """
    import torch

    _check_model(model)
    names = [n for n, _ in model.named_modules() if n]
    types = {n: type(m).__name__ for n, m in model.named_modules()}
    shapes: dict[str, tuple[int, ...] | None] = {}
    if example is not None:
        if not (_whole(example) is not None or isinstance(example, (tuple, list))):
            example = next(iter(example), None) if isinstance(example, Iterable) else example
        x, _ = _split_batch(example, 0)

        def record(name: str, output: Any) -> None:
            t = first_tensor(output, index=output_index)
            shapes.setdefault(name, tuple(t.shape) if is_tensor(t) else None)

        with on_device(model, None) as dev, torch.inference_mode():
            x = _to_torch(x, dev, float_dtype(model))
            lead = call_input((x,), {}) if isinstance(x, Mapping) else x
            int_input = is_tensor(lead) and not lead.is_floating_point()
            has_emb = callable(getattr(model, "get_input_embeddings", None))
            hooked = [INPUT, *names] if has_emb or not int_input else names
            with Hooks(model, hooked, record):
                model(**x) if isinstance(x, Mapping) else model(x)
        rows = [LayerInfo(INPUT, "input" if not int_input else "input embedding", shapes.get(INPUT), None)]
    else:
        rows = []
    rows += [LayerInfo(n, types[n], shapes.get(n), None) for n in names]
    rows = [
        LayerInfo(r.name, r.type, r.output_shape, None if r.output_shape is None else int(np.prod(r.output_shape[1:])))
        for r in rows
    ]
    return _LayerTable(rows)


def inputs_in_memory(data: Any, max_samples: int | None = None, *, batch_size: int = 256,
                     name: str = "data") -> tuple[np.ndarray | None, np.ndarray | None]:
    """The model inputs (and labels) of ``data`` as arrays, or ``(None, None)`` for dict/token inputs.

    The one answer to "can the raw inputs be held in memory" that the workflows and
    the training monitor share: an ``(X, y)`` pair, a tensor, a DataLoader or any
    iterable of batches whose inputs are float arrays is read (its first
    ``max_samples`` rows); tokenizer dicts and integer token ids give ``(None, None)``.
    """
    batches, _, _ = iter_batches(data, batch_size)
    xs: list[np.ndarray] = []
    ys: list[Any] = []
    n = 0
    for x, y in batches:
        if not is_arraylike(x):
            return None, None
        xs.append(as_numpy(x, name=name))
        ys.append(y)
        n += len(xs[-1])
        if max_samples is not None and n >= max_samples:
            break
    if not xs:
        raise ValueError(f"{name} yielded no batches; the model inputs are needed here.")
    X = np.concatenate(xs)[:max_samples]
    if X.dtype.kind not in "fc":
        return None, None
    y_arr = None
    if all(y is not None for y in ys):
        try:
            y_arr = np.concatenate([np.asarray(as_numpy(y, name=name)).reshape(-1) for y in ys])[:max_samples]
        except (TypeError, ValueError):
            y_arr = None
    return X, y_arr

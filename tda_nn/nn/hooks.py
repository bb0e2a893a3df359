"""Forward-hook machinery shared by ``capture`` and other model probes.

Private but importable: ``tda_nn.nn.regions`` (ReLU sign patterns) and
anything else that must see module outputs uses :class:`Hooks`, so every probe
leaves the model exactly as it found it.

* :func:`resolve_layers` turns names, glob patterns and module types into an
  ordered list of module names (``"input"`` = the model's own input).
* :class:`Hooks` registers forward hooks on those modules and on the root
  (to see each call's inputs), optionally puts the model in eval mode, and on
  exit -- normal, exception or ``KeyboardInterrupt`` -- removes every handle and
  restores each module's own ``training`` flag.
  Hooks see only the forward passes of the thread that entered the block, so two
  threads capturing the same model at once each get their own rows; the
  ``training`` flags are recorded by the first block entered on a model and
  restored by the last one left.
* :func:`first_tensor` picks the representation out of tensors, tuples, dicts
  and Hugging Face ``ModelOutput`` objects.
"""

from __future__ import annotations

import contextlib
import re
import threading
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from ..validation import suggest

__all__: list[str] = []

INPUT = "input"
# keyword names a model's main input goes by, in order of preference
_INPUT_KEYS = ("input_ids", "inputs_embeds", "pixel_values", "input_values", "input_features", "x", "input", "inputs")
_GLOB_CHARS = frozenset("*?[")
# model -> _Eval: the eval-mode blocks open on it, the flags before the first one, and the threads holding them
_ACTIVE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_ACTIVE_LOCK = threading.Lock()
_CHANGED = threading.Condition(_ACTIVE_LOCK)  # notified when a model's flags are restored
_GUARD: list[Any] = []  # the process-wide forward pre-hook handle, while some model's flags are changed
# how long a capture waits for another thread's forward pass of the model to finish before refusing
WAIT_FOR_OTHERS_S = 60.0


class _Eval:
    """The eval-mode blocks open on one model (all threads together)."""

    def __init__(self, model: Any):
        self.count = 0
        self.flags = {m: m.training for m in model.modules()}
        self.ids = frozenset(id(m) for m in self.flags)
        self.owners: dict[int, int] = {}  # thread id -> blocks it holds
        self.changed = any(self.flags.values())  # eval mode differs from what other threads see
        self.waiting: set[int] = set()  # other threads held at the door
        self.ready = threading.Event()  # set once the first block has put the model in eval mode (or failed)
        self.failed: str | None = None


def _forward_frames(frame: Any, ids: frozenset) -> int:
    """How many forward calls of the modules ``ids`` are running on the stack that ends at ``frame``."""
    n = 0
    while frame is not None:
        # one frame per call: __call__ (_wrapped_call_impl) runs _call_impl, which runs the hooks and forward
        if frame.f_code.co_name == "_call_impl" and "self" in frame.f_code.co_varnames:
            try:
                if id(frame.f_locals.get("self")) in ids:
                    n += 1
            except Exception:  # pragma: no cover - a frame torn down while we look
                pass
        frame = frame.f_back
    return n


def _guard(module: Any, args: Any) -> None:
    """Forward pre-hook on every module while some model runs a capture in eval mode.

    A thread that holds no eval-mode block of that model and starts a forward pass
    of it waits until the capture has restored the flags: it would otherwise run,
    and train, in the capture's eval mode (no dropout, no batch-norm updates). A
    forward pass that was already running when the capture began is let through.
    """
    if not _ACTIVE:
        return
    me = threading.get_ident()
    with _ACTIVE_LOCK:
        entry = next((e for e in list(_ACTIVE.values()) if e.changed and id(module) in e.ids), None)
        if entry is None or me in entry.owners:
            return
    import sys

    if _forward_frames(sys._getframe(1), entry.ids) > 1:  # inside an outer forward of the model: let it finish
        return
    with _CHANGED:
        entry.waiting.add(me)
        try:
            while entry.changed and entry.count > 0:
                _CHANGED.wait()
        finally:
            entry.waiting.discard(me)


def _others_running(entry: _Eval) -> list[int]:
    """Threads (not holding or waiting for this model's eval blocks) inside a forward pass of the model."""
    import sys

    frames = sys._current_frames()
    return [t for t, f in frames.items()
            if t not in entry.owners and t not in entry.waiting and _forward_frames(f, entry.ids)]


def _enter_eval(model: Any) -> None:
    """Put ``model`` in eval mode for this thread's block, never under another thread's running forward pass."""
    import time

    me = threading.get_ident()
    with _ACTIVE_LOCK:
        entry = _ACTIVE.get(model)
        if entry is None:  # the first block on this model records the flags the last one restores
            entry = _ACTIVE[model] = _Eval(model)
            if entry.changed and not _GUARD:
                from torch.nn.modules.module import register_module_forward_pre_hook

                _GUARD.append(register_module_forward_pre_hook(_guard))
        entry.count += 1
        entry.owners[me] = entry.owners.get(me, 0) + 1
        first = entry.count == 1
    if not first:  # another block is putting (or has put) the model in eval mode
        entry.ready.wait()
        if entry.failed:
            _leave_eval(model)
            raise RuntimeError(entry.failed)
        return
    if entry.changed:  # new forward passes of other threads now wait; let running ones finish
        deadline = time.monotonic() + WAIT_FOR_OTHERS_S
        while (busy := _others_running(entry)) and time.monotonic() < deadline:
            time.sleep(0.001)
        if busy:
            entry.failed = (
                f"capture: another thread has been running {type(model).__name__} in train mode for "
                f"{WAIT_FOR_OTHERS_S:.0f} s; eval mode would reach its forward pass (the flag is shared by all "
                "threads). Capture between its steps, or pass eval_mode=False to leave the mode to you."
            )
            entry.ready.set()
            _leave_eval(model)
            raise RuntimeError(entry.failed)
    model.eval()
    entry.ready.set()


def _leave_eval(model: Any) -> None:
    me = threading.get_ident()
    with _CHANGED:
        entry = _ACTIVE.get(model)
        if entry is None:  # pragma: no cover - entered blocks always have an entry
            return
        entry.count -= 1
        entry.owners[me] -= 1
        if not entry.owners[me]:
            del entry.owners[me]
        if entry.count > 0:  # another block is still capturing: it restores the flags
            return
        for m, flag in entry.flags.items():
            m.training = flag
        del _ACTIVE[model]
        entry.changed = False
        _CHANGED.notify_all()
        if _GUARD and not any(e.changed for e in _ACTIVE.values()):
            _GUARD.pop().remove()


def _is_module_type(obj: Any) -> bool:
    import torch

    return isinstance(obj, type) and issubclass(obj, torch.nn.Module)


def default_layers(model: Any) -> list[str]:
    """The representations most users mean when they name none.

    1. A stack of blocks -- the longest ``nn.ModuleList`` of same-class, non-leaf
       modules (a transformer's layers) -- gives one layer per block.
    2. Otherwise every ``Linear``, convolution and recurrent module.
    3. Otherwise the model's top-level children.
    ``"input"`` comes first in all cases, so the input space is layer 0.
    """
    import torch.nn as nn
    from torch.nn.modules.conv import _ConvNd

    best: list[str] = []
    for name, mod in model.named_modules():
        if isinstance(mod, nn.ModuleList) and len(mod) > len(best):
            kids = list(mod)
            if kids and all(type(k) is type(kids[0]) and len(list(k.children())) > 0 for k in kids):
                best = [f"{name}.{i}" if name else str(i) for i in range(len(kids))]
    if not best:
        best = [n for n, m in model.named_modules() if n and isinstance(m, (nn.Linear, _ConvNd, nn.RNNBase))]
    if not best:
        best = [n for n, _ in model.named_children()]
    return [INPUT, *best]


def _glob_regex(pattern: str) -> re.Pattern[str]:
    """Module-name glob: ``*`` and ``?`` stay within one dotted part, ``**`` crosses dots."""
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if c == "*":
            out.append("[^.]*")
        elif c == "?":
            out.append("[^.]")
        elif c == "[":
            j = pattern.find("]", i + 2)
            if j < 0:
                out.append(re.escape(c))
            else:
                body = pattern[i + 1 : j]
                out.append("[" + ("^" + body[1:] if body.startswith("!") else body).replace("\\", "\\\\") + "]")
                i = j
        else:
            out.append(re.escape(c))
        i += 1
    return re.compile("".join(out) + r"\Z")


def explicit_layers(layers: Any, model: Any = None) -> set[str]:
    """The exact names (not patterns, types or ``"input"``) in a ``layers`` argument.

    With ``model``, a string that is the exact name of one of its modules counts as a
    name even when it holds glob characters (``'d.w[0]'``).
    """
    items = list(layers) if isinstance(layers, (list, tuple, set, frozenset)) else [layers]
    exact = {n for n, _ in model.named_modules()} if model is not None else set()
    return {i for i in items if isinstance(i, str) and i != INPUT and (i in exact or not (_GLOB_CHARS & set(i)))}


def resolve_layers(model: Any, layers: Any) -> list[str]:
    """Names of the modules selected by ``layers``, in the model's module order.

    ``layers`` is a name, a glob pattern, an ``nn.Module`` subclass, or a list of
    those; ``"input"`` is the model input. In patterns ``*`` matches within one
    dotted part (``"layer2.*"`` = the children of ``layer2``) and ``**`` crosses
    dots (``"layer2.**"`` = all its descendants).
    """
    names = [n for n, _ in model.named_modules() if n]
    modules = dict(model.named_modules())
    items = list(layers) if isinstance(layers, (list, tuple, set, frozenset)) else [layers]
    if not items:
        raise ValueError("layers must name at least one layer, got an empty list. Pass layers=None for the default.")
    chosen: set[str] = set()
    for item in items:
        if isinstance(item, str):
            if item == INPUT:
                chosen.add(INPUT)
            elif item in modules and item:  # an exact name first, even one holding '[' or '*'
                chosen.add(item)
            elif _GLOB_CHARS & set(item):
                rx = _glob_regex(item)
                hits = [n for n in names if rx.match(n)]
                if not hits:
                    raise ValueError(
                        f"layers pattern {item!r} matches no module of {type(model).__name__}."
                        f"{suggest(item, names)} tda_nn.list_layers(model) lists them."
                    )
                chosen.update(hits)
            elif item in modules and item:
                chosen.add(item)
            else:
                hint = suggest(item, [*names, INPUT]) or f" Some valid names: {names[:8]}."
                raise ValueError(
                    f"layers: {type(model).__name__} has no module named {item!r}.{hint} "
                    "tda_nn.list_layers(model) lists them all."
                )
        elif _is_module_type(item):
            hits = [n for n in names if isinstance(modules[n], item)]
            if not hits:
                present = sorted({type(m).__name__ for m in modules.values()})
                raise ValueError(
                    f"layers: {type(model).__name__} has no module of type {item.__name__}; "
                    f"its module types are {present}."
                )
            chosen.update(hits)
        else:
            raise TypeError(
                "layers must be a module name, a glob pattern, an nn.Module subclass or a list of "
                f"those, got {type(item).__name__} {item!r}."
            )
    return [n for n in [INPUT, *names] if n in chosen]


def first_tensor(output: Any, *, index: int | str | None = None, where: str = "output") -> Any:
    """The representation tensor inside a module output.

    Tensors pass through. Tuples/lists give their first tensor (``index`` picks
    another element). Dicts and Hugging Face ``ModelOutput`` give
    ``last_hidden_state``, else the last of ``hidden_states``, else their first
    tensor value (``index`` may be a key or a position). Returns ``None`` when
    the output holds no tensor.
    """
    import torch

    if isinstance(output, torch.Tensor):
        return output
    if index is not None:
        try:
            if isinstance(output, Mapping):
                item = output[index] if isinstance(index, str) else list(output.values())[index]
            else:
                item = output[index]
        except (IndexError, KeyError, TypeError) as exc:
            keys = list(output) if isinstance(output, Mapping) else f"{len(output)} items"
            raise ValueError(
                f"output_index={index!r} does not select from the {where} of type {type(output).__name__} "
                f"({keys}): {exc}."
            ) from None
        return first_tensor(item, where=where)
    if isinstance(output, Mapping):
        if isinstance(output.get("last_hidden_state"), torch.Tensor):
            return output["last_hidden_state"]
        hs = output.get("hidden_states")
        if isinstance(hs, (tuple, list)) and hs and isinstance(hs[-1], torch.Tensor):
            return hs[-1]
        values: Sequence[Any] = list(output.values())
    elif isinstance(output, (tuple, list)):
        values = output
    else:
        return None
    for v in values:
        t = first_tensor(v, where=where)
        if t is not None:
            return t
    return None


def call_input(args: tuple, kwargs: Mapping[str, Any]) -> Any:
    """The main input tensor of a model call: first positional tensor, else a known keyword."""
    import torch

    for a in args:
        if isinstance(a, torch.Tensor):
            return a
        if isinstance(a, Mapping):  # model(batch_dict)
            return call_input((), a)
    for k in _INPUT_KEYS:
        if isinstance(kwargs.get(k), torch.Tensor):
            return kwargs[k]
    for v in kwargs.values():
        if isinstance(v, torch.Tensor):
            return v
    return None


class Hooks:
    """Context manager: forward hooks on named modules that leave no trace.

    Parameters
    ----------
    model : torch.nn.Module
    names : sequence of str
        Module names as in ``model.named_modules()``; ``"input"`` means the model's
        input. For integer inputs (token ids), ``"input"`` is their embedding,
        ``model.get_input_embeddings()`` applied to them, when the model has one.
    on_output : callable ``(name, output) -> None``
        Called with the raw module output (tensor, tuple, ModelOutput...).
    on_call : callable ``(args, kwargs) -> None``, optional
        Called before each call of the root model with its inputs.
    on_return : callable ``() -> None``, optional
        Called after each call of the root model returns normally.
    eval_mode : bool, default=True
        Put the model in eval mode inside the block; ``False`` leaves the flags alone.

    On exit every handle is removed and, with ``eval_mode``, every module's
    ``training`` flag is restored to what it was (by the last of several blocks
    open on the model), whatever ended the block. Modules are never mutated.

    The ``training`` flag is an attribute of each module, so it is shared by every
    thread. An ``eval_mode`` block therefore never lets another thread run the
    model under it: it first waits for forward passes already running in other
    threads to finish, and while it holds the flags, a forward pass another thread
    starts waits at the door (a process-wide forward pre-hook, installed only while
    some model's flags are changed) until they are restored. A model already in
    eval mode is not guarded: nothing changes for anyone.

    Examples
    --------
    >>> import torch
    >>> model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU())
    >>> seen = {}
    >>> with Hooks(model, ["1"], lambda name, out: seen.setdefault(name, out.shape)):
    ...     _ = model(torch.zeros(2, 3))
    >>> seen
    {'1': torch.Size([2, 4])}
    """

    def __init__(
        self,
        model: Any,
        names: Sequence[str],
        on_output: Callable[[str, Any], None],
        *,
        on_call: Callable[[tuple, Mapping[str, Any]], None] | None = None,
        on_return: Callable[[], None] | None = None,
        eval_mode: bool = True,
    ):
        modules = dict(model.named_modules())
        missing = [n for n in names if n != INPUT and (not n or n not in modules)]
        if missing:
            raise ValueError(f"no module named {missing[0]!r} in {type(model).__name__}.")
        self.model = model
        self.names = list(names)
        self.on_output = on_output
        self.on_call = on_call
        self.on_return = on_return
        self.eval_mode = eval_mode
        self._modules = modules
        self._handles: list[Any] = []
        self._thread = threading.get_ident()
        self._entered = False

    def __enter__(self) -> Hooks:
        self._thread = threading.get_ident()
        if self.eval_mode:
            _enter_eval(self.model)
        self._entered = True
        try:
            self._handles.append(self.model.register_forward_pre_hook(self._pre, with_kwargs=True))
            if self.on_return is not None:
                self._handles.append(self.model.register_forward_hook(self._post))
            for name in self.names:
                if name != INPUT:
                    self._handles.append(self._modules[name].register_forward_hook(self._hook_for(name)))
        except BaseException:
            self._cleanup()
            raise
        return self

    def __exit__(self, *exc: Any) -> None:
        self._cleanup()

    def _cleanup(self) -> None:
        for h in self._handles:
            h.remove()
        self._handles.clear()
        if not getattr(self, "_entered", False):
            return
        self._entered = False
        if self.eval_mode:
            _leave_eval(self.model)

    def _mine(self) -> bool:
        """This forward pass runs in the thread that entered the block (hooks are per call)."""
        return threading.get_ident() == self._thread

    def _hook_for(self, name: str) -> Callable[..., None]:
        on_output = self.on_output
        mine = self._mine

        def hook(module: Any, args: Any, output: Any) -> None:
            if mine():
                on_output(name, output)

        return hook

    def _pre(self, module: Any, args: tuple, kwargs: dict | None = None) -> None:
        # kwargs may be missing: another thread's call that snapshotted the hooks before this block
        # removed its handle calls it later without them (torch reads the kwargs registry at call time)
        if not self._mine():
            return
        kwargs = {} if kwargs is None else kwargs
        if self.on_call is not None:
            self.on_call(args, kwargs)
        if INPUT in self.names:
            x = call_input(args, kwargs)
            if x is None:
                raise ValueError(
                    f"layer 'input': the call of {type(module).__name__} has no tensor input "
                    f"(positional types {[type(a).__name__ for a in args]}, keywords {list(kwargs)})."
                )
            if not (x.is_floating_point() or x.is_complex()):
                emb = getattr(module, "get_input_embeddings", None)
                emb = emb() if callable(emb) else None
                if emb is None:
                    raise ValueError(
                        f"layer 'input': the model input has integer dtype {x.dtype} (token ids?) and "
                        f"{type(module).__name__} has no get_input_embeddings(); capture its embedding "
                        "layer by name instead of 'input'."
                    )
                x = emb.forward(x)  # forward, not __call__: the embedding's own hooks stay silent
            self.on_output(INPUT, x)

    def _post(self, module: Any, args: Any, output: Any) -> None:
        if self.on_return is not None and self._mine():
            self.on_return()


# -- devices ------------------------------------------------------------------------------
def _model_device(model: Any) -> Any:
    import torch

    for t in (*model.parameters(), *model.buffers()):
        return t.device
    return torch.device("cpu")


def float_dtype(model: Any) -> Any:
    import torch

    for p in model.parameters():
        if p.is_floating_point():
            return p.dtype
    return torch.float32


def check_device(device: Any) -> Any:
    """``device`` as a ``torch.device`` that exists here, or a ``ValueError`` naming it and the fix."""
    import torch

    try:
        target = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(f"device must be a torch device such as 'cpu' or 'cuda:0', got {device!r} ({exc}).") from None
    if target.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device={device!r} but CUDA is not available in this torch build or machine; "
                         "use device=None (the model's own device) or 'cpu'.")
    if target.type == "cuda" and target.index is not None and target.index >= torch.cuda.device_count():
        raise ValueError(f"device={device!r} but only {torch.cuda.device_count()} CUDA devices are visible.")
    if target.type == "mps" and not (hasattr(torch.backends, "mps") and torch.backends.mps.is_available()):
        raise ValueError(f"device={device!r} but MPS is not available here; use device=None or 'cpu'.")
    if target.type == "meta":
        raise ValueError("device='meta' holds no values; use device=None or 'cpu'.")
    return target


@contextlib.contextmanager
def on_device(model: Any, device: Any) -> Iterator[Any]:
    """Run on ``device``; a model elsewhere is moved there and moved back afterwards."""
    import torch

    here = _model_device(model)
    target = check_device(device) if device is not None else here
    if target.type == "cuda" and target.index is None:
        target = torch.device("cuda", torch.cuda.current_device())
    if target == here:
        yield target
        return
    devices = {t.device for t in (*model.parameters(), *model.buffers())}
    if len(devices) > 1:
        raise ValueError(f"device={device!r}: the model is spread over {sorted(map(str, devices))}; leave device=None.")
    model.to(target)
    try:
        yield target
    finally:
        model.to(here)

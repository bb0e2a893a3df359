"""Loading models and checkpoints safely.

A checkpoint is data, and loading one must not run code: state dicts are read
with ``torch.load(weights_only=True)`` and ``.safetensors`` with safetensors. An
arbitrary pickle is refused unless the caller says it trusts the file (``trust=True``,
``--trust-checkpoint``). TorchScript archives are refused with a ``CheckpointError``
(capture needs forward hooks, which ScriptModules do not support), and an archive
whose declared tensor sizes exceed what it holds, or the memory budget, is refused
before ``torch.load`` allocates anything.
"""

from __future__ import annotations

import importlib
import pickletools
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .._files import inside
from ..budgets import check_budget, format_bytes
from ..validation import CheckpointError, suggest

__all__ = ["CheckpointError", "bundled_path", "is_torchscript", "load_checkpoint", "load_factory", "load_model",
           "load_model_spec", "model_fingerprint", "load_tensors", "refuse_torchscript", "save_state_dict"]

_DATA = Path(__file__).resolve().parents[2] / "data"




def bundled_path(name: str) -> Path:
    """Path of a file in the project's ``data/`` folder (never outside it: ``..`` and absolute paths are refused)."""
    path = inside(_DATA, name, what="name")
    if not path.exists():
        raise FileNotFoundError(f"bundled file {name!r} not found in {_DATA}; run the script beside it in data/.")
    return path


# modules that moved into the torch wing in 0.2; their old names keep working in model specs
_MOVED = {"tda_nn.zoo": "tda_nn.nn.zoo"}


def _split_spec(spec: Any) -> tuple[str, str]:
    """``'where:factory'`` -> (where, factory); the last colon splits, so ``C:\\x.py:f`` works."""
    if not isinstance(spec, str) or ":" not in spec:
        raise CheckpointError(f"model must look like 'package.module:factory' or 'path/to/file.py:factory', "
                              f"got {spec!r}.")
    where, _, attr = spec.rpartition(":")
    if not where or not attr.isidentifier():
        raise CheckpointError(f"model must look like 'package.module:factory' or 'path/to/file.py:factory' "
                              f"(the factory a Python name), got {spec!r}.")
    return where, attr


def _is_file_spec(where: str) -> bool:
    return where.endswith(".py") or "/" in where or "\\" in where


def _import_file(where: str, spec: str):
    """Import a Python file by path (relative to the working directory), its folder importable."""
    import importlib.util
    import sys

    path = Path(where)
    if path.suffix != ".py" and not path.exists() and path.with_suffix(".py").exists():
        path = path.with_suffix(".py")
    path = path.resolve()
    if not path.is_file():
        raise CheckpointError(f"model file {where!r} (in {str(Path.cwd())!r}) does not exist, for model {spec!r}.")
    if str(path.parent) not in sys.path:  # the factory's file may import its neighbours
        sys.path.insert(0, str(path.parent))
    name = path.stem
    held = sys.modules.get(name)
    if not name.isidentifier() or (held is not None and getattr(held, "__file__", None) != str(path)):
        name = f"tda_nn_model_{abs(hash(str(path)))}"
    loader_spec = importlib.util.spec_from_file_location(name, path)
    if loader_spec is None or loader_spec.loader is None:
        raise CheckpointError(f"model file {where!r} cannot be imported as Python, for model {spec!r}.")
    mod = importlib.util.module_from_spec(loader_spec)
    sys.modules[name] = mod  # classes defined in the file resolve their module (dataclasses, pickling)
    try:
        loader_spec.loader.exec_module(mod)
    except Exception as exc:
        sys.modules.pop(name, None)
        raise CheckpointError(f"model file {where!r} failed to import: {type(exc).__name__}: {exc}.") from None
    return mod


def _import_module(mod_name: str, spec: str):
    """Import a module by name; the working directory is searched too (after installed packages)."""
    import os
    import sys

    cwd = os.getcwd()
    if cwd not in sys.path and "" not in sys.path:
        sys.path.append(cwd)  # a console script does not put the working directory on the path
    try:
        return importlib.import_module(mod_name)
    except ImportError as exc:
        raise CheckpointError(f"cannot import module {mod_name!r} for model {spec!r}: {exc} "
                              f"(searched the installed packages and {cwd!r}).") from None
    except Exception as exc:
        raise CheckpointError(f"module {mod_name!r} failed to import: {type(exc).__name__}: {exc}.") from None


def load_factory(spec: str):
    """Import ``'package.module:factory'`` or ``'path/to/file.py:factory'`` and return the callable.

    A module name is looked up among the installed packages and then in the
    working directory; a file path (anything ending in ``.py`` or holding a
    ``/``) is relative to the working directory, and its folder becomes
    importable so the file can import its neighbours.
    """
    where, attr = _split_spec(spec)
    if _is_file_spec(where):
        mod = _import_file(where, spec)
    else:
        mod = _import_module(_MOVED.get(where, where), spec)
    obj = getattr(mod, attr, None)
    if obj is None or not callable(obj):
        # suggest only the module's own callables, not what it imported (``np``, ``nn``)
        names = [n for n in dir(mod) if not n.startswith("_") and callable(getattr(mod, n, None))
                 and getattr(getattr(mod, n), "__module__", None) == mod.__name__]
        raise CheckpointError(f"module {where!r} has no callable {attr!r}.{suggest(attr, names)}")
    return obj


def is_torchscript(path: str | Path) -> bool:
    """Whether ``path`` is a TorchScript archive (``torch.jit.save``): a zip with a ``code/`` folder."""
    return Path(path).is_file() and _is_torchscript(Path(path))


def _is_torchscript(path: Path) -> bool:
    if not zipfile.is_zipfile(path):
        return False
    with zipfile.ZipFile(path) as z:
        return any(n.split("/", 2)[1:2] == ["code"] for n in z.namelist() if "/" in n)


_ELEMENT_BYTES = {
    "DoubleStorage": 8, "FloatStorage": 4, "HalfStorage": 2, "BFloat16Storage": 2, "LongStorage": 8,
    "IntStorage": 4, "ShortStorage": 2, "CharStorage": 1, "ByteStorage": 1, "BoolStorage": 1,
    "ComplexFloatStorage": 8, "ComplexDoubleStorage": 16, "UntypedStorage": 1,
}  # fmt: skip
_MARK = object()
_SCALARS = {"BINUNICODE", "SHORT_BINUNICODE", "BINUNICODE8", "UNICODE", "BININT", "BININT1", "BININT2", "LONG1",
            "LONG4", "INT", "LONG", "BINSTRING", "SHORT_BINSTRING", "STRING"}


def _storages(pickle_bytes: bytes) -> list[tuple[str, str, int]]:
    """``(key, storage type, numel)`` of every tensor storage a ``torch.save`` pickle declares.

    The pickle is only read (``pickletools.genops``), never executed: a small stack
    machine follows strings, ints, globals, tuples and the memo, enough to see the
    persistent ids ``('storage', torch.XStorage, key, location, numel)``.
    """
    stack: list[Any] = []
    memo: dict[Any, Any] = {}
    found = []
    for op, arg, _ in pickletools.genops(pickle_bytes):
        name = op.name
        if name == "MARK":
            stack.append(_MARK)
            continue
        before = op.stack_before
        if pickletools.markobject in before:
            popped = []
            while stack and stack[-1] is not _MARK:
                popped.append(stack.pop())
            if stack:
                stack.pop()
            popped.reverse()
            for _ in range(before.index(pickletools.markobject)):
                if stack:
                    stack.pop()
        else:
            k = min(len(before), len(stack))
            popped = stack[len(stack) - k:]
            del stack[len(stack) - k:]
        value: Any = None
        if name in _SCALARS:
            value = arg
        elif name == "GLOBAL":
            value = ("global", str(arg))
        elif name == "STACK_GLOBAL" and len(popped) == 2:
            value = ("global", f"{popped[0]} {popped[1]}")
        elif name in ("TUPLE", "TUPLE1", "TUPLE2", "TUPLE3"):
            value = tuple(popped)
        elif name in ("BINGET", "LONG_BINGET", "GET"):
            value = memo.get(arg)
        elif name in ("BINPUT", "LONG_BINPUT", "PUT"):
            memo[arg] = stack[-1] if stack else None
        elif name == "MEMOIZE":
            memo[len(memo)] = stack[-1] if stack else None
        elif name in ("BINPERSID", "PERSID"):
            pid = popped[0] if name == "BINPERSID" and popped else None
            if isinstance(pid, tuple) and len(pid) >= 5 and pid[0] == "storage" and isinstance(pid[-1], int):
                kind = pid[1][1].split(" ")[-1] if isinstance(pid[1], tuple) else "UntypedStorage"
                found.append((str(pid[2]), kind, int(pid[-1])))
        stack.extend([value] * len(op.stack_after))
    return found


def _check_archive(path: Path, max_memory: Any = None) -> None:
    """Refuse, before ``torch.load``, a checkpoint zip that is TorchScript or declares more than it holds.

    The zip directory gives every entry's size; the pickle (read, not run) gives every
    storage's element count. A storage larger than its data entry, or a total above
    the memory budget, is refused before anything is allocated.
    """
    with zipfile.ZipFile(path) as z:
        infos = z.infolist()
        names = {i.filename: i for i in infos}
        tops = {n.split("/", 1)[0] for n in names if "/" in n}
        prefix = tops.pop() if len(tops) == 1 else ""
        subdirs = {n.split("/")[1] for n in names if n.count("/") >= 2}
        if "code" in subdirs:
            genuine = f"{prefix}/constants.pkl" in names
            raise CheckpointError(
                f"checkpoint {str(path)!r} is a TorchScript archive (it holds code/): tda_nn reads activations "
                "through forward hooks, which ScriptModules do not support; refused. Save the eager model's "
                "state dict (torch.save(model.state_dict(), path)) and pass --model package.module:factory."
                if genuine else
                f"checkpoint {str(path)!r} is a torch.save archive that also holds a code/ folder, which "
                "torch.save never writes: the file is damaged or crafted; refused."
            )
        declared = sum(i.file_size for i in infos)
        check_budget(declared, f"the entries of checkpoint {str(path)!r}", max_memory,
                     hint="The archive declares more than fits in memory; it is damaged or not a state dict.")
        pkl = names.get(f"{prefix}/data.pkl") if prefix else names.get("data.pkl")
        if pkl is None:
            return
        try:
            storages = _storages(z.read(pkl))
        except Exception as exc:  # pickletools raises ValueError and friends on a damaged pickle
            raise CheckpointError(f"checkpoint {str(path)!r} has a damaged data.pkl ({type(exc).__name__}: {exc}).") from None
    total = 0
    for key, kind, numel in storages:
        need = numel * _ELEMENT_BYTES.get(kind, 16)
        entry = names.get(f"{prefix}/data/{key}" if prefix else f"data/{key}")
        have = entry.file_size if entry is not None else 0
        if numel < 0 or need > have:
            raise CheckpointError(
                f"checkpoint {str(path)!r} declares a {kind} of {numel} elements ({format_bytes(max(need, 0))}) "
                f"for data/{key}, which holds {format_bytes(have)}: the file is damaged or crafted; refused."
            )
        total += need
    check_budget(total, f"the tensors declared in checkpoint {str(path)!r}", max_memory,
                 hint="Load it on a machine with more memory.")


def refuse_torchscript(path: str | Path, *, what: str = "checkpoint") -> None:
    """Raise ``CheckpointError`` when ``path`` is a TorchScript archive, whose layers cannot be hooked."""
    if is_torchscript(path):
        raise CheckpointError(
            f"{what} {str(path)!r} is a TorchScript archive: compiled modules run no forward hooks, so no "
            "layer can be captured. Give the Python model (--model file.py:factory) and its state dict "
            "(torch.save(model.state_dict(), path))."
        )


def load_model_spec(spec: str | None, checkpoint: str | Path | None = None, *, trust: bool = False,
                    device: Any = None) -> tuple[Any, Any]:
    """The model a command line names, and its tokenizer (or None).

    ``spec`` is ``'package.module:factory'``, ``'path/to/file.py:factory'``, or a
    local Hugging Face directory (``'hf:PATH'``, or any directory holding a
    ``config.json``), loaded offline by :func:`tda_nn.nn.hf.load_pretrained`.
    ``checkpoint`` (a state dict or ``.safetensors``) is loaded into the model;
    TorchScript archives are refused before anything is loaded. ``device``
    (``'cpu'``, ``'cuda:1'``, ...) is where the model is moved.

    Returns
    -------
    model : torch.nn.Module, in eval mode
    tokenizer : the Hugging Face tokenizer, or None
    """
    where = _check_device(device)
    if checkpoint is not None:
        refuse_torchscript(checkpoint)
    if isinstance(spec, str) and (spec.startswith("hf:") or Path(spec).is_dir()):
        from .hf import load_pretrained

        model, tokenizer = load_pretrained(spec[3:] if spec.startswith("hf:") else spec)
        if checkpoint is not None:
            model = load_model(lambda: model, checkpoint, trust=trust)
        return (model if where is None else model.to(where)), tokenizer
    if isinstance(spec, str) and ":" not in spec and Path(spec).is_file():
        refuse_torchscript(spec, what="model")
        if spec.endswith(".py"):
            raise CheckpointError(f"model {spec!r} names a file but not the function in it that builds the "
                                  f"model: give '{spec}:factory'.")
        raise CheckpointError(f"model {spec!r} is a file, not a factory: give it as the checkpoint and name "
                              "the architecture as 'package.module:factory' or 'file.py:factory'.")
    factory = load_factory(spec) if spec is not None else None  # a wrong path is named before the checkpoint
    model = load_model(factory, checkpoint, trust=trust)
    return (model if where is None else model.to(where)), None


def _check_device(device: Any) -> Any:
    """``device`` as a ``torch.device`` that exists here, or None."""
    if device is None:
        return None
    import torch

    try:
        where = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(f"device must be like 'cpu', 'cuda', 'cuda:1' or 'mps', got {device!r} ({exc}).") from None
    if where.type == "cuda" and (not torch.cuda.is_available() or (where.index or 0) >= torch.cuda.device_count()):
        raise ValueError(f"device {device!r} is not available here: torch sees {torch.cuda.device_count()} CUDA "
                         "devices. Give device='cpu'.")
    if where.type == "mps" and not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
        raise ValueError(f"device {device!r} is not available here (no Apple MPS). Give device='cpu'.")
    return where


def load_checkpoint(path: str | Path, *, trust: bool = False) -> Any:
    """Read a checkpoint without running code from it.

    Returns a state dict (``{name: tensor}``), or a whole model for a trusted
    pickle. Nested ``{"state_dict": ...}`` / ``{"model": ...}`` dicts are unwrapped.
    ``trust=True`` allows full unpickling (only for files you trust: unpickling can
    execute arbitrary code). Before ``torch.load`` the archive is checked: a
    TorchScript archive is refused (forward hooks do not work on ScriptModules), and
    tensors whose declared sizes exceed what the file holds or the memory budget are
    refused before anything is allocated.
    """
    import torch

    if not isinstance(path, (str, Path)):
        raise TypeError(f"path must be a file path (str or pathlib.Path), got {type(path).__name__} {path!r}.")
    path = Path(path)
    if not path.exists():
        raise CheckpointError(f"checkpoint {str(path)!r} does not exist.")
    from .._files import require_regular

    require_regular(path, what="checkpoint", error=CheckpointError)  # a named pipe would block torch.load
    if path.suffix == ".safetensors":
        from .._optional import import_optional

        st = import_optional("safetensors.torch")
        try:
            return st.load_file(str(path))
        except Exception as exc:  # safetensors raises its own error types
            raise CheckpointError(f"checkpoint {str(path)!r} is not a readable safetensors file: {exc}.") from None
    if zipfile.is_zipfile(path):
        _check_archive(path)
    try:
        obj = torch.load(path, map_location="cpu", weights_only=not trust)
    except Exception as exc:
        text = str(exc)
        if not trust and ("weights_only" in text or "Unsupported global" in text or "Unpickler" in text):
            raise CheckpointError(
                f"checkpoint {str(path)!r} holds pickled Python objects that could run code when loaded; refused. "
                "Save a state dict (torch.save(model.state_dict(), path)) or, only if you trust the file, "
                "pass --trust-checkpoint (trust=True)."
            ) from None
        raise CheckpointError(f"checkpoint {str(path)!r} could not be read: {text.splitlines()[0] if text else exc!r}.") from None
    if isinstance(obj, Mapping):
        for key in ("state_dict", "model_state_dict", "model"):
            if key in obj and isinstance(obj[key], Mapping):
                return dict(obj[key])
        return dict(obj)
    if isinstance(obj, torch.nn.Module):
        return obj
    raise CheckpointError(f"checkpoint {str(path)!r} holds a {type(obj).__name__}, not a state dict or a model.")


def load_model(factory: Any, checkpoint: str | Path | None = None, *, trust: bool = False):
    """Build a model from ``factory`` (a callable or ``'pkg.module:factory'``) and load ``checkpoint`` into it.

    A state dict that does not fit raises ``CheckpointError`` listing missing and
    unexpected keys. A checkpoint that is a whole model (a trusted pickle) is
    returned as it is.
    """
    import torch

    if checkpoint is not None:
        ckpt = load_checkpoint(checkpoint, trust=trust)
        if isinstance(ckpt, torch.nn.Module):
            return ckpt.eval()
    else:
        ckpt = None
    if factory is None:
        raise CheckpointError("model is required: give --model package.module:factory to rebuild the architecture.")
    build = load_factory(factory) if isinstance(factory, str) else factory
    try:
        model = build()
    except Exception as exc:
        raise CheckpointError(f"model factory {factory!r} failed: {type(exc).__name__}: {exc}.") from None
    if not isinstance(model, torch.nn.Module):
        raise CheckpointError(f"model factory {factory!r} returned a {type(model).__name__}, not a torch.nn.Module.")
    if ckpt is not None:
        mine = model.state_dict()
        missing = sorted(set(mine) - set(ckpt))
        unexpected = sorted(set(ckpt) - set(mine))
        if missing or unexpected:
            raise CheckpointError(
                f"checkpoint {str(checkpoint)!r} does not fit the model: missing keys {missing[:8]}"
                f"{' ...' if len(missing) > 8 else ''}, unexpected keys {unexpected[:8]}{' ...' if len(unexpected) > 8 else ''}."
            )
        bad = [k for k in mine if tuple(mine[k].shape) != tuple(ckpt[k].shape)]
        if bad:
            k = bad[0]
            raise CheckpointError(
                f"checkpoint {str(checkpoint)!r} does not fit the model: {k} has shape {tuple(ckpt[k].shape)} "
                f"in the checkpoint and {tuple(mine[k].shape)} in the model ({len(bad)} such keys)."
            )
        model.load_state_dict(ckpt)
    return model.eval()


def load_tensors(path: str | Path) -> Any:
    """Load a ``.pt`` file of tensors safely (``weights_only=True``: no code runs), on the CPU."""
    import torch

    from .._files import require_regular

    return torch.load(require_regular(path, what="path"), map_location="cpu", weights_only=True)


def save_state_dict(model: Any, path: str | Path) -> Path:
    """Save ``model.state_dict()`` to ``path`` (loadable with :func:`load_model`); returns the path."""
    import torch

    path = Path(path)
    torch.save(model.state_dict(), path)
    return path


def model_fingerprint(model: Any) -> str:
    """A short SHA-256 of a model's class and weights: equal for equal ``state_dict`` s, across processes.

    Every entry of ``model.state_dict()`` (parameters and buffers) counts by name,
    dtype, shape and bytes, so a cached stage of a workflow is reused only for the
    same weights. A model without ``state_dict`` counts by its class alone.
    """
    from ..store import fingerprint

    parts: list[Any] = [f"{type(model).__module__}.{type(model).__qualname__}"]
    state = model.state_dict() if hasattr(model, "state_dict") else {}
    for name, t in state.items():
        if hasattr(t, "detach"):
            t = t.detach().cpu()
            if str(t.dtype) == "torch.bfloat16":
                t = t.float()
            t = t.numpy()
        parts.extend([name, t])
    return fingerprint(*parts)

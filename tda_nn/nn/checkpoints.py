"""Loading models and checkpoints safely.

A checkpoint is data, and loading one must not run code: state dicts are read
with ``torch.load(weights_only=True)``, ``.safetensors`` with safetensors, and
TorchScript archives with ``torch.jit.load``. An arbitrary pickle is refused
unless the caller says it trusts the file (``trust=True``, ``--trust-checkpoint``).
"""

from __future__ import annotations

import importlib
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..validation import CheckpointError, suggest

__all__ = ["CheckpointError", "bundled_path", "load_checkpoint", "load_factory", "load_model", "load_tensors",
           "save_state_dict"]

_DATA = Path(__file__).resolve().parents[2] / "data"




def bundled_path(name: str) -> Path:
    """Path of a file in the project's ``data/`` folder."""
    path = _DATA / name
    if not path.exists():
        raise FileNotFoundError(f"bundled file {name!r} not found in {_DATA}; run the script beside it in data/.")
    return path


# modules that moved into the torch wing in 0.2; their old names keep working in model specs
_MOVED = {"tda_nn.zoo": "tda_nn.nn.zoo"}


def load_factory(spec: str):
    """Import ``'pkg.module:factory'`` and return the callable."""
    if not isinstance(spec, str) or spec.count(":") != 1:
        raise CheckpointError(f"model must look like 'package.module:factory', got {spec!r}.")
    mod_name, attr = spec.split(":")
    mod_name = _MOVED.get(mod_name, mod_name)
    try:
        mod = importlib.import_module(mod_name)
    except ImportError as exc:
        raise CheckpointError(f"cannot import module {mod_name!r} for model {spec!r}: {exc}.") from None
    obj = getattr(mod, attr, None)
    if obj is None or not callable(obj):
        # suggest only the module's own callables, not what it imported (``np``, ``nn``)
        names = [n for n in dir(mod) if not n.startswith("_") and callable(getattr(mod, n, None))
                 and getattr(getattr(mod, n), "__module__", None) == mod.__name__]
        raise CheckpointError(f"module {mod_name!r} has no callable {attr!r}.{suggest(attr, names)}")
    return obj


def _is_torchscript(path: Path) -> bool:
    if not zipfile.is_zipfile(path):
        return False
    with zipfile.ZipFile(path) as z:
        return any(n.split("/", 2)[1:2] == ["code"] for n in z.namelist() if "/" in n)


def load_checkpoint(path: str | Path, *, trust: bool = False) -> Any:
    """Read a checkpoint without running code from it.

    Returns a state dict (``{name: tensor}``), or a ``torch.jit.ScriptModule`` for
    TorchScript archives. Nested ``{"state_dict": ...}`` / ``{"model": ...}`` dicts
    are unwrapped. ``trust=True`` allows full unpickling (only for files you trust:
    unpickling can execute arbitrary code).
    """
    import torch

    path = Path(path)
    if not path.exists():
        raise CheckpointError(f"checkpoint {str(path)!r} does not exist.")
    if path.suffix == ".safetensors":
        from .._optional import import_optional

        st = import_optional("safetensors.torch")
        try:
            return st.load_file(str(path))
        except Exception as exc:  # safetensors raises its own error types
            raise CheckpointError(f"checkpoint {str(path)!r} is not a readable safetensors file: {exc}.") from None
    if _is_torchscript(path):
        return torch.jit.load(str(path), map_location="cpu")
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
    unexpected keys. A checkpoint that is a whole model (TorchScript, or a trusted
    pickle) is returned as it is when ``factory`` is None.
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

    return torch.load(Path(path), map_location="cpu", weights_only=True)


def save_state_dict(model: Any, path: str | Path) -> Path:
    """Save ``model.state_dict()`` to ``path`` (loadable with :func:`load_model`); returns the path."""
    import torch

    path = Path(path)
    torch.save(model.state_dict(), path)
    return path

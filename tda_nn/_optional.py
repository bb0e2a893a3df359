"""Lazy imports of optional engines, with an error that names the extra to install."""

from __future__ import annotations

import importlib
from types import ModuleType

__all__ = ["has_module", "import_optional"]

# module name -> (pip extra, what it is for)
_EXTRAS = {
    "gph": ("fast", "giotto-ph, the parallel Rips engine"),
    "transformers": ("hf", "Hugging Face transformers"),
    "dask": ("dask", "Dask"),
    "distributed": ("dask", "dask.distributed"),
    "torch": ("torch", "PyTorch"),
    "safetensors": ("hf", "safetensors"),
}


def has_module(name: str) -> bool:
    """True when ``name`` can be imported (the import is attempted once and cached)."""
    try:
        importlib.import_module(name)
    except ImportError:
        return False
    return True


def import_optional(name: str) -> ModuleType:
    """Import ``name`` or raise an ``ImportError`` that says which extra brings it."""
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        extra, what = _EXTRAS.get(name.split(".")[0], (None, name))
        hint = f'pip install "tda_nn[{extra}]"' if extra else f"pip install {name}"
        raise ImportError(f"{what} is needed for this and is not installed: {hint}") from exc

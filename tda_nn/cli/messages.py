"""Messages of the ``tda-nn`` command in its own words: flags, not the Python parameters behind them.

Floor: application (no import of its own floor or below but the standard library).
"""

from __future__ import annotations

import re
import sys
from typing import Any

__all__ = ["flag_of", "show_warning", "speak_flags"]

# Python parameter -> the flag that sets it, where the flag's name differs from --name-with-dashes
_FLAG_NAMES = {"n_bootstrap": "--bootstrap", "trust": "--trust-checkpoint", "models": "--model"}
_TRUE = {"regions": "--regions on"}  # ``param=True`` where the flag takes a value
_PARAMS = ("layers", "reduce", "max_samples", "max_points", "maxdim", "max_length", "batch_size", "device", "n_jobs",
           "seed", "title", "distance", "metric", "scales", "n_bootstrap", "alpha", "per_class", "class_names",
           "probe", "probe_kind", "probe_layers", "regions", "trust", "data", "model")


def flag_of(param: str) -> str:
    """The flag that sets the Python parameter ``param``: ``max_points`` -> ``--max-points``."""
    return _FLAG_NAMES.get(param, "--" + param.replace("_", "-"))


def speak_flags(text: str, command: str = "analyze") -> str:
    """Rewrite a library message for the command line: ``layers=`` -> ``--layers``, and so on."""
    names = "|".join(sorted(_PARAMS, key=len, reverse=True))
    text = re.sub(rf"\b({names})=None\b", lambda m: f"no {flag_of(m.group(1))}", text)
    text = re.sub(rf"\b({names})=True\b", lambda m: _TRUE.get(m.group(1), flag_of(m.group(1))), text)
    text = re.sub(rf"\b({names})=(?=[\s,;.)]|$)", lambda m: flag_of(m.group(1)), text)
    text = re.sub(rf"\b({names})=", lambda m: flag_of(m.group(1)) + " ", text)
    # parameter names with an underscore are never English: rename them wherever they stand
    text = re.sub(r"(?<![-\w.])(" + "|".join(p for p in _PARAMS if "_" in p) + r")\b(?![=(])",
                  lambda m: flag_of(m.group(1)), text)
    text = re.sub(r"^(layers|reduce|distance|metric|seed|alpha|scales|device)\b", lambda m: flag_of(m.group(1)), text)
    text = re.sub(r"tda_nn\.list_layers\(model(, \w+)?\)", f"tda-nn {command} --dry-run", text)
    return re.sub(r"(--[\w-]+) \(\1\)", r"\1", text)  # "--trust-checkpoint (trust=True)" said the flag twice


def show_warning(command: str, message: Any, category: type, filename: str, lineno: int, file: Any = None,
                 line: Any = None) -> None:
    """Warnings as one line each, in flags, without the source line Python would print."""
    kind = "warning" if category is UserWarning else category.__name__
    text = " ".join(str(message).split())
    print(f"tda-nn {command}: {kind}: {speak_flags(text, command)}", file=sys.stderr)

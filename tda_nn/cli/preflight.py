"""What the command line checks before any work: ``--out``, ``--data``, ``--max-length`` and every settings flag.

A mistake in a flag is found here, in a second, not after the model is loaded and the
data captured: ``--out`` naming an existing file, ``--data`` naming something that is not
an array file (a pickled ``.npy``, a named pipe, a text file with an array suffix),
``--max-length 0``, and every value the workflow's settings refuse (the settings are
built from the flags here, once, exactly as the workflow will build them). Each is a
``UsageError`` (or ``DataError``) of one line naming the flag: exit code 2.

Floor: application.
"""

from __future__ import annotations

import argparse
import os
import zipfile
from pathlib import Path
from typing import Any

from ..workflows.settings import cli_fields
from .data import _ARRAY_SUFFIXES, TEXT_SUFFIXES, DataError
from .flags import flag_name
from .loading import UsageError

__all__ = ["check_data", "check_out", "preflight"]


def check_out(out: Any, *, page: bool = False) -> None:
    """``--out``: a directory, or a path where one can be made; never an existing file.

    With ``page=True`` (``tda-nn mapper``, whose ``--out`` is one HTML file) the rule turns
    round: an existing regular file is replaced, a directory is refused.
    """
    if out is None:
        return
    p = Path(out)
    if page:
        if p.is_dir() or (p.exists() and not p.is_file()):
            raise UsageError(f"--out {str(out)!r} is a directory or not a regular file; give the path of the page "
                             "to write (e.g. mapper.html).")
    elif p.exists() and not p.is_dir():
        raise UsageError(f"--out {str(out)!r} exists and is not a directory; give a directory for the report "
                         "(a new one, or one a previous run wrote).")
    probe = p.parent if page else p  # a page's folder must take the file; a report's folder, its new entry
    while not probe.exists():  # the nearest existing folder above it must take a new entry
        if probe.parent == probe:
            break
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        raise UsageError(f"--out {str(out)!r} lies under {str(probe)!r}, which is a file, not a directory.")
    if probe.exists() and not os.access(probe, os.W_OK | os.X_OK):
        raise UsageError(f"--out {str(out)!r}: {str(probe)!r} cannot be written (permission denied).")


def check_data(spec: Any) -> None:
    """``--data`` naming a file: it exists, is a regular file and, for arrays, holds numbers (headers only)."""
    from .._files import check_npz, npy_header_bytes, open_regular, require_regular

    if not isinstance(spec, str) or spec in ("digits", "digits:flat"):
        return
    path = Path(spec)
    if path.suffix not in _ARRAY_SUFFIXES + TEXT_SUFFIXES:
        if ":" in spec and not path.is_dir():
            return  # package.module:function, checked when it is imported
        what = "a directory" if path.is_dir() else "none of the forms it takes"
        raise DataError(f"--data {spec!r} is {what}: give 'digits', 'digits:flat', a .npy/.npz/.pt file, a "
                        ".txt/.jsonl/.csv file of texts, or package.module:function.")
    if not path.exists():
        raise DataError(f"--data {spec!r} does not exist.")
    try:
        require_regular(path, what="--data")
        if path.suffix == ".npy":
            with open_regular(path, what="--data") as f:
                _, shape, dtype = npy_header_bytes(f)
            _numeric(dtype, spec, "")
        elif path.suffix == ".npz":
            check_npz(path)
            with open_regular(path, what="--data") as raw, zipfile.ZipFile(raw) as z:
                names = [n[:-4] if n.endswith(".npy") else n for n in z.namelist()]
                if "X" not in names:
                    raise DataError(f"--data {spec!r} must hold an array named 'X' (and optionally 'y'), has {names}.")
                for key in ("X", "y"):
                    if key in names:
                        with z.open(key + ".npy") as f:
                            _numeric(npy_header_bytes(f)[2], spec, f" (its {key!r})")
    except DataError:
        raise
    except (ValueError, OSError, zipfile.BadZipFile, EOFError) as exc:
        text = str(exc)
        if text.startswith("--data"):
            raise DataError(text) from None
        raise DataError(f"--data {spec!r} is not a readable {path.suffix} array file: {text}.") from None


def _numeric(dtype: Any, spec: str, which: str) -> None:
    if dtype.kind not in "biuf":
        raise DataError(f"--data {spec!r}{which} holds {dtype} values, not numbers; save a numeric array "
                        "(np.save(path, X.astype(np.float32))).")


def preflight(args: argparse.Namespace, settings_cls: Any = None) -> None:
    """Every check that needs no model and no data, before any work.

    ``settings_cls`` (the command's settings dataclass) is built from the flags as the
    workflow will build it, so every value it refuses is refused now, by its flag.
    """
    check_out(getattr(args, "out", None), page=getattr(args, "command", None) == "mapper")
    max_length = getattr(args, "max_length", None)
    if max_length is not None and max_length < 1:
        raise UsageError(f"--max-length must be >= 1 (tokens per text), got {max_length}.")
    check_data(getattr(args, "data", None))
    if settings_cls is not None:
        from .analyze import given_and_defaults

        given, defaults = given_and_defaults(args, settings_cls)
        try:
            settings_cls(**{**defaults, **given})
        except (ValueError, TypeError) as exc:
            raise UsageError(_in_flags(str(exc), settings_cls, given, defaults)) from None


def _in_flags(text: str, settings_cls: Any, given: dict, defaults: dict) -> str:
    """The settings' message with the field's flag in front: ``maxdim must be`` -> ``--maxdim must be``;
    a message that names no field (``unknown action name 'spin'``) gets the flag of the value that fails alone."""
    fields = {f.name: f for f in cli_fields(settings_cls)}
    for name, f in fields.items():
        if text.startswith(name + " ") or text.startswith(name + "="):
            return flag_name(f) + text[len(name):]
    for name in given:
        if name not in fields:
            continue
        try:
            settings_cls(**{**defaults, name: given[name]})
        except (ValueError, TypeError):
            flag = flag_name(fields[name])
            return text if flag in text else f"{flag}: {text}"
    return text

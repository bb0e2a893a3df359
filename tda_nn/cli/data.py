"""What ``tda-nn --data`` can name, read without torch: arrays, the digits, and texts.

Texts (a ``.txt`` file, one example a line, or a ``.jsonl``/``.csv`` file with a
``text`` column and an optional ``label`` column) come back as :class:`Texts`; the
command line tokenizes them with the model's tokenizer (:mod:`tda_nn.nn.hf`).

Floor: application (numpy; the torch wing's safe tensor loading inside functions).
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["TEXT_SUFFIXES", "DataError", "Texts", "load_data", "read_texts"]

TEXT_SUFFIXES = (".txt", ".jsonl", ".csv")
_ARRAY_SUFFIXES = (".npy", ".npz", ".pt", ".pth")


class DataError(ValueError):
    """``--data`` names something that cannot be read: one line, exit code 2."""


@dataclass(frozen=True, repr=False)
class Texts:
    """Texts to tokenize, with labels when the file has them.

    Attributes
    ----------
    texts : tuple of str, length n_samples
    labels : ndarray of int of shape (n_samples,) or None
        Class indices; string labels are numbered in sorted order.
    class_names : tuple of str or None
        The name of each class index, when the labels were strings.
    source : str
    """

    texts: tuple[str, ...]
    labels: np.ndarray | None = None
    class_names: tuple[str, ...] | None = None
    source: str = ""

    def __len__(self) -> int:
        return len(self.texts)

    def __repr__(self) -> str:
        classes = "" if self.labels is None else f", {len(np.unique(self.labels))} classes"
        return f"Texts({len(self.texts)} texts from {self.source!r}{classes})"


def _labels(raw: list[Any], source: str) -> tuple[np.ndarray | None, tuple[str, ...] | None]:
    """Labels as class indices: integers stay, strings are numbered in sorted order."""
    present = [r for r in raw if r is not None and str(r).strip() != ""]
    if not present:
        return None, None
    if len(present) != len(raw):
        raise DataError(f"data file {source!r}: {len(raw) - len(present)} of {len(raw)} rows have no label; "
                        "label every row or none.")
    try:
        ints = [int(r) for r in raw]
        if all(float(r) == i for r, i in zip(raw, ints)):
            return np.asarray(ints, dtype=np.int64), None
    except (TypeError, ValueError):
        pass
    names = tuple(sorted({str(r) for r in raw}))
    index = {n: i for i, n in enumerate(names)}
    return np.asarray([index[str(r)] for r in raw], dtype=np.int64), names


def read_texts(path: str | Path) -> Texts:
    """Read texts (and labels) from a ``.txt``, ``.jsonl`` or ``.csv`` file.

    ``.txt``: one example a line, blank lines skipped. ``.jsonl``: one JSON object
    a line with a ``"text"`` key and an optional ``"label"``. ``.csv``: a header row
    with a ``text`` column and an optional ``label`` column.
    """
    path = Path(path)
    source = str(path)
    if not path.is_file():
        raise DataError(f"data file {source!r} does not exist.")
    texts: list[str] = []
    raw: list[Any] = []
    if path.suffix == ".txt":
        texts = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    elif path.suffix == ".jsonl":
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DataError(f"data file {source!r}, line {i}: not JSON ({exc.msg}).") from None
            if not isinstance(row, dict) or not isinstance(row.get("text"), str):
                raise DataError(f"data file {source!r}, line {i}: each line must be an object with a \"text\" "
                                f"string (and optionally \"label\"), got {line[:60]!r}.")
            texts.append(row["text"])
            raw.append(row.get("label"))
    elif path.suffix == ".csv":
        with path.open(newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            if reader.fieldnames is None or "text" not in reader.fieldnames:
                raise DataError(f"data file {source!r} must have a header row with a 'text' column (and optionally "
                                f"'label'), got columns {reader.fieldnames}.")
            for row in reader:
                texts.append(row["text"] or "")
                raw.append(row.get("label"))
    else:
        raise DataError(f"data file {source!r}: texts must be in a .txt, .jsonl or .csv file.")
    if not texts:
        raise DataError(f"data file {source!r} holds no text.")
    labels, names = _labels(raw, source) if raw else (None, None)
    return Texts(tuple(texts), labels, names, source)


def _digits(flat: bool) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).astype(np.float32)
    return (X if flat else X.reshape(-1, 1, 8, 8)), y


def _arrays(path: Path, spec: str) -> Any:
    if path.suffix == ".npy":
        return np.load(path, allow_pickle=False)
    if path.suffix == ".npz":
        with np.load(path, allow_pickle=False) as z:
            if "X" not in z:
                raise DataError(f"data file {spec!r} must hold an array named 'X' (and optionally 'y'), has {list(z)}.")
            return (z["X"], z["y"]) if "y" in z else z["X"]
    from ..nn.checkpoints import load_tensors

    try:
        obj = load_tensors(path)
    except Exception as exc:
        raise DataError(f"data file {spec!r} could not be read safely: {str(exc).splitlines()[0]}") from None
    if isinstance(obj, dict) and "X" in obj:
        return (obj["X"], obj["y"]) if "y" in obj else obj["X"]
    return tuple(obj) if isinstance(obj, list) else obj


def load_data(spec: str) -> Any:
    """Resolve ``--data``.

    ``'digits'`` (8x8 images, with labels), ``'digits:flat'`` (64 features), a
    ``.npy``/``.npz``/``.pt`` file (``.npz``/``.pt`` with ``X`` and optionally
    ``y``), a ``.txt``/``.jsonl``/``.csv`` file of texts (a :class:`Texts`), or
    ``'package.module:function'`` / ``'file.py:function'`` returning the data.
    """
    if spec in ("digits", "digits:flat"):
        return _digits(spec == "digits:flat")
    path = Path(spec)
    if path.suffix in _ARRAY_SUFFIXES:
        if not path.exists():
            raise DataError(f"data file {spec!r} does not exist.")
        return _arrays(path, spec)
    if path.suffix in TEXT_SUFFIXES:
        return read_texts(path)
    if ":" in spec:
        from ..nn.checkpoints import load_factory

        return load_factory(spec)()
    raise DataError(f"--data must be 'digits', 'digits:flat', a .npy/.npz/.pt file, a .txt/.jsonl/.csv file of "
                    f"texts, or package.module:function, got {spec!r}.")

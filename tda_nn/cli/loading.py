"""What the workflow commands load: the model (and its tokenizer) from ``--model``/``--checkpoint``, and ``--data``.

Floor: application (the torch wing's checkpoint loading and tokenizer inside functions).
"""

from __future__ import annotations

import argparse
import inspect
import warnings
from typing import Any

from .data import Texts, load_data
from .messages import flag_of

__all__ = ["UsageError", "call", "load_inputs", "load_model"]

_ZOO = ("tda_nn.zoo:", "tda_nn.nn.zoo:")


class UsageError(Exception):
    """A mistake in the command line or its inputs: one line, exit code 2."""


def load_model(args: argparse.Namespace, checkpoint: str | None) -> tuple[Any, Any]:
    """The model (in eval mode, on --device) and its tokenizer (or None)."""
    from ..nn.checkpoints import load_model_spec

    if args.model is None and (checkpoint is None or not str(checkpoint).endswith((".pt", ".pth", ".zip"))):
        raise UsageError("--model is required to rebuild the architecture: package.module:factory, "
                         "path/to/file.py:factory or hf:DIR.")
    model, tokenizer = load_model_spec(args.model, checkpoint, trust=args.trust_checkpoint, device=args.device)
    if checkpoint is None and args.model and args.model.startswith(_ZOO) and not args.model.endswith(":load_digits_cnn"):
        hint = (" (data/digits_cnn.pt holds trained weights; --model tda_nn.nn.zoo:load_digits_cnn loads them)"
                if args.model.endswith(":digits_cnn") else "")
        warnings.warn(f"--model {args.model} without --checkpoint is untrained: its weights are the random initial "
                      f"ones. Give --checkpoint{hint}.", UserWarning, stacklevel=2)
    return model, tokenizer


def load_inputs(args: argparse.Namespace, tokenizer: Any) -> tuple[Any, list[str] | None]:
    """``--data`` loaded, and the class names it carries (or --class-names).

    Texts are tokenized with the model's tokenizer (at most --max-samples of them).
    """
    data = load_data(args.data)
    names = list(args.class_names) if getattr(args, "class_names", None) else None
    if not isinstance(data, Texts):
        return data, names
    if tokenizer is None:
        raise UsageError(f"--data {args.data} holds texts, which need a tokenizer: give a Hugging Face model "
                         "directory as --model (hf:DIR, with the tokenizer's files beside config.json).")
    from ..nn.hf import tokenize

    n = min(len(data), args.max_samples or 1000)
    batch = tokenize(tokenizer, data.texts[:n], max_length=args.max_length,
                     labels=None if data.labels is None else data.labels[:n])
    return batch, names or (list(data.class_names) if data.class_names else None)


def _accepts(fn: Any, name: str) -> bool:
    params = inspect.signature(fn).parameters
    return name in params or any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())


def call(fn: Any, *args: Any, given: dict[str, Any], always: dict[str, Any]) -> Any:
    """Call ``fn`` with ``always`` (where it takes them) and the flags the user ``given`` (None = not given).

    A flag given for a parameter ``fn`` does not take is the user's mistake; it names the flag.
    """
    kwargs = {k: v for k, v in always.items() if _accepts(fn, k)}
    for k, v in given.items():
        if v is None:
            continue
        if not _accepts(fn, k):
            raise UsageError(f"{flag_of(k)} is not available here: {fn.__module__}.{fn.__name__} takes no {k!r}.")
        kwargs[k] = v
    return fn(*args, **kwargs)


def recorded(args: argparse.Namespace, **extra: Any) -> dict[str, Any]:
    """What the report's config records of the command line (the workflow records the settings it resolved)."""
    keep = ("model", "data", "layers", "max_samples", "max_points", "maxdim", "max_length", "batch_size",
            "device", "n_jobs", "seed")
    return {"command": args.command, **{k: getattr(args, k) for k in keep if getattr(args, k, None) is not None},
            **extra}

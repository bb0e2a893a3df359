"""A local Hugging Face model directory: the model and its tokenizer, loaded offline.

``load_pretrained(path)`` reads a directory written by ``save_pretrained`` (a
``config.json`` beside the weights and the tokenizer files) with ``AutoModel`` and
``AutoTokenizer``: nothing is downloaded (``local_files_only=True``), safetensors
weights are preferred when present, and code shipped with a model
(``trust_remote_code``) never runs. ``tokenize`` turns texts into the dict of
tensors that :func:`tda_nn.capture` passes to the model as keyword arguments.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .._optional import import_optional
from ..validation import CheckpointError, check_int

__all__ = ["is_pretrained_dir", "load_pretrained", "tokenize"]


def is_pretrained_dir(path: str | Path) -> bool:
    """Whether ``path`` is a directory holding a ``config.json`` (a ``save_pretrained`` directory)."""
    p = Path(path)
    return p.is_dir() and (p / "config.json").is_file()


def _quiet_transformers() -> None:
    """No download or weight-loading progress bars from transformers: ours are the only ones."""
    try:
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
    except ImportError:  # pragma: no cover - very old transformers
        pass


def load_pretrained(path: str | Path, *, tokenizer: bool = True) -> tuple[Any, Any]:
    """Load a local Hugging Face model directory, offline.

    Parameters
    ----------
    path : str or Path
        A directory written by ``model.save_pretrained`` (``config.json`` and
        ``model.safetensors`` or ``pytorch_model.bin``), usually with the
        tokenizer's files beside it.
    tokenizer : bool, default=True
        Also load the tokenizer (``None`` when the directory has none).

    Returns
    -------
    model : torch.nn.Module
        ``AutoModel`` for the config, in eval mode.
    tokenizer : PreTrainedTokenizer or None

    Raises
    ------
    CheckpointError
        No such directory, no ``config.json``, a model that needs its own code
        (``trust_remote_code`` is never set), or weights that cannot be read.
    ImportError
        transformers is not installed (naming the pip extra).
    """
    p = Path(path)
    if not p.exists():
        raise CheckpointError(f"Hugging Face model directory {str(p)!r} does not exist.")
    if not is_pretrained_dir(p):
        raise CheckpointError(f"{str(p)!r} is not a Hugging Face model directory: it holds no config.json "
                              "(write one with model.save_pretrained(path)).")
    from .._files import require_regular

    for entry in sorted(p.iterdir()):  # transformers opens these by name: a named pipe would block it forever
        if not entry.is_dir():
            require_regular(entry, what="file", error=CheckpointError)
    transformers = import_optional("transformers")
    _quiet_transformers()
    prefer_safetensors = any(p.glob("*.safetensors"))
    try:
        config = transformers.AutoConfig.from_pretrained(str(p), local_files_only=True, trust_remote_code=False)
        model = transformers.AutoModel.from_pretrained(str(p), config=config, local_files_only=True,
                                                       trust_remote_code=False,
                                                       use_safetensors=True if prefer_safetensors else None)
    except Exception as exc:  # transformers raises ValueError, OSError, EnvironmentError, ...
        text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if "trust_remote_code" in str(exc):
            raise CheckpointError(f"the model in {str(p)!r} needs its own Python code (trust_remote_code), "
                                  "which tda_nn never runs; load it yourself and call tda_nn.analyze.") from None
        raise CheckpointError(f"the model in {str(p)!r} could not be loaded offline: {text}") from None
    tok = None
    if tokenizer:
        try:
            tok = transformers.AutoTokenizer.from_pretrained(str(p), local_files_only=True, trust_remote_code=False)
        except Exception:  # a model saved without its tokenizer: only tensor data will do
            tok = None
    return model.eval(), tok


def tokenize(tokenizer: Any, texts: Sequence[str], *, max_length: int = 128, labels: Any = None) -> dict[str, Any]:
    """Tokenize ``texts`` into one padded batch of tensors for :func:`tda_nn.capture`.

    Parameters
    ----------
    tokenizer : PreTrainedTokenizer
    texts : sequence of str, length n_samples
    max_length : int, default=128
        Longer texts are truncated to this many tokens.
    labels : array-like of int of shape (n_samples,), optional
        Added as ``"labels"``: capture takes it as the targets and does not pass it
        to the model.

    Returns
    -------
    dict of str to torch.Tensor
        ``input_ids`` and ``attention_mask`` (and whatever else the tokenizer
        gives, e.g. ``token_type_ids``) of shape ``(n_samples, n_tokens)``;
        the attention mask makes ``reduce='mean'`` skip the padding.
    """
    import torch

    max_length = check_int(max_length, name="max_length", min_value=1)
    if tokenizer is None:
        raise ValueError("texts need a tokenizer: give a Hugging Face model directory that holds one.")
    if isinstance(texts, str) or not all(isinstance(t, str) for t in texts):
        raise TypeError("texts must be a sequence of str.")
    if len(texts) == 0:
        raise ValueError("texts is empty: give at least one example.")
    enc = tokenizer(list(texts), padding=True, truncation=True, max_length=max_length, return_tensors="pt")
    batch = {k: v for k, v in dict(enc).items() if isinstance(v, torch.Tensor)}
    if labels is not None:
        y = torch.as_tensor(labels)
        if len(y) != len(texts):
            raise ValueError(f"labels must have one entry per text ({len(texts)}), got {len(y)}.")
        batch["labels"] = y
    return batch

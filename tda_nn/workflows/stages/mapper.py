"""The mapper stage: one Mapper graph per captured layer, linked across depth, for the report's Mapper section.

:func:`tda_nn.mapper_layers` on the captured layers (lens: two principal components; cover
by the resolution rule of Carriere, Michel and Oudot; the default clusterer), with the
labels when the data carry them and thumbnails of image inputs of at most 64 x 64 pixels;
its page data (:func:`tda_nn.mapper.html.page_data`) is the section, and the report writes
the page itself (``mapper.html``) beside ``report.html``. Asked for by name
(``mapper=True``, ``--mapper``), so its errors raise.

Floor: application (the numeric core's mapper, the results floor's ``MapperResult``).
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from ...results import MapperResult
from ..runner import Context, Stage

__all__ = ["STAGE", "mapper_stage"]

_log = logging.getLogger("tda_nn")


def mapper_stage(acts: Any, *, labels: Any = None, images: Any = None, seed: int = 0,
                 title: str = "Mapper of layers") -> MapperResult:
    """The Mapper section of a report from captured activations.

    Parameters
    ----------
    acts : Activations
    labels : array-like of shape (n_samples,), optional
        Default: ``acts.targets`` when it holds one label per sample.
    images : array of shape (n_samples, H, W), (n_samples, H, W, C) or (n_samples, C, H, W), optional
        Thumbnails for the page (kept only when at most 64 x 64).
    seed : int, default=0

    Returns
    -------
    MapperResult
    """
    from ...mapper.html import page_data
    from ...mapper.layers import mapper_layers

    flow = mapper_layers(acts, labels=labels, seed=seed)
    thumbs = None
    if images is not None:
        a = np.asarray(images)
        if a.ndim == 4 and a.shape[1] in (1, 3) and a.shape[-1] not in (1, 3, 4):
            a = np.moveaxis(a, 1, -1)
        if a.ndim in (3, 4) and a.shape[0] == acts.n_samples and a.shape[1] <= 64 and a.shape[2] <= 64:
            thumbs = a
    page = page_data(flow, labels=flow.labels, images=thumbs, title=title)
    _log.info("mapper: %s", ", ".join(f"{s.layer} {s.n_nodes} nodes" for s in flow.summaries))
    return MapperResult(page)


def run(ctx: Context, s: Any) -> MapperResult:
    acts = ctx["capture"].acts
    X, y = ctx.inputs()
    labels = y if y is not None and np.asarray(y).ndim == 1 and len(y) == acts.n_samples else None
    images = X if X is not None and np.asarray(X).ndim in (3, 4) and len(X) == acts.n_samples else None
    return mapper_stage(acts, labels=labels, images=images, seed=s.seed)


FORMAT_VERSION = 1


def _inputs(ctx: Context, s: Any) -> dict | None:
    # the graphs are a function of the activations, the labels, the thumbnails and the seed
    cap = ctx["capture"]
    acts = cap.acts
    X, y = ctx.inputs()
    extra = [np.asarray(a) for a in (X, y) if a is not None and hasattr(a, "__len__") and len(a) == acts.n_samples]
    return {"activations": ctx.store.fingerprint(*(acts[name] for name in acts.layers), *extra),
            "layers": list(acts.layers), "seed": s.seed}


STAGE = Stage("mapper", run, applies=lambda ctx, s: bool(getattr(s, "mapper", False)), version=FORMAT_VERSION,
              inputs=_inputs, encode=lambda r: r.to_dict(), decode=lambda d, ctx, s: MapperResult.from_dict(d, "mapper"),
              detail=lambda r: ", ".join(r.layers))

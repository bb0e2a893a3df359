"""The comparison stage: how the layers compare, by their diagrams and by their activations.

One layer x layer matrix of the diagram distance per homology dimension (and over all
dimensions together with ``combined_distance``), each layer's diagrams divided by its
median pairwise distance (:func:`tda_nn.diagnostics.compare_layers`), and linear and
RBF CKA between the activations (:func:`tda_nn.diagnostics.cka`). A series (compare)
uses :func:`checkpoint_matrices`: per layer, a checkpoint x checkpoint matrix of both.

Floor: application (the numeric core's diagnostics).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..runner import Context, Stage

__all__ = ["ComparisonResult", "STAGE", "checkpoint_matrices", "cka_matrix", "distance_matrix"]

Matrices = dict[str, tuple[tuple[str, ...], np.ndarray]]


@dataclass(frozen=True)
class ComparisonResult:
    """Named matrices, each ``(labels, ndarray of shape (n, n))``."""

    matrices: Matrices


def cka_matrix(arrays: Sequence[np.ndarray], kernel: str) -> np.ndarray:
    """CKA (:func:`tda_nn.diagnostics.cka_matrix`) between every pair of representations of the same samples."""
    from ...diagnostics.similarity import cka_matrix as matrix

    return matrix([np.asarray(a).reshape(len(a), -1) for a in arrays], kernel=kernel)


def distance_matrix(profile: Any, metric: str, dim: int | None, n_jobs: int | None) -> tuple[np.ndarray, bool]:
    """The layer x layer distance of normalised diagrams (:func:`tda_nn.diagnostics.compare_layers`), and
    whether every entry is finite."""
    from ...diagnostics.layers import compare_layers

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="some layer distances are infinite", category=RuntimeWarning)
        cmp = compare_layers(profile, metric=metric, dim=dim, normalize=True, include_cka=False, n_jobs=n_jobs)
    return cmp.matrix, bool(np.all(np.isfinite(cmp.matrix)))


def run(ctx: Context, s: Any) -> ComparisonResult:
    p = ctx["persistence"].profile
    acts = ctx["capture"].acts
    matrices: Matrices = {}
    if len(p.layers) > 1:
        for k in range(s.maxdim + 1):
            D, finite = distance_matrix(p, s.distance, k, s.n_jobs)
            matrices[f"{s.distance} H{k}"] = (p.layers, D)
            if not finite:
                ctx.notes.append(f"Some {s.distance} H{k} layer distances are infinite: those layers have different "
                                 "numbers of essential bars.")
        if s.combined_distance:
            matrices[f"{s.distance} H0..H{s.maxdim}"] = (p.layers, distance_matrix(p, s.distance, None, s.n_jobs)[0])
        arrays = [acts[layer] for layer in p.layers]
        matrices["linear CKA"] = (p.layers, cka_matrix(arrays, "linear"))
        matrices["RBF CKA"] = (p.layers, cka_matrix(arrays, "rbf"))
    return ComparisonResult(matrices)


def checkpoint_matrices(names: Sequence[str], layers: Sequence[str], profiles: Sequence[Any],
                        arrays: Sequence[dict[str, np.ndarray]], metric: str, n_jobs: int | None) -> Matrices:
    """Per layer: the checkpoint x checkpoint ``metric`` between its normalised diagrams, and linear CKA."""
    from ...diagrams import Diagrams
    from ...distances import pairwise_distances

    out: Matrices = {}
    for i, layer in enumerate(layers):
        normalised = [Diagrams([np.asarray(a) / float(p.reference_scale[i]) for a in p.diagrams[i]],
                               meta=p.diagrams[i].meta) for p in profiles]
        out[f"{metric}: {layer}"] = (tuple(names), pairwise_distances(normalised, metric=metric, dim=None,
                                                                      n_jobs=n_jobs))
        out[f"CKA: {layer}"] = (tuple(names), cka_matrix([a[layer] for a in arrays], "linear"))
    return out


STAGE = Stage("comparison", run)

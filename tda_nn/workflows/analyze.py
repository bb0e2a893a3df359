"""``analyze``: one model, every layer's topology, how the layers compare, what probes read, what it means.

:func:`analyze` is the list of its stages (:data:`tda_nn.workflows.stages.ANALYZE`: plan,
capture, persistence, comparison, views, probe capture, probes, loops, symmetry,
regions, findings, report) run by :func:`~tda_nn.workflows.runner.run_workflow` on one
:class:`~tda_nn.workflows.settings.AnalyzeSettings`.

Floor: application.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from ..report import Report
from .plan import Plan
from .runner import run_workflow
from .settings import AnalyzeSettings
from .stages import ANALYZE

__all__ = ["analyze"]

Distance = Literal["wasserstein", "bottleneck", "sliced_wasserstein"]


def analyze(
    model: Any,
    data: Any,
    layers: Any = None,
    *,
    reduce: str = "auto",
    max_samples: int = 1000,
    max_points: int = 500,
    maxdim: int = 1,
    distance: Distance = "wasserstein",
    scales: Sequence[float] | None = None,
    n_bootstrap: int = 100,
    alpha: float = 0.05,
    significance: Literal["universal", "bootstrap", "subsample"] = "universal",
    correction: Literal["bonferroni", "holm", "bh"] = "bonferroni",
    combined_distance: bool = False,
    view: Literal["pca", "umap"] | None = "pca",
    class_names: Sequence[str] | Mapping[Any, str] | None = None,
    per_class: bool = False,
    probe: bool = False,
    probe_layers: Any = None,
    probe_kind: Literal["cloud", "image"] = "cloud",
    regions: bool | Literal["auto"] = "auto",
    region_resolution: int = 128,
    loops: bool = True,
    inputs: Any = None,
    symmetry: Any = None,
    mapper: bool = False,
    batch_size: int = 256,
    seed: int = 0,
    n_jobs: int | None = None,
    progress: bool = True,
    title: str | None = None,
    config: Mapping[str, Any] | None = None,
    max_memory: int | float | str | None = None,
    max_time: float | None = None,
    dry_run: bool = False,
    out: str | Path | None = None,
    cache: bool = True,
) -> Report | Plan:
    """Analyse one model: the topology of every layer, how the layers compare, what probes read, what it means.

    Stages: :func:`tda_nn.nn.capturing` of ``layers`` on up to ``max_samples`` samples;
    Vietoris-Rips diagrams per layer on at most ``max_points`` max-min landmarks
    (covering radius ``r`` recorded; bottleneck error at most ``2r``, described, never
    added to a threshold), with the significant bars of :func:`tda_nn.significant_bars`
    through :func:`tda_nn.diagnostics.layer_profile` (``significance='universal'``: a
    p-value per bar of H1+ from the universal null of Bobrowski and Skraba 2023,
    corrected by ``correction`` within each diagram, and components that pass a
    runt-ratio test on the single-linkage tree; the findings control the false
    discovery rate across the report's layers and dimensions by Benjamini-Hochberg);
    layer x layer matrices of ``distance`` between the diagrams, one per homology
    dimension (``'wasserstein H0'``, ``'wasserstein H1'``, ...), and linear and RBF
    CKA between the activations; optionally topological probes and the activation
    regions of a ReLU network on a plane through three samples; a 2-D view of every
    layer; and :attr:`Report.findings`, the sentences these numbers support
    (:mod:`tda_nn.findings`).

    **One scale.** Every length in the table, the matrices and the figures is in
    units of the layer's median pairwise distance (of the captured samples, over at
    most 1,000 of them), so that layers of different width compare by shape.

    **Table columns** (per layer): ``n_points`` (points in the filtration),
    ``n_features``, ``landmark_bound`` (``2r``; 0 without landmarks), ``band``
    (``c``), ``n_significant_H{k}`` with ``threshold_H{k}`` beside it,
    ``longest_H{k}`` (longest finite bar), ``total_persistence_H{k}``,
    ``intrinsic_dim`` (TwoNN) and ``median_distance`` (the unit); Betti numbers at
    ``scales`` only when ``scales`` is given. When the layer has more samples than
    ``max_points``, H0 also runs exactly on every sample (a float64 minimum spanning
    tree): ``h0_exact_n_points``, ``h0_exact_longest`` and ``h0_exact_total_persistence``
    beside the landmarks' ``longest_H0`` and ``total_persistence_H0`` (absent without
    landmarks, where every column is already that of every sample). When ``2r`` exceeds every bar of a
    dimension the count is 0 and a finding says that the approximation swamps it.

    Parameters
    ----------
    model : torch.nn.Module
    data : tensor, ndarray, (X, y) tuple, dict of tensors, DataLoader or iterable of batches
        As in :func:`tda_nn.nn.capturing`. Labels, when the data carry them, give
        per-class profiles and probes.
    layers : str, type, or list of them, optional
        As in :func:`tda_nn.nn.capturing` (names, glob patterns, module types,
        ``'input'``). ``None`` lets capture pick and say which.
    reduce : {'auto', 'mean', 'max', 'flatten', 'cls', 'first'}, default='auto'
        How a layer's output becomes one point per sample. ``'auto'``: ``'mean'``
        over tokens for tokenizer-style dict inputs, else ``'flatten'`` (every unit,
        so a feature map's spatial layout is part of the point).
    max_samples : int, default=1000
    max_points : int, default=500
        Landmarks per layer when there are more samples.
    maxdim : int, default=1
    distance : {'wasserstein', 'bottleneck', 'sliced_wasserstein'}, default='wasserstein'
        Layer x layer diagram distance, one matrix per homology dimension, on the
        diagrams divided by the layer's median pairwise distance.
    scales : sequence of float, optional
        Also put Betti numbers at these relative scales (fractions of each layer's
        median pairwise distance) in the table. Default: none (a fixed scale is
        often below every nearest-neighbour distance of a wide layer, where beta_0
        is the number of points).
    n_bootstrap : int, default=100
        0 skips significance (no counts, p-values or significance findings); otherwise
        the resamples of the band methods (unused by ``'universal'``).
    alpha : float, default=0.05
        Level of the tests, and the false discovery rate across the report.
    significance : {'universal', 'bootstrap', 'subsample'}, default='universal'
        ``method`` of :func:`tda_nn.significant_bars` (CLI ``--significance``).
    correction : {'bonferroni', 'holm', 'bh'}, default='bonferroni'
        Multiple testing within a diagram (CLI ``--correction``).
    combined_distance : bool, default=False
        Also the matrix of ``distance`` over all dimensions together (dominated by H0).
    view : {'pca', 'umap'} or None, default='pca'
        The 2-D view of every layer in the report (``'umap'`` needs umap-learn and
        falls back to PCA without it); ``None`` skips it.
    class_names : sequence of str or dict of label -> str, optional
        Names of the classes, for the view's legend and the per-class rows.
    per_class : bool, default=False
        Also profile each class (needs labels).
    probe : bool, default=False
        Score a topological probe per layer of ``probe_layers`` (per-sample clouds
        of tokens or spatial positions) beside a linear probe and a shuffled-label
        control. Needs labels.
    probe_layers : optional
        Default: the captured layers whose outputs have per-sample structure.
    probe_kind : {'cloud', 'image'}, default='cloud'
        ``'cloud'``: Rips persistence of each sample's tokens or spatial positions
        (channels as coordinates); ``'image'``: cubical persistence of each sample's
        channel-mean feature map.
    regions : bool or 'auto', default='auto'
        Activation regions of a ReLU network (counts by layer, the partition of a
        plane through three samples). ``'auto'``: when the model has ReLU-type
        modules and ``data`` holds its inputs in memory.
    region_resolution : int, default=128
    loops : bool, default=True
        Each significant loop's samples in loop order, with labels and inputs, and
        their lifelines across depth (:mod:`tda_nn.workflows.stages.loops`).
    inputs : array or sequence of length n_samples, optional
        What each sample is, for the loop panels (strings, ``(token, sentence)``
        pairs, images); default: the model inputs when in memory.
    symmetry : list of actions or names, or comma-separated str, optional
        A Symmetries section: per-layer invariance and equivariance with intervals,
        orbits, findings (:func:`tda_nn.symmetry_summary`; names ``rotate``, ``rot90``,
        ``translate``, ``shift``, ``flip``). Needs the inputs in memory.
    mapper : bool, default=False
        A Mapper section: one Mapper graph per layer linked across depth
        (:func:`tda_nn.mapper_layers`), with its summaries and findings; ``Report.save``
        also writes the interactive page ``mapper.html``.
    batch_size : int, default=256
    seed : int, default=0
        Seeds landmarks, bootstraps, probe folds and the region plane.
    n_jobs : int or None, default=None
        Parallel workers (:mod:`tda_nn.parallel`).
    progress : bool, default=True
        Progress bar for the capture and one line per stage on stderr.
    title : str, optional
    config : dict, optional
        Recorded in the report as how it was made (the CLI passes its arguments).
    max_memory : int, float or str, optional
        Memory budget of the persistence stage (bytes or ``'8GB'``; default: half the RAM).
    max_time : float, optional
        Refuse a plan estimated above this many seconds.
    dry_run : bool, default=False
        Resolve every option with one small forward pass (two samples) and return
        the :class:`~tda_nn.workflows.plan.Plan` without running it.
    out : str or Path, optional
        Keep each finished stage in ``<out>/.tda_nn_cache/`` (capture, persistence,
        probes, regions), keyed by a fingerprint of the data, the model's weights
        and the settings that shape the stage; a re-run with the same ``out`` reuses
        every unchanged stage and says which in :attr:`Report.notes`.
    cache : bool, default=True
        ``False`` recomputes every stage (and still keeps them for the next run).

    **Planned before it starts.** Before the capture, one small forward pass
    resolves the layers and the shape of each layer's samples: a plan above
    ``max_memory`` or ``max_time`` is refused (:class:`~tda_nn.workflows.plan.PlanError`, a
    ValueError naming ``maxdim`` or ``max_points`` and a value that fits), and probe
    layers whose samples are one point (a 1x1 map after global pooling) are skipped
    with a note. A failure inside an optional stage (probes, regions) becomes a
    note, never a lost run.

    Returns
    -------
    Report, or Plan when ``dry_run=True``

    Raises
    ------
    ValueError
        Unknown layer names (with the closest names), NaN/inf activations,
        ``probe=True`` or ``per_class=True`` without labels, bad settings, a plan
        that does not fit (:class:`~tda_nn.workflows.plan.PlanError`).

    Examples
    --------
    >>> import torch
    >>> from tda_nn import zoo
    >>> X = torch.randn(120, 2)
    >>> report = analyze(zoo.mlp(2, 16, 2, 2), (X, (X[:, 0] > 0).long()), layers=["input", "act0", "act1"],
    ...                  progress=False)
    >>> report.layers
    ('input', 'act0', 'act1')
    """
    settings = AnalyzeSettings(
        layers=layers,
        reduce=reduce,
        max_samples=max_samples,
        max_points=max_points,
        maxdim=maxdim,
        distance=distance,
        scales=scales,
        n_bootstrap=n_bootstrap,
        alpha=alpha,
        significance=significance,
        correction=correction,
        combined_distance=combined_distance,
        view=view,
        class_names=class_names,
        per_class=per_class,
        probe=probe,
        probe_layers=probe_layers,
        probe_kind=probe_kind,
        regions=regions,
        region_resolution=region_resolution,
        loops=loops,
        inputs=inputs,
        symmetry=symmetry,
        mapper=mapper,
        batch_size=batch_size,
        seed=seed,
        n_jobs=n_jobs,
        progress=progress,
        title=title,
        config=config,
        max_memory=max_memory,
        max_time=max_time,
        dry_run=dry_run,
        out=out,
        cache=cache,
    )
    return run_workflow(ANALYZE, settings, model=model, data=data)

"""The application floor's workflows: ``analyze``, ``compare_checkpoints`` and ``track``, each a list of typed stages.

* :mod:`~tda_nn.workflows.settings` -- one frozen, validated settings object per
  workflow, named as the command-line flags, with the one landmark policy.
* :mod:`~tda_nn.workflows.plan` -- the estimate of every stage before a run, and the
  refusal of a run that cannot fit (:class:`PlanError`).
* :mod:`~tda_nn.workflows.cache` -- each stage kept under ``<out>/.tda_nn_cache/`` by the
  key of its declared inputs and format version; listing and pruning.
* :mod:`~tda_nn.workflows.runner` -- the one loop over stages: progress, timings,
  cache, the stage log, optional stages that fail as notes.
* :mod:`~tda_nn.workflows.stages` -- one module per stage, ``run(context, settings)``
  returning a frozen result.
* :mod:`~tda_nn.workflows.analyze`, :mod:`~tda_nn.workflows.series` -- the workflows
  as lists of stages.

Floor: application, the top one: it may import every room below (helpers, data, the
numeric core, the torch wing inside functions, the results floor) and nothing imports it
but the command line (:mod:`tda_nn.cli`) and ``tda_nn``'s lazy names.
"""

from .analyze import analyze
from .plan import Plan, PlanError, StagePlan, estimate_persistence, largest_fitting, plan_analysis
from .series import compare_checkpoints, track
from .settings import AnalyzeSettings, CompareSettings, Settings, TrackSettings

__all__ = ["AnalyzeSettings", "CompareSettings", "Plan", "PlanError", "Settings", "StagePlan", "TrackSettings",
           "analyze", "compare_checkpoints", "estimate_persistence", "largest_fitting", "plan_analysis", "track"]

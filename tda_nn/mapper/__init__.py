"""Mapper of activations: a graph per layer, linked across layers by the samples they share.

``tda_nn.mapper`` is both this package and the function that builds a graph: calling the
package, ``tda_nn.mapper(X, lens=..., cover=..., clusterer=...)``, runs
:func:`tda_nn.mapper.build.mapper` (the package is a callable module so that importing its
submodules never hides the function).

Rooms: ``cover`` (intervals and pre-images, kepler-mapper's conventions), ``lenses``,
``clustering`` (single linkage cut at the first histogram gap, the pluggable default),
``graph`` (``MapperGraph``), ``build`` (``mapper``), ``layers`` (``mapper_layers``: the flow
through depth and its findings), ``stability`` (bootstrap, resolution rule), ``html`` (the
offline page). numpy, scipy and scikit-learn only: no torch.
"""

from __future__ import annotations

import importlib as _importlib
import sys as _sys
import types as _types

_LAZY = {
    "mapper": "build",
    "Cover": "cover",
    "MapperGraph": "graph",
    "mapper_layers": "layers",
    "save_html": "html",
    "MapperLayers": "layers",
    "SingleLinkageGap": "clustering",
    "default_clusterer": "clustering",
    "bootstrap": "stability",
    "resolution_cover": "stability",
    "GraphStability": "stability",
}

__all__ = sorted(_LAZY)


def __getattr__(name):
    sub = _LAZY.get(name)
    if sub is None:
        raise AttributeError(f"module 'tda_nn.mapper' has no attribute {name!r}")
    return getattr(_importlib.import_module(f".{sub}", __name__), name)


class _CallableModule(_types.ModuleType):
    """The package, callable as :func:`tda_nn.mapper.build.mapper`."""

    def __call__(self, *args, **kwargs):
        from .build import mapper

        return mapper(*args, **kwargs)

    @property
    def __signature__(self):
        import inspect

        from .build import mapper

        return inspect.signature(mapper)


_sys.modules[__name__].__class__ = _CallableModule

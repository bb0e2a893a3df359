"""How a ReLU network shatters its input space: activation regions on paths and planes.

One module per idea: :mod:`.patterns` (sign patterns of a batch), :mod:`.paths`
(exact counts along segments), :mod:`.planes` (2-D slices), :mod:`.density`
(transitions between data points), :mod:`.boundary` (distance to the nearest
boundary), :mod:`.counts` (per-layer counts for the workflows, and the bound).
The hook machinery they share is in :mod:`._probe`.
"""

from ._common import RELU_TYPES as RELU_TYPES
from ._common import has_relu as has_relu
from ._common import region_bound
from ._probe import check_region_model as check_region_model
from ._probe import sign_modules as sign_modules
from .boundary import BoundaryDistance, distance_to_boundary
from .complexity import LocalComplexity, local_complexity
from .counts import region_counts
from .density import RegionDensity, region_density
from .exact import ExactPlaneRegions, Polygon, exact_support, plane_partition, regions_on_plane_exact
from .paths import PathRegions, regions_on_path
from .patterns import ActivationPatterns, activation_patterns
from .planes import PlaneRegions, regions_on_plane

# for the training monitor and the workflows (not public API): one home for "does this model have ReLUs"
_INTERNAL = ("RELU_TYPES", "check_region_model", "has_relu", "sign_modules")

__all__ = [
    "ActivationPatterns",
    "BoundaryDistance",
    "ExactPlaneRegions",
    "LocalComplexity",
    "Polygon",
    "PathRegions",
    "PlaneRegions",
    "RegionDensity",
    "activation_patterns",
    "distance_to_boundary",
    "exact_support",
    "local_complexity",
    "plane_partition",
    "region_bound",
    "region_counts",
    "region_density",
    "regions_on_path",
    "regions_on_plane",
    "regions_on_plane_exact",
]


def __dir__():
    return list(__all__)

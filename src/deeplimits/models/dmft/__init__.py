"""The proportional-limit DMFT of deep linear network training (spec ``bordelon``) and the finite-size training
it describes: :mod:`.model` (configuration, mode classes, result), :mod:`.rowwise` (primary solver),
:mod:`.fixed_point` (cross-check), :mod:`.closed_forms` (the simulated networks: :mod:`deeplimits.models.training`).

The solver API is re-exported here: ``from deeplimits.models import dmft; dmft.solve_rowwise(dmft.DMFTConfig(...))``.
"""

from deeplimits.models.dmft.closed_forms import (
    divergence_threshold,
    initial_loss,
    lazy_population_loss,
    least_squares_limits,
)
from deeplimits.models.dmft.fixed_point import solve_fixed_point
from deeplimits.models.dmft.model import (
    ARCHITECTURES,
    DIVERGENCE_FACTOR,
    OPTIMISERS,
    Classes,
    DMFTConfig,
    DMFTResult,
    isotropic_classes,
    power_law_classes,
    two_level_classes,
)
from deeplimits.models.dmft.rowwise import solve_rowwise

__all__ = ["ARCHITECTURES", "DIVERGENCE_FACTOR", "OPTIMISERS", "Classes", "DMFTConfig", "DMFTResult",
           "divergence_threshold", "initial_loss", "isotropic_classes", "lazy_population_loss", "least_squares_limits",
           "power_law_classes", "solve_fixed_point", "solve_rowwise", "two_level_classes"]

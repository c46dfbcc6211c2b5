"""Closed forms of the DMFT model (spec ``bordelon`` §3.5, §3.7): the initial loss, the lazy population loss, the
least-squares limits; and the divergence threshold of the learning rate by bisection (§4)."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray

from deeplimits.models.dmft.model import Classes, DMFTConfig, DMFTResult, check_classes
from deeplimits.models.dmft.rowwise import solve_rowwise

# --------------------------------------------------------------------------------------------------
# closed forms (§3.5, §3.7) and the divergence threshold
# --------------------------------------------------------------------------------------------------


def initial_loss(
    b: float, sigma: float = 0.0, classes: Classes | None = None, *, beta: float = 0.0, blocks: int = 0
) -> float:
    """Test loss at initialisation (spec §3.7) [derived]: ``L(0) = <lambda (omega + b_eff^2)> + sigma^2``.

    ``<.> = sum_k p_k (.)_k`` over mode classes (None: isotropic). MLP (``blocks = 0``): ``b_eff = b``, giving
    ``1 + 1/(gamma0^2 nu) + sigma^2`` in μP and ``2 + sigma^2`` for NTK with ``gamma_ref = 1`` (isotropic).
    Residual net with ``blocks = L`` blocks of branch scale ``beta``: ``b_eff^2 = b^2 (1 + beta^2)^L``, since
    ``C_g^l(0, 0) = (1 + beta^2) C_g^{l+1}(0, 0)`` at initialisation; isotropic ``1 + (1 + beta^2)^L/(gamma0^2 nu)
    + sigma^2``, tending to ``1 + exp(beta0^2)/(gamma0^2 nu) + sigma^2`` for ``beta = beta0/sqrt(L)``.
    """
    p, lam, om = check_classes(classes)
    b2 = float(b) ** 2 * (1.0 + float(beta) ** 2) ** int(blocks)
    return float(np.sum(p * lam * (om + b2)) + float(sigma) ** 2)


def lazy_population_loss(
    t: ArrayLike, eta0: float, kappa: float, *, b: float = 0.0, sigma: float = 0.0, classes: Classes | None = None
) -> NDArray[np.float64]:
    """Lazy closed form, population GD at infinite width (spec §3.5) [derived]:

    ``L(t) = sum_k p_k lambda_k (omega_k + b^2) (1 - kappa eta0 lambda_k)^{2t} + sigma^2``, with ``kappa = L + 1``
    trainable arrays (the limit ``A -> kappa eta0 S``). With ``b = 0`` it equals the ``nu = inf`` DMFT as
    ``gamma0 -> 0``. ``t`` may be any array (integer or real times); the result has its shape.
    """
    p, lam, om = check_classes(classes)
    tt = np.asarray(t, dtype=float)
    base = np.abs(1.0 - float(kappa) * float(eta0) * lam)
    w = p * lam * (om + float(b) ** 2)
    with np.errstate(divide="ignore", over="ignore"):
        terms = w[:, None] * base[:, None] ** (2.0 * tt.reshape(1, -1))
    return (terms.sum(axis=0) + float(sigma) ** 2).reshape(tt.shape)


def least_squares_limits(alpha: float, sigma: float, D: int | None = None) -> tuple[float, float]:
    """Late-time full-batch losses for alpha > 1: GD converges to least squares (spec §3.7) [derived].

    Returns ``(train, test)``. Limit D -> inf: ``train = sigma^2 (1 - 1/alpha)``, ``test = sigma^2 alpha/(alpha - 1)``.
    Finite D (``P = alpha D`` samples, exact Gaussian-design expectations): ``train = sigma^2 (P - D)/P``,
    ``test = sigma^2 (1 + D/(P - D - 1))`` (needs ``P > D + 1``).
    """
    alpha, s2 = float(alpha), float(sigma) ** 2
    if alpha <= 1:
        raise ValueError("least-squares limits need alpha > 1")
    if D is None:
        return s2 * (1.0 - 1.0 / alpha), s2 * alpha / (alpha - 1.0)
    D_ = int(D)
    P = alpha * D_
    if P <= D_ + 1:
        raise ValueError("finite-D least squares needs P > D + 1")
    return s2 * (P - D_) / P, s2 * (1.0 + D_ / (P - D_ - 1.0))


def divergence_threshold(
    config_factory: Callable[[float], DMFTConfig],
    lo: float,
    hi: float,
    *,
    rtol: float = 1e-3,
    solver: Callable[[DMFTConfig], DMFTResult] = solve_rowwise,
) -> float:
    """DMFT divergence threshold ``eta_div`` by bisection on eta0 (spec §4) [choice].

    ``config_factory(eta0)`` builds the configuration; a solve diverges if ``diverged_at`` is not None (criterion
    of §3.8 step 4 within its T steps). Needs ``lo`` stable and ``hi`` divergent (ValueError otherwise); bisects
    in ``log eta0`` until ``hi/lo <= 1 + rtol`` and returns the geometric midpoint. Stability can be
    non-monotone in eta0 near the edge (§7): the result is *a* crossing inside ``[lo, hi]``.
    """
    if not 0 < lo < hi:
        raise ValueError("need 0 < lo < hi")

    def diverges(eta0: float) -> bool:
        return solver(config_factory(eta0)).diverged_at is not None

    if diverges(lo):
        raise ValueError(f"eta0 = lo = {lo} already diverges")
    if not diverges(hi):
        raise ValueError(f"eta0 = hi = {hi} does not diverge")
    while hi / lo > 1.0 + rtol:
        mid = math.sqrt(lo * hi)
        if diverges(mid):
            hi = mid
        else:
            lo = mid
    return math.sqrt(lo * hi)

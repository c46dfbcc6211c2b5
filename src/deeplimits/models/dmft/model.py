"""Proportional-limit DMFT of deep linear network training (spec ``bordelon`` §2, §3.1-3.8).

Model (spec §2, [choice]): inputs ``x ~ N(0, Lambda)`` in dimension D, teacher ``y = w* . x / sqrt(D) + sigma eps``,
``P = alpha D`` samples (full batch), fresh batches of ``alpha_B D`` samples (one-pass SGD) or the population
(population GD). MLP with L hidden layers of width ``N = nu D``::

    h^1 = W^0 x / sqrt(D),  h^{l+1} = W^l h^l / sqrt(N),  f = c w . h^L,  c = sqrt(D) / (gamma0 N),

all weights iid N(0, 1), objective ``(1/2P) sum_mu (f_mu - y_mu)^2`` and one raw learning rate
``eta = eta0 gamma0^2 N`` on all L + 1 arrays. Equivalently ``f = theta . x / sqrt(D)``. Test loss
``L(t) = (1/D) sum_k lambda_k (w*_k - theta_k(t))^2 + sigma^2``, train loss ``(1/P) sum_mu Delta_mu^2``;
t = 0 is the initialisation. ``b = 1/(gamma0 sqrt(nu))`` is the scale of the initial function. μP keeps
gamma0 fixed; NTK is the same model with ``gamma0 = gamma_ref / sqrt(nu)`` (:meth:`DMFTConfig.ntk`), so
``b = 1/gamma_ref`` at every width.

Theory (spec §3, [derived]): in the limit D -> infinity at fixed (alpha, nu, alpha_B, L, gamma0, eta0, sigma, T)
the losses are deterministic and given by T x T order parameters over t, s = 0..T-1: the D-side kernel
``A = R_g^1/gamma0 + eta0 K_{C_g^1}``, mode-class transfer functions ``H_k = (I + lambda_k A R_Delta)^{-1}``,
``M_k = (I + lambda_k R_Delta A)^{-1}`` (§3.3), the P-side response ``R_Delta`` and the per-layer closures
``r = chi + F g``, ``g = xi + G r`` (§3.4). Coordinates are grouped in K mode classes ``(p_k, lambda_k, omega_k)``
(fraction, eigenvalue, target power ``E w*_k^2``); isotropic data is one class ``p = lambda = omega = 1``.

Solvers (§3.8), in :mod:`.rowwise` and :mod:`.fixed_point`:

* :func:`solve_rowwise` (primary): all kernels are causal, so row t of every object depends only on rows < t;
  one pass over t (backward layer sweep, D/P side, forward layer sweep) is exact. O((L + K) T^3) time,
  O((L + K) T^2) memory; loops run over t and layers only, the rest is matrix-vector algebra on row slices
  (vectorised over classes).
* :func:`solve_fixed_point` (cross-check): the same equations in full-matrix form, iterated to a fixed point on
  a causal window grown by a few steps at a time.

Closed forms (:mod:`.closed_forms`): :func:`initial_loss` (§3.7), :func:`lazy_population_loss` (§3.5),
:func:`least_squares_limits` (§3.7) and the divergence threshold :func:`divergence_threshold` (§4, eta_div by
bisection on eta0); here the mode-class reductions :func:`power_law_classes` (fig6) and :func:`two_level_classes`
(figA1).

Residual networks (spec §2, §3.6; ``DMFTConfig(architecture="residual", beta0=..., depth_scaled=...)``), L blocks::

    h^1 = W^0 x / sqrt(D),  h^{l+1} = h^l + beta W^l h^l / sqrt(N)  (l = 1..L),  f = c w . h^{L+1},

``beta = beta0/sqrt(L)`` (depth-scaled) or ``beta0``. The D/P side is shared with the MLP; the hidden side keeps the
Jacobian of each of the 2L + 2 fields (g^1..g^{L+1}, r^1..r^{L+1}) w.r.t. each of the 2L + 2 independent sources
(skip connections make every field depend on every source): O(L^2 T^3) time, O(L^2 T^2) memory. The
fixed-point cross-check solves the same equations densely (size 2(L+1)T per sweep).

Scope: equal widths; one configuration per solve (no configuration axis).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

Classes = tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]
"""Mode classes ``(p, lam, omega)``: fractions (summing to 1), eigenvalues, target powers; 1-D arrays of length K."""

OPTIMISERS = ("full_batch", "sgd", "population")
ARCHITECTURES = ("mlp", "residual")

#: divergence criterion (§3.8 step 4): C_e(t, t) non-finite or above this multiple of C_e(0, 0)
DIVERGENCE_FACTOR = 1e6


# --------------------------------------------------------------------------------------------------
# mode classes
# --------------------------------------------------------------------------------------------------


def isotropic_classes() -> Classes:
    """Isotropic data as one mode class ``p = lambda = omega = 1`` (spec §3.3) [choice]."""
    one = np.ones(1)
    return one.copy(), one.copy(), one.copy()


def two_level_classes(lam_high: float = 2.0, lam_low: float = 0.5) -> Classes:
    """Two-level spectrum of figA1 (spec §2) [choice]: ``lambda in {2, 0.5}`` on half the coordinates, ``omega = 1``.

    Returns ``p = (1/2, 1/2)``, ``lam = (lam_high, lam_low)``, ``omega = (1, 1)``; class 0 is the large eigenvalue.
    """
    return np.array([0.5, 0.5]), np.array([float(lam_high), float(lam_low)]), np.ones(2)


def power_law_classes(D: int, a: float, source_exponent: float, n_single: int = 8, n_bins: int = 32) -> Classes:
    """Mode-class reduction of a power-law spectrum at finite D (spec §2 and fig6) [derived].

    Modes ``k = 1..D`` with ``lambda_k = k^{-a}`` and ``lambda_k omega_k = k^{-a beta - 1}`` (beta =
    ``source_exponent``), i.e. ``omega_k = k^{a - a beta - 1}``. Modes ``1..n_single`` are classes of their own
    (``p = 1/D``); modes ``n_single+1..D`` are split into ``n_bins`` geometric bins (integer edges from
    ``round(geomspace(n_single + 1, D + 1, n_bins + 1))``; empty bins dropped, so K <= n_single + n_bins). A bin
    gets ``p = count/D``, the bin-mean ``lambda`` and ``omega = sum lambda omega / sum lambda``, which preserves
    ``sum_k lambda_k`` (hence the ``b^2`` term) and ``sum_k lambda_k omega_k`` (the target signal) exactly.
    """
    D = int(D)
    if D < 1 or n_single < 0 or n_bins < 1:
        raise ValueError("need D >= 1, n_single >= 0, n_bins >= 1")
    if a <= 0:
        raise ValueError("spectral exponent a must be positive")
    k = np.arange(1, D + 1, dtype=float)
    lam = k ** (-float(a))
    lw = k ** (-float(a) * float(source_exponent) - 1.0)
    ns = min(int(n_single), D)
    p_list = [np.full(ns, 1.0 / D)]
    lam_list = [lam[:ns]]
    om_list = [lw[:ns] / lam[:ns]]
    if ns < D:
        edges = np.unique(np.round(np.geomspace(ns + 1, D + 1, int(n_bins) + 1)).astype(int))
        lo, hi = edges[:-1] - 1, edges[1:] - 1  # 0-based half-open index ranges [lo, hi)
        cl = np.concatenate([[0.0], np.cumsum(lam)])
        cw = np.concatenate([[0.0], np.cumsum(lw)])
        count = (hi - lo).astype(float)
        sum_lam = cl[hi] - cl[lo]
        sum_lw = cw[hi] - cw[lo]
        p_list.append(count / D)
        lam_list.append(sum_lam / count)
        om_list.append(sum_lw / sum_lam)
    return np.concatenate(p_list), np.concatenate(lam_list), np.concatenate(om_list)


def check_classes(classes: Classes | None) -> Classes:
    if classes is None:
        return isotropic_classes()
    if len(classes) != 3:
        raise ValueError("classes must be a triple (p, lam, omega)")
    p, lam, om = (np.atleast_1d(np.asarray(c, dtype=float)).copy() for c in classes)
    if p.ndim != 1 or p.shape != lam.shape or p.shape != om.shape or p.size == 0:
        raise ValueError("p, lam, omega must be 1-D arrays of equal positive length")
    if np.any(p < 0) or not math.isclose(float(p.sum()), 1.0, rel_tol=1e-9):
        raise ValueError(f"class fractions must be >= 0 and sum to 1, got sum {p.sum()!r}")
    if np.any(lam <= 0) or np.any(om < 0) or not (np.all(np.isfinite(lam)) and np.all(np.isfinite(om))):
        raise ValueError("need lam > 0 and omega >= 0, finite")
    return p, lam, om


# --------------------------------------------------------------------------------------------------
# configuration and result
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class DMFTConfig:
    """Parameters of one DMFT solve (spec §2, §3.2) [choice].

    ``L`` hidden layers (>= 1), width ratio ``nu = N/D`` (``math.inf`` allowed: b = 0, no finite-width terms),
    richness ``gamma0``, learning rate ``eta0`` (raw rate ``eta0 gamma0^2 N``), label-noise sd ``sigma``, ``T``
    time steps (t = 0..T-1), ``optimiser`` in ``{"full_batch", "sgd", "population"}`` with ``alpha = P/D``
    (full batch) or ``alpha_B = batch/D`` (one-pass SGD), and ``classes = (p, lam, omega)`` (None: isotropic).
    The initial-function scale ``b = 1/(gamma0 sqrt(nu))`` is derived, never set; for NTK use :meth:`ntk`.
    ``architecture``: ``"mlp"`` (L hidden layers) or ``"residual"`` (L residual blocks, spec §2: ``h^{l+1} = h^l
    + beta W^l h^l / sqrt(N)``, l = 1..L, after ``h^1 = W^0 x / sqrt(D)``) with branch scale
    ``beta = beta0/sqrt(L)`` (``depth_scaled``) or ``beta0`` (:attr:`beta`); ``beta0``, ``depth_scaled`` are
    ignored for the MLP.
    """

    L: int
    nu: float
    gamma0: float
    eta0: float
    sigma: float = 0.0
    T: int = 100
    optimiser: str = "full_batch"
    alpha: float | None = None
    alpha_B: float | None = None
    classes: Classes | None = field(default=None)
    architecture: str = "mlp"
    beta0: float = 1.0
    depth_scaled: bool = True

    def __post_init__(self) -> None:
        if int(self.L) != self.L or self.L < 1:
            raise ValueError(f"L must be an integer >= 1, got {self.L!r}")
        if int(self.T) != self.T or self.T < 1:
            raise ValueError(f"T must be an integer >= 1, got {self.T!r}")
        if not self.nu > 0:
            raise ValueError("nu must be positive (math.inf allowed)")
        if not (self.gamma0 > 0 and math.isfinite(self.gamma0)):
            raise ValueError("gamma0 must be positive and finite")
        if not (self.eta0 >= 0 and math.isfinite(self.eta0)):
            raise ValueError("eta0 must be >= 0 and finite")
        if not self.sigma >= 0:
            raise ValueError("sigma must be >= 0")
        if self.optimiser not in OPTIMISERS:
            raise ValueError(f"optimiser must be one of {OPTIMISERS}, got {self.optimiser!r}")
        if self.optimiser == "full_batch" and not (self.alpha is not None and self.alpha > 0):
            raise ValueError("full_batch needs alpha = P/D > 0")
        if self.optimiser == "sgd" and not (self.alpha_B is not None and self.alpha_B > 0):
            raise ValueError("sgd needs alpha_B = batch/D > 0")
        if self.architecture not in ARCHITECTURES:
            raise ValueError(f"architecture must be one of {ARCHITECTURES}, got {self.architecture!r}")
        if not (self.beta0 >= 0 and math.isfinite(self.beta0)):
            raise ValueError("beta0 must be >= 0 and finite")
        object.__setattr__(self, "L", int(self.L))
        object.__setattr__(self, "T", int(self.T))
        object.__setattr__(self, "classes", check_classes(self.classes))

    @classmethod
    def ntk(cls, gamma_ref: float, nu: float, **kwargs) -> DMFTConfig:
        """NTK parameterisation (spec §2) [derived]: ``gamma0 = gamma_ref / sqrt(nu)``, hence ``b = 1/gamma_ref``.

        Finite nu only (at nu = inf NTK is lazy: use :func:`lazy_population_loss`)."""
        return cls(nu=nu, gamma0=float(gamma_ref) / math.sqrt(nu), **kwargs)

    @property
    def b(self) -> float:
        """Initial-function scale ``b = 1/(gamma0 sqrt(nu))`` (spec §2) [choice]; 0 at ``nu = inf``."""
        return 0.0 if math.isinf(self.nu) else 1.0 / (self.gamma0 * math.sqrt(self.nu))

    @property
    def beta(self) -> float:
        """Residual branch scale (spec §2) [seed/choice]: ``beta0/sqrt(L)`` if ``depth_scaled`` else ``beta0``."""
        return self.beta0 / math.sqrt(self.L) if self.depth_scaled else float(self.beta0)

    @property
    def inv_sqrt_nu(self) -> float:
        """``1/sqrt(nu)``, the factor of ``R_r^0 = R_vu / sqrt(nu)`` (spec §3.4); 0 at ``nu = inf``."""
        return 0.0 if math.isinf(self.nu) else 1.0 / math.sqrt(self.nu)

    @property
    def K(self) -> int:
        """Number of mode classes."""
        return int(self.classes[0].size)

    def replace(self, **changes) -> DMFTConfig:
        """A copy with some fields changed (``dataclasses.replace``)."""
        return dataclasses.replace(self, **changes)


@dataclass(eq=False)
class DMFTResult:
    """Output of a DMFT solve.

    * ``test_loss[t] = C_e(t, t) + sigma^2``; ``train_loss[t] = C_Delta(t, t)`` (full batch; equal to the test
      loss for SGD and population GD); ``class_loss[k, t]`` = class-k term of ``C_e(t, t)`` (no sigma^2), so
      ``class_loss.sum(0) + sigma^2 = test_loss``.
    * ``diverged_at``: first t with ``C_e(t, t)`` non-finite or ``> 1e6 C_e(0, 0)`` (None if none); losses at
      ``t > diverged_at`` are ``inf`` and matrix entries involving those times are NaN.
    * Matrices (T x T, t = row): ``C_e``, ``C_Delta`` (SGD/population: diagonal ``diag(L)``), ``C_v``, ``A``,
      ``R_Delta``, ``C_g[l-1] = C_g^l`` and ``C_r[l-1] = C_r^l`` for l = 1..L (MLP) or l = 1..L+1 (residual:
      ``g^{L+1}`` is the readout ``w``, ``r^{L+1}`` the top error field), ``R_vu``.
    """

    config: DMFTConfig
    test_loss: NDArray[np.float64]
    train_loss: NDArray[np.float64]
    class_loss: NDArray[np.float64]
    diverged_at: int | None
    C_e: NDArray[np.float64]
    C_Delta: NDArray[np.float64]
    C_v: NDArray[np.float64]
    A: NDArray[np.float64]
    R_Delta: NDArray[np.float64]
    R_vu: NDArray[np.float64]
    C_g: list[NDArray[np.float64]]
    C_r: list[NDArray[np.float64]]
    iterations: int = 0  # fixed-point sweeps (0 for the row-wise solver)


def finish(cfg: DMFTConfig, test, train, cls_loss, t_div, mats: dict, iterations: int = 0) -> DMFTResult:
    if t_div is not None:
        test[t_div + 1 :] = np.inf
        train[t_div + 1 :] = np.inf
        cls_loss[:, t_div + 1 :] = np.inf
        for val in mats.values():
            for m in val if isinstance(val, list) else [val]:
                m[t_div + 1 :, :] = np.nan
                m[:, t_div + 1 :] = np.nan
    return DMFTResult(
        config=cfg,
        test_loss=test,
        train_loss=train,
        class_loss=cls_loss,
        diverged_at=t_div,
        iterations=iterations,
        **mats,
    )


def diverged(ce_tt: float, ce00: float) -> bool:
    ref = ce00 if ce00 > 0 else 1.0
    return not math.isfinite(ce_tt) or ce_tt > DIVERGENCE_FACTOR * ref

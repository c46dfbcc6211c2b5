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

Solvers (§3.8):

* :func:`solve_rowwise` (primary): all kernels are causal, so row t of every object depends only on rows < t;
  one pass over t (backward layer sweep, D/P side, forward layer sweep) is exact. O((L + K) T^3) time,
  O((L + K) T^2) memory; loops run over t and layers only, the rest is matrix-vector algebra on row slices
  (vectorised over classes).
* :func:`solve_fixed_point` (cross-check): the same equations in full-matrix form, iterated to a fixed point on
  a causal window grown by a few steps at a time.

Closed forms: :func:`initial_loss` (§3.7), :func:`lazy_population_loss` (§3.5), :func:`least_squares_limits`
(§3.7), the mode-class reductions :func:`power_law_classes` (fig6) and :func:`two_level_classes` (figA1), and the
divergence threshold :func:`divergence_threshold` (§4, eta_div by bisection on eta0).

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
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.linalg.lapack import dtrtri

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


def _check_classes(classes: Classes | None) -> Classes:
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
        object.__setattr__(self, "classes", _check_classes(self.classes))

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


def _finish(cfg: DMFTConfig, test, train, cls_loss, t_div, mats: dict, iterations: int = 0) -> DMFTResult:
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


def _diverged(ce_tt: float, ce00: float) -> bool:
    ref = ce00 if ce00 > 0 else 1.0
    return not math.isfinite(ce_tt) or ce_tt > DIVERGENCE_FACTOR * ref


# --------------------------------------------------------------------------------------------------
# row-wise forward substitution (primary)
# --------------------------------------------------------------------------------------------------


class _RowDSide:
    """Row-wise D side and P side of the DMFT (spec §3.3, §3.8 step 2) [derived], shared by both architectures.

    The hidden layers enter only through ``A`` (row t, strictly causal) and ``C_g^1``; the D side returns the
    feedback ``C_v`` (column t) and ``R_vu`` (row t, with diagonal). With ``eta0`` fixed this object holds, as
    T x T (per class: K x T x T) arrays, ``A``, ``R_Delta``, ``A M_k = H_k A``, ``M_k``, ``M_k R_Delta``, ``H_k``,
    ``C_e``, ``C_Delta``, ``C_xv`` (the covariance of the D-side noise source xi_v) and ``R_vu``, plus the losses.
    """

    def __init__(self, cfg: DMFTConfig) -> None:
        T = cfg.T
        self.cfg = cfg
        self.p, self.lam, self.om = cfg.classes
        self.pl = self.p * self.lam  # p_k lambda_k
        self.full = cfg.optimiser == "full_batch"
        K = self.p.size
        z = lambda *shape: np.zeros(shape)  # noqa: E731
        self.A = z(T, T)
        self.RD = np.eye(T)
        self.AM = z(K, T, T)  # A M_k = H_k A
        self.M = z(K, T, T)
        if self.full:
            self.MR, self.H = z(K, T, T), z(K, T, T)
        else:
            self.MR = self.H = self.M  # R_Delta = I: M_k = H_k = M_k R_Delta
        self.H1, self.MR1 = z(K, T), z(K, T)
        self.Ce, self.CD, self.Cxv = z(T, T), z(T, T), z(T, T)
        self.Rvu = z(T, T)
        self.cls_loss = z(K, T)
        self.test, self.train = np.full(T, np.nan), np.full(T, np.nan)
        self.t_div: int | None = None
        self.ce00 = 0.0

    def errors(self, t: int, A_row: NDArray[np.float64], Cg1: NDArray[np.float64]) -> bool:
        """Row t of ``A`` (given: ``A_row = A[t, :t]``), ``R_Delta``, ``M_k``, ``H_k``; column t of ``C_e``,
        ``C_Delta``, ``C_xv``; the losses at t. ``Cg1 = C_g^1[:t+1, :t+1]``. True if the solve diverged at t
        (§3.8 step 4; then ``t_div = t``)."""
        cfg, lam, om, pl = self.cfg, self.lam, self.om, self.pl
        A, RD, AM, M, MR, H, H1, MR1 = self.A, self.RD, self.AM, self.M, self.MR, self.H, self.H1, self.MR1
        Ce, CD, Cxv = self.Ce, self.CD, self.Cxv
        b2, sigma2, mode = cfg.b**2, cfg.sigma**2, cfg.optimiser
        n = t + 1
        A[t, :t] = A_row
        AM[:, t, :t] = (A[t, :t] @ M[:, :t, :t]) if t else 0.0
        Rp_t = -(pl @ AM[:, t, :t])
        if self.full:
            RD[t, :t] = (Rp_t @ RD[:t, :t]) / cfg.alpha
            M[:, t, :n] = -lam[:, None] * (RD[t, :n] @ AM[:, :n, :n])
            M[:, t, t] = 1.0
            MR[:, t, :n] = M[:, t, :n] @ RD[:n, :n]
            H[:, t, :n] = -lam[:, None] * (AM[:, t, :t] @ RD[:t, :n])
            H[:, t, t] = 1.0
        else:
            M[:, t, :n] = -lam[:, None] * AM[:, t, :n]
            M[:, t, t] = 1.0
        H1[:, t] = H[:, t, :n].sum(axis=1)
        MR1[:, t] = MR[:, t, :n].sum(axis=1)
        # C_e column t, per class
        u = H[:, t, :n] @ Cg1  # (K, n) = rows of H_k[t] C_g^1 (C_g^1 symmetric)
        cls_col = om[:, None] * H1[:, :n] * H1[:, t : t + 1] + b2 * (H[:, :n, :n] @ u[:, :, None])[:, :, 0]
        if mode != "population" and t > 0:
            w_t = AM[:, t, :t] @ Cxv[:t, :t] if self.full else AM[:, t, :t] * np.diag(Cxv)[:t]
            cls_col += lam[:, None] * (AM[:, :n, :t] @ w_t[:, :, None])[:, :, 0]
        cls_col *= pl[:, None]
        ce_col = cls_col.sum(axis=0)
        Ce[:n, t] = ce_col
        Ce[t, :n] = ce_col
        self.cls_loss[:, t] = cls_col[:, t]
        ce_tt = float(ce_col[t])
        if t == 0:
            self.ce00 = ce_tt
        self.test[t] = ce_tt + sigma2
        if self.full:
            cd_col = RD[:n, :n] @ ((Ce[:n, :n] + sigma2) @ RD[t, :n])
            CD[:n, t] = cd_col
            CD[t, :n] = cd_col
            Cxv[:n, t] = cd_col / cfg.alpha
            Cxv[t, :n] = cd_col / cfg.alpha
            self.train[t] = cd_col[t]
        else:
            CD[t, t] = self.test[t]
            self.train[t] = self.test[t]
            if mode == "sgd":
                Cxv[t, t] = self.test[t] / cfg.alpha_B
        if _diverged(ce_tt, self.ce00):
            self.t_div = t
            self.Rvu[t, :] = np.nan
            return True
        return False

    def feedback(self, t: int, Cg1: NDArray[np.float64]) -> NDArray[np.float64]:
        """Column t of ``C_v`` (returned, entries 0..t) and row t of ``R_vu`` (stored), after :meth:`errors`."""
        cfg, p, lam, om, pl = self.cfg, self.p, self.lam, self.om, self.pl
        M, MR, MR1, Cxv = self.M, self.MR, self.MR1, self.Cxv
        b2 = cfg.b**2
        n = t + 1
        if b2 > 0:
            u = MR[:, t, :n] @ Cg1
            cv = (b2 * lam**2 * p)[:, None] * (MR[:, :n, :n] @ u[:, :, None])[:, :, 0]
        else:
            cv = np.zeros((p.size, n))
        cv += (p * lam**2 * om)[:, None] * MR1[:, :n] * MR1[:, t : t + 1]
        if cfg.optimiser != "population":
            w_t = M[:, t, :n] @ Cxv[:n, :n] if self.full else M[:, t, :n] * np.diag(Cxv)[:n]
            cv += pl[:, None] * (M[:, :n, :n] @ w_t[:, :, None])[:, :, 0]
        self.Rvu[t, :n] = -cfg.b * (pl @ MR[:, t, :n])
        return cv.sum(axis=0)

    def finish(self, C_v: NDArray[np.float64], C_g: list, C_r: list) -> DMFTResult:
        """Assemble the :class:`DMFTResult` (SGD/population: ``C_Delta = diag(L)``)."""
        CD = self.CD
        if not self.full:
            CD = np.diag(self.test.copy())
            CD[~np.isfinite(CD)] = np.nan
        mats = {
            "C_e": self.Ce,
            "C_Delta": CD,
            "C_v": C_v,
            "A": self.A,
            "R_Delta": self.RD,
            "R_vu": self.Rvu,
            "C_g": C_g,
            "C_r": C_r,
        }
        return _finish(self.cfg, self.test, self.train, self.cls_loss, self.t_div, mats)


def solve_rowwise(config: DMFTConfig) -> DMFTResult:
    """Row-wise forward substitution of the DMFT (spec §3.8, first paragraph) [derived]: exact for the
    discrete-time limit equations, one pass over t, no iteration. Returns a :class:`DMFTResult`.

    MLP (§3.4; ``eg = eta0 gamma0``). For each t = 0..T-1:

    1. backward sweep l = L..1: ``G_l(t, s) = R_g^{l+1}(t, s) + eg C_g^{l+1}(s, t)`` (s < t; top ``G_L = eg S``),
       ``R_g^l[t] = G_l[t] P_l``, ``J_l[t] = I[t] + R_g^l[t] F_l``, column t of
       ``C_g^l = J_l C_xi^l J_l^T + R_g^l C_r^{l-1} R_g^{l T}`` (``C_xi^l = C_g^{l+1}``, top ``1 1^T``);
    2. D/P side (:class:`_RowDSide`): ``A(t, s) = R_g^1(t, s)/gamma0 + eta0 C_g^1(s, t)``; per class
       ``(A M_k)[t] = A[t] M_k``, ``R_p[t] = -sum_k p_k lambda_k (A M_k)[t]``, ``R_Delta[t] = I[t] + R_p[t]
       R_Delta / alpha`` (full batch; else ``I[t]``), ``M_k[t] = I[t] - lambda_k R_Delta[t] (A M_k)``,
       ``H_k[t] = I[t] - lambda_k (A M_k)[t] R_Delta``; column t of ``C_e = sum_k p_k lambda_k [omega_k (H_k 1)
       (H_k 1)^T + b^2 H_k C_g^1 H_k^T + lambda_k (H_k A) C_xv (H_k A)^T]``, of ``C_Delta = R_Delta (C_e +
       sigma^2 1 1^T) R_Delta^T`` and ``C_xv = C_Delta/alpha`` (SGD: ``C_xv = diag(L)/alpha_B``; population: 0),
       of ``C_v = sum_k p_k [lambda_k M_k C_xv M_k^T + lambda_k^2 omega_k (M_k R_Delta 1)(.)^T
       + b^2 lambda_k^2 (M_k R_Delta) C_g^1 (M_k R_Delta)^T]`` and row t of ``R_vu = -b sum_k p_k lambda_k M_k
       R_Delta``;
    3. forward sweep l = 1..L: ``F_l[t] = R_r^{l-1}[t] + eg K_{C_r^{l-1}}[t]`` (``R_r^0 = R_vu/sqrt(nu)``,
       ``C_r^0 = C_v``), ``P_l[t] = I[t] + F_l[t] R_g^l``, ``R_r^l[t] = P_l[t] F_l``, column t of
       ``C_r^l = P_l (C_r^{l-1} + F_l C_xi^l F_l^T) P_l^T``;
    4. diverged at t if ``C_e(t, t)`` is non-finite or exceeds ``1e6 C_e(0, 0)``; the solve stops there.

    O((L + K) T^3) time, O((L + K) T^2) memory. Residual nets (§3.6): :func:`_rowwise_residual` (Jacobians of
    every field w.r.t. every source, O(L^2 T^3) time, O(L^2 T^2) memory).
    """
    if config.architecture == "residual":
        return _rowwise_residual(config)
    return _rowwise_mlp(config)


def _rowwise_mlp(cfg: DMFTConfig) -> DMFTResult:
    """MLP branch of :func:`solve_rowwise` (spec §3.4, §3.8)."""
    T, L = cfg.T, cfg.L
    eg, eta0, g0 = cfg.eta0 * cfg.gamma0, cfg.eta0, cfg.gamma0
    isn = cfg.inv_sqrt_nu

    z = lambda *shape: np.zeros(shape)  # noqa: E731
    # layer-indexed stacks: index l = 0..L+1; Cr[0] = C_v, Rr[0] = R_vu/sqrt(nu); Cg[L+1] = 1 1^T (C_xi^L)
    Cr, Rr = z(L + 1, T, T), z(L + 1, T, T)
    Cg, Rg = z(L + 2, T, T), z(L + 2, T, T)
    Cg[L + 1] = 1.0
    F, G, P, J = z(L + 1, T, T), z(L + 1, T, T), z(L + 1, T, T), z(L + 1, T, T)
    ds = _RowDSide(cfg)

    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for t in range(T):
            n = t + 1
            # ---- 1. backward sweep l = L..1
            for l in range(L, 0, -1):
                if l == L:
                    G[l, t, :t] = eg
                else:
                    G[l, t, :t] = Rg[l + 1, t, :t] + eg * Cg[l + 1, :t, t]
                Rg[l, t, :t] = G[l, t, :t] @ P[l, :t, :t]
                J[l, t, :n] = Rg[l, t, :t] @ F[l, :t, :n]
                J[l, t, t] = 1.0
                col = J[l, :n, :n] @ (Cg[l + 1, :n, :n] @ J[l, t, :n])
                col += Rg[l, :n, :t] @ (Cr[l - 1, :t, :t] @ Rg[l, t, :t])
                Cg[l, :n, t] = col
                Cg[l, t, :n] = col
            # ---- 2. D side and P side
            Cg1 = Cg[1, :n, :n]
            if ds.errors(t, Rg[1, t, :t] / g0 + eta0 * Cg[1, :t, t], Cg1):
                Cr[:, t, :] = Cr[:, :, t] = np.nan  # C_v, C_r are not computed at t: mark them
                break
            cv_col = ds.feedback(t, Cg1)
            Cr[0, :n, t] = cv_col
            Cr[0, t, :n] = cv_col
            Rr[0, t, :n] = isn * ds.Rvu[t, :n]
            # ---- 3. forward sweep l = 1..L
            for l in range(1, L + 1):
                F[l, t, :n] = Rr[l - 1, t, :n]
                F[l, t, :t] += eg * Cr[l - 1, :t, t]
                P[l, t, :n] = F[l, t, :n] @ Rg[l, :n, :n]
                P[l, t, t] = 1.0
                Rr[l, t, :n] = P[l, t, :n] @ F[l, :n, :n]
                y = P[l, t, :n]
                Fn = F[l, :n, :n]
                x = Cr[l - 1, :n, :n] @ y + Fn @ (Cg[l + 1, :n, :n] @ (Fn.T @ y))
                col = P[l, :n, :n] @ x
                Cr[l, :n, t] = col
                Cr[l, t, :n] = col

    return ds.finish(Cr[0].copy(), [Cg[l].copy() for l in range(1, L + 1)], [Cr[l].copy() for l in range(1, L + 1)])


class _ResidualIndex:
    """Index bookkeeping of the residual DMFT (spec §3.6, §3.8) [choice].

    Fields (first axis of the Jacobian stack): ``g^l`` -> ``l - 1`` and ``r^l`` -> ``L + l`` (l = 1..L+1).
    Sources (third axis), each a Gaussian process over t: ``chi^l`` -> ``l`` (l = 0..L; covariance ``C_v`` for
    l = 0, ``C_r^l`` else), ``xi^l`` -> ``L + l`` (l = 1..L; covariance ``C_g^{l+1}``) and the readout ``w_0``
    as a constant process ``zeta(t) = w_0`` -> ``2L + 1`` (covariance ``1 1^T``). Correlation stack: the 2L + 2
    source covariances in source order, then ``C_g^1`` and ``C_r^{L+1}`` (not source covariances).
    """

    def __init__(self, L: int) -> None:
        self.L = L
        self.n = 2 * L + 2  # number of fields = number of sources
        self.zeta = 2 * L + 1

    def g(self, l: int) -> int:
        return l - 1

    def r(self, l: int) -> int:
        return self.L + l

    def chi(self, l: int) -> int:
        return l

    def xi(self, l: int) -> int:
        return self.L + l

    def corr_g(self, l: int) -> int:
        """Correlation-stack index of ``C_g^l`` (l = 1..L+1)."""
        return self.n if l == 1 else self.L + l - 1

    def corr_r(self, l: int) -> int:
        """Correlation-stack index of ``C_r^l`` (l = 0..L+1; l = 0 is ``C_v``)."""
        return self.n + 1 if l == self.L + 1 else l


def _rowwise_residual(cfg: DMFTConfig) -> DMFTResult:
    """Residual branch of :func:`solve_rowwise` (spec §3.6, §3.8 last paragraph) [derived].

    The fields are linear in the 2L + 2 independent sources (:class:`_ResidualIndex`)::

        r^1 = chi^0 + F_0 g^1,                      F_0 = R_vu/sqrt(nu) + eg K_{C_v},
        r^{l+1} = r^l + beta [chi^l + F_l g^{l+1}],  F_l = R_r^l + eg beta K_{C_r^l},
        g^{L+1} = zeta + eg S r^{L+1},
        g^l = g^{l+1} + beta [xi^l + G_l r^l],       G_l = R_g^l + eg beta K_{C_g^{l+1}},

    with ``R_r^l = d r^l / d xi^l`` (l = 1..L, causal with diagonal) and ``R_g^l = d g^{l+1} / d chi^l``
    (l = 0..L, strictly causal), both blocks of the Jacobians ``J[x, src] = d x / d src`` (T x T, lower
    triangular). Every g(t) depends on r at times < t only, every r(t) on g at times <= t, so row t of all
    Jacobians follows in the order ``g^{L+1} .. g^1``, D/P side (``A = R_g^0/gamma0 + eta0 K_{C_g^1}``, as for the
    MLP), ``r^1 .. r^{L+1}``; each field's correlation column t is ``C_x[:, t] = sum_src J[x, src] C_src
    J[x, src][t]^T``. A Jacobian row is one vector-matrix product with the stacked block rows of the field it
    reads (``F[t] J[g]``, ``G[t] J[r]``); O(L^2 T^3) time, O(L^2 T^2) memory.
    """
    T, L = cfg.T, cfg.L
    beta = cfg.beta
    eg, eta0, g0 = cfg.eta0 * cfg.gamma0, cfg.eta0, cfg.gamma0
    isn = cfg.inv_sqrt_nu
    ix = _ResidualIndex(L)
    ns = ix.n
    # Jac[x, t, src, s] = d x(t) / d src(s); row block Jac[x, :n] reshaped to (n, ns T) is one contiguous matrix
    Jac = np.zeros((ns, T, ns, T))
    C = np.zeros((ns + 2, T, T))
    C[ix.zeta] = 1.0
    Csrc = C[:ns]
    ds = _RowDSide(cfg)

    def corr_col(x: int, c: int, t: int) -> None:
        """Column and row t of ``C[c] = sum_src J[x, src] C_src J[x, src]^T``. Entries of not yet computed source
        covariances only meet zero Jacobian entries (fields at t depend on those sources at times < t)."""
        n = t + 1
        w = np.zeros((ns, T))
        w[:, :n] = (Csrc[:, :n, :n] @ Jac[x, t, :, :n, None])[:, :, 0]
        col = Jac[x, :n].reshape(n, ns * T) @ w.reshape(-1)
        C[c, :n, t] = col
        C[c, t, :n] = col

    def propagate(kernel_row: NDArray[np.float64], y: int) -> NDArray[np.float64]:
        """``sum_s kernel(t, s) J[y, :, s, :]`` for a kernel row over s = 0..len-1: shape (ns, T)."""
        m = kernel_row.shape[0]
        return (kernel_row @ Jac[y, :m].reshape(m, ns * T)).reshape(ns, T)

    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for t in range(T):
            n = t + 1
            # ---- backward: g^{L+1} = zeta + eg S r^{L+1}; g^l = g^{l+1} + beta [xi^l + G_l r^l]
            top = ix.g(L + 1)
            Jac[top, t] = eg * Jac[ix.r(L + 1), :t].sum(axis=0)
            Jac[top, t, ix.zeta, t] += 1.0
            corr_col(top, ix.corr_g(L + 1), t)
            for l in range(L, 0, -1):
                up, x = ix.g(l + 1), ix.g(l)
                G_row = Jac[up, t, ix.chi(l), :t] + eg * beta * C[ix.corr_g(l + 1), :t, t]
                Jac[x, t] = Jac[up, t] + beta * propagate(G_row, ix.r(l))
                Jac[x, t, ix.xi(l), t] += beta
                corr_col(x, ix.corr_g(l), t)
            # ---- D side and P side
            c1 = ix.corr_g(1)
            Cg1 = C[c1, :n, :n]
            if ds.errors(t, Jac[ix.g(1), t, ix.chi(0), :t] / g0 + eta0 * C[c1, :t, t], Cg1):
                for l in range(L + 2):  # C_v, C_r are not computed at t: mark them
                    C[ix.corr_r(l), t, :] = C[ix.corr_r(l), :, t] = np.nan
                break
            cv_col = ds.feedback(t, Cg1)
            C[ix.corr_r(0), :n, t] = cv_col
            C[ix.corr_r(0), t, :n] = cv_col
            # ---- forward: r^1 = chi^0 + F_0 g^1; r^{l+1} = r^l + beta [chi^l + F_l g^{l+1}]
            F_row = isn * ds.Rvu[t, :n]
            F_row[:t] += eg * C[ix.corr_r(0), :t, t]
            x = ix.r(1)
            Jac[x, t] = propagate(F_row, ix.g(1))
            Jac[x, t, ix.chi(0), t] += 1.0
            corr_col(x, ix.corr_r(1), t)
            for l in range(1, L + 1):
                x, prev = ix.r(l + 1), ix.r(l)
                F_row = Jac[prev, t, ix.xi(l), :n].copy()
                F_row[:t] += eg * beta * C[ix.corr_r(l), :t, t]
                Jac[x, t] = Jac[prev, t] + beta * propagate(F_row, ix.g(l + 1))
                Jac[x, t, ix.chi(l), t] += beta
                corr_col(x, ix.corr_r(l + 1), t)

    return ds.finish(
        C[ix.corr_r(0)].copy(),
        [C[ix.corr_g(l)].copy() for l in range(1, L + 2)],
        [C[ix.corr_r(l)].copy() for l in range(1, L + 2)],
    )


# --------------------------------------------------------------------------------------------------
# fixed-point iteration with causal window growth (cross-check)
# --------------------------------------------------------------------------------------------------


def _K(C: NDArray[np.float64]) -> NDArray[np.float64]:
    """Strictly causal kernel of a correlation: ``K_C(t, s) = C(s, t) 1[s < t]`` (spec §3.2)."""
    return np.tril(C.T, -1)


def _pad(X: NDArray[np.float64], n: int, kind: str) -> NDArray[np.float64]:
    """Extend the trailing two axes of X to n: correlations repeat the last row/column, responses pad zeros."""
    m = X.shape[-1]
    if kind == "corr":
        idx = np.minimum(np.arange(n), m - 1)
        return X[..., idx, :][..., :, idx].copy()
    out = np.zeros((*X.shape[:-2], n, n))
    out[..., :m, :m] = X
    return out


def _inv_unit_lower(X: NDArray[np.float64]) -> NDArray[np.float64]:
    """Inverse of a unit lower-triangular matrix (or a stack of them), LAPACK ``dtrtri``; only the strict lower
    triangle of X is read. Every matrix inverted by the DMFT (``I - F G``, ``I + lambda A R_Delta``,
    ``I + lambda R_Delta A``, ``I - R_p/alpha``) is of this form."""
    if X.ndim > 2:
        return np.stack([_inv_unit_lower(x) for x in X])
    inv, _ = dtrtri(np.tril(X, -1), lower=1, unitdiag=1)
    return np.tril(inv, -1) + np.eye(X.shape[-1])


def _fp_sweep(cfg: DMFTConfig, st: dict, n: int) -> None:
    """One sweep of the full-matrix equations on an n-step window (state ``st`` updated in place).

    MLP (§3.3-3.4, Gauss-Seidel): backward sweep (G, P with the previous F; R_g, J, C_g), D/P side
    (:func:`_fp_dside`), forward sweep (F, P, R_r, C_r). Residual (§3.6): :func:`_fp_residual_hidden` (dense
    Jacobians with the previous D-side feedback), then the D/P side. A sweep makes at least one more time step
    exact, so the iteration converges in finitely many sweeps.
    """
    if cfg.architecture == "residual":
        _fp_residual_hidden(cfg, st, n)
        A = st["Rg"][0] / cfg.gamma0 + cfg.eta0 * _K(st["Cg"][1])
        Cv, Rvu = _fp_dside(cfg, st, A, st["Cg"][1], n)
        st["Cr"][0] = Cv
        st["Rr"][0] = cfg.inv_sqrt_nu * Rvu
        return
    L = cfg.L
    eg = cfg.eta0 * cfg.gamma0
    Id = np.eye(n)
    S = np.tril(np.ones((n, n)), -1)
    Cr, Rr, Cg, Rg = st["Cr"], st["Rr"], st["Cg"], st["Rg"]
    ones = np.ones((n, n))
    G = {}
    # backward sweep
    for l in range(L, 0, -1):
        G[l] = eg * S if l == L else Rg[l + 1] + eg * _K(Cg[l + 1])
        F = Rr[l - 1] + eg * _K(Cr[l - 1])
        P = _inv_unit_lower(Id - F @ G[l])
        Rg[l] = G[l] @ P
        J = Id + Rg[l] @ F
        Cxi = ones if l == L else Cg[l + 1]
        Cg[l] = J @ Cxi @ J.T + Rg[l] @ Cr[l - 1] @ Rg[l].T
    # D side / P side
    A = Rg[1] / cfg.gamma0 + cfg.eta0 * _K(Cg[1])
    Cv, Rvu = _fp_dside(cfg, st, A, Cg[1], n)
    Cr[0] = Cv
    Rr[0] = cfg.inv_sqrt_nu * Rvu
    # forward sweep
    for l in range(1, L + 1):
        F = Rr[l - 1] + eg * _K(Cr[l - 1])
        P = _inv_unit_lower(Id - F @ G[l])
        Rr[l] = P @ F
        Cxi = ones if l == L else Cg[l + 1]
        Cr[l] = P @ (Cr[l - 1] + F @ Cxi @ F.T) @ P.T


def _fp_dside(
    cfg: DMFTConfig, st: dict, A: NDArray[np.float64], Cg1: NDArray[np.float64], n: int
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """D side / P side of §3.3 in full-matrix form (shared by both architectures); returns ``(C_v, R_vu)``.

    ``H_k`` with the previous ``R_Delta``, ``R_p``, the new ``R_Delta``, then ``H_k``, ``M_k``, ``C_e`` with the
    previous ``C_xv``, ``C_Delta``, the new ``C_xv``, ``C_v``, ``R_vu``; updates ``RD, Ce, CD, A, Rvu, cls`` in
    ``st``.
    """
    p, lam, om = cfg.classes
    b2 = cfg.b**2
    sigma2 = cfg.sigma**2
    mode = cfg.optimiser
    Id = np.eye(n)
    lamc = lam[:, None, None]
    RD = st["RD"]
    if mode == "full_batch":
        H = _inv_unit_lower(Id + lamc * (A @ RD))
        Rp = -np.einsum("k,kij->ij", p * lam, H @ A)
        RD = _inv_unit_lower(Id - Rp / cfg.alpha)
    H = _inv_unit_lower(Id + lamc * (A @ RD))
    M = _inv_unit_lower(Id + lamc * (RD @ A))
    MR = M @ RD
    HA = H @ A
    if mode == "full_batch":
        Cxv = st["CD"] / cfg.alpha
    elif mode == "sgd":
        Cxv = np.diag(np.diag(st["Ce"]) + sigma2) / cfg.alpha_B
    else:
        Cxv = np.zeros((n, n))
    H1 = H.sum(axis=2)
    Ce_k = om[:, None, None] * H1[:, :, None] * H1[:, None, :] + b2 * (H @ Cg1 @ H.transpose(0, 2, 1))
    Ce_k += lamc * (HA @ Cxv @ HA.transpose(0, 2, 1))
    Ce_k *= (p * lam)[:, None, None]
    Ce = Ce_k.sum(axis=0)
    if mode == "full_batch":
        CD = RD @ (Ce + sigma2) @ RD.T
        Cxv = CD / cfg.alpha
    else:
        CD = np.diag(np.diag(Ce) + sigma2)
        Cxv = CD / cfg.alpha_B if mode == "sgd" else np.zeros((n, n))
    MR1 = MR.sum(axis=2)
    Cv = lamc * (M @ Cxv @ M.transpose(0, 2, 1)) + (lam**2 * om)[:, None, None] * MR1[:, :, None] * MR1[:, None, :]
    Cv += b2 * lamc**2 * (MR @ Cg1 @ MR.transpose(0, 2, 1))
    Cv = np.einsum("k,kij->ij", p, Cv)
    Rvu = -cfg.b * np.einsum("k,kij->ij", p * lam, MR)
    st.update(RD=RD, Ce=Ce, CD=CD, A=A, Rvu=Rvu, cls=np.diagonal(Ce_k, axis1=1, axis2=2).copy())
    return Cv, Rvu


def _fp_residual_hidden(cfg: DMFTConfig, st: dict, n: int) -> None:
    """Residual hidden fields of §3.6 as one dense linear system of size 2(L+1)n (spec §3.8, cross-check).

    With the kernels ``F_0 = R_vu/sqrt(nu) + eg K_{C_v}``, ``F_l = R_r^l + eg beta K_{C_r^l}``, ``G_l = R_g^l
    + eg beta K_{C_g^{l+1}}`` of the previous iterate, the stacked fields ``X = (g^1..g^{L+1}, r^1..r^{L+1})``
    obey ``X = B X + E Z`` with the stacked sources ``Z = (chi^0..chi^L, xi^1..xi^L, zeta)``; the Jacobian is
    ``(I - B)^{-1} E`` (``numpy.linalg.solve``, no use of causality), the correlations are the diagonal blocks of
    ``J blockdiag(C_src) J^T`` and the responses ``R_g^l = J[g^{l+1}, chi^l]``, ``R_r^l = J[r^l, xi^l]``.
    State lists: ``Cr = [C_v, C_r^1..C_r^{L+1}]``, ``Rr = [R_vu/sqrt(nu), R_r^1..R_r^L]``, ``Cg = [unused,
    C_g^1..C_g^{L+1}]``, ``Rg = [R_g^0..R_g^L]``.
    """
    L, beta = cfg.L, cfg.beta
    eg = cfg.eta0 * cfg.gamma0
    ix = _ResidualIndex(L)
    m = ix.n
    Cr, Rr, Cg, Rg = st["Cr"], st["Rr"], st["Cg"], st["Rg"]
    Id = np.eye(n)
    B = np.zeros((m, n, m, n))
    E = np.zeros((m, n, m, n))
    B[ix.g(L + 1), :, ix.r(L + 1)] = eg * np.tril(np.ones((n, n)), -1)
    E[ix.g(L + 1), :, ix.zeta] = Id
    B[ix.r(1), :, ix.g(1)] = Rr[0] + eg * _K(Cr[0])
    E[ix.r(1), :, ix.chi(0)] = Id
    for l in range(1, L + 1):
        B[ix.g(l), :, ix.g(l + 1)] = Id
        B[ix.g(l), :, ix.r(l)] = beta * (Rg[l] + eg * beta * _K(Cg[l + 1]))
        E[ix.g(l), :, ix.xi(l)] = beta * Id
        B[ix.r(l + 1), :, ix.r(l)] = Id
        B[ix.r(l + 1), :, ix.g(l + 1)] = beta * (Rr[l] + eg * beta * _K(Cr[l]))
        E[ix.r(l + 1), :, ix.chi(l)] = beta * Id
    Jac = np.linalg.solve(np.eye(m * n) - B.reshape(m * n, m * n), E.reshape(m * n, m * n)).reshape(m, n, m, n)
    Csrc = [Cr[l] for l in range(L + 1)] + [Cg[l + 1] for l in range(1, L + 1)] + [np.ones((n, n))]

    def corr(x: int) -> NDArray[np.float64]:
        return sum(Jac[x, :, k] @ Csrc[k] @ Jac[x, :, k].T for k in range(m))

    new_g = [corr(ix.g(l)) for l in range(1, L + 2)]
    new_r = [corr(ix.r(l)) for l in range(1, L + 2)]
    Cg[1:] = new_g
    Cr[1:] = new_r
    Rg[:] = [Jac[ix.g(l + 1), :, ix.chi(l)] for l in range(L + 1)]
    Rr[1:] = [Jac[ix.r(l), :, ix.xi(l)] for l in range(1, L + 1)]


def _fp_state(cfg: DMFTConfig, n: int) -> dict:
    """Initial fixed-point state on an n-step window: correlations 1 1^T, R_Delta = I, other responses 0."""
    L = cfg.L
    one = np.ones((n, n))
    residual = cfg.architecture == "residual"
    return {
        "Cr": [one.copy() for _ in range(L + 1 + residual)],
        "Rr": [np.zeros((n, n)) for _ in range(L + 1)],
        "Cg": [one.copy() for _ in range(L + 2)],
        "Rg": [np.zeros((n, n)) for _ in range(L + 2 - residual)],
        "RD": np.eye(n),
        "Ce": one.copy(),
        "CD": one.copy(),
    }


def _fp_grow(st: dict, m: int) -> dict:
    """The state padded to m steps: correlations repeat their last row/column, responses get zeros, and
    ``R_Delta`` keeps its unit diagonal."""
    n = st["RD"].shape[0]
    out = {k: [_pad(x, m, "corr") for x in st[k]] for k in ("Cr", "Cg")}
    out.update({k: [_pad(x, m, "resp") for x in st[k]] for k in ("Rr", "Rg")})
    out["Ce"], out["CD"] = _pad(st["Ce"], m, "corr"), _pad(st["CD"], m, "corr")
    rd = _pad(st["RD"], m, "resp")
    rd[np.arange(n, m), np.arange(n, m)] = 1.0
    out["RD"] = rd
    return out


_FP_LISTS = ("Cr", "Rr", "Cg", "Rg")
_FP_MATS = ("RD", "Ce", "CD")


def _fp_converge(cfg: DMFTConfig, st: dict, tol: float, max_sweeps: int) -> tuple[bool, int]:
    """Sweep until every state matrix changes by at most ``tol * max(1, max|C_e|)``; (converged, sweeps)."""
    n = st["RD"].shape[0]
    for it in range(max_sweeps):
        old = {k: [x.copy() for x in st[k]] for k in _FP_LISTS} | {k: st[k].copy() for k in _FP_MATS}
        _fp_sweep(cfg, st, n)
        pairs = [(st[k], old[k]) for k in _FP_MATS]
        pairs += [(a, c) for k in _FP_LISTS for a, c in zip(st[k], old[k], strict=True)]
        if not all(np.all(np.isfinite(a)) for a, _ in pairs):
            return False, it + 1
        change = max(float(np.max(np.abs(a - c))) for a, c in pairs)
        if it >= 1 and change <= tol * max(1.0, float(np.max(np.abs(st["Ce"])))):
            return True, it + 1
    return False, max_sweeps


def solve_fixed_point(
    config: DMFTConfig, *, window_step: int = 10, tol: float = 1e-11, max_sweeps: int = 400
) -> DMFTResult:
    """Cross-check solver: fixed-point iteration of §3.3-3.4 (MLP) or §3.6 (residual) with causal window growth
    (spec §3.8) [derived].

    Start from a window of ``window_step`` times with correlations ``1 1^T``, ``R_Delta = I`` and other responses 0;
    iterate full-matrix sweeps (:func:`_fp_sweep`: ``P = (I - F G)^{-1}``, ``H_k = (I + lambda_k A R_Delta)^{-1}``,
    ``M_k = (I + lambda_k R_Delta A)^{-1}``, ``R_Delta = (I - R_p/alpha)^{-1}``, ...; residual: a dense solve of
    size 2(L+1)n for the hidden-field Jacobians, :func:`_fp_residual_hidden`) until the largest change of
    every state matrix (C_e, C_Delta, C_g, C_r incl. C_v, R_g, R_r incl. R_vu, R_Delta) is at most
    ``tol * max(1, max|C_e|)``; then extend the window by ``window_step`` (correlations padded by repeating the last
    row/column, responses by zeros, ``R_Delta`` keeping its unit diagonal) and repeat up to T. Iterating the whole
    window from scratch diverges for T >~ 10 (§7). A window whose iteration overflows or does not settle within
    ``max_sweeps`` is retried with a one-step extension; if that fails too, its new time is the divergence time.
    Divergence as in §3.8 step 4, checked on each converged window. Same outputs as :func:`solve_rowwise`
    (``iterations`` = total number of sweeps).
    """
    cfg = config
    T, L = cfg.T, cfg.L
    step = max(1, int(window_step))
    prev: dict | None = None  # last converged state
    st = _fp_state(cfg, min(step, T))
    sweeps, t_div = 0, None
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        while True:
            n = st["RD"].shape[0]
            n_prev = 0 if prev is None else prev["RD"].shape[0]
            ok, k = _fp_converge(cfg, st, tol, max_sweeps)
            sweeps += k
            if not ok:
                if n - n_prev > 1:  # retry with a one-step extension
                    st = _fp_state(cfg, 1) if prev is None else _fp_grow(prev, n_prev + 1)
                    continue
                t_div = n - 1
                break
            prev = st
            diag = np.diag(st["Ce"])
            bad = [t for t in range(n) if _diverged(float(diag[t]), float(diag[0]))]
            if bad:
                t_div = bad[0]
                break
            if n == T:
                break
            st = _fp_grow(st, min(n + step, T))

    test, train = np.full(T, np.inf), np.full(T, np.inf)
    cls_loss = np.full((cfg.K, T), np.inf)
    nanmat = lambda: np.full((T, T), np.nan)  # noqa: E731
    mats = {k: nanmat() for k in ("C_e", "C_Delta", "C_v", "A", "R_Delta", "R_vu")}
    n_out = L + (cfg.architecture == "residual")  # C_g^1.., C_r^1..: L (MLP) or L + 1 (residual) layers
    mats["C_g"] = [nanmat() for _ in range(n_out)]
    mats["C_r"] = [nanmat() for _ in range(n_out)]
    if prev is not None:
        n = prev["RD"].shape[0]
        test[:n] = np.diag(prev["Ce"]) + cfg.sigma**2
        train[:n] = np.diag(prev["CD"]) if cfg.optimiser == "full_batch" else test[:n]
        cls_loss[:, :n] = prev["cls"]
        CD = prev["CD"] if cfg.optimiser == "full_batch" else np.diag(test[:n])
        for key, val in (
            ("C_e", prev["Ce"]),
            ("C_Delta", CD),
            ("C_v", prev["Cr"][0]),
            ("A", prev["A"]),
            ("R_Delta", prev["RD"]),
            ("R_vu", prev["Rvu"]),
        ):
            mats[key][:n, :n] = val
        for l in range(n_out):
            mats["C_g"][l][:n, :n] = prev["Cg"][l + 1]
            mats["C_r"][l][:n, :n] = prev["Cr"][l + 1]
    return _finish(cfg, test, train, cls_loss, t_div, mats, iterations=sweeps)


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
    p, lam, om = _check_classes(classes)
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
    p, lam, om = _check_classes(classes)
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

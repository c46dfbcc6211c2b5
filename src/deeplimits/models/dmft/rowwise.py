"""Row-wise forward substitution of the DMFT (spec ``bordelon`` §3.8, the primary solver): all kernels are causal,
so row t of every object depends only on rows < t; one pass over t is exact. O((L + K) T^3) time, O((L + K) T^2)
memory for the MLP, O(L^2 T^3) for residual networks. The model and its order parameters: :mod:`.model`."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from deeplimits.models.dmft.model import DMFTConfig, DMFTResult, diverged, finish

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
        if diverged(ce_tt, self.ce00):
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
        return finish(self.cfg, self.test, self.train, self.cls_loss, self.t_div, mats)


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


class ResidualIndex:
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

    The fields are linear in the 2L + 2 independent sources (:class:`ResidualIndex`)::

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
    ix = ResidualIndex(L)
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

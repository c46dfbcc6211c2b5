"""Fixed-point iteration of the DMFT with causal window growth (spec ``bordelon`` §3.8, the cross-check of
:mod:`.rowwise`): the same equations in full-matrix form, iterated to a fixed point on a causal window grown by a
few steps at a time."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.linalg.lapack import dtrtri

from deeplimits.models.dmft.model import DMFTConfig, DMFTResult, diverged, finish
from deeplimits.models.dmft.rowwise import ResidualIndex

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
    ix = ResidualIndex(L)
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
            bad = [t for t in range(n) if diverged(float(diag[t]), float(diag[0]))]
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
    return finish(cfg, test, train, cls_loss, t_div, mats, iterations=sweeps)

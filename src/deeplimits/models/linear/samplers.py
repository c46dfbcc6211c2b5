"""Samplers of deep linear networks and their proportional limit (bassetti spec §§2-4).

Notation (spec §2): ``widths`` = [N_1, ..., N_L] are the L hidden widths (= the L Wishart factors of Q);
N_0 is the input dimension, X = (x^1 .. x^P) is N_0 x P, K = X^T X / N_0, D is the number of outputs and
S_{i mu} = s_i(x^mu) is D x P. The network [choice] is

    h^1 = W^1 x / sqrt(N_0),  h^l = W^l h^{l-1} / sqrt(N_{l-1}) (l = 2..L),  s = V h^L / sqrt(N_L),

all weights iid N(0, 1). vec is output-major, so Cov(vec S | Q) = Q ⊗ K.

Samplers (spec §4):

- :func:`brute_linear`: explicit weights (ground truth), also returning the network's Q;
- :func:`bartlett_factor`: exact finite-N law of Q = B B^T as a product of Bartlett factors (§3.1), with
  optional snapshots along one path (the limit surrogate at width N', §4 "Limit");
- :func:`mixture_outputs` (S = B G C_K^T, the D x D form) and :func:`pxp_mixture` (the P x P form, §3.1);
- :func:`product_Q_D1` (exact D = 1) and :func:`lognormal_Q_D1` (the D = 1 limit, §3.2);
- :func:`triangular_sde_D2`: the D = 2 limit from the triangular stochastic-integral form (§3.2, test T3).

Conventions shared by all samplers: keyword arguments ``seed`` (``numpy.random.SeedSequence``),
``n_samples`` and ``chunk_size`` (a multiple of ``deeplimits.rng.STREAM_BLOCK``); randomness only through
:func:`deeplimits.rng.chunked_rngs`, drawn in a fixed, documented order per chunk, so every array is bit for
bit the same whatever the chunk size; loops run over layers (and over the entries of the small D x D or
P x P matrices), never over samples; float64 throughout; memory is bounded by the chunk.

Triangular products are written entry by entry (elementwise arrays over the samples of a chunk, stored
entry-major, i.e. one contiguous array per matrix entry): this exploits the triangular structure, avoids
one tiny BLAS call per sample and layer, and is exactly reproducible.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence

import numpy as np

from deeplimits.rng import ChunkRng, chunked_rngs

#: layers whose Bartlett entries are drawn together (fewer generator calls); memory chunk x LAYER_GROUP x
#: dim (dim + 1) / 2 floats. Part of the draw order: changing it changes the arrays.
LAYER_GROUP = 32

Arrays = dict[str, np.ndarray]


# --------------------------------------------------------------------------------------------------
# argument checks and small helpers


def _check_widths(widths: Sequence[int], dim: int | None = None, what: str = "D",
                  allow_empty: bool = True) -> list[int]:
    """Integer widths N_1..N_L; with ``dim`` the Bartlett condition N_l >= dim (spec §3.1, pitfall 1)."""
    widths = [int(w) for w in widths]
    if not widths and not allow_empty:
        raise ValueError("widths must be a non-empty list of positive integers")
    for l, w in enumerate(widths):
        if w < 1:
            raise ValueError(f"widths must be positive integers, got widths[{l}] = {w}")
        if dim is not None and w < dim:
            raise ValueError(f"the Bartlett factor needs N_l >= {what} = {dim}, got widths[{l}] = N_{l + 1} = {w}")
    return widths


def _check_positive(name: str, value: int) -> int:
    if int(value) != value or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def linear_kernel(X: np.ndarray) -> np.ndarray:
    """K = X^T X / N_0 (P x P) of inputs X (N_0 x P) [derived, spec §2]."""
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError(f"X must be an N_0 x P matrix, got shape {X.shape}")
    return X.T @ X / X.shape[0]


def kernel_factor(K: np.ndarray) -> np.ndarray:
    """C_K with C_K C_K^T = K: the Cholesky factor (spec §3.1), or U diag(sqrt(max(kappa, 0))) from the
    eigendecomposition K = U diag(kappa) U^T when K is only positive semi-definite (e.g. P > N_0); the law of
    S = C_Q G C_K^T does not depend on the choice of the factor."""
    K = np.atleast_2d(np.asarray(K, dtype=np.float64))
    if K.ndim != 2 or K.shape[0] != K.shape[1]:
        raise ValueError(f"K must be a square P x P matrix, got shape {K.shape}")
    if not np.allclose(K, K.T, rtol=1e-12, atol=1e-12 * max(1.0, float(np.abs(K).max(initial=0.0)))):
        raise ValueError("K must be symmetric")
    try:
        return np.linalg.cholesky(K)
    except np.linalg.LinAlgError:
        kappa, U = np.linalg.eigh(K)
        if kappa.min() < -1e-10 * max(1.0, kappa.max()):
            raise ValueError(f"K must be positive semi-definite, smallest eigenvalue {kappa.min():.3g}") from None
        return U * np.sqrt(np.maximum(kappa, 0.0))


def gram(B: np.ndarray) -> np.ndarray:
    """Q = B B^T for a stack of factors B (..., D, D)."""
    return np.einsum("...ij,...kj->...ik", B, B)


def _layer_groups(widths: list[int]) -> Iterator[np.ndarray]:
    """The widths in consecutive groups of LAYER_GROUP layers (the unit of one draw)."""
    for start in range(0, len(widths), LAYER_GROUP):
        yield np.asarray(widths[start:start + LAYER_GROUP], dtype=np.float64)


def _bartlett_chi2(rng: ChunkRng, group: np.ndarray, dim: int) -> np.ndarray:
    """chi2_{N_l - i + 1} for the rows i = 1..dim of the layers of ``group``: shape (chunk, len(group), dim)."""
    dof = group[:, None] - np.arange(dim)  # N_l - i + 1 (1-based i) = N_l - i (0-based), spec pitfall 1
    return rng.chisquare(np.broadcast_to(dof, (len(rng), *dof.shape)))


# --------------------------------------------------------------------------------------------------
# the Bartlett product (shared by bartlett_factor and pxp_mixture)


class _TriangularPath:
    """Lower-triangular B (dim x dim) for the samples of one chunk, entry-major: ``b[i][j]`` (j <= i) is a
    contiguous array over the samples. Starts at B = I."""

    def __init__(self, dim: int, m: int):
        self.dim = dim
        self.b = [[np.full(m, float(i == j)) for j in range(i + 1)] for i in range(dim)]

    def left_multiply(self, diag: np.ndarray, off: np.ndarray) -> None:
        """B <- T B for the lower-triangular T with T_ii = diag[i] and T_ik = off[i (i - 1) / 2 + k] (k < i),
        arrays over the samples. (T B)_ij = sum_{k=j}^{i} T_ik B_kj; rows are updated from the bottom so that
        every new row only reads old rows (k <= i); the sum runs in the fixed order T_ii B_ij, then k = j..i-1."""
        b = self.b
        for i in range(self.dim - 1, -1, -1):
            row = []
            for j in range(i + 1):
                acc = diag[i] * b[i][j]
                for k in range(j, i):
                    acc += off[i * (i - 1) // 2 + k] * b[k][j]
                row.append(acc)
            b[i] = row

    def matrix(self) -> np.ndarray:
        """B as an array (chunk, dim, dim), zeros above the diagonal."""
        m = self.b[0][0].size
        out = np.zeros((m, self.dim, self.dim))
        for i in range(self.dim):
            for j in range(i + 1):
                out[:, i, j] = self.b[i][j]
        return out


def _check_snapshots(snapshots: Sequence[int] | None, n_layers: int) -> list[int]:
    if snapshots is None:
        return []
    snaps = [int(s) for s in snapshots]
    if any(s != t for s, t in zip(snaps, snapshots, strict=True)):
        raise ValueError(f"snapshots must be integers, got {list(snapshots)!r}")
    if any(b < a for a, b in zip(snaps, snaps[1:], strict=False)) or (snaps and (snaps[0] < 0 or snaps[-1] > n_layers)):
        raise ValueError(f"snapshots must be sorted layer counts in [0, L = {n_layers}], got {snaps!r}")
    return snaps


def _bartlett_chunk(rng: ChunkRng, widths: list[int], dim: int,
                    snapshots: list[int]) -> tuple[np.ndarray, list[np.ndarray]]:
    """B = T_L ... T_1 for one chunk (spec §3.1), each new layer multiplied on the left (B <- T_l B), and the
    partial products T_{L_k} ... T_1 at the layer counts ``snapshots``. Layers are drawn in groups of
    LAYER_GROUP: for each group, first the chi-squares (chunk, group, dim), then the normals
    (chunk, group, dim (dim - 1) / 2) of the strictly lower entries in row-major order (2,1), (3,1), (3,2), ...
    Returns B (chunk, dim, dim) and the snapshot factors."""
    path = _TriangularPath(dim, len(rng))
    snaps: list[np.ndarray] = []
    k = 0
    while k < len(snapshots) and snapshots[k] == 0:
        snaps.append(path.matrix())
        k += 1
    layer = 0
    n_off = dim * (dim - 1) // 2
    for group in _layer_groups(widths):
        scale = 1.0 / np.sqrt(group)
        # (group, dim, chunk) and (group, n_off, chunk): contiguous rows per layer and entry
        diag = np.ascontiguousarray((np.sqrt(_bartlett_chi2(rng, group, dim)) * scale[:, None]).transpose(1, 2, 0))
        off = np.ascontiguousarray((rng.standard_normal(group.size, n_off) * scale[:, None]).transpose(1, 2, 0))
        for g in range(group.size):
            path.left_multiply(diag[g], off[g])
            layer += 1
            while k < len(snapshots) and snapshots[k] == layer:
                snaps.append(path.matrix())
                k += 1
    return path.matrix(), snaps


def bartlett_factor(*, widths: Sequence[int], D: int, seed: np.random.SeedSequence, n_samples: int,
                    chunk_size: int, snapshots: Sequence[int] | None = None) -> Arrays:
    """Exact finite-N mixing matrix Q = B B^T as a product of Bartlett factors [derived, spec §3.1, §4].

        B = T_L ... T_1,  T_l lower triangular, (T_l)_ii = sqrt(chi2_{N_l - i + 1} / N_l) (i = 1..D),
        (T_l)_ij = Z_ij / sqrt(N_l) (i > j), all entries independent; needs N_l >= D.

    Each new layer multiplies on the left (B <- T_l B). B is lower triangular with a positive diagonal, i.e.
    the Cholesky factor of Q, so it can serve as C_Q (spec pitfall 6); B_ii = prod_l (T_l)_ii and Q_11 =
    B_11^2 = prod_l chi2_{N_l} / N_l. The law of Q (and so of B) does not depend on the order of the widths
    (spec §2 "Unequal widths"). Empty ``widths`` (L = 0) give B = I, the NNGP.

    ``snapshots``: sorted layer counts 0 <= L_k <= L; then ``B_snap`` (n, len(snapshots), D, D) holds the
    partial products T_{L_k} ... T_1 of the same path: exact marginals at every L_k (the law with widths
    ``widths[:L_k]``), but correlated across k (spec §4 "Limit", pitfall 10). The arrays do not depend on
    ``snapshots``.

    Numerics: B is multiplied in plain float64, without rescaling. Its entries are bounded by the diagonal
    and the row norms, log B_ii^2 ~ N(-i alpha, 2 alpha) and B_ij^2 <= Q_ii ~ LN(-alpha, 2 alpha): at
    alpha = 8, D = 3 the entries stay within about e^{±40} even at 10 SD, far inside float64's e^{±708}
    (checked in the tests at N' = 500, L' = 4000). Overflow or underflow to zero would need alpha of order
    100; a non-finite or zero diagonal raises FloatingPointError instead of returning silently wrong factors.

    Draw order per chunk: see :func:`_bartlett_chunk`. Returns ``B`` (n, D, D) [and ``B_snap``].
    """
    D = _check_positive("D", D)
    widths = _check_widths(widths, D)
    snaps = _check_snapshots(snapshots, len(widths))
    B = np.empty((n_samples, D, D))
    B_snap = np.empty((n_samples, len(snaps), D, D)) if snapshots is not None else None
    for sl, rng in chunked_rngs(seed, n_samples, chunk_size):
        B[sl], parts = _bartlett_chunk(rng, widths, D, snaps)
        if B_snap is not None and parts:
            B_snap[sl] = np.stack(parts, axis=1)
    diag = np.diagonal(B, axis1=1, axis2=2)
    if not np.all(np.isfinite(B)) or not np.all(diag > 0):
        raise FloatingPointError("Bartlett product left the float64 range (depth too large for plain products)")
    return {"B": B} if B_snap is None else {"B": B, "B_snap": B_snap}


# --------------------------------------------------------------------------------------------------
# outputs given the mixing matrix


def _times_factor_transpose(H: np.ndarray, C: np.ndarray) -> np.ndarray:
    """H C^T for H (chunk, D, P) and a fixed P x P matrix C, as a fixed-order elementwise sum over nu."""
    S = H[:, :, :1] * C[:, 0]
    for nu in range(1, C.shape[1]):
        S += H[:, :, nu:nu + 1] * C[:, nu]
    return S


def mixture_outputs(*, B: np.ndarray, K: np.ndarray, seed: np.random.SeedSequence, chunk_size: int) -> Arrays:
    """Outputs given the mixing factor: S = B G C_K^T [derived, spec §3.1].

    vec S | Q ~ N(0, Q ⊗ K) with Q = B B^T: G is D x P iid N(0, 1) per sample (independent of B) and C_K
    C_K^T = K (:func:`kernel_factor`). ``B`` (n, D, D) is any factor of Q (e.g. from :func:`bartlett_factor`
    or :func:`triangular_sde_D2`, or sqrt(Q) for D = 1); n = B.shape[0] samples. Draw order per chunk: G
    (chunk, D, P). Returns ``S`` (n, D, P).
    """
    B = np.asarray(B, dtype=np.float64)
    if B.ndim != 3 or B.shape[1] != B.shape[2]:
        raise ValueError(f"B must have shape (n, D, D), got {B.shape}")
    C = kernel_factor(K)
    n, D, _ = B.shape
    P = C.shape[0]
    S = np.empty((n, D, P))
    for sl, rng in chunked_rngs(seed, n, chunk_size):
        G = rng.standard_normal(D, P)
        b = B[sl]
        H = b[:, :, :1] * G[:, None, 0, :]  # (B G)_{i mu} = sum_k B_ik G_k mu, fixed order k = 0..D-1
        for k in range(1, D):
            H += b[:, :, k:k + 1] * G[:, None, k, :]
        S[sl] = _times_factor_transpose(H, C)
    return {"S": S}


def pxp_mixture(*, widths: Sequence[int], K: np.ndarray, D: int, seed: np.random.SeedSequence, n_samples: int,
                chunk_size: int) -> Arrays:
    """Outputs from the P x P form of the mixture [derived, spec §3.1 "P x P form"].

        vec S | V ~ N(0, I_D ⊗ V),  V = C_K Qt C_K^T,  Qt = Bt Bt^T a P x P Bartlett product, same widths,

    so the D rows of S are independent N(0, V) draws: S = G (C_K Bt)^T = (G Bt^T) C_K^T, G D x P iid
    N(0, 1). Needs N_l >= P. Same law of S as :func:`mixture_outputs` with a D x D Bartlett factor; only one
    of Q and V is random (spec pitfall 5). Draw order per chunk: the Bartlett layers of Bt (as in
    :func:`bartlett_factor` with dimension P), then G (chunk, D, P). Returns ``S`` (n, D, P).
    """
    D = _check_positive("D", D)
    C = kernel_factor(K)
    P = C.shape[0]
    widths = _check_widths(widths, P, what="P")
    S = np.empty((n_samples, D, P))
    for sl, rng in chunked_rngs(seed, n_samples, chunk_size):
        bt, _ = _bartlett_chunk(rng, widths, P, [])
        G = rng.standard_normal(D, P)
        H = G[:, :, :1] * bt[:, None, :, 0]  # (G Bt^T)_{i mu} = sum_nu G_i nu Bt_mu nu, fixed order nu = 0..P-1
        for nu in range(1, P):
            H += G[:, :, nu:nu + 1] * bt[:, None, :, nu]
        S[sl] = _times_factor_transpose(H, C)
    return {"S": S}


# --------------------------------------------------------------------------------------------------
# explicit networks


def brute_linear(*, widths: Sequence[int], X: np.ndarray, D: int, seed: np.random.SeedSequence, n_samples: int,
                 chunk_size: int) -> Arrays:
    """Explicit deep linear networks, one per sample (ground truth) [choice, spec §2, §4 "Brute force"].

    Propagated from the readout backwards (spec §4): A = V / sqrt(N_L) (D x N_L), A <- A W^l / sqrt(N_{l-1})
    for l = L..2, then S = A W^1 X / sqrt(N_0); the same network's Q = A A^T (before W^1) allows
    Rao-Blackwellised moments, vec S | Q ~ N(0, Q ⊗ K) (§3.1).

    ``widths`` = [N_1..N_L] (L >= 1), X (N_0 x P). Per network sum_l N_l N_{l-1} + D N_L normals; per chunk
    and layer the weights are (chunk, N_l, N_{l-1}) (peak ≈ 2 x 8 x chunk x N_l N_{l-1} bytes), multiplied
    by batched matmuls. Draw order per chunk: V (chunk, D, N_L), W^L, ..., W^2, W^1 (chunk, N_l, N_{l-1}).

    Returns ``S`` (n, D, P) and ``Q`` (n, D, D).
    """
    D = _check_positive("D", D)
    widths = _check_widths(widths, allow_empty=False)
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError(f"X must be an N_0 x P matrix, got shape {X.shape}")
    n0, P = X.shape
    S = np.empty((n_samples, D, P))
    Q = np.empty((n_samples, D, D))
    for sl, rng in chunked_rngs(seed, n_samples, chunk_size):
        A = rng.standard_normal(D, widths[-1]) * (1.0 / math.sqrt(widths[-1]))
        for l in range(len(widths), 1, -1):  # W^l is N_l x N_{l-1} = widths[l-1] x widths[l-2]
            W = rng.standard_normal(widths[l - 1], widths[l - 2])
            A = np.matmul(A, W)
            A *= 1.0 / math.sqrt(widths[l - 2])
            del W
        Q[sl] = np.matmul(A, A.transpose(0, 2, 1))
        AW1 = np.matmul(A, rng.standard_normal(widths[0], n0))
        S[sl] = np.matmul(AW1, X) * (1.0 / math.sqrt(n0))
    return {"S": S, "Q": Q}


# --------------------------------------------------------------------------------------------------
# D = 1 and the D = 2 limit


def product_Q_D1(*, widths: Sequence[int], seed: np.random.SeedSequence, n_samples: int,
                 chunk_size: int) -> Arrays:
    """Exact D = 1 mixing variance Q = prod_l chi2_{N_l} / N_l [derived, spec §3.1 "D = 1", §4].

    Also the law of Q_11 and of u^T Q u (|u| = 1) for any D. Summed in log space (O(L) per sample), Q =
    exp(sum_l [ln chi2_{N_l} - ln N_l]); empty ``widths`` give Q = 1. Draw order per chunk: chi2 in groups
    of LAYER_GROUP layers (chunk, group) (the first-row chi-squares of :func:`bartlett_factor`'s order).
    Returns ``Q`` (n,).
    """
    widths = _check_widths(widths)
    log_norm = float(np.sum(np.log(np.asarray(widths, dtype=np.float64))))
    Q = np.empty(n_samples)
    for sl, rng in chunked_rngs(seed, n_samples, chunk_size):
        log_q = np.full(len(rng), -log_norm)
        for group in _layer_groups(widths):
            log_q += np.log(_bartlett_chi2(rng, group, 1)[:, :, 0]).sum(axis=1)
        Q[sl] = np.exp(log_q)
    return {"Q": Q}


def lognormal_Q_D1(*, alpha: float, seed: np.random.SeedSequence, n_samples: int, chunk_size: int) -> Arrays:
    """The D = 1 proportional limit: ln Q_alpha ~ N(-alpha, 2 alpha) [derived, spec §3.2 "D = 1"].

    Q = exp(-alpha + sqrt(2 alpha) Z). Draw order per chunk: Z (chunk,). Returns ``Q`` (n,).
    """
    if not alpha >= 0:
        raise ValueError(f"alpha must be non-negative, got {alpha!r}")
    Q = np.empty(n_samples)
    for sl, rng in chunked_rngs(seed, n_samples, chunk_size):
        Q[sl] = np.exp(-alpha + math.sqrt(2.0 * alpha) * rng.standard_normal())
    return {"Q": Q}


def triangular_sde_D2(*, alpha: float, steps: int, seed: np.random.SeedSequence, n_samples: int,
                      chunk_size: int) -> Arrays:
    """The D = 2 limit Q_alpha = B B^T from the triangular stochastic-integral form [derived, spec §3.2, §4].

    dB = B dM, B_0 = I, with independent Brownian motions beta_11, beta_22, beta_21 (Itô):

        B_11(t) = exp(beta_11(t) / sqrt2 - t/2),  B_22(t) = exp(beta_22(t) / sqrt2 - t),  B_12 = 0,
        B_21(t) = B_11(t) int_0^t B_22(s) / B_11(s) dbeta_21(s).

    The Brownian motions are sampled on a grid of ``steps`` equal steps of [0, alpha]: B_11(alpha) and
    B_22(alpha) are exact, and the integral is the left-point Itô sum sum_k (B_22 / B_11)(t_k) dbeta_21,k,
    t_k = k alpha / steps, k = 0..steps-1 (spec §4: 1000 steps); the ratio is computed as one exponential.
    Its bias is O(alpha / steps): E Q_22 = e^{-alpha} + dt sum_k e^{-t_k} = 1 + O(alpha dt).

    Memory 3 x 8 x chunk x steps bytes. Draw order per chunk: the standard normal increments
    (chunk, 3, steps) of beta_11, beta_22, beta_21 (scaled by sqrt(alpha / steps)). Returns ``B`` (n, 2, 2),
    lower triangular with a positive diagonal (the Cholesky factor of Q).
    """
    if not alpha >= 0:
        raise ValueError(f"alpha must be non-negative, got {alpha!r}")
    steps = _check_positive("steps", steps)
    dt = alpha / steps
    t_left = dt * np.arange(steps)
    B = np.zeros((n_samples, 2, 2))
    for sl, rng in chunked_rngs(seed, n_samples, chunk_size):
        inc = rng.standard_normal(3, steps) * math.sqrt(dt)
        beta = np.cumsum(inc[:, :2], axis=2)  # beta_11, beta_22 at t_1..t_steps
        # beta at the left points t_0..t_{steps-1} (beta(0) = 0)
        left = np.concatenate([np.zeros((len(rng), 2, 1)), beta[:, :, :-1]], axis=2)
        log_ratio = (left[:, 1] - left[:, 0]) / math.sqrt(2.0) - 0.5 * t_left  # ln(B_22 / B_11)(t_k)
        b11 = np.exp(beta[:, 0, -1] / math.sqrt(2.0) - 0.5 * alpha)
        B[sl, 0, 0] = b11
        B[sl, 1, 1] = np.exp(beta[:, 1, -1] / math.sqrt(2.0) - alpha)
        B[sl, 1, 0] = b11 * np.sum(np.exp(log_ratio) * inc[:, 2], axis=1)
    return {"B": B}

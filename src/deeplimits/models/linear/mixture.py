"""Closed-form theory of deep linear networks as Gaussian mixtures (spec ``bassetti``, §§2-3).

Notation of the spec: ``widths`` is always the sequence ``N_1..N_L`` of the ``L`` Wishart factors of the
mixing matrix ``Q`` (§2 "Depth convention"; equal widths: ``[N] * L``), ``alpha = sum_l 1/N_l``,
``K`` the input kernel, ``D`` the number of outputs, ``P`` the number of inputs. Given ``Q``,
``vec S ~ N(0, Q (x) K)`` with output-major ``vec``, ``(i, mu) -> i P + mu`` (§2, §3.1).

* §3.4 moments: exact at finite widths, their ``alpha`` limits and the first-order corrections.
* §3.2 one output (``D = 1``) in the limit: the normal-log-normal law, evaluated by a trapezoid rule in
  ``u = log Q`` (see :func:`normal_lognormal_pdf`); also the Rao-Blackwellised density from sampled ``Q``.
* §3.5 posterior and predictive for ``D x D`` mixing matrices given as factors ``B`` (array ``(n, D, D)``,
  ``Q = B B^T``; the Bartlett sampler's ``B`` is lower triangular). Following pitfall 6 (§7), ``Q`` is
  never Cholesky-factorised: log-determinants and inverses use the triangular ``B``, eigenvalues of ``Q``
  are squared singular values of ``B``, and weights stay in log space.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.linalg import solve_triangular
from scipy.special import digamma, loggamma, ndtr, polygamma

_LOG_2PI = float(np.log(2.0 * np.pi))

# Trapezoid rule in u = log Q ~ N(-alpha, 2 alpha) for the normal-log-normal law (§3.2).
_U_STEP = 0.2  # largest node spacing in u
_U_STEPS_PER_SD = 4.0  # at least this many nodes per standard deviation of u
_U_SPAN_SD = 14.0  # nodes cover -alpha +- this many standard deviations

_BLOCK_ENTRIES = 1 << 21  # points x mixture components per kernel matrix
_BLOCK_COMPONENTS = 4096  # mixture components per kernel matrix

_FloatArray = NDArray[np.float64]


# ----------------------------------------------------------------------------------------------------
# Validation helpers
# ----------------------------------------------------------------------------------------------------


def _widths(widths: Sequence[int]) -> _FloatArray:
    """``N_1..N_L`` as a 1-D float array of positive integers (may be empty: ``L = 0``, ``Q = I``)."""
    ws = np.asarray(widths, dtype=float)
    if ws.ndim != 1 or np.any(ws < 1) or np.any(ws != np.round(ws)):
        raise ValueError(f"widths must be a sequence of positive integers, got {widths!r}")
    return ws


def _alpha(alpha: ArrayLike) -> _FloatArray:
    a = np.asarray(alpha, dtype=float)
    if np.any(a < 0):
        raise ValueError(f"alpha must be non-negative, got {alpha!r}")
    return a


def _non_negative_int(k: ArrayLike, name: str) -> NDArray[np.int64]:
    k_arr = np.asarray(k)
    k_int = k_arr.astype(np.int64)
    if np.any(k_int != k_arr) or np.any(k_int < 0):
        raise ValueError(f"{name} must be a non-negative integer (array), got {k!r}")
    return k_int


def _factor_stack(B: ArrayLike) -> _FloatArray:
    """Factors ``B`` of ``Q = B B^T`` as an ``(n, D, D)`` float array."""
    b = np.asarray(B, dtype=float)
    if b.ndim != 3 or b.shape[1] != b.shape[2]:
        raise ValueError(f"B must have shape (n, D, D), got {b.shape}")
    return b


def _positive_T(T: float) -> float:
    if not T > 0:
        raise ValueError(f"T must be positive (use the T0 functions for T -> 0), got {T!r}")
    return float(T)


# ----------------------------------------------------------------------------------------------------
# 3.4 moments of Q and of the outputs
# ----------------------------------------------------------------------------------------------------


def alpha_eff(widths: Sequence[int]) -> float:
    """``alpha = sum_l 1/N_l`` [derived, spec §2 "Unequal widths"]."""
    return float(np.sum(1.0 / _widths(widths)))


def g_L(widths: Sequence[int]) -> float:
    """``g_L = prod_l (1 + 2/N_l) = E Q_11^2`` [derived, spec §3.4]."""
    return float(np.prod(1.0 + 2.0 / _widths(widths)))


def h_L(widths: Sequence[int]) -> float:
    """``h_L = prod_l (1 - 1/N_l)`` [derived, spec §3.4]."""
    return float(np.prod(1.0 - 1.0 / _widths(widths)))


def g_limit(alpha: ArrayLike) -> _FloatArray:
    """``lim g_L = e^{2 alpha}`` [derived, spec §3.4]."""
    return np.exp(2.0 * _alpha(alpha))


def h_limit(alpha: ArrayLike) -> _FloatArray:
    """``lim h_L = e^{-alpha}`` [derived, spec §3.4]."""
    return np.exp(-_alpha(alpha))


def Q_second_moments(g: ArrayLike, h: ArrayLike) -> dict[str, _FloatArray]:
    """``E Q11^2 = g``, ``E Q11 Q22 = g/3 + 2h/3``, ``E Q12^2 = (g - h)/3`` [derived, spec §3.4].

    From ``E[Q_ab Q_cd] = Pi_{ab,cd} g/3 + (delta_ab delta_cd - Pi_{ab,cd}/3) h``; ``g, h`` finite
    (:func:`g_L`, :func:`h_L`) or limits (:func:`g_limit`, :func:`h_limit`). Keys ``Q11Q11``,
    ``Q11Q22``, ``Q12Q12``.
    """
    g = np.asarray(g, dtype=float)
    h = np.asarray(h, dtype=float)
    return {"Q11Q11": g, "Q11Q22": g / 3.0 + 2.0 * h / 3.0, "Q12Q12": (g - h) / 3.0}


def Q_entry_variances(g: ArrayLike, h: ArrayLike) -> dict[str, _FloatArray]:
    """``Var Q11 = g - 1``, ``Var Q12 = (g - h)/3`` (``E Q = I``) [derived, spec §3.4, §5 fig4 A1]."""
    g = np.asarray(g, dtype=float)
    h = np.asarray(h, dtype=float)
    return {"Q11": g - 1.0, "Q12": (g - h) / 3.0}


def _sum_m_below_k(term: Callable[[_FloatArray], _FloatArray], k: ArrayLike) -> _FloatArray:
    """``sum_{m=0}^{k-1} term(m)`` for every entry of the non-negative integer (array) ``k``."""
    k_int = _non_negative_int(k, "k")
    m = np.arange(int(k_int.max(initial=0)), dtype=float)
    return np.concatenate([[0.0], np.cumsum(term(m))])[k_int]


def _log_Q_power_moment_terms(widths: Sequence[int]) -> Callable[[_FloatArray], _FloatArray]:
    """``m -> sum_l log(1 + 2m/N_l)``."""
    ws = _widths(widths)
    return lambda m: np.log1p(2.0 * m[:, None] / ws).sum(axis=1)


def Q_power_moment_D1(widths: Sequence[int], k: ArrayLike) -> _FloatArray:
    """``E Q^k = prod_l prod_{m<k} (1 + 2m/N_l)`` for ``D = 1`` (law of ``Q11``) [derived, spec §3.4].

    ``k`` a non-negative integer or an integer array.
    """
    return np.exp(_sum_m_below_k(_log_Q_power_moment_terms(widths), k))


def Q_power_moment_limit(alpha: ArrayLike, k: ArrayLike) -> _FloatArray:
    """``lim E Q^k = e^{k(k-1) alpha}`` (``log Q ~ N(-alpha, 2 alpha)``) [derived, spec §3.4]."""
    k = np.asarray(k, dtype=float)
    return np.exp(k * (k - 1.0) * _alpha(alpha))


def output_even_moment_D1(widths: Sequence[int], k: ArrayLike, K: float = 1.0) -> _FloatArray:
    """``E s^{2k} = (2k-1)!! K^k E Q^k`` for one output at one input [derived, spec §3.4]."""
    log_q_terms = _log_Q_power_moment_terms(widths)
    return np.exp(_sum_m_below_k(lambda m: np.log((2.0 * m + 1.0) * K) + log_q_terms(m), k))


def kurtosis_D1(widths: Sequence[int]) -> float:
    """``E s^4 / (E s^2)^2 = 3 g_L`` [derived, spec §3.4]."""
    return 3.0 * g_L(widths)


def cov_output_squares(g: ArrayLike, K: float = 1.0) -> _FloatArray:
    """``Cov(s_1^2, s_2^2) = K^2 (g - 1)`` for two outputs at the same input [derived, spec §3.4]."""
    return K**2 * (np.asarray(g, dtype=float) - 1.0)


def multi_input_fourth(
    g: ArrayLike, h: ArrayLike, K_mumu: float, K_nunu: float, K_munu: float
) -> dict[str, _FloatArray]:
    """Fourth moments across two inputs ``mu != nu`` [derived, spec §3.4].

    With ``Pi = K_mumu K_nunu + 2 K_munu^2``: ``cross = E[s_{1mu}^2 s_{2nu}^2] = Pi g/3 +
    (K_mumu K_nunu - Pi/3) h`` and ``same = E[s_{1mu}^2 s_{1nu}^2] = Pi g``.
    """
    g = np.asarray(g, dtype=float)
    h = np.asarray(h, dtype=float)
    diag = K_mumu * K_nunu
    pi = diag + 2.0 * K_munu**2
    return {"cross": pi * g / 3.0 + (diag - pi / 3.0) * h, "same": pi * g}


def log_Bii_moments(widths: Sequence[int], i: ArrayLike) -> tuple[_FloatArray, _FloatArray]:
    """Exact ``(E log B_ii^2, Var log B_ii^2)``, ``i = 1..D`` (1-based) [derived, spec §3.4].

    ``(sum_l [psi((N_l - i + 1)/2) - log(N_l/2)], sum_l psi'((N_l - i + 1)/2))``; ``i = 1`` gives
    ``log Q11``. Broadcasts over ``i``; needs ``N_l >= i``.
    """
    ws = _widths(widths)
    i = np.asarray(i)
    if np.any(i < 1) or np.any(i > ws.min(initial=np.inf)):
        raise ValueError(f"row index i must satisfy 1 <= i <= min N_l, got {i!r}")
    half_dof = (ws - i[..., None] + 1.0) / 2.0
    return (digamma(half_dof) - np.log(ws / 2.0)).sum(axis=-1), polygamma(1, half_dof).sum(axis=-1)


def log_Bii_moments_limit(alpha: ArrayLike, i: ArrayLike) -> tuple[_FloatArray, _FloatArray]:
    """``log B_ii^2 ~ N(-i alpha, 2 alpha)`` in the limit [derived, spec §3.2]: returns ``(-i alpha, 2 alpha)``."""
    a = _alpha(alpha)
    i = np.asarray(i, dtype=float)
    return -i * a, 2.0 * a * np.ones_like(i)


def log_det_Q_mean(widths: Sequence[int], D: int) -> float:
    """``E log det Q = sum_{i=1..D} E log B_ii^2`` [derived, spec §3.4]."""
    return float(np.sum(log_Bii_moments(widths, np.arange(1, D + 1))[0]))


def log_det_Q_mean_limit(alpha: ArrayLike, D: int) -> _FloatArray:
    """``lim E log det Q = -alpha D (D + 1)/2`` [derived, spec §3.3]."""
    return -_alpha(alpha) * D * (D + 1) / 2.0


def first_order(N: ArrayLike, alpha: ArrayLike) -> dict[str, _FloatArray]:
    """First-order corrections, equal widths ``N``, ``L = alpha N`` (error ``O(N^-2)``) [derived, §3.4].

    ``g = e^{2a}(1 - 2a/N)``, ``h = e^{-a}(1 - a/2N)``, ``log_mean = E log Q = -a - a/3N``,
    ``log_var = Var log Q = 2a + 2a/N``.
    """
    n = np.asarray(N, dtype=float)
    a = _alpha(alpha)
    return {
        "g": np.exp(2.0 * a) * (1.0 - 2.0 * a / n),
        "h": np.exp(-a) * (1.0 - a / (2.0 * n)),
        "log_mean": -a - a / (3.0 * n),
        "log_var": 2.0 * a + 2.0 * a / n,
    }


# ----------------------------------------------------------------------------------------------------
# 3.2 one output: normal-log-normal law, Rao-Blackwellised density
# ----------------------------------------------------------------------------------------------------


def _normal_pdf_kernel(s: _FloatArray, var: _FloatArray) -> _FloatArray:
    return np.exp(-0.5 * s**2 / var) / np.sqrt(2.0 * np.pi * var)


def _normal_cdf_kernel(s: _FloatArray, var: _FloatArray) -> _FloatArray:
    return ndtr(s / np.sqrt(var))


def _scale_mixture(
    s: ArrayLike,
    var: _FloatArray,
    weights: _FloatArray,
    kernel: Callable[[_FloatArray, _FloatArray], _FloatArray],
) -> _FloatArray:
    """``sum_j weights_j kernel(s, var_j)`` at every point of ``s`` (any shape), in bounded-memory blocks."""
    s = np.asarray(s, dtype=float)
    flat = s.ravel()
    out = np.zeros_like(flat)
    block_c = min(var.size, _BLOCK_COMPONENTS)
    block_s = max(1, _BLOCK_ENTRIES // block_c)
    for start in range(0, flat.size, block_s):
        points = flat[start : start + block_s, None]
        for c in range(0, var.size, block_c):
            out[start : start + block_s] += kernel(points, var[c : c + block_c]) @ weights[c : c + block_c]
    return out.reshape(s.shape)[()]


def _log_normal_nodes(alpha: float) -> tuple[_FloatArray, _FloatArray]:
    """Nodes ``u`` and normalised weights of the trapezoid rule for ``u ~ N(-alpha, 2 alpha)``.

    Spacing ``h = min(0.2, sd/4)`` over ``-alpha +- 14 sd``; ``alpha = 0`` is the single node ``u = 0``.
    """
    alpha = float(_alpha(alpha))
    sd = np.sqrt(2.0 * alpha)
    if sd == 0.0:
        return np.zeros(1), np.ones(1)
    step = min(_U_STEP, sd / _U_STEPS_PER_SD)
    z = step * np.arange(-np.ceil(_U_SPAN_SD * sd / step), np.ceil(_U_SPAN_SD * sd / step) + 1.0)
    weights = np.exp(-0.5 * (z / sd) ** 2)
    return z - alpha, weights / weights.sum()


def normal_lognormal_pdf(s: ArrayLike, alpha: float, K: float = 1.0) -> _FloatArray:
    """Limit density of one output, ``p_alpha(s) = int N(s; 0, K e^u) N(u; -alpha, 2 alpha) du`` [derived, §3.2].

    Trapezoid rule in ``u`` (:func:`_log_normal_nodes`; the integrand is analytic in the strip
    ``|Im u| < pi/2``, so the rule converges geometrically). Relative error ~1e-15 against adaptive
    quadrature for ``1e-3 <= alpha <= 8``, ``|s| <= 40 sqrt K`` wherever ``p_alpha >= 1e-50``; a 100-120 node
    Gauss-Hermite rule reaches only ~1e-7 at ``alpha = 1`` and ~1e-5 at ``alpha = 2``.
    ``alpha = 0`` gives ``N(s; 0, K)`` (up to rounding). ``s`` of any shape.
    """
    u, weights = _log_normal_nodes(alpha)
    return _scale_mixture(s, K * np.exp(u), weights, _normal_pdf_kernel)


def normal_lognormal_cdf(s: ArrayLike, alpha: float, K: float = 1.0) -> _FloatArray:
    """Limit CDF ``F_alpha(s) = int Phi(s e^{-u/2} / sqrt K) N(u; -alpha, 2 alpha) du`` [derived, §3.2].

    Same nodes as :func:`normal_lognormal_pdf`; ``alpha = 0`` gives ``Phi(s / sqrt K)``.
    """
    u, weights = _log_normal_nodes(alpha)
    return _scale_mixture(s, K * np.exp(u), weights, _normal_cdf_kernel)


def rao_blackwell_pdf(s: ArrayLike, Q_samples: ArrayLike, K: float = 1.0) -> _FloatArray:
    """Rao-Blackwellised density ``n^-1 sum_j N(s; 0, K Q_j)`` from sampled ``D = 1`` ``Q`` [choice, §5 fig1].

    Evaluated in blocks over points and samples (bounded memory).
    """
    q = np.asarray(Q_samples, dtype=float).ravel()
    return _scale_mixture(s, K * q, np.full(q.size, 1.0 / q.size), _normal_pdf_kernel)


# ----------------------------------------------------------------------------------------------------
# 3.5 posterior and predictive
# ----------------------------------------------------------------------------------------------------


def label_matrix_M(Y: ArrayLike, K: ArrayLike) -> _FloatArray:
    """``M = Y K^{-1} Y^T`` (``Y``: ``D x P`` labels, ``K``: invertible ``P x P``) [derived, spec §3.5].

    Computed as ``W^T W`` with ``W = C^{-1} Y^T``, ``K = C C^T`` (symmetric positive semi-definite).
    """
    chol = np.linalg.cholesky(np.asarray(K, dtype=float))
    w = solve_triangular(chol, np.asarray(Y, dtype=float).T, lower=True)
    return w.T @ w


def label_correlation(M: ArrayLike) -> float:
    """Label reference ``c_M = M12 / sqrt(M11 M22)`` [derived, spec §3.5]."""
    m = np.asarray(M, dtype=float)
    return float(m[0, 1] / np.sqrt(m[0, 0] * m[1, 1]))


def _lower_triangular_inverse(B: _FloatArray) -> _FloatArray:
    """``B^{-1}`` of a stack of lower-triangular matrices by forward substitution (row by row)."""
    n, d, _ = B.shape
    inv = np.zeros_like(B)
    eye = np.eye(d)
    for i in range(d):
        rest = np.einsum("nj,njk->nk", B[:, i, :i], inv[:, :i, :])
        inv[:, i, :] = (eye[i] - rest) / B[:, i, i, None]
    return inv


def log_weights_T0(B: ArrayLike, M: ArrayLike, P: int) -> _FloatArray:
    """``T -> 0`` posterior log-weights ``-(P/2) log det Q - tr(Q^{-1} M)/2`` per sample [derived, §3.5].

    ``B``: lower-triangular factors ``(n, D, D)``; ``log det Q = 2 sum_i log|B_ii|`` and
    ``tr(Q^{-1} M) = tr(B^{-1} M B^{-T})`` by forward substitution (pitfall 6: no factorisation of ``Q``).
    Defined up to a ``Q``-independent constant.
    """
    b = _factor_stack(B)
    if np.any(np.triu(b, 1) != 0.0):
        raise ValueError("B must be lower triangular (Bartlett factors)")
    log_det = 2.0 * np.log(np.abs(np.diagonal(b, axis1=1, axis2=2))).sum(axis=1)
    inv = _lower_triangular_inverse(b)
    trace = np.einsum("nij,jk,nik->n", inv, np.asarray(M, dtype=float), inv)
    return -0.5 * P * log_det - 0.5 * trace


def _eigen_Q(B: _FloatArray) -> tuple[_FloatArray, _FloatArray]:
    """Eigenvectors ``R`` and eigenvalues ``q`` of ``Q = B B^T``: left singular vectors, squared singular values."""
    r, sv, _ = np.linalg.svd(B)
    return r, sv**2


def _eigen_K(K: ArrayLike) -> tuple[_FloatArray, _FloatArray]:
    """``K = U diag(kappa) U^T`` with round-off negatives of the PSD kernel clipped to 0."""
    kappa, u = np.linalg.eigh(np.asarray(K, dtype=float))
    return u, np.maximum(kappa, 0.0)


def _rotated_problem(
    B: ArrayLike, Y: ArrayLike, K: ArrayLike, T: float
) -> tuple[_FloatArray, _FloatArray, _FloatArray, _FloatArray, _FloatArray]:
    """``R``, ``q``, ``U``, ``Ytilde = R^T Y U`` ``(n, D, P)`` and ``q_i kappa_mu + T`` ``(n, D, P)``."""
    r, q = _eigen_Q(_factor_stack(B))
    u, kappa = _eigen_K(K)
    y_tilde = np.einsum("nji,jm->nim", r, np.asarray(Y, dtype=float) @ u)
    return r, q, u, y_tilde, q[:, :, None] * kappa + _positive_T(T)


def log_weights_T(B: ArrayLike, Y: ArrayLike, K: ArrayLike, T: float) -> _FloatArray:
    """``log N(vec Y; 0, Q (x) K + T I)`` per sample, ``T > 0`` [derived, spec §3.5 "Computation"].

    ``-(1/2) sum_{i,mu} [Ytilde_{i mu}^2 / (q_i kappa_mu + T) + log(q_i kappa_mu + T)] - (DP/2) log 2pi``
    with ``K = U diag(kappa) U^T``, ``Q = R diag(q) R^T`` (``q`` = squared singular values of ``B``),
    ``Ytilde = R^T Y U``. ``B``: any factors ``(n, D, D)`` with ``Q = B B^T``.
    """
    _, _, _, y_tilde, denom = _rotated_problem(B, Y, K, T)
    return -0.5 * (y_tilde**2 / denom + np.log(denom)).sum(axis=(1, 2)) - 0.5 * denom[0].size * _LOG_2PI


def _normalised_weights(log_w: ArrayLike) -> _FloatArray:
    log_w = np.asarray(log_w, dtype=float)
    w = np.exp(log_w - log_w.max())
    return w / w.sum()


def effective_sample_size(log_w: ArrayLike) -> float:
    """``ESS = (sum w)^2 / sum w^2`` from log-weights (shifted by their maximum) [choice, spec §7 pitfall 7]."""
    w = _normalised_weights(log_w)
    return float(1.0 / np.sum(w**2))


def posterior_mean_Q(B: ArrayLike, log_w: ArrayLike) -> _FloatArray:
    """``E[Q | Y] = sum_j w_j B_j B_j^T`` with normalised weights ``w prop. to exp(log_w)`` [derived, spec §3.5]."""
    b = _factor_stack(B)
    return np.einsum("n,nik,njk->ij", _normalised_weights(log_w), b, b)


def posterior_output_correlation(B: ArrayLike, log_w: ArrayLike) -> float:
    """``r = E[Q12|Y] / sqrt(E[Q11|Y] E[Q22|Y])`` (outputs 0 and 1) [derived, spec §3.5]."""
    return predictive_correlation(posterior_mean_Q(B, log_w))


def predictive_correlation(cov: ArrayLike) -> float:
    """``cov01 / sqrt(cov00 cov11)`` of a predictive covariance [derived, spec §3.5]."""
    c = np.asarray(cov, dtype=float)
    return float(c[0, 1] / np.sqrt(c[0, 0] * c[1, 1]))


def predictive_T(
    B: ArrayLike, log_w: ArrayLike, Y: ArrayLike, K: ArrayLike, k0: ArrayLike, k00: float, T: float
) -> dict[str, _FloatArray]:
    """Mean ``(D,)`` and covariance ``(D, D)`` of the ``T > 0`` mixture predictive at ``x0`` [derived, §3.5].

    Per sample, in the eigenbases (``ktilde = U^T k0``, ``d_{i mu} = q_i kappa_mu + T``):
    ``m_Q = Q Z k0 = R [q_i Ytilde_{i mu} / d_{i mu}] ktilde`` and
    ``Sigma_Q = Q k00 - (Q (x) k0^T)(Q (x) K + T I)^{-1}(Q (x) k0) = R diag(sigma) R^T`` with
    ``sigma_i = q_i k00 - q_i^2 sum_mu ktilde_mu^2 / d_{i mu}``. Mixture: ``mean = E[m_Q|Y]``,
    ``cov = E[Sigma_Q|Y] + Cov(m_Q|Y)``, weights ``prop. to exp(log_w)``.
    """
    r, q, u, y_tilde, denom = _rotated_problem(B, Y, K, T)
    k_tilde = u.T @ np.asarray(k0, dtype=float)
    w = _normalised_weights(log_w)
    m_q = np.einsum("nij,nj->ni", r, (q[:, :, None] * y_tilde / denom) @ k_tilde)
    sigma = q * k00 - q**2 * (k_tilde**2 / denom).sum(axis=2)
    mean = w @ m_q
    dev = m_q - mean
    cov = np.einsum("n,nik,nk,njk->ij", w, r, sigma, r) + np.einsum("n,ni,nj->ij", w, dev, dev)
    return {"mean": mean, "cov": cov}


def predictive_T0(
    B: ArrayLike, log_w0: ArrayLike, Y: ArrayLike, K: ArrayLike, k0: ArrayLike, k00: float
) -> dict[str, _FloatArray]:
    """``T -> 0`` predictive: ``mean = Y K^{-1} k0`` (``Q``-independent), ``cov = E[Q|Y](k00 - k0^T K^{-1} k0)``.

    [derived, spec §3.5]; ``log_w0`` from :func:`log_weights_T0`, ``K`` invertible (pitfall 8).
    """
    k0 = np.asarray(k0, dtype=float)
    solved = np.linalg.solve(np.asarray(K, dtype=float), k0)
    return {
        "mean": np.asarray(Y, dtype=float) @ solved,
        "cov": posterior_mean_Q(B, log_w0) * (k00 - k0 @ solved),
    }


def log_Q11_law(widths: Sequence[int], u: np.ndarray, points: int = 2048) -> tuple[np.ndarray, np.ndarray]:
    """Exact density and CDF of log Q11 = sum_l log(chi2_{N_l}/N_l) (spec §3.1, D = 1) at ``u``.

    Fourier inversion of the characteristic function prod_l (2/N_l)^{it} Gamma(N_l/2 + it)/Gamma(N_l/2) (midpoint
    rule on the even extension: spectrally accurate; Gil-Pelaez for the CDF). Checked against 2e5 draws (KS
    distance at the noise level) and the exact log-moments (relative error < 1e-9)."""
    ws, counts = np.unique(np.asarray(widths, dtype=float), return_counts=True)
    mean, var = log_Bii_moments(widths, 1)
    dt = np.sqrt(80.0 / var) / points  # |phi(t)| <~ exp(-var t^2 / 2) < e^-40 beyond
    t = (np.arange(points) + 0.5) * dt
    log_phi = sum(c * (1j * t * np.log(2 / n) + loggamma(n / 2 + 1j * t) - loggamma(n / 2))
                  for n, c in zip(ws, counts, strict=True))
    phi = np.exp(log_phi - 1j * t * mean)
    phase = np.exp(-1j * np.outer(np.asarray(u) - mean, t))
    return (phase @ phi).real * dt / np.pi, 0.5 - (phase @ (phi / t)).imag * dt / np.pi


def log_Q11_quadrature(widths: Sequence[int], points: int = 801) -> tuple[np.ndarray, np.ndarray]:
    """Quadrature nodes u over mean +- 12 sd of log Q11 and weights f(u) du from its exact density [derived §3.1]:
    integrals over the exact finite-N law of log Q11 (e.g. mixture densities) become weighted sums."""
    mean, var = log_Bii_moments(widths, 1)
    u = np.linspace(mean - 12 * np.sqrt(var), mean + 12 * np.sqrt(var), points)
    pdf, _ = log_Q11_law(widths, u)
    return u, np.clip(pdf, 0, None) * (u[1] - u[0])

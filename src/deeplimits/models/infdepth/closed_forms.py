"""Closed-form theory of the infinite-depth limit of finite-width residual networks (spec ``hayou``, §§2-3).

Model (spec §2): ``Y_l = Y_{l-1} + W_l phi(Y_{l-1}) / sqrt(L)``, ``W_l`` iid ``N(0, 1/n)``, ``Y_0 ~ N(0, q0 I_n)``;
the embedding ``X_t = Y_{floor(tL)}`` converges to the zero-drift SDE ``dX = ||phi(X)|| dB / sqrt(n)`` (T1).

Every function states its formula, the spec tag ([seed] / [derived] / [choice]) and the theory item (T2-T13).
Functions are vectorised over their array arguments unless stated otherwise (integer widths/depths that
enter sums or quadratures are scalars).

* T4  identity, n = 1: exact finite-L moments of ``log|Y_L/Y_0|`` (quadrature), sign flip, variance, limit law.
* T5  ReLU, n = 1: collapse probabilities, second moment.
* T6  OU activation: :func:`erfi_inv` (spec §4 S5), the activation, OU parameters, law of ``Z_t = g(X_t)``.
* T8  Quasi-GBM rate ``m_n``; T9 identity, general n; T10 piecewise-linear family ``m_n(alpha)``.
* T11/T12 McKean-Vlasov / NNGP variance; T2 infinite-width ReLU correlation ODE; T13 gradient norms.
"""

from __future__ import annotations

from math import comb

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import betaln, dawsn, erfi, log_ndtr, ndtr

_SQRT_PI = float(np.sqrt(np.pi))
_LOG_2_OVER_SQRT_PI = float(np.log(2.0 / np.sqrt(np.pi)))
_ERFI_1 = float(erfi(1.0))  # switch point of erfi_inv: Newton below, Dawson iteration above (u = 1)

#: Default OU normalisation [choice, spec §3 T6]: beta = 1, gamma = 0, zeta = 2/sqrt(pi), so a = sigma = 1.
OU_DEFAULT = {"beta": 1.0, "gamma": 0.0, "zeta": 2.0 / _SQRT_PI}

_ERFI_INV_RTOL = 1e-14  # stop when the step is below this fraction of u
_ERFI_INV_MAXITER = 100

_QUAD_KW = {"epsabs": 1e-14, "epsrel": 1e-12, "limit": 400}
_ODE_RTOL, _ODE_ATOL = 1e-12, 1e-14


# ----------------------------------------------------------------------------------------------------
# Validation helpers
# ----------------------------------------------------------------------------------------------------


def _positive_int(value: int, name: str) -> int:
    """``value`` as a positive Python int (ValueError otherwise)."""
    v = int(value)
    if v != value or v < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return v


def _as_float(x: ArrayLike) -> NDArray[np.float64]:
    return np.asarray(x, dtype=float)


def _scalar_or_array(x: NDArray[np.float64]) -> NDArray[np.float64]:
    """A 0-d array as a NumPy scalar, anything else unchanged."""
    return x[()] if x.ndim == 0 else x


# ----------------------------------------------------------------------------------------------------
# T4: identity activation, width 1
# ----------------------------------------------------------------------------------------------------


def _log_abs_shift_moment(depth: int, power: int) -> float:
    """``E[log|1 + zeta/sqrt(L)|^power]``, zeta ~ N(0, 1), by adaptive quadrature in ``u = 1 + zeta/sqrt(L)``.

    ``u ~ N(1, 1/L)``; the (integrable) log singularity at ``u = 0`` is put at an endpoint of the pieces
    (-inf, -1), (-1, 0), (0, 1), (1, inf).
    """
    from scipy import integrate  # lazy: sample jobs do not need it
    s = float(np.sqrt(depth))

    def integrand(u: float) -> float:
        return np.log(abs(u)) ** power * s * np.exp(-0.5 * (s * (u - 1.0)) ** 2) / np.sqrt(2.0 * np.pi)

    pieces = [(-np.inf, -1.0), (-1.0, 0.0), (0.0, 1.0), (1.0, np.inf)]
    return float(sum(integrate.quad(integrand, lo, hi, **_QUAD_KW)[0] for lo, hi in pieces))


def identity_log_ratio_moments(depth: int) -> tuple[float, float]:
    """Exact finite-L (mean, variance) of ``log|Y_L / Y_0|``, identity, n = 1 [derived, spec §3 T4].

    ``Y_L = Y_0 prod_l (1 + zeta_l / sqrt L)``, so mean ``= L E log|1 + zeta/sqrt L|`` and
    variance ``= L Var log|1 + zeta/sqrt L|`` (quadrature; -0.7059 and 2.157 at L = 5).
    """
    depth = _positive_int(depth, "depth")
    m1 = _log_abs_shift_moment(depth, 1)
    m2 = _log_abs_shift_moment(depth, 2)
    return depth * m1, depth * (m2 - m1 * m1)


def identity_sign_flip_probability(depth: ArrayLike) -> NDArray[np.float64]:
    """``P(sign Y_L != sign Y_0) = [1 - (1 - 2 Phi(-sqrt L))^L] / 2``, identity, n = 1 [derived, §3 T4].

    An odd number of factors ``1 + zeta_l/sqrt L`` is negative; 0.0602 at L = 5.
    """
    depth = _as_float(depth)
    p_neg = ndtr(-np.sqrt(depth))
    return _scalar_or_array(0.5 * (1.0 - (1.0 - 2.0 * p_neg) ** depth))


def identity_output_variance(depth: ArrayLike) -> NDArray[np.float64]:
    """``Var(Y_L | Y_0 = 1) = (1 + 1/L)^L - 1``, identity, n = 1 [derived, spec §3 T4]."""
    depth = _as_float(depth)
    return _scalar_or_array(np.expm1(depth * np.log1p(1.0 / depth)))


def identity_log_ratio_limit_law(t: ArrayLike, alpha: ArrayLike = 1.0) -> tuple[NDArray, NDArray]:
    """(mean, variance) ``(-alpha^2 t / 2, alpha^2 t)`` of ``log|X_t / X_0|`` for phi = alpha y, n = 1.

    GBM limit [derived, spec §3 T4]: ``|X_t| = |X_0| exp(alpha B_t - alpha^2 t / 2)``.
    """
    t, a2 = np.broadcast_arrays(_as_float(t), _as_float(alpha) ** 2)
    return _scalar_or_array(-0.5 * a2 * t), _scalar_or_array(a2 * t)


# ----------------------------------------------------------------------------------------------------
# T5: ReLU, width 1
# ----------------------------------------------------------------------------------------------------


def relu1_collapse_probability(depth: ArrayLike) -> NDArray[np.float64]:
    """``P(collapse | Y_0 > 0) = 1 - Phi(sqrt L)^L``, ReLU, n = 1 [derived, spec §3 T5].

    Collapse iff some ``zeta_l <= -sqrt L``. Evaluated as ``-expm1(L log Phi(sqrt L))`` (no cancellation).
    """
    depth = _as_float(depth)
    return _scalar_or_array(-np.expm1(depth * log_ndtr(np.sqrt(depth))))


def relu1_nonpositive_output_probability(depth: ArrayLike) -> NDArray[np.float64]:
    """``P(Y_L <= 0) = 1/2 + (1 - Phi(sqrt L)^L) / 2``, ReLU, n = 1, Y_0 ~ N(0, q0) [derived, §3 T5]."""
    return _scalar_or_array(0.5 + 0.5 * _as_float(relu1_collapse_probability(depth)))


def relu1_second_moment(t: ArrayLike, q0: ArrayLike = 1.0) -> NDArray[np.float64]:
    """``E X_t^2 = q0 (1 + e^t) / 2``, ReLU SDE, n = 1 [derived, spec §3 T5]."""
    return _scalar_or_array(_as_float(q0) * (1.0 + np.exp(_as_float(t))) / 2.0)


# ----------------------------------------------------------------------------------------------------
# T6: OU activation and erfi^{-1} (spec §4 S5)
# ----------------------------------------------------------------------------------------------------


def _erfi_inv_newton(y: NDArray[np.float64]) -> NDArray[np.float64]:
    """Root ``u in [0, 1]`` of ``erfi(u) = y`` for ``0 <= y <= erfi(1)``: Newton, ``erfi' = 2 e^{u^2}/sqrt(pi)``.

    Starts at ``sqrt(pi) y / 2 >= root`` (erfi(u) >= 2u/sqrt(pi)); erfi is convex on u >= 0, so the
    iterates decrease monotonically to the root.
    """
    return _iterate(0.5 * _SQRT_PI * y, y, lambda u, t: (erfi(u) - t) * 0.5 * _SQRT_PI * np.exp(-u * u), 0.0)


def _erfi_inv_dawson(y: NDArray[np.float64]) -> NDArray[np.float64]:
    """Root ``u >= 1`` of ``erfi(u) = y`` for ``y >= erfi(1)``: Newton on ``log erfi`` via the Dawson function.

    ``erfi(u) = 2 e^{u^2} D(u) / sqrt(pi)`` and ``(log erfi)' = 1 / D``, so
    ``u <- u - D(u) [log erfi(u) - log y]``. ``log erfi`` is convex and increasing on ``u >= 0.92``
    (D' = 1 - 2uD < 0), so from any start in ``[1, inf)`` the iterates converge (monotonically after one step).
    Start: ``u0 = max(1, sqrt(log(sqrt(pi) y sqrt(log y))))`` (the asymptote erfi ~ e^{u^2} / (sqrt(pi) u)).
    """
    log_y = np.log(y)
    u0 = np.sqrt(np.maximum(np.log(_SQRT_PI * y * np.sqrt(np.maximum(log_y, 1e-300))), 1.0))

    def step(u, t):
        d = dawsn(u)
        return d * (_LOG_2_OVER_SQRT_PI + u * u + np.log(d) - t)

    return _iterate(u0, log_y, step, 1.0)


def _iterate(u: NDArray[np.float64], target: NDArray[np.float64], step, floor: float) -> NDArray[np.float64]:
    """``u <- max(u - step(u, target), floor)`` on the not yet converged entries only (active set), until the
    step is at most ``_ERFI_INV_RTOL u`` (or ``_ERFI_INV_MAXITER`` sweeps)."""
    u = u.copy()
    active = np.arange(u.size)
    for _ in range(_ERFI_INV_MAXITER):
        if not active.size:
            break
        ua = u[active]
        s = step(ua, target[active])
        u[active] = np.maximum(ua - s, floor)
        active = active[np.abs(s) > _ERFI_INV_RTOL * ua]
    return u


def erfi_inv(y: ArrayLike) -> NDArray[np.float64]:
    """Inverse of ``erfi(z) = (2/sqrt(pi)) int_0^z e^{s^2} ds`` on the whole real line [spec §4 S5].

    Solves ``erfi(u) = |y|`` for ``u >= 0`` (Newton for ``u <= 1``, Dawson-function iteration for ``u > 1``),
    then restores the sign. Relative error ~1e-15 in u; valid up to ``|y| ~ 1e300`` and beyond
    (``log erfi`` is evaluated without overflow). NaN propagates; ``erfi_inv(+-inf) = +-inf``.
    """
    y = _as_float(y)
    a = np.abs(y)
    out = np.full(y.shape, np.nan)
    small = a <= _ERFI_1
    large = (a > _ERFI_1) & np.isfinite(a)
    out[small] = _erfi_inv_newton(a[small])
    out[large] = _erfi_inv_dawson(a[large])
    out[np.isinf(a)] = np.inf
    return _scalar_or_array(np.copysign(out, y))


def ou_transform(x: ArrayLike, beta: float = 1.0, gamma: float = 0.0) -> NDArray[np.float64]:
    """``g(x) = erfi^{-1}(beta x + gamma)``, the map with ``Z = g(X)`` an OU process [derived, spec §3 T6]."""
    return erfi_inv(beta * _as_float(x) + gamma)


def ou_transform_derivative(x: ArrayLike, beta: float = 1.0, gamma: float = 0.0) -> NDArray[np.float64]:
    """``g'(x) = (sqrt(pi)/2) beta exp(-g(x)^2)`` [derived, spec §3 T6]."""
    g = _as_float(ou_transform(x, beta, gamma))
    return _scalar_or_array(0.5 * _SQRT_PI * beta * np.exp(-g * g))


def ou_activation(
    x: ArrayLike, beta: float = 1.0, gamma: float = 0.0, zeta: float = 2.0 / _SQRT_PI
) -> NDArray[np.float64]:
    """``phi(x) = zeta exp([erfi^{-1}(beta x + gamma)]^2) > 0`` [seed in words, formula derived, §3 T6].

    Defaults are the [choice] normalisation beta = 1, gamma = 0, zeta = 2/sqrt(pi) (a = sigma = 1).
    """
    g = _as_float(ou_transform(x, beta, gamma))
    return _scalar_or_array(zeta * np.exp(g * g))


def ou_parameters(beta: ArrayLike = 1.0, zeta: ArrayLike = 2.0 / _SQRT_PI) -> tuple[NDArray, NDArray]:
    """OU (rate, noise) ``a = pi beta^2 zeta^2 / 4`` and ``sigma = sqrt(pi) beta zeta / 2`` [derived, §3 T6].

    ``dZ = -a Z dt + sigma dB``; ``sigma^2 = a`` and ``phi g' = sigma``.
    """
    beta, zeta = _as_float(beta), _as_float(zeta)
    return _scalar_or_array(np.pi * beta**2 * zeta**2 / 4.0), _scalar_or_array(0.5 * _SQRT_PI * beta * zeta)


def ou_z_law(t: ArrayLike, z0: ArrayLike, a: ArrayLike = 1.0, sigma: ArrayLike = 1.0) -> tuple[NDArray, NDArray]:
    """(mean, variance) ``(Z_0 e^{-a t}, sigma^2 (1 - e^{-2 a t}) / (2 a))`` of ``Z_t | Z_0`` [derived, §3 T6].

    Anchors (Y_0 = 1, default normalisation): Z_0 = 0.731697, m_1 = 0.269176, v_1 = 0.432332.
    """
    t, z0, a, sigma = (_as_float(v) for v in (t, z0, a, sigma))
    mean = z0 * np.exp(-a * t)
    var = sigma**2 * (-np.expm1(-2.0 * a * t)) / (2.0 * a)
    return _scalar_or_array(mean), _scalar_or_array(var)


def ou_output_density(
    y: ArrayLike,
    t: float,
    y0: float = 1.0,
    beta: float = 1.0,
    gamma: float = 0.0,
    zeta: float = 2.0 / _SQRT_PI,
) -> NDArray[np.float64]:
    """Density ``p_{X_t}(y) = N(g(y); m_t, v_t) |g'(y)|`` of the OU-activation SDE started at ``y0`` [§3 T6].

    ``m_t, v_t`` from :func:`ou_z_law` with ``Z_0 = g(y0)`` and ``(a, sigma)`` from :func:`ou_parameters`;
    ``X_t = (erfi(Z_t) - gamma) / beta`` [derived]. Requires ``t > 0``.
    """
    a, sigma = ou_parameters(beta, zeta)
    m, v = ou_z_law(t, ou_transform(y0, beta, gamma), a, sigma)
    g = _as_float(ou_transform(y, beta, gamma))
    gauss = np.exp(-0.5 * (g - m) ** 2 / v) / np.sqrt(2.0 * np.pi * v)
    return _scalar_or_array(gauss * 0.5 * _SQRT_PI * abs(beta) * np.exp(-g * g))


# ----------------------------------------------------------------------------------------------------
# T8, T9, T10: log-growth rates of the post-activation norm
# ----------------------------------------------------------------------------------------------------


def quasi_gbm_rate(n: ArrayLike) -> NDArray[np.float64]:
    """``m_n = 1 / (4 (1 - 2^-n)) - 1/n``, t = 0 rate of ``E[G_t | E_0]``, ReLU, width n [derived, §3 T8].

    From ``E[N_0 | E_0] = n / (2 (1 - 2^-n))`` in ``E G_t = (1/2n) int (E N_s - 2) ds``. Negative for
    n <= 3, positive for n >= 4 (the seed's regime change); tends to 1/4.
    """
    n = _as_float(n)
    return _scalar_or_array(0.25 / -np.expm1(-n * np.log(2.0)) - 1.0 / n)


def relu_expected_active_given_alive(n: ArrayLike) -> NDArray[np.float64]:
    """``E[N_0 | E_0] = n / (2 (1 - 2^-n))``: active ReLU units given phi(X_0) != 0 [derived, §3 T8]."""
    n = _as_float(n)
    return _scalar_or_array(n / (2.0 * -np.expm1(-n * np.log(2.0))))


def identity_log_norm_law(n: ArrayLike, t: ArrayLike = 1.0) -> tuple[NDArray, NDArray]:
    """(mean, variance) ``((n-2) t / (2n), t/n)`` of ``log(||X_t|| / ||X_0||)``, identity, width n.

    Exact Gaussian law [seed in words, formula derived, spec §3 T9].
    """
    n, t = np.broadcast_arrays(_as_float(n), _as_float(t))
    return _scalar_or_array((n - 2.0) * t / (2.0 * n)), _scalar_or_array(t / n)


def _mean_rho2_given_active(k: int, n: int, alpha: float) -> float:
    """``E[(B + alpha^4 (1-B)) / (B + alpha^2 (1-B))]``, ``B ~ Beta(k/2, (n-k)/2)`` (B = 0 / 1 at k = 0 / n).

    Quadrature with the algebraic Beta weight ``B^{k/2-1} (1-B)^{(n-k)/2-1}`` handled exactly (QAWS).
    """
    from scipy import integrate  # lazy: sample jobs do not need it
    a2 = alpha * alpha
    if k == 0:
        return a2
    if k == n:
        return 1.0

    def ratio(b: float) -> float:
        return (b + a2 * a2 * (1.0 - b)) / (b + a2 * (1.0 - b))

    wa, wb = k / 2.0, (n - k) / 2.0
    val = integrate.quad(ratio, 0.0, 1.0, weight="alg", wvar=(wa - 1.0, wb - 1.0), **_QUAD_KW)[0]
    return float(val / np.exp(betaln(wa, wb)))


def piecewise_linear_rate(n: int, alpha: float) -> float:
    """``m_n(alpha)``: t = 0 drift of ``log ||phi(X)||``, phi = x 1{x>0} + alpha x 1{x<=0} [derived, §3 T10].

    ``m_n(alpha) = (1 + alpha^2)/4 - (1/n) sum_k C(n,k) 2^-n E[(B + alpha^4 (1-B)) / (B + alpha^2 (1-B))]``,
    ``B | N^+ = k ~ Beta(k/2, (n-k)/2)`` (quadrature). For ``alpha = 0`` this returns the ReLU value
    :func:`quasi_gbm_rate` (conditioned on non-collapse), which differs from the limit ``alpha -> 0+``
    (:func:`piecewise_linear_rate_zero_plus`): the pole discontinuity [seed]. Scalar in n and alpha.
    """
    n = _positive_int(n, "width n")
    alpha = float(alpha)
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must lie in [0, 1], got {alpha!r}")
    if alpha == 0.0:
        return float(quasi_gbm_rate(n))
    mean_rho2 = sum(comb(n, k) * 0.5**n * _mean_rho2_given_active(k, n, alpha) for k in range(n + 1))
    return (1.0 + alpha * alpha) / 4.0 - mean_rho2 / n


def piecewise_linear_rate_zero_plus(n: ArrayLike) -> NDArray[np.float64]:
    """``m_n(0+) = 1/4 - (1 - 2^-n)/n`` [derived, spec §3 T10]; differs from ``m_n(0) = quasi_gbm_rate(n)``."""
    n = _as_float(n)
    return _scalar_or_array(0.25 + np.expm1(-n * np.log(2.0)) / n)


def piecewise_linear_rate_closed_form(n: int, alpha: ArrayLike) -> NDArray[np.float64]:
    """Closed forms of ``m_n(alpha)`` [derived, spec §3 T10]: ``m_1 = -(1 + alpha^2)/4``,
    ``m_2 = -(1 - alpha)^2 / 8``, ``m_n(1) = (n - 2)/(2n)``. ValueError where none applies.
    """
    n = _positive_int(n, "width n")
    alpha = _as_float(alpha)
    if n == 1:
        return _scalar_or_array(-(1.0 + alpha**2) / 4.0)
    if n == 2:
        return _scalar_or_array(-((1.0 - alpha) ** 2) / 8.0)
    if np.all(alpha == 1.0):
        return _scalar_or_array(np.full(alpha.shape, (n - 2.0) / (2.0 * n)))
    raise ValueError("closed form of m_n(alpha) only for n <= 2 or alpha = 1")


# ----------------------------------------------------------------------------------------------------
# T11, T12: sequential limits; T13: gradients
# ----------------------------------------------------------------------------------------------------


def mckean_vlasov_variance(t: ArrayLike, q0: ArrayLike = 1.0) -> NDArray[np.float64]:
    """``q_t = q0 e^{t/2}``: coordinate variance, ReLU, depth then width (and width then depth) [§3 T11-T12].

    From ``q_t' = E phi(sqrt(q_t) Z)^2 = q_t / 2`` [seed: closed-form ODE; formula derived].
    """
    return _scalar_or_array(_as_float(q0) * np.exp(0.5 * _as_float(t)))


def nngp_variance(depth: ArrayLike, t: ArrayLike = 1.0, q0: ArrayLike = 1.0) -> NDArray[np.float64]:
    """``q_{floor(tL)} = q0 (1 + 1/(2L))^{floor(tL)}``: NNGP recursion, ReLU, finite L [derived, §3 T12].

    1.601807, 1.636151, 1.645521 at L = 4, 16, 64 (t = 1, q0 = 1); tends to ``q0 e^{t/2}``.
    """
    depth = _as_float(depth)
    layers = np.floor(_as_float(t) * depth + 1e-9)  # guard t L = integer against rounding
    return _scalar_or_array(_as_float(q0) * np.exp(layers * np.log1p(0.5 / depth)))


def nngp_log_growth(depth: ArrayLike) -> NDArray[np.float64]:
    """``(L/2) log(1 + 1/(2L))``: log of ``||phi(Y_L)|| / ||phi(Y_0)||``, width then depth [derived, §3 T12]."""
    depth = _as_float(depth)
    return _scalar_or_array(0.5 * depth * np.log1p(0.5 / depth))


def gradient_norm_ratio(t: ArrayLike) -> NDArray[np.float64]:
    """``||h_{tL}|| / ||h_L|| -> e^{(1 - t)/4}``, ReLU, infinite width [derived heuristic, spec §3 T13]."""
    return _scalar_or_array(np.exp(0.25 * (1.0 - _as_float(t))))


# ----------------------------------------------------------------------------------------------------
# T2: infinite-width ReLU correlation
# ----------------------------------------------------------------------------------------------------


def relu_correlation_drift(c: ArrayLike) -> NDArray[np.float64]:
    """``dc/dt = (sqrt(1 - c^2) - c arccos c) / (2 pi)``, ReLU, width -> inf first [derived, spec §3 T2].

    ``c`` is clipped to [-1, 1]; the drift vanishes at the fixed point c = 1.
    """
    c = np.clip(_as_float(c), -1.0, 1.0)
    return _scalar_or_array((np.sqrt(1.0 - c * c) - c * np.arccos(c)) / (2.0 * np.pi))


def relu_correlation_path(c0: ArrayLike, t: ArrayLike = 1.0) -> NDArray[np.float64]:
    """Solution ``c_t`` of :func:`relu_correlation_drift` from ``c_0`` [derived, spec §3 T2]; c_0 = 1/2 -> 0.55028.

    ``solve_ivp`` (DOP853, rtol 1e-12, atol 1e-14) on the vector of starting values; ``t >= 0`` any shape.
    Returns an array of shape ``np.shape(c0) + np.shape(t)``.
    """
    from scipy import integrate  # lazy: sample jobs do not need it
    c0 = _as_float(c0)
    t = _as_float(t)
    t_flat = t.ravel()
    if np.any(t_flat < 0):
        raise ValueError("t must be non-negative")
    order = np.argsort(t_flat)
    t_eval = t_flat[order]
    t_end = float(t_eval[-1]) if t_eval.size else 0.0
    y0 = c0.ravel()
    out = np.empty((y0.size, t_flat.size))
    if t_end == 0.0:
        out[:] = y0[:, None]
    else:
        sol = integrate.solve_ivp(
            lambda _s, c: relu_correlation_drift(c),
            (0.0, t_end),
            y0,
            method="DOP853",
            t_eval=t_eval,
            rtol=_ODE_RTOL,
            atol=_ODE_ATOL,
        )
        if not sol.success:  # pragma: no cover - defensive
            raise RuntimeError(sol.message)
        out[:, order] = sol.y
    return _scalar_or_array(out.reshape(c0.shape + t.shape))

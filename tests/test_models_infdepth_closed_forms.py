"""Unit tests of the closed-form theory of spec hayou §§2-3 (src/deeplimits/models/infdepth/closed_forms.py).

Anchors are the spec's printed numbers (§3, T2-T13), checked to their last printed digit (+-1 unit);
closed forms are also checked against independent computations (mpmath quadrature, scipy.special.erfi,
hypergeometric closed forms, numerical integration of densities, exact rationals).
"""

from __future__ import annotations

from fractions import Fraction
from math import comb

import mpmath
import numpy as np
import pytest
from scipy import integrate, stats
from scipy.special import erfi, hyp2f1

from deeplimits.models.infdepth import closed_forms as th


def assert_printed(value: float, printed: str) -> None:
    """|value - printed| <= one unit of the printed number's last digit (mantissa digit for e-notation)."""
    if "e" in printed.lower():
        mant, exp = printed.lower().split("e")
        decimals = len(mant.split(".")[1]) if "." in mant else 0
        unit = 10.0 ** (int(exp) - decimals)
    else:
        decimals = len(printed.split(".")[1]) if "." in printed else 0
        unit = 10.0**-decimals
    assert abs(float(value) - float(printed)) <= 1.000001 * unit, (value, printed)


# ----------------------------------------------------------------------------------------------------
# T4 identity, n = 1
# ----------------------------------------------------------------------------------------------------


def test_t4_anchors_at_L5():
    mean, var = th.identity_log_ratio_moments(5)
    assert_printed(mean, "-0.7059")
    assert_printed(var, "2.157")
    assert_printed(th.identity_sign_flip_probability(5), "0.0602")


@pytest.mark.parametrize("depth", [1, 5, 50, 500])
def test_t4_moments_against_mpmath(depth):
    s = mpmath.sqrt(depth)

    def moment(p):
        f = lambda z: mpmath.log(abs(1 + z / s)) ** p * mpmath.npdf(z)  # noqa: E731
        return mpmath.quad(f, [-mpmath.inf, -s - 1, -s, -s + 1, 0, mpmath.inf])

    m1, m2 = moment(1), moment(2)
    mean, var = th.identity_log_ratio_moments(depth)
    assert mean == pytest.approx(float(depth * m1), rel=1e-9, abs=1e-11)
    assert var == pytest.approx(float(depth * (m2 - m1 * m1)), rel=1e-8)


def test_t4_moments_tend_to_gbm_limit():
    mean, var = th.identity_log_ratio_moments(5000)
    lim_mean, lim_var = th.identity_log_ratio_limit_law(1.0)
    assert abs(mean - lim_mean) < 2e-3 and abs(var - lim_var) < 5e-3


def test_t4_sign_flip_and_variance_by_direct_computation():
    depth = np.arange(1, 12)
    p = 1.0 - stats.norm.cdf(np.sqrt(depth))  # P(one factor < 0)
    # P(odd number of negative factors) as a binomial sum
    pairs = zip(depth.tolist(), p.tolist(), strict=True)
    odd = [sum(comb(L, k) * q**k * (1 - q) ** (L - k) for k in range(1, L + 1, 2)) for L, q in pairs]
    np.testing.assert_allclose(th.identity_sign_flip_probability(depth), odd, rtol=1e-12)
    # E prod (1 + zeta/sqrt L)^2 = (1 + 1/L)^L exactly
    exact = [float(Fraction(int(L) + 1, int(L)) ** int(L) - 1) for L in depth]
    np.testing.assert_allclose(th.identity_output_variance(depth), exact, rtol=1e-13)
    assert th.identity_output_variance(5) == pytest.approx(1.2**5 - 1)


def test_t4_limit_law():
    mean, var = th.identity_log_ratio_limit_law(np.array([0.25, 1.0]), alpha=2.0)
    np.testing.assert_allclose(mean, [-0.5, -2.0])
    np.testing.assert_allclose(var, [1.0, 4.0])


# ----------------------------------------------------------------------------------------------------
# T5 ReLU, n = 1
# ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("depth", "printed"),
    [(1, "0.15866"), (2, "0.15111"), (5, "0.06178"), (10, "0.0078"), (20, "7.74e-5"), (30, "6.5e-7")],
)
def test_t5_collapse_anchors(depth, printed):
    assert_printed(th.relu1_collapse_probability(depth), printed)


def test_t5_collapse_against_mpmath_and_unconditional():
    for depth in (1, 7, 30, 100):
        ref = 1 - mpmath.ncdf(mpmath.sqrt(depth)) ** depth
        assert th.relu1_collapse_probability(depth) == pytest.approx(float(ref), rel=1e-12)
    assert_printed(th.relu1_nonpositive_output_probability(5), "0.53089")
    p = th.relu1_collapse_probability(np.arange(1, 31))
    assert np.all(np.diff(p) < 0)  # decreasing in depth [seed]


def test_t5_second_moment():
    assert th.relu1_second_moment(0.0, q0=2.0) == pytest.approx(2.0)
    # E X_t^2 = q0/2 (negative branch, constant) + q0/2 e^t (positive branch, GBM second moment)
    assert th.relu1_second_moment(1.0) == pytest.approx(0.5 + 0.5 * np.e)


# ----------------------------------------------------------------------------------------------------
# T6 OU activation
# ----------------------------------------------------------------------------------------------------


def test_erfi_inv_round_trip_over_log_grid():
    y = np.geomspace(1e-8, 1e300, 4001)
    y = np.concatenate([y, -y])
    u = th.erfi_inv(y)
    np.testing.assert_allclose(erfi(u), y, rtol=1e-10)
    assert np.all(np.sign(u) == np.sign(y))


def test_erfi_inv_inverse_of_erfi():
    u = np.linspace(0.0, 26.0, 5201)
    np.testing.assert_allclose(th.erfi_inv(erfi(u)), u, rtol=1e-10, atol=0)
    np.testing.assert_allclose(th.erfi_inv(-erfi(u)), -u, rtol=1e-10, atol=0)


def test_erfi_inv_edge_cases_and_mpmath():
    assert th.erfi_inv(0.0) == 0.0
    assert th.erfi_inv(np.inf) == np.inf and th.erfi_inv(-np.inf) == -np.inf
    assert np.isnan(th.erfi_inv(np.nan))
    assert th.erfi_inv(np.array([[1.0, 2.0]])).shape == (1, 2)
    for y in ("1e-8", "1", "1.65", "1.66", "1e10", "1e300"):
        with mpmath.workdps(40):  # root of log erfi(u) = log y (well scaled up to y = 1e300)
            u_ref = mpmath.findroot(lambda u, y=y: mpmath.log(mpmath.erfi(u) / mpmath.mpf(y)), th.erfi_inv(float(y)))
        assert th.erfi_inv(float(y)) == pytest.approx(float(u_ref), rel=1e-13)


def test_ou_anchors():
    z0 = th.erfi_inv(1.0)
    assert_printed(z0, "0.731697")
    a, sigma = th.ou_parameters()
    assert a == pytest.approx(1.0) and sigma == pytest.approx(1.0)
    m1, v1 = th.ou_z_law(1.0, z0, a, sigma)
    assert_printed(m1, "0.269176")
    assert_printed(v1, "0.432332")
    assert v1 == pytest.approx((1 - np.exp(-2)) / 2)


def test_ou_activation_identities():
    x = np.linspace(-5, 5, 101)
    for beta, gamma, zeta in [(1.0, 0.0, 2 / np.sqrt(np.pi)), (2.0, 0.0, 1 / np.sqrt(np.pi)), (0.7, 0.3, 1.3)]:
        phi = th.ou_activation(x, beta, gamma, zeta)
        a, sigma = th.ou_parameters(beta, zeta)
        assert sigma**2 == pytest.approx(a)
        np.testing.assert_allclose(phi * th.ou_transform_derivative(x, beta, gamma), sigma, rtol=1e-10)
        np.testing.assert_allclose(erfi(th.ou_transform(x, beta, gamma)), beta * x + gamma, rtol=1e-10, atol=1e-14)
        assert np.all(phi > 0)
    assert th.ou_activation(0.0) == pytest.approx(2 / np.sqrt(np.pi))
    assert th.ou_activation(0.0, 2.0, 0.0, 1 / np.sqrt(np.pi)) == pytest.approx(1 / np.sqrt(np.pi))


def test_ou_drift_matches_ito():
    """Ito: g(X) with dX = phi dB has drift (1/2) g'' phi^2 = -a g (finite differences of g)."""
    beta, gamma, zeta = 2.0, 0.1, 0.6
    a, _ = th.ou_parameters(beta, zeta)
    x, h = np.linspace(-2, 2, 21), 1e-4
    g = lambda z: th.ou_transform(z, beta, gamma)  # noqa: E731
    g2 = g(x + h) - 2 * g(x) + g(x - h)
    drift = 0.5 * g2 / h**2 * th.ou_activation(x, beta, gamma, zeta) ** 2
    np.testing.assert_allclose(drift, -a * th.ou_transform(x, beta, gamma), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize(
    ("t", "y0", "beta", "gamma", "zeta"), [(1.0, 1.0, 1.0, 0.0, 2 / np.sqrt(np.pi)), (0.3, -2.0, 2.0, 0.5, 0.4)]
)
def test_ou_density_normalised_and_mean(t, y0, beta, gamma, zeta):
    def dens(y):
        return th.ou_output_density(y, t, y0, beta, gamma, zeta)

    edges = np.concatenate([-np.geomspace(1e12, 1e-3, 31), [0.0], np.geomspace(1e-3, 1e12, 31)])
    pieces = list(zip(edges[:-1], edges[1:], strict=True))
    kw = {"epsabs": 1e-13, "epsrel": 1e-11, "limit": 200}
    mass = sum(integrate.quad(dens, lo, hi, **kw)[0] for lo, hi in pieces)
    assert mass == pytest.approx(1.0, abs=1e-8)
    # E erfi^{-1}(beta X_t + gamma) = m_t (the Z-law), from the y-space density
    a, sigma = th.ou_parameters(beta, zeta)
    m, v = th.ou_z_law(t, th.ou_transform(y0, beta, gamma), a, sigma)
    zmean = sum(integrate.quad(lambda y: th.ou_transform(y, beta, gamma) * dens(y), *ab, **kw)[0] for ab in pieces)
    assert zmean == pytest.approx(m, abs=1e-7)


# ----------------------------------------------------------------------------------------------------
# T8, T9, T10
# ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "printed"),
    [
        (1, Fraction(-1, 2)),
        (2, Fraction(-1, 6)),
        (3, Fraction(-1, 21)),
        (4, Fraction(1, 60)),
        (5, Fraction(9, 155)),
        (8, "0.125980"),
        (16, "0.187504"),
        (64, "0.234375"),
    ],
)
def test_t8_quasi_gbm_table(n, printed):
    value = th.quasi_gbm_rate(n)
    if isinstance(printed, Fraction):
        exact = Fraction(1, 4) / (1 - Fraction(1, 2**n)) - Fraction(1, n)
        assert exact == printed
        assert value == pytest.approx(float(printed), rel=1e-14)
    else:
        assert_printed(value, printed)


def test_t8_sign_change_between_3_and_4():
    rates = th.quasi_gbm_rate(np.arange(1, 200))
    assert np.all(rates[:3] < 0) and np.all(rates[3:] > 0)
    assert np.all(rates < 0.25) and rates[-1] == pytest.approx(0.25, abs=1e-2)
    n = np.arange(1, 20)
    np.testing.assert_allclose(th.quasi_gbm_rate(n), (th.relu_expected_active_given_alive(n) - 2) / (2 * n))


def test_t9_identity_law():
    mean, var = th.identity_log_norm_law(np.array([1, 2, 4, 16]), 1.0)
    np.testing.assert_allclose(mean, [-0.5, 0.0, 0.25, 7 / 16])
    np.testing.assert_allclose(var, [1.0, 0.5, 0.25, 1 / 16])
    assert th.identity_log_norm_law(1, 0.5) == pytest.approx(th.identity_log_ratio_limit_law(0.5))


def test_t10_anchors():
    assert_printed(th.piecewise_linear_rate(3, 0.25), "0.014920")
    assert_printed(th.piecewise_linear_rate(4, 0.5), "0.125353")


@pytest.mark.parametrize("alpha", [1e-3, 0.01, 0.25, 0.5, 0.75, 1.0])
def test_t10_closed_forms(alpha):
    for n in (1, 2):
        assert th.piecewise_linear_rate(n, alpha) == pytest.approx(
            th.piecewise_linear_rate_closed_form(n, alpha), abs=1e-12
        )
    if alpha == 1.0:
        for n in (3, 5, 8):
            assert th.piecewise_linear_rate(n, 1.0) == pytest.approx((n - 2) / (2 * n), abs=1e-12)
            assert th.piecewise_linear_rate_closed_form(n, 1.0) == pytest.approx((n - 2) / (2 * n))


def _rate_by_hypergeometric(n: int, alpha: float) -> float:
    """m_n(alpha) with E[B / (B + c(1-B))] = k/n 2F1(1, (n-k)/2; n/2 + 1; 1 - c), c = alpha^2."""
    c = alpha * alpha
    total = 0.0
    for k in range(n + 1):
        if k == 0:
            eb = 0.0
        elif k == n:
            eb = 1.0
        else:
            eb = k / n * hyp2f1(1.0, (n - k) / 2.0, n / 2.0 + 1.0, 1.0 - c)
        total += comb(n, k) * 0.5**n * (c + (1 - c) * eb)  # rho^2 = c + (1 - c) B / (B + c(1-B))
    return (1 + c) / 4 - total / n


@pytest.mark.parametrize("n", [3, 4, 5, 7])
@pytest.mark.parametrize("alpha", [1e-3, 0.01, 0.25, 0.5, 0.9])
def test_t10_quadrature_against_hypergeometric(n, alpha):
    assert th.piecewise_linear_rate(n, alpha) == pytest.approx(_rate_by_hypergeometric(n, alpha), abs=1e-11)


def test_t10_pole_and_limits():
    for n in range(1, 7):
        assert th.piecewise_linear_rate(n, 0.0) == pytest.approx(th.quasi_gbm_rate(n))
        assert th.piecewise_linear_rate(n, 1e-7) == pytest.approx(th.piecewise_linear_rate_zero_plus(n), abs=1e-6)
        # m_n(0+) != m_n(0); gap 2^-n m_n(0) (0.00104 at n = 4)
        gap = th.piecewise_linear_rate_zero_plus(n) - th.quasi_gbm_rate(n)
        assert gap == pytest.approx(-(0.5**n) * th.quasi_gbm_rate(n), abs=1e-14)
    assert_printed(-(th.piecewise_linear_rate_zero_plus(4) - th.quasi_gbm_rate(4)), "0.00104")
    # n = 3 sign flip between alpha = 0.01 and 0.25
    assert th.piecewise_linear_rate(3, 0.01) < 0 < th.piecewise_linear_rate(3, 0.25)
    with pytest.raises(ValueError):
        th.piecewise_linear_rate(3, 1.5)
    with pytest.raises(ValueError):
        th.piecewise_linear_rate_closed_form(3, 0.5)


# ----------------------------------------------------------------------------------------------------
# T11, T12, T13, T2
# ----------------------------------------------------------------------------------------------------


def test_t11_t12_variances():
    for depth, printed in [(4, "1.601807"), (16, "1.636151"), (64, "1.645521")]:
        assert_printed(th.nngp_variance(depth), printed)
        assert th.nngp_log_growth(depth) == pytest.approx(0.5 * np.log(th.nngp_variance(depth)))
    assert_printed(th.mckean_vlasov_variance(1.0), "1.648721")
    assert th.nngp_variance(10**6) == pytest.approx(th.mckean_vlasov_variance(1.0), rel=1e-6)
    assert th.nngp_variance(8, t=0.5, q0=2.0) == pytest.approx(2.0 * (1 + 1 / 16) ** 4)
    assert th.nngp_log_growth(10**6) == pytest.approx(0.25, rel=1e-5)


def test_t13_gradient_ratio():
    assert_printed(th.gradient_norm_ratio(0.0), "1.284025")
    assert th.gradient_norm_ratio(1.0) == 1.0


def test_t2_correlation_ode():
    assert_printed(th.relu_correlation_path(0.5), "0.55028")
    # independent: mpmath ODE solver (Taylor series) at t = 1
    f = mpmath.odefun(lambda _t, c: (mpmath.sqrt(1 - c**2) - c * mpmath.acos(c)) / (2 * mpmath.pi), 0, 0.5)
    assert th.relu_correlation_path(0.5, 1.0) == pytest.approx(float(f(1)), rel=1e-10)
    path = th.relu_correlation_path(np.array([0.0, 0.5, 1.0]), np.array([0.0, 0.5, 1.0, 2.0]))
    assert path.shape == (3, 4)
    np.testing.assert_allclose(path[:, 0], [0.0, 0.5, 1.0])
    np.testing.assert_allclose(path[2], 1.0)  # fixed point
    assert np.all(np.diff(path[:2], axis=1) > 0)  # correlations increase, never reach 1 in finite time
    assert th.relu_correlation_drift(1.0) == 0.0
    assert th.relu_correlation_drift(0.0) == pytest.approx(1 / (2 * np.pi))

"""Unit tests of the closed-form theory of spec nica §3 (src/deeplimits/models/loggaussian.py).

Anchors are the spec's printed numbers (§3.7, §3.10, §3.12), checked to their last printed digit +-1;
every closed form is also checked against an independent numerical computation (quadrature,
mpmath, scipy.stats, numerical integration of the inverted densities).
"""

from __future__ import annotations

import time
from math import comb

import mpmath
import numpy as np
import pytest
from scipy import integrate, stats
from scipy.special import gammainc, polygamma

from deeplimits.models import loggaussian as lg

N, N_OUT, C = 100, 10, -np.log(10.0)
DEPTHS = (1, 10, 100)


def assert_printed(value: float, printed: str) -> None:
    """|value - printed| <= one unit of the printed number's last digit."""
    decimals = len(printed.split(".")[1]) if "." in printed else 0
    assert abs(float(value) - float(printed)) <= 1.000001 * 10.0**-decimals, (value, printed)


def quad(f, lo: float, hi: float) -> float:
    return integrate.quad(f, lo, hi, epsabs=0.0, epsrel=1e-11, limit=400)[0]


def moments_by_trapezoid(x: np.ndarray, f: np.ndarray) -> tuple[float, float, float]:
    """Mass, mean and variance of a density tabulated on a fine grid."""
    mass = integrate.trapezoid(f, x)
    mean = integrate.trapezoid(x * f, x) / mass
    return mass, mean, integrate.trapezoid((x - mean) ** 2 * f, x) / mass


# ------------------------------------------------------------------------------------ §3.12 table


TABLE = {  # d: (beta, E[G], Var[G], E[Y], Var[Y], red E[Y], red Var[Y], peak red, peak exact, sup red, sup blue)
    1: ("0.07", "-0.035454", "0.072141", "-0.138774", "0.293464", "-0.138320", "0.291323",
        "0.7553", "0.7520", "0.0017", "0.052"),
    10: ("0.52", "-0.264242", "0.539601", "-0.367562", "0.760924", "-0.363320", "0.741323",
         "0.4652", "0.4592", "0.0046", "0.244"),
    100: ("5.02", "-2.552122", "5.214201", "-2.655442", "5.435524", "-2.613320", "5.241323",
          "0.1743", "0.1712", "0.0090", "0.721"),
}  # fmt: skip


@pytest.fixture(scope="module", params=DEPTHS)
def fig1_curves(request):
    """Red, blue and exact curves of Y on a 0.01 grid (multiples of 0.01) over mean -10 sd .. +8 sd."""
    d = request.param
    beta = float(lg.beta_mlp(N, d))
    mean, var = lg.exact_Y_moments(N, d, N_OUT, C)
    sd = np.sqrt(var)
    y = 0.01 * np.arange(np.floor((mean - 10 * sd) / 0.01), np.ceil((mean + 8 * sd) / 0.01) + 1)
    return {
        "d": d,
        "beta": beta,
        "y": y,
        "pdf_red": lg.red_pdf(y, beta, N_OUT, C),
        "pdf_exact": lg.exact_pdf_Y(y, N, d, N_OUT, C),
        "cdf_red": lg.red_cdf(y, beta, N_OUT, C),
        "cdf_blue": lg.blue_cdf(y, N_OUT, C),
        "cdf_exact": lg.exact_cdf_Y(y, N, d, N_OUT, C),
    }


@pytest.mark.parametrize("d", DEPTHS)
def test_table_moments(d):
    beta, eg, vg, ey, vy, er, vr = TABLE[d][:7]
    assert_printed(lg.beta_mlp(N, d), beta)
    mean_g, var_g = lg.exact_G_moments(N, d)
    assert_printed(mean_g, eg)
    assert_printed(var_g, vg)
    mean_y, var_y = lg.exact_Y_moments(N, d, N_OUT, C)
    assert_printed(mean_y, ey)
    assert_printed(var_y, vy)
    mean_r, var_r = lg.red_moments(float(beta), N_OUT, C)
    assert_printed(mean_r, er)
    assert_printed(var_r, vr)


def test_table_curves(fig1_curves):
    peak_red, peak_exact, sup_red, sup_blue = TABLE[fig1_curves["d"]][7:]
    assert_printed(fig1_curves["pdf_red"].max(), peak_red)
    assert_printed(fig1_curves["pdf_exact"].max(), peak_exact)
    exact = fig1_curves["cdf_exact"]
    assert_printed(np.abs(exact - fig1_curves["cdf_red"]).max(), sup_red)
    assert_printed(np.abs(exact - fig1_curves["cdf_blue"]).max(), sup_blue)


def test_curves_are_normalised_and_monotone(fig1_curves):
    y = fig1_curves["y"]
    for key in ("pdf_red", "pdf_exact"):
        assert integrate.trapezoid(fig1_curves[key], y) == pytest.approx(1.0, abs=1e-4)
    for key in ("cdf_red", "cdf_exact", "cdf_blue"):
        cdf = fig1_curves[key]
        assert np.all(np.diff(cdf) >= 0.0)
        assert cdf[0] < 1e-4 and cdf[-1] > 1.0 - 1e-4
    # Gil-Pelaez CDF agrees with the cumulative integral of the (independently inverted) density
    cum = integrate.cumulative_trapezoid(fig1_curves["pdf_exact"], y, initial=0.0)
    assert np.abs(cum + fig1_curves["cdf_exact"][0] - fig1_curves["cdf_exact"]).max() < 1e-5


def test_red_density_moments_by_integration(fig1_curves):
    mass, mean, var = moments_by_trapezoid(fig1_curves["y"], fig1_curves["pdf_red"])
    ref_mean, ref_var = lg.red_moments(fig1_curves["beta"], N_OUT, C)
    assert mass == pytest.approx(1.0, abs=1e-6)
    assert mean == pytest.approx(ref_mean, abs=1e-5)
    assert var == pytest.approx(ref_var, rel=1e-4)


def test_exact_Y_density_moments_by_integration(fig1_curves):
    mass, mean, var = moments_by_trapezoid(fig1_curves["y"], fig1_curves["pdf_exact"])
    ref_mean, ref_var = lg.exact_Y_moments(N, fig1_curves["d"], N_OUT, C)
    assert mass == pytest.approx(1.0, abs=1e-6)
    assert mean == pytest.approx(ref_mean, abs=1e-5)
    assert var == pytest.approx(ref_var, rel=1e-4)


# --------------------------------------------------------------------------------- further anchors


def test_layer_anchors_n100_and_n10():
    m_r, v_r = lg.relu_layer_moments(100)
    m_chi, v_chi = lg.chi_layer_moments(100)
    assert_printed(m_r, "-0.0254209")
    assert_printed(v_r, "0.0519400")
    assert_printed(m_chi, "-0.0100333")
    assert_printed(v_chi, "0.0202013")
    assert_printed(lg.relu_layer_moments(10)[1], "0.866734")


def test_log_chi2_10_anchors():
    k = 10
    mean, var = lg.log_chi2_mean(k), lg.log_chi2_var(k)
    assert_printed(mean, "2.199265")
    assert_printed(var, "0.221323")
    assert_printed(polygamma(2, k / 2) / var**1.5, "-0.4686")
    assert_printed(lg.log_chi2_pdf(np.log(10.0), k), "0.877337")
    y = np.log(10.0) + np.linspace(-0.5, 0.5, 1001)  # the mode is ln 10
    assert np.argmax(lg.log_chi2_pdf(y, k)) == 500


def test_dead_fraction_anchor():
    assert_printed(lg.dead_probability(10, 100), "0.093083")
    assert lg.dead_probability(10, 1) == pytest.approx(2.0**-10, rel=1e-13)


def _narrow_widths(j: int) -> list[int]:
    widths = [100] * 11
    widths[j] = 20
    return widths


@pytest.mark.parametrize("j", range(11))
def test_widths_anchors(j):
    mean, var = lg.exact_G_moments_widths(_narrow_widths(j))
    if j < 10:
        assert_printed(mean, "-0.37601")
        assert_printed(var, "0.79942")
        assert_printed(lg.beta_widths_corrected(_narrow_widths(j)), "0.72")
    else:
        assert_printed(mean, "-0.30504")
        assert_printed(var, "0.62457")
        assert_printed(lg.beta_widths_corrected(_narrow_widths(j)), "0.60")
    assert_printed(lg.beta_widths_notes(_narrow_widths(j)), "0.60" if j == 0 else "0.72")


def test_kappa_anchor_rademacher():
    # §3.10 / nica/universality u2: Rademacher, n = d = 50, constant input with n_in = 10 (sum xhat^4 = 1/10)
    d_mean, d_var = lg.kappa_shift_G(50, 50, lg.KURTOSIS["rademacher"], 1.0 / 10)
    assert_printed(d_mean, "0.242")
    assert d_var == pytest.approx(-2.0 * d_mean)
    assert lg.kappa_shift_G(50, 50, lg.KURTOSIS["gaussian"], 0.1) == (0.0, 0.0)


@pytest.mark.parametrize(
    ("alpha2", "balanced", "heuristic"), [(0.1, "4.41", "6.34"), (0.5, "2.25", "5.44"), (0.9, "0.41", "1.40")]
)
def test_resnet_coefficients(alpha2, balanced, heuristic):
    assert_printed(lg.resnet_variance_coefficient_balanced(alpha2), balanced)
    assert_printed(lg.resnet_variance_coefficient_standard_heuristic(alpha2), heuristic)
    assert lg.beta_balanced_resnet(100, 10, alpha2) == pytest.approx(0.02 + float(balanced) * 0.1)


def test_resnet_heuristic_lag_sum_against_direct_sum():
    # alpha^2 = 1/4: H(2^-k) summed directly to k = 60 (terms ~ 2^-k)
    rho = 0.5 ** np.arange(1, 61)
    h = (2 / np.pi) * (3 * rho * np.sqrt(1 - rho**2) + (1 + 2 * rho**2) * np.arcsin(rho))
    expected = 5 * 0.75**2 + 4 * 0.25 * 0.75 + 2 * 0.75**2 * h.sum()
    assert lg.resnet_variance_coefficient_standard_heuristic(0.25) == pytest.approx(expected, rel=1e-13)


# ------------------------------------------------------------------------- log-chi-square (§3.1)


@pytest.mark.parametrize("k", [1, 3, 10, 100])
def test_log_chi2_moments_by_quadrature(k):
    lo, hi = np.log(k) - 60 / k - 40, np.log(k) + 4
    pdf = lambda y: lg.log_chi2_pdf(y, k)  # noqa: E731
    mean = quad(lambda y: y * pdf(y), lo, hi)
    assert quad(pdf, lo, hi) == pytest.approx(1.0, abs=1e-10)
    assert mean == pytest.approx(lg.log_chi2_mean(k), abs=1e-9)
    assert quad(lambda y: (y - mean) ** 2 * pdf(y), lo, hi) == pytest.approx(lg.log_chi2_var(k), rel=1e-9)


@pytest.mark.parametrize("k", [1, 10, 57])
def test_log_chi2_against_scipy_chi2(k):
    y = np.linspace(np.log(k) - 6, np.log(k) + 2, 41)
    x = np.exp(y)
    np.testing.assert_allclose(lg.log_chi2_pdf(y, k), stats.chi2.pdf(x, k) * x, rtol=1e-11)
    np.testing.assert_allclose(lg.log_chi2_cdf(y, k), stats.chi2.cdf(x, k), rtol=1e-11, atol=1e-300)


# ------------------------------------------------------------------------- per-layer moments (§3.3)


def test_relu_layer_moments_against_mpmath():
    n = 12
    mpmath.mp.dps = 40
    weights = [mpmath.mpf(comb(n, k)) / (mpmath.mpf(2) ** n - 1) for k in range(1, n + 1)]
    means = [mpmath.digamma(mpmath.mpf(k) / 2) + mpmath.log(mpmath.mpf(4) / n) for k in range(1, n + 1)]
    m_r = mpmath.fsum(w * m for w, m in zip(weights, means, strict=True))
    v_r = mpmath.fsum(
        w * (mpmath.psi(1, mpmath.mpf(k) / 2) + (m - m_r) ** 2)
        for k, w, m in zip(range(1, n + 1), weights, means, strict=True)
    )
    got_m, got_v = lg.relu_layer_moments(n)
    assert got_m == pytest.approx(float(m_r), rel=1e-13)
    assert got_v == pytest.approx(float(v_r), rel=1e-13)


@pytest.mark.parametrize("n", [1000, 10_000])
def test_layer_moments_second_order_large_n(n):
    # §3.4 expansions; the remainder is O(n^-3) (coefficients of order 10-100)
    m_r, v_r = lg.relu_layer_moments(n)
    m_chi, v_chi = lg.chi_layer_moments(n)
    tol = 200.0 / n**3
    assert m_r == pytest.approx(-5 / (2 * n) - 49 / (12 * n**2), abs=tol)
    assert v_r == pytest.approx(5 / n + 37 / (2 * n**2), abs=tol)
    assert m_chi == pytest.approx(-1 / n - 1 / (3 * n**2), abs=tol)
    assert v_chi == pytest.approx(2 / n + 2 / n**2, abs=tol)


@pytest.mark.parametrize("d", DEPTHS)
def test_second_order_against_exact_at_n1000(d):
    n = 1000
    exact_mean, exact_var = lg.exact_G_moments(n, d)
    so_mean, so_var = lg.second_order_G_moments(n, d)
    d2_mean, d2_var = lg.delta2_G(n, d)
    # the remainder is O(d/n^3): about 0.5 % of Delta_2 here
    assert abs(exact_mean - so_mean) < 0.01 * abs(d2_mean)
    assert abs(exact_var - so_var) < 0.01 * abs(d2_var)
    # ... while Delta_2 itself is resolved: dropping it makes the error ~100x larger
    beta = lg.beta_mlp(n, d)
    assert abs(exact_var - beta) > 0.99 * abs(d2_var)


def test_exact_moments_vectorised_over_depth():
    d = np.array([0, 1, 5, 200])
    mean, var = lg.exact_G_moments(30, d)
    m_r, v_r = lg.relu_layer_moments(30)
    m_chi, v_chi = lg.chi_layer_moments(30)
    np.testing.assert_allclose(mean, m_chi + d * m_r, rtol=1e-14)
    np.testing.assert_allclose(var, v_chi + d * v_r, rtol=1e-14)


# -------------------------------------------------------------- exact law by inversion (§3.5, §3.6)


@pytest.mark.parametrize(("n", "d"), [(100, 1), (100, 10), (10, 5), (3, 2), (1000, 1)])
def test_exact_G_density_moments_by_integration(n, d):
    mean, var = lg.exact_G_moments(n, d)
    sd = np.sqrt(var)
    g = np.linspace(mean - 40 * sd, mean + 12 * sd, 8001)
    mass, got_mean, got_var = moments_by_trapezoid(g, lg.exact_pdf_G(g, n, d))
    assert mass == pytest.approx(1.0, abs=1e-8)
    assert got_mean == pytest.approx(mean, abs=1e-7 * sd)
    assert got_var == pytest.approx(var, rel=1e-6)
    cdf = lg.exact_cdf_G(g, n, d)
    assert np.all(np.diff(cdf) >= 0.0)
    assert cdf[0] < 1e-8 and cdf[-1] > 1 - 1e-8


def test_exact_G_depth0_is_scaled_log_chi2():
    n = 50
    g = np.linspace(-1.0, 0.6, 301)
    np.testing.assert_allclose(lg.exact_pdf_G(g, n, 0), lg.log_chi2_pdf(g + np.log(n), n), atol=1e-11)
    np.testing.assert_allclose(lg.exact_cdf_G(g, n, 0), lg.log_chi2_cdf(g + np.log(n), n), atol=1e-11)


def test_exact_G_density_against_direct_convolution():
    # d = 1, n = 4: G = ln(chi2_4 / 4) + ln((2/4) chi2_K), K ~ Bin(4, 1/2) | K >= 1, by quadrature
    n = 4
    weights = {k: comb(n, k) / (2**n - 1) for k in range(1, n + 1)}

    def density(g: float) -> float:
        def integrand(s: float) -> float:
            relu = sum(w * lg.log_chi2_pdf(s - np.log(2 / n), k) for k, w in weights.items())
            return float(lg.log_chi2_pdf(g - s + np.log(n), n) * relu)

        return quad(integrand, -60.0, 8.0)

    def cdf(g: float) -> float:
        def integrand(s: float) -> float:
            relu = sum(w * lg.log_chi2_pdf(s - np.log(2 / n), k) for k, w in weights.items())
            return float(lg.log_chi2_cdf(g - s + np.log(n), n) * relu)

        return quad(integrand, -60.0, 8.0)

    g = np.array([-6.0, -2.5, -1.0, -0.2, 0.5, 1.5])
    np.testing.assert_allclose(lg.exact_pdf_G(g, n, 1), [density(x) for x in g], rtol=1e-7, atol=1e-12)
    np.testing.assert_allclose(lg.exact_cdf_G(g, n, 1), [cdf(x) for x in g], rtol=1e-7, atol=1e-12)


def test_widths_law_reduces_to_equal_widths():
    n, d = 30, 4
    g = np.linspace(-2.0, 1.0, 101)
    np.testing.assert_allclose(lg.exact_pdf_G_widths(g, [n] * (d + 1)), lg.exact_pdf_G(g, n, d), rtol=1e-10)
    np.testing.assert_allclose(lg.exact_cdf_G_widths(g, [n] * (d + 1)), lg.exact_cdf_G(g, n, d), atol=1e-12)
    np.testing.assert_allclose(lg.exact_G_moments_widths([n] * (d + 1)), lg.exact_G_moments(n, d), rtol=1e-13)
    np.testing.assert_allclose(lg.delta2_G_widths([n] * (d + 1)), lg.delta2_G(n, d), rtol=1e-13)
    assert lg.dead_probability_widths([n] * (d + 1)) == pytest.approx(lg.dead_probability(n, d), rel=1e-12)


@pytest.mark.parametrize("j", [0, 10])
def test_widths_density_moments_by_integration(j):
    widths = _narrow_widths(j)
    mean, var = lg.exact_G_moments_widths(widths)
    g = np.linspace(mean - 30 * np.sqrt(var), mean + 10 * np.sqrt(var), 6001)
    mass, got_mean, got_var = moments_by_trapezoid(g, lg.exact_pdf_G_widths(g, widths))
    assert mass == pytest.approx(1.0, abs=1e-8)
    assert got_mean == pytest.approx(mean, abs=1e-7)
    assert got_var == pytest.approx(var, rel=1e-6)
    cdf = lg.exact_cdf_G_widths(g, widths)
    assert cdf[0] < 1e-8 and cdf[-1] > 1 - 1e-8


def test_widths_roles():
    widths = [7, 30, 50, 90]
    assert lg.beta_widths_notes(widths) == pytest.approx(lg.beta_widths_corrected(widths[::-1]))
    assert lg.beta_widths_corrected(widths) == pytest.approx(5 * (1 / 7 + 1 / 30 + 1 / 50) + 2 / 90)
    mean_c, var_c = lg.delta2_G_widths(widths, "corrected")
    assert var_c == pytest.approx(18.5 * (7**-2 + 30**-2 + 50**-2) + 2 * 90**-2)
    assert mean_c == pytest.approx(-49 / 12 * (7**-2 + 30**-2 + 50**-2) - 90**-2 / 3)
    assert lg.delta2_G_widths(widths, "notes") == pytest.approx(lg.delta2_G_widths(widths[::-1], "corrected"))
    assert lg.dead_probability_widths(widths) == pytest.approx(1 - (1 - 2**-7) * (1 - 2**-30) * (1 - 2**-50))


def test_inversion_accepts_any_shape_and_order():
    rng = np.random.default_rng(0)
    y = rng.uniform(-4.0, 2.0, size=(7, 9))
    flat = np.sort(y.ravel())
    ref = lg.exact_cdf_Y(flat, 30, 5, N_OUT, C)
    got = lg.exact_cdf_Y(y, 30, 5, N_OUT, C)
    assert got.shape == y.shape
    np.testing.assert_allclose(np.sort(got.ravel()), ref, atol=1e-13)
    assert np.ndim(lg.exact_pdf_Y(0.0, 30, 5, N_OUT, C)) == 0
    with pytest.raises(ValueError, match="finite"):
        lg.exact_pdf_Y([0.0, np.inf], 30, 5, N_OUT, C)


def test_inversion_is_fast():
    y = np.linspace(-6.0, 3.0, 2000)
    g = np.linspace(-1.2, 0.8, 2000)
    start = time.perf_counter()
    lg.exact_pdf_Y(y, N, 10, N_OUT, C)
    lg.exact_cdf_Y(y, N, 10, N_OUT, C)
    lg.exact_pdf_G(g, N, 1)
    lg.exact_cdf_G(g, N, 1)
    assert time.perf_counter() - start < 2.0  # four curves: < 0.5 s each
    start = time.perf_counter()
    lg.red_pdf(y, 0.52, N_OUT, C)
    assert time.perf_counter() - start < 0.5


# --------------------------------------------------------------------------------- red / blue (§3.2)


@pytest.mark.parametrize("beta", [0.07, 5.02])
def test_red_curve_against_quadrature_over_s(beta):
    sd = np.sqrt(beta)

    def normal(s: float) -> float:
        return stats.norm.pdf(s, -beta / 2, sd)

    y = np.array([-3.0, -1.0, 0.0, 0.7])
    pdf = [quad(lambda s, x=x: normal(s) * lg.log_chi2_pdf(x - C - s, N_OUT), -beta / 2 - 14 * sd,
                -beta / 2 + 14 * sd) for x in y]  # fmt: skip
    cdf = [quad(lambda s, x=x: normal(s) * gammainc(N_OUT / 2, np.exp(x - C - s) / 2), -beta / 2 - 14 * sd,
                -beta / 2 + 14 * sd) for x in y]  # fmt: skip
    np.testing.assert_allclose(lg.red_pdf(y, beta, N_OUT, C), pdf, rtol=1e-8, atol=1e-13)
    np.testing.assert_allclose(lg.red_cdf(y, beta, N_OUT, C), cdf, rtol=1e-8, atol=1e-13)


def test_red_with_zero_beta_is_blue():
    y = np.linspace(-4.0, 2.0, 301)
    np.testing.assert_allclose(lg.red_pdf(y, 0.0, N_OUT, C), lg.blue_pdf(y, N_OUT, C), atol=1e-11)
    np.testing.assert_allclose(lg.red_cdf(y, 0.0, N_OUT, C), lg.blue_cdf(y, N_OUT, C), atol=1e-11)
    np.testing.assert_allclose(lg.blue_pdf(y, N_OUT, C), lg.log_chi2_pdf(y - C, N_OUT))
    with pytest.raises(ValueError, match="beta"):
        lg.red_pdf(y, -0.1, N_OUT, C)


# ------------------------------------------------------------------------------ Props 3-5 (§3.11)


def test_single_unit_central_moments_by_quadrature():
    # X = 2 g^2 1{g > 0}: central moments 5, 44, 633 (§3.4); chi2_1: 2, 8
    def relu_moment(p: int) -> float:
        return 0.5 * (-1.0) ** p + quad(lambda g: (2 * g * g - 1) ** p * stats.norm.pdf(g), 0.0, 40.0)

    assert relu_moment(1) == pytest.approx(0.0, abs=1e-10)
    assert relu_moment(2) == pytest.approx(5.0, rel=1e-10)
    assert relu_moment(3) == pytest.approx(44.0, rel=1e-10)
    assert relu_moment(4) == pytest.approx(633.0, rel=1e-10)
    n = 37
    r, u = lg.r_moments(n), lg.u_moments(n)
    assert (r["mean"], r["var"] * n, r["third"] * n**2) == pytest.approx((1.0, 5.0, 44.0))
    assert (u["mean"], u["var"] * n, u["third"] * n**2) == pytest.approx((1.0, stats.chi2.var(1), 8.0))
    assert (r["log_mean"], r["log_var"]) == pytest.approx(lg.relu_layer_moments(n))
    assert (u["log_mean"], u["log_var"]) == pytest.approx(lg.chi_layer_moments(n))


def test_prop4_literal_third():
    # n = 1: E(g^2 1{g>0} - 1)^3 by quadrature; n -> infinity: -1/8
    direct = -0.5 + quad(lambda g: (g * g - 1) ** 3 * stats.norm.pdf(g), 0.0, 40.0)
    assert lg.prop4_literal_third(1) == pytest.approx(direct, rel=1e-10)
    assert lg.prop4_literal_third(1000) == pytest.approx(-0.125, abs=0.002)


def test_log_u_fourth_central_by_quadrature():
    n = 50
    mean = float(lg.chi_layer_moments(n)[0])
    fourth = quad(lambda y: (y - mean) ** 4 * lg.log_chi2_pdf(y + np.log(n), n), -5.0, 2.0)
    assert lg.log_u_fourth_central_scaled(n) == pytest.approx(n**2 * fourth, rel=1e-9)
    assert lg.log_u_fourth_central_scaled(100_000) == pytest.approx(12.0, abs=1e-3)


@pytest.mark.parametrize("n", [12, 100])
def test_log_r_fourth_central_by_quadrature(n):
    mean = lg.relu_layer_moments(n)[0]
    total = 0.0
    for k in range(1, n + 1):
        w = comb(n, k) / (2.0**n - 1)
        if w > 1e-20:
            centre = np.log(2 * k / n)  # the left tail ~ e^{k y / 2} is long for small k
            total += w * quad(lambda y, k=k: (y - mean) ** 4 * lg.log_chi2_pdf(y - np.log(2 / n), k),
                              centre - 40.0 - 160.0 / k, centre + 5.0)  # fmt: skip
    assert lg.log_r_fourth_central_scaled(n) == pytest.approx(n**2 * total, rel=1e-9)


def test_log_r_fourth_central_limit():
    # -> 75 with a +~973/n correction; n = 100 gives 85.89 (the spec prints 85.5)
    assert lg.log_r_fourth_central_scaled(100_000) == pytest.approx(75.0, abs=0.02)
    assert lg.log_r_fourth_central_scaled(1000) == pytest.approx(75.98, abs=0.01)
    assert lg.log_r_fourth_central_scaled(100) == pytest.approx(85.887, abs=0.001)


# -------------------------------------------------------------------------------- input validation


def test_invalid_inputs_raise():
    with pytest.raises(ValueError, match="width"):
        lg.relu_layer_moments(0)
    with pytest.raises(ValueError, match="width"):
        lg.exact_pdf_G(0.0, 10.5, 2)
    with pytest.raises(ValueError, match="depth"):
        lg.exact_pdf_G(0.0, 10, -1)
    with pytest.raises(ValueError, match="roles"):
        lg.delta2_G_widths([10, 10], roles="literal")
    with pytest.raises(ValueError, match="alpha2"):
        lg.resnet_variance_coefficient_standard_heuristic(1.0)

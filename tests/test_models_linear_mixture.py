"""Unit tests of the closed-form theory of spec bassetti §3 (src/deeplimits/models/linear/mixture.py).

Anchors are the spec's printed numbers (§3.4), checked to their last printed digit +-1. The formulas are
cross-checked independently: a D x D Bartlett product drawn here with numpy (not the project's samplers),
scipy.stats chi-square moments, numerical integration (scipy.integrate.quad) and dense Gaussian
conditioning / scipy.stats.multivariate_normal for the posterior. Monte Carlo checks use fixed seeds and
5-SE tolerances with the SE stated at each check.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, stats
from scipy.special import poch, polygamma

from deeplimits.models.linear import mixture as mx

N, L = 20, 10
WIDTHS = [N] * L
ALPHA = 0.5


def assert_printed(value: float, printed: str) -> None:
    """|value - printed| <= one unit of the printed number's last digit."""
    decimals = len(printed.split(".")[1]) if "." in printed else 0
    assert abs(float(value) - float(printed)) <= 1.000001 * 10.0**-decimals, (value, printed)


def quad(f, lo: float, hi: float) -> float:
    return integrate.quad(f, lo, hi, epsabs=0.0, epsrel=1e-12, limit=500)[0]


# ------------------------------------------------------------------------------ §3.4 anchors


def test_anchors_finite_N20_L10():
    g, h = mx.g_L(WIDTHS), mx.h_L(WIDTHS)
    assert_printed(g, "2.5937424601")
    assert_printed(h, "0.5987369392")
    second = mx.Q_second_moments(g, h)
    assert_printed(second["Q11Q11"], "2.5937424601")
    assert_printed(second["Q11Q22"], "1.2637387795")
    assert_printed(second["Q12Q12"], "0.6650018403")
    mean1, var1 = mx.log_Bii_moments(WIDTHS, 1)
    assert_printed(mean1, "-0.5083250393")
    assert_printed(var1, "1.0516633568")
    mean2, var2 = mx.log_Bii_moments(WIDTHS, 2)
    assert_printed(mean2, "-1.0484721659")
    assert_printed(var2, "1.1099728847")
    assert_printed(mx.Q_power_moment_D1(WIDTHS, 4), "221.39756248")
    assert mx.alpha_eff(WIDTHS) == pytest.approx(ALPHA, rel=1e-15)


def test_anchors_limit_alpha_half():
    g, h = mx.g_limit(ALPHA), mx.h_limit(ALPHA)
    assert_printed(g, "2.7182818285")
    assert_printed(h, "0.6065306597")
    second = mx.Q_second_moments(g, h)
    assert_printed(second["Q11Q22"], "1.3104477160")
    assert_printed(second["Q12Q12"], "0.7039170562")
    assert_printed(mx.Q_power_moment_limit(ALPHA, 4), "403.42879349")


# ------------------------------------------------------------------------------ §3.4 consistency


def test_power_moments_against_gamma_function_form_unequal_widths():
    widths = [3, 7, 20, 20, 150]
    for k in range(6):
        expected = np.prod([2.0**k * poch(n / 2, k) / n**k for n in widths])  # E chi2_n^k = 2^k (n/2)_k
        assert mx.Q_power_moment_D1(widths, k) == pytest.approx(expected, rel=1e-12)
    ks = np.array([[0, 1], [2, 5]])
    np.testing.assert_allclose(
        mx.Q_power_moment_D1(widths, ks), [[mx.Q_power_moment_D1(widths, k) for k in row] for row in ks], rtol=1e-14
    )
    assert mx.Q_power_moment_D1(widths, 2) == pytest.approx(mx.g_L(widths), rel=1e-14)


def test_output_moments_and_kurtosis():
    k_in = 1.7
    for k, double_factorial in enumerate([1, 1, 3, 15, 105]):
        expected = double_factorial * k_in**k * mx.Q_power_moment_D1(WIDTHS, k)
        assert mx.output_even_moment_D1(WIDTHS, k, k_in) == pytest.approx(expected, rel=1e-13)
    fourth = mx.output_even_moment_D1(WIDTHS, 2, k_in)
    second = mx.output_even_moment_D1(WIDTHS, 1, k_in)
    assert second == pytest.approx(k_in, rel=1e-14)
    assert fourth / second**2 == pytest.approx(mx.kurtosis_D1(WIDTHS), rel=1e-13)
    assert mx.kurtosis_D1(WIDTHS) == pytest.approx(3 * 2.5937424601, rel=1e-10)
    # Var(s^2)/K^2 = 3 g_L - 1 (§3.4)
    assert (fourth - second**2) / k_in**2 == pytest.approx(3 * mx.g_L(WIDTHS) - 1, rel=1e-13)


def test_Q_second_moments_from_the_Pi_tensor():
    """E Q_ab Q_cd = Pi g/3 + (delta_ab delta_cd - Pi/3) h, evaluated index by index (§3.4)."""
    g, h = 2.3, 0.7

    def pair(a, b, c, d):
        delta = np.eye(2)
        pi = delta[a, b] * delta[c, d] + delta[a, c] * delta[b, d] + delta[a, d] * delta[b, c]
        return pi * g / 3 + (delta[a, b] * delta[c, d] - pi / 3) * h

    second = mx.Q_second_moments(g, h)
    assert second["Q11Q11"] == pytest.approx(pair(0, 0, 0, 0))
    assert second["Q11Q22"] == pytest.approx(pair(0, 0, 1, 1))
    assert second["Q12Q12"] == pytest.approx(pair(0, 1, 0, 1))
    variances = mx.Q_entry_variances(g, h)
    assert variances["Q11"] == pytest.approx(pair(0, 0, 0, 0) - 1)
    assert variances["Q12"] == pytest.approx(pair(0, 1, 0, 1))
    # same input: Cov(s1^2, s2^2) = K^2 (E[Q11 Q22 + 2 Q12^2] - 1) = K^2 (g - 1)
    assert mx.cov_output_squares(g, 1.5) == pytest.approx(1.5**2 * (second["Q11Q22"] + 2 * second["Q12Q12"] - 1))


def test_multi_input_fourth_by_isserlis():
    """E[s_{i mu}^2 s_{j nu}^2] = E[Q_ii Q_jj] K_mm K_nn + 2 E[Q_ij^2] K_mn^2 (Isserlis given Q, §3.4)."""
    g, h = 2.3, 0.7
    k_mm, k_nn, k_mn = 1.3, 0.8, 0.4
    second = mx.Q_second_moments(g, h)
    fourth = mx.multi_input_fourth(g, h, k_mm, k_nn, k_mn)
    assert fourth["cross"] == pytest.approx(second["Q11Q22"] * k_mm * k_nn + 2 * second["Q12Q12"] * k_mn**2)
    assert fourth["same"] == pytest.approx(second["Q11Q11"] * (k_mm * k_nn + 2 * k_mn**2))
    # one input (mu = nu): cross reduces to K^2 (g + ... ) = K^2 E[Q11 Q22 + 2 Q12^2] = K^2 g
    assert mx.multi_input_fourth(g, h, 1.0, 1.0, 1.0)["cross"] == pytest.approx(g)


def test_limits_and_log_det():
    alpha = np.array([0.1, 0.5, 2.0])
    np.testing.assert_allclose(mx.g_limit(alpha), np.exp(2 * alpha))
    np.testing.assert_allclose(mx.h_limit(alpha), np.exp(-alpha))
    mean, var = mx.log_Bii_moments_limit(ALPHA, np.array([1, 2, 3]))
    np.testing.assert_allclose(mean, [-0.5, -1.0, -1.5])
    np.testing.assert_allclose(var, [1.0, 1.0, 1.0])
    assert mx.log_det_Q_mean_limit(ALPHA, 3) == pytest.approx(-3.0)
    means, _ = mx.log_Bii_moments(WIDTHS, np.arange(1, 4))
    assert mx.log_det_Q_mean(WIDTHS, 3) == pytest.approx(means.sum(), rel=1e-14)
    # exact -> limit at large width, with O(1/N) error
    wide = [20_000] * 10_000
    assert mx.log_det_Q_mean(wide, 3) == pytest.approx(-3.0, abs=5e-4)
    mean3, var3 = mx.log_Bii_moments(wide, 3)
    assert mean3 == pytest.approx(-1.5, abs=5e-4)
    assert var3 == pytest.approx(1.0, abs=5e-4)


@pytest.mark.parametrize("n", [400, 800])
def test_first_order_corrections(n):
    """|exact - first order| <= 6/N^2 (an O(N^-2) remainder); the limits alone miss by >= 0.15/N."""
    widths = [n] * int(ALPHA * n)
    mean, var = mx.log_Bii_moments(widths, 1)
    exact = {"g": mx.g_L(widths), "h": mx.h_L(widths), "log_mean": mean, "log_var": var}
    limit = {"g": np.exp(2 * ALPHA), "h": np.exp(-ALPHA), "log_mean": -ALPHA, "log_var": 2 * ALPHA}
    first = mx.first_order(n, ALPHA)
    for key, value in exact.items():
        assert abs(value - first[key]) <= 6.0 / n**2, key
        assert abs(value - limit[key]) >= 0.15 / n, key


def test_input_validation():
    with pytest.raises(ValueError):
        mx.g_L([20, 10.5])
    with pytest.raises(ValueError):
        mx.alpha_eff([0, 3])
    with pytest.raises(ValueError):
        mx.log_Bii_moments([5, 3], 4)
    with pytest.raises(ValueError):
        mx.g_limit(-0.1)
    with pytest.raises(ValueError):
        mx.Q_power_moment_D1(WIDTHS, 1.5)
    assert mx.g_L([]) == 1.0 and mx.alpha_eff([]) == 0.0  # L = 0: Q = I


# ------------------------------------------------------------------------------ Monte Carlo (own Bartlett)


def bartlett_product(widths, d: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """B = T_L ... T_1 with (T)_ii = sqrt(chi2_{N-i+1}/N) (i = 1..D), (T)_ij = Z/sqrt(N) below (§3.1)."""
    b = np.broadcast_to(np.eye(d), (n, d, d)).copy()
    rows, cols = np.tril_indices(d, -1)
    for width in widths:
        t = np.zeros((n, d, d))
        t[:, np.arange(d), np.arange(d)] = np.sqrt(rng.chisquare(width - np.arange(d), size=(n, d)) / width)
        t[:, rows, cols] = rng.standard_normal((n, rows.size)) / np.sqrt(width)
        b = t @ b
    return b


@pytest.fixture(scope="module")
def bartlett_draws():
    return bartlett_product(WIDTHS, 3, 500_000, np.random.default_rng(20241115))


def test_monte_carlo_Q_moments(bartlett_draws):
    b = bartlett_draws
    n = b.shape[0]
    q = b @ np.swapaxes(b, 1, 2)
    g, h = mx.g_L(WIDTHS), mx.h_L(WIDTHS)
    # E Q = I: SE from the closed-form entry variances
    variances = mx.Q_entry_variances(g, h)
    assert abs(q[:, 0, 0].mean() - 1.0) <= 5 * np.sqrt(variances["Q11"] / n)
    assert abs(q[:, 2, 2].mean() - 1.0) <= 5 * np.sqrt(variances["Q11"] / n)
    assert abs(q[:, 0, 1].mean()) <= 5 * np.sqrt(variances["Q12"] / n)
    assert abs(q[:, 1, 2].mean()) <= 5 * np.sqrt(variances["Q12"] / n)
    # second moments: Var(X) <= E X^2 <= E[Q11^2 Q22^2] <= E Q^4_{D=1} for X = Q11^2, Q11 Q22, Q12^2
    # (Cauchy-Schwarz, Q22 =d Q11, Q12^2 <= Q11 Q22), so SE <= sqrt(E Q^4 / n) = 0.021
    se = np.sqrt(mx.Q_power_moment_D1(WIDTHS, 4) / n)
    second = mx.Q_second_moments(g, h)
    assert abs(np.mean(q[:, 0, 0] ** 2) - second["Q11Q11"]) <= 5 * se
    assert abs(np.mean(q[:, 1, 1] * q[:, 2, 2]) - second["Q11Q22"]) <= 5 * se
    assert abs(np.mean(q[:, 0, 2] ** 2) - second["Q12Q12"]) <= 5 * se
    assert abs(np.mean(q[:, 0, 0] * q[:, 1, 1] + 2 * q[:, 0, 1] ** 2) - 1 - mx.cov_output_squares(g)) <= 5 * 3 * se


def test_monte_carlo_log_moments(bartlett_draws):
    n = bartlett_draws.shape[0]
    log_b2 = np.log(np.diagonal(bartlett_draws, axis1=1, axis2=2) ** 2)
    for i in (1, 2, 3):
        mean, var = mx.log_Bii_moments(WIDTHS, i)
        # Var of the sample variance = (kappa4 + 2 var^2)/n, kappa4 = sum_l psi'''((N_l - i + 1)/2)
        kappa4 = L * polygamma(3, (N - i + 1) / 2)
        assert abs(log_b2[:, i - 1].mean() - mean) <= 5 * np.sqrt(var / n)
        assert abs(log_b2[:, i - 1].var() - var) <= 5 * np.sqrt((kappa4 + 2 * var**2) / n)
    _, var_all = mx.log_Bii_moments(WIDTHS, np.arange(1, 4))
    assert abs(log_b2.sum(axis=1).mean() - mx.log_det_Q_mean(WIDTHS, 3)) <= 5 * np.sqrt(var_all.sum() / n)


# ------------------------------------------------------------------------------ §3.2 normal-log-normal law


@pytest.mark.parametrize(("alpha", "k_in"), [(0.25, 1.0), (0.5, 1.0), (1.0, 2.5)])
def test_normal_lognormal_moments_by_integration(alpha, k_in):
    pdf = lambda s: float(mx.normal_lognormal_pdf(s, alpha, k_in))  # noqa: E731
    moment = lambda p: 2 * quad(lambda s: s**p * pdf(s), 0.0, np.inf)  # noqa: E731
    assert moment(0) == pytest.approx(1.0, rel=1e-9)
    assert moment(2) == pytest.approx(k_in, rel=1e-9)
    assert moment(4) == pytest.approx(3 * k_in**2 * np.exp(2 * alpha), rel=1e-8)
    assert moment(6) == pytest.approx(15 * k_in**3 * mx.Q_power_moment_limit(alpha, 3), rel=1e-7)


@pytest.mark.parametrize("alpha", [0.05, 0.5, 1.0, 2.0])
def test_normal_lognormal_pdf_against_quadrature_in_u(alpha):
    """Relative accuracy 1e-9 out to the far tails (|s| = 16), against adaptive quadrature over u."""
    sd = np.sqrt(2 * alpha)
    s = np.array([0.0, 0.3, 1.0, 2.0, 4.0, 8.0, -16.0])
    ref = [
        quad(lambda u, x=x: stats.norm.pdf(x, scale=np.exp(u / 2)) * stats.norm.pdf(u, -alpha, sd),
             -alpha - 40 * sd, -alpha + 40 * sd)
        for x in s
    ]  # fmt: skip
    np.testing.assert_allclose(mx.normal_lognormal_pdf(s, alpha), ref, rtol=1e-9)


@pytest.mark.parametrize("alpha", [0.25, 1.0])
def test_normal_lognormal_cdf_is_the_integral_of_the_pdf(alpha):
    k_in = 1.3
    s = np.array([-6.0, -1.0, 0.0, 0.4, 2.5])
    cdf = mx.normal_lognormal_cdf(s, alpha, k_in)
    for x, value in zip(s, cdf, strict=True):
        integral = quad(lambda t: float(mx.normal_lognormal_pdf(t, alpha, k_in)), -np.inf, x)
        assert value == pytest.approx(integral, rel=1e-9, abs=1e-13)
    assert cdf[2] == pytest.approx(0.5, abs=1e-15)
    np.testing.assert_allclose(mx.normal_lognormal_cdf(-s, alpha, k_in), 1 - cdf, atol=1e-15)
    grid = np.linspace(-30, 30, 2001)
    assert np.all(np.diff(mx.normal_lognormal_cdf(grid, alpha, k_in)) >= 0)


def test_normal_lognormal_alpha_zero_is_gaussian_and_shapes():
    s = np.linspace(-8, 8, 33).reshape(3, 11)
    np.testing.assert_allclose(mx.normal_lognormal_pdf(s, 0.0, 2.0), stats.norm.pdf(s, scale=np.sqrt(2)), rtol=1e-14)
    np.testing.assert_allclose(mx.normal_lognormal_cdf(s, 0.0, 2.0), stats.norm.cdf(s, scale=np.sqrt(2)), rtol=1e-14)
    assert mx.normal_lognormal_pdf(s, 0.5).shape == (3, 11)
    assert np.ndim(mx.normal_lognormal_cdf(1.0, 0.5)) == 0
    # non-Gaussian: heavier peak and tails than N(0, 1) at alpha = 0.5
    assert mx.normal_lognormal_pdf(0.0, 0.5) > stats.norm.pdf(0.0)
    assert mx.normal_lognormal_pdf(5.0, 0.5) > 100 * stats.norm.pdf(5.0)


def test_rao_blackwell_pdf_exact_and_blocked():
    s = np.linspace(-8, 8, 1001)
    np.testing.assert_allclose(
        mx.rao_blackwell_pdf(s, [1.0, 4.0], 0.5),
        0.5 * (stats.norm.pdf(s, scale=np.sqrt(0.5)) + stats.norm.pdf(s, scale=np.sqrt(2.0))),
        rtol=1e-13,
    )
    # 5000 samples x 1001 points: several blocks over both points and samples
    q = np.tile([0.5, 1.0, 3.0, 0.1, 2.0], 1000)
    expected = np.mean([stats.norm.pdf(s, scale=np.sqrt(v)) for v in (0.5, 1.0, 3.0, 0.1, 2.0)], axis=0)
    np.testing.assert_allclose(mx.rao_blackwell_pdf(s, q), expected, rtol=1e-12)


def test_rao_blackwell_of_lognormal_draws_matches_limit_pdf():
    alpha, n = 0.5, 200_000
    q = np.exp(np.random.default_rng(7).normal(-alpha, np.sqrt(2 * alpha), n))
    s = np.array([0.0, 1.0, 3.0, 6.0])
    terms = stats.norm.pdf(s[:, None], scale=np.sqrt(q))
    se = terms.std(axis=1) / np.sqrt(n)  # SE of the sample mean of N(s; 0, Q_j)
    assert np.all(np.abs(mx.rao_blackwell_pdf(s, q) - mx.normal_lognormal_pdf(s, alpha)) <= 5 * se)


# ------------------------------------------------------------------------------ §3.5 posterior


def random_lower(rng: np.random.Generator, n: int, d: int) -> np.ndarray:
    b = np.tril(rng.standard_normal((n, d, d)), -1) * 0.7
    b[:, np.arange(d), np.arange(d)] = np.exp(rng.normal(0.0, 0.5, (n, d)))
    return b


def random_kernel(rng: np.random.Generator, p: int) -> np.ndarray:
    x = rng.standard_normal((p + 3, p))
    return x.T @ x / (p + 3)


def dense_conditioning(q, k, y, k0, k00, t):
    """Mean and covariance of s(x0) | vec Y for vec S ~ N(0, Q (x) K), noise T I (output-major vec)."""
    cov = np.kron(q, k) + t * np.eye(q.shape[0] * k.shape[0])
    cross = np.kron(q, k0[:, None])  # Cov(vec S, s(x0)): (D P, D)
    gain = np.linalg.solve(cov, cross).T
    return gain @ y.ravel(), q * k00 - gain @ cross


@pytest.mark.parametrize(("d", "p"), [(2, 3), (3, 4)])
def test_log_weights_T_against_dense_gaussian(d, p):
    rng = np.random.default_rng(11 + d)
    b = random_lower(rng, 6, d)
    k = random_kernel(rng, p)
    y = rng.standard_normal((d, p))
    t = 0.3
    dense = [
        stats.multivariate_normal(np.zeros(d * p), np.kron(bj @ bj.T, k) + t * np.eye(d * p)).logpdf(y.ravel())
        for bj in b
    ]
    np.testing.assert_allclose(mx.log_weights_T(b, y, k, t), dense, rtol=1e-11)
    with pytest.raises(ValueError):
        mx.log_weights_T(b, y, k, 0.0)


def test_log_weights_T0_against_direct_and_near_singular():
    rng = np.random.default_rng(3)
    b = random_lower(rng, 5, 2)
    k = random_kernel(rng, 4)
    y = rng.standard_normal((2, 4))
    m = mx.label_matrix_M(y, k)
    np.testing.assert_allclose(m, y @ np.linalg.inv(k) @ y.T, rtol=1e-12)
    assert mx.label_correlation(m) == pytest.approx(m[0, 1] / np.sqrt(m[0, 0] * m[1, 1]))
    q = b @ np.swapaxes(b, 1, 2)
    direct = -2.0 * np.linalg.slogdet(q)[1] - 0.5 * np.trace(np.linalg.inv(q) @ m, axis1=1, axis2=2)
    np.testing.assert_allclose(mx.log_weights_T0(b, m, 4), direct, rtol=1e-12)
    # near-singular Q = diag(1, eps^2): exact value -P log(eps) - (M11 + M22/eps^2)/2, no factorisation of Q
    eps = 1e-9
    near = np.array([[[1.0, 0.0], [0.3, eps]]])
    inv = np.array([[1.0, 0.0], [-0.3 / eps, 1.0 / eps]])
    expected = -4 * np.log(eps) - 0.5 * np.trace(inv @ m @ inv.T)
    assert mx.log_weights_T0(near, m, 4)[0] == pytest.approx(expected, rel=1e-12)
    with pytest.raises(ValueError):
        mx.log_weights_T0(np.swapaxes(b, 1, 2), m, 4)


def test_identity_prior_gives_zero_correlation_and_full_ess():
    n = 500
    b = np.broadcast_to(np.eye(2), (n, 2, 2))
    rng = np.random.default_rng(5)
    k = random_kernel(rng, 3)
    y = rng.standard_normal((2, 3))
    y[1] = 0.9 * y[0] + 0.1 * y[1]  # strongly correlated labels: the NNGP still has r = 0
    for log_w in (mx.log_weights_T0(b, mx.label_matrix_M(y, k), 3), mx.log_weights_T(b, y, k, 0.01)):
        assert mx.effective_sample_size(log_w) == pytest.approx(n, rel=1e-12)
        assert mx.posterior_output_correlation(b, log_w) == 0.0


def test_effective_sample_size_is_stable():
    log_w = np.log([1.0, 1.0, 2.0])
    assert mx.effective_sample_size(log_w) == pytest.approx(16 / 6)
    assert mx.effective_sample_size(log_w + 1e4) == pytest.approx(16 / 6)
    assert mx.effective_sample_size(log_w - 1e4) == pytest.approx(16 / 6)
    assert mx.effective_sample_size([0.0, -800.0]) == pytest.approx(1.0)


def test_posterior_correlation_follows_labels():
    """Prior draws at N = 20, L = 10: r has the sign of c_M, and the same draws give prior correlation ~ 0."""
    rng = np.random.default_rng(17)
    b = bartlett_product(WIDTHS, 2, 20_000, rng)
    x = rng.standard_normal((10, 6))
    k = x.T @ x / 10
    y1 = rng.standard_normal(10) @ x / np.sqrt(10)
    y2 = rng.standard_normal(10) @ x / np.sqrt(10)
    assert mx.posterior_output_correlation(b, np.zeros(len(b))) == pytest.approx(0.0, abs=0.05)
    for sign in (1.0, -1.0):
        y = np.stack([y1, sign * (0.9 * y1 + np.sqrt(1 - 0.9**2) * y2)])
        m = mx.label_matrix_M(y, k)
        r = mx.posterior_output_correlation(b, mx.log_weights_T0(b, m, 6))
        assert np.sign(r) == np.sign(mx.label_correlation(m)) == sign
        assert abs(r) > 0.1


def test_predictive_T_single_sample_against_dense_conditioning():
    rng = np.random.default_rng(23)
    d, p, t = 2, 3, 0.2
    b = random_lower(rng, 1, d)
    k = random_kernel(rng, p + 1)
    k, k0, k00 = k[:p, :p], k[:p, p], k[p, p]
    y = rng.standard_normal((d, p))
    mean, cov = dense_conditioning(b[0] @ b[0].T, k, y, k0, k00, t)
    pred = mx.predictive_T(b, [0.0], y, k, k0, k00, t)
    np.testing.assert_allclose(pred["mean"], mean, rtol=1e-11)
    np.testing.assert_allclose(pred["cov"], cov, rtol=1e-11)


def test_predictive_T_mixture_against_dense_conditioning():
    rng = np.random.default_rng(29)
    d, p, t = 3, 4, 0.05
    b = random_lower(rng, 4, d)
    k = random_kernel(rng, p + 1)
    k, k0, k00 = k[:p, :p], k[:p, p], k[p, p]
    y = rng.standard_normal((d, p))
    log_w = np.array([0.3, -1.0, 2.0, 0.0])
    w = np.exp(log_w) / np.exp(log_w).sum()
    parts = [dense_conditioning(bj @ bj.T, k, y, k0, k00, t) for bj in b]
    means = np.array([m for m, _ in parts])
    mean = w @ means
    cov = sum(wj * (c + np.outer(m - mean, m - mean)) for wj, (m, c) in zip(w, parts, strict=True))
    pred = mx.predictive_T(b, log_w, y, k, k0, k00, t)
    np.testing.assert_allclose(pred["mean"], mean, rtol=1e-11)
    np.testing.assert_allclose(pred["cov"], cov, rtol=1e-10)
    assert mx.predictive_correlation(pred["cov"]) == pytest.approx(cov[0, 1] / np.sqrt(cov[0, 0] * cov[1, 1]))


def test_T_to_zero_limit():
    rng = np.random.default_rng(31)
    d, p = 2, 5
    b = random_lower(rng, 200, d)
    x = rng.standard_normal((8, p + 1))
    k_full = x.T @ x / 8
    k, k0, k00 = k_full[:p, :p], k_full[:p, p], k_full[p, p]
    y = rng.standard_normal((d, p))
    log_w0 = mx.log_weights_T0(b, mx.label_matrix_M(y, k), p)
    # the T -> 0 weights differ from the full likelihood only by the constant -(D/2) log det K - (DP/2) log 2pi
    const = -0.5 * d * np.linalg.slogdet(k)[1] - 0.5 * d * p * np.log(2 * np.pi)
    for t, tol in ((1e-8, 1e-3), (1e-10, 1e-5)):  # O(T) deviation
        np.testing.assert_allclose(mx.log_weights_T(b, y, k, t) - log_w0, const, rtol=0, atol=tol)
    pred_t = mx.predictive_T(b, log_w0, y, k, k0, k00, 1e-8)
    pred_0 = mx.predictive_T0(b, log_w0, y, k, k0, k00)
    np.testing.assert_allclose(pred_t["mean"], pred_0["mean"], atol=1e-6)
    np.testing.assert_allclose(pred_t["cov"], pred_0["cov"], rtol=1e-5)
    assert mx.predictive_correlation(pred_t["cov"]) == pytest.approx(mx.predictive_correlation(pred_0["cov"]), abs=1e-6)
    # T0 predictive: Q-independent mean, covariance E[Q|Y] times the GP conditional variance
    np.testing.assert_allclose(pred_0["mean"], y @ np.linalg.solve(k, k0), rtol=1e-12)
    r = mx.posterior_output_correlation(b, log_w0)
    assert mx.predictive_correlation(pred_0["cov"]) == pytest.approx(r, rel=1e-12)


def test_log_q11_law_is_the_exact_finite_law():
    """The Fourier-inverted density of log Q11 = sum log(chi2_N/N) integrates to 1 with the exact log-moments, and
    its CDF is the running integral of the density."""
    from deeplimits.models.linear.mixture import log_Bii_moments, log_Q11_law, log_Q11_quadrature

    widths = [20] * 10
    mean, var = log_Bii_moments(widths, 1)
    u, w = log_Q11_quadrature(widths)
    assert w.sum() == pytest.approx(1.0, abs=1e-8)
    assert (w * u).sum() == pytest.approx(mean, abs=1e-8)
    assert (w * (u - mean) ** 2).sum() == pytest.approx(var, rel=1e-7)
    fine = np.linspace(u[0], u[-1], 8001)  # trapezoid error ~ h^2 max|f''| range / 12 ~ 2e-7
    pdf, cdf = log_Q11_law(widths, fine)
    running = np.concatenate([[0.0], np.cumsum((pdf[1:] + pdf[:-1]) / 2 * np.diff(fine))])
    assert np.max(np.abs(cdf - cdf[0] - running)) < 1e-6

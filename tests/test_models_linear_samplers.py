"""Tests of the deep linear network samplers (bassetti spec §§2-4): determinism, exact finite-N moments,
network vs mixture (T1, T2), the D = 2 limit (T3), D = 1 (T4), must-reject (T5), unequal widths, snapshots.

Statistical tolerances (never tuned to pass):
- means: |estimate - exact| <= 5 SE. SEs come from closed-form variances where the spec gives them
  (Var Q11 = Var Q22 = g_L - 1, Var Q12 = (g_L - h_L)/3, Var Q11^2 = E Q^4 - g_L^2 with E Q^4 =
  prod_l (1 + 2/N)(1 + 4/N)(1 + 6/N), log-chi-square cumulants psi^(r)), otherwise from the sample
  (E Q11 Q22, E Q12^2: their variances, ≈ 24 and ≈ 18 at N = 20, L = 10, are bounded by E Q^4 = 221, so the
  sample SE is a consistent estimate; spec §4 allows sample-based SEs at alpha <= 0.5);
- variances: SE = sqrt((m4 - s^4)/n) with the exact fourth central moment m4 where known;
- distributions: two-sample KS p >= 5.7e-7 (5 sigma; the spec's "accept" is p >= 1e-3, we use the stricter
  false-alarm level for unit tests), "must reject": p <= 1e-6.
Formulas are written out here (spec §3.4), not imported from the theory module. All seeds are fixed.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from sampler_checks import P_MIN, check_determinism
from scipy import stats
from scipy.special import polygamma, psi

from deeplimits.models.linear.samplers import (
    LAYER_GROUP,
    _TriangularPath,
    bartlett_factor,
    brute_linear,
    gram,
    kernel_factor,
    linear_kernel,
    lognormal_Q_D1,
    mixture_outputs,
    product_Q_D1,
    pxp_mixture,
    triangular_sde_D2,
)


def seed(k: int) -> np.random.SeedSequence:
    return np.random.SeedSequence([4111, k])


def g_of(widths) -> float:
    """g_L = prod (1 + 2/N_l) = E Q11^2 (spec §3.4)."""
    return float(np.prod([1 + 2 / n for n in widths]))


def h_of(widths) -> float:
    """h_L = prod (1 - 1/N_l) (spec §3.4)."""
    return float(np.prod([1 - 1 / n for n in widths]))


def moment_q(widths, k: int) -> float:
    """E Q11^k = prod_l prod_{m<k} (1 + 2m/N_l) (spec §3.4, D = 1 all moments)."""
    return float(np.prod([1 + 2 * m / n for n in widths for m in range(k)]))


def assert_mean(a: np.ndarray, target: float, label: str, sd: float | None = None) -> None:
    """|mean - target| <= 5 SE with SE = sd / sqrt(n), sd closed-form if given, else the sample SD."""
    sd = float(a.std(ddof=1)) if sd is None else sd
    se = sd / math.sqrt(a.size)
    assert abs(a.mean() - target) <= 5 * se, f"{label}: {a.mean():.5f} vs {target:.5f} (SE {se:.2e})"


def assert_var(a: np.ndarray, target: float, m4: float, label: str) -> None:
    """Sample variance vs ``target`` with SE = sqrt((m4 - target^2)/n), m4 the exact 4th central moment."""
    se = math.sqrt((m4 - target**2) / a.size)
    assert abs(a.var() - target) <= 5 * se, f"{label}: {a.var():.5f} vs {target:.5f} (SE {se:.2e})"


def assert_same_law(a: np.ndarray, b: np.ndarray, label: str) -> None:
    p = stats.ks_2samp(a, b).pvalue
    assert p >= P_MIN, f"{label}: KS p = {p:.2e}"


def log_diag_cumulants(widths, i: int) -> tuple[float, float, float]:
    """Mean, variance and 4th cumulant of ln B_ii^2 = sum_l ln(chi2_{N_l - i + 1} / N_l) (spec §3.4):
    ln chi2_k = ln 2 + ln Gamma(k/2), whose cumulants are psi^(r-1)(k/2)."""
    a = np.array([(n - i + 1) / 2 for n in widths])
    mean = float(np.sum(psi(a) - np.log(np.array(widths) / 2)))
    return mean, float(np.sum(polygamma(1, a))), float(np.sum(polygamma(3, a)))


def assert_log_diag(B: np.ndarray, widths, label: str) -> None:
    """ln B_ii^2 mean and variance for every row i (exact SEs from the cumulants)."""
    for i in range(1, B.shape[1] + 1):
        x = np.log(B[:, i - 1, i - 1] ** 2)
        mean, var, k4 = log_diag_cumulants(widths, i)
        assert_mean(x, mean, f"{label} E ln B_{i}{i}^2", sd=math.sqrt(var))
        assert_var(x, var, k4 + 3 * var**2, f"{label} Var ln B_{i}{i}^2")


X_T1 = np.random.default_rng(8).standard_normal((8, 3))  # N_0 = 8, P = 3 (spec T1)
K_T1 = linear_kernel(X_T1)


# --------------------------------------------------------------------------------------------------
# determinism

B_FIXED = bartlett_factor(widths=[6, 5, 7], D=2, seed=seed(0), n_samples=1000, chunk_size=1024)["B"]

SAMPLERS = {
    "brute": lambda **kw: brute_linear(widths=[6, 5, 7], X=X_T1, D=2, **kw),
    "bartlett_snapshots": lambda **kw: bartlett_factor(widths=[5, 4, 6, 3], D=3, snapshots=[0, 2, 4], **kw),
    "bartlett_groups": lambda **kw: bartlett_factor(widths=[4, 9] * LAYER_GROUP, D=2, **kw),  # several groups
    "mixture": lambda seed, n_samples, chunk_size: mixture_outputs(B=B_FIXED[:n_samples], K=K_T1, seed=seed,
                                                                   chunk_size=chunk_size),
    "pxp": lambda **kw: pxp_mixture(widths=[5, 4, 6], K=K_T1, D=2, **kw),
    "product_D1": lambda **kw: product_Q_D1(widths=[5, 7] * LAYER_GROUP, **kw),
    "lognormal_D1": lambda **kw: lognormal_Q_D1(alpha=0.5, **kw),
    "sde_D2": lambda **kw: triangular_sde_D2(alpha=0.5, steps=50, **kw),
}


@pytest.mark.parametrize("name", sorted(SAMPLERS))
def test_chunk_size_invariance_and_reproducibility(name):
    r256, other = check_determinism(SAMPLERS[name], seed)
    for key, value in r256.items():
        assert value.dtype == np.float64 and value.shape[0] == 1000, key
        assert np.all(np.isfinite(value)), key
        assert not np.array_equal(value, other[key]), key


def test_output_shapes_and_keys():
    n = 300
    kw = dict(seed=seed(3), n_samples=n, chunk_size=256)
    b = brute_linear(widths=[4, 5], X=X_T1, D=2, **kw)
    assert b["S"].shape == (n, 2, 3) and b["Q"].shape == (n, 2, 2)
    r = bartlett_factor(widths=[4, 5, 6], D=3, snapshots=[1, 3], **kw)
    assert r["B"].shape == (n, 3, 3) and r["B_snap"].shape == (n, 2, 3, 3)
    assert np.all(np.triu(r["B"], 1) == 0) and np.all(np.diagonal(r["B"], axis1=1, axis2=2) > 0)
    assert set(bartlett_factor(widths=[4], D=2, **kw)) == {"B"}
    assert mixture_outputs(B=r["B"], K=np.eye(4), seed=seed(3), chunk_size=256)["S"].shape == (n, 3, 4)
    assert pxp_mixture(widths=[4, 5], K=K_T1, D=2, **kw)["S"].shape == (n, 2, 3)
    assert product_Q_D1(widths=[4], **kw)["Q"].shape == lognormal_Q_D1(alpha=1.0, **kw)["Q"].shape == (n,)
    sde = triangular_sde_D2(alpha=0.3, steps=10, **kw)["B"]
    assert sde.shape == (n, 2, 2) and np.all(sde[:, 0, 1] == 0) and np.all(sde[:, [0, 1], [0, 1]] > 0)
    # L = 0 is the NNGP: Q = I exactly
    assert np.array_equal(bartlett_factor(widths=[], D=2, **kw)["B"], np.broadcast_to(np.eye(2), (n, 2, 2)))
    assert np.array_equal(product_Q_D1(widths=[], **kw)["Q"], np.ones(n))


def test_argument_validation():
    kw = dict(seed=seed(0), n_samples=10, chunk_size=256)
    with pytest.raises(ValueError, match=r"widths\[1\] = N_2 = 2"):
        bartlett_factor(widths=[5, 2, 5], D=3, **kw)
    with pytest.raises(ValueError, match=r"P = 3.*widths\[0\] = N_1 = 2"):
        pxp_mixture(widths=[2, 5], K=K_T1, D=1, **kw)
    with pytest.raises(ValueError, match="snapshots"):
        bartlett_factor(widths=[5, 5], D=2, snapshots=[2, 1], **kw)
    with pytest.raises(ValueError, match="snapshots"):
        bartlett_factor(widths=[5, 5], D=2, snapshots=[3], **kw)
    with pytest.raises(ValueError, match="non-empty"):
        brute_linear(widths=[], X=X_T1, D=1, **kw)
    with pytest.raises(ValueError, match="multiple of 256"):
        product_Q_D1(widths=[5], seed=seed(0), n_samples=10, chunk_size=100)
    with pytest.raises(ValueError, match="positive semi-definite"):
        mixture_outputs(B=B_FIXED, K=np.array([[1.0, 2.0], [2.0, 1.0]]), seed=seed(0), chunk_size=256)


def test_kernel_factor_singular_kernel():
    X = np.random.default_rng(1).standard_normal((2, 4))  # P = 4 > N_0 = 2: K singular, no Cholesky
    K = linear_kernel(X)
    C = kernel_factor(K)
    assert np.allclose(C @ C.T, K, atol=1e-12)


def test_triangular_left_product_matches_matmul():
    """The entry-wise product B <- T B equals the dense product (D = 4, random triangular factors)."""
    rng = np.random.default_rng(5)
    dim, m = 4, 7
    path = _TriangularPath(dim, m)
    dense = np.broadcast_to(np.eye(dim), (m, dim, dim)).copy()
    for _ in range(3):
        diag = rng.uniform(0.5, 2.0, (dim, m))
        off = rng.standard_normal((dim * (dim - 1) // 2, m))
        T = np.zeros((m, dim, dim))
        T[:, np.arange(dim), np.arange(dim)] = diag.T
        rows, cols = np.tril_indices(dim, -1)  # row-major (2,1), (3,1), (3,2), ... as documented
        T[:, rows, cols] = off.T
        path.left_multiply(diag, off)
        dense = T @ dense
    assert np.allclose(path.matrix(), dense, rtol=1e-13, atol=1e-14)


# --------------------------------------------------------------------------------------------------
# exact finite-N Bartlett moments (N = 20, L = 10, D = 2; spec §3.4 unit-test anchors)

N_MOM, L_MOM = 20, 10


@pytest.fixture(scope="module")
def bartlett_20_10():
    return bartlett_factor(widths=[N_MOM] * L_MOM, D=2, seed=seed(10), n_samples=200_000, chunk_size=2**14)["B"]


def test_spec_anchors():
    w = [N_MOM] * L_MOM
    g, h = g_of(w), h_of(w)
    assert math.isclose(g, 2.5937424601, rel_tol=1e-10) and math.isclose(h, 0.5987369392, rel_tol=1e-9)
    assert math.isclose(g / 3 + 2 * h / 3, 1.2637387795, rel_tol=1e-9)
    assert math.isclose((g - h) / 3, 0.6650018403, rel_tol=1e-9)
    assert math.isclose(moment_q(w, 4), 221.39756248, rel_tol=1e-9)
    m1, v1, _ = log_diag_cumulants(w, 1)
    m2, v2, _ = log_diag_cumulants(w, 2)
    assert np.allclose([m1, v1, m2, v2], [-0.5083250393, 1.0516633568, -1.0484721659, 1.1099728847], rtol=1e-9)


def test_bartlett_second_moments(bartlett_20_10):
    w = [N_MOM] * L_MOM
    g, h = g_of(w), h_of(w)
    Q = gram(bartlett_20_10)
    q11, q12, q22 = Q[:, 0, 0], Q[:, 0, 1], Q[:, 1, 1]
    assert_mean(q11, 1.0, "E Q11", sd=math.sqrt(g - 1))
    assert_mean(q22, 1.0, "E Q22", sd=math.sqrt(g - 1))
    assert_mean(q12, 0.0, "E Q12", sd=math.sqrt((g - h) / 3))
    assert_mean(q11**2, g, "E Q11^2", sd=math.sqrt(moment_q(w, 4) - g**2))
    assert_mean(q11 * q22, g / 3 + 2 * h / 3, "E Q11 Q22")
    assert_mean(q12**2, (g - h) / 3, "E Q12^2")
    # orthogonal invariance (spec §3.1): u^T Q u with u = (1, 1)/sqrt2 has the law of Q11
    uqu = 0.5 * (q11 + 2 * q12 + q22)
    assert_mean(uqu**2, g, "E (u^T Q u)^2", sd=math.sqrt(moment_q(w, 4) - g**2))


def test_bartlett_log_diagonal(bartlett_20_10):
    assert_log_diag(bartlett_20_10, [N_MOM] * L_MOM, "N=20 L=10")
    # ln B_11^2 and ln B_22^2 are independent (spec §3.1): correlation within 5 / sqrt(n)
    b = bartlett_20_10
    r = np.corrcoef(np.log(b[:, 0, 0]), np.log(b[:, 1, 1]))[0, 1]
    assert abs(r) <= 5 / math.sqrt(b.shape[0])


def test_bartlett_large_depth_numerics():
    """alpha = 8, N' = 500, L' = 4000, D = 3 (fig9's regime): plain float64 products stay finite and exact
    in law (log-diagonal moments vs the exact formulas, SE = sqrt(Var / n) with Var ≈ 16)."""
    w = [500] * 4000
    r = bartlett_factor(widths=w, D=3, seed=seed(11), n_samples=1024, chunk_size=1024, snapshots=[250, 4000])
    B = r["B"]
    assert np.array_equal(r["B_snap"][:, 1], B)
    rows, cols = np.tril_indices(3)
    entries = np.abs(B[:, rows, cols])
    assert np.all(np.isfinite(entries)) and np.all(np.abs(np.log(entries)) < 200)  # float64 reaches e^{±708}
    assert_log_diag(B, w, "alpha=8")
    assert_log_diag(r["B_snap"][:, 0], w[:250], "alpha=0.5 snapshot")
    assert np.all(np.isfinite(2 * np.log(np.linalg.svd(B, compute_uv=False))))  # pitfall 6: log-eigenvalues


# --------------------------------------------------------------------------------------------------
# T1, T2, T5: network vs mixtures (N_0 = 8, P = 3, D = 2, N = 30, L = 15, alpha = 0.5)

N_T1, L_T1, N_NET, N_MIX = 30, 15, 8192, 81920  # spec: 4e4 vs 4e5; 10x fewer to stay fast


@pytest.fixture(scope="module")
def network():
    return brute_linear(widths=[N_T1] * L_T1, X=X_T1, D=2, seed=seed(20), n_samples=N_NET, chunk_size=1024)


@pytest.fixture(scope="module")
def mixture():
    B = bartlett_factor(widths=[N_T1] * L_T1, D=2, seed=seed(21), n_samples=N_MIX, chunk_size=2**14)["B"]
    return B, mixture_outputs(B=B, K=K_T1, seed=seed(22), chunk_size=2**14)["S"]


def output_statistics(S: np.ndarray) -> dict[str, np.ndarray]:
    return {"s_1(x^1)": S[:, 0, 0], "s_2(x^3)": S[:, 1, 2], "|s(x^1)|": np.linalg.norm(S[:, :, 0], axis=1),
            "s_1(x^1) s_1(x^2)": S[:, 0, 0] * S[:, 0, 1]}


def test_T1_network_vs_mixture(network, mixture):
    B, S = mixture
    for label, a in output_statistics(network["S"]).items():
        assert_same_law(a, output_statistics(S)[label], f"T1 {label}")
    Q = gram(B)
    assert_same_law(network["Q"][:, 0, 0], Q[:, 0, 0], "T1 Q11")
    assert_same_law(network["Q"][:, 0, 1], Q[:, 0, 1], "T1 Q12")
    assert_same_law(network["Q"][:, 1, 1], Q[:, 1, 1], "T1 Q22")


def test_network_Q_is_the_conditional_covariance(network):
    """vec S | Q ~ N(0, Q ⊗ K) for the network's own Q (spec §3.1, §4): G = C_Q^{-1} S C_K^{-T} has iid
    N(0, 1) entries independent of Q (KS over all 6 n entries, and G_11 against Q11 by its correlation with
    ln Q11, SE 1/sqrt(n)); E s_1(x^1)^2 = K_11 with SE from Var(s^2) = K^2 (3 g_L - 1) (spec §3.4)."""
    C_Q = np.linalg.cholesky(network["Q"])
    G = np.linalg.solve(C_Q, network["S"]) @ np.linalg.inv(np.linalg.cholesky(K_T1)).T
    assert stats.kstest(G.ravel(), "norm").pvalue >= P_MIN
    r = np.corrcoef(G[:, 0, 0] ** 2, np.log(network["Q"][:, 0, 0]))[0, 1]
    assert abs(r) <= 5 / math.sqrt(N_NET)
    k11, g = K_T1[0, 0], g_of([N_T1] * L_T1)
    assert_mean(network["S"][:, 0, 0] ** 2, k11, "E s^2", sd=k11 * math.sqrt(3 * g - 1))


def test_network_unequal_widths_vs_bartlett():
    """Unequal widths in the network: the normalisation 1/sqrt(N_{l-1}) and the depth convention (spec §2,
    pitfall 2) give E Q = I (closed-form SEs) and the Bartlett law of Q (KS) with the same widths."""
    w, n = [10, 25, 4, 30, 8], 8192
    net = brute_linear(widths=w, X=X_T1, D=2, seed=seed(24), n_samples=n, chunk_size=1024)["Q"]
    bart = gram(bartlett_factor(widths=w, D=2, seed=seed(25), n_samples=4 * n, chunk_size=2**14)["B"])
    g, h = g_of(w), h_of(w)
    assert_mean(net[:, 0, 0], 1.0, "network E Q11", sd=math.sqrt(g - 1))
    assert_mean(net[:, 1, 1], 1.0, "network E Q22", sd=math.sqrt(g - 1))
    assert_mean(net[:, 0, 1], 0.0, "network E Q12", sd=math.sqrt((g - h) / 3))
    for (i, j) in [(0, 0), (0, 1), (1, 1)]:
        assert_same_law(net[:, i, j], bart[:, i, j], f"unequal widths Q{i + 1}{j + 1}")


def test_T2_dxd_vs_pxp_mixture(mixture):
    _, S = mixture
    S_pxp = pxp_mixture(widths=[N_T1] * L_T1, K=K_T1, D=2, seed=seed(23), n_samples=N_MIX, chunk_size=2**14)["S"]
    for label, a in output_statistics(S_pxp).items():
        assert_same_law(a, output_statistics(S)[label], f"T2 {label}")


def test_T5_network_rejects_nngp(network):
    """Must reject (spec T5): s_1(x^1) of the network vs the NNGP N(0, K_11) at alpha = L/N = 0.5.
    Power: the exact law (normal-lognormal mixture with Q11 = prod chi2_30/30) is at KS distance
    d ≈ 0.061 from N(0, K_11) (at s ≈ -0.58 sqrt(K_11), computed numerically from 4e5 Q-draws), so
    sqrt(n) d ≈ 5.5 at n = 8192; the empirical statistic differs from d by at most the null KS fluctuation,
    < 1.95 / sqrt(n) with probability 0.999, so sqrt(n) D_n > 3.5 and p < 2 exp(-2 x 3.5^2) ≈ 5e-11 << 1e-6."""
    p = stats.kstest(network["S"][:, 0, 0], stats.norm(scale=math.sqrt(K_T1[0, 0])).cdf).pvalue
    assert p <= 1e-6, f"T5 p = {p:.2e}"


# --------------------------------------------------------------------------------------------------
# unequal widths, D = 1, snapshots


def test_unequal_widths_order_does_not_matter():
    """The law of Q depends on the widths only as a multiset (spec §2): widths and their reverse agree on
    Q11, Q12, Q22 and log det Q (KS); E Q11^2 = prod (1 + 2/N_l) and the log-diagonal moments hold."""
    w = [3, 5, 20, 40, 4]
    n = 50_000
    fwd = bartlett_factor(widths=w, D=3, seed=seed(30), n_samples=n, chunk_size=2**14)["B"]
    rev = bartlett_factor(widths=w[::-1], D=3, seed=seed(31), n_samples=n, chunk_size=2**14)["B"]
    qf, qr = gram(fwd), gram(rev)
    for (i, j) in [(0, 0), (1, 0), (1, 1), (2, 1), (2, 2)]:
        assert_same_law(qf[:, i, j], qr[:, i, j], f"Q{i + 1}{j + 1}")
    assert_same_law(np.linalg.slogdet(qf)[1], np.linalg.slogdet(qr)[1], "log det Q")
    g = g_of(w)
    for B, label in ((fwd, "forward"), (rev, "reversed")):
        Q = gram(B)
        assert_mean(Q[:, 0, 0] ** 2, g, f"{label} E Q11^2", sd=math.sqrt(moment_q(w, 4) - g**2))
        assert_mean(Q[:, 1, 1], 1.0, f"{label} E Q22", sd=math.sqrt(g - 1))
        assert_mean(Q[:, 2, 1], 0.0, f"{label} E Q32", sd=math.sqrt((g - h_of(w)) / 3))
        assert_log_diag(B, w, label)


def test_product_D1_is_bartlett_Q11():
    w = [12, 30] * 20  # 40 layers: more than one LAYER_GROUP
    n = 50_000
    q = product_Q_D1(widths=w, seed=seed(40), n_samples=n, chunk_size=2**14)["Q"]
    b = bartlett_factor(widths=w, D=1, seed=seed(41), n_samples=n, chunk_size=2**14)["B"][:, 0, 0]
    assert_same_law(q, b**2, "product vs Bartlett D=1")
    g = g_of(w)
    assert_mean(q, 1.0, "E Q", sd=math.sqrt(g - 1))
    assert_mean(q**2, g, "E Q^2", sd=math.sqrt(moment_q(w, 4) - g**2))
    mean, var, k4 = log_diag_cumulants(w, 1)
    assert_mean(np.log(q), mean, "E ln Q", sd=math.sqrt(var))
    assert_var(np.log(q), var, k4 + 3 * var**2, "Var ln Q")


def test_lognormal_D1_and_T4():
    """ln Q ~ N(-alpha, 2 alpha); E Q = 1 (Var = e^{2 alpha} - 1); T4: the D = 1 surrogate at N' = 1000
    (bias O(alpha/N') = 5e-4, far below the KS resolution ≈ 1/sqrt(n) at n = 20000) agrees with it."""
    alpha, n = 0.5, 200_000
    q = lognormal_Q_D1(alpha=alpha, seed=seed(42), n_samples=n, chunk_size=2**14)["Q"]
    assert_mean(np.log(q), -alpha, "E ln Q", sd=math.sqrt(2 * alpha))
    assert_var(np.log(q), 2 * alpha, 3 * (2 * alpha) ** 2, "Var ln Q")
    assert_mean(q, 1.0, "E Q", sd=math.sqrt(math.expm1(2 * alpha)))
    sur = product_Q_D1(widths=[1000] * 500, seed=seed(43), n_samples=20_000, chunk_size=2**14)["Q"]
    assert_same_law(sur, q[:20_000], "T4 surrogate vs log-normal")


def test_snapshots_are_truncated_products():
    w = [20] * 10
    n = 50_000
    r = bartlett_factor(widths=w, D=2, seed=seed(50), n_samples=n, chunk_size=2**14, snapshots=[0, 4, 10])
    assert np.array_equal(r["B_snap"][:, 0], np.broadcast_to(np.eye(2), (n, 2, 2)))
    assert np.array_equal(r["B_snap"][:, 2], r["B"])
    assert np.array_equal(r["B"], bartlett_factor(widths=w, D=2, seed=seed(50), n_samples=n,
                                                  chunk_size=2**14)["B"])  # snapshots do not change draws
    q_snap = gram(r["B_snap"][:, 1])
    q_sep = gram(bartlett_factor(widths=w[:4], D=2, seed=seed(51), n_samples=n, chunk_size=2**14)["B"])
    for (i, j) in [(0, 0), (1, 0), (1, 1)]:
        assert_same_law(q_snap[:, i, j], q_sep[:, i, j], f"snapshot Q{i + 1}{j + 1}")
    g, h = g_of(w[:4]), h_of(w[:4])
    assert_mean(q_snap[:, 0, 0], 1.0, "E Q11 snapshot", sd=math.sqrt(g - 1))
    assert_mean(q_snap[:, 1, 1], 1.0, "E Q22 snapshot", sd=math.sqrt(g - 1))
    assert_mean(q_snap[:, 1, 0], 0.0, "E Q12 snapshot", sd=math.sqrt((g - h) / 3))


# --------------------------------------------------------------------------------------------------
# T3: the D = 2 limit


def test_T3_triangular_sde_vs_surrogate():
    """SDE (1000 steps) vs the Bartlett surrogate at N' = 1000, L' = 500 (alpha = 0.5), 20000 draws each.
    Limit moments with closed-form SEs: E Q = I (Var Q11 = Var Q22 = e^{2a} - 1, Var Q12 = (e^{2a} - e^{-a})/3;
    the grid bias O(alpha/steps) ≈ 1e-4 is far below the SE ≈ 9e-3); ln B_11^2 ~ N(-a, 2a) and
    ln B_22^2 ~ N(-2a, 2a) exactly."""
    alpha, n = 0.5, 20_000
    B = triangular_sde_D2(alpha=alpha, steps=1000, seed=seed(60), n_samples=n, chunk_size=4096)["B"]
    Q = gram(B)
    g, h = math.exp(2 * alpha), math.exp(-alpha)
    assert_mean(Q[:, 0, 0], 1.0, "SDE E Q11", sd=math.sqrt(g - 1))
    assert_mean(Q[:, 1, 1], 1.0, "SDE E Q22", sd=math.sqrt(g - 1))
    assert_mean(Q[:, 0, 1], 0.0, "SDE E Q12", sd=math.sqrt((g - h) / 3))
    for i, x in ((1, np.log(Q[:, 0, 0])), (2, np.log(B[:, 1, 1] ** 2))):
        assert_mean(x, -i * alpha, f"SDE E ln B_{i}{i}^2", sd=math.sqrt(2 * alpha))
        assert_var(x, 2 * alpha, 3 * (2 * alpha) ** 2, f"SDE Var ln B_{i}{i}^2")
    sur = gram(bartlett_factor(widths=[1000] * 500, D=2, seed=seed(61), n_samples=n, chunk_size=4096)["B"])
    for (i, j) in [(0, 0), (0, 1), (1, 1)]:
        assert_same_law(Q[:, i, j], sur[:, i, j], f"T3 Q{i + 1}{j + 1}")
    assert_same_law(np.linalg.slogdet(Q)[1], np.linalg.slogdet(sur)[1], "T3 log det Q")


def test_sde_B21_second_moment_on_grid():
    """E B_21^2 = sum_k E[(B_11(alpha)/B_11(t_k))^2] E[B_22(t_k)^2] dt = dt sum_k e^{-t_k} exactly for the
    left-point sum (the first factor has mean 1 and is independent of the second); E B_21 = 0. Sample SEs."""
    alpha, steps, n = 0.5, 100, 100_000
    B = triangular_sde_D2(alpha=alpha, steps=steps, seed=seed(62), n_samples=n, chunk_size=2**14)["B"]
    dt = alpha / steps
    assert_mean(B[:, 1, 0] ** 2, float(np.sum(np.exp(-dt * np.arange(steps))) * dt), "E B21^2")
    assert_mean(B[:, 1, 0], 0.0, "E B21")

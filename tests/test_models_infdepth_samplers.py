"""Tests of the infinite-depth (hayou) samplers: chunk invariance, S1/S3 vs brute force S4, exact facts.

Statistical tolerances (never tuned to pass):
- means: |difference| <= 5 SE, SE = s / sqrt(N) (sample sd);
- fractions: SE = sqrt(p (1 - p) / N) with the theoretical p;
- distributions: two-sample KS p-value >= 5.7e-7 (the 5 sigma level of spec §5).
All seeds are fixed, so every test is deterministic.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from sampler_checks import P_MIN, assert_results_equal, mean_se
from scipy import stats

from deeplimits.models.infdepth.closed_forms import identity_log_ratio_moments, relu1_collapse_probability
from deeplimits.models.infdepth.samplers import (
    ACTIVATIONS,
    activation,
    euler_maruyama_sde,
    euler_single,
    explicit_network,
    gram_multi,
    pair_inputs,
    relu_collapse_conditional,
)


def seed(k: int) -> np.random.SeedSequence:
    return np.random.SeedSequence([2025, k])


def corr(y: np.ndarray) -> np.ndarray:
    """Correlation ⟨y_1, y_2⟩ / (||y_1|| ||y_2||) of the two inputs of an (N, 2, n) array."""
    a, b = y[:, 0], y[:, 1]
    return np.einsum("ij,ij->i", a, b) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)


# --------------------------------------------------------------------------------------------------
# activations


def test_activation_names_and_values():
    with pytest.raises(ValueError, match="identity, relu, ou"):
        activation("softplus")
    with pytest.raises(ValueError):
        activation("relu", a=2.0)
    with pytest.raises(ValueError):
        activation("piecewise")
    x = np.linspace(-3, 3, 61)
    assert np.array_equal(activation("piecewise", a=1.0, b=0.25)(x), np.where(x > 0, x, 0.25 * x))
    assert np.allclose(activation("ou")(np.array([0.0])), 2.0 / math.sqrt(math.pi))
    for name in ACTIVATIONS:  # derivative by central differences (away from kinks)
        f = activation(name, b=0.3) if name == "piecewise" else activation(name)
        xs = x[np.abs(x) > 0.05]
        num = (f(xs + 1e-6) - f(xs - 1e-6)) / 2e-6
        assert np.allclose(f.derivative(xs), num, rtol=1e-5, atol=1e-6), name


# --------------------------------------------------------------------------------------------------
# chunk invariance (bit for bit)


def test_chunk_invariance_euler_single_and_sde():
    kw = dict(n=4, depth=10, phi="relu", record_layers=(0, 3, 10), seed=seed(1), n_samples=1000)
    assert_results_equal(euler_single(chunk_size=256, **kw), euler_single(chunk_size=1024, **kw))
    kw = dict(n=2, phi="tanh", l_sde=64, y0=0.5, seed=seed(2), n_samples=1000)
    assert_results_equal(euler_maruyama_sde(chunk_size=256, **kw), euler_maruyama_sde(chunk_size=1024, **kw))


def test_chunk_invariance_gram_multi():
    kw = dict(n=5, depth=8, phi="relu", c0=0.3, seed=seed(3), n_samples=1000)
    assert_results_equal(gram_multi(chunk_size=256, **kw), gram_multi(chunk_size=1024, **kw))


def test_chunk_invariance_explicit_network():
    kw = dict(n=4, depth=8, phi="gelu", inputs=pair_inputs(0.5), gradient=True, seed=seed(4), n_samples=1000)
    assert_results_equal(explicit_network(chunk_size=256, **kw), explicit_network(chunk_size=1024, **kw))


# --------------------------------------------------------------------------------------------------
# S1 / S3 vs brute force S4


@pytest.mark.parametrize("name", ["relu", "identity"])
def test_euler_single_vs_explicit(name):
    N, n, L = 4000, 4, 10
    s1 = euler_single(n=n, depth=L, phi=name, seed=seed(10), n_samples=N, chunk_size=1024)
    s4 = explicit_network(n=n, depth=L, phi=name, inputs=np.ones((1, 1)), seed=seed(11), n_samples=N,
                          chunk_size=1024)
    y1, y4 = s1["YL"], s4["Y"][:, 0]
    assert stats.ks_2samp(np.linalg.norm(y1, axis=1), np.linalg.norm(y4, axis=1)).pvalue >= P_MIN
    assert stats.ks_2samp(y1[:, 0], y4[:, 0]).pvalue >= P_MIN


def test_gram_multi_vs_explicit():
    N, n, L, c0 = 4000, 5, 16, 0.5
    s3 = gram_multi(n=n, depth=L, phi="relu", c0=c0, seed=seed(12), n_samples=N, chunk_size=1024)
    s4 = explicit_network(n=n, depth=L, phi="relu", inputs=pair_inputs(c0), seed=seed(13), n_samples=N,
                          chunk_size=1024)
    assert stats.ks_2samp(s3["cL"], corr(s4["Y"])).pvalue >= P_MIN
    # the inputs of both have the same law (per-coordinate correlation c0)
    assert stats.ks_2samp(s3["c0"], corr(s4["Y0"])).pvalue >= P_MIN


# --------------------------------------------------------------------------------------------------
# exact width-1 facts (T4, T5), Quasi-GBM sign (T8), OU (T6)


def test_identity_width1_log_ratio_mean():
    L, N = 500, 20000
    r = euler_single(n=1, depth=L, phi="identity", y0=1.0, seed=seed(20), n_samples=N, chunk_size=4096)
    logs = np.log(np.abs(r["YL"][:, 0]))
    m, se = mean_se(logs)
    exact, _ = identity_log_ratio_moments(L)
    assert abs(exact + 0.5) < 0.01  # close to the GBM limit -1/2
    assert abs(m - exact) <= 5 * se


def test_relu_width1_collapse_fraction():
    L, N = 5, 40000
    r = euler_single(n=1, depth=L, phi="relu", seed=seed(21), n_samples=N, chunk_size=4096)
    alive0 = r["Y0"][:, 0] > 0
    frac = r["collapsed"][alive0].mean()
    p = float(relu1_collapse_probability(L))
    assert abs(frac - p) <= 5 * math.sqrt(p * (1 - p) / alive0.sum())
    assert r["collapsed"][~alive0].all()  # phi(Y_0) = 0: collapsed at layer 0
    assert np.isnan(r["log_phi_norm_ratio"][r["collapsed"]]).all()
    # absorbing: a collapsed sample never moves
    assert np.array_equal(r["YL"][~alive0], r["Y0"][~alive0])


# --------------------------------------------------------------------------------------------------
# conditional Monte Carlo of the ReLU collapse probability (T7)


@pytest.mark.parametrize("depth", [1, 5, 30])
def test_collapse_conditional_is_exact_at_width_1(depth):
    """n = 1: every path of E_0 gives 1 - Phi(sqrt L)^L (T5), up to rounding; E_0 is Y_0 > 0."""
    r = relu_collapse_conditional(n=1, depth=depth, seed=seed(40), n_samples=2000, chunk_size=1024)
    p = r["collapse_probability"]
    assert np.isnan(p[~r["alive0"]]).all() and 900 <= r["alive0"].sum() <= 1100
    np.testing.assert_allclose(p[r["alive0"]], relu1_collapse_probability(depth), rtol=1e-12, atol=0)


def test_collapse_conditional_does_not_depend_on_chunk_size():
    """The redraws of collapsing steps (n = 1, L = 1: 16 % of the rows) stay in their stream block."""
    for n, depth in [(1, 1), (3, 4)]:
        a, b = (relu_collapse_conditional(n=n, depth=depth, seed=seed(41), n_samples=3000, chunk_size=c)
                for c in (256, 2048))
        assert_results_equal(a, b)


@pytest.mark.parametrize(("n", "depth"), [(2, 3), (4, 1)])
def test_collapse_conditional_agrees_with_s1_counts(n, depth):
    """The conditional mean against S1's collapsed fraction in E_0 (independent seeds), 5 SE of the difference
    (the counts' binomial SE at the conditional estimate): 400 000 S1 paths resolve about 8 % of p = 0.015
    (n = 2, L = 3) and 13 % of p = 0.007 (n = 4, L = 1)."""
    cond = relu_collapse_conditional(n=n, depth=depth, seed=seed(42), n_samples=40000, chunk_size=4096)
    x = cond["collapse_probability"][cond["alive0"]]
    m, se = mean_se(x)
    s1 = euler_single(n=n, depth=depth, phi="relu", record_states=False, seed=seed(43), n_samples=400000,
                      chunk_size=8192)
    alive0 = np.any(s1["Y0"] > 0, axis=1)
    frac = s1["collapsed"][alive0].mean()
    assert abs(frac - m) <= 5 * math.hypot(se, math.sqrt(m * (1 - m) / alive0.sum()))
    assert se < 0.01 * m  # the conditional estimate is the precise one


def test_collapse_conditional_agrees_with_brute_force():
    """Against S4 (explicit weights): n = 3, L = 2, p = 0.0070; 100 000 networks resolve about 20 % of p."""
    n, depth = 3, 2
    cond = relu_collapse_conditional(n=n, depth=depth, seed=seed(44), n_samples=20000, chunk_size=4096)
    m, se = mean_se(cond["collapse_probability"][cond["alive0"]])
    s4 = explicit_network(n=n, depth=depth, phi="relu", inputs=np.ones((1, 1)), seed=seed(45), n_samples=100000,
                          chunk_size=4096)
    alive0 = np.any(s4["Y0"][:, 0] > 0, axis=1)
    frac = np.all(s4["Y"][alive0, 0] <= 0, axis=1).mean()  # collapse is absorbing: phi(Y_L) = 0
    assert abs(frac - m) <= 5 * math.hypot(se, math.sqrt(m * (1 - m) / alive0.sum()))


@pytest.mark.parametrize(("n", "sign"), [(2, -1.0), (8, 1.0)])
def test_quasi_gbm_sign(n, sign):
    r = euler_single(n=n, depth=64, phi="relu", seed=seed(22 + n), n_samples=3000, chunk_size=1024)
    g = r["log_phi_norm_ratio"]
    g = g[np.isfinite(g)]
    m, se = mean_se(g)
    assert sign * m >= 5 * se
    assert r["active_mean"].shape == (65,)
    assert abs(r["active_mean"][0] - n / 2) <= 5 * math.sqrt(n / 4 / 3000)


def test_ou_no_overflow():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):
            r = euler_single(n=1, depth=500, phi="ou", y0=1.0, seed=seed(30), n_samples=256, chunk_size=256)
    assert np.isfinite(r["YL"]).all() and np.isfinite(r["log_phi_norm_ratio"]).all()
    assert not r["collapsed"].any()  # phi > 0


# --------------------------------------------------------------------------------------------------
# gradients (T13)


def test_gradient_homogeneous_identity():
    """ReLU is 1-homogeneous, so ℓ = ½||Y_L||² is 2-homogeneous in Y_0: ⟨h_0, Y_0⟩ = 2ℓ = ⟨h_L, Y_L⟩ pathwise."""
    r = explicit_network(n=6, depth=32, phi="relu", inputs=np.ones((1, 1)), gradient=True, seed=seed(40),
                         n_samples=500, chunk_size=256)
    y0, yl = r["Y0"][:, 0], r["Y"][:, 0]
    lhs = np.einsum("ij,ij->i", r["grad_input"], y0)
    rhs = np.einsum("ij,ij->i", yl, yl)
    assert np.all(np.abs(lhs - rhs) <= 1e-10 * np.maximum(rhs, 1.0))
    ratio = r["grad_norm_ratio"]
    assert ratio.shape == (500, 33) and np.all(ratio[:, -1] == 1.0)
    assert np.allclose(ratio[:, 0], np.linalg.norm(r["grad_input"], axis=1) / np.linalg.norm(yl, axis=1))


def test_gradient_matches_finite_differences():
    """Backward pass with the same weights: directional derivative of ℓ(Y_0) via a rerun with perturbed inputs."""
    kw = dict(n=3, depth=6, phi="tanh", gradient=True, seed=seed(41), n_samples=256, chunk_size=256)
    eps = 1e-6
    r = explicit_network(inputs=np.ones((1, 1)), **kw)
    rp = explicit_network(inputs=np.full((1, 1), 1 + eps), **kw)
    rm = explicit_network(inputs=np.full((1, 1), 1 - eps), **kw)
    loss = lambda s: 0.5 * np.einsum("ij,ij->i", s["Y"][:, 0], s["Y"][:, 0])  # noqa: E731
    fd = (loss(rp) - loss(rm)) / (2 * eps)  # d ℓ / d x = ⟨h_0, W_in⟩ = ⟨h_0, Y_0⟩ at x = 1
    an = np.einsum("ij,ij->i", r["grad_input"], r["Y0"][:, 0])
    assert np.allclose(an, fd, rtol=1e-6, atol=1e-8)


# --------------------------------------------------------------------------------------------------
# recording options used by the hayou runners


def test_recorded_norms_paths_and_output_gradient():
    """phi_norm_at and c_path record what the final arrays hold; record_states=False drops only Y_at; a fixed h_L
    keeps the homogeneity identity <h_0, Y_0> = <h_L, Y_L>."""
    kw = dict(n=5, depth=12, phi="relu", record_layers=[0, 6, 12], seed=seed(50), n_samples=300, chunk_size=256)
    full, light = euler_single(**kw), euler_single(record_states=False, **kw)
    assert light["Y_at"].shape == (300, 3, 0)
    assert np.array_equal(full["phi_norm_at"], light["phi_norm_at"]) and np.array_equal(full["YL"], light["YL"])
    assert np.allclose(full["phi_norm_at"], np.linalg.norm(np.maximum(full["Y_at"], 0.0), axis=2), rtol=1e-14)
    g = gram_multi(n=4, depth=10, phi="relu", record_correlation=True, seed=seed(51), n_samples=300, chunk_size=256)
    assert g["c_path"].shape == (300, 11)
    assert np.array_equal(g["c_path"][:, 0], g["c0"]) and np.allclose(g["c_path"][:, -1], g["cL"], rtol=1e-14)
    h_last = np.full(6, 1 / math.sqrt(6))
    r = explicit_network(n=6, depth=16, phi="relu", inputs=np.ones((1, 1)), gradient=True, output_gradient=h_last,
                         seed=seed(52), n_samples=256, chunk_size=256)
    lhs, rhs = np.einsum("ij,ij->i", r["grad_input"], r["Y0"][:, 0]), r["Y"][:, 0] @ h_last
    assert np.all(np.abs(lhs - rhs) <= 1e-10 * (1 + np.abs(rhs)))
    assert np.allclose(r["grad_norm_ratio"][:, -1], 1.0)
    with pytest.raises(ValueError, match="output_gradient"):
        explicit_network(n=6, depth=2, phi="relu", inputs=np.ones((1, 1)), gradient=True,
                         output_gradient=np.ones(5), seed=seed(53), n_samples=4, chunk_size=256)

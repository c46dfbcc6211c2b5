"""Tests of the direct simulations of trained deep linear networks (spec ``bordelon`` §2, §3.1, §3.7, §4).

Statistical tolerances (never tuned to pass): a replicate mean agrees with a closed value if
|mean - value| <= 5 SE, SE = sd / sqrt(S) with sd the sample standard deviation (ddof = 1) over the S independent
replicates (each with its own data, teacher and initial weights). All seeds are fixed, so every test is
deterministic. Exact identities (reduced vs brute force, per-replicate least squares, finite differences) use
relative tolerances of floating-point size.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from sampler_checks import mean_se

from deeplimits.models.training import (
    TrainingConfig,
    backward_fields,
    draw_problem,
    forward_fields,
    initial_loss_mean,
    least_squares_test_loss_mean,
    least_squares_train_loss_mean,
    record_times,
    reduced_update,
    replicate_seed,
    simulate,
    spectrum,
    throughput,
)
from deeplimits.rng import setting_seed


def seed(*names: str) -> np.random.SeedSequence:
    return setting_seed(2025, "bordelon", "test_training", *names)


def config(**kw) -> TrainingConfig:
    """Small C0-like setting (spec §5): isotropic MLP, μP, α = 2, ν = 1, L = 2, γ0 = 1, with label noise."""
    base = dict(D=64, nu=1.0, L=2, alpha=2.0, gamma0=1.0, eta0=0.05, T=25, sigma=0.5)
    return TrainingConfig(**{**base, **kw})


def rel_err(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(a - b) / np.abs(b)))


def assert_results_equal(r1: dict, r2: dict) -> None:
    assert r1.keys() == r2.keys()
    for key in r1:
        assert np.array_equal(r1[key], r2[key]), key


# --------------------------------------------------------------------------------------------------
# configuration and data


def test_config_validation_and_scales():
    with pytest.raises(ValueError, match="optimiser"):
        config(optimiser="adam")
    with pytest.raises(ValueError, match="alpha_B"):
        config(optimiser="sgd")
    with pytest.raises(ValueError, match="width_ratios"):
        config(width_ratios=(1.0,))
    with pytest.raises(ValueError, match="MLP only"):
        config(architecture="residual", width_ratios=(1.0, 1.0))
    with pytest.raises(ValueError, match="brute-force"):
        simulate(config(optimiser="population"), seed("x"), 1, method="brute")
    cfg = config(D=100, nu=0.5, gamma0=2.0, eta0=0.1)
    assert cfg.widths == (50, 50) and cfg.P == 200
    assert math.isclose(cfg.c, 10 / (2 * 50)) and math.isclose(cfg.eta, 0.1 * 4 * 50)
    ntk = config(D=100, nu=4.0, parameterisation="ntk", gamma_ref=1.0)
    assert math.isclose(ntk.gamma, 0.5) and math.isclose(ntk.eta, 0.05 * 100)  # η = η0 γ_ref² D
    res = config(architecture="residual", L=4, beta0=1.0)
    assert math.isclose(res.beta, 0.5) and config(architecture="residual", depth_scaled=False).beta == 1.0
    unequal = config(D=100, width_ratios=(0.25, 2.0))
    assert unequal.widths == (25, 200) and math.isclose(unequal.c, 10 / 200)


def test_power_law_spectrum_and_teacher():
    a, beta = 2.0, 0.5
    cfg = config(D=200, data="power_law", spectral_exponent=a, source_exponent=beta, T=1)
    lam, omega = spectrum(cfg)
    k = np.arange(1, 201, dtype=float)
    assert np.allclose(lam, k**-a, rtol=1e-14, atol=0)
    assert np.allclose(lam * omega, k ** (-a * beta - 1), rtol=1e-13, atol=0)
    w_star = draw_problem(cfg, seed("power"), 3)["w_star"]
    assert np.allclose(w_star**2, omega, rtol=1e-13, atol=0)  # ±sqrt(ω_k): no χ² target noise
    signs = np.sign(w_star)
    assert (signs == 1).any(axis=1).all() and (signs == -1).any(axis=1).all()
    assert not np.array_equal(signs[0], signs[1])
    lam2, omega2 = spectrum(config(D=10, data="two_level"))
    assert np.array_equal(lam2, [2.0] * 5 + [0.5] * 5) and np.array_equal(omega2, np.ones(10))


def test_record_times():
    t = record_times(5000, dense=1000, n_log=200)
    assert np.array_equal(t[:1000], np.arange(1000)) and t[-1] == 4999 and (np.diff(t) > 0).all()
    assert 1100 < t.size <= 1200
    assert np.array_equal(record_times(50), np.arange(50))
    cfg = config(D=32, T=60)
    full = simulate(cfg, seed("rec"), 2)
    times = np.array([0, 1, 7, 30, 59])
    part = simulate(cfg, seed("rec"), 2, times=times)
    assert np.array_equal(part["t"], times)
    for key in ("test_loss", "train_loss"):
        assert np.array_equal(part[key], full[key][:, times])


# --------------------------------------------------------------------------------------------------
# update rule: reduced (spec §3.1) = plain gradient = brute force


def _objective(cfg, W0, hidden, w, X, y):
    """(1/2P) Σ (f - y)² with f = θ·x/√D, θ from the backward fields (one replicate, batch axis 1)."""
    theta = backward_fields(cfg, W0, hidden, w)[1]
    f = (X @ theta[0]) / math.sqrt(cfg.D)
    return 0.5 * np.mean((f - y) ** 2)


@pytest.mark.parametrize("kw", [dict(L=3, width_ratios=(1.0, 0.5, 1.5)),
                                dict(L=2, architecture="residual", beta0=0.8),
                                dict(L=2, parameterisation="ntk", nu=2.0)])
def test_reduced_update_is_plain_gradient(kw):
    """The §3.1 rank-one updates equal -η ∂Obj/∂W by central differences (η = η0 γ0² N_L, raw gradient)."""
    cfg = config(D=6, alpha=1.5, gamma0=1.3, eta0=0.07, **kw)
    pr = draw_problem(cfg, seed("grad"), 1)
    W0, hidden, w, X, y = pr["W0"], pr["hidden"], pr["w"], pr["X"][0], pr["y"][0]
    g, theta = backward_fields(cfg, W0, hidden, w)
    delta = y - X @ theta[0] / math.sqrt(cfg.D)
    v = (math.sqrt(cfg.D) / cfg.P) * (X.T @ delta)[None]
    r = forward_fields(cfg, W0, hidden, v)
    d0, dh, dw = reduced_update(cfg, g, v, r)
    reduced = [np.multiply.outer(d0[0][0], d0[1][0]), *[np.multiply.outer(a[0], b[0]) for a, b in dh], dw[0]]
    arrays = [W0, *hidden, w]
    h = 1e-6
    for arr, upd in zip(arrays, reduced, strict=True):
        num = np.empty(arr.shape[1:])
        for idx in np.ndindex(*arr.shape[1:]):
            orig = arr[(0, *idx)]
            arr[(0, *idx)] = orig + h
            plus = _objective(cfg, W0, hidden, w, X, y)
            arr[(0, *idx)] = orig - h
            minus = _objective(cfg, W0, hidden, w, X, y)
            arr[(0, *idx)] = orig
            num[idx] = (plus - minus) / (2 * h)
        assert np.allclose(upd, -cfg.eta * num, rtol=1e-6, atol=1e-9 * np.abs(upd).max())


@pytest.mark.parametrize("kw", [
    dict(L=1), dict(L=2), dict(L=3),
    dict(optimiser="sgd", alpha_B=0.5),
    dict(architecture="residual", L=2), dict(architecture="residual", L=4),
    dict(architecture="residual", L=2, depth_scaled=False, beta0=0.7),
    dict(centred=True), dict(optimiser="sgd", alpha_B=0.25, centred=True),
    dict(width_ratios=(0.5, 1.5)), dict(data="two_level", parameterisation="ntk"),
    dict(data="power_law", alpha=0.75)], ids=str)
def test_reduced_matches_brute_force(kw):
    """Same initial weights and data: trajectories agree to <= 1e-9 relative (spec §4, pipeline check at D = 64)."""
    cfg = config(**kw)
    red = simulate(cfg, seed("brute"), 2)
    bru = simulate(cfg, seed("brute"), 2, method="brute")
    assert not red["diverged"].any() and not bru["diverged"].any()
    for key in ("test_loss", "train_loss", "class_loss"):
        if key in red:
            assert rel_err(red[key], bru[key]) <= 1e-9, key
    assert red["test_loss"][:, -1].max() < red["test_loss"][:, 0].min()  # it learns


def test_explicit_theta_equals_backward_fields():
    from deeplimits.models.training import _explicit_theta

    for cfg in (config(L=3, width_ratios=(0.5, 1.0, 1.5)), config(architecture="residual", L=3)):
        pr = draw_problem(cfg, seed("theta"), 2)
        explicit = _explicit_theta(cfg, pr["W0"], pr["hidden"], pr["w"])
        assert rel_err(explicit, backward_fields(cfg, pr["W0"], pr["hidden"], pr["w"])[1]) < 1e-10


# --------------------------------------------------------------------------------------------------
# closed values (spec §3.7)


@pytest.mark.parametrize("kw, closed", [
    (dict(), 1 + 1 / 1.0 + 0.25),
    (dict(nu=0.5, gamma0=2.0), 1 + 1 / (4 * 0.5) + 0.25),
    (dict(parameterisation="ntk", nu=4.0), 2 + 0.25),
    (dict(parameterisation="ntk", nu=0.5), 2 + 0.25),
    (dict(architecture="residual", L=3), 1 + (1 + 1 / 3) ** 3 + 0.25),
    (dict(architecture="residual", L=2, depth_scaled=False, beta0=0.5, gamma0=1.5), 1 + 1.25**2 / 2.25 + 0.25),
    (dict(width_ratios=(0.25, 2.0)), 1 + 1 / 2.0 + 0.25),
    (dict(width_ratios=(4.0, 0.5)), 1 + 1 / 0.5 + 0.25),
    (dict(data="two_level"), 1.25 * 2 + 0.25),
    (dict(data="power_law", gamma0=0.5), None),
    (dict(centred=True), 1 + 0.25),
], ids=str)
def test_initial_loss_closed_values(kw, closed):
    """Mean initial test loss over S = 400 replicates within 5 SE (SE = sd/sqrt(S)) of spec §3.7's value:
    isotropic μP 1 + 1/(γ0²ν) + σ², NTK 2 + σ², residual 1 + (1+β²)^L/(γ0²ν) + σ², unequal widths
    1 + 1/(γ0²ν_L) + σ² (MLP in general ⟨λ(ω + b²)⟩ + σ², exact at any D)."""
    cfg = config(D=32, T=1, **kw)
    expected = initial_loss_mean(cfg)
    if closed is not None:
        assert math.isclose(expected, closed, rel_tol=1e-12)
    out = simulate(cfg, seed("init"), 400)
    mean, se = mean_se(out["test_loss"][:, 0])
    assert abs(mean - expected) <= 5 * se, (mean, se, expected)


def test_full_batch_least_squares_limit():
    """α = 4 > 1 with label noise: late-time GD reaches each replicate's least-squares solution (exact, rel 1e-8)
    and the replicate means match σ²(P-D)/P (train) and σ²(1 + D/(P-D-1)) (test) within 5 SE (spec §3.7)."""
    cfg = config(D=32, alpha=4.0, L=1, eta0=0.1, T=1500)
    S = 48
    out = simulate(cfg, seed("ls"), S)
    assert not out["diverged"].any()
    pr = draw_problem(cfg, seed("ls"), S)
    X = pr["X"] / math.sqrt(cfg.D)
    ls_train, ls_test = np.empty(S), np.empty(S)
    for s in range(S):
        theta = np.linalg.lstsq(X[s], pr["y"][s], rcond=None)[0]
        ls_train[s] = np.mean((pr["y"][s] - X[s] @ theta) ** 2)
        ls_test[s] = np.mean((pr["w_star"][s] - theta) ** 2) + cfg.sigma**2
    assert rel_err(out["train_loss"][:, -1], ls_train) < 1e-8
    assert rel_err(out["test_loss"][:, -1], ls_test) < 1e-8
    for values, closed in ((out["train_loss"][:, -1], least_squares_train_loss_mean(cfg)),
                           (out["test_loss"][:, -1], least_squares_test_loss_mean(cfg))):
        mean, se = mean_se(values)
        assert abs(mean - closed) <= 5 * se, (mean, se, closed)


@pytest.mark.parametrize("L", [1, 2])
def test_full_batch_interpolation_below_alpha_one(L):
    """α = 0.5 < 1: the train loss is driven to ~0 (interpolation), the test loss stays above σ²."""
    cfg = config(D=32, alpha=0.5, L=L, eta0=0.1, T=1500)
    out = simulate(cfg, seed("interp"), 4)
    assert not out["diverged"].any()
    assert out["train_loss"][:, -1].max() < 1e-12 * cfg.sigma**2
    assert (out["test_loss"][:, -1] > cfg.sigma**2).all()


def test_population_gd():
    """Population GD (v = Λe): the train loss is the test loss; at small η0 the loss falls monotonically."""
    cfg = config(D=48, optimiser="population", eta0=0.05, T=200, data="two_level")
    out = simulate(cfg, seed("pop"), 3)
    assert np.array_equal(out["train_loss"], out["test_loss"])
    assert (np.diff(out["test_loss"], axis=1) < 0).all()
    assert np.allclose(out["class_loss"].sum(axis=1) + cfg.sigma**2, out["test_loss"], rtol=1e-13)
    # the λ = 2 class is learnt faster (figA1)
    ratio = out["class_loss"][:, :, 50] / out["class_loss"][:, :, 0]
    assert (ratio[:, 0] < ratio[:, 1]).all()


# --------------------------------------------------------------------------------------------------
# divergence, determinism, batching


def test_divergence_flagged_without_warnings():
    """Huge η0: every replicate stopped, later losses +inf (never NaN), no floating-point warning escapes.
    Moderate η0 = 0.4 (D = 32): some replicates diverge, the others are untouched (equal to solo runs)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        big = simulate(config(D=32, eta0=1e3, T=40), seed("div"), 3)
        mixed_cfg = config(D=32, eta0=0.4, T=200)
        mixed = simulate(mixed_cfg, seed("div"), 8)
    assert big["diverged"].all() and (big["diverged_at"] >= 1).all() and (big["diverged_at"] <= 3).all()
    for out in (big, mixed):
        for key in ("test_loss", "train_loss"):
            assert not np.isnan(out[key]).any()
        for s in np.flatnonzero(out["diverged"]):
            t = out["diverged_at"][s]
            assert np.isposinf(out["test_loss"][s, t + 1:]).all() and np.isposinf(out["train_loss"][s, t + 1:]).all()
            assert (~np.isfinite(out["test_loss"][s, t]) | (out["test_loss"][s, t] > 1e6 * out["test_loss"][s, 0]))
            assert np.isfinite(out["test_loss"][s, :t]).all()
    assert mixed["diverged"].any() and not mixed["diverged"].all()
    assert np.array_equal(mixed["diverged_at"] < 0, ~mixed["diverged"])
    ok = np.flatnonzero(~mixed["diverged"])
    assert np.isfinite(mixed["test_loss"][ok]).all()
    solo = simulate(mixed_cfg, seed("div"), [int(ok[0])])
    assert np.array_equal(solo["test_loss"][0], mixed["test_loss"][ok[0]])


@pytest.mark.parametrize("kw", [dict(), dict(optimiser="sgd", alpha_B=0.5), dict(optimiser="population"),
                                dict(architecture="residual", L=3), dict(data="two_level", centred=True)], ids=str)
def test_batching_invariance_and_determinism(kw):
    """Replicates 0..3 together equal the four solo runs and a chunk-per-replicate run, bit for bit; the seed
    object is not consumed (same results when reused)."""
    cfg = config(D=40, T=15, **kw)
    sd = seed("batch")
    together = simulate(cfg, sd, 4)
    assert_results_equal(together, simulate(cfg, sd, 4))
    assert_results_equal(together, simulate(cfg, sd, [0, 1, 2, 3], max_chunk_bytes=1))
    for s in range(4):
        solo = simulate(cfg, sd, [s])
        for key in together:
            if key != "t":
                assert np.array_equal(together[key][s], solo[key][0]), (key, s)
    assert not np.array_equal(together["test_loss"][0], together["test_loss"][1])
    other = simulate(cfg, seed("batch-other"), 1)
    assert not np.array_equal(other["test_loss"][0], together["test_loss"][0])


def test_replicate_seeds_reused_across_eta_grid():
    """The same seed with another η0 reuses initial weights, teacher and data (t = 0 identical; SGD batches too)."""
    sd = seed("grid")
    for kw in (dict(), dict(optimiser="sgd", alpha_B=0.5)):
        runs = [simulate(config(D=32, T=3, eta0=eta, **kw), sd, 3) for eta in (0.01, 0.1, 0.3)]
        for run in runs[1:]:
            assert np.array_equal(run["test_loss"][:, 0], runs[0]["test_loss"][:, 0])
            assert np.array_equal(run["train_loss"][:, 0], runs[0]["train_loss"][:, 0])
            assert not np.array_equal(run["test_loss"][:, 1], runs[0]["test_loss"][:, 1])
    a, b = draw_problem(config(eta0=0.01), sd, 2), draw_problem(config(eta0=0.3), sd, 2)
    for key in ("W0", "w", "w_star", "X", "y"):
        assert np.array_equal(a[key], b[key])
    fresh = np.random.SeedSequence(7)
    assert replicate_seed(fresh, 3).spawn_key == fresh.spawn(4)[3].spawn_key


@pytest.mark.parametrize("kw", [dict(), dict(optimiser="sgd", alpha_B=0.5), dict(optimiser="population"),
                                dict(architecture="residual", L=3), dict(data="two_level", centred=True)], ids=str)
def test_sweep_equals_one_run_per_eta(kw):
    """A learning-rate sweep (``etas``: every η0 trained from one shared weight base, BLAS-3 products) gives each
    η0's run up to rounding (<= 1e-9 relative, the reduced-vs-brute bound), the same divergence steps (η0 = 0.6
    diverges at D = 40), losses of shape (K, S, n); the replicate chunking changes no bit."""
    cfg, sd, etas = config(D=40, T=30, **kw), seed("sweep"), [0.01, 0.1, 0.6]
    sweep = simulate(cfg, sd, 3, etas=etas)
    assert sweep["test_loss"].shape == (3, 3, 30) and sweep["diverged_at"].shape == (3, 3)
    for k, eta in enumerate(etas):
        one = simulate(config(D=40, T=30, eta0=eta, **kw), sd, 3)
        assert np.array_equal(sweep["diverged_at"][k], one["diverged_at"])
        for key in ("test_loss", "train_loss"):
            finite = np.isfinite(one[key])
            assert np.array_equal(np.isfinite(sweep[key][k]), finite)
            assert rel_err(sweep[key][k][finite], one[key][finite]) <= 1e-9, (key, eta)
    assert sweep["diverged"][2].any() and not sweep["diverged"][:2].any()
    assert_results_equal(sweep, simulate(cfg, sd, [0, 1, 2], etas=etas, max_chunk_bytes=1))
    with pytest.raises(ValueError, match="reduced sampler"):
        simulate(cfg, sd, 1, method="brute", etas=etas)


@pytest.mark.parametrize("kw", [dict(), dict(optimiser="sgd", alpha_B=0.5), dict(optimiser="population"),
                                dict(architecture="residual", L=3), dict(data="two_level", centred=True),
                                dict(data="power_law", sigma=0.3)], ids=str)
def test_teachers_share_weights_and_data(kw):
    """``teachers`` G: each replicate trains G teachers from its weights and data (one shared base). Teacher 0 is
    the single-teacher run up to rounding (<= 1e-9 relative); every teacher equals the brute force with explicit
    per-teacher weights (<= 1e-9); the teachers differ; losses (S, G, n), (K, S, G, n) in a sweep, whose η0 =
    config.eta0 slice is the curve; the replicate chunking changes no bit."""
    cfg, sd = config(D=40, T=20, **kw), seed("teachers")
    one = simulate(cfg, sd, 3)
    many = simulate(cfg, sd, 3, teachers=4)
    assert many["test_loss"].shape == (3, 4, 20) and many["diverged_at"].shape == (3, 4)
    assert not many["diverged"].any()
    assert rel_err(many["test_loss"][:, 0], one["test_loss"]) <= 1e-9
    assert rel_err(many["train_loss"][:, 0], one["train_loss"]) <= 1e-9
    assert not np.allclose(many["test_loss"][:, 1:, 1:], many["test_loss"][:, :1, 1:])
    if cfg.optimiser != "population":
        brute = simulate(cfg, sd, 3, teachers=4, method="brute")
        for key in ("test_loss", "train_loss"):
            assert rel_err(many[key], brute[key]) <= 1e-9, key
    sweep = simulate(cfg, sd, 3, teachers=4, etas=[0.02, cfg.eta0])
    assert sweep["test_loss"].shape == (2, 3, 4, 20)
    assert rel_err(sweep["test_loss"][1], many["test_loss"]) <= 1e-9
    assert_results_equal(many, simulate(cfg, sd, [0, 1, 2], teachers=4, max_chunk_bytes=1))
    problem, single = draw_problem(cfg, sd, 2, teachers=3), draw_problem(cfg, sd, 2)
    assert problem["w_star"].shape == (6, 40) and np.array_equal(problem["w_star"][::3], single["w_star"])
    with pytest.raises(ValueError, match="teachers"):
        simulate(cfg, sd, 1, teachers=0)


def test_throughput_positive():
    assert throughput(config(D=16, T=5), repeats=1) > 0

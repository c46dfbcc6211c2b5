"""Experiment runners of the hayou document: configuration parameters -> arrays (rule sample).

Samplers (spec hayou §4): S1 :func:`~deeplimits.models.infdepth.samplers.euler_single` (exact in law for one input),
S3 :func:`~deeplimits.models.infdepth.samplers.gram_multi` (two inputs, shared weights), S4
:func:`~deeplimits.models.infdepth.samplers.explicit_network` (explicit weights, backward pass).
Defaults (spec §5): ReLU, d = 1, x = 1, so Y_0 ~ N(0, I_n) and q0 = 1. Keys name the setting, e.g.
``"n4/L256/G"`` (formatted by :mod:`~deeplimits.documents.hayou.keys`); every setting draws from its own named
seed. Per-sample statistics are stored, full coordinates only for display (spec §4 RNG/cache).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from deeplimits.documents.hayou import keys
from deeplimits.models.infdepth.closed_forms import erfi_inv
from deeplimits.models.infdepth.samplers import (
    activation,
    euler_single,
    explicit_network,
    gram_multi,
    pair_inputs,
    relu_collapse_conditional,
)
from deeplimits.models.networks.resnet import sq_norm
from deeplimits.rng import Chunks, Seeds, chunked_rngs

Arrays = dict[str, np.ndarray]
#: pooled coordinates kept for display histograms (hayou/fig06) [choice]
DISPLAY_VALUES = 200_000


def layer_at(t: float, depth: int) -> int:
    """The layer floor(t L) of the embedding X^L_t = Y_floor(tL) (spec §2)."""
    return int(math.floor(t * depth + 1e-9))


def ou_zeta(beta: float, sigma: float) -> float:
    """zeta = 2 sigma / (sqrt(pi) beta): the OU activation with noise sigma (and rate a = sigma^2) [derived, T6]."""
    return 2.0 * sigma / (math.sqrt(math.pi) * beta)


def ou_phi(p: dict[str, float]):
    """The OU activation of a config block {beta, gamma, sigma}."""
    return activation("ou", beta=p["beta"], gamma=p["gamma"], zeta=ou_zeta(p["beta"], p["sigma"]))


def alive_at_start(y0: np.ndarray) -> np.ndarray:
    """E_0 = {phi(Y_0) != 0} for ReLU: some coordinate of Y_0 is positive."""
    return np.any(y0 > 0, axis=1)


def _euler(seed, chunks: Chunks, **kw) -> dict[str, np.ndarray]:
    return euler_single(seed=seed, chunk_size=chunks.reduced, **kw)


def run_gbm(p: dict[str, Any], seeds: Seeds, chunks: Chunks) -> Arrays:
    """fig01, fig09, fig10 (n = 1): identity from Y_0 = 1, Y at layers floor(tL); ReLU from Y_0 ~ N(0, 1)."""
    out: Arrays = {}
    for depth in p["depths"]:
        layers = [layer_at(t, depth) for t in p["times"]]
        ident = _euler(seeds("identity", f"L={depth}"), chunks, n=1, depth=depth, phi="identity", y0=1.0,
                       record_layers=layers, n_samples=p["samples"])
        relu = _euler(seeds("relu", f"L={depth}"), chunks, n=1, depth=depth, phi="relu", n_samples=p["samples"])
        out |= {keys.activation_depth("identity", depth, "Y_at"): ident["Y_at"][..., 0],
                keys.activation_depth("relu", depth, "Y0"): relu["Y0"][:, 0],
                keys.activation_depth("relu", depth, "YL"): relu["YL"][:, 0]}
    return out


def run_ou_activation(p: dict[str, Any], seeds: Seeds, chunks: Chunks) -> Arrays:
    """fig02 (deterministic): phi, g = erfi^-1(beta x + gamma) and g' on a grid, per parameter set."""
    x = np.linspace(p["x_min"], p["x_max"], p["points"])
    out: Arrays = {keys.GRID: x}
    for i, par in enumerate(p["parameters"]):
        phi = ou_phi(par)
        g = erfi_inv(par["beta"] * x + par["gamma"])
        out |= {keys.parameter_set(i, "phi"): phi(x), keys.parameter_set(i, "g"): g,
                keys.parameter_set(i, "g_prime"): 0.5 * math.sqrt(math.pi) * par["beta"] * np.exp(-g * g)}
    return out


def run_ou(p: dict[str, Any], seeds: Seeds, chunks: Chunks) -> Arrays:
    """fig03, fig11, fig12 (n = 1, Y_0 = y0): Y and Z = g(Y) at layers floor(tL), OU activation (S1 + S5)."""
    out: Arrays = {}
    par = p["activation"]
    for depth in p["depths"]:
        layers = [layer_at(t, depth) for t in p["times"]]
        res = _euler(seeds(f"L={depth}"), chunks, n=1, depth=depth, phi=ou_phi(par), y0=p["y0"],
                     record_layers=layers, n_samples=p["samples"])
        y = res["Y_at"][..., 0]
        out |= {keys.at_depth(depth, "Y_at"): y,
                keys.at_depth(depth, "Z_at"): erfi_inv(par["beta"] * y + par["gamma"])}
    return out


def run_collapse(p: dict[str, Any], seeds: Seeds, chunks: Chunks) -> Arrays:
    """fig04 (ReLU): per (n, L) the S1 counts [M, #E_0, #collapsed within E_0] (``samples``; collapse is absorbing)
    and, from ``conditional_samples`` paths of their own seed, each E_0 path's collapse probability by conditional
    Monte Carlo (:func:`~deeplimits.models.infdepth.samplers.relu_collapse_conditional`): it resolves the
    probabilities of 1e-7 to 1e-34 that no count reaches."""
    out: Arrays = {}
    for n in p["widths"]:
        for depth in p["depths"]:
            res = _euler(seeds(f"n={n}", f"L={depth}"), chunks, n=n, depth=depth, phi="relu",
                         record_states=False, n_samples=p["samples"])
            alive = alive_at_start(res["Y0"])
            counts = [alive.size, alive.sum(), (res["collapsed"] & alive).sum()]
            out[keys.width_depth(n, depth, "counts")] = np.array(counts)
            cond = relu_collapse_conditional(n=n, depth=depth, seed=seeds("conditional", f"n={n}", f"L={depth}"),
                                             n_samples=p["conditional_samples"], chunk_size=chunks.reduced)
            out[keys.width_depth(n, depth, "conditional")] = cond["collapse_probability"][cond["alive0"]]
    return out


def _quasi_gbm_setting(seed, chunks: Chunks, n: int, depth: int, samples: int) -> Arrays:
    res = _euler(seed, chunks, n=n, depth=depth, phi="relu", record_states=False, n_samples=samples)
    return {"G": res["log_phi_norm_ratio"], "alive0": alive_at_start(res["Y0"]), "collapsed": res["collapsed"],
            "active_mean": res["active_mean"]}


def quasi_gbm_samples(p: dict[str, Any], n: int) -> int:
    return p["wide_samples"] if n >= p["wide_from"] else p["samples"]


def coupled_growth(seed, chunks: Chunks, n: int, depth: int, coarse: int, samples: int) -> tuple[Arrays, Arrays]:
    """The ReLU network (S1) at depth L and at depth L/r driven by one Brownian path: the same Y_0, and each coarse
    step's noise (zeta_{r(k-1)+1} + ... + zeta_{rk}) / sqrt(r), again N(0, I_n), so each network is exact in law and
    the two are paired sample by sample (the aux03 S2 check as a paired difference). Returns the arrays of
    :func:`_quasi_gbm_setting` for each depth (fine, coarse)."""
    if depth % coarse:
        raise ValueError(f"the validation depth {coarse} must divide the depth {depth}")
    r = depth // coarse
    step, coarse_step = 1.0 / math.sqrt(n * depth), 1.0 / math.sqrt(n * coarse)
    fine_out = {"G": np.empty(samples), "alive0": np.empty(samples, dtype=bool),
                "collapsed": np.empty(samples, dtype=bool)}
    coarse_out = {k: np.empty_like(v) for k, v in fine_out.items()}
    active, coarse_active = np.zeros(depth + 1), np.zeros(coarse + 1)
    for sl, rng in chunked_rngs(seed, samples, chunks.reduced):
        y = rng.standard_normal(n)
        yc = y.copy()
        norm0 = np.sqrt(sq_norm(np.maximum(y, 0.0)))
        norm, norm_c = norm0, norm0
        dead, dead_c = norm == 0, norm == 0
        active[0] += np.count_nonzero(y > 0)
        coarse_active[0] += np.count_nonzero(y > 0)
        noise = np.zeros_like(y)
        for layer in range(1, depth + 1):
            z = rng.standard_normal(n)
            y = y + (norm * step)[:, None] * z
            norm = np.sqrt(sq_norm(np.maximum(y, 0.0)))
            dead |= norm == 0
            active[layer] += np.count_nonzero(y > 0)
            noise += z
            if layer % r == 0:
                yc = yc + (norm_c * coarse_step / math.sqrt(r))[:, None] * noise
                norm_c = np.sqrt(sq_norm(np.maximum(yc, 0.0)))
                dead_c |= norm_c == 0
                coarse_active[layer // r] += np.count_nonzero(yc > 0)
                noise[:] = 0.0
        for out, last, gone in ((fine_out, norm, dead), (coarse_out, norm_c, dead_c)):
            with np.errstate(divide="ignore", invalid="ignore"):
                g = np.log(last / norm0)
            g[gone] = np.nan
            out["G"][sl], out["alive0"][sl], out["collapsed"][sl] = g, norm0 > 0, gone
    fine_out["active_mean"], coarse_out["active_mean"] = active / samples, coarse_active / samples
    return fine_out, coarse_out


def run_quasi_gbm(p: dict[str, Any], seeds: Seeds, chunks: Chunks) -> Arrays:
    """fig05, fig13, aux03 (ReLU): G_1 = log(||phi(Y_L)|| / ||phi(Y_0)||) per sample (NaN if collapsed), E_0,
    and the per-layer mean number of active units, at depth L and (S2 check) at the validation depth: the widths
    checked there are drawn by :func:`coupled_growth`, so the two depths are paired sample by sample."""
    out: Arrays = {}
    depth, short = p["depth"], p["validation_depth"]
    for n in p["widths"]:
        if n in p["validation_widths"]:
            fine, coarse = coupled_growth(seeds(f"n={n}", f"L={depth}", f"paired L={short}"), chunks, n, depth,
                                          short, quasi_gbm_samples(p, n))
            out |= {keys.width_depth(n, short, k): v for k, v in coarse.items()}
        else:
            fine = _quasi_gbm_setting(seeds(f"n={n}", f"L={depth}"), chunks, n, depth, quasi_gbm_samples(p, n))
        out |= {keys.width_depth(n, depth, k): v for k, v in fine.items()}
    for n in [w for w in p["validation_widths"] if w not in p["widths"]]:
        res = _quasi_gbm_setting(seeds(f"n={n}", f"L={short}"), chunks, n, short, quasi_gbm_samples(p, n))
        out |= {keys.width_depth(n, short, k): v for k, v in res.items()}
    return out


def _pooled_display(y: np.ndarray) -> np.ndarray:
    """The coordinates of the first samples, at most DISPLAY_VALUES values (display only)."""
    keep = max(1, DISPLAY_VALUES // y.shape[1])
    return y[:keep].ravel()


def _limit_setting(seed, chunks: Chunks, n: int, depth: int, samples: int) -> Arrays:
    res = _euler(seed, chunks, n=n, depth=depth, phi="relu", record_states=False, n_samples=samples)
    y = res["YL"]
    return {"S": np.mean(y * y, axis=1), "M4": np.mean(y**4, axis=1), "G": res["log_phi_norm_ratio"],
            "alive0": alive_at_start(res["Y0"]), "pooled": _pooled_display(y)}


def run_limits(p: dict[str, Any], seeds: Seeds, chunks: Chunks) -> Arrays:
    """fig06 (ReLU, q0 = 1): per sample S = ||Y_L||^2 / n, M4 = sum_i (Y_L^i)^4 / n and G_1; depth first (fixed L,
    growing n) and width first (fixed large n, growing L)."""
    out: Arrays = {}
    deep, wide = p["depth_first"], p["width_first"]
    for n in deep["widths"]:
        res = _limit_setting(seeds("depth_first", f"n={n}"), chunks, n, deep["depth"], p["samples"])
        out |= {keys.depth_first(n, k): v for k, v in res.items()}
    for depth in wide["depths"]:
        res = _limit_setting(seeds("width_first", f"L={depth}"), chunks, wide["width"], depth, p["samples"])
        out |= {keys.width_first(depth, k): v for k, v in res.items()}
    return out


def run_correlation(p: dict[str, Any], seeds: Seeds, chunks: Chunks) -> Arrays:
    """fig07 (ReLU, S3): correlation c of the pre-activations of two inputs with input cosine c0 at the last
    layer, and the first ``paths`` paths c_{l/L}. Y_0 pairs have unit variance: c is invariant under a common
    scale of Y_0 for positively homogeneous phi, so this equals d = 2, x_1 = (1, 0), x_2 = (1/2, sqrt(3)/2)."""
    out: Arrays = {}
    settings = [(p["width"], p["depth"], p["samples"]), (p["width"], p["short_depth"], p["samples"]),
                (p["wide_width"], p["depth"], p["wide_samples"])]
    for n, depth, samples in settings:
        res = gram_multi(n=n, depth=depth, phi="relu", c0=p["c0"], record_correlation=True,
                         seed=seeds(f"n={n}", f"L={depth}"), n_samples=samples, chunk_size=chunks.reduced)
        out |= {keys.width_depth(n, depth, "c0"): res["c0"], keys.width_depth(n, depth, "cL"): res["cL"],
                keys.width_depth(n, depth, "paths"): res["c_path"][: p["paths"]]}
    return out


def run_gradients(p: dict[str, Any], seeds: Seeds, chunks: Chunks) -> Arrays:
    """fig08 (ReLU, S4): h_L = 1/sqrt(n) back-propagated through the forward weights: ||h_l|| / ||h_L|| for
    l = 0..L, E_0, and both sides of the T13 identity <h_0, Y_0> = <h_L, Y_L>."""
    out: Arrays = {}
    depth = p["depth"]
    for run in p["runs"]:
        n = run["width"]
        h_last = np.full(n, 1.0 / math.sqrt(n))
        res = explicit_network(n=n, depth=depth, phi="relu", inputs=np.ones((1, 1)), gradient=True,
                               output_gradient=h_last, seed=seeds(f"n={n}"), n_samples=run["samples"],
                               chunk_size=chunks.brute)
        y0, yl = res["Y0"][:, 0], res["Y"][:, 0]
        out |= {keys.at_width(n, "ratio"): res["grad_norm_ratio"], keys.at_width(n, "alive0"): alive_at_start(y0),
                keys.at_width(n, "inner0"): np.einsum("ij,ij->i", res["grad_input"], y0),
                keys.at_width(n, "innerL"): yl @ h_last}
    return out


def run_layers(p: dict[str, Any], seeds: Seeds, chunks: Chunks) -> Arrays:
    """fig14-fig21 (ReLU): U_l = log(||phi(Y_l)|| / sqrt(n)) at the recorded layers (-inf once collapsed), E_0."""
    out: Arrays = {}
    for n in p["widths"]:
        res = _euler(seeds(f"n={n}"), chunks, n=n, depth=p["depth"], phi="relu", record_layers=p["record"],
                     record_states=False, n_samples=p["samples"])
        with np.errstate(divide="ignore"):
            out[keys.at_width(n, "U")] = np.log(res["phi_norm_at"] / math.sqrt(n))
        out[keys.at_width(n, "alive0")] = alive_at_start(res["Y0"])
    return out


def run_identity_norm(p: dict[str, Any], seeds: Seeds, chunks: Chunks) -> Arrays:
    """aux01 (identity): log(||Y_L|| / ||Y_0||) per sample."""
    out: Arrays = {}
    for n in p["widths"]:
        res = _euler(seeds(f"n={n}"), chunks, n=n, depth=p["depth"], phi="identity", record_states=False,
                     n_samples=p["samples"])
        log_ratio = 0.5 * np.log(np.sum(res["YL"] ** 2, axis=1) / np.sum(res["Y0"] ** 2, axis=1))
        out[keys.at_width(n, "log_ratio")] = log_ratio
    return out


def run_piecewise(p: dict[str, Any], seeds: Seeds, chunks: Chunks) -> Arrays:
    """aux02: phi = x 1{x>0} + alpha x 1{x<=0}; G_1 per sample (NaN if collapsed, only possible at alpha = 0)."""
    out: Arrays = {}
    for n in p["widths"]:
        for alpha in p["alphas"]:
            res = _euler(seeds(f"n={n}", keys.alpha_key(alpha)), chunks, n=n, depth=p["depth"],
                         phi=activation("piecewise", a=1.0, b=alpha), record_states=False, n_samples=p["samples"])
            out[keys.width_alpha(n, alpha, "G")] = res["log_phi_norm_ratio"]
    return out


def run_validation(p: dict[str, Any], seeds: Seeds, chunks: Chunks) -> Arrays:
    """aux03: S1 against S4 on ||phi(Y_L)|| and collapse (ReLU, one input); S3 against S4 on c_1 (two inputs)."""
    s = p["euler_vs_explicit"]
    euler = _euler(seeds("S1"), chunks, n=s["width"], depth=s["depth"], phi="relu", record_layers=[s["depth"]],
                   record_states=False, n_samples=s["samples"])
    brute = explicit_network(n=s["width"], depth=s["depth"], phi="relu", inputs=np.ones((1, 1)), seed=seeds("S4"),
                             n_samples=s["samples"], chunk_size=chunks.brute)
    brute_norm = np.sqrt(np.sum(np.maximum(brute["Y"][:, 0], 0.0) ** 2, axis=1))
    g = p["gram_vs_explicit"]
    gram = gram_multi(n=g["width"], depth=g["depth"], phi="relu", c0=g["c0"], seed=seeds("S3"),
                      n_samples=g["samples"], chunk_size=chunks.reduced)
    pair = explicit_network(n=g["width"], depth=g["depth"], phi="relu", inputs=pair_inputs(g["c0"]),
                            seed=seeds("S4 pair"), n_samples=g["samples"], chunk_size=chunks.brute)
    y1, y2 = pair["Y"][:, 0], pair["Y"][:, 1]
    pair_c = np.einsum("ij,ij->i", y1, y2) / np.sqrt(np.sum(y1**2, axis=1) * np.sum(y2**2, axis=1))
    return {keys.sampler("S1", "phi_norm"): euler["phi_norm_at"][:, 0],
            keys.sampler("S1", "collapsed"): euler["collapsed"],
            keys.sampler("S4", "phi_norm"): brute_norm, keys.sampler("S4", "collapsed"): brute_norm == 0.0,
            keys.sampler("S3", "cL"): gram["cL"], keys.sampler("S4_pair", "cL"): pair_c}

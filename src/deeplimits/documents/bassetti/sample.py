"""Experiment runners of the bassetti document: configuration parameters -> arrays (rule sample).

Depth convention (spec §2): ``widths`` are the L Wishart widths N_1..N_L and alpha = sum 1/N_l (= L/N for
equal widths). Samplers: spec §4. Keys name the setting, e.g. ``"N20/a0.5/Q11"`` (formats: ``keys.py``); every
setting draws from its own named seed.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deeplimits.documents.bassetti.keys import (
    HELD_OUT,
    INPUTS,
    SDE,
    SURROGATE,
    alpha_name,
    convergence_key,
    d1_exact_key,
    d1_exact_name,
    d1_network_key,
    labels_key,
    multi_input_key,
    prior_key,
    profile_key,
    rho_name,
    sde_key,
    snapshot_key,
    snapshot_name,
    width_name,
)
from deeplimits.models.linear.samplers import (
    bartlett_factor,
    brute_linear,
    mixture_outputs,
    product_Q_D1,
    pxp_mixture,
    triangular_sde_D2,
)
from deeplimits.rng import Chunks, Seeds

Arrays = dict[str, np.ndarray]
#: width profiles of bassetti/fig8 [choice]: A-C have sum 1/N_l = 2/3, D (control) 1/2
WIDTH_PROFILES = {
    "A": [200, 600] * 100,
    "B": [300] * 200,
    "C": [100] * 50 + [300] * 50,
    "D": [400] * 200,
}


def depth(alpha: float, n: int) -> int:
    """L = alpha N, an integer by the config check."""
    return int(round(alpha * n))


def unit_kernel(rho: float = 0.0, p: int = 1) -> np.ndarray:
    """K = 1 (P = 1) or [[1, rho], [rho, 1]] (P = 2)."""
    return np.array([[1.0]]) if p == 1 else np.array([[1.0, rho], [rho, 1.0]])


def inputs_for_kernel(kernel: np.ndarray) -> np.ndarray:
    """Inputs X (N_0 = P rows) with X^T X / N_0 = K: X = sqrt(N_0) R, R^T R = K [choice, spec fig6]."""
    p = kernel.shape[0]
    return np.sqrt(p) * np.linalg.cholesky(kernel).T


def _snapshot_entries(b: np.ndarray) -> Arrays:
    """Q = B B^T entries and log B_22^2 of D = 2 Bartlett factors (..., 2, 2)."""
    return {"Q11": b[..., 0, 0] ** 2, "Q12": b[..., 0, 0] * b[..., 1, 0],
            "Q22": b[..., 1, 0] ** 2 + b[..., 1, 1] ** 2, "logB22sq": 2 * np.log(np.abs(b[..., 1, 1]))}


def _d1_outputs(q: np.ndarray, seed, chunks: Chunks) -> np.ndarray:
    """One output per draw given Q (D = P = 1, K = 1): s = sqrt(Q) g."""
    return mixture_outputs(B=np.sqrt(q)[:, None, None], K=unit_kernel(), seed=seed,
                           chunk_size=chunks.reduced)["S"][:, 0, 0]


def run_d1(p: dict[str, Any], seeds: Seeds, chunks: Chunks) -> Arrays:
    """fig1, fig2 (D = P = 1, K = 1): brute-force networks (N_0 = 1, x = 1) with their exact Q, and the exact
    finite-N sampler Q = prod chi2_N / N, s = sqrt(Q) g [derived §3.1]."""
    out: Arrays = {}
    net = p["network"]
    for a in p["alphas"]:
        res = brute_linear(widths=[net["N"]] * depth(a, net["N"]), X=np.ones((1, 1)), D=1,
                           seed=seeds("network", alpha_name(a)), n_samples=net["samples"], chunk_size=chunks.brute)
        out |= {d1_network_key(a, "s"): res["S"][:, 0, 0], d1_network_key(a, "Q"): res["Q"][:, 0, 0]}
    for size in p["exact"]:
        n = size["N"]
        for a in p["alphas"]:
            name = d1_exact_name(n, a)
            q = product_Q_D1(widths=[n] * depth(a, n), seed=seeds(name, "Q"), n_samples=size["samples"],
                             chunk_size=chunks.reduced)["Q"]
            out |= {d1_exact_key(n, a, "Q"): q, d1_exact_key(n, a, "s"): _d1_outputs(q, seeds(name, "s"), chunks)}
    return out


def run_d1_convergence(p: dict[str, Any], seeds: Seeds, chunks: Chunks) -> Arrays:
    """fig5: Q and s at L = alpha N for each N (D = 1, exact sampler)."""
    out: Arrays = {}
    for n in p["N"]:
        q = product_Q_D1(widths=[n] * depth(p["alpha"], n), seed=seeds(width_name(n), "Q"), n_samples=p["samples"],
                         chunk_size=chunks.reduced)["Q"]
        out |= {convergence_key(n, "Q"): q, convergence_key(n, "s"): _d1_outputs(q, seeds(width_name(n), "s"), chunks)}
    return out


def _d2_path(n: int, alphas: list[float], samples: int, seed, chunks: Chunks, name: str, seeds) -> Arrays:
    """One Bartlett path at width n with snapshots at L = alpha n: Q entries, log B22^2 and (s_1, s_2) (K = 1)."""
    snaps = [depth(a, n) for a in alphas]
    b = bartlett_factor(widths=[n] * max(snaps), D=2, seed=seed, n_samples=samples, chunk_size=chunks.reduced,
                        snapshots=snaps)["B_snap"]
    out: Arrays = {}
    for k, a in enumerate(alphas):
        out |= {snapshot_key(name, a, e): v for e, v in _snapshot_entries(b[:, k]).items()}
        seed = seeds(snapshot_name(name, a), "s")
        out[snapshot_key(name, a, "s")] = mixture_outputs(B=b[:, k], K=unit_kernel(), seed=seed,
                                                          chunk_size=chunks.reduced)["S"][:, :, 0]
    return out


def run_d2_exact(p: dict[str, Any], seeds: Seeds, chunks: Chunks) -> Arrays:
    """Exact finite-N D = 2 mixing matrices (Bartlett), snapshots at each alpha (fig3, fig4) [derived §3.1]."""
    out: Arrays = {}
    for n in p["N"]:
        out |= _d2_path(n, p["alphas"], p["samples"], seeds(width_name(n)), chunks, width_name(n), seeds)
    return out


def run_d2_limit(p: dict[str, Any], seeds: Seeds, chunks: Chunks) -> Arrays:
    """Limit D = 2: the Bartlett surrogate at width N' (bias O(alpha/N')) and the triangular SDE (T3)."""
    n = p["N_surrogate"]
    out = _d2_path(n, p["alphas"], p["samples"], seeds(SURROGATE), chunks, SURROGATE, seeds)
    b = triangular_sde_D2(alpha=p["sde_alpha"], steps=p["sde_steps"], seed=seeds(SDE), n_samples=p["sde_samples"],
                          chunk_size=chunks.reduced)["B"]
    return out | {sde_key(e): v for e, v in _snapshot_entries(b).items()}


def run_multi_input(p: dict[str, Any], seeds: Seeds, chunks: Chunks) -> Arrays:
    """fig6: P = D = 2 with K = [[1, rho], [rho, 1]]: network (N_0 = 2), D x D and P x P mixtures at L, and the
    D x D mixture at contour_L (alpha = 1 by default) for the density contours."""
    n, depth_l = p["N"], p["L"]
    out: Arrays = {}
    for rho in p["rhos"]:
        kernel = unit_kernel(rho, 2)
        name = rho_name(rho)
        net = brute_linear(widths=[n] * depth_l, X=inputs_for_kernel(kernel), D=2, seed=seeds(name, "network"),
                           n_samples=p["network_samples"], chunk_size=chunks.brute)
        b = bartlett_factor(widths=[n] * depth_l, D=2, seed=seeds(name, "Q"), n_samples=p["mixture_samples"],
                            chunk_size=chunks.reduced)["B"]
        mix = mixture_outputs(B=b, K=kernel, seed=seeds(name, "mixture"), chunk_size=chunks.reduced)["S"]
        pxp = pxp_mixture(widths=[n] * depth_l, K=kernel, D=2, seed=seeds(name, "pxp"),
                          n_samples=p["mixture_samples"], chunk_size=chunks.reduced)["S"]
        b_contour = bartlett_factor(widths=[n] * p["contour_L"], D=2, seed=seeds(name, "contour Q"),
                                    n_samples=p["mixture_samples"], chunk_size=chunks.reduced)["B"]
        contour = mixture_outputs(B=b_contour, K=kernel, seed=seeds(name, "contour"), chunk_size=chunks.reduced)["S"]
        out |= {multi_input_key(rho, "network", "S"): net["S"], multi_input_key(rho, "network", "Q"): net["Q"],
                multi_input_key(rho, "mixture", "S"): mix,
                multi_input_key(rho, "mixture", "Q"): np.einsum("nij,nkj->nik", b, b),
                multi_input_key(rho, "pxp", "S"): pxp, multi_input_key(rho, "contour", "S"): contour[:, 0, :]}
    return out


def posterior_data(p: dict[str, Any]) -> Arrays:
    """Fixed data of fig7 [choice]: x^mu ~ N(0, I_{N_0}) (P inputs) and a held-out x_0; labels
    y_1 = w_1^T X / sqrt(N_0), y_2 = rho_Y y_1 + sqrt(1 - rho_Y^2) w_2^T X / sqrt(N_0) for each rho_Y."""
    rng = np.random.default_rng(p["data_seed"])
    n0, n_inputs = p["N_0"], p["P"]
    x = rng.standard_normal((n0, n_inputs + 1))
    w = rng.standard_normal((2, n0))
    f = w @ x[:, :n_inputs] / np.sqrt(n0)
    out = {INPUTS: x[:, :n_inputs], HELD_OUT: x[:, n_inputs]}
    for rho in p["rho_Y"]:
        out[labels_key(rho)] = np.stack([f[0], rho * f[0] + np.sqrt(1 - rho**2) * f[1]])
    return out


def run_posterior(p: dict[str, Any], seeds: Seeds, chunks: Chunks) -> Arrays:
    """fig7: prior draws of the D = 2 mixing matrix (surrogate N', one path with snapshots at each alpha) and
    the fixed data; the weights are computed in the fit."""
    n = p["N_surrogate"]
    snaps = [depth(a, n) for a in p["alphas"]]
    b = bartlett_factor(widths=[n] * max(snaps), D=2, seed=seeds("prior"), n_samples=p["samples"],
                        chunk_size=chunks.reduced, snapshots=snaps)["B_snap"]
    return posterior_data(p) | {prior_key(a): b[:, k] for k, a in enumerate(p["alphas"])}


def run_widths(p: dict[str, Any], seeds: Seeds, chunks: Chunks) -> Arrays:
    """fig8: D = 2 Bartlett products for the width profiles A-D."""
    out: Arrays = {}
    for name, widths in WIDTH_PROFILES.items():
        b = bartlett_factor(widths=widths, D=2, seed=seeds(name), n_samples=p["samples"],
                            chunk_size=chunks.reduced)["B"]
        entries = _snapshot_entries(b)
        out |= {profile_key(name, e): entries[e] for e in ("Q11", "logB22sq")}
    return out


def _log_eigenvalues(b: np.ndarray) -> np.ndarray:
    """log eigenvalues of Q = B B^T, descending, as squared singular values of B (spec pitfall 6)."""
    return 2 * np.log(np.linalg.svd(b, compute_uv=False))


def run_rank(p: dict[str, Any], seeds: Seeds, chunks: Chunks) -> Arrays:
    """fig9: log-eigenvalues of the D = 3 mixing matrix along one surrogate path (and Bartlett at small N)."""
    out: Arrays = {}
    paths = [(SURROGATE, p["N_surrogate"], p["alphas"])] + [(width_name(n), n, p["bartlett_alphas"]) for n in p["N"]]
    for name, n, alphas in paths:
        snaps = [depth(a, n) for a in alphas]
        b = bartlett_factor(widths=[n] * max(snaps), D=3, seed=seeds(name), n_samples=p["samples"],
                            chunk_size=chunks.reduced, snapshots=snaps)["B_snap"]
        out |= {snapshot_key(name, a, "log_eig"): _log_eigenvalues(b[:, k]) for k, a in enumerate(alphas)}
    return out

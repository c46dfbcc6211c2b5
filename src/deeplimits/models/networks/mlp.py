"""Exact O(d) sampler of the ReLU MLP (chi-square reduction) and single-layer terms (nica spec).

Notation (spec §2): widths n_0..n_d, input x with c = ln(||x||^2 / n_in),
G = ln(||z^d||^2 / n_d) - c and Y = ln ||z^out||^2.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from deeplimits.rng import chunked_rngs

LAYER_GROUP = 32


def unit_input(n_in: int) -> np.ndarray:
    """The input x = n_in^{-1/2} (1, ..., 1), so ||x|| = 1 and c = -ln n_in (spec §2, [choice])."""
    if n_in < 1:
        raise ValueError(f"n_in must be positive, got {n_in}")
    return np.full(int(n_in), 1.0 / math.sqrt(n_in))


def input_offset(x: np.ndarray) -> float:
    """c = ln(||x||^2 / n_in), the offset of G (spec §2; pitfall 1: one c for samples and curves)."""
    x = np.asarray(x, dtype=np.float64)
    return float(np.log(x @ x / x.size))


def _check_widths(widths: Sequence[int]) -> list[int]:
    widths = [int(w) for w in widths]
    if not widths or min(widths) < 1:
        raise ValueError(f"widths must be a non-empty list of positive integers, got {widths!r}")
    return widths


def chi2_mlp(*, widths: Sequence[int], n_out: int, c: float, seed: np.random.SeedSequence,
             n_samples: int, chunk_size: int) -> dict[str, np.ndarray]:
    """Chi-square reduction of the (unequal-width) ReLU MLP [derived, spec §3.3, §3.6, §4].

    G =d ln(chi2_{n_d} / n_d) + sum_{l<d} ln((2/n_l) chi2_{K_l}),  K_l ~ Bin(n_l, 1/2) iid,
    with chi2_K drawn as 2 Gamma(K/2) (K = 0 gives 0: a dead layer, spec §3.9), and by Theorem 2 [seed]
    Y = c + G + ln chi2_{n_out}, the last chi-square independent of G.

    ``widths`` = [n_0, ..., n_d] ([n] * (d + 1) for equal widths). Layers are drawn in groups of
    ``LAYER_GROUP`` (fewer generator calls, memory chunk x LAYER_GROUP); draw order per chunk: for each group
    the K_l of its layers, then their Gamma(K_l / 2); then chi2_{n_d}; then chi2_{n_out}.

    Returns ``G``, ``Y`` (float64, NaN for dead samples, never -inf) and ``dead`` (bool), shape (n_samples,).
    """
    widths = _check_widths(widths)
    relu_widths = np.array(widths[:-1], dtype=np.int64)
    log_factors = float(np.sum(np.log(4.0 / relu_widths)))  # (2/n_l) * 2 Gamma(K_l / 2)
    G = np.empty(n_samples)
    Y = np.empty(n_samples)
    with np.errstate(divide="ignore"):  # ln 0 = -inf marks a dead layer
        for sl, rng in chunked_rngs(seed, n_samples, chunk_size):
            g = np.full(len(rng), log_factors)
            for start in range(0, relu_widths.size, LAYER_GROUP):
                group = relu_widths[start:start + LAYER_GROUP]
                k = rng.binomial(np.broadcast_to(group, (len(rng), group.size)), 0.5)
                g += np.log(rng.gamma(0.5 * k)).sum(axis=1)
            n_d = widths[-1]
            g += np.log(rng.chisquare(n_d) / n_d)
            G[sl] = g
            Y[sl] = c + g + np.log(rng.chisquare(n_out))
    dead = ~np.isfinite(G)
    G[dead] = np.nan
    Y[dead] = np.nan
    return {"G": G, "Y": Y, "dead": dead}


def layer_terms(*, n: int, seed: np.random.SeedSequence, n_samples: int,
                chunk_size: int) -> dict[str, np.ndarray]:
    """Single-layer terms from direct Gaussian vectors g ~ N(0, I_n) [seed Props 3-5, spec §3.11].

    u = ||g||^2 / n and r = (2/n) ||relu(g)||^2 (the corrected factor 2, erratum E2); E u = E r = 1,
    Var u = 2/n, Var r = 5/n. Memory is (chunk_size, n) floats.
    """
    u = np.empty(n_samples)
    r = np.empty(n_samples)
    for sl, rng in chunked_rngs(seed, n_samples, chunk_size):
        g = rng.standard_normal(n)
        u[sl] = np.einsum("ij,ij->i", g, g) / n
        np.maximum(g, 0.0, out=g)
        r[sl] = np.einsum("ij,ij->i", g, g) * (2.0 / n)
    return {"u": u, "r": r}


def _bartlett(rng, dof: np.ndarray | int, size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bartlett factor B = [[b11, 0], [b21, b22]] of S = B B^T ~ Wishart_2(dof, I):
    b11^2 ~ chi2_dof, b22^2 ~ chi2_{dof-1}, b21 ~ N(0, 1), drawn in that order, shape (chunk, size)."""
    dof = np.broadcast_to(dof, (len(rng), size)).astype(np.float64)
    b11 = np.sqrt(2.0 * rng.gamma(0.5 * dof))
    b22 = np.sqrt(2.0 * rng.gamma(0.5 * np.maximum(dof - 1.0, 0.0)))
    b21 = rng.standard_normal(size)
    return b11, b21, b22


def bartlett_tangent(*, n: int, d: int, n_in: int, n_out: int, seed: np.random.SeedSequence,
                     n_samples: int, chunk_size: int) -> dict[str, np.ndarray]:
    """Exact O(d) sampler of the ReLU MLP's output and input tangent together [derived here, spec §3.8, §4].

    The pair (z^l, v^l) of pre-activation and tangent (v^l = dz^l/dx_1) is, in law, Z M_l^T with Z an n x 2
    matrix of iid N(0, 1) independent of the lower-triangular M_l. The active set is {i: Z_i1 > 0}, of size
    K_l ~ Bin(n, 1/2); the Gram matrix of (relu(z^l), D^l v^l) is M_l S M_l^T with S ~ Wishart_2(K_l, I) (flip
    the sign of Z_i2 with Z_i1: the rows of an active set are iid N(0, I_2) in the law of their products).
    With S = B B^T (Bartlett), a fresh W gives M_{l+1} = sqrt(2/n) M_l B, again lower-triangular, so the
    whole network reduces to products of 2 x 2 triangular factors:

        M_0 = n_in^{-1/2} chol(Gram(x, e_1)),  M_{l+1} = sqrt(2/n) M_l B_l (B_l ~ Wishart_2(K_l)),
        Gram(z^d, v^d) = M_d S_n M_d^T (S_n ~ Wishart_2(n)),  Gram(z_out, dz_out/dx_1) = Gram(z^d, v^d)-factor
        times S_{n_out} / n.

    M is kept normalised (M_11 = 1) with its log scale accumulated, so nothing overflows. Per sample and
    layer: one binomial, two gammas, one normal (the cost of the chi-square reduction, not O(n)).
    Draw order per chunk: K (chunk, d), then the d Bartlett factors, then the full and output factors.

    Returns ``Y`` = ln|z_out|^2, ``Yt`` = ln|dz_out/dx_1|^2 and ``G``, NaN where ``dead`` (some K_l = 0).
    """
    x = unit_input(n_in)
    norm2 = float(x @ x)
    log_scale = np.full(n_samples, 0.5 * np.log(norm2 / n_in))
    m21 = np.full(n_samples, x[0] / norm2)
    m22 = np.full(n_samples, np.sqrt(max(1.0 - x[0] ** 2 / norm2, 0.0) / norm2))
    G, Y, Yt = (np.empty(n_samples) for _ in range(3))
    half_log_gain = 0.5 * np.log(2.0 / n)
    with np.errstate(divide="ignore", invalid="ignore"):
        for sl, rng in chunked_rngs(seed, n_samples, chunk_size):
            ls, a21, a22 = log_scale[sl].copy(), m21[sl].copy(), m22[sl].copy()
            k = rng.binomial(n, 0.5, d)
            b11, b21, b22 = _bartlett(rng, k, d)
            for layer in range(d):  # M <- sqrt(2/n) M B, renormalised so that M_11 = 1
                a21, a22 = a21 + a22 * b21[:, layer] / b11[:, layer], a22 * b22[:, layer] / b11[:, layer]
                ls += np.log(b11[:, layer]) + half_log_gain
            f11, f21, f22 = _bartlett(rng, n, 1)
            o11, o21, o22 = _bartlett(rng, n_out, 1)
            # F = M_d B_n B_out (lower-triangular, M_11 = 1)
            c21, c22 = a21 * f11[:, 0] + a22 * f21[:, 0], a22 * f22[:, 0]
            e11, e21, e22 = f11[:, 0] * o11[:, 0], c21 * o11[:, 0] + c22 * o21[:, 0], c22 * o22[:, 0]
            G[sl] = 2 * ls + 2 * np.log(f11[:, 0]) - np.log(n) - input_offset(x)
            Y[sl] = 2 * ls + 2 * np.log(e11) - np.log(n)
            Yt[sl] = 2 * ls + np.log(e21**2 + e22**2) - np.log(n)
    dead = ~np.isfinite(G)
    for arr in (G, Y, Yt):
        arr[dead] = np.nan
    return {"G": G, "Y": Y, "Yt": Yt, "dead": dead}

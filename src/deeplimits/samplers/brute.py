"""Brute-force ReLU MLPs and ResNets: explicit weight matrices per network (nica spec §2, §4).

Ground truth for every reduction [seed models]: one fresh network per sample with explicit matrices of
any unit-variance law (:mod:`deeplimits.samplers.weights`), the literal sign-flip balanced ResNet and
forward-mode tangents with the same matrices. O(n^2 d) per sample; per chunk and layer the weight
tensor is (chunk, n_l, n_{l-1}), drawn layer by layer. The recursion, log-space renormalisation and
active-fraction statistics are those of :mod:`deeplimits.samplers.resnet`, with W h computed by a
batched matmul instead of the vector trick.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from deeplimits.rng import chunked_rngs
from deeplimits.samplers.mlp import input_offset, unit_input
from deeplimits.samplers.resnet import (
    ActiveStats,
    branch_inputs,
    check_depths,
    residual_step,
    skip_coefficients,
    sq_norm,
)
from deeplimits.samplers.weights import check_weight_law, draw_weights


def brute_network(*, arch: str, widths: Sequence[int], alpha2: float | None = None, n_in: int, n_out: int,
                  weights: str = "gaussian", tangent: bool = False, depths: Sequence[int] | None = None,
                  seed: np.random.SeedSequence, n_samples: int, chunk_size: int) -> dict[str, np.ndarray]:
    """Explicit networks [seed models, spec §2]: widths [n_0..n_d] (unequal only for the MLP).

      z^0 = n_in^{-1/2} W^0 x,   z^l = α z^{l-1} + λ sqrt(2/n_{l-1}) W^l h^l,   z^out = n_d^{-1/2} W^out z^d,
    h^l = relu(z^{l-1}) (MLP, α = 0, λ = 1; standard ResNet) or relu(s^l ⊙ z^{l-1}) (balanced, literal
    signs). Tangent (``tangent=True``, i = 1): v^0 = n_in^{-1/2} W^0 e_1, v^l = α v^{l-1} + λ sqrt(2/n) W^l D^l v^{l-1}
    with the same W and D^l as in :func:`~deeplimits.samplers.resnet.branch_inputs`. The state is
    renormalised every layer and its log-norm accumulated (pitfall 6).

    Draw order per chunk: W^0; per layer l = 1..d: [s^l (balanced)], W^l; W^out.

    Returns ``G`` (N, len(depths)) with G = ln(||z^{d_k}||^2 / n_{d_k}) - c, ``dead`` (N, len(depths)),
    ``Y`` (N,) = ln ||z^out||^2 at depth d, ``Yt`` (N,) = ln ||∂z^out/∂x_1||^2 if ``tangent``, and for
    ResNets ``active_mean``, ``active_sd``, ``active_late`` as in
    :func:`~deeplimits.samplers.resnet.vector_network`. Log observables of dead samples are NaN.
    """
    alpha, lam = skip_coefficients(arch, alpha2)
    check_weight_law(weights)
    widths = [int(w) for w in widths]
    if not widths or min(widths) < 1:
        raise ValueError(f"widths must be a non-empty list of positive integers, got {widths!r}")
    if arch != "mlp" and len(set(widths)) != 1:
        raise ValueError(f"ResNets need equal widths, got {widths!r}")
    d = len(widths) - 1
    depths = check_depths([d] if depths is None else depths, d)
    x = unit_input(n_in)
    c = input_offset(x)
    inputs = np.stack([x, np.eye(n_in)[0]], axis=1) if tangent else x[:, None]  # (n_in, 1 or 2)
    stats = ActiveStats(widths[0], d, n_samples) if arch != "mlp" else None
    G = np.empty((n_samples, len(depths)))
    Y = np.empty(n_samples)
    Yt = np.empty(n_samples) if tangent else None
    v = None
    with np.errstate(divide="ignore", invalid="ignore"):
        for sl, rng in chunked_rngs(seed, n_samples, chunk_size):
            out = np.matmul(draw_weights(rng, weights, widths[0], n_in), inputs)
            z, Sz = residual_step(None, out[..., 0], 1.0 / math.sqrt(n_in), 0.0)
            if tangent:
                v, Sv = residual_step(None, out[..., 1], 1.0 / math.sqrt(n_in), 0.0)
            k = 0
            for layer in range(1, d + 1):
                h, h_v, n_active = branch_inputs(arch, rng, z, v, literal=True, count=stats is not None)
                W = draw_weights(rng, weights, widths[layer], widths[layer - 1])
                out = np.matmul(W, np.stack([h, h_v], axis=-1) if tangent else h[..., None])
                del W
                scale = lam * math.sqrt(2.0 / widths[layer - 1])
                z, dS = residual_step(z, out[..., 0], scale, alpha)
                Sz += dS
                if tangent:
                    v, dS = residual_step(v, out[..., 1], scale, alpha)
                    Sv += dS
                if stats is not None:
                    stats.add(sl, layer, n_active)
                if layer == depths[k]:
                    G[sl, k] = Sz - math.log(widths[layer]) - c
                    k += 1
            final = np.stack([z, v], axis=-1) if tangent else z[..., None]
            out = np.matmul(draw_weights(rng, weights, n_out, widths[d]), final)  # z^out n_d^{1/2} / ||z^d||
            Y[sl] = Sz - math.log(widths[d]) + np.log(sq_norm(out[..., 0]))
            if tangent:
                Yt[sl] = Sv - math.log(widths[d]) + np.log(sq_norm(out[..., 1]))
    dead = ~np.isfinite(G)
    G[dead] = np.nan
    final_dead = ~np.isfinite(Y)
    Y[final_dead] = np.nan
    result = {"G": G, "Y": Y, "dead": dead}
    if tangent:
        Yt[final_dead] = np.nan
        result["Yt"] = Yt
    if stats is not None:
        result.update(stats.result())
    return result

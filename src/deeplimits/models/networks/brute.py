"""Brute-force ReLU MLPs and ResNets: explicit weight matrices per network (nica spec §2, §4).

Ground truth for every reduction [seed models]: one fresh network per sample with explicit matrices of
any unit-variance law (:mod:`deeplimits.models.networks.weights`), the literal sign-flip balanced ResNet and
forward-mode tangents with the same matrices. O(n^2 d) per sample; per chunk and layer the weight
tensor is (chunk, n_l, n_{l-1}), drawn layer by layer (peak ≈ 2 x 8 x chunk x n_l x n_{l-1} bytes, as the
stream blocks are concatenated), and W h is a batched matmul, (chunk, n_l, n_{l-1}) @ (chunk, n_{l-1}, 1 or 2).

The layer update is written out literally here (:func:`literal_layer`), independently of the
reductions in :mod:`deeplimits.models.networks.resnet`, so that comparing the two tests both; only
bookkeeping (argument checks, norms, active-fraction sums) is shared.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from deeplimits.models.networks.mlp import input_offset, unit_input
from deeplimits.models.networks.resnet import ActiveStats, check_depths, skip_coefficients, sq_norm, unit_rows
from deeplimits.models.networks.weights import check_weight_law, draw_weights
from deeplimits.rng import ChunkRng, chunked_rngs


def literal_layer(arch: str, rng: ChunkRng, weights: str, n_next: int, alpha: float, lam: float,
                  states: list[np.ndarray]) -> tuple[list[np.ndarray], np.ndarray]:
    """One layer applied literally to ``states`` = [z] or [z, v] (unit vectors, shape (chunk, n)) [seed, §2].

    pre = z (MLP, standard) or s ⊙ z with fresh signs s ~ ±1 (balanced); with W^l drawn from ``weights``
      z' = α z + λ sqrt(2/n) W relu(pre),   v' = α v + λ sqrt(2/n) W (1{pre > 0} ⊙ ∂pre),  ∂pre = v or s ⊙ v.
    Draw order: [s], W. Returns the new (unnormalised) states and the number of active units per sample.
    """
    z = states[0]
    n = z.shape[-1]
    signs = rng.rademacher(n) if arch == "balanced" else None
    pre = z if signs is None else signs * z
    active = pre > 0
    columns = [np.maximum(pre, 0.0)]
    for v in states[1:]:
        columns.append(active * (v if signs is None else signs * v))
    W = draw_weights(rng, weights, n_next, n)
    branch = np.matmul(W, np.stack(columns, axis=-1))
    del W
    scale = lam * math.sqrt(2.0 / n)
    new = [scale * branch[..., j] for j in range(len(states))]
    if alpha:  # the skip connection (ResNets, equal widths)
        for w, x in zip(new, states, strict=True):
            w += alpha * x
    return new, np.count_nonzero(active, axis=-1)


def _renormalise(vectors) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Unit vectors and log squared norms (-inf for a zero vector: a dead network)."""
    units, sq = zip(*(unit_rows(w) for w in vectors), strict=True)
    return list(units), [np.log(s2) for s2 in sq]


def brute_network(*, arch: str, widths: Sequence[int], alpha2: float | None = None, n_in: int, n_out: int,
                  weights: str = "gaussian", tangent: bool = False, depths: Sequence[int] | None = None,
                  seed: np.random.SeedSequence, n_samples: int, chunk_size: int,
                  active_window: tuple[int, int] | None = None) -> dict[str, np.ndarray]:
    """Explicit networks [seed models, spec §2]: widths [n_0..n_d] (unequal only for the MLP).

      z^0 = n_in^{-1/2} W^0 x,   z^l = α z^{l-1} + λ sqrt(2/n_{l-1}) W^l h^l,   z^out = n_d^{-1/2} W^out z^d,
    h^l = relu(z^{l-1}) (MLP, α = 0, λ = 1; standard ResNet) or relu(s^l ⊙ z^{l-1}) (balanced, literal
    signs). Tangent (``tangent=True``, i = 1): v^0 = n_in^{-1/2} W^0 e_1, v^l = α v^{l-1} + λ sqrt(2/n) W^l D^l v^{l-1}
    with the same W, D^l = diag(1{z^{l-1} > 0}) (balanced: diag(s^l ⊙ 1{s^l ⊙ z^{l-1} > 0})); see
    :func:`literal_layer`. z and v are renormalised every layer and their log-norms accumulated (pitfall 6).

    Draw order per chunk: W^0; per layer l = 1..d: [s^l (balanced)], W^l; W^out.

    Returns ``G`` (N, len(depths)) with G = ln(||z^{d_k}||^2 / n_{d_k}) - c, ``dead`` (N, len(depths)),
    ``Y`` (N,) = ln ||z^out||^2 at depth d, ``Yt`` (N,) = ln ||∂z^out/∂x_1||^2 if ``tangent``, and for
    ResNets ``active_mean``, ``active_sd``, ``active_late`` (over ``active_window``) as in
    :func:`~deeplimits.models.networks.resnet.vector_network`. Log observables of dead samples are NaN.
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
    stats = ActiveStats(widths[0], d, n_samples, active_window) if arch != "mlp" else None
    G = np.empty((n_samples, len(depths)))
    Y = np.empty(n_samples)
    Yt = np.empty(n_samples) if tangent else None
    with np.errstate(divide="ignore", invalid="ignore"):
        for sl, rng in chunked_rngs(seed, n_samples, chunk_size):
            out = np.matmul(draw_weights(rng, weights, widths[0], n_in), inputs)  # z^0, v^0 times n_in^{1/2}
            states, logs = _renormalise(out[..., j] for j in range(out.shape[-1]))
            logs = [L - math.log(n_in) for L in logs]  # ln ||z^0||^2 (and ln ||v^0||^2)
            k = 0
            for layer in range(1, d + 1):
                new, n_active = literal_layer(arch, rng, weights, widths[layer], alpha, lam, states)
                states, steps = _renormalise(new)
                logs = [L + step for L, step in zip(logs, steps, strict=True)]
                if stats is not None:
                    stats.add(sl, layer, n_active)
                if layer == depths[k]:
                    G[sl, k] = logs[0] - math.log(widths[layer]) - c
                    k += 1
            out = np.matmul(draw_weights(rng, weights, n_out, widths[d]), np.stack(states, axis=-1))
            Y[sl] = logs[0] - math.log(widths[d]) + np.log(sq_norm(out[..., 0]))  # z^out = n_d^{-1/2} W^out z^d
            if tangent:
                Yt[sl] = logs[1] - math.log(widths[d]) + np.log(sq_norm(out[..., 1]))
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

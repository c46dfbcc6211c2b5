"""Vector trick and Gram/Cholesky trick for ReLU MLPs and ResNets, Gaussian weights (nica spec §2, §4).

One recursion covers the three architectures (spec §2):

    z^l = α z^{l-1} + λ sqrt(2/n) W^l h^l,      v^l = α v^{l-1} + λ sqrt(2/n) W^l D^l v^{l-1},

- ``mlp``: α = 0, λ = 1, h^l = relu(z^{l-1}) [seed];
- ``standard`` ResNet: α^2 + λ^2 = 1, h^l = relu(z^{l-1}) [seed];
- ``balanced`` ResNet (sign-flip reading) [choice]: h^l = relu(s^l ⊙ z^{l-1}), s^l iid uniform ±1.

States are kept in log space (spec §4, pitfall 6): a unit vector ẑ = z / ||z|| and S = ln ||z||^2. As the
update is positively homogeneous, z^l / ||z^{l-1}|| = α ẑ + λ sqrt(2/n) W h(ẑ), so S grows by the log
squared norm of that vector, which is then renormalised. A dead MLP layer (no active ReLU, z = 0) gives
S = -inf, reported as ``dead`` with NaN observables.

The recursion is factored once for the three architectures (:func:`branch_inputs`, :func:`residual_step`).
Brute force (:mod:`deeplimits.models.networks.brute`) writes its layer out independently and shares only
bookkeeping (:func:`skip_coefficients`, :func:`check_depths`, :func:`unit_rows`, :class:`ActiveStats`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from deeplimits.models.networks.mlp import input_offset, unit_input
from deeplimits.rng import ChunkRng, chunked_rngs

ARCHS = ("mlp", "standard", "balanced")


# --------------------------------------------------------------------------------------------------
# per-layer helpers (shared with brute.py)


def skip_coefficients(arch: str, alpha2: float | None) -> tuple[float, float]:
    """(α, λ) of the recursion: (0, 1) for the MLP, (sqrt α², sqrt(1 - α²)) for ResNets (0 < α² < 1)."""
    if arch not in ARCHS:
        raise ValueError(f"unknown architecture {arch!r}; allowed: {', '.join(ARCHS)}")
    if arch == "mlp":
        return 0.0, 1.0
    if alpha2 is None or not 0.0 < float(alpha2) < 1.0:
        raise ValueError(f"ResNets need 0 < alpha2 < 1, got {alpha2!r}")
    return math.sqrt(alpha2), math.sqrt(1.0 - alpha2)


def check_depths(depths: Sequence[int], d_max: int | None = None) -> list[int]:
    """Checkpoint depths: a non-empty, strictly increasing list of integers in 1..d_max."""
    depths = [int(k) for k in depths]
    if not depths or depths[0] < 1 or any(b <= a for a, b in zip(depths, depths[1:], strict=False)):
        raise ValueError(f"depths must be strictly increasing integers >= 1, got {depths!r}")
    if d_max is not None and depths[-1] > d_max:
        raise ValueError(f"depths must not exceed the network depth {d_max}, got {depths!r}")
    return depths


def sq_norm(a: np.ndarray) -> np.ndarray:
    """Squared Euclidean norm along the last axis."""
    return np.einsum("...i,...i->...", a, a)


def branch_inputs(arch: str, rng: ChunkRng, z: np.ndarray, v: np.ndarray | None = None, *,
                  count: bool = False):
    """Branch inputs of one layer for the reductions: ``(h, h_v, n_active)``.

    MLP and standard ResNet: h = relu(z), tangent input h_v = D v with D = diag(1{z > 0}).
    Balanced: one fresh sign vector s ~ ±1 is drawn (``rng.rademacher``) and the mask form is used
    [derived, spec §2]: h = B ⊙ z, h_v = B ⊙ v with B = 1{s ⊙ z > 0}. Indeed W relu(s ⊙ z) = W diag(s) (B ⊙ z)
    and, jointly for z and v, W diag(s) =d W independent of (s, z, v) for a fresh Gaussian W.
    ``n_active`` (only if ``count``) is the number of active coordinates per sample (h_i ≠ 0), else None.
    Masks are applied by multiplication (np.where is several times slower).
    """
    if arch == "balanced":
        active = rng.rademacher(z.shape[-1]) * z > 0
        h = z * active
    else:
        active = None
        h = np.maximum(z, 0.0)
    h_v = None
    if v is not None:
        h_v = v * (z > 0 if active is None else active)
    n_active = np.count_nonzero(h, axis=-1) if count else None
    return h, h_v, n_active


def unit_rows(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(w / ||w||, ||w||^2) along the last axis; a zero row stays zero (a dead network)."""
    nw2 = sq_norm(w)
    inv = np.divide(1.0, np.sqrt(nw2), out=np.zeros_like(nw2), where=nw2 > 0)
    return w * inv[..., None], nw2


def residual_step(z: np.ndarray | None, branch: np.ndarray, scale, alpha: float):
    """One layer in log space: w = α ẑ + scale · branch, returned as (w / ||w||, ln ||w||^2).

    ``z`` is the current unit state (unused when α = 0, e.g. the MLP or the input layer), ``branch`` the
    branch output for that unit state up to the per-sample factor ``scale`` (array or float). The caller
    adds ln ||w||^2 to its log-norm S. ``scale = 0`` with α = 0 (dead MLP layer) gives ln ||w||^2 = -inf,
    which stays -inf (S is absorbing), whatever unit vector is returned.
    """
    scale = np.asarray(scale, dtype=np.float64)
    if not alpha:  # w is parallel to the branch: skip the scaling pass (a dead layer: S = -inf absorbs)
        unit, nb2 = unit_rows(branch)
        return unit, np.log(scale * scale * nb2)
    w = branch * scale[..., None]
    w += alpha * z
    unit, nw2 = unit_rows(w)
    return unit, np.log(nw2)


def cholesky_2x2(g11, g12, g22):
    """Cholesky factor (L11, L21, L22) of the Gram [[g11, g12], [g12, g22]] [derived, spec §4].

    L11 = sqrt(g11), L21 = g12 / L11 (0 where L11 = 0), L22 = sqrt(max(0, g22 - L21^2)).
    """
    l11 = np.sqrt(g11)
    l21 = np.divide(g12, l11, out=np.zeros(np.broadcast(g12, l11).shape), where=l11 > 0)
    l22 = np.sqrt(np.maximum(g22 - l21 * l21, 0.0))
    return l11, l21, l22


def gram_pair(rng: ChunkRng, h1: np.ndarray, h2: np.ndarray, m: int):
    """W [h1 h2] =d [L11 g1, L21 g1 + L22 g2] for a fresh m x n W with iid N(0, 1) entries [derived, §4].

    Draws one (chunk, 2, m) Gaussian array; returns (g1, L11, y2) with W h1 =d L11 g1 and W h2 =d y2,
    jointly. ``h1``, ``h2`` may broadcast (e.g. a fixed input of shape (1, n)).
    """
    g = rng.standard_normal(2, m)
    g1, g2 = g[:, 0], g[:, 1]
    l11, l21, l22 = cholesky_2x2(sq_norm(h1), np.einsum("...i,...i->...", h1, h2), sq_norm(h2))
    y2 = l21[..., None] * g1
    y2 += l22[..., None] * g2
    return g1, l11, y2


class ActiveStats:
    """Active fraction of the branch input per layer, accumulated exactly in integers.

    For layer l = 1..d the active fraction of a sample is k_l / n (k_l active coordinates of h^l).
    ``result()`` gives ``active_mean`` (d,), ``active_sd`` (d,) (across samples, ddof = 1) and
    ``active_late`` (N,): each sample's mean fraction over the layers ``window`` = (first, last), by default
    d/2 < l <= d. Integer sums make the result independent of the chunk size bit for bit.
    """

    def __init__(self, n: int, d: int, n_samples: int, window: tuple[int, int] | None = None):
        self.n, self.d, self.n_samples = n, d, n_samples
        self.first_late, self.last_late = window or (d // 2 + 1, d)
        if not 1 <= self.first_late <= self.last_late <= d:
            raise ValueError(f"active window must satisfy 1 <= first <= last <= {d}, got {window!r}")
        self.s1 = [0] * d
        self.s2 = [0] * d
        self.late = np.zeros(n_samples, dtype=np.int64)

    def add(self, sl: slice, layer: int, n_active: np.ndarray) -> None:
        k = n_active.astype(np.int64)
        self.s1[layer - 1] += int(k.sum())
        self.s2[layer - 1] += int((k * k).sum())
        if self.first_late <= layer <= self.last_late:
            self.late[sl] += k

    def result(self) -> dict[str, np.ndarray]:
        N, n = self.n_samples, self.n
        mean = np.array([s1 / (N * n) for s1 in self.s1])
        if N > 1:  # exact integer arithmetic: (N s2 - s1^2) / (N (N-1) n^2)
            var = [(N * s2 - s1 * s1) / (N * (N - 1) * n * n) for s1, s2 in zip(self.s1, self.s2, strict=True)]
        else:
            var = [np.nan] * self.d
        late = self.late / (n * (self.last_late - self.first_late + 1))
        return {"active_mean": mean, "active_sd": np.sqrt(np.array(var)), "active_late": late}


# --------------------------------------------------------------------------------------------------
# samplers


def vector_network(*, arch: str, n: int, depths: Sequence[int], alpha2: float | None = None, n_in: int,
                   n_out: int, seed: np.random.SeedSequence, n_samples: int, chunk_size: int,
                   active_window: tuple[int, int] | None = None) -> dict[str, np.ndarray]:
    """Vector trick [seed identity W h =d ||h|| g, derived scope, spec §4]: exact in law, O(n d) per sample.

    With fresh g ~ N(0, I_n) each layer (unit state ẑ, log-norm S):
      z^0 = n_in^{-1/2} ||x|| g;   z^l / ||z^{l-1}|| =d α ẑ + λ sqrt(2/n) ||h(ẑ)|| g;
      ln ||z^out||^2 =d ln(||z^d||^2 / n) + ln chi2_{n_out}   (output layer also by the vector trick),
    with h as in :func:`branch_inputs` (balanced: mask form). Draw order per chunk: g (input layer);
    per layer l = 1..d: [s (balanced)], g; then chi2_{n_out}.

    ``depths`` are sorted checkpoints; the network runs to d = max(depths). Returns ``G`` (N, len(depths))
    with G = ln(||z^{d_k}||^2 / n) - c, ``dead`` (N, len(depths)), ``Y`` (N,) at depth d and, for ResNets,
    ``active_mean``, ``active_sd``, ``active_late`` (see :class:`ActiveStats`; ``active_window`` its layers).
    """
    alpha, lam = skip_coefficients(arch, alpha2)
    depths = check_depths(depths)
    d = depths[-1]
    x = unit_input(n_in)
    c = input_offset(x)
    branch_scale = lam * math.sqrt(2.0 / n)
    stats = ActiveStats(n, d, n_samples, active_window) if arch != "mlp" else None
    G = np.empty((n_samples, len(depths)))
    Y = np.empty(n_samples)
    with np.errstate(divide="ignore", invalid="ignore"):
        for sl, rng in chunked_rngs(seed, n_samples, chunk_size):
            z, S = residual_step(None, rng.standard_normal(n), math.sqrt(x @ x / n_in), 0.0)
            k = 0
            for layer in range(1, d + 1):
                h, _, n_active = branch_inputs(arch, rng, z, count=stats is not None)
                z, dS = residual_step(z, rng.standard_normal(n), branch_scale * np.sqrt(sq_norm(h)), alpha)
                S += dS
                if stats is not None:
                    stats.add(sl, layer, n_active)
                if layer == depths[k]:
                    G[sl, k] = S - math.log(n) - c
                    k += 1
            Y[sl] = S - math.log(n) + np.log(rng.chisquare(n_out))
    dead = ~np.isfinite(G)
    G[dead] = np.nan
    Y[dead[:, -1]] = np.nan
    out = {"G": G, "Y": Y, "dead": dead}
    if stats is not None:
        out.update(stats.result())
    return out


def gram_tangent(*, arch: str, n: int, d: int, alpha2: float | None = None, n_in: int, n_out: int,
                 seed: np.random.SeedSequence, n_samples: int, chunk_size: int) -> dict[str, np.ndarray]:
    """Forward pass and input tangent of one network by the Gram/Cholesky trick [derived, spec §2, §4].

    Each W multiplies two vectors, W [h, D v] =d [L11 g1, L21 g1 + L22 g2] (:func:`gram_pair`), exact
    in law for Gaussian weights. Input layer: Gram of (x, e_1); hidden layers: Gram of the branch inputs
    (h, h_v) of the unit states (ẑ, v̂); output: Gram of (ẑ^d, v̂^d). z and v are renormalised separately
    and their log-norms accumulated. Draw order per chunk: g (2, n) for the input layer; per layer
    l = 1..d: [s (balanced)], g (2, n); g (2, n_out) for the output layer.

    Returns ``Y`` = ln ||z^out||^2, ``Yt`` = ln ||∂z^out/∂x_1||^2 of the same network (NaN if dead) and
    ``dead``, each of shape (n_samples,).
    """
    alpha, lam = skip_coefficients(arch, alpha2)
    if d < 0:
        raise ValueError(f"depth must be >= 0, got {d}")
    x = unit_input(n_in)[None, :]
    e1 = np.zeros_like(x)
    e1[0, 0] = 1.0
    branch_scale = lam * math.sqrt(2.0 / n)
    Y = np.empty(n_samples)
    Yt = np.empty(n_samples)
    with np.errstate(divide="ignore", invalid="ignore"):
        for sl, rng in chunked_rngs(seed, n_samples, chunk_size):
            g1, l11, y2 = gram_pair(rng, x, e1, n)  # z^0 = n_in^{-1/2} W^0 x, v^0 = n_in^{-1/2} W^0 e_1
            z, Sz = residual_step(None, g1, l11 / math.sqrt(n_in), 0.0)
            v, Sv = residual_step(None, y2, 1.0 / math.sqrt(n_in), 0.0)
            for _ in range(d):
                h, h_v, _ = branch_inputs(arch, rng, z, v)
                g1, l11, y2 = gram_pair(rng, h, h_v, n)
                v, dSv = residual_step(v, y2, branch_scale, alpha)
                z, dSz = residual_step(z, g1, branch_scale * l11, alpha)
                Sz += dSz
                Sv += dSv
            g1, l11, y2 = gram_pair(rng, z, v, n_out)  # z^out = n^{-1/2} W^out z^d, same W for v^d
            Y[sl] = Sz - math.log(n) + np.log(l11 * l11 * sq_norm(g1))
            Yt[sl] = Sv - math.log(n) + np.log(sq_norm(y2))
    dead = ~np.isfinite(Y)
    Y[dead] = np.nan
    Yt[dead] = np.nan
    return {"Y": Y, "Yt": Yt, "dead": dead}

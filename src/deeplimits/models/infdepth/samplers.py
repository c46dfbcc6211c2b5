"""Samplers of finite-width, depth-L residual networks in the infinite-depth scaling (spec ``hayou`` §2, §4).

Model (spec §2, Eq. 1): width n, depth L, ``Y_0 = W_in x`` (W_in iid N(0, 1/d); default d = 1, x = 1, so
``Y_0 ~ N(0, I_n)``) and ``Y_l = Y_{l-1} + L^{-1/2} W_l phi(Y_{l-1})`` with W_l iid N(0, 1/n), no biases.

* S1 :func:`euler_single` — exact in law for one input: ``Y <- Y + ||phi(Y)|| zeta / sqrt(n L)``.
* S2 :func:`euler_maruyama_sde` — S1 at ``L_sde = 1024`` [choice], the Euler-Maruyama scheme of the SDE (T1).
* :func:`relu_collapse_conditional` — S1's ReLU collapse probability per path by conditional Monte Carlo.
* S3 :func:`gram_multi` — two inputs through shared weights, exact joint law (Cholesky of the 2 x 2 Gram).
* S4 :func:`explicit_network` — brute force with explicit W_l (chunk, n, n), shared by all inputs and by the
  backward pass (T13 gradients).

Randomness comes only from :func:`deeplimits.rng.chunked_rngs`; every array is float64, vectorised over the
samples of a chunk with a loop over layers, and identical bit for bit whatever the chunk size. Activations are
chosen by name through :func:`activation` (or passed as callables; gradients need a ``derivative`` attribute).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
from scipy.special import log_ndtr, ndtr

from deeplimits.models.infdepth.closed_forms import erfi_inv, ou_activation
from deeplimits.models.networks.resnet import cholesky_2x2, sq_norm
from deeplimits.rng import ChunkRng, chunked_rngs

ACTIVATIONS = ("identity", "relu", "ou", "tanh", "gelu", "silu", "piecewise")

#: Default OU normalisation [choice, spec §3 T6].
OU_DEFAULTS = {"beta": 1.0, "gamma": 0.0, "zeta": 2.0 / math.sqrt(math.pi)}

#: S2 step count [choice, spec §4].
L_SDE = 1024

_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


# --------------------------------------------------------------------------------------------------
# activations


def _with_derivative(f: Callable, df: Callable, name: str) -> Callable:
    f.derivative = df
    f.activation_name = name
    return f


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # overflow-free logistic


def activation(name: str, **params: float) -> Callable[[np.ndarray], np.ndarray]:
    """Coordinate-wise activation φ by name; the returned callable carries ``.derivative`` (φ').

    - ``identity``: φ = x;  ``relu``: max(x, 0) (φ'(0) := 0);  ``tanh``;  ``gelu``: x Φ(x) (exact, erf form);
      ``silu``: x σ(x);
    - ``ou``: φ = ζ exp([erfi⁻¹(βx + γ)]²) (T6), params ``beta``, ``gamma``, ``zeta`` with the [choice]
      defaults 1, 0, 2/√π; φ' = ζ √π β erfi⁻¹(βx + γ) [derived: (erfi⁻¹)' = (√π/2) exp(-erfi⁻¹²)];
    - ``piecewise`` (T10): φ = a x 1{x > 0} + b x 1{x <= 0}, params ``a`` (default 1) and ``b`` (alias ``alpha``,
      required), φ'(0) := b.

    Unknown names raise ValueError listing the allowed names; unknown parameters raise ValueError.
    """
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; allowed: {', '.join(ACTIVATIONS)}")
    allowed = {"ou": set(OU_DEFAULTS), "piecewise": {"a", "b", "alpha"}}.get(name, set())
    extra = set(params) - allowed
    if extra:
        raise ValueError(f"activation {name!r} takes parameters {sorted(allowed)}, got {sorted(extra)}")
    if name == "identity":
        return _with_derivative(lambda x: np.array(x, dtype=np.float64, copy=True),
                                lambda x: np.ones_like(x, dtype=np.float64), name)
    if name == "relu":
        return _with_derivative(lambda x: np.maximum(x, 0.0), lambda x: (x > 0).astype(np.float64), name)
    if name == "tanh":
        return _with_derivative(np.tanh, lambda x: 1.0 - np.tanh(x) ** 2, name)
    if name == "gelu":
        return _with_derivative(lambda x: x * ndtr(x), lambda x: ndtr(x) + x * _INV_SQRT_2PI * np.exp(-0.5 * x * x),
                                name)
    if name == "silu":
        def dsilu(x):
            s = _sigmoid(x)
            return s * (1.0 + x * (1.0 - s))
        return _with_derivative(lambda x: x * _sigmoid(x), dsilu, name)
    if name == "ou":
        p = {**OU_DEFAULTS, **params}
        beta, gamma, zeta = float(p["beta"]), float(p["gamma"]), float(p["zeta"])
        return _with_derivative(lambda x: np.asarray(ou_activation(x, beta, gamma, zeta), dtype=np.float64),
                                lambda x: zeta * math.sqrt(math.pi) * beta * np.asarray(erfi_inv(beta * x + gamma)),
                                name)
    # piecewise
    if "b" in params and "alpha" in params:
        raise ValueError("piecewise: give b or alpha, not both")
    b = params.get("b", params.get("alpha"))
    if b is None:
        raise ValueError("piecewise activation needs b (or alpha): phi = a x 1{x>0} + b x 1{x<=0}")
    a, b = float(params.get("a", 1.0)), float(b)
    return _with_derivative(lambda x: np.where(x > 0, a * x, b * x), lambda x: np.where(x > 0, a, b) * 1.0, name)


def _resolve(phi: str | Callable) -> Callable:
    return activation(phi) if isinstance(phi, str) else phi


def _check_positive(value: int, name: str) -> int:
    if int(value) != value or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


# --------------------------------------------------------------------------------------------------
# S1 / S2


def euler_single(*, n: int, depth: int, phi: str | Callable, y0: float | None = None,
                 record_layers: Sequence[int] = (), record_states: bool = True, seed: np.random.SeedSequence,
                 n_samples: int, chunk_size: int) -> dict[str, np.ndarray]:
    """S1: one input, exact in law [derived, spec §2]: ``Y_l = Y_{l-1} + ||φ(Y_{l-1})|| ζ_l / sqrt(n L)``.

    ``y0``: None → Y_0 ~ N(0, I_n) (drawn first); a float → every coordinate of Y_0 equals it. Draw order per
    chunk: [Y_0 (n)], then ζ_l (n) for l = 1..L — drawn for every row, collapsed or not, so the streams never
    depend on the sample's path. Collapse (T7) is handled explicitly: once ||φ(Y_l)|| = 0 the step is exactly
    zero, so Y stays put (absorbing).

    Returns
    - ``Y0``, ``YL`` (N, n); ``Y_at`` (N, len(record_layers), n) at the requested layers (0..L), only with
      ``record_states`` (it is (N, n_layers, n) floats); ``phi_norm_at`` (N, len(record_layers)) = ||φ(Y_l)||;
    - ``collapsed`` (N,) bool: φ(Y_l) = 0 for some l in 0..L (layer 0 included);
    - ``log_phi_norm_ratio`` (N,) = log(||φ(Y_L)|| / ||φ(Y_0)||) (G_1 of T8), NaN when collapsed;
    - ``active_mean`` (depth + 1,): mean over samples of N_l = #{i: Y_l^i > 0} (integer sums: chunk-invariant).
    """
    n = _check_positive(n, "n")
    depth = _check_positive(depth, "depth")
    f = _resolve(phi)
    record = [int(k) for k in record_layers]
    if any(not 0 <= k <= depth for k in record):
        raise ValueError(f"record_layers must lie in 0..{depth}, got {record!r}")
    step = 1.0 / math.sqrt(n * depth)
    Y0 = np.empty((n_samples, n))
    YL = np.empty((n_samples, n))
    Y_at = np.empty((n_samples, len(record), n) if record_states else (n_samples, len(record), 0))
    phi_norm_at = np.empty((n_samples, len(record)))
    collapsed = np.empty(n_samples, dtype=bool)
    ratio = np.empty(n_samples)
    active = [0] * (depth + 1)
    for sl, rng in chunked_rngs(seed, n_samples, chunk_size):
        m = len(rng)
        Y = rng.standard_normal(n) if y0 is None else np.full((m, n), float(y0))
        Y0[sl] = Y
        norm0 = np.sqrt(sq_norm(f(Y)))
        norm = norm0
        dead = norm == 0
        for layer in range(depth + 1):
            if layer:
                Y = Y + (norm * step)[:, None] * rng.standard_normal(n)
                norm = np.sqrt(sq_norm(f(Y)))
                dead |= norm == 0
            active[layer] += int(np.count_nonzero(Y > 0))
            for j, k in enumerate(record):
                if k == layer:
                    phi_norm_at[sl, j] = norm
                    if record_states:
                        Y_at[sl, j] = Y
        YL[sl] = Y
        collapsed[sl] = dead
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.log(norm / norm0)
        r[dead] = np.nan
        ratio[sl] = r
    return {"Y0": Y0, "YL": YL, "Y_at": Y_at, "phi_norm_at": phi_norm_at, "collapsed": collapsed,
            "log_phi_norm_ratio": ratio,
            "active_mean": np.array(active, dtype=np.float64) / n_samples}


def euler_maruyama_sde(*, n: int, phi: str | Callable, l_sde: int = L_SDE, y0: float | None = None,
                       record_layers: Sequence[int] = (), seed: np.random.SeedSequence, n_samples: int,
                       chunk_size: int) -> dict[str, np.ndarray]:
    """S2: the SDE ``dX = ||φ(X)|| dB / sqrt(n)`` on [0, 1] (T1) by Euler-Maruyama with ``l_sde`` steps.

    Exactly :func:`euler_single` at depth ``l_sde`` (default 1024 [choice, spec §4]; validate at l_sde / 4);
    X_t ≈ ``Y_at`` at layer floor(t l_sde).
    """
    return euler_single(n=n, depth=l_sde, phi=phi, y0=y0, record_layers=record_layers, seed=seed,
                        n_samples=n_samples, chunk_size=chunk_size)


def relu_collapse_conditional(*, n: int, depth: int, seed: np.random.SeedSequence, n_samples: int,
                              chunk_size: int) -> dict[str, np.ndarray]:
    """The ReLU network's collapse probability by conditional Monte Carlo along S1 [derived, T7]: per sample the
    probability that its path collapses, so that rare collapses need no rare event.

    Given Y_{l-1} with φ(Y_{l-1}) ≠ 0, step l collapses iff ``Y_{l-1} + s ζ_l <= 0`` coordinate-wise,
    s = ||φ(Y_{l-1})|| / sqrt(n L); ζ_l has iid N(0, 1) coordinates, so this has probability
    ``h(Y_{l-1}) = prod_i Phi(-Y_{l-1}^i / s)``. Let Q be the chain whose every step is S1's conditioned not to
    collapse (drawn by rejection: a collapsing ζ_l is redrawn). A path surviving L steps has likelihood ratio
    dP/dQ = prod_l (1 - h(Y_{l-1})), so ``P(φ(Y_L) = 0 | E_0) = E_Q[1 - prod_{l=1}^L (1 - h(Y_{l-1}))]``, every
    term in [0, 1] and computed without cancellation as -expm1(sum_l log1p(-h)). At n = 1, h = Phi(-sqrt L) on the
    whole path, so every sample gives T5's 1 - Phi(sqrt L)^L (zero variance).

    Draw order per chunk: Y_0 (n), then per layer ζ_l (n) for every row, then the redraws of the rows whose ζ_l
    collapses (per stream block, :meth:`~deeplimits.rng.ChunkRng.standard_normal_rows`), until none does.

    Returns ``alive0`` (N,) bool (E_0 = {φ(Y_0) ≠ 0}) and ``collapse_probability`` (N,), NaN off E_0.
    """
    n = _check_positive(n, "n")
    depth = _check_positive(depth, "depth")
    step = 1.0 / math.sqrt(n * depth)
    alive0 = np.empty(n_samples, dtype=bool)
    probability = np.empty(n_samples)
    for sl, rng in chunked_rngs(seed, n_samples, chunk_size):
        y = rng.standard_normal(n)
        alive = np.any(y > 0, axis=1)
        log_survival = np.zeros(len(rng))
        for _ in range(depth):
            scale = np.sqrt(sq_norm(np.maximum(y, 0.0))) * step
            hazard = np.exp(log_ndtr(-y[alive] / scale[alive, None]).sum(axis=1))
            log_survival[alive] += np.log1p(-hazard)
            moved = y + scale[:, None] * rng.standard_normal(n)
            redraw = alive & np.all(moved <= 0.0, axis=1)
            while redraw.any():
                moved[redraw] = y[redraw] + scale[redraw, None] * rng.standard_normal_rows(redraw, n)
                redraw &= np.all(moved <= 0.0, axis=1)
            y = moved
        alive0[sl] = alive
        probability[sl] = np.where(alive, -np.expm1(log_survival), np.nan)
    return {"alive0": alive0, "collapse_probability": probability}


# --------------------------------------------------------------------------------------------------
# S3


def pair_inputs(c0: float) -> np.ndarray:
    """Inputs (2, 2) for :func:`explicit_network` with d = 2 giving Y_0 pairs of unit variance, correlation c0.

    x_1 = √2 (1, 0), x_2 = √2 (c0, sqrt(1 - c0²)): with W_in iid N(0, 1/2), Cov(Y_0^{(a)}_i, Y_0^{(b)}_i) =
    ⟨x_a, x_b⟩ / 2, so unit variances and correlation c0 — the law :func:`gram_multi` draws.
    """
    if not -1.0 <= c0 <= 1.0:
        raise ValueError(f"c0 must lie in [-1, 1], got {c0!r}")
    return math.sqrt(2.0) * np.array([[1.0, 0.0], [c0, math.sqrt(1.0 - c0 * c0)]])


def _correlation(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    den = np.sqrt(sq_norm(a) * sq_norm(b))
    num = np.einsum("...i,...i->...", a, b)
    return np.divide(num, den, out=np.full(num.shape, np.nan), where=den > 0)


def gram_multi(*, n: int, depth: int, phi: str | Callable, c0: float = 0.5, y0_pair: np.ndarray | None = None,
               record_correlation: bool = False, seed: np.random.SeedSequence, n_samples: int,
               chunk_size: int) -> dict[str, np.ndarray]:
    """S3: two inputs through shared weights, exact joint law [derived, spec §2 multi-input, §4].

    Inputs: by default Y_0^{(1)}, Y_0^{(2)} are jointly Gaussian per coordinate, unit variances and correlation
    ``c0`` (default 0.5): Y^{(1)} = z_1, Y^{(2)} = c0 z_1 + sqrt(1 - c0²) z_2 with z drawn as one (2, n) array —
    the law of explicit inputs :func:`pair_inputs` (c0). ``y0_pair`` (2, n) fixes both inputs instead (no draw).
    Per layer, one (2, n) Gaussian g / sqrt(n) and, with h_a = φ(Y^{(a)}) and the Cholesky factor of their Gram
    (:func:`~deeplimits.models.networks.resnet.cholesky_2x2`; ||h_1|| = 0 gives u = 0, v = ||h_2|| g_2):
      u = ||h_1|| g_1,  v = ⟨h_1, h_2⟩ / ||h_1|| g_1 + sqrt(max(||h_2||² - ⟨h_1, h_2⟩² / ||h_1||², 0)) g_2,
      Y^{(1)} += u / sqrt L,  Y^{(2)} += v / sqrt L.

    Returns ``Y1``, ``Y2`` (N, n) at depth L, ``c0`` and ``cL`` (N,): ⟨Y1, Y2⟩ / (||Y1|| ||Y2||) at layers 0 and L
    (NaN if a norm is 0); with ``record_correlation`` also ``c_path`` (N, L + 1), the correlation at every layer.
    """
    n = _check_positive(n, "n")
    depth = _check_positive(depth, "depth")
    f = _resolve(phi)
    if y0_pair is None:
        if not -1.0 <= c0 <= 1.0:
            raise ValueError(f"c0 must lie in [-1, 1], got {c0!r}")
        s0 = math.sqrt(1.0 - c0 * c0)
    else:
        y0_pair = np.asarray(y0_pair, dtype=np.float64)
        if y0_pair.shape != (2, n):
            raise ValueError(f"y0_pair must have shape (2, {n}), got {y0_pair.shape}")
    scale = 1.0 / math.sqrt(depth)
    g_scale = 1.0 / math.sqrt(n)
    Y1 = np.empty((n_samples, n))
    Y2 = np.empty((n_samples, n))
    c_first = np.empty(n_samples)
    c_path = np.empty((n_samples, depth + 1 if record_correlation else 0))
    for sl, rng in chunked_rngs(seed, n_samples, chunk_size):
        m = len(rng)
        if y0_pair is None:
            z = rng.standard_normal(2, n)
            a, b = z[:, 0], c0 * z[:, 0] + s0 * z[:, 1]
        else:
            a, b = np.tile(y0_pair[0], (m, 1)), np.tile(y0_pair[1], (m, 1))
        c_first[sl] = _correlation(a, b)
        if record_correlation:
            c_path[sl, 0] = c_first[sl]
        for layer in range(1, depth + 1):
            h1, h2 = f(a), f(b)
            l11, l21, l22 = cholesky_2x2(sq_norm(h1), np.einsum("...i,...i->...", h1, h2), sq_norm(h2))
            g = rng.standard_normal(2, n) * g_scale
            a = a + (l11 * scale)[:, None] * g[:, 0]
            b = b + (l21 * scale)[:, None] * g[:, 0] + (l22 * scale)[:, None] * g[:, 1]
            if record_correlation:
                c_path[sl, layer] = _correlation(a, b)
        Y1[sl], Y2[sl] = a, b
    out = {"Y1": Y1, "Y2": Y2, "c0": c_first, "cL": _correlation(Y1, Y2)}
    if record_correlation:
        out["c_path"] = c_path
    return out


# --------------------------------------------------------------------------------------------------
# S4


def _layer_rngs(rng: ChunkRng, depth: int) -> list[list[np.random.SeedSequence]]:
    """Per stream block, ``depth`` child SeedSequences of the block's generator (spec §4 S4: per-layer seeds).

    Layer l's weights are drawn from ``ChunkRng([default_rng(child[b][l]) ...])``: regenerated identically in
    the backward pass, and as every block has its own children the arrays do not depend on the chunk size.
    """
    return [gen.bit_generator.seed_seq.spawn(depth) for gen in rng.generators]


def _layer_weights(children: list[list[np.random.SeedSequence]], sizes: list[int], layer: int, n: int) -> np.ndarray:
    """W_l (chunk, n, n), iid N(0, 1/n), from the per-block children of layer ``layer`` (1-based)."""
    gens = [np.random.default_rng(c[layer - 1]) for c in children]
    return ChunkRng(gens, sizes).standard_normal(n, n) * (1.0 / math.sqrt(n))


def explicit_network(*, n: int, depth: int, phi: str | Callable, inputs: np.ndarray, gradient: bool = False,
                     output_gradient: np.ndarray | None = None, seed: np.random.SeedSequence, n_samples: int,
                     chunk_size: int) -> dict[str, np.ndarray]:
    """S4 brute force [seed model, spec §2]: explicit weights shared by all inputs (and the backward pass).

    ``inputs`` (k, d): Y_0 = W_in x with W_in (n, d) iid N(0, 1/d), drawn first from the chunk's streams; then
    W_l (chunk, n, n) iid N(0, 1/n) layer by layer, each from a per-(block, layer) child seed of the block's
    generator (:func:`_layer_rngs`), and Y_l = Y_{l-1} + L^{-1/2} W_l φ(Y_{l-1}) for all k inputs at once
    (batched matmul (chunk, n, n) @ (chunk, n, k)). Memory per chunk ≈ 8 chunk (2 n² + (L + 1) n k) bytes: no
    L n² weights are stored.

    ``gradient=True`` (T13): by default the loss ℓ = ½ ||Y_L^{(1)}||² of the first input, so h_L = Y_L^{(1)};
    ``output_gradient`` (n,) fixes h_L instead (ℓ = ⟨h_L, Y_L^{(1)}⟩, e.g. 1/sqrt(n) for hayou/fig08). With the SAME
    weights (regenerated from the same seeds) h_{l-1} = h_l + L^{-1/2} φ'(Y_{l-1}) ⊙ (W_l^T h_l). This needs
    ``phi.derivative`` (names given to :func:`activation` have it) and stores the forward states of the first
    input, (L + 1) chunk n floats. For positively homogeneous φ, ⟨h_0, Y_0⟩ = ⟨h_L, Y_L⟩ pathwise.

    Returns ``Y0`` and ``Y`` (N, k, n) at layers 0 and L; with gradient also ``grad_input`` (N, n) = h_0 and
    ``grad_norm_ratio`` (N, depth + 1) = ||h_l|| / ||h_L|| for l = 0..L (NaN where h_L = 0).
    """
    n = _check_positive(n, "n")
    depth = _check_positive(depth, "depth")
    f = _resolve(phi)
    inputs = np.atleast_2d(np.asarray(inputs, dtype=np.float64))
    k, d = inputs.shape
    if gradient and not hasattr(f, "derivative"):
        raise ValueError("gradient=True needs phi with a .derivative (use activation(name))")
    if output_gradient is not None:
        output_gradient = np.asarray(output_gradient, dtype=np.float64)
        if output_gradient.shape != (n,):
            raise ValueError(f"output_gradient must have shape ({n},), got {output_gradient.shape}")
    scale = 1.0 / math.sqrt(depth)
    Y0 = np.empty((n_samples, k, n))
    Y = np.empty((n_samples, k, n))
    if gradient:
        h0 = np.empty((n_samples, n))
        ratio = np.empty((n_samples, depth + 1))
    for sl, rng in chunked_rngs(seed, n_samples, chunk_size):
        w_in = rng.standard_normal(n, d) * (1.0 / math.sqrt(d))
        y = np.matmul(w_in, inputs.T)  # (chunk, n, k)
        Y0[sl] = np.swapaxes(y, 1, 2)
        children = _layer_rngs(rng, depth)
        path = [y[..., 0]] if gradient else None
        for layer in range(1, depth + 1):
            W = _layer_weights(children, rng.sizes, layer, n)
            y = y + scale * np.matmul(W, f(y))
            if gradient:
                path.append(y[..., 0])
        Y[sl] = np.swapaxes(y, 1, 2)
        if gradient:
            h = y[..., 0].copy() if output_gradient is None else np.tile(output_gradient, (len(rng), 1))
            norms = np.empty((len(rng), depth + 1))
            norms[:, depth] = np.sqrt(sq_norm(h))
            for layer in range(depth, 0, -1):
                W = _layer_weights(children, rng.sizes, layer, n)
                back = np.matmul(np.swapaxes(W, 1, 2), h[..., None])[..., 0]
                h = h + scale * f.derivative(path[layer - 1]) * back
                norms[:, layer - 1] = np.sqrt(sq_norm(h))
            h0[sl] = h
            hL = norms[:, depth:depth + 1]
            ratio[sl] = np.divide(norms, hL, out=np.full(norms.shape, np.nan), where=hL > 0)
    out = {"Y0": Y0, "Y": Y}
    if gradient:
        out.update(grad_input=h0, grad_norm_ratio=ratio)
    return out

"""Direct simulations of finite deep linear networks trained by gradient descent (spec ``bordelon`` §2, §3.1, §4).

Model (spec §2). Inputs x ~ N(0, Λ), Λ = diag(λ_k) (D coordinates), teacher y = w*·x/√D + σε, ε ~ N(0, 1).

* MLP with L hidden layers: h^1 = W^0 x/√D, h^{l+1} = W^l h^l/√N_l (l < L), f = c w·h^L; trainable W^0 (N_1×D),
  W^l (N_{l+1}×N_l), w (N_L); all weights iid N(0, 1). Equal widths N_l = N = round(νD) unless ``width_ratios``.
* Residual net with L blocks: h^1 = W^0 x/√D, h^{l+1} = h^l + β W^l h^l/√N (l = 1..L), f = c w·h^{L+1};
  β = β0/√L (``depth_scaled``) or β0.
* Output scale c = √D/(γ0 N_L), one raw learning rate η = η0 γ0² N_L on every array; μP: γ0 given; NTK:
  γ0 = γ_ref/√ν_L. Objective (1/2P) Σ_μ (f_μ - y_μ)²; optionally centred output f - f_0 (θ → θ - θ(0)).

Equivalently f = θ·x/√D with θ = c W^{0T} g^1, g^L = w, g^l = W^{lT} g^{l+1}/√N_l (MLP) or
g^{L+1} = w, g^l = g^{l+1} + β W^{lT} g^{l+1}/√N (residual).

Reduced sampler (spec §3.1, §4, default). With e = w* - θ, Δ = y - Xθ/√D, v = (√D/P) X^T Δ (v = Λe for
population GD, the current batch for SGD) and r^1 = W^0 v/√D, r^{l+1} = W^l r^l/√N_l (MLP) or
r^{l+1} = r^l + β W^l r^l/√N (residual), the plain gradient of the objective times η gives [derived here]

    W^0 += (η0 γ0/√D) g^1 v^T,   W^l += (η0 γ0 m/√N_l) g^{l+1} r^{lT},   w += η0 γ0 r^top,

m = 1 (MLP) or β (residual), r^top = r^L (MLP) or r^{L+1} (residual). Derivation: ∂f_μ/∂W^0 = c g^1 x_μ^T/√D and
Σ_μ Δ_μ x_μ = P v/√D, so -η ∂Obj/∂W^0 = η c/D g^1 v^T = (η0 γ0/√D) g^1 v^T; for W^l, Σ_μ Δ_μ h^l_μ = (P/√D) r^l,
so -η ∂Obj/∂W^l = η c m/(√D √N_l) g^{l+1} r^{lT} = (η0 γ0 m/√N_l) g^{l+1} r^{lT}; for w, η c r^top/√D = η0 γ0 r^top.
These equal the spec §3.1 forms (with N → N_l for unequal widths, which §3.1 does not cover).

Brute-force sampler (spec §4): explicit per-sample activations (P×N per layer) and backpropagation of the MSE
objective from the same initial weights; θ for the exact test loss is read off explicit forward passes of the
basis inputs √D e_k (f(√D e_k) = θ_k). It must match the reduced sampler to <= 1e-9 relative.

Outputs per replicate (spec §2): test loss L(t) = (1/D) Σ_k λ_k e_k(t)² + σ² (exact), train loss (1/P)||Δ||²
(SGD: the batch loss; population GD: the population objective, equal to the test loss [choice]), per-class test
loss (1/D) Σ_{i∈k} λ_i e_i² for two-level data; t is the state before update t (t = 0: initialisation).

Randomness: replicate s of ``seed`` uses the seed with spawn key ``seed.spawn_key + (s,)`` (the s-th child of a
fresh ``seed.spawn``) and three sub-streams of it (spawn keys + (0,), (1,), (2,)): initial weights, teacher,
data (training set or SGD batches, and label noise). A replicate's trajectory is thus independent of the number
of replicates, their batching and chunking, and of η0 (the same seed reused over an η0 grid reuses the initial
weights and data). With ``teachers`` G, the teacher stream gives G teachers in turn (the first is the single one)
and the data stream one ε per replicate. Everything is float64 and vectorised over a leading replicate axis S
with batched ``matmul`` (BLAS is called per replicate, never with S inside a matrix dimension, so results are
bit-identical whatever the batch); the replicate axis is chunked so a chunk's arrays stay below ``MAX_CHUNK_BYTES``.

Speed [choice, issue 14]: the reduced sampler keeps every weight matrix as a base plus the rank-one updates not yet
added to it (:class:`DeferredWeights`), added every ``FLUSH_RANK`` updates by one matrix-matrix product; a
learning-rate sweep (``simulate(..., etas=...)``) trains each replicate at every η0 from one shared base, so each
product with it is one matrix-matrix product over the grid; so do a replicate's teachers (``teachers=G``). Both are
the same arithmetic up to rounding (a sweep's trajectory then depends on its grid, not on the other replicates).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

OPTIMISERS = ("full_batch", "sgd", "population")
ARCHITECTURES = ("mlp", "residual")
PARAMETERISATIONS = ("mup", "ntk")
DATASETS = ("isotropic", "power_law", "two_level")
METHODS = ("reduced", "brute")

#: a replicate is stopped once its test loss is non-finite or exceeds this factor times its initial value (§4).
DIVERGENCE_FACTOR = 1e6
#: memory bound of one chunk of replicates (spec §4) [choice].
MAX_CHUNK_BYTES = 0.5e9
#: speed bound of one chunk [choice]: batched BLAS streams every replicate's arrays through the cache once per
#: operation, so chunks larger than the cache run slower per replicate (measured: D = N = 400, 8 replicates
#: one by one ≈2× faster than batched; D = 100, batched ≈2× faster). Changes speed only, never results.
CACHE_CHUNK_BYTES = 8e6
#: pending rank-one updates of a weight matrix before one matrix-matrix product adds them (:class:`DeferredWeights`)
#: [choice]: 8 replicates of C0 (D = N = 400, T = 100) take 0.30 s at 8 to 64 and 0.32 s at 4 (the rank-one
#: additions they replace: 0.5 s). Changes the arrays only by rounding.
FLUSH_RANK = 16
#: eigenvalues of the two classes of the two-level spectrum (figA1), ω = 1 in both [choice, spec §2].
TWO_LEVEL_LAMBDAS = (2.0, 0.5)

Arrays = dict[str, np.ndarray]


# --------------------------------------------------------------------------------------------------
# configuration


@dataclass(frozen=True)
class TrainingConfig:
    """One training setting (spec §2); sizes N_l = round(ν_l D), P = round(αD), batch B = round(α_B D).

    ``D``, ``nu``, ``L``, ``alpha``, ``gamma0``, ``eta0``, ``T`` as in spec §2 (T = number of recorded states
    t = 0..T-1, i.e. T - 1 updates). ``gamma0`` is used in μP only; NTK uses γ0 = ``gamma_ref``/√ν_L.
    ``width_ratios`` = (ν_1, .., ν_L) gives unequal MLP widths (then ``nu`` is not used); c and η use N_L.
    ``alpha`` is not used by population GD nor by SGD (batch size ``alpha_B`` D).
    ``spectral_exponent`` a and ``source_exponent`` β apply to ``data='power_law'`` only.
    """

    D: int
    nu: float
    L: int
    alpha: float
    gamma0: float
    eta0: float
    T: int
    sigma: float = 0.0
    optimiser: str = "full_batch"
    alpha_B: float | None = None
    architecture: str = "mlp"
    beta0: float = 1.0
    depth_scaled: bool = True
    parameterisation: str = "mup"
    gamma_ref: float = 1.0
    data: str = "isotropic"
    spectral_exponent: float = 2.0
    source_exponent: float = 0.5
    width_ratios: tuple[float, ...] | None = None
    centred: bool = False

    def __post_init__(self) -> None:
        for name, allowed in (("optimiser", OPTIMISERS), ("architecture", ARCHITECTURES),
                              ("parameterisation", PARAMETERISATIONS), ("data", DATASETS)):
            if getattr(self, name) not in allowed:
                raise ValueError(f"unknown {name} {getattr(self, name)!r}; allowed: {', '.join(allowed)}")
        for name in ("D", "L", "T"):
            value = getattr(self, name)
            if int(value) != value or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        for name in ("nu", "gamma0", "gamma_ref"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)!r}")
        if not (self.eta0 >= 0 and self.sigma >= 0):
            raise ValueError("eta0 and sigma must be non-negative")
        if self.optimiser == "full_batch" and not self.alpha > 0:
            raise ValueError(f"alpha must be positive for full-batch GD, got {self.alpha!r}")
        if self.optimiser == "sgd" and not (self.alpha_B is not None and round(self.alpha_B * self.D) >= 1):
            raise ValueError(f"one-pass SGD needs alpha_B with round(alpha_B D) >= 1, got alpha_B={self.alpha_B!r}")
        if self.width_ratios is not None:
            if self.architecture != "mlp":
                raise ValueError("unequal widths (width_ratios) are implemented for the MLP only")
            if len(self.width_ratios) != self.L:
                raise ValueError(f"width_ratios needs L = {self.L} entries, got {len(self.width_ratios)}")
            object.__setattr__(self, "width_ratios", tuple(float(r) for r in self.width_ratios))
        if min(self.widths) < 1:
            raise ValueError(f"every width round(nu_l D) must be >= 1, got {self.widths}")
        if self.data == "power_law" and not self.spectral_exponent > 0:
            raise ValueError("spectral_exponent must be positive")

    # derived sizes and scales -------------------------------------------------------------------

    @property
    def ratios(self) -> tuple[float, ...]:
        """Width ratios ν_1..ν_L (all ν unless ``width_ratios``) [choice]."""
        return self.width_ratios if self.width_ratios is not None else (float(self.nu),) * self.L

    @property
    def widths(self) -> tuple[int, ...]:
        """Hidden widths N_l = round(ν_l D), l = 1..L [choice]."""
        return tuple(int(round(r * self.D)) for r in self.ratios)

    @property
    def P(self) -> int:
        """Training-set size P = round(αD) (full batch)."""
        return int(round(self.alpha * self.D))

    @property
    def batch(self) -> int:
        """SGD batch size B = round(α_B D)."""
        return int(round(self.alpha_B * self.D)) if self.alpha_B is not None else 0

    @property
    def n_samples(self) -> int:
        """Samples per step: P (full batch), B (SGD), 0 (population)."""
        return {"full_batch": self.P, "sgd": self.batch, "population": 0}[self.optimiser]

    @property
    def gamma(self) -> float:
        """Effective γ0: ``gamma0`` (μP) or γ_ref/√ν_L (NTK) [derived, spec §2]."""
        if self.parameterisation == "ntk":
            return self.gamma_ref / math.sqrt(self.widths[-1] / self.D)
        return float(self.gamma0)

    @property
    def c(self) -> float:
        """Output scale c = √D/(γ0 N_L) [choice, spec §2]."""
        return math.sqrt(self.D) / (self.gamma * self.widths[-1])

    @property
    def eta(self) -> float:
        """Raw learning rate η = η0 γ0² N_L on every array [choice, spec §2]."""
        return self.eta0 * self.gamma**2 * self.widths[-1]

    @property
    def beta(self) -> float:
        """Residual branch scale β = β0/√L (depth-scaled) or β0 [seed/choice, spec §2]."""
        return self.beta0 / math.sqrt(self.L) if self.depth_scaled else float(self.beta0)

    @property
    def b(self) -> float:
        """b = 1/(γ0 √ν_L): initial-function scale, E θ_k² = b² (MLP) at initialisation [derived, spec §2]."""
        return 1.0 / (self.gamma * math.sqrt(self.widths[-1] / self.D))


def spectrum(config: TrainingConfig) -> tuple[np.ndarray, np.ndarray]:
    """(λ_k, ω_k), k = 1..D [choice, spec §2]: isotropic λ = ω = 1; power law λ_k = k^{-a},
    λ_k ω_k = k^{-aβ-1} (β = ``source_exponent``); two-level λ = 2 on the first ⌊D/2⌋ coordinates and 0.5 on
    the rest, ω = 1."""
    D = config.D
    if config.data == "power_law":
        k = np.arange(1, D + 1, dtype=np.float64)
        lam = k ** (-config.spectral_exponent)
        return lam, k ** (-config.spectral_exponent * config.source_exponent - 1.0) / lam
    if config.data == "two_level":
        lam = np.where(np.arange(D) < D // 2, TWO_LEVEL_LAMBDAS[0], TWO_LEVEL_LAMBDAS[1])
        return lam.astype(np.float64), np.ones(D)
    return np.ones(D), np.ones(D)


def class_index(config: TrainingConfig) -> np.ndarray | None:
    """Class of each coordinate for two-level data (0: λ = 2, 1: λ = 0.5), else None [choice]."""
    if config.data != "two_level":
        return None
    return (np.arange(config.D) >= config.D // 2).astype(np.intp)


def initial_loss_mean(config: TrainingConfig) -> float:
    """E L(0) = ⟨λ(ω + b_eff²)⟩ + σ² exactly at any D [derived, spec §3.7]: E θ_k² = c² E|g^1|² with
    E|g^1|² = N_L (MLP, any widths) or N (1 + β²)^L (residual), so b_eff² = b² or b² (1 + β²)^L; centred: 0."""
    lam, omega = spectrum(config)
    b2 = 0.0 if config.centred else config.b**2
    if config.architecture == "residual":
        b2 *= (1.0 + config.beta**2) ** config.L
    return float(np.mean(lam * (omega + b2)) + config.sigma**2)


def least_squares_train_loss_mean(config: TrainingConfig) -> float:
    """Late-time full-batch train loss at α > 1: E min_θ (1/P)||y - Xθ/√D||² = σ²(P - D)/P [derived, §3.7]."""
    return config.sigma**2 * (config.P - config.D) / config.P


def least_squares_test_loss_mean(config: TrainingConfig) -> float:
    """Late-time full-batch test loss at α > 1, isotropic data: σ²(1 + D/(P - D - 1)) [derived, spec §3.7]."""
    return config.sigma**2 * (1.0 + config.D / (config.P - config.D - 1))


def record_times(T: int, dense: int = 1000, n_log: int = 200) -> np.ndarray:
    """Record steps [choice, spec §4]: every t < min(T, ``dense``), then about ``n_log`` log-spaced steps in
    [dense, T-1] (rounded, unique, T-1 included)."""
    t = np.arange(min(T, dense))
    if T > dense:
        tail = np.unique(np.round(np.geomspace(dense, T - 1, n_log)).astype(np.int64))
        t = np.unique(np.concatenate([t, tail, [T - 1]]))
    return t.astype(np.int64)


# --------------------------------------------------------------------------------------------------
# randomness and initial state


def _child(seed: np.random.SeedSequence, *keys: int) -> np.random.SeedSequence:
    return np.random.SeedSequence(seed.entropy, spawn_key=(*seed.spawn_key, *keys), pool_size=seed.pool_size)


def replicate_seed(seed: np.random.SeedSequence, s: int) -> np.random.SeedSequence:
    """Seed of replicate s: spawn key ``seed.spawn_key + (s,)``, i.e. the s-th child of a fresh
    ``seed.spawn(...)``, without mutating ``seed`` [choice]."""
    return _child(seed, int(s))


def _streams(seed: np.random.SeedSequence, s: int) -> tuple[np.random.Generator, ...]:
    """Generators (weights, teacher, data) of replicate s [choice]."""
    rs = replicate_seed(seed, s)
    return tuple(np.random.default_rng(_child(rs, j)) for j in range(3))


def _replicate_list(replicates: int | Sequence[int]) -> np.ndarray:
    if isinstance(replicates, int | np.integer):
        if replicates < 1:
            raise ValueError(f"replicates must be >= 1, got {replicates}")
        return np.arange(int(replicates))
    reps = np.asarray(replicates, dtype=np.int64)
    if reps.ndim != 1 or reps.size == 0 or (reps < 0).any():
        raise ValueError("replicates must be a positive count or a non-empty list of non-negative indices")
    return reps


def _draw_batch(config: TrainingConfig, gens: Sequence[np.random.Generator], n: int, sqrt_lam: np.ndarray,
                w_star: np.ndarray, teachers: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """n samples per replicate from its data stream: X = Z Λ^{1/2} (Z then ε drawn), y = Xw*/√D + σε for each of
    its ``teachers`` teachers (w_star (S·teachers, D), replicate-major; one ε per replicate). X (S, n, D),
    y (S·teachers, n)."""
    X, eps = np.empty((len(gens), n, config.D)), np.empty((len(gens), n))
    for g, x, e in zip(gens, X, eps, strict=True):  # drawn in place: the same numbers, no stacking copy
        g.standard_normal(out=x)
        g.standard_normal(out=e)
    X *= sqrt_lam
    y = _grouped_matvec(X, w_star, teachers) / math.sqrt(config.D) + config.sigma * np.repeat(eps, teachers, axis=0)
    return X, y


def draw_problem(config: TrainingConfig, seed: np.random.SeedSequence, replicates: int | Sequence[int],
                 teachers: int = 1) -> Arrays:
    """Initial weights, teachers and (full batch) training set of the given replicates, stacked on axis 0 [choice].

    Weights stream: w (N_L), W^0 (N_1×D), then W^1.. (MLP: W^l is N_{l+1}×N_l, l < L; residual: N×N, l = 1..L),
    all N(0, 1). Teacher stream: ``teachers`` teachers one after another, each w* ~ N(0, ω) (isotropic,
    two-level) or ±√ω_k with random signs (power law). Data stream (full batch): Z (P×D) then ε (P);
    X = Z Λ^{1/2}, y = Xw*/√D + σε per teacher. Keys: ``w``, ``W0``, ``hidden`` (list), ``w_star`` and, for full
    batch, ``X`` (per replicate) and ``y``; ``w_star`` and ``y`` have S·teachers rows, replicate-major.
    """
    reps = _replicate_list(replicates)
    streams = [_streams(seed, s) for s in reps]
    return _draw_chunk(config, streams, teachers)


def _draw_chunk(config: TrainingConfig, streams: Sequence[tuple[np.random.Generator, ...]],
                teachers: int = 1) -> Arrays:
    widths, D = config.widths, config.D
    lam, omega = spectrum(config)
    n_hidden = config.L - 1 if config.architecture == "mlp" else config.L
    shapes = [(widths[l + 1], widths[l]) if config.architecture == "mlp" else (widths[0], widths[0])
              for l in range(n_hidden)]
    S = len(streams)
    w, W0, w_star = np.empty((S, widths[-1])), np.empty((S, widths[0], D)), np.empty((S, teachers, D))
    hidden = [np.empty((S, *shape)) for shape in shapes]
    for s, (gw, gt, _) in enumerate(streams):  # drawn in place, in the stream order above
        gw.standard_normal(out=w[s])
        gw.standard_normal(out=W0[s])
        for h in hidden:
            gw.standard_normal(out=h[s])
        for teacher in w_star[s]:
            if config.data == "power_law":
                teacher[:] = (2.0 * gt.integers(0, 2, size=D) - 1.0) * np.sqrt(omega)
            else:
                teacher[:] = gt.standard_normal(D) * np.sqrt(omega)
    out = {"w": w, "W0": W0, "w_star": w_star.reshape(S * teachers, D), "hidden": hidden}
    if config.optimiser == "full_batch":
        out["X"], out["y"] = _draw_batch(config, [s[2] for s in streams], config.P, np.sqrt(lam), out["w_star"],
                                         teachers)
    return out


# --------------------------------------------------------------------------------------------------
# batched linear algebra (BLAS per replicate)


def _matvec(A, x: np.ndarray) -> np.ndarray:
    """(S, m, n) @ (S, n) -> (S, m); ``A`` may be :class:`DeferredWeights`."""
    if isinstance(A, DeferredWeights):
        return A.matvec(x)
    return np.matmul(A, x[..., None])[..., 0]


def _vecmat(x: np.ndarray, A) -> np.ndarray:
    """(S, m) @ (S, m, n) -> (S, n); ``A`` may be :class:`DeferredWeights`."""
    if isinstance(A, DeferredWeights):
        return A.vecmat(x)
    return np.matmul(x[:, None, :], A)[:, 0, :]


def _grouped_matvec(A: np.ndarray, x: np.ndarray, group: int) -> np.ndarray:
    """(S, m, n) matrices applied to (S·group, n) vectors, ``group`` consecutive vectors per matrix: one
    matrix-matrix product per matrix (BLAS-3) when group > 1 [choice]. Returns (S·group, m)."""
    if group == 1:
        return _matvec(A, x)
    S, m, n = A.shape
    product = np.matmul(A, x.reshape(S, group, n).transpose(0, 2, 1)).transpose(0, 2, 1)
    return np.ascontiguousarray(product).reshape(S * group, m)  # C order whatever S (BLAS paths depend on it)


def _grouped_vecmat(x: np.ndarray, A: np.ndarray, group: int) -> np.ndarray:
    """(S·group, m) vectors times (S, m, n) matrices, ``group`` consecutive vectors per matrix. (S·group, n)."""
    if group == 1:
        return _vecmat(x, A)
    S, m, n = A.shape
    return np.matmul(x.reshape(S, group, m), A).reshape(S * group, n)


class DeferredWeights:
    """The weight matrices of J = S·group trajectories, W_j = B_{s(j)} + Σ_{i<k} a_{j,i} b_{j,i}^T: a dense
    base per replicate s (shared by the ``group`` trajectories of one replicate, e.g. the learning rates of a sweep,
    which start from the same weights) plus the k rank-one GD updates not yet added to it [choice, issue 14].

    The pending factors are stored as ``A`` (J, rank, m) and ``B`` (J, rank, n), rows a_i and b_i. Products
    W_j x = base x + Σ_i a_i (b_i · x) cost one matrix-vector product with the base (a matrix-matrix product over
    the group) and O(k (m + n)) for the pending updates. Once ``rank`` updates are pending (group 1 only) they are
    added to the base by one matrix-matrix product, base += Aᵀ B (BLAS-3), instead of ``rank`` rank-one passes over
    the matrix: the same weights up to rounding. A sweep (group > 1) never flushes (``rank`` >= the number of
    updates), so its trajectories share the base throughout. Every product is per replicate (batched ``matmul``),
    so a trajectory's result does not depend on the number of replicates in a chunk."""

    def __init__(self, base: np.ndarray, group: int, rank: int):
        S, m, n = base.shape
        self.base, self.group, self.rank, self.pending = base.copy(), group, rank, 0
        self.A = np.zeros((S * group, rank, m))
        self.B = np.zeros((S * group, rank, n))

    def matvec(self, x: np.ndarray) -> np.ndarray:
        """W_j x_j for x (J, n): (J, m)."""
        out = _grouped_matvec(self.base, x, self.group)
        if self.pending:
            k = self.pending
            c = np.matmul(self.B[:, :k], x[..., None])  # (J, k, 1)
            out += np.matmul(c.transpose(0, 2, 1), self.A[:, :k])[:, 0, :]
        return out

    def vecmat(self, y: np.ndarray) -> np.ndarray:
        """y_j^T W_j for y (J, m): (J, n)."""
        out = _grouped_vecmat(y, self.base, self.group)
        if self.pending:
            k = self.pending
            c = np.matmul(self.A[:, :k], y[..., None])
            out += np.matmul(c.transpose(0, 2, 1), self.B[:, :k])[:, 0, :]
        return out

    def add(self, a: np.ndarray, b: np.ndarray, alive: np.ndarray) -> None:
        """W_j += a_j b_j^T for the trajectories still alive (the others stay frozen)."""
        if self.pending == self.rank:
            if self.group != 1:
                raise RuntimeError("a shared base cannot absorb per-trajectory updates (rank too small)")
            self.base += np.matmul(self.A.transpose(0, 2, 1), self.B)
            self.pending = 0
        self.A[:, self.pending] = np.where(alive[:, None], a, 0.0)
        self.B[:, self.pending] = np.where(alive[:, None], b, 0.0)
        self.pending += 1


def _outer(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Batched outer product (S, m) x (S, n) -> (S, m, n)."""
    return a[:, :, None] * b[:, None, :]


def _t(A: np.ndarray) -> np.ndarray:
    return A.transpose(0, 2, 1)


# --------------------------------------------------------------------------------------------------
# the network: fields, explicit forward pass, updates


def backward_fields(config: TrainingConfig, W0: np.ndarray, hidden: Sequence[np.ndarray],
                    w: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Backward fields and θ [derived, spec §2]: MLP g^L = w, g^l = W^{lT} g^{l+1}/√N_l; residual g^{L+1} = w,
    g^l = g^{l+1} + β W^{lT} g^{l+1}/√N; θ = c W^{0T} g^1. Returns ([g^1, .., g^top], θ), arrays (S, ·)."""
    widths = config.widths
    g = [w]
    for l in range(len(hidden), 0, -1):  # W^l = hidden[l-1]
        back = _vecmat(g[0], hidden[l - 1]) / math.sqrt(widths[l - 1 if config.architecture == "mlp" else 0])
        g.insert(0, g[0] + config.beta * back if config.architecture == "residual" else back)
    return g, config.c * _vecmat(g[0], W0)


def forward_fields(config: TrainingConfig, W0: np.ndarray, hidden: Sequence[np.ndarray],
                   v: np.ndarray) -> list[np.ndarray]:
    """Error-weighted forward fields [derived, spec §3.1]: r^1 = W^0 v/√D, r^{l+1} = W^l r^l/√N_l (MLP) or
    r^l + β W^l r^l/√N (residual). Returns [r^1, .., r^top]."""
    widths = config.widths
    r = [_matvec(W0, v) / math.sqrt(config.D)]
    for l, W in enumerate(hidden, start=1):
        fwd = _matvec(W, r[-1]) / math.sqrt(widths[l - 1 if config.architecture == "mlp" else 0])
        r.append(r[-1] + config.beta * fwd if config.architecture == "residual" else fwd)
    return r


def _forward_activations(config: TrainingConfig, W0: np.ndarray, hidden: Sequence[np.ndarray],
                         X: np.ndarray) -> list[np.ndarray]:
    """Explicit activations H^1 = X W^{0T}/√D, H^{l+1} = H^l W^{lT}/√N_l (+ H^l, times β, residual); (S, n, N)."""
    widths = config.widths
    H = [np.matmul(X, _t(W0)) / math.sqrt(config.D)]
    for l, W in enumerate(hidden, start=1):
        z = np.matmul(H[-1], _t(W)) / math.sqrt(widths[l - 1 if config.architecture == "mlp" else 0])
        H.append(H[-1] + config.beta * z if config.architecture == "residual" else z)
    return H


def _explicit_outputs(config: TrainingConfig, W0: np.ndarray, hidden: Sequence[np.ndarray], w: np.ndarray,
                      X: np.ndarray) -> np.ndarray:
    """f(x_μ) = c w·h^top(x_μ) by explicit forward passes, (S, n)."""
    return config.c * _matvec(_forward_activations(config, W0, hidden, X)[-1], w)


def _explicit_theta(config: TrainingConfig, W0: np.ndarray, hidden: Sequence[np.ndarray],
                    w: np.ndarray) -> np.ndarray:
    """θ_k = f(√D e_k) by explicit forward passes of the D basis inputs (brute force only)."""
    basis = np.broadcast_to(math.sqrt(config.D) * np.eye(config.D), (W0.shape[0], config.D, config.D))
    return _explicit_outputs(config, W0, hidden, w, basis)


class _State:
    """Weights of one chunk of trajectories, updated in place; ``theta0`` (J, D) for centred outputs. Reduced
    sampler: :class:`DeferredWeights` (rank-one updates); brute force: dense (S, m, n) arrays (dense updates)."""

    def __init__(self, problem: Arrays, group: int = 1, rank: int | None = None):
        if rank is None:
            self.W0 = problem["W0"].copy()
            self.hidden = [h.copy() for h in problem["hidden"]]
        else:
            self.W0 = DeferredWeights(problem["W0"], group, rank)
            self.hidden = [DeferredWeights(h, group, rank) for h in problem["hidden"]]
        self.w = np.repeat(problem["w"], group, axis=0)
        self.theta0: np.ndarray | None = None
        self.init: tuple | None = None  # copy of the initial weights (brute force, centred SGD)

    def apply(self, dW0, dhidden: Sequence, dw: np.ndarray, alive: np.ndarray) -> None:
        """Add the updates to the trajectories still alive (stopped ones stay frozen). A matrix update is a
        rank-one pair (a, b) meaning a b^T (reduced) or a dense (S, m, n) array (brute force)."""
        for W, d in zip([self.W0, *self.hidden], [dW0, *dhidden], strict=True):
            if isinstance(d, tuple):
                W.add(*d, alive)
            else:
                for s in np.flatnonzero(alive):
                    W[s] += d[s]
        self.w += np.where(alive[:, None], dw, 0.0)


def reduced_update(config: TrainingConfig, g: Sequence[np.ndarray], v: np.ndarray, r: Sequence[np.ndarray],
                   eta0: float | np.ndarray | None = None) -> tuple[tuple, list[tuple], np.ndarray]:
    """Rank-one GD updates [derived, equal to spec §3.1]: ΔW^0 = (η0γ0/√D) g^1 v^T,
    ΔW^l = (η0γ0 m/√N_l) g^{l+1} r^{lT} (m = 1 MLP, β residual), Δw = η0γ0 r^top (all fields at the old weights).
    Returns the factor pairs (a, b) with ΔW = a b^T: ((a^0, v), [(a^l, r^l), l = 1..], Δw). ``eta0``: the
    config's, or one per trajectory, shape (J, 1) (a learning-rate sweep)."""
    k = (config.eta0 if eta0 is None else eta0) * config.gamma
    widths = config.widths
    dhidden = []
    for l in range(1, len(g)):  # W^l, l = 1..L-1 (MLP) or 1..L (residual)
        if config.architecture == "mlp":
            dhidden.append((k / math.sqrt(widths[l - 1]) * g[l], r[l - 1]))
        else:
            dhidden.append((k * config.beta / math.sqrt(widths[0]) * g[l], r[l - 1]))
    return (k / math.sqrt(config.D) * g[0], v), dhidden, k * r[-1]


def _reduced_step(config: TrainingConfig, state: _State, e: np.ndarray, g: list[np.ndarray], theta: np.ndarray,
                  X: np.ndarray | None, y: np.ndarray | None, lam: np.ndarray, group: int = 1,
                  eta0: np.ndarray | None = None) -> tuple[np.ndarray, tuple]:
    """Train loss and updates of one reduced step: Δ = y - Xθ/√D, v = (√D/n) X^T Δ (population: v = Λe). The data
    X (S, n, D) are shared by the ``group`` trajectories of a replicate; y is (J, n)."""
    if X is None:
        v, train = lam * e, None
    else:
        delta = y - _grouped_matvec(X, theta, group) / math.sqrt(config.D)
        v = _grouped_vecmat(delta, X, group) * (math.sqrt(config.D) / X.shape[1])
        train = _row_sum(delta * delta) / X.shape[1]
    r = forward_fields(config, state.W0, state.hidden, v)
    return train, reduced_update(config, g, v, r, eta0)


def _brute_step(config: TrainingConfig, state: _State, X: np.ndarray, y: np.ndarray,
                f0: np.ndarray | None) -> tuple[np.ndarray, tuple]:
    """Train loss and updates by explicit activations and backpropagation of (1/2n) Σ_μ (f_μ - y_μ)²."""
    H = _forward_activations(config, state.W0, state.hidden, X)
    f = config.c * _matvec(H[-1], state.w)
    if f0 is not None:
        f = f - f0
    resid = f - y
    train = _row_sum(resid * resid) / X.shape[1]
    delta = resid / X.shape[1]  # ∂Obj/∂f_μ
    grad_w = config.c * _vecmat(delta, H[-1])
    dH = config.c * _outer(delta, state.w)  # ∂Obj/∂H^top
    grads = []
    for l in range(len(state.hidden), 0, -1):
        W = state.hidden[l - 1]
        if config.architecture == "mlp":
            s = math.sqrt(config.widths[l - 1])
            grads.insert(0, np.matmul(_t(dH), H[l - 1]) / s)
            dH = np.matmul(dH, W) / s
        else:
            s = config.beta / math.sqrt(config.widths[0])
            grads.insert(0, s * np.matmul(_t(dH), H[l - 1]))
            dH = dH + s * np.matmul(dH, W)
    grad_W0 = np.matmul(_t(dH), X) / math.sqrt(config.D)
    eta = config.eta
    return train, (-eta * grad_W0, [-eta * G for G in grads], -eta * grad_w)


# --------------------------------------------------------------------------------------------------
# the simulation driver


def _update_rank(config: TrainingConfig, group: int) -> int:
    """Pending rank-one updates before they are added to the base (:class:`DeferredWeights`): ``FLUSH_RANK``, or
    every update of the run for a group (learning rates, teachers) sharing its base."""
    return FLUSH_RANK if group == 1 else max(config.T - 1, 1)


def _chunk_bytes_per_replicate(config: TrainingConfig, method: str, etas: int = 1, teachers: int = 1) -> int:
    """float64 bytes per replicate: weights (with update temporaries and a copy; one set per teacher for the brute
    force), pending updates of its etas·teachers trajectories, data, brute activations."""
    group = etas * teachers
    widths, D = config.widths, config.D
    n_hidden = config.L - 1 if config.architecture == "mlp" else config.L
    shapes = [(widths[l + 1], widths[l]) if config.architecture == "mlp" else (widths[0], widths[0])
              for l in range(n_hidden)]
    weights = widths[0] * D + sum(a * b for a, b in shapes) + widths[-1]
    pending = group * _update_rank(config, group) * sum(a + b for a, b in [(widths[0], D), *shapes])
    n = config.n_samples
    data = n * (D + 2 * group)
    if method != "brute":
        return 8 * (3 * weights + 2 * pending + data)
    acts = 3 * (config.L + 2) * (n + D) * max(widths) + D * D
    return 8 * teachers * (3 * weights + 2 * pending + data + acts)


def _row_sum(x: np.ndarray) -> np.ndarray:
    """Row sums of a C-ordered copy: the same summation order per row whatever the number of rows."""
    return np.ascontiguousarray(x).sum(axis=-1)


def _nan_inf(x: np.ndarray) -> np.ndarray:
    return np.where(np.isnan(x), np.inf, x)


def _per_trajectory(x: np.ndarray, K: int, teachers: int) -> np.ndarray:
    """Rows per (replicate, teacher), (S·teachers, ...), repeated over the K learning rates: (S·K·teachers, ...) in
    trajectory order j = (s·K + k)·teachers + g (np.repeat(x, K, axis=0) for one teacher)."""
    S = x.shape[0] // teachers
    grid = np.broadcast_to(x.reshape(S, 1, teachers, *x.shape[1:]), (S, K, teachers, *x.shape[1:]))
    return grid.reshape(S * K * teachers, *x.shape[1:])


def _one_base_per_trajectory(problem: Arrays, teachers: int) -> Arrays:
    """The brute-force sampler's copy of ``problem`` with each replicate's weights and data repeated for its
    ``teachers`` teachers (dense per-trajectory weights: no shared base)."""
    out = dict(problem)
    for key in ("w", "W0", "X"):
        if key in out:
            out[key] = np.repeat(out[key], teachers, axis=0)
    out["hidden"] = [np.repeat(h, teachers, axis=0) for h in problem["hidden"]]
    return out


def _simulate_chunk(config: TrainingConfig, seed: np.random.SeedSequence, reps: np.ndarray, method: str,
                    times: np.ndarray, etas: np.ndarray, teachers: int = 1) -> Arrays:
    """Trajectories j = (s·K + k)·teachers + g: replicate s, learning rate etas[k] (K = len(etas)), teacher g;
    records (J, ...). The reduced sampler shares one weight base and the data among the K·teachers trajectories of
    a replicate; the brute-force one (K = 1) copies them."""
    streams = [_streams(seed, s) for s in reps]
    data_gens = [s[2] for s in streams]
    problem = _draw_chunk(config, streams, teachers)
    lam, _ = spectrum(config)
    sqrt_lam = np.sqrt(lam)
    classes = class_index(config)
    K, D, T = len(etas), config.D, config.T
    J = len(reps) * K * teachers
    eta0 = np.tile(np.repeat(etas, teachers), len(reps))[:, None]
    w_star = _per_trajectory(problem["w_star"], K, teachers)
    brute = method == "brute"
    if brute and teachers > 1:
        problem = _one_base_per_trajectory(problem, teachers)
    group = 1 if brute else K * teachers  # trajectories per weight base (and per data set)
    state = _State(problem, group, None if brute else _update_rank(config, group))
    if brute or config.centred:
        state.init = (problem["W0"], problem["hidden"], problem["w"])
    if config.centred:
        state.theta0 = (_explicit_theta(config, *state.init) if brute
                        else backward_fields(config, state.W0, state.hidden, state.w)[1])
    X_fb, y_fb = problem.get("X"), problem.get("y")
    y_fb_traj = None if y_fb is None or brute else _per_trajectory(y_fb, K, teachers)  # the full batch's y
    f0_fb = (_explicit_outputs(config, *state.init, X_fb)
             if brute and config.centred and X_fb is not None else None)

    n_rec = len(times)
    column = np.full(T, -1, dtype=np.int64)
    column[times] = np.arange(n_rec)
    test_rec = np.full((J, n_rec), np.inf)
    train_rec = np.full((J, n_rec), np.inf)
    class_rec = np.full((J, 2, n_rec), np.inf) if classes is not None else None
    alive = np.ones(J, dtype=bool)
    diverged_at = np.full(J, -1, dtype=np.int64)
    test0 = None

    with np.errstate(all="ignore"):
        for t in range(T):
            if config.optimiser == "sgd":
                X, y = _draw_batch(config, data_gens, config.batch, sqrt_lam, problem["w_star"], teachers)
                if brute and teachers > 1:
                    X = np.repeat(X, teachers, axis=0)
            else:
                X, y = X_fb, y_fb
            if brute:
                theta = _explicit_theta(config, state.W0, state.hidden, state.w)
            else:
                g, theta = backward_fields(config, state.W0, state.hidden, state.w)
            if state.theta0 is not None:
                theta = theta - state.theta0
            e = w_star - theta
            le = lam * e * e
            test = _row_sum(le) / D + config.sigma**2
            last = t == T - 1
            if brute:
                f0 = f0_fb if config.optimiser == "full_batch" else (
                    _explicit_outputs(config, *state.init, X) if config.centred else None)
                train, updates = _brute_step(config, state, X, y, f0)
            else:
                y_traj = _per_trajectory(y, K, teachers) if config.optimiser == "sgd" else y_fb_traj
                train, updates = _reduced_step(config, state, e, g, theta, X, y_traj, lam, group, eta0)
            if train is None:
                train = test
            if test0 is None:
                test0 = test.copy()
            bad = alive & ~(np.isfinite(test) & np.isfinite(train) & (test <= DIVERGENCE_FACTOR * test0))
            col = column[t]
            if col >= 0:
                test_rec[:, col] = np.where(alive, _nan_inf(test), np.inf)
                train_rec[:, col] = np.where(alive, _nan_inf(train), np.inf)
                if class_rec is not None:
                    per_class = np.stack([_row_sum(le[:, classes == k]) / D for k in range(2)], axis=1)
                    class_rec[:, :, col] = np.where(alive[:, None], _nan_inf(per_class), np.inf)
            diverged_at[bad] = t
            alive &= ~bad
            if not alive.any():
                break
            if not last:
                state.apply(*updates, alive)
    out = {"test_loss": test_rec, "train_loss": train_rec, "diverged": diverged_at >= 0, "diverged_at": diverged_at}
    if class_rec is not None:
        out["class_loss"] = class_rec
    return out


def simulate(config: TrainingConfig, seed: np.random.SeedSequence, replicates: int | Sequence[int] = 1,
             method: str = "reduced", times: Sequence[int] | None = None, etas: Sequence[float] | None = None,
             teachers: int = 1, max_chunk_bytes: float = MAX_CHUNK_BYTES,
             cache_chunk_bytes: float | None = CACHE_CHUNK_BYTES) -> Arrays:
    """Train ``replicates`` independent networks (data, teacher, initial weights) and record their losses.

    ``replicates``: a count S (replicates 0..S-1) or a list of replicate indices; replicate s's trajectory
    depends only on (config, seed, s) [choice]. ``method``: ``'reduced'`` (rank-one fields, §3.1) or
    ``'brute'`` (explicit activations and backprop; full batch and SGD only). ``times``: recorded steps
    (default every t = 0..T-1; see :func:`record_times`). The replicate axis is chunked so a chunk's arrays
    stay below ``max_chunk_bytes`` and, for speed, ``cache_chunk_bytes`` (None: no speed bound); at least one
    replicate per chunk; results do not depend on the chunking. ``etas``: a learning-rate sweep (reduced sampler
    only): every replicate is trained at each η0 of the list (``config.eta0`` is not used) from the same initial
    weights and data, its trajectories sharing one weight base (:class:`DeferredWeights`); the loss arrays then
    have a leading η0 axis, (K, S, ...), and a trajectory depends on (config, seed, s, etas). ``teachers`` G > 1:
    every replicate trains G teachers (G draws of its teacher stream, the first one the single teacher's) from the
    same initial weights and data, its trajectories sharing one weight base as a sweep's do; the arrays then have
    a teacher axis after the replicate axis, (S, G, ...) or (K, S, G, ...) [choice, issue 13: with weights and
    data shared the loss varies across teachers as much as across replicates (C0, D = 200), so a replicate's
    teacher mean is a G-fold sample at one matrix-matrix product per layer and step].

    Returns ``t`` (n,), ``test_loss`` (S, n) = (1/D) Σ λ_k e_k² + σ², ``train_loss`` (S, n) = (1/P)||Δ||² (SGD:
    batch loss; population: = test loss), ``diverged`` (S,) bool, ``diverged_at`` (S,) (first step whose test
    loss is non-finite or > 1e6 × the initial one, or whose train loss is non-finite; -1 if none; the replicate
    is frozen there, its loss at that step is recorded (NaN as +inf) and its later losses are +inf),
    ``replicates`` (S,), and for two-level data ``class_loss`` (S, 2, n) = (1/D) Σ_{i∈class} λ_i e_i² (classes
    λ = 2, 0.5) [choice, spec §2, §4].
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; allowed: {', '.join(METHODS)}")
    if etas is not None and method != "reduced":
        raise ValueError("a learning-rate sweep (etas) needs the reduced sampler")
    if method == "brute" and config.optimiser == "population":
        raise ValueError("the brute-force sampler needs data: use full_batch or sgd")
    reps = _replicate_list(replicates)
    t = np.arange(config.T, dtype=np.int64) if times is None else np.asarray(times, dtype=np.int64)
    if t.ndim != 1 or t.size == 0 or (np.diff(t) <= 0).any() or t[0] < 0 or t[-1] >= config.T:
        raise ValueError(f"times must be increasing steps in [0, T-1 = {config.T - 1}]")
    grid = np.array([config.eta0] if etas is None else etas, dtype=np.float64)
    if grid.ndim != 1 or grid.size == 0 or (grid < 0).any():
        raise ValueError("etas must be a non-empty list of non-negative learning rates")
    if int(teachers) != teachers or teachers < 1:
        raise ValueError(f"teachers must be a positive integer, got {teachers!r}")
    teachers = int(teachers)
    bound = max_chunk_bytes if cache_chunk_bytes is None else min(max_chunk_bytes, cache_chunk_bytes)
    per_chunk = max(1, int(bound // _chunk_bytes_per_replicate(config, method, grid.size, teachers)))
    parts = [_simulate_chunk(config, seed, reps[i:i + per_chunk], method, t, grid, teachers)
             for i in range(0, len(reps), per_chunk)]
    out = {key: np.concatenate([p[key] for p in parts], axis=0) for key in parts[0]}
    if teachers > 1:  # (S·K·G, ...) trajectories -> (S, K, G, ...)
        out = {key: v.reshape(len(reps), grid.size, teachers, *v.shape[1:]) for key, v in out.items()}
        out = {key: v[:, 0] if etas is None else np.swapaxes(v, 0, 1) for key, v in out.items()}
    elif etas is not None:  # (S·K, ...) trajectories, replicate-major -> (K, S, ...)
        out = {key: np.swapaxes(v.reshape(len(reps), grid.size, *v.shape[1:]), 0, 1) for key, v in out.items()}
    out["t"] = t
    out["replicates"] = reps
    return out


def throughput(config: TrainingConfig, method: str = "reduced", replicates: int = 1, repeats: int = 3,
               seed: np.random.SeedSequence | None = None) -> float:
    """Measured replicate-steps per second, S (T - 1) / (median wall time of ``repeats`` runs of :func:`simulate`)
    [choice]. Measured (AMD EPYC, one BLAS thread, idle, full batch, L = 2, α = 2, ν = 1): reduced D = N = 400
    ≈ 2300 steps/s (one or 8 replicates); D = 200 reduced ≈ 6900 steps/s, brute force ≈ 180 steps/s (≈ 38× slower)."""
    seed = np.random.SeedSequence(0) if seed is None else seed
    walls = []
    for _ in range(repeats):
        start = time.perf_counter()
        simulate(config, seed, replicates, method=method)
        walls.append(time.perf_counter() - start)
    return replicates * max(config.T - 1, 1) / float(np.median(walls))

"""Samples per second of the exact reductions against the brute-force networks (all four documents).

    python benchmarks/throughput.py            # nica: n = 100, d in {10, 100}; bassetti: N = 30, L = 15;
                                               # hayou: n = 16, L = 64; bordelon: C0 at D = 200
    python benchmarks/throughput.py --quick    # fewer samples (a rough check)

Each sampler draws the law of the same network (n = 100 hidden width, n_in = n_out = 10, Gaussian
weights); the ratio column is reduced / brute-force throughput for the matching observable
(forward samplers against the forward brute force, tangent samplers against the brute-force tangent;
MLP rows against the brute-force MLP, standard-ResNet rows (alpha^2 = 0.5) against the brute-force ResNet).
Timings are single-process wall time (BLAS threads as the environment sets them).

The O(nd) samplers and the brute force are bound by drawing Gaussians: their ``x RNG floor`` column is their
throughput over the throughput of drawing just their d layers' normals (n a layer for the vector trick, 2n for the
Gram trick, n^2 for the brute force's weights), drawn as they draw them (chunks of (1024, n) from the generators
``deeplimits.rng`` hands out). 1 would mean nothing but the random numbers costs time.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from deeplimits.models import training
from deeplimits.models.infdepth import samplers as infdepth
from deeplimits.models.linear.samplers import bartlett_factor, brute_linear, mixture_outputs
from deeplimits.models.networks.brute import brute_network
from deeplimits.models.networks.mlp import bartlett_tangent, chi2_mlp
from deeplimits.models.networks.resnet import gram_tangent, vector_network
from deeplimits.rng import setting_seed

N, N_IN, N_OUT = 100, 10, 10


def _rate(fn, samples: int) -> float:
    fn(64)  # warm-up (imports, allocator)
    start = time.perf_counter()
    fn(samples)
    return samples / (time.perf_counter() - start)


#: normals a sampler draws per layer and sample (the Gaussian-bound samplers of ``samplers``)
NORMALS_PER_LAYER = {"vector_network(mlp)": N, "vector_network(std)": N, "gram_tangent(mlp)": 2 * N,
                     "gram_tangent(std)": 2 * N, "brute_forward": N * N, "brute_tangent": N * N,
                     "brute_std_forward": N * N, "brute_std_tangent": N * N}


def normals_per_second(quick: bool) -> float:
    """Standard normals per second, drawn in (1024, N) blocks as the samplers draw them."""
    rng = np.random.Generator(np.random.PCG64(setting_seed(0, "benchmark", "normals")))
    blocks = 200 if quick else 2000
    rng.standard_normal((1024, N))  # warm-up
    start = time.perf_counter()
    for _ in range(blocks):
        rng.standard_normal((1024, N))
    return blocks * 1024 * N / (time.perf_counter() - start)


def samplers(d: int):
    """name -> (sampler of a sample count, name of the brute-force sampler it replaces)."""
    seed = setting_seed(0, "benchmark", f"d={d}")
    common = {"seed": seed, "chunk_size": 1024}
    brute = {"widths": [N] * (d + 1), "n_in": N_IN, "n_out": N_OUT, "weights": "gaussian", "depths": None,
             "seed": seed, "chunk_size": 256}
    resnet = {"arch": "standard", "n": N, "alpha2": 0.5, "n_in": N_IN, "n_out": N_OUT}
    return {
        "chi2_mlp": (lambda s: chi2_mlp(widths=[N] * (d + 1), n_out=N_OUT, c=0.0, n_samples=s, **common),
                     "brute_forward"),
        "vector_network(mlp)": (lambda s: vector_network(arch="mlp", n=N, depths=[d], alpha2=0.0, n_in=N_IN,
                                                         n_out=N_OUT, n_samples=s, **common), "brute_forward"),
        "gram_tangent(mlp)": (lambda s: gram_tangent(arch="mlp", n=N, d=d, alpha2=0.0, n_in=N_IN, n_out=N_OUT,
                                                     n_samples=s, **common), "brute_tangent"),
        "bartlett_tangent(mlp)": (lambda s: bartlett_tangent(n=N, d=d, n_in=N_IN, n_out=N_OUT, n_samples=s,
                                                             **common), "brute_tangent"),
        "vector_network(std)": (lambda s: vector_network(depths=[d], n_samples=s, **resnet, **common),
                                "brute_std_forward"),
        "gram_tangent(std)": (lambda s: gram_tangent(d=d, n_samples=s, **resnet, **common), "brute_std_tangent"),
        "brute_forward": (lambda s: brute_network(arch="mlp", alpha2=0.0, tangent=False, n_samples=s, **brute),
                          None),
        "brute_tangent": (lambda s: brute_network(arch="mlp", alpha2=0.0, tangent=True, n_samples=s, **brute), None),
        "brute_std_forward": (lambda s: brute_network(arch="standard", alpha2=0.5, tangent=False, n_samples=s,
                                                      **brute), None),
        "brute_std_tangent": (lambda s: brute_network(arch="standard", alpha2=0.5, tangent=True, n_samples=s,
                                                      **brute), None),
    }


def linear_samplers():
    """bassetti (spec T1 setting): deep linear network N = 30, L = 15, N_0 = 8, P = 3, D = 2, outputs S."""
    seed = setting_seed(0, "benchmark", "linear")
    x = np.random.default_rng(0).standard_normal((8, 3))
    kernel = x.T @ x / 8
    widths = [30] * 15

    def mixture(s):
        b = bartlett_factor(widths=widths, D=2, seed=seed, n_samples=s, chunk_size=4096)["B"]
        return mixture_outputs(B=b, K=kernel, seed=seed, chunk_size=4096)

    return {
        "bartlett + mixture (S)": (mixture, "brute_linear (S)"),
        "brute_linear (S)": (lambda s: brute_linear(widths=widths, X=x, D=2, seed=seed, n_samples=s, chunk_size=256),
                             None),
    }


def infdepth_samplers():
    """hayou: ReLU ResNet of width n = 16, depth L = 64, one input (S1 vs S4) and two inputs (S3 vs S4)."""
    seed = setting_seed(0, "benchmark", "infdepth")
    net = {"n": 16, "depth": 64, "phi": "relu", "seed": seed}
    return {
        "euler_single (S1)": (lambda s: infdepth.euler_single(n_samples=s, chunk_size=4096, **net),
                              "explicit_network (S4, 1 input)"),
        "gram_multi (S3, 2 inputs)": (lambda s: infdepth.gram_multi(n_samples=s, chunk_size=4096, **net),
                                      "explicit_network (S4, 2 inputs)"),
        "explicit_network (S4, 1 input)": (lambda s: infdepth.explicit_network(
            inputs=np.ones((1, 1)), n_samples=s, chunk_size=256, **net), None),
        "explicit_network (S4, 2 inputs)": (lambda s: infdepth.explicit_network(
            inputs=infdepth.pair_inputs(0.5), n_samples=s, chunk_size=256, **net), None),
    }


def training_samplers():
    """bordelon: replicate-steps of full-batch GD at C0 (alpha = 2, L = 2, nu = 1) with D = 200, T = 50."""
    seed = setting_seed(0, "benchmark", "training")
    config = training.TrainingConfig(D=200, nu=1.0, L=2, alpha=2.0, gamma0=1.0, eta0=0.05, T=51)

    def run(method):
        return lambda s: training.simulate(config, seed, max(1, s // 50), method=method)

    return {"reduced (rank-one fields)": (run("reduced"), "brute (explicit activations)"),
            "brute (explicit activations)": (run("brute"), None)}


def budget(name: str, d: int, quick: bool) -> int:
    """Sample counts giving roughly a second or more of work per sampler."""
    per_layer = {"chi2_mlp": 2_000_000, "bartlett_tangent(mlp)": 1_000_000, "vector_network(mlp)": 200_000,
                 "gram_tangent(mlp)": 100_000, "vector_network(std)": 200_000, "gram_tangent(std)": 100_000}
    per_layer = per_layer.get(name, 2_000)  # brute force
    if "linear" in name or "mixture" in name:
        per_layer = 400_000 if "mixture" in name else 20_000
    samples = max(256, per_layer * 10 // d)
    return max(256, samples // 8) if quick else samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--json", help="also write the table as JSON to this path")
    args = parser.parse_args()
    rows = []
    normals = normals_per_second(args.quick)
    print(f"  RNG: {normals:,.0f} standard normals/s", flush=True)
    for d in (10, 100):
        rates = {}
        for name, (fn, _) in samplers(d).items():
            rates[name] = _rate(fn, budget(name, d, args.quick))
            print(f"  d={d} {name}: {rates[name]:,.0f} samples/s", flush=True)
        for name, (_, ref) in samplers(d).items():
            ratio = rates[name] / rates[ref] if ref else None
            floor = normals / (NORMALS_PER_LAYER[name] * d) if name in NORMALS_PER_LAYER else None
            rows.append({"d": d, "sampler": name, "samples_per_s": rates[name], "speedup_vs_brute": ratio,
                         "of_rng_floor": rates[name] / floor if floor else None})
    fixed = {"L=15": (linear_samplers(), lambda name: budget(name, 10, args.quick)),
             "n=16,L=64": (infdepth_samplers(), lambda name: (2_000 if "explicit" in name else 100_000)
                           // (8 if args.quick else 1)),
             "D=200": (training_samplers(), lambda name: (1_000 if "brute" in name else 20_000)
                       // (4 if args.quick else 1))}
    for label, (table, size) in fixed.items():
        rates = {name: _rate(fn, size(name)) for name, (fn, _) in table.items()}
        for name, (_, ref) in table.items():
            rows.append({"d": label, "sampler": name, "samples_per_s": rates[name],
                         "speedup_vs_brute": rates[name] / rates[ref] if ref else None})
    print(f"{'setting':>10}  {'sampler':<32}{'samples/s':>14}{'x brute force':>16}{'x RNG floor':>14}")
    for r in rows:
        ratio = f"{r['speedup_vs_brute']:.0f}" if r["speedup_vs_brute"] else "-"
        floor = f"{r['of_rng_floor']:.2f}" if r.get("of_rng_floor") else "-"
        print(f"{r['d']:>10}  {r['sampler']:<32}{r['samples_per_s']:>14,.0f}{ratio:>16}{floor:>14}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(rows, fh, indent=1)


if __name__ == "__main__":
    main()

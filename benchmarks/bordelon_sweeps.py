"""Throughput of the bordelon training samplers against their floor and the brute-force network (issue 14).

    python benchmarks/bordelon_sweeps.py           # the default run's heaviest settings
    python benchmarks/bordelon_sweeps.py --quick   # fewer replicates (a rough check)
    python benchmarks/bordelon_sweeps.py --reference /tmp/old/src   # and another checkout's sampler, side by side

Per setting, trajectory-steps per second (replicates x learning rates x updates / wall time) of
  sweep          the learning-rate grid trained together from one shared weight base (what fig2, fig5, fig7 run),
  one run per η  the same grid one learning rate at a time (deferred rank-one updates; what the curves run),
  reference      with ``--reference SRC``: one run per η by the ``models/training.py`` of another checkout's
                 ``src`` (e.g. ``git worktree add /tmp/old 2fcac32``: the sampler before issue 14, which added
                 each rank-one update to the matrices in place),
  brute force    explicit activations and backpropagation (full batch only; a few learning rates),
and two floors measured side by side: the matrix-matrix products with the initial weights and the data that a
sweep cannot avoid (two per matrix per step, all η at once), and drawing the replicates' random numbers. Run with
one BLAS thread (OMP_NUM_THREADS=1) to compare with the pipeline's jobs.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import sys
import time

import numpy as np

from deeplimits.models import training
from deeplimits.rng import setting_seed

SETTINGS = {  # name -> (TrainingConfig keywords, log10 eta grid (min, max, points)): the default config's values
    "fig2 NTK nu=8 (D=200)": (dict(D=200, nu=8.0, L=2, alpha=2.0, gamma0=1.0, eta0=0.05, T=100,
                                   parameterisation="ntk"), (-2.0, 0.0, 13)),
    "fig7 muP nu=4 (D=250, population)": (dict(D=250, nu=4.0, L=2, alpha=2.0, gamma0=11.07, eta0=0.05, T=150,
                                               optimiser="population", data="power_law",
                                               gamma_ref=11.07), (-1.5, 0.0, 19)),
    "C0 (D=400)": (dict(D=400, nu=1.0, L=2, alpha=2.0, gamma0=1.0, eta0=0.05, T=100), (-2.0, -0.5, 7)),
}


def _wall(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def floor_products(config: training.TrainingConfig, problem: dict, K: int) -> float:
    """Wall time of the products a sweep cannot avoid: per step, W^T G and W R for every weight matrix and
    X θ, X^T Δ for full batch, each as one matrix-matrix product over the K learning rates (replicate by replicate)."""
    mats = [problem["W0"], *problem["hidden"]] + ([problem["X"]] if "X" in problem else [])
    rng = np.random.default_rng(0)
    vecs = [(rng.standard_normal((M.shape[0], M.shape[2], K)), rng.standard_normal((M.shape[0], K, M.shape[1])))
            for M in mats]

    def run():
        for _ in range(config.T - 1):
            for M, (right, left) in zip(mats, vecs, strict=True):
                np.matmul(M, right)
                np.matmul(left, M)
    return _wall(run)


def reference_sampler(src: str):
    """The ``models/training.py`` of another checkout (it imports NumPy only)."""
    spec = importlib.util.spec_from_file_location("reference_training", f"{src}/deeplimits/models/training.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def measure(name: str, kw: dict, grid: tuple, replicates: int, reference=None) -> dict:
    config = training.TrainingConfig(**kw)
    etas = np.logspace(*grid)
    seed = setting_seed(0, "benchmark", "bordelon", name)
    steps = replicates * etas.size * (config.T - 1)
    last = [config.T - 1]
    sweep = _wall(lambda: training.simulate(config, seed, replicates, times=last, etas=etas))
    per_eta = _wall(lambda: [training.simulate(dataclasses.replace(config, eta0=float(e)), seed, replicates,
                                               times=last) for e in etas])
    draw = _wall(lambda: training.draw_problem(config, seed, replicates))
    problem = training.draw_problem(config, seed, replicates)
    floor = floor_products(config, problem, etas.size)
    row = {"setting": name, "trajectory_steps": steps, "sweep_per_s": steps / sweep,
           "per_eta_per_s": steps / per_eta, "floor_per_s": steps / floor, "draw_share": draw / sweep}
    if reference is not None:
        old = reference.TrainingConfig(**kw)
        row["reference_per_s"] = steps / _wall(lambda: [reference.simulate(
            dataclasses.replace(old, eta0=float(e)), seed, replicates, times=last) for e in etas])
    if config.optimiser != "population":
        brute_etas = etas[:2]
        brute = _wall(lambda: [training.simulate(dataclasses.replace(config, eta0=float(e)), seed, 1, times=last,
                                                 method="brute") for e in brute_etas])
        row["brute_per_s"] = brute_etas.size * (config.T - 1) / brute
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--reference", help="src folder of another checkout to time side by side")
    args = parser.parse_args()
    reference = reference_sampler(args.reference) if args.reference else None
    print(f"{'setting':<36}{'sweep':>8}{'per eta':>9}{'reference':>11}{'brute':>7}{'floor':>8}{'sweep/ref.':>12}"
          f"{'sweep/brute':>13}{'sweep/floor':>13}{'RNG share':>11}")
    for name, (kw, grid) in SETTINGS.items():
        r = measure(name, kw, grid, 1 if args.quick else 4, reference)
        brute, ref = r.get("brute_per_s"), r.get("reference_per_s")
        vs_brute = f"{r['sweep_per_s'] / brute:.0f}" if brute else "-"
        vs_ref = f"{r['sweep_per_s'] / ref:.1f}" if ref else "-"
        print(f"{name:<36}{r['sweep_per_s']:>8,.0f}{r['per_eta_per_s']:>9,.0f}{(f'{ref:,.0f}' if ref else '-'):>11}"
              f"{(f'{brute:,.0f}' if brute else '-'):>7}{r['floor_per_s']:>8,.0f}{vs_ref:>12}{vs_brute:>13}"
              f"{r['sweep_per_s'] / r['floor_per_s']:>13.2f}{r['draw_share']:>11.0%}", flush=True)

if __name__ == "__main__":
    main()

"""Experiment runners of the bordelon document: configuration parameters -> loss trajectories (rule sample).

Every curve is a *setting*: the document's defaults C0 (the config's ``common`` block, spec §5) with a few
keys changed. :func:`training_config` turns a setting into a
:class:`~deeplimits.models.training.TrainingConfig`; the reduced sampler (spec §4) trains ``replicates``
networks per setting, each replicate from its own seed (the same seeds across a learning-rate grid, spec §4);
with ``teachers`` G > 1 a replicate trains G teachers from its weights and data and stores their mean loss.
Keys (:mod:`~deeplimits.documents.bordelon.keys`): ``"<curve>/test"`` and ``"<curve>/train"`` (replicates,
recorded steps), ``"<curve>/diverged_at"`` (replicates; -1: never) and ``"<curve>/t"`` (recorded steps); sweeps
store only the last step.
"""

from __future__ import annotations

import functools
import math
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np

from deeplimits.documents.bordelon.keys import (
    SWEEP_ETAS,
    check_test,
    curve_array,
    curve_arrays,
    curve_key,
    sweep_diverged,
    sweep_final,
    timing_array,
)
from deeplimits.models.training import TrainingConfig, record_times, simulate
from deeplimits.rng import Chunks, Seeds

Arrays = dict[str, np.ndarray]
#: config keys -> TrainingConfig fields (sizes are named so that the smoke preset's caps reach them)
_RENAMED = {"dimension": "D", "steps": "T"}
_FIELDS = ("nu", "L", "alpha", "gamma0", "eta0", "sigma", "optimiser", "alpha_B", "architecture", "beta0",
           "depth_scaled", "parameterisation", "gamma_ref", "data", "spectral_exponent", "source_exponent",
           "width_ratios", "centred")


def training_config(setting: dict[str, Any]) -> TrainingConfig:
    """The TrainingConfig of a setting (config names ``dimension``, ``steps`` for D, T)."""
    kw = {new: setting[old] for old, new in _RENAMED.items()}
    kw |= {k: setting[k] for k in _FIELDS if k in setting}
    if kw.get("width_ratios") is not None:
        kw["width_ratios"] = tuple(kw["width_ratios"])
    return TrainingConfig(**kw)


def eta_grid(grid: dict[str, Any]) -> np.ndarray:
    """Log-spaced learning rates 10^[log10_min .. log10_max] (``grid_points`` values)."""
    return np.logspace(grid["log10_min"], grid["log10_max"], grid["grid_points"])


def claim_times(times: list[int], steps: int) -> list[int]:
    """The claim times that exist at this number of steps (the smoke preset caps ``steps``)."""
    kept = [t for t in times if t < steps]
    return kept or [steps - 1]


def teacher_mean(res: Arrays, axis: int) -> Arrays:
    """A replicate's losses as the mean over its teachers (``axis``, the teacher axis of :func:`simulate`'s arrays
    at ``teachers`` > 1), its ``diverged_at`` the first divergence of any of them (-1: none), ``diverged`` any."""
    out = {k: v for k, v in res.items() if k in ("t", "replicates")}
    for key in ("test_loss", "train_loss", "class_loss"):
        if key in res:
            out[key] = res[key].mean(axis=axis)
    first = np.where(res["diverged_at"] >= 0, res["diverged_at"], np.iinfo(np.int64).max).min(axis=axis)
    out["diverged_at"] = np.where(first == np.iinfo(np.int64).max, -1, first)
    out["diverged"] = out["diverged_at"] >= 0
    return out


def _simulate(setting: dict[str, Any], seed, replicates: int, **kw) -> Arrays:
    """:func:`simulate` with the setting's ``teachers`` per replicate (default 1), reduced to teacher means."""
    teachers = setting.get("teachers", 1)
    res = simulate(training_config(setting), seed, replicates, teachers=teachers, **kw)
    return res if teachers == 1 else teacher_mean(res, axis=1 if kw.get("etas") is None else 2)


def _train(setting: dict[str, Any], seed, replicates: int, times=None) -> Arrays:
    res = _simulate(setting, seed, replicates, times=times)
    return {"t": res["t"], "test": res["test_loss"], "train": res["train_loss"], "diverged_at": res["diverged_at"],
            **({"class": res["class_loss"]} if "class_loss" in res else {})}


def curve_replicates(p: dict[str, Any], name: str) -> int:
    """Replicates of the curve ``name``: its entry in ``replicates_for``, else ``replicates``."""
    return p.get("replicates_for", {}).get(name, p["replicates"])


def curves(p: dict[str, Any], seeds: Seeds, variations: list[dict[str, Any]], times=None) -> Arrays:
    """Loss curves of C0 changed by each variation; every curve draws from the seed named by its key."""
    out: Arrays = {}
    for changes in variations:
        name = curve_key(**changes)
        res = _train({**p, **changes}, seeds(name), curve_replicates(p, name), times)
        out |= curve_arrays(name, res)
    return out


def sweep(p: dict[str, Any], seeds: Seeds, variations: list[dict[str, Any]], etas: np.ndarray) -> Arrays:
    """Final test loss of each variation over a learning-rate grid: ``<curve>/final`` (etas, replicates) and
    ``<curve>/diverged`` (etas, replicates); one seed per curve, shared by every eta (spec §4): each replicate's
    trajectories at all etas start from the same weights and data and are trained together (one weight base)."""
    out: Arrays = {SWEEP_ETAS: etas}
    for changes in variations:
        name = curve_key(**changes)
        res = _simulate({**p, **changes}, seeds(name), p["replicates"], times=[p["steps"] - 1], etas=etas)
        out[sweep_final(name)] = res["test_loss"][:, :, -1]
        out[sweep_diverged(name)] = res["diverged"]
    return out


def initial_losses(p: dict[str, Any], seeds: Seeds, variations: list[dict[str, Any]]) -> Arrays:
    """Test loss at t = 0 of ``init_replicates`` networks per variation (``<curve>/init``), for the initial-loss
    claims: one draw costs a fraction of a training run, and at the curves' S = 16 seeds 8.3 SE of the initial loss
    exceeds 10 % of it (issue 13). Replicates 0..S_init - 1 of the curve's own seed (the first S are the curve's
    replicates; the estimate uses all of them). Drawn as population GD: the t = 0 test loss depends only on the
    weight and teacher streams, so it equals the full-batch replicate's bit for bit without drawing its data."""
    out: Arrays = {}
    for changes in variations:
        name = curve_key(**changes)
        setting = {**p, **changes, "steps": 1, "optimiser": "population"}
        res = simulate(training_config(setting), seeds(name), p["init_replicates"], times=[0])
        out[curve_array(name, "init")] = res["test_loss"][:, 0]
    return out


def run_fig1(p: dict[str, Any], seeds: Seeds, chunks: Chunks) -> Arrays:
    """fig1: μP and NTK across widths nu, μP across depths L (C0); many-seed initial losses of the width curves."""
    widths = fig1_width_variations(p)
    return curves(p, seeds, fig1_variations(p)) | initial_losses(p, seeds, widths)


def fig1_width_variations(p: dict[str, Any]) -> list[dict[str, Any]]:
    """fig1's width curves: μP, then NTK, at each nu."""
    return [{"nu": float(nu)} for nu in p["nus"]] + [{"nu": float(nu), "parameterisation": "ntk"} for nu in p["nus"]]


def fig1_variations(p: dict[str, Any]) -> list[dict[str, Any]]:
    """fig1's curves: the width curves, then μP at each depth L."""
    return fig1_width_variations(p) + [{"L": L} for L in p["depths"]]


def run_fig2(p: dict[str, Any], seeds: Seeds, chunks: Chunks) -> Arrays:
    """fig2: final test loss over eta0 for NTK and μP at each width."""
    variations = [{"nu": float(nu), "parameterisation": par} for par in ("ntk", "mup") for nu in p["nus"]]
    return sweep(p, seeds, variations, eta_grid(p["eta_grid"]))


def fig3_variations(p: dict[str, Any]) -> list[dict[str, Any]]:
    """fig3: full batch over alpha (curves and the sweep), one-pass SGD over batch sizes and widths."""
    alphas = sorted(set(p["curve_alphas"]) | set(p["sweep_alphas"]))
    return ([{"alpha": float(a)} for a in alphas]
            + [{"optimiser": "sgd", "alpha_B": float(b)} for b in p["sgd_batches"]]
            + [{"optimiser": "sgd", "alpha_B": float(p["sgd_nu_batch"]), "nu": float(nu)} for nu in p["sgd_nus"]])


def run_fig3(p: dict[str, Any], seeds: Seeds, chunks: Chunks) -> Arrays:
    """fig3: repeated data (full batch over alpha) vs one-pass SGD, label noise sigma."""
    return curves(p, seeds, fig3_variations(p))


def fig4_variations(p: dict[str, Any]) -> list[dict[str, Any]]:
    return ([{"gamma0": float(g)} for g in p["gamma0s"]] + [{"beta0": float(b)} for b in p["beta0s"]]
            + [{"L": L} for L in p["depths"]])


def run_fig4(p: dict[str, Any], seeds: Seeds, chunks: Chunks) -> Arrays:
    """fig4: depth-scaled residual nets over gamma0, beta0 and depth L, and their many-seed initial losses."""
    return curves(p, seeds, fig4_variations(p)) | initial_losses(p, seeds, fig4_variations(p))


def run_fig5(p: dict[str, Any], seeds: Seeds, chunks: Chunks) -> Arrays:
    """fig5: final test loss over eta0 for residual nets with constant beta and with beta = beta0/sqrt(L)."""
    variations = ([{"L": L, "depth_scaled": False} for L in p["const_depths"]]
                  + [{"L": L, "depth_scaled": True} for L in p["scaled_depths"]])
    return sweep(p, seeds, variations, eta_grid(p["eta_grid"]))


def power_law_batch(p: dict[str, Any], batch: int) -> float:
    """alpha_B of an absolute SGD batch size."""
    return batch / p["dimension"]


def run_fig6_sgd(p: dict[str, Any], seeds: Seeds, chunks: Chunks) -> Arrays:
    """fig6a: power-law data, one-pass SGD at absolute batch sizes and population GD (common seeds)."""
    variations = ([{"optimiser": "sgd", "alpha_B": power_law_batch(p, b)} for b in p["batches"]]
                  + [{"optimiser": "population"}])
    out: Arrays = {}
    for changes in variations:  # one seed for every batch size: paired differences (spec fig6a)
        res = _train({**p, **changes}, seeds("common"), p["replicates"])
        out |= curve_arrays(curve_key(**changes), res)
    return out


def fig6_width_variations(p: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"nu": float(nu)} for nu in p["nus"]]


def run_fig6_width(p: dict[str, Any], seeds: Seeds, chunks: Chunks) -> Arrays:
    """fig6b: power-law data, population GD over widths nu."""
    return curves(p, seeds, fig6_width_variations(p))


def run_fig6_difficulty(p: dict[str, Any], seeds: Seeds, chunks: Chunks) -> Arrays:
    """fig6c: centred output, lazy vs rich gamma0, for a hard (beta < 1) and an easy (beta > 1) task; long runs
    recorded on the log-spaced grid of spec §4."""
    out: Arrays = {}
    for task in p["tasks"]:
        for gamma0 in p["gamma0s"]:
            changes = {"source_exponent": float(task["source_exponent"]), "gamma0": float(gamma0)}
            setting = {**p, **changes, "dimension": task["dimension"], "nu": float(task["nu"]),
                       "steps": task["steps"]}
            res = _train(setting, seeds(curve_key(**changes)), p["replicates"], record_times(task["steps"]))
            out |= curve_arrays(curve_key(**changes), res)
    return out


def fig7_gamma_ref(p: dict[str, Any]) -> float:
    """gamma_ref = gamma_hat sqrt(D) (richness O(1) on unnormalised power-law spectra, spec §3.7)."""
    return p["gamma_hat"] * math.sqrt(p["dimension"])


def run_fig7(p: dict[str, Any], seeds: Seeds, chunks: Chunks) -> Arrays:
    """fig7: population GD on power-law data, final test loss over eta0 at each width, NTK or μP."""
    g = fig7_gamma_ref(p)
    base = {"gamma_ref": g, "gamma0": g}  # μP: gamma0 = gamma_ref; NTK: gamma0 = gamma_ref / sqrt(nu)
    variations = [{"nu": float(nu), "parameterisation": par} for par in ("ntk", "mup") for nu in p["nus"]]
    return sweep({**p, **base}, seeds, variations, eta_grid(p["eta_grid"]))


def run_figA1(p: dict[str, Any], seeds: Seeds, chunks: Chunks) -> Arrays:
    """figA1: two-level spectrum, test/train and per-class losses (C0)."""
    return curves(p, seeds, figA1_variations(p))


def figA1_variations(p: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"data": "two_level"}]


def figA2_variations(p: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"width_ratios": [float(r) for r in pair]} for pair in p["width_ratios"]]


def run_figA2(p: dict[str, Any], seeds: Seeds, chunks: Chunks) -> Arrays:
    """figA2: unequal widths (nu_1, nu_2), simulation only, and their many-seed initial losses."""
    variations = figA2_variations(p)
    return curves(p, seeds, variations) | initial_losses(p, seeds, variations)


#: the loss-curve experiments (:func:`curves`) and their curves: the names ``replicates_for`` may use
CURVE_VARIATIONS: dict[str, Callable[[dict[str, Any]], list[dict[str, Any]]]] = {
    "fig1": fig1_variations, "fig3": fig3_variations, "fig4": fig4_variations, "fig6_width": fig6_width_variations,
    "figA1": figA1_variations, "figA2": figA2_variations}


# ----------------------------------------------------------------------------------------------- table1
def peak_bytes(run: Callable[[], Any]) -> int:
    """Peak memory allocated by Python and NumPy during one call (tracemalloc; a separate, untimed run)."""
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def wall_times(runs: list[Callable[[], Any]], repeats: int) -> tuple[list[float], list[float]]:
    """Median (the table's column, spec table1) and minimum wall time of ``repeats`` calls of each run, timed
    round-robin (run 1, run 2, .., run 1, ..) so that load from other jobs falls on every size alike. The scaling
    exponents are fitted on the minimum: load only ever adds time, so the fastest run is the least noisy measure of
    the algorithm's cost [choice]."""
    walls: list[list[float]] = [[] for _ in runs]
    for _ in range(repeats):
        for run, times in zip(runs, walls, strict=True):
            start = time.perf_counter()
            run()
            times.append(time.perf_counter() - start)
    return [float(np.median(w)) for w in walls], [float(np.min(w)) for w in walls]


def run_table1(p: dict[str, Any], seeds: Seeds, chunks: Chunks) -> Arrays:
    """table1: measured wall times (median and minimum of ``repeats``) and peak memory of the simulations (reduced
    per D, brute force per D, residual). These arrays are timings, the one output that is not reproducible bit for
    bit; the DMFT rows are measured in the fit."""
    out: Arrays = {}
    reps = p["repeats"]
    for key, sizes, changes, method in (("reduced", p["reduced_dimensions"], {}, "reduced"),
                                        ("brute", p["brute_dimensions"], {}, "brute"),
                                        ("residual", [p["residual_dimension"]],
                                         {"architecture": "residual", "L": p["residual_depth"]}, "reduced")):
        seed = seeds(key)
        runs = [functools.partial(simulate, training_config({**p, **changes, "dimension": D}), seed, 1, method=method)
                for D in sizes]
        walls, fastest = wall_times(runs, reps)
        peaks = [peak_bytes(run) for run in runs]
        out |= {timing_array(key, "dimension"): np.array(sizes), timing_array(key, "wall_s"): np.array(walls),
                timing_array(key, "min_wall_s"): np.array(fastest), timing_array(key, "peak_bytes"): np.array(peaks)}
    check = training_config({**p, "dimension": p["check_dimension"]})  # same initial weights, both samplers
    for method in ("reduced", "brute"):
        out[check_test(method)] = simulate(check, seeds("check"), 2, method=method)["test_loss"]
    return out

"""DMFT curves, estimates and audit claims of the bordelon document (rule fit; spec bordelon §4-§5).

Statistics (spec §4): losses are averaged over replicates (not logs), SE = sd/sqrt(S). Agreement of simulation
and DMFT uses z = (mean - DMFT)/SE with a tolerance of k SE + L(0)/D, where L(0)/D is the stated O(1/D)
finite-size allowance [choice] and k is the two-sided 5-sigma quantile of Student's t with S - 1 degrees of
freedom (DESIGN.md's 5 SE, corrected for an SE estimated from S replicates: 8.3 at S = 16, 17 at S = 8) —
the spec's |z| <= 5 would fail by chance about once in 600 comparisons at S = 8. Agreement is asserted only
where eta0 <= eta_div/3 (spec §7). Orderings use the spec's k (adjacent z > 2, 3 or 5). A curve with a
diverged replicate is excluded from fits and agreement (spec §4).
"""

from __future__ import annotations

import functools
import math
from typing import Any, NamedTuple

import numpy as np
from scipy import stats as sps

from deeplimits import audit, stats
from deeplimits.documents.bordelon.keys import (
    SWEEP_ETAS,
    check_test,
    curve_array,
    curve_changes,
    curve_key,
    sweep_diverged,
    sweep_final,
    timing_array,
)
from deeplimits.documents.bordelon.sample import (
    claim_times,
    fig3_variations,
    fig4_variations,
    fig7_gamma_ref,
    median_wall_time,
    peak_bytes,
    power_law_batch,
)
from deeplimits.models import dmft

Arrays = dict[str, np.ndarray]
Result = tuple[dict[str, Any], list[dict[str, Any]]]
#: bootstrap resamples of the seeds for sweep optima (spec §4)
BOOTSTRAP = 200


# ------------------------------------------------------------------------------------------------- theory
def classes_of(setting: dict[str, Any]) -> dmft.Classes | None:
    """Mode classes of the setting's data (spec §3.3): isotropic (None), two-level, or power-law bins at D."""
    if setting["data"] == "two_level":
        return dmft.two_level_classes()
    if setting["data"] == "power_law":
        return dmft.power_law_classes(setting["dimension"], setting["spectral_exponent"], setting["source_exponent"])
    return None


def dmft_config(setting: dict[str, Any], **changes: Any) -> dmft.DMFTConfig:
    """The DMFT configuration of a simulation setting (the same C0 keys), with optional changes (e.g. T, nu)."""
    s = {**setting, **changes}
    kw = {"L": s["L"], "eta0": s["eta0"], "sigma": s["sigma"], "T": s["steps"], "optimiser": s["optimiser"],
          "classes": classes_of(s)}
    if s["architecture"] == "residual":
        kw |= {"architecture": "residual", "beta0": s["beta0"], "depth_scaled": s["depth_scaled"]}
    if s["optimiser"] == "full_batch":
        kw["alpha"] = s["alpha"]
    if s["optimiser"] == "sgd":
        kw["alpha_B"] = s["alpha_B"]
    if s["parameterisation"] == "ntk":
        return dmft.DMFTConfig.ntk(s["gamma_ref"], s["nu"], **kw)
    return dmft.DMFTConfig(nu=s["nu"], gamma0=s["gamma0"], **kw)


def _frozen(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple(sorted((k, _frozen(v)) for k, v in value.items()))
    if isinstance(value, list):
        return tuple(_frozen(v) for v in value)
    return value


@functools.lru_cache(maxsize=512)
def _solve(key: tuple) -> dmft.DMFTResult:
    setting = dict(key)
    return dmft.solve_rowwise(dmft_config({k: (list(v) if isinstance(v, tuple) else v) for k, v in setting.items()}))


def solve(setting: dict[str, Any], **changes: Any) -> dmft.DMFTResult:
    """Row-wise DMFT of a setting (cached within a fit)."""
    return _solve(_frozen({**setting, **changes}))


def eta_div(setting: dict[str, Any], lo: float = 1e-6, hi: float = 20.0) -> float:
    """DMFT divergence threshold of the setting's eta0 within its T steps (spec §4), by bisection."""
    factory = lambda eta: dmft_config(setting, eta0=eta)  # noqa: E731
    try:
        return dmft.divergence_threshold(factory, lo, hi, rtol=1e-2)
    except ValueError:
        return math.inf


def family_quantile(replicates: int, comparisons: int) -> float:
    """One-sided 5-sigma family-wise quantile (Bonferroni over ``comparisons``) of Student's t, S - 1 dof."""
    return float(sps.t.ppf(1 - stats.P_FIVE_SIGMA / (2 * max(comparisons, 1)), max(replicates - 1, 1)))


def t_quantile(replicates: int) -> float:
    """Two-sided 5-sigma quantile of Student's t with S - 1 degrees of freedom (the agreement k)."""
    return float(sps.t.ppf(1 - stats.P_FIVE_SIGMA / 2, max(replicates - 1, 1)))


def not_reached(claim: str, text: str, tag: str, step: int) -> dict[str, Any]:
    """An inconclusive row for a claim about a step the run does not reach (the smoke preset caps ``steps``)."""
    return audit.composite(claim, text, tag, "not computed", math.nan, holds=False, decidable=False,
                           tolerance=math.nan, tolerance_reason=f"the run stops before t = {step} at this preset")


def at_horizon(p: dict[str, Any], rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows of claims about the spec's horizon T (``claim_horizon``): unchanged when the run reaches it, else
    inconclusive (optima and overfitting depend on T; the smoke preset caps ``steps``)."""
    if p["steps"] >= p["claim_horizon"]:
        return rows
    return [r | {"observed": "inconclusive", "tolerance_reason": f"{r['tolerance_reason']}; the run stops at T = "
                 f"{p['steps']} before the spec's horizon {p['claim_horizon']}"} for r in rows]


# ------------------------------------------------------------------------------------------- simulation
def seed_mean(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean over replicates (axis 0) and its SE sd/sqrt(S)."""
    return x.mean(axis=0), x.std(axis=0, ddof=1) / math.sqrt(x.shape[0])


def curve_summary(a: Arrays, name: str, theory: dmft.DMFTResult | None) -> dict[str, Any]:
    """Stats of one curve for the figure: recorded steps, seed means and SEs, the DMFT at the same steps."""
    t = a[curve_array(name, "t")]
    diverged = bool(np.any(a[curve_array(name, "diverged_at")] >= 0))
    out = {"t": t.tolist(), "diverged": diverged, "replicates": int(a[curve_array(name, "test")].shape[0])}
    for which in ("test", "train"):
        mean, se = seed_mean(a[curve_array(name, which)])
        out[which] = {"mean": mean.tolist(), "se": se.tolist()}
    if theory is not None:
        out["dmft"] = {"test": theory.test_loss.tolist(), "train": theory.train_loss.tolist(),
                       "diverged_at": theory.diverged_at}
    return out


def stable_margin(setting: dict[str, Any]) -> bool:
    """eta0 <= eta_div/3, i.e. the DMFT at 3 eta0 does not diverge within T (spec §7: agreement is asserted only
    there; near the edge finite-D convergence is far slower than 1/D)."""
    return solve(setting, eta0=3 * setting["eta0"]).diverged_at is None


def agreement(claim: str, label: str, a: Arrays, name: str, theory: dmft.DMFTResult, times: list[int],
              dimension: int, which: tuple[str, ...] = ("test",)) -> list[dict[str, Any]]:
    """|mean - DMFT| <= k SE + L(0)/D at each claim time (spec 'agree'); callers check :func:`stable_margin`.
    Inconclusive where the tolerance exceeds the DMFT loss itself (few replicates, or a loss near zero)."""
    t = list(a[curve_array(name, "t")])
    allowance = float(theory.test_loss[0]) / dimension
    rows = []
    for kind in which:
        x = a[curve_array(name, kind)]
        k = t_quantile(x.shape[0])
        dmft_curve = theory.test_loss if kind == "test" else theory.train_loss
        for step in times:
            j = t.index(step)
            est = stats.Estimate(float(x[:, j].mean()), float(x[:, j].std(ddof=1) / math.sqrt(x.shape[0])),
                                 x.shape[0])
            rows.append(audit.equality(f"{claim}_{kind}_t{step}", f"simulation {kind} loss = DMFT at t = {step} "
                                       f"({label})", "derived", f"mean {kind} loss over replicates", est,
                                       float(dmft_curve[step]), allowance=allowance,
                                       allowance_reason="O(1/D) finite-size bias L(0)/D", k=k,
                                       effect=float(dmft_curve[step])))
    return rows


class ComparedCurve(NamedTuple):
    name: str
    setting: dict[str, Any]
    theory: dmft.DMFTResult
    summary: dict[str, Any]
    claims: list[dict[str, Any]]


def compared_curve(a: Arrays, p: dict[str, Any], changes: dict[str, Any], claim_prefix: str, times: list[int],
                   which: tuple[str, ...] = ("test",), claim: bool = True) -> ComparedCurve:
    """The simulated loss curve of the setting ``p | changes`` against its DMFT solution: its name (curve_key), the
    setting, the DMFT result, the summary (curve_summary), and the agreement claims ``<claim_prefix>_<name>`` on the
    losses in ``which`` -- only where ``claim`` and the setting is stable (stable_margin; spec 'agree')."""
    name, setting = curve_key(**changes), {**p, **changes}
    theory = solve(setting)
    claims = (agreement(f"{claim_prefix}_{name}", name, a, name, theory, times, p["dimension"], which)
              if claim and stable_margin(setting) else [])
    return ComparedCurve(name, setting, theory, curve_summary(a, name, theory), claims)


def paired_gap(x: np.ndarray, y: np.ndarray) -> stats.Estimate:
    """mean(x - y) over replicates with its SE (paired when the replicates share seeds)."""
    d = x - y
    return stats.Estimate(float(d.mean()), float(d.std(ddof=1) / math.sqrt(d.size)), d.size)


def gap(x: np.ndarray, y: np.ndarray) -> stats.Estimate:
    """mean(x) - mean(y) of independent replicates, SE in quadrature."""
    return stats.mean(x) - stats.mean(y)


# ---------------------------------------------------------------------------------------------- sweeps
def parabola_optimum(log_eta: np.ndarray, loss: np.ndarray) -> float:
    """log10 eta* = vertex of the parabola through log loss at the argmin and both neighbours (spec §4); the
    grid point itself at an edge or when the loss there is not finite."""
    y = np.log(loss)
    finite = np.isfinite(y)
    if not finite.any():
        return math.nan
    i = int(np.nanargmin(np.where(finite, y, np.nan)))
    if i == 0 or i == y.size - 1 or not (finite[i - 1] and finite[i + 1]):
        return float(log_eta[i])
    c = np.polyfit(log_eta[i - 1:i + 2], y[i - 1:i + 2], 2)
    return float(-c[1] / (2 * c[0])) if c[0] > 0 else float(log_eta[i])


def sweep_optimum(final: np.ndarray, diverged: np.ndarray, log_eta: np.ndarray,
                  rng: np.random.Generator) -> stats.Estimate:
    """Optimum of the seed-mean final loss over the grid (diverged grid points excluded) with a seed-bootstrap SE."""
    def optimum(rows: np.ndarray) -> float:
        loss = final[:, rows].mean(axis=1)
        loss[diverged[:, rows].any(axis=1)] = np.inf
        return parabola_optimum(log_eta, loss)

    s = final.shape[1]
    value = optimum(np.arange(s))
    boot = np.array([optimum(rng.integers(0, s, s)) for _ in range(BOOTSTRAP)])
    return stats.Estimate(value, float(np.nanstd(boot, ddof=1)), s)


def spread(values: list[stats.Estimate]) -> float:
    return float(max(v.value for v in values) - min(v.value for v in values))


def theory_sweep(setting: dict[str, Any], etas: np.ndarray) -> np.ndarray:
    """DMFT final test loss over eta0 (inf where the DMFT diverges)."""
    out = []
    for eta in etas:
        res = solve(setting, eta0=float(eta))
        out.append(np.inf if res.diverged_at is not None else float(res.test_loss[-1]))
    return np.array(out)


def sweep_claims(fig: str, a: Arrays, p: dict[str, Any], variations: list[dict[str, Any]]) -> tuple[dict, dict]:
    """Stats of every sweep curve: simulated and DMFT optima, eta_div, agreement rows; returns (stats, rows)."""
    etas = a[SWEEP_ETAS]
    log_eta = np.log10(etas)
    theory_etas = np.unique(np.concatenate([etas, np.logspace(log_eta[0], log_eta[-1],
                                                              p.get("theory_grid_points", etas.size))]))
    rng = np.random.default_rng(0)
    out, rows = {}, {}
    for changes in variations:
        name = curve_key(**changes)
        setting = {**p, **changes}
        final, diverged = a[sweep_final(name)], a[sweep_diverged(name)]
        sim_opt = sweep_optimum(final, diverged, log_eta, rng)
        dmft_loss = theory_sweep(setting, theory_etas)
        dmft_opt = parabola_optimum(np.log10(theory_etas), dmft_loss)
        edge = eta_div(setting)
        mean, se = seed_mean(np.where(np.isfinite(final), final, np.nan).T)
        out[name] = {"etas": etas.tolist(), "mean": mean.tolist(), "se": se.tolist(),
                     "diverged": diverged.any(axis=1).tolist(), "theory_etas": theory_etas.tolist(),
                     "dmft": [x if np.isfinite(x) else None for x in dmft_loss], "log10_eta_opt": sim_opt.to_dict(),
                     "dmft_log10_eta_opt": dmft_opt, "eta_div": edge}
        k = t_quantile(final.shape[1])
        allowance = float(solve(setting).test_loss[0]) / p["dimension"]
        theory_at = dmft_loss[[int(np.argmin(np.abs(theory_etas - eta))) for eta in etas]]
        # asserted where eta0 <= eta_div/3 and where the tolerance resolves a deviation as large as the loss itself
        safe = [i for i, eta in enumerate(etas) if eta <= edge / 3 and not diverged[i].any()
                and k * se[i] + allowance < theory_at[i]]
        excess = [abs(mean[i] - theory_at[i]) - k * se[i] for i in safe]
        rows[name] = audit.composite(
            f"bordelon/{fig}/agree_{name}", f"simulation final loss = DMFT at every eta0 <= eta_div/3 ({name})",
            "derived", "max over the grid of |mean - DMFT| - k SE", max(excess, default=math.nan),
            holds=all(e <= allowance for e in excess), decidable=bool(safe), tolerance=allowance,
            tolerance_reason=f"k = {k:.3g} SE (t, {final.shape[1] - 1} dof, 5 sigma) + L(0)/D at each of "
            f"{len(safe)} grid points (eta0 <= eta_div/3, tolerance below the loss)",
            max_z=max((abs(mean[i] - theory_at[i]) / se[i] for i in safe), default=None))
    return out, rows


# ------------------------------------------------------------------------------------------------ fig1
def fit_fig1(a: Arrays, p: dict[str, Any]) -> Result:
    """fig1 (C0): agreement, initial losses, wider is better (μP), deeper is better."""
    times = claim_times(p["times"], p["steps"])
    out: dict[str, Any] = {}
    claims = []
    groups = {"mup": [{"nu": float(nu)} for nu in p["nus"]],
              "ntk": [{"nu": float(nu), "parameterisation": "ntk"} for nu in p["nus"]],
              "depth": [{"L": L} for L in p["depths"]]}
    for group, variations in groups.items():
        for changes in variations:
            name, setting, _, out[name], agree = compared_curve(a, p, changes, "bordelon/fig1/agree", times,
                                                                ("test", "train"))
            claims += agree
            if group != "depth":
                cfg = dmft_config(setting)
                init = dmft.initial_loss(cfg.b, p["sigma"])
                formula = "2 + sigma^2 (NTK)" if group == "ntk" else "1 + 1/(gamma0^2 nu) + sigma^2 (muP)"
                claims.append(audit.equality(f"bordelon/fig1/init_{name}", f"initial test loss = {formula} ({name})",
                                             "derived", "mean test loss at t = 0",
                                             stats.mean(a[curve_array(name, "test")][:, 0]), init))
    mup = [curve_key(**c) for c in groups["mup"]]
    for small, large in zip(mup, mup[1:], strict=False):
        for step in claim_times([10, 30, 99], p["steps"]):
            j = list(a[curve_array(small, "t")]).index(step)
            claims.append(audit.ordering(f"bordelon/fig1/wider_{small}_{large}_t{step}", f"muP: wider is better, "
                                         f"loss at t = {step} falls from {small} to {large}", "seed",
                                         "loss(narrower) - loss(wider), adjacent z > 2",
                                         gap(a[curve_array(small, "test")][:, j], a[curve_array(large, "test")][:, j]),
                                         k=2.0))
    dmft_curves = np.array([out[name]["dmft"]["test"] for name in mup])
    worst = float(np.max(np.diff(dmft_curves[:, 1:], axis=0)))
    claims.append(audit.composite("bordelon/fig1/wider_dmft", "muP: the DMFT loss is non-increasing in nu for t >= 1",
                                  "seed", "max over t >= 1 of loss(wider) - loss(narrower)", worst,
                                  holds=worst <= 1e-12, decidable=True, tolerance=1e-12,
                                  tolerance_reason="deterministic"))
    depth = [curve_key(**c) for c in groups["depth"]]
    last = max(p["times"])
    for small, large in zip(depth, depth[1:], strict=False):
        cid = f"bordelon/fig1/depth_{small}_{large}"
        text = f"deeper is better: loss at t = {last} falls from {small} to {large}"
        claims.append(audit.ordering(cid, text, "derived", "loss(shallower) - loss(deeper), adjacent z > 2",
                                     gap(a[curve_array(small, "test")][:, -1], a[curve_array(large, "test")][:, -1]),
                                     k=2.0)
                      if last < p["steps"] else not_reached(cid, text, "derived", last))
    return out, claims


# ------------------------------------------------------------------------------------------ fig2, fig7
def _optima(out: dict, names: list[str]) -> tuple[list[stats.Estimate], list[float]]:
    sim = [stats.Estimate(**out[n]["log10_eta_opt"]) for n in names]
    return sim, [out[n]["dmft_log10_eta_opt"] for n in names]


def _spread_estimate(values: list[stats.Estimate]) -> stats.Estimate:
    """Spread max - min of optima, SE from the two extreme optima in quadrature."""
    hi = max(values, key=lambda v: v.value)
    lo = min(values, key=lambda v: v.value)
    return stats.Estimate(hi.value - lo.value, math.hypot(hi.stderr, lo.stderr), hi.n)


def transfer_claims(fig: str, out: dict, mup: list[str], ntk: list[str], max_spread: float,
                    min_shift: float) -> list[dict[str, Any]]:
    """μP optimum constant across width (spread <= max_spread decades); NTK optimum non-decreasing in width, total
    shift >= min_shift decades and >= 2x the μP spread (DMFT and simulation; spec fig2, fig7)."""
    mup_sim, mup_dmft = _optima(out, mup)
    ntk_sim, ntk_dmft = _optima(out, ntk)
    dmft_spread = float(max(mup_dmft) - min(mup_dmft))
    dmft_shift = float(ntk_dmft[-1] - ntk_dmft[0])
    monotone = bool(np.all(np.diff(ntk_dmft) >= -1e-9))
    sim_spread = _spread_estimate(mup_sim)
    sim_shift = ntk_sim[-1] - ntk_sim[0]
    return [
        audit.composite(f"bordelon/{fig}/mup_transfer_dmft", f"muP: the DMFT optimum log10 eta* varies by at most "
                        f"{max_spread:.3g} decade across width", "seed", "spread of log10 eta* (DMFT)", dmft_spread,
                        holds=dmft_spread <= max_spread, decidable=True, tolerance=max_spread,
                        tolerance_reason="spec bound (grid resolution)"),
        audit.at_most(f"bordelon/{fig}/mup_transfer_sim", f"muP: the simulated optimum log10 eta* varies by at most "
                      f"{max_spread:.3g} decade across width", "seed", "spread of log10 eta*, bootstrap SE",
                      sim_spread, max_spread),
        audit.composite(f"bordelon/{fig}/ntk_shift_dmft", f"NTK: the DMFT optimum moves up with width, by >= "
                        f"{min_shift:.3g} decade and >= 2x the muP spread", "seed", "shift of log10 eta* (DMFT)",
                        dmft_shift, holds=monotone and dmft_shift >= max(min_shift, 2 * dmft_spread), decidable=True,
                        tolerance=max(min_shift, 2 * dmft_spread), tolerance_reason="spec bound; non-decreasing"),
        audit.ordering(f"bordelon/{fig}/ntk_shift_sim", f"NTK: the simulated optimum moves up with width ({ntk[0]} -> "
                       f"{ntk[-1]})", "seed", "shift of log10 eta*, bootstrap SE, z > 2", sim_shift, k=2.0),
        audit.ordering(f"bordelon/{fig}/ntk_vs_mup_sim", "NTK shift exceeds twice the muP spread (simulation)", "seed",
                       "NTK shift - 2 muP spread", stats.Estimate(sim_shift.value - 2 * sim_spread.value,
                                                                  math.hypot(sim_shift.stderr, 2 * sim_spread.stderr),
                                                                  sim_shift.n), k=2.0),
    ]


def fit_fig2(a: Arrays, p: dict[str, Any]) -> Result:
    """fig2: width transfer of the learning rate, NTK against μP (isotropic, C0)."""
    variations = [{"nu": float(nu), "parameterisation": par} for par in ("ntk", "mup") for nu in p["nus"]]
    out, rows = sweep_claims("fig2", a, p, variations)
    names = {par: [curve_key(nu=float(nu), parameterisation=par) for nu in p["claim_nus"]] for par in ("ntk", "mup")}
    return out, list(rows.values()) + at_horizon(p, transfer_claims("fig2", out, names["mup"], names["ntk"], 1 / 6,
                                                                    1 / 6))


def fit_fig7(a: Arrays, p: dict[str, Any]) -> Result:
    """fig7: learning-rate transfer on power-law data (population GD), NTK against μP."""
    g = fig7_gamma_ref(p)
    q = {**p, "gamma_ref": g, "gamma0": g}
    variations = [{"nu": float(nu), "parameterisation": par} for par in ("ntk", "mup") for nu in p["nus"]]
    out, rows = sweep_claims("fig7", a, q, variations)
    names = {par: [curve_key(nu=float(nu), parameterisation=par) for nu in p["nus"]] for par in ("ntk", "mup")}
    return out, list(rows.values()) + at_horizon(p, transfer_claims("fig7", out, names["mup"], names["ntk"], 0.1,
                                                                    0.25))


# ------------------------------------------------------------------------------------------------ fig3
def overfitting_gap(test: np.ndarray) -> float:
    """G = L(T) - min_t L(t) of the seed-mean curve."""
    mean = test.mean(axis=0)
    return float(mean[-1] - mean.min())


def _bootstrap(x: np.ndarray, statistic, rng: np.random.Generator) -> stats.Estimate:
    s = x.shape[0]
    boot = [statistic(x[rng.integers(0, s, s)]) for _ in range(BOOTSTRAP)]
    return stats.Estimate(statistic(x), float(np.std(boot, ddof=1)), s)


def fit_fig3(a: Arrays, p: dict[str, Any]) -> Result:
    """fig3: repeated data against one-pass SGD (spec: overfit_peak, interpolation, ls_limit, sgd_monotone,
    sgd_batch, agree)."""
    times = claim_times(p["times"], p["steps"])
    rng = np.random.default_rng(0)
    out: dict[str, Any] = {"curves": {}}
    claims = []
    sigma2 = p["sigma"] ** 2
    for changes in fig3_variations(p):
        full_batch = {**p, **changes}["optimiser"] == "full_batch"
        name, setting, theory, out["curves"][name], agree = compared_curve(
            a, p, changes, "bordelon/fig3/agree", times, ("test", "train") if full_batch else ("test",))
        claims += agree
        if setting["optimiser"] == "sgd":
            d = np.diff(theory.test_loss)
            claims.append(audit.composite(f"bordelon/fig3/sgd_monotone_dmft_{name}", f"one-pass SGD: the DMFT loss "
                                          f"never rises ({name})", "seed", "max increase of the DMFT loss",
                                          float(d.max()), holds=bool(d.max() <= 1e-12), decidable=True,
                                          tolerance=1e-12, tolerance_reason="deterministic"))
            test = a[curve_array(name, "test")]
            blocks = test[:, : (p["steps"] // 10) * 10].reshape(test.shape[0], -1, 10)
            means = blocks.mean(axis=2)
            rise = np.diff(means, axis=1)
            se = rise.std(axis=0, ddof=1) / math.sqrt(rise.shape[0])
            k = family_quantile(rise.shape[0], rise.shape[1])
            z = float(np.max(rise.mean(axis=0) / se)) if rise.shape[1] else math.nan
            claims.append(audit.composite(f"bordelon/fig3/sgd_monotone_{name}", "one-pass SGD: simulated 10-step "
                                          f"means never rise significantly ({name})", "seed",
                                          "max over blocks of rise / SE", z, holds=z <= k,
                                          decidable=bool(rise.shape[1]) and rise.shape[0] > 2, tolerance=k,
                                          tolerance_reason=f"k = {k:.3g}: 5 sigma family-wise over "
                                          f"{rise.shape[1]} block pairs (t, {rise.shape[0] - 1} dof); the spec's "
                                          "2 SE per pair fails by chance over many pairs"))
    sweep = [curve_key(alpha=float(x)) for x in p["sweep_alphas"]]
    sim_gaps = {n: _bootstrap(a[curve_array(n, "test")], overfitting_gap, rng) for n in sweep}
    dmft_gaps = {n: float(np.array(out["curves"][n]["dmft"]["test"])[-1] - min(out["curves"][n]["dmft"]["test"]))
                 for n in sweep}
    final = {n: {"test": stats.mean(a[curve_array(n, "test")][:, -1]).to_dict(),
                 "min_test": stats.mean(a[curve_array(n, "test")].min(axis=1)).to_dict(),
                 "train": stats.mean(a[curve_array(n, "train")][:, -1]).to_dict(),
                 "gap": sim_gaps[n].to_dict(), "dmft_gap": dmft_gaps[n]} for n in sweep}
    out["sweep"] = {"alphas": p["sweep_alphas"], "by_alpha": final}
    horizon = []  # claims about the spec's T = 300
    peak_set = {curve_key(alpha=x) for x in (0.75, 1.0, 1.25)}
    for label, gaps in (("dmft", dmft_gaps), ("sim", {n: g.value for n, g in sim_gaps.items()})):
        top = max(gaps, key=gaps.get)
        horizon.append(audit.composite(f"bordelon/fig3/overfit_peak_{label}", f"the overfitting gap L(T) - min L peaks "
                                      f"near alpha = 1 ({label})", "seed", "argmax of the gap over alpha (alpha)",
                                      float(curve_changes(top)["alpha"]), holds=top in peak_set,
                                      decidable=peak_set <= set(gaps), tolerance=0.25,
                                      tolerance_reason="argmax in {0.75, 1, 1.25} (spec)"))
    one = curve_key(alpha=1.0)
    if one in sim_gaps:
        horizon.append(audit.ordering("bordelon/fig3/overfit_gap_a1", "full batch at alpha = 1 overfits: L(T) - min L "
                                     "> 5 SE (also the grey curve of the SGD panel rising after its minimum)", "seed",
                                     "gap of the seed-mean curve, bootstrap SE", sim_gaps[one], k=5.0))
    for x in p["sweep_alphas"]:
        n = curve_key(alpha=float(x))
        train = stats.mean(a[curve_array(n, "train")][:, -1])
        if x <= 0.75:
            horizon.append(audit.at_most(f"bordelon/fig3/interpolation_{n}", f"alpha = {x:g} <= 0.75: the training set "
                                        "is interpolated, final train loss < 0.05 sigma^2", "derived",
                                        "mean final train loss", train, 0.05 * sigma2))
        if x >= 2 and sigma2 > 0:
            ls_train, ls_test = dmft.least_squares_limits(x, p["sigma"], p["dimension"])
            k = t_quantile(a[curve_array(n, "test")].shape[0])
            horizon += [
                audit.equality(f"bordelon/fig3/ls_limit_train_{n}", f"alpha = {x:g}: final train loss = sigma^2 "
                               "(P - D)/P (least squares, finite D)", "derived", "mean final train loss", train,
                               ls_train, k=k),
                audit.equality(f"bordelon/fig3/ls_limit_test_{n}", f"alpha = {x:g}: final test loss = sigma^2 "
                               "(1 + D/(P - D - 1)) (least squares, finite D)", "derived", "mean final test loss",
                               stats.mean(a[curve_array(n, "test")][:, -1]), ls_test, k=k),
            ]
    claims += at_horizon(p, horizon)
    batches = [curve_key(optimiser="sgd", alpha_B=float(b)) for b in p["sgd_batches"]]
    for small, large in zip(batches, batches[1:], strict=False):
        claims.append(audit.ordering(f"bordelon/fig3/sgd_batch_{small}_{large}", f"one-pass SGD: larger batches reach "
                                     f"a lower loss at T ({small} -> {large})", "derived",
                                     "loss(smaller batch) - loss(larger), adjacent z > 2",
                                     gap(a[curve_array(small, "test")][:, -1], a[curve_array(large, "test")][:, -1]),
                                     k=2.0))
    return out, claims


# ------------------------------------------------------------------------------------------- fig4, fig5
def residual_initial_loss(setting: dict[str, Any]) -> float:
    """1 + (1 + beta^2)^L / (gamma0^2 nu) + sigma^2, residual net at initialisation (spec §3.7) [derived]."""
    beta = setting["beta0"] / math.sqrt(setting["L"]) if setting["depth_scaled"] else setting["beta0"]
    return 1 + (1 + beta**2) ** setting["L"] / (setting["gamma0"] ** 2 * setting["nu"]) + setting["sigma"] ** 2


def fit_fig4(a: Arrays, p: dict[str, Any]) -> Result:
    """fig4: residual nets (depth-scaled): agreement, initial loss, depth limit, richness."""
    times = claim_times(p["times"], p["steps"])
    out: dict[str, Any] = {}
    claims = []
    for changes in fig4_variations(p):
        name, setting, _, out[name], agree = compared_curve(a, p, changes, "bordelon/fig4/agree", times,
                                                                 ("test", "train"))
        claims += agree
        claims.append(audit.equality(f"bordelon/fig4/init_{name}", f"initial loss = 1 + (1 + beta^2)^L/(gamma0^2 nu) "
                                     f"+ sigma^2 ({name})", "derived", "mean test loss at t = 0",
                                     stats.mean(a[curve_array(name, "test")][:, 0]), residual_initial_loss(setting),
                                     k=t_quantile(a[curve_array(name, "test")].shape[0])))
    depths = sorted(p["depths"])
    if len(depths) >= 4:
        l2, l4, l8, l16 = (np.array(out[curve_key(L=L)]["dmft"]["test"]) for L in depths[-4:])
        far, near = float(np.max(np.abs(l16 - l8))), float(np.max(np.abs(l4 - l2)))
        claims.append(audit.composite("bordelon/fig4/depth_limit_dmft", f"1/sqrt(L) branches converge in depth: "
                                      f"max_t |L_{depths[-1]} - L_{depths[-2]}| <= half max_t |L_{depths[-3]} - "
                                      f"L_{depths[-4]}| (DMFT)", "seed", "max_t difference of the deepest pair",
                                      far, holds=far <= 0.5 * near, decidable=True, tolerance=0.5 * near,
                                      tolerance_reason="half the shallow pair's difference (spec)"))
        deepest, second = (a[curve_array(curve_key(L=L), "test")][:, -1] for L in (depths[-1], depths[-2]))
        deep = gap(deepest, second)
        claims.append(audit.at_most("bordelon/fig4/depth_limit_sim", f"1/sqrt(L) branches converge in depth: the final "
                                    f"losses at L = {depths[-2]} and {depths[-1]} agree within 3 SE (simulation)",
                                    "seed", "|difference of final losses|",
                                    stats.Estimate(abs(deep.value), deep.stderr, deep.n), 0.0))
    rich = [curve_key(gamma0=float(g)) for g in sorted(p["gamma0s"])]
    for low, high in zip(rich, rich[1:], strict=False):
        claims.append(audit.ordering(f"bordelon/fig4/richness_{low}_{high}", f"richer is faster: the final loss falls "
                                     f"from {low} to {high}", "derived", "loss(lower gamma0) - loss(higher)",
                                     gap(a[curve_array(low, "test")][:, -1], a[curve_array(high, "test")][:, -1])))
    return out, claims


def fit_fig5(a: Arrays, p: dict[str, Any]) -> Result:
    """fig5: depth transfer of the learning rate: constant branches shift the optimum, 1/sqrt(L) ones do not."""
    const = [{"L": L, "depth_scaled": False} for L in p["const_depths"]]
    scaled = [{"L": L, "depth_scaled": True} for L in p["scaled_depths"]]
    out, rows = sweep_claims("fig5", a, p, const + scaled)
    c_sim, c_dmft = _optima(out, [curve_key(**c) for c in const])
    s_names = [curve_key(**c) for c in scaled if c["L"] >= 2]
    s_sim, s_dmft = _optima(out, s_names)
    shift_dmft = c_dmft[-1] - c_dmft[0]
    shift_sim = c_sim[-1] - c_sim[0]
    spread_dmft = float(max(s_dmft) - min(s_dmft))
    spread_sim = _spread_estimate(s_sim)
    return out, list(rows.values()) + at_horizon(p, [
        audit.composite("bordelon/fig5/const_shift_dmft", f"constant branches: log10 eta* falls by >= 1 decade from "
                        f"L = {p['const_depths'][0]} to {p['const_depths'][-1]} (DMFT)", "derived",
                        "shift of log10 eta* (DMFT)", shift_dmft, holds=shift_dmft <= -1, decidable=True, tolerance=1.0,
                        tolerance_reason="spec bound"),
        audit.at_most("bordelon/fig5/const_shift_sim", f"constant branches: log10 eta* falls by >= 1 decade from L = "
                      f"{p['const_depths'][0]} to {p['const_depths'][-1]} (simulation)", "derived",
                      "shift of log10 eta*, bootstrap SE", shift_sim, -1.0),
        audit.composite("bordelon/fig5/scaled_transfer_dmft", "1/sqrt(L) branches: log10 eta* varies by <= 0.25 decade "
                        "and <= 1/4 of the constant-branch shift over L >= 2 (DMFT)", "seed",
                        "spread of log10 eta* (DMFT)", spread_dmft,
                        holds=spread_dmft <= min(0.25, abs(shift_dmft) / 4), decidable=True,
                        tolerance=min(0.25, abs(shift_dmft) / 4), tolerance_reason="spec bound"),
        audit.at_most("bordelon/fig5/scaled_transfer_sim", "1/sqrt(L) branches: log10 eta* varies by <= 0.25 decade "
                      "and <= 1/4 of the constant-branch shift over L >= 2 (simulation)", "seed",
                      "spread of log10 eta*, bootstrap SE", spread_sim, min(0.25, abs(shift_sim.value) / 4)),
    ])


# ------------------------------------------------------------------------------------------------ fig6
def fit_fig6_sgd(a: Arrays, p: dict[str, Any]) -> Result:
    """fig6a: SGD batches on power-law data: agreement (batches >= 8 and population), the batch ordering."""
    times = claim_times(p["times"], p["steps"])
    variations = ([{"optimiser": "sgd", "alpha_B": power_law_batch(p, b)} for b in p["batches"]]
                  + [{"optimiser": "population"}])
    out: dict[str, Any] = {}
    claims = []
    finals = []
    for changes, batch in zip(variations, [*p["batches"], None], strict=True):
        curve = compared_curve(a, p, changes, "bordelon/fig6/agree_sgd", times, claim=batch is None or batch >= 8)
        out[curve.name] = curve.summary | {"batch": batch}
        finals.append(float(curve.theory.test_loss[-1]))
        claims += curve.claims
    ordered = bool(np.all(np.diff(finals) < 0))
    claims.append(audit.composite("bordelon/fig6/batch_dmft", "SGD noise: the DMFT final loss is ordered batch "
                                  f"{' > '.join(map(str, p['batches']))} > population", "seed",
                                  "smallest successive drop of the DMFT final loss", float(-np.max(np.diff(finals))),
                                  holds=ordered, decidable=True, tolerance=0.0, tolerance_reason="deterministic"))
    small, pop = curve_key(**variations[0]), curve_key(**variations[-1])
    claims.append(audit.ordering("bordelon/fig6/batch_sim", f"SGD noise: batch {p['batches'][0]} ends above population "
                                 "GD (paired seeds)", "seed", "paired final-loss difference",
                                 paired_gap(a[curve_array(small, "test")][:, -1], a[curve_array(pop, "test")][:, -1]),
                                 k=3.0))
    return out, claims


def fit_fig6_width(a: Arrays, p: dict[str, Any]) -> Result:
    """fig6b: widths on power-law data (population GD): agreement, wider is better, the nu = inf DMFT."""
    times = claim_times(p["times"], p["steps"])
    out: dict[str, Any] = {}
    claims = []
    names = []
    for nu in p["nus"]:
        curve = compared_curve(a, p, {"nu": float(nu)}, "bordelon/fig6/agree_width", times)
        names.append(curve.name)
        out[curve.name] = curve.summary
        claims += curve.claims
    out[curve_key(nu=math.inf)] = {"dmft": {"test": solve({**p, "nu": math.inf}).test_loss.tolist()}}
    for narrow, wide in zip(names, names[1:], strict=False):
        claims.append(audit.ordering(f"bordelon/fig6/wider_{narrow}_{wide}", f"wider is better on power-law data "
                                     f"({narrow} -> {wide})", "seed", "final loss(narrower) - loss(wider), z > 3",
                                     gap(a[curve_array(narrow, "test")][:, -1], a[curve_array(wide, "test")][:, -1])))
    return out, claims


def loglog_slope(t: np.ndarray, loss: np.ndarray, tau_window: tuple[float, float], eta0: float) -> np.ndarray:
    """Per-seed least-squares slope of log L against log tau, tau = eta0 t, on the window (NaN if < 3 points)."""
    tau = eta0 * t
    keep = (tau >= tau_window[0]) & (tau <= tau_window[1]) & (t > 0)
    if keep.sum() < 3:
        return np.full(loss.shape[0], np.nan)
    x = np.log(tau[keep])
    return np.polyfit(x, np.log(loss[:, keep]).T, 1)[0]


#: the windows and tolerances of spec fig6c (tau = eta0 t); the tolerances cover the drift of the local exponent
#: between adjacent windows (transients, truncation), not statistical error
SLOPE_WINDOWS = {"hard_lazy": (10.0, 300.0), "hard_rich": (30.0, 300.0), "easy": (1.0, 10.0)}


def fit_fig6_difficulty(a: Arrays, p: dict[str, Any]) -> Result:
    """fig6c: late-time exponents, lazy -beta and rich -2beta/(1+beta) (hard task), unchanged for beta > 1."""
    lazy_g, rich_g = min(p["gamma0s"]), max(p["gamma0s"])
    out: dict[str, Any] = {}
    slopes: dict[tuple[float, float], stats.Estimate] = {}
    for task in p["tasks"]:
        beta = float(task["source_exponent"])
        setting = {**p, "dimension": task["dimension"], "nu": float(task["nu"]), "steps": task["steps"],
                   "source_exponent": beta}
        classes = classes_of(setting)
        for gamma0 in p["gamma0s"]:
            name = curve_key(source_exponent=beta, gamma0=float(gamma0))
            t, test = a[curve_array(name, "t")], a[curve_array(name, "test")]
            window = SLOPE_WINDOWS["easy"] if beta > 1 else SLOPE_WINDOWS[
                "hard_lazy" if gamma0 == lazy_g else "hard_rich"]
            slope = loglog_slope(t, test, window, p["eta0"])
            slopes[beta, gamma0] = (stats.mean(slope) if np.isfinite(slope).sum() >= 2
                                    else stats.Estimate(math.nan, math.nan, 0))
            summary = curve_summary(a, name, None)
            summary["lazy_closed_form"] = dmft.lazy_population_loss(t, p["eta0"], setting["L"] + 1, b=0.0,
                                                                    classes=classes).tolist()
            if gamma0 == rich_g:
                summary["dmft_nu_inf"] = solve(setting, nu=math.inf, gamma0=float(gamma0),
                                               steps=min(p["theory_steps"], task["steps"])).test_loss.tolist()
            out[name] = summary | {"slope": slopes[beta, gamma0].to_dict(), "window_tau": list(window)}
    claims = []
    hard = [t["source_exponent"] for t in p["tasks"] if t["source_exponent"] < 1]
    easy = [t["source_exponent"] for t in p["tasks"] if t["source_exponent"] > 1]
    for beta in hard:
        lazy, rich = slopes[beta, lazy_g], slopes[beta, rich_g]
        effect = 2 * beta / (1 + beta) - beta  # the acceleration the two exponents must tell apart
        claims += [
            audit.equality(f"bordelon/fig6/lazy_exponent_b{beta:g}", f"lazy (gamma0 = {lazy_g:g}): L ~ tau^-beta, "
                           f"beta = {beta:g}", "derived", "mean per-seed log-log slope", lazy, -beta, allowance=0.05,
                           allowance_reason="local-exponent drift between windows (spec)", effect=effect,
                           k=t_quantile(p["replicates"])),
            audit.equality(f"bordelon/fig6/rich_exponent_b{beta:g}", f"rich (gamma0 = {rich_g:g}): L ~ "
                           f"tau^(-2beta/(1+beta)), beta = {beta:g} (acceleration)", "seed",
                           "mean per-seed log-log slope", rich, -2 * beta / (1 + beta), allowance=0.08,
                           allowance_reason="local-exponent drift between windows (spec)", effect=effect,
                           k=t_quantile(p["replicates"])),
            audit.ordering(f"bordelon/fig6/rich_faster_b{beta:g}", "rich training is faster: its slope is below the "
                           "lazy one by more than 0.06", "seed", "lazy slope - rich slope - 0.06",
                           stats.Estimate(lazy.value - rich.value - 0.06, math.hypot(lazy.stderr, rich.stderr),
                                          lazy.n)),
        ]
    for beta in easy:
        lazy, rich = slopes[beta, lazy_g], slopes[beta, rich_g]
        diff = rich - lazy
        claims += [
            audit.at_most(f"bordelon/fig6/easy_unchanged_b{beta:g}", f"easy task (beta = {beta:g}): rich and lazy "
                          "exponents agree within 0.1", "derived", "|rich slope - lazy slope|",
                          stats.Estimate(abs(diff.value), diff.stderr, diff.n), 0.1),
            *(audit.equality(f"bordelon/fig6/easy_{label}_b{beta:g}", f"easy task: the {label} exponent is -beta "
                             f"= {-beta:g}", "derived", "mean per-seed log-log slope", est, -beta, allowance=0.15,
                             allowance_reason="local-exponent drift (spec)", k=t_quantile(p["replicates"]))
              for label, est in
              (("lazy", lazy), ("rich", rich))),
        ]
    return out, claims


# ---------------------------------------------------------------------------------------------- table1
def scaling_exponent(sizes: list[int], walls: list[float], largest_pair: bool = False) -> float:
    """Least-squares slope of log time against log size over all distinct sizes (robust to one size crossing a
    cache boundary), or the log ratio between the two largest sizes; NaN with fewer than two distinct sizes."""
    pairs = sorted(set(zip(sizes, walls, strict=True)))
    if len({s for s, _ in pairs}) < 2:
        return math.nan
    if largest_pair:
        (s0, w0), (s1, w1) = pairs[-2], pairs[-1]
        return math.log(w1 / w0) / math.log(s1 / s0)
    x, y = np.log([s for s, _ in pairs]), np.log([w for _, w in pairs])
    return float(np.polyfit(x, y, 1)[0])


def table_markdown(rows: list[dict[str, Any]]) -> str:
    """table1 as a Markdown table."""
    lines = ["| method | size | median wall time (s) | peak memory (MB) | scaling |", "|---|---|---|---|---|"]
    lines += [f"| {r['method']} | {r['size']} | {r['wall_s']:.3g} | {r['peak_MB']:.3g} | {r['scaling']} |"
              for r in rows]
    return "\n".join(lines) + "\n"


def fit_table1(a: Arrays, p: dict[str, Any]) -> Result:
    """table1: wall times of the DMFT solvers (timed here) and of the simulations (timed in the sample step), the
    scaling exponents, and the cross-checks: both DMFT solvers agree, reduced and brute-force samplers agree."""
    reps = p["repeats"]
    rows = []

    def measure(method: str, size: str, scaling: str, run) -> float:
        wall = median_wall_time(run, reps)
        rows.append({"method": method, "size": size, "wall_s": wall, "peak_MB": peak_bytes(run) / 1e6,
                     "scaling": scaling})
        return wall

    rowwise = [measure("DMFT row-wise, MLP L = 2", f"T = {T}", "O((L+K) T^3)",
                       functools.partial(dmft.solve_rowwise, dmft_config(p, steps=T))) for T in p["dmft_steps"]]
    for L in p["residual_dmft_depths"]:
        measure(f"DMFT row-wise, residual L = {L}", f"T = {p['steps']}", "O(L^2 T^3)",
                functools.partial(dmft.solve_rowwise, dmft_config({**p, "architecture": "residual", "L": L})))
    power = dmft_config({**p, "data": "power_law", "optimiser": "population", "spectral_exponent": 2.0,
                         "source_exponent": 0.5, "dimension": 500}, steps=p["classes_steps"])
    measure(f"DMFT row-wise, K = {power.K} classes", f"T = {p['classes_steps']}", "O((L+K) T^3)",
            functools.partial(dmft.solve_rowwise, power))
    for T in p["fixed_point_steps"]:
        measure("DMFT fixed point + window growth, MLP L = 2", f"T = {T}", "iterations x O(L T^3)",
                functools.partial(dmft.solve_fixed_point, dmft_config(p, steps=T)))
    for key, label, scaling in (("reduced", "simulation, reduced (1 seed, C0)", "O(T (PD + ND + L N^2))"),
                                ("brute", "simulation, brute force (1 seed, C0)", "O(T P (ND + L N^2))"),
                                ("residual", f"simulation, residual L = {p['residual_depth']}",
                                 "O(T (PD + ND + L N^2))")):
        rows += [{"method": label, "size": f"D = {int(d)}", "wall_s": float(w), "peak_MB": float(m) / 1e6,
                  "scaling": scaling}
                 for d, w, m in zip(*(a[timing_array(key, q)] for q in ("dimension", "wall_s", "peak_bytes")),
                                    strict=True)]
    check = {**p, "steps": min(p["steps"], 60)}
    row, fp = dmft.solve_rowwise(dmft_config(check)), dmft.solve_fixed_point(dmft_config(check))
    solver_gap = float(np.max(np.abs(row.test_loss - fp.test_loss) / np.abs(row.test_loss)))
    reduced, brute = a[check_test("reduced")], a[check_test("brute")]
    sampler_gap = float(np.max(np.abs(reduced - brute) / np.abs(brute)))
    t_exp = scaling_exponent(p["dmft_steps"], rowwise)
    d_exp = scaling_exponent(list(a[timing_array("reduced", "dimension")]), list(a[timing_array("reduced", "wall_s")]),
                             largest_pair=True)
    out = {"rows": rows, "dmft_time_exponent": t_exp, "simulation_time_exponent": d_exp,
           "solver_max_rel_diff": solver_gap, "sampler_max_rel_diff": sampler_gap, "markdown": table_markdown(rows)}
    claims = [
        audit.composite("bordelon/table1/dmft_exponent", "row-wise DMFT time grows like T^3 (exponent in [2.3, 3.5])",
                        "derived", "least-squares log-log slope over T", t_exp,
                        holds=2.3 <= t_exp <= 3.5, decidable=bool(np.isfinite(t_exp)) and max(rowwise) > 0.2,
                        tolerance=0.6, tolerance_reason="interval [2.3, 3.5] absorbs timing noise (spec); decided "
                        "when the largest solve takes > 0.2 s"),
        audit.composite("bordelon/table1/simulation_exponent", "simulation time per seed grows like D^2 (exponent in "
                        "[1.5, 2.5], D 800 -> 1600)", "derived", "log time ratio / log D ratio", d_exp,
                        holds=1.5 <= d_exp <= 2.5,
                        decidable=bool(np.isfinite(d_exp)) and max(a[timing_array("reduced", "wall_s")]) > 0.2,
                        tolerance=0.5, tolerance_reason="interval [1.5, 2.5] absorbs timing noise (spec)"),
        audit.composite("bordelon/table1/solvers_agree", "row-wise and fixed-point DMFT agree (C0)", "derived",
                        "max relative difference of the test loss", solver_gap, holds=solver_gap <= 1e-8,
                        decidable=True, tolerance=1e-8, tolerance_reason="spec bound"),
        audit.composite("bordelon/table1/samplers_agree", "reduced and brute-force simulations agree from the same "
                        f"initial weights (D = {p['check_dimension']})", "derived",
                        "max relative difference of the test loss", sampler_gap, holds=sampler_gap <= 1e-9,
                        decidable=True, tolerance=1e-9, tolerance_reason="spec bound"),
    ]
    return out, claims


# ----------------------------------------------------------------------------------------- figA1, figA2
def fit_figA1(a: Arrays, p: dict[str, Any]) -> Result:
    """figA1: two-level spectrum: agreement (total and per class), the large-eigenvalue class is learnt faster."""
    name, setting = curve_key(data="two_level"), {**p, "data": "two_level"}
    theory = solve(setting)
    times = claim_times(p["times"], p["steps"])
    out = curve_summary(a, name, theory)
    per_class = a[curve_array(name, "class")]  # (S, 2, n): classes lambda = 2, 0.5
    out["class"] = []
    for k, lam in enumerate((2.0, 0.5)):
        mean, se = seed_mean(per_class[:, k])
        out["class"].append({"lambda": lam, "mean": mean.tolist(), "se": se.tolist()})
    out["dmft"]["class"] = theory.class_loss.tolist()
    claims = agreement("bordelon/figA1/agree", "two-level", a, name, theory, times, p["dimension"], ("test", "train")) \
        if stable_margin(setting) else []
    ratio = per_class[:, :, -1] / per_class[:, :, 0]
    claims.append(audit.ordering("bordelon/figA1/fast_class", "the lambda = 2 class has the smaller L_k(T)/L_k(0)",
                                 "derived", "paired ratio(lambda = 0.5) - ratio(lambda = 2)",
                                 paired_gap(ratio[:, 1], ratio[:, 0]), k=3.0))
    return out, claims


def fit_figA2(a: Arrays, p: dict[str, Any]) -> Result:
    """figA2: unequal widths: the initial loss is 1 + 1/(gamma0^2 nu_2), independent of nu_1."""
    out: dict[str, Any] = {}
    claims = []
    for pair in p["width_ratios"]:
        name = curve_key(width_ratios=[float(r) for r in pair])
        out[name] = curve_summary(a, name, None) | {"width_ratios": pair}
        init = 1 + 1 / (p["gamma0"] ** 2 * pair[-1]) + p["sigma"] ** 2
        x = a[curve_array(name, "test")][:, 0]
        claims.append(audit.equality(f"bordelon/figA2/init_{name}", f"initial loss = 1 + 1/(gamma0^2 nu_L) depends on "
                                     f"the last width only (nu = {pair})", "derived", "mean test loss at t = 0",
                                     stats.mean(x), init, k=t_quantile(x.size)))
    return out, claims

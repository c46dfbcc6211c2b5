"""Estimates, theory values and audit claims of the bassetti document (rule fit; spec bassetti §5).

DESIGN.md's convention replaces the spec's |z| <= 4 and KS p >= 1e-3: equalities hold within 5 SE (+ the
spec's allowance), orderings at 3 SE (or the spec's z), distributional claims at KS p >= 5.7e-7, and a
"KS rejects" claim holds at p < 5.7e-7. Finite-N estimates are compared with finite-N formulas, the
surrogate with its own N' formulas, the SDE with the limit. Heavy tails (spec §4): fourth moments through Q
with batch-means SEs, only at alpha <= 0.5.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import stats as sps

from deeplimits import audit, stats
from deeplimits.documents.bassetti.keys import (
    HELD_OUT,
    INPUTS,
    SURROGATE,
    alpha_name,
    convergence_key,
    d1_exact_key,
    d1_network_key,
    labels_key,
    multi_input_key,
    prior_key,
    profile_key,
    rho_name,
    sde_key,
    snapshot_key,
    snapshot_name,
    width_name,
)
from deeplimits.documents.bassetti.sample import WIDTH_PROFILES, depth, posterior_data, unit_kernel
from deeplimits.models.linear import mixture as th

Arrays = dict[str, np.ndarray]
Result = tuple[dict[str, Any], list[dict[str, Any]]]
#: fourth moments are audited only up to this alpha (spec §4 "Heavy tails")
HEAVY_TAIL_ALPHA = 0.5
#: the ESS gate of fig7 is decided only with at least this many prior draws (the spec's scale: 2e5) [choice]
ESS_GATE_DRAWS = 100_000
#: s grid of the Rao-Blackwellised densities of fig1 (as many points as every theory curve: plotting.common.GRID)
DENSITY_GRID = np.linspace(-8, 8, 600)
#: |s_1| bins of the binned E[s_2^2 | |s_1|] of fig3 (b); a bin is estimated only with MIN_BIN_COUNT draws
ABS_S1_EDGES = np.linspace(0, 4, 17)
MIN_BIN_COUNT = 20
#: s_1 grid of the mixture curve E[s_2^2 | s_1] of fig3 (b), and its number of mixture components (draws of Q)
ABS_S1_GRID = np.linspace(0, ABS_S1_EDGES[-1], 200)
MAX_MIXTURE = 20_000


def _est(x: np.ndarray) -> dict[str, Any]:
    return {"mean": stats.mean(x).to_dict(), "var": stats.variance(x).to_dict()}


def _nngp_cdf(t):
    return sps.norm.cdf(t)


def _mean_with_se(x: np.ndarray, variance: float) -> stats.Estimate:
    """Mean of x with the closed-form SE sqrt(Var/n) (spec: SEs from closed-form variances where available)."""
    return stats.Estimate(float(np.mean(x)), float(np.sqrt(variance / x.size)), int(x.size))


def subsample(x: np.ndarray, size: int) -> np.ndarray:
    """Every k-th sample (draws are i.i.d., so a stride is a random subsample), at most ``size`` of them."""
    step = max(1, -(-x.shape[0] // size))
    return x[::step]


# ------------------------------------------------------------------------------------------- fig1, fig2
def _rao_blackwell(s: np.ndarray, q: np.ndarray, bins: int = 2048) -> np.ndarray:
    """Rao-Blackwellised density n^-1 sum_j N(s; 0, Q_j) (spec §5 fig1). Above ``bins`` draws the components are
    grouped in ``bins`` equal bins of log Q, each represented by its mean Q with weight count/n (relative error
    <~ 1e-3 at |s| = 8): all draws count at a fixed cost."""
    q = q[np.isfinite(q) & (q > 0)]
    if q.size <= bins:
        return th.rao_blackwell_pdf(s, q)
    counts, edges = np.histogram(np.log(q), bins=bins)
    sums, _ = np.histogram(np.log(q), bins=edges, weights=q)
    ok = counts > 0
    var, weight = sums[ok] / counts[ok], counts[ok] / q.size
    return (np.exp(-0.5 * s[:, None] ** 2 / var) / np.sqrt(2 * np.pi * var)) @ weight


def fit_d1(a: Arrays, p: dict[str, Any]) -> Result:
    """fig1: network = exact mixture (A1), not the NNGP (A2), E s^2 = 1 (A3); fig2: E Q^2 = g_L (A1) and
    kurtosis 3 g_L (A2), fourth moments through Q (heavy tails, spec §4).

    Stats for fig1 besides the audited estimates: ``density_s`` (the s grid DENSITY_GRID) and, per exact setting,
    ``exact/<N..._a...>/rao_blackwell_pdf``: the Rao-Blackwellised density n^-1 sum_j N(s; 0, Q_j) of the exact
    sampler's Q draws on that grid."""
    out: dict[str, Any] = {"network": {}, "exact": {}, "density_s": DENSITY_GRID.tolist()}
    claims = []
    n_net = p["network"]["N"]
    grid = np.linspace(-8, 8, 4001)
    for alpha in p["alphas"]:
        widths = [n_net] * depth(alpha, n_net)
        g, q4 = th.g_L(widths), th.Q_power_moment_D1(widths, 4)
        k = alpha_name(alpha)
        s, q = a[d1_network_key(alpha, "s")], a[d1_network_key(alpha, "Q")]
        ks_nngp = stats.ks_one_sample(s, _nngp_cdf)
        effect = float(np.max(np.abs(th.normal_lognormal_cdf(grid, th.alpha_eff(widths)) - _nngp_cdf(grid))))
        second = _mean_with_se(s**2, 3 * g - 1)
        via_q = _mean_with_se(q**2, q4 - g**2)
        kurt = stats.batch_estimate(q, lambda b: 3 * np.mean(b**2) / np.mean(b) ** 2)
        raw = stats.batch_estimate(s, lambda b: np.mean(b**4) / (3 * np.mean(b**2) ** 2))
        out["network"][k] = {"s": _est(s), "s2": second.to_dict(), "EQ2": via_q.to_dict(),
                             "kurtosis_via_Q": kurt.to_dict(), "raw_s4_over_3": raw.to_dict(), "g_L": g,
                             "ks_nngp": ks_nngp.to_dict(), "nngp_sup_distance_limit": effect}
        tag = f"N={n_net}, alpha={alpha:g}"
        ref = d1_exact_key(n_net, alpha, "s")
        if ref in a:
            ks = stats.ks_two_sample(s, a[ref])
            out["network"][k]["ks_exact"] = ks.to_dict()
            claims.append(audit.same_law(f"bassetti/fig1/A1_{k}", f"network output s ({tag}) has the law "
                                         "of the exact finite-N mixture", "derived", "two-sample KS distance", ks))
        if alpha >= 0.5:
            claims.append(audit.rejects_law(f"bassetti/fig1/A2_{k}", f"network output s ({tag}) is not the "
                                            "NNGP Gaussian N(0, K) (S4)", "seed", "one-sample KS distance",
                                            ks_nngp, effect=effect))
        claims.append(audit.equality(f"bassetti/fig1/A3_{k}", f"E s^2 = K = 1 (network, {tag})", "derived",
                                     "mean of s^2, SE sqrt((3 g_L - 1)/n)", second, 1.0))
        if alpha <= HEAVY_TAIL_ALPHA:
            claims += [
                audit.equality(f"bassetti/fig2/A1_network_{k}", f"E Q^2 = prod(1 + 2/N) (network Q, {tag})",
                               "derived", "mean of Q^2", via_q, g, effect=g - 1),
                audit.equality(f"bassetti/fig2/A2_{k}", f"kurtosis E s^4/(E s^2)^2 = 3 g_L (S4; network Q, "
                               f"{tag})", "derived", "3 mean(Q^2)/mean(Q)^2, batch SE", kurt, 3 * g,
                               effect=3 * (g - 1)),
            ]
    for size in p["exact"]:
        n = size["N"]
        for alpha in p["alphas"]:
            widths = [n] * depth(alpha, n)
            g, q4 = th.g_L(widths), th.Q_power_moment_D1(widths, 4)
            q = a[d1_exact_key(n, alpha, "Q")]
            est = _mean_with_se(q**2, q4 - g**2)
            out["exact"][snapshot_name(width_name(n), alpha)] = {
                "EQ2": est.to_dict(), "g_L": g, "g_limit": float(th.g_limit(alpha)), "logQ": _est(np.log(q)),
                "s": _est(a[d1_exact_key(n, alpha, "s")]),
                "rao_blackwell_pdf": _rao_blackwell(DENSITY_GRID, q).tolist()}
            if n in (20, 40):
                claims.append(audit.equality(f"bassetti/fig2/A1_exact_N{n}_{alpha_name(alpha)}",
                                             f"E Q^2 = prod(1 + 2/N) (exact sampler, N={n}, alpha={alpha:g})",
                                             "derived", "mean of Q^2", est, g, effect=g - 1))
    return out, claims


# ------------------------------------------------------------------------------------------- fig3, fig4
def _fit_d2_path(a: Arrays, name: str, n: int, alphas: list[float], label: str) -> Result:
    """Claims of one D = 2 path (finite N, or the surrogate against its own N' formulas). Stats per alpha
    include ``second_moments`` (E Q11^2, E Q11 Q22, E Q12^2 with batch SEs) at every alpha, for fig4 (a); they are
    audited only at alpha <= HEAVY_TAIL_ALPHA (heavy tails)."""
    out, claims = {}, []
    for alpha in alphas:
        widths = [n] * depth(alpha, n)
        g, h = th.g_L(widths), th.h_L(widths)
        mom, var = th.Q_second_moments(g, h), th.Q_entry_variances(g, h)
        q11, q12, q22, lb22 = (a[snapshot_key(name, alpha, e)] for e in ("Q11", "Q12", "Q22", "logB22sq"))
        s = a[snapshot_key(name, alpha, "s")]
        tag, suffix = f"{label}, alpha={alpha:g}", f"{name}_{alpha_name(alpha)}"
        # outputs are dependent: Var(r) = E[s_1^2 s_2^2]/n = g_L/n, not the spec's 1/n [derived]
        r = stats.correlation(s[:, 0], s[:, 1])
        corr = stats.Estimate(r.value, float(np.sqrt(g / r.n)), r.n)
        corr_sq = stats.correlation(s[:, 0] ** 2, s[:, 1] ** 2)
        cov_sq = stats.batch_estimate(np.column_stack([q11, q12, q22]),
                                      lambda b: np.mean(b[:, 0] * b[:, 2] + 2 * b[:, 1] ** 2) - 1)
        lq11 = np.log(q11)
        (m1, v1), (m2, v2) = th.log_Bii_moments(widths, 1), th.log_Bii_moments(widths, 2)
        moments = {
            "Q11Q11": stats.batch_estimate(q11, lambda b: np.mean(b**2)),
            "Q11Q22": stats.batch_estimate(np.column_stack([q11, q22]), lambda b: np.mean(b[:, 0] * b[:, 1])),
            "Q12Q12": stats.batch_estimate(q12, lambda b: np.mean(b**2)),
        }
        out[alpha_name(alpha)] = {"corr_s": corr.to_dict(), "corr_s2": corr_sq.to_dict(), "cov_s2": cov_sq.to_dict(),
                                  "logQ11": _est(lq11), "logB22sq": _est(lb22), "g_L": g, "h_L": h,
                                  "Q11": stats.mean(q11).to_dict(), "Q12": stats.mean(q12).to_dict(),
                                  "second_moments": {k: v.to_dict() for k, v in moments.items()}}
        claims += [
            audit.equality(f"bassetti/fig3/A1_{suffix}", f"outputs uncorrelated: Corr(s_1, s_2) = 0 ({tag})", "seed",
                           "sample correlation, SE sqrt(g_L/n)", corr, 0.0),
            audit.equality(f"bassetti/fig4/A1_Q11_{suffix}", f"E Q11 = 1 ({tag})", "derived",
                           "mean of Q11, SE sqrt((g_L - 1)/n)", _mean_with_se(q11, var["Q11"]), 1.0),
            audit.equality(f"bassetti/fig4/A1_Q12_{suffix}", f"E Q12 = 0 ({tag})", "derived",
                           "mean of Q12, SE sqrt((g_L - h_L)/(3n))", _mean_with_se(q12, var["Q12"]), 0.0),
            audit.equality(f"bassetti/fig4/A3_mean_{suffix}", f"E log Q11 = sum[psi((N-1+1)/2) - log(N/2)] ({tag})",
                           "derived", "mean of log Q11", stats.mean(lq11), m1),
            audit.equality(f"bassetti/fig4/A3_var_{suffix}", f"Var log Q11 = sum psi'(N/2) ({tag})", "derived",
                           "variance of log Q11", stats.variance(lq11), v1),
            audit.equality(f"bassetti/fig4/A3_B22_mean_{suffix}", f"E log B22^2 = sum[psi((N-1)/2) - log(N/2)] "
                           f"({tag})", "derived", "mean of log B22^2", stats.mean(lb22), m2),
            audit.equality(f"bassetti/fig4/A3_B22_var_{suffix}", f"Var log B22^2 = sum psi'((N-1)/2) ({tag})",
                           "derived", "variance of log B22^2", stats.variance(lb22), v2),
            audit.equality(f"bassetti/fig4/A4_{suffix}", f"log Q11 and log B22^2 are independent ({tag})", "derived",
                           "correlation, SE 1/sqrt(n)", stats.Estimate(stats.correlation(lq11, lb22).value,
                                                                       1 / np.sqrt(lq11.size), lq11.size), 0.0),
        ]
        if alpha <= HEAVY_TAIL_ALPHA:
            claims += [audit.equality(f"bassetti/fig4/A2_{k}_{suffix}", f"E {k[:3]} {k[3:]} = {formula} ({tag})",
                                      "derived", f"mean of {k[:3]} {k[3:]}, batch SE", moments[k], mom[k])
                       for k, formula in (("Q11Q11", "g_L"), ("Q11Q22", "g_L/3 + 2 h_L/3"),
                                          ("Q12Q12", "(g_L - h_L)/3"))]
            claims.append(audit.equality(f"bassetti/fig3/A2_{suffix}", f"Cov(s_1^2, s_2^2) = g_L - 1 ({tag})",
                                         "derived", "mean of Q11 Q22 + 2 Q12^2 - 1, batch SE", cov_sq, g - 1,
                                         effect=g - 1))
        if abs(alpha - 0.5) < 1e-12:
            claims.append(audit.ordering(f"bassetti/fig3/A3_{suffix}", f"outputs dependent (S4): Corr(s_1^2, s_2^2) "
                                         f"> 0 at z > 10 ({tag})", "seed", "correlation of squares", corr_sq, k=10))
        # rotation invariance (A5): u^T Q u, u = (1, 1)/sqrt 2, vs Q11 on independent halves of the draws
        half = q11.size // 2
        uqu = (q11[:half] + 2 * q12[:half] + q22[:half]) / 2
        claims.append(audit.same_law(f"bassetti/fig4/A5_{suffix}", f"u^T Q u has the law of Q11 (orthogonal "
                                     f"invariance, {tag}; independent halves)", "derived", "two-sample KS distance",
                                     stats.ks_two_sample(uqu, q11[half:])))
    return out, claims


def _s2sq_given_abs_s1(s: np.ndarray) -> dict[str, Any]:
    """Binned E[s_2^2 | |s_1|] (fig3 b): in every bin of ABS_S1_EDGES with at least MIN_BIN_COUNT draws, the mean of
    s_2^2 with its SE and the median of |s_1| in the bin (where the marker goes)."""
    x, y2 = np.abs(s[:, 0]), s[:, 1] ** 2
    idx = np.digitize(x, ABS_S1_EDGES) - 1
    centres, estimates = [], []
    for b in range(len(ABS_S1_EDGES) - 1):
        sel = idx == b
        if np.count_nonzero(sel) >= MIN_BIN_COUNT:
            estimates.append(stats.mean(y2[sel]).to_dict())
            centres.append(float(np.median(x[sel])))
    return {"edges": ABS_S1_EDGES.tolist(), "abs_s1": centres, "estimates": estimates}


def _s2sq_given_s1(q11: np.ndarray, q12: np.ndarray, q22: np.ndarray) -> dict[str, Any]:
    """Rao-Blackwellised E[s_2^2 | s_1] = sum_j w_j [Q22 - Q12^2/Q11 + (Q12 s_1/Q11)^2]_j, w_j prop. to
    N(s_1; 0, Q11_j), over at most MAX_MIXTURE draws of Q (a stride subsample), on the grid ABS_S1_GRID (fig3 b)."""
    q11, q12, q22 = (subsample(q, MAX_MIXTURE) for q in (q11, q12, q22))
    s1 = ABS_S1_GRID
    log_w = -0.5 * s1[:, None] ** 2 / q11 - 0.5 * np.log(q11)
    w = np.exp(log_w - log_w.max(axis=1, keepdims=True))
    beta = q12 / q11
    given = (q22 - q12 * beta)[None, :] + (beta[None, :] * s1[:, None]) ** 2
    return {"s1": s1.tolist(), "value": ((w * given).sum(axis=1) / w.sum(axis=1)).tolist()}


def fit_d2_exact(a: Arrays, p: dict[str, Any]) -> Result:
    """fig3, fig4 at finite N (Bartlett) against the finite-N formulas.

    Stats for fig3 (b) besides those of each path, per ``<N...>/<a...>``: ``s2sq_given_abs_s1`` (the binned
    E[s_2^2 | |s_1|]: bin ``edges``, the median ``abs_s1`` and the mean of s_2^2 as an estimate per bin with at least
    MIN_BIN_COUNT draws) and ``s2sq_given_s1`` (the Rao-Blackwellised curve from Q: values ``value`` on the grid
    ``s1``)."""
    out, claims = {}, []
    for n in p["N"]:
        name = width_name(n)
        out[name], c = _fit_d2_path(a, name, n, p["alphas"], f"exact, N={n}")
        claims += c
        for alpha in p["alphas"]:
            q11, q12, q22 = (a[snapshot_key(name, alpha, e)] for e in ("Q11", "Q12", "Q22"))
            out[name][alpha_name(alpha)].update({
                "s2sq_given_abs_s1": _s2sq_given_abs_s1(a[snapshot_key(name, alpha, "s")]),
                "s2sq_given_s1": _s2sq_given_s1(q11, q12, q22)})
    return out, claims


def fit_d2_limit(a: Arrays, p: dict[str, Any]) -> Result:
    """fig3, fig4 limit: the surrogate against its own N' formulas; T3: surrogate = triangular SDE (spec §4)."""
    n = p["N_surrogate"]
    out, claims = _fit_d2_path(a, SURROGATE, n, p["alphas"], f"surrogate N'={n}")
    out = {"surrogate": out}
    alpha = p["sde_alpha"]
    if alpha in p["alphas"]:
        entries = ("Q11", "Q12", "Q22")
        sde = {e: a[sde_key(e)] for e in entries}
        sur = {e: a[snapshot_key(SURROGATE, alpha, e)] for e in entries}
        log_det = [np.log(q["Q11"] * q["Q22"] - q["Q12"] ** 2) for q in (sde, sur)]
        for stat, x, y in [(e, sde[e], sur[e]) for e in entries] + [("logdetQ", *log_det)]:
            ks = stats.ks_two_sample(x, y)
            out[f"T3_{stat}"] = ks.to_dict()
            claims.append(audit.same_law(f"bassetti/fig4/A6_{stat}", f"T3: the surrogate (N'={n}) and the triangular "
                                         f"SDE agree on {stat} at alpha={alpha:g}", "derived",
                                         "two-sample KS distance", ks))
        lq = np.log(sde["Q11"])
        m, v = th.log_Bii_moments_limit(alpha, 1)
        out["sde"] = {"logQ11": _est(lq)}
        claims += [
            audit.equality("bassetti/fig4/A3_sde_mean", f"limit: E log Q11 = -alpha (SDE, alpha={alpha:g})", "derived",
                           "mean of log Q11", stats.mean(lq), m),
            audit.equality("bassetti/fig4/A3_sde_var", f"limit: Var log Q11 = 2 alpha (SDE, alpha={alpha:g})",
                           "derived", "variance of log Q11", stats.variance(lq), v),
        ]
    return out, claims


# ------------------------------------------------------------------------------------------------- fig5
def _loglog_slope(n: np.ndarray, y: np.ndarray) -> float:
    return float(np.polyfit(np.log(n), np.log(y), 1)[0])


def fit_d1_convergence(a: Arrays, p: dict[str, Any]) -> Result:
    """fig5: exact errors decay like 1/N (A1); KS distance of log Q to the limit decays (A2), rejects the limit
    at the smallest N (A3) and is at most twice the null level at the largest (A4)."""
    alpha, ns = p["alpha"], np.array(p["N"])
    out: dict[str, Any] = {"errors": {}, "ks_logQ": {}, "ks_s": {}}
    errors = {
        "g": [abs(th.g_L([n] * depth(alpha, n)) / th.g_limit(alpha) - 1) for n in ns],
        "h": [abs(th.h_L([n] * depth(alpha, n)) / th.h_limit(alpha) - 1) for n in ns],
        "log_mean": [abs(th.log_Bii_moments([n] * depth(alpha, n), 1)[0] + alpha) for n in ns],
        "log_var": [abs(th.log_Bii_moments([n] * depth(alpha, n), 1)[1] - 2 * alpha) for n in ns],
    }
    claims = []
    for name, err in errors.items():
        slope = _loglog_slope(ns, np.array(err))
        out["errors"][name] = {"N": ns.tolist(), "error": err, "slope": slope}
        claims.append(audit.composite(f"bassetti/fig5/A1_{name}", f"exact finite-N error of {name} decays like 1/N "
                                      f"(S1; alpha={alpha:g})", "derived", "log-log slope over N", slope,
                                      holds=-1.1 <= slope <= -0.9, decidable=True, tolerance=0.1,
                                      tolerance_reason="slope within [-1.1, -0.9] (exact formulas, no noise)",
                                      theory=-1.0))
    limit = sps.norm(-alpha, np.sqrt(2 * alpha))
    s_cdf = stats.tabulated_cdf(lambda t: th.normal_lognormal_cdf(t, alpha), -60.0, 60.0)
    ks = {}
    for n in ns:
        q, s = a[convergence_key(n, "Q")], a[convergence_key(n, "s")]
        ks[n] = stats.ks_one_sample(np.log(q), limit.cdf)
        out["ks_logQ"][f"N{n}"] = ks[n].to_dict()
        out["ks_s"][f"N{n}"] = stats.ks_one_sample(s, s_cdf).to_dict()
    small = ns[ns <= 40]
    slope = _loglog_slope(small, np.array([ks[n].distance for n in small]))
    out["ks_slope"] = slope
    null = {n: 1.36 / np.sqrt(ks[n].n_eff) for n in ns}
    # the distance is decidable only where it exceeds the null level by a margin
    decidable = all(ks[n].distance > 3 * null[n] for n in small)
    claims += [
        audit.composite("bassetti/fig5/A2", f"KS distance of log Q to N(-alpha, 2 alpha) decays like 1/N over N <= 40 "
                        f"(alpha={alpha:g})", "derived", "log-log slope of the KS distance", slope,
                        holds=-1.3 <= slope <= -0.7, decidable=decidable, tolerance=0.3,
                        tolerance_reason="slope within [-1.3, -0.7]; decidable when every distance exceeds 3x the "
                        "null level 1.36/sqrt(n)", theory=-1.0),
        audit.rejects_law(f"bassetti/fig5/A3_N{ns.min()}", f"at N={ns.min()} log Q is not yet the limit law "
                          f"N(-alpha, 2 alpha) (alpha={alpha:g})", "derived", "one-sample KS distance", ks[ns.min()],
                          effect=float(_limit_sup_distance(ns.min(), alpha))),
        audit.composite(f"bassetti/fig5/A4_N{ns.max()}", f"at N={ns.max()} the KS distance of log Q to the limit is "
                        "at most twice the null level", "derived", "KS distance / (1.36/sqrt n)",
                        ks[ns.max()].distance / null[ns.max()], holds=ks[ns.max()].distance <= 2 * null[ns.max()],
                        decidable=True, tolerance=2.0, tolerance_reason="ratio <= 2", theory=None),
    ]
    return out, claims


def _limit_sup_distance(n: int, alpha: float) -> float:
    """Sup distance between the Gaussian with the exact finite-N log-moments of Q and the limit N(-a, 2a): a
    proxy of the effect the KS test must detect (log Q is a sum of log-chi-squares, close to Gaussian)."""
    m, v = th.log_Bii_moments([n] * depth(alpha, n), 1)
    grid = np.linspace(-alpha - 8 * np.sqrt(2 * alpha), -alpha + 8 * np.sqrt(2 * alpha), 4001)
    return float(np.max(np.abs(sps.norm.cdf(grid, m, np.sqrt(v)) - sps.norm.cdf(grid, -alpha, np.sqrt(2 * alpha)))))


# ------------------------------------------------------------------------------------------------- fig6
def fit_multi_input(a: Arrays, p: dict[str, Any]) -> Result:
    """fig6: second moments across inputs/outputs (A1), fourth moments through Q (A2), network = D x D mixture =
    P x P mixture in law and not the NNGP (A3).

    Stats for fig6 (b, c) besides the audited D x D mixture's ``cross4`` and ``same4``, per ``rho...``: the
    network's fourth moments E s_1(x^1)^2 s_2(x^2)^2 (``network_cross4_*``) and E s_1(x^1)^2 s_1(x^2)^2
    (``network_same4_*``), ``*_via_Q`` through its own Q (K11 = K22 = 1) with batch SEs and ``*_raw`` as the raw
    means of the output products (heavy tails: biased low)."""
    out, claims = {}, []
    widths = [p["N"]] * p["L"]
    g, h = th.g_L(widths), th.h_L(widths)
    alpha = th.alpha_eff(widths)
    grid = np.linspace(-8, 8, 4001)
    nngp_effect = float(np.max(np.abs(th.normal_lognormal_cdf(grid, alpha) - _nngp_cdf(grid))))
    for rho in p["rhos"]:
        name, tag = rho_name(rho), f"rho={rho:g}, N={p['N']}, L={p['L']}"
        kernel = unit_kernel(rho, 2)
        net, mix, pxp = (a[multi_input_key(rho, k, "S")] for k in ("network", "mixture", "pxp"))
        q = a[multi_input_key(rho, "mixture", "Q")]
        same = stats.mean(net[:, 0, 0] * net[:, 0, 1])
        cross = stats.mean(net[:, 0, 0] * net[:, 1, 1])
        fourth = th.multi_input_fourth(g, h, kernel[0, 0], kernel[1, 1], kernel[0, 1])
        # E[s_1mu^2 s_2nu^2 | Q] = Q11 Q22 K_mumu K_nunu + 2 Q12^2 K_munu^2; E[s_1mu^2 s_1nu^2 | Q] = Q11^2 Pi
        pi = kernel[0, 0] * kernel[1, 1] + 2 * kernel[0, 1] ** 2
        cross4 = stats.batch_estimate(q, lambda b, k=kernel: np.mean(b[:, 0, 0] * b[:, 1, 1] * k[0, 0] * k[1, 1]
                                                                     + 2 * b[:, 0, 1] ** 2 * k[0, 1] ** 2))
        same4 = stats.batch_estimate(q, lambda b, pi=pi: np.mean(b[:, 0, 0] ** 2) * pi)
        q_net = a[multi_input_key(rho, "network", "Q")]
        net_cross4 = stats.batch_estimate(q_net, lambda b, r=rho: np.mean(b[:, 0, 0] * b[:, 1, 1]
                                                                          + 2 * r**2 * b[:, 0, 1] ** 2))
        net_same4 = stats.batch_estimate(q_net, lambda b, r=rho: (1 + 2 * r**2) * np.mean(b[:, 0, 0] ** 2))
        out[name] = {"same_output": same.to_dict(), "cross_output": cross.to_dict(), "cross4": cross4.to_dict(),
                     "same4": same4.to_dict(), "theory": fourth, "g_L": g, "h_L": h,
                     "network_cross4_via_Q": net_cross4.to_dict(), "network_same4_via_Q": net_same4.to_dict(),
                     "network_cross4_raw": stats.mean(net[:, 0, 0] ** 2 * net[:, 1, 1] ** 2).to_dict(),
                     "network_same4_raw": stats.mean(net[:, 0, 0] ** 2 * net[:, 0, 1] ** 2).to_dict()}
        claims += [
            audit.equality(f"bassetti/fig6/A1_same_{name}", f"E s_1(x^1) s_1(x^2) = K_12 (network, {tag})", "derived",
                           "mean of the product", same, rho),
            audit.equality(f"bassetti/fig6/A1_cross_{name}", f"E s_1(x^1) s_2(x^2) = 0 (network, {tag})", "derived",
                           "mean of the product", cross, 0.0),
        ]
        if alpha <= HEAVY_TAIL_ALPHA:
            claims += [
                audit.equality(f"bassetti/fig6/A2_cross_{name}", "E s_1(x^1)^2 s_2(x^2)^2 = Pi g/3 + "
                               f"(K11 K22 - Pi/3) h ({tag})", "derived", "mean over Q, batch SE", cross4,
                               fourth["cross"]),
                audit.equality(f"bassetti/fig6/A2_same_{name}", f"E s_1(x^1)^2 s_1(x^2)^2 = Pi g ({tag})", "derived",
                               "mean over Q, batch SE", same4, fourth["same"]),
            ]
        for stat, f in (("s1x1", lambda s: s[:, 0, 0]), ("s2x2", lambda s: s[:, 1, 1]),
                        ("norm_x1", lambda s: np.hypot(s[:, 0, 0], s[:, 1, 0]))):
            claims.append(audit.same_law(f"bassetti/fig6/A3_T1_{stat}_{name}", f"network = D x D mixture in law of "
                                         f"{stat} ({tag})", "derived", "two-sample KS distance",
                                         stats.ks_two_sample(f(net), f(mix))))
            claims.append(audit.same_law(f"bassetti/fig6/A3_T2_{stat}_{name}", f"D x D mixture = P x P mixture in "
                                         f"law of {stat} ({tag})", "derived", "two-sample KS distance",
                                         stats.ks_two_sample(f(mix), f(pxp))))
        claims.append(audit.rejects_law(f"bassetti/fig6/A3_T5_{name}", f"network s_1(x^1) is not the NNGP Gaussian "
                                        f"({tag})", "seed", "one-sample KS distance",
                                        stats.ks_one_sample(net[:, 0, 0], _nngp_cdf), effect=nngp_effect))
    return out, claims


# ------------------------------------------------------------------------------------------------- fig7
def _weighted_r(b: np.ndarray, log_w: np.ndarray, batches: int = 50) -> stats.Estimate:
    """Posterior output correlation with a batch-means SE over independent prior draws."""
    return stats.batch_estimate(np.arange(b.shape[0]), lambda idx: th.posterior_output_correlation(b[idx], log_w[idx]),
                                batches=batches)


def fit_posterior(a: Arrays, p: dict[str, Any]) -> Result:
    """fig7: posterior output correlation r(alpha) (T -> 0 weights), its growth with alpha (A2), sign (A3),
    agreement with T > 0 (A4), prior correlation 0 (A5), effective sample size (A6); the NNGP has r = 0 (A1)."""
    data = posterior_data(p)
    x, x0, n0, temp = data[INPUTS], data[HELD_OUT], p["N_0"], p["T"]
    kernel = x.T @ x / n0
    k0, k00 = x.T @ x0 / n0, float(x0 @ x0 / n0)
    out, claims = {}, []
    for rho in p["rho_Y"]:
        y = data[labels_key(rho)]
        m = th.label_matrix_M(y, kernel)
        c_m = float(th.label_correlation(m))
        identity = np.broadcast_to(np.eye(2), (16, 2, 2))
        r0 = float(th.posterior_output_correlation(identity, th.log_weights_T0(identity, m, p["P"])))
        # alpha = 0 (NNGP): Q = I exactly, no sampling (hence no ESS)
        rows = {"alpha": [0.0], "r": [r0], "r_se": [0.0], "r_T": [r0], "ess": [float("nan")],
                "predictive_corr": [0.0], "prior_corr": [0.0]}
        name = f"rho{rho:g}"
        for alpha in p["alphas"]:
            b = a[prior_key(alpha)]
            log_w0 = th.log_weights_T0(b, m, p["P"])
            log_wt = th.log_weights_T(b, y, kernel, temp)
            r = _weighted_r(b, log_w0)
            r_t = float(th.posterior_output_correlation(b, log_wt))
            ess = float(th.effective_sample_size(log_w0))
            pred = th.predictive_T(b, log_wt, y, kernel, k0, k00, temp)
            prior = float(th.posterior_output_correlation(b, np.zeros(b.shape[0])))
            prior_q = np.einsum("nij,nkj->nik", b, b)
            prior_est = stats.batch_estimate(prior_q, lambda qq: np.mean(qq[:, 0, 1])
                                             / np.sqrt(np.mean(qq[:, 0, 0]) * np.mean(qq[:, 1, 1])))
            for k, v in (("alpha", alpha), ("r", r.value), ("r_se", r.stderr), ("r_T", r_t), ("ess", ess),
                         ("predictive_corr", float(th.predictive_correlation(pred["cov"]))), ("prior_corr", prior)):
                rows[k].append(v)
            tag = f"rho_Y={rho:g}, alpha={alpha:g}"
            suffix = f"{name}_{alpha_name(alpha)}"
            claims += [
                audit.composite(f"bassetti/fig7/A3_{suffix}", "sign of the posterior output correlation is the sign "
                                f"of the labels' c_M ({tag})", "derived", "r (T -> 0)", r.value,
                                holds=np.sign(r.value) == np.sign(c_m), decidable=abs(r.value) > 3 * r.stderr
                                and abs(c_m) > 1e-3, tolerance=3 * r.stderr, stderr=r.stderr, theory=c_m,
                                tolerance_reason="signs agree; decidable when |r| > 3 SE (batch means)"),
                audit.equality(f"bassetti/fig7/A4_{suffix}", f"r at T={temp:g} equals r at T -> 0 ({tag})", "derived",
                               "r(T) - r(T -> 0)", stats.Estimate(r_t - r.value, r.stderr, r.n), 0.0, allowance=0.03,
                               allowance_reason="spec allowance 0.03"),
                audit.equality(f"bassetti/fig7/A5_{suffix}", f"the prior draws have output correlation 0 ({tag})",
                               "derived", "E Q12 / sqrt(E Q11 E Q22), batch SE", prior_est, 0.0),
                audit.composite(f"bassetti/fig7/A6_{suffix}", f"importance weights usable: ESS >= 500 ({tag})",
                                "choice", "effective sample size", ess, holds=ess >= 500,
                                decidable=ess >= 500 or b.shape[0] >= ESS_GATE_DRAWS, tolerance=500,
                                tolerance_reason=f"gate ESS >= 500; decided with >= {ESS_GATE_DRAWS} prior draws"),
            ]
        out[name] = {"c_M": c_m, **rows}
        claims.append(audit.equality(f"bassetti/fig7/A1_{name}", f"NNGP (alpha = 0, Q = I): posterior output "
                                     f"correlation 0 (rho_Y={rho:g})", "seed", "r at alpha = 0",
                                     stats.Estimate(r0, 0.0, 1), 0.0))
        if abs(rho) > 0:
            rs, ses = np.array(rows["r"][1:]), np.array(rows["r_se"][1:])
            draws = a[prior_key(p["alphas"][0])].shape[0]
            gain = stats.Estimate(rs[-1] - rs[0], float(np.hypot(ses[-1], ses[0])), int(draws))
            drops = [(rs[i] - rs[i + 1]) / np.hypot(ses[i], ses[i + 1]) for i in range(len(rs) - 1)]
            claims += [
                audit.ordering(f"bassetti/fig7/A2_gain_{name}", f"r grows with alpha: r({p['alphas'][-1]:g}) - "
                               f"r({p['alphas'][0]:g}) > 5 SE (S3, S4; rho_Y={rho:g})", "seed", "r gain", gain, k=5),
                audit.composite(f"bassetti/fig7/A2_monotone_{name}", f"no consecutive drop of r beyond 2 SE "
                                f"(rho_Y={rho:g})", "derived", "largest drop in SE units", float(max(drops)),
                                holds=max(drops) <= 2, decidable=bool(np.all(np.isfinite(ses))), tolerance=2.0,
                                tolerance_reason="every (r_k - r_k+1)/SE <= 2"),
            ]
    return out, claims


# ------------------------------------------------------------------------------------------------- fig8
def fit_widths(a: Arrays, p: dict[str, Any]) -> Result:
    """fig8: only sum 1/N_l matters (A1), exact log-moments per profile (A2), E Q11^2 = prod(1 + 2/N_l) (A3)."""
    out, claims = {}, []
    lq = {name: np.log(a[profile_key(name, "Q11")]) for name in WIDTH_PROFILES}
    for name, widths in WIDTH_PROFILES.items():
        g, q4 = th.g_L(widths), th.Q_power_moment_D1(widths, 4)
        (m1, v1), (m2, v2) = th.log_Bii_moments(widths, 1), th.log_Bii_moments(widths, 2)
        lb22 = a[profile_key(name, "logB22sq")]
        q2 = _mean_with_se(a[profile_key(name, "Q11")] ** 2, q4 - g**2)
        out[name] = {"alpha_eff": th.alpha_eff(widths), "L": len(widths), "logQ11": _est(lq[name]),
                     "logB22sq": _est(lb22), "EQ11sq": q2.to_dict(), "g_L": g}
        tag = f"profile {name}, sum 1/N_l = {th.alpha_eff(widths):.4g}"
        claims += [
            audit.equality(f"bassetti/fig8/A2_logQ11_mean_{name}", f"E log Q11 exact ({tag})", "derived",
                           "mean of log Q11", stats.mean(lq[name]), m1),
            audit.equality(f"bassetti/fig8/A2_logQ11_var_{name}", f"Var log Q11 exact ({tag})", "derived",
                           "variance of log Q11", stats.variance(lq[name]), v1),
            audit.equality(f"bassetti/fig8/A2_logB22_mean_{name}", f"E log B22^2 exact ({tag})", "derived",
                           "mean of log B22^2", stats.mean(lb22), m2),
            audit.equality(f"bassetti/fig8/A2_logB22_var_{name}", f"Var log B22^2 exact ({tag})", "derived",
                           "variance of log B22^2", stats.variance(lb22), v2),
            audit.equality(f"bassetti/fig8/A3_{name}", f"E Q11^2 = prod(1 + 2/N_l) ({tag})", "derived",
                           "mean of Q11^2", q2, g),
        ]
    grid = np.linspace(-12, 6, 4001)
    for other, same in (("B", True), ("C", True), ("D", False)):
        ks = stats.ks_two_sample(lq["A"], lq[other])
        out[f"ks_A_{other}"] = ks.to_dict()
        text = f"log Q11 of profile A and profile {other} have the same law (sum 1/N_l equal)"
        if same:
            claims.append(audit.same_law(f"bassetti/fig8/A1_A_{other}", text, "derived", "two-sample KS distance", ks))
        else:
            (ma, va), (md, vd) = (th.log_Bii_moments(WIDTH_PROFILES[k], 1) for k in ("A", "D"))
            effect = float(np.max(np.abs(sps.norm.cdf(grid, ma, np.sqrt(va)) - sps.norm.cdf(grid, md, np.sqrt(vd)))))
            claims.append(audit.rejects_law(f"bassetti/fig8/A1_A_{other}", "log Q11 of profile A and the control D "
                                            "(same L and mean width, different sum 1/N_l) differ", "derived",
                                            "two-sample KS distance", ks, effect=effect))
    return out, claims


# ------------------------------------------------------------------------------------------------- fig9
def fit_rank(a: Arrays, p: dict[str, Any]) -> Result:
    """fig9: E log det Q exact (A1); log-eigenvalues approach -i alpha (A2); effective rank -> 1 (A3)."""
    out, claims = {}, []
    dim = 3
    paths = [(SURROGATE, p["N_surrogate"], p["alphas"])] + [(width_name(n), n, p["bartlett_alphas"]) for n in p["N"]]
    for name, n, alphas in paths:
        out[name] = {}
        for alpha in alphas:
            le = a[snapshot_key(name, alpha, "log_eig")]
            widths = [n] * depth(alpha, n)
            logdet = le.sum(axis=1)
            eig = np.exp(le - le[:, :1])  # relative to the largest: (tr Q)^2 / tr Q^2 is scale free
            eff_rank = eig.sum(axis=1) ** 2 / (eig**2).sum(axis=1)
            median_rank = stats.batch_estimate(eff_rank, np.median)
            out[name][alpha_name(alpha)] = {"log_eig_mean": le.mean(axis=0).tolist(),
                                            "log_eig_se": (le.std(axis=0, ddof=1) / np.sqrt(le.shape[0])).tolist(),
                                            "logdet": _est(logdet), "median_eff_rank": median_rank.to_dict(),
                                            "trace_mean": stats.mean(np.exp(le).sum(axis=1)).to_dict(),
                                            "logdet_exact": th.log_det_Q_mean(widths, dim),
                                            "logdet_limit": th.log_det_Q_mean_limit(alpha, dim)}
            claims.append(audit.equality(f"bassetti/fig9/A1_{name}_{alpha_name(alpha)}",
                                         f"E log det Q = sum_i E log B_ii^2 ({name}, D=3, alpha={alpha:g})", "derived",
                                         "mean of log det Q", stats.mean(logdet), th.log_det_Q_mean(widths, dim)))
    sur = out[SURROGATE]
    big = [al for al in p["alphas"] if al >= 1]
    for i in range(dim):
        dev = [abs(sur[alpha_name(al)]["log_eig_mean"][i] / al + (i + 1)) for al in big]
        if i in (0, dim - 1) and len(big) > 1:
            claims.append(audit.composite(f"bassetti/fig9/A2_decrease_l{i + 1}", f"|E log lambda_{i + 1}/alpha + "
                                          f"{i + 1}| decreases over alpha >= 1 (surrogate)", "derived",
                                          "largest increase between consecutive alpha", float(np.max(np.diff(dev))),
                                          holds=bool(np.all(np.diff(dev) < 0)), decidable=True, tolerance=0.0,
                                          tolerance_reason="strictly decreasing sequence of |E log lambda/alpha + i|"))
        top = max(p["alphas"])
        gap = abs(sur[alpha_name(top)]["log_eig_mean"][i] / top + (i + 1))
        claims.append(audit.composite(f"bassetti/fig9/A2_l{i + 1}_{alpha_name(top)}",
                                      f"|E log lambda_{i + 1}/alpha + {i + 1}| <= 0.35 at alpha={top:g} (surrogate)",
                                      "derived", "|E log lambda/alpha + i|", gap, holds=gap <= 0.35, decidable=True,
                                      tolerance=0.35, tolerance_reason="spec bound 0.35"))
    top = max(p["alphas"])
    rank = sur[alpha_name(top)]["median_eff_rank"]
    claims.append(audit.ordering(f"bassetti/fig9/A3_{alpha_name(top)}", f"rank collapse (S4): median effective rank "
                                 f"(tr Q)^2/tr Q^2 < 1.01 at alpha={top:g}", "derived", "1.01 - median effective rank",
                                 stats.Estimate(1.01 - rank["value"], rank["stderr"], rank["n"])))
    return out, claims

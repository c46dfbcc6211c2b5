"""Estimates and theory values of the nica document (rule fit; spec nica §5): the statistics its figures draw, and
the named quantities its claim table (``claims.py``) is decided on.

Allowances (spec §5 "Audit rules") are quantities too: claims stated "+ O(.)" (O-tol.) get 2|Delta_2| with
Delta_2 the 1/n^2 term of the formula under test (ResNets: the MLP Delta_2 [choice]; non-Gaussian weights:
+ |kappa-term|). Dead networks are excluded from moments and counted separately.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deeplimits import stats
from deeplimits.documents.nica import keys
from deeplimits.documents.nica.sample import (
    GRAD_ARCHS,
    RESNET_AUDIT_DEPTH,
    RESNET_EXP_DEPTH,
    RESNET_VARIANTS,
    alive_values,
    factorisation_case,
    input_offset,
    narrow_widths,
    nearest_depth,
)
from deeplimits.models import loggaussian as th
from deeplimits.quantities import Quantities
from deeplimits.quantities import theory as exact

Arrays = dict[str, np.ndarray]
Result = tuple[dict[str, Any], Quantities]


def _alive(values: np.ndarray, dead: np.ndarray) -> np.ndarray:
    return values[~dead.astype(bool)]


def _moments(x: np.ndarray) -> dict[str, Any]:
    return {"mean": stats.mean(x).to_dict(), "var": stats.variance(x).to_dict()}


def _theory(value: float, formula: str) -> dict[str, Any]:
    return {"value": float(value), "formula": formula}


def _controlled_mean(x: np.ndarray, controls: list[tuple[np.ndarray, float]]) -> stats.Estimate:
    """Mean of ``x`` with control variates [choice, issue 13: fix the measurement, never the tolerance]: each
    control ``c`` with its exactly known mean ``mu`` (a property of the sampled law, not of the formula under
    test) enters as ``x - b (c - mu)``, b the in-sample least-squares coefficients (bias O(1/N)); SE = sd of the
    residual / sqrt(N). Unbiased for E[x] whatever b, so a wrong theory value still fails."""
    x = np.asarray(x, dtype=np.float64)
    z = np.column_stack([np.asarray(c, dtype=np.float64) - mu for c, mu in controls])
    zc = z - z.mean(axis=0)
    b = np.linalg.lstsq(zc, x - x.mean(), rcond=None)[0]
    resid = x - z @ b
    return stats.Estimate(float(resid.mean()), float(resid.std(ddof=1) / np.sqrt(x.size)), int(x.size))


#: the control variate e^G of a mean of G is used up to this beta: Var e^G = e^beta - 1 (spec pitfall 11), so the
#: in-sample coefficient is reliable only for moderate beta [choice]
MAX_BETA_CONTROL = 1.0


def _mean_G(g: np.ndarray, n: int, d: int) -> stats.Estimate:
    """E[G] of an MLP (alive networks) with the control variate e^G where beta <= MAX_BETA_CONTROL: E[e^G] = 1
    over all networks (E|z^l|^2 is preserved exactly, spec §3.7), a dead one contributing 0, so
    E[e^G | alive] = 1 / (1 - P(dead)) exactly (§3.9). Plain mean otherwise."""
    if th.beta_mlp(n, d) > MAX_BETA_CONTROL:
        return stats.mean(g)
    return _controlled_mean(g, [(np.exp(g), 1.0 / (1.0 - float(th.dead_probability(n, d))))])


# ---------------------------------------------------------------------------------------------- fig1
def fit_fig1(a: Arrays, p: dict[str, Any]) -> Result:
    """nica/fig1: moments of G vs Theorem 2 (c1, c2), vs the exact law (c3); red vs blue law (c4)."""
    c = input_offset(p["n_in"])
    n, n_out = p["n"], p["n_out"]
    out, q = {}, Quantities()
    for d in p["depths"]:
        dead = a[keys.fig1(d, "dead")]
        g, y = _alive(a[keys.fig1(d, "G")], dead), _alive(a[keys.fig1(d, "Y")], dead)
        beta = th.beta_mlp(n, d)
        d2m, d2v = th.delta2_G(n, d)
        em, ev = th.exact_G_moments(n, d)
        mg, vg = _mean_G(g, n, d), stats.variance(g)
        ks_red = stats.ks_one_sample(y, lambda t, b=beta: th.red_cdf(t, b, n_out, c))
        ks_blue = stats.ks_one_sample(y, lambda t: th.blue_cdf(t, n_out, c))
        mean_y, var_y = th.exact_Y_moments(n, d, n_out, c)
        grid = mean_y + np.sqrt(var_y) * np.linspace(-8, 8, 3201)
        exact_cdf = th.exact_cdf_Y(grid, n, d, n_out, c)
        sup_blue = float(np.max(np.abs(exact_cdf - th.blue_cdf(grid, n_out, c))))
        sup_red = float(np.max(np.abs(exact_cdf - th.red_cdf(grid, beta, n_out, c))))
        out[keys.fig1(d)] = {
            "G": _moments(g), "Y": _moments(y), "dead": stats.fraction(dead).to_dict(),
            "theory": {"beta": _theory(beta, "2/n + 5d/n [seed]"),
                       "exact_mean_G": _theory(em, "exact law §3.3"), "exact_var_G": _theory(ev, "exact law §3.3"),
                       "delta2_mean": _theory(d2m, "§3.4"), "delta2_var": _theory(d2v, "§3.4"),
                       "sup_cdf_exact_red": _theory(sup_red, "§3.5 vs §3.2"),
                       "sup_cdf_exact_blue": _theory(sup_blue, "§3.5 vs §3.2")},
            "ks_red": ks_red.to_dict(), "ks_blue": ks_blue.to_dict(),
        }
        q.each("depth", d=d)
        _limit_moments(q, f"_d{d}", mg, vg, n, d)
        q[f"exact_mean_G_d{d}"], q[f"exact_var_G_d{d}"] = exact(em, "exact law §3.3"), exact(ev, "exact law §3.3")
        q[f"ks_red_d{d}"], q[f"ks_blue_d{d}"] = ks_red, ks_blue
        q[f"sup_exact_blue_d{d}"] = exact(sup_blue, "sup |exact CDF - blue CDF| (§3.5 vs §3.2)")
        q[f"sup_gap_d{d}"] = exact(sup_blue - sup_red, "sup |exact - blue| - sup |exact - red| (§3.5 vs §3.2)")
    return out, q


def _limit_moments(q: Quantities, suffix: str, mg: stats.Estimate, vg: stats.Estimate, n: int, d: int,
                   kappa_shift: tuple[float, float] = (0.0, 0.0)) -> None:
    """Theorem 2 at (n, d): the estimates of E[G], Var[G], their limits -beta/2 and beta = 2/n + 5d/n [seed] and
    the O-tolerances 2|Delta_2| (+ |kappa-term| for non-Gaussian weights) (spec §5)."""
    beta = th.beta_mlp(n, d)
    d2m, d2v = th.delta2_G(n, d)
    q["mean_G" + suffix], q["var_G" + suffix] = mg, vg
    q["mean_G_limit" + suffix] = exact(-beta / 2, "-beta/2, beta = 2/n + 5d/n [seed]")
    q["var_G_limit" + suffix] = exact(beta, "beta = 2/n + 5d/n [seed]")
    kappa = " + |kappa-term|" if kappa_shift != (0.0, 0.0) else ""
    q["mean_G_otol" + suffix] = exact(2 * abs(d2m) + abs(kappa_shift[0]), f"2|Delta_2|{kappa} (§3.4)")
    q["var_G_otol" + suffix] = exact(2 * abs(d2v) + abs(kappa_shift[1]), f"2|Delta_2|{kappa} (§3.4)")


# ------------------------------------------------------------------------------------------- moments
def fit_moments(a: Arrays, p: dict[str, Any]) -> Result:
    """nica/moments: exact moments everywhere (m1), leading order and resolved 1/n^2 terms (m2, m3),
    dead fraction (m4)."""
    out: dict[str, Any] = {"G": {}, "dead": {}}
    q = Quantities()
    for n in p["n"]:
        for d in p["depths"]:
            dead = a[keys.moments(n, d, "dead")]
            g = _alive(a[keys.moments(n, d, "G")], dead)
            em, ev = th.exact_G_moments(n, d)
            sm, sv = th.second_order_G_moments(n, d)
            mg, vg = _mean_G(g, n, d), stats.variance(g)
            out["G"][keys.moments(n, d)] = {**_moments(g), "dead": stats.fraction(dead).to_dict(),
                                            "beta": th.beta_mlp(n, d), "exact_mean": em, "exact_var": ev,
                                            "second_order_mean": sm, "second_order_var": sv}
            q.each("n_d", n=n, d=d)
            q[f"mean_G_n{n}_d{d}"], q[f"var_G_n{n}_d{d}"] = mg, vg
            q[f"exact_mean_G_n{n}_d{d}"] = exact(em, "exact law §3.3")
            q[f"exact_var_G_n{n}_d{d}"] = exact(ev, "exact law §3.3")
    n_ref, d_ref = max(p["n"]), max(p["depths"])
    dead = a[keys.moments(n_ref, d_ref, "dead")]
    g = _alive(a[keys.moments(n_ref, d_ref, "G")], dead)
    beta = th.beta_mlp(n_ref, d_ref)
    d2m, d2v = th.delta2_G(n_ref, d_ref)
    mg, vg = stats.mean(g), stats.variance(g)
    q.each("reference", n=n_ref, d=d_ref)
    _limit_moments(q, "_ref", mg, vg, n_ref, d_ref)
    q["mean_G_excess_ref"] = stats.Estimate(-(mg.value + beta / 2), mg.stderr, mg.n)
    q["var_G_excess_ref"] = stats.Estimate(vg.value - beta, vg.stderr, vg.n)
    q["mean_G_delta2_ref"] = exact(-d2m, "-Delta_2 of E[G] (§3.4)")
    q["var_G_delta2_ref"] = exact(d2v, "Delta_2 of Var[G] (§3.4)")
    for n in p["dead_n"]:
        for d in p["depths"]:
            out["dead"][keys.moments(n, d)] = {**stats.fraction(a[keys.moments_dead(n, d)]).to_dict(),
                                               "theory": th.dead_probability(n, d)}
    n_dead = 10 if 10 in p["dead_n"] else max(p["dead_n"])
    d_dead = nearest_depth(p["depths"], 100)
    q.each("dead", n=n_dead, d=d_dead)
    q["dead_fraction"] = stats.fraction(a[keys.moments_dead(n_dead, d_dead)])
    q["dead_probability"] = exact(th.dead_probability(n_dead, d_dead), "1-(1-2^-n)^d")
    return out, q


# ---------------------------------------------------------------------------------------- layerterms
def fit_layerterms(a: Arrays, p: dict[str, Any]) -> Result:
    """nica/layerterms: Props 3-5 for u = |g|^2/n and r = (2/n)|relu(g)|^2 (spec §3.11)."""
    out, q = {}, Quantities()
    n_top = max(p["n"])
    for n in p["n"]:
        u, r = a[keys.layerterms(n, "u")], a[keys.layerterms(n, "r")]
        alive = r > 0
        log_u, log_r = np.log(u), np.log(r[alive])
        um, rm = th.u_moments(n), th.r_moments(n)
        third_u, third_r = stats.mean((u - 1) ** 3), stats.mean((r - 1) ** 3)
        literal4 = stats.mean((r / 2 - 1) ** 3)
        out[keys.layerterms(n)] = {
            "u": _moments(u), "r": _moments(r), "log_u": _moments(log_u), "log_r": _moments(log_r),
            "third_u": third_u.to_dict(), "third_r": third_r.to_dict(), "prop4_literal": literal4.to_dict(),
            "r_zero": stats.fraction(~alive).to_dict(),
            "log_u_fourth": stats.central_moment(log_u, 4).scaled(n**2).to_dict(),
            "log_r_fourth": stats.central_moment(log_r, 4).scaled(n**2).to_dict(),
            "theory": {"u": um, "r": rm, "prop4_literal": th.prop4_literal_third(n)}}
        q.each("n", n=n)
        q[f"mean_u_n{n}"], q[f"var_u_n{n}"] = stats.mean(u), stats.variance(u)
        q[f"mean_r_n{n}"], q[f"var_r_n{n}"] = stats.mean(r), stats.variance(r)
        # third moments and E ln r with control variates of exactly known means (E u = E r = 1, E(u-1)^2 = 2/n,
        # E(r-1)^2 = 5/n: the sampled laws chi^2_n/n and (2/n) chi^2_K; E[r | r > 0] = 1/(1 - 2^-n))
        q[f"third_u_n{n}"] = _controlled_mean((u - 1) ** 3, [(u - 1, 0.0), ((u - 1) ** 2, 2 / n)])
        q[f"third_r_n{n}"] = _controlled_mean((r - 1) ** 3, [(r - 1, 0.0), ((r - 1) ** 2, 5 / n)])
        q[f"mean_log_half_r_n{n}"] = stats.mean(log_r - np.log(2))
        q[f"mean_log_r_n{n}"] = _controlled_mean(log_r, [(r[alive], 1 / -np.expm1(n * np.log1p(-0.5)))])
        q[f"var_log_r_n{n}"] = stats.variance(log_r)
        for name, formula in (("mean", "Prop 3: 1"), ("var", "Prop 3: 2/n"), ("third", "Prop 3(iv): 8/n^2")):
            q[f"{name}_u_theory_n{n}"] = exact(um[name], formula)
        for name, formula in (("mean", "Prop 4: 1"), ("var", "Prop 4: 5/n"), ("third", "corrected Prop 4(iv): "
                                                                              "44/n^2"),
                              ("log_mean", "corrected Prop 5(i): m_R"), ("log_var", "corrected Prop 5(ii): v_R")):
            q[f"{name}_r_theory_n{n}"] = exact(rm[name], formula)
        q[f"prop5_printed_n{n}"] = exact(-5 / (2 * n), "Prop 5 as printed: -5/(2n)")
        if n == n_top:
            q.each("n_top", n=n)
            q[f"prop4_literal_n{n}"] = literal4
            q[f"prop4_otol_n{n}"] = exact(44 / n**2, "44/n^2")
            q[f"fourth_log_r_n{n}"] = stats.central_moment(log_r, 4).scaled(n**2)
    return out, q


# -------------------------------------------------------------------------------------------- widths
def fit_widths(a: Arrays, p: dict[str, Any]) -> Result:
    """nica/widths: which widths carry the 5 and the 2 of beta (erratum E1), exact moments (w4)."""
    n, narrow, d = p["n"], p["narrow"], p["d"]
    out, q, var_g = {}, Quantities(), {}
    for j in range(d + 1):
        widths = narrow_widths(n, narrow, d, j)
        dead = a[keys.widths(j, "dead")]
        g = _alive(a[keys.widths(j, "G")], dead)
        em, ev = th.exact_G_moments_widths(widths)
        mg, var_g[j] = stats.mean(g), stats.variance(g)
        out[keys.widths(j)] = {**_moments(g), "dead": stats.fraction(dead).to_dict(), "exact_mean": em,
                               "exact_var": ev, "beta_corrected": th.beta_widths_corrected(widths),
                               "beta_notes": th.beta_widths_notes(widths)}
        q.each("j", j=j)
        q[f"mean_G_j{j}"], q[f"var_G_j{j}"] = mg, var_g[j]
        q[f"exact_mean_G_j{j}"] = exact(em, "exact unequal-width law")
        q[f"exact_var_G_j{j}"] = exact(ev, "exact unequal-width law")
    first, last = narrow_widths(n, narrow, d, 0), narrow_widths(n, narrow, d, d)
    contrast = var_g[0] - var_g[d]

    def beta_contrast(beta, roles):
        delta = th.delta2_G_widths(first, roles)[1] - th.delta2_G_widths(last, roles)[1]
        return beta(first) - beta(last), delta

    notes, notes_d2 = beta_contrast(th.beta_widths_notes, "notes")
    corr, corr_d2 = beta_contrast(th.beta_widths_corrected, "corrected")
    out["contrast"] = {"estimate": contrast.to_dict(), "notes": notes, "corrected": corr}
    q["var_G_contrast"] = contrast
    q["contrast_notes"] = exact(notes, "notes' beta = 2/n_0 + 5 sum_{l>=1} 1/n_l, first minus last")
    q["contrast_notes_otol"] = exact(2 * notes_d2, "2|Delta_2| in the notes' roles")
    q["contrast_corrected"] = exact(corr, "corrected beta = 5 sum_{l<d} 1/n_l + 2/n_d, first minus last")
    q["contrast_corrected_otol"] = exact(2 * corr_d2, "2|Delta_2|")
    q["contrast_erratum"] = exact(corr - notes, "corrected minus notes' contrast (erratum E1)")
    q["beta_notes_first"] = exact(th.beta_widths_notes(first), "notes' beta, narrow layer first")
    q["beta_notes_first_otol"] = exact(2 * th.delta2_G_widths(first, "notes")[1], "2|Delta_2| in the notes' roles")
    q["beta_erratum_first"] = exact(th.beta_widths_corrected(first) - th.beta_widths_notes(first),
                                    "corrected minus notes' beta, narrow layer first (erratum E1)")
    return out, q


# -------------------------------------------------------------------------------------------- resnet
def fit_resnet(a: Arrays, p: dict[str, Any]) -> Result:
    """nica/resnet: the notes' beta holds for balanced ResNets (r1, r2, r6), not standard ones (r3, r4, r5)."""
    n, depths = p["n"], p["depths"]
    d = nearest_depth(depths, RESNET_AUDIT_DEPTH)
    k, k_exp = depths.index(d), depths.index(nearest_depth(depths, RESNET_EXP_DEPTH))
    out, q = {}, Quantities()
    for a2 in p["alpha2"]:
        alpha = keys.alpha_key(a2)  # claim-id suffix
        beta_bal = th.beta_balanced_resnet(n, d, a2)
        beta_heur = 2 / n + th.resnet_variance_coefficient_standard_heuristic(a2) * d / n
        d2m, d2v = th.delta2_G(n, d)
        q.each("alpha", alpha=alpha, a2=a2, d=d, late_from=d // 2 + 1, d_exp=depths[k_exp])
        q[f"var_G_theory_{alpha}"] = exact(beta_bal, "2/n + (5 lam^4 + 4 alpha^2 lam^2) d/n [seed]")
        q[f"mean_G_theory_{alpha}"] = exact(-beta_bal / 2, "-beta/2 [seed]")
        q[f"var_G_otol_{alpha}"] = exact(2 * d2v, "2|Delta_2| of the MLP [choice]")
        q[f"mean_G_otol_{alpha}"] = exact(2 * d2m, "2|Delta_2| of the MLP [choice]")
        # effects of the standard-ResNet rows: the heuristic variance excess; its mean shift has no closed form, so
        # a quarter of that excess is taken [choice] (half of the shift -Var/2 a log-normal with E e^G = 1 would have)
        q[f"heuristic_var_excess_{alpha}"] = exact(beta_heur - beta_bal, "heuristic minus balanced beta")
        q[f"heuristic_mean_shift_{alpha}"] = exact((beta_heur - beta_bal) / 4,
                                                   "a quarter of the heuristic variance excess [choice]")
        for variant in RESNET_VARIANTS:
            key = keys.resnet(variant, a2)
            G = a[keys.resnet(variant, a2, "G")]
            out[key] = {f"d{dd}": _moments(G[:, i]) for i, dd in enumerate(depths)}
            out[key]["active_mean"] = a[keys.resnet(variant, a2, "active_mean")].tolist()
            out[key]["active_sd"] = a[keys.resnet(variant, a2, "active_sd")].tolist()
            q[f"mean_G_{variant}_{alpha}"], q[f"var_G_{variant}_{alpha}"] = stats.mean(G[:, k]), stats.variance(G[:, k])
        late = stats.mean(a[keys.resnet("standard", a2, "active_late")])  # per-sample average over layers d/2 < l <= d
        q[f"hypoactivation_{alpha}"] = stats.Estimate(0.5 - late.value, late.stderr, late.n)
        # effect of r5 [choice]: the smallest hypoactivation that matters, a deficit delta of the active fraction
        # that, through E[R | q] = alpha^2 + 2 lam^2 q (spec §3.7, q ~ the active fraction), shifts E[G] over d
        # layers by 10 % of beta/2: 2 lam^2 delta d = 0.1 beta_bal / 2
        q[f"hypoactivation_effect_{alpha}"] = exact(0.1 * beta_bal / 2 / (2 * (1 - a2) * d),
                                                    "deficit shifting E[G] by 10 % of beta/2 (§3.7) [choice]")
        q[f"mean_exp_G_balanced_{alpha}"] = stats.mean(np.exp(a[keys.resnet("balanced", a2, "G")][:, k_exp]))
    return out, q


# ---------------------------------------------------------------------------------------------- grad
def fit_grad(a: Arrays, p: dict[str, Any]) -> Result:
    """nica/grad: dz_out/dx_1 has the law of z_out (MLP, balanced; g1-g3) but not for the standard ResNet (g4)."""
    n, d, c = p["n"], p["d"], input_offset(p["n_in"])
    out, q = {}, Quantities()
    for arch in GRAD_ARCHS:
        fwd = _alive(a[keys.grad(arch, "forward")], a[keys.grad_dead(arch, "forward")])
        tan = _alive(a[keys.grad(arch, "tangent")], a[keys.grad_dead(arch, "tangent")])
        ks = stats.ks_two_sample(fwd, tan)
        dm = stats.mean(tan) - stats.mean(fwd)
        dv = stats.variance(tan) - stats.variance(fwd)
        out[arch] = {"forward": _moments(fwd), "tangent": _moments(tan), "ks": ks.to_dict(),
                     "mean_difference": dm.to_dict(), "var_difference": dv.to_dict()}
        q[f"ks_{arch}"], q[f"mean_difference_{arch}"], q[f"var_difference_{arch}"] = ks, dm, dv
    # effects of the moment rows (tangent minus forward, against 0) [choice]: a 10 % error of the depth-dependent
    # part of the law, E[G] and Var[G] (MLP: exact law §3.3; balanced: beta_bal §3.7)
    beta_bal = th.beta_balanced_resnet(n, d, p["alpha2"])
    em, ev = th.exact_G_moments(n, d)
    for arch, (mean_g, var_g) in (("mlp", (em, ev)), ("balanced", (-beta_bal / 2, beta_bal))):
        q[f"mean_effect_{arch}"] = exact(0.1 * abs(mean_g), "10 % of |E[G]| of the claimed law")
        q[f"var_effect_{arch}"] = exact(0.1 * var_g, "10 % of Var[G] of the claimed law")
    tan = _alive(a[keys.grad("mlp", "tangent")], a[keys.grad_dead("mlp", "tangent")])
    q["ks_exact_mlp"] = stats.ks_one_sample(tan, lambda t: th.exact_cdf_Y(t, n, d, p["n_out"], c))
    return out, q


# -------------------------------------------------------------------------------------- universality
def fit_universality(a: Arrays, p: dict[str, Any]) -> Result:
    """nica/universality: the beta limit holds for non-Gaussian weights (u1); kurtosis shift (u2)."""
    out, q = {}, Quantities()
    x_hat4 = 1.0 / p["n_in"]  # sum_j xhat_j^4 for the uniform unit input
    d = max(p["depths"])
    k = p["depths"].index(d)
    for law in p["laws"]:
        kappa = th.KURTOSIS[law]
        for size in p["sizes"]:
            n = size["n"]
            G, dead = a[keys.universality(law, n, "G")], a[keys.universality(law, n, "dead")]
            out[keys.universality(law, n)] = checkpoints = {}
            for i, dd in enumerate(p["depths"]):
                em, ev = th.exact_G_moments(n, dd)
                sm, sv = th.kappa_shift_G(n, dd, kappa, x_hat4)
                checkpoints[f"d{dd}"] = {**_moments(_alive(G[:, i], dead[:, i])), "exact_mean": em, "exact_var": ev,
                                         "kappa_mean": sm, "kappa_var": sv, "beta": th.beta_mlp(n, dd)}
            g = _alive(G[:, k], dead[:, k])
            q.each("law_n", law=law, n=n, d=d)
            _limit_moments(q, f"_{law}_n{n}", stats.mean(g), stats.variance(g), n, d,
                           th.kappa_shift_G(n, d, kappa, x_hat4))
    if "rademacher" in p["laws"]:
        n = min(s["n"] for s in p["sizes"])
        G, dead = a[keys.universality("rademacher", n, "G")], a[keys.universality("rademacher", n, "dead")]
        shift = stats.mean(_alive(G[:, k], dead[:, k])) - stats.Estimate(th.exact_G_moments(n, d)[0], 0.0, 0)
        predicted = th.kappa_shift_G(n, d, th.KURTOSIS["rademacher"], x_hat4)[0]
        q.each("rademacher", n=n, d=d)
        q["kurtosis_shift"] = shift
        q["kurtosis_shift_theory"] = exact(predicted, "kappa-term of E[G] (§3.9)")
        q["kurtosis_shift_otol"] = exact(0.3 * predicted, "30% (leading order)")
    return out, q


# ---------------------------------------------------------------------------------------- validation
def fit_validation(a: Arrays, p: dict[str, Any]) -> Result:
    """nica/validation: each exact reduction vs brute force (V1-V5), Theorem 2 factorisation (V6)."""
    out, q = {}, Quantities()

    def pair(cid: str, text: str, method: str, full_key: str, reduced_key: str) -> None:
        full, reduced = alive_values(a, full_key), alive_values(a, reduced_key)
        ks = stats.ks_two_sample(full, reduced)
        out[cid] = {"ks": ks.to_dict(), "full": _moments(full), "reduced": _moments(reduced), "text": text,
                    "method": method, "full_key": full_key, "reduced_key": reduced_key}
        q.each("pair", pair=cid, method=method, setting=text)
        q[f"ks_{cid}"] = ks

    for case in p["mlp"]:
        n, d = case["n"], case["d"]
        for obs in ("G", "Y"):
            pair(f"V1_{obs}_n{n}_d{d}", f"MLP {obs} (n={n}, d={d})", "chi-square reduction",
                 keys.v1(n, d, "full", obs), keys.v1(n, d, "reduced", obs))
    w = p["widths"]
    for j in w["positions"]:
        pair(f"V2_j{j}", f"unequal-width MLP G (n_{j}={w['narrow']}, others {w['n']}, d={w['d']})",
             "chi-square reduction", keys.v2(j, "full", "G"), keys.v2(j, "reduced", "G"))
    r = p["resnet"]
    setting = f"n={r['n']}, d={r['d']}"
    for variant in RESNET_VARIANTS:
        pair(f"V3_{variant}", f"{variant} ResNet G ({setting}, alpha^2={r['alpha2']:g})", "vector trick",
             keys.v3(variant, "full"), keys.v3(variant, "reduced"))
    for arch in ("mlp", *RESNET_VARIANTS):
        pair(f"V4_{arch}", f"{arch} tangent ln|dz_out/dx_1|^2 ({setting})", "Gram trick",
             keys.v4(arch, "full", "Yt"), keys.v4(arch, "reduced", "Yt"))
    pair("V4_bartlett", f"MLP tangent ln|dz_out/dx_1|^2 ({setting})", "Bartlett reduction",
         keys.v4("bartlett", "full", "Yt"), keys.v4("bartlett", "reduced", "Yt"))
    pair("V4_bartlett_joint", f"MLP ln|dz_out/dx_1|^2 - ln|z_out|^2 of one network, the joint law ({setting})",
         "Bartlett reduction", keys.v4("bartlett", "full", "diff"), keys.v4("bartlett", "reduced", "diff"))
    v = p["vector_vs_chi2"]
    pair("V5", f"MLP G (n={v['n']}, d={v['d']}); reference: chi-square reduction", "vector trick",
         keys.v5("chi2"), keys.v5("vector"))
    case = factorisation_case(p)
    brute = {obs: a[keys.v1(case["n"], case["d"], "full", obs)] for obs in ("G", "Y", "dead")}
    alive = ~brute["dead"].astype(bool)
    g, y = brute["G"][alive], brute["Y"][alive]
    resid = y - input_offset(p["n_in"]) - g
    ks = stats.ks_one_sample(resid, lambda t: th.log_chi2_cdf(t, p["n_out"]))
    corr = stats.correlation(resid, g)
    out["V6"] = {"ks": ks.to_dict(), "corr": corr.to_dict()}
    q.each("factorisation", n=case["n"], d=case["d"])
    q["ks_factorisation"] = ks
    q["corr_factorisation"] = stats.Estimate(corr.value, 1 / np.sqrt(corr.n), corr.n)
    return out, q

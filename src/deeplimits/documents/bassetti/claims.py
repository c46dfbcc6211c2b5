"""The claims of the bassetti document as data (spec bassetti §5), decided on the quantities of ``fit.py``.

Rules (``deeplimits.audit``): DESIGN.md's convention replaces the spec's |z| <= 4 and KS p >= 1e-3: equalities hold
within 5 SE (+ the spec's allowance), orderings at 3 SE (or the spec's z), distributional claims at KS p >= 5.7e-7,
and a "KS rejects" claim holds at p < 5.7e-7. Finite-N estimates are compared with finite-N formulas, the surrogate
with its own N' formulas, the SDE with the limit. Heavy tails (spec §4): fourth moments through Q with batch-means
SEs and the control variates of exactly known mean (E Q = I), only at alpha <= 0.5 (the fit lists those instances
only). Effects (DESIGN.md "Audit power"): 10 % of a nonzero theory value (the spec states none); rows against 0
state theirs: a correlation must resolve 0.1
(CORRELATION_EFFECT), a mean of Q or of an output product 10 % of the scale E Q11 = K11 = 1 (SCALE_EFFECT).
Orderings take the theory's predicted gap where it has one (fig3 A3, fig9 A3); fig7's r has no closed form at
finite alpha, so its orderings state CORRELATION_EFFECT. Deterministic claims (exact formulas, spec bounds, the ESS
gate, r = 0 of the NNGP) are bounds decided on the fit's conditions on the data. fig9 A3's bound 1.01 sits in the
fit's gap quantity (``fit.RANK_COLLAPSE``): the ordering rule has no offset, and the fit must not import this table.
fig7 A4 is audited at the config's T (0.001) and, as a documented erratum of the spec, at the spec's T = 0.01.
"""

from __future__ import annotations

from deeplimits.audit import Bound, Claim, Equality, Ordering, Reaches, RejectsLaw, SameLaw

#: effect of a claim 'correlation = 0' or 'correlation > 0' without a predicted size: 10 % of a correlation's scale
#: (|r| <= 1) [choice]
CORRELATION_EFFECT = 0.1
#: effect of a claim 'E Q12 = 0' or 'E s_1 s_2 = 0': 10 % of the scale E Q11 = K11 = 1 (the 10 % relative error of
#: the diagonal it is compared with) [choice]
SCALE_EFFECT = 0.1
#: fig7 A1: r of the NNGP (Q = I) is exactly 0; machine precision [choice]
EXACT_ZERO = 1e-12

#: fig5 A1: the exact finite-N errors decay like 1/N: log-log slope in [-1.1, -0.9] (exact formulas, no noise)
ERROR_SLOPE = (-1.1, -0.9)
#: fig5 A2: the KS distance of log Q to the limit decays like 1/N: log-log slope in [-1.3, -0.7]
KS_SLOPE = (-1.3, -0.7)
#: fig5 A4: at the largest N the KS distance is at most this multiple of the null level 1.36/sqrt(n)
KS_NULL_RATIO = 2.0
#: fig7 A4: spec allowance of r(T) - r(T -> 0)
TEMPERATURE_ALLOWANCE = 0.03
#: fig7 A6: the importance weights are usable with at least this effective sample size [choice]
MIN_ESS = 500.0
#: fig7 A2: no consecutive drop of r beyond this many SE
MAX_DROP_SE = 2.0
#: fig9 A2: spec bound on |E log lambda_i/alpha + i| at the largest alpha
EIGEN_BOUND = 0.35

D1 = "N={n_net}, alpha={alpha:g}"
PATH = "{label}, alpha={alpha:g}"
MULTI = "rho={rho:g}, N={N}, L={L}"
POSTERIOR = "rho_Y={rho:g}, alpha={alpha:g}"
PROFILE = "profile {profile}, sum 1/N_l = {alpha_eff:.4g}"


def _d2_path() -> tuple[Claim, ...]:
    """The claims of one D = 2 path (``fit._fit_d2_path``: finite N, or the surrogate against its own N' formulas)."""
    rows = [
        Claim("fig3/A1_{suffix}", f"outputs uncorrelated: Corr(s_1, s_2) = 0 ({PATH})", "seed",
              "sample correlation, SE sqrt(g_L/n)", Equality("corr_s_{suffix}", 0.0, effect=CORRELATION_EFFECT),
              each="path"),
        Claim("fig4/A1_Q11_{suffix}", f"E Q11 = 1 ({PATH})", "derived", "mean of Q11, SE sqrt((g_L - 1)/n)",
              Equality("mean_Q11_{suffix}", 1.0), each="path"),
        Claim("fig4/A1_Q12_{suffix}", f"E Q12 = 0 ({PATH})", "derived", "mean of Q12, SE sqrt((g_L - h_L)/(3n))",
              Equality("mean_Q12_{suffix}", 0.0, effect=SCALE_EFFECT), each="path"),
        Claim("fig4/A3_mean_{suffix}", f"E log Q11 = sum[psi((N-1+1)/2) - log(N/2)] ({PATH})", "derived",
              "mean of log Q11", Equality("mean_logQ11_{suffix}", "mean_logQ11_theory_{suffix}"), each="path"),
        Claim("fig4/A3_var_{suffix}", f"Var log Q11 = sum psi'(N/2) ({PATH})", "derived", "variance of log Q11",
              Equality("var_logQ11_{suffix}", "var_logQ11_theory_{suffix}"), each="path"),
        Claim("fig4/A3_B22_mean_{suffix}", f"E log B22^2 = sum[psi((N-1)/2) - log(N/2)] ({PATH})", "derived",
              "mean of log B22^2", Equality("mean_logB22_{suffix}", "mean_logB22_theory_{suffix}"), each="path"),
        Claim("fig4/A3_B22_var_{suffix}", f"Var log B22^2 = sum psi'((N-1)/2) ({PATH})", "derived",
              "variance of log B22^2", Equality("var_logB22_{suffix}", "var_logB22_theory_{suffix}"), each="path"),
        Claim("fig4/A4_{suffix}", f"log Q11 and log B22^2 are independent ({PATH})", "derived",
              "correlation, SE 1/sqrt(n)", Equality("corr_logQ11_logB22_{suffix}", 0.0, effect=CORRELATION_EFFECT),
              each="path"),
    ]
    rows += [Claim(f"fig4/A2_{k}_{{suffix}}", f"E {k[:3]} {k[3:]} = {formula} ({PATH})", "derived",
                   f"mean of {k[:3]} {k[3:]}" + (" averaged over rotations of the outputs" if k == "Q12Q12" else "")
                   + ", control variates Q11 - 1, Q22 - 1, batch SE",
                   Equality(f"{k}_{{suffix}}", f"{k}_theory_{{suffix}}"),
                   each="path_moments")
             for k, formula in (("Q11Q11", "g_L"), ("Q11Q22", "g_L/3 + 2 h_L/3"), ("Q12Q12", "(g_L - h_L)/3"))]
    rows += [
        Claim("fig3/A2_{suffix}", f"Cov(s_1^2, s_2^2) = g_L - 1 ({PATH})", "derived",
              "mean of Q11 Q22 + 2 Q12^2 - 1, control variates Q11 - 1, Q22 - 1, batch SE",
              Equality("cov_s2_{suffix}", "cov_s2_theory_{suffix}"),
              each="path_moments"),
        Claim("fig3/A3_{suffix}", f"outputs dependent (S4): Corr(s_1^2, s_2^2) > 0 at z > 10 ({PATH})", "seed",
              "correlation of squares", Ordering("corr_s2_{suffix}", "corr_s2_theory_{suffix}", k=10),
              each="path_dependence"),
        Claim("fig4/A5_{suffix}", f"u^T Q u has the law of Q11 (orthogonal invariance, {PATH}; independent halves)",
              "derived", "two-sample KS distance", SameLaw("ks_rotation_{suffix}"), each="path"),
    ]
    return tuple(rows)


CLAIMS = {
    "d1": (
        Claim("fig1/A1_{k}", f"network output s ({D1}) has the law of the exact finite-N mixture", "derived",
              "two-sample KS distance", SameLaw("ks_exact_{k}"), each="network_exact"),
        Claim("fig1/A2_{k}", f"network output s ({D1}) is not the NNGP Gaussian N(0, K) (S4)", "seed",
              "one-sample KS distance", RejectsLaw("ks_nngp_{k}", "nngp_effect_{k}"), each="network_nngp"),
        Claim("fig1/A3_{k}", f"E s^2 = K = 1 (network, {D1})", "derived", "mean of s^2, SE sqrt((3 g_L - 1)/n)",
              Equality("s2_{k}", 1.0), each="network"),
        Claim("fig2/A1_network_{k}", f"E Q^2 = prod(1 + 2/N) (network Q, {D1})", "derived", "mean of Q^2",
              Equality("EQ2_network_{k}", "g_L_network_{k}"),
              each="network_moments"),
        Claim("fig2/A2_{k}", f"kurtosis E s^4/(E s^2)^2 = 3 g_L (S4; network Q, {D1})", "derived",
              "3 mean(Q^2)/mean(Q)^2, batch SE",
              Equality("kurtosis_{k}", "kurtosis_theory_{k}"), each="network_moments"),
        Claim("fig2/A1_exact_{suffix}", "E Q^2 = prod(1 + 2/N) (exact sampler, N={n}, alpha={alpha:g})", "derived",
              "mean of Q^2", Equality("EQ2_exact_{suffix}", "g_L_exact_{suffix}"),
              each="exact"),
    ),
    "d2_exact": _d2_path(),
    "d2_limit": (
        *_d2_path(),
        Claim("fig4/A6_{stat}", "T3: the surrogate (N'={n}) and the triangular SDE agree on {stat} at alpha={alpha:g}",
              "derived", "two-sample KS distance", SameLaw("ks_sde_{stat}"), each="sde_stat"),
        Claim("fig4/A3_sde_mean", "limit: E log Q11 = -alpha (SDE, alpha={alpha:g})", "derived", "mean of log Q11",
              Equality("mean_logQ11_sde", "mean_logQ11_limit"), each="sde"),
        Claim("fig4/A3_sde_var", "limit: Var log Q11 = 2 alpha (SDE, alpha={alpha:g})", "derived",
              "variance of log Q11", Equality("var_logQ11_sde", "var_logQ11_limit"), each="sde"),
    ),
    "d1_convergence": (
        Claim("fig5/A1_{error}", "exact finite-N error of {error} decays like 1/N (S1; alpha={alpha:g})", "derived",
              "log-log slope over N",
              Bound("error_slope_{error}", *ERROR_SLOPE, reason="slope within [-1.1, -0.9] (exact formulas, no noise)",
                    theory=-1.0), each="error"),
        Claim("fig5/A2", "KS distance of log Q to N(-alpha, 2 alpha) decays like 1/N over N <= 40 (alpha={alpha:g})",
              "derived", "log-log slope of the KS distance",
              Bound("ks_slope", *KS_SLOPE, reason="slope within [-1.3, -0.7]", decided="ks_above_null", theory=-1.0)),
        Claim("fig5/A3_N{n}", "at N={n} log Q is not yet the limit law N(-alpha, 2 alpha) (alpha={alpha:g})",
              "derived", "one-sample KS distance", RejectsLaw("ks_smallest", "limit_distance_smallest"),
              each="smallest"),
        Claim("fig5/A4_N{n}", "at N={n} the KS distance of log Q to the limit is at most twice the null level",
              "derived", "KS distance / (1.36/sqrt n)",
              Bound("ks_over_null_largest", upper=KS_NULL_RATIO, reason="ratio <= 2"), each="largest"),
    ),
    "multi_input": (
        Claim("fig6/A1_same_{rho_id}", f"E s_i(x^1) s_i(x^2) = K_12 (network, {MULTI})", "derived",
              "mean of the product over both outputs, control variate K_12 (Q_ii - 1)",
              Equality("same_output_{rho_id}", "K12_{rho_id}", effect="K12_effect_{rho_id}"), each="rho"),
        Claim("fig6/A1_cross_{rho_id}", f"E s_1(x^mu) s_2(x^nu) = 0 (network, {MULTI})", "derived",
              "mean of the products s_1(x^1) s_2(x^2), s_2(x^1) s_1(x^2), control variate K_12 Q_12",
              Equality("cross_output_{rho_id}", 0.0, effect=SCALE_EFFECT), each="rho"),
        Claim("fig6/A2_cross_{rho_id}", f"E s_1(x^1)^2 s_2(x^2)^2 = Pi g/3 + (K11 K22 - Pi/3) h ({MULTI})", "derived",
              "mean over Q, batch SE", Equality("cross4_{rho_id}", "cross4_theory_{rho_id}"), each="rho_moments"),
        Claim("fig6/A2_same_{rho_id}", f"E s_1(x^1)^2 s_1(x^2)^2 = Pi g ({MULTI})", "derived", "mean over Q, batch SE",
              Equality("same4_{rho_id}", "same4_theory_{rho_id}"), each="rho_moments"),
        Claim("fig6/A3_T1_{stat}_{rho_id}", f"network = D x D mixture in law of {{stat}} ({MULTI})", "derived",
              "two-sample KS distance", SameLaw("ks_T1_{stat}_{rho_id}"), each="rho_stat"),
        Claim("fig6/A3_T2_{stat}_{rho_id}", f"D x D mixture = P x P mixture in law of {{stat}} ({MULTI})", "derived",
              "two-sample KS distance", SameLaw("ks_T2_{stat}_{rho_id}"), each="rho_stat"),
        Claim("fig6/A3_T5_{rho_id}", f"network s_1(x^1) is not the NNGP Gaussian ({MULTI})", "seed",
              "one-sample KS distance", RejectsLaw("ks_T5_{rho_id}", "nngp_effect"), each="rho"),
    ),
    "posterior": (
        Claim("fig7/A3_{suffix}", f"sign of the posterior output correlation is the sign of the labels' c_M "
              f"({POSTERIOR})", "derived", "sign(c_M) r (T -> 0)",
              Ordering("r_signed_{suffix}", effect=CORRELATION_EFFECT), each="rho_alpha"),
        Claim("fig7/A4_{suffix}", f"r at T={{T:g}} equals r at T -> 0 ({POSTERIOR})", "derived",
              "r(T) - r(T -> 0), paired batch SE (same draws)",
              Equality("r_T_minus_r_{suffix}", 0.0, TEMPERATURE_ALLOWANCE, "spec allowance 0.03",
                       effect=CORRELATION_EFFECT), each="rho_alpha"),
        # Erratum of the spec: T = 0.01 is not small against the smallest variances q_i kappa_mu of the posterior
        # (smallest kernel eigenvalue 0.11, lambda_2(Q) ~ e^-2alpha), so r(T) differs from r(T -> 0) by up to 0.15 at
        # alpha >= 0.5 although both computations are right (r(T) -> r(T -> 0) as T -> 0; A4 at the config's
        # T = 0.001 holds). The literal statement is decided at its largest deviation over rho_Y at the largest alpha
        # (the deviation grows with alpha; measured at every alpha: README).
        Claim("fig7/A4_spec_T{T:g}", "erratum of the spec: its A4 at its T={T:g}, |r(T) - r(T -> 0)| <= 0.03 at every "
              "rho_Y and alpha (largest deviation: {worst}); T = 0.01 is not small against the posterior's smallest "
              "variances, so it fails at alpha >= 0.5", "derived",
              "r(T) - r(T -> 0) where largest over rho_Y at the largest alpha, paired batch SE",
              Equality("r_spec_T_minus_r_worst", 0.0, TEMPERATURE_ALLOWANCE, "spec allowance 0.03",
                       effect=CORRELATION_EFFECT), each="spec_T", expected="fails"),
        Claim("fig7/A5_{suffix}", f"the prior draws have output correlation 0 ({POSTERIOR})", "derived",
              "E Q12 / sqrt(E Q11 E Q22), batch SE", Equality("prior_corr_{suffix}", 0.0, effect=CORRELATION_EFFECT),
              each="rho_alpha"),
        Claim("fig7/A6_{suffix}", f"importance weights usable: ESS >= 500 ({POSTERIOR})", "choice",
              "effective sample size",
              Reaches("ess_{suffix}", MIN_ESS, reason="gate ESS >= 500", decided="enough_draws_{suffix}"),
              each="rho_alpha"),
        Claim("fig7/A1_{rho_id}", "NNGP (alpha = 0, Q = I): posterior output correlation 0 (rho_Y={rho:g})", "seed",
              "r at alpha = 0 (exact: Q = I, no sampling)",
              Bound("r_nngp_{rho_id}", -EXACT_ZERO, EXACT_ZERO, theory=0.0,
                    reason="|r| <= 1e-12: with Q = I the T -> 0 weights are constant and E[Q12 | Y] = 0 exactly "
                           "(deterministic; computed through the weight and correlation code of alpha > 0)"),
              each="rho"),
        Claim("fig7/A2_gain_{rho_id}", "r grows with alpha: r({last:g}) - r({first:g}) > 5 SE (S3, S4; rho_Y={rho:g})",
              "seed", "r gain", Ordering("r_gain_{rho_id}", k=5, effect=CORRELATION_EFFECT), each="rho_labelled"),
        Claim("fig7/A2_monotone_{rho_id}", "no consecutive drop of r beyond 2 SE (rho_Y={rho:g})", "derived",
              "largest drop in SE units",
              Bound("r_largest_drop_{rho_id}", upper=MAX_DROP_SE, reason="every (r_k - r_k+1)/SE <= 2",
                    decided="r_se_finite_{rho_id}"), each="rho_labelled"),
    ),
    "widths": (
        Claim("fig8/A2_logQ11_mean_{profile}", f"E log Q11 exact ({PROFILE})", "derived", "mean of log Q11",
              Equality("mean_logQ11_{profile}", "mean_logQ11_theory_{profile}"), each="profile"),
        Claim("fig8/A2_logQ11_var_{profile}", f"Var log Q11 exact ({PROFILE})", "derived", "variance of log Q11",
              Equality("var_logQ11_{profile}", "var_logQ11_theory_{profile}"), each="profile"),
        Claim("fig8/A2_logB22_mean_{profile}", f"E log B22^2 exact ({PROFILE})", "derived", "mean of log B22^2",
              Equality("mean_logB22_{profile}", "mean_logB22_theory_{profile}"), each="profile"),
        Claim("fig8/A2_logB22_var_{profile}", f"Var log B22^2 exact ({PROFILE})", "derived", "variance of log B22^2",
              Equality("var_logB22_{profile}", "var_logB22_theory_{profile}"), each="profile"),
        Claim("fig8/A3_{profile}", f"E Q11^2 = prod(1 + 2/N_l) ({PROFILE})", "derived",
              "mean of Q11^2, control variate Q11 - 1, closed-form SE",
              Equality("EQ11sq_{profile}", "g_L_{profile}"), each="profile"),
        Claim("fig8/A1_A_{other}", "log Q11 of profile A and profile {other} have the same law (sum 1/N_l equal)",
              "derived", "two-sample KS distance", SameLaw("ks_A_{other}"), each="same_sum"),
        Claim("fig8/A1_A_{other}", "log Q11 of profile A and the control D (same L and mean width, different sum "
              "1/N_l) differ", "derived", "two-sample KS distance", RejectsLaw("ks_A_{other}", "effect_A_{other}"),
              each="control"),
    ),
    "rank": (
        Claim("fig9/A1_{suffix}", "E log det Q = sum_i E log B_ii^2 ({path}, D=3, alpha={alpha:g})", "derived",
              "mean of log det Q", Equality("logdet_{suffix}", "logdet_theory_{suffix}"), each="path_alpha"),
        Claim("fig9/A2_decrease_l{i}", "|E log lambda_{i}/alpha + {i}| decreases over alpha >= 1 (surrogate)",
              "derived", "largest increase between consecutive alpha",
              Bound("dev_increase_l{i}", upper=0.0, strict=True,
                    reason="strictly decreasing sequence of |E log lambda/alpha + i|"), each="decrease"),
        Claim("fig9/A2_l{i}_{top_name}", "|E log lambda_{i}/alpha + {i}| <= 0.35 at alpha={top:g} (surrogate)",
              "derived", "|E log lambda/alpha + i|",
              Bound("dev_l{i}_top", upper=EIGEN_BOUND, reason="spec bound 0.35"), each="eigenvalue"),
        Claim("fig9/A3_{top_name}", "rank collapse (S4): median effective rank (tr Q)^2/tr Q^2 < 1.01 at "
              "alpha={top:g}", "derived", "1.01 - median effective rank",
              Ordering("rank_collapse_gap", "rank_collapse_gap_theory"), each="top"),
    ),
}

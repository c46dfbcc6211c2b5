"""The claims of the hayou document as data (spec hayou §5), decided on the quantities of ``fit.py``.

Rules (``deeplimits.audit``; DESIGN.md's convention replaces the spec's "3 SE + delta"): equalities hold within
5 SE + the spec's delta (its allowance for a known finite-L, finite-n or time-drift bias; the allowances that scale
with the setting, 3/n, 12/n and 5/M, are quantities of the fit), orderings and signs need 3 SE, distributional
claims KS p >= 5.7e-7. Deterministic identities (fig02, fig08/c) are bounds on exactly computed errors; the fig03
KS bound is decided only when the sample resolves it (the 95% null distance 1.36/sqrt(N) below the bound).

Power (DESIGN.md "Audit power"): every row states the effect it must rule out, and is inconclusive when its
detectable deviation is not below it. Equalities: 10 % of the theory value, except the rows on m_n (the larger of
that and the distance to the unconditional formula 1/4 - 1/n) and rows against 0 (the Ito term 1/(2n) for
aux01 at n = 2; 10 % of |m_n| for the S2 check; 10 % of the collapsed fraction for S1 vs S4; for the S2 erratum
at n = 1 the exact finite-L difference that the spec's statement misses). Orderings: the
theory's predicted gap where it has one (fig01/c, fig05/a, fig13/b, fig14-17/a, aux01, aux02; the aux02 minimum
at n = 1 is a predicted tie, an equality), else a stated
scale: 10 % of the collapse probability (fig04), of v_1 (fig12), of SD(U_L) (fig18-21/a), the gap of the spec's
12/n (fig06/c), KS_EFFECT (fig12/ks), the spec's bound (fig07/a, b). "bound + 3 SE" only where the spec writes it
(fig04/b, fig06/c_bound, fig18-21/b). fig09 uses the exact finite-L bias (T4 quadrature) in place of the spec's delta.
fig04 decides on the conditional Monte Carlo estimate of the collapse probability, not on the spec's S1 counts: the
same quantity, unbiased, with a relative SE below 1 % at probabilities down to 1e-34 (the counts see none below
1e-6). At n = 1 it is exact, so fig04/a allows only float64 rounding (1e-12 relative) for the spec's delta 0.
The spec's intervals for a noisy estimate (fig05/e, fig13/a) are ``Within`` rows: the estimate 3 SE inside, effect the
half-width. fig18-21/b are the spec's bound on the O(1/n) bias, |E U_L - u_inf(1)| <= 3/n + 3 SE (effect 3/n), and
fig21/b_limit tests u_inf(1) itself, the O(1/n) bias removed by Richardson extrapolation in n.
"""

from __future__ import annotations

from deeplimits.audit import KS_EFFECT, AtMost, Beyond, Bound, Claim, Equality, Ordering, SameLaw, Within

#: spec §5 fig03: the finite-L KS distance bound, decided only when the null distance 1.36/sqrt(N) is below it
OU_KS_BOUND = 0.01
#: spec §5 fig02: the relative error of the OU activation's identities (deterministic)
OU_RELATIVE_ERROR = 1e-10
#: spec §5 fig08/c: the floating-point error of the homogeneity identity <h_0, Y_0> = <h_L, Y_L>
HOMOGENEITY_ERROR = 1e-8
#: spec §5 fig05/e: n Var G_1 in [0.95, 1.15], around the heuristic t + t^2/16 at t = 1
N_VAR_INTERVAL, N_VAR_HEURISTIC = (0.95, 1.15), 1 + 1 / 16
#: spec §5 fig13/a: sqrt(n) SD(G_1) in [0.95, 1.08], around the square root of that heuristic
SD_INTERVAL, SD_HEURISTIC = (0.95, 1.08), (1 + 1 / 16) ** 0.5
#: fig07/a: the effect of "P(c_1 > 0.99) <= 0.01" is the spec's bound itself: the row must tell a non-degenerate
#: law (P ~ 0) from one with 1 % of its mass at c_1 > 0.99 [choice]
DEGENERACY_EFFECT = 0.01
#: fig07/b: the effect of "SD(c_1) >= 0.05" is the bound itself: the row must tell SD 0 (a deterministic c_1, the
#: infinite-width alternative) from SD 0.05 [choice]
STOCHASTICITY_EFFECT = 0.05

FINITE_L = "finite-L bias, spec delta"
EXACT_BIAS = "the exact finite-L bias (T4 quadrature), within the spec's delta 0.01 (mean) / 0.03 (var)"
SPEC = "spec delta"
IDENTITY = "identity, n = 1, Y_0 = 1, L = {L}"
RELU1 = "ReLU, n = 1, Y_0 ~ N(0, 1), L = {L}"
OU = "OU activation, n = 1, Y_0 = {y0:g}, L = {L}"
SET = "beta = {beta:g}, gamma = {gamma:g}, zeta = {zeta:.6g}"
GROWTH = "ReLU, n = {n}, L = {depth}"
DEPTH_FIRST = "depth first, L = {L}, n = {n}"
WIDTH_FIRST = "width first, n = {n}, L = {L}"
CORRELATION = "ReLU, c0 = {c0:g}"
GRADIENT = "ReLU, n = {n}, L = {depth}, h_L = 1/sqrt(n)"
EULER = "n = {euler_vs_explicit[width]}, L = {euler_vs_explicit[depth]}"
GRAM = "n = {gram_vs_explicit[width]}, L = {gram_vs_explicit[depth]}, c0 = {gram_vs_explicit[c0]:g}"


def _deterministic(cid: str, text: str, statistic: str, error: str) -> Claim:
    """An identity of the OU activation (fig02), exact up to 1e-10 relative."""
    return Claim(cid, f"{text} ({SET})", "derived", statistic,
                 Bound(error, upper=OU_RELATIVE_ERROR, reason="deterministic, 1e-10 relative (spec)", theory=0.0),
                 each="set")


CLAIMS = {
    "gbm": (
        Claim("fig01/b_mean_L{L}", f"E log|Y_L| equals the exact finite-L value L E log|1 + zeta/sqrt L| ({IDENTITY})",
              "derived", "mean of log|Y_L|", Equality("mean_log_abs_YL_L{L}", "exact_mean_log_abs_YL_L{L}"),
              each="identity"),
        Claim("fig01/b_var_L{L}", f"Var log|Y_L| equals the exact finite-L value ({IDENTITY})", "derived",
              "variance of log|Y_L|", Equality("var_log_abs_YL_L{L}", "exact_var_log_abs_YL_L{L}"), each="identity"),
        Claim("fig10/a_L{L}", f"E Y_L = Y_0 = 1: the network is a martingale ({IDENTITY})", "derived", "mean of Y_L",
              Equality("mean_YL_L{L}", "martingale_mean"), each="identity"),
        Claim("fig10/b_L{L}", f"P(Y_L < 0) = [1 - (1 - 2 Phi(-sqrt L))^L] / 2 ({IDENTITY})", "derived",
              "fraction of Y_L < 0, binomial SE at the theory value",
              Equality("P_negative_L{L}", "flip_probability_L{L}"), each="identity"),
        Claim("fig01/a_mean_L{L}", f"E log|Y_L| = -1/2, the GBM limit (Prop. 2; {IDENTITY})", "seed",
              "mean of log|Y_L|", Equality("mean_log_abs_YL_L{L}", "gbm_mean_limit", 0.01, FINITE_L),
              each="identity_deepest"),
        Claim("fig01/a_var_L{L}", f"Var log|Y_L| = 1, the GBM limit (Prop. 2; {IDENTITY})", "seed",
              "variance of log|Y_L|", Equality("var_log_abs_YL_L{L}", "gbm_var_limit", 0.03, FINITE_L),
              each="identity_deepest"),
        Claim("fig10/c_L{L}", f"median Y_L = e^-1/2 = 0.60653, the log-normal median ({IDENTITY})", "derived",
              "sample median, order-statistic SE", Equality("median_YL_L{L}", "lognormal_median", 0.01, FINITE_L),
              each="identity_deepest"),
        Claim("fig01/c_mean_L{L}", f"the smallest depth does not fit the GBM: E log|Y_L| < -1/2 ({IDENTITY})", "seed",
              "-1/2 - mean of log|Y_L|",
              Beyond("mean_log_abs_YL_L{L}", "gbm_mean_limit", below=True, theory="exact_mean_log_abs_YL_L{L}"),
              each="identity_smallest"),
        Claim("fig01/c_var_L{L}", f"the smallest depth does not fit the GBM: Var log|Y_L| > 1 ({IDENTITY})", "seed",
              "variance of log|Y_L| - 1",
              Beyond("var_log_abs_YL_L{L}", "gbm_var_limit", theory="exact_var_log_abs_YL_L{L}"),
              each="identity_smallest"),
        Claim("fig09/mean_t{t:g}", "E log|Y_tL| = -t/2 (identity, n = 1, L = {L}, t = {t:g})", "seed",
              "mean of log|Y_tL|",
              Equality("mean_log_abs_Y_t{t:g}", "gbm_mean_t{t:g}", "finite_L_bias_mean_t{t:g}", EXACT_BIAS),
              each="time"),
        Claim("fig09/var_t{t:g}", "Var log|Y_tL| = t (identity, n = 1, L = {L}, t = {t:g})", "seed",
              "variance of log|Y_tL|",
              Equality("var_log_abs_Y_t{t:g}", "gbm_var_t{t:g}", "finite_L_bias_var_t{t:g}", EXACT_BIAS),
              each="time"),
        Claim("fig01/d_L{L}", f"P(Y_L <= 0) = 1/2 + (1 - Phi(sqrt L)^L)/2 ({RELU1})", "derived",
              "fraction of Y_L <= 0, binomial SE at the theory value",
              Equality("P_nonpositive_L{L}", "P_nonpositive_theory_L{L}"), each="relu"),
        Claim("fig01/e_mean_L{L}", f"E[log(Y_L/Y_0) | Y_0 > 0, Y_L > 0] = -1/2 (Prop. 3; {RELU1})", "seed",
              "mean of log(Y_L/Y_0) on non-collapsed samples",
              Equality("mean_log_ratio_L{L}", "relu_mean_limit", 0.01, FINITE_L), each="relu_deepest"),
        Claim("fig01/e_var_L{L}", f"Var[log(Y_L/Y_0) | Y_0 > 0, Y_L > 0] = 1 (Prop. 3; {RELU1})", "seed",
              "variance of log(Y_L/Y_0) on non-collapsed samples",
              Equality("var_log_ratio_L{L}", "relu_var_limit", 0.03, FINITE_L), each="relu_deepest"),
    ),
    "ou_activation": (
        _deterministic("fig02/phi0_set{i}", "phi(-gamma/beta) = zeta exp(erfi^-1(0)^2) = zeta", "relative error",
                       "phi0_rel_err_set{i}"),
        _deterministic("fig02/sigma_set{i}", "phi g' = sigma: Z = g(X) has constant noise",
                       "max relative error on the grid", "sigma_rel_err_set{i}"),
        _deterministic("fig02/inverse_set{i}", "erfi(g(x)) = beta x + gamma", "max relative error on the grid",
                       "inverse_rel_err_set{i}"),
    ),
    "ou": (
        Claim("fig03/mean_L{L}", f"E g(Y_L) = Z_0 e^-1 = {{m1:.6f}} (Prop. 4; {OU})", "seed", "mean of Z = g(Y_L)",
              Equality("mean_Z_L{L}", "ou_mean_1", 0.01, FINITE_L), each="deepest"),
        Claim("fig03/var_L{L}", f"Var g(Y_L) = (1 - e^-2)/2 = {{v1:.6f}} (Prop. 4; {OU})", "seed", "variance of Z",
              Equality("var_Z_L{L}", "ou_var_1", 0.01, FINITE_L), each="deepest"),
        Claim("fig03/ks_L{L}", f"KS distance of g(Y_L) to N(m_1, v_1) <= {OU_KS_BOUND} ({OU})", "choice",
              "KS distance", Bound("ks_distance_L{L}", upper=OU_KS_BOUND, reason=f"spec bound {OU_KS_BOUND}",
                                   decided="ks_resolves_L{L}", theory=0.0), each="deepest"),
        Claim("fig12/var_gap_L{L}", f"at the smallest depth Var g(Y_L) exceeds v_1: the depth is too small ({OU})",
              "seed", "Var Z - v_1 (signed)", Ordering("var_gap_L{L}", effect="var_effect"), each="smallest"),
        Claim("fig12/ks_L{small}_L{large}", "the KS distance of g(Y_L) to N(m_1, v_1) decreases from L = {small} to "
              "L = {large}", "seed", "KS distance difference, delta-method SE",
              Ordering("ks_gap_L{small}_L{large}", effect=KS_EFFECT),
              each="ks_pair"),
        Claim("fig11/mean_t{t:g}", "E g(Y_tL) = Z_0 e^-t (OU activation, L = {L}, t = {t:g})", "seed", "mean of Z",
              Equality("mean_Z_t{t:g}", "ou_mean_t{t:g}", 0.01, FINITE_L), each="time"),
        Claim("fig11/var_t{t:g}", "Var g(Y_tL) = (1 - e^-2t)/2 (OU activation, L = {L}, t = {t:g})", "seed",
              "variance of Z", Equality("var_Z_t{t:g}", "ou_var_t{t:g}", 0.01, FINITE_L), each="time"),
    ),
    "collapse": (
        Claim("fig04/a_L{L}", "n = 1: P(collapse | Y_0 > 0) = 1 - Phi(sqrt L)^L = {theory:.4g} (L = {L})", "derived",
              "conditional Monte Carlo mean (exact at n = 1: zero variance)",
              Equality("collapsed_n1_L{L}", "collapse_theory_L{L}", allowance="collapse_rounding_L{L}",
                       allowance_reason="float64 rounding, 1e-12 relative"), each="n1_depth"),
        Claim("fig04/b_n{n}_L{small}_L{large}", "collapse probability does not increase with depth (n = {n}, "
              "L = {small} -> {large})", "seed", "p(L_j+1) - p(L_j)",
              AtMost("collapse_step_n{n}_L{small}_L{large}", 0.0, margin=True, effect="collapse_scale_n{n}_L{small}"),
              each="depth_step"),
        Claim("fig04/b_n{n}_decrease", "collapse probability decreases from L = {first} to L = {last} (n = {n})",
              "seed", "p(L_min) - p(L_max)", Ordering("collapse_decrease_n{n}", effect="collapse_scale_n{n}_L{first}"),
              each="width"),
        Claim("fig04/d_n{n}", "collapse probability tends to 0: p(n, {last}) <= 5/M (n = {n})", "seed",
              "conditional Monte Carlo mean",
              Bound("collapse_last_n{n}", upper="collapse_bound_n{n}", reason="5 / (number of samples in E_0)"),
              each="width"),
        Claim("fig04/c_n{n}_L{L}", "collapse probability decreases with width (n = {n} -> {wider}, L = {L})", "seed",
              "p(n) - p(n+1)",
              Ordering("collapse_widen_n{n}_L{L}", effect="collapse_scale_n{n}_L{L}"), each="width_step"),
    ),
    "quasi_gbm": (
        Claim("fig05/a_n{n}", f"mean log-growth G_1 is negative at n = {{n}} <= 3 ({GROWTH})", "seed", "-mean G_1",
              Beyond("mean_G_n{n}", 0.0, below=True, theory="m_n_n{n}"), each="negative"),
        Claim("fig05/a_n{n}", f"mean log-growth G_1 is positive at n = {{n}} >= 4 ({GROWTH})", "seed", "mean G_1",
              Beyond("mean_G_n{n}", 0.0, theory="m_n_n{n}"), each="positive"),
        Claim("fig05/b_n{n}", f"E[G_1 | E_0] = m_n = 1/(4(1 - 2^-n)) - 1/n ({GROWTH}{{also}})", "derived",
              "mean G_1 (non-collapsed)",
              Equality("mean_G_n{n}", "m_n_n{n}", 0.006, "E[N_s] drifts over [0, 1], spec delta",
                       effect="m_n_effect_n{n}"), each="fig05"),
        Claim("fig05/c_n{n}", f"E[G_1 | E_0] = (1/2n) int (E[N_s | E_0] - 2) ds from the same run ({GROWTH})",
              "derived", "mean G_1 (non-collapsed)",
              Equality("mean_G_n{n}", "integral_n{n}", 0.004, "finite L, spec delta", effect="m_n_effect_n{n}"),
              each="fig05"),
        Claim("fig05/e_n{n}", f"n Var G_1 in [0.95, 1.15] ({GROWTH})", "derived", "n Var G_1",
              Within("n_var_G_n{n}", *N_VAR_INTERVAL, "spec interval, heuristic t + t^2/16",
                     theory=N_VAR_HEURISTIC), each="fig05"),
        Claim("fig05/d_n{n}", f"n = 1 recovers the GBM: E G_1 = -1/2 ({GROWTH})", "seed", "mean G_1",
              Equality("mean_G_n{n}", "gbm_rate", 0.01, SPEC), each="gbm"),
        Claim("fig13/a_n{n}", f"sqrt(n) SD(G_1) in [0.95, 1.08] ({GROWTH})", "derived", "sqrt(n) SD of G_1",
              Within("sqrt_n_sd_G_n{n}", *SD_INTERVAL, "spec interval", theory=SD_HEURISTIC), each="fig13"),
        Claim("fig13/c_n{n}", f"E G_1 = m_n ({GROWTH})", "derived", "mean G_1",
              Equality("mean_G_n{n}", "m_n_n{n}", 0.006, SPEC, effect="m_n_effect_n{n}"), each="fig13"),
        Claim("fig13/b_n{n}_n{wider}", "G_1 concentrates: SD decreases from n = {n} to {wider} (Thm 2)", "seed",
              "SD(n) - SD(wider)",
              Ordering("sd_gap_n{n}_n{wider}", theory="sd_gap_theory_n{n}_n{wider}"), each="fig13_pair"),
        Claim("aux03/sde_n{n}", "the fig05 statistic E G_1 agrees at L = {validation_depth} and L = {depth} (S2; "
              "n = {n})", "derived", "mean G_1 at L = {validation_depth} minus at L = {depth}, paired (one Brownian "
              "path)", Equality("sde_difference_n{n}", 0.0, 0.005, SPEC, effect="sde_effect_n{n}"), each="sde"),
        Claim("aux03/sde_n{n}", "the fig05 statistic E G_1 agrees at L = {validation_depth} and L = {depth} within "
              "the spec's 0.005 (S2; n = {n}): an erratum of the spec at n = 1, where the exact finite-L bias of E G_1 "
              "(T5) differs by -0.0094 between the two depths", "derived",
              "mean G_1 at L = {validation_depth} minus at L = {depth}, paired (one Brownian path)",
              Equality("sde_difference_n{n}", 0.0, 0.005, SPEC, effect="sde_exact_difference_n{n}"),
              expected="fails", each="sde_gbm"),
        Claim("aux03/sde_exact_n{n}", "at n = {n} the S2 difference of E G_1 between L = {validation_depth} and "
              "L = {depth} is the exact finite-L bias of T5, L E[log(1 + zeta/sqrt L) | zeta > -sqrt L] (corrected "
              "aux03 S2 check; effect: no depth dependence)", "derived",
              "mean G_1 at L = {validation_depth} minus at L = {depth}, paired",
              Equality("sde_difference_n{n}", "sde_exact_difference_n{n}", effect="sde_exact_difference_n{n}"),
              each="sde_gbm"),
    ),
    "limits": (
        Claim("fig06/b_n{n}", f"E ||Y_L||^2/(n q0) = e^(1/2) (McKean-Vlasov; {DEPTH_FIRST})", "seed", "mean of S",
              Equality("S_depth_first_n{n}", "limit_S", 0.02, "finite n, spec delta"), each="depth_first_wide"),
        Claim("fig06/d_depth_first_n{n}", f"E G_1 = m_n ({DEPTH_FIRST})", "derived", "mean G_1",
              Equality("G_depth_first_n{n}", "m_n_n{n}", 0.006, SPEC, effect="m_n_effect_n{n}"), each="depth_first"),
        Claim("fig06/c_bound_n{n}", f"pooled excess kurtosis of Y_L^i is O(1/n): <= 12/n ({DEPTH_FIRST})", "derived",
              "pooled excess kurtosis, batch-means SE", AtMost("kurtosis_n{n}", "kurtosis_bound_n{n}", margin=True),
              each="depth_first"),
        Claim("fig06/c_n{n}_n{wider}", "pooled excess kurtosis decreases from n = {n} to {wider} (scale mixture, "
              "depth first)", "derived", "kurtosis(n) - kurtosis(wider)",
              Ordering("kurtosis_gap_n{n}_n{wider}", effect="kurtosis_gap_scale_n{n}_n{wider}"),
              each="kurtosis_pair"),
        Claim("fig06/a_L{L}", f"E ||Y_L||^2/(n q0) = (1 + 1/(2L))^L (NNGP; {WIDTH_FIRST})", "seed", "mean of S",
              Equality("S_width_first_L{L}", "nngp_S_L{L}", 0.005, "finite n, spec delta"), each="width_first"),
        Claim("fig06/d_width_first_L{L}", f"E G_1 = (L/2) log(1 + 1/(2L)) ({WIDTH_FIRST})", "derived", "mean G_1",
              Equality("G_width_first_L{L}", "nngp_G_L{L}", 0.005, SPEC), each="width_first"),
        Claim("fig06/a_gap_L{L}", f"at L = {{L}} the NNGP variance is visibly below e^(1/2) ({WIDTH_FIRST})",
              "derived", "e^(1/2) - mean S",
              Beyond("S_width_first_L{L}", "limit_S", below=True, theory="nngp_S_L{L}"), each="width_first_smallest"),
    ),
    "correlation": (
        Claim("fig07/a", f"no degeneracy: P(c_1 > 0.99) <= 0.01 ({CORRELATION}, n = {{width}}, L = {{depth}})",
              "seed", "0.01 - fraction of c_1 > 0.99",
              Beyond("P_above_0.99", 0.01, below=True, effect=DEGENERACY_EFFECT)),
        Claim("fig07/b", f"some stochasticity: SD(c_1) >= 0.05 ({CORRELATION}, n = {{width}}, L = {{depth}})", "seed",
              "SD(c_1) - 0.05", Beyond("sd_c1", 0.05, effect=STOCHASTICITY_EFFECT)),
        Claim("fig07/c", f"c_1 has one law at L = {{short_depth}} and L = {{depth}} (depth limit; {CORRELATION}, "
              "n = {width})", "seed", "two-sample KS distance", SameLaw("ks_depths")),
        Claim("fig07/d", f"E c_1 = {{reference:.5f}}, the infinite-width reference ({CORRELATION}, "
              "n = {wide_width})", "derived", "mean of c_1",
              Equality("mean_c1_wide", "reference_c1", 0.02, "finite width, spec delta"), each="reference"),
    ),
    "gradients": (
        Claim("fig08/c_n{n}", f"<h_0, Y_0> = <h_L, Y_L> in every run (positive homogeneity; forward and backward "
              f"share the weights; {GRADIENT})", "derived", "max |<h_0,Y_0> - <h_L,Y_L>| / (1 + |<h_L,Y_L>|)",
              Bound("identity_err_n{n}", upper=HOMOGENEITY_ERROR, reason="floating point, spec bound", theory=0.0),
              each="run"),
        Claim("fig08/b_n{n}", f"gradients stay well behaved: the 99th percentile of max_l |log ||h_l||| is <= 1 "
              f"({GRADIENT})", "seed", "1 - 99th percentile",
              Beyond("q99_max_abs_log_h_n{n}", 1.0, below=True, theory="reference_log_h0"),
              each="wide_run"),
        Claim("fig08/a_n{n}", f"E log ||h_0|| = 1/4 (infinite-width heuristic e^(1/4); {GRADIENT})", "derived",
              "mean of log ||h_0||", Equality("mean_log_h0_n{n}", "reference_log_h0", 0.02, "finite width, spec delta"),
              each="widest_run"),
    ),
    "layers": (
        Claim("{fig}/a", "the Gaussian fits the last layer better: |skew U_L| < |skew U_1| (ReLU, n = {n}, "
              "L = {depth})", "seed", "|skew U_1| - |skew U_L|, batch-means SE",
              Ordering("skew_gap_n{n}", theory="skew_gap_theory_n{n}"),
              each="scaled"),
        Claim("{fig}/b", "E U_L = u_inf(1) = log(1/2)/2 + 1/4 up to O(1/n): |E U_L - u_inf(1)| <= 3/n + 3 SE, the "
              "spec's heuristic bias bound (ReLU, n = {n}, L = {depth})", "derived", "|mean of U_L - u_inf(1)|",
              AtMost("u_deviation_n{n}", "u_bias_n{n}", margin=True), each="raw"),
        Claim("{fig}/b_limit", "E U_L = u_inf(1) = log(1/2)/2 + 1/4 in the limit n -> infinity: the O(1/n) bias "
              "removed by Richardson extrapolation from n = {n} and {wider} (ReLU, L = {depth})", "derived",
              "(wider E U_L(wider) - n E U_L(n)) / (wider - n)", Equality("mean_U_limit_n{n}_n{wider}", "u_inf_1"),
              each="raw_limit"),
        Claim("{fig}/a", "U_L concentrates: SD decreases from n = {n} to {wider}", "seed", "SD(n) - SD(wider)",
              Ordering("sd_gap_n{n}_n{wider}", effect="sd_effect_n{n}"), each="raw_pair"),
    ),
    "identity_norm": (
        Claim("aux01/mean_n{n}", "E log(||Y_L||/||Y_0||) = (n-2)/(2n) (Prop. 9; identity, n = {n}, L = {depth})",
              "seed", "mean", Equality("mean_log_ratio_n{n}", "theory_mean_n{n}", 0.005, "finite L, spec delta",
                                     effect="mean_effect_n{n}"),
              each="width"),
        Claim("aux01/var_n{n}", "n Var log(||Y_L||/||Y_0||) = 1 (Prop. 9; identity, n = {n}, L = {depth})", "derived",
              "n x variance", Equality("n_var_log_ratio_n{n}", "theory_n_var_n{n}", 0.05, SPEC), each="width"),
        Claim("aux01/negative_n{n}", "the log-drift is negative at n = 1 (identity, n = {n}, L = {depth})", "seed",
              "-mean", Beyond("mean_log_ratio_n{n}", 0.0, below=True, theory="theory_mean_n{n}"),
              each="gbm_width"),
    ),
    "piecewise": (
        Claim("aux02/m_n{n}_{akey}", "E G_1 = m_n(alpha) (Prop. 10; n = {n}, alpha = {alpha:g}, L = {depth})",
              "derived", "mean G_1", Equality("mean_G_n{n}_{akey}", "m_n_alpha_n{n}_{akey}", 0.01, SPEC),
              each="width_alpha"),
        Claim("aux02/pole_n{n}", "pole discontinuity: E G_1 jumps up from alpha = 0 to 1e-3 (n = {n})", "seed",
              "G(1e-3) - G(0)", Ordering("pole_jump_n{n}", theory="pole_jump_theory_n{n}"), each="pole"),
        Claim("aux02/flip_n{n}_a0.01", "tuning alpha sets the sign: E G_1 < 0 at n = {n}, alpha = 0.01", "seed",
              "-mean G_1", Beyond("mean_G_n{n}_a0.01", 0.0, below=True, theory="m_n_alpha_n{n}_a0.01"),
              each="flip"),
        Claim("aux02/flip_n{n}_a0.25", "tuning alpha sets the sign: E G_1 > 0 at n = {n}, alpha = 0.25", "seed",
              "mean G_1", Beyond("mean_G_n{n}_a0.25", 0.0, theory="m_n_alpha_n{n}_a0.25"), each="flip"),
        Claim("aux02/minimum_n{n}", "the grid minimum of E G_1 is at alpha <= 0.01 (n = {n}; at n = 1 it ties with "
              "alpha = 1)", "seed", "min over alpha <= 0.01 - min over alpha > 0.01",
              Beyond("minimum_gap_n{n}", 0.0, below=True, theory="minimum_gap_theory_n{n}"), each="minimum"),
        Claim("aux02/minimum_n{n}", "the grid minimum of E G_1 over alpha <= 0.01 ties with that over alpha > 0.01 "
              "(n = {n}: m_1(0) = m_1(1) = -1/2)", "seed", "min over alpha <= 0.01 - min over alpha > 0.01",
              Equality("minimum_gap_n{n}", "minimum_gap_theory_n{n}", effect="minimum_tie_effect_n{n}"),
              each="minimum_tie"),
    ),
    "validation": (
        Claim("aux03/s1_norm", f"S1 (exact Euler identity) and S4 (explicit weights) give one law of ||phi(Y_L)|| "
              f"({EULER})", "derived", "two-sample KS distance", SameLaw("ks_phi_norm")),
        Claim("aux03/s1_collapse", f"S1 and S4 give one collapse probability ({EULER})", "derived",
              "difference of collapsed fractions", Equality("collapse_difference", 0.0, effect="collapse_effect")),
        Claim("aux03/s3_corr", f"S3 (Gram reduction) and S4 give one law of c_1 ({GRAM})", "derived",
              "two-sample KS distance", SameLaw("ks_correlation")),
    ),
}

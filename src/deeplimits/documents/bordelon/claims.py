"""The claims of the bordelon document as data (spec bordelon §4-§5), decided on the quantities of ``fit.py``.

Rules (spec §4-§5, ``deeplimits.audit``; every row states its effect and its power, DESIGN.md "Audit power"):

- agreement of simulation and DMFT: |mean - DMFT| <= k SE, k = 5 (the spec's |z| <= 5), for an SE estimated from S <
  30 replicates the two-sided 5-sigma quantile of Student's t with S - 1 dof (8.3 at S = 16, 17 at S = 8), the
  audit's equality rule; no allowance (spec §7: "double D; never widen tolerances"). Effect: 10 % of the DMFT loss,
  so a row is inconclusive where k SE reaches it. Asserted only where eta0 <= eta_div/3 (spec §7): the fit lists
  agreement instances only for such settings; over a learning-rate sweep, every stable grid point must satisfy it
  (the worst excess |mean - DMFT| - k SE <= 0), and the row's power is its weakest point's k SE / DMFT loss against
  10 %;
- orderings use the spec's k (adjacent z > 2, 3 or 5) and the DMFT's predicted gap as their effect (they fail when
  the DMFT predicts a gap twice the threshold and the data lacks it); "at most" claims carry the burden
  (estimate + 3 SE <= bound) except fig4's depth limit, where the spec writes "within 3 combined SE";
- deterministic statements on the DMFT (monotone curves, optima, spreads, solver agreement) are bounds: 1e-12 for
  "never rises", the spec's intervals and bounds otherwise; the timing exponents of table1 are intervals that
  absorb timing noise, decided on the fastest of the repeats at the two largest sizes;
- late-time exponents (fig6c): the spec's tolerance is complete (0.05 lazy, 0.08 rich, 0.15 easy task: the drift
  of the local exponent between windows, not statistical error), so no SE term is added; effect: the competing
  exponent (the acceleration 2beta/(1+beta) - beta on the hard task; on the easy task beta - 2beta/(1+beta), the
  acceleration formula wrongly applied);
- claims about the spec's horizon T (optima, overfitting, least-squares limits) are decided only when the run
  reaches it (condition ``horizon``; the smoke preset caps ``steps``); a claim about a step the run does not
  reach is inconclusive (its quantity is missing).
"""

from __future__ import annotations

from deeplimits.audit import AtMost, Bound, Claim, Equality, Gated, Member, Ordering

#: the effect of a sweep's agreement row: a 10 % error of the DMFT loss at its weakest grid point (the default
#: effect of an equality, DESIGN.md "Audit power")
RELATIVE_EFFECT = 0.1
#: the alphas where the overfitting gap must peak (spec fig3)
PEAK_ALPHAS = (0.75, 1.0, 1.25)


def _agree(prefix: str) -> Claim:
    """Simulation = DMFT at each claim time (instances ``agree``: curve, loss, step, label)."""
    return Claim(f"{prefix}_{{loss}}_t{{step}}", "simulation {loss} loss = DMFT at t = {step} ({label})", "derived",
                 "mean {loss} loss over replicates",
                 Equality("{loss}_{curve}_t{step}", "dmft_{loss}_{curve}_t{step}", k="k_{curve}",
                          allowance="rounding_{loss}_{curve}_t{step}",
                          allowance_reason="0 up to rounding: 1e-9 L(0), the floor both sides are zero at",
                          effect="effect_{loss}_{curve}_t{step}"), each="agree")


def _sweep(fig: str) -> Claim:
    """Simulation = DMFT at every stable grid point of a learning-rate sweep (instances ``sweep``: curve)."""
    return Claim(f"{fig}/agree_{{curve}}", "simulation final loss = DMFT at every eta0 <= eta_div/3 ({curve})",
                 "derived", "max over the grid of |mean - DMFT| - k SE",
                 Bound("excess_{curve}", upper=0.0,
                       reason="k SE (5 sigma; Student t, S - 1 dof, for S < 30) at each grid point with "
                       "eta0 <= eta_div/3",
                       decided="agree_decided_{curve}", detectable="sweep_power_{curve}", effect=RELATIVE_EFFECT),
                 each="sweep")


def _transfer(fig: str, max_spread: float) -> tuple[Claim, ...]:
    """μP optimum constant across width (spread <= max_spread decades); NTK optimum non-decreasing in width, total
    shift >= the spec's min_shift decades and >= 2x the μP spread (the fit's bound); about the spec's horizon."""
    return (
        Claim(f"{fig}/mup_transfer_dmft", f"muP: the DMFT optimum log10 eta* varies by at most {max_spread:.3g} "
              "decade across width", "seed", "spread of log10 eta* (DMFT)",
              Bound("mup_spread_dmft", upper=max_spread, reason="spec bound (grid resolution)", decided="horizon")),
        Claim(f"{fig}/mup_transfer_sim", f"muP: the simulated optimum log10 eta* varies by at most {max_spread:.3g} "
              "decade across width", "seed", "spread of log10 eta*, bootstrap SE",
              Gated(AtMost("mup_spread_sim", max_spread), decided="horizon")),
        Claim(f"{fig}/ntk_shift_dmft", "NTK: the DMFT optimum moves up with width, by >= {min_shift:.3g} decade and "
              ">= 2x the muP spread", "seed", "shift of log10 eta* (DMFT)",
              Gated(Bound("ntk_shift_dmft", lower="ntk_shift_bound_dmft", reason="spec bound"), decided="horizon",
                    also=(Bound("ntk_min_step_dmft", lower=-1e-9, reason="non-decreasing"),)), each="transfer"),
        Claim(f"{fig}/ntk_shift_sim", "NTK: the simulated optimum moves up with width ({narrow} -> {wide})", "seed",
              "shift of log10 eta*, bootstrap SE, z > 2",
              Gated(Ordering("ntk_shift_sim", "ntk_shift_dmft", k=2.0), decided="horizon"),
              each="transfer"),
        Claim(f"{fig}/ntk_vs_mup_sim", "NTK shift exceeds twice the muP spread (simulation)", "seed",
              "NTK shift - 2 muP spread",
              Gated(Ordering("ntk_vs_mup_sim", "dmft_ntk_vs_mup", k=2.0), decided="horizon")),
    )


def _exponent(label: str, regime: str, text: str, tag: str, theory: str, allowance: float, reason: str,
              effect: str, each: str) -> Claim:
    """A late-time exponent of the lazy or rich ``regime``: within the spec's tolerance for the local-exponent
    drift, which the spec calls complete (k = 0: no SE term); effect: the competing exponent's distance. Decided
    only at the spec's task sizes (a smaller D truncates the power law inside the window)."""
    return Claim(f"fig6/{label}_b{{beta:g}}", text, tag, "mean per-seed log-log slope",
                 Gated(Equality(f"{regime}_slope_b{{beta:g}}", theory, allowance, reason, effect=effect, k=0.0),
                       decided="spec_size_b{beta:g}"), each=each)


DRIFT = "local-exponent drift between windows (spec)"

CLAIMS = {
    "fig1": (
        _agree("fig1/agree_{curve}"),
        Claim("fig1/init_{curve}", "initial test loss = 1 + 1/(gamma0^2 nu) + sigma^2 (muP) ({curve})", "derived",
              "mean test loss at t = 0", Equality("init_{curve}", "init_theory_{curve}"), each="init_mup"),
        Claim("fig1/init_{curve}", "initial test loss = 2 + sigma^2 (NTK) ({curve})", "derived",
              "mean test loss at t = 0", Equality("init_{curve}", "init_theory_{curve}"), each="init_ntk"),
        Claim("fig1/wider_{small}_{large}_t{step}", "muP: wider is better, loss at t = {step} falls from {small} to "
              "{large}", "seed", "loss(narrower) - loss(wider), adjacent z > 2",
              Ordering("wider_{small}_{large}_t{step}", "dmft_wider_{small}_{large}_t{step}", k=2.0),
              each="wider"),
        Claim("fig1/wider_dmft", "muP: the DMFT loss is non-increasing in nu for t >= 1", "seed",
              "max over t >= 1 of loss(wider) - loss(narrower)", Bound("wider_dmft", upper=1e-12,
                                                                       reason="deterministic")),
        Claim("fig1/depth_{small}_{large}", "deeper is better: loss at t = {last} falls from {small} to {large}",
              "derived", "loss(shallower) - loss(deeper), adjacent z > 2",
              Ordering("depth_{small}_{large}", "dmft_depth_{small}_{large}", k=2.0),
              each="depth"),
    ),
    "fig2": (_sweep("fig2"), *_transfer("fig2", 1 / 6)),
    "fig7": (_sweep("fig7"), *_transfer("fig7", 0.1)),
    "fig3": (
        _agree("fig3/agree_{curve}"),
        Claim("fig3/sgd_monotone_dmft_{curve}", "one-pass SGD: the DMFT loss never rises ({curve})", "seed",
              "max increase of the DMFT loss", Bound("dmft_max_rise_{curve}", upper=1e-12, reason="deterministic"),
              each="sgd"),
        Claim("fig3/sgd_monotone_{curve}", "one-pass SGD: simulated 10-step means never rise significantly ({curve})",
              "seed", "max over blocks of rise / SE",
              Bound("max_rise_z_{curve}", upper="rise_k_{curve}", reason="k: 5 sigma family-wise over the block "
                    "pairs (Student t, S - 1 dof); the spec's 2 SE per pair fails by chance over many pairs",
                    decided="rise_decided_{curve}"), each="sgd"),
        Claim("fig3/overfit_peak_{label}", "the overfitting gap L(T) - min L peaks near alpha = 1 ({label})", "seed",
              "argmax of the gap over alpha (alpha)",
              Gated(Member("overfit_peak_{label}", PEAK_ALPHAS, reason="argmax in {0.75, 1, 1.25} (spec)",
                           decided="peak_swept", tolerance=0.25), decided="horizon"), each="overfit_peak"),
        Claim("fig3/overfit_gap_a1", "full batch at alpha = 1 overfits: L(T) - min L > 5 SE (also the grey curve of "
              "the SGD panel rising after its minimum)", "seed", "gap of the seed-mean curve, bootstrap SE",
              Gated(Ordering("overfit_gap_a1", "dmft_overfit_gap_a1", k=5.0), decided="horizon"),
              each="overfit_a1"),
        Claim("fig3/interpolation_{curve}", "alpha = {alpha:g} <= 0.75: the training set is interpolated, final "
              "train loss < 0.05 sigma^2", "derived", "mean final train loss",
              Gated(AtMost("final_train_{curve}", "interpolation_bound"), decided="horizon"), each="interpolation"),
        Claim("fig3/ls_limit_train_{curve}", "alpha = {alpha:g}: final train loss = sigma^2 (P - D)/P (least "
              "squares, finite D)", "derived", "mean final train loss",
              Gated(Equality("final_train_{curve}", "ls_train_{curve}", k="k_{curve}"), decided="horizon"),
              each="ls_limit"),
        Claim("fig3/ls_limit_test_{curve}", "alpha = {alpha:g}: final test loss = sigma^2 (1 + D/(P - D - 1)) (least "
              "squares, finite D)", "derived", "mean final test loss",
              Gated(Equality("final_test_{curve}", "ls_test_{curve}", k="k_{curve}"), decided="horizon"),
              each="ls_limit"),
        Claim("fig3/sgd_batch_{small}_{large}", "one-pass SGD: larger batches reach a lower loss at T ({small} -> "
              "{large})", "derived", "loss(smaller batch) - loss(larger), adjacent z > 2",
              Ordering("sgd_batch_{small}_{large}", "dmft_sgd_batch_{small}_{large}", k=2.0), each="sgd_batch"),
    ),
    "fig4": (
        _agree("fig4/agree_{curve}"),
        Claim("fig4/init_{curve}", "initial loss = 1 + (1 + beta^2)^L/(gamma0^2 nu) + sigma^2 ({curve})", "derived",
              "mean test loss at t = 0", Equality("init_{curve}", "init_theory_{curve}"), each="init"),
        Claim("fig4/depth_limit_dmft", "1/sqrt(L) branches converge in depth: max_t |L_{d4} - L_{d3}| <= half max_t "
              "|L_{d2} - L_{d1}| (DMFT)", "seed", "max_t difference of the deepest pair",
              Bound("depth_far_dmft", upper="depth_near_half_dmft", reason="half the shallow pair's difference (spec)"),
              each="depth_limit"),
        Claim("fig4/depth_limit_sim", "1/sqrt(L) branches converge in depth: the final losses at L = {d3} and {d4} "
              "agree within 3 SE (simulation)", "seed", "|difference of final losses|",
              AtMost("depth_limit_sim", margin=True, effect="depth_near_half_dmft"),
              each="depth_limit"),
        Claim("fig4/richness_{low}_{high}", "richer is faster: the final loss falls from {low} to {high}", "derived",
              "loss(lower gamma0) - loss(higher)",
              Ordering("richness_{low}_{high}", "dmft_richness_{low}_{high}"), each="richness"),
    ),
    "fig5": (
        _sweep("fig5"),
        Claim("fig5/const_shift_dmft", "constant branches: log10 eta* falls by >= 1 decade from L = {first} to {last} "
              "(DMFT)", "derived", "shift of log10 eta* (DMFT)",
              Bound("const_shift_dmft", upper=-1.0, reason="spec bound", decided="horizon"), each="shift"),
        Claim("fig5/const_shift_sim", "constant branches: log10 eta* falls by >= 1 decade from L = {first} to {last} "
              "(simulation)", "derived", "shift of log10 eta*, bootstrap SE",
              Gated(AtMost("const_shift_sim", -1.0), decided="horizon"), each="shift"),
        Claim("fig5/scaled_transfer_dmft", "1/sqrt(L) branches: log10 eta* varies by <= 0.25 decade and <= 1/4 of the "
              "constant-branch shift over L >= 2 (DMFT)", "seed", "spread of log10 eta* (DMFT)",
              Bound("scaled_spread_dmft", upper="scaled_bound_dmft", reason="spec bound", decided="horizon")),
        Claim("fig5/scaled_transfer_sim", "1/sqrt(L) branches: log10 eta* varies by <= 0.25 decade and <= 1/4 of the "
              "constant-branch shift over L >= 2 (simulation)", "seed", "spread of log10 eta*, bootstrap SE",
              Gated(AtMost("scaled_spread_sim", "scaled_bound_sim"), decided="horizon")),
    ),
    "fig6_sgd": (
        _agree("fig6/agree_sgd_{curve}"),
        Claim("fig6/batch_dmft", "SGD noise: the DMFT final loss is ordered batch {order} > population", "seed",
              "smallest successive drop of the DMFT final loss",
              Bound("batch_dmft", lower=0.0, strict=True, reason="deterministic"), each="batches"),
        Claim("fig6/batch_sim", "SGD noise: batch {batches[0]} ends above population GD (paired seeds)", "seed",
              "paired final-loss difference", Ordering("batch_sim", "dmft_batch_sim")),
    ),
    "fig6_width": (
        _agree("fig6/agree_width_{curve}"),
        Claim("fig6/wider_{narrow}_{wide}", "wider is better on power-law data ({narrow} -> {wide})", "seed",
              "final loss(narrower) - loss(wider), z > 3",
              Ordering("wider_{narrow}_{wide}", "dmft_wider_{narrow}_{wide}"), each="wider"),
    ),
    "fig6_difficulty": (
        _exponent("lazy_exponent", "lazy", "lazy (gamma0 = {lazy:g}): L ~ tau^-beta, beta = {beta:g}", "derived",
                  "lazy_theory_b{beta:g}", 0.05, DRIFT, "acceleration_b{beta:g}", "hard"),
        _exponent("rich_exponent", "rich", "rich (gamma0 = {rich:g}): L ~ tau^(-2beta/(1+beta)), beta = {beta:g} "
                  "(acceleration)", "seed", "rich_theory_b{beta:g}", 0.08, DRIFT, "acceleration_b{beta:g}", "hard"),
        Claim("fig6/rich_faster_b{beta:g}", "rich training is faster: its slope is below the lazy one by more than "
              "0.06", "seed", "lazy slope - rich slope - 0.06",
              Ordering("rich_faster_b{beta:g}", "rich_faster_theory_b{beta:g}"), each="hard"),
        Claim("fig6/easy_unchanged_b{beta:g}", "easy task (beta = {beta:g}): rich and lazy exponents agree within "
              "0.1", "derived", "|rich slope - lazy slope|",
              AtMost("easy_difference_b{beta:g}", 0.1, effect="easy_effect_b{beta:g}"), each="easy"),
        *(_exponent(f"easy_{label}", label, f"easy task: the {label} exponent is -beta = -{{beta:g}}", "derived",
                    "easy_theory_b{beta:g}", 0.15, "local-exponent drift (spec)", "easy_effect_b{beta:g}", "easy")
          for label in ("lazy", "rich")),
    ),
    "table1": (
        Claim("table1/dmft_exponent", "row-wise DMFT time grows like T^3 (exponent in [2.3, 3.5])", "derived",
              "log time ratio / log T ratio, two largest T, fastest of the repeats",
              Bound("dmft_time_exponent", 2.3, 3.5, reason="interval [2.3, 3.5] absorbs timing noise (spec)",
                    decided="dmft_timed")),
        Claim("table1/simulation_exponent", "simulation time per seed grows like D^2 (exponent in [1.5, 2.5], D 800 "
              "-> 1600)", "derived", "log time ratio / log D ratio, fastest of the repeats",
              Bound("simulation_time_exponent", 1.5, 2.5, reason="interval [1.5, 2.5] absorbs timing noise (spec)",
                    decided="simulation_timed")),
        Claim("table1/solvers_agree", "row-wise and fixed-point DMFT agree (C0)", "derived",
              "max relative difference of the test loss", Bound("solver_gap", upper=1e-8, reason="spec bound")),
        Claim("table1/samplers_agree", "reduced and brute-force simulations agree from the same initial weights "
              "(D = {check_dimension})", "derived", "max relative difference of the test loss",
              Bound("sampler_gap", upper=1e-9, reason="spec bound")),
    ),
    "figA1": (
        _agree("figA1/agree"),
        Claim("figA1/fast_class", "the lambda = 2 class has the smaller L_k(T)/L_k(0)", "derived",
              "paired ratio(lambda = 0.5) - ratio(lambda = 2)", Ordering("fast_class", "dmft_fast_class")),
    ),
    "figA2": (
        Claim("figA2/init_{curve}", "initial loss = 1 + 1/(gamma0^2 nu_L) depends on the last width only "
              "(nu = {pair})", "derived", "mean test loss at t = 0",
              Equality("init_{curve}", "init_theory_{curve}"), each="init"),
    ),
}

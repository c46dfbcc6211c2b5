"""Bordelon, Pehlevan: deep linear network training dynamics from random initialisation (spec:
shared/spec/bordelon.md).

The paper body is unavailable: every figure is the spec's reconstruction (§5) with [choice] parameters, and the
theory is the spec's proportional-limit DMFT (§3), validated against our own simulations figure by figure.
"""

from __future__ import annotations

from typing import Any

from deeplimits.registry import Figure

EXPERIMENTS = (
    "fig1", "fig2", "fig3", "fig4", "fig5", "fig6_sgd", "fig6_width", "fig6_difficulty", "fig7", "table1",
    "figA1", "figA2")
#: experiments that measure wall times (registry.timed): their sample and fit jobs run alone on the machine
TIMED = ("table1",)

FIGURES = {
    "fig1": Figure(("fig1",), "Width and depth in the loss dynamics (C0: isotropic data, MLP, alpha = 2, eta0 = 0.05): "
                   "test (thick) and train (thin) loss, simulation (solid, +-1 SE band) and DMFT (dashed); muP "
                   "and NTK across widths nu, muP across depths L.",
                   title="Width and depth in the loss dynamics: in μP wider and deeper networks train faster"),
    "fig2": Figure(("fig2",), "Learning-rate transfer across width: final test loss (T = 100) against eta0; the NTK "
                   "optimum moves with width, the muP optimum does not.",
                   title="Learning-rate transfer across width: the NTK optimum moves with ν, the μP optimum does not"),
    "fig3": Figure(("fig3",), "Repeated data (full batch, label noise sigma = 0.5) against one-pass SGD: "
                   "overfitting peak near alpha = 1, least-squares limits, monotone SGD curves.",
                   title="Repeated data against one-pass SGD: overfitting peak near α = 1, monotone SGD"),
    "fig4": Figure(("fig4",), "Residual networks with branches beta0/sqrt(L): richness gamma0, branch scale beta0 and "
                   "depth; the curves converge as L grows.",
                   title="Residual networks with branches β₀/√L: richness, branch scale and depth"),
    "fig5": Figure(("fig5",), "Learning-rate transfer across depth (residual): constant branches shift the optimum, "
                   "1/sqrt(L) branches transfer it.",
                   title="Learning-rate transfer across depth (residual): constant branches shift the optimum, "
                         "1/√L ones do not"),
    "fig6": Figure(("fig6_sgd", "fig6_width", "fig6_difficulty"), "Power-law data (a = 2): SGD noise, width, "
                   "and lazy against rich exponents, with guide lines tau^-beta and tau^-2beta/(1+beta).",
                   title="Power-law data: SGD noise, width, and accelerated rich-regime exponents"),
    "fig7": Figure(("fig7",), "Learning-rate transfer on power-law data (population GD): NTK against muP.",
                   title="Learning-rate transfer on power-law data (population GD): NTK against μP"),
    "table1": Figure(("table1",), "Measured cost of the DMFT solvers and of the direct simulations (median of "
                     "repeats, 2-core machine), with fitted scaling exponents.",
                   title="Measured cost of the DMFT solvers and of the direct simulations"),
    "figA1": Figure(("figA1",), "Two-level spectrum (reconstruction): test/train loss and the loss of each "
                    "eigenvalue class; the large-eigenvalue class is learnt first.",
                   title="Two-level spectrum (reconstruction): the large-eigenvalue class is learnt first"),
    "figA2": Figure(("figA2",), "Unequal widths (reconstruction, simulation only): the initial loss depends on the "
                    "last width only.",
                   title="Unequal widths (reconstruction, simulation only): the initial loss depends on the last "
                          "width only"),
}


def curve_names(experiment: str, params: dict[str, Any]) -> list[str]:
    """The names of an experiment's loss curves (none for the sweeps and table1)."""
    from deeplimits.documents.bordelon.keys import curve_key
    from deeplimits.documents.bordelon.sample import CURVE_VARIATIONS

    variations = CURVE_VARIATIONS.get(experiment)
    return [] if variations is None else [curve_key(**c) for c in variations(params)]


def check_config(section: dict[str, Any]) -> list[str]:
    """Cross-field checks of the ``bordelon`` section."""
    errors = []
    e = section["experiments"]
    for name in ("fig2", "fig5", "fig7"):
        grid = e[name]["eta_grid"]
        if grid["log10_min"] >= grid["log10_max"]:
            errors.append(f"config key bordelon.experiments.{name}.eta_grid: log10_min must be < log10_max")
    if not set(e["fig2"]["claim_nus"]) <= set(e["fig2"]["nus"]):
        errors.append("config key bordelon.experiments.fig2.claim_nus: must be a subset of nus")
    for name, params in e.items():
        known = curve_names(name, {**section["common"], **params})
        unknown = sorted(set(params.get("replicates_for", {})) - set(known))
        if unknown:
            errors.append(f"config key bordelon.experiments.{name}.replicates_for: unknown curve(s) "
                          f"{', '.join(unknown)}; curves: {', '.join(known) or 'none'}")
    for pair in e["figA2"]["width_ratios"]:
        if len(pair) != section["common"]["L"]:
            errors.append(f"config key bordelon.experiments.figA2.width_ratios: each entry needs L = "
                          f"{section['common']['L']} ratios, got {pair}")
    return errors

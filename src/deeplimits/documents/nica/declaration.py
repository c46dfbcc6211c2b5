"""Nica, lecture notes: log-Gaussian behaviour of deep ReLU networks (spec: shared/spec/nica.md)."""

from __future__ import annotations

from typing import Any

from deeplimits.registry import Figure

EXPERIMENTS = ("fig1", "moments", "layerterms", "widths", "resnet", "grad", "universality", "validation")

FIGURES = {
    "fig1": Figure(("fig1",), "Density of ln|z_out|^2: simulation vs the log-Gaussian law of Theorem 2 (red), "
                   "the infinite-width law G = 0 (blue) and the exact finite-(n, d) law (black dashed)."),
    "moments": Figure(("moments",), "Moments of G vs depth: Monte Carlo vs exact law, second order and "
                      "leading order; 1/n^2 corrections at n = 100; dead-network fraction."),
    "layerterms": Figure(("layerterms",), "Props 3-5: single-layer terms u = |g|^2/n and r = (2/n)|relu(g)|^2 "
                         "vs n, with exact values; the literal Prop 4(iv) quantity tends to -1/8 (erratum E2)."),
    "widths": Figure(("widths",), "Unequal widths: one narrow layer at position j; the corrected beta "
                     "matches, the notes' formula swaps the roles of n_0 and n_d (erratum E1)."),
    "resnet": Figure(("resnet",), "Standard vs balanced (sign-flip reading) ResNets: the notes' beta holds "
                     "for the balanced variant only (erratum E3)."),
    "grad": Figure(("grad",), "Law of ln|dz_out/dx_1|^2 (tangent) vs ln|z_out|^2 (forward): equal for the MLP "
                   "and the balanced ResNet, not for the standard ResNet (erratum E4)."),
    "universality": Figure(("universality",), "Non-Gaussian weights (brute force): the beta limit is "
                           "universal; finite-n shifts follow the kurtosis term."),
    "validation": Figure(("validation",), "QQ plots of every exact reduction against the brute-force network, "
                         "with two-sample KS p-values; Theorem 2 factorisation."),
}


def check_config(section: dict[str, Any]) -> list[str]:
    """Cross-field checks of the ``nica`` section (the schema checks types and ranges)."""
    errors = []
    for name in ("fig1", "resnet"):
        depths = section["experiments"][name]["depths"]
        if depths != sorted(depths):
            errors.append(f"config key nica.experiments.{name}.depths must be increasing, got {depths}")
    val = section["experiments"]["validation"]
    bad = [j for j in val["widths"]["positions"] if j > val["widths"]["d"]]
    if bad:
        errors.append(f"config key nica.experiments.validation.widths.positions: {bad} exceed d = "
                      f"{val['widths']['d']}; allowed 0..d")
    uni = section["experiments"]["universality"]["depths"]
    if uni != sorted(uni):
        errors.append(f"config key nica.experiments.universality.depths must be increasing, got {uni}")
    return errors

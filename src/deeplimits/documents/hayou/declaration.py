"""Hayou, "On the infinite-depth limit of finite-width neural networks" (spec: shared/spec/hayou.md).

The seed lost every formula and figure caption; the figures follow the spec's reconstruction (§5), with its
[choice] parameters where the document gives none. aux01-aux03 are audit rows in the spec; they are drawn too.
"""

from __future__ import annotations

from typing import Any

from deeplimits.registry import Figure

EXPERIMENTS = ("gbm", "ou_activation", "ou", "collapse", "quasi_gbm", "limits", "correlation", "gradients", "layers",
               "identity_norm", "piecewise", "validation")

_LAYERS = "Scaled log-norm U_l = log(||phi(Y_l)|| / sqrt(n)) of the post-activations, standardised, across layers " \
          "of one network (ReLU, L = 200 [choice]), n = {n}: the Gaussian fits the last layers better."
_RAW = "Non-scaled log-norm U_l across layers (ReLU, L = 200 [choice]), n = {n}: the histograms concentrate " \
       "towards the depth-then-width limit u_inf(t) = log(q0/2)/2 + t/4 as n grows."

FIGURES = {
    "fig01": Figure(("gbm",), "Width 1 (Props 2-3): log|Y_L| of the identity network and log(Y_L/Y_0) of the ReLU "
                    "network against the GBM limit N(-1/2, 1); the smallest depth does not fit [depths: choice].",
                    title="Width 1: the network converges to a geometric Brownian motion (Props 2–3)"),
    "fig02": Figure(("ou_activation",), "The OU activation phi = zeta exp(erfi^-1(beta x + gamma)^2) of Prop. 4 for "
                    "two parameter sets, both with a = sigma = 1 [choice].",
                    title=r"The OU activation $\phi=\zeta\,\exp(\mathrm{erfi}^{-1}(\beta x+\gamma)^2)$ (Prop. 4)"),
    "fig03": Figure(("ou",), "OU activation, width 1, L = 500 [choice]: Z = g(Y_L) against the OU law "
                    "N(m_1, v_1), and Y_L against the transformed density.",
                    title="OU activation: the network at finite depth against the Ornstein–Uhlenbeck limit (Prop. 4)"),
    "fig04": Figure(("collapse",), "Collapse probability P(phi(Y_L) = 0 | phi(Y_0) != 0) of the ReLU network "
                    "against depth for widths 1-5; exact curve 1 - Phi(sqrt L)^L at n = 1.",
                    title="Collapse probability decreases with depth and width (Lemmas 1–3)"),
    "fig05": Figure(("quasi_gbm",), "Quasi-GBM (Thm 1): mean log-growth G_1 of ||phi(Y)|| given non-collapse "
                    "changes sign between widths 3 and 4 (ReLU, L = 256 [choice]).",
                    title="Quasi-GBM: the mean log-growth changes sign between widths 3 and 4 (Thm 1)"),
    "fig06": Figure(("limits",), "Both sequential limits share one Gaussian variance q0 e^(1/2) (Thms 2-3): "
                    "depth first (L = 1024) and width first (n = 2048) [choice].",
                    title=r"Both sequential limits share one Gaussian variance $q_0e^{1/2}$ (Thms 2–3)"),
    "fig07": Figure(("correlation",), "Correlation paths of two inputs through shared weights (Prop. 5): random "
                    "but non-degenerate at n = 10; the dashed line is the infinite-width reference (not in the "
                    "paper).",
                    title="Correlation of two inputs: random but non-degenerate (Prop. 5)"),
    "fig08": Figure(("gradients",), "Back-propagated gradient norms ||h_l|| from a constant last-layer gradient "
                    "(explicit weights shared with the forward pass, L = 128 [choice]).",
                    title="Back-propagated gradient norms stay well behaved"),
    "fig09": Figure(("gbm",), "Identity, width 1, L = 500: log|Y_tL| at intermediate layers against "
                    "N(-t/2, t) (Prop. 2) [content: choice].",
                    title="Width 1, identity: GBM marginals at intermediate layers (Prop. 2)"),
    "fig10": Figure(("gbm",), "Identity, width 1: Y_L on the raw scale against the log-normal density of the "
                    "GBM limit [choice].",
                    title="Width 1, identity: raw outputs against the log-normal GBM law (Prop. 2)"),
    "fig11": Figure(("ou",), "OU activation, L = 500: g(Y_tL) at intermediate layers against the OU law "
                    "N(Z_0 e^-t, (1 - e^-2t)/2).",
                    title="OU activation: OU marginals at intermediate layers (Prop. 4)"),
    "fig12": Figure(("ou",), "OU activation against depth (L = 5, 50, 500): g(Y_L) and Y_L.",
                    title="OU activation: convergence in depth (Prop. 4)"),
    "fig13": Figure(("quasi_gbm",), "Log-growth G_1 concentrates as the width grows (Thm 2): histograms with "
                    "N(m_n, 1/n) and the limit 1/4 [quantity: choice].",
                    title="The log-growth concentrates as the width grows (Thm 2)"),
    **{f"fig{14 + i}": Figure(("layers",), _LAYERS.format(n=n),
                              title=f"Scaled log-norm of the post-activations across layers, n = {n}: the Gaussian "
                              "fits the last layers") for i, n in enumerate((2, 4, 16, 64))},
    **{f"fig{18 + i}": Figure(("layers",), _RAW.format(n=n),
                              title=f"Non-scaled log-norm of the post-activations across layers, n = {n}: "
                              "concentration as n grows") for i, n in enumerate((2, 4, 16, 64))},
    "aux01": Figure(("identity_norm",), "Identity activation, general width (Prop. 9): log(||Y_L||/||Y_0||) is "
                    "N((n-2)/(2n), 1/n); the drift is negative only at n = 1 (audit rows; drawn for inspection).",
                    title="Identity activation, width n: exact log-normal norm with drift (n−2)/(2n) (Prop. 9)"),
    "aux02": Figure(("piecewise",), "Piecewise-linear activation x 1{x>0} + alpha x 1{x<=0} (Prop. 10): mean "
                    "log-growth against alpha, with the pole discontinuity at alpha = 0 (audit rows).",
                    title=r"Piecewise-linear activation: mean log-growth $m_n(\alpha)$ and the pole at $\alpha=0$ "
                    "(Prop. 10)"),
    "aux03": Figure(("validation",), "Sampler validation: exact Euler identity (S1) and Gram reduction (S3) "
                    "against the brute-force network with explicit weights (S4) (audit rows).",
                    title="Sampler validation against the network with explicit weights (S4)"),
}

#: the width each of fig14-fig21 shows (fig14-17 standardised, fig18-21 raw) [choice, spec §5]
LAYER_FIGURE_WIDTHS = {f"fig{14 + i}": n for i, n in enumerate((2, 4, 16, 64))} | {
    f"fig{18 + i}": n for i, n in enumerate((2, 4, 16, 64))}


def check_config(section: dict[str, Any]) -> list[str]:
    """Cross-field checks of the ``hayou`` section: recorded layers within depth, fig14-21 widths present."""
    e = section["experiments"]
    errors = []
    layers = e["layers"]
    if max(layers["record"]) > layers["depth"]:
        errors.append(f"config key hayou.experiments.layers.record: layers must be <= depth = {layers['depth']}, "
                      f"got {layers['record']}")
    missing = sorted(set(LAYER_FIGURE_WIDTHS.values()) - set(layers["widths"]))
    if missing:
        errors.append(f"config key hayou.experiments.layers.widths: figures fig14-fig21 need widths {missing}")
    corr = e["correlation"]
    if corr["paths"] > corr["samples"]:
        errors.append("config key hayou.experiments.correlation.paths: must be <= samples")
    return errors

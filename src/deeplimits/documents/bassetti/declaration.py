"""Bassetti, Ladelli, Rotondo: proportional limit of deep linear networks (spec: shared/spec/bassetti.md).

Only the abstract survives; the figures are the spec's design, one per claim S1-S4 of the abstract [choice].
"""

from __future__ import annotations

from typing import Any

from deeplimits.registry import Figure

EXPERIMENTS = ("d1", "d1_convergence", "d2_exact", "d2_limit", "multi_input", "posterior", "widths", "rank")

FIGURES = {
    "fig1": Figure(("d1",), "Single-output prior (S2, S4): the law of one output is a "
                   "normal-log-normal mixture, not the NNGP Gaussian; finite N converges to the limit.",
                   title="Single-output prior: normal–log-normal mixture, not the NNGP Gaussian (S2, S4)"),
    "fig2": Figure(("d1",), "Kurtosis grows like exp(2 alpha) (S4): E Q^2 = prod(1 + 2/N) at "
                   "finite N, exp(2 alpha) in the limit; raw fourth moments of the network are biased low.",
                   title="Kurtosis grows like $e^{2\\alpha}$ (S4)"),
    "fig3": Figure(("d2_exact", "d2_limit"), "Outputs uncorrelated but dependent (S4): zero correlation, "
                   "positive covariance of squares, conditional variance growing with |s_1|.",
                   title="Outputs uncorrelated but dependent (S4)"),
    "fig4": Figure(("d2_exact", "d2_limit"), "Law of the mixing matrix Q for D = 2 (S4): second moments, "
                   "log-normal diagonal Bartlett factors, rotation invariance, limit SDE.",
                   title="Law of the mixing matrix $Q$, $D = 2$ (S4)"),
    "fig5": Figure(("d1_convergence",), "Finite N converges to the proportional limit at rate 1/N (S1), "
                   "alpha = 0.5.",
                   title="Finite $N$ converges to the proportional limit at rate $1/N$ (S1)"),
    "fig6": Figure(("multi_input",), "Multi-input structure (S4): covariance K across inputs, heavier tails "
                   "than the NNGP, fourth moments across inputs and outputs.",
                   title="Multi-input structure (S4)"),
    "fig7": Figure(("posterior",), "Posterior output correlations follow the labels (S3, S4): zero for the NNGP, "
                   "growing with alpha towards the labels' correlation.",
                   title="Posterior output correlations follow the labels (S3, S4)"),
    "fig8": Figure(("widths",), "Unequal widths enter only through sum 1/N_l (S1).",
                   title="Unequal widths enter only through $\\Sigma_\\ell\\, 1/N_\\ell$ (S1)"),
    "fig9": Figure(("rank",), "Rank collapse at large alpha (S4): log-eigenvalues of Q drift like -i alpha.",
                   title="Rank collapse at large $\\alpha$ (S4)"),
}


def _depth_errors(key: str, widths: list[int], alphas: list[float]) -> list[str]:
    bad = [(n, a) for n in widths for a in alphas if abs(a * n - round(a * n)) > 1e-9]
    return [f"config key bassetti.experiments.{key}: alpha * N must be an integer (L = alpha N), got "
            f"{', '.join(f'alpha={a:g}, N={n}' for n, a in bad)}"] if bad else []


def check_config(section: dict[str, Any]) -> list[str]:
    """Cross-field checks of the ``bassetti`` section: every depth L = alpha N is an integer."""
    e = section["experiments"]
    d1_widths = [e["d1"]["network"]["N"]] + [s["N"] for s in e["d1"]["exact"]]
    return (_depth_errors("d1", d1_widths, e["d1"]["alphas"])
            + _depth_errors("d1_convergence", e["d1_convergence"]["N"], [e["d1_convergence"]["alpha"]])
            + _depth_errors("d2_exact", e["d2_exact"]["N"], e["d2_exact"]["alphas"])
            + _depth_errors("d2_limit", [e["d2_limit"]["N_surrogate"]], e["d2_limit"]["alphas"])
            + _depth_errors("posterior", [e["posterior"]["N_surrogate"]], e["posterior"]["alphas"])
            + _depth_errors("rank", [e["rank"]["N_surrogate"]], e["rank"]["alphas"])
            + _depth_errors("rank", e["rank"]["N"], e["rank"]["bartlett_alphas"]))

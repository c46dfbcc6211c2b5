"""The hayou document's claims have teeth: key claims are decided (not 'inconclusive') and hold at moderate sizes,
and a deliberately wrong theory function makes the rows about its quantity fail (mutation tests).

Each case runs the real runner and fit of one experiment (``claims_checks.decide``: fixed seed 7, samples drawn
once per parameters and cached) at a size between the smoke preset and the paper scale. The rules are the audit's
own (DESIGN.md "Audit power"): a row holds only when its ``detectable`` is below its ``effect``. Each size is chosen
so that the listed rows resolve their effect, e.g. fig01/b_mean_L5: 5 SE = 5 x 1.47 / sqrt(20 000) = 0.05 against a
10 % effect 0.07 of E log|Y_L| = -0.71.
"""

from __future__ import annotations

import pytest
from claims_checks import decide, scaled, verdicts

from deeplimits.documents.hayou import claims as table
from deeplimits.documents.hayou import fit as fitting
from deeplimits.models.infdepth import closed_forms as th

CASES = {
    "gbm": ({"depths": [5, 500], "times": [0.5, 1.0], "samples": 20000},
            ["fig01/a_mean_L500", "fig01/a_var_L500", "fig01/b_mean_L5", "fig01/b_var_L5", "fig01/c_mean_L5",
             "fig01/c_var_L5", "fig01/d_L5", "fig09/var_t0.5", "fig10/a_L500", "fig10/c_L500"]),
    "ou": ({"activation": {"beta": 1.0, "gamma": 0.0, "sigma": 1.0}, "y0": 1.0, "depths": [5, 200],
            "times": [0.5, 1.0], "window": 20.0, "samples": 20000},
           ["fig03/var_L200", "fig11/mean_t0.5", "fig12/var_gap_L5", "fig12/ks_L5_L200"]),
    "collapse": ({"widths": [1, 2, 3], "depths": [1, 2, 15, 30], "samples": 20000, "conditional_samples": 20000},
                 ["fig04/a_L1", "fig04/a_L2", "fig04/a_L30", "fig04/b_n1_L1_L2", "fig04/b_n2_L15_L30",
                  "fig04/b_n3_L15_L30", "fig04/b_n1_decrease", "fig04/b_n2_decrease", "fig04/c_n1_L1",
                  "fig04/c_n2_L2", "fig04/d_n1"]),
    "quasi_gbm": ({"depth": 64, "widths": [1, 2, 3, 4], "samples": 40000, "wide_from": 16, "wide_samples": 2000,
                   "validation_depth": 16, "validation_widths": [2]},
                  ["fig05/a_n3", "fig05/a_n4", "fig05/b_n2", "fig05/b_n3", "fig05/c_n3", "fig05/d_n1", "fig05/e_n2",
                   "fig13/a_n4", "fig13/b_n1_n4"]),
    "layers": ({"widths": [16, 64], "depth": 50, "record": [1, 50], "samples": 20000},
               ["fig20/b", "fig21/b"]),
    "correlation": ({"c0": 0.5, "width": 10, "depth": 200, "short_depth": 50, "samples": 1000, "wide_width": 100,
                     "wide_samples": 300, "paths": 3},
                    ["fig07/a", "fig07/b", "fig07/d"]),
    "gradients": ({"depth": 32, "runs": [{"width": 64, "samples": 100}]}, ["fig08/b_n64", "fig08/c_n64"]),
    "piecewise": ({"widths": [1, 3], "alphas": [0.0, 0.001, 0.01, 0.25], "depth": 64, "samples": 40000},
                  ["aux02/pole_n1", "aux02/flip_n3_a0.01", "aux02/flip_n3_a0.25", "aux02/minimum_n3"]),
}


@pytest.mark.parametrize("experiment", sorted(CASES))
def test_key_claims_are_decided_and_hold(experiment):
    params, key_claims = CASES[experiment]
    records = decide("hayou", experiment, params)
    unexpected = [c for c, r in records.items() if r["observed"] not in ("inconclusive", r["expected"])]
    assert unexpected == []
    assert verdicts(records, key_claims) == dict.fromkeys(key_claims, "holds")


def test_every_collapse_row_is_decided_down_to_tiny_probabilities():
    """fig04 by conditional Monte Carlo: 20 000 paths per cell decide every row, the depth steps at L = 15 -> 30
    included (p = 2e-7 -> 1e-13 at n = 2, 7e-11 -> 2e-20 at n = 3), where S1 counts see no collapse at all."""
    records = decide("hayou", "collapse", CASES["collapse"][0])
    assert {c: r["observed"] for c, r in records.items() if r["observed"] != "holds"} == {}


# --------------------------------------------------------------------------------------------- mutations
#: identity, n = 1 (T4): 50 000 samples give 5 SE = 0.03 on E log|Y_L| (SD 1.47 at L = 5) and 5 SE ~ 0.12 on its
#: variance 2.16, against the 10 % errors 0.07 and 0.22 of the exact finite-L moments
GBM = {"depths": [5, 50], "times": [1.0], "samples": 50000}
GBM_ROWS = ["fig01/b_mean_L5", "fig01/b_var_L5", "fig01/b_mean_L50", "fig01/b_var_L50"]


def test_gbm_exact_finite_depth_law_rows_hold():
    assert verdicts(decide("hayou", "gbm", GBM), GBM_ROWS) == dict.fromkeys(GBM_ROWS, "holds")


def test_gbm_rows_fail_with_a_wrong_finite_depth_law(monkeypatch):
    """T4's exact finite-L (mean, variance) of log|Y_L| +10 %: the fig01/b rows must fail."""
    monkeypatch.setattr(th, "identity_log_ratio_moments", scaled(th.identity_log_ratio_moments, 1.1))
    assert verdicts(decide("hayou", "gbm", GBM), GBM_ROWS) == dict.fromkeys(GBM_ROWS, "fails")


#: ReLU, n = 1 (T5): the conditional Monte Carlo estimate is exact at n = 1, so the rows allow float64 rounding
#: only (1e-12 relative) against the 10 % error
COLLAPSE = {"widths": [1, 2], "depths": [1, 2, 20], "samples": 2000, "conditional_samples": 2000}
COLLAPSE_ROWS = ["fig04/a_L1", "fig04/a_L2", "fig04/a_L20"]


def test_collapse_rows_hold():
    assert verdicts(decide("hayou", "collapse", COLLAPSE), COLLAPSE_ROWS) == dict.fromkeys(COLLAPSE_ROWS, "holds")


def test_collapse_rows_fail_with_a_wrong_collapse_probability(monkeypatch):
    """T5's P(collapse | Y_0 > 0) = 1 - Phi(sqrt L)^L +10 %: the fig04/a rows must fail."""
    monkeypatch.setattr(th, "relu1_collapse_probability", scaled(th.relu1_collapse_probability, 1.1))
    assert verdicts(decide("hayou", "collapse", COLLAPSE), COLLAPSE_ROWS) == dict.fromkeys(COLLAPSE_ROWS, "fails")


#: Quasi-GBM drift m_n (T8) at n = 1: 100 000 samples (50 000 in E_0, SD of G_1 = 1) give 5 SE = 0.022, plus the
#: spec's 0.006, against the 10 % error 0.05 of m_1 = -1/2
DRIFT = {"depth": 64, "widths": [1, 4], "samples": 100000, "wide_from": 16, "wide_samples": 2000,
         "validation_depth": 16, "validation_widths": [4]}
DRIFT_ROWS = ["fig05/b_n1", "fig13/c_n1"]


def test_drift_rows_hold():
    assert verdicts(decide("hayou", "quasi_gbm", DRIFT), DRIFT_ROWS) == dict.fromkeys(DRIFT_ROWS, "holds")


def test_drift_rows_fail_with_a_wrong_drift(monkeypatch):
    """T8's drift m_n = 1/(4(1 - 2^-n)) - 1/n +10 %: the rows E G_1 = m_n must fail."""
    monkeypatch.setattr(th, "quasi_gbm_rate", scaled(th.quasi_gbm_rate, 1.1))
    assert verdicts(decide("hayou", "quasi_gbm", DRIFT), DRIFT_ROWS) == dict.fromkeys(DRIFT_ROWS, "fails")


def test_the_fit_gates_the_ks_bound_of_the_claim_table():
    """fig03/ks is decided when the sample resolves the claim's bound: the fit's gate uses the same number."""
    assert fitting.KS_RESOLUTION == table.OU_KS_BOUND

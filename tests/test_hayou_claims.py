"""The hayou document's key claims are decided (not merely 'inconclusive') at moderate sizes, and none fails.

Each case runs the real runner and fit of one experiment at a size between the smoke preset (where many
orderings are inconclusive) and the paper scale, with a fixed seed. The tolerances are the audit's own
(5 SE + the spec's delta for equalities, 3 SE for orderings, 5 sigma for KS); the sizes are chosen so that the
effect of each listed claim is several times its tolerance (e.g. the n = 4 sign claim: 1/60 against
3 SE ~ 0.008 at 40 000 samples).
"""

from __future__ import annotations

import json

import pytest

from deeplimits import audit, io
from deeplimits.documents.hayou import claims as table
from deeplimits.documents.hayou import fit as fitting
from deeplimits.documents.hayou import sample as sampling
from deeplimits.rng import Chunks, Seeds

CHUNKS = Chunks(reduced=4096, brute=256)

CASES = {
    "gbm": ({"depths": [5, 500], "times": [0.5, 1.0], "samples": 20000},
            ["fig01/a_mean_L500", "fig01/a_var_L500", "fig01/c_mean_L5", "fig01/c_var_L5", "fig01/d_L5",
             "fig01/e_mean_L500", "fig09/mean_t0.5", "fig10/a_L500", "fig10/c_L500"]),
    "ou": ({"activation": {"beta": 1.0, "gamma": 0.0, "sigma": 1.0}, "y0": 1.0, "depths": [5, 200],
            "times": [0.5, 1.0], "window": 20.0, "samples": 20000},
           ["fig03/mean_L200", "fig03/var_L200", "fig11/mean_t0.5", "fig12/var_gap_L5", "fig12/ks_L5_L200"]),
    "collapse": ({"widths": [1, 2], "depths": [1, 2, 30], "samples": 20000},
                 ["fig04/a_L1", "fig04/a_L2", "fig04/b_n1_decrease", "fig04/c_n1_L1", "fig04/d_n1"]),
    "quasi_gbm": ({"depth": 64, "widths": [1, 3, 4], "samples": 40000, "wide_from": 16, "wide_samples": 2000,
                   "validation_depth": 16, "validation_widths": [3]},
                  ["fig05/a_n3", "fig05/a_n4", "fig05/b_n4", "fig05/c_n4", "fig05/d_n1", "fig13/b_n1_n4",
                   "aux03/sde_n3"]),
    "correlation": ({"c0": 0.5, "width": 10, "depth": 200, "short_depth": 50, "samples": 1000, "wide_width": 100,
                     "wide_samples": 300, "paths": 3},
                    ["fig07/a", "fig07/b", "fig07/c", "fig07/d"]),
    "gradients": ({"depth": 32, "runs": [{"width": 64, "samples": 100}]},
                  ["fig08/a_n64", "fig08/b_n64", "fig08/c_n64"]),
    "piecewise": ({"widths": [1, 3], "alphas": [0.0, 0.001, 0.01, 0.25], "depth": 64, "samples": 40000},
                  ["aux02/pole_n1", "aux02/flip_n3_a0.01", "aux02/flip_n3_a0.25", "aux02/m_n3_a0.25"]),
    "validation": ({"euler_vs_explicit": {"width": 4, "depth": 8, "samples": 20000},
                    "gram_vs_explicit": {"width": 5, "depth": 16, "c0": 0.5, "samples": 10000}},
                   ["aux03/s1_norm", "aux03/s1_collapse", "aux03/s3_corr"]),
}


@pytest.mark.parametrize("experiment", sorted(CASES))
def test_key_claims_are_decided_and_hold(experiment):
    params, key_claims = CASES[experiment]
    arrays = getattr(sampling, f"run_{experiment}")(params, Seeds(7, "hayou", experiment), CHUNKS)
    _, q = getattr(fitting, f"fit_{experiment}")(arrays, params)
    content = json.loads(io.to_json({"parameters": params, "quantities": dict(q), "index": q.index}))
    records = audit.evaluate("hayou", experiment, table.CLAIMS[experiment], content)
    verdicts = {r["claim"].removeprefix("hayou/"): r["observed"] for r in records}
    assert audit.unexpected(records) == [], [r["claim"] for r in audit.unexpected(records)]
    assert {c: verdicts.get(c) for c in key_claims} == dict.fromkeys(key_claims, "holds")


def test_the_fit_gates_the_ks_bound_of_the_claim_table():
    """fig03/ks is decided when the sample resolves the claim's bound: the fit's gate uses the same number."""
    assert fitting.KS_RESOLUTION == table.OU_KS_BOUND

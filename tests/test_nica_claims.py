"""Mutation tests of the nica audit (issue 13): a deliberately wrong theory function makes the rows about that
quantity fail; with the correct theory the same rows hold (decided, not inconclusive).

Each case samples one experiment once at a moderate size with a fixed seed (``claims_checks.decide``), then decides
its claim table with the theory as it is (holds) and with one function of ``deeplimits.models.loggaussian``
perturbed by 10 % through ``monkeypatch`` (fails). Why the sizes have the power (detectable < effect = 10 %):

- fig1 at n = 100, d = 10 with 2^18 samples: the SE of Var[G] is sqrt(2/N) Var = 0.0015, so the O-tolerance
  5 SE + 2|Delta_2| = 0.045 is below 10 % of beta (0.052); the SE of E[G] (control variate e^G) is far smaller
  still. Chi-square reduction, about a second.
- layerterms at n = 30 with 2^17 direct Gaussian vectors: 5 SE of the third moment of r (with control variates)
  is about half of 10 % of 44/n^2, and 5 SE of E ln r about a fifth of 10 % of m_R. A fraction of a second.
"""

from __future__ import annotations

import pytest
from claims_checks import decide, default_params, scaled, verdicts

from deeplimits.models import loggaussian as th


def _params(experiment: str, **changes) -> dict:
    return default_params("nica", experiment, **changes)


FIG1 = _params("fig1", method="chi2", depths=[10], samples=262144)
LAYERTERMS = _params("layerterms", n=[30], samples=131072)


def _assert(records: dict, claims: list[str], observed: str) -> None:
    assert verdicts(records, claims) == dict.fromkeys(claims, observed), {
        c: (records[c]["observed"], records[c]["tolerance_reason"]) for c in claims}


#: Theorem 2 at n = 100, d = 10: both moments against beta = 2/n + 5d/n
BETA_ROWS = ["fig1/c1_d10", "fig1/c2_d10"]
#: the exact finite-(n, d) law (spec §3.3)
EXACT_ROWS = ["fig1/c3m_d10", "fig1/c3v_d10"]
#: single-layer ReLU terms (spec §3.11): corrected Prop 4(iv) and Prop 5(i)-(ii)
LAYER_ROWS = ["layerterms/p5_n30", "layerterms/p7_mean_n30", "layerterms/p7_var_n30"]


def test_correct_theory_holds():
    _assert(decide("nica", "fig1", FIG1), BETA_ROWS + EXACT_ROWS, "holds")
    _assert(decide("nica", "layerterms", LAYERTERMS), LAYER_ROWS, "holds")


def test_beta_off_by_ten_percent_fails(monkeypatch):
    # beta 10 % low: the O(d/n^2) terms of E[G] and Var[G] have the signs of a larger beta, so a 10 % excess of
    # beta in Var[G] is partly absorbed by them (5 SE + 2|Delta_2| + Delta_2 = 0.065 > 0.052); a deficit is not
    monkeypatch.setattr(th, "beta_mlp", scaled(th.beta_mlp, 0.9))
    _assert(decide("nica", "fig1", FIG1), BETA_ROWS, "fails")


def test_beta_ten_percent_high_fails_the_mean(monkeypatch):
    monkeypatch.setattr(th, "beta_mlp", scaled(th.beta_mlp, 1.1))
    _assert(decide("nica", "fig1", FIG1), ["fig1/c1_d10"], "fails")


def test_exact_moments_off_by_ten_percent_fail(monkeypatch):
    monkeypatch.setattr(th, "exact_G_moments", scaled(th.exact_G_moments, 1.1))
    _assert(decide("nica", "fig1", FIG1), EXACT_ROWS, "fails")


@pytest.mark.parametrize("factor", [0.9, 1.1])
def test_layer_terms_off_by_ten_percent_fail(monkeypatch, factor):
    monkeypatch.setattr(th, "r_moments", scaled(th.r_moments, factor, ("third", "log_mean", "log_var")))
    _assert(decide("nica", "layerterms", LAYERTERMS), LAYER_ROWS, "fails")

"""The bordelon claims: key rows decided and holding at a moderate size, and mutation tests (issue 13).

Each case runs the real runner and fit of one experiment (C0 with a smaller D and horizon), fixed seed, and decides
the claim table (documents/bordelon/claims.py) on the quantities as the stats JSON stores them. The agreement rule
is the audit's own: |mean - DMFT| <= k SE, k = 5 (the 5-sigma Student-t quantile for S - 1 dof when S < 30), no
allowance, effect 10 % of the DMFT loss, so a row holds only where k SE < 10 % of the loss.

Mutation tests (``claims_checks.decide``: sampled once per params with a fixed seed, decided with the theory as it
is at call time): the DMFT loss of ``fit.solve`` times 1.15 makes the agreement rows fail, the closed-form initial
loss ``dmft.initial_loss`` (fig1, μP and NTK) and ``fit.residual_initial_loss`` (fig4) times 1.1 make the init rows
fail; the same rows hold with the correct theory. Why the sizes have the power (detectable < effect):

- agreement (fig1 at D = 100, S = 200 >= 30, so k = 5; claim times t = 5, 10): one seed's loss varies by about
  15 % of the mean at D = 100 and t <= 10, so 5 SE = 5 x 15 % / sqrt(200) = 5 % of the loss, half the 10 % effect,
  and a 15 % error exceeds 5 SE by about 10 % of the loss (10 SE), far above the O(1/D) bias (about 1 %);
- initial losses (init_replicates: fig1 400, fig4 256 seeds, so k = 5): at t = 0 and D = 100 one seed's test loss
  varies by about 20 % (fig1) to 30 % (fig4, residual) of the mean, so 5 SE is 5 % (fig1) to 9 % (fig4) of the
  loss: below the 10 % effect, and a 10 % error of the formula is outside it.
Each test takes a few seconds.
"""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
from claims_checks import decide, default_params, scaled, verdicts

from deeplimits import audit, io
from deeplimits.audit import Bound, Claim, Equality, Gated
from deeplimits.documents.bordelon import fit
from deeplimits.documents.bordelon.claims import CLAIMS
from deeplimits.models import dmft
from deeplimits.quantities import Quantities, theory
from deeplimits.stats import Estimate


def _params(experiment: str, **changes) -> dict:
    return default_params("bordelon", experiment, **changes)


def _records(experiment: str, params: dict, quantities: Quantities, rows=None) -> list[dict]:
    """The audit records of the quantities, decided as from a stats file (JSON round trip: NaN -> null)."""
    content = json.loads(io.to_json({"parameters": params, "quantities": dict(quantities),
                                     "index": quantities.index}))
    return audit.evaluate("bordelon", experiment, CLAIMS[experiment] if rows is None else rows, content)


def _assert(records: dict, claims: list[str], observed: str) -> None:
    assert verdicts(records, claims) == dict.fromkeys(claims, observed), {
        c: (records[c]["observed"], records[c]["tolerance_reason"]) if c in records else None for c in claims}


#: fig1 at D = 200, 48 seeds, early claim times: agreement and initial losses decided (see the module docstring)
FIG1 = _params("fig1", dimension=100, replicates=200, init_replicates=400, steps=12, nus=[1.0, 2.0], depths=[3],
               times=[5, 10])
#: fig4 (residual, depth-scaled) at D = 100, 48 seeds: the initial losses
FIG4 = _params("fig4", dimension=100, replicates=8, init_replicates=256, steps=3, gamma0s=[1.0], beta0s=[1.5],
               depths=[2], times=[1, 2])

AGREE = [f"fig1/agree_{curve}_{loss}_t{t}" for curve in ("nu=1", "nu=1,parameterisation=ntk", "L=3")
         for loss in ("test", "train") for t in (5, 10)]
INIT_FIG1 = ["fig1/init_nu=1", "fig1/init_nu=1,parameterisation=ntk"]
INIT_FIG4 = ["fig4/init_gamma0=1", "fig4/init_beta0=1.5", "fig4/init_L=2"]


def test_fig1_agreement_and_initial_losses_hold_with_the_correct_theory():
    records = decide("bordelon", "fig1", FIG1)
    _assert(records, AGREE + INIT_FIG1, "holds")
    assert audit.unexpected(list(records.values())) == []


def test_fig1_agreement_fails_when_the_dmft_loss_is_15_percent_too_high(monkeypatch):
    solve = fit.solve

    def wrong(setting, **changes):
        res = solve(setting, **changes)
        return dataclasses.replace(res, test_loss=1.15 * res.test_loss, train_loss=1.15 * res.train_loss)

    monkeypatch.setattr(fit, "solve", wrong)
    _assert(decide("bordelon", "fig1", FIG1), AGREE, "fails")


def test_fig1_initial_losses_fail_when_the_closed_form_is_10_percent_too_high(monkeypatch):
    monkeypatch.setattr(dmft, "initial_loss", scaled(dmft.initial_loss, 1.1))
    _assert(decide("bordelon", "fig1", FIG1), INIT_FIG1, "fails")


def test_fig4_initial_losses_hold_and_fail_when_the_residual_formula_is_10_percent_too_high(monkeypatch):
    _assert(decide("bordelon", "fig4", FIG4), INIT_FIG4, "holds")
    monkeypatch.setattr(fit, "residual_initial_loss", scaled(fit.residual_initial_loss, 1.1))
    _assert(decide("bordelon", "fig4", FIG4), INIT_FIG4, "fails")


def test_horizon_claims_are_inconclusive_before_the_horizon():
    rows = [Claim("fig2/x", "t", "seed", "s", Gated(Equality("x", 1.0), decided="horizon")),
            Claim("fig2/y", "t", "seed", "s", Gated(Bound("y", lower=1.0), decided="horizon",
                                                    also=(Bound("y_step", lower=0.0),)))]
    for steps, observed in ((30, ["inconclusive"] * 2), (100, ["holds", "fails"])):
        q = Quantities()
        q["x"] = Estimate(1.0, 0.01, 100)
        q["y"], q["y_step"] = theory(2.0, "shift"), theory(-0.5, "smallest step")  # not monotone: fails
        q["horizon"] = fit.horizon({"steps": steps, "claim_horizon": 100})
        records = _records("fig2", {}, q, rows)
        assert [r["observed"] for r in records] == observed
        assert records[0]["estimate"] == 1.0 and records[0]["tolerance"] == pytest.approx(0.05)  # 5 SE either way


def test_parabola_optimum_and_agreement_k():
    x = np.linspace(-2, 0, 13)
    assert fit.parabola_optimum(x, np.exp((x + 0.9) ** 2)) == pytest.approx(-0.9, abs=1e-9)
    assert fit.parabola_optimum(x, np.exp(x)) == x[0]  # edge: the grid point itself
    assert fit.agreement_k(30)[0] == fit.agreement_k(96)[0] == 5.0  # the audit's equality rule from 30 replicates
    assert fit.agreement_k(8)[0] > fit.agreement_k(16)[0] > fit.agreement_k(29)[0] > 5.0  # Student t below
    assert fit.agreement_k(16)[0] == pytest.approx(8.3, abs=0.05) and "15 dof" in fit.agreement_k(16)[1]


def test_scaling_exponent_of_the_two_largest_sizes():
    assert fit.scaling_exponent([100, 200, 400], [1.0, 8.0, 64.0], largest_pair=True) == pytest.approx(3.0)
    assert fit.scaling_exponent([100, 200, 400], [5.0, 8.0, 64.0], largest_pair=True) == pytest.approx(3.0)


def test_an_interpolated_loss_is_zero_up_to_rounding_on_both_sides():
    """Full batch at alpha < 1: the DMFT train loss falls to ~1e-16 L(0) and the simulated one to ~1e-30. Both are 0
    up to fit.ROUNDING L(0), the allowance of the agreement row (effect: the spec's 0.05 sigma^2); a simulated loss
    of 1e-31 +- 2e-32 holds (it failed without the floor: 19 SE from 0), a real train loss of 0.02 still fails."""
    from types import SimpleNamespace

    from deeplimits.documents.bordelon.keys import curve_array

    theory = SimpleNamespace(test_loss=np.array([2.0, 1.0, 0.5]), train_loss=np.array([1.0, 1e-3, 3e-17]),
                             config=SimpleNamespace(sigma=0.5))
    rows = [c for c in CLAIMS["fig3"] if c.each == "agree"]
    rng = np.random.default_rng(0)
    for level, verdict in ((1e-31, "holds"), (0.02, "fails")):
        train = np.column_stack([np.ones(32), np.full(32, 1e-3), level * (1 + 0.5 * rng.standard_normal(32))])
        a = {curve_array("x", "t"): np.arange(3), curve_array("x", "train"): train}
        q = Quantities()
        fit.student_k(q, "x", 32)
        fit.agreement(q, a, "x", theory, [2], which=("train",))
        assert q["dmft_train_x_t2"]["value"] == 0.0 and q["rounding_train_x_t2"]["value"] == fit.ROUNDING * 2.0
        assert q["effect_train_x_t2"]["value"] == pytest.approx(0.05 * 0.25)
        stats = {"quantities": json.loads(io.to_json(dict(q))), "index": q.index}
        (record,) = audit.evaluate("bordelon", "fig3", rows, stats)
        assert record["observed"] == verdict, record


def test_teacher_mean_of_a_replicate():
    """A replicate with G teachers stores their mean losses, diverges at the first divergence of any teacher."""
    from deeplimits.documents.bordelon.sample import teacher_mean

    res = {"t": np.arange(3), "test_loss": np.arange(24.0).reshape(2, 4, 3),
           "diverged_at": np.array([[-1, -1, -1, -1], [-1, 5, 2, -1]])}
    out = teacher_mean(res, axis=1)
    assert np.array_equal(out["test_loss"], res["test_loss"].mean(axis=1))
    assert out["diverged_at"].tolist() == [-1, 2] and out["diverged"].tolist() == [False, True]
    assert np.array_equal(out["t"], res["t"])


def test_curves_that_train_the_same_networks_are_pooled():
    """fig1's μP ν = 1, NTK ν = 1 (γ0 = γ_ref/√ν = 1) and L = 2 curves are all C0: each is evaluated on the
    replicates of all three, in variation order; the initial-loss draws over the curves that have them; ν = 2 and
    the NTK at ν = 2 (γ0 = 1/√2) stay apart."""
    from deeplimits.documents.bordelon.keys import curve_array, curve_key

    p = default_params("bordelon", "fig1")
    variations = [{"nu": 1.0}, {"nu": 1.0, "parameterisation": "ntk"}, {"L": 2}, {"nu": 2.0},
                  {"nu": 2.0, "parameterisation": "ntk"}]
    rng = np.random.default_rng(0)
    a = {curve_array(curve_key(**c), q): rng.standard_normal((3, 4)) for c in variations for q in ("test", "train")}
    a |= {curve_array(curve_key(**c), "init"): rng.standard_normal(5) for c in variations if "L" not in c}
    pooled = fit.pool_identical(a, p, variations)
    same = [curve_key(**c) for c in variations[:3]]
    want = np.concatenate([a[curve_array(n, "test")] for n in same])
    for n in same:
        assert np.array_equal(pooled[curve_array(n, "test")], want)
    assert pooled[curve_array(same[0], "init")].shape == (10,) and curve_array(same[2], "init") not in pooled
    for c in variations[3:]:
        assert pooled[curve_array(curve_key(**c), "test")] is a[curve_array(curve_key(**c), "test")]

"""The bordelon claims, decided on the fits' quantities, hold at a moderate size, and none fails.

Each case runs the real runner and fit of one experiment (C0 with a smaller D and horizon), fixed seed, and decides
the claim table (documents/bordelon/claims.py) on the quantities as the stats JSON stores them. The agreement
tolerance is the audit's own: k SE + L(0)/D with k the 5-sigma Student-t quantile for S - 1 degrees of freedom
(fit.t_quantile).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from conftest import SCHEMA

from deeplimits import audit, io, pipeline
from deeplimits.audit import Bound, Claim, Equality, Gated
from deeplimits.documents.bordelon import fit
from deeplimits.documents.bordelon import sample as sampling
from deeplimits.documents.bordelon.claims import CLAIMS
from deeplimits.quantities import Quantities, theory
from deeplimits.rng import Chunks, Seeds
from deeplimits.stats import Estimate

ROOT = Path(__file__).resolve().parents[1]


def _params(experiment: str, **changes) -> dict:
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    params = copy.deepcopy(pipeline.experiment_params(config, SCHEMA, "bordelon", experiment))
    params.update(changes)
    return params


def _records(experiment: str, params: dict, quantities: Quantities, rows=None) -> list[dict]:
    """The audit records of the quantities, decided as from a stats file (JSON round trip: NaN -> null)."""
    content = json.loads(io.to_json({"parameters": params, "quantities": dict(quantities),
                                     "index": quantities.index}))
    return audit.evaluate("bordelon", experiment, CLAIMS[experiment] if rows is None else rows, content)


CASES = {
    "fig1": (dict(dimension=120, replicates=16, steps=40, nus=[1.0, 4.0], depths=[1, 3], times=[10, 30]),
             ["fig1/init_nu=1", "fig1/init_nu=4,parameterisation=ntk", "fig1/agree_nu=1_test_t10",
              "fig1/agree_L=3_train_t10", "fig1/wider_nu=1_nu=4_t10", "fig1/wider_dmft"]),
    "figA1": (dict(dimension=120, replicates=16, steps=40, times=[10, 39]),
              ["figA1/agree_test_t10", "figA1/agree_train_t10", "figA1/fast_class"]),
    "fig4": (dict(dimension=100, replicates=8, steps=40, gamma0s=[0.5, 2.0], beta0s=[1.0], depths=[2, 4],
                  times=[10, 39]),
             ["fig4/init_L=2", "fig4/agree_L=4_test_t39", "fig4/richness_gamma0=0.5_gamma0=2"]),
}


@pytest.mark.parametrize("experiment", sorted(CASES))
def test_key_claims_are_decided_and_hold(experiment):
    changes, key_claims = CASES[experiment]
    params = _params(experiment, **changes)
    arrays = getattr(sampling, f"run_{experiment}")(params, Seeds(11, "bordelon", experiment), Chunks(4096, 256))
    _, quantities = getattr(fit, f"fit_{experiment}")(arrays, params)
    records = _records(experiment, params, quantities)
    verdicts = {r["claim"].removeprefix("bordelon/"): r["observed"] for r in records}
    assert audit.unexpected(records) == [], [r["claim"] for r in audit.unexpected(records)]
    assert {c: verdicts.get(c) for c in key_claims} == dict.fromkeys(key_claims, "holds")


def test_horizon_claims_are_inconclusive_before_the_horizon():
    rows = [Claim("fig2/x", "t", "seed", "s", Gated(Equality("x", 0.0), decided="horizon")),
            Claim("fig2/y", "t", "seed", "s", Gated(Bound("y", lower=1.0), decided="horizon",
                                                    also=(Bound("y_step", lower=0.0),)))]
    for steps, observed in ((30, ["inconclusive"] * 2), (100, ["holds", "fails"])):
        q = Quantities()
        q["x"] = Estimate(0.0, 1.0, 10)
        q["y"], q["y_step"] = theory(2.0, "shift"), theory(-0.5, "smallest step")  # not monotone: fails
        q["horizon"] = fit.horizon({"steps": steps, "claim_horizon": 100})
        records = _records("fig2", {}, q, rows)
        assert [r["observed"] for r in records] == observed
        assert records[0]["estimate"] == 0.0 and records[0]["tolerance"] == 5.0  # the rule's numbers either way


def test_parabola_optimum_and_t_quantile():
    x = np.linspace(-2, 0, 13)
    assert fit.parabola_optimum(x, np.exp((x + 0.9) ** 2)) == pytest.approx(-0.9, abs=1e-9)
    assert fit.parabola_optimum(x, np.exp(x)) == x[0]  # edge: the grid point itself
    assert fit.t_quantile(10**6) == pytest.approx(5.0, rel=1e-3)  # large S: the normal 5 sigma
    assert fit.t_quantile(16) > fit.t_quantile(32) > 5.0

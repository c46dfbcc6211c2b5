"""The bordelon fits decide their key claims at a moderate size, and none fails.

Each case runs the real runner and fit of one experiment (C0 with a smaller D and horizon), fixed seed. The
agreement tolerance is the audit's own: k SE + L(0)/D with k the 5-sigma Student-t quantile for S - 1 degrees
of freedom (claims.t_quantile).
"""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest
import yaml
from conftest import SCHEMA

from deeplimits import audit, pipeline
from deeplimits.documents.bordelon import fit as claims
from deeplimits.documents.bordelon import sample as sampling
from deeplimits.rng import Chunks, Seeds
from deeplimits.stats import Estimate

ROOT = Path(__file__).resolve().parents[1]


def _params(experiment: str, **changes) -> dict:
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    params = copy.deepcopy(pipeline.experiment_params(config, SCHEMA, "bordelon", experiment))
    params.update(changes)
    return params


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
    _, records = getattr(claims, f"fit_{experiment}")(arrays, params)
    verdicts = {r["claim"].removeprefix("bordelon/"): r["observed"] for r in records}
    assert audit.unexpected(records) == [], [r["claim"] for r in audit.unexpected(records)]
    assert {c: verdicts.get(c) for c in key_claims} == dict.fromkeys(key_claims, "holds")


def test_horizon_claims_are_inconclusive_before_the_horizon():
    rows = [audit.equality("bordelon/fig2/x", "t", "seed", "s", Estimate(0.0, 1.0, 10), 0.0)]
    assert claims.at_horizon({"steps": 30, "claim_horizon": 100}, rows)[0]["observed"] == "inconclusive"
    assert claims.at_horizon({"steps": 100, "claim_horizon": 100}, rows)[0]["observed"] == "holds"


def test_parabola_optimum_and_t_quantile():
    x = np.linspace(-2, 0, 13)
    assert claims.parabola_optimum(x, np.exp((x + 0.9) ** 2)) == pytest.approx(-0.9, abs=1e-9)
    assert claims.parabola_optimum(x, np.exp(x)) == x[0]  # edge: the grid point itself
    assert claims.t_quantile(10**6) == pytest.approx(5.0, rel=1e-3)  # large S: the normal 5 sigma
    assert claims.t_quantile(16) > claims.t_quantile(32) > 5.0

"""Claims as data: each rule kind's verdicts and power (inconclusive whenever detectable >= effect), row expansion,
missing quantities, the audit job and its summary."""

from __future__ import annotations

import math

import numpy as np
import pytest

from deeplimits import audit, io, stats
from deeplimits.audit import (
    AtMost,
    Beyond,
    Bound,
    Claim,
    Equality,
    Gated,
    Member,
    Ordering,
    PrefersLaw,
    Reaches,
    RejectsLaw,
    SameLaw,
    Within,
)
from deeplimits.quantities import Quantities, condition, missing, theory


def _est(value, se):
    return stats.Estimate(value, se, 100)


def decide(rule, **quantities) -> str:
    """The verdict of one rule on the given quantities (estimates and KS results stored as a fit stores them)."""
    q = Quantities()
    for name, value in quantities.items():
        q[name] = value
    return audit.evaluate("nica", "fig1", [Claim("fig1/x", "t", "seed", "s", rule)], {"quantities": q})[0]["observed"]


def test_equality_verdicts():
    assert decide(Equality("e", 1.0), e=_est(1.04, 0.01)) == "holds"  # 5 SE = 0.05 < effect 10 % of 1
    assert decide(Equality("e", 1.0), e=_est(1.06, 0.01)) == "fails"
    assert decide(Equality("e", 1.0), e=_est(1.0, 0.03)) == "inconclusive"  # 5 SE = 0.15 >= effect 0.1
    assert decide(Equality("e", 0.0), e=_est(0.0, 0.01)) == "inconclusive"  # no effect stated against 0
    assert decide(Equality("e", 0.0, effect=0.1), e=_est(0.0, 0.01)) == "holds"
    replicates = stats.Estimate(1.2, 0.01, 8)  # k = 5-sigma t quantile, 7 dof (about 17): tolerance 0.17
    assert decide(Equality("e", 1.0, effect=0.5), e=replicates) == "fails"
    assert decide(Equality("e", 1.0, effect=0.5), e=stats.Estimate(1.16, 0.01, 8)) == "holds"
    assert audit.equality_k(8) == pytest.approx(17.1, abs=0.05) and audit.equality_k(30) == 5
    assert decide(Equality("e", "t", allowance="a", allowance_reason="bias"), e=_est(1.06, 0.01),
                  t=theory(1.0, "one"), a=theory(0.02, "bias")) == "holds"
    assert decide(Equality("e", 1.0, effect=0.3), e=_est(1.0, 0.1)) == "inconclusive"  # 5 SE = 0.5 >= 0.3
    few = stats.batch_estimate(np.arange(500.0), np.mean)  # fewer than 10 batches of 200: no reliable SE
    assert np.isnan(few.stderr) and decide(Equality("e", 0.0), e=few) == "inconclusive"
    many = stats.batch_estimate(np.random.default_rng(1).standard_normal(40_000), np.mean)
    assert many.stderr == pytest.approx(1 / 200, rel=0.3)  # batch-means SE of a mean ~ s/sqrt(N)
    assert '"stderr": null' in io.to_json({"stderr": few.stderr})


def test_ordering_and_at_most_verdicts():
    predicted = Ordering("g", theory=1.0)  # threshold 3 SE = 0.3, detectable 0.6 < the predicted gap
    assert decide(predicted, g=_est(0.4, 0.1)) == "holds"
    assert decide(predicted, g=_est(-0.4, 0.1)) == "fails"
    assert decide(predicted, g=_est(0.2, 0.1)) == "fails"  # the predicted gap would have shown
    assert decide(Ordering("g", theory=0.5), g=_est(0.4, 0.1)) == "inconclusive"  # 0.6 >= 0.5: no power
    assert decide(Ordering("g"), g=_est(0.4, 0.1)) == "inconclusive"  # no predicted gap, no effect stated
    bound = AtMost("e", bound=1.0)  # the claim carries the burden: estimate + 3 SE <= bound
    assert decide(bound, e=_est(0.6, 0.1)) == "holds"
    assert decide(bound, e=_est(1.4, 0.1)) == "fails"
    assert decide(bound, e=_est(0.8, 0.1)) == "inconclusive"
    assert decide(AtMost("e", bound=1.0, margin=True), e=_est(1.25, 0.1)) == "holds"  # the spec's "bound + 3 SE"
    assert decide(AtMost("e", bound=1.0, margin=True), e=_est(1.35, 0.1)) == "fails"
    assert decide(bound, e=_est(0.0, math.nan)) == "inconclusive"


def test_within_verdicts():
    interval = Within("e", 0.95, 1.15)  # the claim carries the burden at both ends: 3 SE inside, effect 0.1
    assert decide(interval, e=_est(1.05, 0.01)) == "holds"
    assert decide(interval, e=_est(1.13, 0.01)) == "inconclusive"  # within 3 SE of the upper end
    assert decide(interval, e=_est(1.19, 0.01)) == "fails"
    assert decide(interval, e=_est(0.90, 0.01)) == "fails"
    assert decide(interval, e=_est(1.05, 0.04)) == "inconclusive"  # detectable 3 SE = 0.12 >= the half-width
    assert decide(interval, e=_est(1.05, math.nan)) == "inconclusive"


def test_law_verdicts():
    far = stats.KSResult(distance=0.01, p_value=1e-9, n_eff=40_000.0)  # critical distance 0.0137
    assert decide(SameLaw("ks", effect=0.05), ks=far) == "fails"
    assert decide(SameLaw("ks"), ks=far) == "fails"  # default effect: a 10 % scale error, KS 0.023 > 0.0137
    assert audit.KS_EFFECT == pytest.approx(0.02304, abs=1e-5)
    close = stats.KSResult(distance=0.01, p_value=0.3, n_eff=100.0)
    assert decide(SameLaw("ks", effect=0.05), ks=close) == "inconclusive"  # critical distance 0.53 > 0.05
    strong = stats.KSResult(distance=0.05, p_value=1e-12, n_eff=40_000.0)
    weak = stats.KSResult(distance=0.001, p_value=0.5, n_eff=40_000.0)
    assert decide(RejectsLaw("ks", effect=0.05), ks=strong) == "holds"
    assert decide(RejectsLaw("ks", effect=0.05), ks=weak) == "fails"  # enough power, not rejected
    assert decide(RejectsLaw("ks", effect=0.01), ks=weak) == "inconclusive"  # effect below 2 x critical
    prefers = PrefersLaw("good", "bad", "sep")
    assert decide(prefers, good=weak, bad=strong, sep=theory(0.05, "sup")) == "holds"
    assert decide(prefers, good=strong, bad=weak, sep=theory(0.05, "sup")) == "fails"
    assert decide(prefers, good=weak, bad=strong, sep=theory(0.001, "sup")) == "inconclusive"


def test_deterministic_verdicts():
    assert decide(Bound("e", upper=1e-10), e=theory(1e-12, "error")) == "holds"
    assert decide(Bound("e", upper=1e-10), e=theory(1e-9, "error")) == "fails"
    assert decide(Bound("e", lower=-1.1, upper=-0.9), e=theory(-1.0, "slope")) == "holds"
    assert decide(Bound("e", upper=0.0, strict=True), e=theory(0.0, "max step")) == "fails"
    assert decide(Bound("e", upper=0.05, decided="gate"), e=theory(0.2, "KS"),
                  gate=condition(False, "the null distance is below the bound")) == "inconclusive"
    assert decide(Member("e", (0.75, 1.0, 1.25)), e=theory(1.0, "argmax")) == "holds"
    assert decide(Member("e", (0.75, 1.0, 1.25)), e=theory(2.0, "argmax")) == "fails"


def test_beyond_reaches_and_gated_verdicts():
    above = Beyond("e", 1.0, theory=2.0)  # predicted gap 1 > detectable 0.6
    assert decide(above, e=_est(1.4, 0.1)) == "holds"  # 4 SE above the bound
    assert decide(above, e=_est(1.2, 0.1)) == "fails"
    assert decide(Beyond("e", 1.0, below=True, theory=0.0), e=_est(1.4, 0.1)) == "fails"
    enough, few = condition(True, "100000 draws"), condition(False, "100000 draws")
    assert decide(Reaches("ess", 500.0, decided="gate"), ess=theory(800.0, "ESS"), gate=few) == "holds"
    assert decide(Reaches("ess", 500.0, decided="gate"), ess=theory(300.0, "ESS"), gate=few) == "inconclusive"
    assert decide(Reaches("ess", 500.0, decided="gate"), ess=theory(300.0, "ESS"), gate=enough) == "fails"
    gated = Gated(Equality("e", 1.0), decided="gate", also=(Bound("step", upper=0.0),))
    assert decide(gated, e=_est(1.0, 0.01), step=theory(-1.0, "rise"), gate=enough) == "holds"
    assert decide(gated, e=_est(1.0, 0.01), step=theory(1.0, "rise"), gate=enough) == "fails"  # 'also' fails
    assert decide(gated, e=_est(1.0, 0.01), step=theory(-1.0, "rise"), gate=few) == "inconclusive"


def test_rows_expand_over_instances_and_missing_quantities_are_inconclusive():
    q = Quantities()
    for d in (3, 10):
        q.each("depth", d=d)
        q[f"m_d{d}"] = _est(1.0 + d / 100, 0.001)
    q["late"] = missing("the run stops before t = 100 at this preset")
    rows = [Claim("fig1/c_d{d}", "E = 1 at n={n}, d={d}", "seed", "mean", Equality("m_d{d}", 1.0), each="depth"),
            Claim("fig1/late", "late", "derived", "s", Equality("late", 0.0))]
    recs = audit.evaluate("nica", "fig1", rows, {"quantities": q, "index": q.index, "parameters": {"n": 50}})
    assert [(r["claim"], r["text"], r["observed"]) for r in recs] == [
        ("nica/fig1/c_d3", "E = 1 at n=50, d=3", "fails"), ("nica/fig1/c_d10", "E = 1 at n=50, d=10", "fails"),
        ("nica/fig1/late", "late", "inconclusive")]
    assert "stops before" in recs[2]["tolerance_reason"] and set(audit.KEYS) <= set(recs[0])
    with pytest.raises(KeyError, match="no quantity 'typo'"):
        audit.evaluate("nica", "fig1", [Claim("fig1/x", "t", "seed", "s", Equality("typo", 0.0))], {"quantities": q})
    with pytest.raises(ValueError, match="tag must be one of"):
        Claim("fig1/x", "t", "guess", "s", Equality("m", 0.0))


def test_unexpected_and_markdown():
    q = Quantities()
    q["e"] = _est(2.0, 0.01)
    rows = [Claim("fig1/a", "t", "seed", "s", Equality("e", 1.0), expected="fails"),
            Claim("fig1/b", "t", "seed", "s", Equality("e", 1.0))]
    recs = audit.evaluate("nica", "fig1", rows, {"quantities": q})
    assert [r["claim"] for r in audit.unexpected(recs)] == ["nica/fig1/b"]
    text = audit.markdown(recs, "Audit")
    assert "Unexpected verdicts: 1" in text and "**fails**" in text


def test_audit_job_decides_the_claim_table_and_appends_the_tables_of_the_fits(tmp_path, monkeypatch):
    from deeplimits.documents.nica.claims import CLAIMS
    from deeplimits.jobs.audit import audit as audit_job

    q = Quantities()
    q["dead_fraction"], q["dead_probability"] = stats.Estimate(0.1, 0.001, 90_000), theory(0.1, "1-(1-2^-n)^d")
    q.each("dead", n=10, d=100)
    moments = {"paper": "nica", "experiment": "moments", "quantities": q, "index": q.index, "parameters": {},
               "stats": {"markdown": "| a |\n|---|\n| 1 |\n"}}
    dead_rows = [row for row in CLAIMS["moments"] if row.each == "dead"]
    monkeypatch.setattr(audit, "claim_table", lambda paper: {"moments": dead_rows})
    io.write_json(tmp_path / "a.json", moments)
    audit_job("nica", [tmp_path / "a.json"], tmp_path / "o.json", tmp_path / "o.md")
    md = (tmp_path / "o.md").read_text()
    assert "## Table: nica/moments\n\n| a |" in md and md.count("## Table") == 1
    assert [(r["claim"], r["observed"]) for r in io.read_json(tmp_path / "o.json")] == [
        ("nica/moments/m4_n10_d100", "holds")]
    assert "| nica | 1 | 1 | 0 | 0 | 0 | 0.5 | 0.5 |" in md  # the summary: detectable 0.005 / effect 0.01


def test_cli_reads_audit_records_and_counts_weak_rows(tmp_path, capsys):
    q = Quantities()
    q["e"] = _est(1.0, 0.01)
    rows = [Claim("fig1/tight", "t", "seed", "s", Equality("e", 1.0)),
            Claim("fig1/loose", "t", "seed", "s", Equality("e", 1.0, allowance=0.6, allowance_reason="wide"),
                  expected="holds")]
    records = audit.evaluate("nica", "fig1", rows, {"quantities": q})
    assert [r["observed"] for r in records] == ["holds", "inconclusive"]  # 0.65 >= effect 0.1
    records[1]["observed"] = "holds"  # as an audit written before rows carried their power would say
    assert [r["claim"] for r in audit.weak_holds(records)] == ["nica/fig1/loose"]
    io.write_json(tmp_path / "audit.json", records)
    assert audit.main([str(tmp_path / "audit.json")]) == 0
    assert "1 holding rows with tolerance >= 50 % of the theory value" in capsys.readouterr().out

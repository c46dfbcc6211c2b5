"""Seeding, atomic writes with provenance, estimates and audit verdicts."""

from __future__ import annotations

import numpy as np
import pytest

from deeplimits import audit, io, stats
from deeplimits import config as dl_config
from deeplimits.rng import STREAM_BLOCK, chunked_rngs, setting_seed


def _draw(chunk_size: int, n_samples: int = 1000) -> np.ndarray:
    parts = []
    for _, rng in chunked_rngs(setting_seed(7, "nica", "x"), n_samples, chunk_size):
        k = rng.binomial(30, 0.5, 4)
        parts.append(np.column_stack([k, rng.gamma(k / 2.0), rng.standard_normal(3), rng.rademacher(2)]))
    return np.concatenate(parts)


def test_streams_do_not_depend_on_chunk_size():
    assert np.array_equal(_draw(STREAM_BLOCK), _draw(4 * STREAM_BLOCK))


def test_seeds_depend_on_every_name():
    a = setting_seed(1, "nica", "fig1", "d=10").generate_state(4)
    assert not np.array_equal(a, setting_seed(2, "nica", "fig1", "d=10").generate_state(4))
    assert not np.array_equal(a, setting_seed(1, "nica", "fig1", "d=1").generate_state(4))
    assert np.array_equal(a, setting_seed(1, "nica", "fig1", "d=10").generate_state(4))


def test_chunk_size_must_be_a_multiple_of_the_stream_block():
    with pytest.raises(ValueError, match="multiple of 256"):
        next(chunked_rngs(setting_seed(0), 10, 100))


def test_npz_round_trip_with_provenance(tmp_path):
    path = tmp_path / "x.npz"
    io.write_npz(path, {"a/G": np.arange(3.0)}, io.provenance(paper="nica", parameters={"n": 3}))
    arrays, meta = io.read_npz(path)
    assert np.array_equal(arrays["a/G"], np.arange(3.0))
    assert meta["paper"] == "nica" and meta["parameters"] == {"n": 3} and meta["numpy_version"] == np.__version__
    assert [p.name for p in tmp_path.iterdir()] == ["x.npz"]


def test_interrupted_write_leaves_no_file(tmp_path):
    class Boom:
        def __array__(self, *args, **kwargs):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        io.write_npz(tmp_path / "x.npz", {"a": np.zeros(2), "b": Boom()}, {})
    assert list(tmp_path.iterdir()) == []


def test_caps_reach_every_key_of_a_declared_role():
    """Caps by the schema's x-role, through $ref, nested objects and arrays; keys without a role (or with a role no
    cap names) are untouched whatever their names."""
    schema = {"$defs": {"samples": {"type": "integer", "x-role": "samples"},
                        "grid": {"type": "object", "properties": {"grid_points": {"x-role": "grid_points"}}}},
              "type": "object",
              "properties": {"samples": {"$ref": "#/$defs/samples"}, "full_samples": {"$ref": "#/$defs/samples"},
                             "n": {"type": "integer"}, "depth_scaled": {"type": "boolean"},
                             "not_samples": {"type": "integer"},
                             "sizes": {"type": "array", "items": {"properties": {"samples": {"$ref": "#/$defs/samples"},
                                                                                 "n": {}}}},
                             "steps": {"x-role": "steps"}, "eta_grid": {"$ref": "#/$defs/grid"},
                             "dmft_steps": {"type": "array", "x-role": "steps"}, "width": {"x-role": "width"}}}
    params = {"samples": 4096, "n": 100, "sizes": [{"n": 5000, "samples": 1000}], "full_samples": 9000,
              "not_samples": 9000, "steps": 300, "depth_scaled": True, "eta_grid": {"grid_points": 13},
              "dmft_steps": [20, 400], "width": 64}
    caps = {"samples": 512, "steps": 30, "grid_points": 5}
    assert dl_config.cap_by_role(params, schema, schema, caps) == {
        "samples": 512, "n": 100, "sizes": [{"n": 5000, "samples": 512}], "full_samples": 512, "not_samples": 9000,
        "steps": 30, "depth_scaled": True, "eta_grid": {"grid_points": 5}, "dmft_steps": [20, 30], "width": 64}
    assert dl_config.cap_by_role(params, schema, schema, {}) == params


def test_standard_errors_match_their_formulas():
    x = np.random.default_rng(0).standard_normal(40_000)
    m, v = stats.mean(x), stats.variance(x)
    assert m.stderr == pytest.approx(x.std(ddof=1) / 200, rel=1e-12)
    assert v.stderr == pytest.approx(np.sqrt(2 / 40_000), rel=0.05)  # Gaussian: (m4 - s^4)/N = 2/N
    f = stats.fraction(x > 0)
    assert f.stderr == pytest.approx(np.sqrt(f.value * (1 - f.value) / 40_000))
    assert stats.mean(np.array([1.0, np.nan, 3.0])).n == 2


def _est(value, se):
    return stats.Estimate(value, se, 100)


def test_equality_verdicts():
    kw = {"claim": "nica/fig1/c1", "text": "t", "tag": "seed", "statistic": "s"}
    assert audit.equality(**kw, estimate=_est(1.04, 0.01), theory=1.0)["observed"] == "holds"
    assert audit.equality(**kw, estimate=_est(1.06, 0.01), theory=1.0)["observed"] == "fails"
    rec = audit.equality(**kw, estimate=_est(1.06, 0.01), theory=1.0, allowance=0.02, allowance_reason="bias")
    assert rec["observed"] == "holds" and rec["tolerance"] == pytest.approx(0.07)
    assert audit.equality(**kw, estimate=_est(1.0, 0.1), theory=1.0, effect=0.3)["observed"] == "inconclusive"
    assert set(audit.KEYS) <= set(rec) and rec["figure"] == "nica/fig1"


def test_ordering_and_law_verdicts():
    kw = {"claim": "nica/fig1/c2", "text": "t", "tag": "derived", "statistic": "s"}
    assert audit.ordering(**kw, gap=_est(0.4, 0.1))["observed"] == "holds"
    assert audit.ordering(**kw, gap=_est(-0.4, 0.1))["observed"] == "fails"
    assert audit.ordering(**kw, gap=_est(0.2, 0.1))["observed"] == "inconclusive"
    ks = stats.KSResult(distance=0.01, p_value=1e-9, n_eff=100.0)
    assert audit.same_law(**kw, ks=ks)["observed"] == "fails"
    assert audit.same_law(**kw, ks=ks, effect=0.05, expected="fails")["observed"] == "inconclusive"


def test_at_most_verdicts():
    kw = {"claim": "hayou/fig04/b", "text": "t", "tag": "seed", "statistic": "s"}
    assert audit.at_most(**kw, estimate=_est(0.25, 0.1), bound=0.0)["observed"] == "holds"  # within 3 SE
    assert audit.at_most(**kw, estimate=_est(0.35, 0.1), bound=0.0)["observed"] == "fails"
    assert audit.at_most(**kw, estimate=_est(0.0, float("nan")), bound=0.0)["observed"] == "inconclusive"


def test_quantile_and_binomial_interval():
    x = np.random.default_rng(1).standard_normal(40_000)
    med = stats.quantile(x, 0.5)
    # asymptotic SE of the median: 1 / (2 f(0) sqrt(N)) = sqrt(pi/2) / sqrt(N)
    assert med.stderr == pytest.approx(np.sqrt(np.pi / 2 / 40_000), rel=0.1)
    assert abs(med.value) <= 5 * med.stderr
    lo, hi = stats.binomial_interval(0, 100)
    assert lo == 0.0 and hi == pytest.approx(1 - 0.025 ** (1 / 100))  # exact Clopper-Pearson at zero successes
    lo, hi = stats.binomial_interval(50, 100)
    assert lo < 0.5 < hi and hi - lo == pytest.approx(2 * 1.96 * 0.05, rel=0.05)


def test_unexpected_and_markdown():
    recs = [audit.equality("nica/fig1/a", "t", "seed", "s", _est(2.0, 0.01), 1.0, expected="fails"),
            audit.equality("nica/fig1/b", "t", "seed", "s", _est(2.0, 0.01), 1.0)]
    assert [r["claim"] for r in audit.unexpected(recs)] == ["nica/fig1/b"]
    text = audit.markdown(recs, "Audit")
    assert "Unexpected verdicts: 1" in text and "**fails**" in text


def test_rejects_law_and_unreliable_errors():
    kw = {"claim": "bassetti/fig1/A2", "text": "t", "tag": "seed", "statistic": "s"}
    strong = stats.KSResult(distance=0.05, p_value=1e-12, n_eff=40_000.0)
    weak = stats.KSResult(distance=0.001, p_value=0.5, n_eff=40_000.0)
    assert audit.rejects_law(**kw, ks=strong, effect=0.05)["observed"] == "holds"
    assert audit.rejects_law(**kw, ks=weak, effect=0.05)["observed"] == "fails"  # enough power, not rejected
    assert audit.rejects_law(**kw, ks=weak, effect=0.01)["observed"] == "inconclusive"  # effect below 2 x critical
    few = stats.batch_estimate(np.arange(500.0), np.mean)  # fewer than 10 batches of 200: no reliable SE
    assert np.isnan(few.stderr)
    assert audit.equality(**kw, estimate=few, theory=0.0)["observed"] == "inconclusive"
    many = stats.batch_estimate(np.random.default_rng(1).standard_normal(40_000), np.mean)
    assert many.stderr == pytest.approx(1 / 200, rel=0.3)  # batch-means SE of a mean ~ s/sqrt(N)
    assert '"stderr": null' in io.to_json({"stderr": few.stderr})


def test_audit_appends_the_tables_of_the_fits(tmp_path):
    from deeplimits.jobs.audit import audit as audit_job

    q = audit.Quantities()
    for name in ("dmft_time_exponent", "simulation_time_exponent", "solver_gap", "sampler_gap"):
        q[name] = audit.theory({"dmft_time_exponent": 3.0, "simulation_time_exponent": 2.0}.get(name, 0.0), "x")
    q["dmft_timed"] = q["simulation_timed"] = audit.condition(True, "timed")
    io.write_json(tmp_path / "a.json", {"paper": "bordelon", "experiment": "table1",
                                        "parameters": {"check_dimension": 64}, "quantities": dict(q), "index": q.index,
                                        "stats": {"markdown": "| a |\n|---|\n| 1 |\n"}})
    io.write_json(tmp_path / "b.json", {"paper": "bordelon", "experiment": "figA2", "quantities": {},
                                        "index": {"init": []}, "stats": {}})
    audit_job("bordelon", [tmp_path / "a.json", tmp_path / "b.json"], tmp_path / "o.json", tmp_path / "o.md")
    md = (tmp_path / "o.md").read_text()
    assert "## Table: bordelon/table1\n\n| a |" in md and md.count("## Table") == 1
    records = io.read_json(tmp_path / "o.json")
    assert [r["claim"] for r in records] == [f"bordelon/table1/{c}" for c in ("dmft_exponent", "simulation_exponent",
                                                                            "solvers_agree", "samplers_agree")]
    assert {r["observed"] for r in records} == {"holds"}

"""Seeding, atomic writes with provenance, estimates and configuration checks."""

from __future__ import annotations

import numpy as np
import pytest

from deeplimits import config as dl_config
from deeplimits import io, stats
from deeplimits.rng import STREAM_BLOCK, chunked_rngs, setting_seed


def _draw(chunk_size: int, n_samples: int = 1000) -> np.ndarray:
    parts = []
    for _, rng in chunked_rngs(setting_seed(7, "nica", "x"), n_samples, chunk_size):
        k = rng.binomial(30, 0.5, 4)
        parts.append(np.column_stack([k, rng.gamma(k / 2.0), rng.standard_normal(3), rng.rademacher(2)]))
    return np.concatenate(parts)


def test_streams_do_not_depend_on_chunk_size():
    assert np.array_equal(_draw(STREAM_BLOCK), _draw(4 * STREAM_BLOCK))


def _redraw(chunk_size: int, n_samples: int = 1000) -> np.ndarray:
    """A rejection step: the rows whose first normal is positive draw two more normals, then every row one more."""
    parts = []
    for _, rng in chunked_rngs(setting_seed(7, "nica", "y"), n_samples, chunk_size):
        first = rng.standard_normal(1)
        rows = first[:, 0] > 0
        again = np.full((len(rng), 2), np.nan)
        again[rows] = rng.standard_normal_rows(rows, 2)
        parts.append(np.column_stack([first, again, rng.standard_normal(1)]))
    return np.concatenate(parts)


def test_row_redraws_do_not_depend_on_chunk_size():
    one, four = _redraw(STREAM_BLOCK), _redraw(4 * STREAM_BLOCK)
    assert np.array_equal(one, four, equal_nan=True)
    assert np.isnan(one[:, 1]).sum() == (one[:, 0] <= 0).sum()


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
                             "dmft_steps": {"type": "array", "x-role": "steps"}, "width": {"x-role": "width"},
                             "by_name": {"type": "object", "additionalProperties": {"$ref": "#/$defs/samples"}}}}
    params = {"samples": 4096, "n": 100, "sizes": [{"n": 5000, "samples": 1000}], "full_samples": 9000,
              "not_samples": 9000, "steps": 300, "depth_scaled": True, "eta_grid": {"grid_points": 13},
              "dmft_steps": [20, 400], "width": 64, "by_name": {"a=1": 4096, "b=2": 100}}
    caps = {"samples": 512, "steps": 30, "grid_points": 5}
    assert dl_config.cap_by_role(params, schema, schema, caps) == {
        "samples": 512, "n": 100, "sizes": [{"n": 5000, "samples": 512}], "full_samples": 512, "not_samples": 9000,
        "steps": 30, "depth_scaled": True, "eta_grid": {"grid_points": 5}, "dmft_steps": [20, 30], "width": 64,
        "by_name": {"a=1": 512, "b=2": 100}}
    assert dl_config.cap_by_role(params, schema, schema, {}) == params


def test_standard_errors_match_their_formulas():
    x = np.random.default_rng(0).standard_normal(40_000)
    m, v = stats.mean(x), stats.variance(x)
    assert m.stderr == pytest.approx(x.std(ddof=1) / 200, rel=1e-12)
    assert v.stderr == pytest.approx(np.sqrt(2 / 40_000), rel=0.05)  # Gaussian: (m4 - s^4)/N = 2/N
    f = stats.fraction(x > 0)
    assert f.stderr == pytest.approx(np.sqrt(f.value * (1 - f.value) / 40_000))
    assert stats.mean(np.array([1.0, np.nan, 3.0])).n == 2


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

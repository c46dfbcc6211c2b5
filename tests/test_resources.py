"""Job resources from experiment parameters (deeplimits.resources) and their wiring into the rules."""

from __future__ import annotations

import copy
import json
import math
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest
import yaml
from conftest import SCHEMA

from deeplimits import io, pipeline, registry
from deeplimits import resources as R

ROOT = Path(__file__).resolve().parents[1]
CONFIG = yaml.safe_load((ROOT / "config.yaml").read_text())


def configured(preset: str):
    config = {**CONFIG, "preset": preset}
    for paper in registry.PAPERS:
        for experiment in config.get(paper, {}).get("experiments", {}):
            yield paper, experiment, pipeline.sample_params(config, SCHEMA, paper, experiment)


ALL = [(preset, paper, exp, p) for preset in ("default", "smoke") for paper, exp, p in configured(preset)]
IDS = [f"{preset}-{paper}-{exp}" for preset, paper, exp, _ in ALL]


def scaled(params, factor: int, keys=R.SAMPLE_SUFFIXES):
    """Copy with every integer under a key ending in one of ``keys`` multiplied by ``factor``."""
    if isinstance(params, dict):
        return {k: (v * factor if k.endswith(keys) and isinstance(v, int) and not isinstance(v, bool)
                    else [x * factor for x in v] if k.endswith(keys) and isinstance(v, list)
                    and all(isinstance(x, int) for x in v) else scaled(v, factor, keys)) for k, v in params.items()}
    if isinstance(params, list):
        return [scaled(v, factor, keys) for v in params]
    return params


@pytest.mark.parametrize(("preset", "paper", "experiment", "params"), ALL, ids=IDS)
def test_every_configured_experiment_gets_finite_bounded_resources(preset, paper, experiment, params):
    size = R.size(params)
    assert math.isfinite(size.work) and size.work > 0 and math.isfinite(size.values) and size.values > 0
    for attempt in (1, 2):
        runtime = R.sample_runtime(paper, experiment, params, attempt)
        mem = R.sample_mem_mb(paper, experiment, params, attempt)
        assert isinstance(runtime, int) and isinstance(mem, int)
        assert R.RUNTIME_FLOOR_MIN * attempt <= runtime <= R.RUNTIME_CAP_MIN * attempt
        assert R.MEM_FLOOR_MB * attempt <= mem <= R.MEM_CAP_MB * attempt
    assert R.sample_runtime(paper, experiment, params, 2) == 2 * R.sample_runtime(paper, experiment, params, 1)
    assert R.light_mem_mb(paper, {experiment: params}) >= R.MEM_FLOOR_MB


@pytest.mark.parametrize(("preset", "paper", "experiment", "params"), ALL, ids=IDS)
def test_resources_grow_with_the_sample_count(preset, paper, experiment, params):
    bigger = scaled(params, 4)
    if bigger == params:  # no sample count (e.g. a grid evaluation): nothing to scale
        return
    assert R.size(bigger).work == pytest.approx(4 * R.size(params).work)
    assert R.size(bigger).values == pytest.approx(4 * R.size(params).values)
    assert R.sample_runtime(paper, experiment, bigger) >= R.sample_runtime(paper, experiment, params)
    assert R.sample_mem_mb(paper, experiment, bigger) >= R.sample_mem_mb(paper, experiment, params)


def test_work_is_monotone_in_every_size():
    base = {"samples": 1000, "n": 50, "depths": [10, 20], "alphas": [0.5, 1.0], "times": [1, 2]}
    work = R.size(base).work
    assert work == 1000 * 2 * 50**2 * 30  # samples x grid (alphas) x width^2 x summed depths; times are not a grid
    for key, bigger in [("samples", 2000), ("n", 100), ("depths", [10, 20, 40]), ("alphas", [0.5, 1.0, 2.0])]:
        assert R.size({**base, key: bigger}).work > work, key
    assert R.size({**base, "times": [1, 2, 3]}).work == work  # recorded points cost storage, not sampling
    assert R.size({**base, "times": [1, 2, 3]}).values > R.size(base).values


def test_settings_inherit_the_blocks_above():
    params = {"depths": [10, 25], "laws": ["a", "b", "c"],
              "sizes": [{"n": 50, "samples": 100}, {"n": 100, "samples": 10}]}
    blocks = list(R.settings(params))
    assert blocks == [{"depths": [10, 25], "laws": ["a", "b", "c"], "n": 50, "samples": 100},
                      {"depths": [10, 25], "laws": ["a", "b", "c"], "n": 100, "samples": 10}]
    assert R.size(params).work == 100 * 3 * 50**2 * 35 + 10 * 3 * 100**2 * 35


def test_floors_and_caps():
    tiny, huge = {"samples": 1}, {"samples": 10**15, "n": 10**4, "depth": 10**4}
    assert R.sample_runtime("nica", "fig1", tiny) == R.RUNTIME_FLOOR_MIN
    assert R.sample_mem_mb("nica", "fig1", tiny) == R.MEM_FLOOR_MB
    assert R.sample_runtime("nica", "fig1", huge) == R.RUNTIME_CAP_MIN
    assert R.sample_mem_mb("nica", "fig1", huge) == R.MEM_CAP_MB
    assert R.light_runtime(1) < R.RUNTIME_CAP_MIN and R.light_runtime(3) == 3 * R.light_runtime(1)


def test_smoke_jobs_stay_small_and_paper_scale_jobs_ask_more():
    """At the smoke preset every job fits a laptop-sized node; at paper scale the heavy experiments ask for more
    time than the light ones."""
    for paper, experiment, params in configured("smoke"):
        assert R.sample_runtime(paper, experiment, params) <= 15, (paper, experiment)
        assert R.sample_mem_mb(paper, experiment, params) <= 2000, (paper, experiment)
    runtimes = {(p, e): R.sample_runtime(p, e, params) for p, e, params in configured("default")}
    assert len(set(runtimes.values())) > 3  # not one constant for all


def test_calibration_names_registered_experiments_with_positive_rates():
    for paper, table in R.CALIBRATION.items():
        assert paper in registry.PAPERS
        for experiment, rate in table.items():
            assert experiment in registry.load(paper).EXPERIMENTS, (paper, experiment)
            assert 0 < rate.seconds < math.inf and 0 < rate.bytes < math.inf, (paper, experiment)
    assert R.rate("nica", "no_such_experiment") == R.DEFAULT


def test_calibrate_reads_the_provenance(tmp_path):
    def experiment(name, params, shape, seconds):
        npz = tmp_path / "samples" / "nica" / f"{name}.npz"
        io.write_npz(npz, {"G": np.zeros(shape)}, {"parameters": params, "wall_time_s": seconds})
        return npz

    big = experiment("fig1", {"samples": 100_000, "n": 10, "depths": [1, 2]}, (100_000, 2), 12.5)
    experiment("moments", {"samples": 10, "n": 10, "depth": 1}, (10,), 30.0)  # too small to set the default
    table, default = R.calibrate(tmp_path)
    assert table["nica"]["fig1"].seconds == pytest.approx(12.5 / (100_000 * 10**2 * 3), rel=1e-2)
    assert table["nica"]["fig1"].bytes == pytest.approx(big.stat().st_size / (100_000 * 2), rel=1e-2)
    assert table["nica"]["moments"].seconds == pytest.approx(30.0 / (10 * 10**2), rel=1e-2)
    assert default == table["nica"]["fig1"]


def test_rules_request_the_computed_resources():
    """The dry run's resources for sample, fit, figure and audit jobs are those of deeplimits.resources."""
    proc = subprocess.run(["snakemake", "-n", "--cores", "1", "--config", "preset=smoke"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    config = {**copy.deepcopy(CONFIG), "preset": "smoke"}
    seen = set()
    for block in re.split(r"\n(?=rule |localrule )", proc.stdout + proc.stderr):
        rule = block.split(":", 1)[0].split()[-1] if block.startswith(("rule ", "localrule ")) else None
        wc = re.search(r"wildcards: (.+)", block)
        res = re.search(r"resources: (.+)", block)
        if rule in (None, "all") or res is None:
            continue
        wildcards = dict(kv.split("=", 1) for kv in wc.group(1).split(", ")) if wc else {}
        resources = dict(kv.split("=", 1) for kv in res.group(1).split(", "))
        if rule == "sample":
            params = pipeline.sample_params(config, SCHEMA, wildcards["paper"], wildcards["experiment"])
            assert int(resources["runtime"]) == R.sample_runtime(wildcards["paper"], wildcards["experiment"], params)
            assert int(resources["mem_mb"]) == R.sample_mem_mb(wildcards["paper"], wildcards["experiment"], params)
        else:
            assert int(resources["runtime"]) == R.light_runtime(1)
            assert int(resources["mem_mb"]) >= R.MEM_FLOOR_MB
        seen.add(rule)
    assert {"sample", "fit", "figure", "audit", "audit_all"} <= seen, seen


def test_resources_module_has_no_snakemake_dependency():
    """The cost model is plain Python: importable and testable without a workflow."""
    source = (ROOT / "src" / "deeplimits" / "resources.py").read_text()
    assert "snakemake" not in source.split('"""', 2)[2]
    json.dumps({"runtime": R.sample_runtime("nica", "fig1", {"samples": 1})})

"""Job resources from experiment parameters (deeplimits.resources), the roles the schema declares for them
(deeplimits.config.key_roles), the calibration files, and their wiring into the rules."""

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

from deeplimits import config as dl_config
from deeplimits import io, pipeline, registry
from deeplimits import resources as R

ROOT = Path(__file__).resolve().parents[1]
CONFIG = yaml.safe_load((ROOT / "config.yaml").read_text())


def configured(preset: str):
    """(paper, experiment, sample parameters, key -> role) of every configured experiment at this preset."""
    config = {**CONFIG, "preset": preset}
    for paper in registry.PAPERS:
        for experiment in config.get(paper, {}).get("experiments", {}):
            yield (paper, experiment, pipeline.sample_params(config, SCHEMA, paper, experiment),
                   dl_config.key_roles(SCHEMA, paper, experiment))


ALL = [(preset, *entry) for preset in ("default", "smoke") for entry in configured(preset)]
IDS = [f"{preset}-{paper}-{exp}" for preset, paper, exp, _, _ in ALL]
PARAMS = ("preset", "paper", "experiment", "params", "roles")


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def scaled(params, factor: int, roles):
    """Copy with every integer (or list of integers) under a key of a samples role multiplied by ``factor``."""
    if isinstance(params, list):
        return [scaled(v, factor, roles) for v in params]
    if not isinstance(params, dict):
        return params
    out = {}
    for k, v in params.items():
        counts_samples = R.CATEGORY.get(roles.get(k)) == "samples"
        if counts_samples and _is_int(v):
            out[k] = v * factor
        elif counts_samples and isinstance(v, list) and all(_is_int(x) for x in v):
            out[k] = [x * factor for x in v]
        else:
            out[k] = scaled(v, factor, roles)
    return out


@pytest.mark.parametrize(PARAMS, ALL, ids=IDS)
def test_every_configured_experiment_gets_finite_bounded_resources(preset, paper, experiment, params, roles):
    size = R.size(params, roles)
    assert math.isfinite(size.work) and size.work > 0 and math.isfinite(size.values) and size.values > 0
    for attempt in (1, 2):
        runtime = R.sample_runtime(paper, experiment, params, roles, attempt)
        mem = R.sample_mem_mb(paper, experiment, params, roles, attempt)
        assert isinstance(runtime, int) and isinstance(mem, int)
        assert R.RUNTIME_FLOOR_MIN * attempt <= runtime <= R.RUNTIME_CAP_MIN * attempt
        assert R.MEM_FLOOR_MB * attempt <= mem <= R.MEM_CAP_MB * attempt
    assert (R.sample_runtime(paper, experiment, params, roles, 2)
            == 2 * R.sample_runtime(paper, experiment, params, roles, 1))
    assert R.light_mem_mb(paper, {experiment: params}, {experiment: roles}) >= R.MEM_FLOOR_MB


@pytest.mark.parametrize(PARAMS, ALL, ids=IDS)
def test_resources_grow_with_the_sample_count(preset, paper, experiment, params, roles):
    bigger = scaled(params, 4, roles)
    if bigger == params:  # no sample count (e.g. a grid evaluation): nothing to scale
        return
    assert R.size(bigger, roles).work == pytest.approx(4 * R.size(params, roles).work)
    assert R.size(bigger, roles).values == pytest.approx(4 * R.size(params, roles).values)
    assert R.sample_runtime(paper, experiment, bigger, roles) >= R.sample_runtime(paper, experiment, params, roles)
    assert R.sample_mem_mb(paper, experiment, bigger, roles) >= R.sample_mem_mb(paper, experiment, params, roles)


ROLES = {"samples": "samples", "n": "width", "depths": "depth", "times": "record"}


def test_work_is_monotone_in_every_size():
    base = {"samples": 1000, "n": 50, "depths": [10, 20], "alphas": [0.5, 1.0], "times": [1, 2]}
    work = R.size(base, ROLES).work
    assert work == 1000 * 2 * 50**2 * 30  # samples x grid (alphas) x width^2 x summed depths; times are not a grid
    for key, bigger in [("samples", 2000), ("n", 100), ("depths", [10, 20, 40]), ("alphas", [0.5, 1.0, 2.0])]:
        assert R.size({**base, key: bigger}, ROLES).work > work, key
    assert R.size({**base, "times": [1, 2, 3]}, ROLES).work == work  # recorded points cost storage, not sampling
    assert R.size({**base, "times": [1, 2, 3]}, ROLES).values > R.size(base, ROLES).values


def test_roles_not_names_decide_the_category():
    """Each role counts in its category whatever the key is called; a key without a role counts as a grid axis if
    it is a list, and not at all if it is a number."""
    params = {"reps": 4, "seeds": 2, "m": 30, "dim": 50, "layers": [2, 3], "T": 10, "at": [1, 5, 9], "k": 7,
              "etas": {"points": 6}, "betas": [0.1, 0.2], "n": 1000, "depths": [100]}
    roles = {"reps": "samples", "seeds": "replicates", "m": "width", "dim": "dimension", "layers": "depth",
             "T": "steps", "at": "record", "points": "grid_points"}
    size = R.size(params, roles)
    # grid: etas' points, betas and depths (a one-entry list without a role); n (no role) is no width
    samples, grid, width, depth = 4 + 2, 6 * 2 * 1, 50, 2 + 3 + 10
    assert size.work == samples * grid * width**2 * depth
    assert size.values == samples * grid * 3  # the entries of role record
    # without a role, `at` is a grid axis, and a setting stores one value per entry of its depth lists
    unrecorded = {k: v for k, v in roles.items() if k != "at"}
    assert R.size(params, unrecorded).values == samples * (grid * 3) * 2
    assert R.size({"samples": 10, "n": 50}, {}).work == 1  # names alone count for nothing


def test_settings_inherit_the_blocks_above():
    params = {"depths": [10, 25], "laws": ["a", "b", "c"],
              "sizes": [{"n": 50, "samples": 100}, {"n": 100, "samples": 10}]}
    blocks = list(R.settings(params))
    assert blocks == [{"depths": [10, 25], "laws": ["a", "b", "c"], "n": 50, "samples": 100},
                      {"depths": [10, 25], "laws": ["a", "b", "c"], "n": 100, "samples": 10}]
    assert R.size(params, ROLES).work == 100 * 3 * 50**2 * 35 + 10 * 3 * 100**2 * 35


def test_floors_and_caps():
    tiny, huge = {"samples": 1}, {"samples": 10**15, "n": 10**4, "depth": 10**4}
    roles = {"samples": "samples", "n": "width", "depth": "depth"}
    assert R.sample_runtime("nica", "fig1", tiny, roles) == R.RUNTIME_FLOOR_MIN
    assert R.sample_mem_mb("nica", "fig1", tiny, roles) == R.MEM_FLOOR_MB
    assert R.sample_runtime("nica", "fig1", huge, roles) == R.RUNTIME_CAP_MIN
    assert R.sample_mem_mb("nica", "fig1", huge, roles) == R.MEM_CAP_MB
    assert R.light_runtime(1) < R.RUNTIME_CAP_MIN and R.light_runtime(3) == 3 * R.light_runtime(1)


def test_smoke_jobs_stay_small_and_paper_scale_jobs_ask_more():
    """At the smoke preset every job fits a laptop-sized node; at paper scale the heavy experiments ask for more
    time than the light ones."""
    for paper, experiment, params, roles in configured("smoke"):
        assert R.sample_runtime(paper, experiment, params, roles) <= 15, (paper, experiment)
        assert R.sample_mem_mb(paper, experiment, params, roles) <= 2000, (paper, experiment)
    runtimes = {(p, e): R.sample_runtime(p, e, params, roles) for p, e, params, roles in configured("default")}
    assert len(set(runtimes.values())) > 3  # not one constant for all


# ------------------------------------------------------------------------------------------------------- roles
def toy_schema(experiment: dict, common: dict | None = None) -> dict:
    """A merged schema with one document ``toy`` holding one experiment ``e`` (and a ``common`` block)."""
    return {
        "$defs": {
            "width": {"type": "integer", "x-role": "width"},
            "widths": {"type": "array", "items": {"$ref": "#/$defs/width"}, "x-role": "width"},
            "block": {"type": "object", "properties": {"n": {"$ref": "#/$defs/width"}, "T": {"x-role": "steps"}}},
        },
        "properties": {"toy": {"properties": {"common": common or {},
                                              "experiments": {"properties": {"e": experiment}}}}},
    }


def test_key_roles_follow_refs_nested_objects_and_array_items():
    schema = toy_schema(
        {"$ref": "#/$defs/block", "properties": {
            "samples": {"type": "integer", "x-role": "samples"},
            "dead_n": {"$ref": "#/$defs/widths"},                                  # inherited through $ref
            "threshold": {"type": "integer"},                                      # no role: left out
            "at": {"$ref": "#/$defs/widths", "x-role": "record"},                  # its own role wins
            "grid": {"type": "object", "properties": {"points": {"x-role": "grid_points"}}},
            "runs": {"type": "array", "items": {"allOf": [{"properties": {"dim": {"x-role": "dimension"}}}]}}}},
        common={"type": "object", "properties": {"reps": {"x-role": "replicates"}}})
    assert dl_config.key_roles(schema, "toy", "e") == {
        "n": "width", "T": "steps", "samples": "samples", "dead_n": "width", "at": "record", "points": "grid_points",
        "dim": "dimension", "reps": "replicates"}


def test_key_roles_reject_a_key_with_two_roles():
    two_roles = toy_schema({"properties": {"n": {"x-role": "width"},
                                           "inner": {"type": "object", "properties": {"n": {"x-role": "depth"}}}}})
    with pytest.raises(ValueError, match=r"toy/e: config key n has several roles \(depth, width\)"):
        dl_config.key_roles(two_roles, "toy", "e")
    role_and_none = toy_schema({"properties": {"n": {"$ref": "#/$defs/width"}}},
                               common={"properties": {"n": {"type": "integer"}}})
    with pytest.raises(ValueError, match=r"config key n has several roles \(no role, width\)"):
        dl_config.key_roles(role_and_none, "toy", "e")


def test_key_roles_of_the_shipped_schema():
    """Roles reach through the bordelon experiments' $ref to the training setting and into the tasks' items, a
    key's own role beats its $ref's, and a threshold on widths is no width."""
    difficulty = dl_config.key_roles(SCHEMA, "bordelon", "fig6_difficulty")
    assert {k: difficulty[k] for k in ("dimension", "steps", "replicates", "L", "times", "theory_steps")} == {
        "dimension": "dimension", "steps": "steps", "replicates": "replicates", "L": "depth", "times": "record",
        "theory_steps": "steps"}
    assert dl_config.key_roles(SCHEMA, "hayou", "layers")["record"] == "record"  # items: $ref depth
    quasi_gbm = dl_config.key_roles(SCHEMA, "hayou", "quasi_gbm")
    assert quasi_gbm["validation_widths"] == "width" and "wide_from" not in quasi_gbm
    assert dl_config.key_roles(SCHEMA, "nica", "validation")["positions"] == "record"  # in a nested object


# ------------------------------------------------------------------------------- the refactor keeps the requests
#: frozen copy of the key-name rules the cost model used before the schema declared roles (x-role)
NAME_SAMPLE_SUFFIXES = ("samples", "replicates")
NAME_WIDTH_KEYS = frozenset({"n", "N", "width", "widths", "wide_width", "dimension", "dimensions", "N_0",
                             "N_surrogate", "residual_dimension", "check_dimension"})
NAME_DEPTH_KEYS = frozenset({"d", "depth", "depths", "L", "contour_L", "steps", "residual_depth"})
NAME_RECORD_KEYS = frozenset({"times", "record", "positions"})
#: the rates of the experiments whose size the roles changed (rescaled in their calibration.yaml): before, the
#: grid counted nica/moments' dead_n (3 widths) and hayou/quasi_gbm's validation_widths (8 widths)
NAME_BASED_RATES = {("nica", "moments"): R.Rate(2.37e-11, 10), ("hayou", "quasi_gbm"): R.Rate(4.13e-12, 17.6)}


def name_based_size(params) -> R.Size:
    """The size of an experiment by the key-name rules (frozen copy of the code before x-roles)."""
    def is_samples(k):
        return k.endswith(NAME_SAMPLE_SUFFIXES)

    def is_width(k):
        return k in NAME_WIDTH_KEYS or k.endswith("_dimensions")

    def is_depth(k):
        return k in NAME_DEPTH_KEYS or k.endswith(("_depth", "_depths", "_steps"))

    def is_record(k):
        return k in NAME_RECORD_KEYS or k.startswith("claim_")

    def is_number(v):
        return isinstance(v, int | float) and not isinstance(v, bool)

    def numbers(v):
        return [float(v)] if is_number(v) else [x for e in v for x in numbers(e)] if isinstance(v, list) else []

    work = values = 0.0
    for s in R.settings(params):
        samples = sum(x for k, v in s.items() if is_samples(k) for x in numbers(v)) or 1.0
        width = max([x for k, v in s.items() if is_width(k) for x in numbers(v)] or [1.0])
        depth = sum(x for k, v in s.items() if is_depth(k) for x in numbers(v)) or 1.0
        grid, recorded = 1.0, 0
        for k, v in s.items():
            if is_record(k):
                recorded += len(v) if isinstance(v, list) else 1
            elif isinstance(v, list) and v and not (is_samples(k) or is_width(k) or is_depth(k)):
                grid *= len(v)
            elif k.endswith("grid_points") and is_number(v):
                grid *= max(v, 1)
        if not recorded:
            recorded = max(sum(len(v) for k, v in s.items() if is_depth(k) and isinstance(v, list)), 1)
        work += samples * grid * width**2 * depth
        values += samples * grid * recorded
    return R.Size(work=work, values=values)


def name_based_requests(paper, experiment, params):
    """(runtime, memory) of a sample job by the name-based size and the rates measured for it."""
    rate = NAME_BASED_RATES.get((paper, experiment), R.rate(paper, experiment))
    size = name_based_size(params)
    minutes = R.STARTUP_MIN + R.SAFETY * rate.seconds * size.work / 60
    mb = R.BASE_MB + R.COPIES * rate.bytes * size.values / 1e6
    return (min(max(math.ceil(minutes), R.RUNTIME_FLOOR_MIN), R.RUNTIME_CAP_MIN),
            min(max(math.ceil(mb), R.MEM_FLOOR_MB), R.MEM_CAP_MB))


@pytest.mark.parametrize(PARAMS, ALL, ids=IDS)
def test_roles_keep_every_request_of_the_name_rules(preset, paper, experiment, params, roles):
    """Pins the refactor from key names to declared roles: every sample job asks for the same time and memory as
    under the name rules, and the products rate x size behind them agree to the rates' 3 significant digits. The
    size itself changed only where the roles deliberately count a list of widths as widths, not as a grid (those
    experiments' rates were rescaled)."""
    assert (R.sample_runtime(paper, experiment, params, roles),
            R.sample_mem_mb(paper, experiment, params, roles)) == name_based_requests(paper, experiment, params)
    old, new = name_based_size(params), R.size(params, roles)
    assert (old == new) == ((paper, experiment) not in NAME_BASED_RATES)
    before = NAME_BASED_RATES.get((paper, experiment), R.rate(paper, experiment))
    assert R.rate(paper, experiment).seconds * new.work == pytest.approx(before.seconds * old.work, rel=5e-3)
    assert R.rate(paper, experiment).bytes * new.values == pytest.approx(before.bytes * old.values, rel=5e-3)
    full = pipeline.experiment_params({**CONFIG, "preset": preset}, SCHEMA, paper, experiment)  # the fit's
    assert R.light_mem_mb(paper, {experiment: full}, {experiment: roles}) == min(max(math.ceil(
        R.BASE_MB + R.COPIES * before.bytes * name_based_size(full).values / 1e6), R.MEM_FLOOR_MB), R.MEM_CAP_MB)


# ------------------------------------------------------------------------------------------------- calibration
def test_calibration_names_registered_experiments_with_positive_rates():
    for paper in registry.PAPERS:
        assert R.calibration_path(paper).exists(), paper
        for experiment, rate in R.calibration(paper).items():
            assert experiment in registry.load(paper).EXPERIMENTS, (paper, experiment)
            assert 0 < rate.seconds < math.inf and 0 < rate.bytes < math.inf, (paper, experiment)
    assert R.rate("nica", "no_such_experiment") == R.default_rate()
    assert R.rate("no_such_document", "fig1") == R.default_rate()
    assert 0 < R.default_rate().seconds < math.inf and 0 < R.default_rate().bytes < math.inf


def write_samples(results: Path, paper: str, name: str, params: dict, shape: tuple, seconds: float) -> Path:
    """A sample file of zeros under ``results`` with these parameters and wall time in its provenance."""
    npz = results / "samples" / paper / f"{name}.npz"
    io.write_npz(npz, {"G": np.zeros(shape)}, {"parameters": params, "wall_time_s": seconds})
    return npz


def test_calibrate_reads_the_provenance(tmp_path):
    big = write_samples(tmp_path, "nica", "fig1", {"samples": 100_000, "n": 10, "depths": [1, 2]}, (100_000, 2), 12.5)
    # too small to set the default; `depth` is no key of nica/moments, so it has no role and counts for nothing
    write_samples(tmp_path, "nica", "moments", {"samples": 10, "n": 10, "depth": 7}, (10,), 30.0)
    table, default = R.calibrate(tmp_path, SCHEMA)
    assert table["nica"]["fig1"].seconds == pytest.approx(12.5 / (100_000 * 10**2 * 3), rel=1e-2)
    assert table["nica"]["fig1"].bytes == pytest.approx(big.stat().st_size / (100_000 * 2), rel=1e-2)
    assert table["nica"]["moments"].seconds == pytest.approx(30.0 / (10 * 10**2), rel=1e-2)
    assert default == table["nica"]["fig1"]


def test_calibration_files_update_and_read_back(tmp_path):
    """The written files hold the measured rates, keep the entries not measured again, follow the registry's
    order, and read back as the same rates."""
    documents, default_path = tmp_path / "documents", tmp_path / "default.yaml"
    (documents / "nica").mkdir(parents=True)
    R.calibration_path("nica", documents).write_text("grad: {seconds: 1.0e-09, bytes: 5.0}\n"
                                                     "fig1: {seconds: 9.0, bytes: 9.0}\n")
    table = {"nica": {"moments": R.Rate(7.11e-11, 30.0), "fig1": R.Rate(4.07e-11, 17.0)},
             "hayou": {"gbm": R.Rate(2e-09, 1.06e3)}}
    files = R.calibration_files(table, R.Rate(6.82e-07, 187.0), "a test", documents, default_path)
    assert set(files) == {R.calibration_path("nica", documents), R.calibration_path("hayou", documents), default_path}
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        assert all(len(line) <= 120 for line in text.splitlines()) and "From a test." in text
    nica = R.read_rates(R.calibration_path("nica", documents))
    assert nica == {"fig1": R.Rate(4.07e-11, 17.0), "moments": R.Rate(7.11e-11, 30.0), "grad": R.Rate(1e-09, 5.0)}
    assert list(nica) == ["fig1", "moments", "grad"]  # registry order
    assert R.read_rates(R.calibration_path("hayou", documents)) == {"gbm": R.Rate(2e-09, 1060.0)}
    assert yaml.safe_load(default_path.read_text()) == {"seconds": 6.82e-07, "bytes": 187.0}


def test_calibrate_command_dry_run_prints_and_writes_nothing(tmp_path, monkeypatch, capsys):
    write_samples(tmp_path, "nica", "fig1", {"samples": 100_000, "n": 10, "depths": [1, 2]}, (100_000, 2), 12.5)
    before = {p: p.read_text() for p in (R.calibration_path("nica"), R.DEFAULT_PATH)}
    monkeypatch.chdir(ROOT)
    assert R.main(["calibrate", "--dry-run", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert f"--- {R.calibration_path('nica')}" in out and f"--- {R.DEFAULT_PATH}" in out
    assert re.search(r"^fig1: \{seconds: 4\.17e-07, bytes: ", out, re.MULTILINE), out
    assert re.search(r"^moments: \{seconds: ", out, re.MULTILINE)  # the entries not measured again stay
    assert {p: p.read_text() for p in before} == before


# ------------------------------------------------------------------------------------------------------- rules
def test_rules_request_the_computed_resources():
    """The dry run's resources for sample, fit, figure and audit jobs are those of deeplimits.resources, and its
    threads one per job except the timed experiments' sample and fit jobs, which claim all --cores (registry.timed).
    ``--forceall``: the dry run lists every job even where this checkout's results/ are complete."""
    cores = 2
    proc = subprocess.run(["snakemake", "-n", "--forceall", "--cores", str(cores), "--config", "preset=smoke"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    config = {**copy.deepcopy(CONFIG), "preset": "smoke"}
    seen, timed_seen = set(), 0
    for block in re.split(r"\n(?=rule |localrule )", proc.stdout + proc.stderr):
        rule = block.split(":", 1)[0].split()[-1] if block.startswith(("rule ", "localrule ")) else None
        wc = re.search(r"wildcards: (.+)", block)
        res = re.search(r"resources: (.+)", block)
        if rule in (None, "all") or res is None:
            continue
        wildcards = dict(kv.split("=", 1) for kv in wc.group(1).split(", ")) if wc else {}
        resources = dict(kv.split("=", 1) for kv in res.group(1).split(", "))
        threads = re.search(r"threads: (\d+)", block)  # Snakemake prints threads only above 1
        timed = rule in ("sample", "fit") and wildcards["experiment"] in registry.timed(wildcards["paper"])
        assert (int(threads.group(1)) if threads else 1) == (cores if timed else R.THREADS), block
        timed_seen += timed
        if rule == "sample":
            paper, experiment = wildcards["paper"], wildcards["experiment"]
            params = pipeline.sample_params(config, SCHEMA, paper, experiment)
            roles = dl_config.key_roles(SCHEMA, paper, experiment)
            assert int(resources["runtime"]) == R.sample_runtime(paper, experiment, params, roles)
            assert int(resources["mem_mb"]) == R.sample_mem_mb(paper, experiment, params, roles)
        else:
            assert int(resources["runtime"]) == R.light_runtime(1)
            assert int(resources["mem_mb"]) >= R.MEM_FLOOR_MB
        seen.add(rule)
    assert {"sample", "fit", "figure", "audit", "audit_all"} <= seen, seen
    assert timed_seen == 2 * sum(len(registry.timed(p)) for p in registry.PAPERS), timed_seen


def test_resources_module_has_no_snakemake_dependency():
    """The cost model is plain Python: importable and testable without a workflow."""
    source = (ROOT / "src" / "deeplimits" / "resources.py").read_text()
    assert "snakemake" not in source.split('"""', 2)[2]
    json.dumps({"runtime": R.sample_runtime("nica", "fig1", {"samples": 1}, {"samples": "samples"})})

"""The workflow through SLURM, on a real single-node SLURM brought up on localhost (tests/slurm_cluster.py:
slurmctld, slurmd, slurmdbd with MariaDB, munge; the Debian packages come from .ci/slurm/install).

Proves:
- ``snakemake --profile profiles/slurm --config preset=smoke`` runs the whole smoke DAG (136 jobs, every rule:
  sample, fit, figure, audit, audit_all) through snakemake-executor-plugin-slurm: sacct lists one COMPLETED
  allocation per sample job and for audit_all, each with the time limit and memory that deeplimits.resources
  computes for it, and one per document for its fit, figure and audit jobs (a group job: one CPU, the largest
  member's memory, the sum of the members' time limits). ``DEEPLIMITS_SLURM_DAG=one-figure`` narrows it to one
  figure per document (still every rule, 17 jobs) for a quick check while changing the SLURM set-up;
- determinism across executors: the arrays of every .npz of that DAG, and the provenance less the fields that
  legitimately differ (io.VOLATILE_PROVENANCE: wall time, host, ...), are bit-identical between a local
  ``--cores 1`` run of its sample jobs, the session's local ``--cores 2`` smoke run (tests/conftest.py, the same
  config) and the SLURM run (arrays that measure the run itself, bordelon/table1's timings, are excluded by name:
  MEASURED);
- a sample job that SLURM kills at its time limit (``profiles/slurm-tiny``: 1 minute) leaves no readable output (no
  file at the output path, no temporary file), and a rerun with profiles/slurm -- pointed at an account and a
  partition as the README says -- completes the DAG;
- the node enforces memory requests (OverMemoryKill): a job outgrowing its request is killed, so every job of the
  DAG above ran within the memory deeplimits.resources computed for it;
- every daemon is stopped afterwards: the cluster fixture's finalizer fails the module if a process is left.

The kill scenario needs a job that outlives its 1-minute limit (SLURM checks limits every 30 s), so it runs in a
background thread while the DAG runs. Skips, saying why, only where SLURM cannot be started (packages missing, not
root, a daemon failing to start).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
import yaml
from conftest import SCHEMA, SMOKE, copy_project, run_snakemake
from slurm_cluster import ACCOUNT, PARTITION, LocalSlurm, SlurmUnavailable

from deeplimits import config as dl_config
from deeplimits import io, pipeline, registry
from deeplimits import resources as R
from deeplimits.jobs.sample import sample
from deeplimits.rng import Chunks

pytestmark = pytest.mark.slow

FULL_DAG = os.environ.get("DEEPLIMITS_SLURM_DAG", "full") != "one-figure"
#: one figure per document: every rule, 17 jobs (``DEEPLIMITS_SLURM_DAG=one-figure``)
ONE_FIGURE_EACH = {p: {"figures": [next(iter(registry.load(p).FIGURES))]} for p in registry.PAPERS}
#: rules whose jobs of one document run in one group allocation (profiles/slurm: groups)
GROUPED = ("fit", "figure", "audit")
#: the plugin waits this long before its first sacct query, and again after a query that saw a job finish
#: (profiles/slurm keeps the plugin's default of 40 s, sized for a busy cluster)
FAST_POLL = ("--slurm-init-seconds-before-status-checks", "1")
#: arrays that are measurements of the run itself, not samples (bordelon/table1 times the simulations)
MEASURED = {"bordelon/table1.npz": ("/wall_s", "/min_wall_s", "/peak_bytes")}
#: the kill scenario: nica/fig1 at paper scale with enough samples for KILL_SECONDS of sampling on this machine (a
#: short probe measures the speed); SLURM kills it 60-95 s after it starts, so this leaves a factor 2 for noise
KILL_OUTPUT = "results/samples/nica/fig1.npz"
KILL_SECONDS = 200


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A single-node SLURM cluster on localhost for this module; always torn down, and checked to be gone."""
    cluster = LocalSlurm(tmp_path_factory.mktemp("slurm"))
    try:
        cluster.start()
    except SlurmUnavailable as exc:
        pytest.skip(f"SLURM cannot be started here: {exc}")
    yield cluster
    left = cluster.stop()
    assert not left, f"processes of the local SLURM cluster still running after stop: {left}"


def sacct(cluster: LocalSlurm, run_name: str) -> list[dict[str, str]]:
    """The allocations (no steps) of one Snakemake run: the plugin names every job after the run's UUID."""
    fields = ["JobIDRaw", "State", "Timelimit", "ReqMem", "AllocCPUS", "Account", "Partition", "Comment"]
    out = cluster.run("sacct", "-X", "--parsable2", "--noheader", "--starttime", "now-1days",
                      f"--format={','.join(fields)}", "--name", run_name).stdout
    return [dict(zip(fields, line.split("|"), strict=True)) for line in out.splitlines() if line]


def minutes(timelimit: str) -> float:
    """SLURM's [D-]HH:MM:SS as minutes."""
    days, _, hms = timelimit.rpartition("-")
    h, m, s = (int(x) for x in hms.split(":"))
    return int(days or 0) * 1440 + h * 60 + m + s / 60


def run_uuid(proc: subprocess.CompletedProcess) -> str:
    match = re.search(r"SLURM run ID: (\S+)", proc.stdout + proc.stderr)
    assert match, "no SLURM run ID in the log: did the run use the SLURM executor?"
    return match.group(1)


def planned_jobs(workdir: Path, *args: str) -> list[tuple[str, dict[str, str]]]:
    """(rule, wildcards) of every job a dry run would execute (``all`` excluded)."""
    out = run_snakemake(workdir, "-n", "--cores", "1", *args)
    jobs = []
    for block in re.split(r"\n(?=rule |localrule )", out.stdout + out.stderr):
        if block.startswith(("rule ", "localrule ")):
            rule = block.split(":", 1)[0].split()[-1]
            wc = re.search(r"wildcards: (.+)", block)
            if rule != "all":
                jobs.append((rule, dict(kv.split("=", 1) for kv in wc.group(1).split(", ")) if wc else {}))
    return jobs


def read_samples(samples: Path, names=None) -> dict[str, tuple[dict[str, np.ndarray], dict]]:
    """name -> (arrays, provenance less the volatile fields) of every .npz under ``samples``."""
    out = {}
    for path in sorted(samples.rglob("*.npz")):
        name = str(path.relative_to(samples))
        if names is None or name in names:
            arrays, meta = io.read_npz(path)
            arrays = {k: v for k, v in arrays.items() if not k.endswith(MEASURED.get(name, ()))}
            out[name] = (arrays, {k: v for k, v in meta.items() if k not in io.VOLATILE_PROVENANCE})
    return out


def assert_identical(reference: dict, other: dict, label: str) -> None:
    assert reference.keys() == other.keys(), (label, sorted(reference), sorted(other))
    for name, (arrays, meta) in reference.items():
        other_arrays, other_meta = other[name]
        assert meta == other_meta, (label, name)
        assert arrays.keys() == other_arrays.keys(), (label, name)
        for key, arr in arrays.items():
            assert arr.dtype == other_arrays[key].dtype and arr.shape == other_arrays[key].shape, (label, name, key)
            assert arr.tobytes() == other_arrays[key].tobytes(), (label, name, key)  # bit for bit, NaNs included


def project(root: Path) -> tuple[Path, tuple[str, ...]]:
    """A scratch copy of the project and the config arguments of the DAG under test."""
    work = copy_project(root)
    if FULL_DAG:
        return work, SMOKE
    (work / "dag.yaml").write_text(yaml.safe_dump(ONE_FIGURE_EACH))
    return work, ("--configfile", "config.yaml", "dag.yaml", *SMOKE)


def kill_scenario(cluster: LocalSlurm, root: Path) -> dict:
    """profiles/slurm-tiny on a ~2-minute sample job (killed), then profiles/slurm with an account and a partition
    (completes). Returns what the test asserts on."""
    work = copy_project(root)
    # samples for KILL_SECONDS of sampling, from a short run on this machine
    config = {**yaml.safe_load((work / "config.yaml").read_text()), "preset": "default"}
    params = pipeline.experiment_params(config, SCHEMA, "nica", "fig1")
    probe = 2**16
    start = time.perf_counter()
    sample("nica", "fig1", {**params, "samples": probe}, config["seed"], Chunks(4096, 256), root / "probe.npz")
    per_sample = (time.perf_counter() - start) / probe
    samples = int(KILL_SECONDS / per_sample) // 4096 * 4096
    (work / "kill.yaml").write_text(yaml.safe_dump({"preset": "default",
                                                    "nica": {"experiments": {"fig1": {"samples": samples}}}}))
    args = ("--configfile", "config.yaml", "kill.yaml", *FAST_POLL, "--", KILL_OUTPUT)
    out: dict = {"work": work, "samples": samples}
    start = time.perf_counter()
    tiny = run_snakemake(work, "--profile", "profiles/slurm-tiny", *args, env=cluster.env, check=False,
                         timeout=900)
    out["killed_after"] = time.perf_counter() - start
    out["tiny"] = tiny
    out["tiny_jobs"] = sacct(cluster, run_uuid(tiny)) if tiny.returncode else []
    folder = (work / KILL_OUTPUT).parent
    out["left_after_kill"] = sorted(p.name for p in folder.iterdir()) if folder.exists() else []
    # the README's way to point the profile at an account and a partition
    profile = yaml.safe_load((work / "profiles/slurm/config.yaml").read_text())
    profile["default-resources"] |= {"slurm_account": ACCOUNT, "slurm_partition": PARTITION}
    (work / "profiles/cluster").mkdir()
    (work / "profiles/cluster/config.yaml").write_text(yaml.safe_dump(profile))
    start = time.perf_counter()
    rerun = run_snakemake(work, "--profile", "profiles/cluster", *args, env=cluster.env, check=False, timeout=900)
    out["rerun_seconds"] = time.perf_counter() - start
    out["rerun"] = rerun
    out["rerun_jobs"] = sacct(cluster, run_uuid(rerun)) if rerun.returncode == 0 else []
    out["dry_after"] = run_snakemake(work, "-n", "--cores", "1", *args[:3], "--", KILL_OUTPUT)
    return out


@pytest.fixture(scope="module")
def kill(cluster, tmp_path_factory):
    """The kill scenario, started in a background thread (it waits minutes on SLURM's time limit)."""
    with ThreadPoolExecutor(1) as pool:
        future = pool.submit(kill_scenario, cluster, tmp_path_factory.mktemp("kill"))
        yield future
        future.result(timeout=1200)  # never tear the cluster down under a running scenario


@pytest.fixture(scope="module")
def slurm_dag(cluster, kill, tmp_path_factory):
    """The DAG under test through SLURM with profiles/slurm (while the kill scenario runs beside it)."""
    work, config = project(tmp_path_factory.mktemp("slurm_dag"))
    start = time.perf_counter()
    proc = run_snakemake(work, "--profile", "profiles/slurm", *config, *FAST_POLL, env=cluster.env, timeout=2400)
    seconds = time.perf_counter() - start
    print(f"{'whole smoke DAG' if FULL_DAG else 'smoke DAG, one figure per document'} through profiles/slurm "
          f"(local 1-node SLURM, beside the kill scenario): {seconds:.1f} s")
    return work, config, proc


def member_mem_mb(config: dict, paper: str, rule: str, wildcards: dict[str, str]) -> int:
    """The memory deeplimits.resources computes for one fit, figure or audit job (workflow/rules/common.smk)."""
    if rule == "audit":
        return R.AUDIT_MEM_MB
    experiments = ((wildcards["experiment"],) if rule == "fit"
                   else registry.load(paper).FIGURES[wildcards["figure"]].experiments)
    params = {e: pipeline.experiment_params(config, SCHEMA, paper, e) for e in experiments}
    return R.light_mem_mb(paper, params, {e: dl_config.key_roles(SCHEMA, paper, e) for e in experiments})


def test_every_job_of_the_dag_ran_through_slurm_with_its_resources(slurm_dag, cluster, tmp_path):
    """Sample and audit_all jobs: one allocation each, with the time limit and memory deeplimits.resources computes.
    The fit, figure and audit jobs of one document: one group allocation (profiles/slurm ``groups``) with one CPU
    (the plugin runs a group's jobs one after another), the largest member's memory and the sum of the members'
    time limits."""
    work, config_args, proc = slurm_dag
    jobs = sacct(cluster, run_uuid(proc))
    dry, _ = project(tmp_path / "dry")
    expected = planned_jobs(dry, *config_args)
    assert {rule for rule, _ in expected} == {"sample", "fit", "figure", "audit", "audit_all"}
    assert {j["State"] for j in jobs} == {"COMPLETED"}, {j["State"] for j in jobs}
    config = {**yaml.safe_load((work / "config.yaml").read_text()), "preset": "smoke"}
    by_comment = {j["Comment"]: j for j in jobs}
    grouped: dict[str, list[tuple[str, dict[str, str]]]] = {}
    single = 0
    for rule, wc in expected:
        if rule in GROUPED:
            grouped.setdefault(wc["paper"], []).append((rule, wc))
            continue
        single += 1
        name = f"rule_{rule}" + (f"_wildcards_{'_'.join(wc.values())}" if wc else "")
        assert name in by_comment, name
        job = by_comment[name]
        if rule == "sample":
            params = pipeline.sample_params(config, SCHEMA, wc["paper"], wc["experiment"])
            roles = dl_config.key_roles(SCHEMA, wc["paper"], wc["experiment"])
            assert minutes(job["Timelimit"]) == R.sample_runtime(wc["paper"], wc["experiment"], params, roles), name
            assert job["ReqMem"] == f"{R.sample_mem_mb(wc['paper'], wc['experiment'], params, roles)}M", name
        else:
            assert minutes(job["Timelimit"]) == R.light_runtime(1), name
        assert int(job["AllocCPUS"]) == R.THREADS, name
    assert sorted(grouped) == sorted(registry.PAPERS)
    for paper, members in grouped.items():
        name = f"rule_post_{paper}_{'_'.join(sorted(GROUPED))}"
        assert name in by_comment, name
        job = by_comment[name]
        assert int(job["AllocCPUS"]) == 1, name
        assert minutes(job["Timelimit"]) == len(members) * R.light_runtime(1), name
        assert job["ReqMem"] == f"{max(member_mem_mb(config, paper, rule, wc) for rule, wc in members)}M", name
    assert len(jobs) == single + len(grouped), (len(jobs), single, len(grouped))
    assert (work / "results/audit/audit.json").exists()
    assert not [p for p in (work / "results").rglob("*") if io.PARTIAL in p.name], "temporary files left behind"


def test_arrays_are_bit_identical_across_executors(slurm_dag, request, tmp_path):
    """Local --cores 1, local --cores 2 (the session's smoke run) and SLURM, same config: the same arrays, bit for
    bit."""
    work, config_args, _ = slurm_dag
    smoke_run = request.getfixturevalue("smoke_run")  # after the cluster: no local smoke run when SLURM skips
    slurm = read_samples(work / "results" / "samples")
    assert len(slurm) >= (40 if FULL_DAG else 4)
    serial, _ = project(tmp_path / "cores1")
    start = time.perf_counter()
    run_snakemake(serial, "--cores", "1", *config_args, "--", *(f"results/samples/{name}" for name in slurm))
    print(f"the same sample jobs, local --cores 1: {time.perf_counter() - start:.1f} s")
    cores1 = read_samples(serial / "results" / "samples")
    cores2 = read_samples(smoke_run.samples, names=set(slurm))
    assert_identical(cores1, cores2, "--cores 1 vs --cores 2")
    assert_identical(cores2, slurm, "SLURM vs --cores 2")


def test_job_killed_at_its_time_limit_leaves_no_output_and_a_rerun_completes(kill, slurm_dag):
    result = kill.result(timeout=1200)
    tiny, rerun = result["tiny"], result["rerun"]
    assert tiny.returncode != 0, (f"the sample job ({result['samples']} samples) finished within its 1-minute "
                                  f"limit:\n{tiny.stderr[-2000:]}")
    assert [j["State"] for j in result["tiny_jobs"]] == ["TIMEOUT"], result["tiny_jobs"]
    assert minutes(result["tiny_jobs"][0]["Timelimit"]) == 1
    assert result["left_after_kill"] == [], f"files left in the output folder: {result['left_after_kill']}"
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    print(f"kill scenario: {result['samples']} samples, killed after {result['killed_after']:.0f} s, "
          f"rerun {result['rerun_seconds']:.0f} s")
    (job,) = result["rerun_jobs"]
    assert job["State"] == "COMPLETED" and job["Account"] == ACCOUNT and job["Partition"] == PARTITION, job
    arrays, meta = io.read_npz(result["work"] / KILL_OUTPUT)
    assert meta["parameters"]["samples"] == result["samples"]
    assert all(a.shape[0] == result["samples"] for k, a in arrays.items() if k.endswith("/G"))
    assert "Nothing to be done" in result["dry_after"].stdout + result["dry_after"].stderr


def test_the_local_cluster_is_real_slurm(cluster):
    """One idle node with this machine's CPUs; accounting through slurmdbd (what the plugin's sacct reads)."""
    node, cpus, mem, state = cluster.run("sinfo", "-h", "-N", "-o", "%N %c %m %t").stdout.split()
    assert node == "localhost" and int(cpus) == os.cpu_count() and int(mem) > 0 and state in ("idle", "mix", "alloc")
    config = cluster.run("scontrol", "show", "config").stdout
    assert re.search(r"AccountingStorageType\s*=\s*accounting_storage/slurmdbd", config)
    assert re.search(r"SLURM_VERSION\s*=\s*(2[2-9]|[3-9]\d)\.", config)


def test_the_local_cluster_enforces_memory(cluster, tmp_path):
    """The node kills a job that outgrows its memory request (OverMemoryKill, checked every 5 s), as a real cluster
    does: so the DAG above ran every job within the memory deeplimits.resources asked for. A 400 MB array under a
    200 MB request is killed within seconds (the job would otherwise sleep for a minute)."""
    script = tmp_path / "grow.sh"
    script.write_text(f"#!/bin/sh\n{sys.executable} -c 'import numpy, time; a = numpy.ones(50_000_000); "
                      "time.sleep(60)'\n")
    script.chmod(0o755)
    out = cluster.run("sbatch", "--parsable", "--mem=200M", "--time=2", "--job-name=grow",
                      f"--output={tmp_path / 'grow.log'}", str(script)).stdout
    job = out.strip().split(";")[0]
    deadline = time.monotonic() + 60
    while cluster.run("squeue", "-h", "-j", job, check=False).stdout.strip() and time.monotonic() < deadline:
        time.sleep(1)
    log = (tmp_path / "grow.log").read_text()
    assert "exceeded memory limit" in log or "Exceeded job memory limit" in log, log
    state = cluster.run("sacct", "-X", "-n", "-P", "-j", job, "-o", "State").stdout.split()
    assert state and state[0] in ("FAILED", "OUT_OF_MEMORY", "CANCELLED"), state

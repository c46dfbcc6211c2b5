"""Reruns you can trust, beyond the smoke DAG of test_workflow.py: Snakemake's between-workflow cache shares
samples between checkouts, keyed by code and parameters; a sample job killed with SIGKILL in the middle of writing
its file leaves nothing that looks or loads like a result, and a rerun completes."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import numpy as np
import psutil
import pytest
import yaml
from conftest import SMOKE, copy_project, run_snakemake

from deeplimits import io

CACHED = "results/samples/nica/fig1.npz"
CACHED_LOG = "results/logs/sample/nica/fig1.log"


def _sampler_ran(work: Path) -> bool:
    """The job's log has the sampler's lines (Snakemake leaves an empty log for a job served from the cache)."""
    log = work / CACHED_LOG
    return log.exists() and "sampled" in log.read_text()


def _arrays_equal(a: Path, b: Path) -> bool:
    x, y = io.read_npz(a)[0], io.read_npz(b)[0]
    return x.keys() == y.keys() and all(np.array_equal(x[k], y[k], equal_nan=True) for k in x)


def test_checkouts_share_samples_through_the_cache(tmp_path):
    """A second checkout with the same SNAKEMAKE_OUTPUT_CACHE gets the sample without running the sampler (nothing
    in the job's log, the output a link into the cache, the same arrays); a checkout with one parameter changed, or
    with a sampler module edited, runs the sampler and adds its own entry."""
    cache = tmp_path / "cache"
    cache.mkdir()
    env = {**os.environ, "SNAKEMAKE_OUTPUT_CACHE": str(cache)}

    def run(name: str, edit=None) -> tuple[Path, str]:
        work = copy_project(tmp_path / name)
        if edit:
            edit(work)
        proc = run_snakemake(work, "--cache", "--cores", "1", *SMOKE, "--", CACHED, env=env)
        return work, proc.stdout + proc.stderr

    first, _ = run("first")
    assert _sampler_ran(first) and len(list(cache.iterdir())) == 1
    second, out = run("second")
    assert not _sampler_ran(second), "the sampler ran although the sample was in the cache"
    assert "from cache" in out and (second / CACHED).is_symlink()
    assert (second / CACHED).resolve().parent == cache.resolve()
    assert _arrays_equal(first / CACHED, second / CACHED)

    def change_depths(work: Path) -> None:
        config = yaml.safe_load((work / "config.yaml").read_text())
        config["nica"]["experiments"]["fig1"]["depths"] = [1, 10]
        (work / "config.yaml").write_text(yaml.safe_dump(config))

    def edit_sampler(work: Path) -> None:
        path = work / "src/deeplimits/models/networks/mlp.py"
        path.write_text(path.read_text() + "\n# an edit\n")

    for name, edit, entries in (("parameter", change_depths, 2), ("code", edit_sampler, 3)):
        work, _ = run(name, edit)
        assert _sampler_ran(work), f"a checkout with a changed {name} took the cached sample"
        assert len(list(cache.iterdir())) == entries


KILLED = "results/samples/bassetti/d1_convergence.npz"
#: 400,000 samples at 5 widths: about 4 s of sampling, then a 32 MB write (and fsync) long enough to catch
BIG = {"preset": "default", "bassetti": {"experiments": {"d1_convergence": {"samples": 400_000}}}}


def _kill_job_mid_write(work: Path) -> tuple[list[str], subprocess.CompletedProcess | None]:
    """Run the sample job; the moment its temporary file appears, SIGKILL the job's Python process. Returns the
    files in the output folder right after the kill, or an empty list if the write was not caught in progress."""
    proc = subprocess.Popen(["snakemake", "--cores", "1", "--configfile", "config.yaml", "big.yaml", "--", KILLED],
                            cwd=work, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline, left = time.monotonic() + 300, []
    try:
        while proc.poll() is None and time.monotonic() < deadline:
            if io.partial_files(work / KILLED):
                jobs = [p for p in psutil.Process(proc.pid).children(recursive=True)
                        if any(arg.endswith(".sample.py") for arg in p.cmdline())]
                if jobs:
                    os.kill(jobs[0].pid, signal.SIGKILL)
                    left = sorted(p.name for p in (work / KILLED).parent.iterdir())
                    break
            time.sleep(0.0005)
        out = proc.communicate(timeout=120)[0]
    finally:
        if proc.poll() is None:
            proc.kill()
    return left, subprocess.CompletedProcess(proc.args, proc.returncode, out)


def test_sigkill_mid_write_leaves_no_readable_result_and_a_rerun_completes(tmp_path):
    work = copy_project(tmp_path / "kill")
    (work / "big.yaml").write_text(yaml.safe_dump(BIG))
    for _attempt in range(3):  # the write lasts a fraction of a second: try again if it finished first
        left, killed = _kill_job_mid_write(work)
        if left and killed.returncode != 0:
            break
        (work / KILLED).unlink(missing_ok=True)
    else:
        pytest.fail("the sample job's write was never caught in progress")
    folder = (work / KILLED).parent
    assert not (work / KILLED).exists() and not list(folder.glob("*.npz")), left
    assert left and all(name.startswith(".d1_convergence.npz" + io.PARTIAL) for name in left), left
    assert io.partial_files(work / KILLED), "the partial file vanished by itself"
    rerun = run_snakemake(work, "--cores", "1", "--configfile", "config.yaml", "big.yaml", "--", KILLED)
    assert "Finished job" in rerun.stdout + rerun.stderr
    assert io.partial_files(work / KILLED) == [] and sorted(p.name for p in folder.iterdir()) == [Path(KILLED).name]
    arrays, meta = io.read_npz(work / KILLED)
    assert meta["parameters"]["samples"] == 400_000
    assert all(a.shape[0] == 400_000 for a in arrays.values() if a.ndim)

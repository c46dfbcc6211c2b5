"""Fixtures shared by test modules: the smoke preset of the whole DAG, run once per session.

tests/test_workflow.py works in this run's directory (and edits files in it, always restoring them);
tests/test_slurm.py compares its own runs against the snapshot of the samples taken right after this run.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from deeplimits import config as dl_config

ROOT = Path(__file__).resolve().parents[1]
#: the schema of config.yaml (shared part and every document's section)
SCHEMA = dl_config.load_schema(ROOT / "workflow/schemas/config.schema.yaml")
SMOKE = ("--config", "preset=smoke")
PROJECT = ("Snakefile", "config.yaml", "workflow", "src", "envs", "profiles")


def copy_project(dest: Path) -> Path:
    """A scratch copy of the workflow, the package sources and the profiles."""
    dest.mkdir(parents=True, exist_ok=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
    for name in PROJECT:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=ignore)
        elif src.exists():
            shutil.copy(src, dest / name)
    return dest


def run_snakemake(workdir: Path, *args: str, env=None, check: bool = True, timeout: float = 900
                  ) -> subprocess.CompletedProcess:
    proc = subprocess.run(["snakemake", *args], cwd=workdir, capture_output=True, text=True, timeout=timeout,
                          env=env)
    if check and proc.returncode:
        raise AssertionError(f"snakemake {' '.join(args)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}")
    return proc


@dataclass(frozen=True)
class SmokeRun:
    workdir: Path      # the run's directory (test_workflow.py edits files in it and reruns parts)
    samples: Path      # copy of its results/samples right after the run
    seconds: float


@pytest.fixture(scope="session")
def smoke_run(tmp_path_factory) -> SmokeRun:
    """The smoke preset of the whole DAG, ``--cores 2``, in a scratch copy of the project."""
    work = copy_project(tmp_path_factory.mktemp("workflow"))
    start = time.perf_counter()
    run_snakemake(work, "--cores", "2", *SMOKE)
    seconds = time.perf_counter() - start
    print(f"smoke preset, whole DAG, --cores 2: {seconds:.1f} s")
    samples = tmp_path_factory.mktemp("smoke_samples_cores2") / "samples"
    shutil.copytree(work / "results" / "samples", samples)
    return SmokeRun(work, samples, seconds)

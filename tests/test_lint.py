"""The code base stays ruff-clean, the workflow snakemake-lint-clean, and envs/ mirrors pyproject.toml."""

from __future__ import annotations

import subprocess
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def test_ruff_clean():
    proc = subprocess.run(["ruff", "check", "."], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_snakemake_lint_clean():
    proc = subprocess.run(["snakemake", "--lint"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]


def test_conda_environment_mirrors_pyproject():
    """envs/deeplimits.yaml lists every runtime dependency and the slurm extra of pyproject.toml, with the same
    version constraints (conda packages for the first, pip for the second)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    env = yaml.safe_load((ROOT / "envs" / "deeplimits.yaml").read_text())["dependencies"]
    conda = {str(d).replace(" ", "") for d in env if isinstance(d, str)}
    pip = {d.replace(" ", "") for block in env if isinstance(block, dict) for d in block["pip"]}
    assert {d.replace(" ", "") for d in project["dependencies"]} <= conda, conda
    assert {d.replace(" ", "") for d in project["optional-dependencies"]["slurm"]} <= pip, pip
    assert f"python{project['requires-python']}" in conda

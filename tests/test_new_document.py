"""``python -m deeplimits new-document KEY`` in a temporary copy of the project: only config.yaml changes and one
folder appears, and the smoke preset then builds the new document's figure and audit."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from conftest import SMOKE, copy_project, run_snakemake

from deeplimits import io
from deeplimits.scaffold import new_document


def _git(work, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=work, capture_output=True, text=True, check=True).stdout


def test_new_document_runs_end_to_end(tmp_path):
    work = copy_project(tmp_path / "project")
    _git(work, "init", "-q")
    _git(work, "add", "-A")
    _git(work, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "copy")
    env = {**os.environ, "PYTHONPATH": str(work / "src")}  # the copy's package, with the new document in it
    proc = subprocess.run([sys.executable, "-m", "deeplimits", "new-document", "smith2024", "--title", "Smith, 2024"],
                          cwd=work, capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    status = sorted(_git(work, "status", "--porcelain", "--untracked-files=normal").splitlines())
    assert status == [" M config.yaml", "?? src/deeplimits/documents/smith2024/"], status
    run_snakemake(work, "--cores", "2", *SMOKE, "--", "results/audit/smith2024.json",
                  "results/figures/smith2024/norms.png", env=env)
    records = io.read_json(work / "results/audit/smith2024.json")
    assert {r["claim"] for r in records} == {f"smith2024/norms/{m}_n{n}" for m in ("mean", "var") for n in (4, 32)}
    assert all(r["observed"] in ("holds", "inconclusive") for r in records), records
    assert (work / "results/figures/smith2024/norms.pdf").stat().st_size > 1000


@pytest.mark.parametrize("key, message", [("Smith", "lower-case identifier"), ("nica", "already exists")])
def test_new_document_refuses_bad_or_existing_keys(tmp_path, key, message):
    work = copy_project(tmp_path / "project")
    with pytest.raises(ValueError, match=message):
        new_document(key, work)

"""The whole workflow on the smoke preset, in a scratch copy of the project.

Proves: every figure and the audit are produced with no unexpected verdicts; nothing reruns when
nothing changed; a parameter change reruns exactly its dependents, a fit-only key never resamples;
plotting code changes only redraw; a code edit reruns exactly the jobs whose (derived) code inputs
hold it, and those cover every module a sample job loaded; a moved checkout reruns nothing; bad
config and unknown ids stop before any job; arrays do not depend on --cores or chunk size; the
report is built. The shared cache and kill -9 of a sample job: tests/test_reruns.py.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from deeplimits import audit, io, registry

ROOT = Path(__file__).resolve().parents[1]
SMOKE = ["--config", "preset=smoke"]
#: every figure and experiment, as the documents declare them (deeplimits.registry)
FIGURES = [f"{p}/{f}" for p in registry.PAPERS for f in registry.load(p).FIGURES]
EXPERIMENTS = {p: list(registry.load(p).EXPERIMENTS) for p in registry.PAPERS}
ALL_EXPERIMENTS = [f"{p}/{e}" for p, names in EXPERIMENTS.items() for e in names]


def snakemake(workdir: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run(["snakemake", *args], cwd=workdir, capture_output=True, text=True, timeout=900)
    if check and proc.returncode:
        raise AssertionError(f"snakemake {' '.join(args)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}")
    return proc


def planned(workdir: Path, *args: str) -> set[str]:
    """Outputs of the jobs a dry run would execute."""
    proc = snakemake(workdir, "-n", "--cores", "1", *SMOKE, *args)
    outs = set()
    for line in (proc.stdout + proc.stderr).splitlines():
        m = re.match(r"^\s+output: (.+)$", line)
        if m:
            outs.update(o.strip() for o in m.group(1).split(","))
    return outs


@pytest.fixture(scope="module")
def workdir(smoke_run) -> Path:
    """A scratch copy of the workflow and the package sources, with the smoke preset run to completion (the
    session's run, tests/conftest.py)."""
    return smoke_run.workdir


def test_smoke_produces_every_figure_and_the_audit(workdir):
    for fig in FIGURES:
        for ext in ("png", "pdf"):
            assert (workdir / f"results/figures/{fig}.{ext}").stat().st_size > 1000
    records = json.loads((workdir / "results/audit/audit.json").read_text())
    assert records and all(set(audit.KEYS) <= set(r) for r in records)
    assert {r["figure"] for r in records} == set(FIGURES)
    assert all(r["observed"] in audit.VERDICTS and r["tag"] in audit.TAGS for r in records)
    assert audit.unexpected(records) == [], [r["claim"] for r in audit.unexpected(records)]
    for paper in ("nica", "bassetti", "hayou", "bordelon"):
        assert "Unexpected verdicts: 0" in (workdir / f"results/audit/{paper}.md").read_text()
    _, meta = io.read_npz(workdir / "results/samples/nica/fig1.npz")
    assert meta["parameters"]["samples"] == 256 and meta["seed"] == 20261122 and "wall_time_s" in meta


def test_nothing_reruns_when_nothing_changed(workdir):
    assert planned(workdir) == set()


def test_runs_use_the_workflow_profile(workdir):
    """profiles/default (the greedy scheduler) applies to every run from the checkout, without a flag."""
    proc = snakemake(workdir, "-n", "--cores", "1", *SMOKE)
    assert "Using workflow specific profile profiles/default" in proc.stdout + proc.stderr
    assert yaml.safe_load((workdir / "profiles/default/config.yaml").read_text()) == {"scheduler": "greedy"}


def test_parameter_change_reruns_only_its_dependents(workdir):
    path = workdir / "config.yaml"
    original = path.read_text()
    config = yaml.safe_load(original)
    config["nica"]["experiments"]["widths"]["narrow"] = 25
    path.write_text(yaml.safe_dump(config))  # keys reordered and comments dropped: only the value counts
    try:
        assert planned(workdir) == {
            "results/samples/nica/widths.npz", "results/stats/nica/widths.json",
            "results/figures/nica/widths.png", "results/figures/nica/widths.pdf",
            "results/audit/nica.json", "results/audit/nica.md", "results/audit/audit.json", "results/audit/audit.md",
        }
    finally:
        path.write_text(original)
    assert planned(workdir) == set()


def _edit_and_plan(workdir: Path, relative: str) -> set[str]:
    path = workdir / relative
    original = path.read_text()
    path.write_text(original + "\n# an edit\n")
    try:
        return planned(workdir)
    finally:
        path.write_text(original)


def test_plotting_code_change_only_redraws(workdir):
    outs = _edit_and_plan(workdir, "src/deeplimits/documents/nica/figures.py")
    assert outs == {f"results/figures/nica/{f}.{ext}" for f in registry.load("nica").FIGURES for ext in ("png", "pdf")}
    outs = _edit_and_plan(workdir, "src/deeplimits/plotting/style.py")
    assert outs == {f"results/figures/{f}.{ext}" for f in FIGURES for ext in ("png", "pdf")}
    assert planned(workdir) == set()  # same content again: same checksum, nothing to do


def test_code_change_reruns_exactly_the_jobs_that_import_it(workdir):
    """Code inputs come from the import graph: a module's edit reruns every job whose modules import it, directly
    or not, and nothing else."""
    outs = _edit_and_plan(workdir, "src/deeplimits/models/networks/resnet.py")  # nica's runners; hayou's via infdepth
    assert {o for o in outs if o.startswith("results/samples/")} == {
        f"results/samples/nica/{e}.npz" for e in EXPERIMENTS["nica"]} | {
        f"results/samples/hayou/{e}.npz" for e in EXPERIMENTS["hayou"]}
    assert not any("bassetti" in o or "bordelon" in o for o in outs)
    outs = _edit_and_plan(workdir, "src/deeplimits/models/linear/samplers.py")
    assert {o for o in outs if o.startswith("results/samples/")} == {
        f"results/samples/bassetti/{e}.npz" for e in EXPERIMENTS["bassetti"]}
    outs = _edit_and_plan(workdir, "src/deeplimits/models/infdepth/closed_forms.py")  # hayou samples with it (erfi^-1)
    assert {o for o in outs if o.startswith("results/samples/")} == {
        f"results/samples/hayou/{e}.npz" for e in EXPERIMENTS["hayou"]}
    outs = _edit_and_plan(workdir, "src/deeplimits/models/dmft/rowwise.py")  # the fit's theory: refit, never resample
    assert not any(o.startswith("results/samples/") for o in outs)
    assert {o for o in outs if o.startswith("results/stats/")} == {
        f"results/stats/bordelon/{e}.json" for e in EXPERIMENTS["bordelon"]}
    outs = _edit_and_plan(workdir, "src/deeplimits/documents/bordelon/fit.py")
    assert not any(o.startswith("results/samples/") for o in outs) and "results/audit/bordelon.json" in outs
    outs = _edit_and_plan(workdir, "src/deeplimits/jobs/sample.py")  # every sample job runs it
    assert len([o for o in outs if o.startswith("results/samples/")]) == len(ALL_EXPERIMENTS)
    outs = _edit_and_plan(workdir, "src/deeplimits/audit.py")  # the rules: re-audit from the stats, never refit
    assert {o for o in outs if not o.startswith("results/audit/")} == set() and "results/audit/audit.md" in outs
    outs = _edit_and_plan(workdir, "src/deeplimits/documents/nica/claims.py")  # one claim table: one re-audit
    assert outs == {f"results/audit/{name}.{ext}" for name in ("nica", "audit") for ext in ("json", "md")}


def test_verdicts_are_recomputed_from_the_stats_alone(workdir):
    """``python -m deeplimits.audit`` decides a document's claim table on its stats files, without refitting, and
    gives the audit job's verdicts."""
    stats_files = sorted(str(p.relative_to(workdir)) for p in (workdir / "results/stats/nica").glob("*.json"))
    proc = subprocess.run([sys.executable, "-m", "deeplimits.audit", "--json", *stats_files], cwd=workdir,
                          capture_output=True, text=True, check=True)
    recomputed = {r["claim"]: r["observed"] for r in json.loads(proc.stdout)}
    assert recomputed == {r["claim"]: r["observed"] for r in io.read_json(workdir / "results/audit/nica.json")}


def _planned_jobs(workdir: Path) -> list[dict[str, str]]:
    """Every job of the smoke DAG with its rule, wildcards and input files, from a forced dry run."""
    proc = snakemake(workdir, "-n", "-F", "--cores", "1", *SMOKE)
    jobs = []
    for block in re.split(r"\n(?=rule |localrule )", proc.stdout + proc.stderr):
        head = re.match(r"(?:local)?rule (\w+):", block)
        inputs = re.search(r"^\s+input: (.+)$", block, flags=re.M)
        wildcards = re.search(r"^\s+wildcards: (.+)$", block, flags=re.M)
        if head:
            jobs.append({"rule": head.group(1), "input": inputs.group(1).split(", ") if inputs else [],
                         "wildcards": dict(kv.split("=", 1) for kv in wildcards.group(1).split(", ")) if wildcards
                         else {}})
    return jobs


def _module_file(module: str) -> str:
    path = Path("src", *module.split("."))
    return str(path / "__init__.py") if (ROOT / path).is_dir() else str(path.with_suffix(".py"))


def test_sample_inputs_cover_every_module_the_job_loaded(workdir):
    """For every sample job of the smoke DAG: its inputs (as Snakemake plans them) include the source of every
    deeplimits module loaded while it ran (recorded in the provenance from sys.modules), and nothing of plotting,
    fits or the audit."""
    jobs = [j for j in _planned_jobs(workdir) if j["rule"] == "sample"]
    assert len(jobs) == len(ALL_EXPERIMENTS)
    for job in jobs:
        name = f"{job['wildcards']['paper']}/{job['wildcards']['experiment']}"
        _, meta = io.read_npz(workdir / f"results/samples/{name}.npz")
        loaded = {_module_file(m) for m in meta["modules"]}
        assert loaded and loaded <= set(job["input"]), (name, loaded - set(job["input"]))
        assert not [f for f in job["input"] if "/plotting/" in f or f.endswith(("/claims.py", "/audit.py"))], name
        assert all(not Path(f).is_absolute() for f in job["input"]), name


def test_moved_checkout_reruns_nothing(workdir, tmp_path):
    """Code inputs are relative paths: a finished checkout copied elsewhere (results/ and .snakemake/ with it,
    times preserved as cp -a does) has nothing to do."""
    moved = tmp_path / "elsewhere" / "deeplimits"
    shutil.copytree(workdir, moved, symlinks=True, ignore=shutil.ignore_patterns("__pycache__"))
    assert planned(moved) == set()


@pytest.mark.parametrize("key, value", [("claim_horizon", 90), ("claim_nus", [2.0, 4.0]),
                                        ("theory_grid_points", 3), ("times", [10, 20])])
def test_fit_only_key_refits_without_resampling(workdir, key, value):
    """Every fit-only key of bordelon/fig2 (schema x-stage: fit) refits, redraws and re-audits, never resamples (values
    below the smoke preset's caps, which would otherwise hide the change)."""
    outs = _edit_config_and_plan(workdir, "bordelon", "fig2", key, value)
    assert "results/samples/bordelon/fig2.npz" not in outs
    assert {"results/stats/bordelon/fig2.json", "results/audit/bordelon.json", "results/figures/bordelon/fig2.png"
            } <= outs


def test_sample_key_resamples(workdir):
    outs = _edit_config_and_plan(workdir, "bordelon", "fig2", "nus", [1.0, 2.0, 4.0, 8.0])
    assert {"results/samples/bordelon/fig2.npz", "results/stats/bordelon/fig2.json"} <= outs


def _edit_config_and_plan(workdir: Path, paper: str, experiment: str, key: str, value) -> set[str]:
    path = workdir / "config.yaml"
    original = path.read_text()
    config = yaml.safe_load(original)
    config[paper]["experiments"][experiment][key] = value
    path.write_text(yaml.safe_dump(config))
    try:
        return planned(workdir)
    finally:
        path.write_text(original)


@pytest.mark.parametrize("target, message", [
    ("results/figures/nica/fig99.png", "unknown figure id 'fig99' of document nica; known: fig1, moments,"),
    ("results/samples/hayou/fig1.npz", "unknown experiment id 'fig1' of document hayou; known: gbm, ou_activation,"),
    ("results/stats/nowhere/x.json",
     "unknown document 'nowhere' in results/stats/; known: bassetti, bordelon, hayou, nica"),
    ("results/figures/bassetti/fig1.svg", "unknown file type .svg of bassetti/fig1; results/figures/ holds .png"),
])
def test_unknown_id_stops_before_any_job(workdir, target, message):
    proc = snakemake(workdir, "--cores", "1", *SMOKE, "--", target, check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0 and message in out, out[-2000:]
    assert "Traceback" not in out and "KeyError" not in out and "Finished job" not in out


def test_bad_config_stops_before_any_job(workdir):
    proc = snakemake(workdir, "-n", "--cores", "1", "--config", "preset=smoke", "chunk_size=1000", check=False)
    assert proc.returncode != 0
    assert "config key chunk_size: 1000 is not allowed; expected type integer, >= 256, a multiple of 256" in (
        proc.stdout + proc.stderr)
    proc = snakemake(workdir, "-n", "--cores", "1", "--config", "preset=paper", check=False)
    assert proc.returncode != 0 and "config key preset: 'paper'" in proc.stdout + proc.stderr


def test_arrays_do_not_depend_on_cores_or_chunk_size(workdir):
    targets = [f"results/samples/nica/{e}.npz" for e in ("fig1", "resnet", "grad")] + [
        f"results/samples/hayou/{e}.npz" for e in ("quasi_gbm", "correlation", "gradients", "validation")] + [
        f"results/samples/bordelon/{e}.npz" for e in ("fig1", "fig5", "fig6_sgd")]
    before = {t: io.read_npz(workdir / t)[0] for t in targets}
    snakemake(workdir, "--cores", "1", "--config", "preset=smoke", "chunk_size=256", "brute_chunk_size=512",
              "--", *targets)
    for t in targets:
        after, meta = io.read_npz(workdir / t)
        assert meta["chunk_size"] == 256
        assert before[t].keys() == after.keys()
        for key, arr in before[t].items():
            assert np.array_equal(arr, after[key], equal_nan=True), (t, key)


def test_report_contains_every_figure(workdir):
    snakemake(workdir, "--report", "results/report.html", *SMOKE)
    html = (workdir / "results/report.html").read_text(errors="replace")
    for fig in FIGURES:
        assert f"{fig.split('/')[1]}.png" in html and fig.split("/")[0] in html

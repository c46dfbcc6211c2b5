"""What each job of the workflow receives, computed when the Snakefile is parsed (``workflow/rules/common.smk``).

- parameters: an experiment's parameters (its document's ``common`` block, its own block, the preset's caps),
  split into the keys its sampler reads and the keys only its fit reads (schema annotation ``x-stage: fit``),
  so that an audit knob never resamples;
- code inputs: the source files of every package module a job imports (:mod:`deeplimits.codegraph`), as paths
  relative to the working directory, so that a code edit reruns exactly the jobs that import it and a moved
  checkout reruns nothing.

The jobs themselves live in :mod:`deeplimits.jobs`.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

from deeplimits import codegraph, config


def _canonical(value: Any) -> Any:
    """Dicts with sorted keys, recursively: reordering config.yaml must not look like a parameter change."""
    if isinstance(value, dict):
        return {k: _canonical(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_canonical(v) for v in value]
    return value


def experiment_params(cfg: dict[str, Any], schema: dict[str, Any], paper: str, experiment: str) -> dict[str, Any]:
    """Parameters of one experiment as plain Python types: the paper's ``common`` block, the experiment's
    own block, sizes capped by the preset's ``caps`` (by the role the schema declares, ``x-role``), keys sorted
    (the fit reads all of them)."""
    section = cfg[paper]
    params = {**copy.deepcopy(section.get("common", {})), **copy.deepcopy(section["experiments"][experiment])}
    caps = cfg["presets"][cfg["preset"]]["caps"]
    return _canonical(config.cap_by_role(params, config.experiment_schema(schema, paper, experiment), schema, caps))


def sample_params(cfg: dict[str, Any], schema: dict[str, Any], paper: str, experiment: str) -> dict[str, Any]:
    """The parameters the experiment's sampler reads: :func:`experiment_params` less the keys the schema marks
    ``x-stage: fit`` (read by the fit only; changing one refits and re-audits, never resamples)."""
    fit_only = config.fit_only_keys(schema, paper, experiment)
    return {k: v for k, v in experiment_params(cfg, schema, paper, experiment).items() if k not in fit_only}


#: the job module of each rule (:mod:`deeplimits.jobs`)
JOB_MODULES = {"sample": "deeplimits.jobs.sample", "fit": "deeplimits.jobs.fit",
               "figure": "deeplimits.jobs.figure", "audit": "deeplimits.jobs.audit"}


def job_roots(src: Path, job: str, paper: str | None = None) -> list[str]:
    """The modules a job imports by name: its job module, and for one document the module it dispatches to
    (the job module's ``DISPATCH``, read from its source)."""
    module = JOB_MODULES[job]
    dispatch = codegraph.string_constant(src, module, "DISPATCH")
    if paper is None or dispatch is None:
        return [module]
    return [module, dispatch.format(paper=paper)]


def code_inputs(src: str | os.PathLike, job: str, paper: str | None = None) -> list[str]:
    """Source files a job's results depend on (the import closure of :func:`job_roots`), as paths relative to
    the working directory; ``src`` is the source root holding ``deeplimits/``."""
    src = Path(src).resolve()
    files = codegraph.source_files(src, job_roots(src, job, paper))
    return [os.path.relpath(f) for f in files]

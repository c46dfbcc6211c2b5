"""The four pipeline steps as plain functions (the Snakemake scripts are thin wrappers around them).

sample: config parameters -> results/samples/{paper}/{experiment}.npz
fit:    samples -> results/stats/{paper}/{experiment}.json (estimates, theory values, claims)
figure: samples + stats -> results/figures/{paper}/{figure}.png/.pdf
audit:  stats -> results/audit/{paper}.json/.md; all papers -> audit.json/.md
"""

from __future__ import annotations

import copy
import importlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from deeplimits import io, papers
from deeplimits.rng import setting_seed

log = logging.getLogger("deeplimits")


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def apply_caps(params: Any, caps: dict[str, int]) -> Any:
    """Copy of ``params`` with every integer (or list of integers) under a key ending in a cap's name (or its
    plural) capped at its value, e.g. ``{"samples": 256}`` caps ``samples`` and ``wide_samples``, ``{"dimension":
    48}`` caps ``dimension`` and ``reduced_dimensions`` (the smoke preset's tiny sizes)."""
    if isinstance(params, dict):
        out = {}
        for k, v in params.items():
            limit = min([c for name, c in caps.items() if k.endswith((name, name + "s"))], default=None)
            if limit is not None and _is_int(v):
                out[k] = min(v, limit)
            elif limit is not None and isinstance(v, list) and v and all(_is_int(x) for x in v):
                out[k] = [min(x, limit) for x in v]
            else:
                out[k] = apply_caps(v, caps)
        return out
    if isinstance(params, list):
        return [apply_caps(v, caps) for v in params]
    return params


def _canonical(value: Any) -> Any:
    """Dicts with sorted keys, recursively: reordering config.yaml must not look like a parameter change."""
    if isinstance(value, dict):
        return {k: _canonical(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_canonical(v) for v in value]
    return value


def experiment_params(config: dict[str, Any], paper: str, experiment: str) -> dict[str, Any]:
    """Parameters of one experiment as plain Python types: the paper's ``common`` block, the experiment's
    own block, sizes capped by the preset's ``caps``, keys sorted."""
    section = config[paper]
    params = {**copy.deepcopy(section.get("common", {})), **copy.deepcopy(section["experiments"][experiment])}
    return _canonical(apply_caps(params, config["presets"][config["preset"]]["caps"]))


@dataclass(frozen=True)
class Seeds:
    """Seed factory of one experiment: ``seeds("d=10")`` is SeedSequence(seed, paper, experiment, "d=10")."""

    seed: int
    paper: str
    experiment: str

    def __call__(self, *setting: str) -> np.random.SeedSequence:
        return setting_seed(self.seed, self.paper, self.experiment, *setting)


@dataclass(frozen=True)
class Chunks:
    """Chunk sizes (memory only): reduced samplers and brute-force networks."""

    reduced: int
    brute: int


def _function(module: str, name: str) -> Callable:
    return getattr(importlib.import_module(module), name)


def sample(paper: str, experiment: str, params: dict[str, Any], seed: int, chunks: Chunks,
           output: str | Path) -> None:
    """Draw the experiment's samples and write them with provenance."""
    runner = _function(f"deeplimits.papers.{paper}.sampling", f"run_{experiment}")
    log.info("sampling %s/%s with %s", paper, experiment, params)
    start = time.perf_counter()
    arrays = runner(params, Seeds(seed, paper, experiment), chunks)
    wall = time.perf_counter() - start
    log.info("sampled %d arrays in %.1f s", len(arrays), wall)
    meta = io.provenance(paper=paper, experiment=experiment, parameters=params, seed=seed,
                         method=params.get("method", "as per experiment"), chunk_size=chunks.reduced,
                         brute_chunk_size=chunks.brute, wall_time_s=round(wall, 3))
    io.write_npz(output, arrays, meta)


def fit(paper: str, experiment: str, params: dict[str, Any], samples: str | Path, output: str | Path) -> None:
    """Estimates with standard errors, theory values with formula names, and the experiment's claims."""
    arrays, meta = io.read_npz(samples)
    fitter = _function(f"deeplimits.papers.{paper}.claims", f"fit_{experiment}")
    stats, claims = fitter(arrays, params)
    io.write_json(output, {"paper": paper, "experiment": experiment, "parameters": params,
                           "sample_provenance": meta, "stats": stats, "claims": claims})
    log.info("%s/%s: %d claims", paper, experiment, len(claims))


def figure(paper: str, figure_id: str, params: dict[str, dict[str, Any]], samples: Sequence[str],
           stats: Sequence[str], outputs: Sequence[str]) -> None:
    """Draw one figure from its experiments' samples and stats; save every output (PNG and PDF)."""
    from deeplimits.plotting import style

    experiments = papers.load(paper).FIGURES[figure_id].experiments
    data = {exp: (io.read_npz(s)[0], io.read_json(j)) for exp, s, j in zip(experiments, samples, stats,
                                                                          strict=True)}
    plot = _function(f"deeplimits.plotting.{paper}", f"plot_{figure_id}")
    with style.house_style():
        fig = plot(data, params)
        for out in outputs:
            style.save(fig, out)


def _records(fits: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The claims of the fits' stats files, in order."""
    return [rec for content in fits for rec in content["claims"]]


def write_audit(records: list[dict[str, Any]], title: str, json_out: str | Path, md_out: str | Path,
                appendix: str = "") -> None:
    """Write the audit records (in registry order) as JSON and as a Markdown table (then ``appendix``)."""
    from deeplimits import audit as audit_mod  # scipy.stats: imported only by the jobs that need it

    io.write_json(json_out, records)
    io.write_text(md_out, audit_mod.markdown(records, title) + appendix)


def _tables(fits: Sequence[dict[str, Any]]) -> str:
    """Markdown tables that fits provide (stats key ``markdown``, e.g. bordelon/table1), one section each."""
    sections = []
    for content in fits:
        if isinstance(content["stats"], dict) and "markdown" in content["stats"]:
            sections.append(f"\n## Table: {content['paper']}/{content['experiment']}\n\n{content['stats']['markdown']}")
    return "".join(sections)


def audit(paper: str, stats: Sequence[str], json_out: str | Path, md_out: str | Path) -> None:
    """Audit of one document from its stats files; Markdown tables of the fits follow the claims."""
    fits = [io.read_json(path) for path in stats]
    write_audit(_records(fits), f"Audit: {paper}", json_out, md_out, _tables(fits))


def audit_all(paper_audits: Sequence[str], json_out: str | Path, md_out: str | Path) -> None:
    """The combined audit of all documents."""
    records = [rec for path in paper_audits for rec in io.read_json(path)]
    write_audit(records, "Audit: all documents", json_out, md_out)


class logged:
    """Context manager for rule scripts: log records and stderr (warnings, tracebacks) go to ``path``."""

    def __init__(self, path: str | Path):
        self.path = Path(path)

    def __enter__(self):
        import sys

        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.stream = self.path.open("w")
        self.stderr, sys.stderr = sys.stderr, self.stream
        logging.basicConfig(stream=self.stream, level=logging.INFO, force=True,
                            format="%(asctime)s %(levelname)s %(message)s")
        logging.captureWarnings(True)
        return self

    def __exit__(self, exc_type, exc, tb):
        import sys
        import traceback

        if exc is not None:
            traceback.print_exception(exc_type, exc, tb, file=self.stream)
        sys.stderr = self.stderr
        self.stream.close()
        return False

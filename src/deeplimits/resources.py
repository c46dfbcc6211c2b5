"""Job resources (threads, memory, wall time) derived from an experiment's parameters.

The rules ask for these through ``workflow/rules/common.smk``; under ``--profile profiles/slurm`` they become
``sbatch --cpus-per-task/--mem/--time``. Locally they only bound what runs at once (``--resources mem_mb=...``).

Cost model
----------
An experiment's parameters (after the preset's caps) form a tree. Every leaf block is one *setting*; it inherits
the scalars of the blocks above it (e.g. ``nica/universality``: each entry of ``sizes`` inherits ``depths`` and
``laws``). Each key counts by the role the config schema declares for it (``x-role``, given as the experiment's
key -> role map of :func:`deeplimits.config.key_roles`). For each setting

- samples ``S``: the sum of the values of role ``samples`` or ``replicates``;
- grid ``G``: the product of the lengths of its lists without a size role (``alphas``, ``laws``, ``nus``, ...) and
  of its numbers of role ``grid_points``;
- width ``W``: the largest value of role ``width`` or ``dimension``;
- depth ``D``: the sum of the values of role ``depth`` or ``steps``;

and ``work = sum over settings of S * G * W**2 * D`` (a width-``n`` layer costs at most an n x n product, the
brute-force network; the exact reductions cost less, so the work grows at least as fast as the time of any sampler
here), and ``values = sum of S * G * R`` numbers stored, ``R`` the number of recorded points: the entries of role
``record`` (times, recorded layers, positions), else the number of entries of its depth lists. A number without
a size role (a scalar ``alpha``, a threshold) costs nothing.

Wall time = ``STARTUP_MIN + SAFETY * seconds * work`` (minutes) and memory = ``BASE_MB + COPIES * bytes * values``,
with ``seconds`` per unit of work and ``bytes`` per stored value measured for this experiment at paper scale
(``documents/<paper>/calibration.yaml``: experiment -> {seconds, bytes}) or, for an experiment not measured yet,
``calibration_default.yaml`` next to this module (the largest measured rates: conservative).
``python -m deeplimits.resources calibrate results/`` rewrites both from a finished run's samples: the wall time
and sample parameters in their provenance, and their file sizes. Both requests are clamped to ``[floor, cap]`` and
multiplied by the attempt number, so a job SLURM kills for time or memory is resubmitted (profile ``retries``)
with twice the request. Fit, figure and audit jobs take seconds: a fixed wall time, and memory for the samples
they load.

Threads: :data:`THREADS` (1) for every rule. The samplers are vectorized single-core NumPy and the arrays must be
bit-identical whatever the executor; more BLAS threads could change the order of floating-point sums. Parallelism
comes from running experiments as separate jobs.
"""

from __future__ import annotations

import argparse
import functools
import math
import sys
import textwrap
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from deeplimits import config, registry

THREADS = 1
#: glibc's allocator settings for every job (``GLIBC_TUNABLES``; ignored by other C libraries): arrays up to 32 MB come
#: from the heap, and freed heap memory is kept for the next array instead of being returned to the system. The
#: samplers allocate the same chunk-sized temporaries at every layer; by default each one above 128 kB is a fresh
#: mapping whose pages fault in anew. Measured (2-core machine, 2026-12-07): hayou's sample jobs 372 -> 326 s (the
#: collapse job 100 -> 81 s, OU 46 -> 35 s), peak memory up to +10 %; BLAS-bound jobs (bordelon) unchanged; every
#: array bit-identical (only where memory comes from changes). Set ``GLIBC_TUNABLES`` to override.
MALLOC_TUNABLES = "glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=4294967296"

#: the cost model's category of each size role (schema ``x-role``); a key without one of these roles is a grid axis
#: if its value is a list, and costs nothing otherwise
CATEGORY = {"samples": "samples", "replicates": "samples", "width": "width", "dimension": "width",
            "depth": "depth", "steps": "depth", "record": "record", "grid_points": "grid"}

STARTUP_MIN = 2.0     # minutes: interpreter, imports and Snakemake's own start inside the job
SAFETY = 3.0          # measured time x SAFETY: slower nodes, noisy neighbours
RUNTIME_FLOOR_MIN = 5
RUNTIME_CAP_MIN = 24 * 60
BASE_MB = 500         # interpreter, NumPy, SciPy, Snakemake
COPIES = 4            # the stored arrays in memory: chunks, concatenation, the .npz buffer, headroom
MEM_FLOOR_MB = 1000
MEM_CAP_MB = 64_000
LIGHT_RUNTIME_MIN = 10   # fit, figure, audit: seconds of work at paper scale
AUDIT_MEM_MB = 1000

#: the file of the rates of an experiment without a measurement
DEFAULT_PATH = Path(__file__).resolve().parent / "calibration_default.yaml"
#: the default rates are the largest measured among the experiments whose parameters show their size: at least
#: MIN_WORK units of work (seconds) and MIN_VALUES stored values (bytes)
MIN_WORK = 1e6
MIN_VALUES = 1e4


@dataclass(frozen=True)
class Rate:
    """Measured cost of one experiment: seconds per unit of work, bytes per stored value."""

    seconds: float
    bytes: float


def calibration_path(paper: str, documents: Path = registry.DOCUMENTS) -> Path:
    """The file of a document's measured rates (``documents/<paper>/calibration.yaml``)."""
    return documents / paper / "calibration.yaml"


def _rate(entry: Mapping[str, Any]) -> Rate:
    return Rate(seconds=float(entry["seconds"]), bytes=float(entry["bytes"]))


def read_rates(path: Path) -> dict[str, Rate]:
    """The rates of a calibration file: experiment -> Rate (none if the file does not exist)."""
    if not path.exists():
        return {}
    return {experiment: _rate(entry) for experiment, entry in (config.read_yaml(path) or {}).items()}


@functools.cache
def calibration(paper: str) -> dict[str, Rate]:
    """The measured rates of a document's experiments (its ``calibration.yaml``; none without one)."""
    return read_rates(calibration_path(paper))


@functools.cache
def default_rate() -> Rate:
    """The rates of an experiment not measured yet (``calibration_default.yaml``)."""
    return _rate(config.read_yaml(DEFAULT_PATH))


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _numbers(v: Any) -> list[float]:
    if _is_number(v):
        return [float(v)]
    if isinstance(v, list):
        return [x for e in v for x in _numbers(e)]
    return []


def _is_block_list(v: Any) -> bool:
    return isinstance(v, list) and bool(v) and all(isinstance(e, dict) for e in v)


def settings(params: Mapping[str, Any], inherited: Mapping[str, Any] | None = None) -> Iterator[dict[str, Any]]:
    """The leaf blocks of the parameter tree, each with the scalars and lists of the blocks above it."""
    own = {k: v for k, v in params.items() if not (isinstance(v, dict) or _is_block_list(v))}
    scope = {**(inherited or {}), **own}
    children = [v for k, v in params.items() if k not in own]
    if not children:
        yield scope
        return
    for child in children:
        for block in child if isinstance(child, list) else [child]:
            yield from settings(block, scope)


@dataclass(frozen=True)
class Size:
    """The size of one experiment: ``work`` (units the ``seconds`` rate is per) and ``values`` (numbers stored)."""

    work: float
    values: float


def setting_size(s: Mapping[str, Any], roles: Mapping[str, str]) -> Size:
    """Work and stored values of one setting whose keys have these roles (see the module docstring)."""
    by_category: dict[str | None, list[Any]] = {}
    for k, v in s.items():
        by_category.setdefault(CATEGORY.get(roles.get(k)), []).append(v)
    samples = sum(x for v in by_category.get("samples", []) for x in _numbers(v)) or 1.0
    width = max([x for v in by_category.get("width", []) for x in _numbers(v)] or [1.0])
    depth = sum(x for v in by_category.get("depth", []) for x in _numbers(v)) or 1.0
    grid = 1.0
    for v in by_category.get(None, []):
        if isinstance(v, list) and v:
            grid *= len(v)
    for v in by_category.get("grid", []):
        if _is_number(v):
            grid *= max(v, 1)
    recorded = sum(len(v) if isinstance(v, list) else 1 for v in by_category.get("record", []))
    if not recorded:
        recorded = max(sum(len(v) for v in by_category.get("depth", []) if isinstance(v, list)), 1)
    return Size(work=samples * grid * width**2 * depth, values=samples * grid * recorded)


def size(params: Mapping[str, Any], roles: Mapping[str, str]) -> Size:
    """Work and stored values of an experiment whose keys have these roles: the sums over its settings."""
    parts = [setting_size(s, roles) for s in settings(params)]
    return Size(work=sum(p.work for p in parts), values=sum(p.values for p in parts))


def rate(paper: str, experiment: str) -> Rate:
    """The measured cost of this experiment (its document's calibration file, else :func:`default_rate`)."""
    return calibration(paper).get(experiment) or default_rate()


def _clamp(value: float, floor: int, cap: int) -> int:
    if not math.isfinite(value):
        return cap
    return int(min(max(math.ceil(value), floor), cap))


def sample_runtime(paper: str, experiment: str, params: Mapping[str, Any], roles: Mapping[str, str],
                   attempt: int = 1) -> int:
    """Wall time of the sample job in minutes (``roles``: the experiment's key -> x-role)."""
    minutes = STARTUP_MIN + SAFETY * rate(paper, experiment).seconds * size(params, roles).work / 60
    return _clamp(minutes, RUNTIME_FLOOR_MIN, RUNTIME_CAP_MIN) * attempt


def stored_mb(paper: str, experiment: str, params: Mapping[str, Any], roles: Mapping[str, str]) -> float:
    """Megabytes of arrays the experiment stores (estimate; ``roles``: its key -> x-role)."""
    return rate(paper, experiment).bytes * size(params, roles).values / 1e6


def sample_mem_mb(paper: str, experiment: str, params: Mapping[str, Any], roles: Mapping[str, str],
                  attempt: int = 1) -> int:
    """Memory of the sample job in MB (``roles``: the experiment's key -> x-role)."""
    return _clamp(BASE_MB + COPIES * stored_mb(paper, experiment, params, roles), MEM_FLOOR_MB, MEM_CAP_MB) * attempt


def light_mem_mb(paper: str, experiments: Mapping[str, Mapping[str, Any]],
                 roles: Mapping[str, Mapping[str, str]], attempt: int = 1) -> int:
    """Memory of a job that loads these experiments' samples (fit: one, figure: those it draws), given as
    experiment -> parameters, with ``roles`` experiment -> key -> x-role."""
    total = sum(stored_mb(paper, e, p, roles[e]) for e, p in experiments.items())
    return _clamp(BASE_MB + COPIES * total, MEM_FLOOR_MB, MEM_CAP_MB) * attempt


def light_runtime(attempt: int = 1) -> int:
    """Wall time of fit, figure and audit jobs in minutes."""
    return LIGHT_RUNTIME_MIN * attempt


# ---------------------------------------------------------------------------------------------- calibration
def calibrate(results: str | Path, schema: dict[str, Any]) -> tuple[dict[str, dict[str, Rate]], Rate]:
    """The measured rates of a finished run (paper -> experiment -> Rate), and the default rates they imply.

    For every sample file (``results/samples/<paper>/<experiment>.npz``): seconds per unit of work and bytes per
    stored value (3 significant digits), from the wall time and the sample parameters in its provenance (the job
    records them itself: a sample rule whose output may come from Snakemake's cache can have no benchmark file),
    the roles ``schema`` (config.yaml's) declares for them, and its file size. The default is the largest of each
    among the experiments whose parameters show their size (work >= MIN_WORK, values >= MIN_VALUES), else the
    current default."""
    from deeplimits import io

    table: dict[str, dict[str, Rate]] = {}
    seconds_rates, byte_rates = [], []
    for npz in sorted((Path(results) / "samples").glob("*/*.npz")):
        paper, experiment = npz.parent.name, npz.stem
        _, meta = io.read_npz(npz)
        sz = size(meta["parameters"], config.key_roles(schema, paper, experiment))
        measured = Rate(seconds=float(f"{meta['wall_time_s'] / sz.work:.3g}"),
                        bytes=float(f"{npz.stat().st_size / sz.values:.3g}"))
        table.setdefault(paper, {})[experiment] = measured
        if sz.work >= MIN_WORK:
            seconds_rates.append(measured.seconds)
        if sz.values >= MIN_VALUES:
            byte_rates.append(measured.bytes)
    fallback = default_rate()
    default = Rate(seconds=max(seconds_rates, default=fallback.seconds),
                   bytes=max(byte_rates, default=fallback.bytes))
    return table, default


def _dump(data: Mapping[str, Any], comment: str) -> str:
    """YAML of ``data`` (one line per entry) under ``comment`` wrapped to 120 characters."""
    lines = [line for paragraph in comment.split("\n") for line in textwrap.wrap(paragraph, 118)]
    nested = any(isinstance(v, Mapping) for v in data.values())  # experiment -> rate: one flow mapping a line
    return "".join(f"# {line}\n" for line in lines) + yaml.safe_dump(
        data, sort_keys=False, default_flow_style=None if nested else False, width=120)


REGENERATE = "Regenerate with `python -m deeplimits.resources calibrate results/` after a paper-scale run."


def calibration_files(table: Mapping[str, Mapping[str, Rate]], default: Rate, source: str,
                      documents: Path = registry.DOCUMENTS, default_path: Path = DEFAULT_PATH) -> dict[Path, str]:
    """The calibration files for these measured rates (paper -> experiment -> Rate) and default, as path -> text:
    each measured document's ``calibration.yaml`` (its existing entries, updated with the measured ones, in
    registry order) and the default's file. ``source`` says where the numbers come from (written as a comment)."""
    files = {}
    for paper, measured in table.items():
        path = calibration_path(paper, documents)
        rates = {**read_rates(path), **measured}
        order = {e: i for i, e in enumerate(registry.load(paper).EXPERIMENTS)}
        ordered = sorted(rates, key=lambda e: order.get(e, len(order)))
        files[path] = _dump(
            {e: {"seconds": float(rates[e].seconds), "bytes": float(rates[e].bytes)} for e in ordered},
            f"Measured cost of the {paper} sample jobs at paper scale (deeplimits.resources): experiment -> seconds "
            f"per unit of work, bytes per stored value. {REGENERATE}\nFrom {source}.")
    files[default_path] = _dump(
        {"seconds": float(default.seconds), "bytes": float(default.bytes)},
        "Rates of an experiment not measured yet (deeplimits.resources): the largest measured seconds per unit of "
        f"work and bytes per stored value among experiments that show their size. {REGENERATE}\nFrom {source}.")
    return files


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m deeplimits.resources",
        description="Measure the rates of the cost model from finished paper-scale runs and write them to "
                    "documents/<paper>/calibration.yaml and calibration_default.yaml.")
    sub = parser.add_subparsers(dest="command", required=True)
    cal = sub.add_parser("calibrate", help="rates from the samples under RESULTS_DIR/samples/")
    cal.add_argument("results", nargs="+", metavar="RESULTS_DIR")
    cal.add_argument("--schema", default="workflow/schemas/config.schema.yaml",
                     help="the shared part of config.yaml's schema (default: %(default)s)")
    cal.add_argument("--dry-run", action="store_true", help="print the files instead of writing them")
    args = parser.parse_args(argv)
    schema = config.load_schema(args.schema)
    table: dict[str, dict[str, Rate]] = {}
    defaults = []
    for results in args.results:
        part, default = calibrate(results, schema)
        defaults.append(default)
        for paper, rates in part.items():
            table.setdefault(paper, {}).update(rates)
    default = Rate(seconds=max(d.seconds for d in defaults), bytes=max(d.bytes for d in defaults))
    source = "the samples under " + ", ".join(args.results)
    for path, text in calibration_files(table, default, source).items():
        if args.dry_run:
            print(f"--- {path}\n{text}", end="")
        else:
            path.write_text(text)
            print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

# Helpers and input functions shared by every rule. The configuration is validated here, at parse
# time, so a bad value stops the run before any job starts.
import os
from pathlib import Path

from deeplimits import config as dl_config
from deeplimits import pipeline, registry
from deeplimits import resources as dl_resources
from deeplimits import scheduling as dl_scheduling

# Snakemake's main process re-evaluates the ready jobs once a second per finished job (deeplimits.scheduling): keep
# one re-evaluation timer pending instead.
dl_scheduling.one_pending_reevaluation()

# Every job is single-threaded (deeplimits.resources.THREADS), its linear algebra too: job processes inherit these,
# so two jobs on two cores do not each start a BLAS thread pool (oversubscription slowed BLAS-bound jobs several-fold
# and skewed table1's timings). Set them in the environment to override.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, str(dl_resources.THREADS))
# The jobs' memory allocator keeps chunk-sized temporaries instead of mapping them afresh (deeplimits.resources.
# MALLOC_TUNABLES: 10-25 % faster NumPy samplers, the same arrays).
os.environ.setdefault("GLIBC_TUNABLES", dl_resources.MALLOC_TUNABLES)

SCHEMA = dl_config.load_schema(Path(workflow.basedir) / "workflow/schemas/config.schema.yaml")
dl_config.validate(config, SCHEMA)

# The package sources, relative to the working directory: code inputs are relative paths, so a moved or copied
# checkout (with results/ and .snakemake/) reruns nothing.
SRC = os.path.relpath(Path(workflow.basedir) / "src")
# the documents with a section in config.yaml, in the order of their sections (the combined audit's order)
CONFIGURED_PAPERS = [p for p in config if p in registry.PAPERS]
# paper -> experiment -> key -> the role its schema declares (x-role): how the cost model of deeplimits.resources
# counts each parameter (samples, width, depth, recorded points, grid). A key with two roles stops the run here.
ROLES = {p: {e: dl_config.key_roles(SCHEMA, p, e) for e in config[p]["experiments"]} for p in CONFIGURED_PAPERS}


def known_ids(ids_by_paper):
    """Wildcard constraint that accepts an id only after its own document's folder, e.g. ``fig1`` in
    ``nica/fig1`` but not ``hayou/fig1``: one fixed-width look-behind per document. Any other path falls
    through to rule unknown_target, which names the known ids."""
    return "|".join(
        f"(?<={paper}/)(?:{'|'.join(sorted(ids, key=len, reverse=True))})" for paper, ids in ids_by_paper.items()
    )


wildcard_constraints:
    paper="|".join(registry.PAPERS),
    experiment=known_ids({p: registry.load(p).EXPERIMENTS for p in registry.PAPERS}),
    figure=known_ids({p: registry.load(p).FIGURES for p in registry.PAPERS}),


def document(paper):
    """The registry module of a document (its experiments and figures)."""
    return registry.load(paper)


def paper_experiments(paper):
    """Experiments used by the paper's configured figures, in registry order."""
    figures = document(paper).FIGURES
    used = {e for f in config[paper]["figures"] for e in figures[f].experiments}
    return [e for e in document(paper).EXPERIMENTS if e in used]


def figure_targets():
    return [
        f"results/figures/{paper}/{fig}.{ext}"
        for paper in CONFIGURED_PAPERS
        for fig in config[paper]["figures"]
        for ext in ("png", "pdf")
    ]


def audit_targets():
    per_paper = [f"results/audit/{p}.{ext}" for p in CONFIGURED_PAPERS for ext in ("json", "md")]
    return per_paper + ["results/audit/audit.json", "results/audit/audit.md"]


def experiment_settings(wildcards):
    """All the experiment's parameters as plain Python types (the fit's; tracked by Snakemake's params trigger)."""
    return pipeline.experiment_params(config, SCHEMA, wildcards.paper, wildcards.experiment)


def sample_settings(wildcards):
    """The parameters the experiment's sampler reads (fit-only keys, schema ``x-stage: fit``, left out)."""
    return pipeline.sample_params(config, SCHEMA, wildcards.paper, wildcards.experiment)


# Code inputs: the source files of every package module the job imports (deeplimits.codegraph), derived from the
# import graph. A change reruns exactly the jobs that import the module: sampling code resamples, fit and theory
# code refits, plotting code redraws.
def sample_code(wildcards):
    return pipeline.code_inputs(SRC, "sample", wildcards.paper)


def fit_code(wildcards):
    return pipeline.code_inputs(SRC, "fit", wildcards.paper)


def figure_code(wildcards):
    return pipeline.code_inputs(SRC, "figure", wildcards.paper)


def audit_code(wildcards):
    return pipeline.code_inputs(SRC, "audit", getattr(wildcards, "paper", None))


def figure_experiments(wildcards):
    return document(wildcards.paper).FIGURES[wildcards.figure].experiments


def figure_samples(wildcards):
    return [f"results/samples/{wildcards.paper}/{e}.npz" for e in figure_experiments(wildcards)]


def figure_stats(wildcards):
    return [f"results/stats/{wildcards.paper}/{e}.json" for e in figure_experiments(wildcards)]


def figure_settings(wildcards):
    """All parameters of the figure's experiments (a figure may draw fit-only values such as claim times)."""
    return {
        e: pipeline.experiment_params(config, SCHEMA, wildcards.paper, e)
        for e in figure_experiments(wildcards)
    }


def figure_caption(wildcards):
    """Caption for the report: the figure's description, its parameters and sample counts."""
    fig = document(wildcards.paper).FIGURES[wildcards.figure]
    settings = "; ".join(
        f"{e}: {pipeline.experiment_params(config, SCHEMA, wildcards.paper, e)}"
        for e in fig.experiments
    )
    text = (
        f"{wildcards.paper}/{wildcards.figure}. {fig.caption} Parameters ({config['preset']} preset, "
        f"global seed {config['seed']}): {settings}."
    )
    return text.replace("|", "\\|").replace("*", "\\*")  # literal characters in reStructuredText


def paper_stats(wildcards):
    return [
        f"results/stats/{wildcards.paper}/{e}.json" for e in paper_experiments(wildcards.paper)
    ]


# Job resources (threads, mem_mb, runtime in minutes) from each experiment's parameters: deeplimits.resources.
# Under --profile profiles/slurm they become sbatch --cpus-per-task, --mem and --time; `attempt` doubles a
# retried job's request.
def job_threads(wildcards):
    """Threads of a sample or fit job: one (deeplimits.resources.THREADS; its BLAS stays single-threaded), except
    for an experiment that measures wall times (registry.timed), which claims every core Snakemake was given
    (--cores locally; the profile's `cores`, 1, under SLURM) so that no other job runs beside its timings."""
    if wildcards.experiment in registry.timed(wildcards.paper):
        return workflow.cores
    return dl_resources.THREADS


def sample_mem_mb(wildcards, attempt):
    return dl_resources.sample_mem_mb(
        wildcards.paper, wildcards.experiment, sample_settings(wildcards),
        ROLES[wildcards.paper][wildcards.experiment], attempt
    )


def sample_runtime(wildcards, attempt):
    return dl_resources.sample_runtime(
        wildcards.paper, wildcards.experiment, sample_settings(wildcards),
        ROLES[wildcards.paper][wildcards.experiment], attempt
    )


def fit_mem_mb(wildcards, attempt):
    return dl_resources.light_mem_mb(
        wildcards.paper, {wildcards.experiment: experiment_settings(wildcards)}, ROLES[wildcards.paper], attempt
    )


def figure_mem_mb(wildcards, attempt):
    return dl_resources.light_mem_mb(wildcards.paper, figure_settings(wildcards), ROLES[wildcards.paper], attempt)


def light_runtime(wildcards, attempt):
    return dl_resources.light_runtime(attempt)


def audit_mem_mb(wildcards, attempt):
    return dl_resources.AUDIT_MEM_MB * attempt


def unknown_target_reason(wildcards):
    """Why a requested file under results/ matches no rule: names the unknown document, experiment or figure and
    lists the known ones (shown by Snakemake as the missing input of rule unknown_target; no job runs)."""
    parts = wildcards.path.split("/")
    if wildcards.kind == "audit" and len(parts) == 1:
        name = parts[0].rsplit(".", 1)[0]
        return [f"unknown document {name!r} in results/audit/; known: {', '.join(registry.PAPERS)}, audit"]
    if parts[0] not in registry.PAPERS or len(parts) != 2:
        return [f"unknown document {parts[0]!r} in results/{wildcards.kind}/; known: {', '.join(registry.PAPERS)}"]
    paper, (name, _, ext) = parts[0], parts[1].rpartition(".")
    if wildcards.kind == "figures":
        known, what, extensions = document(paper).FIGURES, "figure", ("png", "pdf")
    else:
        known, what = document(paper).EXPERIMENTS, "experiment"
        extensions = ("npz",) if wildcards.kind == "samples" else ("json",)
    if name not in known:
        return [f"unknown {what} id {name!r} of document {paper}; known: {', '.join(known)}"]
    return [f"unknown file type .{ext} of {paper}/{name}; results/{wildcards.kind}/ holds .{' and .'.join(extensions)}"]

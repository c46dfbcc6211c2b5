# Helpers and input functions shared by every rule. The configuration is validated here, at parse
# time, so a bad value stops the run before any job starts.
from pathlib import Path

from deeplimits import config as dl_config
from deeplimits import papers, pipeline
from deeplimits import resources as dl_resources

dl_config.validate(
    config, dl_config.load_schema(Path(workflow.basedir) / "workflow/schemas/config.schema.yaml")
)

SRC = Path(workflow.basedir) / "src" / "deeplimits"
CONFIGURED_PAPERS = [p for p in papers.PAPERS if p in config]


wildcard_constraints:
    paper="|".join(papers.PAPERS),
    experiment=r"[A-Za-z][A-Za-z0-9_]*",
    figure=r"[A-Za-z][A-Za-z0-9_]*",


def registry(paper):
    return papers.load(paper)


def paper_experiments(paper):
    """Experiments used by the paper's configured figures, in registry order."""
    figures = registry(paper).FIGURES
    used = {e for f in config[paper]["figures"] for e in figures[f].experiments}
    return [e for e in registry(paper).EXPERIMENTS if e in used]


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
    """The experiment's parameters as plain Python types (tracked by Snakemake's params trigger)."""
    return pipeline.experiment_params(config, wildcards.paper, wildcards.experiment)


def theory_sources(paper, experiments):
    names = sorted({t for e in experiments for t in registry(paper).EXPERIMENTS[e].theory})
    return [str(SRC / "theory" / f"{t}.py") for t in names]


def sample_sources(wildcards):
    """Sampling code the samples depend on: a change resamples exactly these experiments."""
    exp = registry(wildcards.paper).EXPERIMENTS[wildcards.experiment]
    return [str(SRC / "rng.py"), str(SRC / "papers" / wildcards.paper / "sampling.py")] + [
        str(SRC / "samplers" / f"{m}.py") for m in exp.samplers
    ]


def fit_sources(wildcards):
    """Estimation and claim code (a change refits and re-audits, never resamples)."""
    return [
        str(SRC / "stats.py"),
        str(SRC / "audit.py"),
        str(SRC / "papers" / wildcards.paper / "claims.py"),
    ] + theory_sources(wildcards.paper, [wildcards.experiment])


def figure_experiments(wildcards):
    return registry(wildcards.paper).FIGURES[wildcards.figure].experiments


def figure_samples(wildcards):
    return [f"results/samples/{wildcards.paper}/{e}.npz" for e in figure_experiments(wildcards)]


def figure_stats(wildcards):
    return [f"results/stats/{wildcards.paper}/{e}.json" for e in figure_experiments(wildcards)]


def figure_sources(wildcards):
    """Plotting code (a change redraws, never resamples)."""
    return [
        str(SRC / "plotting" / "style.py"),
        str(SRC / "plotting" / "common.py"),
        str(SRC / "plotting" / f"{wildcards.paper}.py"),
    ] + theory_sources(wildcards.paper, figure_experiments(wildcards))


def figure_settings(wildcards):
    return {
        e: pipeline.experiment_params(config, wildcards.paper, e)
        for e in figure_experiments(wildcards)
    }


def figure_caption(wildcards):
    """Caption for the report: the figure's description, its parameters and sample counts."""
    fig = registry(wildcards.paper).FIGURES[wildcards.figure]
    settings = "; ".join(
        f"{e}: {pipeline.experiment_params(config, wildcards.paper, e)}"
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
def sample_mem_mb(wildcards, attempt):
    return dl_resources.sample_mem_mb(
        wildcards.paper, wildcards.experiment, experiment_settings(wildcards), attempt
    )


def sample_runtime(wildcards, attempt):
    return dl_resources.sample_runtime(
        wildcards.paper, wildcards.experiment, experiment_settings(wildcards), attempt
    )


def fit_mem_mb(wildcards, attempt):
    return dl_resources.light_mem_mb(
        wildcards.paper, {wildcards.experiment: experiment_settings(wildcards)}, attempt
    )


def figure_mem_mb(wildcards, attempt):
    return dl_resources.light_mem_mb(wildcards.paper, figure_settings(wildcards), attempt)


def light_runtime(wildcards, attempt):
    return dl_resources.light_runtime(attempt)


def audit_mem_mb(wildcards, attempt):
    return dl_resources.AUDIT_MEM_MB * attempt

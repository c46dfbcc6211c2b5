# deeplimits: config.yaml -> samples -> stats -> figures -> audit (see README.md and DESIGN.md).
from snakemake.utils import min_version

min_version("9.11")


configfile: "config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/sample.smk"
include: "workflow/rules/fit.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/audit.smk"


rule all:
    default_target: True
    input:
        figure_targets(),
        audit_targets(),


rule unknown_target:
    """Any other file under results/: stops before any job runs, naming the unknown id and the known ones."""
    input:
        unknown_target_reason,
    output:
        "results/{kind}/{path}",
    wildcard_constraints:
        kind="samples|stats|figures|audit",
        path=".+",
    log:
        "results/logs/unknown_target/{kind}/{path}.log",
    conda:
        "envs/deeplimits.yaml"
    shell:
        "false"


ruleorder: sample > fit > figure > audit_all > audit > unknown_target

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

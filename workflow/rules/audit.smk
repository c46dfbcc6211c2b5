rule audit:
    """Claim-by-claim audit of one document."""
    input:
        stats=paper_stats,
        code=audit_code,
    output:
        json="results/audit/{paper}.json",
        md="results/audit/{paper}.md",
    log:
        "results/logs/audit/{paper}.log",
    threads: dl_resources.THREADS
    resources:
        mem_mb=audit_mem_mb,
        runtime=light_runtime,
    conda:
        "../../envs/deeplimits.yaml"
    script:
        "../scripts/audit.py"


rule audit_all:
    """The combined audit of every configured document."""
    input:
        audits=expand("results/audit/{paper}.json", paper=CONFIGURED_PAPERS),
        code=audit_code,
    output:
        json="results/audit/audit.json",
        md="results/audit/audit.md",
    log:
        "results/logs/audit/all.log",
    threads: dl_resources.THREADS
    resources:
        mem_mb=audit_mem_mb,
        runtime=light_runtime,
    conda:
        "../../envs/deeplimits.yaml"
    script:
        "../scripts/audit_all.py"

rule figure:
    """One figure of one document, as PNG (in the report) and PDF."""
    input:
        samples=figure_samples,
        stats=figure_stats,
        code=figure_code,
    output:
        png=report(
            "results/figures/{paper}/{figure}.png",
            caption="../report/figure.rst",
            category="{paper}",
            subcategory="{figure}",
            labels={"document": "{paper}", "figure": "{figure}"},
        ),
        pdf="results/figures/{paper}/{figure}.pdf",
    params:
        settings=figure_settings,
        caption=figure_caption,
    log:
        "results/logs/figure/{paper}/{figure}.log",
    threads: dl_resources.THREADS
    resources:
        mem_mb=figure_mem_mb,
        runtime=light_runtime,
    conda:
        "../../envs/deeplimits.yaml"
    script:
        "../scripts/figure.py"

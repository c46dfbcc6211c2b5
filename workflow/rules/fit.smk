rule fit:
    """Estimates with standard errors, theory values and the experiment's audit claims."""
    input:
        samples="results/samples/{paper}/{experiment}.npz",
        code=fit_code,
    output:
        "results/stats/{paper}/{experiment}.json",
    params:
        settings=experiment_settings,
    log:
        "results/logs/fit/{paper}/{experiment}.log",
    threads: job_threads
    resources:
        mem_mb=fit_mem_mb,
        runtime=light_runtime,
    conda:
        "../../envs/deeplimits.yaml"
    script:
        "../scripts/fit.py"

rule sample:
    """Draw one experiment's samples (heavy; cached as .npz with provenance)."""
    input:
        sample_sources,
    output:
        "results/samples/{paper}/{experiment}.npz",
    params:
        settings=experiment_settings,
        seed=config["seed"],
        chunk_size=config["chunk_size"],
        brute_chunk_size=config["brute_chunk_size"],
    log:
        "results/logs/sample/{paper}/{experiment}.log",
    benchmark:
        "results/benchmarks/sample/{paper}/{experiment}.tsv"
    threads: dl_resources.THREADS
    resources:
        mem_mb=sample_mem_mb,
        runtime=sample_runtime,
    conda:
        "../../envs/deeplimits.yaml"
    script:
        "../scripts/sample.py"

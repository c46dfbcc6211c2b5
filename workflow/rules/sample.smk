rule sample:
    """Draw one experiment's samples (heavy; cached as .npz with provenance, and shareable between checkouts
    with `snakemake --cache` and SNAKEMAKE_OUTPUT_CACHE). The job records its own wall time and peak memory in
    the provenance: Snakemake allows no benchmark file on a rule whose output may come from the cache."""
    input:
        code=sample_code,
    output:
        "results/samples/{paper}/{experiment}.npz",
    params:
        experiment="{paper}/{experiment}",  # the cache key holds params, not wildcards: the seed depends on these
        settings=sample_settings,
        seed=config["seed"],
        chunk_size=config["chunk_size"],
        brute_chunk_size=config["brute_chunk_size"],
    log:
        "results/logs/sample/{paper}/{experiment}.log",
    cache: "omit-software"
    threads: job_threads
    resources:
        mem_mb=sample_mem_mb,
        runtime=sample_runtime,
    conda:
        "../../envs/deeplimits.yaml"
    script:
        "../scripts/sample.py"

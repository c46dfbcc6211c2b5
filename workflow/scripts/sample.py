"""Rule sample: draw one experiment's samples (logic in deeplimits.pipeline.sample)."""


from typing import TYPE_CHECKING

from deeplimits import pipeline

if TYPE_CHECKING:
    from snakemake.script import snakemake


def main(smk) -> None:
    with pipeline.logged(smk.log[0]):
        pipeline.sample(smk.wildcards.paper, smk.wildcards.experiment, smk.params.settings, smk.params.seed,
                        pipeline.Chunks(smk.params.chunk_size, smk.params.brute_chunk_size), smk.output[0])


if __name__ == "__main__":
    main(snakemake)

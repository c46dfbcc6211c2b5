"""Rule sample: draw one experiment's samples (logic in deeplimits.jobs.sample)."""


from typing import TYPE_CHECKING

from deeplimits.jobs import logged
from deeplimits.jobs.sample import sample
from deeplimits.rng import Chunks

if TYPE_CHECKING:
    from snakemake.script import snakemake


def main(smk) -> None:
    with logged(smk.log[0]):
        sample(smk.wildcards.paper, smk.wildcards.experiment, smk.params.settings, smk.params.seed,
               Chunks(smk.params.chunk_size, smk.params.brute_chunk_size), smk.output[0])


if __name__ == "__main__":
    main(snakemake)

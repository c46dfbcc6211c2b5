"""Rule fit: estimates, theory values and claims of one experiment (deeplimits.pipeline.fit)."""


from typing import TYPE_CHECKING

from deeplimits import pipeline

if TYPE_CHECKING:
    from snakemake.script import snakemake


def main(smk) -> None:
    with pipeline.logged(smk.log[0]):
        pipeline.fit(smk.wildcards.paper, smk.wildcards.experiment, smk.params.settings,
                     smk.input.samples, smk.output[0])


if __name__ == "__main__":
    main(snakemake)

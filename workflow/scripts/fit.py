"""Rule fit: estimates, theory values and claims of one experiment (deeplimits.jobs.fit)."""


from typing import TYPE_CHECKING

from deeplimits.jobs import logged
from deeplimits.jobs.fit import fit

if TYPE_CHECKING:
    from snakemake.script import snakemake


def main(smk) -> None:
    with logged(smk.log[0]):
        fit(smk.wildcards.paper, smk.wildcards.experiment, smk.params.settings, smk.input.samples, smk.output[0])


if __name__ == "__main__":
    main(snakemake)

"""Rule figure: draw one figure as PNG and PDF (deeplimits.jobs.figure)."""


from typing import TYPE_CHECKING

from deeplimits.jobs import logged
from deeplimits.jobs.figure import figure

if TYPE_CHECKING:
    from snakemake.script import snakemake


def main(smk) -> None:
    with logged(smk.log[0]):
        figure(smk.wildcards.paper, smk.wildcards.figure, smk.params.settings, list(smk.input.samples),
               list(smk.input.stats), [smk.output.png, smk.output.pdf])


if __name__ == "__main__":
    main(snakemake)

"""Rule audit: claim-by-claim audit of one document (deeplimits.pipeline.audit)."""


from typing import TYPE_CHECKING

from deeplimits import pipeline

if TYPE_CHECKING:
    from snakemake.script import snakemake


def main(smk) -> None:
    with pipeline.logged(smk.log[0]):
        pipeline.audit(smk.wildcards.paper, list(smk.input), smk.output.json, smk.output.md)


if __name__ == "__main__":
    main(snakemake)

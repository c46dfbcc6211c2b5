"""Rule audit: claim-by-claim audit of one document (deeplimits.jobs.audit)."""


from typing import TYPE_CHECKING

from deeplimits.jobs import logged
from deeplimits.jobs.audit import audit

if TYPE_CHECKING:
    from snakemake.script import snakemake


def main(smk) -> None:
    with logged(smk.log[0]):
        audit(smk.wildcards.paper, list(smk.input.stats), smk.output.json, smk.output.md)


if __name__ == "__main__":
    main(snakemake)

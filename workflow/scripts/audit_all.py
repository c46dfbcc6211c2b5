"""Rule audit_all: the combined audit of every document (deeplimits.jobs.audit)."""


from typing import TYPE_CHECKING

from deeplimits.jobs import logged
from deeplimits.jobs.audit import audit_all

if TYPE_CHECKING:
    from snakemake.script import snakemake


def main(smk) -> None:
    with logged(smk.log[0]):
        audit_all(list(smk.input.audits), smk.output.json, smk.output.md)


if __name__ == "__main__":
    main(snakemake)

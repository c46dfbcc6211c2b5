"""Rule audit_all: the combined audit of every document (deeplimits.pipeline.audit_all)."""


from typing import TYPE_CHECKING

from deeplimits import pipeline

if TYPE_CHECKING:
    from snakemake.script import snakemake


def main(smk) -> None:
    with pipeline.logged(smk.log[0]):
        pipeline.audit_all(list(smk.input), smk.output.json, smk.output.md)


if __name__ == "__main__":
    main(snakemake)

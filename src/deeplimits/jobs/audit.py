"""Rules audit and audit_all: the claim-by-claim audit of one document, and of all documents together."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from deeplimits import audit as audit_table
from deeplimits import io

#: the module this job loads at run time for a document: its claim table ``CLAIMS``
DISPATCH = "deeplimits.documents.{paper}.claims"


def write_audit(records: list[dict[str, Any]], title: str, json_out: str | Path, md_out: str | Path,
                appendix: str = "") -> None:
    """Write the audit records (in registry order) as JSON and as a Markdown table (then ``appendix``)."""
    io.write_json(json_out, records)
    io.write_text(md_out, audit_table.markdown(records, title) + appendix)


def _tables(fits: Sequence[dict[str, Any]]) -> str:
    """Markdown tables that fits provide (stats key ``markdown``, e.g. bordelon/table1), one section each."""
    sections = []
    for content in fits:
        if isinstance(content["stats"], dict) and "markdown" in content["stats"]:
            sections.append(f"\n## Table: {content['paper']}/{content['experiment']}\n\n{content['stats']['markdown']}")
    return "".join(sections)


def audit(paper: str, stats: Sequence[str | Path], json_out: str | Path, md_out: str | Path) -> None:
    """Audit of one document: its claim table decided on its stats files (in order); Markdown tables of the fits
    follow."""
    fits = [io.read_json(path) for path in stats]
    records = audit_table.records_from_stats(fits)
    write_audit(records, f"Audit: {paper}", json_out, md_out, _tables(fits))


def audit_all(paper_audits: Sequence[str | Path], json_out: str | Path, md_out: str | Path) -> None:
    """The combined audit of all documents."""
    records = [rec for path in paper_audits for rec in io.read_json(path)]
    write_audit(records, "Audit: all documents", json_out, md_out)

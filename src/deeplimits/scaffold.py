"""``python -m deeplimits new-document KEY``: a working skeleton of a new document from ``templates/document/``.

It creates ``src/deeplimits/documents/KEY/`` (declaration, sample, fit, claims, figures, schema: one experiment, one
figure, two claims) and appends the document's section to ``config.yaml``; nothing else changes. The registry
finds the folder by itself, so ``snakemake --cores all --config preset=smoke results/audit/KEY.json
results/figures/KEY/norms.png`` then runs it end to end.
"""

from __future__ import annotations

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent / "templates" / "document"
KEY_PATTERN = re.compile(r"[a-z][a-z0-9_]*")


def new_document(key: str, root: str | Path = ".", title: str | None = None) -> Path:
    """Create the document ``key`` in the project at ``root`` (the folder holding ``Snakefile`` and
    ``config.yaml``); returns its folder. Refuses a key that is not a lower-case identifier or already exists."""
    root = Path(root)
    if not (root / "Snakefile").is_file() or not (root / "config.yaml").is_file():
        raise ValueError(f"{root.resolve()} is not a deeplimits project (no Snakefile and config.yaml)")
    if not KEY_PATTERN.fullmatch(key):
        raise ValueError(f"document key {key!r}: use a lower-case identifier, e.g. 'smith2024'")
    folder = root / "src" / "deeplimits" / "documents" / key
    config = (root / "config.yaml").read_text()
    if folder.exists() or re.search(rf"^{key}:", config, flags=re.M):
        raise ValueError(f"document {key!r} already exists ({folder} or its config.yaml section)")
    fields = {"key": key, "title": title or f"The {key} document"}
    folder.mkdir(parents=True)
    for template in sorted(TEMPLATES.glob("*.tmpl")):
        if template.stem != "config.yaml":
            (folder / template.stem).write_text(template.read_text().format(**fields))
    (root / "config.yaml").write_text(config.rstrip("\n") + "\n" + (TEMPLATES / "config.yaml.tmpl").read_text()
                                      .format(**fields))
    return folder

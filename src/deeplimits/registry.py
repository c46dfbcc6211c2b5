"""Registry of the documents: every package under ``deeplimits/documents/`` is one document, found by scanning
the folder (adding a document edits no list). A document package ``documents/<key>/`` provides

- ``declaration.py``: ``EXPERIMENTS`` (the experiment names, one cached sample file each, in order), ``FIGURES``
  (figure id -> :class:`Figure`, declared once: the rule-all targets, the schema's figure ids, the report's
  captions and the tests' parametrisation all come from it) and ``check_config(section)`` (cross-field checks
  beyond the schema); optionally ``TIMED``, the experiments whose arrays or fits are wall-time measurements
  (:func:`timed`);
- ``sample.py``: ``run_<experiment>(params, seeds, chunks) -> arrays`` (rule sample);
- ``fit.py``: ``fit_<experiment>(arrays, params) -> (stats, claims)`` (rule fit);
- ``figures.py``: ``plot_<figure>(data, params) -> Figure`` (rule figure);
- ``schema.yaml``: the JSON schema of its ``config.yaml`` section (merged by :func:`deeplimits.config.load_schema`).

The declaration is a module of its own, not the package's ``__init__.py``, so that the sample and fit jobs never
import it: editing a caption or adding a figure redraws, never resamples.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

#: the folder of the document packages
DOCUMENTS = Path(__file__).resolve().parent / "documents"
#: the documents' keys (their folder names), sorted
PAPERS = tuple(sorted(m.name for m in pkgutil.iter_modules([str(DOCUMENTS)]) if m.ispkg))


@dataclass(frozen=True)
class Figure:
    """One figure: the experiments it draws on, its caption (the report's) and its title (the figure's own)."""

    experiments: tuple[str, ...]
    caption: str
    title: str = ""


def load(paper: str) -> ModuleType:
    """The declaration module ``deeplimits.documents.<paper>.declaration``."""
    if paper not in PAPERS:
        raise KeyError(f"unknown document {paper!r}; known: {', '.join(PAPERS)}")
    return importlib.import_module(f"deeplimits.documents.{paper}.declaration")


def schema_path(paper: str) -> Path:
    """The schema of the document's config section."""
    return DOCUMENTS / paper / "schema.yaml"


def timed(paper: str) -> tuple[str, ...]:
    """The document's experiments that measure wall times (its declaration's ``TIMED``, default none). Their sample
    and fit jobs claim every core Snakemake was given, so that no other job shares the machine's caches and memory
    bandwidth while they time: a scaling exponent measured across the last-level cache boundary beside another job
    drifted out of its interval (bordelon table1, 2.53 against [1.5, 2.5])."""
    return tuple(getattr(load(paper), "TIMED", ()))

"""Registry of the documents: each ``papers/<paper>/`` package declares its experiments and figures.

A document package provides
- ``EXPERIMENTS``: the experiment names (one cached sample file each), in order;
- ``FIGURES``: figure id -> :class:`Figure` (the experiments it draws on, its caption);
- ``sampling.run_<experiment>(params, seeds, chunks)``: draws the samples (rule sample);
- ``claims.fit_<experiment>(arrays, params)``: estimates, theory values and audit claims (rule fit);
- ``deeplimits.plotting.<paper>.plot_<figure>(data, params)``: the figure (rule figure);
- ``check_config(section)``: cross-field checks beyond the JSON schema.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType

PAPERS = ("nica", "bassetti", "hayou", "bordelon")


@dataclass(frozen=True)
class Figure:
    """One figure: the experiments it draws on and a one-line caption."""

    experiments: tuple[str, ...]
    caption: str


def load(paper: str) -> ModuleType:
    """The registry module ``deeplimits.papers.<paper>``."""
    if paper not in PAPERS:
        raise KeyError(f"unknown paper {paper!r}; known: {', '.join(PAPERS)}")
    return importlib.import_module(f"deeplimits.papers.{paper}")

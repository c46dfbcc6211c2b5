"""Rule figure: draw one figure from its experiments' samples and stats, as PDF and the PNG rendered from it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from deeplimits import io
from deeplimits.jobs import dispatched
from deeplimits.plotting import style

#: the module this job loads at run time for a document:
#: ``plot_<figure>(data, params) -> Figure``
DISPATCH = "deeplimits.documents.{paper}.figures"


def figure(paper: str, figure_id: str, params: dict[str, dict[str, Any]], samples: Sequence[str],
           stats: Sequence[str], outputs: Sequence[str]) -> None:
    """Draw one figure from its experiments' samples and stats; save every output (PNG and PDF). ``params`` maps each
    of the figure's experiments to its parameters, in the order of ``samples`` and ``stats``."""
    data = {exp: (io.read_npz(s)[0], io.read_json(j)) for exp, s, j in zip(params, samples, stats, strict=True)}
    plot = dispatched(DISPATCH, paper, f"plot_{figure_id}")
    with style.house_style():
        style.save(plot(data, params), *outputs)

"""Rule fit: estimates with standard errors, theory values and the claims of one experiment."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from deeplimits import io
from deeplimits.jobs import dispatched

#: the module this job loads at run time for a document:
#: ``fit_<experiment>(arrays, params) -> (stats, quantities)`` (``deeplimits.audit.Quantities``)
DISPATCH = "deeplimits.documents.{paper}.fit"

log = logging.getLogger("deeplimits")


def fit(paper: str, experiment: str, params: dict[str, Any], samples: str | Path, output: str | Path) -> None:
    """The statistics the figures draw, and the named quantities (estimates with standard errors, theory values with
    formula names) and instances the claim table is decided on (``deeplimits.audit``)."""
    arrays, meta = io.read_npz(samples)
    stats, quantities = dispatched(DISPATCH, paper, f"fit_{experiment}")(arrays, params)
    io.write_json(output, {"paper": paper, "experiment": experiment, "parameters": params,
                           "sample_provenance": meta, "stats": stats, "quantities": dict(quantities),
                           "index": quantities.index})
    log.info("%s/%s: %d quantities", paper, experiment, len(quantities))

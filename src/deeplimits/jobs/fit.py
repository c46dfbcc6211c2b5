"""Rule fit: estimates with standard errors, theory values and the claims of one experiment."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from deeplimits import io
from deeplimits.jobs import dispatched

#: the module this job loads at run time for a document:
#: ``fit_<experiment>(arrays, params) -> (stats, quantities)`` (``deeplimits.quantities.Quantities``)
DISPATCH = "deeplimits.documents.{paper}.fit"

log = logging.getLogger("deeplimits")


def fitted(paper: str, experiment: str, params: dict[str, Any], arrays: dict[str, Any],
           sample_provenance: dict[str, Any]) -> dict[str, Any]:
    """The content of a stats file: the statistics the figures draw, and the named quantities (estimates with
    standard errors, theory values with formula names) and instances the claim table is decided on."""
    stats, quantities = dispatched(DISPATCH, paper, f"fit_{experiment}")(arrays, params)
    return {"paper": paper, "experiment": experiment, "parameters": params, "sample_provenance": sample_provenance,
            "stats": stats, "quantities": dict(quantities), "index": quantities.index}


def fit(paper: str, experiment: str, params: dict[str, Any], samples: str | Path, output: str | Path) -> None:
    """Rule fit: the stats file of one experiment from its samples."""
    arrays, meta = io.read_npz(samples)
    content = fitted(paper, experiment, params, arrays, meta)
    io.write_json(output, content)
    log.info("%s/%s: %d quantities", paper, experiment, len(content["quantities"]))

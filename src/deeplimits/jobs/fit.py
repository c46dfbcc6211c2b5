"""Rule fit: estimates with standard errors, theory values and the claims of one experiment."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from deeplimits import io
from deeplimits.jobs import dispatched

#: the module this job loads at run time for a document:
#: ``fit_<experiment>(arrays, params) -> (stats, claims)``
DISPATCH = "deeplimits.documents.{paper}.fit"

log = logging.getLogger("deeplimits")


def fit(paper: str, experiment: str, params: dict[str, Any], samples: str | Path, output: str | Path) -> None:
    """Estimates with standard errors, theory values with formula names, and the experiment's claims."""
    arrays, meta = io.read_npz(samples)
    stats, claims = dispatched(DISPATCH, paper, f"fit_{experiment}")(arrays, params)
    io.write_json(output, {"paper": paper, "experiment": experiment, "parameters": params,
                           "sample_provenance": meta, "stats": stats, "claims": claims})
    log.info("%s/%s: %d claims", paper, experiment, len(claims))

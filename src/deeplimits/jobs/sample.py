"""Rule sample: draw one experiment's samples and write them with their provenance."""

from __future__ import annotations

import logging
import resource
import sys
import time
from pathlib import Path
from typing import Any

from deeplimits import io
from deeplimits.jobs import dispatched
from deeplimits.rng import Chunks, Seeds

#: the module this job loads at run time for a document:
#: ``run_<experiment>(params, seeds, chunks) -> arrays``
DISPATCH = "deeplimits.documents.{paper}.sample"

log = logging.getLogger("deeplimits")


def loaded_modules() -> list[str]:
    """The package's modules loaded in this process (recorded in the provenance: the code behind the arrays)."""
    return sorted(m for m in sys.modules if m == "deeplimits" or m.startswith("deeplimits."))


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (``ru_maxrss`` is in kB on Linux)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def sample(paper: str, experiment: str, params: dict[str, Any], seed: int, chunks: Chunks,
           output: str | Path) -> None:
    """Draw the experiment's samples and write them with provenance (wall time and peak memory included)."""
    runner = dispatched(DISPATCH, paper, f"run_{experiment}")
    log.info("sampling %s/%s with %s", paper, experiment, params)
    start = time.perf_counter()
    arrays = runner(params, Seeds(seed, paper, experiment), chunks)
    wall = time.perf_counter() - start
    log.info("sampled %d arrays in %.1f s, peak memory %.0f MB", len(arrays), wall, peak_rss_mb())
    meta = io.provenance(paper=paper, experiment=experiment, parameters=params, seed=seed,
                         method=params.get("method", "as per experiment"), chunk_size=chunks.reduced,
                         brute_chunk_size=chunks.brute, wall_time_s=round(wall, 3), peak_rss_mb=peak_rss_mb(),
                         modules=loaded_modules())
    io.write_npz(output, arrays, meta)

"""The body of each Snakemake job, one module per rule (``workflow/scripts/*.py`` are thin wrappers).

sample: config parameters -> results/samples/{paper}/{experiment}.npz
fit:    samples -> results/stats/{paper}/{experiment}.json (estimates, theory values, claims)
figure: samples + stats -> results/figures/{paper}/{figure}.png/.pdf
audit:  stats -> results/audit/{paper}.json/.md; all papers -> audit.json/.md

Each module names in ``DISPATCH`` the module it loads at run time for one document (its runners, fits or
plots), so that the rule's code inputs (``deeplimits.pipeline.code_inputs``) cover it. A job module imports
only what its job needs: its imports are its rule's code inputs.
"""

from __future__ import annotations

import importlib
import logging
import sys
import traceback
from collections.abc import Callable
from pathlib import Path


def dispatched(template: str, paper: str, name: str) -> Callable:
    """The function ``name`` of the module ``template.format(paper=paper)``."""
    return getattr(importlib.import_module(template.format(paper=paper)), name)


class logged:
    """Context manager for rule scripts: log records and stderr (warnings, tracebacks) go to ``path``."""

    def __init__(self, path: str | Path):
        self.path = Path(path)

    def __enter__(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.stream = self.path.open("w")
        self.stderr, sys.stderr = sys.stderr, self.stream
        logging.basicConfig(stream=self.stream, level=logging.INFO, force=True,
                            format="%(asctime)s %(levelname)s %(message)s")
        logging.captureWarnings(True)
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc is not None:
            traceback.print_exception(exc_type, exc, tb, file=self.stream)
        sys.stderr = self.stderr
        self.stream.close()
        return False

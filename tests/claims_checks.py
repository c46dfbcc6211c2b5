"""Shared helpers of the claim tests: sample one experiment at a moderate size (fixed seed, cached), fit it and
decide its claim table, so that a test can compare the verdicts with a correct and with a deliberately wrong theory
(mutation tests: ``monkeypatch`` a theory function, then ``decide`` again on the same samples)."""

from __future__ import annotations

import functools
import importlib
import json
from typing import Any

from deeplimits import audit, io
from deeplimits.jobs.fit import fitted
from deeplimits.rng import Chunks, Seeds

CHUNKS = Chunks(reduced=4096, brute=256)


@functools.cache
def _arrays(paper: str, experiment: str, params_json: str, seed: int) -> dict[str, Any]:
    sampling = importlib.import_module(f"deeplimits.documents.{paper}.sample")
    return getattr(sampling, f"run_{experiment}")(json.loads(params_json), Seeds(seed, paper, experiment), CHUNKS)


def decide(paper: str, experiment: str, params: dict[str, Any], seed: int = 7) -> dict[str, dict[str, Any]]:
    """The audit records of one experiment (claim id without the document -> record), fitted with the theory as it
    is at call time on samples drawn once per (experiment, params, seed)."""
    arrays = _arrays(paper, experiment, json.dumps(params, sort_keys=True), seed)
    content = json.loads(io.to_json(fitted(paper, experiment, params, arrays, {})))
    return {r["claim"].removeprefix(f"{paper}/"): r for r in audit.records_from_stats([content])}


def verdicts(records: dict[str, dict[str, Any]], claims: list[str]) -> dict[str, str | None]:
    """The observed verdict of each listed claim (None if the table produced no such row)."""
    return {c: records[c]["observed"] if c in records else None for c in claims}

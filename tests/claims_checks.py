"""Shared helpers of the claim tests: sample one experiment at a moderate size (fixed seed, cached), fit it and
decide its claim table, so that a test can compare the verdicts with a correct and with a deliberately wrong theory
(mutation tests: ``monkeypatch`` a theory function, then ``decide`` again on the same samples)."""

from __future__ import annotations

import copy
import functools
import importlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from conftest import SCHEMA

from deeplimits import audit, io, pipeline
from deeplimits.jobs.fit import fitted
from deeplimits.rng import Chunks, Seeds

CHUNKS = Chunks(reduced=4096, brute=256)
ROOT = Path(__file__).resolve().parents[1]


def default_params(paper: str, experiment: str, **changes: Any) -> dict[str, Any]:
    """The experiment's parameters at the default preset of config.yaml, with ``changes`` (e.g. a moderate size)."""
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    return {**copy.deepcopy(pipeline.experiment_params(config, SCHEMA, paper, experiment)), **changes}


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


def scaled(function: Callable[..., Any], factor: float, names: tuple[str, ...] | None = None) -> Callable[..., Any]:
    """A deliberately wrong theory: ``function`` with its result times ``factor`` (a number or array, every entry
    of a tuple, or the entries ``names`` of a dict)."""
    def wrong(*args: Any, **kwargs: Any) -> Any:
        value = function(*args, **kwargs)
        if isinstance(value, dict):
            return {k: v * factor if k in (names or ()) else v for k, v in value.items()}
        if isinstance(value, tuple):
            return tuple(v * factor for v in value)
        return value * factor
    return wrong

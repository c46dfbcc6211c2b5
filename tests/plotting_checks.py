"""Smoke-size experiments for the plotting tests: sampled and fitted once per test module, as the pipeline does.

``Experiments(paper, samples, shrink)`` runs the config's parameters of ``<paper>/<exp>`` at the smoke preset
(sample counts capped at ``samples``, heavy experiments shrunk by ``shrink[exp]``), fits them, and round-trips the
stats JSON as pipeline.fit writes it (non-finite numbers become null).
"""

from __future__ import annotations

import copy
import importlib
import json
from pathlib import Path
from typing import Any

import yaml

from deeplimits import io, pipeline

CONFIG = Path(__file__).resolve().parents[1] / "config.yaml"


def smoke_params(paper: str, exp: str, samples: int | None = None, shrink: dict[str, Any] | None = None,
                 **overrides: Any) -> dict[str, Any]:
    """The config's parameters of ``<paper>/<exp>`` at the smoke preset, capped, shrunk and overridden."""
    config = yaml.safe_load(CONFIG.read_text())
    config["preset"] = "smoke"
    if samples is not None:
        config["presets"]["smoke"]["caps"]["samples"] = samples
    return {**pipeline.experiment_params(config, paper, exp), **copy.deepcopy((shrink or {}).get(exp, {})),
            **overrides}


class Experiments:
    """Lazily sampled and fitted experiments, each at most once: ``(arrays, round-tripped stats JSON, params)``."""

    def __init__(self, paper: str, samples: int | None = None, shrink: dict[str, Any] | None = None) -> None:
        self.paper, self.samples, self.shrink = paper, samples, shrink
        self.registry = importlib.import_module(f"deeplimits.papers.{paper}")
        self.sampling = importlib.import_module(f"deeplimits.papers.{paper}.sampling")
        self.claims = importlib.import_module(f"deeplimits.papers.{paper}.claims")
        self.cache: dict[str, tuple[dict, dict, dict]] = {}

    def __call__(self, exp: str) -> tuple[dict, dict, dict]:
        if exp not in self.cache:
            params = smoke_params(self.paper, exp, self.samples, self.shrink)
            arrays = getattr(self.sampling, f"run_{exp}")(params, pipeline.Seeds(1, self.paper, exp),
                                                           pipeline.Chunks(1024, 256))
            stats, claim_list = getattr(self.claims, f"fit_{exp}")(arrays, params)
            fitted = json.loads(io.to_json({"parameters": params, "stats": stats, "claims": claim_list}))
            self.cache[exp] = (arrays, fitted, params)
        return self.cache[exp]

    def figure_inputs(self, fid: str) -> tuple[dict, dict]:
        """``data`` and ``params`` as pipeline.figure passes them to plot_<fid>."""
        loaded = {exp: self(exp) for exp in self.registry.FIGURES[fid].experiments}
        return {e: (a, f) for e, (a, f, _) in loaded.items()}, {e: p for e, (_, _, p) in loaded.items()}

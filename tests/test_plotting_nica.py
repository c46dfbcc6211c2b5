"""Figures of the nica document (deeplimits.documents.nica.figures, spec nica §5) drawn from real, tiny samples.

Each experiment is sampled at the smoke preset (256 samples) with the config's parameters, shrunk for the
heavy experiments (the plot code must read every size from ``params``), fitted, and its stats JSON
round-tripped as the pipeline writes it.
"""

from __future__ import annotations

import copy
import functools
import json
from pathlib import Path
from typing import Any

import plotting_checks as checks
import pytest
import yaml
from conftest import SCHEMA

from deeplimits import io, pipeline
from deeplimits.documents.nica import figures as nica
from deeplimits.documents.nica import sample as sampling
from deeplimits.jobs.figure import figure
from deeplimits.jobs.fit import fit, fitted
from deeplimits.jobs.sample import sample
from deeplimits.rng import Chunks, Seeds

CONFIG = Path(__file__).resolve().parents[1] / "config.yaml"
SAMPLES = 256
#: smaller settings of the heavy experiments (brute force, deep ResNets, many (n, d))
SHRINK: dict[str, dict[str, Any]] = {
    "moments": {"n": [10, 30], "depths": [1, 5, 20]},
    "layerterms": {"n": [10, 100]},
    "resnet": {"depths": [10, 30], "alpha2": [0.5]},
    "universality": {"sizes": [{"n": 20, "samples": SAMPLES}], "depths": [5, 10]},
    "validation": {"mlp": [{"n": 20, "d": 1}, {"n": 20, "d": 5}],
                   "widths": {"n": 20, "narrow": 8, "d": 4, "positions": [0, 4]},
                   "resnet": {"n": 16, "d": 8, "alpha2": 0.5}, "vector_vs_chi2": {"n": 20, "d": 10}},
}
#: indices of the panels that show distributions (histograms or QQ plots): each needs a legend
DISTRIBUTION_PANELS = {"fig1": [0, 1, 2], "moments": [], "layerterms": [], "widths": [0, 1], "resnet": [0],
                       "grad": [0, 1, 2], "universality": [0], "validation": "all"}


def experiment_params(exp: str, **overrides: Any) -> dict[str, Any]:
    """The config's parameters of ``nica/<exp>`` at the smoke preset capped to SAMPLES, shrunk, overridden."""
    config = yaml.safe_load(CONFIG.read_text())
    config["preset"] = "smoke"
    config["presets"]["smoke"]["caps"]["samples"] = SAMPLES
    params = pipeline.experiment_params(config, SCHEMA, "nica", exp)
    return {**params, **copy.deepcopy(SHRINK.get(exp, {})), **overrides}


def experiment_data(exp: str, params: dict[str, Any]) -> dict[str, tuple[dict, dict]]:
    """``data`` as the figure job passes it: arrays and the JSON-round-tripped stats file of the fit job."""
    arrays = getattr(sampling, f"run_{exp}")(params, Seeds(1, "nica", exp), Chunks(256, 256))
    return {exp: (arrays, json.loads(io.to_json(fitted("nica", exp, params, arrays, {}))))}


@functools.cache
def cached(exp: str) -> tuple[dict, dict]:
    params = experiment_params(exp)
    return experiment_data(exp, params), {exp: params}


def draw(exp: str, data: dict, params: dict, out: Path | None = None) -> list:
    """plot_<exp> in the house style, every text parsed, saved as PNG and PDF under ``out`` if given (files
    checked); returns the visible axes, each checked to carry x and y labels and a title."""
    return checks.labelled_panels(checks.draw(getattr(nica, f"plot_{exp}"), data, params, out, parse=True), exp)


@pytest.mark.parametrize("exp", list(DISTRIBUTION_PANELS))
def test_figure(exp: str, tmp_path: Path) -> None:
    data, params = cached(exp)
    axes = draw(exp, data, params, tmp_path)
    panels = range(len(axes)) if DISTRIBUTION_PANELS[exp] == "all" else DISTRIBUTION_PANELS[exp]
    for i in panels:
        legend = axes[i].get_legend()
        assert legend is not None and len(legend.get_texts()) >= 2, f"{exp}: panel {i} needs a legend"
    texts = [t.get_text() for ax in axes if ax.get_legend() for t in ax.get_legend().get_texts()]
    texts += [ax.get_title() for ax in axes] + [ax.get_xlabel() + ax.get_ylabel() for ax in axes]
    assert any("N = " in t for t in texts), f"{exp}: sample counts not shown"


def test_resnet_variants_named() -> None:
    data, params = cached("resnet")
    axes = draw("resnet", data, params)
    labels = " ".join(t.get_text() for t in axes[0].get_legend().get_texts())
    assert "standard" in labels and "balanced (sign-flip reading)" in labels


def test_validation_panels() -> None:
    """One QQ panel per pair in the stats (V1-V5) plus V6, each titled with its KS p-value."""
    data, params = cached("validation")
    axes = draw("validation", data, params)
    pairs = [cid for cid in data["validation"][1]["stats"] if cid != "V6"]
    assert len(axes) == len(pairs) + 1
    assert all("KS p = " in ax.get_title() for ax in axes)
    assert "V6" in axes[-1].get_title()


def test_dead_networks_counted() -> None:
    """At n = 4 about half of the d = 10 networks die: they are excluded and their count is shown."""
    params = experiment_params("fig1", n=4, depths=[1, 10])
    data = experiment_data("fig1", params)
    axes = draw("fig1", data, {"fig1": params})
    dead = int(data["fig1"][0]["d10/dead"].sum())
    assert dead > 0
    legend = [t.get_text() for t in axes[1].get_legend().get_texts()]
    assert f"{dead} dead networks excluded" in legend
    assert f"simulation (N = {SAMPLES - dead})" in legend


def test_pipeline_figure(tmp_path: Path) -> None:
    """End to end through the pipeline steps: sample -> fit -> figure (files read back from disk)."""
    params = experiment_params("fig1", depths=[1, 10])
    npz, stats = tmp_path / "fig1.npz", tmp_path / "fig1.json"
    sample("nica", "fig1", params, 1, Chunks(256, 256), npz)
    fit("nica", "fig1", params, npz, stats)
    outputs = [tmp_path / "fig1.png", tmp_path / "fig1.pdf"]
    figure("nica", "fig1", {"fig1": params}, [str(npz)], [str(stats)], [str(p) for p in outputs])
    assert all(p.stat().st_size > 1000 for p in outputs)

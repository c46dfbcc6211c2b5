"""Figures of the bassetti document (documents/bassetti/figures.py, spec §5) drawn from real, small samples.

Every experiment is sampled once per module (fixture ``experiments``) with the config's parameters at the smoke
preset with at most SAMPLES samples per array, fitted, and its stats JSON round-tripped as the fit job writes it
(non-finite numbers become null). The bassetti notation: N is a width, n a sample count.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import numpy as np
import plotting_checks as checks
import pytest
from plotting_checks import Experiments, smoke_params

from deeplimits.documents.bassetti import declaration as registry
from deeplimits.documents.bassetti import figures as bassetti
from deeplimits.documents.bassetti.keys import alpha_name, width_name
from deeplimits.jobs.figure import figure
from deeplimits.jobs.fit import fit
from deeplimits.jobs.sample import sample
from deeplimits.rng import Chunks

SAMPLES = 2000
FIGURES = list(registry.FIGURES)
#: the seed claims each suptitle must name (spec §5)
SEED_CLAIMS = {"fig1": "(S2, S4)", "fig2": "(S4)", "fig3": "(S4)", "fig4": "(S4)", "fig5": "(S1)", "fig6": "(S4)",
               "fig7": "(S3, S4)", "fig8": "(S1)", "fig9": "(S4)"}
#: indices (in fig.axes) of the panels that show distributions (histograms, densities, ECDFs, QQ plots)
DISTRIBUTION_PANELS = {"fig1": [0, 1, 2], "fig2": [], "fig3": [0, 1], "fig4": [1, 2, 3, 4, 5], "fig5": [],
                       "fig6": [0, 3], "fig7": [], "fig8": [0, 1], "fig9": []}


def experiment_params(exp: str) -> dict[str, Any]:
    """The config's parameters of ``bassetti/<exp>`` at the smoke preset (see plotting_checks.smoke_params)."""
    return smoke_params("bassetti", exp, SAMPLES, None)


@pytest.fixture(scope="module")
def experiments() -> Experiments:
    return Experiments("bassetti", SAMPLES, None)


def draw(fid: str, data: dict, params: dict, out: Path | None = None):
    """plot_<fid> in the house style, every text parsed, saved as PNG and PDF under ``out`` if given (files
    checked). Returns the figure (closed)."""
    return checks.draw(getattr(bassetti, f"plot_{fid}"), data, params, out, parse=True)


def _shared(ax, what: str) -> bool:
    """``what`` ("xlabel", "title") on the panel or on a panel sharing its x axis (a stack of panels has one title
    at the top and one x label at the bottom)."""
    return any(getattr(other, f"get_{what}")() for other in ax.get_shared_x_axes().get_siblings(ax))


@pytest.mark.parametrize("fid", FIGURES)
def test_figure(fid: str, experiments: Experiments, tmp_path: Path) -> None:
    data, params = experiments.figure_inputs(fid)
    fig = draw(fid, data, params, tmp_path)
    axes = checks.visible_axes(fig)
    assert axes
    for ax in axes:
        assert _shared(ax, "xlabel") and ax.get_ylabel(), f"{fid}: unlabelled axes {ax.get_title()!r}"
        assert _shared(ax, "title"), f"{fid}: panel without title"
        assert ax.get_legend() is not None or fig.legends, f"{fid}: {ax.get_title()!r} has no legend"
    for i in DISTRIBUTION_PANELS[fid]:
        legend = axes[i].get_legend()
        assert legend is not None and len(legend.get_texts()) >= 2, f"{fid}: panel {i} needs a legend"
    texts = checks.figure_texts(fig)
    assert any(re.search(r"\bN'? = \d", t) for t in texts), f"{fid}: widths (N, or N' of the surrogate) not shown"
    assert any(re.search(r"\bn = [\d,]+", t) for t in texts), f"{fid}: sample counts not shown"
    assert f"bassetti/{fid}" in fig.get_suptitle() and SEED_CLAIMS[fid] in fig.get_suptitle()


@pytest.mark.parametrize("fid", FIGURES)
def test_null_standard_errors(fid: str, experiments: Experiments) -> None:
    """Markers without error bars where the JSON has null SEs (or p-values), no crash."""
    data, params = experiments.figure_inputs(fid)
    data = {e: (a, {**f, "stats": checks.null_errors(f["stats"], ("stderr",), ("r_se", "log_eig_se")),
                    "quantities": checks.null_errors(f["quantities"])})
            for e, (a, f) in data.items()}
    fig = draw(fid, data, params)
    assert fig.axes


def _drawn(fig, y: np.ndarray) -> bool:
    """Whether a line of the figure has the y data ``y``."""
    return any(np.array_equal(line.get_ydata(), y) for ax in fig.axes for line in ax.get_lines())


def test_fitted_curves_from_stats(experiments: Experiments) -> None:
    """The estimated curves are drawn as the stats hold them (doubled here, so a figure that recomputed them would
    fail): fig1's Rao-Blackwellised densities and fig3 (b)'s E[s_2^2 | s_1]; the figures compute no statistic."""
    data, params = experiments.figure_inputs("fig1")
    arrays, fitted = data["d1"]
    fitted = copy.deepcopy(fitted)
    exact = fitted["stats"]["exact"]
    for e in exact.values():
        e["rao_blackwell_pdf"] = [2 * v for v in e["rao_blackwell_pdf"]]
    fig = draw("fig1", {"d1": (arrays, fitted)}, params)
    assert all(_drawn(fig, np.array(e["rao_blackwell_pdf"])) for e in exact.values())

    data, params = experiments.figure_inputs("fig3")
    arrays, fitted = data["d2_exact"]
    fitted = copy.deepcopy(fitted)
    p = params["d2_exact"]
    fits = fitted["stats"][width_name(max(p["N"]))]
    shown = [al for al in p["alphas"] if al <= 1.0 + 1e-12] or p["alphas"]
    for al in shown:
        curve = fits[alpha_name(al)]["s2sq_given_s1"]
        curve["value"] = [2 * v for v in curve["value"]]
    fig = draw("fig3", {**data, "d2_exact": (arrays, fitted)}, params)
    assert all(_drawn(fig, np.array(fits[alpha_name(al)]["s2sq_given_s1"]["value"])) for al in shown)


def test_fig7_temperature_from_params(experiments: Experiments) -> None:
    """fig7 labels the likelihood temperature from the parameters (config: T = 0.001, not the spec's 0.01)."""
    data, params = experiments.figure_inputs("fig7")
    params = {"posterior": {**params["posterior"], "T": 0.25}}
    texts = " ".join(checks.figure_texts(draw("fig7", data, params)))
    assert "T = 0.25" in texts and "T = 0.001" not in texts


def test_pipeline_figure(tmp_path: Path) -> None:
    """End to end through the pipeline steps: sample -> fit -> figure (files read back from disk)."""
    params = {**experiment_params("d1_convergence"), "samples": 500}
    npz, stats = tmp_path / "d1_convergence.npz", tmp_path / "d1_convergence.json"
    sample("bassetti", "d1_convergence", params, 1, Chunks(256, 256), npz)
    fit("bassetti", "d1_convergence", params, npz, stats)
    outputs = [tmp_path / "fig5.png", tmp_path / "fig5.pdf"]
    figure("bassetti", "fig5", {"d1_convergence": params}, [str(npz)], [str(stats)], [str(p) for p in outputs])
    assert all(p.stat().st_size > 1000 for p in outputs)

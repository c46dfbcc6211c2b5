"""Figures of the hayou document (deeplimits.documents.hayou.figures, spec hayou §5) drawn from real, tiny samples.

Every experiment is sampled once per module (fixture ``experiments``) with the config's parameters at the smoke
preset (at most SAMPLES samples per array), shrunk for the heavy experiments (the plot code must read every size
from ``params``), fitted, and its stats JSON round-tripped as the fit job writes it (non-finite numbers become
null). Notation: n is a width, L a depth, M a number of samples.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import plotting_checks as checks
import pytest
from plotting_checks import Experiments, smoke_params

from deeplimits.documents.hayou import declaration as registry
from deeplimits.documents.hayou import figures as hayou
from deeplimits.jobs.figure import figure
from deeplimits.jobs.fit import fit
from deeplimits.jobs.sample import sample
from deeplimits.models.infdepth import closed_forms as th
from deeplimits.rng import Chunks

SAMPLES = 256
FIGURES = list(registry.FIGURES)
DETERMINISTIC = {"fig02"}  #: figures without samples
#: smaller settings of the heavy experiments (explicit weights, very deep or very wide networks)
SHRINK: dict[str, dict[str, Any]] = {
    "limits": {"depth_first": {"depth": 128, "widths": [4, 16, 64]}, "width_first": {"width": 256, "depths": [4, 16]}},
    "correlation": {"depth": 200, "short_depth": 50, "wide_width": 50},
    "gradients": {"depth": 32, "runs": [{"width": 4, "samples": 64}, {"width": 32, "samples": 32}]},
}


def experiment_params(exp: str) -> dict[str, Any]:
    """The config's parameters of ``hayou/<exp>`` at the smoke preset (see plotting_checks.smoke_params)."""
    return smoke_params("hayou", exp, SAMPLES, SHRINK)


@pytest.fixture(scope="module")
def experiments() -> Experiments:
    return Experiments("hayou", SAMPLES, SHRINK)


def draw(fid: str, data: dict, params: dict, parse: bool = True):
    """plot_<fid> in the house style, every text parsed as matplotlib does when it renders (a full render of every
    figure is too slow for this file; the pipeline test renders one). Returns the figure (closed)."""
    return checks.draw(getattr(hayou, f"plot_{fid}"), data, params, parse=parse)


@pytest.mark.parametrize("fid", FIGURES)
def test_figure(fid: str, experiments: Experiments) -> None:
    data, params = experiments.figure_inputs(fid)
    fig = draw(fid, data, params)
    for ax in checks.labelled_panels(fig, fid):
        legend = ax.get_legend()
        assert (legend is not None and len(legend.get_texts()) >= 2) or fig.legends, \
            f"{fid}: {ax.get_title()!r} has no legend naming its curves"
    texts = " ".join(checks.figure_texts(fig))
    assert "M = " in texts or fid in DETERMINISTIC, f"{fid}: sample counts not shown"
    assert fig.get_suptitle().startswith(f"hayou/{fid}: {registry.FIGURES[fid].title}")


@pytest.mark.parametrize("fid", FIGURES)
def test_null_standard_errors(fid: str, experiments: Experiments) -> None:
    """Markers without error bars where the JSON has null SEs (or p-values), no crash."""
    data, params = experiments.figure_inputs(fid)
    data = {e: (a, {**f, "stats": checks.null_errors(f["stats"])}) for e, (a, f) in data.items()}
    assert draw(fid, data, params, parse=False).axes


@pytest.mark.parametrize("fid", [f for f in FIGURES if f in registry.LAYER_FIGURE_WIDTHS])
def test_layer_figures_show_their_width(fid: str, experiments: Experiments) -> None:
    """fig14-fig21 come from two factories: each function is named after its figure and shows its own width."""
    function = getattr(hayou, f"plot_{fid}")
    assert function.__name__ == f"plot_{fid}" and fid in function.__doc__
    data, params = experiments.figure_inputs(fid)
    n = registry.LAYER_FIGURE_WIDTHS[fid]
    assert f"n = {n}" in draw(fid, data, params, parse=False).get_suptitle()


@pytest.mark.parametrize("depth", [5, 50])
def test_exact_finite_depth_law(depth: int) -> None:
    """The FFT law of log|Y_L| (identity, n = 1) has the quadrature moments of T4; the ReLU law given no collapse
    has the mean L E[log(1 + zeta/sqrt L) | zeta > -sqrt L]."""
    x, dens = hayou._log_product_law(depth, depth, False)
    h = x[1] - x[0]
    mean = float((x * dens).sum() * h)
    var = float(((x - mean) ** 2 * dens).sum() * h)
    exact_mean, exact_var = th.identity_log_ratio_moments(depth)
    assert mean == pytest.approx(exact_mean, abs=1e-6) and var == pytest.approx(exact_var, abs=1e-5)
    x, dens = hayou._log_product_law(depth, depth, True)
    from scipy import integrate, stats

    s = math.sqrt(depth)
    term = integrate.quad(lambda z: math.log1p(z / s) * stats.norm.pdf(z), -s, math.inf)[0] / stats.norm.sf(-s)
    assert float((x * dens).sum() * h) == pytest.approx(depth * term, abs=1e-6)


def test_pipeline_figure(tmp_path: Path) -> None:
    """End to end through the pipeline steps: sample -> fit -> figure (files read back from disk)."""
    params = {**experiment_params("identity_norm"), "depth": 64, "widths": [1, 4]}
    npz, stats = tmp_path / "identity_norm.npz", tmp_path / "identity_norm.json"
    sample("hayou", "identity_norm", params, 1, Chunks(256, 256), npz)
    fit("hayou", "identity_norm", params, npz, stats)
    outputs = [tmp_path / "aux01.png", tmp_path / "aux01.pdf"]
    figure("hayou", "aux01", {"identity_norm": params}, [str(npz)], [str(stats)], [str(p) for p in outputs])
    assert all(p.stat().st_size > 1000 for p in outputs)

"""Figures of the bordelon document (documents/bordelon/figures.py, spec §5) drawn from real, tiny runs.

Every experiment is run once per module (fixture ``experiments``) with the config's parameters at the smoke preset
(D = 48, S = 2 seeds, T <= 30, 5-point learning-rate grids), fitted, and its stats JSON round-tripped as
the fit job writes it (non-finite numbers become null). Degenerate inputs (null SEs, every grid point diverged,
no optimum, a diverged DMFT) must draw without errors.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import plotting_checks as checks
import pytest
from matplotlib.table import Table
from plotting_checks import Experiments, smoke_params

from deeplimits.documents.bordelon import declaration as registry
from deeplimits.documents.bordelon import figures as bordelon
from deeplimits.jobs.figure import figure
from deeplimits.jobs.fit import fit
from deeplimits.jobs.sample import sample
from deeplimits.rng import Chunks

FIGURES = list(registry.FIGURES)


def experiment_params(exp: str) -> dict[str, Any]:
    """The config's parameters of ``bordelon/<exp>`` at the smoke preset (see plotting_checks.smoke_params)."""
    return smoke_params("bordelon", exp, None, None)


@pytest.fixture(scope="module")
def experiments() -> Experiments:
    return Experiments("bordelon", None, None)


def draw(fid: str, data: dict, params: dict, parse: bool = True, render: bool = False):
    """plot_<fid> in the house style, every text parsed as matplotlib does when it renders unless ``parse`` is
    false; ``render``: also drawn to a PNG in memory. Returns the figure (closed)."""
    return checks.draw(getattr(bordelon, f"plot_{fid}"), data, params, parse=parse, render=render)


@pytest.mark.parametrize("fid", FIGURES)
def test_figure(fid: str, experiments: Experiments) -> None:
    data, params = experiments.figure_inputs(fid)
    fig = draw(fid, data, params)
    for ax in checks.labelled_panels(fig, fid):
        legend = ax.get_legend()
        assert legend is not None and (len(legend.get_texts()) >= 2 or fig.legends), \
            f"{fid}: {ax.get_title()!r} has no legend naming its curves"
        assert ax.lines or ax.collections, f"{fid}: {ax.get_title()!r} is empty"
    assert fig.get_suptitle().startswith(f"bordelon/{fid}: {registry.FIGURES[fid].title}")
    texts = " ".join(checks.legend_texts(fig))
    if fid != "table1":
        assert "simulation" in texts, f"{fid}: the key does not say which curves are simulated"
    if fid not in ("table1", "figA2"):
        assert "DMFT" in texts, f"{fid}: the key does not name the DMFT"


def test_figure_contents(experiments: Experiments) -> None:
    """Figure-specific items: the fitted slopes and guides of fig6c, the table of table1, the optima of fig2."""
    texts = " ".join(checks.legend_texts(draw("fig6", *experiments.figure_inputs("fig6"), parse=False)))
    assert "slope" in texts and "guide" in texts and r"\nu=\infty" in texts
    data, params = experiments.figure_inputs("table1")
    fig = draw("table1", data, params, parse=False)
    tables = fig.findobj(Table)
    assert len(tables) == 1
    rows = {r for r, _ in tables[0].get_celld()}
    assert len(rows) == len(data["table1"][1]["stats"]["rows"]) + 1
    assert "optimum" in " ".join(checks.legend_texts(draw("fig2", *experiments.figure_inputs("fig2"), parse=False)))


def _degenerate(obj: Any, key: str = "") -> Any:
    """The stats JSON of a failed run: every sweep point diverged, every DMFT value and simulated mean null
    (diverged), no optimum, no slope, no exponent."""
    if isinstance(obj, dict):
        return {k: _degenerate(v, k) for k, v in obj.items()}
    if isinstance(obj, list):
        if key == "diverged":
            return [True] * len(obj)
        if key in ("dmft", "dmft_nu_inf", "lazy_closed_form", "mean") and all(not isinstance(v, dict) for v in obj):
            return [None] * len(obj)  # DMFT curves and every simulated mean
        return [_degenerate(v, key) for v in obj]
    if key in ("value", "stderr", "dmft_log10_eta_opt", "eta_div", "dmft_time_exponent", "simulation_time_exponent"):
        return None
    return obj


@pytest.mark.parametrize("fid", FIGURES)
def test_null_standard_errors(fid: str, experiments: Experiments) -> None:
    """Markers without error bars and curves without bands where the JSON has null SEs, no crash."""
    data, params = experiments.figure_inputs(fid)
    data = {e: (a, {**f, "stats": checks.null_errors(f["stats"], lists=("se",))}) for e, (a, f) in data.items()}
    assert draw(fid, data, params, parse=False).axes


@pytest.mark.parametrize("fid", FIGURES)
def test_degenerate_stats(fid: str, experiments: Experiments) -> None:
    """All grid points diverged, null DMFT values, no optima and no fitted slopes or exponents: still a figure."""
    data, params = experiments.figure_inputs(fid)
    data = {e: (a, {**f, "stats": _degenerate(copy.deepcopy(f["stats"]))}) for e, (a, f) in data.items()}
    fig = draw(fid, data, params, parse=False, render=True)
    assert fig.get_suptitle().startswith(f"bordelon/{fid}")


def test_pipeline_figure(tmp_path: Path) -> None:
    """End to end through the pipeline steps: sample -> fit -> figure (files read back from disk, PNG and PDF)."""
    params = experiment_params("figA1")
    npz, stats = tmp_path / "figA1.npz", tmp_path / "figA1.json"
    sample("bordelon", "figA1", params, 1, Chunks(256, 256), npz)
    fit("bordelon", "figA1", params, npz, stats)
    outputs = [tmp_path / "figA1.png", tmp_path / "figA1.pdf"]
    figure("bordelon", "figA1", {"figA1": params}, [str(npz)], [str(stats)], [str(p) for p in outputs])
    assert all(p.stat().st_size > 1000 for p in outputs)

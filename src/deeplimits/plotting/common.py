"""Plotting helpers shared by every document's figure module (house style: :mod:`deeplimits.plotting.style`).

``data[experiment] = (arrays, stats)`` as :func:`deeplimits.jobs.figure.figure` passes it: the arrays of the sample
file and the stats JSON written by :func:`deeplimits.jobs.fit.fit` (keys ``parameters``, ``stats``, ``claims``);
``params[experiment]`` is the experiment's parameter dict.

Estimates of the stats JSON are dicts ``{"value", "stderr", "n"}``; a non-finite value or SE (e.g. a batch-means
SE from too few samples) is written as JSON null and drawn as a marker without an error bar.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from deeplimits import stats as st
from deeplimits.distributions import normal_pdf
from deeplimits.plotting import style

Arrays = dict[str, np.ndarray]
Data = dict[str, tuple[Arrays, dict[str, Any]]]
Params = dict[str, dict[str, Any]]

GRID = 600  #: points of every theory curve
QUANTILES = 200  #: quantiles of every QQ panel
SMALL = "small"


def unpack(data: Data, params: Params, exp: str) -> tuple[Arrays, dict[str, Any], dict[str, Any]]:
    """Arrays, the ``stats`` block of the JSON and the parameters of one experiment."""
    arrays, fitted = data[exp]
    return arrays, fitted["stats"], params[exp]


def colours(keys: Iterable[Any], order: Sequence[int] = (0, 1, 2, 4, 5, 9, 6, 8)) -> dict[Any, Any]:
    """One palette colour per key; by default skipping vermilion (too close to the red theory curve) and grey."""
    return {k: style.PALETTE[order[i % len(order)]] for i, k in enumerate(keys)}


def _float(x: Any) -> float:
    """A JSON number, or NaN for null."""
    return np.nan if x is None else float(x)


def value_se(estimates: Sequence[dict[str, Any]]) -> tuple[np.ndarray, np.ndarray]:
    """Values and SEs of stats-JSON estimates as float arrays (null -> NaN)."""
    return (np.array([_float(e["value"]) for e in estimates]), np.array([_float(e["stderr"]) for e in estimates]))


def errorbar(ax: Axes, x, estimates: Sequence[dict[str, Any]], *, scale=1.0, shift=0.0, color,
             marker: str = "o", filled: bool = True, label: str | None = None) -> None:
    """Markers with +-1 SE bars for stats-JSON estimates ({"value", "stderr"}), drawn as (value - shift) * scale;
    an estimate without SE (null) gets no bar."""
    value, se = value_se(estimates)
    scale = np.broadcast_to(np.asarray(scale, dtype=float), value.shape)
    ax.errorbar(x, (value - shift) * scale, yerr=se * np.abs(scale), fmt=marker, color=color, ms=4.5,
                mfc=color if filled else "white", capsize=2, lw=1, label=label, zorder=3)


def log_axis(ax: Axes, axis: str = "x") -> None:
    """Log scale on ``axis`` ("x", "y" or "xy") with plain tick labels at 1, 2, 5 x 10^k."""
    for name in axis:
        getattr(ax, f"set_{name}scale")("log")
        which = getattr(ax, f"{name}axis")
        which.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
        which.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        which.set_minor_formatter(NullFormatter())


def key(label: str, color: Any = "0.2", ls: str = "none", marker: str | None = None, filled: bool = True,
        **kw: Any) -> Line2D:
    """A legend proxy: a line style and/or a marker."""
    return Line2D([], [], color=color, ls=ls, marker=marker, mfc=color if filled else "white", label=label, **kw)


def fmt(est: dict[str, Any], digits: int = 2) -> str:
    """An estimate as value +- SE (SE "n/a" when null)."""
    se = "n/a" if est.get("stderr") is None else f"{est['stderr']:.1g}"
    return f"{_float(est['value']):.{digits}g} ± {se}"


def sample_range(samples: Iterable[np.ndarray], k: float = 5.0) -> tuple[float, float]:
    """Union of mean +- k sd over the samples, clipped to the data."""
    samples = list(samples)
    lo = min(max(x.mean() - k * x.std(), x.min()) for x in samples)
    hi = max(min(x.mean() + k * x.std(), x.max()) for x in samples)
    return float(lo), float(hi)


def n_bins(n_samples: int) -> int:
    """About sqrt(N)/2 histogram bins, between 20 and 100."""
    return int(np.clip(np.sqrt(n_samples) / 2, 20, 100))


@dataclass(frozen=True)
class Hist:
    """A simulated sample drawn as a density histogram; ``dead``: samples already excluded (counted in the legend,
    0 if none)."""

    values: np.ndarray
    dead: int
    label: str
    color: Any = style.SIMULATION
    fill: bool = False


Curve = tuple[str, Callable[[np.ndarray], np.ndarray], dict[str, Any]]


def distribution_panel(ax: Axes, hists: Sequence[Hist], curves: Sequence[Curve], lo: float, hi: float,
                       width: float | None = None, notes: Sequence[str] = (), xlabel: str = "",
                       ylabel: str = "density", count: str | None = "N") -> None:
    """Density histograms on [lo, hi] (bin ``width``, default ~sqrt(N)/2 bins) with theory curves on a grid.

    One legend (upper left) names every histogram with its sample count (``"{count} = ..."``; ``count=None``: the
    label as given) and every curve, then the dead counts and the ``notes`` as text lines; the y range leaves head
    room for it above the highest bar or curve."""
    width = width or (hi - lo) / n_bins(min(h.values.size for h in hists))
    peak = 0.0
    for h in hists:
        dens, edges = st.density_histogram(h.values, width, lo, hi)
        ax.stairs(dens, edges, fill=h.fill, color=h.color, alpha=0.45 if h.fill else 1.0, lw=0 if h.fill else 1.3,
                  label=h.label if count is None else f"{h.label} ({count} = {h.values.size})")
        peak = max(peak, dens.max(initial=0.0))
    grid = np.linspace(lo, hi, GRID)
    for label, density, kw in curves:
        values = density(grid)
        ax.plot(grid, values, label=label, **kw)
        peak = max(peak, values.max())
    notes = [f"{h.dead} dead networks excluded" + (f" ({h.label})" if len(hists) > 1 else "")
             for h in hists if h.dead] + list(notes)
    handles, _ = ax.get_legend_handles_labels()
    handles += [key(text, ls="none") for text in notes]
    ax.legend(handles=handles, fontsize=SMALL, loc="upper left")
    ax.set(xlim=(lo, hi), ylim=(0, peak / max(0.35, 0.92 - 0.075 * len(handles))), xlabel=xlabel, ylabel=ylabel)


def gaussian(mean: float, var: float) -> Callable[[np.ndarray], np.ndarray]:
    """The N(mean, var) density as a function."""
    return lambda x: normal_pdf(x, mean, np.sqrt(var))


def qq(ax: Axes, x: np.ndarray | Callable[[np.ndarray], np.ndarray],
       y: np.ndarray | Callable[[np.ndarray], np.ndarray], xlabel: str, ylabel: str, title: str, *,
       label: str | None = None, color: Any = style.SIMULATION, identity: bool = True, legend: bool = True) -> None:
    """QQ panel: QUANTILES quantiles of y against those of x (samples, or quantile functions), the identity line
    (``identity``) and a legend (``legend``); call again with ``identity=False`` to add further samples."""
    probs = (np.arange(QUANTILES) + 0.5) / QUANTILES
    qx = np.quantile(x, probs) if isinstance(x, np.ndarray) else x(probs)
    qy = np.quantile(y, probs) if isinstance(y, np.ndarray) else y(probs)
    ax.plot(qx, qy, ".", color=color, ms=3.5, label=label or f"{QUANTILES} quantiles")
    if identity:
        lims = [min(qx.min(), qy.min()), max(qx.max(), qy.max())]
        ax.plot(lims, lims, color=style.THEORY, lw=1, label="identity")
    ax.set(xlabel=xlabel, ylabel=ylabel)
    ax.set_title(title, fontsize="small")
    if legend:
        ax.legend(fontsize=SMALL, loc="upper left", handlelength=1.2)


def panel_grid(n_panels: int, ncols: int, width: float = 3.4, height: float = 3.1):
    """A figure with ``n_panels`` axes on a grid, the unused ones hidden."""
    nrows = -(-n_panels // ncols)
    fig, axes = style.figure(min(ncols, n_panels), nrows, width=width, height=height)
    flat = axes.ravel()
    for ax in flat[n_panels:]:
        ax.set_visible(False)
    return fig, flat[:n_panels]

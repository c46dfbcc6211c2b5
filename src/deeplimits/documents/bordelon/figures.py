"""Figures of the bordelon document (spec shared/spec/bordelon.md §5): one ``plot_<figure>(data, params)`` per figure.

``data[experiment] = (arrays, stats)``: the arrays of the sample file and the stats JSON written by
:func:`deeplimits.jobs.fit.fit` (keys ``parameters``, ``stats``, ``quantities``, ``index``);
``params[experiment]`` is the experiment's parameter dict; the experiments of each figure are
``deeplimits.documents.bordelon.declaration.FIGURES``. Curves are
read from the stats JSON (:mod:`deeplimits.documents.bordelon.fit`) under the names of
:func:`~deeplimits.documents.bordelon.keys.curve_key`, rebuilt here from ``params`` (every list of widths, depths,
batches, ... is read from ``params``); JSON nulls (non-finite numbers, a diverged DMFT) are drawn as gaps.

Notation (spec §2): t is the step, tau = eta0 t, D the input dimension, alpha = P/D, nu = N/D, L the depth, S the
number of seeds. Conventions (spec §4-§5): simulation = solid line with a +-1 SE band (or markers with +-1 SE bars);
DMFT = dashed line in the same colour; test loss thick, train loss thin; losses on a log axis. In the learning-rate
sweeps a grid point with a diverged replicate is an open marker on the top edge (excluded from the fits), and the
optima sit in a strip at the bottom: simulation (triangle, +-1 bootstrap SE) and DMFT (bar), one row per curve.
One figure-level key explains the line styles; the panel legends name the settings.
"""

from __future__ import annotations

import math
import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter
from matplotlib.transforms import blended_transform_factory

from deeplimits.documents.bordelon.declaration import FIGURES
from deeplimits.documents.bordelon.keys import SWEEP_ETAS, class_curve, curve_changes, curve_key
from deeplimits.documents.bordelon.sample import power_law_batch
from deeplimits.plotting import style
from deeplimits.plotting.common import SMALL, Data, Params, key, log_axis, unpack
from deeplimits.plotting.common import colours as _palette

#: palette order for settings: no vermilion (reserved), no grey (references)
ORDER = (0, 1, 2, 4, 9, 5, 6, 8)
GREY = "0.55"  # reference curves (fig3c: the full-batch alpha = 1 curve)
GUIDE = {"color": "0.25", "lw": 1.0}  # power-law guide lines
LAZY_GUIDE, RICH_GUIDE = "-.", (0, (4, 1.5, 1, 1.5, 1, 1.5))  # tau^-beta, tau^(-2 beta/(1+beta))
THICK, THIN = 2.0, 0.9  # test, train
BAND = 0.18  # alpha of the +-1 SE bands
REF = r"\gamma_{\mathrm{ref}}"

T_LABEL = "step $t$"
TAU_LABEL = r"$\tau=\eta_0 t$"
ETA_LABEL = r"learning rate $\eta_0$"
LOSS_LABEL = r"loss: test $\mathcal{L}(t)$, train $\hat{\mathcal{L}}(t)$"
TEST_LABEL = r"test loss $\mathcal{L}(t)$"
#: parameter symbols of the suptitles (unicode: no mathtext, so lines may break anywhere outside "a = b")
SYMBOLS = {"alpha": "α", "nu": "ν", "L": "L", "gamma0": "γ₀", "beta0": "β₀", "eta0": "η₀", "sigma": "σ", "steps": "T"}


# ------------------------------------------------------------------------------------------- helpers
@dataclass(frozen=True)
class Series:
    """One curve of a panel: its name in the stats JSON, its legend label and colour."""

    name: str
    label: str
    color: Any


def _floats(values: Sequence[Any] | None) -> np.ndarray:
    """A JSON list as floats (null -> NaN); an empty array for None."""
    if values is None:
        return np.array([])
    return np.array([np.nan if v is None else float(v) for v in values], dtype=float)


def _value(x: Any) -> float:
    return math.nan if x is None else float(x)


def _num(x: Any, spec: str = ".3g") -> str:
    """A JSON number formatted, "n/a" for null or non-finite."""
    return "n/a" if x is None or not np.isfinite(x) else format(float(x), spec)


def _series(names: Sequence[str], labels: Sequence[str], colors: Sequence[Any] | None = None) -> list[Series]:
    colors = colors or list(_palette(names, ORDER).values())
    return [Series(n, lab, c) for n, lab, c in zip(names, labels, colors, strict=True)]


def _suptitle(fig: Figure, fid: str, setup: str) -> None:
    """The figure id, its topic and the setup wrapped to the figure width (lines break at spaces outside "a = b")."""
    nbsp = "\u00a0"
    setup = textwrap.fill(setup.replace(" = ", f"{nbsp}={nbsp}"), int(12 * fig.get_figwidth()),
                          break_long_words=False).replace(f"{nbsp}={nbsp}", " = ")
    fig.suptitle(f"bordelon/{fid}: {FIGURES[fid].title}\n{setup}", fontsize="medium")


def _setup(p: dict[str, Any], keys: Sequence[str], sim: bool = True) -> str:
    """ "α = 2, ν = 1, ..." for the keys, then the simulation size "D = 400, S = 8 seeds"."""
    parts = [f"{SYMBOLS[k]} = {p[k]:g}" for k in keys]
    text = ", ".join(parts)
    if sim:
        text += f"; simulation D = {p['dimension']}, S = {p['replicates']} seeds"
    return text


def _data_text(p: dict[str, Any]) -> str:
    """The data distribution and optimiser of a setting, in words."""
    data = {"isotropic": "isotropic data", "two_level": "two-level spectrum λ ∈ {2, 0.5}",
            "power_law": f"power-law data a = {p.get('spectral_exponent', 0):g}"}[p["data"]]
    optimiser = {"full_batch": "full-batch GD", "sgd": "one-pass SGD", "population": "population GD"}[p["optimiser"]]
    arch = "MLP" if p["architecture"] == "mlp" else "residual net"
    return f"{data}, {arch}, {p['parameterisation'].replace('mup', 'μP').replace('ntk', 'NTK')}, {optimiser}"


def _style_key(fig: Figure, handles: Sequence[Any], ncols: int | None = None) -> None:
    """The figure-level key of line styles and markers (below the panels)."""
    fig.legend(handles=list(handles), loc="outside lower center", ncols=ncols or len(handles), fontsize=SMALL)


def _loss_keys(train: bool = True, dmft: bool = True) -> list[Any]:
    handles = [key("simulation: mean over seeds, ±1 SE band", ls="-", lw=THICK if train else 1.5)]
    if dmft:
        handles.append(key("DMFT (same colour)", ls="--", lw=1.5))
    if train:
        handles += [key("test loss (thick)", ls="-", lw=THICK), key("train loss (thin)", ls="-", lw=THIN)]
    return handles


SWEEP_KEYS = [
    key("simulation: final test loss, ±1 SE", marker="o", ls="-", lw=0.0),
    key("DMFT (same colour)", ls="--", lw=1.4),
    key("optimum, simulation (±1 bootstrap SE)", marker="v"),
    key("optimum, DMFT", marker="|", ms=9, mew=2),
    key("diverged grid point (excluded)", marker="o", filled=False),
]


def _positive(*arrays: np.ndarray) -> tuple[float, float]:
    """The smallest and largest positive finite value of the arrays (1, 10 if none)."""
    values = np.concatenate([np.ravel(a) for a in arrays]) if arrays else np.array([])
    values = values[np.isfinite(values) & (values > 0)]
    if not values.size:
        return 1.0, 10.0
    return float(values.min()), float(values.max())


def _log_ticks(ax: Axes) -> None:
    """Plain tick labels on the log axes of ``ax`` spanning at most 2.5 decades (at the current limits): 1, 2, 5 x
    10^k, or 1-8 x 10^k below 1.2 decades; wider axes keep matplotlib's powers of ten."""
    for name in ("x", "y"):
        if getattr(ax, f"get_{name}scale")() != "log":
            continue
        lo, hi = getattr(ax, f"get_{name}lim")()
        if not 0 < lo < hi or hi / lo > 10**2.5:
            continue
        subs = (1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0) if hi / lo < 10**1.2 else (1.0, 2.0, 5.0)
        axis = getattr(ax, f"{name}axis")
        axis.set_major_locator(LogLocator(subs=subs))
        axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        axis.set_minor_formatter(NullFormatter())


def _log_ylim(ax: Axes, lo: float, hi: float, bottom: float = 0.05, top: float = 0.08) -> None:
    """Log y limits around [lo, hi] leaving the fractions ``bottom`` and ``top`` of the height free."""
    span = math.log10(max(hi / lo, 1.5))
    core = 1.0 - bottom - top
    ax.set_ylim(lo / 10 ** (span * bottom / core), hi * 10 ** (span * top / core))


# ------------------------------------------------------------------------------------ loss-vs-time panel
def _band(ax: Axes, x: np.ndarray, mean: np.ndarray, se: np.ndarray, color: Any, lw: float, label: str | None,
          log_y: bool = True) -> None:
    """A simulated curve: seed mean (solid) with a +-1 SE band (lower edge kept positive on a log axis)."""
    mean = np.where(np.isfinite(mean), mean, np.nan)
    ax.plot(x, mean, color=color, lw=lw, label=label)
    if np.isfinite(se).any():
        lo = mean - se
        if log_y:
            lo = np.maximum(lo, mean / 20)
        ax.fill_between(x, lo, mean + se, color=color, alpha=BAND, lw=0)


def _time(values: Sequence[Any], eta0: float | None) -> np.ndarray:
    """Steps t (eta0 None) or tau = eta0 t."""
    t = _floats(values)
    return t if eta0 is None else eta0 * t


def loss_panel(ax: Axes, curves: dict[str, Any], series: Sequence[Series], title: str, *,
               which: Sequence[str] = ("test", "train"), eta0: float | None = None, legend: bool = True,
               ylabel: str | None = None) -> list[float]:
    """Loss against t (``eta0`` None: linear t, log y) or against tau = eta0 t (log-log, t = 0 dropped) for the
    named curve summaries (``curves[name]`` as :func:`~deeplimits.documents.bordelon.fit.curve_summary` writes it):
    simulation solid with a +-1 SE band, DMFT dashed in the same colour (where the summary has one), test thick and
    train thin. Returns the plotted values (for y limits)."""
    values: list[float] = []
    for s in series:
        c = curves.get(s.name)
        if c is None:
            continue
        x = _time(c["t"], eta0)
        keep = x > 0 if eta0 is not None else np.ones(x.size, bool)
        label = s.label + (" (a seed diverged)" if c.get("diverged") else "")
        for kind in which:
            if kind not in c:
                continue
            lw = THICK if kind == "test" and len(which) > 1 else (THIN if kind == "train" else 1.5)
            mean, se = _floats(c[kind]["mean"]), _floats(c[kind]["se"])
            _band(ax, x[keep], mean[keep], se[keep], s.color, lw, label if kind == which[0] else None)
            values += mean[keep].tolist()
            theory = (c.get("dmft") or {}).get(kind)
            if theory is not None:
                y = _floats(theory)
                xt = np.arange(y.size, dtype=float) * (1.0 if eta0 is None else eta0)
                keep_t = xt > 0 if eta0 is not None else np.ones(xt.size, bool)
                ax.plot(xt[keep_t], y[keep_t], color=s.color, lw=max(lw - 0.4, 0.8), ls="--")
                values += y[keep_t].tolist()
    ax.set_yscale("log")
    shown = np.array(values, dtype=float)
    if not np.any(np.isfinite(shown) & (shown > 0)):  # nothing to draw (every run diverged): fixed log limits
        ax.set_ylim(*_positive())
        ts = np.concatenate([_time(curves[s.name]["t"], eta0) for s in series if s.name in curves] or [[1.0]])
        ts = ts[np.isfinite(ts) & (ts > 0)]
        if ts.size and ts.max() > ts.min():
            ax.set_xlim(0 if eta0 is None else ts.min(), ts.max())
    if eta0 is None:
        ax.set_xlabel(T_LABEL)
        ax.set_xlim(left=0)
    else:
        ax.set_xscale("log")
        ax.set_xlabel(TAU_LABEL)
    _log_ticks(ax)
    ax.set_ylabel(ylabel or (LOSS_LABEL if len(which) > 1 else TEST_LABEL))
    ax.set_title(title)
    if legend:
        ax.legend(fontsize=SMALL, loc="best", handlelength=1.6)
    return values


# --------------------------------------------------------------------------------------------- sweep panel
def _dodge(x: np.ndarray, i: int, count: int, step: float = 0.035) -> np.ndarray:
    """x multiplied by exp(step (i - mid)): side by side markers on a log axis."""
    return np.asarray(x, dtype=float) * math.exp(step * (i - (count - 1) / 2))


def sweep_panel(ax: Axes, sweeps: dict[str, Any], series: Sequence[Series], title: str, *,
                horizon: int | None = None) -> None:
    """Final test loss against eta0 (log-log) for the named sweeps (``sweeps[name]`` as
    :func:`~deeplimits.documents.bordelon.fit.sweep_quantities` writes it): simulated seed means with +-1 SE bars, DMFT
    lines on the theory grid, diverged grid points as open markers on the top edge, and a bottom strip with one row
    per curve holding the simulated optimum (triangle, +-1 bootstrap SE in log10 eta) and the DMFT optimum (bar)."""
    present = [s for s in series if s.name in sweeps]
    n = len(present)
    ncols = 3
    n_div = sum(bool(np.any(sweeps[s.name]["diverged"])) for s in present)
    div_strip = 0.03 * n_div + 0.02 if n_div else 0.0
    legend_strip = 0.065 * -(-n // ncols) + 0.04
    bottom_strip = 0.05 * n + 0.05
    along = blended_transform_factory(ax.transData, ax.transAxes)
    values: list[float] = []
    etas_all: list[float] = []
    div_row = 0
    for i, s in enumerate(present):
        c = sweeps[s.name]
        etas, mean, se = _floats(c["etas"]), _floats(c["mean"]), _floats(c["se"])
        diverged = np.asarray(c["diverged"], dtype=bool)
        ok = ~diverged & np.isfinite(mean) & (mean > 0)
        ax.errorbar(_dodge(etas[ok], i, n), mean[ok], yerr=np.nan_to_num(se[ok]), fmt="o", color=s.color, ms=4,
                    capsize=2, lw=1, label=s.label, zorder=3)
        theory_etas, theory = _floats(c.get("theory_etas")), _floats(c.get("dmft"))
        if theory.size:
            ax.plot(theory_etas, theory, color=s.color, lw=1.3, ls="--")
        if diverged.any():
            ax.plot(etas[diverged], np.full(int(diverged.sum()), 1 - 0.02 - 0.03 * div_row), "o",
                    color=s.color, mfc="white", ms=4.5, transform=along, zorder=4)
            div_row += 1
        row = 0.04 + 0.05 * i
        sim = c.get("log10_eta_opt") or {}
        opt, opt_se = _value(sim.get("value")), _value(sim.get("stderr"))
        if np.isfinite(opt):
            xerr = None
            if np.isfinite(opt_se):
                xerr = [[10**opt - 10 ** (opt - opt_se)], [10 ** (opt + opt_se) - 10**opt]]
            ax.errorbar([10**opt], [row], xerr=xerr, fmt="v", color=s.color, ms=5, capsize=2, lw=1,
                        transform=along, zorder=4)
        dmft_opt = _value(c.get("dmft_log10_eta_opt"))
        if np.isfinite(dmft_opt):
            ax.plot([10**dmft_opt], [row], "|", color=s.color, ms=10, mew=2, transform=along, zorder=4)
        values += mean[ok].tolist() + theory.tolist()
        etas_all += etas.tolist()
    ax.set_xscale("log")
    ax.set_yscale("log")
    if etas_all:
        lo_eta, hi_eta = min(etas_all), max(etas_all)
        pad = (hi_eta / lo_eta) ** 0.04 if hi_eta > lo_eta else 1.5
        ax.set_xlim(lo_eta / pad, hi_eta * pad)
    lo, hi = _positive(np.array(values))
    _log_ylim(ax, lo, hi, bottom=bottom_strip, top=div_strip + legend_strip)
    _log_ticks(ax)
    at = "" if horizon is None else f" at t = {horizon}"
    ax.set(xlabel=ETA_LABEL, ylabel="final test loss $\\mathcal{L}$" + at)
    ax.set_title(title)
    ax.legend(fontsize=SMALL, loc="upper center", bbox_to_anchor=(0.5, 1 - div_strip), ncols=ncols, handlelength=1.2,
              columnspacing=1.0, borderaxespad=0.2)


# ------------------------------------------------------------------------------------------------ fig1
def _fmt(x: float) -> str:
    return f"{x:g}"


def plot_fig1(data: Data, params: Params) -> Figure:
    """bordelon/fig1: (a) μP and (b) NTK across widths nu, (c) μP across depths L (C0): test (thick) and train
    (thin) loss against t, simulation solid with +-1 SE band, DMFT dashed."""
    _, s, p = unpack(data, params, "fig1")
    nus = [float(nu) for nu in p["nus"]]
    fig, axes = style.figure(3, 1, width=4.3, height=3.7)
    widths = _series([curve_key(nu=nu) for nu in nus], [f"ν = {_fmt(nu)}" for nu in nus])
    loss_panel(axes[0, 0], s, widths, "(a) μP, widths ν")
    ntk = _series([curve_key(nu=nu, parameterisation="ntk") for nu in nus], [f"ν = {_fmt(nu)}" for nu in nus])
    loss_panel(axes[0, 1], s, ntk, rf"(b) NTK ($\gamma_0={REF}/\sqrt{{\nu}}$, ${REF}$ = {p['gamma_ref']:g}), widths ν")
    depths = _series([curve_key(L=L) for L in p["depths"]], [f"L = {L}" for L in p["depths"]])
    loss_panel(axes[0, 2], s, depths, f"(c) μP, depths L (ν = {p['nu']:g})")
    _style_key(fig, _loss_keys())
    _suptitle(fig, "fig1", f"C0: {_data_text(p)}; " + _setup(p, ("alpha", "nu", "L", "gamma0", "eta0", "sigma"))
              + "; L = hidden layers")
    return fig


# ------------------------------------------------------------------------------------------ fig2, fig7
def _transfer(data: Data, params: Params, fid: str, exp: str, setup: str) -> Figure:
    """NTK (a) and μP (b) sweeps over eta0, one curve per width (fig2, fig7)."""
    _, s, p = unpack(data, params, exp)
    nus = [float(nu) for nu in p["nus"]]
    fig, axes = style.figure(2, 1, width=5.0, height=4.8)
    for ax, par, title in zip(axes[0], ("ntk", "mup"), (r"(a) NTK: $\gamma_0=\gamma_{\mathrm{ref}}/\sqrt{\nu}$",
                                                         r"(b) μP: $\gamma_0=\gamma_{\mathrm{ref}}$ at every width"),
                              strict=True):
        series = _series([curve_key(nu=nu, parameterisation=par) for nu in nus], [f"ν = {_fmt(nu)}" for nu in nus])
        sweep_panel(ax, s, series, title, horizon=p["steps"] - 1)
    _style_key(fig, SWEEP_KEYS, ncols=3)
    _suptitle(fig, fid, setup)
    return fig


def plot_fig2(data: Data, params: Params) -> Figure:
    """bordelon/fig2: final test loss against eta0 (log-log) for NTK (a) and μP (b) at each width nu: simulation
    markers +-1 SE, DMFT lines on the fine grid, optima in the bottom strip, diverged points on the top edge."""
    p = params["fig2"]
    setup = (f"C0 ({_data_text(p)}): " + _setup(p, ("alpha", "L", "sigma", "steps")) + f"; μP γ₀ = {p['gamma0']:g}, "
             f"NTK γ_ref = {p['gamma_ref']:g}; {len(data['fig2'][0][SWEEP_ETAS])} simulated learning rates; claims "
             f"over ν ∈ {{{', '.join(_fmt(x) for x in p['claim_nus'])}}}")
    return _transfer(data, params, "fig2", "fig2", setup)


def plot_fig7(data: Data, params: Params) -> Figure:
    """bordelon/fig7: as fig2 on power-law data with population GD (gamma_ref = gamma_hat sqrt(D); μP gamma0 =
    gamma_ref, NTK gamma_ref/sqrt(nu)); DMFT by mode classes at the simulation D."""
    p = params["fig7"]
    g = p["gamma_hat"] * math.sqrt(p["dimension"])
    setup = (f"{_data_text(p)}, source exponent β = {p['source_exponent']:g}; "
             f"γ_ref = γ̂√D = {p['gamma_hat']:g}·√{p['dimension']} = {g:.3g}; "
             + _setup(p, ("L", "steps")) + "; mode-class DMFT at the simulation D")
    return _transfer(data, params, "fig7", "fig7", setup)


# ------------------------------------------------------------------------------------------------ fig3
def _alpha_panel(ax: Axes, curves: dict[str, Any], by_alpha: dict[str, Any], alphas: Sequence[float],
                 sigma: float, horizon: int) -> None:
    """fig3b: final test, min_t test and final train loss against alpha: simulation markers +-1 SE, DMFT lines."""
    names = [curve_key(alpha=float(a)) for a in alphas]
    x = np.array([float(a) for a in alphas])
    quantities = (("test", r"final test loss $\mathcal{L}(T)$"), ("min_test", r"$\mathrm{min}_t\,\mathcal{L}(t)$"),
                  ("train", r"final train loss $\hat{\mathcal{L}}(T)$"))
    colour = _palette([q for q, _ in quantities], (0, 4, 2))
    sim, theory = {}, {}
    for q, _ in quantities:
        est = [by_alpha.get(n, {}).get(q, {"value": None, "stderr": None}) for n in names]
        sim[q] = (np.array([_value(e["value"]) for e in est]), np.array([_value(e["stderr"]) for e in est]))
        dmft = []
        for n in names:
            y = _floats(((curves.get(n) or {}).get("dmft") or {}).get("train" if q == "train" else "test"))
            dmft.append(math.nan if not y.size or not np.isfinite(y).any() else
                        (np.nanmin(y) if q == "min_test" else y[-1]))
        theory[q] = np.array(dmft)
    lo, hi = _positive(*[v for v, _ in sim.values()], *theory.values())
    floor = max(lo, hi * 1e-5)  # interpolated train losses reach machine precision: drawn on the bottom edge
    below = False
    for i, (q, label) in enumerate(quantities):
        v, se = sim[q]
        xq = x + 0.03 * (i - 1)
        shown = v >= floor
        ax.errorbar(xq[shown], v[shown], yerr=np.nan_to_num(se[shown]), fmt="o", color=colour[q], ms=4, capsize=2,
                    lw=1, label=label, zorder=3)
        if (~shown & np.isfinite(v)).any():
            below = True
            ax.plot(xq[~shown & np.isfinite(v)], np.zeros(int((~shown & np.isfinite(v)).sum())), "v",
                    color=colour[q], ms=5, mfc="white", transform=blended_transform_factory(ax.transData, ax.transAxes),
                    clip_on=False, zorder=4)
        ax.plot(x, theory[q], color=colour[q], ls="--", lw=1.3)
    if sigma > 0:
        ax.axhline(sigma**2, color=GREY, ls=":", lw=1, label=rf"noise level $\sigma^2$ = {sigma**2:g}")
    ax.axvline(1.0, color=GREY, lw=0.8, ls="-.")
    ax.set_yscale("log")
    _log_ylim(ax, floor, hi, bottom=0.0, top=0.35)
    handles, _ = ax.get_legend_handles_labels()
    if below:
        handles.append(key(f"below {floor:.0e} (on the edge)", marker="v", filled=False))
    ax.legend(handles=handles, fontsize=SMALL, loc="upper center", ncols=2, handlelength=1.4, columnspacing=0.8)
    ax.set(xlabel=r"$\alpha=P/D$", ylabel=f"loss at t = {horizon}")
    ax.set_title(r"(b) full batch against $\alpha$")


def plot_fig3(data: Data, params: Params) -> Figure:
    """bordelon/fig3 (2 x 2): (a) full batch with label noise, test and train against t for the curve alphas;
    (b) against alpha: final test, min_t test, final train (DMFT lines, simulated markers); (c) one-pass SGD over
    batch sizes alpha_B with the full-batch alpha = 1 test curve in grey; (d) one-pass SGD over widths nu."""
    _, s, p = unpack(data, params, "fig3")
    curves, sweep = s["curves"], s["sweep"]
    fig, axes = style.figure(2, 2, width=5.0, height=3.9)
    alphas = [float(a) for a in p["curve_alphas"]]
    loss_panel(axes[0, 0], curves, _series([curve_key(alpha=a) for a in alphas], [f"α = {_fmt(a)}" for a in alphas]),
               "(a) full batch, repeated data")
    _alpha_panel(axes[0, 1], curves, sweep["by_alpha"], sweep["alphas"], p["sigma"], p["steps"] - 1)
    batches = [float(b) for b in p["sgd_batches"]]
    sgd = _series([curve_key(optimiser="sgd", alpha_B=b) for b in batches], [f"$\\alpha_B$ = {_fmt(b)}"
                                                                                for b in batches])
    one = curve_key(alpha=1.0)
    reference = [Series(one, "full batch α = 1", GREY)] if one in curves else []
    loss_panel(axes[1, 0], curves, sgd + reference, r"(c) one-pass SGD, batch $\alpha_B D$", which=("test",))
    nus = [float(nu) for nu in p["sgd_nus"]]
    b = float(p["sgd_nu_batch"])
    loss_panel(axes[1, 1], curves, _series([curve_key(optimiser="sgd", alpha_B=b, nu=nu) for nu in nus],
                                           [f"ν = {_fmt(nu)}" for nu in nus]),
               f"(d) one-pass SGD, $\\alpha_B$ = {_fmt(b)}, widths ν", which=("test",))
    _style_key(fig, _loss_keys(), ncols=4)
    _suptitle(fig, "fig3", f"C0 ({_data_text(p)}) with label noise: " + _setup(p, ("nu", "L", "gamma0", "eta0",
                                                                                   "sigma", "steps"))
              + "; (a, b) full batch, (c, d) one-pass SGD with fresh batches of α_B D samples")
    return fig


# ------------------------------------------------------------------------------------------------ fig4
def plot_fig4(data: Data, params: Params) -> Figure:
    """bordelon/fig4: depth-scaled residual nets, test (thick) and train (thin) loss against t: (a) over gamma0,
    (b) over beta0, (c) over depth L (simulation solid +-1 SE, DMFT dashed)."""
    _, s, p = unpack(data, params, "fig4")
    fig, axes = style.figure(3, 1, width=4.3, height=3.7)
    g = [float(x) for x in p["gamma0s"]]
    b = [float(x) for x in p["beta0s"]]
    loss_panel(axes[0, 0], s, _series([curve_key(gamma0=x) for x in g], [f"γ₀ = {_fmt(x)}" for x in g]),
               f"(a) richness γ₀ (L = {p['L']}, β₀ = {p['beta0']:g})")
    loss_panel(axes[0, 1], s, _series([curve_key(beta0=x) for x in b], [f"β₀ = {_fmt(x)}" for x in b]),
               f"(b) branch scale β₀ (L = {p['L']}, γ₀ = {p['gamma0']:g})")
    loss_panel(axes[0, 2], s, _series([curve_key(L=L) for L in p["depths"]], [f"L = {L}" for L in p["depths"]]),
               f"(c) depth L (β₀ = {p['beta0']:g}, γ₀ = {p['gamma0']:g})")
    _style_key(fig, _loss_keys())
    _suptitle(fig, "fig4", "residual blocks h ← h + β W h/√N with β = β₀/√L; " +
              _setup(p, ("alpha", "nu", "eta0", "sigma", "steps")))
    return fig


# ------------------------------------------------------------------------------------------------ fig5
def plot_fig5(data: Data, params: Params) -> Figure:
    """bordelon/fig5: final test loss against eta0 for residual nets, (a) constant beta = beta0 over depths L,
    (b) beta = beta0/sqrt(L): simulation markers +-1 SE, DMFT lines, optima strip, diverged points on top."""
    _, s, p = unpack(data, params, "fig5")
    fig, axes = style.figure(2, 1, width=5.0, height=4.8)
    for ax, scaled, depths, title in ((axes[0, 0], False, p["const_depths"], f"(a) constant β = {p['beta0']:g}"),
                                      (axes[0, 1], True, p["scaled_depths"], f"(b) β = {p['beta0']:g}/√L")):
        series = _series([curve_key(L=L, depth_scaled=scaled) for L in depths], [f"L = {L}" for L in depths])
        sweep_panel(ax, s, series, title, horizon=p["steps"] - 1)
    _style_key(fig, SWEEP_KEYS, ncols=3)
    _suptitle(fig, "fig5", f"{_data_text(p)}; " + _setup(p, ("alpha", "nu", "gamma0", "sigma",
                                                                             "steps")))
    return fig


# ------------------------------------------------------------------------------------------------ fig6
def _difficulty_panel(ax: Axes, s: dict[str, Any], p: dict[str, Any]) -> None:
    """fig6c: lazy and rich test loss against tau for each task (simulation +-1 SE, fitted slope in the legend),
    the b = 0 lazy closed form (dotted), the nu = inf DMFT of the rich runs (dashed), and the guide lines
    tau^-beta and tau^(-2 beta/(1+beta)) over the fit windows (their key: DIFFICULTY_KEYS, figure level)."""
    eta0 = p["eta0"]
    lazy_g, rich_g = min(p["gamma0s"]), max(p["gamma0s"])
    names = [(float(task["source_exponent"]), float(g)) for task in p["tasks"] for g in p["gamma0s"]]
    colour = _palette(names, ORDER)
    values: list[float] = []
    for beta, g in names:
        name = curve_key(source_exponent=beta, gamma0=g)
        c = s.get(name)
        if c is None:
            continue
        regime = "lazy" if g == lazy_g else "rich"
        slope = c.get("slope") or {}
        target = -2 * beta / (1 + beta) if regime == "rich" and beta < 1 else -beta
        fitted = (f"{_num(slope.get('value'))} ± {_num(slope.get('stderr'), '.1g')}"
                  if slope.get("value") is not None else "n/a (run too short)")
        label = f"β = {beta:g}, {regime}: {fitted} ({target:.3g})"
        values += loss_panel(ax, {name: c}, [Series(name, label, colour[beta, g])], "", which=("test",), eta0=eta0,
                             legend=False)
        tau = _time(c["t"], eta0)
        if c.get("lazy_closed_form") is not None and g == lazy_g:
            y = _floats(c["lazy_closed_form"])
            keep = tau > 0
            ax.plot(tau[keep], y[keep], color=colour[beta, g], ls=":", lw=1.4)
        if c.get("dmft_nu_inf") is not None:
            y = _floats(c["dmft_nu_inf"])
            tt = eta0 * np.arange(y.size, dtype=float)
            ax.plot(tt[1:], y[1:], color=colour[beta, g], ls="--", lw=1.2)
            values += y[1:].tolist()
        # guide line through the seed mean at the start of the fit window, shifted down by 2
        window = _floats(c.get("window_tau"))
        mean = _floats(c["test"]["mean"])
        if window.size == 2 and (regime == "lazy" or beta < 1):
            inside = (tau >= window[0]) & (tau <= window[1]) & np.isfinite(mean) & (mean > 0)
            if inside.any():
                j = int(np.argmax(inside))
                grid = np.geomspace(window[0], min(window[1], tau[inside].max()), 50)
                ax.plot(grid, mean[j] / 2 * (grid / tau[j]) ** target, ls=RICH_GUIDE if regime == "rich"
                        else LAZY_GUIDE, **GUIDE)
    ax.legend(fontsize="x-small", loc="lower left", handlelength=2.0, title="slope on the fit window ± SE (theory)",
              title_fontsize="x-small")
    lo, hi = _positive(np.array(values))
    _log_ylim(ax, lo, hi, bottom=0.36, top=0.03)
    ax.set_title(f"(c) centred output: lazy γ₀ = {lazy_g:g}, rich γ₀ = {rich_g:g}")


#: the key of fig6c's theory lines (figure level)
DIFFICULTY_KEYS = [key(r"(c) guide $\tau^{-\beta}$ over the fit window", ls=LAZY_GUIDE, **GUIDE),
                   key(r"(c) guide $\tau^{-2\beta/(1+\beta)}$ (rich, $\beta<1$)", ls=RICH_GUIDE, **GUIDE),
                   key(r"(c) lazy closed form, $b=0$, simulation D", ls=":", lw=1.4),
                   key(r"(c) rich: $\nu=\infty$ DMFT", ls="--", lw=1.2)]


def plot_fig6(data: Data, params: Params) -> Figure:
    """bordelon/fig6 (power-law data, log-log against tau = eta0 t): (a) one-pass SGD over batch sizes and
    population GD; (b) population GD over widths nu with the nu = inf DMFT (black); (c) lazy against rich with the
    exponent guide lines, the fitted slopes, the b = 0 lazy closed form and the nu = inf DMFT."""
    _, s_sgd, p_sgd = unpack(data, params, "fig6_sgd")
    _, s_w, p_w = unpack(data, params, "fig6_width")
    _, s_d, p_d = unpack(data, params, "fig6_difficulty")
    fig, axes = style.figure(3, 1, width=4.6, height=4.3, gridspec_kw={"width_ratios": [1.0, 1.0, 1.2]})
    names = [curve_key(optimiser="sgd", alpha_B=power_law_batch(p_sgd, b)) for b in p_sgd["batches"]]
    names.append(curve_key(optimiser="population"))
    labels = [f"batch {b}" for b in p_sgd["batches"]] + ["population GD"]
    loss_panel(axes[0, 0], s_sgd, _series(names, labels), f"(a) one-pass SGD (γ₀ = {p_sgd['gamma0']:g}, ν = "
               f"{p_sgd['nu']:g}, D = {p_sgd['dimension']})", which=("test",), eta0=p_sgd["eta0"])
    nus = [float(nu) for nu in p_w["nus"]]
    ax = axes[0, 1]
    loss_panel(ax, s_w, _series([curve_key(nu=nu) for nu in nus], [f"ν = {_fmt(nu)}" for nu in nus]),
               f"(b) population GD, widths ν (γ₀ = {p_w['gamma0']:g}, D = {p_w['dimension']})", which=("test",),
               eta0=p_w["eta0"], legend=False)
    inf = _floats(((s_w.get(curve_key(nu=math.inf)) or {}).get("dmft") or {}).get("test"))
    if inf.size:
        tau = p_w["eta0"] * np.arange(inf.size, dtype=float)
        ax.plot(tau[1:], inf[1:], color=style.EXACT, ls="--", lw=1.3, label=r"$\nu=\infty$ DMFT")
    ax.legend(fontsize=SMALL, loc="best", handlelength=1.6)
    _difficulty_panel(axes[0, 2], s_d, p_d)
    _style_key(fig, [*_loss_keys(train=False), *DIFFICULTY_KEYS], ncols=3)
    tasks = "; ".join(f"β = {t['source_exponent']:g}: D = {t['dimension']}, ν = {t['nu']:g}, T = {t['steps']}"
                      for t in p_d["tasks"])
    _suptitle(fig, "fig6", f"λ_k = k^-a, a = {p_sgd['spectral_exponent']:g}, λ_k ω_k = k^(-aβ-1), MLP L = "
              f"{p_sgd['L']}, η₀ = {p_sgd['eta0']:g}, mode-class DMFT at the simulation D. (a, b) β = "
              f"{p_sgd['source_exponent']:g}, T = {p_sgd['steps']}, S = {p_sgd['replicates']} (a: common seeds); "
              f"(c) {tasks}, S = {p_d['replicates']}")
    return fig


# ---------------------------------------------------------------------------------------------- table1
_SIZE = re.compile(r"([A-Za-z]+)\s*=\s*([0-9.eE+-]+)")


def _size(text: str) -> tuple[str, float]:
    """("T", 100.0) from "T = 100"."""
    m = _SIZE.search(text)
    return (m.group(1), float(m.group(2))) if m else ("", math.nan)


def plot_table1(data: Data, params: Params) -> Figure:
    """bordelon/table1: (a) the measured wall times (method, size, median of repeats, scaling law) as a table;
    (b) wall time against size (log-log) per method, with the fitted exponents and the T^3, D^2 guides."""
    _, s, p = unpack(data, params, "table1")
    rows = s["rows"]
    table_height = 0.26 * len(rows) + 0.5
    fig = plt.figure(figsize=(10.0, table_height + 4.4), layout="constrained")
    top, bottom = fig.subfigures(2, 1, height_ratios=[table_height, 3.8])
    ax_t, ax_w = top.subplots(), bottom.subplots()
    ax_t.axis("off")
    cells = [[r["method"], r["size"], f"{_value(r['wall_s']):.3g}", f"{_value(r.get('peak_MB')):.3g}",
              r["scaling"]] for r in rows]
    table = ax_t.table(cellText=cells, colLabels=["method", "size", "wall time (s)", "peak MB", "scaling"],
                       cellLoc="left", colLoc="left", colWidths=[0.4, 0.1, 0.12, 0.1, 0.28], bbox=[0.0, 0.0, 1.0, 1.0])
    table.auto_set_font_size(False)
    table.set_fontsize(8)
    for (r, _), cell in table.get_celld().items():
        cell.set_linewidth(0.4)
        if r == 0:
            cell.set_text_props(weight="bold")
    ax_t.set_title(f"(a) median wall time of {p['repeats']} runs; peak memory (tracemalloc) of one")

    methods = list(dict.fromkeys(r["method"] for r in rows))
    colour = _palette(methods, ORDER)
    for m in methods:
        pts = sorted((_size(r["size"])[1], _value(r["wall_s"])) for r in rows if r["method"] == m)
        unit = _size(next(r["size"] for r in rows if r["method"] == m))[0]
        x, y = np.array([q[0] for q in pts]), np.array([q[1] for q in pts])
        ax_w.plot(x, y, "o-" if unit == "T" else "s--", color=colour[m], ms=4.5, lw=1.1, label=m)
    exps = ((s.get("dmft_time_exponent"), "DMFT row-wise, MLP", 3, "T"),
            (s.get("simulation_time_exponent"), "simulation, reduced", 2, "D"))
    for exponent, prefix, power, unit in exps:
        pts = sorted((_size(r["size"])[1], _value(r["wall_s"])) for r in rows if r["method"].startswith(prefix))
        if pts and pts[-1][1] > 0:
            x = np.geomspace(pts[0][0], pts[-1][0], 20) if pts[0][0] < pts[-1][0] else np.array([pts[0][0]] * 2)
            ax_w.plot(x, pts[-1][1] * (x / pts[-1][0]) ** power, color="0.4", ls=":", lw=1.2,
                      label=f"guide $\\propto {unit}^{power}$; fitted exponent {_num(exponent)}")
    ax_w.set_xscale("log")
    ax_w.set_yscale("log")
    ax_w.set(xlabel="size: steps T (DMFT, circles) or dimension D (simulation, squares)",
             ylabel="median wall time (s)")
    ax_w.set_title("(b) wall time against size; exponents fitted on the two largest sizes")
    ax_w.legend(fontsize=SMALL, loc="center left", bbox_to_anchor=(1.02, 0.5), handlelength=2.2)
    _suptitle(fig, "table1", f"C0 (MLP L = {p['L']}, α = {p['alpha']:g}, ν = {p['nu']:g}) unless stated; checks: "
              f"row-wise vs fixed-point DMFT max rel. diff. {_num(s.get('solver_max_rel_diff'), '.1e')}, "
              f"reduced vs brute-force sampler {_num(s.get('sampler_max_rel_diff'), '.1e')} (D = "
              f"{p['check_dimension']})")
    return fig


# ----------------------------------------------------------------------------------------- figA1, figA2
def plot_figA1(data: Data, params: Params) -> Figure:
    """bordelon/figA1 (two-level spectrum lambda in {2, 0.5}): (a) test (thick) and train (thin) loss against t;
    (b) per-class loss p_k lambda_k E e_k^2 against t (simulation solid +-1 SE, DMFT dashed)."""
    _, s, p = unpack(data, params, "figA1")
    name = curve_key(data="two_level")
    fig, axes = style.figure(2, 1, width=4.6, height=3.8)
    loss_panel(axes[0, 0], {name: s}, [Series(name, "two-level data", style.PALETTE[0])], "(a) test and train loss")
    dmft = (s.get("dmft") or {}).get("class") or []
    classes = {}
    for k, c in enumerate(s.get("class", [])):
        entry = {"t": s["t"], "test": {"mean": c["mean"], "se": c["se"]}}
        if k < len(dmft):
            entry["dmft"] = {"test": dmft[k]}
        classes[class_curve(c["lambda"])] = entry
    lambdas = list(classes)
    loss_panel(axes[0, 1], classes, _series(lambdas, [f"class λ = {curve_changes(n)['lambda']}" for n in lambdas],
                                            [style.PALETTE[i] for i in (1, 2)][: len(lambdas)]),
               r"(b) per class: $p_k\lambda_k\,\mathbb{E}e_k^2$", which=("test",),
               ylabel=r"class loss $\mathcal{L}_k(t)$")
    _style_key(fig, _loss_keys())
    _suptitle(fig, "figA1", "λ ∈ {2, 0.5} on half the coordinates each, ω = 1; C0: " +
              _setup(p, ("alpha", "nu", "L", "gamma0", "eta0", "sigma", "steps")))
    return fig


def plot_figA2(data: Data, params: Params) -> Figure:
    """bordelon/figA2 (unequal widths, simulation only): (a) test loss against t per width pair (nu_1, nu_2);
    (b) initial loss against 1/nu_L (markers +-1 SE) with the line 1 + 1/(gamma0^2 nu_L) + sigma^2."""
    _, s, p = unpack(data, params, "figA2")
    pairs = [[float(r) for r in pair] for pair in p["width_ratios"]]
    names = [curve_key(width_ratios=pair) for pair in pairs]
    labels = [f"(ν₁, ν₂) = ({', '.join(_fmt(r) for r in pair)})" for pair in pairs]
    series = _series(names, labels)
    fig, axes = style.figure(2, 1, width=4.6, height=3.8)
    loss_panel(axes[0, 0], s, series, "(a) test loss per width pair", which=("test",))
    ax = axes[0, 1]
    last = np.array([pair[-1] for pair in pairs])
    for i, (ser, nu_l) in enumerate(zip(series, last, strict=True)):
        c = s.get(ser.name)
        if c is None:
            continue
        same = [j for j in range(len(last)) if last[j] == nu_l]
        x = _dodge(np.array([1 / nu_l]), same.index(i), len(same), step=0.06)
        mean, se = _value(c["test"]["mean"][0]), _value(c["test"]["se"][0])
        ax.errorbar(x, [mean], yerr=[0.0 if not np.isfinite(se) else se], fmt="o", color=ser.color, ms=5,
                    capsize=2, lw=1, label=ser.label, zorder=3)
    grid = np.geomspace(0.8 / last.max(), 1.25 / last.min(), 100)
    ax.plot(grid, 1 + grid / p["gamma0"] ** 2 + p["sigma"] ** 2, color=style.THEORY, lw=1.4,
            label=r"$1+1/(\gamma_0^2\nu_L)+\sigma^2$")
    log_axis(ax, "x")
    ax.set(xlabel=r"$1/\nu_L$ ($\nu_L=\nu_2$: last hidden width $N_L/D$)", ylabel=r"initial test loss $\mathcal{L}(0)$")
    ax.set_title(r"(b) $\mathcal{L}(0)$ depends on $\nu_L$ only")
    ax.legend(fontsize=SMALL, loc="upper left", handlelength=1.4)
    _style_key(fig, _loss_keys(train=False, dmft=False) + [key("formula (spec §3.7)", color=style.THEORY, ls="-")])
    _suptitle(fig, "figA2", f"MLP L = {p['L']}, c = √D/(γ₀ N_L), η = η₀ γ₀² N_L; C0: " +
              _setup(p, ("alpha", "gamma0", "eta0", "sigma", "steps")))
    return fig

"""Figures of the hayou document (spec shared/spec/hayou.md §5): one ``plot_<figure>(data, params)`` per figure.

``data[experiment] = (arrays, stats)``: the arrays of the sample file and the stats JSON written by
:func:`deeplimits.jobs.fit.fit` (keys ``parameters``, ``stats``, ``quantities``, ``index``); ``params[experiment]``
is the experiment's parameter dict; the experiments of each figure are
``deeplimits.documents.hayou.declaration.FIGURES``. Every size
(depths, widths, times, windows) is read from ``params``.

Notation (spec §2): n is the width, L the depth, t = l/L the layer time, M a number of samples (networks).
Conventions: simulations are histograms or markers with +-1 SE bars (+-2 SE where a panel says so, Clopper-Pearson
95% intervals for probabilities); theory curves are lines: red = the document's limit law (the SDE at L = inf),
black dashed = exact finite-L law, blue = infinite-width reference (n -> inf). Log quantities are taken on
non-collapsed samples only (the excluded fraction is stated); raw-scale heavy tails are drawn on a stated window
with the mass outside it in the legend (spec §7 pitfalls 1-2).
"""

from __future__ import annotations

import functools
import math
import textwrap
from collections.abc import Callable, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from deeplimits.distributions import normal_pdf
from deeplimits.documents.hayou import keys
from deeplimits.documents.hayou.declaration import FIGURES, LAYER_FIGURE_WIDTHS
from deeplimits.documents.hayou.fit import layer_values
from deeplimits.documents.hayou.sample import ou_zeta
from deeplimits.models.infdepth import closed_forms as th
from deeplimits.plotting import style
from deeplimits.plotting.common import (
    GRID,
    SMALL,
    Curve,
    Data,
    Hist,
    Params,
    distribution_panel,
    errorbar,
    fmt,
    gaussian,
    key,
    log_axis,
    panel_grid,
    qq,
    unpack,
)
from deeplimits.plotting.common import colours as _palette

LIMIT = {"color": style.THEORY, "lw": 1.6}  # the document's limit law (SDE, L -> inf)
EXACT = {"color": style.EXACT, "lw": 1.2, "ls": "--"}  # exact finite-L law
WIDE = {"color": style.BASELINE, "lw": 1.4, "ls": "--"}  # infinite-width reference
LEVEL = {"color": "0.3", "lw": 0.8, "ls": ":"}  # zero lines and other levels
#: palette order for widths, depths, ...: no blue (infinite width), no vermilion (limit), no grey (simulation)
ORDER = (1, 2, 4, 5, 9, 6, 8)
LETTERS = "abcdefghijkl"
GBM = r"GBM limit $\mathcal{N}(-t/2,\,t)$"
Z_LABEL = r"$Z=g(Y)=\mathrm{erfi}^{-1}(\beta Y+\gamma)$"
U_LABEL = r"$U_l=\log(\|\phi(Y_l)\|/\sqrt{n})$"
G_LABEL = r"$G_1=\log(\|\phi(Y_L)\|/\|\phi(Y_0)\|)$"


# ------------------------------------------------------------------------------------------- helpers
def _colours(keys: Sequence[Any]) -> dict[Any, Any]:
    return _palette(keys, ORDER)


def _m(count: int | float) -> str:
    """A sample count as "M = 100,000"."""
    return f"M = {int(count):,}"


def _num(x: Any, spec: str = ".3g") -> str:
    """A JSON number formatted, "n/a" for null."""
    return "n/a" if x is None else format(float(x), spec)


def _suptitle(fig: Figure, fid: str, setup: str) -> None:
    """The figure id, its topic and the setup wrapped to the figure width (lines break at spaces outside
    "a = b")."""
    nbsp = "\u00a0"
    setup = textwrap.fill(setup.replace(" = ", f"{nbsp}={nbsp}"), int(11.5 * fig.get_figwidth()),
                          break_long_words=False).replace(f"{nbsp}={nbsp}", " = ")
    fig.suptitle(f"hayou/{fid}: {FIGURES[fid].title}\n{setup}", fontsize="medium")


def _twice(est: dict[str, Any]) -> dict[str, Any]:
    """An estimate with its SE doubled (+-2 SE bars)."""
    return {**est, "stderr": None if est.get("stderr") is None else 2 * est["stderr"]}


def _dodge(x: np.ndarray, i: int, count: int, step: float = 0.03, log: bool = False) -> np.ndarray:
    """x shifted for series i of count (side by side markers)."""
    shift = step * (i - (count - 1) / 2)
    return np.asarray(x, dtype=float) * np.exp(shift) if log else np.asarray(x, dtype=float) + shift


def _column(p: dict[str, Any], t: float) -> int:
    """The column of the recorded time t in Y_at / Z_at."""
    return min(range(len(p["times"])), key=lambda j: abs(p["times"][j] - t))


def _window_note(outside: float, lo: float, hi: float) -> str:
    """Legend note: the fraction ``outside`` of the samples (from the stats) outside the plotted window [lo, hi]."""
    return f"mass outside [{lo:g}, {hi:g}]: {outside:.2%}"


def _moment_notes(stats: dict[str, Any], mean: float, var: float, digits: int = 3) -> list[str]:
    """Legend notes "mean/var estimate +- SE (theory x)" for a stats block {"mean", "var"}."""
    return [f"mean {fmt(stats['mean'], digits)} (theory {mean:.{digits}g})",
            f"var {fmt(stats['var'], digits)} (theory {var:.{digits}g})"]


def _panel(ax: Axes, values: np.ndarray, label: str, curves: Sequence[Curve], lo: float, hi: float, title: str,
           xlabel: str, notes: Sequence[str] = (), width: float | None = None) -> None:
    """One simulated sample as a density histogram with theory curves (the shared distribution panel)."""
    distribution_panel(ax, [Hist(values, 0, f"{label} ({_m(np.isfinite(values).sum())})")], curves, lo, hi,
                       width=width, notes=notes, xlabel=xlabel, count=None)
    ax.set_ylim(0, ax.get_ylim()[1] * 1.12)  # head room for legends with two-level labels
    ax.set_title(title)


def _log_density(ax: Axes, values: np.ndarray, lo: float, hi: float, bins: int, color: Any, label: str) -> None:
    """A step density histogram for a log-y panel (empty bins left out, density relative to all values)."""
    counts, edges = np.histogram(values, bins=bins, range=(lo, hi))
    dens = counts / (values.size * (edges[1] - edges[0]))
    ax.stairs(np.where(dens > 0, dens, np.nan), edges, color=color, lw=1.3, label=label)


# -------------------------------------------------------------------- exact finite-L laws, width 1
_FFT_POINTS = 2**16
_FFT_HALF_WIDTH = 40.0


@functools.lru_cache(maxsize=16)
def _log_product_law(factors: int, depth: int, positive: bool) -> tuple[np.ndarray, np.ndarray]:
    """Grid and density of sum_{j <= factors} log|1 + zeta_j / sqrt(depth)|, zeta_j iid N(0, 1) [derived, T4]:
    log|Y_l / Y_0| of the width-1 identity network. ``positive``: the factors conditioned on 1 + zeta/sqrt(L) > 0,
    i.e. log(Y_l / Y_0) of the width-1 ReLU network given Y_0 > 0 and no collapse (T5). The one-factor density
    e^x [N(e^x; 1, 1/L) + N(-e^x; 1, 1/L)] is convolved ``factors`` times by FFT on [-40, 40]."""
    h = 2 * _FFT_HALF_WIDTH / _FFT_POINTS
    x = (np.arange(_FFT_POINTS) - _FFT_POINTS // 2) * h
    u, sd = np.exp(x), 1 / math.sqrt(depth)
    dens = u * normal_pdf(u, 1.0, sd)
    if not positive:
        dens += u * normal_pdf(-u, 1.0, sd)
    mass = np.fft.ifftshift(dens / dens.sum())
    total = np.fft.irfft(np.fft.rfft(mass) ** factors, _FFT_POINTS)
    return x, np.maximum(np.fft.fftshift(total), 0.0) / h


def _log_product_pdf(factors: int, depth: int, positive: bool = False) -> Callable[[np.ndarray], np.ndarray]:
    """The density of :func:`_log_product_law` as a function."""
    x, dens = _log_product_law(int(factors), int(depth), positive)
    return lambda y: np.interp(y, x, dens)


def _log_normal(y: np.ndarray) -> np.ndarray:
    """Density of the GBM at t = 1 from Y_0 = 1: log Y ~ N(-1/2, 1) (zero for y <= 0)."""
    pos = np.where(y > 0, y, 1.0)
    return np.where(y > 0, normal_pdf(np.log(pos), -0.5, 1.0) / pos, 0.0)


# ---------------------------------------------------------------------------------------------- fig01
def plot_fig01(data: Data, params: Params) -> Figure:
    """hayou/fig01 (spec §5): 2 x 3 grid, one column per depth. Top: log|Y_L| of the identity network from Y_0 = 1;
    bottom: log(Y_L / Y_0) of the ReLU network on {Y_0 > 0, Y_L > 0} with the estimated P(Y_L <= 0). Red: the GBM
    limit N(-1/2, 1); black dashed: the exact finite-L laws (sum of L iid log-factors, FFT)."""
    a, s, p = unpack(data, params, "gbm")
    depths = p["depths"]
    j1 = _column(p, 1.0)
    fig, axes = style.figure(len(depths), 2, width=4.1, height=3.4)
    limit = (r"GBM limit $\mathcal{N}(-\frac{1}{2},1)$", gaussian(-0.5, 1.0), LIMIT)
    for i, depth in enumerate(depths):
        fit = s[f"L{depth}"]
        window = fit["window_log_abs_YL"]
        lo, hi = window["window"]
        y = np.log(np.abs(a[keys.activation_depth("identity", depth, "Y_at")][:, j1]))
        exact = ("exact finite-L law (T4)", _log_product_pdf(depth, depth), EXACT)
        notes = [f"mean {fmt(fit['log_abs_YL']['mean'], 3)} (exact {fit['exact_mean']:.3f})",
                 f"var {fmt(fit['log_abs_YL']['var'], 3)} (exact {fit['exact_var']:.3f})",
                 _window_note(window["mass_outside"], lo, hi)]
        _panel(axes[0, i], y, "network", [limit, exact], lo, hi, f"({LETTERS[i]}) identity, $Y_0=1$, L = {depth}",
               r"$\log|Y_L|$", notes)

        y0, yl = a[keys.activation_depth("relu", depth, "Y0")], a[keys.activation_depth("relu", depth, "YL")]
        kept = (y0 > 0) & (yl > 0)
        relu = fit["relu"]
        exact = ("exact finite-L law given no collapse", _log_product_pdf(depth, depth, positive=True), EXACT)
        notes = [rf"$\hat P(Y_L\leq0)$ = {fmt(relu['P_nonpositive'], 3)} (exact {relu['P_nonpositive_theory']:.4f})",
                 f"kept {{Y_0 > 0, Y_L > 0}}: {relu['kept_fraction']:.1%} of M",
                 f"mean {fmt(relu['log_ratio']['mean'], 3)}, var {fmt(relu['log_ratio']['var'], 3)}"]
        _panel(axes[1, i], np.log(yl[kept] / y0[kept]), "network, kept", [limit, exact], lo, hi,
               f"({LETTERS[i + len(depths)]}) ReLU, $Y_0\\sim\\mathcal{{N}}(0,1)$, L = {depth}",
               r"$\log(Y_L/Y_0)$ on $\{Y_0>0,\,Y_L>0\}$", notes)
    samples = a[keys.activation_depth("relu", depths[0], "Y0")].size
    _suptitle(fig, "fig01", r"n = 1, $Y_l=Y_{l-1}+W_l\phi(Y_{l-1})/\sqrt{L}$, exact Euler sampler S1, "
              f"{_m(samples)} per depth; depths L = {', '.join(map(str, depths))} [choice]")
    return fig


# ---------------------------------------------------------------------------------------------- fig02
def plot_fig02(data: Data, params: Params) -> Figure:
    """hayou/fig02: the OU activation phi(x) = zeta exp(g(x)^2) and the map g = erfi^-1(beta x + gamma) that turns
    the SDE into an OU process, for each parameter set, with the deterministic checks phi(0) = zeta, phi g' = sigma."""
    a, s, p = unpack(data, params, "ou_activation")
    x = a[keys.GRID]
    sets = list(range(len(p["parameters"])))
    colour = _colours(sets)
    fig, axes = style.figure(2, 1, width=4.8, height=3.8)
    ax_phi, ax_g = axes[0]
    for i in sets:
        par, fit = p["parameters"][i], s[f"set{i}"]
        rate = par["sigma"] ** 2
        label = (rf"$\beta$ = {par['beta']:g}, $\gamma$ = {par['gamma']:g}, $\zeta$ = {fit['zeta']:.4f} "
                 f"(a = σ = {rate:g})")
        ax_phi.plot(x, a[keys.parameter_set(i, "phi")], color=colour[i], lw=1.6, label=label)
        ax_phi.plot(-par["gamma"] / par["beta"], fit["phi_at_zero"], "o", color=colour[i], ms=5, mfc="white")
        ax_g.plot(x, a[keys.parameter_set(i, "g")], color=colour[i], lw=1.6,
                  label=f"{label}\nmax |φg′/σ − 1| = {_num(fit['max_rel_err_phi_gprime'], '.1e')}")
    handles, _ = ax_phi.get_legend_handles_labels()
    ax_phi.legend(handles=handles + [key(r"$\phi(-\gamma/\beta)=\zeta$", marker="o", filled=False)], fontsize=SMALL,
                  loc="upper center")
    ax_phi.set_ylim(0, ax_phi.get_ylim()[1] * 1.35)
    ax_phi.set(xlabel="$x$", ylabel=r"$\phi(x)$", xlim=(x[0], x[-1]))
    ax_phi.set_title(r"(a) activation $\phi(x)>0$, growth $\sim|x|\sqrt{\log|x|}$")
    ax_g.legend(fontsize=SMALL, loc="upper left")
    ax_g.set(xlabel="$x$", ylabel=r"$g(x)=\mathrm{erfi}^{-1}(\beta x+\gamma)$", xlim=(x[0], x[-1]))
    ax_g.set_ylim(ax_g.get_ylim()[0], ax_g.get_ylim()[1] + 0.5 * np.ptp(ax_g.get_ylim()))
    ax_g.set_title(r"(b) $Z=g(X)$ solves $dZ=-aZ\,dt+\sigma\,dB$")
    _suptitle(fig, "fig02", "two parameter sets [choice], both with OU rate a = σ² = 1: ζ = 2σ/(√π β)")
    return fig


# ------------------------------------------------------------------------------------- fig03, fig11, fig12
def _ou_z_panel(ax: Axes, a: dict, p: dict[str, Any], depth: int, t: float, fit: dict[str, Any], title: str,
                notes: Sequence[str] = ()) -> None:
    """Z = g(Y_tL) of the OU-activation network against the OU law N(Z_0 e^-t, (1 - e^-2t)/2) (red), whose mean and
    variance are the fit's ``theory_mean`` and ``theory_var`` of ``fit``."""
    z = a[keys.at_depth(depth, "Z_at")][:, _column(p, t)]
    mean, var = fit["theory_mean"], fit["theory_var"]
    sd = math.sqrt(var)
    label = rf"OU law $\mathcal{{N}}(m_t,v_t)$ = $\mathcal{{N}}$({mean:.3f}, {var:.3f})"
    _panel(ax, z, "network", [(label, gaussian(mean, var), LIMIT)], mean - 5.5 * sd, mean + 5.5 * sd, title,
           Z_LABEL.replace("Y", "Y_{tL}") if t < 1 else Z_LABEL.replace("Y", "Y_L"), notes)


def _ou_raw_panel(ax: Axes, a: dict, s: dict[str, Any], p: dict[str, Any], depth: int, title: str) -> None:
    """Y_L of the OU-activation network on [-window, window] (log density) against p_X1 (red), the density of
    X_1 = erfi(Z_1) (T6); the mass outside the window in the legend."""
    y = a[keys.at_depth(depth, "Y_at")][:, _column(p, 1.0)]
    par, w = p["activation"], float(p["window"])
    zeta = ou_zeta(par["beta"], par["sigma"])
    density = functools.partial(th.ou_output_density, t=1.0, y0=p["y0"], beta=par["beta"], gamma=par["gamma"],
                                zeta=zeta)
    notes = [f"mass outside [−{w:g}, {w:g}]: {s[f'L{depth}']['mass_outside_window']:.2%}"]
    _panel(ax, y, "network", [(r"limit density $p_{X_1}(y)=\mathcal{N}(g(y);m_1,v_1)\,g'(y)$", density, LIMIT)],
           -w, w, title, "$Y_L$", notes, width=w / 50)
    top = ax.get_ylim()[1]
    ax.set_yscale("log")
    ax.set_ylim(1e-5, top * 30)


def _ks_note(fit: dict[str, Any]) -> str:
    return rf"KS distance to $\mathcal{{N}}(m_1,v_1)$: {_num(fit['ks']['distance'])}"


def plot_fig03(data: Data, params: Params) -> Figure:
    """hayou/fig03: OU activation at the deepest depth: (a) Z = g(Y_L) against N(m_1, v_1); (b) Y_L on the window
    (log density) against the transformed density p_X1, with the mass outside."""
    a, s, p = unpack(data, params, "ou")
    depth = max(p["depths"])
    fit = s[f"L{depth}"]
    fig, axes = style.figure(2, 1, width=4.8, height=3.9)
    _ou_z_panel(axes[0, 0], a, p, depth, 1.0, fit, f"(a) $Z=g(Y_L)$, L = {depth}",
                [*_moment_notes(fit["Z"], fit["theory_mean"], fit["theory_var"]), _ks_note(fit)])
    _ou_raw_panel(axes[0, 1], a, s, p, depth, f"(b) $Y_L$ on the raw scale (log density), L = {depth}")
    _suptitle(fig, "fig03", _ou_setup(p, a, depth) + f"; L = {depth} [choice]")
    return fig


def _ou_setup(p: dict[str, Any], a: dict, depth: int) -> str:
    par = p["activation"]
    return (f"n = 1, OU activation β = {par['beta']:g}, γ = {par['gamma']:g}, σ = {par['sigma']:g} [choice], "
            f"$Y_0$ = {p['y0']:g}; S1 + S5 (erfi⁻¹), {_m(a[keys.at_depth(depth, 'Z_at')].shape[0])} per depth; OU law "
            r"$Z_t\sim\mathcal{N}(m_t,v_t)$, $m_t=Z_0e^{-t}$, $v_t=(1-e^{-2t})/2$")


def plot_fig11(data: Data, params: Params) -> Figure:
    """hayou/fig11: Z = g(Y_tL) at the recorded layer times of the deepest network against the OU marginals."""
    a, s, p = unpack(data, params, "ou")
    depth = max(p["depths"])
    fig, axes = style.figure(len(p["times"]), 1, width=4.1, height=3.5)
    for i, t in enumerate(p["times"]):
        fit = s["intermediate"][f"t{t:g}"]
        _ou_z_panel(axes[0, i], a, p, depth, t, fit, f"({LETTERS[i]}) t = {t:g}: layer {fit['layer']} of L = {depth}",
                    _moment_notes(fit, fit["theory_mean"], fit["theory_var"]))
    _suptitle(fig, "fig11", _ou_setup(p, a, depth) + f"; L = {depth}, times t [choice]")
    return fig


def plot_fig12(data: Data, params: Params) -> Figure:
    """hayou/fig12: OU activation against depth, one column per L: g(Y_L) against N(m_1, v_1) (top, with the KS
    distance, which decreases in L) and Y_L on the raw-scale window against p_X1 (bottom)."""
    a, s, p = unpack(data, params, "ou")
    depths = sorted(p["depths"])
    fig, axes = style.figure(len(depths), 2, width=4.1, height=3.5)
    for i, depth in enumerate(depths):
        fit = s[f"L{depth}"]
        _ou_z_panel(axes[0, i], a, p, depth, 1.0, fit, f"({LETTERS[i]}) $Z=g(Y_L)$, L = {depth}",
                    [*_moment_notes(fit["Z"], fit["theory_mean"], fit["theory_var"]), _ks_note(fit)])
        _ou_raw_panel(axes[1, i], a, s, p, depth, f"({LETTERS[i + len(depths)]}) $Y_L$, L = {depth}")
    _suptitle(fig, "fig12", _ou_setup(p, a, depths[0]) + f"; depths L = {', '.join(map(str, depths))} [choice]")
    return fig


# ---------------------------------------------------------------------------------------------- fig04
def plot_fig04(data: Data, params: Params) -> Figure:
    """hayou/fig04: conditional collapse probability P(phi(Y_L) = 0 | phi(Y_0) != 0) against L for each width (log
    scale): the conditional Monte Carlo estimate (filled, ±2 SE, the claims' estimate), the S1 counts (open, with
    Clopper-Pearson 95% intervals; zero counts drawn at 3/M as triangles) and the exact n = 1 curve
    1 - Phi(sqrt L)^L."""
    _, s, p = unpack(data, params, "collapse")
    widths, depths = sorted(p["widths"]), np.asarray(sorted(p["depths"]), dtype=float)
    colour = _colours(widths)
    fig, axes = style.figure(1, 1, width=9.5, height=5.0)
    ax = axes[0, 0]
    floor = np.inf
    for i, n in enumerate(widths):
        fits = [s[f"n{n}/L{d:g}"] for d in depths]
        xs = _dodge(depths, i, len(widths), step=0.012, log=True)
        value = np.array([f["p"]["value"] for f in fits], dtype=float)
        se = np.array([f["p"]["stderr"] for f in fits], dtype=float)
        ax.errorbar(xs, value, yerr=2 * se, fmt="o-", color=colour[n], ms=4.5, capsize=2, lw=1, label=f"n = {n}")
        alive = np.array([f["alive0"] for f in fits], dtype=float)
        counted = np.array([f["counted"]["value"] for f in fits], dtype=float)
        lo, hi = (np.array([f["ci95"][k] for f in fits], dtype=float) for k in (0, 1))
        seen = counted > 0
        ax.errorbar(xs[seen] * 1.04, counted[seen], yerr=[counted[seen] - lo[seen], hi[seen] - counted[seen]],
                    fmt="s", color=colour[n], ms=4, mfc="white", capsize=1.5, lw=0.8)
        ax.plot(xs[~seen] * 1.04, 3 / alive[~seen], "v", color=colour[n], ms=4, mfc="white")
        floor = min(floor, float(np.min(value)))
    grid = np.linspace(depths.min(), depths.max(), GRID)
    ax.plot(grid, th.relu1_collapse_probability(grid), **EXACT, label=r"exact n = 1: $1-\Phi(\sqrt{L})^L$ (T5)")
    handles, _ = ax.get_legend_handles_labels()
    handles += [key(f"filled: conditional Monte Carlo, ±2 SE\n({_m(p['conditional_samples'])} paths per (n, L))",
                    marker="o"),
                key(f"open: S1 counts, Clopper–Pearson 95%\n({_m(p['samples'])} per (n, L))", marker="s",
                    filled=False),
                key("no collapse counted: at 3/M", marker="v", filled=False)]
    ax.legend(handles=handles, fontsize=SMALL, loc="upper left", bbox_to_anchor=(1.02, 1.0))
    ax.set_yscale("log")
    ax.set_ylim(floor / 10, 1.0)
    log_axis(ax, "x")
    ax.set(xlabel="depth L", ylabel=r"$\hat P(\phi(Y_L)=0\mid\phi(Y_0)\neq0)$")
    ax.set_title("collapse is absorbing; its probability → 0 with L (and falls with n)")
    _suptitle(fig, "fig04", "ReLU, Y_0 ~ N(0, I_n), exact Euler sampler S1 [choice], conditioned on "
              "E_0 = {φ(Y_0) ≠ 0}")
    return fig


# ---------------------------------------------------------------------------------------- fig05, fig13
def _growth_panel(ax: Axes, a: dict, s: dict[str, Any], n: int, depth: int, title: str, lo: float, hi: float,
                  limit_line: bool = False) -> None:
    """G_1 on non-collapsed samples of width n against N(m_n, 1/n) (red), with mean, n Var, KS and the collapsed
    fraction of the stats in the legend."""
    g = a[keys.width_depth(n, depth, "G")]
    g = g[np.isfinite(g)]
    fit = s[f"n{n}"]
    m_n, collapsed = fit["m_n"], fit["collapsed_fraction"]
    if limit_line:
        ax.axvline(0.25, ymax=0.55, **WIDE, label=r"$n\to\infty$ limit 1/4 (Thm 2)")
    notes = [f"mean {fmt(fit['G'], 3)}", f"n·var {fmt(fit['n_var'], 3)}",
             f"KS distance {_num(fit['ks_overlay']['distance'], '.2g')}"]
    if collapsed:
        notes.append(f"collapsed by L (excluded): {collapsed:.2%} of E_0")
    _panel(ax, g, "network", [(rf"$\mathcal{{N}}(\bar m_n,1/n)$, $\bar m_n$ = {m_n:.4f}", gaussian(m_n, 1 / n),
                                LIMIT)], lo, hi, title, G_LABEL, notes, width=min(0.1, 0.15 / math.sqrt(n)))


def plot_fig05(data: Data, params: Params) -> Figure:
    """hayou/fig05: (a) mean G_1 given non-collapse (+-2 SE) against n with m_n, the integral (1/2n) int (E N_s - 2)
    ds of the same run, the identity rate (n-2)/(2n), and levels 0 and 1/4; inset: the sign change at n = 3 -> 4.
    (b) G_1 histograms for n = 2..5 with N(m_n, 1/n)."""
    a, s, p = unpack(data, params, "quasi_gbm")
    depth, widths = p["depth"], sorted(p["widths"])
    shown = [n for n in (2, 3, 4, 5) if n in widths]
    cells = [f"b{n}" for n in shown] + ["."] * (4 - len(shown))
    fig = plt.figure(figsize=(13.5, 6.4), layout="constrained")
    axd = fig.subplot_mosaic([["a", "a", cells[0], cells[1]], ["a", "a", cells[2], cells[3]]])
    ax = axd["a"]
    inset = ax.inset_axes([0.55, 0.06, 0.42, 0.34])
    grid = np.geomspace(1, max(widths), GRID)
    x = np.asarray(widths, dtype=float)
    for target in (ax, inset):
        target.axhline(0, **LEVEL)
        target.axhline(0.25, **WIDE, label=r"infinite width: 1/4 (Thm 2)")
        target.plot(grid, th.quasi_gbm_rate(grid), **LIMIT, label=r"$\bar m_n=\frac{1}{4(1-2^{-n})}-\frac{1}{n}$ "
                    "(t = 0 rate, T8)")
        target.plot(grid, (grid - 2) / (2 * grid), color=style.PALETTE[2], lw=1.2, ls="-.",
                    label="identity activation: (n−2)/(2n) (Prop. 9)")
        target.plot(x, [s[f"n{n}"]["integral"] for n in widths], "D", color=style.EXACT, ms=7, mfc="white",
                    label=r"$\frac{1}{2n}\int_0^1(\hat{\mathbb{E}}[N_s|E_0]-2)\,ds$, same run")
        errorbar(target, x, [_twice(s[f"n{n}"]["G"]) for n in widths], color=style.SIMULATION,
                 label=r"$\hat G_n$ = mean $G_1$ on non-collapsed, ± 2 SE")
    log_axis(ax, "x")
    ax.legend(fontsize=SMALL, loc="upper left")
    ax.set_ylim(-0.6, 0.62)
    ax.set(xlabel="width n", ylabel=r"mean log-growth $\mathbb{E}[G_1\mid E_0]$")
    ax.set_title(f"(a) regime change: negative for n ≤ 3, positive for n ≥ 4 (L = {depth})")
    inset.set(xlim=(2.6, 5.5), ylim=(-0.085, 0.095))
    inset.set_xscale("log")
    inset.set_xticks([3, 4, 5], ["3", "4", "5"])
    inset.set_xticks([], minor=True)
    inset.tick_params(labelsize="x-small")
    inset.set_title("zoom: n = 3, 4, 5", fontsize="x-small")
    ax.indicate_inset_zoom(inset, edgecolor="0.5")
    for i, n in enumerate(shown):
        _growth_panel(axd[f"b{n}"], a, s, n, depth, f"(b{i + 1}) n = {n}", -3.5, 2.5)
    _suptitle(fig, "fig05", f"ReLU, L = {depth} [choice], S1; {G_LABEL} given $E_0=\\{{\\phi(Y_0)\\neq0\\}}$"
              f" and no collapse; {_m(p['samples'])} per n (n ≥ {p['wide_from']}: {_m(p['wide_samples'])})")
    return fig


def plot_fig13(data: Data, params: Params) -> Figure:
    """hayou/fig13: G_1 histograms for n = 1, 4, 16, 64, 256 on one x axis with N(m_n, 1/n) and the limit 1/4."""
    a, s, p = unpack(data, params, "quasi_gbm")
    depth = p["depth"]
    widths = [n for n in (1, 4, 16, 64, 256) if n in p["widths"]] or sorted(p["widths"])[:5]
    fig, axes = style.figure(len(widths), 1, width=3.4, height=3.9, sharex=True)
    for i, (ax, n) in enumerate(zip(axes[0], widths, strict=True)):
        _growth_panel(ax, a, s, n, depth, f"({LETTERS[i]}) n = {n}, SD = {_num(s[f'n{n}']['sd']['value'])}",
                      -3.5, 2.0, limit_line=True)
    _suptitle(fig, "fig13", f"ReLU, L = {depth}, S1; $G_1$ given $E_0$ and no collapse; SD ≈ 1/√n → 0, so the "
              f"Gaussian overlay degrades into a Dirac mass at 1/4 [quantity: choice]")
    return fig


# ---------------------------------------------------------------------------------------------- fig06
def plot_fig06(data: Data, params: Params) -> Figure:
    """hayou/fig06: (a) depth first: pooled Y_L^i (L fixed, n growing) against N(0, e^(1/2)) (log density);
    (b) width first: n large, L growing, against the NNGP laws N(0, (1 + 1/(2L))^L) and e^(1/2); (c) the mean of
    S = ||Y_L||^2 / (n q0) against n and L with e^(1/2) and the NNGP variance."""
    a, s, p = unpack(data, params, "limits")
    deep, wide = p["depth_first"], p["width_first"]
    limit = s["limit_S"]
    fig, axes = style.figure(3, 1, width=4.6, height=4.2)
    ax_a, ax_b, ax_c = axes[0]
    lo, hi, bins = -6.0, 6.0, 60
    grid = np.linspace(lo, hi, GRID)
    colour = _colours(deep["widths"])
    for n in deep["widths"]:
        kurt = s["depth_first"][f"n{n}"]["excess_kurtosis"]
        _log_density(ax_a, a[keys.depth_first(n, "pooled")], lo, hi, bins, colour[n],
                     f"n = {n}: excess kurtosis {fmt(kurt, 2)}")
    ax_a.plot(grid, normal_pdf(grid, 0, math.sqrt(limit)), **LIMIT, label=r"$\mathcal{N}(0,e^{1/2})$ (Thm 2)")
    colour_l = _colours(wide["depths"])
    for depth in wide["depths"]:
        _log_density(ax_b, a[keys.width_first(depth, "pooled")], lo, hi, bins, colour_l[depth], f"L = {depth}")
        ax_b.plot(grid, normal_pdf(grid, 0, math.sqrt(s["width_first"][f"L{depth}"]["theory_S"])),
                  color=colour_l[depth], lw=1.0, ls="--")
    ax_b.plot(grid, normal_pdf(grid, 0, math.sqrt(limit)), **LIMIT, label=r"$\mathcal{N}(0,e^{1/2})$ (Thm 3)")
    ax_b.plot([], [], color="0.3", lw=1.0, ls="--",
              label=r"NNGP $\mathcal{N}(0,(1+\frac{1}{2L})^L)$, colour of L")
    pooled = [a[keys.depth_first(n, "pooled")].size for n in deep["widths"]] + [
        a[keys.width_first(depth, "pooled")].size for depth in wide["depths"]]
    for ax, title in ((ax_a, f"(a) depth first: L = {deep['depth']}, n grows"),
                      (ax_b, f"(b) width first: n = {wide['width']}, L grows")):
        ax.set_yscale("log")
        ax.set_ylim(1e-5, 300)
        ax.legend(fontsize=SMALL, loc="upper left")
        ax.set(xlim=(lo, hi), xlabel=r"pooled coordinates $Y^i_L/\sqrt{q_0}$", ylabel="density")
        ax.set_title(title)

    x_deep = np.asarray(deep["widths"], dtype=float)
    x_wide = np.asarray(wide["depths"], dtype=float)
    errorbar(ax_c, x_deep, [s["depth_first"][f"n{n}"]["S"] for n in deep["widths"]], color=style.SIMULATION,
             label=f"depth first (L = {deep['depth']}): x = n")
    errorbar(ax_c, x_wide, [s["width_first"][f"L{d}"]["S"] for d in wide["depths"]], color=style.PALETTE[2],
             marker="s", label=f"width first (n = {wide['width']}): x = L")
    lgrid = np.geomspace(min(x_wide.min(), x_deep.min()), max(x_wide.max(), x_deep.max()), GRID)
    ax_c.plot(lgrid, np.exp(lgrid * np.log1p(0.5 / lgrid)), **EXACT, label=r"NNGP at finite L: $(1+\frac{1}{2L})^L$")
    ax_c.axhline(limit, **LIMIT, label=r"both limits: $e^{1/2}$ = 1.6487")
    log_axis(ax_c, "x")
    ax_c.legend(fontsize=SMALL, loc="lower right")
    ax_c.set(xlabel="n (depth first) or L (width first)", ylabel=r"mean of $S=\|Y_L\|^2/(n\,q_0)$ ± 1 SE")
    ax_c.set_title("(c) one variance for both orders of limits")
    _suptitle(fig, "fig06", f"ReLU, $q_0$ = 1 (d = 1, x = 1), S1, {_m(p['samples'])} networks per setting [choice]; "
              "histograms pool the coordinates of the first networks "
              f"({min(pooled):,}–{max(pooled):,} values per curve)")
    return fig


# ---------------------------------------------------------------------------------------------- fig07
def _paths_panel(ax: Axes, paths: np.ndarray, c0: float, title: str) -> None:
    """Correlation paths c_{l/L} with the dashed infinite-width reference from the input cosine c0."""
    t = np.arange(paths.shape[1]) / (paths.shape[1] - 1)
    colour = _colours(range(paths.shape[0]))
    for i, path in enumerate(paths):
        ax.plot(t, path, color=colour[i], lw=0.9, alpha=0.85, label=f"{paths.shape[0]} network paths" if i == 0
                else None)
    tt = np.linspace(0, 1, GRID)
    ax.plot(tt, th.relu_correlation_path(c0, tt), **{**WIDE, "lw": 2.0},
            label=rf"infinite-width reference from $c_0$ = {c0:g}: "
            r"$\dot c=\frac{\sqrt{1-c^2}-c\,\arccos c}{2\pi}$ (T2; not in the paper)")
    ax.axhline(1, **LEVEL, label="degenerate: c = 1")
    ax.set(xlim=(0, 1), ylim=(-1.05, 1.15), xlabel="t = l/L", ylabel=r"pre-activation correlation $c_{l/L}$")
    ax.set_title(title)


def plot_fig07(data: Data, params: Params) -> Figure:
    """hayou/fig07: correlation paths of two inputs (S3) at n = 10 (a) and n = 100 (b) with the dashed infinite-width
    reference; (c) histograms of c_1 at both depths and widths with the reference c_1."""
    a, s, p = unpack(data, params, "correlation")
    n, wide, depth, short, c0 = p["width"], p["wide_width"], p["depth"], p["short_depth"], p["c0"]
    fig, axes = style.figure(3, 1, width=4.7, height=4.4)
    ax_a, ax_b, ax_c = axes[0]
    _paths_panel(ax_a, a[keys.width_depth(n, depth, "paths")], c0, f"(a) n = {n}, L = {depth}")
    _paths_panel(ax_b, a[keys.width_depth(wide, depth, "paths")], c0, f"(b) n = {wide}, L = {depth}")
    reference = float(s["reference_c1"])
    settings = [(n, depth), (n, short), (wide, depth)]
    colour = _colours(settings)
    for m, d in settings:
        c1 = a[keys.width_depth(m, d, "cL")]
        ax_c.hist(c1, bins=np.linspace(-1, 1, 41), density=True, histtype="step", lw=1.3, color=colour[m, d],
                  label=f"n = {m}, L = {d}: mean {fmt(s[f'n{m}/L{d}']['c1']['mean'], 3)} ({_m(c1.size)})")
    ax_c.axvline(reference, ymax=0.45, **WIDE, label=f"infinite-width $c_1$ = {reference:.4f}")
    ax_c.axvline(0.99, ymax=0.45, **LEVEL, label="c = 0.99")
    fit = s[f"n{n}/L{depth}"]
    handles, _ = ax_c.get_legend_handles_labels()
    notes = [rf"n = {n}: $\hat P(c_1>0.99)$ = {fmt(fit['P_above_0.99'], 2)}, "
             rf"SD($c_1$) = {_num(fit['sd']['value'], '.3f')}",
             f"KS L = {short} vs {depth} (n = {n}): p = {_num(s['ks_depths']['p_value'], '.2g')}"]
    ax_c.legend(handles=handles + [key(t) for t in notes], fontsize=SMALL, loc="upper left")
    ax_c.set_ylim(0, ax_c.get_ylim()[1] * 2.3)
    fig.legend(handles=ax_a.get_legend_handles_labels()[0], loc="outside lower left", ncols=3, fontsize=SMALL,
               title="(a), (b)", title_fontsize=SMALL)
    ax_c.set(xlim=(-1, 1.02), xlabel="$c_1$ (last layer)", ylabel="density")
    ax_c.set_title("(c) law of $c_1$: non-degenerate, L-independent")
    _suptitle(fig, "fig07", f"ReLU, inputs x_1 = (1, 0), x_2 = (1/2, √3/2) (cosine c_0 = {c0:g}) through shared "
              "weights, Gram sampler S3 [choice]; the network's c_0 is random at finite n, the reference starts "
              "at the input cosine")
    return fig


# ---------------------------------------------------------------------------------------------- fig08
def plot_fig08(data: Data, params: Params) -> Figure:
    """hayou/fig08: ||h_l|| / ||h_L|| against t = l/L per width (runs in E_0): median and 10-90% band (the fit's
    ``ratio_band``) and 5 runs, with the infinite-width reference e^((1-t)/4)."""
    a, s, p = unpack(data, params, "gradients")
    depth = p["depth"]
    widths = [run["width"] for run in p["runs"]]
    fig, axes = style.figure(len(widths), 1, width=4.2, height=3.8, sharey=True)
    t = np.arange(depth + 1) / depth
    for i, (ax, n) in enumerate(zip(axes[0], widths, strict=True)):
        ratio = a[keys.at_width(n, "ratio")][a[keys.at_width(n, "alive0")].astype(bool)]
        fit = s[f"n{n}"]
        lo, med, hi = (np.asarray(fit["ratio_band"][q], dtype=float) for q in ("q10", "median", "q90"))
        ax.fill_between(t, lo, hi, color=style.SIMULATION, alpha=0.25, lw=0, label="10–90% of runs")
        ax.plot(t, med, color=style.SIMULATION, lw=1.8, label="median")
        for j, run in enumerate(ratio[:5]):
            ax.plot(t, run, color=style.PALETTE[ORDER[j]], lw=0.7, alpha=0.8, label="5 runs" if j == 0 else None)
        ax.plot(t, th.gradient_norm_ratio(t), **{**WIDE, "lw": 1.8}, label=r"infinite width $e^{(1-t)/4}$ (T13)")
        handles, _ = ax.get_legend_handles_labels()
        notes = [rf"mean $\log\|h_0\|$ = {fmt(fit['log_h0'], 3)} ($n\to\infty$: 1/4)",
                 rf"99th percentile of $\max_l|\log\|h_l\||$: {fmt(fit['q99_max_abs_log'], 2)}",
                 r"max $|\langle h_0,Y_0\rangle-\langle h_L,Y_L\rangle|$ (rel.): "
                 f"{_num(fit['identity_max_rel_err'], '.0e')}"]
        ax.legend(handles=handles + [key(x) for x in notes], fontsize=SMALL, loc="upper right")
        ax.set_yscale("log")
        ax.set(xlim=(0, 1), xlabel="t = l/L", ylabel=r"$\|h_l\|\,/\,\|h_L\|$")
        ax.set_title(f"({LETTERS[i]}) n = {n}: {_m(fit['runs_in_E0'])} runs in $E_0$ (of {fit['runs']})")
    top = max(ax.get_ylim()[1] for ax in axes[0])
    axes[0, 0].set_ylim(axes[0, 0].get_ylim()[0], top * 8)
    log_axis(axes[0, 0], "y")
    _suptitle(fig, "fig08", f"ReLU, L = {depth}, $h_L=\\mathbf{{1}}/\\sqrt{{n}}$ [choice], back-propagated by "
              r"$h_{l-1}=h_l+L^{-1/2}\phi'(Y_{l-1})\odot W_l^\top h_l$ through the forward weights $W_l$ "
              "(explicit sampler S4)")
    return fig


# ---------------------------------------------------------------------------------------- fig09, fig10
def plot_fig09(data: Data, params: Params) -> Figure:
    """hayou/fig09: log|Y_tL| of the width-1 identity network at the recorded times of the deepest run against the
    GBM marginal N(-t/2, t) (red) and the exact law of floor(tL) factors (black dashed)."""
    a, s, p = unpack(data, params, "gbm")
    depth = max(p["depths"])
    y_at = a[keys.activation_depth("identity", depth, "Y_at")]
    fig, axes = style.figure(len(p["times"]), 1, width=3.9, height=3.5)
    for i, t in enumerate(p["times"]):
        fit = s[f"L{depth}"]["intermediate"][f"t{t:g}"]
        y = np.log(np.abs(y_at[:, i]))
        lo, hi = -0.5 * t - 5 * math.sqrt(t), -0.5 * t + 4 * math.sqrt(t)
        curves = [(GBM, gaussian(fit["theory_mean"], fit["theory_var"]), LIMIT),
                  (f"exact law of {fit['layer']} factors (T4)", _log_product_pdf(fit["layer"], depth), EXACT)]
        _panel(axes[0, i], y, "network", curves, lo, hi, f"({LETTERS[i]}) t = {t:g}: layer {fit['layer']} of {depth}",
               r"$\log|Y_{tL}|$", _moment_notes(fit, fit["theory_mean"], fit["theory_var"]))
    _suptitle(fig, "fig09", f"identity activation, n = 1, Y_0 = 1, L = {depth}, S1, {_m(y_at.shape[0])} "
              "(the fig01 run) [content: choice]")
    return fig


def plot_fig10(data: Data, params: Params) -> Figure:
    """hayou/fig10: Y_L of the width-1 identity network on the raw scale, window [-1, 5], against the log-normal
    density of the GBM limit; P(Y_L < 0) against the exact sign-flip probability, and the mass outside."""
    a, s, p = unpack(data, params, "gbm")
    depths = p["depths"]
    j1 = _column(p, 1.0)
    lo, hi = s[f"L{depths[0]}"]["window_YL"]["window"]
    fig, axes = style.figure(len(depths), 1, width=4.1, height=3.5)
    for i, depth in enumerate(depths):
        y = a[keys.activation_depth("identity", depth, "Y_at")][:, j1]
        fit = s[f"L{depth}"]
        notes = [rf"$\hat P(Y_L<0)$ = {fmt(fit['P_negative'], 2)} (exact {fit['flip_probability']:.2g})",
                 f"mean {fmt(fit['YL']['mean'], 3)} (martingale: 1)",
                 f"median {fmt(fit['median_YL'], 3)} (limit $e^{{-1/2}}$ = 0.607)",
                 _window_note(fit["window_YL"]["mass_outside"], lo, hi)]
        _panel(axes[0, i], y, "network", [(r"log-normal: $\log Y_1\sim\mathcal{N}(-\frac{1}{2},1)$", _log_normal,
                                           LIMIT)], lo, hi, f"({LETTERS[i]}) L = {depth}", "$Y_L$", notes,
               width=0.05)
    samples = a[keys.activation_depth("identity", depths[0], "Y_at")].shape[0]
    _suptitle(fig, "fig10", f"identity activation, n = 1, Y_0 = 1, S1, {_m(samples)} "
              f"per depth; raw-scale window [{lo:g}, {hi:g}] [choice]")
    return fig


# ---------------------------------------------------------------------------------------------- fig14-21
def _layer_grid(record: Sequence[int]):
    """One panel per recorded layer, 3 per row."""
    return panel_grid(len(record), 3, width=4.0, height=3.3)


def _layers_setup(p: dict[str, Any], a: dict, n: int, kept: int) -> str:
    alive0 = a[keys.at_width(n, "alive0")]
    alive = int(alive0.sum())
    return (rf"ReLU, n = {n}, L = {p['depth']} [choice], $Y_0\sim\mathcal{{N}}(0,I_n)$ redrawn per network, S1; "
            rf"{_m(kept)} networks in $E_0=\{{\phi(Y_0)\neq0\}}$ and not collapsed by L ({alive - kept:,} "
            f"collapsed and {alive0.size - alive:,} outside $E_0$ excluded); {U_LABEL}")


def _layer_figure(fid: str, doc: str, draw_panels: Callable[..., str]) -> Callable[[Data, Params], Figure]:
    """plot function of one of fig14-fig21 (named plot_<fid>, documented by ``doc``): one panel per recorded layer
    of the U_l samples at the figure's width n, drawn by ``draw_panels(axes, s, u, fit, p)`` (``s`` the stats of
    the experiment, ``fit`` those of width n), which returns what the suptitle adds to the set-up line."""
    n = LAYER_FIGURE_WIDTHS[fid]

    def plot(data: Data, params: Params) -> Figure:
        a, s, p = unpack(data, params, "layers")
        u = layer_values(a, n)
        fig, axes = _layer_grid(p["record"])
        extra = draw_panels(axes, s, u, s[f"n{n}"], p)
        _suptitle(fig, fid, _layers_setup(p, a, n, u.shape[0]) + extra)
        return fig

    plot.__name__ = plot.__qualname__ = f"plot_{fid}"
    plot.__doc__ = f"hayou/{fid}: {doc.format(n=n)}"
    return plot


def _scaled_layer_panels(axes, s: dict, u: np.ndarray, fit: dict, p: dict[str, Any]) -> str:
    """fig14-fig17: U_l histograms per recorded layer, standardised by the fit's mean and SD, against N(0, 1)."""
    z = (u - np.asarray(fit["mean"], dtype=float)) / np.asarray(fit["sd"], dtype=float)
    for j, (ax, layer) in enumerate(zip(axes, p["record"], strict=True)):
        notes = [f"skewness {_num(fit['skew'][j], '.3f')}", f"KS distance {_num(fit['ks_normal'][j], '.3f')}"]
        _panel(ax, z[:, j], "network, standardised", [(r"$\mathcal{N}(0,1)$", gaussian(0.0, 1.0), LIMIT)],
               -6.0, 4.0, f"({LETTERS[j]}) layer l = {layer} (t = {layer / p['depth']:.3g})",
               r"$(U_l-\bar U_l)/\mathrm{SD}(U_l)$", notes, width=0.1)
    return ""


def _raw_layer_panels(axes, s: dict, u: np.ndarray, fit: dict, p: dict[str, Any]) -> str:
    """fig18-fig21: raw U_l histograms per recorded layer with the line at u_inf(t), on the fit's one x window for
    every width (``raw_window``) with the fit's mass outside it; bin width min(window / 80, SD (ddof 0) / 6)."""
    lo, hi = s["raw_window"]
    for j, (ax, layer) in enumerate(zip(axes, p["record"], strict=True)):
        t = layer / p["depth"]
        ax.axvline(fit["u_inf"][j], ymax=0.6, **LIMIT, label=r"$u_\infty(t)=\frac{1}{2}\log\frac{q_0}{2}+"
                   rf"\frac{{t}}{{4}}$ = {fit['u_inf'][j]:.3f}")
        notes = [f"mean {_num(fit['mean'][j], '.3f')}, SD {_num(fit['sd'][j], '.3f')}",
                 _window_note(fit["mass_outside_window"][j], lo, hi)]
        _panel(ax, u[:, j], "network", [], lo, hi, f"({LETTERS[j]}) layer l = {layer} (t = {t:.3g})", U_LABEL,
               notes, width=min((hi - lo) / 80, fit["sd_ddof0"][j] / 6))
    return ("; red: the depth-then-width limit (Thm 2); one x window for every width "
            f"({', '.join(map(str, p['widths']))}) to show the concentration")


SCALED_LAYERS_DOC = ("standardised U_l = log(||phi(Y_l)|| / sqrt(n)) at each recorded layer, n = {n}, against "
                     "N(0, 1), with skewness and KS distance.")
RAW_LAYERS_DOC = ("raw U_l = log(||phi(Y_l)|| / sqrt(n)) at each recorded layer, n = {n}, with the depth-then-width "
                  "limit u_inf(t) = log(q0/2)/2 + t/4.")
plot_fig14, plot_fig15, plot_fig16, plot_fig17 = (_layer_figure(f, SCALED_LAYERS_DOC, _scaled_layer_panels)
                                                  for f in ("fig14", "fig15", "fig16", "fig17"))
plot_fig18, plot_fig19, plot_fig20, plot_fig21 = (_layer_figure(f, RAW_LAYERS_DOC, _raw_layer_panels)
                                                  for f in ("fig18", "fig19", "fig20", "fig21"))


# ---------------------------------------------------------------------------------------------- aux01
def plot_aux01(data: Data, params: Params) -> Figure:
    """hayou/aux01: identity activation, log(||Y_L|| / ||Y_0||): (a) mean +- SE against n with (n-2)/(2n);
    (b) n Var with 1; (c) histograms against N((n-2)/(2n), 1/n)."""
    a, s, p = unpack(data, params, "identity_norm")
    widths = sorted(p["widths"])
    x = np.asarray(widths, dtype=float)
    grid = np.geomspace(x.min(), x.max(), GRID)
    fig, axes = style.figure(3, 1, width=4.4, height=3.8)
    ax_a, ax_b, ax_c = axes[0]
    errorbar(ax_a, x, [s[f"n{n}"]["mean"] for n in widths], color=style.SIMULATION, label="network ± 1 SE")
    ax_a.plot(grid, th.identity_log_norm_law(grid)[0], **LIMIT, label=r"$(n-2)/(2n)$ (Prop. 9)")
    ax_a.axhline(0, **LEVEL, label="0")
    ax_a.set(xlabel="width n", ylabel=r"mean of $\log(\|Y_L\|/\|Y_0\|)$")
    ax_a.set_title("(a) drift negative only at n = 1")
    errorbar(ax_b, x, [s[f"n{n}"]["var"] for n in widths], scale=x, color=style.SIMULATION,
             label="network ± 1 SE")
    ax_b.axhline(1, **LIMIT, label="1 (Prop. 9)")
    ax_b.set(xlabel="width n", ylabel=r"$n\,\mathrm{Var}\log(\|Y_L\|/\|Y_0\|)$", ylim=(0.8, 1.25))
    ax_b.set_title("(b) variance t/n")
    for ax in (ax_a, ax_b):
        log_axis(ax, "x")
        ax.legend(fontsize=SMALL, loc="lower right" if ax is ax_a else "upper right")
    colour = _colours(widths)
    lgrid = np.linspace(-3.5, 2.0, GRID)
    for n in widths:
        values = a[keys.at_width(n, "log_ratio")]
        ax_c.hist(values, bins=np.linspace(-3.5, 2.0, 111), density=True, histtype="step", color=colour[n], lw=1.2,
                  label=f"n = {n} ({_m(values.size)})")
        mean, var = s[f"n{n}"]["theory_mean"], s[f"n{n}"]["theory_var"]
        ax_c.plot(lgrid, normal_pdf(lgrid, mean, math.sqrt(var)), color=colour[n], lw=1.0, ls="--")
    handles, _ = ax_c.get_legend_handles_labels()
    ax_c.legend(handles=handles + [key(r"dashed: $\mathcal{N}(\frac{n-2}{2n},\frac{1}{n})$", ls="--")],
                fontsize=SMALL, loc="upper left")
    ax_c.set_ylim(0, ax_c.get_ylim()[1] * 1.3)
    ax_c.set(xlim=(-3.5, 2.0), xlabel=r"$\log(\|Y_L\|/\|Y_0\|)$", ylabel="density")
    ax_c.set_title("(c) exact Gaussian law")
    _suptitle(fig, "aux01", rf"identity activation, L = {p['depth']}, $Y_0\sim\mathcal{{N}}(0,I_n)$, S1, "
              f"{_m(p['samples'])} per n (audit rows)")
    return fig


# ---------------------------------------------------------------------------------------------- aux02
def plot_aux02(data: Data, params: Params) -> Figure:
    """hayou/aux02: mean G_1 +- SE against alpha (symlog, so alpha = 0 shows) per width with the curves m_n(alpha),
    their limit m_n(0+) (open circles) and the ReLU value m_n(0) = m_n bar (bars): the pole discontinuity."""
    a, s, p = unpack(data, params, "piecewise")
    widths, alphas = sorted(p["widths"]), np.asarray(sorted(p["alphas"]), dtype=float)
    colour = _colours(widths)
    positive = alphas[alphas > 0]
    linthresh = float(positive.min()) if positive.size else 1e-3
    grid = np.geomspace(linthresh / 10, 1.0, 80)
    fig, axes = style.figure(1, 1, width=7.6, height=5.2)
    ax = axes[0, 0]
    for i, n in enumerate(widths):
        zero_plus = float(th.piecewise_linear_rate_zero_plus(n))
        curve = [th.piecewise_linear_rate(n, x) for x in grid]
        ax.plot(np.r_[0.0, grid], np.r_[zero_plus, curve], color=colour[n], lw=1.3)
        ax.plot(0, zero_plus, "o", color=colour[n], ms=6, mfc="white", zorder=4)
        ax.plot(0, th.quasi_gbm_rate(n), "_", color=colour[n], ms=16, mew=2.2, zorder=4)
        xs = np.where(alphas > 0, alphas * np.exp(0.04 * (i - (len(widths) - 1) / 2)),
                      0.12 * linthresh * (i - (len(widths) - 1) / 2))
        errorbar(ax, xs, [s[f"n{n}/{keys.alpha_key(x)}"]["G"] for x in alphas], color=colour[n], label=f"n = {n}")
    ax.axhline(0, **LEVEL)
    ax.set_xscale("symlog", linthresh=linthresh, linscale=0.6)
    ticks = sorted({0.0, *alphas.tolist()} - {0.75})
    ax.set_xticks(ticks, [f"{v:g}" for v in ticks])
    ax.set_xlim(-0.6 * linthresh, 1.3)
    handles, _ = ax.get_legend_handles_labels()
    handles += [key(r"mean $G_1$ ± 1 SE (collapsed excluded at α = 0)", marker="o"),
                key(r"$m_n(\alpha)$, t = 0 rate (T10)", ls="-"),
                key(r"$m_n(0^+)=\frac{1}{4}-\frac{1-2^{-n}}{n}$", marker="o", filled=False),
                key(r"$m_n(0)=\bar m_n$ (ReLU, given $E_0$): the pole", marker="_", ms=12, mew=2)]
    ax.legend(handles=handles, fontsize=SMALL, loc="lower left", bbox_to_anchor=(0.17, 0.0), ncols=2)
    ax.set_ylim(min(-0.62, ax.get_ylim()[0]), max(0.36, ax.get_ylim()[1]))
    ax.set(xlabel=r"negative slope $\alpha$ of $\phi(x)=x\,1_{x>0}+\alpha x\,1_{x\leq0}$ (symlog)",
           ylabel=r"mean log-growth $\mathbb{E}\,G_1$")
    ax.set_title(r"the limit $\alpha\to0^+$ misses the ReLU value; tuning α sets the sign at n = 3")
    _suptitle(fig, "aux02", rf"L = {p['depth']}, $Y_0\sim\mathcal{{N}}(0,I_n)$, S1, {_m(p['samples'])} per (n, α) "
              "(audit rows)")
    return fig


# ---------------------------------------------------------------------------------------------- aux03
def plot_aux03(data: Data, params: Params) -> Figure:
    """hayou/aux03: QQ plots (a) log ||phi(Y_L)|| of S1 against S4 on non-collapsed networks, with the collapse
    fractions; (b) c_1 of S3 against S4; two-sample KS p-values in the legends."""
    a, s, p = unpack(data, params, "validation")
    e, g = p["euler_vs_explicit"], p["gram_vs_explicit"]
    fig, axes = style.figure(2, 1, width=4.6, height=4.2)
    ax_a, ax_b = axes[0]
    s1, s4 = a[keys.sampler("S1", "phi_norm")], a[keys.sampler("S4", "phi_norm")]
    qq(ax_a, np.log(s4[s4 > 0]), np.log(s1[s1 > 0]), r"$\log\|\phi(Y_L)\|$, explicit weights (S4)",
       r"$\log\|\phi(Y_L)\|$, exact Euler identity (S1)",
       f"(a) S1 vs S4: n = {e['width']}, L = {e['depth']}", legend=False)
    notes = [f"KS p = {_num(s['ks_phi_norm']['p_value'], '.2g')} (non-collapsed)",
             f"collapsed: S1 {s['collapsed_S1']['value']:.2%}, S4 {s['collapsed_S4']['value']:.2%}",
             f"difference {fmt(s['collapse_difference'], 2)}"]
    ax_a.legend(handles=ax_a.get_legend_handles_labels()[0] + [key(t) for t in notes], fontsize=SMALL,
                loc="upper left")
    qq(ax_b, a[keys.sampler("S4_pair", "cL")], a[keys.sampler("S3", "cL")], "$c_1$, explicit weights (S4)",
       "$c_1$, Gram reduction (S3)",
       f"(b) S3 vs S4: n = {g['width']}, L = {g['depth']}, $c_0$ = {g['c0']:g}", legend=False)
    notes = [f"KS p = {_num(s['ks_correlation']['p_value'], '.2g')}"]
    ax_b.legend(handles=ax_b.get_legend_handles_labels()[0] + [key(t) for t in notes], fontsize=SMALL,
                loc="upper left")
    for ax in (ax_a, ax_b):
        ax.set_title(ax.get_title(), fontsize="medium")
    _suptitle(fig, "aux03", f"ReLU; {_m(e['samples'])} (a) and {_m(g['samples'])} (b) networks per sampler; "
              "the S2 check (fig05 statistics at two depths) is audited from the quasi_gbm run, not drawn here")
    return fig

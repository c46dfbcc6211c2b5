"""Figures of the bassetti document (spec shared/spec/bassetti.md §5): one ``plot_<figure>(data, params)`` per figure.

``data[experiment] = (arrays, stats)``: the arrays of the sample file and the stats JSON written by
:func:`deeplimits.jobs.fit.fit` (keys ``parameters``, ``stats``, ``quantities``); ``params[experiment]`` is the
experiment's parameter dict; the experiments of each figure are ``deeplimits.documents.bassetti.declaration.FIGURES``.

Conventions: ``N`` is a network width and ``alpha = L/N`` (spec §2); ``n`` is a number of samples (draws or
networks). Simulations are histograms, ECDFs and QQ points of the samples, or markers with +-1 SE bars and curves
of estimates read from the stats JSON (the fit computes every statistic); theory curves are lines: red =
proportional limit, black dashed = exact finite-N formula (coloured dashed when several N share a panel, in the
colour of their markers), blue dashed = NNGP (Q = I). Every suptitle names the seed claims S1-S4 the figure
supports. Heavy tails (spec §4): fourth moments are taken through Q, never from raw outputs (except where the raw
estimate is shown as the biased one).
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from deeplimits import stats as st
from deeplimits.distributions import normal_cdf, normal_pdf, normal_ppf
from deeplimits.documents.bassetti.declaration import FIGURES
from deeplimits.documents.bassetti.fit import subsample
from deeplimits.documents.bassetti.keys import (
    SURROGATE,
    alpha_name,
    d1_exact_key,
    d1_network_key,
    multi_input_key,
    profile_key,
    rho_name,
    sde_key,
    snapshot_key,
    snapshot_name,
    width_name,
)
from deeplimits.documents.bassetti.sample import WIDTH_PROFILES, depth
from deeplimits.models.linear import mixture as th
from deeplimits.plotting import style
from deeplimits.plotting.common import (
    GRID,
    QUANTILES,
    SMALL,
    Data,
    Hist,
    Params,
    distribution_panel,
    errorbar,
    gaussian,
    log_axis,
    qq,
    unpack,
)
from deeplimits.plotting.common import key as legend_key

LIMIT = {"color": style.THEORY, "lw": 1.6, "ls": "-"}  # proportional limit
NNGP = {"color": style.BASELINE, "lw": 1.4, "ls": "--"}  # Q = I
FINITE = {"color": style.EXACT, "lw": 1.2, "ls": "--"}  # exact finite-N formula
REFERENCE = {"color": "0.45", "lw": 1.0, "ls": ":"}  # levels and gates
#: palette order for widths, rho, i, ...: no blue (NNGP), no vermilion (limit), no grey (simulation)
ORDER = (1, 2, 4, 5, 9, 6, 8)
ALPHA = r"$\alpha = L/N$"
MAX_POINTS = 200_000  #: subsample for hexbins and 2-d histograms


# ------------------------------------------------------------------------------------------- helpers
def _colours(keys: Sequence[Any]) -> dict[Any, Any]:
    return {k: style.PALETTE[ORDER[i % len(ORDER)]] for i, k in enumerate(keys)}


def _n(count: int | float) -> str:
    """A sample count as "n = 1,000,000"."""
    return f"n = {int(count):,}"


def _floats(values: Sequence[Any]) -> np.ndarray:
    """A JSON list as floats (null -> NaN)."""
    return np.array([np.nan if v is None else float(v) for v in values])


def _suptitle(fig: Figure, fid: str, setup: str) -> None:
    """The figure id, its title with the seed claims, and the setup wrapped to the figure width (no spaces inside
    the setup's $...$ math: lines break at spaces)."""
    nbsp = "\u00a0"
    setup = textwrap.fill(setup.replace(" = ", f"{nbsp}={nbsp}"), int(12 * fig.get_figwidth()),
                          break_long_words=False).replace(f"{nbsp}={nbsp}", " = ")
    fig.suptitle(f"bassetti/{fid}: {FIGURES[fid].title}\n{setup}", fontsize="medium")


def _quantities(data: Data, exp: str) -> dict[str, dict[str, Any]]:
    """The named quantities of an experiment's stats JSON (KS results among them, for their p-values)."""
    return data[exp][1]["quantities"]


def _p(value: float | None) -> str:
    """A p-value for a legend ("< 1e-300" where it underflowed to 0, "n/a" if missing)."""
    if value is None:
        return "n/a"
    return "< 1e-300" if value == 0 else f"= {value:.2g}"


def _p_value(quantities: dict[str, dict[str, Any]], name: str) -> str:
    rec = quantities.get(name)
    return _p(None if rec is None else rec.get("p_value"))


def _present(wanted: Sequence[float], *available: Sequence[float]) -> list[float]:
    """The wanted alphas present in every list (else the first two common ones)."""
    common = [a for a in available[0] if all(any(abs(a - b) < 1e-12 for b in other) for other in available[1:])]
    chosen = [a for a in wanted if any(abs(a - c) < 1e-12 for c in common)]
    return chosen or common[:2]


def _finite_power(n: int, base: float, alphas: np.ndarray) -> np.ndarray:
    """prod_l base over L = alpha N equal layers, continued to non-integer L: base^(alpha N)."""
    return base ** (np.asarray(alphas) * n)


def _dodge(x: np.ndarray, i: int, count: int, log: bool = False, step: float = 0.02) -> np.ndarray:
    """x shifted for series i of count (side by side markers)."""
    shift = step * (i - (count - 1) / 2)
    return x * np.exp(shift) if log else x + shift


def _hist_markers(ax: Axes, x: np.ndarray, lo: float, hi: float, width: float, **kw: Any) -> None:
    """Density histogram as markers at the bin centres with +-1 SE (Poisson) bars; empty bins are not drawn and
    the lower bar is clipped for log axes."""
    dens, edges = st.density_histogram(x, width, lo, hi)
    counts = dens * x[np.isfinite(x)].size * width
    ok = counts > 0
    se = dens[ok] / np.sqrt(counts[ok])
    centre = (edges[:-1] + edges[1:])[ok] / 2
    ax.errorbar(centre, dens[ok], yerr=[np.minimum(se, 0.9 * dens[ok]), se], fmt="o", ms=3, capsize=0, lw=0.8,
                zorder=3, **kw)


def _estimates(values: Sequence[Any], ses: Sequence[Any]) -> list[dict[str, Any]]:
    return [{"value": v, "stderr": e} for v, e in zip(values, ses, strict=True)]


# ---------------------------------------------------------------------------------------------- fig1
def plot_fig1(data: Data, params: Params) -> Figure:
    """bassetti/fig1: log-density of one output s (D = P = 1, K = 1), one column per alpha: Rao-Blackwellised
    densities of the exact sampler for each N, brute-force network histogram markers, the limit p_alpha and the
    NNGP N(0, 1), with KS p-values of the network against the exact sampler and the NNGP; below, every density
    relative to the limit p_alpha (finite N converges to it, the NNGP lacks the tails)."""
    a, s, p = unpack(data, params, "d1")
    quantities = _quantities(data, "d1")
    sizes = [z["N"] for z in p["exact"]]
    n_net = p["network"]["N"]
    colour = _colours(sizes)
    grid = _floats(s["density_s"])
    fig, axes = style.figure(len(p["alphas"]), 2, width=4.3, height=2.9, sharex="col",
                             gridspec_kw={"height_ratios": [2.2, 1]})
    for i, alpha in enumerate(p["alphas"]):
        ax, ax_r = axes[0, i], axes[1, i]
        k = alpha_name(alpha)
        limit = th.normal_lognormal_pdf(grid, alpha)
        for n in sizes:
            rb = _floats(s["exact"][snapshot_name(width_name(n), alpha)]["rao_blackwell_pdf"])
            ax.plot(grid, rb, color=colour[n], lw=1.2, zorder=2.5)
            ax_r.plot(grid, rb / limit, color=colour[n], lw=1.2, zorder=2.5)
        ax.plot(grid, limit, **LIMIT, zorder=2)
        ax.plot(grid, normal_pdf(grid), **NNGP)
        ax_r.axhline(1, **LIMIT, zorder=2)
        ax_r.plot(grid, normal_pdf(grid) / limit, **NNGP)
        nodes, weights = th.log_Q11_quadrature([min(sizes)] * depth(alpha, min(sizes)))
        exact = (np.exp(-0.5 * grid[:, None] ** 2 / np.exp(nodes)) / np.sqrt(2 * np.pi * np.exp(nodes))) @ weights
        ax_r.plot(grid, exact / limit, **FINITE, zorder=3)
        net = a[d1_network_key(alpha, "s")]
        width = max(0.16, 16 / np.clip(np.sqrt(net.size) / 2, 20, 100))
        _hist_markers(ax, net, -8, 8, width, color=style.SIMULATION,
                      label=f"network N = {n_net}, L = {depth(alpha, n_net)} ({_n(net.size)})")
        fit = s["network"][k]
        notes = [f"KS network vs exact N = {n_net}: p {_p_value(quantities, f'ks_exact_{k}')}",
                 f"KS network vs NNGP: p {_p(fit['ks_nngp']['p_value'])}"]
        handles, _ = ax.get_legend_handles_labels()
        ax.legend(handles=handles + [legend_key(text) for text in notes], fontsize=SMALL, loc="upper left",
                  handlelength=1.0)
        ax.set(yscale="log", xlim=(-8, 8), ylim=(1e-5, 300), ylabel="density $p(s)$")
        ax.set_title(f"({'abcdef'[i]}) α = {alpha:g}")
        ax_r.set(ylim=(0.4, 1.6), xlabel="output $s$", ylabel=r"$p(s)\,/\,p_\alpha(s)$")
    counts = {n: a[d1_exact_key(n, p["alphas"][0], "Q")].size for n in sizes}
    keys = [legend_key(f"exact sampler N = {n}, Rao–Blackwellised ({_n(counts[n])})", colour[n], ls="-", lw=1.2)
            for n in sizes]
    keys += [legend_key(r"limit $p_\alpha(s)=\int\mathcal{N}(s;0,e^u)\,\mathcal{N}(u;-\alpha,2\alpha)\,du$",
                        **LIMIT),
             legend_key(r"NNGP $\mathcal{N}(0,1)$ (Q = I)", **NNGP),
             legend_key(f"exact law N = {min(sizes)} (Fourier inversion of §3.1), lower row", **FINITE),
             legend_key("network histogram ± 1 SE (markers)", style.SIMULATION, marker="o")]
    fig.legend(handles=keys, loc="outside lower center", ncols=3, fontsize=SMALL)
    _suptitle(fig, "fig1", "one output at one input (D = P = 1, K = 1); exact sampler Q = ∏ χ²_N/N, "
              "s = √Q g; network: explicit Gaussian weights")
    return fig


# ---------------------------------------------------------------------------------------------- fig2
def plot_fig2(data: Data, params: Params) -> Figure:
    """bassetti/fig2: normalised kurtosis E s^4 / (3 (E s^2)^2) = E Q^2 vs alpha (log scale) with the finite-N
    curves (1 + 2/N)^(alpha N), the limit e^(2 alpha) and the NNGP 1; (b) the same relative to e^(2 alpha)."""
    a, s, p = unpack(data, params, "d1")
    sizes = [z["N"] for z in p["exact"]]
    n_net = p["network"]["N"]
    colour = _colours(sizes)
    alphas = np.asarray(p["alphas"])
    grid = np.linspace(0, max(2.0, 1.1 * alphas.max()), GRID)
    fig, axes = style.figure(2, 1, width=5.0, height=4.2)
    ax_a, ax_b = axes[0]
    limit = th.g_limit(grid)
    series = len(sizes) + 2
    dodge = {"count": series, "step": 0.03}
    for j, (ax, scale) in enumerate(((ax_a, np.ones_like(alphas)), (ax_b, 1 / th.g_limit(alphas)))):
        norm = 1 if j == 0 else limit
        for i, n in enumerate(sizes):
            ax.plot(grid, _finite_power(n, 1 + 2 / n, grid) / norm, color=colour[n], lw=1.2, ls="--",
                    label=rf"$(1+2/N)^{{\alpha N}}$, N = {n}")
            est = [s["exact"][snapshot_name(width_name(n), al)]["EQ2"] for al in alphas]
            errorbar(ax, _dodge(alphas, i, **dodge), est, scale=scale, color=colour[n],
                     label=rf"exact sampler N = {n}: $\widehat{{\mathbb{{E}}Q^2}}$ ({_n(est[0]['n'])})")
        ax.plot(grid, limit / norm, **LIMIT, label=r"limit $e^{2\alpha}$")
        net = [s["network"][alpha_name(al)] for al in alphas]
        errorbar(ax, _dodge(alphas, len(sizes), **dodge), [f["kurtosis_via_Q"] for f in net], scale=scale / 3,
                 color=style.SIMULATION, marker="s",
                 label=rf"network N = {n_net}, via its Q: $\hat{{\mathbb{{E}}}}Q^2/(\hat{{\mathbb{{E}}}}Q)^2$"
                 ", batch SE")
        errorbar(ax, _dodge(alphas, len(sizes) + 1, **dodge), [f["raw_s4_over_3"] for f in net], scale=scale,
                 color=style.SIMULATION, marker="D", filled=False,
                 label=rf"network N = {n_net}, raw $\hat{{\mathbb{{E}}}}s^4/(3(\hat{{\mathbb{{E}}}}s^2)^2)$")
    ax_a.axhline(1, **NNGP, label="NNGP: 1")
    log_axis(ax_a, "y")
    ax_a.set(xlabel=ALPHA, ylabel=r"$\mathbb{E}s^4/(3(\mathbb{E}s^2)^2)=\mathbb{E}Q^2$", xlim=(0, grid[-1]))
    ax_a.set_title("(a) normalised kurtosis (3 for a Gaussian → 1 here)")
    ax_b.axhline(1, **LIMIT)
    ax_b.set(xlabel=ALPHA, ylabel=r"$\mathbb{E}Q^2\,/\,e^{2\alpha}$", xlim=(0, grid[-1]))
    ax_b.set_title(r"(b) relative to the limit: $(1+2/N)^{\alpha N}e^{-2\alpha}\approx 1-2\alpha/N$")
    fig.legend(handles=ax_a.get_legend_handles_labels()[0], loc="outside lower center", ncols=3, fontsize=SMALL)
    n_net_samples = net[0]["raw_s4_over_3"]["n"]
    _suptitle(fig, "fig2", f"D = P = 1; markers ± 1 SE; network {_n(n_net_samples)} per α (raw fourth moments are "
              "biased low by the heavy tails, spec §4)")
    return fig


# ---------------------------------------------------------------------------------------------- fig3
def _nngp_radius(level: float) -> float:
    """Radius where the N(0, I_2) density equals ``level``."""
    return float(np.sqrt(-2 * np.log(2 * np.pi * level)))


def plot_fig3(data: Data, params: Params) -> Figure:
    """bassetti/fig3: (a) hexbin log-density of (s_1, s_2) at alpha = 1 with the NNGP circles; (b) E[s_2^2 | |s_1|]
    in bins with the Rao-Blackwellised curve from Q; (c) Cov(s_1^2, s_2^2) vs alpha against g_L - 1, e^(2 alpha) - 1
    and 0; (d) Corr(s_1, s_2) with the +-2 SE band around 0."""
    a, s, p = unpack(data, params, "d2_exact")
    _, s_lim, p_lim = unpack(data, params, "d2_limit")
    ns, n_sur = p["N"], p_lim["N_surrogate"]
    n_big = max(ns)
    colour = _colours(ns)
    fig, axes = style.figure(2, 2, width=5.2, height=4.3)
    (ax_a, ax_b), (ax_c, ax_d) = axes

    alpha = _present([1.0], p["alphas"])[0]
    path = width_name(n_big)
    xy = subsample(a[snapshot_key(path, alpha, "s")], MAX_POINTS)
    lim, grid_size = 5.0, 60
    cell = (2 * lim / grid_size) * (2 * lim / int(grid_size / np.sqrt(3))) / 2  # hexagon area of matplotlib's lattice
    hb = ax_a.hexbin(xy[:, 0], xy[:, 1], C=np.full(len(xy), 1 / (len(xy) * cell)), reduce_C_function=np.sum,
                     gridsize=grid_size, extent=(-lim, lim, -lim, lim), norm=LogNorm(1e-5, 1.0), cmap="Greys",
                     mincnt=1, linewidths=0.1)
    fig.colorbar(hb, cax=ax_a.inset_axes([1.04, 0.0, 0.05, 1 / 1.3]), label=r"density of $(s_1, s_2)$")
    theta = np.linspace(0, 2 * np.pi, 200)
    for level in (1e-1, 1e-2, 1e-3, 1e-4):
        r = _nngp_radius(level)
        ax_a.plot(r * np.cos(theta), r * np.sin(theta), **NNGP)
        ax_a.text(r * np.cos(-0.9), r * np.sin(-0.9), f"$10^{{{int(np.log10(level))}}}$", color=style.BASELINE,
                  fontsize="x-small", ha="left", va="top")
    ax_a.legend(handles=[Patch(color="0.45", label=f"N = {n_big}, α = {alpha:g} ({_n(len(xy))})"),
                         legend_key(r"NNGP $\mathcal{N}(0,I)$ density contours", **NNGP)],
                fontsize=SMALL, loc="upper left")
    ax_a.set(xlim=(-lim, lim), ylim=(-lim, 1.6 * lim), aspect="equal", xlabel="$s_1$", ylabel="$s_2$")
    ax_a.set_title("(a) joint density: circular, heavier tails")

    cond_alphas = [al for al in p["alphas"] if al <= 1.0 + 1e-12] or p["alphas"]
    c_alpha = _colours(cond_alphas)
    for al in cond_alphas:
        fit = s[path][alpha_name(al)]
        binned, curve = fit["s2sq_given_abs_s1"], fit["s2sq_given_s1"]
        errorbar(ax_b, _floats(binned["abs_s1"]), binned["estimates"], color=c_alpha[al],
                 label=f"α = {al:g} ({_n(a[snapshot_key(path, al, 's')].shape[0])})")
        ax_b.plot(_floats(curve["s1"]), _floats(curve["value"]), color=c_alpha[al], lw=1.2)
    ax_b.axhline(1, **NNGP, label="NNGP: 1 (independent)")
    handles, _ = ax_b.get_legend_handles_labels()
    handles.append(legend_key("lines: " + r"$\sum_j w_j\,\mathbb{E}[s_2^2|s_1,Q_j]$, $w_j\propto\mathcal{N}(s_1;0,"
                              r"Q_{11,j})$", ls="-"))
    ax_b.legend(handles=handles, fontsize=SMALL, loc="upper left")
    log_axis(ax_b, "y")
    ax_b.set_ylim(top=ax_b.get_ylim()[1] * 6)
    ax_b.set(xlabel=r"$|s_1|$", ylabel=r"$\mathbb{E}[s_2^2\mid |s_1|]$ (binned, ± 1 SE)",
             xlim=(0, binned["edges"][-1]))
    ax_b.set_title(f"(b) conditional variance of $s_2$ (N = {n_big})")

    grid = np.linspace(0, 1.05 * max(max(p["alphas"]), max(p_lim["alphas"])), GRID)
    samplers = [(s[width_name(n)], p["alphas"], colour[n], "o", f"exact N = {n}") for n in ns]
    samplers.append((s_lim["surrogate"], p_lim["alphas"], style.THEORY, "s", f"limit: surrogate N' = {n_sur}"))
    for i, (fits, alphas, col, marker, label) in enumerate(samplers):
        est = [fits[alpha_name(al)]["cov_s2"] for al in alphas]
        errorbar(ax_c, _dodge(np.asarray(alphas), i, len(samplers)), est, color=col, marker=marker,
                 label=f"{label} ({_n(est[0]['n'])})")
    for n in ns:
        ax_c.plot(grid, _finite_power(n, 1 + 2 / n, grid) - 1, color=colour[n], lw=1.2, ls="--",
                  label=f"$g_L-1$, N = {n}")
    ax_c.plot(grid, th.g_limit(grid) - 1, **LIMIT, label=r"limit $e^{2\alpha}-1$")
    ax_c.axhline(0, **NNGP, label="NNGP: 0")
    ax_c.set_yscale("symlog", linthresh=0.1, linscale=0.4)
    ax_c.set_ylim(-0.02, 300 * (np.exp(2 * grid[-1]) - 1))
    ax_c.legend(fontsize=SMALL, loc="upper left")
    ax_c.set(xlabel=ALPHA, ylabel=r"$\mathrm{Cov}(s_1^2,s_2^2)$ (symlog)", xlim=(0, grid[-1]))
    ax_c.set_title(r"(c) dependent: $\hat{\mathbb{E}}[Q_{11}Q_{22}+2Q_{12}^2]-1$, batch SE")

    band_n = min(fits[alpha_name(al)]["corr_s"]["n"] for fits, alphas, *_ in samplers for al in alphas)
    band = 2 * np.sqrt(th.g_limit(grid) / band_n)
    ax_d.fill_between(grid, -band, band, color=style.BASELINE, alpha=0.15, lw=0,
                      label=r"$\pm2$ SE of zero: $2\sqrt{e^{2\alpha}/n}$")
    ax_d.axhline(0, **NNGP, label="theory (any α) and NNGP: 0")
    for i, (fits, alphas, col, marker, label) in enumerate(samplers):
        est = [fits[alpha_name(al)]["corr_s"] for al in alphas]
        errorbar(ax_d, _dodge(np.asarray(alphas), i, len(samplers)), est, color=col, marker=marker,
                 label=f"{label} ({_n(est[0]['n'])})")
    top = np.nanmax(np.abs(ax_d.get_ylim()))
    ax_d.set(xlabel=ALPHA, ylabel=r"$\mathrm{Corr}(s_1,s_2)$", xlim=(0, grid[-1]), ylim=(-top, 2.2 * top))
    ax_d.legend(fontsize=SMALL, loc="upper left")
    ax_d.set_title(r"(d) uncorrelated: ± 1 SE $=\sqrt{g_L/n}$")
    _suptitle(fig, "fig3", "two outputs at one input (D = 2, P = 1, K = 1), s | Q ~ N(0, Q); Bartlett sampler at "
              f"N = {', '.join(map(str, ns))}, limit surrogate N' = {n_sur}")
    return fig


# ---------------------------------------------------------------------------------------------- fig4
def plot_fig4(data: Data, params: Params) -> Figure:
    """bassetti/fig4 (D = 2): (a) E Q11^2, E Q11 Q22, E Q12^2 vs alpha, finite-N and limit curves; (b, c) log Q11
    and (d, e) log B22^2 = log(det Q/Q11) histograms at alpha = 0.5, 1 with N(-alpha, 2 alpha), N(-2 alpha, 2 alpha);
    (f) QQ of u^T Q u (u = (1, 1)/sqrt 2) against Q11."""
    a, s, p = unpack(data, params, "d2_exact")
    a_lim, s_lim, p_lim = unpack(data, params, "d2_limit")
    quantities = _quantities(data, "d2_exact")
    ns, n_sur = p["N"], p_lim["N_surrogate"]
    fig, axes = style.figure(3, 2, width=4.4, height=3.9)
    ax_m = axes[0, 0]

    moments = {"Q11Q11": r"$\mathbb{E}Q_{11}^2$", "Q11Q22": r"$\mathbb{E}Q_{11}Q_{22}$",
               "Q12Q12": r"$\mathbb{E}Q_{12}^2$"}
    c_mom = _colours(list(moments))
    grid = np.linspace(0, 1.05 * max(max(p["alphas"]), max(p_lim["alphas"])), GRID)
    styles = {n: ls for n, ls in zip(ns, (":", "--", "-.", (0, (1, 3))), strict=False)}
    markers = dict(zip(ns, "^vD<>", strict=False))
    paths = [(s[width_name(n)], p["alphas"], markers[n]) for n in ns]
    paths.append((s_lim["surrogate"], p_lim["alphas"], "o"))
    for which in moments:
        for n in ns:
            g, h = _finite_power(n, 1 + 2 / n, grid), _finite_power(n, 1 - 1 / n, grid)
            ax_m.plot(grid, th.Q_second_moments(g, h)[which], color=c_mom[which], lw=1.1, ls=styles[n])
        ax_m.plot(grid, th.Q_second_moments(th.g_limit(grid), th.h_limit(grid))[which], color=c_mom[which], lw=1.6)
        for i, (fits, alphas, marker) in enumerate(paths):
            for audited in (True, False):
                sel = [al for al in alphas if (al <= 0.5 + 1e-12) == audited]
                if not sel:
                    continue
                est = [fits[alpha_name(al)]["second_moments"][which] for al in sel]
                errorbar(ax_m, _dodge(np.asarray(sel), i, len(paths)), est, color=c_mom[which], marker=marker,
                         filled=audited)
    log_axis(ax_m, "y")
    keys = [legend_key(label, c_mom[k], ls="-", marker="s") for k, label in moments.items()]
    n_exact = a[snapshot_key(width_name(ns[0]), p["alphas"][0], "Q11")].size
    n_limit = a_lim[snapshot_key(SURROGATE, p_lim["alphas"][0], "Q11")].size
    keys += [legend_key(f"exact N = {n} ({_n(n_exact)}); formula", ls=styles[n], marker=markers[n]) for n in ns]
    keys += [legend_key(f"surrogate N' = {n_sur} ({_n(n_limit)}); limit formula", ls="-", marker="o"),
             legend_key("open: α > 0.5, heavy tails, not audited", marker="o", filled=False)]
    ax_m.legend(handles=keys, fontsize="x-small", loc="lower right")
    ax_m.set(xlabel=ALPHA, ylabel="second moment of $Q$", xlim=(0, grid[-1]), ylim=(0.003, None))
    ax_m.set_title(r"(a) $\frac{1}{3}\Pi g+(\delta\delta-\frac{1}{3}\Pi)h$, ± 1 SE (batch)")

    alphas = _present([0.5, 1.0], p["alphas"], p_lim["alphas"])
    c_n = _colours(ns)
    sde_alpha = p_lim.get("sde_alpha")
    panels = [(axes[0, 1 + j], al, 1) for j, al in enumerate(alphas[:2])]
    panels += [(axes[1, j], al, 2) for j, al in enumerate(alphas[:2])]
    for idx, (ax, al, row) in enumerate(panels):
        entry = "Q11" if row == 1 else "logB22sq"
        values = np.log if row == 1 else np.asarray  # log Q11, or log B22^2 as stored
        sur = values(a_lim[snapshot_key(SURROGATE, al, entry)])
        hists = [Hist(sur, 0, f"surrogate N' = {n_sur} ({_n(sur.size)})", fill=True)]
        for n in ns:
            x = values(a[snapshot_key(width_name(n), al, entry)])
            hists.append(Hist(x, 0, f"exact N = {n} ({_n(x.size)})", c_n[n]))
        if sde_alpha is not None and abs(sde_alpha - al) < 1e-12 and sde_key(entry) in a_lim:
            x = values(a_lim[sde_key(entry)])
            hists.append(Hist(x, 0, f"triangular SDE, {p_lim['sde_steps']} steps ({_n(x.size)})", style.PALETTE[5]))
        widths = [min(ns)] * depth(al, min(ns))
        m_fin, v_fin = th.log_Bii_moments(widths, row)
        m_lim, v_lim = th.log_Bii_moments_limit(al, row)
        curves = [(rf"limit $\mathcal{{N}}({-row * al:g},{2 * al:g})$", gaussian(float(m_lim), float(v_lim)), LIMIT),
                  (f"Gaussian, exact N = {min(ns)} moments", gaussian(float(m_fin), float(v_fin)), FINITE)]
        lo, hi = float(m_lim) - 4.5 * np.sqrt(float(v_lim)), float(m_lim) + 4.5 * np.sqrt(float(v_lim))
        distribution_panel(ax, hists, curves, lo, hi, count=None,
                           xlabel=r"$\log Q_{11}$" if row == 1 else r"$\log B_{22}^2=\log(\det Q/Q_{11})$")
        what = r"$\log Q_{11}$" if row == 1 else r"$\log B_{22}^2$"
        ax.set_title(f"({'bcde'[idx]}) {what}, α = {al:g}")

    ax_q = axes[1, 2]
    n_qq = min(ns)
    c_al = _colours(p["alphas"])
    path = width_name(n_qq)
    for j, al in enumerate(p["alphas"]):
        q11, q12, q22 = (a[snapshot_key(path, al, e)] for e in ("Q11", "Q12", "Q22"))
        half = q11.size // 2
        uqu = (q11[:half] + 2 * q12[:half] + q22[:half]) / 2
        qq(ax_q, np.log(q11[half:]), np.log(uqu), "", "", "", color=c_al[al], identity=j == len(p["alphas"]) - 1,
           legend=False, label=f"α = {al:g}: KS p {_p_value(quantities, f'ks_rotation_{path}_{alpha_name(al)}')}")
    ax_q.legend(fontsize=SMALL, loc="upper left", handlelength=1.2,
                title=f"N = {n_qq}, independent halves ({_n(half)} each)", title_fontsize=SMALL)
    ax_q.set(xlabel=r"quantile of $\log Q_{11}$", ylabel=r"quantile of $\log u^\top Q u$, $u=(1,1)/\sqrt{2}$")
    ax_q.set_title(f"(f) rotation invariance: QQ, {QUANTILES} quantiles")
    _suptitle(fig, "fig4", f"mixing matrix Q = B Bᵀ (Bartlett) at N = {', '.join(map(str, ns))}; limit: surrogate "
              f"N' = {n_sur} (own-N' formulas in the audit) and the triangular SDE at α = {sde_alpha:g}")
    return fig


# ---------------------------------------------------------------------------------------------- fig5
def plot_fig5(data: Data, params: Params) -> Figure:
    """bassetti/fig5 (D = 1, L = alpha N): (a) exact relative errors of g_L, h_L and of the log-moments against the
    limit vs N (log-log) with the first-order c/N terms; (b) KS distances of log Q to N(-alpha, 2 alpha) and of s to
    F_alpha with the null level 1.36/sqrt(n) and the exact population distances."""
    a, s, p = unpack(data, params, "d1_convergence")
    alpha, ns = p["alpha"], np.asarray(p["N"])
    fig, axes = style.figure(2, 1, width=5.0, height=4.2)
    ax_a, ax_b = axes[0]
    first = {"g": (2 * alpha, r"$|g_L/e^{2\alpha}-1|$", r"$2\alpha/N$"),
             "h": (alpha / 2, r"$|h_L/e^{-\alpha}-1|$", r"$\alpha/2N$"),
             "log_mean": (alpha / 3, r"$|\mathbb{E}\log Q+\alpha|$", r"$\alpha/3N$"),
             "log_var": (2 * alpha, r"$|\mathrm{Var}\,\log Q-2\alpha|$", r"$2\alpha/N$")}
    colour = _colours(list(first))
    n_grid = np.geomspace(ns.min(), ns.max(), 100)
    for name, (coef, label, formula) in first.items():
        err = s["errors"][name]
        ax_a.plot(err["N"], err["error"], "o-", color=colour[name], ms=4, lw=1.3,
                  label=f"{label}, slope {err['slope']:.3f}")
        ax_a.plot(n_grid, coef / n_grid, color=colour[name], lw=1.0, ls=":", label=f"first order {formula}")
    log_axis(ax_a, "xy")
    ax_a.legend(fontsize=SMALL, loc="lower left", ncols=2)
    ax_a.set_ylim(bottom=ax_a.get_ylim()[0] / 8)
    ax_a.set(xlabel="width $N$", ylabel="error of the exact finite-N value")
    ax_a.set_title(f"(a) exact formulas (§3.4) vs limit, α = {alpha:g}: rate 1/N")

    keys = [f"N{n}" for n in ns]
    ks_q, ks_s = ([s[which][k] for k in keys] for which in ("ks_logQ", "ks_s"))
    n_eff = ks_q[0]["n_eff"]
    u = np.linspace(-alpha - 9 * np.sqrt(2 * alpha), -alpha + 9 * np.sqrt(2 * alpha), 801)
    x = np.linspace(-8, 8, 401)
    pop_q, pop_s = [], []
    for n in ns:
        widths = [int(n)] * depth(alpha, int(n))
        _, cdf = th.log_Q11_law(widths, u)
        pop_q.append(np.abs(cdf - normal_cdf(u, -alpha, np.sqrt(2 * alpha))).max())
        nodes, weights = th.log_Q11_quadrature(widths)
        f_s = normal_cdf(x[:, None] * np.exp(-nodes / 2)) @ weights
        pop_s.append(np.abs(f_s - th.normal_lognormal_cdf(x, alpha)).max())
    c_q, c_s = style.PALETTE[1], style.PALETTE[2]
    ax_b.plot(ns, [k["distance"] for k in ks_q], "o", color=c_q, ms=5, label=rf"$\log Q$ vs $\mathcal{{N}}(-\alpha,"
              rf"2\alpha)$ ({_n(n_eff)})")
    ax_b.plot(ns, [k["distance"] for k in ks_s], "s", color=c_s, ms=5, mfc="white",
              label=rf"$s$ vs $F_\alpha$ ({_n(ks_s[0]['n_eff'])})")
    ax_b.plot(ns, pop_q, "-", color=c_q, lw=1.2, label=r"exact $\sup|F_N-F_{\rm limit}|$ of $\log Q$")
    ax_b.plot(ns, pop_s, "--", color=c_s, lw=1.2, label=r"exact $\sup|F_N-F_\alpha|$ of $s$")
    ax_b.axhline(1.36 / np.sqrt(n_eff), **REFERENCE, label=r"null level $1.36/\sqrt{n}$ (95%)")
    ax_b.axhline(ks_q[0]["critical"], color="0.45", lw=1.0, ls="-.", label="5σ critical distance")
    log_axis(ax_b, "xy")
    ax_b.legend(fontsize=SMALL, loc="lower left")
    ax_b.set_ylim(bottom=min(pop_s) / 8)
    ax_b.set(xlabel="width $N$", ylabel="Kolmogorov–Smirnov distance")
    ax_b.set_title(f"(b) KS distance to the limit (slope N ≤ 40: {s['ks_slope']:.2f})")
    _suptitle(fig, "fig5", f"one output (D = 1), α = L/N = {alpha:g}, N = {', '.join(map(str, ns))}; exact "
              f"sampler, {_n(n_eff)} draws per N")
    return fig


# ---------------------------------------------------------------------------------------------- fig6
def _mixture_density_2d(r2: np.ndarray, det_k: float, widths: Sequence[int]) -> np.ndarray:
    """Density of s = sqrt(Q11) K^{1/2} g (one output at two inputs) at x^T K^-1 x = r2, with the exact finite-N
    law of log Q11: int N_2(x; 0, e^u K) f(u) du."""
    u, w = th.log_Q11_quadrature(widths, points=401)
    var = np.exp(u)
    return (np.exp(-0.5 * r2[..., None] / var) / (2 * np.pi * var * np.sqrt(det_k))) @ w


def plot_fig6(data: Data, params: Params) -> Figure:
    """bassetti/fig6 (P = D = 2, K = [[1, rho], [rho, 1]]): (a) density contours of (s_1(x^1), s_1(x^2)) at
    alpha = contour_L/N against the exact mixture and the NNGP ellipses; (b) E[s_1(x^1)^2 s_2(x^2)^2] and
    (c) E[s_1(x^1)^2 s_1(x^2)^2] vs alpha per rho; (d) QQ: network and P x P mixture against the D x D mixture."""
    a, s, p = unpack(data, params, "multi_input")
    quantities = _quantities(data, "multi_input")
    n, depth_l, rhos = p["N"], p["L"], p["rhos"]
    colour = _colours(rhos)
    fig, axes = style.figure(2, 2, width=5.0, height=4.2)
    (ax_a, ax_b), (ax_c, ax_d) = axes

    rho = 0.5 if 0.5 in rhos else rhos[len(rhos) // 2]
    name = rho_name(rho)
    kernel = np.array([[1.0, rho], [rho, 1.0]])
    alpha_c = p["contour_L"] / n
    xy = subsample(a[multi_input_key(rho, "contour", "S")], MAX_POINTS * 2)
    lim, bins = 5.0, 81
    edges = np.linspace(-lim, lim, bins + 1)
    hist, _, _ = np.histogram2d(xy[:, 0], xy[:, 1], bins=[edges, edges])
    smooth = 1.5  # bins
    from scipy.ndimage import gaussian_filter  # lazy: only this figure smooths a histogram

    dens = gaussian_filter(hist, smooth) / (len(xy) * (edges[1] - edges[0]) ** 2)
    centres = (edges[:-1] + edges[1:]) / 2
    gx, gy = np.meshgrid(centres, centres, indexing="ij")
    inv = np.linalg.inv(kernel)
    r2 = inv[0, 0] * gx**2 + 2 * inv[0, 1] * gx * gy + inv[1, 1] * gy**2
    det_k = float(np.linalg.det(kernel))
    levels = [1e-3, 1e-2, 1e-1]
    # simulated contours only where the smoothed histogram holds >= 50 draws per smoothing disc (noise <~ 15%)
    disc = len(xy) * (edges[1] - edges[0]) ** 2 * 2 * np.pi * smooth**2
    sim_levels = [v for v in levels if v * disc >= 50]
    nngp = np.exp(-0.5 * r2) / (2 * np.pi * np.sqrt(det_k))
    exact = _mixture_density_2d(r2, det_k, [n] * p["contour_L"])
    if sim_levels:
        ax_a.contour(gx, gy, np.log10(np.maximum(dens, 1e-12)), levels=np.log10(sim_levels), colors=style.SIMULATION,
                     linewidths=1.8)
        lowest = f"$10^{{{int(np.log10(min(sim_levels)))}}}$"
        sim_key = legend_key(f"mixture N = {n}, L = {p['contour_L']} ({_n(len(xy))}), down to {lowest}",
                             style.SIMULATION, ls="-", lw=1.8)
    else:  # too few draws for density contours: the draws themselves
        pts = subsample(xy, 5000)
        ax_a.plot(pts[:, 0], pts[:, 1], ".", color=style.SIMULATION, ms=1.5, alpha=0.5, zorder=0)
        sim_key = legend_key(f"mixture N = {n}, L = {p['contour_L']}: draws ({_n(len(pts))})", style.SIMULATION,
                             marker=".")
    ax_a.contour(gx, gy, np.log10(exact), levels=np.log10(levels), colors=style.EXACT, linewidths=1.0,
                 linestyles="--")
    cs = ax_a.contour(gx, gy, np.log10(nngp), levels=np.log10(levels), colors=style.BASELINE, linewidths=1.2,
                      linestyles=":")
    ax_a.clabel(cs, fmt=lambda v: f"$10^{{{v:.0f}}}$", fontsize="x-small")
    ax_a.legend(handles=[sim_key,
                         legend_key(r"exact law $\int\mathcal{N}(0,Q_{11}K)\,dP_N(Q_{11})$", ls="--",
                                    color=style.EXACT),
                         legend_key(r"NNGP $\mathcal{N}(0,K)$", color=style.BASELINE, ls=":", lw=1.2)],
                fontsize="x-small", loc="upper left", title=r"density contours $10^{-1}, 10^{-2}, 10^{-3}$",
                title_fontsize="x-small")
    ax_a.set(xlim=(-lim, lim), ylim=(-lim, 1.6 * lim), aspect="equal", xlabel=r"$s_1(x^1)$", ylabel=r"$s_1(x^2)$")
    ax_a.set_title(f"(a) ρ = {rho:g}, α = {alpha_c:g}: same ellipses, heavier tails")

    grid = np.linspace(0, max(1.5, 1.1 * depth_l / n), GRID)
    alpha = depth_l / n
    g_n, h_n = _finite_power(n, 1 + 2 / n, grid), _finite_power(n, 1 - 1 / n, grid)
    g_lim, h_lim = th.g_limit(grid), th.h_limit(grid)
    for ax, which, formula in ((ax_b, "cross", "cross4"), (ax_c, "same", "same4")):
        for r in rhos:
            nm = rho_name(r)
            ax.plot(grid, th.multi_input_fourth(g_n, h_n, 1.0, 1.0, r)[which], color=colour[r], lw=1.2, ls="--")
            ax.plot(grid, th.multi_input_fourth(g_lim, h_lim, 1.0, 1.0, r)[which], color=colour[r], lw=1.6)
            errorbar(ax, [alpha - 0.06], [s[nm][formula]], color=colour[r], marker="D")
            # the network through its own Q (spec §4: moments via Q), and raw (heavy tails: biased low, SE too small)
            errorbar(ax, [alpha], [s[nm][f"network_{formula}_via_Q"]], color=colour[r], marker="o")
            errorbar(ax, [alpha + 0.06], [s[nm][f"network_{formula}_raw"]], color=colour[r], marker="o",
                     filled=False)
            if which == "same":
                ax.axhline(1 + 2 * r**2, **{**NNGP, "lw": 1.0})
        if which == "cross":
            ax.axhline(1, **NNGP)
        log_axis(ax, "y")
        ax.set(xlabel=ALPHA, xlim=(0, grid[-1]))
    net_n = a[multi_input_key(rhos[0], "network", "S")].shape[0]
    mix_n = a[multi_input_key(rhos[0], "mixture", "Q")].shape[0]
    keys = [legend_key(f"ρ = {r:g}", colour[r], ls="-", marker="o") for r in rhos]
    keys += [legend_key(f"finite N = {n} formula", ls="--"), legend_key("limit formula", ls="-"),
             legend_key(f"D×D mixture via Q, batch SE ({_n(mix_n)})", marker="D"),
             legend_key(f"network N = {n}, L = {depth_l}, via its Q ({_n(net_n)})", marker="o"),
             legend_key("network raw (heavy tails: biased low)", marker="o", filled=False)]
    keys += [legend_key(r"NNGP: 1 in (b), $\Pi^K=1+2\rho^2$ in (c)", **NNGP)]
    ax_b.legend(handles=keys[:len(rhos)], fontsize=SMALL, loc="upper left", title="(b), (c)", title_fontsize=SMALL)
    ax_c.legend(handles=keys[len(rhos):], fontsize="x-small", loc="upper left")
    ax_b.set(ylabel=r"$\mathbb{E}[s_1(x^1)^2\,s_2(x^2)^2]$")
    ax_b.set_title(r"(b) two outputs: $\frac{1}{3}\Pi^K g+(1-\frac{1}{3}\Pi^K)h$")
    ax_c.set(ylabel=r"$\mathbb{E}[s_1(x^1)^2\,s_1(x^2)^2]$")
    ax_c.set_title(r"(c) one output: $\Pi^K g$, $\Pi^K=1+2\rho^2$")
    ax_c.set_ylim(top=ax_c.get_ylim()[1] * 8)

    mix = a[multi_input_key(rho, "mixture", "S")][:, 0, 0]
    qq(ax_d, mix, a[multi_input_key(rho, "network", "S")][:, 0, 0], "", "", "", color=style.SIMULATION,
       identity=False, legend=False,
       label=f"network ({_n(net_n)}): KS p {_p_value(quantities, f'ks_T1_s1x1_{name}')}")
    qq(ax_d, mix, a[multi_input_key(rho, "pxp", "S")][:, 0, 0], "", "", "", color=style.PALETTE[2], identity=False,
       legend=False, label=f"P×P mixture: KS p {_p_value(quantities, f'ks_T2_s1x1_{name}')}")
    qq(ax_d, mix, normal_ppf, r"quantile of $s_1(x^1)$, D×D mixture " + f"({_n(mix.size)})",
       r"quantile of $s_1(x^1)$", f"(d) QQ: samplers agree, NNGP too light (ρ = {rho:g})",
       color=style.BASELINE,
       label=f"NNGP N(0, 1): KS p {_p_value(quantities, f'ks_T5_{name}')} (network)")
    ax_d.set_title(ax_d.get_title(), fontsize="medium")
    _suptitle(fig, "fig6", f"two outputs at two inputs (P = D = 2), K = [[1, ρ], [ρ, 1]]; N = {n}, L = {depth_l} "
              f"(α = {alpha:g}); markers ± 1 SE at α = {alpha:g}, side by side")
    return fig


# ---------------------------------------------------------------------------------------------- fig7
def plot_fig7(data: Data, params: Params) -> Figure:
    """bassetti/fig7: (a) posterior output correlation r(alpha) (T -> 0 weights) per label correlation rho_Y with the
    NNGP r = 0 and the labels' c_M; (b) predictive correlation at a held-out x_0 (T > 0 mixture) vs r; (c) ESS."""
    _, s, p = unpack(data, params, "posterior")
    rhos = p["rho_Y"]
    colour = _colours(rhos)
    fig, axes = style.figure(3, 1, width=4.6, height=4.3)
    ax_a, ax_b, ax_c = axes[0]
    draws = p["samples"]
    temp = p["T"]
    top = 0.0
    for i, rho in enumerate(rhos):
        fit = s[f"rho{rho:g}"]
        alphas = _floats(fit["alpha"])
        r, r_se = _floats(fit["r"]), _floats(fit["r_se"])
        errorbar(ax_a, alphas * np.exp(0.03 * (i - 1)), _estimates(r, r_se), color=colour[rho],
                 label=f"$\\rho_Y$ = {rho:g}: r ± 1 SE")
        ax_a.plot(alphas, r, color=colour[rho], lw=0.8, alpha=0.6)
        ax_a.axhline(fit["c_M"], color=colour[rho], lw=1.0, ls="-.", label=f"labels' $c_M$ = {fit['c_M']:.2f}")
        pred = _floats(fit["predictive_corr"])
        ax_b.errorbar(r[1:], pred[1:], xerr=r_se[1:], fmt="o", color=colour[rho], ms=4, capsize=2, lw=1,
                      label=f"$\\rho_Y$ = {rho:g}")
        top = max(top, np.nanmax(np.abs(pred - r)))
        ax_c.plot(alphas[1:], _floats(fit["ess"])[1:], "o-", color=colour[rho], ms=4, lw=1,
                  label=f"$\\rho_Y$ = {rho:g}")
    ax_a.axhline(0, **NNGP, label="NNGP: r = 0 (Q = I)")
    ax_a.set_xscale("symlog", linthresh=0.05, linscale=0.6)
    ticks = sorted({0.0, *p["alphas"]})
    ax_a.set_xticks(ticks, [f"{v:g}" for v in ticks])
    ax_a.set_xlim(-0.01, 1.3 * max(ticks))
    ax_a.set_ylim(-0.1, 1.45)
    ax_a.legend(fontsize=SMALL, loc="upper left", ncols=2)
    ax_a.set(xlabel=ALPHA + " (α = 0: Q = I)", ylabel=r"$r=\mathbb{E}[Q_{12}|Y]/\sqrt{\mathbb{E}[Q_{11}|Y]\,"
             r"\mathbb{E}[Q_{22}|Y]}$")
    ax_a.set_title(r"(a) posterior output correlation, $T\to 0$ weights")

    lims = [-0.05, 1.05]
    ax_b.plot(lims, lims, **LIMIT, label=r"$T\to0$: predictive corr. $= r$")
    ax_b.legend(fontsize=SMALL, loc="upper left", title=f"max |difference| = {top:.3f}", title_fontsize=SMALL)
    ax_b.set(xlim=lims, ylim=lims, aspect="equal", xlabel=r"$r$ from the $T\to0$ weights (± 1 SE)",
             ylabel=f"predictive correlation at $x_0$, T = {temp:g}")
    ax_b.set_title(f"(b) held-out input, full T = {temp:g} mixture")

    ax_c.axhline(500, **REFERENCE, label="gate: ESS = 500")
    ax_c.axhline(draws, color="0.45", lw=1.0, ls="--", label=f"prior draws ({_n(draws)})")
    log_axis(ax_c, "xy")
    ax_c.legend(fontsize=SMALL, loc="lower left", ncols=2)
    ess = [v for rho in rhos for v in _floats(s[f"rho{rho:g}"]["ess"])[1:] if np.isfinite(v)]
    ax_c.set_ylim(min(min(ess), 500) / 30, draws * 3)
    ax_c.set(xlabel=ALPHA, ylabel=r"effective sample size $(\sum w)^2/\sum w^2$")
    ax_c.set_title(r"(c) importance weights ($T\to 0$)")
    _suptitle(fig, "fig7", f"D = 2 outputs, P = {p['P']} inputs $x^\\mu\\sim\\mathcal{{N}}(0,I)$ in "
              f"$N_0$ = {p['N_0']} dimensions, labels with correlation $\\rho_Y$; Gaussian likelihood T = {temp:g}; "
              f"prior: surrogate N' = {p['N_surrogate']}, {_n(draws)} draws, importance-weighted")
    return fig


# ---------------------------------------------------------------------------------------------- fig8
PROFILE_TEXT = {"A": "[200, 600]×100", "B": "300×200", "C": "100×50, 300×50", "D": "400×200 (control)"}


def _ecdf(x: np.ndarray, points: int = 800) -> tuple[np.ndarray, np.ndarray]:
    probs = (np.arange(points) + 0.5) / points
    return np.quantile(x, probs), probs


def plot_fig8(data: Data, params: Params) -> Figure:
    """bassetti/fig8 (D = 2, Bartlett): (a) ECDFs of log Q11 for the width profiles A-D with N(-a, 2a), a = sum 1/N_l;
    (b) ECDF minus the limit CDF with the exact finite-width CDFs; (c) means and (d) variances of log Q11 and
    log B22^2 per profile against the exact and the limit values."""
    a, s, p = unpack(data, params, "widths")
    names = list(WIDTH_PROFILES)
    colour = _colours(names)
    fig, axes = style.figure(2, 2, width=5.0, height=4.0)
    (ax_a, ax_b), (ax_c, ax_d) = axes
    alpha_eff = {nm: th.alpha_eff(WIDTH_PROFILES[nm]) for nm in names}
    ref = alpha_eff["A"]
    lo, hi = -ref - 4 * np.sqrt(2 * ref), -ref + 4 * np.sqrt(2 * ref)
    u = np.linspace(lo, hi, 401)
    n_samples = a[profile_key(names[0], "Q11")].size
    for nm in names:
        lq = np.log(a[profile_key(nm, "Q11")])
        qx, probs = _ecdf(lq)
        label = f"{nm}: {PROFILE_TEXT.get(nm, '')}, Σ1/N = {alpha_eff[nm]:.3g}"
        ax_a.plot(qx, probs, color=colour[nm], lw=1.3, drawstyle="steps-post", label=label)
        ax_b.plot(qx, probs - normal_cdf(qx, -ref, np.sqrt(2 * ref)), color=colour[nm], lw=1.1,
                  drawstyle="steps-post")
        _, cdf = th.log_Q11_law(WIDTH_PROFILES[nm], u)
        ax_b.plot(u, cdf - normal_cdf(u, -ref, np.sqrt(2 * ref)), color=colour[nm], lw=1.0, ls="--")
    for al in sorted({round(v, 9) for v in alpha_eff.values()}, reverse=True):
        ax_a.plot(u, normal_cdf(u, -al, np.sqrt(2 * al)), **{**LIMIT, "ls": "-" if al == round(ref, 9) else "--"},
                  label=rf"limit $\mathcal{{N}}(-a,2a)$, a = {al:.3g}", zorder=1)
    dkw = np.sqrt(np.log(2 / 0.05) / (2 * n_samples))
    ax_b.axhspan(-dkw, dkw, color="0.5", alpha=0.15, lw=0, label=f"95% DKW band of one ECDF ({_n(n_samples)})")
    ax_b.axhline(0, **LIMIT, label=f"limit a = {ref:.3g}")
    ks = {o: s.get(f"ks_A_{o}") for o in names[1:]}
    notes = [f"KS A vs {o}: p {_p(k['p_value'])}" for o, k in ks.items() if k]
    ax_a.legend(handles=ax_a.get_legend_handles_labels()[0] + [legend_key(t) for t in notes], fontsize="x-small",
                loc="upper left")
    ax_a.set(xlim=(lo, hi), xlabel=r"$\log Q_{11}$", ylabel="ECDF")
    ax_a.set_title(f"(a) ECDFs of $\\log Q_{{11}}$ ({_n(n_samples)} per profile)")
    handles = ax_b.get_legend_handles_labels()[0]
    handles += [legend_key("ECDF (steps)", ls="-"), legend_key("exact finite-width CDF (§3.4, Fourier)", ls="--")]
    ax_b.legend(handles=handles, fontsize="x-small", loc="lower left")
    same = [nm for nm in names if abs(alpha_eff[nm] - ref) < 1e-9]
    span = max(3 * dkw, *(np.abs(th.log_Q11_law(WIDTH_PROFILES[nm], u)[1] - normal_cdf(u, -ref, np.sqrt(2 * ref)))
                          .max() * 1.5 for nm in same))
    ax_b.set_ylim(-span, span)
    off = [nm for nm in names if nm not in same]
    if off:
        ax_b.text(0.98, 0.03, f"{', '.join(off)} off scale (different Σ1/N)", transform=ax_b.transAxes, ha="right",
                  va="bottom", fontsize="x-small")
    ax_b.set(xlim=(lo, hi), xlabel=r"$\log Q_{11}$", ylabel=rf"ECDF $-\,\Phi$ of $\mathcal{{N}}(-a,2a)$, a = {ref:.3g}")
    ax_b.set_title("(b) deviation from the limit law")

    x = np.arange(len(names))
    for ax, what in ((ax_c, "mean"), (ax_d, "var")):
        for i, (entry, row, marker) in enumerate((("logQ11", 1, "o"), ("logB22sq", 2, "s"))):
            xs = x + 0.12 * (2 * i - 1)
            est = [s[nm][entry][what] for nm in names]
            errorbar(ax, xs, est, color=style.SIMULATION, marker=marker,
                     label=(r"$\log Q_{11}$" if row == 1 else r"$\log B_{22}^2$") + " ± 1 SE")
            exact = [th.log_Bii_moments(WIDTH_PROFILES[nm], row)[0 if what == "mean" else 1] for nm in names]
            limit = [th.log_Bii_moments_limit(alpha_eff[nm], row)[0 if what == "mean" else 1] for nm in names]
            ax.hlines(exact, xs - 0.1, xs + 0.1, color=style.EXACT, lw=1.4, label="exact finite widths (§3.4)"
                      if i == 0 else None)
            ax.hlines(limit, xs - 0.1, xs + 0.1, color=style.THEORY, lw=1.4, ls=(0, (2, 1)),
                      label=r"limit: $(-i a,\,2a)$, a = Σ1/N" if i == 0 else None)
        ax.set_xticks(x, [f"{nm}\nΣ1/N = {alpha_eff[nm]:.3g}" for nm in names])
        ax.set(xlabel="width profile", xlim=(-0.5, len(names) - 0.5))
        ax.legend(fontsize="x-small", loc="best")
    ax_c.set(ylabel=r"mean of $\log Q_{11}$, $\log B_{22}^2$")
    ax_c.set_title("(c) means: only Σ1/N matters")
    ax_d.set(ylabel=r"variance of $\log Q_{11}$, $\log B_{22}^2$")
    ax_d.set_title("(d) variances: only Σ1/N matters")
    _suptitle(fig, "fig8", r"D = 2, Bartlett products with widths $N_1,\ldots,N_L$; A–C have "
              r"$\Sigma_\ell 1/N_\ell$ = 2/3, the control D has the same L and mean width as A but "
              r"$\Sigma_\ell 1/N_\ell$ = 1/2")
    return fig


# ---------------------------------------------------------------------------------------------- fig9
def plot_fig9(data: Data, params: Params) -> Figure:
    """bassetti/fig9 (D = 3): (a) E log lambda_i / alpha with the asymptotes -i; (b) E log lambda_i + i alpha and their
    sum E log det Q + 6 alpha against the exact formula; (c) median effective rank (tr Q)^2 / tr Q^2; (d) sample mean
    of tr Q against E tr Q = 3."""
    _, s, p = unpack(data, params, "rank")
    dim = 3
    colour = _colours(range(1, dim + 1))
    paths = [(SURROGATE, p["N_surrogate"], p["alphas"], "o", True, f"surrogate N' = {p['N_surrogate']}")]
    paths += [(width_name(n), n, p["bartlett_alphas"], m, False, f"Bartlett N = {n}")
              for n, m in zip(p["N"], "s^vD", strict=False)]
    fig, axes = style.figure(2, 2, width=5.0, height=4.0)
    (ax_a, ax_b), (ax_c, ax_d) = axes
    all_alphas = sorted({al for _, _, alphas, *_ in paths for al in alphas})
    grid = np.geomspace(min(all_alphas) / 1.3, max(all_alphas) * 1.3, GRID)
    count = s[SURROGATE][alpha_name(p["alphas"][0])]["logdet"]["mean"]["n"]
    for j, (name, n, alphas, marker, filled, _) in enumerate(paths):
        fits = [s[name][alpha_name(al)] for al in alphas]
        al = np.asarray(alphas)
        xs = _dodge(al, j, len(paths), log=True, step=0.06)
        for i in range(dim):
            mean = np.array([f["log_eig_mean"][i] for f in fits], dtype=float)
            se = _floats([f["log_eig_se"][i] for f in fits])
            errorbar(ax_a, xs, _estimates(mean / al, se / al), color=colour[i + 1], marker=marker, filled=filled)
            errorbar(ax_b, xs, _estimates(mean + (i + 1) * al, se), color=colour[i + 1], marker=marker, filled=filled)
        logdet = [f["logdet"]["mean"] for f in fits]
        errorbar(ax_b, xs, logdet, shift=-dim * (dim + 1) / 2 * al, color=style.EXACT, marker=marker, filled=filled)
        errorbar(ax_c, xs, [f["median_eff_rank"] for f in fits], color=style.SIMULATION, marker=marker,
                 filled=filled)
        errorbar(ax_d, xs, [f["trace_mean"] for f in fits], color=style.SIMULATION, marker=marker, filled=filled)
        steps = np.unique(np.round(grid[grid <= max(alphas) * 1.1] * n).astype(int))
        steps = steps[steps >= 1]
        ax_b.plot(steps / n, [th.log_det_Q_mean([n] * int(k), dim) + dim * (dim + 1) / 2 * k / n for k in steps],
                  color=style.EXACT, lw=1.0, ls=("--", ":", "-.")[j % 3])
    for i in range(dim):
        ax_a.axhline(-(i + 1), color=colour[i + 1], lw=1.3, ls="--")
    ax_b.axhline(0, **LIMIT)
    keys_i = [legend_key(f"$\\lambda_{i + 1}$ (asymptote −{i + 1} in (a))", colour[i + 1], ls="--", marker="o")
              for i in range(dim)]
    keys_p = [legend_key(f"{label} ({_n(count)})", marker=marker, filled=filled)
              for _, _, _, marker, filled, label in paths]
    fig.legend(handles=keys_i + keys_p, loc="outside lower center", ncols=3, fontsize=SMALL)
    ax_a.set(xlabel=ALPHA, ylabel=r"$\mathbb{E}\log\lambda_i\,/\,\alpha$")
    ax_a.set_title(r"(a) log-eigenvalues of Q drift like $-i\alpha$")
    keys_b = [legend_key(r"sum over i: $\mathbb{E}\log\det Q+6\alpha$", style.EXACT, marker="o"),
               legend_key("exact finite-N sum (§3.4); dashed N', dotted/dash-dot N", style.EXACT, ls="--"),
               legend_key("limit sum: 0", **LIMIT)]
    ax_b.legend(handles=keys_b, fontsize="x-small", loc="lower left")
    ax_b.set_ylim(bottom=ax_b.get_ylim()[0] - 0.5 * np.ptp(ax_b.get_ylim()))
    ax_b.set(xlabel=ALPHA, ylabel=r"$\mathbb{E}\log\lambda_i+i\alpha$")
    ax_b.set_title(r"(b) $O(1)$ corrections ± 1 SE")
    ax_c.axhline(dim, **NNGP, label=f"NNGP (Q = I): {dim}")
    ax_c.axhline(1, **REFERENCE, label="rank one: 1")
    ax_c.legend(fontsize=SMALL, loc="center right")
    ax_c.set(xlabel=ALPHA, ylabel=r"median of $(\mathrm{tr}\,Q)^2/\mathrm{tr}(Q^2)$", ylim=(0.8, dim + 0.4))
    ax_c.set_title("(c) effective rank → 1 (batch SE)")
    ax_d.axhline(dim, **LIMIT, label=rf"$\mathbb{{E}}\,\mathrm{{tr}}\,Q={dim}$ (exact, every N, α)")
    ax_d.legend(fontsize=SMALL, loc="lower left")
    ax_d.set(xlabel=ALPHA, ylabel=r"sample mean of $\mathrm{tr}\,Q$ (± 1 SE)")
    ax_d.set_title("(d) heavy tails: rare huge draws carry the mean")
    for ax in (ax_a, ax_b, ax_c, ax_d):
        log_axis(ax, "x")
        ax.set_xlim(min(all_alphas) / 1.3, max(all_alphas) * 1.3)
    log_axis(ax_d, "y")
    _suptitle(fig, "fig9", f"D = 3: eigenvalues λ₁ > λ₂ > λ₃ of Q (squared singular values of B); one path per "
              f"sampler with snapshots at each α, {_n(count)}")
    return fig

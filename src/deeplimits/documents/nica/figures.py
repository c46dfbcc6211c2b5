"""Figures of the nica document (spec shared/spec/nica.md §5): one ``plot_<figure>(data, params)`` per figure.

``data[experiment] = (arrays, stats)``: the arrays of the sample file and the stats JSON written by
:func:`deeplimits.jobs.fit.fit` (keys ``parameters``, ``stats``, ``claims``); ``params[experiment]`` is the
experiment's parameter dict. Every figure reads its sizes (depths, widths, alpha^2, ...) from ``params``.

Conventions (house style, spec §7): simulations are histograms, or markers with +-1 SE error bars taken from
the stats JSON; theory curves are lines: red = log-Gaussian law of Theorem 2, blue = infinite width (G = 0),
black dashed = exact finite-(n, d) law. Dead networks are excluded and counted in the panel text; one
c = -ln n_in serves the histograms and every curve; ResNets are always labelled with their variant.
"""

from __future__ import annotations

import functools
import textwrap

import numpy as np
from matplotlib.figure import Figure

from deeplimits.distributions import chi2_ppf
from deeplimits.documents.nica import keys
from deeplimits.documents.nica.sample import (
    GRAD_ARCHS,
    RESNET_AUDIT_DEPTH,
    RESNET_VARIANTS,
    alive_values,
    factorisation_case,
    input_offset,
    narrow_widths,
    nearest_depth,
)
from deeplimits.models import loggaussian as th
from deeplimits.plotting import common, style
from deeplimits.plotting.common import GRID, SMALL, Curve, Data, Hist, Params
from deeplimits.plotting.common import colours as _colours
from deeplimits.plotting.common import errorbar as _errorbar
from deeplimits.plotting.common import fmt as _fmt
from deeplimits.plotting.common import gaussian as _gaussian
from deeplimits.plotting.common import key as _key
from deeplimits.plotting.common import log_axis as _log
from deeplimits.plotting.common import panel_grid as _panel_grid
from deeplimits.plotting.common import qq as _qq
from deeplimits.plotting.common import sample_range as _sample_range
from deeplimits.plotting.common import unpack as _unpack

RED = {"color": style.THEORY, "lw": 1.6}
BLUE = {"color": style.BASELINE, "lw": 1.4}
EXACT = {"color": style.EXACT, "lw": 1.3, "ls": "--"}
NOTES = {"color": style.PALETTE[4], "lw": 1.4, "ls": "-."}  # the notes' (erroneous) formula
LEADING = {"color": "0.45", "lw": 1.1, "ls": "--"}  # leading order (beta) in the moment panels
L_RED, L_BLUE, L_EXACT = "log-Gaussian (Theorem 2)", "infinite width (G = 0)", "exact finite (n, d)"
VARIANT = {"mlp": "MLP", "standard": "standard", "balanced": "balanced (sign-flip reading)"}
VARIANT_COLOUR = {"standard": style.PALETTE[1], "balanced": style.PALETTE[2]}
Y_LABEL = r"$Y=\ln\|z^{out}\|^2$"
#: the shared histogram-with-curves panel, labelled with Y by default
_distribution_panel = functools.partial(common.distribution_panel, xlabel=Y_LABEL)


# ------------------------------------------------------------------------------------------- helpers
def _alive(values: np.ndarray, dead: np.ndarray | None = None) -> tuple[np.ndarray, int]:
    """Finite values of the networks with no dead layer, and the number excluded."""
    keep = np.isfinite(values)
    if dead is not None:
        keep &= ~np.asarray(dead, dtype=bool)
    return values[keep], int(keep.size - np.count_nonzero(keep))


# ---------------------------------------------------------------------------------------------- fig1
def plot_fig1(data: Data, params: Params) -> Figure:
    """nica/fig1 (spec §5): density of Y = ln|z_out|^2 at each depth; histogram (bins 0.05, 0.1 at d >= 100,
    range exact mean +- 5 sd) vs the red (Theorem 2), blue (G = 0) and black dashed (exact) laws."""
    a, s, p = _unpack(data, params, "fig1")
    n, n_out, c = p["n"], p["n_out"], input_offset(p["n_in"])
    fig, axes = style.figure(len(p["depths"]), 1, width=4.4, height=3.6)
    for i, (ax, d) in enumerate(zip(axes[0], p["depths"], strict=True)):
        fit = s[keys.fig1(d)]
        beta = fit["theory"]["beta"]["value"]
        mean, var = th.exact_Y_moments(n, d, n_out, c)
        y, dead = _alive(a[keys.fig1(d, "Y")], a[keys.fig1(d, "dead")])
        curves = [(L_RED, lambda t, b=beta: th.red_pdf(t, b, n_out, c), RED),
                  (L_BLUE, lambda t: th.blue_pdf(t, n_out, c), BLUE),
                  (L_EXACT, lambda t, d=d: th.exact_pdf_Y(t, n, d, n_out, c), EXACT)]
        ks = f"KS distance: red {fit['ks_red']['distance']:.3f}, blue {fit['ks_blue']['distance']:.3f}"
        _distribution_panel(ax, [Hist(y, dead, "simulation", fill=True)], curves, mean - 5 * np.sqrt(var),
                            mean + 5 * np.sqrt(var), width=0.1 if d >= 100 else 0.05, notes=[ks])
        ax.set_title(f"({'abcdefgh'[i]}) d = {d}, β = {beta:.3g}  (n = {n}, $n_{{out}}$ = {n_out})")
    return fig


# ------------------------------------------------------------------------------------------- moments
def plot_moments(data: Data, params: Params) -> Figure:
    """nica/moments (spec §5): (a) -2E[G]/beta, (b) Var[G]/beta vs d for each n (MC, exact, second order, leading
    order); (c) the 1/n^2 terms n^2(E[G] + beta/2), n^2(Var[G] - beta) at the largest n; (d) dead fraction."""
    _, s, p = _unpack(data, params, "moments")
    ns, depths = p["n"], np.asarray(p["depths"])
    colour = _colours(sorted({*ns, *p["dead_n"]}))
    dgrid = np.geomspace(depths.min(), depths.max(), GRID)
    fig, axes = style.figure(2, 2, width=4.8, height=3.7)
    (ax_m, ax_v), (ax_c, ax_d) = axes
    for n in ns:
        fits = [s["G"][keys.moments(n, d)] for d in depths]
        beta, bgrid = th.beta_mlp(n, depths), th.beta_mlp(n, dgrid)
        exact, second = th.exact_G_moments(n, dgrid), th.second_order_G_moments(n, dgrid)
        dead = sum(round(f["dead"]["value"] * f["dead"]["n"]) for f in fits)
        label = f"n = {n}" + (f" ({dead} dead networks excluded, all d)" if dead else "")
        _errorbar(ax_m, depths, [f["mean"] for f in fits], scale=-2 / beta, color=colour[n], label=label)
        _errorbar(ax_v, depths, [f["var"] for f in fits], scale=1 / beta, color=colour[n])
        for ax, k, sign in ((ax_m, 0, -2), (ax_v, 1, 1)):
            ax.plot(dgrid, sign * exact[k] / bgrid, color=colour[n], lw=1.3)
            ax.plot(dgrid, sign * second[k] / bgrid, color=colour[n], lw=1.3, ls=":")
    for ax, what in ((ax_m, r"$-2\,E[G]/\beta$"), (ax_v, r"$\mathrm{Var}[G]/\beta$")):
        ax.axhline(1, **LEADING)
        ax.set(xlabel="depth $d$", ylabel=what)
        _log(ax)
    handles, _ = ax_m.get_legend_handles_labels()
    n_point = s["G"][keys.moments(ns[0], depths[0])]["dead"]["n"]
    legend = [_key(f"MC ± 1 SE (N = {n_point} per point)", marker="o"), _key("exact law (§3.3)", ls="-"),
              _key("second order (§3.4)", ls=":"), _key("leading order: 1", **LEADING)]
    fig.legend(handles=handles + legend, loc="outside upper center", ncols=4, fontsize=SMALL,
               title="(a), (b): G of the MLP; dead networks excluded from the moments", title_fontsize=SMALL)
    ax_m.set_title("(a) mean of G relative to −β/2, β = 2/n + 5d/n")
    ax_v.set_title("(b) variance of G relative to β")

    n = max(ns)
    fits = [s["G"][keys.moments(n, d)] for d in depths]
    beta, bgrid = th.beta_mlp(n, depths), th.beta_mlp(n, dgrid)
    exact, d2 = th.exact_G_moments(n, dgrid), th.delta2_G(n, dgrid)
    for k, what, formula in ((0, "mean", r"$-(\frac{1}{3}+\frac{49d}{12})$"), (1, "var", r"$2+\frac{37d}{2}$")):
        quantity = r"$n^2(E[G]+\beta/2)$" if k == 0 else r"$n^2(\mathrm{Var}[G]-\beta)$"
        shift = -beta / 2 if k == 0 else beta
        _errorbar(ax_c, depths, [f[what] for f in fits], shift=shift, scale=n**2, color=colour[n],
                  marker="os"[k], filled=k == 0, label=f"MC {quantity}")
        ax_c.plot(dgrid, n**2 * (exact[k] - (-bgrid / 2 if k == 0 else bgrid)), color=colour[n], lw=1.3,
                  label=f"exact {quantity}")
        ax_c.plot(dgrid, n**2 * d2[k], color=colour[n], lw=1.3, ls=":", label=f"second order {formula}")
    ax_c.axhline(0, **LEADING, label="leading order (0)")
    _log(ax_c)
    ax_c.set(xlabel="depth $d$", ylabel=r"$n^2\times$(MC or exact − leading order)",
             title=f"(c) $1/n^2$ corrections at n = {n} (N = {fits[0]['dead']['n']})")
    ax_c.set_yscale("symlog", linthresh=10)
    ax_c.legend(fontsize=SMALL, loc="upper center", bbox_to_anchor=(0.5, -0.17), ncols=2)

    for n in p["dead_n"]:
        fits = [s["dead"][keys.moments(n, d)] for d in depths]
        seen = np.array([f["value"] > 0 for f in fits])
        _errorbar(ax_d, depths[seen], [f for f, ok in zip(fits, seen, strict=True) if ok], color=colour[n],
                  label=f"n = {n} (N = {fits[0]['n']})")
        ax_d.plot(dgrid, th.dead_probability(n, dgrid), color=colour[n], lw=1.3)
    handles, _ = ax_d.get_legend_handles_labels()
    ax_d.legend(handles=handles + [_key(r"$1-(1-2^{-n})^d$ (§3.9)", ls="-")], fontsize=SMALL, loc="lower right")
    _log(ax_d)
    ax_d.set(yscale="log", xlabel="depth $d$", ylabel=r"dead fraction $P(z^{out}=0)$",
             title="(d) dead-network fraction (zeros not shown)")
    return fig


# ---------------------------------------------------------------------------------------- layerterms
def plot_layerterms(data: Data, params: Params) -> Figure:
    """nica/layerterms (spec §5, Props 3-5): (a) n Var and -2n E of ln u and ln r with exact curves and the
    asymptotes 2 and 5; (b) n^2 E(u-1)^3, n^2 E(r-1)^3 (exact 8, 44); (c) the literal Prop 4(iv) quantity."""
    _, s, p = _unpack(data, params, "layerterms")
    ns = np.asarray(p["n"])
    fits = [s[keys.layerterms(n)] for n in ns]
    grid = np.unique(np.round(np.geomspace(ns.min(), ns.max(), 150)).astype(int))
    log_u = np.array([th.chi_layer_moments(m) for m in grid])
    log_r = np.array([th.relu_layer_moments(m) for m in grid])
    fig, axes = style.figure(3, 1, width=4.4, height=3.6)
    ax_a, ax_b, ax_c = axes[0]
    cols = {"u": (style.PALETTE[0], style.PALETTE[9]), "r": (style.PALETTE[1], style.PALETTE[5])}
    for var, moments in (("u", log_u), ("r", log_r)):
        c_var, c_mean = cols[var]
        est = [f[f"log_{var}"] for f in fits]
        _errorbar(ax_a, ns, [e["var"] for e in est], scale=ns, color=c_var, label=rf"$n\,\mathrm{{Var}}[\ln {var}]$")
        _errorbar(ax_a, ns, [e["mean"] for e in est], scale=-2 * ns, color=c_mean, marker="s",
                  label=rf"$-2n\,E[\ln {var}]$")
        ax_a.plot(grid, grid * moments[:, 1], color=c_var, lw=1.3)
        ax_a.plot(grid, -2 * grid * moments[:, 0], color=c_mean, lw=1.3)
    ax_a.axhline(2, **LEADING)
    ax_a.axhline(5, **LEADING)
    zeros = [f"n = {n}: {round(f['r_zero']['value'] * f['r_zero']['n'])}" for n, f in zip(ns, fits, strict=True)
             if f["r_zero"]["value"] > 0]
    notes = [_key("ln r excludes r = 0: " + ", ".join(zeros))] if zeros else []
    handles, _ = ax_a.get_legend_handles_labels()
    ax_a.legend(handles=handles + [_key("exact (§3.11)", ls="-"), _key("asymptotes 2 (ln u), 5 (ln r)", **LEADING)]
                + notes, fontsize=SMALL, ncols=2, loc="upper right")
    ax_a.set_ylim(top=ax_a.get_ylim()[1] + 0.45 * np.ptp(ax_a.get_ylim()))
    _log(ax_a)
    ax_a.set(xlabel="width $n$", ylabel="scaled moment",
             title=f"(a) Props 3, 5: ln u, ln r (N = {fits[0]['u']['mean']['n']} per n)")

    for var, exact in (("u", 8), ("r", 44)):
        _errorbar(ax_b, ns, [f[f"third_{var}"] for f in fits], scale=ns**2, color=cols[var][0],
                  label=rf"$n^2E({var}-1)^3$")
        ax_b.axhline(exact, color=cols[var][0], lw=1.3, label=f"exact {exact}")
    ax_b.legend(fontsize=SMALL, loc="best")
    _log(ax_b)
    ax_b.set(xlabel="width $n$", ylabel=r"$n^2\times$ third central moment",
             title="(b) Props 3(iv), 4(iv) corrected: u, r")

    _errorbar(ax_c, ns, [f["prop4_literal"] for f in fits], color=style.SIMULATION, label="MC ± 1 SE")
    ax_c.plot(grid, th.prop4_literal_third(grid), **EXACT, label=r"exact $\frac{1}{8}(\frac{44}{n^2}-\frac{15}{n}-1)$")
    ax_c.axhline(-1 / 8, **LEADING, label="limit −1/8")
    ax_c.axhline(0, **NOTES, label=r"as printed: $O(n^{-2})\to 0$")
    ax_c.legend(fontsize=SMALL, loc="best")
    _log(ax_c)
    ax_c.set(xlabel="width $n$", ylabel=r"$E(\frac{1}{n}\|\varphi(g)\|^2-1)^3=E(r/2-1)^3$",
             title="(c) Prop 4(iv) as printed (erratum E2)")
    return fig


# -------------------------------------------------------------------------------------------- widths
def plot_widths(data: Data, params: Params) -> Figure:
    """nica/widths (spec §5): histograms of G with the narrow layer first (j = 0) and last (j = d) with the exact
    density and Gaussians N(-beta/2, beta) for beta_corr and the notes' beta; Var[G] vs j."""
    a, s, p = _unpack(data, params, "widths")
    n, narrow, d = p["n"], p["narrow"], p["d"]
    fig, axes = style.figure(3, 1, width=4.4, height=3.6)
    for ax, j, name, letter in ((axes[0, 0], 0, "first", "a"), (axes[0, 1], d, "last", "b")):
        fit, widths = s[keys.widths(j)], narrow_widths(n, narrow, d, j)
        g, dead = _alive(a[keys.widths(j, "G")], a[keys.widths(j, "dead")])
        b_corr, b_notes = fit["beta_corrected"], fit["beta_notes"]
        curves = [("exact (§3.6)", lambda t, w=widths: th.exact_pdf_G_widths(t, w), EXACT),
                  (rf"Gaussian, $\beta_{{corr}}$ = {b_corr:.2f}", _gaussian(-b_corr / 2, b_corr), RED),
                  (rf"notes' formula, $\beta_{{notes}}$ = {b_notes:.2f}", _gaussian(-b_notes / 2, b_notes), NOTES)]
        sd = np.sqrt(fit["exact_var"])
        _distribution_panel(ax, [Hist(g, dead, "simulation", fill=True)], curves, fit["exact_mean"] - 5 * sd,
                            fit["exact_mean"] + 5 * sd, xlabel="$G$")
        ax.set_title(f"({letter}) narrow layer {name}: $n_{{{j}}}$ = {narrow}, others {n}, d = {d}")
    ax = axes[0, 2]
    js = np.arange(d + 1)
    fits = [s[keys.widths(j)] for j in js]
    _errorbar(ax, js, [f["var"] for f in fits], color=style.SIMULATION, label=f"MC ± 1 SE (N = {fits[0]['var']['n']})")
    steps = {"drawstyle": "steps-mid"}  # j is discrete: plateaus, jumps half-way
    ax.plot(js, [f["exact_var"] for f in fits], **EXACT, **steps, label="exact (§3.6)")
    ax.plot(js, [f["beta_corrected"] for f in fits], **RED, **steps,
            label=r"$\beta_{corr}=5\sum_{\ell<d}n_\ell^{-1}+2n_d^{-1}$")
    ax.plot(js, [f["beta_notes"] for f in fits], **NOTES, **steps,
            label=r"notes: $\beta_{notes}=2n_0^{-1}+5\sum_{\ell\geq1}n_\ell^{-1}$")
    con = s["contrast"]
    ax.text(0.5, 0.04, f"Var(j=0) − Var(j=d) = {_fmt(con['estimate'])}\n"
            rf"$\beta_{{corr}}$: {con['corrected']:+.3f}, $\beta_{{notes}}$: {con['notes']:+.3f}",
            transform=ax.transAxes, ha="center", va="bottom", fontsize=SMALL)
    ax.legend(fontsize=SMALL, loc="upper center")
    ax.set_ylim(top=ax.get_ylim()[1] + 0.6 * np.ptp(ax.get_ylim()))
    ax.set(xlabel="position $j$ of the narrow layer", ylabel=r"$\mathrm{Var}[G]$",
           title=f"(c) variance of G vs position ($n_j$ = {narrow})")
    return fig


# -------------------------------------------------------------------------------------------- resnet
def _output_at_checkpoint(a: dict[str, np.ndarray], variant: str, alpha2: float, k: int, c: float) -> np.ndarray:
    """ln|z_out|^2 of the ResNet (variant, alpha^2) truncated at checkpoint k: Y_k = c + G_k + L, reusing the output
    factor L = Y - c - G_last = ln chi2_{n_out}, which is independent of every hidden layer (Theorem 2)."""
    G, Y = a[keys.resnet(variant, alpha2, "G")], a[keys.resnet(variant, alpha2, "Y")]
    return c + G[:, k] + (Y - c - G[:, -1])


def plot_resnet(data: Data, params: Params) -> Figure:
    """nica/resnet (spec §5): (a) Y for both variants at alpha^2 = 0.5 with the red (beta_bal) and blue curves;
    (b) Var[G], (c) -E[G] vs d (filled standard, open balanced) with beta_bal, beta_bal/2 and the standard
    heuristic; (d) active fraction per layer of the standard ResNet."""
    a, s, p = _unpack(data, params, "resnet")
    n, n_out, c, depths, alphas = p["n"], p["n_out"], input_offset(p["n_in"]), np.asarray(p["depths"]), p["alpha2"]
    colour = _colours(alphas, order=(0, 4, 5, 9, 6, 8))  # not the variant colours of panel (a)
    fig, axes = style.figure(2, 2, width=4.8, height=3.7)
    (ax_a, ax_b), (ax_c, ax_d) = axes

    a2 = 0.5 if 0.5 in alphas else alphas[len(alphas) // 2]
    d_y = nearest_depth(p["depths"], RESNET_AUDIT_DEPTH)  # spec: panel (a) at d = 100
    k = p["depths"].index(d_y)
    hists = [Hist(*_alive(_output_at_checkpoint(a, v, a2, k, c), a[keys.resnet(v, a2, "dead")][:, k]),
                  VARIANT[v], VARIANT_COLOUR[v]) for v in RESNET_VARIANTS]
    beta = float(th.beta_balanced_resnet(n, d_y, a2))
    curves = [(rf"log-Gaussian, $\beta_{{bal}}$ = {beta:.3g}", lambda t: th.red_pdf(t, beta, n_out, c), RED),
              (L_BLUE, lambda t: th.blue_pdf(t, n_out, c), BLUE)]
    _distribution_panel(ax_a, hists, curves, *_sample_range(h.values for h in hists))
    ax_a.set_title(f"(a) ResNets, α² = {a2:g}, d = {d_y}, n = {n}")

    dgrid = np.geomspace(depths.min(), depths.max(), GRID)
    for a2 in alphas:
        for variant, shift in zip(RESNET_VARIANTS, (0.96, 1.04), strict=True):
            fit = s[keys.resnet(variant, a2)]
            for ax, what, scale in ((ax_b, "var", 1), (ax_c, "mean", -1)):
                _errorbar(ax, depths * shift, [fit[f"d{d}"][what] for d in depths], scale=scale, color=colour[a2],
                          filled=variant == "standard")
        bal = th.beta_balanced_resnet(n, dgrid, a2)
        ax_b.plot(dgrid, bal, color=colour[a2], lw=1.3)
        ax_c.plot(dgrid, bal / 2, color=colour[a2], lw=1.3)
        if 0 < a2 < 1:
            heur = 2 / n + th.resnet_variance_coefficient_standard_heuristic(a2) * dgrid / n
            ax_b.plot(dgrid, heur, color=colour[a2], lw=1.1, ls=":")
    n_samples = s[keys.resnet("standard", alphas[0])][f"d{depths[0]}"]["var"]["n"]
    legend = [_key(f"α² = {a2:g}", colour[a2], marker="s", ls="-") for a2 in alphas]
    legend += [_key(f"{VARIANT['standard']} (N = {n_samples})", marker="o"),
               _key(VARIANT["balanced"], marker="o", filled=False)]
    legend += [_key(r"$\beta_{bal}$ in (b), $\beta_{bal}/2$ in (c) (notes' formula)", ls="-"),
               _key("standard heuristic (§3.7), in (b)", ls=":")]
    fig.legend(handles=legend, loc="outside lower center", ncols=4, fontsize=SMALL, title="(b), (c)",
               title_fontsize=SMALL)
    for ax, what in ((ax_b, r"$\mathrm{Var}[G]$"), (ax_c, r"$-E[G]$")):
        ax.set(xlabel="depth $d$", ylabel=what)
        _log(ax, "xy")
        ax.set_xticks(depths)
    formula = r"$\beta_{bal}=\frac{2}{n}+(5\lambda^4+4\alpha^2\lambda^2)\frac{d}{n}$"
    ax_b.set_title(f"(b) Var[G] (n = {n}), {formula}")
    ax_c.set_title(f"(c) minus the mean of G (n = {n}), MC ± 1 SE")

    for a2 in alphas:
        mean, sd = a[keys.resnet("standard", a2, "active_mean")], a[keys.resnet("standard", a2, "active_sd")]
        layers = np.arange(1, mean.size + 1)
        se = sd / np.sqrt(a[keys.resnet("standard", a2, "G")].shape[0])
        ax_d.plot(layers, mean, color=colour[a2], lw=1.2, label=f"{VARIANT['standard']}, α² = {a2:g}")
        ax_d.fill_between(layers, mean - se, mean + se, color=colour[a2], alpha=0.3, lw=0)
    ax_d.axhline(0.5, **EXACT, label="reference 1/2 (MLP, balanced)")
    ax_d.set_ylim(bottom=ax_d.get_ylim()[0] - 0.6 * np.ptp(ax_d.get_ylim()))
    ax_d.legend(fontsize=SMALL, loc="lower left", ncols=2)
    ax_d.set(xlabel=r"layer $\ell$", ylabel="mean active fraction of ReLUs",
             title="(d) standard ResNet: hypoactivation (band ±1 SE)")
    return fig


# ---------------------------------------------------------------------------------------------- grad
def plot_grad(data: Data, params: Params) -> Figure:
    """nica/grad (spec §5): ln|z_out|^2 (run A) and ln|dz_out/dx_1|^2 (run B) for the MLP, the balanced and the
    standard ResNet; exact density (MLP), red curve with beta_bal (balanced)."""
    a, s, p = _unpack(data, params, "grad")
    n, d, n_out, c, a2 = p["n"], p["d"], p["n_out"], input_offset(p["n_in"]), p["alpha2"]
    fig, axes = style.figure(len(GRAD_ARCHS), 1, width=4.4, height=3.7)
    beta = float(th.beta_balanced_resnet(n, d, a2))
    theory: dict[str, list[Curve]] = {
        "mlp": [(L_EXACT, lambda t: th.exact_pdf_Y(t, n, d, n_out, c), EXACT)],
        "balanced": [(rf"log-Gaussian, $\beta_{{bal}}$ = {beta:.3g}", lambda t: th.red_pdf(t, beta, n_out, c), RED)],
        "standard": []}
    for i, (ax, arch) in enumerate(zip(axes[0], GRAD_ARCHS, strict=True)):
        fit = s[arch]
        runs = {run: _alive(a[keys.grad(arch, run)], a[keys.grad_dead(arch, run)]) for run in ("forward", "tangent")}
        hists = [Hist(*runs["forward"], "forward, run A", fill=True),
                 Hist(*runs["tangent"], "tangent, run B", style.PALETTE[1])]
        notes = [f"A vs B: KS p = {fit['ks']['p_value']:.2g}", f"Δmean = {_fmt(fit['mean_difference'])}",
                 f"Δvar = {_fmt(fit['var_difference'])}"]
        _distribution_panel(ax, hists, theory[arch], *_sample_range(h.values for h in hists), notes=notes,
                            xlabel=r"forward $\ln\|z^{out}\|^2$, tangent $\ln\|\partial z^{out}/\partial x_1\|^2$")
        name = "MLP" if arch == "mlp" else f"{VARIANT[arch]} ResNet, α² = {a2:g}"
        ax.set_title(f"({'abc'[i]}) {name}\nn = {n}, d = {d}")
    return fig


# -------------------------------------------------------------------------------------- universality
def plot_universality(data: Data, params: Params) -> Figure:
    """nica/universality (spec §5): (a) G for Gaussian, Rademacher and uniform weights at the largest n and d with
    the red (G only) and exact Gaussian densities; (b) E[G], (c) Var[G] vs d/n with the lines leading order, exact
    Gaussian and exact Gaussian + kappa-term, all drawn as n x (deviation from the leading order) so that the
    finite-n effects are visible and both widths share one scale."""
    a, s, p = _unpack(data, params, "universality")
    laws, depths, sizes = p["laws"], np.asarray(p["depths"]), p["sizes"]
    colour, markers = _colours(laws), dict(zip([z["n"] for z in sizes], "osD^v", strict=False))
    x_hat4 = 1.0 / p["n_in"]
    fig, axes = style.figure(3, 1, width=4.4, height=4.4)
    ax_a, ax_b, ax_c = axes[0]

    n, d = max(z["n"] for z in sizes), int(depths.max())
    hists = [Hist(*_alive(a[keys.universality(law, n, "G")][:, -1], a[keys.universality(law, n, "dead")][:, -1]),
                  f"{law} weights", colour[law]) for law in laws]
    beta = float(th.beta_mlp(n, d))
    curves = [(r"log-Gaussian: $G\sim N(-\beta/2,\beta)$", _gaussian(-beta / 2, beta), RED),
              ("exact Gaussian-weight law", lambda t: th.exact_pdf_G(t, n, d), EXACT)]
    _distribution_panel(ax_a, hists, curves, *_sample_range(h.values for h in hists), xlabel="$G$")
    how = "Gaussian by χ² reduction, others brute force" if p["method"] == "reduced" else "brute force"
    ax_a.set_title(f"(a) n = {n}, d = {d}, β = {beta:.3g} ({how})")

    # deviations from the leading order, times n: the exact Gaussian 1/n^2 terms and the kappa-term are then
    # functions of d/n up to O(1/n), so both widths share one scale
    for size in sizes:
        n = size["n"]
        dgrid = np.linspace(0, depths.max() * 1.05, GRID)
        beta, exact = th.beta_mlp(n, dgrid), th.exact_G_moments(n, dgrid)
        lead, lead_pts = (-beta / 2, beta), (-th.beta_mlp(n, depths) / 2, th.beta_mlp(n, depths))
        for i, law in enumerate(laws):
            fits = [s[keys.universality(law, n)][f"d{dd}"] for dd in depths]
            shift = 1 + 0.02 * (i - (len(laws) - 1) / 2)
            kappa = th.KURTOSIS[law]
            for ax, k, what in ((ax_b, 0, "mean"), (ax_c, 1, "var")):
                _errorbar(ax, depths / n * shift, [f[what] for f in fits], shift=lead_pts[k], scale=n,
                          color=colour[law], marker=markers[n])
                if i == 0:
                    ax.plot(dgrid / n, n * (exact[k] - lead[k]), **EXACT)
                if kappa != 0:
                    kappa_term = th.kappa_shift_G(n, dgrid, kappa, x_hat4)[k]
                    ax.plot(dgrid / n, n * (exact[k] + kappa_term - lead[k]), color=colour[law], lw=1.2, ls=":")
    legend = [_key(f"{law} (κ = {th.KURTOSIS[law]:g})", colour[law], marker="o") for law in laws]
    counts = {z["n"]: sorted({s[keys.universality(law, z["n"])][f"d{depths[0]}"]["mean"]["n"] for law in laws})
              for z in sizes}  # the Gaussian law may have more samples (gaussian_samples)
    legend += [_key(f"n = {n} (N = {' / '.join(map(str, count))})", marker=markers[n]) for n, count in counts.items()]
    legend += [_key("leading order (0)", **LEADING), _key("exact Gaussian", **EXACT),
               _key("exact Gaussian + κ-term (§3.10)", ls=":")]
    fig.legend(handles=legend, loc="outside lower center", ncols=4, fontsize=SMALL, title="(b), (c): MC ± 1 SE",
               title_fontsize=SMALL)
    for ax, what in ((ax_b, r"$n\,(E[G]+\beta/2)$"), (ax_c, r"$n\,(\mathrm{Var}[G]-\beta)$")):
        ax.axhline(0, **LEADING)
        ax.set(xlabel="depth/width $d/n$", ylabel=what, xlim=(0, None))
    ax_b.set_title(r"(b) mean of G minus leading order $-\beta/2$, × n")
    ax_c.set_title(r"(c) variance of G minus leading order $\beta$, × n")
    return fig


# ---------------------------------------------------------------------------------------- validation
def plot_validation(data: Data, params: Params) -> Figure:
    """nica/validation (spec §5): QQ grid of every reduction against the brute-force network (V1-V5, KS p from
    the stats) and the Theorem 2 factorisation V6: L = Y - c - G against ln chi^2_{n_out}."""
    a, s, p = _unpack(data, params, "validation")
    ids = [cid for cid, entry in s.items() if "full_key" in entry]
    fig, axes = _panel_grid(len(ids) + 1, ncols=4, width=3.7, height=3.4)
    for ax, cid in zip(axes, ids, strict=False):
        entry = s[cid]
        full, reduced = alive_values(a, entry["full_key"]), alive_values(a, entry["reduced_key"])
        base = "χ² reduction" if cid == "V5" else "brute force"
        _qq(ax, full, reduced, f"{base} quantile (N = {full.size})", f"{entry['method']} quantile (N = {reduced.size})",
            f"{cid}: {textwrap.fill(entry['text'], 36)}\nKS p = {entry['ks']['p_value']:.2g}")
    case = factorisation_case(p)
    brute = {obs: a[keys.v1(case["n"], case["d"], "full", obs)] for obs in ("G", "Y", "dead")}
    g, y = _alive(brute["G"], brute["dead"])[0], _alive(brute["Y"], brute["dead"])[0]
    resid = y - input_offset(p["n_in"]) - g
    k, v6 = p["n_out"], s["V6"]
    _qq(axes[-1], lambda q: np.log(chi2_ppf(q, k)), resid, rf"quantile of $\ln\chi^2_{{{k}}}$",
        f"quantile of L = Y − c − G (N = {resid.size})",
        f"V6 Theorem 2, brute-force MLP\nn = {case['n']}, d = {case['d']}\nKS p = {v6['ks']['p_value']:.2g}, "
        f"corr(L, G) = {v6['corr']['value']:.3f}")
    fig.suptitle(r"Exact reductions vs brute-force networks (independent seeds); tangent = "
                 r"$\ln\|\partial z^{out}/\partial x_1\|^2$")
    return fig

"""Experiment runners of the nica document: configuration parameters -> arrays (rule sample).

Each ``run_<experiment>(params, seeds, chunks)`` returns a flat dict of arrays whose keys name the setting, e.g.
``"d10/G"`` (formatted by ``keys.py``). Every setting draws from its own named seed (``seeds("d=10")``), so adding a
setting never changes the others. Samplers: spec nica §4.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deeplimits.documents.nica import keys
from deeplimits.models.networks import mlp
from deeplimits.models.networks.brute import brute_network
from deeplimits.models.networks.mlp import bartlett_tangent, chi2_mlp, layer_terms
from deeplimits.models.networks.resnet import gram_tangent, vector_network
from deeplimits.rng import Chunks, Seeds

Arrays = dict[str, np.ndarray]
RESNET_VARIANTS = ("standard", "balanced")
#: depth at which the ResNet claims are audited (spec nica/resnet: d = 100), and where E[e^G] is (d = 30)
RESNET_AUDIT_DEPTH, RESNET_EXP_DEPTH = 100, 30
GRAD_ARCHS = ("mlp", "balanced", "standard")


def input_offset(n_in: int) -> float:
    """c = ln(|x|^2 / n_in) for the unit input x = n_in^-1/2 (1, ..., 1) [choice]: c = -ln n_in."""
    return mlp.input_offset(mlp.unit_input(n_in))


def alive_values(arrays: Arrays, key: str) -> np.ndarray:
    """Values of ``arrays[key]`` without dead networks; the dead mask of ``prefix/obs`` is ``prefix/dead``
    (absent for architectures that cannot die)."""
    values = arrays[key]
    dead = arrays.get(keys.dead_mask(key))
    return values if dead is None else values[~dead.astype(bool)]


def narrow_widths(n: int, narrow: int, d: int, j: int) -> list[int]:
    """Widths n_0..n_d, all n except n_j = narrow (nica/widths)."""
    return [narrow if layer == j else n for layer in range(d + 1)]


def _mlp(method: str, widths: list[int], p: dict[str, Any], seed, samples: int, chunks: Chunks) -> Arrays:
    """Equal- or unequal-width MLP: G, Y, dead by the chi-square reduction or the brute-force network."""
    if method == "chi2":
        return chi2_mlp(widths=widths, n_out=p["n_out"], c=input_offset(p["n_in"]), seed=seed,
                        n_samples=samples, chunk_size=chunks.reduced)
    out = brute_network(arch="mlp", widths=widths, alpha2=0.0, n_in=p["n_in"], n_out=p["n_out"],
                        weights="gaussian", tangent=False, depths=None, seed=seed, n_samples=samples,
                        chunk_size=chunks.brute)
    return {"G": out["G"][:, 0], "Y": out["Y"], "dead": out["dead"][:, 0]}


def run_fig1(p: dict[str, Any], seeds: Seeds, chunks: Chunks) -> Arrays:
    """nica/fig1: G and Y = ln|z_out|^2 at each depth (n = 100, n_in = n_out = 10, N = 2^15) [seed]."""
    out: Arrays = {}
    for d in p["depths"]:
        res = _mlp(p["method"], [p["n"]] * (d + 1), p, seeds(f"d={d}"), p["samples"], chunks)
        out |= keys.prefixed(keys.fig1(d), res)
    return out


def run_moments(p: dict[str, Any], seeds: Seeds, chunks: Chunks) -> Arrays:
    """nica/moments: G for every (n, d) (independent draws) and dead flags for small n [choice]."""
    out: Arrays = {}
    for n in p["n"]:
        for d in p["depths"]:
            res = _mlp("chi2", [n] * (d + 1), p, seeds(f"n={n}", f"d={d}"), p["samples"], chunks)
            out |= {keys.moments(n, d, "G"): res["G"], keys.moments(n, d, "dead"): res["dead"]}
    for n in p["dead_n"]:
        for d in p["depths"]:
            res = _mlp("chi2", [n] * (d + 1), p, seeds("dead", f"n={n}", f"d={d}"), p["samples"], chunks)
            out[keys.moments_dead(n, d)] = res["dead"]
    return out


def run_layerterms(p: dict[str, Any], seeds: Seeds, chunks: Chunks) -> Arrays:
    """nica/layerterms: u = |g|^2/n and r = (2/n)|relu(g)|^2 from direct Gaussian vectors [choice]."""
    out: Arrays = {}
    for n in p["n"]:
        res = layer_terms(n=n, seed=seeds(f"n={n}"), n_samples=p["samples"], chunk_size=chunks.reduced)
        out |= keys.prefixed(keys.layerterms(n), res)
    return out


def run_widths(p: dict[str, Any], seeds: Seeds, chunks: Chunks) -> Arrays:
    """nica/widths: G with the narrow layer at j = 0..d (chi-square reduction) [choice]."""
    out: Arrays = {}
    for j in range(p["d"] + 1):
        widths = narrow_widths(p["n"], p["narrow"], p["d"], j)
        out |= keys.prefixed(keys.widths(j), _mlp("chi2", widths, p, seeds(f"j={j}"), p["samples"], chunks))
    return out


def nearest_depth(depths: list[int], target: int) -> int:
    """The checkpoint closest to ``target`` (the smaller one on ties)."""
    return min(depths, key=lambda d: (abs(d - target), d))


def _resnet(method: str, variant: str, n: int, depths: list[int], alpha2: float, p: dict[str, Any], seed,
            samples: int, chunks: Chunks) -> Arrays:
    """G at the checkpoints; active fractions per layer and, per sample, over layers d_a/2 < l <= d_a at the
    audit depth d_a (spec: layers 50-100)."""
    d_audit = nearest_depth(depths, RESNET_AUDIT_DEPTH)
    window = (d_audit // 2 + 1, d_audit)
    if method == "vector":
        return vector_network(arch=variant, n=n, depths=depths, alpha2=alpha2, n_in=p["n_in"], n_out=p["n_out"],
                              seed=seed, n_samples=samples, chunk_size=chunks.reduced, active_window=window)
    return brute_network(arch=variant, widths=[n] * (max(depths) + 1), alpha2=alpha2, n_in=p["n_in"],
                         n_out=p["n_out"], weights="gaussian", depths=depths, seed=seed, n_samples=samples,
                         chunk_size=chunks.brute, active_window=window)


def run_resnet(p: dict[str, Any], seeds: Seeds, chunks: Chunks) -> Arrays:
    """nica/resnet: standard and balanced ResNets, G at the depth checkpoints of one run [choice]."""
    out: Arrays = {}
    for variant in RESNET_VARIANTS:
        for a2 in p["alpha2"]:
            res = _resnet(p["method"], variant, p["n"], p["depths"], a2, p, seeds(variant, f"alpha2={a2:g}"),
                          p["samples"], chunks)
            out |= keys.prefixed(keys.resnet(variant, a2), res)
    return out


def _tangent_pair(method: str, arch: str, n: int, d: int, alpha2: float, p: dict[str, Any], seed,
                  samples: int, chunks: Chunks) -> Arrays:
    """Y and Yt = ln|dz_out/dx_1|^2 of the same networks: ``reduced`` (Bartlett reduction for the MLP, Gram
    trick for ResNets), ``gram`` (Gram trick for all) or ``full`` (brute force)."""
    if method == "reduced" and arch == "mlp":
        return bartlett_tangent(n=n, d=d, n_in=p["n_in"], n_out=p["n_out"], seed=seed, n_samples=samples,
                                chunk_size=chunks.reduced)
    if method in ("reduced", "gram"):
        return gram_tangent(arch=arch, n=n, d=d, alpha2=alpha2, n_in=p["n_in"], n_out=p["n_out"], seed=seed,
                            n_samples=samples, chunk_size=chunks.reduced)
    out = brute_network(arch=arch, widths=[n] * (d + 1), alpha2=alpha2, n_in=p["n_in"], n_out=p["n_out"],
                        weights="gaussian", tangent=True, depths=None, seed=seed, n_samples=samples,
                        chunk_size=chunks.brute)
    return {"Y": out["Y"], "Yt": out["Yt"], "dead": out["dead"][:, 0]}


def run_grad(p: dict[str, Any], seeds: Seeds, chunks: Chunks) -> Arrays:
    """nica/grad: run A (forward, ln|z_out|^2) and run B (tangent), independent seeds [choice]."""
    out: Arrays = {}
    for arch in GRAD_ARCHS:
        a2 = 0.0 if arch == "mlp" else p["alpha2"]
        run_a = _tangent_pair(p["method"], arch, p["n"], p["d"], a2, p, seeds(arch, "A"), p["samples"], chunks)
        run_b = _tangent_pair(p["method"], arch, p["n"], p["d"], a2, p, seeds(arch, "B"), p["samples"], chunks)
        out |= {keys.grad(arch, "forward"): run_a["Y"], keys.grad(arch, "tangent"): run_b["Yt"],
                keys.grad_dead(arch, "forward"): run_a["dead"], keys.grad_dead(arch, "tangent"): run_b["dead"]}
    return out


def run_universality(p: dict[str, Any], seeds: Seeds, chunks: Chunks) -> Arrays:
    """nica/universality: MLPs with Gaussian, Rademacher or uniform weights [choice]. Non-Gaussian weights have
    no reduction (spec pitfall 10): brute force. Gaussian weights: brute force too with ``method: full``; with
    ``method: reduced`` the chi-square reduction, exact in law (nica/validation V1), one run per checkpoint, with
    ``gaussian_samples`` samples where a size gives them."""
    out: Arrays = {}
    for law in p["laws"]:
        for size in p["sizes"]:
            n = size["n"]
            if law == "gaussian" and p["method"] == "reduced":
                samples = size.get("gaussian_samples", size["samples"])
                runs = [_mlp("chi2", [n] * (d + 1), p, seeds(law, f"n={n}", f"d={d}"), samples, chunks)
                        for d in p["depths"]]
                out |= {keys.universality(law, n, "G"): np.column_stack([r["G"] for r in runs]),
                        keys.universality(law, n, "dead"): np.column_stack([r["dead"] for r in runs])}
                continue
            res = brute_network(arch="mlp", widths=[n] * (max(p["depths"]) + 1), alpha2=0.0, n_in=p["n_in"],
                                n_out=p["n_out"], weights=law, tangent=False, depths=p["depths"],
                                seed=seeds(law, f"n={n}"), n_samples=size["samples"], chunk_size=chunks.brute)
            out |= {keys.universality(law, n, "G"): res["G"], keys.universality(law, n, "dead"): res["dead"]}
    return out


def factorisation_case(p: dict[str, Any]) -> dict[str, Any]:
    """The validation MLP case whose brute-force samples test V6: the most brute-force samples, then the largest
    n d."""
    return max(p["mlp"], key=lambda c: (c.get("full_samples", p["full_samples"]), c["n"] * c["d"]))


def run_validation(p: dict[str, Any], seeds: Seeds, chunks: Chunks) -> Arrays:
    """nica/validation: each exact reduction vs the brute-force network, independent seeds [derived].

    V1 chi-square MLP, V2 chi-square widths, V3 vector trick ResNets, V4 Gram-trick tangents,
    V5 vector trick vs chi-square; the full MLP samples also serve V6 (Theorem 2 factorisation, on the case with
    the most brute-force samples: :func:`factorisation_case`). An MLP case's ``full_samples`` overrides the
    experiment's (more brute force where it is cheap).
    """
    full, reduced = p["full_samples"], p["reduced_samples"]
    out: Arrays = {}
    for case in p["mlp"]:
        n, d = case["n"], case["d"]
        name = keys.v1(n, d)
        res = _mlp("chi2", [n] * (d + 1), p, seeds(name, "reduced"), reduced, chunks)
        out |= keys.prefixed(keys.v1(n, d, "reduced"), res)
        out |= keys.prefixed(keys.v1(n, d, "full"), _mlp("full", [n] * (d + 1), p, seeds(name, "full"),
                                                         case.get("full_samples", full), chunks))
    w = p["widths"]
    for j in w["positions"]:
        widths = narrow_widths(w["n"], w["narrow"], w["d"], j)
        name = keys.v2(j)
        out |= keys.prefixed(keys.v2(j, "reduced"), _mlp("chi2", widths, p, seeds(name, "reduced"), reduced, chunks))
        out |= keys.prefixed(keys.v2(j, "full"), _mlp("full", widths, p, seeds(name, "full"), full, chunks))
    r = p["resnet"]
    for arch in ("mlp", *RESNET_VARIANTS):
        a2 = 0.0 if arch == "mlp" else r["alpha2"]
        brute = brute_network(arch=arch, widths=[r["n"]] * (r["d"] + 1), alpha2=a2, n_in=p["n_in"],
                              n_out=p["n_out"], weights="gaussian", tangent=True, depths=None,
                              seed=seeds("V3V4", arch, "full"), n_samples=full, chunk_size=chunks.brute)
        gram = gram_tangent(arch=arch, n=r["n"], d=r["d"], alpha2=a2, n_in=p["n_in"], n_out=p["n_out"],
                            seed=seeds("V4", arch, "reduced"), n_samples=reduced, chunk_size=chunks.reduced)
        out |= {keys.v4(arch, "full", "Yt"): brute["Yt"], keys.v4(arch, "reduced", "Yt"): gram["Yt"]}
        if arch == "mlp":
            bart = bartlett_tangent(n=r["n"], d=r["d"], n_in=p["n_in"], n_out=p["n_out"],
                                    seed=seeds("V4", "bartlett"), n_samples=reduced, chunk_size=chunks.reduced)
            out |= {keys.v4("bartlett", "full", "Yt"): brute["Yt"], keys.v4("bartlett", "reduced", "Yt"): bart["Yt"],
                    keys.v4("bartlett", "full", "diff"): brute["Yt"] - brute["Y"],
                    keys.v4("bartlett", "reduced", "diff"): bart["Yt"] - bart["Y"]}
        else:
            vec = vector_network(arch=arch, n=r["n"], depths=[r["d"]], alpha2=a2, n_in=p["n_in"],
                                 n_out=p["n_out"], seed=seeds("V3", arch, "reduced"), n_samples=reduced,
                                 chunk_size=chunks.reduced)
            out |= {keys.v3(arch, "full"): brute["G"][:, 0], keys.v3(arch, "reduced"): vec["G"][:, 0]}
    v = p["vector_vs_chi2"]
    vec = vector_network(arch="mlp", n=v["n"], depths=[v["d"]], alpha2=0.0, n_in=p["n_in"], n_out=p["n_out"],
                         seed=seeds("V5", "vector"), n_samples=reduced, chunk_size=chunks.reduced)
    chi = _mlp("chi2", [v["n"]] * (v["d"] + 1), p, seeds("V5", "chi2"), reduced, chunks)
    out |= {keys.v5("vector"): vec["G"][:, 0], keys.v5("chi2"): chi["G"]}
    return out

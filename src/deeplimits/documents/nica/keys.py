"""Array keys of the nica document: the one place that formats (and parses) them.

Each experiment's sample file is a flat dict of arrays whose ``/``-separated keys name the setting, then the observable,
e.g. ``"d10/G"``, ``"n30/d5/dead"``, ``"standard/a0.5/G"``, ``"V1/n100_d10/full/G"``. One function per key family;
those that take ``*parts`` return the setting alone when called without them (the prefix of its arrays, see
:func:`prefixed`, and the key of its stats entry) and append the parts (observable, method) otherwise.
"""

from __future__ import annotations

import numpy as np

Arrays = dict[str, np.ndarray]


def _join(*parts: str) -> str:
    """``{part}/{part}/...``: a key from its parts."""
    return "/".join(parts)


def prefixed(prefix: str, arrays: Arrays) -> Arrays:
    """``{prefix}/{key}``: the arrays of one setting under its prefix."""
    return {_join(prefix, k): v for k, v in arrays.items()}


def dead_mask(key: str) -> str:
    """``{prefix}/dead`` for the array ``{prefix}/{obs}``: the key of its dead-network mask (present only for
    architectures that can die)."""
    return _join(key.rsplit("/", 1)[0], "dead")


def alpha_key(alpha2: float) -> str:
    """``a{alpha2:g}``: the residual scale alpha^2 (ResNet keys, claim ids)."""
    return f"a{alpha2:g}"


def fig1(d: int, *parts: str) -> str:
    """``d{d}/{obs}``: MLP of depth d (nica/fig1); obs G, Y, dead."""
    return _join(f"d{d}", *parts)


def moments(n: int, d: int, *parts: str) -> str:
    """``n{n}/d{d}/{obs}``: MLP of width n and depth d (nica/moments); obs G, dead."""
    return _join(f"n{n}", f"d{d}", *parts)


def moments_dead(n: int, d: int) -> str:
    """``dead/n{n}/d{d}``: dead flags of the separate dead-fraction draws at width n, depth d (nica/moments)."""
    return _join("dead", f"n{n}", f"d{d}")


def layerterms(n: int, *parts: str) -> str:
    """``n{n}/{obs}``: single-layer terms at width n (nica/layerterms); obs u, r."""
    return _join(f"n{n}", *parts)


def widths(j: int, *parts: str) -> str:
    """``j{j}/{obs}``: MLP with the narrow layer at position j (nica/widths); obs G, Y, dead."""
    return _join(f"j{j}", *parts)


def resnet(variant: str, alpha2: float, *parts: str) -> str:
    """``{variant}/a{alpha2:g}/{obs}``: ResNet variant (standard, balanced) at residual scale alpha^2 (nica/resnet);
    obs G, Y, dead, active_mean, active_sd, active_late."""
    return _join(variant, alpha_key(alpha2), *parts)


def grad(arch: str, run: str) -> str:
    """``{arch}/{run}``: run A (``forward``, ln|z_out|^2) or run B (``tangent``, ln|dz_out/dx_1|^2) of one
    architecture (mlp, balanced, standard; nica/grad)."""
    return _join(arch, run)


def grad_dead(arch: str, run: str) -> str:
    """``{arch}/{run}_dead``: dead flags of the networks of :func:`grad` ``(arch, run)``."""
    return _join(arch, f"{run}_dead")


def universality(law: str, n: int, *parts: str) -> str:
    """``{law}/n{n}/{obs}``: MLP of width n with weights of law (gaussian, rademacher, uniform; nica/universality);
    obs G, dead (one column per depth checkpoint)."""
    return _join(law, f"n{n}", *parts)


def v1(n: int, d: int, *parts: str) -> str:
    """``V1/n{n}_d{d}/{method}/{obs}``: chi-square MLP case of width n, depth d (nica/validation V1); method reduced,
    full; obs G, Y, dead. The case alone also names its seeds."""
    return _join("V1", f"n{n}_d{d}", *parts)


def v2(j: int, *parts: str) -> str:
    """``V2/j{j}/{method}/{obs}``: unequal-width case with the narrow layer at j (nica/validation V2); method
    reduced, full; obs G, Y, dead. The case alone also names its seeds."""
    return _join("V2", f"j{j}", *parts)


def v3(arch: str, method: str) -> str:
    """``V3/{arch}/{method}/G``: vector trick (reduced) vs brute force (full) for a ResNet variant
    (nica/validation V3)."""
    return _join("V3", arch, method, "G")


def v4(arch: str, method: str, obs: str) -> str:
    """``V4/{arch}/{method}/{obs}``: Gram trick, or for arch ``bartlett`` the Bartlett reduction, (reduced) vs brute
    force (full) of the tangent (nica/validation V4); obs Yt, and diff = Yt - Y for ``bartlett``."""
    return _join("V4", arch, method, obs)


def v5(method: str) -> str:
    """``V5/{method}/G``: MLP by the vector trick (``vector``) or the chi-square reduction (``chi2``; nica/validation
    V5)."""
    return _join("V5", method, "G")

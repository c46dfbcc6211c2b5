"""Array keys of the hayou document: the one place that formats the keys of the sample files.

Each experiment stores its samples as a flat dict of arrays (one ``.npz``) whose keys name the setting and then the
statistic, joined by ``/``, e.g. ``"n4/L256/G"``: G_1 of the networks of width n = 4 and depth L = 256. The parts
are ``n{width}``, ``L{depth}``, ``a{alpha:g}`` (negative slope alpha), ``set{i}`` (parameter set i) and the
sampler names of aux03. :mod:`~deeplimits.documents.hayou.sample` writes the keys,
:mod:`~deeplimits.documents.hayou.fit` and :mod:`~deeplimits.documents.hayou.figures` read them, all through these
functions, one per key family; ``stat`` is the statistic's name, the last part of the key. No code splits a key:
a reader knows the setting it asks for and formats the key.
"""

from __future__ import annotations

#: ou_activation: the grid x on which phi, g and g' are evaluated
GRID = "x"


def alpha_key(alpha: float) -> str:
    """``a{alpha:g}``: the part naming the negative slope alpha of the piecewise-linear activation (piecewise; also
    its seed name and claim ids)."""
    return f"a{alpha:g}"


def activation_depth(activation: str, depth: int, stat: str) -> str:
    """``{activation}/L{depth}/{stat}`` (gbm): ``identity/L{depth}/Y_at``, ``relu/L{depth}/Y0``,
    ``relu/L{depth}/YL``."""
    return f"{activation}/L{depth}/{stat}"


def parameter_set(i: int, stat: str) -> str:
    """``set{i}/{stat}`` (ou_activation): ``phi``, ``g``, ``g_prime`` of parameter set i on :data:`GRID`."""
    return f"set{i}/{stat}"


def at_depth(depth: int, stat: str) -> str:
    """``L{depth}/{stat}`` (ou): ``Y_at``, ``Z_at``."""
    return f"L{depth}/{stat}"


def width_depth(n: int, depth: int, stat: str) -> str:
    """``n{n}/L{depth}/{stat}``: collapse ``counts``; quasi_gbm ``G``, ``alive0``, ``collapsed``, ``active_mean``;
    correlation ``c0``, ``cL``, ``paths``."""
    return f"n{n}/L{depth}/{stat}"


def depth_first(n: int, stat: str) -> str:
    """``depth_first/n{n}/{stat}`` (limits, fixed depth, width n): ``S``, ``M4``, ``G``, ``alive0``, ``pooled``."""
    return f"depth_first/n{n}/{stat}"


def width_first(depth: int, stat: str) -> str:
    """``width_first/L{depth}/{stat}`` (limits, fixed width, depth L): the statistics of :func:`depth_first`."""
    return f"width_first/L{depth}/{stat}"


def at_width(n: int, stat: str) -> str:
    """``n{n}/{stat}``: gradients ``ratio``, ``alive0``, ``inner0``, ``innerL``; layers ``U``, ``alive0``;
    identity_norm ``log_ratio``."""
    return f"n{n}/{stat}"


def width_alpha(n: int, alpha: float, stat: str) -> str:
    """``n{n}/a{alpha:g}/{stat}`` (piecewise): ``G``."""
    return f"n{n}/{alpha_key(alpha)}/{stat}"


def sampler(name: str, stat: str) -> str:
    """``{name}/{stat}`` (validation): ``S1/phi_norm``, ``S1/collapsed``, ``S4/phi_norm``, ``S4/collapsed``,
    ``S3/cL``, ``S4_pair/cL``."""
    return f"{name}/{stat}"

"""Keys of the bassetti arrays: the one place that formats them (sample.py writes them, fit.py and figures.py read
them). No code splits a key, so there is nothing to parse.

A sample file is a flat dict of arrays. A key is a setting name followed by a quantity, joined by "/", e.g.
``"N20/a0.5/Q11"``: Q11 of the Bartlett path at width N = 20, snapshot L = 0.5 N. Setting names (``*_name``) are
also the settings' seed names in sample.py and, where fit.py keys its stats by setting, names in the stats JSON;
full keys are ``*_key``. Quantities: ``s``, ``S`` outputs; ``Q``, ``Q11``, ``Q12``, ``Q22`` the mixing matrix and
its entries; ``logB22sq`` = log B_22^2; ``B`` the Bartlett factor; ``log_eig`` the log-eigenvalues of Q.
"""

from __future__ import annotations

#: path name of the surrogate Bartlett path at width N' (d2_limit, rank)
SURROGATE = "surrogate"
#: setting name of the triangular SDE draws (d2_limit)
SDE = "sde"
#: keys of the fixed inputs X and the held-out input x_0 (posterior)
INPUTS, HELD_OUT = "X", "x0"


def alpha_name(alpha: float) -> str:
    """``a<alpha>`` (alpha as ``%g``, e.g. ``a0.5``): the depth L = alpha N of a setting."""
    return f"a{alpha:g}"


def width_name(n: int) -> str:
    """``N<n>``: the width N of a setting (the Bartlett path at width N)."""
    return f"N{n}"


def rho_name(rho: float) -> str:
    """``rho<rho>`` (rho as ``%g``): a correlation (multi_input: the inputs' K_12; posterior: the labels' rho_Y)."""
    return f"rho{rho:g}"


def snapshot_name(path: str, alpha: float) -> str:
    """``<path>/a<alpha>``: the snapshot at L = alpha N of a path (``N<n>``, ``surrogate``, or d1's ``network``)."""
    return f"{path}/{alpha_name(alpha)}"


def snapshot_key(path: str, alpha: float, quantity: str) -> str:
    """``<path>/a<alpha>/<quantity>``: d2_exact, d2_limit (``Q11``, ``Q12``, ``Q22``, ``logB22sq``, ``s``) and rank
    (``log_eig``)."""
    return f"{snapshot_name(path, alpha)}/{quantity}"


def d1_network_key(alpha: float, quantity: str) -> str:
    """``network/a<alpha>/<quantity>``: the brute-force networks of d1 (``s``, ``Q``)."""
    return snapshot_key("network", alpha, quantity)


def d1_exact_name(n: int, alpha: float) -> str:
    """``exact/N<n>/a<alpha>``: the exact finite-N sampler of d1 at width n."""
    return f"exact/{snapshot_name(width_name(n), alpha)}"


def d1_exact_key(n: int, alpha: float, quantity: str) -> str:
    """``exact/N<n>/a<alpha>/<quantity>``: the exact finite-N sampler of d1 (``s``, ``Q``)."""
    return f"{d1_exact_name(n, alpha)}/{quantity}"


def convergence_key(n: int, quantity: str) -> str:
    """``N<n>/<quantity>``: d1_convergence at width n (``s``, ``Q``)."""
    return f"{width_name(n)}/{quantity}"


def sde_key(quantity: str) -> str:
    """``sde/<quantity>``: the triangular SDE of d2_limit (``Q11``, ``Q12``, ``Q22``, ``logB22sq``)."""
    return f"{SDE}/{quantity}"


def multi_input_key(rho: float, sampler: str, quantity: str) -> str:
    """``rho<rho>/<sampler>/<quantity>``: multi_input; sampler ``network`` (``S``, ``Q``), ``mixture`` (``S``,
    ``Q``), ``pxp`` (``S``) or ``contour`` (``S``)."""
    return f"{rho_name(rho)}/{sampler}/{quantity}"


def labels_key(rho: float) -> str:
    """``Y/rho<rho>`` (rho as ``%g``): the labels of posterior with label correlation rho_Y = rho."""
    return f"Y/{rho_name(rho)}"


def prior_key(alpha: float) -> str:
    """``a<alpha>/B``: the prior draws of the D = 2 Bartlett factor of posterior at L = alpha N'."""
    return f"{alpha_name(alpha)}/B"


def profile_key(profile: str, quantity: str) -> str:
    """``<profile>/<quantity>``: widths, width profile ``A``-``D`` (``Q11``, ``logB22sq``)."""
    return f"{profile}/{quantity}"

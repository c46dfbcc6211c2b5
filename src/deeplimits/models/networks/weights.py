"""Weight laws for brute-force networks (nica spec §2 "Non-Gaussian weights").

All weights, the input and output layers included, are iid with mean 0 and unit variance [seed claim];
the laws are a [choice]:

- ``gaussian``: N(0, 1), excess kurtosis κ = 0;
- ``rademacher``: uniform on {-1, +1}, κ = -2;
- ``uniform``: Uniform(-√3, √3), κ = -6/5.

Only brute force may use a non-Gaussian law: every reduction rests on W h =d ||h|| g (spec §4).
"""

from __future__ import annotations

import math

import numpy as np

from deeplimits.rng import ChunkRng

WEIGHT_LAWS = ("gaussian", "rademacher", "uniform")

_SQRT3 = math.sqrt(3.0)


def check_weight_law(law: str) -> str:
    """Return ``law`` if it is one of :data:`WEIGHT_LAWS`, else raise ``ValueError`` naming them."""
    if law not in WEIGHT_LAWS:
        raise ValueError(f"unknown weight law {law!r}; allowed laws: {', '.join(WEIGHT_LAWS)}")
    return law


def draw_weights(rng: ChunkRng, law: str, *tail: int) -> np.ndarray:
    """IID unit-variance weights of shape ``(chunk_len, *tail)`` (float64) from ``law``."""
    check_weight_law(law)
    if law == "gaussian":
        return rng.standard_normal(*tail)
    if law == "rademacher":
        return rng.rademacher(*tail)
    return rng.uniform(-_SQRT3, _SQRT3, *tail)

"""Normal, chi-square and Student t functions on ``scipy.special`` alone.

``scipy.stats`` costs about 0.45 s to import, more than the rest of a figure job's imports; the figure and fit jobs
and the audit need only these few closed forms. Each is the formula ``scipy.stats`` evaluates (``norm``: standardise,
then ``ndtr``/``ndtri``/the density; ``chi2.ppf``: ``2 gammaincinv(k/2, q)``; ``t.ppf``: ``stdtrit``), so values
agree bit for bit (``tests/test_distributions.py``).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import gammaincinv, ndtr, ndtri, stdtrit

_SQRT_2PI = np.sqrt(2 * np.pi)


def normal_pdf(x: ArrayLike, mean: ArrayLike = 0.0, sd: ArrayLike = 1.0) -> NDArray[np.float64]:
    """Density of N(mean, sd^2): exp(-z^2/2) / sqrt(2 pi) / sd, z = (x - mean)/sd."""
    z = (np.asarray(x, dtype=float) - mean) / sd
    return np.exp(-z**2 / 2.0) / _SQRT_2PI / sd


def normal_cdf(x: ArrayLike, mean: ArrayLike = 0.0, sd: ArrayLike = 1.0) -> NDArray[np.float64]:
    """Distribution function of N(mean, sd^2): Phi((x - mean)/sd)."""
    return ndtr((np.asarray(x, dtype=float) - mean) / sd)


def normal_sf(x: ArrayLike, mean: ArrayLike = 0.0, sd: ArrayLike = 1.0) -> NDArray[np.float64]:
    """Survival function of N(mean, sd^2): Phi(-(x - mean)/sd)."""
    return ndtr(-((np.asarray(x, dtype=float) - mean) / sd))


def normal_ppf(q: ArrayLike, mean: ArrayLike = 0.0, sd: ArrayLike = 1.0) -> NDArray[np.float64]:
    """Quantile function of N(mean, sd^2): mean + sd Phi^-1(q)."""
    return ndtri(np.asarray(q, dtype=float)) * sd + mean


def chi2_ppf(q: ArrayLike, k: ArrayLike) -> NDArray[np.float64]:
    """Quantile function of the chi-square law with k degrees of freedom: 2 P^-1(k/2, q), P the regularised lower
    incomplete gamma function."""
    return 2 * gammaincinv(np.asarray(k, dtype=float) / 2, q)


def student_t_ppf(q: ArrayLike, dof: ArrayLike) -> NDArray[np.float64]:
    """Quantile function of Student's t with ``dof`` degrees of freedom (``scipy.special.stdtrit``), 0 < q < 1."""
    return stdtrit(dof, q)

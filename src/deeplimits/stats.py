"""Estimates with standard errors, and distributional tests.

Standard errors (spec nica §5 "Audit rules", used by every document):
mean s/sqrt(N); variance sqrt((m4 - s^4)/N); fraction sqrt(p(1-p)/N); differences of independent
estimates add in quadrature.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np

from deeplimits.distributions import student_t_ppf

#: two-sided p-value of a 5 sigma Gaussian deviation; distributional claims hold when p >= this.
P_FIVE_SIGMA = 5.7e-7


@dataclass(frozen=True)
class Estimate:
    """A Monte Carlo estimate with its standard error and sample count."""

    value: float
    stderr: float
    n: int

    def __sub__(self, other: Estimate) -> Estimate:
        """Difference of independent estimates (errors in quadrature)."""
        return Estimate(self.value - other.value, float(np.hypot(self.stderr, other.stderr)), min(self.n, other.n))

    def scaled(self, factor: float) -> Estimate:
        return Estimate(self.value * factor, self.stderr * abs(factor), self.n)

    def to_dict(self) -> dict:
        return asdict(self)


def _finite(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64).ravel()
    return x[np.isfinite(x)]


def mean(x: np.ndarray) -> Estimate:
    """Mean of the finite values, SE s/sqrt(N)."""
    x = _finite(x)
    return Estimate(float(x.mean()), float(x.std(ddof=1) / np.sqrt(x.size)), int(x.size))


def variance(x: np.ndarray) -> Estimate:
    """Unbiased variance of the finite values, SE sqrt((m4 - s^4)/N)."""
    x = _finite(x)
    s2 = x.var(ddof=1)
    m4 = np.mean((x - x.mean()) ** 4)
    return Estimate(float(s2), float(np.sqrt(max(m4 - s2**2, 0.0) / x.size)), int(x.size))


def central_moment(x: np.ndarray, order: int) -> Estimate:
    """k-th central moment of the finite values, SE from the delta method sqrt(Var[(x-m)^k - k m_{k-1}(x-m)]/N)."""
    x = _finite(x)
    c = x - x.mean()
    terms = c**order - order * np.mean(c ** (order - 1)) * c
    return Estimate(float(np.mean(c**order)), float(terms.std(ddof=1) / np.sqrt(x.size)), int(x.size))


def fraction(mask: np.ndarray) -> Estimate:
    """Fraction of True values, SE sqrt(p(1-p)/N)."""
    mask = np.asarray(mask, dtype=bool).ravel()
    p = float(mask.mean())
    return Estimate(p, float(np.sqrt(p * (1 - p) / mask.size)), int(mask.size))


#: batch-means SEs need batches of at least this many samples, and at least MIN_BATCHES of them
MIN_BATCH_SIZE, MIN_BATCHES = 200, 10


def batch_estimate(x: np.ndarray, statistic: Callable[[np.ndarray], float], batches: int = 100) -> Estimate:
    """A statistic of the whole sample with a batch-means SE: the sd of the statistic over up to ``batches``
    equal consecutive batches divided by sqrt(number of batches) (for ratios and heavy-tailed moments where no
    formula is safe). Batches hold at least MIN_BATCH_SIZE samples; with fewer than MIN_BATCHES batches the SE
    is NaN (no reliable error: claims on it are inconclusive). ``x`` may have several columns (axis 0)."""
    x = np.asarray(x)
    batches = min(batches, x.shape[0] // MIN_BATCH_SIZE)
    if batches < MIN_BATCHES:
        return Estimate(float(statistic(x)), float("nan"), int(x.shape[0]))
    values = np.array([statistic(b) for b in np.array_split(x, batches)])
    return Estimate(float(statistic(x)), float(values.std(ddof=1) / np.sqrt(batches)), int(x.shape[0]))


def correlation(x: np.ndarray, y: np.ndarray) -> Estimate:
    """Pearson correlation with the large-N SE (1 - r^2)/sqrt(N) over pairs where both are finite."""
    ok = np.isfinite(x) & np.isfinite(y)
    r = float(np.corrcoef(x[ok], y[ok])[0, 1])
    return Estimate(r, float((1 - r**2) / np.sqrt(ok.sum())), int(ok.sum()))


@dataclass(frozen=True)
class KSResult:
    """Kolmogorov–Smirnov distance, p-value, effective sample size and the 5-sigma critical distance."""

    distance: float
    p_value: float
    n_eff: float

    @property
    def critical(self) -> float:
        return ks_critical(self.n_eff)

    def to_dict(self) -> dict:
        return {**asdict(self), "critical": self.critical}


def student_t_quantile(probability: float, replicates: int) -> float:
    """The ``probability`` quantile of Student's t with S - 1 degrees of freedom (at least 1): the k of an SE
    estimated from S replicates (two-sided 5 sigma: ``1 - P_FIVE_SIGMA / 2``; 8.3 at S = 16, 17 at S = 8)."""
    return float(student_t_ppf(probability, max(replicates - 1, 1)))


#: the k of an equality |estimate - theory| <= k SE + delta (DESIGN.md "Audit power")
K_EQUALITY = 5.0


def equality_k(replicates: int) -> float:
    """k of an equality (the audit's rule, here so that fits can state it without importing the audit): 5, or for
    an SE from S < 30 replicates the two-sided 5-sigma quantile of Student's t with S - 1 degrees of freedom (8.3 at
    S = 16, 17 at S = 8)."""
    return K_EQUALITY if replicates == 0 or replicates >= 30 else student_t_quantile(1 - P_FIVE_SIGMA / 2, replicates)


def ks_critical(n_eff: float, p: float = P_FIVE_SIGMA) -> float:
    """Asymptotic KS critical distance sqrt(-ln(p/2)/2)/sqrt(N_eff) at two-sided level p."""
    return float(np.sqrt(-np.log(p / 2) / 2) / np.sqrt(n_eff))


def ks_one_sample(x: np.ndarray, cdf: Callable[[np.ndarray], np.ndarray]) -> KSResult:
    """One-sample KS test of the finite x against a continuous CDF."""
    from scipy import stats as sps  # lazy: sample jobs never pay for scipy.stats

    x = _finite(x)
    res = sps.kstest(x, cdf)
    return KSResult(float(res.statistic), float(res.pvalue), float(x.size))


def tabulated_cdf(cdf: Callable[[np.ndarray], np.ndarray], lo: float, hi: float,
                  points: int = 20001) -> Callable[[np.ndarray], np.ndarray]:
    """A costly smooth CDF tabulated on [lo, hi] and interpolated linearly (0 and 1 outside): for KS tests on
    millions of samples; the interpolation error (~(step)^2 f') is far below any KS distance it meets."""
    grid = np.linspace(lo, hi, points)
    values = cdf(grid)
    return lambda t: np.interp(t, grid, values, left=0.0, right=1.0)


def ks_two_sample(x: np.ndarray, y: np.ndarray) -> KSResult:
    """Two-sample KS test of the finite values; N_eff = n m / (n + m)."""
    from scipy import stats as sps  # lazy: sample jobs never pay for scipy.stats

    x, y = _finite(x), _finite(y)
    res = sps.ks_2samp(x, y)
    return KSResult(float(res.statistic), float(res.pvalue), x.size * y.size / (x.size + y.size))


def density_histogram(x: np.ndarray, bin_width: float, lo: float, hi: float) -> tuple[np.ndarray, np.ndarray]:
    """Density-normalised histogram of the finite x on [lo, hi] (normalised by all finite samples)."""
    x = _finite(x)
    edges = np.arange(lo, hi + bin_width / 2, bin_width)
    counts, edges = np.histogram(x, bins=edges)
    return counts / (x.size * bin_width), edges


def quantile(x: np.ndarray, q: float) -> Estimate:
    """The q-quantile of the finite x; SE from the order statistics: half the distance between the quantiles at
    q -/+ sqrt(q(1-q)/N) (the binomial SE of the empirical CDF mapped through the quantile function)."""
    x = _finite(x)
    half = float(np.sqrt(q * (1 - q) / x.size))
    lo, mid, hi = np.quantile(x, [max(q - half, 0.0), q, min(q + half, 1.0)])
    return Estimate(float(mid), float((hi - lo) / 2), int(x.size))


def binomial_interval(successes: int, trials: int, level: float = 0.95) -> tuple[float, float]:
    """Clopper-Pearson (exact) confidence interval of a binomial proportion."""
    from scipy import stats as sps  # lazy: sample jobs never pay for scipy.stats

    alpha = 1.0 - level
    lo = 0.0 if successes == 0 else float(sps.beta.ppf(alpha / 2, successes, trials - successes + 1))
    hi = 1.0 if successes == trials else float(sps.beta.ppf(1 - alpha / 2, successes + 1, trials - successes))
    return lo, hi

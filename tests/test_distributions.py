"""deeplimits.distributions equals scipy.stats bit for bit, and figure and fit modules do not import scipy.stats."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from scipy import stats as sps

from deeplimits import distributions as dist
from deeplimits import registry

X = np.linspace(-9.0, 9.0, 1001)
Q = np.concatenate([[0.0, 1e-300, 1e-12], np.linspace(1e-6, 1 - 1e-6, 999), [1 - 1e-12, 1.0]])


@pytest.mark.parametrize(("mean", "sd"), [(0.0, 1.0), (-0.7, 0.3), (2.5, np.sqrt(2 * 0.8))])
def test_normal_functions_equal_scipy_stats_bit_for_bit(mean, sd):
    np.testing.assert_array_equal(dist.normal_pdf(X, mean, sd), sps.norm.pdf(X, mean, sd))
    np.testing.assert_array_equal(dist.normal_cdf(X, mean, sd), sps.norm.cdf(X, mean, sd))
    np.testing.assert_array_equal(dist.normal_sf(X, mean, sd), sps.norm.sf(X, mean, sd))
    np.testing.assert_array_equal(dist.normal_ppf(Q, mean, sd), sps.norm.ppf(Q, mean, sd))
    assert float(dist.normal_pdf(0.3, mean, sd)) == float(sps.norm.pdf(0.3, mean, sd))  # scalars too


def test_normal_functions_broadcast_like_scipy_stats():
    means = np.array([[-1.0], [0.5]])
    np.testing.assert_array_equal(dist.normal_cdf(X, means, 2.0), sps.norm.cdf(X, means, 2.0))


@pytest.mark.parametrize("k", [1, 2, 7, 100])
def test_chi2_quantile_equals_scipy_stats_bit_for_bit(k):
    np.testing.assert_array_equal(dist.chi2_ppf(Q, k), sps.chi2.ppf(Q, k))


@pytest.mark.parametrize("dof", [1, 7, 31, 1000])
def test_student_t_quantile_equals_scipy_stats_bit_for_bit(dof):
    inner = Q[(Q > 0) & (Q < 1)]  # the open interval: student_t_ppf leaves the endpoints to the caller
    np.testing.assert_array_equal(dist.student_t_ppf(inner, dof), sps.t.ppf(inner, dof))


def test_figure_fit_and_audit_modules_do_not_import_scipy_stats():
    """scipy.stats costs ~0.45 s a job: the figure, fit and audit jobs' modules use deeplimits.distributions (a fit
    that runs a KS test still imports it, lazily, in deeplimits.stats)."""
    modules = [f"deeplimits.documents.{paper}.{part}" for paper in registry.PAPERS for part in ("figures", "fit")]
    modules += ["deeplimits.jobs.figure", "deeplimits.jobs.fit", "deeplimits.jobs.audit", "deeplimits.audit"]
    code = (f"import sys\nfor m in {modules!r}: __import__(m)\n"
            "print('scipy.stats' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False", out.stdout

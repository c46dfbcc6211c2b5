"""Checks shared by the sampler test files: bit-identity of results, determinism, mean with its SE."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from deeplimits.stats import P_FIVE_SIGMA

#: distributional tests hold at p >= this (5 sigma, DESIGN.md)
P_MIN = P_FIVE_SIGMA


def mean_se(a: np.ndarray) -> tuple[float, float]:
    """Mean and its standard error s / sqrt(N)."""
    return float(a.mean()), float(a.std(ddof=1) / math.sqrt(a.size))


def assert_results_equal(r1: dict, r2: dict) -> None:
    """Same keys, shapes and values bit for bit (NaN of dead samples equal to NaN)."""
    assert r1.keys() == r2.keys()
    for key in r1:
        assert r1[key].shape == r2[key].shape, key
        assert np.array_equal(r1[key], r2[key], equal_nan=r1[key].dtype.kind == "f"), key


def check_determinism(sampler: Callable[..., dict], seed: Callable[[int], np.random.SeedSequence],
                      n_samples: int = 1000) -> tuple[dict, dict]:
    """Chunk size changes memory, never the arrays; the same seed (even the same SeedSequence object used
    twice) reproduces them. Returns the results for seed(1) and for seed(2), for seed-sensitivity checks."""
    r256 = sampler(seed=seed(1), n_samples=n_samples, chunk_size=256)
    assert_results_equal(r256, sampler(seed=seed(1), n_samples=n_samples, chunk_size=1024))
    assert_results_equal(r256, sampler(seed=seed(1), n_samples=n_samples, chunk_size=256))
    same = seed(1)
    assert_results_equal(sampler(seed=same, n_samples=n_samples, chunk_size=512),
                         sampler(seed=same, n_samples=n_samples, chunk_size=512))
    return r256, sampler(seed=seed(2), n_samples=n_samples, chunk_size=256)

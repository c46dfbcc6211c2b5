"""Names of the bordelon document's arrays and curves: the one place that formats and parses them.

A *curve* is named by the config keys its setting changes (:func:`curve_key`, e.g. ``L=3,nu=2``); the same name is
its seed name in the sample step and its entry in the stats JSON. The sample file is a flat dict of arrays whose keys
join a curve (or a table1 method) and a quantity with ``/``:

- loss curves (:func:`curve_array`): ``<curve>/t``, ``<curve>/test``, ``<curve>/train``, ``<curve>/diverged_at``
  and, with per-class losses, ``<curve>/class``;
- learning-rate sweeps: the grid :data:`SWEEP_ETAS` (``etas``), :func:`sweep_final` (``<curve>/final``) and
  :func:`sweep_diverged` (``<curve>/diverged``);
- table1 timings (:func:`timing_array`): ``<method>/dimension``, ``<method>/wall_s``, ``<method>/peak_bytes``;
- table1 sampler check (:func:`check_test`): ``check/<method>_test``.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

#: the learning-rate grid of a sweep experiment (etas)
SWEEP_ETAS = "etas"
#: a comma that starts the next ``key=value`` of a curve name (not one inside a list value)
_NEXT_CHANGE = re.compile(r",(?=\w+=)")


def curve_key(**changes: Any) -> str:
    """Name of the curve of a setting: its changed keys, sorted, floats as ``:g``, e.g. ``L=3,nu=2``."""
    return ",".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in sorted(changes.items()))


def curve_changes(name: str) -> dict[str, str]:
    """The changed keys of a curve name and their values as written, e.g. ``{"L": "3", "nu": "2"}`` from
    ``L=3,nu=2`` (the inverse of :func:`curve_key` up to its formatting)."""
    return dict(part.split("=", 1) for part in _NEXT_CHANGE.split(name))


def class_curve(lam: float) -> str:
    """Name of the per-class loss curve of the eigenvalue class ``lam`` (figA1): ``lambda=<lam>``."""
    return curve_key(**{"lambda": float(lam)})


def curve_array(curve: str, quantity: str) -> str:
    """Key of one array of a loss curve: ``<curve>/<quantity>`` (t, test, train, diverged_at, class)."""
    return f"{curve}/{quantity}"


def curve_arrays(curve: str, arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The arrays of one loss curve (quantity -> array) under their keys ``<curve>/<quantity>``."""
    return {curve_array(curve, quantity): value for quantity, value in arrays.items()}


def sweep_final(curve: str) -> str:
    """Key of a sweep curve's final test losses (etas, replicates): ``<curve>/final``."""
    return f"{curve}/final"


def sweep_diverged(curve: str) -> str:
    """Key of a sweep curve's divergence flags (etas, replicates): ``<curve>/diverged``."""
    return f"{curve}/diverged"


def timing_array(method: str, quantity: str) -> str:
    """Key of a table1 timing array of a simulation method (reduced, brute, residual): ``<method>/<quantity>``
    (dimension, wall_s, peak_bytes)."""
    return f"{method}/{quantity}"


def check_test(method: str) -> str:
    """Key of the test losses of table1's sampler cross-check with a sampler method (reduced, brute):
    ``check/<method>_test``."""
    return f"check/{method}_test"

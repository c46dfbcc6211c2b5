"""python -m deeplimits.compare: bit-for-bit by default, up to rounding with --rtol."""

from __future__ import annotations

import numpy as np

from deeplimits import io
from deeplimits.compare import main, rounding_differences


def test_rounding_differences():
    x = np.array([1.0, 2.0, np.inf, 1e-30])
    assert rounding_differences("a", x, x * (1 + 1e-13), 1e-10) == []
    (line,) = rounding_differences("a", x, x * np.array([1, 1 + 1e-6, 1, 1]), 1e-10)
    assert "1 of 4 entries" in line and "1e-06" in line
    assert "non-finite" in rounding_differences("a", x, np.array([1.0, 2.0, 3.0, 1e-30]), 1e-10)[0]
    assert "non-finite" in rounding_differences("a", x, np.array([1.0, 2.0, -np.inf, 1e-30]), 1e-10)[0]


def test_compare_runs_bitwise_and_up_to_rounding(tmp_path, capsys):
    for run, scale in (("a", 1.0), ("b", 1 + 1e-14)):
        (tmp_path / run / "samples" / "doc").mkdir(parents=True)
        io.write_npz(tmp_path / run / "samples" / "doc" / "exp.npz", {"x": np.linspace(1, 2, 5) * scale,
                                                                      "n": np.arange(3)}, {})
    a, b = str(tmp_path / "a"), str(tmp_path / "b")
    assert main([a, b]) == 1 and "doc/exp: array x differs" in capsys.readouterr().out
    assert main([a, b, "--rtol", "1e-12"]) == 0
    assert "2 arrays and 0 audit verdicts compared: 0 differences" in capsys.readouterr().out

"""Compare two finished runs: are their sample arrays bit-identical and their audit verdicts the same?

    python -m deeplimits.compare RESULTS_A RESULTS_B [--ignore bordelon/table1] [--rtol 1e-10]

Prints one line per difference (a sample file or array present in one run only, an array whose values differ,
a claim whose verdict differs) and a summary; exits 1 if anything differs. Use it to prove that a refactor kept
the arrays bit-identical, e.g. a smoke run of ``main`` against a smoke run of a branch. ``--ignore`` skips
experiments whose arrays are timings (bordelon/table1). ``--rtol`` compares floating-point arrays up to rounding
instead: the same non-finite entries and |a - b| <= rtol |a| elsewhere; each array beyond it is listed with the
number of entries and the largest relative difference (for a change that is exact only up to rounding).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from deeplimits import io


def array_differences(a: Path, b: Path, ignore: frozenset[str] = frozenset(),
                      rtol: float = 0.0) -> tuple[list[str], int]:
    """Differences between the sample files under ``a/samples`` and ``b/samples`` (bit for bit, or up to ``rtol``
    for floating-point arrays); and the number of arrays compared."""
    names_a = {p.relative_to(a / "samples").with_suffix("").as_posix() for p in (a / "samples").glob("*/*.npz")}
    names_b = {p.relative_to(b / "samples").with_suffix("").as_posix() for p in (b / "samples").glob("*/*.npz")}
    diffs = [f"samples/{n}.npz only in {a if n in names_a else b}" for n in sorted(names_a ^ names_b)]
    compared = 0
    for name in sorted((names_a & names_b) - ignore):
        arrays_a, _ = io.read_npz(a / "samples" / f"{name}.npz")
        arrays_b, _ = io.read_npz(b / "samples" / f"{name}.npz")
        diffs += [f"{name}: array {k} only in one run" for k in sorted(arrays_a.keys() ^ arrays_b.keys())]
        for key in sorted(arrays_a.keys() & arrays_b.keys()):
            compared += 1
            x, y = arrays_a[key], arrays_b[key]
            if x.dtype != y.dtype or x.shape != y.shape:
                diffs.append(f"{name}: array {key} differs in dtype or shape")
            elif rtol and x.dtype.kind == "f":
                diffs += rounding_differences(f"{name}: array {key}", x, y, rtol)
            elif not np.array_equal(x, y, equal_nan=x.dtype.kind in "fc"):
                diffs.append(f"{name}: array {key} differs")
    return diffs, compared


def rounding_differences(label: str, x: np.ndarray, y: np.ndarray, rtol: float) -> list[str]:
    """[] if ``x`` and ``y`` have the same non-finite entries and agree to ``rtol`` relative elsewhere, else one
    line that says how many entries differ and by how much."""
    finite = np.isfinite(x)
    if not np.array_equal(np.where(finite, 0.0, x), np.where(np.isfinite(y), 0.0, y), equal_nan=True):
        return [f"{label}: non-finite entries differ ({int((finite != np.isfinite(y)).sum())} of {x.size})"]
    gap = np.abs(x[finite] - y[finite])
    beyond = gap > rtol * np.abs(x[finite])
    if not beyond.any():
        return []
    worst = float(np.max(gap[beyond] / np.maximum(np.abs(x[finite][beyond]), np.finfo(float).tiny)))
    return [f"{label}: {int(beyond.sum())} of {x.size} entries beyond rtol {rtol:g} (largest relative difference "
            f"{worst:.2g})"]


def verdict_differences(a: Path, b: Path) -> tuple[list[str], int]:
    """Claims whose observed verdict differs between ``a/audit/audit.json`` and ``b/audit/audit.json``; and the
    number of claims compared."""
    verdicts = [{r["claim"]: r["observed"] for r in io.read_json(run / "audit" / "audit.json")} for run in (a, b)]
    diffs = [f"claim {c} only in one run" for c in sorted(verdicts[0].keys() ^ verdicts[1].keys())]
    common = sorted(verdicts[0].keys() & verdicts[1].keys())
    diffs += [f"claim {c}: {verdicts[0][c]} vs {verdicts[1][c]}" for c in common if verdicts[0][c] != verdicts[1][c]]
    return diffs, len(common)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m deeplimits.compare", description=__doc__.split("\n")[0])
    parser.add_argument("results", nargs=2, type=Path, help="two results/ folders")
    parser.add_argument("--ignore", action="append", default=[], help="paper/experiment to skip (repeatable)")
    parser.add_argument("--rtol", type=float, default=0.0, help="compare floating-point arrays up to this relative "
                        "difference (default 0: bit for bit)")
    args = parser.parse_args(argv)
    a, b = args.results
    diffs, arrays = array_differences(a, b, frozenset(args.ignore), args.rtol)
    claims = 0
    if (a / "audit" / "audit.json").exists() and (b / "audit" / "audit.json").exists():
        verdict_diffs, claims = verdict_differences(a, b)
        diffs += verdict_diffs
    print("\n".join(diffs))
    print(f"{arrays} arrays and {claims} audit verdicts compared: {len(diffs)} differences")
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

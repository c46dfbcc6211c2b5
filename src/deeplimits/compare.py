"""Compare two finished runs: are their sample arrays bit-identical and their audit verdicts the same?

    python -m deeplimits.compare RESULTS_A RESULTS_B [--ignore bordelon/table1]

Prints one line per difference (a sample file or array present in one run only, an array whose values differ,
a claim whose verdict differs) and a summary; exits 1 if anything differs. Use it to prove that a refactor kept
the arrays bit-identical, e.g. a smoke run of ``main`` against a smoke run of a branch. ``--ignore`` skips
experiments whose arrays are timings (bordelon/table1).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from deeplimits import io


def array_differences(a: Path, b: Path, ignore: frozenset[str] = frozenset()) -> tuple[list[str], int]:
    """Differences between the sample files under ``a/samples`` and ``b/samples``; and the number of arrays
    compared."""
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
            if x.dtype != y.dtype or x.shape != y.shape or not np.array_equal(x, y, equal_nan=x.dtype.kind in "fc"):
                diffs.append(f"{name}: array {key} differs")
    return diffs, compared


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
    args = parser.parse_args(argv)
    a, b = args.results
    diffs, arrays = array_differences(a, b, frozenset(args.ignore))
    claims = 0
    if (a / "audit" / "audit.json").exists() and (b / "audit" / "audit.json").exists():
        verdict_diffs, claims = verdict_differences(a, b)
        diffs += verdict_diffs
    print("\n".join(diffs))
    print(f"{arrays} arrays and {claims} audit verdicts compared: {len(diffs)} differences")
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

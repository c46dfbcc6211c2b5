"""Claim records, verdicts and audit tables (DESIGN.md "Audit").

One convention for every document:

- equality: holds when |estimate - theory| <= 5 SE + delta (delta: the spec's allowance for a known bias);
- ordering / sign: holds when the gap is at least 3 SE in the claimed direction, fails when it is at
  least 3 SE the other way;
- distributional: a KS test holds at p >= 5.7e-7 (5 sigma).

A claim is ``inconclusive`` when its tolerance is at least the *effect* the claim is about (e.g. the
gap between the notes' formula and the corrected one, or the KS distance between the two candidate
laws): with too few samples it can neither hold nor fail. Verdicts count at the default preset.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from deeplimits.stats import P_FIVE_SIGMA, Estimate, KSResult

K_EQUALITY = 5.0
K_ORDERING = 3.0
TAGS = ("seed", "derived", "choice")
VERDICTS = ("holds", "fails", "inconclusive")
KEYS = ("paper", "figure", "claim", "text", "tag", "statistic", "estimate", "stderr", "theory",
        "tolerance", "tolerance_reason", "expected", "observed")


def _record(claim: str, text: str, tag: str, statistic: str, estimate: float, stderr: float | None,
            theory: float | None, tolerance: float, tolerance_reason: str, expected: str, observed: str,
            **extra: Any) -> dict[str, Any]:
    """A claim record with the keys DESIGN.md fixes; ``claim`` is ``paper/figure/id``."""
    if tag not in TAGS:
        raise ValueError(f"claim {claim}: tag must be one of {TAGS}, got {tag!r}")
    if expected not in ("holds", "fails"):
        raise ValueError(f"claim {claim}: expected must be 'holds' or 'fails', got {expected!r}")
    paper, figure, _ = claim.split("/")
    rec = {"paper": paper, "figure": f"{paper}/{figure}", "claim": claim, "text": text, "tag": tag,
           "statistic": statistic, "estimate": _num(estimate), "stderr": _num(stderr), "theory": _num(theory),
           "tolerance": _num(tolerance), "tolerance_reason": tolerance_reason, "expected": expected,
           "observed": observed}
    rec.update(extra)
    return rec


def _num(x: float | None) -> float | None:
    return None if x is None or not np.isfinite(x) else float(x)


def equality(claim: str, text: str, tag: str, statistic: str, estimate: Estimate, theory: float, *,
             allowance: float = 0.0, allowance_reason: str = "", effect: float | None = None,
             expected: str = "holds", k: float = K_EQUALITY) -> dict[str, Any]:
    """|estimate - theory| <= k SE + allowance. ``effect``: the size of the deviation the claim must
    resolve (None: any); inconclusive when the tolerance is at least the effect."""
    tolerance = k * estimate.stderr + abs(allowance)
    reason = f"{k:g} SE" + (f" + {abs(allowance):.3g} ({allowance_reason})" if allowance else "")
    if not np.isfinite(tolerance):
        observed = "inconclusive"
        reason += "; no reliable SE (too few samples)"
    elif effect is not None and tolerance >= abs(effect):
        observed = "inconclusive"
        reason += f"; tolerance >= effect {abs(effect):.3g}"
    else:
        observed = "holds" if abs(estimate.value - theory) <= tolerance else "fails"
    return _record(claim, text, tag, statistic, estimate.value, estimate.stderr, theory, tolerance, reason,
                   expected, observed, n=estimate.n)


def ordering(claim: str, text: str, tag: str, statistic: str, gap: Estimate, *, k: float = K_ORDERING,
             expected: str = "holds", theory: float | None = None) -> dict[str, Any]:
    """The claim 'gap > 0': holds when gap >= k SE, fails when gap <= -k SE, else inconclusive."""
    tolerance = k * gap.stderr
    if not np.isfinite(tolerance):
        observed = "inconclusive"
    elif gap.value >= tolerance:
        observed = "holds"
    elif gap.value <= -tolerance:
        observed = "fails"
    else:
        observed = "inconclusive"
    return _record(claim, text, tag, statistic, gap.value, gap.stderr, theory, tolerance,
                   f"gap >= {k:g} SE in the claimed direction", expected, observed, n=gap.n)


def at_most(claim: str, text: str, tag: str, statistic: str, estimate: Estimate, bound: float, *,
            k: float = K_ORDERING, expected: str = "holds") -> dict[str, Any]:
    """The claim 'estimate <= bound' up to noise: holds unless the estimate exceeds the bound by more than k SE
    (e.g. "does not increase": a difference at most 0); inconclusive without a finite SE."""
    tolerance = k * estimate.stderr
    observed = ("inconclusive" if not np.isfinite(tolerance)
                else "holds" if estimate.value <= bound + tolerance else "fails")
    return _record(claim, text, tag, statistic, estimate.value, estimate.stderr, bound, tolerance,
                   f"at most the bound + {k:g} SE", expected, observed, n=estimate.n)


def same_law(claim: str, text: str, tag: str, statistic: str, ks: KSResult, *, effect: float | None = None,
             expected: str = "holds") -> dict[str, Any]:
    """The claim 'the samples follow the law': holds at p >= 5.7e-7. ``effect``: the KS distance of the
    alternative the claim must detect; inconclusive when it is below the 5-sigma critical distance."""
    reason = f"KS p >= {P_FIVE_SIGMA:g} (5 sigma), critical distance {ks.critical:.3g} at N_eff={ks.n_eff:.0f}"
    if effect is not None and abs(effect) <= ks.critical:
        observed = "inconclusive"
        reason += f"; effect {abs(effect):.3g} below it"
    else:
        observed = "holds" if ks.p_value >= P_FIVE_SIGMA else "fails"
    return _record(claim, text, tag, statistic, ks.distance, None, 0.0, ks.critical, reason, expected,
                   observed, p_value=ks.p_value, n=ks.n_eff)


def rejects_law(claim: str, text: str, tag: str, statistic: str, ks: KSResult, *, effect: float,
                expected: str = "holds") -> dict[str, Any]:
    """The claim 'the samples do NOT follow the law': holds at p < 5.7e-7, fails at p >= 5.7e-7 when the test has
    the power to see ``effect`` (the KS distance between the true and the rejected law), else inconclusive."""
    reason = (f"KS p < {P_FIVE_SIGMA:g} (5 sigma) to reject; critical distance {ks.critical:.3g} at "
              f"N_eff={ks.n_eff:.0f}, effect {abs(effect):.3g}")
    if ks.p_value < P_FIVE_SIGMA:
        observed = "holds"
    else:
        observed = "fails" if abs(effect) > 2 * ks.critical else "inconclusive"
    return _record(claim, text, tag, statistic, ks.distance, None, abs(effect), ks.critical, reason, expected,
                   observed, p_value=ks.p_value, n=ks.n_eff)


def composite(claim: str, text: str, tag: str, statistic: str, estimate: float, *, holds: bool,
              decidable: bool, tolerance: float, tolerance_reason: str, theory: float | None = None,
              stderr: float | None = None, expected: str = "holds", **extra: Any) -> dict[str, Any]:
    """A claim whose verdict combines several tests (the caller states the rule in ``tolerance_reason``)."""
    observed = "inconclusive" if not decidable else ("holds" if holds else "fails")
    return _record(claim, text, tag, statistic, estimate, stderr, theory, tolerance, tolerance_reason,
                   expected, observed, **extra)


def unexpected(records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Records whose decided verdict differs from the expected one (findings to investigate)."""
    return [r for r in records if r["observed"] != "inconclusive" and r["observed"] != r["expected"]]


def _fmt(x: Any) -> str:
    if x is None:
        return "–"
    if isinstance(x, float):
        return f"{x:.4g}"
    return str(x)


def markdown(records: list[dict[str, Any]], title: str) -> str:
    """The audit as a Markdown table for a person, with a verdict summary first."""
    counts = {v: sum(r["observed"] == v for r in records) for v in VERDICTS}
    errata = sum(r["expected"] == "fails" for r in records)
    surprises = unexpected(records)
    lines = [f"# {title}", "",
             f"{len(records)} claims: {counts['holds']} hold, {counts['fails']} fail, "
             f"{counts['inconclusive']} inconclusive. {errata} are literal statements of known errata "
             f"(expected to fail). Unexpected verdicts: {len(surprises)}.", ""]
    if surprises:
        lines += ["**Unexpected verdicts (findings to investigate):** "
                  + ", ".join(r["claim"] for r in surprises), ""]
    cols = ("claim", "tag", "text", "statistic", "estimate", "stderr", "theory", "tolerance",
            "tolerance_reason", "expected", "observed")
    lines.append("| " + " | ".join(cols) + " |")
    lines.append("|" + "---|" * len(cols))
    for r in records:
        cells = [_fmt(r[c]).replace("|", "\\|") for c in cols]
        if r["observed"] not in ("inconclusive", r["expected"]):
            cells[-1] = f"**{cells[-1]}**"
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"

"""Claims as data: claim rows, one rule per kind, verdicts and audit tables (DESIGN.md "Audit").

A fit writes named *quantities* into its stats JSON (``deeplimits.quantities``): estimates, theory values with
their formula, KS tests, conditions on the data, and quantities not computed at these parameters.

Each document's ``claims.py`` states its claims as a table of :class:`Claim` rows per experiment: id, text,
tag, the statistic in words, a rule (the kind, which quantities are the estimate and the theory, the allowance and
its spec reason, the effect) and the expected verdict. A row with ``each`` is expanded over the instances the fit
lists under that name (``Quantities.each``); ``{placeholders}`` in its id, text and quantity names take the
instance's values. :func:`evaluate` decides every row from the stats alone, so verdicts can be recomputed without
refitting: ``python -m deeplimits.audit results/stats/nica/*.json``.

The rules, one per kind:

- equality: holds when |estimate - theory| <= k SE + delta (k = 5, or a quantity such as a Student-t quantile;
  delta: the spec's allowance for a known bias);
- ordering: the claimed gap holds when it is at least k SE in the claimed direction, fails when at least k SE
  the other way;
- beyond: an ordering of an estimate against a bound (estimate > bound, or < bound), decided on the gap;
- at most: holds unless the estimate exceeds the bound by more than k SE;
- same law / rejects law: a KS test at p >= 5.7e-7 (5 sigma);
- prefers law: one law fits better than another, and the other is rejected;
- bound / member: a deterministic statement (exact numbers, a spec interval, an argmax in a set), decided when
  the fit's condition on the data holds;
- reaches: a deterministic lower bound on a number that grows with the sample size (an effective sample size):
  holds once reached; a shortfall is decided only when the fit's condition on the data holds;
- gated: any of these, decided only when a condition of the fit holds (e.g. the run reaches the horizon the claim
  is about), and holding only when further rules on the same claim hold too.

A claim is ``inconclusive`` when its tolerance is at least the *effect* the claim is about (e.g. the gap between
the notes' formula and the corrected one, or the KS distance between the two candidate laws): with too few
samples it can neither hold nor fail. Verdicts count at the default preset.
"""

from __future__ import annotations

import dataclasses
import importlib
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from deeplimits.stats import P_FIVE_SIGMA

K_EQUALITY = 5.0
K_ORDERING = 3.0
TAGS = ("seed", "derived", "choice")
VERDICTS = ("holds", "fails", "inconclusive")
KEYS = ("paper", "figure", "claim", "kind", "text", "tag", "statistic", "estimate", "stderr", "theory",
        "tolerance", "tolerance_reason", "expected", "observed")

#: a quantity: its name in the stats (a template with ``{placeholders}``) or, for a constant, the number
Ref = str | float


# ----------------------------------------------------------------------------------- reading them
class Missing(Exception):
    """A quantity the fit declared missing; the row is inconclusive with the fit's reason."""


class Lookup:
    """Read access to the quantities of one stats file, by name or as a constant."""

    def __init__(self, quantities: Mapping[str, Any], where: str):
        self.quantities, self.where = quantities, where

    def get(self, ref: Ref) -> dict[str, Any]:
        if not isinstance(ref, str):
            return {"value": float(ref), "formula": "constant"}
        if ref not in self.quantities:
            raise KeyError(f"{self.where}: no quantity {ref!r} in the stats")
        q = self.quantities[ref]
        if "missing" in q:
            raise Missing(q["missing"])
        return q

    def value(self, ref: Ref) -> float:
        return _float(self.get(ref)["value"])

    def stderr(self, ref: Ref) -> float:
        return _float(self.get(ref).get("stderr", 0.0))


def _float(x: Any) -> float:
    return math.nan if x is None else float(x)


# -------------------------------------------------------------------------------------------- rules
@dataclass(frozen=True)
class Equality:
    """|estimate - theory| <= k SE + allowance. ``effect``: the size of the deviation the claim must resolve
    (None: any); inconclusive when the tolerance is at least the effect. ``k``: a number, or the quantity of a k the
    fit computes (e.g. a Student-t quantile for an SE estimated from few replicates)."""

    estimate: Ref
    theory: Ref
    allowance: Ref = 0.0
    allowance_reason: str = ""
    effect: Ref | None = None
    k: Ref = K_EQUALITY
    kind = "equality"

    def decide(self, q: Lookup) -> dict[str, Any]:
        est, se, target = q.value(self.estimate), q.stderr(self.estimate), q.value(self.theory)
        allowance, k = abs(q.value(self.allowance)), q.value(self.k)
        tolerance = k * se + allowance
        reason = f"{k:g} SE" + (f" + {allowance:.3g} ({self.allowance_reason})" if allowance else "")
        if not math.isfinite(tolerance):
            return _row(est, se, target, tolerance, reason + "; no reliable SE (too few samples)", "inconclusive")
        if self.effect is not None and tolerance >= abs(q.value(self.effect)):
            effect = abs(q.value(self.effect))
            return _row(est, se, target, tolerance, reason + f"; tolerance >= effect {effect:.3g}", "inconclusive")
        return _row(est, se, target, tolerance, reason, _verdict(abs(est - target) <= tolerance))


@dataclass(frozen=True)
class Ordering:
    """The claim 'gap > 0': holds when gap >= k SE, fails when gap <= -k SE, else inconclusive."""

    gap: Ref
    theory: Ref | None = None
    k: float = K_ORDERING
    kind = "ordering"

    def decide(self, q: Lookup) -> dict[str, Any]:
        gap, se = q.value(self.gap), q.stderr(self.gap)
        tolerance = self.k * se
        target = None if self.theory is None else q.value(self.theory)
        observed = ("inconclusive" if not math.isfinite(tolerance) else "holds" if gap >= tolerance
                    else "fails" if gap <= -tolerance else "inconclusive")
        return _row(gap, se, target, tolerance, f"gap >= {self.k:g} SE in the claimed direction", observed)


@dataclass(frozen=True)
class Beyond:
    """The claim 'estimate > bound' (``below``: 'estimate < bound'), decided like :class:`Ordering` on the gap
    estimate - bound (below: bound - estimate) with the estimate's SE. ``theory``: the predicted value of the
    estimate; the row shows the predicted gap."""

    estimate: Ref
    bound: Ref = 0.0
    below: bool = False
    theory: Ref | None = None
    k: float = K_ORDERING
    kind = "ordering"

    def decide(self, q: Lookup) -> dict[str, Any]:
        est, se, bound = q.value(self.estimate), q.stderr(self.estimate), q.value(self.bound)
        gap = (lambda x: bound - x) if self.below else (lambda x: x - bound)
        tolerance = self.k * se
        target = None if self.theory is None else gap(q.value(self.theory))
        observed = ("inconclusive" if not math.isfinite(tolerance) else "holds" if gap(est) >= tolerance
                    else "fails" if gap(est) <= -tolerance else "inconclusive")
        return _row(gap(est), se, target, tolerance, f"gap >= {self.k:g} SE in the claimed direction", observed)


@dataclass(frozen=True)
class AtMost:
    """The claim 'estimate <= bound' up to noise: holds unless the estimate exceeds the bound by more than k SE;
    inconclusive without a finite SE."""

    estimate: Ref
    bound: Ref = 0.0
    k: float = K_ORDERING
    kind = "at most"

    def decide(self, q: Lookup) -> dict[str, Any]:
        est, se, bound = q.value(self.estimate), q.stderr(self.estimate), q.value(self.bound)
        tolerance = self.k * se
        observed = "inconclusive" if not math.isfinite(tolerance) else _verdict(est <= bound + tolerance)
        return _row(est, se, bound, tolerance, f"at most the bound + {self.k:g} SE", observed)


@dataclass(frozen=True)
class SameLaw:
    """The claim 'the samples follow the law': holds at p >= 5.7e-7. ``effect``: the KS distance of the
    alternative the claim must detect; inconclusive when it is below the 5-sigma critical distance."""

    ks: str
    effect: Ref | None = None
    kind = "same law"

    def decide(self, q: Lookup) -> dict[str, Any]:
        ks = q.get(self.ks)
        reason = (f"KS p >= {P_FIVE_SIGMA:g} (5 sigma), critical distance {ks['critical']:.3g} at "
                  f"N_eff={ks['n_eff']:.0f}")
        if self.effect is not None and abs(q.value(self.effect)) <= ks["critical"]:
            observed = "inconclusive"
            reason += f"; effect {abs(q.value(self.effect)):.3g} below it"
        else:
            observed = _verdict(ks["p_value"] >= P_FIVE_SIGMA)
        return _row(ks["distance"], None, 0.0, ks["critical"], reason, observed, p_value=ks["p_value"],
                    n=ks["n_eff"])


@dataclass(frozen=True)
class RejectsLaw:
    """The claim 'the samples do NOT follow the law': holds at p < 5.7e-7, fails at p >= 5.7e-7 when the test has
    the power to see ``effect`` (the KS distance between the true and the rejected law), else inconclusive."""

    ks: str
    effect: Ref
    kind = "rejects law"

    def decide(self, q: Lookup) -> dict[str, Any]:
        ks, effect = q.get(self.ks), abs(q.value(self.effect))
        reason = (f"KS p < {P_FIVE_SIGMA:g} (5 sigma) to reject; critical distance {ks['critical']:.3g} at "
                  f"N_eff={ks['n_eff']:.0f}, effect {effect:.3g}")
        if ks["p_value"] < P_FIVE_SIGMA:
            observed = "holds"
        else:
            observed = "fails" if effect > 2 * ks["critical"] else "inconclusive"
        return _row(ks["distance"], None, effect, ks["critical"], reason, observed, p_value=ks["p_value"],
                    n=ks["n_eff"])


@dataclass(frozen=True)
class PrefersLaw:
    """Law A fits better than law B, and B is rejected: KS(A) < KS(B) and KS(B) p < 5.7e-7. ``separation``: the
    exact sup distance between the true law and B; decidable when it exceeds the 5-sigma critical distance."""

    better: str
    worse: str
    separation: Ref
    theory: Ref | None = None
    kind = "prefers law"

    def decide(self, q: Lookup) -> dict[str, Any]:
        better, worse = q.get(self.better), q.get(self.worse)
        decidable = q.value(self.separation) > worse["critical"]
        holds = better["distance"] < worse["distance"] and worse["p_value"] < P_FIVE_SIGMA
        target = None if self.theory is None else q.value(self.theory)
        return _row(worse["distance"] - better["distance"], None, target, worse["critical"],
                    "KS(better) < KS(worse) and the worse law's KS p < 5.7e-7; decidable when the exact "
                    "separation of the worse law exceeds the 5-sigma KS critical distance",
                    _verdict(holds) if decidable else "inconclusive",
                    p_value_worse=worse["p_value"], p_value_better=better["p_value"])


@dataclass(frozen=True)
class Bound:
    """A deterministic statement lower <= estimate <= upper (``strict``: <) about exactly computed numbers or a
    spec's interval; decided when the fit's condition ``decided`` holds (always, without one)."""

    estimate: Ref
    lower: Ref | None = None
    upper: Ref | None = None
    reason: str = ""
    strict: bool = False
    decided: str | None = None
    theory: Ref | None = None
    kind = "bound"

    def decide(self, q: Lookup) -> dict[str, Any]:
        est = q.value(self.estimate)
        lower = -math.inf if self.lower is None else q.value(self.lower)
        upper = math.inf if self.upper is None else q.value(self.upper)
        inside = lower < est < upper if self.strict else lower <= est <= upper
        reason, observed = self.reason, _verdict(inside)
        if self.decided is not None:
            gate = q.get(self.decided)
            reason += f"; decided when {gate['reason']}"
            observed = observed if gate["holds"] else "inconclusive"
        target = None if self.theory is None else q.value(self.theory)
        finite = [abs(b) for b in (lower, upper) if math.isfinite(b)]
        tolerance = (upper - lower) / 2 if len(finite) == 2 else (finite[0] if finite else None)
        return _row(est, q.stderr(self.estimate) or None, target, tolerance, reason, observed)


@dataclass(frozen=True)
class Member:
    """A deterministic statement 'estimate is one of ``allowed``' (e.g. an argmax on a grid); decided when the
    fit's condition ``decided`` holds."""

    estimate: Ref
    allowed: tuple[float, ...]
    reason: str = ""
    decided: str | None = None
    tolerance: float | None = None
    kind = "member"

    def decide(self, q: Lookup) -> dict[str, Any]:
        est = q.value(self.estimate)
        reason, observed = self.reason, _verdict(est in self.allowed)
        if self.decided is not None:
            gate = q.get(self.decided)
            reason += f"; decided when {gate['reason']}"
            observed = observed if gate["holds"] else "inconclusive"
        return _row(est, None, None, self.tolerance, reason, observed)


@dataclass(frozen=True)
class Reaches:
    """A deterministic statement estimate >= ``lower`` about a number that grows with the sample size (e.g. an
    effective sample size): it holds once reached, at any size; a shortfall is decided only when the fit's condition
    ``decided`` holds (enough samples), else inconclusive."""

    estimate: Ref
    lower: Ref
    reason: str = ""
    decided: str | None = None
    kind = "reaches"

    def decide(self, q: Lookup) -> dict[str, Any]:
        est, lower = q.value(self.estimate), q.value(self.lower)
        reason, observed = self.reason, _verdict(est >= lower)
        if self.decided is not None:
            gate = q.get(self.decided)
            reason += f"; a shortfall decided when {gate['reason']}"
            observed = observed if observed == "holds" or gate["holds"] else "inconclusive"
        return _row(est, None, None, abs(lower), reason, observed)



@dataclass(frozen=True)
class Gated:
    """Another rule, decided only when the fit's condition ``decided`` holds (e.g. the run reaches the horizon the
    claim is about; otherwise inconclusive with the rule's numbers), and holding only when the rules ``also`` (further
    statements of the same claim, e.g. 'non-decreasing' beside 'by at least x') hold too: it fails when any of them
    fails. The numbers are ``rule``'s."""

    rule: Rule
    decided: str | None = None
    also: tuple[Rule, ...] = ()

    @property
    def kind(self) -> str:
        return self.rule.kind

    def decide(self, q: Lookup) -> dict[str, Any]:
        row = self.rule.decide(q)
        others = [r.decide(q) for r in self.also]
        verdicts = [row["observed"], *(o["observed"] for o in others)]
        observed = ("fails" if "fails" in verdicts else "holds" if set(verdicts) == {"holds"} else "inconclusive")
        reason = row["tolerance_reason"] + "".join(f"; and {o['tolerance_reason']}" for o in others)
        if self.decided is not None:
            gate = q.get(self.decided)
            reason += f"; decided when {gate['reason']}"
            observed = observed if gate["holds"] else "inconclusive"
        return row | {"tolerance_reason": reason, "observed": observed}


Rule = Equality | Ordering | Beyond | AtMost | SameLaw | RejectsLaw | PrefersLaw | Bound | Member | Reaches | Gated


def _verdict(holds: bool) -> str:
    return "holds" if holds else "fails"


def _row(estimate: float, stderr: float | None, theory: float | None, tolerance: float | None, reason: str,
         observed: str, **extra: Any) -> dict[str, Any]:
    return {"estimate": _num(estimate), "stderr": _num(stderr), "theory": _num(theory), "tolerance": _num(tolerance),
            "tolerance_reason": reason, "observed": observed, **extra}


def _num(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else float(x)


# --------------------------------------------------------------------------------------------- rows
@dataclass(frozen=True)
class Claim:
    """One row of a document's claim table. ``id`` is ``<figure>/<name>`` under the document; ``each`` names the
    instances (``Quantities.each``) the row is expanded over; ``{placeholders}`` in ``id``, ``text``,
    ``statistic`` and the rule's quantity names take each instance's values (and the experiment's parameters)."""

    id: str
    text: str
    tag: str
    statistic: str
    rule: Rule
    expected: str = "holds"
    each: str | None = None
    extra: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.tag not in TAGS:
            raise ValueError(f"claim {self.id}: tag must be one of {TAGS}, got {self.tag!r}")
        if self.expected not in ("holds", "fails"):
            raise ValueError(f"claim {self.id}: expected must be 'holds' or 'fails', got {self.expected!r}")

    def instances(self, index: Mapping[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
        if self.each is None:
            return [{}]
        if self.each not in index:
            raise KeyError(f"claim {self.id}: the fit lists no instances {self.each!r}")
        return index[self.each]


def _format(rule: Rule, values: Mapping[str, Any]) -> Rule:
    """The rule with ``values`` in its quantity names, and in those of the rules it holds (:class:`Gated`)."""
    changes: dict[str, Any] = {}
    for f in dataclasses.fields(rule):
        value = getattr(rule, f.name)
        if isinstance(value, str) and f.name not in ("reason", "allowance_reason"):
            changes[f.name] = value.format_map(values)
        elif dataclasses.is_dataclass(value):
            changes[f.name] = _format(value, values)
        elif isinstance(value, tuple) and value and all(dataclasses.is_dataclass(v) for v in value):
            changes[f.name] = tuple(_format(v, values) for v in value)
    return dataclasses.replace(rule, **changes)


def evaluate(paper: str, experiment: str, rows: Sequence[Claim], stats: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The audit records of one experiment: each row of its claim table decided on its stats file's quantities."""
    quantities, index = stats["quantities"], stats.get("index", {})
    records = []
    for row in rows:
        for instance in row.instances(index):
            values = {**stats.get("parameters", {}), **instance}
            claim = f"{paper}/{row.id.format_map(values)}"
            rule = _format(row.rule, values)
            try:
                decided = rule.decide(Lookup(quantities, claim))
            except Missing as why:
                decided = _row(math.nan, None, None, None, str(why), "inconclusive")
            records.append({"paper": paper, "figure": claim.rsplit("/", 1)[0], "claim": claim, "kind": rule.kind,
                            "text": row.text.format_map(values), "tag": row.tag,
                            "statistic": row.statistic.format_map(values), **decided, "expected": row.expected,
                            **{k: v.format_map(values) for k, v in row.extra.items()}})
    return records


def claim_table(paper: str) -> Mapping[str, Sequence[Claim]]:
    """The claim table of a document: ``documents/<paper>/claims.py`` ``CLAIMS`` (experiment -> rows)."""
    return importlib.import_module(f"deeplimits.documents.{paper}.claims").CLAIMS


def records_from_stats(contents: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The audit records of several stats files (in the given order), each decided by its document's table."""
    records = []
    for content in contents:
        rows = claim_table(content["paper"]).get(content["experiment"], ())
        records += evaluate(content["paper"], content["experiment"], rows, content)
    return records


# ---------------------------------------------------------------------------------------- reporting
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
    cols = ("claim", "kind", "tag", "text", "statistic", "estimate", "stderr", "theory", "tolerance",
            "tolerance_reason", "expected", "observed")
    lines.append("| " + " | ".join(cols) + " |")
    lines.append("|" + "---|" * len(cols))
    for r in records:
        cells = [_fmt(r[c]).replace("|", "\\|") for c in cols]
        if r["observed"] not in ("inconclusive", r["expected"]):
            cells[-1] = f"**{cells[-1]}**"
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m deeplimits.audit STATS.json ...``: recompute the verdicts from stats files alone (no refit)."""
    import argparse
    import json
    from pathlib import Path

    parser = argparse.ArgumentParser(prog="python -m deeplimits.audit", description=main.__doc__)
    parser.add_argument("stats", nargs="+", type=Path, help="stats files, e.g. results/stats/nica/*.json")
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--markdown", action="store_true", help="print the audit table instead of the summary")
    output.add_argument("--json", action="store_true", help="print the audit records as JSON")
    args = parser.parse_args(argv)
    records = records_from_stats(json.loads(path.read_text()) for path in args.stats)
    if args.markdown or args.json:
        print(markdown(records, "Audit") if args.markdown else json.dumps(records, indent=1), end="\n")
        return 0
    counts = ", ".join(f"{sum(r['observed'] == v for r in records)} {v}" for v in VERDICTS)
    print(f"{len(records)} claims: {counts}")
    for r in unexpected(records):
        print(f"unexpected: {r['claim']} {r['observed']} (expected {r['expected']})")
    return 1 if unexpected(records) else 0


if __name__ == "__main__":
    raise SystemExit(main())

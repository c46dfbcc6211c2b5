"""Claims as data: claim rows, one rule per kind, verdicts and audit tables (DESIGN.md "Audit").

A fit writes named *quantities* into its stats JSON (``deeplimits.quantities``): estimates, theory values with
their formula, KS tests, conditions on the data, and quantities not computed at these parameters.

Each document's ``claims.py`` states its claims as a table of :class:`Claim` rows per experiment: id, text,
tag, the statistic in words, a rule (the kind, which quantities are the estimate and the theory, the allowance and
its spec reason, the effect) and the expected verdict. A row with ``each`` is expanded over the instances the fit
lists under that name (``Quantities.each``); ``{placeholders}`` in its id, text and quantity names take the
instance's values. :func:`evaluate` decides every row from the stats alone, so verdicts can be recomputed without
refitting: ``python -m deeplimits.audit results/stats/nica/*.json``.

The rules, one per kind (DESIGN.md "Audit power"). Each row states ``effect``, the deviation of the theory value it
must rule out, and ``detectable``, the smallest deviation it would catch; it is ``inconclusive`` whenever
detectable >= effect, so a "holds" means the data would have exposed a wrong formula.

- equality: |estimate - theory| <= k SE + delta, k = 5 (the 5-sigma Student-t quantile for an SE from fewer than
  30 replicates), delta only the spec's allowance with its reason; effect 10 % of a nonzero theory value unless
  the row states one; detectable = the tolerance;
- ordering / beyond: the signed gap in the claimed direction holds at >= 3 SE (the Student-t quantile at the same
  level for an SE from fewer than 30 replicates) and fails below; detectable twice that against the predicted gap;
- at most: the claim carries the burden (estimate + 3 SE <= bound holds, estimate - 3 SE > bound fails) unless the
  spec writes "bound + 3 SE" (``margin``); within (a spec's interval for a noisy estimate): the same burden at
  both ends, effect the half-width;
- same law / rejects law / prefers law: KS tests at 5 sigma; detectable the 5-sigma critical distance (twice it to
  reject), effect the KS distance of the alternative;
- bound / member / reaches: deterministic statements (exact numbers, a spec's interval, an argmax in a set, a
  number that grows with the sample size), decided when the fit's condition on the data holds;
- gated: any of these, decided only when a condition of the fit holds (e.g. the run reaches the horizon the claim
  is about), and holding only when further rules on the same claim hold too.

Verdicts count at the default preset; at the smoke preset most rows are inconclusive, and that is correct.
"""

from __future__ import annotations

import dataclasses
import importlib
import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from deeplimits.stats import P_FIVE_SIGMA, equality_k, student_t_quantile

K_ORDERING = 3.0
TAGS = ("seed", "derived", "choice")
VERDICTS = ("holds", "fails", "inconclusive")
KEYS = ("paper", "figure", "claim", "kind", "text", "tag", "statistic", "estimate", "stderr", "theory",
        "tolerance", "tolerance_reason", "effect", "detectable", "effect_reason", "expected", "observed")



def _ks_scale_error(ratio: float) -> float:
    """sup_x |Phi(x) - Phi(x / ratio)|: the KS distance between N(0, 1) and N(0, ratio^2), attained where the two
    densities cross, x^2 = 2 ln(ratio) / (1 - ratio^-2) [derived]."""
    x = math.sqrt(2 * math.log(ratio) / (1 - ratio**-2))
    return 0.5 * (math.erf(x / math.sqrt(2)) - math.erf(x / ratio / math.sqrt(2)))


#: default effect of a distributional claim: the KS distance of a 10 % error of the scale (0.0231) [choice], the
#: counterpart of the 10 % relative error of an equality
KS_EFFECT = _ks_scale_error(1.1)

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
# Each rule decides its row on the data and states its power: ``effect``, the deviation of the theory value the row
# must rule out, and ``detectable``, the smallest deviation it would catch. ``_row`` makes a row inconclusive
# whenever detectable >= effect (DESIGN.md "Audit power"), so no row holds without the power to fail.
@dataclass(frozen=True)
class Equality:
    """|estimate - theory| <= k SE + allowance. k = 5, or the two-sided 5-sigma quantile of Student's t when the
    SE comes from fewer than 30 replicates (the estimate's n; ``k`` names a quantity or number to override it);
    the allowance only where the spec states one, with its reason. ``effect``: the deviation the row must rule
    out, by default 10 % of a nonzero theory value. detectable = the tolerance."""

    estimate: Ref
    theory: Ref
    allowance: Ref = 0.0
    allowance_reason: str = ""
    effect: Ref | None = None
    k: Ref | None = None
    kind = "equality"

    def decide(self, q: Lookup) -> dict[str, Any]:
        est, se, target = q.value(self.estimate), q.stderr(self.estimate), q.value(self.theory)
        k = q.value(self.k) if self.k is not None else equality_k(q.get(self.estimate).get("n", 0))
        allowance = abs(q.value(self.allowance))
        tolerance = k * se + allowance
        reason = f"{k:.3g} SE" + (f" + {allowance:.3g} ({self.allowance_reason})" if allowance else "")
        stated = self.effect is not None
        effect = abs(q.value(self.effect)) if stated else 0.1 * abs(target) or None
        return _row(est, se, target, tolerance, reason, _verdict(abs(est - target) <= tolerance), effect=effect,
                    detectable=tolerance, effect_reason="stated" if stated else "10 % of the theory value")


def replicate_k(k: float, replicates: int) -> float:
    """k for an SE from S < 30 replicates: the Student-t quantile with S - 1 dof at the two-sided level of a Gaussian
    k at the same one-sided level (3 SE: 3.59 at S = 16, 236 at S = 2); k itself for larger or unknown S."""
    if replicates == 0 or replicates >= 30:
        return k
    return student_t_quantile(1 - 0.5 * math.erfc(k / math.sqrt(2)), replicates)  # the Gaussian CDF at k


def _ordering(gap: float, se: float, k: float, predicted: float | None, effect: float | None, replicates: int,
              **extra: Any) -> dict[str, Any]:
    """A signed gap in the claimed direction: holds when gap >= k SE (k corrected for an SE from few replicates),
    fails below; its power is the predicted gap (or the stated effect) against twice the threshold."""
    k = replicate_k(k, replicates)
    threshold = k * se
    return _row(gap, se, predicted, threshold, f"gap >= {k:.3g} SE in the claimed direction",
                _verdict(gap >= threshold), effect=effect if effect is not None else predicted,
                detectable=2 * threshold, effect_reason="stated" if effect is not None else "predicted gap", **extra)


@dataclass(frozen=True)
class Ordering:
    """The claim 'gap > 0', the gap taken in the claimed direction. ``theory``: the predicted gap; ``effect``: the
    gap the row must resolve where the theory predicts none (see :func:`_ordering`)."""

    gap: Ref
    theory: Ref | None = None
    k: float = K_ORDERING
    effect: Ref | None = None
    kind = "ordering"

    def decide(self, q: Lookup) -> dict[str, Any]:
        return _ordering(q.value(self.gap), q.stderr(self.gap), self.k,
                         None if self.theory is None else q.value(self.theory),
                         None if self.effect is None else q.value(self.effect), q.get(self.gap).get("n", 0))


@dataclass(frozen=True)
class Beyond:
    """The claim 'estimate > bound' (``below``: 'estimate < bound'): an ordering of the gap estimate - bound (below:
    bound - estimate) with the estimate's SE. ``theory``: the predicted value of the estimate (the row shows the
    predicted gap)."""

    estimate: Ref
    bound: Ref = 0.0
    below: bool = False
    theory: Ref | None = None
    k: float = K_ORDERING
    effect: Ref | None = None
    kind = "ordering"

    def decide(self, q: Lookup) -> dict[str, Any]:
        bound = q.value(self.bound)
        gap = (lambda x: bound - x) if self.below else (lambda x: x - bound)
        return _ordering(gap(q.value(self.estimate)), q.stderr(self.estimate), self.k,
                         None if self.theory is None else gap(q.value(self.theory)),
                         None if self.effect is None else q.value(self.effect), q.get(self.estimate).get("n", 0))


@dataclass(frozen=True)
class AtMost:
    """The claim 'estimate <= bound'. The claim carries the burden: holds when estimate + k SE <= bound, fails when
    estimate - k SE > bound, inconclusive between. Where the spec writes "bound + 3 SE" (``margin=True``): holds
    when estimate <= bound + k SE, fails otherwise. ``effect``: the excess over the bound the row must rule out
    (by default the bound itself); detectable = k SE (2 k SE with the spec's margin)."""

    estimate: Ref
    bound: Ref = 0.0
    k: float = K_ORDERING
    margin: bool = False
    effect: Ref | None = None
    kind = "at most"

    def decide(self, q: Lookup) -> dict[str, Any]:
        est, se, bound = q.value(self.estimate), q.stderr(self.estimate), q.value(self.bound)
        tolerance = self.k * se
        if self.margin:
            reason, observed = f"at most the bound + {self.k:g} SE (spec)", _verdict(est <= bound + tolerance)
        else:
            reason = f"estimate + {self.k:g} SE <= bound"
            observed = "holds" if est + tolerance <= bound else "fails" if est - tolerance > bound else "inconclusive"
        stated = self.effect is not None
        return _row(est, se, bound, tolerance, reason, observed,
                    effect=abs(q.value(self.effect)) if stated else abs(bound) or None,
                    detectable=2 * tolerance if self.margin else tolerance,
                    effect_reason="stated" if stated else "the bound")


@dataclass(frozen=True)
class Within:
    """The claim 'lower <= estimate <= upper', a spec's interval for a noisy estimate. The claim carries the burden:
    holds when the estimate is at least k SE inside both ends, fails when it lies more than k SE outside either,
    inconclusive between. ``effect``: the half-width (the row must tell a value at the interval's centre from one at
    its edge), detectable = k SE. ``theory``: the value the row shows as the theory (e.g. the interval's heuristic
    centre)."""

    estimate: Ref
    lower: Ref
    upper: Ref
    reason: str = ""
    theory: Ref | None = None
    k: float = K_ORDERING
    kind = "within"

    def decide(self, q: Lookup) -> dict[str, Any]:
        est, se = q.value(self.estimate), q.stderr(self.estimate)
        lower, upper = q.value(self.lower), q.value(self.upper)
        margin = self.k * se
        inside, outside = lower + margin <= est <= upper - margin, est + margin < lower or est - margin > upper
        observed = "holds" if inside else "fails" if outside else "inconclusive"
        return _row(est, se, None if self.theory is None else q.value(self.theory), (upper - lower) / 2,
                    f"{self.reason}: [{lower:.4g}, {upper:.4g}], the estimate {self.k:g} SE inside", observed,
                    effect=(upper - lower) / 2, detectable=margin, effect_reason="the interval's half-width")


@dataclass(frozen=True)
class SameLaw:
    """The claim 'the samples follow the law': holds at KS p >= 5.7e-7 (5 sigma). ``effect``: the KS distance of
    the alternative the row must detect, by default :data:`KS_EFFECT` (a 10 % error of the scale); detectable = the
    5-sigma critical distance."""

    ks: str
    effect: Ref | None = None
    kind = "same law"

    def decide(self, q: Lookup) -> dict[str, Any]:
        ks = q.get(self.ks)
        reason = f"KS p >= {P_FIVE_SIGMA:g} (5 sigma) at N_eff={ks['n_eff']:.0f}"
        return _row(ks["distance"], None, 0.0, ks["critical"], reason, _verdict(ks["p_value"] >= P_FIVE_SIGMA),
                    effect=KS_EFFECT if self.effect is None else abs(q.value(self.effect)), detectable=ks["critical"],
                    effect_reason="10 % scale error" if self.effect is None else "stated", p_value=ks["p_value"],
                    n=ks["n_eff"])


@dataclass(frozen=True)
class RejectsLaw:
    """The claim 'the samples do NOT follow the law': holds at KS p < 5.7e-7, fails otherwise. ``effect``: the KS
    distance between the true and the rejected law; detectable = twice the 5-sigma critical distance."""

    ks: str
    effect: Ref
    kind = "rejects law"

    def decide(self, q: Lookup) -> dict[str, Any]:
        ks, effect = q.get(self.ks), abs(q.value(self.effect))
        reason = f"KS p < {P_FIVE_SIGMA:g} (5 sigma) to reject at N_eff={ks['n_eff']:.0f}"
        return _row(ks["distance"], None, effect, ks["critical"], reason, _verdict(ks["p_value"] < P_FIVE_SIGMA),
                    effect=effect, detectable=2 * ks["critical"], effect_reason="stated", p_value=ks["p_value"],
                    n=ks["n_eff"])


@dataclass(frozen=True)
class PrefersLaw:
    """Law A fits better than law B, and B is rejected: KS(A) < KS(B) and KS(B) p < 5.7e-7. Its effect is
    ``separation``, the exact sup distance between the true law and B; detectable = the 5-sigma critical distance."""

    better: str
    worse: str
    separation: Ref
    theory: Ref | None = None
    kind = "prefers law"

    def decide(self, q: Lookup) -> dict[str, Any]:
        better, worse = q.get(self.better), q.get(self.worse)
        holds = better["distance"] < worse["distance"] and worse["p_value"] < P_FIVE_SIGMA
        return _row(worse["distance"] - better["distance"], None, None if self.theory is None else q.value(self.theory),
                    worse["critical"], "KS(better) < KS(worse) and the worse law's KS p < 5.7e-7", _verdict(holds),
                    effect=q.value(self.separation), detectable=worse["critical"],
                    effect_reason="exact separation of the worse law", p_value_worse=worse["p_value"],
                    p_value_better=better["p_value"])


def _gate(q: Lookup, decided: str | None, reason: str, observed: str) -> tuple[str, str]:
    """A verdict that stands only when the fit's condition ``decided`` holds (inconclusive otherwise)."""
    if decided is None:
        return reason, observed
    gate = q.get(decided)
    return f"{reason}; decided when {gate['reason']}", observed if gate["holds"] else "inconclusive"


@dataclass(frozen=True)
class Bound:
    """A deterministic statement lower <= estimate <= upper (``strict``: <) about exactly computed numbers or a
    spec's interval, decided when the fit's condition ``decided`` holds (always, without one). ``detectable``: the
    noise of the estimate against the interval (0 for exact numbers); ``effect``: the deviation the row must resolve
    (none is at issue for an exact number: infinite)."""

    estimate: Ref
    lower: Ref | None = None
    upper: Ref | None = None
    reason: str = ""
    strict: bool = False
    decided: str | None = None
    theory: Ref | None = None
    detectable: Ref = 0.0
    effect: Ref = math.inf
    kind = "bound"

    def decide(self, q: Lookup) -> dict[str, Any]:
        est = q.value(self.estimate)
        lower = -math.inf if self.lower is None else q.value(self.lower)
        upper = math.inf if self.upper is None else q.value(self.upper)
        inside = lower < est < upper if self.strict else lower <= est <= upper
        reason, observed = _gate(q, self.decided, self.reason, _verdict(inside))
        finite = [abs(b) for b in (lower, upper) if math.isfinite(b)]
        tolerance = (upper - lower) / 2 if len(finite) == 2 else (finite[0] if finite else None)
        return _row(est, q.stderr(self.estimate) or None, None if self.theory is None else q.value(self.theory),
                    tolerance, reason, observed, effect=q.value(self.effect), detectable=q.value(self.detectable),
                    effect_reason="deterministic")


@dataclass(frozen=True)
class Member:
    """A deterministic statement 'estimate is one of ``allowed``' (e.g. an argmax on a grid), decided when the
    fit's condition ``decided`` holds."""

    estimate: Ref
    allowed: tuple[float, ...]
    reason: str = ""
    decided: str | None = None
    tolerance: float | None = None
    kind = "member"

    def decide(self, q: Lookup) -> dict[str, Any]:
        est = q.value(self.estimate)
        reason, observed = _gate(q, self.decided, self.reason, _verdict(est in self.allowed))
        return _row(est, None, None, self.tolerance, reason, observed, effect=math.inf, detectable=0.0,
                    effect_reason="deterministic")


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
        if observed == "fails":
            reason, observed = _gate(q, self.decided, reason, observed)
        return _row(est, None, None, abs(lower), reason, observed, effect=math.inf, detectable=0.0,
                    effect_reason="deterministic")


@dataclass(frozen=True)
class Gated:
    """Another rule, decided only when the fit's condition ``decided`` holds (e.g. the run reaches the horizon the
    claim is about; otherwise inconclusive with the rule's numbers), and holding only when the rules ``also`` (further
    statements of the same claim, e.g. 'non-decreasing' beside 'by at least x') hold too: it fails when any of them
    fails. The numbers and the power are ``rule``'s."""

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
        observed = "fails" if "fails" in verdicts else "holds" if set(verdicts) == {"holds"} else "inconclusive"
        reason = row["tolerance_reason"] + "".join(f"; and {o['tolerance_reason']}" for o in others)
        reason, observed = _gate(q, self.decided, reason, observed)
        return row | {"tolerance_reason": reason, "observed": observed}


Rule = (Equality | Ordering | Beyond | AtMost | Within | SameLaw | RejectsLaw | PrefersLaw | Bound | Member | Reaches
        | Gated)


def _verdict(holds: bool) -> str:
    return "holds" if holds else "fails"


def _row(estimate: float, stderr: float | None, theory: float | None, tolerance: float | None, reason: str,
         observed: str, *, effect: float | None, detectable: float | None, effect_reason: str,
         **extra: Any) -> dict[str, Any]:
    """A decided row with its power: inconclusive whenever detectable >= effect, or either is unknown."""
    if detectable is None or not math.isfinite(detectable):
        observed, reason = "inconclusive", reason + "; no reliable SE (too few samples)"
    elif effect is None or math.isnan(effect):
        observed, reason = "inconclusive", reason + "; no effect stated"
    elif effect <= 0 or detectable >= effect:
        observed, reason = "inconclusive", reason + f"; detectable {detectable:.3g} >= effect {effect:.3g}"
    return {"estimate": _num(estimate), "stderr": _num(stderr), "theory": _num(theory), "tolerance": _num(tolerance),
            "tolerance_reason": reason, "effect": _power(effect), "detectable": _power(detectable),
            "effect_reason": effect_reason, "observed": observed, **extra}


def _power(x: float | None) -> float | str | None:
    """effect and detectable as JSON: an infinite effect (an exact statement) as the string "inf"."""
    return None if x is None or math.isnan(x) else "inf" if math.isinf(x) else float(x)


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
                decided = {"estimate": None, "stderr": None, "theory": None, "tolerance": None,
                           "tolerance_reason": str(why), "effect": None, "detectable": None, "effect_reason": "",
                           "observed": "inconclusive"}
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


def power_ratio(record: Mapping[str, Any]) -> float | None:
    """detectable / effect of a statistical row (None for deterministic rows and rows without both)."""
    effect, detectable = record.get("effect"), record.get("detectable")
    if not isinstance(effect, float) or not isinstance(detectable, float) or effect == 0:
        return None
    return detectable / abs(effect)


def power_summary(records: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Per document: rows, holds, fails (expected, unexpected), inconclusive, and the median and worst
    detectable/effect of its decided statistical rows (an inconclusive row is counted as such)."""
    summary = []
    for paper in dict.fromkeys(r["paper"] for r in records):
        rows = [r for r in records if r["paper"] == paper]
        ratios = sorted(x for x in map(power_ratio, (r for r in rows if r["observed"] != "inconclusive"))
                        if x is not None)
        summary.append({
            "paper": paper, "rows": len(rows), "holds": sum(r["observed"] == "holds" for r in rows),
            "fails_expected": sum(r["observed"] == "fails" == r["expected"] for r in rows),
            "fails_unexpected": sum(r["observed"] == "fails" != r["expected"] for r in rows),
            "inconclusive": sum(r["observed"] == "inconclusive" for r in rows),
            "median_power": statistics.median(ratios) if ratios else None,
            "worst_power": ratios[-1] if ratios else None})
    return summary


def weakest(records: Sequence[Mapping[str, Any]], count: int = 10) -> list[Mapping[str, Any]]:
    """The decided rows with the largest detectable/effect (closest to being inconclusive)."""
    decided = [r for r in records if r["observed"] != "inconclusive" and power_ratio(r) is not None]
    return sorted(decided, key=power_ratio, reverse=True)[:count]


def _fmt(x: Any) -> str:
    if x is None:
        return "–"
    if isinstance(x, float):
        return f"{x:.4g}"
    return str(x)


def markdown(records: list[dict[str, Any]], title: str) -> str:
    """The audit as a Markdown table for a person: first the verdicts and the power of each document (median and
    worst detectable/effect), the unexpected verdicts and the weakest decided rows, then every row."""
    counts = {v: sum(r["observed"] == v for r in records) for v in VERDICTS}
    errata = sum(r["expected"] == "fails" for r in records)
    surprises = unexpected(records)
    lines = [f"# {title}", "",
             f"{len(records)} claims: {counts['holds']} hold, {counts['fails']} fail, "
             f"{counts['inconclusive']} inconclusive. {errata} are literal statements of known errata "
             f"(expected to fail). Unexpected verdicts: {len(surprises)}.", "",
             "| document | rows | holds | fails (expected) | fails (unexpected) | inconclusive "
             "| median detectable/effect | worst detectable/effect |", "|---|---|---|---|---|---|---|---|"]
    for s in power_summary(records):
        lines.append(f"| {s['paper']} | {s['rows']} | {s['holds']} | {s['fails_expected']} | {s['fails_unexpected']} "
                     f"| {s['inconclusive']} | {_fmt(s['median_power'])} | {_fmt(s['worst_power'])} |")
    lines.append("")
    if surprises:
        lines += ["**Unexpected verdicts (findings to investigate):** "
                  + ", ".join(r["claim"] for r in surprises), ""]
    weak = weakest(records)
    if weak:
        lines += ["Weakest decided rows (largest detectable/effect): "
                  + ", ".join(f"{r['claim']} ({power_ratio(r):.2f})" for r in weak), ""]
    cols = ("claim", "kind", "tag", "text", "statistic", "estimate", "stderr", "theory", "tolerance",
            "tolerance_reason", "effect", "detectable", "expected", "observed")
    lines.append("| " + " | ".join(cols) + " |")
    lines.append("|" + "---|" * len(cols))
    for r in records:
        cells = [_fmt(r[c]).replace("|", "\\|") for c in cols]
        if r["observed"] not in ("inconclusive", r["expected"]):
            cells[-1] = f"**{cells[-1]}**"
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def weak_holds(records: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Holding rows whose tolerance is at least half the theory value: rows that would hold even if the formula were
    off by 50 % (the measure of issue 13; it reads audits written before rows carried their power, too)."""
    return [r for r in records if r["observed"] == "holds" and r.get("tolerance") is not None
            and r.get("theory") and r["tolerance"] >= 0.5 * abs(r["theory"])]


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m deeplimits.audit FILE ...``: recompute the verdicts from stats files alone (no refit), or read
    audit records (``results/audit/*.json``); print the verdicts and the power of each document."""
    import argparse
    import json
    from pathlib import Path

    parser = argparse.ArgumentParser(prog="python -m deeplimits.audit", description=main.__doc__)
    parser.add_argument("files", nargs="+", type=Path,
                        help="stats files (results/stats/nica/*.json) or audit records (results/audit/audit.json)")
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--markdown", action="store_true", help="print the audit table instead of the summary")
    output.add_argument("--json", action="store_true", help="print the audit records as JSON")
    args = parser.parse_args(argv)
    contents = [json.loads(path.read_text()) for path in args.files]
    records = [r for c in contents if isinstance(c, list) for r in c]
    records += records_from_stats(c for c in contents if isinstance(c, dict))
    if args.markdown or args.json:
        print(markdown(records, "Audit") if args.markdown else json.dumps(records, indent=1), end="\n")
        return 0
    counts = ", ".join(f"{sum(r['observed'] == v for r in records)} {v}" for v in VERDICTS)
    print(f"{len(records)} claims: {counts}")
    for s in power_summary(records):
        weak = len(weak_holds([r for r in records if r["paper"] == s["paper"]]))
        print(f"{s['paper']}: {s['rows']} rows, {s['holds']} hold, {s['fails_expected']} fail as expected, "
              f"{s['fails_unexpected']} fail unexpectedly, {s['inconclusive']} inconclusive; detectable/effect "
              f"median {_fmt(s['median_power'])}, worst {_fmt(s['worst_power'])}; {weak} holding rows with "
              "tolerance >= 50 % of the theory value")
    for r in unexpected(records):
        print(f"unexpected: {r['claim']} {r['observed']} (expected {r['expected']})")
    return 1 if unexpected(records) else 0


if __name__ == "__main__":
    raise SystemExit(main())

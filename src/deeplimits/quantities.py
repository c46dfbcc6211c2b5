"""Named quantities a fit writes into its stats JSON for the audit (``deeplimits.audit`` decides the claims on them).

- an estimate ``{"value", "stderr", "n"}`` (:class:`deeplimits.stats.Estimate`, stored as it is);
- a theory value or any exactly computed number ``{"value", "formula"}`` (:func:`theory`);
- a KS test ``{"distance", "p_value", "n_eff", "critical"}`` (:class:`deeplimits.stats.KSResult`, stored as it is);
- a condition on the data ``{"holds": bool, "reason"}`` (:func:`condition`), e.g. "enough prior draws";
- a quantity the run did not compute at these parameters ``{"missing": reason}`` (:func:`missing`).

The fits import this module, never the audit: an edit of a claim rule re-audits without refitting.
"""

from __future__ import annotations

from typing import Any


def theory(value: float, formula: str) -> dict[str, Any]:
    """An exactly computed number (a theory value, a deterministic error) with the formula it comes from."""
    return {"value": float(value), "formula": formula}


def condition(holds: bool, reason: str) -> dict[str, Any]:
    """A condition on the data that decides whether a deterministic claim is decidable."""
    return {"holds": bool(holds), "reason": reason}


def missing(reason: str) -> dict[str, Any]:
    """A quantity the run does not compute at these parameters (its claims are inconclusive)."""
    return {"missing": reason}


class Quantities(dict):
    """The named quantities of one fit, and the instances (placeholder values) each claim row expands over.
    Estimates and KS results may be stored as they are (``q["mean_G"] = stats.mean(g)``): they are kept as their
    ``to_dict()``."""

    def __init__(self) -> None:
        super().__init__()
        self.index: dict[str, list[dict[str, Any]]] = {}

    def __setitem__(self, name: str, quantity: Any) -> None:
        super().__setitem__(name, quantity.to_dict() if hasattr(quantity, "to_dict") else quantity)

    def each(self, name: str, /, **placeholders: Any) -> None:
        """Add one instance of the claim rows with ``each=name``."""
        self.index.setdefault(name, []).append(placeholders)

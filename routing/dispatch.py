"""The dispatch decision (派单): which unit gets a ticket, and whether it may go without a person.

Pure: everything is passed in — the classifier's top-k predictions, the dispatch catalogue, the
jurisdiction of the address and the duplicates already found.

Rules (the process of 接诉即办 as the city runs it):
- a ``local`` matter goes to the street/town office of the address (直派); with the street unknown
  but the district known, the suggestion is the district government (兜底) — not automatic;
- a ``department`` matter goes to the lead unit of the catalogue wherever the address is:
  functional departments' work is never pushed down to a street, so it needs no street;
- automatic dispatch only when the category is confident (probability ≥ threshold, or chosen by
  the agent), the text is familiar to the classifier (however confident, a text unlike its training
  data is not trusted to it), the unit is determined without fallback, and no open duplicate exists;
  otherwise the ticket goes to triage with the top-3 suggestions and the reasons.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from classifier import NOTHING_PASSES
from routing.gazetteer import JurisdictionMatch

LEVELS = ("local", "department")

# Reason codes, in the order they are reported when several apply (the first is ``reason_code``).
REASON_CODES = (
    "auto",  # dispatched automatically
    "open_duplicate",  # an open ticket looks like the same matter: merge (并单) rather than dispatch
    "outside_city",  # the address names a place outside the city: is it ours to handle at all?
    "no_prediction",  # no category from the classifier and none chosen
    "no_catalogue_entry",  # the category has no dispatch catalogue entry
    "no_lead_unit",  # a department entry without lead unit (a catalogue error)
    "low_confidence",  # top probability below the threshold
    "unfamiliar_text",  # the text is far from anything the classifier was trained on (classifier/novelty.py)
    "street_unresolved",  # local matter, street unknown, district known: district government suggested (兜底)
    "jurisdiction_unknown",  # local matter, neither street nor district known
)


@dataclass(frozen=True)
class CatalogueRule:
    level: str  # "local" | "department"
    lead: str | None = None  # the lead unit (主办) of a department matter
    assisting: tuple[str, ...] = ()  # assisting units (协办)

    def __post_init__(self) -> None:
        if self.level not in LEVELS:
            raise ValueError(f"unknown catalogue level {self.level!r}; expected one of {LEVELS}")

    @classmethod
    def from_dict(cls, entry: Mapping) -> CatalogueRule:
        return cls(
            level=entry["level"], lead=entry.get("lead"), assisting=tuple(entry.get("assisting") or ())
        )


def load_catalogue(entries: Iterable[Mapping]) -> dict[str, CatalogueRule]:
    """The catalogue.yaml ``entries`` list → {category code: CatalogueRule}."""
    return {entry["category"]: CatalogueRule.from_dict(entry) for entry in entries}


@dataclass(frozen=True)
class Suggestion:
    category: str
    unit: str | None  # None when the category has no entry or the place is unknown
    probability: float


@dataclass(frozen=True)
class RoutingDecision:
    auto: bool  # True: dispatch now to lead_unit; False: triage (a person decides)
    category: str | None
    probability: float | None  # the classifier's probability of ``category`` (None if not predicted)
    lead_unit: str | None  # the unit to dispatch to (auto) or the suggested one (triage)
    assisting: tuple[str, ...]
    reason: str  # for people: one short Chinese sentence per reason, joined with "；"
    reason_code: str  # the main reason, see REASON_CODES
    suggestions: list[Suggestion] = field(default_factory=list)
    reason_codes: tuple[str, ...] = ()  # every reason that applied, ``reason_code`` first


@dataclass(frozen=True)
class UnitChoice:
    unit: str | None
    basis: str  # "street" | "district_fallback" | "department" | "unknown" | "no_lead_unit"


def unit_for(rule: CatalogueRule, jurisdiction: JurisdictionMatch) -> UnitChoice:
    """The unit a matter of this catalogue rule goes to for this place."""
    if rule.level == "department":
        return UnitChoice(rule.lead, "department" if rule.lead else "no_lead_unit")
    if jurisdiction.street_unit:
        return UnitChoice(jurisdiction.street_unit, "street")
    if jurisdiction.district_unit:
        return UnitChoice(jurisdiction.district_unit, "district_fallback")
    return UnitChoice(None, "unknown")


def decide(
    predictions: Sequence[tuple[str, float]],
    threshold: float,
    catalogue: Mapping[str, CatalogueRule],
    jurisdiction: JurisdictionMatch,
    duplicates: Iterable = (),
    category: str | None = None,
    unit_names: Mapping[str, str] | None = None,
    familiar: bool = True,
) -> RoutingDecision:
    """Decide automatic dispatch or triage.

    predictions: the classifier's top-k ``(category code, probability)``; sorted here, best first.
    threshold: minimum probability for automatic dispatch (0–1, or NOTHING_PASSES).
    duplicates: candidates from routing.duplicates (anything with ``ticket_no`` and ``score``). A
        candidate blocks automatic dispatch unless its ``open`` is False (the earlier ticket is
        closed) or its ``likely`` is False (the same caller about a different matter).
    category: a category chosen by the agent; it replaces the classifier's choice and its
        threshold (a person decided), but not the place or duplicate checks.
    unit_names: unit code → name, only to write the reason for people.
    familiar: False when the classifier found the text far from its training data: its category is
        then only a suggestion, whatever its probability (an agent's choice is not affected).
    """
    # NOTHING_PASSES (just above 1) is what a model whose predictions never reached the target
    # precision carries: every ticket then goes to a person.
    if not 0.0 <= threshold <= NOTHING_PASSES:
        raise ValueError(f"threshold must be between 0 and 1, got {threshold}")
    names = unit_names or {}
    ranked = _ranked(predictions)
    suggestions = [
        Suggestion(code, unit_for(catalogue[code], jurisdiction).unit if code in catalogue else None, p)
        for code, p in ranked[:3]
    ]
    chosen_by_agent = category is not None
    if chosen_by_agent:
        chosen, probability = category, dict(ranked).get(category)
    else:
        chosen, probability = ranked[0] if ranked else (None, None)

    reasons = _duplicate_reasons(duplicates)
    outside = getattr(jurisdiction, "outside", None)
    if outside:
        reasons.append(("outside_city", f"地址不在本市辖区（{outside}），请核实是否由本市受理"))
    lead, assisting, unit_reasons = _lead_and_reasons(chosen, probability, threshold, chosen_by_agent,
                                                      catalogue, jurisdiction, names)
    reasons += unit_reasons
    if not familiar and not chosen_by_agent and chosen is not None:
        reasons.append(("unfamiliar_text", "文本与已知诉求差异较大，请人工确认类别"))
    if reasons:
        reasons.sort(key=lambda item: REASON_CODES.index(item[0]))
        return RoutingDecision(
            auto=False, category=chosen, probability=probability, lead_unit=lead, assisting=assisting,
            reason="；".join(text for _, text in reasons), reason_code=reasons[0][0],
            suggestions=suggestions, reason_codes=tuple(code for code, _ in reasons),
        )
    return RoutingDecision(
        auto=True, category=chosen, probability=probability, lead_unit=lead, assisting=assisting,
        reason=_why_automatic(catalogue[chosen], chosen, probability, threshold, chosen_by_agent,
                              names.get(lead, lead)),
        reason_code="auto", suggestions=suggestions, reason_codes=("auto",),
    )


Reason = tuple[str, str]  # (code from REASON_CODES, a Chinese sentence for people)


def distinct_figures(value: float, bar: float) -> tuple[str, str]:
    """Two figures with the fewest decimals (at least two) that tell them apart: an agent reading
    "置信度 0.90 低于阈值 0.90" cannot see why; "0.897 低于 0.903" says it."""
    for places in (2, 3, 4):
        shown, shown_bar = f"{value:.{places}f}", f"{bar:.{places}f}"
        if shown != shown_bar:
            break
    return shown, shown_bar


def _ranked(predictions: Sequence[tuple[str, float]]) -> list[tuple[str, float]]:
    """The predictions with a probability, best first."""
    return sorted(
        ((code, float(p)) for code, p in predictions if p is not None and not math.isnan(p)),
        key=lambda item: item[1],
        reverse=True,
    )


def _duplicate_reasons(duplicates: Iterable) -> list[Reason]:
    """An open duplicate blocks automatic dispatch: the ticket may be merged (并单) instead."""
    open_duplicates = [d for d in duplicates if getattr(d, "open", True) and getattr(d, "likely", True)]
    if not open_duplicates:
        return []
    first = open_duplicates[0]
    more = f"等{len(open_duplicates)}件" if len(open_duplicates) > 1 else ""
    return [("open_duplicate",
             f"存在未办结的相似诉求 {first.ticket_no}{more}（相似度 {first.score:.2f}），请确认是否并单")]


def _lead_and_reasons(
    chosen: str | None, probability: float | None, threshold: float, chosen_by_agent: bool,
    catalogue: Mapping[str, CatalogueRule], jurisdiction: JurisdictionMatch, names: Mapping[str, str],
) -> tuple[str | None, tuple[str, ...], list[Reason]]:
    """The lead and assisting units for the chosen category and place, and what stops automatic dispatch
    about the category, its confidence and the place."""
    if chosen is None:
        return None, (), [("no_prediction", "没有分类结果，需人工选择类别")]
    if chosen not in catalogue:
        return None, (), [("no_catalogue_entry", f"类别 {chosen} 不在派单目录中")]
    rule = catalogue[chosen]
    choice = unit_for(rule, jurisdiction)
    lead = choice.unit
    assisting = tuple(u for u in dict.fromkeys(rule.assisting) if u != lead)
    reasons: list[Reason] = []
    if not chosen_by_agent and probability is not None and probability < threshold:
        shown, bar = distinct_figures(probability, threshold)
        reasons.append(("low_confidence", f"分类置信度 {shown} 低于自动派单阈值 {bar}"))
    if choice.basis == "no_lead_unit":
        reasons.append(("no_lead_unit", f"派单目录中类别 {chosen} 未指定主办单位"))
    elif choice.basis == "district_fallback":
        who = names.get(lead) or jurisdiction.district or lead
        reasons.append(("street_unresolved", f"属地事项未能确定街道/乡镇，建议由{who}兜底"))
    elif choice.basis == "unknown" and not getattr(jurisdiction, "outside", None):
        reasons.append(("jurisdiction_unknown", "属地事项无法确定所属区和街道/乡镇，需人工核实地址"))
    return lead, assisting, reasons


def _why_automatic(rule: CatalogueRule, chosen: str, probability: float | None, threshold: float,
                   chosen_by_agent: bool, unit_name: str | None) -> str:
    basis = f"按属地直派{unit_name}" if rule.level == "local" else f"按派单目录派{unit_name}"
    if chosen_by_agent:
        return f"坐席选定类别 {chosen}，{basis}"
    return f"分类置信度 {probability:.2f} 达到自动派单阈值 {threshold:.2f}，{basis}"

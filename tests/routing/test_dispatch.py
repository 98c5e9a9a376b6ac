"""The dispatch decision (routing.dispatch)."""

from __future__ import annotations

import pytest

from routing.dispatch import REASON_CODES, CatalogueRule, decide, load_catalogue, unit_for
from routing.duplicates import DuplicateCandidate
from routing.gazetteer import JurisdictionMatch

CATALOGUE = load_catalogue(
    [
        {"category": "ENV-NOISE", "level": "local", "assisting": ["SSTHJ"]},
        {"category": "CTY-GARBAGE", "level": "local", "assisting": ["SCGW"]},
        {"category": "TRA-BUS", "level": "department", "lead": "SJTW"},
        {"category": "UTL-WATER", "level": "department", "lead": "EWATER", "assisting": ["SSWJ", "EWATER"]},
    ]
)
STREET = JurisdictionMatch(
    district="朝阳区", district_unit="CY", street="望京街道", street_unit="CY-WJ", method="alias"
)
DISTRICT_ONLY = JurisdictionMatch(district="朝阳区", district_unit="CY", method="district_only")
UNKNOWN = JurisdictionMatch()
NAMES = {"CY-WJ": "望京街道办事处", "CY": "朝阳区人民政府", "SJTW": "市交通委员会"}


def test_decide__confident_local_matter_goes_to_the_street_of_the_address():
    decision = decide([("ENV-NOISE", 0.93), ("CTY-GARBAGE", 0.04)], 0.8, CATALOGUE, STREET)
    assert decision.auto
    assert (decision.category, decision.lead_unit, decision.assisting) == ("ENV-NOISE", "CY-WJ", ("SSTHJ",))
    assert decision.reason_code == "auto"
    assert decision.probability == pytest.approx(0.93)


def test_decide__reason_is_a_chinese_sentence_with_probability_threshold_and_unit_name():
    decision = decide([("ENV-NOISE", 0.93)], 0.8, CATALOGUE, STREET, unit_names=NAMES)
    assert decision.reason == "分类置信度 0.93 达到自动派单阈值 0.80，按属地直派望京街道办事处"


def test_decide__low_confidence_goes_to_triage_with_reason():
    decision = decide([("ENV-NOISE", 0.62), ("CTY-GARBAGE", 0.2)], 0.8, CATALOGUE, STREET)
    assert not decision.auto
    assert decision.reason_code == "low_confidence"
    assert decision.reason == "分类置信度 0.62 低于自动派单阈值 0.80"
    assert decision.lead_unit == "CY-WJ"  # still suggested


def test_decide__unfamiliar_text_goes_to_triage_however_confident():
    decision = decide([("ENV-NOISE", 0.99), ("CTY-GARBAGE", 0.01)], 0.8, CATALOGUE, STREET, familiar=False)
    assert not decision.auto
    assert decision.reason_code == "unfamiliar_text"
    assert decision.reason == "文本与已知诉求差异较大，请人工确认类别"
    assert (decision.category, decision.lead_unit) == ("ENV-NOISE", "CY-WJ")  # still the suggestion


def test_decide__unfamiliar_and_not_confident_gives_both_reasons():
    decision = decide([("ENV-NOISE", 0.5)], 0.8, CATALOGUE, STREET, familiar=False)
    assert decision.reason_codes == ("low_confidence", "unfamiliar_text")


def test_decide__an_agents_category_is_not_held_back_by_an_unfamiliar_text():
    decision = decide([("CTY-GARBAGE", 0.99)], 0.8, CATALOGUE, STREET, category="ENV-NOISE", familiar=False)
    assert decision.auto and decision.category == "ENV-NOISE"


def test_decide__low_confidence_reason_shows_as_many_decimals_as_tell_the_two_apart():
    decision = decide([("ENV-NOISE", 0.8974)], 0.9031, CATALOGUE, STREET)
    assert decision.reason == "分类置信度 0.897 低于自动派单阈值 0.903"


def test_decide__probability_equal_to_threshold_is_enough():
    assert decide([("ENV-NOISE", 0.8)], 0.8, CATALOGUE, STREET).auto


def test_decide__department_matter_goes_to_its_lead_wherever_the_address_is():
    for place in (STREET, DISTRICT_ONLY, UNKNOWN):
        decision = decide([("TRA-BUS", 0.9)], 0.8, CATALOGUE, place, unit_names=NAMES)
        assert (decision.auto, decision.lead_unit) == (True, "SJTW")
        assert "按派单目录派市交通委员会" in decision.reason


def test_decide__department_work_is_never_pushed_to_the_street():
    decision = decide([("TRA-BUS", 0.9)], 0.8, CATALOGUE, STREET)
    assert decision.lead_unit != STREET.street_unit


def test_decide__local_matter_with_district_only_suggests_district_government_fallback():
    decision = decide([("ENV-NOISE", 0.95)], 0.8, CATALOGUE, DISTRICT_ONLY, unit_names=NAMES)
    assert not decision.auto
    assert (decision.reason_code, decision.lead_unit) == ("street_unresolved", "CY")
    assert "兜底" in decision.reason and "朝阳区人民政府" in decision.reason


def test_decide__local_matter_with_unknown_place_has_no_unit():
    decision = decide([("ENV-NOISE", 0.95)], 0.8, CATALOGUE, UNKNOWN)
    assert (decision.auto, decision.reason_code, decision.lead_unit) == (False, "jurisdiction_unknown", None)


def test_decide__open_duplicate_blocks_automatic_dispatch():
    duplicate = DuplicateCandidate(ticket_no="T20260301-0007", score=0.91, reason="同一街道相似诉求")
    decision = decide([("ENV-NOISE", 0.95)], 0.8, CATALOGUE, STREET, duplicates=[duplicate])
    assert not decision.auto
    assert decision.reason_code == "open_duplicate"
    assert "T20260301-0007" in decision.reason and "0.91" in decision.reason
    assert decision.lead_unit == "CY-WJ"


def test_decide__closed_duplicate_or_same_caller_with_other_matter_does_not_block():
    closed = DuplicateCandidate(ticket_no="T1", score=0.95, reason="", open=False)
    other_matter = DuplicateCandidate(
        ticket_no="T2", score=0.35, reason="同一来电号码", same_phone=True, likely=False
    )
    assert decide([("ENV-NOISE", 0.95)], 0.8, CATALOGUE, STREET, duplicates=[closed, other_matter]).auto


def test_decide__every_failing_rule_is_reported_main_reason_first():
    duplicate = DuplicateCandidate(ticket_no="T9", score=0.8, reason="")
    decision = decide([("ENV-NOISE", 0.5)], 0.8, CATALOGUE, DISTRICT_ONLY, duplicates=[duplicate])
    assert decision.reason_codes == ("open_duplicate", "low_confidence", "street_unresolved")
    assert decision.reason_code == "open_duplicate"
    assert decision.reason.count("；") == 2


def test_decide__no_prediction_goes_to_triage():
    decision = decide([], 0.8, CATALOGUE, STREET)
    assert (decision.auto, decision.reason_code, decision.category, decision.suggestions) == (
        False,
        "no_prediction",
        None,
        [],
    )


def test_decide__category_missing_from_catalogue_goes_to_triage():
    decision = decide([("XXX-NEW", 0.99)], 0.8, CATALOGUE, STREET)
    assert (decision.auto, decision.reason_code, decision.lead_unit) == (False, "no_catalogue_entry", None)


def test_decide__agent_category_replaces_prediction_and_threshold():
    decision = decide([("ENV-NOISE", 0.4), ("TRA-BUS", 0.3)], 0.8, CATALOGUE, STREET, category="TRA-BUS")
    assert (decision.auto, decision.category, decision.lead_unit) == (True, "TRA-BUS", "SJTW")
    assert decision.probability == pytest.approx(0.3)
    assert "坐席选定类别" in decision.reason


def test_decide__agent_category_still_needs_the_place_and_no_open_duplicate():
    decision = decide([("ENV-NOISE", 0.4)], 0.8, CATALOGUE, DISTRICT_ONLY, category="ENV-NOISE")
    assert (decision.auto, decision.reason_code, decision.probability) == (False, "street_unresolved", 0.4)
    dup = DuplicateCandidate(ticket_no="T1", score=0.9, reason="")
    assert not decide([], 0.8, CATALOGUE, STREET, duplicates=[dup], category="TRA-BUS").auto


def test_decide__agent_category_not_predicted_has_no_probability():
    assert decide([], 0.8, CATALOGUE, STREET, category="TRA-BUS").probability is None


def test_decide__suggestions_are_top_three_mapped_to_units_for_this_place():
    predictions = [
        ("TRA-BUS", 0.1),
        ("ENV-NOISE", 0.5),
        ("UTL-WATER", 0.2),
        ("CTY-GARBAGE", 0.15),
        ("XXX", 0.05),
    ]
    decision = decide(predictions, 0.8, CATALOGUE, STREET)
    assert [(s.category, s.unit, s.probability) for s in decision.suggestions] == [
        ("ENV-NOISE", "CY-WJ", 0.5),
        ("UTL-WATER", "EWATER", 0.2),
        ("CTY-GARBAGE", "CY-WJ", 0.15),
    ]


def test_decide__suggestions_use_district_fallback_and_none_for_unknown():
    decision = decide([("ENV-NOISE", 0.5), ("XXX", 0.3)], 0.8, CATALOGUE, DISTRICT_ONLY)
    assert [(s.category, s.unit) for s in decision.suggestions] == [("ENV-NOISE", "CY"), ("XXX", None)]


def test_decide__lead_unit_is_not_repeated_among_assisting():
    decision = decide([("UTL-WATER", 0.9)], 0.8, CATALOGUE, STREET)
    assert (decision.lead_unit, decision.assisting) == ("EWATER", ("SSWJ",))


def test_decide__department_rule_without_lead_is_a_catalogue_error_not_a_crash():
    catalogue = {"BAD": CatalogueRule(level="department")}
    decision = decide([("BAD", 0.99)], 0.8, catalogue, STREET)
    assert (decision.auto, decision.reason_code) == (False, "no_lead_unit")


def test_decide__threshold_out_of_range_is_rejected():
    with pytest.raises(ValueError):
        decide([("ENV-NOISE", 0.9)], 80, CATALOGUE, STREET)


def test_decide__a_model_that_lets_nothing_pass_sends_every_ticket_to_a_person():
    from classifier.selective import NOTHING_PASSES

    decision = decide([("ENV-NOISE", 1.0)], NOTHING_PASSES, CATALOGUE, STREET)
    assert (decision.auto, decision.reason_code) == (False, "low_confidence")


def test_decide__nan_probabilities_are_ignored():
    decision = decide([("ENV-NOISE", float("nan")), ("TRA-BUS", 0.9)], 0.8, CATALOGUE, STREET)
    assert decision.category == "TRA-BUS" and decision.auto


def test_decide__reason_codes_are_documented():
    decisions = [
        decide([("ENV-NOISE", 0.9)], 0.8, CATALOGUE, place, duplicates=dups)
        for place in (STREET, DISTRICT_ONLY, UNKNOWN)
        for dups in ([], [DuplicateCandidate("T1", 0.9, "")])
    ]
    assert {code for d in decisions for code in d.reason_codes} <= set(REASON_CODES)


def test_catalogue_rule__unknown_level_is_rejected():
    with pytest.raises(ValueError):
        CatalogueRule(level="street")


def test_unit_for__basis_tells_how_the_unit_was_found():
    rule = CatalogueRule(level="local")
    assert unit_for(rule, STREET).basis == "street"
    assert unit_for(rule, DISTRICT_ONLY).basis == "district_fallback"
    assert unit_for(rule, UNKNOWN).basis == "unknown"


# --- against the demo city --------------------------------------------------------------------------


def test_demo_catalogue__every_unit_is_known_and_department_leads_are_not_streets(demo_catalogue, demo_units):
    for code, rule in demo_catalogue.items():
        for unit in (rule.lead, *rule.assisting):
            if unit is not None:
                assert unit in demo_units, (code, unit)
        if rule.level == "department":
            assert demo_units[rule.lead]["group"] in ("department", "enterprise"), code


def test_demo_city__address_to_unit_end_to_end(demo_gazetteer, demo_catalogue, demo_units):
    place = demo_gazetteer.resolve("朝阳区望京西园三区3号楼")
    local = next(code for code, rule in demo_catalogue.items() if rule.level == "local")
    department = next(code for code, rule in demo_catalogue.items() if rule.level == "department")

    decision = decide([(local, 0.9)], 0.8, demo_catalogue, place)
    assert decision.auto and decision.lead_unit == "CY-WJ"
    assert demo_units[decision.lead_unit]["group"] == "street"

    decision = decide([(department, 0.9)], 0.8, demo_catalogue, place)
    assert decision.auto and demo_units[decision.lead_unit]["group"] in ("department", "enterprise")


def test_demo_city__street_units_of_the_gazetteer_belong_to_their_district(demo_districts, demo_units):
    for district in demo_districts:
        assert demo_units[district["unit"]]["group"] == "district"
        for street in district["streets"]:
            assert demo_units[street["unit"]]["group"] == "street"
            assert demo_units[street["unit"]]["district"] == district["unit"]


def test_decide__address_outside_the_city_goes_to_triage_saying_so(demo_gazetteer, demo_catalogue):
    from routing.dispatch import decide

    department = next(code for code, rule in demo_catalogue.items() if rule.level == "department")
    place = demo_gazetteer.resolve("上海浦东张江路88号")
    decision = decide([(department, 0.999)], 0.9, demo_catalogue, place)
    assert not decision.auto and decision.reason_code == "outside_city"
    assert "地址不在本市辖区" in decision.reason

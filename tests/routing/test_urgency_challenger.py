"""Promotion check for a retrained urgency model (routing.urgency_challenger)."""

from __future__ import annotations

import pytest

from routing.urgency_challenger import judge_challenger
from routing.urgency_model import UrgencyExample

# Neither text has a cue or scene the rules know: only the model can raise them.
LIVE = "小区门口有个人捂着胸口蹲在地上，脸色发白，满头大汗"
ORDINARY = "小区绿化带的草好久没修剪了"
EXAMPLES = [UrgencyExample(LIVE, "emergency", "120"), UrgencyExample(ORDINARY, "normal")]


class _Model:
    """A model stand-in that finds the given texts live."""

    threshold = 0.25

    def __init__(self, *live_texts: str):
        self.live_texts = live_texts

    def live(self, text):
        return (0.9 if text in self.live_texts else 0.0), None


def test_judge__challenger_missing_a_live_emergency_is_not_promoted():
    verdict = judge_challenger(_Model(LIVE), _Model(), EXAMPLES)
    assert not verdict.promote
    assert "漏判" in verdict.reason and "召回率 0.0%（当前 100.0%）" in verdict.reason
    assert verdict.champion["live_recall"] == 1.0 and verdict.challenger["live_recall"] == 0.0


def test_judge__challenger_raising_more_false_alarms_is_not_promoted():
    verdict = judge_challenger(_Model(LIVE), _Model(LIVE, ORDINARY), EXAMPLES)
    assert not verdict.promote
    assert "误报更多" in verdict.reason and "误报率 100.0%（当前 0.0%）" in verdict.reason


def test_judge__challenger_as_good_as_the_current_model_is_promoted():
    verdict = judge_challenger(_Model(LIVE), _Model(LIVE), EXAMPLES)
    assert verdict.promote and "不差于" in verdict.reason


def test_judge__a_small_loss_within_the_tolerance_is_promoted():
    many = EXAMPLES + [UrgencyExample(f"路灯坏了第{i}盏", "normal") for i in range(399)]  # 400 not live
    worse_by_one = _Model(LIVE, "路灯坏了第0盏")  # one false alarm more
    assert judge_challenger(_Model(LIVE), worse_by_one, many, tolerance=1).promote
    assert not judge_challenger(_Model(LIVE), worse_by_one, many, tolerance=0).promote


def test_judge__without_a_current_model_the_challenger_is_promoted():
    verdict = judge_challenger(None, _Model(), EXAMPLES)
    assert verdict.promote and verdict.champion is None


def test_judge__needs_labelled_examples():
    with pytest.raises(ValueError):
        judge_challenger(_Model(), _Model(), [])


def test_judge__the_allowance_is_four_texts_on_a_large_set_and_at_most_a_tiny_share_of_a_small_one():
    large = EXAMPLES + [UrgencyExample(f"路灯坏了第{i}盏", "normal") for i in range(2_000)]
    four_more = _Model(LIVE, *[f"路灯坏了第{i}盏" for i in range(4)])
    five_more = _Model(LIVE, *[f"路灯坏了第{i}盏" for i in range(5)])
    assert judge_challenger(_Model(LIVE), four_more, large).promote
    assert not judge_challenger(_Model(LIVE), five_more, large).promote
    small = EXAMPLES + [UrgencyExample(f"路灯坏了第{i}盏", "normal") for i in range(200)]
    assert not judge_challenger(_Model(LIVE), _Model(LIVE, "路灯坏了第0盏"), small).promote

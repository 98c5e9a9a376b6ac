"""routing.dialect: Cantonese as typed, read in Mandarin by the urgency rules."""

import pytest

from routing.dialect import to_mandarin
from routing.urgency import assess


def test_to_mandarin__rewrites_a_cantonese_text():
    assert to_mandarin("佢而家仲喺度，冇事") == "他现在还在，没事"


@pytest.mark.parametrize("text", [
    "系统提示行程已取消，请问退款几天到账",  # 系 and 行 are Mandarin words too
    "我仲裁的事想问一下进度",  # one Cantonese-looking character is no Cantonese text
])
def test_to_mandarin__leaves_a_mandarin_text_alone(text):
    assert to_mandarin(text) == text


@pytest.mark.parametrize("text", [
    "个细路喺游乐场跌落嚟，后脑着地，而家不停咁呕",
    "饭堂十几个工人食完午饭一齐肚痛呕吐，有几个已经瘫喺地下起唔到身，有个阿姐仲抽紧筋",
])
def test_urgency__a_live_emergency_told_in_cantonese_is_live(text):
    result = assess(text, None)
    assert result.urgency == "emergency", result


@pytest.mark.parametrize("text", [
    "琴晚过马路俾架的士撞咗，好彩冇大碍，但系司机留嘅电话打唔通，想揾返佢",  # last night
    "中午楼上厨房起火，已经熄咗，我屋企天花俾消防啲水浸湿",  # put out
])
def test_urgency__a_cantonese_story_that_is_over_is_no_emergency(text):
    result = assess(text, None)
    assert result.urgency != "emergency", result

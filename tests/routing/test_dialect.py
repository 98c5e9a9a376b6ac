"""routing.dialect: Cantonese and Wu as typed, read in Mandarin by the urgency rules."""

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


def test_to_mandarin__rewrites_a_wu_text():
    assert to_mandarin("阿拉爷爷跌倒了,叫伊勿应") == "我们爷爷跌倒了,叫他不应"


@pytest.mark.parametrize("text", [
    "公共场所请勿吸烟，伊人已去",  # 勿 and 伊 are classical Mandarin too: marks of Wu, not proof
    "小区门口请勿停车，违者拖走",
    "公共场所请勿吸烟，请勿停车，请勿靠近",  # a notice's 请勿, however often, is no Wu
])
def test_to_mandarin__leaves_classical_mandarin_alone(text):
    assert to_mandarin(text) == text


@pytest.mark.parametrize("text", [
    "阿拉同事吃了两口虾,喉咙就肿起来了,现在透勿过气,脸也紫了",
    "电梯停在两层当中,阿拉四个人关牢辣里厢,有一个孕妇透勿过气了",
])
def test_urgency__a_live_emergency_told_in_wu_is_live_without_review(text):
    result = assess(text, None)
    assert result.urgency == "emergency" and not result.review, result


def test_urgency__a_wu_story_that_is_over_is_no_emergency():
    text = "我在上海长宁区开一家小面馆,刚刚中午辰光隔壁电瓶车店短路冒烟,消防车来了十分钟就弄好了,现在已经没事体了"
    assert assess(text, None).urgency != "emergency"

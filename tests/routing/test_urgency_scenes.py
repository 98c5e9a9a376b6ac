"""Live dangers told in the caller's words (routing/data/urgency_scenes.yaml) and what keeps them honest:
the clause rules, the model's veto and the service suggested with a model-raised review."""

from __future__ import annotations

import pytest

from routing.urgency import SCENES_PATH, assess, load_scenes

# Sentences written for these tests (not taken from the labelled or held-out sets): each describes a
# scene without the service's own words.
LIVE_SCENES = [
    ("小孩吃糖卡住了，脸都憋青了", "120"),  # choking
    ("我妈刚才突然说话含含糊糊，半边脸都麻了", "120"),  # stroke
    ("我爸吃着饭，左边身子一下子没劲了", "120"),  # stroke
    ("我爷爷在床上怎么喊都不醒", "120"),  # unresponsive
    ("孩子发着烧，浑身抽起来了", "120"),  # convulsions
    ("他手被玻璃划了，流了一地血", "120"),  # heavy bleeding
    ("孩子从窗台上掉下去了", "120"),  # fall from height
    ("我爸喝了农药，现在在吐", "120"),  # poisoning
    ("前夫在门外说要杀了我", "110"),  # threat
    ("有个男的一路尾随她，她躲在商场厕所里不敢出声", "110"),  # followed
    ("我女儿在公园里找不到了，才四岁", "110"),  # child missing
    ("他在掐我，我跑到卫生间了", "110"),  # domestic violence in progress
    ("有个人翻过栏杆站在桥外边", "110"),  # suicide attempt
    ("两辆车在路口撞一块了，横在路中间", "122"),  # crash
    ("货车把一个骑车的大爷撞飞了", "120"),  # crash with a person hurt: the ambulance first
    ("楼下的煤气罐炸了", "119"),  # explosion
    ("屋里全是烟，孩子还在里面", "119"),  # people trapped in smoke
    ("锅里的油着起来了，火都窜到柜子上了", "119"),  # kitchen fire
    ("我儿子把一颗磁铁吞下去了", "120"),  # swallowed object
    ("我爸舌头发硬，左手拿不住杯子了", "120"),  # stroke
    ("我在山上被毒蛇咬了", "120"),  # snakebite
    ("水库里有个人在挣扎", "120"),  # drowning
    ("有个醉汉正在摔东西，还骂人", "110"),  # smashing in progress
    ("出租车司机不让我下车，一直往郊区开", "110"),  # kept from leaving
    ("我儿子放学两个小时了还没回来，现在电话也关机", "110"),  # child not back
]


@pytest.mark.parametrize(("text", "referral"), LIVE_SCENES, ids=[t for t, _ in LIVE_SCENES])
def test_assess__scene_told_in_callers_words_is_live(text, referral):
    result = assess(text, None)
    assert result.urgency == "emergency", result
    assert result.referral == referral, result


def test_assess__choking_child_is_live_120():
    result = assess("孩子吃果仁噎住了，嘴唇都发紫了", None)
    assert (result.urgency, result.referral) == ("emergency", "120")
    assert "噎住" in result.reason


def test_assess__crash_with_people_hurt_lists_both_services():
    result = assess("两辆电动车对撞，有个人倒在路上起不来", None)
    assert result.referral == "120"
    assert set(result.referrals) >= {"120", "122"}


NOT_LIVE_SCENES = [
    "去年我爸嘴歪过一次，后来治好了，想问问医保怎么报",  # past, inquiry
    "上个月孩子在商场走丢过，想建议商场多装监控",  # past
    "我担心老人哪天在家倒在地上没人知道",  # worry
    "家里没有人抽搐，就是有点发烧",  # negation
    "我们楼道里没有烟，只是有股烧纸的味道",  # negation
    "孩子被鱼刺卡住了，已经送到医院取出来了",  # aftermath
]


@pytest.mark.parametrize("text", NOT_LIVE_SCENES)
def test_assess__scene_under_clause_rules_is_not_live(text):
    result = assess(text, None)
    assert result.urgency != "emergency", result
    assert result.referral is None


def test_assess__slurred_speech_alone_is_flagged_not_referred():
    result = assess("我爸说话不清楚了", None)
    assert result.urgency == "normal" and result.review and result.referral is None


def test_assess__speech_with_a_sudden_onset_is_live_120():
    assert assess("我爸刚才吃着饭突然说不出话了", None).referral == "120"


@pytest.mark.parametrize("text", ["气得我说不出话", "工作人员说话含糊其辞，推诿责任"])
def test_assess__anger_or_an_evasive_answer_is_not_a_stroke(text):
    result = assess(text, None)
    assert result.urgency == "normal" and not result.review, result


def test_assess__hearsay_from_social_media_is_not_live():
    assert assess("朋友圈说地铁站有人晕倒了，是真的吗", None).urgency == "normal"


def test_assess__followed_until_now_is_still_live():
    # "跟到现在" continues the event; "到现在" after anything else stays aftermath
    assert assess("有人一直跟着我，从超市跟到现在", None).referral == "110"
    assert assess("上个月有人一直跟着我，到现在也没查到是谁", None).urgency == "normal"


def test_assess__scrape_without_present_evidence_is_only_flagged():
    result = assess("停在楼下的车被人刮了一道", None)
    assert result.urgency != "emergency" and result.review


def test_assess__open_flame_in_use_is_a_hazard_not_a_fire():
    assert assess("仓库里工人用明火取暖", None).referral is None


def test_assess__traffic_accident_procedure_question_is_not_referred():
    assert assess("交通事故快处快赔怎么弄", None).referral is None


def test_assess__damage_to_claim_for_is_aftermath():
    assert assess("楼上漏水把我家吊顶泡塌了，想让他赔偿", None).urgency == "normal"


def test_assess__gas_stove_that_will_not_light_is_a_utility_outage():
    assert assess("燃气灶打不着火了，整栋楼都这样", None).urgency == "utility"


def test_load_scenes__every_scene_names_a_service():
    scenes = load_scenes(SCENES_PATH)
    assert len(scenes) >= 15
    assert {s.referral for s in scenes} == {"110", "119", "120", "122"}


def test_load_scenes__unknown_service_is_refused(tmp_path):
    path = tmp_path / "scenes.yaml"
    path.write_text('scenes:\n  - name: x\n    service: "999"\n    patterns: ["x"]\n', encoding="utf-8")
    with pytest.raises(ValueError, match="999"):
        load_scenes(path)


# -- the learned model's second opinion ----------------------------------------------------------------


class _SureModel:
    """A model stand-in that suspects every text a live emergency for ``service`` (short of confident)."""

    threshold = 0.25

    def __init__(self, service: str | None = None):
        self.service = service

    def live(self, text):
        return 0.8, self.service


def test_assess__model_raised_review_suggests_the_models_service():
    result = assess("我一个人在家，门外一直有人敲，我好害怕", None, model=_SureModel("110"))
    assert result.urgency == "emergency" and result.review
    assert result.referral == "110" and result.referrals == ("110",)
    assert "报警（110）" in result.reason


def test_assess__model_raised_review_prefers_the_unsure_scenes_service():
    result = assess("我的车被一辆货车刮了，他也不挪车", None, model=_SureModel(None))
    assert result.urgency == "emergency" and result.review
    assert result.referral == "122"


def test_assess__rules_only_review_suggests_no_service():
    result = assess("停在楼下的车被人刮了一道", None)
    assert result.review and result.referral is None


@pytest.mark.parametrize(
    "text",
    [
        "工地的吊车一刮风就晃，怕哪天倒下来",  # a worry
        "前年这部电梯困过人，一直没换",  # an experience
        "广场舞音响吵得我整夜睡不着",  # a nuisance in hyperbole
    ],
)
def test_assess__model_may_not_raise_a_worry_an_experience_or_hyperbole(text):
    result = assess(text, None, model=_SureModel("120"))
    assert result.urgency != "emergency" and result.referral is None, result
    assert "模型疑似紧急（0.80），但" in result.reason and "不提升" in result.reason

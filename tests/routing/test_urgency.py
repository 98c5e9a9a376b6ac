"""Urgency class and emergency referral (routing.urgency)."""

from __future__ import annotations

import pytest

from routing.urgency import REFERRALS, URGENCIES, assess
from routing.urgency_model import DEFAULT_EXAMPLES

HAPPENING_NOW = [
    # crime in progress → 110
    ("小区门口有人正在打架，快来人", "110"),
    ("有人在超市门口抢劫", "110"),
    ("我家现在有人入室盗窃，人还在屋里", "110"),
    ("楼下有人持刀砍人", "110"),
    # fire → 119
    ("楼道里着火了，快来人", "119"),
    ("对面楼起火了，火很大", "119"),
    ("仓库正在冒烟，闻到烧焦味", "119"),
    # medical → 120
    ("公交站有个老人晕倒了", "120"),
    ("我爸心脏病发作，人已经昏迷", "120"),
    ("工地上有人摔下来大出血", "120"),
    # road accident → 122
    ("三环辅路两车追尾了，堵在路中间", "122"),
    ("路口发生车祸，一辆电动车被撞", "122"),
    ("有辆车撞人后跑了", "122"),
]


@pytest.mark.parametrize(("text", "referral"), HAPPENING_NOW, ids=[t for t, _ in HAPPENING_NOW])
def test_assess__event_happening_now_is_referred(text, referral):
    result = assess(text, None)
    assert result.referral == referral, result
    assert result.urgency == "emergency"
    assert referral in result.reason


NOT_AN_EMERGENCY_NOW = [
    # past events
    "去年着火的楼至今没修，墙还是黑的",
    "昨天晚上小区门口有人打架，希望加强巡逻",
    "上个月这个路口发生过车祸，建议装红绿灯",
    "前几天有人在这里晕倒过，建议配急救设备",
    # aftermath
    "楼下饭店着火已扑灭，但是消防通道一直被占",
    # inquiries
    "咨询120急救收费标准",
    "请问119火警电话能发短信吗",
    "咨询一下心脏病发作的急救知识培训在哪报名",
    # negation, hazards, hypotheticals
    "没有着火，是邻居家烧烤冒烟扰民",
    "楼道堆放杂物，存在火灾隐患",
    "担心电动车在楼道充电会起火",
    "小区组织消防演练，着火警报声太吵",
    # weak cues without evidence that anything is happening now
    "小区最近小偷很多，希望加装监控",
    "烧烤店冒烟扰民",
]


@pytest.mark.parametrize("text", NOT_AN_EMERGENCY_NOW)
def test_assess__past_negated_hypothetical_or_inquiry_is_not_referred(text):
    result = assess(text, "normal")
    assert result.referral is None, result
    assert result.urgency == "normal"


def test_assess__ignored_cue_is_explained():
    result = assess("去年着火的楼至今没修", None)
    assert "着火" in result.reason and "不计" in result.reason


def test_assess__nearest_time_word_decides():
    # 昨天 belongs to the first fire, 今天 to the smoke now.
    result = assess("昨天着火的仓库今天又冒烟了", None)
    assert result.referral == "119"


def test_assess__inquiry_with_present_evidence_is_still_referred():
    assert assess("请问家里老人晕倒了怎么办", None).referral == "120"


@pytest.mark.parametrize(
    "text",
    [
        "燃气泄漏，闻到很大的煤气味",
        "马路上井盖丢了，很危险",
        "电梯困人，老人被困在里面",
        "小区大树倒了压在车上",
        "路面塌陷出一个大坑",
    ],
)
def test_assess__danger_to_life_or_property_is_emergency_without_referral(text):
    result = assess(text, None)
    assert (result.urgency, result.referral) == ("emergency", None), result


@pytest.mark.parametrize(
    "text",
    [
        "家里停水了，一滴水都没有",
        "整栋楼停电了",
        "暖气不热，室温只有十五度",
        "燃气停供两天了",
        "上个月开始停水至今没来",
    ],
)
def test_assess__water_power_gas_heating_outage_is_utility(text):
    assert assess(text, None).urgency == "utility"


def test_assess__negated_outage_is_not_utility():
    assert assess("我家没有停水，是楼上漏水", None).urgency == "normal"


def test_assess__category_hint_is_kept_when_text_shows_nothing():
    assert assess("井盖有点松动，走过去有响声", "emergency").urgency == "emergency"
    assert assess("暖气费怎么交", "utility").urgency == "utility"
    assert assess("小区物业长期乱收费", "complex").urgency == "complex"


def test_assess__text_raises_urgency_above_the_hint():
    assert assess("家里停电了", "normal").urgency == "utility"
    assert assess("楼道里着火了", "utility").urgency == "emergency"


def test_assess__text_never_makes_a_matter_complex():
    # Lengthening a deadline is a catalogue decision, not a guess from words.
    assert assess("这个问题涉及多个部门，历史遗留多年未解决", None).urgency == "normal"


def test_assess__more_urgent_text_beats_complex_hint():
    assert assess("家里停电了", "complex").urgency == "utility"


def test_assess__unknown_hint_is_ignored_not_fatal():
    result = assess("路灯不亮", "urgent!!")
    assert result.urgency == "normal" and "urgent!!" in result.reason


def test_assess__several_services_fire_and_life_first():
    result = assess("车祸现场有人昏迷", None)
    assert result.referral == "120"
    assert result.referrals == ("120", "122")


def test_assess__full_width_text_is_understood():
    assert assess("楼道里着火了！！", None).referral == "119"


def test_assess__empty_text_is_normal():
    result = assess("", None)
    assert (result.urgency, result.referral) == ("normal", None)


def test_assess__values_are_from_the_published_sets():
    for text, _ in HAPPENING_NOW:
        result = assess(text, None)
        assert result.urgency in URGENCIES and result.referral in REFERRALS


def test_assess__demo_category_hints_are_known_urgencies(demo_categories):
    hints = {c.get("urgency_hint") for c in demo_categories.values()}
    assert hints <= set(URGENCIES)


# -- issue 13: callers' own words ------------------------------------------------------------------


def test_urgency__injured_person_after_crash_is_referred_to_120():
    result = assess("路口两辆车撞了，有个骑电动车的人躺在地上起不来，流了很多血", None)
    assert (result.urgency, result.referral) == ("emergency", "120")
    assert "122" in result.referrals


def test_urgency__person_short_of_breath_in_stuck_lift_is_referred_to_120():
    result = assess("现在电梯里困着人，里面有个老人喘不上气了", None)
    assert (result.urgency, result.referral) == ("emergency", "120")


def test_urgency__past_fire_is_not_emergency():
    result = assess("去年我们楼着过一次火，外墙到现在还是黑的没人修", "emergency")
    assert (result.urgency, result.referral) == ("normal", None), result


def test_urgency__blocked_fire_lane_with_emergency_hint_is_not_emergency():
    result = assess("小区消防通道被私家车堵死了，万一着火了消防车根本进不来", "emergency")
    assert (result.urgency, result.referral) == ("normal", None), result
    assert "隐患" in result.reason


def test_urgency__car_parked_at_hydrant_is_not_emergency():
    assert assess("有辆车天天停在消防栓前面，挡得死死的", "emergency").urgency == "normal"


def test_urgency__past_crash_asking_for_traffic_light_is_not_referred():
    result = assess("前两天这个路口发生过一起车祸，建议装个红绿灯", None)
    assert (result.urgency, result.referral) == ("normal", None), result


def test_urgency__pothole_where_people_often_fell_is_not_referred_to_120():
    result = assess("马路上有个大坑，已经有好几个人摔倒了，希望尽快修补", None)
    assert result.referral is None and result.urgency == "normal", result


def test_urgency__figurative_alarm_words_are_not_emergencies():
    for text in ("这家店的价格简直是抢劫，一碗面要五十块", "孩子作业多到爆炸，每天写到十一点"):
        assert assess(text, None).referral is None, text


def test_urgency__hazard_words_around_a_danger_cue_ask_for_review_not_emergency():
    result = assess("这栋危房还有人住，下雨天墙往下掉灰，早晚出事", None)
    assert result.urgency == "normal" and result.review


def test_urgency__evaluation_set_live_recall_is_total_and_false_alarms_rare(fixtures_dir):
    from routing.urgency_model import evaluate_urgency, read_examples

    examples = read_examples(DEFAULT_EXAMPLES[0])  # the 329 texts the rules were written with
    assert len(examples) >= 300
    rules = evaluate_urgency(examples, folds=0)["rules"]
    assert rules["live_recall"] == 1.0, rules["live_missed"]
    assert rules["false_alarm_rate"] <= 0.05, rules["false_alarms"]


def test_urgency__callers_words_set__covers_every_group_and_the_rules_rarely_cry_wolf_on_it():
    from routing.urgency_model import evaluate_urgency, read_examples

    examples = read_examples(DEFAULT_EXAMPLES[1])
    assert len(examples) >= 400
    groups = {e.group for e in examples}
    for group in ("live_110", "live_119", "live_120", "live_122", "live_danger", "reported_live", "past",
                  "hazard", "worry", "nuisance", "inquiry", "negation", "utility", "aftermath", "plain"):
        assert group in groups, group
    # Half of its live texts have no word the rules know (the model's part); what the rules do say
    # about its worries, past events and supply faults must rarely be a false alarm (3 of 170).
    rules = evaluate_urgency(examples, folds=0)["rules"]
    assert rules["false_alarm_rate"] <= 0.03, rules["false_alarms"]


def test_urgency__the_package_data_is_read_from_one_place():
    from routing.urgency_model import read_examples

    files = [read_examples(path) for path in DEFAULT_EXAMPLES]
    assert read_examples(DEFAULT_EXAMPLES) == [example for rows in files for example in rows]
    # the two sets written as training data first, then every evaluation set whose blind measurement is spent
    assert [path.name for path in DEFAULT_EXAMPLES[:2]] == ["urgency_examples.csv", "urgency_callers.csv"]
    assert {path.name for path in DEFAULT_EXAMPLES[2:]} >= {f"urgency_holdout_{n}.csv" for n in range(2, 11)}


@pytest.mark.parametrize("text", [
    "楼上阳台裂成那样，别哪天掉下来砸着人",  # a worry about "some day"
    "烧烤店的烟把楼道熏得跟着了火一样",  # a simile
    "红绿灯等得人要爆炸",  # a degree complement
    "电梯困人的话应该先打哪个电话",  # a condition
    "燃气灶一点火苗都没有，邻居家也没气",  # a gas-supply fault, not a fire
    "交通事故对方全责不赔钱，去哪起诉",  # a claim after the event
])
def test_urgency__worries_similes_conditions_supply_faults_and_claims_are_not_live(text):
    result = assess(text, None)
    assert result.urgency != "emergency" and result.referral is None, result


def test_urgency__a_hob_without_gas_is_an_outage():
    assert assess("天然气开了灶头咔咔响就是打不着", None).urgency == "utility"


def test_urgency__model_raises_what_the_rules_missed_to_review(fixtures_dir):
    from routing.urgency_model import read_examples, train_urgency_model

    model = train_urgency_model(base=DEFAULT_EXAMPLES)
    text = "小区门口有个人捂着胸口蹲在地上，脸色发白，满头大汗"  # not in the set, no cue or scene of the rules
    assert assess(text, None).urgency == "normal"
    result = assess(text, None, model=model)
    assert result.urgency == "emergency" and result.review and result.live_probability >= model.threshold
    assert "请坐席立即确认" in result.reason
    # ...but never what the rules explained away
    assert assess("去年我们楼着过一次火，外墙到现在还是黑的没人修", None, model=model).urgency == "normal"
    assert len(read_examples(DEFAULT_EXAMPLES)) == model.n_examples_


def test_urgency__retraining_with_corrections_learns_them(fixtures_dir):
    from routing.urgency_model import train_urgency_model

    text = "楼下王大妈家的鹦鹉飞走了，她急得直哭"
    base = DEFAULT_EXAMPLES[:2]  # the first 800 texts: learning a correction needs no more
    before = train_urgency_model(base=base).live(text)[0]
    corrections = [(text, "emergency", "110")]
    after = train_urgency_model(corrections, base=base, extra_weight=5)
    assert after.live(text)[0] > before
    assert after.live(text)[0] >= after.threshold


def test_urgency__retraining_rejects_unknown_labels(fixtures_dir):
    from routing.urgency_model import train_urgency_model

    with pytest.raises(ValueError):
        train_urgency_model([("有人打架", "very-urgent", None)], base=DEFAULT_EXAMPLES)


def test_urgency__the_command_default_threshold_is_the_model_default():
    from hotline.cli import urgency_cmds
    from routing.urgency_model import DEFAULT_THRESHOLD

    assert urgency_cmds.DEFAULT_THRESHOLD == DEFAULT_THRESHOLD


# Written for these tests (not from the shared data): long letters that narrate or fear an event.
_LETTER_OPENING = "尊敬的领导您好，我是本小区的业主，想反映一下我们小区多年来存在的问题，希望有关部门重视。" * 4
LONG_LETTERS = [
    _LETTER_OPENING + "目前小区物业管理混乱，业主人心惶惶，更因为消防设施未验收，院内发生火灾的事情时有发生，请有关部门督促开发商整改。",
    _LETTER_OPENING + "上个季度医院里家属连续打砸了好几个科室，有个医生被人持刀砍伤，行凶者至今没有受到处理，请领导关注。",
    _LETTER_OPENING + "游乐场里的跳楼机和过山车是不是特种设备，有没有人定期检查，我们家长都很关心。",
]


@pytest.mark.parametrize("text", LONG_LETTERS, ids=range(len(LONG_LETTERS)))
def test_assess__a_long_letter_that_narrates_an_event_is_not_an_emergency(text):
    result = assess(text, None)
    assert len(text) > 200
    assert result.urgency != "emergency" and result.referral is None, result


def test_assess__a_long_text_with_present_evidence_next_to_the_cue_is_still_an_emergency():
    text = _LETTER_OPENING + "现在楼下车库里着火了，浓烟往楼上冒，快来人"
    result = assess(text, None)
    assert result.urgency == "emergency" and result.referral == "119", result


def test_assess__a_cue_without_present_evidence_counts_in_a_short_text_but_not_in_a_long_letter():
    short = "我家楼下车库起火了"
    assert assess(short, None).referral == "119"
    assert assess(_LETTER_OPENING + "我家楼下车库起火了，物业说等消防来看，后面的维修谁来负责也没人管。", None).referral is None


def test_urgency__fresh_news_from_a_group_chat_is_a_live_emergency_reported_by_someone_else():
    assert assess("同学刚在群里说宿舍楼有人割腕了，流了一地血", None).referral == "120"
    assert assess("群里说昨天宿舍楼有人割腕了", None).urgency == "normal"  # hearsay of the past stays past


def test_urgency__being_furious_is_not_a_fire():
    assert assess("物业啥也不干，我火大得很", None).referral is None
    assert assess("俺家柴火垛着了，火大得很", None).referral == "119"


class _Doubtful:
    """A learned model that gives every text the same P(live) (below its threshold of 0.3: doubtful)."""

    threshold = 0.3

    def __init__(self, p):
        self.p = p

    def live(self, text):
        return self.p, None


class _Suspicious(_Doubtful):
    """A learned model that suspects every text a live emergency, short of confident: what the rules let
    it raise is then exactly what their vetoes allow (the real model is tested above and in
    test_urgency_inference)."""

    def __init__(self):
        super().__init__(0.8)


class _Confident(_Doubtful):
    """A learned model sure of every text (P 0.95): above routing.urgency._CONFIDENT."""

    def __init__(self):
        super().__init__(0.95)


@pytest.mark.parametrize("text", [
    "我妈刚才在菜市场晕倒了，现在缓过来了，坐在摊位上歇着",  # recovered
    "孩子刚才在商场找不着了，现在找到了，就想说商场广播太慢",  # found again
    "厨房插座刚冒了一下火花就跳闸了，没着也没烟，明天想找电工",  # nothing caught fire
    "工地上掉下来一块木板，没砸着人，就是吓了一跳",  # nobody hit
    "河里落水的小孩已经被捞上来了，人是清醒的",  # rescued
    "厨房水管爆了，已经关了总阀，地上还有水，请物业来处理",  # already shut off
    "楼下倒的那棵树已经锯开拉走了，树坑还没填",  # already cleared
    "电梯刚才卡了一下，我们自己按开门出来了",  # already out
    "刚才电梯困人，十分钟就放出来了，人都没事，可这电梯老坏",  # let out
    "刚才小区里有人打架，保安来了已经拉开了",  # pulled apart
    "警察刚走，小偷也抓到了，但我家门锁被撬坏了，想问换锁能不能报销",  # caught
    "厂里工友手被铁皮划了，已经缝好针了，没啥大事，工伤咋报",  # stitched up
])
def test_urgency__a_danger_told_as_over_is_not_live__and_the_model_may_not_raise_it(text):
    for result in (assess(text, None), assess(text, None, model=_Suspicious())):
        assert result.urgency != "emergency" and result.referral is None, result


def test_urgency__a_danger_still_going_on_after_a_recovery_stays_live():
    result = assess("我爸刚才晕倒了，现在醒了，但是还在抽搐", None)
    assert result.urgency == "emergency" and result.referral == "120", result
    # a valve shut without effect, people still upstairs
    gas = assess("楼道里天然气味道非常浓，我们已经关了单元总阀，但味道一点没有减轻，楼上还有两位老人没下来", None)
    assert gas.urgency == "emergency", gas


def test_urgency__now_look_what_happened_after_a_complaint_is_no_recovery():
    text = "楼下奶茶店后厨着火了，整个走廊都是烟，楼梯那边也全是烟，下不去。上次检查我就说过油烟管道有问题，根本没人管，现在好了！"
    result = assess(text, None)
    assert result.urgency == "emergency" and result.referral == "119", result
    assert assess("我妈刚才晕倒了，现在好了，坐着歇会儿", None).urgency != "emergency"  # a recovery is still one


def test_urgency__the_ambulance_as_the_topic_of_a_question_is_no_call_for_it():
    result = assess("想问一下学生在学校受伤，叫救护车的费用是谁来出", None)
    assert result.urgency != "emergency" and result.referral is None, result


@pytest.mark.parametrize("text", [
    "路边广告牌被风吹歪了，一直没人管",  # a danger cue (歪了) in a standing defect
    "公园滑梯的铁皮翘起来了，边上挺锋利的",
    "小区路灯杆底座锈穿了，一推就晃",
    "河堤那段路塌了个小口子，好几天了没人修",
])
def test_urgency__a_standing_defect_is_a_hazard__neither_the_rules_nor_the_model_make_it_an_emergency(text):
    result = assess(text, None, model=_Suspicious())
    assert result.urgency != "emergency" and result.referral is None, result
    assert "隐患或缺陷" in result.reason


def test_urgency__a_standing_defect_someone_is_exposed_to_now_is_still_live():
    text = "小区那棵大树被风刮歪了，根都翘起来了，眼看要倒，底下还有人走"
    assert assess(text, None).urgency == "emergency"
    # with no danger cue for the rules, the model may still raise it
    result = assess("小区那棵大树的根都翘起来了，底下还有人走", None, model=_Suspicious())
    assert result.urgency == "emergency" and result.review, result
    # the people below in other words: a crowd, a game, children on their way to school
    for exposed in ("地铁站出口的玻璃雨棚裂了一大块，往下耷拉着，下面排队等夜班车的人一大堆",
                    "楼顶水箱的支架锈断了，水箱歪在楼边上，下面篮球场一群人在打球",
                    "大树被刮得根都翘起来，树干斜压在电线上，下面早市摊位人很多",
                    "人行道一根路灯杆底座锈断，灯杆正往人行道这边倾，下面是上学的孩子"):
        result = assess(exposed, None, model=_Suspicious())
        assert result.urgency == "emergency" and result.review, (exposed, result)


def test_urgency__an_inquiry_about_emergency_services_is_not_raised_by_the_model():
    result = assess("聋哑人怎么报警啊，我家亲戚听不见也说不了话", None, model=_Suspicious())
    assert result.urgency != "emergency", result
    assert "咨询" in result.reason


@pytest.mark.parametrize(("text", "live"), [
    ("同事在群里说厂门口路口刚撞了人，人还躺在地上", True),  # fresh hearsay: the fresh word after it
    ("群里说上个月厂门口撞了人，那个路口该装红绿灯了", False),
    ("那天我在公园突然晕倒，多亏一个路人帮我打了120，想找到他道谢", False),  # 那天 dates the story
    ("对面饭店的油烟熏得我家跟着火了似的", False),  # a simile with 了
    ("我家钥匙找不着了，急死了", False),  # 找不着了 is not 着了 (caught fire)
])
def test_urgency__hearsay_story_simile_and_decoys(text, live):
    result = assess(text, None)
    assert (result.urgency == "emergency") is live, result
    assert (result.referral is not None) is live, result


def test_urgency_evaluation__leave_one_file_out_judges_each_file_by_a_model_that_never_saw_it():
    from routing.urgency_model import evaluate_by_file, read_examples

    held = DEFAULT_EXAMPLES[0].parent / "urgency_sets" / "urgency_holdout.csv"
    files = {"first": read_examples(DEFAULT_EXAMPLES[0]), "held": read_examples(held)}
    report = evaluate_by_file(files)
    assert set(report["files"]) == {"first", "held"}
    assert report["pooled"]["n"] == len(files["first"]) + len(files["held"])
    assert report["files"]["held"]["n_live"] == 27
    # the 60 held-out texts, judged by a model trained on the first file only, as in docs/routing.md
    assert report["files"]["held"]["live_recall"] == 1.0, report["files"]["held"]["live_missed"]
    with pytest.raises(ValueError):
        evaluate_by_file({"first": files["first"]})


def test_urgency_examples__a_file_without_the_urgency_column_or_with_an_unknown_label_is_refused(tmp_path):
    from routing.urgency_model import read_examples

    (tmp_path / "no_column.csv").write_text("title,text\n路灯,路灯不亮\n", encoding="utf-8")
    (tmp_path / "bad_label.csv").write_text("text,urgency,referral\n路灯不亮,normal,\n有人打架,urgent,110\n",
                                            encoding="utf-8")
    with pytest.raises(ValueError, match="缺少列 urgency"):
        read_examples(tmp_path / "no_column.csv")
    with pytest.raises(ValueError, match="第 3 行"):
        read_examples(tmp_path / "bad_label.csv")


def test_urgency__a_space_between_chinese_clauses_is_a_clause_break():
    # voice-to-text: the 没 of the first clause does not negate the second
    assert assess("燃气突然没了 灶打不着火 卡里还有钱", None).urgency == "utility"


def test_urgency__a_crash_stays_live_when_the_people_are_safe():
    result = assess("高速上一辆货车侧翻了，司机自己爬出来了，货撒了一路", None)
    assert result.urgency == "emergency" and result.referral == "122", result


def test_urgency__a_weak_cue_in_a_question_needs_a_present_word():
    assert assess("想问问孩子走丢了要等多久才能报警", None).referral is None
    assert assess("孩子现在走丢了，请问怎么报警", None).referral == "110"


def test_urgency__the_model_may_not_raise_a_story_dated_in_the_past():
    result = assess("我儿子上个月在学校摔断了胳膊，学校说不关他们的事", None, model=_Suspicious())
    assert result.urgency != "emergency" and "过去" in result.reason, result


@pytest.mark.parametrize(("text", "live"), [
    ("我们楼外墙裂了一条大缝，请派人来看看", False),  # a crack: a hazard to repair
    ("冰面裂了，有两个人在中间站着不敢动", True),  # people on it now
])
def test_urgency__a_crack_is_a_hazard_unless_people_are_on_it(text, live):
    result = assess(text, None, model=_Suspicious())
    assert (result.urgency == "emergency") is live, result


def test_urgency__fresh_hearsay_has_its_present_word_after_the_cue():
    result = assess("楼上阿姨在群里说她家门口煤气味特别大，现在还有，她不敢动", None)
    assert result.urgency == "emergency", result


def test_urgency__guo_qu_after_a_verb_of_motion_is_going_over_not_the_past():
    result = assess("老伴在地里突然坐地上了，我过去一看，嘴歪了，说话说不清楚", None)
    assert result.urgency == "emergency" and result.referral == "120", result


@pytest.mark.parametrize("text", [
    "电梯卡在12楼跟13楼中间了，我和我妈在里头，困了二十多分钟，按铃没人管",  # 没人管, but people inside
    "农用三轮翻在桥上了，开车的自己爬出来了说没事，可桥上车都过不去",  # safe, but the road is blocked
    "业主群里说3号楼电梯困了个小孩，还没出来",  # hearsay, still inside
])
def test_urgency__someone_in_danger_now_overrides_the_vetoes(text):
    result = assess(text, None, model=_Suspicious())
    assert result.urgency == "emergency", result


class _Scored:
    """A model that scores a text by its words: what the long-text windows show it."""

    threshold = 0.3

    def __init__(self, alarming: str):
        self.alarming = alarming

    def live(self, text):
        return (0.9 if self.alarming in text and len(text) < 40 else 0.1), None


def test_urgency__a_long_text_is_also_judged_a_few_clauses_at_a_time():
    text = ("你们那个热线我打了好多回都没人回我们小区流浪狗的事，今天先不说这个，我现在在楼下，"
            "六楼那家空调外机的铁架子断了一半，整个机子吊在那晃，底下好几个小孩在玩")
    model = _Scored("吊在那晃")
    result = assess(text, None, model=model)
    assert result.urgency == "emergency" and result.review and result.live_probability == 0.9, result
    # a short text is judged whole only
    assert assess("空调外机吊在那晃", None, model=_Scored("不会出现的词")).urgency != "emergency"


def test_urgency__a_near_miss_is_no_crash_but_the_model_may_raise_the_danger_left():
    text = "隧道里有辆车抛锚停在车道正中间，后面车差点撞上好几回了"
    assert assess(text, None).referral is None  # the rules: no crash happened
    result = assess(text, None, model=_Suspicious())
    assert result.urgency == "emergency" and result.review, result


def test_urgency__a_thing_blown_about_to_fall_is_literal_not_a_figure_of_speech():
    result = assess("楼顶的太阳能热水器被风吹得要掉下来了，正在晃，底下就是人行道", None)
    assert result.urgency == "emergency", result


@pytest.mark.parametrize(("text", "live"), [
    ("刚才路口两个车蹭了一下，没人受伤，双方私了走了，就是路口太窄", False),  # the vehicles are gone
    ("我在路口跟人撞车了，对方不肯挪车还骂人", True),  # not gone: 不肯挪车
    ("我刚刚在停车场倒车被人撞了，他不给私了", True),
])
def test_urgency__a_crash_is_over_when_the_vehicles_are_gone(text, live):
    result = assess(text, None)
    assert (result.referral == "122") is live, result


def test_urgency__still_unconscious_until_now_is_not_aftermath():
    result = assess("工友刚在群里说仓库有人从货架上摔下来了，到现在还没醒", None)
    assert result.urgency == "emergency" and result.referral == "120", result


def test_urgency__a_text_without_punctuation_is_cut_into_windows():
    text = "你好我是楼下开小卖部的想问下那个我们这栋楼的物业费怎么收的另外楼顶那个东西一边已经悬在外面在晃底下人来人往"
    result = assess(text, None, model=_Scored("悬在外面在晃"))
    assert result.urgency == "emergency", result


@pytest.mark.parametrize(("text", "live"), [
    ("邻居刚跟我说对面楼顶有个人站在边上，站了好久了，还没下来", True),  # a person, not a defect
    ("学校门口那棵大杨树歪得厉害，一直没人管", False),
    ("楼道里堆满了纸箱，消防通道堵死了，真着火了人都跑不出去", False),  # 真着火了: if it really did
    ("刚才商场走丢的孩子已经找着了，广播太不管用", False),  # 找着了 is found, not on fire
    ("刚撞了个车，已经拍照挪边上了，问下保险咋走", False),
    ("我倒车把别人车蹭了，对方要我私了，不依不饶，我想叫交警来", True),  # the other wants to settle: not over
    ("刚刚店门口有人打架，警察已经把人带走了，桌子被砸坏了找谁赔", False),
])
def test_urgency__people_at_an_edge_real_hypotheticals_and_things_already_settled(text, live):
    result = assess(text, None, model=_Suspicious())
    assert (result.urgency == "emergency") is live, result


def test_urgency__a_vehicle_in_a_ditch_with_children_inside_is_live():
    result = assess("校车在乡道上滑到沟里去了，车斜着，里面孩子在哭，有个孩子额头破了在流血", None,
                    model=_Suspicious())
    assert result.urgency == "emergency", result


@pytest.mark.parametrize(("text", "referral"), [
    # a written letter: formal words for a live event (持铁棍, 此刻正在…泄漏, 请立即派)
    pytest.param("本人系商场保安，目前一楼有一名男子手持铁棍追打顾客，请立即派警力处置。", "110", id="formal-weapon"),
    pytest.param("兹反映：工业园一液氨储罐此刻正在往外喷，气味刺鼻，请立即处置。", "119", id="formal-chemical-leak"),
    # an agent's framing (市民反映) reports, it does not complain
    pytest.param("市民反映一名老人在公交站被电动车撞倒，腿上伤口很深，血流不止。", "120", id="framing-bleeding"),
    pytest.param("市民反映其朋友刚发消息称高架上有辆车在逆行，让他代为报警。", "122", id="framing-wrong-way"),
    # a toll gate is a place, not a question of fees; 正持刀, 尚在: now, and 要求 is the robber's
    pytest.param("刚过收费站，有辆大货车在逆行，对面的车都在躲", "122", id="toll-gate"),
    pytest.param("来电人称一男子正持刀要求店员交出现金，该男子尚在店内", "110", id="robbery-demand"),
    # weaving on the road is a dangerous driver now
    pytest.param("前面一辆黑色轿车一直在画龙，刚才差点刮到人", "122", id="weaving"),
    pytest.param("高架上有辆货车蛇形走位，忽快忽慢", "122", id="snaking"),
])
def test_urgency__a_live_event_told_in_formal_framed_or_drivers_words_is_an_emergency_with_its_service(
    text, referral
):
    result = assess(text, None)
    assert result.urgency == "emergency" and result.referral == referral, result


def test_urgency__a_thing_hanging_in_mid_air_swaying_is_a_danger_now():
    result = assess("对面楼一块广告牌悬在半空随风晃，底下是公交站", None)
    assert result.urgency == "emergency", result


def test_urgency__a_negated_cue_explains_away_its_own_service_only():
    # 没受伤 explains the injury away, not the scrape still blocking the road: the model may raise it
    crash = "路口一辆小车跟三轮刮了，两边都没受伤，车停在路中间吵架，路口全堵了"
    result = assess(crash, None, model=_Suspicious())
    assert result.urgency == "emergency" and result.review and result.referral == "122", result
    # 没着火 does explain the burnt smell
    smell = "闻到一股焦糊味，家里查了一圈没着火，估计是外面烧秸秆"
    assert assess(smell, None, model=_Suspicious()).urgency != "emergency"


@pytest.mark.parametrize("text", [
    "今天下午我父亲在公园晕倒，已由救护车送至区医院，目前情况稳定，建议公园多设座椅。",
    "今晚小区门口烧烤店起火，已被消防扑灭，请查一下这家店的证照。",
    "刚才抢我包的那个人已经被保安抓住了，想反映这条路没有监控",
    "电梯停在九楼不动了，里面没人，麻烦派人修一下",
])
def test_urgency__a_written_aftermath_is_not_live__and_the_model_may_not_raise_it(text):
    for result in (assess(text, None), assess(text, None, model=_Suspicious())):
        assert result.urgency != "emergency" and result.referral is None, result


def test_urgency__a_month_dates_the_story():
    result = assess("我妈五月份在小区台阶上摔伤了，就是台阶边上缺了一块", None)
    assert result.urgency != "emergency" and result.referral is None, result


def test_urgency__what_to_do_in_a_question_is_no_cry_for_help():
    result = assess("想问一下，路上看到有人晕倒要不要去扶，万一被讹了怎么办", None)
    assert result.urgency != "emergency" and result.referral is None, result
    # and still one without a question (孩子抽搐了怎么办)
    assert assess("孩子突然抽搐了怎么办", None).referral == "120"


def test_urgency__an_obstacle_that_has_lain_for_days_is_a_hazard__one_lying_there_now_is_live():
    standing = assess("学校门口路中间有个大坑，好几天了，下雨积满水看不出来", None, model=_Suspicious())
    assert standing.urgency != "emergency", standing
    now = assess("路中间有个大坑，车一辆接一辆地往里掉", None, model=_Suspicious())
    assert now.urgency == "emergency" and now.review, now


def test_urgency__people_exposed_now_let_a_doubtful_model_raise_the_text():
    exposed = "河边刚挖开一个深坑，没有围挡，现在天黑了，好多散步的人就从坑边上走"
    result = assess(exposed, None, model=_Doubtful(0.25))
    assert result.urgency == "emergency" and result.review, result
    # without a present word the model's own threshold holds
    assert assess("河边那个深坑没有围挡，散步的人就从坑边上走", None, model=_Doubtful(0.25)).urgency != "emergency"


# Live calls the rules misread (a word of another clause: an apology read as a question, "no one hurt" read
# as the end of a crash, hearsay read as over), from the leave-one-file-out and blind sets of sessions 20-21.
_MISREAD_LIVE = [
    "对不起，我不知道该找谁，河边有个小孩掉进水里了，在扑腾，岸上的人够不着",
    "不好意思，我刚在路口跟一辆面包车剐了，两辆车还停在路中间，人都没事，不知道是先挪车还是等你们",
    "一辆小车刚冲上了中间隔离带，卡在上面，司机下来说自己没受伤，后车都在绕",
    "对不起，我姐刚才语音里说她老公喝醉了在打她，后来就断了，再打就不接了",
]


@pytest.mark.parametrize("text", _MISREAD_LIVE)
def test_urgency__a_confident_model_overrules_the_rules_for_the_agent_to_confirm(text):
    assert assess(text, None, model=_Suspicious()).urgency != "emergency"  # a doubt does not
    result = assess(text, None, model=_Confident())
    assert result.urgency == "emergency" and result.review, result
    assert "请坐席立即确认" in result.reason


def test_urgency__an_overruled_veto_is_told_to_the_agent():
    result = assess("对不起，我不知道该找谁，河边有个小孩掉进水里了，在扑腾", None, model=_Confident())
    assert result.review and "规则判断咨询类表述" in result.reason and "模型把握很大" in result.reason, result


def test_urgency__a_long_text_needs_a_surer_model_to_overrule_the_rules():
    letter = _LETTER_OPENING + "上周三我在红星路口被一辆闯红灯的车撞了，现在腿还打着石膏，肇事司机一直不接电话。" * 3
    assert len(letter) > 120
    assert assess(letter, None, model=_Doubtful(0.88)).urgency != "emergency"  # enough for a call
    # a long live call the rules read as a worry: the caller fears the worker falls while he hangs there
    long_call = ("凤凰路那个在建工地，有个工人吊在脚手架外面下不来了，安全绳缠住了，挂在十几楼高的地方，一直在喊救命，"
                 "下面的工友够不着，项目经理想爬上去拉他，被我们喊住了，怕两个人都掉下来，工地大门在凤凰路和兴业路口，"
                 "门口有个蓝色的牌子，现在是下午三点二十五分，他已经吊了快十分钟了")
    assert len(long_call) > 120 and assess(long_call, None).urgency != "emergency"
    result = assess(long_call, None, model=_Doubtful(0.95))
    assert result.urgency == "emergency" and result.review, result


@pytest.mark.parametrize("text", [
    "刚才我打电话说我老公要跳楼，现在弄清楚了，他只是在阳台上抽烟打电话，是我误会了，不用派人了",
    "我老婆刚说她被困在电梯里，后来发现门本来就能打开，是她按错楼层一时慌了，现在已经出来了",
])
def test_urgency__no_confidence_overrules_a_caller_who_takes_the_report_back(text):
    result = assess(text, None, model=_Confident())
    assert result.urgency != "emergency", result


@pytest.mark.parametrize("text", [
    "有人打电话说我家着火了，我回去一看好好的，是骗子吧",
    "刚接到我爸电话说家里着火了，结果是我侄子搞恶作剧骗他的",
    "网上传我们这条街的一家店爆炸了，其实就是补胎店一个轮胎爆了，能不能澄清一下",
    "物业说明：昨夜有业主听到爆炸声，经查为附近婚庆燃放的礼炮，未发生安全事故。",
    "社区说明：刚才有居民看到河边有人落水，工作人员到场查看，是冬泳爱好者在正常锻炼，没有险情。",
    "物业反映：今早有业主称闻到燃气味，燃气公司检测后确认是下水道异味，燃气管道无泄漏。",
    "村委会反映：今早有村民说后山着火了，村干部上山查看，是晨雾和炊烟，不是山火。",
    "刚才居委会接到电话称三号楼有人要跳楼，工作人员赶到后发现是工人在窗外擦玻璃，属正常作业。",
    # a scam, a rumour still going round, steam
    "有人打电话说我儿子被绑架了要钱，打给他本人，人在学校好好的，这是诈骗吧？",
    "刚接到个电话说我儿子出车祸了让我转钱，我打给儿子他好好的在上班，应该是诈骗",
    "听说我们街道的透析中心爆炸了，我打电话问了，是谣言，可大家还在群里传。",
    "下午群里说我们小区有人跳楼，我们去问了物业，根本没这回事，但群里还在传",
    "刚才管道井里冒白气，吓得我以为着火，物业来看了，是热水管漏出来的水蒸气。",
    # the caller takes it back
    "不好意思啊，刚才我打电话说我家着火了，是我看错了，是对面楼在熏腊肉冒的烟，没着火，不用来人了。",
    "物业：刚才说的电梯困人是我们搞错了，监控里是维保人员在里面检修，不用派人来了。",
    "老头子刚才说胸口疼，我吓坏了，他刚刚说是吃多了撑的，打了几个嗝就好了，不用叫车了。",
])
def test_urgency__a_report_told_false_after_it_is_no_emergency(text):
    result = assess(text, None, model=_Suspicious())
    assert result.urgency != "emergency" and result.referral is None, result


@pytest.mark.parametrize(("text", "live"), [
    ("家里着火了，火越来越大，不知道是不是真的能灭", True),  # 是不是真的 asks, it does not deny
    ("有人落水了，旁边的大人什么事都没有做，就在岸上看", True),
    ("仓库着火了，家里好好的，就是仓库烧得厉害", False),  # 家里好好的: the caller's own home, not the fire's
    # a slip over a detail takes nothing back
    ("我朋友吃了头孢又喝了酒，现在喘不上气，人往沙发上倒。KTV808包厢，不是808，是806，我看错了门牌。", True),
    # a crash with the people fine still needs the traffic police
    ("刚才两辆电动车在菜市场门口撞了，人都好好的，两个人在吵，车横在路中间没挪。", True),
])
def test_urgency__a_false_alarm_needs_words_that_deny_the_report(text, live):
    result = assess(text, None)
    assert (result.urgency == "emergency") is live, result


@pytest.mark.parametrize("text", [
    "现将情况反映如下：今天上午10时许，602室厨房起火，消防队于10时40分将火扑灭后撤离，楼道墙面熏黑，请协助清理。",
    "经物业确认，今早8栋电梯困人事件已处置完毕，被困人员均已安全出来，现请对该电梯进行安全检查。",
    "今早6点多的爆管已由自来水公司关阀抢修完毕，但路面被冲出几个大坑，请市政部门尽快修补。",
    "兹反映：今天下午光明村发生的斗殴事件，民警已到场带走相关人员，但矛盾未解，请街道派人调解。",
    "今天上午在人民公园湖边落水的小孩已被救起送医，家长想了解公园是否需要承担责任。",
    "我妈今天在超市门口摔了一跤，已经去医院缝完针回家了，想问台阶这么滑能不能处理一下。",
])
def test_urgency__a_formal_report_of_an_emergency_dealt_with_is_over(text):
    result = assess(text, None, model=_Suspicious())
    assert result.urgency != "emergency" and result.referral is None, result


@pytest.mark.parametrize("text", [
    "办公室热得要命，物业说中央空调还没到开的日子，我们要中暑了",
    "垃圾站就在我们楼下，臭得要死，熏得人喘不过气",
    "女儿宿舍楼下的垃圾站臭得要命，她说熏得快晕过去了",
])
def test_urgency__near_harm_told_of_a_nuisance_is_figurative(text):
    assert assess(text, None).referral is None


def test_urgency__someone_with_heatstroke_now_is_still_live():
    assert assess("工地上有个工人中暑了，倒在地上叫不醒", None).referral == "120"


def test_urgency__an_outage_alone_needs_a_surer_model_to_be_raised():
    outage = "跟外公视频的时候他说屋里暖气停了，外面零下十几度，他穿着棉袄坐着"
    assert assess(outage, None).urgency == "utility"
    assert assess(outage, None, model=_Doubtful(0.45)).urgency == "utility"
    result = assess(outage, None, model=_Doubtful(0.55))
    assert result.urgency == "emergency" and result.review, result
    # with no outage found, the model's own threshold holds
    assert assess("外公在屋里坐着，一直不说话", None, model=_Doubtful(0.45)).urgency == "emergency"


@pytest.mark.parametrize(("text", "referral"), [
    ("社区网格员反映：石桥村东头一户村民家的柴草堆着了，风很大，火苗已经挨到旁边的民房。", "119"),
    ("东郊养老院护理部反映：一名入住老人十分钟前开始全身抽搐，呼之不应。", "120"),
    ("学校保安反映：校门前路口一辆小车与一辆大巴发生碰撞，两车停在原地，暂未发现伤员。", "122"),
])
def test_urgency__a_reports_header_passes_the_matter_on_it_does_not_complain(text, referral):
    result = assess(text, None)
    assert result.urgency == "emergency" and result.referral == referral, result


def test_urgency__someone_fallen_into_a_reservoir_is_a_drowning():
    assert assess("东郊水库管理处：一名垂钓者失足落入水库，人已漂离岸边二十多米。", None).referral == "120"
    assert assess("上个月有个钓鱼的失足落入水库，想问水库边能不能装护栏", None).referral is None


def test_urgency__a_simile_as_a_degree_is_figurative__a_guess_is_not():
    assert assess("对面商场外墙LED屏晚上亮得像着了火，光照进卧室根本睡不着觉", None).referral is None
    assert assess("他家窗户里好像着了火，冒黑烟", None).referral == "119"


@pytest.mark.parametrize(("text", "live"), [
    ("楼上的空调外机掉了一半吊在那晃，就在单元门口上面，随时都要掉下来，人进进出出的", True),
    ("居委会报告：一栋楼外墙瓷砖正成片往下掉，已砸坏一辆车，楼下是孩子放学的必经之路。", True),
    ("楼上晾衣杆掉下来砸坏了我的车棚，想问谁来赔", False),  # the fall is over: the damage is what is left
    ("气得我心脏病都要犯了", False),
])
def test_urgency__about_to_fall_at_any_moment_and_the_harm_so_far_are_no_end(text, live):
    result = assess(text, None)
    assert (result.urgency == "emergency") is live, result


@pytest.mark.parametrize("text", [
    "上午有个老人在我们店门口中暑晕倒，120已经拉走了，他的包还在我们这，怎么联系他家属？",
    "中午胜利路口有辆车撞了护栏，伤者已经被救护车拉走了，交警也走了，路边还有一大滩油",
    "中午路口那起车祸，伤的人已经被拉走了，车也拖走了，但是路边的护栏被撞倒一截还没人管。",
    "村口的桥栏杆被车撞掉了一段，现在只剩几根桩子。",
    "今天凌晨村里滑坡，人都撤出来了，现在住在村委会，想问有没有安置补助。",
    "上个星期车库出口两辆车撞了，那个拐角太盲了，能不能装个凸面镜？",
    "电梯困人了是该打119还是找物业？",
    "我宝宝对鸡蛋严重过敏，我担心她哪天误吃了没人会处理。",
    "今天早上楼下一辆电动三轮着火了，消防员已经走了，现在地上都是黑水，谁来清理",
    "凌晨我哥两口子打架，把门窗都砸烂了，派出所把人都带走了，我哥现在还在派出所，门窗谁来修",
    "下午奶奶家热水器冒烟，消防来看了说是线路短路，已经断了电，该找谁重新接线",
    "群里传水库要决口，好多老人慌着往外跑，有个老太太摔了一跤，好在没伤着，这种谣言有没有人管",
    "俺娘中午说胸口疼，吃了她平时吃的药，歇了一会说不疼了，现在能说能走，明天去医院该挂啥科",
])
def test_urgency__over_past_a_question_or_a_condition_in_more_words(text):
    result = assess(text, None)
    assert result.urgency != "emergency" and result.referral is None, result


@pytest.mark.parametrize(("text", "live"), [
    ("我儿子癫痫发作，已经抽了五分钟还没停", True),
    ("孩子三岁，高烧抽起来了，抽了两分多钟还没停！", True),
    ("老房子塌了一半，俺婆婆还在里屋没出来", True),  # what is left of a building may still fall
    ("他对花生过敏，刚才误吃了一块，现在喘不上气", True),  # a condition told, and an attack now
])
def test_urgency__seizures_and_what_is_left_standing_stay_live(text, live):
    result = assess(text, None)
    assert (result.urgency == "emergency") is live, result


def test_urgency__appears_in_is_not_now():
    letter = _LETTER_OPENING + ("我于去年驾车在路口等灯，对方车辆违规左转，" * 6
                                + "对方车辆出现在路口监控范围内到撞上我的车为止完全没有减速，交警的认定不公，请复查。")
    assert len(letter) > 200
    result = assess(letter, None)
    assert result.urgency != "emergency" and result.referral is None, result


@pytest.mark.parametrize(("text", "live"), [
    ("刚才家里燃气泄漏，燃气公司来人把阀门关了，说明天来修，今晚做不了饭", False),  # shut off
    ("燃气管子接头嘶嘶响，阀门关了还有味，我先开窗了", True),  # shut off, still smelling
    ("刚刚楼下饭店着了一下火，已经灭了，消防车也走了，楼道一股烟味找谁处理", False),
    ("下午有个孩子掉进喷泉池，保安马上下去捞了上来，孩子没什么事，想让商场加个围栏", False),
    ("听到有人喊救命，我下去一看是邻居家电视开得太大声", False),  # the cry was before it was explained
    ("楼道里像有煤气味，燃气公司测了说不是泄漏，是下水道的味", False),
])
def test_urgency__over_or_explained_in_the_callers_words(text, live):
    result = assess(text, None, model=_Suspicious())
    assert (result.urgency == "emergency") is live, result


def test_urgency__this_year_dates_an_event__but_not_an_outage_still_going_on():
    fire = assess("今年三月隔壁商铺着了一场火，把我家招牌烧坏了，想问哪里出火灾认定书", None)
    assert fire.urgency != "emergency" and fire.referral is None, fire
    assert assess("今年暖气一直不热，屋里才十几度", None).urgency == "utility"


@pytest.mark.parametrize("text", [
    "卧室暖气片接口漏水，地板都泡了，物业下班了找不到人",  # nobody to call, not a missing person
    "河堤冲出一个缺口，现在水位不高，汛期前请来加固",  # the water is not rising
    "刚才闹事那人已经被派出所带走了，被他砸坏的玻璃门找谁赔",  # damage left behind
    "一辆面包车从侧面蹭了我的车头，对方赔了钱，已经私了走了",  # 的车 after the cue's object
])
def test_urgency__words_that_only_look_like_a_live_emergency(text):
    result = assess(text, None)
    assert result.urgency != "emergency" and result.referral is None, result


def test_urgency__brushing_past_is_no_experience_word():
    text = "隧道里有辆车熄火停在正中间，也不开双闪，后面的车都是擦着过去的"
    result = assess(text, None, model=_Suspicious())
    assert result.urgency == "emergency" and result.review, result


@pytest.mark.parametrize("text", ["老人走丢了是不是要满24小时才能报警", "手机信号差得要死，打个电话要跑到阳台上",
                                  "对面空调外机对着我家窗户吹，火烧火燎的"])
def test_urgency__questions_and_hyperbole_are_not_raised_by_the_model(text):
    assert assess(text, None, model=_Suspicious()).urgency != "emergency"


@pytest.mark.parametrize("text", [
    "山上林子这么干，再有人上坟烧纸，非得烧起来不可，能不能提前管管",  # bound to happen: a worry
    "刚有个人在我店门口晕倒了，120已经拉走了，他的电动车还在我门口，咋处理",  # a thing left behind
    "发现路边井盖丢了应该找哪个部门",  # a question
    "对面楼有个男的老在阳台上往我们家看，我心里发毛",  # a habit
    "前几天停电，电梯把一个老人关在里面，后来消防把人弄出来了，人没事，想问维保公司是哪家",
    "中午电瓶车着火，消防已经灭完走了，楼道全是黑灰谁来打扫",
    "刚刚隔壁打架，警察来过已经调解走了，可楼道灯被砸坏了",
    "刚才有个小孩掉河里了，旁边钓鱼的大哥跳下去捞上来了，家长也赶来接走了，河边该装栏杆",
    "燃气公司已经来关阀修好了，但他们把我家门口的地砖撬了没恢复",
])
def test_urgency__worries_habits_and_stories_already_over(text):
    result = assess(text, None, model=_Suspicious())
    assert result.urgency != "emergency" and result.referral is None, result


@pytest.mark.parametrize("text", [
    "拖拉机拉的砖在县道上翻了，砖撒了半条路，天快黑了，开车的人没事",  # people safe, the road not clear
    "孩子被捞上来了，没气了，有人在按胸口",  # rescued, in danger still
    "路口井盖丢了，现在车来车往的",
])
def test_urgency__still_live_after_a_partial_end(text):
    assert assess(text, None, model=_Suspicious()).urgency == "emergency"


@pytest.mark.parametrize("text", [
    "学校宿舍从昨晚开始没热水也没暖气，到现在也没人来修",  # a list of lacks, not a negation
    "从前天起燃气时有时无，热水器点不着",  # since a past day: still going on
    "刚交了电费，还是没来电",
    "供暖管道漏了，我们单元暖气全停了",
    "家里水龙头出来的水是黄的，还有股味",
])
def test_urgency__outages_told_in_callers_words_are_utility(text):
    assert assess(text, None).urgency == "utility"


def test_urgency__no_breath_felt_is_a_person_not_the_gas_supply():
    result = assess("地铁车刚到站，车厢里有个姑娘突然倒了，我们把她放平了，摸着好像没气，有没有人教我们怎么弄", None)
    assert result.urgency == "emergency" and result.referral == "120", result
    assert "水电气热" not in result.reason


def test_urgency__just_now_in_a_call__but_not_in_a_long_letter():
    assert assess("隧道里两车刚刮了，停在里头，后面来的车看不见", None).referral == "122"
    letter = _LETTER_OPENING + ("我们小区刚交房就发现问题很多，" * 10
                                + "父亲脑梗仍在医院，家里困难，请问能否申请救助。")
    assert len(letter) > 200
    result = assess(letter, None)
    assert result.urgency != "emergency" and result.referral is None, result


def test_urgency__an_outage_found_does_not_lift_the_vetoes():
    # 停电 is found (an outage), the story is over: the model may still not raise it
    text = "前几天停电，电梯把一个老人关在里面，后来消防把人弄出来了，人没事，想问维保公司是哪家"
    result = assess(text, None, model=_Suspicious())
    assert result.urgency != "emergency", result


@pytest.mark.parametrize(("text", "live"), [
    ("邻居在业主群里说楼上有个小孩挂在阳台外面，就要掉下来了", True),  # hearsay of what is about to happen
    ("工地围挡被风刮歪了几块，一直没扶正，占了半个人行道", False),  # a standing defect
    ("来电人称其父亲刚才在家晕倒，已由120送至市医院，目前医生正在处理，想咨询医保怎么结算", False),
    ("请问电梯困人了应该先打物业电话还是打119", False),  # a question, with no word of now
    ("上次涨水把河堤冲掉一块，现在水退了，豁口还在，请水利站来修", False),
    ("刚才隔壁厨房冒烟，锅烧干了，已经关火开窗处理好了", False),
    ("老小区没消防栓，巷子又窄，真要着火了消防车都进不来", False),  # 真要: if it really did
    ("年初村里有个老人掉水塘里淹死了，那个塘到现在都没围起来", False),
    ("我的车被人堵在车位里出不去，挪车电话也不接，急死了", False),  # a car blocked in
    ("地下车库的水已经淹到车窗了，有人还在往下冲想挪车", True),  # people in the water now
    ("我爸一个人住在乡下，现在身体还行，我一直担心他万一哪天发病救护车赶不过去，想问问有什么办法", False),
    ("我想问下公交改线的事，算了，站台上有个男的一直偷拍小姑娘，她吓得不敢动，他还在站台上，我怕他有刀", True),
])
def test_urgency__set_17_and_18_kinds(text, live):
    result = assess(text, None, model=_Suspicious())
    assert (result.urgency == "emergency") is live, result


def test_urgency__the_model_raises_a_written_letter_only_when_sure():
    letter = "建议在县百货大楼两端路口修建人行天桥。" * 7
    assert len(letter) > 120
    assert assess(letter, None, model=_Doubtful(0.4)).urgency != "emergency"
    assert assess(letter, None, model=_Doubtful(0.6)).urgency == "emergency"
    assert assess("路口那边好像出事了", None, model=_Doubtful(0.4)).urgency == "emergency"


@pytest.mark.parametrize("text", [
    "刚刚我爸晕倒，120已经拉到市医院了，现在医院说没床位",
    "楼下两个人打架，警察来了都带走了，地上全是碎玻璃没人扫",
    "刚才有个老人在公交车上摔了，已经被家属接去医院了，想反映司机开得太猛",
    "刚才大风把门口的树刮倒了，已经有人把路清开了，树枝还堆在那",
    "缆车突然停在半空，我们在上面困了一个多小时才被放下来，要求退票",
])
def test_urgency__taken_to_hospital_taken_away_or_let_down_is_over(text):
    result = assess(text, None, model=_Suspicious())
    assert result.urgency != "emergency" and result.referral is None, result


@pytest.mark.parametrize(("text", "live"), [
    ("商场顶上的玻璃裂了一大片，碎渣正往下掉，底下全是人", True),  # a crack, but people under it now
    ("村里人群里说变压器冒烟着火了，火越来越大", True),  # fresh hearsay: 越来越
    ("前面一辆轿车在高速上画龙一样开，左右乱晃", True),  # 一样开: a manner of driving, not a simile
    ("工人干着活晕过去了，人已经拖出来了，还是没醒", True),  # rescued, still unconscious
    ("空调外机的架子锈断了一边，外机就吊着根管子在那晃，下面是人行道", True),
    ("我老公刚才晕倒，已经被120拉到市一院了，想问急诊门口能不能临时停车", False),
    ("十分钟前路口两车剐了一下，交警拍完照让走了，撞倒的隔离栏还扔在路边", False),
    ("刚才那辆醉驾车已经被交警拦下了，想表扬一下那个交警", False),
    ("没有人受伤，就是楼上晾衣杆掉下来砸坏了我的车棚", False),
    ("老人踩到翘起来的地砖摔倒了，已经拉去医院了，麻烦市政赶紧来修一下", False),  # a request to repair
    ("工棚昨晚被吹塌了一半，里面没人，现在塌了的棚子堆在路边归谁管", False),  # 塌了的: a state left
    ("菜市场门口冒火花的不是电线，是磨刀师傅在磨刀", False),
    ("路边电线杆上有根线外皮破了，铜丝都露出来了", False),  # a standing defect
])
def test_urgency__sets_19_to_22_kinds(text, live):
    result = assess(text, None, model=_Suspicious())
    assert (result.urgency == "emergency") is live, result


def test_urgency__a_near_miss_while_it_goes_on_lets_the_model_look():
    text = "同学刚发消息说前面一辆车在路上乱窜，好几次差点撞到人，正在往北开"
    result = assess(text, None, model=_Suspicious())
    assert result.urgency == "emergency" and result.review, result


# -- session 20: what five more blind sets showed ---------------------------------------------------------

@pytest.mark.parametrize("text", [
    "桥下两车剐了，都没受伤，车还停在快车道上",
    "三车连撞，人都没受伤，车横在路口，快来疏导",
    "两辆电动车怼上了，人都没事，在那吵架要交警来判",
])
def test_urgency__a_crash_nobody_was_hurt_in_is_still_a_crash_for_the_traffic_police(text):
    result = assess(text, None, model=_Suspicious())
    assert result.urgency == "emergency" and result.referral == "122", result


@pytest.mark.parametrize("text", [
    "有人打电话说湖边有人落水，我就在旁边，那人不是落水，是在游泳",
    "邻居以为我家着火了，其实是在熏腊肉",
    "听到一声巨响以为爆炸了，结果是工地在打桩",
    "以为有人跳楼，结果是阳台上的被子掉下来了",
    "群里传小区池塘有小孩溺水，我刚去看了，根本没有，是谣言",
])
def test_urgency__an_alarm_the_caller_found_mistaken_or_denies_later_is_not_live(text):
    result = assess(text, None)
    assert result.urgency != "emergency" and result.referral is None, result


@pytest.mark.parametrize("text", [
    "刚才被人抢了手机，警察来做完笔录走了，想问报警回执在哪查",
    "隔壁打架的两个人被警察带走了，门被踹坏了谁修",
    "工人中暑被拉走了，医院说没事，想问高温作业的规定",
    "早上燃气泄漏，燃气公司来关了总阀，说明天才修",
    "刚报的晕倒老人醒了，不用派车了",
    "半夜邻居老人心梗被120接走了，他家狗一直在屋里叫，帮忙联系社区",
])
def test_urgency__a_statement_taken_or_the_people_taken_away_end_the_story(text):
    result = assess(text, None, model=_Suspicious())
    assert result.urgency != "emergency" and result.referral is None, result


def test_urgency__someones_own_it_is_nothing_does_not_end_the_danger():
    result = assess("我爸从梯子上摔下来了，他自己说没事，可现在说话有点糊涂", None, model=_Suspicious())
    assert result.urgency == "emergency" and result.referral == "120", result


@pytest.mark.parametrize("text", ["公厕堵了，臭到爆炸", "菜市场门口挤得人喘不过气来",
                                  "保安让我们在门口干晒着，晒得人都快化了"])
def test_urgency__an_alarming_word_telling_a_degree_is_figurative(text):
    result = assess(text, None, model=_Suspicious())
    assert result.urgency != "emergency" and result.referral is None, result


@pytest.mark.parametrize("text", [
    "人行道井盖碎了一角，现在拿砖头压着，请换个新的",
    "井盖碎了一半，施工队放了个路障，三天了没人来换",
    "限高杆被撞歪了，请尽快修复",
    "燃气管道有一段被车撞瘪了，目前没闻到味，请来检查更换",
    "公园的警示牌被风吹倒了，请重新立起来",
])
def test_urgency__a_thing_damaged_made_safe_or_to_be_repaired_is_a_hazard(text):
    result = assess(text, None, model=_Suspicious())
    assert result.urgency != "emergency" and result.referral is None, result


@pytest.mark.parametrize("text", [
    "路口的灯杆被撞歪了，马上就要倒，底下都是人，请尽快扶正",
    "变压器箱门开着，线露在外面，一群小孩在旁边玩",
    "塔吊上的钢管松了在半空晃，底下人行道人来人往",
    "窗玻璃松了，风一吹就要掉，底下是人行道",
    "大树被雨泡歪了，根都翘起来了，家长全在底下站着",
    "外墙吊篮卡住了，两个工人挂在十八楼外面晃",
    "国道洒了一大片机油，摩托车过去都打滑",
])
def test_urgency__people_under_or_beside_a_defect_now_make_it_a_danger_now(text):
    result = assess(text, None, model=_Suspicious())
    assert result.urgency == "emergency", result


def test_urgency__a_hob_without_gas_is_no_person_out_of_breath():
    assert assess("热水器和灶都出不来气，是不是外面管道的问题", None).urgency == "utility"
    assert assess("孩子憋得出不来气，脸都紫了", None).referral == "120"


def test_urgency__a_sudden_illness_told_with_a_request_is_live():
    result = assess("车上乘客是孕妇，突然肚子疼，好像破水了，能不能让救护车来接", None)
    assert result.urgency == "emergency" and result.referral == "120", result


def test_urgency__a_van_blocking_a_door_is_a_nuisance__one_blocking_a_road_children_cross_is_not():
    assert assess("快递车把门口堵死了，进不去", None, model=_Suspicious()).urgency != "emergency"
    road = assess("渣土车把路全堵死了，司机不见了，放学的孩子只能从车缝里钻", None, model=_Suspicious())
    assert road.urgency == "emergency", road


def test_urgency__a_smell_still_there_after_the_valve_is_shut_is_live():
    result = assess("厨房煤气味很重，阀门关了还是有，不敢开灯", None)
    assert result.urgency == "emergency", result


@pytest.mark.parametrize("text", [
    "刚才楼下着火了，消防已经灭了走了，现在楼道里一股焦糊味，找谁来清理",
    "去年楼下餐馆着过一次火，现在空调一开就一股焦糊味，想找人赔",
])
def test_urgency__the_smell_a_fire_left_is_no_second_fire(text):
    result = assess(text, None)
    assert result.urgency != "emergency" and result.referral is None, result
    # a new smell, again, is a new fire
    assert assess("昨天着火的仓库今天又有焦糊味了", None).referral == "119"


@pytest.mark.parametrize("text", [
    "我孙女抽风了，浑身一抽一抽的，我不知道咋弄",  # a cry for help, not a question
    "我的包让人抢了，人没事，往东边跑了，你们快去追啊",  # the victim safe, the robber running
    "渣土车刚把门口停的几辆车挨个刮了，司机还坐在车上，我们把他车拦下了",  # stopped by the caller
    "女儿坐电梯卡在了十二楼和十三楼中间，说灯也灭了，里面很闷",  # lights out, no fire put out
    "群里有人说车棚那儿正有人撬锁，我替大伙打个电话",  # fresh hearsay
    "老杨树让雨泡歪了，正一点一点往马路上倒，底下车来车往的",
])
def test_urgency__a_live_event_in_words_the_rules_misread_before(text):
    assert assess(text, None, model=_Suspicious()).urgency == "emergency"


@pytest.mark.parametrize("text", [
    "刚才小区里有人打架，警察来了把人带走了，地上玻璃碴子没人扫",
    "孙子从滑梯上摔下来，已经去医院缝了针回来了，滑梯边的铁片请物业修",
    "我以为河边那人要跳河，过去问了才知道是在钓鱼",
    "以为着火了，下去一看，是早点铺蒸包子的蒸汽",
    "窗外有人喊抓小偷，一看是孩子们在玩，闹着玩的",
    "河边步道的地砖塌陷了，现在用锥桶围着，麻烦修一下",
    "食堂几个人食物中毒，现在都已经没有生命危险了，请尽快来查一下食堂",
    "麻将声到后半夜还不停，我血压都给吵高了",
    "空调坏了一个礼拜，人都快中暑了",
])
def test_urgency__over_mistaken_made_safe_or_told_as_a_degree(text):
    result = assess(text, None, model=_Suspicious())
    assert result.urgency != "emergency" and result.referral is None, result


def test_urgency__asking_for_a_visit_soon_is_no_cry_for_help():
    # 尽快来 is not 快来: the leaning tree is a repair request, not a call for help
    result = assess("路边的树歪了，请尽快来修剪", None, model=_Suspicious())
    assert result.urgency != "emergency", result


@pytest.mark.parametrize("text", [
    "孩子在小区门口被一个陌生男人带走了，刚发生的",
    "有个男的把我女儿带走了，往公园那边去了",
])
def test_urgency__taken_away_by_a_stranger_is_live__by_the_police_or_family_it_ends_the_story(text):
    assert assess(text, None).referral == "110"
    over = assess("警察刚把楼上打架那两口子带走了，他家狗在屋里叫，能不能通知谁来处理", None)
    assert over.urgency != "emergency", over


@pytest.mark.parametrize("text", [
    "倒车把我停路边的车头撞瘪了，司机想跑，我拦着呢，人没事",  # people safe: a crash still
    "大货车变道别了我一下，后视镜掉了，货车现在停在前面应急道，人没事",
    "三车连环剐蹭，没人受伤，有个司机不同意拍照挪车，三辆车都堵在匝道上",  # refusing to move is no end
])
def test_urgency__a_crash_is_over_when_the_vehicles_are_gone__not_when_the_people_are_safe(text):
    result = assess(text, None, model=_Suspicious())
    assert result.urgency == "emergency", result


@pytest.mark.parametrize("text", [
    "群里说地铁站B口旁边一个商铺着火了，人都在往外跑",
    "邻居在群里说挡土墙正往下掉石头，墙底下还住着人",
    "邻居发朋友圈说她家燃气报警器在响，家里只有她婆婆",
])
def test_urgency__hearsay_of_something_going_on_as_it_is_told_is_fresh_news(text):
    assert assess(text, None, model=_Suspicious()).urgency == "emergency"


@pytest.mark.parametrize(("text", "referral"), [
    ("情况反映：楼下阿姨在楼道里哭喊，说老伴倒在地上一动不动，我正往下跑", "120"),  # a form's header
    ("反映：马路对面小区顶楼在冒大烟，能看到火苗", "119"),
    ("列车上有个孕妇肚子疼得厉害，羊水好像破了，能不能在下一站接", "120"),  # a request, no question
    ("保安巡逻发现花坛边躺着一名男子，推之无反应，手脚冰凉，不确定是否还有呼吸", "120"),
    ("体育场门外几个人把一个小伙子按在地上踹，好多人在拍视频，没人敢拉", "110"),  # filming is no prank
])
def test_urgency__live_events_in_forms_requests_and_reports(text, referral):
    result = assess(text, None)
    assert result.urgency == "emergency" and result.referral == referral, result


@pytest.mark.parametrize("text", [
    "一进门就闻到很重的天然气味，已经关了总阀开了窗，但味道还是很浓，人躲在楼道里",
    "山坡上有块大石头松了，小石子一直往下掉，下面还有游客在往上爬",
])
def test_urgency__still_live_after_what_was_done(text):
    assert assess(text, None, model=_Suspicious()).urgency == "emergency"


@pytest.mark.parametrize("text", [
    "去年冬天楼里着过一次火，烧坏的窗户没换，冷风呼呼往里灌",  # wind, not water
    "半夜电梯困人，消防来把人救出去了，现在电梯停着不能用",
    "还以为对面楼顶着火了，走近才看清是饭店排的蒸汽",
    "路边躺着那个人我以为出事了，过去一问是喝多了等朋友接",
    "楼下非说我家水管爆了，其实没漏，是空调冷凝水",
    "火灾后安置咨询：上周我们楼失火，现在借住亲戚家，有没有救助政策",
    "上午停车场一辆车自燃，火已经灭了，可整层还封着，我的车出不来",
    "景区有个游客在石阶上摔伤，已经被抬下山送医了，石阶上的青苔请处理",
    "我爸晨练时中暑晕倒，现在在医院输液，没什么大碍",
    "山坡在冒烟，我停车看了，是农民在烧秸秆，没有着起来",
    "路边躺着一个人一动不动，过去看了是喝醉了，叫醒后他说没事",
    "公交站台没有遮阳棚，夏天等车能把人晒晕过去",
    "最近小区接连两家被撬，能不能让派出所多巡逻几趟",
])
def test_urgency__over_mistaken_asked_or_feared_in_callers_words(text):
    result = assess(text, None, model=_Suspicious())
    assert result.urgency != "emergency" and result.referral is None, result


@pytest.mark.parametrize(("text", "referral"), [
    # the question, the complaint or the habit belongs to the other matter
    ("我想问下停车场月卡怎么办。还有，我在楼上看到对面的电线断了掉在地上，冒着火花，几个小孩正往那边走", None),
    ("几十个人在工地门口打群架，有人拿着钢管，已经有人倒地了。这个工地晚上施工一直很吵，顺便也反映一下。", "110"),
    ("工地上有人从三楼摔下来了，头上流了好多血，人不动了。这个工地天天晚上打桩也没人管。", "120"),
    ("你好，问一下孩子入学的户籍要求。另外我现在在江边，防汛堤有一段在往外渗水，越渗越多。", None),
])
def test_urgency__a_second_matter_in_the_call_does_not_explain_away_the_live_one(text, referral):
    result = assess(text, None)
    assert result.urgency == "emergency", result
    if referral:
        assert result.referral == referral, result


def test_urgency__one_matter_keeps_its_question_for_the_whole_text():
    # without a turn to another matter, the question still belongs to the cue
    result = assess("想问一下，孩子走丢了要等多久才能报警。", None)
    assert result.urgency != "emergency" and result.referral is None, result


@pytest.mark.parametrize("text", [
    "刚才小区里两个人打架，警察来了把人带走了。但打架时把单元门玻璃砸碎了，想问谁来修",  # the same fight
    "锅炉房冒了一大股白烟，我还以为着火了，问了保安说是在放蒸汽",
    "楼道里的电动车起火刚扑灭，消防员说是充电引起的，想问能不能建个充电棚",
    "我父亲凌晨突发脑梗，现在已经抢救过来住进病房了，想问医保报销",
    "河边有个老人一动不动，走近一问人家是钓鱼打了个盹",
    "燃气卡充了钱插进去没反应，灶打不着火",
    "楼顶的热水器支架锈得厉害，有一台已经歪了，想请物业赶紧加固",
    "电线杆被车撞出一道裂缝，杆子还好好立着，想请电力公司来检查更换",
])
def test_urgency__the_same_event_told_again_a_mistake_explained_or_a_repair_asked_for(text):
    result = assess(text, None)
    assert result.urgency != "emergency" and result.referral is None, result


@pytest.mark.parametrize(("text", "referral"), [
    ("板房里烧了一盆炭，早上起来好几个人头晕，老李怎么叫都醒不过来", "120"),
    ("我倒车撞到路边停着的一辆轿车，人都没事，我在现场等着，要怎么处理", "122"),
    ("校车刚在桥头蹭到一辆出租车，孩子们都没受伤，两个司机在吵，车堵着桥口", "122"),
    ("志愿者群里有人说敬老院的张爷爷突然喘不上气，嘴唇发紫，托我叫救护车", "120"),
])
def test_urgency__live_events_the_rules_now_read(text, referral):
    result = assess(text, None)
    assert result.urgency == "emergency" and result.referral == referral, result


@pytest.mark.parametrize("text", [
    "大榕树被风刮得根都翘起来了，斜压在电线上，下面是早市，人挤人",
    "变压器箱门大开着，线都露着，几个小孩正围在旁边玩",
    "学校大门的合页断了，整扇门歪着随时会倒，学生正从旁边挤着进校",
    "广告牌被风刮松了，一头耷拉下来在晃，底下是公交站，好几个老人站着等车",
    "老槐树被雷劈裂了，一半悬在半空要倒，树底下天天有老人聊天，现在还坐着人",
])
def test_urgency__people_beside_or_under_it_now(text):
    assert assess(text, None, model=_Suspicious()).urgency == "emergency"


def test_urgency__like_a_thief_is_a_guess_about_someone_not_a_simile():
    result = assess("楼下幼儿园后门有两个人翻墙进去了，这个点园里没人，像是小偷", None, model=_Suspicious())
    assert result.urgency == "emergency", result
    assert "比喻" not in result.reason


@pytest.mark.parametrize(("text", "referral"), [
    ("育才中学操场一名学生跑完1000米倒地抽搐，校医在场处理，要求派救护车", "120"),  # a request is now
    ("来电人与一辆电动车剐蹭，双方均未受伤，对责任有争议，要求交警到场定责", "122"),
    ("加油站门口两车刚碰撞，无人受伤，对方司机满身酒气", "122"),
    ("一辆小货车刚把我停路边的车撞了想溜，被我拦下了，没人受伤", "122"),  # stopped by the caller
    ("面包车刚把我的车门刮掉了，都没受伤，他说私了，我不放心，人和车都还在现场", "122"),
    ("卖鞋的摊子前有个老大爷突然倒地上抽，口吐白沫，不晓得咋弄", "120"),
    ("群里有人说图书馆三楼有个学生晕倒一直没醒，来电人代报", "120"),  # fresh hearsay
    ("业主群里有人说3号楼一个男的拿刀追着他老婆打，已经追到楼下花园了", "110"),
    ("闺蜜刚微信说有人一直在拧她的门把手，她一个人在家，不敢出声打电话", "110"),  # 打电话 is no topic
])
def test_urgency__live_events_in_agents_notes_and_messages(text, referral):
    result = assess(text, None, model=_Suspicious())
    assert result.urgency == "emergency" and result.referral == referral, result


@pytest.mark.parametrize("text", [
    "今天上午楼下餐馆着火，已扑灭，现楼道全是烟味和积水，谁负责清理",  # the smell the fire left
    "孩子放学没回家已在同学家找到，不需要出警，要撤销之前的报警",
    "来电人问发现燃气泄漏应该先打燃气公司电话还是119",
    "夜里大货车一辆接一辆过，地都在震，感觉楼要塌了，希望限行",
    "电梯困人的时候是先找物业还是直接打119",
    "水压低得离谱，水龙头只能一滴一滴往下掉",
    "以为有人要跳楼，仔细一看楼顶站的是个模特假人",
    "今天早上我姥爷走丢了，中午在公园找到了，想办防走失手环",
    "早上电梯困人，消防刚把人弄出来走了，电梯还停在两层当中",
    "收割机一天到晚轰隆隆的，扬一院子灰，呛得人喘不过气",
    "今早门口一起电动车与行人的轻微碰撞，双方均未受伤，已自行协商解决，希望增设人行横道",
])
def test_urgency__over_found_asked_or_told_as_a_feeling(text):
    result = assess(text, None)
    assert result.urgency != "emergency" and result.referral is None, result


@pytest.mark.parametrize("text", [
    "商业街一栋楼上有块窗户玻璃松了在晃，时不时掉碎渣下来，楼下人特别多",
    "路灯杆斜着快倒了，咯吱咯吱响，下面是早市，大爷大妈挤满了",
    "一个娃爬到废水塔上去了，挂在铁梯子半腰上下不来，手都在抖",
])
def test_urgency__people_crowding_below_or_stuck_up_there(text):
    assert assess(text, None, model=_Suspicious()).urgency == "emergency"


@pytest.mark.parametrize(("text", "referral"), [
    ("一进家门就闻到很重的燃气味，已关总阀开窗，但味道仍然很浓，家中还有卧床老人", None),  # still strong
    ("工友热晕了，浑身烫手，浇了凉水还是不醒，他从中午干到现在", "120"),  # 干到现在 is no aftermath
    ("从我家窗户看过去，对面楼有个阳台在冒火，那家好像没人发现", "119"),  # 看过去 is looking across
    ("同事在群里说科技园的电梯停在半中间了，里面关着四五个人，已经二十多分钟了", None),
    ("楼顶水箱爆了，水往下面几户家里灌，已经漫到插座了，物业电话一直没人接", None),  # nobody answers
    ("我爸打电话说他在省道上跟人刮了，没人受伤，车都停在路上，让我帮他报一下", "122"),
    ("车开进下穿隧道，积水一下子淹到车窗了，我们一家三口在车里出不去", "119"),
    ("前车突然急刹我没刹住撞上了，人都好好的，两辆车停在落客区把路堵了", "122"),
    ("旅游团群里有人说他们住的客栈楼下着火了，他们在五楼被烟堵着下不来", "119"),
    ("大集上有人把举报的村民按在地上踢，到现在还没停手", "110"),
    ("被一辆倒车的货车顶了车头，对方不认账，没人受伤，两辆车都还在原地", "122"),
])
def test_urgency__live_events_told_with_words_that_looked_over(text, referral):
    result = assess(text, None, model=_Suspicious())
    assert result.urgency == "emergency", result
    if referral:
        assert result.referral == referral, result


@pytest.mark.parametrize("text", [
    "半小时前电梯困人，维保刚把人放出来，这部电梯这个月坏三次了",
    "楼下那辆车着的火刚被消防扑灭，地上全是泡沫，谁来清理",
    "那股烧焦味不是我们家着火，是楼下饭店在熏腊肉",
    "楼下烧烤摊一到晚上烟就往我家灌，跟放火熏人一样",
    "刚搬进公寓，这几天水压特别小，高层基本出不来水",
    "刚才隔壁房间打架，警察来过带走了两个人，走廊地上还有玻璃碴子",
    "早上楼下冒烟，消防来看过说是电缆烧了，现在整栋还没来电",
    "挡土墙有点鼓出来，下雨天往下掉土，希望有人来评估一下",
    "公交站牌被车撞歪了一直没扶正，挡住一半盲道",
    "刚拿驾照，想问出了小剐蹭是不是可以自己拍照撤离",
    "这两天天然气压力特别小，火苗小得煮面都煮不开",
    "刚才我报电梯里有人，物业打开发现里面是空的，是我搞错了",
])
def test_urgency__over_mistaken_or_a_supply_fault_in_more_words(text):
    result = assess(text, None)
    assert result.urgency != "emergency" and result.referral is None, result


@pytest.mark.parametrize("text", [
    "房子屋顶漏水，维修师傅说屋顶了一层胶还是漏，开发商和物业互相踢皮球",  # 屋顶 is no crash (顶了)
    "交房时问题很多，物业让找开发商，开发商又没人在现场，找不到人，请住建部门管管",  # nobody there
    "路口红绿灯故障，近期亲眼目睹两辆轿车发生严重碰撞，所幸无人员伤亡，望相关部门重视",  # 近期 dates it
])
def test_urgency__real_letters_the_new_words_must_not_raise(text):
    result = assess(text, None)
    assert result.urgency != "emergency" and result.referral is None, result


def test_urgency__a_text_made_of_cue_words_judges_a_bounded_number_of_them():
    # each finding is judged against the whole text: without a bound such a text costs quadratic time
    from routing.text import normalize
    from routing.urgency import _MAX_FINDINGS, _context, _findings

    text = normalize("有人打架，" * 1000)
    assert len(_findings(text, _context(text), [(0, len(text))])) == _MAX_FINDINGS
    flooded = "楼下着火了，火越来越大！" + "有人打架，" * 900  # the findings judged still count
    assert assess(flooded, None).urgency == "emergency"


# Session 22: readings from the blind sets of farmers, angry callers, animals, teenagers, self-correcting
# callers, building sites, learners of Chinese and family quarrels.
@pytest.mark.parametrize("text", [
    "上午大风把小区门口的树刮倒了，砸坏两辆车，人都没事，园林什么时候来锯",  # felled by the wind, not a crash
    "物业把地库的闸口锁了，车进不去出不来，早上要上班",  # the way is blocked, nobody is shut in
    "我家狗走丢了，想在小区里贴寻狗启事，物业不让贴",  # a pet, not a missing person
    "马路上的车一直按喇叭，我的头要爆炸了，这里是医院旁边",
    "楼顶的鸽子棚臭味飘进我家，熏得头都晕了，跟楼上说了不理",
    "楼下的烧烤店烟太大了，整个房间都是烟的味道，呛死我了",  # a smell of smoke, not a room full of it
    "柴堆着火早灭了，消防车也走了，可烧塌的半面墙倒在路上，堵着出门的路",  # a wall lying on the road
    "隔壁老汉隔三差五在院里烧秸秆，风一大火星子乱飞，万一引着柴火垛咋整",  # 大 belongs to the wind
    "野猪晚上闯进学校，已经被赶回山里了，东边的围栏被撞倒了一大片，明天学生要上课",
    "刚才路口那场追尾，交警已经处理完走了，可是被撞的那根路灯杆倒在绿化带里，谁来清",
    "下午湖边那起车祸，伤者已经被救护车拉走了，撞断的护栏现在还躺在路边",
    "下午公交车进站的时候撞上了候车亭，好在没伤到人，车已经开走了，候车亭的玻璃全碎了",
    "地铁站门口有个商贩喇叭循环放跳楼价大甩卖，放了半年了，吵得人要发疯",
    "菜市场卖熟食的摊子把液化气罐摆在过道上，旁边就是明火炉子",
    "想学一下心肺复苏和触电急救，社区有没有免费的培训？",
    "网上看到好多电动车电池爆炸的视频，我家那辆电池用了五年多了，是不是该换了",
    "儿童医院周末挤爆了，走廊里全是哭的孩子，吵得整个楼都要塌了",
    "河边的垃圾桶满了好几天没人清，味道冲天，路过都快被熏晕了",
    "下午冰雹把车棚的顶掀了一半，掉下来的铁皮砸扁了几辆自行车，还好没人受伤",
    "长江路那个下水井盖碎了一半，上面罩了个塑料桶，晚上看不清",
    "小区配电房的外墙裂了很长一条缝，一下雨就往里面渗水，到底谁管",
])
def test_urgency__a_cue_that_is_something_else_here_is_no_emergency(text):
    result = assess(text, None)
    assert result.urgency != "emergency" and result.referral is None, result


def test_urgency__a_thing_felled_by_the_wind_is_still_a_danger_while_it_sways_over_people():
    result = assess("工地围挡被风刮倒了一半，剩下的还在晃，就悬在人行道上方，学生正排着队过", None)
    assert result.urgency == "emergency" and result.referral is None, result


@pytest.mark.parametrize("text", [
    "家里燃气报警器一直叫，全家吓得跑到楼下，燃气公司来测了说是报警器坏了",
    "刚才外面爆炸的声音很大，邻居说是有人结婚放鞭炮，晚上十一点还放可以吗",
    "朋友圈说我们小区有人跳楼，问了保安，是在楼顶拍婚纱照，根本没人跳",
    "刚才楼下有人喊打人了，我跑下去看，是两个亲家吵架，没动手，已经散了",
    "路边有个人躺着不动，我以为他晕倒了，去叫他，他说只是在睡觉，不要我管",
    "车头一直冒烟，我以为要着火，问了司机，是水箱开锅冒的白汽，没事",
    "我妈说闻到焦味，以为家里电线烧了，查了一圈是楼下邻居烤糊了东西",
    "网上有视频说医学院那边爆炸了，问了社区，是旧宿舍楼在定向爆破拆除，提前公告过的",
    "公园长椅上躺着个人一动不动，我以为出事了，过去一问，人喝了点酒，好着呢",
])
def test_urgency__a_report_told_false_in_the_callers_words_is_no_emergency(text):
    result = assess(text, None)
    assert result.urgency != "emergency" and result.referral is None, result


def test_urgency__nobody_there_at_all_is_a_false_alarm__nobody_to_clear_the_snow_is_not():
    assert assess("物业群里说电梯困人了，我去一看里面根本没人，电梯坏了停在那儿", None).urgency != "emergency"
    result = assess("楼外墙的瓷砖正一大片一大片往下掉，砸在主干道上，根本没有人拉警戒线，还有人往那边走", None)
    assert result.urgency == "emergency", result


@pytest.mark.parametrize("text", [
    "老爷子今年九十，夜里自己起来上厕所摔在卫生间了，左腿扭成一个怪样子，动不了",  # an age, not a date
    "上周我投诉了物业乱收费，今天物业经理带着几个人堵在我家门口踹门，到现在还没走",
    "村里水塔的铁架子锈断了，塔身往小卖部那边歪，小卖部门口一堆人在打牌",
    "江边大桥的护栏被车撞掉了一段，缺口下面就是江，天黑了那边没灯，散步的人很多",
])
def test_urgency__live_with_an_age_a_visitor_who_stays_or_people_beside_the_danger(text):
    assert assess(text, None, model=_Suspicious()).urgency == "emergency"


def test_urgency__this_year_with_a_month_still_dates_an_event():
    assert assess("今年3月份我家楼下着过一次火，到现在外墙还是黑的", None).urgency != "emergency"


# Session 22, second batch: hospitals, the waterside, shops, electricity, gas and heating, rambling voice
# transcripts, things heard through walls, roads.
@pytest.mark.parametrize("text", [
    "路边一个消防栓被车撞断了，水柱冲得老高，零下十几度，路面已经开始结冰，车过去直打滑",  # 消防 is no precaution
    "我是房东，来收房租发现租户倒在卫生间，热水器还开着，人没反应，燃气我关了窗户打开了，需要救护车",
    "我的车被后面的SUV顶了一下，两辆车斜着卡在坡道正中间，人都好好的，对方说要等保险公司来拍照才挪车",
])
def test_urgency__live_with_a_hydrant_a_valve_shut_or_a_crash_not_yet_moved(text):
    assert assess(text, None, model=_Suspicious()).urgency == "emergency"


@pytest.mark.parametrize("text", [
    "我刚才打电话说我爸晕倒了，现在他已经醒了，说是蹲久了起猛了，自己坐着在喝水",
    "刚才商场电梯好像卡住了，门不开，等了一分钟自己又开了，里面的人都出来了，没事",
])
def test_urgency__no_confidence_overrules_someone_recovered_or_let_out(text):
    assert assess(text, None, model=_Confident()).urgency != "emergency"


def test_urgency__people_out_of_a_fire_that_goes_on_do_not_end_it():
    text = "电暖器把床单点着了，泼了两盆水还在烧，屋里全是烟，人都出来了，建国里5号楼1单元202"
    assert assess(text, None, model=_Confident()).urgency == "emergency"


# Session 24: a model sure there is no emergency outweighs the rules' cue words (routing.urgency._DOUBT).
def test_urgency__a_model_sure_there_is_none_sends_the_cue_to_review__not_to_a_service():
    text = "中暑了应该怎么处理？我想给车间里的工人讲一讲。"
    assert assess(text, None).referral == "120"  # the rules alone read a live heatstroke
    result = assess(text, None, model=_Doubtful(0.02))
    assert result.urgency == "normal" and result.referral is None and result.review, result
    assert "模型判断不像正在发生的紧急情况（0.02）" in result.reason and "如属实应转急救（120）" in result.reason
    # a model merely unconvinced leaves the rules' reading alone
    assert assess(text, None, model=_Doubtful(0.2)).referral == "120"


def test_urgency__a_cry_for_help_is_never_doubted():
    result = assess("救命啊，我家厨房着火了", None, model=_Doubtful(0.01))
    assert result.urgency == "emergency" and result.referral == "119", result


def test_urgency__a_doubted_text_keeps_its_outage_and_its_categorys_urgency():
    burst = assess("楼下水管爆了，水哗哗往外冒，整栋楼都停水了", None, model=_Doubtful(0.01))
    assert burst.urgency == "utility" and burst.review, burst
    # the category says such matters are urgent: the agent confirms, the deadline stays the category's
    hinted = assess("中暑了应该怎么处理？我想给车间里的工人讲一讲。", "emergency", model=_Doubtful(0.02))
    assert hinted.urgency == "emergency" and hinted.referral is None and hinted.review, hinted


@pytest.mark.parametrize("text, referral", [
    ("上次说的那堆杂物着了，烟大得看不见人！", "119"),
    ("又在打了！还是上次那家，男的掐着女的脖子！", "110"),
    ("上回说的那个尾随我的人又跟着我了，就在我身后二十米，我在滨河路公交站，我好害怕，请马上帮我联系警察。", "110"),
])
def test_urgency__the_earlier_call_a_caller_refers_to_does_not_date_what_happens_now(text, referral):
    result = assess(text, None, model=_Suspicious())
    assert result.urgency == "emergency" and (result.referral or "119") == referral, result


@pytest.mark.parametrize("text", [
    "上次那个火灾把墙熏黑了，到现在没人修",
    "上次着火的那家又在楼道里堆纸箱",
])
def test_urgency__the_last_time_something_happened_still_dates_it(text):
    assert assess(text, None, model=_Suspicious()).urgency != "emergency"


@pytest.mark.parametrize("text", [
    "楼道窗框整扇松了在风里甩，下面是上学的路",
    "路灯杆被撞歪了 斜着 随时要倒 旁边就是公交站 好多人等车",
])
def test_urgency__a_thing_swinging_or_about_to_fall_over_a_way_people_use_is_live(text):
    assert assess(text, None, model=_Suspicious()).urgency == "emergency"
    assert assess("窗框松了，刮风的时候会晃", None, model=_Suspicious()).urgency != "emergency"


def test_urgency__a_gas_smell_a_shut_valve_did_not_clear_is_live():
    result = assess("厨房里一股很冲的煤气味，关了阀门还是冲鼻子，家里十几口人在等年夜饭，怎么办？", None)
    assert result.urgency == "emergency", result


@pytest.mark.parametrize("text", [
    "刚才报的着火不算啊，是邻居家烧炕冒的烟。",
    "楼下那帮人拿着刀在喊，我以为是打架，原来在拍短视频，旁边架着摄像机",
    "喂 你好 我刚才报了一个警 说广场那边有人打架 拿刀 我过去又看了一眼 是在拍电视剧 旁边有摄像机 我刚才报的那个撤了吧 没事了",
    "闻到一股煤气味 燃气公司来查了 没漏 是楼下在熬中药",
    "刚才打电话说闻到煤气味，燃气公司的人来查过了，是下水道反上来的味，没漏气",
    "楼里烟感全坏了，按了没反应",
    "刚刚被困电梯 出来了 物业说这部电梯接着用 我家十八楼 我不敢坐",
    "刚才楼上老人摔了 一二零拉走了 他家门还开着 没人 谁来管",
    "楼上漏水 我家天花板泡得一块块往下掉皮 楼上不开门",
])
def test_urgency__a_report_taken_back_acted_checked_or_over_in_new_words_is_no_emergency(text):
    result = assess(text, None)
    assert result.urgency != "emergency" and result.referral is None, result


@pytest.mark.parametrize("text, referral", [
    ("百货大楼的扶梯突然往下加速，上面还站着好几个人，急停按钮按了没反应，大家都在往下跑", None),
    ("十字路口一辆拉煤气罐的小货车跟出租车追尾，两辆车停在路口正中间，罐子没漏，两个司机都没事，红绿灯那儿已经乱成一锅粥了", "122"),
    ("楼下广场有人打架，拿着砖头砸，围观的人都在拍视频，没人拉", "110"),
])
def test_urgency__a_stop_button_that_fails_a_tank_that_holds_or_bystanders_filming_keep_it_live(text, referral):
    result = assess(text, None)
    assert result.urgency == "emergency" and (referral is None or result.referral == referral), result


# Session 24, second batch (blind sets 109-116): outdoor workers, homemakers, wage disputes, appliances, Wu
# speakers, underground spaces, distress, older people's text messages.
@pytest.mark.parametrize("text", [
    "挖掘机把路边电线杆碰歪了，杆子斜着往人行道倒，电线绷得紧紧的。",  # leaning onto a way
    "从窗口看到马路对面一个老伯伯倒在公交站边上,一直勿动,没人管",  # someone lying collapsed: no standing defect
])
def test_urgency__a_pole_falling_onto_a_walkway_or_someone_collapsed_by_the_road_is_live(text):
    assert assess(text, None, model=_Suspicious()).urgency == "emergency"
    # a pole leaning a little that will not fall soon is a repair
    leaning = "十字路口那根路灯杆底座锈穿了，杆子往马路这边歪了一点，应该一时半会儿倒不了，请路灯所来换"
    assert assess(leaning, None, model=_Suspicious()).urgency != "emergency"


def test_urgency__getting_more_and_more_confused_is_no_burnt_pan():
    text = ("刚才就听见厨房哐当一声，跑过去一看他从梯子上摔下来了，腿扭成那个样子，动都不敢动，还说头晕，刚刚吐了一地，"
            "叫他还能答应，但是越来越迷糊了。")
    result = assess(text, None)
    assert result.urgency == "emergency" and result.referral == "120", result
    assert assess("闻到焦味，以为着火了，原来是楼下邻居烤糊了东西", None).urgency != "emergency"


@pytest.mark.parametrize("text", [
    "说有人跳楼那个是假的，是楼上工人扔下来一袋水泥，底下没有人",
    "刚才充电宝冒烟，我已经扔进水桶里了，没烟了，想投诉这个牌子",
    "刚才电暖器冒火星，拔了插头就好了，商家该不该退？",
    "刚才有个老太太在我们停车场摔了一跤，她儿子已经开车带她去医院了，人能走能说话，想问她落下的袋子怎么交还",
])
def test_urgency__a_rumour_denied_a_device_that_stopped_or_someone_already_taken_to_hospital_is_over(text):
    result = assess(text, None)
    assert result.urgency != "emergency" and result.referral is None, result


def test_urgency__someone_to_be_taken_to_hospital_is_not_over():
    text = "我是出租车司机，刚拉了个大姐，说她喝了农药，让我赶紧送她去医院，她刚才开始吐了，手在发抖"
    assert assess(text, None).referral == "120"


@pytest.mark.parametrize("text", [
    "嗯 那个 小区门口那棵大树 有一根大枝子枯死了 风大的时候晃 现在底下已经用绳子围起来了 人都不从底下走了 想请园林来修剪掉",
    "喂 你好 小区里那个儿童游乐场 秋千的链子锈得厉害 快断了 我已经把孩子们都叫开了 在上面贴了个条子 不让玩了 麻烦你们来换",
])
def test_urgency__a_danger_people_are_already_kept_away_from_is_a_repair(text):
    assert assess(text, None, model=_Suspicious()).urgency != "emergency"


def test_urgency__children_who_come_back_after_being_sent_away_are_still_exposed():
    text = ("村里公共厕所旁边的化粪池盖板塌了一个大洞，里面是很深的粪水，现在几个小孩就在洞边上玩，家长都不在，"
            "我把他们赶走了他们又回来，旁边就是小学，能不能马上来人把这个洞围起来")
    assert assess(text, None).urgency == "emergency"


def test_urgency__a_jet_that_does_not_stop_is_going_on_now__the_fear_it_bursts_is_no_mere_worry():
    boiler = "凯瑞酒店工程部：锅炉房压力表到红线了，安全阀一直往外喷汽，手动泄不下来，怕炸。"
    assert assess(boiler, None, model=_Suspicious()).urgency == "emergency"
    smoke = "关于独居老人家冒烟：对门王奶奶家的门缝一直往外冒烟，闻着像烧糊了"
    assert assess(smoke, None).referral == "119"
    # a worry about a boiler that is not venting now stays a worry
    assert assess("锅炉房那台老锅炉用了二十年了，怕哪天炸了", None, model=_Suspicious()).urgency != "emergency"


@pytest.mark.parametrize("text", [
    "楼上阳台的花架松了，摇摇晃晃，下面就是小区出入口。",
    "下班高峰，路灯杆底座锈断了，被风吹得来回晃，随时会砸到自行车道上",
])
def test_urgency__a_loose_thing_rocking_over_an_entrance_or_a_cycle_lane_is_live(text):
    assert assess(text, None, model=_Suspicious()).urgency == "emergency"


# Session 24, third batch (blind sets 117-124, measured on the session's final rules before reading).
@pytest.mark.parametrize("text", [
    "天桥护栏一截松了在晃，桥上人挤人",
    "工地塔吊就在养老院头顶上转，吊着的一捆钢管一直晃，绳子好像要松了",
])
def test_urgency__a_loose_thing_with_a_crowd_on_it_or_a_load_over_heads_is_live(text):
    assert assess(text, None).urgency != "emergency"  # no cue word: the model decides
    assert assess(text, None, model=_Suspicious()).urgency == "emergency"


@pytest.mark.parametrize("text", [
    "撤回撤回 刚报的打架是在拍短剧 有摄像机的 我人傻了",
    "说小孩被抱走那个，是孩子外婆接走的，家里人没打招呼，误会一场。",
    "不用派车了，我爸刚才是腿麻了起不来，现在能走了。",
    "墙刚塌了，人都撤开了没伤着，请城管来定责。",
    "刚刚有个大爷在夜市晕倒，已经被120拉走了，他的三轮车和一车货还在这，谁来管？",
    "一个小时前有人撬了村部的门，偷了两台电脑，人早跑了，请派出所来取证。",
])
def test_urgency__acted_a_misunderstanding_recovered_cleared_or_long_gone_is_over(text):
    result = assess(text, None)
    assert result.urgency != "emergency" and result.referral is None, result


def test_urgency__the_attacker_still_here_keeps_it_live():
    assert assess("刚才有人在我店里打人，打人的那个还在这", None).referral == "110"


# Session 25 (blind sets 125-132, measured on session 24's final rules before reading).
@pytest.mark.parametrize("text", [
    "我家插座有火了，烧到窗帘了，水可以浇吗",
    "垃圾站有火，烧到旁边的棚子，棚子里面住人的",
    "着火了，已经烧到12楼了",  # a floor, not a temperature
])
def test_urgency__a_fire_spreading_to_something_is_live(text):
    assert assess(text, None).referral == "119"


def test_urgency__a_fever_that_reaches_forty_degrees_is_no_fire():
    result = assess("孩子烧到40度，抽搐，口吐白沫", None)
    assert result.referral == "120" and "119" not in result.referrals, result


def test_urgency__someone_who_fainted_and_has_not_woken_up_since_is_live():
    assert assess("我外婆在院子里晕倒了，到现在没醒", None).referral == "120"


@pytest.mark.parametrize("text", [
    "老鼠把家里电线咬了，插座都没电，不冒火也没味道，找谁来修",
    "树倒了砸车上 车里没人 要找园林来锯",
    "警察刚把打架的两个人带走,大堂玻璃碎了一地,我们先拍照留证了。",
    "打架的人刚被警察带走，候诊区的椅子砸坏了好几张，玻璃渣还在地上",
    "刚才打架的都跑了 商场门口地上好多血 要不要清理",
])
def test_urgency__a_fire_denied_a_tree_on_a_car_or_a_fight_broken_up_calls_no_service(text):
    assert assess(text, None).referral is None


def test_urgency__cement_falling_is_no_water_dripping():
    assert assess("老楼顶上的水泥块在往下掉，底下就是幼儿园大门，家长都在那接孩子", None).urgency == "emergency"


def test_urgency__a_fire_checked_and_found_real_goes_to_a_person__if_it_really_burned_does_not():
    assert assess("消防主机报18楼配电间,我上去核实了,是真着了,里面噼里啪啦直响。", None).review
    assert not assess("安全出口被锁起来了，可是真着火了怎么跑？", None).review


@pytest.mark.parametrize("text", [
    "3号楼电梯困了个老人,说心慌气短,已经关了二十多分钟,维保还没到。",
    "二房东把我锁在屋里不让出去，已经关了两个钟头，手机快没电了。",
])
def test_urgency__shut_in_for_twenty_minutes_is_no_valve_shut(text):
    assert assess(text, None, model=_Suspicious()).urgency == "emergency"


# Session 25, fifth batch (blind sets 133-140, measured on the session's rules above before reading).
@pytest.mark.parametrize("text, referral", [
    ("林场护林员报告，东坡防火隔离带外侧起火，火线约两百米，正向林区推进，请求支援。", "119"),  # a firebreak is a place
    ("防盗门外有人在砸门", "110"),
    ("打谷场上拖拉机漏油起了火，边上就是好几垛稻草", "119"),
    ("俺们地里一个干活的碰了电线，电工把闸拉了，人没气儿了", "120"),  # a person's breath, not the gas supply
    ("小囡在游泳池呛水,捞上来没气了", "120"),
    ("微信群里说村西头有人打药中毒倒在地里了，到现在还没人送", "120"),
    ("群里说景区门口那个路口有辆车像是醉驾，撞了几次护栏还在那里转圈开", "122"),  # 像是: a guess, no simile
])
def test_urgency__a_fire_by_a_firebreak_a_breathless_worker_or_a_guessed_drunk_driver_is_live(text, referral):
    assert assess(text, None).referral == referral


def test_urgency__a_person_surrounded_with_sticks_is_no_hazard_made_safe():
    assert assess("有人拿棍子围着我要抢我的三轮车", None, model=_Suspicious()).urgency == "emergency"


@pytest.mark.parametrize("text", [
    "孩子烧到多少度需要叫救护车？还是自己打车去医院就行",
    "中暑的人能直接灌凉水不？",
    "溺水的人救上来以后要不要倒着背着控水",
    "国庆在农家乐吃饭食物中毒住了院，卫生部门的处理结果出来没有",
    "落水的孩子已经捞上来送医院了，河边那段没护栏，能不能赶紧装",
    "小偷已经被保安和家长按住交给警察了，我们园的门锁被撬坏了，今晚怎么办",
    "车祸现场已经清完了，但路面上全是玻璃碴子和机油，电动车过去容易滑",
    "有人说公园着火了，我过去看是人家在烧烤，烟大而已",
    "家长群里传幼儿园着火了，我刚跑去看，是隔壁在烧烤，烟大了点，没事",
    "孩子喊“阿姨，小明倒在地上不动了”，我冲过去一看，他是在装睡跟大家玩",
    # a later end counts when an earlier one is followed by something going on (有人在用烧烤架)
    "刚才我说楼顶冒烟，我们上去看了，是有人在用烧烤架烤肉，不是着火。",
])
def test_urgency__a_question_about_anyone_a_stay_in_hospital_or_a_look_that_found_nothing_calls_no_service(text):
    result = assess(text, None)
    assert result.urgency != "emergency" and result.referral is None, result


def test_urgency__going_to_look_and_finding_it_real_keeps_it_live():
    assert assess("听到有人喊着火了，我过去看是真着火了，火很大", None).referral == "119"

"""Urgency class and emergency referral (110/119/120/122) from the complaint text and the category.

Urgency classes (they select the deadlines in routing.sla):
    emergency  danger to life or property (2 h)
    utility    water / power / gas / heating outage (24 h)
    normal     ordinary matters (7 working days)
    complex    complex matters (15 working days) — only ever from the category, see ``assess``

A referral means the caller is describing something happening now that belongs to an emergency
service: 110 police (a crime in progress), 119 fire, 120 ambulance, 122 traffic police. The agent
transfers the call; the ticket is rejected with the referral.

Cue words alone give many false alarms in hotline text ("去年着火的楼至今没修", "咨询120急救收费",
"楼道堆物有火灾隐患"), so each cue occurrence is checked in its clause for negation (没有着火),
hypotheticals and hazards (担心着火, 火灾隐患), the nearest time word before it (去年/昨天 vs
现在/刚刚) and aftermath words after it (至今, 已扑灭); and an inquiry (咨询, 请问, 收费…) only
counts as an emergency with explicit present-time evidence (正在, 刚刚, 救命, "着火了").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from routing.text import normalize, word_list

URGENCIES = ("emergency", "utility", "normal", "complex")
REFERRALS = ("110", "119", "120", "122")

# When several services apply, the first in this order is the one to transfer to (fire and life
# before police and traffic); all of them are listed in UrgencyAssessment.referrals.
_REFERRAL_PRIORITY = ("119", "120", "110", "122")
_SERVICE_NAMES = {"110": "报警（110）", "119": "火警（119）", "120": "急救（120）", "122": "交通事故（122）"}
_URGENCY_ORDER = {"emergency": 0, "utility": 1, "complex": 2, "normal": 3}
_URGENCY_NAMES = {"emergency": "紧急", "utility": "水电气热", "normal": "一般", "complex": "复杂"}


@dataclass(frozen=True)
class _Cue:
    word: str
    kind: str  # "referral" | "emergency" | "utility"
    referral: str | None = None
    weak: bool = (
        False  # only counts with present-time evidence ("小偷" is usually a complaint about security)
    )


def _cues(kind: str, referral: str | None, words: str, weak: str = "") -> list[_Cue]:
    return [_Cue(w, kind, referral) for w in words.split()] + [
        _Cue(w, kind, referral, weak=True) for w in weak.split()
    ]


_CUES: list[_Cue] = [
    *_cues("referral", "119", "着火 起火 失火 火灾 大火 火势 浓烟 烧起来 爆炸", weak="冒烟 冒黑烟 燃烧"),
    *_cues(
        "referral",
        "120",
        "晕倒 昏倒 昏迷 不省人事 心脏病发作 心脏病犯了 心梗 脑梗 中风 大出血 流血不止 呼吸困难 "
        "没有呼吸 没呼吸 抽搐 休克 煤气中毒 一氧化碳中毒 食物中毒 重伤",
        weak="受伤 摔伤 摔倒",
    ),
    *_cues("referral", "122", "车祸 追尾 撞人 撞车 被车撞 交通事故 肇事逃逸 翻车", weak="剐蹭 刮蹭"),
    *_cues(
        "referral",
        "110",
        "打架 斗殴 群殴 抢劫 抢包 入室盗窃 入室抢劫 撬门 撬锁 持刀 拿刀 砍人 行凶 绑架 非法拘禁 跳楼 自杀",
        weak="打人 家暴 小偷 偷东西 走失",
    ),
    *_cues(
        "emergency",
        None,
        "燃气泄漏 煤气泄漏 天然气泄漏 燃气泄露 煤气泄露 煤气味 燃气味 天然气味 井盖丢失 井盖丢了 井盖被偷 "
        "井盖缺失 没有井盖 井盖塌陷 电线掉落 电线断了 电线裸露 高压线断 触电 漏电 被困电梯 困在电梯 电梯困人 "
        "困在电梯里 坍塌 塌陷 倒塌 塌方 墙体开裂 大树倒 树倒了 树木倒伏 砸伤 砸到人 落水 溺水 爆管 水管爆裂 "
        "自来水管爆 倒灌",
    ),
    *_cues(
        "utility",
        None,
        "停水 断水 没水 没有水 水压低 水压小 停电 断电 没电 没有电 停气 断气 燃气停供 停暖 不供暖 "
        "暖气不热 暖气不暖 没有暖气 没暖气 供暖不足 室温低 室温不达标 停热",
    ),
]
_CUE_PATTERN = re.compile("|".join(sorted((re.escape(c.word) for c in _CUES), key=len, reverse=True)))
_CUE_BY_WORD = {c.word: c for c in _CUES}

_CLAUSE_BREAK = re.compile(r"[|。，！？；、\n]")
_NEGATORS = word_list("没有 没 未 不是 并非 无 不会 不要 谨防 防止 预防 避免")
_HYPOTHETICAL = word_list("如果 万一 假如 一旦 要是 担心 害怕 生怕 怕 容易 可能会 会不会 以免 隐患")
# Words right after a fire/medical/crime cue that make it a topic rather than an event.
_TOPIC_AFTER = word_list("隐患 风险 演练 演习 警报 报警器 宣传 知识 培训 预案 收费 费用 报销 电话 标准 保险")
_AFTERMATH = word_list("至今 已扑灭 已经扑灭 被扑灭 已灭 已处理 已经处理 处理完 已解决 后来")
_PAST = word_list(
    "去年 前年 上个月 上月 上周 上星期 前几天 前些天 前段时间 前阵子 几天前 天前 周前 月前 年前 昨天 昨晚 "
    "昨日 前天 之前 以前 曾经 当年 那年 那次 上次 过去 多年前 早些年"
)
_PRESENT = word_list("正在 现在 刚刚 刚才 此刻 目前 今天 今晚 今早 眼下 还在 马上 立刻")
_URGENT = word_list("救命 快来 赶紧 快点 紧急 求救 来人")
_INQUIRY = word_list(
    "咨询 请问 想问 问一下 问问 想了解 了解一下 怎么收费 收费 多少钱 费用 报销 如何办理 怎么办理 流程 政策 "
    "规定 标准 是否 能否 可以吗 哪里可以 电话是多少 热线"
)
_TIME_WORDS = sorted(_PAST + _PRESENT, key=len, reverse=True)
_TIME_PATTERN = re.compile("|".join(map(re.escape, _TIME_WORDS)))


@dataclass(frozen=True)
class UrgencyAssessment:
    urgency: str  # emergency | utility | normal | complex
    referral: str | None  # "110" | "119" | "120" | "122" | None — the service to transfer to
    reason: str  # a short Chinese explanation for the agent
    cues: tuple[str, ...] = ()  # the cue words that counted
    referrals: tuple[str, ...] = ()  # every service that applies, ``referral`` first


@dataclass(frozen=True)
class _Finding:
    cue: _Cue
    active: bool
    why: str  # for an inactive cue: why it did not count


def _clause_bounds(text: str, pos: int) -> tuple[int, int]:
    start = max((m.end() for m in _CLAUSE_BREAK.finditer(text, 0, pos)), default=0)
    following = _CLAUSE_BREAK.search(text, pos)
    return start, following.start() if following else len(text)


def _last_time_word(text: str, end: int) -> str | None:
    last = None
    for m in _TIME_PATTERN.finditer(text, 0, end):
        last = m.group()
    return last


def _judge(text: str, start: int, end: int, cue: _Cue, inquiry: bool, urgent: bool) -> _Finding:
    c_start, c_end = _clause_bounds(text, start)
    before = text[c_start:start]
    after = text[end:c_end]

    if any(neg in before[-4:] for neg in _NEGATORS):
        return _Finding(cue, False, "否定")
    hypothetical = any(h in before for h in _HYPOTHETICAL) or any(t in after[:4] for t in _TOPIC_AFTER)
    if cue.kind != "utility" and hypothetical:
        return _Finding(cue, False, "隐患或假设，并非正在发生")

    time_word = _last_time_word(text, start)
    just_happened = after.startswith(("了", "着")) or "正在" in before
    # A utility outage "since last month, still now" (上个月停水至今) is still going on: only the
    # fire/medical/crime cues read "至今" as aftermath.
    if cue.kind != "utility" and any(a in after for a in _AFTERMATH):
        return _Finding(cue, False, "事后反映，并非正在发生")
    if time_word in _PAST and not (cue.kind == "utility" and "至今" in after):
        return _Finding(cue, False, f"“{time_word}”发生的事")

    present = time_word in _PRESENT or just_happened or urgent
    if cue.kind == "referral" and inquiry and not present:
        return _Finding(cue, False, "咨询类表述")
    if cue.weak and not present:
        return _Finding(cue, False, "未表明正在发生")
    return _Finding(cue, True, "")


def assess(text: str, urgency_hint: str | None = None) -> UrgencyAssessment:
    """Urgency and referral for a complaint.

    ``urgency_hint`` is the category's urgency (categories.yaml ``urgency_hint``). The result is the
    more urgent of the hint and what the text shows, except that the text never makes a matter
    ``complex``: that lengthens the deadline, which is a catalogue decision, not a guess.
    """
    normalized = normalize(text)
    inquiry = any(word in normalized for word in _INQUIRY)
    urgent = any(word in normalized for word in _URGENT)

    findings: list[_Finding] = []
    for m in _CUE_PATTERN.finditer(normalized):
        cue = _CUE_BY_WORD[m.group()]
        findings.append(_judge(normalized, m.start(), m.end(), cue, inquiry, urgent))
    active = [f.cue for f in findings if f.active]

    hint = urgency_hint if urgency_hint in URGENCIES else None
    referrals = tuple(
        r for r in _REFERRAL_PRIORITY if any(c.referral == r for c in active if c.kind == "referral")
    )
    if referrals or any(c.kind == "emergency" for c in active):
        text_urgency = "emergency"
    elif any(c.kind == "utility" for c in active):
        text_urgency = "utility"
    else:
        text_urgency = None

    candidates = [u for u in (hint, text_urgency) if u is not None]
    urgency = min(candidates, key=_URGENCY_ORDER.__getitem__) if candidates else "normal"

    reasons: list[str] = []
    if referrals:
        words = "、".join(dict.fromkeys(c.word for c in active if c.kind == "referral"))
        reasons.append(f"文本提到“{words}”，疑似正在发生，应转{_SERVICE_NAMES[referrals[0]]}")
    elif text_urgency is not None:
        words = "、".join(dict.fromkeys(c.word for c in active))
        reasons.append(f"文本提到“{words}”，按{_URGENCY_NAMES[text_urgency]}事项处理")
    ignored = [f for f in findings if not f.active and f.cue.kind != "utility"]
    if ignored:
        reasons.append(
            "；".join(
                f"“{f.cue.word}”不计（{f.why}）" for f in dict((f.cue.word, f) for f in ignored).values()
            )
        )
    if hint is not None and urgency == hint and hint != text_urgency:
        reasons.append(f"按类别时限等级：{_URGENCY_NAMES[hint]}")
    if urgency_hint is not None and hint is None:
        reasons.append(f"未知的时限等级“{urgency_hint}”已忽略")
    if not reasons:
        reasons.append("未发现紧急情况，按一般事项处理")

    return UrgencyAssessment(
        urgency=urgency,
        referral=referrals[0] if referrals else None,
        reason="；".join(reasons),
        cues=tuple(dict.fromkeys(c.word for c in active)),
        referrals=referrals,
    )

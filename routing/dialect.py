"""Cantonese written as spoken (佢喺度跌咗落嚟，而家唔郁): its function words in Mandarin, for the urgency rules.

The rules read Mandarin cue words and time words (现在, 还在, 掉下来, 没事); a caller from the south who types
as she speaks writes 而家, 仲喺度, 跌落嚟, 冇事. Session 22's blind set of such callers lost 13 of 100 live
calls. Only a text with at least two of the dialect's own characters is rewritten: 系, 行 and 企 are
Mandarin words too, and a Mandarin text keeps every character.
"""

from __future__ import annotations

import re

# Characters written only in Cantonese: two of them mark a text as Cantonese.
_MARKERS = re.compile("[喺咗佢唔冇嘅啲嚟嗰仲睇嘢噉咁啱嗌匿郁晒]|而家")
# Longest first; each a whole Cantonese word and its Mandarin.
_WORDS = {
    "唔该": "麻烦", "起唔到身": "起不来", "讲唔到": "说不出", "讲唔出": "说不出", "乜嘢": "什么", "点算": "怎么办",
    "而家": "现在", "啱啱": "刚刚", "啱先": "刚才", "喺度": "在", "佢哋": "他们", "呢度": "这里", "嗰度": "那里",
    "跌落嚟": "掉下来", "跌落去": "掉下去", "跌咗": "摔了", "跌落": "掉下", "细路": "小孩", "嗌交": "吵架",
    "好似": "好像", "冇事": "没事", "企喺": "站在", "擦咗": "剐了", "碰咗": "撞了", "翻咗": "翻了",
    # time and the end of a story: last night, this morning, put out, mended, only then learnt
    "琴晚": "昨晚", "琴日": "昨天", "寻日": "昨天", "今朝": "今早", "救熄": "扑灭", "熄咗": "灭了",
    "整好": "修好", "先知": "才知道", "行近": "走近", "好彩": "幸好", "屋企": "家", "边个": "谁", "揾": "找",
    "俾": "被", "瞓": "睡",
    "喺": "在", "咗": "了", "佢": "他", "唔": "不", "冇": "没", "嘅": "的", "啲": "些", "嚟": "来", "嗰": "那",
    "仲": "还", "睇": "看", "嘢": "东西", "系": "是", "食": "吃", "斩": "砍", "匿": "躲",
}
_WORD = re.compile("|".join(sorted(map(re.escape, _WORDS), key=len, reverse=True)))


def to_mandarin(text: str) -> str:
    """``text`` with Cantonese function words in Mandarin when it is written in Cantonese, else unchanged."""
    if len(_MARKERS.findall(text)) < 2:
        return text
    return _WORD.sub(lambda m: _WORDS[m.group()], text)

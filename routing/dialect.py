"""Cantonese and Wu written as spoken: their function words in Mandarin, for the urgency rules.

The rules read Mandarin cue words and time words (现在, 还在, 掉下来, 没事); a caller from the south who types
as she speaks writes 而家, 仲喺度, 跌落嚟, 冇事 (Cantonese) or 一直勿动, 伊勒海打人, 没事体 (Shanghai, Suzhou,
Ningbo). Session 22's blind set of Cantonese-speaking callers lost 13 of 100 live calls. Only a text with at
least two of a dialect's own marks is rewritten: 系, 行 and 企 are Mandarin words too, and a Mandarin text keeps
every character.
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
# Wu (Shanghainese and its neighbours): 勿 and 伊 are classical Mandarin too (伊人, 勿忘), hence two marks, and
# the notice's 请勿 (请勿吸烟，请勿停车) is none.
_WU_MARKERS = re.compile("[侬伐搿覅]|阿拉|伊拉|辰光|交关|事体|勒海|辣海|哪能|啥人|(?<!请)勿(?!忘)")
_WU_WORDS = {
    "没事体": "没事", "事体": "事情", "阿拉": "我们", "伊拉": "他们", "侬": "你", "伊": "他", "勿要": "不要", "覅": "不要",
    "勿": "不", "弗": "不", "搿个": "这个", "搿": "这", "啥人": "谁", "辰光": "时候", "交关": "很", "晓得伐": "知道吗",
    "晓得": "知道", "勒海": "在", "辣海": "在", "勒浪": "在", "哪能办": "怎么办", "哪能": "怎么", "一歇": "一会儿",
    "物事": "东西", "小囡": "小孩", "囡囡": "孩子", "掼倒": "摔倒", "掼了一跤": "摔了一跤", "跑脱": "跑了", "逃脱": "逃了",
    "老早": "早就", "今朝": "今早", "昨日": "昨天",
}


def _rewriter(words: dict[str, str]):
    pattern = re.compile("|".join(sorted(map(re.escape, words), key=len, reverse=True)))
    return lambda text: pattern.sub(lambda m: words[m.group()], text)


_DIALECTS = ((_MARKERS, _rewriter(_WORDS)), (_WU_MARKERS, _rewriter(_WU_WORDS)))


def to_mandarin(text: str) -> str:
    """``text`` with Cantonese or Wu function words in Mandarin when it is written in that dialect, else
    unchanged."""
    for markers, rewrite in _DIALECTS:
        if len(markers.findall(text)) >= 2:
            text = rewrite(text)
    return text

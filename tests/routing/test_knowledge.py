"""Knowledge-base search (routing.knowledge)."""

from __future__ import annotations

import logging

import jieba
import pytest

from routing.knowledge import KnowledgeIndex

ARTICLES = [
    {
        "code": "KB-HEAT",
        "category": "UTL-HEATING",
        "question": "北京的供暖季是从什么时候开始的？",
        "answer": "本市法定供暖期为每年11月15日至次年3月15日。",
        "keywords": ["供暖", "暖气", "供暖季", "几号供暖"],
    },
    {
        "code": "KB-HEAT-FEE",
        "category": "UTL-HEATING",
        "question": "暖气费在哪里交？",
        "answer": "可在供热单位营业厅或网上缴纳。",
        "keywords": ["暖气费", "采暖费", "供暖费"],
    },
    {
        "code": "KB-IDCARD",
        "category": "HUK-ID",
        "question": "身份证丢了怎么补办？",
        "answer": "携带户口簿到派出所或通过网上办理补领。",
        "keywords": ["身份证", "补办身份证", "身份证丢失"],
    },
    {
        "code": "KB-RABIES",
        "category": "HEA-VACCINE",
        "question": "被狗咬了去哪里打狂犬疫苗？",
        "answer": "到就近的狂犬病暴露处置门诊。",
        "keywords": ["狂犬疫苗", "被狗咬", "被猫抓"],
    },
]


@pytest.fixture(scope="module")
def index():
    return KnowledgeIndex(ARTICLES)


def test_search__finds_the_article_asked_about(index):
    hits = index.search("请问今年几号开始供暖？")
    assert hits[0].code == "KB-HEAT"
    assert hits[0].answer.startswith("本市法定供暖期")


def test_search__returns_at_most_k_hits_best_first(index):
    hits = index.search("暖气费和供暖时间", k=2)
    assert len(hits) == 2
    assert hits[0].score >= hits[1].score
    assert {h.code for h in hits} == {"KB-HEAT", "KB-HEAT-FEE"}


def test_search__scores_are_between_zero_and_one(index):
    for text in ("身份证丢了怎么办", "暖气", "被狗咬了怎么办，要打狂犬疫苗吗，身份证也丢了"):
        assert all(0 < h.score <= 1 for h in index.search(text, k=4))


def test_search__keyword_match_boosts_the_article(index):
    plain = KnowledgeIndex(ARTICLES, keyword_boost=0.0).search("被狗咬了")[0].score
    boosted = index.search("被狗咬了")[0].score
    assert boosted > plain


def test_keyword_hits__longest_first_and_each_stretch_of_text_counted_once():
    keywords = ["几号供暖", "供暖季", "供暖", "暖气"]
    assert KnowledgeIndex._keyword_hits("几号供暖", keywords) == 1  # not also 供暖 inside it
    assert KnowledgeIndex._keyword_hits("几号供暖？供暖季的暖气", keywords) == 3  # 供暖 only inside the other two
    assert KnowledgeIndex._keyword_hits("供暖，供暖", ["供暖"]) == 1  # a keyword counts once
    assert KnowledgeIndex._keyword_hits("供暖季供暖", ["供暖季", "季供", "供暖"]) == 2  # 季供 overlaps 供暖季


def test_search__words_no_article_contains_change_no_score(index):
    asked = index.search("请问今年几号开始供暖？", k=4)
    padded = index.search("请问今年几号开始供暖？" + "楼下饭店油烟太大，每天晚上熏得没法开窗。" * 20, k=4)
    assert [(h.code, h.score) for h in padded] == [(h.code, h.score) for h in asked]


def test_query__is_the_texts_words_that_articles_contain_in_order(index):
    # Only the blocks holding an article word are cut: the words are those of cutting the whole text.
    texts = ["请问今年几号开始供暖？", "暖气费在哪里交，身份证丢了怎么补办?被狗咬了!",
             "楼下饭店油烟太大，每天晚上熏得没法开窗。" * 3 + "暖气不热，供暖季什么时候开始",
             "ＡＢＣ供暖123暖气费 身份证\n补办", "供暖供暖，供暖", "", "。。。"]
    for text in texts:
        assert index._query(text) == [w for w in index._tokens(text) if w in index._bm25.idf], text


def test_query__blocks_are_those_jieba_cuts_one_by_one():
    from routing.knowledge import _BLOCK

    assert all(bool(_BLOCK.fullmatch(chr(c))) == bool(jieba.re_han_default.fullmatch(chr(c)))
               for c in range(0x10000))


def test_search__unrelated_text_finds_nothing(index):
    assert index.search("楼下饭店油烟太大，每天晚上熏得没法开窗") == []


def test_search__empty_text_or_empty_index_finds_nothing(index):
    assert index.search("") == []
    assert index.search("   ") == []
    assert KnowledgeIndex([]).search("身份证") == []
    assert KnowledgeIndex([]).best_answer("身份证") is None


def test_best_answer__confident_match(index):
    hit = index.best_answer("身份证丢了怎么补办")
    assert hit is not None and hit.code == "KB-IDCARD"


def test_best_answer__unrelated_complaint_gets_none(index):
    assert index.best_answer("楼下饭店油烟太大，每天晚上熏得没法开窗") is None
    assert index.best_answer("小区门口井盖丢了，很危险") is None


def test_best_answer__weak_match_gets_none(index):
    # A complaint that merely mentions heating is not the question "when does heating start".
    assert index.search("家里暖气不热，室温只有十五度")[0].code == "KB-HEAT"
    assert index.best_answer("家里暖气不热，室温只有十五度") is None


def test_best_answer__min_score_is_the_callers_choice(index):
    text = "暖气什么时候来"
    score = index.search(text)[0].score
    assert index.best_answer(text, min_score=score) is not None
    assert index.best_answer(text, min_score=score + 0.01) is None


def test_best_answer__two_matters_equally_likely_gets_none():
    articles = [
        {"code": "A", "category": "X", "question": "停车证怎么办理？", "keywords": ["停车证"]},
        {"code": "B", "category": "Y", "question": "停车证怎么办理？", "keywords": ["停车证"]},
    ]
    assert KnowledgeIndex(articles).best_answer("停车证怎么办理") is None


def test_index__uses_its_own_tokenizer_and_leaves_global_jieba_alone():
    before = len(jieba.dt.FREQ) if jieba.dt.initialized else None
    KnowledgeIndex([{"code": "Z", "question": "问题", "keywords": ["独一无二的测试关键词"]}])
    assert "独一无二的测试关键词" not in (jieba.dt.FREQ if jieba.dt.initialized else {})
    if before is not None:
        assert len(jieba.dt.FREQ) == before


def test_index__does_not_log_jieba_start_up(caplog):
    with caplog.at_level(logging.DEBUG, logger="jieba"):
        KnowledgeIndex(ARTICLES[:1])
    assert not [r for r in caplog.records if r.name == "jieba"]


# --- against the demo city --------------------------------------------------------------------------

DEMO_INQUIRIES = [
    ("请问今年几号开始供暖？", "KB-HEATING-SEASON"),
    ("暖气费去哪交", "KB-HEATING-FEE"),
    ("身份证丢了怎么办", "KB-HUK-IDCARD"),
    ("公积金租房能取吗", "KB-FUND-WITHDRAW-RENT"),
    ("驾照到期了怎么换证", "KB-VIOLATION-LICENSE"),
    ("新生儿上户口需要什么材料", "KB-HUKOU-NEWBORN"),
    ("低保怎么申请", "KB-RELIEF-DIBAO"),
]


@pytest.mark.parametrize(("text", "code"), DEMO_INQUIRIES)
def test_demo_knowledge__common_inquiries_get_their_answer(demo_knowledge, text, code):
    hit = demo_knowledge.best_answer(text)
    assert hit is not None and hit.code == code, demo_knowledge.search(text)


@pytest.mark.parametrize(
    "text",
    [
        "楼下饭店油烟太大，每天晚上熏得没法开窗",
        "夜里工地施工噪音扰民",
        "我要投诉公交车司机态度差",
        "小区门口井盖丢了很危险",
        "道路两侧路灯不亮",
    ],
)
def test_demo_knowledge__unrelated_complaints_get_no_answer(demo_knowledge, text):
    assert demo_knowledge.best_answer(text) is None

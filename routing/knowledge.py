"""Knowledge-base search for inquiries answered at intake (直接答复).

Articles (knowledge.yaml ``articles``) are indexed by their question and keywords — not by their
answer: answers are long and full of generic administrative words (办理, 街道, 网上, 材料) that
would match almost any text. Text is cut with a jieba Tokenizer of its own (never the global one),
shared through classifier.tokenizer, that knows every article keyword as a word.

Scores are in 0–1 so that one threshold works for any knowledge base:

    score = min(1, coverage + keyword_boost × keyword hits)

- coverage: the BM25 score of the text for the article divided by the BM25 score of the article's
  own question for it — how much of what the article asks the text mentions, weighted by rarity;
- keyword hits: article keywords found verbatim in the text (longest first, without overlaps).

``best_answer`` additionally requires a margin over the runner-up from another category, so that a
text that fits two different matters equally is left to the agent.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from classifier.tokenizer import shared_segmenter
from routing.text import normalize, word_list

# Function words and the words every inquiry is phrased with; they say nothing about the matter.
_STOPWORDS = frozenset(
    word_list(
        """的 了 吗 呢 吧 啊 么 呀 是 在 有 和 与 或 及 就 都 也 还 又 把 被 给 让 我 我们 你 您 他 她 它 他们
        这 那 这个 那个 哪 哪里 哪儿 哪个 什么 怎么 怎么办 怎样 如何 为什么 多少 几 能 能不能 可以 可不可以
        要 需要 想 请问 问 问一下 咨询 一下 现在 时候 一个 个 去 到 从 办 自己 家 家里 北京 本市"""
    )
)
_TOKEN = re.compile(r"[\w]+")
# How jieba splits a text into the blocks it cuts one by one (jieba.re_han_default, with HMM, not cut_all).
_BLOCK = re.compile(r"([\u4E00-\u9FD5a-zA-Z0-9+#&\._%\-]+)")


def _bm25_okapi() -> type:
    """rank-bm25's BM25Okapi, imported when the first index is built: rank-bm25 loads NumPy, which the
    processes that never search the knowledge base (the CLI, the cron process) need not carry."""
    from rank_bm25 import BM25Okapi

    return BM25Okapi


@dataclass(frozen=True)
class KnowledgeHit:
    code: str
    question: str
    answer: str
    score: float  # 0–1, see the module docstring
    category: str | None = None


class KnowledgeIndex:
    """BM25 over the articles' questions and keywords, with a keyword boost."""

    def __init__(
        self,
        articles: Iterable[Mapping],
        keyword_boost: float = 0.25,
        min_margin: float = 0.1,
    ):
        self.articles = [dict(a) for a in articles]
        self.keyword_boost = keyword_boost
        self.min_margin = min_margin
        self._keywords = [
            sorted({normalize(k) for k in a.get("keywords") or [] if k}, key=len, reverse=True)
            for a in self.articles
        ]
        # jieba's dictionary plus every keyword, shared with any index of the same keywords (the city
        # index is rebuilt every minute; the keywords seldom change).
        self._tokenizer = shared_segmenter({k for kws in self._keywords for k in kws})
        questions = [self._tokens(a.get("question", "")) for a in self.articles]
        documents = [q + kws for q, kws in zip(questions, self._keywords, strict=True)]
        self._bm25 = _bm25_okapi()(documents) if documents else None
        # What each article's own question scores: the denominator of "coverage". (Not question +
        # keywords: a short inquiry never names all six keywords, and those are boosted anyway.)
        self._self_scores = [
            max(self._bm25.get_batch_scores(q, [i])[0], 1e-9) if self._bm25 and q else 1.0
            for i, q in enumerate(questions)
        ]
        # Any word of the articles, found verbatim: a stretch of text without one yields no query word.
        vocabulary = sorted(self._bm25.idf, key=len, reverse=True) if self._bm25 else []
        self._vocabulary = re.compile("|".join(map(re.escape, vocabulary))) if vocabulary else None

    def _tokens(self, text: str) -> list[str]:
        return self._words(self._tokenizer.lcut_for_search(normalize(text)))

    @staticmethod
    def _words(tokens: list[str]) -> list[str]:
        # Single characters (交, 打, 上) match everything in a small knowledge base: words only.
        return [t for t in tokens if len(t) > 1 and _TOKEN.fullmatch(t) and t not in _STOPWORDS]

    def _query(self, text: str) -> list[str]:
        """The text's words that some article contains, in order: `_tokens(text)` less the others.

        jieba cuts a text block by block (runs of Han characters, letters and digits between
        punctuation), each on its own, and every word it yields is part of its block: a block where no
        article word occurs verbatim yields no query word. Only the others are cut — a long complaint
        has a handful of them (cutting all of a 400-character text took ≈ 1.5 ms)."""
        if self._vocabulary is None:
            return []
        blocks = [block for block in _BLOCK.split(normalize(text)) if self._vocabulary.search(block)]
        tokens = [token for block in blocks for token in self._tokenizer.lcut_for_search(block)]
        return [word for word in self._words(tokens) if word in self._bm25.idf]

    @staticmethod
    def _keyword_hits(text: str, keywords: list[str]) -> int:
        taken: list[tuple[int, int]] = []  # spans already counted; a few at most, unlike the text's length
        for keyword in keywords:  # longest first: "几号供暖" is one hit, not also "供暖"
            start = text.find(keyword)
            while start != -1:
                end = start + len(keyword)
                if not any(start < other_end and other_start < end for other_start, other_end in taken):
                    taken.append((start, end))
                    break
                start = text.find(keyword, start + 1)
        return len(taken)

    def search(self, text: str, k: int = 3) -> list[KnowledgeHit]:
        """The ``k`` best articles for the text, best first (articles scoring 0 are left out)."""
        if not self.articles or not text or not text.strip():
            return []
        # Words no article contains add exactly 0 to every score (rank-bm25 loops over every article for
        # each query word, in Python): left out, a long complaint costs a handful of words, not hundreds.
        query = self._query(text)
        normalized = normalize(text)
        bm25 = self._bm25.get_scores(query) if query else [0.0] * len(self.articles)
        hits = []
        for i, article in enumerate(self.articles):
            coverage = min(1.0, max(0.0, float(bm25[i])) / self._self_scores[i])
            keyword_hits = self._keyword_hits(normalized, self._keywords[i])
            score = min(1.0, coverage + self.keyword_boost * keyword_hits)
            if score > 0:
                hits.append(
                    KnowledgeHit(
                        code=article["code"],
                        question=article.get("question", ""),
                        answer=article.get("answer", ""),
                        score=round(score, 4),
                        category=article.get("category"),
                    )
                )
        hits.sort(key=lambda h: (-h.score, h.code))
        return hits[:k]

    def best_answer(self, text: str, min_score: float = 0.5) -> KnowledgeHit | None:
        """The one confident answer for an inquiry, or None.

        Confident: score ≥ ``min_score`` and ahead of the best article of another category by at
        least ``min_margin`` (two articles of one category may both fit; that is still one matter).
        """
        hits = self.search(text, k=len(self.articles))
        if not hits or hits[0].score < min_score:
            return None
        best = hits[0]
        rival = next((h for h in hits[1:] if h.category != best.category or best.category is None), None)
        if rival is not None and best.score - rival.score < self.min_margin:
            return None
        return best

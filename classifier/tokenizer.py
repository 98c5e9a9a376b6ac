"""jieba word segmentation with the city's own vocabulary.

Each `Tokenizer` uses a `jieba.Tokenizer` instance of its own instead of the module-level one, so that
one city's user dictionary (street, district, unit and category names) never leaks into another
tokenizer in the same process (tests, a challenger trained beside the current model, ...).

Loading jieba's main dictionary takes about a second and ~100 MB, so it happens lazily, once per
process, and every tokenizer with user words starts from a copy of that base dictionary. Tokenizers
with the same configuration share one segmenter.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable
from types import ModuleType
from typing import TYPE_CHECKING

from classifier.stopwords import DEFAULT_STOPWORDS
from classifier.text import normalise

if TYPE_CHECKING:
    import jieba

# A token is kept when it holds at least one letter or digit (CJK ideographs are letters for \w).
_MEANINGFUL = re.compile(r"\w", re.UNICODE)
_DIGITS = re.compile(r"\d+")
_MAX_USER_WORD_CHARS = 30

_lock = threading.Lock()
_base: jieba.Tokenizer | None = None
# fingerprint of the user words -> jieba.Tokenizer; a few entries in practice (the current model, a
# challenger, the knowledge base).
_segmenters: OrderedDict[str, jieba.Tokenizer] = OrderedDict()
_MAX_SEGMENTERS = 8


def _jieba() -> ModuleType:
    """jieba, imported at the first segmentation rather than with this module: the processes that never
    cut a word (the CLI, the cron process, the job supervisor) then never pay its import and memory."""
    import jieba

    # jieba logs "Building prefix dict ..." to stderr at initialisation; the CLI's --json output and the
    # app's logs have no use for it.
    jieba.setLogLevel(logging.WARNING)
    logging.getLogger("jieba").setLevel(logging.WARNING)
    return jieba


def _base_segmenter() -> jieba.Tokenizer:
    global _base
    if _base is None:
        base = _jieba().Tokenizer()
        base.initialize()
        _base = base
    return _base


def shared_segmenter(user_words: Iterable[str] = ()) -> jieba.Tokenizer:
    """A jieba tokenizer knowing jieba's dictionary plus `user_words` (taken as given), shared by every
    caller asking for the same words: the classifier's tokenizers and the knowledge-base index alike.

    Callers only cut with it; nobody may add words to it afterwards.
    """
    words = tuple(sorted(set(user_words)))
    fingerprint = hashlib.sha256("\n".join(words).encode()).hexdigest()[:16]
    with _lock:
        cached = _segmenters.get(fingerprint)
        if cached is not None:
            _segmenters.move_to_end(fingerprint)
            return cached
        base = _base_segmenter()
        if not words:
            segmenter = base
        else:
            # Copying the base dictionary (~20 ms) instead of re-reading it from disk (~1 s). This relies
            # on jieba 0.42's attributes FREQ/total/initialized, pinned in requirements.txt.
            segmenter = _jieba().Tokenizer()
            segmenter.FREQ = dict(base.FREQ)
            segmenter.total = base.total
            segmenter.initialized = True
            for word in words:
                segmenter.add_word(word)
        _segmenters[fingerprint] = segmenter
        while len(_segmenters) > _MAX_SEGMENTERS:
            _segmenters.popitem(last=False)
        return segmenter


def clean_user_words(words: Iterable[str]) -> tuple[str, ...]:
    """Normalised, de-duplicated, sorted user words; blanks, one-character and overlong entries dropped."""
    cleaned = set()
    for word in words:
        word = normalise(word).replace(" ", "")
        if 2 <= len(word) <= _MAX_USER_WORD_CHARS:
            cleaned.add(word)
    return tuple(sorted(cleaned))


class Tokenizer:
    """Segments normalised text into words, dropping punctuation and stop words.

    `user_words` are added to this tokenizer's own jieba dictionary so that names such as 望京街道 or
    市住房和城乡建设委员会 come out whole. `stopwords=None` means the default stop list; pass an empty
    iterable to keep every word. Digit runs become "0": house numbers and dates are noise for the category.
    """

    def __init__(
        self, user_words: Iterable[str] = (), stopwords: Iterable[str] | None = None, hmm: bool = True
    ):
        self.user_words = clean_user_words(user_words)
        self.stopwords = frozenset(
            DEFAULT_STOPWORDS if stopwords is None else (normalise(w) for w in stopwords)
        )
        self.hmm = bool(hmm)
        digest = hashlib.sha256()
        digest.update("\n".join(self.user_words).encode())
        digest.update(b"\0" + str(self.hmm).encode())
        self.fingerprint = digest.hexdigest()[:16]
        self._segmenter: jieba.Tokenizer | None = None

    @property
    def segmenter(self) -> jieba.Tokenizer:
        if self._segmenter is None:
            self._segmenter = shared_segmenter(self.user_words)
        return self._segmenter

    def cut(self, text: str, normalised: bool = False) -> list[str]:
        """Words of `text`; `normalised=True` when the caller already ran text.normalise on it."""
        if not normalised:
            text = normalise(text)
        if not text:
            return []
        words = []
        for word in self.segmenter.cut(text, HMM=self.hmm):
            if not _MEANINGFUL.search(word) or word in self.stopwords:
                continue
            words.append(_DIGITS.sub("0", word))
        return words

    # Only the configuration is persisted: the jieba dictionary is rebuilt (or shared) after loading.
    def __getstate__(self) -> dict:
        return {"user_words": list(self.user_words), "stopwords": sorted(self.stopwords), "hmm": self.hmm}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["user_words"], state["stopwords"], state["hmm"])

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Tokenizer)
            and self.fingerprint == other.fingerprint
            and self.stopwords == other.stopwords
        )

    def __hash__(self) -> int:
        return hash(self.fingerprint)

    def __repr__(self) -> str:
        return (
            f"Tokenizer(user_words={len(self.user_words)}, stopwords={len(self.stopwords)}, hmm={self.hmm})"
        )

"""Features for short Chinese complaints: TF-IDF over jieba words and over characters.

Three blocks, each L2-normalised, side by side:

* words: jieba 1–2-grams of the title (repeated) and the opening of the body — whole names and terms
  (物业费, 公积金, the city's street and unit names from the user dictionary);
* characters: 1–3-grams of the title (repeated) and the body — robust to segmentation errors, typos
  and words jieba does not know;
* title characters: 1–3-grams of the title alone, sublinear — the title is a one-line summary written
  by the citizen or the agent and carries much of the signal, so it gets a feature space of its own.

Measured on the 493 gold messages (docs/classifier.md): raw term counts beat sublinear tf on the long
blocks; the separate title block adds about 4 points of macro-F1; words over the whole body add nothing
measurable beside characters but would cost most of the prediction time (jieba runs at ~2 µs a
character here), so the word block reads the title and only the body's first `word_body_chars`.

The vectorizers are written out here instead of using scikit-learn's TfidfVectorizer. They compute the
same numbers (tests hold them equal) but:

* a character n-gram (n <= 3) is packed into one integer — its code points (+1) side by side, 21 bits
  each — so n-grams of a whole batch are made, counted and looked up by numpy, not a Python loop per
  n-gram (scikit-learn's loop was most of a single prediction's time);
* the fitted vocabularies are arrays (sorted n-gram codes; UTF-8 bytes for words), which skops saves
  compactly, where a dict would become one JSON node per term in the model file.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from itertools import chain, repeat
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp

from classifier.text import title_and_body
from classifier.tokenizer import Tokenizer

Doc = tuple[str, str]  # (title, body)

_CODE_BITS = 21  # Unicode code points are < 0x110000 < 2**21
_CODE_MASK = (1 << _CODE_BITS) - 1
_MAX_CHAR_N = 3  # three 21-bit codes fill 63 bits of an int64
_WORD_SEPARATOR = "\n"  # cannot occur inside a word n-gram: normalised text holds no line breaks


def as_docs(
    titles: Iterable[str | None], bodies: Iterable[str | None], max_body_chars: int | None = None
) -> list[Doc]:
    """Normalised (title, body) pairs; an untitled message gets its text as title.

    With `max_body_chars`, a body is cut before normalisation too (with room to spare, since collapsing
    whitespace shortens it): normalising a 7,000-character body only to keep 500 would waste time.
    """
    if max_body_chars is None:
        return [title_and_body(t, b) for t, b in zip(titles, bodies, strict=True)]
    raw_limit = 2 * max_body_chars + 64
    docs = []
    for title, body in zip(titles, bodies, strict=True):
        title, body = title_and_body(title, body[:raw_limit] if body else body)
        docs.append((title, body[:max_body_chars]))
    return docs


def _idf(df: np.ndarray, n_docs: int) -> np.ndarray:
    # Smoothed IDF, as scikit-learn's default: ln((1 + n) / (1 + df)) + 1; float32 is plenty and halves
    # its share of the model file.
    return (np.log((1.0 + n_docs) / (1.0 + np.asarray(df, dtype=np.float64))) + 1.0).astype(np.float32)


def smallest_min_df(frequencies: Sequence[np.ndarray], min_df: int, max_terms: int | None) -> int:
    """The smallest document-frequency cut-off >= `min_df` that keeps at most `max_terms` terms in all.

    Rare n-grams go first, a whole frequency tier at a time, so the vocabulary never depends on how
    ties happen to be ordered. This is what bounds the model's size on large training sets.
    """
    if max_terms is None:
        return min_df
    all_df = (
        np.concatenate([np.asarray(f) for f in frequencies]) if frequencies else np.zeros(0, dtype=np.int64)
    )
    cutoff = min_df
    while (all_df >= cutoff).sum() > max_terms:
        cutoff += 1
    return cutoff


def _tfidf_csr(
    rows: np.ndarray, columns: np.ndarray, counts: np.ndarray, idf: np.ndarray, n_docs: int, sublinear: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(rows, columns, values) of L2-normalised TF-IDF from term counts."""
    values = counts.astype(np.float64)
    if sublinear:
        values = np.log(values) + 1.0
    values *= idf[columns]
    norms = np.sqrt(np.bincount(rows, weights=values * values, minlength=n_docs))
    if len(values):
        values /= norms[rows]  # a row without any known term has no entries to divide
    return rows, columns, values


def char_ngram_codes(texts: Sequence[str], low: int, high: int) -> tuple[np.ndarray, np.ndarray]:
    """(document index, n-gram code) of every character n-gram, low <= n <= high, of every text.

    Codes are unique across n: each code point is stored +1, so no n-gram code can equal a shorter one.
    """
    if not 1 <= low <= high <= _MAX_CHAR_N:
        raise ValueError(f"字符 n-gram 的范围应在 1..{_MAX_CHAR_N} 之内，而不是 {low}..{high}")
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    codes = (
        np.frombuffer("".join(texts).encode("utf-32-le", "surrogatepass"), dtype="<u4").astype(np.int64) + 1
    )
    doc = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)
    docs_out, codes_out = [], []
    gram = codes
    for n in range(1, high + 1):
        if n > 1:
            if len(gram) <= 1:
                break
            gram = (gram[:-1] << _CODE_BITS) | codes[n - 1 :]
        if n >= low:
            # an n-gram must not run from one text into the next
            inside = doc[: len(gram)] == doc[n - 1 :]
            docs_out.append(doc[: len(gram)][inside])
            codes_out.append(gram[inside])
    if not codes_out:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(docs_out), np.concatenate(codes_out)


def decode_char_ngram(code: int) -> str:
    """The characters of an n-gram code (for explaining a model's features)."""
    chars = []
    code = int(code)
    while code:
        chars.append(chr((code & _CODE_MASK) - 1))
        code >>= _CODE_BITS
    return "".join(reversed(chars))


class TermCounts(NamedTuple):
    """What one pass over the training texts yields: the distinct terms with their document frequency,
    and the (text, term, count) triples from which the training matrix is built without a second pass."""

    terms: np.ndarray  # sorted
    df: np.ndarray
    rows: np.ndarray
    term_index: np.ndarray  # into terms
    counts: np.ndarray

    def entries(self, keep: np.ndarray, idf: np.ndarray, n_docs: int, sublinear: bool):
        """TF-IDF (row, column, value) of the kept terms, columns numbered among the kept ones."""
        column_of = np.where(keep, np.cumsum(keep) - 1, -1)
        columns = column_of[self.term_index]
        known = columns >= 0
        return _tfidf_csr(self.rows[known], columns[known], self.counts[known], idf, n_docs, sublinear)


class CharBlock:
    """TF-IDF over character n-grams, vocabulary kept as a sorted array of n-gram codes."""

    def __init__(self, ngrams: tuple[int, int] = (1, 3), sublinear: bool = False):
        self.ngrams = (int(ngrams[0]), int(ngrams[1]))
        self.sublinear = bool(sublinear)
        self.codes_ = np.zeros(0, dtype=np.int64)
        self.idf_ = np.zeros(0, dtype=np.float64)

    @property
    def n_features(self) -> int:
        return len(self.codes_)

    def count_terms(self, texts: Sequence[str]) -> TermCounts:
        doc, code = char_ngram_codes(texts, *self.ngrams)
        distinct, index = np.unique(code, return_inverse=True)
        n_distinct = max(len(distinct), 1)
        pairs, counts = np.unique(doc * n_distinct + index, return_counts=True)  # (text, n-gram) pairs
        term_index = pairs % n_distinct
        return TermCounts(
            distinct,
            np.bincount(term_index, minlength=len(distinct)),
            pairs // n_distinct,
            term_index,
            counts,
        )

    def set_vocabulary(self, codes: np.ndarray, df: np.ndarray, n_docs: int) -> None:
        self.codes_ = np.asarray(codes, dtype=np.int64)
        self.idf_ = _idf(df, n_docs)

    def fit(self, texts: Sequence[str], min_df: int = 1) -> CharBlock:
        counts = self.count_terms(texts)
        keep = counts.df >= min_df
        self.set_vocabulary(counts.terms[keep], counts.df[keep], len(texts))
        return self

    def entries(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        doc, code = char_ngram_codes(texts, *self.ngrams)
        n_terms = len(self.codes_)
        if n_terms == 0 or len(code) == 0:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, np.zeros(0)
        # Look up each distinct n-gram once (sorted look-ups are also kinder to the cache).
        distinct, inverse = np.unique(code, return_inverse=True)
        distinct_column = np.searchsorted(self.codes_, distinct)
        distinct_known = self.codes_[np.minimum(distinct_column, n_terms - 1)] == distinct
        column, known = distinct_column[inverse], distinct_known[inverse]
        pairs, counts = np.unique(doc[known] * n_terms + column[known], return_counts=True)
        return _tfidf_csr(pairs // n_terms, pairs % n_terms, counts, self.idf_, len(texts), self.sublinear)

    def terms(self) -> list[str]:
        return [decode_char_ngram(c) for c in self.codes_]


class WordBlock:
    """TF-IDF over word n-grams of already segmented texts (lists of tokens)."""

    def __init__(self, ngrams: tuple[int, int] = (1, 2), sublinear: bool = False):
        self.ngrams = (int(ngrams[0]), int(ngrams[1]))
        self.sublinear = bool(sublinear)
        self.vocabulary_: dict[str, int] = {}
        self.idf_ = np.zeros(0, dtype=np.float64)

    @property
    def n_features(self) -> int:
        return len(self.vocabulary_)

    def _counts(self, tokens: Sequence[str]) -> Counter:
        low, high = self.ngrams
        counts: Counter = Counter()
        for n in range(low, high + 1):
            if n == 1:
                counts.update(tokens)
            else:
                counts.update(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
        return counts

    def count_terms(self, docs: Sequence[Sequence[str]]) -> TermCounts:
        per_doc = [self._counts(tokens) for tokens in docs]
        df: Counter = Counter()
        for counts in per_doc:
            df.update(counts.keys())
        terms = sorted(df)
        index_of = {t: i for i, t in enumerate(terms)}
        lengths = np.fromiter(map(len, per_doc), dtype=np.int64, count=len(per_doc))
        total = int(lengths.sum())
        term_index = np.fromiter(
            map(index_of.__getitem__, chain.from_iterable(per_doc)), dtype=np.int64, count=total
        )
        counts = np.fromiter(chain.from_iterable(c.values() for c in per_doc), dtype=np.int64, count=total)
        rows = np.repeat(np.arange(len(per_doc), dtype=np.int64), lengths)
        frequencies = np.array([df[t] for t in terms], dtype=np.int64)
        return TermCounts(np.array(terms, dtype=object), frequencies, rows, term_index, counts)

    def set_vocabulary(self, terms: np.ndarray, df: np.ndarray, n_docs: int) -> None:
        self.vocabulary_ = {str(t): i for i, t in enumerate(terms)}
        self.idf_ = _idf(df, n_docs)

    def fit(self, docs: Sequence[Sequence[str]], min_df: int = 1) -> WordBlock:
        counts = self.count_terms(docs)
        keep = counts.df >= min_df
        self.set_vocabulary(counts.terms[keep], counts.df[keep], len(docs))
        return self

    def entries(self, docs: Sequence[Sequence[str]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        counts = [self._counts(tokens) for tokens in docs]
        lengths = np.fromiter(map(len, counts), dtype=np.int64, count=len(counts))
        total = int(lengths.sum())
        columns = np.fromiter(
            map(self.vocabulary_.get, chain.from_iterable(counts), repeat(-1)), dtype=np.int64, count=total
        )
        values = np.fromiter(chain.from_iterable(c.values() for c in counts), dtype=np.int64, count=total)
        rows = np.repeat(np.arange(len(counts), dtype=np.int64), lengths)
        known = columns >= 0
        return _tfidf_csr(rows[known], columns[known], values[known], self.idf_, len(docs), self.sublinear)

    def terms(self) -> list[str]:
        return sorted(self.vocabulary_, key=self.vocabulary_.__getitem__)

    # Saved as one UTF-8 byte array: a dict would become one JSON node per term in the skops file.
    def __getstate__(self) -> dict:
        terms = self.terms()
        return {
            "ngrams": list(self.ngrams),
            "sublinear": self.sublinear,
            "n_terms": len(terms),
            "terms_utf8": np.frombuffer(_WORD_SEPARATOR.join(terms).encode("utf-8"), dtype=np.uint8).copy(),
            "idf_": np.asarray(self.idf_, dtype=np.float32),
        }

    def __setstate__(self, state: dict) -> None:
        self.ngrams = (int(state["ngrams"][0]), int(state["ngrams"][1]))
        self.sublinear = bool(state["sublinear"])
        text = bytes(np.asarray(state["terms_utf8"], dtype=np.uint8)).decode("utf-8")
        terms = text.split(_WORD_SEPARATOR) if state["n_terms"] else []
        self.idf_ = np.asarray(state["idf_"], dtype=np.float32)
        if len(terms) != state["n_terms"] or len(terms) != len(self.idf_):
            raise ValueError("模型文件中的词表已损坏")
        self.vocabulary_ = {t: i for i, t in enumerate(terms)}


class TicketFeatures:
    """Turns (title, body) pairs into one sparse TF-IDF matrix (see module docstring).

    A plain class, not a scikit-learn estimator: the web process predicts with it (classifier.inference)
    and must not import scikit-learn for that.
    """

    def __init__(
        self,
        tokenizer: Tokenizer | None = None,
        title_repeat: int = 2,
        word_ngrams: tuple[int, int] = (1, 2),
        char_ngrams: tuple[int, int] = (1, 3),
        title_char_ngrams: tuple[int, int] = (1, 3),
        max_body_chars: int | None = 500,
        word_body_chars: int | None = 0,
        min_df: int = 1,
        max_terms: int | None = None,
    ):
        self.tokenizer = tokenizer
        self.title_repeat = title_repeat
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.title_char_ngrams = title_char_ngrams
        self.max_body_chars = max_body_chars
        self.word_body_chars = word_body_chars
        self.min_df = min_df
        self.max_terms = max_terms

    def views(self, docs: Sequence[Doc]) -> tuple[list[list[str]], list[str], list[str]]:
        """What the three blocks read: word tokens, the title-weighted text, the title."""
        tokenizer = self.tokenizer or Tokenizer()
        repeat_title = max(1, self.title_repeat)
        words, texts, titles = [], [], []
        for title, body in docs:
            # Long bodies add little after the first paragraphs but cost time at every prediction.
            if self.max_body_chars is not None:
                body = body[: self.max_body_chars]
            word_body = body if self.word_body_chars is None else body[: self.word_body_chars]
            tokens = tokenizer.cut(title, normalised=True) * repeat_title
            if word_body:
                tokens += tokenizer.cut(word_body, normalised=True)
            words.append(tokens)
            texts.append(" ".join([title] * repeat_title + [body]))
            titles.append(title)
        return words, texts, titles

    def fit(self, docs: Sequence[Doc], y=None) -> TicketFeatures:
        self.fit_transform(docs)
        return self

    def fit_transform(self, docs: Sequence[Doc], y=None) -> sp.csr_matrix:
        views = self.views(docs)
        blocks = (
            WordBlock(self.word_ngrams),
            CharBlock(self.char_ngrams),
            CharBlock(self.title_char_ngrams, sublinear=True),
        )
        counts = [block.count_terms(view) for block, view in zip(blocks, views, strict=True)]
        self.min_df_ = smallest_min_df([c.df for c in counts], self.min_df, self.max_terms)
        entries = []
        for block, block_counts in zip(blocks, counts, strict=True):
            keep = block_counts.df >= self.min_df_
            block.set_vocabulary(block_counts.terms[keep], block_counts.df[keep], len(docs))
            entries.append(block_counts.entries(keep, block.idf_, len(docs), block.sublinear))
        self.blocks_ = blocks
        return self._stack(len(docs), entries)

    def transform(self, docs: Sequence[Doc]) -> sp.csr_matrix:
        views = self.views(docs)
        return self._stack(
            len(docs), [block.entries(view) for block, view in zip(self.blocks_, views, strict=True)]
        )

    def _stack(self, n_docs: int, entries: list[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> sp.csr_matrix:
        """The blocks side by side, built directly as one CSR matrix."""
        rows, columns, values = [], [], []
        offset = 0
        for block, (r, c, v) in zip(self.blocks_, entries, strict=True):
            rows.append(r)
            columns.append(c + offset)
            values.append(v)
            offset += block.n_features
        row = np.concatenate(rows)
        order = np.argsort(row, kind="stable")
        indptr = np.zeros(n_docs + 1, dtype=np.int64)
        np.cumsum(np.bincount(row, minlength=n_docs), out=indptr[1:])
        return sp.csr_matrix(
            (np.concatenate(values)[order], np.concatenate(columns)[order], indptr), shape=(n_docs, offset)
        )

    @property
    def n_features(self) -> int:
        return sum(block.n_features for block in self.blocks_)

    def feature_names(self) -> list[str]:
        """Readable names, block-prefixed (w: words, c: characters, t: title characters)."""
        prefixes = ("w:", "c:", "t:")
        return [p + term for p, block in zip(prefixes, self.blocks_, strict=True) for term in block.terms()]

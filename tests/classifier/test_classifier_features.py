import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from classifier.features import (
    CharBlock,
    TicketFeatures,
    WordBlock,
    as_docs,
    char_ngram_codes,
    decode_char_ngram,
    smallest_min_df,
)
from classifier.tokenizer import Tokenizer

TEXTS = ["小区停水三天了", "楼下广场舞太吵 晚上十点还在跳", "", "a", "公交车不按时发车，公交车太挤"]


def _as_matrix(block, view, n_rows):
    rows, cols, vals = block.entries(view)
    return sp.csr_matrix((vals, (rows, cols)), shape=(n_rows, block.n_features))


@pytest.mark.parametrize(("ngrams", "sublinear"), [((1, 3), False), ((2, 3), True), ((1, 1), False)])
def test_char_block__equals_scikit_learn_tfidf(ngrams, sublinear):
    ours = CharBlock(ngrams, sublinear=sublinear).fit(TEXTS)
    reference = TfidfVectorizer(analyzer="char", ngram_range=ngrams, lowercase=False, sublinear_tf=sublinear)
    expected = reference.fit_transform(TEXTS)
    columns = [reference.vocabulary_[term] for term in ours.terms()]
    assert sorted(ours.terms()) == sorted(reference.vocabulary_)
    np.testing.assert_allclose(
        _as_matrix(ours, TEXTS, len(TEXTS)).toarray(), expected[:, columns].toarray(), atol=1e-6
    )


def test_word_block__equals_scikit_learn_tfidf():
    docs = [text.split() for text in ["小区 停水 三天", "停水 停电", "", "公交车 公交车 太挤"]]
    ours = WordBlock((1, 2)).fit(docs)
    reference = TfidfVectorizer(token_pattern=r"\S+", lowercase=False, ngram_range=(1, 2))
    expected = reference.fit_transform([" ".join(d) for d in docs])
    columns = [reference.vocabulary_[term] for term in ours.terms()]
    np.testing.assert_allclose(
        _as_matrix(ours, docs, len(docs)).toarray(), expected[:, columns].toarray(), atol=1e-6
    )


def test_char_ngram_codes__never_span_two_texts_and_decode_back():
    docs, codes = char_ngram_codes(["ab", "cd"], 1, 3)
    grams = sorted((int(d), decode_char_ngram(c)) for d, c in zip(docs, codes, strict=True))
    assert grams == [(0, "a"), (0, "ab"), (0, "b"), (1, "c"), (1, "cd"), (1, "d")]


def test_char_block__unknown_ngrams_give_an_empty_row():
    block = CharBlock((1, 2)).fit(["停水"])
    rows, _, _ = block.entries(["公交", "停水"])
    assert set(rows.tolist()) == {1}


def test_min_df_drops_rare_ngrams():
    texts = ["停水停水", "停电", "停水了"]
    assert set(CharBlock((1, 1)).fit(texts, min_df=2).terms()) == {"停", "水"}


def test_smallest_min_df__drops_whole_frequency_tiers_until_the_budget_fits():
    frequencies = [np.array([1, 1, 2, 3]), np.array([1, 2, 5])]
    assert smallest_min_df(frequencies, 1, None) == 1
    assert smallest_min_df(frequencies, 1, 7) == 1
    assert smallest_min_df(frequencies, 1, 4) == 2  # df >= 2 keeps 4 terms
    assert smallest_min_df(frequencies, 1, 3) == 3  # never half a tier: df >= 3 keeps 2


def test_ticket_features__a_term_budget_bounds_the_vocabulary(tiny_data):
    docs = as_docs(tiny_data.titles, tiny_data.bodies)
    unbounded = TicketFeatures(tokenizer=Tokenizer()).fit(docs)
    bounded = TicketFeatures(tokenizer=Tokenizer(), max_terms=unbounded.n_features // 3).fit(docs)
    assert bounded.n_features <= unbounded.n_features // 3
    assert bounded.min_df_ > 1


def test_ticket_features__title_gets_its_own_block_and_untitled_text_a_title():
    features = TicketFeatures(tokenizer=Tokenizer()).fit(as_docs(["停水"], ["小区从昨天开始停水"]))
    X = features.transform(as_docs(["停水", ""], ["", "停水了。小区从昨天开始"]))
    assert X.shape == (2, features.n_features)
    names = features.feature_names()
    title_columns = [i for i, name in enumerate(names) if name.startswith("t:")]
    assert (
        X[0, title_columns].sum() > 0 and X[1, title_columns].sum() > 0
    )  # the untitled message: its text became the title


def test_ticket_features__survive_pickling_with_the_same_output():
    import pickle

    docs = as_docs(["楼下广场舞太吵", "停水"], ["晚上十点还在跳", "三天了"])
    features = TicketFeatures(tokenizer=Tokenizer(user_words=["广场舞"])).fit(docs)
    restored = pickle.loads(pickle.dumps(features))
    assert (restored.transform(docs) != features.transform(docs)).nnz == 0


def test_ticket_features__fit_transform_equals_fit_then_transform(tiny_data):
    docs = as_docs(tiny_data.titles, tiny_data.bodies)
    features = TicketFeatures(tokenizer=Tokenizer())
    X = features.fit_transform(docs)
    assert abs(X - features.transform(docs)).max() < 1e-12

"""The urgency model's arrays form (routing.urgency_inference): the trained model's answers without
scikit-learn."""

from __future__ import annotations

import mmh3
import numpy as np
import pytest
from sklearn.feature_extraction.text import HashingVectorizer

from routing.text import normalize
from routing.urgency_inference import CompiledUrgencyModel, char_ngrams
from routing.urgency_model import DEFAULT_EXAMPLES, read_examples, train_urgency_model


@pytest.fixture(scope="module")
def texts() -> list[str]:
    """Real hotline texts: the first two labelled files whole and every tenth text of the others (each
    author's style, about 2,900 texts: every one of the 22,000 took a minute and a half), plus edge cases."""
    first, rest = read_examples(DEFAULT_EXAMPLES[:2]), read_examples(DEFAULT_EXAMPLES[2:])
    return [e.text for e in first + rest[::10]] + ["", "   ", "ABC  def\tGHI", "１２３４５６"]

@pytest.fixture(scope="module")
def model():
    return train_urgency_model()

def test_char_ngrams__hash_to_scikit_learns_columns(texts):
    vectorizer = HashingVectorizer(analyzer="char", ngram_range=(1, 3), n_features=2**16,
                                   alternate_sign=False, norm=None)

    for text in texts:
        text = normalize(text)
        assert char_ngrams(text, 1, 3) == vectorizer.build_analyzer()(text)
        expected = vectorizer.transform([text])
        counts = np.zeros(2**16)
        for gram in char_ngrams(text, 1, 3):
            counts[abs(mmh3.hash(gram.encode("utf-8"), 0, signed=True)) % 2**16] += 1
        np.testing.assert_array_equal(counts, expected.toarray()[0])

def test_compiled__same_live_probability_and_referral_as_the_trained_model(model, texts):
    compiled = CompiledUrgencyModel.from_model(model)
    referrals = 0
    for text in texts:
        p, referral = model.live(text)
        compiled_p, compiled_referral = compiled.live(text)
        assert abs(compiled_p - p) < 1e-9, text
        assert compiled_referral == referral, text
        referrals += referral is not None
    assert referrals > 50  # the referral model was exercised, not only its "none" answer
    np.testing.assert_allclose(compiled.live_probability(texts[:20]), model.live_probability(texts[:20]),
                               rtol=0, atol=1e-9)

def test_compiled__arrays_round_trip(model, texts):
    description, arrays = CompiledUrgencyModel.from_model(model).to_arrays()
    loaded = CompiledUrgencyModel.from_arrays(description, arrays)
    assert loaded.threshold == model.threshold
    assert [loaded.live(t) for t in texts[:60]] == [CompiledUrgencyModel.from_model(model).live(t) for t in texts[:60]]
    with pytest.raises(ValueError):
        CompiledUrgencyModel.from_arrays({**description, "n_features": 10}, arrays)

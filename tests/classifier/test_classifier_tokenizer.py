import pickle

import jieba

from classifier.tokenizer import Tokenizer, clean_user_words


def test_tokenizer__user_words_come_out_whole():
    text = "望京西园三区门口的垃圾没人清理"
    assert "望京西园" not in Tokenizer(stopwords=()).cut(text)
    assert "望京西园" in Tokenizer(user_words=["望京西园"], stopwords=()).cut(text)


def test_tokenizer__user_words_do_not_leak_into_jieba_or_other_tokenizers():
    word = "阜通东大街"
    with_words = Tokenizer(user_words=[word], stopwords=())
    assert word in with_words.cut(f"{word}路灯坏了")
    assert word not in Tokenizer(stopwords=()).cut(f"{word}路灯坏了")
    assert word not in jieba.lcut(f"{word}路灯坏了")  # the global jieba dictionary is untouched


def test_tokenizer__drops_stop_words_punctuation_and_masks_digits():
    words = Tokenizer().cut("我们小区的电梯，坏了3天了！！")
    assert "的" not in words and "我们" not in words
    assert not any(w in "，！" for w in words)
    assert "0" in words and "3" not in words
    assert "电梯" in words


def test_tokenizer__custom_stop_list_replaces_the_default():
    assert "的" in Tokenizer(stopwords=[]).cut("小区的电梯")
    assert "电梯" not in Tokenizer(stopwords=["电梯"]).cut("小区的电梯")


def test_tokenizer__normalises_full_width_and_case():
    assert Tokenizer(stopwords=()).cut("ＫＴＶ噪音") == Tokenizer(stopwords=()).cut("ktv噪音")


def test_tokenizer__empty_text_gives_no_words():
    assert Tokenizer().cut("") == []
    assert Tokenizer().cut("  ，。 ") == []


def test_tokenizer__same_configuration_shares_one_segmenter():
    a = Tokenizer(user_words=["望京SOHO"])
    b = Tokenizer(user_words=["望京soho", "望京SOHO"])  # normalised to the same dictionary
    assert a == b and a.segmenter is b.segmenter


def test_tokenizer__pickles_its_configuration_not_the_dictionary():
    tokenizer = Tokenizer(user_words=["望京西园"], stopwords=["电梯"])
    data = pickle.dumps(tokenizer)
    assert len(data) < 2000  # the ~350k-word jieba dictionary is not in there
    restored = pickle.loads(data)
    assert restored == tokenizer
    assert restored.cut("望京西园电梯坏了") == tokenizer.cut("望京西园电梯坏了")


def test_clean_user_words__drops_blanks_single_characters_and_duplicates():
    assert clean_user_words(["", "区", " 望京 ", "望京", "x" * 50]) == ("望京",)

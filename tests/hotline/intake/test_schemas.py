"""The intake body's text cleaning (hotline.intake.schemas.clean_text)."""

from __future__ import annotations

import pytest

from hotline.intake.schemas import clean_text


@pytest.mark.parametrize(("raw", "kept"), [
    ("  井盖丢了，请尽快处理！ ", "井盖丢了，请尽快处理！"),  # printable: only stripped
    ("井盖\u3000丢了（Ａ3区）", "井盖\u3000丢了（Ａ3区）"),  # full-width space and punctuation as written
    ("第一行\n第二行\t完", "第一行\n第二行\t完"),  # line breaks and tabs kept
    ("井\x00盖\u200b丢\x07了\ufeff\r", "井盖丢了"),  # control and format characters dropped
    ("\x00\u200b", ""),
])
def test_clean_text__drops_control_characters_and_keeps_the_citizens_words(raw, kept):
    assert clean_text(raw) == kept

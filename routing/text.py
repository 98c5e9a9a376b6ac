"""Text normalisation shared by the routing modules.

Callers type addresses and complaints with full-width digits and letters, stray spaces and mixed
punctuation; agents paste from other systems. Every matcher in this package works on the same
normalised form so that a term written in the city files matches however the caller wrote it.
"""

from __future__ import annotations

import re
import unicodedata

# Punctuation and symbols become one separator so that a gazetteer term can never match across
# "朝阳区，望京" style boundaries, while spaces inside names ("望京 SOHO") simply disappear.
_SEPARATOR = "|"
_SPACES = re.compile(r"\s+")


def is_cjk(ch: str) -> bool:
    """True for a CJK unified ideograph (the characters Chinese place names are made of)."""
    code = ord(ch)
    return 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0x20000 <= code <= 0x2A6DF


def _is_punctuation(ch: str) -> bool:
    return unicodedata.category(ch)[0] in ("P", "S")


def normalize(text: str | None) -> str:
    """NFKC (full-width → half-width), upper-case Latin letters, no whitespace, punctuation → "|".

    >>> normalize("北京市 朝阳区，望京ｓｏｈｏ Ｔ１")
    '北京市朝阳区|望京SOHOT1'
    """
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text)
    return _SPACES.sub("", text).upper().translate(_SEPARATORS)


class _SeparatorTable(dict):
    """str.translate table: punctuation and symbols → "|", every other character itself. Filled as
    characters are met, so translating runs in C once a text's characters have been seen."""

    def __missing__(self, code: int) -> str | int:
        value = self[code] = _SEPARATOR if _is_punctuation(chr(code)) else code
        return value


_SEPARATORS = _SeparatorTable()


def word_list(text: str) -> tuple[str, ...]:
    """Space-separated words → tuple: keeps long Chinese cue lists readable in the source."""
    return tuple(text.split())

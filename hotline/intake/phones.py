"""Chinese phone numbers, validated and normalised with the `phonenumbers` library."""

from __future__ import annotations

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

ACCEPTED_TYPES = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE, PhoneNumberType.FIXED_LINE_OR_MOBILE}


def normalise_phone(raw: str, default_area_code: str = "010") -> str:
    """E.164 form of a mobile or landline number; raises ValueError with a Chinese message.

    Callers often give a local landline without its area code (62345678): it is read as a number in
    the city's own area code. Numbers of other countries are accepted when written with their country
    code (+44 20 7946 0000): foreign residents and visitors call the hotline too; they are stored in
    E.164 and reached back by phone (SMS follow-up goes to Chinese mobiles only). An extension
    (`ext 99`, `转 99`) is refused: E.164 cannot keep it and a call-back must not silently lose it.
    """
    text = raw.strip()
    digits = "".join(ch for ch in text if ch.isdigit())
    if not digits:
        raise ValueError("电话号码不能为空")
    candidates = [text]
    if len(digits) in (7, 8) and not text.startswith(("+", "0")):
        candidates.append(default_area_code + digits)
    for candidate in candidates:
        try:
            number = phonenumbers.parse(candidate, "CN")
        except NumberParseException:
            continue
        if number.extension:
            raise ValueError("请只填写电话号码，不要带分机号（可写在诉求内容中）")
        if phonenumbers.is_valid_number(number) and phonenumbers.number_type(number) in ACCEPTED_TYPES:
            return phonenumbers.format_number(number, PhoneNumberFormat.E164)
    raise ValueError("电话号码无效：请填写11位手机号或带区号的固定电话（如 010-62345678）")


def display_phone(e164: str | None) -> str | None:
    if not e164:
        return None
    try:
        return phonenumbers.format_number(phonenumbers.parse(e164, None), PhoneNumberFormat.NATIONAL)
    except NumberParseException:
        return e164


def mask_phone(e164: str | None) -> str | None:
    """138****5678: enough for a person to recognise, not enough to call."""
    if not e164:
        return None
    digits = e164.removeprefix("+86")
    if len(digits) < 8:
        return "*" * max(0, len(digits) - 2) + digits[-2:]
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]

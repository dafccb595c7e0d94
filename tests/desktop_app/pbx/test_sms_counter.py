import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desktop_app.pbx.sms_counter import GSM7_BASIC, GSM7_EXTENSION, Encoding, SmsLength, measure


def test_empty_text_is_no_sms():
    assert measure("") == SmsLength(Encoding.GSM7, 0, 0, 160, 160)


def test_latin_is_gsm7():
    assert measure("Hello, world!") == SmsLength(Encoding.GSM7, 13, 1, 147, 160)


def test_cyrillic_is_ucs2():
    assert measure("Привет") == SmsLength(Encoding.UCS2, 6, 1, 64, 70)


def test_one_cyrillic_letter_turns_latin_text_to_ucs2():
    result = measure("a" * 100 + "ж")
    assert result.encoding is Encoding.UCS2
    assert (result.used, result.parts) == (101, 2)


@pytest.mark.parametrize("ch", list("€[]{}^~|\\") + ["\f"])
def test_extension_characters_count_two(ch):
    assert measure(ch) == SmsLength(Encoding.GSM7, 2, 1, 158, 160)
    assert measure("x" * 158 + ch).parts == 1
    assert measure("x" * 159 + ch).parts == 2


def test_gsm7_greek_and_accents_stay_gsm7():
    assert measure("ΔΦΓ èéù Øø ß ¿¡").encoding is Encoding.GSM7


@pytest.mark.parametrize(
    ("length", "parts", "left"),
    [(1, 1, 159), (160, 1, 0), (161, 2, 145), (306, 2, 0), (307, 3, 152), (459, 3, 0), (460, 4, 152)],
)
def test_gsm7_boundaries(length, parts, left):
    result = measure("a" * length)
    assert (result.encoding, result.used, result.parts, result.left) == (Encoding.GSM7, length, parts, left)
    assert result.per_part == (160 if length <= 160 else 153)


@pytest.mark.parametrize(
    ("length", "parts", "left"),
    [(1, 1, 69), (70, 1, 0), (71, 2, 63), (134, 2, 0), (135, 3, 66), (201, 3, 0), (202, 4, 66)],
)
def test_ucs2_boundaries(length, parts, left):
    result = measure("я" * length)
    assert (result.encoding, result.used, result.parts, result.left) == (Encoding.UCS2, length, parts, left)
    assert result.per_part == (70 if length <= 70 else 67)


def test_emoji_counts_as_two_ucs2_units():
    assert measure("🙂") == SmsLength(Encoding.UCS2, 2, 1, 68, 70)
    assert measure("🙂" * 35).parts == 1
    assert measure("🙂" * 35 + "a").parts == 2


def test_two_unit_characters_are_not_split_between_parts():
    # 152 septets then "€": it does not fit in the one septet left, so it opens part 2.
    result = measure("a" * 152 + "€" + "a" * 10)
    assert (result.used, result.parts, result.left) == (164, 2, 153 - 12)
    result = measure("я" * 66 + "🙂" + "я" * 3)
    assert (result.used, result.parts, result.left) == (71, 2, 67 - 5)


def test_newlines_count_one_each():
    assert measure("a\r\nb").used == 4


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=sorted(GSM7_BASIC | GSM7_EXTENSION) + ["я", "🙂"], max_size=400))
def test_parts_hold_the_text(text):
    result = measure(text)
    single, multi = (160, 153) if result.encoding is Encoding.GSM7 else (70, 67)
    assert 0 <= result.left < max(single, multi) + 1
    if result.parts <= 1:
        assert result.used <= single
    else:
        assert result.used > single
        # every part but the last is full or one unit short (a two-unit character moved on)
        assert (result.parts - 1) * (multi - 1) + (multi - result.left) <= result.used
        assert result.used <= result.parts * multi - result.left

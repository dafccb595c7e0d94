"""Phone numbers: one normal form for storing, matching and sending; one for people.

The normal form is the E.164 number without ``+`` (``79991234567``), the form the PBX
uses. Short internal extensions (up to 6 digits) stay as they are.
"""

from __future__ import annotations

import functools
import re
from urllib.parse import unquote

import phonenumbers

from desktop_app.core.texts import QT_TRANSLATE_NOOP, Text, UserError

DEFAULT_REGION = "RU"
MAX_EXTENSION_DIGITS = 6
# Digits without '+' are tried as an international number only from this length on.
MIN_INTERNATIONAL_DIGITS = 10
_EXTENSION = re.compile(r"^\d{1,%d}$" % MAX_EXTENSION_DIGITS)
_URI_SCHEMES = ("tel:", "callto:", "sip:")


class InvalidNumber(UserError, ValueError):
    def __init__(self, raw: str) -> None:
        super().__init__(
            Text("phone", QT_TRANSLATE_NOOP("phone", "Not a phone number: {number}"), {"number": raw})
        )
        self.raw = raw


def strip_uri(raw: str) -> str:
    """``tel:+7999...`` / ``callto://+7999`` -> ``+7999...`` (parameters after ``;`` dropped)."""
    text = raw.strip()
    lowered = text.lower()
    for scheme in _URI_SCHEMES:
        if lowered.startswith(scheme):
            text = text[len(scheme):].lstrip("/")
            break
    # Browsers percent-encode links: tel:+7%20999%20123-45-67.
    return unquote(text.split(";", 1)[0].split("?", 1)[0]).strip()


def is_extension(raw: str) -> bool:
    return bool(_EXTENSION.match(raw.strip()))


# Parsing is most of the cost of a lookup or an import row, and callers repeat numbers.
@functools.lru_cache(maxsize=4096)
def normalize(raw: str, region: str = DEFAULT_REGION) -> str:
    """Return the normal form of ``raw`` or raise :class:`InvalidNumber`.

    Also accepts its own output for numbers outside the region: the PBX sends
    ``4915112345678`` (E.164 without ``+``), which read as a Russian national number is
    no number at all.
    """
    text = strip_uri(str(raw))
    if is_extension(text):
        return text
    parsed = _parse(text, region)
    if parsed is None and text.isascii() and text.isdigit() and len(text) >= MIN_INTERNATIONAL_DIGITS:
        parsed = _parse("+" + text, region)
        if parsed is not None and not phonenumbers.is_valid_number(parsed):
            parsed = None
    if parsed is None:
        raise InvalidNumber(str(raw))
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164).lstrip("+")


def _parse(text: str, region: str) -> phonenumbers.PhoneNumber | None:
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    return parsed if phonenumbers.is_possible_number(parsed) else None


def try_normalize(raw: str | None, region: str = DEFAULT_REGION) -> str | None:
    if not raw:
        return None
    try:
        return normalize(raw, region)
    except InvalidNumber:
        return None


def display(raw: str | None, region: str = DEFAULT_REGION) -> str:
    """A number as people read it: ``+7 999 123-45-67``; anything else unchanged."""
    if not raw:
        return ""
    normal = try_normalize(raw, region)
    if normal is None or is_extension(normal):
        return str(raw)
    parsed = phonenumbers.parse("+" + normal, None)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def dial_form(normal: str) -> str:
    """A normal form as :class:`~desktop_app.pbx.client.PbxClient` reads it back unchanged, whatever the country."""
    return normal if is_extension(normal) else "+" + normal

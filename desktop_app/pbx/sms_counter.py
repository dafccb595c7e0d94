"""How long an SMS is: encoding, characters used, parts, characters left in the current part.

A text made only of the GSM 03.38 alphabet goes as GSM-7: 160 characters in one SMS, 153
in each part of a longer one (the rest carries the header that joins the parts); the
extension table's characters (``€ [ ] { } ^ ~ | \\`` and form feed) take two. Any other
character (any Cyrillic letter, an emoji) sends the whole text as UCS-2: 70 UTF-16 units
in one SMS, 67 per part; characters outside the BMP (most emoji) take two units.

A character taking two units is never split between two parts (phones keep an escape
sequence or a surrogate pair together), so a part may end one unit short.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Encoding(str, enum.Enum):
    GSM7 = "GSM-7"
    UCS2 = "UCS-2"

    def __str__(self) -> str:
        return self.value


GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

# (one SMS, each part of a multipart SMS), in the encoding's units
LIMITS = {Encoding.GSM7: (160, 153), Encoding.UCS2: (70, 67)}


@dataclass(frozen=True)
class SmsLength:
    encoding: Encoding
    used: int  # units: GSM-7 septets or UTF-16 code units
    parts: int  # 0 for an empty text
    left: int  # units left in the current (last) part
    per_part: int  # capacity of each part at this length (160/153 or 70/67)


def encoding_of(text: str) -> Encoding:
    if all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text):
        return Encoding.GSM7
    return Encoding.UCS2


def _units(ch: str, encoding: Encoding) -> int:
    if encoding is Encoding.GSM7:
        return 2 if ch in GSM7_EXTENSION else 1
    return 2 if ord(ch) > 0xFFFF else 1


def measure(text: str) -> SmsLength:
    """The length of ``text`` as an SMS."""
    encoding = encoding_of(text)
    single, multi = LIMITS[encoding]
    sizes = [_units(ch, encoding) for ch in text]
    used = sum(sizes)
    if used <= single:
        return SmsLength(encoding, used, 1 if used else 0, single - used, single)
    parts, in_part = 1, 0
    for size in sizes:
        if in_part + size > multi:
            parts += 1
            in_part = 0
        in_part += size
    return SmsLength(encoding, used, parts, multi - in_part, multi)

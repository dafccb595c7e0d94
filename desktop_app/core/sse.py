"""Server-Sent Events, both ways: the wire format of the relay's stream (docs/relay.md).

The relay encodes with :func:`encode` and :func:`comment`; the desk decodes with
:class:`SseParser`, which follows the WHATWG "event stream interpretation" rules:

* lines end with CRLF, LF or CR (a CR at the end of one network chunk may be the first
  half of a CRLF: it waits for the next chunk);
* ``field: value`` with one optional space after the colon; ``data`` lines are joined
  with ``\\n``; a blank line dispatches; a message without ``data`` is not dispatched;
* ``event`` defaults to ``message``; the last ``id`` persists across messages; an ``id``
  containing NUL is ignored; ``retry`` only when all digits; unknown fields are ignored;
* lines starting with ``:`` are comments (heartbeats): counted, never dispatched.

Why our own ~80 lines rather than a library: the parser works on raw byte chunks (one
regex split per network read, no per-line await), which keeps a desk's catch-up of
thousands of messages cheap, and the encoder and parser live side by side so one
round-trip property test covers both ends of the public contract.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

_LINE_END = re.compile(r"\r\n|\r|\n")
_DIGITS = re.compile(r"^[0-9]+$")


@dataclass(frozen=True)
class SseMessage:
    event: str
    data: str
    id: str | None = None


def _one_line(name: str, value: str) -> str:
    if "\r" in value or "\n" in value:
        raise ValueError(f"an SSE {name} cannot contain a line break")
    return value


def encode(data: str, *, event: str | None = None, id: str | int | None = None) -> bytes:
    """One message. ``data`` may hold line breaks (each line becomes a ``data:`` line; a CR
    or CRLF arrives as LF, since SSE cannot carry them); ``event`` and ``id`` may not."""
    lines = []
    if id is not None:
        text = _one_line("id", str(id))
        if "\0" in text:
            raise ValueError("an SSE id cannot contain NUL")
        lines.append(f"id: {text}")
    if event is not None:
        lines.append(f"event: {_one_line('event', event)}")
    lines.extend(f"data: {line}" for line in _LINE_END.split(data))
    lines.append("\n")
    return "\n".join(lines).encode("utf-8")


def comment(text: str = "") -> bytes:
    """A comment line (a heartbeat): keeps proxies and NAT from closing a silent stream."""
    return f":{_one_line('comment', text)}\n\n".encode()


class SseParser:
    """Feed it the stream's bytes as they arrive; it returns the complete messages."""

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._pending = ""  # an unfinished line
        self._carry_cr = False  # the last chunk ended with CR
        self._data: list[str] = []
        self._event = ""
        self.last_id: str | None = None
        self.retry: int | None = None
        self.comments = 0  # comment lines seen (heartbeats)

    def feed(self, chunk: bytes) -> list[SseMessage]:
        text = self._decoder.decode(chunk)
        if not text:
            return []
        if self._carry_cr:
            text = "\r" + text
        self._carry_cr = text.endswith("\r")
        if self._carry_cr:
            text = text[:-1]
        lines = _LINE_END.split(self._pending + text)
        self._pending = lines.pop()
        messages: list[SseMessage] = []
        for line in lines:
            self._line(line, messages)
        return messages

    def _line(self, line: str, messages: list[SseMessage]) -> None:
        if not line:
            if self._data:
                messages.append(SseMessage(self._event or "message", "\n".join(self._data), self.last_id))
            self._data, self._event = [], ""
            return
        if line[0] == ":":
            self.comments += 1
            return
        name, colon, value = line.partition(":")
        if colon and value[:1] == " ":
            value = value[1:]
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value
        elif name == "id":
            if "\0" not in value:
                self.last_id = value
        elif name == "retry" and _DIGITS.match(value):
            self.retry = int(value)


__all__ = ["SseMessage", "SseParser", "comment", "encode"]

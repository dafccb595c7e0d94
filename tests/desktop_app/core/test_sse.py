"""The SSE encoder and parser: round trips of any text, however the bytes are cut, and the
WHATWG parsing rules a relay or a proxy in between may exercise."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desktop_app.core.sse import SseMessage, SseParser, comment, encode


def feed_in_pieces(data: bytes, cuts: list[int]) -> tuple[SseParser, list[SseMessage]]:
    parser = SseParser()
    messages: list[SseMessage] = []
    points = sorted({c % (len(data) + 1) for c in cuts})
    start = 0
    for point in [*points, len(data)]:
        messages += parser.feed(data[start:point])
        start = point
    return parser, messages


def as_received(data: str) -> str:
    """What SSE can carry: a CR or CRLF in data arrives as LF."""
    return data.replace("\r\n", "\n").replace("\r", "\n")


names = st.text(st.characters(blacklist_characters="\r\n\0", blacklist_categories=("Cs",)), min_size=1, max_size=20)
bodies = st.text(st.characters(blacklist_categories=("Cs",)), max_size=3000)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(bodies, names, st.integers(0, 2**62)), min_size=1, max_size=6),
    st.lists(st.integers(0, 100_000), max_size=12),
)
def test_round_trip_survives_any_cut(messages, cuts):
    wire = b"".join(encode(data, event=event, id=id_) + comment("hb") for data, event, id_ in messages)
    parser, received = feed_in_pieces(wire, cuts)
    assert received == [SseMessage(event, as_received(data), str(id_)) for data, event, id_ in messages]
    assert parser.comments == len(messages)


@settings(max_examples=20, deadline=None)
@given(st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=2000), st.integers(100, 300))
def test_large_bodies_round_trip(piece, repeat):
    data = piece * repeat
    parser, received = feed_in_pieces(encode(data, event="event", id=1), [65536, 131072, 196608])
    assert received == [SseMessage("event", as_received(data), "1")]


def test_json_with_unicode_line_separators_stays_one_message():
    data = '{"client":"Ольга\u2028Петрова\u0085","note":"a\\nb"}'
    assert SseParser().feed(encode(data, event="event", id=7)) == [SseMessage("event", data, "7")]


@pytest.mark.parametrize("ending", [b"\n", b"\r", b"\r\n"])
def test_any_line_ending_and_cr_lf_split_across_chunks(ending):
    wire = b"id: 5" + ending + b"event: history" + ending + b"data: x" + ending + ending
    for cut in range(len(wire) + 1):
        parser = SseParser()
        assert parser.feed(wire[:cut]) + parser.feed(wire[cut:]) + parser.feed(b"\n") == [
            SseMessage("history", "x", "5")
        ]


def test_whatwg_rules():
    parser = SseParser()
    wire = (
        b": a comment\n"
        b"data:no space\n\n"  # the space after the colon is optional
        b"data:  two spaces\n\n"  # only one is removed
        b"data\n\n"  # a field without a colon: empty value
        b"event: ignored without data\n\n"  # no data: not dispatched, and the event resets
        b"id: 3\nretry: 2500\nunknown: x\ndata: a\ndata: b\n\n"
        b"data: keeps the last id\n\n"
        b"id: bad\0id\ndata: nul ignored\n\n"
        b"retry: soon\ndata: c\n\n"
    )
    messages = parser.feed(wire)
    assert messages == [
        SseMessage("message", "no space", None),
        SseMessage("message", " two spaces", None),
        SseMessage("message", "", None),
        SseMessage("message", "a\nb", "3"),
        SseMessage("message", "keeps the last id", "3"),
        SseMessage("message", "nul ignored", "3"),
        SseMessage("message", "c", "3"),
    ]
    assert parser.retry == 2500
    assert parser.comments == 1


def test_utf8_cut_inside_a_character():
    wire = encode("привет", event="event", id=1)
    parser = SseParser()
    out = []
    for byte in wire:
        out += parser.feed(bytes([byte]))
    assert out == [SseMessage("event", "привет", "1")]


def test_encoder_refuses_line_breaks_in_one_line_fields():
    with pytest.raises(ValueError):
        encode("x", event="a\nb")
    with pytest.raises(ValueError):
        encode("x", id="1\r2")
    with pytest.raises(ValueError):
        encode("x", id="1\0")
    with pytest.raises(ValueError):
        comment("a\nb")
